//! `lifeline calibrate`: ABC-SMC against the scenario's `[calibration]` tables, writing
//! posterior.csv, fit.csv and diagnostics.csv; `--grid` reruns the original grid search of
//! docs/calibration.md.

use crate::common::{
    self, OutFolder, RunChoices, Threads, parse_generations, parse_max_attempts, parse_particles,
    parse_quantile, parse_runs,
};
use crate::progress::Progress;
use crate::ranks::World;
use anyhow::{Context, Result};
use lifeline_analysis::abc::{Checkpoint, Continue, Settings, Stop, check_checkpoint};
use lifeline_analysis::calibrate::{
    Calibration, diagnostics_csv, fit_csv, parameter_summary, posterior_csv, target_band,
};
use lifeline_analysis::checkpoint::{checkpoint_text, parse_checkpoint};
use lifeline_analysis::error::AnalysisError;
use lifeline_analysis::grid::{self as calibration, default_grid, residuals};
use lifeline_io::manifest::Manifest;
use lifeline_io::outdir::Outputs;
use lifeline_scenario::{Scenario, embedded};
use rayon::prelude::*;
use std::fmt::Write as _;
use std::path::Path;

/// What `lifeline calibrate` writes (`report.html` is written there by `lifeline report`, and
/// cleared by a new calibration: it would describe another one).
pub const CALIBRATE_OUTPUTS: Outputs = Outputs {
    command: "calibrate",
    names: &[
        "posterior.csv",
        "fit.csv",
        "diagnostics.csv",
        "report.html",
        CHECKPOINT_DIR,
    ],
};

/// The tables a calibration writes (cleared when one starts).
const CALIBRATE_TABLES: [&str; 4] = ["posterior.csv", "fit.csv", "diagnostics.csv", "report.html"];

/// Where an unfinished calibration keeps its checkpoint (removed once it is complete).
pub const CHECKPOINT_DIR: &str = ".lifeline-calibrate";
const CHECKPOINT_FILE: &str = "checkpoint.txt";

#[derive(clap::Args)]
pub struct CalibrateArgs {
    /// The scenario to fit (its [[calibration.target]] and [[calibration.parameter]] tables).
    #[arg(default_value = embedded::DEFAULT_SCENARIO)]
    pub scenario: String,
    /// Runs per evaluation, each on its own seed, averaged (default: 4; with --grid, 16 common
    /// to all grid points).
    #[arg(long, value_parser = parse_runs)]
    pub runs: Option<u64>,
    /// Particles per generation (2 to 1,000,000).
    #[arg(long, default_value_t = 200, value_parser = parse_particles)]
    pub particles: usize,
    /// Most generations, 1 to 10,000 (the first draws from the prior).
    #[arg(long, default_value_t = 6, value_parser = parse_generations)]
    pub generations: usize,
    /// Each tolerance is this quantile of the previous generation's distances (between 0 and 1).
    #[arg(long, default_value_t = 0.5, value_parser = parse_quantile)]
    pub quantile: f64,
    /// Proposals a particle may try in a generation before the calibration stops (at least 1).
    #[arg(long, default_value_t = 200, value_parser = parse_max_attempts)]
    pub max_attempts: u64,
    /// The Mali grid search of docs/calibration.md instead (prints its table, writes nothing).
    #[arg(long)]
    pub grid: bool,
    /// Continue the calibration interrupted in the output folder from its last complete
    /// generation (the result is the bytes an uninterrupted calibration writes).
    #[arg(long)]
    pub resume: bool,
    /// Run every proposal's simulations to their last day, even once a proposal is certain to
    /// be rejected (slower; the result is the same, only diagnostics.csv's `stopped_early`
    /// column is 0).
    #[arg(long)]
    pub full_runs: bool,
    /// For tests: stop (as if interrupted) once this many generations are complete.
    #[arg(long, hide = true)]
    pub stop_after_generations: Option<usize>,
    #[command(flatten)]
    pub choices: RunChoices,
    #[command(flatten)]
    pub threads: Threads,
    /// With --grid: the corridor whose drivers' willingness C8 describes.
    #[arg(long, default_value = "dakar-kayes-bamako")]
    pub senegal_corridor: String,
    /// With --grid: how many of the best grid points to list.
    #[arg(long, default_value_t = 8)]
    pub top: usize,
    #[command(flatten)]
    pub out: OutFolder,
}

