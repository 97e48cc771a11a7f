//! `lifeline ensemble`: N seeded runs in chunks, in parallel, into a journal; then the final
//! files assembled from the journal in run order.

use crate::daily::{
    Cell, CellLayout, DailyTable, RunsAbout, fill_cells, final_writer_properties, parquet_schema,
};
use crate::error::{EnsembleError, IoContext, Result};
use crate::figures::{Figure, FigureSchema, depot_labels, format_value};
use crate::journal::{
    Block, ChunkShape, Journal, Manifest, encode_chunk, read_columns, verify_chunk, write_renamed,
};
use crate::quantile::{PROBS, spread, spread_with};
use chrono::NaiveDate;
use lifeline_analysis::posterior::PosteriorDraws;
use lifeline_io::atomic::{write_atomically, write_bytes};
use lifeline_io::hxl::write_header;
use lifeline_model::params::ModelInput;
use lifeline_scenario::displacement::{DisplacementPlan, run_coupled};
use parquet::column::writer::ColumnCloseResult;
use parquet::file::metadata::ParquetMetaDataReader;
use parquet::file::writer::SerializedFileWriter;
use rayon::prelude::*;
use serde_json::{Map, Value, json};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Header of `quantiles.csv`.
pub const QUANTILES_HEADER: &str = "day,date,place,metric,p05,p25,p50,p75,p95,mean,runs";

/// Header of `corridor_quantiles.csv`.
pub const CORRIDOR_QUANTILES_HEADER: &str =
    "day,date,corridor,metric,p05,p25,p50,p75,p95,mean,runs";

/// The final files, in the order they are written (`summary.json` last: its presence means the
/// set is complete).
pub const OUTPUTS: [&str; 5] = [
    "quantiles.csv",
    "corridor_quantiles.csv",
    "runs.csv",
    "runs.parquet",
    "summary.json",
];

/// What to run.
pub struct EnsembleSpec<'a> {
    pub input: &'a ModelInput,
    pub scenario: &'a str,
    pub response: &'a str,
    pub seed: u64,
    pub start_date: NaiveDate,
    pub runs: u64,
    /// Write `runs.parquet` (the daily place table of every run).
    pub parquet: bool,
    /// Add a row of HXL hashtags under the header of `runs.csv` and `quantiles.csv`.
    pub hxl: bool,
    /// Draw each run's parameters from this posterior (`None`: the input's own values).
    pub posterior: Option<&'a PosteriorDraws>,
    /// The scenario's displacement, coupled to supply in every run as in `lifeline run`
    /// (`None`: the scenario has none).
    pub displacement: Option<&'a DisplacementPlan>,
}

/// How to run it.
pub struct EnsembleOptions<'p> {
    /// Threads of the pool (all cores when `None`).
    pub threads: Option<usize>,
    /// Continue the ensemble journalled in the output folder.
    pub resume: bool,
    /// Memory for the quantile pass, in bytes (at least one cell's N values are always held).
    pub memory_budget: usize,
    /// Stop (as if interrupted) once this many chunks have been started: for tests.
    pub stop_after_chunks: Option<u64>,
    /// Called with the number of runs just finished (and once with those resumed).
    pub progress: Option<&'p (dyn Fn(u64) + Sync)>,
    /// This process is one of several sharing the output folder (MPI ranks).
    pub distributed: Option<Distributed<'p>>,
}

/// One of several processes running one ensemble into one folder (on a shared file system):
/// rank 0 alone prepares (or checks, on `--resume`) the journal and writes the final files;
/// every rank runs the chunks `k` with `k % ranks == rank`. Chunk files carry everything, so the
/// final files are the same bytes for any number of ranks.
#[derive(Clone, Copy)]
pub struct Distributed<'p> {
    pub rank: u64,
    pub ranks: u64,
    /// Returns once every rank has called it (an MPI barrier); only ever called from the
    /// thread that called [`run_ensemble`].
    pub barrier: &'p dyn Fn(),
}

impl Distributed<'_> {
    fn leads(&self) -> bool {
        self.rank == 0
    }
}

