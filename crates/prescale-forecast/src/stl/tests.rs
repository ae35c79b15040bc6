//! Reference values from statsmodels 0.15.0, invariants, error cases and a hand-run timing.

use super::*;
use proptest::prelude::*;
use std::f64::consts::PI;

/// The reference series, generated identically in Python for the statsmodels values:
/// y_t = 10 + 0.01 t + 3 sin(2πt/24) + 1.5 sin(2πt/168) + 0.3 (((7919 t + 13) mod 1009) / 1009 - 0.5),
/// for t = 0..504 (three weeks of hours), plus 50 at index `spike` when given.
fn reference_series(spike: Option<usize>) -> Vec<f64> {
    let mut y: Vec<f64> = (0..504)
        .map(|t| {
            let noise = 0.3 * (((t * 7919 + 13) % 1009) as f64 / 1009.0 - 0.5);
            let t = t as f64;
            10.0 + 0.01 * t
                + 3.0 * (2.0 * PI * t / 24.0).sin()
                + 1.5 * (2.0 * PI * t / 168.0).sin()
                + noise
        })
        .collect();
    if let Some(i) = spike {
        y[i] += 50.0;
    }
    y
}

/// Indexes at which reference values are compared: both ends (where LOESS extrapolates) and
/// interior points.
const IDX: [usize; 10] = [0, 1, 50, 100, 251, 333, 400, 480, 502, 503];

/// Relative tolerance against statsmodels; observed at most 2.6e-13 (summation order).
const REF_TOL: f64 = 1e-11;

fn assert_close(name: &str, got: &[f64], want: &[f64; 10]) {
    for (&i, &w) in IDX.iter().zip(want) {
        let err = (got[i] - w).abs() / w.abs().max(1.0);
        assert!(
            err <= REF_TOL,
            "{name}[{i}]: got {}, statsmodels {w}, relative error {err:e}",
            got[i]
        );
    }
}

/// Our STL defaults for period 24 (jumps ceil(w/10), 2 inner iterations), as statsmodels'
/// `STL(y, period=24, seasonal=7, trend=47, low_pass=25, seasonal_jump=1, trend_jump=5,
/// low_pass_jump=3).fit(inner_iter=2, outer_iter=0)`.
#[test]
fn stl_matches_statsmodels_with_the_same_jumps() {
    let d = stl(&reference_series(None), &StlParams::new(24)).unwrap();
    assert_close(
        "trend",
        &d.trend,
        &[
            10.186312737167508,
            10.235459448951287,
            11.853746261277898,
            10.195869323336868,
            12.561206181793008,
            13.169480671617166,
            14.967630618890876,
            13.692419629891493,
            14.735712776550626,
            14.78381926405117,
        ],
    );
    assert_close(
        "seasonal",
        &d.seasonal[0],
        &[
            -0.2902191801409354,
            0.6390896812479564,
            1.4516429537558115,
            2.596976290520318,
            0.8073855744025635,
            -2.1137765883480375,
            -2.564541144324645,
            -0.12936568987257113,
            -1.259613017730291,
            -0.5705537756848995,
        ],
    );
}

/// statsmodels' own defaults: `STL(y, period=24, seasonal=7).fit()` fits every point (jumps 1)
/// with 5 inner iterations.
#[test]
fn stl_matches_statsmodels_defaults_when_every_point_is_fitted() {
    let params = StlParams {
        inner_iterations: 5,
        seasonal_jump: Some(1),
        trend_jump: Some(1),
        low_pass_jump: Some(1),
        ..StlParams::new(24)
    };
    let d = stl(&reference_series(None), &params).unwrap();
    assert_close(
        "trend",
        &d.trend,
        &[
            10.136370197813537,
            10.188483412016728,
            11.855810908078277,
            10.195162744420509,
            12.561053535189608,
            13.168346962601605,
            14.968585181144164,
            13.691054551472936,
            14.781793452203924,
            14.83280242985992,
        ],
    );
    assert_close(
        "seasonal",
        &d.seasonal[0],
        &[
            -0.1913808777523645,
            0.726912437410633,
            1.4643994261757167,
            2.595591655957666,
            0.80603770265311,
            -2.114044475950719,
            -2.563595741192283,
            -0.0537283666094854,
            -1.3449798743265988,
            -0.6674298502480158,
        ],
    );
}

