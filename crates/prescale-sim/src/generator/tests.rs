//! Specification tests of the generator: each names a property the model promises.

use super::model::{daily, weekendness};
use super::*;
use proptest::prelude::*;

/// 2026-01-05T00:00:00Z, a Monday: the default start.
const MONDAY: i64 = 1_767_571_200;

/// A flat, noiseless workload of `days` days, to which a test adds the one feature it checks.
fn quiet(days: f64) -> WorkloadSpec {
    WorkloadSpec {
        name: "quiet".to_string(),
        seed: std::env::var("PSEED")
            .map(|s| s.parse().unwrap())
            .unwrap_or(1),
        days,
        daily_amplitude: 0.0,
        weekend_factor: 1.0,
        trend_per_week: 0.0,
        noise: 0.0,
        day_to_day: 0.0,
        flash_crowds: FlashCrowds {
            per_week: 0.0,
            ..FlashCrowds::default()
        },
        ..WorkloadSpec::default()
    }
}

fn values(spec: &WorkloadSpec) -> Vec<f64> {
    let series = spec.generate().unwrap();
    series.values.iter().map(|v| v.unwrap()).collect()
}

/// Seconds since `start` of the middle of each step, with its value.
fn timed(spec: &WorkloadSpec) -> Vec<(f64, f64)> {
    let step = f64::from(spec.step_seconds);
    values(spec)
        .into_iter()
        .enumerate()
        .map(|(i, v)| ((i as f64 + 0.5) * step, v))
        .collect()
}

fn mean_where(points: &[(f64, f64)], keep: impl Fn(f64) -> bool) -> f64 {
    let kept: Vec<f64> = points
        .iter()
        .filter(|(t, _)| keep(*t))
        .map(|(_, v)| *v)
        .collect();
    assert!(!kept.is_empty(), "no step selected");
    kept.iter().sum::<f64>() / kept.len() as f64
}

fn hour_of(t: f64) -> f64 {
    t.rem_euclid(86_400.0) / 3_600.0
}

/// Monday 0 to Sunday 6, for series starting on the default Monday.
fn weekday_of(t: f64) -> u32 {
    ((t / 86_400.0).floor() as i64).rem_euclid(7) as u32
}

/// Mean of each hour of the day, over the hour centred on it (14 is 13:30 to 14:30).
fn hourly_means(spec: &WorkloadSpec) -> Vec<f64> {
    let points = timed(spec);
    (0..24)
        .map(|h| mean_where(&points, |t| hour_of(t).round() as u32 % 24 == h))
        .collect()
}

fn argmax(xs: &[f64]) -> usize {
    (0..xs.len()).fold(0, |best, i| if xs[i] > xs[best] { i } else { best })
}

fn argmin(xs: &[f64]) -> usize {
    (0..xs.len()).fold(0, |best, i| if xs[i] < xs[best] { i } else { best })
}

#[test]
fn same_seed_gives_identical_series() {
    let spec = WorkloadSpec {
        days: 3.0,
        ..preset("campaign").unwrap()
    };
    assert_eq!(spec.generate().unwrap(), spec.generate().unwrap());
}

#[test]
fn different_seeds_give_different_series() {
    let one = WorkloadSpec {
        days: 2.0,
        ..WorkloadSpec::default()
    };
    let other = WorkloadSpec {
        seed: 2,
        ..one.clone()
    };
    let (a, b) = (values(&one), values(&other));
    let differing = a.iter().zip(&b).filter(|(x, y)| x != y).count();
    assert!(
        differing > a.len() * 9 / 10,
        "only {differing} of {} differ",
        a.len()
    );
}

#[test]
fn longer_series_begins_with_the_values_of_a_shorter_one() {
    let short = WorkloadSpec {
        days: 2.0,
        ..preset("bursty").unwrap()
    };
    let long = WorkloadSpec {
        days: 3.0,
        ..short.clone()
    };
    let (a, b) = (values(&short), values(&long));
    assert_eq!(a[..], b[..a.len()]);
}

