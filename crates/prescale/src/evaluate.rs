//! `prescale evaluate`: forecast accuracy on a data set, scored as the M4 competition scores it,
//! and the export that lets the Python peers (`bench/peers.py`) run on exactly the same series,
//! origins and horizons.
//!
//! Protocol. M4 folders: each series' training file is the history, its test file the next
//! `horizon` values, one origin. CSV traces: the last `origins × horizon` steps are held out in
//! `origins` consecutive windows; at each origin a model sees only the steps before it. MASE is
//! scaled by the mean absolute seasonal difference of the training part, with m = one day in
//! steps for traces (7 for daily traces, 24 for M4 hourly). Unknown test values are not scored.

use crate::timing::Stopwatch;
use prescale_core::Series;
use prescale_forecast::accuracy;
use prescale_forecast::fill::fill_gaps;
use prescale_forecast::seasonality::day_in_steps;
use prescale_forecast::{Engine, EngineConfig, History};
use prescale_sim::m4::M4Set;
use rayon::prelude::*;
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// One series to evaluate: its values (history and test windows) and the origins.
pub struct EvalSeries {
    pub id: String,
    pub values: Vec<Option<f64>>,
    pub step_seconds: u32,
    pub start_unix: Option<i64>,
    /// m of MASE, in steps.
    pub season: usize,
    /// Training lengths: each origin forecasts values[o..o + horizon].
    pub origins: Vec<usize>,
}

/// A data set ready to evaluate.
pub struct EvalSet {
    pub dataset: String,
    pub horizon: usize,
    pub series: Vec<EvalSeries>,
}

/// The M4 set as one origin per series.
pub fn from_m4(name: &str, set: M4Set) -> EvalSet {
    let series = set
        .series
        .into_iter()
        .map(|s| {
            let origin = s.train.len();
            let values = s.train.iter().chain(&s.test).map(|&v| Some(v)).collect();
            EvalSeries {
                id: s.id,
                values,
                step_seconds: 3600,
                start_unix: None,
                season: set.season,
                origins: vec![origin],
            }
        })
        .collect();
    EvalSet {
        dataset: name.to_string(),
        horizon: set.horizon,
        series,
    }
}

/// CSV traces with `origins` windows of `horizon` steps held out at the end, each series cut to
/// its last `max_history + origins × horizon` steps.
pub fn from_traces(
    name: &str,
    traces: Vec<Series>,
    horizon: usize,
    origins: usize,
    max_history: usize,
) -> EvalSet {
    let series = traces
        .into_iter()
        .filter_map(|s| {
            let held_out = origins * horizon;
            let keep = max_history + held_out;
            let values: Vec<Option<f64>> = s.values[s.values.len().saturating_sub(keep)..].to_vec();
            let n = values.len();
            let cut = s.values.len() - n;
            if n <= held_out + 2 * horizon {
                tracing::warn!(series = %s.name, "too short to evaluate at this horizon: skipped");
                return None;
            }
            let season = daily_season(s.step_seconds);
            Some(EvalSeries {
                id: s.name,
                origins: (1..=origins).rev().map(|i| n - i * horizon).collect(),
                start_unix: s
                    .absolute
                    .then(|| s.start + cut as i64 * i64::from(s.step_seconds)),
                step_seconds: s.step_seconds,
                season,
                values,
            })
        })
        .collect();
    EvalSet {
        dataset: name.to_string(),
        horizon,
        series,
    }
}

/// m of MASE for a trace: one day in steps, a week for daily steps (weekdays are the cycle of
/// daily demand), 1 when the step does not divide a day.
fn daily_season(step: u32) -> usize {
    match day_in_steps(step) {
        Some(day) => day,
        None if step == 86_400 => 7,
        None => 1,
    }
}

/// The JSON of `evaluate --json`.
#[derive(Debug, Serialize)]
pub struct EvalReport {
    pub dataset: String,
    pub series: usize,
    pub horizon: usize,
    pub models: Vec<ModelResult>,
}

/// One model's scores, averaged over series-origins.
#[derive(Debug, Serialize)]
pub struct ModelResult {
    pub model: String,
    pub mase: Option<f64>,
    pub smape: Option<f64>,
    pub coverage_95: Option<f64>,
    /// Mean wall time of one fit + forecast (model choice and calibration included), one core.
    pub fit_predict_seconds: f64,
    pub series_scored: usize,
    /// What the automatic choice picked, and how often.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub chosen: Vec<(String, usize)>,
}

/// Scores of one series-origin.
struct OriginScore {
    mase: Option<f64>,
    smape: Option<f64>,
    coverage: Option<f64>,
    seconds: f64,
    chosen: String,
}

/// Evaluates `model` ("auto" = the engine's automatic choice; otherwise the engine restricted
/// to candidates whose name starts with it) on every series and origin.
pub fn evaluate(set: &EvalSet, model: &str) -> ModelResult {
    let config = EngineConfig {
        models: (model != "auto").then(|| vec![model.to_string()]),
        ..EngineConfig::default()
    };
    let engine = Engine::new(config);
    let scores: Vec<OriginScore> = set
        .series
        .par_iter()
        .flat_map_iter(|s| {
            s.origins
                .iter()
                .filter_map(|&o| score_origin(&engine, s, o, set.horizon))
                .collect::<Vec<_>>()
        })
        .collect();
    summarize(model, &scores)
}