/// As the first reference with `seasonal_deg=0` (the constant seasonal fit of R and statsforecast).
#[test]
fn stl_with_a_constant_seasonal_fit_matches_statsmodels() {
    let params = StlParams {
        seasonal_degree: LoessDegree::Constant,
        ..StlParams::new(24)
    };
    let d = stl(&reference_series(None), &params).unwrap();
    assert_close(
        "trend",
        &d.trend,
        &[
            10.097344001132543,
            10.151434295431988,
            11.856551986157212,
            10.19553023846245,
            12.561206181793008,
            13.16946035104058,
            14.96778961325541,
            13.689535209716029,
            14.819511358823473,
            14.87271667782989,
        ],
    );
    assert_close(
        "seasonal",
        &d.seasonal[0],
        &[
            -0.07141726725447516,
            0.7871338358901856,
            1.47631276169805,
            2.5953315824413643,
            0.8073855744025635,
            -2.1137681500081134,
            -2.5633509440469053,
            -0.00865230164223105,
            -1.4587695654838275,
            -0.7707114856840844,
        ],
    );
}

/// As the first reference on the series with a spike of 50 at index 250, robust with 15 outer
/// iterations: `STL(..., robust=True).fit(inner_iter=2, outer_iter=15)`.
#[test]
fn robust_stl_matches_statsmodels_on_a_spiked_series() {
    let params = StlParams {
        outer_iterations: 15,
        ..StlParams::new(24)
    };
    let d = stl(&reference_series(Some(250)), &params).unwrap();
    assert_close(
        "trend",
        &d.trend,
        &[
            10.152774128187712,
            10.203306028406898,
            11.833867953992428,
            10.20324890001123,
            12.56688796927912,
            13.170982521301163,
            14.956569553510858,
            13.706193159062604,
            14.765137450955839,
            14.81455551014125,
        ],
    );
    assert_close(
        "seasonal",
        &d.seasonal[0],
        &[
            -0.23615612209168166,
            0.7285712027446722,
            1.469706550525868,
            2.6060975762423273,
            0.8080013181964831,
            -2.113182694423327,
            -2.5616484637488197,
            -0.07461108361195139,
            -1.3015537762543266,
            -0.6091560629105813,
        ],
    );
}

/// statsmodels' `MSTL(y, periods=(24, 168)).fit()`: windows 11 and 15, 2 rounds, STL with
/// 5 inner iterations and every point fitted.
#[test]
fn mstl_matches_statsmodels_defaults_when_every_point_is_fitted() {
    let params = MstlParams {
        inner_iterations: 5,
        jump: Some(1),
        ..MstlParams::new(vec![168, 24])
    };
    let d = mstl(&reference_series(None), &params).unwrap();
    assert_eq!(d.periods, vec![24, 168]);
    assert_close(
        "trend",
        &d.trend,
        &[
            10.002619321811768,
            10.01260121393852,
            10.50175751249176,
            11.000952788116917,
            12.509697459924705,
            13.329308264606311,
            14.000344359722252,
            14.80233366161198,
            15.022924903392072,
            15.032952201618121,
        ],
    );
    assert_close(
        "seasonal 24",
        &d.seasonal[0],
        &[
            -0.12124611510852606,
            0.7990018111455077,
            1.477401477228412,
            2.6029995464242095,
            0.7872319971758873,
            -2.1163145145794133,
            -2.5834444554493694,
            -0.02998893999534873,
            -1.4129667780644315,
            -0.7540470642578674,
        ],
    );
    assert_close(
        "seasonal 168",
        &d.seasonal[1],
        &[
            -0.0002601126050360384,
            0.10557915037046876,
            1.4766873825167421,
            -0.7821958168382743,
            0.09815197202775787,
            -0.17162013935063888,
            1.0187660074608793,
            -1.1850708138478765,
            -0.10940258533283173,
            -0.0594614367097712,
        ],
    );
}

