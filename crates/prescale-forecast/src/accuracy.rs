//! Forecast accuracy measures, computed exactly as the M4 competition scores them (sMAPE, MASE,
//! MSIS), plus the pinball loss and interval coverage used to judge quantiles.
//!
//! Conventions shared by every measure:
//! - `actual` holds the observed test values; `None` (unknown demand) steps are skipped, never
//!   treated as zero, and steps whose actual or forecast value is not finite are skipped too.
//! - Steps beyond the shorter of the slices are not scored, so a forecast longer than the test
//!   window is fine.
//! - A measure returns `None` when no step could be scored (or a setting makes it undefined), so
//!   that an average over many series can leave such series out instead of counting a made-up 0.
//!
//! References: the M4 competition's `Evaluation` code (sMAPE, MASE with `m` = the seasonal
//! period, MSIS scaled by the same in-sample seasonal difference) and Gneiting & Raftery (2007)
//! for the pinball loss.

/// The scored steps: (actual, forecast) pairs where both are known and finite.
fn scored<'a>(
    actual: &'a [Option<f64>],
    forecast: &'a [f64],
) -> impl Iterator<Item = (f64, f64)> + 'a {
    actual
        .iter()
        .zip(forecast)
        .filter_map(|(y, f)| y.map(|y| (y, *f)))
        .filter(|(y, f)| y.is_finite() && f.is_finite())
}

/// Mean of the values produced by `terms`, `None` when there is none.
fn mean_of(terms: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, count) = terms.fold((0.0, 0usize), |(s, n), t| (s + t, n + 1));
    (count > 0).then(|| sum / count as f64)
}

/// A scale that can divide: positive and finite.
fn usable_scale(scale: f64) -> bool {
    scale.is_finite() && scale > 0.0
}

/// sMAPE as in M4: the mean over scored steps of `200·|y−ŷ|/(|y|+|ŷ|)`, in percent (0..200).
///
/// A step where both the actual and the forecast are 0 counts as 0 (a perfect forecast), where
/// M4's R code would produce NaN; M4 data holds no zero, so the published figures are unchanged.
/// `None` test values are skipped. Returns `None` if nothing was scored.
pub fn smape(actual: &[Option<f64>], forecast: &[f64]) -> Option<f64> {
    mean_of(scored(actual, forecast).map(|(y, f)| {
        let denominator = y.abs() + f.abs();
        if denominator == 0.0 {
            0.0
        } else {
            200.0 * (y - f).abs() / denominator
        }
    }))
}

/// The MASE scale: the mean absolute seasonal difference `|y[t] − y[t−m]|` of the training part.
///
/// Uses lag `m`, or lag 1 when the training part is not longer than `m` (M4 does the same for
/// series too short for a seasonal difference), and lag 1 for `m` = 0. Differences involving a
/// `None` (or non-finite) value are skipped. Returns `None` if no difference is defined or their
/// mean is 0 (a constant training part), since dividing by it would be meaningless.
pub fn mase_scale(train: &[Option<f64>], m: usize) -> Option<f64> {
    let lag = if m == 0 || train.len() <= m { 1 } else { m };
    let known = |v: &Option<f64>| v.filter(|v| v.is_finite());
    let differences = train
        .iter()
        .zip(&train[lag.min(train.len())..])
        .filter_map(|(a, b)| Some((known(b)? - known(a)?).abs()));
    mean_of(differences).filter(|&scale| usable_scale(scale))
}

/// MASE: the mean absolute error over scored steps divided by `scale` (see [`mase_scale`]).
///
/// Returns `None` if nothing was scored or `scale` is not positive and finite.
pub fn mase(actual: &[Option<f64>], forecast: &[f64], scale: f64) -> Option<f64> {
    if !usable_scale(scale) {
        return None;
    }
    mean_of(scored(actual, forecast).map(|(y, f)| (y - f).abs())).map(|mae| mae / scale)
}

/// Pinball (quantile) loss of one quantile forecast at `level` (0..=1), averaged over scored
/// steps: `level·(y−q)` when the actual is above the quantile, `(1−level)·(q−y)` otherwise.
///
/// Returns `None` if nothing was scored or `level` is outside 0..=1.
pub fn pinball(actual: &[Option<f64>], quantile_forecast: &[f64], level: f64) -> Option<f64> {
    if !(0.0..=1.0).contains(&level) {
        return None;
    }
    mean_of(scored(actual, quantile_forecast).map(|(y, q)| {
        let error = y - q;
        (level * error).max((level - 1.0) * error)
    }))
}

