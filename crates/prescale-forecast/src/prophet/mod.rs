//! A Prophet-style decomposable regression (Taylor & Letham 2017), fitted in closed form in
//! about a millisecond instead of by Stan:
//!
//! ```text
//! y(t) = M(t) · [ base(t) · (1 + Σ_g β_g a_g(t)) + Σ_r γ_r x_r(t) ] + A(t)
//! base(t) = k·t + m + Σ_j δ_j (t − s_j)₊ + Σ_seasons Σ_k (a_k sin 2πkt/P + b_k cos 2πkt/P)
//! ```
//!
//! - trend: piecewise linear with `changepoints` candidate knots `s_j` evenly spread over the
//!   first `changepoint_range` of the history (Prophet's 25 in the first 80 %) and Prophet's
//!   Laplace prior on the slope changes `δ_j`, approximated by reweighted ridge penalties;
//! - seasonality: daily and weekly Fourier terms, each only when the history covers two periods
//!   and the step resolves them; phases come from unix time, so they follow the calendar;
//! - events from [`History::events`]: a declared effect enters as a known multiplier `M(t)` or
//!   addend `A(t)` (removed from the target before the fit, put back in the forecast); a group
//!   whose effect is omitted gets a coefficient `β_g`, a relative lift learned from its past
//!   occurrences `a_g(t)`. Future occurrences move the forecast in their window;
//! - extra regressors `x_r` (known ahead) through [`ProphetSpec::fit_with`].
//!
//! The fit is penalized weighted least squares (see `fit`), robust to incident spikes when
//! `robust` is on. The forecast extends the trend with its last slope (optionally damped).
//!
//! Assumptions: `y[0]` is at `history.start_unix`; when that is unknown, seasonality runs on
//! time since the first step and events are ignored. Series longer than `max_fit_points` are
//! fitted on block means (exact for the linear part), so 40 000 steps cost little more than
//! 2 000.

mod design;
mod fit;
mod fitted;
mod gram;
mod solve;
mod target;

#[cfg(test)]
mod tests;

use crate::events::{DAY, WEEK};
use crate::model::{FittedModel, ForecastError, History, ModelSpec};
use design::{Clock, Design, Layout, Season, Steps};
use fit::Priors;
pub use fitted::FittedProphet;
use target::{active_groups, standardize, Target};

/// Fewest steps the model fits.
const MIN_POINTS: usize = 4;

/// Settings of the Prophet-style model; the defaults follow Prophet where it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct ProphetSpec {
    /// Fourier pairs of the daily seasonality (0: none).
    pub daily_harmonics: usize,
    /// Fourier pairs of the weekly seasonality (0: none).
    pub weekly_harmonics: usize,
    /// Candidate changepoints of the trend (0: a straight line).
    pub changepoints: usize,
    /// Fraction of the history, from its start, that holds the changepoints.
    pub changepoint_range: f64,
    /// Prior scale of a slope change; larger follows the trend more closely.
    pub changepoint_prior_scale: f64,
    /// Prior scale of the Fourier and extra-regressor coefficients.
    pub seasonality_prior_scale: f64,
    /// Prior scale of a learned relative event lift.
    pub event_prior_scale: f64,
    /// Huber reweighting, so that incidents do not bend the fit.
    pub robust: bool,
    /// Half-life of the trend's slope in the forecast, in seconds (None: the slope holds).
    pub slope_half_life_seconds: Option<f64>,
    /// Longer histories are fitted on means of consecutive steps, at most this many.
    pub max_fit_points: usize,
}

impl Default for ProphetSpec {
    fn default() -> Self {
        Self {
            daily_harmonics: 8,
            weekly_harmonics: 3,
            changepoints: 25,
            changepoint_range: 0.8,
            changepoint_prior_scale: 0.05,
            seasonality_prior_scale: 10.0,
            event_prior_scale: 10.0,
            robust: true,
            slope_half_life_seconds: None,
            max_fit_points: 2000,
        }
    }
}

/// An extra regressor: a series known ahead (a planned release, a marketing spend).
#[derive(Debug, Clone, PartialEq)]
pub struct Regressor {
    pub name: String,
    /// Values aligned with `y[0]`: the history's steps, then as many future steps as known.
    /// Past the last value, the last value holds.
    pub values: Vec<f64>,
}

impl ModelSpec for ProphetSpec {
    fn name(&self) -> String {
        "prophet".into()
    }

    fn fit(&self, y: &[f64], history: &History<'_>) -> Result<Box<dyn FittedModel>, ForecastError> {
        Ok(Box::new(self.fit_with(y, history, &[])?))
    }
}

