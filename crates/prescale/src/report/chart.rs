//! SVG charts of one trace: demand in instances against each policy's ready capacity.
//!
//! A trace can have 90 000 steps, far more than a chart has pixels, so the overview groups
//! consecutive steps into at most [`OVERVIEW_BUCKETS`] buckets. Demand keeps each bucket's
//! **maximum** and capacity its **minimum**: the reduction can only exaggerate a shortfall, never
//! average one away, so under-provisioning stays visible. Unknown demand is a break in the line
//! (a bucket with no known step is unknown), never a zero. The peak chart shows the two days
//! around the demand peak at full resolution (for steps of a minute or longer), where boot lag
//! and stabilization can be seen. Lines are drawn as stairs: each value holds for its whole step
//! or bucket, as in the simulator.

use std::error::Error;
use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::outcome::TraceOutcome;

/// Whatever the plotting library reports.
pub(super) type DrawError = Box<dyn Error + Send + Sync>;

/// Most buckets per line in the overview: about one per pixel column.
pub(super) const OVERVIEW_BUCKETS: usize = 1500;
/// Most buckets per line in the peak chart: two days of one-minute steps fit unreduced.
const PEAK_BUCKETS: usize = 3000;
const PEAK_WINDOW_SECONDS: f64 = 2.0 * 86_400.0;
const SIZE: (u32, u32) = (1100, 420);
/// Right-hand strip holding the legend, so that it never covers a line.
const LEGEND_WIDTH: u32 = 200;
/// Longest legend label; the table below the chart has the full name.
const MAX_LABEL: usize = 22;
const MAX_CAPTION: usize = 90;
const FONT: &str = "sans-serif";
/// Okabe–Ito colours (told apart with common colour blindness; black is kept for demand).
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(136, 34, 85),
];

/// How the steps of one bucket become one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reduce {
    /// The largest known value (demand: keep peaks).
    Max,
    /// The smallest known value (capacity: keep dips).
    Min,
}

/// Steps `start..end` (indices into the input) drawn as one value; `None` when none is known.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Bucket {
    pub start: usize,
    pub end: usize,
    pub value: Option<f64>,
}

/// Groups `values` into at most `max_buckets` buckets of equal width (the last may be shorter),
/// each reduced with `reduce` over its known values. One bucket per step when they fit.
pub(super) fn downsample(
    values: &[Option<f64>],
    max_buckets: usize,
    reduce: Reduce,
) -> Vec<Bucket> {
    let width = values.len().div_ceil(max_buckets.max(1)).max(1);
    let pick = move |a: f64, b: f64| match reduce {
        Reduce::Max => a.max(b),
        Reduce::Min => a.min(b),
    };
    values
        .chunks(width)
        .enumerate()
        .map(|(i, chunk)| Bucket {
            start: i * width,
            end: i * width + chunk.len(),
            value: chunk.iter().flatten().copied().reduce(pick),
        })
        .collect()
}

/// The steps a chart shows and how a step index maps onto its x axis.
#[derive(Debug, Clone)]
struct Window {
    steps: Range<usize>,
    max_buckets: usize,
    step_seconds: f64,
    /// Seconds since the series start that sit at x = 0.
    origin: f64,
    /// Seconds per x unit (a day or an hour).
    unit: f64,
    caption: String,
    x_label: String,
}

impl Window {
    /// x coordinate of the start of step `steps.start + offset`.
    fn x(&self, offset: usize) -> f64 {
        ((self.steps.start + offset) as f64 * self.step_seconds - self.origin) / self.unit
    }
}

/// One named line, broken into segments wherever its value is unknown.
#[derive(Debug, Clone)]
struct Line {
    label: String,
    colour: RGBColor,
    width: u32,
    segments: Vec<Vec<(f64, f64)>>,
}

