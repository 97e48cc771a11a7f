//! The `lifeline` command-line tool: a thin shell over the scenario, model and I/O crates.

mod cmd_calibrate;
mod cmd_compare;
mod cmd_criticality;
mod cmd_ensemble;
mod cmd_explain;
mod cmd_flee;
mod cmd_network;
mod cmd_report;
mod cmd_run;
mod cmd_sensitivity;
mod cmd_validate;
mod common;
mod progress;
mod ranks;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "lifeline",
    version,
    about = "Import lifelines under blockade: simulate, compare responses, report"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario once (default: the embedded Mali 2025 scenario) and write its outputs.
    Run(cmd_run::RunArgs),
    /// List the embedded scenarios.
    Scenarios,
    /// Work with one scenario (embedded or a .toml file).
    #[command(subcommand)]
    Scenario(ScenarioCommand),
    /// List the named responses a scenario defines.
    Responses(cmd_run::ResponsesArgs),
    /// Run a scenario many times with independent seeded streams, in parallel; write spreads.
    Ensemble(cmd_ensemble::EnsembleArgs),
    /// Run every named response on the same seeds and compare them with status-quo.
    Compare(cmd_compare::CompareArgs),
    /// Rank road segments by the shortage-days their closure adds in a city (where protection,
    /// redundancy or pre-positioned stock matters most).
    Criticality(cmd_criticality::CriticalityArgs),
    /// Why a depot is where it is on a day: deliveries, losses and hold-ups by corridor.
    Explain(cmd_explain::ExplainArgs),
    /// Fit a scenario's free parameters to its calibration targets (ABC-SMC; --grid: the Mali grid search).
    Calibrate(cmd_calibrate::CalibrateArgs),
    /// Sobol first-order and total indices of the free parameters on each calibration target.
    Sensitivity(cmd_sensitivity::SensitivityArgs),
    /// The scenario as written against its calibration targets over many runs.
    Validate(cmd_validate::ValidateArgs),
    /// Run Flee-compatible displacement on Flee's input files (same arguments as Flee's run.py).
    Flee(cmd_flee::FleeArgs),
    /// Turn a run's or an ensemble's output folder into one self-contained HTML report.
    Report(cmd_report::ReportArgs),
    /// Build network tables from OpenStreetMap, GeoJSON or Flee files, and check networks.
    #[command(subcommand)]
    Network(NetworkCommand),
}

#[derive(Subcommand)]
enum NetworkCommand {
    /// Build places.csv, segments.csv and network.geojson from an OSM extract, GeoJSON or Flee files.
    Import(Box<cmd_network::ImportArgs>),
    /// Check a network folder: components, isolated places, lengths, duplicates, classes.
    Check(cmd_network::CheckArgs),
}

#[derive(Subcommand)]
enum ScenarioCommand {
    /// Print a scenario as a complete TOML file (save, edit, run with `lifeline run FILE`).
    Show(cmd_run::ScenarioShowArgs),
    /// Print a minimal, commented scenario for a network folder (save it and run it).
    New(cmd_network::NewScenarioArgs),
}

/// Every run allocates and frees its record: hundreds of rows of a few kilobytes (a day's
/// depots, corridors, places). glibc's allocator served those from its slow bins and, with its
/// default thresholds, handed the memory back to the kernel between runs (a page fault per page
/// on the next run). mimalloc keeps such sizes in per-thread free lists: `calibrate` took 5%
/// less CPU with it than with glibc's tuned thresholds (BENCHMARKS.md). Results do not depend
/// on the allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    restore_default_sigpipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => cmd_run::run(args),
        Command::Scenarios => cmd_run::list_scenarios(),
        Command::Scenario(ScenarioCommand::Show(args)) => cmd_run::show_scenario(args),
        Command::Scenario(ScenarioCommand::New(args)) => cmd_network::new_scenario(args),
        Command::Responses(args) => cmd_run::list_responses(args),
        Command::Ensemble(args) => on_ranks(|world| cmd_ensemble::run(args, world)),
        Command::Compare(args) => on_ranks(|world| cmd_compare::run(args, world)),
        Command::Criticality(args) => cmd_criticality::run(args),
        Command::Explain(args) => cmd_explain::run(args),
        Command::Calibrate(args) => on_ranks(|world| cmd_calibrate::run(args, world)),
        Command::Sensitivity(args) => on_ranks(|world| cmd_sensitivity::run(args, world)),
        Command::Validate(args) => on_ranks(|world| cmd_validate::run(args, world)),
        Command::Flee(args) => cmd_flee::run(args),
        Command::Report(args) => cmd_report::run(args),
        Command::Network(NetworkCommand::Import(args)) => cmd_network::import(*args),
        Command::Network(NetworkCommand::Check(args)) => cmd_network::check(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", user_message(&err));
            std::process::ExitCode::FAILURE
        }
    }
}

/// A command whose runs may be spread over MPI ranks (`mpirun -n N lifeline ...` in a build with
/// the `mpi` feature; otherwise one process). With several ranks an error on any of them is
/// printed with its rank and ends them all.
fn on_ranks(command: impl FnOnce(&ranks::World) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let world = ranks::World::init()?;
    let result = command(&world);
    world.finish(result)
}

/// The error and its causes on one line, each said once: library errors often repeat their
/// cause in their own text ("writing x: Permission denied"), which the chain would repeat.
fn user_message(err: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
}

/// `lifeline run | head` should end quietly like any Unix tool, not panic on a closed pipe:
/// Rust ignores SIGPIPE by default, so restore the default action.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is a valid action.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
