//! The Kubernetes HorizontalPodAutoscaler as a prescale `Policy`: the baseline prescale is
//! benchmarked against, modelled on the controller's code so that the comparison is with the HPA
//! users run today.
//!
//! One sync, every `sync_period_seconds` (kubernetes/kubernetes
//! `pkg/controller/podautoscaler/horizontal.go`, `reconcileAutoscaler`):
//! 1. the first sync remembers the current count as a recommendation
//!    (`recordInitialRecommendation`);
//! 2. a target with 0 replicas and `min_replicas` > 0 is left alone ("ScalingDisabled"); a count
//!    above `max_replicas` or below `min_replicas` is set to that bound at once;
//! 3. otherwise the replica calculator turns the utilization into a recommendation
//!    (`replicas.rs`); without a metric the sync ends there and nothing changes;
//! 4. the recommendation is stabilized and rate limited (`behavior.rs`), and a change is
//!    remembered as a scale event.
//!
//! # The metric, as our observation allows
//! The metric is a resource utilization: offered load per serving pod relative to its capacity.
//! The load is the demand of the latest visible step (a step is visible once it ended at least
//! `metric_lag_seconds` ago; demand is constant within a step in our model); it is spread over
//! the pods that were serving `metric_lag_seconds` ago, which the controller remembers from its
//! own syncs. When the visible step's demand is unknown (or no step is visible yet) there is no
//! metric and nothing scales, as when the metrics API has nothing.
//!
//! Why pods at `now − lag` and not the step's mean: with long steps (30 min) the visible step
//! stays the same for 120 syncs; dividing its load by a stale pod count would make every
//! scale-down look like it left the remaining pods idle, and the count would cascade to the
//! minimum, which a real HPA, whose per-pod samples catch up within seconds, does not do.
//!
//! Pods are those of the default type (index 0), the one the HPA scales; `current` is its
//! `ready + booting` (`spec.replicas`). Grouping follows `groupPods`: booting instances are
//! pending pods, set aside; ready pods that were not yet serving `metric_lag_seconds` ago are
//! set aside too, because their latest sample predates their readiness (the CPU rule within
//! `--horizontal-pod-autoscaler-cpu-initialization-period`).
//!
//! # Simplifications
//! - One metric; load spreads evenly, so every counted pod has the step's utilization.
//! - No pod misses a sample (`missingPods` is always empty).
//! - The `behavior` path with its defaults is modelled. Kubernetes takes it only when
//!   `spec.behavior` is set; without it the older `normalizeDesiredReplicas` applies (highest
//!   recommendation of the last 5 minutes, at most max(2 × current, 4) per sync), which differs
//!   from these defaults for fewer than 4 pods (1 → 4 instead of 1 → 5).
//! - One tolerance for both directions (`--horizontal-pod-autoscaler-tolerance`); the alpha
//!   per-direction `tolerance` of Kubernetes 1.33 is not modelled.

mod behavior;
mod replicas;

pub use behavior::{
    BehaviorSpec, ScalingPolicy, ScalingPolicyType, ScalingRulesSpec, SelectPolicy,
};

use behavior::{normalize_with_behavior, Behavior, Bounds, History};
use prescale_core::{Decision, Observation, Policy};
use replicas::{recommend, PodMetrics};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Settings of the modelled HPA; every default is the Kubernetes one unless its doc says
/// otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HpaConfig {
    /// Target mean utilization of the counted pods, as a fraction (`averageUtilization` / 100;
    /// Kubernetes takes a whole percent, and so does this model: 0.725 acts as 73 %). The knob of
    /// the backtest's iso-SLO sweep. Default 0.8: the value Kubernetes itself applies when an HPA
    /// names no metric (`DefaultCPUUtilization = 80` in `pkg/apis/autoscaling`), which is also
    /// what `kubectl autoscale` creates without `--cpu-percent`.
    pub target_utilization: f64,
    /// No change while |ratio − 1| ≤ this (`--horizontal-pod-autoscaler-tolerance`, 0.1).
    pub tolerance: f64,
    /// Seconds between syncs (`--horizontal-pod-autoscaler-sync-period`, 15).
    pub sync_period_seconds: f64,
    /// How long after a step ends its metric becomes visible. Default 30: metrics-server's
    /// upstream manifests scrape every 15 s and a sample averages the window before it, so the
    /// value the controller reads describes load some 15 to 30 s old; 30 takes the older end.
    pub metric_lag_seconds: f64,
    /// Fewest replicas (`minReplicas`, 1).
    pub min_replicas: u32,
    /// Most replicas (`maxReplicas`). Kubernetes has no default; this one is out of reach so
    /// that the scenario's own limit binds unless a configuration sets a lower one.
    pub max_replicas: u32,
    /// Stabilization windows and rate limits (`spec.behavior`).
    pub behavior: BehaviorSpec,
}

