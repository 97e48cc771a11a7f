//! A first scenario for a network: every table the scenario format requires, with safe
//! defaults marked ASSUMPTION, depots at the largest places and corridors from the nearest
//! port or border post. It runs as is; an analyst then replaces the assumptions with sources.

use crate::error::NetworkError;
use crate::route::RoadGraph;
use lifeline_io::network_csv::NetworkTables;
use lifeline_model::network::{Place, PlaceKind, RoadCondition};
use std::fmt::Write as _;

#[derive(Clone, Debug)]
pub struct TemplateOptions {
    pub name: String,
    /// `network.places` and `network.segments` as the scenario will name them (relative to
    /// the scenario file's folder, or absolute).
    pub places_path: String,
    pub segments_path: String,
    /// Depot places; empty = the largest places.
    pub depots: Vec<String>,
    /// Origin places; empty = ports, else border posts, else the largest remaining place.
    pub origins: Vec<String>,
    /// How many depots to pick when none are named.
    pub depot_count: usize,
}

/// Driving km per day by condition (the Mali scenario's table; ASSUMPTION elsewhere).
const SPEEDS: [(RoadCondition, f64); 4] = [
    (RoadCondition::Good, 400.0),
    (RoadCondition::Fair, 340.0),
    (RoadCondition::Bad, 200.0),
    (RoadCondition::Track, 100.0),
];
/// Fuel use per person and day, m³ (0.15 L: Mali's ~3,600 m³/day over ~24 million people).
const DEMAND_PER_PERSON_M3: f64 = 0.000_15;
/// Demand of a depot whose population is unknown, m³/day.
const MIN_DEMAND_M3: f64 = 5.0;
const TRUCK_CAPACITY_M3: f64 = 46.0;
/// Spare fleet above what the average flow needs: the model dispatches in whole days and
/// trucks wait at borders, so a draft without a blockade needs room not to run short.
const FLEET_SLACK: f64 = 2.0;
/// Days a round trip spends besides driving: loading, unloading, a border day each way.
const ROUND_TRIP_STOP_DAYS: f64 = 4.0;
/// The smallest fleet of a corridor.
const MIN_FLEET: f64 = 2.0;

/// A corridor chosen for the template.
struct Plan {
    depot: usize,
    origin: usize,
    drive_days: f64,
    km: f64,
}

/// The scenario's TOML text.
pub fn scenario_toml(
    tables: &NetworkTables,
    options: &TemplateOptions,
) -> Result<String, NetworkError> {
    let places = &tables.places;
    let depots = match options.depots.is_empty() {
        true => largest_places(places, options.depot_count.max(1)),
        false => named(places, &options.depots, "--depot")?,
    };
    if depots.is_empty() {
        return Err(NetworkError::Usage(
            "the network has no city or town to serve as a depot; name one with --depot PLACE"
                .to_string(),
        ));
    }
    let (origins, origin_rule) = match options.origins.is_empty() {
        true => default_origins(places, &depots),
        false => (
            named(places, &options.origins, "--origin")?,
            "named with --origin",
        ),
    };
    if origins.is_empty() {
        return Err(NetworkError::Usage(
            "the network has no place left to serve as an origin; name one with --origin PLACE"
                .to_string(),
        ));
    }
    let plans = plan_corridors(tables, &depots, &origins)?;
    Ok(render(tables, options, &plans, origin_rule))
}

fn is_junction(place: &Place) -> bool {
    place.name.starts_with("junction ")
}

fn largest_places(places: &[Place], count: usize) -> Vec<usize> {
    let mut candidates: Vec<usize> = (0..places.len())
        .filter(|&i| {
            matches!(
                places[i].kind,
                PlaceKind::City | PlaceKind::Town | PlaceKind::Depot
            ) && !is_junction(&places[i])
        })
        .collect();
    candidates.sort_by_key(|&i| (std::cmp::Reverse(places[i].population), i));
    candidates.truncate(count);
    candidates
}

fn named(places: &[Place], names: &[String], flag: &str) -> Result<Vec<usize>, NetworkError> {
    names
        .iter()
        .map(|name| {
            places.iter().position(|p| &p.name == name).ok_or_else(|| {
                NetworkError::Usage(format!(
                    "{flag} `{name}`: no such place in the network's places table (names are exact, accents included)"
                ))
            })
        })
        .collect()
}

