//! Detection of a lasting level shift: the index where the current level of a series starts.
//!
//! # Method
//! On the seasonally adjusted series `a` (the robust seasonal profile of [`super::baseline`]
//! removed), the level step at `i` is `Δ(i) = median a[i, i+L) - median a[i-L, i)` with
//! `L = max(shortest period, MIN_PERSISTENCE)`: a whole cycle, so the medians ignore the cycle
//! and a burst shorter than L/2 cannot move them (a two-sample comparison of moving medians, an
//! edge detector in the sense of Tukey's running medians). A shift at `s` makes `|Δ|` peak at
//! `s`; noise, drift and trends move `Δ` about as much everywhere. A peak is a candidate when
//! 1. `|Δ - median Δ| ≥ SHIFT_Z · spread(Δ)` (1.4826 · MAD): unusual for this series, which a
//!    random walk or a trend is not (a binary-segmentation CUSUM would take those for shifts);
//! 2. `|Δ| ≥ SHIFT_SIGMAS · noise` (noise: robust spread of the point residuals) and
//!    `|Δ| ≥ MIN_RELATIVE_SHIFT · level`: large enough to matter for a forecast.
//!
//! Its position is refined to the step (least absolute deviations to the two levels), and it
//! is a shift ([`level_shifts`] lists them all, [`detect_level_shift`] gives the latest) when it
//! 3. lasts: at least L steps remain, and [`PERSIST_FRACTION`] of the points after it are
//!    nearer the new level than the old one;
//! 4. is not a return: the new level differs from the median of all the history before (the
//!    end of a long burst is not a new regime).
//!
//! # Guarantees
//! Pure, no panic; linear cost (running medians are evaluated every L/10 steps). Returns `None`
//! for fewer than `4 L` points (too short to tell a shift from a wave) or non-finite values.

use super::baseline::{median, robust_scale, running_median, Baseline};

/// A shift must last at least this many steps (and at least the shortest period).
pub const MIN_PERSISTENCE: usize = 24;

/// Threshold of criterion 1, in robust standard deviations of Δ: Δ is smooth (a moving
/// statistic), so 5 is far beyond what noise reaches over a history of a few thousand windows.
pub const SHIFT_Z: f64 = 5.0;

/// Threshold of criterion 2 in robust standard deviations of the point noise: smaller shifts
/// are absorbed by the models' own level, and cutting the history would lose more (cycles seen)
/// than it gains.
pub const SHIFT_SIGMAS: f64 = 3.0;

/// Criterion 2 relative to the larger of the two levels: a 10 % change of a very smooth series
/// is statistically clear but not a new regime worth forgetting the past for.
pub const MIN_RELATIVE_SHIFT: f64 = 0.1;

/// Criterion 3: share of the points after the shift nearer the new level than the old.
pub const PERSIST_FRACTION: f64 = 0.8;

/// A history needs this many windows L to tell a shift from a slow wave.
const MIN_WINDOWS: usize = 4;

/// The index where a lasting shift in level starts in `y` (seasonal `periods` in steps, may be
/// empty), the latest when there are several; `None` when the level is stable.
pub fn detect_level_shift(y: &[f64], periods: &[usize]) -> Option<usize> {
    level_shifts(y, periods).last().copied()
}

/// Every lasting level shift in `y`, ascending: each is a point from which the series stayed
/// away from the level before it, so each is a valid start for fitting on the present regime
/// (the engine takes the latest that leaves enough history).
pub fn level_shifts(y: &[f64], periods: &[usize]) -> Vec<usize> {
    let span = periods
        .iter()
        .copied()
        .filter(|&p| p >= 2)
        .min()
        .map_or(MIN_PERSISTENCE, |p| p.max(MIN_PERSISTENCE));
    if y.len() < span.saturating_mul(MIN_WINDOWS) || y.iter().any(|v| !v.is_finite()) {
        return Vec::new();
    }
    let base = Baseline::new(y, periods);
    let scan = Scan::new(base.adjusted(y), span, base.noise(y));
    let mut shifts: Vec<usize> = scan
        .candidates()
        .into_iter()
        .filter_map(|(from, to)| scan.refine(from, to))
        .filter(|&s| scan.lasts(s) && !scan.is_return(s))
        .collect();
    // Two candidate ranges on either side of a spike can refine to the same step.
    shifts.dedup();
    shifts
}

