//! Nelder–Mead simplex minimisation, small enough to read in one sitting.
//!
//! ETS fits optimise at most four smoothing parameters, each mapped to an unbounded coordinate
//! (see `params.rs`), so a derivative-free simplex method is the natural choice, as in R's
//! `forecast::ets` and statsforecast. The coefficients are the dimension-adaptive ones of Gao &
//! Han (2012), "Implementing the Nelder-Mead simplex algorithm with adaptive parameters",
//! Comput. Optim. Appl. 51, which behave better than the classic (1, 2, 0.5, 0.5) beyond two
//! dimensions. The objective may return `+inf` to reject a point (inadmissible parameters).

/// When to stop, and how large the first simplex is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    /// Stop when the objective values of the simplex span at most this much.
    pub ftol: f64,
    /// Stop after this many objective evaluations whatever the spread.
    pub max_evals: usize,
    /// Offset of each initial vertex from the start point, per coordinate.
    pub step: f64,
}

/// The best point found.
#[derive(Debug, Clone)]
pub(crate) struct Minimum {
    pub x: Vec<f64>,
    pub f: f64,
    /// Objective evaluations used (read by tests, and handy when tuning).
    #[allow(dead_code)]
    pub evals: usize,
}

/// The simplex: `n + 1` vertices of dimension `n`, stored flat, with their values.
struct Simplex {
    n: usize,
    x: Vec<f64>,
    f: Vec<f64>,
}

impl Simplex {
    fn vertex(&self, i: usize) -> &[f64] {
        &self.x[i * self.n..(i + 1) * self.n]
    }

    fn set(&mut self, i: usize, x: &[f64], f: f64) {
        self.x[i * self.n..(i + 1) * self.n].copy_from_slice(x);
        self.f[i] = f;
    }

    /// Indices of the best, second-worst and worst vertices (NaN counts as worst).
    fn ranks(&self) -> (usize, usize, usize) {
        let mut idx: Vec<usize> = (0..=self.n).collect();
        idx.sort_by(|&a, &b| self.f[a].total_cmp(&self.f[b]));
        (idx[0], idx[self.n.saturating_sub(1)], idx[self.n])
    }

    /// Centroid of every vertex except `worst`.
    fn centroid(&self, worst: usize, out: &mut [f64]) {
        out.iter_mut().for_each(|c| *c = 0.0);
        for i in (0..=self.n).filter(|&i| i != worst) {
            for (c, v) in out.iter_mut().zip(self.vertex(i)) {
                *c += v;
            }
        }
        let k = self.n as f64;
        out.iter_mut().for_each(|c| *c /= k);
    }
}

/// `c + t (c - w)`: reflection (t = 1), expansion (t > 1), contractions (|t| < 1).
fn along(c: &[f64], w: &[f64], t: f64, out: &mut [f64]) {
    for ((o, ci), wi) in out.iter_mut().zip(c).zip(w) {
        *o = ci + t * (ci - wi);
    }
}

/// Minimises `f` from `x0`. NaN values are treated as `+inf`.
pub(crate) fn minimize<F: FnMut(&[f64]) -> f64>(mut f: F, x0: &[f64], opts: &Options) -> Minimum {
    let n = x0.len();
    let mut eval = |x: &[f64], evals: &mut usize| {
        *evals += 1;
        let v = f(x);
        if v.is_nan() {
            f64::INFINITY
        } else {
            v
        }
    };
    let mut evals = 0;
    let mut s = initial_simplex(x0, opts.step, |x| eval(x, &mut evals));
    if n == 0 {
        return Minimum {
            x: Vec::new(),
            f: s.f[0],
            evals,
        };
    }
    let nf = n as f64;
    let (expand, contract, shrink) = (1.0 + 2.0 / nf, 0.75 - 0.5 / nf, 1.0 - 1.0 / nf);
    let (mut c, mut xr, mut xt) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    loop {
        let (best, second, worst) = s.ranks();
        let (fb, fs, fw) = (s.f[best], s.f[second], s.f[worst]);
        if !fb.is_finite() || fw - fb <= opts.ftol || evals >= opts.max_evals {
            return Minimum {
                x: s.vertex(best).to_vec(),
                f: fb,
                evals,
            };
        }
        s.centroid(worst, &mut c);
        along(&c, s.vertex(worst), 1.0, &mut xr);
        let fr = eval(&xr, &mut evals);
        if fr < fb {
            along(&c, s.vertex(worst), expand, &mut xt);
            let fe = eval(&xt, &mut evals);
            let (x, v) = if fe < fr { (&xt, fe) } else { (&xr, fr) };
            s.set(worst, x, v);
        } else if fr < fs {
            s.set(worst, &xr, fr);
        } else {
            // Outside contraction when the reflection helped a little, inside otherwise.
            let (t, bar) = if fr < fw {
                (contract, fr)
            } else {
                (-contract, fw)
            };
            along(&c, s.vertex(worst), t, &mut xt);
            let fc = eval(&xt, &mut evals);
            if fc <= bar {
                s.set(worst, &xt, fc);
            } else {
                shrink_towards(&mut s, best, shrink, |x| eval(x, &mut evals));
            }
        }
    }
}

