//! `lifeline flee`: run a Flee case (Flee: Groen et al., BSD-3-Clause) with Lifeline's engine.
//!
//! Same positional arguments as Flee's `runscripts/run.py`; reads Flee's files unchanged and
//! writes Flee's `out.csv` columns. File reading, the clock (for an unseeded run) and threads
//! (for ensembles) live here, so `lifeline-flee` stays pure.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use lifeline_flee::{
    CaseInputs, EnsembleStats, FleeCase, InputFile, Result as FleeResult, RunOutput, SimSettings,
    ard_summary, data_files_named_in, run_ensemble,
};

#[derive(clap::Args)]
pub struct FleeArgs {
    /// Flee's input_csv directory (locations.csv, routes.csv, closures.csv, conflicts.csv or,
    /// under DFlee's flood rules, flood_level.csv, sim_period.csv, registration_corrections.csv,
    /// and demographics_floodawareness.csv for DFlee's flood forecaster).
    pub input_csv_dir: PathBuf,
    /// Flee's source_data directory (data_layout.csv and the UNHCR files it names).
    pub source_data_dir: PathBuf,
    /// Days to simulate; 0 takes the length from sim_period.csv.
    pub days: u64,
    /// Flee's simsetting.yml (default: ./simsetting.yml, as Flee's run.py).
    pub simsetting: Option<PathBuf>,
    /// Seed of the random generator (default: taken from the clock and reported on stderr).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of ensemble runs; above 1 the output is per-day mean and standard deviation per
    /// camp instead of out.csv. 1 to 100,000 (every run's counts are kept for the statistics).
    #[arg(long, default_value_t = 1, value_parser = crate::common::parse_flee_runs)]
    pub runs: usize,
    /// Threads for ensemble runs (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = crate::common::parse_threads)]
    pub threads: Option<usize>,
    /// Print the averaged relative difference against the UNHCR data (normal and rescaled)
    /// instead of the CSV (which still goes to --output if given).
    #[arg(long)]
    pub error: bool,
    /// Write the CSV to this file instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

fn read_required(path: &Path) -> anyhow::Result<InputFile> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(InputFile::new(path.display().to_string(), text))
}

fn read_optional(path: &Path) -> anyhow::Result<Option<InputFile>> {
    if path.is_file() {
        read_required(path).map(Some)
    } else {
        Ok(None)
    }
}

/// Reads every file of a Flee case. As in Flee's `run.py`, `conflicts.csv` is required unless
/// the settings switch DFlee's flood rules on; then `flood_level.csv` is required instead.
/// `demographics_floodawareness.csv` is read when the settings switch DFlee's flood forecaster
/// on (the engine says so if it is needed and missing).
pub fn read_case_inputs(
    input_csv_dir: &Path,
    source_data_dir: &Path,
    simsetting: &Path,
) -> anyhow::Result<CaseInputs> {
    let settings = read_required(simsetting)?;
    let parsed = SimSettings::from_yaml(&settings.name, &settings.text)?;
    let floods = parsed.floods();
    let forecaster = parsed
        .move_rules
        .flood
        .as_ref()
        .is_some_and(|flood| flood.forecaster.is_some());
    let flood_awareness = if forecaster {
        read_optional(&input_csv_dir.join("demographics_floodawareness.csv"))?
    } else {
        None
    };
    let (conflicts, flood_levels) = if floods {
        (
            None,
            Some(read_required(&input_csv_dir.join("flood_level.csv"))?),
        )
    } else {
        (
            Some(read_required(&input_csv_dir.join("conflicts.csv"))?),
            None,
        )
    };
    let data_layout = read_required(&source_data_dir.join("data_layout.csv"))?;
    let mut data_files = BTreeMap::new();
    for name in data_files_named_in(&data_layout)? {
        let path = source_data_dir.join(&name);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!("cannot read {} (named in data_layout.csv)", path.display())
        })?;
        data_files.insert(name, text);
    }
    Ok(CaseInputs {
        locations: read_required(&input_csv_dir.join("locations.csv"))?,
        routes: read_required(&input_csv_dir.join("routes.csv"))?,
        closures: read_optional(&input_csv_dir.join("closures.csv"))?,
        conflicts,
        flood_levels,
        flood_awareness,
        sim_period: read_required(&input_csv_dir.join("sim_period.csv"))?,
        registration_corrections: read_optional(
            &input_csv_dir.join("registration_corrections.csv"),
        )?,
        data_layout,
        data_files,
        settings,
    })
}

/// Runs ensemble members on `threads` scoped threads; results come back in member order.
fn threaded_executor(
    threads: usize,
) -> impl FnOnce(usize, &(dyn Fn(usize) -> FleeResult<RunOutput> + Sync)) -> Vec<FleeResult<RunOutput>>
{
    move |runs, run_member| {
        let threads = threads.clamp(1, runs.max(1));
        let mut results: Vec<Option<FleeResult<RunOutput>>> = (0..runs).map(|_| None).collect();
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|worker| {
                    scope.spawn(move || {
                        (worker..runs)
                            .step_by(threads)
                            .map(|member| (member, run_member(member)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            for handle in handles {
                for (member, result) in handle.join().expect("invariant: ensemble worker panicked")
                {
                    results[member] = Some(result);
                }
            }
        });
        results
            .into_iter()
            .map(|r| r.expect("invariant: every member ran"))
            .collect()
    }
}

pub fn run(args: FleeArgs) -> anyhow::Result<()> {
    let simsetting = args
        .simsetting
        .clone()
        .unwrap_or_else(|| PathBuf::from("simsetting.yml"));
    // Settings first (read_case_inputs reads them before any other file): a case that needs
    // an unsupported mechanism should be told so, not that some input file of that
    // mechanism's layout is missing.
    let inputs = read_case_inputs(&args.input_csv_dir, &args.source_data_dir, &simsetting)?;
    let case = FleeCase::from_inputs(&inputs, Some(args.days))?;
    for note in &case.settings.notes {
        eprintln!("note: {note}");
    }
    for warning in &case.warnings {
        eprintln!("warning: {warning}");
    }
    let seed = match args.seed {
        Some(seed) => seed,
        None => {
            let seed = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            eprintln!("note: no --seed given; using --seed {seed}");
            seed
        }
    };
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let runs = run_ensemble(&case, seed, args.runs, threaded_executor(threads))?;

    let csv = if args.runs == 1 {
        case.out_csv(&runs[0])
    } else {
        EnsembleStats::from_runs(&case, &runs).to_csv()
    };
    if let Some(path) = &args.output {
        std::fs::write(path, &csv).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.error {
        let (mean, sd) = ard_summary(&case, &runs);
        if args.runs == 1 {
            writeln!(out, "ARD normal: {:.4}", mean.normal)?;
            writeln!(out, "ARD rescaled: {:.4}", mean.rescaled)?;
        } else {
            writeln!(
                out,
                "ARD normal: {:.4} ± {:.4} ({} runs)",
                mean.normal, sd.normal, args.runs
            )?;
            writeln!(
                out,
                "ARD rescaled: {:.4} ± {:.4} ({} runs)",
                mean.rescaled, sd.rescaled, args.runs
            )?;
        }
    } else if args.output.is_none() {
        out.write_all(csv.as_bytes())?;
    }
    Ok(())
}
