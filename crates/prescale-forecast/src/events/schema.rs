//! The YAML schema of a known-events file, as users write it. The doc comments below are the
//! user documentation; `examples/events.yaml` shows every field.
//!
//! Times and durations are kept as text here so that validation can report every bad value with
//! its path, instead of serde stopping at the first.

use serde::Deserialize;

/// A known-events file: one-off events (campaigns, launches) and recurring ones (maintenance
/// windows, declared weekly or daily profiles).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsFile {
    /// Schema version; only 1 exists.
    pub version: u32,
    /// Events that happen once, in the past or the future. Past occurrences teach the models the
    /// effect of a group whose effect is not declared.
    #[serde(default)]
    pub events: Vec<OneOffSpec>,
    /// Events that repeat every day or every week.
    #[serde(default)]
    pub recurring: Vec<RecurringSpec>,
}

/// An event that happens once.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OneOffSpec {
    /// Unique name (`black-friday-2026`); errors and reports use it.
    pub name: String,
    /// Start, ISO-8601 / RFC 3339 with an offset or `Z`: `2026-11-27T08:00:00+01:00`,
    /// `2026-11-27T07:00Z`.
    pub start: String,
    /// End (exclusive), same format as `start`. Give `end` or `duration`, not both.
    #[serde(default)]
    pub end: Option<String>,
    /// Length: `90m`, `1h30m`, `12h`, `2d`, `45s`, `1w`, or ISO-8601 `PT1H30M`, `P1D`.
    #[serde(default)]
    pub duration: Option<String>,
    /// What the event does to demand. Omitted: learned from the past occurrences of its `group`.
    #[serde(default)]
    pub effect: Option<EffectSpec>,
    /// Occurrences that share one learned effect (`campaign`). Omitted: the event's own name.
    #[serde(default)]
    pub group: Option<String>,
}

/// An event that repeats every day, or on some weekdays, at the same local time.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecurringSpec {
    /// Unique name (`sunday-maintenance`).
    pub name: String,
    /// Weekdays it happens on (`monday`..`sunday`, or `mon`..`sun`). Omitted: every day.
    #[serde(default)]
    pub days: Option<Vec<String>>,
    /// Local start time, `HH:MM` or `HH:MM:SS` (quote it: `"02:00"`).
    pub start: String,
    /// Local end time, `HH:MM`; an end at or before `start` ends the next day. Give `end` or
    /// `duration`, not both.
    #[serde(default)]
    pub end: Option<String>,
    /// Length, as for one-off events; at most a day (daily) or a week (weekly).
    #[serde(default)]
    pub duration: Option<String>,
    /// Offset of the local time from UTC: `Z` (the default), `+02:00`, `-05:30`. Fixed offsets
    /// only: a zone with daylight saving needs one entry per season (`from`/`until`).
    #[serde(default)]
    pub utc_offset: Option<String>,
    /// First moment the schedule applies (ISO-8601 with offset). Omitted: always did.
    #[serde(default)]
    pub from: Option<String>,
    /// Moment the schedule stops applying (exclusive). Omitted: never stops.
    #[serde(default)]
    pub until: Option<String>,
    /// What the event does to demand. Omitted: learned from its past occurrences.
    #[serde(default)]
    pub effect: Option<EffectSpec>,
    /// Events that share one learned effect. Omitted: the event's own name.
    #[serde(default)]
    pub group: Option<String>,
}

/// A declared effect: exactly one of `multiply` and `add`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EffectSpec {
    /// Demand is multiplied by this factor (>= 0; `0.1` for a maintenance window, `2.5` for a
    /// sale, `0` for a planned outage).
    #[serde(default)]
    pub multiply: Option<f64>,
    /// This much demand (in the metric's unit) is added; negative removes demand.
    #[serde(default)]
    pub add: Option<f64>,
}
