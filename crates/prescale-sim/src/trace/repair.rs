//! Regularization of irregular samples onto a fixed grid: step detection, snapping, averaging
//! and gap filling. Pure functions of their inputs; the rules are documented in `trace`.

/// Detects the step of sorted timestamps: the median of the positive differences between
/// consecutive distinct timestamps (the lower one for an even count), rounded to whole
/// seconds, at least 1 s. `None` when there are fewer than two distinct timestamps.
///
/// The median, not the minimum or the mean, so that a few jittered rows and long gaps do not
/// move it; the lower one because gaps only ever lengthen differences.
pub fn detect_step(sorted: &[f64]) -> Option<u32> {
    let mut diffs: Vec<f64> = sorted
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d > 0.0)
        .collect();
    if diffs.is_empty() {
        return None;
    }
    let mid = (diffs.len() - 1) / 2;
    let (_, median, _) = diffs.select_nth_unstable_by(mid, f64::total_cmp);
    Some(median.round().clamp(1.0, f64::from(u32::MAX)) as u32)
}

/// Number of grid steps from `t0` to `last` inclusive, as f64 so that absurd spans can be
/// refused before anything is allocated.
pub fn grid_steps(t0: f64, last: f64, step: u32) -> f64 {
    ((last - t0) / f64::from(step)).round() + 1.0
}

/// Where each sample goes on the grid starting at `t0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// Grid index of each sample, in input order.
    pub cells: Vec<usize>,
    /// Samples further than 1 % of a step from their grid point.
    pub snapped: usize,
}

/// Places every sample at grid index round((t − t0) / step). `times` must all be ≥ `t0`.
pub fn place(times: &[f64], t0: f64, step: u32) -> Placement {
    let step = f64::from(step);
    let mut snapped = 0;
    let cells = times
        .iter()
        .map(|&t| {
            let index = ((t - t0) / step).round();
            if (t - (t0 + index * step)).abs() > 0.01 * step {
                snapped += 1;
            }
            index as usize
        })
        .collect();
    Placement { cells, snapped }
}

/// Values per grid step before gap filling.
#[derive(Debug, Clone, PartialEq)]
pub struct Resampled {
    pub values: Vec<Option<f64>>,
    /// Steps whose value is the mean of two or more known samples.
    pub averaged: usize,
}

/// Puts known samples (NaN = missing) into their cells; a cell with several is their mean, so
/// the unit stays a per-sample rate rather than becoming a sum.
pub fn resample(cells: &[usize], values: &[f64], len: usize) -> Resampled {
    let mut acc: Vec<(f64, u32)> = vec![(0.0, 0); len];
    for (&cell, &v) in cells.iter().zip(values) {
        if v.is_nan() {
            continue;
        }
        if let Some((mean, n)) = acc.get_mut(cell) {
            *n += 1;
            // A running mean cannot overflow where a sum of large values could.
            *mean += (v - *mean) / f64::from(*n);
        }
    }
    Resampled {
        averaged: acc.iter().filter(|(_, n)| *n > 1).count(),
        values: acc.into_iter().map(|(m, n)| (n > 0).then_some(m)).collect(),
    }
}

/// What gap filling did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Filled {
    pub interpolated: usize,
    pub unknown: usize,
    /// Runs of unknown steps left.
    pub gaps: usize,
}

/// Longest run of missing steps that is interpolated, for a limit in seconds: a run of `k`
/// missing steps is a gap of `k · step` seconds.
pub fn max_fill_steps(max_fill_seconds: f64, step: u32) -> usize {
    // The epsilon keeps 1800 / 60 at 30 despite rounding in the division.
    (max_fill_seconds / f64::from(step) + 1e-9).floor() as usize
}

/// Fills runs of at most `max_steps` missing steps that have a known value on both sides by
/// linear interpolation; longer runs and runs at either end stay unknown.
pub fn fill_gaps(values: &mut [Option<f64>], max_steps: usize) -> Filled {
    let mut filled = Filled::default();
    let mut i = 0;
    while i < values.len() {
        if values[i].is_some() {
            i += 1;
            continue;
        }
        let end = values[i..]
            .iter()
            .position(Option::is_some)
            .map_or(values.len(), |n| i + n);
        let before = i.checked_sub(1).and_then(|b| values[b]);
        match (before, values.get(end).copied().flatten()) {
            (Some(a), Some(b)) if end - i <= max_steps => {
                interpolate(&mut values[i..end], a, b);
                filled.interpolated += end - i;
            }
            _ => {
                filled.unknown += end - i;
                filled.gaps += 1;
            }
        }
        i = end;
    }
    filled
}

/// Straight line from `a` (just before `gap`) to `b` (just after), clamped so that rounding
/// can never leave the interval between them.
fn interpolate(gap: &mut [Option<f64>], a: f64, b: f64) {
    let (lo, hi) = (a.min(b), a.max(b));
    let span = (gap.len() + 1) as f64;
    for (k, v) in gap.iter_mut().enumerate() {
        let fraction = (k + 1) as f64 / span;
        *v = Some((a + (b - a) * fraction).clamp(lo, hi));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_is_the_median_difference_so_gaps_and_jitter_do_not_move_it() {
        let times = [0.0, 60.0, 61.0, 120.0, 180.0, 3600.0, 3660.0];
        assert_eq!(detect_step(&times), Some(60));
    }

    #[test]
    fn step_ignores_duplicates_and_is_at_least_one_second() {
        assert_eq!(detect_step(&[0.0, 0.0, 0.2, 0.4]), Some(1));
        assert_eq!(detect_step(&[5.0, 5.0]), None);
        assert_eq!(detect_step(&[5.0]), None);
    }

    #[test]
    fn placement_counts_only_samples_further_than_one_percent_of_a_step() {
        let placement = place(&[100.0, 160.5, 221.0, 290.0], 100.0, 60);
        assert_eq!(placement.cells, vec![0, 1, 2, 3]);
        assert_eq!(placement.snapped, 2);
    }

    #[test]
    fn several_samples_in_one_step_are_averaged_not_summed() {
        let r = resample(&[0, 0, 1, 2], &[2.0, 4.0, f64::NAN, 5.0], 4);
        assert_eq!(r.values, vec![Some(3.0), None, Some(5.0), None]);
        assert_eq!(r.averaged, 1);
    }

    #[test]
    fn short_gaps_are_interpolated_linearly() {
        let mut v = vec![Some(0.0), None, None, Some(3.0)];
        let filled = fill_gaps(&mut v, 2);
        assert_eq!(v, vec![Some(0.0), Some(1.0), Some(2.0), Some(3.0)]);
        assert_eq!(
            filled,
            Filled {
                interpolated: 2,
                unknown: 0,
                gaps: 0
            }
        );
    }

    #[test]
    fn long_gaps_and_gaps_at_the_ends_stay_unknown() {
        let mut v = vec![None, Some(1.0), None, None, None, Some(1.0), None];
        let filled = fill_gaps(&mut v, 2);
        assert_eq!(v, vec![None, Some(1.0), None, None, None, Some(1.0), None]);
        assert_eq!(
            filled,
            Filled {
                interpolated: 0,
                unknown: 5,
                gaps: 3
            }
        );
    }

    #[test]
    fn fill_limit_in_seconds_converts_to_whole_steps() {
        assert_eq!(max_fill_steps(1800.0, 60), 30);
        assert_eq!(max_fill_steps(1799.0, 60), 29);
        assert_eq!(max_fill_steps(0.0, 60), 0);
    }
}
