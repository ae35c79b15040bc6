//! The LOESS smoother of STL (Cleveland et al. 1990, section 2 and the netlib Fortran `stless` /
//! `stlest`): tricube-weighted local constant or linear fits over a window of fixed length,
//! evaluated every `jump` points and interpolated linearly in between.
//!
//! Without robustness weights a fit is a fixed linear filter of the data, and STL repeats the
//! same fits at the same positions in every inner iteration and MSTL round. A [`Plan`] holds
//! those filters, computed once with the steps of `stlest`, so each later fit is one dot
//! product; away from the ends they all share one centred kernel. Robust fits, whose weights
//! change every pass, are computed from weighted moments in a single pass over the window.

use std::ops::Range;

use crate::kernels::dot;

/// Degree of the local polynomial fitted by a LOESS smoother.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoessDegree {
    /// Local weighted mean (statsforecast's and R's choice for the seasonal smoother).
    Constant,
    /// Local weighted line (statsmodels' default for all three smoothers).
    Linear,
}

/// Where one fit looks: the window `left..=right` (indexes into the smoothed slice) and the
/// position `x` it estimates, which may lie outside the window (seasonal extrapolation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Window {
    pub(super) left: usize,
    pub(super) right: usize,
    pub(super) x: f64,
}

/// A LOESS smoother of one window length, degree and jump.
#[derive(Debug, Clone)]
pub(super) struct Smoother {
    len: usize,
    degree: LoessDegree,
    jump: usize,
    /// Normalised weights of a centred window of `len` points; empty when no such window fits
    /// in the slices smoothed, so that a huge window allocates nothing.
    kernel: Vec<f64>,
}

impl Smoother {
    /// A smoother for slices of at most `max_n` points.
    pub(super) fn new(len: usize, degree: LoessDegree, jump: usize, max_n: usize) -> Self {
        let kernel = if len <= max_n && len % 2 == 1 {
            centred_kernel(len)
        } else {
            Vec::new()
        };
        let jump = jump.max(1);
        Smoother {
            len,
            degree,
            jump,
            kernel,
        }
    }

