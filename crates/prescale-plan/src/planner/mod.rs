//! The proactive planner: from demand quantiles to instance counts per type, ahead of boot time,
//! with safe scale-down, a reactive safety net, the spot/on-demand mix, budgets and warm pools.
//!
//! One decision (`Planner::plan`), in order:
//! 1. the last step's outcome steers the planning quantile ([`miss`]: its misses are the error
//!    feedback of the plan) and the base load of the mix;
//! 2. the demand quantile of each step ahead becomes an instance need, and the count follows
//!    [`need::window_need`]: request for the steps after the lead, keep what is needed before
//!    a replacement could boot or again within the minimum lifetime;
//! 3. after a miss, the reactive safety net asks for what the HPA would (hybrid = the larger);
//! 4. scale-down never faster than the stabilization window (the highest recent count) and the
//!    step limits; then min/max;
//! 5. the count is split over instance types ([`mix`]) and trimmed to the budget
//!    ([`budget`]), which reports the demand it leaves unserved;
//! 6. the warm pool (if the main type has one and its start is shorter than a boot in whole
//!    steps) covers the gap between the short warm lead and the cold one.
//!
//! Every change comes with its reasons ([`explain`]).

pub mod budget;
pub mod explain;
pub mod miss;
pub mod mix;
pub mod need;

use budget::{BudgetConfig, BudgetTracker};
use explain::{Action, Constraint, ForecastBasis};
use miss::{MissControl, QuantileController};
use mix::MixConfig;
use need::{instances_for, window_need};
use prescale_core::{Decision, FleetView, InstanceType};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// What the planner plans on: demand quantiles for the steps ahead (index 0 = the step in
/// progress).
pub trait DemandOutlook {
    /// Steps covered.
    fn len(&self) -> usize;
    /// Whether no step is covered.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Demand at quantile `level` for step `i` ahead.
    fn quantile(&self, i: usize, level: f64) -> f64;
}

/// The reactive safety net's setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReactiveConfig {
    /// After a miss, capacity for the observed demand at this utilization (the HPA's target).
    pub target_utilization: f64,
}

impl Default for ReactiveConfig {
    fn default() -> Self {
        Self {
            target_utilization: 0.8,
        }
    }
}

/// Settings of the planner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlannerConfig {
    /// The planning quantile and its steering by misses.
    pub miss: MissControl,
    /// Utilization an instance is planned at (1.0: the capacity given is the usable one).
    pub target_utilization: f64,
    /// An instance the forecast would remove is kept if needed again within this many seconds
    /// (`None`: the boot time, since bridging a shorter gap costs less than a new boot).
    pub min_lifetime_seconds: Option<f64>,
    /// Quantile the minimum lifetime reads: keeping an instance for a later need is a cost
    /// trade-off (a boot against the gap), not an SLO matter.
    pub lifetime_quantile: f64,
    /// Scale-down goes no lower than the highest count of this many seconds back (the HPA's
    /// stabilization window; 0: the forecast's own hysteresis only).
    pub scale_down_stabilization_seconds: f64,
    /// Most instances added per decision (`None`: no limit).
    pub max_step_up: Option<u32>,
    /// Most instances removed per decision (`None`: no limit).
    pub max_step_down: Option<u32>,
    pub min_instances: u32,
    pub max_instances: u32,
    /// The reactive safety net (`None`: forecast only).
    pub reactive: Option<ReactiveConfig>,
    pub mix: MixConfig,
    pub budget: BudgetConfig,
}

impl Default for PlannerConfig {
    fn default() -> Self {
        Self {
            miss: MissControl::default(),
            target_utilization: 1.0,
            min_lifetime_seconds: None,
            lifetime_quantile: 0.5,
            scale_down_stabilization_seconds: 0.0,
            max_step_up: None,
            max_step_down: None,
            min_instances: 1,
            max_instances: 400,
            reactive: Some(ReactiveConfig::default()),
            mix: MixConfig::default(),
            budget: BudgetConfig::default(),
        }
    }
}

