//! `aws-predictive`: a documented approximation of Amazon EC2 Auto Scaling predictive scaling
//! used together with a target-tracking policy, the baseline prescale is benchmarked against.
//!
//! # What AWS documents, and this policy follows
//! - Predictive scaling needs at least 24 hours of metric data before it forecasts, analyses up
//!   to the past 14 days, and produces an hourly forecast for the next 48 hours, refreshed every
//!   6 hours ([how]; the EC2 API reference says the same of its forecasts: [get]).
//! - The capacity forecast is "the minimum capacity that is needed on an hourly basis, based on
//!   the hourly load forecast" ([get]) at the policy's target utilization ([cfg]): here
//!   `ceil(load / (capacity per instance × target))`.
//! - `SchedulingBufferTime` advances each hour's launch ("the forecast says to add capacity at
//!   10:00 AM ... the instances will be launched at 9:55 AM", [cfg]); it defaults to 300 s and
//!   must be under 3600 s ([cfn], written for Application Auto Scaling's identical setting).
//! - `MaxCapacityBreachBehavior`: `HonorMaxCapacity` (the default) caps the forecast at the
//!   maximum; `IncreaseMaxCapacity` raises the maximum to the forecast plus `MaxCapacityBuffer`
//!   percent, and the raised maximum stays ([cfg]).
//! - A forecast decrease never scales in: "predictive scaling will not scale in to remove
//!   capacity" ([how]); scale-in is left to the dynamic policy. With several policies "each
//!   policy determines the desired capacity independently, and the desired capacity is set to
//!   the maximum of those" ([workshop]).
//! - Target tracking "scales out proportionally to the metric as fast as it can, but scales in
//!   more gradually" ([aas-tt]), removing capacity only once the metric is well below the target,
//!   typically by more than 10 % ([tt]). The alarms it creates read "> T for 3 datapoints within
//!   3 minutes" and "< 0.9 T for 15 datapoints within 15 minutes": Copilot's documentation shows
//!   them for T = 70 as "CPUUtilization > 70.00 for 3 datapoints within 3 minutes" and
//!   "CPUUtilization < 63.00 for 15 datapoints within 15 minutes"
//!   (`aws/copilot-cli:site/content/docs/getting-started/verify.en.md`). The adjustment is
//!   `ceil(current × metric / target)`.
//! - Instances warming up do not contribute to the aggregated metric, count towards the current
//!   capacity on scale-out, and block scale-in until they have warmed up ([warmup]).
//!
//! # What is approximated (AWS does not publish its model)
//! - **The forecast model.** AWS says only that it "uses machine learning" ([plans]) to find daily
//!   and weekly patterns. Here each hour's load is a blend of two same-hour averages of the hourly
//!   means: a recency-weighted mean over the last 7 days (weight 7 for yesterday, down to weight 1
//!   a week ago) and the mean over the same hour of the same weekday in every past week inside the
//!   history window (two weeks with 14 days). Both are scored on the last 24 complete hours and
//!   weighted by the inverse of their absolute error, half and half when there is no evidence. A
//!   fixed half-and-half blend would forecast a weekend at about three times its load after a
//!   weekday/weekend history, which would make the baseline look worse than AWS's pattern detection
//!   is advertised to be. Hours with no known demand are skipped, never read as zero.
//! - **Refresh.** The forecast is recomputed at every hour boundary (AWS: every 6 hours), from
//!   hourly means that are maintained incrementally as steps complete; hours of the current
//!   forecast are never re-forecast mid-hour.
//! - **Hours.** With `start_unix` an hour is a wall-clock (UTC) hour; without it, hours count from
//!   the trace start. A step that straddles hours contributes to each in proportion to its
//!   overlap, so steps of an hour or more spread their demand over the hours they cover and the
//!   forecast is in effect per step.
//! - **Scheduled actions on a step grid.** AWS sets the capacity of hour `H` at `H - buffer`. A
//!   policy here acts only at step starts, so the hour's capacity is applied at the last step start
//!   at or before `H - buffer` (at most one step early), and a step of an hour or more gets the
//!   largest capacity of every hour it overlaps. Like AWS, the hour just starting keeps the
//!   capacity of the hour before until target tracking scales in.
//! - **The metric.** The load metric is the demand; the scaling metric is the utilization
//!   `demand / (serving × capacity per instance)`. Our instances serve as soon as they have
//!   booted, so "warming up" is "booting".
//! - **Datapoints.** A CloudWatch datapoint is one minute (detailed monitoring); it is made of
//!   `max(1, floor(60 s / step))` whole steps (four 15 s steps; one 5 min or one hourly step), and
//!   an alarm needs `ceil(window / datapoint length)` consecutive datapoints, at least one: with
//!   5 min steps the 3 min scale-out window is one step and the 15 min scale-in window is three.
//!   A datapoint without known demand is missing (`INSUFFICIENT_DATA`): no scaling, and the
//!   streaks restart.
//! - **No cooldown.** EC2 target tracking relies on warm-up, not cooldown; its adjustment is
//!   repeated on every datapoint while the alarm stays in `ALARM`, which is idempotent here.
//!
//! # Default target utilization
//! 0.7. AWS's own examples use 50 % CPU ([ec2-tt]) and the Copilot alarms above use 70 %; we take
//! the upper end because our metric is throughput over capacity, which saturates exactly at 1.0
//! (CPU targets stay lower to leave room for non-linear slow-down), and because a lavish baseline
//! would flatter prescale on cost. The backtest's iso-SLO sweep varies it anyway.
//!
//! [how]: https://docs.aws.amazon.com/autoscaling/application/userguide/aas-predictive-scaling-how-it-works.html
//! [get]: https://docs.aws.amazon.com/goto/WebAPI/autoscaling-2011-01-01/GetPredictiveScalingForecast
//! [cfg]: https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PredictiveScalingConfiguration.html
//! [cfn]: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-applicationautoscaling-scalingpolicy-predictivescalingpolicyconfiguration.html
//! [workshop]: https://ec2spotworkshops.com/efficient-and-resilient-ec2-auto-scaling/lab1/50-dynamic-scaling.html
//! [aas-tt]: https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-target-tracking.html
//! [tt]: https://docs.aws.amazon.com/autoscaling/application/userguide/target-tracking-scaling-policy-overview.html
//! [ec2-tt]: https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-target-tracking.html
//! [warmup]: https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-default-instance-warmup.html
//! [plans]: https://docs.aws.amazon.com/autoscaling/plans/userguide/how-it-works.html