impl ProphetSpec {
    /// Fits on `y` (gap-free, `y[0]` at `history.start_unix`) with extra regressors.
    pub fn fit_with(
        &self,
        y: &[f64],
        history: &History<'_>,
        regressors: &[Regressor],
    ) -> Result<FittedProphet, ForecastError> {
        self.check(y, regressors)?;
        let clock = Clock {
            t0: history.start_unix.unwrap_or(0),
            step: i64::from(history.step_seconds.max(1)),
            n: y.len(),
        };
        // Events need real time: without a start they could not be placed.
        let calendar = history
            .events
            .filter(|c| history.start_unix.is_some() && !c.is_empty());
        let events = calendar.map(|c| c.features(clock.t0, history.step_seconds, y.len()));
        let target = Target::new(y, events.as_ref());
        let groups = active_groups(events.as_ref());
        let regressors = standardize(regressors, y.len());
        let block = y.len().div_ceil(self.max_fit_points.max(MIN_POINTS));
        let layout = self.layout(&clock, block, groups.len(), regressors.len());
        let activity: Vec<&[f64]> = groups.iter().map(|(_, a)| *a).collect();
        let steps = Steps {
            z: &target.z,
            omega: &target.omega,
            regressors: &regressors,
            activity: &activity,
        };
        let design = Design::build(&layout, &clock, &steps, block);
        let beta = fit::fit(&design, &layout, &self.priors(), self.robust)?;
        Ok(FittedProphet {
            damping: self.damping(clock.step),
            layout,
            beta,
            clock,
            scale: target.scale,
            nonnegative: target.nonnegative,
            groups: groups.into_iter().map(|(g, _)| g.to_string()).collect(),
            calendar: calendar.map(|c| c.from_time(clock.unix(y.len()))),
            regressors,
        })
    }

    fn check(&self, y: &[f64], regressors: &[Regressor]) -> Result<(), ForecastError> {
        if y.len() < MIN_POINTS {
            return Err(ForecastError::TooShort {
                model: self.name(),
                have: y.len(),
                need: MIN_POINTS,
            });
        }
        let invalid = |what: &str| Err(ForecastError::Invalid(format!("prophet: {what}")));
        if y.iter().any(|v| !v.is_finite()) {
            return invalid("non-finite value in the history");
        }
        if !(0.0..=1.0).contains(&self.changepoint_range) {
            return invalid("changepoint_range outside 0..=1");
        }
        let short =
            |r: &&Regressor| r.values.len() < y.len() || r.values.iter().any(|v| !v.is_finite());
        match regressors.iter().find(short) {
            Some(r) => invalid(&format!(
                "regressor {} lacks a finite value for a step",
                r.name
            )),
            None => Ok(()),
        }
    }

    fn priors(&self) -> Priors {
        Priors {
            changepoint: self.changepoint_prior_scale,
            seasonality: self.seasonality_prior_scale,
            events: self.event_prior_scale,
        }
    }

    /// Slope decay per step: `0.5` per half-life.
    fn damping(&self, step: i64) -> f64 {
        self.slope_half_life_seconds
            .filter(|h| *h > 0.0)
            .map_or(1.0, |h| 0.5f64.powf(step as f64 / h))
    }

    fn layout(&self, clock: &Clock, block: usize, groups: usize, regressors: usize) -> Layout {
        let blocks = clock.n / block;
        // Prophet also uses fewer changepoints on short histories; four blocks per knot at least.
        let count = self.changepoints.min(blocks / 4);
        let knots = (1..=count)
            .map(|j| self.changepoint_range * j as f64 / count as f64)
            .collect();
        let span = clock.step * clock.n as i64;
        let resolution = clock.step * block as i64;
        let seasons = [(DAY, self.daily_harmonics), (WEEK, self.weekly_harmonics)]
            .into_iter()
            .filter_map(|(period, k)| season(period, k, span, resolution))
            .collect();
        Layout {
            knots,
            seasons,
            regressors,
            groups,
        }
    }
}

/// A seasonality of `period` seconds when the history covers two periods, with at most the
/// harmonics that blocks of `resolution` seconds resolve (Nyquist).
fn season(period: i64, harmonics: usize, span: i64, resolution: i64) -> Option<Season> {
    let per_period = period / resolution.max(1);
    let harmonics = harmonics.min(((per_period - 1) / 2).max(0) as usize);
    (span >= 2 * period && harmonics > 0).then_some(Season { period, harmonics })
}
