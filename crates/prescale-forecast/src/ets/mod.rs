//! Exponential smoothing in the ETS state-space framework, with automatic model choice by
//! AICc: prescale's `autoets` model, and the trend/remainder model inside MSTL.
//!
//! Models ETS(E,T,S): error A or M, trend N, A or Ad (damped), season N, A or M, with the
//! recursions and likelihood of Hyndman, Koehler, Ord & Snyder (2008), *Forecasting with
//! Exponential Smoothing: The State Space Approach*, Springer, and the choices of R's
//! `forecast::ets` (Hyndman & Khandakar 2008, JSS 27(3)) and its port statsforecast `AutoETS`:
//! the same candidate set (no multiplicative trend; additive error with multiplicative season
//! excluded as unstable; multiplicative components only for positive data), the same bounds
//! (1e-4 ≤ β ≤ α ≤ 0.9999, γ ≤ 1 − α, 0.8 ≤ φ ≤ 0.98) plus the admissibility test, the same
//! criterion (`n log SSE`, with `2 Σ log|ŷ|` added for multiplicative errors) minimised by
//! Nelder–Mead, and the same AICc.
//!
//! # Where it differs, and why
//! - **Initial level and slope are solved for, not searched.** For given smoothing parameters
//!   the forecasts are affine in them, so each likelihood evaluation solves a 2 × 2 least-squares
//!   problem from sensitivities carried along the same pass (`filter.rs`, `likelihood.rs`):
//!   exact for additive models, one linearised step for multiplicative ones. The simplex only
//!   sees α, β, γ, φ (one to four coordinates) where R's sees those plus every initial state.
//! - **Seasonal initial states stay at the heuristic** (classical decomposition over the whole
//!   series, as statsforecast's `initstate`), still counted in the AICc as R counts them.
//!   Searching 23 more coordinates is what makes R and statsforecast take tens to hundreds of
//!   milliseconds on hourly data, and there their simplex often stops early (for the same
//!   model our AICc is 4 to 1500 lower on the seasonal reference series and M4 H1). On the 414
//!   M4 hourly series our 48-hour forecasts have MASE 1.39 against statsforecast's 1.61
//!   (sMAPE 17.06 against 17.19), better on 270 series.
//! - **Parameters live on a logistic map of the bounds** instead of R's rejection outside
//!   them, and models are fitted from the optimum of a related one (`select.rs`), with a
//!   looser stopping rule (`fit.rs`): typically 10 to 60 evaluations per candidate.
//! - **In the engine, long series choose their form on recent points** (`SCREEN_POINTS`)
//!   and fit the chosen form on all of them, and the backtest keeps a non-seasonal form's
//!   parameters from its oldest origin (`EtsForm`). [`fit_ets`] itself searches every form
//!   on every point, as R does.
//!
//! Measured speed (release build, one core of the 2-core development machine, median of
//! repeated fits, 12 synthetic series each): all six non-seasonal candidates on 1000 points in
//! 0.6–0.7 ms (0.9 ms at worst); all fifteen candidates with m = 24 on 960 points in 2.5–3 ms
//! (3.6 ms at worst); 2.2 ms on average over the M4 hourly series (700 to 960 points), where
//! statsforecast's `AutoETS` took 0.7 s per series on the same machine.
//!
//! For the trend/remainder of a seasonal decomposition use [`EtsSpec::non_seasonal`].
//!
//! # Errors
//! Non-finite values and inconsistent specifications are [`ForecastError::Invalid`]; an empty
//! series is [`ForecastError::NoData`]; a series too short for every candidate is
//! [`ForecastError::TooShort`]. No input makes it panic.

mod filter;
mod fit;
mod init;
mod likelihood;
mod model;
mod optimize;
mod params;
#[cfg(test)]
mod reference_tests;
mod select;
#[cfg(test)]
mod tests;

pub use model::EtsModel;

use crate::model::{FittedModel, ForecastError, History, ModelSpec};
use fit::Candidate;

/// How the error enters the observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// `y = ŷ + e`.
    Additive,
    /// `y = ŷ (1 + e)`: errors proportional to the level; positive data only.
    Multiplicative,
}

/// Trend component (multiplicative trends are not offered: they extrapolate explosively).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrendKind {
    /// No trend.
    None,
    /// Additive slope, damped or not.
    Additive,
}

/// Seasonal component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeasonKind {
    /// No season.
    None,
    /// Seasonal offsets added to the level.
    Additive,
    /// Seasonal factors multiplying the level; positive data only.
    Multiplicative,
}

