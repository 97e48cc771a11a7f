//! What can go wrong in an analysis: a scenario that does not build, or calibration tables that
//! do not resolve against it.

use lifeline_scenario::ScenarioError;

#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A target of `table` (`calibration.target` or `validation.target`) that does not resolve.
    #[error("[[{table}]] `{target}`: {message}")]
    Target {
        table: &'static str,
        target: String,
        message: String,
    },
    #[error("[[calibration.parameter]] `{path}`: {message}")]
    Parameter { path: String, message: String },
    #[error("{0}")]
    Calibration(String),
    /// A calibration stopped on purpose after this many generations (its checkpoint kept).
    #[error("stopped after {0} generations (the checkpoint is kept: --resume continues)")]
    Interrupted(usize),
    /// Processes sharing a batch of evaluations (MPI ranks) that do not agree.
    #[error("ranks: {0}")]
    Ranks(String),
    /// A posterior file that cannot be read as one.
    #[error("{file}:{line}:{column}: {message}")]
    Posterior {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
}

pub type Result<T> = std::result::Result<T, AnalysisError>;
