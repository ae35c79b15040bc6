//! The port every scaling policy implements, and what it sees and says at a decision.

use crate::fleet::{FleetView, InstanceType};

/// Everything a policy may look at when it decides. It holds only the past: steps that have
/// ended, and the fleet as it is now.
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    /// Seconds since the start of the trace.
    pub now: f64,
    /// Length of one step of the demand history, in seconds.
    pub step_seconds: f64,
    /// Unix time of the trace's start, when the trace has absolute timestamps.
    pub start_unix: Option<i64>,
    /// Demand of every step that has ended by `now` (index = step number); `None` = unknown.
    pub demand: &'a [Option<f64>],
    /// Mean number of serving instances (all types, weighted by capacity factor) during each
    /// step of `demand`: what a utilization metric is computed from.
    pub serving: &'a [f64],
    /// The fleet now.
    pub fleet: &'a FleetView,
    /// The instance types, in the order of `fleet.types`, `Decision::desired` and
    /// `Decision::warm`.
    pub types: &'a [InstanceType],
    /// Demand one standard instance serves at 100 % utilization.
    pub capacity_per_instance: f64,
}

impl Observation<'_> {
    /// The demand of the most recent step with a known value, with its step number.
    pub fn last_known(&self) -> Option<(usize, f64)> {
        self.demand
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, v)| v.map(|v| (i, v)))
    }
}

/// What a policy wants: a desired instance count per type (level-triggered, like a Kubernetes
/// `spec.replicas`), in the order of `Observation::types`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Serving instances wanted per type (ready or booting); a missing entry means 0.
    pub desired: Vec<u32>,
    /// Warm-pool size wanted per type (stopped plus initializing instances), in the same
    /// order; a missing entry, or a type without `warm_pool` terms, means 0.
    pub warm: Vec<u32>,
}

impl Decision {
    /// A decision with both the serving counts and the warm-pool sizes per type.
    pub fn new(desired: Vec<u32>, warm: Vec<u32>) -> Self {
        Self { desired, warm }
    }

    /// A decision that only uses the first (default, on-demand) type, without warm pools.
    pub fn only_default(count: u32, type_count: usize) -> Self {
        let mut desired = vec![0; type_count.max(1)];
        desired[0] = count;
        Self::new(desired, Vec::new())
    }
}

/// A scaling policy: decides, from the past only, how many instances it wants now.
///
/// The simulator and the live loop call `decide` at every decision time; a policy keeps
/// whatever state it needs between calls (stabilization windows, forecasts).
pub trait Policy: Send {
    /// Short name used in tables and reports (`hpa`, `aws-predictive`, ...).
    fn name(&self) -> String;

    /// Seconds between decisions, when the policy wants to decide more often than once per
    /// step (the HPA syncs every 15 s). `None` = once at the start of every step.
    fn decision_interval(&self) -> Option<f64> {
        None
    }

    /// The desired fleet now.
    fn decide(&mut self, obs: &Observation<'_>) -> Decision;

    /// Why it changed the fleet lately, most recent last, one readable line per change (for
    /// reports); empty for policies that do not explain themselves.
    fn explanations(&self) -> Vec<String> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_default_asks_for_no_warm_pool() {
        let d = Decision::only_default(4, 2);
        assert_eq!(d, Decision::new(vec![4, 0], Vec::new()));
    }
}
