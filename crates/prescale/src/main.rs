//! The `prescale` command line: the single place where sources, policies, the simulator and the
//! outputs are wired together.

mod backtest;
mod evaluate;
mod forecast_cmd;
mod outcome;
mod output;
mod policies;
mod report;
mod timing;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use prescale_core::Series;
use prescale_sim::generator::{self, WorkloadSpec};
use prescale_sim::scenario::Scenario;
use prescale_sim::trace::{self, LoadOptions, RepairReport};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use tracing::{info, warn};

/// prescale: a predictive autoscaler. It forecasts demand and places capacity before it is
/// needed; `backtest` measures that against the Kubernetes HPA, an AWS-style predictive
/// baseline and a perfect-foresight oracle on recorded traces.
#[derive(Parser)]
#[command(name = "prescale", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Backtest every policy on generated workloads (no data files needed) and write a report.
    Demo(DemoArgs),
    /// Replay CSV traces (files or directories of them) through every policy.
    Backtest(BacktestArgs),
    /// Write a generated workload as CSV (`timestamp,value`).
    Generate(GenerateArgs),
    /// Score forecast accuracy on a data set: an M4 folder or CSV traces.
    Evaluate(EvaluateArgs),
    /// Forecast a trace: prints the forecast with its quantiles and draws a chart.
    Forecast(ForecastArgs),
}

#[derive(Args)]
struct EvaluateArgs {
    /// An M4 folder (`Hourly-train.csv` + `Hourly-test.csv`), or CSV files / directories.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Steps ahead (default: the M4 horizon, 48 for hourly; required for CSV traces).
    #[arg(long)]
    horizon: Option<usize>,
    /// Rolling origins per CSV trace (the last origins × horizon steps are held out).
    #[arg(long, default_value_t = 3)]
    origins: usize,
    /// Steps of history kept before the first origin of a CSV trace.
    #[arg(long, default_value_t = 40_320)]
    max_history: usize,
    /// Models to score, comma-separated: `auto` (the automatic choice) or a candidate's name
    /// prefix (`naive`, `snaive`, ...).
    #[arg(long, value_delimiter = ',', default_value = "auto")]
    models: Vec<String>,
    /// Print JSON: {"dataset", "series", "horizon", "models": [...]}.
    #[arg(long)]
    json: bool,
    /// Also write the series and origins for bench/peers.py into this folder.
    #[arg(long)]
    export: Option<PathBuf>,
    /// Only these value columns of CSV traces.
    #[arg(long = "column")]
    columns: Vec<String>,
}

#[derive(Args)]
struct ForecastArgs {
    /// A CSV trace (one series; use --column to pick one of several).
    file: PathBuf,
    /// Steps ahead.
    #[arg(long, default_value_t = 48)]
    horizon: usize,
    /// The value column to forecast.
    #[arg(long)]
    column: Option<String>,
    /// Step in seconds instead of the detected one.
    #[arg(long)]
    step: Option<u32>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Where to draw the chart (SVG).
    #[arg(long, default_value = "forecast.svg")]
    chart: PathBuf,
    /// Known events (YAML, see examples/events.yaml) the forecast takes into account.
    #[arg(long)]
    events: Option<PathBuf>,
    /// A CSV trace that may lead this one (an upstream service), on the same step: used as a
    /// regressor when it improves the backtest. Repeatable; each series of the file competes.
    #[arg(long = "indicator")]
    indicators: Vec<PathBuf>,
}

#[derive(Args)]
struct RunArgs {
    /// Scenario YAML (instance types, prices, boot time, spot terms); default: the standard one.
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Policies to run, comma-separated (the oracle always runs).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "hpa,aws-predictive,prescale-on-demand,prescale"
    )]
    policies: Vec<String>,
    /// Print JSON (schema in the README) instead of the table.
    #[arg(long)]
    json: bool,
    /// Folder of the HTML report with charts.
    #[arg(long, default_value = "prescale-report")]
    report: PathBuf,
    /// Write no report.
    #[arg(long)]
    no_report: bool,
    /// Skip the knob sweeps (no iso-SLO figure; faster).
    #[arg(long)]
    no_sweep: bool,
}

