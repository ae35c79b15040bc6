use super::*;

fn daily(days: usize, step: u32) -> Vec<Option<f64>> {
    let per_day = (86_400 / step) as usize;
    (0..days * per_day)
        .map(|i| {
            let phase = (i % per_day) as f64 / per_day as f64 * std::f64::consts::TAU;
            Some(100.0 + 50.0 * phase.sin())
        })
        .collect()
}

fn history(values: &[Option<f64>], step: u32) -> History<'_> {
    History {
        values,
        step_seconds: step,
        start_unix: Some(1_700_000_000),
        events: None,
    }
}

#[test]
fn a_daily_series_is_forecast_by_a_seasonal_model() {
    let v = daily(7, 3600);
    let engine = Engine::new(EngineConfig {
        periods: Some(vec![24]),
        ..EngineConfig::default()
    });
    let f = engine.fit(&history(&v, 3600), 24).unwrap();
    assert!(f.model.contains("snaive-24"), "chose {}", f.model);
    let fc = f.forecast(24);
    for (h, p) in fc.point.iter().enumerate() {
        let expected = v[h].unwrap();
        assert!((p - expected).abs() < 1e-6, "step {h}: {p} vs {expected}");
    }
}

#[test]
fn quantiles_are_ordered_and_non_negative() {
    let mut v = daily(10, 3600);
    for (i, x) in v.iter_mut().enumerate() {
        *x = x.map(|x| (x + ((i * 7919) % 13) as f64 - 6.0).max(0.0));
    }
    let f = Engine::default().fit(&history(&v, 3600), 48).unwrap();
    let fc = f.forecast(48);
    let q = |l| fc.quantile(l).unwrap().to_vec();
    let (lo, mid, hi, top) = (q(0.025), q(0.5), q(0.975), q(0.99));
    for h in 0..48 {
        assert!(lo[h] >= 0.0);
        assert!(lo[h] <= mid[h] && mid[h] <= hi[h] && hi[h] <= top[h]);
    }
    assert!(f.calibration_size() > 0);
}

#[test]
fn a_cold_start_still_forecasts_with_wide_bands() {
    let v = [Some(5.0), Some(7.0), None, Some(6.0)];
    let f = Engine::default().fit(&history(&v, 300), 12).unwrap();
    let fc = f.forecast(12);
    assert_eq!(fc.point.len(), 12);
    assert_eq!(f.calibration_size(), 0);
    assert!(fc.quantile(0.99).unwrap()[0] > 6.0);
}

#[test]
fn nothing_known_is_an_error_and_the_horizon_must_be_positive() {
    assert!(Engine::default()
        .fit(&history(&[None, None], 60), 5)
        .is_err());
    assert!(Engine::default()
        .fit(&history(&[Some(1.0)], 60), 0)
        .is_err());
}

#[test]
fn the_forecast_does_not_depend_on_values_after_the_history() {
    let v = daily(6, 3600);
    let cut = 5 * 24;
    let engine = Engine::default();
    let a = engine
        .fit(&history(&v[..cut], 3600), 24)
        .unwrap()
        .forecast(24);
    let mut w = v.clone();
    for x in &mut w[cut..] {
        *x = Some(1e6);
    }
    let b = engine
        .fit(&history(&w[..cut], 3600), 24)
        .unwrap()
        .forecast(24);
    assert_eq!(a, b);
}

#[test]
fn a_declared_future_event_moves_the_forecast_of_any_model() {
    // Hourly history of 7 days from 2023-11-14 22:13:20 UTC (1_700_000_000); a ×2 campaign is
    // declared for forecast hours 10..14 (after the history's end).
    let v = daily(7, 3600);
    let end = 1_700_000_000 + 7 * 24 * 3600;
    let yaml = format!(
        "version: 1\nevents:\n  - name: sale\n    start: {}\n    duration: 4h\n    effect: {{multiply: 2.0}}\n",
        rfc3339(end + 10 * 3600)
    );
    let calendar = crate::events::EventCalendar::from_yaml("test", &yaml).unwrap();
    let with = History {
        values: &v,
        step_seconds: 3600,
        start_unix: Some(1_700_000_000),
        events: Some(&calendar),
    };
    let engine = Engine::new(EngineConfig {
        models: Some(vec!["snaive".into()]),
        ..EngineConfig::default()
    });
    let lifted = engine.fit(&with, 24).unwrap().forecast(24);
    let plain = engine.fit(&history(&v, 3600), 24).unwrap().forecast(24);
    for h in 0..24 {
        let ratio = lifted.point[h] / plain.point[h];
        let expected = if (10..14).contains(&h) { 2.0 } else { 1.0 };
        assert!((ratio - expected).abs() < 1e-9, "hour {h}: ratio {ratio}");
    }
}

fn rfc3339(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .expect("a valid test time")
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[test]
fn an_incident_spike_in_the_last_day_is_not_repeated_a_day_later() {
    // Two weeks of hourly demand with noise; an incident multiplies one hour by 6, 6 hours
    // before the end. The forecast 18 hours ahead (the same hour the next day) must stay near
    // the usual level, not copy the incident.
    let mut v = daily(14, 3600);
    for (i, x) in v.iter_mut().enumerate() {
        *x = x.map(|x| x + ((i * 7919) % 11) as f64 - 5.0);
    }
    let n = v.len();
    let usual = v[n - 6 - 24].unwrap_or(0.0);
    v[n - 6] = v[n - 6].map(|x| x * 6.0);
    let f = Engine::default().fit(&history(&v, 3600), 24).unwrap();
    let p = f.forecast(24).point[17];
    assert!(
        (p - usual).abs() < 0.3 * usual,
        "{} forecast {p} at the incident's hour, usual {usual}",
        f.model
    );
}

#[test]
fn the_drift_reference_matches_live_one_step_errors() {
    // Noisy daily series: the backtest's horizon-1 error (in MASE scales of one day) must be
    // close to what the model then does on fresh one-step-ahead forecasts.
    let mut v = daily(21, 3600);
    for (i, x) in v.iter_mut().enumerate() {
        *x = x.map(|x| x + (((i * 7919 + 13) % 17) as f64 - 8.0) * 2.0);
    }
    let known: Vec<Option<f64>> = v.clone();
    let engine = Engine::default();
    let mut live = Vec::new();
    let mut reference = None;
    for cut in (14 * 24..21 * 24 - 1).step_by(5) {
        let f = engine.fit(&history(&v[..cut], 3600), 1).unwrap();
        reference = reference.or(f.reference_scaled_error());
        let scale = crate::accuracy::mase_scale(&known[..cut], 24).unwrap();
        live.push((f.forecast(1).point[0] - v[cut].unwrap()).abs() / scale);
    }
    let reference = reference.expect("a reference after two weeks of history");
    let live = live.iter().sum::<f64>() / live.len() as f64;
    assert!(
        (0.5..2.0).contains(&(reference / live)),
        "reference {reference}, live {live}"
    );
    let cold = engine.fit(&history(&v[..3], 3600), 1).unwrap();
    assert_eq!(cold.reference_scaled_error(), None);
}
