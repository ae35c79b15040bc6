use super::*;
use crate::model::History;
use crate::naive::SeasonalNaive;
use crate::Engine;

/// Five-minute steps: a day is 288 of them.
const STEP: u32 = 300;
const DAY: usize = 288;
const START: i64 = 1_700_006_400;

/// Deterministic noise (Knuth's MMIX LCG, Box–Muller for normals).
struct Lcg(u64);

impl Lcg {
    /// Seeds scrambled (SplitMix64): nearby seeds must give unrelated streams.
    fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Self(z ^ (z >> 31))
    }

    fn uniform(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let u = self.uniform().max(1e-12);
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }
}

/// Upstream demand: a daily cycle, noise, and bursts (campaigns, retries) of 4–16 steps
/// starting about twice a day at random.
fn demand(len: usize, seed: u64) -> Vec<f64> {
    let mut rng = Lcg::new(seed);
    let mut burst = (0usize, 0.0f64);
    (0..len)
        .map(|i| {
            let phase = (i % DAY) as f64 / DAY as f64 * std::f64::consts::TAU;
            if burst.0 == 0 && rng.uniform() < 1.0 / 140.0 {
                burst = (
                    4 + (rng.uniform() * 12.0) as usize,
                    60.0 + rng.uniform() * 140.0,
                );
            }
            let extra = if burst.0 > 0 {
                burst.0 -= 1;
                burst.1
            } else {
                0.0
            };
            (200.0 - 120.0 * phase.cos() + 10.0 * rng.normal() + extra).max(0.0)
        })
        .collect()
}

/// Downstream: 0.8 × upstream `lag` steps earlier plus its own noise.
fn follower(up: &[f64], lag: usize, seed: u64) -> Vec<f64> {
    let mut rng = Lcg::new(seed);
    (0..up.len())
        .map(|t| (0.8 * up[t.saturating_sub(lag)] + 4.0 * rng.normal()).max(0.0))
        .collect()
}

fn known(v: &[f64]) -> Vec<Option<f64>> {
    v.iter().copied().map(Some).collect()
}

fn history(values: &[Option<f64>]) -> History<'_> {
    History {
        values,
        step_seconds: STEP,
        start_unix: Some(START),
        events: None,
    }
}

fn mae(forecast: &[f64], actual: &[f64]) -> f64 {
    assert_eq!(forecast.len(), actual.len());
    forecast
        .iter()
        .zip(actual)
        .map(|(f, a)| (f - a).abs())
        .sum::<f64>()
        / actual.len() as f64
}

#[test]
fn the_lag_of_a_generated_pair_is_found_exactly() {
    let up = demand(14 * DAY, 7);
    for lag in [1, 3, 6, 12, 40] {
        let down = follower(&up, lag, 100 + lag as u64);
        let lead = lag::detect(&down, &up, lag::max_lag(down.len(), 12));
        let lead = lead.unwrap_or_else(|| panic!("no lead found for lag {lag}"));
        assert_eq!(lead.lag, lag, "{lead:?}");
        assert!(lead.correlation > 0.5, "{lead:?}");
    }
}

#[test]
fn unrelated_or_simultaneous_series_are_not_leads() {
    let down = demand(14 * DAY, 11);
    // Same daily cycle, its own noise and bursts: nothing leads.
    let other = demand(14 * DAY, 12);
    assert_eq!(lag::detect(&down, &other, 288), None);
    // Moves with the target, not before it.
    let twin = follower(&down, 0, 13);
    assert_eq!(lag::detect(&twin, &down, 288), None);
    // The target leads the indicator, not the other way round.
    let behind = follower(&down, 5, 14);
    assert_eq!(lag::detect(&down, &behind, 288), None);
    // Constant, too short.
    assert_eq!(lag::detect(&down, &vec![3.0; down.len()], 288), None);
    assert_eq!(lag::detect(&down[..30], &other[..30], 10), None);
}

#[test]
fn the_coefficient_is_recovered_despite_the_targets_own_spikes() {
    let up = demand(10 * DAY, 21);
    let mut down = follower(&up, 4, 22);
    // Spikes of the target alone (a batch job downstream): not the indicator's doing.
    for i in (100..down.len()).step_by(97) {
        down[i] += 400.0;
    }
    let reg = spec::Regression::estimate(&down, &up, 4).unwrap();
    assert!((reg.beta - 0.8).abs() < 0.05, "beta {}", reg.beta);
}

#[test]
fn with_the_upstream_the_next_lag_steps_are_forecast_much_better() {
    let lag = 6;
    let up = demand(14 * DAY, 31);
    let down = follower(&up, lag, 32);
    let (y, x) = (known(&down), known(&up));
    let engine = Engine::default();
    let (mut with, mut without) = (0.0, 0.0);
    let mut chosen = Vec::new();
    // Six origins spread over the last day: bursts fall in some windows, not in others.
    for k in 0..6 {
        let cut = down.len() - lag - 41 * k;
        let h = history(&y[..cut]);
        let actual = &down[cut..cut + lag];
        let plain = engine.fit(&h, lag).unwrap();
        // The whole indicator is passed: the engine must not read past the history.
        let lead = engine
            .fit_with_indicators(
                &h,
                lag,
                &[Indicator {
                    name: "upstream",
                    values: &x,
                }],
            )
            .unwrap();
        without += mae(&plain.forecast(lag).point, actual);
        with += mae(&lead.forecast(lag).point, actual);
        chosen.push(lead.model.clone());
    }
    let needle = format!("lead(upstream@{lag})");
    assert!(
        chosen.iter().all(|m| m.contains(&needle)),
        "chosen: {chosen:?}"
    );
    let ratio = with / without;
    eprintln!("MAE with / without the indicator: {with:.2} / {without:.2} = {ratio:.3}");
    assert!(ratio < 0.7, "with {with:.2}, without {without:.2}");
}