impl PlannerConfig {
    /// Every problem, each naming its key under `at` (e.g. `planner`).
    pub fn problems(&self, at: &str) -> Vec<String> {
        let mut p = self.miss.problems(&format!("{at}.miss"));
        p.extend(self.budget.problems(&format!("{at}.budget")));
        let fraction = |x: f64| x.is_finite() && x > 0.0 && x <= 1.0;
        if !fraction(self.target_utilization) {
            p.push(format!(
                "{at}.target_utilization: {} must be in (0, 1]",
                self.target_utilization
            ));
        }
        if let Some(r) = &self.reactive {
            if !fraction(r.target_utilization) {
                p.push(format!(
                    "{at}.reactive.target_utilization: {} must be in (0, 1]",
                    r.target_utilization
                ));
            }
        }
        if let Some(s) = self.min_lifetime_seconds {
            if !(s.is_finite() && s >= 0.0) {
                p.push(format!("{at}.min_lifetime_seconds: {s} must be ≥ 0"));
            }
        }
        let s = self.scale_down_stabilization_seconds;
        if !(s.is_finite() && s >= 0.0) {
            p.push(format!(
                "{at}.scale_down_stabilization_seconds: {s} must be ≥ 0"
            ));
        }
        if self.max_instances < self.min_instances.max(1) {
            p.push(format!(
                "{at}.max_instances: {} must be ≥ min_instances ({}) and ≥ 1",
                self.max_instances, self.min_instances
            ));
        }
        let q = self.lifetime_quantile;
        if !(q.is_finite() && q > 0.0 && q < 1.0) {
            p.push(format!("{at}.lifetime_quantile: {q} must be in (0, 1)"));
        }
        let r = self.mix.interruption_risk;
        if !(r.is_finite() && r > 0.0 && r < 1.0) {
            p.push(format!("{at}.mix.interruption_risk: {r} must be in (0, 1)"));
        }
        p
    }
}

/// What the step that just ended looked like.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepOutcome {
    /// Its demand.
    pub demand: f64,
    /// The capacity that served it, in demand units.
    pub capacity: f64,
}

/// Everything a decision looks at.
pub struct PlanInput<'a> {
    /// Seconds since the start.
    pub now: f64,
    pub step_seconds: f64,
    /// Unix time of second 0, when known (calendar months for the budget).
    pub start_unix: Option<i64>,
    pub outlook: &'a dyn DemandOutlook,
    /// The step that just ended, when its demand is known.
    pub last_step: Option<StepOutcome>,
    pub fleet: &'a FleetView,
    pub types: &'a [InstanceType],
    /// Demand one standard instance serves at 100 % utilization.
    pub capacity_per_instance: f64,
}

/// A decision with its explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// Instances and warm-pool sizes wanted per type.
    #[serde(skip)]
    pub decision: Decision,
    /// The changes, each with its reasons (empty when nothing changes).
    pub actions: Vec<Action>,
    /// The quantile level planned on.
    pub quantile: f64,
    /// Demand per step the budget leaves unserved (0 when it does not bind): input for the
    /// priority layer.
    pub unserved: f64,
    /// Whether the last step was short of capacity.
    pub missed: bool,
}

/// The planner's state between decisions.
#[derive(Debug, Clone)]
pub struct Planner {
    config: PlannerConfig,
    quantile: QuantileController,
    budget: BudgetTracker,
    /// Recent recommendations (time, count) for the stabilization window.
    recent: VecDeque<(f64, u32)>,
    /// Observed needs over the base window, as a monotonic deque (time, need) for its minimum.
    base: VecDeque<(f64, u32)>,
}

impl Planner {
    pub fn new(config: PlannerConfig) -> Self {
        Self {
            quantile: QuantileController::new(config.miss.clone()),
            budget: BudgetTracker::new(config.budget.clone()),
            recent: VecDeque::new(),
            base: VecDeque::new(),
            config,
        }
    }

    pub fn config(&self) -> &PlannerConfig {
        &self.config
    }

    /// Steps scored and steps missed so far.
    pub fn miss_counts(&self) -> (u64, u64) {
        self.quantile.counts()
    }

