//! A demand series on a regular step, where a missing value means "no data", never zero.

use serde::{Deserialize, Serialize};

/// A series of non-negative demand values on a regular time step.
///
/// `values[i]` covers `[start + i·step, start + (i+1)·step)`. `None` means the demand of that
/// step is unknown: it is neither zero nor something to guess at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Name shown in reports, usually `file` or `file:column`.
    pub name: String,
    /// Start of the first step, in seconds: Unix time when `absolute`, otherwise an offset.
    pub start: i64,
    /// Whether `start` is Unix time (so calendar features such as hour of day are meaningful).
    pub absolute: bool,
    /// Length of one step in seconds (always > 0).
    pub step_seconds: u32,
    /// One value per step; `None` is unknown demand.
    pub values: Vec<Option<f64>>,
}

impl Series {
    /// Number of steps.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the series has no steps.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Largest known value, or `None` when nothing is known.
    pub fn peak(&self) -> Option<f64> {
        self.values.iter().flatten().copied().reduce(f64::max)
    }

    /// Number of steps with a known value.
    pub fn known_steps(&self) -> usize {
        self.values.iter().filter(|v| v.is_some()).count()
    }

    /// Step length as floating-point seconds.
    pub fn step(&self) -> f64 {
        f64::from(self.step_seconds)
    }
}
