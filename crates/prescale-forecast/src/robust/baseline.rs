//! The robust baseline both detectors compare the series with: a running-median level and a
//! seasonal profile made of medians by phase over neighbouring cycles.
//!
//! Medians make it insensitive to what the detectors look for: a spike is a minority in every
//! window, and a running median keeps a step sharp instead of smoothing it into a ramp (Tukey
//! 1977, "Exploratory Data Analysis", ch. 7, running medians).

/// σ = 1.4826 · MAD for normal data.
const MAD_TO_SIGMA: f64 = 1.4826;

/// σ = √(π/2) · mean absolute deviation for normal data: the fallback when more than half the
/// residuals are exactly equal (quantized or mostly constant series), where the MAD is 0.
const MEAN_AD_TO_SIGMA: f64 = 1.2533;

/// A seasonal profile needs this many cycles: with fewer, a median by phase cannot outvote
/// one abnormal cycle.
pub const MIN_CYCLES: usize = 3;

/// The seasonal median at a phase uses the cycles within this distance (5 cycles): local
/// enough to follow a slowly changing shape, and it tolerates two abnormal cycles out of five.
const NEIGHBOUR_CYCLES: usize = 2;

/// Without a period, the level is the median of this many steps: a run of up to a quarter of
/// it cannot move the median.
const NONSEASONAL_WINDOW: usize = 13;

/// Rounds of level and seasonal profile, each estimated on the series without the other.
const ROUNDS: usize = 2;

/// Running medians are computed every `window / JUMP_DIVISOR` steps and interpolated in
/// between, as STL's LOESS does (Cleveland et al. 1990): the cost stays linear in the length.
const JUMP_DIVISOR: usize = 10;

/// Level and seasonal profile of a series, each as long as it.
pub struct Baseline {
    /// Running median of the series over `window` steps, centred.
    pub level: Vec<f64>,
    /// Median by phase of `y - level` over neighbouring cycles (zeros without a period).
    pub seasonal: Vec<f64>,
    /// Length of the level's window: a whole number of cycles, so the median ignores the cycle.
    pub window: usize,
}

impl Baseline {
    /// The baseline of `y` (finite values) for seasonal `periods` in steps (any order).
    pub fn new(y: &[f64], periods: &[usize]) -> Self {
        let usable: Vec<usize> = periods
            .iter()
            .copied()
            .filter(|&p| p >= 2 && y.len() >= p.saturating_mul(MIN_CYCLES))
            .collect();
        let window = match usable.iter().min() {
            Some(&p) => p * NONSEASONAL_WINDOW.div_ceil(p),
            None => NONSEASONAL_WINDOW,
        };
        let mut level = running_median(y, window);
        let mut seasonal = vec![0.0; y.len()];
        if let Some(&p) = usable.iter().max() {
            // The median of a raw cycle sits on its steepest part, where one spike moves it by
            // a whole step of the cycle; the second round takes it on the deseasonalised
            // series, where values are dense around the median (STL's inner loop, in medians).
            for _ in 0..ROUNDS {
                let detrended: Vec<f64> = y.iter().zip(&level).map(|(v, l)| v - l).collect();
                seasonal = phase_medians(&detrended, p);
                let adjusted: Vec<f64> = y.iter().zip(&seasonal).map(|(v, s)| v - s).collect();
                level = running_median(&adjusted, window);
            }
        }
        Baseline {
            level,
            seasonal,
            window,
        }
    }

    /// The expected value at `i`.
    pub fn at(&self, i: usize) -> f64 {
        self.level[i] + self.seasonal[i]
    }

    /// `y` minus its seasonal profile.
    pub fn adjusted(&self, y: &[f64]) -> Vec<f64> {
        y.iter().zip(&self.seasonal).map(|(v, s)| v - s).collect()
    }

    /// Distance from `y[i]` to the nearer of the levels just before and just after `i` (each
    /// over half a window on one side), seasonal profile removed. At a genuine level shift a
    /// point is close to one of the two sides; a spike is far from both.
    pub fn one_sided_distance(&self, y: &[f64], i: usize) -> f64 {
        let n = self.level.len();
        let half = self.window.div_ceil(2);
        let before = self.level[i.saturating_sub(half)];
        let after = self.level[(i + half).min(n - 1)];
        let v = y[i] - self.seasonal[i];
        (v - before).abs().min((v - after).abs())
    }