    /// One decision (see the module documentation).
    pub fn plan(&mut self, input: &PlanInput<'_>) -> Plan {
        let c = self.config.clone();
        let c = &c;
        let capacity = input.capacity_per_instance * c.target_utilization;
        let step = input.step_seconds.max(1e-9);
        let main = mix::roles(input.types).0.unwrap_or(0);
        let main_type = input.types.get(main);
        let cold_boot = main_type.map_or(0.0, |t| t.boot_seconds);
        let steps_of = |seconds: f64| (seconds / step - 1e-9).ceil().max(0.0) as usize;
        let cold_lead = steps_of(cold_boot);
        // A pool is worth its holding cost only where it shortens the lead in whole steps (a
        // 30 s start is still one step at 5-minute decisions, as a 300 s boot is).
        let warm_boot = main_type
            .and_then(|t| t.warm_pool.as_ref())
            .map(|w| w.boot_seconds)
            .filter(|&w| steps_of(w) < cold_lead);
        let lead_seconds = warm_boot.unwrap_or(cold_boot);
        let lead = steps_of(lead_seconds);
        let lifetime = steps_of(c.min_lifetime_seconds.unwrap_or(cold_boot));

        // 1. Feedback of the last step.
        let missed = input
            .last_step
            .is_some_and(|o| o.demand > o.capacity * (1.0 + 1e-9) + 1e-9);
        if let Some(o) = input.last_step {
            self.quantile.observe(missed);
            self.note_base(input.now, instances_for(o.demand, capacity));
        }
        let level = self.quantile.level();

        // 2. The forecast's need.
        let at_level = |level: f64| -> Vec<u32> {
            (0..input.outlook.len())
                .map(|i| instances_for(input.outlook.quantile(i, level), capacity))
                .collect()
        };
        let needs = at_level(level);
        let keep = at_level(c.lifetime_quantile.min(level));
        let current = standard_count(input.fleet, input.types);
        let need = window_need(&needs, &keep, current, lead, lifetime);
        let mut count = need.count;
        let mut constraints = Vec::new();
        if need.held {
            constraints.push(Constraint::BootTime { steps: lead });
        } else if need.at > lead {
            constraints.push(Constraint::MinLifetime { steps: lifetime });
        }
        let basis = ForecastBasis {
            demand: input.outlook.quantile(need.at, level),
            quantile: level,
            steps_ahead: need.at,
            lead_seconds,
        };

        // 3. Reactive safety net.
        if let (true, Some(r), Some(o)) = (missed, &c.reactive, input.last_step) {
            let reactive =
                instances_for(o.demand, input.capacity_per_instance * r.target_utilization);
            if reactive > count {
                count = reactive;
                constraints.push(Constraint::Reactive {
                    observed: o.demand,
                    planned_capacity: o.capacity,
                });
            }
        }

        // 4. Stabilization, step limits, bounds.
        let window = c.scale_down_stabilization_seconds;
        self.recent.push_back((input.now, count));
        while self
            .recent
            .front()
            .is_some_and(|(t, _)| *t < input.now - window)
        {
            self.recent.pop_front();
        }
        let stabilized = self.recent.iter().map(|(_, n)| *n).max().unwrap_or(count);
        if stabilized > count && stabilized <= current.max(count) {
            count = stabilized.min(current.max(count));
            constraints.push(Constraint::Stabilization {
                window_seconds: window,
            });
        }
        if let Some(limit) = c.max_step_up {
            if count > current.saturating_add(limit) {
                count = current.saturating_add(limit);
                constraints.push(Constraint::MaxStepUp { limit });
            }
        }
        if let Some(limit) = c.max_step_down {
            if count < current.saturating_sub(limit) {
                count = current.saturating_sub(limit);
                constraints.push(Constraint::MaxStepDown { limit });
            }
        }
        if count < c.min_instances {
            count = c.min_instances;
            constraints.push(Constraint::MinInstances {
                limit: c.min_instances,
            });
        }
        if count > c.max_instances {
            count = c.max_instances;
            constraints.push(Constraint::MaxInstances {
                limit: c.max_instances,
            });
        }

        // 5. Mix and budget.
        let base = self.base_need().min(count);
        let split = mix::split(count, base, input.types, step, &c.mix);
        let mut desired = split.per_type;
        if split.headroom > 0 {
            constraints.push(Constraint::InterruptionHeadroom {
                instances: split.headroom,
            });
        }

        // 6. Warm pool: what the cold lead window may need beyond the count.
        let mut warm = vec![0u32; input.types.len()];
        if warm_boot.is_some() {
            let peak = needs
                .get(lead..(cold_lead + lifetime + 1).min(needs.len()))
                .and_then(|w| w.iter().max().copied())
                .unwrap_or(0);
            warm[main] = peak.saturating_sub(count).max(1);
        }

        let limit = self.budget.limit_per_hour(input.now, input.start_unix);
        let mut unserved = 0.0;
        if let Some(limit) = limit {
            let trimmed = trim_to_budget(&mut desired, &mut warm, input.types, limit);
            if trimmed {
                let served = standard_of(&desired, input.types) * input.capacity_per_instance;
                unserved = (basis.demand - served).max(0.0);
                constraints.push(Constraint::Budget {
                    limit_per_hour: limit,
                    unserved,
                });
            }
        }
        self.budget.record(
            input.now,
            input.start_unix,
            cost_rate(input.fleet, input.types),
        );

        let actions = actions(input, &desired, &warm, &basis, &constraints);
        Plan {
            decision: Decision::new(desired, warm),
            actions,
            quantile: level,
            unserved,
            missed,
        }
    }