    /// The window length.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// The points fitted on a slice of `n >= 2` points and their windows: every `jump`-th point
    /// and the last one; the others are interpolated.
    fn schedule(&self, n: usize) -> impl Iterator<Item = (usize, Window)> + '_ {
        let jump = self.jump.min(n - 1);
        let last_on_step = (n - 1) / jump * jump;
        let tail = (last_on_step != n - 1).then_some(n - 1);
        (0..n)
            .step_by(jump)
            .chain(tail)
            .map(move |i| (i, self.window_at(i, n)))
    }

    /// The window used at point `i` of a slice of `n` points: centred, clamped to the ends.
    ///
    /// `stless` fits the last point with the window of the last point fitted before it; when
    /// the jump exceeds half the window, that window ends before the last point and its line is
    /// extrapolated (a robust fit then diverged: 1e17 from data of 1e6, as in statsmodels). We
    /// use the last point's own window, identical whenever `jump <= (window + 1) / 2`, which
    /// the default jumps always satisfy.
    fn window_at(&self, i: usize, n: usize) -> Window {
        let x = i as f64;
        if self.len >= n {
            return Window {
                left: 0,
                right: n - 1,
                x,
            };
        }
        let left = i.saturating_sub(self.len / 2).min(n - self.len);
        Window {
            left,
            right: left + self.len - 1,
            x,
        }
    }

    /// Whether `win` is a full window centred on its point, whose weights are the kernel.
    fn is_centred(&self, win: Window) -> bool {
        win.right + 1 - win.left == self.kernel.len() && win.x == (win.left + self.len / 2) as f64
    }

    /// `stlest`'s bandwidth: the distance to the farther window end, widened when the window is
    /// longer than the data as if the missing points were there.
    fn bandwidth(&self, n: usize, win: Window) -> f64 {
        let h = (win.x - win.left as f64).max(win.right as f64 - win.x);
        if self.len > n {
            h + ((self.len - n) / 2) as f64
        } else {
            h
        }
    }

    /// Smooths `y` into `out[..y.len()]` fit by fit; `rw` are robustness weights (one per
    /// point) and `scratch` holds at least `y.len()` values. A point whose window has no
    /// weight keeps its value, as in `stless`.
    pub(super) fn smooth(
        &self,
        y: &[f64],
        rw: Option<&[f64]>,
        out: &mut [f64],
        scratch: &mut [f64],
    ) {
        let n = y.len();
        if n < 2 {
            out[..n].copy_from_slice(y);
            return;
        }
        for (i, win) in self.schedule(n) {
            out[i] = self.fit(y, win, rw, scratch).unwrap_or(y[i]);
        }
        interpolate_gaps(out, n, self.jump.min(n - 1));
    }

    /// One local fit from the weighted moments of the window: the value at `win.x` of the
    /// weighted least-squares line (or mean), as `stlest` computes it in several passes.
    pub(super) fn fit(
        &self,
        y: &[f64],
        win: Window,
        rw: Option<&[f64]>,
        scratch: &mut [f64],
    ) -> Option<f64> {
        let (n, h) = (y.len(), self.bandwidth(y.len(), win));
        let w = &mut scratch[..win.right + 1 - win.left];
        if self.is_centred(win) {
            w.copy_from_slice(&self.kernel);
        } else {
            tricube(w, win, h);
        }
        if let Some(rw) = rw {
            w.iter_mut()
                .zip(&rw[win.left..=win.right])
                .for_each(|(w, r)| *w *= r);
        }
        let m = Moments::of(w, &y[win.left..=win.right], win.x - win.left as f64);
        m.value(
            self.degree == LoessDegree::Linear && h > 0.0,
            (n - 1) as f64,
        )
    }

    /// The filter of one fit, step by step as `stlest` (tricube weights, normalised, tilted by
    /// the local slope), into `w[..window length]`; false when no point has weight.
    fn filter(&self, n: usize, win: Window, w: &mut [f64]) -> bool {
        let h = self.bandwidth(n, win);
        let w = &mut w[..win.right + 1 - win.left];
        let total = tricube(w, win, h);
        if total <= 0.0 {
            return false;
        }
        let inv_total = 1.0 / total;
        w.iter_mut().for_each(|v| *v *= inv_total);
        if self.degree == LoessDegree::Linear && h > 0.0 {
            tilt(w, win.x - win.left as f64, (n - 1) as f64);
        }
        true
    }

    /// The plan of every fit on slices of `n` points, written to `out[shift..shift + n]`, plus
    /// `extra` fits (output index, window). `None` when some window has no weight, which
    /// validated settings never produce; the caller then fits point by point.
    pub(super) fn plan(&self, n: usize, shift: usize, extra: &[(usize, Window)]) -> Option<Plan> {
        let mut plan = Plan {
            n,
            shift,
            jump: self.jump.min(n.max(2) - 1),
            rows: Vec::new(),
            weights: self.kernel.clone(),
        };
        let scheduled: Vec<(usize, Window)> = if n < 2 {
            Vec::new()
        } else {
            self.schedule(n).map(|(i, w)| (i + shift, w)).collect()
        };
        let mut w = vec![0.0; n];
        for &(at, win) in scheduled.iter().chain(extra) {
            let start = if self.is_centred(win) {
                0
            } else {
                if !self.filter(n, win, &mut w) {
                    return None;
                }
                plan.weights
                    .extend_from_slice(&w[..win.right + 1 - win.left]);
                plan.weights.len() - (win.right + 1 - win.left)
            };
            plan.rows.push(Row {
                at,
                left: win.left,
                start,
                len: win.right + 1 - win.left,
            });
        }
        Some(plan)
    }
}

/// Precomputed non-robust fits on slices of one length: each row is a dot product of fixed
/// weights with a window of the data, then the points between rows are interpolated.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    n: usize,
    shift: usize,
    jump: usize,
    rows: Vec<Row>,
    /// The centred kernel first (rows with `start == 0` share it), then each edge filter.
    weights: Vec<f64>,
}

/// One fit: `out[at] = weights[start..start + len] · y[left..left + len]`.
#[derive(Debug, Clone, Copy)]
struct Row {
    at: usize,
    left: usize,
    start: usize,
    len: usize,
}

impl Plan {
    /// The length of the slices this plan smooths.
    pub(super) fn n(&self) -> usize {
        self.n
    }

    /// Smooths `y` (`n` points) into `out[shift..shift + n]` and computes the extra fits.
    pub(super) fn apply(&self, y: &[f64], out: &mut [f64]) {
        if self.n < 2 {
            out[self.shift..self.shift + self.n].copy_from_slice(y);
        }
        for r in &self.rows {
            out[r.at] = dot(
                &self.weights[r.start..r.start + r.len],
                &y[r.left..r.left + r.len],
            );
        }
        interpolate_gaps(&mut out[self.shift..], self.n, self.jump);
    }