#[test]
fn series_is_absolute_from_start_with_days_times_86400_over_step_steps() {
    let spec = WorkloadSpec {
        name: "shop".to_string(),
        start: "2026-01-05T02:00:00+02:00".to_string(),
        days: 2.5,
        step_seconds: 900,
        ..WorkloadSpec::default()
    };
    let series = spec.generate().unwrap();
    assert_eq!(series.len(), 240);
    assert_eq!(series.step_seconds, 900);
    assert_eq!(series.start, MONDAY);
    assert!(series.absolute);
    assert_eq!(series.name, "shop");
}

#[test]
fn every_preset_gives_known_finite_non_negative_values() {
    for name in preset_names() {
        let spec = WorkloadSpec {
            days: 7.0,
            ..preset(name).unwrap()
        };
        let series = spec.generate().unwrap();
        assert_eq!(series.known_steps(), series.len(), "{name}");
        for v in series.values.iter().flatten() {
            assert!(v.is_finite() && *v >= 0.0, "{name}: {v}");
        }
    }
}

#[test]
fn daily_shape_averages_zero_peaks_at_one_and_bottoms_out_ten_hours_before() {
    let grid: Vec<f64> = (0..2_400).map(|i| f64::from(i) / 100.0 - 12.0).collect();
    let shape: Vec<f64> = grid.iter().map(|&d| daily(d)).collect();
    let mean = shape.iter().sum::<f64>() / shape.len() as f64;
    assert!(mean.abs() < 1e-9, "mean {mean}");
    assert!((daily(0.0) - 1.0).abs() < 1e-9);
    assert!(shape.iter().all(|&s| (-1.0..=1.0 + 1e-12).contains(&s)));
    assert!(
        (grid[argmin(&shape)] + 10.0).abs() < 0.05,
        "trough at {}",
        grid[argmin(&shape)]
    );
}

#[test]
fn daily_cycle_peaks_at_peak_hour_by_the_amplitude_and_bottoms_out_before_dawn() {
    // Light noise: neighbouring hours near the peak differ by under 3 % of the mean.
    let spec = WorkloadSpec {
        daily_amplitude: 0.6,
        noise: 0.02,
        ..quiet(14.0)
    };
    let hourly = hourly_means(&spec);
    assert_eq!(argmax(&hourly), 14);
    assert_eq!(argmin(&hourly), 4);
    // The hour around the peak averages just below base · 1.6.
    let peak = hourly[14] / spec.base;
    assert!((1.55..=1.61).contains(&peak), "peak {peak}");
    let opposite = hourly[2] / spec.base;
    let swing = peak - opposite;
    assert!(
        (1.6 * 0.6..=2.0 * 0.6).contains(&swing),
        "peak-to-opposite swing {swing}"
    );
    let moved = hourly_means(&WorkloadSpec {
        peak_hour: 20.0,
        ..spec
    });
    assert_eq!(argmax(&moved), 20);
}

#[test]
fn weekend_level_is_the_weekday_level_times_weekend_factor() {
    let spec = WorkloadSpec {
        daily_amplitude: 0.6,
        weekend_factor: 0.6,
        noise: 0.05,
        ..quiet(14.0)
    };
    let points = timed(&spec);
    let weekend = mean_where(&points, |t| weekday_of(t) >= 5);
    let weekday = mean_where(&points, |t| weekday_of(t) < 5);
    let ratio = weekend / weekday;
    assert!((ratio - 0.6).abs() < 0.02, "weekend/weekday {ratio}");
    assert!(
        (weekday / spec.base - 1.0).abs() < 0.02,
        "weekday mean {weekday}"
    );
}

#[test]
fn weekend_begins_and_ends_smoothly_around_midnight() {
    let saturday = MONDAY as f64 + 5.0 * 86_400.0;
    let next_monday = MONDAY as f64 + 7.0 * 86_400.0;
    assert_eq!(weekendness(saturday - 3.0 * 3_600.0), 0.0);
    assert!((weekendness(saturday) - 0.5).abs() < 1e-12);
    assert_eq!(weekendness(saturday + 3.0 * 3_600.0), 1.0);
    assert!((weekendness(next_monday) - 0.5).abs() < 1e-12);
    assert_eq!(weekendness(next_monday + 3.0 * 3_600.0), 0.0);
}

