//! `prescale-naive`: prescale's first predictive policy, a seasonal-naive forecast plus a
//! margin. It is the placeholder that the forecasting engine and the planner replace.
//!
//! At the start of step k it wants enough capacity for every step from k up to the first step
//! an instance requested now can serve (k + ceil(boot / step)): the forecast of a step is the
//! larger of the same step one season earlier and the latest known demand (so a trend or a
//! burst still pulls capacity up), times 1 + margin. Until a season of history exists it is
//! purely reactive.

use prescale_core::{Decision, Observation, Policy};
use serde::{Deserialize, Serialize};

/// Settings of the seasonal-naive policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NaiveConfig {
    /// Extra capacity over the forecast, as a fraction (0.1 = 10 %). The knob of its iso-SLO
    /// sweep.
    pub margin: f64,
    /// Length of the season, in seconds (one day by default).
    pub season_seconds: f64,
    /// Fewest instances.
    pub min_instances: u32,
    /// Most instances.
    pub max_instances: u32,
}

impl Default for NaiveConfig {
    fn default() -> Self {
        Self {
            margin: 0.1,
            season_seconds: 86_400.0,
            min_instances: 1,
            max_instances: 400,
        }
    }
}

/// The seasonal-naive policy.
#[derive(Debug, Clone)]
pub struct SeasonalNaive {
    config: NaiveConfig,
}

impl SeasonalNaive {
    pub fn new(config: NaiveConfig) -> Self {
        Self { config }
    }
}

impl Policy for SeasonalNaive {
    fn name(&self) -> String {
        "prescale-naive".into()
    }

    fn decide(&mut self, obs: &Observation<'_>) -> Decision {
        let types = obs.types.len();
        let current = obs.fleet.types.first().map_or(0, |t| t.current());
        let Some((_, latest)) = obs.last_known() else {
            return Decision::only_default(current, types);
        };
        let step = obs.step_seconds;
        let boot = obs.types.first().map_or(0.0, |t| t.boot_seconds);
        let k = obs.demand.len();
        let lead = (boot / step).ceil() as usize;
        let season = (self.config.season_seconds / step).round() as usize;
        let seasonal_peak = (k..=k + lead)
            .filter_map(|s| s.checked_sub(season).filter(|_| season > 0))
            .filter_map(|past| obs.demand.get(past).copied().flatten())
            .fold(0.0, f64::max);
        let forecast = seasonal_peak.max(latest) * (1.0 + self.config.margin);
        let wanted = (forecast / obs.capacity_per_instance - 1e-9)
            .ceil()
            .max(0.0) as u32;
        let desired = wanted.clamp(self.config.min_instances, self.config.max_instances);
        Decision::only_default(desired, types)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prescale_core::{FleetView, InstanceType, TypeState};

    fn types() -> Vec<InstanceType> {
        vec![InstanceType {
            name: "od".into(),
            price_per_hour: 1.0,
            capacity_factor: 1.0,
            boot_seconds: 300.0,
            spot: None,
            warm_pool: None,
        }]
    }

    fn decide(history: &[Option<f64>], margin: f64) -> u32 {
        let fleet = FleetView {
            types: vec![TypeState {
                ready: 3,
                booting: 0,
                notified: 0,
                warm: 0,
                warming: 0,
            }],
        };
        let serving = vec![3.0; history.len()];
        let types = types();
        let obs = Observation {
            now: history.len() as f64 * 3600.0,
            step_seconds: 3600.0,
            start_unix: None,
            demand: history,
            serving: &serving,
            fleet: &fleet,
            types: &types,
            capacity_per_instance: 10.0,
        };
        let mut p = SeasonalNaive::new(NaiveConfig {
            margin,
            ..NaiveConfig::default()
        });
        p.decide(&obs).desired[0]
    }

    #[test]
    fn it_provisions_for_yesterdays_peak_at_the_coming_hours() {
        // Hourly steps; yesterday at this hour and the next demand was 95 and 200.
        let mut h = vec![Some(50.0); 24];
        h[0] = Some(95.0);
        h[1] = Some(200.0);
        assert_eq!(decide(&h, 0.0), 20);
    }

    #[test]
    fn without_a_season_of_history_it_follows_the_latest_demand_with_margin() {
        assert_eq!(decide(&[Some(10.0), Some(40.0)], 0.25), 5);
    }

    #[test]
    fn with_no_known_demand_it_keeps_the_fleet() {
        assert_eq!(decide(&[None, None], 0.25), 3);
    }
}
