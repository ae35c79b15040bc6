//! Tests of the Prophet-style model on synthetic series whose truth is known.

use super::*;
use crate::events::EventCalendar;
use crate::naive::SeasonalNaive;
use std::f64::consts::TAU;

const HOUR: i64 = 3600;
/// 2026-03-02T00:00:00Z, a Monday.
const MONDAY: i64 = 1_772_409_600;

/// Deterministic noise, roughly normal with standard deviation `sd`.
fn noise(n: usize, sd: f64, seed: u64) -> Vec<f64> {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let mut uniform = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    // Irwin–Hall: the sum of 12 uniforms minus 6 is close to a standard normal.
    (0..n)
        .map(|_| sd * ((0..12).map(|_| uniform()).sum::<f64>() - 6.0))
        .collect()
}

/// A smooth hourly baseline: level, trend, daily and weekly cycles.
fn baseline(unix: i64, i: usize) -> f64 {
    let day = (unix.rem_euclid(86_400)) as f64 / 86_400.0;
    let week = (unix.rem_euclid(604_800)) as f64 / 604_800.0;
    100.0
        + 0.02 * i as f64
        + 30.0 * (TAU * day).sin()
        + 10.0 * (2.0 * TAU * day).cos()
        + 15.0 * (TAU * week).sin()
}

fn hourly(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| baseline(MONDAY + i as i64 * HOUR, i))
        .collect()
}

fn history<'a>(events: Option<&'a EventCalendar>, start: Option<i64>) -> History<'a> {
    History {
        values: &[],
        step_seconds: 3600,
        start_unix: start,
        events,
    }
}

fn calendar(yaml: &str) -> EventCalendar {
    EventCalendar::from_yaml("test", yaml).unwrap()
}

fn mae(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f64>() / a.len() as f64
}

fn forecast(spec: &ProphetSpec, y: &[f64], h: &History<'_>, horizon: usize) -> Vec<f64> {
    spec.fit(y, h).unwrap().predict(horizon)
}

/// RFC 3339 text of a unix time, for calendars in tests.
fn at(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap()
        .to_rfc3339()
}

#[test]
fn daily_and_weekly_seasonality_with_trend_beat_seasonal_naive() {
    let (n, horizon) = (6 * 168, 168);
    let truth = hourly(n + horizon);
    let y: Vec<f64> = truth[..n]
        .iter()
        .zip(noise(n, 5.0, 1))
        .map(|(t, e)| t + e)
        .collect();
    let h = history(None, Some(MONDAY));
    let prophet = forecast(&ProphetSpec::default(), &y, &h, horizon);
    let naive = forecast_naive(&y, &h, horizon);
    let (p, s) = (mae(&prophet, &truth[n..]), mae(&naive, &truth[n..]));
    assert!(p < 0.5 * s, "prophet MAE {p:.2}, seasonal naive MAE {s:.2}");
}

fn forecast_naive(y: &[f64], h: &History<'_>, horizon: usize) -> Vec<f64> {
    SeasonalNaive { period: 168 }
        .fit(y, h)
        .unwrap()
        .predict(horizon)
}

#[test]
fn a_declared_future_campaign_lifts_the_forecast_inside_its_window_only() {
    let (n, horizon) = (3 * 168, 48);
    let y = hourly(n);
    let end = MONDAY + n as i64 * HOUR;
    // Six hours from ten hours after the history, starting half-way through a step.
    let c = calendar(&format!(
        "version: 1\nevents:\n  - {{name: sale, start: {}, duration: 6h, effect: {{multiply: 2.5}}}}\n",
        at(end + 10 * HOUR + 1800)
    ));
    let plain = forecast(
        &ProphetSpec::default(),
        &y,
        &history(None, Some(MONDAY)),
        horizon,
    );
    let lifted = forecast(
        &ProphetSpec::default(),
        &y,
        &history(Some(&c), Some(MONDAY)),
        horizon,
    );
    for s in 0..horizon {
        let ratio = lifted[s] / plain[s];
        let expected = match s {
            10 | 16 => 1.75,
            11..=15 => 2.5,
            _ => 1.0,
        };
        assert!((ratio - expected).abs() < 1e-9, "step {s}: ×{ratio}");
    }
}