/// Our MSTL defaults against statsmodels' MSTL loop written out with each STL given our
/// defaults (jumps ceil(w/10) per smoother, 2 inner iterations), which `MSTL`'s single
/// `stl_kwargs` cannot express.
#[test]
fn mstl_matches_the_statsmodels_loop_with_default_jumps() {
    let d = mstl(&reference_series(None), &MstlParams::new(vec![24, 168])).unwrap();
    assert_close(
        "trend",
        &d.trend,
        &[
            10.002615316311768,
            10.012598665215695,
            10.501792684815964,
            11.001006110208756,
            12.509662833207543,
            13.329389645904564,
            14.000069828197441,
            14.80134937578574,
            15.021719036592607,
            15.031736077213562,
        ],
    );
    assert_close(
        "seasonal 24",
        &d.seasonal[0],
        &[
            -0.1339977770465062,
            0.7886022215045454,
            1.4701164064785608,
            2.6006766840341444,
            0.7868649820433471,
            -2.116392608558892,
            -2.5825240734823347,
            -0.03847594315159752,
            -1.401713662299242,
            -0.7417291913097414,
        ],
    );
    assert_close(
        "seasonal 168",
        &d.seasonal[1],
        &[
            0.011560812600797653,
            0.11397383805521479,
            1.483716069676331,
            -0.7816693411064135,
            0.09809817648546199,
            -0.17459832982015447,
            1.0189537010386303,
            -1.1758127848925144,
            -0.11953793292519581,
            -0.06914420601842908,
        ],
    );
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

fn sinusoid(n: usize, period: f64, amplitude: f64) -> Vec<f64> {
    (0..n)
        .map(|t| amplitude * (2.0 * PI * t as f64 / period).sin())
        .collect()
}

/// The largest |trend + Σ seasonal + remainder - y|.
fn reassembly_error(y: &[f64], d: &Decomposition) -> f64 {
    let sum: Vec<f64> = (0..y.len())
        .map(|i| d.trend[i] + d.seasonal.iter().map(|s| s[i]).sum::<f64>() + d.remainder[i])
        .collect();
    max_diff(&sum, y)
}

#[test]
fn components_add_back_to_the_series() {
    let y = reference_series(Some(100));
    let robust = StlParams {
        outer_iterations: 3,
        ..StlParams::new(24)
    };
    for d in [
        stl(&y, &StlParams::new(24)).unwrap(),
        stl(&y, &robust).unwrap(),
    ] {
        assert!(reassembly_error(&y, &d) <= 1e-9);
    }
    let d = mstl(
        &y,
        &MstlParams {
            robust: true,
            ..MstlParams::new(vec![24, 168])
        },
    )
    .unwrap();
    assert!(reassembly_error(&y, &d) <= 1e-9);
}

#[test]
fn box_cox_mstl_decomposes_the_transformed_series() {
    let y = reference_series(None);
    let params = MstlParams {
        lambda: Some(0.5),
        ..MstlParams::new(vec![24, 168])
    };
    let d = mstl(&y, &params).unwrap();
    assert!(reassembly_error(&box_cox(&y, 0.5).unwrap(), &d) <= 1e-9);
}

#[test]
fn a_pure_sinusoid_is_recovered_as_the_seasonal_component() {
    let season = sinusoid(240, 24.0, 5.0);
    let line: Vec<f64> = (0..240).map(|t| 2.0 + 0.05 * t as f64).collect();
    let y: Vec<f64> = season.iter().zip(&line).map(|(s, l)| s + l).collect();
    let d = stl(&y, &StlParams::new(24)).unwrap();
    assert!(max_diff(&d.seasonal[0], &season) < 1e-9);
    assert!(max_diff(&d.trend, &line) < 1e-9);
}

#[test]
fn mstl_separates_a_daily_and_a_weekly_sinusoid() {
    let (daily, weekly) = (sinusoid(1008, 24.0, 3.0), sinusoid(1008, 168.0, 2.0));
    let y: Vec<f64> = daily
        .iter()
        .zip(&weekly)
        .map(|(a, b)| 7.0 + a + b)
        .collect();
    let d = mstl(&y, &MstlParams::new(vec![24, 168])).unwrap();
    assert!(max_diff(&d.seasonal[0], &daily) < 0.05);
    assert!(max_diff(&d.seasonal[1], &weekly) < 0.05);
    assert!(max_diff(&d.trend, &[7.0; 1008]) < 0.01);
}

#[test]
fn a_period_without_two_full_cycles_is_dropped() {
    let y = reference_series(None);
    let d = mstl(&y[..336], &MstlParams::new(vec![168, 24])).unwrap();
    assert_eq!(
        d.periods,
        vec![24],
        "n == 2 * 168 drops 168, as statsmodels"
    );
    assert_eq!(d.seasonal.len(), 1);
    let alone = mstl(&y[..336], &MstlParams::new(vec![24])).unwrap();
    assert_eq!(d, alone);
    let d = mstl(&y[..337], &MstlParams::new(vec![168, 24])).unwrap();
    assert_eq!(d.periods, vec![24, 168]);
}

#[test]
fn mstl_with_every_period_dropped_is_too_short() {
    let err = mstl(
        &reference_series(None)[..40],
        &MstlParams::new(vec![168, 24]),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ForecastError::TooShort {
                have: 40,
                need: 49,
                ..
            }
        ),
        "{err}"
    );
    let err = stl(&reference_series(None)[..48], &StlParams::new(24)).unwrap_err();
    assert!(
        matches!(
            err,
            ForecastError::TooShort {
                have: 48,
                need: 49,
                ..
            }
        ),
        "{err}"
    );
}

