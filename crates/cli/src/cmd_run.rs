//! `lifeline run`, `lifeline scenarios`, `lifeline scenario show`, `lifeline responses`.

use crate::common::{self, OutFolder, ParameterChoice, RunChoices, thousands};
use anyhow::{Context, Result};
use lifeline_io::outdir::Outputs;
use lifeline_io::outputs::{DisplacementTable, WriteOptions, write_run_outputs_with};
use lifeline_model::summary::{DRY_COVER_DAYS, SHORTAGE_DAY_SHARE};
use lifeline_model::{RecordOptions, key_figures};
use lifeline_scenario::displacement::run_coupled;
use lifeline_scenario::{Built, Scenario, embedded};
use std::fmt::Write as _;

/// What `lifeline run` writes (`report.html` with `--report`, `displacement.csv` when the
/// scenario has displacement).
pub const RUN_OUTPUTS: Outputs = Outputs {
    command: "run",
    names: &[
        "places.csv",
        "corridors.csv",
        "events.csv",
        "network.geojson",
        "places.geojson",
        "roads.geojson",
        "daily.geojson",
        "attacks.geojson",
        "displacement.csv",
        "services.csv",
        "scenario.toml",
        "summary.json",
        "report.html",
    ],
};

#[derive(clap::Args)]
pub struct RunArgs {
    /// An embedded scenario name (see `lifeline scenarios`) or a scenario .toml file.
    #[arg(default_value = embedded::DEFAULT_SCENARIO)]
    pub scenario: String,
    #[command(flatten)]
    pub choices: RunChoices,
    #[command(flatten)]
    pub parameters: ParameterChoice,
    /// A named response defined in the scenario (see `lifeline responses SCENARIO`).
    #[arg(long)]
    pub response: Option<String>,
    #[command(flatten)]
    pub out: OutFolder,
    /// Also write report.html (a self-contained offline page) next to the outputs.
    #[arg(long)]
    pub report: bool,
    /// Add a row of HXL hashtags (for HDX) under the header of every CSV file.
    #[arg(long)]
    pub hxl: bool,
}

