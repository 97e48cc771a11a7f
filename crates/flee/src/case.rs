//! A Flee case read from its files and run the way Flee's `runscripts/run.py` runs it.
//!
//! Day loop (Flee: Groen et al., BSD-3-Clause): switch conflict zones on or off from
//! `conflicts.csv` (or, under DFlee's flood rules, set today's flood levels from
//! `flood_level.csv`), spawn the day's new agents (the increase of the summed camp data, with a
//! debt carried when it falls, by conflict with `conflict_driven_spawning`, or by flood with
//! `flood_driven_spawn_mode`), refresh spawn weights, apply closures starting or ending today,
//! step the ecosystem, record the camps (every location under flood-driven spawning, as Flee).
//!
//! Input that Flee tolerates is read on with a warning in [`FleeCase::warnings`]; input whose
//! result in Flee would be an accident is an error naming the file and line.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::ecosystem::{Ecosystem, LocationId, LocationKind, LocationSpec, MAX_AGENTS};
use crate::error::{FleeError, Result};
use crate::forecast::FloodForecaster;
use crate::input::{
    ClosureKind, ConflictTable, LocationRow, MAX_PEOPLE, parse_closures, parse_conflicts,
    parse_data_layout, parse_demographics, parse_flood_levels, parse_locations,
    parse_registration_corrections, parse_routes, parse_sim_period,
};
use crate::refugee_data::RefugeeTable;
use crate::settings::{SimSettings, SpawnRules};
use crate::text::{Date, numpy_round, parse_float, parse_int, py_float, py_float_repr};

/// The name and text of one input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// Shown in error messages (usually the path).
    pub name: String,
    pub text: String,
}

impl InputFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> InputFile {
        InputFile {
            name: name.into(),
            text: text.into(),
        }
    }
}

/// The text of every file of a Flee case (the caller reads the files; this crate does no I/O).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseInputs {
    pub locations: InputFile,
    pub routes: InputFile,
    pub closures: Option<InputFile>,
    /// Flee's current run script requires `conflicts.csv`, except under DFlee's flood rules,
    /// when it is not read.
    pub conflicts: Option<InputFile>,
    /// DFlee's `flood_level.csv` (required under flood rules, otherwise not read).
    pub flood_levels: Option<InputFile>,
    /// DFlee's `demographics_floodawareness.csv`: required when the flood forecaster acts,
    /// otherwise not read.
    pub flood_awareness: Option<InputFile>,
    pub sim_period: InputFile,
    pub registration_corrections: Option<InputFile>,
    /// `data_layout.csv` from the source data directory.
    pub data_layout: InputFile,
    /// Data files named in the layout, keyed by the name written there.
    pub data_files: BTreeMap<String, String>,
    pub settings: InputFile,
}

/// The data files `data_layout.csv` refers to (so the caller knows what to read).
pub fn data_files_named_in(layout: &InputFile) -> Result<Vec<String>> {
    let rows = parse_data_layout(&layout.name, &layout.text)?;
    let mut files: Vec<String> = rows.into_iter().flat_map(|row| row.files).collect();
    files.dedup();
    Ok(files)
}

#[derive(Debug, Clone, PartialEq)]
enum ClosureAction {
    Border(String, String),
    Location(LocationId),
    LinkOneWay(LocationId, LocationId),
    Camp(LocationId, bool),
}

#[derive(Debug, Clone, PartialEq)]
struct ScheduledClosure {
    action: ClosureAction,
    start: i64,
    end: i64,
}

/// The deterministic part of one day: data and spawning.
#[derive(Debug, Clone, PartialEq)]
pub struct DayPlan {
    /// Agents spawned this day.
    pub new_agents: u64,
    /// UNHCR count per camp (camp order), interpolated and truncated.
    pub camp_data: Vec<i64>,
    /// Sum of `camp_data` ("refugees in camps (UNHCR)").
    pub unhcr_in_camps: i64,
    /// Running total of the daily differences ("raw UNHCR refugee count").
    pub raw_count: i64,
    /// People owed because the data fell ("refugee_debt").
    pub refugee_debt: i64,
}

/// A ready-to-run Flee case.
#[derive(Debug, Clone)]
pub struct FleeCase {
    pub settings: SimSettings,
    /// Input that Flee tolerates and that was ignored, each naming the file, line and what was
    /// ignored (the settings' own warnings included).
    pub warnings: Vec<String>,
    pub start_date: Date,
    /// Days to simulate.
    pub days: usize,
    initial: Ecosystem,
    camps: Vec<LocationId>,
    idp_camps: Vec<LocationId>,
    conflict_locations: Vec<LocationId>,
    conflict_days: Vec<Vec<f64>>,
    /// DFlee: the locations of `flood_level.csv`'s columns and each day's levels for them.
    flood_locations: Vec<LocationId>,
    flood_days: Vec<Vec<u32>>,
    closures: Vec<ScheduledClosure>,
    plan: Vec<DayPlan>,
}

/// What one run produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutput {
    /// Agents in each camp at the end of each day (`day * camps + camp`).
    pub camp_counts: Vec<u32>,
    /// All agents at the end of each day.
    pub total_agents: Vec<u64>,
    /// Agents in IDP camps at the end of each day.
    pub idp_totals: Vec<u64>,
}

impl RunOutput {
    /// Agents in camp `camp` at the end of `day`.
    pub fn camp_count(&self, day: usize, camp: usize, camps: usize) -> u32 {
        self.camp_counts[day * camps + camp]
    }
}

/// Averaged relative differences against the UNHCR data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ard {
    pub normal: f64,
    pub rescaled: f64,
}

