//! Loads the real traces under `shared/data` and checks them against their SOURCE.md. Skipped,
//! with a note, where the data is not present (`PRESCALE_DATA` overrides the location).

use std::collections::HashMap;

use super::*;

/// `PRESCALE_DATA`, or `shared/data` next to the workspace root.
fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("PRESCALE_DATA").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        PathBuf::from,
    );
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("note: {} not found, real-trace test skipped", dir.display());
        None
    }
}

/// Loads one folder of the data set, printing what each series gave.
fn load_folder(folder: &str) -> Option<HashMap<String, LoadedTrace>> {
    let dir = data_dir()?.join(folder);
    let traces = load_paths(&[dir], &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let mut by_name = HashMap::new();
    for t in traces {
        let s = &t.series;
        println!(
            "{folder}: {} step {} len {} start {} absolute {} known {}: {}",
            s.name,
            s.step_seconds,
            s.len(),
            s.start,
            s.absolute,
            s.known_steps(),
            t.repairs.summary()
        );
        by_name.insert(s.name.clone(), t);
    }
    Some(by_name)
}

fn get<'a>(traces: &'a HashMap<String, LoadedTrace>, name: &str) -> &'a LoadedTrace {
    traces
        .get(name)
        .unwrap_or_else(|| panic!("no series {name}"))
}

/// Asserts step, length and start of one series.
fn check(t: &LoadedTrace, step: u32, len: usize, start: i64) {
    let s = &t.series;
    assert_eq!(
        (s.step_seconds, s.len(), s.start),
        (step, len, start),
        "{}",
        s.name
    );
}

/// Lengths of the runs of unknown steps.
fn unknown_runs(values: &[Option<f64>]) -> Vec<usize> {
    values
        .split(Option::is_some)
        .map(<[_]>::len)
        .filter(|n| *n > 0)
        .collect()
}

#[test]
fn nab_loads_with_the_documented_steps() {
    let Some(nab) = load_folder("nab") else {
        return;
    };
    assert_eq!(nab.len(), 13);
    check(get(&nab, "nyc_taxi"), 1800, 10_320, 1_404_172_800);
    check(
        get(&nab, "cpu_utilization_asg_misconfiguration"),
        300,
        18_050,
        1_400_030_040,
    );
    for t in nab.values() {
        assert!(t.series.absolute);
        assert_eq!(t.repairs.unknown_steps, 0, "{}", t.series.name);
        assert_eq!(
            t.series.known_steps(),
            t.repairs.rows + t.repairs.interpolated_steps
        );
        if t.series.name.starts_with("Twitter_volume_") {
            assert_eq!(t.series.step_seconds, 300);
            assert!(
                (15_500..16_500).contains(&t.series.len()),
                "{}",
                t.series.name
            );
        } else if t.series.name != "nyc_taxi" {
            assert_eq!(t.series.step_seconds, 300, "{}", t.series.name);
        }
    }
}

#[test]
fn nasa_http_keeps_its_outages_unknown() {
    let Some(nasa) = load_folder("nasa-http") else {
        return;
    };
    let t = get(&nasa, "nasa_http_1995_requests_per_minute");
    // 1995-07-01T00:00:00-04:00.
    check(t, 60, 89_280, 804_571_200);
    assert_eq!(t.repairs.empty_cells, 7_210);
    assert_eq!(
        t.repairs.interpolated_steps + t.repairs.unknown_steps,
        7_210
    );
    let runs = unknown_runs(&t.series.values);
    // The missing end of July (3.4 days) and the hurricane outage in August (1.6 days).
    assert!(runs.iter().any(|n| *n > 4_900), "{runs:?}");
    assert!(runs.iter().any(|n| (2_000..2_500).contains(n)), "{runs:?}");
    if t.repairs.interpolated_steps == 0 {
        let total: f64 = t.series.values.iter().flatten().sum();
        assert_eq!(total, 3_461_603.0);
    }
}

