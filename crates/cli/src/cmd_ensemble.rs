//! `lifeline ensemble`: N seeded runs in parallel, spreads written to disk, resumable.

use crate::common::{
    self, OutFolder, ParameterChoice, RunChoices, Threads, date_of, parse_ensemble_runs, thousands,
};
use crate::progress::Progress;
use crate::ranks::World;
use anyhow::{Context, Result};
use chrono::NaiveDate;
use lifeline_ensemble::{Distributed, EnsembleOptions, EnsembleSpec, run_ensemble};
use lifeline_io::manifest::Manifest;
use lifeline_io::outdir::Outputs;
use lifeline_scenario::{Scenario, embedded};
use serde_json::Value;

/// What `lifeline ensemble` writes (`report.html` is written there by `lifeline report`).
pub const ENSEMBLE_OUTPUTS: Outputs = Outputs {
    command: "ensemble",
    names: &[
        "quantiles.csv",
        "corridor_quantiles.csv",
        "runs.csv",
        "runs.parquet",
        "summary.json",
        ".lifeline-ensemble",
        "report.html",
    ],
};

#[derive(clap::Args)]
pub struct EnsembleArgs {
    /// An embedded scenario name (see `lifeline scenarios`) or a scenario .toml file.
    #[arg(default_value = embedded::DEFAULT_SCENARIO)]
    pub scenario: String,
    /// Number of runs; run r draws from stream r of the master seed.
    #[arg(long, default_value_t = 100, value_parser = parse_ensemble_runs)]
    pub runs: u64,
    #[command(flatten)]
    pub threads: Threads,
    /// A named response defined in the scenario (see `lifeline responses SCENARIO`).
    #[arg(long)]
    pub response: Option<String>,
    #[command(flatten)]
    pub choices: RunChoices,
    #[command(flatten)]
    pub parameters: ParameterChoice,
    /// Folder for the outputs (and the journal of an ensemble in progress).
    #[command(flatten)]
    pub out: OutFolder,
    /// Continue an interrupted ensemble in --out, keeping the runs it finished.
    #[arg(long)]
    pub resume: bool,
    /// Do not write runs.parquet (the daily table of every run): faster, smaller.
    #[arg(long)]
    pub no_parquet: bool,
    /// Add a row of HXL hashtags (for HDX) under the header of runs.csv, quantiles.csv and
    /// corridor_quantiles.csv.
    #[arg(long)]
    pub hxl: bool,
    /// Also write report.html (a self-contained offline page) into the output folder.
    #[arg(long)]
    pub report: bool,
    /// Testing: stop as if interrupted after this many chunks of runs.
    #[arg(long, hide = true)]
    pub stop_after_chunks: Option<u64>,
}

pub fn run(args: EnsembleArgs, world: &World) -> Result<()> {
    let barrier = || world.barrier();
    let distributed = (world.ranks() > 1).then(|| Distributed {
        rank: world.rank() as u64,
        ranks: world.ranks() as u64,
        barrier: &barrier,
    });
    run_with(args, world, distributed)
}

/// One process's part: all of it, or with `distributed` its rank's share (rank 0 alone takes
/// the folder, writes the final files and the manifest, and prints).
fn run_with(args: EnsembleArgs, world: &World, distributed: Option<Distributed>) -> Result<()> {
    let leads = distributed.is_none_or(|d| d.rank == 0);
    let scenario = Scenario::load(&args.scenario)?;
    let built = scenario.build(&args.choices.overrides(args.response.clone()))?;
    let posterior = args.parameters.posterior(&scenario)?;
    let displacement = scenario.displacement_plan(&built)?;
    world.agree(&scenario, &[&built])?;
    // The ensemble's own files are replaced (or resumed) by the ensemble itself; a report of
    // an earlier ensemble would describe other runs.
    let clear: &[&str] = if args.resume { &[] } else { &["report.html"] };
    let folder = if leads {
        Some(args.out.take(ENSEMBLE_OUTPUTS, clear)?)
    } else {
        None
    };
    let default_dir = args.out.dir(ENSEMBLE_OUTPUTS.command);
    let dir = folder.as_ref().map_or(default_dir.as_path(), |f| f.dir());
    let spec = EnsembleSpec {
        input: &built.input,
        scenario: &scenario.file,
        response: &built.response,
        seed: built.seed,
        start_date: built.start_date,
        runs: args.runs,
        parquet: !args.no_parquet,
        hxl: args.hxl,
        posterior: posterior.as_ref(),
        displacement: displacement.as_ref(),
    };
    let progress = Progress::new("ensemble", args.runs, "runs");
    let inc = |n: u64| progress.inc(n);
    let options = EnsembleOptions {
        threads: args.threads.threads,
        resume: args.resume,
        stop_after_chunks: args.stop_after_chunks,
        // With ranks, rank 0's bar counts its own share.
        progress: leads.then_some(&inc as &(dyn Fn(u64) + Sync)),
        distributed,
        ..EnsembleOptions::default()
    };
    let result = run_ensemble(dir, &spec, &options);
    let report = result.with_context(|| format!("ensemble in {}", dir.display()));
    let Some(folder) = folder.as_ref() else {
        // Another rank: rank 0 reports.
        return report.map(|_| ());
    };
    progress.finish();
    let report = report?;
    let manifest = Manifest {
        response: Some(built.response.clone()),
        runs: Some(args.runs),
        events_file: args.choices.events_record(),
        ..common::manifest("ensemble", &args.scenario, built.seed, built.input.days)
    };
    let manifest = args.parameters.mark(manifest, posterior.as_ref());
    folder.write_manifest(
        args.choices.mark(manifest),
        &lifeline_ensemble::ensemble::OUTPUTS,
    )?;
    if report.already_complete {
        println!(
            "The ensemble in {} is already complete ({} runs); nothing to do.",
            dir.display(),
            report.runs
        );
        return Ok(());
    }
    let new_runs = report.runs - report.resumed_runs;
    let thread_s = report.model_seconds + report.digest_seconds + report.chunk_write_seconds;
    println!(
        "Scenario {} — response {} — seed {} — {} runs × {} days from {}{}",
        built.name,
        built.response,
        built.seed,
        report.runs,
        built.input.days,
        built.start_date,
        if report.resumed_runs > 0 {
            format!(" ({} resumed from the journal)", report.resumed_runs)
        } else {
            String::new()
        }
    );
    println!("{}", common::parameters_line(posterior.as_ref()));
    println!(
        "{new_runs} runs in {:.2} s ({:.0} runs/s); thread time: model {:.0}%, digest {:.0}%, chunk files {:.0}%; final files {:.2} s",
        report.wall_seconds,
        new_runs as f64 / report.wall_seconds.max(1e-9),
        100.0 * report.model_seconds / thread_s.max(1e-9),
        100.0 * report.digest_seconds / thread_s.max(1e-9),
        100.0 * report.chunk_write_seconds / thread_s.max(1e-9),
        report.finalize_seconds,
    );
    let summary_path = dir.join("summary.json");
    let text = std::fs::read_to_string(&summary_path)
        .with_context(|| format!("reading {}", summary_path.display()))?;
    let summary: Value = serde_json::from_str(&text)
        .with_context(|| format!("reading {}", summary_path.display()))?;
    print!(
        "{}",
        spread_table(
            &summary,
            &lifeline_ensemble::figures::depot_labels(&built.input),
            built.start_date
        )
    );
    let files = if args.no_parquet {
        "runs.csv, quantiles.csv, corridor_quantiles.csv, summary.json"
    } else {
        "runs.csv, quantiles.csv, corridor_quantiles.csv, runs.parquet, summary.json"
    };
    println!("Outputs in {}/: {files}, manifest.json", dir.display());
    if args.report {
        crate::cmd_report::write_into(dir)?;
    }
    Ok(())
}

