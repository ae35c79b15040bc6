//! Tests of the events calendar: schema, validation paths, resolution on a grid.

use super::*;

const HOUR: i64 = 3600;
/// 2026-03-01T00:00:00Z, a Sunday.
const SUNDAY: i64 = 1_772_323_200;

fn calendar(yaml: &str) -> EventCalendar {
    EventCalendar::from_yaml("test", yaml).unwrap()
}

fn problems(yaml: &str) -> Vec<String> {
    match EventCalendar::from_yaml("test", yaml) {
        Err(EventsError::Invalid { problems, .. }) => {
            problems.iter().map(Problem::to_string).collect()
        }
        other => panic!("expected validation problems, got {other:?}"),
    }
}

#[test]
fn the_example_file_parses_and_validates() {
    let text = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/events.yaml"
    ));
    let c = calendar(text);
    assert_eq!(c.events().len(), 8);
    assert_eq!(c.learned_groups(), vec!["campaign", "weekly-peak"]);
}

#[test]
fn every_field_of_a_one_off_event_is_read() {
    let c = calendar(
        "version: 1
events:
  - name: sale
    start: 2026-03-01T08:00:00+01:00
    end: 2026-03-01T20:00Z
    effect: {multiply: 2.5}
    group: campaign
  - name: launch
    start: 2026-03-01T00:00:00Z
    duration: 1h30m
    effect: {add: -5}
  - name: mail
    start: 2026-03-01T00:00:00Z
    duration: P1D
",
    );
    let e = c.events();
    assert_eq!(
        e[0],
        Event {
            name: "sale".into(),
            group: "campaign".into(),
            effect: Some(Effect::Multiply(2.5)),
            schedule: Schedule::Once {
                start: SUNDAY + 7 * HOUR,
                end: SUNDAY + 20 * HOUR
            },
        }
    );
    assert_eq!(e[1].effect, Some(Effect::Add(-5.0)));
    assert_eq!(e[1].group, "launch", "the group defaults to the name");
    assert_eq!(
        e[1].schedule,
        Schedule::Once {
            start: SUNDAY,
            end: SUNDAY + 5400
        }
    );
    assert_eq!(e[2].effect, None, "an omitted effect is learned");
}

#[test]
fn every_field_of_a_recurring_event_is_read() {
    let c = calendar(
        "version: 1
recurring:
  - name: maintenance
    days: [sunday, Wed]
    start: \"02:00\"
    duration: 1h
    utc_offset: \"+01:00\"
    from: 2026-03-01T00:00:00Z
    until: 2026-04-01T00:00:00Z
    effect: {multiply: 0.1}
    group: ops
  - name: batch
    start: \"23:30\"
    end: \"00:30\"
",
    );
    let Schedule::Periodic {
        period,
        phases,
        duration,
        from,
        until,
    } = &c.events()[0].schedule
    else {
        panic!("recurring events are periodic")
    };
    assert_eq!((*period, *duration), (WEEK, HOUR));
    // Sunday 02:00+01:00 is Sunday 01:00 UTC; Wednesday is three days later.
    assert_eq!(phases.len(), 2);
    assert!(phases.contains(&((SUNDAY + HOUR) % WEEK)));
    assert!(phases.contains(&((SUNDAY + 3 * DAY + HOUR) % WEEK)));
    assert_eq!(*from, Some(SUNDAY));
    assert_eq!(*until, Some(SUNDAY + 31 * DAY));
    assert_eq!(c.events()[0].group, "ops");
    assert_eq!(
        c.events()[1].schedule,
        Schedule::Periodic {
            period: DAY,
            phases: vec![23 * HOUR + 1800],
            duration: HOUR,
            from: None,
            until: None,
        },
        "an end before the start is on the next day"
    );
}

