//! Lifeline analysis over many runs of a scenario: calibration targets and parameters read from
//! the scenario file (`targets`, `parameters`), approximate Bayesian computation by sequential
//! Monte Carlo (`abc`), the calibration that joins them (`calibrate`), the original grid search
//! (`grid`), Sobol sensitivity indices (`sobol`), segment criticality (`criticality`), a
//! scenario's posterior as the source of each run's parameters (`posterior`), and the scenario
//! judged over many runs against its calibration and validation targets (`validation`).
//!
//! Runs are spread over threads with rayon, or over processes through a [`runner::Runner`] (the
//! CLI's MPI ranks); every random draw comes from a stream named by what it is for (seed,
//! generation, particle), so results do not depend on the thread or process count.

pub mod abc;
pub mod calibrate;
pub mod checkpoint;
pub mod criticality;
pub mod error;
pub mod grid;
pub mod parameters;
pub mod posterior;
pub mod runner;
pub mod sobol;
pub mod targets;
pub mod validation;

pub use error::AnalysisError;