    fn note_base(&mut self, now: f64, need: u32) {
        while self.base.back().is_some_and(|(_, n)| *n >= need) {
            self.base.pop_back();
        }
        self.base.push_back((now, need));
        let horizon = self.config.mix.base_window_seconds;
        while self.base.front().is_some_and(|(t, _)| *t < now - horizon) {
            self.base.pop_front();
        }
    }

    /// The lowest need over the base window (0 before any observation).
    fn base_need(&self) -> u32 {
        self.base.front().map_or(0, |(_, n)| *n)
    }
}

/// Ready plus booting instances, in standard instances (capacity factors applied, rounded up).
fn standard_count(fleet: &FleetView, types: &[InstanceType]) -> u32 {
    let counts: Vec<u32> = fleet.types.iter().map(|t| t.current()).collect();
    (standard_of(&counts, types) - 1e-9).ceil().max(0.0) as u32
}

fn standard_of(counts: &[u32], types: &[InstanceType]) -> f64 {
    counts
        .iter()
        .zip(types)
        .map(|(&n, t)| f64::from(n) * t.capacity_factor)
        .sum()
}

/// What the fleet costs per hour now: serving and booting instances at full price, the warm
/// pool at its holding price (warming ones run at full price).
fn cost_rate(fleet: &FleetView, types: &[InstanceType]) -> f64 {
    fleet
        .types
        .iter()
        .zip(types)
        .map(|(s, t)| {
            let running = f64::from(s.ready + s.booting + s.notified + s.warming);
            let holding = t
                .warm_pool
                .as_ref()
                .map_or(0.0, |w| w.holding_price_per_hour);
            running * t.price_per_hour + f64::from(s.warm) * holding
        })
        .sum()
}

/// Removes instances, the dearest per unit of capacity first (warm pools before serving
/// capacity), until the fleet's cost rate fits `limit`. Returns whether anything was removed.
fn trim_to_budget(
    desired: &mut [u32],
    warm: &mut [u32],
    types: &[InstanceType],
    limit: f64,
) -> bool {
    let rate = |d: &[u32], w: &[u32]| -> f64 {
        d.iter()
            .zip(w)
            .zip(types)
            .map(|((&n, &p), t)| {
                let holding = t
                    .warm_pool
                    .as_ref()
                    .map_or(0.0, |w| w.holding_price_per_hour);
                f64::from(n) * t.price_per_hour + f64::from(p) * holding
            })
            .sum()
    };
    let mut trimmed = false;
    if rate(desired, warm) > limit + 1e-12 && warm.iter().any(|&w| w > 0) {
        warm.iter_mut().for_each(|w| *w = 0);
        trimmed = true;
    }
    let mut order: Vec<usize> = (0..types.len()).collect();
    order.sort_by(|&a, &b| {
        let unit = |i: usize| types[i].price_per_hour / types[i].capacity_factor;
        unit(b).total_cmp(&unit(a))
    });
    for i in order {
        while desired[i] > 0 && rate(desired, warm) > limit + 1e-12 {
            desired[i] -= 1;
            trimmed = true;
        }
    }
    trimmed
}

/// One action per type whose count or pool changes.
fn actions(
    input: &PlanInput<'_>,
    desired: &[u32],
    warm: &[u32],
    basis: &ForecastBasis,
    constraints: &[Constraint],
) -> Vec<Action> {
    input
        .types
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            let state = input.fleet.types.get(i).copied().unwrap_or_default();
            let from = state.current();
            let to = desired.get(i).copied().unwrap_or(0);
            let pool = t
                .warm_pool
                .as_ref()
                .map(|_| warm.get(i).copied().unwrap_or(0));
            let pool_changes = pool.is_some_and(|p| p != state.warm + state.warming);
            (from != to || pool_changes).then(|| Action {
                instance_type: t.name.clone(),
                from,
                to,
                warm_pool: pool,
                basis: basis.clone(),
                constraints: constraints.to_vec(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
