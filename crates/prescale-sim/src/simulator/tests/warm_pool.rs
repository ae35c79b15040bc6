//! Warm pools: stopped instances that a scale-out starts faster than it boots new ones.

use super::*;
use prescale_core::WarmPoolTerms;

/// One on-demand type (1.0 per hour, 300 s cold boot) with a pool whose instances serve 30 s
/// after being started and cost `holding` per hour while stopped.
fn pooled(holding: f64) -> Scenario {
    let mut sc = on_demand_only(300.0);
    sc.instance_types[0].warm_pool = Some(WarmPoolTerms {
        boot_seconds: 30.0,
        holding_price_per_hour: holding,
    });
    sc
}

/// 20 steps of 60 s with demand 1 (one instance at the start).
fn twenty_minutes() -> Series {
    series(60, vec![Some(1.0); 20])
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn a_warm_instance_serves_after_the_warm_boot_not_the_cold_one() {
    // The pool instance is stopped from 300 s; started at 600 s it serves at 630 s (cold: 900 s).
    let mut p = Script::new(vec![(0.0, vec![1]), (600.0, vec![2])]).with_warm(vec![(0.0, vec![1])]);
    let run = simulate(&twenty_minutes(), &pooled(0.1), 1.0, &mut p);
    assert_eq!(&run.serving_min[..11], &[1.0; 11]);
    assert_eq!(&run.serving_min[11..], &[2.0; 9]);
    assert!(close(run.serving_mean[10], 1.5), "{}", run.serving_mean[10]);
}

#[test]
fn an_instance_still_initializing_stays_in_the_pool() {
    // At 120 s the pool instance is still initializing: the scale-out boots a cold one, ready
    // at 420 s, and the pool keeps its instance.
    let mut p = Script::new(vec![(0.0, vec![1]), (120.0, vec![2])]).with_warm(vec![(0.0, vec![1])]);
    let run = simulate(&twenty_minutes(), &pooled(0.1), 1.0, &mut p);
    assert_eq!(run.serving_min[6], 1.0);
    assert_eq!(run.serving_min[7], 2.0);
    let at = p.seen_at(180.0);
    assert_eq!((at.booting, at.warming, at.warm), (1, 1, 0));
    assert_eq!(p.seen_at(300.0).warm, 1);
}

#[test]
fn a_pool_instance_is_billed_in_full_while_initializing_then_at_the_holding_price() {
    // 300 s at 1.0 per hour, then 900 s at 0.1 per hour, next to one serving instance.
    let mut p = Script::new(vec![(0.0, vec![1])]).with_warm(vec![(0.0, vec![1])]);
    let run = simulate(&twenty_minutes(), &pooled(0.1), 1.0, &mut p);
    assert!(
        close(run.warm_pool_cost, 390.0 / 3600.0),
        "{}",
        run.warm_pool_cost
    );
    let total: f64 = run.step_cost.iter().sum();
    assert!(close(total, (1200.0 + 390.0) / 3600.0), "{total}");
    assert!(close(run.step_cost[0], 120.0 / 3600.0));
    assert!(close(run.step_cost[10], 66.0 / 3600.0));
}

#[test]
fn a_pool_refills_after_an_instance_is_taken() {
    let mut p = Script::new(vec![(0.0, vec![1]), (600.0, vec![2])]).with_warm(vec![(0.0, vec![1])]);
    let run = simulate(&twenty_minutes(), &pooled(0.1), 1.0, &mut p);
    let at = p.seen_at(600.0);
    assert_eq!((at.ready, at.warm, at.warming), (1, 1, 0));
    let at = p.seen_at(660.0);
    assert_eq!((at.ready, at.booting, at.warm, at.warming), (2, 0, 0, 1));
    assert_eq!(p.seen_at(840.0).warming, 1);
    let at = p.seen_at(900.0);
    assert_eq!((at.warm, at.warming), (1, 0));
    // Pool: two instances, each 300 s initializing and 300 s stopped. Serving: the initial
    // instance all along, the started one from 600 s at the full price.
    assert!(
        close(run.warm_pool_cost, 660.0 / 3600.0),
        "{}",
        run.warm_pool_cost
    );
    let total: f64 = run.step_cost.iter().sum();
    assert!(close(total, (1800.0 + 660.0) / 3600.0), "{total}");
}

#[test]
fn shrinking_a_pool_removes_instances_and_stops_their_billing() {
    // Three pool instances until 600 s, then one.
    let mut p = Script::new(vec![(0.0, vec![1])]).with_warm(vec![(0.0, vec![3]), (600.0, vec![1])]);
    let run = simulate(&twenty_minutes(), &pooled(0.1), 1.0, &mut p);
    assert_eq!(p.seen_at(660.0).warm, 1);
    let pool = 3.0 * 300.0 + 3.0 * 300.0 * 0.1 + 600.0 * 0.1;
    assert!(
        close(run.warm_pool_cost, pool / 3600.0),
        "{}",
        run.warm_pool_cost
    );
    assert!(close(run.step_cost[19], 66.0 / 3600.0));
}

#[test]
fn shrinking_a_pool_removes_initializing_instances_first() {
    // A is stopped from 300 s; B starts initializing at 360 s and goes at 420 s.
    let mut p = Script::new(vec![(0.0, vec![1])]).with_warm(vec![
        (0.0, vec![1]),
        (360.0, vec![2]),
        (420.0, vec![1]),
    ]);
    let run = simulate(&twenty_minutes(), &pooled(0.1), 1.0, &mut p);
    let at = p.seen_at(420.0);
    assert_eq!((at.warm, at.warming), (1, 1));
    let at = p.seen_at(480.0);
    assert_eq!((at.warm, at.warming), (1, 0));
    let pool = 300.0 + 900.0 * 0.1 + 60.0;
    assert!(
        close(run.warm_pool_cost, pool / 3600.0),
        "{}",
        run.warm_pool_cost
    );
}

#[test]
fn warm_instances_never_serve_nor_count_towards_the_maximum() {
    let sc = Scenario {
        max_instances: 2,
        ..pooled(0.1)
    };
    let mut p = Script::new(vec![(0.0, vec![2])]).with_warm(vec![(0.0, vec![5])]);
    let run = simulate(&twenty_minutes(), &sc, 1.0, &mut p);
    assert!(run.serving_min.iter().all(|&x| x <= 2.0));
    assert_eq!(run.serving_mean[19], 2.0);
    let fleet = &p.fleets.last().expect("decisions").1;
    assert_eq!(fleet.types[0].warm, 5);
    assert_eq!((fleet.serving(), fleet.current()), (2, 2));
}

#[test]
fn a_zero_warm_boot_serves_at_once() {
    let mut sc = pooled(0.1);
    if let Some(terms) = sc.instance_types[0].warm_pool.as_mut() {
        terms.boot_seconds = 0.0;
    }
    let mut p = Script::new(vec![(0.0, vec![1]), (600.0, vec![2])]).with_warm(vec![(0.0, vec![1])]);
    let run = simulate(&twenty_minutes(), &sc, 1.0, &mut p);
    assert_eq!(run.serving_min[9], 1.0);
    assert_eq!(run.serving_min[10], 2.0);
}

#[test]
fn pool_costs_of_steps_with_unknown_demand_are_not_billed() {
    let s = series(60, vec![Some(1.0), None, None, Some(1.0)]);
    let mut p = Script::new(vec![]).with_warm(vec![(0.0, vec![1])]);
    let run = simulate(&s, &pooled(0.1), 1.0, &mut p);
    assert_eq!(run.step_cost[1], 0.0);
    assert!(
        close(run.warm_pool_cost, 120.0 / 3600.0),
        "{}",
        run.warm_pool_cost
    );
    assert!(close(run.step_cost.iter().sum::<f64>(), 240.0 / 3600.0));
}

#[test]
fn a_fleet_without_pools_is_simulated_exactly_as_before() {
    let plan = || vec![(0.0, vec![1]), (120.0, vec![3]), (600.0, vec![2])];
    let run = |sc: &Scenario, warm: Vec<(f64, Vec<u32>)>| {
        let mut p = Script::new(plan()).with_warm(warm);
        simulate(&twenty_minutes(), sc, 1.0, &mut p)
    };
    let plain = run(&on_demand_only(300.0), vec![]);
    assert_eq!(plain.warm_pool_cost, 0.0);
    // Pool sizes asked of a type without pool terms are ignored.
    assert_eq!(run(&on_demand_only(300.0), vec![(0.0, vec![3])]), plain);
    // Pool terms with no pool asked change nothing.
    assert_eq!(run(&pooled(0.1), vec![]), plain);
}

#[test]
fn spot_types_never_get_a_pool_and_their_interruptions_are_unchanged() {
    // Validation refuses pool terms on a spot type; the simulator ignores them anyway, so the
    // seeded interruptions stay the same.
    let s = series(600, vec![Some(1.0); 288]);
    let run = |sc: &Scenario| {
        let mut p = Script::new(vec![(0.0, vec![0, 20])]).with_warm(vec![(0.0, vec![0, 3])]);
        let run = simulate(&s, sc, 1.0, &mut p);
        let warm: u32 = p
            .fleets
            .iter()
            .map(|(_, f)| f.types[1].warm + f.types[1].warming)
            .sum();
        (run, warm)
    };
    let plain = spot_scenario(5.0);
    let mut with_terms = plain.clone();
    with_terms.instance_types[1].warm_pool = Some(WarmPoolTerms {
        boot_seconds: 30.0,
        holding_price_per_hour: 0.01,
    });
    let (a, _) = run(&plain);
    let (b, warm) = run(&with_terms);
    assert_ne!(a.interruptions, 0);
    assert_eq!(a, b);
    assert_eq!(warm, 0);
}
