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
//! # Where the code is
//! - `forecast.rs`: the forecast, pure functions of hourly means;
//! - `hourly.rs`: the hourly means, maintained incrementally as steps complete;
//! - `target_tracking.rs`: the target-tracking alarms and their 1-minute datapoints;
//! - `state.rs`: what the policy learned from one trace, and the steps of one decision;
//! - this file: the settings and the [`Policy`] that runs those steps.
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

mod forecast;
mod hourly;
mod state;
mod target_tracking;

pub use forecast::{forecast, forecast_hour, weekly_weight};

use prescale_core::{Decision, Observation, Policy};
use serde::{Deserialize, Serialize};
use state::State;
use target_tracking::Alarms;

const HOUR: f64 = 3600.0;
const DAY_HOURS: usize = 24;
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

#[cfg(test)]
mod tests;