impl Default for EnsembleOptions<'_> {
    fn default() -> Self {
        EnsembleOptions {
            threads: None,
            resume: false,
            memory_budget: 64 << 20,
            stop_after_chunks: None,
            progress: None,
            distributed: None,
        }
    }
}

/// What happened, with timings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EnsembleReport {
    pub runs: u64,
    /// Runs found finished in the journal.
    pub resumed_runs: u64,
    /// Chunks (blocks of runs) in the ensemble.
    pub chunks: u64,
    /// The ensemble was already complete in the folder: nothing was done.
    pub already_complete: bool,
    /// Thread-seconds in the model (`lifeline_model::run`).
    pub model_seconds: f64,
    /// Thread-seconds turning records into figures, cells and parquet columns.
    pub digest_seconds: f64,
    /// Thread-seconds encoding and writing chunk files.
    pub chunk_write_seconds: f64,
    /// Seconds assembling the final files.
    pub finalize_seconds: f64,
    pub wall_seconds: f64,
}

/// Runs per chunk: a function of the ensemble's size only (never of the threads), at most
/// about 131,072 daily rows per chunk, and at least 64 chunks when there are enough runs.
pub fn chunk_runs(runs: u64, days: u32, depots: usize) -> u64 {
    let rows_per_run = (u64::from(days) * depots as u64).max(1);
    let cap = (131_072 / rows_per_run).max(1);
    runs.div_ceil(64).clamp(1, cap)
}

#[derive(Default, Clone, Copy)]
struct Timing {
    model: f64,
    digest: f64,
    write: f64,
}

struct Layout<'a> {
    spec: &'a EnsembleSpec<'a>,
    schema: FigureSchema,
    chunk_runs: u64,
    chunks: u64,
    cells: CellLayout,
    manifest: Manifest,
    manifest_id: u64,
}

impl Layout<'_> {
    fn shape(&self, chunk: u64) -> ChunkShape {
        let first = chunk * self.chunk_runs;
        ChunkShape {
            manifest_id: self.manifest_id,
            chunk,
            first_run: first,
            runs: self.chunk_runs.min(self.spec.runs - first),
            figures: self.schema.len() as u64,
            cells: self.cells.len() as u64,
        }
    }
}

