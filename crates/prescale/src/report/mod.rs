//! The backtest report: one self-contained HTML page with a table and SVG charts per trace.
//!
//! Layout of a report folder: `index.html` plus `charts/<trace>.svg` (the whole trace) and
//! `charts/<trace>.peak.svg` (two days around the demand peak). Writing again overwrites those
//! files; charts of traces no longer in the report are left in place but no longer referenced.

mod chart;
pub mod forecast_chart;
mod html;

use std::collections::HashSet;
use std::error::Error;
use std::path::{Path, PathBuf};

use crate::outcome::TraceOutcome;

/// Folder of the chart files, relative to the report folder (also the `src` prefix in the page).
const CHARTS_DIR: &str = "charts";
/// Longest file stem a trace name becomes; full names can be paths longer than file systems allow.
const MAX_STEM: usize = 80;

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Creating a folder or writing a file failed.
    #[error("cannot write {}", path.display())]
    Io {
        /// The folder or file being written.
        path: PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// Drawing a chart failed (a plotting-library error, not an I/O one).
    #[error("cannot draw the chart of trace {trace}")]
    Chart {
        /// Name of the trace whose chart failed.
        trace: String,
        /// What the plotting library said.
        #[source]
        source: Box<dyn Error + Send + Sync>,
    },
}

/// Where the charts of one trace are, as `src` paths relative to `index.html`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ChartFiles {
    /// The whole trace, downsampled.
    overview: String,
    /// Two days around the demand peak; `None` when no step of demand is known.
    peak: Option<String>,
}

/// Writes `dir/index.html` plus one SVG chart per trace (`dir/charts/<safe trace name>.svg`,
/// and `<safe trace name>.peak.svg` zoomed on the demand peak) and returns the path of
/// index.html. Creates `dir` if needed; overwrites earlier reports.
pub fn write(dir: &Path, title: &str, outcomes: &[TraceOutcome]) -> Result<PathBuf, ReportError> {
    let charts_dir = dir.join(CHARTS_DIR);
    std::fs::create_dir_all(&charts_dir).map_err(|source| ReportError::Io {
        path: charts_dir.clone(),
        source,
    })?;
    let mut files = Vec::with_capacity(outcomes.len());
    for (outcome, stem) in outcomes.iter().zip(chart_stems(outcomes)) {
        files.push(write_charts(&charts_dir, &stem, outcome)?);
    }
    let index = dir.join("index.html");
    write_file(&index, &html::page(title, outcomes, &files))?;
    Ok(index)
}

/// Draws and writes both charts of one trace.
fn write_charts(
    charts_dir: &Path,
    stem: &str,
    outcome: &TraceOutcome,
) -> Result<ChartFiles, ReportError> {
    let failed = |source| ReportError::Chart {
        trace: outcome.series.name.clone(),
        source,
    };
    let overview = format!("{stem}.svg");
    write_file(
        &charts_dir.join(&overview),
        &chart::overview(outcome).map_err(failed)?,
    )?;
    let peak = match chart::peak(outcome) {
        Some(svg) => {
            let name = format!("{stem}.peak.svg");
            write_file(&charts_dir.join(&name), &svg.map_err(failed)?)?;
            Some(name)
        }
        None => None,
    };
    Ok(ChartFiles {
        overview: format!("{CHARTS_DIR}/{overview}"),
        peak: peak.map(|name| format!("{CHARTS_DIR}/{name}")),
    })
}

fn write_file(path: &Path, contents: &str) -> Result<(), ReportError> {
    std::fs::write(path, contents).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// One distinct file stem per trace. Distinct ignoring case, because two traces must not share
/// a chart on case-insensitive file systems (macOS, Windows) either.
fn chart_stems(outcomes: &[TraceOutcome]) -> Vec<String> {
    let mut taken = HashSet::new();
    outcomes
        .iter()
        .map(|outcome| {
            let base = safe_stem(&outcome.series.name);
            let mut stem = base.clone();
            let mut n = 2;
            while !taken.insert(stem.to_lowercase()) {
                stem = format!("{base}-{n}");
                n += 1;
            }
            stem
        })
        .collect()
}

/// A file stem made of ASCII letters, digits, `-` and `_` only. Dots are replaced too, so that
/// the `.peak.svg` suffix can never collide with another trace's stem.
fn safe_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(MAX_STEM)
        .collect();
    if stem.is_empty() {
        "trace".to_string()
    } else {
        stem
    }
}