use prescale_core::{Decision, Observation, Policy};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

const HOUR: f64 = 3600.0;
const DAY_HOURS: usize = 24;
const WEEK_HOURS: usize = 168;
/// Hours AWS forecasts ahead.
const HORIZON_HOURS: usize = 48;
/// Days of same-hour history in the daily component.
const DAILY_DAYS: usize = 7;
/// Complete hours on which the two components are scored to weigh them.
const FIT_HOURS: usize = 24;
/// Period of a CloudWatch datapoint on a 1-minute (detailed monitoring) metric.
const DATAPOINT_SECONDS: f64 = 60.0;
/// Absorbs rounding, so that a load of exactly 2 instances asks for 2, not 3.
const EPS: f64 = 1e-9;

/// What predictive scaling does when its forecast reaches the group's maximum
/// (`MaxCapacityBreachBehavior`, named as in AWS's API).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum MaxCapacityBreachBehavior {
    /// The maximum is a hard limit (AWS's default).
    #[default]
    HonorMaxCapacity,
    /// The maximum rises to the forecast plus `max_capacity_buffer_percent`, and stays there.
    IncreaseMaxCapacity,
}

/// Settings of the AWS-style predictive + target-tracking policy. Field names follow AWS's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AwsPredictiveConfig {
    /// Utilization both parts aim at (0.7 = 70 % of an instance's capacity). The knob of the
    /// iso-SLO sweep.
    pub target_utilization: f64,
    /// `SchedulingBufferTime`: seconds before each hour at which its capacity is launched
    /// (AWS's default and our boot time: 300).
    pub scheduling_buffer_seconds: f64,
    /// Days of history the forecast may use (AWS: up to 14).
    pub history_days: u32,
    /// Hours of known demand needed before the first forecast (AWS: 24).
    pub min_history_hours: u32,
    /// Consecutive 1-minute datapoints above the target before target tracking scales out.
    pub scale_out_datapoints: u32,
    /// Minutes below `scale_in_ratio × target` before target tracking scales in.
    pub scale_in_minutes: u32,
    /// Fraction of the target under which utilization counts as low (AWS: 0.9).
    pub scale_in_ratio: f64,
    /// Fewest instances (at least 1 is always kept).
    pub min_capacity: u32,
    /// Most instances, unless `IncreaseMaxCapacity` raises it.
    pub max_capacity: u32,
    /// `MaxCapacityBreachBehavior`.
    pub max_capacity_breach_behavior: MaxCapacityBreachBehavior,
    /// `MaxCapacityBuffer`: percent above the forecast the maximum may rise to.
    pub max_capacity_buffer_percent: u32,
}

impl Default for AwsPredictiveConfig {
    fn default() -> Self {
        Self {
            target_utilization: 0.7,
            scheduling_buffer_seconds: 300.0,
            history_days: 14,
            min_history_hours: 24,
            scale_out_datapoints: 3,
            scale_in_minutes: 15,
            scale_in_ratio: 0.9,
            min_capacity: 1,
            max_capacity: 400,
            max_capacity_breach_behavior: MaxCapacityBreachBehavior::HonorMaxCapacity,
            max_capacity_buffer_percent: 0,
        }
    }
}

