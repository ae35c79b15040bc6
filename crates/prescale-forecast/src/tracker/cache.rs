//! Fitted models cached per series, reused between refits, with the feedback that decides when
//! to refit them.
//!
//! # Reusing a model
//! A model forecasts the steps right after the history it was fitted on. Fitted at step `f`
//! (its history holds the steps before `f`) and asked at `now` for `h` steps, it forecasts
//! `now − f + h` steps and the first `now − f` are dropped, so that the result starts at `now`.
//! The bands keep the width of their distance from the fit origin: the model has not seen the
//! steps since.
//!
//! # Level correction
//! A reused model does not see a level change. Every served forecast is shifted by an offset `c`
//! (point and quantiles alike, quantiles kept non-negative), learnt from horizon-1 errors of the
//! forecasts served: `c ← c + g·(actual − served point)`. Since the served point is the model's
//! point plus `c`, this is `c ← (1 − g)·c + g·(actual − model point)`: `c` is the exponentially
//! weighted bias of the model itself, and the bias of what is served tends to zero. After a level
//! shift Δ, the remaining error after k observations would be `Δ·(1 − g)^k`; but when the drift
//! test recognizes a level shift, `c` jumps to the test's estimate of it (the mean model error
//! since the estimated change point), so the served forecast follows within a few steps. The
//! correction restarts at zero with each refit. It assumes that a step's actual is recorded
//! before the next forecast is served (observe, then forecast), so that `c` is the one the
//! forecast carried.
//!
//! # When to refit ([`ForecastCache::needs_refit`]), first matching reason wins
//! 1. never fitted (or evicted), or older than `max_reuse_steps` ([`RefitReason::Expired`]);
//! 2. the drift test recognized a level shift: no refit until `level_shift_settle` steps after
//!    its estimated start, since a refit would learn mostly the old level (the correction bridges
//!    meanwhile); then [`RefitReason::LevelShift`];
//! 3. the drift test fired for another reason (see [`super::DriftDetector`]);
//! 4. the model is `every` steps old ([`RefitReason::Scheduled`]).
//!
//! Reasons 2 and 3 wait `min_interval` steps after a fit, so that a series cannot be refitted at
//! every tick.
//!
//! # Capacity
//! Series not seen (no forecast served, no actual recorded) for `idle_steps` are evicted by
//! [`ForecastCache::evict_idle`]; inserting into a full cache evicts the idle ones and, if that
//! is not enough, the least recently seen eighth, so eviction is O(1) amortized per insert.

use std::borrow::Borrow;
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;

use serde::Serialize;

use super::drift::{Drift, DriftConfig, DriftDetector, DriftReason};
use super::error_tracker::{ErrorTracker, TrackerConfig, TrackerSnapshot};
use super::levels::Levels;
use super::{Observation, TrackerError};
use crate::engine::FittedForecaster;
use crate::model::Forecast;

/// A fitted model the cache can hold.
pub trait Forecaster {
    /// Point and quantile forecasts for the `horizon` steps right after the fitted history.
    fn forecast(&self, horizon: usize) -> Forecast;

    /// Horizon-1 mean absolute error at calibration, in MASE scales: the drift test's reference.
    /// `None`: the drift test learns it from the first errors after the fit.
    fn reference_scaled_error(&self) -> Option<f64> {
        None
    }
}

impl Forecaster for FittedForecaster {
    fn forecast(&self, horizon: usize) -> Forecast {
        FittedForecaster::forecast(self, horizon)
    }

    fn reference_scaled_error(&self) -> Option<f64> {
        FittedForecaster::reference_scaled_error(self)
    }
}

/// When to refit, besides never fitted and drift.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RefitPolicy {
    /// Refit a model this many steps after its fit whatever its errors (`None`: never on age;
    /// default 288, a day of 5-minute steps).
    pub every: Option<u64>,
    /// No refit for drift or a level shift sooner than this many steps after a fit.
    pub min_interval: u64,
    /// Steps of history after a level shift began before a refit is asked for.
    pub level_shift_settle: u64,
}

impl Default for RefitPolicy {
    fn default() -> Self {
        Self {
            every: Some(288),
            min_interval: 12,
            level_shift_settle: 12,
        }
    }
}