fn location_kind(file: &str, line: u64, location_type: &str) -> Result<LocationKind> {
    let lower = location_type.to_lowercase();
    if lower.contains("camp") {
        Ok(if lower.contains("idp") {
            LocationKind::IdpCamp
        } else {
            LocationKind::Camp
        })
    } else if lower.contains("conflict") {
        Ok(LocationKind::ConflictZone)
    } else if lower.contains("forward") {
        Ok(LocationKind::Forward)
    } else if lower.contains("marker") {
        Ok(LocationKind::Marker)
    } else if lower.contains("flood_zone") {
        Ok(LocationKind::FloodZone)
    } else if lower.contains("default") || lower.contains("town") {
        Ok(LocationKind::Town)
    } else {
        Err(FleeError::row(
            file,
            line,
            format!("unknown location type `{location_type}`"),
        ))
    }
}

/// Index of `row` in `rows` (rows are distinct by line).
fn first_row_index(rows: &[LocationRow], row: &LocationRow) -> usize {
    rows.iter().position(|r| r.line == row.line).unwrap_or(0)
}

/// Two `locations.csv` rows that describe the same place in every field.
fn same_location(a: &LocationRow, b: &LocationRow) -> bool {
    a.name == b.name
        && a.region == b.region
        && a.country == b.country
        && a.x == b.x
        && a.y == b.y
        && a.location_type == b.location_type
        && a.conflict_date == b.conflict_date
        && a.population == b.population
        && a.attributes == b.attributes
}

/// A head count attribute (`initial_idps`, `capacity_per_day`), range-checked.
fn parse_head_count(file: &str, line: u64, what: &str, text: &str) -> Result<i64> {
    let count = parse_int(file, line, what, text)?;
    if (0..=MAX_PEOPLE).contains(&count) {
        Ok(count)
    } else {
        Err(FleeError::row(
            file,
            line,
            format!("`{what}` must be from 0 to {MAX_PEOPLE}, found {count}"),
        ))
    }
}

/// The locations of `conflicts.csv`'s (or `flood_level.csv`'s) columns and each day's values
/// for them. A column that is not a location is dropped with a warning when all its values are
/// 0 (it can change nothing, and Flee carries on); otherwise it is an error, since its
/// conflicts (or floods), which Flee silently drops, would be lost.
fn conflict_columns(
    table: &ConflictTable,
    ecosystem: &Ecosystem,
    conflicts_file: &str,
    locations_file: &str,
    what: &str,
    warnings: &mut Vec<String>,
) -> Result<(Vec<LocationId>, Vec<Vec<f64>>)> {
    let mut kept = Vec::with_capacity(table.names.len());
    let mut locations = Vec::with_capacity(table.names.len());
    for (column, name) in table.names.iter().enumerate() {
        if let Some(id) = ecosystem.location_id(name) {
            kept.push(column);
            locations.push(id);
            continue;
        }
        if table.days.iter().all(|day| day[column] == 0.0) {
            warnings.push(format!(
                "{conflicts_file}:{}: column `{name}` is not a location in {locations_file}; all \
                 its values are 0, so it is ignored",
                table.header_line
            ));
            continue;
        }
        // A name that differs only in case is the usual slip.
        let hint = ecosystem
            .locations()
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(name))
            .map(|l| format!(" (did you mean `{}`?)", l.name))
            .unwrap_or_default();
        return Err(FleeError::row(
            conflicts_file,
            table.header_line,
            format!(
                "column `{name}` is not a location in {locations_file}{hint}, and it has \
                 {what} that would be lost (Flee drops them without a word); rename the \
                 column or the location so that they match"
            ),
        ));
    }
    let days = table
        .days
        .iter()
        .map(|day| kept.iter().map(|&column| day[column]).collect())
        .collect();
    Ok((locations, days))
}

/// DFlee's `flood_level.csv`: the locations of its columns and each day's integer level for
/// them (Flee truncates the values with `int()`). Every level must be one that Flee can look
/// up in each per-level list: from 0 to the list's length − 2 (Flee's `interp` fails at the
/// last entry).
fn flood_columns(
    inputs: &CaseInputs,
    settings: &SimSettings,
    ecosystem: &Ecosystem,
    days: usize,
    warnings: &mut Vec<String>,
) -> Result<FloodColumns> {
    let file = inputs.flood_levels.as_ref().ok_or_else(|| {
        FleeError::file(
            "flood_level.csv",
            "is missing; under flood rules Flee's run.py reads INPUT_CSV_DIR/flood_level.csv \
             (a header `#Day,<location>,...` and one row of flood levels per day)",
        )
    })?;
    let table = parse_flood_levels(&file.name, &file.text)?;
    let (locations, values) = conflict_columns(
        &table,
        ecosystem,
        &file.name,
        &inputs.locations.name,
        "flood levels",
        warnings,
    )?;
    if values.len() < days {
        return Err(FleeError::file(
            &file.name,
            format!(
                "has {} day rows but the simulation runs {days} days (Flee stops with an \
                 IndexError on the first day without a row)",
                values.len()
            ),
        ));
    }
    // The highest level each list can serve, with the key that limits it.
    let mut lists: Vec<(&str, usize)> = Vec::new();
    if let Some(rule) = &settings.spawn_rules.flood_driven {
        lists.push((
            "spawn_rules.flood_driven_spawn_mode.displaced_per_flood_day",
            rule.displaced_per_flood_day.len(),
        ));
    }
    if let Some(flood) = &settings.move_rules.flood {
        lists.push((
            "move_rules.flood_rules.flood_movechances",
            flood.movechances.len(),
        ));
        lists.push((
            "move_rules.flood_rules.flood_loc_weights",
            flood.loc_weights.len(),
        ));
    }
    let mut levels = Vec::with_capacity(days);
    for (day, row) in values.iter().take(days).enumerate() {
        let line = table.day_lines.get(day).copied().unwrap_or(0);
        let mut today = Vec::with_capacity(row.len());
        for (&value, &location) in row.iter().zip(&locations) {
            let name = &ecosystem.location(location).name;
            if !(value.is_finite() && value >= 0.0 && value < f64::from(u32::MAX)) {
                return Err(FleeError::row(
                    &file.name,
                    line,
                    format!("flood level of `{name}` must be a number >= 0, found {value:?}"),
                ));
            }
            let level = value.trunc() as u32;
            if let Some(&(key, len)) = lists.iter().find(|&&(_, len)| level as usize + 1 >= len) {
                return Err(FleeError::row(
                    &file.name,
                    line,
                    format!(
                        "flood level {level} of `{name}` is past what `{key}` ({len} entries) \
                         covers: Flee's interp needs a level below {} and stops with an \
                         IndexError; add entries to the list or lower the level",
                        len - 1
                    ),
                ));
            }
            today.push(level);
        }
        levels.push(today);
    }
    Ok(FloodColumns {
        file: file.name.clone(),
        locations,
        levels,
        values,
        lines: table.day_lines,
    })
}

