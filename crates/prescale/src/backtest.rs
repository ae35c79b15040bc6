//! Runs policies over traces: the default run of each policy, the oracle, and the knob sweeps
//! behind the iso-SLO figure, in parallel, with a progress bar.

use crate::outcome::{PolicyOutcome, TraceOutcome};
use crate::policies::{PolicyEntry, TraceShared};
use indicatif::{ProgressBar, ProgressStyle};
use prescale_core::Series;
use prescale_sim::metrics::{self, Metrics};
use prescale_sim::oracle;
use prescale_sim::scenario::Scenario;
use prescale_sim::simulator::{self, Run};
use rayon::prelude::*;

/// The SLO of the iso-SLO figure: at most this share of steps under-provisioned.
pub const ISO_SLO_TAU_U: f64 = 0.005;

/// What to run.
pub struct Plan<'a> {
    pub scenario: &'a Scenario,
    pub policies: Vec<&'static PolicyEntry>,
    /// Whether to sweep each policy's knob for the iso-SLO figure.
    pub sweep: bool,
    /// Show a progress bar (multi-trace runs on a terminal).
    pub progress: bool,
}

/// One simulation to run: a trace, a policy (None = oracle) and a knob value.
#[derive(Clone, Copy)]
struct Job {
    trace: usize,
    policy: Option<usize>,
    knob: Option<f64>,
    /// Whether this is the policy's default run (kept whole for charts).
    default: bool,
}

struct JobResult {
    job: Job,
    metrics: Metrics,
    run: Option<Run>,
    explanations: Vec<String>,
}

/// Backtests every trace; returns one outcome per trace, in input order, and the number of
/// simulated policy-steps (for the speed figure).
pub fn run(traces: &[Series], plan: &Plan<'_>) -> (Vec<TraceOutcome>, u64) {
    let capacities: Vec<f64> = traces
        .iter()
        .map(|s| plan.scenario.capacity_for_peak(s.peak().unwrap_or(0.0)))
        .collect();
    let shared: Vec<TraceShared> = traces.iter().map(|_| TraceShared::default()).collect();
    let jobs = jobs(traces.len(), plan);
    let bar = progress_bar(jobs.len() as u64, plan.progress);
    let results: Vec<JobResult> = jobs
        .par_iter()
        .map(|job| {
            let series = &traces[job.trace];
            let capacity = capacities[job.trace];
            let (run, explanations) = match job.policy {
                None => (oracle::run(series, plan.scenario, capacity), Vec::new()),
                Some(p) => {
                    let mut policy =
                        (plan.policies[p].build)(job.knob, plan.scenario, &shared[job.trace]);
                    let run = simulator::simulate(series, plan.scenario, capacity, policy.as_mut());
                    let why = if job.default {
                        policy.explanations()
                    } else {
                        Vec::new()
                    };
                    (run, why)
                }
            };
            let metrics = metrics::evaluate(series, capacity, &run);
            bar.inc(1);
            JobResult {
                job: *job,
                metrics,
                run: job.default.then_some(run),
                explanations,
            }
        })
        .collect();
    bar.finish_and_clear();
    let steps: u64 = results
        .iter()
        .map(|r| traces[r.job.trace].len() as u64)
        .sum();
    let outcomes = traces
        .iter()
        .enumerate()
        .map(|(t, series)| assemble(t, series, capacities[t], plan, &results))
        .collect();
    (outcomes, steps)
}

fn jobs(trace_count: usize, plan: &Plan<'_>) -> Vec<Job> {
    let mut jobs = Vec::new();
    for trace in 0..trace_count {
        jobs.push(Job {
            trace,
            policy: None,
            knob: None,
            default: true,
        });
        for (p, entry) in plan.policies.iter().enumerate() {
            let default_knob = entry.knob.as_ref().map(|k| k.default);
            jobs.push(Job {
                trace,
                policy: Some(p),
                knob: default_knob,
                default: true,
            });
            if let (true, Some(knob)) = (plan.sweep, &entry.knob) {
                for &value in knob.sweep {
                    jobs.push(Job {
                        trace,
                        policy: Some(p),
                        knob: Some(value),
                        default: false,
                    });
                }
            }
        }
    }
    jobs
}

fn progress_bar(len: u64, show: bool) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} backtest [{bar:40}] {pos}/{len} runs, {eta} left")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Gathers one trace's results into its outcome: the oracle first, then the policies.
fn assemble(
    t: usize,
    series: &Series,
    capacity: f64,
    plan: &Plan<'_>,
    results: &[JobResult],
) -> TraceOutcome {
    let mine: Vec<&JobResult> = results.iter().filter(|r| r.job.trace == t).collect();
    let oracle_cost = mine
        .iter()
        .find(|r| r.job.policy.is_none())
        .map_or(f64::NAN, |r| r.metrics.cost);
    let ratio = |cost: f64| {
        if oracle_cost > 0.0 {
            cost / oracle_cost
        } else {
            f64::NAN
        }
    };
    let mut policies = Vec::new();
    let groups = std::iter::once(None).chain((0..plan.policies.len()).map(Some));
    for policy in groups {
        let group: Vec<&&JobResult> = mine.iter().filter(|r| r.job.policy == policy).collect();
        let Some(default) = group.iter().find(|r| r.job.default) else {
            continue;
        };
        let Some(run) = default.run.clone() else {
            continue;
        };
        // The iso-SLO figure: the cheapest run (default or swept) that meets the SLO.
        let best = group
            .iter()
            .filter(|r| r.metrics.tau_u <= ISO_SLO_TAU_U)
            .min_by(|a, b| a.metrics.cost.total_cmp(&b.metrics.cost));
        policies.push(PolicyOutcome {
            cost_vs_oracle: ratio(default.metrics.cost),
            iso_slo_cost_vs_oracle: best.map(|r| ratio(r.metrics.cost)),
            iso_slo_knob: best.and_then(|r| r.job.knob),
            explanations: default.explanations.clone(),
            metrics: default.metrics.clone(),
            run,
        });
    }
    TraceOutcome {
        series: series.clone(),
        capacity_per_instance: capacity,
        policies,
        repairs: None,
    }
}

#[cfg(test)]
mod tests;
