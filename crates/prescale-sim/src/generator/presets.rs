//! Named workloads for `prescale demo`, the docs and tests.

use super::spec::{EventKind, FlashCrowds, ScheduledEvent, Weekday, WorkloadSpec};

const NAMES: &[&str] = &["web", "campaign", "bursty", "batch"];

/// Names accepted by [`preset`], in the order to show them.
pub fn preset_names() -> &'static [&'static str] {
    NAMES
}

/// A named, valid workload, or `None` for an unknown name:
///
/// * `web`: a web service with a strong daily cycle (peak 14:00 UTC), quiet weekends, 2 %
///   growth a week and a flash crowd every two weeks;
/// * `campaign`: `web` plus a three-day marketing campaign (demand × 1.8 from Wednesday
///   2026-01-14 08:00) and a weekly maintenance window (Sunday 02:00-04:00, demand down to 5 %);
/// * `bursty`: a small service (base 20) with weak seasonality and frequent large flash
///   crowds (6 a week, up to 10 ×);
/// * `batch`: a steady base with an hourly 10-minute job and a nightly two-hour batch run
///   (01:00 UTC) that dwarf its weak daily cycle.
pub fn preset(name: &str) -> Option<WorkloadSpec> {
    let web = WorkloadSpec {
        name: "web".to_string(),
        seed: 1,
        ..WorkloadSpec::default()
    };
    match name {
        "web" => Some(web),
        "campaign" => Some(WorkloadSpec {
            name: "campaign".to_string(),
            seed: 2,
            events: vec![
                ScheduledEvent::once(EventKind::Campaign, 1.8, "2026-01-14T08:00:00Z", 72.0),
                ScheduledEvent::weekly(EventKind::Maintenance, 0.05, Weekday::Sunday, 2, 2.0),
            ],
            ..web
        }),
        "bursty" => Some(WorkloadSpec {
            name: "bursty".to_string(),
            seed: 3,
            base: 20.0,
            daily_amplitude: 0.15,
            weekend_factor: 0.9,
            trend_per_week: 0.0,
            noise: 0.15,
            noise_correlation_minutes: 10.0,
            day_to_day: 0.1,
            flash_crowds: FlashCrowds {
                per_week: 6.0,
                peak_multiplier: [2.0, 10.0],
                rise_minutes: 3.0,
                decay_minutes: 20.0,
            },
            ..web
        }),
        "batch" => Some(WorkloadSpec {
            name: "batch".to_string(),
            seed: 4,
            base: 50.0,
            daily_amplitude: 0.1,
            weekend_factor: 0.95,
            trend_per_week: 0.0,
            noise: 0.04,
            day_to_day: 0.02,
            flash_crowds: FlashCrowds {
                per_week: 0.0,
                ..FlashCrowds::default()
            },
            events: vec![
                ScheduledEvent::hourly(EventKind::Batch, 1.0, 0, 10.0 / 60.0),
                ScheduledEvent::daily(EventKind::Batch, 4.0, 1, 0, 2.0),
            ],
            ..web
        }),
        _ => None,
    }
}