pub fn run(args: CalibrateArgs, world: &World) -> Result<()> {
    if args.grid {
        anyhow::ensure!(
            world.ranks() == 1,
            "--grid runs on one process; run it without mpirun"
        );
        return run_grid(args);
    }
    let scenario = Scenario::load(&args.scenario)?;
    let built = scenario.build(&args.choices.overrides(None))?;
    let runs = args.runs.unwrap_or(4);
    let mut problem = Calibration::new(&scenario, &built, runs)?;
    problem.early_stop = !args.full_runs;
    world.agree(&scenario, &[&built])?;
    // Rank 0 alone takes the folder; every rank runs its share of each generation.
    let folder = if world.leads() {
        Some(args.out.take(CALIBRATE_OUTPUTS, &CALIBRATE_TABLES)?)
    } else {
        None
    };
    let settings = Settings {
        particles: args.particles,
        generations: args.generations,
        quantile: args.quantile,
        max_attempts: args.max_attempts,
        seed: built.seed,
        ..Settings::default()
    };
    let checkpoint_dir = args.out.dir(CALIBRATE_OUTPUTS.command).join(CHECKPOINT_DIR);
    let key = calibration_key(&scenario, &built, &settings, runs)?;
    // Every rank reads the checkpoint (the folder is shared, as for ensembles) and the ranks
    // check they start from the same one.
    let start = read_checkpoint(&checkpoint_dir, &key, args.resume)?;
    if let Some(c) = &start
        && let Err(why) = check_checkpoint(&problem.priors(), args.particles, c)
    {
        anyhow::bail!(
            "{}: the checkpoint is damaged: {why}; remove {} to start the calibration again",
            checkpoint_dir.join(CHECKPOINT_FILE).display(),
            checkpoint_dir.display()
        );
    }
    world.same_everywhere(
        "checkpoint",
        &start
            .as_ref()
            .map_or("none".to_string(), |c| checkpoint_text(&key, c)),
    )?;
    if let Some(c) = start.as_ref().filter(|_| world.leads()) {
        eprintln!(
            "lifeline calibrate: resuming after generation {} of at most {}",
            c.generations.len() - 1,
            args.generations - 1
        );
    }
    let pool = args.threads.pool()?;
    let progress = Progress::on_rank(
        world.leads(),
        "calibrate",
        (args.particles * args.generations) as u64,
        "particles",
    );
    let inc = |n: u64| progress.inc(n);
    if let Some(c) = &start {
        // The generations kept count as done.
        inc((c.generations.len() * args.particles) as u64);
    }
    let runner = world.runner();
    let started = std::time::Instant::now();
    let leads = world.leads();
    let mut keep = |c: &Checkpoint| -> lifeline_analysis::error::Result<Continue> {
        if leads {
            write_checkpoint(&checkpoint_dir, &checkpoint_text(&key, c))
                .map_err(|e| AnalysisError::Calibration(format!("{e:#}")))?;
        }
        // No rank goes on (or stops, which ends the job) before the checkpoint is on disk: a
        // rank that stopped first could abort rank 0 while it wrote, leaving the generation
        // before (a test caught it resuming one generation short).
        world.barrier();
        // The same decision on every rank: all have the same arguments and generations.
        Ok(match args.stop_after_generations {
            Some(k) if c.generations.len() >= k => Continue::No,
            _ => Continue::Yes,
        })
    };
    let posterior =
        pool.install(|| problem.run_from(&settings, runner.as_ref(), &inc, start, &mut keep));
    let Some(folder) = folder else {
        // Another rank: rank 0 writes and reports.
        return posterior.map(|_| ()).map_err(Into::into);
    };
    // A calibration may stop before its last generation: count the generations run (a dropped
    // one included).
    if let Ok(posterior) = &posterior {
        let dropped = usize::from(posterior.stop == Stop::AttemptsExhausted);
        progress.set_length((args.particles * (posterior.generations.len() + dropped)) as u64);
    }
    progress.finish();
    let posterior = posterior?;
    let seconds = started.elapsed().as_secs_f64();
    for (name, text) in [
        (
            "posterior.csv",
            posterior_csv(&problem.parameters, &posterior),
        ),
        ("fit.csv", fit_csv(&problem.targets, &posterior)),
        ("diagnostics.csv", diagnostics_csv(&posterior)),
    ] {
        common::write_text(folder.dir(), name, &text)?;
    }
    let manifest = Manifest {
        runs: Some(runs),
        events_file: args.choices.events_record(),
        ..common::manifest("calibrate", &args.scenario, built.seed, built.input.days)
    };
    folder.write_manifest(args.choices.mark(manifest), &CALIBRATE_TABLES)?;
    // Complete: the checkpoint has served.
    std::fs::remove_dir_all(&checkpoint_dir)
        .or_else(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Ok(()),
            _ => Err(e),
        })
        .with_context(|| format!("removing {}", checkpoint_dir.display()))?;
    print!(
        "{}",
        summary_text(&problem, &posterior, runs, seconds, world.ranks())
    );
    println!("Tables in {}", folder.dir().display());
    if let Some(line) = world.gathered_line(runner.as_ref()) {
        println!("{line}");
    }
    Ok(())
}

