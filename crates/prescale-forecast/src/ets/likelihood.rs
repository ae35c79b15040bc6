//! The criterion a fit minimises, R's `lik` (−2 log-likelihood up to a constant), and its
//! concentrated form in which the initial level and slope are solved for, not searched.
//!
//! `lik = n log Σeₜ²` with `eₜ = yₜ − ŷₜ` for additive errors; with `eₜ = (yₜ − ŷₜ)/ŷₜ`
//! plus `2 Σ log|ŷₜ|` for multiplicative ones (Hyndman et al. 2008, §5.2).
//!
//! Concentration: for additive errors and seasons the forecasts are affine in the initial
//! level and slope, `ŷ = ŷ⁰ + J δ`, so the best `δ` for given smoothing parameters is the
//! least-squares solution of a 2 × 2 system built from the sensitivities `J` (`filter.rs`);
//! this is exact, and the sums it needs are gathered during the filter pass itself. For
//! multiplicative components it is one weighted least-squares step on the relative errors (the
//! `Σ log|ŷ|` term, which hardly depends on the initial state, is left out of the step but not
//! out of the criterion). R and statsforecast put the initial states into the simplex instead.

use super::ErrorKind;

/// The criterion at the best initial level and slope, and the corrections that reach them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Profiled {
    pub lik: f64,
    pub d_level: f64,
    pub d_slope: f64,
}

/// The criterion for the forecasts `fc`: `+inf` for non-finite values or, under
/// multiplicative errors, a non-positive forecast; perfect fits are clamped at −1e10 as in R.
pub(crate) fn likelihood(error: ErrorKind, y: &[f64], fc: &[f64]) -> f64 {
    let n = y.len() as f64;
    let lik = match error {
        ErrorKind::Additive => {
            n * y
                .iter()
                .zip(fc)
                .map(|(a, f)| (a - f).powi(2))
                .sum::<f64>()
                .ln()
        }
        ErrorKind::Multiplicative => {
            if !fc.iter().all(|&f| f > 0.0) {
                return f64::INFINITY;
            }
            let sse: f64 = y.iter().zip(fc).map(|(a, f)| ((a - f) / f).powi(2)).sum();
            n * sse.ln() + 2.0 * fc.iter().map(|f| f.ln()).sum::<f64>()
        }
    };
    clamp(lik)
}

/// Running sums of one profiling pass (`filter::profile`): residuals `r` and the regressors
/// `a = w ∂ŷ/∂l₀`, `b = w ∂ŷ/∂b₀`, with `w = 1` for additive errors and `w = 1/ŷ` for
/// relative ones (the relative error `(y − ŷ − Jδ)/ŷ` linearised with its denominator held:
/// the Gauss–Newton step on `y/ŷ − 1` overshoots badly where ŷ is far above y), and for
/// multiplicative errors `Σ log ŷ` and its derivatives.
#[derive(Debug, Clone)]
pub(crate) struct Stats {
    n: usize,
    rr: f64,
    aa: f64,
    ab: f64,
    bb: f64,
    ar: f64,
    br: f64,
    /// Σ (∂ŷ/∂l₀)/ŷ and Σ (∂ŷ/∂b₀)/ŷ: the derivatives of Σ log ŷ.
    dlog_l: f64,
    dlog_b: f64,
    /// `Σ log₂ ŷ/scale` is `exp2 + log₂ prod`: every eight steps the binary exponent of the
    /// running product moves into `exp2`, so no logarithm is taken inside the pass.
    exp2: i64,
    prod: f64,
    in_prod: usize,
    inv_scale: f64,
    /// A forecast was not positive, or a product left the normal range.
    bad: bool,
}

impl Stats {
    pub fn new(scale: f64) -> Self {
        let inv_scale = if scale.is_normal() {
            1.0 / scale.abs()
        } else {
            1.0
        };
        Stats {
            n: 0,
            rr: 0.0,
            aa: 0.0,
            ab: 0.0,
            bb: 0.0,
            ar: 0.0,
            br: 0.0,
            dlog_l: 0.0,
            dlog_b: 0.0,
            exp2: 0,
            prod: 1.0,
            in_prod: 0,
            inv_scale,
            bad: false,
        }
    }

