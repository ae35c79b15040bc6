//! The ETS recursions over a series (Hyndman et al. 2008, table 2.3; R's `etscalc.c`), and
//! their sensitivities to the initial level and slope.
//!
//! The state update written in terms of the observation is the same for additive and
//! multiplicative errors (R relies on this too): the error type only changes the likelihood.
//! With an additive or no trend, level and slope follow a *linear* recursion,
//! `[l, b]ₜ = D [l, b]ₜ₋₁ + [α, β] pₜ`, `pₜ` the seasonally adjusted observation. We evaluate
//! it in that form because its dependency chain is then a multiply and an add or two per step
//! instead of five dependent operations, and that chain is what bounds the speed of a fit.
//! `f64::mul_add` is avoided: without a target-cpu flag it is a call into libm's software
//! `fma`, ten times slower than a multiply and an add.
//!
//! When profiling, the pass also carries the sensitivities `∂ŷₜ/∂l₀` and `∂ŷₜ/∂b₀` (the
//! tangent-linear recursion, exact for additive seasons, first-order for multiplicative ones)
//! and feeds them with the residuals into `likelihood::Stats`, which then solves for the best
//! initial level and slope by least squares instead of searching for them. That work forms
//! dependency chains independent of the level's, so it partly fills execution slots the level
//! recursion leaves idle.

use super::likelihood::{Profiled, Stats};
use super::model::{EtsModel, Params, State};
use super::{ErrorKind, SeasonKind};

const NONE: u8 = 0;
const ADD: u8 = 1;
const MUL: u8 = 2;

/// Sensitivities of the seasonal states to `l₀` and `b₀`: ring buffers reused across passes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rings {
    level: Vec<f64>,
    slope: Vec<f64>,
}

impl Rings {
    /// Buffers for a seasonal period `m` (1 without season).
    pub fn new(m: usize) -> Self {
        Rings {
            level: vec![0.0; m],
            slope: vec![0.0; m],
        }
    }
}

/// Runs the recursions over `y` from `state`, leaving the final state in `state` and the
/// one-step-ahead forecasts in `fc` (same length as `y`).
pub(crate) fn filter(model: &EtsModel, p: &Params, state: &mut State, y: &[f64], fc: &mut [f64]) {
    let mut k = Kernel {
        rings: &mut Rings::default(),
        stats: &mut Stats::new(1.0),
    };
    dispatch::<false, false>(model, p, state, y, fc, &mut k);
}

/// One pass from `state` that returns the criterion at the best initial level and slope
/// (`likelihood::Stats::concentrate`) and the corrections that reach them. `scale`, a typical
/// magnitude of the data, keeps the product of forecasts behind `Σ log ŷ` in range.
pub(crate) fn profile(
    model: &EtsModel,
    p: &Params,
    state: &mut State,
    y: &[f64],
    rings: &mut Rings,
    scale: f64,
) -> Profiled {
    rings.level.iter_mut().for_each(|v| *v = 0.0);
    rings.slope.iter_mut().for_each(|v| *v = 0.0);
    let mut stats = Stats::new(scale);
    let mut k = Kernel {
        rings,
        stats: &mut stats,
    };
    match model.error {
        ErrorKind::Additive => dispatch::<true, false>(model, p, state, y, &mut [], &mut k),
        ErrorKind::Multiplicative => dispatch::<true, true>(model, p, state, y, &mut [], &mut k),
    }
    stats.concentrate(model.error, model.has_trend())
}

/// What a profiling pass updates besides the state.
struct Kernel<'a> {
    rings: &'a mut Rings,
    stats: &'a mut Stats,
}

fn dispatch<const SENS: bool, const MUL_ERR: bool>(
    model: &EtsModel,
    p: &Params,
    x: &mut State,
    y: &[f64],
    fc: &mut [f64],
    k: &mut Kernel,
) {
    let c = Coefs::new(p);
    match (model.has_trend(), model.season) {
        (false, SeasonKind::None) => run::<false, NONE, SENS, MUL_ERR>(&c, x, y, fc, k),
        (true, SeasonKind::None) => run::<true, NONE, SENS, MUL_ERR>(&c, x, y, fc, k),
        (false, SeasonKind::Additive) => run::<false, ADD, SENS, MUL_ERR>(&c, x, y, fc, k),
        (true, SeasonKind::Additive) => run::<true, ADD, SENS, MUL_ERR>(&c, x, y, fc, k),
        (false, SeasonKind::Multiplicative) => run::<false, MUL, SENS, MUL_ERR>(&c, x, y, fc, k),
        (true, SeasonKind::Multiplicative) => run::<true, MUL, SENS, MUL_ERR>(&c, x, y, fc, k),
    }
    if model.is_seasonal() && !x.season.is_empty() {
        // The ring buffer is indexed by time modulo m from the start; re-anchor it on "next step".
        let shift = y.len() % x.season.len();
        x.season.rotate_left(shift);
    }
}

