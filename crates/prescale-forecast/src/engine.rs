//! The forecasting engine: for one series, picks a model (or an average of the best few) by
//! rolling-origin backtest on the series' own history, calibrates its quantiles on the same
//! backtest's out-of-sample errors, and fits it on the whole history. Series given as leading
//! indicators add candidates (the best models plus the lagged indicator) to the same contest.
//!
//! Guarantees: it always returns a forecast for a history with at least one known value (cold
//! start: the naive model with wide, uncalibrated bands, narrowing as origins become
//! possible); it never looks at values after the history; quantiles are non-negative and
//! non-crossing.

use crate::accuracy::mase_scale;
use crate::calibrate::{Calibration, Residual};
use crate::catalog;
use crate::events::{Event, EventCalendar};
use crate::fill::fill_gaps;
use crate::leading::{self, AlignedIndicator, Indicator};
use crate::model::{FittedModel, Forecast, ForecastError, History, ModelSpec};
use crate::seasonality::{calendar_periods, day_in_steps, detect_periods};
use selection::{Backtest, Candidate, Setup, SELECTION_ORIGINS};
use std::sync::Arc;

/// How many of the best candidates' backtest errors calibrate the quantiles. The chosen
/// model's own errors are optimistic (it won on them); the runners-up carry the model
/// uncertainty. Measured 95 % coverage of `prescale evaluate` with 3 / 4 / 5 / 6: M4 hourly
/// 94.7 / 95.3 / 96.3 / 96.8 %, 5-minute nab demand 91.4 / 93.8 / 94.1 / 95.5 %, 1-minute
/// nasa + crane 91.4 / 92.6 / 95.6 / 95.9 %: 5 is the smallest inside 93-97 % on all three.
const CALIBRATION_POOL: usize = 5;

/// Settings of the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineConfig {
    /// Quantile levels to produce: 0.5, 0.9, 0.95, 0.99 by default, plus the bounds of the 50 %
    /// and 95 % intervals (0.25, 0.75, 0.025, 0.975).
    pub quantiles: Vec<f64>,
    /// Rolling origins of the backtest: the most recent four choose the model, all of them
    /// calibrate the quantiles.
    pub origins: usize,
    /// Fit on at most this many most recent steps (None: a default from the periods).
    pub max_history: Option<usize>,
    /// Seasonal periods in steps; None: detected from the history.
    pub periods: Option<Vec<usize>>,
    /// Largest number of models averaged in an ensemble (1 = no ensembles).
    pub ensemble_size: usize,
    /// Only candidates whose name starts with one of these (None: all of them).
    pub models: Option<Vec<String>>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            quantiles: vec![0.025, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.99],
            origins: 8,
            max_history: None,
            periods: None,
            ensemble_size: 3,
            models: None,
        }
    }
}

/// A model's backtest score: mean absolute error over the origins, scaled like MASE.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub model: String,
    pub scaled_error: f64,
}

/// The engine's result for one series: the chosen model fitted on the whole history.
pub struct FittedForecaster {
    /// Name of the chosen model (`mean(a,b)` for an ensemble).
    pub model: String,
    /// Backtest scores of every candidate, best first.
    pub scores: Vec<Score>,
    /// Seasonal periods used, in steps.
    pub periods: Vec<usize>,
    members: Vec<Box<dyn FittedModel>>,
    calibration: Calibration,
    quantiles: Vec<f64>,
    /// Horizon-1 mean absolute backtest error over the calibration pool, in MASE scales of the
    /// history (lag one day, or 1): what the drift test measures live errors against.
    reference_scaled_error: Option<f64>,
    /// Events with declared effects, applied to every forecast whatever the model, with the
    /// time of the first forecast step and the step length.
    declared: Option<(EventCalendar, i64, u32)>,
}

impl FittedForecaster {
    /// Point forecast and calibrated quantiles for the next `horizon` steps.
    pub fn forecast(&self, horizon: usize) -> Forecast {
        let point = selection::mean_of(self.members.iter().map(|m| m.predict(horizon)).collect());
        let mut quantiles: Vec<(f64, Vec<f64>)> = self
            .quantiles
            .iter()
            .map(|&q| (q, self.calibration.quantile(&point, q)))
            .collect();
        quantiles.sort_by(|a, b| a.0.total_cmp(&b.0));
        uncross(&mut quantiles);
        let mut point = point;
        if let Some((calendar, origin, step)) = &self.declared {
            let f = calendar.features(*origin, *step, horizon);
            let apply = |v: &mut Vec<f64>| {
                for ((x, m), a) in v.iter_mut().zip(&f.multiplier).zip(&f.addend) {
                    *x = (*x * m + a).max(0.0);
                }
            };
            apply(&mut point);
            quantiles.iter_mut().for_each(|(_, q)| apply(q));
        }
        Forecast { point, quantiles }
    }

