//! `lifeline explain`: why a depot is where it is on a day — its stock and demand, what each
//! corridor into it delivered, lost and held back (convoys, escorts, drivers' willingness, the
//! threat on the road), and what it shipped on to its towns.

use crate::common::{self, ParameterChoice, RunChoices, resolve_place};
use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use lifeline_model::record::{CorridorDay, EventKind};
use lifeline_model::{DepotId, RecordOptions, RunRecord};
use lifeline_scenario::displacement::run_coupled;
use lifeline_scenario::{Built, Scenario, embedded};
use std::fmt::Write as _;

/// Days before the date that the corridor table sums over.
const WINDOW_DAYS: u32 = 7;

#[derive(clap::Args)]
pub struct ExplainArgs {
    /// An embedded scenario name (see `lifeline scenarios`) or a scenario .toml file.
    #[arg(default_value = embedded::DEFAULT_SCENARIO)]
    pub scenario: String,
    /// The depot to explain (default: the scenario's first depot).
    #[arg(long)]
    pub place: Option<String>,
    /// The day to explain, YYYY-MM-DD (default: the run's last day).
    #[arg(long)]
    pub date: Option<String>,
    /// A named response defined in the scenario.
    #[arg(long)]
    pub response: Option<String>,
    #[command(flatten)]
    pub choices: RunChoices,
    #[command(flatten)]
    pub parameters: ParameterChoice,
}

pub fn run(args: ExplainArgs) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let mut built = scenario.build(&args.choices.overrides(args.response.clone()))?;
    // The run `lifeline run` makes: run 0, with the particle drawn for it.
    let posterior = args.parameters.posterior(&scenario)?;
    let particle = posterior
        .as_ref()
        .map(|p| (p, p.particle_for_run(built.seed, 0)));
    if let Some((p, k)) = particle {
        built.input = p.input_with(&built.input, k);
    }
    let labels = lifeline_ensemble::figures::depot_labels(&built.input);
    let place = resolve_place(args.place.as_deref(), &labels)?;
    let depot = labels
        .iter()
        .position(|l| *l == place)
        .map(DepotId::from_index)
        .context("invariant: a resolved depot is in the list")?;
    let day = day_of(&built, args.date.as_deref())?;
    // Run 0 as `lifeline run` computes it: displacement coupled where the scenario has it.
    let displacement = scenario.displacement_plan(&built)?;
    let record = run_coupled(
        &built.input,
        displacement.as_ref(),
        built.seed,
        0,
        RecordOptions::all(),
    )
    .supply;
    print!("{}", explain(&built, &record, depot, &place, day));
    match particle {
        Some((p, k)) => println!(
            "Parameters: particle {k} of the posterior {} (as in `lifeline run`); --fixed-parameters for the scenario's own values",
            p.file
        ),
        None => println!("{}", common::parameters_line(None)),
    }
    Ok(())
}

/// The day index of a date within the run, with a message naming the run's dates otherwise.
fn day_of(built: &Built, date: Option<&str>) -> Result<u32> {
    let last = built.input.days - 1;
    let Some(text) = date else {
        return Ok(last);
    };
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .with_context(|| format!("--date expects YYYY-MM-DD, found `{text}`"))?;
    let offset = (date - built.start_date).num_days();
    if offset < 0 || offset > i64::from(last) {
        bail!(
            "--date {date} is outside the run ({} to {})",
            built.start_date,
            common::date_of(built.start_date, last)
        );
    }
    Ok(offset as u32)
}

fn explain(built: &Built, record: &RunRecord, depot: DepotId, place: &str, day: u32) -> String {
    let w = Window {
        built,
        record,
        depot,
        place,
        from: day.saturating_sub(WINDOW_DAYS - 1),
        day,
    };
    let mut s = String::new();
    write_depot_day(&mut s, &w);
    write_corridors_in(&mut s, &w);
    write_attacks_in(&mut s, &w);
    write_onward(&mut s, &w);
    s
}

/// What `explain` reads: the run, the depot at `place`, and the days `from..=day` it looks
/// back over.
struct Window<'a> {
    built: &'a Built,
    record: &'a RunRecord,
    depot: DepotId,
    place: &'a str,
    from: u32,
    day: u32,
}

/// The depot's day: stock, cover, demand served and short, deliveries, price, rationing, power.
fn write_depot_day(s: &mut String, w: &Window) {
    let (built, record, depot, place, day) = (w.built, w.record, w.depot, w.place, w.day);
    let d = &record.depot_days[day as usize][depot.index()];
    let date = common::date_of(built.start_date, day);
    let _ = writeln!(
        s,
        "{place} on {date} (day {day}) — scenario {}, response {}, seed {}",
        built.name, built.response, built.seed
    );
    let _ = writeln!(
        s,
        "stock {:.0} m³ = {:.1} days of demand; demand {:.0} m³, served {:.0} m³, short {:.0} m³ ({:.0}%); \
         delivered today {:.0} m³ (by air {:.0}); shipped on to towns {:.0} m³; price {:.2}× official{}{}",
        d.stock,
        d.cover_days,
        d.demand,
        d.consumed,
        d.shortage,
        if d.demand > 0.0 {
            100.0 * d.shortage / d.demand
        } else {
            0.0
        },
        d.delivered,
        d.delivered_by_air,
        d.shipped_onward,
        d.price_multiple,
        if d.rationing { "; rationing" } else { "" },
        d.power_hours
            .map(|h| format!("; power {h:.1} h"))
            .unwrap_or_default(),
    );
}

