//! Trace input: CSV files and directories of them turned into regular [`Series`] plus a report
//! of every repair, so that a backtest runs on what the data says and says what it guessed.
//!
//! # Input
//! - A header line, then one row per sample. The **first column is time**; every other column
//!   holding at least one number is a series. Columns without a single number (labels, empty
//!   columns) are ignored unless asked for by name, which is then an error.
//! - Times: ISO-8601 with an offset (`1995-07-01T00:00:00-04:00`, `...Z`), without one
//!   (`2000-06-05T00:00`, `2000-06-05T00:00:00`, taken as UTC), `YYYY-MM-DD HH:MM:SS` (UTC),
//!   dates `YYYY-MM-DD` (midnight UTC), or plain seconds. Plain seconds are Unix time when the
//!   first row's value is at least 1e8 (1973-03-03), otherwise offsets from an unknown origin:
//!   the series then has `absolute = false` and starts at the first offset. Fractional seconds
//!   are kept for placement; `Series::start` is the first time rounded to the second. A date
//!   in a file of offsets is a parse error.
//! - A file whose first data row has no time in its first column is not a trace
//!   ([`TraceError::NotATrace`]). In a directory such files are skipped with a warning, since
//!   data folders carry metadata CSVs next to their traces; named directly, they are an error.
//! - A directory loads every `*.csv` directly inside it (not recursively), sorted by name.
//! - Naming: the file stem (`nyc_taxi`) when the file has one numeric column, `stem:column`
//!   when it has several (even if only one is selected, so names do not depend on options).
//!
//! # Repair rules
//! 1. Empty cells, `NaN`, infinities and text in a numeric column are **missing** ("no data",
//!    never zero). Negative values are missing too: demand cannot be negative.
//! 2. Rows are taken in time order whatever the file order (rows earlier than the row before
//!    them are counted). Rows sharing a timestamp are averaged over their known values.
//! 3. The step is `step_seconds` when given, otherwise the median of the positive differences
//!    between consecutive distinct timestamps (the lower one of an even count), rounded to
//!    whole seconds (at least 1 s).
//! 4. The grid starts at the earliest timestamp `t0`; a sample at `t` goes to step
//!    `round((t − t0) / step)`. Several known samples in one step are averaged, so the unit
//!    stays a per-sample rate. Samples further than 1 % of a step from their grid point are
//!    counted as snapped. All series of a file share one grid.
//! 5. A run of `k` steps without a known value is a gap of `k · step` seconds. Gaps no longer
//!    than `max_fill_seconds` (default: the larger of 3 steps and 1800 s) with a known value on
//!    both sides are filled by linear interpolation; longer gaps and the steps before the first
//!    or after the last known value stay unknown (`None`).
//! 6. A series without any known value is an error ([`TraceError::NoData`]), and so are a grid
//!    of more than [`MAX_STEPS`] steps ([`TraceError::TooManySteps`], almost always one wrong
//!    timestamp) and a file whose rows all share one time when no step is given.
//! 7. Unreadable input (a bad time, a row with another number of fields than the header,
//!    invalid UTF-8) fails with the file, the line (1-based, the header is line 1) and why.

mod error;
mod read;
mod repair;
mod report;
mod time;

#[cfg(test)]
mod data_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::io::Read;
use std::path::{Path, PathBuf};

use prescale_core::Series;

pub use error::TraceError;
pub use report::RepairReport;

use read::{read_table, RawColumn, RawTable};

/// Longest grid a file may span, in steps (80 MB per series): far beyond any real trace.
pub const MAX_STEPS: usize = 10_000_000;

/// How traces are read and repaired.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadOptions {
    /// Only these value columns (by header name), in this order; empty = every numeric column.
    pub columns: Vec<String>,
    /// Force this step (seconds) instead of detecting it.
    pub step_seconds: Option<u32>,
    /// Longest gap (seconds) filled by linear interpolation; longer gaps stay unknown.
    /// Default ([`LoadOptions::max_fill_for`]): the larger of 3 steps and 1800 s.
    pub max_fill_seconds: Option<f64>,
}

impl LoadOptions {
    /// The fill limit in seconds for a series of this step: the given one, or the larger of 3
    /// steps and 1800 s (short outages of fine-grained traces are bridged, daily data is not
    /// invented for more than 3 days).
    pub fn max_fill_for(&self, step_seconds: u32) -> f64 {
        self.max_fill_seconds
            .unwrap_or_else(|| (3.0 * f64::from(step_seconds)).max(1800.0))
    }

    fn validate(&self) -> Result<(), TraceError> {
        let reason = if self.step_seconds == Some(0) {
            "the step must be at least 1 s"
        } else if self.max_fill_seconds.is_some_and(|s| s.is_nan() || s < 0.0) {
            "the longest gap to fill must be a non-negative number of seconds"
        } else {
            return Ok(());
        };
        Err(TraceError::InvalidOption {
            reason: reason.to_string(),
        })
    }
}

/// One series loaded from a trace, with what was repaired on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedTrace {
    pub series: Series,
    pub repairs: RepairReport,
}

/// Loads files and directories, in the order given; within a directory every `*.csv` directly
/// inside, sorted by name. Files in a directory that are not traces (no time in the first
/// column of the first row) are skipped with a warning; any other error names its file.
pub fn load_paths(paths: &[PathBuf], opts: &LoadOptions) -> Result<Vec<LoadedTrace>, TraceError> {
    opts.validate()?;
    let mut loaded = Vec::new();
    for path in paths {
        if path.is_dir() {
            loaded.extend(load_dir(path, opts)?);
        } else {
            loaded.extend(load_file(path, opts)?);
        }
    }
    Ok(loaded)
}

