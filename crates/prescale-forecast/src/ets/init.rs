//! Heuristic initial states, as R's and statsforecast's `initstate`.
//!
//! Seasonal indexes come from a classical decomposition (centred moving average, then the
//! mean detrended value at each position of the cycle, Hyndman & Athanasopoulos, FPP3 §3.4)
//! over the whole series, as statsforecast does (R uses the first three periods); series of
//! fewer than three periods use a line plus one Fourier pair instead of the moving average.
//! Level and slope come from the mean, or a least-squares line, of the first
//! `max(10, 2m)` seasonally adjusted values.

use super::model::{EtsModel, State};
use super::SeasonKind;

/// The initial state of `model` for `y`, or `None` when `y` cannot support it (too short, or
/// degenerate for a multiplicative season).
pub(crate) fn initial_state(y: &[f64], model: &EtsModel) -> Option<State> {
    let mul = model.season == SeasonKind::Multiplicative;
    let season = if model.is_seasonal() {
        seasonal_indexes(y, model.period, mul)?
    } else {
        Vec::new()
    };
    let maxn = (2 * model.m()).max(10).min(y.len());
    let adjusted: Vec<f64> = y[..maxn]
        .iter()
        .enumerate()
        .map(|(t, &v)| match (season.get(t % season.len().max(1)), mul) {
            (Some(s), false) => v - s,
            (Some(s), true) => v / s,
            (None, _) => v,
        })
        .collect();
    let (level, slope) = if model.has_trend() {
        line(&adjusted)?
    } else {
        (mean(&adjusted)?, 0.0)
    };
    Some(State {
        level,
        slope,
        season,
    })
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Least-squares line on t = 1..=n: the level at t = 0 and the slope. Nudged away from
/// `l + b = 0`, where a multiplicative error's first relative error would divide by zero.
fn line(v: &[f64]) -> Option<(f64, f64)> {
    if v.len() < 2 {
        return None;
    }
    let n = v.len() as f64;
    let tbar = (n + 1.0) / 2.0;
    let ybar = mean(v)?;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, &yt) in v.iter().enumerate() {
        let dt = i as f64 + 1.0 - tbar;
        sxy += dt * (yt - ybar);
        sxx += dt * dt;
    }
    let b = sxy / sxx;
    let l = ybar - b * tbar;
    if (l + b).abs() < 1e-8 {
        return Some((l * (1.0 + 1e-3), b * (1.0 - 1e-3)));
    }
    Some((l, b))
}

/// Seasonal indexes by position in the cycle (position 0 = `y[0]`), normalised to mean 0
/// (additive) or 1 (multiplicative; indexes kept ≥ 0.01 so that the recursions never divide
/// by zero).
fn seasonal_indexes(y: &[f64], m: usize, mul: bool) -> Option<Vec<f64>> {
    if m < 2 || y.len() < m + 1 {
        return None;
    }
    let trend = if y.len() >= 3 * m {
        centred_average(y, m)
    } else {
        fourier_trend(y, m)?
    };
    let mut sums = vec![0.0; m];
    let mut counts = vec![0usize; m];
    for (t, (&v, tr)) in y.iter().zip(&trend).enumerate() {
        if let Some(tr) = tr {
            sums[t % m] += if mul { v / tr } else { v - tr };
            counts[t % m] += 1;
        }
    }
    let mut idx: Vec<f64> = sums
        .iter()
        .zip(&counts)
        .map(|(s, &c)| if c > 0 { s / c as f64 } else { f64::NAN })
        .collect();
    if idx.iter().any(|v| !v.is_finite()) {
        return None;
    }
    normalise(&mut idx, mul);
    idx.iter().all(|v| v.is_finite()).then_some(idx)
}

fn normalise(idx: &mut [f64], mul: bool) {
    let m = idx.len() as f64;
    if mul {
        idx.iter_mut().for_each(|v| *v = v.max(1e-2));
        let mean = idx.iter().sum::<f64>() / m;
        idx.iter_mut().for_each(|v| *v /= mean);
    } else {
        let mean = idx.iter().sum::<f64>() / m;
        idx.iter_mut().for_each(|v| *v -= mean);
    }
}

/// Centred moving average of order m (2×m for even m), undefined on the edges.
fn centred_average(y: &[f64], m: usize) -> Vec<Option<f64>> {
    let n = y.len();
    let half = m / 2;
    let even = 2 * half == m;
    let mut out = vec![None; n];
    // Window sum of y[t - half ..= t + half] (m + 1 values when m is even, m when odd).
    let width = if even { m + 1 } else { m };
    if n < width {
        return out;
    }
    let mut sum: f64 = y[..width].iter().sum();
    for t in half..n - half {
        if t > half {
            sum += y[t + half] - y[t - half - 1];
        }
        let inner = if even {
            sum - 0.5 * (y[t - half] + y[t + half])
        } else {
            sum
        };
        out[t] = Some(inner / m as f64);
    }
    out
}