/// Runs (or resumes) an ensemble and writes its files into `dir`.
pub fn run_ensemble(
    dir: &Path,
    spec: &EnsembleSpec,
    options: &EnsembleOptions,
) -> Result<EnsembleReport> {
    let started = Instant::now();
    if spec.runs == 0 || spec.runs > i32::MAX as u64 {
        return Err(EnsembleError::Invalid(format!(
            "--runs must be between 1 and {}, not {}",
            i32::MAX,
            spec.runs
        )));
    }
    let input = spec.input;
    let depots = input.depots.len();
    let chunk_runs = chunk_runs(spec.runs, input.days, depots);
    let manifest = Manifest {
        format: crate::journal::FORMAT,
        scenario: spec.scenario.to_string(),
        response: spec.response.to_string(),
        fingerprint: crate::fingerprint(input),
        seed: spec.seed,
        runs: spec.runs,
        days: input.days,
        chunk_runs,
        parquet: spec.parquet,
        posterior: spec.posterior.map(crate::posterior_record),
        displacement: spec.displacement.map(|d| d.identity.clone()),
    };
    let layout = Layout {
        spec,
        schema: FigureSchema::new(input),
        chunk_runs,
        chunks: spec.runs.div_ceil(chunk_runs),
        cells: CellLayout::new(input),
        manifest_id: manifest.id(),
        manifest,
    };
    let mut report = EnsembleReport {
        runs: spec.runs,
        chunks: layout.chunks,
        ..EnsembleReport::default()
    };
    let journal = Journal::new(dir);
    let leads = options.distributed.is_none_or(|d| d.leads());
    let mut done = vec![false; layout.chunks as usize];
    if leads {
        // Rank 0 (or a single process) decides; on error it returns before the barrier and
        // the caller aborts every rank.
        if prepare(dir, &journal, &layout, options, &mut done, &mut report)? {
            report.wall_seconds = started.elapsed().as_secs_f64();
            if let Some(d) = options.distributed {
                (d.barrier)();
            }
            return Ok(report);
        }
    }
    if let Some(d) = options.distributed {
        (d.barrier)();
        if !d.leads() {
            // The journal as rank 0 left it: none means the ensemble was already complete.
            if journal.read_manifest()?.is_none() {
                report.already_complete = true;
                report.resumed_runs = spec.runs;
                return Ok(report);
            }
            // Rank 0 removed damaged chunks before the barrier; a rank checks only its own.
            for k in (0..layout.chunks).filter(|k| k % d.ranks == d.rank) {
                done[k as usize] =
                    verify_chunk(&journal, &layout.shape(k), spec.parquet)?.is_none();
            }
        }
    }
    if let Some(p) = options.progress
        && report.resumed_runs > 0
    {
        p(report.resumed_runs);
    }

    let pool = crate::pool(options.threads)?;
    let mine = |k: &u64| options.distributed.is_none_or(|d| k % d.ranks == d.rank);
    let pending: Vec<u64> = (0..layout.chunks)
        .filter(|k| !done[*k as usize] && mine(k))
        .collect();
    let begun = AtomicU64::new(0);
    let limit = options.stop_after_chunks.unwrap_or(u64::MAX);
    let progress = options.progress;
    let timings: Vec<Option<Timing>> = pool.install(|| {
        pending
            .par_iter()
            .map(|&k| {
                if begun.fetch_add(1, Ordering::SeqCst) >= limit {
                    return Ok(None);
                }
                run_chunk(&layout, &journal, k, progress).map(Some)
            })
            .collect::<Result<Vec<_>>>()
    })?;
    for t in timings.iter().flatten() {
        report.model_seconds += t.model;
        report.digest_seconds += t.digest;
        report.chunk_write_seconds += t.write;
    }
    let finished_now = timings.iter().filter(|t| t.is_some()).count();
    if finished_now < pending.len() {
        let done_runs: u64 = (0..layout.chunks)
            .filter(|k| {
                done[*k as usize]
                    || pending
                        .iter()
                        .zip(&timings)
                        .any(|(p, t)| p == k && t.is_some())
            })
            .map(|k| layout.shape(k).runs)
            .sum();
        return Err(EnsembleError::Interrupted {
            done: done_runs,
            total: spec.runs,
        });
    }
    if let Some(d) = options.distributed {
        // Every rank's chunks are on disk before rank 0 reads them.
        (d.barrier)();
        if !d.leads() {
            report.wall_seconds = started.elapsed().as_secs_f64();
            return Ok(report);
        }
    }

    let t = Instant::now();
    let budget = options.memory_budget;
    pool.install(|| finalize(dir, &layout, &journal, budget))?;
    journal.remove()?;
    report.finalize_seconds = t.elapsed().as_secs_f64();
    report.wall_seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Resumes, refuses, or starts the journal afresh; marks the chunks already done. `true` when
/// the ensemble was already complete in `dir` (nothing to do).
fn prepare(
    dir: &Path,
    journal: &Journal,
    layout: &Layout,
    options: &EnsembleOptions,
    done: &mut [bool],
    report: &mut EnsembleReport,
) -> Result<bool> {
    let spec = layout.spec;
    std::fs::create_dir_all(dir).at(dir)?;
    let existing = journal.read_manifest()?;

    // Decide: resume, refuse, or start afresh.
    match existing {
        Some(old) if options.resume => {
            if let Some((field, was, now)) = old.difference(&layout.manifest) {
                return Err(EnsembleError::Mismatch {
                    dir: dir.to_path_buf(),
                    field,
                    journal: was,
                    now,
                });
            }
            journal.remove_temporaries()?;
            for k in 0..layout.chunks {
                let shape = layout.shape(k);
                match verify_chunk(journal, &shape, spec.parquet)? {
                    None => {
                        done[k as usize] = true;
                        report.resumed_runs += shape.runs;
                    }
                    Some(_) => {
                        // Incomplete or damaged: recompute it.
                        let _ = std::fs::remove_file(journal.chunk_path(k));
                        let _ = std::fs::remove_file(journal.parquet_path(k));
                    }
                }
            }
        }
        Some(old) => {
            let finished = chunk_files(journal)?;
            if finished > 0 {
                return Err(EnsembleError::Unfinished {
                    dir: dir.to_path_buf(),
                    done: (finished * old.chunk_runs).min(old.runs),
                    total: old.runs,
                });
            }
            start_afresh(dir, journal, &layout.manifest)?;
        }
        None => {
            if options.resume && complete_in(dir, &layout.manifest)? {
                report.already_complete = true;
                report.resumed_runs = spec.runs;
                // The journal is gone: other ranks read that as "complete".
                return Ok(true);
            }
            start_afresh(dir, journal, &layout.manifest)?;
        }
    }
    Ok(false)
}

fn chunk_files(journal: &Journal) -> Result<u64> {
    let mut n = 0;
    for entry in std::fs::read_dir(&journal.dir).at(&journal.dir)? {
        let name = entry.at(&journal.dir)?.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("chunk-") && name.ends_with(".bin") {
            n += 1;
        }
    }
    Ok(n)
}

fn start_afresh(dir: &Path, journal: &Journal, manifest: &Manifest) -> Result<()> {
    // The completeness marker goes first, so a half-replaced set never looks complete.
    for name in OUTPUTS.iter().rev() {
        let path = dir.join(name);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e).at(&path),
            _ => {}
        }
    }
    journal.start(manifest)
}

