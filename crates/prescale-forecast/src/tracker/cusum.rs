//! A one-sided CUSUM that remembers where its current excursion began, which is the usual
//! estimate of the change point, and the mean of the values seen since.

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Cusum {
    statistic: f64,
    since: u64,
    sum: f64,
    count: u32,
}

impl Cusum {
    /// `S ← max(0, S + increment)`; `value` is what the mean since the change point averages.
    pub(super) fn update(&mut self, step: u64, increment: f64, value: f64) {
        let next = self.statistic + increment;
        if next <= 0.0 {
            *self = Self::default();
            return;
        }
        if self.count == 0 {
            self.since = step;
        }
        self.statistic = next;
        self.sum += value;
        self.count = self.count.saturating_add(1);
    }

    pub(super) fn statistic(&self) -> f64 {
        self.statistic
    }

    /// First step of the current excursion: the estimated change point.
    pub(super) fn since(&self) -> u64 {
        self.since
    }

    /// Mean of the values since the estimated change point (0 when there is no excursion).
    pub(super) fn mean_since(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum / f64::from(self.count)
        }
    }
}
