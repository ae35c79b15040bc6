//! The forecast on literal hourly means, the incremental state, and the policy end to end on
//! replayed traces.

use super::hourly::HourlyLoad;
use super::target_tracking::Alarms;
use super::*;
use prescale_core::{FleetView, InstanceType, TypeState};
use proptest::prelude::*;

const H: usize = 3600;

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-6)
}

/// Target 0.5 on instances of capacity 1: a load `l` needs `ceil(2 l)` instances.
fn config() -> AwsPredictiveConfig {
    AwsPredictiveConfig {
        target_utilization: 0.5,
        ..AwsPredictiveConfig::default()
    }
}

/// A trace the tests replay: demand, serving capacity and the fleet at each decision.
struct Trace {
    step: usize,
    start_unix: Option<i64>,
    demand: Vec<Option<f64>>,
    serving: Vec<f64>,
}

impl Trace {
    /// `demand(t)` per step start `t`; serving keeps utilization exactly at 0.5 so that
    /// target tracking stays quiet unless a test says otherwise.
    fn new(step: usize, seconds: usize, demand: impl Fn(usize) -> Option<f64>) -> Self {
        let demand: Vec<_> = (0..seconds / step).map(|k| demand(k * step)).collect();
        let serving = demand.iter().map(|d| d.map_or(2.0, |d| 2.0 * d)).collect();
        Self {
            step,
            start_unix: None,
            demand,
            serving,
        }
    }

    /// The policy's desired count at time `t` (a step start) with this fleet.
    fn decide_at(&self, p: &mut AwsPredictive, t: usize, ready: u32, booting: u32) -> u32 {
        let k = t / self.step;
        let fleet = FleetView {
            types: vec![TypeState {
                ready,
                booting,
                notified: 0,
                warm: 0,
                warming: 0,
            }],
        };
        let types = vec![InstanceType {
            name: "on-demand".into(),
            price_per_hour: 1.0,
            capacity_factor: 1.0,
            boot_seconds: 300.0,
            spot: None,
            warm_pool: None,
        }];
        let obs = Observation {
            now: t as f64,
            step_seconds: self.step as f64,
            start_unix: self.start_unix,
            demand: &self.demand[..k],
            serving: &self.serving[..k],
            fleet: &fleet,
            types: &types,
            capacity_per_instance: 1.0,
        };
        p.decide(&obs).desired[0]
    }

    /// Decides at every step start in `[from, to)` with a fixed fleet.
    fn run(&self, p: &mut AwsPredictive, from: usize, to: usize, ready: u32) -> Vec<u32> {
        (from..to)
            .step_by(self.step)
            .map(|t| self.decide_at(p, t, ready, 0))
            .collect()
    }
}

/// Demand 1 everywhere except `spike` during the given hours.
fn spiky(hours: &'static [usize], spike: f64) -> impl Fn(usize) -> Option<f64> {
    move |t| Some(if hours.contains(&(t / H)) { spike } else { 1.0 })
}

// --- the forecast, on literal hourly means ---

#[test]
fn a_daily_periodic_history_forecasts_the_same_hour_yesterday() {
    for days in [2, 3, 10] {
        let hourly: Vec<_> = (0..days * 24)
            .map(|h| Some(10.0 + (h % 24) as f64))
            .collect();
        let f = forecast(&hourly, 336, 24);
        for (k, v) in f.iter().enumerate() {
            assert!(
                close(*v, hourly[hourly.len() - 24 + k].unwrap()),
                "{days} d, +{k}h"
            );
        }
    }
}

#[test]
fn a_weekday_weekend_pattern_gives_weekend_forecasts_close_to_past_weekends() {
    // 19 days from a Monday: days 5, 6, 12, 13 are a weekend at 20, the rest 100; the
    // forecast is made on Saturday (day 19 % 7 == 5) at midnight.
    let hourly: Vec<_> = (0..19 * 24)
        .map(|h| Some(if (h / 24) % 7 >= 5 { 20.0 } else { 100.0 }))
        .collect();
    let f = forecast(&hourly, 336, 48);
    assert!(f[..24]
        .iter()
        .all(|v| v.is_some_and(|v| (v - 20.0).abs() <= 2.0)));
    // A purely daily average would have forecast about 91.
    let daily_only = forecast_hour(&hourly, 336, 0.0, hourly.len()).unwrap();
    assert!(daily_only > 80.0, "{daily_only}");
}

