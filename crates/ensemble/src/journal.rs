//! The journal of an ensemble in progress: a manifest of its parameters and one pair of chunk
//! files per finished block of runs, in `DIR/.lifeline-ensemble/`.
//!
//! A chunk file appears under its name only once complete (written under a temporary name, then
//! renamed), carries checksums of itself and of its parquet part, and is checked again when an
//! ensemble resumes; anything incomplete or damaged is recomputed. Chunk files are not synced to
//! disk (a process crash or Ctrl-C cannot tear them; a power cut can, and the checksums then
//! reject them). The final files are written with `lifeline_io::atomic` (synced).

use crate::error::{EnsembleError, IoContext, Result};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Name of the journal folder inside the output folder.
pub const JOURNAL_DIR: &str = ".lifeline-ensemble";
const MANIFEST: &str = "manifest.json";
const MAGIC: u64 = u64::from_le_bytes(*b"LLENSCK1");
const HEADER_WORDS: usize = 10;
pub const HEADER_BYTES: usize = HEADER_WORDS * 8;
/// Version of the journal (2: chunks carry the daily corridor cells after the depot cells; 3:
/// runs couple the scenario's displacement to supply, so a journal of 2 holds other runs).
pub const FORMAT: u32 = 3;

/// What an ensemble is: two ensembles with equal manifests produce identical files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub scenario: String,
    pub response: String,
    /// Hash of the complete model input (network, parameters, hazard): see [`crate::fingerprint`].
    pub fingerprint: String,
    pub seed: u64,
    pub runs: u64,
    pub days: u32,
    pub chunk_runs: u64,
    pub parquet: bool,
    /// The posterior each run's parameters are drawn from (absent: the scenario's own values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posterior: Option<lifeline_io::manifest::PosteriorRecord>,
    /// The identity of the displacement coupled to supply (absent: the scenario has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub displacement: Option<String>,
}

impl Manifest {
    /// The first field that differs from `other`, as (name, mine, theirs).
    pub fn difference(&self, now: &Manifest) -> Option<(&'static str, String, String)> {
        let posterior = |m: &Manifest| {
            m.posterior.as_ref().map_or_else(
                || "none (fixed parameters)".to_string(),
                |p| format!("{} ({})", p.file, p.hash),
            )
        };
        let displacement = |m: &Manifest| m.displacement.clone().unwrap_or_else(|| "none".into());
        let fields: [(&'static str, String, String); 11] = [
            ("format", self.format.to_string(), now.format.to_string()),
            ("scenario", self.scenario.clone(), now.scenario.clone()),
            ("response", self.response.clone(), now.response.clone()),
            ("seed", self.seed.to_string(), now.seed.to_string()),
            ("runs", self.runs.to_string(), now.runs.to_string()),
            ("days", self.days.to_string(), now.days.to_string()),
            (
                "the model input (scenario contents)",
                self.fingerprint.clone(),
                now.fingerprint.clone(),
            ),
            (
                "chunk_runs",
                self.chunk_runs.to_string(),
                now.chunk_runs.to_string(),
            ),
            ("parquet", self.parquet.to_string(), now.parquet.to_string()),
            ("posterior", posterior(self), posterior(now)),
            (
                "the displacement settings ([displacement])",
                displacement(self),
                displacement(now),
            ),
        ];
        fields.into_iter().find(|(_, a, b)| a != b)
    }

    /// A number identifying this manifest inside chunk headers.
    pub fn id(&self) -> u64 {
        let text = serde_json::to_string(self).expect("invariant: a manifest serialises");
        checksum(text.as_bytes())
    }
}

/// A fast 64-bit checksum of 8-byte words (detects torn or zeroed files, not tampering).
pub fn checksum(bytes: &[u8]) -> u64 {
    let mut h = 0x9E37_79B9_7F4A_7C15u64 ^ bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for w in words.by_ref() {
        let w = u64::from_le_bytes(w.try_into().expect("invariant: 8-byte chunk"));
        h = (h ^ w).wrapping_mul(0x0000_0100_0000_01B3).rotate_left(29);
    }
    let mut last = [0u8; 8];
    let rest = words.remainder();
    last[..rest.len()].copy_from_slice(rest);
    h = (h ^ u64::from_le_bytes(last)).wrapping_mul(0x0000_0100_0000_01B3);
    h ^ (h >> 31)
}

/// Where the journal of `dir` lives and how its files are named.
pub struct Journal {
    pub dir: PathBuf,
}

impl Journal {
    pub fn new(out: &Path) -> Journal {
        Journal {
            dir: out.join(JOURNAL_DIR),
        }
    }

    pub fn manifest_path(&self) -> PathBuf {
        self.dir.join(MANIFEST)
    }

