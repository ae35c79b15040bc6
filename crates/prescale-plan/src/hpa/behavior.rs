//! The HPA's `behavior` (autoscaling/v2): the stabilization window and the scaling policies that
//! turn the replica calculator's recommendation into the count the controller sets.
//!
//! Follows `normalizeDesiredReplicasWithBehaviors`, `stabilizeRecommendationWithBehaviors`,
//! `convertDesiredReplicasWithBehaviorRate`, `calculateScaleUpLimitWithScalingRules`,
//! `calculateScaleDownLimitWithBehaviors`, `getReplicasChangePerPeriod` and `storeScaleEvent` in
//! kubernetes/kubernetes `pkg/controller/podautoscaler/horizontal.go`, in their current form:
//! the stabilization clamps the current count between the lowest recommendation of the scale-up
//! window and the highest of the scale-down window, and both limits start a policy's period from
//! the current count minus the pods added plus the pods removed within it. (Releases around 1.18
//! used only the window of the direction being scaled and only same-direction events; the current
//! form can also be read in the copies that karmada-io/karmada `pkg/controllers/federatedhpa` and
//! kubernetes/autoscaler `multidimensional-pod-autoscaler` vendor with attribution.)
//!
//! Defaults are `GenerateHPAScaleUpRules` / `GenerateHPAScaleDownRules` in
//! `pkg/apis/autoscaling/v2/defaults.go` and the "Default behavior" section of the "Horizontal
//! Pod Autoscaling" documentation page.

use serde::{Deserialize, Serialize};

/// How the policies of one direction combine (`selectPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SelectPolicy {
    /// The policy that allows the largest change (the default).
    Max,
    /// The policy that allows the smallest change.
    Min,
    /// No scaling in this direction at all.
    Disabled,
}

/// The unit of a scaling policy's `value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScalingPolicyType {
    /// A number of pods.
    Pods,
    /// A percentage of the pods at the start of the period.
    Percent,
}

/// One `HPAScalingPolicy`: at most `value` pods (or percent) of change per `period_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScalingPolicy {
    #[serde(rename = "type")]
    pub kind: ScalingPolicyType,
    /// Pods, or percent of the pods at the start of the period; Kubernetes requires > 0.
    pub value: u32,
    /// Length of the period looked back on; Kubernetes allows 1 to 1800.
    pub period_seconds: u32,
}

/// `HPAScalingRules` as written in a configuration: every field left out takes the Kubernetes
/// default of its direction (`copyHPAScalingRules` merges field by field).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScalingRulesSpec {
    /// Seconds of past recommendations the stabilization looks at (0 to 3600).
    pub stabilization_window_seconds: Option<u32>,
    /// How the policies combine.
    pub select_policy: Option<SelectPolicy>,
    /// Rate limits; a list given here replaces the default list.
    pub policies: Option<Vec<ScalingPolicy>>,
}

/// `HorizontalPodAutoscalerBehavior`: the rules for each direction.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BehaviorSpec {
    /// Defaults: no stabilization; at most max(+4 pods, +100 %) per 15 s.
    pub scale_up: ScalingRulesSpec,
    /// Defaults: 300 s stabilization (`--horizontal-pod-autoscaler-downscale-stabilization`); at
    /// most −100 % per 15 s.
    pub scale_down: ScalingRulesSpec,
}

/// Rules of one direction with every default filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ScalingRules {
    pub stabilization_window_seconds: u32,
    pub select_policy: SelectPolicy,
    pub policies: Vec<ScalingPolicy>,
}

impl ScalingRules {
    fn merged(spec: &ScalingRulesSpec, default: ScalingRules) -> Self {
        Self {
            stabilization_window_seconds: spec
                .stabilization_window_seconds
                .unwrap_or(default.stabilization_window_seconds),
            select_policy: spec.select_policy.unwrap_or(default.select_policy),
            policies: spec.policies.clone().unwrap_or(default.policies),
        }
    }

    fn longest_period(&self) -> u32 {
        self.policies
            .iter()
            .map(|p| p.period_seconds)
            .max()
            .unwrap_or(0)
    }
}

