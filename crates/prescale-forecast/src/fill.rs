//! Gap filling before models see a series: models fit on gap-free data, but a gap must never
//! read as zero demand.
//!
//! Rules (in this order):
//! - unknown values before the first known one are dropped (the history starts there);
//! - a gap no longer than `max(period / 4, 1)` steps is interpolated linearly;
//! - a longer gap takes the value one period earlier (already filled), shifted so that it joins
//!   the known value before the gap: a seasonal shape instead of a straight line across a day;
//! - without a period, or before one period of data exists, long gaps are interpolated too;
//! - unknown values at the end are continued the same way from the last known values.

use crate::model::ForecastError;

/// A gap-free copy of `values` and how many leading unknown values were dropped.
pub fn fill_gaps(
    values: &[Option<f64>],
    period: Option<usize>,
) -> Result<(Vec<f64>, usize), ForecastError> {
    let first = values
        .iter()
        .position(Option::is_some)
        .ok_or(ForecastError::NoData)?;
    let values = &values[first..];
    if let Some((i, v)) = values
        .iter()
        .enumerate()
        .find_map(|(i, v)| v.filter(|x| !x.is_finite()).map(|x| (i, x)))
    {
        return Err(ForecastError::Invalid(format!(
            "value {v} at index {} is not finite",
            i + first
        )));
    }
    let short = period.map_or(usize::MAX, |p| (p / 4).max(1));
    let mut out: Vec<f64> = Vec::with_capacity(values.len());
    let mut i = 0;
    while i < values.len() {
        if let Some(v) = values[i] {
            out.push(v);
            i += 1;
            continue;
        }
        let end = values[i..]
            .iter()
            .position(Option::is_some)
            .map_or(values.len(), |n| i + n);
        fill_one_gap(
            &mut out,
            end - i,
            values.get(end).copied().flatten(),
            period,
            short,
        );
        i = end;
    }
    Ok((out, first))
}

/// Appends `len` values bridging from the end of `out` to `next` (or continuing when `None`).
fn fill_one_gap(
    out: &mut Vec<f64>,
    len: usize,
    next: Option<f64>,
    period: Option<usize>,
    short: usize,
) {
    let start = out.len();
    let before = out.last().copied().unwrap_or(0.0);
    match period.filter(|&p| len > short && start > p) {
        Some(p) => {
            // The previous period's values, then a linear correction that joins both ends.
            let mut base: Vec<f64> = Vec::with_capacity(len);
            for j in 0..len {
                let src = start + j - p;
                let v = if src < start {
                    out[src]
                } else {
                    base[src - start]
                };
                base.push(v);
            }
            let begin_shift = before - out[start - 1 - p];
            let end_shift = next.map(|n| {
                let src = start + len - p;
                n - if src < start {
                    out[src]
                } else {
                    base[src - start]
                }
            });
            for (j, b) in base.iter().enumerate() {
                let w = (j + 1) as f64 / (len + 1) as f64;
                let shift = end_shift.map_or(begin_shift, |e| begin_shift * (1.0 - w) + e * w);
                out.push((b + shift).max(0.0));
            }
        }
        None => match next {
            Some(n) => {
                for j in 0..len {
                    let w = (j + 1) as f64 / (len + 1) as f64;
                    out.push(before + (n - before) * w);
                }
            }
            None => out.extend(std::iter::repeat_n(before, len)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_unknowns_are_dropped_and_counted() {
        let (y, dropped) = fill_gaps(&[None, None, Some(1.0), Some(2.0)], None).unwrap();
        assert_eq!(y, vec![1.0, 2.0]);
        assert_eq!(dropped, 2);
    }

    #[test]
    fn short_gaps_are_linear() {
        let (y, _) = fill_gaps(&[Some(1.0), None, None, Some(4.0)], Some(24)).unwrap();
        assert_eq!(y, vec![1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn a_long_gap_copies_the_previous_period_and_joins_both_ends() {
        // Period 4 pattern 0,10,0,10; a gap of 3 (> 4/4) copies the pattern.
        let v = [
            Some(0.0),
            Some(10.0),
            Some(0.0),
            Some(10.0),
            Some(0.0),
            None,
            None,
            None,
            Some(0.0),
        ];
        let (y, _) = fill_gaps(&v, Some(4)).unwrap();
        assert_eq!(y.len(), 9);
        assert!(
            (y[5] - 10.0).abs() < 1e-9 && (y[6] - 0.0).abs() < 1e-9 && (y[7] - 10.0).abs() < 1e-9,
            "{y:?}"
        );
    }

    #[test]
    fn trailing_unknowns_continue_the_last_values() {
        let (y, _) = fill_gaps(&[Some(3.0), Some(5.0), None], None).unwrap();
        assert_eq!(y, vec![3.0, 5.0, 5.0]);
    }

    #[test]
    fn nothing_known_or_not_finite_is_an_error() {
        assert_eq!(fill_gaps(&[None, None], None), Err(ForecastError::NoData));
        assert!(
            matches!(fill_gaps(&[Some(1.0), Some(f64::NAN)], None), Err(ForecastError::Invalid(m)) if m.contains("index 1"))
        );
    }
}