/// What a checkpoint must have been made by: the scenario's text (its targets, parameters and
/// priors), its built input and displacement, and the calibration's settings, hashed.
fn calibration_key(
    scenario: &Scenario,
    built: &lifeline_scenario::Built,
    settings: &Settings,
    runs: u64,
) -> Result<String> {
    let identity = scenario
        .displacement_plan(built)?
        .map_or_else(|| "none".to_string(), |p| p.identity);
    let text = format!(
        "{}\u{1e}{}\u{1e}{identity}\u{1e}{settings:?}\u{1e}{runs}",
        scenario.text,
        lifeline_ensemble::fingerprint(&built.input),
    );
    Ok(lifeline_io::hash::fnv1a_hex(text.as_bytes()))
}

/// The checkpoint to start from: none for a new calibration; with `resume`, the folder's (none
/// if there is none yet). A checkpoint left without `--resume`, or of another calibration, is
/// refused with what to do.
fn read_checkpoint(dir: &Path, key: &str, resume: bool) -> Result<Option<Checkpoint>> {
    let path = dir.join(CHECKPOINT_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let file = path.display().to_string();
    let (theirs, checkpoint) = parse_checkpoint(&text, &file)?;
    let done = checkpoint.generations.len();
    anyhow::ensure!(
        resume,
        "{} holds an unfinished calibration ({done} generations complete): add --resume to \
         continue it, or remove {} to start again",
        dir.parent().unwrap_or(dir).display(),
        dir.display()
    );
    anyhow::ensure!(
        theirs == key,
        "{file} is the checkpoint of another calibration (other scenario, settings, --runs or \
         --seed): run with the arguments it was started with, or remove {} to start again",
        dir.display()
    );
    Ok(Some(checkpoint))
}

/// Keeps a generation's checkpoint (under a temporary name, then renamed: a stop mid-write
/// leaves the previous one).
fn write_checkpoint(dir: &Path, text: &str) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    common::write_text(dir, CHECKPOINT_FILE, text).map(|_| ())
}

/// The posterior and the fit, as printed.
fn summary_text(
    problem: &Calibration,
    posterior: &lifeline_analysis::abc::Posterior,
    runs: u64,
    seconds: f64,
    ranks: usize,
) -> String {
    let mut out = String::new();
    let simulations: u64 = posterior.generations.iter().map(|g| g.simulations).sum();
    let stopped: u64 = posterior.generations.iter().map(|g| g.stopped_early).sum();
    let stop = match posterior.stop {
        Stop::Generations => "the last generation was reached",
        Stop::ToleranceZero => "every particle fitted every target exactly",
        Stop::LowAcceptance => "the acceptance rate fell below 2%",
        Stop::AttemptsExhausted => {
            "a particle found no proposal within the tolerance (the last generation was dropped)"
        }
    };
    let _ = writeln!(
        out,
        "ABC-SMC, {} particles, {} generations ({stop}); {simulations} evaluations × {runs} runs in {seconds:.0} s{} ({stopped} stopped early, certain to be rejected); scenario {}\n",
        posterior.particles.len(),
        posterior.generations.len(),
        if ranks > 1 {
            format!(" on {ranks} ranks")
        } else {
            String::new()
        },
        problem.built.name
    );
    let _ = writeln!(out, "| parameter | mean | p05 | p50 | p95 |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    for (name, [mean, p05, p50, p95]) in parameter_summary(&problem.parameters, posterior) {
        let _ = writeln!(
            out,
            "| `{name}` | {mean:.3} | {p05:.3} | {p50:.3} | {p95:.3} |"
        );
    }
    let _ = writeln!(out, "\n| target | observed | model p05 | p50 | p95 |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    for (k, t) in problem.targets.iter().enumerate() {
        let [p05, p50, p95] = target_band(posterior, k);
        let _ = writeln!(
            out,
            "| {} | {} | {p05:.2} | {p50:.2} | {p95:.2} |",
            t.name,
            t.observed_text()
        );
    }
    let _ = writeln!(out, "\n| generation | tolerance | acceptance | ESS |");
    let _ = writeln!(out, "|---:|---:|---:|---:|");
    for g in &posterior.generations {
        let _ = writeln!(
            out,
            "| {} | {:.3} | {:.3} | {:.0} |",
            g.generation,
            g.tolerance,
            g.acceptance_rate(),
            g.effective_sample_size
        );
    }
    out
}

