//! Scaling policies behind `prescale_core::Policy`: pure functions of what they observed.

pub mod aws_predictive;
pub mod hpa;
pub mod naive;
pub mod planner;
pub mod proactive;
