//! Events resolved on a regular grid of steps: how much of each step every learned group and
//! every declared event covers, and the declared effects combined per step.
//!
//! Cost: one pass over the occurrences that overlap the grid plus one over the steps each
//! touches; nothing is allocated per step.

use super::{Effect, EventCalendar, Schedule};

/// Activity of one group whose effect is learned.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupActivity {
    /// The group's name.
    pub group: String,
    /// Per step, the fraction 0..=1 of the step covered by any of the group's events.
    pub activity: Vec<f64>,
}

/// Activity of one event whose effect is declared.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredActivity {
    /// The event's name.
    pub name: String,
    /// Its declared effect.
    pub effect: Effect,
    /// Per step, the fraction 0..=1 of the step the event covers.
    pub activity: Vec<f64>,
}

/// The calendar on a grid of `len` steps.
#[derive(Debug, Clone, PartialEq)]
pub struct EventFeatures {
    /// Every learned group of the calendar, sorted by name (also those inactive on this grid,
    /// so that two grids of one calendar line up).
    pub learned: Vec<GroupActivity>,
    /// Every event with a declared effect, in calendar order.
    pub declared: Vec<DeclaredActivity>,
    /// Per step, the product of the declared factors, each weighted by its coverage
    /// (`1 + a·(m − 1)`: a half-covered ×3 step is ×2 on average); 1 where none is active.
    pub multiplier: Vec<f64>,
    /// Per step, the sum of the declared additions weighted by coverage; 0 where none.
    pub addend: Vec<f64>,
}

impl EventCalendar {
    /// The calendar on the grid of `len` steps of `step_seconds` starting at `start_unix`
    /// (step `i` covers `[start + i·step, start + (i+1)·step)`).
    pub fn features(&self, start_unix: i64, step_seconds: u32, len: usize) -> EventFeatures {
        let grid = Grid {
            start: start_unix,
            step: i64::from(step_seconds.max(1)),
            len,
        };
        let learned = self
            .learned_groups()
            .into_iter()
            .map(|group| GroupActivity {
                group: group.to_string(),
                activity: grid.activity(
                    self.events
                        .iter()
                        .filter(|e| e.effect.is_none() && e.group == group)
                        .map(|e| &e.schedule),
                ),
            })
            .collect();
        let declared: Vec<DeclaredActivity> = self
            .events
            .iter()
            .filter_map(|e| {
                e.effect.map(|effect| DeclaredActivity {
                    name: e.name.clone(),
                    effect,
                    activity: grid.activity(std::iter::once(&e.schedule)),
                })
            })
            .collect();
        let (multiplier, addend) = combine(&declared, len);
        EventFeatures {
            learned,
            declared,
            multiplier,
            addend,
        }
    }
}

/// Multiplier and addend per step from the declared events.
fn combine(declared: &[DeclaredActivity], len: usize) -> (Vec<f64>, Vec<f64>) {
    let mut multiplier = vec![1.0; len];
    let mut addend = vec![0.0; len];
    for d in declared {
        match d.effect {
            Effect::Multiply(m) => {
                for (out, a) in multiplier.iter_mut().zip(&d.activity) {
                    *out *= 1.0 + a * (m - 1.0);
                }
            }
            Effect::Add(v) => {
                for (out, a) in addend.iter_mut().zip(&d.activity) {
                    *out += a * v;
                }
            }
        }
    }
    (multiplier, addend)
}

/// A regular grid of steps.
struct Grid {
    start: i64,
    step: i64,
    len: usize,
}

impl Grid {
    fn end(&self) -> i64 {
        let len = i64::try_from(self.len).unwrap_or(i64::MAX);
        self.start.saturating_add(self.step.saturating_mul(len))
    }

    /// Coverage per step of the union of `schedules` (overlaps count once, capped at 1).
    fn activity<'a>(&self, schedules: impl Iterator<Item = &'a Schedule>) -> Vec<f64> {
        let mut out = vec![0.0; self.len];
        let end = self.end();
        for s in schedules {
            s.for_each_occurrence(self.start, end, |a, b| self.cover(a, b, &mut out));
        }
        for v in &mut out {
            *v = v.min(1.0);
        }
        out
    }

    /// Adds the fraction of each step that `[a, b)` covers.
    fn cover(&self, a: i64, b: i64, out: &mut [f64]) {
        let (a, b) = (a.max(self.start), b.min(self.end()));
        if b <= a {
            return;
        }
        let first = ((a - self.start) / self.step) as usize;
        let last = ((b - 1 - self.start) / self.step) as usize;
        for (i, slot) in out.iter_mut().enumerate().take(last + 1).skip(first) {
            let lo = self.start + i as i64 * self.step;
            let covered = b.min(lo + self.step) - a.max(lo);
            *slot += covered as f64 / self.step as f64;
        }
    }
}
