//! Why a trace could not be loaded: every error names the file, and the line when there is one.

use std::path::{Path, PathBuf};

/// A trace file or directory that could not be turned into series.
///
/// Lines are 1-based and count the header as line 1, so they match what an editor shows.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The file or directory could not be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A line could not be read as part of a trace: a bad timestamp, a row with the wrong
    /// number of fields, a header where data was expected or invalid UTF-8.
    #[error("{}:{line}: {reason}", path.display())]
    Parse {
        path: PathBuf,
        line: u64,
        reason: String,
    },
    /// The first column of the first data row is not a time: the file is some other CSV
    /// (metadata, a table of results). Directories skip such files with a warning.
    #[error(
        "{}:{line}: first column `{column}` holds `{value}`, not a time: not a trace",
        path.display()
    )]
    NotATrace {
        path: PathBuf,
        line: u64,
        column: String,
        value: String,
    },
    /// The file has no data row, or a selected column has no known (valid, non-negative) value.
    #[error("{}: {}", path.display(), no_data_reason(column.as_deref()))]
    NoData {
        path: PathBuf,
        /// The column without a known value; `None` when the file has no data row at all.
        column: Option<String>,
    },
    /// A column asked for with `LoadOptions::columns` is not in the header.
    #[error(
        "{}: no column `{column}` (available: {})",
        path.display(),
        available.join(", ")
    )]
    UnknownColumn {
        path: PathBuf,
        column: String,
        /// Every value column of the header, in file order.
        available: Vec<String>,
    },
    /// A column asked for with `LoadOptions::columns` exists but holds no number at all.
    #[error("{}: column `{column}` holds no number", path.display())]
    ColumnNotNumeric { path: PathBuf, column: String },
    /// No column besides the time column holds a number.
    #[error("{}: no numeric value column besides the time column", path.display())]
    NoNumericColumn { path: PathBuf },
    /// Every row has the same timestamp, so no step can be detected.
    #[error(
        "{}: all rows share one timestamp: cannot detect the step (give it explicitly)",
        path.display()
    )]
    StepUndetectable { path: PathBuf },
    /// The timestamps span more steps than a series may hold: usually one wrong timestamp
    /// far from the others, or a step far too small.
    #[error(
        "{}: the timestamps span {steps} steps of {step_seconds} s (limit {limit}): check the \
         timestamps or give a larger step",
        path.display()
    )]
    TooManySteps {
        path: PathBuf,
        steps: f64,
        step_seconds: u32,
        limit: usize,
    },
    /// A directory holds no loadable trace (no `*.csv`, or only files that are not traces).
    #[error("{}: no trace (*.csv with a time column) in this directory", path.display())]
    NoTraces { path: PathBuf },
    /// `LoadOptions` holds a value that cannot be used (a zero step, a negative fill limit).
    #[error("invalid trace option: {reason}")]
    InvalidOption { reason: String },
}

fn no_data_reason(column: Option<&str>) -> String {
    match column {
        None => "no data row".to_string(),
        Some(column) => format!("column `{column}` has no known value"),
    }
}

impl TraceError {
    /// The file or directory the error is about, when there is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Self::Io { path, .. }
            | Self::Parse { path, .. }
            | Self::NotATrace { path, .. }
            | Self::NoData { path, .. }
            | Self::UnknownColumn { path, .. }
            | Self::ColumnNotNumeric { path, .. }
            | Self::NoNumericColumn { path }
            | Self::StepUndetectable { path }
            | Self::TooManySteps { path, .. }
            | Self::NoTraces { path } => Some(path),
            Self::InvalidOption { .. } => None,
        }
    }
}
