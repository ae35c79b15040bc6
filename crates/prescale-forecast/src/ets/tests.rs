//! Behaviour of `fit_ets` as a user sees it: model choice, extrapolation, refusals, and
//! finiteness on any positive input.

use super::*;
use proptest::prelude::*;
use std::f64::consts::PI;

/// Deterministic noise shared with the reference generator in `reference_tests.rs`: the
/// Numerical Recipes LCG `x ← (1664525 x + 1013904223) mod 2³²`, four uniforms summed and
/// centred (mean 0, standard deviation 1/√3).
pub(super) fn noise(n: usize, seed: u64) -> Vec<f64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            let mut s = 0.0;
            for _ in 0..4 {
                x = (1_664_525 * x + 1_013_904_223) % (1 << 32);
                s += x as f64 / 4_294_967_296.0;
            }
            s - 2.0
        })
        .collect()
}

pub(super) fn mae(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f64>() / a.len() as f64
}

fn fit(y: &[f64], code: &str, period: usize) -> EtsFit {
    fit_ets(y, &EtsSpec::from_code(code, period).unwrap()).unwrap()
}

/// `200 + 120 sin(2πt/24)` plus noise of sd ≈ 2.9: positive, strongly seasonal.
fn hourly(n: usize) -> Vec<f64> {
    let e = noise(n, 11);
    (0..n)
        .map(|t| 200.0 + 120.0 * (2.0 * PI * t as f64 / 24.0).sin() + 5.0 * e[t])
        .collect()
}

#[test]
fn a_linear_trend_is_extrapolated_and_aicc_prefers_a_trend_model() {
    let e = noise(120, 1);
    let y: Vec<f64> = (0..120)
        .map(|t| 10.0 + 2.0 * t as f64 + 0.5 * e[t])
        .collect();
    let auto = fit_ets(&y, &EtsSpec::non_seasonal()).unwrap();
    assert_eq!(
        auto.model().trend,
        TrendKind::Additive,
        "{}",
        auto.model_name()
    );
    let ann = fit(&y, "ANN", 1);
    assert!(
        auto.aicc() < ann.aicc() - 10.0,
        "{} vs {}",
        auto.aicc(),
        ann.aicc()
    );
    let f = auto.forecast(10);
    for (h, v) in f.iter().enumerate() {
        let truth = 10.0 + 2.0 * (120 + h) as f64;
        assert!((v - truth).abs() < 2.0, "h = {}: {v} vs {truth}", h + 1);
    }
}

#[test]
fn a_constant_series_forecasts_the_constant() {
    for (spec, n) in [
        (EtsSpec::non_seasonal(), 30),
        (EtsSpec::auto(24), 80),
        (EtsSpec::auto(7), 12),
    ] {
        let fit = fit_ets(&vec![42.5; n], &spec).unwrap();
        for v in fit.forecast(30) {
            assert!((v - 42.5).abs() < 1e-9, "{}: {v}", fit.model_name());
        }
        assert!(fit.residual_sd() < 1e-9);
    }
}

#[test]
fn a_strongly_seasonal_series_picks_a_seasonal_model_that_beats_a_non_seasonal_one() {
    let y = hourly(24 * 12);
    let (train, test) = y.split_at(24 * 10);
    let seasonal = fit_ets(train, &EtsSpec::auto(24)).unwrap();
    assert_ne!(
        seasonal.model().season,
        SeasonKind::None,
        "{}",
        seasonal.model_name()
    );
    let flat = fit_ets(train, &EtsSpec::non_seasonal()).unwrap();
    let (a, b) = (
        mae(&seasonal.forecast(48), test),
        mae(&flat.forecast(48), test),
    );
    assert!(a < 10.0 && a * 5.0 < b, "seasonal {a} vs non-seasonal {b}");
}