/// Trend from a least-squares fit of `a + b t + c sin(2πt/m) + d cos(2πt/m)`, t = 1..=n, for
/// series too short for a moving average (R's and statsforecast's choice).
fn fourier_trend(y: &[f64], m: usize) -> Option<Vec<Option<f64>>> {
    let w = 2.0 * std::f64::consts::PI / m as f64;
    let row = |t: f64| {
        // sin(πt) vanishes for m = 2, which would make the system singular.
        let s = if m == 2 { 0.0 } else { (w * t).sin() };
        [1.0, t, s, (w * t).cos()]
    };
    let k = if m == 2 { 3 } else { 4 };
    let mut a = [[0.0; 5]; 4];
    for (i, &v) in y.iter().enumerate() {
        let r = row(i as f64 + 1.0);
        let r = if m == 2 { [r[0], r[1], r[3], 0.0] } else { r };
        for p in 0..k {
            for q in 0..k {
                a[p][q] += r[p] * r[q];
            }
            a[p][4] += r[p] * v;
        }
    }
    let coef = solve(&mut a, k)?;
    Some(
        (0..y.len())
            .map(|i| Some(coef[0] + coef[1] * (i as f64 + 1.0)))
            .collect(),
    )
}

/// Gaussian elimination with partial pivoting on the augmented `k × (k+1)` system.
fn solve(a: &mut [[f64; 5]; 4], k: usize) -> Option<[f64; 4]> {
    for col in 0..k {
        let piv = (col..k).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[piv][col].abs() < 1e-12 * a[col][col].abs().max(1.0) {
            return None;
        }
        a.swap(col, piv);
        let pivot = a[col];
        for r in (0..k).filter(|&r| r != col) {
            let f = a[r][col] / pivot[col];
            for (v, p) in a[r][col..].iter_mut().zip(&pivot[col..]) {
                *v -= f * p;
            }
        }
    }
    let mut x = [0.0; 4];
    for i in 0..k {
        x[i] = a[i][4] / a[i][i];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ets::{ErrorKind, TrendKind};

    fn model(trend: TrendKind, season: SeasonKind, period: usize) -> EtsModel {
        EtsModel {
            error: ErrorKind::Additive,
            trend,
            damped: false,
            season,
            period,
        }
    }

    #[test]
    fn a_line_gives_its_intercept_and_slope() {
        let y: Vec<f64> = (1..=30).map(|t| 5.0 + 2.0 * t as f64).collect();
        let s = initial_state(&y, &model(TrendKind::Additive, SeasonKind::None, 1)).unwrap();
        assert!(
            (s.level - 5.0).abs() < 1e-9 && (s.slope - 2.0).abs() < 1e-9,
            "{s:?}"
        );
    }

    #[test]
    fn the_moving_average_of_a_pure_cycle_is_its_mean() {
        for m in [4, 5] {
            let y: Vec<f64> = (0..40).map(|t| 10.0 + (t % m) as f64).collect();
            let ma = centred_average(&y, m);
            let mean = 10.0 + (m - 1) as f64 / 2.0;
            assert!(
                ma.iter().flatten().all(|v| (v - mean).abs() < 1e-9),
                "m = {m}"
            );
            assert_eq!(ma.iter().flatten().count(), 40 - 2 * (m / 2));
        }
    }

    #[test]
    fn seasonal_indexes_recover_a_cycle_long_or_short() {
        let pattern = [3.0, -1.0, -2.0, 0.0];
        for len in [40, 10] {
            let y: Vec<f64> = (0..len)
                .map(|t| 50.0 + 0.5 * t as f64 + pattern[t % 4])
                .collect();
            let s =
                initial_state(&y, &model(TrendKind::Additive, SeasonKind::Additive, 4)).unwrap();
            for (got, want) in s.season.iter().zip(pattern) {
                assert!((got - want).abs() < 0.3, "len {len}: {:?}", s.season);
            }
            assert!((s.slope - 0.5).abs() < 0.05, "len {len}: {s:?}");
        }
    }

    #[test]
    fn multiplicative_indexes_average_one() {
        let y: Vec<f64> = (0..96)
            .map(|t| 100.0 * (1.0 + 0.5 * (t as f64 * 0.7).sin().signum() * ((t % 8) as f64 / 8.0)))
            .collect();
        let s = initial_state(&y, &model(TrendKind::None, SeasonKind::Multiplicative, 8)).unwrap();
        let mean = s.season.iter().sum::<f64>() / 8.0;
        assert!((mean - 1.0).abs() < 1e-12 && s.season.iter().all(|&v| v > 0.0));
    }
}
