//! `lifeline validate`: the scenario against its calibration targets (with `--seed` other than
//! the one it was fitted on: on held-out seeds) and its validation targets (facts no fit has
//! seen) over many runs, to validate.csv, one row per target with its `set`; printed as two
//! tables. Each run draws its parameters from the scenario's posterior (as `ensemble` does)
//! unless it names none or `--fixed-parameters` is given: then the scenario runs as written.

use crate::common::{self, OutFolder, ParameterChoice, RunChoices, Threads, parse_runs};
use crate::progress::Progress;
use crate::ranks::World;
use anyhow::Result;
use lifeline_analysis::targets::TargetSet;
use lifeline_analysis::validation::{Row, Validation, measure_runs, rows, validation_csv};
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
    /// The scenario (its [[calibration.target]] and [[validation.target]] tables).
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

pub fn run(args: ValidateArgs, world: &World) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let built = scenario.build(&args.choices.overrides(None))?;
    let posterior = args.parameters.posterior(&scenario)?;
    let problem = Validation::new(&scenario, &built)?;
    world.agree(&scenario, &[&built])?;
    // Rank 0 alone takes the folder; every rank runs its share of the runs.
    let folder = if world.leads() {
        Some(args.out.take(VALIDATE_OUTPUTS, VALIDATE_OUTPUTS.names)?)
    } else {
        None
    };
    let pool = args.threads.pool()?;
    let progress = Progress::on_rank(world.leads(), "validate", args.runs, "runs");
    let inc = |n: u64| progress.inc(n);
    let runner = world.runner();
    let per_run = pool.install(|| {
        measure_runs(
            &problem,
            built.seed,
            args.runs,
            posterior.as_ref(),
            runner.as_ref(),
            &inc,
        )
    });
    let Some(folder) = folder else {
        // Another rank: rank 0 writes and reports.
        return per_run.map(|_| ()).map_err(Into::into);
    };
    progress.finish();
    let per_run = per_run?;
    let rows = rows(&problem, &per_run);
    let text = validation_csv(&rows, posterior.is_some());
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
        "{} {under} against its targets: {} runs, master seed {}",
        built.name, args.runs, built.seed
    );
    for set in [TargetSet::Calibration, TargetSet::Validation] {
        print!("{}", set_table(set, &rows));
    }
    println!("Table in {}", path.display());
    if let Some(line) = world.gathered_line(runner.as_ref()) {
        println!("{line}");
    }
    Ok(())
}

/// The rows of one set as an aligned table under its heading (or a line saying there are none).
fn set_table(set: TargetSet, rows: &[Row]) -> String {
    let heading = match set {
        TargetSet::Calibration => "Calibration targets ([[calibration.target]], fitted)",
        TargetSet::Validation => {
            "Validation targets ([[validation.target]], never used in fitting)"
        }
    };
    let of_set: Vec<&Row> = rows.iter().filter(|r| r.set == set).collect();
    if of_set.is_empty() {
        return format!("\n{heading}: none\n");
    }
    let header = [
        "target", "observed", "p05", "p50", "p95", "mean", "inside", "band", "no value",
    ];
    let lines: Vec<[String; 9]> = of_set
        .iter()
        .map(|r| {
            [
                r.target.name.clone(),
                r.target.observed_text(),
                figure(r.band[0]),
                figure(r.band[1]),
                figure(r.band[2]),
                figure(r.mean),
                format!("{:.0}%", 100.0 * r.share_inside),
                if r.band_meets_observation() {
                    "meets".to_string()
                } else {
                    "MISSES".to_string()
                },
                r.runs_without_value.to_string(),
            ]
        })
        .collect();
    let width: Vec<usize> = (0..header.len())
        .map(|c| {
            lines
                .iter()
                .map(|l| l[c].chars().count())
                .chain([header[c].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = format!("\n{heading}: {}\n", of_set.len());
    let mut line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&width)
            .enumerate()
            .map(|(c, (cell, w))| {
                let pad = w - cell.chars().count();
                // Names left-aligned, figures right-aligned.
                if c == 0 {
                    format!("{cell}{}", " ".repeat(pad))
                } else {
                    format!("{}{cell}", " ".repeat(pad))
                }
            })
            .collect();
        out.push_str(&format!("  {}\n", padded.join("  ").trim_end()));
    };
    line(&header.map(str::to_string));
    for l in &lines {
        line(l);
    }
    out.push_str(
        "  (p05/p50/p95: the runs' quantiles; inside: share of runs inside the observation; \
         band: whether the runs' 5-95% band meets it; no value: runs where it never happened)\n",
    );
    out
}

/// A model figure for the printed table: 4 significant digits at most, `-` when no run had one.
fn figure(x: f64) -> String {
    if x.is_nan() {
        return "-".to_string();
    }
    let magnitude = if x == 0.0 {
        0
    } else {
        x.abs().log10().floor() as i32
    };
    let decimals = (3 - magnitude).clamp(0, 3) as usize;
    let text = format!("{x:.decimals$}");
    // 8.000 → 8, 0.250 → 0.25
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::figure;

    #[test]
    fn figures_keep_four_significant_digits_at_most() {
        assert_eq!(figure(8.0), "8");
        assert_eq!(figure(0.25), "0.25");
        assert_eq!(figure(1234.567), "1235");
        assert_eq!(figure(17.126), "17.13");
        assert_eq!(figure(f64::NAN), "-");
        assert_eq!(figure(0.0), "0");
    }
}
