//! Reading a trace CSV into raw columns: times as seconds, values with missing cells marked,
//! and counts of the cells that had to be dropped. No regularization happens here.

use std::io::Read;
use std::path::Path;

use super::error::TraceError;
use super::time::{parse_stamp, Stamp, UNIX_THRESHOLD};

/// A trace file as read: one time per row and every value column, unfiltered.
#[derive(Debug)]
pub struct RawTable {
    /// Seconds per row, in file order: Unix time when `absolute`, otherwise offsets.
    pub times: Vec<f64>,
    /// Whether `times` are Unix time.
    pub absolute: bool,
    /// Every column after the time column, in file order.
    pub columns: Vec<RawColumn>,
}

/// One value column as read. Missing cells are NaN in `values`: an f64 per cell keeps the
/// table half the size of `Option<f64>`, and NaN never survives as a value (it is dropped).
#[derive(Debug, Default)]
pub struct RawColumn {
    pub header: String,
    /// One value per row; NaN = missing (empty, not a number, non-finite or negative).
    pub values: Vec<f64>,
    pub empty: usize,
    /// Text, NaN or infinite cells.
    pub invalid: usize,
    pub negative: usize,
    /// Cells holding a finite number, negative ones included: > 0 makes the column numeric.
    pub numbers: usize,
}

impl RawColumn {
    /// Whether the column holds at least one number; columns without are ignored.
    pub fn is_numeric(&self) -> bool {
        self.numbers > 0
    }

    fn push(&mut self, cell: &str) {
        let value = if cell.is_empty() {
            self.empty += 1;
            f64::NAN
        } else {
            match cell.parse::<f64>().ok() {
                Some(v) if v.is_finite() && v < 0.0 => {
                    self.numbers += 1;
                    self.negative += 1;
                    f64::NAN
                }
                Some(v) if v.is_finite() => {
                    self.numbers += 1;
                    v
                }
                _ => {
                    self.invalid += 1;
                    f64::NAN
                }
            }
        };
        self.values.push(value);
    }
}

/// Reads a whole CSV. `path` only names the source in errors.
pub fn read_table(path: &Path, input: impl Read) -> Result<RawTable, TraceError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(input);
    let headers = reader
        .byte_headers()
        .map_err(|e| csv_error(path, e))?
        .clone();
    let header = |i: usize| utf8(path, 1, headers.get(i).unwrap_or_default()).map(str::to_owned);
    if headers.is_empty() {
        return Err(TraceError::NoData {
            path: path.to_path_buf(),
            column: None,
        });
    }
    let time_header = header(0)?;
    if parse_stamp(&time_header).is_ok() {
        return Err(parse_error(
            path,
            1,
            "the first line must be a header, found a time",
        ));
    }
    let mut columns = (1..headers.len())
        .map(|i| {
            Ok(RawColumn {
                header: header(i)?,
                ..RawColumn::default()
            })
        })
        .collect::<Result<Vec<_>, TraceError>>()?;
    let mut times = Vec::new();
    let mut kind = None;
    let mut record = csv::ByteRecord::new();
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| csv_error(path, e))?
    {
        let line = record.position().map_or(0, csv::Position::line);
        let cell = utf8(path, line, record.get(0).unwrap_or_default())?;
        let stamp = match parse_stamp(cell) {
            Ok(stamp) => stamp,
            Err(_) if kind.is_none() => {
                return Err(TraceError::NotATrace {
                    path: path.to_path_buf(),
                    line,
                    column: time_header,
                    value: cell.to_owned(),
                })
            }
            Err(reason) => return Err(parse_error(path, line, &format!("{reason}: `{cell}`"))),
        };
        let absolute = *kind.get_or_insert(match stamp {
            Stamp::Calendar(_) => true,
            Stamp::Seconds(t) => t >= UNIX_THRESHOLD,
        });
        times.push(match stamp {
            Stamp::Calendar(_) if !absolute => {
                let reason = format!("date `{cell}` in a file of second offsets");
                return Err(parse_error(path, line, &reason));
            }
            Stamp::Calendar(t) | Stamp::Seconds(t) => t,
        });
        for (column, cell) in columns.iter_mut().zip(record.iter().skip(1)) {
            column.push(utf8(path, line, cell)?);
        }
    }
    let Some(absolute) = kind else {
        return Err(TraceError::NoData {
            path: path.to_path_buf(),
            column: None,
        });
    };
    Ok(RawTable {
        times,
        absolute,
        columns,
    })
}

fn utf8<'a>(path: &Path, line: u64, cell: &'a [u8]) -> Result<&'a str, TraceError> {
    std::str::from_utf8(cell).map_err(|_| parse_error(path, line, "invalid UTF-8"))
}

fn parse_error(path: &Path, line: u64, reason: &str) -> TraceError {
    TraceError::Parse {
        path: path.to_path_buf(),
        line,
        reason: reason.to_owned(),
    }
}

fn csv_error(path: &Path, error: csv::Error) -> TraceError {
    let line = error.position().map_or(0, csv::Position::line);
    match error.into_kind() {
        csv::ErrorKind::Io(source) => TraceError::Io {
            path: path.to_path_buf(),
            source,
        },
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            let reason = format!("expected {expected_len} fields like the header, found {len}");
            parse_error(path, line, &reason)
        }
        other => parse_error(path, line, &format!("{other:?}")),
    }
}
