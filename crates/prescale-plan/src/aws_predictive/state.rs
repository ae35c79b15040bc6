//! What the policy learned from one trace, and the steps of one decision on it: fold in the
//! completed steps, refresh the forecast schedule, track the target, apply the forecast.

use super::forecast::forecast;
use super::hourly::HourlyLoad;
use super::target_tracking::Alarms;
use super::{AwsPredictiveConfig, MaxCapacityBreachBehavior, DAY_HOURS, EPS, HOUR};
use prescale_core::Observation;

/// Hours AWS forecasts ahead.
const HORIZON_HOURS: usize = 48;

/// Everything learned from one trace; rebuilt when a new trace starts.
#[derive(Debug, Clone, Default)]
pub(super) struct State {
    /// Steps of the demand history already folded in.
    pub(super) ingested: usize,
    pub(super) last_now: f64,
    /// Seconds from the start of hour 0 to the trace start (wall-clock alignment).
    pub(super) offset: f64,
    pub(super) hourly: HourlyLoad,
    pub(super) known_seconds: f64,
    /// Hour at which `schedule` was computed; `schedule[i]` is the capacity of hour `from + i`.
    pub(super) schedule_from: Option<i64>,
    pub(super) schedule: Vec<Option<u32>>,
    pub(super) alarms: Alarms,
    /// The group's desired capacity.
    pub(super) desired: u32,
    /// The group's maximum, which `IncreaseMaxCapacity` may raise.
    pub(super) max: u32,
}

impl State {
    /// Folds the steps completed since the last call into the hourly sums and the alarms.
    pub(super) fn ingest(&mut self, obs: &Observation<'_>) {
        let step = obs.step_seconds;
        for i in self.ingested..obs.demand.len() {
            let demand = obs.demand[i].filter(|d| d.is_finite() && *d >= 0.0);
            let start = self.offset + i as f64 * step;
            if let Some(load) = demand {
                self.hourly.add(start, start + step, load);
                self.known_seconds += step;
            }
            let serving = obs.serving.get(i).copied().unwrap_or(0.0);
            self.alarms
                .push(demand, serving * obs.capacity_per_instance);
        }
        self.ingested = obs.demand.len();
        self.last_now = obs.now;
    }

    /// Hour index of `t` seconds after the trace start.
    fn hour_of(&self, t: f64) -> i64 {
        ((self.offset + t) / HOUR + EPS).floor() as i64
    }

    /// At each new hour, forecasts the coming hours and turns the loads into capacities.
    pub(super) fn refresh_schedule(
        &mut self,
        config: &AwsPredictiveConfig,
        obs: &Observation<'_>,
        per: f64,
    ) {
        let now_hour = self.hour_of(obs.now);
        if self.schedule_from == Some(now_hour) {
            return;
        }
        self.schedule_from = Some(now_hour);
        self.schedule.clear();
        let history_hours = config.history_days as usize * DAY_HOURS;
        let from = (now_hour - history_hours as i64).max(0);
        self.hourly.drop_before(from);
        if self.known_seconds + EPS < f64::from(config.min_history_hours) * HOUR {
            return;
        }
        // A step longer than the buffer may need hours beyond AWS's 48.
        let reach = config.scheduling_buffer_seconds + obs.step_seconds;
        let horizon = HORIZON_HOURS.max((reach / HOUR).ceil() as usize + 1);
        let hourly = self.hourly.means(from, now_hour);
        self.schedule = forecast(&hourly, history_hours, horizon)
            .into_iter()
            .map(|load| load.map(|l| instances_for(l, per)))
            .collect();
    }

    /// Capacity the schedule asks for now: the largest over the hours from the current one to
    /// the last one whose launch time (`start - buffer`) falls before the next decision.
    pub(super) fn predictive_minimum(
        &self,
        config: &AwsPredictiveConfig,
        obs: &Observation<'_>,
    ) -> Option<u32> {
        let from = self.schedule_from?;
        let first = self.hour_of(obs.now);
        let reach = self.offset + obs.now + config.scheduling_buffer_seconds + obs.step_seconds;
        let last = ((reach / HOUR - EPS).ceil() as i64 - 1).max(first);
        (first..=last)
            .filter_map(|hour| usize::try_from(hour - from).ok())
            .filter_map(|i| self.schedule.get(i).copied().flatten())
            .max()
    }

    /// Target tracking: scale out on the high alarm, in on the low one unless instances boot.
    pub(super) fn track_target(&mut self, obs: &Observation<'_>, per_instance: f64) {
        if let Some(point) = self.alarms.high() {
            self.desired = self
                .desired
                .max(instances_for(point.mean_load, per_instance));
        } else if let Some(point) = self.alarms.low() {
            let booting: u32 = obs.fleet.types.iter().map(|t| t.booting).sum();
            if booting == 0 {
                self.desired = self
                    .desired
                    .min(instances_for(point.mean_load, per_instance));
            }
        }
    }

    /// Raises the desired capacity to the forecast (never lowers it: AWS's predictive scaling
    /// does not scale in).
    pub(super) fn apply_predictive(&mut self, config: &AwsPredictiveConfig, capacity: u32) {
        if config.max_capacity_breach_behavior == MaxCapacityBreachBehavior::IncreaseMaxCapacity {
            let buffer = 1.0 + f64::from(config.max_capacity_buffer_percent) / 100.0;
            let ceiling = (f64::from(capacity) * buffer - EPS).ceil() as u32;
            self.max = self.max.max(ceiling);
        }
        self.desired = self.desired.max(capacity.min(self.max));
    }
}

/// Instances that serve `load` at `per_instance` each.
fn instances_for(load: f64, per_instance: f64) -> u32 {
    if load.is_nan() || load <= 0.0 || per_instance.is_nan() || per_instance <= 0.0 {
        return 0;
    }
    // `as` saturates at u32::MAX, which the maximum capacity then caps.
    (load / per_instance - EPS).ceil().max(0.0) as u32
}
