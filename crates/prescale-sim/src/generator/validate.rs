//! Pure validation of a spec: every problem with its key, and on success the resolved plan
//! (parsed times, step count, event windows) that the model draws from.

use super::spec::{EventKind, Every, ScheduledEvent, WorkloadSpec};
use super::Problem;
use chrono::DateTime;

/// Most steps a spec may ask for: 10 million 8-byte values is already 80 MB.
const MAX_STEPS: f64 = 10_000_000.0;
/// Most flash crowds per week: beyond that they are noise, and the list of arrivals would grow
/// without bound.
const MAX_CROWDS_PER_WEEK: f64 = 1_000.0;
/// Unix time of Monday 1970-01-05 00:00 UTC, the anchor of weekly schedules.
pub(super) const FIRST_MONDAY: f64 = 4.0 * 86_400.0;

/// What a valid spec resolves to.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Plan {
    /// Unix seconds of the first step.
    pub start: i64,
    /// Number of steps.
    pub steps: usize,
    /// Event windows, in the order of `events`.
    pub windows: Vec<Window>,
}

/// When an event applies and what it does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Window {
    pub kind: EventKind,
    pub factor: f64,
    pub when: When,
}

/// Times are Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum When {
    Once {
        start: f64,
        end: f64,
    },
    /// Windows `[anchor + k·period, anchor + k·period + duration)` for every integer `k`.
    Recurring {
        anchor: f64,
        period: f64,
        duration: f64,
    },
}

impl When {
    pub fn contains(&self, t: f64) -> bool {
        match *self {
            Self::Once { start, end } => start <= t && t < end,
            Self::Recurring {
                anchor,
                period,
                duration,
            } => (t - anchor).rem_euclid(period) < duration,
        }
    }
}

/// Collects problems as they are found, so that a user fixes them all in one go.
#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn push(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            key: key.into(),
            message: message.into(),
        });
    }

    fn at_least(&mut self, key: impl Into<String>, value: f64, min: f64) {
        if !(value >= min && value.is_finite()) {
            self.push(key, format!("must be at least {min} (got {value})"));
        }
    }

    fn above(&mut self, key: impl Into<String>, value: f64, min: f64) {
        if !(value > min && value.is_finite()) {
            self.push(key, format!("must be greater than {min} (got {value})"));
        }
    }

    fn between(&mut self, key: impl Into<String>, value: f64, min: f64, max: f64) {
        if !(min..=max).contains(&value) {
            self.push(
                key,
                format!("must be between {min} and {max} (got {value})"),
            );
        }
    }

    fn time(&mut self, key: impl Into<String>, text: &str) -> Option<i64> {
        match DateTime::parse_from_rfc3339(text) {
            Ok(t) => Some(t.timestamp()),
            Err(e) => {
                self.push(
                    key,
                    format!("`{text}` is not an RFC 3339 time such as 2026-01-05T00:00:00Z ({e})"),
                );
                None
            }
        }
    }
}

/// Checks every value of `spec`; returns the plan, or every problem found.
pub(super) fn check(spec: &WorkloadSpec) -> Result<Plan, Vec<Problem>> {
    let mut p = Problems::default();
    let start = p.time("start", &spec.start);
    let steps = check_length(&mut p, spec);
    check_shape(&mut p, spec);
    check_crowds(&mut p, spec);
    let windows: Vec<Option<Window>> = spec
        .events
        .iter()
        .enumerate()
        .map(|(i, event)| check_event(&mut p, &format!("events[{i}]"), event))
        .collect();
    match (
        start,
        steps,
        windows.into_iter().collect::<Option<Vec<_>>>(),
    ) {
        (Some(start), Some(steps), Some(windows)) if p.0.is_empty() => Ok(Plan {
            start,
            steps,
            windows,
        }),
        _ => Err(p.0),
    }
}

fn check_length(p: &mut Problems, spec: &WorkloadSpec) -> Option<usize> {
    if spec.step_seconds == 0 {
        p.push("step_seconds", "must be greater than 0 (got 0)");
    }
    if !(spec.days > 0.0 && spec.days.is_finite()) {
        p.push(
            "days",
            format!("must be greater than 0 (got {})", spec.days),
        );
        return None;
    }
    if spec.step_seconds == 0 {
        return None;
    }
    // The small epsilon keeps 0.1 days of 60 s steps at 144 steps despite rounding.
    let steps = (spec.days * 86_400.0 / f64::from(spec.step_seconds) + 1e-9).floor();
    if steps < 1.0 {
        p.push(
            "days",
            format!(
                "{} days is shorter than one step of {} s",
                spec.days, spec.step_seconds
            ),
        );
        return None;
    }
    if steps > MAX_STEPS {
        p.push(
            "days",
            format!("{steps} steps is more than the {MAX_STEPS} allowed: use fewer days or a longer step"),
        );
        return None;
    }
    // Exact: `steps` is a whole number between 1 and 10 million.
    Some(steps as usize)
}

