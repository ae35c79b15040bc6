//! Spending limits: a cost rate per hour and a budget per calendar month. The plan never asks
//! for a fleet whose cost rate exceeds what the tighter of the two allows now; the month's
//! allowance is what is left of it spread evenly over the rest of the month.

use chrono::{DateTime, Datelike, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// Budget settings (both optional).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BudgetConfig {
    /// Most the fleet may cost per hour.
    pub per_hour: Option<f64>,
    /// Most the fleet may cost per calendar month (UTC; 30-day months from the start when the
    /// history has no absolute time).
    pub per_month: Option<f64>,
}

impl BudgetConfig {
    /// Every problem with its key.
    pub fn problems(&self, at: &str) -> Vec<String> {
        let mut p = Vec::new();
        for (key, v) in [("per_hour", self.per_hour), ("per_month", self.per_month)] {
            if let Some(v) = v {
                if !(v.is_finite() && v >= 0.0) {
                    p.push(format!("{at}.{key}: {v} must be a number ≥ 0"));
                }
            }
        }
        p
    }
}

/// Spending so far and the limit it leaves.
#[derive(Debug, Clone)]
pub struct BudgetTracker {
    config: BudgetConfig,
    month: Option<i64>,
    spent: f64,
    last: Option<(f64, f64)>,
}

impl BudgetTracker {
    pub fn new(config: BudgetConfig) -> Self {
        Self {
            config,
            month: None,
            spent: 0.0,
            last: None,
        }
    }

    /// Accounts the spending since the last call at the cost rate then in force, and notes the
    /// rate in force from `now` (trace seconds; `start_unix` places them in the calendar).
    pub fn record(&mut self, now: f64, start_unix: Option<i64>, rate_per_hour: f64) {
        let (month, _) = month_of(now, start_unix);
        if let Some((then, rate)) = self.last {
            if now > then {
                self.spent += rate * (now - then) / 3600.0;
            }
        }
        if self.month != Some(month) {
            self.month = Some(month);
            self.spent = 0.0;
        }
        self.last = Some((now, rate_per_hour.max(0.0)));
    }

    /// The highest cost rate per hour allowed now; `None` without a budget.
    pub fn limit_per_hour(&self, now: f64, start_unix: Option<i64>) -> Option<f64> {
        let monthly = self.config.per_month.map(|budget| {
            let (_, left_seconds) = month_of(now, start_unix);
            (budget - self.spent).max(0.0) / (left_seconds.max(1.0) / 3600.0)
        });
        match (self.config.per_hour, monthly) {
            (Some(h), Some(m)) => Some(h.min(m)),
            (h, m) => h.or(m),
        }
    }

    /// Spent in the current month.
    pub fn spent(&self) -> f64 {
        self.spent
    }
}

/// An index of the month holding `now` and the seconds left in it.
fn month_of(now: f64, start_unix: Option<i64>) -> (i64, f64) {
    const THIRTY_DAYS: f64 = 30.0 * 86_400.0;
    let calendar = start_unix.and_then(|s| {
        let t = s as f64 + now;
        let at: DateTime<Utc> = Utc.timestamp_opt(t.floor() as i64, 0).single()?;
        let (y, m) = (at.year(), at.month());
        let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        let next = Utc.with_ymd_and_hms(ny, nm, 1, 0, 0, 0).single()?;
        Some((
            i64::from(y) * 12 + i64::from(m),
            next.timestamp() as f64 - t,
        ))
    });
    calendar.unwrap_or_else(|| {
        let index = (now / THIRTY_DAYS).floor();
        (index as i64, (index + 1.0) * THIRTY_DAYS - now)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hourly_limit_is_the_configured_one() {
        let b = BudgetTracker::new(BudgetConfig {
            per_hour: Some(12.0),
            per_month: None,
        });
        assert_eq!(b.limit_per_hour(0.0, None), Some(12.0));
        assert_eq!(
            BudgetTracker::new(BudgetConfig::default()).limit_per_hour(0.0, None),
            None
        );
    }

    #[test]
    fn the_monthly_budget_left_is_spread_over_the_rest_of_the_month() {
        let mut b = BudgetTracker::new(BudgetConfig {
            per_hour: None,
            per_month: Some(720.0),
        });
        // 30-day months: 720 over 720 hours = 1 per hour at the start.
        assert!((b.limit_per_hour(0.0, None).unwrap() - 1.0).abs() < 1e-9);
        // Spend at 2/h for 15 days: 720 spent, nothing left for the other half.
        b.record(0.0, None, 2.0);
        b.record(15.0 * 86_400.0, None, 2.0);
        assert!((b.spent() - 720.0).abs() < 1e-6);
        assert_eq!(b.limit_per_hour(15.0 * 86_400.0, None), Some(0.0));
        // A new month starts afresh.
        b.record(30.0 * 86_400.0 + 1.0, None, 0.0);
        assert!(b.spent() < 1e-9);
    }

    #[test]
    fn calendar_months_are_used_when_the_time_is_known() {
        // 2024-02-28 00:00 UTC: two days left in February (leap year).
        let start = 1_709_078_400;
        let (_, left) = month_of(0.0, Some(start));
        assert!((left - 2.0 * 86_400.0).abs() < 1.0, "{left}");
        assert!(BudgetConfig {
            per_hour: Some(-1.0),
            per_month: None
        }
        .problems("planner.budget")[0]
            .contains("planner.budget.per_hour"));
    }
}