fn initial_simplex(x0: &[f64], step: f64, mut f: impl FnMut(&[f64]) -> f64) -> Simplex {
    let n = x0.len();
    let mut s = Simplex {
        n,
        x: Vec::with_capacity(n * (n + 1)),
        f: vec![0.0; n + 1],
    };
    for i in 0..=n {
        s.x.extend_from_slice(x0);
        if i > 0 {
            s.x[i * n + i - 1] += step;
        }
        let v = f(s.vertex(i));
        s.f[i] = v;
    }
    s
}

fn shrink_towards(s: &mut Simplex, best: usize, t: f64, mut f: impl FnMut(&[f64]) -> f64) {
    let xb = s.vertex(best).to_vec();
    let mut x = vec![0.0; s.n];
    for i in (0..=s.n).filter(|&i| i != best) {
        for ((xi, b), v) in x.iter_mut().zip(&xb).zip(s.vertex(i)) {
            *xi = b + t * (v - b);
        }
        let v = f(&x);
        s.set(i, &x, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTS: Options = Options {
        ftol: 1e-12,
        max_evals: 5000,
        step: 0.5,
    };

    #[test]
    fn finds_the_minimum_of_the_rosenbrock_valley() {
        let rosen = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let m = minimize(rosen, &[-1.2, 1.0], &OPTS);
        assert!(
            (m.x[0] - 1.0).abs() < 1e-3 && (m.x[1] - 1.0).abs() < 1e-3,
            "{:?}",
            m
        );
    }

    #[test]
    fn finds_the_centre_of_a_four_dimensional_bowl() {
        let bowl = |x: &[f64]| {
            x.iter()
                .enumerate()
                .map(|(i, v)| (i as f64 + 1.0) * (v - 0.3 * i as f64).powi(2))
                .sum()
        };
        let m = minimize(bowl, &[2.0, -1.0, 0.0, 3.0], &OPTS);
        for (i, v) in m.x.iter().enumerate() {
            assert!((v - 0.3 * i as f64).abs() < 1e-4, "{:?}", m);
        }
    }

    #[test]
    fn stays_out_of_a_rejected_region() {
        // Minimum of the bowl at x = -1, but x < 0 is rejected: the answer is the boundary.
        let f = |x: &[f64]| {
            if x[0] < 0.0 {
                f64::INFINITY
            } else {
                (x[0] + 1.0).powi(2)
            }
        };
        let m = minimize(f, &[2.0], &OPTS);
        assert!(m.x[0] >= 0.0 && m.x[0] < 1e-3, "{:?}", m);
    }

    #[test]
    fn stops_at_the_evaluation_budget() {
        let opts = Options {
            max_evals: 25,
            ..OPTS
        };
        let m = minimize(|x: &[f64]| (x[0] - 1e6).powi(2), &[0.0], &opts);
        assert!(m.evals <= 25 + 2, "{}", m.evals);
    }

    #[test]
    fn gives_up_when_every_start_vertex_is_rejected() {
        let m = minimize(|_: &[f64]| f64::NAN, &[0.0, 0.0], &OPTS);
        assert!(m.f.is_infinite() && m.evals == 3);
    }
}
