//! Refresh throughput of the forecasting engine, for the target "model selection and refits
//! cheap enough that 10 000 series can be refreshed within a 60 s control interval on 2 cores".
//!
//! ```sh
//! cargo run --release -p prescale --example refresh -- ../shared/data/m4-hourly --series 10000 \
//!     [--threads 2] [--horizon 48] [--ticks 48] [--every 24]
//! cargo run --release -p prescale --example refresh -- ../shared/data/nab --window 2016 --ticks 24
//! ```
//!
//! Series: the M4 training series (their test values are the actuals that arrive tick by tick),
//! or CSV traces cut into windows of `--window` steps of history followed by `--ticks` actuals.
//! They are cycled to `--series` series, each copy scaled by its own factor (1, 1.01, 1.02, …)
//! so that no two series hold the same values.
//!
//! Phase 1, full refresh: `Engine::fit` + `forecast` for every series (model choice by backtest,
//! calibration, fit) on a pool of `--threads` threads.
//!
//! Phase 2, steady ticks: every series is served by the tracker's `ForecastCache`, with a refit
//! schedule of `--every` steps (a day by default). In steady state the series were fitted at
//! different times, so their fit origins are staggered over one schedule period: series i is
//! fitted in phase 1 on its history without the last `1 + i mod every` steps, which are then
//! replayed as untimed ticks (drift refits included). Each timed tick then
//! 1. records the actual of the step that just ended against the horizon-1 forecast served for
//!    it (error trackers, drift test, level correction);
//! 2. asks the cache which series are due (schedule, drift, level shift) and refits only those,
//!    in parallel, on the history up to now;
//! 3. serves a `--horizon`-step forecast for every series from the cache.
//!
//! The series are split into one cache per thread (a cache is a single-threaded structure), so
//! steps 1 and 3 run in parallel too.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use prescale_forecast::accuracy::mase_scale;
use prescale_forecast::seasonality::day_in_steps;
use prescale_forecast::tracker::{CacheConfig, ForecastCache, Observation, RefitReason};
use prescale_forecast::{Engine, EngineConfig, FittedForecaster, Forecast, History};
use prescale_sim::trace::{self, LoadOptions};
use rayon::prelude::*;

/// Wall-clock stopwatch. The workspace bans `Instant::now` (clippy.toml) so that time is read
/// through one place; the binary's `timing.rs` is that place, but an example cannot import the
/// binary's modules, so this copies its three lines.
struct Stopwatch(std::time::Instant);

impl Stopwatch {
    #[allow(clippy::disallowed_methods)] // the same wrapper as crates/prescale/src/timing.rs
    fn start() -> Self {
        Self(std::time::Instant::now())
    }

    fn seconds(&self) -> f64 {
        self.0.elapsed().as_secs_f64()
    }
}

#[derive(Parser)]
#[command(about = "Refresh throughput: full refits, then cached forecasts with due refits only")]
// bench/refresh.sh passes defaults first: a later --series or --threads replaces them.
#[command(args_override_self = true)]
struct Args {
    /// An M4 folder (`Hourly-train.csv` + `Hourly-test.csv`), or CSV trace files and folders.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Series to refresh (the loaded ones are cycled, each copy scaled slightly).
    #[arg(long, default_value_t = 10_000)]
    series: usize,
    /// Threads of the pool.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Steps forecast at every refresh.
    #[arg(long, default_value_t = 48)]
    horizon: usize,
    /// Timed ticks of phase 2 (at most the actuals available: 48 for M4 hourly).
    #[arg(long, default_value_t = 48)]
    ticks: usize,
    /// Scheduled refit every this many steps (default: one day in steps, else 24).
    #[arg(long)]
    every: Option<u64>,
    /// CSV traces: steps of history per window (each window is followed by `--ticks` actuals).
    #[arg(long, default_value_t = 2016)]
    window: usize,
    /// CSV traces: steps between window starts (default: windows side by side when that gives
    /// `--series` windows, else overlapping ones spread to give about that many).
    #[arg(long)]
    stride: Option<usize>,
    /// Skip phase 2.
    #[arg(long)]
    no_ticks: bool,
}

/// One loaded series: its history, then the actuals that arrive during the ticks.
struct Base {
    values: Vec<Option<f64>>,
    /// Length of the history: the first tick is at this step.
    history: usize,
    step_seconds: u32,
    start_unix: Option<i64>,
}

