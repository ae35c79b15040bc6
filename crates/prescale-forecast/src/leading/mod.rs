//! Leading indicators: another series that moves first (an upstream service, a queue in front
//! of workers) used as a regressor when it improves the backtest.
//!
//! # Method
//! 1. **Lag** ([`lag`]): the second differences of target and indicator (the last 4 096
//!    steps; a shared level, trend or daily shape drops out) are cross-correlated at lags
//!    `0..=max_lag` (four horizons, between 48 and 288 steps, at most a quarter of the
//!    history). The strongest lag is a lead when it is ≥ 1 and its |r| exceeds both 4
//!    Bartlett standard errors and 0.1; an unrelated series, even one with the same daily
//!    shape, gives none. The lag is chosen once on the whole history, like the engine's
//!    seasonal periods (β is re-estimated at every fit from the prefix only).
//! 2. **Model** ([`spec::LeadSpec`], named `lead(<indicator>@<L>)+<base>`): at every fit,
//!    `y_t = r_t + β·(x_{t−L} − c)` with β a Huber regression of the target's differences on
//!    the indicator's differences `L` steps earlier, estimated on the fitted prefix only; the
//!    base model (one of the engine's best two) is fitted on `r`.
//! 3. **Forecast**: `h ≤ L` steps ahead the indicator value is already known at the origin, so
//!    the forecast is `r̂_h + β·(x_{n+h−1−L} − c)`. **Beyond the lag** the indicator is not
//!    known: its value is the base spec's forecast of the indicator itself (its last value if
//!    that fit fails). With a seasonal naive base this is exactly the base's own forecast of
//!    the target (up to one season ahead), so beyond the lag a lead model is about as good as
//!    its base, no better.
//! 4. **Choice**: the engine backtests every candidate at the same origins as the others; it
//!    wins only with a lower scaled error. Nothing after an origin is read: a fit on `y[..o]`
//!    reads `values[..o]` of its indicator.
//!
//! # Cost
//! Detection: O(min(n, 4096) · max_lag) multiply-adds per indicator (under a millisecond).
//! Each candidate (one per indicator with a lead and per base, at most two bases) costs one
//! base fit per backtest origin, plus one fit of the base on the indicator when the horizon
//! exceeds the lag.

pub mod lag;
pub mod spec;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use crate::model::ModelSpec;

pub use lag::Lead;
pub use spec::LeadSpec;

/// Another series that may lead the target, on the target's step and aligned with its history:
/// `values[i]` is the indicator at the time of the history's `values[i]`. Values after the end
/// of the history are never read (they are not known when forecasting); a shorter series means
/// its last values are unknown.
#[derive(Debug, Clone, Copy)]
pub struct Indicator<'a> {
    pub name: &'a str,
    pub values: &'a [Option<f64>],
}

/// An indicator after gap filling, aligned with the engine's (gap-filled, trimmed) target `y`:
/// `values[i]` is the same time as `y[i]`, and `values.len() == y.len()`.
#[derive(Debug, Clone)]
pub struct AlignedIndicator {
    pub name: String,
    pub values: Arc<[f64]>,
}

/// Candidate models that add the indicators to the best base models. `y` is the engine's
/// target (gap-free), `bases` its best candidates so far (best first), `horizon` the forecast
/// horizon. Each returned spec, fitted on a prefix `y[..o]`, may read only `values[..o]` of
/// its indicator (the backtest relies on it: nothing after an origin is seen).
/// Returns no candidate when no indicator leads the target.
pub fn candidates(
    y: &[f64],
    indicators: &[AlignedIndicator],
    bases: &[Arc<dyn ModelSpec>],
    horizon: usize,
) -> Vec<Box<dyn ModelSpec>> {
    let max_lag = lag::max_lag(y.len(), horizon);
    indicators
        .iter()
        .filter(|ind| ind.values.len() == y.len())
        .filter_map(|ind| lag::detect(y, &ind.values, max_lag).map(|lead| (ind, lead)))
        .flat_map(|(ind, lead)| {
            bases.iter().map(move |base| {
                Box::new(LeadSpec::new(
                    &ind.name,
                    Arc::clone(&ind.values),
                    lead.lag,
                    Arc::clone(base),
                    horizon,
                )) as Box<dyn ModelSpec>
            })
        })
        .collect()
}
