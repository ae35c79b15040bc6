//! Instance types a fleet can be made of, and the fleet as a policy sees it.

use serde::{Deserialize, Serialize};

/// Terms of an interruptible (spot) instance type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpotTerms {
    /// Expected interruptions per instance-day (0.05 = 5 % per instance-day).
    pub interruption_rate_per_day: f64,
    /// Warning given before an interruption, in seconds.
    pub notice_seconds: f64,
}

/// Terms of a warm pool: pre-initialized, stopped instances of a type kept aside so that a
/// scale-out starts them instead of booting new ones (like EC2 Auto Scaling warm pools).
///
/// An instance added to the pool first runs the type's full start-up (`boot_seconds` of the
/// type, billed at `price_per_hour`), then stops and waits, billed at `holding_price_per_hour`
/// (the storage of a stopped instance). Only for types that are not interruptible.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarmPoolTerms {
    /// Seconds from a warm (stopped) instance being requested until it serves; at most the
    /// type's cold `boot_seconds`.
    pub boot_seconds: f64,
    /// Price per hour of a stopped instance waiting in the pool.
    pub holding_price_per_hour: f64,
}

/// One kind of instance the fleet can add.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceType {
    /// Name used in decisions and reports (`on-demand`, `spot`, ...).
    pub name: String,
    /// Price per instance-hour, billed per second from request to removal.
    pub price_per_hour: f64,
    /// Demand one instance serves, relative to the scenario's per-instance capacity (1.0 = one
    /// standard instance).
    #[serde(default = "one")]
    pub capacity_factor: f64,
    /// Seconds from request until the instance serves.
    pub boot_seconds: f64,
    /// Present for interruptible instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spot: Option<SpotTerms>,
    /// Present when the type can keep a warm pool of stopped, pre-initialized instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warm_pool: Option<WarmPoolTerms>,
}

fn one() -> f64 {
    1.0
}

/// The state of one instance type's instances at a decision.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeState {
    /// Serving and not under an interruption notice.
    pub ready: u32,
    /// Requested, not yet serving.
    pub booting: u32,
    /// Serving, but under an interruption notice: they will go away soon.
    pub notified: u32,
    /// Stopped and initialized in the warm pool: they serve nothing until requested.
    #[serde(default)]
    pub warm: u32,
    /// Being initialized for the warm pool: they will become `warm`.
    #[serde(default)]
    pub warming: u32,
}

impl TypeState {
    /// Instances that count towards the desired number: ready or booting, not about to go
    /// (warm-pool instances are not counted: they do not serve).
    pub fn current(&self) -> u32 {
        self.ready + self.booting
    }
}

/// The fleet at a decision: one entry per instance type, in scenario order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetView {
    pub types: Vec<TypeState>,
}

impl FleetView {
    /// Ready instances of all types, notified ones included (they still serve); warm-pool
    /// instances never serve.
    pub fn serving(&self) -> u32 {
        self.types.iter().map(|t| t.ready + t.notified).sum()
    }

    /// Ready plus booting instances of all types, without the notified ones.
    pub fn current(&self) -> u32 {
        self.types.iter().map(TypeState::current).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warm_pool_instances_neither_serve_nor_count_as_current() {
        let fleet = FleetView {
            types: vec![TypeState {
                ready: 2,
                booting: 1,
                notified: 1,
                warm: 5,
                warming: 3,
            }],
        };
        assert_eq!(fleet.serving(), 3);
        assert_eq!(fleet.current(), 3);
    }
}
