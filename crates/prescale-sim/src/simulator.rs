//! The fleet simulator: replays a demand series through a policy on virtual time.
//!
//! Guarantees (the rules of ARCHITECTURE.md, "Decision quality"):
//! - a decision at time `t` sees only steps that ended by `t` and the fleet as it is at `t`;
//! - an instance requested at `t` serves from `t + boot_seconds` of its type;
//! - it is billed per second from its request until its removal (or interruption);
//! - spot instances are interrupted at times drawn from an exponential law with the type's rate
//!   (seeded: the same scenario seed gives the same interruptions), after a notice period during
//!   which they still serve and no longer count towards the desired number;
//! - a step's supply is the *minimum* capacity serving during the step, so capacity arriving or
//!   leaving mid-step never hides a shortfall.
//!
//! Warm pools (types with `warm_pool` terms, never spot ones; see `pool`):
//! - an instance added to a pool runs the type's cold boot, billed at the full price, then is
//!   held stopped at the holding price; it serves nothing, is never interrupted, and does not
//!   count towards `max_instances`;
//! - a scale-out starts stopped pool instances first (they serve after the pool's shorter
//!   `boot_seconds`, billed at the full price from their request); instances still initializing
//!   stay in the pool; the rest boot cold;
//! - a scale-in removes serving instances as without a pool: they are not returned to it (EC2
//!   can return them on scale-in; we keep the simpler rule).
//!
//! A scenario without warm pools is simulated exactly as before they existed.
//!
//! Steps whose demand is unknown (long gaps in a trace) are neither billed nor scored for any
//! policy, the oracle included, so that cost ratios compare like with like.
//!
//! Every policy starts with the instances the first known step needs, ready at time 0, and with
//! empty warm pools.

use crate::scenario::Scenario;
use prescale_core::{Decision, FleetView, Observation, Policy, Series, TypeState};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp};
use serde::{Deserialize, Serialize};
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// What one policy did on one trace, step by step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// The policy's name.
    pub policy: String,
    /// Serving capacity through each whole step, in standard instances: the minimum during the
    /// step (what the SLO is judged on).
    pub serving_min: Vec<f64>,
    /// Mean serving capacity during each step, in standard instances.
    pub serving_mean: Vec<f64>,
    /// Cost billed during each step, warm pools included (0 for steps whose demand is unknown).
    pub step_cost: Vec<f64>,
    /// Part of `step_cost`'s total billed for warm-pool instances: their initialization at the
    /// full price and their holding while stopped (0 without warm pools).
    #[serde(default)]
    pub warm_pool_cost: f64,
    /// Decisions that requested or removed at least one serving instance (changes of warm
    /// pools alone are not counted: they do not change what serves).
    pub actions: u32,
    /// Spot interruptions that happened.
    pub interruptions: u32,
}

/// Instances one standard instance-capacity needs for a demand, with a tolerance so that
/// floating-point noise (40.000000001) does not ask for an extra instance.
pub fn instances_needed(demand: f64, capacity: f64) -> u32 {
    let x = demand / capacity;
    if x <= 1e-9 {
        0
    } else {
        (x - 1e-9).ceil() as u32
    }
}