#[test]
fn trend_raises_week_two_over_week_one_by_trend_per_week() {
    let spec = WorkloadSpec {
        daily_amplitude: 0.6,
        weekend_factor: 0.6,
        trend_per_week: 0.03,
        noise: 0.02,
        ..quiet(14.0)
    };
    let points = timed(&spec);
    let week = 7.0 * 86_400.0;
    let ratio = mean_where(&points, |t| t >= week) / mean_where(&points, |t| t < week);
    assert!((ratio - 1.03).abs() < 0.008, "week 2 / week 1 = {ratio}");
}

/// Ratio of each step of `spec` with `events` to the same spec without, by step middle.
fn event_ratios(spec: &WorkloadSpec, events: Vec<ScheduledEvent>) -> Vec<(f64, f64)> {
    let with = WorkloadSpec {
        events,
        ..spec.clone()
    };
    let plain = values(spec);
    timed(&with)
        .into_iter()
        .zip(plain)
        .map(|((t, v), p)| (t, v / p))
        .collect()
}

#[test]
fn campaign_multiplies_demand_by_its_factor_inside_its_window_only() {
    // Full noise, day levels and crowds: events draw nothing random, so only the window moves.
    let spec = WorkloadSpec {
        days: 4.0,
        ..WorkloadSpec::default()
    };
    let campaign = ScheduledEvent::once(EventKind::Campaign, 1.8, "2026-01-06T10:00:00Z", 24.0);
    let (from, to) = (34.0 * 3_600.0, 58.0 * 3_600.0);
    for (t, ratio) in event_ratios(&spec, vec![campaign]) {
        let expected = if (from..to).contains(&t) { 1.8 } else { 1.0 };
        assert!((ratio - expected).abs() < 1e-9, "at {t} s: ratio {ratio}");
    }
}

#[test]
fn weekly_maintenance_drops_demand_to_its_factor_every_week() {
    let spec = WorkloadSpec {
        days: 14.0,
        step_seconds: 600,
        ..WorkloadSpec::default()
    };
    let maintenance = ScheduledEvent::weekly(EventKind::Maintenance, 0.05, Weekday::Sunday, 2, 2.0);
    let mut inside = 0;
    for (t, ratio) in event_ratios(&spec, vec![maintenance]) {
        let in_window = weekday_of(t) == 6 && (2.0..4.0).contains(&hour_of(t));
        inside += usize::from(in_window);
        let expected = if in_window { 0.05 } else { 1.0 };
        assert!((ratio - expected).abs() < 1e-9, "at {t} s: ratio {ratio}");
    }
    assert_eq!(inside, 2 * 12, "two Sundays of twelve 10-minute steps");
}

#[test]
fn batch_adds_its_factor_times_the_level_averaged_over_each_step() {
    let spec = WorkloadSpec {
        step_seconds: 900,
        events: vec![
            ScheduledEvent::daily(EventKind::Batch, 2.0, 1, 30, 0.5),
            ScheduledEvent::hourly(EventKind::Batch, 0.3, 5, 10.0 / 60.0),
        ],
        ..quiet(2.0)
    };
    for (t, v) in timed(&spec) {
        let hour = hour_of(t);
        let nightly = if (1.5..2.0).contains(&hour) {
            200.0
        } else {
            0.0
        };
        // The hourly job runs 10 of the 15 minutes of each hour's first step.
        let hourly = if hour.fract() < 0.25 {
            30.0 * 10.0 / 15.0
        } else {
            0.0
        };
        let expected = 100.0 + nightly + hourly;
        assert!(
            (v - expected).abs() < 1e-6,
            "at {t} s: {v}, expected {expected}"
        );
    }
}

