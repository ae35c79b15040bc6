//! MSTL + ETS: several seasonal components taken out by MSTL and continued as seasonal naive,
//! the seasonally adjusted rest (trend + remainder) forecast by automatic non-seasonal ETS.
//! The same construction as statsforecast's `MSTL(trend_forecaster=AutoETS(model="ZZN"))`.
//!
//! As for automatic ETS on its own, a long adjusted series chooses its ETS form on its recent
//! points, and the backtest keeps the form and parameters chosen at its oldest origin: each
//! later origin decomposes again and solves only for the ETS start.

use crate::ets::{fit_ets_screened, EtsFit, EtsForm, EtsSpec};
use crate::model::{FittedModel, ForecastError, History, ModelSpec};
use crate::stl::{mstl, seasonal_naive_continuation, MstlParams};

/// MSTL with these periods (ascending, in steps), ETS on the adjusted series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MstlEts {
    pub periods: Vec<usize>,
}

/// MSTL with the ETS form (and parameters) chosen for the adjusted series at the backtest's
/// oldest origin, and the fit there, which the backtest asks for again.
struct FixedMstlEts {
    spec: MstlEts,
    ets: EtsForm,
    oldest: Vec<f64>,
    fit: FittedMstlEts,
}

#[derive(Clone)]
struct FittedMstlEts {
    seasonal: Vec<(usize, Vec<f64>)>,
    adjusted: EtsFit,
}

impl ModelSpec for MstlEts {
    fn name(&self) -> String {
        let p: Vec<String> = self.periods.iter().map(usize::to_string).collect();
        format!("mstl-ets-{}", p.join("-"))
    }

    fn fit(&self, y: &[f64], _: &History<'_>) -> Result<Box<dyn FittedModel>, ForecastError> {
        let fit = fit_mstl_ets(self, y, |a| fit_ets_screened(a, &EtsSpec::non_seasonal()))?;
        Ok(Box::new(fit))
    }

    /// The ETS form AICc picks for the oldest origin's adjusted series, kept with its
    /// parameters for the other origins (`EtsForm::refit`), as automatic ETS does: one ETS
    /// fit per origin instead of a search over its forms.
    fn backtest_spec(&self, oldest: &[f64], _: &History<'_>) -> Option<Box<dyn ModelSpec>> {
        let auto = |a: &[f64]| fit_ets_screened(a, &EtsSpec::non_seasonal());
        let fit = fit_mstl_ets(self, oldest, auto).ok()?;
        Some(Box::new(FixedMstlEts {
            spec: self.clone(),
            ets: fit.adjusted.form(),
            oldest: oldest.to_vec(),
            fit,
        }))
    }
}

impl ModelSpec for FixedMstlEts {
    fn name(&self) -> String {
        self.spec.name()
    }

    fn fit(&self, y: &[f64], _: &History<'_>) -> Result<Box<dyn FittedModel>, ForecastError> {
        // At the oldest origin the refit would repeat the decomposition and land on the same
        // ETS fit (same parameters, same start): it is kept instead.
        if y == self.oldest.as_slice() {
            return Ok(Box::new(self.fit.clone()));
        }
        Ok(Box::new(fit_mstl_ets(&self.spec, y, |a| {
            self.ets.refit(a)
        })?))
    }
}

/// Decomposes `y` and fits `ets` to the seasonally adjusted series.
fn fit_mstl_ets(
    spec: &MstlEts,
    y: &[f64],
    ets: impl FnOnce(&[f64]) -> Result<EtsFit, ForecastError>,
) -> Result<FittedMstlEts, ForecastError> {
    let shortest = spec.periods.first().copied().unwrap_or(2);
    if y.len() <= 2 * shortest {
        return Err(ForecastError::TooShort {
            model: spec.name(),
            have: y.len(),
            need: 2 * shortest + 1,
        });
    }
    let d = mstl(y, &MstlParams::new(spec.periods.clone()))?;
    // MSTL drops periods the series is too short for and says which it kept.
    let seasonal: Vec<(usize, Vec<f64>)> = d.periods.iter().copied().zip(d.seasonal).collect();
    let adjusted: Vec<f64> = d
        .trend
        .iter()
        .zip(&d.remainder)
        .map(|(t, r)| t + r)
        .collect();
    let adjusted = ets(&adjusted)?;
    Ok(FittedMstlEts { seasonal, adjusted })
}

impl FittedModel for FittedMstlEts {
    fn predict(&self, horizon: usize) -> Vec<f64> {
        let mut out = self.adjusted.forecast(horizon);
        for (period, component) in &self.seasonal {
            let s = seasonal_naive_continuation(component, *period, horizon);
            for (o, v) in out.iter_mut().zip(s) {
                *o += v;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history() -> History<'static> {
        History {
            values: &[],
            step_seconds: 3600,
            start_unix: None,
            events: None,
        }
    }

    /// Daily and weekly cycles on a drifting level, with deterministic noise, `n` hours.
    fn hourly(n: usize) -> Vec<f64> {
        let mut x: u64 = 7;
        (0..n)
            .map(|t| {
                x = (1_664_525 * x + 1_013_904_223) % (1 << 32);
                let e = x as f64 / 4_294_967_296.0 - 0.5;
                let (day, week) = (t as f64 / 24.0, t as f64 / 168.0);
                let cycle = (std::f64::consts::TAU * day).sin();
                100.0
                    + 0.05 * t as f64
                    + 20.0 * cycle
                    + 8.0 * (std::f64::consts::TAU * week).cos()
                    + 3.0 * e
            })
            .collect()
    }

    /// The backtest's spec keeps the name and, a few steps past the origin it was chosen on,
    /// forecasts like a full fit.
    #[test]
    fn the_backtest_spec_forecasts_like_a_full_fit() {
        let spec = MstlEts {
            periods: vec![24, 168],
        };
        let y = hourly(24 * 7 * 6);
        let fixed = spec.backtest_spec(&y[..y.len() - 48], &history()).unwrap();
        assert_eq!(fixed.name(), spec.name());
        let (a, b) = (
            fixed.fit(&y, &history()).unwrap().predict(24),
            spec.fit(&y, &history()).unwrap().predict(24),
        );
        for (h, (a, b)) in a.iter().zip(&b).enumerate() {
            assert!((a - b).abs() < 2.0, "h = {h}: {a} vs {b}");
        }
        // At the oldest origin the kept fit is what a refit computes.
        let oldest = &y[..y.len() - 48];
        let fresh = fit_mstl_ets(&spec, oldest, |a| {
            let form = fit_ets_screened(a, &EtsSpec::non_seasonal())?.form();
            form.refit(a)
        })
        .unwrap();
        assert_eq!(
            fixed.fit(oldest, &history()).unwrap().predict(24),
            fresh.predict(24)
        );
        assert!(matches!(
            fixed.fit(&y[..40], &history()),
            Err(ForecastError::TooShort { .. })
        ));
    }
}
