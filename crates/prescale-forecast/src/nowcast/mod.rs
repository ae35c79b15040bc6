//! Short-horizon forecasts for planning: a reused model's forecast corrected with what
//! happened since its fit, and quantiles calibrated per horizon on the live errors of exactly
//! these corrected forecasts (online split-conformal).
//!
//! Why: the planner needs the next few steps (boot time plus minimum lifetime) at an upper
//! quantile, every step, for every service. Refitting the engine every step is too dear, and a
//! model fitted hours ago has bands as wide as its distance from the fit. Here the forecast of
//! the cached model (the *base*) is shifted by a smoothed level of its recent residuals (see
//! [`ResidualSmoother`]), and the error of every served forecast is kept per horizon, divided
//! by a scale of the forecast level (`max(point, floor)^κ`: errors grow with the level). The
//! quantile at level τ for horizon h is then `point + scale · Q_τ(errors_h)`, with Q_τ the
//! conformal quantile of the last `window` errors. It is calibrated by construction on the
//! recent past, whatever the base model, and any level τ can be asked for at any step (the
//! planner moves τ to keep its misses at target).
//!
//! Protocol: at each step, `observe` the actual of the step that just ended, then `serve` the
//! forecast from the next step on. Steps are indexes; nothing here reads a clock.

mod smoother;
mod window;

pub use smoother::{ResidualSmoother, DEFAULT_GAINS};
pub use window::SortedWindow;

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Gain of the sharpness averages that rank the error scales (a half-life of ~350 steps).
const RANKING_GAIN: f64 = 0.002;

/// Settings of a [`Nowcast`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NowcastConfig {
    /// Steps ahead served and calibrated.
    pub horizon: usize,
    /// Errors kept per horizon (2016: a week of 5-minute steps).
    pub window: usize,
    /// Errors a horizon needs before its quantiles are served (before: `None`, the caller
    /// falls back to the model's own bands).
    pub min_errors: usize,
    /// Candidate κ of the error scale `max(point, floor)^κ`: 1 = errors proportional to the
    /// level, 0 = constant, 0.5 = Poisson-like. Each is calibrated side by side (so each
    /// covers at its level); the sharpest one lately is served: the lowest mean quantile at
    /// `reference_level` and `reference_horizon`, counted in whole `unit`s when a unit is given
    /// (the capacity of one instance: what the sharpness costs).
    pub scale_exponents: Vec<f64>,
    /// Quantile level whose values rank the candidates.
    pub reference_level: f64,
    /// Horizon whose quantiles rank the candidates (the planner's lead).
    pub reference_horizon: usize,
    /// Unit the ranking counts in (`None`: the series' own).
    pub unit: Option<f64>,
    /// Gains of the residual smoothers (empty: no level correction).
    pub gains: Vec<f64>,
    /// Most horizons whose errors are kept: beyond, errors are kept for a spread of horizons
    /// and a horizon reads the nearest kept one at or above it (errors grow with the horizon,
    /// so this errs on the safe side). Bounds the cost per step with short steps.
    pub max_tracked_horizons: usize,
}

impl Default for NowcastConfig {
    fn default() -> Self {
        Self {
            horizon: 12,
            window: 2016,
            min_errors: 50,
            scale_exponents: vec![0.0, 0.25, 0.5, 0.75, 1.0],
            reference_level: 0.99,
            reference_horizon: 1,
            unit: None,
            gains: DEFAULT_GAINS.to_vec(),
            max_tracked_horizons: 12,
        }
    }
}

/// Why a nowcast cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NowcastError {
    #[error("nowcast setting {key}: {problem}")]
    Invalid { key: &'static str, problem: String },
}