impl AwsPredictiveConfig {
    /// Every problem with these settings, each naming its field; empty when they are usable.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let t = self.target_utilization;
        if !(t.is_finite() && t > 0.0 && t <= 1.0) {
            problems.push(format!("target_utilization: {t} is not in (0, 1]"));
        }
        let b = self.scheduling_buffer_seconds;
        if !(b.is_finite() && (0.0..HOUR).contains(&b)) {
            problems.push(format!(
                "scheduling_buffer_seconds: {b} is not in [0, 3600)"
            ));
        }
        let r = self.scale_in_ratio;
        if !(r.is_finite() && r > 0.0 && r <= 1.0) {
            problems.push(format!("scale_in_ratio: {r} is not in (0, 1]"));
        }
        if self.history_days == 0 {
            problems.push("history_days: must be at least 1".into());
        }
        if self.scale_out_datapoints == 0 {
            problems.push("scale_out_datapoints: must be at least 1".into());
        }
        if self.scale_in_minutes == 0 {
            problems.push("scale_in_minutes: must be at least 1".into());
        }
        if self.max_capacity < self.min_capacity.max(1) {
            problems.push(format!(
                "max_capacity: {} is below min_capacity {} (or 1)",
                self.max_capacity, self.min_capacity
            ));
        }
        problems
    }
}

// ---------------------------------------------------------------------------------------------
// The forecast: pure functions of hourly means.
// ---------------------------------------------------------------------------------------------

/// Forecasts the mean load of the `horizon` hours that follow `hourly`.
///
/// `hourly[i]` is the mean load of complete hour `i` (`None`: nothing known); the forecast is
/// made at the start of hour `hourly.len()`, and element `k` of the result is hour
/// `hourly.len() + k`. Hours older than `history_hours` before that are ignored. The daily and
/// weekly components are weighed by how well each fitted the last 24 hours
/// ([`weekly_weight`]).
pub fn forecast(hourly: &[Option<f64>], history_hours: usize, horizon: usize) -> Vec<Option<f64>> {
    let weight = weekly_weight(hourly, history_hours);
    let now = hourly.len();
    (now..now + horizon)
        .map(|target| forecast_hour(hourly, history_hours, weight, target))
        .collect()
}

/// The forecast of hour `target`: `weekly_weight × weekly + (1 - weekly_weight) × daily`, or
/// whichever of the two exists; `None` when neither does.
///
/// - daily: the mean of the same hour over the last 7 days, weighted 7 (yesterday) down to 1;
/// - weekly: the mean of the same hour of the same weekday over every past week in the window.
///
/// Only hours before `hourly.len()` and no older than `history_hours` before it are read;
/// unknown hours are skipped.
pub fn forecast_hour(
    hourly: &[Option<f64>],
    history_hours: usize,
    weekly_weight: f64,
    target: usize,
) -> Option<f64> {
    let start = hourly.len().saturating_sub(history_hours);
    let daily = daily_component(hourly, start, target);
    let weekly = weekly_component(hourly, start, target);
    match (daily, weekly) {
        (Some(d), Some(w)) => Some(weekly_weight * w + (1.0 - weekly_weight) * d),
        (one, other) => one.or(other),
    }
}

/// Weight of the weekly component: `e_daily / (e_daily + e_weekly)`, where `e` is each
/// component's absolute error summed over the last 24 complete hours (so each is weighted by
/// the inverse of its error). 0.5 when no hour allows the comparison or both fit perfectly.
pub fn weekly_weight(hourly: &[Option<f64>], history_hours: usize) -> f64 {
    let start = hourly.len().saturating_sub(history_hours);
    let (mut daily_error, mut weekly_error) = (0.0, 0.0);
    for j in hourly.len().saturating_sub(FIT_HOURS)..hourly.len() {
        let actual = hourly.get(j).copied().flatten();
        let daily = daily_component(hourly, start, j);
        let weekly = weekly_component(hourly, start, j);
        if let (Some(x), Some(d), Some(w)) = (actual, daily, weekly) {
            daily_error += (x - d).abs();
            weekly_error += (x - w).abs();
        }
    }
    let total = daily_error + weekly_error;
    if total > 0.0 && total.is_finite() {
        daily_error / total
    } else {
        0.5
    }
}

/// The known mean of hour `target - lag`, if it is complete and inside the window.
fn lagged(hourly: &[Option<f64>], start: usize, target: usize, lag: usize) -> Option<f64> {
    let i = target.checked_sub(lag).filter(|&i| i >= start)?;
    hourly.get(i).copied().flatten()
}

