//! One STL fit on preallocated buffers: the inner loop (cycle-subseries smoothing, low-pass
//! filter, trend smoothing) and the outer robustness loop of Cleveland et al. (1990), as in the
//! netlib Fortran `stlstp`, `stlss`, `stlfts` and `stlrwt`. MSTL refits the same period several
//! times, so an engine is built once per period and reused.

use super::loess::{LoessDegree, Plan, Smoother, Window};

/// STL settings with every default resolved and validated.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Settings {
    pub(super) period: usize,
    /// (window, degree, jump) of the seasonal, trend and low-pass smoothers.
    pub(super) seasonal: (usize, LoessDegree, usize),
    pub(super) trend: (usize, LoessDegree, usize),
    pub(super) low_pass: (usize, LoessDegree, usize),
    pub(super) inner: usize,
    pub(super) outer: usize,
}

/// Buffers and smoothers for fitting series of one length with one set of settings.
pub(super) struct Engine {
    period: usize,
    inner: usize,
    outer: usize,
    seasonal: Smoother,
    trend_smoother: Smoother,
    low_pass: Smoother,
    /// Precomputed non-robust fits: the subseries' (one per distinct length, with their two
    /// extrapolations), the trend's and the low-pass'; empty or `None` means fit point by point.
    subseries_plans: Vec<Plan>,
    trend_plan: Option<Plan>,
    low_pass_plan: Option<Plan>,
    season: Vec<f64>,
    trend: Vec<f64>,
    weights: Vec<f64>,
    use_weights: bool,
    /// The series minus the trend, then minus the season (the trend smoother's input).
    adjusted: Vec<f64>,
    /// Smoothed cycle-subseries, one period longer at each end (n + 2 * period).
    cycle: Vec<f64>,
    averaged: Vec<f64>,
    averaged_twice: Vec<f64>,
    low: Vec<f64>,
    sub: Vec<f64>,
    sub_weights: Vec<f64>,
    sub_fit: Vec<f64>,
    scratch: Vec<f64>,
}

impl Engine {
    /// An engine for series of `n` points; `n > 2 * period` is checked by the caller.
    pub(super) fn new(n: usize, s: &Settings) -> Self {
        let p = s.period;
        let sub_len = (n - 1) / p + 1;
        let smoother = |(len, degree, jump): (usize, LoessDegree, usize), max| {
            Smoother::new(len, degree, jump, max)
        };
        let (seasonal, trend_smoother) = (smoother(s.seasonal, sub_len), smoother(s.trend, n));
        let low_pass = smoother(s.low_pass, n);
        Engine {
            period: p,
            inner: s.inner,
            outer: s.outer,
            subseries_plans: subseries_plans(&seasonal, n, p),
            trend_plan: trend_smoother.plan(n, 0, &[]),
            low_pass_plan: low_pass.plan(n, 0, &[]),
            seasonal,
            trend_smoother,
            low_pass,
            season: vec![0.0; n],
            trend: vec![0.0; n],
            // Robustness weights exist only for robust fits.
            weights: vec![1.0; if s.outer > 0 { n } else { 0 }],
            use_weights: false,
            adjusted: vec![0.0; n],
            cycle: vec![0.0; n + 2 * p],
            averaged: vec![0.0; n + p + 1],
            averaged_twice: vec![0.0; n + 2],
            low: vec![0.0; n],
            sub: vec![0.0; sub_len],
            sub_weights: vec![1.0; if s.outer > 0 { sub_len } else { 0 }],
            sub_fit: vec![0.0; sub_len + 2],
            scratch: vec![0.0; n],
        }
    }

    /// Decomposes `y` (of the length the engine was built for) from scratch: `1 + outer` passes
    /// of the inner loop, robustness weights recomputed between passes (netlib `stl`/`stlez`).
    pub(super) fn fit(&mut self, y: &[f64]) {
        self.season.fill(0.0);
        self.trend.fill(0.0);
        self.weights.fill(1.0);
        self.use_weights = false;
        for pass in 0..=self.outer {
            if pass > 0 {
                self.robustness_weights(y);
                self.use_weights = true;
            }
            for _ in 0..self.inner {
                self.inner_step(y);
            }
        }
    }

