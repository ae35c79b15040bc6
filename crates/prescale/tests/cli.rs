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
                "prescale-naive",
                "prescale"
            ]
        );
        for p in policies {
            for key in POLICY_FIELDS {
                assert!(p.get(*key).is_some(), "policy lacks {key}: {p}");
            }
        }
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