fn check_shape(p: &mut Problems, spec: &WorkloadSpec) {
    p.at_least("base", spec.base, 0.0);
    p.between("daily_amplitude", spec.daily_amplitude, 0.0, 1.0);
    if !(0.0..24.0).contains(&spec.peak_hour) {
        p.push(
            "peak_hour",
            format!("must be at least 0 and below 24 (got {})", spec.peak_hour),
        );
    }
    p.at_least("weekend_factor", spec.weekend_factor, 0.0);
    p.above("trend_per_week", spec.trend_per_week, -1.0);
    p.between("noise", spec.noise, 0.0, 1.0);
    p.above(
        "noise_correlation_minutes",
        spec.noise_correlation_minutes,
        0.0,
    );
    p.between("day_to_day", spec.day_to_day, 0.0, 1.0);
}

fn check_crowds(p: &mut Problems, spec: &WorkloadSpec) {
    let crowds = &spec.flash_crowds;
    p.between(
        "flash_crowds.per_week",
        crowds.per_week,
        0.0,
        MAX_CROWDS_PER_WEEK,
    );
    let [low, high] = crowds.peak_multiplier;
    if !(low >= 1.0 && low <= high && high.is_finite()) {
        p.push(
            "flash_crowds.peak_multiplier",
            format!("must be [low, high] with 1 <= low <= high (got [{low}, {high}])"),
        );
    }
    p.at_least("flash_crowds.rise_minutes", crowds.rise_minutes, 0.0);
    p.above("flash_crowds.decay_minutes", crowds.decay_minutes, 0.0);
}

fn check_event(p: &mut Problems, key: &str, event: &ScheduledEvent) -> Option<Window> {
    let factor_key = format!("{key}.factor");
    match event.kind {
        EventKind::Campaign if !(event.factor >= 1.0 && event.factor.is_finite()) => p.push(
            factor_key,
            format!(
                "a campaign multiplies demand by at least 1 (got {}); use maintenance to lower it",
                event.factor
            ),
        ),
        EventKind::Maintenance => p.between(factor_key, event.factor, 0.0, 1.0),
        EventKind::Batch => p.at_least(factor_key, event.factor, 0.0),
        EventKind::Campaign => {}
    }
    p.above(format!("{key}.duration_hours"), event.duration_hours, 0.0);
    let duration = event.duration_hours * 3_600.0;
    let when = match (&event.start, event.every) {
        (Some(_), Some(_)) => {
            p.push(
                key,
                "give either `start` (one-off) or `every` (recurring), not both",
            );
            None
        }
        (None, None) => {
            p.push(
                key,
                "needs `start` (one-off) or `every` (recurring: hour, day or week)",
            );
            None
        }
        (Some(start), None) => check_once(p, key, event, start, duration),
        (None, Some(every)) => check_recurring(p, key, event, every, duration),
    };
    Some(Window {
        kind: event.kind,
        factor: event.factor,
        when: when?,
    })
}

fn check_once(
    p: &mut Problems,
    key: &str,
    event: &ScheduledEvent,
    start: &str,
    duration: f64,
) -> Option<When> {
    for (field, given) in [
        ("weekday", event.weekday.is_some()),
        ("hour", event.hour.is_some()),
        ("minute", event.minute.is_some()),
    ] {
        if given {
            p.push(
                format!("{key}.{field}"),
                "only recurring events (with `every`) take this",
            );
        }
    }
    // Unix seconds fit an f64 exactly for any date chrono can parse.
    let start = p.time(format!("{key}.start"), start)? as f64;
    Some(When::Once {
        start,
        end: start + duration,
    })
}

fn check_recurring(
    p: &mut Problems,
    key: &str,
    event: &ScheduledEvent,
    every: Every,
    duration: f64,
) -> Option<When> {
    let hour = event.hour.unwrap_or(0);
    let minute = event.minute.unwrap_or(0);
    if hour > 23 {
        p.push(
            format!("{key}.hour"),
            format!("must be 0 to 23 (got {hour})"),
        );
    }
    if minute > 59 {
        p.push(
            format!("{key}.minute"),
            format!("must be 0 to 59 (got {minute})"),
        );
    }
    if every == Every::Hour && event.hour.is_some() {
        p.push(format!("{key}.hour"), "an hourly event takes only `minute`");
    }
    let day = match (every, event.weekday) {
        (Every::Week, Some(weekday)) => f64::from(weekday.days_from_monday()),
        (Every::Week, None) => {
            p.push(format!("{key}.weekday"), "a weekly event needs its weekday");
            0.0
        }
        (_, Some(_)) => {
            p.push(
                format!("{key}.weekday"),
                "only weekly events take a weekday",
            );
            0.0
        }
        (_, None) => 0.0,
    };
    let period = every.seconds();
    if duration > period {
        p.push(
            format!("{key}.duration_hours"),
            format!(
                "windows of {} h overlap: a recurring event lasts at most its period ({} h)",
                event.duration_hours,
                period / 3_600.0
            ),
        );
    }
    let offset = day * 86_400.0 + f64::from(hour) * 3_600.0 + f64::from(minute) * 60.0;
    Some(When::Recurring {
        anchor: FIRST_MONDAY + offset,
        period,
        duration,
    })
}