fn score_origin(
    engine: &Engine,
    s: &EvalSeries,
    origin: usize,
    horizon: usize,
) -> Option<OriginScore> {
    let train = &s.values[..origin];
    let actual = &s.values[origin..(origin + horizon).min(s.values.len())];
    let history = History {
        values: train,
        step_seconds: s.step_seconds,
        start_unix: s.start_unix,
        events: None,
    };
    let watch = Stopwatch::start();
    let fitted = match engine.fit(&history, horizon) {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(series = %s.id, origin, "not forecast: {e}");
            return None;
        }
    };
    let forecast = fitted.forecast(horizon);
    let seconds = watch.seconds();
    let scale = accuracy::mase_scale(train, s.season);
    let coverage = match (forecast.quantile(0.025), forecast.quantile(0.975)) {
        (Some(lo), Some(hi)) => accuracy::coverage(actual, lo, hi),
        _ => None,
    };
    Some(OriginScore {
        mase: scale.and_then(|sc| accuracy::mase(actual, &forecast.point, sc)),
        smape: accuracy::smape(actual, &forecast.point),
        coverage,
        seconds,
        chosen: fitted.model,
    })
}

fn summarize(model: &str, scores: &[OriginScore]) -> ModelResult {
    let mean = |xs: Vec<f64>| (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64);
    let mut chosen: Vec<(String, usize)> = Vec::new();
    for s in scores {
        match chosen.iter_mut().find(|(name, _)| *name == s.chosen) {
            Some((_, n)) => *n += 1,
            None => chosen.push((s.chosen.clone(), 1)),
        }
    }
    chosen.sort_by_key(|c| std::cmp::Reverse(c.1));
    ModelResult {
        model: if model == "auto" {
            "prescale-auto".into()
        } else {
            format!("prescale-{model}")
        },
        mase: mean(scores.iter().filter_map(|s| s.mase).collect()),
        smape: mean(scores.iter().filter_map(|s| s.smape).collect()),
        coverage_95: mean(scores.iter().filter_map(|s| s.coverage).collect()),
        fit_predict_seconds: mean(scores.iter().map(|s| s.seconds).collect()).unwrap_or(0.0),
        series_scored: scores.len(),
        chosen,
    }
}

/// Writes the set for `bench/peers.py`: `manifest.json` and one `series/<i>.csv` per series.
///
/// A series file has a `value` column, one value per line, empty = unknown: the values scored
/// and the MASE scale, as `evaluate` reads them. When a training part has unknown values after
/// its first known one, the file also has one `train_<origin>` column per origin: the training
/// part filled exactly as the engine fills it before fitting (same [`fill_gaps`], same period),
/// empty before the leading unknowns it drops and from the origin on, so that the peers fit on
/// the same series the engine does (they refuse gaps). An origin whose training part cannot be
/// filled (nothing known) gets an empty column: the engine does not forecast it either.
pub fn export(set: &EvalSet, dir: &Path) -> std::io::Result<()> {
    let series_dir = dir.join("series");
    std::fs::create_dir_all(&series_dir)?;
    let mut entries = Vec::new();
    for (i, s) in set.series.iter().enumerate() {
        let file = format!("series/{i:05}.csv");
        let trains = filled_training_parts(s);
        let mut w = std::io::BufWriter::new(std::fs::File::create(dir.join(&file))?);
        write!(w, "value")?;
        for (origin, _) in &trains {
            write!(w, ",train_{origin}")?;
        }
        writeln!(w)?;
        for (t, v) in s.values.iter().enumerate() {
            if let Some(x) = v {
                write!(w, "{x}")?;
            }
            for (_, train) in &trains {
                w.write_all(b",")?;
                if let Some(x) = train.get(t).copied().flatten() {
                    write!(w, "{x}")?;
                }
            }
            writeln!(w)?;
        }
        w.flush()?;
        entries.push(serde_json::json!({
            "id": s.id,
            "file": file,
            "step_seconds": s.step_seconds,
            "start_unix": s.start_unix,
            "season": s.season,
            "origins": s.origins,
        }));
    }
    let manifest = serde_json::json!({
        "dataset": set.dataset,
        "horizon": set.horizon,
        "series": entries,
    });
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_vec_pretty(&manifest)?,
    )
}

/// Per origin, the training part as the engine fills it, aligned with the series (`None` where
/// the engine drops leading unknowns); nothing when no training part has a gap to fill.
fn filled_training_parts(s: &EvalSeries) -> Vec<(usize, Vec<Option<f64>>)> {
    let last = s
        .origins
        .iter()
        .copied()
        .max()
        .unwrap_or(0)
        .min(s.values.len());
    let has_gap = s.values[..last]
        .iter()
        .skip_while(|v| v.is_none())
        .any(Option::is_none);
    if !has_gap {
        return Vec::new();
    }
    // The engine's gap-filling period (`Engine::fit`): one day in steps.
    let period = day_in_steps(s.step_seconds);
    s.origins
        .iter()
        .map(|&o| {
            let o = o.min(s.values.len());
            let column = match fill_gaps(&s.values[..o], period) {
                Ok((filled, dropped)) => std::iter::repeat_n(None, dropped)
                    .chain(filled.into_iter().map(Some))
                    .collect(),
                Err(_) => Vec::new(),
            };
            (o, column)
        })
        .collect()
}

