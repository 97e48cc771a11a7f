//! The `lifeline` command-line tool: a thin shell over the scenario, model and I/O crates.

mod cmd_flee;
mod cmd_report;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "lifeline", version, about = "Import lifelines under blockade: simulate, compare responses, report")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run Flee-compatible displacement on Flee's input files (same arguments as Flee's run.py).
    Flee(cmd_flee::FleeArgs),
    /// Turn a run's or an ensemble's output folder into one self-contained HTML report.
    Report(cmd_report::ReportArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Flee(args) => cmd_flee::run(args),
        Command::Report(args) => cmd_report::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