/// Which ETS models to consider: `None` tries every applicable choice (R's "Z").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EtsSpec {
    pub error: Option<ErrorKind>,
    pub trend: Option<TrendKind>,
    pub season: Option<SeasonKind>,
    pub damped: Option<bool>,
    /// Seasonal period in steps (24 for hourly data with a daily cycle); 1 = non-seasonal.
    pub period: usize,
}

impl EtsSpec {
    /// Every candidate model (R's "ZZZ") with seasonal period `period`.
    pub fn auto(period: usize) -> Self {
        EtsSpec {
            error: None,
            trend: None,
            season: None,
            damped: None,
            period,
        }
    }

    /// Every non-seasonal candidate ("ZZN"): for seasonally adjusted series.
    pub fn non_seasonal() -> Self {
        EtsSpec {
            season: Some(SeasonKind::None),
            ..Self::auto(1)
        }
    }

    /// From R's model string: three letters, E T S, each `A`, `M`, `N` or `Z` (any), the
    /// trend optionally `Ad` (damped), e.g. `"AAdN"`, `"MNM"`, `"ZZZ"`.
    pub fn from_code(code: &str, period: usize) -> Result<Self, ForecastError> {
        let bad = || ForecastError::Invalid(format!("ets model code {code:?}"));
        let damped = code.contains('d');
        if code.matches('d').count() > 1 || (damped && code.find('d') != Some(2)) {
            return Err(bad());
        }
        let letters: Vec<char> = code.chars().filter(|&c| c != 'd').collect();
        let [e, t, s] = letters[..] else {
            return Err(bad());
        };
        let error = match e {
            'A' => Some(ErrorKind::Additive),
            'M' => Some(ErrorKind::Multiplicative),
            'Z' => None,
            _ => return Err(bad()),
        };
        let trend = match (t, damped) {
            ('N', false) => Some(TrendKind::None),
            ('A', _) => Some(TrendKind::Additive),
            ('Z', _) => None,
            _ => return Err(bad()),
        };
        let season = match s {
            'N' => Some(SeasonKind::None),
            'A' => Some(SeasonKind::Additive),
            'M' => Some(SeasonKind::Multiplicative),
            'Z' => None,
            _ => return Err(bad()),
        };
        let damped = if damped {
            Some(true)
        } else if t == 'A' {
            Some(false)
        } else {
            None
        };
        Ok(EtsSpec {
            error,
            trend,
            season,
            damped,
            period,
        })
    }

    /// Problems with the specification itself, whatever the data.
    fn check(&self) -> Result<(), ForecastError> {
        if self.period == 0 {
            return Err(ForecastError::Invalid("ets period 0".into()));
        }
        if self.period < 2
            && matches!(
                self.season,
                Some(SeasonKind::Additive | SeasonKind::Multiplicative)
            )
        {
            return Err(ForecastError::Invalid(
                "seasonal ets model with period 1".into(),
            ));
        }
        if self.damped == Some(true) && self.trend == Some(TrendKind::None) {
            return Err(ForecastError::Invalid(
                "damped ets model without trend".into(),
            ));
        }
        if self.error == Some(ErrorKind::Additive)
            && self.season == Some(SeasonKind::Multiplicative)
        {
            return Err(ForecastError::Invalid(
                "ets with additive error and multiplicative season is unstable".into(),
            ));
        }
        Ok(())
    }
}

/// Fits the candidate models of `spec` to `y` and keeps the one with the lowest AICc.
///
/// # Guarantees
/// A returned fit has finite parameters within the usual bounds (seasonal ones also
/// admissible), a finite final state, and finite forecasts at every horizon. A constant series
/// forecasts its value. The same input gives the same fit: there is no randomness.
///
/// # Assumptions
/// `y` is gap-free and regularly spaced; candidates with too few points for their parameters
/// plus four (R's rule) are skipped, as are multiplicative ones unless every value is positive.
///
/// # Errors
/// [`ForecastError::Invalid`] for a non-finite value, an inconsistent `spec`, a
/// multiplicative-only `spec` on non-positive data, or when no candidate reaches a finite
/// likelihood (values beyond ~1e150); [`ForecastError::NoData`] for an empty series;
/// [`ForecastError::TooShort`] when the series is too short for every candidate.
pub fn fit_ets(y: &[f64], spec: &EtsSpec) -> Result<EtsFit, ForecastError> {
    spec.check()?;
    check_values(y)?;
    let positive = y.iter().all(|&v| v > 0.0);
    let models = select::candidates(spec, positive);
    if models.is_empty() {
        return Err(ForecastError::Invalid(
            "multiplicative ets needs positive values".into(),
        ));
    }
    match select::best_of(y, &models) {
        Some(best) => Ok(EtsFit::new(y, best)),
        None => Err(no_fit(y.len(), &models)),
    }
}

