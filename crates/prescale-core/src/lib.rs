//! Types and ports shared by every stage of prescale's loop (observe → forecast → plan →
//! arbitrate → act → learn). Nothing here does I/O or reads a clock.

pub mod fleet;
pub mod policy;
pub mod series;

pub use fleet::{FleetView, InstanceType, SpotTerms, TypeState, WarmPoolTerms};
pub use policy::{Decision, Observation, Policy};
pub use series::Series;
