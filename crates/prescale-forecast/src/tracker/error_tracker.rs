//! Online error figures of one error stream (one series, one horizon bucket): exponentially
//! weighted and over the last N observations, all scaled by the series' MASE scale so that they
//! compare across series.
//!
//! Per observation, with `e = (actual − point) / scale` and `d_τ = (actual − q_τ) / scale`:
//! - scaled MAE is the mean of `|e|` (MASE-like), bias the mean of `e` (positive: forecasts low);
//! - the scaled pinball loss of level τ is the mean of `max(τ·d_τ, (τ − 1)·d_τ)`;
//! - the coverage of level τ is the share of actuals at or below the quantile (`d_τ ≤ 0`), to
//!   compare with τ itself; the central 95 % coverage is the share inside `[q_0.025, q_0.975]`.
//!
//! The exponentially weighted means are bias-corrected (sums divided by the sum of weights), so
//! the first observations give plain means instead of values pulled towards zero.

use std::sync::Arc;

use serde::Serialize;

use super::levels::Levels;
use super::window::RowRing;
use super::{Observation, TrackerError};

/// Positions in a vector of sums: |e|, e, inside the central 95 %, then (pinball, hit) per level.
const ABS: usize = 0;
const BIAS: usize = 1;
const INSIDE: usize = 2;
const PER_LEVEL: usize = 3;

/// Settings of an [`ErrorTracker`].
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrackerConfig {
    /// Observations in the last-N figures.
    pub window: usize,
    /// Weight of the newest observation in the exponentially weighted figures (0.05: a half-life
    /// of about 14 observations).
    pub ew_alpha: f64,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        Self {
            window: 64,
            ew_alpha: 0.05,
        }
    }
}

impl TrackerConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<(), TrackerError> {
        if self.window == 0 || !(self.ew_alpha > 0.0 && self.ew_alpha <= 1.0) {
            return Err(TrackerError::InvalidConfig(format!(
                "tracker window must be at least 1 and ew_alpha in (0, 1]: {self:?}"
            )));
        }
        Ok(())
    }
}

/// Figures of one quantile level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuantileFigures {
    pub level: f64,
    /// Mean pinball loss, in MASE scales.
    pub pinball: f64,
    /// Share of actuals at or below the quantile (calibrated: close to `level`).
    pub coverage: f64,
}

/// Error figures over some weighting of the observations; `None` before any observation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    /// Mean absolute error in MASE scales.
    pub scaled_mae: Option<f64>,
    /// Mean signed error `actual − point` in MASE scales (positive: forecasts too low).
    pub bias: Option<f64>,
    /// Share of actuals inside `[q_0.025, q_0.975]`, when both levels are in use.
    pub central_95_coverage: Option<f64>,
    /// Per quantile level, ascending.
    pub quantiles: Vec<QuantileFigures>,
}

/// What an [`ErrorTracker`] knows, for the API and the daemon.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackerSnapshot {
    /// Observations taken into account.
    pub observations: u64,
    /// Observations refused: unscorable (not finite, scale not positive) or not newer than the
    /// last one.
    pub skipped: u64,
    /// Step of the newest observation.
    pub last_step: Option<u64>,
    /// How many observations the windowed figures rest on.
    pub window_len: usize,
    /// Exponentially weighted figures.
    pub ew: Figures,
    /// Figures over the last `window_len` observations.
    pub window: Figures,
}

/// Online error figures of one error stream. O(levels) per observation, no allocation.
#[derive(Debug, Clone)]
pub struct ErrorTracker {
    levels: Arc<Levels>,
    alpha: f64,
    /// The exponentially weighted sums, then the window sums: one allocation, since each
    /// observation touches both and cache misses dominate the cost at 100 000 series.
    sums: Box<[f64]>,
    ew_weight: f64,
    ring: RowRing,
    pushes_since_resum: usize,
    observations: u64,
    skipped: u64,
    last_step: Option<u64>,
}

impl ErrorTracker {
    /// A tracker for forecasts with quantiles at `levels`; `config` must be valid.
    pub fn new(config: &TrackerConfig, levels: Arc<Levels>) -> Result<Self, TrackerError> {
        config.validate()?;
        let sums = PER_LEVEL + 2 * levels.len();
        Ok(Self {
            alpha: config.ew_alpha,
            sums: vec![0.0; 2 * sums].into_boxed_slice(),
            ew_weight: 0.0,
            ring: RowRing::new(config.window, 1 + levels.len()),
            pushes_since_resum: 0,
            observations: 0,
            skipped: 0,
            last_step: None,
            levels,
        })
    }

    /// Takes one observation into account. Returns whether it was used: observations that cannot
    /// be scored, or that are not newer than the last one (duplicates, late arrivals), are
    /// counted as skipped. Errs only when the number of quantiles is not the number of levels.
    pub fn observe(&mut self, obs: &Observation<'_>) -> Result<bool, TrackerError> {
        if obs.quantiles.len() != self.levels.len() {
            return Err(TrackerError::QuantileCount {
                expected: self.levels.len(),
                got: obs.quantiles.len(),
            });
        }
        let newer = self.last_step.is_none_or(|last| obs.step > last);
        if !newer || !scorable(obs) {
            self.skipped += 1;
            return Ok(false);
        }
        self.push(obs);
        Ok(true)
    }

