//! Writing a series as a `timestamp,value` CSV trace.

use chrono::DateTime;
use prescale_core::Series;
use std::io::{self, BufWriter, Write};

/// Writes `series` as CSV: a `timestamp,value` header, then one row per step with the step's
/// start as an ISO 8601 UTC time (`2026-01-05T00:00:00Z`) and its value with at most three
/// decimals (trailing zeros dropped); an unknown value is an empty field.
///
/// A relative series (`absolute: false`) is written as if its offsets were Unix time, so it
/// starts in 1970.
///
/// # Errors
/// Any error of `out`; `InvalidInput` for a value that is not finite or a time chrono cannot
/// represent.
pub fn write_csv(series: &Series, out: impl Write) -> io::Result<()> {
    let mut out = BufWriter::new(out);
    writeln!(out, "timestamp,value")?;
    let step = i64::from(series.step_seconds);
    let mut t = series.start;
    for (i, value) in series.values.iter().enumerate() {
        let time = DateTime::from_timestamp(t, 0)
            .ok_or_else(|| invalid(format!("time {t} of step {i} is out of range")))?;
        write!(out, "{}", time.format("%Y-%m-%dT%H:%M:%SZ"))?;
        match value {
            Some(v) if v.is_finite() => writeln!(out, ",{}", format_value(*v))?,
            Some(v) => return Err(invalid(format!("value {v} of step {i} is not finite"))),
            None => writeln!(out, ",")?,
        }
        t = t
            .checked_add(step)
            .ok_or_else(|| invalid(format!("time of step {} is out of range", i + 1)))?;
    }
    out.flush()
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// At most three decimals, without trailing zeros: `12.5`, `3`, `0.001`.
fn format_value(v: f64) -> String {
    let text = format!("{v:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    // Rounding a tiny negative value gives "-0", which is just zero.
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}
