//! The policies a backtest can run, by name, with the knob each one is swept on for the
//! iso-SLO figure. The one place where policy implementations are wired to the command line.

use prescale_core::Policy;
use prescale_plan::aws_predictive::{AwsPredictive, AwsPredictiveConfig};
use prescale_plan::hpa::{Hpa, HpaConfig};
use prescale_plan::naive::{NaiveConfig, SeasonalNaive};
use prescale_sim::scenario::Scenario;

/// A policy's single tuning knob.
pub struct Knob {
    /// What the knob is (`target utilization`, `margin`).
    pub name: &'static str,
    /// The value of the default run.
    pub default: f64,
    /// Values tried for the iso-SLO figure.
    pub sweep: &'static [f64],
}

/// A policy the backtest can build.
pub struct PolicyEntry {
    pub name: &'static str,
    pub knob: Option<Knob>,
    /// Builds the policy with a knob value (`None` = its default) for a scenario.
    pub build: fn(Option<f64>, &Scenario) -> Box<dyn Policy>,
}

/// Target utilizations tried for the reactive baselines.
const UTILIZATIONS: &[f64] = &[
    0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60, 0.65, 0.70, 0.75, 0.80, 0.85,
    0.90, 0.95, 1.00,
];

/// Margins tried for prescale's predictive policy.
const MARGINS: &[f64] = &[
    0.0, 0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.40, 0.50, 0.60, 0.80, 1.00, 1.25, 1.50, 2.00, 3.00,
];

/// Every policy, in table order.
pub static CATALOG: &[PolicyEntry] = &[
    PolicyEntry {
        name: "hpa",
        knob: Some(Knob {
            name: "target utilization",
            // Kubernetes' own default (DefaultCPUUtilization = 80).
            default: 0.8,
            sweep: UTILIZATIONS,
        }),
        build: |knob, scenario| {
            let mut config = HpaConfig {
                min_replicas: scenario.min_instances.max(1),
                max_replicas: scenario.max_instances,
                ..HpaConfig::default()
            };
            if let Some(k) = knob {
                config.target_utilization = k;
            }
            Box::new(Hpa::new(config))
        },
    },
    PolicyEntry {
        name: "aws-predictive",
        knob: Some(Knob {
            name: "target utilization",
            default: 0.7,
            sweep: UTILIZATIONS,
        }),
        build: |knob, scenario| {
            let mut config = AwsPredictiveConfig {
                min_capacity: scenario.min_instances,
                max_capacity: scenario.max_instances,
                ..AwsPredictiveConfig::default()
            };
            if let Some(k) = knob {
                config.target_utilization = k;
            }
            Box::new(AwsPredictive::new(config))
        },
    },
    PolicyEntry {
        name: "prescale-naive",
        knob: Some(Knob {
            name: "margin",
            default: 0.1,
            sweep: MARGINS,
        }),
        build: |knob, scenario| {
            let mut config = NaiveConfig {
                min_instances: scenario.min_instances,
                max_instances: scenario.max_instances,
                ..NaiveConfig::default()
            };
            if let Some(k) = knob {
                config.margin = k;
            }
            Box::new(SeasonalNaive::new(config))
        },
    },
];

/// Looks policies up by name; `oracle` is always run and needs no entry.
pub fn select(names: &[String]) -> Result<Vec<&'static PolicyEntry>, String> {
    names
        .iter()
        .filter(|n| n.as_str() != "oracle")
        .map(|n| {
            CATALOG.iter().find(|e| e.name == n).ok_or_else(|| {
                let known: Vec<&str> = CATALOG.iter().map(|e| e.name).collect();
                format!("unknown policy {n:?}; known: oracle, {}", known.join(", "))
            })
        })
        .collect()
}
