use super::super::drift::{binomial_upper_tail, Drift, DriftConfig, DriftDetector, DriftReason};
use super::Rng;

/// Normal errors with a mean absolute value of 1 (the reference a warm-up learns).
fn normal_error(rng: &mut Rng) -> f64 {
    rng.normal() * (std::f64::consts::PI / 2.0).sqrt()
}

fn detector() -> DriftDetector {
    DriftDetector::new(DriftConfig::default(), None).unwrap()
}

/// Alarms over `steps` stationary errors from `draw` (5 % of actuals above the 95 % quantile),
/// resetting (with a new warm-up) after each alarm, as a refit would.
fn false_alarms(steps: u64, seed: u64, draw: fn(&mut Rng) -> f64) -> usize {
    let mut rng = Rng(seed);
    let mut d = detector();
    let mut alarms = 0;
    for step in 0..steps {
        let error = draw(&mut rng);
        let above = rng.uniform() < 0.05;
        if let Drift::Detected { .. } = d.update(step, error, Some(above)) {
            alarms += 1;
            d.reset(None);
        }
    }
    alarms
}

/// After a warm-up and 30 steps of unit errors, steps until the detector fires on `changed`
/// (`None` if not within 5000), and what fired.
fn delay(seed: u64, changed: impl Fn(&mut Rng) -> (f64, bool)) -> Option<(u64, DriftReason)> {
    let mut rng = Rng(seed);
    let mut d = detector();
    let start = DriftConfig::default().warmup as u64 + 30;
    for step in 0..start {
        let error = normal_error(&mut rng);
        let above = rng.uniform() < 0.05;
        assert_eq!(
            d.update(step, error, Some(above)),
            Drift::None,
            "seed {seed}"
        );
    }
    (start..start + 5000).find_map(|step| {
        let (error, above) = changed(&mut rng);
        match d.update(step, error, Some(above)) {
            Drift::Detected { reason } => Some((step - start + 1, reason)),
            Drift::None => None,
        }
    })
}

/// Delays over 200 seeds, sorted; panics if one seed never detects.
fn delays(changed: impl Fn(&mut Rng) -> (f64, bool) + Copy) -> Vec<u64> {
    let mut out: Vec<u64> = (0..200)
        .map(|seed| delay(100 + seed, changed).expect("detected").0)
        .collect();
    out.sort_unstable();
    out
}

#[test]
fn stationary_normal_errors_raise_fewer_than_1_false_alarm_per_10_000_steps() {
    let alarms = false_alarms(1_000_000, 7, normal_error);
    assert!(alarms < 100, "{alarms} alarms in 1 000 000 steps");
}

#[test]
fn stationary_laplace_errors_raise_fewer_than_2_false_alarms_per_10_000_steps() {
    let alarms = false_alarms(1_000_000, 7, Rng::laplace);
    assert!(alarms < 200, "{alarms} alarms in 1 000 000 steps");
}

#[test]
fn errors_doubling_in_size_are_detected_within_150_steps_median_30() {
    let d = delays(|rng| (2.0 * normal_error(rng), rng.uniform() < 0.05));
    assert!(d[d.len() - 1] <= 150 && d[d.len() / 2] <= 30, "{d:?}");
}

#[test]
fn errors_tripling_in_size_are_detected_within_40_steps() {
    let d = delays(|rng| (3.0 * normal_error(rng), rng.uniform() < 0.05));
    assert!(d[d.len() - 1] <= 40, "{d:?}");
}

#[test]
fn errors_halving_in_size_are_detected_as_shrinking_within_250_steps() {
    let d = delays(|rng| (0.5 * normal_error(rng), rng.uniform() < 0.05));
    assert!(d[d.len() - 1] <= 250, "{d:?}");
    let (_, reason) = delay(1, |rng| (0.5 * normal_error(rng), false)).unwrap();
    assert!(
        matches!(reason, DriftReason::ErrorsShrank { .. }),
        "{reason:?}"
    );
}

#[test]
fn actuals_above_q95_30_percent_of_the_time_trigger_undercoverage_within_80_steps() {
    let d = delays(|rng| (normal_error(rng), rng.uniform() < 0.3));
    assert!(d[d.len() - 1] <= 80, "{d:?}");
    let (_, reason) = delay(1, |rng| (normal_error(rng), rng.uniform() < 0.3)).unwrap();
    let DriftReason::Undercoverage { exceedances, n, .. } = reason else {
        panic!("{reason:?}");
    };
    assert!(exceedances as f64 / n as f64 > 0.12, "{exceedances}/{n}");
}