#[test]
fn flash_crowds_arrive_at_about_the_configured_rate() {
    let spec = WorkloadSpec {
        days: 700.0,
        step_seconds: 600,
        flash_crowds: FlashCrowds {
            per_week: 3.0,
            peak_multiplier: [3.0, 3.0],
            rise_minutes: 5.0,
            decay_minutes: 30.0,
        },
        ..quiet(0.0)
    };
    let series = values(&spec);
    // A crowd of multiplier 3 lifts the flat 100 to about 300; count the climbs past 200.
    let crowds = series
        .windows(2)
        .filter(|w| w[0] <= 200.0 && w[1] > 200.0)
        .count();
    assert!(
        (225..=375).contains(&crowds),
        "{crowds} crowds in 100 weeks, expected ~300"
    );
    // Each crowd peaks at about 3 × 100, a little less once averaged over a 10-minute step.
    let mut peaks: Vec<f64> = series
        .windows(8)
        .filter(|w| w[0] <= 200.0 && w[1] > 200.0)
        .map(|w| w.iter().copied().fold(0.0, f64::max))
        .collect();
    peaks.sort_by(f64::total_cmp);
    let median = peaks[peaks.len() / 2];
    assert!(
        (250.0..=300.0).contains(&median),
        "median crowd peak {median}"
    );
}

#[test]
fn noise_has_the_configured_spread_and_is_autocorrelated() {
    let spec = WorkloadSpec {
        noise: 0.1,
        noise_correlation_minutes: 30.0,
        ..quiet(28.0)
    };
    let rel: Vec<f64> = values(&spec).iter().map(|v| v / spec.base).collect();
    let n = rel.len() as f64;
    let mean = rel.iter().sum::<f64>() / n;
    let sd = (rel.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    assert!((mean - 1.0).abs() < 0.02, "mean {mean}");
    assert!((sd - 0.1).abs() < 0.015, "relative std-dev {sd}");
    let lag1 = rel
        .windows(2)
        .map(|w| (w[0] - mean) * (w[1] - mean))
        .sum::<f64>()
        / n
        / sd.powi(2);
    let expected = (-5.0_f64 / 30.0).exp();
    assert!(
        (lag1 - expected).abs() < 0.05,
        "lag-1 correlation {lag1}, expected {expected}"
    );
}

#[test]
fn presets_are_valid_named_and_seeded_differently() {
    let specs: Vec<WorkloadSpec> = preset_names().iter().map(|n| preset(n).unwrap()).collect();
    assert!(preset_names().len() >= 4);
    for (name, spec) in preset_names().iter().zip(&specs) {
        spec.validate().unwrap();
        assert_eq!(&spec.name, name);
    }
    let mut seeds: Vec<u64> = specs.iter().map(|s| s.seed).collect();
    seeds.sort_unstable();
    seeds.dedup();
    assert_eq!(seeds.len(), specs.len());
    assert!(preset("nope").is_none());
}

#[test]
fn yaml_round_trip_keeps_every_preset() {
    for name in preset_names() {
        let spec = preset(name).unwrap();
        let text = serde_norway::to_string(&spec).unwrap();
        assert_eq!(
            WorkloadSpec::from_yaml(name, &text).unwrap(),
            spec,
            "{text}"
        );
    }
}

#[test]
fn documented_yaml_example_parses_and_validates() {
    let source = include_str!("mod.rs");
    let example: String = source
        .lines()
        .skip_while(|l| !l.starts_with("//! ```yaml"))
        .skip(1)
        .take_while(|l| !l.starts_with("//! ```"))
        .map(|l| {
            format!(
                "{}\n",
                l.trim_start_matches("//!").strip_prefix(' ').unwrap_or("")
            )
        })
        .collect();
    let spec = WorkloadSpec::from_yaml("module docs", &example).unwrap();
    assert_eq!(spec.name, "shop");
    assert_eq!(spec.events.len(), 3);
    assert_eq!(spec.flash_crowds.peak_multiplier, [1.5, 3.0]);
}

#[test]
fn missing_keys_take_the_defaults() {
    let spec =
        WorkloadSpec::from_yaml("inline", "base: 40\nflash_crowds:\n  per_week: 2\n").unwrap();
    assert_eq!(spec.base, 40.0);
    assert_eq!(spec.flash_crowds.per_week, 2.0);
    assert_eq!(
        spec.flash_crowds.decay_minutes,
        FlashCrowds::default().decay_minutes
    );
    assert_eq!(spec.step_seconds, WorkloadSpec::default().step_seconds);
}

#[test]
fn validation_lists_every_problem_with_its_key() {
    let spec = WorkloadSpec {
        base: -1.0,
        step_seconds: 0,
        daily_amplitude: 1.5,
        noise: f64::NAN,
        flash_crowds: FlashCrowds {
            peak_multiplier: [3.0, 2.0],
            ..FlashCrowds::default()
        },
        events: vec![
            ScheduledEvent::once(EventKind::Campaign, 0.5, "2026-01-06T10:00:00Z", 2.0),
            ScheduledEvent {
                weekday: None,
                ..ScheduledEvent::weekly(EventKind::Maintenance, 0.1, Weekday::Monday, 25, 200.0)
            },
        ],
        ..WorkloadSpec::default()
    };
    let err = spec.validate().unwrap_err();
    let keys: Vec<&str> = err.problems().iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "step_seconds",
            "base",
            "daily_amplitude",
            "noise",
            "flash_crowds.peak_multiplier",
            "events[0].factor",
            "events[1].hour",
            "events[1].weekday",
            "events[1].duration_hours",
        ]
    );
    let text = err.to_string();
    for key in keys {
        assert!(text.contains(key), "{key} missing from: {text}");
    }
}

