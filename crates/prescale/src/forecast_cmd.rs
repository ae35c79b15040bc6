//! `prescale forecast`: one trace's forecast with its quantiles, as a table or JSON, and a chart.

use anyhow::{bail, Context, Result};
use prescale_forecast::events::EventCalendar;
use prescale_forecast::{Engine, History};
use prescale_sim::trace::{self, LoadOptions};
use std::path::Path;

/// What `prescale forecast` was asked.
pub struct Request<'a> {
    pub file: &'a Path,
    pub column: Option<&'a str>,
    pub step: Option<u32>,
    pub horizon: usize,
    pub json: bool,
    pub chart: &'a Path,
    pub events: Option<&'a Path>,
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
    let history = History {
        values: &series.values,
        step_seconds: series.step_seconds,
        start_unix: series.absolute.then_some(series.start),
        events: calendar.as_ref(),
    };
    let fitted = Engine::default()
        .fit(&history, horizon)
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
            "step_seconds": series.step_seconds,
            "point": forecast.point,
            "quantiles": quantiles,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        println!("{}: model {}", series.name, fitted.model);
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