pub fn run(args: RunArgs) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let overrides = args.choices.overrides(args.response.clone());
    let mut built = scenario.build(&overrides)?;
    if let Some(events) = scenario.event_file_summary(&built, &overrides)? {
        eprintln!("{events}");
    }
    let posterior = args.parameters.posterior(&scenario)?;
    let folder = args.out.take(RUN_OUTPUTS, RUN_OUTPUTS.names)?;
    let dir = folder.dir();
    // The run is run 0 of its master seed: with a posterior, the particle drawn for it, as in
    // run 0 of an ensemble.
    let particle = posterior
        .as_ref()
        .map(|p| p.particle_for_run(built.seed, 0));
    if let (Some(p), Some(k)) = (&posterior, particle) {
        built.input = p.input_with(&built.input, k);
    }
    // Supply and displacement run in one daily loop (the people present set the towns' demand).
    let plan = scenario.displacement_plan(&built)?;
    let coupled = run_coupled(
        &built.input,
        plan.as_ref(),
        built.seed,
        0,
        RecordOptions::all(),
    );
    let record = coupled.supply;
    let figures = key_figures(&built.input, &record);
    let events_file = args.choices.events_record();
    let mut ctx = built.output_context(&scenario);
    ctx.events_file = events_file.clone();
    // The inputs with their sources travel with the outputs (the report shows them), with
    // the event file actually used, so that running the written file repeats this run.
    let scenario_toml = dir.join("scenario.toml");
    let text = scenario_text_as_run(
        &scenario,
        events_file.as_deref(),
        posterior.as_ref().map(|p| p.file.as_str()),
        args.parameters.fixed_parameters,
    );
    lifeline_io::atomic::write_bytes(&scenario_toml, text.as_bytes())
        .with_context(|| format!("writing {}", scenario_toml.display()))?;
    let displacement = coupled.displacement.zip(plan);
    let table = displacement.as_ref().map(|(d, plan)| DisplacementTable {
        present: &d.present,
        arrivals: &d.arrivals,
        spawned: &d.spawned,
        trapped: &d.trapped,
        camps: &plan.camps,
    });
    let options = WriteOptions { hxl: args.hxl };
    write_run_outputs_with(dir, &ctx, &record, &figures, table.as_ref(), &options)
        .with_context(|| format!("writing outputs to {}", dir.display()))?;
    if args.report {
        let page = dir.join("report.html");
        lifeline_report::write_report(dir, &page)
            .with_context(|| format!("writing {}", page.display()))?;
    }
    let manifest = lifeline_io::manifest::Manifest {
        response: Some(built.response.clone()),
        events_file,
        ..common::manifest("run", &args.scenario, built.seed, built.input.days)
    };
    let manifest = lifeline_io::manifest::Manifest {
        particle,
        ..args.parameters.mark(manifest, posterior.as_ref())
    };
    folder.write_manifest(args.choices.mark(manifest), RUN_OUTPUTS.names)?;

    print!("{}", key_figures_table(&built, &figures));
    print!("{}", food_by_month_table(&built, &record, &figures));
    match (&posterior, particle) {
        (Some(p), Some(k)) => println!(
            "Parameters: particle {k} of the posterior {} ({} particles): {}; --fixed-parameters for the scenario's own values",
            p.file,
            p.particles(),
            p.describe(k)
        ),
        _ => println!("{}", common::parameters_line(None)),
    }
    if let Some((d, plan)) = &displacement {
        println!("{}", displacement_line(&built, d, plan, table.as_ref()));
    }
    println!(
        "Outputs in {}/: places.csv, corridors.csv, events.csv, summary.json, scenario.toml, network.geojson, places.geojson, roads.geojson, daily.geojson, attacks.geojson{}{}, manifest.json",
        dir.display(),
        match (displacement.is_some(), built.input.service_rules.is_empty()) {
            (true, false) => ", displacement.csv, services.csv",
            (true, true) => ", displacement.csv",
            (false, false) => ", services.csv",
            (false, true) => "",
        },
        if args.report { ", report.html" } else { "" }
    );
    Ok(())
}

/// The run's displacement in a line: people who left, arrivals by camp, and the places whose
/// people sieges trapped (the most on one day, and for how many days).
fn displacement_line(
    built: &Built,
    d: &lifeline_scenario::displacement::DisplacementRecord,
    plan: &lifeline_scenario::displacement::DisplacementPlan,
    table: Option<&DisplacementTable>,
) -> String {
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
    let arrivals = if camps.is_empty() {
        String::new()
    } else {
        format!("; arrivals by camp: {}", camps.join(", "))
    };
    // Places whose people were trapped: the most on one day and for how many days.
    let trapped: Vec<String> = table
        .map(|t| t.trapped_places())
        .unwrap_or_default()
        .into_iter()
        .map(|(p, most, days)| {
            format!(
                "{} {most} people on {days} days",
                built.input.network.places()[p].name
            )
        })
        .collect();
    let trapped = if trapped.is_empty() {
        String::new()
    } else {
        format!("; trapped by sieges: {}", trapped.join(", "))
    };
    format!(
        "Displacement: {} people left their homes{arrivals}{trapped}",
        d.total_spawned()
    )
}