/// Series longer than this choose their form on their most recent SCREEN_POINTS points (at
/// least four seasonal periods); the chosen form is then fitted on the whole series. On the
/// 4 032-point 5-minute and 5 760-point 1-minute demand traces the forecasts were as accurate
/// as with the search on every point (autoets MASE 1.186 vs 1.187 and 0.709 vs 0.772) at a
/// third to a fifth of the evaluations; M4's hourly series (at most 960 points) are unaffected.
const SCREEN_POINTS: usize = 1000;

/// [`fit_ets`] with the form chosen on the last [`SCREEN_POINTS`] points of a long series.
pub(crate) fn fit_ets_screened(y: &[f64], spec: &EtsSpec) -> Result<EtsFit, ForecastError> {
    let recent = screen_length(spec.period);
    if y.len() <= recent {
        return fit_ets(y, spec);
    }
    let chosen = fit_ets(&y[y.len() - recent..], spec)?;
    chosen.form().refine(y).or_else(|_| fit_ets(y, spec))
}

/// Points the form is chosen on for seasonal period `period`.
fn screen_length(period: usize) -> usize {
    SCREEN_POINTS.max(period.saturating_mul(4))
}

/// An empty series or a non-finite value cannot be fitted.
fn check_values(y: &[f64]) -> Result<(), ForecastError> {
    if y.is_empty() {
        return Err(ForecastError::NoData);
    }
    match y.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(ForecastError::Invalid(format!(
            "non-finite value at index {i}"
        ))),
        None => Ok(()),
    }
}

/// One ETS form with the parameters it reached on (part of) a series, to fit on a longer
/// stretch of the same series.
#[derive(Debug, Clone)]
pub(crate) struct EtsForm {
    model: EtsModel,
    params: model::Params,
}

impl EtsForm {
    /// The form fitted on `y`. A non-seasonal form's simplex starts small around the
    /// remembered parameters; a seasonal form is searched from R's start, as a warm start
    /// often stops in the remembered optimum's basin when the longer series has a better one
    /// (nyc_taxi, m = 48: MASE 1.135 warm against 1.119 cold).
    pub(crate) fn refine(&self, y: &[f64]) -> Result<EtsFit, ForecastError> {
        self.check(y)?;
        let from = if self.model.is_seasonal() {
            fit::Start::Cold
        } else {
            fit::Start::Related(&self.params)
        };
        self.done(y, fit::fit_model(y, &self.model, from))
    }

    /// The backtest's fit at an origin after the one the form was chosen on. A non-seasonal
    /// form keeps its smoothing parameters and solves only for the initial level and slope
    /// (two passes over `y`): a few more observations barely move them, and the backtest only
    /// scores forecasts. A seasonal form is searched afresh: on M4's hourly series held or
    /// warm-started seasonal parameters made the automatic choice worse (MASE 0.761 to 0.767).
    pub(crate) fn refit(&self, y: &[f64]) -> Result<EtsFit, ForecastError> {
        self.check(y)?;
        let fit = if self.model.is_seasonal() {
            fit::fit_model(y, &self.model, fit::Start::Cold)
        } else {
            fit::fit_fixed(y, &self.model, &self.params)
                .or_else(|| fit::fit_model(y, &self.model, fit::Start::Related(&self.params)))
        };
        self.done(y, fit)
    }

    fn done(&self, y: &[f64], fit: Option<fit::Candidate>) -> Result<EtsFit, ForecastError> {
        match fit {
            Some(fit) => Ok(EtsFit::new(y, fit)),
            None => Err(no_fit(y.len(), &[self.model])),
        }
    }

    fn check(&self, y: &[f64]) -> Result<(), ForecastError> {
        check_values(y)?;
        let m = self.model;
        let spec = EtsSpec {
            error: Some(m.error),
            trend: Some(m.trend),
            season: Some(m.season),
            damped: Some(m.damped),
            period: m.period,
        };
        if select::candidates(&spec, y.iter().all(|&v| v > 0.0)).contains(&m) {
            Ok(())
        } else {
            Err(ForecastError::Invalid(
                "multiplicative ets needs positive values".into(),
            ))
        }
    }
}

fn no_fit(have: usize, models: &[EtsModel]) -> ForecastError {
    let need = models
        .iter()
        .map(fit::min_points)
        .min()
        .unwrap_or(usize::MAX);
    if have < need {
        ForecastError::TooShort {
            model: "autoets".into(),
            have,
            need,
        }
    } else {
        ForecastError::Invalid("no ets model could be fitted".into())
    }
}