#[test]
fn an_unrelated_indicator_is_not_used_and_changes_nothing() {
    let down = demand(14 * DAY, 41);
    let other = demand(14 * DAY, 42);
    let (y, x) = (known(&down), known(&other));
    let h = history(&y);
    let engine = Engine::default();
    let plain = engine.fit(&h, 12).unwrap();
    let with = engine
        .fit_with_indicators(
            &h,
            12,
            &[Indicator {
                name: "noise",
                values: &x,
            }],
        )
        .unwrap();
    assert!(!with.model.contains("lead("), "chose {}", with.model);
    assert!(
        with.scores.iter().all(|s| !s.model.contains("lead(")),
        "a lead candidate was made"
    );
    assert_eq!(with.model, plain.model);
    assert_eq!(with.forecast(12).point, plain.forecast(12).point);
}

#[test]
fn values_after_the_origin_are_never_read() {
    let lag = 5;
    let up = demand(8 * DAY, 51);
    let down = follower(&up, lag, 52);
    let cut = down.len() - 30;
    let mut changed = up.clone();
    changed[cut..]
        .iter_mut()
        .for_each(|v| *v = *v * 3.0 + 500.0);
    // Horizon beyond the lag: the indicator's own forecast is exercised too.
    let horizon = 3 * lag;
    let predict = |x: &[f64]| {
        let spec = LeadSpec::new(
            "up",
            Arc::from(x),
            lag,
            Arc::new(SeasonalNaive { period: DAY }),
            horizon,
        );
        let y = &down[..cut];
        let h = known(y);
        spec.fit(y, &history(&h)).unwrap().predict(horizon)
    };
    assert_eq!(predict(&up), predict(&changed));
    // Through the engine as well, indicators longer than the history.
    let y = known(&down[..cut]);
    let engine = Engine::default();
    let fit = |x: &[f64]| {
        let x = known(x);
        let f = engine
            .fit_with_indicators(
                &history(&y),
                horizon,
                &[Indicator {
                    name: "up",
                    values: &x,
                }],
            )
            .unwrap();
        (f.model.clone(), f.forecast(horizon).point)
    };
    let (a, b) = (fit(&up), fit(&changed));
    assert!(a.0.contains("lead(up@5)"), "chose {}", a.0);
    assert_eq!(a, b);
}

#[test]
fn beyond_the_lag_a_seasonal_naive_base_forecasts_like_the_base_alone() {
    let lag = 4;
    let up = demand(6 * DAY, 61);
    let down = follower(&up, lag, 62);
    let base = SeasonalNaive { period: DAY };
    let h = known(&down);
    let spec = LeadSpec::new("up", Arc::from(&up[..]), lag, Arc::new(base), DAY);
    let lead = spec.fit(&down, &history(&h)).unwrap().predict(DAY);
    let alone = base.fit(&down, &history(&h)).unwrap().predict(DAY);
    for step in lag..DAY {
        assert!(
            (lead[step] - alone[step]).abs() < 1e-6,
            "step {}: {} vs {}",
            step + 1,
            lead[step],
            alone[step]
        );
    }
    // Within the lag the known indicator moves the forecast.
    assert!((0..lag).any(|s| (lead[s] - alone[s]).abs() > 1.0));
}

#[test]
fn short_histories_and_gappy_or_unknown_indicators_do_not_fail() {
    let up = demand(3 * DAY, 71);
    let down = follower(&up, 3, 72);
    let engine = Engine::default();
    let mut gappy = known(&up);
    for (i, v) in gappy.iter_mut().enumerate() {
        if i % 7 == 0 || (300..420).contains(&i) {
            *v = None;
        }
    }
    let unknown = vec![None; up.len()];
    let short = known(&up[..50]);
    for len in [1, 2, 5, 12, 40, 100, 3 * DAY] {
        let y = known(&down[..len]);
        let indicators = [
            Indicator {
                name: "gappy",
                values: &gappy,
            },
            Indicator {
                name: "unknown",
                values: &unknown,
            },
            Indicator {
                name: "short",
                values: &short,
            },
            Indicator {
                name: "empty",
                values: &[],
            },
        ];
        let f = engine
            .fit_with_indicators(&history(&y), 12, &indicators)
            .unwrap_or_else(|e| panic!("{len} points: {e}"));
        let point = f.forecast(12).point;
        assert_eq!(point.len(), 12);
        assert!(
            point.iter().all(|v| v.is_finite()),
            "{len} points: {point:?}"
        );
    }
}

#[test]
fn candidates_wrap_every_base_only_for_a_leading_indicator() {
    let up = demand(6 * DAY, 81);
    let down = follower(&up, 7, 82);
    let noise = demand(6 * DAY, 83);
    let bases: Vec<Arc<dyn ModelSpec>> = vec![
        Arc::new(SeasonalNaive { period: DAY }),
        Arc::new(SeasonalNaive { period: 1 }),
    ];
    let aligned = |name: &str, v: &[f64]| AlignedIndicator {
        name: name.into(),
        values: Arc::from(v),
    };
    let specs = candidates(
        &down,
        &[aligned("up", &up), aligned("noise", &noise)],
        &bases,
        12,
    );
    let names: Vec<String> = specs.iter().map(|s| s.name()).collect();
    assert_eq!(names, ["lead(up@7)+snaive-288", "lead(up@7)+naive"]);
    assert!(candidates(&down, &[aligned("noise", &noise)], &bases, 12).is_empty());
}
