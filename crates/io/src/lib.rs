//! Lifeline's file formats: readers for the network tables and conflict events, writers for a
//! run's outputs. Readers take text and a file name (for messages); writers write atomically.

pub mod acled;
pub mod atomic;
mod columns;
pub mod error;
pub mod network_csv;
pub mod outputs;
pub mod suggest;
pub mod text;

pub use error::InputError;