#[derive(Args)]
struct DemoArgs {
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Args)]
struct BacktestArgs {
    /// CSV files, or directories whose *.csv files are all read.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Only these value columns (repeatable); default: every numeric column.
    #[arg(long = "column")]
    columns: Vec<String>,
    /// Step in seconds instead of the detected one.
    #[arg(long)]
    step: Option<u32>,
    /// Longest gap, in seconds, filled by interpolation; longer gaps stay unknown.
    #[arg(long)]
    max_fill: Option<f64>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Args)]
struct GenerateArgs {
    /// A named preset (see --list) ...
    #[arg(long, default_value = "web", conflicts_with = "spec")]
    preset: String,
    /// ... or a workload spec in YAML.
    #[arg(long)]
    spec: Option<PathBuf>,
    /// Override the seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Override the length in days.
    #[arg(long)]
    days: Option<f64>,
    /// Override the step in seconds.
    #[arg(long)]
    step: Option<u32>,
    /// Output file (default: stdout).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// List the presets and exit.
    #[arg(long)]
    list: bool,
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_target(false)
        .without_time()
        .init();
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Demo(args) => demo(args),
        Command::Backtest(args) => backtest_files(args),
        Command::Generate(args) => generate(args),
        Command::Evaluate(args) => evaluate_cmd(args),
        Command::Forecast(args) => forecast_cmd::run(&forecast_cmd::Request {
            file: &args.file,
            column: args.column.as_deref(),
            step: args.step,
            horizon: args.horizon,
            json: args.json,
            chart: &args.chart,
            events: args.events.as_deref(),
            indicators: &args.indicators,
        }),
    }
}

fn evaluate_cmd(args: EvaluateArgs) -> Result<()> {
    let set = match args.paths.as_slice() {
        [dir] if prescale_sim::m4::is_m4_dir(dir) => {
            let m4 = prescale_sim::m4::load_m4(dir)?;
            let name = format!("m4-{}", m4.frequency.to_lowercase());
            let mut set = evaluate::from_m4(&name, m4);
            if let Some(h) = args.horizon {
                set.horizon = h;
            }
            set
        }
        paths => {
            let horizon = args
                .horizon
                .context("--horizon is required for CSV traces")?;
            let opts = LoadOptions {
                columns: args.columns.clone(),
                ..LoadOptions::default()
            };
            let traces = trace::load_paths(paths, &opts)?
                .into_iter()
                .map(|t| t.series)
                .collect();
            let name = paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" ");
            evaluate::from_traces(&name, traces, horizon, args.origins, args.max_history)
        }
    };
    if let Some(dir) = &args.export {
        evaluate::export(&set, dir).with_context(|| format!("exporting to {}", dir.display()))?;
        info!("exported {} series to {}", set.series.len(), dir.display());
    }
    let models: Vec<evaluate::ModelResult> = args
        .models
        .iter()
        .map(|m| evaluate::evaluate(&set, m))
        .collect();
    let report = evaluate::EvalReport {
        dataset: set.dataset.clone(),
        series: set.series.len(),
        horizon: set.horizon,
        models,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", evaluate::table(&report));
    }
    Ok(())
}

fn demo(args: DemoArgs) -> Result<()> {
    let traces = generator::preset_names()
        .iter()
        .map(|name| {
            let spec =
                generator::preset(name).with_context(|| format!("preset {name} is missing"))?;
            spec.generate()
                .with_context(|| format!("generating preset {name}"))
        })
        .collect::<Result<Vec<Series>>>()?;
    run_backtest(
        &traces,
        None,
        &args.run,
        "prescale demo: generated workloads",
    )
}

