//! The demand model of [`WorkloadSpec`]: deterministic calendar shape, random day levels,
//! flash crowds and AR(1) noise, each from its own random stream.

use super::spec::{EventKind, FlashCrowds, WorkloadSpec};
use super::validate::{Plan, Window, FIRST_MONDAY};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Exp1, StandardNormal};
use std::f64::consts::{PI, TAU};

const HOUR: f64 = 3_600.0;
const DAY: f64 = 86_400.0;
const WEEK: f64 = 7.0 * DAY;
/// Half the width of the weekday/weekend transition around midnight.
const WEEKEND_RAMP: f64 = 2.0 * HOUR;
/// A crowd is over once its excess is below e^-12 (6 parts per million) of its peak.
const CROWD_TAIL_DECAYS: f64 = 12.0;
/// The deterministic part is averaged over sub-steps of at most this length.
const SUB_STEP: f64 = 60.0;

// Separate streams keep each random component stable when another one's settings change.
const NOISE_STREAM: u64 = 1;
const DAY_STREAM: u64 = 2;
const CROWD_STREAM: u64 = 3;

// The daily shape, fitted to the weekday hours of NASA-HTTP 1995 (see `WorkloadSpec`): the
// phases put the maximum exactly at Δ = 0 and `DAILY_NORM` makes it 1.
const DAILY_SHIFT_1: f64 = -0.953_163_928_427_543;
const DAILY_SHIFT_2: f64 = 1.846_836_071_572_458;
const DAILY_SECOND_HARMONIC: f64 = 0.15;
const DAILY_NORM: f64 = 1.054_192_294_453_615_3;

/// The daily shape `daily(Δ)` at `delta_hours` from the peak hour: mean 0, maximum 1 at 0,
/// minimum −0.974 at −10 h.
pub(super) fn daily(delta_hours: f64) -> f64 {
    let w = TAU / 24.0;
    let first = (w * (delta_hours + DAILY_SHIFT_1)).cos();
    let second = (2.0 * w * (delta_hours + DAILY_SHIFT_2)).cos();
    (first + DAILY_SECOND_HARMONIC * second) / DAILY_NORM
}

/// Share of the weekend in force at Unix time `t`: 0 on weekdays, 1 on Saturday and Sunday,
/// a raised cosine across each midnight where they meet.
pub(super) fn weekendness(t: f64) -> f64 {
    let u = (t - FIRST_MONDAY).rem_euclid(WEEK);
    // Three ramps cover the week: into the weekend at Saturday 00:00, out of it at Monday
    // 00:00 seen from the end of the week and from its start.
    ramp(u - 5.0 * DAY) - ramp(u - WEEK) + 1.0 - ramp(u)
}

/// 0 before `-WEEKEND_RAMP`, 1 after `WEEKEND_RAMP`; `ramp(x) + ramp(-x) = 1`, which keeps
/// the weekend's mean at `weekend_factor`.
fn ramp(x: f64) -> f64 {
    if x <= -WEEKEND_RAMP {
        0.0
    } else if x >= WEEKEND_RAMP {
        1.0
    } else {
        0.5 - 0.5 * (PI * (x + WEEKEND_RAMP) / (2.0 * WEEKEND_RAMP)).cos()
    }
}

/// Draws the values of every step of a validated spec.
pub(super) fn render(spec: &WorkloadSpec, plan: &Plan) -> Vec<f64> {
    let step = f64::from(spec.step_seconds);
    let start = plan.start as f64;
    let end = start + plan.steps as f64 * step;
    let shape = Shape::new(spec, start, &plan.windows);
    let days = DayLevels::draw(spec, start, end);
    let mut crowds = Crowds::draw(&spec.flash_crowds, spec.seed, start, end);
    let mut noise = Noise::new(spec);
    let subs = (step / SUB_STEP).ceil().max(1.0) as usize;
    let sub = step / subs as f64;
    (0..plan.steps)
        .map(|i| {
            let from = start + i as f64 * step;
            let sum: f64 = (0..subs)
                .map(|j| {
                    let t = from + (j as f64 + 0.5) * sub;
                    shape.at(t, days.at(t), crowds.excess_at(t))
                })
                .sum();
            (sum / subs as f64 * noise.next()).max(0.0)
        })
        .collect()
}

/// The deterministic part of the model: everything but the random day levels, crowds and noise.
struct Shape<'a> {
    start: f64,
    base: f64,
    amplitude: f64,
    peak_hour: f64,
    weekend_factor: f64,
    growth_per_second: f64,
    windows: &'a [Window],
}

impl<'a> Shape<'a> {
    fn new(spec: &WorkloadSpec, start: f64, windows: &'a [Window]) -> Self {
        Self {
            start,
            base: spec.base,
            amplitude: spec.daily_amplitude,
            peak_hour: spec.peak_hour,
            weekend_factor: spec.weekend_factor,
            growth_per_second: spec.trend_per_week.ln_1p() / WEEK,
            windows,
        }
    }

