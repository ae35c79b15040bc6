//! Timestamp parsing for the first column of a trace: calendar date-times and plain seconds.
//!
//! Hand-written rather than a list of `chrono` formats tried in turn: traces have hundreds of
//! thousands of rows, and one pass over fixed positions is both faster and stricter.

use chrono::{Datelike, NaiveDate};

/// Plain numbers at or above this are Unix seconds (1973-03-03); below, offsets from an origin.
pub const UNIX_THRESHOLD: f64 = 1e8;

/// Days from 0001-01-01 (day 1 of the common era) to 1970-01-01.
const UNIX_EPOCH_DAYS_FROM_CE: i64 = 719_163;

/// One parsed time cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stamp {
    /// A calendar date-time, as Unix seconds (UTC).
    Calendar(f64),
    /// A plain number of seconds: Unix time or an offset, decided per file.
    Seconds(f64),
}

/// Parses one time cell (already trimmed).
///
/// Accepted: `YYYY-MM-DD`, then optionally `T`/`t`/space and `HH:MM[:SS[.fff]]`, then
/// optionally `Z` or an offset `±HH[:MM]`; without an offset the time is UTC. Otherwise a
/// finite number of seconds. The error is a reason for the user, without the cell itself.
pub fn parse_stamp(cell: &str) -> Result<Stamp, &'static str> {
    let b = cell.as_bytes();
    if b.len() >= 10 && b[4] == b'-' {
        return parse_calendar(b).map(Stamp::Calendar);
    }
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Stamp::Seconds(v)),
        Ok(_) => Err("time is not finite"),
        Err(_) if cell.is_empty() => Err("empty time"),
        Err(_) => Err("not a time: expected ISO-8601, `YYYY-MM-DD HH:MM:SS`, a date or seconds"),
    }
}

fn parse_calendar(b: &[u8]) -> Result<f64, &'static str> {
    const BAD_DATE: &str = "bad date: expected YYYY-MM-DD";
    if b[7] != b'-' {
        return Err(BAD_DATE);
    }
    let (year, month, day) = (digits(&b[0..4]), digits(&b[5..7]), digits(&b[8..10]));
    let (Some(year), Some(month), Some(day)) = (year, month, day) else {
        return Err(BAD_DATE);
    };
    let date = NaiveDate::from_ymd_opt(year as i32, month, day).ok_or("no such date")?;
    let days = i64::from(date.num_days_from_ce()) - UNIX_EPOCH_DAYS_FROM_CE;
    let midnight = (days * 86_400) as f64;
    let rest = &b[10..];
    if rest.is_empty() {
        return Ok(midnight);
    }
    if !matches!(rest[0], b'T' | b't' | b' ') {
        return Err("bad date-time: expected `T` or a space after the date");
    }
    let (of_day, rest) = parse_clock(&rest[1..])?;
    let offset = parse_offset(rest)?;
    Ok(midnight + of_day - offset)
}

/// `HH:MM[:SS[.fff]]` → (seconds into the day, what follows).
fn parse_clock(b: &[u8]) -> Result<(f64, &[u8]), &'static str> {
    const BAD_TIME: &str = "bad time of day: expected HH:MM or HH:MM:SS";
    if b.len() < 5 || b[2] != b':' {
        return Err(BAD_TIME);
    }
    let (Some(hour), Some(minute)) = (digits(&b[0..2]), digits(&b[3..5])) else {
        return Err(BAD_TIME);
    };
    let mut rest = &b[5..];
    let mut second = 0.0;
    if rest.first() == Some(&b':') {
        let sec = rest.get(1..3).and_then(digits).ok_or(BAD_TIME)?;
        rest = &rest[3..];
        let frac_len = match rest.first() {
            Some(b'.' | b',') => 1 + rest[1..].iter().take_while(|c| c.is_ascii_digit()).count(),
            _ => 0,
        };
        second = f64::from(sec) + fraction(&rest[..frac_len]);
        rest = &rest[frac_len..];
    }
    // 60 is a leap second: it lands on the next minute's first second, like a duplicate.
    if hour > 23 || minute > 59 || second >= 61.0 {
        return Err("time of day out of range");
    }
    Ok((f64::from(hour * 3600 + minute * 60) + second, rest))
}

/// `.fff` (or `,fff`) → its value; the separator alone means zero.
fn fraction(b: &[u8]) -> f64 {
    let mut value = 0.0;
    let mut scale = 0.1;
    for &c in b.iter().skip(1) {
        value += f64::from(c - b'0') * scale;
        scale /= 10.0;
    }
    value
}