/// Coefficients of the recursion; `D = [[1-α, (1-α)φ], [-β, φ(1-β)]]`.
struct Coefs {
    alpha: f64,
    beta: f64,
    gamma: f64,
    phi: f64,
    d_ll: f64,
    d_lb: f64,
    d_bb: f64,
}

impl Coefs {
    fn new(p: &Params) -> Self {
        Coefs {
            alpha: p.alpha,
            beta: p.beta,
            gamma: p.gamma,
            phi: p.phi,
            d_ll: 1.0 - p.alpha,
            d_lb: (1.0 - p.alpha) * p.phi,
            d_bb: p.phi * (1.0 - p.beta),
        }
    }

    /// `[l, b]' = D [l, b] + [α, β] p`: level and slope after seeing the adjusted value `p`.
    #[inline(always)]
    fn advance<const TREND: bool>(&self, l: f64, b: f64, p: f64) -> (f64, f64) {
        if TREND {
            (
                self.d_ll * l + (self.d_lb * b + self.alpha * p),
                self.d_bb * b + self.beta * (p - l),
            )
        } else {
            (self.d_ll * l + self.alpha * p, b)
        }
    }

    /// `D [l, b]`: `advance` with nothing observed.
    #[inline(always)]
    fn decay<const TREND: bool>(&self, l: f64, b: f64) -> (f64, f64) {
        if TREND {
            (self.d_ll * l + self.d_lb * b, self.d_bb * b - self.beta * l)
        } else {
            (self.d_ll * l, b)
        }
    }
}

/// One step's quantities: forecast `f`, trend part `q`, seasonal index `so`, adjusted
/// observation `p` (for the level) and detrended observation `t` (for the season).
struct Step {
    f: f64,
    q: f64,
    so: f64,
    p: f64,
    t: f64,
    inv_so: f64,
    inv_q: f64,
}

#[inline(always)]
fn step<const SEASON: u8>(y: f64, q: f64, so: f64) -> Step {
    match SEASON {
        ADD => Step {
            f: q + so,
            q,
            so,
            p: y - so,
            t: y - q,
            inv_so: 0.0,
            inv_q: 0.0,
        },
        MUL => {
            let (inv_so, inv_q) = (1.0 / so, 1.0 / q);
            Step {
                f: q * so,
                q,
                so,
                p: y * inv_so,
                t: y * inv_q,
                inv_so,
                inv_q,
            }
        }
        _ => Step {
            f: q,
            q,
            so,
            p: y,
            t: 0.0,
            inv_so: 0.0,
            inv_q: 0.0,
        },
    }
}

/// A direction of the tangent recursion: derivatives of level and slope.
#[derive(Clone, Copy)]
struct Dir {
    l: f64,
    b: f64,
}

/// Derivative of the forecast, and the next derivatives of level, slope and seasonal index.
#[inline(always)]
fn tangent<const TREND: bool, const SEASON: u8>(
    c: &Coefs,
    d: Dir,
    ds: f64,
    s: &Step,
) -> (f64, Dir, f64) {
    let dq = if TREND { d.l + c.phi * d.b } else { d.l };
    let (df, dp, dt) = match SEASON {
        ADD => (dq + ds, -ds, -dq),
        MUL => (
            dq * s.so + s.q * ds,
            -s.p * s.inv_so * ds,
            -s.t * s.inv_q * dq,
        ),
        _ => (dq, 0.0, 0.0),
    };
    // The same linear form as the state itself: computed from `dq` the chain is twice as long.
    // Without a season nothing enters from the observation: the terms in `dp = 0` are left out.
    let (l, b) = if SEASON == NONE {
        c.decay::<TREND>(d.l, d.b)
    } else {
        c.advance::<TREND>(d.l, d.b, dp)
    };
    let next = Dir { l, b };
    (df, next, ds + c.gamma * (dt - ds))
}

