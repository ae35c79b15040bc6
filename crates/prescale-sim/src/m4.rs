//! The M4 competition data set reader: one folder with `<Frequency>-train.csv` and
//! `<Frequency>-test.csv` (as in the M4-methods repository), so forecasters can be scored against
//! the published M4 results.
//!
//! Format: a header row of quoted column names (`"V1","V2",…`), then one row per series: its
//! quoted id, then its quoted values. Train rows are ragged: a series shorter than the longest
//! ends in empty cells. The test file has the same series in the same order, each with exactly
//! the frequency's horizon of values.

use std::path::{Path, PathBuf};

/// One M4 frequency: file-name prefix, forecast horizon and seasonal period, as the competition
/// defined them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct M4Frequency {
    /// Name as in the file names (`Hourly` for `Hourly-train.csv`).
    pub name: &'static str,
    /// Number of test values per series.
    pub horizon: usize,
    /// Seasonal period `m` used by MASE and the seasonal benchmarks (1 = none).
    pub season: usize,
}

/// The six M4 frequencies. Kept as data so that a new set only needs a row here.
pub const M4_FREQUENCIES: [M4Frequency; 6] = [
    M4Frequency {
        name: "Yearly",
        horizon: 6,
        season: 1,
    },
    M4Frequency {
        name: "Quarterly",
        horizon: 8,
        season: 4,
    },
    M4Frequency {
        name: "Monthly",
        horizon: 18,
        season: 12,
    },
    M4Frequency {
        name: "Weekly",
        horizon: 13,
        season: 1,
    },
    M4Frequency {
        name: "Daily",
        horizon: 14,
        season: 1,
    },
    M4Frequency {
        name: "Hourly",
        horizon: 48,
        season: 24,
    },
];

/// One M4 series: its id and its training and test values.
#[derive(Debug, Clone, PartialEq)]
pub struct M4Series {
    /// Series id (`H1`).
    pub id: String,
    /// Values to fit on, oldest first.
    pub train: Vec<f64>,
    /// The `horizon` values that follow `train`: what forecasts are scored against.
    pub test: Vec<f64>,
}

/// All series of one M4 frequency.
#[derive(Debug, Clone, PartialEq)]
pub struct M4Set {
    /// Frequency name (`Hourly`).
    pub frequency: String,
    /// Test values per series (48 for hourly).
    pub horizon: usize,
    /// Seasonal period (24 for hourly).
    pub season: usize,
    /// Series in file order.
    pub series: Vec<M4Series>,
}

/// Why an M4 folder could not be loaded: every error names the file, and the line when there is
/// one (1-based, the header being line 1, as an editor shows it).
#[derive(Debug, thiserror::Error)]
pub enum M4Error {
    /// The folder holds no `<Frequency>-train.csv` with its `<Frequency>-test.csv`.
    #[error("{}: no M4 data set (<Frequency>-train.csv and <Frequency>-test.csv)", dir.display())]
    NotM4 { dir: PathBuf },
    /// The folder holds several frequencies: which to load must be said.
    #[error("{}: several M4 frequencies ({}): choose one", dir.display(), found.join(", "))]
    Ambiguous { dir: PathBuf, found: Vec<String> },
    /// A file could not be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A line is not valid CSV (bad quoting, invalid UTF-8) or has no id.
    #[error("{}:{line}: {reason}", path.display())]
    Parse {
        path: PathBuf,
        line: u64,
        reason: String,
    },
    /// A cell is not a number, or is empty before the last value of its row.
    #[error("{}:{line}: column {column}: `{value}` is not a number", path.display())]
    Value {
        path: PathBuf,
        line: u64,
        /// 1-based column, the id being column 1.
        column: usize,
        value: String,
    },
    /// A test row does not hold exactly `horizon` values.
    #[error("{}:{line}: series {id} has {found} test values, {expected} expected", path.display())]
    TestLength {
        path: PathBuf,
        line: u64,
        id: String,
        found: usize,
        expected: usize,
    },
    /// The test file's series do not follow the train file's, one for one.
    #[error("{}:{line}: {reason}", path.display())]
    Mismatch {
        path: PathBuf,
        line: u64,
        reason: String,
    },
    /// The train file holds no series.
    #[error("{}: no series", path.display())]
    Empty { path: PathBuf },
}

impl M4Error {
    /// The file or folder the error is about.
    pub fn path(&self) -> &Path {
        match self {
            Self::NotM4 { dir } | Self::Ambiguous { dir, .. } => dir,
            Self::Io { path, .. }
            | Self::Parse { path, .. }
            | Self::Value { path, .. }
            | Self::TestLength { path, .. }
            | Self::Mismatch { path, .. }
            | Self::Empty { path } => path,
        }
    }
}

