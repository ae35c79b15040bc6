//! Tests of the feedback loop, on seeded synthetic error streams.

mod cache;
mod drift;
mod error_tracker;

use super::Observation;

/// The engine's default levels.
const LEVELS: [f64; 8] = [0.025, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.99];

/// SplitMix64: a seeded, dependency-free source of test noise.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    /// Laplace with scale 1 (mean absolute value 1, heavier tails than the normal).
    fn laplace(&mut self) -> f64 {
        let e = -self.uniform().ln();
        if self.uniform() < 0.5 {
            e
        } else {
            -e
        }
    }
}

/// An observation of `actual` against a point and quantiles, horizon 1.
fn obs<'a>(
    step: u64,
    actual: f64,
    point: f64,
    quantiles: &'a [f64],
    scale: f64,
) -> Observation<'a> {
    Observation {
        step,
        horizon: 1,
        actual,
        point,
        quantiles,
        scale,
    }
}
