//! Errors of the network tools: each names the file and, where there is one, the line or
//! feature, what was expected and how to fix it.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a readable OpenStreetMap PBF file: {message} (is it a complete .osm.pbf extract?)", path.display())]
    Pbf { path: PathBuf, message: String },
    /// A whole file is unusable (not JSON, no features, wrong kind of data).
    #[error("{file}: {message}")]
    File { file: String, message: String },
    /// One GeoJSON feature is malformed; `feature` counts from 1 in file order.
    #[error("{file}: feature {feature}: field `{field}`: {message}")]
    Feature {
        file: String,
        feature: usize,
        field: String,
        message: String,
    },
    #[error(transparent)]
    Table(#[from] lifeline_io::InputError),
    #[error(transparent)]
    Flee(#[from] lifeline_flee::FleeError),
    /// The command's options do not fit the data (unknown place named, nothing to import).
    #[error("{0}")]
    Usage(String),
}

impl NetworkError {
    pub(crate) fn file(file: &str, message: impl Into<String>) -> NetworkError {
        NetworkError::File {
            file: file.to_string(),
            message: message.into(),
        }
    }
}
