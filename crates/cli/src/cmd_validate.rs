//! `lifeline validate`: the scenario against its own calibration targets over many runs (with
//! `--seed` other than the one it was fitted on: on held-out seeds), to validate.csv. Each run
//! draws its parameters from the scenario's posterior (as `ensemble` does) unless it names none
//! or `--fixed-parameters` is given: then the scenario runs as written.

use crate::common::{self, OutFolder, ParameterChoice, RunChoices, Threads, parse_runs};
use anyhow::Result;
use lifeline_analysis::calibrate::{Calibration, measure_runs, validation_csv};
use lifeline_io::manifest::Manifest;
use lifeline_io::outdir::Outputs;
use lifeline_scenario::{Scenario, embedded};

/// What `lifeline validate` writes (`report.html` is written there by `lifeline report`, and
/// cleared by a new validation).
pub const VALIDATE_OUTPUTS: Outputs = Outputs {
    command: "validate",
    names: &["validate.csv", "report.html"],
};

#[derive(clap::Args)]
pub struct ValidateArgs {
    /// The scenario (its [[calibration.target]] tables).
    #[arg(default_value = embedded::DEFAULT_SCENARIO)]
    pub scenario: String,
    /// Runs, on streams 0..RUNS of the master seed.
    #[arg(long, default_value_t = 200, value_parser = parse_runs)]
    pub runs: u64,
    #[command(flatten)]
    pub choices: RunChoices,
    #[command(flatten)]
    pub parameters: ParameterChoice,
    #[command(flatten)]
    pub threads: Threads,
    #[command(flatten)]
    pub out: OutFolder,
}

pub fn run(args: ValidateArgs) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let built = scenario.build(&args.choices.overrides(None))?;
    let posterior = args.parameters.posterior(&scenario)?;
    let problem = Calibration::new(&scenario, &built, 1)?;
    let folder = args.out.take(VALIDATE_OUTPUTS, VALIDATE_OUTPUTS.names)?;
    let pool = args.threads.pool()?;
    let per_run =
        pool.install(|| measure_runs(&problem, built.seed, args.runs, posterior.as_ref()));
    let text = validation_csv(&problem, &per_run, posterior.is_some());
    let path = common::write_text(folder.dir(), "validate.csv", &text)?;
    let manifest = Manifest {
        runs: Some(args.runs),
        events_file: args.choices.events_record(),
        ..common::manifest("validate", &args.scenario, built.seed, built.input.days)
    };
    let manifest = args.parameters.mark(manifest, posterior.as_ref());
    folder.write_manifest(args.choices.mark(manifest), VALIDATE_OUTPUTS.names)?;
    let under = match &posterior {
        Some(p) => format!(
            "under its posterior {} (each run a particle drawn by weight, {} particles)",
            p.file,
            p.particles()
        ),
        None => "as written (fixed parameters)".to_string(),
    };
    println!(
        "{} {under} against its calibration targets: {} runs, master seed {}",
        built.name, args.runs, built.seed
    );
    print!("{text}");
    println!("Table in {}", path.display());
    Ok(())
}
