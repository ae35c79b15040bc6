//! The documented input formats, errors and repair rules, each on a literal CSV.

use super::*;

fn load(csv: &str) -> Vec<LoadedTrace> {
    load_with(csv, &LoadOptions::default())
}

fn load_with(csv: &str, opts: &LoadOptions) -> Vec<LoadedTrace> {
    parse_csv("t.csv", csv.as_bytes(), opts).unwrap_or_else(|e| panic!("{e}"))
}

fn one(csv: &str) -> LoadedTrace {
    let mut traces = load(csv);
    assert_eq!(traces.len(), 1, "expected one series");
    traces.remove(0)
}

fn error(csv: &str, opts: &LoadOptions) -> TraceError {
    match parse_csv("t.csv", csv.as_bytes(), opts) {
        Ok(traces) => panic!("expected an error, got {} series", traces.len()),
        Err(e) => e,
    }
}

fn values(trace: &LoadedTrace) -> Vec<Option<f64>> {
    trace.series.values.clone()
}

#[test]
fn iso_times_with_offset_are_absolute_utc() {
    let t = one("timestamp,requests\n1995-07-01T00:00:00-04:00,42\n1995-07-01T00:01:00-04:00,61\n");
    assert!(t.series.absolute);
    assert_eq!(t.series.start, 804_571_200);
    assert_eq!(t.series.step_seconds, 60);
    assert_eq!(values(&t), vec![Some(42.0), Some(61.0)]);
}

#[test]
fn iso_times_without_offset_and_space_separated_times_are_utc() {
    let t = one("timestamp,demand_mw\n2000-06-05T00:00,1\n2000-06-05T00:30,2\n");
    assert_eq!((t.series.start, t.series.step_seconds), (960_163_200, 1800));
    let t = one("timestamp,value\n2014-07-01 00:00:00,1\n2014-07-01 00:30:00,2\n");
    assert_eq!(
        (t.series.start, t.series.step_seconds),
        (1_404_172_800, 1800)
    );
}

#[test]
fn dates_are_midnight_utc_with_a_daily_step() {
    let t = one("date,log_views\n2008-01-01,4.8\n2008-01-02,5.3\n2008-01-04,5.1\n");
    assert_eq!(
        (t.series.start, t.series.step_seconds),
        (1_199_145_600, 86_400)
    );
    assert_eq!(t.series.len(), 4);
    assert!(t.series.absolute);
}

#[test]
fn large_plain_numbers_are_unix_seconds() {
    let t = one("ts,value\n1628640000,39.7\n1628640060,39.8\n");
    assert!(t.series.absolute);
    assert_eq!((t.series.start, t.series.step_seconds), (1_628_640_000, 60));
}

#[test]
fn small_plain_numbers_are_offsets_that_keep_their_origin() {
    let t = one("t_seconds,cpu\n172800,29.1\n173100,30.5\n");
    assert!(!t.series.absolute);
    assert_eq!((t.series.start, t.series.step_seconds), (172_800, 300));
}

#[test]
fn fractional_seconds_are_placed_on_the_grid() {
    let t = one("t,v\n0.5,1\n15.5,2\n30.5,3\n");
    assert_eq!(t.series.step_seconds, 15);
    assert_eq!(t.series.len(), 3);
    assert!(t.repairs.is_clean(), "{}", t.repairs.summary());
}

#[test]
fn quoted_headers_and_cells_are_read() {
    let t = one(
        "\"timestamp\",\"value\"\n\"2014-07-01 00:00:00\",\"10\"\n\"2014-07-01 00:30:00\",\"12\"\n",
    );
    assert_eq!(values(&t), vec![Some(10.0), Some(12.0)]);
}

#[test]
fn one_value_column_is_named_after_the_file_and_several_after_file_and_column() {
    let traces = parse_csv(
        "nyc_taxi",
        "t,value\n0,1\n60,2\n".as_bytes(),
        &LoadOptions::default(),
    );
    let names: Vec<_> = traces.unwrap().into_iter().map(|t| t.series.name).collect();
    assert_eq!(names, vec!["nyc_taxi"]);
    let traces = parse_csv(
        "alibaba",
        "t,cpu,mem\n0,1,2\n60,2,3\n".as_bytes(),
        &LoadOptions::default(),
    );
    let names: Vec<_> = traces.unwrap().into_iter().map(|t| t.series.name).collect();
    assert_eq!(names, vec!["alibaba:cpu", "alibaba:mem"]);
}