/// `flood_level.csv` read for a run.
struct FloodColumns {
    file: String,
    /// The locations of its columns.
    locations: Vec<LocationId>,
    /// Each simulated day's integer level per column.
    levels: Vec<Vec<u32>>,
    /// Every row's values as written, per column (the flood forecaster reads ahead).
    values: Vec<Vec<f64>>,
    /// Line of each row.
    lines: Vec<u64>,
}

/// DFlee's flood forecaster, if it acts during the run: checks that the forecast, the day
/// weights and `demographics_floodawareness.csv` cover what it reads, and hands each
/// location's forecast and awareness weights to the ecosystem.
fn set_up_forecaster(
    inputs: &CaseInputs,
    settings: &SimSettings,
    ecosystem: &mut Ecosystem,
    days: usize,
    flood: &FloodColumns,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let Some(rules) = settings.move_rules.flood.as_ref() else {
        return Ok(());
    };
    let Some(forecaster) = rules.forecaster.as_ref() else {
        return Ok(());
    };
    let Some(last) = forecaster.last_day_read(days) else {
        return Ok(());
    };
    let last = last as usize;
    let key = "move_rules.flood_rules";
    if flood.values.len() <= last {
        return Err(FleeError::file(
            &flood.file,
            format!(
                "has {} day rows, but the flood forecaster reads the forecast up to day {last} \
                 (each day t it reads days t+1 to t+{} up to {key}.flood_forecaster_end_time, \
                 {}); Flee stops with an IndexError; add rows or lower the end time",
                flood.values.len(),
                forecaster.timescale,
                forecaster.end_time
            ),
        ));
    }
    if forecaster.day_weights.len() <= last {
        return Err(FleeError::setting(
            &inputs.settings.name,
            &format!("{key}.flood_forecaster_weights"),
            format!(
                "has {} entries, but the forecaster reads the weight of day {last}: the list is \
                 indexed by simulation day (from 0), up to flood_forecaster_end_time; add entries",
                forecaster.day_weights.len()
            ),
        ));
    }
    let loc_weights = rules.loc_weights.len();
    for (row, line) in flood.values.iter().zip(&flood.lines).take(last + 1) {
        for (&value, &location) in row.iter().zip(&flood.locations) {
            let name = &ecosystem.location(location).name;
            if !(value.is_finite() && value >= 0.0 && value < f64::from(u32::MAX)) {
                return Err(FleeError::row(
                    &flood.file,
                    *line,
                    format!("flood level of `{name}` must be a number >= 0, found {value:?}"),
                ));
            }
            if value.trunc() as usize + 1 >= loc_weights {
                return Err(FleeError::row(
                    &flood.file,
                    *line,
                    format!(
                        "forecast flood level {} of `{name}` is past what \
                         `{key}.flood_loc_weights` ({loc_weights} entries) covers: Flee's \
                         interp needs a level below {}; add entries or lower the level",
                        value.trunc(),
                        loc_weights - 1
                    ),
                ));
            }
        }
    }
    for (column, &location) in flood.locations.iter().enumerate() {
        let forecast = flood.values[..=last]
            .iter()
            .map(|row| row[column])
            .collect();
        ecosystem.set_flood_forecast(location, forecast);
    }
    let awareness = flood_awareness(inputs, forecaster, ecosystem, warnings)?;
    for (index, weights) in awareness.iter().enumerate() {
        ecosystem.set_flood_awareness(LocationId(index as u32), weights)?;
    }
    Ok(())
}

