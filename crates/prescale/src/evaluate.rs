//! `prescale evaluate`: forecast accuracy on a data set, scored as the M4 competition scores it,
//! and the export that lets the Python peers (`bench/peers.py`) run on exactly the same series,
//! origins and horizons.
//!
//! Protocol. M4 folders: each series' training file is the history, its test file the next
//! `horizon` values, one origin. CSV traces: the last `origins × horizon` steps are held out in
//! `origins` consecutive windows; at each origin a model sees only the steps before it. MASE is
//! scaled by the mean absolute seasonal difference of the training part, with m = one day in
//! steps for traces (24 for M4 hourly). Unknown test values are not scored.

use crate::timing::Stopwatch;
use prescale_core::Series;
use prescale_forecast::accuracy;
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

fn daily_season(step: u32) -> usize {
    if step > 0 && step < 86_400 && 86_400 % step == 0 {
        (86_400 / step) as usize
    } else if step == 86_400 {
        7
    } else {
        1
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

/// Writes the set for `bench/peers.py`: `manifest.json` and one `series/<id>.csv` per series
/// (header `value`, one value per line, empty = unknown).
pub fn export(set: &EvalSet, dir: &Path) -> std::io::Result<()> {
    let series_dir = dir.join("series");
    std::fs::create_dir_all(&series_dir)?;
    let mut entries = Vec::new();
    for (i, s) in set.series.iter().enumerate() {
        let file = format!("series/{i:05}.csv");
        let mut w = std::io::BufWriter::new(std::fs::File::create(dir.join(&file))?);
        writeln!(w, "value")?;
        for v in &s.values {
            match v {
                Some(x) => writeln!(w, "{x}")?,
                None => writeln!(w)?,
            }
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