/// `YYYY-MM-DD HH:MM UTC` of a Unix time (no date crate: the civil-from-days algorithm of
/// Howard Hinnant, exact for the proleptic Gregorian calendar).
fn utc_label(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let minutes = unix.rem_euclid(86_400) / 60;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        minutes / 60,
        minutes % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::PolicyOutcome;
    use prescale_core::Series;
    use prescale_sim::metrics::Metrics;
    use prescale_sim::simulator::Run;

    /// A trace of `values` with three policies; capacity per instance is 10.
    pub(super) fn outcome(name: &str, values: Vec<Option<f64>>, step_seconds: u32) -> TraceOutcome {
        let capacity: Vec<f64> = values
            .iter()
            .map(|v| v.map_or(12.0, |d| (d / 10.0).ceil()))
            .collect();
        let policy = |name: &str, ratio: f64, iso: Option<f64>, knob: Option<f64>| PolicyOutcome {
            explanations: Vec::new(),
            run: Run {
                policy: name.to_string(),
                serving_min: capacity.clone(),
                serving_mean: capacity.clone(),
                step_cost: vec![1.0; capacity.len()],
                actions: 7,
                interruptions: 0,
                warm_pool_cost: 0.0,
            },
            metrics: Metrics {
                cost: 321.5,
                theta_u: 0.0123,
                theta_o: 0.25,
                tau_u: 0.004,
                tau_o: 0.5,
                instability: 0.1,
                unserved: 0.0001,
                actions: 7,
            },
            cost_vs_oracle: ratio,
            iso_slo_cost_vs_oracle: iso,
            iso_slo_knob: knob,
        };
        TraceOutcome {
            series: Series {
                name: name.to_string(),
                start: 1_709_251_200,
                absolute: true,
                step_seconds,
                values,
            },
            capacity_per_instance: 10.0,
            policies: vec![
                policy("oracle", 1.0, Some(1.0), None),
                policy("reactive", 1.23, Some(1.4567), Some(0.6)),
                policy("a<b&c", 2.0, None, None),
            ],
            repairs: None,
        }
    }

    /// Three days of hourly demand with four unknown hours.
    pub(super) fn sample() -> TraceOutcome {
        let values = (0..72)
            .map(|i| (!(30..34).contains(&i)).then(|| 100.0 + 10.0 * f64::from(i % 24)))
            .collect();
        outcome("web&shop <eu>", values, 3_600)
    }

    #[test]
    fn writes_index_and_both_charts_of_each_trace() {
        let dir = tempfile::tempdir().unwrap();
        let index = write(dir.path(), "Backtest", &[sample()]).unwrap();
        assert_eq!(index, dir.path().join("index.html"));
        for chart in ["web_shop__eu_.svg", "web_shop__eu_.peak.svg"] {
            let svg = std::fs::read_to_string(dir.path().join("charts").join(chart)).unwrap();
            assert!(svg.starts_with("<svg"), "{chart}");
        }
        let html = std::fs::read_to_string(&index).unwrap();
        assert!(html.contains("<img src=\"charts/web_shop__eu_.svg\""));
        assert!(html.contains("<img src=\"charts/web_shop__eu_.peak.svg\""));
    }

    #[test]
    fn creates_missing_folders() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a").join("b");
        assert!(write(&nested, "Backtest", &[sample()]).unwrap().is_file());
    }

    #[test]
    fn writing_again_overwrites_the_report() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "first run", &[sample()]).unwrap();
        let html =
            std::fs::read_to_string(write(dir.path(), "second run", &[sample()]).unwrap()).unwrap();
        assert!(html.contains("second run") && !html.contains("first run"));
    }

    #[test]
    fn a_folder_that_cannot_be_created_is_an_io_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("taken");
        std::fs::write(&file, "not a folder").unwrap();
        match write(&file, "Backtest", &[sample()]) {
            Err(ReportError::Io { path, .. }) => assert_eq!(path, file.join("charts")),
            other => panic!("expected an io error, got {other:?}"),
        }
    }

    #[test]
    fn a_trace_without_known_demand_has_no_peak_chart() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "Backtest",
            &[outcome("empty", vec![None; 5], 60)],
        )
        .unwrap();
        assert!(dir.path().join("charts/empty.svg").is_file());
        assert!(!dir.path().join("charts/empty.peak.svg").exists());
    }

    #[test]
    fn names_that_clash_once_made_safe_get_distinct_charts() {
        let traces: Vec<_> = ["a/b", "a_b", "A.B", ""]
            .iter()
            .map(|name| outcome(name, vec![Some(1.0)], 60))
            .collect();
        assert_eq!(chart_stems(&traces), ["a_b", "a_b-2", "A_B-3", "trace"]);
    }

    #[test]
    fn a_two_month_trace_gives_compact_charts() {
        let values = (0..90_000)
            .map(|i| Some(200.0 + 150.0 * (f64::from(i) / 1_440.0 * std::f64::consts::TAU).sin()))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "Backtest", &[outcome("long", values, 60)]).unwrap();
        for chart in ["long.svg", "long.peak.svg"] {
            let bytes = std::fs::metadata(dir.path().join("charts").join(chart))
                .unwrap()
                .len();
            assert!(bytes < 1_000_000, "{chart} is {bytes} bytes");
        }
    }

    #[test]
    fn utc_labels_follow_the_calendar() {
        assert_eq!(utc_label(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_label(-60), "1969-12-31 23:59 UTC");
        assert_eq!(utc_label(1_709_251_200 - 86_400), "2024-02-29 00:00 UTC");
        assert_eq!(
            utc_label(1_709_251_200 + 13 * 3_600 + 5 * 60),
            "2024-03-01 13:05 UTC"
        );
    }
}