/// Each location's weight of every flood awareness level, from
/// `demographics_floodawareness.csv` (Flee's `demographics.py`: the location's own column, else
/// `Default`). Values are levels, indices into `flood_awareness_weights`.
fn flood_awareness(
    inputs: &CaseInputs,
    forecaster: &FloodForecaster,
    ecosystem: &Ecosystem,
    warnings: &mut Vec<String>,
) -> Result<Vec<Vec<f64>>> {
    const ATTRIBUTE: &str = "floodawareness";
    let file = inputs.flood_awareness.as_ref().ok_or_else(|| {
        FleeError::file(
            "demographics_floodawareness.csv",
            "is missing: the flood forecaster (move_rules.flood_rules.flood_forecaster: True) \
             draws each agent's flood awareness from INPUT_CSV_DIR/demographics_floodawareness.csv \
             (a `floodawareness` column with the levels 0, 1, ... and a weight column per \
             location or a `Default` column); Flee stops with a KeyError without it",
        )
    })?;
    let table = parse_demographics(&file.name, &file.text, ATTRIBUTE)?;
    let levels = forecaster.awareness_levels();
    let mut row_levels = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let level = py_float(&row.value)
            .filter(|v| v.fract() == 0.0 && *v >= 0.0 && *v < levels as f64)
            .ok_or_else(|| {
                FleeError::row(
                    &file.name,
                    row.line,
                    format!(
                        "`{ATTRIBUTE}` must be a whole number from 0 to {} (a level, the index \
                         of its weight in move_rules.flood_rules.flood_awareness_weights, which \
                         has {levels} entries), found `{}`",
                        levels - 1,
                        row.value
                    ),
                )
            })?;
        row_levels.push(level as usize);
    }
    // Each column's weight of every level (a level on several rows adds up, as a draw of
    // one row among them would).
    let mut by_column = vec![vec![0.0; levels]; table.columns.len()];
    for (row, &level) in table.rows.iter().zip(&row_levels) {
        for (column, &weight) in row.weights.iter().enumerate() {
            by_column[column][level] += weight;
        }
    }
    let mut default = None;
    let mut own = vec![None; ecosystem.locations().len()];
    for (column, name) in table.columns.iter().enumerate() {
        if by_column[column].iter().sum::<f64>() <= 0.0 {
            return Err(FleeError::file(
                &file.name,
                format!(
                    "every weight in column `{name}` is 0, so no level can be drawn there \
                     (Flee stops with `weights sum to zero`)"
                ),
            ));
        }
        if name == "Default" {
            default = Some(column);
        } else if let Some(id) = ecosystem.location_id(name) {
            own[id.0 as usize] = Some(column);
        } else if let Some(meant) = ecosystem
            .locations()
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(name))
        {
            return Err(FleeError::row(
                &file.name,
                table.header_line,
                format!(
                    "column `{name}` is not a location (did you mean `{}`?); Flee would give \
                     that location the `Default` weights instead",
                    meant.name
                ),
            ));
        } else {
            warnings.push(format!(
                "{}:{}: column `{name}` is not a location in {}; ignored, as Flee does",
                file.name, table.header_line, inputs.locations.name
            ));
        }
    }
    ecosystem
        .locations()
        .iter()
        .zip(own)
        .map(|(location, column)| {
            column
                .or(default)
                .map(|column| by_column[column].clone())
                .ok_or_else(|| {
                    FleeError::row(
                        &file.name,
                        table.header_line,
                        format!(
                            "no column for `{}` and no `Default` column: Flee stops with a \
                             KeyError when an agent appears there; add a `Default` column or \
                             one for the location",
                            location.name
                        ),
                    )
                })
        })
        .collect()
}

/// Adds the locations file's rows to `ecosystem`, in order (an exact repeat of a town or
/// marker is skipped with a warning); returns each added location's `initial_idps`.
fn add_locations(
    inputs: &CaseInputs,
    ecosystem: &mut Ecosystem,
    hasten: i64,
    warnings: &mut Vec<String>,
) -> Result<Vec<i64>> {
    let locations_file = &inputs.locations.name;
    let rows = parse_locations(locations_file, &inputs.locations.text)?;
    let mut initial_idps = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut location_type = row.location_type.clone();
        if row.conflict_date.is_some_and(|date| date > 0) {
            // A conflict zone that erupts later starts as a town.
            location_type = "town".into();
        }
        let kind = location_kind(locations_file, row.line, &location_type)?;
        let population = row.population.div_euclid(hasten);
        let mut spec = LocationSpec::new(row.name.clone(), kind)
            .country(if row.country.is_empty() {
                "unknown"
            } else {
                &row.country
            })
            .coordinates(row.x, row.y);
        spec.region = if row.region.is_empty() {
            "unknown".into()
        } else {
            row.region.clone()
        };
        if matches!(kind, LocationKind::Camp | LocationKind::IdpCamp) {
            spec.capacity = Some(population);
        } else {
            spec.population = population;
        }
        if let Some(text) = row.attribute("conflict_intensity") {
            spec.conflict_intensity =
                parse_float(locations_file, row.line, "conflict_intensity", text)?;
            if !(spec.conflict_intensity.is_finite() && spec.conflict_intensity >= 0.0) {
                return Err(FleeError::row(
                    locations_file,
                    row.line,
                    format!(
                        "`conflict_intensity` must be a finite number >= 0, found {:?}",
                        spec.conflict_intensity
                    ),
                ));
            }
        }
        if let Some(text) = row.attribute("capacity_per_day") {
            spec.capacity_per_day =
                parse_head_count(locations_file, row.line, "capacity_per_day", text)?;
        }
        let idps = match row.attribute("initial_idps") {
            Some(text) => parse_head_count(locations_file, row.line, "initial_idps", text)?,
            None => 0,
        };
        if let Some(earlier) = rows[..first_row_index(&rows, row)]
            .iter()
            .find(|earlier| earlier.name == row.name)
        {
            if same_location(earlier, row)
                && !matches!(
                    kind,
                    LocationKind::Camp | LocationKind::IdpCamp | LocationKind::ConflictZone
                )
            {
                // Flee adds both copies but links routes to the last one, which leaves an
                // isolated copy; for a repeated town or marker that copy changes nothing.
                warnings.push(format!(
                    "{locations_file}:{}: location `{}` repeats line {} exactly; the \
                     repeat is ignored (in Flee it is an unused, unlinked copy)",
                    row.line, row.name, earlier.line
                ));
                continue;
            }
            return Err(FleeError::row(
                locations_file,
                row.line,
                format!(
                    "location `{}` appears twice (first on line {}) and the rows differ or \
                     describe a camp or conflict zone; Flee would link routes to this row \
                     and keep the other as an unlinked copy, so give each row its own name \
                     or delete one",
                    row.name, earlier.line
                ),
            ));
        }
        initial_idps.push(idps);
        ecosystem.add_location(spec);
    }
    Ok(initial_idps)
}