#[test]
fn yaml_problems_name_the_origin_and_every_key() {
    let err = WorkloadSpec::from_yaml("shop.yaml", "base: -1\nstep_seconds: 0\n").unwrap_err();
    assert!(matches!(&err, GeneratorError::Invalid { origin, .. } if origin == "shop.yaml"));
    let keys: Vec<&str> = err.problems().iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["step_seconds", "base"]);
}

#[test]
fn unknown_key_is_refused_with_its_name() {
    for text in ["base: 5\nbasee: 3\n", "flash_crowds:\n  basee: 2\n"] {
        let err = WorkloadSpec::from_yaml("typo.yaml", text).unwrap_err();
        assert!(matches!(err, GeneratorError::Parse { .. }), "{err}");
        assert!(err.to_string().contains("basee"), "{err}");
    }
}

#[test]
fn event_needs_exactly_one_of_start_or_every() {
    let both = ScheduledEvent {
        start: Some("2026-01-06T10:00:00Z".to_string()),
        ..ScheduledEvent::daily(EventKind::Batch, 1.0, 3, 0, 1.0)
    };
    let neither = ScheduledEvent {
        every: None,
        ..ScheduledEvent::daily(EventKind::Batch, 1.0, 3, 0, 1.0)
    };
    let bad_start = ScheduledEvent::once(EventKind::Campaign, 2.0, "next tuesday", 1.0);
    let spec = WorkloadSpec {
        events: vec![both, neither, bad_start],
        ..WorkloadSpec::default()
    };
    let err = spec.validate().unwrap_err();
    let keys: Vec<&str> = err.problems().iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["events[0]", "events[1]", "events[2].start"]);
}

#[test]
fn generate_refuses_an_invalid_spec() {
    let spec = WorkloadSpec {
        days: 0.0,
        ..WorkloadSpec::default()
    };
    let err = spec.generate().unwrap_err();
    assert_eq!(err.problems()[0].key, "days");
}

#[test]
fn write_csv_writes_iso_utc_timestamps_and_at_most_three_decimals() {
    let series = prescale_core::Series {
        name: "t".to_string(),
        start: MONDAY,
        absolute: true,
        step_seconds: 300,
        values: vec![Some(1.23456), None, Some(2.0), Some(0.0004), Some(1234.5)],
    };
    let mut out = Vec::new();
    write_csv(&series, &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "timestamp,value\n\
         2026-01-05T00:00:00Z,1.235\n\
         2026-01-05T00:05:00Z,\n\
         2026-01-05T00:10:00Z,2\n\
         2026-01-05T00:15:00Z,0\n\
         2026-01-05T00:20:00Z,1234.5\n"
    );
}