/// The corridors into the depot over the window: deliveries, trucks, attacks and losses
/// summed, the state of the road and of the drivers on its last day.
fn write_corridors_in(s: &mut String, w: &Window) {
    let (built, record, depot, place, from, day) =
        (w.built, w.record, w.depot, w.place, w.from, w.day);
    let input = &built.input;
    let date = common::date_of(built.start_date, day);
    let _ = writeln!(
        s,
        "\nCorridors into {place}, {} to {date} ({} days):",
        common::date_of(built.start_date, from),
        day - from + 1
    );
    let _ = writeln!(
        s,
        "{:<28} {:>9} {:>8} {:>9} {:>6} {:>7} {:>8} {:>8} {:>8} {:>6} {:>9}",
        "corridor",
        "delivered",
        "arrived",
        "dispatch",
        "lost",
        "attacks",
        "on road",
        "wait cv",
        "wait esc",
        "willing",
        "P(attack)"
    );
    for (ci, c) in input.corridors.iter().enumerate() {
        if c.destination != depot {
            continue;
        }
        let window: Vec<&CorridorDay> = record.corridor_days[from as usize..=day as usize]
            .iter()
            .map(|rows| &rows[ci])
            .collect();
        let today = &record.corridor_days[day as usize][ci];
        let sum = |f: fn(&CorridorDay) -> u32| window.iter().map(|r| f(r)).sum::<u32>();
        let _ = writeln!(
            s,
            "{:<28} {:>9} {:>8} {:>9} {:>6} {:>7} {:>8} {:>8} {:>8} {:>6.2} {:>8.1}%",
            c.name,
            common::thousands(window.iter().map(|r| r.delivered).sum::<f64>()),
            sum(|r| r.trucks_arrived),
            sum(|r| r.trucks_dispatched),
            sum(|r| r.trucks_lost),
            sum(|r| r.attacks),
            today.trucks_in_transit,
            today.trucks_waiting_convoy,
            today.trucks_waiting_escort,
            today.willingness,
            100.0 * input.trip_attack_chance(lifeline_model::CorridorId::from_index(ci), day),
        );
    }
    let _ = writeln!(
        s,
        "delivered: thousand m³ over the window; on road: loaded trucks between loading and unloading \
         today, of which waiting at marshalling for the convoy to form (wait cv) or for an escort \
         (wait esc); willing: drivers' willingness today (departures are capped at this share of the \
         fleet's normal rate); P(attack): chance that a lone truck is attacked on the whole trip today"
    );
}

/// The attacks on the corridors into the depot over the window, one line each.
fn write_attacks_in(s: &mut String, w: &Window) {
    let (built, record, depot, from, day) = (w.built, w.record, w.depot, w.from, w.day);
    let input = &built.input;
    let attacks: Vec<String> = record
        .events
        .iter()
        .filter(|e| e.day >= from && e.day <= day)
        .filter(|e| {
            e.corridor
                .is_some_and(|c| input.corridors[c.index()].destination == depot)
        })
        .filter_map(|e| match &e.kind {
            EventKind::Attack {
                lost, aftermath, ..
            } => Some(format!(
                "  {} {}: {} trucks hit on {}, {lost} lost, survivors {}",
                common::date_of(built.start_date, e.day),
                e.corridor
                    .map(|c| input.corridors[c.index()].name.as_str())
                    .unwrap_or(""),
                e.trucks,
                e.segment
                    .map(|sg| {
                        let seg = input.network.segment(sg);
                        format!(
                            "{}–{}",
                            input.network.place(seg.a).name,
                            input.network.place(seg.b).name
                        )
                    })
                    .unwrap_or_default(),
                aftermath.as_str()
            )),
            _ => None,
        })
        .collect();
    if attacks.is_empty() {
        let _ = writeln!(s, "\nNo attack on these corridors in the window.");
    } else {
        let _ = writeln!(s, "\nAttacks on these corridors in the window:");
        for a in attacks {
            let _ = writeln!(s, "{a}");
        }
    }
}

/// What the depot shipped on to the towns it serves over the window.
fn write_onward(s: &mut String, w: &Window) {
    let (built, record, depot, from, day) = (w.built, w.record, w.depot, w.from, w.day);
    let input = &built.input;
    let towns: Vec<String> = input
        .corridors
        .iter()
        .enumerate()
        .filter(|(_, c)| c.source_depot == Some(depot))
        .map(|(ci, c)| {
            let delivered: f64 = record.corridor_days[from as usize..=day as usize]
                .iter()
                .map(|rows| rows[ci].delivered)
                .sum();
            format!(
                "{} {:.0} m³",
                input
                    .network
                    .place(input.depots[c.destination.index()].place)
                    .name,
                delivered
            )
        })
        .collect();
    if !towns.is_empty() {
        let _ = writeln!(
            s,
            "\nOnward deliveries to the towns it serves over the window: {}",
            towns.join(", ")
        );
    }
}
