//! The instance mix: the steady base on on-demand instances, the variable part on spot, with
//! enough extra spot instances to absorb the interruptions expected while replacements boot.
//!
//! An interrupted spot instance serves through its notice; its replacement is requested at the
//! next decision and serves a boot time later. So each interruption leaves a gap of about
//! `step + boot − notice` seconds. With n spot instances interrupted at rate r, the number in
//! their gap at any moment is Poisson with mean λ = n·r·gap; the headroom is the smallest h with
//! P(Poisson(λ) > h) ≤ the risk accepted.

use prescale_core::InstanceType;
use serde::{Deserialize, Serialize};

/// Settings of the mix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MixConfig {
    /// Put the variable part on spot types when the scenario offers them.
    pub use_spot: bool,
    /// Accepted probability that interruptions leave the fleet short at a given moment.
    pub interruption_risk: f64,
    /// The base load is the lowest need seen over this many seconds.
    pub base_window_seconds: f64,
}

impl Default for MixConfig {
    fn default() -> Self {
        Self {
            use_spot: true,
            interruption_risk: 0.005,
            base_window_seconds: 86_400.0,
        }
    }
}

/// The split of a capacity over instance types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Instances per type, in the scenario's order.
    pub per_type: Vec<u32>,
    /// Spot instances added against interruptions (included in `per_type`).
    pub headroom: u32,
}

/// The on-demand type (the cheapest non-spot one per unit of capacity) and the cheapest spot
/// type, by index.
pub fn roles(types: &[InstanceType]) -> (Option<usize>, Option<usize>) {
    let unit_price = |t: &InstanceType| t.price_per_hour / t.capacity_factor;
    let cheapest = |spot: bool| {
        types
            .iter()
            .enumerate()
            .filter(|(_, t)| t.spot.is_some() == spot)
            .min_by(|a, b| unit_price(a.1).total_cmp(&unit_price(b.1)))
            .map(|(i, _)| i)
    };
    (cheapest(false), cheapest(true))
}

/// Splits `total` standard instances: `base` of them on on-demand, the rest on spot (when
/// allowed and offered) plus the interruption headroom. Without a spot type, everything goes
/// on on-demand; without an on-demand type, everything on spot.
pub fn split(
    total: u32,
    base: u32,
    types: &[InstanceType],
    step_seconds: f64,
    config: &MixConfig,
) -> Split {
    let mut per_type = vec![0u32; types.len()];
    let (on_demand, spot) = roles(types);
    let spot = spot.filter(|_| config.use_spot);
    let in_units = |capacity: u32, ty: usize| {
        let factor = types[ty].capacity_factor;
        (f64::from(capacity) / factor - 1e-9).ceil().max(0.0) as u32
    };
    match (on_demand, spot) {
        (Some(od), None) => {
            per_type[od] = in_units(total, od);
            Split {
                per_type,
                headroom: 0,
            }
        }
        (od, Some(sp)) => {
            let base = if od.is_some() { base.min(total) } else { 0 };
            if let Some(od) = od {
                per_type[od] = in_units(base, od);
            }
            let variable = in_units(total - base, sp);
            let headroom = if variable > 0 {
                interruption_headroom(variable, &types[sp], step_seconds, config.interruption_risk)
            } else {
                0
            };
            per_type[sp] = variable + headroom;
            Split { per_type, headroom }
        }
        (None, None) => Split {
            per_type,
            headroom: 0,
        },
    }
}

/// Extra spot instances so that interruptions leave `count` short with probability ≤ `risk`.
pub fn interruption_headroom(count: u32, spot: &InstanceType, step_seconds: f64, risk: f64) -> u32 {
    let Some(terms) = &spot.spot else {
        return 0;
    };
    let gap = (step_seconds + spot.boot_seconds - terms.notice_seconds).max(0.0);
    let lambda = f64::from(count) * terms.interruption_rate_per_day / 86_400.0 * gap;
    if !(lambda.is_finite() && lambda > 0.0) {
        return 0;
    }
    // P(N > h) = 1 − Σ_{j ≤ h} e^{−λ} λ^j / j!
    let mut term = (-lambda).exp();
    let mut cumulative = term;
    let mut h = 0u32;
    while 1.0 - cumulative > risk && h < 10_000 {
        h += 1;
        term *= lambda / f64::from(h);
        cumulative += term;
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The standard scenario's on-demand and spot types.
    fn types() -> Vec<InstanceType> {
        prescale_sim::scenario::Scenario::default().instance_types
    }

    #[test]
    fn the_base_goes_on_demand_and_the_rest_on_spot_with_headroom() {
        let s = split(30, 12, &types(), 300.0, &MixConfig::default());
        assert_eq!(s.per_type[0], 12);
        // 18 spot instances at 5 %/day: λ = 18 · 0.05/day · 480 s ≈ 0.005, P(N ≥ 1) < 0.005.
        assert_eq!((s.per_type[1], s.headroom), (18, 0));
        let s = split(312, 12, &types(), 300.0, &MixConfig::default());
        assert!(s.headroom >= 1, "300 spot instances need some headroom");
        assert_eq!(s.per_type[1], 300 + s.headroom);
    }

    #[test]
    fn without_spot_everything_is_on_demand() {
        let config = MixConfig {
            use_spot: false,
            ..MixConfig::default()
        };
        let s = split(30, 12, &types(), 300.0, &config);
        assert_eq!(s.per_type, vec![30, 0]);
        let only_od = &types()[..1];
        assert_eq!(
            split(30, 12, only_od, 300.0, &MixConfig::default()).per_type,
            vec![30]
        );
    }

    #[test]
    fn headroom_grows_with_exposure_and_vanishes_without_risk() {
        let t = types();
        let few = interruption_headroom(10, &t[1], 300.0, 0.005);
        let many = interruption_headroom(1000, &t[1], 300.0, 0.005);
        assert!(many > few, "{many} vs {few}");
        assert_eq!(interruption_headroom(10, &t[0], 300.0, 0.005), 0);
    }

    #[test]
    fn capacity_factors_turn_into_instance_counts() {
        let mut t = types();
        t[1].capacity_factor = 2.0;
        let s = split(21, 10, &t, 300.0, &MixConfig::default());
        assert_eq!(
            s.per_type[1] - s.headroom,
            6,
            "11 standard instances = 6 of size 2"
        );
    }
}
