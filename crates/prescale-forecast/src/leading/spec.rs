//! The wrapper model: a base model on what the lagged indicator does not explain.
//!
//! `y_t = r_t + β·(x_{t−L} − c)`: β by a Huber regression of the target's first differences on
//! the indicator's differences `L` steps earlier (differences: a shared level or daily shape
//! does not pass for a lead; Huber: the target's own spikes do not bend β), `c` the indicator's
//! mean (so that `r` keeps the target's level and sign, which multiplicative models need). The
//! base model is fitted on `r` (from `t = L`, where `x_{t−L}` exists) and the forecast `h`
//! steps ahead is `r̂_h + β·(x_{n+h−1−L} − c)`: for `h ≤ L` the indicator value is already
//! known at the origin; beyond, it is the base model's own forecast of the indicator (the same
//! spec fitted on the indicator), or its last value when that fails. With a seasonal naive base
//! both halves cancel from the lag to the end of the first season and the forecast there is the
//! base's forecast of `y` itself: beyond the lag the indicator adds nothing, and costs nothing.

use std::sync::Arc;

use crate::model::{FittedModel, ForecastError, History, ModelSpec};

/// Most recent pairs the regression reads (as the lag detection's window).
const WINDOW: usize = 4096;

/// Fewest pairs for a regression.
const MIN_PAIRS: usize = 8;

/// Huber's tuning constant (95 % efficiency under normal errors), in robust standard deviations.
const HUBER_K: f64 = 1.345;

/// Reweighting rounds of the Huber regression: it settles within a few.
const HUBER_ROUNDS: usize = 4;

/// A base model on the target minus the lagged indicator; see the module docs.
pub struct LeadSpec {
    /// Name of the indicator (shown in the model's name).
    pub indicator: String,
    /// The indicator aligned with the engine's target; a fit on `y` reads `values[..y.len()]`.
    pub values: Arc<[f64]>,
    /// Steps by which the indicator leads the target (≥ 1).
    pub lag: usize,
    /// The model of the target's remainder.
    pub base: Arc<dyn ModelSpec>,
    /// The model forecasting the indicator itself beyond the lag (the base spec, or its cheap
    /// backtest form decided on the indicator).
    pub indicator_base: Arc<dyn ModelSpec>,
    /// The engine's horizon: the indicator is forecast only when it exceeds the lag.
    pub horizon: usize,
}

impl LeadSpec {
    /// Wraps `base` with `indicator` leading by `lag` steps.
    pub fn new(
        indicator: &str,
        values: Arc<[f64]>,
        lag: usize,
        base: Arc<dyn ModelSpec>,
        horizon: usize,
    ) -> Self {
        Self {
            indicator: indicator.to_string(),
            values,
            lag: lag.max(1),
            indicator_base: Arc::clone(&base),
            base,
            horizon,
        }
    }

    /// The indicator known at the end of `y` (never a value after it).
    fn known(&self, n: usize) -> Result<&[f64], ForecastError> {
        self.values.get(..n).ok_or_else(|| {
            ForecastError::Invalid(format!(
                "indicator {} has {} values, the target {n}",
                self.indicator,
                self.values.len()
            ))
        })
    }

    fn needs_indicator_forecast(&self) -> bool {
        self.horizon > self.lag
    }
}

/// `β` and `c` of `y_t = r_t + β·(x_{t−L} − c)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Regression {
    pub beta: f64,
    pub centre: f64,
}

impl Regression {
    /// Estimates the regression on the most recent pairs of `y` and `x` (same length).
    pub(super) fn estimate(y: &[f64], x: &[f64], lag: usize) -> Result<Self, ForecastError> {
        let n = y.len().min(x.len());
        let first = (lag + 1).max(n.saturating_sub(WINDOW));
        let pairs: Vec<(f64, f64)> = (first..n)
            .map(|t| (x[t - lag] - x[t - lag - 1], y[t] - y[t - 1]))
            .collect();
        if pairs.len() < MIN_PAIRS {
            return Err(ForecastError::TooShort {
                model: "lead".into(),
                have: n,
                need: lag + 1 + MIN_PAIRS,
            });
        }
        let recent = &x[n.saturating_sub(WINDOW)..n];
        let centre = recent.iter().sum::<f64>() / recent.len() as f64;
        Ok(Self {
            beta: huber_slope(&pairs),
            centre,
        })
    }

    /// `r_t = y_t − β·(x_{t−L} − c)` for `t` in `L..n`.
    pub(super) fn remainder(&self, y: &[f64], x: &[f64], lag: usize) -> Vec<f64> {
        y.iter()
            .skip(lag)
            .zip(x)
            .map(|(y, x)| y - self.beta * (x - self.centre))
            .collect()
    }
}