#[test]
fn crane_dsp_directory_matches_its_periods_file() {
    let Some(crane) = load_folder("crane-dsp") else {
        return;
    };
    let Some(dir) = data_dir() else { return };
    let mut periods = csv::Reader::from_path(dir.join("crane-dsp/periods.csv")).unwrap();
    let mut rows = 0;
    for record in periods.records() {
        let record = record.unwrap();
        let stem = record[0].trim_end_matches(".csv");
        let first = chrono::DateTime::parse_from_rfc3339(&record[4]).unwrap();
        let t = get(&crane, stem);
        check(
            t,
            record[2].parse().unwrap(),
            record[3].parse().unwrap(),
            first.timestamp(),
        );
        assert!(t.repairs.is_clean(), "{stem}: {}", t.repairs.summary());
        rows += 1;
    }
    // periods.csv itself is not a trace and was skipped.
    assert_eq!(crane.len(), rows);
    assert_eq!(rows, 14);
}

#[test]
fn alibaba_loads_every_column_as_offsets_from_day_three() {
    let Some(alibaba) = load_folder("alibaba-2018") else {
        return;
    };
    assert_eq!(alibaba.len(), 10);
    for column in [
        "cpu_util_percent",
        "mem_util_percent",
        "net_in",
        "net_out",
        "disk_io_percent",
    ] {
        let coarse = get(
            &alibaba,
            &format!("alibaba2018_cluster_usage_days3-8_300s:{column}"),
        );
        check(coarse, 300, 1_728, 172_800);
        let fine = get(
            &alibaba,
            &format!("alibaba2018_cluster_usage_days3-8_30s:{column}"),
        );
        check(fine, 30, 17_280, 172_800);
    }
    assert!(alibaba
        .values()
        .all(|t| !t.series.absolute && t.repairs.is_clean()));
}

#[test]
fn azure_traces_load_every_column_without_repairs() {
    let Some(v2) = load_folder("azure-vm-v2-total") else {
        return;
    };
    assert_eq!(v2.len(), 2);
    check(
        get(&v2, "azure_v2_total_vm_cpu_mem_300s:cpu_usage"),
        300,
        8_640,
        0,
    );
    check(
        get(&v2, "azure_v2_total_vm_cpu_mem_300s:assigned_mem"),
        300,
        8_640,
        0,
    );
    let Some(v1) = load_folder("azure-vm-v1") else {
        return;
    };
    assert_eq!(v1.len(), 99);
    for t in v1.values() {
        check(t, 300, 8_004, 0);
    }
    for t in v1.values().chain(v2.values()) {
        assert!(
            !t.series.absolute && t.repairs.is_clean(),
            "{}",
            t.series.name
        );
    }
}

#[test]
fn taylor_loads_as_half_hours_from_the_documented_monday() {
    let Some(taylor) = load_folder("taylor-electricity") else {
        return;
    };
    let t = get(&taylor, "taylor_half_hourly_demand_mw");
    // Monday 2000-06-05 00:00.
    check(t, 1800, 4_032, 960_163_200);
    assert!(t.repairs.is_clean());
}

#[test]
fn wikipedia_daily_keeps_missing_days_as_repairs() {
    let Some(wiki) = load_folder("wikipedia-daily") else {
        return;
    };
    // 2008-01-01 to 2015-12-31 and 2007-12-10 to 2016-01-20, one step a day.
    let r = get(&wiki, "wikipedia_log_daily_R");
    check(r, 86_400, 2_922, 1_199_145_600);
    let peyton = get(&wiki, "wikipedia_log_daily_peyton_manning");
    check(peyton, 86_400, 2_964, 1_197_244_800);
    for (t, rows) in [(r, 2_863), (peyton, 2_905)] {
        assert_eq!(t.repairs.rows, rows);
        let missing = t.series.len() - rows;
        assert_eq!(
            t.repairs.interpolated_steps + t.repairs.unknown_steps,
            missing
        );
    }
}

#[test]
fn m4_is_not_a_trace_folder() {
    let Some(dir) = data_dir() else { return };
    // One row per series, not per time: every file is skipped, and the folder is an error.
    let err = load_paths(&[dir.join("m4-hourly")], &LoadOptions::default()).unwrap_err();
    assert!(matches!(err, TraceError::NoTraces { .. }), "{err}");
}