/// Four weeks of hourly history with campaigns (×2, six hours) on three past Thursdays, the
/// calendar declaring them and a fourth, the day after the history, in one learned group.
fn campaign_history() -> (Vec<f64>, EventCalendar, std::ops::Range<usize>) {
    let n = 4 * 168;
    let starts: Vec<i64> = [3, 10, 17, 28]
        .iter()
        .map(|d| MONDAY + d * 86_400 + 10 * HOUR)
        .collect();
    let mut y = hourly(n);
    for s in &starts[..3] {
        let first = ((s - MONDAY) / HOUR) as usize;
        y[first..first + 6].iter_mut().for_each(|v| *v *= 2.0);
    }
    let events: String = starts
        .iter()
        .enumerate()
        .map(|(i, s)| {
            format!(
                "  - {{name: c{i}, start: {}, duration: 6h, group: campaign}}\n",
                at(*s)
            )
        })
        .collect();
    let c = calendar(&format!("version: 1\nevents:\n{events}"));
    // The future campaign, in steps after the history.
    let first = ((starts[3] - MONDAY) / HOUR) as usize - n;
    (y, c, first..first + 6)
}

#[test]
fn a_learned_effect_comes_from_past_occurrences() {
    let (y, c, window) = campaign_history();
    let n = y.len();
    let truth = hourly(n + 48);
    let spec = ProphetSpec::default();
    let fitted = spec
        .fit_with(&y, &history(Some(&c), Some(MONDAY)), &[])
        .unwrap();
    let effects = fitted.learned_effects();
    assert_eq!(effects.len(), 1);
    assert!((effects[0].1 - 2.0).abs() < 0.1, "{effects:?}");
    let with = fitted.predict(48);
    let without = forecast(&spec, &y, &history(None, Some(MONDAY)), 48);
    for s in window.clone() {
        let base = truth[n + s];
        assert!(
            (with[s] / base - 2.0).abs() < 0.2 * 2.0,
            "step {s}: ×{}",
            with[s] / base
        );
        assert!(
            (without[s] / base - 1.0).abs() < 0.15,
            "step {s}: ×{}",
            without[s] / base
        );
    }
    let outside = (0..48).filter(|s| !window.contains(s));
    for s in outside {
        assert!((with[s] / truth[n + s] - 1.0).abs() < 0.1, "step {s}");
    }
}

#[test]
fn a_recurring_maintenance_window_is_reflected() {
    let n = 3 * 168;
    let c = calendar(
        "version: 1
recurring:
  - {name: maintenance, days: [sunday], start: \"02:00\", duration: 1h, effect: {multiply: 0.1}}
",
    );
    let features = c.features(MONDAY, 3600, n + 168);
    let truth: Vec<f64> = hourly(n + 168)
        .iter()
        .zip(&features.multiplier)
        .map(|(v, m)| v * m)
        .collect();
    let y = &truth[..n];
    let f = forecast(
        &ProphetSpec::default(),
        y,
        &history(Some(&c), Some(MONDAY)),
        168,
    );
    // Next Sunday 02:00 is 6 days and 2 hours into the forecast.
    let dip = 6 * 24 + 2;
    assert!(
        (f[dip] / truth[n + dip] - 1.0).abs() < 0.05,
        "{} vs {}",
        f[dip],
        truth[n + dip]
    );
    assert!(f[dip] < 0.15 * f[dip - 1] && f[dip] < 0.15 * f[dip + 1]);
    let err = mae(&f, &truth[n..]);
    assert!(err < 1.0, "MAE {err}");
}

#[test]
fn a_slope_change_late_in_the_history_is_followed() {
    let n = 500;
    let knee = 325;
    let truth = |i: usize| 100.0 + 0.5 * i.saturating_sub(knee) as f64;
    let y: Vec<f64> = (0..n)
        .zip(noise(n, 1.0, 7))
        .map(|(i, e)| truth(i) + e)
        .collect();
    let f = forecast(&ProphetSpec::default(), &y, &history(None, None), 24);
    for (s, v) in f.iter().enumerate() {
        let expected = truth(n + s);
        assert!(
            (v - expected).abs() < 3.0,
            "step {s}: {v:.1} vs {expected:.1}"
        );
    }
    let slope = (f[23] - f[0]) / 23.0;
    assert!((slope - 0.5).abs() < 0.05, "slope {slope}");
}

#[test]
fn a_damped_slope_flattens_the_trend_forecast() {
    let n = 500;
    let y: Vec<f64> = (0..n).map(|i| 100.0 + 0.5 * i as f64).collect();
    let h = history(None, None);
    let damped = ProphetSpec {
        slope_half_life_seconds: Some(6.0 * 3600.0),
        ..ProphetSpec::default()
    };
    let straight = forecast(&ProphetSpec::default(), &y, &h, 48);
    let flat = forecast(&damped, &y, &h, 48);
    assert!((straight[47] - straight[0] - 47.0 * 0.5).abs() < 0.5);
    // Six-hour half-life: the total rise is bounded by 0.5 / (1 − 2^(−1/6)) ≈ 4.6.
    assert!(flat[47] - flat[0] < 4.6, "{} → {}", flat[0], flat[47]);
    assert!(flat[47] > flat[0]);
}

#[test]
fn robust_fitting_barely_moves_the_forecast_for_one_huge_spike() {
    let n = 3 * 168;
    let clean: Vec<f64> = hourly(n)
        .iter()
        .zip(noise(n, 2.0, 3))
        .map(|(v, e)| v + e)
        .collect();
    let mut spiked = clean.clone();
    spiked[n - 40] *= 50.0;
    let h = history(None, Some(MONDAY));
    let shift = |spec: &ProphetSpec| {
        let a = forecast(spec, &clean, &h, 48);
        let b = forecast(spec, &spiked, &h, 48);
        a.iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max)
    };
    let robust = shift(&ProphetSpec::default());
    let plain = shift(&ProphetSpec {
        robust: false,
        ..ProphetSpec::default()
    });
    assert!(
        robust < 0.5,
        "robust forecast moved by {robust:.2} (level ~100)"
    );
    assert!(
        plain > 20.0 * robust,
        "plain {plain:.2} vs robust {robust:.2}"
    );
}

