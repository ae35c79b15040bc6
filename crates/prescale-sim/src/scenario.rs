//! Scenario parameters of a backtest: how big an instance is, what instance types cost and how
//! they boot and fail. Loaded from YAML; the standard scenario of ARCHITECTURE.md is the default.

use prescale_core::{InstanceType, SpotTerms, WarmPoolTerms};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Why a scenario file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The YAML does not match the schema (unknown key, wrong type).
    #[error("scenario {path}: {message}")]
    Parse { path: String, message: String },
    /// Values parse but make no sense; every problem is listed with its key.
    #[error("scenario {path} is invalid:\n  {}", problems.join("\n  "))]
    Invalid { path: String, problems: Vec<String> },
}

/// Parameters of the simulated fleet. Every field has the standard scenario's value as default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scenario {
    /// Schema version; only 1 exists.
    pub version: u32,
    /// Per-instance capacity is chosen so that the trace's peak needs this many instances.
    pub peak_instances: f64,
    /// Fixed demand per instance instead of `peak_instances` (same unit as the trace).
    pub capacity_per_instance: Option<f64>,
    /// Instance types; the first is the default that baseline policies scale.
    pub instance_types: Vec<InstanceType>,
    /// Fewest instances any policy keeps.
    pub min_instances: u32,
    /// Most instances any policy may have (all types together).
    pub max_instances: u32,
    /// Seed of every random draw (spot interruptions).
    pub seed: u64,
}

impl Default for Scenario {
    fn default() -> Self {
        Self {
            version: 1,
            peak_instances: 40.0,
            capacity_per_instance: None,
            instance_types: vec![
                InstanceType {
                    name: "on-demand".into(),
                    price_per_hour: 1.0,
                    capacity_factor: 1.0,
                    boot_seconds: 300.0,
                    spot: None,
                    warm_pool: None,
                },
                InstanceType {
                    name: "spot".into(),
                    price_per_hour: 0.35,
                    capacity_factor: 1.0,
                    boot_seconds: 300.0,
                    spot: Some(SpotTerms {
                        interruption_rate_per_day: 0.05,
                        notice_seconds: 120.0,
                    }),
                    warm_pool: None,
                },
            ],
            min_instances: 1,
            max_instances: 400,
            seed: 1,
        }
    }
}

impl Scenario {
    /// Reads and validates a YAML scenario file.
    pub fn load(path: &Path) -> Result<Self, ScenarioError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            path: shown.clone(),
            source,
        })?;
        Self::from_yaml(&shown, &text)
    }

    /// Parses and validates scenario YAML; `origin` names it in errors.
    pub fn from_yaml(origin: &str, text: &str) -> Result<Self, ScenarioError> {
        let scenario: Scenario =
            serde_norway::from_str(text).map_err(|e| ScenarioError::Parse {
                path: origin.to_string(),
                message: e.to_string(),
            })?;
        let problems = scenario.problems();
        if problems.is_empty() {
            Ok(scenario)
        } else {
            Err(ScenarioError::Invalid {
                path: origin.to_string(),
                problems,
            })
        }
    }

    /// Every problem of the scenario, each naming its key; empty when it is valid.
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.version != 1 {
            p.push(format!(
                "version: {} is not supported (only 1)",
                self.version
            ));
        }
        if !(self.peak_instances.is_finite() && self.peak_instances >= 1.0) {
            p.push(format!(
                "peak_instances: {} must be a number >= 1",
                self.peak_instances
            ));
        }
        if let Some(c) = self.capacity_per_instance {
            if !(c.is_finite() && c > 0.0) {
                p.push(format!("capacity_per_instance: {c} must be > 0"));
            }
        }
        if self.instance_types.is_empty() {
            p.push("instance_types: at least one type is needed".into());
        }
        for (i, t) in self.instance_types.iter().enumerate() {
            let at = format!("instance_types[{i}] ({})", t.name);
            if !(t.price_per_hour.is_finite() && t.price_per_hour >= 0.0) {
                p.push(format!(
                    "{at}.price_per_hour: {} must be >= 0",
                    t.price_per_hour
                ));
            }
            if !(t.capacity_factor.is_finite() && t.capacity_factor > 0.0) {
                p.push(format!(
                    "{at}.capacity_factor: {} must be > 0",
                    t.capacity_factor
                ));
            }
            if !(t.boot_seconds.is_finite() && t.boot_seconds >= 0.0) {
                p.push(format!(
                    "{at}.boot_seconds: {} must be >= 0",
                    t.boot_seconds
                ));
            }
            if let Some(s) = &t.spot {
                if !(s.interruption_rate_per_day.is_finite() && s.interruption_rate_per_day >= 0.0)
                {
                    p.push(format!(
                        "{at}.spot.interruption_rate_per_day: {} must be >= 0",
                        s.interruption_rate_per_day
                    ));
                }
                if !(s.notice_seconds.is_finite() && s.notice_seconds >= 0.0) {
                    p.push(format!(
                        "{at}.spot.notice_seconds: {} must be >= 0",
                        s.notice_seconds
                    ));
                }
            }
            if let Some(w) = &t.warm_pool {
                warm_pool_problems(&at, t, w, &mut p);
            }
        }
        if self.max_instances < self.min_instances.max(1) {
            p.push(format!(
                "max_instances: {} must be >= min_instances ({}) and >= 1",
                self.max_instances, self.min_instances
            ));
        }
        p
    }

    /// Demand one standard instance serves, for a trace with this peak.
    pub fn capacity_for_peak(&self, peak: f64) -> f64 {
        match self.capacity_per_instance {
            Some(c) => c,
            // A flat-zero trace still needs a positive capacity to divide by.
            None if peak > 0.0 => peak / self.peak_instances,
            None => 1.0,
        }
    }
}