    pub(super) fn season(&self) -> &[f64] {
        &self.season
    }

    pub(super) fn trend(&self) -> &[f64] {
        &self.trend
    }

    /// One pass of the inner loop: detrend, smooth each cycle-subseries, remove the low-pass of
    /// that (so the season carries no trend), then smooth the deseasonalised series.
    fn inner_step(&mut self, y: &[f64]) {
        for ((a, y), t) in self.adjusted.iter_mut().zip(y).zip(&self.trend) {
            *a = y - t;
        }
        self.smooth_subseries();
        self.low_pass_filter();
        let p = self.period;
        for (i, s) in self.season.iter_mut().enumerate() {
            *s = self.cycle[p + i] - self.low[i];
            self.adjusted[i] = y[i] - *s;
        }
        match (&self.trend_plan, self.use_weights) {
            (Some(plan), false) => plan.apply(&self.adjusted, &mut self.trend),
            _ => {
                let rw = self.use_weights.then_some(self.weights.as_slice());
                let scratch = &mut self.scratch;
                self.trend_smoother
                    .smooth(&self.adjusted, rw, &mut self.trend, scratch);
            }
        }
    }

    /// Smooths the values at each phase of the cycle separately and extends each by one point
    /// at both ends, so `cycle` spans one period before and after the series (netlib `stlss`).
    fn smooth_subseries(&mut self) {
        if self.use_weights || self.subseries_plans.is_empty() {
            return self.smooth_subseries_one_by_one();
        }
        let (n, p) = (self.adjusted.len(), self.period);
        // Phases 0..long have one point more than the others; each length has its plan.
        let long = (n - 1) % p + 1;
        for plan in &self.subseries_plans {
            let cols = if plan.n() == (n - 1) / p + 1 {
                0..long
            } else {
                long..p
            };
            plan.apply_columns(&self.adjusted, p, cols, &mut self.cycle);
        }
    }

    /// The cycle-subseries gathered and smoothed one at a time, with robustness weights.
    fn smooth_subseries_one_by_one(&mut self) {
        let (n, p) = (self.adjusted.len(), self.period);
        for phase in 0..p {
            let k = (n - 1 - phase) / p + 1;
            for (m, v) in self.sub[..k].iter_mut().enumerate() {
                *v = self.adjusted[m * p + phase];
            }
            if self.use_weights {
                for (m, v) in self.sub_weights[..k].iter_mut().enumerate() {
                    *v = self.weights[m * p + phase];
                }
            }
            self.smooth_one_subseries(k);
            for (m, v) in self.sub_fit[..k + 2].iter().enumerate() {
                self.cycle[m * p + phase] = *v;
            }
        }
    }

    /// Smooths `sub[..k]` into `sub_fit[1..=k]` and extrapolates `sub_fit[0]` and
    /// `sub_fit[k + 1]`, falling back to the nearest fit when a window has no weight.
    fn smooth_one_subseries(&mut self, k: usize) {
        let sub = &self.sub[..k];
        let rw = self.use_weights.then_some(&self.sub_weights[..k]);
        let (out, scratch) = (&mut self.sub_fit, &mut self.scratch);
        self.seasonal.smooth(sub, rw, &mut out[1..=k], scratch);
        let [before, after] = extrapolation_windows(self.seasonal.len(), k);
        out[0] = self
            .seasonal
            .fit(sub, before, rw, scratch)
            .unwrap_or(out[1]);
        out[k + 1] = self.seasonal.fit(sub, after, rw, scratch).unwrap_or(out[k]);
    }

