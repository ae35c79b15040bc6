//! What the regression is fitted on: the target with declared effects taken out and scaled,
//! the learned groups the history can teach, and standardized extra regressors.

use super::fit::median;
use super::Regressor;
use crate::events::EventFeatures;

/// A declared multiplier below this marks a step as carrying no information (an outage).
const NO_SIGNAL: f64 = 1e-6;

/// The target with declared effects removed, scaled to a median absolute value of 1.
pub struct Target {
    /// `(y − A) / M / scale` per step.
    pub z: Vec<f64>,
    /// `M²` per step: dividing by `M` multiplies the noise by `1/M`.
    pub omega: Vec<f64>,
    pub scale: f64,
    /// No negative value in the history: the forecast is kept at or above 0.
    pub nonnegative: bool,
}

impl Target {
    pub fn new(y: &[f64], events: Option<&EventFeatures>) -> Self {
        let (mut z, omega): (Vec<f64>, Vec<f64>) = y
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let m = events.map_or(1.0, |e| e.multiplier[i]);
                let a = events.map_or(0.0, |e| e.addend[i]);
                if m.abs() < NO_SIGNAL {
                    (0.0, 0.0)
                } else {
                    ((v - a) / m, m * m)
                }
            })
            .unzip();
        let scale = robust_level(&z, &omega);
        z.iter_mut().for_each(|v| *v /= scale);
        Self {
            z,
            omega,
            scale,
            nonnegative: y.iter().all(|&v| v >= 0.0),
        }
    }
}

/// The median absolute value (1 when zero): a spike must not change the units the priors are
/// set in, as a mean or a maximum (Prophet's choice) would.
fn robust_level(z: &[f64], omega: &[f64]) -> f64 {
    let mut levels: Vec<f64> = z
        .iter()
        .zip(omega)
        .filter(|(_, &w)| w > 0.0)
        .map(|(v, _)| v.abs())
        .collect();
    let level = median(&mut levels);
    if level > 0.0 && level.is_finite() {
        level
    } else {
        1.0
    }
}

/// Learned groups active somewhere in the history (the others cannot be learned).
pub fn active_groups(events: Option<&EventFeatures>) -> Vec<(&str, &[f64])> {
    events
        .map(|f| {
            f.learned
                .iter()
                .filter(|g| g.activity.iter().any(|&a| a > 0.0))
                .map(|g| (g.group.as_str(), g.activity.as_slice()))
                .collect()
        })
        .unwrap_or_default()
}

/// Regressors standardized on the `n` history steps, so that one prior scale suits them all.
pub fn standardize(regressors: &[Regressor], n: usize) -> Vec<Vec<f64>> {
    regressors
        .iter()
        .map(|r| {
            let history = &r.values[..n];
            let mean = history.iter().sum::<f64>() / n as f64;
            let var = history.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
            let sd = if var > 0.0 { var.sqrt() } else { 1.0 };
            r.values.iter().map(|v| (v - mean) / sd).collect()
        })
        .collect()
}