impl NowcastConfig {
    /// Checks the settings; the error names the key.
    pub fn validate(&self) -> Result<(), NowcastError> {
        let bad = |key, problem: String| Err(NowcastError::Invalid { key, problem });
        if self.horizon == 0 {
            return bad("horizon", "must be at least 1".into());
        }
        if self.max_tracked_horizons == 0 {
            return bad("max_tracked_horizons", "must be at least 1".into());
        }
        if self.window < 2 {
            return bad("window", format!("{} must be at least 2", self.window));
        }
        if self.scale_exponents.is_empty() {
            return bad("scale_exponents", "at least one is needed".into());
        }
        if let Some(k) = self
            .scale_exponents
            .iter()
            .find(|k| !(k.is_finite() && (0.0..=1.0).contains(*k)))
        {
            return bad("scale_exponents", format!("{k} must be in 0..=1"));
        }
        if self.reference_horizon == 0 || self.reference_horizon > self.horizon {
            return bad(
                "reference_horizon",
                format!(
                    "{} must be in 1..=horizon ({})",
                    self.reference_horizon, self.horizon
                ),
            );
        }
        if let Some(u) = self.unit.filter(|u| !(u.is_finite() && *u > 0.0)) {
            return bad("unit", format!("{u} must be > 0"));
        }
        if !(self.reference_level > 0.0 && self.reference_level < 1.0) {
            return bad(
                "reference_level",
                format!("{} must be in (0, 1)", self.reference_level),
            );
        }
        if let Some(g) = self
            .gains
            .iter()
            .find(|g| !(g.is_finite() && (0.0..=1.0).contains(*g)))
        {
            return bad("gains", format!("{g} must be in 0..=1"));
        }
        Ok(())
    }
}

/// A corrected forecast served at one step: the point for each step ahead and the scale its
/// errors are measured in.
#[derive(Debug, Clone, PartialEq)]
pub struct ShortForecast {
    /// Step index of `point[0]`.
    pub first_step: u64,
    /// Corrected point forecasts (never negative).
    pub point: Vec<f64>,
    /// Error scale of each point, of the calibrator in use.
    pub scale: Vec<f64>,
    /// The calibrator in use.
    calibrator: usize,
}

impl ShortForecast {
    /// The quantile at `level` for the step `first_step + i`, from the nowcast's errors; `None`
    /// while that horizon has too few errors.
    pub fn quantile(&self, nowcast: &Nowcast, i: usize, level: f64) -> Option<f64> {
        let q = nowcast.calibrators.get(self.calibrator)?.quantile(
            i + 1,
            level,
            nowcast.config.min_errors,
        )?;
        Some((self.point.get(i)? + self.scale.get(i)? * q).max(0.0))
    }
}

/// Scaled errors per tracked horizon for one candidate error scale, with its ranking loss.
#[derive(Debug, Clone)]
struct Calibrator {
    exponent: f64,
    /// Scaled errors per tracked horizon (index = slot, see `Nowcast::slot_of`).
    errors: Vec<SortedWindow>,
    /// Exponentially weighted quantile at the reference level and horizon (in units).
    loss: Option<f64>,
}

impl Calibrator {
    fn quantile(&self, slot: usize, level: f64, min_errors: usize) -> Option<f64> {
        let w = self.errors.get(slot)?;
        if w.len() < min_errors {
            return None;
        }
        w.quantile(level)
    }
}

#[derive(Debug, Clone)]
struct Served {
    first_step: u64,
    point: Vec<f64>,
    /// Error scales per calibrator.
    scales: Vec<Vec<f64>>,
    /// The base model's points (the smoother learns the first one's residual, the damping
    /// every one's).
    base: Vec<f64>,
    /// The correction the smoother had when this forecast was served.
    correction: f64,
}

/// How much of the current correction each horizon keeps, learnt by least squares through the
/// origin of later residuals (actual − base) on the correction: a transient disturbance fades
/// with the horizon (β < 1), a level shift does not (β ≈ 1).
#[derive(Debug, Clone, Copy)]
struct Damping {
    cross: f64,
    square: f64,
}

impl Damping {
    /// Gain of the sums (a half-life of ~350 steps).
    const GAIN: f64 = 0.002;