/// The whole trace, downsampled, in days.
pub(super) fn overview(outcome: &TraceOutcome) -> Result<String, DrawError> {
    let series = &outcome.series;
    let since = if series.absolute {
        super::utc_label(series.start)
    } else {
        "start".to_string()
    };
    let window = Window {
        steps: 0..series.len(),
        max_buckets: OVERVIEW_BUCKETS,
        step_seconds: series.step(),
        origin: 0.0,
        unit: 86_400.0,
        caption: format!(
            "{}: demand and ready capacity",
            short(&series.name, MAX_CAPTION)
        ),
        x_label: format!("days since {since}"),
    };
    draw(&window, &lines(outcome, &window))
}

/// Two days around the demand peak in hours from the peak; `None` when no demand is known.
pub(super) fn peak(outcome: &TraceOutcome) -> Option<Result<String, DrawError>> {
    let window = peak_window(outcome)?;
    Some(draw(&window, &lines(outcome, &window)))
}

fn peak_window(outcome: &TraceOutcome) -> Option<Window> {
    let series = &outcome.series;
    let peak = peak_step(&series.values)?;
    let len = series.len();
    let width = ((PEAK_WINDOW_SECONDS / series.step()).ceil() as usize).clamp(1, len);
    // Centred on the peak, shifted inwards near either end so the window stays two days wide.
    let start = peak.saturating_sub(width / 2).min(len - width);
    let peak_at = peak as f64 * series.step();
    Some(Window {
        steps: start..start + width,
        max_buckets: PEAK_BUCKETS,
        step_seconds: series.step(),
        origin: peak_at,
        unit: 3_600.0,
        caption: format!(
            "{}: two days around the demand peak",
            short(&series.name, MAX_CAPTION)
        ),
        x_label: format!("hours from the demand peak (day {:.2})", peak_at / 86_400.0),
    })
}

/// Index of the first largest known value.
fn peak_step(values: &[Option<f64>]) -> Option<usize> {
    values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .reduce(|best, next| if next.1 > best.1 { next } else { best })
        .map(|(i, _)| i)
}

/// Demand first (the legend's order), then each policy in table order.
fn lines(outcome: &TraceOutcome, window: &Window) -> Vec<Line> {
    let mut lines = vec![demand_line(outcome, window)];
    for (i, policy) in outcome.policies.iter().enumerate() {
        let run = &policy.run;
        let end = window.steps.end.min(run.serving_min.len());
        let start = window.steps.start.min(end);
        let values: Vec<Option<f64>> = run.serving_min[start..end]
            .iter()
            .map(|&c| Some(c))
            .collect();
        lines.push(Line {
            label: short(&run.policy, MAX_LABEL),
            colour: PALETTE[i % PALETTE.len()],
            width: 2,
            segments: stairs(
                &downsample(&values, window.max_buckets, Reduce::Min),
                window,
            ),
        });
    }
    lines
}

fn demand_line(outcome: &TraceOutcome, window: &Window) -> Line {
    // Outcomes always carry a positive capacity; the guard only keeps a broken one from
    // filling the chart with infinities.
    let per_instance = if outcome.capacity_per_instance > 0.0 {
        outcome.capacity_per_instance
    } else {
        1.0
    };
    let values: Vec<Option<f64>> = outcome.series.values[window.steps.clone()]
        .iter()
        .map(|v| v.map(|demand| demand / per_instance))
        .collect();
    Line {
        label: "demand".to_string(),
        colour: BLACK,
        width: 3,
        segments: stairs(
            &downsample(&values, window.max_buckets, Reduce::Max),
            window,
        ),
    }
}

/// Each known bucket becomes a horizontal run over its steps; unknown buckets end a segment.
fn stairs(buckets: &[Bucket], window: &Window) -> Vec<Vec<(f64, f64)>> {
    let mut segments = Vec::new();
    let mut current = Vec::new();
    for bucket in buckets {
        match bucket.value {
            Some(v) => current.extend([(window.x(bucket.start), v), (window.x(bucket.end), v)]),
            None if !current.is_empty() => segments.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        segments.push(current);
    }
    segments
}

fn draw(window: &Window, lines: &[Line]) -> Result<String, DrawError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        let body = root.titled(&window.caption, (FONT, 20))?;
        let (plot, legend) = body.split_horizontally(SIZE.0 - LEGEND_WIDTH);
        plot_lines(&plot, window, lines)?;
        draw_legend(&legend, lines)?;
        root.present()?;
    }
    Ok(svg)
}

