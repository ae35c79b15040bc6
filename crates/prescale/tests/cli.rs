//! The `prescale` binary as a user runs it: the README's main job, bad input, real traces.

use std::path::PathBuf;
use std::process::Command;

fn prescale() -> Command {
    Command::new(env!("CARGO_BIN_EXE_prescale"))
}

fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("PRESCALE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    dir.is_dir().then_some(dir)
}

const POLICY_FIELDS: &[&str] = &[
    "policy",
    "cost",
    "cost_vs_oracle",
    "theta_u",
    "theta_o",
    "tau_u",
    "tau_o",
    "instability",
    "unserved",
    "actions",
    "iso_slo_cost_vs_oracle",
    "explanations",
];

fn parse_json(stdout: &[u8]) -> serde_json::Value {
    serde_json::from_slice(stdout).expect("stdout is JSON")
}

#[test]
fn the_demo_prints_every_policy_in_the_documented_schema_and_writes_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = prescale()
        .args(["demo", "--json", "--report"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = parse_json(&out.stdout);
    let traces = doc.as_array().expect("an array of traces");
    assert!(traces.len() >= 3);
    for t in traces {
        for key in ["trace", "steps", "step_seconds", "policies"] {
            assert!(t.get(key).is_some(), "trace lacks {key}: {t}");
        }
        let policies = t["policies"].as_array().unwrap();
        let names: Vec<&str> = policies
            .iter()
            .map(|p| p["policy"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "oracle",
                "hpa",
                "aws-predictive",
                "prescale-on-demand",
                "prescale"
            ]
        );
        for p in policies {
            for key in POLICY_FIELDS {
                assert!(p.get(*key).is_some(), "policy lacks {key}: {p}");
            }
        }
        // prescale explains its last changes: forecast, quantile, lead.
        let why = policies[4]["explanations"].as_array().unwrap();
        assert!(!why.is_empty(), "prescale gave no reasons");
        let line = why[0].as_str().unwrap();
        assert!(
            line.contains("at q0.") && line.contains("lead 300 s"),
            "{line}"
        );
        assert_eq!(policies[0]["cost_vs_oracle"].as_f64(), Some(1.0));
        assert_eq!(policies[0]["tau_u"].as_f64(), Some(0.0));
    }
    let html = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
    assert!(html.contains("aws-predictive"));
}

#[test]
fn a_bad_trace_fails_with_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.csv");
    std::fs::write(
        &file,
        "timestamp,value\n2024-01-01 00:00:00,3\nyesterday,4\n",
    )
    .unwrap();
    let out = prescale()
        .arg("backtest")
        .arg(&file)
        .arg("--no-report")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.csv"), "{err}");
    assert!(err.contains('3'), "line number missing: {err}");
}

#[test]
fn a_generated_workload_backtests_from_its_csv() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("web.csv");
    let gen = prescale()
        .args(["generate", "--preset", "web", "--days", "3", "-o"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        gen.status.success(),
        "{}",
        String::from_utf8_lossy(&gen.stderr)
    );
    let out = prescale()
        .arg("backtest")
        .arg(&file)
        .args(["--json", "--no-report", "--no-sweep"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = parse_json(&out.stdout);
    assert_eq!(doc[0]["trace"], "web");
    assert_eq!(doc[0]["steps"], 3 * 288);
    assert_eq!(doc[0]["step_seconds"], 300);
}

#[test]
fn unknown_policies_are_refused_by_name() {
    let out = prescale()
        .args(["demo", "--policies", "hpa,magic", "--no-report"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("magic"));
}

#[test]
fn every_nab_trace_backtests() {
    let Some(data) = shared_data() else {
        eprintln!("shared/data not found: skipped");
        return;
    };
    let out = prescale()
        .arg("backtest")
        .arg(data.join("nab"))
        .args(["--json", "--no-report", "--no-sweep"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = parse_json(&out.stdout);
    let traces = doc.as_array().unwrap();
    assert_eq!(traces.len(), 13);
    let taxi = traces
        .iter()
        .find(|t| t["trace"] == "nyc_taxi")
        .expect("nyc_taxi");
    assert_eq!(taxi["step_seconds"], 1800);
    for t in traces {
        for p in t["policies"].as_array().unwrap() {
            let ratio = p["cost_vs_oracle"].as_f64().unwrap();
            assert!(ratio > 0.0 && ratio.is_finite(), "{}: {ratio}", t["trace"]);
        }
    }
}

/// A pair of 5-minute traces: an upstream with a daily cycle, noise and bursts, and a
/// downstream following it `lag` steps later at 0.8 ×, as `timestamp,value` CSV texts.
fn leading_pair(days: usize, lag: usize, step: u64) -> (String, String) {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let per_day = 86_400 / step as usize;
    let (mut left, mut height) = (0usize, 0.0);
    let up: Vec<f64> = (0..days * per_day)
        .map(|i| {
            if left == 0 && uniform() < 1.0 / 140.0 {
                left = 4 + (uniform() * 12.0) as usize;
                height = 60.0 + uniform() * 140.0;
            }
            let burst = if left > 0 {
                left -= 1;
                height
            } else {
                0.0
            };
            let phase = (i % per_day) as f64 / per_day as f64 * std::f64::consts::TAU;
            200.0 - 120.0 * phase.cos() + 20.0 * (uniform() - 0.5) + burst
        })
        .collect();
    let csv = |v: &[f64]| {
        let rows: String = v
            .iter()
            .enumerate()
            .map(|(i, x)| format!("{},{x:.3}\n", 1_700_006_400 + i as u64 * step))
            .collect();
        format!("timestamp,value\n{rows}")
    };
    let down: Vec<f64> = (0..up.len())
        .map(|t| 0.8 * up[t.saturating_sub(lag)] + 8.0 * (uniform() - 0.5))
        .collect();
    (csv(&up), csv(&down))
}

#[test]
fn forecast_uses_a_leading_indicator_and_refuses_another_step() {
    let dir = tempfile::tempdir().unwrap();
    let (up, down) = leading_pair(7, 6, 300);
    let (up_file, down_file) = (dir.path().join("upstream.csv"), dir.path().join("down.csv"));
    std::fs::write(&up_file, up).unwrap();
    std::fs::write(&down_file, down).unwrap();
    let out = prescale()
        .arg("forecast")
        .arg(&down_file)
        .args(["--horizon", "6", "--json", "--indicator"])
        .arg(&up_file)
        .arg("--chart")
        .arg(dir.path().join("chart.svg"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = parse_json(&out.stdout);
    let model = doc["model"].as_str().unwrap();
    assert!(model.contains("lead(upstream@6)"), "chose {model}");
    assert_eq!(doc["point"].as_array().unwrap().len(), 6);

    let (coarse, _) = leading_pair(7, 6, 600);
    let coarse_file = dir.path().join("coarse.csv");
    std::fs::write(&coarse_file, coarse).unwrap();
    let out = prescale()
        .arg("forecast")
        .arg(&down_file)
        .args(["--horizon", "6", "--indicator"])
        .arg(&coarse_file)
        .arg("--chart")
        .arg(dir.path().join("chart.svg"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("coarse.csv") && err.contains("step"), "{err}");
}
