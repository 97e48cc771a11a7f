//! `lifeline criticality`: which road segments, closed, hurt a city most (defender's view).

use crate::common::{
    self, OutFolder, ParameterChoice, RunChoices, Threads, parse_runs, resolve_place, tied_ranks,
};
use crate::progress::Progress;
use anyhow::{Context, Result};
use lifeline_analysis::criticality::{
    EvaluateAll, Outcome, SegmentCriticality, rank_segments_with,
};
use lifeline_io::manifest::Manifest;
use lifeline_io::outdir::Outputs;
use lifeline_scenario::{Overrides, Scenario, ScenarioError, embedded};
use rayon::prelude::*;
use std::io::Write as _;

/// What `lifeline criticality` writes.
pub const CRITICALITY_OUTPUTS: Outputs = Outputs {
    command: "criticality",
    names: &["criticality.csv"],
};

#[derive(clap::Args)]
pub struct CriticalityArgs {
    /// An embedded scenario name or a scenario .toml file.
    #[arg(default_value = embedded::DEFAULT_SCENARIO)]
    pub scenario: String,
    /// The depot whose shortage-days are measured (default: the scenario's first depot).
    #[arg(long)]
    pub place: Option<String>,
    /// Seeds per closure (the same seeds for every closure and for the scenario itself).
    #[arg(long, default_value_t = 8, value_parser = parse_runs)]
    pub runs: u64,
    /// A named response to analyse instead of status-quo.
    #[arg(long)]
    pub response: Option<String>,
    #[command(flatten)]
    pub choices: RunChoices,
    #[command(flatten)]
    pub parameters: ParameterChoice,
    #[command(flatten)]
    pub threads: Threads,
    /// How many segments to print (all are written to the CSV).
    #[arg(long, default_value_t = 15)]
    pub top: usize,
    #[command(flatten)]
    pub out: OutFolder,
}

pub fn run(args: CriticalityArgs) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let base = args.choices.overrides(args.response.clone());
    let built = scenario.build(&base)?;
    let posterior = args.parameters.posterior(&scenario)?;
    let depots: Vec<String> = built
        .input
        .depots
        .iter()
        .map(|d| built.input.network.place(d.place).name.clone())
        .collect();
    let place = resolve_place(args.place.as_deref(), &depots)?;
    let folder = args
        .out
        .take(CRITICALITY_OUTPUTS, CRITICALITY_OUTPUTS.names)?;
    let pool = args.threads.pool()?;
    let progress = Progress::new("criticality", 0, "closures");
    let evaluate_all = |cases: &[Overrides], eval: &EvaluateAll| {
        progress.set_length(cases.len() as u64);
        pool.install(|| {
            cases
                .par_iter()
                .map(|case| {
                    let outcome = eval(case);
                    progress.inc(1);
                    outcome
                })
                .collect::<Vec<Result<Outcome, ScenarioError>>>()
        })
    };
    let ranked = rank_segments_with(
        &scenario,
        &base,
        &place,
        args.runs,
        posterior.as_ref(),
        evaluate_all,
    );
    progress.finish();
    let ranked = ranked?;
    let ranks = tied_ranks(&tie_keys(&ranked));
    let path = folder.dir().join("criticality.csv");
    lifeline_io::atomic::write_atomically(&path, |w| {
        writeln!(w, "rank,segment,route,length_km,corridors,added_shortage_days,added_shortage_m3,corridors_cut")?;
        for (rank, r) in ranks.iter().zip(&ranked) {
            writeln!(
                w,
                "{},{},{},{:.0},{},{:.2},{:.0},{}",
                rank.trim_start_matches('='),
                r.name,
                r.route.replace(',', ";"),
                r.length_km,
                r.corridors.join(";"),
                r.added_shortage_days,
                r.added_shortage,
                r.corridors_cut.join(";")
            )?;
        }
        Ok(())
    })
    .with_context(|| format!("writing {}", path.display()))?;
    let manifest = Manifest {
        response: Some(built.response.clone()),
        runs: Some(args.runs),
        place: Some(place.clone()),
        events_file: args.choices.events_record(),
        ..common::manifest("criticality", &args.scenario, built.seed, built.input.days)
    };
    let manifest = args.parameters.mark(manifest, posterior.as_ref());
    folder.write_manifest(args.choices.mark(manifest), CRITICALITY_OUTPUTS.names)?;
    println!("{}", common::parameters_line(posterior.as_ref()));

    println!(
        "Road segments ranked by the shortage-days their closure adds in {place} ({} seeds each; scenario {}, response {}, {} days from {})",
        args.runs, built.name, built.response, built.input.days, built.start_date
    );
    println!(
        "{:>4}  {:<32} {:>7} {:>14} {:>16}  corridors",
        "rank", "segment", "km", "+short. days", "+shortage 1000m³"
    );
    for (rank, r) in ranks.iter().zip(&ranked).take(args.top) {
        let cut = if r.corridors_cut.is_empty() {
            String::new()
        } else {
            format!(" (cuts {})", r.corridors_cut.join(", "))
        };
        println!(
            "{:>4}  {:<32} {:>7.0} {:>14.1} {:>16}  {}{}",
            rank,
            r.name,
            r.length_km,
            r.added_shortage_days,
            format!("{:+.1}", r.added_shortage / 1000.0),
            r.corridors.join(", "),
            cut
        );
    }
    println!(
        "+short. days: mean shortage-days (days with more than {:.0}% of demand unmet) added in {place} when the segment is closed; +shortage: mean unmet demand added; =n: tied rank",
        100.0 * lifeline_model::summary::SHORTAGE_DAY_SHARE
    );
    println!("All {} segments in {}", ranked.len(), path.display());
    Ok(())
}

/// Segments tie when their added shortage-days and shortage are equal as written in the CSV.
fn tie_keys(ranked: &[SegmentCriticality]) -> Vec<(String, String)> {
    ranked
        .iter()
        .map(|r| {
            (
                format!("{:.2}", r.added_shortage_days),
                format!("{:.0}", r.added_shortage),
            )
        })
        .collect()
}
