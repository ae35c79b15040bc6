//! The regression's design: the column layout (trend, Fourier seasonality, extra regressors,
//! learned event groups), one row per step, and the aggregation of steps into blocks that keeps
//! long series cheap.
//!
//! Aggregation is exact for a linear model: the mean of `y` over a block equals the mean row
//! times the coefficients. Only the learned event columns (activity × baseline) are
//! approximated, by the product of block means, which holds while the baseline is nearly
//! constant within a block.

use std::f64::consts::TAU;

/// One Fourier seasonality.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Season {
    /// Period in seconds (a day, a week).
    pub period: i64,
    /// Sine/cosine pairs.
    pub harmonics: usize,
}

/// The columns: `[1, t, (t − s_j)₊ …, sin/cos …, regressors …, groups …]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Changepoints in scaled time (0 = first step, 1 = last step of the history).
    pub knots: Vec<f64>,
    pub seasons: Vec<Season>,
    pub regressors: usize,
    pub groups: usize,
}

impl Layout {
    /// Columns of the trend (intercept, slope, hinges).
    pub fn trend(&self) -> usize {
        2 + self.knots.len()
    }

    /// Columns of the baseline: trend and seasonality, the part learned events multiply.
    pub fn base(&self) -> usize {
        self.trend() + self.seasons.iter().map(|s| 2 * s.harmonics).sum::<usize>()
    }

    /// Columns that do not depend on the fit: baseline and extra regressors.
    pub fn fixed(&self) -> usize {
        self.base() + self.regressors
    }

    /// All columns.
    pub fn width(&self) -> usize {
        self.fixed() + self.groups
    }

    /// Fills the baseline columns for scaled time `t` at `unix` seconds.
    pub fn base_row(&self, t: f64, unix: i64, out: &mut [f64]) {
        out[0] = 1.0;
        out[1] = t;
        for (o, s) in out[2..].iter_mut().zip(&self.knots) {
            *o = (t - s).max(0.0);
        }
        let mut col = self.trend();
        for season in &self.seasons {
            let end = col + 2 * season.harmonics;
            fourier(season, unix, &mut out[col..end]);
            col = end;
        }
    }
}

/// `sin(kθ), cos(kθ)` for k = 1..=harmonics; one `sin_cos`, then the angle-addition recurrence.
fn fourier(season: &Season, unix: i64, out: &mut [f64]) {
    // The phase is taken in integers first: unix seconds in f64 would lose the sub-second
    // precision the high harmonics of short periods need.
    let phase = unix.rem_euclid(season.period) as f64 / season.period as f64;
    let (s1, c1) = (TAU * phase).sin_cos();
    let (mut s, mut c) = (s1, c1);
    for pair in out.chunks_exact_mut(2) {
        pair[0] = s;
        pair[1] = c;
        (s, c) = (s * c1 + c * s1, c * c1 - s * s1);
    }
}

/// Step `i` of a series of `n` steps: its scaled time and unix time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    /// Unix time of step 0 (0 when unknown: the phases are then arbitrary but consistent).
    pub t0: i64,
    pub step: i64,
    pub n: usize,
}

impl Clock {
    pub fn scaled(&self, i: usize) -> f64 {
        i as f64 / (self.n.max(2) - 1) as f64
    }

    pub fn unix(&self, i: usize) -> i64 {
        self.t0 + i as i64 * self.step
    }
}

/// Per-step inputs of the regression.
pub struct Steps<'a> {
    /// Target after declared effects are removed, scaled.
    pub z: &'a [f64],
    /// Weight per step (the squared declared multiplier: a ×0.1 step's target is 10× noisier).
    pub omega: &'a [f64],
    /// Standardized extra regressors, each at least `z.len()` long.
    pub regressors: &'a [Vec<f64>],
    /// Activity of each learned group per step.
    pub activity: &'a [&'a [f64]],
}

/// The aggregated regression: one weighted-mean row per block.
pub struct Design {
    /// Blocks × `layout.fixed()` columns.
    pub rows: Vec<f64>,
    /// Blocks × groups: mean activity.
    pub activity: Vec<f64>,
    pub z: Vec<f64>,
    /// Mean step weight of the block (1 for plain steps).
    pub weight: Vec<f64>,
    pub fixed: usize,
    pub groups: usize,
}

impl Design {
    /// Blocks of `block` steps ending at the last step; the oldest `n mod block` steps are left
    /// out so that the most recent data forms full blocks.
    pub fn build(layout: &Layout, clock: &Clock, steps: &Steps<'_>, block: usize) -> Self {
        let block = block.max(1);
        let blocks = steps.z.len() / block;
        let skip = steps.z.len() - blocks * block;
        let mut d = Design {
            rows: vec![0.0; blocks * layout.fixed()],
            activity: vec![0.0; blocks * layout.groups],
            z: vec![0.0; blocks],
            weight: vec![0.0; blocks],
            fixed: layout.fixed(),
            groups: layout.groups,
        };
        let mut row = vec![0.0; layout.fixed()];
        for k in 0..blocks {
            let first = skip + k * block;
            d.add_block(k, first..first + block, layout, clock, steps, &mut row);
        }
        d
    }

    fn add_block(
        &mut self,
        k: usize,
        range: std::ops::Range<usize>,
        layout: &Layout,
        clock: &Clock,
        steps: &Steps<'_>,
        row: &mut [f64],
    ) {
        let len = range.len() as f64;
        let (fixed, groups) = (self.fixed, self.groups);
        let out = &mut self.rows[k * fixed..(k + 1) * fixed];
        let act = &mut self.activity[k * groups..(k + 1) * groups];
        let mut total = 0.0;
        for i in range {
            let w = steps.omega[i];
            if w <= 0.0 {
                continue;
            }
            layout.base_row(clock.scaled(i), clock.unix(i), row);
            for (r, values) in row[layout.base()..].iter_mut().zip(steps.regressors) {
                *r = values[i];
            }
            for (o, r) in out.iter_mut().zip(row.iter()) {
                *o += w * r;
            }
            for (a, g) in act.iter_mut().zip(steps.activity) {
                *a += w * g[i];
            }
            self.z[k] += w * steps.z[i];
            total += w;
        }
        if total > 0.0 {
            out.iter_mut()
                .chain(act.iter_mut())
                .for_each(|v| *v /= total);
            self.z[k] /= total;
        }
        self.weight[k] = total / len;
    }

    pub fn blocks(&self) -> usize {
        self.z.len()
    }

    /// The full row of block `k`: fixed columns, then each group's activity times `base`.
    pub fn full_row(&self, k: usize, base: f64, out: &mut [f64]) {
        let (fixed, groups) = (self.fixed, self.groups);
        out[..fixed].copy_from_slice(&self.rows[k * fixed..(k + 1) * fixed]);
        for (o, a) in out[fixed..]
            .iter_mut()
            .zip(&self.activity[k * groups..(k + 1) * groups])
        {
            *o = a * base;
        }
    }
}
