use super::*;
use prescale_core::{Decision, InstanceType, SpotTerms};

mod warm_pool;

/// A policy that wants a fixed count per type from given times on, and records what it saw.
struct Script {
    /// (from time, desired per type)
    plan: Vec<(f64, Vec<u32>)>,
    /// (from time, warm-pool size per type); empty = no pools
    warm: Vec<(f64, Vec<u32>)>,
    interval: Option<f64>,
    seen: Vec<(f64, usize)>,
    /// The fleet at each decision.
    fleets: Vec<(f64, FleetView)>,
}

impl Script {
    fn new(plan: Vec<(f64, Vec<u32>)>) -> Self {
        Self {
            plan,
            warm: Vec::new(),
            interval: None,
            seen: Vec::new(),
            fleets: Vec::new(),
        }
    }

    fn with_warm(mut self, warm: Vec<(f64, Vec<u32>)>) -> Self {
        self.warm = warm;
        self
    }

    /// The first type's state seen by the decision at `now`.
    fn seen_at(&self, now: f64) -> TypeState {
        self.fleets
            .iter()
            .find(|(t, _)| *t == now)
            .map(|(_, f)| f.types[0])
            .unwrap_or_else(|| panic!("no decision at {now}"))
    }
}

impl Policy for Script {
    fn name(&self) -> String {
        "script".into()
    }
    fn decision_interval(&self) -> Option<f64> {
        self.interval
    }
    fn decide(&mut self, obs: &Observation<'_>) -> Decision {
        self.seen.push((obs.now, obs.demand.len()));
        self.fleets.push((obs.now, obs.fleet.clone()));
        let desired = self
            .plan
            .iter()
            .rev()
            .find(|(from, _)| obs.now >= *from)
            .map(|(_, d)| d.clone())
            .unwrap_or_else(|| vec![obs.fleet.types[0].current()]);
        let warm = self
            .warm
            .iter()
            .rev()
            .find(|(from, _)| obs.now >= *from)
            .map(|(_, w)| w.clone())
            .unwrap_or_default();
        Decision { desired, warm }
    }
}

fn series(step: u32, values: Vec<Option<f64>>) -> Series {
    Series {
        name: "t".into(),
        start: 0,
        absolute: false,
        step_seconds: step,
        values,
    }
}

fn on_demand_only(boot: f64) -> Scenario {
    Scenario {
        instance_types: vec![InstanceType {
            name: "od".into(),
            price_per_hour: 1.0,
            capacity_factor: 1.0,
            boot_seconds: boot,
            spot: None,
            warm_pool: None,
        }],
        ..Scenario::default()
    }
}

#[test]
fn billing_is_per_second_from_request_to_removal() {
    // 10 steps of 60 s; one initial instance all along; a second requested at 120 s and
    // removed at 300 s: billed 600 s + 180 s.
    let s = series(60, vec![Some(1.0); 10]);
    let mut p = Script::new(vec![(120.0, vec![2]), (300.0, vec![1])]);
    let run = simulate(&s, &on_demand_only(60.0), 1.0, &mut p);
    let total: f64 = run.step_cost.iter().sum();
    assert!((total - 780.0 / 3600.0).abs() < 1e-12, "{total}");
    // Steps 2..5 each bill two instances, the others one.
    assert!((run.step_cost[3] - 120.0 / 3600.0).abs() < 1e-12);
    assert!((run.step_cost[6] - 60.0 / 3600.0).abs() < 1e-12);
    assert_eq!(run.actions, 2);
}

#[test]
fn an_added_instance_serves_only_after_its_boot_time() {
    let s = series(60, vec![Some(1.0); 10]);
    let mut p = Script::new(vec![(0.0, vec![2])]);
    let run = simulate(&s, &on_demand_only(300.0), 1.0, &mut p);
    assert_eq!(&run.serving_min[..5], &[1.0; 5]);
    assert_eq!(&run.serving_min[5..], &[2.0; 5]);
}

#[test]
fn capacity_arriving_mid_step_does_not_count_for_that_step() {
    // 30-minute steps, 5-minute boot: requested at 0, ready at 300 s, inside step 0.
    let s = series(1800, vec![Some(1.0); 3]);
    let mut p = Script::new(vec![(0.0, vec![2])]);
    let run = simulate(&s, &on_demand_only(300.0), 1.0, &mut p);
    assert_eq!(run.serving_min, vec![1.0, 2.0, 2.0]);
    assert!((run.serving_mean[0] - (1.0 + 1500.0 / 1800.0)).abs() < 1e-12);
}