/// Settings of a [`ForecastCache`].
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    /// Most series held.
    pub capacity: usize,
    /// Series not seen for this many steps are evicted (default 2016, a week of 5-minute steps).
    pub idle_steps: u64,
    /// Longest a model serves after its fit: forecasting far from the origin costs time.
    pub max_reuse_steps: u64,
    /// Gain g of the level correction (0: none; 0.1: half-life of about 6.6 observations).
    pub correction_gain: f64,
    /// Horizon buckets tracked, as their largest horizon, ascending, starting with 1: `[1, 6,
    /// 24]` tracks horizon 1, horizons 2..=6 and 7..=24. Larger horizons are not tracked.
    pub horizon_buckets: Vec<usize>,
    pub tracker: TrackerConfig,
    pub drift: DriftConfig,
    pub refit: RefitPolicy,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            capacity: 200_000,
            idle_steps: 2016,
            max_reuse_steps: 2016,
            correction_gain: 0.1,
            horizon_buckets: vec![1],
            tracker: TrackerConfig::default(),
            drift: DriftConfig::default(),
            refit: RefitPolicy::default(),
        }
    }
}

impl CacheConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<(), TrackerError> {
        self.tracker.validate()?;
        self.drift.validate()?;
        let buckets = &self.horizon_buckets;
        let buckets_ok = buckets.first() == Some(&1) && buckets.windows(2).all(|w| w[0] < w[1]);
        let ok = self.capacity >= 1 && (0.0..=1.0).contains(&self.correction_gain) && buckets_ok;
        if !ok {
            return Err(TrackerError::InvalidConfig(format!(
                "cache settings out of range (capacity ≥ 1, gain in 0..=1, buckets from 1 up): \
                 capacity {}, gain {}, buckets {buckets:?}",
                self.capacity, self.correction_gain
            )));
        }
        Ok(())
    }
}

/// Why a series should be (re)fitted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum RefitReason {
    /// No model is cached.
    NeverFitted,
    /// The model is older than the cache lets it serve.
    Expired { age: u64, limit: u64 },
    /// The level moved by `shift` MASE scales since `since_step` and the history now holds
    /// enough of the new level.
    LevelShift { shift: f64, since_step: u64 },
    /// The drift test fired.
    Drift { drift: DriftReason },
    /// The model reached the scheduled age.
    Scheduled { age: u64, every: u64 },
}

/// One horizon bucket's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BucketSnapshot {
    /// Largest horizon of the bucket.
    pub max_horizon: usize,
    pub tracker: TrackerSnapshot,
}

/// What the cache knows about one series, for the API and the daemon.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesSnapshot {
    pub fitted_at_step: u64,
    pub last_seen_step: u64,
    /// Offset added to the served forecasts.
    pub level_correction: f64,
    pub drift: Drift,
    /// The drift test's reference scaled MAE, once known.
    pub reference_error: Option<f64>,
    pub buckets: Vec<BucketSnapshot>,
}

struct Entry<F> {
    fitted: F,
    fitted_at: u64,
    last_seen: u64,
    /// Horizon 1 inline (one pointer less to chase per observation), longer buckets apart.
    one_step: ErrorTracker,
    longer: Box<[ErrorTracker]>,
    drift: DriftDetector,
    /// The level correction added to served forecasts (see the module documentation).
    correction: f64,
}

/// Fitted models per series id with their error trackers, drift tests and level corrections.
///
/// `S` hashes the ids: the standard SipHash by default ([`ForecastCache::with_hasher`] takes
/// another). With 100 000 series, cache misses dominate the cost of an observation: interned
/// integer ids with a fast hasher measured about 2.5 times faster than 35-character string ids,
/// whose comparison reads one more heap block (hashing itself mattered little).
pub struct ForecastCache<K, F, S = RandomState> {
    config: CacheConfig,
    upper: Option<usize>,
    tracker: ErrorTracker,
    drift: DriftDetector,
    entries: HashMap<K, Entry<F>, S>,
}

impl<K: Hash + Eq + Clone, F: Forecaster> ForecastCache<K, F> {
    /// An empty cache for forecasts with quantiles at `levels` (e.g. `EngineConfig::quantiles`).
    pub fn new(config: CacheConfig, levels: &[f64]) -> Result<Self, TrackerError> {
        Self::with_hasher(config, levels, RandomState::new())
    }
}

impl<K: Hash + Eq + Clone, F: Forecaster, S: BuildHasher> ForecastCache<K, F, S> {
    /// An empty cache whose ids are hashed by `hasher`.
    pub fn with_hasher(
        config: CacheConfig,
        levels: &[f64],
        hasher: S,
    ) -> Result<Self, TrackerError> {
        config.validate()?;
        let levels = Arc::new(Levels::new(levels)?);
        Ok(Self {
            upper: levels.index_of(config.drift.upper_level),
            tracker: ErrorTracker::new(&config.tracker, levels)?,
            drift: DriftDetector::new(config.drift, None)?,
            entries: HashMap::with_hasher(hasher),
            config,
        })
    }