impl Default for HpaConfig {
    fn default() -> Self {
        Self {
            target_utilization: 0.8,
            tolerance: 0.1,
            sync_period_seconds: 15.0,
            metric_lag_seconds: 30.0,
            min_replicas: 1,
            max_replicas: 1_000_000,
            behavior: BehaviorSpec::default(),
        }
    }
}

impl HpaConfig {
    /// Every problem with the settings, each with its key; empty when they are usable. The
    /// ranges are those the Kubernetes API validates where it has one.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut check = |ok: bool, message: &str| {
            if !ok {
                problems.push(message.to_owned());
            }
        };
        check(
            (0.01..=10.0).contains(&self.target_utilization),
            "target_utilization: must be between 0.01 and 10 (1 % to 1000 %)",
        );
        check(
            (0.0..1.0).contains(&self.tolerance),
            "tolerance: must be at least 0 and below 1",
        );
        check(
            self.sync_period_seconds > 0.0,
            "sync_period_seconds: must be positive",
        );
        check(
            self.metric_lag_seconds >= 0.0,
            "metric_lag_seconds: must not be negative",
        );
        check(
            self.min_replicas <= self.max_replicas,
            "min_replicas: must not exceed max_replicas",
        );
        check(self.max_replicas >= 1, "max_replicas: must be at least 1");
        for (name, rules) in [
            ("scale_up", &self.behavior.scale_up),
            ("scale_down", &self.behavior.scale_down),
        ] {
            check_rules(name, rules, &mut problems);
        }
        problems
    }
}

fn check_rules(direction: &str, rules: &ScalingRulesSpec, problems: &mut Vec<String>) {
    if rules.stabilization_window_seconds.is_some_and(|w| w > 3600) {
        problems.push(format!(
            "behavior.{direction}.stabilization_window_seconds: must be at most 3600"
        ));
    }
    let Some(policies) = &rules.policies else {
        return;
    };
    if policies.is_empty() {
        problems.push(format!("behavior.{direction}.policies: must not be empty"));
    }
    for (i, p) in policies.iter().enumerate() {
        if p.value == 0 {
            problems.push(format!(
                "behavior.{direction}.policies[{i}].value: must be positive"
            ));
        }
        if !(1..=1800).contains(&p.period_seconds) {
            problems.push(format!(
                "behavior.{direction}.policies[{i}].period_seconds: must be 1 to 1800"
            ));
        }
    }
}

/// The Kubernetes HPA, with the state its controller keeps between syncs.
#[derive(Debug, Clone)]
pub struct Hpa {
    config: HpaConfig,
    behavior: Behavior,
    history: History,
    /// (sync time, default-type pods serving then), oldest first: where the metric pipeline's
    /// pod count `metric_lag_seconds` ago comes from.
    serving_log: VecDeque<(f64, u32)>,
}

impl Hpa {
    pub fn new(config: HpaConfig) -> Self {
        let behavior = config.behavior.resolve();
        Self {
            config,
            behavior,
            history: History::default(),
            serving_log: VecDeque::new(),
        }
    }