    fn learn(&mut self, correction: f64, residual: f64) {
        self.cross += Self::GAIN * (correction * residual - self.cross);
        self.square += Self::GAIN * (correction * correction - self.square);
    }

    fn factor(&self) -> f64 {
        if self.square > 0.0 {
            (self.cross / self.square).clamp(0.0, 1.5)
        } else {
            1.0
        }
    }
}

/// Short-horizon correction and calibration of one series (see the module documentation).
#[derive(Debug, Clone)]
pub struct Nowcast {
    config: NowcastConfig,
    smoother: ResidualSmoother,
    /// Per horizon (index h − 1): how much of the correction it keeps.
    damping: Vec<Damping>,
    calibrators: Vec<Calibrator>,
    best: usize,
    /// For each horizon h (index h − 1), the slot of the tracked horizon it reads.
    slot_of: Vec<usize>,
    /// For each horizon h (index h − 1), the slot it writes to when it is tracked itself.
    writes: Vec<Option<usize>>,
    /// Forecasts served whose steps are not all observed yet, oldest first.
    served: VecDeque<Served>,
    /// Exponentially weighted mean of the actuals: the scale's floor is a tenth of it.
    typical: Option<f64>,
}

impl Nowcast {
    /// A nowcast with validated settings.
    pub fn new(config: NowcastConfig) -> Result<Self, NowcastError> {
        config.validate()?;
        let tracked = tracked_horizons(config.horizon, config.max_tracked_horizons);
        let slot_of = (1..=config.horizon)
            .map(|h| tracked.partition_point(|&t| t < h).min(tracked.len() - 1))
            .collect();
        let writes = (1..=config.horizon)
            .map(|h| tracked.binary_search(&h).ok())
            .collect();
        let calibrators = config
            .scale_exponents
            .iter()
            .map(|&exponent| Calibrator {
                exponent,
                errors: tracked
                    .iter()
                    .map(|_| SortedWindow::new(config.window))
                    .collect(),
                loss: None,
            })
            .collect();
        Ok(Self {
            smoother: ResidualSmoother::new(&config.gains),
            damping: vec![
                Damping {
                    cross: 0.0,
                    square: 0.0
                };
                config.horizon
            ],
            calibrators,
            best: 0,
            slot_of,
            writes,
            served: VecDeque::with_capacity(config.horizon + 1),
            typical: None,
            config,
        })
    }

    /// The settings in use.
    pub fn config(&self) -> &NowcastConfig {
        &self.config
    }

    /// Records the actual of step `step` (`None`: unknown, nothing is learnt) against every
    /// forecast served for it, and forgets forecasts that have no future step left.
    pub fn observe(&mut self, step: u64, actual: Option<f64>) {
        if let Some(y) = actual.filter(|y| y.is_finite()) {
            let t = self.typical.get_or_insert(y.abs());
            *t += 0.01 * (y.abs() - *t);
            for s in &self.served {
                let Some(i) = step.checked_sub(s.first_step).map(|i| i as usize) else {
                    continue;
                };
                let Some(p) = s.point.get(i) else {
                    continue;
                };
                if let Some(slot) = self.writes.get(i).copied().flatten() {
                    for (c, scales) in self.calibrators.iter_mut().zip(&s.scales) {
                        if let (Some(sc), Some(w)) = (scales.get(i), c.errors.get_mut(slot)) {
                            w.push((y - p) / sc);
                        }
                    }
                }
                if let (Some(b), Some(d)) = (s.base.get(i), self.damping.get_mut(i)) {
                    d.learn(s.correction, y - b);
                    if i == 0 {
                        self.smoother.observe(y - b);
                    }
                }
            }
        }
        while let Some(front) = self.served.front() {
            let end = front.first_step + front.point.len() as u64;
            if end <= step + 1 {
                self.served.pop_front();
            } else {
                break;
            }
        }
    }

