//! MSTL + ETS: several seasonal components taken out by MSTL and continued as seasonal naive,
//! the seasonally adjusted rest (trend + remainder) forecast by automatic non-seasonal ETS.
//! The same construction as statsforecast's `MSTL(trend_forecaster=AutoETS(model="ZZN"))`.

use crate::ets::{fit_ets, EtsFit, EtsSpec};
use crate::model::{FittedModel, ForecastError, History, ModelSpec};
use crate::stl::{mstl, seasonal_naive_continuation, MstlParams};

/// MSTL with these periods (ascending, in steps), ETS on the adjusted series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MstlEts {
    pub periods: Vec<usize>,
}

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
        let shortest = self.periods.first().copied().unwrap_or(2);
        if y.len() <= 2 * shortest {
            return Err(ForecastError::TooShort {
                model: self.name(),
                have: y.len(),
                need: 2 * shortest + 1,
            });
        }
        let d = mstl(y, &MstlParams::new(self.periods.clone()))?;
        // MSTL drops periods the series is too short for and says which it kept.
        let seasonal: Vec<(usize, Vec<f64>)> = d.periods.iter().copied().zip(d.seasonal).collect();
        let adjusted: Vec<f64> = d
            .trend
            .iter()
            .zip(&d.remainder)
            .map(|(t, r)| t + r)
            .collect();
        let adjusted = fit_ets(&adjusted, &EtsSpec::non_seasonal())?;
        Ok(Box::new(FittedMstlEts { seasonal, adjusted }))
    }
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