/// The scored steps of an interval forecast: (actual, lo, hi), all known and finite.
fn interval_steps<'a>(
    actual: &'a [Option<f64>],
    lo: &'a [f64],
    hi: &'a [f64],
) -> impl Iterator<Item = (f64, f64, f64)> + 'a {
    actual
        .iter()
        .zip(lo.iter().zip(hi))
        .filter_map(|(y, (l, h))| y.map(|y| (y, *l, *h)))
        .filter(|(y, l, h)| y.is_finite() && l.is_finite() && h.is_finite())
}

/// Share (0..=1) of scored steps whose actual lies inside its interval, `lo ≤ y ≤ hi`.
///
/// Returns `None` if nothing was scored.
pub fn coverage(actual: &[Option<f64>], lo: &[f64], hi: &[f64]) -> Option<f64> {
    mean_of(interval_steps(actual, lo, hi).map(|(y, l, h)| f64::from(l <= y && y <= h)))
}

/// M4's MSIS for a `(1 − alpha)` prediction interval: the mean over scored steps of
/// `(hi − lo) + (2/alpha)·(lo − y)·[y < lo] + (2/alpha)·(y − hi)·[y > hi]`, divided by `scale`
/// (the MASE scale of the series, see [`mase_scale`]). M4 used `alpha` = 0.05.
///
/// Returns `None` if nothing was scored, `alpha` is outside (0, 1] or `scale` is not positive and
/// finite.
pub fn msis(actual: &[Option<f64>], lo: &[f64], hi: &[f64], alpha: f64, scale: f64) -> Option<f64> {
    let alpha_ok = alpha > 0.0 && alpha <= 1.0;
    if !alpha_ok || !usable_scale(scale) {
        return None;
    }
    let penalty = 2.0 / alpha;
    let score = interval_steps(actual, lo, hi).map(|(y, l, h)| {
        (h - l) + penalty * (l - y) * f64::from(y < l) + penalty * (y - h) * f64::from(y > h)
    });
    mean_of(score).map(|mean| mean / scale)
}

/// The running mean of one measure over many series, as the `evaluate` command reports it
/// (M4 averages each measure over series, not over steps): keep one per measure.
///
/// Series whose measure is undefined (`None`, or not finite) are counted as skipped rather than
/// averaged in, so a report can say how many series a mean rests on.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Accumulator {
    sum: f64,
    count: usize,
    skipped: usize,
}

impl Accumulator {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the measure of one series; `None` or a non-finite value counts as skipped.
    pub fn add(&mut self, value: Option<f64>) {
        match value.filter(|v| v.is_finite()) {
            Some(v) => {
                self.sum += v;
                self.count += 1;
            }
            None => self.skipped += 1,
        }
    }

    /// Folds another accumulator in (for series scored in parallel).
    pub fn merge(&mut self, other: &Accumulator) {
        self.sum += other.sum;
        self.count += other.count;
        self.skipped += other.skipped;
    }