/// Parses one CSV text; `name` names the source in errors and prefixes the series names.
pub fn parse_csv(
    name: &str,
    input: impl Read,
    opts: &LoadOptions,
) -> Result<Vec<LoadedTrace>, TraceError> {
    opts.validate()?;
    let path = Path::new(name);
    build(path, name, read_table(path, input)?, opts)
}

fn load_dir(dir: &Path, opts: &LoadOptions) -> Result<Vec<LoadedTrace>, TraceError> {
    let io = |source| TraceError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let is_csv = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        if is_csv && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    let mut loaded = Vec::new();
    for file in &files {
        match load_file(file, opts) {
            Ok(traces) => loaded.extend(traces),
            Err(err @ TraceError::NotATrace { .. }) => {
                tracing::warn!(path = %file.display(), reason = %err, "skipping a csv file that is not a trace");
            }
            Err(err) => return Err(err),
        }
    }
    if loaded.is_empty() {
        return Err(TraceError::NoTraces {
            path: dir.to_path_buf(),
        });
    }
    Ok(loaded)
}

fn load_file(path: &Path, opts: &LoadOptions) -> Result<Vec<LoadedTrace>, TraceError> {
    let file = std::fs::File::open(path).map_err(|source| TraceError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let stem = path.file_stem().map_or_else(
        || path.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    build(path, &stem, read_table(path, file)?, opts)
}

/// Turns a table into one regular series per selected column.
fn build(
    path: &Path,
    prefix: &str,
    table: RawTable,
    opts: &LoadOptions,
) -> Result<Vec<LoadedTrace>, TraceError> {
    let columns = select(path, &table.columns, &opts.columns)?;
    let grid = Grid::new(path, &table, opts)?;
    let placement = repair::place(&table.times, grid.t0, grid.step);
    let several = table.columns.iter().filter(|c| c.is_numeric()).count() > 1;
    let base = RepairReport {
        rows: table.times.len(),
        out_of_order_rows: table.times.windows(2).filter(|w| w[1] < w[0]).count(),
        duplicate_timestamps: grid.duplicates,
        snapped_samples: placement.snapped,
        step_seconds: grid.step,
        step_detected: opts.step_seconds.is_none(),
        ..RepairReport::default()
    };
    let max_fill = repair::max_fill_steps(opts.max_fill_for(grid.step), grid.step);
    columns
        .into_iter()
        .map(|column| {
            let mut resampled = repair::resample(&placement.cells, &column.values, grid.len);
            if resampled.values.iter().all(Option::is_none) {
                return Err(TraceError::NoData {
                    path: path.to_path_buf(),
                    column: Some(column.header.clone()),
                });
            }
            let filled = repair::fill_gaps(&mut resampled.values, max_fill);
            let repairs = RepairReport {
                empty_cells: column.empty,
                invalid_cells: column.invalid,
                negative_values: column.negative,
                averaged_steps: resampled.averaged,
                interpolated_steps: filled.interpolated,
                unknown_steps: filled.unknown,
                unknown_gaps: filled.gaps,
                ..base.clone()
            };
            let name = if several {
                format!("{prefix}:{}", column.header)
            } else {
                prefix.to_string()
            };
            let series = Series {
                name,
                start: grid.t0.round() as i64,
                absolute: table.absolute,
                step_seconds: grid.step,
                values: resampled.values,
            };
            Ok(LoadedTrace { series, repairs })
        })
        .collect()
}

/// The columns to turn into series: the named ones in the order given, or every numeric one.
fn select<'a>(
    path: &Path,
    columns: &'a [RawColumn],
    wanted: &[String],
) -> Result<Vec<&'a RawColumn>, TraceError> {
    if wanted.is_empty() {
        let numeric: Vec<_> = columns.iter().filter(|c| c.is_numeric()).collect();
        if numeric.is_empty() {
            return Err(TraceError::NoNumericColumn {
                path: path.to_path_buf(),
            });
        }
        return Ok(numeric);
    }
    wanted
        .iter()
        .map(|name| match columns.iter().find(|c| &c.header == name) {
            Some(c) if c.is_numeric() => Ok(c),
            Some(_) => Err(TraceError::ColumnNotNumeric {
                path: path.to_path_buf(),
                column: name.clone(),
            }),
            None => Err(TraceError::UnknownColumn {
                path: path.to_path_buf(),
                column: name.clone(),
                available: columns.iter().map(|c| c.header.clone()).collect(),
            }),
        })
        .collect()
}

/// The regular grid of a file, shared by all its series.
struct Grid {
    t0: f64,
    step: u32,
    len: usize,
    duplicates: usize,
}

impl Grid {
    fn new(path: &Path, table: &RawTable, opts: &LoadOptions) -> Result<Self, TraceError> {
        let mut sorted = table.times.clone();
        sorted.sort_unstable_by(f64::total_cmp);
        let duplicates = sorted.windows(2).filter(|w| w[1] == w[0]).count();
        let (Some(&t0), Some(&last)) = (sorted.first(), sorted.last()) else {
            return Err(TraceError::NoData {
                path: path.to_path_buf(),
                column: None,
            });
        };
        let step = match opts.step_seconds {
            Some(step) => step,
            None => repair::detect_step(&sorted).ok_or_else(|| TraceError::StepUndetectable {
                path: path.to_path_buf(),
            })?,
        };
        let steps = repair::grid_steps(t0, last, step);
        if steps > MAX_STEPS as f64 {
            return Err(TraceError::TooManySteps {
                path: path.to_path_buf(),
                steps,
                step_seconds: step,
                limit: MAX_STEPS,
            });
        }
        Ok(Self {
            t0,
            step,
            len: steps as usize,
            duplicates,
        })
    }
}
