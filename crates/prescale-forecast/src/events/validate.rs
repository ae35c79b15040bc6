//! Validation of an events file: pure, and reports every problem with its path
//! (`events[2].end: before start`), as vector's config compiler does, instead of the first.

use super::parse;
use super::schema::{EffectSpec, EventsFile, OneOffSpec, RecurringSpec};
use super::{Effect, Event, EventCalendar, Schedule, DAY, WEEK};
use std::collections::HashSet;

/// Unix time modulo a week of Monday 00:00 UTC (1970-01-05 was a Monday).
const MONDAY_PHASE: i64 = 4 * DAY;

/// Why an events file could not be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EventsError {
    /// The YAML does not match the schema (syntax, unknown key, wrong type).
    #[error("events {origin}: {message}")]
    Parse { origin: String, message: String },
    /// The values parse but make no sense; every problem is listed with its path.
    #[error("events {origin} are invalid:\n  {}", list(problems))]
    Invalid {
        origin: String,
        problems: Vec<Problem>,
    },
}

fn list(problems: &[Problem]) -> String {
    let lines: Vec<String> = problems.iter().map(Problem::to_string).collect();
    lines.join("\n  ")
}

/// One problem of an events file: where, and what.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: {kind}")]
pub struct Problem {
    /// Path of the value, `events[2].end`.
    pub path: String,
    /// What is wrong with it.
    pub kind: ProblemKind,
}

/// What is wrong with a value of an events file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProblemKind {
    /// Only version 1 exists.
    #[error("version {0} is not supported (only 1)")]
    Version(u32),
    /// A name, group or list is empty.
    #[error("must not be empty")]
    Empty,
    /// Two events have the same name.
    #[error("duplicate name {0:?}")]
    DuplicateName(String),
    /// Not an ISO-8601 timestamp with an offset.
    #[error("{0:?} is not an ISO-8601 time with an offset (like 2026-11-27T08:00:00Z)")]
    BadTimestamp(String),
    /// Not a duration.
    #[error("{0:?} is not a duration (like 90m, 1h30m, 2d or PT1H30M)")]
    BadDuration(String),
    /// Not a time of day.
    #[error("{0:?} is not a time of day (HH:MM or HH:MM:SS)")]
    BadTimeOfDay(String),
    /// Not a UTC offset.
    #[error("{0:?} is not a UTC offset (like Z, +02:00 or -05:30)")]
    BadOffset(String),
    /// Not a weekday.
    #[error("{0:?} is not a weekday (monday..sunday or mon..sun)")]
    BadWeekday(String),
    /// Both `end` and `duration` are given.
    #[error("give end or duration, not both")]
    EndAndDuration,
    /// Neither `end` nor `duration` is given.
    #[error("give end or duration")]
    NoEnd,
    /// The end is before the start.
    #[error("before start")]
    EndBeforeStart,
    /// The end equals the start: the event would last no time.
    #[error("equals start")]
    EndEqualsStart,
    /// `until` is not after `from`.
    #[error("not after from")]
    UntilNotAfterFrom,
    /// A duration of zero.
    #[error("must be longer than zero")]
    ZeroDuration,
    /// A recurring event lasts longer than its period.
    #[error("longer than the period ({0})")]
    LongerThanPeriod(&'static str),
    /// An effect gives both or neither of `multiply` and `add`.
    #[error("give exactly one of multiply and add")]
    EffectShape,
    /// A factor that is negative or not a number.
    #[error("{0} must be a finite number >= 0")]
    NegativeFactor(f64),
    /// A number that is not finite.
    #[error("{0} must be a finite number")]
    NotFinite(f64),
}

