//! Penalized weighted least squares for the Prophet regression, in a few passes.
//!
//! Each pass solves the ridge normal equations `(Xᵀ W X + Λ) β = Xᵀ W z` by Cholesky, where
//! `Λ = σ² / τ²` per column is the MAP form of Prophet's Gaussian priors on seasonality and
//! events. Prophet's Laplace prior on slope changes is approximated the way Fan & Li (2001) do
//! (local quadratic approximation): a plain ridge first, then `σ² / (τ·|δ_prev|)`, so that the
//! solve stays closed-form and a slope change stays at its knot instead of spreading over its
//! neighbours (which a plain ridge does, overshooting the final slope). Between passes:
//! - `σ` is re-estimated from the residuals (MAD), so the priors weigh against the real noise;
//! - learned event columns are rebuilt as activity × the previous pass's baseline, which makes
//!   their coefficients relative lifts (a multiplicative effect, linear in each pass);
//! - in robust mode, Huber weights (c = 1.345) bound the pull of outliers such as incidents.

use super::design::{Design, Layout};
use super::gram::{self, Scratch};
use super::solve::cholesky_solve;
use crate::model::ForecastError;

/// Passes: the first is plain least squares, the others refine σ, events and weights; four
/// bring a 50× spike's pull on the forecast under 0.5 % (three leave about 1 %).
const PASSES: usize = 4;
/// First pass that approximates the Laplace prior on slope changes.
const LAPLACE_FROM: usize = 2;
/// Huber's constant (95 % efficiency under normal noise).
const HUBER: f64 = 1.345;
/// Noise floor in scaled units, so that a perfect fit still has positive penalties.
const SIGMA_FLOOR: f64 = 1e-6;
/// Smallest |δ| (in prior scales) the Laplace approximation divides by.
const LQA_FLOOR: f64 = 1e-3;
/// Penalty on the intercept and slope: only there to keep the system positive definite.
const FREE: f64 = 1e-9;

/// Prior scales (standard deviations, scaled units) of the coefficient groups.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Priors {
    pub changepoint: f64,
    pub seasonality: f64,
    pub events: f64,
}

/// Coefficients for the design's columns (`layout.width()` of them).
pub fn fit(
    design: &Design,
    layout: &Layout,
    priors: &Priors,
    robust: bool,
) -> Result<Vec<f64>, ForecastError> {
    let blocks = design.blocks();
    let mut huber = vec![1.0; blocks];
    // Before the first pass the baseline is unknown; the scaled target's typical level is 1.
    let mut base = vec![1.0; blocks];
    let mut sigma = initial_sigma(&design.z);
    let mut beta = Vec::new();
    // The fixed columns' normal equations with every Huber weight at 1, formed once: each
    // pass starts from them and takes out the share of the blocks it down-weights, typically
    // a fifth, instead of summing every block again.
    let mut scratch = Scratch::default();
    let full = Normal::fixed(design, &mut scratch);
    for pass in 0..PASSES {
        // The Laplace approximation starts from a fit already reweighted, or an outlier's
        // slope changes of the first pass would be kept.
        let previous = if pass >= LAPLACE_FROM {
            beta.as_slice()
        } else {
            &[]
        };
        let lambda = penalties(layout, priors, sigma, previous);
        beta = solve(design, layout, &full, &base, &huber, &lambda, &mut scratch)?;
        let resid = residuals(design, layout, &beta, &mut base);
        sigma = noise_scale(&resid, &design.weight);
        if robust {
            huber_weights(&resid, &design.weight, sigma, &mut huber);
        }
    }
    Ok(beta)
}

/// Noise guess before any fit: the spread of first differences (a smooth signal differs little
/// from step to step).
fn initial_sigma(z: &[f64]) -> f64 {
    let mut d: Vec<f64> = z.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    (median(&mut d) * 1.4826 / std::f64::consts::SQRT_2).max(SIGMA_FLOOR)
}

/// Ridge penalties `σ²/τ²`; on changepoints, once a previous pass gave `δ`, the local quadratic
/// approximation of the Laplace prior, `σ² / (τ·|δ|)`: small changes shrink to nothing, large
/// ones barely.
fn penalties(layout: &Layout, priors: &Priors, sigma: f64, previous: &[f64]) -> Vec<f64> {
    let var = sigma * sigma;
    let mut lambda = vec![FREE; layout.width()];
    let ridge = |tau: f64| var / (tau * tau) + FREE;
    let tau = priors.changepoint;
    for (j, l) in lambda.iter_mut().enumerate().take(layout.trend()).skip(2) {
        *l = match previous.get(j) {
            Some(d) => var / (tau * (d.abs() + LQA_FLOOR * tau)) + FREE,
            None => ridge(tau),
        };
    }
    lambda[layout.trend()..layout.fixed()].fill(ridge(priors.seasonality));
    lambda[layout.fixed()..].fill(ridge(priors.events));
    lambda
}

