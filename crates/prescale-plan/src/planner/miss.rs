//! The planning quantile, steered by the plan's own misses (adaptive conformal inference,
//! Gibbs & Candès, NeurIPS 2021): after each scored step the miss level α = 1 − τ moves by
//! γ·(α* − miss), so over any long stretch the share of steps short of capacity tends to the
//! target α*, whatever the forecast's own calibration. A miss raises τ at once; a long run
//! without misses lowers it slowly (and with it the cost).

use serde::{Deserialize, Serialize};

/// Settings of the quantile controller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MissControl {
    /// Quantile level planned on at the start.
    pub initial_quantile: f64,
    /// Target share of steps short of capacity (`None`: the quantile stays fixed).
    pub target_miss_rate: Option<f64>,
    /// Step γ of the update.
    pub gain: f64,
    /// Bounds of the level.
    pub min_quantile: f64,
    pub max_quantile: f64,
}

impl Default for MissControl {
    fn default() -> Self {
        Self {
            initial_quantile: 0.99,
            target_miss_rate: Some(0.005),
            gain: 0.001,
            min_quantile: 0.5,
            max_quantile: 0.9999,
        }
    }
}

impl MissControl {
    /// Every problem with its key.
    pub fn problems(&self, at: &str) -> Vec<String> {
        let mut p = Vec::new();
        let level = |x: f64| x.is_finite() && x > 0.0 && x < 1.0;
        if !level(self.initial_quantile) {
            p.push(format!(
                "{at}.initial_quantile: {} must be in (0, 1)",
                self.initial_quantile
            ));
        }
        if let Some(r) = self.target_miss_rate {
            if !level(r) {
                p.push(format!("{at}.target_miss_rate: {r} must be in (0, 1)"));
            }
        }
        if !(self.gain.is_finite() && self.gain >= 0.0 && self.gain <= 1.0) {
            p.push(format!("{at}.gain: {} must be in 0..=1", self.gain));
        }
        if !(level(self.min_quantile)
            && level(self.max_quantile)
            && self.min_quantile <= self.max_quantile)
        {
            p.push(format!(
                "{at}.min_quantile/max_quantile: {}..{} must be in (0, 1), min ≤ max",
                self.min_quantile, self.max_quantile
            ));
        }
        p
    }
}

/// The controller's state.
#[derive(Debug, Clone)]
pub struct QuantileController {
    config: MissControl,
    level: f64,
    scored: u64,
    misses: u64,
}

impl QuantileController {
    pub fn new(config: MissControl) -> Self {
        let level = config
            .initial_quantile
            .clamp(config.min_quantile, config.max_quantile);
        Self {
            config,
            level,
            scored: 0,
            misses: 0,
        }
    }

    /// The level to plan on now.
    pub fn level(&self) -> f64 {
        self.level
    }

    /// Learns whether the last scored step was short of capacity.
    pub fn observe(&mut self, missed: bool) {
        self.scored += 1;
        self.misses += u64::from(missed);
        let Some(target) = self.config.target_miss_rate else {
            return;
        };
        let alpha = 1.0 - self.level;
        let alpha = alpha + self.config.gain * (target - f64::from(u8::from(missed)));
        self.level = (1.0 - alpha).clamp(self.config.min_quantile, self.config.max_quantile);
    }

    /// Steps scored and steps missed so far.
    pub fn counts(&self) -> (u64, u64) {
        (self.scored, self.misses)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_miss_raises_the_level_and_quiet_steps_lower_it_slowly() {
        let mut c = QuantileController::new(MissControl::default());
        let start = c.level();
        c.observe(true);
        assert!(c.level() > start);
        let after_miss = c.level();
        for _ in 0..100 {
            c.observe(false);
        }
        assert!(c.level() < after_miss);
        assert!(c.level() > start - 0.01);
    }

    #[test]
    fn the_miss_rate_converges_to_its_target_on_a_known_error_law() {
        // Errors uniform on 0..1: planning on level τ misses with probability 1 − τ.
        let mut c = QuantileController::new(MissControl {
            initial_quantile: 0.9,
            ..MissControl::default()
        });
        let mut seed = 3u64;
        for _ in 0..200_000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            let u = (seed >> 11) as f64 / (1u64 << 53) as f64;
            c.observe(u > c.level());
        }
        let (n, m) = c.counts();
        let rate = m as f64 / n as f64;
        assert!((rate - 0.005).abs() < 0.0015, "miss rate {rate}");
    }

    #[test]
    fn a_fixed_quantile_does_not_move() {
        let mut c = QuantileController::new(MissControl {
            target_miss_rate: None,
            initial_quantile: 0.9,
            ..MissControl::default()
        });
        c.observe(true);
        assert_eq!(c.level(), 0.9);
        assert!(MissControl::default().problems("x").is_empty());
        let bad = MissControl {
            gain: 2.0,
            ..MissControl::default()
        };
        assert!(bad.problems("planner.miss")[0].contains("planner.miss.gain"));
    }
}