/// A profiling pass of a non-seasonal model checks every CHUNK steps whether the initial level
/// and slope are forgotten: both sensitivities below FORGOTTEN (relative to a unit change of
/// the start). From there the pass carries only the state and the residual sums. A sensitivity
/// that small moves the solved start by less than 1e-12 of the residuals' size, and the sums
/// would otherwise keep multiplying numbers that decay into subnormals, which cost tens of
/// cycles each. Seasonal models keep every sensitivity: those of the seasonal states fade only
/// over many periods, and checking them cost more than it saved.
const CHUNK: usize = 64;
const FORGOTTEN: f64 = 1e-14;

fn run<const TREND: bool, const SEASON: u8, const SENS: bool, const MUL_ERR: bool>(
    c: &Coefs,
    x: &mut State,
    y: &[f64],
    fc: &mut [f64],
    k: &mut Kernel,
) {
    if SENS && SEASON == NONE {
        return run_forgetting::<TREND, MUL_ERR>(c, x, y, k);
    }
    let n = if SENS { y.len() } else { y.len().min(fc.len()) };
    let m = x.season.len();
    let (mut l, mut b) = (x.level, x.slope);
    let mut dirs = [Dir { l: 1.0, b: 0.0 }, Dir { l: 0.0, b: 1.0 }];
    let mut j = 0;
    for t in 0..n {
        let q = if TREND { l + c.phi * b } else { l };
        let so = if SEASON == NONE { 0.0 } else { x.season[j] };
        let s = step::<SEASON>(y[t], q, so);
        if SENS {
            sense::<TREND, SEASON, MUL_ERR>(c, k, j, &s, y[t], &mut dirs);
        } else {
            fc[t] = s.f;
        }
        if SEASON != NONE {
            x.season[j] = so + c.gamma * (s.t - so);
            j = if j + 1 == m { 0 } else { j + 1 };
        }
        (l, b) = c.advance::<TREND>(l, b, s.p);
    }
    (x.level, x.slope) = (l, b);
}

/// The profiling pass of a non-seasonal model: with sensitivities until they are forgotten,
/// then with the residual sums only.
fn run_forgetting<const TREND: bool, const MUL_ERR: bool>(
    c: &Coefs,
    x: &mut State,
    y: &[f64],
    k: &mut Kernel,
) {
    let (mut l, mut b) = (x.level, x.slope);
    let mut dirs = [Dir { l: 1.0, b: 0.0 }, Dir { l: 0.0, b: 1.0 }];
    let mut t = 0;
    while t < y.len() {
        let end = (t + CHUNK).min(y.len());
        for &yt in &y[t..end] {
            let s = step::<NONE>(yt, if TREND { l + c.phi * b } else { l }, 0.0);
            sense::<TREND, NONE, MUL_ERR>(c, k, 0, &s, yt, &mut dirs);
            (l, b) = c.advance::<TREND>(l, b, s.p);
        }
        t = end;
        if forgotten::<TREND>(&dirs) {
            break;
        }
    }
    for &yt in &y[t..] {
        k.stats
            .add_residual::<MUL_ERR>(yt, if TREND { l + c.phi * b } else { l });
        (l, b) = c.advance::<TREND>(l, b, yt);
    }
    (x.level, x.slope) = (l, b);
}

/// Whether both sensitivities to the initial level and slope are below FORGOTTEN.
fn forgotten<const TREND: bool>(dirs: &[Dir; 2]) -> bool {
    let small = |d: &Dir| d.l.abs() < FORGOTTEN && d.b.abs() < FORGOTTEN;
    small(&dirs[0]) && (!TREND || small(&dirs[1]))
}

/// Carries the directions `∂/∂l₀` and `∂/∂b₀` one step and feeds the statistics.
#[inline(always)]
fn sense<const TREND: bool, const SEASON: u8, const MUL_ERR: bool>(
    c: &Coefs,
    k: &mut Kernel,
    j: usize,
    s: &Step,
    y: f64,
    dirs: &mut [Dir; 2],
) {
    let df_l = carry::<TREND, SEASON>(c, &mut dirs[0], &mut k.rings.level, j, s);
    let df_b = if TREND {
        carry::<TREND, SEASON>(c, &mut dirs[1], &mut k.rings.slope, j, s)
    } else {
        0.0
    };
    k.stats.add::<MUL_ERR>(y, s.f, df_l, df_b);
}