fn plot_lines(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    window: &Window,
    lines: &[Line],
) -> Result<(), DrawError> {
    let x_end = window.x(window.steps.len());
    let x_range = if x_end > window.x(0) {
        window.x(0)..x_end
    } else {
        0.0..1.0
    };
    let (x_span, y_span) = (x_range.end - x_range.start, y_top(lines));
    let x_tick = |x: &f64| tick_label(*x, x_span);
    let y_tick = |y: &f64| tick_label(*y, y_span);
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .x_label_area_size(48)
        .y_label_area_size(60)
        .build_cartesian_2d(x_range, 0.0..y_span)?;
    chart
        .configure_mesh()
        .x_desc(window.x_label.as_str())
        .y_desc("instances")
        .x_label_formatter(&x_tick)
        .y_label_formatter(&y_tick)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .light_line_style(BLACK.mix(0.04))
        .bold_line_style(BLACK.mix(0.12))
        .draw()?;
    // Reverse order puts demand, the first line, on top of every capacity line.
    for line in lines.iter().rev() {
        let style = line.colour.stroke_width(line.width);
        for segment in &line.segments {
            chart.draw_series(LineSeries::new(segment.iter().copied(), style))?;
        }
    }
    Ok(())
}

/// Headroom above the highest value so that a line at the maximum is not drawn on the frame.
fn y_top(lines: &[Line]) -> f64 {
    let highest = lines
        .iter()
        .flat_map(|line| line.segments.iter().flatten())
        .map(|&(_, y)| y)
        .filter(|y| y.is_finite())
        .fold(0.0, f64::max);
    (highest * 1.08).max(1.0)
}

fn draw_legend(area: &DrawingArea<SVGBackend<'_>, Shift>, lines: &[Line]) -> Result<(), DrawError> {
    for (i, line) in lines.iter().enumerate() {
        let y = 30 + 24 * i as i32;
        let style = line.colour.stroke_width(line.width);
        area.draw(&PathElement::new(vec![(12, y), (44, y)], style))?;
        area.draw(&Text::new(line.label.clone(), (52, y - 8), (FONT, 15)))?;
    }
    Ok(())
}

/// A tick value with as few decimals as its axis needs ("20", not "20.0", on a 60-day axis).
fn tick_label(value: f64, span: f64) -> String {
    let decimals = match span {
        s if s >= 10.0 => 0,
        s if s >= 1.0 => 1,
        _ => 2,
    };
    // Adding 0.0 turns a -0.0 tick into "0".
    format!("{:.decimals$}", value + 0.0)
}

