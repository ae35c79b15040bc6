//! Seasonal-trend decomposition: STL (Cleveland, Cleveland, McRae & Terpenning 1990, "STL: A
//! Seasonal-Trend Decomposition Procedure Based on Loess", Journal of Official Statistics 6(1))
//! and MSTL, its extension to several seasonal periods (Bandara, Hyndman & Bergmeir 2021, "MSTL:
//! A Seasonal-Trend Decomposition Algorithm for Time Series with Multiple Seasonal Patterns",
//! arXiv:2107.13462).
//!
//! MSTL models decompose every candidate series at every backtest origin, so the kernels are
//! written for speed: LOESS runs on fixed windows with filters computed once per window and
//! evaluates every `jump` points with linear interpolation in between, as the original Fortran
//! does, which keeps the cost linear in the series length.
//!
//! # Guarantees
//! - `trend + Σ seasonal + remainder` equals the (transformed) input up to rounding.
//! - With the same settings, results agree with statsmodels' `STL`/`MSTL` to rounding; the
//!   defaults differ where noted on the fields (jumps, inner iterations).
//! - No panic on any input: invalid settings and non-finite values are errors.

mod engine;
mod loess;
#[cfg(test)]
mod tests;

pub use loess::LoessDegree;

use crate::model::ForecastError;
use engine::{Engine, Settings};

/// Outer (robustness) iterations of a robust MSTL, statsmodels' default for a robust `STL`.
pub const ROBUST_OUTER_ITERATIONS: usize = 15;

/// Settings of one STL decomposition. Windows are odd lengths in points.
#[derive(Debug, Clone, PartialEq)]
pub struct StlParams {
    /// Points per seasonal cycle, at least 2.
    pub period: usize,
    /// Length of the seasonal (cycle-subseries) smoother: odd, at least 7 (statsmodels: 7).
    pub seasonal_window: usize,
    /// Length of the trend smoother, odd and > period; default the smallest odd integer
    /// >= 1.5 * period / (1 - 1.5 / seasonal_window).
    pub trend_window: Option<usize>,
    /// Length of the low-pass smoother, odd and > period; default the smallest odd > period.
    pub low_pass_window: Option<usize>,
    /// Passes of the inner loop per outer iteration (R: 2; statsmodels: 5, or 2 when robust).
    pub inner_iterations: usize,
    /// Robustness iterations; 0 = not robust, otherwise residuals are down-weighted by
    /// bisquare weights (statsmodels and R use 15 when robust).
    pub outer_iterations: usize,
    /// Degree of each smoother (statsmodels: linear for all three; R: constant seasonal).
    pub seasonal_degree: LoessDegree,
    pub trend_degree: LoessDegree,
    pub low_pass_degree: LoessDegree,
    /// Evaluate each smoother every `jump` points and interpolate between; default
    /// ceil(window / 10) as R and the Fortran. statsmodels' default is 1 (every point): slower,
    /// and slightly different results, mostly near the ends.
    pub seasonal_jump: Option<usize>,
    pub trend_jump: Option<usize>,
    pub low_pass_jump: Option<usize>,
}

impl StlParams {
    /// Defaults for `period`: seasonal window 7, 2 inner iterations, not robust.
    pub fn new(period: usize) -> Self {
        StlParams {
            period,
            seasonal_window: 7,
            trend_window: None,
            low_pass_window: None,
            inner_iterations: 2,
            outer_iterations: 0,
            seasonal_degree: LoessDegree::Linear,
            trend_degree: LoessDegree::Linear,
            low_pass_degree: LoessDegree::Linear,
            seasonal_jump: None,
            trend_jump: None,
            low_pass_jump: None,
        }
    }

    /// Resolves the defaults and checks every setting.
    fn settings(&self) -> Result<Settings, ForecastError> {
        let p = self.period;
        if p < 2 {
            return invalid(format!("period must be at least 2, got {p}"));
        }
        let ns = self.seasonal_window;
        if ns < 7 || !is_odd(ns) {
            return invalid(format!(
                "seasonal window must be odd and at least 7, got {ns}"
            ));
        }
        let nt = self
            .trend_window
            .unwrap_or_else(|| default_trend_window(p, ns));
        let nl = self.low_pass_window.unwrap_or(p + 1 + p % 2);
        check_long_window("trend window", nt, p)?;
        check_long_window("low-pass window", nl, p)?;
        if self.inner_iterations == 0 {
            return invalid("inner iterations must be at least 1".to_string());
        }
        Ok(Settings {
            period: p,
            seasonal: (
                ns,
                self.seasonal_degree,
                jump("seasonal", self.seasonal_jump, ns)?,
            ),
            trend: (nt, self.trend_degree, jump("trend", self.trend_jump, nt)?),
            low_pass: (
                nl,
                self.low_pass_degree,
                jump("low-pass", self.low_pass_jump, nl)?,
            ),
            inner: self.inner_iterations,
            outer: self.outer_iterations,
        })
    }
}

