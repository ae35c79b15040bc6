//! The chart of `prescale forecast`: the recent history, the point forecast and its calibrated
//! bands (95 % and 50 % when those quantiles exist), x in steps from the forecast origin.

use plotters::prelude::*;
use prescale_forecast::Forecast;
use std::path::Path;

use super::chart::DrawError;

const SIZE: (u32, u32) = (1100, 420);

/// Draws `history_tail` (the last values before the forecast) and `forecast` into `path`.
pub fn draw(
    path: &Path,
    title: &str,
    history_tail: &[Option<f64>],
    forecast: &Forecast,
) -> Result<(), DrawError> {
    let past = history_tail.len() as f64;
    let horizon = forecast.point.len() as f64;
    let top = history_tail
        .iter()
        .flatten()
        .chain(forecast.quantile(0.975).unwrap_or(&forecast.point))
        .chain(&forecast.point)
        .fold(0.0f64, |a, &b| a.max(b))
        * 1.05;
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(-past..horizon, 0.0..top.max(1e-9))?;
    chart
        .configure_mesh()
        .x_desc("steps from the forecast origin")
        .y_desc("demand")
        .draw()?;
    for (lo, hi, alpha, label) in [
        (0.025, 0.975, 0.15, "95 % band"),
        (0.25, 0.75, 0.3, "50 % band"),
    ] {
        if let (Some(l), Some(h)) = (forecast.quantile(lo), forecast.quantile(hi)) {
            let upper = h.iter().enumerate().map(|(i, &v)| (i as f64 + 1.0, v));
            let lower = l
                .iter()
                .enumerate()
                .rev()
                .map(|(i, &v)| (i as f64 + 1.0, v));
            chart
                .draw_series(std::iter::once(Polygon::new(
                    upper.chain(lower).collect::<Vec<_>>(),
                    BLUE.mix(alpha),
                )))?
                .label(label)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 16, y + 5)], BLUE.mix(alpha).filled())
                });
        }
    }
    for segment in history_tail
        .iter()
        .enumerate()
        .collect::<Vec<_>>()
        .split(|(_, v)| v.is_none())
        .filter(|s| !s.is_empty())
    {
        chart.draw_series(LineSeries::new(
            segment
                .iter()
                .filter_map(|(i, v)| v.map(|v| (*i as f64 - past + 1.0, v))),
            BLACK.stroke_width(2),
        ))?;
    }
    chart
        .draw_series(LineSeries::new(
            forecast
                .point
                .iter()
                .enumerate()
                .map(|(i, &v)| (i as f64 + 1.0, v)),
            RGBColor(213, 94, 0).stroke_width(2),
        ))?
        .label("point forecast")
        .legend(|(x, y)| {
            PathElement::new(
                vec![(x, y), (x + 16, y)],
                RGBColor(213, 94, 0).stroke_width(2),
            )
        });
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE.mix(0.8))
        .draw()?;
    root.present()?;
    Ok(())
}
