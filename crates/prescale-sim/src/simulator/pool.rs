//! Warm pools of the simulated fleet: stopped, pre-initialized instances a scale-out starts
//! before booting new ones.
//!
//! Pool instances are billed through `Fleet::pool_rate`, apart from serving ones, and live in
//! `Fleet::pool`, not `Fleet::active`: they never serve, never count towards `max_instances`
//! and are never interrupted (the simulator ignores `warm_pool` terms on spot types, which
//! scenario validation refuses anyway).

use super::{EventKind, Fleet, Instance, Phase};
use prescale_core::WarmPoolTerms;

impl Fleet<'_> {
    /// The warm-pool terms of type `ty`, when it may have a pool.
    fn pool_terms(&self, ty: usize) -> Option<&WarmPoolTerms> {
        let spec = &self.scenario.instance_types[ty];
        match spec.spot {
            Some(_) => None,
            None => spec.warm_pool.as_ref(),
        }
    }

    /// Cost per second of a pool instance of type `ty` in `phase`: the full price while it
    /// initializes, the holding price once stopped.
    fn pool_price(&self, ty: usize, phase: Phase) -> f64 {
        let spec = &self.scenario.instance_types[ty];
        let per_hour = match (phase, &spec.warm_pool) {
            (Phase::Warm, Some(terms)) => terms.holding_price_per_hour,
            _ => spec.price_per_hour,
        };
        per_hour / 3600.0
    }

    /// Starts one stopped warm instance of type `ty` at `now`, billed at the full price from
    /// now and serving after the pool's boot time; false when the pool has none stopped.
    pub(super) fn take_warm(&mut self, ty: usize, now: f64) -> bool {
        let Some(boot) = self.pool_terms(ty).map(|t| t.boot_seconds) else {
            return false;
        };
        let instances = &self.instances;
        let Some(pos) = self.pool[ty]
            .iter()
            .position(|&i| instances[i].phase == Phase::Warm)
        else {
            return false;
        };
        let id = self.pool[ty].remove(pos);
        self.leave_pool(id);
        self.cost_rate += self.scenario.instance_types[ty].price_per_hour / 3600.0;
        self.start(id, now, boot);
        true
    }

    /// Brings the warm pool of type `ty` (warm plus warming instances) to `want`, or to 0 for a
    /// type without a pool: adds initializing instances, or removes extra ones (initializing
    /// first, then stopped ones, newest first).
    pub(super) fn reconcile_pool(&mut self, ty: usize, now: f64, want: u32) {
        let want = if self.pool_terms(ty).is_some() {
            want
        } else {
            0
        };
        let state = self.view.types[ty];
        let have = state.warm + state.warming;
        for _ in have..want {
            self.add_to_pool(ty, now);
        }
        for _ in want..have {
            if let Some(id) = self.pick_pool_removal(ty) {
                self.remove_from_pool(id);
            }
        }
    }

    /// Requests one instance of type `ty` for its warm pool: it runs the type's cold boot,
    /// then stops.
    fn add_to_pool(&mut self, ty: usize, now: f64) {
        let id = self.instances.len();
        self.instances.push(Instance {
            ty,
            phase: Phase::Warming,
            notice_at: f64::INFINITY,
        });
        self.view.types[ty].warming += 1;
        self.pool_rate += self.pool_price(ty, Phase::Warming);
        self.pool[ty].push(id);
        let boot = self.scenario.instance_types[ty].boot_seconds;
        if boot > 0.0 {
            self.push_event(now + boot, EventKind::Ready, id);
        } else {
            self.pool_instance_stopped(id);
        }
    }

    /// A pool instance finished initializing: it stops and is billed at the holding price.
    pub(super) fn pool_instance_stopped(&mut self, id: usize) {
        let ty = self.instances[id].ty;
        self.view.types[ty].warming -= 1;
        self.view.types[ty].warm += 1;
        self.pool_rate -= self.pool_price(ty, Phase::Warming);
        self.pool_rate += self.pool_price(ty, Phase::Warm);
        self.instances[id].phase = Phase::Warm;
    }

    fn pick_pool_removal(&self, ty: usize) -> Option<usize> {
        let pool = &self.pool[ty];
        let newest = |phase: Phase| {
            pool.iter()
                .rev()
                .copied()
                .find(|&i| self.instances[i].phase == phase)
        };
        newest(Phase::Warming).or_else(|| newest(Phase::Warm))
    }

    /// Terminates pool instance `id` now: its billing stops.
    pub(super) fn remove_from_pool(&mut self, id: usize) {
        let ty = self.instances[id].ty;
        self.pool[ty].retain(|&i| i != id);
        self.leave_pool(id);
        self.instances[id].phase = Phase::Gone;
    }

    /// Takes `id` (already out of `pool`) off the pool's counts and bill.
    fn leave_pool(&mut self, id: usize) {
        let inst = &self.instances[id];
        let ty = inst.ty;
        match inst.phase {
            Phase::Warming => self.view.types[ty].warming -= 1,
            Phase::Warm => self.view.types[ty].warm -= 1,
            _ => return,
        }
        self.pool_rate -= self.pool_price(ty, inst.phase);
        if self.pool.iter().all(Vec::is_empty) {
            // Clear accumulated rounding so an empty pool costs exactly nothing.
            self.pool_rate = 0.0;
        }
    }
}
