//! The regression's design: the column layout (trend, Fourier seasonality, extra regressors,
//! learned event groups), one row per step, and the aggregation of steps into blocks that keeps
//! long series cheap.
//!
//! Aggregation is exact for a linear model: the mean of `y` over a block equals the mean row
//! times the coefficients. Only the learned event columns (activity × baseline) are
//! approximated, by the product of block means, which holds while the baseline is nearly
//! constant within a block. Where a block's steps weigh the same (no declared event in it),
//! the means of the trend and Fourier columns are taken in closed form rather than summed.

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
    fourier_at(
        unix.rem_euclid(season.period) as f64 / season.period as f64,
        out,
    );
}

/// As [`fourier`] for a phase in cycles.
fn fourier_at(phase: f64, out: &mut [f64]) {
    let (s1, c1) = (TAU * phase).sin_cos();
    let (mut s, mut c) = (s1, c1);
    for pair in out.chunks_exact_mut(2) {
        pair[0] = s;
        pair[1] = c;
        (s, c) = (s * c1 + c * s1, c * c1 - s * s1);
    }
}

/// Per season and harmonic `k`, the mean of `sin(kθ)` over a block's equally spaced angles
/// divided by its value at the middle angle: `sin(k b Δ/2) / (b sin(k Δ/2))` for `b` steps
/// `Δ` apart. `None` when some factor is ill-conditioned (a harmonic near a multiple of the
/// step's frequency, which the layout's Nyquist limit rules out for sensible steps).
struct BlockMeans {
    dirichlet: Vec<Vec<f64>>,
}

impl BlockMeans {
    fn new(layout: &Layout, clock: &Clock, block: usize) -> Option<Self> {
        let b = block as f64;
        let dirichlet = layout
            .seasons
            .iter()
            .map(|season| {
                let delta = TAU * clock.step as f64 / season.period as f64;
                (1..=season.harmonics)
                    .map(|k| {
                        let x = 0.5 * k as f64 * delta;
                        let den = b * x.sin();
                        (den.abs() > 1e-6).then(|| (b * x).sin() / den)
                    })
                    .collect::<Option<Vec<f64>>>()
            })
            .collect::<Option<Vec<Vec<f64>>>>()?;
        Some(BlockMeans { dirichlet })
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
        let means = BlockMeans::new(layout, clock, block);
        for k in 0..blocks {
            let first = skip + k * block;
            let range = first..first + block;
            let w = steps.omega[first];
            match &means {
                Some(means) if w > 0.0 && steps.omega[range.clone()].iter().all(|&v| v == w) => {
                    d.add_even_block(k, range, layout, clock, steps, means);
                }
                _ => d.add_block(k, range, layout, clock, steps, &mut row),
            }
        }
        d
    }

    /// A block whose steps weigh the same: its baseline columns are the means of their smooth
    /// functions, in closed form (`add_block` sums them step by step); only the target, the
    /// regressors and the activity are summed.
    fn add_even_block(
        &mut self,
        k: usize,
        range: std::ops::Range<usize>,
        layout: &Layout,
        clock: &Clock,
        steps: &Steps<'_>,
        means: &BlockMeans,
    ) {
        let (fixed, groups, base) = (self.fixed, self.groups, layout.base());
        let len = range.len() as f64;
        let out = &mut self.rows[k * fixed..(k + 1) * fixed];
        let (t_first, t_last) = (clock.scaled(range.start), clock.scaled(range.end - 1));
        let t_mean = 0.5 * (t_first + t_last);
        out[0] = 1.0;
        out[1] = t_mean;
        for (o, &s) in out[2..layout.trend()].iter_mut().zip(&layout.knots) {
            *o = if t_first >= s {
                t_mean - s
            } else if t_last <= s {
                0.0
            } else {
                range
                    .clone()
                    .map(|i| (clock.scaled(i) - s).max(0.0))
                    .sum::<f64>()
                    / len
            };
        }
        // The mean of sin(kθ) over equally spaced angles is its value at the middle angle
        // times a Dirichlet factor of k: one `sin_cos` per season and block.
        let half = (range.len() - 1) as f64 * clock.step as f64 * 0.5;
        let mut col = layout.trend();
        for (season, factors) in layout.seasons.iter().zip(&means.dirichlet) {
            let end = col + 2 * season.harmonics;
            let start = clock.unix(range.start).rem_euclid(season.period) as f64;
            fourier_at((start + half) / season.period as f64, &mut out[col..end]);
            for (pair, f) in out[col..end].chunks_exact_mut(2).zip(factors) {
                pair[0] *= f;
                pair[1] *= f;
            }
            col = end;
        }
        for (o, values) in out[base..].iter_mut().zip(steps.regressors) {
            *o = values[range.clone()].iter().sum::<f64>() / len;
        }
        let act = &mut self.activity[k * groups..(k + 1) * groups];
        for (a, g) in act.iter_mut().zip(steps.activity) {
            *a = g[range.clone()].iter().sum::<f64>() / len;
        }
        self.z[k] = steps.z[range.clone()].iter().sum::<f64>() / len;
        self.weight[k] = steps.omega[range.start];
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Block means in closed form equal the step-by-step sums, hinges straddling a block
    /// included.
    #[test]
    fn even_blocks_in_closed_form_equal_step_sums() {
        let layout = Layout {
            knots: vec![0.1, 0.33, 0.5, 0.8],
            seasons: vec![
                Season {
                    period: 86_400,
                    harmonics: 8,
                },
                Season {
                    period: 604_800,
                    harmonics: 3,
                },
            ],
            regressors: 1,
            groups: 1,
        };
        for (step, n, block) in [(300, 4032, 3), (60, 5760, 5), (3600, 700, 1), (900, 999, 7)] {
            let clock = Clock {
                t0: 1_700_000_123,
                step,
                n,
            };
            let z: Vec<f64> = (0..n).map(|i| ((i * 37) % 101) as f64 / 50.0).collect();
            let regressor: Vec<f64> = (0..n).map(|i| (i as f64 * 0.01).cos()).collect();
            let activity: Vec<f64> = (0..n).map(|i| f64::from(u8::from(i % 50 < 7))).collect();
            let omega = vec![1.0; n];
            let (regressors, groups) = (vec![regressor], [activity.as_slice()]);
            let steps = Steps {
                z: &z,
                omega: &omega,
                regressors: &regressors,
                activity: &groups,
            };
            let fast = Design::build(&layout, &clock, &steps, block);
            let mut slow = Design::build(&layout, &clock, &steps, block);
            let mut row = vec![0.0; layout.fixed()];
            let skip = n % block;
            for k in 0..slow.blocks() {
                let first = skip + k * block;
                let (f, g) = (slow.fixed, slow.groups);
                slow.rows[k * f..(k + 1) * f].fill(0.0);
                slow.activity[k * g..(k + 1) * g].fill(0.0);
                slow.z[k] = 0.0;
                slow.add_block(k, first..first + block, &layout, &clock, &steps, &mut row);
            }
            let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-12);
            assert!(close(&fast.rows, &slow.rows), "step {step}, block {block}");
            assert!(close(&fast.activity, &slow.activity));
            assert!(close(&fast.z, &slow.z) && fast.weight == slow.weight);
        }
    }
}
