//! The HPA's replica calculator for one utilization metric: from what the pods use to a replica
//! count, before stabilization and rate limits.
//!
//! Follows `GetResourceReplicas` (with `groupPods`) in kubernetes/kubernetes
//! `pkg/controller/podautoscaler/replica_calculator.go`, and the "Algorithm details" section of
//! the Kubernetes documentation page "Horizontal Pod Autoscaling"
//! (kubernetes.io/docs/concepts/workloads/autoscaling/horizontal-pod-autoscale/).

/// What the replica calculator knows about the pods at one sync.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct PodMetrics {
    /// Mean utilization of the counted pods, as a fraction of what one pod requests (1.0 = 100 %).
    pub utilization: f64,
    /// Ready pods whose sample counts (`readyPodCount` of `groupPods`).
    pub ready: u32,
    /// Pods set aside (`ignoredPods` of `groupPods`): pending or not ready, or ready so recently
    /// that their latest sample predates their readiness.
    pub ignored: u32,
}

/// Utilization in whole percent, as the controller computes it: `GetResourceUtilizationRatio`
/// (`pkg/controller/podautoscaler/metrics/utilization.go`) truncates
/// `metricsTotal * 100 / requestsTotal` to an integer.
fn whole_percent(fraction: f64) -> f64 {
    // The real pipeline works on integer milli-units; the epsilon keeps float noise
    // (0.7 * 100 = 69.99999...) from costing a whole percent.
    (fraction * 100.0 + 1e-9).floor()
}

/// The smallest whole count of at least `x` (`int32(math.Ceil(x))`); saturates instead of
/// wrapping, as `as` does for floats.
fn ceil_count(x: f64) -> u32 {
    x.ceil() as u32
}

/// The replica count the metric asks for (`GetResourceReplicas`), or `None` when the controller
/// could not compute one ("did not receive metrics for any ready pods"): then it does not scale.
///
/// Rules, all from `GetResourceReplicas` and the documentation's "Algorithm details":
/// - `ratio = utilization / target`; within `tolerance` of 1.0 the count stays `current`;
/// - otherwise `ceil(ratio × ready pods)`;
/// - when the ratio asks for a scale-up and some pods were set aside, those pods are counted at
///   0 % and the ratio is recomputed; if the new ratio is within tolerance or points the other
///   way, the count stays `current`, and a result that would move against the new ratio's
///   direction is also dropped.
///
/// Assumption: no ready pod lacks a sample (`missingPods` is empty), because in our model every
/// instance that served during the metric window reports one.
pub(super) fn recommend(
    current: u32,
    pods: PodMetrics,
    target_utilization: f64,
    tolerance: f64,
) -> Option<u32> {
    // `averageUtilization` is an integer percent in the API.
    let target = (target_utilization * 100.0).round();
    if pods.ready == 0 || target.is_nan() || target < 1.0 || !pods.utilization.is_finite() {
        return None;
    }
    let ready = f64::from(pods.ready);
    let within_tolerance = |ratio: f64| (1.0 - ratio).abs() <= tolerance;
    let ratio = whole_percent(pods.utilization.max(0.0)) / target;

    let rebalance_ignored = pods.ignored > 0 && ratio > 1.0;
    if !rebalance_ignored {
        if within_tolerance(ratio) {
            return Some(current);
        }
        return Some(ceil_count(ratio * ready));
    }

    // On a scale-up the set-aside pods count as using 0 % of their request, which dampens it.
    let counted = ready + f64::from(pods.ignored);
    let new_ratio = whole_percent(pods.utilization.max(0.0) * ready / counted) / target;
    let flips = (ratio < 1.0 && new_ratio > 1.0) || (ratio > 1.0 && new_ratio < 1.0);
    if within_tolerance(new_ratio) || flips {
        return Some(current);
    }
    let new_replicas = ceil_count(new_ratio * counted);
    if (new_ratio < 1.0 && new_replicas > current) || (new_ratio > 1.0 && new_replicas < current) {
        return Some(current);
    }
    Some(new_replicas)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pods(utilization: f64, ready: u32, ignored: u32) -> PodMetrics {
        PodMetrics {
            utilization,
            ready,
            ignored,
        }
    }

    /// Docs, "Algorithm details": current 200m, desired 100m → the replica count doubles.
    #[test]
    fn doubles_the_replicas_when_the_metric_is_twice_the_target() {
        assert_eq!(recommend(4, pods(1.0, 4, 0), 0.5, 0.1), Some(8));
    }

    /// Docs, "Algorithm details": current 50m, desired 100m → the replica count halves.
    #[test]
    fn halves_the_replicas_when_the_metric_is_half_the_target() {
        assert_eq!(recommend(8, pods(0.25, 8, 0), 0.5, 0.1), Some(4));
    }

    #[test]
    fn a_ratio_within_the_tolerance_keeps_the_current_count() {
        // 84 % against 80 %: ratio 1.05, and ceil(1.05 × 10) = 11 would be a change.
        assert_eq!(recommend(10, pods(0.84, 10, 0), 0.8, 0.1), Some(10));
        // 76 % against 80 %: ratio 0.95.
        assert_eq!(recommend(10, pods(0.76, 10, 0), 0.8, 0.1), Some(10));
    }

    #[test]
    fn a_ratio_outside_the_tolerance_scales() {
        // 92 % against 80 %: ratio 1.15 → ceil(11.5).
        assert_eq!(recommend(10, pods(0.92, 10, 0), 0.8, 0.1), Some(12));
    }

    #[test]
    fn the_desired_count_is_the_ratio_times_the_ready_pods() {
        // Three ready pods and two booting ones at ratio 0.5 (a scale-down): the booting pods are
        // left out, so ceil(0.5 × 3) = 2, not ceil(0.5 × 5) = 3.
        assert_eq!(recommend(5, pods(0.4, 3, 2), 0.8, 0.1), Some(2));
    }

    #[test]
    fn unready_pods_block_a_scale_up_that_is_only_due_to_them() {
        // Four ready pods at 96 % against 80 % ask for 1.2×; counting the four booting pods at
        // 0 % gives 48 % (ratio 0.6), which reverses the direction: no change.
        assert_eq!(recommend(8, pods(0.96, 4, 4), 0.8, 0.1), Some(8));
    }

    #[test]
    fn a_rebalanced_ratio_within_the_tolerance_blocks_the_scale_up() {
        // Five ready pods at 104 % against 50 % ask for 2.08×; with five booting pods at 0 % the
        // mean is 52 %, ratio 1.04, inside the tolerance: no change.
        assert_eq!(recommend(10, pods(1.04, 5, 5), 0.5, 0.1), Some(10));
    }

    #[test]
    fn a_scale_up_with_unready_pods_counts_them_as_idle() {
        // Four ready pods at 160 % against 80 % (ratio 2) and two booting: 160 × 4/6 = 106 %,
        // ratio 1.325, ceil(1.325 × 6) = 8; not ceil(2 × 6) = 12.
        assert_eq!(recommend(6, pods(1.6, 4, 2), 0.8, 0.1), Some(8));
    }

    #[test]
    fn no_ready_pod_with_a_sample_gives_no_recommendation() {
        assert_eq!(recommend(3, pods(0.9, 0, 3), 0.8, 0.1), None);
    }

    #[test]
    fn utilization_is_counted_in_whole_percent() {
        // 60.99 % reads as 60 %: ratio 1.2 → 12 pods, where the exact 1.2198 would give 13.
        assert_eq!(recommend(10, pods(0.6099, 10, 0), 0.5, 0.1), Some(12));
    }
}
