//! The fitted Prophet-style model and its forecast: the trend continued with its last slope
//! (optionally damped), the seasonal terms, future event activity and known regressors.

use super::design::{Clock, Layout};
use crate::events::{EventCalendar, EventFeatures};
use crate::kernels::dot;
use crate::model::FittedModel;

/// A fitted Prophet-style model.
pub struct FittedProphet {
    pub(super) layout: Layout,
    pub(super) beta: Vec<f64>,
    pub(super) clock: Clock,
    pub(super) scale: f64,
    pub(super) nonnegative: bool,
    /// Learned groups, in column order.
    pub(super) groups: Vec<String>,
    /// The events that can still happen after the history.
    pub(super) calendar: Option<EventCalendar>,
    /// Standardized regressors, history and known future.
    pub(super) regressors: Vec<Vec<f64>>,
    /// Slope decay per step (1: none).
    pub(super) damping: f64,
}

/// What every forecast step shares.
struct Horizon {
    trend_level: f64,
    slope: f64,
    events: Option<EventFeatures>,
    /// Per learned group, its row in `events.learned`.
    groups: Vec<Option<usize>>,
}

impl FittedProphet {
    /// Learned effects as factors (`2.0`: the group doubles demand), by group name.
    pub fn learned_effects(&self) -> Vec<(String, f64)> {
        self.groups
            .iter()
            .zip(&self.beta[self.layout.fixed()..])
            .map(|(g, b)| (g.clone(), 1.0 + b))
            .collect()
    }

    fn horizon(&self, horizon: usize) -> Horizon {
        let trend = self.layout.trend();
        let mut row = vec![0.0; self.layout.base()];
        let last = self.clock.n - 1;
        self.layout.base_row(1.0, self.clock.unix(last), &mut row);
        // Every changepoint lies inside the history: the last slope is the sum of them all.
        let slope = self.beta[1] + self.beta[2..trend].iter().sum::<f64>();
        let start = self.clock.unix(self.clock.n);
        let step = u32::try_from(self.clock.step).unwrap_or(u32::MAX);
        let events = self
            .calendar
            .as_ref()
            .map(|c| c.features(start, step, horizon));
        let groups = self
            .groups
            .iter()
            .map(|g| events.as_ref()?.learned.iter().position(|l| &l.group == g))
            .collect();
        Horizon {
            trend_level: dot(&row[..trend], &self.beta[..trend]),
            slope: slope / (self.clock.n.max(2) - 1) as f64,
            events,
            groups,
        }
    }

    /// Forecast `h` steps after the last one (h = 0 is the first forecast step), given the
    /// trend's steps ahead so far (damped) and a scratch row.
    fn point(&self, ctx: &Horizon, h: usize, steps_ahead: f64, row: &mut [f64]) -> f64 {
        let (trend, base, fixed) = (self.layout.trend(), self.layout.base(), self.layout.fixed());
        let i = self.clock.n + h;
        self.layout.base_row(0.0, self.clock.unix(i), row);
        let seasonal = dot(&row[trend..base], &self.beta[trend..base]);
        let baseline = ctx.trend_level + ctx.slope * steps_ahead + seasonal;
        let lift: f64 = ctx
            .groups
            .iter()
            .zip(&self.beta[fixed..])
            .filter_map(|(g, b)| Some(b * ctx.events.as_ref()?.learned[(*g)?].activity[h]))
            .sum();
        let extra: f64 = self
            .regressors
            .iter()
            .zip(&self.beta[base..fixed])
            .map(|(r, b)| b * r.get(i).or(r.last()).copied().unwrap_or(0.0))
            .sum();
        let z = (baseline * (1.0 + lift) + extra) * self.scale;
        let v = match &ctx.events {
            Some(e) => z * e.multiplier[h] + e.addend[h],
            None => z,
        };
        if self.nonnegative {
            v.max(0.0)
        } else {
            v
        }
    }
}

impl FittedModel for FittedProphet {
    fn predict(&self, horizon: usize) -> Vec<f64> {
        let ctx = self.horizon(horizon);
        let mut row = vec![0.0; self.layout.base()];
        let (mut steps_ahead, mut decay) = (0.0, 1.0);
        (0..horizon)
            .map(|h| {
                decay *= self.damping;
                steps_ahead += decay;
                self.point(&ctx, h, steps_ahead, &mut row)
            })
            .collect()
    }
}