    /// Applies the plan to many series at once: series `c` (for `c` in `cols`) is
    /// `y[c], y[c + stride], ...` and its output goes to `out[c + (shift + i) * stride]`. The
    /// cycle-subseries of one length are smoothed this way in contiguous passes over rows of one
    /// period, rather than by gathering each subseries with stride `period`.
    pub(super) fn apply_columns(
        &self,
        y: &[f64],
        stride: usize,
        cols: Range<usize>,
        out: &mut [f64],
    ) {
        let width = cols.len();
        let at = |row: usize| row * stride + cols.start;
        if self.n < 2 {
            out[at(self.shift)..at(self.shift) + width].copy_from_slice(&y[at(0)..at(0) + width]);
        }
        for r in &self.rows {
            let dst = &mut out[at(r.at)..at(r.at) + width];
            dst.fill(0.0);
            for (t, &w) in self.weights[r.start..r.start + r.len].iter().enumerate() {
                let src = &y[at(r.left + t)..at(r.left + t) + width];
                dst.iter_mut().zip(src).for_each(|(d, s)| *d += w * s);
            }
        }
        interpolate_rows(out, self.n, self.jump, |i| at(self.shift + i), width);
    }
}

/// Weighted sums over a window, positions measured from the point estimated.
#[derive(Debug, Clone, Copy, Default)]
struct Moments {
    s0: f64,
    s1: f64,
    s2: f64,
    y0: f64,
    y1: f64,
}

impl Moments {
    /// Sums of `w`, `w t`, `w t²`, `w y`, `w t y` with `t` the position relative to `x` (so
    /// the sums stay small near the centre). Four independent lanes, as in [`dot`], so that the
    /// additions do not wait on each other.
    fn of(w: &[f64], y: &[f64], x: f64) -> Self {
        let mut lanes = [Moments::default(); 4];
        let (cw, cy) = (w.chunks_exact(4), y.chunks_exact(4));
        let tail = cw.remainder().len();
        let mut t0 = -x;
        for (wc, yc) in cw.zip(cy) {
            for (l, lane) in lanes.iter_mut().enumerate() {
                lane.add(wc[l], t0 + l as f64, yc[l]);
            }
            t0 += 4.0;
        }
        let rest = w[w.len() - tail..].iter().zip(&y[y.len() - tail..]);
        for (l, (&w, &y)) in rest.enumerate() {
            lanes[l].add(w, t0 + l as f64, y);
        }
        let [a, b, c, d] = lanes;
        a.plus(b).plus(c.plus(d))
    }

    fn add(&mut self, w: f64, t: f64, y: f64) {
        let wt = w * t;
        self.s0 += w;
        self.s1 += wt;
        self.s2 += wt * t;
        self.y0 += w * y;
        self.y1 += wt * y;
    }

    fn plus(self, o: Moments) -> Moments {
        Moments {
            s0: self.s0 + o.s0,
            s1: self.s1 + o.s1,
            s2: self.s2 + o.s2,
            y0: self.y0 + o.y0,
            y1: self.y1 + o.y1,
        }
    }

    /// The weighted mean, corrected by the slope when `linear` and the positions spread enough
    /// relative to `range` (the test of `stlest`); `None` when nothing has weight.
    fn value(&self, linear: bool, range: f64) -> Option<f64> {
        if self.s0 <= 0.0 {
            return None;
        }
        let inv_s0 = 1.0 / self.s0;
        let (mean_t, mean_y) = (self.s1 * inv_s0, self.y0 * inv_s0);
        let spread = self.s2 * inv_s0 - mean_t * mean_t;
        if !linear || spread.sqrt() <= 0.001 * range || spread.is_nan() {
            return Some(mean_y);
        }
        let covariance = self.y1 * inv_s0 - mean_t * mean_y;
        Some(mean_y - mean_t * covariance / spread)
    }
}

/// Fills `w` with tricube weights of the distances to `win.x` on bandwidth `h` and returns their
/// sum; the 0.999/0.001 thresholds are `stlest`'s, kept so that edge weights agree exactly.
fn tricube(w: &mut [f64], win: Window, h: f64) -> f64 {
    let (h9, h1, inv_h) = (0.999 * h, 0.001 * h, 1.0 / h);
    let mut total = 0.0;
    for (j, v) in w.iter_mut().enumerate() {
        let r = ((win.left + j) as f64 - win.x).abs();
        *v = if r > h9 {
            0.0
        } else if r <= h1 {
            1.0
        } else {
            let q = r * inv_h;
            let u = 1.0 - q * q * q;
            u * u * u
        };
        total += *v;
    }
    total
}