/// Fitted smoothing parameters; `None` where the model lacks the component.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Smoothing {
    /// Level smoothing α.
    pub alpha: f64,
    /// Slope smoothing β (trend models).
    pub beta: Option<f64>,
    /// Seasonal smoothing γ (seasonal models).
    pub gamma: Option<f64>,
    /// Damping φ (damped models).
    pub phi: Option<f64>,
}

/// A fitted ETS model: the chosen components, parameters and final state.
#[derive(Debug, Clone)]
pub struct EtsFit {
    fit: Candidate,
    residual_sd: f64,
}

impl EtsFit {
    fn new(y: &[f64], fit: Candidate) -> Self {
        let sse: f64 = y
            .iter()
            .zip(&fit.fitted)
            .map(|(a, f)| (a - f) * (a - f))
            .sum();
        let df = y.len().saturating_sub(fit.n_params).max(1);
        EtsFit {
            residual_sd: (sse / df as f64).sqrt(),
            fit,
        }
    }

    /// Point forecasts for the `horizon` steps after the series.
    pub fn forecast(&self, horizon: usize) -> Vec<f64> {
        model::forecast(&self.fit.model, &self.fit.params, &self.fit.last, horizon)
    }

    /// R's name of the chosen model, e.g. `ETS(A,Ad,N)`.
    pub fn model_name(&self) -> String {
        self.fit.model.name()
    }

    /// The chosen model's components.
    pub fn model(&self) -> EtsModel {
        self.fit.model
    }

    /// The chosen form and its parameters.
    pub(crate) fn form(&self) -> EtsForm {
        EtsForm {
            model: self.fit.model,
            params: self.fit.params,
        }
    }

    /// Corrected Akaike information criterion of the chosen model (R's scale).
    pub fn aicc(&self) -> f64 {
        self.fit.aicc()
    }

    /// Akaike information criterion of the chosen model (R's scale).
    pub fn aic(&self) -> f64 {
        self.fit.aic()
    }

    /// One-step-ahead in-sample forecasts, aligned with the series.
    pub fn fitted(&self) -> &[f64] {
        &self.fit.fitted
    }

    /// Standard deviation of the one-step residuals `y − fitted` in the data's units, with
    /// R's degrees-of-freedom correction (sum of squares over n − number of parameters).
    pub fn residual_sd(&self) -> f64 {
        self.residual_sd
    }

    /// The fitted smoothing parameters.
    pub fn parameters(&self) -> Smoothing {
        let (p, m) = (&self.fit.params, &self.fit.model);
        Smoothing {
            alpha: p.alpha,
            beta: m.has_trend().then_some(p.beta),
            gamma: m.is_seasonal().then_some(p.gamma),
            phi: m.damped.then_some(p.phi),
        }
    }
}

impl ModelSpec for EtsSpec {
    fn name(&self) -> String {
        "autoets".into()
    }

    fn fit(
        &self,
        y: &[f64],
        _history: &History<'_>,
    ) -> Result<Box<dyn FittedModel>, ForecastError> {
        Ok(Box::new(fit_ets_screened(y, self)?))
    }

    /// The form AICc picks on the oldest origin, fixed for the others (`EtsForm::refit`): one
    /// fit per origin instead of a search over up to 15 forms.
    fn backtest_spec(&self, oldest: &[f64], _: &History<'_>) -> Option<Box<dyn ModelSpec>> {
        let fit = fit_ets_screened(oldest, self).ok()?;
        let form = fit.form();
        // The oldest origin's own fit is what `refit` computes there (held parameters, or a
        // cold search of a seasonal form on a screened series), except for a seasonal form
        // searched among the others on a short series: its simplex may have started from a
        // related model's optimum.
        let same = !form.model.is_seasonal() || oldest.len() > screen_length(self.period);
        Some(Box::new(BacktestEts {
            form,
            oldest: same.then(|| (oldest.to_vec(), fit)),
        }))
    }
}

/// The backtest's automatic ETS: the form chosen at the oldest origin, and the fit there when
/// it is the one `EtsForm::refit` would compute again.
struct BacktestEts {
    form: EtsForm,
    oldest: Option<(Vec<f64>, EtsFit)>,
}

impl ModelSpec for BacktestEts {
    fn name(&self) -> String {
        "autoets".into()
    }

    fn fit(
        &self,
        y: &[f64],
        _history: &History<'_>,
    ) -> Result<Box<dyn FittedModel>, ForecastError> {
        match &self.oldest {
            Some((oldest, fit)) if y == oldest.as_slice() => Ok(Box::new(fit.clone())),
            _ => Ok(Box::new(self.form.refit(y)?)),
        }
    }
}

impl FittedModel for EtsFit {
    fn predict(&self, horizon: usize) -> Vec<f64> {
        self.forecast(horizon)
    }
}
