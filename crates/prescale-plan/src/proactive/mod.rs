//! `prescale`: the proactive planner on the forecasting engine, as a [`Policy`].
//!
//! At each decision (the start of step k):
//! 1. the actual of step k − 1 goes to the nowcast (short-horizon errors and level correction)
//!    and to the forecast cache's error tracker and drift test;
//! 2. the engine is refitted when the cache says so (daily, on drift, on a level shift) and,
//!    while the history is short, whenever it has grown by a quarter (at least an hour);
//! 3. the cached model's forecast from step k, corrected by the nowcast, gives the demand
//!    quantiles of the next steps (lead + minimum lifetime);
//! 4. the [`Planner`] turns them into instances per type, with its reasons.
//!
//! Forecasts depend only on the demand history, never on the policy's actions, so the runs of
//! one trace (a knob sweep, the ablations) share the engine's fits through a [`FitMemo`].

use crate::planner::{DemandOutlook, Plan, PlanInput, Planner, PlannerConfig, StepOutcome};
use prescale_core::{Decision, Observation, Policy};
use prescale_forecast::nowcast::{Nowcast, NowcastConfig, ShortForecast};
use prescale_forecast::tracker::{self, CacheConfig, ForecastCache, Forecaster, RefitPolicy};
use prescale_forecast::{Engine, EngineConfig, FittedForecaster, Forecast, History};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Settings of the `prescale` policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProactiveConfig {
    pub planner: PlannerConfig,
    /// Refit the engine at least this often, in seconds of trace time.
    pub refit_every_seconds: f64,
    /// Most steps of history a fit looks at.
    pub max_history_steps: usize,
    /// Plan on the live, per-horizon calibrated quantiles (the nowcast). `false`: on the
    /// engine's own bands of the cached model (calibrated at its fit only) at a fixed quantile.
    pub live_calibration: bool,
    /// Seconds of live errors the quantiles are calibrated on.
    pub calibration_window_seconds: f64,
    /// How errors may scale with the forecast level (see `NowcastConfig::scale_exponents`).
    pub error_scale_exponents: Vec<f64>,
    /// Name in reports.
    pub name: String,
}

impl Default for ProactiveConfig {
    fn default() -> Self {
        Self {
            planner: PlannerConfig::default(),
            refit_every_seconds: 86_400.0,
            max_history_steps: 4032,
            live_calibration: true,
            calibration_window_seconds: 7.0 * 86_400.0,
            error_scale_exponents: vec![0.0, 0.5, 1.0],
            name: "prescale".into(),
        }
    }
}

/// A fit shared between the runs of one trace, with its forecast to the next scheduled refit
/// computed once.
pub struct SharedFit {
    fitted: FittedForecaster,
    ahead: Forecast,
    /// Mean absolute one-step difference of the fit's history: the error scale the tracker
    /// compares series with.
    scale: f64,
}

/// What the cache holds: a shared fit.
#[derive(Clone)]
struct CachedFit(Arc<SharedFit>);

impl Forecaster for CachedFit {
    fn forecast(&self, horizon: usize) -> Forecast {
        let ahead = &self.0.ahead;
        if horizon <= ahead.point.len() {
            Forecast {
                point: ahead.point[..horizon].to_vec(),
                quantiles: ahead
                    .quantiles
                    .iter()
                    .map(|(l, v)| (*l, v[..horizon].to_vec()))
                    .collect(),
            }
        } else {
            self.0.fitted.forecast(horizon)
        }
    }

    fn reference_scaled_error(&self) -> Option<f64> {
        self.0.fitted.reference_scaled_error()
    }
}

/// Fits already made for one trace, by the step they were made at.
#[derive(Clone, Default)]
pub struct FitMemo(Arc<Mutex<HashMap<usize, Arc<SharedFit>>>>);

impl FitMemo {
    fn get_or(
        &self,
        step: usize,
        fit: impl FnOnce() -> Option<SharedFit>,
    ) -> Option<Arc<SharedFit>> {
        if let Some(f) = self.0.lock().ok().and_then(|m| m.get(&step).cloned()) {
            return Some(f);
        }
        let made = Arc::new(fit()?);
        if let Ok(mut m) = self.0.lock() {
            m.insert(step, made.clone());
        }
        Some(made)
    }
}

/// The quantile level the drift test watches.
const UPPER: f64 = 0.95;

/// The `prescale` policy.
pub struct Proactive {
    config: ProactiveConfig,
    engine: Engine,
    memo: FitMemo,
    cache: Option<ForecastCache<(), CachedFit>>,
    nowcast: Option<Nowcast>,
    planner: Planner,
    /// Step of the last fit.
    fitted_at: Option<usize>,
    /// The point and upper quantile served for the step in progress (for the tracker).
    served: Option<(usize, f64, f64)>,
    last_plan: Option<Plan>,
    /// The last changes with their reasons, oldest first.
    recent: std::collections::VecDeque<String>,
}

