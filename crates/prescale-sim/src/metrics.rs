//! Elasticity metrics of one run, as the SPEC Research Group defines them (Herbst et al.,
//! "Elasticity in Cloud Computing: What It Is, and What It Is Not", ICAC 2013; Bauer et al.,
//! "Chamulteon", ICAC 2018, for instability), plus cost and unserved demand.
//!
//! Demand `d_t` is the number of standard instances a step needs, ceil(demand / capacity);
//! supply `s_t` is the minimum capacity that served during the step (see the simulator). Only
//! steps with known demand are scored. Every share is a fraction in 0..=1.

use crate::simulator::{instances_needed, Run};
use prescale_core::Series;
use serde::{Deserialize, Serialize};

/// The figures of one policy on one trace. Shares (`theta_*`, `tau_*`, `instability`,
/// `unserved`) are fractions in 0..=1 (JSON too); tables show them as percentages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Total cost over the scored steps (price units).
    pub cost: f64,
    /// Under-provisioning accuracy θU: mean over scored steps of max(d − s, 0) / d.
    pub theta_u: f64,
    /// Over-provisioning accuracy θO: mean over scored steps of max(s − d, 0) / max(d, 1).
    pub theta_o: f64,
    /// Under-provisioning timeshare τU: share of scored steps with s < d.
    pub tau_u: f64,
    /// Over-provisioning timeshare τO: share of scored steps with s > d.
    pub tau_o: f64,
    /// Instability υ: share of consecutive scored step pairs where supply and demand do not
    /// move in the same direction (min(|sgn Δs − sgn Δd|, 1)).
    pub instability: f64,
    /// Demand not served (demand beyond supply × capacity) over all demand.
    pub unserved: f64,
    /// Decisions that requested or removed at least one instance.
    pub actions: u32,
}

/// Below this, supply and demand count as equal (supply is a sum of capacity factors).
const EPS: f64 = 1e-9;

/// Scores `run` against the demand of `series` with `capacity` demand units per instance.
pub fn evaluate(series: &Series, capacity: f64, run: &Run) -> Metrics {
    let mut scored = 0usize;
    let (mut theta_u, mut theta_o, mut under, mut over) = (0.0, 0.0, 0usize, 0usize);
    let (mut demand_total, mut unserved) = (0.0, 0.0);
    let (mut pairs, mut unstable) = (0usize, 0usize);
    let mut previous: Option<(f64, f64)> = None;
    for (k, value) in series.values.iter().enumerate() {
        let Some(demand) = *value else {
            previous = None;
            continue;
        };
        let d = f64::from(instances_needed(demand, capacity));
        let s = run.serving_min.get(k).copied().unwrap_or(0.0);
        scored += 1;
        if s + EPS < d {
            under += 1;
            theta_u += (d - s) / d;
        } else if s > d + EPS {
            over += 1;
            theta_o += (s - d) / d.max(1.0);
        }
        demand_total += demand;
        unserved += (demand - s * capacity).max(0.0);
        if let Some((ps, pd)) = previous {
            pairs += 1;
            if direction(s - ps) != direction(d - pd) {
                unstable += 1;
            }
        }
        previous = Some((s, d));
    }
    let share = |x: f64, n: usize| if n == 0 { 0.0 } else { x / n as f64 };
    Metrics {
        cost: run.step_cost.iter().sum(),
        theta_u: share(theta_u, scored),
        theta_o: share(theta_o, scored),
        tau_u: share(under as f64, scored),
        tau_o: share(over as f64, scored),
        instability: share(unstable as f64, pairs),
        unserved: if demand_total > 0.0 {
            unserved / demand_total
        } else {
            0.0
        },
        actions: run.actions,
    }
}

fn direction(delta: f64) -> i8 {
    if delta > EPS {
        1
    } else if delta < -EPS {
        -1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(values: Vec<Option<f64>>) -> Series {
        Series {
            name: "m".into(),
            start: 0,
            absolute: false,
            step_seconds: 60,
            values,
        }
    }

    fn run(serving: Vec<f64>) -> Run {
        Run {
            policy: "p".into(),
            step_cost: vec![1.0; serving.len()],
            serving_mean: serving.clone(),
            serving_min: serving,
            warm_pool_cost: 0.0,
            actions: 3,
            interruptions: 0,
        }
    }

    #[test]
    fn exact_supply_scores_zero_everywhere() {
        let s = series(vec![Some(10.0), Some(20.0), Some(30.0)]);
        let m = evaluate(&s, 10.0, &run(vec![1.0, 2.0, 3.0]));
        assert_eq!(
            (m.tau_u, m.tau_o, m.theta_u, m.theta_o),
            (0.0, 0.0, 0.0, 0.0)
        );
        assert_eq!(m.instability, 0.0);
        assert_eq!(m.unserved, 0.0);
        assert_eq!(m.cost, 3.0);
    }

    #[test]
    fn under_and_over_provisioning_are_measured_per_step() {
        // Needs 4, 4, 2, 2; supply 2, 4, 4, 2.
        let s = series(vec![Some(40.0), Some(40.0), Some(20.0), Some(20.0)]);
        let m = evaluate(&s, 10.0, &run(vec![2.0, 4.0, 4.0, 2.0]));
        assert_eq!(m.tau_u, 0.25);
        assert_eq!(m.tau_o, 0.25);
        assert!((m.theta_u - 0.5 / 4.0).abs() < 1e-12);
        assert!((m.theta_o - 1.0 / 4.0).abs() < 1e-12);
        assert!((m.unserved - 20.0 / 120.0).abs() < 1e-12);
        // Pairs: (+2 vs 0), (0 vs −2), (−2 vs 0): all unstable.
        assert_eq!(m.instability, 1.0);
    }

    #[test]
    fn unknown_steps_are_not_scored() {
        let s = series(vec![Some(10.0), None, Some(10.0)]);
        let m = evaluate(&s, 10.0, &run(vec![1.0, 0.0, 1.0]));
        assert_eq!(m.tau_u, 0.0);
        // The gap breaks the pair chain: no pairs, no instability.
        assert_eq!(m.instability, 0.0);
    }
}
