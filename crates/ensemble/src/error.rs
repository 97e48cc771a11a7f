//! What can go wrong in an ensemble: files, the journal, the parameters.

use std::path::PathBuf;

/// An ensemble or comparison that could not be run, resumed or written.
#[derive(Debug, thiserror::Error)]
pub enum EnsembleError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: parquet: {source}")]
    Parquet {
        path: PathBuf,
        #[source]
        source: parquet::errors::ParquetError,
    },
    #[error(
        "{dir} holds an unfinished ensemble ({done} of {total} runs done): pass --resume to continue it, or choose another output folder"
    )]
    Unfinished { dir: PathBuf, done: u64, total: u64 },
    #[error(
        "cannot resume the ensemble in {dir}: it was started with {field} = {journal}, this one has {now}"
    )]
    Mismatch {
        dir: PathBuf,
        field: &'static str,
        journal: String,
        now: String,
    },
    #[error("corrupt ensemble journal file {path}: {message}")]
    Corrupt { path: PathBuf, message: String },
    #[error("invalid ensemble: {0}")]
    Invalid(String),
    #[error("cannot start a pool of {threads} threads: {message}")]
    ThreadPool { threads: usize, message: String },
    #[error("stopped after {done} of {total} runs; run again with --resume to finish")]
    Interrupted { done: u64, total: u64 },
    /// Runs spread over processes (MPI ranks) that did not agree.
    #[error(transparent)]
    Analysis(#[from] lifeline_analysis::AnalysisError),
}

pub type Result<T> = std::result::Result<T, EnsembleError>;

/// Attaches a path to an I/O error.
pub(crate) trait IoContext<T> {
    fn at(self, path: &std::path::Path) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn at(self, path: &std::path::Path) -> Result<T> {
        self.map_err(|source| EnsembleError::Io {
            path: path.to_path_buf(),
            source,
        })
    }
}

impl<T> IoContext<T> for std::result::Result<T, parquet::errors::ParquetError> {
    fn at(self, path: &std::path::Path) -> Result<T> {
        self.map_err(|source| EnsembleError::Parquet {
            path: path.to_path_buf(),
            source,
        })
    }
}
