//! The workload spec: the YAML schema of `prescale generate`, with its defaults.

use serde::{Deserialize, Serialize};

/// A synthetic workload: a demand series with the daily and weekly rhythm, growth, noise and
/// bursts of a real web service, drawn deterministically from `seed`.
///
/// # Model
///
/// The demand at time `t` (UTC) is
///
/// ```text
/// demand(t) = level(t) · (shape(t) + crowds(t) + batch(t)) · events(t) · noise(t)
///
/// level(t)  = base · (1 + trend_per_week)^(weeks since start) · day(t)
/// shape(t)  = (1 + daily_amplitude · daily(hour(t) − peak_hour)) · weekly(t)
/// daily(Δ)  = [cos(ω·(Δ − 0.953 h)) + 0.15 · cos(2ω·(Δ + 1.847 h))] / 1.0542,   ω = 2π / 24 h
/// weekly(t) = 1 on weekdays, weekend_factor on Saturday and Sunday
/// day(t)    = a random level per calendar day, mean 1, relative std-dev day_to_day
/// crowds(t) = Σ_i (m_i − 1) · g(t − t_i)
/// batch(t)  = Σ factor of the batch windows that contain t
/// events(t) = Π factor of the campaign and maintenance windows that contain t
/// noise(t)  = exp(σ·x_t − σ²/2),  σ² = ln(1 + noise²),  x_t = φ·x_(t−1) + √(1 − φ²)·ε_t
/// ```
///
/// * `daily` is a two-harmonic day fitted to the weekday profile of the NASA-HTTP 1995 trace:
///   it averages 0 over a day, is 1 at `peak_hour` and bottoms out at −0.974 ten hours
///   earlier, rising fast in the morning and falling slowly in the evening. With
///   `daily_amplitude` 0.6 and `peak_hour` 14 the day peaks at 1.6 × the mean at 14:00 and
///   bottoms out at 0.42 × at 04:00 (the trace: 1.6 × and 0.41 ×).
/// * `weekly` changes between 1 and `weekend_factor` along a 4-hour raised cosine centred on
///   midnight, so the weekend starts without a cliff yet still averages `weekend_factor`.
/// * `day` is lognormal per calendar day, interpolated linearly between noons.
/// * A flash crowd `i` arrives at `t_i` (a Poisson process of `flash_crowds.per_week` per week)
///   with a peak multiplier `m_i` drawn log-uniformly from `flash_crowds.peak_multiplier`; its
///   profile `g` rises linearly from 0 to 1 over `rise_minutes` and then decays as
///   `exp(−τ / decay_minutes)`. Crowds add to the shape in units of the level, so a crowd
///   with `m` = 3 adds twice the day's mean demand at its peak, whatever the hour.
/// * `noise` is lognormal with mean 1 and relative std-dev `noise`; `x` is an AR(1) process
///   with `φ = exp(−step_seconds / (60 · noise_correlation_minutes))`, so consecutive steps
///   are correlated the way real demand is, whatever the step.
///
/// Each step's value is the mean of the deterministic part over one-minute sub-steps (so a
/// 15-minute batch job shows as a quarter of its height in an hourly step), times the step's
/// noise. Without crowds and events, `base` is thus the expected mean demand of a weekday at
/// `start`.
///
/// The random parts come from separate ChaCha8 streams of `seed` (noise, daily levels,
/// crowds): adding an event or changing the crowds leaves the noise unchanged, and a longer
/// series begins with the values of a shorter one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkloadSpec {
    /// Name of the generated series, shown in reports. Default `workload`.
    pub name: String,
    /// Seed of every random draw: the same spec and seed always give the same series.
    /// Default 1.
    pub seed: u64,
    /// Start of the first step, RFC 3339 / ISO 8601 (`2026-01-05T00:00:00Z`); an offset other
    /// than `Z` is converted to UTC. Default `2026-01-05T00:00:00Z`, a Monday.
    pub start: String,
    /// Length in days (fractions allowed); the series has `days · 86400 / step_seconds` steps,
    /// rounded down, at least 1 and at most 10 million. Default 14.
    pub days: f64,
    /// Length of one step in seconds (> 0). Default 300.
    pub step_seconds: u32,
    /// Mean demand (requests/s, say) of a weekday at `start`, before crowds and events
    /// (>= 0). Default 100.
    pub base: f64,
    /// Height of the daily peak above the day's mean, as a share of the mean (0 to 1): 0.6
    /// means the peak is 1.6 × the mean and the night trough about 0.42 ×. Default 0.6.
    pub daily_amplitude: f64,
    /// Hour of day (UTC, 0 to < 24, fractions allowed) of the daily peak; the trough comes ten
    /// hours earlier. Default 14.
    pub peak_hour: f64,
    /// Demand on Saturday and Sunday relative to weekdays (>= 0; above 1 for leisure
    /// services). Default 0.6.
    pub weekend_factor: f64,
    /// Growth per week, compounded continuously: 0.03 makes each week 3 % busier than the one
    /// before (> −1). Default 0.02.
    pub trend_per_week: f64,
    /// Relative standard deviation of the multiplicative noise of each step (0 to 1).
    /// Default 0.1.
    pub noise: f64,
    /// How long the noise stays correlated, in minutes (> 0): the lag-1 correlation of the
    /// noise is `exp(−step / correlation)`. Default 15.
    pub noise_correlation_minutes: f64,
    /// Relative standard deviation of the level of each calendar day (0 to 1), so that no two
    /// days are alike. Default 0.08.
    pub day_to_day: f64,
    /// Sudden bursts of demand arriving at random (news, links, bots).
    pub flash_crowds: FlashCrowds,
    /// Scheduled changes of demand: campaigns, maintenance windows and batch jobs, one-off or
    /// recurring. Default none.
    pub events: Vec<ScheduledEvent>,
}

