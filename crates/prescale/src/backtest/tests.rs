//! Properties every policy must have in the simulator, checked on a generated workload.

use super::*;
use crate::policies::CATALOG;
use prescale_sim::generator;

fn workload(days: f64, step: u32) -> Series {
    let mut spec = generator::preset("web").expect("web preset");
    spec.days = days;
    spec.step_seconds = step;
    spec.generate().expect("generates")
}

fn simulate_entry(entry: &PolicyEntry, series: &Series, scenario: &Scenario) -> Run {
    let capacity = scenario.capacity_for_peak(series.peak().unwrap_or(1.0));
    let mut policy = (entry.build)(None, scenario, &TraceShared::default());
    simulator::simulate(series, scenario, capacity, policy.as_mut())
}

#[test]
fn no_policy_sees_the_future() {
    // Changing every value from step `cut` on must leave everything before `cut` unchanged.
    // The capacity is fixed so that both series share it.
    let scenario = Scenario {
        capacity_per_instance: Some(5.0),
        ..Scenario::default()
    };
    let original = workload(3.0, 300);
    let cut = original.len() * 2 / 3;
    let mut changed = original.clone();
    for v in &mut changed.values[cut..] {
        *v = v.map(|x| x * 3.0 + 50.0);
    }
    for entry in CATALOG {
        let a = simulate_entry(entry, &original, &scenario);
        let b = simulate_entry(entry, &changed, &scenario);
        assert_eq!(a.serving_min[..cut], b.serving_min[..cut], "{}", entry.name);
        assert_eq!(a.step_cost[..cut], b.step_cost[..cut], "{}", entry.name);
        assert_ne!(
            a.serving_min[cut..],
            b.serving_min[cut..],
            "{} ignored the change",
            entry.name
        );
    }
}

#[test]
fn the_oracle_costs_no_more_than_any_policy_that_never_under_provisions() {
    let series = workload(7.0, 300);
    // The oracle uses on-demand instances only; with spot offered prescale can beat it, so the
    // bound is checked where every policy has the oracle's instance type alone.
    let mut scenario = Scenario::default();
    scenario.instance_types.truncate(1);
    let plan = Plan {
        scenario: &scenario,
        policies: CATALOG.iter().collect(),
        sweep: true,
        progress: false,
    };
    let (outcomes, _) = run(std::slice::from_ref(&series), &plan);
    let outcome = &outcomes[0];
    let oracle = outcome
        .policies
        .iter()
        .find(|p| p.run.policy == "oracle")
        .expect("oracle row");
    assert_eq!(oracle.metrics.tau_u, 0.0);
    let mut checked = 0;
    for p in &outcome.policies {
        if p.metrics.tau_u == 0.0 {
            checked += 1;
            assert!(
                p.metrics.cost >= oracle.metrics.cost,
                "{} beat the oracle",
                p.run.policy
            );
        }
        if let Some(iso) = p.iso_slo_cost_vs_oracle {
            assert!(
                iso >= 1.0 - 1e-9,
                "{} iso-SLO {iso} below the oracle",
                p.run.policy
            );
        }
    }
    assert!(
        checked >= 2,
        "too few policies reached τU = 0 to check anything"
    );
}

#[test]
fn the_iso_slo_figure_is_the_cheapest_run_that_meets_the_slo() {
    let series = workload(4.0, 300);
    let scenario = Scenario::default();
    let hpa = CATALOG.iter().find(|e| e.name == "hpa").expect("hpa");
    let plan = Plan {
        scenario: &scenario,
        policies: vec![hpa],
        sweep: true,
        progress: false,
    };
    let (outcomes, steps) = run(std::slice::from_ref(&series), &plan);
    let knob = hpa.knob.as_ref().expect("hpa has a knob");
    assert_eq!(steps, series.len() as u64 * (2 + knob.sweep.len() as u64));
    let row = &outcomes[0].policies[1];
    let iso = row
        .iso_slo_cost_vs_oracle
        .expect("some target meets the SLO");
    // Check against a brute-force sweep.
    let capacity = scenario.capacity_for_peak(series.peak().unwrap_or(1.0));
    let oracle_cost = metrics::evaluate(
        &series,
        capacity,
        &oracle::run(&series, &scenario, capacity),
    )
    .cost;
    let best = std::iter::once(knob.default)
        .chain(knob.sweep.iter().copied())
        .map(|k| {
            let mut p = (hpa.build)(Some(k), &scenario, &TraceShared::default());
            let r = simulator::simulate(&series, &scenario, capacity, p.as_mut());
            metrics::evaluate(&series, capacity, &r)
        })
        .filter(|m| m.tau_u <= ISO_SLO_TAU_U)
        .map(|m| m.cost / oracle_cost)
        .fold(f64::INFINITY, f64::min);
    assert!((iso - best).abs() < 1e-12, "{iso} vs {best}");
}

#[test]
fn hpa_scale_down_on_long_steps_settles_instead_of_cascading_to_the_minimum() {
    // Regression: with 30-minute steps the visible step stays the same for 120 syncs; the HPA
    // once divided its load by the step's old pod count after every scale-down and fell to 1.
    let mut values = vec![Some(400.0); 4];
    values.extend([Some(140.0); 6]);
    let series = Series {
        name: "drop".into(),
        start: 0,
        absolute: false,
        step_seconds: 1800,
        values,
    };
    let scenario = Scenario {
        capacity_per_instance: Some(10.0),
        ..Scenario::default()
    };
    let hpa = CATALOG.iter().find(|e| e.name == "hpa").expect("hpa");
    let run = simulate_entry(hpa, &series, &scenario);
    // 140 / 10 = 14 instances needed; at 80 % target the HPA wants 18.
    for k in 6..10 {
        assert!(
            run.serving_min[k] >= 14.0,
            "step {k}: {:?}",
            run.serving_min
        );
        assert!(
            run.serving_min[k] <= 20.0,
            "step {k}: {:?}",
            run.serving_min
        );
    }
}