/// Both directions' rules, defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Behavior {
    pub scale_up: ScalingRules,
    pub scale_down: ScalingRules,
}

impl BehaviorSpec {
    /// The rules the controller applies: the given fields over the Kubernetes defaults.
    pub(super) fn resolve(&self) -> Behavior {
        let policy = |kind, value| ScalingPolicy {
            kind,
            value,
            period_seconds: 15,
        };
        let up = ScalingRules {
            stabilization_window_seconds: 0,
            select_policy: SelectPolicy::Max,
            policies: vec![
                policy(ScalingPolicyType::Pods, 4),
                policy(ScalingPolicyType::Percent, 100),
            ],
        };
        let down = ScalingRules {
            stabilization_window_seconds: 300,
            select_policy: SelectPolicy::Max,
            policies: vec![policy(ScalingPolicyType::Percent, 100)],
        };
        Behavior {
            scale_up: ScalingRules::merged(&self.scale_up, up),
            scale_down: ScalingRules::merged(&self.scale_down, down),
        }
    }
}

/// The lowest and highest replica counts (`minReplicas`, `maxReplicas`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Bounds {
    pub min: u32,
    pub max: u32,
}

/// An unstabilized recommendation and when it was made (`timestampedRecommendation`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Recommendation {
    pub at: f64,
    pub replicas: u32,
}

/// A change the controller made (`timestampedScaleEvent`); `change` is always positive, the
/// list it sits in says the direction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct ScaleEvent {
    pub at: f64,
    pub change: u32,
    /// Older than the direction's longest period: its slot may be reused.
    pub outdated: bool,
}

/// What the controller remembers between syncs for one HPA.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct History {
    pub recommendations: Vec<Recommendation>,
    pub scale_up_events: Vec<ScaleEvent>,
    pub scale_down_events: Vec<ScaleEvent>,
}

impl History {
    /// `recordInitialRecommendation`: the first sync remembers the count it found, so that a
    /// scale-down right after start waits for the window like any other.
    pub fn record_initial(&mut self, now: f64, current: u32) {
        if self.recommendations.is_empty() {
            self.recommendations.push(Recommendation {
                at: now,
                replicas: current,
            });
        }
    }

    /// The bookkeeping half of `stabilizeRecommendationWithBehaviors`: remembers the
    /// unstabilized recommendation, reusing the last slot that has left both windows.
    pub fn record_recommendation(&mut self, behavior: &Behavior, now: f64, desired: u32) {
        let up_cutoff = now - f64::from(behavior.scale_up.stabilization_window_seconds);
        let down_cutoff = now - f64::from(behavior.scale_down.stabilization_window_seconds);
        let new = Recommendation {
            at: now,
            replicas: desired,
        };
        let old = self
            .recommendations
            .iter_mut()
            .rev()
            .find(|r| r.at < up_cutoff && r.at < down_cutoff);
        match old {
            Some(slot) => *slot = new,
            None => self.recommendations.push(new),
        }
    }

    /// `storeScaleEvent`: remembers a change from `from` to `to` for the rate limits, reusing
    /// the last slot older than the direction's longest policy period.
    pub fn record_scale(&mut self, behavior: &Behavior, now: f64, from: u32, to: u32) {
        let (events, rules, change) = if to > from {
            (&mut self.scale_up_events, &behavior.scale_up, to - from)
        } else {
            (&mut self.scale_down_events, &behavior.scale_down, from - to)
        };
        let cutoff = now - f64::from(rules.longest_period());
        for event in events.iter_mut() {
            if event.at < cutoff {
                event.outdated = true;
            }
        }
        let new = ScaleEvent {
            at: now,
            change,
            outdated: false,
        };
        match events.iter_mut().rev().find(|e| e.outdated) {
            Some(slot) => *slot = new,
            None => events.push(new),
        }
    }
}