/// One benchmarked series.
struct Bench {
    values: Vec<Option<f64>>,
    /// Step of the first tick (the history is `values[..first_tick]`).
    first_tick: usize,
    /// Step of the phase-1 fit: staggered before `first_tick` (see the module documentation).
    fit_origin: usize,
    step_seconds: u32,
    start_unix: Option<i64>,
    /// MASE scale of the history, for the error trackers.
    scale: f64,
}

impl Bench {
    fn history(&self, end: usize) -> History<'_> {
        History {
            values: &self.values[..end],
            step_seconds: self.step_seconds,
            start_unix: self.start_unix,
            events: None,
        }
    }
}

/// The horizon-1 forecast served for a step, kept until its actual arrives.
struct Served {
    step: usize,
    point: f64,
    quantiles: Vec<f64>,
}

/// One cache and the series it serves (series `id` lives in shard `id % shards`).
struct Shard {
    cache: ForecastCache<usize, FittedForecaster>,
    members: Vec<usize>,
    served: Vec<Option<Served>>,
    errors: usize,
}

/// What the timed ticks measured.
#[derive(Default)]
struct TickStats {
    seconds: Vec<f64>,
    refit_seconds: Vec<f64>,
    refits: Vec<usize>,
    scheduled: usize,
    drift: usize,
    other: usize,
    fit_errors: usize,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.series == 0 || args.threads == 0 || args.horizon == 0 {
        bail!("--series, --threads and --horizon must be at least 1");
    }
    let (label, bases) = load(&args)?;
    let ticks = if args.no_ticks {
        0
    } else {
        let available = bases
            .iter()
            .map(|b| b.values.len() - b.history)
            .min()
            .unwrap_or(0);
        args.ticks.min(available)
    };
    let step = bases.first().map_or(3600, |b| b.step_seconds);
    let every = args
        .every
        .unwrap_or_else(|| day_in_steps(step).map_or(24, |d| d as u64))
        .max(1);
    let benches = cycle(&bases, args.series, every);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()
        .context("building the thread pool")?;
    let engine = Engine::new(EngineConfig::default());
    let load_before = load_average();
    eprintln!(
        "refresh: {} series from {label}, horizon {}, {} threads, refit every {every} steps",
        benches.len(),
        args.horizon,
        args.threads
    );

    let (full_seconds, fitted) = pool.install(|| full_refresh(&engine, &benches, args.horizon));
    let fitted_ok = fitted.iter().filter(|f| f.is_some()).count();

    let mut stats = TickStats::default();
    if ticks > 0 {
        let mut shards = build_shards(&engine, &benches, fitted, args.threads, every)?;
        pool.install(|| warm_up(&engine, &mut shards, &benches, args.horizon));
        for t in 0..ticks {
            let offset = t as isize;
            pool.install(|| {
                tick(
                    &engine,
                    &mut shards,
                    &benches,
                    offset,
                    args.horizon,
                    &mut stats,
                )
            });
        }
        stats.fit_errors += shards.iter().map(|s| s.errors).sum::<usize>();
    }
    print_report(&Report {
        label: &label,
        series: benches.len(),
        fitted_ok,
        threads: args.threads,
        horizon: args.horizon,
        every,
        full_seconds,
        stats: &stats,
        load_before,
        load_after: load_average(),
    });
    Ok(())
}