/// Replays `series` through `policy` in `scenario`, with `capacity` demand units per standard
/// instance.
pub fn simulate(
    series: &Series,
    scenario: &Scenario,
    capacity: f64,
    policy: &mut dyn Policy,
) -> Run {
    let mut sim = Fleet::new(series, scenario, capacity);
    let step = series.step();
    let ticks_per_step = match policy.decision_interval() {
        Some(i) if i > 0.0 && i < step => (step / i).ceil() as usize,
        _ => 1,
    };
    let tick = step / ticks_per_step as f64;
    for k in 0..series.len() {
        for j in 0..ticks_per_step {
            let now = k as f64 * step + j as f64 * tick;
            sim.advance_to(now);
            let obs = Observation {
                now,
                step_seconds: step,
                start_unix: series.absolute.then_some(series.start),
                demand: &series.values[..k],
                serving: &sim.serving_mean[..k],
                fleet: &sim.view,
                types: &scenario.instance_types,
                capacity_per_instance: capacity,
            };
            let decision = policy.decide(&obs);
            sim.reconcile(now, &decision);
        }
    }
    sim.advance_to(series.len() as f64 * step);
    Run {
        policy: policy.name(),
        serving_min: sim.serving_min,
        serving_mean: sim.serving_mean,
        step_cost: sim.step_cost,
        warm_pool_cost: sim.warm_pool_cost,
        actions: sim.actions,
        interruptions: sim.interruptions,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Booting,
    Ready,
    Notified,
    /// Initializing for a warm pool (billed at the full price).
    Warming,
    /// Stopped in a warm pool (billed at the holding price).
    Warm,
    Gone,
}

#[derive(Debug, Clone)]
struct Instance {
    ty: usize,
    phase: Phase,
    /// When its interruption notice arrives (infinite for on-demand instances).
    notice_at: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EventKind {
    Ready,
    Notice,
    Interrupt,
}

/// A future change of one instance, ordered by time then by creation.
#[derive(Debug, Clone, Copy)]
struct Event {
    at: f64,
    seq: u64,
    kind: EventKind,
    instance: usize,
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Event {}
impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Event {
    fn cmp(&self, other: &Self) -> Ordering {
        self.at.total_cmp(&other.at).then(self.seq.cmp(&other.seq))
    }
}

/// The simulated fleet and the per-step accounting of what it served and cost.
struct Fleet<'a> {
    scenario: &'a Scenario,
    known: Vec<bool>,
    step: f64,
    instances: Vec<Instance>,
    /// Active (booting, ready or notified) instance ids per type, in request order.
    active: Vec<Vec<usize>>,
    /// Warm-pool (warming or warm) instance ids per type, in request order.
    pool: Vec<Vec<usize>>,
    /// Instance counts per type, kept up to date in place: policies borrow it at every
    /// decision, so it is never copied.
    view: FleetView,
    events: BinaryHeap<Reverse<Event>>,
    seq: u64,
    rng: ChaCha8Rng,
    /// Capacity serving now, in standard instances.
    serving: f64,
    /// Cost per second of the active instances now.
    cost_rate: f64,
    /// Cost per second of the warm-pool instances now; kept apart from `cost_rate` so that a
    /// fleet without pools is accounted exactly as before pools existed.
    pool_rate: f64,
    /// Time up to which serving and cost have been accounted.
    clock: f64,
    /// Index of the step being accounted.
    current_step: usize,
    step_min: f64,
    step_serving_integral: f64,
    step_cost_integral: f64,
    step_pool_integral: f64,
    serving_min: Vec<f64>,
    serving_mean: Vec<f64>,
    step_cost: Vec<f64>,
    warm_pool_cost: f64,
    actions: u32,
    interruptions: u32,
}

impl<'a> Fleet<'a> {
    fn new(series: &Series, scenario: &'a Scenario, capacity: f64) -> Self {
        let types = scenario.instance_types.len();
        let mut fleet = Self {
            scenario,
            known: series.values.iter().map(Option::is_some).collect(),
            step: series.step(),
            instances: Vec::new(),
            active: vec![Vec::new(); types],
            pool: vec![Vec::new(); types],
            view: FleetView {
                types: vec![TypeState::default(); types],
            },
            events: BinaryHeap::new(),
            seq: 0,
            rng: ChaCha8Rng::seed_from_u64(scenario.seed),
            serving: 0.0,
            cost_rate: 0.0,
            pool_rate: 0.0,
            clock: 0.0,
            current_step: 0,
            step_min: f64::INFINITY,
            step_serving_integral: 0.0,
            step_cost_integral: 0.0,
            step_pool_integral: 0.0,
            serving_min: Vec::with_capacity(series.len()),
            serving_mean: Vec::with_capacity(series.len()),
            step_cost: Vec::with_capacity(series.len()),
            warm_pool_cost: 0.0,
            actions: 0,
            interruptions: 0,
        };
        let first = series
            .values
            .iter()
            .flatten()
            .next()
            .copied()
            .unwrap_or(0.0);
        let initial =
            instances_needed(first, capacity).clamp(scenario.min_instances, scenario.max_instances);
        for _ in 0..initial {
            fleet.add(0, 0.0, true);
        }
        fleet
    }

    /// Accounts serving and cost up to `t`, applying every event due by then in order.
    fn advance_to(&mut self, t: f64) {
        while let Some(Reverse(ev)) = self.events.peek().copied() {
            if ev.at > t {
                break;
            }
            self.events.pop();
            self.integrate_to(ev.at);
            self.apply(ev);
        }
        self.integrate_to(t);
    }

    fn integrate_to(&mut self, t: f64) {
        while self.clock < t {
            let step_end = (self.current_step + 1) as f64 * self.step;
            let until = t.min(step_end);
            if until > self.clock {
                let dt = until - self.clock;
                self.step_min = self.step_min.min(self.serving);
                self.step_serving_integral += self.serving * dt;
                self.step_cost_integral += self.cost_rate * dt;
                self.step_pool_integral += self.pool_rate * dt;
                self.clock = until;
            }
            if self.clock >= step_end {
                self.close_step();
            }
        }
    }

    fn close_step(&mut self) {
        let k = self.current_step;
        let min = if self.step_min.is_finite() {
            self.step_min
        } else {
            self.serving
        };
        self.serving_min.push(min);
        self.serving_mean
            .push(self.step_serving_integral / self.step);
        let billed = if self.known.get(k).copied().unwrap_or(false) {
            self.warm_pool_cost += self.step_pool_integral;
            // Adding a zero pool cost leaves the figure of a fleet without pools unchanged.
            self.step_cost_integral + self.step_pool_integral
        } else {
            0.0
        };
        self.step_cost.push(billed);
        self.current_step += 1;
        self.step_min = f64::INFINITY;
        self.step_serving_integral = 0.0;
        self.step_cost_integral = 0.0;
        self.step_pool_integral = 0.0;
    }

    fn apply(&mut self, ev: Event) {
        let inst = &self.instances[ev.instance];
        let ty = inst.ty;
        let factor = self.scenario.instance_types[ty].capacity_factor;
        match (ev.kind, inst.phase) {
            (EventKind::Ready, Phase::Booting) => {
                self.view.types[ty].booting -= 1;
                self.serving += factor;
                // A notice that came while it was booting still applies.
                if inst.notice_at <= ev.at {
                    self.instances[ev.instance].phase = Phase::Notified;
                    self.view.types[ty].notified += 1;
                } else {
                    self.instances[ev.instance].phase = Phase::Ready;
                    self.view.types[ty].ready += 1;
                }
            }
            (EventKind::Ready, Phase::Warming) => self.pool_instance_stopped(ev.instance),
            (EventKind::Notice, Phase::Ready) => {
                self.instances[ev.instance].phase = Phase::Notified;
                self.view.types[ty].ready -= 1;
                self.view.types[ty].notified += 1;
            }
            (EventKind::Interrupt, Phase::Booting | Phase::Ready | Phase::Notified) => {
                self.interruptions += 1;
                self.remove(ev.instance);
            }
            // Events of instances already removed, or a notice for one still booting (it will
            // simply be interrupted when its time comes).
            _ => {}
        }
    }

    fn push_event(&mut self, at: f64, kind: EventKind, instance: usize) {
        self.seq += 1;
        self.events.push(Reverse(Event {
            at,
            seq: self.seq,
            kind,
            instance,
        }));
    }

    /// Requests one instance of type `ty` at `now`; `ready_now` skips the boot (initial fleet).
    fn add(&mut self, ty: usize, now: f64, ready_now: bool) {
        let spec = &self.scenario.instance_types[ty];
        let id = self.instances.len();
        let boot = if ready_now { 0.0 } else { spec.boot_seconds };
        let spot = spec.spot.clone();
        self.cost_rate += spec.price_per_hour / 3600.0;
        self.instances.push(Instance {
            ty,
            phase: Phase::Booting,
            notice_at: f64::INFINITY,
        });
        self.start(id, now, boot);
        if let Some(terms) = spot {
            let rate = terms.interruption_rate_per_day / 86_400.0;
            if let Ok(exp) = Exp::new(rate) {
                let life: f64 = exp.sample(&mut self.rng);
                if life.is_finite() {
                    let at = now + life;
                    let notice = (at - terms.notice_seconds).max(now);
                    self.instances[id].notice_at = notice;
                    self.push_event(notice, EventKind::Notice, id);
                    self.push_event(at, EventKind::Interrupt, id);
                }
            }
        }
    }

    /// Puts instance `id` (already billed) in service at `now`: serving at once when `boot` is
    /// 0, else booting until `now + boot`.
    fn start(&mut self, id: usize, now: f64, boot: f64) {
        let ty = self.instances[id].ty;
        if boot > 0.0 {
            self.instances[id].phase = Phase::Booting;
            self.view.types[ty].booting += 1;
            self.push_event(now + boot, EventKind::Ready, id);
        } else {
            self.instances[id].phase = Phase::Ready;
            self.view.types[ty].ready += 1;
            self.serving += self.scenario.instance_types[ty].capacity_factor;
        }
        self.active[ty].push(id);
    }

    /// Stops billing `id` now and takes it out of service (or out of its warm pool).
    fn remove(&mut self, id: usize) {
        let ty = self.instances[id].ty;
        let spec = &self.scenario.instance_types[ty];
        match self.instances[id].phase {
            Phase::Booting => self.view.types[ty].booting -= 1,
            Phase::Ready => {
                self.view.types[ty].ready -= 1;
                self.serving -= spec.capacity_factor;
            }
            Phase::Notified => {
                self.view.types[ty].notified -= 1;
                self.serving -= spec.capacity_factor;
            }
            Phase::Warming | Phase::Warm => return self.remove_from_pool(id),
            Phase::Gone => return,
        }
        self.cost_rate -= spec.price_per_hour / 3600.0;
        self.instances[id].phase = Phase::Gone;
        self.active[ty].retain(|&i| i != id);
        if self.active.iter().all(Vec::is_empty) {
            // Clear accumulated rounding so an empty fleet costs and serves exactly nothing.
            self.cost_rate = 0.0;
            self.serving = 0.0;
        }
    }

    /// Brings each type to its desired count, then each warm pool to its desired size.
    ///
    /// Missing serving instances are taken from the type's stopped warm instances first, then
    /// booted cold; extra ones are removed (booting first, as they serve nothing yet, then the
    /// newest ready ones). `max_instances` bounds serving instances only.
    fn reconcile(&mut self, now: f64, decision: &Decision) {
        let mut budget = self.scenario.max_instances;
        let mut acted = false;
        for ty in 0..self.view.types.len() {
            let want = decision.desired.get(ty).copied().unwrap_or(0).min(budget);
            budget -= want;
            let have = self.view.types[ty].current();
            if want > have {
                for _ in have..want {
                    if !self.take_warm(ty, now) {
                        self.add(ty, now, false);
                    }
                }
                acted = true;
            } else if want < have {
                for _ in want..have {
                    if let Some(id) = self.pick_removal(ty) {
                        self.remove(id);
                    }
                }
                acted = true;
            }
        }
        if acted {
            self.actions += 1;
        }
        for ty in 0..self.view.types.len() {
            self.reconcile_pool(ty, now, decision.warm.get(ty).copied().unwrap_or(0));
        }
    }

    fn pick_removal(&self, ty: usize) -> Option<usize> {
        let active = &self.active[ty];
        let newest = |phase: Phase| {
            active
                .iter()
                .rev()
                .copied()
                .find(|&i| self.instances[i].phase == phase)
        };
        newest(Phase::Booting).or_else(|| newest(Phase::Ready))
    }
}

mod pool;

#[cfg(test)]
mod tests;