/// The scenario's text as run: with `--events`, `threat.events` points at that file (an
/// absolute path), and a posterior named relative to the scenario becomes the file read (an
/// absolute path, or `embedded:NAME`) — or, with `--fixed-parameters`, a comment — so the
/// written scenario.toml reproduces the run by itself.
fn scenario_text_as_run(
    scenario: &Scenario,
    events_file: Option<&str>,
    posterior_file: Option<&str>,
    fixed_parameters: bool,
) -> String {
    let text = with_posterior_as_read(scenario, posterior_file, fixed_parameters);
    let Some(file) = events_file else {
        return text;
    };
    // The posterior line comes after [threat] in every scenario we ship; where it does not,
    // its edit moved the events span, so the events are noted in a comment instead.
    let posterior_first = scenario
        .spec
        .calibration
        .as_ref()
        .and_then(|c| c.posterior.as_ref())
        .zip(scenario.spec.threat.events.as_ref())
        .is_some_and(|(p, e)| p.span().start < e.span().start)
        && text != scenario.text;
    let text = &text;
    if posterior_first {
        let value = toml::Value::String(file.to_string()).to_string();
        return format!("# events: given on the command line (--events): {value}\n{text}");
    }
    let value = toml::Value::String(file.to_string()).to_string();
    let note = "# events: given on the command line (--events) in place of the scenario's";
    if let Some(events) = &scenario.spec.threat.events {
        let span = events.span();
        return format!(
            "{}{value}  {note}{}",
            &text[..span.start],
            &text[span.end..]
        );
    }
    match threat_header_end(text) {
        Some(at) => format!("{}{note}\nevents = {value}\n{}", &text[..at], &text[at..]),
        // A [threat] table not written as a header: record the file in a comment at least.
        None => format!("{note}: {value}\n{text}"),
    }
}

/// The scenario's text with its `[calibration] posterior` naming the file actually read.
fn with_posterior_as_read(
    scenario: &Scenario,
    posterior_file: Option<&str>,
    fixed_parameters: bool,
) -> String {
    let text = &scenario.text;
    let Some(spec) = scenario
        .spec
        .calibration
        .as_ref()
        .and_then(|c| c.posterior.as_ref())
    else {
        return text.clone();
    };
    let span = spec.span();
    let Some(file) = posterior_file else {
        if !fixed_parameters {
            return text.clone();
        }
        // The run used the written values: the posterior line becomes a comment.
        let line = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
        return format!(
            "{}# {}  # not used: this run had --fixed-parameters{}",
            &text[..line],
            &text[line..span.end],
            &text[span.end..]
        );
    };
    let file = if file.starts_with("embedded:") {
        file.to_string()
    } else {
        std::fs::canonicalize(file)
            .or_else(|_| std::path::absolute(file))
            .map_or_else(|_| file.to_string(), |p| p.display().to_string())
    };
    format!(
        "{}{}{}",
        &text[..span.start],
        toml::Value::String(file),
        &text[span.end..]
    )
}

/// The byte offset just after the `[threat]` header line.
fn threat_header_end(text: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        offset += line.len();
        if line.trim() == "[threat]" {
            return Some(offset);
        }
    }
    None
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "—".to_string(), |x| x.to_string())
}

/// The key-figures table printed after a run, with a legend of its columns.
pub fn key_figures_table(built: &Built, figures: &lifeline_model::KeyFigures) -> String {
    let input = &built.input;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Scenario {} — response {} — seed {} — {} days from {}",
        built.name, built.response, built.seed, input.days, built.start_date
    );
    let _ = writeln!(
        s,
        "{:<12} {:>12} {:>8} {:>16} {:>8} {:>10} {:>11} {:>11}",
        "place",
        "cover<3d on",
        "days<3d",
        "shortage 1000m³",
        "short d",
        "peak price",
        "min power h",
        "closed days"
    );
    let eaten = |di: usize| {
        input.commodities[input.depots[di].commodity.index()]
            .kcal_per_unit
            .is_some()
    };
    for (di, f) in figures.depots.iter().enumerate() {
        if eaten(di) && f.food.is_some() {
            continue; // in the food table below
        }
        let name = input.depot_label(lifeline_model::DepotId::from_index(di));
        let _ = writeln!(
            s,
            "{:<12} {:>12} {:>8} {:>16} {:>8} {:>9.2}× {:>11} {:>11}",
            name,
            f.first_day_cover_below_3.map_or_else(
                || "never".to_string(),
                |d| common::date_of(built.start_date, d)
            ),
            f.days_cover_below_3,
            thousands(f.total_shortage),
            f.shortage_days,
            f.peak_price_multiple,
            opt(f.min_power_hours.map(|h| format!("{h:.1}"))),
            opt(f.services_closed_days),
        );
    }
    let _ = writeln!(
        s,
        "cover<3d on: first date with under {DRY_COVER_DAYS} days of demand in stock; days<3d: days below that; short d: days with more than {:.0}% of demand unmet",
        100.0 * SHORTAGE_DAY_SHARE
    );
    let _ = writeln!(
        s,
        "peak price: highest informal price × official; min power h: fewest hours of electricity in a day; closed days: days schools were closed; —: not modelled there"
    );
    food_table(&mut s, built, figures);
    let delivered: Vec<String> = input
        .commodities
        .iter()
        .zip(&figures.delivered_by_commodity)
        .map(|(c, v)| format!("{} thousand {} of {}", thousands(*v), c.unit, c.name))
        .collect();
    let _ = writeln!(
        s,
        "National: {} delivered; {} attacks on convoys; {} trucks lost; {} drivers kidnapped",
        delivered.join(", "),
        figures.corridors.iter().map(|c| c.attacks).sum::<u32>(),
        figures.trucks_lost,
        figures.drivers_kidnapped
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
    exports_and_services_lines(&mut s, built, figures);
    s
}