/// `text` cut to `max` characters, with an ellipsis when cut.
fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::{outcome, sample};

    const VALUES: [Option<f64>; 7] = [
        Some(1.0),
        Some(5.0),
        Some(2.0),
        Some(3.0),
        None,
        Some(4.0),
        Some(9.0),
    ];

    fn values(buckets: &[Bucket]) -> Vec<Option<f64>> {
        buckets.iter().map(|b| b.value).collect()
    }

    #[test]
    fn demand_buckets_keep_their_maximum() {
        let buckets = downsample(&VALUES, 3, Reduce::Max);
        assert_eq!(values(&buckets), [Some(5.0), Some(4.0), Some(9.0)]);
        let spans: Vec<_> = buckets.iter().map(|b| (b.start, b.end)).collect();
        assert_eq!(spans, [(0, 3), (3, 6), (6, 7)]);
    }

    #[test]
    fn capacity_buckets_keep_their_minimum() {
        assert_eq!(
            values(&downsample(&VALUES, 3, Reduce::Min)),
            [Some(1.0), Some(3.0), Some(9.0)]
        );
    }

    #[test]
    fn a_bucket_without_a_known_step_is_unknown() {
        let input = [Some(1.0), None, None, Some(2.0)];
        assert_eq!(
            values(&downsample(&input, 2, Reduce::Max)),
            [Some(1.0), Some(2.0)]
        );
        assert_eq!(values(&downsample(&input, 4, Reduce::Max)), input);
        assert_eq!(
            values(&downsample(&[None, None, Some(3.0)], 2, Reduce::Max)),
            [None, Some(3.0)]
        );
    }

    #[test]
    fn downsampling_returns_at_most_n_contiguous_buckets() {
        for len in 0..60 {
            let input: Vec<_> = (0..len).map(|i| Some(f64::from(i))).collect();
            for n in 1..12 {
                let buckets = downsample(&input, n, Reduce::Min);
                assert!(buckets.len() <= n, "{len} steps into {n}");
                let mut next = 0;
                for bucket in &buckets {
                    assert_eq!(bucket.start, next);
                    next = bucket.end;
                }
                assert_eq!(next, len as usize);
            }
        }
    }

    #[test]
    fn unknown_demand_breaks_the_line_instead_of_dropping_to_zero() {
        let trace = sample();
        let window = Window {
            steps: 0..trace.series.len(),
            max_buckets: OVERVIEW_BUCKETS,
            step_seconds: 3_600.0,
            origin: 0.0,
            unit: 3_600.0,
            caption: String::new(),
            x_label: String::new(),
        };
        let demand = demand_line(&trace, &window);
        assert_eq!(demand.segments.len(), 2);
        assert_eq!(demand.segments[0].last().map(|p| p.0), Some(30.0));
        assert_eq!(demand.segments[1].first().map(|p| p.0), Some(34.0));
        assert!(demand.segments.iter().flatten().all(|&(_, y)| y >= 10.0));
    }

    #[test]
    fn demand_is_shown_in_instances() {
        let trace = outcome("t", vec![Some(35.0), Some(70.0)], 60);
        let window = peak_window(&trace).unwrap();
        let points: Vec<f64> = demand_line(&trace, &window).segments[0]
            .iter()
            .map(|p| p.1)
            .collect();
        assert_eq!(points, [3.5, 3.5, 7.0, 7.0]);
    }

    #[test]
    fn the_peak_chart_spans_two_days_centred_on_the_peak() {
        let mut values = vec![Some(1.0); 240];
        values[100] = Some(50.0);
        let window = peak_window(&outcome("t", values, 3_600)).unwrap();
        assert_eq!(window.steps, 76..124);
        assert_eq!(window.x(24), 0.0);
    }

    #[test]
    fn the_peak_chart_stays_inside_the_series() {
        let mut values = vec![Some(1.0); 240];
        values[230] = Some(50.0);
        assert_eq!(
            peak_window(&outcome("t", values.clone(), 3_600))
                .unwrap()
                .steps,
            192..240
        );
        values.truncate(24);
        assert_eq!(
            peak_window(&outcome("t", values, 3_600)).unwrap().steps,
            0..24
        );
    }

    #[test]
    fn ticks_have_as_few_decimals_as_the_axis_needs() {
        assert_eq!(tick_label(20.0, 60.0), "20");
        assert_eq!(tick_label(-0.0, 60.0), "0");
        assert_eq!(tick_label(1.5, 3.0), "1.5");
        assert_eq!(tick_label(0.25, 0.5), "0.25");
    }

    #[test]
    fn the_chart_has_a_legend_entry_per_policy() {
        let svg = overview(&sample()).unwrap();
        for label in [
            "demand",
            "oracle",
            "reactive",
            "a&lt;b&amp;c",
            "days since 2024-03-01",
        ] {
            assert!(svg.contains(label), "{label}");
        }
    }
}
