//! The HPA end to end: observations built by hand, decisions read back.

use super::*;
use prescale_core::{FleetView, InstanceType, TypeState};
use proptest::prelude::*;
use serde::de::value::{Error as ValueError, MapDeserializer};

const STEP: f64 = 60.0;
/// Demand one instance serves at 100 %.
const CAPACITY: f64 = 10.0;

fn types() -> Vec<InstanceType> {
    vec![InstanceType {
        name: "on-demand".into(),
        price_per_hour: 1.0,
        capacity_factor: 1.0,
        boot_seconds: 300.0,
        spot: None,
        warm_pool: None,
    }]
}

fn fleet(ready: u32, booting: u32) -> FleetView {
    FleetView {
        types: vec![TypeState {
            ready,
            booting,
            notified: 0,
            warm: 0,
            warming: 0,
        }],
    }
}

fn hpa_with_target(target_utilization: f64) -> Hpa {
    Hpa::new(HpaConfig {
        target_utilization,
        ..HpaConfig::default()
    })
}

/// The default type's desired count after one sync at `now`.
fn decide(
    hpa: &mut Hpa,
    now: f64,
    demand: &[Option<f64>],
    serving: &[f64],
    fleet: &FleetView,
) -> u32 {
    let types = types();
    let obs = Observation {
        now,
        step_seconds: STEP,
        start_unix: None,
        demand,
        serving,
        fleet,
        types: &types,
        capacity_per_instance: CAPACITY,
    };
    let decision = hpa.decide(&obs);
    assert_eq!(decision.desired.len(), 1);
    decision.desired[0]
}

/// Steady load: every step that has ended by `now` had `demand` served by `serving` instances.
fn steady(now: f64, demand: f64, serving: f64) -> (Vec<Option<f64>>, Vec<f64>) {
    let ended = (now / STEP).floor() as usize;
    (vec![Some(demand); ended], vec![serving; ended])
}

#[test]
fn it_is_named_hpa_and_syncs_every_15_seconds() {
    let hpa = Hpa::new(HpaConfig::default());
    assert_eq!(hpa.name(), "hpa");
    assert_eq!(hpa.decision_interval(), Some(15.0));
}

#[test]
fn doubles_the_replicas_when_utilization_is_twice_the_target() {
    // Four instances at 100 % against a 50 % target.
    let mut hpa = hpa_with_target(0.5);
    let (demand, serving) = steady(90.0, 40.0, 4.0);
    assert_eq!(decide(&mut hpa, 90.0, &demand, &serving, &fleet(4, 0)), 8);
}

#[test]
fn metric_lag_hides_the_most_recent_step() {
    let mut hpa = hpa_with_target(0.5);
    // Step 0 at 50 % (on target), step 1 at 100 %. Step 1 ends at 120 s; with a 30 s lag the
    // controller sees it from 150 s on.
    let demand = [Some(20.0), Some(40.0)];
    let serving = [4.0, 4.0];
    assert_eq!(decide(&mut hpa, 145.0, &demand, &serving, &fleet(4, 0)), 4);
    assert_eq!(decide(&mut hpa, 150.0, &demand, &serving, &fleet(4, 0)), 8);
}

#[test]
fn no_metric_keeps_the_current_count() {
    let mut hpa = hpa_with_target(0.5);
    // Start of the trace: nothing has ended yet.
    assert_eq!(decide(&mut hpa, 0.0, &[], &[], &fleet(4, 0)), 4);
    // Step 0 ended 15 s ago: not visible yet.
    assert_eq!(
        decide(&mut hpa, 75.0, &[Some(40.0)], &[4.0], &fleet(4, 0)),
        4
    );
    // A gap: the latest visible step has no data, and an older step is not used instead.
    assert_eq!(
        decide(
            &mut hpa,
            150.0,
            &[Some(40.0), None],
            &[4.0, 4.0],
            &fleet(4, 0)
        ),
        4
    );
}

#[test]
fn scale_down_waits_for_the_stabilization_window() {
    // Ten instances at 20 % against 80 %: the calculator asks for 3 from the first sync on.
    let mut hpa = hpa_with_target(0.8);
    let first = 90.0;
    let mut now = first;
    while now < first + 300.0 {
        let (demand, serving) = steady(now, 20.0, 10.0);
        assert_eq!(
            decide(&mut hpa, now, &demand, &serving, &fleet(10, 0)),
            10,
            "at {now} s"
        );
        now += 15.0;
    }
    // The count found at the first sync leaves the window exactly 300 s later.
    let (demand, serving) = steady(now, 20.0, 10.0);
    assert_eq!(decide(&mut hpa, now, &demand, &serving, &fleet(10, 0)), 3);
}

#[test]
fn scale_up_adds_at_most_four_pods_or_doubles_per_period() {
    // One instance at 1000 % against 50 % asks for 20.
    let mut hpa = hpa_with_target(0.5);
    let (demand, serving) = steady(90.0, 100.0, 1.0);
    assert_eq!(decide(&mut hpa, 90.0, &demand, &serving, &fleet(1, 0)), 5);
    // Fifteen seconds later the four new instances still boot (0 % on a scale-up): the ready
    // one's 1000 % becomes 200 % over five, ratio 4, 20 pods; the new period allows 10.
    let (demand, serving) = steady(105.0, 100.0, 1.0);
    assert_eq!(decide(&mut hpa, 105.0, &demand, &serving, &fleet(1, 4)), 10);
    // Ten ready at 200 % against 50 %: 40 asked, 20 allowed.
    let (demand, serving) = steady(120.0, 200.0, 10.0);
    assert_eq!(
        decide(&mut hpa, 120.0, &demand, &serving, &fleet(10, 0)),
        20
    );
}

