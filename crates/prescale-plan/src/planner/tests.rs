use super::*;
use prescale_core::TypeState;

/// A flat outlook: every step ahead at the same demand, the level adding `spread`·(level − 0.5).
struct Flat {
    steps: Vec<f64>,
    spread: f64,
}

impl DemandOutlook for Flat {
    fn len(&self) -> usize {
        self.steps.len()
    }
    fn quantile(&self, i: usize, level: f64) -> f64 {
        self.steps[i] + self.spread * (level - 0.5)
    }
}

/// The standard scenario's types: on-demand (1.0/h) and spot (0.35/h, 5 %/day, 120 s notice),
/// both booting in 300 s.
fn standard_types() -> Vec<InstanceType> {
    prescale_sim::scenario::Scenario::default().instance_types
}

fn on_demand() -> InstanceType {
    standard_types()[0].clone()
}

fn fleet(counts: &[u32]) -> FleetView {
    FleetView {
        types: counts
            .iter()
            .map(|&ready| TypeState {
                ready,
                ..TypeState::default()
            })
            .collect(),
    }
}

fn fixed(quantile: f64) -> PlannerConfig {
    PlannerConfig {
        miss: MissControl {
            initial_quantile: quantile,
            target_miss_rate: None,
            ..MissControl::default()
        },
        mix: MixConfig {
            use_spot: false,
            ..MixConfig::default()
        },
        ..PlannerConfig::default()
    }
}

fn input<'a>(
    outlook: &'a dyn DemandOutlook,
    fleet: &'a FleetView,
    types: &'a [InstanceType],
    now: f64,
    last: Option<StepOutcome>,
) -> PlanInput<'a> {
    PlanInput {
        now,
        step_seconds: 60.0,
        start_unix: None,
        outlook,
        last_step: last,
        fleet,
        types,
        capacity_per_instance: 10.0,
    }
}

#[test]
fn capacity_is_requested_a_boot_time_ahead_at_the_planning_quantile() {
    // 1-minute steps, 300 s boot: lead 5. Demand 100 now, 200 from step 5.
    let mut steps = vec![100.0; 5];
    steps.extend([200.0; 6]);
    let outlook = Flat { steps, spread: 0.0 };
    let types = [on_demand()];
    let f = fleet(&[10]);
    let mut p = Planner::new(fixed(0.9));
    let plan = p.plan(&input(&outlook, &f, &types, 0.0, None));
    assert_eq!(plan.decision.desired, vec![20]);
    let action = &plan.actions[0];
    assert_eq!((action.from, action.to), (10, 20));
    assert_eq!(action.basis.steps_ahead, 5);
    assert_eq!(action.basis.lead_seconds, 300.0);
    assert!(action.to_string().contains("q0.900"), "{action}");
}

#[test]
fn a_higher_quantile_plans_more_capacity() {
    let outlook = Flat {
        steps: vec![100.0; 11],
        spread: 100.0,
    };
    let types = [on_demand()];
    let f = fleet(&[10]);
    let low = Planner::new(fixed(0.5)).plan(&input(&outlook, &f, &types, 0.0, None));
    let high = Planner::new(fixed(0.99)).plan(&input(&outlook, &f, &types, 0.0, None));
    assert_eq!(low.decision.desired, vec![10]);
    assert_eq!(high.decision.desired, vec![15]);
}

#[test]
fn scale_down_waits_until_the_forecast_allows_it() {
    // Demand falls now but returns within the minimum lifetime: keep.
    let mut steps = vec![50.0; 8];
    steps.extend([200.0; 3]);
    let outlook = Flat { steps, spread: 0.0 };
    let types = [on_demand()];
    let f = fleet(&[20]);
    let plan = Planner::new(fixed(0.9)).plan(&input(&outlook, &f, &types, 0.0, None));
    assert_eq!(plan.decision.desired, vec![20]);
    assert!(plan.actions.is_empty());
    // Without a return, it scales down at once.
    let outlook = Flat {
        steps: vec![50.0; 11],
        spread: 0.0,
    };
    let plan = Planner::new(fixed(0.9)).plan(&input(&outlook, &f, &types, 0.0, None));
    assert_eq!(plan.decision.desired, vec![5]);
}

#[test]
fn the_stabilization_window_holds_scale_down() {
    let types = [on_demand()];
    let mut config = fixed(0.9);
    config.scale_down_stabilization_seconds = 300.0;
    let mut p = Planner::new(config);
    let high = Flat {
        steps: vec![200.0; 11],
        spread: 0.0,
    };
    let low = Flat {
        steps: vec![50.0; 11],
        spread: 0.0,
    };
    let f = fleet(&[20]);
    assert_eq!(
        p.plan(&input(&high, &f, &types, 0.0, None))
            .decision
            .desired,
        vec![20]
    );
    let held = p.plan(&input(&low, &f, &types, 120.0, None));
    assert_eq!(held.decision.desired, vec![20]);
    assert!(matches!(
        held.actions.first().map(|a| &a.constraints[..]),
        None | Some([Constraint::Stabilization { .. }])
    ));
    let released = p.plan(&input(&low, &f, &types, 400.0, None));
    assert_eq!(released.decision.desired, vec![5]);
}