/// `normalizeDesiredReplicasWithBehaviors`: the count the controller sets, given the replica
/// calculator's recommendation `desired` and what it remembers. Reads `history` only; the caller
/// records the recommendation and any scale event afterwards.
///
/// Guarantees: with `current` inside `bounds`, the result is inside `bounds`, never moves
/// further than the policies allow within their periods, and never moves against `desired`.
pub(super) fn normalize_with_behavior(
    history: &History,
    behavior: &Behavior,
    bounds: Bounds,
    now: f64,
    current: u32,
    desired: u32,
) -> u32 {
    let stabilized = stabilize(&history.recommendations, behavior, now, current, desired);
    limit_rate(history, behavior, bounds, now, current, stabilized)
}

/// `stabilizeRecommendationWithBehaviors`: the current count brought between the lowest
/// recommendation of the scale-up window and the highest of the scale-down window, the new
/// recommendation included in both. A recommendation exactly `window` seconds old is out (the
/// controller keeps those strictly `After` the cutoff).
fn stabilize(
    recommendations: &[Recommendation],
    behavior: &Behavior,
    now: f64,
    current: u32,
    desired: u32,
) -> u32 {
    let up_cutoff = now - f64::from(behavior.scale_up.stabilization_window_seconds);
    let down_cutoff = now - f64::from(behavior.scale_down.stabilization_window_seconds);
    let mut up = desired;
    let mut down = desired;
    for r in recommendations {
        if r.at > up_cutoff {
            up = up.min(r.replicas);
        }
        if r.at > down_cutoff {
            down = down.max(r.replicas);
        }
    }
    let mut recommendation = current;
    if recommendation < up {
        recommendation = up;
    }
    if recommendation > down {
        recommendation = down;
    }
    recommendation
}

/// `convertDesiredReplicasWithBehaviorRate`: the rate limits, then `minReplicas` /
/// `maxReplicas`.
fn limit_rate(
    history: &History,
    behavior: &Behavior,
    bounds: Bounds,
    now: f64,
    current: u32,
    desired: u32,
) -> u32 {
    if desired > current {
        // A limit below the current count means "no further scale-up for now", not a scale-down.
        let limit = scale_up_limit(history, &behavior.scale_up, now, current).max(current);
        desired.min(bounds.max.min(limit))
    } else if desired < current {
        let limit = scale_down_limit(history, &behavior.scale_down, now, current).min(current);
        desired.max(bounds.min.max(limit))
    } else {
        desired
    }
}

/// `getReplicasChangePerPeriod`: pods changed by the events younger than `period_seconds`.
fn changed_within(events: &[ScaleEvent], now: f64, period_seconds: u32) -> i64 {
    let cutoff = now - f64::from(period_seconds);
    events
        .iter()
        .filter(|e| e.at > cutoff)
        .map(|e| i64::from(e.change))
        .sum()
}

/// The count at the start of a policy's period: the current one less what was added and plus
/// what was removed within it.
fn period_start(history: &History, now: f64, current: u32, period_seconds: u32) -> i64 {
    i64::from(current) - changed_within(&history.scale_up_events, now, period_seconds)
        + changed_within(&history.scale_down_events, now, period_seconds)
}

fn to_count(x: i64) -> u32 {
    x.clamp(0, i64::from(u32::MAX)) as u32
}

/// `calculateScaleUpLimitWithScalingRules`: the most replicas the scale-up policies allow now.
/// Percent rounds up so that a small target can always grow.
fn scale_up_limit(history: &History, rules: &ScalingRules, now: f64, current: u32) -> u32 {
    let (mut result, select): (i64, fn(i64, i64) -> i64) = match rules.select_policy {
        SelectPolicy::Disabled => return current,
        SelectPolicy::Min => (i64::MAX, i64::min),
        SelectPolicy::Max => (i64::MIN, i64::max),
    };
    for policy in &rules.policies {
        let start = period_start(history, now, current, policy.period_seconds);
        let proposed = match policy.kind {
            ScalingPolicyType::Pods => start + i64::from(policy.value),
            ScalingPolicyType::Percent => {
                (start as f64 * (1.0 + f64::from(policy.value) / 100.0)).ceil() as i64
            }
        };
        result = select(result, proposed);
    }
    to_count(result)
}