/// The report as a readable table.
pub fn table(report: &EvalReport) -> String {
    use std::fmt::Write as _;
    let mut out = format!(
        "{}: {} series, horizon {}\n  {:<22} {:>8} {:>8} {:>8} {:>12} {:>8}\n",
        report.dataset,
        report.series,
        report.horizon,
        "model",
        "MASE",
        "sMAPE",
        "cov95%",
        "ms/series",
        "scored"
    );
    let f = |x: Option<f64>, k: f64| x.map_or("—".to_string(), |v| format!("{:.3}", v * k));
    for m in &report.models {
        let _ = writeln!(
            out,
            "  {:<22} {:>8} {:>8} {:>8} {:>12.3} {:>8}",
            m.model,
            f(m.mase, 1.0),
            f(m.smape, 1.0),
            f(m.coverage_95, 100.0),
            m.fit_predict_seconds * 1000.0,
            m.series_scored
        );
        let top: Vec<String> = m
            .chosen
            .iter()
            .take(5)
            .map(|(n, c)| format!("{n} ×{c}"))
            .collect();
        if m.chosen.len() > 1 {
            let _ = writeln!(out, "    chosen: {}", top.join(", "));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The training part of `origin` as `bench/peers.py` reads an export: the `train_<origin>`
    /// column when there is one, else `value`, up to the origin, leading empty cells dropped.
    fn peer_training_part(file: &str, origin: usize) -> Vec<Option<f64>> {
        let mut lines = file.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let col = header
            .iter()
            .position(|h| *h == format!("train_{origin}"))
            .unwrap_or(0);
        let cells: Vec<Option<f64>> = lines
            .take(origin)
            .map(|l| {
                let cell = l.split(',').nth(col).unwrap();
                (!cell.is_empty()).then(|| cell.parse().unwrap())
            })
            .collect();
        cells.into_iter().skip_while(Option::is_none).collect()
    }

    #[test]
    fn export_gives_the_peers_the_training_parts_the_engine_fits_on() {
        // 5-minute steps, a day of 288: a leading unknown, a short gap, a long gap (seasonal
        // fill) and a gap running into the second origin (continued, not interpolated).
        let mut values: Vec<Option<f64>> = (0..1200)
            .map(|t| Some(100.0 + 30.0 * (t as f64 * std::f64::consts::TAU / 288.0).sin()))
            .collect();
        values[0] = None;
        values[400] = None;
        values[600..700].iter_mut().for_each(|v| *v = None);
        values[1095..1100].iter_mut().for_each(|v| *v = None);
        values[1150] = None; // an unknown test value: stays unknown, not scored
        let set = EvalSet {
            dataset: "gaps".into(),
            horizon: 50,
            series: vec![EvalSeries {
                id: "s".into(),
                values: values.clone(),
                step_seconds: 300,
                start_unix: None,
                season: 288,
                origins: vec![1050, 1100, 1150],
            }],
        };
        let dir = tempfile::tempdir().unwrap();
        export(&set, dir.path()).unwrap();
        let file = std::fs::read_to_string(dir.path().join("series/00000.csv")).unwrap();
        for &o in &set.series[0].origins {
            let (filled, _) = fill_gaps(&values[..o], Some(288)).unwrap();
            let got = peer_training_part(&file, o);
            assert!(got.iter().all(Option::is_some), "origin {o} has a gap");
            let got: Vec<f64> = got.into_iter().flatten().collect();
            assert_eq!(got, filled, "origin {o}");
        }
        // The value column keeps unknowns unknown, for scoring.
        let row_1150 = file.lines().nth(1151).unwrap();
        assert_eq!(row_1150.split(',').next(), Some(""));
    }

    #[test]
    fn export_of_gap_free_series_has_only_the_value_column() {
        let set = EvalSet {
            dataset: "m4".into(),
            horizon: 2,
            series: vec![EvalSeries {
                id: "H1".into(),
                values: vec![None, Some(1.0), Some(2.5), Some(3.0), Some(4.0)],
                step_seconds: 3600,
                start_unix: None,
                season: 24,
                origins: vec![3],
            }],
        };
        let dir = tempfile::tempdir().unwrap();
        export(&set, dir.path()).unwrap();
        let file = std::fs::read_to_string(dir.path().join("series/00000.csv")).unwrap();
        assert_eq!(file, "value\n\n1\n2.5\n3\n4\n");
    }

    #[test]
    fn the_mase_season_of_a_trace_is_a_day_or_a_week_of_daily_steps() {
        assert_eq!(daily_season(300), 288);
        assert_eq!(daily_season(3600), 24);
        assert_eq!(daily_season(86_400), 7);
        assert_eq!(daily_season(7), 1);
    }
}