/// Ports, else border posts, else depots of kind `depot`, else the largest place that is not
/// a depot.
fn default_origins(places: &[Place], depots: &[usize]) -> (Vec<usize>, &'static str) {
    let of_kind = |kind: PlaceKind| -> Vec<usize> {
        (0..places.len())
            .filter(|i| places[*i].kind == kind && !depots.contains(i))
            .collect()
    };
    for (kind, rule) in [
        (PlaceKind::Port, "the network's ports"),
        (PlaceKind::Border, "the network's border posts (no port)"),
        (
            PlaceKind::Depot,
            "the network's depots (no port or border post)",
        ),
    ] {
        let found = of_kind(kind);
        if !found.is_empty() {
            return (found, rule);
        }
    }
    let mut rest = largest_places(places, places.len());
    rest.retain(|i| !depots.contains(i));
    rest.truncate(1);
    (
        rest,
        "the largest place that is not a depot (no port, border post or depot in the network)",
    )
}

/// Each depot is served from its nearest origin by driving time.
fn plan_corridors(
    tables: &NetworkTables,
    depots: &[usize],
    origins: &[usize],
) -> Result<Vec<Plan>, NetworkError> {
    let speed = |c: RoadCondition| {
        SPEEDS
            .iter()
            .find(|(k, _)| *k == c)
            .map_or(100.0, |(_, v)| *v)
    };
    let edges: Vec<(usize, usize, f64)> = tables
        .segments
        .iter()
        .map(|s| (s.a.index(), s.b.index(), s.length.0 / speed(s.condition)))
        .collect();
    let graph = RoadGraph::new(tables.places.len(), &edges);
    let mut router = graph.router();
    let mut plans = Vec::new();
    for &depot in depots {
        let days = router.costs_from(depot);
        let nearest = origins
            .iter()
            .copied()
            .filter(|&o| o != depot && days[o].is_finite())
            .min_by(|&a, &b| days[a].total_cmp(&days[b]).then(a.cmp(&b)));
        let Some(origin) = nearest else {
            let names: Vec<&str> = origins
                .iter()
                .map(|&o| tables.places[o].name.as_str())
                .collect();
            return Err(NetworkError::Usage(format!(
                "depot `{}` cannot be reached by road from any origin ({}); run `lifeline network check` and join the network, or name other places with --depot/--origin",
                tables.places[depot].name,
                names.join(", ")
            )));
        };
        let route = router.shortest_path(origin, depot);
        let km = route.map_or(0.0, |r| {
            r.edges.iter().map(|&e| tables.segments[e].length.0).sum()
        });
        plans.push(Plan {
            depot,
            origin,
            drive_days: days[origin],
            km,
        });
    }
    Ok(plans)
}