/// Slope through the origin of `d` on `u` for `(u, d)` pairs, Huber-weighted by iteratively
/// reweighted least squares; 0 when `u` never moves.
fn huber_slope(pairs: &[(f64, f64)]) -> f64 {
    let weighted = |w: &dyn Fn(f64, f64) -> f64| {
        let (num, den) = pairs.iter().fold((0.0, 0.0), |(n, d), &(u, v)| {
            let w = w(u, v);
            (n + w * u * v, d + w * u * u)
        });
        if den > 0.0 && (num / den).is_finite() {
            num / den
        } else {
            0.0
        }
    };
    let mut beta = weighted(&|_, _| 1.0);
    for _ in 0..HUBER_ROUNDS {
        let mut abs: Vec<f64> = pairs.iter().map(|&(u, v)| (v - beta * u).abs()).collect();
        let mid = abs.len() / 2;
        let (_, mad, _) = abs.select_nth_unstable_by(mid, f64::total_cmp);
        let cut = HUBER_K * *mad / 0.6745;
        if !(cut > 0.0 && cut.is_finite()) {
            break;
        }
        let b = beta;
        beta = weighted(&|u, v| {
            let e = (v - b * u).abs();
            if e <= cut {
                1.0
            } else {
                cut / e
            }
        });
    }
    beta
}

/// The history of `y[lag..]`: its calendar starts `lag` steps later.
fn shifted<'a>(history: &History<'a>, lag: usize) -> History<'a> {
    History {
        values: history.values.get(lag..).unwrap_or(&[]),
        start_unix: history
            .start_unix
            .map(|s| s + lag as i64 * i64::from(history.step_seconds)),
        ..*history
    }
}

impl ModelSpec for LeadSpec {
    fn name(&self) -> String {
        format!("lead({}@{})+{}", self.indicator, self.lag, self.base.name())
    }

    fn fit(&self, y: &[f64], history: &History<'_>) -> Result<Box<dyn FittedModel>, ForecastError> {
        let n = y.len();
        let x = self.known(n)?;
        let reg = Regression::estimate(y, x, self.lag)?;
        let remainder = reg.remainder(y, x, self.lag);
        let base = self.base.fit(&remainder, &shifted(history, self.lag))?;
        // The indicator beyond the lag is needed only when the horizon reaches past it; a
        // failure there falls back to its last value rather than losing the candidate.
        let ahead = if self.needs_indicator_forecast() {
            self.indicator_base.fit(x, history).ok()
        } else {
            None
        };
        Ok(Box::new(FittedLead {
            base,
            ahead,
            known: x[n - self.lag..].to_vec(),
            reg,
        }))
    }

    fn backtest_spec(&self, oldest: &[f64], history: &History<'_>) -> Option<Box<dyn ModelSpec>> {
        let x = self.known(oldest.len()).ok()?;
        let reg = Regression::estimate(oldest, x, self.lag).ok()?;
        let remainder = reg.remainder(oldest, x, self.lag);
        let base = self
            .base
            .backtest_spec(&remainder, &shifted(history, self.lag));
        let indicator_base = if self.needs_indicator_forecast() {
            self.indicator_base.backtest_spec(x, history)
        } else {
            None
        };
        if base.is_none() && indicator_base.is_none() {
            return None;
        }
        Some(Box::new(LeadSpec {
            indicator: self.indicator.clone(),
            values: Arc::clone(&self.values),
            lag: self.lag,
            base: base.map_or_else(|| Arc::clone(&self.base), Arc::from),
            indicator_base: indicator_base
                .map_or_else(|| Arc::clone(&self.indicator_base), Arc::from),
            horizon: self.horizon,
        }))
    }
}

struct FittedLead {
    base: Box<dyn FittedModel>,
    /// The indicator's own forecast, for the steps beyond the lag.
    ahead: Option<Box<dyn FittedModel>>,
    /// The last `lag` indicator values: the regressor of the first `lag` forecast steps.
    known: Vec<f64>,
    reg: Regression,
}

impl FittedModel for FittedLead {
    fn predict(&self, horizon: usize) -> Vec<f64> {
        let lag = self.known.len();
        let beyond = horizon.saturating_sub(lag);
        let last = self.known.last().copied().unwrap_or(self.reg.centre);
        let mut ahead = match (&self.ahead, beyond) {
            (_, 0) | (None, _) => Vec::new(),
            (Some(model), _) => model.predict(beyond),
        };
        ahead.resize(beyond, last);
        ahead
            .iter_mut()
            .filter(|v| !v.is_finite())
            .for_each(|v| *v = last);
        let regressor = self.known.iter().chain(&ahead);
        self.base
            .predict(horizon)
            .into_iter()
            .zip(regressor)
            .map(|(r, x)| r + self.reg.beta * (x - self.reg.centre))
            .collect()
    }
}