/// Collects problems while validating.
#[derive(Default)]
struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn push(&mut self, path: impl Into<String>, kind: ProblemKind) {
        self.problems.push(Problem {
            path: path.into(),
            kind,
        });
    }

    /// Parses `text` with `parse`, recording `bad(text)` at `path` when it fails.
    fn parse(
        &mut self,
        path: String,
        text: &str,
        parse: fn(&str) -> Option<i64>,
        bad: fn(String) -> ProblemKind,
    ) -> Option<i64> {
        let v = parse(text);
        if v.is_none() {
            self.push(path, bad(text.to_string()));
        }
        v
    }

    fn duration(
        &mut self,
        path: String,
        text: &str,
        max: Option<(i64, &'static str)>,
    ) -> Option<i64> {
        let d = self.parse(
            path.clone(),
            text,
            parse::duration,
            ProblemKind::BadDuration,
        )?;
        match max {
            _ if d <= 0 => self.push(path, ProblemKind::ZeroDuration),
            Some((max, period)) if d > max => {
                self.push(path, ProblemKind::LongerThanPeriod(period))
            }
            _ => return Some(d),
        }
        None
    }

    fn effect(&mut self, at: &str, spec: Option<EffectSpec>) -> Option<Option<Effect>> {
        let Some(spec) = spec else { return Some(None) };
        match (spec.multiply, spec.add) {
            (Some(m), None) if m.is_finite() && m >= 0.0 => Some(Some(Effect::Multiply(m))),
            (Some(m), None) => {
                self.push(
                    format!("{at}.effect.multiply"),
                    ProblemKind::NegativeFactor(m),
                );
                None
            }
            (None, Some(a)) if a.is_finite() => Some(Some(Effect::Add(a))),
            (None, Some(a)) => {
                self.push(format!("{at}.effect.add"), ProblemKind::NotFinite(a));
                None
            }
            _ => {
                self.push(format!("{at}.effect"), ProblemKind::EffectShape);
                None
            }
        }
    }

    /// The group (its own name when omitted); an explicit empty group is a problem.
    fn group(&mut self, at: &str, group: &Option<String>, name: &str) -> String {
        match group {
            Some(g) if g.trim().is_empty() => {
                self.push(format!("{at}.group"), ProblemKind::Empty);
                String::new()
            }
            Some(g) => g.clone(),
            None => name.to_string(),
        }
    }

    fn timestamp(&mut self, path: String, text: &Option<String>) -> Option<Option<i64>> {
        match text {
            None => Some(None),
            Some(t) => self
                .parse(path, t, parse::timestamp, ProblemKind::BadTimestamp)
                .map(Some),
        }
    }
}

impl EventsFile {
    /// Validates the file and resolves it into a calendar, or lists every problem.
    pub fn resolve(&self) -> Result<EventCalendar, Vec<Problem>> {
        let mut c = Checker::default();
        if self.version != 1 {
            c.push("version", ProblemKind::Version(self.version));
        }
        check_names(&mut c, self);
        let mut events: Vec<Option<Event>> = Vec::new();
        for (i, spec) in self.events.iter().enumerate() {
            events.push(one_off(&mut c, &format!("events[{i}]"), spec));
        }
        for (i, spec) in self.recurring.iter().enumerate() {
            events.push(recurring(&mut c, &format!("recurring[{i}]"), spec));
        }
        match events.into_iter().collect::<Option<Vec<Event>>>() {
            Some(events) if c.problems.is_empty() => Ok(EventCalendar::new(events)),
            _ => Err(c.problems),
        }
    }
}

/// Names must be present and unique across one-off and recurring events.
fn check_names(c: &mut Checker, file: &EventsFile) {
    let names = file
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| (format!("events[{i}].name"), &e.name))
        .chain(
            file.recurring
                .iter()
                .enumerate()
                .map(|(i, e)| (format!("recurring[{i}].name"), &e.name)),
        );
    let mut seen: HashSet<&str> = HashSet::new();
    for (path, name) in names {
        if name.trim().is_empty() {
            c.push(path, ProblemKind::Empty);
        } else if !seen.insert(name.as_str()) {
            c.push(path, ProblemKind::DuplicateName(name.clone()));
        }
    }
}

fn one_off(c: &mut Checker, at: &str, spec: &OneOffSpec) -> Option<Event> {
    let start = c.parse(
        format!("{at}.start"),
        &spec.start,
        parse::timestamp,
        ProblemKind::BadTimestamp,
    );
    let end = match (&spec.end, &spec.duration) {
        (Some(_), Some(_)) => {
            c.push(format!("{at}.end"), ProblemKind::EndAndDuration);
            None
        }
        (None, None) => {
            c.push(at, ProblemKind::NoEnd);
            None
        }
        (Some(end), None) => one_off_end(c, format!("{at}.end"), end, start),
        (None, Some(d)) => c
            .duration(format!("{at}.duration"), d, None)
            .and_then(|d| start.map(|s| s.saturating_add(d))),
    };
    let effect = c.effect(at, spec.effect);
    let group = c.group(at, &spec.group, &spec.name);
    Some(Event {
        name: spec.name.clone(),
        group,
        effect: effect?,
        schedule: Schedule::Once {
            start: start?,
            end: end?,
        },
    })
}