    /// One sync of `reconcileAutoscaler` at `now`: the count to set, given the default type's
    /// current count and the pods' metric (`None`: the metrics API had nothing).
    fn sync(&mut self, now: f64, current: u32, pods: Option<PodMetrics>) -> u32 {
        self.history.record_initial(now, current);
        let bounds = Bounds {
            min: self.config.min_replicas,
            max: self.config.max_replicas,
        };
        let desired = if current == 0 && bounds.min != 0 {
            return current;
        } else if current > bounds.max {
            bounds.max
        } else if current < bounds.min {
            bounds.min
        } else {
            let recommended = pods.and_then(|p| {
                recommend(
                    current,
                    p,
                    self.config.target_utilization,
                    self.config.tolerance,
                )
            });
            let Some(recommended) = recommended else {
                return current;
            };
            let normalized = normalize_with_behavior(
                &self.history,
                &self.behavior,
                bounds,
                now,
                current,
                recommended,
            );
            self.history
                .record_recommendation(&self.behavior, now, recommended);
            normalized
        };
        if desired != current {
            self.history
                .record_scale(&self.behavior, now, current, desired);
        }
        desired
    }

    /// Remembers the pods serving now, and forgets what no later lookup can need.
    fn log_serving(&mut self, now: f64, serving: u32) {
        self.serving_log.push_back((now, serving));
        let horizon = now - self.config.metric_lag_seconds;
        // Keep the newest entry at or before the horizon: lookups only move forward.
        while self.serving_log.len() > 1 && self.serving_log[1].0 <= horizon {
            self.serving_log.pop_front();
        }
    }

    /// Default-type pods serving at time `at`, from the log (`None` before the first sync).
    fn serving_at(&self, at: f64) -> Option<u32> {
        self.serving_log
            .iter()
            .rev()
            .find(|(t, _)| *t <= at + 1e-9)
            .map(|&(_, n)| n)
    }

    /// What the metrics pipeline shows at `obs.now` (see the module doc), or `None`.
    fn pod_metrics(&self, obs: &Observation<'_>) -> Option<PodMetrics> {
        let step = obs.step_seconds;
        // Written so that NaN counts as unusable too.
        let is_positive = |x: f64| x > 0.0;
        if !is_positive(step) || !is_positive(obs.capacity_per_instance) {
            return None;
        }
        let lag = self.config.metric_lag_seconds;
        // Step i ends at (i + 1) · step; the epsilon keeps "ended exactly lag ago" visible.
        let visible = ((obs.now - lag) / step + 1e-9).floor();
        if visible.is_nan() || visible < 1.0 {
            return None;
        }
        let latest = (visible as usize).min(obs.demand.len()).checked_sub(1)?;
        let demand = (*obs.demand.get(latest)?)?;
        let state = obs.fleet.types.first().copied().unwrap_or_default();
        let factor = obs
            .types
            .first()
            .map(|t| t.capacity_factor)
            .filter(|f| *f > 0.0)
            .unwrap_or(1.0);
        // Before the log reaches back far enough, the pods serving now stand in.
        let then = self
            .serving_at(obs.now - lag)
            .unwrap_or(state.ready + state.notified);
        if then == 0 {
            return None;
        }
        let sampled = then.min(state.ready + state.notified);
        Some(PodMetrics {
            utilization: demand.max(0.0) / (f64::from(then) * factor * obs.capacity_per_instance),
            ready: sampled,
            ignored: state
                .booting
                .saturating_add(state.ready + state.notified - sampled),
        })
    }
}

impl Policy for Hpa {
    fn name(&self) -> String {
        "hpa".into()
    }

    fn decision_interval(&self) -> Option<f64> {
        Some(self.config.sync_period_seconds)
    }

    fn decide(&mut self, obs: &Observation<'_>) -> Decision {
        let state = obs.fleet.types.first().copied().unwrap_or_default();
        let current = state.current();
        self.log_serving(obs.now, state.ready + state.notified);
        let pods = self.pod_metrics(obs);
        let desired = self.sync(obs.now, current, pods);
        Decision::only_default(desired, obs.types.len())
    }
}

#[cfg(test)]
mod tests;