#[test]
fn a_multiplicative_season_is_recognised() {
    let e = noise(24 * 14, 12);
    let y: Vec<f64> = (0..24 * 14)
        .map(|t| {
            (100.0 + 0.5 * t as f64)
                * (1.0 + 0.5 * (2.0 * PI * t as f64 / 24.0).sin())
                * (1.0 + 0.01 * e[t])
        })
        .collect();
    let fit = fit_ets(&y, &EtsSpec::auto(24)).unwrap();
    assert_eq!(
        fit.model().season,
        SeasonKind::Multiplicative,
        "{}",
        fit.model_name()
    );
}

#[test]
fn damping_flattens_the_trend() {
    let e = noise(150, 4);
    let y: Vec<f64> = (0..150)
        .map(|t| 80.0 + 40.0 * (1.0 - 0.97f64.powi(t)) + 1.5 * e[t as usize])
        .collect();
    let damped = fit(&y, "AAdN", 1);
    let straight = fit(&y, "AAN", 1);
    let f = damped.forecast(60);
    let steps: Vec<f64> = f.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        steps.windows(2).all(|w| w[1].abs() <= w[0].abs() + 1e-12),
        "{steps:?}"
    );
    assert!(steps[58].abs() < 0.5 * steps[0].abs(), "{steps:?}");
    let (phi, s) = (damped.parameters().phi.unwrap(), straight.forecast(60));
    assert!((0.8..=0.98).contains(&phi));
    assert!(
        (f[59] - f[0]).abs() < (s[59] - s[0]).abs(),
        "damped {} vs straight {}",
        f[59] - f[0],
        s[59] - s[0]
    );
}

#[test]
fn non_finite_values_are_refused() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut y = hourly(100);
        y[37] = bad;
        assert!(
            matches!(
                fit_ets(&y, &EtsSpec::auto(24)),
                Err(ForecastError::Invalid(_))
            ),
            "{bad}"
        );
    }
}

#[test]
fn empty_and_too_short_series_say_so() {
    assert_eq!(
        fit_ets(&[], &EtsSpec::auto(24)).unwrap_err(),
        ForecastError::NoData
    );
    let err = fit_ets(&[1.0, 2.0, 3.0], &EtsSpec::auto(24)).unwrap_err();
    assert!(
        matches!(err, ForecastError::TooShort { have: 3, need, .. } if need > 3),
        "{err:?}"
    );
    let err = fit_ets(&hourly(50), &EtsSpec::from_code("ANA", usize::MAX).unwrap()).unwrap_err();
    assert!(matches!(err, ForecastError::TooShort { .. }), "{err:?}");
    // Too short for the seasonal candidates, long enough for the others.
    let fit = fit_ets(&hourly(20), &EtsSpec::auto(24)).unwrap();
    assert_eq!(fit.model().season, SeasonKind::None);
}

#[test]
fn inconsistent_specifications_are_refused() {
    let y = hourly(100);
    let specs = [
        EtsSpec::auto(0),
        EtsSpec {
            season: Some(SeasonKind::Additive),
            ..EtsSpec::auto(1)
        },
        EtsSpec {
            trend: Some(TrendKind::None),
            damped: Some(true),
            ..EtsSpec::auto(24)
        },
        EtsSpec::from_code("AAM", 24).unwrap(),
    ];
    for spec in specs {
        assert!(
            matches!(fit_ets(&y, &spec), Err(ForecastError::Invalid(_))),
            "{spec:?}"
        );
    }
    for bad in ["AXN", "AANN", "dAAN", "AAdd", "ANdN", "AN"] {
        assert!(EtsSpec::from_code(bad, 1).is_err(), "{bad}");
    }
}