fn one_off_end(c: &mut Checker, path: String, text: &str, start: Option<i64>) -> Option<i64> {
    let end = c.parse(
        path.clone(),
        text,
        parse::timestamp,
        ProblemKind::BadTimestamp,
    )?;
    match start {
        Some(s) if end < s => c.push(path, ProblemKind::EndBeforeStart),
        Some(s) if end == s => c.push(path, ProblemKind::EndEqualsStart),
        _ => return Some(end),
    }
    None
}

fn recurring(c: &mut Checker, at: &str, spec: &RecurringSpec) -> Option<Event> {
    let days = weekdays(c, at, &spec.days);
    let (period, period_name) = match spec.days {
        Some(_) => (WEEK, "a week"),
        None => (DAY, "a day"),
    };
    let start = c.parse(
        format!("{at}.start"),
        &spec.start,
        parse::time_of_day,
        ProblemKind::BadTimeOfDay,
    );
    let duration = match (&spec.end, &spec.duration) {
        (Some(_), Some(_)) => {
            c.push(format!("{at}.end"), ProblemKind::EndAndDuration);
            None
        }
        (None, None) => {
            c.push(at, ProblemKind::NoEnd);
            None
        }
        (Some(end), None) => c
            .parse(
                format!("{at}.end"),
                end,
                parse::time_of_day,
                ProblemKind::BadTimeOfDay,
            )
            // An end at or before the start is on the next day.
            .and_then(|e| start.map(|s| (e - s - 1).rem_euclid(DAY) + 1)),
        (None, Some(d)) => c.duration(format!("{at}.duration"), d, Some((period, period_name))),
    };
    let offset = match &spec.utc_offset {
        None => Some(0),
        Some(t) => c.parse(
            format!("{at}.utc_offset"),
            t,
            parse::utc_offset,
            ProblemKind::BadOffset,
        ),
    };
    let from = c.timestamp(format!("{at}.from"), &spec.from);
    let until = c.timestamp(format!("{at}.until"), &spec.until);
    if let (Some(Some(f)), Some(Some(u))) = (from, until) {
        if u <= f {
            c.push(format!("{at}.until"), ProblemKind::UntilNotAfterFrom);
        }
    }
    let effect = c.effect(at, spec.effect);
    let group = c.group(at, &spec.group, &spec.name);
    let local = start? - offset?;
    let phases = match days? {
        None => vec![local.rem_euclid(DAY)],
        Some(days) => weekly_phases(&days, local),
    };
    Some(Event {
        name: spec.name.clone(),
        group,
        effect: effect?,
        schedule: Schedule::Periodic {
            period,
            phases,
            duration: duration?,
            from: from?,
            until: until?,
        },
    })
}

/// Weekday numbers (0 = Monday), `None` inside for "every day".
fn weekdays(c: &mut Checker, at: &str, days: &Option<Vec<String>>) -> Option<Option<Vec<i64>>> {
    let Some(days) = days else { return Some(None) };
    if days.is_empty() {
        c.push(format!("{at}.days"), ProblemKind::Empty);
        return None;
    }
    let parsed: Vec<Option<i64>> = days
        .iter()
        .enumerate()
        .map(|(j, d)| {
            c.parse(
                format!("{at}.days[{j}]"),
                d,
                parse::weekday,
                ProblemKind::BadWeekday,
            )
        })
        .collect();
    parsed.into_iter().collect::<Option<Vec<i64>>>().map(Some)
}

/// Unix-time phases modulo a week of `local` seconds (UTC-adjusted) after midnight on `days`.
fn weekly_phases(days: &[i64], local: i64) -> Vec<i64> {
    let mut phases: Vec<i64> = days
        .iter()
        .map(|d| (MONDAY_PHASE + d * DAY + local).rem_euclid(WEEK))
        .collect();
    phases.sort_unstable();
    phases.dedup();
    phases
}
