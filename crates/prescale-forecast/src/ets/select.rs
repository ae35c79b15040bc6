//! Choosing among candidate models by AICc, as R's `ets(model = "ZZZ")`.

use super::fit::{fit_model, Candidate, Start};
use super::model::{EtsModel, Params};
use super::{ErrorKind, EtsSpec, SeasonKind, TrendKind};

/// Candidate models in R's order (errors A, M; trends N, A; seasons N, A, M; damped first),
/// without R's excluded combinations (additive error with multiplicative season) and without
/// multiplicative components when some value is not positive.
pub(crate) fn candidates(c: &EtsSpec, positive: bool) -> Vec<EtsModel> {
    let errors = pick(c.error, &[ErrorKind::Additive, ErrorKind::Multiplicative]);
    let trends = pick(c.trend, &[TrendKind::None, TrendKind::Additive]);
    let seasons = pick(
        c.season,
        &[
            SeasonKind::None,
            SeasonKind::Additive,
            SeasonKind::Multiplicative,
        ],
    );
    let damping = pick(c.damped, &[true, false]);
    let mut out = Vec::new();
    for &error in &errors {
        for &trend in &trends {
            for &season in &seasons {
                for &damped in &damping {
                    let period = if season == SeasonKind::None {
                        1
                    } else {
                        c.period
                    };
                    let m = EtsModel {
                        error,
                        trend,
                        damped,
                        season,
                        period,
                    };
                    if allowed(&m, positive) {
                        out.push(m);
                    }
                }
            }
        }
    }
    out
}

fn pick<T: Copy>(choice: Option<T>, all: &[T]) -> Vec<T> {
    choice.map_or_else(|| all.to_vec(), |c| vec![c])
}

fn allowed(m: &EtsModel, positive: bool) -> bool {
    let multiplicative =
        m.error == ErrorKind::Multiplicative || m.season == SeasonKind::Multiplicative;
    let excluded = (m.damped && m.trend == TrendKind::None)
        || (m.error == ErrorKind::Additive && m.season == SeasonKind::Multiplicative)
        || (m.is_seasonal() && m.period < 2);
    !excluded && (positive || !multiplicative)
}

/// Fits every candidate and keeps the lowest AICc, the first in R's order on ties.
///
/// Fits run in another order than the choice: additive errors before multiplicative ones and
/// undamped trends before damped ones, so that each fit can start from the optimum of a
/// related model fitted just before (`donor`). That halves the number of likelihood
/// evaluations on the test series without changing any choice.
pub(crate) fn best_of(y: &[f64], models: &[EtsModel]) -> Option<Candidate> {
    let mut order: Vec<usize> = (0..models.len()).collect();
    order.sort_by_key(|&i| {
        (
            models[i].error == ErrorKind::Multiplicative,
            models[i].damped,
        )
    });
    let mut fits: Vec<(usize, Candidate)> = Vec::with_capacity(models.len());
    for i in order {
        let from = donor(&models[i], &fits).map_or(Start::Cold, Start::Related);
        if let Some(fit) = fit_model(y, &models[i], from) {
            fits.push((i, fit));
        }
    }
    fits.sort_by_key(|(i, _)| *i);
    let mut best: Option<Candidate> = None;
    for (_, fit) in fits {
        if best.as_ref().is_none_or(|b| fit.aicc() < b.aicc()) {
            best = Some(fit);
        }
    }
    best
}

/// The parameters of a fitted model close to `m`: the same components with the other error
/// type, else the undamped version, else (for a multiplicative season) the additive one.
fn donor<'a>(m: &EtsModel, fits: &'a [(usize, Candidate)]) -> Option<&'a Params> {
    let shape = |f: &EtsModel| f.trend == m.trend && f.season == m.season;
    let other_error = |f: &EtsModel| shape(f) && f.damped == m.damped && f.error != m.error;
    let undamped = |f: &EtsModel| shape(f) && f.error == m.error && m.damped && !f.damped;
    let additive_season = |f: &EtsModel| {
        f.trend == m.trend
            && f.damped == m.damped
            && f.error == m.error
            && m.season == SeasonKind::Multiplicative
            && f.season == SeasonKind::Additive
    };
    let find = |p: &dyn Fn(&EtsModel) -> bool| {
        fits.iter()
            .find(|(_, f)| p(&f.model))
            .map(|(_, f)| &f.params)
    };
    find(&other_error)
        .or_else(|| find(&undamped))
        .or_else(|| find(&additive_season))
}
