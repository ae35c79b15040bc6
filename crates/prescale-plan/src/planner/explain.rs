//! Why the planner wants what it wants: every action carries the forecast it rests on and the
//! constraint that bound it, so an operator (and the store, later) can read each decision.

use serde::Serialize;
use std::fmt;

/// A rule that changed the count the forecast alone asked for.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "constraint", rename_all = "snake_case")]
pub enum Constraint {
    /// Kept for steps before a new instance could be back (the boot time).
    BootTime { steps: usize },
    /// Kept because the forecast needs it again within the minimum lifetime.
    MinLifetime { steps: usize },
    /// Scale-down held by the stabilization window (the highest recent recommendation).
    Stabilization { window_seconds: f64 },
    /// The observed demand exceeded the plan: the reactive safety net asked for more.
    Reactive {
        observed: f64,
        planned_capacity: f64,
    },
    /// At most this many instances added per decision.
    MaxStepUp { limit: u32 },
    /// At most this many instances removed per decision.
    MaxStepDown { limit: u32 },
    /// The configured floor.
    MinInstances { limit: u32 },
    /// The configured ceiling.
    MaxInstances { limit: u32 },
    /// The budget could not pay for the plan: this much demand per step is left unserved.
    Budget { limit_per_hour: f64, unserved: f64 },
    /// Extra spot instances against interruptions expected before a replacement serves.
    InterruptionHeadroom { instances: u32 },
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BootTime { steps } => write!(f, "kept: needed within the boot time ({steps} steps)"),
            Self::MinLifetime { steps } => {
                write!(f, "kept: needed again within the minimum lifetime ({steps} steps)")
            }
            Self::Stabilization { window_seconds } => {
                write!(f, "scale-down held by the {window_seconds:.0} s stabilization window")
            }
            Self::Reactive {
                observed,
                planned_capacity,
            } => write!(
                f,
                "reactive: observed demand {observed:.1} exceeded the planned capacity {planned_capacity:.1}"
            ),
            Self::MaxStepUp { limit } => write!(f, "at most {limit} added per decision"),
            Self::MaxStepDown { limit } => write!(f, "at most {limit} removed per decision"),
            Self::MinInstances { limit } => write!(f, "min_instances {limit}"),
            Self::MaxInstances { limit } => write!(f, "max_instances {limit}"),
            Self::Budget {
                limit_per_hour,
                unserved,
            } => write!(
                f,
                "budget {limit_per_hour:.2}/h binds: {unserved:.1} demand per step unserved"
            ),
            Self::InterruptionHeadroom { instances } => {
                write!(f, "{instances} spot instances of headroom for interruptions")
            }
        }
    }
}

/// The forecast behind a count: the demand at a quantile for a step ahead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastBasis {
    /// Demand planned for (the quantile's value), in demand units.
    pub demand: f64,
    /// The quantile level it was read at.
    pub quantile: f64,
    /// Steps ahead of the decision (0 = the step in progress).
    pub steps_ahead: usize,
    /// Seconds from a request until the instance serves (the lead planned for).
    pub lead_seconds: f64,
}

/// One change of one instance type's count, with its reasons.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    /// Instance type name.
    pub instance_type: String,
    /// Count before (ready + booting).
    pub from: u32,
    /// Count wanted.
    pub to: u32,
    /// Warm-pool size wanted, when the type has a pool.
    pub warm_pool: Option<u32>,
    pub basis: ForecastBasis,
    /// Every rule that moved the count away from the forecast's own, in the order applied.
    pub constraints: Vec<Constraint>,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.basis;
        write!(
            f,
            "{} {} → {}: demand {:.1} at q{:.3} {} steps ahead (lead {:.0} s)",
            self.instance_type,
            self.from,
            self.to,
            b.demand,
            b.quantile,
            b.steps_ahead,
            b.lead_seconds
        )?;
        if let Some(w) = self.warm_pool {
            write!(f, ", warm pool {w}")?;
        }
        for c in &self.constraints {
            write!(f, "; {c}")?;
        }
        Ok(())
    }
}
