//! Seeded synthetic demand that looks like real web traffic, so that `prescale demo`,
//! `prescale generate` and tests need no data files.
//!
//! A [`WorkloadSpec`] describes the workload (its doc comment gives the model and every field's
//! meaning and default); [`WorkloadSpec::generate`] turns it into a [`Series`], the same seed
//! always giving the same values. [`preset`] names a few ready-made workloads and [`write_csv`]
//! saves a series in the `timestamp,value` format that traces are read from.
//!
//! A spec in YAML (every key is optional; missing keys take the defaults):
//!
//! ```yaml
//! name: shop
//! seed: 7
//! start: 2026-01-05T00:00:00Z     # a Monday, UTC
//! days: 28
//! step_seconds: 300
//! base: 250                       # mean requests/s of a weekday in the first week
//! daily_amplitude: 0.6            # daily peak 60 % above the mean, night trough ~58 % below
//! peak_hour: 14                   # UTC
//! weekend_factor: 0.6
//! trend_per_week: 0.03
//! noise: 0.1
//! noise_correlation_minutes: 15
//! day_to_day: 0.08
//! flash_crowds:
//!   per_week: 0.5
//!   peak_multiplier: [1.5, 3.0]
//!   rise_minutes: 10
//!   decay_minutes: 45
//! events:
//!   - kind: campaign              # one-off: demand x1.8 for three days
//!     factor: 1.8
//!     start: 2026-01-14T08:00:00Z
//!     duration_hours: 72
//!   - kind: maintenance           # every Sunday 02:00-04:00 UTC demand drops to 5 %
//!     factor: 0.05
//!     every: week
//!     weekday: sunday
//!     hour: 2
//!     duration_hours: 2
//!   - kind: batch                 # every night at 01:30 a job adds 2x the mean level for 30 min
//!     factor: 2
//!     every: day
//!     hour: 1
//!     minute: 30
//!     duration_hours: 0.5
//! ```

mod model;
mod output;
mod presets;
mod spec;
mod validate;

#[cfg(test)]
mod tests;

pub use output::write_csv;
pub use presets::{preset, preset_names};
pub use spec::{EventKind, Every, FlashCrowds, ScheduledEvent, Weekday, WorkloadSpec};

use prescale_core::Series;
use std::fmt;

/// Why a workload spec could not be read or used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeneratorError {
    /// The YAML does not match the schema (syntax error, wrong type or unknown key).
    #[error("workload {origin}: {message}")]
    Parse { origin: String, message: String },
    /// Values parse but make no sense; every problem is listed with its key.
    #[error("workload {origin} is invalid:\n  {}", join(problems))]
    Invalid {
        origin: String,
        problems: Vec<Problem>,
    },
}

impl GeneratorError {
    /// The invalid values, each with its key; empty for a parse error.
    pub fn problems(&self) -> &[Problem] {
        match self {
            Self::Parse { .. } => &[],
            Self::Invalid { problems, .. } => problems,
        }
    }
}

/// One invalid value of a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Path of the value in the YAML, such as `base` or `events[1].factor`.
    pub key: String,
    /// What is wrong with it, lowercase.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

fn join(problems: &[Problem]) -> String {
    let lines: Vec<String> = problems.iter().map(Problem::to_string).collect();
    lines.join("\n  ")
}

impl WorkloadSpec {
    /// Reads a spec from YAML text and validates it; `origin` (a file name, say) prefixes errors.
    pub fn from_yaml(origin: &str, text: &str) -> Result<Self, GeneratorError> {
        let spec: Self = serde_norway::from_str(text).map_err(|e| GeneratorError::Parse {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        validate::check(&spec).map_err(|problems| GeneratorError::Invalid {
            origin: origin.to_string(),
            problems,
        })?;
        Ok(spec)
    }

    /// Checks every value and reports all problems at once, each with its key.
    pub fn validate(&self) -> Result<(), GeneratorError> {
        self.plan().map(|_| ())
    }

    /// Draws the series this spec describes: deterministic for a seed.
    ///
    /// The series is `absolute`, starts at `start` (Unix seconds), has `days · 86400 /
    /// step_seconds` steps (rounded down) and every value is known, finite and non-negative.
    ///
    /// # Errors
    /// [`GeneratorError::Invalid`] when [`validate`](Self::validate) would fail.
    pub fn generate(&self) -> Result<Series, GeneratorError> {
        let plan = self.plan()?;
        let values = model::render(self, &plan);
        tracing::debug!(
            workload = %self.name,
            steps = values.len(),
            seed = self.seed,
            "generated workload"
        );
        Ok(Series {
            name: self.name.clone(),
            start: plan.start,
            absolute: true,
            step_seconds: self.step_seconds,
            values: values.into_iter().map(Some).collect(),
        })
    }

    fn plan(&self) -> Result<validate::Plan, GeneratorError> {
        validate::check(self).map_err(|problems| GeneratorError::Invalid {
            origin: format!("`{}`", self.name),
            problems,
        })
    }
}
