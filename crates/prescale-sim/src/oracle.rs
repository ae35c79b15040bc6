//! The perfect-foresight oracle: the cheapest fleet that is never under-provisioned.
//!
//! It knows the whole trace and has exactly ceil(demand / capacity) instances of the default
//! type serving at every step, each ready exactly on time. Its cost is the lower bound every
//! other policy is measured against:
//! - instances are billed from request to removal, so each start pays the boot time;
//! - between two periods of need, an instance is kept when keeping it costs less than booting
//!   a new one (the gap is shorter than the boot time), otherwise it is released.
//!
//! Because instance costs add up per "level" (the j-th instance is needed exactly at the steps
//! whose need is ≥ j), deciding keep-or-release per level and gap gives the optimal schedule.
//! The initial instances are ready at time 0 without boot, as for every simulated policy.

use crate::scenario::Scenario;
use crate::simulator::{instances_needed, Run};
use prescale_core::Series;

/// The oracle's run on `series`: per-step supply and cost, in the simulator's format.
pub fn run(series: &Series, scenario: &Scenario, capacity: f64) -> Run {
    let step = series.step();
    let (price, boot) = scenario
        .instance_types
        .first()
        .map_or((1.0, 0.0), |t| (t.price_per_hour / 3600.0, t.boot_seconds));
    let need: Vec<u32> = series
        .values
        .iter()
        .map(|v| v.map_or(0, |d| instances_needed(d, capacity)))
        .collect();
    let n = need.len();
    let mut alive = vec![0u32; n];
    let mut boots = vec![0u32; n];
    let mut actions = vec![false; n];
    let top = need.iter().copied().max().unwrap_or(0);
    for level in 1..=top {
        schedule_level(
            &need,
            &series.values,
            level,
            step,
            boot,
            &mut alive,
            &mut boots,
        );
    }
    for k in 0..n {
        let before = if k == 0 { alive[0] } else { alive[k - 1] };
        actions[k] = k > 0 && alive[k] != before;
    }
    let step_cost = (0..n)
        .map(|k| {
            if series.values[k].is_none() {
                return 0.0;
            }
            // Boot time is billed with the step the instance starts serving in.
            price * (f64::from(alive[k]) * step + f64::from(boots[k]) * boot)
        })
        .collect();
    let serving: Vec<f64> = alive.iter().map(|&a| f64::from(a)).collect();
    Run {
        policy: "oracle".into(),
        serving_min: serving.clone(),
        serving_mean: serving,
        step_cost,
        // The oracle needs no warm pool: it requests every instance exactly one boot ahead.
        warm_pool_cost: 0.0,
        actions: actions.iter().filter(|&&a| a).count() as u32,
        interruptions: 0,
    }
}

/// Marks the steps at which the `level`-th instance is alive, and where it boots.
fn schedule_level(
    need: &[u32],
    values: &[Option<f64>],
    level: u32,
    step: f64,
    boot: f64,
    alive: &mut [u32],
    boots: &mut [u32],
) {
    let mut last_end: Option<usize> = None;
    let mut k = 0;
    while k < need.len() {
        if need[k] < level {
            k += 1;
            continue;
        }
        let start = k;
        while k < need.len() && need[k] >= level {
            alive[k] += 1;
            k += 1;
        }
        match last_end {
            Some(end) => {
                // Only scored (known) steps cost anything to bridge.
                let gap_cost =
                    values[end..start].iter().filter(|v| v.is_some()).count() as f64 * step;
                if gap_cost <= boot {
                    for a in &mut alive[end..start] {
                        *a += 1;
                    }
                } else {
                    boots[start] += 1;
                }
            }
            None if start > 0 => boots[start] += 1,
            None => {}
        }
        last_end = Some(k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(values: Vec<f64>) -> Series {
        Series {
            name: "o".into(),
            start: 0,
            absolute: false,
            step_seconds: 60,
            values: values.into_iter().map(Some).collect(),
        }
    }

    #[test]
    fn the_oracle_serves_exactly_the_need() {
        let s = series(vec![10.0, 25.0, 5.0]);
        let r = run(&s, &Scenario::default(), 10.0);
        assert_eq!(r.serving_min, vec![1.0, 3.0, 1.0]);
    }

    #[test]
    fn short_dips_are_bridged_and_long_ones_pay_a_new_boot() {
        // Boot 300 s = 5 steps. A 2-step dip is bridged; a 10-step dip is not.
        let mut v = vec![20.0; 3];
        v.extend([10.0; 2]);
        v.extend([20.0; 3]);
        v.extend([10.0; 10]);
        v.extend([20.0; 3]);
        let s = series(v);
        let r = run(&s, &Scenario::default(), 10.0);
        assert_eq!(r.serving_min[3], 2.0, "bridged");
        assert_eq!(r.serving_min[10], 1.0, "released");
        // Cost: level 1 all 21 steps; level 2: 8 steps + 3 steps + one boot.
        let expected = (21.0 * 60.0 + 11.0 * 60.0 + 300.0) / 3600.0;
        let total: f64 = r.step_cost.iter().sum();
        assert!((total - expected).abs() < 1e-12, "{total} vs {expected}");
    }
}