    /// Demand at `t` before noise, given the day level and the crowds' excess there.
    fn at(&self, t: f64, day_level: f64, crowd_excess: f64) -> f64 {
        let level = self.base * (self.growth_per_second * (t - self.start)).exp() * day_level;
        let hour = t.rem_euclid(DAY) / HOUR;
        let diurnal = 1.0 + self.amplitude * daily(hour - self.peak_hour);
        let weekly = 1.0 + (self.weekend_factor - 1.0) * weekendness(t);
        let mut added = crowd_excess;
        let mut multiplier = 1.0;
        for window in self.windows.iter().filter(|w| w.when.contains(t)) {
            match window.kind {
                EventKind::Batch => added += window.factor,
                EventKind::Campaign | EventKind::Maintenance => multiplier *= window.factor,
            }
        }
        level * (diurnal * weekly + added) * multiplier
    }
}

/// A lognormal factor with mean 1 and relative standard deviation `spread`: `exp(σz − σ²/2)`.
fn lognormal(spread: f64, z: f64) -> f64 {
    let sigma2 = spread.mul_add(spread, 1.0).ln();
    (sigma2.sqrt() * z - sigma2 / 2.0).exp()
}

fn stream(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// One random level per calendar day (UTC), interpolated between noons so days blend.
struct DayLevels {
    /// Calendar day (days since 1970-01-01) of `levels[0]`.
    first_day: f64,
    levels: Vec<f64>,
}

impl DayLevels {
    fn draw(spec: &WorkloadSpec, start: f64, end: f64) -> Self {
        // From the day before the first noon to the day after the last, so every time has
        // both neighbours.
        let first_day = (start / DAY - 0.5).floor();
        let last_day = (end / DAY - 0.5).floor() + 1.0;
        let mut rng = stream(spec.seed, DAY_STREAM);
        let levels = (0..=(last_day - first_day) as usize)
            .map(|_| lognormal(spec.day_to_day, rng.sample(StandardNormal)))
            .collect();
        Self { first_day, levels }
    }

    fn at(&self, t: f64) -> f64 {
        let position = t / DAY - 0.5 - self.first_day;
        let index = position.floor().max(0.0) as usize;
        let frac = position - position.floor();
        let level = |i: usize| {
            self.levels
                .get(i)
                .or(self.levels.last())
                .copied()
                .unwrap_or(1.0)
        };
        level(index) * (1.0 - frac) + level(index + 1) * frac
    }
}

/// The flash crowds of the whole series, with a cursor that skips finished ones as time advances.
struct Crowds {
    /// Arrival time and `m − 1`, by arrival.
    arrivals: Vec<(f64, f64)>,
    rise: f64,
    decay: f64,
    first_active: usize,
}

impl Crowds {
    fn draw(spec: &FlashCrowds, seed: u64, start: f64, end: f64) -> Self {
        let mut rng = stream(seed, CROWD_STREAM);
        let mut arrivals = Vec::new();
        if spec.per_week > 0.0 {
            let mean_gap = WEEK / spec.per_week;
            let [low, high] = spec.peak_multiplier;
            let mut t = start;
            loop {
                let gap: f64 = rng.sample(Exp1);
                t += gap * mean_gap;
                if t >= end {
                    break;
                }
                let multiplier = low * (high / low).powf(rng.random::<f64>());
                arrivals.push((t, multiplier - 1.0));
            }
        }
        Self {
            arrivals,
            rise: spec.rise_minutes * 60.0,
            decay: spec.decay_minutes * 60.0,
            first_active: 0,
        }
    }

    /// Total excess of the crowds at `t`, in units of the level; `t` must not decrease
    /// between calls.
    fn excess_at(&mut self, t: f64) -> f64 {
        let lifetime = self.rise + CROWD_TAIL_DECAYS * self.decay;
        while self
            .arrivals
            .get(self.first_active)
            .is_some_and(|&(arrival, _)| arrival + lifetime < t)
        {
            self.first_active += 1;
        }
        self.arrivals[self.first_active..]
            .iter()
            .take_while(|&&(arrival, _)| arrival <= t)
            .map(|&(arrival, excess)| excess * self.profile(t - arrival))
            .sum()
    }

    /// `g(τ)`: linear rise to 1 over `rise`, then exponential decay.
    fn profile(&self, since: f64) -> f64 {
        if since < self.rise {
            since / self.rise
        } else {
            (-(since - self.rise) / self.decay).exp()
        }
    }
}

/// AR(1) noise in log space, lognormal with mean 1 per step.
struct Noise {
    rng: ChaCha8Rng,
    spread: f64,
    phi: f64,
    innovation: f64,
    x: Option<f64>,
}

impl Noise {
    fn new(spec: &WorkloadSpec) -> Self {
        let phi = (-f64::from(spec.step_seconds) / (60.0 * spec.noise_correlation_minutes)).exp();
        Self {
            rng: stream(spec.seed, NOISE_STREAM),
            spread: spec.noise,
            phi,
            innovation: (1.0 - phi * phi).sqrt(),
            x: None,
        }
    }

    fn next(&mut self) -> f64 {
        let z: f64 = self.rng.sample(StandardNormal);
        // The first value is drawn from the stationary distribution, so the series has no
        // warm-up.
        let x = match self.x {
            Some(previous) => self.phi * previous + self.innovation * z,
            None => z,
        };
        self.x = Some(x);
        lognormal(self.spread, x)
    }
}