#[test]
fn removal_takes_booting_instances_first() {
    // Ask for 3 at t=0 (two boot), then for 2 at t=60: one booting instance goes; the
    // ready one stays, so serving never drops below 1.
    let s = series(60, vec![Some(1.0); 10]);
    let mut p = Script::new(vec![(0.0, vec![3]), (60.0, vec![2])]);
    let run = simulate(&s, &on_demand_only(300.0), 1.0, &mut p);
    assert!(run.serving_min.iter().all(|&x| x >= 1.0));
    assert_eq!(run.serving_min[9], 2.0);
    // Billing: initial 600 s, one booting 60 s (cancelled), one 600 s.
    let total: f64 = run.step_cost.iter().sum();
    assert!((total - 1260.0 / 3600.0).abs() < 1e-12, "{total}");
}

#[test]
fn steps_with_unknown_demand_are_not_billed() {
    let s = series(60, vec![Some(1.0), None, None, Some(1.0)]);
    let mut p = Script::new(vec![]);
    let run = simulate(&s, &on_demand_only(60.0), 1.0, &mut p);
    assert_eq!(run.step_cost[1], 0.0);
    assert_eq!(run.step_cost[2], 0.0);
    assert!((run.step_cost.iter().sum::<f64>() - 120.0 / 3600.0).abs() < 1e-12);
}

#[test]
fn a_decision_sees_only_steps_that_have_ended() {
    let s = series(60, vec![Some(1.0); 5]);
    let mut p = Script::new(vec![]);
    p.interval = Some(15.0);
    let _ = simulate(&s, &on_demand_only(60.0), 1.0, &mut p);
    assert_eq!(p.seen.len(), 20, "four decisions per step");
    for (now, visible) in p.seen {
        assert_eq!(visible, (now / 60.0).floor() as usize, "at {now}");
    }
}

#[test]
fn the_initial_fleet_matches_the_first_known_step() {
    let s = series(60, vec![None, Some(35.0), Some(1.0)]);
    let mut p = Script::new(vec![]);
    let run = simulate(&s, &on_demand_only(60.0), 10.0, &mut p);
    assert_eq!(run.serving_min[0], 4.0);
}

#[test]
fn instances_needed_ignores_rounding_noise() {
    assert_eq!(instances_needed(40.000_000_000_1, 1.0), 40);
    assert_eq!(instances_needed(40.1, 1.0), 41);
    assert_eq!(instances_needed(0.0, 1.0), 0);
}

fn spot_scenario(rate: f64) -> Scenario {
    Scenario {
        instance_types: vec![
            on_demand_only(60.0).instance_types[0].clone(),
            InstanceType {
                name: "spot".into(),
                price_per_hour: 0.35,
                capacity_factor: 1.0,
                boot_seconds: 60.0,
                spot: Some(SpotTerms {
                    interruption_rate_per_day: rate,
                    notice_seconds: 120.0,
                }),
                warm_pool: None,
            },
        ],
        ..Scenario::default()
    }
}

#[test]
fn spot_interruptions_follow_the_seed_and_rate() {
    // 20 spot instances for 10 days at 5 per instance-day: about 1000 interruptions, each
    // replaced by the level-triggered policy.
    let s = series(600, vec![Some(1.0); 1440]);
    let run_with = |seed| {
        let mut p = Script::new(vec![(0.0, vec![0, 20])]);
        let sc = Scenario {
            seed,
            ..spot_scenario(5.0)
        };
        simulate(&s, &sc, 1.0, &mut p)
    };
    let a = run_with(7);
    let b = run_with(7);
    let c = run_with(8);
    assert_eq!(a, b, "same seed, same interruptions");
    assert_ne!(a.interruptions, 0);
    assert!(
        (800..1200).contains(&a.interruptions),
        "{} interruptions",
        a.interruptions
    );
    assert_ne!(a.step_cost, c.step_cost);
}

#[test]
fn a_notified_spot_instance_is_replaced_before_it_goes() {
    // Rate high enough that interruptions happen; notice 120 s > boot 60 s, so a replacement
    // requested at the notice serves before the interruption: supply never drops.
    let s = series(30, vec![Some(1.0); 2880]);
    let mut p = Script::new(vec![(0.0, vec![0, 5])]);
    p.interval = Some(15.0);
    let run = simulate(&s, &spot_scenario(3.0), 1.0, &mut p);
    assert!(run.interruptions > 0);
    let late = &run.serving_min[10..];
    assert!(
        late.iter().all(|&x| x >= 5.0),
        "min {:?}",
        late.iter().cloned().fold(f64::INFINITY, f64::min)
    );
}