    /// Caches `fitted`, fitted on the history before `fitted_at_step`. Replacing a model resets
    /// the drift test and the level correction; the error figures carry on.
    pub fn insert(&mut self, id: K, fitted: F, fitted_at_step: u64) {
        let reference = fitted.reference_scaled_error();
        if let Some(entry) = self.entries.get_mut(&id) {
            entry.drift.reset(reference);
            entry.correction = 0.0;
            entry.last_seen = entry.last_seen.max(fitted_at_step);
            (entry.fitted, entry.fitted_at) = (fitted, fitted_at_step);
            return;
        }
        if self.entries.len() >= self.config.capacity {
            self.make_room(fitted_at_step);
        }
        let entry = self.new_entry(fitted, fitted_at_step, reference);
        self.entries.insert(id, entry);
    }

    fn new_entry(&self, fitted: F, fitted_at: u64, reference: Option<f64>) -> Entry<F> {
        let mut drift = self.drift.clone();
        drift.reset(reference);
        Entry {
            fitted,
            fitted_at,
            last_seen: fitted_at,
            one_step: self.tracker.clone(),
            longer: vec![self.tracker.clone(); self.config.horizon_buckets.len() - 1].into(),
            drift,
            correction: 0.0,
        }
    }

    /// Why the series should be refitted at `now_step`, if it should (see the module
    /// documentation for the order of the reasons).
    pub fn needs_refit<Q>(&self, id: &Q, now_step: u64) -> Option<RefitReason>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let Some(entry) = self.entries.get(id) else {
            return Some(RefitReason::NeverFitted);
        };
        let age = now_step.saturating_sub(entry.fitted_at);
        let limit = self.config.max_reuse_steps;
        if age > limit {
            return Some(RefitReason::Expired { age, limit });
        }
        let policy = &self.config.refit;
        match entry.drift.state() {
            Drift::Detected { reason } => refit_for_drift(reason, age, now_step, policy),
            Drift::None => {
                let every = policy.every.filter(|&every| age >= every)?;
                Some(RefitReason::Scheduled { age, every })
            }
        }
    }

    /// Forecasts `horizon` steps from `now_step` (the first step not yet observed) with the
    /// cached model, without refitting: the steps since the fit are dropped and the level
    /// correction is applied.
    pub fn forecast_from<Q>(
        &mut self,
        id: &Q,
        now_step: u64,
        horizon: usize,
    ) -> Result<Forecast, TrackerError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let limit = self.config.max_reuse_steps;
        let entry = self
            .entries
            .get_mut(id)
            .ok_or(TrackerError::UnknownSeries)?;
        let fitted_at = entry.fitted_at;
        let elapsed = now_step
            .checked_sub(fitted_at)
            .ok_or(TrackerError::BeforeFit {
                now: now_step,
                fitted_at,
            })?;
        let too_old = TrackerError::TooOld { elapsed, limit };
        let skip = usize::try_from(elapsed).map_err(|_| too_old.clone())?;
        if elapsed > limit {
            return Err(too_old);
        }
        entry.last_seen = entry.last_seen.max(now_step);
        let mut forecast = entry.fitted.forecast(skip + horizon);
        drop_first(&mut forecast, skip);
        shift(&mut forecast, entry.correction);
        Ok(forecast)
    }

    /// Records an actual next to the forecast served for its step. Every horizon bucket tracks
    /// its errors; horizon-1 observations from the current model also feed the drift test and
    /// the level correction. Returns the drift test's state.
    pub fn record<Q>(&mut self, id: &Q, obs: &Observation<'_>) -> Result<Drift, TrackerError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let config = &self.config;
        let entry = self
            .entries
            .get_mut(id)
            .ok_or(TrackerError::UnknownSeries)?;
        entry.last_seen = entry.last_seen.max(obs.step);
        let Some(bucket) = bucket_of(&config.horizon_buckets, obs.horizon) else {
            return Ok(entry.drift.state());
        };
        let used = entry.tracker_mut(bucket).observe(obs)?;
        if used && obs.horizon == 1 && obs.step >= entry.fitted_at {
            entry.learn_one_step(obs, config, self.upper);
        }
        Ok(entry.drift.state())
    }

    /// Evicts the series not seen for more than `idle_steps` before `now_step`; returns how many.
    pub fn evict_idle(&mut self, now_step: u64) -> usize {
        let before = self.entries.len();
        let idle = self.config.idle_steps;
        self.entries
            .retain(|_, e| now_step.saturating_sub(e.last_seen) <= idle);
        before - self.entries.len()
    }

    fn make_room(&mut self, now_step: u64) {
        self.evict_idle(now_step);
        if self.entries.len() < self.config.capacity {
            return;
        }
        let count = self.config.capacity.div_ceil(8);
        let mut seen: Vec<(u64, K)> = self
            .entries
            .iter()
            .map(|(k, e)| (e.last_seen, k.clone()))
            .collect();
        let count = count.min(seen.len());
        if count == 0 {
            return;
        }
        seen.select_nth_unstable_by_key(count - 1, |(last_seen, _)| *last_seen);
        for (_, id) in seen.drain(..count) {
            self.entries.remove(&id);
        }
    }

    /// The cached model of a series.
    pub fn get<Q>(&self, id: &Q) -> Option<&F>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.entries.get(id).map(|e| &e.fitted)
    }

    /// Forgets a series.
    pub fn remove<Q>(&mut self, id: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.entries.remove(id).is_some()
    }

    /// Series held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no series is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// What the cache knows about a series (allocates: for reports).
    pub fn snapshot<Q>(&self, id: &Q) -> Option<SeriesSnapshot>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let e = self.entries.get(id)?;
        let trackers = std::iter::once(&e.one_step).chain(e.longer.iter());
        let buckets = self.config.horizon_buckets.iter().zip(trackers);
        Some(SeriesSnapshot {
            fitted_at_step: e.fitted_at,
            last_seen_step: e.last_seen,
            level_correction: e.correction,
            drift: e.drift.state(),
            reference_error: e.drift.reference(),
            buckets: buckets
                .map(|(&max_horizon, t)| BucketSnapshot {
                    max_horizon,
                    tracker: t.snapshot(),
                })
                .collect(),
        })
    }
}