fn daily_component(hourly: &[Option<f64>], start: usize, target: usize) -> Option<f64> {
    let (mut sum, mut weights) = (0.0, 0.0);
    for days in 1..=DAILY_DAYS {
        if let Some(v) = lagged(hourly, start, target, days * DAY_HOURS) {
            let weight = (DAILY_DAYS + 1 - days) as f64;
            sum += weight * v;
            weights += weight;
        }
    }
    (weights > 0.0).then(|| sum / weights)
}

fn weekly_component(hourly: &[Option<f64>], start: usize, target: usize) -> Option<f64> {
    let (mut sum, mut count) = (0.0, 0usize);
    let mut lag = WEEK_HOURS;
    while lag <= target && target - lag >= start {
        if let Some(v) = lagged(hourly, start, target, lag) {
            sum += v;
            count += 1;
        }
        lag += WEEK_HOURS;
    }
    (count > 0).then(|| sum / count as f64)
}

/// Instances that serve `load` at `per_instance` each.
fn instances_for(load: f64, per_instance: f64) -> u32 {
    if load.is_nan() || load <= 0.0 || per_instance.is_nan() || per_instance <= 0.0 {
        return 0;
    }
    // `as` saturates at u32::MAX, which the maximum capacity then caps.
    (load / per_instance - EPS).ceil().max(0.0) as u32
}

// ---------------------------------------------------------------------------------------------
// Incremental state: hourly means and alarm datapoints.
// ---------------------------------------------------------------------------------------------

/// Known load-seconds of one hour.
#[derive(Debug, Clone, Copy, Default)]
struct HourSum {
    load_seconds: f64,
    known_seconds: f64,
}

/// Hourly sums, kept for the history window only so that memory stays bounded on long traces.
#[derive(Debug, Clone, Default)]
struct HourlyLoad {
    /// Hour index of `hours[0]`.
    first: i64,
    hours: VecDeque<HourSum>,
}