    /// Adds observation `y`, forecast `f` and the forecast's sensitivities `jl`, `jb`.
    #[inline(always)]
    pub fn add<const MUL_ERR: bool>(&mut self, y: f64, f: f64, jl: f64, jb: f64) {
        self.n += 1;
        let (r, a, b) = if MUL_ERR {
            let inv = 1.0 / f;
            let (r, a, b) = ((y - f) * inv, jl * inv, jb * inv);
            self.dlog_l += a;
            self.dlog_b += b;
            self.bad |= f <= 0.0;
            self.prod *= f * self.inv_scale;
            self.in_prod += 1;
            if self.in_prod == 8 {
                self.flush();
            }
            (r, a, b)
        } else {
            (y - f, jl, jb)
        };
        self.rr += r * r;
        self.aa += a * a;
        self.ab += a * b;
        self.bb += b * b;
        self.ar += a * r;
        self.br += b * r;
    }

    /// Adds observation `y` and forecast `f` once the sensitivities have vanished: only the
    /// residual and, for relative errors, `Σ log ŷ` still change.
    #[inline(always)]
    pub fn add_residual<const MUL_ERR: bool>(&mut self, y: f64, f: f64) {
        self.n += 1;
        let r = if MUL_ERR {
            self.bad |= f <= 0.0;
            self.prod *= f * self.inv_scale;
            self.in_prod += 1;
            if self.in_prod == 8 {
                self.flush();
            }
            (y - f) / f
        } else {
            y - f
        };
        self.rr += r * r;
    }

    /// Moves the binary exponent of the product into `exp2`, leaving a mantissa in [1, 2).
    fn flush(&mut self) {
        const EXP: u64 = 0x7ff << 52;
        let bits = self.prod.to_bits();
        let exp = ((bits & EXP) >> 52) as i64;
        if exp == 0 || exp == 0x7ff || self.prod < 0.0 {
            // Zero, subnormal, infinite or NaN: forecasts 1e38 away from the data's scale.
            (self.bad, self.prod) = (true, 1.0);
        } else {
            self.exp2 += exp - 1023;
            self.prod = f64::from_bits((bits & !EXP) | (1023 << 52));
        }
        self.in_prod = 0;
    }

    /// The criterion at the best initial level (and slope, if `slope`) and the corrections.
    /// Exact for additive models; for multiplicative ones the quadratic (Gauss–Newton) model of
    /// the relative sum of squares and the linear one of `Σ log ŷ`, both accurate to second
    /// order in the (small) corrections. The fit's final criterion is always recomputed exactly.
    pub fn concentrate(mut self, error: ErrorKind, slope: bool) -> Profiled {
        if self.in_prod > 0 {
            self.flush();
        }
        let (d_level, d_slope) = if slope {
            solve2(self.aa, self.ab, self.bb, self.ar, self.br)
        } else {
            (ratio(self.ar, self.aa), 0.0)
        };
        // At the least-squares solution Σ(r − Jδ)² = Σr² − δ·(Jᵀr); rounding may push it below 0.
        let sse = (self.rr - (d_level * self.ar + d_slope * self.br)).max(self.rr * 1e-15);
        let n = self.n as f64;
        let lik = match error {
            ErrorKind::Additive => n * sse.ln(),
            ErrorKind::Multiplicative if self.bad => f64::INFINITY,
            ErrorKind::Multiplicative => {
                let log_sum = self.exp2 as f64 * std::f64::consts::LN_2 + self.prod.ln();
                let logs = log_sum - n * self.inv_scale.ln()
                    + self.dlog_l * d_level
                    + self.dlog_b * d_slope;
                n * sse.ln() + 2.0 * logs
            }
        };
        Profiled {
            lik: clamp(lik),
            d_level,
            d_slope,
        }
    }
}

/// `c / g`, or 0 when `g` leaves nothing to solve.
fn ratio(c: f64, g: f64) -> f64 {
    let v = c / g;
    if g > 0.0 && v.is_finite() {
        v
    } else {
        0.0
    }
}

/// Solves `[[g11, g12], [g12, g22]] δ = c`; when the two columns are (nearly) collinear, as
/// when α ≈ 1 forgets the start at once, only the level moves.
fn solve2(g11: f64, g12: f64, g22: f64, c1: f64, c2: f64) -> (f64, f64) {
    let det = g11 * g22 - g12 * g12;
    if det > 1e-10 * g11 * g22 {
        let (a, b) = ((g22 * c1 - g12 * c2) / det, (g11 * c2 - g12 * c1) / det);
        if a.is_finite() && b.is_finite() {
            return (a, b);
        }
    }
    (ratio(c1, g11), 0.0)
}

/// `+inf` for a NaN or infinite criterion; perfect fits are clamped at −1e10 as in R.
fn clamp(lik: f64) -> f64 {
    if lik.is_nan() || lik == f64::INFINITY {
        f64::INFINITY
    } else {
        lik.max(-1e10)
    }
}