#[test]
fn without_evidence_the_weekly_and_daily_components_weigh_half_each() {
    // Known: the same hour a week ago (10) and yesterday (30); nothing to score on.
    let mut hourly = vec![None; 169];
    hourly[1] = Some(10.0);
    hourly[145] = Some(30.0);
    assert_eq!(weekly_weight(&hourly, 336), 0.5);
    // daily = (7 × 30 + 1 × 10) / 8 = 27.5 (a week ago is also 7 days ago); weekly = 10
    assert!(close(forecast(&hourly, 336, 1)[0], 0.5 * 10.0 + 0.5 * 27.5));
}

#[test]
fn recent_days_weigh_more_than_older_days() {
    let hourly: Vec<_> = (0..48)
        .map(|h| Some(if h < 24 { 3.0 } else { 10.0 }))
        .collect();
    assert!(close(
        forecast(&hourly, 336, 1)[0],
        (7.0 * 10.0 + 6.0 * 3.0) / 13.0
    ));
}

#[test]
fn unknown_hours_are_skipped_not_treated_as_zero() {
    let mut hourly = vec![Some(8.0); 72];
    for h in &mut hourly[48..] {
        *h = None;
    }
    assert!(close(forecast(&hourly, 336, 1)[0], 8.0));
    assert_eq!(forecast(&[None; 72], 336, 1), vec![None]);
}

#[test]
fn history_older_than_14_days_is_ignored() {
    // 21 days: the first week at 1000, the last two at 10.
    let hourly: Vec<_> = (0..21 * 24)
        .map(|h| Some(if h < 168 { 1000.0 } else { 10.0 }))
        .collect();
    assert!(forecast(&hourly, 336, 48).iter().all(|v| close(*v, 10.0)));
    // With a 7-day window the week-old hours are still read, the two-week-old ones are not.
    let hourly: Vec<_> = (0..14 * 24)
        .map(|h| Some(if h < 168 { 1000.0 } else { 10.0 }))
        .collect();
    assert!(close(forecast(&hourly, 168, 1)[0], 10.0));
    assert!(forecast(&hourly, 336, 1)[0].unwrap() > 10.0);
}

// --- incremental state ---

#[test]
fn hourly_means_skip_unknown_steps_and_split_steps_across_hours() {
    let mut hourly = HourlyLoad::default();
    hourly.add(0.0, 900.0, 4.0);
    hourly.add(2700.0, 3600.0, 8.0); // the two steps between are unknown
    hourly.add(3600.0 + 1800.0, 3600.0 + 5400.0, 6.0); // half in hour 1, half in hour 2
    assert_eq!(
        hourly.means(0, 4),
        vec![Some(6.0), Some(6.0), Some(6.0), None]
    );
    hourly.drop_before(2);
    assert_eq!(hourly.means(0, 3), vec![None, None, Some(6.0)]);
}

