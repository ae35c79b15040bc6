use super::*;

/// A deterministic pseudo-random stream in 0..1 (no dependency for a test).
fn lcg(seed: &mut u64) -> f64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*seed >> 11) as f64 / (1u64 << 53) as f64
}

/// A daily shape at 5 minutes with multiplicative noise.
fn daily(t: usize) -> f64 {
    100.0 + 60.0 * (2.0 * std::f64::consts::PI * t as f64 / 288.0).sin()
}

#[test]
fn upper_quantiles_cover_at_their_level_on_noisy_seasonal_demand() {
    let mut now = Nowcast::new(NowcastConfig::default()).unwrap();
    let mut seed = 7;
    let (mut covered, mut total) = (0usize, 0usize);
    let mut pending: Option<ShortForecast> = None;
    for t in 0..6000usize {
        let noise = (lcg(&mut seed) - 0.5) * 0.4;
        let y = daily(t) * (1.0 + noise);
        if let Some(f) = pending.take() {
            if let Some(q) = f.quantile(&now, 0, 0.95) {
                if t > 3000 {
                    total += 1;
                    covered += usize::from(y <= q);
                }
            }
        }
        now.observe(t as u64, Some(y));
        let base: Vec<f64> = (t + 1..t + 13).map(daily).collect();
        pending = Some(now.serve(t as u64 + 1, &base));
    }
    let rate = covered as f64 / total as f64;
    assert!((0.93..=0.97).contains(&rate), "coverage {rate}");
}

#[test]
fn a_level_shift_the_base_missed_is_followed_within_a_few_steps() {
    let mut now = Nowcast::new(NowcastConfig::default()).unwrap();
    // The base thinks demand is 100; from step 300 it is 150.
    let mut last = None;
    for t in 0..320u64 {
        let y = if t >= 300 { 150.0 } else { 100.0 };
        now.observe(t, Some(y));
        last = Some(now.serve(t + 1, &[100.0; 12]));
    }
    let point = last.unwrap().point[0];
    assert!((point - 150.0).abs() < 5.0, "point {point}");
}

#[test]
fn each_horizon_learns_its_own_errors_and_cold_start_serves_none() {
    let config = NowcastConfig {
        min_errors: 10,
        gains: vec![],
        ..NowcastConfig::default()
    };
    let mut now = Nowcast::new(config).unwrap();
    assert_eq!(now.error_quantile(1, 0.9), None);
    // The base is exact one step ahead and 20 too low two steps ahead.
    for t in 0..200u64 {
        now.observe(t, Some(100.0));
        now.serve(t + 1, &[100.0, 80.0, 80.0]);
    }
    assert_eq!(now.error_count(1), 199);
    let h1 = now.error_quantile(1, 0.9).unwrap();
    let h2 = now.error_quantile(2, 0.9).unwrap();
    assert!(h1.abs() < 1e-9, "h1 {h1}");
    assert!(h2 > 1.0, "h2 {h2}");
}

#[test]
fn unknown_actuals_teach_nothing() {
    let mut now = Nowcast::new(NowcastConfig::default()).unwrap();
    for t in 0..100u64 {
        now.observe(t, None);
        now.serve(t + 1, &[5.0; 12]);
    }
    assert_eq!(now.error_count(1), 0);
    assert_eq!(now.correction(), 0.0);
}

#[test]
fn bad_settings_name_their_key() {
    let e = Nowcast::new(NowcastConfig {
        scale_exponents: vec![0.5, 2.0],
        ..NowcastConfig::default()
    })
    .unwrap_err();
    assert!(e.to_string().contains("scale_exponents"), "{e}");
    let e = Nowcast::new(NowcastConfig {
        horizon: 0,
        ..NowcastConfig::default()
    })
    .unwrap_err();
    assert!(e.to_string().contains("horizon"), "{e}");
}

#[test]
fn long_horizons_are_tracked_at_a_spread_and_read_the_next_one_up() {
    assert_eq!(tracked_horizons(5, 12), vec![1, 2, 3, 4, 5]);
    let t = tracked_horizons(41, 12);
    assert_eq!(t.len(), 12);
    assert_eq!((t[0], t[11]), (1, 41));
    let config = NowcastConfig {
        horizon: 41,
        min_errors: 5,
        gains: vec![],
        ..NowcastConfig::default()
    };
    let mut now = Nowcast::new(config).unwrap();
    // Errors grow with the horizon: 1 per step ahead.
    for t in 0..200u64 {
        now.observe(t, Some(100.0));
        let base: Vec<f64> = (1..=41).map(|h| 100.0 - f64::from(h)).collect();
        now.serve(t + 1, &base);
    }
    // Horizon 1 is tracked; a horizon between two tracked ones reads the one above.
    let q1 = now.error_quantile(1, 0.5).unwrap();
    let q2 = now.error_quantile(2, 0.5).unwrap();
    assert!(q2 >= q1);
    assert_eq!(now.error_quantile(41, 0.5), now.error_quantile(40, 0.5));
}