#[test]
fn multiplicative_models_need_positive_data() {
    let mut y = hourly(24 * 8);
    y.iter_mut().for_each(|v| *v -= 150.0);
    assert!(y.iter().any(|&v| v <= 0.0));
    let fit = fit_ets(&y, &EtsSpec::auto(24)).unwrap();
    assert_eq!(fit.model().error, ErrorKind::Additive);
    assert_ne!(fit.model().season, SeasonKind::Multiplicative);
    assert!(matches!(
        fit_ets(&y, &EtsSpec::from_code("MNN", 1).unwrap()),
        Err(ForecastError::Invalid(_))
    ));
}

#[test]
fn model_codes_read_like_r() {
    let s = EtsSpec::from_code("MAdM", 12).unwrap();
    assert_eq!(
        s,
        EtsSpec {
            error: Some(ErrorKind::Multiplicative),
            trend: Some(TrendKind::Additive),
            season: Some(SeasonKind::Multiplicative),
            damped: Some(true),
            period: 12
        }
    );
    assert_eq!(EtsSpec::from_code("ZZZ", 24).unwrap(), EtsSpec::auto(24));
    assert_eq!(fit(&hourly(24 * 6), "AAdA", 24).model_name(), "ETS(A,Ad,A)");
}

#[test]
fn fitted_values_and_residual_sd_describe_the_fit() {
    let e = noise(400, 2);
    let y: Vec<f64> = (0..400).map(|t| 50.0 + 3.0 * e[t]).collect();
    let fit = fit(&y, "ANN", 1);
    assert_eq!(fit.fitted().len(), y.len());
    // Noise sd is 3/√3 ≈ 1.73; the level barely moves, so the residuals are the noise.
    assert!(
        (fit.residual_sd() - 3.0 / 3f64.sqrt()).abs() < 0.15,
        "{}",
        fit.residual_sd()
    );
    let own = (y
        .iter()
        .zip(fit.fitted())
        .map(|(a, f)| (a - f) * (a - f))
        .sum::<f64>()
        / (400.0 - 3.0))
        .sqrt();
    assert!((fit.residual_sd() - own).abs() < 1e-12);
    assert!(fit.aic() < fit.aicc());
}

#[test]
fn the_model_traits_fit_and_predict() {
    let spec = EtsSpec::auto(24);
    assert_eq!(ModelSpec::name(&spec), "autoets");
    let y = hourly(24 * 6);
    let history = History {
        values: &[],
        step_seconds: 3600,
        start_unix: None,
        events: None,
    };
    let boxed = spec.fit(&y, &history).unwrap();
    assert_eq!(boxed.predict(30), fit_ets(&y, &spec).unwrap().forecast(30));
}

#[test]
fn a_series_shorter_than_three_periods_still_fits_a_season() {
    let y = hourly(24 * 2 + 10);
    let fit = fit(&y, "ANA", 24);
    let truth: Vec<f64> = (58..82)
        .map(|t| 200.0 + 120.0 * (2.0 * PI * t as f64 / 24.0).sin())
        .collect();
    assert!(
        mae(&fit.forecast(24), &truth) < 15.0,
        "{:?}",
        fit.forecast(24)
    );
}

/// A random walk with drift around 500 (positive), `n` points.
fn long_walk(n: usize, seed: u64) -> Vec<f64> {
    let e = noise(n, seed);
    let mut level = 500.0;
    e.iter()
        .enumerate()
        .map(|(t, v)| {
            level += 0.3 * v;
            level + 0.02 * t as f64 + 4.0 * noise(1, seed + t as u64)[0]
        })
        .collect()
}

#[test]
fn a_long_series_chooses_its_form_on_recent_points_and_fits_it_on_all() {
    let y = long_walk(4000, 21);
    let spec = EtsSpec::non_seasonal();
    let screened = fit_ets_screened(&y, &spec).unwrap();
    let recent = fit_ets(&y[y.len() - SCREEN_POINTS..], &spec).unwrap();
    assert_eq!(screened.model(), recent.model());
    // Fitted on all points: as good a criterion as the full search's for that form.
    let full = fit_ets(&y, &EtsSpec::from_code(&code(&screened), 1).unwrap()).unwrap();
    assert_eq!(screened.fitted().len(), y.len());
    assert!(
        screened.aicc() < full.aicc() + 1.0,
        "{} vs {}",
        screened.aicc(),
        full.aicc()
    );
    // Short series are searched as before.
    let short = &y[..800];
    assert_eq!(
        fit_ets_screened(short, &spec).unwrap().forecast(12),
        fit_ets(short, &spec).unwrap().forecast(12)
    );
}