#[test]
fn every_problem_is_reported_with_its_path() {
    let found = problems(
        "version: 2
events:
  - name: a
    start: 2026-03-01T08:00:00Z
    end: 2026-03-01T07:00:00Z
  - name: a
    start: yesterday
    duration: 90
    effect: {multiply: -1}
  - name: c
    start: 2026-03-01T08:00:00Z
    end: 2026-03-01T09:00:00Z
    duration: 1h
    effect: {multiply: 2, add: 1}
  - name: \"\"
    start: 2026-03-01T08:00:00Z
    group: \"\"
recurring:
  - name: r
    days: [funday]
    start: \"25:00\"
    duration: 8d
    utc_offset: CET
  - name: s
    start: \"01:00\"
    duration: 25h
    from: 2026-03-02T00:00:00Z
    until: 2026-03-01T00:00:00Z
",
    );
    let expected = [
        "version: version 2 is not supported (only 1)",
        "events[1].name: duplicate name \"a\"",
        "events[3].name: must not be empty",
        "events[0].end: before start",
        "events[1].start: \"yesterday\" is not an ISO-8601 time with an offset (like 2026-11-27T08:00:00Z)",
        "events[1].duration: \"90\" is not a duration (like 90m, 1h30m, 2d or PT1H30M)",
        "events[1].effect.multiply: -1 must be a finite number >= 0",
        "events[2].end: give end or duration, not both",
        "events[2].effect: give exactly one of multiply and add",
        "events[3]: give end or duration",
        "events[3].group: must not be empty",
        "recurring[0].days[0]: \"funday\" is not a weekday (monday..sunday or mon..sun)",
        "recurring[0].start: \"25:00\" is not a time of day (HH:MM or HH:MM:SS)",
        "recurring[0].duration: longer than the period (a week)",
        "recurring[0].utc_offset: \"CET\" is not a UTC offset (like Z, +02:00 or -05:30)",
        "recurring[1].duration: longer than the period (a day)",
        "recurring[1].until: not after from",
    ];
    assert_eq!(found, expected);
}

#[test]
fn an_unknown_key_or_a_missing_version_is_a_parse_error() {
    for yaml in [
        "version: 1\nevents:\n  - name: a\n    start: 2026-03-01T00:00Z\n    duration: 1h\n    colour: red\n",
        "events: []\n",
        "version: 1\nrecurring:\n  - name: a\n    start: \"01:00\"\n    duration: 1h\n    effect: {scale: 2}\n",
    ] {
        let err = EventCalendar::from_yaml("f.yaml", yaml).unwrap_err();
        assert!(matches!(err, EventsError::Parse { .. }), "{err}");
        assert!(err.to_string().starts_with("events f.yaml: "), "{err}");
    }
}

#[test]
fn a_weekly_window_recurs_every_utc_week_and_nowhere_else() {
    let c = calendar(
        "version: 1
recurring:
  - name: maintenance
    days: [sunday]
    start: \"02:00\"
    duration: 1h
    effect: {multiply: 0.1}
",
    );
    for week in [-520, -1, 0, 1, 2, 52, 520] {
        let sunday = SUNDAY + week * WEEK;
        assert_eq!(c.active(sunday + 2 * HOUR).count(), 1, "week {week}");
        assert_eq!(c.active(sunday + 3 * HOUR - 1).count(), 1, "week {week}");
        assert_eq!(c.active(sunday + 3 * HOUR).count(), 0, "end is exclusive");
        assert_eq!(c.active(sunday + 2 * HOUR - 1).count(), 0);
        assert_eq!(
            c.active(sunday + DAY + 2 * HOUR).count(),
            0,
            "not on monday"
        );
    }
    // Four weeks of hourly steps: exactly four active hours, each at Sunday 02:00.
    let f = c.features(SUNDAY, 3600, 4 * 168);
    let active: Vec<usize> = (0..f.multiplier.len())
        .filter(|&i| f.multiplier[i] != 1.0)
        .collect();
    assert_eq!(active, vec![2, 170, 338, 506]);
    assert!(active
        .iter()
        .all(|&i| (f.multiplier[i] - 0.1).abs() < 1e-12));
}