    /// Corrects the base model's points for steps `first_step..` (at most `horizon` are used)
    /// and remembers the result, to learn its errors as the actuals arrive.
    pub fn serve(&mut self, first_step: u64, base: &[f64]) -> ShortForecast {
        let n = base.len().min(self.config.horizon);
        let correction = self.smoother.level();
        let floor = self.typical.map_or(1e-9, |t| (0.1 * t).max(1e-9));
        let point: Vec<f64> = base[..n]
            .iter()
            .zip(&self.damping)
            .map(|(b, d)| (b + d.factor() * correction).max(0.0))
            .collect();
        let scales: Vec<Vec<f64>> = self
            .calibrators
            .iter()
            .map(|c| {
                point
                    .iter()
                    .map(|p| p.max(floor).powf(c.exponent))
                    .collect()
            })
            .collect();
        let (tau, h, min_errors) = (
            self.config.reference_level,
            self.config.reference_horizon,
            self.config.min_errors,
        );
        let unit = self.config.unit;
        let slot = self.slot_of.get(h - 1).copied().unwrap_or(0);
        for (c, sc) in self.calibrators.iter_mut().zip(&scales) {
            let value = c.quantile(slot, tau, min_errors).and_then(|q| {
                let v = (point.get(h - 1)? + sc.get(h - 1)? * q).max(0.0);
                Some(unit.map_or(v, |u| (v / u - 1e-9).ceil()))
            });
            if let Some(v) = value {
                let l = c.loss.get_or_insert(v);
                *l += RANKING_GAIN * (v - *l);
            }
        }
        if let Some((i, _)) = self
            .calibrators
            .iter()
            .enumerate()
            .filter_map(|(i, c)| Some((i, c.loss?)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
        {
            self.best = i;
        }
        let forecast = ShortForecast {
            first_step,
            scale: scales.get(self.best).cloned().unwrap_or_default(),
            point: point.clone(),
            calibrator: self.best,
        };
        // A second forecast for the same step replaces the first.
        self.served.retain(|s| s.first_step != first_step);
        self.served.push_back(Served {
            first_step,
            point,
            scales,
            base: base[..n].to_vec(),
            correction,
        });
        forecast
    }

    /// The conformal quantile at `level` of the scaled errors at horizon `h` (1 = the next
    /// step) of the calibrator in use; `None` while fewer than `min_errors` are known.
    pub fn error_quantile(&self, h: usize, level: f64) -> Option<f64> {
        let slot = *self.slot_of.get(h.checked_sub(1)?)?;
        self.calibrators
            .get(self.best)?
            .quantile(slot, level, self.config.min_errors)
    }

    /// Errors known at horizon `h`.
    pub fn error_count(&self, h: usize) -> usize {
        h.checked_sub(1)
            .and_then(|i| self.calibrators.first()?.errors.get(*self.slot_of.get(i)?))
            .map_or(0, SortedWindow::len)
    }

    /// The κ of the error scale in use.
    pub fn scale_exponent(&self) -> Option<f64> {
        self.calibrators.get(self.best).map(|c| c.exponent)
    }

    /// The level correction in use.
    pub fn correction(&self) -> f64 {
        self.smoother.level()
    }

    /// Call when the base model is refitted: its residuals start afresh. The errors of the
    /// served forecasts are kept (they measure the corrected forecast, whatever its base).
    pub fn rebase(&mut self) {
        self.smoother.reset();
    }
}

/// At most `most` horizons out of 1..=`horizon`, spread evenly, always with 1 and `horizon`.
fn tracked_horizons(horizon: usize, most: usize) -> Vec<usize> {
    let most = most.max(1).min(horizon);
    if most == horizon {
        return (1..=horizon).collect();
    }
    let mut t: Vec<usize> = (0..most)
        .map(|j| 1 + (j * (horizon - 1)).div_ceil(most - 1).min(horizon - 1))
        .collect();
    t.dedup();
    t
}

#[cfg(test)]
mod tests;
