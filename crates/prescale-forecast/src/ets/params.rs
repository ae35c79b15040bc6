//! The parameter space of a fit: R's "usual" bounds, the map from unbounded optimiser
//! coordinates onto them, R's starting values, and the admissibility (forecastability) test.
//!
//! Bounds as in R's `ets(bounds = "both")`: 1e-4 ≤ α ≤ 0.9999, 1e-4 ≤ β ≤ α,
//! 1e-4 ≤ γ ≤ 1 − α, 0.8 ≤ φ ≤ 0.98. Instead of rejecting points outside the box (R) or
//! clamping them (statsforecast), each parameter is a logistic function of a free coordinate,
//! so the simplex never wastes evaluations on the walls and the constraints β ≤ α and
//! γ ≤ 1 − α hold by construction. Inside the usual bounds the inequalities of R's
//! `admissible()` for non-seasonal models always hold (they need only φ ≤ 1 and 0 < β ≤ α < 1);
//! seasonal models still need its characteristic polynomial test, done here with the
//! Schur–Cohn recursion instead of a root finder (over half of the usual region of a damped
//! seasonal model with m = 12 fails it, by statsforecast's `admissible()` on random draws).

use super::model::{EtsModel, Params};

const LOWER: f64 = 1e-4;
const UPPER: f64 = 0.9999;
pub(crate) const PHI_LOWER: f64 = 0.8;
pub(crate) const PHI_UPPER: f64 = 0.98;

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Inverse of `logistic`, kept finite at the ends.
fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    (p / (1.0 - p)).ln()
}

/// `v` mapped from `[lo, hi]` to a free coordinate; the middle when the range is empty (β's
/// range is empty when α sits on its lower bound).
fn to_free(v: f64, lo: f64, hi: f64) -> f64 {
    let p = (v - lo) / (hi - lo);
    logit(if p.is_finite() { p } else { 0.5 })
}

fn from_free(x: f64, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * logistic(x)
}

/// Parameters from free coordinates, in the order α, β (trend), γ (season), φ (damped).
pub(crate) fn decode(model: &EtsModel, x: &[f64]) -> Params {
    let mut it = x.iter().copied();
    let alpha = from_free(it.next().unwrap_or(0.0), LOWER, UPPER);
    let beta = if model.has_trend() {
        from_free(it.next().unwrap_or(0.0), LOWER, alpha)
    } else {
        0.0
    };
    let gamma = if model.is_seasonal() {
        from_free(it.next().unwrap_or(0.0), LOWER, (1.0 - alpha).max(LOWER))
    } else {
        0.0
    };
    let phi = if model.damped {
        from_free(it.next().unwrap_or(0.0), PHI_LOWER, PHI_UPPER)
    } else {
        1.0
    };
    Params {
        alpha,
        beta,
        gamma,
        phi,
    }
}

/// Free coordinates of `p` (inverse of `decode`).
pub(crate) fn encode(model: &EtsModel, p: &Params) -> Vec<f64> {
    let mut x = vec![to_free(p.alpha, LOWER, UPPER)];
    if model.has_trend() {
        x.push(to_free(p.beta, LOWER, p.alpha));
    }
    if model.is_seasonal() {
        x.push(to_free(p.gamma, LOWER, 1.0 - p.alpha));
    }
    if model.damped {
        x.push(to_free(p.phi, PHI_LOWER, PHI_UPPER));
    }
    x
}

/// R's `initparam`: α = 0.2/m of its range, β = 10 % of α, γ = 5 % of 1 − α, φ near its top.
pub(crate) fn start(model: &EtsModel) -> Params {
    let alpha = LOWER + 0.2 * (UPPER - LOWER) / model.m() as f64;
    let beta = if model.has_trend() {
        LOWER + 0.1 * (alpha - LOWER)
    } else {
        0.0
    };
    let gamma = if model.is_seasonal() {
        LOWER + 0.05 * (1.0 - alpha - LOWER)
    } else {
        0.0
    };
    let phi = if model.damped {
        PHI_LOWER + 0.99 * (PHI_UPPER - PHI_LOWER)
    } else {
        1.0
    };
    Params {
        alpha,
        beta,
        gamma,
        phi,
    }
}

/// R's `admissible()` for a seasonal model: the easy inequalities, then all roots of the
/// characteristic polynomial within the unit circle (tolerance 1e-10). Non-seasonal models
/// inside the usual bounds always pass, so they are not tested.
pub(crate) fn admissible(model: &EtsModel, p: &Params) -> bool {
    if !model.is_seasonal() {
        return true;
    }
    let (a, b, g, phi, m) = (p.alpha, p.beta, p.gamma, p.phi, model.period as f64);
    if g < (1.0 - 1.0 / phi - a).max(0.0) || g > 1.0 + 1.0 / phi - a {
        return false;
    }
    if a < 1.0 - 1.0 / phi - g * (1.0 - m + phi + phi * m) / (2.0 * phi * m) {
        return false;
    }
    if b < -(1.0 - phi) * (g / m + a) {
        return false;
    }
    roots_within(&characteristic(p, model.period), 1.0 + 1e-10)
}

/// R's characteristic polynomial, coefficients from the constant term up (degree m + 1).
fn characteristic(p: &Params, m: usize) -> Vec<f64> {
    let (a, b, g, phi) = (p.alpha, p.beta, p.gamma, p.phi);
    let mut c = Vec::with_capacity(m + 2);
    c.push(phi * (1.0 - a - g));
    c.push(a + b - a * phi + g - 1.0);
    c.extend(std::iter::repeat_n(a + b - a * phi, m.saturating_sub(2)));
    c.push(a + b - phi);
    c.push(1.0);
    c
}