/// Changes kept for [`Policy::explanations`].
const EXPLAINED: usize = 5;

impl Proactive {
    pub fn new(config: ProactiveConfig, memo: FitMemo) -> Self {
        Self {
            engine: Engine::new(EngineConfig {
                // Four origins, choice and calibration on the same ones: half the cost of the
                // default, as a backtest refits hundreds of times per trace.
                origins: 4,
                ..EngineConfig::default()
            }),
            planner: Planner::new(config.planner.clone()),
            config,
            memo,
            cache: None,
            nowcast: None,
            fitted_at: None,
            served: None,
            last_plan: None,
            recent: std::collections::VecDeque::with_capacity(EXPLAINED),
        }
    }

    /// The last plan, with its reasons.
    pub fn last_plan(&self) -> Option<&Plan> {
        self.last_plan.as_ref()
    }

    /// Steps scored and missed by the planner so far.
    pub fn miss_counts(&self) -> (u64, u64) {
        self.planner.miss_counts()
    }

    /// Builds the cache and the nowcast on the first decision, when the step is known.
    fn setup(&mut self, obs: &Observation<'_>, horizon: usize, lead: usize) {
        if self.cache.is_some() {
            return;
        }
        let step = obs.step_seconds.max(1.0);
        let day = ((86_400.0 / step).round() as u64).max(1);
        let refit = ((self.config.refit_every_seconds / step).round() as u64).max(1);
        let cache_config = CacheConfig {
            capacity: 1,
            idle_steps: u64::MAX / 4,
            max_reuse_steps: refit.saturating_mul(2).max(day),
            // The nowcast corrects the level; the cache's own correction would count it twice.
            correction_gain: 0.0,
            refit: RefitPolicy {
                every: Some(refit),
                min_interval: (day / 24).max(12),
                level_shift_settle: (day / 24).max(12),
            },
            ..CacheConfig::default()
        };
        self.cache = ForecastCache::new(cache_config, &[UPPER]).ok();
        let nowcast = NowcastConfig {
            horizon,
            // The window is counted in steps: bounded so that short steps keep a tail of
            // several thousand errors without a long memmove per step.
            window: ((self.config.calibration_window_seconds / step).round() as usize)
                .clamp(100, 4032),
            scale_exponents: self.config.error_scale_exponents.clone(),
            reference_horizon: (lead + 1).min(horizon),
            unit: Some(obs.capacity_per_instance).filter(|c| *c > 0.0),
            ..NowcastConfig::default()
        };
        self.nowcast = Nowcast::new(nowcast).ok();
    }

    /// Whether the model should be refitted at step `k`.
    fn refit_due(&self, k: usize, step_seconds: f64) -> bool {
        let Some(at) = self.fitted_at else {
            return true;
        };
        let cache_says = self
            .cache
            .as_ref()
            .is_some_and(|c| c.needs_refit(&(), k as u64).is_some());
        // A short history learns much from each new hour: refit when it has grown by a quarter.
        let hour = ((3600.0 / step_seconds).round() as usize).max(1);
        let day = ((86_400.0 / step_seconds).round() as usize).max(1);
        let young = at < 7 * day && k >= at + (at / 4).max(hour);
        cache_says || young
    }

    fn fit(&self, obs: &Observation<'_>, k: usize, horizon: usize) -> Option<Arc<SharedFit>> {
        let from = k.saturating_sub(self.config.max_history_steps);
        let start_unix = obs
            .start_unix
            .map(|s| s + (from as f64 * obs.step_seconds) as i64);
        let refit = (self.config.refit_every_seconds / obs.step_seconds).round() as usize;
        let ahead = refit.saturating_mul(2).max(1) + horizon;
        self.memo.get_or(k, || {
            let values = &obs.demand[from..k];
            let history = History {
                values,
                step_seconds: obs.step_seconds as u32,
                start_unix,
                events: None,
            };
            let fitted = self.engine.fit(&history, ahead).ok()?;
            let forecast = fitted.forecast(ahead);
            Some(SharedFit {
                scale: one_step_scale(values),
                fitted,
                ahead: forecast,
            })
        })
    }

    /// The cached model's forecast of steps `k..k + horizon`.
    fn base_forecast(&self, k: usize, horizon: usize) -> Option<Forecast> {
        let at = self.fitted_at?;
        let fit = self.cache.as_ref()?.get(&())?;
        let skip = k.checked_sub(at)?;
        let mut f = fit.forecast(skip + horizon);
        f.point.drain(..skip.min(f.point.len()));
        for (_, q) in &mut f.quantiles {
            q.drain(..skip.min(q.len()));
        }
        (f.point.len() == horizon).then_some(f)
    }

