//! A level correction for a reused model: exponential smoothing of its residuals with the gain
//! that has lately predicted them best.
//!
//! A model refitted once a day misses what happened since: a level that moved, a burst that is
//! still going on. Its residuals (actual − model) are then autocorrelated, and their smoothed
//! level is a good guess of the next one. How fast to follow depends on the series (a noisy
//! series wants a small gain, a series with lasting shifts a large one), so several gains run
//! side by side and the one with the lowest recent squared one-step error is used.

/// Gains tried side by side: from a half-life of ~14 steps to "the last residual".
pub const DEFAULT_GAINS: &[f64] = &[0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 1.0];

/// Decay of the error averages that rank the gains (a half-life of ~35 steps).
const RANKING_DECAY: f64 = 0.02;

#[derive(Debug, Clone)]
struct Track {
    gain: f64,
    level: f64,
    /// Exponentially weighted squared one-step error of this gain.
    error: f64,
}

/// Several exponential smoothers of one residual stream; `level()` is the best one's.
#[derive(Debug, Clone)]
pub struct ResidualSmoother {
    tracks: Vec<Track>,
    best: usize,
    seen: u64,
}

impl ResidualSmoother {
    /// Smoothers for `gains` (each clamped to 0..=1; an empty list means no correction).
    pub fn new(gains: &[f64]) -> Self {
        Self {
            tracks: gains
                .iter()
                .map(|&g| Track {
                    gain: g.clamp(0.0, 1.0),
                    level: 0.0,
                    error: 0.0,
                })
                .collect(),
            best: 0,
            seen: 0,
        }
    }

    /// Learns one residual (actual − model point) of the step just observed.
    pub fn observe(&mut self, residual: f64) {
        if !residual.is_finite() {
            return;
        }
        self.seen += 1;
        for t in &mut self.tracks {
            let miss = residual - t.level;
            t.error += RANKING_DECAY * (miss * miss - t.error);
            t.level += t.gain * miss;
        }
        if let Some((i, _)) = self
            .tracks
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.error.total_cmp(&b.1.error))
        {
            self.best = i;
        }
    }

    /// The correction to add to the model's next points (0 before any residual).
    pub fn level(&self) -> f64 {
        if self.seen == 0 {
            return 0.0;
        }
        self.tracks.get(self.best).map_or(0.0, |t| t.level)
    }

    /// The gain in use.
    pub fn gain(&self) -> Option<f64> {
        self.tracks.get(self.best).map(|t| t.gain)
    }

    /// Forgets everything (after a refit the residuals of the old model no longer apply).
    pub fn reset(&mut self) {
        for t in &mut self.tracks {
            t.level = 0.0;
            t.error = 0.0;
        }
        self.best = 0;
        self.seen = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lasting_shift_is_followed_by_a_fast_gain() {
        let mut s = ResidualSmoother::new(DEFAULT_GAINS);
        for _ in 0..200 {
            s.observe(0.0);
        }
        for _ in 0..40 {
            s.observe(10.0);
        }
        assert!(s.level() > 9.5, "level {}", s.level());
        assert!(s.gain().unwrap_or(0.0) >= 0.5, "gain {:?}", s.gain());
    }

    #[test]
    fn white_noise_is_smoothed_by_a_slow_gain() {
        let mut s = ResidualSmoother::new(DEFAULT_GAINS);
        // Alternating ±1: the best guess of the next residual is the mean, 0.
        for i in 0..400 {
            s.observe(if i % 2 == 0 { 1.0 } else { -1.0 });
        }
        assert!(s.level().abs() < 0.1, "level {}", s.level());
        assert_eq!(s.gain(), Some(0.05));
    }

    #[test]
    fn non_finite_residuals_are_skipped_and_reset_forgets() {
        let mut s = ResidualSmoother::new(DEFAULT_GAINS);
        s.observe(f64::NAN);
        assert_eq!(s.level(), 0.0);
        s.observe(3.0);
        assert!(s.level() > 0.0);
        s.reset();
        assert_eq!(s.level(), 0.0);
    }
}