    pub fn chunk_path(&self, chunk: u64) -> PathBuf {
        self.dir.join(format!("chunk-{chunk:06}.bin"))
    }

    pub fn parquet_path(&self, chunk: u64) -> PathBuf {
        self.dir.join(format!("chunk-{chunk:06}.parquet"))
    }

    pub fn read_manifest(&self) -> Result<Option<Manifest>> {
        let path = self.manifest_path();
        match fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| EnsembleError::Corrupt {
                    path,
                    message: e.to_string(),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).at(&path),
        }
    }

    /// Starts an empty journal for `manifest` (removing any previous one).
    pub fn start(&self, manifest: &Manifest) -> Result<()> {
        self.remove()?;
        fs::create_dir_all(&self.dir).at(&self.dir)?;
        let text = serde_json::to_vec_pretty(manifest).expect("invariant: a manifest serialises");
        lifeline_io::atomic::write_bytes(&self.manifest_path(), &text).at(&self.manifest_path())
    }

    /// Removes the journal folder and everything in it.
    pub fn remove(&self) -> Result<()> {
        match fs::remove_dir_all(&self.dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e).at(&self.dir),
            _ => Ok(()),
        }
    }

    /// Removes temporary files left by an interrupted write.
    pub fn remove_temporaries(&self) -> Result<()> {
        for entry in fs::read_dir(&self.dir).at(&self.dir)? {
            let path = entry.at(&self.dir)?.path();
            if path.extension().is_some_and(|e| e == "tmp") {
                fs::remove_file(&path).at(&path)?;
            }
        }
        Ok(())
    }
}

/// Writes `bytes` to `path` under a temporary name, then renames it (not synced: see the module).
pub fn write_renamed(path: &Path, parts: &[&[u8]]) -> Result<()> {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".tmp");
    let tmp = path.with_file_name(name);
    let result = (|| -> std::io::Result<()> {
        let mut f = fs::File::create(&tmp)?;
        for p in parts {
            f.write_all(p)?;
        }
        Ok(())
    })();
    match result {
        Ok(()) => fs::rename(&tmp, path).at(path),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e).at(path)
        }
    }
}

/// What a chunk holds; equal for every chunk file of a journal except the run range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkShape {
    pub manifest_id: u64,
    pub chunk: u64,
    pub first_run: u64,
    pub runs: u64,
    pub figures: u64,
    pub cells: u64,
}

impl ChunkShape {
    /// The first header words of a chunk file: what the chunk must be to be reused. The last
    /// three words are the parquet length and the two checksums.
    fn identity(&self) -> [u64; HEADER_WORDS - 3] {
        [
            MAGIC,
            self.manifest_id,
            self.chunk,
            self.first_run,
            self.runs,
            self.figures,
            self.cells,
        ]
    }

    pub fn payload_bytes(&self) -> usize {
        (self.runs * (self.figures * 8 + self.cells * 4)) as usize
    }

    fn figures_offset(&self) -> u64 {
        HEADER_BYTES as u64
    }

    fn cells_offset(&self) -> u64 {
        HEADER_BYTES as u64 + self.runs * self.figures * 8
    }
}

/// Encodes a chunk: header, figures `[figure][run]` as f64, cells `[cell][run]` as f32.
pub fn encode_chunk(shape: &ChunkShape, figures: &[f64], cells: &[f32], parquet: &[u8]) -> Vec<u8> {
    // Written in place, value by value into their slots (a loop the compiler turns into block
    // copies), the payload once: pushing 4 bytes at a time cost more than the runs' digest.
    let mut out = vec![0u8; HEADER_BYTES + figures.len() * 8 + cells.len() * 4];
    let (header, payload) = out.split_at_mut(HEADER_BYTES);
    let (figure_bytes, cell_bytes) = payload.split_at_mut(figures.len() * 8);
    for (slot, v) in figure_bytes.chunks_exact_mut(8).zip(figures) {
        slot.copy_from_slice(&v.to_le_bytes());
    }
    for (slot, v) in cell_bytes.chunks_exact_mut(4).zip(cells) {
        slot.copy_from_slice(&v.to_le_bytes());
    }
    let lengths = [parquet.len() as u64, checksum(parquet), checksum(payload)];
    for (slot, w) in header
        .chunks_exact_mut(8)
        .zip(shape.identity().into_iter().chain(lengths))
    {
        slot.copy_from_slice(&w.to_le_bytes());
    }
    out
}