    /// The mean of the values added, `None` before any value was.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / self.count as f64)
    }

    /// How many values the mean rests on.
    pub fn count(&self) -> usize {
        self.count
    }

    /// How many series had no value for this measure.
    pub fn skipped(&self) -> usize {
        self.skipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    fn known(values: &[f64]) -> Vec<Option<f64>> {
        values.iter().copied().map(Some).collect()
    }

    #[test]
    fn smape_is_the_mean_of_200_abs_error_over_abs_sum() {
        // |100−110|·200/210 = 9.5238095…, |50−40|·200/90 = 22.222…; mean 15.873015873…
        let got = smape(&known(&[100.0, 50.0]), &[110.0, 40.0]);
        assert!(
            close(got, (2000.0 / 210.0 + 2000.0 / 90.0) / 2.0),
            "{got:?}"
        );
    }

    #[test]
    fn smape_counts_zero_over_zero_as_a_perfect_step() {
        let got = smape(&known(&[0.0, 10.0]), &[0.0, 30.0]);
        // 0 and 200·20/40 = 100.
        assert!(close(got, 50.0), "{got:?}");
    }

    #[test]
    fn smape_skips_unknown_actuals_and_returns_none_when_nothing_is_scored() {
        let got = smape(&[None, Some(10.0)], &[999.0, 10.0]);
        assert!(close(got, 0.0), "{got:?}");
        assert_eq!(smape(&[None, None], &[1.0, 2.0]), None);
        assert_eq!(smape(&[], &[]), None);
    }

    #[test]
    fn smape_is_bounded_by_200_when_signs_differ() {
        assert!(close(smape(&known(&[5.0]), &[-5.0]), 200.0));
    }

    #[test]
    fn mase_scale_averages_seasonal_differences() {
        // Lag 2: |3−1|, |2−2|, |6−3| → mean 5/3.
        let train = known(&[1.0, 2.0, 3.0, 2.0, 6.0]);
        assert!(close(mase_scale(&train, 2), 5.0 / 3.0));
    }

    #[test]
    fn mase_scale_falls_back_to_lag_1_for_short_training_parts() {
        // Not longer than m = 3: lag 1, |4−1|, |2−4|, → 2.5.
        assert!(close(mase_scale(&known(&[1.0, 4.0, 2.0]), 3), 2.5));
        assert!(close(mase_scale(&known(&[1.0, 4.0, 2.0]), 0), 2.5));
    }

    #[test]
    fn mase_scale_skips_differences_that_involve_an_unknown_value() {
        // Lag 1 pairs: (1,None) skipped, (None,4) skipped, (4,6) → 2, (6,5) → 1: mean 1.5.
        let train = [Some(1.0), None, Some(4.0), Some(6.0), Some(5.0)];
        assert!(close(mase_scale(&train, 1), 1.5));
    }

    #[test]
    fn mase_scale_is_none_for_a_constant_or_too_short_training_part() {
        assert_eq!(mase_scale(&known(&[3.0, 3.0, 3.0]), 1), None);
        assert_eq!(mase_scale(&known(&[3.0]), 1), None);
        assert_eq!(mase_scale(&[], 24), None);
        assert_eq!(mase_scale(&[Some(1.0), None, Some(2.0)], 1), None);
    }

    #[test]
    fn mase_divides_the_mean_absolute_error_by_the_scale() {
        let got = mase(&known(&[10.0, 20.0, 30.0]), &[12.0, 20.0, 26.0], 2.0);
        assert!(close(got, 1.0), "{got:?}");
        assert_eq!(mase(&known(&[1.0]), &[1.0], 0.0), None);
        assert_eq!(mase(&known(&[1.0]), &[1.0], f64::NAN), None);
    }

    #[test]
    fn pinball_weighs_under_and_over_forecasts_by_the_level() {
        // Level 0.9: actual 10 above q 8 → 0.9·2 = 1.8; actual 10 below q 14 → 0.1·4 = 0.4.
        let got = pinball(&known(&[10.0, 10.0]), &[8.0, 14.0], 0.9);
        assert!(close(got, 1.1), "{got:?}");
        // At level 0.5 it is half the absolute error.
        assert!(close(pinball(&known(&[10.0]), &[14.0], 0.5), 2.0));
        assert_eq!(pinball(&known(&[10.0]), &[14.0], 1.5), None);
    }

    #[test]
    fn coverage_counts_bounds_as_inside() {
        let actual = [Some(1.0), Some(5.0), Some(9.0), None, Some(2.0)];
        let lo = [1.0, 0.0, 0.0, 0.0, 3.0];
        let hi = [2.0, 5.0, 8.0, 0.0, 4.0];
        // Inside: 1 (at lo), 5 (at hi); outside: 9, 2; unknown skipped → 2/4.
        assert!(close(coverage(&actual, &lo, &hi), 0.5));
        assert_eq!(coverage(&[None], &[0.0], &[1.0]), None);
    }

    #[test]
    fn msis_adds_width_and_scaled_penalties_for_misses() {
        // alpha 0.05 → penalty factor 40.
        // Step 1 inside [8, 12]: 4. Step 2 below [8, 12] by 1: 4 + 40 = 44.
        // Step 3 above [8, 12] by 0.5: 4 + 20 = 24. Mean 24, scale 2 → 12.
        let actual = known(&[10.0, 7.0, 12.5]);
        let got = msis(&actual, &[8.0; 3], &[12.0; 3], 0.05, 2.0);
        assert!(close(got, 12.0), "{got:?}");
        assert_eq!(msis(&actual, &[8.0; 3], &[12.0; 3], 0.0, 2.0), None);
        assert_eq!(msis(&actual, &[8.0; 3], &[12.0; 3], 0.05, 0.0), None);
    }

    #[test]
    fn measures_score_only_the_common_length() {
        let got = smape(&known(&[1.0, 2.0, 3.0]), &[1.0]);
        assert!(close(got, 0.0), "{got:?}");
    }

    #[test]
    fn accumulator_averages_over_series_and_counts_the_skipped() {
        let mut a = Accumulator::new();
        assert_eq!(a.mean(), None);
        a.add(Some(1.0));
        a.add(None);
        a.add(Some(f64::INFINITY));
        a.add(Some(3.0));
        assert!(close(a.mean(), 2.0));
        assert_eq!((a.count(), a.skipped()), (2, 2));

        let mut b = Accumulator::new();
        b.add(Some(8.0));
        a.merge(&b);
        assert!(close(a.mean(), 4.0));
        assert_eq!(a.count(), 3);
    }
}