#[test]
fn the_backtest_spec_refits_its_form_and_keeps_the_oldest_fit() {
    let history = History {
        values: &[],
        step_seconds: 3600,
        start_unix: None,
        events: None,
    };
    // Long (screened) and short seasonal series, and a long non-seasonal one.
    for (y, period) in [
        (hourly(24 * 60), 24),
        (hourly(24 * 20), 24),
        (long_walk(3000, 9), 1),
    ] {
        let spec = EtsSpec::auto(period);
        let oldest = &y[..y.len() - 96];
        let fixed = spec.backtest_spec(oldest, &history).unwrap();
        assert_eq!(fixed.name(), "autoets");
        let form = fit_ets_screened(oldest, &spec).unwrap().form();
        for o in [oldest.len(), y.len() - 48, y.len()] {
            assert_eq!(
                fixed.fit(&y[..o], &history).unwrap().predict(24),
                form.refit(&y[..o]).unwrap().forecast(24),
                "{} points, origin {o}",
                y.len()
            );
        }
    }
}

/// R's code of a fitted model, e.g. `AAdN`.
fn code(fit: &EtsFit) -> String {
    fit.model_name()
        .trim_start_matches("ETS(")
        .trim_end_matches(')')
        .replace(',', "")
}

#[test]
fn held_parameters_forecast_like_a_refit_a_few_steps_later() {
    let y = long_walk(3000, 5);
    let form = fit(&y[..2900], "AAdN", 1).form();
    let held = form.refit(&y).unwrap();
    let refit = fit(&y, "AAdN", 1);
    assert_eq!(held.model(), refit.model());
    let (a, b) = (held.forecast(24), refit.forecast(24));
    let scale = refit.residual_sd();
    for (h, (a, b)) in a.iter().zip(&b).enumerate() {
        assert!((a - b).abs() < 0.5 * scale, "h = {h}: {a} vs {b}");
    }
    // A seasonal form is searched again, exactly as a fit of that form.
    let s = hourly(24 * 12);
    let seasonal = fit(&s[..24 * 11], "AAA", 24).form().refit(&s).unwrap();
    assert_eq!(seasonal.forecast(24), fit(&s, "AAA", 24).forecast(24));
    // A multiplicative form refuses data it cannot fit.
    let m = fit(&y, "MNN", 1).form();
    assert!(m.refit(&[1.0, -1.0, 2.0, 3.0, 4.0, 5.0]).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn forecasts_are_finite_for_any_positive_series(
        y in prop::collection::vec(1e-3f64..1e6, 48..120),
        period in prop::sample::select(vec![4usize, 12, 24]),
    ) {
        let fit = fit_ets(&y, &EtsSpec::auto(period)).unwrap();
        prop_assert!(fit.forecast(2 * period).iter().all(|v| v.is_finite()), "{}", fit.model_name());
        prop_assert!(fit.fitted().iter().all(|v| v.is_finite()) && fit.residual_sd().is_finite());
    }

    #[test]
    fn any_finite_series_fits_or_fails_cleanly(y in prop::collection::vec(-1e9f64..1e9, 0..80)) {
        match fit_ets(&y, &EtsSpec::auto(12)) {
            Ok(fit) => prop_assert!(fit.forecast(12).iter().all(|v| v.is_finite())),
            Err(e) => prop_assert!(matches!(e, ForecastError::TooShort { .. } | ForecastError::NoData), "{e:?}"),
        }
    }
}
