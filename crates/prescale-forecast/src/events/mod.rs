//! Known events that move demand: one-off campaigns, recurring maintenance windows and declared
//! profiles. Read from YAML ([`EventCalendar::from_yaml`]), resolved into per-step activity for
//! the models ([`EventCalendar::features`]).
//!
//! Guarantees: resolution is pure and exact in integer seconds; a step partly covered by an event
//! gets the covered fraction; recurring events are fixed-offset (no daylight saving), so every
//! week is the same in UTC.

mod features;
mod parse;
mod schema;
mod validate;

#[cfg(test)]
mod tests;

pub use features::{DeclaredActivity, EventFeatures, GroupActivity};
pub use schema::{EffectSpec, EventsFile, OneOffSpec, RecurringSpec};
pub use validate::{EventsError, Problem, ProblemKind};

/// Seconds in a day: the period of a daily recurring event.
pub const DAY: i64 = 86_400;
/// Seconds in a week: the period of a weekly recurring event.
pub const WEEK: i64 = 7 * DAY;

/// What an event does to demand while it is active.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Effect {
    /// Demand is multiplied by this factor.
    Multiply(f64),
    /// This much demand is added.
    Add(f64),
}

/// When an event is active: unions of half-open intervals `[start, end)` in unix seconds.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// Active once, in `[start, end)`.
    Once { start: i64, end: i64 },
    /// Active in `[p + k·period, p + k·period + duration)` for every phase `p` and integer `k`,
    /// clipped to `[from, until)`. Phases are unix times modulo `period` (the epoch is a
    /// Thursday 00:00 UTC).
    Periodic {
        period: i64,
        phases: Vec<i64>,
        duration: i64,
        from: Option<i64>,
        until: Option<i64>,
    },
}

/// One declared event, resolved to unix time.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Unique name from the file.
    pub name: String,
    /// Events of one group share one learned effect.
    pub group: String,
    /// Declared effect; `None`: to be learned from the group's past occurrences.
    pub effect: Option<Effect>,
    /// When it is active.
    pub schedule: Schedule,
}

/// A calendar of known events, past and future.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventCalendar {
    events: Vec<Event>,
}

impl EventCalendar {
    /// A calendar of already resolved events (no validation: an empty interval is simply never
    /// active).
    pub fn new(events: Vec<Event>) -> Self {
        Self { events }
    }

    /// Parses and validates an events file; `origin` names it in errors. Every problem is
    /// reported, each with its path (`events[2].end: before start`).
    pub fn from_yaml(origin: &str, text: &str) -> Result<Self, EventsError> {
        let file: EventsFile = serde_norway::from_str(text).map_err(|e| EventsError::Parse {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        file.resolve().map_err(|problems| EventsError::Invalid {
            origin: origin.to_string(),
            problems,
        })
    }

    /// The events, in file order (one-off first, then recurring).
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// True when no event is declared.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The events active at `unix`.
    pub fn active(&self, unix: i64) -> impl Iterator<Item = &Event> + '_ {
        self.events.iter().filter(move |e| {
            let mut hit = false;
            e.schedule
                .for_each_occurrence(unix, unix.saturating_add(1), |_, _| hit = true);
            hit
        })
    }

    /// Names of the groups whose effect is learned, sorted and without repeats.
    pub fn learned_groups(&self) -> Vec<&str> {
        let mut groups: Vec<&str> = self
            .events
            .iter()
            .filter(|e| e.effect.is_none())
            .map(|e| e.group.as_str())
            .collect();
        groups.sort_unstable();
        groups.dedup();
        groups
    }

    /// The same calendar without the events that end before `unix`: what a fitted model keeps
    /// to forecast after `unix`.
    pub fn from_time(&self, unix: i64) -> Self {
        let events = self
            .events
            .iter()
            .filter(|e| !matches!(e.schedule, Schedule::Once { end, .. } if end <= unix))
            .cloned()
            .collect();
        Self { events }
    }
}

impl Schedule {
    /// Calls `f(start, end)` for every occurrence overlapping `[a, b)`, clipped to the
    /// occurrence's own bounds (not to `[a, b)`). No allocation.
    pub fn for_each_occurrence(&self, a: i64, b: i64, mut f: impl FnMut(i64, i64)) {
        match self {
            Schedule::Once { start, end } => {
                if *start < b && *end > a && start < end {
                    f(*start, *end);
                }
            }
            Schedule::Periodic {
                period,
                phases,
                duration,
                from,
                until,
            } => {
                let from = from.unwrap_or(i64::MIN);
                let until = until.unwrap_or(i64::MAX);
                let (lo, hi) = (a.max(from), b.min(until));
                if hi <= lo || *period <= 0 || *duration <= 0 {
                    return;
                }
                for &phase in phases {
                    // First k whose occurrence ends after `lo`.
                    let mut k = (lo - phase - duration).div_euclid(*period) + 1;
                    loop {
                        let start = phase + k * period;
                        if start >= hi {
                            break;
                        }
                        f(start.max(from), (start + duration).min(until));
                        k += 1;
                    }
                }
            }
        }
    }
}
