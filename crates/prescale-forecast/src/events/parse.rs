//! Parsers for the text values of an events file: timestamps, durations, times of day, UTC
//! offsets and weekdays. Each returns `None` on bad input; validation turns that into a problem
//! with its path.

use chrono::DateTime;

/// An ISO-8601 / RFC 3339 timestamp with an offset or `Z` (seconds optional) → unix seconds.
pub fn timestamp(text: &str) -> Option<i64> {
    let t = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.timestamp());
    }
    // RFC 3339 insists on seconds; `2026-11-27T08:00Z` is common in hand-written files.
    let t = match t.strip_suffix('Z').or_else(|| t.strip_suffix('z')) {
        Some(rest) => format!("{rest}+00:00"),
        None => t.to_string(),
    };
    DateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M%:z")
        .ok()
        .map(|d| d.timestamp())
}

/// A duration → seconds: `90m`, `1h30m`, `2d`, `45s`, `1w`, or ISO-8601 `PT1H30M`, `P1D`.
pub fn duration(text: &str) -> Option<i64> {
    let t = text.trim();
    match t.strip_prefix('P').or_else(|| t.strip_prefix('p')) {
        Some(iso) => iso_duration(iso),
        None => units(t, |c| match c {
            'w' => Some(7 * 86_400),
            'd' => Some(86_400),
            'h' => Some(3600),
            'm' => Some(60),
            's' => Some(1),
            _ => None,
        }),
    }
}

/// The part of an ISO-8601 duration after `P`: days (and weeks) before `T`, then H, M, S.
fn iso_duration(text: &str) -> Option<i64> {
    let upper = text.to_ascii_uppercase();
    let (date, time) = match upper.split_once('T') {
        Some((d, t)) if !t.is_empty() => (d, t),
        Some(_) => return None,
        None => (upper.as_str(), ""),
    };
    let days = units(date, |c| match c {
        'W' => Some(7 * 86_400),
        'D' => Some(86_400),
        _ => None,
    });
    let clock = units(time, |c| match c {
        'H' => Some(3600),
        'M' => Some(60),
        'S' => Some(1),
        _ => None,
    });
    match (date.is_empty(), time.is_empty()) {
        (true, true) => None,
        (false, true) => days,
        (true, false) => clock,
        (false, false) => Some(days? + clock?),
    }
}

/// A non-empty sequence of `<integer><unit>` pairs, each unit's seconds given by `unit`.
fn units(text: &str, unit: impl Fn(char) -> Option<i64>) -> Option<i64> {
    let mut total: i64 = 0;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
        } else {
            let n: i64 = number.parse().ok()?;
            total = total.checked_add(n.checked_mul(unit(c)?)?)?;
            number.clear();
        }
    }
    // A trailing number without a unit is ambiguous (seconds? minutes?): refuse it.
    (!text.is_empty() && number.is_empty()).then_some(total)
}

/// A time of day `HH:MM` or `HH:MM:SS` → seconds after midnight.
pub fn time_of_day(text: &str) -> Option<i64> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.len() != 2) {
        return None;
    }
    let field = |i: usize, max: i64| -> Option<i64> {
        let v: i64 = parts.get(i).map_or(Some(0), |p| p.parse().ok())?;
        (0..max).contains(&v).then_some(v)
    };
    Some(field(0, 24)? * 3600 + field(1, 60)? * 60 + field(2, 60)?)
}

/// A UTC offset `Z`, `UTC`, `+02:00`, `-05:30`, `+02` → seconds east of UTC.
pub fn utc_offset(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("z") || t.eq_ignore_ascii_case("utc") {
        return Some(0);
    }
    let (sign, rest) = match t.as_bytes().first()? {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "00"));
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 14 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

/// A weekday name or its three-letter abbreviation → 0 (Monday) ..= 6 (Sunday).
pub fn weekday(text: &str) -> Option<i64> {
    const NAMES: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let t = text.trim().to_ascii_lowercase();
    NAMES
        .iter()
        .position(|n| *n == t || (t.len() == 3 && n.starts_with(t.as_str())))
        .map(|i| i as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_need_an_offset_and_may_omit_seconds() {
        assert_eq!(timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(timestamp("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(timestamp("1970-01-01T00:01Z"), Some(60));
        assert_eq!(timestamp("1970-01-01T02:00-01:00"), Some(3 * 3600));
        assert_eq!(timestamp("1970-01-01T00:00:00"), None);
        assert_eq!(timestamp("2026-13-01T00:00:00Z"), None);
    }

    #[test]
    fn durations_in_units_and_iso_8601() {
        assert_eq!(duration("90m"), Some(5400));
        assert_eq!(duration("1h30m"), Some(5400));
        assert_eq!(duration("2d"), Some(172_800));
        assert_eq!(duration("1w"), Some(604_800));
        assert_eq!(duration("45s"), Some(45));
        assert_eq!(duration("PT1H30M"), Some(5400));
        assert_eq!(duration("P1DT2H"), Some(93_600));
        assert_eq!(duration("P1D"), Some(86_400));
        for bad in ["90", "1x", "", "P", "PT", "h", "1.5h"] {
            assert_eq!(duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn times_of_day_offsets_and_weekdays() {
        assert_eq!(time_of_day("02:00"), Some(7200));
        assert_eq!(time_of_day("23:59:30"), Some(86_370));
        assert_eq!(time_of_day("24:00"), None);
        assert_eq!(time_of_day("2:00"), None);
        assert_eq!(utc_offset("Z"), Some(0));
        assert_eq!(utc_offset("+02:00"), Some(7200));
        assert_eq!(utc_offset("-05:30"), Some(-19_800));
        assert_eq!(utc_offset("+02"), Some(7200));
        assert_eq!(utc_offset("02:00"), None);
        assert_eq!(weekday("Sunday"), Some(6));
        assert_eq!(weekday("tue"), Some(1));
        assert_eq!(weekday("tues"), None);
    }
}