/// A series split into trend, seasonal components and remainder, each as long as the series.
#[derive(Debug, Clone, PartialEq)]
pub struct Decomposition {
    pub trend: Vec<f64>,
    /// One component per entry of `periods`.
    pub seasonal: Vec<Vec<f64>>,
    pub remainder: Vec<f64>,
    /// The period of each seasonal component, ascending; MSTL leaves out periods too long for
    /// the series.
    pub periods: Vec<usize>,
}

/// Decomposes `y` into trend, one seasonal component and remainder.
///
/// # Errors
/// `Invalid` for a setting out of range or a non-finite value (the message names the index);
/// `TooShort` when `y` does not span more than two periods.
pub fn stl(y: &[f64], params: &StlParams) -> Result<Decomposition, ForecastError> {
    let settings = params.settings()?;
    check_finite(y)?;
    let need = settings.period.saturating_mul(2).saturating_add(1);
    if y.len() < need {
        return Err(too_short("stl", y.len(), need));
    }
    let mut engine = Engine::new(y.len(), &settings);
    engine.fit(y);
    let seasonal = vec![engine.season().to_vec()];
    Ok(assemble(
        y,
        engine.trend().to_vec(),
        seasonal,
        vec![settings.period],
    ))
}

/// Settings of an MSTL decomposition.
#[derive(Debug, Clone, PartialEq)]
pub struct MstlParams {
    /// Seasonal periods, in any order: they are decomposed shortest first.
    pub periods: Vec<usize>,
    /// Rounds over all periods (statsmodels and statsforecast: 2); 1 when only one period.
    pub iterations: usize,
    /// Seasonal window per period, in the order of `periods`; default 7 + 4 * rank (11, 15,
    /// ...) by ascending period, as statsmodels and R.
    pub seasonal_windows: Option<Vec<usize>>,
    /// Box-Cox parameter: when set, the transformed series is decomposed (0 = logarithm).
    pub lambda: Option<f64>,
    /// Robust STL fits ([`ROBUST_OUTER_ITERATIONS`] outer iterations).
    pub robust: bool,
    /// Inner iterations of each STL fit (2 as R; statsmodels' MSTL uses 5).
    pub inner_iterations: usize,
    /// Degree of the seasonal smoother (statsmodels: linear; statsforecast: constant).
    pub seasonal_degree: LoessDegree,
    /// One jump for every smoother; `None` = ceil(window / 10) per smoother (statsmodels: 1).
    pub jump: Option<usize>,
}

impl MstlParams {
    /// Defaults for `periods`: 2 iterations, default windows, no transform, not robust.
    pub fn new(periods: Vec<usize>) -> Self {
        MstlParams {
            periods,
            iterations: 2,
            seasonal_windows: None,
            lambda: None,
            robust: false,
            inner_iterations: 2,
            seasonal_degree: LoessDegree::Linear,
            jump: None,
        }
    }

    /// STL settings per kept period, ascending; periods with `n <= 2 * period` are dropped as
    /// statsmodels (`period >= n / 2`) and R's `mstl` do, since STL needs two full cycles.
    fn stl_params(&self, n: usize) -> Result<Vec<StlParams>, ForecastError> {
        let windows = self.windows()?;
        let mut pairs: Vec<(usize, usize)> = self.periods.iter().copied().zip(windows).collect();
        pairs.sort_unstable();
        let kept: Vec<StlParams> = pairs
            .into_iter()
            .filter(|&(p, _)| p.saturating_mul(2) < n)
            .map(|(p, w)| self.stl_for(p, w))
            .collect();
        Ok(kept)
    }