fn train_path(dir: &Path, frequency: &M4Frequency) -> PathBuf {
    dir.join(format!("{}-train.csv", frequency.name))
}

fn test_path(dir: &Path, frequency: &M4Frequency) -> PathBuf {
    dir.join(format!("{}-test.csv", frequency.name))
}

/// The frequencies whose train and test files are both in `dir`, in table order.
pub fn m4_frequencies_in(dir: &Path) -> Vec<M4Frequency> {
    M4_FREQUENCIES
        .iter()
        .filter(|f| train_path(dir, f).is_file() && test_path(dir, f).is_file())
        .copied()
        .collect()
}

/// Whether `dir` holds an M4 data set: some `<Frequency>-train.csv` with its `-test.csv`.
pub fn is_m4_dir(dir: &Path) -> bool {
    !m4_frequencies_in(dir).is_empty()
}

/// Loads the M4 data set in `dir`, which must hold exactly one frequency (see
/// [`load_m4_frequency`] otherwise).
///
/// # Errors
/// [`M4Error::NotM4`] or [`M4Error::Ambiguous`] when the folder holds no or several
/// frequencies, and the errors of [`load_m4_frequency`].
pub fn load_m4(dir: &Path) -> Result<M4Set, M4Error> {
    match m4_frequencies_in(dir).as_slice() {
        [] => Err(M4Error::NotM4 {
            dir: dir.to_path_buf(),
        }),
        [frequency] => load_m4_frequency(dir, frequency),
        several => Err(M4Error::Ambiguous {
            dir: dir.to_path_buf(),
            found: several.iter().map(|f| f.name.to_string()).collect(),
        }),
    }
}

/// Loads one frequency of the M4 data set in `dir`.
///
/// # Errors
/// A file that cannot be read, a malformed line or value, a test row without exactly
/// `horizon` values, test series that do not match the train series one for one, or a train
/// file without series. Each error names the file and line.
pub fn load_m4_frequency(dir: &Path, frequency: &M4Frequency) -> Result<M4Set, M4Error> {
    let train_file = train_path(dir, frequency);
    let test_file = test_path(dir, frequency);
    let train = read_rows(&train_file)?;
    let test = read_rows(&test_file)?;
    if train.is_empty() {
        return Err(M4Error::Empty { path: train_file });
    }
    let series = pair_rows(train, test, &test_file, frequency.horizon)?;
    Ok(M4Set {
        frequency: frequency.name.to_string(),
        horizon: frequency.horizon,
        season: frequency.season,
        series,
    })
}

/// One data row: where it was, its id and its values.
struct Row {
    line: u64,
    id: String,
    values: Vec<f64>,
}

/// Joins train and test rows, which M4 keeps in the same order.
fn pair_rows(
    train: Vec<Row>,
    test: Vec<Row>,
    test_file: &Path,
    horizon: usize,
) -> Result<Vec<M4Series>, M4Error> {
    let mismatch = |line, reason| M4Error::Mismatch {
        path: test_file.to_path_buf(),
        line,
        reason,
    };
    if test.len() != train.len() {
        let line = test.last().map_or(1, |r| r.line);
        let reason = format!(
            "{} test series for {} train series",
            test.len(),
            train.len()
        );
        return Err(mismatch(line, reason));
    }
    train
        .into_iter()
        .zip(test)
        .map(|(tr, te)| {
            if tr.id != te.id {
                let reason = format!("series {} where the train file has {}", te.id, tr.id);
                return Err(mismatch(te.line, reason));
            }
            if te.values.len() != horizon {
                return Err(M4Error::TestLength {
                    path: test_file.to_path_buf(),
                    line: te.line,
                    id: te.id,
                    found: te.values.len(),
                    expected: horizon,
                });
            }
            Ok(M4Series {
                id: tr.id,
                train: tr.values,
                test: te.values,
            })
        })
        .collect()
}

/// Reads every data row of one M4 file (the header is skipped, whatever it names).
fn read_rows(path: &Path) -> Result<Vec<Row>, M4Error> {
    let file = std::fs::File::open(path).map_err(|source| M4Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    // Ragged rows are allowed: a file written without trailing empty cells is just as valid.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(std::io::BufReader::new(file));
    let mut record = csv::StringRecord::new();
    let mut rows = Vec::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => rows.push(parse_row(path, &record)?),
            Ok(false) => return Ok(rows),
            Err(err) => return Err(csv_error(path, err)),
        }
    }
}