/// The series of an M4 folder, or the windows of CSV traces.
fn load(args: &Args) -> Result<(String, Vec<Base>)> {
    if let [dir] = args.paths.as_slice() {
        if prescale_sim::m4::is_m4_dir(dir) {
            let set = prescale_sim::m4::load_m4(dir)?;
            // M4 gives no timestamps; only the hourly set has a step that means something here.
            if set.frequency != "Hourly" {
                bail!("M4 {}: only the Hourly set is supported", set.frequency);
            }
            let label = format!("{} M4 {} series", set.series.len(), set.frequency);
            let bases = set
                .series
                .into_iter()
                .map(|s| Base {
                    history: s.train.len(),
                    values: s.train.iter().chain(&s.test).map(|&v| Some(v)).collect(),
                    step_seconds: 3600,
                    start_unix: None,
                })
                .collect();
            return Ok((label, bases));
        }
    }
    let traces: Vec<_> = trace::load_paths(&args.paths, &LoadOptions::default())?
        .into_iter()
        .map(|t| t.series)
        .collect();
    let len = args.window + args.ticks;
    // Copies of one window see the same events at the same tick (a drift in one is a drift in
    // all of them): distinct windows, overlapping if need be, keep the ticks realistic.
    let starts: usize = traces
        .iter()
        .map(|s| (s.values.len() + 1).saturating_sub(len))
        .sum();
    let stride = args
        .stride
        .unwrap_or(if starts / len >= args.series {
            len
        } else {
            starts / args.series
        })
        .max(1);
    let mut bases = Vec::new();
    for s in &traces {
        let last = (s.values.len() + 1).saturating_sub(len);
        for start in (0..last).step_by(stride) {
            let window = &s.values[start..start + len];
            // A window needs a known value in its history for the engine to fit it.
            if window[..args.window].iter().all(Option::is_none) {
                continue;
            }
            let offset = start as i64 * i64::from(s.step_seconds);
            bases.push(Base {
                values: window.to_vec(),
                history: args.window,
                step_seconds: s.step_seconds,
                start_unix: s.absolute.then_some(s.start + offset),
            });
        }
    }
    if bases.is_empty() {
        bail!("no trace holds a window of {len} steps (--window + --ticks)");
    }
    let label = format!(
        "{} windows of {} + {} steps, {stride} steps apart",
        bases.len(),
        args.window,
        args.ticks
    );
    Ok((label, bases))
}

/// `n` series cycling through `bases`, copy c scaled by 1 + c/100, fit origins staggered over
/// one refit period.
fn cycle(bases: &[Base], n: usize, every: u64) -> Vec<Bench> {
    (0..n)
        .map(|i| {
            let base = &bases[i % bases.len()];
            let factor = 1.0 + (i / bases.len()) as f64 * 0.01;
            let values: Vec<Option<f64>> =
                base.values.iter().map(|v| v.map(|x| x * factor)).collect();
            // 1..=every steps before the first tick: each tick finds about n / every due.
            let stagger = (i as u64 % every) as usize + 1;
            // Keep at least a quarter of the history for the first fit.
            let fit_origin = base
                .history
                .saturating_sub(stagger)
                .max(base.history.div_ceil(4));
            let season = day_in_steps(base.step_seconds).unwrap_or(1);
            let scale = mase_scale(&values[..base.history], season)
                .or_else(|| mase_scale(&values[..base.history], 1))
                .unwrap_or(1.0);
            Bench {
                values,
                first_tick: base.history,
                fit_origin,
                step_seconds: base.step_seconds,
                start_unix: base.start_unix,
                scale,
            }
        })
        .collect()
}

/// Phase 1: fit + forecast of every series, in parallel. Returns the wall time and the models.
fn full_refresh(
    engine: &Engine,
    benches: &[Bench],
    horizon: usize,
) -> (f64, Vec<Option<FittedForecaster>>) {
    let bar = progress_bar(benches.len() as u64);
    let watch = Stopwatch::start();
    let fitted: Vec<Option<FittedForecaster>> = benches
        .par_iter()
        .map(|b| {
            let fitted = engine.fit(&b.history(b.fit_origin), horizon).ok();
            if let Some(f) = &fitted {
                std::hint::black_box(f.forecast(horizon));
            }
            bar.inc(1);
            fitted
        })
        .collect();
    let seconds = watch.seconds();
    bar.finish_and_clear();
    (seconds, fitted)
}

fn progress_bar(len: u64) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} full refresh [{bar:40}] {pos}/{len} series, {per_sec}, {eta} left",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// One cache per thread, holding the phase-1 models fitted at their staggered origins.
fn build_shards(
    engine: &Engine,
    benches: &[Bench],
    fitted: Vec<Option<FittedForecaster>>,
    shards: usize,
    every: u64,
) -> Result<Vec<Shard>> {
    let mut config = CacheConfig {
        capacity: benches.len().max(1),
        ..CacheConfig::default()
    };
    config.refit.every = Some(every);
    let mut out = Vec::with_capacity(shards);
    for _ in 0..shards {
        out.push(Shard {
            cache: ForecastCache::new(config.clone(), &engine.config.quantiles)?,
            members: Vec::new(),
            served: Vec::new(),
            errors: 0,
        });
    }
    for (id, f) in fitted.into_iter().enumerate() {
        let shard = &mut out[id % shards];
        shard.members.push(id);
        shard.served.push(None);
        // A series whose fit failed stays out: the first tick finds it never fitted.
        if let Some(f) = f {
            shard.cache.insert(id, f, benches[id].fit_origin as u64);
        }
    }
    Ok(out)
}

