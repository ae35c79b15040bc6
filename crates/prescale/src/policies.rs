//! The policies a backtest can run, by name, with the knob each one is swept on for the
//! iso-SLO figure. The one place where policy implementations are wired to the command line.

use prescale_core::Policy;
use prescale_plan::aws_predictive::{AwsPredictive, AwsPredictiveConfig};
use prescale_plan::hpa::{Hpa, HpaConfig};
use prescale_plan::naive::{NaiveConfig, SeasonalNaive};
use prescale_plan::proactive::{FitMemo, Proactive, ProactiveConfig};
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
    /// Builds the policy with a knob value (`None` = its default) for a scenario, sharing what
    /// can be shared between runs of the same trace.
    pub build: fn(Option<f64>, &Scenario, &TraceShared) -> Box<dyn Policy>,
}

/// What the runs of one trace share: forecasts depend on the demand only, not on the policy.
#[derive(Clone, Default)]
pub struct TraceShared {
    pub fits: FitMemo,
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

/// Target shares of under-provisioned steps tried for prescale (its planning quantile follows
/// its misses to the target).
const MISS_RATES: &[f64] = &[
    0.02, 0.01, 0.007, 0.006, 0.005, 0.0045, 0.004, 0.0035, 0.003, 0.0025, 0.002, 0.0015, 0.001,
    0.0005,
];

/// Fixed quantiles tried for the variant without live calibration.
const QUANTILES: &[f64] = &[0.5, 0.7, 0.8, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999];

/// prescale with `adjust` applied to its default settings and the knob (the target miss rate,
/// or the fixed quantile when live calibration is off).
fn proactive(
    knob: Option<f64>,
    scenario: &Scenario,
    shared: &TraceShared,
    adjust: fn(&mut ProactiveConfig),
) -> Box<dyn Policy> {
    let mut config = ProactiveConfig::default();
    config.planner.min_instances = scenario.min_instances;
    config.planner.max_instances = scenario.max_instances;
    adjust(&mut config);
    if let Some(k) = knob {
        if config.live_calibration {
            config.planner.miss.target_miss_rate = Some(k);
        } else {
            config.planner.miss.initial_quantile = k;
        }
    }
    Box::new(Proactive::new(config, shared.fits.clone()))
}

/// prescale's knob: the share of under-provisioned steps it steers to.
const MISS_KNOB: Knob = Knob {
    name: "target miss rate",
    default: 0.005,
    sweep: MISS_RATES,
};

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
        build: |knob, scenario, _| {
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
        build: |knob, scenario, _| {
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
        build: |knob, scenario, _| {
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
    PolicyEntry {
        name: "prescale",
        knob: Some(MISS_KNOB),
        build: |knob, scenario, shared| proactive(knob, scenario, shared, |_| {}),
    },
    PolicyEntry {
        name: "prescale-on-demand",
        knob: Some(MISS_KNOB),
        build: |knob, scenario, shared| {
            proactive(knob, scenario, shared, |c| {
                c.planner.mix.use_spot = false;
                c.name = "prescale-on-demand".into();
            })
        },
    },
    PolicyEntry {
        name: "prescale-forecast-only",
        knob: Some(MISS_KNOB),
        build: |knob, scenario, shared| {
            proactive(knob, scenario, shared, |c| {
                c.planner.mix.use_spot = false;
                c.planner.reactive = None;
                c.name = "prescale-forecast-only".into();
            })
        },
    },
    PolicyEntry {
        name: "prescale-uncalibrated",
        knob: Some(Knob {
            name: "forecast quantile",
            default: 0.99,
            sweep: QUANTILES,
        }),
        build: |knob, scenario, shared| {
            proactive(knob, scenario, shared, |c| {
                c.planner.mix.use_spot = false;
                c.live_calibration = false;
                c.planner.miss.target_miss_rate = None;
                c.name = "prescale-uncalibrated".into();
            })
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
