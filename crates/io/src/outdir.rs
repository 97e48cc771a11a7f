//! An output folder owned by one command for the time it writes: locked against other
//! processes, refused when it holds files of another command (unless forced), cleared of the
//! command's own earlier outputs and of temporaries left by an interrupted write.

use crate::lock::{FolderLock, LOCK_FILE, LockError};
use crate::manifest::{MANIFEST_FILE, Manifest};
use std::io;
use std::path::{Path, PathBuf};

/// What can go wrong while taking an output folder.
#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(
        "{dir} holds files that `lifeline {command}` does not write ({names}); choose a new or empty folder with --out, or pass --force to write there anyway (those files are then left as they are)"
    )]
    Foreign {
        dir: PathBuf,
        command: String,
        names: String,
    },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

/// What a command writes into its folder.
#[derive(Clone, Copy, Debug)]
pub struct Outputs<'a> {
    /// The subcommand, as recorded in `manifest.json`.
    pub command: &'a str,
    /// Every file or folder the command may write (`manifest.json` and the lock are implied).
    pub names: &'a [&'a str],
}

/// A locked output folder; the lock is released when it is dropped.
#[derive(Debug)]
pub struct OutputFolder {
    dir: PathBuf,
    _lock: FolderLock,
}

impl OutputFolder {
    /// Creates `dir` if needed, locks it, checks that it holds only what `outputs.command`
    /// writes (anything else is refused unless `force`), and removes temporaries of those
    /// files left by an interrupted write.
    pub fn take(dir: &Path, outputs: Outputs, force: bool) -> Result<OutputFolder, FolderError> {
        std::fs::create_dir_all(dir).map_err(|source| FolderError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let lock = FolderLock::acquire(dir)?;
        let entries = entry_names(dir)?;
        let foreign = foreign_entries(dir, &entries, outputs);
        if !foreign.is_empty() && !force {
            return Err(FolderError::Foreign {
                dir: dir.to_path_buf(),
                command: outputs.command.to_string(),
                names: summarise(&foreign),
            });
        }
        let folder = OutputFolder {
            dir: dir.to_path_buf(),
            _lock: lock,
        };
        for name in entries
            .iter()
            .filter(|n| temporary_of(n).is_some_and(|of| is_own(of, outputs)))
        {
            folder.remove(name)?;
        }
        Ok(folder)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Removes the command's earlier outputs `names` (and the manifest, which described
    /// them), so that nothing stale survives next to the new set.
    pub fn clear(&self, names: &[&str]) -> Result<(), FolderError> {
        self.remove(MANIFEST_FILE)?;
        for name in names {
            self.remove(name)?;
        }
        Ok(())
    }

    fn remove(&self, name: &str) -> Result<(), FolderError> {
        let path = self.dir.join(name);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                Err(FolderError::Io { path, source: e })
            }
            _ => Ok(()),
        }
    }

    /// Writes `manifest.json` listing those of `names` that are in the folder.
    pub fn write_manifest(&self, manifest: Manifest, names: &[&str]) -> Result<(), FolderError> {
        manifest
            .write(&self.dir, names)
            .map(|_| ())
            .map_err(|source| FolderError::Io {
                path: self.dir.join(MANIFEST_FILE),
                source,
            })
    }
}

fn entry_names(dir: &Path) -> Result<Vec<String>, FolderError> {
    let io_error = |source| FolderError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_error)? {
        names.push(
            entry
                .map_err(io_error)?
                .file_name()
                .to_string_lossy()
                .into_owned(),
        );
    }
    names.sort();
    Ok(names)
}

fn is_own(name: &str, outputs: Outputs) -> bool {
    name == MANIFEST_FILE || name == LOCK_FILE || outputs.names.contains(&name)
}

/// Entries the command did not write: unknown names, and the command's own names when
/// `manifest.json` says another command wrote the folder. Hidden files other than Lifeline's
/// own (`.lifeline*`) are not counted (a desktop's `.DS_Store` is no reason to refuse).
fn foreign_entries(dir: &Path, entries: &[String], outputs: Outputs) -> Vec<String> {
    let mut foreign: Vec<String> = entries
        .iter()
        .filter(|n| !n.starts_with('.') || n.starts_with(".lifeline"))
        .filter(|n| !is_own(n, outputs) && temporary_of(n).is_none_or(|of| !is_own(of, outputs)))
        .cloned()
        .collect();
    if let Some(manifest) = Manifest::read(dir)
        && manifest.command != outputs.command
    {
        foreign.push(format!(
            "{MANIFEST_FILE} of `lifeline {}`",
            manifest.command
        ));
    }
    foreign
}

/// The file a temporary name stands for: `x.csv` for `x.csv.1234.tmp` (lifeline_io::atomic)
/// or `x.csv.tmp`.
fn temporary_of(name: &str) -> Option<&str> {
    let stem = name.strip_suffix(".tmp")?;
    match stem.rsplit_once('.') {
        Some((of, pid)) if !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) => Some(of),
        _ => Some(stem),
    }
}

fn summarise(names: &[String]) -> String {
    const SHOWN: usize = 6;
    let mut text = names
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUN: Outputs = Outputs {
        command: "run",
        names: &["places.csv", "summary.json", "report.html"],
    };

    fn temp_dir(tag: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("lifeline-outdir-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    #[test]
    fn temporary_names_map_to_their_file() {
        assert_eq!(temporary_of("places.csv.1234.tmp"), Some("places.csv"));
        assert_eq!(
            temporary_of("chunk-000001.bin.tmp"),
            Some("chunk-000001.bin")
        );
        assert_eq!(temporary_of("places.csv"), None);
    }

    #[test]
    fn own_files_are_kept_or_cleared_and_stale_temporaries_removed() {
        let dir = temp_dir("own");
        for name in [
            "places.csv",
            "report.html",
            "summary.json.99.tmp",
            ".DS_Store",
        ] {
            std::fs::write(dir.join(name), "old").expect("write");
        }
        let folder = OutputFolder::take(&dir, RUN, false).expect("own files are accepted");
        assert!(!dir.join("summary.json.99.tmp").exists());
        assert!(dir.join("places.csv").exists());
        folder.clear(RUN.names).expect("clear");
        assert!(!dir.join("report.html").exists());
        assert!(!dir.join("places.csv").exists());
        assert!(dir.join(".DS_Store").exists());
        drop(folder);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn files_of_another_command_are_refused_unless_forced() {
        let dir = temp_dir("foreign");
        std::fs::write(dir.join("quantiles.csv"), "old").expect("write");
        std::fs::write(dir.join("summary.json"), "old").expect("write");
        let err = OutputFolder::take(&dir, RUN, false).expect_err("refused");
        let message = err.to_string();
        assert!(message.contains("quantiles.csv"), "{message}");
        assert!(!message.contains("summary.json"), "{message}");
        assert!(message.contains("--force"), "{message}");
        let folder = OutputFolder::take(&dir, RUN, true).expect("forced");
        folder.clear(RUN.names).expect("clear");
        assert!(dir.join("quantiles.csv").exists(), "foreign files stay");
        drop(folder);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn a_manifest_of_another_command_is_refused() {
        let dir = temp_dir("manifest");
        let manifest = Manifest {
            command: "ensemble".into(),
            ..Manifest::default()
        };
        manifest.write(&dir, &[]).expect("manifest");
        let err = OutputFolder::take(&dir, RUN, false).expect_err("refused");
        assert!(err.to_string().contains("lifeline ensemble"), "{err}");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
