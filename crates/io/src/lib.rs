//! Lifeline's file formats: readers for the network tables and conflict events, writers for a
//! run's outputs. Readers take text and a file name (for messages); writers write atomically.
//! Output folders are locked while written and described by a `manifest.json`.

pub mod acled;
pub mod atomic;
mod columns;
pub mod error;
pub mod geo;
pub mod hash;
pub mod hxl;
pub mod lock;
pub mod manifest;
pub mod network_csv;
pub mod outdir;
pub mod outputs;
pub mod suggest;
pub mod text;

pub use error::InputError;
