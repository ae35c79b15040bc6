//! `prescale forecast`: one trace's forecast with its quantiles, as a table or JSON, and a chart.
//!
//! Leading indicators (`--indicator FILE`): every series of the file is loaded like the trace
//! and placed on the trace's grid by time (same step required; a start between grid points
//! goes to the nearest one). Steps the indicator does not cover are unknown; the engine uses it
//! only if a lead is found and beats the backtest, and the chosen model's name then says which
//! indicator and lag (`lead(upstream@6)+snaive-288`).

use anyhow::{bail, Context, Result};
use prescale_core::Series;
use prescale_forecast::events::EventCalendar;
use prescale_forecast::leading::Indicator;
use prescale_forecast::{Engine, History};
use prescale_sim::trace::{self, LoadOptions};
use std::path::{Path, PathBuf};

/// What `prescale forecast` was asked.
pub struct Request<'a> {
    pub file: &'a Path,
    pub column: Option<&'a str>,
    pub step: Option<u32>,
    pub horizon: usize,
    pub json: bool,
    pub chart: &'a Path,
    pub events: Option<&'a Path>,
    /// Traces that may lead this one.
    pub indicators: &'a [PathBuf],
}

pub fn run(req: &Request<'_>) -> Result<()> {
    let Request {
        file,
        column,
        step,
        horizon,
        json,
        chart,
        events,
        indicators,
    } = *req;
    let calendar = match events {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            Some(EventCalendar::from_yaml(
                &path.display().to_string(),
                &text,
            )?)
        }
        None => None,
    };
    let opts = LoadOptions {
        columns: column.map(|c| vec![c.to_string()]).unwrap_or_default(),
        step_seconds: step,
        ..LoadOptions::default()
    };
    let mut loaded = trace::load_paths(&[file.to_path_buf()], &opts)?;
    if loaded.len() != 1 {
        bail!(
            "{} holds {} series: pick one with --column",
            file.display(),
            loaded.len()
        );
    }
    let series = loaded.remove(0).series;
    let leading = load_indicators(indicators, step, &series)?;
    let leading_refs: Vec<Indicator<'_>> = leading
        .iter()
        .map(|(name, values)| Indicator { name, values })
        .collect();
    let history = History {
        values: &series.values,
        step_seconds: series.step_seconds,
        start_unix: series.absolute.then_some(series.start),
        events: calendar.as_ref(),
    };
    let fitted = Engine::default()
        .fit_with_indicators(&history, horizon, &leading_refs)
        .with_context(|| format!("forecasting {}", series.name))?;
    let forecast = fitted.forecast(horizon);
    let tail = &series.values[series.values.len().saturating_sub((4 * horizon).max(96))..];
    let title = format!(
        "{}: {} (+{horizon} steps of {} s)",
        series.name, fitted.model, series.step_seconds
    );
    match crate::report::forecast_chart::draw(chart, &title, tail, &forecast) {
        Ok(()) => tracing::info!("chart written to {}", chart.display()),
        Err(e) => tracing::warn!("chart not written: {e}"),
    }
    if json {
        let quantiles: serde_json::Map<String, serde_json::Value> = forecast
            .quantiles
            .iter()
            .map(|(l, v)| (format!("{l}"), serde_json::json!(v)))
            .collect();
        let doc = serde_json::json!({
            "series": series.name,
            "model": fitted.model,
            "indicators": leading.iter().map(|(name, _)| name).collect::<Vec<_>>(),
            "step_seconds": series.step_seconds,
            "point": forecast.point,
            "quantiles": quantiles,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        println!("{}: model {}", series.name, fitted.model);
        if !leading.is_empty() && !fitted.model.contains("lead(") {
            println!("  indicators not used: no lead found, or no gain in the backtest");
        }
        for (h, p) in forecast.point.iter().enumerate() {
            let qs: Vec<String> = forecast
                .quantiles
                .iter()
                .map(|(l, v)| format!("q{l}={:.2}", v[h]))
                .collect();
            println!("  +{:>4}  {:>10.2}  {}", h + 1, p, qs.join("  "));
        }
    }
    Ok(())
}

/// Every series of the indicator files, on the target's grid: `values[i]` at the time of the
/// target's step `i`, `None` where the indicator has no value.
fn load_indicators(
    paths: &[PathBuf],
    step: Option<u32>,
    target: &Series,
) -> Result<Vec<(String, Vec<Option<f64>>)>> {
    let opts = LoadOptions {
        step_seconds: step,
        ..LoadOptions::default()
    };
    let mut out = Vec::new();
    for path in paths {
        let loaded = trace::load_paths(std::slice::from_ref(path), &opts)
            .with_context(|| format!("reading indicator {}", path.display()))?;
        for series in loaded.into_iter().map(|l| l.series) {
            out.push((series.name.clone(), align(&series, target, path)?));
        }
    }
    Ok(out)
}

/// `indicator` placed on `target`'s grid; errors name the indicator's file.
fn align(indicator: &Series, target: &Series, path: &Path) -> Result<Vec<Option<f64>>> {
    if indicator.step_seconds != target.step_seconds {
        bail!(
            "indicator {} has a step of {} s, the forecast trace {} s: they must share a step \
             (resample one, or force both with --step)",
            path.display(),
            indicator.step_seconds,
            target.step_seconds
        );
    }
    if indicator.absolute != target.absolute {
        bail!(
            "indicator {}: its times cannot be matched with the forecast trace's (one has dates \
             or Unix times, the other offsets from an unknown origin)",
            path.display()
        );
    }
    let step = f64::from(target.step_seconds);
    // Index of the target's step 0 in the indicator's grid, to the nearest step.
    let shift = ((target.start - indicator.start) as f64 / step).round() as i64;
    let values: Vec<Option<f64>> = (0..target.values.len())
        .map(|i| {
            usize::try_from(i as i64 + shift)
                .ok()
                .and_then(|j| indicator.values.get(j).copied().flatten())
        })
        .collect();
    if values.iter().all(Option::is_none) {
        bail!(
            "indicator {} has no value in the time span of the forecast trace",
            path.display()
        );
    }
    Ok(values)
}
