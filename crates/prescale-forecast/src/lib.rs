//! Demand forecasting for prescale: models behind one interface, chosen per series by
//! rolling-origin backtest, with quantiles calibrated on out-of-sample errors.
//!
//! Everything here is a pure computation on in-memory series: no I/O, no clock.

pub mod accuracy;
pub mod calibrate;
pub mod catalog;
pub mod engine;
pub mod ets;
pub mod events;
pub mod fill;
pub mod kernels;
pub mod leading;
pub mod model;
pub mod mstl_ets;
pub mod naive;
pub mod nowcast;
pub mod prophet;
pub mod robust;
pub mod seasonality;
pub mod stl;
pub mod tracker;

pub use engine::{Engine, EngineConfig, FittedForecaster};
pub use model::{FittedModel, Forecast, ForecastError, History, ModelSpec};
