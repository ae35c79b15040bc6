use super::super::{
    CacheConfig, Drift, DriftConfig, DriftReason, ForecastCache, Forecaster, RefitPolicy,
    RefitReason, TrackerError,
};
use super::{Rng, LEVELS};
use crate::calibrate::normal_quantile;
use crate::model::Forecast;

/// Forecasts each step as its own index, so that alignment shows in the values; the quantile
/// of level τ is the point plus 100·τ.
struct StepIndex {
    origin: u64,
}

impl Forecaster for StepIndex {
    fn forecast(&self, horizon: usize) -> Forecast {
        let point: Vec<f64> = (0..horizon)
            .map(|i| (self.origin as usize + i) as f64)
            .collect();
        let quantiles = LEVELS
            .iter()
            .map(|&l| (l, point.iter().map(|p| p + 100.0 * l).collect()))
            .collect();
        Forecast { point, quantiles }
    }
}

/// A flat forecast with normal quantiles of standard deviation `spread`.
struct Flat {
    level: f64,
    spread: f64,
    reference: Option<f64>,
}

impl Forecaster for Flat {
    fn forecast(&self, horizon: usize) -> Forecast {
        let quantiles = LEVELS
            .iter()
            .map(|&l| {
                (
                    l,
                    vec![self.level + self.spread * normal_quantile(l); horizon],
                )
            })
            .collect();
        Forecast {
            point: vec![self.level; horizon],
            quantiles,
        }
    }

    fn reference_scaled_error(&self) -> Option<f64> {
        self.reference
    }
}

fn flat(level: f64) -> Flat {
    Flat {
        level,
        spread: 2.0,
        reference: None,
    }
}

fn cache<F: Forecaster>(config: CacheConfig) -> ForecastCache<String, F> {
    ForecastCache::new(config, &LEVELS).unwrap()
}

/// One control tick: serve the horizon-1 forecast for `step`, then record its actual (scale 4).
/// Returns the served point and the drift state.
fn tick<F: Forecaster>(c: &mut ForecastCache<String, F>, step: u64, actual: f64) -> (f64, Drift) {
    let f = c.forecast_from("api", step, 1).unwrap();
    let quantiles: Vec<f64> = f.quantiles.iter().map(|(_, v)| v[0]).collect();
    let served = super::obs(step, actual, f.point[0], &quantiles, 4.0);
    (f.point[0], c.record("api", &served).unwrap())
}

#[test]
fn a_series_never_fitted_needs_a_fit_and_cannot_forecast() {
    let mut c = cache::<Flat>(CacheConfig::default());
    assert_eq!(c.needs_refit("api", 0), Some(RefitReason::NeverFitted));
    let err = c.forecast_from("api", 0, 1).unwrap_err();
    assert!(err.calls_for_fit(), "{err}");
    let q = [0.0; 8];
    assert_eq!(
        c.record("api", &super::obs(0, 1.0, 1.0, &q, 1.0)),
        Err(TrackerError::UnknownSeries)
    );
}

#[test]
fn reused_forecasts_start_at_now_with_the_elapsed_steps_dropped() {
    let mut c = cache(CacheConfig::default());
    c.insert("api".to_string(), StepIndex { origin: 100 }, 100);
    let f = c.forecast_from("api", 105, 3).unwrap();
    assert_eq!(f.point, vec![105.0, 106.0, 107.0]);
    assert_eq!(f.quantile(0.5).unwrap(), &[155.0, 156.0, 157.0]);
    assert_eq!(
        c.forecast_from("api", 100, 2).unwrap().point,
        vec![100.0, 101.0]
    );
    assert_eq!(
        c.forecast_from("api", 99, 1),
        Err(TrackerError::BeforeFit {
            now: 99,
            fitted_at: 100
        })
    );
}

#[test]
fn refits_are_scheduled_every_n_steps_and_models_expire_past_the_reuse_limit() {
    let refit = RefitPolicy {
        every: Some(24),
        ..RefitPolicy::default()
    };
    let mut c = cache(CacheConfig {
        refit,
        ..CacheConfig::default()
    });
    c.insert("api".to_string(), flat(100.0), 100);
    assert_eq!(c.needs_refit("api", 123), None);
    let due = Some(RefitReason::Scheduled { age: 24, every: 24 });
    assert_eq!(c.needs_refit("api", 124), due);
    c.insert("api".to_string(), flat(100.0), 124);
    assert_eq!(c.needs_refit("api", 124), None);

    let mut c = cache(CacheConfig {
        max_reuse_steps: 50,
        refit: RefitPolicy {
            every: None,
            ..RefitPolicy::default()
        },
        ..CacheConfig::default()
    });
    c.insert("api".to_string(), flat(100.0), 100);
    assert_eq!(c.needs_refit("api", 150), None);
    let expired = Some(RefitReason::Expired { age: 51, limit: 50 });
    assert_eq!(c.needs_refit("api", 151), expired);
    let err = c.forecast_from("api", 151, 1).unwrap_err();
    assert_eq!(
        err,
        TrackerError::TooOld {
            elapsed: 51,
            limit: 50
        }
    );
}

#[test]
fn drift_asks_for_a_refit_once_min_interval_passed_and_a_refit_clears_it() {
    let mut c = cache(CacheConfig::default());
    let model = Flat {
        reference: Some(0.4),
        ..flat(100.0)
    };
    c.insert("api".to_string(), model, 0);
    // Errors of ±20 (5 scales, 12 references) alternate: the size test fires, not the level.
    let states: Vec<Drift> = (0..6)
        .map(|s| tick(&mut c, s, if s % 2 == 0 { 120.0 } else { 80.0 }).1)
        .collect();
    assert_eq!(states[3], Drift::None);
    assert!(
        matches!(
            states[4],
            Drift::Detected {
                reason: DriftReason::ErrorsGrew { .. }
            }
        ),
        "{states:?}"
    );
    assert_eq!(c.needs_refit("api", 11), None, "min_interval is 12 steps");
    let due = c.needs_refit("api", 12);
    assert!(matches!(due, Some(RefitReason::Drift { .. })), "{due:?}");
    c.insert("api".to_string(), flat(100.0), 12);
    assert_eq!(c.needs_refit("api", 12), None);
    assert_eq!(c.snapshot("api").unwrap().drift, Drift::None);
}

