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
}

impl TypeState {
    /// Instances that count towards the desired number: ready or booting, not about to go.
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
    /// Ready instances of all types, notified ones included (they still serve).
    pub fn serving(&self) -> u32 {
        self.types.iter().map(|t| t.ready + t.notified).sum()
    }

    /// Ready plus booting instances of all types, without the notified ones.
    pub fn current(&self) -> u32 {
        self.types.iter().map(TypeState::current).sum()
    }
}