/// The original grid search (Mali only), printed as in docs/calibration.md.
fn run_grid(args: CalibrateArgs) -> Result<()> {
    let runs = args.runs.unwrap_or(16);
    let scenario = Scenario::load(&args.scenario)?;
    let built = scenario.build(&args.choices.overrides(None))?;
    let anchors = calibration::anchors(&built, &args.senegal_corridor)
        .context("the scenario needs a Bamako depot and the named Senegal corridor")?;
    let base_scale = *scenario.spec.threat.hazard_scale.get_ref();
    let grid = default_grid();
    let pool = args.threads.pool()?;
    // Every grid point, the scenario as shipped, and the displacement fit.
    let progress = Progress::new("calibrate", grid.len() as u64 + 2, "grid points");
    let results = calibration::rank(pool.install(|| {
        grid.par_iter()
            .map(|p| {
                let result = calibration::evaluate(&built, base_scale, p, runs, &anchors);
                progress.inc(1);
                result
            })
            .collect()
    }));
    let scenario_now = calibration::mean_measured(&calibration::measure_runs(
        &built.input,
        built.seed,
        runs,
        &anchors,
    ));
    progress.inc(1);
    let shares = [0.004, 0.006, 0.008, 0.01, 0.012, 0.015, 0.02];
    let c7 = calibration::fit_siege_share(&scenario, &built, &shares, runs);
    progress.inc(1);
    progress.finish();
    let c7 = c7?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Grid search over {} points × {} seeds (seed {}), scenario {}\n",
        grid.len(),
        runs,
        built.seed,
        built.name
    );
    let _ = writeln!(
        out,
        "| rank | hazard_scale | willingness drop | recovery half-life (d) | escorted max loss | services close_below | loss |"
    );
    let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|");
    for (i, r) in results.iter().take(args.top).enumerate() {
        let p = r.params;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {:.3} |",
            i + 1,
            p.hazard_scale,
            p.willingness_drop,
            p.willingness_half_life,
            p.escorted_max_loss,
            p.services_close_below,
            r.loss
        );
    }
    let best = results.first().context("the calibration grid is empty")?;
    let _ = writeln!(
        out,
        "\nFit of the best point and of the scenario as shipped (mean over the seeds):\n"
    );
    let _ = writeln!(
        out,
        "| fact | quantity | target | best point | residual | as shipped | residual |"
    );
    let _ = writeln!(out, "|---|---|---|---:|---:|---:|---:|");
    for (b, s) in residuals(&best.measured)
        .iter()
        .zip(residuals(&scenario_now))
    {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
            b.fact, b.quantity, b.target, b.value, b.residual, s.value, s.residual
        );
    }
    if !c7.is_empty() {
        let shipped = scenario
            .spec
            .displacement
            .as_ref()
            .map_or(f64::NAN, |d| *d.siege_daily_flight_share.get_ref());
        let _ = writeln!(
            out,
            "\nC7 (displacement, fitted separately: it does not change supply): arrivals at the camps (Fassala, Mbera) 23 Oct – 13 Nov, target 2,000–3,000; shipped siege_daily_flight_share = {shipped}\n"
        );
        let _ = writeln!(
            out,
            "| siege_daily_flight_share | mean arrivals | residual |"
        );
        let _ = writeln!(out, "|---:|---:|---:|");
        for (share, arrivals) in &c7 {
            let _ = writeln!(
                out,
                "| {share} | {arrivals:.0} | {:.2} |",
                calibration::c7_residual(*arrivals)
            );
        }
    }
    print!("{out}");
    Ok(())
}