/// Checks a finished chunk (and its parquet part when `parquet`) against the expected shape.
/// Returns a reason when it is unusable.
pub fn verify_chunk(
    journal: &Journal,
    shape: &ChunkShape,
    parquet: bool,
) -> Result<Option<String>> {
    let path = journal.chunk_path(shape.chunk);
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Some("missing".into())),
        Err(e) => return Err(e).at(&path),
    };
    if bytes.len() != HEADER_BYTES + shape.payload_bytes() {
        return Ok(Some(format!(
            "{} bytes, expected {}",
            bytes.len(),
            HEADER_BYTES + shape.payload_bytes()
        )));
    }
    let word = |i: usize| {
        u64::from_le_bytes(
            bytes[i * 8..i * 8 + 8]
                .try_into()
                .expect("invariant: 8 bytes"),
        )
    };
    let expected = shape.identity();
    if let Some(i) = (0..expected.len()).find(|&i| word(i) != expected[i]) {
        return Ok(Some(format!("header word {i} differs")));
    }
    if checksum(&bytes[HEADER_BYTES..]) != word(9) {
        return Ok(Some("checksum mismatch".into()));
    }
    if parquet {
        let ppath = journal.parquet_path(shape.chunk);
        let pbytes = match fs::read(&ppath) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Some("parquet part missing".into()));
            }
            Err(e) => return Err(e).at(&ppath),
        };
        if pbytes.len() as u64 != word(7) || checksum(&pbytes) != word(8) {
            return Ok(Some("parquet part damaged".into()));
        }
    }
    Ok(None)
}

/// A value stored little-endian in chunk files.
pub trait Stored: Copy + Send {
    const BYTES: usize;
    fn from_le(bytes: &[u8]) -> Self;
}

impl Stored for f32 {
    const BYTES: usize = 4;
    fn from_le(b: &[u8]) -> Self {
        f32::from_le_bytes(b.try_into().expect("invariant: 4 bytes"))
    }
}

impl Stored for f64 {
    const BYTES: usize = 8;
    fn from_le(b: &[u8]) -> Self {
        f64::from_le_bytes(b.try_into().expect("invariant: 8 bytes"))
    }
}

/// Which block of a chunk file to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block {
    Figures,
    Cells,
}

/// Reads columns `cols` (figures or cells) of a chunk into `out[(col - cols.start) · stride +
/// offset + run]`, reusing `scratch`.
#[allow(clippy::too_many_arguments)]
pub fn read_columns<T: Stored>(
    path: &Path,
    shape: &ChunkShape,
    block: Block,
    cols: std::ops::Range<usize>,
    out: &mut [T],
    stride: usize,
    offset: usize,
    scratch: &mut Vec<u8>,
) -> Result<()> {
    let n = shape.runs as usize;
    let base = match block {
        Block::Figures => shape.figures_offset(),
        Block::Cells => shape.cells_offset(),
    };
    let start = base + (cols.start * n * T::BYTES) as u64;
    let len = cols.len() * n * T::BYTES;
    scratch.resize(len, 0);
    let mut f = fs::File::open(path).at(path)?;
    f.seek(SeekFrom::Start(start)).at(path)?;
    f.read_exact(scratch).at(path)?;
    for c in 0..cols.len() {
        let src = &scratch[c * n * T::BYTES..(c + 1) * n * T::BYTES];
        let dst = &mut out[c * stride + offset..c * stride + offset + n];
        for (d, s) in dst.iter_mut().zip(src.chunks_exact(T::BYTES)) {
            *d = T::from_le(s);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The layout of a chunk file, value after value, as the format describes it.
    fn encoded_by_pushing(
        shape: &ChunkShape,
        figures: &[f64],
        cells: &[f32],
        parquet: &[u8],
    ) -> Vec<u8> {
        let mut payload = Vec::new();
        for v in figures {
            payload.extend_from_slice(&v.to_le_bytes());
        }
        for v in cells {
            payload.extend_from_slice(&v.to_le_bytes());
        }
        let mut out = Vec::new();
        let lengths = [parquet.len() as u64, checksum(parquet), checksum(&payload)];
        for w in shape.identity().into_iter().chain(lengths) {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out.extend_from_slice(&payload);
        out
    }

    #[test]
    fn a_chunk_encodes_to_its_described_layout() {
        let shape = ChunkShape {
            manifest_id: 0xDEAD_BEEF,
            chunk: 3,
            first_run: 48,
            runs: 7,
            figures: 5,
            cells: 13,
        };
        let figures: Vec<f64> = (0..35).map(|i| f64::from(i) * 1.5 - 7.0).collect();
        let mut cells: Vec<f32> = (0..91).map(|i| i as f32 / 3.0).collect();
        cells[4] = f32::NAN;
        cells[5] = -0.0;
        for parquet in [&b""[..], &b"PAR1 and some bytes"[..]] {
            let bytes = encode_chunk(&shape, &figures, &cells, parquet);
            assert_eq!(bytes.len(), HEADER_BYTES + shape.payload_bytes());
            assert_eq!(bytes, encoded_by_pushing(&shape, &figures, &cells, parquet));
        }
    }
}
