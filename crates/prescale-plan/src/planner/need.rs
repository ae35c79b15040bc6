//! From demand quantiles to an instance count: what to keep, what to add, what may go.
//!
//! At the decision for step k (index 0 of the outlook), an instance requested now serves from
//! step k + L (L = boot time in steps), and one removed now is gone at once. So:
//! - step k + L is what new instances are for: its need at the planning (SLO) quantile is
//!   `target`; later steps are the business of later decisions;
//! - steps k .. k + L can only be served by instances already there: those needed there at the
//!   planning quantile are kept (`hold`), never requested for them (they would arrive late);
//! - an instance needed again within the minimum lifetime M after k + L is kept too, since
//!   removing and re-adding it costs a boot (the oracle's own rule). That is a cost decision,
//!   not an SLO one, so it reads a lower quantile (`keep`).
//!
//! count = max(target, min(current, max(hold, keep))).

/// Instances that serve `demand` at `capacity` per instance (with a tolerance, so that
/// 40.000000001 does not ask for a 41st).
pub fn instances_for(demand: f64, capacity: f64) -> u32 {
    if !(demand.is_finite() && capacity > 0.0) {
        return 0;
    }
    let x = demand / capacity;
    if x <= 1e-9 {
        0
    } else {
        (x - 1e-9).ceil().min(f64::from(u32::MAX)) as u32
    }
}

/// The count wanted and the step that set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    /// Instances wanted.
    pub count: u32,
    /// Index of the outlook step whose need set `count`.
    pub at: usize,
    /// Whether the count is held for a step before new capacity could arrive (`hold`), rather
    /// than asked for by the steps after the lead.
    pub held: bool,
}

/// Applies the rule of the module documentation. `slo` and `keep` are instances per outlook
/// step (index 0 = the step in progress) at the planning quantile and at the lifetime's lower
/// quantile; `lead` and `lifetime` are in steps.
pub fn window_need(slo: &[u32], keep: &[u32], current: u32, lead: usize, lifetime: usize) -> Need {
    let peak = |needs: &[u32], range: std::ops::Range<usize>| {
        let range = range.start.min(needs.len())..range.end.min(needs.len());
        needs[range.clone()]
            .iter()
            .enumerate()
            .max_by_key(|(_, &n)| n)
            .map(|(i, &n)| (n, range.start + i))
    };
    let (target, target_at) = slo
        .get(lead)
        .map(|&n| (n, lead))
        .or_else(|| slo.last().map(|&n| (n, slo.len() - 1)))
        .unwrap_or((0, 0));
    let hold = peak(slo, 0..lead);
    let later = peak(keep, lead + 1..lead + lifetime + 1);
    let (kept, kept_at) = match (hold, later) {
        (Some(h), Some(l)) => {
            if l.0 > h.0 {
                l
            } else {
                h
            }
        }
        (h, l) => h.or(l).unwrap_or((0, 0)),
    };
    let kept = kept.min(current);
    if kept > target {
        Need {
            count: kept,
            at: kept_at,
            held: kept_at < lead,
        }
    } else {
        Need {
            count: target,
            at: target_at,
            held: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_is_requested_for_the_steps_after_the_lead_only() {
        // Lead 2: the spike at step 1 cannot be served by new instances; the one at 3 can.
        let needs = [4, 9, 6, 5, 3];
        let n = window_need(&needs, &needs, 4, 2, 1);
        assert_eq!((n.count, n.at, n.held), (6, 2, false));
    }

    #[test]
    fn instances_needed_before_a_replacement_could_boot_are_kept() {
        // 8 serving, need 7 now, 2 after the lead: keep 7 (a removed one could not come back).
        let needs = [7, 2, 2, 2];
        let n = window_need(&needs, &needs, 8, 1, 1);
        assert_eq!((n.count, n.held), (7, true));
        // But nothing is added for the step in progress.
        let n = window_need(&needs, &needs, 3, 1, 1);
        assert_eq!(n.count, 3);
    }

    #[test]
    fn the_minimum_lifetime_bridges_a_short_dip_at_its_own_quantile() {
        let needs = [2, 2, 2, 5];
        assert_eq!(window_need(&needs, &needs, 5, 1, 2).count, 5);
        assert_eq!(window_need(&needs, &needs, 5, 1, 1).count, 2);
        // The lifetime reads the lower quantile: a return only the upper one expects is not
        // worth keeping an instance for.
        assert_eq!(window_need(&needs, &[2, 2, 2, 3], 5, 1, 2).count, 3);
        // Never more than is there.
        assert_eq!(window_need(&needs, &needs, 3, 1, 2).count, 3);
    }

    #[test]
    fn a_short_outlook_uses_its_last_step() {
        assert_eq!(window_need(&[3], &[3], 1, 2, 2).count, 3);
        assert_eq!(window_need(&[], &[], 1, 2, 2).count, 0);
    }

    #[test]
    fn instances_for_tolerates_rounding_and_refuses_nonsense() {
        assert_eq!(instances_for(40.000000001, 1.0), 40);
        assert_eq!(instances_for(40.1, 1.0), 41);
        assert_eq!(instances_for(f64::NAN, 1.0), 0);
        assert_eq!(instances_for(5.0, 0.0), 0);
    }
}
