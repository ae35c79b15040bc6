//! Properties of loading and regularization that must hold for any input, not just the
//! examples in `tests`.

use proptest::prelude::*;

use super::repair::fill_gaps;
use super::*;

fn csv(rows: &[(f64, String)]) -> String {
    let mut text = String::from("t,v\n");
    for (t, v) in rows {
        text.push_str(&format!("{t},{v}\n"));
    }
    text
}

fn load(text: &str, opts: &LoadOptions) -> LoadedTrace {
    let mut traces = parse_csv("p.csv", text.as_bytes(), opts).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(traces.len(), 1);
    traces.remove(0)
}

/// A regular series: origin, step and non-negative values.
fn regular() -> impl Strategy<Value = (i64, u32, Vec<f64>)> {
    (
        0i64..2_000_000_000,
        1u32..=86_400,
        prop::collection::vec(0.0f64..1e6, 2..120),
    )
}

/// A regular series as rows, with some rows repeated, in random order.
#[allow(clippy::type_complexity)]
fn shuffled_with_duplicates() -> impl Strategy<Value = (i64, u32, Vec<f64>, Vec<(f64, String)>)> {
    let picks = prop::collection::vec(any::<prop::sample::Index>(), 0..20);
    (regular(), picks).prop_flat_map(|((t0, step, values), picks)| {
        let mut rows: Vec<(f64, String)> = values
            .iter()
            .enumerate()
            .map(|(i, v)| ((t0 + i as i64 * i64::from(step)) as f64, v.to_string()))
            .collect();
        let dups: Vec<_> = picks
            .iter()
            .map(|p| rows[p.index(rows.len())].clone())
            .collect();
        rows.extend(dups);
        (
            Just(t0),
            Just(step),
            Just(values),
            Just(rows).prop_shuffle(),
        )
    })
}

/// A cell as it may appear in a messy file.
fn messy_cell() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (-1e6f64..1e6).prop_map(|v| v.to_string()),
        1 => Just(String::new()),
        1 => Just("NaN".to_string()),
        1 => Just("inf".to_string()),
        1 => Just("-inf".to_string()),
        1 => Just("n/a".to_string()),
        1 => Just("1e400".to_string()),
    ]
}

proptest! {
    #[test]
    fn shuffled_rows_with_duplicates_load_as_the_sorted_original(
        (t0, step, values, rows) in shuffled_with_duplicates(),
    ) {
        let t = load(&csv(&rows), &LoadOptions::default());
        let expected: Vec<_> = values.iter().map(|v| Some(*v)).collect();
        prop_assert_eq!(t.series.values, expected);
        prop_assert_eq!(t.series.start, t0);
        prop_assert_eq!(t.series.step_seconds, step);
        prop_assert_eq!(t.repairs.duplicate_timestamps, rows.len() - values.len());
    }

    #[test]
    fn length_is_the_span_over_the_step_plus_one(
        times in prop::collection::vec(0u32..1_000_000, 2..80),
        given_step in prop::option::of(1u32..10_000),
    ) {
        let rows: Vec<_> = times.iter().map(|t| (f64::from(*t), "1".to_string())).collect();
        prop_assume!(given_step.is_some() || times.iter().any(|t| *t != times[0]));
        let opts = LoadOptions { step_seconds: given_step, ..LoadOptions::default() };
        let t = load(&csv(&rows), &opts);
        let (first, last) = (times.iter().min().copied().unwrap_or(0), times.iter().max().copied().unwrap_or(0));
        let expected = (f64::from(last - first) / t.series.step()).round() as usize + 1;
        prop_assert_eq!(t.series.len(), expected);
        prop_assert_eq!(t.series.start, i64::from(first));
    }

    #[test]
    fn no_output_value_is_negative_or_nan(
        cells in prop::collection::vec(messy_cell(), 2..100),
        max_fill in prop::option::of(0.0f64..10_000.0),
    ) {
        let rows: Vec<_> = cells.iter().enumerate().map(|(i, c)| (i as f64 * 60.0, c.clone())).collect();
        let opts = LoadOptions { max_fill_seconds: max_fill, ..LoadOptions::default() };
        match parse_csv("p.csv", csv(&rows).as_bytes(), &opts) {
            Ok(traces) => {
                for v in traces.iter().flat_map(|t| t.series.values.iter().flatten()) {
                    prop_assert!(v.is_finite() && *v >= 0.0, "bad value {}", v);
                }
            }
            Err(TraceError::NoData { .. } | TraceError::NoNumericColumn { .. }) => {}
            Err(e) => prop_assert!(false, "unexpected error {}", e),
        }
    }

    #[test]
    fn known_values_are_preserved_exactly_when_the_input_is_regular(
        (t0, step, values) in regular(),
        holes in prop::collection::vec(any::<bool>(), 120),
        max_fill in prop::option::of(0.0f64..1e6),
    ) {
        // Keep the first and last rows so that the grid spans the whole series.
        let keep = |i: usize| i == 0 || i == values.len() - 1 || !holes[i];
        let rows: Vec<_> = values
            .iter()
            .enumerate()
            .filter(|(i, _)| keep(*i))
            .map(|(i, v)| ((t0 + i as i64 * i64::from(step)) as f64, v.to_string()))
            .collect();
        let opts = LoadOptions { step_seconds: Some(step), max_fill_seconds: max_fill, ..LoadOptions::default() };
        let t = load(&csv(&rows), &opts);
        prop_assert_eq!(t.series.len(), values.len());
        for (i, v) in values.iter().enumerate().filter(|(i, _)| keep(*i)) {
            prop_assert_eq!(t.series.values[i], Some(*v));
        }
        prop_assert_eq!(t.repairs.snapped_samples, 0);
        prop_assert_eq!(t.repairs.averaged_steps, 0);
    }

    #[test]
    fn interpolated_values_lie_between_their_neighbours(
        input in prop::collection::vec(prop::option::of(0.0f64..1e300), 1..200),
        max_steps in 0usize..10,
    ) {
        let mut output = input.clone();
        let filled = fill_gaps(&mut output, max_steps);
        let mut interpolated = 0;
        for (i, (before, after)) in input.iter().zip(&output).enumerate() {
            match (before, after) {
                (Some(a), b) => prop_assert_eq!(Some(*a), *b),
                (None, Some(v)) => {
                    interpolated += 1;
                    let prev = input[..i].iter().rev().find_map(|x| *x);
                    let next = input[i + 1..].iter().find_map(|x| *x);
                    let (Some(p), Some(n)) = (prev, next) else {
                        return Err(TestCaseError::fail("filled a gap at an end"));
                    };
                    prop_assert!(p.min(n) <= *v && *v <= p.max(n), "{} not within {} and {}", v, p, n);
                }
                (None, None) => {}
            }
        }
        prop_assert_eq!(filled.interpolated, interpolated);
        let unknown = output.iter().filter(|v| v.is_none()).count();
        prop_assert_eq!(filled.unknown, unknown);
    }
}