#[test]
fn level_correction_makes_a_reused_forecast_follow_a_20_percent_level_shift() {
    let mut c = cache(CacheConfig::default());
    c.insert("api".to_string(), flat(100.0), 0);
    let mut rng = Rng(5);
    for step in 0..100 {
        let (_, drift) = tick(&mut c, step, 100.0 + 2.0 * rng.normal());
        assert_eq!(drift, Drift::None, "step {step}");
    }
    let served: Vec<f64> = (100..110)
        .map(|step| tick(&mut c, step, 120.0 + 2.0 * rng.normal()).0)
        .collect();
    let ahead = c.forecast_from("api", 110, 5).unwrap();
    assert!(
        served[0] < 102.0,
        "the shift is not known before it is seen: {served:?}"
    );
    assert!((served[9] - 120.0).abs() < 2.0, "{served:?}");
    assert!((ahead.point[4] - 120.0).abs() < 2.0, "{:?}", ahead.point);
    let q95 = ahead.quantile(0.95).unwrap()[4];
    assert!((q95 - (120.0 + 2.0 * 1.645)).abs() < 2.0, "{q95}");
    assert_eq!(
        c.get("api").unwrap().forecast(1).point,
        vec![100.0],
        "no refit"
    );
    // The refit waits until 12 steps of the new level are in the history.
    assert_eq!(c.needs_refit("api", 110), None);
    let Some(RefitReason::LevelShift { shift, since_step }) = c.needs_refit("api", 112) else {
        panic!("{:?}", c.needs_refit("api", 112));
    };
    assert!(
        since_step == 100 && (shift - 5.0).abs() < 0.5,
        "{shift} {since_step}"
    );
}

#[test]
fn without_a_recognized_shift_the_correction_closes_the_gap_by_the_gain_each_step() {
    let drift = DriftConfig {
        warmup: 10_000,
        ..DriftConfig::default()
    };
    let mut c = cache(CacheConfig {
        correction_gain: 0.5,
        drift,
        ..CacheConfig::default()
    });
    c.insert("api".to_string(), flat(100.0), 0);
    let served: Vec<f64> = (0..4).map(|s| tick(&mut c, s, 110.0).0).collect();
    assert_eq!(served, vec![100.0, 105.0, 107.5, 108.75]);
    assert_eq!(c.snapshot("api").unwrap().level_correction, 9.375);
}

#[test]
fn idle_series_are_evicted_and_a_full_cache_drops_the_least_recently_seen() {
    let mut c = cache(CacheConfig {
        capacity: 8,
        idle_steps: 100,
        ..CacheConfig::default()
    });
    for (i, id) in ["a", "b", "c", "d", "e", "f", "g", "h"].iter().enumerate() {
        c.insert(id.to_string(), flat(1.0), i as u64);
    }
    c.forecast_from("a", 60, 1).unwrap();
    // Full, none idle at step 70: the least recently seen ("b", seen at 1) goes.
    c.insert("i".to_string(), flat(1.0), 70);
    assert_eq!(c.len(), 8);
    assert!(c.get("b").is_none() && c.get("a").is_some());
    // At 150, only "a" (60) and "i" (70) were seen within 100 steps.
    assert_eq!(c.evict_idle(150), 6);
    assert!(c.get("a").is_some() && c.get("i").is_some());
    assert_eq!(c.needs_refit("c", 150), Some(RefitReason::NeverFitted));
}

#[test]
fn each_horizon_bucket_tracks_its_own_errors() {
    let mut c = cache(CacheConfig {
        horizon_buckets: vec![1, 6],
        ..CacheConfig::default()
    });
    c.insert("api".to_string(), flat(100.0), 0);
    let q = [100.0; 8];
    for (horizon, actual) in [(1, 104.0), (3, 108.0), (6, 112.0), (7, 999.0)] {
        let o = super::super::Observation {
            horizon,
            ..super::obs(10, actual, 100.0, &q, 4.0)
        };
        c.record("api", &o).unwrap();
    }
    let s = c.snapshot("api").unwrap();
    let mae: Vec<Option<f64>> = s
        .buckets
        .iter()
        .map(|b| b.tracker.window.scaled_mae)
        .collect();
    // Horizon 1: 4/4. Horizons 3 and 6 (step 10 once: the second is a duplicate): 8/4.
    assert_eq!(mae, vec![Some(1.0), Some(2.0)]);
    assert_eq!(s.buckets[1].tracker.skipped, 1);
}

#[test]
fn cache_settings_are_validated() {
    let d = CacheConfig::default();
    for bad in [
        CacheConfig {
            horizon_buckets: vec![2, 6],
            ..d.clone()
        },
        CacheConfig {
            horizon_buckets: vec![1, 1],
            ..d.clone()
        },
        CacheConfig {
            correction_gain: 1.5,
            ..d.clone()
        },
        CacheConfig {
            capacity: 0,
            ..d.clone()
        },
    ] {
        assert!(ForecastCache::<String, Flat>::new(bad, &LEVELS).is_err());
    }
    assert!(ForecastCache::<String, Flat>::new(d, &[0.5, 0.4]).is_err());
}