/// Whether every root of the polynomial (coefficients from the constant term up) has modulus
/// below `radius`: Schur–Cohn recursion on `p(radius · z)`. Each step checks |p(0)| < |lead|
/// and replaces `p` by `(lead·p − p(0)·p*)/z`, which keeps the count of roots inside.
pub(crate) fn roots_within(coefs: &[f64], radius: f64) -> bool {
    let mut scale = 1.0;
    let mut a: Vec<f64> = coefs
        .iter()
        .map(|c| {
            let v = c * scale;
            scale *= radius;
            v
        })
        .collect();
    let mut next = vec![0.0; a.len()];
    for deg in (1..a.len()).rev() {
        let (a0, an) = (a[0], a[deg]);
        // NaN coefficients compare as not-less: rejected too.
        if a0.abs().partial_cmp(&an.abs()) != Some(std::cmp::Ordering::Less) {
            return false;
        }
        // Divided by the leading coefficient's square to keep the recursion in range; one
        // division per degree, as this runs at every evaluation of a seasonal model.
        let (u, v) = (an / (an * an), a0 / (an * an));
        for k in 0..deg {
            next[k] = u * a[k + 1] - v * a[deg - 1 - k];
        }
        std::mem::swap(&mut a, &mut next);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ets::{ErrorKind, SeasonKind, TrendKind};

    fn model(trend: bool, damped: bool, season: SeasonKind, period: usize) -> EtsModel {
        let trend = if trend {
            TrendKind::Additive
        } else {
            TrendKind::None
        };
        EtsModel {
            error: ErrorKind::Additive,
            trend,
            damped,
            season,
            period,
        }
    }

    #[test]
    fn decoded_parameters_respect_the_usual_bounds_everywhere() {
        let m = model(true, true, SeasonKind::Additive, 12);
        for &x in &[-50.0, -3.0, 0.0, 2.0, 50.0] {
            for &y in &[-50.0, 0.0, 50.0] {
                let p = decode(&m, &[x, y, -y, x]);
                assert!(p.alpha >= LOWER && p.alpha <= UPPER);
                assert!(p.beta >= LOWER && p.beta <= p.alpha);
                assert!(p.gamma >= LOWER && p.gamma <= 1.0 - p.alpha + 1e-12);
                assert!(p.phi >= PHI_LOWER && p.phi <= PHI_UPPER);
            }
        }
    }

    #[test]
    fn an_empty_range_encodes_to_its_middle() {
        let m = model(true, false, SeasonKind::None, 1);
        let p = Params {
            alpha: LOWER,
            beta: LOWER,
            gamma: 0.0,
            phi: 1.0,
        };
        let x = encode(&m, &p);
        assert!(x.iter().all(|v| v.is_finite()), "{x:?}");
        assert!((decode(&m, &x).beta - LOWER).abs() < 1e-8);
    }

    #[test]
    fn encode_inverts_decode() {
        let m = model(true, true, SeasonKind::Multiplicative, 24);
        let p = Params {
            alpha: 0.3,
            beta: 0.05,
            gamma: 0.2,
            phi: 0.9,
        };
        let q = decode(&m, &encode(&m, &p));
        assert!((p.alpha - q.alpha).abs() < 1e-12 && (p.beta - q.beta).abs() < 1e-12);
        assert!((p.gamma - q.gamma).abs() < 1e-12 && (p.phi - q.phi).abs() < 1e-12);
    }

    #[test]
    fn schur_cohn_tells_inside_from_outside() {
        // (z - 0.5)(z + 0.9) = z² + 0.4z - 0.45: inside.
        assert!(roots_within(&[-0.45, 0.4, 1.0], 1.0));
        // (z - 1.1)(z - 0.2) = z² - 1.3z + 0.22: one root outside.
        assert!(!roots_within(&[0.22, -1.3, 1.0], 1.0));
        // z² - 2 r cos θ z + r², r = 0.95: a complex pair inside; r = 1.05 outside.
        let pair = |r: f64| vec![r * r, -2.0 * r * 0.3f64.cos(), 1.0];
        assert!(roots_within(&pair(0.95), 1.0));
        assert!(!roots_within(&pair(1.05), 1.0));
        // A root exactly on the circle passes only with the tolerance.
        assert!(!roots_within(&[-1.0, 0.0, 1.0], 1.0));
        assert!(roots_within(&[-1.0, 0.0, 1.0], 1.0 + 1e-10));
    }

    #[test]
    fn admissibility_agrees_with_r_on_seasonal_models() {
        // Expected values from statsforecast's `admissible()` (a port of R's), m = 12.
        let m = model(true, true, SeasonKind::Additive, 12);
        let cases = [
            (0.3, 0.1, 0.2, 0.95, true),
            (0.05, 0.01, 0.9, 0.9, true),
            (0.9, 0.8, 0.0999, 0.98, false),
            (0.5, 0.4, 0.5, 0.98, false),
            (0.2, 0.15, 0.79, 0.8, false),
            (0.1, 0.05, 0.85, 0.98, true),
            (0.01, 0.005, 0.98, 0.98, true),
            (0.6, 0.5, 0.39, 0.8, false),
        ];
        for (alpha, beta, gamma, phi, want) in cases {
            let p = Params {
                alpha,
                beta,
                gamma,
                phi,
            };
            assert_eq!(admissible(&m, &p), want, "{p:?}");
        }
    }
}