#[test]
fn one_minute_datapoints_map_onto_steps() {
    // (step, steps per datapoint, scale-out datapoints, scale-in datapoints)
    for (step, per, out, r#in) in [
        (15.0, 4, 3, 15),
        (45.0, 1, 4, 20),
        (60.0, 1, 3, 15),
        (300.0, 1, 1, 3),
        (3600.0, 1, 1, 1),
    ] {
        let alarms = Alarms::new(&config(), step);
        let got = (
            alarms.steps_per_datapoint,
            alarms.high_needed,
            alarms.low_needed,
        );
        assert_eq!(got, (per, out, r#in), "step {step}");
    }
}

// --- the policy ---

#[test]
fn no_forecast_before_24_hours_of_history() {
    // Nothing known for 12 h, then spikes at hours 12 and 13; 24 h are known at hour 36.
    let trace = Trace::new(300, 38 * H, |t| {
        (t >= 12 * H).then(|| spiky(&[12, 13], 50.0)(t)).flatten()
    });
    let mut p = AwsPredictive::new(config());
    let before = trace.run(&mut p, 0, 36 * H, 2);
    assert!(
        before.iter().all(|&d| d == 2),
        "forecast before 24 h of history"
    );
    assert_eq!(trace.decide_at(&mut p, 36 * H, 2, 0), 100);
}

#[test]
fn capacity_is_in_place_buffer_seconds_before_the_hour_starts() {
    for (step, buffer) in [(60, 300.0), (300, 300.0), (60, 600.0), (15, 0.0)] {
        let trace = Trace::new(step, 26 * H, spiky(&[1, 25], 10.0));
        let mut p = AwsPredictive::new(AwsPredictiveConfig {
            scheduling_buffer_seconds: buffer,
            ..config()
        });
        let desired = trace.run(&mut p, 0, 25 * H + step, 2);
        let first = desired.iter().position(|&d| d == 20).map(|k| k * step);
        assert_eq!(
            first,
            Some(25 * H - buffer as usize),
            "step {step}, buffer {buffer}"
        );
    }
}

#[test]
fn hours_align_to_wall_clock_when_start_unix_is_known() {
    // The trace starts at 00:30; the spike fills the wall-clock hour 02:00-03:00 of both days.
    let mut trace = Trace::new(300, 27 * H, |t| {
        Some(if (t + 1800) / H % 24 == 2 { 10.0 } else { 1.0 })
    });
    trace.start_unix = Some(1_700_000_000 - 1_700_000_000 % 86_400 + 1800);
    let mut p = AwsPredictive::new(config());
    let launch = 26 * H - 1800 - 300;
    let desired = trace.run(&mut p, 0, launch + 300, 2);
    assert_eq!(desired[launch / 300 - 1], 2);
    assert_eq!(desired[launch / 300], 20);
}

#[test]
fn daily_steps_are_forecast_per_step_with_their_weekday() {
    // One value per day; day 1 and day 8 (same weekday) are busy.
    let trace = Trace::new(86_400, 9 * 86_400, |t| {
        Some(if t / 86_400 % 7 == 1 { 40.0 } else { 10.0 })
    });
    let mut p = AwsPredictive::new(config());
    assert_eq!(trace.decide_at(&mut p, 8 * 86_400, 20, 0), 80);
}

#[test]
fn a_forecast_decrease_leaves_scale_in_to_target_tracking() {
    let mut trace = Trace::new(60, 27 * H, spiky(&[1, 25], 10.0));
    // During hour 26 the 20 instances serve a load of 1: utilization 5 %.
    for k in 26 * 60..27 * 60 {
        trace.serving[k] = 20.0;
    }
    let mut p = AwsPredictive::new(config());
    assert_eq!(trace.run(&mut p, 0, 26 * H, 2).last(), Some(&20));
    assert_eq!(trace.decide_at(&mut p, 26 * H + 14 * 60, 20, 0), 20);
    assert_eq!(trace.decide_at(&mut p, 26 * H + 15 * 60, 20, 0), 2);
}

/// Load 5 on 10 instances (utilization at the 0.5 target) for 32 steps (whole datapoints
/// at any step), then `load`.
fn steady_then(step: usize, load: f64) -> Trace {
    let mut trace = Trace::new(step, 200 * step, |_| Some(5.0));
    for k in 32..200 {
        trace.demand[k] = Some(load);
    }
    trace.serving = vec![10.0; 200];
    trace
}

/// Desired count after `n` steps of the new load, from a fresh policy.
fn after(trace: &Trace, n: usize, booting: u32) -> u32 {
    let mut p = AwsPredictive::new(config());
    let s = trace.step;
    trace.run(&mut p, 0, 32 * s, 10);
    trace.decide_at(&mut p, (32 + n) * s, 10 - booting, booting)
}

#[test]
fn target_tracking_scales_out_after_three_one_minute_datapoints_above_target() {
    let trace = steady_then(60, 8.0); // utilization 0.8
    assert_eq!(after(&trace, 2, 0), 10);
    assert_eq!(after(&trace, 3, 0), 16); // ceil(10 × 0.8 / 0.5)
}

#[test]
fn fifteen_second_steps_form_one_minute_datapoints() {
    let trace = steady_then(15, 8.0);
    assert_eq!(after(&trace, 11, 0), 10);
    assert_eq!(after(&trace, 12, 0), 16);
}

#[test]
fn five_minute_steps_scale_out_after_one_step_above_target() {
    let trace = steady_then(300, 8.0);
    assert_eq!(after(&trace, 1, 0), 16);
}

#[test]
fn target_tracking_scales_in_only_after_15_minutes_under_90_percent_of_target() {
    let low = steady_then(60, 4.4); // utilization 0.44 < 0.45
    assert_eq!(after(&low, 14, 0), 10);
    assert_eq!(after(&low, 15, 0), 9); // ceil(10 × 0.44 / 0.5)
    let just_under_target = steady_then(60, 4.6); // utilization 0.46
    assert_eq!(after(&just_under_target, 120, 0), 10);
    let five_minute = steady_then(300, 4.4);
    assert_eq!(after(&five_minute, 2, 0), 10);
    assert_eq!(after(&five_minute, 3, 0), 9);
}

#[test]
fn scale_in_waits_while_instances_are_booting() {
    let low = steady_then(60, 4.4);
    assert_eq!(after(&low, 20, 1), 10);
}

#[test]
fn unknown_demand_breaks_the_alarm_streak() {
    let mut trace = steady_then(60, 8.0);
    trace.demand[33] = None;
    assert_eq!(after(&trace, 4, 0), 10);
    assert_eq!(after(&trace, 5, 0), 16);
}

#[test]
fn the_forecast_honors_max_capacity_by_default() {
    let trace = Trace::new(60, 26 * H, spiky(&[1, 25], 10.0));
    let mut p = AwsPredictive::new(AwsPredictiveConfig {
        max_capacity: 12,
        ..config()
    });
    assert_eq!(trace.run(&mut p, 0, 25 * H + 60, 2).last(), Some(&12));
}

#[test]
fn increase_max_capacity_lets_the_forecast_exceed_the_maximum() {
    let trace = Trace::new(60, 26 * H, spiky(&[1, 25], 10.0));
    let mut p = AwsPredictive::new(AwsPredictiveConfig {
        max_capacity: 12,
        max_capacity_breach_behavior: MaxCapacityBreachBehavior::IncreaseMaxCapacity,
        max_capacity_buffer_percent: 10,
        ..config()
    });
    assert_eq!(trace.run(&mut p, 0, 25 * H + 60, 2).last(), Some(&20));
    assert_eq!(p.state.map(|s| s.max), Some(22));
}

#[test]
fn a_new_trace_starts_from_scratch() {
    let trace = Trace::new(60, 26 * H, spiky(&[1, 25], 10.0));
    let mut p = AwsPredictive::new(config());
    assert_eq!(trace.run(&mut p, 0, 25 * H, 2).last(), Some(&20));
    assert_eq!(trace.decide_at(&mut p, 0, 2, 0), 2);
}

#[test]
fn default_config_is_valid_and_problems_name_every_field() {
    assert!(AwsPredictiveConfig::default().problems().is_empty());
    let bad = AwsPredictiveConfig {
        target_utilization: 0.0,
        scheduling_buffer_seconds: 3600.0,
        history_days: 0,
        max_capacity: 0,
        ..AwsPredictiveConfig::default()
    };
    let problems = bad.problems().join("\n");
    for field in [
        "target_utilization",
        "scheduling_buffer_seconds",
        "history_days",
        "max_capacity",
    ] {
        assert!(problems.contains(field), "{field} missing from {problems}");
    }
}

proptest! {
    #[test]
    fn decisions_stay_within_the_capacity_bounds(
        demand in prop::collection::vec(prop::option::of(0.0f64..100.0), 1..400),
        serving in 0.0f64..60.0,
        ready in 0u32..60,
        booting in 0u32..5,
    ) {
        let trace = Trace {
            step: 300,
            start_unix: None,
            serving: vec![serving; demand.len()],
            demand,
        };
        let mut p = AwsPredictive::new(AwsPredictiveConfig {
            min_capacity: 2,
            max_capacity: 50,
            ..AwsPredictiveConfig::default()
        });
        for k in 0..=trace.demand.len() {
            let d = trace.decide_at(&mut p, k * 300, ready, booting);
            prop_assert!((2..=50).contains(&d));
        }
    }
}