#[test]
fn unready_pods_block_a_scale_up_that_is_only_due_to_them() {
    // Four ready at 96 % against 80 %, four booting: counted at 0 % they reverse the direction.
    let mut hpa = hpa_with_target(0.8);
    let (demand, serving) = steady(90.0, 38.4, 4.0);
    assert_eq!(decide(&mut hpa, 90.0, &demand, &serving, &fleet(4, 4)), 8);
}

#[test]
fn ready_pods_that_joined_after_the_metric_window_are_set_aside() {
    // Eight ready now, but only four served during the visible step (at 96 %): the other four
    // have no sample from then, so the scale-up to ceil(1.2 × 8) = 10 does not happen.
    let mut hpa = hpa_with_target(0.8);
    let (demand, serving) = steady(90.0, 38.4, 4.0);
    assert_eq!(decide(&mut hpa, 90.0, &demand, &serving, &fleet(8, 0)), 8);
}

#[test]
fn min_and_max_clamp_the_decision() {
    let config = HpaConfig {
        target_utilization: 0.5,
        min_replicas: 2,
        max_replicas: 6,
        ..HpaConfig::default()
    };
    let (demand, serving) = steady(90.0, 40.0, 4.0);
    // Outside the bounds the count goes straight to the bound, stabilization or not.
    let mut hpa = Hpa::new(config.clone());
    assert_eq!(decide(&mut hpa, 90.0, &demand, &serving, &fleet(10, 0)), 6);
    let mut hpa = Hpa::new(config.clone());
    assert_eq!(decide(&mut hpa, 90.0, &demand, &serving, &fleet(1, 0)), 2);
    // Inside them, a metric asking for 8 gets 6.
    let mut hpa = Hpa::new(config);
    assert_eq!(decide(&mut hpa, 90.0, &demand, &serving, &fleet(4, 0)), 6);
}

#[test]
fn a_target_at_zero_replicas_is_left_alone() {
    let mut hpa = hpa_with_target(0.5);
    let (demand, serving) = steady(90.0, 40.0, 4.0);
    assert_eq!(decide(&mut hpa, 90.0, &demand, &serving, &fleet(0, 0)), 0);
}

#[test]
fn the_default_config_is_the_kubernetes_default() {
    let c = HpaConfig::default();
    assert_eq!(c.target_utilization, 0.8);
    assert_eq!(c.tolerance, 0.1);
    assert_eq!(c.sync_period_seconds, 15.0);
    assert_eq!(c.metric_lag_seconds, 30.0);
    assert_eq!(c.min_replicas, 1);
    assert!(c.max_replicas >= 100_000);
    assert!(c.problems().is_empty());
}

#[test]
fn config_fields_left_out_take_their_defaults() {
    let entries = vec![("target_utilization", 0.6), ("tolerance", 0.05)];
    let config =
        HpaConfig::deserialize(MapDeserializer::<_, ValueError>::new(entries.into_iter())).unwrap();
    assert_eq!(
        config,
        HpaConfig {
            target_utilization: 0.6,
            tolerance: 0.05,
            ..HpaConfig::default()
        }
    );
}

#[test]
fn config_rejects_unknown_fields() {
    let entries = vec![("target_cpu", 0.6)];
    let err = HpaConfig::deserialize(MapDeserializer::<_, ValueError>::new(entries.into_iter()))
        .unwrap_err();
    assert!(err.to_string().contains("unknown field"), "{err}");
}

#[test]
fn problems_lists_every_invalid_setting() {
    let config = HpaConfig {
        target_utilization: 0.0,
        min_replicas: 5,
        max_replicas: 4,
        behavior: BehaviorSpec {
            scale_up: ScalingRulesSpec {
                policies: Some(vec![ScalingPolicy {
                    kind: ScalingPolicyType::Pods,
                    value: 0,
                    period_seconds: 3600,
                }]),
                ..ScalingRulesSpec::default()
            },
            ..BehaviorSpec::default()
        },
        ..HpaConfig::default()
    };
    let problems = config.problems();
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert!(problems[0].starts_with("target_utilization"));
    assert!(problems[1].starts_with("min_replicas"));
    assert!(problems[2].starts_with("behavior.scale_up.policies[0].value"));
    assert!(problems[3].starts_with("behavior.scale_up.policies[0].period_seconds"));
}

proptest! {
    /// Syncs with instant boots and an arbitrary load: the count stays within its bounds, no
    /// sync grows it past max(2 × current, current + 4), and nothing is removed before the
    /// first sync's count has left the 300 s window.
    #[test]
    fn decisions_stay_within_bounds_and_rate_limits(
        start in 1u32..30,
        loads in prop::collection::vec(0.0f64..4.0, 1..60),
    ) {
        let bounds = (1, 40);
        let mut hpa = Hpa::new(HpaConfig {
            min_replicas: bounds.0,
            max_replicas: bounds.1,
            ..HpaConfig::default()
        });
        let mut current = start;
        for (i, load) in loads.into_iter().enumerate() {
            let now = 15.0 * i as f64;
            let pods = PodMetrics { utilization: load, ready: current, ignored: 0 };
            let next = hpa.sync(now, current, Some(pods));
            prop_assert!((bounds.0..=bounds.1).contains(&next));
            prop_assert!(next <= (2 * current).max(current + 4).max(bounds.0));
            if now < 300.0 {
                prop_assert!(next >= start.min(bounds.1));
            }
            current = next;
        }
    }
}
