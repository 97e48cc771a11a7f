//! `lifeline criticality`: which road segments, closed, hurt a city most (defender's view).

use anyhow::{Context, Result};
use lifeline_scenario::criticality::rank_segments;
use lifeline_scenario::{Overrides, Scenario, embedded};
use std::io::Write as _;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct CriticalityArgs {
    /// An embedded scenario name or a scenario .toml file.
    #[arg(default_value = embedded::DEFAULT_SCENARIO)]
    pub scenario: String,
    /// The city whose shortage-days are measured.
    #[arg(long, default_value = "Bamako")]
    pub place: String,
    /// Seeds per closure (the same seeds for every closure and for the scenario itself).
    #[arg(long, default_value_t = 8)]
    pub runs: u64,
    /// A named response to analyse instead of status-quo.
    #[arg(long)]
    pub response: Option<String>,
    /// Master seed (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// How many segments to print (all are written to the CSV).
    #[arg(long, default_value_t = 15)]
    pub top: usize,
    /// Where to write criticality.csv.
    #[arg(long, default_value = "lifeline-out")]
    pub out: PathBuf,
}

pub fn run(args: CriticalityArgs) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let base = Overrides {
        seed: args.seed,
        response: args.response.clone(),
        ..Overrides::default()
    };
    let ranked = rank_segments(&scenario, &base, &args.place, args.runs)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let path = args.out.join("criticality.csv");
    lifeline_io::atomic::write_atomically(&path, |w| {
        writeln!(w, "rank,segment,route,length_km,corridors,added_shortage_days,added_shortage_m3,corridors_cut")?;
        for (i, r) in ranked.iter().enumerate() {
            writeln!(
                w,
                "{},{},{},{:.0},{},{:.2},{:.0},{}",
                i + 1,
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
    println!(
        "Road segments ranked by the shortage-days their closure adds in {} ({} seeds each; scenario {}, response {})",
        args.place,
        args.runs,
        scenario.spec.scenario.name,
        args.response.as_deref().unwrap_or("status-quo")
    );
    println!(
        "{:>4}  {:<32} {:>7} {:>14} {:>14}  corridors",
        "rank", "segment", "km", "+short. days", "+shortage m³"
    );
    for (i, r) in ranked.iter().take(args.top).enumerate() {
        let cut = if r.corridors_cut.is_empty() {
            String::new()
        } else {
            format!(" (cuts {})", r.corridors_cut.join(", "))
        };
        println!(
            "{:>4}  {:<32} {:>7.0} {:>14.1} {:>14.0}  {}{}",
            i + 1,
            r.name,
            r.length_km,
            r.added_shortage_days,
            r.added_shortage,
            r.corridors.join(", "),
            cut
        );
    }
    println!("All {} segments in {}", ranked.len(), path.display());
    Ok(())
}