/// One spike of 50 at index 250: the robust fit barely moves, the plain fit is dragged along.
#[test]
fn robust_mode_keeps_the_seasonal_component_clear_of_a_spike() {
    let (clean, spiked) = (reference_series(None), reference_series(Some(250)));
    let shift = |params: &StlParams| {
        max_diff(
            &stl(&clean, params).unwrap().seasonal[0],
            &stl(&spiked, params).unwrap().seasonal[0],
        )
    };
    assert!(shift(&StlParams::new(24)) > 5.0);
    assert!(
        shift(&StlParams {
            outer_iterations: 15,
            ..StlParams::new(24)
        }) < 0.1
    );
    let mshift = |robust| {
        let params = MstlParams {
            robust,
            ..MstlParams::new(vec![24, 168])
        };
        let (a, b) = (
            mstl(&clean, &params).unwrap(),
            mstl(&spiked, &params).unwrap(),
        );
        max_diff(&a.seasonal[0], &b.seasonal[0]).max(max_diff(&a.seasonal[1], &b.seasonal[1]))
    };
    assert!(mshift(false) > 5.0);
    assert!(mshift(true) < 0.5);
}

#[test]
fn a_non_finite_value_is_invalid_and_named_by_index() {
    let mut y = reference_series(None);
    y[17] = f64::NAN;
    for err in [
        stl(&y, &StlParams::new(24)).unwrap_err(),
        mstl(&y, &MstlParams::new(vec![24])).unwrap_err(),
    ] {
        assert!(
            matches!(&err, ForecastError::Invalid(m) if m.contains("index 17")),
            "{err}"
        );
    }
}

#[test]
fn settings_out_of_range_are_invalid() {
    let y = reference_series(None);
    let bad = [
        StlParams::new(1),
        StlParams {
            seasonal_window: 8,
            ..StlParams::new(24)
        },
        StlParams {
            seasonal_window: 5,
            ..StlParams::new(24)
        },
        StlParams {
            trend_window: Some(23),
            ..StlParams::new(24)
        },
        StlParams {
            low_pass_window: Some(26),
            ..StlParams::new(24)
        },
        StlParams {
            trend_jump: Some(0),
            ..StlParams::new(24)
        },
        StlParams {
            inner_iterations: 0,
            ..StlParams::new(24)
        },
    ];
    for params in bad {
        assert!(
            matches!(stl(&y, &params), Err(ForecastError::Invalid(_))),
            "{params:?}"
        );
    }
    let bad = [
        MstlParams::new(vec![]),
        MstlParams::new(vec![0, 24]),
        MstlParams {
            iterations: 0,
            ..MstlParams::new(vec![24])
        },
        MstlParams {
            seasonal_windows: Some(vec![7]),
            ..MstlParams::new(vec![24, 168])
        },
        MstlParams {
            lambda: Some(f64::NAN),
            ..MstlParams::new(vec![24])
        },
    ];
    for params in bad {
        assert!(
            matches!(mstl(&y, &params), Err(ForecastError::Invalid(_))),
            "{params:?}"
        );
    }
}

#[test]
fn box_cox_rejects_non_positive_values_and_round_trips() {
    let err = box_cox(&[1.0, 0.0], 0.5).unwrap_err();
    assert!(
        matches!(&err, ForecastError::Invalid(m) if m.contains("index 1")),
        "{err}"
    );
    let y = [0.5, 1.0, 3.0, 200.0];
    for lambda in [-0.5, 0.0, 0.3, 1.0] {
        assert!(max_diff(&inv_box_cox(&box_cox(&y, lambda).unwrap(), lambda), &y) < 1e-12);
    }
    assert_eq!(inv_box_cox(&[-10.0], 0.5), vec![0.0]);
}

#[test]
fn seasonal_naive_continuation_repeats_the_last_full_period() {
    let component = [9.0, 1.0, 2.0, 3.0, 4.0];
    assert_eq!(
        seasonal_naive_continuation(&component, 3, 7),
        vec![2.0, 3.0, 4.0, 2.0, 3.0, 4.0, 2.0]
    );
    assert_eq!(
        seasonal_naive_continuation(&component, 6, 2),
        vec![0.0, 0.0]
    );
    assert_eq!(seasonal_naive_continuation(&component, 0, 1), vec![0.0]);
}