/// Exports (made, sent, revenue lost) and services beyond schools (days closed).
fn exports_and_services_lines(s: &mut String, built: &Built, figures: &lifeline_model::KeyFigures) {
    let input = &built.input;
    for (e, t) in input.exports.iter().zip(&figures.exports) {
        let _ = writeln!(
            s,
            "Export {}: {:.0} {unit} made of {:.0} possible, {:.0} {unit} sent, {:.0} {unit} waiting at the end ({} days held); revenue lost {:.1} billion FCFA",
            e.name,
            t.produced,
            t.potential,
            t.exported,
            t.held_at_end,
            t.days_held,
            (t.potential - t.produced) * e.price / 1e9,
            unit = e.unit,
        );
    }
    let closed: Vec<String> = input
        .service_rules
        .iter()
        .zip(&figures.services)
        .map(|(r, t)| {
            let first = t.first_closed_day.map_or_else(String::new, |d| {
                format!(" from {}", common::date_of(built.start_date, d))
            });
            format!(
                "{} {} {} days{first}",
                input.network.place(r.place).name,
                r.name,
                t.closed_days
            )
        })
        .collect();
    if !closed.is_empty() {
        let _ = writeln!(s, "Services closed: {}", closed.join(", "));
    }
}

/// Month by month, for food depots that reached phase 3 or worse (a siege): stock, kcal per
/// person per day, the phase at the month's end, the food price index, and deliveries by road
/// and by air. Empty when no food depot is in crisis.
pub fn food_by_month_table(
    built: &Built,
    record: &lifeline_model::RunRecord,
    figures: &lifeline_model::KeyFigures,
) -> String {
    use chrono::Datelike;
    let input = &built.input;
    let mut s = String::new();
    for (di, f) in figures.depots.iter().enumerate() {
        if f.food.as_ref().is_none_or(|food| food.worst_phase < 3) {
            continue;
        }
        let name = &input.network.place(input.depots[di].place).name;
        let unit = &input.commodities[input.depots[di].commodity.index()].unit;
        let _ = writeln!(
            s,
            "{name} by month: {:<7} {:>12} {:>9} {:>6} {:>11} {:>14} {:>13}",
            "month",
            format!("stock {unit}"),
            "kcal/day",
            "phase",
            "food price",
            format!("road {unit}"),
            format!("air {unit}")
        );
        // Days grouped by calendar month, in order.
        let mut month_start = 0usize;
        while month_start < record.depot_days.len() {
            let date = |d: usize| {
                built
                    .start_date
                    .checked_add_days(chrono::Days::new(d as u64))
                    .unwrap_or(built.start_date)
            };
            let first = date(month_start);
            let mut end = month_start;
            while end < record.depot_days.len()
                && date(end).month() == first.month()
                && date(end).year() == first.year()
            {
                end += 1;
            }
            let rows: Vec<_> = record.depot_days[month_start..end]
                .iter()
                .map(|d| &d[di])
                .collect();
            let n = rows.len() as f64;
            let kcal = rows
                .iter()
                .filter_map(|r| r.kcal_per_person_day)
                .sum::<f64>()
                / n;
            let last = rows.last().copied();
            let air: f64 = rows.iter().map(|r| r.delivered_by_air).sum();
            let road: f64 = rows.iter().map(|r| r.delivered - r.delivered_by_air).sum();
            let _ = writeln!(
                s,
                "{:>width$} {:<7} {:>12.0} {:>9.0} {:>6} {:>10.2}× {:>14.0} {:>13.0}",
                "",
                first.format("%Y-%m"),
                last.map_or(0.0, |r| r.stock),
                kcal,
                last.and_then(|r| r.food_phase)
                    .map_or("—".to_string(), |p| p.to_string()),
                last.map_or(1.0, |r| r.food_price_index),
                road,
                air,
                width = name.chars().count() + 9,
            );
            month_start = end;
        }
    }
    s
}

