//! `lifeline sensitivity`: Sobol first-order and total indices of the scenario's free parameters
//! (over their priors) on each calibration target's quantity, written to sobol.csv.

use crate::common::{
    self, OutFolder, RunChoices, Threads, parse_bootstrap, parse_runs, parse_samples,
};
use crate::progress::Progress;
use crate::ranks::World;
use anyhow::Result;
use lifeline_analysis::calibrate::{Calibration, sensitivity, sobol_csv};
use lifeline_io::manifest::Manifest;
use lifeline_io::outdir::Outputs;
use lifeline_scenario::{Scenario, embedded};

/// What `lifeline sensitivity` writes (`report.html` is written there by `lifeline report`,
/// and cleared by a new analysis).
pub const SENSITIVITY_OUTPUTS: Outputs = Outputs {
    command: "sensitivity",
    names: &["sobol.csv", "report.html"],
};

#[derive(clap::Args)]
pub struct SensitivityArgs {
    /// The scenario (its [[calibration.target]] and [[calibration.parameter]] tables).
    #[arg(default_value = embedded::DEFAULT_SCENARIO)]
    pub scenario: String,
    /// Rows of each of the two prior samples, 2 to 1,000,000: (parameters + 2) × SAMPLES
    /// evaluations.
    #[arg(long, default_value_t = 256, value_parser = parse_samples)]
    pub samples: usize,
    /// Runs per evaluation (common to the evaluations of a row), averaged.
    #[arg(long, default_value_t = 2, value_parser = parse_runs)]
    pub runs: u64,
    /// Bootstrap resamples for the 95% intervals (10 to 100,000).
    #[arg(long, default_value_t = 200, value_parser = parse_bootstrap)]
    pub bootstrap: usize,
    #[command(flatten)]
    pub choices: RunChoices,
    #[command(flatten)]
    pub threads: Threads,
    #[command(flatten)]
    pub out: OutFolder,
}

pub fn run(args: SensitivityArgs, world: &World) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let built = scenario.build(&args.choices.overrides(None))?;
    let problem = Calibration::new(&scenario, &built, args.runs)?;
    world.agree(&scenario, &[&built])?;
    // Rank 0 alone takes the folder; every rank runs its share of the design.
    let folder = if world.leads() {
        Some(
            args.out
                .take(SENSITIVITY_OUTPUTS, SENSITIVITY_OUTPUTS.names)?,
        )
    } else {
        None
    };
    let pool = args.threads.pool()?;
    let evaluations = args.samples * (problem.parameters.len() + 2);
    let progress = Progress::on_rank(
        world.leads(),
        "sensitivity",
        evaluations as u64,
        "evaluations",
    );
    let inc = |n: u64| progress.inc(n);
    let runner = world.runner();
    let indices = pool.install(|| {
        sensitivity(
            &problem,
            args.samples,
            args.bootstrap,
            built.seed,
            runner.as_ref(),
            &inc,
        )
    });
    let Some(folder) = folder else {
        // Another rank: rank 0 writes and reports.
        return indices.map(|_| ()).map_err(Into::into);
    };
    progress.finish();
    let indices = indices?;
    let text = sobol_csv(&problem, &indices);
    let path = common::write_text(folder.dir(), "sobol.csv", &text)?;
    let manifest = Manifest {
        runs: Some(args.runs),
        events_file: args.choices.events_record(),
        ..common::manifest("sensitivity", &args.scenario, built.seed, built.input.days)
    };
    folder.write_manifest(args.choices.mark(manifest), SENSITIVITY_OUTPUTS.names)?;
    println!(
        "Sobol indices over the priors: {} rows × ({} parameters + 2) evaluations × {} runs; scenario {}",
        args.samples,
        problem.parameters.len(),
        args.runs,
        built.name
    );
    println!("| target | parameter | first order | total |");
    println!("|---|---|---:|---:|");
    for ix in &indices {
        println!(
            "| {} | `{}` | {:.2} [{:.2}, {:.2}] | {:.2} [{:.2}, {:.2}] |",
            problem.targets[ix.output].name,
            problem.parameters[ix.parameter].name,
            ix.first,
            ix.first_interval.0,
            ix.first_interval.1,
            ix.total,
            ix.total_interval.0,
            ix.total_interval.1
        );
    }
    println!("All indices in {}", path.display());
    if let Some(line) = world.gathered_line(runner.as_ref()) {
        println!("{line}");
    }
    Ok(())
}
