//! Naive models: seasonal naive for one period, and the plain naive (last value) fallback that
//! every history supports (cold start).

use crate::model::{FittedModel, ForecastError, History, ModelSpec};

/// Repeats the last full period; with period 1, the last value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeasonalNaive {
    pub period: usize,
}

struct FittedSeasonalNaive {
    last_period: Vec<f64>,
}

impl ModelSpec for SeasonalNaive {
    fn name(&self) -> String {
        if self.period <= 1 {
            "naive".into()
        } else {
            format!("snaive-{}", self.period)
        }
    }

    fn fit(&self, y: &[f64], _: &History<'_>) -> Result<Box<dyn FittedModel>, ForecastError> {
        let period = self.period.max(1);
        if y.len() < period {
            return Err(ForecastError::TooShort {
                model: self.name(),
                have: y.len(),
                need: period,
            });
        }
        Ok(Box::new(FittedSeasonalNaive {
            last_period: y[y.len() - period..].to_vec(),
        }))
    }
}

impl FittedModel for FittedSeasonalNaive {
    fn predict(&self, horizon: usize) -> Vec<f64> {
        self.last_period
            .iter()
            .copied()
            .cycle()
            .take(horizon)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(v: &[Option<f64>]) -> History<'_> {
        History {
            values: v,
            step_seconds: 3600,
            start_unix: None,
            events: None,
        }
    }

    #[test]
    fn seasonal_naive_repeats_the_last_period() {
        let y = [1.0, 2.0, 3.0, 4.0, 5.0];
        let f = SeasonalNaive { period: 2 }.fit(&y, &history(&[])).unwrap();
        assert_eq!(f.predict(5), vec![4.0, 5.0, 4.0, 5.0, 4.0]);
    }

    #[test]
    fn naive_repeats_the_last_value_and_needs_one_point() {
        let spec = SeasonalNaive { period: 1 };
        assert_eq!(spec.name(), "naive");
        assert_eq!(
            spec.fit(&[7.0], &history(&[])).unwrap().predict(2),
            vec![7.0, 7.0]
        );
        assert!(matches!(
            SeasonalNaive { period: 3 }.fit(&[1.0, 2.0], &history(&[])),
            Err(ForecastError::TooShort { need: 3, .. })
        ));
    }
}