#[test]
fn a_miss_triggers_the_reactive_net_and_raises_the_quantile() {
    let outlook = Flat {
        steps: vec![100.0; 11],
        spread: 0.0,
    };
    let types = [on_demand()];
    let f = fleet(&[10]);
    let mut p = Planner::new(PlannerConfig {
        mix: MixConfig {
            use_spot: false,
            ..MixConfig::default()
        },
        ..PlannerConfig::default()
    });
    let before = p.plan(&input(&outlook, &f, &types, 0.0, None)).quantile;
    let last = StepOutcome {
        demand: 160.0,
        capacity: 100.0,
    };
    let plan = p.plan(&input(&outlook, &f, &types, 60.0, Some(last)));
    assert!(plan.missed);
    assert!(plan.quantile > before);
    // The HPA's answer to 160 at 80 % of 10 per instance: 20.
    assert_eq!(plan.decision.desired, vec![20]);
    assert!(plan.actions[0]
        .constraints
        .iter()
        .any(|c| matches!(c, Constraint::Reactive { .. })));
    // Forecast only: no reaction.
    let mut config = fixed(0.9);
    config.reactive = None;
    let plan = Planner::new(config).plan(&input(&outlook, &f, &types, 60.0, Some(last)));
    assert_eq!(plan.decision.desired, vec![10]);
}

#[test]
fn the_variable_part_goes_on_spot_with_headroom() {
    let types = standard_types();
    let mut config = fixed(0.9);
    config.mix.use_spot = true;
    let mut p = Planner::new(config);
    let f = fleet(&[10, 0]);
    // A day of history at 100 (10 instances) sets the base.
    let flat = Flat {
        steps: vec![100.0; 11],
        spread: 0.0,
    };
    for i in 0..10 {
        let last = StepOutcome {
            demand: 100.0,
            capacity: 100.0,
        };
        p.plan(&input(&flat, &f, &types, f64::from(i) * 60.0, Some(last)));
    }
    let peak = Flat {
        steps: vec![300.0; 11],
        spread: 0.0,
    };
    let last = StepOutcome {
        demand: 100.0,
        capacity: 100.0,
    };
    let plan = p.plan(&input(&peak, &f, &types, 600.0, Some(last)));
    assert_eq!(plan.decision.desired[0], 10, "the base stays on-demand");
    assert!(
        plan.decision.desired[1] >= 20,
        "{:?}",
        plan.decision.desired
    );
}

#[test]
fn the_budget_caps_the_plan_and_states_what_is_left_unserved() {
    let types = [on_demand()];
    let mut config = fixed(0.9);
    config.budget.per_hour = Some(12.0);
    let outlook = Flat {
        steps: vec![200.0; 11],
        spread: 0.0,
    };
    let f = fleet(&[10]);
    let plan = Planner::new(config).plan(&input(&outlook, &f, &types, 0.0, None));
    assert_eq!(plan.decision.desired, vec![12]);
    assert!((plan.unserved - 80.0).abs() < 1e-9, "{}", plan.unserved);
    assert!(plan.actions[0]
        .constraints
        .iter()
        .any(|c| matches!(c, Constraint::Budget { .. })));
}

#[test]
fn bounds_and_step_limits_apply_and_are_named() {
    let types = [on_demand()];
    let mut config = fixed(0.9);
    config.max_step_up = Some(3);
    let outlook = Flat {
        steps: vec![200.0; 11],
        spread: 0.0,
    };
    let f = fleet(&[10]);
    let plan = Planner::new(config).plan(&input(&outlook, &f, &types, 0.0, None));
    assert_eq!(plan.decision.desired, vec![13]);
    let mut config = fixed(0.9);
    config.max_instances = 15;
    let plan = Planner::new(config.clone()).plan(&input(&outlook, &f, &types, 0.0, None));
    assert_eq!(plan.decision.desired, vec![15]);
    config.max_instances = 0;
    assert!(config.problems("planner")[0].contains("planner.max_instances"));
}

#[test]
fn a_warm_pool_shortens_the_lead_and_is_sized_for_the_cold_window() {
    let mut od = on_demand();
    od.warm_pool = Some(prescale_core::WarmPoolTerms {
        boot_seconds: 30.0,
        holding_price_per_hour: 0.05,
    });
    let types = [od];
    // 1-minute steps: warm lead 1 step, cold lead 5. Demand 100 now, 200 from step 3.
    let mut steps = vec![100.0; 3];
    steps.extend([200.0; 8]);
    let outlook = Flat { steps, spread: 0.0 };
    let f = fleet(&[10]);
    let plan = Planner::new(fixed(0.9)).plan(&input(&outlook, &f, &types, 0.0, None));
    // Nothing to start yet (step 1 needs 10), but the pool holds what the rise will need.
    assert_eq!(plan.decision.desired, vec![10]);
    assert_eq!(plan.decision.warm, vec![10]);
    assert_eq!(plan.actions[0].basis.lead_seconds, 30.0);
    // At 5-minute steps a 30 s start saves no step: no pool.
    let mut five = input(&outlook, &f, &types, 0.0, None);
    five.step_seconds = 300.0;
    let plan = Planner::new(fixed(0.9)).plan(&five);
    assert_eq!(plan.decision.warm, vec![0]);
}