fn csv_error(path: &Path, err: csv::Error) -> M4Error {
    let line = err.position().map_or(0, csv::Position::line);
    let reason = err.to_string();
    match err.into_kind() {
        csv::ErrorKind::Io(source) => M4Error::Io {
            path: path.to_path_buf(),
            source,
        },
        _ => M4Error::Parse {
            path: path.to_path_buf(),
            line,
            reason,
        },
    }
}

/// Parses one row: the id, then values up to the first empty cell, then only empty cells.
fn parse_row(path: &Path, record: &csv::StringRecord) -> Result<Row, M4Error> {
    let line = record.position().map_or(0, csv::Position::line);
    let id = record.get(0).unwrap_or_default().trim();
    if id.is_empty() {
        return Err(M4Error::Parse {
            path: path.to_path_buf(),
            line,
            reason: "row without a series id".to_string(),
        });
    }
    let cells: Vec<&str> = record.iter().skip(1).map(str::trim).collect();
    let len = cells
        .iter()
        .rposition(|c| !c.is_empty())
        .map_or(0, |i| i + 1);
    let values = cells[..len]
        .iter()
        .enumerate()
        .map(|(i, cell)| {
            // Column numbers count the id as column 1, so the first value is column 2.
            cell.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| M4Error::Value {
                    path: path.to_path_buf(),
                    line,
                    column: i + 2,
                    value: (*cell).to_string(),
                })
        })
        .collect::<Result<Vec<f64>, M4Error>>()?;
    Ok(Row {
        line,
        id: id.to_string(),
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `PRESCALE_DATA`, or `shared/data` next to the workspace root.
    fn data_dir() -> PathBuf {
        std::env::var_os("PRESCALE_DATA").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
            PathBuf::from,
        )
    }

    /// The real M4 hourly set, or `None` (with a note) where the data is not present.
    fn hourly() -> Option<M4Set> {
        let dir = data_dir().join("m4-hourly");
        if !is_m4_dir(&dir) {
            eprintln!("note: {} not present: skipping", dir.display());
            return None;
        }
        match load_m4(&dir) {
            Ok(set) => Some(set),
            Err(err) => panic!("{err}"),
        }
    }

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    const TRAIN: &str =
        "\"V1\",\"V2\",\"V3\",\"V4\"\n\"H1\",\"1\",\"2\",\"3\"\n\"H2\",\"4\",\"5\",\"\"\n";

    fn test_rows(values: &str) -> String {
        let row: Vec<String> = values.split(',').map(|v| format!("\"{v}\"")).collect();
        let row = row.join(",");
        let header: Vec<String> = (1..=49).map(|i| format!("\"V{i}\"")).collect();
        format!("{}\n\"H1\",{row}\n\"H2\",{row}\n", header.join(","))
    }

    fn hourly_test_values() -> String {
        (0..48).map(|i| i.to_string()).collect::<Vec<_>>().join(",")
    }

    #[test]
    fn loads_a_literal_hourly_set_with_ragged_train_rows() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "Hourly-train.csv", TRAIN);
        write(
            dir.path(),
            "Hourly-test.csv",
            &test_rows(&hourly_test_values()),
        );
        assert!(is_m4_dir(dir.path()));
        let set = load_m4(dir.path()).unwrap();
        assert_eq!(
            (set.frequency.as_str(), set.horizon, set.season),
            ("Hourly", 48, 24)
        );
        assert_eq!(set.series.len(), 2);
        assert_eq!(set.series[0].train, [1.0, 2.0, 3.0]);
        assert_eq!(set.series[1].id, "H2");
        assert_eq!(set.series[1].train, [4.0, 5.0]);
        assert_eq!(set.series[1].test.len(), 48);
    }

    #[test]
    fn loads_other_frequencies_from_the_table() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "Yearly-train.csv", TRAIN);
        write(dir.path(), "Yearly-test.csv", &test_rows("7,8,9,10,11,12"));
        let set = load_m4(dir.path()).unwrap();
        assert_eq!(
            (set.frequency.as_str(), set.horizon, set.season),
            ("Yearly", 6, 1)
        );
        assert_eq!(set.series[0].test, [7.0, 8.0, 9.0, 10.0, 11.0, 12.0]);
    }

    #[test]
    fn a_folder_without_train_and_test_files_is_not_m4() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "Hourly-train.csv", TRAIN);
        assert!(!is_m4_dir(dir.path()));
        let err = load_m4(dir.path()).unwrap_err();
        assert!(matches!(err, M4Error::NotM4 { .. }), "{err}");
    }

    #[test]
    fn a_non_numeric_value_is_reported_with_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let train = "\"V1\",\"V2\",\"V3\"\n\"H1\",\"1\",\"2\"\n\"H2\",\"4\",\"x5\"\n";
        write(dir.path(), "Hourly-train.csv", train);
        write(
            dir.path(),
            "Hourly-test.csv",
            &test_rows(&hourly_test_values()),
        );
        let err = load_m4(dir.path()).unwrap_err();
        let message = err.to_string();
        assert!(
            matches!(&err, M4Error::Value { line: 3, column: 3, value, .. } if value == "x5"),
            "{message}"
        );
        assert!(message.contains("Hourly-train.csv:3"), "{message}");
        assert_eq!(err.path(), dir.path().join("Hourly-train.csv"));
    }

    #[test]
    fn a_gap_inside_a_train_row_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let train = "\"V1\",\"V2\",\"V3\",\"V4\"\n\"H1\",\"1\",\"\",\"3\"\n";
        write(dir.path(), "Yearly-train.csv", train);
        write(
            dir.path(),
            "Yearly-test.csv",
            "\"V1\"\n\"H1\",1,2,3,4,5,6\n",
        );
        let err = load_m4(dir.path()).unwrap_err();
        assert!(
            matches!(
                err,
                M4Error::Value {
                    line: 2,
                    column: 3,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn a_short_test_row_is_an_error_naming_the_series() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "Hourly-train.csv", TRAIN);
        write(dir.path(), "Hourly-test.csv", &test_rows("1,2,3"));
        let err = load_m4(dir.path()).unwrap_err();
        assert!(
            matches!(&err, M4Error::TestLength { line: 2, found: 3, expected: 48, id, .. } if id == "H1"),
            "{err}"
        );
    }

    #[test]
    fn test_series_must_follow_the_train_series() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "Hourly-train.csv", TRAIN);
        let test = test_rows(&hourly_test_values()).replace("\"H2\"", "\"H3\"");
        write(dir.path(), "Hourly-test.csv", &test);
        let err = load_m4(dir.path()).unwrap_err();
        assert!(matches!(err, M4Error::Mismatch { line: 3, .. }), "{err}");
    }

    #[test]
    fn loads_the_real_hourly_set() {
        let Some(set) = hourly() else { return };
        assert_eq!(
            (set.frequency.as_str(), set.horizon, set.season),
            ("Hourly", 48, 24)
        );
        assert_eq!(set.series.len(), 414);
        let h1 = &set.series[0];
        assert_eq!(h1.id, "H1");
        assert_eq!(h1.train[..3], [605.0, 586.0, 586.0]);
        assert_eq!(h1.test[..2], [619.0, 565.0]);
        for s in &set.series {
            assert!(
                (700..=960).contains(&s.train.len()),
                "{}: {}",
                s.id,
                s.train.len()
            );
            assert_eq!(s.test.len(), 48, "{}", s.id);
        }
    }

    /// Seasonal naive (the last 24 training values, repeated) over all 414 hourly series must
    /// reproduce the published M4 figures for the sNaive benchmark: sMAPE 13.912, MASE 1.193.
    #[test]
    fn seasonal_naive_reproduces_the_published_m4_hourly_scores() {
        use prescale_forecast::accuracy::{mase, mase_scale, smape, Accumulator};
        let Some(set) = hourly() else { return };
        let (mut smapes, mut mases) = (Accumulator::new(), Accumulator::new());
        for s in &set.series {
            let last_season = &s.train[s.train.len() - set.season..];
            let forecast: Vec<f64> = last_season
                .iter()
                .cycle()
                .take(set.horizon)
                .copied()
                .collect();
            let actual: Vec<Option<f64>> = s.test.iter().copied().map(Some).collect();
            let train: Vec<Option<f64>> = s.train.iter().copied().map(Some).collect();
            smapes.add(smape(&actual, &forecast));
            let scale = mase_scale(&train, set.season);
            mases.add(scale.and_then(|scale| mase(&actual, &forecast, scale)));
        }
        let (smape_mean, mase_mean) = (smapes.mean().unwrap(), mases.mean().unwrap());
        eprintln!("M4 hourly sNaive: sMAPE {smape_mean:.6}, MASE {mase_mean:.6}");
        assert_eq!((smapes.count(), mases.count()), (414, 414));
        assert_eq!(format!("{smape_mean:.3}"), "13.912");
        assert_eq!(format!("{mase_mean:.3}"), "1.193");
    }
}