/// "median [p05, p95]" of a figure in summary.json, each value shown by `show`.
fn cell(v: &Value, show: impl Fn(Option<f64>) -> String) -> String {
    if v.is_null() {
        return "—".into();
    }
    let num = |k: &str| v.get(k).and_then(Value::as_f64);
    format!(
        "{} [{}, {}]",
        show(num("p50")),
        show(num("p05")),
        show(num("p95"))
    )
}

/// A number with `decimals`, or "never" where the quantile fell among runs that never did.
fn number(decimals: usize) -> impl Fn(Option<f64>) -> String {
    move |x| x.map_or_else(|| "never".to_string(), |x| format!("{x:.decimals$}"))
}

/// A volume in thousands of m³.
fn volume(x: Option<f64>) -> String {
    x.map_or_else(|| "never".to_string(), thousands)
}

/// A day of the run as its date; "never" for runs that never got there.
fn day_as_date(start: NaiveDate) -> impl Fn(Option<f64>) -> String {
    move |x| x.map_or_else(|| "never".to_string(), |d| date_of(start, d.floor() as u32))
}

/// The table printed after an ensemble: median and 90% range of each place's key figures.
fn spread_table(summary: &Value, order: &[String], start: NaiveDate) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "Median [5%, 95%] over the runs:");
    let _ = writeln!(
        s,
        "{:<12} {:>34} {:>7} {:>24} {:>16} {:>18} {:>16}",
        "place",
        "cover<3d on",
        "P(dry)",
        "shortage 1000m³",
        "shortage days",
        "peak price ×",
        "min power h"
    );
    if let Some(places) = summary.get("places").and_then(Value::as_object) {
        // In the scenario's order (the JSON object is sorted by name).
        for (name, p) in order.iter().filter_map(|n| places.get(n).map(|p| (n, p))) {
            let first = &p["first_day_cover_below_3"];
            let share = first
                .get("share_of_runs")
                .and_then(Value::as_f64)
                .unwrap_or(0.0);
            let _ = writeln!(
                s,
                "{:<12} {:>34} {:>6.0}% {:>24} {:>16} {:>18} {:>16}",
                name,
                cell(first, day_as_date(start)),
                100.0 * share,
                cell(&p["shortage_m3"], volume),
                cell(&p["shortage_days"], number(0)),
                cell(&p["peak_price_multiple"], number(2)),
                cell(&p["min_power_hours"], number(1)),
            );
        }
    }
    let _ = writeln!(
        s,
        "cover<3d on: first date with under {} days of demand in stock (never: a quantile among runs that never got there); P(dry): share of runs in which that happened; shortage days: days with more than {:.0}% of demand unmet; peak price: informal price × official",
        lifeline_model::summary::DRY_COVER_DAYS,
        100.0 * lifeline_model::summary::SHORTAGE_DAY_SHARE
    );
    if let Some(n) = summary.get("national") {
        let _ = writeln!(
            s,
            "National: delivered thousand m³ {}; trucks lost {}; drivers kidnapped {}",
            cell(&n["delivered_m3"], volume),
            cell(&n["trucks_lost"], number(0)),
            cell(&n["drivers_kidnapped"], number(0))
        );
    }
    s
}