impl<F> Entry<F> {
    fn tracker_mut(&mut self, bucket: usize) -> &mut ErrorTracker {
        match bucket.checked_sub(1) {
            None => &mut self.one_step,
            Some(i) => &mut self.longer[i],
        }
    }

    /// Feeds the drift test with the model's own error (served error plus the correction the
    /// served forecast carried) and updates the correction.
    fn learn_one_step(
        &mut self,
        obs: &Observation<'_>,
        config: &CacheConfig,
        upper: Option<usize>,
    ) {
        let offset = self.correction;
        let served_error = obs.actual - obs.point;
        let model_error = served_error + offset;
        let above_upper = upper.map(|j| obs.actual > obs.quantiles[j] - offset);
        let before = self.drift.state();
        let after = self
            .drift
            .update(obs.step, model_error / obs.scale, above_upper);
        self.correction += config.correction_gain * served_error;
        if before == Drift::None {
            if let Drift::Detected {
                reason: DriftReason::LevelShift { shift, .. },
            } = after
            {
                // The test's estimate of the new level beats the slow exponential catch-up.
                self.correction = shift * obs.scale;
            }
        }
    }
}

fn refit_for_drift(
    reason: DriftReason,
    age: u64,
    now_step: u64,
    policy: &RefitPolicy,
) -> Option<RefitReason> {
    if age < policy.min_interval {
        return None;
    }
    match reason {
        DriftReason::LevelShift {
            shift, since_step, ..
        } => {
            // Until the history holds enough of the new level, the correction bridges.
            let settled = now_step.saturating_sub(since_step) >= policy.level_shift_settle;
            settled.then_some(RefitReason::LevelShift { shift, since_step })
        }
        drift => Some(RefitReason::Drift { drift }),
    }
}

/// Index of the bucket holding `horizon`.
fn bucket_of(buckets: &[usize], horizon: usize) -> Option<usize> {
    if horizon == 0 {
        return None;
    }
    buckets.iter().position(|&max| horizon <= max)
}

/// Drops the first `skip` steps: the ones between the fit origin and now.
fn drop_first(forecast: &mut Forecast, skip: usize) {
    forecast.point.drain(..skip.min(forecast.point.len()));
    for (_, values) in &mut forecast.quantiles {
        values.drain(..skip.min(values.len()));
    }
}

/// Adds the level correction; quantiles stay non-negative (and, shifted alike, uncrossed).
fn shift(forecast: &mut Forecast, offset: f64) {
    if offset == 0.0 {
        return;
    }
    forecast.point.iter_mut().for_each(|p| *p += offset);
    for (_, values) in &mut forecast.quantiles {
        values.iter_mut().for_each(|q| *q = (*q + offset).max(0.0));
    }
}