/// The continuation of an MSTL seasonal component keeps the phase: it equals the component one
/// period earlier.
#[test]
fn continuation_of_a_decomposed_series_keeps_the_phase() {
    let y = reference_series(None);
    let d = mstl(&y[..500], &MstlParams::new(vec![24])).unwrap();
    let next = seasonal_naive_continuation(&d.seasonal[0], 24, 4);
    assert_eq!(next, d.seasonal[0][476..480].to_vec());
}

/// Regression: with a jump beyond half the window, netlib `stless` (and statsmodels) fits the
/// last point with a window that ends before it; robust MSTL then diverged to 1e17 on this
/// series of zeros ending in 9.2e5.
#[test]
fn a_jump_beyond_half_the_window_does_not_extrapolate_the_last_point() {
    let mut y = vec![0.0; 172];
    y[171] = 920187.598681059;
    let params = MstlParams {
        jump: Some(45),
        robust: true,
        ..MstlParams::new(vec![4, 3])
    };
    let d = mstl(&y, &params).unwrap();
    let largest = d
        .trend
        .iter()
        .chain(d.seasonal.iter().flatten())
        .fold(0.0, |m: f64, v| m.max(v.abs()));
    assert!(largest < 2.0 * y[171], "largest component {largest:e}");
}

proptest! {
    // No regression files: this crate's folder is shared, and failures print their input.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    /// Any finite series and any setting: an error or a decomposition that adds back exactly.
    #[test]
    fn decompositions_never_panic_and_add_back(
        y in prop::collection::vec(-1e6f64..1e6, 0..300),
        period in 0usize..60,
        seasonal_window in 0usize..30,
        trend_window in prop::option::of(0usize..400),
        jump in prop::option::of(0usize..50),
        outer in 0usize..3,
    ) {
        let params = StlParams {
            seasonal_window, trend_window, outer_iterations: outer,
            seasonal_jump: jump, trend_jump: jump, low_pass_jump: jump,
            ..StlParams::new(period)
        };
        if let Ok(d) = stl(&y, &params) {
            prop_assert!(reassembly_error(&y, &d) <= 1e-9 * (1.0 + y.iter().fold(0.0, |m, v| v.abs().max(m))));
        }
        let mparams = MstlParams { jump, robust: outer > 0, ..MstlParams::new(vec![period, period / 3 + 2]) };
        if let Ok(d) = mstl(&y, &mparams) {
            prop_assert!(d.periods.iter().all(|&p| 2 * p < y.len()));
            prop_assert!(reassembly_error(&y, &d) <= 1e-9 * (1.0 + y.iter().fold(0.0, |m, v| v.abs().max(m))));
        }
    }
}

/// Hand-run timing, not a test of behaviour:
/// `cargo test --release -p prescale-forecast stl::tests::timing -- --ignored --nocapture`.
#[test]
#[ignore = "timing; run by hand in release"]
#[allow(clippy::disallowed_methods)] // a wall-clock measurement is the point here
fn timing() {
    let series = |n: usize, p1: f64, p2: f64| -> Vec<f64> {
        (0..n)
            .map(|t| {
                let noise = 0.3 * (((t * 7919 + 13) % 1009) as f64 / 1009.0 - 0.5);
                let t = t as f64;
                100.0
                    + 0.01 * t
                    + 3.0 * (2.0 * PI * t / p1).sin()
                    + 1.5 * (2.0 * PI * t / p2).sin()
                    + noise
            })
            .collect()
    };
    let cases = [(960, vec![24, 168], 2000), (40_320, vec![1440, 10080], 50)];
    for (n, periods, reps) in cases {
        let y = series(n, periods[0] as f64, periods[1] as f64);
        for robust in [false, true] {
            let params = MstlParams {
                robust,
                ..MstlParams::new(periods.clone())
            };
            let mut times: Vec<f64> = (0..reps)
                .map(|_| {
                    let start = std::time::Instant::now();
                    let d = mstl(std::hint::black_box(&y), &params).unwrap();
                    std::hint::black_box(d);
                    start.elapsed().as_secs_f64() * 1e6
                })
                .collect();
            times.sort_by(f64::total_cmp);
            println!(
                "mstl n={n} periods={periods:?} robust={robust}: median {:.1} us, min {:.1} us ({reps} runs)",
                times[reps / 2], times[0]
            );
        }
    }
}
