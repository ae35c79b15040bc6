//! Offline evaluation of scaling policies: trace input and repair, a seeded workload generator,
//! a fleet simulator on virtual time, the perfect-foresight oracle and the elasticity metrics.

pub mod generator;
pub mod m4;
pub mod metrics;
pub mod oracle;
pub mod scenario;
pub mod simulator;
pub mod trace;
