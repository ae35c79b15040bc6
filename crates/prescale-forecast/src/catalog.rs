//! The candidate models the engine backtests for a series, given its seasonal periods.

use crate::ets::EtsSpec;
use crate::model::ModelSpec;
use crate::mstl_ets::MstlEts;
use crate::naive::SeasonalNaive;
use crate::prophet::ProphetSpec;

/// Seasonal ETS keeps one state per step of the period: beyond this it is slow and fragile, and
/// MSTL handles the long periods.
const MAX_ETS_PERIOD: usize = 48;

/// Candidates for a series of `len` points with seasonal `periods` (ascending, in steps);
/// `calendar`: the history's start time is known, so calendar-aware models (known events,
/// time-of-day seasonality) can run. The order breaks ties: simpler models first.
pub fn candidates(periods: &[usize], len: usize, calendar: bool) -> Vec<Box<dyn ModelSpec>> {
    let mut out: Vec<Box<dyn ModelSpec>> = vec![Box::new(SeasonalNaive { period: 1 })];
    for &p in periods.iter().filter(|&&p| len >= p) {
        out.push(Box::new(SeasonalNaive { period: p }));
    }
    let ets_period = periods
        .iter()
        .copied()
        .find(|&p| p <= MAX_ETS_PERIOD && len >= 2 * p)
        .unwrap_or(1);
    out.push(Box::new(EtsSpec::auto(ets_period)));
    if !periods.is_empty() {
        out.push(Box::new(MstlEts {
            periods: periods.to_vec(),
        }));
    }
    if calendar {
        out.push(Box::new(ProphetSpec::default()));
    }
    out
}
