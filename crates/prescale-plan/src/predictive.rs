//! `prescale`: the predictive policy on the forecasting engine. It keeps capacity for an upper
//! quantile of the forecast demand over the steps until an instance requested now would serve.
//!
//! How a decision is made at the start of step k (boot time = `lead` steps):
//! 1. the engine is refitted on the history every `refit_every_seconds` (choice of model and
//!    calibration included) and forecasts far enough to reach the next refit; between refits
//!    the cached forecast is reused, shifted to step k;
//! 2. the reused forecast is corrected for level: the ratio of the last few actual values to
//!    what was forecast for them (clamped to 0.5..2), so a level change is followed before the
//!    next refit;
//! 3. the capacity wanted is the largest corrected quantile over steps k..=k+lead, never below
//!    the latest known demand (a forecast miss is answered at once, as a reactive autoscaler
//!    would), divided by the per-instance capacity.
//!
//! Forecasts depend only on the demand history, never on the policy's own actions, so runs of
//! the same trace (a knob sweep) share them through a [`ForecastMemo`].

use prescale_core::{Decision, Observation, Policy};
use prescale_forecast::{Engine, EngineConfig, Forecast, History};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Settings of the predictive policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PredictiveConfig {
    /// Quantile of the forecast that capacity is planned on (the knob of its iso-SLO sweep).
    pub quantile: f64,
    /// How often the engine is refitted, in seconds of trace time.
    pub refit_every_seconds: f64,
    /// Most steps of history a fit looks at (older steps add cost, not accuracy).
    pub max_history_steps: usize,
    /// Steps of actual demand the level correction compares with the forecast.
    pub correction_steps: usize,
    /// Fewest instances.
    pub min_instances: u32,
    /// Most instances.
    pub max_instances: u32,
}

impl Default for PredictiveConfig {
    fn default() -> Self {
        Self {
            quantile: 0.95,
            refit_every_seconds: 86_400.0,
            max_history_steps: 4032,
            correction_steps: 6,
            min_instances: 1,
            max_instances: 400,
        }
    }
}

/// Forecasts already computed for one trace, by the step they were fitted at.
#[derive(Debug, Clone, Default)]
pub struct ForecastMemo(Arc<Mutex<HashMap<usize, Arc<Forecast>>>>);

impl ForecastMemo {
    fn get_or(
        &self,
        step: usize,
        compute: impl FnOnce() -> Option<Forecast>,
    ) -> Option<Arc<Forecast>> {
        if let Some(f) = self.0.lock().ok().and_then(|m| m.get(&step).cloned()) {
            return Some(f);
        }
        let forecast = Arc::new(compute()?);
        if let Ok(mut m) = self.0.lock() {
            m.insert(step, forecast.clone());
        }
        Some(forecast)
    }
}

/// The predictive policy.
pub struct Predictive {
    config: PredictiveConfig,
    engine: Engine,
    memo: ForecastMemo,
    /// The forecast in use and the step it starts at.
    current: Option<(usize, Arc<Forecast>)>,
}

impl Predictive {
    pub fn new(config: PredictiveConfig, memo: ForecastMemo) -> Self {
        let quantiles = vec![0.5, config.quantile];
        Self {
            // Four origins (choice and calibration on the same ones): half the cost of the
            // default, as a backtest refits this engine hundreds of times per trace.
            engine: Engine::new(EngineConfig {
                quantiles,
                origins: 4,
                ..EngineConfig::default()
            }),
            config,
            memo,
            current: None,
        }
    }

    /// The forecast starting at `fit_step`, computing it when no run of this trace has yet.
    fn refit(&self, obs: &Observation<'_>, k: usize, horizon: usize) -> Option<Arc<Forecast>> {
        let from = k.saturating_sub(self.config.max_history_steps);
        let start_unix = obs
            .start_unix
            .map(|s| s + (from as f64 * obs.step_seconds) as i64);
        self.memo.get_or(k, || {
            let history = History {
                values: &obs.demand[from..k],
                step_seconds: obs.step_seconds as u32,
                start_unix,
                events: None,
            };
            let fitted = self.engine.fit(&history, horizon).ok()?;
            Some(fitted.forecast(horizon))
        })
    }

    /// Actual over forecast for the last steps, clamped: how far the level has moved since the
    /// forecast was made.
    fn level_correction(&self, obs: &Observation<'_>, fit_step: usize, forecast: &Forecast) -> f64 {
        let k = obs.demand.len();
        let from = k.saturating_sub(self.config.correction_steps).max(fit_step);
        let (mut actual, mut predicted) = (0.0, 0.0);
        for s in from..k {
            if let (Some(a), Some(p)) = (obs.demand[s], forecast.point.get(s - fit_step)) {
                actual += a;
                predicted += p;
            }
        }
        if predicted > 0.0 && actual > 0.0 {
            (actual / predicted).clamp(0.5, 2.0)
        } else {
            1.0
        }
    }
}

/// The largest planned demand over the `lead + 1` steps from `from` (an index into the forecast).
///
/// The forecast was made up to a day earlier; after the level correction what remains is the
/// short-term error, so the band is the quantile's relative width at horizon `lead + 1` (where
/// the calibration measured short-term errors), not at the full distance from the fit.
fn planned_demand(
    forecast: &Forecast,
    quantile: f64,
    from: usize,
    lead: usize,
    correction: f64,
) -> Option<f64> {
    let q = forecast.quantile(quantile)?;
    let point = &forecast.point;
    let reference = lead.min(point.len().checked_sub(1)?);
    let width = if point[reference] > 0.0 {
        (q[reference] / point[reference]).max(1.0)
    } else {
        1.0
    };
    let horizon = point.get(from..(from + lead + 1).min(point.len()))?;
    let peak = horizon.iter().fold(0.0f64, |m, v| m.max(*v));
    Some(peak * width * correction)
}

impl Policy for Predictive {
    fn name(&self) -> String {
        "prescale".into()
    }

    fn decide(&mut self, obs: &Observation<'_>) -> Decision {
        let types = obs.types.len();
        let current = obs.fleet.types.first().map_or(0, |t| t.current());
        let Some((_, latest)) = obs.last_known() else {
            return Decision::only_default(current, types);
        };
        let k = obs.demand.len();
        let step = obs.step_seconds;
        let lead = (obs.types.first().map_or(0.0, |t| t.boot_seconds) / step).ceil() as usize;
        let refit_steps = ((self.config.refit_every_seconds / step).round() as usize).max(1);
        // While the history is short, each refit learns much more: refit when it has grown by
        // a quarter (at least one hour of steps), up to the configured interval.
        let hour = ((3600.0 / step).round() as usize).max(1);
        let stale = self
            .current
            .as_ref()
            .is_none_or(|(at, _)| k >= at + refit_steps.min((at / 4).max(hour)));
        if stale {
            if let Some(f) = self.refit(obs, k, refit_steps + lead + 1) {
                self.current = Some((k, f));
            }
        }
        let planned = match &self.current {
            Some((at, forecast)) => {
                let correction = self.level_correction(obs, *at, forecast);
                planned_demand(forecast, self.config.quantile, k - at, lead, correction)
                    .unwrap_or(latest)
            }
            None => latest,
        };
        let wanted = planned.max(latest) / obs.capacity_per_instance;
        let desired = ((wanted - 1e-9).ceil().max(0.0) as u32)
            .clamp(self.config.min_instances, self.config.max_instances);
        Decision::only_default(desired, types)
    }
}