#[test]
fn text_columns_are_ignored_and_do_not_change_the_name() {
    let traces = parse_csv(
        "f",
        "t,label,v\n0,a,1\n60,b,2\n".as_bytes(),
        &LoadOptions::default(),
    );
    let names: Vec<_> = traces.unwrap().into_iter().map(|t| t.series.name).collect();
    assert_eq!(names, vec!["f"]);
}

#[test]
fn selected_columns_come_in_the_order_asked() {
    let opts = LoadOptions {
        columns: vec!["mem".into(), "cpu".into()],
        ..LoadOptions::default()
    };
    let traces = load_with("t,cpu,mem,net\n0,1,2,3\n60,2,3,4\n", &opts);
    let names: Vec<_> = traces.iter().map(|t| t.series.name.as_str()).collect();
    assert_eq!(names, vec!["t.csv:mem", "t.csv:cpu"]);
}

#[test]
fn an_unknown_column_is_an_error_listing_the_available_ones() {
    let opts = LoadOptions {
        columns: vec!["cpu_utl".into()],
        ..LoadOptions::default()
    };
    let err = error("t,cpu_util,mem\n0,1,2\n", &opts);
    assert!(matches!(err, TraceError::UnknownColumn { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "t.csv: no column `cpu_utl` (available: cpu_util, mem)"
    );
}

#[test]
fn asking_for_a_text_column_is_an_error() {
    let opts = LoadOptions {
        columns: vec!["label".into()],
        ..LoadOptions::default()
    };
    let err = error("t,label,v\n0,a,1\n", &opts);
    assert!(
        matches!(err, TraceError::ColumnNotNumeric { .. }),
        "{err:?}"
    );
}

#[test]
fn a_bad_timestamp_is_an_error_naming_file_and_line() {
    let err = error(
        "timestamp,value\n2014-07-01 00:00:00,1\n2014-07-01 00:30:00,2\n2014-07-01 0x:00,3\n",
        &LoadOptions::default(),
    );
    match &err {
        TraceError::Parse { path, line, .. } => {
            assert_eq!((path.as_path(), *line), (Path::new("t.csv"), 4))
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().starts_with("t.csv:4: "), "{err}");
    assert!(err.to_string().contains("2014-07-01 0x:00"), "{err}");
}

#[test]
fn a_ragged_row_is_an_error_with_its_line() {
    let err = error("t,v\n0,1\n60,2,9\n", &LoadOptions::default());
    assert!(matches!(err, TraceError::Parse { line: 3, .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "t.csv:3: expected 2 fields like the header, found 3"
    );
}

#[test]
fn invalid_utf8_is_an_error_with_its_line() {
    let err = parse_csv(
        "t.csv",
        &b"t,v\n0,1\n60,\xff\n"[..],
        &LoadOptions::default(),
    );
    assert!(
        matches!(err, Err(TraceError::Parse { line: 3, .. })),
        "{err:?}"
    );
}

#[test]
fn a_file_whose_first_column_is_not_time_is_not_a_trace() {
    let err = error(
        "file,step_seconds\ninput0.csv,60\n",
        &LoadOptions::default(),
    );
    assert!(
        matches!(err, TraceError::NotATrace { line: 2, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("`file`"), "{err}");
}

#[test]
fn a_file_without_header_is_an_error_not_a_lost_row() {
    let err = error("0,1\n60,2\n", &LoadOptions::default());
    assert!(matches!(err, TraceError::Parse { line: 1, .. }), "{err:?}");
}

#[test]
fn a_file_without_rows_or_without_numbers_is_an_error() {
    assert!(matches!(
        error("t,v\n", &LoadOptions::default()),
        TraceError::NoData { column: None, .. }
    ));
    assert!(matches!(
        error("", &LoadOptions::default()),
        TraceError::NoData { column: None, .. }
    ));
    assert!(matches!(
        error("t,v\n0,a\n60,b\n", &LoadOptions::default()),
        TraceError::NoNumericColumn { .. }
    ));
}

#[test]
fn a_series_without_any_known_value_is_an_error() {
    let err = error("t,v\n0,-1\n60,-2\n", &LoadOptions::default());
    assert!(
        matches!(err, TraceError::NoData { column: Some(ref c), .. } if c == "v"),
        "{err:?}"
    );
}

#[test]
fn a_single_timestamp_needs_a_given_step() {
    assert!(matches!(
        error("t,v\n0,1\n0,2\n", &LoadOptions::default()),
        TraceError::StepUndetectable { .. }
    ));
    let opts = LoadOptions {
        step_seconds: Some(60),
        ..LoadOptions::default()
    };
    assert_eq!(
        values(&load_with("t,v\n0,1\n0,2\n", &opts)[0]),
        vec![Some(1.5)]
    );
}

#[test]
fn a_wild_timestamp_is_refused_instead_of_allocating_a_huge_grid() {
    let err = error(
        "t,v\n1628640000,1\n1628640060,2\n1628640120,3\n4102444800,4\n",
        &LoadOptions::default(),
    );
    assert!(matches!(err, TraceError::TooManySteps { .. }), "{err:?}");
}

#[test]
fn invalid_options_are_refused() {
    let opts = LoadOptions {
        step_seconds: Some(0),
        ..LoadOptions::default()
    };
    assert!(matches!(
        error("t,v\n0,1\n", &opts),
        TraceError::InvalidOption { .. }
    ));
    let opts = LoadOptions {
        max_fill_seconds: Some(f64::NAN),
        ..LoadOptions::default()
    };
    assert!(matches!(
        error("t,v\n0,1\n", &opts),
        TraceError::InvalidOption { .. }
    ));
}

#[test]
fn empty_cells_are_gaps_not_zeros() {
    let opts = LoadOptions {
        max_fill_seconds: Some(0.0),
        ..LoadOptions::default()
    };
    let t = &load_with("t,v\n0,5\n60,\n120,7\n", &opts)[0];
    assert_eq!(values(t), vec![Some(5.0), None, Some(7.0)]);
    assert_eq!(t.repairs.empty_cells, 1);
    assert_eq!((t.repairs.unknown_steps, t.repairs.unknown_gaps), (1, 1));
}

#[test]
fn nan_infinite_text_and_negative_cells_become_gaps() {
    let opts = LoadOptions {
        max_fill_seconds: Some(0.0),
        ..LoadOptions::default()
    };
    let t = &load_with(
        "t,v\n0,1\n60,NaN\n120,nan\n180,inf\n240,n/a\n300,-3\n360,2\n",
        &opts,
    )[0];
    assert_eq!(
        values(t),
        vec![Some(1.0), None, None, None, None, None, Some(2.0)]
    );
    assert_eq!((t.repairs.invalid_cells, t.repairs.negative_values), (4, 1));
}

#[test]
fn duplicate_timestamps_are_averaged_over_known_values() {
    let t = one("t,v\n0,1\n60,2\n60,4\n60,\n120,3\n");
    assert_eq!(values(&t), vec![Some(1.0), Some(3.0), Some(3.0)]);
    assert_eq!(t.repairs.duplicate_timestamps, 2);
    assert_eq!(t.repairs.averaged_steps, 1);
}

#[test]
fn unsorted_rows_are_sorted() {
    let t = one("t,v\n120,3\n0,1\n60,2\n");
    assert_eq!(values(&t), vec![Some(1.0), Some(2.0), Some(3.0)]);
    assert_eq!(t.series.start, 0);
    assert_eq!(t.repairs.out_of_order_rows, 1);
}

#[test]
fn a_short_gap_is_interpolated_and_a_long_gap_left_unknown() {
    // Step 600 s: the default limit is max(3 · 600, 1800) = 1800 s = 3 missing steps.
    let csv = "t,v\n0,0\n2400,4\n3000,4\n6000,9\n";
    let opts = LoadOptions {
        step_seconds: Some(600),
        ..LoadOptions::default()
    };
    let t = &load_with(csv, &opts)[0];
    let expected = [
        Some(0.0),
        Some(1.0),
        Some(2.0),
        Some(3.0),
        Some(4.0),
        Some(4.0),
    ]
    .into_iter()
    .chain([None; 4])
    .chain([Some(9.0)])
    .collect::<Vec<_>>();
    assert_eq!(values(t), expected);
    assert_eq!(t.repairs.interpolated_steps, 3);
    assert_eq!((t.repairs.unknown_steps, t.repairs.unknown_gaps), (4, 1));
    assert!(!t.repairs.step_detected);
}

#[test]
fn leading_and_trailing_gaps_stay_unknown() {
    let t = &load("t,a,b\n0,,1\n60,1,2\n120,2,\n")[0];
    assert_eq!(values(t), vec![None, Some(1.0), Some(2.0)]);
    assert_eq!(t.repairs.unknown_gaps, 1);
}

#[test]
fn irregular_jitter_is_snapped_to_the_detected_step() {
    let t = one("t,v\n1000,1\n1300,2\n1610,3\n1900,4\n2200,5\n2495,6\n2800,7\n");
    assert_eq!(t.series.step_seconds, 300);
    let expected: Vec<_> = (1..=7).map(|v| Some(f64::from(v))).collect();
    assert_eq!(values(&t), expected);
    // 1610 and 2495 are more than 3 s (1 % of 300 s) off their grid points.
    assert_eq!(t.repairs.snapped_samples, 2);
}

#[test]
fn samples_finer_than_a_given_step_are_averaged_into_it() {
    let opts = LoadOptions {
        step_seconds: Some(120),
        ..LoadOptions::default()
    };
    let t = &load_with("t,v\n0,1\n60,3\n120,5\n180,7\n", &opts)[0];
    // 60 lies half-way between 0 and 120 and rounds up, so it shares the 120 step with 120;
    // 180 likewise goes to 240.
    assert_eq!(values(t), vec![Some(1.0), Some(4.0), Some(7.0)]);
    assert_eq!(
        (t.repairs.averaged_steps, t.repairs.snapped_samples),
        (1, 2)
    );
}

#[test]
fn a_clean_regular_file_reports_no_repairs() {
    let t = one("t,v\n0,1\n60,2\n120,3\n");
    assert!(t.repairs.is_clean());
    assert_eq!(
        (
            t.repairs.rows,
            t.repairs.step_seconds,
            t.repairs.step_detected
        ),
        (3, 60, true)
    );
}

#[test]
fn a_directory_loads_its_csv_files_by_name_and_skips_non_traces() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b.csv"), "t,v\n0,1\n60,2\n").unwrap();
    std::fs::write(dir.path().join("a.csv"), "t,v\n0,3\n60,4\n").unwrap();
    std::fs::write(dir.path().join("periods.csv"), "file,step\na.csv,60\n").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not csv").unwrap();
    let traces = load_paths(&[dir.path().to_path_buf()], &LoadOptions::default()).unwrap();
    let names: Vec<_> = traces.iter().map(|t| t.series.name.as_str()).collect();
    assert_eq!(names, vec!["a", "b"]);
}

#[test]
fn a_broken_trace_in_a_directory_fails_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.csv"), "t,v\n0,1\n60,2,3\n").unwrap();
    let err = load_paths(&[dir.path().to_path_buf()], &LoadOptions::default()).unwrap_err();
    assert_eq!(err.path(), Some(dir.path().join("a.csv").as_path()));
    assert!(err.to_string().contains("a.csv:3:"), "{err}");
}

#[test]
fn a_directory_without_traces_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("periods.csv"), "file,step\na.csv,60\n").unwrap();
    let err = load_paths(&[dir.path().to_path_buf()], &LoadOptions::default()).unwrap_err();
    assert!(matches!(err, TraceError::NoTraces { .. }), "{err:?}");
}

#[test]
fn a_non_trace_file_named_directly_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("periods.csv");
    std::fs::write(&path, "file,step\na.csv,60\n").unwrap();
    let err = load_paths(&[path], &LoadOptions::default()).unwrap_err();
    assert!(matches!(err, TraceError::NotATrace { .. }), "{err:?}");
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let err = load_paths(
        &[PathBuf::from("/nonexistent/x.csv")],
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, TraceError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("/nonexistent/x.csv"), "{err}");
}
