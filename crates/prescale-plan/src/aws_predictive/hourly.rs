//! The hourly means the forecast reads, maintained incrementally as steps complete.

use super::HOUR;
use std::collections::VecDeque;

/// Known load-seconds of one hour.
#[derive(Debug, Clone, Copy, Default)]
struct HourSum {
    load_seconds: f64,
    known_seconds: f64,
}

/// Hourly sums, kept for the history window only so that memory stays bounded on long traces.
#[derive(Debug, Clone, Default)]
pub(super) struct HourlyLoad {
    /// Hour index of `hours[0]`.
    first: i64,
    hours: VecDeque<HourSum>,
}

impl HourlyLoad {
    /// Adds a known `load` held over `[start, end)`, in seconds from the start of hour 0.
    pub(super) fn add(&mut self, start: f64, end: f64, load: f64) {
        let mut hour = (start / HOUR).floor() as i64;
        while (hour as f64) * HOUR < end {
            let lo = start.max(hour as f64 * HOUR);
            let hi = end.min((hour + 1) as f64 * HOUR);
            if hi > lo {
                if let Some(slot) = self.slot(hour) {
                    slot.load_seconds += load * (hi - lo);
                    slot.known_seconds += hi - lo;
                }
            }
            hour += 1;
        }
    }

    fn slot(&mut self, hour: i64) -> Option<&mut HourSum> {
        if self.hours.is_empty() {
            self.first = hour;
        }
        let i = usize::try_from(hour - self.first).ok()?;
        if i >= self.hours.len() {
            self.hours.resize(i + 1, HourSum::default());
        }
        self.hours.get_mut(i)
    }

    /// Forgets hours before `hour`.
    pub(super) fn drop_before(&mut self, hour: i64) {
        while self.first < hour && self.hours.pop_front().is_some() {
            self.first += 1;
        }
    }

    /// Mean load of each hour in `[from, to)`; `None` where nothing is known.
    pub(super) fn means(&self, from: i64, to: i64) -> Vec<Option<f64>> {
        (from..to)
            .map(|hour| {
                let i = usize::try_from(hour - self.first).ok()?;
                let sum = self.hours.get(i)?;
                (sum.known_seconds > 0.0).then(|| sum.load_seconds / sum.known_seconds)
            })
            .collect()
    }
}