/// A TOML basic string.
fn toml_str(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn slug(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_matches('-').to_string()
}

/// A small depot orders whole truckloads: its target stock must hold several, or it runs dry
/// between deliveries.
const TRUCKLOADS_IN_TARGET: f64 = 3.0;

fn target_cover_days(demand: f64) -> f64 {
    (TRUCKLOADS_IN_TARGET * TRUCK_CAPACITY_M3 / demand)
        .max(10.0)
        .ceil()
}

fn depot_demand(place: &Place) -> f64 {
    let m3 = place.population as f64 * DEMAND_PER_PERSON_M3;
    (m3.max(MIN_DEMAND_M3) * 10.0).round() / 10.0
}

/// The draft scenario's text, table by table; the tables with no network-specific value come
/// last, as written in [`FIXED_TABLES`].
fn render(
    tables: &NetworkTables,
    options: &TemplateOptions,
    plans: &[Plan],
    origin_rule: &str,
) -> String {
    let mut t = String::new();
    write_header(&mut t, options);
    write_trucks_and_fuel(&mut t);
    write_depots(&mut t, &tables.places, plans);
    write_corridors(&mut t, &tables.places, plans, origin_rule);
    t.push_str(FIXED_TABLES);
    t
}

/// The file's opening comment, `[scenario]` and `[network]`.
fn write_header(t: &mut String, options: &TemplateOptions) {
    let name = &options.name;
    let _ = writeln!(
        t,
        "# Lifeline scenario {name}: a first draft written by `lifeline scenario new`."
    );
    let _ = writeln!(t, "#");
    let _ = writeln!(
        t,
        "# It runs as is. Every value marked ASSUMPTION is a placeholder chosen to be safe, not a"
    );
    let _ = writeln!(
        t,
        "# fact about this place: replace it with a sourced figure and say where it comes from in"
    );
    let _ = writeln!(
        t,
        "# the table's `source`. Tables and keys are described in docs/model.md and in the Mali"
    );
    let _ = writeln!(
        t,
        "# scenario (`lifeline scenario show mali-2025`), whose comments cite their sources.\n"
    );
    let _ = writeln!(t, "[scenario]");
    let _ = writeln!(t, "name = {}", toml_str(name));
    let _ = writeln!(t, "title = {}", toml_str(&format!("{name} — draft")));
    let _ = writeln!(
        t,
        "description = \"Draft scenario on an imported network; no blockade yet.\""
    );
    let _ = writeln!(
        t,
        "start_date = \"2025-01-01\"   # ASSUMPTION: set the first day of the period studied"
    );
    let _ = writeln!(t, "days = 90");
    let _ = writeln!(t, "seed = 1\n");
    let _ = writeln!(t, "[network]   # paths are relative to this file's folder");
    let _ = writeln!(t, "places = {}", toml_str(&options.places_path));
    let _ = writeln!(t, "segments = {}\n", toml_str(&options.segments_path));
}

/// `[trucks]` and the fuel `[[commodity]]`: the Mali draft's values, marked ASSUMPTION.
fn write_trucks_and_fuel(t: &mut String) {
    let _ = writeln!(t, "[trucks]");
    let _ = writeln!(
        t,
        "# ASSUMPTION: the Mali 2025 scenario's speeds (km of driving per day by road condition)."
    );
    let _ = writeln!(
        t,
        "speed_km_per_day = {{ good = 400.0, fair = 340.0, bad = 200.0, track = 100.0 }}"
    );
    let _ = writeln!(t, "load_days = 1.0                 # ASSUMPTION");
    let _ = writeln!(t, "unload_days = 1.0               # ASSUMPTION");
    let _ = writeln!(
        t,
        "border_delay_days = 1.0         # ASSUMPTION: a day at each border post on the way"
    );
    let _ = writeln!(t, "border_extra_day_chance = 0.0   # ASSUMPTION: no queues");
    let _ = writeln!(t, "escorted_speed_factor = 0.6     # ASSUMPTION");
    let _ = writeln!(t, "source = \"ASSUMPTION: draft values\"\n");
    let _ = writeln!(t, "[[commodity]]");
    let _ = writeln!(t, "name = \"fuel\"");
    let _ = writeln!(t, "unit = \"m3\"");
    let _ = writeln!(
        t,
        "truck_capacity = {TRUCK_CAPACITY_M3:.1}   # ASSUMPTION: a tanker of about 46 m³"
    );
    let _ = writeln!(
        t,
        "official_price = 725.0   # ASSUMPTION: the pump price in local currency per litre"
    );
    let _ = writeln!(t, "source = \"ASSUMPTION\"\n");
}

/// A `[[depot]]` for each planned depot, its demand from its population.
fn write_depots(t: &mut String, places: &[Place], plans: &[Plan]) {
    let _ = writeln!(
        t,
        "# Depots: the largest places (or those named with --depot). Demand is ASSUMPTION:"
    );
    let _ = writeln!(
        t,
        "# {:.2} L per person and day (at least {MIN_DEMAND_M3} m³/day), split 30% power, 40% transport,",
        DEMAND_PER_PERSON_M3 * 1000.0
    );
    let _ = writeln!(
        t,
        "# 10% farming and mining, 20% households and services.\n"
    );
    for plan in plans {
        let place = &places[plan.depot];
        let demand = depot_demand(place);
        let split = |share: f64| (demand * share * 10.0).round() / 10.0;
        let _ = writeln!(t, "[[depot]]");
        let _ = writeln!(
            t,
            "place = {}   # population {}",
            toml_str(&place.name),
            place.population
        );
        let _ = writeln!(t, "commodity = \"fuel\"");
        let _ = writeln!(
            t,
            "demand = {{ power = {:.1}, transport = {:.1}, agri_mining = {:.1}, households_services = {:.1} }}",
            split(0.3),
            split(0.4),
            split(0.1),
            split(0.2)
        );
        let cover = target_cover_days(demand);
        let _ = writeln!(
            t,
            "storage_capacity_days = {:.1}   # ASSUMPTION",
            2.0 * cover
        );
        let _ = writeln!(t, "opening_cover_days = {cover:.1}      # ASSUMPTION");
        let _ = writeln!(
            t,
            "target_cover_days = {cover:.1}       # ASSUMPTION: 10 days, or {TRUCKLOADS_IN_TARGET} truckloads where demand is small"
        );
        let _ = writeln!(
            t,
            "source = \"ASSUMPTION: demand from population; stocks as in the Mali draft\"\n"
        );
    }
}

/// A `[[corridor]]` for each planned depot from its origin, the fleet sized to its demand.
fn write_corridors(t: &mut String, places: &[Place], plans: &[Plan], origin_rule: &str) {
    let _ = writeln!(
        t,
        "# Corridors: each depot from its nearest origin by driving time; origins are {origin_rule}."
    );
    let _ = writeln!(
        t,
        "# Fleets carry the demand with {:.0}% slack over the round trip (ASSUMPTION).\n",
        (FLEET_SLACK - 1.0) * 100.0
    );
    for plan in plans {
        let (origin, depot) = (&places[plan.origin], &places[plan.depot]);
        let round_trip = 2.0 * plan.drive_days + ROUND_TRIP_STOP_DAYS;
        let fleet = (depot_demand(depot) * round_trip / TRUCK_CAPACITY_M3 * FLEET_SLACK)
            .ceil()
            .max(MIN_FLEET);
        let _ = writeln!(t, "[[corridor]]");
        let _ = writeln!(
            t,
            "name = {}",
            toml_str(&format!("{}-{}", slug(&origin.name), slug(&depot.name)))
        );
        let _ = writeln!(t, "commodity = \"fuel\"");
        let _ = writeln!(t, "origin = {}", toml_str(&origin.name));
        let _ = writeln!(t, "destination = {}", toml_str(&depot.name));
        let _ = writeln!(t, "share = 1.0");
        let _ = writeln!(
            t,
            "fleet = {fleet:.0}   # {:.0} km, {:.1} days of driving each way",
            plan.km, plan.drive_days
        );
        let _ = writeln!(
            t,
            "convoy = {{ size = 1, max_wait_days = 0.0, escorted = false }}"
        );
        let _ = writeln!(
            t,
            "source = \"ASSUMPTION: nearest origin by road; fleet sized to demand\"\n"
        );
    }
}

/// Tables with no network-specific value: the Mali 2025 scenario's calibrated or assumed
/// values, kept as neutral starting points.
const FIXED_TABLES: &str = r#"[rationing]
trigger_cover_days = 4.0   # ASSUMPTION: rationing begins under 4 days of cover
stretch_days = 8.0         # ASSUMPTION
priority = []
source = "ASSUMPTION"

[prices]
reference_cover_days = 5.0 # ASSUMPTION
cap_multiple = 5.0         # ASSUMPTION
exponent = 1.5             # ASSUMPTION
demand_elasticity = 0.15   # ASSUMPTION
food_transport_share = 0.25 # ASSUMPTION
source = "ASSUMPTION: the Mali 2025 scenario's values (docs/model.md)"

[services]
window_days = 7
close_below = 0.35         # ASSUMPTION
reopen_above = 0.8
max_closure_days = 14
min_open_days = 30
source = "ASSUMPTION: the Mali 2025 scenario's values"

[willingness]
drop_per_attack = 0.5            # ASSUMPTION
drop_per_kidnapping = 0.08
recovery_half_life_days = 30.0
floor = 0.15
drop_per_reported_incident = 0.5
abduction_severity = 3.0
source = "ASSUMPTION: the Mali 2025 scenario's calibrated values"

[escorts]
units = 0                  # ASSUMPTION: no escorts
turnaround_days = 3.0
max_wait_for_escort_days = 4.0
source = "ASSUMPTION"

# Threat: no event history yet. Add `events = "acled.csv"` (an ACLED export) to the [threat]
# table, and [[blockade]] tables for declared blockades (see docs/new-case.md).
[threat]
hazard_scale = 1.0
source = "ASSUMPTION: the Mali 2025 scenario's kernel and attack outcomes"

[threat.kernel]
range_km = 40.0
decay_days = 21.0
scale = 0.05
fatality_weight = 0.3
event_weights = { "Battles" = 0.5, "Violence against civilians" = 1.0, "Explosions/Remote violence" = 0.7, "Strategic developments" = 0.3 }

[threat.attacks]
escort_hazard_factor = 0.6
reference_size = 20.0
size_exponent = 0.3
loss_unescorted = { max_share = 0.9, shape = 1.5 }
loss_escorted = { max_share = 0.5, shape = 2.0 }
kidnap_chance = 0.15
kidnap_max = 6
killed_per_truck_lost = 0.05
turn_back_chance = 0.2
wait_chance = 0.3
wait_days = 2.0
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_slugs_are_safe() {
        assert_eq!(toml_str("Ségou \"x\"\\"), "\"Ségou \\\"x\\\"\\\\\"");
        assert_eq!(slug("Nioro du Sahel"), "nioro-du-sahel");
    }
}