/// The adjusted series, its level steps and the scales they are judged by.
struct Scan {
    adjusted: Vec<f64>,
    level: Vec<f64>,
    span: usize,
    noise: f64,
}

impl Scan {
    fn new(adjusted: Vec<f64>, span: usize, noise: f64) -> Self {
        let level = running_median(&adjusted, span);
        Scan {
            adjusted,
            level,
            span,
            noise,
        }
    }

    /// Median of the L points before `i` and of the L points from `i` (centred medians).
    fn sides(&self, i: usize) -> (f64, f64) {
        let half = self.span / 2;
        (self.level[i - self.span + half], self.level[i + half])
    }

    /// Δ(i) for `L <= i <= n - L`.
    fn steps(&self) -> Vec<f64> {
        (self.span..=self.adjusted.len() - self.span)
            .map(|i| {
                let (before, after) = self.sides(i);
                after - before
            })
            .collect()
    }

    /// Inclusive ranges of indices meeting criteria 1 and 2, ascending.
    fn candidates(&self) -> Vec<(usize, usize)> {
        let steps = self.steps();
        let centre = median(&steps);
        let spread = robust_scale(&steps);
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for (k, d) in steps.iter().enumerate() {
            let i = k + self.span;
            let (before, after) = self.sides(i);
            let size = d.abs();
            let relevant = size >= SHIFT_SIGMAS * self.noise
                && size >= MIN_RELATIVE_SHIFT * before.abs().max(after.abs());
            if !(relevant && (d - centre).abs() >= SHIFT_Z * spread) {
                continue;
            }
            match ranges.last_mut() {
                Some((_, to)) if *to + 1 == i => *to = i,
                _ => ranges.push((i, i)),
            }
        }
        ranges
    }

    /// The step within a candidate range: within L of the largest |Δ|, where the least
    /// absolute deviations to the level before and the level after are smallest.
    fn refine(&self, from: usize, to: usize) -> Option<usize> {
        let peak = (from..=to).max_by(|&a, &b| {
            let (da, db) = (self.sides(a), self.sides(b));
            (da.1 - da.0).abs().total_cmp(&(db.1 - db.0).abs())
        })?;
        let (before, after) = self.sides(peak);
        // Δ can stay at its height for up to L steps after the step (when the new level
        // settles slowly), so the step is searched for within a window either side.
        let lo = peak.saturating_sub(self.span).max(1);
        let hi = (peak + self.span).min(self.adjusted.len() - 1);
        // cost(j) - cost(lo) = Σ_{lo <= i < j} (|a_i - before| - |a_i - after|).
        let mut best = (lo, 0.0);
        let mut cost = 0.0;
        for j in lo..hi {
            let v = self.adjusted[j];
            cost += (v - before).abs() - (v - after).abs();
            if cost < best.1 {
                best = (j + 1, cost);
            }
        }
        Some(best.0)
    }

    /// Criterion 3 for a shift at `s`.
    fn lasts(&self, s: usize) -> bool {
        let n = self.adjusted.len();
        if s < self.span || n - s < self.span {
            return false;
        }
        let (before, after) = self.sides(s);
        let after_side = self.adjusted[s..]
            .iter()
            .filter(|v| (*v - after).abs() < (*v - before).abs())
            .count();
        after_side as f64 >= PERSIST_FRACTION * (n - s) as f64
    }

    /// Criterion 4 for a shift at `s`: the new level lies within half the step of the median
    /// of all the history before it.
    fn is_return(&self, s: usize) -> bool {
        let (before, after) = self.sides(s);
        let past = median(&self.adjusted[..s]);
        (after - past).abs() < (after - before).abs() / 2.0
    }
}