impl Default for WorkloadSpec {
    fn default() -> Self {
        Self {
            name: "workload".to_string(),
            seed: 1,
            start: "2026-01-05T00:00:00Z".to_string(),
            days: 14.0,
            step_seconds: 300,
            base: 100.0,
            daily_amplitude: 0.6,
            peak_hour: 14.0,
            weekend_factor: 0.6,
            trend_per_week: 0.02,
            noise: 0.1,
            noise_correlation_minutes: 15.0,
            day_to_day: 0.08,
            flash_crowds: FlashCrowds::default(),
            events: Vec::new(),
        }
    }
}

/// Flash crowds: bursts that arrive at random, climb quickly and fade away.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FlashCrowds {
    /// Mean number of crowds per week (Poisson arrivals, 0 to 1000; 0 turns them off).
    /// Default 0.5.
    pub per_week: f64,
    /// Range `[low, high]` (1 <= low <= high) of a crowd's peak multiplier `m`: at its peak a
    /// crowd adds `m − 1` times the day's mean demand. Drawn log-uniformly, so small crowds
    /// are more common than large ones. Default `[1.5, 3.0]`.
    pub peak_multiplier: [f64; 2],
    /// Minutes from a crowd's arrival to its peak (>= 0; 0 is a step). Default 10.
    pub rise_minutes: f64,
    /// Time constant of the exponential decay after the peak, in minutes (> 0): the excess
    /// halves every `0.69 · decay_minutes`. Default 45.
    pub decay_minutes: f64,
}

impl Default for FlashCrowds {
    fn default() -> Self {
        Self {
            per_week: 0.5,
            peak_multiplier: [1.5, 3.0],
            rise_minutes: 10.0,
            decay_minutes: 45.0,
        }
    }
}