/// Adds the routes file's links to `ecosystem` (both ways; Flee's forced redirection).
fn add_routes(inputs: &CaseInputs, ecosystem: &mut Ecosystem) -> Result<()> {
    let locations_file = &inputs.locations.name;
    let routes_file = &inputs.routes.name;
    for route in parse_routes(routes_file, &inputs.routes.text)? {
        let find = |name: &str| {
            ecosystem.location_id(name).ok_or_else(|| {
                FleeError::row(
                    routes_file,
                    route.line,
                    format!("`{name}` is not in {locations_file}"),
                )
            })
        };
        let a = find(&route.from)?;
        let b = find(&route.to)?;
        let max_move_speed = route
            .attribute("max_move_speed")
            .map(|t| parse_float(routes_file, route.line, "max_move_speed", t))
            .transpose()?;
        if let Some(speed) = max_move_speed.filter(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(FleeError::row(
                routes_file,
                route.line,
                format!("`max_move_speed` must be a finite number > 0, found {speed:?}"),
            ));
        }
        let walk_probability = route
            .attribute("walk_probability")
            .map(|t| parse_float(routes_file, route.line, "walk_probability", t))
            .transpose()?
            .unwrap_or(0.0);
        if !(0.0..=1.0).contains(&walk_probability) {
            return Err(FleeError::row(
                routes_file,
                route.line,
                format!("`walk_probability` must be from 0 to 1, found {walk_probability:?}"),
            ));
        }
        // Flee's reader links twice for forced_redirection 1 and reverses for 2.
        let mut pairs = Vec::new();
        if route.forced_redirection == 1 {
            pairs.push((a, b));
        }
        if route.forced_redirection == 2 {
            pairs.push((b, a));
        } else {
            pairs.push((a, b));
        }
        for (from, to) in pairs {
            let (forward, backward) = ecosystem.add_route(from, to, route.distance);
            for link in [forward, backward] {
                let link = ecosystem.link_mut(link);
                link.max_move_speed = max_move_speed;
                link.walk_probability = walk_probability;
            }
        }
    }
    Ok(())
}

/// The closures file's rows, as actions on `ecosystem`'s locations and links.
fn scheduled_closures(
    inputs: &CaseInputs,
    ecosystem: &Ecosystem,
    warnings: &mut Vec<String>,
) -> Result<Vec<ScheduledClosure>> {
    let locations_file = &inputs.locations.name;
    let mut closures = Vec::new();
    if let Some(file) = &inputs.closures {
        for row in parse_closures(&file.name, &file.text)? {
            let find = |name: &str| {
                ecosystem.location_id(name).ok_or_else(|| {
                    FleeError::row(
                        &file.name,
                        row.line,
                        format!("`{name}` is not in {locations_file}"),
                    )
                })
            };
            let action = match row.kind {
                ClosureKind::Country => ClosureAction::Border(row.name1.clone(), row.name2.clone()),
                ClosureKind::Location => ClosureAction::Location(find(&row.name1)?),
                // Flee's two-way close_link only closes the name2 → name1 direction.
                ClosureKind::Link => {
                    ClosureAction::LinkOneWay(find(&row.name2)?, find(&row.name1)?)
                }
                ClosureKind::Camp => ClosureAction::Camp(find(&row.name1)?, false),
                ClosureKind::IdpCamp => ClosureAction::Camp(find(&row.name1)?, true),
                ClosureKind::RemoveForcedRedirection => {
                    warnings.push(format!(
                        "{}:{}: `remove_forced_redirection` ignored: it clears a flag that \
                         movement does not use in Flee's current rules, so it changes nothing",
                        file.name, row.line
                    ));
                    continue;
                }
            };
            closures.push(ScheduledClosure {
                action,
                start: row.start,
                end: row.end,
            });
        }
    }
    Ok(closures)
}

