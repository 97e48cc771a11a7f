//! `lifeline run`, `lifeline scenarios`, `lifeline scenario show`, `lifeline responses`.

use anyhow::{Context, Result};
use lifeline_io::outputs::{DisplacementTable, write_run_outputs};
use lifeline_model::{RecordOptions, key_figures, run_rng};
use lifeline_scenario::displacement::{displacement_rng, run_displacement};
use lifeline_scenario::{Built, Overrides, Scenario, embedded};
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct RunArgs {
    /// An embedded scenario name (see `lifeline scenarios`) or a scenario .toml file.
    #[arg(default_value = embedded::DEFAULT_SCENARIO)]
    pub scenario: String,
    /// Master seed of the run's random stream (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of days to simulate (default: the scenario's).
    #[arg(long)]
    pub days: Option<u32>,
    /// Folder for the outputs.
    #[arg(long, default_value = "lifeline-out")]
    pub out: PathBuf,
    /// A named response defined in the scenario (see `lifeline responses SCENARIO`).
    #[arg(long)]
    pub response: Option<String>,
    /// A conflict-event history in ACLED's CSV export format (replaces the scenario's).
    #[arg(long)]
    pub events: Option<PathBuf>,
    /// Also write report.html (a self-contained offline page) next to the outputs.
    #[arg(long)]
    pub report: bool,
}

impl RunArgs {
    pub fn overrides(&self) -> Overrides {
        Overrides {
            seed: self.seed,
            days: self.days,
            response: self.response.clone(),
            events_file: self.events.clone(),
            closed_segments: Vec::new(),
        }
    }
}

pub fn run(args: RunArgs) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let built = scenario.build(&args.overrides())?;
    if let Some(events) = scenario.event_file_summary(&built, &args.overrides())? {
        eprintln!("{events}");
    }
    let mut rng = run_rng(built.seed, 0);
    let record = lifeline_model::run(&built.input, &mut rng, RecordOptions::all());
    let figures = key_figures(&built.input, &record);
    let ctx = built.output_context(&scenario);
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    // The inputs with their sources travel with the outputs (the report shows them).
    lifeline_io::atomic::write_bytes(&args.out.join("scenario.toml"), scenario.text.as_bytes())
        .with_context(|| format!("writing {}", args.out.join("scenario.toml").display()))?;
    let displacement = match scenario.displacement_plan(&built)? {
        Some(plan) => {
            let mut rng = displacement_rng(built.seed, 0);
            Some((run_displacement(&plan, &record, &mut rng), plan))
        }
        None => None,
    };
    let table = displacement.as_ref().map(|(d, plan)| DisplacementTable {
        present: &d.present,
        arrivals: &d.arrivals,
        spawned: &d.spawned,
        camps: &plan.camps,
    });
    write_run_outputs(&args.out, &ctx, &record, &figures, table.as_ref())
        .with_context(|| format!("writing outputs to {}", args.out.display()))?;
    print!("{}", key_figures_table(&built, &figures));
    if let Some((d, plan)) = &displacement {
        let camps: Vec<String> = plan
            .camps
            .iter()
            .map(|c| {
                format!(
                    "{} {}",
                    built.input.network.place(*c).name,
                    d.total_arrivals(*c)
                )
            })
            .collect();
        println!(
            "Displacement: {} people left their homes; arrivals by camp: {}",
            d.total_spawned(),
            camps.join(", ")
        );
    }
    println!(
        "Outputs in {}/: places.csv, corridors.csv, events.csv, summary.json, network.geojson, scenario.toml{}",
        args.out.display(),
        if displacement.is_some() {
            ", displacement.csv"
        } else {
            ""
        }
    );
    if args.report {
        let page = args.out.join("report.html");
        lifeline_report::write_report(&args.out, &page)
            .with_context(|| format!("writing {}", page.display()))?;
        println!("Report: {}", page.display());
    }
    Ok(())
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "—".to_string(), |x| x.to_string())
}

/// The key-figures table printed after a run.
pub fn key_figures_table(built: &Built, figures: &lifeline_model::KeyFigures) -> String {
    let input = &built.input;
    let date = |d: u32| {
        built
            .start_date
            .checked_add_days(chrono::Days::new(u64::from(d)))
            .map_or_else(String::new, |x| x.to_string())
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Scenario {} — response {} — seed {} — {} days from {}",
        built.name, built.response, built.seed, input.days, built.start_date
    );
    let _ = writeln!(
        s,
        "{:<12} {:>12} {:>10} {:>13} {:>9} {:>10} {:>11} {:>11}",
        "place",
        "cover<3d on",
        "days<3d",
        "shortage m³",
        "short d",
        "peak price",
        "min power h",
        "closed days"
    );
    for (di, f) in figures.depots.iter().enumerate() {
        let name = &input.network.place(input.depots[di].place).name;
        let _ = writeln!(
            s,
            "{:<12} {:>12} {:>10} {:>13.0} {:>9} {:>9.2}× {:>11} {:>11}",
            name,
            f.first_day_cover_below_3
                .map_or_else(|| "—".to_string(), date),
            f.days_cover_below_3,
            f.total_shortage,
            f.shortage_days,
            f.peak_price_multiple,
            opt(f.min_power_hours.map(|h| format!("{h:.1}"))),
            opt(f.services_closed_days),
        );
    }
    let _ = writeln!(
        s,
        "National: {:.0} m³ delivered; {} trucks lost; {} drivers kidnapped",
        figures.total_delivered, figures.trucks_lost, figures.drivers_kidnapped
    );
    let lost: Vec<String> = figures
        .corridors
        .iter()
        .enumerate()
        .filter(|(_, c)| c.trucks_lost > 0)
        .map(|(i, c)| format!("{} {}", input.corridors[i].name, c.trucks_lost))
        .collect();
    if !lost.is_empty() {
        let _ = writeln!(s, "Trucks lost by corridor: {}", lost.join(", "));
    }
    s
}

#[derive(clap::Args)]
pub struct ScenarioShowArgs {
    /// An embedded scenario name.
    pub name: String,
}

pub fn list_scenarios() -> Result<()> {
    for (name, _) in embedded::SCENARIOS {
        let s = Scenario::load(name)?;
        let default = if *name == embedded::DEFAULT_SCENARIO {
            " (default)"
        } else {
            ""
        };
        println!("{name}{default}\t{}", s.spec.scenario.title);
    }
    Ok(())
}

pub fn show_scenario(args: ScenarioShowArgs) -> Result<()> {
    let text = embedded::scenario(&args.name)
        .ok_or_else(|| lifeline_scenario::ScenarioError::UnknownScenario(args.name.clone()))?;
    print!("{text}");
    Ok(())
}

#[derive(clap::Args)]
pub struct ResponsesArgs {
    /// An embedded scenario name or a scenario .toml file.
    #[arg(default_value = embedded::DEFAULT_SCENARIO)]
    pub scenario: String,
}

pub fn list_responses(args: ResponsesArgs) -> Result<()> {
    let s = Scenario::load(&args.scenario)?;
    for (name, description) in s.responses() {
        println!("{name}\t{description}");
    }
    Ok(())
}