#[test]
fn a_long_minute_series_is_fitted_on_block_means() {
    let n = 40_000;
    let horizon = 600;
    let truth: Vec<f64> = (0..n + horizon)
        .map(|i| {
            let unix = MONDAY + 60 * i as i64;
            baseline(unix, i / 60)
        })
        .collect();
    let y: Vec<f64> = truth[..n]
        .iter()
        .zip(noise(n, 3.0, 5))
        .map(|(t, e)| t + e)
        .collect();
    let h = History {
        step_seconds: 60,
        ..history(None, Some(MONDAY))
    };
    let f = forecast(&ProphetSpec::default(), &y, &h, horizon);
    let err = mae(&f, &truth[n..]);
    assert!(err < 2.0, "MAE {err}");
}

#[test]
fn an_extra_regressor_known_ahead_moves_the_forecast() {
    let (n, horizon) = (3 * 168, 24);
    let promo: Vec<f64> = (0..n + horizon)
        .map(|i| f64::from((i / 5) % 3 == 0))
        .collect();
    let truth: Vec<f64> = hourly(n + horizon)
        .iter()
        .zip(&promo)
        .map(|(v, p)| v + 20.0 * p)
        .collect();
    let r = Regressor {
        name: "promo".into(),
        values: promo,
    };
    let f = ProphetSpec::default()
        .fit_with(&truth[..n], &history(None, Some(MONDAY)), &[r])
        .unwrap()
        .predict(horizon);
    let err = mae(&f, &truth[n..]);
    assert!(err < 1.0, "MAE {err}");
}

#[test]
fn events_are_ignored_without_a_start_time() {
    let y = hourly(3 * 168);
    let (_, c, _) = campaign_history();
    let plain = forecast(&ProphetSpec::default(), &y, &history(None, None), 24);
    let with = forecast(&ProphetSpec::default(), &y, &history(Some(&c), None), 24);
    assert_eq!(plain, with);
}

#[test]
fn short_or_broken_histories_are_refused() {
    let spec = ProphetSpec::default();
    assert_eq!(spec.name(), "prophet");
    let h = history(None, None);
    assert!(matches!(
        spec.fit(&[1.0, 2.0, 3.0], &h),
        Err(ForecastError::TooShort { need: 4, .. })
    ));
    assert!(matches!(
        spec.fit(&[1.0, 2.0, f64::NAN, 4.0, 5.0], &h),
        Err(ForecastError::Invalid(_))
    ));
    let f = spec.fit(&[5.0, 5.0, 5.0, 5.0, 5.0], &h).unwrap();
    assert!(f.predict(3).iter().all(|v| (v - 5.0).abs() < 1e-6));
}