/// `calculateScaleDownLimitWithBehaviors`: the fewest replicas the scale-down policies allow
/// now. Percent truncates toward zero, as Go's `int32(float64)` does.
fn scale_down_limit(history: &History, rules: &ScalingRules, now: f64, current: u32) -> u32 {
    let (mut result, select): (i64, fn(i64, i64) -> i64) = match rules.select_policy {
        SelectPolicy::Disabled => return current,
        SelectPolicy::Min => (i64::MIN, i64::max),
        SelectPolicy::Max => (i64::MAX, i64::min),
    };
    for policy in &rules.policies {
        let start = period_start(history, now, current, policy.period_seconds);
        let proposed = match policy.kind {
            ScalingPolicyType::Pods => start - i64::from(policy.value),
            ScalingPolicyType::Percent => {
                (start as f64 * (1.0 - f64::from(policy.value) / 100.0)) as i64
            }
        };
        result = select(result, proposed);
    }
    to_count(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WIDE: Bounds = Bounds { min: 1, max: 1_000 };

    fn defaults() -> Behavior {
        BehaviorSpec::default().resolve()
    }

    fn at(at: f64, replicas: u32) -> Recommendation {
        Recommendation { at, replicas }
    }

    fn event(at: f64, change: u32) -> ScaleEvent {
        ScaleEvent {
            at,
            change,
            outdated: false,
        }
    }

    #[test]
    fn defaults_match_the_kubernetes_default_behavior() {
        let b = defaults();
        assert_eq!(b.scale_up.stabilization_window_seconds, 0);
        assert_eq!(b.scale_up.select_policy, SelectPolicy::Max);
        assert_eq!(b.scale_up.policies.len(), 2);
        assert_eq!(b.scale_down.stabilization_window_seconds, 300);
        assert_eq!(
            b.scale_down.policies,
            vec![ScalingPolicy {
                kind: ScalingPolicyType::Percent,
                value: 100,
                period_seconds: 15
            }]
        );
    }

    #[test]
    fn given_fields_replace_only_their_own_default() {
        let spec = BehaviorSpec {
            scale_down: ScalingRulesSpec {
                stabilization_window_seconds: Some(60),
                ..ScalingRulesSpec::default()
            },
            ..BehaviorSpec::default()
        };
        let b = spec.resolve();
        assert_eq!(b.scale_down.stabilization_window_seconds, 60);
        assert_eq!(b.scale_down.policies, defaults().scale_down.policies);
        assert_eq!(b.scale_up, defaults().scale_up);
    }

    #[test]
    fn scale_up_from_one_adds_four_pods_in_one_period() {
        let history = History::default();
        assert_eq!(
            normalize_with_behavior(&history, &defaults(), WIDE, 0.0, 1, 20),
            5
        );
    }

    #[test]
    fn scale_up_from_ten_doubles_in_one_period() {
        let history = History::default();
        assert_eq!(
            normalize_with_behavior(&history, &defaults(), WIDE, 0.0, 10, 40),
            20
        );
    }

    #[test]
    fn scale_up_limit_counts_from_the_replicas_at_the_start_of_the_period() {
        // 1 → 5 ten seconds ago: the period started at 1, so 5 is already the limit.
        let history = History {
            scale_up_events: vec![event(90.0, 4)],
            ..History::default()
        };
        assert_eq!(
            normalize_with_behavior(&history, &defaults(), WIDE, 100.0, 5, 20),
            5
        );
    }

    #[test]
    fn a_scale_event_leaves_the_period_after_period_seconds() {
        // The same event exactly 15 s ago no longer counts: 5 → max(10, 9).
        let history = History {
            scale_up_events: vec![event(85.0, 4)],
            ..History::default()
        };
        assert_eq!(
            normalize_with_behavior(&history, &defaults(), WIDE, 100.0, 5, 20),
            10
        );
    }

    #[test]
    fn scale_down_is_held_by_a_higher_recommendation_in_the_window() {
        let history = History {
            recommendations: vec![at(0.0, 10)],
            ..History::default()
        };
        assert_eq!(
            normalize_with_behavior(&history, &defaults(), WIDE, 285.0, 10, 4),
            10
        );
    }

    #[test]
    fn scale_down_is_allowed_once_the_window_has_passed() {
        // A recommendation exactly 300 s old has left the window.
        let history = History {
            recommendations: vec![at(0.0, 10)],
            ..History::default()
        };
        assert_eq!(
            normalize_with_behavior(&history, &defaults(), WIDE, 300.0, 10, 4),
            4
        );
    }

    #[test]
    fn stabilization_uses_the_highest_recommendation_of_the_window() {
        let history = History {
            recommendations: vec![at(0.0, 12), at(100.0, 7), at(200.0, 9), at(250.0, 6)],
            ..History::default()
        };
        // The 12 has left the window at 300 s; the highest left is 9.
        assert_eq!(
            normalize_with_behavior(&history, &defaults(), WIDE, 300.0, 10, 4),
            9
        );
    }

    #[test]
    fn a_scale_up_window_uses_the_lowest_recommendation() {
        let mut behavior = defaults();
        behavior.scale_up.stabilization_window_seconds = 60;
        let history = History {
            recommendations: vec![at(50.0, 6), at(80.0, 9)],
            ..History::default()
        };
        assert_eq!(
            normalize_with_behavior(&history, &behavior, WIDE, 100.0, 4, 12),
            6
        );
    }

    #[test]
    fn scale_down_rate_follows_the_documented_percent_example() {
        // Docs, "Scaling policies": Pods 4 and Percent 10 per 60 s, 80 → 10: the first step
        // removes 8; at 72 the next step removes 8 again (10 % of 72 is 7.2, rounded up).
        let mut behavior = defaults();
        behavior.scale_down = ScalingRules {
            stabilization_window_seconds: 0,
            select_policy: SelectPolicy::Max,
            policies: vec![
                ScalingPolicy {
                    kind: ScalingPolicyType::Pods,
                    value: 4,
                    period_seconds: 60,
                },
                ScalingPolicy {
                    kind: ScalingPolicyType::Percent,
                    value: 10,
                    period_seconds: 60,
                },
            ],
        };
        let mut history = History::default();
        assert_eq!(
            normalize_with_behavior(&history, &behavior, WIDE, 0.0, 80, 10),
            72
        );
        history.record_scale(&behavior, 0.0, 80, 72);
        // Within the same minute the period still starts at 80.
        assert_eq!(
            normalize_with_behavior(&history, &behavior, WIDE, 30.0, 72, 10),
            72
        );
        assert_eq!(
            normalize_with_behavior(&history, &behavior, WIDE, 60.0, 72, 10),
            64
        );
    }

    #[test]
    fn a_disabled_direction_never_moves() {
        let mut behavior = defaults();
        behavior.scale_down.select_policy = SelectPolicy::Disabled;
        behavior.scale_down.stabilization_window_seconds = 0;
        let history = History::default();
        assert_eq!(
            normalize_with_behavior(&history, &behavior, WIDE, 0.0, 10, 2),
            10
        );
    }

    #[test]
    fn min_and_max_bound_the_result() {
        let history = History::default();
        let mut behavior = defaults();
        behavior.scale_down.stabilization_window_seconds = 0;
        let bounds = Bounds { min: 3, max: 12 };
        assert_eq!(
            normalize_with_behavior(&history, &behavior, bounds, 0.0, 10, 0),
            3
        );
        assert_eq!(
            normalize_with_behavior(&history, &behavior, bounds, 0.0, 10, 40),
            12
        );
    }

    #[test]
    fn recording_reuses_a_slot_that_left_both_windows() {
        let behavior = defaults();
        let mut history = History {
            recommendations: vec![at(0.0, 3), at(200.0, 4)],
            ..History::default()
        };
        history.record_recommendation(&behavior, 400.0, 5);
        assert_eq!(history.recommendations, vec![at(400.0, 5), at(200.0, 4)]);
    }

    #[test]
    fn recording_a_scale_event_reuses_an_outdated_slot() {
        let behavior = defaults();
        let mut history = History {
            scale_up_events: vec![event(0.0, 4)],
            ..History::default()
        };
        history.record_scale(&behavior, 30.0, 5, 10);
        assert_eq!(history.scale_up_events, vec![event(30.0, 5)]);
        history.record_scale(&behavior, 35.0, 10, 8);
        assert_eq!(history.scale_down_events, vec![event(35.0, 2)]);
    }
}
