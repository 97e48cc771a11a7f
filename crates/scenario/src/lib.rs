//! Lifeline scenarios: a TOML file (or an embedded one) → typed spec → validated
//! [`lifeline_model::ModelInput`]. Every error names the file, line, field and what was expected.

pub mod build;
pub mod displacement;
pub mod embedded;
pub mod error;
pub mod events;
mod exports;
mod food;
mod numbers;
mod policies;
mod required;
mod services;
pub mod spec;
mod stages;
mod supply_modes;
pub mod validate;

pub use build::{Built, Overrides, PosteriorSource, STATUS_QUO, Scenario};
pub use error::ScenarioError;
pub use events::EventFileSummary;