/// The locations reported as camps (every location under flood-driven spawning, as in
/// Flee's `get_camp_names`) and each one's data series.
fn camps_with_series(
    inputs: &CaseInputs,
    ecosystem: &Ecosystem,
    data: &RefugeeTable,
    floods: bool,
) -> Result<(Vec<LocationId>, Vec<usize>)> {
    let camps: Vec<LocationId> = (0..ecosystem.locations().len() as u32)
        .map(LocationId)
        .filter(|&id| floods || ecosystem.location(id).camp)
        .collect();
    let camp_series = camps
        .iter()
        .map(|&id| {
            let name = &ecosystem.location(id).name;
            data.index_of(name).ok_or_else(|| {
                let message = if floods {
                    format!(
                        "location `{name}` has no data series: under flood-driven spawning \
                         Flee reports every location as a camp and stops with `can't find \
                         the header {name}`; add a row `{name},<file>` naming its data"
                    )
                } else {
                    format!("camp `{name}` has no data series")
                };
                FleeError::file(&inputs.data_layout.name, message)
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((camps, camp_series))
}

/// Each day's new agents and the data the run is compared with: Flee's refugee debt and
/// raw count, from the `total` series or the camps' sum.
fn day_plans(
    inputs: &CaseInputs,
    spawn_rules: &SpawnRules,
    data: &RefugeeTable,
    camp_series: &[usize],
    days: usize,
    initial_agents: u64,
) -> Result<Vec<DayPlan>> {
    let driven = spawn_rules.driven();
    let total_series = data.index_of("total");
    if !spawn_rules.sum_from_camps && total_series.is_none() {
        return Err(FleeError::file(
            &inputs.data_layout.name,
            "sum_from_camps is false but there is no `total` series",
        ));
    }
    // With empty camps, Flee counts every series from its day-0 value.
    let value = |series: usize, day: i64| {
        let offset = if spawn_rules.empty_camps_on_day0 {
            data.value(series, 0)
        } else {
            0
        };
        data.value(series, day) - offset
    };
    let mut plan = Vec::with_capacity(days);
    let mut debt = 0i64;
    let mut raw_count = 0i64;
    let mut planned_agents = initial_agents;
    for day in 0..days as i64 {
        let difference = match (spawn_rules.sum_from_camps, total_series) {
            (true, _) if day == 0 => (0..data.names().len()).map(|i| value(i, 0)).sum(),
            (true, _) => (1..data.names().len())
                .map(|i| value(i, day) - value(i, day - 1))
                .sum(),
            (false, Some(total)) if day == 0 => value(total, 0),
            (false, Some(total)) => value(total, day) - value(total, day - 1),
            (false, None) => 0,
        };
        let mut new_agents = difference - debt;
        raw_count += difference;
        if (spawn_rules.insert_day0 && day == 0) || driven {
            new_agents = 0;
        }
        if driven {
            // Flee's conflict- and flood-driven branches leave the data counters at zero.
            raw_count = 0;
        }
        if new_agents < 0 {
            debt = -new_agents;
            new_agents = 0;
        } else if debt > 0 {
            debt = 0;
        }
        planned_agents += new_agents.max(0) as u64;
        if planned_agents > MAX_AGENTS {
            return Err(FleeError::file(
                &inputs.data_layout.name,
                format!(
                    "the data would create more than {MAX_AGENTS} agents by day {day}; check \
                     the counts in the files it names (or raise optimisations.hasten)"
                ),
            ));
        }
        let camp_data: Vec<i64> = camp_series.iter().map(|&s| value(s, day)).collect();
        plan.push(DayPlan {
            new_agents: new_agents as u64,
            unhcr_in_camps: camp_data.iter().sum(),
            camp_data,
            raw_count,
            refugee_debt: debt,
        });
    }
    Ok(plan)
}

/// The conflicts file's columns for the locations it names, a row per day (at least the
/// run's days).
fn conflict_schedule(
    inputs: &CaseInputs,
    ecosystem: &Ecosystem,
    days: usize,
    warnings: &mut Vec<String>,
) -> Result<(Vec<LocationId>, Vec<Vec<f64>>)> {
    let locations_file = &inputs.locations.name;
    let conflicts = inputs.conflicts.as_ref().ok_or_else(|| {
        FleeError::file(
            "conflicts.csv",
            "is missing; Flee's run.py reads INPUT_CSV_DIR/conflicts.csv (a header \
                 `#Day,<location>,...` and one row of intensities per day)",
        )
    })?;
    let table = parse_conflicts(&conflicts.name, &conflicts.text)?;
    let (locations, intensities) = conflict_columns(
        &table,
        ecosystem,
        &conflicts.name,
        locations_file,
        "conflicts",
        warnings,
    )?;
    if intensities.len() < days {
        return Err(FleeError::file(
            &conflicts.name,
            format!(
                "has {} day rows but the simulation runs {days} days",
                intensities.len()
            ),
        ));
    }
    Ok((locations, intensities))
}

/// Places the people registered in camps on day 0 (unless camps start empty, when Flee
/// places nobody, not even `initial_idps`) and takes them off the capacities; returns the
/// agents placed.
fn place_day0(
    spawn_rules: &SpawnRules,
    ecosystem: &mut Ecosystem,
    data: &RefugeeTable,
    (camps, camp_series): (&[LocationId], &[usize]),
    initial_idps: &[i64],
    days: usize,
) -> u64 {
    let mut initial_agents = 0u64;
    if !spawn_rules.empty_camps_on_day0 {
        for (&camp, &series) in camps.iter().zip(camp_series) {
            let mut count = initial_idps[camp.0 as usize];
            if spawn_rules.insert_day0 {
                count += data.value(series, 0);
            }
            if count > 0 {
                initial_agents += count as u64;
                ecosystem.spawn(camp, count as u64);
            }
        }
    }
    // Flee reduces capacities in the branch that follows the data, so not when conflicts
    // or floods drive spawning.
    if spawn_rules.insert_day0 && days > 0 && !spawn_rules.driven() {
        // Capacities exclude the people already registered on day 0.
        for (index, name) in data.names().iter().enumerate() {
            if let Some(id) = ecosystem.location_id(name) {
                let location = ecosystem.location_mut(id);
                if location.capacity > 0 {
                    location.capacity -= data.value(index, 0);
                }
            }
        }
    }
    initial_agents
}

impl FleeCase {
    /// Reads a case. `days_override` is run.py's DAYS argument (`None` or 0: sim_period.csv).
    pub fn from_inputs(inputs: &CaseInputs, days_override: Option<u64>) -> Result<FleeCase> {
        let settings = SimSettings::from_yaml(&inputs.settings.name, &inputs.settings.text)?;
        let period = parse_sim_period(&inputs.sim_period.name, &inputs.sim_period.text)?;
        let days = match days_override {
            Some(days) if days > 0 => days as usize,
            _ => usize::try_from(period.length).map_err(|_| {
                FleeError::file(&inputs.sim_period.name, "Length must not be negative")
            })?,
        };
        let hasten = settings.hasten;
        let mut warnings = settings.warnings.clone();

        let mut ecosystem =
            Ecosystem::new(settings.move_rules.clone(), settings.spawn_rules.clone());
        let initial_idps = add_locations(inputs, &mut ecosystem, hasten, &mut warnings)?;

        add_routes(inputs, &mut ecosystem)?;

        let closures = scheduled_closures(inputs, &ecosystem, &mut warnings)?;

        // Under DFlee's flood rules Flee reads flood levels instead of conflicts.
        let (conflict_locations, conflict_days, flood_locations, flood_days) = if settings.floods()
        {
            let flood = flood_columns(inputs, &settings, &ecosystem, days, &mut warnings)?;
            set_up_forecaster(
                inputs,
                &settings,
                &mut ecosystem,
                days,
                &flood,
                &mut warnings,
            )?;
            (Vec::new(), Vec::new(), flood.locations, flood.levels)
        } else {
            let (locations, intensities) =
                conflict_schedule(inputs, &ecosystem, days, &mut warnings)?;
            (locations, intensities, Vec::new(), Vec::new())
        };

        let layout = parse_data_layout(&inputs.data_layout.name, &inputs.data_layout.text)?;
        let mut data =
            RefugeeTable::from_layout(&layout, &inputs.data_files, period.start_date, hasten)?;
        if let Some(file) = &inputs.registration_corrections {
            let corrections = parse_registration_corrections(&file.name, &file.text)?;
            data.apply_registration_corrections(&file.name, &corrections, period.start_date)?;
        }

        // Under flood-driven spawning Flee reports every location as a camp
        // (`get_camp_names`), so each needs a data series.
        let floods = settings.floods();
        let (camps, camp_series) = camps_with_series(inputs, &ecosystem, &data, floods)?;
        let idp_camps: Vec<LocationId> = camps
            .iter()
            .copied()
            .filter(|&id| ecosystem.location(id).idp_camp)
            .collect();

        // People registered in camps on day 0 are there from the start, unless camps start
        // empty (then Flee places nobody, not even `initial_idps`).
        let spawn_rules = &settings.spawn_rules;
        let initial_agents = place_day0(
            spawn_rules,
            &mut ecosystem,
            &data,
            (&camps, &camp_series),
            &initial_idps,
            days,
        );

        let plan = day_plans(
            inputs,
            spawn_rules,
            &data,
            &camp_series,
            days,
            initial_agents,
        )?;

        Ok(FleeCase {
            settings,
            warnings,
            start_date: period.start_date,
            days,
            initial: ecosystem,
            camps,
            idp_camps,
            conflict_locations,
            conflict_days,
            flood_locations,
            flood_days,
            closures,
            plan,
        })
    }

    /// The world before the first day (agents already in camps).
    pub fn initial_ecosystem(&self) -> &Ecosystem {
        &self.initial
    }

    /// Camps in output order.
    pub fn camps(&self) -> &[LocationId] {
        &self.camps
    }

    /// Camp names in output order.
    pub fn camp_names(&self) -> Vec<&str> {
        self.camps
            .iter()
            .map(|&id| self.initial.location(id).name.as_str())
            .collect()
    }

    /// The deterministic data and spawn plan of every day.
    pub fn plan(&self) -> &[DayPlan] {
        &self.plan
    }

    fn apply_conflicts(&self, ecosystem: &mut Ecosystem, day: usize) {
        let today = &self.conflict_days[day];
        for (column, &location) in self.conflict_locations.iter().enumerate() {
            let intensity = today[column];
            let before = if day > 0 {
                Some(self.conflict_days[day - 1][column])
            } else {
                None
            };
            let starts = intensity > 0.000001 && before.is_none_or(|b| b < 0.000001);
            let ends = intensity < 0.000001 && before.is_some_and(|b| b >= 0.000001);
            if starts || ends {
                ecosystem.set_conflict(location, intensity);
            }
        }
    }

    /// DFlee: today's flood level of every location named in `flood_level.csv` (Flee sets the
    /// others to 0 each day, and they start at 0 here).
    fn apply_flood_levels(&self, ecosystem: &mut Ecosystem, day: usize) {
        if let Some(levels) = self.flood_days.get(day) {
            for (&location, &level) in self.flood_locations.iter().zip(levels) {
                ecosystem.set_flood_level(location, level);
            }
        }
    }

    fn apply_closures(&self, ecosystem: &mut Ecosystem, day: i64) {
        for closure in &self.closures {
            if closure.start == day {
                match &closure.action {
                    ClosureAction::Border(a, b) => {
                        ecosystem.close_border(a, b);
                    }
                    ClosureAction::Location(id) => ecosystem.close_location(*id),
                    ClosureAction::LinkOneWay(from, to) => {
                        ecosystem.close_link_one_way(*from, *to);
                    }
                    ClosureAction::Camp(id, _) => ecosystem.close_camp(*id),
                }
            }
            if closure.end == day {
                match &closure.action {
                    ClosureAction::Border(a, b) => {
                        ecosystem.reopen_border(a, b);
                    }
                    ClosureAction::Location(id) => ecosystem.reopen_location(*id),
                    ClosureAction::LinkOneWay(from, to) => {
                        ecosystem.reopen_link_one_way(*from, *to);
                    }
                    ClosureAction::Camp(id, idp) => ecosystem.open_camp(*id, *idp),
                }
            }
        }
    }

    /// Runs the case with a given generator and hands the ecosystem to `observe` after every
    /// day (for checks and diagnostics).
    pub fn run_observed<R, F>(&self, rng: &mut R, mut observe: F) -> Result<RunOutput>
    where
        R: rand::Rng + ?Sized,
        F: FnMut(usize, &Ecosystem),
    {
        let mut ecosystem = self.initial.clone();
        let camps = self.camps.len();
        let mut output = RunOutput {
            camp_counts: Vec::with_capacity(self.days * camps),
            total_agents: Vec::with_capacity(self.days),
            idp_totals: Vec::with_capacity(self.days),
        };
        for (day, plan) in self.plan.iter().enumerate() {
            let spawn_rules = &self.settings.spawn_rules;
            if let Some(rule) = &spawn_rules.flood_driven {
                self.apply_flood_levels(&mut ecosystem, day);
                ecosystem.spawn_by_flood(rule, rng)?;
            } else {
                self.apply_conflicts(&mut ecosystem, day);
                match &spawn_rules.conflict_driven {
                    Some(rule) => {
                        ecosystem.spawn_by_conflict(rule, rng)?;
                    }
                    None => ecosystem.spawn_displaced(plan.new_agents, rng)?,
                }
            }
            ecosystem.refresh_spawn_weights();
            self.apply_closures(&mut ecosystem, day as i64);
            ecosystem.step(rng);
            output
                .camp_counts
                .extend(self.camps.iter().map(|&c| ecosystem.count(c) as u32));
            output.total_agents.push(ecosystem.num_agents() as u64);
            output
                .idp_totals
                .push(self.idp_camps.iter().map(|&c| ecosystem.count(c)).sum());
            observe(day, &ecosystem);
        }
        Ok(output)
    }

    /// Runs the case with a given generator.
    pub fn run_with<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Result<RunOutput> {
        self.run_observed(rng, |_, _| {})
    }

    /// Runs ensemble member `member` of seed `seed` (each member has its own ChaCha8 stream).
    pub fn run(&self, seed: u64, member: u64) -> Result<RunOutput> {
        self.run_with(&mut member_rng(seed, member))
    }

    /// Flee's `out.csv` for one run.
    pub fn out_csv(&self, run: &RunOutput) -> String {
        let names = self.camp_names();
        let camps = names.len();
        let mut out = String::from("Day,Date,");
        for name in &names {
            out.push_str(&format!("{name} sim,{name} data,{name} error,"));
        }
        out.push_str(
            "Total error,refugees in camps (UNHCR),total refugees (simulation),raw UNHCR refugee count,refugees in camps (simulation),refugee_debt",
        );
        if self.settings.idp_totals_column {
            out.push_str(",total IDPs");
        }
        out.push('\n');
        let mut abs_errors = Vec::with_capacity(camps);
        for (day, plan) in self.plan.iter().enumerate() {
            let date = self.start_date.plus_days(day as i64 + 1);
            out.push_str(&format!("{day},{date}"));
            abs_errors.clear();
            let mut in_camps = 0u64;
            for camp in 0..camps {
                let sim = run.camp_count(day, camp, camps);
                let data = plan.camp_data[camp];
                in_camps += u64::from(sim);
                // Flee rounds numpy floats (np.round), not Python floats.
                let relative = if (data as f64) < 0.00001 {
                    0.0
                } else {
                    numpy_round((f64::from(sim) / data as f64 - 1.0).abs(), 4)
                };
                abs_errors.push(numpy_round((f64::from(sim) - data as f64).abs(), 4));
                out.push_str(&format!(",{sim},{data},{}", py_float_repr(relative)));
            }
            if plan.raw_count > 0 {
                let total_error = numpy_sum(&abs_errors) / plan.raw_count as f64;
                out.push_str(&format!(
                    ",{},{},{},{},{},{}",
                    py_float_repr(total_error),
                    plan.unhcr_in_camps,
                    run.total_agents[day],
                    plan.raw_count,
                    in_camps,
                    plan.refugee_debt
                ));
            } else {
                out.push_str(&format!(",0.0,0,{},0,{in_camps},0", run.total_agents[day]));
            }
            if self.settings.idp_totals_column {
                out.push_str(&format!(",{}", run.idp_totals[day]));
            }
            out.push('\n');
        }
        out
    }

    /// The averaged relative difference of a run against the UNHCR camp data.
    pub fn ard(&self, run: &RunOutput) -> Ard {
        let camps = self.camps.len();
        if self.plan.is_empty() {
            return Ard {
                normal: 0.0,
                rescaled: 0.0,
            };
        }
        let mut normal = 0.0;
        let mut rescaled = 0.0;
        for (day, plan) in self.plan.iter().enumerate() {
            let unhcr = plan.unhcr_in_camps as f64;
            let simulated: f64 = (0..camps)
                .map(|c| f64::from(run.camp_count(day, c, camps)))
                .sum();
            let scale = if simulated > 0.0 {
                unhcr / simulated
            } else {
                0.0
            };
            let mut error = 0.0;
            let mut error_rescaled = 0.0;
            for camp in 0..camps {
                let sim = f64::from(run.camp_count(day, camp, camps));
                let data = plan.camp_data[camp] as f64;
                error += (sim - data).abs();
                error_rescaled += (sim * scale - data).abs();
            }
            normal += error / unhcr.max(1.0);
            rescaled += error_rescaled / unhcr.max(1.0);
        }
        let days = self.plan.len() as f64;
        Ard {
            normal: normal / days,
            rescaled: rescaled / days,
        }
    }
}

/// The generator of ensemble member `member` for `seed`.
pub fn member_rng(seed: u64, member: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(member);
    rng
}

/// `numpy.sum` of a short list of floats (numpy's pairwise summation, exact for the lengths
/// Flee uses), so the `Total error` column rounds like Flee's.
fn numpy_sum(values: &[f64]) -> f64 {
    fn pairwise(values: &[f64]) -> f64 {
        let n = values.len();
        if n < 8 {
            values.iter().fold(0.0, |sum, v| sum + v)
        } else if n <= 128 {
            let mut partial = [0.0f64; 8];
            partial.copy_from_slice(&values[..8]);
            let mut i = 8;
            while i + 8 <= n {
                for (p, v) in partial.iter_mut().zip(&values[i..i + 8]) {
                    *p += v;
                }
                i += 8;
            }
            let mut sum = ((partial[0] + partial[1]) + (partial[2] + partial[3]))
                + ((partial[4] + partial[5]) + (partial[6] + partial[7]));
            for v in &values[i..] {
                sum += v;
            }
            sum
        } else {
            let half = (n / 2) - (n / 2) % 8;
            pairwise(&values[..half]) + pairwise(&values[half..])
        }
    }
    pairwise(values)
}