/// Problems of the warm-pool terms `w` of type `t`, named from `at`.
fn warm_pool_problems(at: &str, t: &InstanceType, w: &WarmPoolTerms, p: &mut Vec<String>) {
    if t.spot.is_some() {
        p.push(format!(
            "{at}.warm_pool: a spot type cannot have a warm pool (its instances can be interrupted)"
        ));
    }
    if !(w.boot_seconds.is_finite() && w.boot_seconds >= 0.0) {
        p.push(format!(
            "{at}.warm_pool.boot_seconds: {} must be >= 0",
            w.boot_seconds
        ));
    } else if w.boot_seconds > t.boot_seconds {
        p.push(format!(
            "{at}.warm_pool.boot_seconds: {} must be <= the type's boot_seconds ({})",
            w.boot_seconds, t.boot_seconds
        ));
    }
    if !(w.holding_price_per_hour.is_finite() && w.holding_price_per_hour >= 0.0) {
        p.push(format!(
            "{at}.warm_pool.holding_price_per_hour: {} must be >= 0",
            w.holding_price_per_hour
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_standard_scenario() {
        let s = Scenario::default();
        assert!(s.problems().is_empty());
        assert_eq!(s.capacity_for_peak(400.0), 10.0);
        assert_eq!(s.instance_types[0].boot_seconds, 300.0);
        assert_eq!(s.instance_types[1].price_per_hour, 0.35);
    }

    #[test]
    fn empty_yaml_gives_the_standard_scenario() {
        assert_eq!(Scenario::from_yaml("t", "{}").unwrap(), Scenario::default());
    }

    #[test]
    fn every_problem_is_reported_with_its_key() {
        let yaml = "version: 2\npeak_instances: 0\ninstance_types:\n  - {name: a, price_per_hour: -1, boot_seconds: -5}\n";
        let err = Scenario::from_yaml("bad.yaml", yaml)
            .unwrap_err()
            .to_string();
        assert!(err.contains("version"), "{err}");
        assert!(err.contains("peak_instances"), "{err}");
        assert!(
            err.contains("instance_types[0] (a).price_per_hour"),
            "{err}"
        );
        assert!(err.contains("instance_types[0] (a).boot_seconds"), "{err}");
    }

    /// Problems of a scenario whose types are given as YAML.
    fn type_problems(types: &str) -> String {
        let yaml = format!("instance_types:\n{types}");
        match Scenario::from_yaml("t.yaml", &yaml) {
            Ok(_) => String::new(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_warm_pool_parses_on_an_on_demand_type() {
        let yaml = "instance_types:\n  - {name: od, price_per_hour: 1, boot_seconds: 300, warm_pool: {boot_seconds: 30, holding_price_per_hour: 0.05}}\n";
        let s = Scenario::from_yaml("t.yaml", yaml).unwrap();
        assert_eq!(
            s.instance_types[0].warm_pool,
            Some(WarmPoolTerms {
                boot_seconds: 30.0,
                holding_price_per_hour: 0.05
            })
        );
    }

    #[test]
    fn a_warm_boot_must_be_a_number_no_longer_than_the_cold_boot() {
        for bad in ["-1", ".nan", ".inf", "301"] {
            let err = type_problems(&format!(
                "  - {{name: od, price_per_hour: 1, boot_seconds: 300, warm_pool: {{boot_seconds: {bad}, holding_price_per_hour: 0}}}}\n"
            ));
            assert!(
                err.contains("instance_types[0] (od).warm_pool.boot_seconds"),
                "{bad}: {err}"
            );
        }
        let ok = type_problems(
            "  - {name: od, price_per_hour: 1, boot_seconds: 300, warm_pool: {boot_seconds: 300, holding_price_per_hour: 0}}\n",
        );
        assert_eq!(ok, "");
    }

    #[test]
    fn a_holding_price_must_be_a_number_at_least_zero() {
        for bad in ["-0.01", ".nan", ".inf"] {
            let err = type_problems(&format!(
                "  - {{name: od, price_per_hour: 1, boot_seconds: 300, warm_pool: {{boot_seconds: 30, holding_price_per_hour: {bad}}}}}\n"
            ));
            assert!(
                err.contains("instance_types[0] (od).warm_pool.holding_price_per_hour"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn a_spot_type_cannot_have_a_warm_pool() {
        let err = type_problems(
            "  - {name: od, price_per_hour: 1, boot_seconds: 300}\n  - {name: sp, price_per_hour: 0.3, boot_seconds: 300, spot: {interruption_rate_per_day: 0.05, notice_seconds: 120}, warm_pool: {boot_seconds: 30, holding_price_per_hour: 0.01}}\n",
        );
        assert!(err.contains("instance_types[1] (sp).warm_pool:"), "{err}");
    }

    #[test]
    fn unknown_warm_pool_keys_are_refused() {
        let err = type_problems(
            "  - {name: od, price_per_hour: 1, boot_seconds: 300, warm_pool: {boot_seconds: 30, holding_price_per_hour: 0, size: 3}}\n",
        );
        assert!(err.contains("size"), "{err}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = Scenario::from_yaml("x.yaml", "peak_instance: 3").unwrap_err();
        assert!(err.to_string().contains("peak_instance"), "{err}");
    }
}

#[cfg(test)]
mod example_tests {
    use super::*;
    use std::path::PathBuf;

    fn examples() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples")
    }

    #[test]
    fn every_example_scenario_parses_and_validates() {
        let mut seen = 0;
        for entry in std::fs::read_dir(examples()).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name.starts_with("scenario") && name.ends_with(".yaml") {
                Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
                seen += 1;
            }
        }
        assert!(seen >= 3, "only {seen} example scenarios found");
    }

    #[test]
    fn the_warm_pool_example_is_the_default_with_a_pool_of_on_demand_instances() {
        let s = Scenario::load(&examples().join("scenario-warm-pool.yaml")).unwrap();
        let mut expected = Scenario::default();
        expected.instance_types[0].warm_pool = Some(WarmPoolTerms {
            boot_seconds: 30.0,
            holding_price_per_hour: 0.05,
        });
        assert_eq!(s, expected);
    }

    #[test]
    fn the_standard_example_is_the_default() {
        let s = Scenario::load(&examples().join("scenario-standard.yaml")).unwrap();
        assert_eq!(s, Scenario::default());
    }
}