    /// Horizon-1 backtest error in MASE scales (lag one day in steps, or 1 when the step does
    /// not divide a day): the drift test's reference, so that it is armed from the first
    /// live error instead of learning its reference after every refit. `None` at cold start.
    pub fn reference_scaled_error(&self) -> Option<f64> {
        self.reference_scaled_error
    }

    /// Errors the calibration rests on (0 at cold start).
    pub fn calibration_size(&self) -> usize {
        self.calibration.sample_size()
    }
}

/// The engine.
#[derive(Debug, Clone, Default)]
pub struct Engine {
    pub config: EngineConfig,
}

impl Engine {
    pub fn new(config: EngineConfig) -> Self {
        Self { config }
    }

    /// Chooses, calibrates and fits a model for `history`, to forecast `horizon` steps.
    pub fn fit(
        &self,
        history: &History<'_>,
        horizon: usize,
    ) -> Result<FittedForecaster, ForecastError> {
        self.fit_with_indicators(history, horizon, &[])
    }

    /// As [`Engine::fit`], with series that may lead the target (aligned with its history):
    /// models using them compete in the same backtest and win only if they forecast better.
    pub fn fit_with_indicators(
        &self,
        history: &History<'_>,
        horizon: usize,
        indicators: &[Indicator<'_>],
    ) -> Result<FittedForecaster, ForecastError> {
        if horizon == 0 {
            return Err(ForecastError::Invalid("horizon must be at least 1".into()));
        }
        let calendar = day_in_steps(history.step_seconds);
        let (filled, dropped) = fill_gaps(history.values, calendar)?;
        let periods = self.periods(&filled, history.step_seconds);
        let keep = self.max_history(&periods, horizon);
        let skip = filled.len().saturating_sub(keep);
        let y = &filled[skip..];
        // Calendar-aware models read time from start_unix: it must be the time of y[0].
        let offset = dropped + skip;
        let shifted = History {
            values: &history.values[offset..],
            start_unix: history
                .start_unix
                .map(|s| s + offset as i64 * i64::from(history.step_seconds)),
            ..*history
        };
        let history = &shifted;
        // Declared effects are taken out of the history here and put back into every forecast,
        // so that they hold whichever model is chosen; models see only the learned events.
        let declared = split_declared(history);
        let adjusted: Vec<f64>;
        let y = match (&declared, history.start_unix) {
            (Some((calendar, _)), Some(start)) => {
                let f = calendar.features(start, history.step_seconds, y.len());
                adjusted = y
                    .iter()
                    .zip(f.multiplier.iter().zip(&f.addend))
                    .map(|(v, (m, a))| if *m > 0.0 { (v - a) / m } else { *v })
                    .collect();
                &adjusted[..]
            }
            _ => y,
        };
        let learned_only = declared.as_ref().map(|(_, learned)| learned.clone());
        let shifted_learned = History {
            events: learned_only.as_ref().or(history.events),
            ..*history
        };
        let history = &shifted_learned;
        let aligned = align_indicators(indicators, offset, y.len(), calendar);
        let mut specs: Vec<Arc<dyn ModelSpec>> =
            catalog::candidates(&periods, y.len(), history.start_unix.is_some())
                .into_iter()
                .map(Arc::from)
                .collect();
        if let Some(allowed) = &self.config.models {
            specs.retain(|s| allowed.iter().any(|a| s.name().starts_with(a.as_str())));
            if specs.is_empty() {
                return Err(ForecastError::Invalid(format!(
                    "no candidate model matches {}",
                    allowed.join(", ")
                )));
            }
        }
        let origins = origins(y.len(), horizon, self.config.origins, &periods);
        let setup = Setup {
            y,
            history,
            origins: &origins,
            horizon,
            main: periods.first().copied().unwrap_or(1),
        };
        let (mut candidates, backtests) =
            choose(specs, &aligned, &setup, self.config.ensemble_size);
        // The chosen model's own backtest errors are optimistic (it was chosen on them), so the
        // errors of the runners-up are pooled in: they carry the model uncertainty.
        let mut backtests = backtests;
        for c in candidates.iter().take(CALIBRATION_POOL) {
            for &m in &c.members {
                backtests[m].extend_to(origins.len(), &setup);
            }
        }
        let best = candidates.first().ok_or(ForecastError::NoData)?;
        let model = best.name.clone();
        let members = best
            .members
            .iter()
            .map(|&i| backtests[i].spec.fit(y, history))
            .collect::<Result<Vec<_>, _>>()?;
        let residuals: Vec<Residual> = candidates
            .iter()
            .take(CALIBRATION_POOL)
            .flat_map(|c| selection::residuals(&backtests, &c.members, &setup))
            .collect();
        let scores = candidates
            .drain(..)
            .map(|c| Score {
                model: c.name,
                scaled_error: c.score,
            })
            .collect();
        let level = y.iter().map(|v| v.abs()).sum::<f64>() / y.len().max(1) as f64;
        // Without any backtest (cold start) the band rests on the level alone: wide.
        let floor = if residuals.is_empty() {
            level * 0.25
        } else {
            level * 1e-3
        };
        let calibration = Calibration::from_residuals(&residuals, horizon, floor);
        let reference_scaled_error = reference_error(&residuals, y, calendar);
        Ok(FittedForecaster {
            reference_scaled_error,
            model,
            scores,
            periods,
            members,
            calibration,
            quantiles: self.config.quantiles.clone(),
            declared: declared
                .zip(history.start_unix)
                .map(|((calendar, _), start)| {
                    let origin = start + y.len() as i64 * i64::from(history.step_seconds);
                    (calendar, origin, history.step_seconds)
                }),
        })
    }

    /// The configured periods, or the detected ones plus the calendar's day and week: demand
    /// follows the calendar even where noise hides it from the periodogram, and the backtest
    /// drops what does not help.
    fn periods(&self, y: &[f64], step: u32) -> Vec<usize> {
        let mut periods: Vec<usize> = match &self.config.periods {
            Some(p) => p.clone(),
            None => {
                let detected = detect_periods(y, Some(step), 2)
                    .into_iter()
                    .map(|d| d.period);
                // Day and week only: an hourly cycle in demand is rare and the periodogram
                // finds it when it is there.
                let hour = (step > 0).then(|| (3600 / step) as usize);
                let calendar = calendar_periods(step)
                    .into_iter()
                    .filter(move |&p| Some(p) != hour);
                detected.chain(calendar).collect()
            }
        };
        periods.retain(|&p| p >= 2 && y.len() > 2 * p);
        periods.sort_unstable();
        periods.dedup();
        periods
    }

    fn max_history(&self, periods: &[usize], horizon: usize) -> usize {
        self.config.max_history.unwrap_or_else(|| {
            let longest = periods.last().copied().unwrap_or(1);
            (4 * longest).max(20 * horizon).max(1000)
        })
    }
}

/// The calendar split into events with a declared effect and events to learn, when the
/// history has a calendar with at least one declared effect and a known start.
fn split_declared(history: &History<'_>) -> Option<(EventCalendar, EventCalendar)> {
    let calendar = history.events?;
    history.start_unix?;
    let (declared, learned): (Vec<Event>, Vec<Event>) = calendar
        .events()
        .iter()
        .cloned()
        .partition(|e| e.effect.is_some());
    (!declared.is_empty()).then(|| (EventCalendar::new(declared), EventCalendar::new(learned)))
}

/// Mean |error| at horizon 1 of the residuals, divided by the history's MASE scale at lag
/// `day` (or 1).
fn reference_error(residuals: &[Residual], y: &[f64], day: Option<usize>) -> Option<f64> {
    let first: Vec<f64> = residuals
        .iter()
        .filter(|r| r.horizon == 1 && r.error.is_finite())
        .map(|r| r.error.abs())
        .collect();
    if first.is_empty() {
        return None;
    }
    let mae = first.iter().sum::<f64>() / first.len() as f64;
    let known: Vec<Option<f64>> = y.iter().map(|&v| Some(v)).collect();
    let scale = mase_scale(&known, day.unwrap_or(1)).or_else(|| mase_scale(&known, 1))?;
    Some(mae / scale)
}

/// The indicators cut like the target (the first `offset` steps dropped), gap-filled and
/// padded or truncated to `len` steps; an indicator unknown at the history's last step is left
/// out.
fn align_indicators(
    indicators: &[Indicator<'_>],
    offset: usize,
    len: usize,
    calendar: Option<usize>,
) -> Vec<AlignedIndicator> {
    indicators
        .iter()
        .filter_map(|ind| {
            let mut part: Vec<Option<f64>> =
                ind.values.iter().skip(offset).take(len).copied().collect();
            part.resize(len, None);
            // An indicator that stops before the target would have its missing tail invented
            // by gap filling and then read as known: such an indicator is left out.
            part.last().copied().flatten()?;
            // Leading unknowns stay unknown after filling: carry the first known value back.
            let first = part.iter().flatten().next().copied()?;
            if let Some(v) = part.first_mut() {
                v.get_or_insert(first);
            }
            let (filled, dropped) = fill_gaps(&part, calendar).ok()?;
            (dropped == 0 && filled.len() == len).then(|| AlignedIndicator {
                name: ind.name.to_string(),
                values: filled.into(),
            })
        })
        .collect()
}

/// Origins (training lengths) of the backtest: the last `k` non-overlapping windows of
/// `horizon` steps, each leaving enough training data for the longest period.
fn origins(n: usize, horizon: usize, k: usize, periods: &[usize]) -> Vec<usize> {
    let min_train = (2 * periods.first().copied().unwrap_or(1)).max(8);
    (1..=k)
        .filter_map(|i| n.checked_sub(horizon * i))
        .filter(|&o| o >= min_train)
        .collect()
}

/// Judges every candidate (and the models that add leading indicators to the best of them)
/// on the selection origins, and adds means of the best few. Returns the candidates best first, with the backtests they rest on.
fn choose(
    specs: Vec<Arc<dyn ModelSpec>>,
    indicators: &[AlignedIndicator],
    setup: &Setup<'_>,
    ensemble_size: usize,
) -> (Vec<Candidate>, Vec<Backtest>) {
    let mut backtests: Vec<Backtest> = specs
        .into_iter()
        .map(|spec| Backtest::new(spec, setup))
        .collect();
    for b in &mut backtests {
        b.extend_to(SELECTION_ORIGINS, setup);
    }
    if !indicators.is_empty() {
        // Indicators ride on the best two models; they compete like any candidate.
        let bases: Vec<Arc<dyn ModelSpec>> =
            rank(&backtests, 0..backtests.len(), SELECTION_ORIGINS, setup)
                .iter()
                .take(2)
                .map(|&(i, _)| Arc::clone(&backtests[i].spec))
                .collect();
        for spec in leading::candidates(setup.y, indicators, &bases, setup.horizon) {
            let mut b = Backtest::new(Arc::from(spec), setup);
            b.extend_to(SELECTION_ORIGINS, setup);
            backtests.push(b);
        }
    }
    let judged = rank(&backtests, 0..backtests.len(), SELECTION_ORIGINS, setup);
    let finite: Vec<usize> = judged
        .iter()
        .filter(|c| c.1.is_finite())
        .map(|c| c.0)
        .collect();
    let mut out: Vec<Candidate> = judged
        .iter()
        .map(|&(i, score)| single(&backtests, i, score))
        .collect();
    if !setup.origins.is_empty() {
        for k in 2..=ensemble_size.min(finite.len()) {
            let members = finite[..k].to_vec();
            let names: Vec<String> = members.iter().map(|&m| backtests[m].spec.name()).collect();
            out.push(Candidate {
                name: format!("mean({})", names.join(",")),
                score: selection::score(&backtests, &members, SELECTION_ORIGINS, setup),
                members,
            });
        }
    }
    // A stable sort: ties (no origin at all) keep the catalog's order, simplest first.
    out.sort_by(|a, b| a.score.total_cmp(&b.score));
    out.retain(|c| c.score.is_finite());
    (out, backtests)
}

/// Candidates by their score on the first `count` origins, best first (stable: catalog order
/// breaks ties).
fn rank(
    backtests: &[Backtest],
    which: impl Iterator<Item = usize>,
    count: usize,
    setup: &Setup<'_>,
) -> Vec<(usize, f64)> {
    let mut ranked: Vec<(usize, f64)> = which
        .map(|i| (i, selection::score(backtests, &[i], count, setup)))
        .collect();
    ranked.sort_by(|a, b| a.1.total_cmp(&b.1));
    ranked
}

fn single(backtests: &[Backtest], i: usize, score: f64) -> Candidate {
    Candidate {
        name: backtests[i].spec.name(),
        members: vec![i],
        score,
    }
}

/// Makes quantiles non-decreasing in their level at every step.
fn uncross(quantiles: &mut [(f64, Vec<f64>)]) {
    for i in 1..quantiles.len() {
        let (lower, upper) = quantiles.split_at_mut(i);
        let prev = &lower[i - 1].1;
        for (u, p) in upper[0].1.iter_mut().zip(prev) {
            *u = u.max(*p);
        }
    }
}

mod selection;
#[cfg(test)]
mod tests;