/// Turns normalised local-mean weights into local-linear weights for position `x` (relative to
/// the window start). Skipped when the positions barely spread, where the slope is unstable;
/// `range` is the slice's span, as in `stlest`.
fn tilt(w: &mut [f64], x: f64, range: f64) {
    let mean: f64 = w.iter().enumerate().map(|(j, v)| v * j as f64).sum();
    let spread: f64 = w
        .iter()
        .enumerate()
        .map(|(j, v)| v * (j as f64 - mean) * (j as f64 - mean))
        .sum();
    if spread.sqrt() > 0.001 * range {
        let slope = (x - mean) / spread;
        for (j, v) in w.iter_mut().enumerate() {
            *v *= slope * (j as f64 - mean) + 1.0;
        }
    }
}

/// The normalised tricube filter of a centred window of odd length `len`. A local line fitted
/// on a symmetric window has its value at the centre equal to the weighted mean (the slope
/// term vanishes), so one filter serves both degrees.
fn centred_kernel(len: usize) -> Vec<f64> {
    let half = len / 2;
    let mut w = vec![0.0; len];
    let win = Window {
        left: 0,
        right: len - 1,
        x: half as f64,
    };
    let total = tricube(&mut w, win, half as f64);
    if total > 0.0 {
        w.iter_mut().for_each(|v| *v /= total);
    }
    w
}

/// The stretches between fitted points (every `jump`-th of `n` and the last), as
/// (fitted, next fitted) pairs; the points strictly inside are interpolated.
fn gaps(n: usize, jump: usize) -> impl Iterator<Item = (usize, usize)> {
    let last = if jump > 1 && n >= 2 {
        (n - 1) / jump * jump
    } else {
        0
    };
    let tail = (last + 1 < n && jump > 1).then_some((last, n - 1));
    (0..last)
        .step_by(jump.max(1))
        .map(move |i| (i, i + jump))
        .chain(tail)
}

/// Fills the points of `out[..n]` between fitted ones with straight lines, as `stless`.
fn interpolate_gaps(out: &mut [f64], n: usize, jump: usize) {
    for (from, to) in gaps(n, jump) {
        let (start, step) = (out[from], (out[to] - out[from]) / (to - from) as f64);
        for (j, v) in out[from + 1..to].iter_mut().enumerate() {
            *v = start + step * (j + 1) as f64;
        }
    }
}

/// As [`interpolate_gaps`] for many series at once: point `i` of the series is the row
/// `out[row(i)..row(i) + width]`.
fn interpolate_rows(
    out: &mut [f64],
    n: usize,
    jump: usize,
    row: impl Fn(usize) -> usize,
    width: usize,
) {
    for (from, to) in gaps(n, jump) {
        let (a, b) = (row(from), row(to));
        for i in from + 1..to {
            let fraction = (i - from) as f64 / (to - from) as f64;
            // Rows do not overlap (width <= stride), so the row written lies strictly between
            // the two read.
            let (head, rest) = out.split_at_mut(row(i));
            let (mid, tail) = rest.split_at_mut(width);
            let next = &tail[b - row(i) - width..b - row(i)];
            for ((v, x), y) in mid.iter_mut().zip(&head[a..a + width]).zip(next) {
                *v = x + (y - x) * fraction;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass moment fit and the `stlest` filter compute the same local fit.
    #[test]
    fn moment_fits_equal_stlest_filters() {
        let y: Vec<f64> = (0..40)
            .map(|t| ((t * 37 % 11) as f64).sin() * 3.0 + t as f64 * 0.2)
            .collect();
        for degree in [LoessDegree::Constant, LoessDegree::Linear] {
            for len in [7, 13, 41, 61] {
                let s = Smoother::new(len, degree, 1, 40);
                let windows = [
                    (0, 6, -1.0),
                    (0, 6, 2.0),
                    (10, 22, 16.0),
                    (27, 39, 40.0),
                    (0, 39, 5.0),
                ];
                for (left, right, x) in windows {
                    let win = Window {
                        left,
                        right: right.min(left + len - 1),
                        x,
                    };
                    let mut w = vec![0.0; 40];
                    assert!(s.filter(40, win, &mut w));
                    let direct = dot(&w[..win.right + 1 - left], &y[left..=win.right]);
                    let moments = s.fit(&y, win, None, &mut vec![0.0; 40]).unwrap();
                    assert!(
                        (direct - moments).abs() < 1e-11,
                        "{degree:?} {len} {win:?}: {direct} vs {moments}"
                    );
                }
            }
        }
    }
}
