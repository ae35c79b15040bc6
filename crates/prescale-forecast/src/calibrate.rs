//! Calibrated quantiles from out-of-sample errors: a normalized split-conformal method.
//!
//! Errors e = actual − forecast come from rolling-origin backtests, tagged with their horizon
//! (1 = the first step after the origin). Errors grow with the horizon, and a few origins give
//! too few errors per horizon for a quantile, so:
//! 1. the scale s_h of each horizon is the mean |e| at that horizon, smoothed over neighbouring
//!    horizons and made non-decreasing (uncertainty does not shrink with distance);
//! 2. errors also grow with the level (a busy hour errs by more than a quiet one), so each is
//!    weighted by w(f) = (|f| + L/4) / (5L/4), f its forecast and L the mean |f| of the set;
//! 3. all errors are normalized, z = e / (s_h · w(f)), and pooled;
//! 4. the τ-quantile at horizon h is forecast_h + Q_τ(z) · s_h · w(forecast_h), where Q_τ is the
//!    conformal quantile (the ⌈(n + 1)·τ⌉-th smallest z for upper quantiles, symmetric for
//!    lower ones), so that coverage holds in finite samples when errors are exchangeable.
//!
//! Quantiles never go below zero (demand is non-negative) and never cross.

/// One out-of-sample error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Residual {
    /// Steps after the origin, from 1.
    pub horizon: usize,
    /// actual − forecast.
    pub error: f64,
    /// The forecast the error belongs to.
    pub forecast: f64,
}

/// Per-horizon scales and pooled normalized errors, ready to turn forecasts into quantiles.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    scales: Vec<f64>,
    sorted_z: Vec<f64>,
    /// Mean |forecast| of the residuals: the reference of the level weights.
    level: f64,
}

impl Calibration {
    /// Builds the calibration from residuals for horizons 1..=horizon. `floor` is the smallest
    /// scale allowed (e.g. a small share of the series level), so that a perfect backtest does
    /// not promise zero-width intervals.
    pub fn from_residuals(residuals: &[Residual], horizon: usize, floor: f64) -> Self {
        let usable: Vec<&Residual> = residuals
            .iter()
            .filter(|r| r.horizon >= 1 && r.error.is_finite() && r.forecast.is_finite())
            .collect();
        let level =
            usable.iter().map(|r| r.forecast.abs()).sum::<f64>() / usable.len().max(1) as f64;
        let weight = |f: f64| level_weight(f, level);
        let weighted: Vec<Residual> = usable
            .iter()
            .map(|r| Residual {
                error: r.error / weight(r.forecast),
                ..**r
            })
            .collect();
        let scales = horizon_scales(&weighted, horizon, floor);
        let mut sorted_z: Vec<f64> = weighted
            .iter()
            .map(|r| r.error / scales[(r.horizon - 1).min(horizon.saturating_sub(1))])
            .collect();
        sorted_z.sort_by(f64::total_cmp);
        Self {
            scales,
            sorted_z,
            level,
        }
    }

    /// Number of errors the calibration rests on.
    pub fn sample_size(&self) -> usize {
        self.sorted_z.len()
    }

    /// The scale at horizon `h` (1-based); past the calibrated horizons, the last one grown
    /// like √h.
    pub fn scale(&self, h: usize) -> f64 {
        let n = self.scales.len();
        if n == 0 {
            return 0.0;
        }
        if h <= n {
            self.scales[h.max(1) - 1]
        } else {
            self.scales[n - 1] * (h as f64 / n as f64).sqrt()
        }
    }

    /// The conformal quantile of normalized errors at level `tau` (0 < tau < 1).
    pub fn z_quantile(&self, tau: f64) -> f64 {
        let n = self.sorted_z.len();
        if n == 0 {
            // No evidence: a wide normal-like band rather than a false certainty.
            return normal_quantile(tau) * 1.5;
        }
        let pos = if tau >= 0.5 {
            ((n as f64 + 1.0) * tau).ceil() as usize
        } else {
            ((n as f64 + 1.0) * tau).floor() as usize
        };
        // Beyond the sample: extend by the spread of the tail instead of clamping silently.
        if pos == 0 {
            self.sorted_z[0] - (self.sorted_z[n.min(2) - 1] - self.sorted_z[0]).abs()
        } else if pos > n {
            self.sorted_z[n - 1] + (self.sorted_z[n - 1] - self.sorted_z[n.saturating_sub(2)]).abs()
        } else {
            self.sorted_z[pos - 1]
        }
    }

    /// Quantile `tau` of each step of a point forecast.
    pub fn quantile(&self, point: &[f64], tau: f64) -> Vec<f64> {
        let z = self.z_quantile(tau);
        point
            .iter()
            .enumerate()
            .map(|(i, p)| (p + z * self.scale(i + 1) * level_weight(*p, self.level)).max(0.0))
            .collect()
    }
}