    fn push(&mut self, obs: &Observation<'_>) {
        let (ew, window) = self.sums.split_at_mut(self.sums.len() / 2);
        if let Some(oldest) = self.ring.oldest_if_full() {
            contributions(&self.levels, oldest, |i, c| window[i] -= c);
        }
        write_row(self.ring.push(), obs);
        let keep = 1.0 - self.alpha;
        ew.iter_mut().for_each(|s| *s *= keep);
        self.ew_weight = self.ew_weight * keep + 1.0;
        contributions(&self.levels, self.ring.newest(), |i, c| {
            window[i] += c;
            ew[i] += c;
        });
        self.observations += 1;
        self.last_step = Some(obs.step);
        self.resum_now_and_then();
    }

    /// Adding and subtracting floats leaves rounding residue in the window sums: recomputing
    /// them once per window length bounds it, at O(levels) per observation amortized.
    fn resum_now_and_then(&mut self) {
        self.pushes_since_resum += 1;
        if self.pushes_since_resum < self.ring.capacity() {
            return;
        }
        self.pushes_since_resum = 0;
        let (_, window) = self.sums.split_at_mut(self.sums.len() / 2);
        window.fill(0.0);
        for row in self.ring.rows() {
            contributions(&self.levels, row, |i, c| window[i] += c);
        }
    }

    /// Exponentially weighted bias in MASE scales (positive: forecasts too low).
    pub fn ew_bias(&self) -> Option<f64> {
        (self.ew_weight > 0.0).then(|| self.ew_sums()[BIAS] / self.ew_weight)
    }

    /// Exponentially weighted scaled MAE.
    pub fn ew_scaled_mae(&self) -> Option<f64> {
        (self.ew_weight > 0.0).then(|| self.ew_sums()[ABS] / self.ew_weight)
    }

    /// Scaled MAE over the last N observations.
    pub fn window_scaled_mae(&self) -> Option<f64> {
        let n = self.ring.len();
        (n > 0).then(|| self.window_sums()[ABS] / n as f64)
    }

    /// Share of the last N actuals at or below the quantile of `level`.
    pub fn window_coverage(&self, level: f64) -> Option<f64> {
        let j = self.levels.index_of(level)?;
        let n = self.ring.len();
        (n > 0).then(|| self.window_sums()[PER_LEVEL + 2 * j + 1] / n as f64)
    }

    fn ew_sums(&self) -> &[f64] {
        &self.sums[..self.sums.len() / 2]
    }

    fn window_sums(&self) -> &[f64] {
        &self.sums[self.sums.len() / 2..]
    }

    /// The tracker's figures (allocates: for reports, not for the per-observation path).
    pub fn snapshot(&self) -> TrackerSnapshot {
        TrackerSnapshot {
            observations: self.observations,
            skipped: self.skipped,
            last_step: self.last_step,
            window_len: self.ring.len(),
            ew: figures(&self.levels, self.ew_sums(), self.ew_weight),
            window: figures(&self.levels, self.window_sums(), self.ring.len() as f64),
        }
    }
}

fn scorable(obs: &Observation<'_>) -> bool {
    obs.actual.is_finite()
        && obs.point.is_finite()
        && obs.quantiles.iter().all(|q| q.is_finite())
        && obs.scale.is_finite()
        && obs.scale > 0.0
}

/// Row layout: the scaled error of the point, then the scaled distance to each quantile.
fn write_row(row: &mut [f32], obs: &Observation<'_>) {
    let inverse = 1.0 / obs.scale;
    row[0] = ((obs.actual - obs.point) * inverse) as f32;
    for (slot, q) in row[1..].iter_mut().zip(obs.quantiles) {
        *slot = ((obs.actual - q) * inverse) as f32;
    }
}

/// Calls `add(position, contribution)` for each sum that one row contributes to.
fn contributions(levels: &Levels, row: &[f32], mut add: impl FnMut(usize, f64)) {
    let e = f64::from(row[0]);
    add(ABS, e.abs());
    add(BIAS, e);
    if let Some((lo, hi)) = levels.central_95() {
        add(INSIDE, f64::from(row[1 + lo] >= 0.0 && row[1 + hi] <= 0.0));
    }
    for (j, &tau) in levels.values().iter().enumerate() {
        let d = f64::from(row[1 + j]);
        add(PER_LEVEL + 2 * j, (tau * d).max((tau - 1.0) * d));
        add(PER_LEVEL + 2 * j + 1, f64::from(d <= 0.0));
    }
}

fn figures(levels: &Levels, sums: &[f64], divisor: f64) -> Figures {
    if divisor <= 0.0 {
        return Figures {
            scaled_mae: None,
            bias: None,
            central_95_coverage: None,
            quantiles: Vec::new(),
        };
    }
    let quantiles = levels
        .values()
        .iter()
        .enumerate()
        .map(|(j, &level)| QuantileFigures {
            level,
            pinball: sums[PER_LEVEL + 2 * j] / divisor,
            coverage: sums[PER_LEVEL + 2 * j + 1] / divisor,
        })
        .collect();
    Figures {
        scaled_mae: Some(sums[ABS] / divisor),
        bias: Some(sums[BIAS] / divisor),
        central_95_coverage: levels.central_95().map(|_| sums[INSIDE] / divisor),
        quantiles,
    }
}