/// Empty, `Z` or `±HH[[:]MM]` → seconds east of UTC.
fn parse_offset(b: &[u8]) -> Result<f64, &'static str> {
    const BAD_OFFSET: &str = "bad UTC offset: expected Z, +HH:MM or -HH:MM";
    let sign = match b.first() {
        None => return Ok(0.0),
        Some(b'Z' | b'z') if b.len() == 1 => return Ok(0.0),
        Some(b'+') => 1.0,
        Some(b'-') => -1.0,
        Some(_) => return Err(BAD_OFFSET),
    };
    let (hours, minutes) = match &b[1..] {
        [h1, h2] => (digits(&[*h1, *h2]), Some(0)),
        [h1, h2, m1, m2] | [h1, h2, b':', m1, m2] => (digits(&[*h1, *h2]), digits(&[*m1, *m2])),
        _ => return Err(BAD_OFFSET),
    };
    match (hours, minutes) {
        (Some(h), Some(m)) if h < 24 && m < 60 => Ok(sign * f64::from(h * 3600 + m * 60)),
        _ => Err(BAD_OFFSET),
    }
}

/// ASCII digits → their value; `None` when any byte is not a digit.
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calendar(cell: &str) -> f64 {
        match parse_stamp(cell) {
            Ok(Stamp::Calendar(t)) => t,
            other => panic!("{cell}: {other:?}"),
        }
    }

    #[test]
    fn unix_epoch_is_zero() {
        assert_eq!(calendar("1970-01-01"), 0.0);
        assert_eq!(calendar("1970-01-01T00:00:00Z"), 0.0);
    }

    #[test]
    fn iso_with_negative_offset_is_converted_to_utc() {
        // 1995-07-01 00:00 EDT = 04:00 UTC.
        assert_eq!(calendar("1995-07-01T00:00:00-04:00"), 804_571_200.0);
    }

    #[test]
    fn iso_with_z_and_with_positive_offset() {
        assert_eq!(calendar("2021-08-11T00:00:00Z"), 1_628_640_000.0);
        assert_eq!(calendar("2021-08-11T02:00:00+02:00"), 1_628_640_000.0);
        assert_eq!(calendar("2021-08-11T02:00:00+0200"), 1_628_640_000.0);
        assert_eq!(calendar("2021-08-11T02:00:00+02"), 1_628_640_000.0);
    }

    #[test]
    fn iso_without_offset_is_utc_with_or_without_seconds() {
        assert_eq!(calendar("2000-06-05T00:00"), 960_163_200.0);
        assert_eq!(calendar("2000-06-05T00:00:00"), 960_163_200.0);
        assert_eq!(calendar("2000-06-05T00:30"), 960_165_000.0);
    }

    #[test]
    fn space_separated_date_time_is_utc() {
        assert_eq!(calendar("2014-07-01 00:00:00"), 1_404_172_800.0);
        assert_eq!(calendar("2015-02-26 21:42:53"), 1_424_986_973.0);
    }

    #[test]
    fn a_date_alone_is_midnight_utc() {
        assert_eq!(calendar("2008-01-01"), 1_199_145_600.0);
    }

    #[test]
    fn fractional_seconds_are_kept() {
        assert_eq!(calendar("1970-01-01T00:00:01.25Z"), 1.25);
        assert_eq!(calendar("1970-01-01 00:00:01,5"), 1.5);
    }

    #[test]
    fn plain_numbers_are_seconds() {
        assert_eq!(
            parse_stamp("1628640000"),
            Ok(Stamp::Seconds(1_628_640_000.0))
        );
        assert_eq!(parse_stamp("172800"), Ok(Stamp::Seconds(172_800.0)));
        assert_eq!(parse_stamp("0.5"), Ok(Stamp::Seconds(0.5)));
    }

    #[test]
    fn malformed_times_are_rejected() {
        for bad in [
            "",
            "yesterday",
            "2021-13-01",
            "2021-02-30",
            "2021-02-03X00:00",
            "2021-02-03T25:00",
            "2021-02-03T10:00:00+5",
            "2021-02-03T10:00:00 UTC",
            "2021/02/03 10:00",
            "inf",
            "NaN",
        ] {
            assert!(parse_stamp(bad).is_err(), "{bad} should be rejected");
        }
    }
}
