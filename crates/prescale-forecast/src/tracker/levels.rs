//! The quantile levels in use, validated once and shared by every tracker.

use super::TrackerError;

/// Levels closer than this are the same level (they come from configuration and arithmetic).
const SAME_LEVEL: f64 = 1e-9;

/// Quantile levels, ascending, strictly between 0 and 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Levels {
    values: Box<[f64]>,
    central_95: Option<(usize, usize)>,
}

impl Levels {
    /// Validates `levels` (for example `EngineConfig::quantiles`).
    pub fn new(levels: &[f64]) -> Result<Self, TrackerError> {
        let inside = levels.iter().all(|l| *l > 0.0 && *l < 1.0);
        let ascending = levels.windows(2).all(|w| w[1] - w[0] > SAME_LEVEL);
        if !inside || !ascending {
            return Err(TrackerError::InvalidLevels(format!("{levels:?}")));
        }
        let mut out = Self {
            values: levels.into(),
            central_95: None,
        };
        out.central_95 = out.index_of(0.025).zip(out.index_of(0.975));
        Ok(out)
    }

    /// The levels, ascending.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// How many levels there are.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether no quantile is tracked (point forecasts only).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Position of `level` among the levels.
    pub fn index_of(&self, level: f64) -> Option<usize> {
        self.values
            .iter()
            .position(|l| (l - level).abs() < SAME_LEVEL)
    }

    /// Positions of the 0.025 and 0.975 levels, when both are in use.
    pub fn central_95(&self) -> Option<(usize, usize)> {
        self.central_95
    }
}