    /// The seasonal windows, in the order of `periods`.
    fn windows(&self) -> Result<Vec<usize>, ForecastError> {
        let k = self.periods.len();
        match &self.seasonal_windows {
            Some(w) if w.len() != k => {
                invalid(format!("{} seasonal windows for {k} periods", w.len()))
            }
            Some(w) => Ok(w.clone()),
            None => {
                let mut rank: Vec<usize> = (0..k).collect();
                rank.sort_by_key(|&i| self.periods[i]);
                let mut w = vec![0; k];
                for (r, &i) in rank.iter().enumerate() {
                    w[i] = 7 + 4 * (r + 1);
                }
                Ok(w)
            }
        }
    }

    fn stl_for(&self, period: usize, window: usize) -> StlParams {
        StlParams {
            seasonal_window: window,
            inner_iterations: self.inner_iterations,
            outer_iterations: if self.robust {
                ROBUST_OUTER_ITERATIONS
            } else {
                0
            },
            seasonal_degree: self.seasonal_degree,
            seasonal_jump: self.jump,
            trend_jump: self.jump,
            low_pass_jump: self.jump,
            ..StlParams::new(period)
        }
    }

    fn check(&self) -> Result<(), ForecastError> {
        if self.periods.is_empty() {
            return invalid("mstl needs at least one period".to_string());
        }
        if let Some(&p) = self.periods.iter().find(|&&p| p < 2) {
            return invalid(format!("period must be at least 2, got {p}"));
        }
        if self.iterations == 0 {
            return invalid("mstl iterations must be at least 1".to_string());
        }
        Ok(())
    }
}

/// Decomposes `y` into trend, one seasonal component per period and remainder by MSTL: each
/// round re-estimates every seasonal component by STL on the series minus the other
/// components; the trend is that of the last STL fit.
///
/// Periods are sorted ascending and a period is dropped when `y.len() <= 2 * period`
/// (statsmodels and R drop `period >= n / 2`); [`Decomposition::periods`] lists those kept.
/// With `lambda` set, the Box-Cox transformed series is decomposed.
///
/// # Errors
/// `Invalid` for a setting out of range, a non-finite value, or a non-positive value under
/// Box-Cox (the message names the index); `TooShort` when every period is dropped.
pub fn mstl(y: &[f64], params: &MstlParams) -> Result<Decomposition, ForecastError> {
    params.check()?;
    check_finite(y)?;
    let y = match params.lambda {
        Some(lambda) => box_cox(y, lambda)?,
        None => y.to_vec(),
    };
    let n = y.len();
    let stl_params = params.stl_params(n)?;
    let Some(shortest) = params.periods.iter().min().copied() else {
        return invalid("mstl needs at least one period".to_string());
    };
    if stl_params.is_empty() {
        return Err(too_short(
            "mstl",
            n,
            shortest.saturating_mul(2).saturating_add(1),
        ));
    }
    let mut engines = Vec::with_capacity(stl_params.len());
    for p in &stl_params {
        engines.push(Engine::new(n, &p.settings()?));
    }
    let rounds = if engines.len() == 1 {
        1
    } else {
        params.iterations
    };
    let (trend, seasonal) = refine(&y, &mut engines, rounds);
    let periods = stl_params.iter().map(|p| p.period).collect();
    Ok(assemble(&y, trend, seasonal, periods))
}

/// The MSTL rounds: each STL fit sees the series minus the other seasonal components, in the
/// same order of additions and subtractions as statsmodels so that results agree to rounding.
fn refine(y: &[f64], engines: &mut [Engine], rounds: usize) -> (Vec<f64>, Vec<Vec<f64>>) {
    let mut seasonal = vec![vec![0.0; y.len()]; engines.len()];
    let mut deseasoned = y.to_vec();
    let mut trend = vec![0.0; y.len()];
    for _ in 0..rounds {
        for (engine, component) in engines.iter_mut().zip(seasonal.iter_mut()) {
            deseasoned
                .iter_mut()
                .zip(component.iter())
                .for_each(|(d, s)| *d += s);
            engine.fit(&deseasoned);
            component.copy_from_slice(engine.season());
            deseasoned
                .iter_mut()
                .zip(component.iter())
                .for_each(|(d, s)| *d -= s);
            trend.copy_from_slice(engine.trend());
        }
    }
    (trend, seasonal)
}