/// Food depots' figures: kcal per person per day, the food phase, food prices.
fn food_table(s: &mut String, built: &Built, figures: &lifeline_model::KeyFigures) {
    let input = &built.input;
    let rows: Vec<(usize, &lifeline_model::summary::FoodFigures)> = figures
        .depots
        .iter()
        .enumerate()
        .filter_map(|(di, f)| f.food.as_ref().map(|food| (di, food)))
        .collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "{:<12} {:>9} {:>11} {:>13} {:>13} {:>11}",
        "food", "min kcal", "worst phase", "phase 3 from", "phase 4 from", "peak index"
    );
    let date = |d: Option<u32>| {
        d.map_or_else(
            || "never".to_string(),
            |d| common::date_of(built.start_date, d),
        )
    };
    for (di, food) in rows {
        let name = &input.network.place(input.depots[di].place).name;
        // First day at phase 3 or worse, and at 4 or worse.
        let from = |phase: usize| {
            food.first_day_in_phase[phase - 1..]
                .iter()
                .flatten()
                .min()
                .copied()
        };
        let _ = writeln!(
            s,
            "{:<12} {:>9.0} {:>11} {:>13} {:>13} {:>10.2}×",
            name,
            food.min_kcal_per_person_day,
            food.worst_phase,
            date(from(3)),
            date(from(4)),
            food.peak_food_price_index,
        );
    }
    let _ = writeln!(
        s,
        "min kcal: fewest kcal eaten per person in a day; phase: 1 minimal … 5 catastrophe, read from kcal per person per day averaged over a month (a proxy, see docs/model.md); peak index: highest food price × normal"
    );
}

#[derive(clap::Args)]
pub struct ScenarioShowArgs {
    /// An embedded scenario name (see `lifeline scenarios`) or a scenario .toml file.
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

/// Prints the scenario's text once it has been read and built (so a file with an error is
/// reported, not echoed).
pub fn show_scenario(args: ScenarioShowArgs) -> Result<()> {
    let scenario = Scenario::load(&args.name)?;
    scenario.build(&lifeline_scenario::Overrides::default())?;
    print!("{}", text_to_save(&scenario));
    Ok(())
}

/// A scenario's text, ready to be saved anywhere and run: its posterior named as the file
/// actually read (an embedded scenario's as the embedded posterior, a file's by its full
/// path), as a run writes it beside its outputs. A posterior that cannot be read is left as
/// written, for `run` to report.
fn text_to_save(scenario: &Scenario) -> String {
    match scenario.posterior_source() {
        Ok(Some(source)) => with_posterior_as_read(scenario, Some(&source.file), false),
        _ => scenario.text.clone(),
    }
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
