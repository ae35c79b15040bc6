//! The forecast: pure functions of the hourly means, as the module documentation describes.

use super::DAY_HOURS;

const WEEK_HOURS: usize = 168;
/// Days of same-hour history in the daily component.
const DAILY_DAYS: usize = 7;
/// Complete hours on which the two components are scored to weigh them.
const FIT_HOURS: usize = 24;

/// Forecasts the mean load of the `horizon` hours that follow `hourly`.
///
/// `hourly[i]` is the mean load of complete hour `i` (`None`: nothing known); the forecast is
/// made at the start of hour `hourly.len()`, and element `k` of the result is hour
/// `hourly.len() + k`. Hours older than `history_hours` before that are ignored. The daily and
/// weekly components are weighed by how well each fitted the last 24 hours
/// ([`weekly_weight`]).
pub fn forecast(hourly: &[Option<f64>], history_hours: usize, horizon: usize) -> Vec<Option<f64>> {
    let weight = weekly_weight(hourly, history_hours);
    let now = hourly.len();
    (now..now + horizon)
        .map(|target| forecast_hour(hourly, history_hours, weight, target))
        .collect()
}

/// The forecast of hour `target`: `weekly_weight × weekly + (1 - weekly_weight) × daily`, or
/// whichever of the two exists; `None` when neither does.
///
/// - daily: the mean of the same hour over the last 7 days, weighted 7 (yesterday) down to 1;
/// - weekly: the mean of the same hour of the same weekday over every past week in the window.
///
/// Only hours before `hourly.len()` and no older than `history_hours` before it are read;
/// unknown hours are skipped.
pub fn forecast_hour(
    hourly: &[Option<f64>],
    history_hours: usize,
    weekly_weight: f64,
    target: usize,
) -> Option<f64> {
    let start = hourly.len().saturating_sub(history_hours);
    let daily = daily_component(hourly, start, target);
    let weekly = weekly_component(hourly, start, target);
    match (daily, weekly) {
        (Some(d), Some(w)) => Some(weekly_weight * w + (1.0 - weekly_weight) * d),
        (one, other) => one.or(other),
    }
}

/// Weight of the weekly component: `e_daily / (e_daily + e_weekly)`, where `e` is each
/// component's absolute error summed over the last 24 complete hours (so each is weighted by
/// the inverse of its error). 0.5 when no hour allows the comparison or both fit perfectly.
pub fn weekly_weight(hourly: &[Option<f64>], history_hours: usize) -> f64 {
    let start = hourly.len().saturating_sub(history_hours);
    let (mut daily_error, mut weekly_error) = (0.0, 0.0);
    for j in hourly.len().saturating_sub(FIT_HOURS)..hourly.len() {
        let actual = hourly.get(j).copied().flatten();
        let daily = daily_component(hourly, start, j);
        let weekly = weekly_component(hourly, start, j);
        if let (Some(x), Some(d), Some(w)) = (actual, daily, weekly) {
            daily_error += (x - d).abs();
            weekly_error += (x - w).abs();
        }
    }
    let total = daily_error + weekly_error;
    if total > 0.0 && total.is_finite() {
        daily_error / total
    } else {
        0.5
    }
}

/// The known mean of hour `target - lag`, if it is complete and inside the window.
fn lagged(hourly: &[Option<f64>], start: usize, target: usize, lag: usize) -> Option<f64> {
    let i = target.checked_sub(lag).filter(|&i| i >= start)?;
    hourly.get(i).copied().flatten()
}

fn daily_component(hourly: &[Option<f64>], start: usize, target: usize) -> Option<f64> {
    let (mut sum, mut weights) = (0.0, 0.0);
    for days in 1..=DAILY_DAYS {
        if let Some(v) = lagged(hourly, start, target, days * DAY_HOURS) {
            let weight = (DAILY_DAYS + 1 - days) as f64;
            sum += weight * v;
            weights += weight;
        }
    }
    (weights > 0.0).then(|| sum / weights)
}

fn weekly_component(hourly: &[Option<f64>], start: usize, target: usize) -> Option<f64> {
    let (mut sum, mut count) = (0.0, 0usize);
    let mut lag = WEEK_HOURS;
    while lag <= target && target - lag >= start {
        if let Some(v) = lagged(hourly, start, target, lag) {
            sum += v;
            count += 1;
        }
        lag += WEEK_HOURS;
    }
    (count > 0).then(|| sum / count as f64)
}
