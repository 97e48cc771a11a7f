//! An exclusive lock on an output folder, so that two processes never write the same folder at
//! once (one's labels on the other's runs). The lock is an OS file lock (`File::try_lock`) on
//! `DIR/.lifeline.lock`: the OS releases it when its holder exits, however it exits, so a lock
//! left by a killed process is never mistaken for a live one. The file holds the holder's pid
//! for the message the second process prints, and is removed when the lock is released.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The lock file's name inside the locked folder.
pub const LOCK_FILE: &str = ".lifeline.lock";

/// Why a folder could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "{dir} is being written by another lifeline process{holder}; wait for it to finish, or choose another folder with --out"
    )]
    Busy { dir: PathBuf, holder: String },
    #[error("cannot lock {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

/// Holds the lock on a folder until dropped.
#[derive(Debug)]
pub struct FolderLock {
    file: File,
    path: PathBuf,
}

impl FolderLock {
    /// Locks the existing folder `dir`, or fails at once with [`LockError::Busy`] when another
    /// process holds it.
    pub fn acquire(dir: &Path) -> Result<FolderLock, LockError> {
        let path = dir.join(LOCK_FILE);
        let io_error = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        loop {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io_error)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    return Err(LockError::Busy {
                        dir: dir.to_path_buf(),
                        holder: holder_of(&mut file),
                    });
                }
                Err(TryLockError::Error(e)) => return Err(io_error(e)),
            }
            // The previous holder removes the file as it lets go: if it did so after we opened
            // it, we hold a lock on a file nobody else can see. Start again on the new one.
            if is_still_at(&file, &path) {
                write_pid(&mut file).map_err(io_error)?;
                return Ok(FolderLock { file, path });
            }
        }
    }
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        // Removed while still locked, so nobody can lock the file about to disappear; the lock
        // itself goes with the handle.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// " (pid N)" from the lock file, or nothing when the holder has not written it yet.
fn holder_of(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.read_to_string(&mut text);
    match text.trim().parse::<u32>() {
        Ok(pid) => format!(" (pid {pid})"),
        Err(_) => String::new(),
    }
}

fn write_pid(file: &mut File) -> io::Result<()> {
    file.set_len(0)?;
    file.rewind()?;
    writeln!(file, "{}", std::process::id())?;
    file.flush()
}

#[cfg(unix)]
fn is_still_at(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn is_still_at(_file: &File, path: &Path) -> bool {
    // Elsewhere an open file cannot be removed, so the file we hold is the one at `path`.
    path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lifeline-lock-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    #[test]
    fn a_second_lock_is_refused_until_the_first_is_dropped() {
        let dir = temp_dir("twice");
        let first = FolderLock::acquire(&dir).expect("first lock");
        let err = FolderLock::acquire(&dir).expect_err("second lock must fail");
        let message = err.to_string();
        assert!(message.contains("another lifeline process"), "{message}");
        assert!(
            message.contains(&format!("pid {}", std::process::id())),
            "{message}"
        );
        drop(first);
        assert!(!dir.join(LOCK_FILE).exists(), "the lock file is removed");
        let again = FolderLock::acquire(&dir).expect("free again");
        drop(again);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn a_lock_file_left_by_a_dead_process_does_not_block() {
        let dir = temp_dir("stale");
        // A crashed holder leaves its file but not its lock.
        std::fs::write(dir.join(LOCK_FILE), "999999999\n").expect("stale file");
        let lock = FolderLock::acquire(&dir).expect("a stale lock file is taken over");
        let pid = std::fs::read_to_string(dir.join(LOCK_FILE)).expect("pid");
        assert_eq!(pid.trim(), std::process::id().to_string());
        drop(lock);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