    /// Records the actual of step `k − 1` against what was served for it.
    fn learn(&mut self, obs: &Observation<'_>, k: usize) {
        let Some(prev) = k.checked_sub(1) else {
            return;
        };
        let actual = obs.demand.get(prev).copied().flatten();
        if let Some(n) = &mut self.nowcast {
            n.observe(prev as u64, actual);
        }
        let scale = self
            .cache
            .as_ref()
            .and_then(|c| c.get(&()))
            .map_or(1.0, |f| f.0.scale);
        if let (Some(a), Some((step, point, upper)), Some(cache)) =
            (actual, self.served.take(), &mut self.cache)
        {
            if step == prev {
                let observation = tracker::Observation {
                    step: prev as u64,
                    horizon: 1,
                    actual: a,
                    point,
                    quantiles: &[upper],
                    scale,
                };
                // A refused observation (a non-finite value) only loses this one error.
                let _ = cache.record(&(), &observation);
            }
        }
    }
}

/// Mean absolute difference of consecutive known values (1 when there is none).
fn one_step_scale(values: &[Option<f64>]) -> f64 {
    let (sum, n) = values
        .windows(2)
        .filter_map(|w| Some((w[1]? - w[0]?).abs()))
        .fold((0.0, 0usize), |(s, n), d| (s + d, n + 1));
    if n > 0 && sum > 0.0 {
        sum / n as f64
    } else {
        1.0
    }
}

/// Demand quantiles for the planner: the nowcast's when it has enough errors, else the cached
/// model's own bands shifted by the nowcast's correction.
struct Outlook<'a> {
    short: &'a ShortForecast,
    nowcast: Option<&'a Nowcast>,
    base: &'a Forecast,
}

impl DemandOutlook for Outlook<'_> {
    fn len(&self) -> usize {
        self.short.point.len()
    }

    fn quantile(&self, i: usize, level: f64) -> f64 {
        if let Some(q) = self.nowcast.and_then(|n| self.short.quantile(n, i, level)) {
            return q;
        }
        let point = self.short.point.get(i).copied().unwrap_or(0.0);
        let shift = point - self.base.point.get(i).copied().unwrap_or(point);
        let band = self
            .base
            .quantiles
            .iter()
            .find(|(l, _)| *l >= level - 1e-9)
            .or(self.base.quantiles.last())
            .and_then(|(_, v)| v.get(i).copied())
            .unwrap_or(point);
        (band + shift).max(point).max(0.0)
    }
}

impl Policy for Proactive {
    fn name(&self) -> String {
        self.config.name.clone()
    }

    fn decide(&mut self, obs: &Observation<'_>) -> Decision {
        let k = obs.demand.len();
        let current: Vec<u32> = obs.fleet.types.iter().map(|t| t.current()).collect();
        let hold = Decision::new(current, Vec::new());
        let step = obs.step_seconds.max(1.0);
        let boot = obs.types.iter().map(|t| t.boot_seconds).fold(0.0, f64::max);
        let lifetime = self.config.planner.min_lifetime_seconds.unwrap_or(boot);
        let horizon = ((boot + lifetime) / step - 1e-9).ceil().max(0.0) as usize + 1;
        let lead = (boot / step - 1e-9).ceil().max(0.0) as usize;
        self.setup(obs, horizon, lead);
        self.learn(obs, k);
        if obs.last_known().is_none() {
            return hold;
        }
        if self.refit_due(k, step) {
            if let Some(fit) = self.fit(obs, k, horizon) {
                if let Some(cache) = &mut self.cache {
                    cache.insert((), CachedFit(fit), k as u64);
                }
                if let Some(n) = &mut self.nowcast {
                    n.rebase();
                }
                self.fitted_at = Some(k);
            }
        }
        // The cached model's own forecast from step k: the cache's level correction is not
        // wanted (the nowcast corrects), only its tracking and refit decisions.
        let Some(base) = self.base_forecast(k, horizon) else {
            return hold;
        };
        let Some(nowcast) = &mut self.nowcast else {
            return hold;
        };
        let short = nowcast.serve(k as u64, &base.point);
        let outlook = Outlook {
            short: &short,
            nowcast: self.config.live_calibration.then_some(&*nowcast),
            base: &base,
        };
        self.served = Some((k, short.point[0], outlook.quantile(0, UPPER)));
        let last_step = k.checked_sub(1).and_then(|p| {
            let demand = obs.demand.get(p).copied().flatten()?;
            let serving = obs.serving.get(p).copied()?;
            Some(StepOutcome {
                demand,
                capacity: serving * obs.capacity_per_instance,
            })
        });
        let plan = self.planner.plan(&PlanInput {
            now: obs.now,
            step_seconds: step,
            start_unix: obs.start_unix,
            outlook: &outlook,
            last_step,
            fleet: obs.fleet,
            types: obs.types,
            capacity_per_instance: obs.capacity_per_instance,
        });
        for action in &plan.actions {
            if self.recent.len() == EXPLAINED {
                self.recent.pop_front();
            }
            self.recent
                .push_back(format!("step {k} (t = {:.0} s): {action}", obs.now));
        }
        let decision = plan.decision.clone();
        self.last_plan = Some(plan);
        decision
    }

    fn explanations(&self) -> Vec<String> {
        self.recent.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests;
