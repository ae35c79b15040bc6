//! What was repaired while a series was loaded, so that a backtest can say how much of its
//! input was guessed or unknown.

use serde::Serialize;

/// Counts of everything the loader changed or could not know, for one series.
///
/// Row-level counts (`rows`, `out_of_order_rows`, `duplicate_timestamps`, `snapped_samples`)
/// are the same for every series of a file; cell-level counts are the series' own.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RepairReport {
    /// Data rows read (the header excluded).
    pub rows: usize,
    /// Empty cells: missing, never zero.
    pub empty_cells: usize,
    /// Cells holding text, `NaN` or an infinite number: missing.
    pub invalid_cells: usize,
    /// Negative values: missing, as demand cannot be negative.
    pub negative_values: usize,
    /// Rows with an earlier time than the row before them (the file was sorted).
    pub out_of_order_rows: usize,
    /// Rows whose timestamp an earlier row already had (their values are averaged).
    pub duplicate_timestamps: usize,
    /// Rows further than 1 % of a step from their grid point, moved onto it.
    pub snapped_samples: usize,
    /// Steps whose value is the mean of two or more known samples.
    pub averaged_steps: usize,
    /// Steps without a sample filled by linear interpolation.
    pub interpolated_steps: usize,
    /// Steps left unknown: gaps longer than the fill limit, or before the first / after the
    /// last known value.
    pub unknown_steps: usize,
    /// Runs of unknown steps.
    pub unknown_gaps: usize,
    /// The step of the series, in seconds.
    pub step_seconds: u32,
    /// Whether the step was detected from the timestamps (`false`: given in the options).
    pub step_detected: bool,
}

impl RepairReport {
    /// Whether the series is exactly what the file said: nothing dropped, moved, averaged,
    /// filled or unknown.
    pub fn is_clean(&self) -> bool {
        self.items().iter().all(|(n, _, _)| *n == 0)
    }

    /// One line listing every non-zero repair, e.g. `12 empty cells, 3 duplicate timestamps
    /// averaged, 40 steps interpolated, 5040 steps unknown (2 gaps)`; `clean` when none.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .items()
            .iter()
            .filter(|(n, _, _)| *n > 0)
            .map(|&(n, one, many)| {
                let mut part = format!("{n} {}", if n == 1 { one } else { many });
                if one == "step unknown" {
                    let gaps = self.unknown_gaps;
                    part.push_str(&format!(
                        " ({gaps} gap{})",
                        if gaps == 1 { "" } else { "s" }
                    ));
                }
                part
            })
            .collect();
        if parts.is_empty() {
            "clean".to_string()
        } else {
            parts.join(", ")
        }
    }

    /// (count, singular, plural) of every repair, in the order a reader meets them.
    fn items(&self) -> [(usize, &'static str, &'static str); 9] {
        [
            (self.empty_cells, "empty cell", "empty cells"),
            (self.invalid_cells, "invalid cell", "invalid cells"),
            (
                self.negative_values,
                "negative value dropped",
                "negative values dropped",
            ),
            (
                self.out_of_order_rows,
                "out-of-order row sorted",
                "out-of-order rows sorted",
            ),
            (
                self.duplicate_timestamps,
                "duplicate timestamp averaged",
                "duplicate timestamps averaged",
            ),
            (
                self.snapped_samples,
                "sample snapped to the grid",
                "samples snapped to the grid",
            ),
            (self.averaged_steps, "step averaged", "steps averaged"),
            (
                self.interpolated_steps,
                "step interpolated",
                "steps interpolated",
            ),
            (self.unknown_steps, "step unknown", "steps unknown"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_lists_only_what_happened_in_one_line() {
        let report = RepairReport {
            rows: 100,
            empty_cells: 12,
            duplicate_timestamps: 3,
            interpolated_steps: 40,
            unknown_steps: 5040,
            unknown_gaps: 2,
            step_seconds: 60,
            step_detected: true,
            ..RepairReport::default()
        };
        assert_eq!(
            report.summary(),
            "12 empty cells, 3 duplicate timestamps averaged, 40 steps interpolated, \
             5040 steps unknown (2 gaps)"
        );
        assert!(!report.is_clean());
    }

    #[test]
    fn summary_uses_the_singular_for_one() {
        let report = RepairReport {
            invalid_cells: 1,
            unknown_steps: 1,
            unknown_gaps: 1,
            ..RepairReport::default()
        };
        assert_eq!(report.summary(), "1 invalid cell, 1 step unknown (1 gap)");
    }

    #[test]
    fn a_report_without_repairs_is_clean() {
        let report = RepairReport {
            rows: 10,
            step_seconds: 60,
            ..RepairReport::default()
        };
        assert!(report.is_clean());
        assert_eq!(report.summary(), "clean");
    }
}