    /// Robust standard deviation of the residuals `y - level - seasonal`.
    pub fn noise(&self, y: &[f64]) -> f64 {
        let r: Vec<f64> = (0..y.len()).map(|i| y[i] - self.at(i)).collect();
        robust_scale(&r)
    }
}

/// Running median of `x` over `window` steps, centred where the series allows it (shifted
/// inside it at the ends), evaluated every `ceil(window / 10)` steps and interpolated.
pub fn running_median(x: &[f64], window: usize) -> Vec<f64> {
    let n = x.len();
    if n == 0 {
        return Vec::new();
    }
    let w = window.clamp(1, n);
    let jump = w.div_ceil(JUMP_DIVISOR);
    let mut grid: Vec<usize> = (0..n).step_by(jump).collect();
    if grid.last() != Some(&(n - 1)) {
        grid.push(n - 1);
    }
    let mut buf = Vec::with_capacity(w);
    let at_grid: Vec<f64> = grid
        .iter()
        .map(|&i| {
            let start = i.saturating_sub(w / 2).min(n - w);
            buf.clear();
            buf.extend_from_slice(&x[start..start + w]);
            median_in_place(&mut buf)
        })
        .collect();
    interpolate(&grid, &at_grid, n)
}

/// Linear interpolation of values known at ascending `grid` indices (first 0, last n - 1).
fn interpolate(grid: &[usize], values: &[f64], n: usize) -> Vec<f64> {
    let mut out = vec![0.0; n];
    for (g, v) in grid.windows(2).zip(values.windows(2)) {
        let span = (g[1] - g[0]) as f64;
        for (k, o) in out[g[0]..=g[1]].iter_mut().enumerate() {
            *o = v[0] + (v[1] - v[0]) * k as f64 / span;
        }
    }
    if let (1, Some(&v)) = (grid.len(), values.first()) {
        out.fill(v);
    }
    out
}

/// For each point, the median of `x` at the same phase of `period` over the neighbouring
/// cycles, the point's own cycle left out so that its residual is an honest prediction error
/// (with it in, one point in five would be its own median and the MAD would shrink). The
/// window is shifted, not shortened, near the ends.
fn phase_medians(x: &[f64], period: usize) -> Vec<f64> {
    let mut out = vec![0.0; x.len()];
    let mut cycle: Vec<f64> = Vec::new();
    let mut buf: Vec<f64> = Vec::with_capacity(2 * NEIGHBOUR_CYCLES + 1);
    for phase in 0..period.min(x.len()) {
        cycle.clear();
        cycle.extend(x[phase..].iter().step_by(period));
        let span = (2 * NEIGHBOUR_CYCLES + 1).min(cycle.len());
        for k in 0..cycle.len() {
            let start = k.saturating_sub(NEIGHBOUR_CYCLES).min(cycle.len() - span);
            buf.clear();
            buf.extend_from_slice(&cycle[start..k]);
            buf.extend_from_slice(&cycle[k + 1..start + span]);
            out[phase + k * period] = median_in_place(&mut buf);
        }
    }
    out
}

/// Median of `x` (reordered); 0 when empty.
pub fn median_in_place(x: &mut [f64]) -> f64 {
    let n = x.len();
    if n == 0 {
        return 0.0;
    }
    let (lower, upper, _) = x.select_nth_unstable_by(n / 2, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        return upper;
    }
    let below = lower.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (below + upper) / 2.0
}

/// Median of `x`.
pub fn median(x: &[f64]) -> f64 {
    median_in_place(&mut x.to_vec())
}

/// Robust standard deviation: 1.4826 · MAD (Hampel 1974, "The influence curve and its role in
/// robust estimation", JASA 69(346)), or 1.2533 · mean absolute deviation when the MAD is 0.
pub fn robust_scale(x: &[f64]) -> f64 {
    let centre = median(x);
    let mut deviations: Vec<f64> = x.iter().map(|v| (v - centre).abs()).collect();
    let mean = deviations.iter().sum::<f64>() / deviations.len().max(1) as f64;
    let mad = median_in_place(&mut deviations);
    if mad > 0.0 {
        MAD_TO_SIGMA * mad
    } else {
        MEAN_AD_TO_SIGMA * mean
    }
}