#[test]
fn a_partially_covered_step_gets_the_covered_fraction() {
    let c = calendar(
        "version: 1
events:
  - name: sale
    start: 2026-03-01T00:15:00Z
    end: 2026-03-01T02:30:00Z
    effect: {multiply: 3}
  - name: promo
    start: 2026-03-01T00:45:00Z
    duration: 30m
    group: campaign
  - name: bonus
    start: 2026-03-01T01:00:00Z
    duration: 15m
    effect: {add: 100}
",
    );
    let f = c.features(SUNDAY, 3600, 4);
    assert_eq!(f.declared[0].activity, vec![0.75, 1.0, 0.5, 0.0]);
    // A three-quarters covered ×3 step is ×2.5 on average.
    assert_eq!(f.multiplier, vec![2.5, 3.0, 2.0, 1.0]);
    assert_eq!(f.addend, vec![0.0, 25.0, 0.0, 0.0]);
    assert_eq!(f.learned[0].group, "campaign");
    assert_eq!(f.learned[0].activity, vec![0.25, 0.25, 0.0, 0.0]);
}

#[test]
fn occurrences_of_one_group_share_one_row_and_inactive_groups_stay_listed() {
    let c = calendar(
        "version: 1
events:
  - {name: a, start: 2026-03-01T01:00Z, duration: 1h, group: campaign}
  - {name: b, start: 2026-03-01T03:00Z, duration: 1h, group: campaign}
  - {name: c, start: 2027-01-01T00:00Z, duration: 1h, group: later}
",
    );
    let f = c.features(SUNDAY, 3600, 5);
    assert_eq!(f.learned.len(), 2);
    assert_eq!(f.learned[0].activity, vec![0.0, 1.0, 0.0, 1.0, 0.0]);
    assert_eq!(f.learned[1].group, "later");
    assert!(f.learned[1].activity.iter().all(|&a| a == 0.0));
}

#[test]
fn from_and_until_bound_a_recurring_event() {
    let c = calendar(
        "version: 1
recurring:
  - name: batch
    start: \"23:30\"
    end: \"00:30\"
    from: 2026-03-02T00:00:00Z
    until: 2026-03-03T00:15:00Z
    effect: {add: 10}
",
    );
    // Hourly steps over three days from Sunday: Sunday night's occurrence counts from Monday
    // 00:00, Monday night's until Tuesday 00:15.
    let f = c.features(SUNDAY, 3600, 72);
    let active: Vec<(usize, f64)> = f
        .addend
        .iter()
        .enumerate()
        .filter(|(_, &a)| a != 0.0)
        .map(|(i, &a)| (i, a))
        .collect();
    assert_eq!(active, vec![(24, 5.0), (47, 5.0), (48, 2.5)]);
}

#[test]
fn resolution_over_a_long_grid_counts_every_occurrence_once() {
    let c = calendar(
        "version: 1
recurring:
  - {name: peak, days: [tue], start: \"09:00\", end: \"12:00\", utc_offset: \"+01:00\"}
",
    );
    // 40 000 minute steps (about four weeks): four Tuesday peaks of three hours.
    let f = c.features(SUNDAY, 60, 40_000);
    let minutes: f64 = f.learned[0].activity.iter().sum();
    assert_eq!(minutes, 4.0 * 180.0);
    // Tuesday 09:00+01:00 = 08:00 UTC, two days after Sunday.
    assert_eq!(f.learned[0].activity[(2 * 24 + 8) * 60], 1.0);
    assert_eq!(f.learned[0].activity[(2 * 24 + 8) * 60 - 1], 0.0);
}

#[test]
fn from_time_keeps_what_can_still_happen() {
    let c = calendar(
        "version: 1
events:
  - {name: past, start: 2026-03-01T01:00Z, duration: 1h}
  - {name: future, start: 2026-03-02T01:00Z, duration: 1h}
recurring:
  - {name: daily, start: \"01:00\", duration: 1h}
",
    );
    let later = c.from_time(SUNDAY + DAY);
    let kept: Vec<&str> = later.events().iter().map(|e| e.name.as_str()).collect();
    assert_eq!(kept, vec!["future", "daily"]);
}