#[test]
fn a_level_shift_is_detected_within_8_steps_with_its_start_and_size() {
    let d = delays(|rng| (4.0 + normal_error(rng), rng.uniform() < 0.05));
    assert!(d[d.len() - 1] <= 8, "{d:?}");
    // The shift starts at step warmup + 30 = 90.
    let (_, reason) = delay(3, |rng| (4.0 + normal_error(rng), false)).unwrap();
    let DriftReason::LevelShift {
        shift, since_step, ..
    } = reason
    else {
        panic!("{reason:?}");
    };
    assert!((87..=91).contains(&since_step), "{since_step}");
    assert!((shift - 4.0).abs() < 1.5, "{shift}");
}

#[test]
fn a_single_huge_outlier_does_not_fire() {
    let mut rng = Rng(11);
    let mut d = detector();
    for step in 0..200 {
        d.update(step, normal_error(&mut rng), Some(false));
    }
    assert_eq!(d.update(200, 1e6, Some(true)), Drift::None);
    assert_eq!(d.update(201, 0.5, Some(false)), Drift::None);
}

#[test]
fn nothing_fires_during_the_warmup_and_a_given_reference_skips_it() {
    let mut d = detector();
    for step in 0..59 {
        assert_eq!(d.update(step, 50.0, None), Drift::None);
    }
    assert_eq!(d.reference(), None);
    let mut given = DriftDetector::new(DriftConfig::default(), Some(1.0)).unwrap();
    let fired = (0..10).find(|&s| given.update(s, 50.0, None) != Drift::None);
    assert_eq!(
        fired,
        Some(3),
        "4 clipped units above k=1 pass λ=10 at the 4th error"
    );
}

#[test]
fn detection_latches_until_reset_which_starts_a_new_warmup() {
    let mut d = DriftDetector::new(DriftConfig::default(), Some(1.0)).unwrap();
    (0..5).for_each(|s| {
        d.update(s, 10.0, None);
    });
    let fired = d.state();
    assert!(matches!(fired, Drift::Detected { .. }));
    assert_eq!(d.update(5, 0.0, None), fired, "latched");
    d.reset(None);
    assert_eq!(
        (d.state(), d.reference(), d.statistics()),
        (Drift::None, None, [0.0; 4])
    );
}

#[test]
fn the_binomial_tail_matches_hand_computed_values() {
    // P(K ≥ 2 | n = 3, p = 0.5) = 4/8; P(K ≥ 1 | n = 10, p = 0.05) = 1 − 0.95^10.
    assert!((binomial_upper_tail(2, 3, 0.5) - 0.5).abs() < 1e-12);
    assert!((binomial_upper_tail(1, 10, 0.05) - (1.0 - 0.95f64.powi(10))).abs() < 1e-12);
    assert!((binomial_upper_tail(0, 10, 0.05) - 1.0).abs() < 1e-12);
}

#[test]
fn six_of_30_actuals_above_q95_are_not_yet_significant_but_seven_are() {
    // P(K ≥ 6 | 30, 0.05) ≈ 3.3e-3 and P(K ≥ 7 | 30, 0.05) ≈ 5.7e-4, against α = 1e-3.
    for (above, expect_fired) in [(5, false), (6, false), (7, true)] {
        let mut d = DriftDetector::new(DriftConfig::default(), Some(1.0)).unwrap();
        let state = (0..30u64)
            .map(|s| d.update(s, 1.0, Some(s < above)))
            .last()
            .unwrap();
        let fired = matches!(
            state,
            Drift::Detected {
                reason: DriftReason::Undercoverage { .. }
            }
        );
        assert_eq!(fired, expect_fired, "{above} of 30: {state:?}");
    }
}

#[test]
fn settings_that_cannot_fire_or_make_no_sense_are_refused() {
    let d = DriftConfig::default();
    for bad in [
        DriftConfig { clip: 1.5, ..d },
        DriftConfig { warmup: 0, ..d },
        DriftConfig {
            upper_level: 1.0,
            ..d
        },
        DriftConfig {
            min_coverage_n: 200,
            ..d
        },
        DriftConfig {
            coverage_alpha: 0.0,
            ..d
        },
    ] {
        assert!(DriftDetector::new(bad, None).is_err(), "{bad:?}");
    }
}
