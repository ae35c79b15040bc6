//! What an ETS model is: its components, smoothing parameters and state, and the point
//! forecasts from a state (Hyndman, Koehler, Ord & Snyder 2008, "Forecasting with Exponential
//! Smoothing", table 2.3). The recursions over a series are in `filter.rs`.

use super::{ErrorKind, SeasonKind, TrendKind};

/// One ETS model: its components and seasonal period (1 when non-seasonal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EtsModel {
    /// How the error enters: additive or relative.
    pub error: ErrorKind,
    /// Additive trend or none.
    pub trend: TrendKind,
    /// Whether the trend is damped (only with an additive trend).
    pub damped: bool,
    /// Seasonal component.
    pub season: SeasonKind,
    /// Seasonal period in steps; 1 for a non-seasonal model.
    pub period: usize,
}

impl EtsModel {
    /// R's notation, e.g. `ETS(M,Ad,A)`.
    pub fn name(&self) -> String {
        let e = match self.error {
            ErrorKind::Additive => "A",
            ErrorKind::Multiplicative => "M",
        };
        let t = match (self.trend, self.damped) {
            (TrendKind::None, _) => "N",
            (TrendKind::Additive, false) => "A",
            (TrendKind::Additive, true) => "Ad",
        };
        let s = match self.season {
            SeasonKind::None => "N",
            SeasonKind::Additive => "A",
            SeasonKind::Multiplicative => "M",
        };
        format!("ETS({e},{t},{s})")
    }

    pub(crate) fn has_trend(&self) -> bool {
        self.trend == TrendKind::Additive
    }

    pub(crate) fn is_seasonal(&self) -> bool {
        self.season != SeasonKind::None
    }

    /// Period of the seasonal state (1 without a season).
    pub(crate) fn m(&self) -> usize {
        if self.is_seasonal() {
            self.period
        } else {
            1
        }
    }

    /// Number of free initial states as R counts them: level, slope, and `m - 1` seasonal
    /// states (the last one is fixed by the normalisation).
    pub(crate) fn n_states(&self) -> usize {
        // Saturating: an absurd period must make the model "too short", not overflow.
        let seasonal = if self.is_seasonal() {
            self.period.saturating_sub(1)
        } else {
            0
        };
        seasonal.saturating_add(1 + usize::from(self.has_trend()))
    }

    /// Number of smoothing parameters estimated (α, β, γ, φ as present).
    pub(crate) fn n_smoothing(&self) -> usize {
        1 + usize::from(self.has_trend())
            + usize::from(self.is_seasonal())
            + usize::from(self.damped)
    }
}

/// Smoothing parameters: `beta = 0` without trend, `gamma = 0` without season, `phi = 1`
/// without damping.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Params {
    pub alpha: f64,
    pub beta: f64,
    pub gamma: f64,
    pub phi: f64,
}

/// Level, slope and seasonal indexes. `season[k]` is the index of the (k+1)-th step after
/// the state's time, so a forecast `h` steps ahead reads `season[(h - 1) % m]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct State {
    pub level: f64,
    pub slope: f64,
    pub season: Vec<f64>,
}

/// Point forecasts `1..=horizon` steps after `state`.
pub(crate) fn forecast(model: &EtsModel, p: &Params, state: &State, horizon: usize) -> Vec<f64> {
    let mut damp_sum = 0.0;
    let mut damp_pow = 1.0;
    (0..horizon)
        .map(|h| {
            damp_pow *= p.phi;
            damp_sum += damp_pow;
            let trend = if model.has_trend() {
                state.level + damp_sum * state.slope
            } else {
                state.level
            };
            let s = state.season.get(h % state.season.len().max(1)).copied();
            match (model.season, s) {
                (SeasonKind::Additive, Some(s)) => trend + s,
                (SeasonKind::Multiplicative, Some(s)) => trend * s,
                _ => trend,
            }
        })
        .collect()
}
