//! What a backtest produced for each trace: the data behind the table, the JSON and the report.

use prescale_core::Series;
use prescale_sim::metrics::Metrics;
use prescale_sim::simulator::Run;
use prescale_sim::trace::RepairReport;

/// One policy's result on one trace.
#[derive(Debug, Clone)]
pub struct PolicyOutcome {
    /// The run with the policy's default knob (the one shown in charts).
    pub run: Run,
    /// Metrics of that run.
    pub metrics: Metrics,
    /// cost / oracle cost of that run.
    pub cost_vs_oracle: f64,
    /// Cheapest cost / oracle over the knob sweep with τU ≤ 0.5 %; `None` when no knob value
    /// reached it or the policy has no knob.
    pub iso_slo_cost_vs_oracle: Option<f64>,
    /// The knob value that achieved `iso_slo_cost_vs_oracle` (e.g. target utilization 0.6).
    pub iso_slo_knob: Option<f64>,
    /// The policy's last changes with their reasons, for the default run (empty when the
    /// policy does not explain itself).
    pub explanations: Vec<String>,
}

/// Every policy's result on one trace.
#[derive(Debug, Clone)]
pub struct TraceOutcome {
    /// The demand series as simulated (after repair).
    pub series: Series,
    /// Demand one instance serves in this trace (peak / 40 in the standard scenario).
    pub capacity_per_instance: f64,
    /// Policies in table order; the oracle is one of them (named `oracle`).
    pub policies: Vec<PolicyOutcome>,
    /// What the trace reader repaired (`None` for generated workloads).
    pub repairs: Option<RepairReport>,
}
