//! The backtest's outputs on stdout: a readable table, or JSON with a stable schema.
//!
//! JSON schema (an array, one object per trace):
//! ```text
//! [{ "trace": string, "steps": int, "step_seconds": int, "capacity_per_instance": number,
//!    "policies": [{ "policy": string, "cost": number, "cost_vs_oracle": number,
//!                   "theta_u": number, "theta_o": number, "tau_u": number, "tau_o": number,
//!                   "instability": number, "unserved": number, "actions": int,
//!                   "iso_slo_cost_vs_oracle": number | null, "iso_slo_knob": number | null,
//!                   "interruptions": int, "explanations": [string] }],
//!    "repairs": null | { "rows", "empty_cells", "invalid_cells", "negative_values",
//!                        "out_of_order_rows", "duplicate_timestamps", "snapped_samples",
//!                        "averaged_steps", "interpolated_steps", "unknown_steps",
//!                        "unknown_gaps", "step_seconds": int, "step_detected": bool } }]
//! ```
//! Shares (`theta_*`, `tau_*`, `instability`, `unserved`) are fractions in 0..=1. The oracle
//! is one of the policies (`"policy": "oracle"`). `explanations` holds the policy's last
//! changes with their reasons (prescale's; empty for the others). Fields are only ever added,
//! never renamed.

use crate::backtest::ISO_SLO_TAU_U;
use crate::outcome::TraceOutcome;
use prescale_sim::trace::RepairReport;
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Serialize)]
struct TraceJson<'a> {
    trace: &'a str,
    steps: usize,
    step_seconds: u32,
    capacity_per_instance: f64,
    policies: Vec<PolicyJson<'a>>,
    repairs: Option<&'a RepairReport>,
}

#[derive(Serialize)]
struct PolicyJson<'a> {
    policy: &'a str,
    cost: f64,
    cost_vs_oracle: Option<f64>,
    theta_u: f64,
    theta_o: f64,
    tau_u: f64,
    tau_o: f64,
    instability: f64,
    unserved: f64,
    actions: u32,
    iso_slo_cost_vs_oracle: Option<f64>,
    iso_slo_knob: Option<f64>,
    interruptions: u32,
    explanations: &'a [String],
}

/// Non-finite numbers (a zero-cost oracle) become JSON null rather than invalid JSON.
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// The JSON document for `outcomes`.
pub fn json(outcomes: &[TraceOutcome]) -> serde_json::Result<String> {
    let doc: Vec<TraceJson<'_>> = outcomes
        .iter()
        .map(|o| TraceJson {
            trace: &o.series.name,
            steps: o.series.len(),
            step_seconds: o.series.step_seconds,
            capacity_per_instance: o.capacity_per_instance,
            policies: o
                .policies
                .iter()
                .map(|p| PolicyJson {
                    policy: &p.run.policy,
                    cost: p.metrics.cost,
                    cost_vs_oracle: finite(p.cost_vs_oracle),
                    theta_u: p.metrics.theta_u,
                    theta_o: p.metrics.theta_o,
                    tau_u: p.metrics.tau_u,
                    tau_o: p.metrics.tau_o,
                    instability: p.metrics.instability,
                    unserved: p.metrics.unserved,
                    actions: p.metrics.actions,
                    iso_slo_cost_vs_oracle: p.iso_slo_cost_vs_oracle.and_then(finite),
                    iso_slo_knob: p.iso_slo_knob,
                    interruptions: p.run.interruptions,
                    explanations: &p.explanations,
                })
                .collect(),
            repairs: o.repairs.as_ref(),
        })
        .collect();
    serde_json::to_string_pretty(&doc)
}

fn ratio(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v:.3}"),
        _ => "—".into(),
    }
}

fn pct(x: f64) -> String {
    format!("{:.2}", x * 100.0)
}

/// A table per trace, then a summary of medians across traces when there are several.
pub fn table(outcomes: &[TraceOutcome]) -> String {
    let mut out = String::new();
    for o in outcomes {
        let _ = writeln!(
            out,
            "\n{}  ({} steps of {} s, {:.4} per instance)",
            o.series.name,
            o.series.len(),
            o.series.step_seconds,
            o.capacity_per_instance
        );
        let _ = writeln!(
            out,
            "  {:<22} {:>10} {:>8} {:>9} {:>7} {:>7} {:>7} {:>7} {:>7} {:>8} {:>7}",
            "policy",
            "cost",
            "÷oracle",
            "iso-SLO",
            "θU%",
            "θO%",
            "τU%",
            "τO%",
            "υ%",
            "unserv%",
            "actions"
        );
        for p in &o.policies {
            let m = &p.metrics;
            let _ = writeln!(
                out,
                "  {:<22} {:>10.1} {:>8} {:>9} {:>7} {:>7} {:>7} {:>7} {:>7} {:>8} {:>7}",
                p.run.policy,
                m.cost,
                ratio(Some(p.cost_vs_oracle)),
                ratio(p.iso_slo_cost_vs_oracle),
                pct(m.theta_u),
                pct(m.theta_o),
                pct(m.tau_u),
                pct(m.tau_o),
                pct(m.instability),
                pct(m.unserved),
                m.actions
            );
        }
        for p in o.policies.iter().filter(|p| !p.explanations.is_empty()) {
            let _ = writeln!(
                out,
                "  last changes of {}, with their reasons:",
                p.run.policy
            );
            for line in &p.explanations {
                let _ = writeln!(out, "    {line}");
            }
        }
    }
    if outcomes.len() > 1 {
        out.push_str(&summary(outcomes));
    }
    let _ = writeln!(
        out,
        "\niso-SLO = cheapest cost ÷ oracle over the policy's knob sweep with τU ≤ {:.1} % (— = none reached it)",
        ISO_SLO_TAU_U * 100.0
    );
    out
}

/// Median iso-SLO cost ÷ oracle per policy, and how many traces reached the SLO at all.
fn summary(outcomes: &[TraceOutcome]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for o in outcomes {
        for p in &o.policies {
            if !names.contains(&p.run.policy.as_str()) {
                names.push(&p.run.policy);
            }
        }
    }
    let mut out = format!(
        "\nsummary over {} traces\n  {:<16} {:>16} {:>14} {:>12}\n",
        outcomes.len(),
        "policy",
        "median iso-SLO",
        "SLO reached",
        "median τU%"
    );
    for name in names {
        let rows: Vec<_> = outcomes
            .iter()
            .flat_map(|o| o.policies.iter().filter(|p| p.run.policy == name))
            .collect();
        let mut iso: Vec<f64> = rows
            .iter()
            .filter_map(|p| p.iso_slo_cost_vs_oracle)
            .collect();
        let mut tau: Vec<f64> = rows.iter().map(|p| p.metrics.tau_u).collect();
        let _ = writeln!(
            out,
            "  {:<16} {:>16} {:>14} {:>12}",
            name,
            ratio(median(&mut iso)),
            format!("{}/{}", iso.len(), rows.len()),
            median(&mut tau).map_or("—".into(), pct)
        );
    }
    out
}

/// The median, or `None` for an empty slice.
pub fn median(xs: &mut [f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    Some(if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    })
}