fn backtest_files(args: BacktestArgs) -> Result<()> {
    let opts = LoadOptions {
        columns: args.columns,
        step_seconds: args.step,
        max_fill_seconds: args.max_fill,
    };
    let loaded = trace::load_paths(&args.paths, &opts)?;
    if loaded.is_empty() {
        bail!("no trace found in {:?}", args.paths);
    }
    for t in &loaded {
        if !t.repairs.is_clean() {
            info!(trace = %t.series.name, "repaired: {}", t.repairs.summary());
        }
    }
    let (traces, repairs): (Vec<Series>, Vec<_>) =
        loaded.into_iter().map(|t| (t.series, t.repairs)).unzip();
    run_backtest(&traces, Some(repairs), &args.run, "prescale backtest")
}

fn run_backtest(
    traces: &[Series],
    repairs: Option<Vec<RepairReport>>,
    args: &RunArgs,
    title: &str,
) -> Result<()> {
    let scenario = match &args.scenario {
        Some(path) => Scenario::load(path)?,
        None => Scenario::default(),
    };
    let policies = policies::select(&args.policies).map_err(anyhow::Error::msg)?;
    let plan = backtest::Plan {
        scenario: &scenario,
        policies,
        sweep: !args.no_sweep,
        progress: traces.len() > 1 && std::io::stderr().is_terminal(),
    };
    let timer = timing::Stopwatch::start();
    let (mut outcomes, steps) = backtest::run(traces, &plan);
    for (outcome, repair) in outcomes.iter_mut().zip(repairs.into_iter().flatten()) {
        outcome.repairs = Some(repair);
    }
    let seconds = timer.seconds();
    let mut stdout = std::io::stdout().lock();
    if args.json {
        writeln!(stdout, "{}", output::json(&outcomes)?)?;
    } else {
        write!(stdout, "{}", output::table(&outcomes))?;
        for entry in &plan.policies {
            if let Some(knob) = &entry.knob {
                writeln!(
                    stdout,
                    "  {} swept on its {} (default {})",
                    entry.name, knob.name, knob.default
                )?;
            }
        }
    }
    info!(
        "simulated {steps} policy-steps in {seconds:.2} s ({:.2} M steps/s)",
        steps as f64 / seconds.max(1e-9) / 1e6
    );
    if !args.no_report {
        write_report(&args.report, title, &outcomes);
    }
    Ok(())
}

/// A report that cannot be written is worth a warning, not the loss of the results printed.
fn write_report(dir: &Path, title: &str, outcomes: &[outcome::TraceOutcome]) {
    match report::write(dir, title, outcomes) {
        Ok(index) => info!("report written to {}", index.display()),
        Err(e) => warn!("report not written: {e}"),
    }
}

fn generate(args: GenerateArgs) -> Result<()> {
    if args.list {
        for name in generator::preset_names() {
            println!("{name}");
        }
        return Ok(());
    }
    let mut spec: WorkloadSpec = match &args.spec {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            WorkloadSpec::from_yaml(&path.display().to_string(), &text)?
        }
        None => generator::preset(&args.preset).with_context(|| {
            format!(
                "unknown preset {:?}; known: {}",
                args.preset,
                generator::preset_names().join(", ")
            )
        })?,
    };
    if let Some(seed) = args.seed {
        spec.seed = seed;
    }
    if let Some(days) = args.days {
        spec.days = days;
    }
    if let Some(step) = args.step {
        spec.step_seconds = step;
    }
    let series = spec.generate()?;
    match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            let mut w = std::io::BufWriter::new(file);
            generator::write_csv(&series, &mut w)?;
            w.flush()?;
        }
        None => {
            let mut w = std::io::BufWriter::new(std::io::stdout().lock());
            generator::write_csv(&series, &mut w)?;
            w.flush()?;
        }
    }
    Ok(())
}