/// The steps between each series' staggered fit origin and the first tick, as untimed ticks
/// (drift refits included, so that the timed ticks start from a steady state).
fn warm_up(engine: &Engine, shards: &mut [Shard], benches: &[Bench], horizon: usize) {
    let longest = benches
        .iter()
        .map(|b| b.first_tick - b.fit_origin)
        .max()
        .unwrap_or(0);
    let mut scratch = TickStats::default();
    for back in (1..=longest).rev() {
        tick(
            engine,
            shards,
            benches,
            -(back as isize),
            horizon,
            &mut scratch,
        );
    }
}

/// Step `offset` steps after a series' first tick, if it is at or after its fit origin.
fn step_at(b: &Bench, offset: isize) -> Option<usize> {
    b.first_tick
        .checked_add_signed(offset)
        .filter(|&now| now >= b.fit_origin)
}

/// One tick, `offset` steps after the first timed one (negative: warm-up): record the actuals
/// that arrived, refit the due series, serve every series.
fn tick(
    engine: &Engine,
    shards: &mut [Shard],
    benches: &[Bench],
    offset: isize,
    horizon: usize,
    stats: &mut TickStats,
) {
    let watch = Stopwatch::start();
    let due: Vec<(usize, usize, RefitReason)> = shards
        .par_iter_mut()
        .flat_map_iter(|shard| {
            let mut due = Vec::new();
            for k in 0..shard.members.len() {
                let id = shard.members[k];
                let Some(now) = step_at(&benches[id], offset) else {
                    continue;
                };
                shard.observe(k, benches, now);
                if let Some(reason) = shard.cache.needs_refit(&id, now as u64) {
                    due.push((id, now, reason));
                }
            }
            due
        })
        .collect();
    let refit_watch = Stopwatch::start();
    let refitted: Vec<(usize, usize, Option<FittedForecaster>)> = due
        .par_iter()
        .map(|&(id, now, _)| (id, now, engine.fit(&benches[id].history(now), horizon).ok()))
        .collect();
    let refit_seconds = refit_watch.seconds();
    let mut per_shard: Vec<Vec<(usize, usize, FittedForecaster)>> =
        (0..shards.len()).map(|_| Vec::new()).collect();
    for (id, now, f) in refitted {
        match f {
            Some(f) => per_shard[id % shards.len()].push((id, now, f)),
            None => stats.fit_errors += 1,
        }
    }
    shards
        .par_iter_mut()
        .zip(per_shard)
        .for_each(|(shard, fits)| {
            for (id, now, f) in fits {
                shard.cache.insert(id, f, now as u64);
            }
            for k in 0..shard.members.len() {
                if let Some(now) = step_at(&benches[shard.members[k]], offset) {
                    shard.serve(k, now, horizon);
                }
            }
        });
    stats.seconds.push(watch.seconds());
    stats.refit_seconds.push(refit_seconds);
    stats.refits.push(due.len());
    for (_, _, reason) in &due {
        match reason {
            RefitReason::Scheduled { .. } => stats.scheduled += 1,
            RefitReason::Drift { .. } | RefitReason::LevelShift { .. } => stats.drift += 1,
            RefitReason::NeverFitted | RefitReason::Expired { .. } => stats.other += 1,
        }
    }
}

impl Shard {
    /// Records the actual of step `now - 1` against the horizon-1 forecast served for it.
    fn observe(&mut self, k: usize, benches: &[Bench], now: usize) {
        let id = self.members[k];
        let b = &benches[id];
        let Some(served) = self.served[k].take() else {
            return;
        };
        let Some(actual) = b.values.get(served.step).copied().flatten() else {
            return;
        };
        if served.step + 1 != now {
            return;
        }
        let obs = Observation {
            step: served.step as u64,
            horizon: 1,
            actual,
            point: served.point,
            quantiles: &served.quantiles,
            scale: b.scale,
        };
        if self.cache.record(&id, &obs).is_err() {
            self.errors += 1;
        }
    }

