use std::sync::Arc;

use super::super::{ErrorTracker, Levels, TrackerConfig, TrackerError};
use super::{obs, Rng, LEVELS};
use crate::accuracy;
use crate::calibrate::normal_quantile;

fn tracker(window: usize, ew_alpha: f64, levels: &[f64]) -> ErrorTracker {
    let config = TrackerConfig { window, ew_alpha };
    ErrorTracker::new(&config, Arc::new(Levels::new(levels).unwrap())).unwrap()
}

fn standard_normal_density(z: f64) -> f64 {
    (-z * z / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

#[test]
fn trackers_converge_to_the_mae_coverage_and_pinball_of_a_known_normal_error_stream() {
    // actual = 100 + 10·z against the true quantiles, scale 5: scaled MAE = 2·√(2/π), coverage
    // of level τ = τ, pinball of level τ = 10·φ(z_τ) / 5, central 95 % coverage = 0.95.
    let (sigma, scale) = (10.0, 5.0);
    let quantiles: Vec<f64> = LEVELS
        .iter()
        .map(|&l| 100.0 + sigma * normal_quantile(l))
        .collect();
    let mut t = tracker(20_000, 0.001, &LEVELS);
    let mut rng = Rng(42);
    for step in 0..20_000 {
        let actual = 100.0 + sigma * rng.normal();
        assert!(t
            .observe(&obs(step, actual, 100.0, &quantiles, scale))
            .unwrap());
    }
    let s = t.snapshot();
    let mae = 2.0 * (2.0 / std::f64::consts::PI).sqrt();
    for (figures, tol) in [(&s.window, 1.0), (&s.ew, 3.0)] {
        let close = |got: Option<f64>, want: f64, eps: f64| {
            assert!((got.unwrap() - want).abs() < eps * tol, "{got:?} vs {want}")
        };
        close(figures.scaled_mae, mae, 0.03);
        close(figures.bias, 0.0, 0.05);
        close(figures.central_95_coverage, 0.95, 0.01);
        for q in &figures.quantiles {
            close(Some(q.coverage), q.level, 0.012);
            let pinball = sigma * standard_normal_density(normal_quantile(q.level)) / scale;
            close(Some(q.pinball), pinball, 0.02);
        }
    }
}

#[test]
fn window_figures_are_those_of_the_last_n_observations() {
    let levels = [0.025, 0.5, 0.975];
    let rows: [(f64, f64, [f64; 3]); 5] = [
        (10.0, 12.0, [5.0, 12.0, 20.0]),
        (30.0, 20.0, [10.0, 20.0, 25.0]),
        (8.0, 10.0, [9.0, 10.0, 14.0]),
        (15.0, 14.0, [10.0, 14.0, 18.0]),
        (20.0, 20.0, [15.0, 20.0, 22.0]),
    ];
    let mut t = tracker(3, 0.1, &levels);
    for (step, (actual, point, q)) in rows.iter().enumerate() {
        t.observe(&obs(step as u64, *actual, *point, q, 2.0))
            .unwrap();
    }
    let w = t.snapshot().window;
    // The last three: errors −2, 1, 0 over scale 2.
    assert_eq!(w.scaled_mae, Some(0.5));
    assert!((w.bias.unwrap() + 1.0 / 6.0).abs() < 1e-12);
    assert!((w.central_95_coverage.unwrap() - 2.0 / 3.0).abs() < 1e-12);
    assert!((w.quantiles[1].coverage - 2.0 / 3.0).abs() < 1e-12);
    // Same as the batch measures on those steps.
    let actual: Vec<Option<f64>> = rows[2..].iter().map(|r| Some(r.0)).collect();
    let median: Vec<f64> = rows[2..].iter().map(|r| r.2[1]).collect();
    let pinball = accuracy::pinball(&actual, &median, 0.5).unwrap() / 2.0;
    assert!((w.quantiles[1].pinball - pinball).abs() < 1e-12);
    assert!((pinball - 0.25).abs() < 1e-12);
}

#[test]
fn ew_figures_are_bias_corrected_so_they_start_as_plain_means() {
    let mut t = tracker(10, 0.5, &[0.5]);
    t.observe(&obs(1, 9.0, 10.0, &[10.0], 1.0)).unwrap();
    assert_eq!(t.ew_bias(), Some(-1.0), "not pulled towards 0");
    t.observe(&obs(2, 11.0, 10.0, &[10.0], 1.0)).unwrap();
    // (0.5·(−1) + 1) / (0.5 + 1)
    assert!((t.ew_bias().unwrap() - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(t.ew_scaled_mae(), Some(1.0));
}

#[test]
fn duplicate_late_and_unscorable_observations_are_skipped() {
    let mut t = tracker(10, 0.1, &[0.5]);
    assert!(t.observe(&obs(5, 1.0, 1.0, &[1.0], 1.0)).unwrap());
    assert!(
        !t.observe(&obs(5, 9.0, 1.0, &[1.0], 1.0)).unwrap(),
        "duplicate"
    );
    assert!(!t.observe(&obs(4, 9.0, 1.0, &[1.0], 1.0)).unwrap(), "late");
    assert!(!t.observe(&obs(6, f64::NAN, 1.0, &[1.0], 1.0)).unwrap());
    assert!(
        !t.observe(&obs(7, 1.0, 1.0, &[1.0], 0.0)).unwrap(),
        "no usable scale"
    );
    let s = t.snapshot();
    assert_eq!((s.observations, s.skipped, s.last_step), (1, 4, Some(5)));
    assert_eq!(s.window.scaled_mae, Some(0.0));
}

#[test]
fn an_observation_with_a_wrong_number_of_quantiles_is_an_error() {
    let mut t = tracker(10, 0.1, &[0.5, 0.9]);
    assert_eq!(
        t.observe(&obs(1, 1.0, 1.0, &[1.0], 1.0)),
        Err(TrackerError::QuantileCount {
            expected: 2,
            got: 1
        })
    );
}

#[test]
fn window_sums_forget_huge_errors_exactly_once_they_leave_the_window() {
    // Running sums that add and subtract 1e15-sized errors keep rounding residue far larger
    // than the unit errors that follow, unless they are recomputed now and then.
    let mut t = tracker(7, 0.1, &[0.5]);
    let mut rng = Rng(3);
    let mut last = Vec::new();
    for step in 0..2_000 {
        let size = if step < 1_000 { 1e15 } else { 1.0 };
        let error = rng.normal() * size;
        t.observe(&obs(step, error, 0.0, &[0.0], 1.0)).unwrap();
        last.push(f64::from(error as f32).abs());
    }
    let want = last[last.len() - 7..].iter().sum::<f64>() / 7.0;
    let got = t.window_scaled_mae().unwrap();
    assert!((got - want).abs() <= 1e-9 * want, "{got} vs {want}");
}

#[test]
fn levels_must_lie_in_0_1_ascending_and_distinct() {
    assert!(Levels::new(&[0.5, 0.9]).is_ok());
    assert!(Levels::new(&[]).is_ok());
    for bad in [
        &[0.9, 0.5][..],
        &[0.5, 0.5],
        &[0.0, 0.5],
        &[0.5, 1.0],
        &[f64::NAN],
    ] {
        assert!(Levels::new(bad).is_err(), "{bad:?}");
    }
    let l = Levels::new(&LEVELS).unwrap();
    assert_eq!(l.central_95(), Some((0, 6)));
    assert_eq!(Levels::new(&[0.5]).unwrap().central_95(), None);
}
