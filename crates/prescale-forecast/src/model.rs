//! The forecasting interface: a model specification fits a history into a fitted model, which
//! predicts point forecasts; quantiles are added by calibration on out-of-sample errors.

use crate::events::EventCalendar;

/// Why a model could not be fitted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ForecastError {
    /// The history is shorter than the model needs.
    #[error("history too short for {model}: {have} points, {need} needed")]
    TooShort {
        model: String,
        have: usize,
        need: usize,
    },
    /// The history holds no known value at all.
    #[error("history has no known value")]
    NoData,
    /// A setting makes no sense (period 0, quantile outside 0..1).
    #[error("invalid setting: {0}")]
    Invalid(String),
}

/// A history to fit on: a regular step, gaps allowed (`None`).
#[derive(Debug, Clone, Copy)]
pub struct History<'a> {
    /// One value per step, oldest first; `None` = unknown.
    pub values: &'a [Option<f64>],
    /// Step length in seconds.
    pub step_seconds: u32,
    /// Unix time of `values[0]` when known: lets models use the calendar and known events.
    pub start_unix: Option<i64>,
    /// Known events (campaigns, maintenance windows, declared profiles), past and future.
    pub events: Option<&'a EventCalendar>,
}

/// Forecasts for the steps after a history: a point forecast and quantiles per step.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// Point forecast (the median when calibrated) for steps 1..=horizon after the history.
    pub point: Vec<f64>,
    /// (level, values) pairs, levels ascending, e.g. (0.9, [...]).
    pub quantiles: Vec<(f64, Vec<f64>)>,
}

impl Forecast {
    /// The values of quantile `level`, if it was computed.
    pub fn quantile(&self, level: f64) -> Option<&[f64]> {
        self.quantiles
            .iter()
            .find(|(l, _)| (l - level).abs() < 1e-9)
            .map(|(_, v)| v.as_slice())
    }
}

/// A model specification: one spec fits many series (augurs' `Fit` → `Fitted` split, so that
/// "predict before fit" cannot be written).
pub trait ModelSpec: Send + Sync {
    /// Name used in reports (`snaive`, `mstl-ets`, ...).
    fn name(&self) -> String;

    /// Fits the model to `y`, a gap-free series (gaps are filled before models see them) on the
    /// history's step and calendar.
    fn fit(&self, y: &[f64], history: &History<'_>) -> Result<Box<dyn FittedModel>, ForecastError>;

    /// A cheaper specification for the backtest's origins, decided on `oldest` (the training
    /// part of the oldest origin, so nothing after any origin is seen): an automatic model
    /// fixes its form there instead of searching again at every origin. `None`: use `self`.
    fn backtest_spec(&self, _oldest: &[f64], _history: &History<'_>) -> Option<Box<dyn ModelSpec>> {
        None
    }
}

/// A fitted model: predicts the steps following the series it was fitted on.
pub trait FittedModel: Send + Sync {
    /// Point forecasts for the next `horizon` steps.
    fn predict(&self, horizon: usize) -> Vec<f64>;
}