/// One weighted ridge solve.
fn solve(
    design: &Design,
    layout: &Layout,
    full: &Normal,
    base: &[f64],
    huber: &[f64],
    lambda: &[f64],
    scratch: &mut Scratch,
) -> Result<Vec<f64>, ForecastError> {
    let (p, f) = (layout.width(), design.fixed);
    let mut a = vec![0.0; p * p];
    let mut c = vec![0.0; p];
    for i in 0..f {
        a[i * p..i * p + f].copy_from_slice(&full.a[i * f..(i + 1) * f]);
    }
    c[..f].copy_from_slice(&full.c);
    let down: Vec<(usize, f64)> = (0..design.blocks())
        .filter(|&k| huber[k] < 1.0 && design.weight[k] > 0.0)
        .map(|k| (k, design.weight[k] * (huber[k] - 1.0)))
        .collect();
    let (rows, z) = (&design.rows, &design.z);
    gram::add_weighted(&mut a, p, &mut c, rows, f, z, &down, scratch);
    if design.groups > 0 {
        let mut row = vec![0.0; p];
        for k in 0..design.blocks() {
            let w = design.weight[k] * huber[k];
            if w > 0.0 {
                design.full_row(k, base[k], &mut row);
                accumulate_groups(&mut a, &mut c, &row, f, w, design.z[k]);
            }
        }
    }
    for i in 0..p {
        a[i * p + i] += lambda[i];
        for j in 0..i {
            a[i * p + j] = a[j * p + i];
        }
    }
    cholesky_solve(&mut a, &c, p)
        .ok_or_else(|| ForecastError::Invalid("prophet: singular normal equations".into()))
}

/// `Σ w X_k X_kᵀ` (upper triangle, `fixed × fixed`, row-major) and `Σ w z_k X_k` over the
/// fixed columns of every block, Huber weights all 1.
struct Normal {
    a: Vec<f64>,
    c: Vec<f64>,
}

impl Normal {
    fn fixed(design: &Design, scratch: &mut Scratch) -> Self {
        let f = design.fixed;
        let (mut a, mut c) = (vec![0.0; f * f], vec![0.0; f]);
        let all: Vec<(usize, f64)> = (0..design.blocks())
            .filter(|&k| design.weight[k] > 0.0)
            .map(|k| (k, design.weight[k]))
            .collect();
        let (rows, z) = (&design.rows, &design.z);
        gram::add_weighted(&mut a, f, &mut c, rows, f, z, &all, scratch);
        Normal { a, c }
    }
}

/// Adds the products of the group columns of `row` (from `fixed` on) with every column, and
/// their `w · z` terms: the part of the normal equations that moves with the baseline.
fn accumulate_groups(a: &mut [f64], c: &mut [f64], row: &[f64], fixed: usize, w: f64, z: f64) {
    let p = row.len();
    for i in 0..fixed {
        let wi = w * row[i];
        for (aij, rj) in a[i * p + fixed..(i + 1) * p].iter_mut().zip(&row[fixed..]) {
            *aij += wi * rj;
        }
    }
    for i in fixed..p {
        let wi = w * row[i];
        c[i] += wi * z;
        for (aij, rj) in a[i * p + i..(i + 1) * p].iter_mut().zip(&row[i..]) {
            *aij += wi * rj;
        }
    }
}

/// Residual per block; also updates `base` to the fitted baseline of each block.
fn residuals(design: &Design, layout: &Layout, beta: &[f64], base: &mut [f64]) -> Vec<f64> {
    let (b, fixed) = (layout.base(), layout.fixed());
    (0..design.blocks())
        .map(|k| {
            let row = &design.rows[k * fixed..(k + 1) * fixed];
            let baseline = dot(&row[..b], &beta[..b]);
            let acts = &design.activity[k * design.groups..(k + 1) * design.groups];
            let lift = dot(acts, &beta[fixed..]);
            base[k] = baseline;
            design.z[k] - (baseline * (1.0 + lift) + dot(&row[b..], &beta[b..fixed]))
        })
        .collect()
}

/// Robust noise scale of the weight-standardized residuals (MAD).
fn noise_scale(resid: &[f64], weight: &[f64]) -> f64 {
    let mut u: Vec<f64> = resid
        .iter()
        .zip(weight)
        .filter(|(_, &w)| w > 0.0)
        .map(|(r, w)| (r * w.sqrt()).abs())
        .collect();
    (median(&mut u) * 1.4826).max(SIGMA_FLOOR)
}

fn huber_weights(resid: &[f64], weight: &[f64], sigma: f64, out: &mut [f64]) {
    for ((h, r), w) in out.iter_mut().zip(resid).zip(weight) {
        let u = (r * w.sqrt()).abs();
        *h = if u <= HUBER * sigma {
            1.0
        } else {
            HUBER * sigma / u
        };
    }
}

pub fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mid = v.len() / 2;
    let (_, m, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    *m
}

use crate::kernels::dot;