impl HourlyLoad {
    /// Adds a known `load` held over `[start, end)`, in seconds from the start of hour 0.
    fn add(&mut self, start: f64, end: f64, load: f64) {
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
    fn drop_before(&mut self, hour: i64) {
        while self.first < hour && self.hours.pop_front().is_some() {
            self.first += 1;
        }
    }

    /// Mean load of each hour in `[from, to)`; `None` where nothing is known.
    fn means(&self, from: i64, to: i64) -> Vec<Option<f64>> {
        (from..to)
            .map(|hour| {
                let i = usize::try_from(hour - self.first).ok()?;
                let sum = self.hours.get(i)?;
                (sum.known_seconds > 0.0).then(|| sum.load_seconds / sum.known_seconds)
            })
            .collect()
    }
}

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
struct Datapoint {
    /// Demand over serving capacity (the scaling metric).
    utilization: f64,
    /// Mean demand of its known steps (the load the adjustment is sized for).
    mean_load: f64,
}

/// The two target-tracking alarms, fed one completed step at a time.
#[derive(Debug, Clone, Default)]
struct Alarms {
    steps_per_datapoint: usize,
    high_needed: u32,
    low_needed: u32,
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
    fn new(config: &AwsPredictiveConfig, step: f64) -> Self {
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
    fn push(&mut self, demand: Option<f64>, capacity: f64) {
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

    fn high(&self) -> Option<Datapoint> {
        self.last.filter(|_| self.high_streak >= self.high_needed)
    }

    fn low(&self) -> Option<Datapoint> {
        self.last.filter(|_| self.low_streak >= self.low_needed)
    }
}

/// Everything learned from one trace; rebuilt when a new trace starts.
#[derive(Debug, Clone, Default)]
struct State {
    /// Steps of the demand history already folded in.
    ingested: usize,
    last_now: f64,
    /// Seconds from the start of hour 0 to the trace start (wall-clock alignment).
    offset: f64,
    hourly: HourlyLoad,
    known_seconds: f64,
    /// Hour at which `schedule` was computed; `schedule[i]` is the capacity of hour `from + i`.
    schedule_from: Option<i64>,
    schedule: Vec<Option<u32>>,
    alarms: Alarms,
    /// The group's desired capacity.
    desired: u32,
    /// The group's maximum, which `IncreaseMaxCapacity` may raise.
    max: u32,
}

// ---------------------------------------------------------------------------------------------
// The policy.
// ---------------------------------------------------------------------------------------------

/// AWS EC2 Auto Scaling predictive scaling (forecast and scale) with a target-tracking policy on
/// the same target utilization; see the module documentation for the model and its sources.
#[derive(Debug, Clone)]
pub struct AwsPredictive {
    config: AwsPredictiveConfig,
    state: Option<State>,
}

impl AwsPredictive {
    pub fn new(config: AwsPredictiveConfig) -> Self {
        Self {
            config,
            state: None,
        }
    }

    fn floor(&self) -> u32 {
        self.config.min_capacity.max(1)
    }

    fn start(&self, obs: &Observation<'_>) -> State {
        let max = self.config.max_capacity.max(self.floor());
        State {
            offset: obs.start_unix.map_or(0, |s| s.rem_euclid(3600)) as f64,
            alarms: Alarms::new(&self.config, obs.step_seconds),
            desired: obs.fleet.current().clamp(self.floor(), max),
            max,
            ..State::default()
        }
    }
}

impl Policy for AwsPredictive {
    fn name(&self) -> String {
        "aws-predictive".into()
    }

    fn decide(&mut self, obs: &Observation<'_>) -> Decision {
        let types = obs.types.len();
        if !(obs.step_seconds.is_finite() && obs.step_seconds > 0.0) {
            let current = obs.fleet.current().max(self.floor());
            return Decision::only_default(current, types);
        }
        let restart = self
            .state
            .as_ref()
            .is_none_or(|s| obs.demand.len() < s.ingested || obs.now < s.last_now);
        if restart {
            self.state = Some(self.start(obs));
        }
        let config = &self.config;
        let floor = config.min_capacity.max(1);
        let Some(state) = self.state.as_mut() else {
            return Decision::only_default(floor, types);
        };
        // Demand one default-type instance serves at the target utilization.
        let factor = obs.types.first().map_or(1.0, |t| t.capacity_factor);
        let per_instance = obs.capacity_per_instance * factor * config.target_utilization;

        state.ingest(obs);
        state.refresh_schedule(config, obs, per_instance);
        state.track_target(obs, per_instance);
        if let Some(p) = state.predictive_minimum(config, obs) {
            state.apply_predictive(config, p);
        }
        state.desired = state.desired.clamp(floor, state.max.max(floor));
        Decision::only_default(state.desired, types)
    }
}

impl State {
    /// Folds the steps completed since the last call into the hourly sums and the alarms.
    fn ingest(&mut self, obs: &Observation<'_>) {
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
    fn refresh_schedule(&mut self, config: &AwsPredictiveConfig, obs: &Observation<'_>, per: f64) {
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
    fn predictive_minimum(
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
    fn track_target(&mut self, obs: &Observation<'_>, per_instance: f64) {
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
    fn apply_predictive(&mut self, config: &AwsPredictiveConfig, capacity: u32) {
        if config.max_capacity_breach_behavior == MaxCapacityBreachBehavior::IncreaseMaxCapacity {
            let buffer = 1.0 + f64::from(config.max_capacity_buffer_percent) / 100.0;
            let ceiling = (f64::from(capacity) * buffer - EPS).ceil() as u32;
            self.max = self.max.max(ceiling);
        }
        self.desired = self.desired.max(capacity.min(self.max));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prescale_core::{FleetView, InstanceType, TypeState};
    use proptest::prelude::*;

    const H: usize = 3600;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-6)
    }

    /// Target 0.5 on instances of capacity 1: a load `l` needs `ceil(2 l)` instances.
    fn config() -> AwsPredictiveConfig {
        AwsPredictiveConfig {
            target_utilization: 0.5,
            ..AwsPredictiveConfig::default()
        }
    }

    /// A trace the tests replay: demand, serving capacity and the fleet at each decision.
    struct Trace {
        step: usize,
        start_unix: Option<i64>,
        demand: Vec<Option<f64>>,
        serving: Vec<f64>,
    }

    impl Trace {
        /// `demand(t)` per step start `t`; serving keeps utilization exactly at 0.5 so that
        /// target tracking stays quiet unless a test says otherwise.
        fn new(step: usize, seconds: usize, demand: impl Fn(usize) -> Option<f64>) -> Self {
            let demand: Vec<_> = (0..seconds / step).map(|k| demand(k * step)).collect();
            let serving = demand.iter().map(|d| d.map_or(2.0, |d| 2.0 * d)).collect();
            Self {
                step,
                start_unix: None,
                demand,
                serving,
            }
        }

        /// The policy's desired count at time `t` (a step start) with this fleet.
        fn decide_at(&self, p: &mut AwsPredictive, t: usize, ready: u32, booting: u32) -> u32 {
            let k = t / self.step;
            let fleet = FleetView {
                types: vec![TypeState {
                    ready,
                    booting,
                    notified: 0,
                }],
            };
            let types = vec![InstanceType {
                name: "on-demand".into(),
                price_per_hour: 1.0,
                capacity_factor: 1.0,
                boot_seconds: 300.0,
                spot: None,
            }];
            let obs = Observation {
                now: t as f64,
                step_seconds: self.step as f64,
                start_unix: self.start_unix,
                demand: &self.demand[..k],
                serving: &self.serving[..k],
                fleet: &fleet,
                types: &types,
                capacity_per_instance: 1.0,
            };
            p.decide(&obs).desired[0]
        }

        /// Decides at every step start in `[from, to)` with a fixed fleet.
        fn run(&self, p: &mut AwsPredictive, from: usize, to: usize, ready: u32) -> Vec<u32> {
            (from..to)
                .step_by(self.step)
                .map(|t| self.decide_at(p, t, ready, 0))
                .collect()
        }
    }

    /// Demand 1 everywhere except `spike` during the given hours.
    fn spiky(hours: &'static [usize], spike: f64) -> impl Fn(usize) -> Option<f64> {
        move |t| Some(if hours.contains(&(t / H)) { spike } else { 1.0 })
    }

    // --- the forecast, on literal hourly means ---

    #[test]
    fn a_daily_periodic_history_forecasts_the_same_hour_yesterday() {
        for days in [2, 3, 10] {
            let hourly: Vec<_> = (0..days * 24)
                .map(|h| Some(10.0 + (h % 24) as f64))
                .collect();
            let f = forecast(&hourly, 336, 24);
            for (k, v) in f.iter().enumerate() {
                assert!(
                    close(*v, hourly[hourly.len() - 24 + k].unwrap()),
                    "{days} d, +{k}h"
                );
            }
        }
    }

    #[test]
    fn a_weekday_weekend_pattern_gives_weekend_forecasts_close_to_past_weekends() {
        // 19 days from a Monday: days 5, 6, 12, 13 are a weekend at 20, the rest 100; the
        // forecast is made on Saturday (day 19 % 7 == 5) at midnight.
        let hourly: Vec<_> = (0..19 * 24)
            .map(|h| Some(if (h / 24) % 7 >= 5 { 20.0 } else { 100.0 }))
            .collect();
        let f = forecast(&hourly, 336, 48);
        assert!(f[..24]
            .iter()
            .all(|v| v.is_some_and(|v| (v - 20.0).abs() <= 2.0)));
        // A purely daily average would have forecast about 91.
        let daily_only = forecast_hour(&hourly, 336, 0.0, hourly.len()).unwrap();
        assert!(daily_only > 80.0, "{daily_only}");
    }

    #[test]
    fn without_evidence_the_weekly_and_daily_components_weigh_half_each() {
        // Known: the same hour a week ago (10) and yesterday (30); nothing to score on.
        let mut hourly = vec![None; 169];
        hourly[1] = Some(10.0);
        hourly[145] = Some(30.0);
        assert_eq!(weekly_weight(&hourly, 336), 0.5);
        // daily = (7 × 30 + 1 × 10) / 8 = 27.5 (a week ago is also 7 days ago); weekly = 10
        assert!(close(forecast(&hourly, 336, 1)[0], 0.5 * 10.0 + 0.5 * 27.5));
    }

    #[test]
    fn recent_days_weigh_more_than_older_days() {
        let hourly: Vec<_> = (0..48)
            .map(|h| Some(if h < 24 { 3.0 } else { 10.0 }))
            .collect();
        assert!(close(
            forecast(&hourly, 336, 1)[0],
            (7.0 * 10.0 + 6.0 * 3.0) / 13.0
        ));
    }

    #[test]
    fn unknown_hours_are_skipped_not_treated_as_zero() {
        let mut hourly = vec![Some(8.0); 72];
        for h in &mut hourly[48..] {
            *h = None;
        }
        assert!(close(forecast(&hourly, 336, 1)[0], 8.0));
        assert_eq!(forecast(&[None; 72], 336, 1), vec![None]);
    }

    #[test]
    fn history_older_than_14_days_is_ignored() {
        // 21 days: the first week at 1000, the last two at 10.
        let hourly: Vec<_> = (0..21 * 24)
            .map(|h| Some(if h < 168 { 1000.0 } else { 10.0 }))
            .collect();
        assert!(forecast(&hourly, 336, 48).iter().all(|v| close(*v, 10.0)));
        // With a 7-day window the week-old hours are still read, the two-week-old ones are not.
        let hourly: Vec<_> = (0..14 * 24)
            .map(|h| Some(if h < 168 { 1000.0 } else { 10.0 }))
            .collect();
        assert!(close(forecast(&hourly, 168, 1)[0], 10.0));
        assert!(forecast(&hourly, 336, 1)[0].unwrap() > 10.0);
    }

    // --- incremental state ---

    #[test]
    fn hourly_means_skip_unknown_steps_and_split_steps_across_hours() {
        let mut hourly = HourlyLoad::default();
        hourly.add(0.0, 900.0, 4.0);
        hourly.add(2700.0, 3600.0, 8.0); // the two steps between are unknown
        hourly.add(3600.0 + 1800.0, 3600.0 + 5400.0, 6.0); // half in hour 1, half in hour 2
        assert_eq!(
            hourly.means(0, 4),
            vec![Some(6.0), Some(6.0), Some(6.0), None]
        );
        hourly.drop_before(2);
        assert_eq!(hourly.means(0, 3), vec![None, None, Some(6.0)]);
    }

    #[test]
    fn one_minute_datapoints_map_onto_steps() {
        // (step, steps per datapoint, scale-out datapoints, scale-in datapoints)
        for (step, per, out, r#in) in [
            (15.0, 4, 3, 15),
            (45.0, 1, 4, 20),
            (60.0, 1, 3, 15),
            (300.0, 1, 1, 3),
            (3600.0, 1, 1, 1),
        ] {
            let alarms = Alarms::new(&config(), step);
            let got = (
                alarms.steps_per_datapoint,
                alarms.high_needed,
                alarms.low_needed,
            );
            assert_eq!(got, (per, out, r#in), "step {step}");
        }
    }

    // --- the policy ---

    #[test]
    fn no_forecast_before_24_hours_of_history() {
        // Nothing known for 12 h, then spikes at hours 12 and 13; 24 h are known at hour 36.
        let trace = Trace::new(300, 38 * H, |t| {
            (t >= 12 * H).then(|| spiky(&[12, 13], 50.0)(t)).flatten()
        });
        let mut p = AwsPredictive::new(config());
        let before = trace.run(&mut p, 0, 36 * H, 2);
        assert!(
            before.iter().all(|&d| d == 2),
            "forecast before 24 h of history"
        );
        assert_eq!(trace.decide_at(&mut p, 36 * H, 2, 0), 100);
    }

    #[test]
    fn capacity_is_in_place_buffer_seconds_before_the_hour_starts() {
        for (step, buffer) in [(60, 300.0), (300, 300.0), (60, 600.0), (15, 0.0)] {
            let trace = Trace::new(step, 26 * H, spiky(&[1, 25], 10.0));
            let mut p = AwsPredictive::new(AwsPredictiveConfig {
                scheduling_buffer_seconds: buffer,
                ..config()
            });
            let desired = trace.run(&mut p, 0, 25 * H + step, 2);
            let first = desired.iter().position(|&d| d == 20).map(|k| k * step);
            assert_eq!(
                first,
                Some(25 * H - buffer as usize),
                "step {step}, buffer {buffer}"
            );
        }
    }

    #[test]
    fn hours_align_to_wall_clock_when_start_unix_is_known() {
        // The trace starts at 00:30; the spike fills the wall-clock hour 02:00-03:00 of both days.
        let mut trace = Trace::new(300, 27 * H, |t| {
            Some(if (t + 1800) / H % 24 == 2 { 10.0 } else { 1.0 })
        });
        trace.start_unix = Some(1_700_000_000 - 1_700_000_000 % 86_400 + 1800);
        let mut p = AwsPredictive::new(config());
        let launch = 26 * H - 1800 - 300;
        let desired = trace.run(&mut p, 0, launch + 300, 2);
        assert_eq!(desired[launch / 300 - 1], 2);
        assert_eq!(desired[launch / 300], 20);
    }

    #[test]
    fn daily_steps_are_forecast_per_step_with_their_weekday() {
        // One value per day; day 1 and day 8 (same weekday) are busy.
        let trace = Trace::new(86_400, 9 * 86_400, |t| {
            Some(if t / 86_400 % 7 == 1 { 40.0 } else { 10.0 })
        });
        let mut p = AwsPredictive::new(config());
        assert_eq!(trace.decide_at(&mut p, 8 * 86_400, 20, 0), 80);
    }

    #[test]
    fn a_forecast_decrease_leaves_scale_in_to_target_tracking() {
        let mut trace = Trace::new(60, 27 * H, spiky(&[1, 25], 10.0));
        // During hour 26 the 20 instances serve a load of 1: utilization 5 %.
        for k in 26 * 60..27 * 60 {
            trace.serving[k] = 20.0;
        }
        let mut p = AwsPredictive::new(config());
        assert_eq!(trace.run(&mut p, 0, 26 * H, 2).last(), Some(&20));
        assert_eq!(trace.decide_at(&mut p, 26 * H + 14 * 60, 20, 0), 20);
        assert_eq!(trace.decide_at(&mut p, 26 * H + 15 * 60, 20, 0), 2);
    }

    /// Load 5 on 10 instances (utilization at the 0.5 target) for 32 steps (whole datapoints
    /// at any step), then `load`.
    fn steady_then(step: usize, load: f64) -> Trace {
        let mut trace = Trace::new(step, 200 * step, |_| Some(5.0));
        for k in 32..200 {
            trace.demand[k] = Some(load);
        }
        trace.serving = vec![10.0; 200];
        trace
    }

    /// Desired count after `n` steps of the new load, from a fresh policy.
    fn after(trace: &Trace, n: usize, booting: u32) -> u32 {
        let mut p = AwsPredictive::new(config());
        let s = trace.step;
        trace.run(&mut p, 0, 32 * s, 10);
        trace.decide_at(&mut p, (32 + n) * s, 10 - booting, booting)
    }

    #[test]
    fn target_tracking_scales_out_after_three_one_minute_datapoints_above_target() {
        let trace = steady_then(60, 8.0); // utilization 0.8
        assert_eq!(after(&trace, 2, 0), 10);
        assert_eq!(after(&trace, 3, 0), 16); // ceil(10 × 0.8 / 0.5)
    }

    #[test]
    fn fifteen_second_steps_form_one_minute_datapoints() {
        let trace = steady_then(15, 8.0);
        assert_eq!(after(&trace, 11, 0), 10);
        assert_eq!(after(&trace, 12, 0), 16);
    }

    #[test]
    fn five_minute_steps_scale_out_after_one_step_above_target() {
        let trace = steady_then(300, 8.0);
        assert_eq!(after(&trace, 1, 0), 16);
    }

    #[test]
    fn target_tracking_scales_in_only_after_15_minutes_under_90_percent_of_target() {
        let low = steady_then(60, 4.4); // utilization 0.44 < 0.45
        assert_eq!(after(&low, 14, 0), 10);
        assert_eq!(after(&low, 15, 0), 9); // ceil(10 × 0.44 / 0.5)
        let just_under_target = steady_then(60, 4.6); // utilization 0.46
        assert_eq!(after(&just_under_target, 120, 0), 10);
        let five_minute = steady_then(300, 4.4);
        assert_eq!(after(&five_minute, 2, 0), 10);
        assert_eq!(after(&five_minute, 3, 0), 9);
    }

    #[test]
    fn scale_in_waits_while_instances_are_booting() {
        let low = steady_then(60, 4.4);
        assert_eq!(after(&low, 20, 1), 10);
    }

    #[test]
    fn unknown_demand_breaks_the_alarm_streak() {
        let mut trace = steady_then(60, 8.0);
        trace.demand[33] = None;
        assert_eq!(after(&trace, 4, 0), 10);
        assert_eq!(after(&trace, 5, 0), 16);
    }

    #[test]
    fn the_forecast_honors_max_capacity_by_default() {
        let trace = Trace::new(60, 26 * H, spiky(&[1, 25], 10.0));
        let mut p = AwsPredictive::new(AwsPredictiveConfig {
            max_capacity: 12,
            ..config()
        });
        assert_eq!(trace.run(&mut p, 0, 25 * H + 60, 2).last(), Some(&12));
    }

    #[test]
    fn increase_max_capacity_lets_the_forecast_exceed_the_maximum() {
        let trace = Trace::new(60, 26 * H, spiky(&[1, 25], 10.0));
        let mut p = AwsPredictive::new(AwsPredictiveConfig {
            max_capacity: 12,
            max_capacity_breach_behavior: MaxCapacityBreachBehavior::IncreaseMaxCapacity,
            max_capacity_buffer_percent: 10,
            ..config()
        });
        assert_eq!(trace.run(&mut p, 0, 25 * H + 60, 2).last(), Some(&20));
        assert_eq!(p.state.map(|s| s.max), Some(22));
    }

    #[test]
    fn a_new_trace_starts_from_scratch() {
        let trace = Trace::new(60, 26 * H, spiky(&[1, 25], 10.0));
        let mut p = AwsPredictive::new(config());
        assert_eq!(trace.run(&mut p, 0, 25 * H, 2).last(), Some(&20));
        assert_eq!(trace.decide_at(&mut p, 0, 2, 0), 2);
    }

    #[test]
    fn default_config_is_valid_and_problems_name_every_field() {
        assert!(AwsPredictiveConfig::default().problems().is_empty());
        let bad = AwsPredictiveConfig {
            target_utilization: 0.0,
            scheduling_buffer_seconds: 3600.0,
            history_days: 0,
            max_capacity: 0,
            ..AwsPredictiveConfig::default()
        };
        let problems = bad.problems().join("\n");
        for field in [
            "target_utilization",
            "scheduling_buffer_seconds",
            "history_days",
            "max_capacity",
        ] {
            assert!(problems.contains(field), "{field} missing from {problems}");
        }
    }

    proptest! {
        #[test]
        fn decisions_stay_within_the_capacity_bounds(
            demand in prop::collection::vec(prop::option::of(0.0f64..100.0), 1..400),
            serving in 0.0f64..60.0,
            ready in 0u32..60,
            booting in 0u32..5,
        ) {
            let trace = Trace {
                step: 300,
                start_unix: None,
                serving: vec![serving; demand.len()],
                demand,
            };
            let mut p = AwsPredictive::new(AwsPredictiveConfig {
                min_capacity: 2,
                max_capacity: 50,
                ..AwsPredictiveConfig::default()
            });
            for k in 0..=trace.demand.len() {
                let d = trace.decide_at(&mut p, k * 300, ready, booting);
                prop_assert!((2..=50).contains(&d));
            }
        }
    }
}
