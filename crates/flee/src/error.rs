//! Errors of the Flee-compatible reader and engine.

use thiserror::Error;

/// Everything that can go wrong while reading a Flee case or running it.
///
/// Every variant names the input file it comes from, and malformed rows also carry their
/// 1-based line number, so a user can go straight to the offending line.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum FleeError {
    /// A row of a CSV input could not be understood.
    #[error("{file}:{line}: {message}")]
    Row {
        file: String,
        line: u64,
        message: String,
    },
    /// A problem with a whole input file (missing column, inconsistent content).
    #[error("{file}: {message}")]
    File { file: String, message: String },
    /// A `simsetting.yml` key that is unknown, badly typed or not supported.
    #[error("{file}: setting `{key}`: {message}")]
    Setting {
        file: String,
        key: String,
        message: String,
    },
    /// A request made through the programmatic API that cannot be honoured.
    #[error("{0}")]
    Api(String),
}

impl FleeError {
    pub(crate) fn row(file: &str, line: u64, message: impl Into<String>) -> Self {
        FleeError::Row {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }

    pub(crate) fn file(file: &str, message: impl Into<String>) -> Self {
        FleeError::File {
            file: file.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn setting(file: &str, key: &str, message: impl Into<String>) -> Self {
        FleeError::Setting {
            file: file.to_string(),
            key: key.to_string(),
            message: message.into(),
        }
    }
}

/// Result alias used throughout the crate.
pub type Result<T> = std::result::Result<T, FleeError>;
