//! Errors for malformed input: always the file, the line and the field, and what was expected.

/// A malformed input file.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{file}:{line}: field `{field}`: {message}")]
pub struct InputError {
    pub file: String,
    /// 1-based line number in the file.
    pub line: u64,
    pub field: String,
    pub message: String,
}

impl InputError {
    pub fn new(
        file: &str,
        line: u64,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        InputError {
            file: file.to_string(),
            line,
            field: field.into(),
            message: message.into(),
        }
    }
}