/// Builds the decomposition, taking the remainder as `y - trend - Σ seasonal` directly so that
/// the components add back to `y` to rounding.
fn assemble(
    y: &[f64],
    trend: Vec<f64>,
    seasonal: Vec<Vec<f64>>,
    periods: Vec<usize>,
) -> Decomposition {
    let mut remainder: Vec<f64> = y.iter().zip(&trend).map(|(y, t)| y - t).collect();
    for component in &seasonal {
        remainder
            .iter_mut()
            .zip(component)
            .for_each(|(r, s)| *r -= s);
    }
    Decomposition {
        trend,
        seasonal,
        remainder,
        periods,
    }
}

/// Continues a seasonal component `horizon` steps past its end by repeating its last full
/// period, as statsforecast's MSTL forecasts each seasonal component. Returns zeros (no
/// seasonal effect) when `period` is 0 or the component is shorter than one period, which MSTL
/// never produces since it keeps only periods it saw twice.
pub fn seasonal_naive_continuation(component: &[f64], period: usize, horizon: usize) -> Vec<f64> {
    if period == 0 || component.len() < period {
        return vec![0.0; horizon];
    }
    let last = &component[component.len() - period..];
    (0..horizon).map(|h| last[h % period]).collect()
}

/// The Box-Cox transform: `ln y` when `lambda` is 0, else `(y^lambda - 1) / lambda`.
///
/// # Errors
/// `Invalid` when `lambda` is not finite or a value is not positive (naming its index).
pub fn box_cox(y: &[f64], lambda: f64) -> Result<Vec<f64>, ForecastError> {
    if !lambda.is_finite() {
        return invalid(format!("box-cox lambda must be finite, got {lambda}"));
    }
    if let Some(i) = y.iter().position(|&v| v <= 0.0 || v.is_nan()) {
        return invalid(format!(
            "box-cox needs positive values, got {} at index {i}",
            y[i]
        ));
    }
    Ok(y.iter()
        .map(|&v| {
            if lambda == 0.0 {
                v.ln()
            } else {
                (v.powf(lambda) - 1.0) / lambda
            }
        })
        .collect())
}

/// The inverse of [`box_cox`]. Values below the transform's range (`lambda * v + 1 <= 0`) map
/// to its bound: 0 when `lambda > 0` (no demand), infinity when `lambda < 0`.
pub fn inv_box_cox(v: &[f64], lambda: f64) -> Vec<f64> {
    v.iter()
        .map(|&v| {
            if lambda == 0.0 {
                v.exp()
            } else {
                (lambda * v + 1.0).max(0.0).powf(1.0 / lambda)
            }
        })
        .collect()
}

/// statsmodels' default trend window: the smallest odd integer >= 1.5 p / (1 - 1.5 / ns), which
/// keeps the trend smoother from absorbing the seasonal frequency (Cleveland et al. 1990, 3.4).
fn default_trend_window(period: usize, seasonal_window: usize) -> usize {
    let w = (1.5 * period as f64 / (1.0 - 1.5 / seasonal_window as f64)).ceil() as usize;
    w + (1 - w % 2)
}

/// Windows are odd so that a window has a centre point (`usize::is_multiple_of` needs Rust
/// 1.87, above the workspace's 1.85).
fn is_odd(w: usize) -> bool {
    w % 2 == 1
}

fn check_long_window(name: &str, w: usize, period: usize) -> Result<(), ForecastError> {
    if !is_odd(w) || w <= period {
        return invalid(format!(
            "{name} must be odd and longer than the period {period}, got {w}"
        ));
    }
    Ok(())
}

/// The jump of a smoother: the given one (at least 1) or ceil(window / 10).
fn jump(name: &str, given: Option<usize>, window: usize) -> Result<usize, ForecastError> {
    match given {
        Some(0) => invalid(format!("{name} jump must be at least 1")),
        Some(j) => Ok(j),
        None => Ok(window.div_ceil(10)),
    }
}

fn check_finite(y: &[f64]) -> Result<(), ForecastError> {
    match y.iter().position(|v| !v.is_finite()) {
        Some(i) => invalid(format!("value at index {i} is not finite ({})", y[i])),
        None => Ok(()),
    }
}

fn invalid<T>(message: String) -> Result<T, ForecastError> {
    Err(ForecastError::Invalid(message))
}

fn too_short(model: &str, have: usize, need: usize) -> ForecastError {
    ForecastError::TooShort {
        model: model.to_string(),
        have,
        need,
    }
}