/// A change of demand during a window: once (`start`) or recurring (`every`).
///
/// A one-off event gives `start`; a recurring one gives `every` and where in the period it
/// starts: `weekday` (weekly only, required), `hour` (daily and weekly, default 0) and `minute`
/// (default 0), all in UTC. Windows last `duration_hours`, which for a recurring event must not
/// exceed its period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledEvent {
    /// What the event does to demand, and so how `factor` reads.
    pub kind: EventKind,
    /// For a `campaign`, the multiplier of demand in the window (>= 1); for `maintenance`, the
    /// share of demand left (0 to 1); for `batch`, the demand added, in units of the day's mean
    /// demand (>= 0).
    pub factor: f64,
    /// Length of each window in hours (> 0).
    pub duration_hours: f64,
    /// Start of a one-off event, RFC 3339 (`2026-01-14T08:00:00Z`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    /// Period of a recurring event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<Every>,
    /// Day of a weekly event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekday: Option<Weekday>,
    /// Hour (0 to 23, UTC) at which a daily or weekly event starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hour: Option<u32>,
    /// Minute (0 to 59) at which a recurring event starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minute: Option<u32>,
}

impl ScheduledEvent {
    /// A one-off event of `kind` starting at `start` (RFC 3339) and lasting `duration_hours`.
    pub fn once(kind: EventKind, factor: f64, start: &str, duration_hours: f64) -> Self {
        Self {
            kind,
            factor,
            duration_hours,
            start: Some(start.to_string()),
            every: None,
            weekday: None,
            hour: None,
            minute: None,
        }
    }

    /// A weekly event starting on `weekday` at `hour`:00 UTC and lasting `duration_hours`.
    pub fn weekly(
        kind: EventKind,
        factor: f64,
        weekday: Weekday,
        hour: u32,
        duration_hours: f64,
    ) -> Self {
        Self {
            weekday: Some(weekday),
            hour: Some(hour),
            ..Self::recurring(kind, factor, Every::Week, duration_hours)
        }
    }

    /// A daily event starting at `hour`:`minute` UTC and lasting `duration_hours`.
    pub fn daily(
        kind: EventKind,
        factor: f64,
        hour: u32,
        minute: u32,
        duration_hours: f64,
    ) -> Self {
        Self {
            hour: Some(hour),
            minute: Some(minute),
            ..Self::recurring(kind, factor, Every::Day, duration_hours)
        }
    }

    /// An hourly event starting at `minute` past every hour and lasting `duration_hours`.
    pub fn hourly(kind: EventKind, factor: f64, minute: u32, duration_hours: f64) -> Self {
        Self {
            minute: Some(minute),
            ..Self::recurring(kind, factor, Every::Hour, duration_hours)
        }
    }

    fn recurring(kind: EventKind, factor: f64, every: Every, duration_hours: f64) -> Self {
        Self {
            kind,
            factor,
            duration_hours,
            start: None,
            every: Some(every),
            weekday: None,
            hour: None,
            minute: None,
        }
    }
}

/// What a scheduled event does to demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// A marketing campaign or sale: all demand is multiplied by `factor` (>= 1).
    Campaign,
    /// A maintenance window: demand drops to `factor` (0 to 1) of what it would be.
    Maintenance,
    /// A batch job: adds `factor` times the day's mean demand, whatever the hour.
    Batch,
}

/// Period of a recurring event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Every {
    /// Every hour, at `minute`.
    Hour,
    /// Every day, at `hour`:`minute` UTC.
    Day,
    /// Every week, on `weekday` at `hour`:`minute` UTC.
    Week,
}

impl Every {
    /// Length of the period in seconds.
    pub fn seconds(self) -> f64 {
        match self {
            Self::Hour => 3_600.0,
            Self::Day => 86_400.0,
            Self::Week => 604_800.0,
        }
    }
}

/// Day of the week (UTC); `mon` to `sun` are accepted too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum Weekday {
    #[serde(alias = "mon")]
    Monday,
    #[serde(alias = "tue")]
    Tuesday,
    #[serde(alias = "wed")]
    Wednesday,
    #[serde(alias = "thu")]
    Thursday,
    #[serde(alias = "fri")]
    Friday,
    #[serde(alias = "sat")]
    Saturday,
    #[serde(alias = "sun")]
    Sunday,
}

impl Weekday {
    /// Days since Monday (Monday 0, Sunday 6).
    pub fn days_from_monday(self) -> u32 {
        self as u32
    }
}