#[test]
fn write_csv_refuses_a_value_that_is_not_finite() {
    let series = prescale_core::Series {
        name: "t".to_string(),
        start: MONDAY,
        absolute: true,
        step_seconds: 60,
        values: vec![Some(f64::INFINITY)],
    };
    let err = write_csv(&series, Vec::new()).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn csv_of_a_generated_series_reads_back_to_the_same_times_and_values() {
    let series = WorkloadSpec {
        days: 1.0,
        ..preset("campaign").unwrap()
    }
    .generate()
    .unwrap();
    let mut out = Vec::new();
    write_csv(&series, &mut out).unwrap();
    let mut reader = csv::Reader::from_reader(out.as_slice());
    assert_eq!(reader.headers().unwrap(), vec!["timestamp", "value"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), series.len());
    for (i, (row, value)) in rows.iter().zip(&series.values).enumerate() {
        let time = chrono::DateTime::parse_from_rfc3339(&row[0]).unwrap();
        assert_eq!(time.timestamp(), series.start + 300 * i as i64);
        let read: f64 = row[1].parse().unwrap();
        assert!((read - value.unwrap()).abs() <= 0.0005, "step {i}: {read}");
    }
}

fn valid_spec() -> impl Strategy<Value = WorkloadSpec> {
    (
        (
            any::<u64>(),
            0.1..2.0_f64,
            prop::sample::select(vec![60u32, 300, 900, 3_600]),
        ),
        (0.0..1_000.0_f64, 0.0..=1.0_f64, 0.0..24.0_f64, 0.0..2.0_f64),
        (-0.5..0.5_f64, 0.0..=1.0_f64, 1.0..120.0_f64, 0.0..=1.0_f64),
        (
            0.0..50.0_f64,
            1.0..5.0_f64,
            0.0..5.0_f64,
            0.0..60.0_f64,
            0.1..120.0_f64,
        ),
    )
        .prop_map(
            |(
                (seed, days, step),
                (base, amp, peak, weekend),
                (trend, noise, corr, d2d),
                crowds,
            )| {
                let (per_week, low, spread, rise, decay) = crowds;
                WorkloadSpec {
                    seed,
                    days,
                    step_seconds: step,
                    base,
                    daily_amplitude: amp,
                    peak_hour: peak,
                    weekend_factor: weekend,
                    trend_per_week: trend,
                    noise,
                    noise_correlation_minutes: corr,
                    day_to_day: d2d,
                    flash_crowds: FlashCrowds {
                        per_week,
                        peak_multiplier: [low, low + spread],
                        rise_minutes: rise,
                        decay_minutes: decay,
                    },
                    events: vec![
                        ScheduledEvent::weekly(
                            EventKind::Maintenance,
                            0.0,
                            Weekday::Tuesday,
                            3,
                            1.0,
                        ),
                        ScheduledEvent::daily(EventKind::Batch, 3.0, 2, 15, 0.5),
                    ],
                    ..WorkloadSpec::default()
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn any_valid_spec_gives_finite_non_negative_values_of_the_right_length(spec in valid_spec()) {
        let series = spec.generate().unwrap();
        let expected = (spec.days * 86_400.0 / f64::from(spec.step_seconds) + 1e-9).floor() as usize;
        prop_assert_eq!(series.len(), expected);
        for v in &series.values {
            let v = v.unwrap();
            prop_assert!(v.is_finite() && v >= 0.0, "{}", v);
        }
    }
}

#[test]
fn empty_yaml_is_the_default_spec() {
    let spec = WorkloadSpec::from_yaml("empty.yaml", "# nothing set\n").unwrap();
    assert_eq!(spec, WorkloadSpec::default());
}