    /// Moving averages of length period, period and 3, then LOESS: the low-frequency part of
    /// `cycle`, `n` points long (netlib `stlfts` followed by `stless`).
    fn low_pass_filter(&mut self) {
        let (n, p) = (self.season.len(), self.period);
        moving_average(&self.cycle, p, &mut self.averaged[..n + p + 1]);
        moving_average(
            &self.averaged[..n + p + 1],
            p,
            &mut self.averaged_twice[..n + 2],
        );
        moving_average(&self.averaged_twice[..n + 2], 3, &mut self.averaged[..n]);
        let (low, scratch) = (&mut self.low, &mut self.scratch);
        match &self.low_pass_plan {
            Some(plan) => plan.apply(&self.averaged[..n], low),
            None => self
                .low_pass
                .smooth(&self.averaged[..n], None, low, scratch),
        }
    }

    /// Bisquare weights of the residuals scaled by six times their median absolute value
    /// (netlib `stlrwt`, with the exact median that statsmodels uses).
    fn robustness_weights(&mut self, y: &[f64]) {
        let n = y.len();
        let fitted = self.trend.iter().zip(&self.season);
        for ((w, y), (t, s)) in self.weights.iter_mut().zip(y).zip(fitted) {
            *w = (y - t - s).abs();
        }
        let scratch = &mut self.scratch[..n];
        scratch.copy_from_slice(&self.weights);
        let cmad = 6.0 * median(scratch);
        bisquare(&mut self.weights, cmad);
    }
}

/// The windows of the fits one period before and after a subseries of `k` points, smoothed
/// with windows of `len`: the `len` points nearest each end.
fn extrapolation_windows(len: usize, k: usize) -> [Window; 2] {
    let before = Window {
        left: 0,
        right: len.min(k) - 1,
        x: -1.0,
    };
    let after = Window {
        left: k.saturating_sub(len),
        right: k - 1,
        x: k as f64,
    };
    [before, after]
}

/// Plans for the subseries of a series of `n` points and period `p` (lengths `k` and maybe
/// `k - 1`), each smoothing into `[1, k]` and extrapolating to 0 and `k + 1`; empty when one
/// cannot be planned.
fn subseries_plans(seasonal: &Smoother, n: usize, p: usize) -> Vec<Plan> {
    let longest = (n - 1) / p + 1;
    let mut lengths = vec![longest];
    if (n - 1) % p != p - 1 {
        lengths.push(longest - 1);
    }
    let plan = |k: usize| {
        let [before, after] = extrapolation_windows(seasonal.len(), k);
        seasonal.plan(k, 1, &[(0, before), (k + 1, after)])
    };
    lengths
        .into_iter()
        .map(plan)
        .collect::<Option<Vec<Plan>>>()
        .unwrap_or_default()
}

/// Running mean of `len` consecutive values of `x`, written to every slot of `out`
/// (`out.len() == x.len() - len + 1`), updated incrementally as netlib `stlma` does.
fn moving_average(x: &[f64], len: usize, out: &mut [f64]) {
    let scale = 1.0 / len as f64;
    let mut sum: f64 = x[..len].iter().sum();
    out[0] = sum * scale;
    for j in 1..out.len() {
        sum += x[j + len - 1] - x[j - 1];
        out[j] = sum * scale;
    }
}

/// The median of `v` (reordered in place): the mean of the two middle values when even.
fn median(v: &mut [f64]) -> f64 {
    let n = v.len();
    if n == 0 {
        return 0.0;
    }
    let upper = n / 2;
    let (below, mid, _) = v.select_nth_unstable_by(upper, f64::total_cmp);
    let mid = *mid;
    if n % 2 == 1 {
        return mid;
    }
    let lower = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    0.5 * (mid + lower)
}

/// Replaces absolute residuals by bisquare weights on scale `cmad`; all weights are 1 when the
/// scale is 0 (a perfect fit leaves nothing to down-weight).
fn bisquare(r: &mut [f64], cmad: f64) {
    if cmad == 0.0 {
        r.fill(1.0);
        return;
    }
    let (c9, c1) = (0.999 * cmad, 0.001 * cmad);
    for v in r.iter_mut() {
        *v = if *v <= c1 {
            1.0
        } else if *v <= c9 {
            let q = *v / cmad;
            (1.0 - q * q) * (1.0 - q * q)
        } else {
            0.0
        };
    }
}
