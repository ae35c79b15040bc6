//! The two target-tracking alarms: 1-minute datapoints built from steps, and the streaks above
//! and below the target after which target tracking scales.

use super::{AwsPredictiveConfig, EPS};

/// Period of a CloudWatch datapoint on a 1-minute (detailed monitoring) metric.
const DATAPOINT_SECONDS: f64 = 60.0;

/// How 1-minute datapoints map onto steps: `(steps per datapoint, datapoint length in seconds)`.
fn datapoint_layout(step: f64) -> (usize, f64) {
    let steps = ((DATAPOINT_SECONDS / step + EPS).floor() as usize).max(1);
    (steps, steps as f64 * step)
}

/// Consecutive datapoints of `datapoint` seconds that cover an alarm window of `seconds`.
fn datapoints_for(seconds: f64, datapoint: f64) -> u32 {
    ((seconds / datapoint - EPS).ceil() as u32).max(1)
}

/// One completed alarm datapoint.
#[derive(Debug, Clone, Copy)]
pub(super) struct Datapoint {
    /// Demand over serving capacity (the scaling metric).
    utilization: f64,
    /// Mean demand of its known steps (the load the adjustment is sized for).
    pub(super) mean_load: f64,
}

/// The two target-tracking alarms, fed one completed step at a time.
#[derive(Debug, Clone, Default)]
pub(super) struct Alarms {
    pub(super) steps_per_datapoint: usize,
    pub(super) high_needed: u32,
    pub(super) low_needed: u32,
    high_threshold: f64,
    low_threshold: f64,
    load: f64,
    capacity: f64,
    known: u32,
    steps: usize,
    high_streak: u32,
    low_streak: u32,
    last: Option<Datapoint>,
}

impl Alarms {
    pub(super) fn new(config: &AwsPredictiveConfig, step: f64) -> Self {
        let (steps_per_datapoint, datapoint) = datapoint_layout(step);
        Self {
            steps_per_datapoint,
            high_needed: datapoints_for(
                f64::from(config.scale_out_datapoints) * DATAPOINT_SECONDS,
                datapoint,
            ),
            low_needed: datapoints_for(f64::from(config.scale_in_minutes) * 60.0, datapoint),
            high_threshold: config.target_utilization,
            low_threshold: config.target_utilization * config.scale_in_ratio,
            ..Self::default()
        }
    }

    /// Adds one completed step: its demand and the capacity that served it.
    pub(super) fn push(&mut self, demand: Option<f64>, capacity: f64) {
        // No serving instance reports no metric, as no instance would in CloudWatch.
        if let Some(load) = demand.filter(|d| d.is_finite() && *d >= 0.0) {
            if capacity > 0.0 {
                self.load += load;
                self.capacity += capacity;
                self.known += 1;
            }
        }
        self.steps += 1;
        if self.steps < self.steps_per_datapoint {
            return;
        }
        let point = (self.known > 0).then(|| Datapoint {
            utilization: self.load / self.capacity,
            mean_load: self.load / f64::from(self.known),
        });
        (self.load, self.capacity, self.known, self.steps) = (0.0, 0.0, 0, 0);
        match point {
            Some(p) if p.utilization > self.high_threshold => {
                self.high_streak = self.high_streak.saturating_add(1);
                self.low_streak = 0;
            }
            Some(p) if p.utilization < self.low_threshold => {
                self.low_streak = self.low_streak.saturating_add(1);
                self.high_streak = 0;
            }
            _ => (self.high_streak, self.low_streak) = (0, 0),
        }
        self.last = point;
    }

    pub(super) fn high(&self) -> Option<Datapoint> {
        self.last.filter(|_| self.high_streak >= self.high_needed)
    }

    pub(super) fn low(&self) -> Option<Datapoint> {
        self.last.filter(|_| self.low_streak >= self.low_needed)
    }
}
