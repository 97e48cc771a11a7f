//! `manifest.json`: what a command wrote into its output folder (file names and sizes) and
//! from what (command, scenario, response, seed, days, runs, event file, program version).
//! Written after every other file, so it describes a complete set.

use crate::atomic::write_bytes;
use serde::{Deserialize, Serialize};
use std::io;
use std::path::Path;

/// The manifest's file name.
pub const MANIFEST_FILE: &str = "manifest.json";

/// One file the command wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrittenFile {
    pub name: String,
    pub bytes: u64,
}

/// The contents of `manifest.json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// `lifeline`.
    pub program: String,
    /// The program's version.
    pub version: String,
    /// The subcommand that wrote the folder: `run`, `ensemble`, `compare`, `criticality`.
    pub command: String,
    /// The scenario as given: an embedded name or a .toml path.
    pub scenario: String,
    /// The response run (absent for `compare`, which lists `responses`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub responses: Vec<String>,
    pub seed: u64,
    pub days: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs: Option<u64>,
    /// The place a ranking or table is about (`criticality`, `compare`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// The conflict-event file given with `--events` (null: the scenario's own).
    pub events_file: Option<String>,
    /// Counterfactual: the threat was switched off (`--without-threat`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub without_threat: bool,
    /// Counterfactual: days every declaration and event was moved (`--shift-threat`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub threat_shift_days: i64,
    /// The posterior each run's parameters were drawn from (absent: the scenario's own values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posterior: Option<PosteriorRecord>,
    /// `--fixed-parameters` was given: the scenario names a posterior but its own values ran.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fixed_parameters: bool,
    /// `run`: the posterior's particle (its row, from 0) whose parameters the run used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub particle: Option<usize>,
    /// The files written, in name order.
    #[serde(default)]
    pub files: Vec<WrittenFile>,
}

/// A posterior as recorded in manifests: where it came from and a hash of its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PosteriorRecord {
    /// A path, or `embedded:NAME`.
    pub file: String,
    /// FNV-1a (64 bits, hex) of the file's bytes.
    pub hash: String,
    pub particles: usize,
}

impl Manifest {
    /// Reads `dir/manifest.json`; `None` when there is none or it is not a manifest.
    pub fn read(dir: &Path) -> Option<Manifest> {
        let text = std::fs::read_to_string(dir.join(MANIFEST_FILE)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Lists the files of `names` present in `dir` with their sizes, and writes the manifest.
    pub fn write(mut self, dir: &Path, names: &[&str]) -> io::Result<Manifest> {
        let mut files = Vec::new();
        for name in names {
            match std::fs::metadata(dir.join(name)) {
                Ok(meta) if meta.is_file() => files.push(WrittenFile {
                    name: (*name).to_string(),
                    bytes: meta.len(),
                }),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        self.files = files;
        let mut text = serde_json::to_vec_pretty(&self).map_err(io::Error::other)?;
        text.push(b'\n');
        write_bytes(&dir.join(MANIFEST_FILE), &text)?;
        Ok(self)
    }
}

fn is_zero(days: &i64) -> bool {
    *days == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_present_files_with_sizes_and_reads_back() {
        let dir = std::env::temp_dir().join(format!("lifeline-manifest-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("b.csv"), "12345").expect("write");
        std::fs::write(dir.join("a.csv"), "1").expect("write");
        let manifest = Manifest {
            program: "lifeline".into(),
            command: "run".into(),
            scenario: "mali-2025".into(),
            seed: 7,
            days: 10,
            events_file: Some("events.csv".into()),
            ..Manifest::default()
        };
        let written = manifest
            .write(&dir, &["b.csv", "a.csv", "absent.csv"])
            .expect("written");
        assert_eq!(
            written.files,
            vec![
                WrittenFile {
                    name: "a.csv".into(),
                    bytes: 1
                },
                WrittenFile {
                    name: "b.csv".into(),
                    bytes: 5
                }
            ]
        );
        assert_eq!(Manifest::read(&dir), Some(written));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