/// Moves one direction and its seasonal ring one step; returns the forecast's derivative.
#[inline(always)]
fn carry<const TREND: bool, const SEASON: u8>(
    c: &Coefs,
    d: &mut Dir,
    ring: &mut [f64],
    j: usize,
    s: &Step,
) -> f64 {
    let ds = if SEASON == NONE { 0.0 } else { ring[j] };
    let (df, next, nds) = tangent::<TREND, SEASON>(c, *d, ds, s);
    *d = next;
    if SEASON != NONE {
        ring[j] = nds;
    }
    df
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ets::likelihood::likelihood;
    use crate::ets::{ErrorKind, TrendKind};

    fn model(error: ErrorKind, trend: TrendKind, season: SeasonKind, period: usize) -> EtsModel {
        EtsModel {
            error,
            trend,
            damped: false,
            season,
            period,
        }
    }

    #[test]
    fn simple_exponential_smoothing_follows_the_textbook_recursion() {
        let m = model(ErrorKind::Additive, TrendKind::None, SeasonKind::None, 1);
        let p = Params {
            alpha: 0.5,
            beta: 0.0,
            gamma: 0.0,
            phi: 1.0,
        };
        let mut x = State {
            level: 0.0,
            slope: 0.0,
            season: vec![],
        };
        let mut fc = [0.0; 4];
        filter(&m, &p, &mut x, &[1.0, 1.0, 1.0, 3.0], &mut fc);
        assert_eq!(fc, [0.0, 0.5, 0.75, 0.875]);
        assert_eq!(x.level, 1.9375);
    }

    #[test]
    fn holt_winters_additive_matches_the_error_correction_form() {
        // One step of ETS(A,Ad,A) by hand (Hyndman et al. 2008, table 2.3).
        let m = EtsModel {
            damped: true,
            ..model(
                ErrorKind::Additive,
                TrendKind::Additive,
                SeasonKind::Additive,
                2,
            )
        };
        let p = Params {
            alpha: 0.3,
            beta: 0.1,
            gamma: 0.2,
            phi: 0.9,
        };
        let mut x = State {
            level: 10.0,
            slope: 1.0,
            season: vec![2.0, -2.0],
        };
        let mut fc = [0.0];
        filter(&m, &p, &mut x, &[15.0], &mut fc);
        let (f, e) = (10.0 + 0.9 + 2.0, 15.0 - 12.9);
        assert!((fc[0] - f).abs() < 1e-12);
        assert!((x.level - (10.9 + 0.3 * e)).abs() < 1e-12);
        assert!((x.slope - (0.9 + 0.1 * e)).abs() < 1e-12);
        // The next step's index comes first once the ring is re-anchored.
        assert_eq!(x.season[0], -2.0);
        assert!((x.season[1] - (2.0 + 0.2 * e)).abs() < 1e-12);
    }

    #[test]
    fn multiplicative_season_scales_the_level() {
        let m = model(
            ErrorKind::Multiplicative,
            TrendKind::None,
            SeasonKind::Multiplicative,
            2,
        );
        let p = Params {
            alpha: 0.5,
            beta: 0.0,
            gamma: 0.5,
            phi: 1.0,
        };
        let mut x = State {
            level: 100.0,
            slope: 0.0,
            season: vec![1.5, 0.5],
        };
        let mut fc = [0.0; 2];
        filter(&m, &p, &mut x, &[180.0, 40.0], &mut fc);
        assert_eq!(fc[0], 150.0);
        // Level: 100 + 0.5 (180/1.5 − 100) = 110; index: 1.5 + 0.5 (180/100 − 1.5) = 1.65.
        assert!((fc[1] - 110.0 * 0.5).abs() < 1e-12);
        assert!((x.season[0] - 1.65).abs() < 1e-12);
    }

    /// Criterion of a plain run from `x0`.
    fn exact(m: &EtsModel, p: &Params, x0: &State, y: &[f64]) -> f64 {
        let (mut x, mut fc) = (x0.clone(), vec![0.0; y.len()]);
        filter(m, p, &mut x, y, &mut fc);
        likelihood(m.error, y, &fc)
    }

    fn shifted(x0: &State, dl: f64, db: f64) -> State {
        State {
            level: x0.level + dl,
            slope: x0.slope + db,
            ..x0.clone()
        }
    }

    #[test]
    fn profiling_finds_the_best_initial_level_and_slope_exactly_for_additive_models() {
        let y: Vec<f64> = (0..120)
            .map(|t| 50.0 + 0.8 * t as f64 + 10.0 * ((t % 4) as f64 - 1.5) + (t as f64 * 1.7).sin())
            .collect();
        let m = model(
            ErrorKind::Additive,
            TrendKind::Additive,
            SeasonKind::Additive,
            4,
        );
        let p = Params {
            alpha: 0.2,
            beta: 0.05,
            gamma: 0.1,
            phi: 1.0,
        };
        let x0 = State {
            level: 30.0,
            slope: 0.0,
            season: vec![-15.0, -5.0, 5.0, 15.0],
        };
        let prof = profile(&m, &p, &mut x0.clone(), &y, &mut Rings::new(4), 50.0);
        let best = exact(&m, &p, &shifted(&x0, prof.d_level, prof.d_slope), &y);
        assert!(
            (prof.lik - best).abs() < 1e-7 * best.abs(),
            "{} vs {best}",
            prof.lik
        );
        assert!(best < exact(&m, &p, &x0, &y) - 1.0);
        for (dl, db) in [(0.1, 0.0), (-0.1, 0.0), (0.0, 0.01), (0.0, -0.01)] {
            let moved = exact(
                &m,
                &p,
                &shifted(&x0, prof.d_level + dl, prof.d_slope + db),
                &y,
            );
            assert!(moved > best, "({dl}, {db}): {moved} vs {best}");
        }
    }

    /// A long series with quickly forgotten starts: the pass drops the sensitivities early
    /// and still lands on the best initial level and slope, for both error types.
    #[test]
    fn profiling_a_long_series_stops_carrying_forgotten_sensitivities() {
        let y: Vec<f64> = (0..3000)
            .map(|t| 300.0 + 0.05 * t as f64 + 20.0 * (t as f64 * 0.37).sin())
            .collect();
        let p = Params {
            alpha: 0.6,
            beta: 0.3,
            gamma: 0.0,
            phi: 0.9,
        };
        let x0 = State {
            level: 250.0,
            slope: 1.0,
            season: vec![],
        };
        for error in [ErrorKind::Additive, ErrorKind::Multiplicative] {
            let m = EtsModel {
                damped: true,
                ..model(error, TrendKind::Additive, SeasonKind::None, 1)
            };
            let prof = profile(&m, &p, &mut x0.clone(), &y, &mut Rings::new(1), 250.0);
            let best = exact(&m, &p, &shifted(&x0, prof.d_level, prof.d_slope), &y);
            let tolerance = if error == ErrorKind::Additive {
                1e-9
            } else {
                1e-6
            };
            assert!(
                (prof.lik - best).abs() < tolerance * best.abs(),
                "{error:?}: {} vs {best}",
                prof.lik
            );
            for (dl, db) in [(1.0, 0.0), (-1.0, 0.0), (0.0, 0.1), (0.0, -0.1)] {
                let moved = exact(
                    &m,
                    &p,
                    &shifted(&x0, prof.d_level + dl, prof.d_slope + db),
                    &y,
                );
                assert!(moved >= best - 1e-9 * best.abs(), "{error:?} ({dl}, {db})");
            }
        }
    }

    #[test]
    fn profiling_multiplicative_models_improves_on_the_start() {
        let y: Vec<f64> = (0..96)
            .map(|t| (100.0 + 0.5 * t as f64) * [1.3, 0.7, 1.1, 0.9][t % 4] + (t as f64).cos())
            .collect();
        let m = model(
            ErrorKind::Multiplicative,
            TrendKind::Additive,
            SeasonKind::Multiplicative,
            4,
        );
        let p = Params {
            alpha: 0.1,
            beta: 0.01,
            gamma: 0.05,
            phi: 1.0,
        };
        let x0 = State {
            level: 80.0,
            slope: 0.0,
            season: vec![1.3, 0.7, 1.1, 0.9],
        };
        let prof = profile(&m, &p, &mut x0.clone(), &y, &mut Rings::new(4), 80.0);
        let corrected = exact(&m, &p, &shifted(&x0, prof.d_level, prof.d_slope), &y);
        assert!(corrected < exact(&m, &p, &x0, &y) - 10.0);
        // The linearised criterion is close to the exact one at the corrected start.
        assert!(
            (prof.lik - corrected).abs() < 0.02 * corrected.abs(),
            "{} vs {corrected}",
            prof.lik
        );
    }
}