/// Whether `dir` holds the complete outputs of the ensemble `manifest` describes.
fn complete_in(dir: &Path, manifest: &Manifest) -> Result<bool> {
    let path = dir.join("summary.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(false);
    };
    let value: Value = serde_json::from_str(&text).map_err(|e| EnsembleError::Corrupt {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let Some(old) = value
        .get("manifest")
        .and_then(|m| serde_json::from_value::<Manifest>(m.clone()).ok())
    else {
        return Ok(false);
    };
    if let Some((field, was, now)) = old.difference(manifest) {
        return Err(EnsembleError::Mismatch {
            dir: dir.to_path_buf(),
            field,
            journal: was,
            now,
        });
    }
    Ok(OUTPUTS
        .iter()
        .filter(|n| manifest.parquet || **n != "runs.parquet")
        .all(|n| dir.join(n).exists()))
}

fn run_chunk(
    layout: &Layout,
    journal: &Journal,
    chunk: u64,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<Timing> {
    let spec = layout.spec;
    let input = spec.input;
    let shape = layout.shape(chunk);
    let n = shape.runs as usize;
    let nf = layout.schema.len();
    let mut timing = Timing::default();
    let mut figures = vec![0.0f64; nf * n];
    let ncells = layout.cells.len();
    let mut cells = vec![0.0f32; ncells * n];
    // A few runs' cells in run order, moved into the column-major block together (see
    // `transpose_into`).
    let mut recent = vec![0.0f32; ncells * RUN_BLOCK.min(n)];
    let mut row = Vec::with_capacity(nf);
    let rows = n * input.days as usize * input.depots.len();
    let mut table = spec
        .parquet
        .then(|| DailyTable::new(input, spec.start_date, rows));
    for i in 0..n {
        let run = shape.first_run + i as u64;
        let t0 = Instant::now();
        let drawn = spec
            .posterior
            .map(|p| p.input_for_run(input, spec.seed, run).0);
        let record = run_coupled(
            drawn.as_ref().unwrap_or(input),
            spec.displacement,
            spec.seed,
            run,
            crate::RECORD,
        )
        .supply;
        let t1 = Instant::now();
        row.clear();
        layout.schema.compute(input, &record, &mut row);
        for (f, v) in row.iter().enumerate() {
            figures[f * n + i] = *v;
        }
        let b = i % RUN_BLOCK;
        fill_cells(&record, &mut recent[b * ncells..(b + 1) * ncells], 1, 0);
        if b + 1 == RUN_BLOCK || i + 1 == n {
            transpose_into(&recent[..(b + 1) * ncells], ncells, &mut cells, n, i - b);
        }
        if let Some(t) = table.as_mut() {
            t.push_run(run, &record);
        }
        drop(record);
        let t2 = Instant::now();
        timing.model += (t1 - t0).as_secs_f64();
        timing.digest += (t2 - t1).as_secs_f64();
        if let Some(p) = progress {
            p(1);
        }
    }
    let t = Instant::now();
    let mut parquet = Vec::new();
    if let Some(table) = table {
        let path = journal.parquet_path(chunk);
        table.write(&mut parquet, &path)?;
        write_renamed(&path, &[&parquet])?;
    }
    let bytes = encode_chunk(&shape, &figures, &cells, &parquet);
    write_renamed(&journal.chunk_path(chunk), &[&bytes])?;
    timing.write = t.elapsed().as_secs_f64();
    Ok(timing)
}

/// Runs whose cells are moved into a chunk's block together: the block is column-major
/// (`[cell][run]`), so one run alone writes one value per cache line; 16 runs fill a line.
const RUN_BLOCK: usize = 16;

/// Moves the cells of consecutive runs (`rows`: `[run][cell]`, runs from `first`) into the
/// column-major `block[cell · stride + run]`.
fn transpose_into(rows: &[f32], ncells: usize, block: &mut [f32], stride: usize, first: usize) {
    let count = rows.len() / ncells.max(1);
    for c in 0..ncells {
        let dst = &mut block[c * stride + first..c * stride + first + count];
        for (b, d) in dst.iter_mut().enumerate() {
            *d = rows[b * ncells + c];
        }
    }
}

/// Reads columns `cols` of every chunk into `buf[(col − cols.start) · N + run]`. The columns are
/// split among the pool's threads, each reading its share from every chunk file (the final pass
/// would otherwise wait on one thread's reads).
fn gather<T: crate::journal::Stored + Default + Send>(
    layout: &Layout,
    journal: &Journal,
    block: Block,
    cols: std::ops::Range<usize>,
    buf: &mut Vec<T>,
) -> Result<()> {
    let n = layout.spec.runs as usize;
    buf.clear();
    buf.resize(cols.len() * n, T::default());
    let per_task = cols.len().div_ceil(rayon::current_num_threads()).max(1);
    buf.par_chunks_mut(per_task * n)
        .enumerate()
        .try_for_each(|(t, part)| {
            let first = cols.start + t * per_task;
            let mine = first..first + part.len() / n;
            let mut scratch = Vec::new();
            for k in 0..layout.chunks {
                let shape = layout.shape(k);
                read_columns(
                    &journal.chunk_path(k),
                    &shape,
                    block,
                    mine.clone(),
                    part,
                    n,
                    shape.first_run as usize,
                    &mut scratch,
                )?;
            }
            Ok(())
        })
}

fn finalize(dir: &Path, layout: &Layout, journal: &Journal, budget: usize) -> Result<()> {
    let spec = layout.spec;
    let input = spec.input;
    let _ = std::fs::remove_file(dir.join("summary.json"));
    let labels = depot_labels(input);
    let date = |day: u32| date_of(spec.start_date, day);
    write_quantile_files(dir, layout, journal, budget, &labels)?;
    write_runs_csv(dir, layout, journal)?;
    let fig_spreads = figure_spreads(layout, journal, budget)?;
    if spec.parquet {
        let path = dir.join("runs.parquet");
        write_atomically(&path, |w| {
            concat_parquet(layout, journal, w).map_err(std::io::Error::other)
        })
        .at(&path)?;
    }

    let summary = summary_json(layout, &labels, &fig_spreads, date);
    let bytes = serde_json::to_vec_pretty(&summary).expect("invariant: JSON values serialise");
    let path = dir.join("summary.json");
    write_bytes(&path, &bytes).at(&path)
}

/// quantiles.csv (depot cells), then corridor_quantiles.csv (corridor cells).
fn write_quantile_files(
    dir: &Path,
    layout: &Layout,
    journal: &Journal,
    budget: usize,
    labels: &[String],
) -> Result<()> {
    let spec = layout.spec;
    let input = spec.input;
    let corridor_labels: Vec<&str> = input.corridors.iter().map(|c| c.name.as_str()).collect();
    let depot_cells = layout.cells.depot_cells();
    let quantile_files = [
        ("quantiles.csv", QUANTILES_HEADER, 0..depot_cells),
        (
            "corridor_quantiles.csv",
            CORRIDOR_QUANTILES_HEADER,
            depot_cells..layout.cells.len(),
        ),
    ];
    for (name, header, cells) in quantile_files {
        let path = dir.join(name);
        write_atomically(&path, |w| {
            write_header(w, header, spec.hxl)?;
            write_quantile_rows(w, layout, journal, budget, cells, |cell| {
                match layout.cells.cell(cell) {
                    Cell::Depot { day, depot, metric } => {
                        metric.applies(&input.depots[depot]).then(|| {
                            (
                                day,
                                labels[depot].as_str(),
                                metric.name(),
                                metric.decimals(),
                            )
                        })
                    }
                    Cell::Corridor {
                        day,
                        corridor,
                        metric,
                    } => Some((
                        day,
                        corridor_labels[corridor],
                        metric.name(),
                        metric.decimals(),
                    )),
                }
            })
        })
        .at(&path)?;
    }
    Ok(())
}

/// runs.csv: a row per run, chunk by chunk, in run order.
fn write_runs_csv(dir: &Path, layout: &Layout, journal: &Journal) -> Result<()> {
    let spec = layout.spec;
    let path = dir.join("runs.csv");
    let nf = layout.schema.len();
    write_atomically(&path, |w| {
        let header: Vec<String> = layout
            .schema
            .columns
            .iter()
            .map(|c| lifeline_io::text::csv_field(&c.column_name()).into_owned())
            .collect();
        // With a posterior, each run's particle (its row in the posterior file, from 0).
        let particle = if spec.posterior.is_some() {
            "particle,"
        } else {
            ""
        };
        write_header(
            w,
            &format!("run,seed,{particle}{}", header.join(",")),
            spec.hxl,
        )?;
        let mut block: Vec<f64> = Vec::new();
        let mut scratch = Vec::new();
        for k in 0..layout.chunks {
            let shape = layout.shape(k);
            let m = shape.runs as usize;
            block.clear();
            block.resize(nf * m, 0.0);
            read_columns(
                &journal.chunk_path(k),
                &shape,
                Block::Figures,
                0..nf,
                &mut block,
                m,
                0,
                &mut scratch,
            )
            .map_err(std::io::Error::other)?;
            for i in 0..m {
                let run = shape.first_run + i as u64;
                write!(w, "{run},{}", spec.seed)?;
                if let Some(p) = spec.posterior {
                    write!(w, ",{}", p.particle_for_run(spec.seed, run))?;
                }
                for (f, c) in layout.schema.columns.iter().enumerate() {
                    write!(
                        w,
                        ",{}",
                        format_value(block[f * m + i], c.figure.decimals())
                    )?;
                }
                writeln!(w)?;
            }
        }
        Ok(())
    })
    .at(&path)?;
    Ok(())
}

/// The spreads of the key figures over the runs (p05, p50, p95, and the share of runs with a
/// finite value), for summary.json: the figures gathered in slabs that fit `budget`.
fn figure_spreads(
    layout: &Layout,
    journal: &Journal,
    budget: usize,
) -> Result<Vec<(crate::quantile::Spread, f64)>> {
    let n = layout.spec.runs as usize;
    let nf = layout.schema.len();
    let per_fig = n * 8;
    let slab = (budget / per_fig).max(1);
    let mut fig_spreads = Vec::with_capacity(nf);
    let mut fbuf: Vec<f64> = Vec::new();
    let mut start = 0;
    while start < nf {
        let end = (start + slab).min(nf);
        gather(layout, journal, Block::Figures, start..end, &mut fbuf)?;
        let part: Vec<(crate::quantile::Spread, f64)> = fbuf
            .par_chunks_mut(n)
            .map(|values| {
                let finite = values.iter().filter(|v| v.is_finite()).count() as f64 / n as f64;
                (spread(values, &[0.05, 0.5, 0.95]), finite)
            })
            .collect();
        fig_spreads.extend(part);
        start = end;
    }
    Ok(fig_spreads)
}

/// What a quantile cell is written as: (day, place or corridor, metric, decimals); `None` for a
/// cell that does not apply (a depot without power has no `power_hours`).
type CellRow<'a> = (u32, &'a str, &'static str, usize);

/// Writes one CSV row per applicable cell of `cells`: the cells' N values gathered from every
/// chunk in slabs that fit `budget`, their spreads computed in parallel, rows in cell order.
fn write_quantile_rows<'a>(
    w: &mut impl Write,
    layout: &Layout,
    journal: &Journal,
    budget: usize,
    cells: std::ops::Range<usize>,
    describe: impl Fn(usize) -> Option<CellRow<'a>> + Sync,
) -> std::io::Result<()> {
    let spec = layout.spec;
    let n = spec.runs as usize;
    let slab = (budget / (n * 4)).max(1);
    let mut buf: Vec<f32> = Vec::new();
    let mut row = RowText::default();
    let mut start = cells.start;
    while start < cells.end {
        let end = (start + slab).min(cells.end);
        gather(layout, journal, Block::Cells, start..end, &mut buf)
            .map_err(std::io::Error::other)?;
        let spreads: Vec<Option<crate::quantile::Spread>> = buf
            .par_chunks_mut(n)
            .enumerate()
            .map_init(Vec::new, |keys, (i, values)| {
                describe(start + i).map(|_| spread_with(values, &PROBS, keys))
            })
            .collect();
        for (i, s) in spreads.iter().enumerate() {
            let (Some(s), Some((day, label, metric, d))) = (s, describe(start + i)) else {
                continue;
            };
            row.write_date(day, spec.start_date);
            write!(
                w,
                "{day},{},{},{metric},",
                row.date,
                lifeline_io::text::csv_field(label)
            )?;
            row.values.clear();
            let mut previous: Option<(u64, usize)> = None;
            for (k, v) in s
                .quantiles
                .iter()
                .chain(std::iter::once(&s.mean))
                .enumerate()
            {
                if k > 0 {
                    row.values.push(',');
                }
                row.push_value(*v, d, &mut previous);
            }
            writeln!(w, "{},{}", row.values, s.n)?;
        }
        start = end;
    }
    Ok(())
}

/// A quantile row's text, built in buffers kept from row to row: neighbouring values are often
/// equal (a cell where no run is short) and rows of a day share its date, so each is formatted
/// once and copied after. (A cache of the texts of recent values across rows saved another 0.5%
/// of a 100-run ensemble's instructions: not kept.)
#[derive(Default)]
struct RowText {
    /// The values written so far, comma-separated, as [`format_value`] writes them.
    values: String,
    /// The day whose date `date` holds.
    day: Option<u32>,
    date: String,
}

impl RowText {
    fn write_date(&mut self, day: u32, start: NaiveDate) {
        use std::fmt::Write as _;
        if self.day != Some(day) {
            self.date.clear();
            let _ = write!(self.date, "{}", date_of(start, day));
            self.day = Some(day);
        }
    }

    /// Appends `v` as [`format_value`] writes it, copying the text of the value before it in
    /// the row when the two are the same bits.
    fn push_value(&mut self, v: f64, decimals: usize, previous: &mut Option<(u64, usize)>) {
        let at = self.values.len();
        match *previous {
            Some((bits, from)) if bits == v.to_bits() => {
                self.values.extend_from_within(from..at - 1);
                *previous = Some((bits, at));
            }
            _ => {
                crate::figures::push_value(&mut self.values, v, decimals);
                *previous = Some((v.to_bits(), at));
            }
        }
    }
}

/// The date of `day` of a run that starts on `start`.
fn date_of(start: NaiveDate, day: u32) -> NaiveDate {
    start
        .checked_add_days(chrono::Days::new(u64::from(day)))
        .expect("invariant: run dates stay within chrono's range")
}

fn concat_parquet<W: Write + Send>(layout: &Layout, journal: &Journal, w: W) -> Result<()> {
    let out_path = journal.dir.join("runs.parquet");
    let spec = layout.spec;
    let about = RunsAbout {
        scenario: spec.scenario,
        response: spec.response,
        seed: spec.seed,
        runs: spec.runs,
        start_date: spec.start_date,
    };
    let properties = final_writer_properties(&about);
    let mut writer = SerializedFileWriter::new(w, parquet_schema(), properties).at(&out_path)?;
    for k in 0..layout.chunks {
        let path = journal.parquet_path(k);
        let file = std::fs::File::open(&path).at(&path)?;
        let metadata = ParquetMetaDataReader::new()
            .parse_and_finish(&file)
            .at(&path)?;
        for rg in metadata.row_groups() {
            let mut rg_out = writer.next_row_group().at(&out_path)?;
            for column in rg.columns() {
                let close = ColumnCloseResult {
                    bytes_written: column.compressed_size() as u64,
                    rows_written: rg.num_rows() as u64,
                    metadata: column.clone(),
                    bloom_filter: None,
                    column_index: None,
                    offset_index: None,
                };
                rg_out.append_column(&file, close).at(&path)?;
            }
            rg_out.close().at(&out_path)?;
        }
    }
    writer.close().at(&out_path)?;
    Ok(())
}

fn round(x: f64, decimals: usize) -> Value {
    if x.is_finite() {
        let f = 10f64.powi(decimals as i32);
        json!((x * f).round() / f)
    } else {
        Value::Null
    }
}

fn summary_json(
    layout: &Layout,
    labels: &[String],
    spreads: &[(crate::quantile::Spread, f64)],
    date: impl Fn(u32) -> NaiveDate,
) -> Value {
    let spec = layout.spec;
    let mut places: Map<String, Value> = labels.iter().map(|l| (l.clone(), json!({}))).collect();
    let mut national = Map::new();
    for (c, (s, finite_share)) in layout.schema.columns.iter().zip(spreads) {
        let d = c.figure.decimals().max(1);
        let mut entry = json!({
            "p05": round(s.quantiles[0], d),
            "p50": round(s.quantiles[1], d),
            "p95": round(s.quantiles[2], d),
            "mean": round(s.mean, d),
        });
        if c.figure == Figure::FirstDayCoverBelow3 {
            // "Never" is +∞: a quantile there is null; the mean is over runs that ran dry.
            entry["share_of_runs"] = round(*finite_share, 4);
            entry["p50_date"] = s.quantiles[1]
                .is_finite()
                .then(|| date(s.quantiles[1].floor() as u32).to_string())
                .into();
            entry["mean"] = Value::Null;
        }
        let target = match &c.place {
            Some(p) => places
                .get_mut(p)
                .and_then(Value::as_object_mut)
                .expect("invariant: every place column has its place"),
            None => &mut national,
        };
        target.insert(c.figure.name().to_string(), entry);
    }
    json!({
        "scenario": spec.scenario,
        "response": spec.response,
        "seed": spec.seed,
        "runs": spec.runs,
        "days": spec.input.days,
        "start_date": spec.start_date.to_string(),
        "end_date": date(spec.input.days.saturating_sub(1)).to_string(),
        "dry_cover_days": lifeline_model::summary::DRY_COVER_DAYS,
        "parameters": if spec.posterior.is_some() { "drawn per run from the posterior" } else { "fixed (the scenario's own values)" },
        "quantiles": "exact sample quantiles over all runs (type 7, linear interpolation); first_day_cover_below_3 counts a run that never ran dry as +infinity, so a quantile falling among those runs is null",
        "places": places,
        // Each depot's unit: `_m3` columns hold every commodity in its own unit (food in t).
        "units": depot_units(spec.input),
        "national": national,
        "manifest": serde_json::to_value(&layout.manifest).expect("invariant: a manifest serialises"),
    })
}

/// Each depot's label and its commodity's unit.
fn depot_units(input: &lifeline_model::ModelInput) -> serde_json::Map<String, Value> {
    (0..input.depots.len())
        .map(|i| {
            let depot = lifeline_model::DepotId::from_index(i);
            let commodity = input.depots[i].commodity.index();
            (
                input.depot_label(depot),
                Value::from(input.commodities[commodity].unit.clone()),
            )
        })
        .collect()
}