    /// Serves a forecast for `horizon` steps from `now` and keeps its first step.
    fn serve(&mut self, k: usize, now: usize, horizon: usize) {
        let id = self.members[k];
        match self.cache.forecast_from(&id, now as u64, horizon) {
            Ok(f) => self.served[k] = first_step(&f, now),
            Err(_) => {
                self.served[k] = None;
                self.errors += 1;
            }
        }
    }
}

fn first_step(f: &Forecast, step: usize) -> Option<Served> {
    let point = *f.point.first()?;
    let quantiles = f
        .quantiles
        .iter()
        .map(|(_, q)| q.first().copied())
        .collect::<Option<Vec<f64>>>()?;
    Some(Served {
        step,
        point,
        quantiles,
    })
}

/// The 1-minute load average (Linux), to read the figures against.
fn load_average() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

struct Report<'a> {
    label: &'a str,
    series: usize,
    fitted_ok: usize,
    threads: usize,
    horizon: usize,
    every: u64,
    full_seconds: f64,
    stats: &'a TickStats,
    load_before: Option<f64>,
    load_after: Option<f64>,
}

fn print_report(r: &Report<'_>) {
    let n = r.series as f64;
    let project = |seconds: f64| seconds * 10_000.0 / n;
    let load = |l: Option<f64>| l.map_or("?".to_string(), |l| format!("{l:.2}"));
    println!(
        "{} series ({}), horizon {}, {} threads, load average {} before, {} after",
        r.series,
        r.label,
        r.horizon,
        r.threads,
        load(r.load_before),
        load(r.load_after)
    );
    println!(
        "| phase | wall s | series/s | s for 10 000 series | within 60 s |\n|---|---|---|---|---|"
    );
    let row = |name: &str, seconds: f64| {
        let rate = if seconds > 0.0 { n / seconds } else { 0.0 };
        let projected = project(seconds);
        println!(
            "| {name} | {seconds:.3} | {rate:.0} | {projected:.1} | {} |",
            if projected <= 60.0 { "yes" } else { "no" }
        );
    };
    row("full refresh (fit + forecast)", r.full_seconds);
    let s = r.stats;
    if s.seconds.is_empty() {
        println!("fitted {} of {} series", r.fitted_ok, r.series);
        return;
    }
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len().max(1) as f64;
    let max = |xs: &[f64]| xs.iter().copied().fold(0.0, f64::max);
    row(
        &format!("steady tick, mean of {}", s.seconds.len()),
        mean(&s.seconds),
    );
    let mut sorted = s.seconds.clone();
    sorted.sort_by(f64::total_cmp);
    let quantile = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    row("steady tick, median", quantile(0.5));
    row("steady tick, 95th percentile", quantile(0.95));
    row("steady tick, max", max(&s.seconds));
    let refits: Vec<f64> = s.refits.iter().map(|&r| r as f64).collect();
    let total: usize = s.refits.iter().sum();
    let worst = (0..s.seconds.len())
        .max_by(|&a, &b| s.seconds[a].total_cmp(&s.seconds[b]))
        .unwrap_or(0);
    let over = s.seconds.iter().filter(|&&t| project(t) > 60.0).count();
    println!(
        "refits per tick (every {} steps): mean {:.1} ({:.2} % of the series), max {:.0}; \
         {} scheduled, {} drift or level shift, {} never fitted or expired; slowest tick: \
         #{worst}, {} refits; ticks over 60 s at 10 000 series: {over} of {}",
        r.every,
        mean(&refits),
        100.0 * mean(&refits) / n,
        max(&refits),
        s.scheduled,
        s.drift,
        s.other,
        s.refits[worst],
        s.seconds.len()
    );
    let refit_share = s.refit_seconds.iter().sum::<f64>() / s.seconds.iter().sum::<f64>();
    let per_refit = s.refit_seconds.iter().sum::<f64>() / total.max(1) as f64;
    println!(
        "tick time in refits: {:.0} %, {:.1} ms wall per refit ({} threads); \
         record + serve the rest: {:.1} µs per series per tick",
        100.0 * refit_share,
        1000.0 * per_refit,
        r.threads,
        1e6 * (mean(&s.seconds) - mean(&s.refit_seconds)) / n
    );
    println!(
        "fitted {} of {} series in phase 1; {} failed fits or cache errors in phase 2",
        r.fitted_ok, r.series, s.fit_errors
    );
}