/// How much larger errors are expected at forecast `f` than at the mean level.
fn level_weight(f: f64, level: f64) -> f64 {
    if level > 0.0 && f.is_finite() {
        (f.abs() + 0.25 * level) / (1.25 * level)
    } else {
        1.0
    }
}

/// Mean |e| per horizon, smoothed with its neighbours, non-decreasing, at least `floor`.
fn horizon_scales(residuals: &[Residual], horizon: usize, floor: f64) -> Vec<f64> {
    let mut sum = vec![0.0; horizon];
    let mut count = vec![0usize; horizon];
    for r in residuals
        .iter()
        .filter(|r| r.horizon >= 1 && r.horizon <= horizon)
    {
        if r.error.is_finite() {
            sum[r.horizon - 1] += r.error.abs();
            count[r.horizon - 1] += 1;
        }
    }
    let overall = {
        let (s, c) = (sum.iter().sum::<f64>(), count.iter().sum::<usize>());
        if c > 0 {
            s / c as f64
        } else {
            floor
        }
    };
    // A window of ±w horizons pools enough errors when there are few origins.
    let w = (horizon / 12).max(1);
    let mut scales: Vec<f64> = (0..horizon)
        .map(|h| {
            let lo = h.saturating_sub(w);
            let hi = (h + w).min(horizon - 1);
            let (s, c) = (lo..=hi).fold((0.0, 0), |(s, c), i| (s + sum[i], c + count[i]));
            if c > 0 {
                s / c as f64
            } else {
                overall
            }
        })
        .collect();
    let mut running = floor;
    for s in &mut scales {
        running = running.max(*s);
        *s = running;
    }
    scales
}

/// The standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9).
#[allow(clippy::excessive_precision)] // the published coefficients, as published
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.383577518672690e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantiles_match_tables() {
        assert!((normal_quantile(0.975) - 1.959964).abs() < 1e-6);
        assert!((normal_quantile(0.5)).abs() < 1e-12);
        assert!((normal_quantile(0.01) + 2.326348).abs() < 1e-6);
    }

    #[test]
    fn scales_grow_with_the_horizon_and_respect_the_floor() {
        let r: Vec<Residual> = (1..=10)
            .flat_map(|h| {
                [
                    Residual {
                        horizon: h,
                        error: h as f64,
                        forecast: 100.0,
                    },
                    Residual {
                        horizon: h,
                        error: -(h as f64),
                        forecast: 100.0,
                    },
                ]
            })
            .collect();
        let c = Calibration::from_residuals(&r, 10, 2.5);
        for h in 1..10 {
            assert!(c.scale(h + 1) >= c.scale(h));
        }
        assert!(c.scale(1) >= 2.5);
        assert!(c.scale(20) > c.scale(10));
    }

    #[test]
    fn conformal_quantiles_cover_fresh_errors_at_their_level() {
        // Errors drawn from the same (deterministic pseudo-random) law as the calibration set.
        let noise = |i: u64| {
            let x = (i
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407)
                >> 11) as f64;
            (x / (1u64 << 53) as f64) * 2.0 - 1.0
        };
        let calib: Vec<Residual> = (0..2000)
            .map(|i| Residual {
                horizon: 1 + (i % 24) as usize,
                error: noise(i) * 10.0,
                forecast: 100.0,
            })
            .collect();
        let c = Calibration::from_residuals(&calib, 24, 0.0);
        let hi = c.quantile(&[100.0; 24], 0.95);
        let lo = c.quantile(&[100.0; 24], 0.05);
        let fresh: Vec<(usize, f64)> = (5000..9000)
            .map(|i| ((i % 24) as usize, 100.0 + noise(i) * 10.0))
            .collect();
        let inside = fresh
            .iter()
            .filter(|(h, y)| *y <= hi[*h] && *y >= lo[*h])
            .count();
        let share = inside as f64 / fresh.len() as f64;
        assert!((0.87..=0.93).contains(&share), "coverage {share}");
    }

    #[test]
    fn quantiles_are_never_negative_and_do_not_cross() {
        let r = [
            Residual {
                horizon: 1,
                error: -50.0,
                forecast: 100.0,
            },
            Residual {
                horizon: 1,
                error: 50.0,
                forecast: 100.0,
            },
            Residual {
                horizon: 1,
                error: 0.0,
                forecast: 100.0,
            },
        ];
        let c = Calibration::from_residuals(&r, 1, 0.0);
        let lo = c.quantile(&[10.0], 0.05);
        let mid = c.quantile(&[10.0], 0.5);
        let hi = c.quantile(&[10.0], 0.95);
        assert!(lo[0] >= 0.0);
        assert!(lo[0] <= mid[0] && mid[0] <= hi[0]);
    }

    #[test]
    fn without_residuals_the_band_is_wide_not_zero() {
        let c = Calibration::from_residuals(&[], 3, 1.0);
        let hi = c.quantile(&[10.0; 3], 0.95);
        assert!(hi[0] > 11.0);
    }
}
