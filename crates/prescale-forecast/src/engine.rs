//! The forecasting engine: for one series, picks a model (or an average of the best few) by
//! rolling-origin backtest on the series' own history, calibrates its quantiles on the same
//! backtest's out-of-sample errors, and fits it on the whole history.
//!
//! Guarantees: it always returns a forecast for a history with at least one known value (cold
//! start: the naive model with wide, uncalibrated bands, narrowing as origins become
//! possible); it never looks at values after the history; quantiles are non-negative and
//! non-crossing.

use crate::calibrate::{Calibration, Residual};
use crate::catalog;
use crate::events::{Event, EventCalendar};
use crate::fill::fill_gaps;
use crate::model::{FittedModel, Forecast, ForecastError, History, ModelSpec};
use crate::seasonality::{calendar_periods, detect_periods};

/// How many of the most recent origins choose the model; all `origins` calibrate quantiles.
const SELECTION_ORIGINS: usize = 4;

/// How many of the best candidates' backtest errors calibrate the quantiles.
const CALIBRATION_POOL: usize = 3;

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
    /// Events with declared effects, applied to every forecast whatever the model, with the
    /// time of the first forecast step and the step length.
    declared: Option<(EventCalendar, i64, u32)>,
}

impl FittedForecaster {
    /// Point forecast and calibrated quantiles for the next `horizon` steps.
    pub fn forecast(&self, horizon: usize) -> Forecast {
        let point = mean_of(self.members.iter().map(|m| m.predict(horizon)).collect());
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

/// Forecasts of one candidate at every origin.
struct Backtest {
    spec: usize,
    forecasts: Vec<Option<Vec<f64>>>,
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
        if horizon == 0 {
            return Err(ForecastError::Invalid("horizon must be at least 1".into()));
        }
        let calendar = calendar_period(history.step_seconds);
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
        let mut specs = catalog::candidates(&periods, y.len(), history.start_unix.is_some());
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
        let main = periods.first().copied().unwrap_or(1);
        let backtests: Vec<Backtest> = specs
            .iter()
            .enumerate()
            .map(|(i, spec)| backtest(spec.as_ref(), y, history, &origins, horizon, i))
            .collect();
        let mut scored = score_all(&backtests, &specs, y, &origins, horizon, main);
        add_ensembles(
            &mut scored,
            &backtests,
            &specs,
            y,
            &origins,
            horizon,
            main,
            self.config.ensemble_size,
        );
        scored.sort_by(|a, b| a.score.total_cmp(&b.score));
        let best = scored.first().ok_or(ForecastError::NoData)?;
        // The chosen model's own backtest errors are optimistic (it was chosen on them), so the
        // errors of the runners-up are pooled in: they carry the model uncertainty.
        let residuals: Vec<Residual> = scored
            .iter()
            .take(CALIBRATION_POOL)
            .flat_map(|s| residuals(&s.forecasts, y, &origins))
            .collect();
        let level = y.iter().map(|v| v.abs()).sum::<f64>() / y.len().max(1) as f64;
        // Without any backtest (cold start) the band rests on the level alone: wide.
        let floor = if residuals.is_empty() {
            level * 0.25
        } else {
            level * 1e-3
        };
        let calibration = Calibration::from_residuals(&residuals, horizon, floor);
        let members = best
            .members
            .iter()
            .map(|&i| specs[i].fit(y, history))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(FittedForecaster {
            model: best.name.clone(),
            scores: scored
                .iter()
                .map(|s| Score {
                    model: s.name.clone(),
                    scaled_error: s.score,
                })
                .collect(),
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

/// One day in steps, when the step divides a day.
fn calendar_period(step_seconds: u32) -> Option<usize> {
    (step_seconds > 0 && 86_400 % step_seconds == 0 && step_seconds < 86_400)
        .then(|| (86_400 / step_seconds) as usize)
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

fn backtest(
    spec: &dyn ModelSpec,
    y: &[f64],
    history: &History<'_>,
    origins: &[usize],
    horizon: usize,
    index: usize,
) -> Backtest {
    let fixed = origins
        .iter()
        .min()
        .and_then(|&oldest| spec.backtest_spec(&y[..oldest], history));
    let cheap = fixed.as_deref().unwrap_or(spec);
    // A fixed form that cannot be fitted at some origin falls back to the full search there.
    let forecasts = origins
        .iter()
        .map(|&o| {
            cheap
                .fit(&y[..o], history)
                .or_else(|_| spec.fit(&y[..o], history))
                .ok()
                .map(|f| f.predict(horizon))
        })
        .collect();
    Backtest {
        spec: index,
        forecasts,
    }
}

/// A candidate (one model or an ensemble) with its forecasts per origin and score.
struct Scored {
    name: String,
    members: Vec<usize>,
    forecasts: Vec<Option<Vec<f64>>>,
    score: f64,
}

fn score_all(
    backtests: &[Backtest],
    specs: &[Box<dyn ModelSpec>],
    y: &[f64],
    origins: &[usize],
    horizon: usize,
    main: usize,
) -> Vec<Scored> {
    backtests
        .iter()
        .filter(|b| origins.is_empty() || b.forecasts.iter().all(Option::is_some))
        .map(|b| Scored {
            name: specs[b.spec].name(),
            members: vec![b.spec],
            score: scaled_error(&b.forecasts, y, origins, horizon, main),
            forecasts: b.forecasts.clone(),
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn add_ensembles(
    scored: &mut Vec<Scored>,
    backtests: &[Backtest],
    specs: &[Box<dyn ModelSpec>],
    y: &[f64],
    origins: &[usize],
    horizon: usize,
    main: usize,
    size: usize,
) {
    if origins.is_empty() || size < 2 {
        return;
    }
    scored.sort_by(|a, b| a.score.total_cmp(&b.score));
    let ranked: Vec<usize> = scored.iter().map(|s| s.members[0]).collect();
    for k in 2..=size.min(ranked.len()) {
        let members: Vec<usize> = ranked[..k].to_vec();
        let forecasts: Vec<Option<Vec<f64>>> = (0..origins.len())
            .map(|o| {
                let parts: Option<Vec<Vec<f64>>> = members
                    .iter()
                    .map(|&m| backtests[m].forecasts[o].clone())
                    .collect();
                parts.map(mean_of)
            })
            .collect();
        let names: Vec<String> = members.iter().map(|&m| specs[m].name()).collect();
        scored.push(Scored {
            name: format!("mean({})", names.join(",")),
            score: scaled_error(&forecasts, y, origins, horizon, main),
            members,
            forecasts,
        });
    }
}

/// Mean over origins of MAE / (mean absolute seasonal difference of the training part).
fn scaled_error(
    forecasts: &[Option<Vec<f64>>],
    y: &[f64],
    origins: &[usize],
    horizon: usize,
    main: usize,
) -> f64 {
    let mut total = 0.0;
    let mut count = 0usize;
    // Models are chosen on the most recent origins only (the older ones serve calibration):
    // recent behaviour predicts the next window best.
    for (f, &o) in forecasts.iter().zip(origins).take(SELECTION_ORIGINS) {
        let Some(f) = f else { return f64::INFINITY };
        let lag = if o > main { main } else { 1 };
        let scale = y[..o]
            .windows(lag + 1)
            .map(|w| (w[lag] - w[0]).abs())
            .sum::<f64>()
            / (o - lag).max(1) as f64;
        let actual = &y[o..(o + horizon).min(y.len())];
        let mae = actual
            .iter()
            .zip(f)
            .map(|(a, p)| (a - p).abs())
            .sum::<f64>()
            / actual.len().max(1) as f64;
        total += mae / scale.max(1e-12);
        count += 1;
    }
    if count == 0 {
        // No origin fits the history: every candidate ties; the catalog's order decides.
        0.0
    } else {
        total / count as f64
    }
}

fn residuals(forecasts: &[Option<Vec<f64>>], y: &[f64], origins: &[usize]) -> Vec<Residual> {
    forecasts
        .iter()
        .zip(origins)
        .filter_map(|(f, &o)| f.as_ref().map(|f| (f, o)))
        .flat_map(|(f, o)| {
            f.iter()
                .zip(&y[o..])
                .enumerate()
                .map(|(h, (p, a))| Residual {
                    horizon: h + 1,
                    error: a - p,
                    forecast: *p,
                })
        })
        .collect()
}

fn mean_of(parts: Vec<Vec<f64>>) -> Vec<f64> {
    let n = parts.len().max(1) as f64;
    let len = parts.iter().map(Vec::len).min().unwrap_or(0);
    (0..len)
        .map(|i| parts.iter().map(|p| p[i]).sum::<f64>() / n)
        .collect()
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

#[cfg(test)]
mod tests;
