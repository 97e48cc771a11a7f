//! `simsetting.yml`: Flee's simulation settings.
//!
//! Every key that Flee's `SimulationSettings.ReadFromYML` knows is recognised. Keys that change
//! the rules used by Flee's published cases are implemented, DFlee's flood rules and flood
//! forecaster included; keys for mechanisms this engine does not implement (demographic
//! conditionals, two-system decisions, ...) are accepted only at their default value, and any
//! other value is an error naming the file and key. Flood rules and flood-driven spawning only
//! work together in Flee, so one without the other is an error too.
//! Every number is range-checked, and the error gives the accepted range.
//!
//! Flee ignores keys it does not know. So does this reader, with a warning naming the file and
//! line, except where the key is one or two letters away from a known key of its section: that
//! is almost always a misspelling that would silently fall back to Flee's default, so it is an
//! error that suggests the key meant.

use serde_yaml_ng::Value;

use crate::error::{FleeError, Result};
use crate::forecast::FloodForecaster;

/// Flee's default conflict weight, `1 / sqrt(10)` with the constant Flee uses.
const DEFAULT_CONFLICT_WEIGHT: f64 = 1.0 / 3.16227766017;

/// Movement rules (`move_rules:` in `simsetting.yml`). Defaults are Flee's.
#[derive(Debug, Clone, PartialEq)]
pub struct MoveRules {
    /// km an agent travels along a link per day.
    pub max_move_speed: f64,
    /// km per day on foot (used for links with a `walk_probability` attribute).
    pub max_walk_speed: f64,
    /// Attractiveness multiplier for locations outside the home country.
    pub foreign_weight: f64,
    /// Attractiveness multiplier for camps.
    pub camp_weight: f64,
    /// Attractiveness multiplier for conflict zones, raised to `decay × intensity`.
    pub conflict_weight: f64,
    /// Daily chance of leaving a conflict zone.
    pub conflict_movechance: f64,
    /// Daily chance of leaving a camp.
    pub camp_movechance: f64,
    /// Daily chance of leaving an IDP camp.
    pub idpcamp_movechance: f64,
    /// Daily chance of leaving any other location (towns).
    pub default_movechance: f64,
    /// How many link steps ahead agents look when choosing a route (`marker` locations do not
    /// count as a step).
    pub awareness_level: i64,
    /// Agents walk (`max_walk_speed`) until they reach their first location after spawning.
    pub start_on_foot: bool,
    /// An agent who arrives with time left and has travelled less than half a day's distance on
    /// average recently always moves on from a town (Flee 2.0 "avoid short stints").
    pub avoid_short_stints: bool,
    /// Fraction of a camp's capacity at which it starts to become less attractive.
    pub capacity_buffer: f64,
    /// Multiplier on every capacity.
    pub capacity_scaling: f64,
    /// km added to every route length in the route weight.
    pub distance_softening: f64,
    /// Constant added to every endpoint score in the route weight.
    pub weight_softening: f64,
    /// Power applied to every route weight.
    pub weight_power: f64,
    /// Power applied to route lengths in the route weight.
    pub distance_power: f64,
    /// Weight towns and conflict zones by `max(1, pop)^pop_power_for_loc_weight`.
    pub use_pop_for_loc_weight: bool,
    pub pop_power_for_loc_weight: f64,
    /// Move chances are multiplied by `(max(pop, capacity) / base)^scale_factor`.
    pub movechance_pop_base: f64,
    pub movechance_pop_scale_factor: f64,
    /// Routes lighter than `max weight / threshold` are dropped (disabled below 1.001).
    pub pruning_threshold: f64,
    /// DFlee's `flood_rules`: how a location's flood level changes move chances and
    /// attractiveness (`None`: no flood rules).
    pub flood: Option<FloodRules>,
}

/// DFlee's `move_rules.flood_rules` (Flee's `FloodMovechances` and `FloodLocWeights`). Both
/// lists are indexed by flood level, an integer from 0; Flee interpolates them with
/// `lib_math.interp`, which for an integer level is the entry at that index and which fails for
/// a level at or past the last entry, so a usable level is below `len − 1`.
#[derive(Debug, Clone, PartialEq)]
pub struct FloodRules {
    /// Move chance of a location whose flood level L is above 0 (replaces the usual one).
    pub movechances: Vec<f64>,
    /// Attractiveness multiplier: applied once for a destination whose level L is above 0, and
    /// once more for every `flood_zone` location whatever its level (Flee applies it in both
    /// `getEndPointScore` and `updateLocationScore`).
    pub loc_weights: Vec<f64>,
    /// DFlee's flood forecaster (`flood_forecaster: True`), if on.
    pub forecaster: Option<FloodForecaster>,
}

impl FloodRules {
    /// Move chance at a flood level above 0 (`flood_movechances[level]`).
    pub fn movechance(&self, level: u32) -> f64 {
        level_entry(&self.movechances, level)
    }

    /// Attractiveness multiplier at a flood level (`flood_loc_weights[level]`).
    pub fn loc_weight(&self, level: u32) -> f64 {
        level_entry(&self.loc_weights, level)
    }
}

/// Entry `level` of a per-level list. Case files are checked so that the level is in range
/// (Flee would stop); a level set through the API past the end takes the last entry.
fn level_entry(list: &[f64], level: u32) -> f64 {
    list.get(level as usize)
        .or(list.last())
        .copied()
        .unwrap_or(1.0)
}

impl Default for MoveRules {
    fn default() -> Self {
        MoveRules {
            max_move_speed: 360.0,
            max_walk_speed: 35.0,
            foreign_weight: 1.0,
            camp_weight: 1.0,
            conflict_weight: DEFAULT_CONFLICT_WEIGHT,
            conflict_movechance: 1.0,
            camp_movechance: 0.001,
            idpcamp_movechance: 0.1,
            default_movechance: 0.3,
            awareness_level: 1,
            start_on_foot: false,
            avoid_short_stints: false,
            capacity_buffer: 0.9,
            capacity_scaling: 1.0,
            distance_softening: 10.0,
            weight_softening: 0.0,
            weight_power: 1.0,
            distance_power: 1.0,
            use_pop_for_loc_weight: false,
            pop_power_for_loc_weight: 0.1,
            movechance_pop_base: 10000.0,
            movechance_pop_scale_factor: 0.0,
            pruning_threshold: 1.0,
            flood: None,
        }
    }
}

/// Spawning rules (`spawn_rules:`). Defaults are Flee's.
#[derive(Debug, Clone, PartialEq)]
pub struct SpawnRules {
    /// Spawned agents are taken from the conflict zone's population.
    pub take_from_population: bool,
    /// Put each camp's day-0 registrations into the camp before the first day.
    pub insert_day0: bool,
    /// New arrivals per day are the increase of the summed camp data (else of `total`).
    pub sum_from_camps: bool,
    /// Spawn (and attractiveness) multipliers by time since a conflict started.
    pub conflict_spawn_decay: Option<Vec<f64>>,
    /// Days per step of `conflict_spawn_decay`.
    pub conflict_spawn_decay_interval: i64,
    /// Camps start empty: day-0 registrations are not placed, and every data series is counted
    /// from its day-0 value (Flee's `start_empty`).
    pub empty_camps_on_day0: bool,
    /// Conflicts spawn agents by a fixed rule instead of following the camp data.
    pub conflict_driven: Option<ConflictDrivenSpawning>,
    /// DFlee: floods spawn agents by a fixed rule instead of following the camp data
    /// (`flood_zone_spawning_only` with `flood_driven_spawn_mode`).
    pub flood_driven: Option<FloodDrivenSpawning>,
}

/// DFlee's `flood_driven_spawn_mode` section: each day every location with a flood level L
/// above 0 spawns `int(rate)` (constant), `int(rate × population)` (pop_ratio) or a Poisson
/// draw with mean `int(rate)` agents, where `rate = displaced_per_flood_day[L]`.
#[derive(Debug, Clone, PartialEq)]
pub struct FloodDrivenSpawning {
    pub mode: ConflictSpawnMode,
    pub displaced_per_flood_day: Vec<f64>,
}

impl FloodDrivenSpawning {
    /// `displaced_per_flood_day[level]`.
    pub fn rate(&self, level: u32) -> f64 {
        level_entry(&self.displaced_per_flood_day, level)
    }
}

/// How `spawn_rules.conflict_driven_spawning` (or DFlee's `flood_driven_spawn_mode`) turns a
/// conflict (or a flood) into new agents each day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ConflictSpawnMode {
    /// `int(displaced_per_conflict_day × intensity)` agents.
    Constant,
    /// `int(displaced_per_conflict_day × population × intensity)` agents.
    PopRatio,
    /// A Poisson draw with mean `displaced_per_conflict_day × intensity`.
    Poisson,
}

/// Flee's `conflict_driven_spawning` section.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConflictDrivenSpawning {
    pub mode: ConflictSpawnMode,
    pub displaced_per_conflict_day: f64,
}

impl Default for SpawnRules {
    fn default() -> Self {
        SpawnRules {
            take_from_population: false,
            insert_day0: true,
            sum_from_camps: true,
            conflict_spawn_decay: None,
            conflict_spawn_decay_interval: 30,
            empty_camps_on_day0: false,
            conflict_driven: None,
            flood_driven: None,
        }
    }
}

impl SpawnRules {
    /// Whether conflicts or floods, rather than the registration data, drive spawning.
    pub fn driven(&self) -> bool {
        self.conflict_driven.is_some() || self.flood_driven.is_some()
    }

    /// Flee's `get_conflict_decay`: the multiplier for a conflict that started
    /// `days_since_conflict` days ago.
    pub fn conflict_decay(&self, days_since_conflict: i64) -> f64 {
        match &self.conflict_spawn_decay {
            Some(decay) if !decay.is_empty() => {
                // Python's int() truncates towards zero.
                let step = (days_since_conflict as f64 / self.conflict_spawn_decay_interval as f64)
                    .trunc();
                let last = decay.len() - 1;
                let index = if step < 0.0 {
                    // Python would index from the end for a negative index.
                    (decay.len() as i64 + step as i64).clamp(0, last as i64) as usize
                } else {
                    (step as usize).min(last)
                };
                decay[index]
            }
            _ => 1.0,
        }
    }

    /// Whether spawn weights include the decay (Flee tests the list's truthiness).
    pub fn decay_enabled(&self) -> bool {
        self.conflict_spawn_decay
            .as_ref()
            .is_some_and(|decay| !decay.is_empty())
    }
}

/// All settings read from `simsetting.yml`.
#[derive(Debug, Clone, PartialEq)]
pub struct SimSettings {
    pub move_rules: MoveRules,
    pub spawn_rules: SpawnRules,
    /// `optimisations.hasten`: populations, capacities and counts are divided by this.
    pub hasten: i64,
    /// `log_levels.idp_totals > 0` adds a `total IDPs` column to out.csv.
    pub idp_totals_column: bool,
    /// Settings that were accepted but have no effect here (for example Flee's log files).
    pub notes: Vec<String>,
    /// Keys Flee ignores and this reader ignored too, each naming the file, line and key.
    pub warnings: Vec<String>,
}

impl Default for SimSettings {
    fn default() -> Self {
        SimSettings {
            move_rules: MoveRules::default(),
            spawn_rules: SpawnRules::default(),
            hasten: 1,
            idp_totals_column: false,
            notes: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

/// Keys of each section that Flee reads (used to tell a misspelling from a key Flee ignores).
const LOG_LEVEL_KEYS: &[&str] = &[
    "agent",
    "link",
    "camp",
    "init",
    "conflict",
    "idp_totals",
    "granularity",
];
const SPAWN_RULE_KEYS: &[&str] = &[
    "take_from_population",
    "insert_day0",
    "sum_from_camps",
    "conflict_spawn_decay",
    "conflict_spawn_decay_interval",
    "conflict_zone_spawning_only",
    "average_social_connectivity",
    "empty_camps_on_day0",
    "flood_zone_spawning_only",
    "camps_are_sicks",
    "read_from_agents_csv_file",
    "starvation_driven_spawning",
    "conflict_driven_spawning",
    "flood_driven_spawn_mode",
];
const MOVE_RULE_KEYS: &[&str] = &[
    "max_move_speed",
    "max_walk_speed",
    "max_crossing_speed",
    "foreign_weight",
    "camp_weight",
    "conflict_weight",
    "conflict_movechance",
    "camp_movechance",
    "idpcamp_movechance",
    "default_movechance",
    "awareness_level",
    "capacity_buffer",
    "capacity_scaling",
    "avoid_short_stints",
    "start_on_foot",
    "use_v1_rules",
    "softening",
    "weight_softening",
    "weight_power",
    "distance_power",
    "stay_close_to_home",
    "home_distance_power",
    "use_pop_for_loc_weight",
    "pop_power_for_loc_weight",
    "movechance_pop_base",
    "movechance_pop_scale_factor",
    "pruning_threshold",
    "WomenAvoidHazards",
    "ChildrenAvoidHazards",
    "ElderlyAvoidHazards",
    "BoysTakeRisk",
    "MatchCampReligion",
    "MatchCampEthnicity",
    "MatchTownEthnicity",
    "MatchConflictEthnicity",
    "avg_religion_fraction",
    "fixed_routes",
    "two_system_decision_making",
    "use_economic_pull",
    "harvest_months",
    "flee_when_starving",
    "avoid_food_deprived_locations",
    "flood_rules",
];
const TOP_LEVEL_KEYS: &[&str] = &[
    "log_levels",
    "spawn_rules",
    "move_rules",
    "optimisations",
    "number_of_steps",
    "default_conflict_intensity",
    "conflict_input_file",
    "flood_level_input_file",
];

/// The largest flood forecaster timescale and end time accepted (days; about 270 years).
const MAX_FORECAST_DAYS: i64 = 100_000;

/// The most flood awareness levels accepted (an agent's level is kept in one byte).
const MAX_AWARENESS_LEVELS: usize = 256;

/// The largest `awareness_level` accepted: routes are enumerated up to this many steps, and
/// their number grows geometrically with it.
const MAX_AWARENESS_LEVEL: i64 = 8;

/// Levenshtein distance, for spotting misspelt keys.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// The closest known key, if `key` is probably a misspelling of it.
fn likely_misspelling(key: &str, known: &[&'static str]) -> Option<&'static str> {
    known
        .iter()
        .map(|&candidate| (edit_distance(key, candidate), candidate))
        .filter(|&(distance, _)| distance > 0 && distance <= 2)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

/// An inclusive or exclusive numeric range, written into error messages.
#[derive(Clone, Copy)]
enum Range {
    /// `0 ≤ x ≤ 1`.
    Probability,
    /// `x ≥ 0`.
    NonNegative,
    /// `x > 0`.
    Positive,
    /// Any finite number.
    Finite,
}

impl Range {
    fn contains(self, value: f64) -> bool {
        value.is_finite()
            && match self {
                Range::Probability => (0.0..=1.0).contains(&value),
                Range::NonNegative => value >= 0.0,
                Range::Positive => value > 0.0,
                Range::Finite => true,
            }
    }

    fn describe(self) -> &'static str {
        match self {
            Range::Probability => "a number from 0 to 1",
            Range::NonNegative => "a finite number >= 0",
            Range::Positive => "a finite number > 0",
            Range::Finite => "a finite number",
        }
    }
}

struct Reader<'a> {
    file: &'a str,
    text: &'a str,
}

impl Reader<'_> {
    fn err(&self, key: &str, message: impl Into<String>) -> FleeError {
        FleeError::setting(self.file, key, message)
    }

    /// 1-based line of the first line that sets `key` (the last part of a dotted name).
    fn line_of(&self, key: &str) -> Option<usize> {
        let last = key.rsplit('.').next().unwrap_or(key);
        self.text
            .lines()
            .position(|line| {
                let trimmed = line.trim_start();
                trimmed
                    .strip_prefix(last)
                    .is_some_and(|rest| rest.trim_start().starts_with(':'))
            })
            .map(|index| index + 1)
    }

    /// A key this reader does not know: a warning (Flee ignores it), or an error when it looks
    /// like a misspelling of a key of the same section.
    fn unknown(
        &self,
        key: &str,
        sub: &str,
        known: &[&'static str],
        warnings: &mut Vec<String>,
    ) -> Result<()> {
        if let Some(meant) = likely_misspelling(sub, known) {
            return Err(self.err(
                key,
                format!(
                    "unknown setting; did you mean `{meant}`? (Flee would ignore it and use the \
                     default, so Lifeline stops here)"
                ),
            ));
        }
        let place = match self.line_of(key) {
            Some(line) => format!("{}:{line}", self.file),
            None => self.file.to_string(),
        };
        warnings.push(format!(
            "{place}: setting `{key}` is not one Flee reads; ignored, as Flee does"
        ));
        Ok(())
    }

    fn float(&self, key: &str, value: &Value) -> Result<f64> {
        match value {
            Value::Number(n) => n
                .as_f64()
                .ok_or_else(|| self.err(key, "number out of range")),
            Value::String(s) => s
                .trim()
                .parse()
                .map_err(|_| self.err(key, format!("expected a number, found `{s}`"))),
            other => Err(self.err(key, format!("expected a number, found {other:?}"))),
        }
    }

    /// A number that must lie in `range`; the error names the range.
    fn float_in(&self, key: &str, value: &Value, range: Range) -> Result<f64> {
        let number = self.float(key, value)?;
        if range.contains(number) {
            Ok(number)
        } else {
            Err(self.err(
                key,
                format!("must be {}, found {number:?}", range.describe()),
            ))
        }
    }

    fn int(&self, key: &str, value: &Value) -> Result<i64> {
        match value {
            Value::Number(n) => n
                .as_i64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.is_finite() && f.abs() < 9.0e15)
                        .map(|f| f.trunc() as i64)
                })
                .ok_or_else(|| self.err(key, format!("expected an integer, found {n}"))),
            Value::Bool(b) => Ok(i64::from(*b)),
            Value::String(s) => s
                .trim()
                .parse()
                .map_err(|_| self.err(key, format!("expected an integer, found `{s}`"))),
            other => Err(self.err(key, format!("expected an integer, found {other:?}"))),
        }
    }

    /// An integer from `min` to `max` inclusive; the error names the range.
    fn int_in(&self, key: &str, value: &Value, min: i64, max: i64) -> Result<i64> {
        let number = self.int(key, value)?;
        if (min..=max).contains(&number) {
            Ok(number)
        } else {
            Err(self.err(
                key,
                format!("must be an integer from {min} to {max}, found {number}"),
            ))
        }
    }

    fn bool(&self, key: &str, value: &Value) -> Result<bool> {
        match value {
            Value::Bool(b) => Ok(*b),
            Value::Number(n) => Ok(n.as_f64().is_some_and(|f| f != 0.0)),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" => Ok(true),
                "false" | "no" | "off" => Ok(false),
                _ => Err(self.err(key, format!("expected true or false, found `{s}`"))),
            },
            other => Err(self.err(key, format!("expected true or false, found {other:?}"))),
        }
    }

    fn float_list_in(&self, key: &str, value: &Value, range: Range) -> Result<Option<Vec<f64>>> {
        match value {
            Value::Null => Ok(None),
            Value::Sequence(items) => items
                .iter()
                .map(|item| self.float_in(key, item, range))
                .collect::<Result<Vec<_>>>()
                .map(Some),
            other => Err(self.err(key, format!("expected a list of numbers, found {other:?}"))),
        }
    }

    /// Accepts a key this engine does not implement only at a value equivalent to Flee's
    /// default (false, empty or absent).
    fn require_off(&self, key: &str, value: &Value) -> Result<()> {
        let off = match value {
            Value::Null => true,
            Value::Bool(b) => !*b,
            Value::Number(n) => n.as_f64() == Some(0.0),
            Value::String(s) => {
                matches!(
                    s.trim().to_ascii_lowercase().as_str(),
                    "" | "false" | "no" | "off"
                )
            }
            Value::Sequence(items) => items.is_empty(),
            Value::Mapping(_) | Value::Tagged(_) => false,
        };
        if off {
            Ok(())
        } else {
            Err(self.err(
                key,
                format!(
                    "is set to {value:?}, but this mechanism is not implemented by Lifeline's \
                     Flee engine (only Flee's default is accepted)"
                ),
            ))
        }
    }

    fn section<'v>(&self, key: &str, value: &'v Value) -> Result<Vec<(String, &'v Value)>> {
        match value {
            Value::Null => Ok(Vec::new()),
            Value::Mapping(map) => map
                .iter()
                .map(|(k, v)| match k {
                    Value::String(name) => Ok((name.clone(), v)),
                    other => Err(self.err(key, format!("non-text key {other:?}"))),
                })
                .collect(),
            other => Err(self.err(key, format!("expected a section of keys, found {other:?}"))),
        }
    }

    /// A `spawn_mode` value. Flee compares `constant` and `pop_ratio` exactly and `poisson` in
    /// any case; any other text would spawn nobody, so it is an error here.
    fn spawn_mode(&self, key: &str, value: &Value) -> Result<ConflictSpawnMode> {
        let text = match value {
            Value::String(s) => s.clone(),
            other => {
                return Err(self.err(
                    key,
                    format!("expected constant, pop_ratio or poisson, found {other:?}"),
                ));
            }
        };
        match text.as_str() {
            "constant" => Ok(ConflictSpawnMode::Constant),
            "pop_ratio" => Ok(ConflictSpawnMode::PopRatio),
            _ if text.eq_ignore_ascii_case("poisson") => Ok(ConflictSpawnMode::Poisson),
            _ => Err(self.err(
                key,
                format!("expected constant, pop_ratio or poisson, found `{text}`"),
            )),
        }
    }

    /// A per-flood-level list: at least two entries (Flee's `interp` fails on shorter lists
    /// even at level 0), each in `range`.
    fn level_list(&self, key: &str, value: &Value, range: Range) -> Result<Vec<f64>> {
        let list = self.float_list_in(key, value, range)?.unwrap_or_default();
        if list.len() < 2 {
            return Err(self.err(
                key,
                format!(
                    "expected a list of at least 2 numbers, one per flood level from 0 (Flee \
                     cannot interpolate a shorter list), found {} entries",
                    list.len()
                ),
            ));
        }
        Ok(list)
    }

    /// DFlee's `flood_driven_spawn_mode` section (Flee's defaults: pop_ratio with
    /// `[0.0, 0.1, 0.2, 0.5, 0.9]`, the other modes `[0, 100, 200, 300, 500]`).
    fn flood_driven(
        &self,
        key: &str,
        value: &Value,
        warnings: &mut Vec<String>,
    ) -> Result<FloodDrivenSpawning> {
        let mut mode = ConflictSpawnMode::PopRatio;
        let mut rates = None;
        for (sub, v) in self.section(key, value)? {
            let name = format!("{key}.{sub}");
            match sub.as_str() {
                "spawn_mode" => mode = self.spawn_mode(&name, v)?,
                "displaced_per_flood_day" => {
                    rates = Some(self.level_list(&name, v, Range::NonNegative)?)
                }
                // Flee reads it here only if the forecaster is already on, which it never is
                // at this point (flood_rules are read later); the timescale that counts is
                // flood_rules.flood_forecaster_timescale.
                "flood_forecaster_timescale" => {
                    self.int(&name, v)?;
                    let place = match self.line_of(&name) {
                        Some(line) => format!("{}:{line}", self.file),
                        None => self.file.to_string(),
                    };
                    warnings.push(format!(
                        "{place}: setting `{name}` is never used by Flee (it reads \
                         move_rules.flood_rules.flood_forecaster_timescale); ignored, as Flee does"
                    ));
                }
                _ => self.unknown(
                    &name,
                    &sub,
                    &[
                        "spawn_mode",
                        "displaced_per_flood_day",
                        "flood_forecaster_timescale",
                    ],
                    warnings,
                )?,
            }
        }
        let displaced_per_flood_day = rates.unwrap_or_else(|| match mode {
            ConflictSpawnMode::PopRatio => vec![0.0, 0.1, 0.2, 0.5, 0.9],
            _ => vec![0.0, 100.0, 200.0, 300.0, 500.0],
        });
        Ok(FloodDrivenSpawning {
            mode,
            displaced_per_flood_day,
        })
    }

    /// DFlee's `move_rules.flood_rules` section, the flood forecaster included.
    fn flood_rules(
        &self,
        key: &str,
        value: &Value,
        warnings: &mut Vec<String>,
        notes: &mut Vec<String>,
    ) -> Result<FloodRules> {
        const KEYS: &[&str] = &[
            "max_flood_level",
            "flood_movechances",
            "flood_loc_weights",
            "flood_link_weights",
            "flood_forecaster",
            "flood_forecaster_timescale",
            "flood_forecaster_weights",
            "flood_forecaster_end_time",
            "flood_awareness_weights",
        ];
        let mut movechances = None;
        let mut loc_weights = None;
        let mut forecaster = false;
        // Flee's defaults: timescale 0, end time 0, no weights.
        let mut timescale = 0;
        let mut end_time = 0;
        let mut day_weights = None;
        let mut awareness_weights = None;
        for (sub, v) in self.section(key, value)? {
            let name = format!("{key}.{sub}");
            match sub.as_str() {
                "flood_movechances" => {
                    movechances = Some(self.level_list(&name, v, Range::Probability)?)
                }
                "flood_loc_weights" => {
                    loc_weights = Some(self.level_list(&name, v, Range::NonNegative)?)
                }
                // Flee reads it but never uses it.
                "max_flood_level" => {
                    self.int(&name, v)?;
                }
                "flood_link_weights" => {
                    self.float_list_in(&name, v, Range::NonNegative)?;
                    notes.push(format!(
                        "{name} has no effect: Flee reads it but does not use it yet"
                    ));
                }
                "flood_forecaster" => forecaster = self.bool(&name, v)?,
                "flood_forecaster_timescale" => {
                    timescale = self.int_in(&name, v, 0, MAX_FORECAST_DAYS)?
                }
                "flood_forecaster_end_time" => {
                    end_time = self.int_in(&name, v, 0, MAX_FORECAST_DAYS)?
                }
                "flood_forecaster_weights" => {
                    day_weights = self.float_list_in(&name, v, Range::NonNegative)?
                }
                "flood_awareness_weights" => {
                    awareness_weights = self.float_list_in(&name, v, Range::NonNegative)?
                }
                _ => self.unknown(&name, &sub, KEYS, warnings)?,
            }
        }
        let missing = |list: Option<Vec<f64>>, what: &str| {
            list.ok_or_else(|| {
                self.err(
                    &format!("{key}.{what}"),
                    "is missing: flood rules need both flood_movechances and flood_loc_weights \
                     (a list per flood level from 0; Flee stops at the first flooded location \
                     without them)",
                )
            })
        };
        let forecaster = if forecaster {
            Some(self.forecaster(
                key,
                timescale,
                end_time,
                day_weights,
                awareness_weights,
                notes,
            )?)
        } else {
            None
        };
        Ok(FloodRules {
            movechances: missing(movechances, "flood_movechances")?,
            loc_weights: missing(loc_weights, "flood_loc_weights")?,
            forecaster,
        })
    }

    /// The flood forecaster's parameters once `flood_forecaster` is true. Flee uses the two
    /// lists only when the forecaster can act (a timescale above 1), and then cannot do
    /// without them.
    fn forecaster(
        &self,
        key: &str,
        timescale: i64,
        end_time: i64,
        day_weights: Option<Vec<f64>>,
        awareness_weights: Option<Vec<f64>>,
        notes: &mut Vec<String>,
    ) -> Result<FloodForecaster> {
        let acts = timescale > 1;
        if !acts {
            notes.push(format!(
                "{key}.flood_forecaster has no effect: Flee applies the forecaster only with a \
                 flood_forecaster_timescale above 1 (found {timescale:?})"
            ));
        }
        let required = |list: Option<Vec<f64>>, what: &str, meaning: &str| match list {
            Some(list) if !list.is_empty() || !acts => Ok(list),
            None if !acts => Ok(Vec::new()),
            _ => Err(self.err(
                &format!("{key}.{what}"),
                format!(
                    "is missing or empty: the flood forecaster needs {meaning} (Flee stops \
                     with a TypeError without it)"
                ),
            )),
        };
        let day_weights = required(
            day_weights,
            "flood_forecaster_weights",
            "a weight for each simulation day up to flood_forecaster_end_time",
        )?;
        let awareness_weights = required(
            awareness_weights,
            "flood_awareness_weights",
            "a weight for each flood awareness level of demographics_floodawareness.csv",
        )?;
        if awareness_weights.len() > MAX_AWARENESS_LEVELS {
            return Err(self.err(
                &format!("{key}.flood_awareness_weights"),
                format!(
                    "has {} entries; at most {MAX_AWARENESS_LEVELS} flood awareness levels are \
                     supported",
                    awareness_weights.len()
                ),
            ));
        }
        Ok(FloodForecaster {
            timescale,
            end_time,
            day_weights,
            awareness_weights,
        })
    }

    /// Flee's `conflict_driven_spawning` section (present, even empty, means switched on).
    fn conflict_driven(&self, key: &str, value: &Value) -> Result<ConflictDrivenSpawning> {
        let mut mode = ConflictSpawnMode::Constant;
        let mut rate = None;
        for (sub, v) in self.section(key, value)? {
            let name = format!("{key}.{sub}");
            match sub.as_str() {
                "spawn_mode" => mode = self.spawn_mode(&name, v)?,
                "displaced_per_conflict_day" => {
                    rate = Some(self.float_in(&name, v, Range::NonNegative)?)
                }
                _ => {
                    return Err(self.err(
                        &name,
                        "unknown setting (expected spawn_mode or displaced_per_conflict_day)",
                    ));
                }
            }
        }
        let displaced_per_conflict_day = match (mode, rate) {
            (ConflictSpawnMode::PopRatio, rate) => rate.unwrap_or(0.01),
            // Flee reads the count for the other modes with int().
            (_, rate) => rate.unwrap_or(500.0).trunc(),
        };
        Ok(ConflictDrivenSpawning {
            mode,
            displaced_per_conflict_day,
        })
    }
}

impl SimSettings {
    /// Parses the text of a `simsetting.yml` file; `file` names it in error messages.
    pub fn from_yaml(file: &str, text: &str) -> Result<SimSettings> {
        let reader = Reader { file, text };
        let document: Value = serde_yaml_ng::from_str(text)
            .map_err(|err| FleeError::file(file, format!("invalid YAML: {err}")))?;
        let mut settings = SimSettings::default();
        let mut use_v1_rules = false;
        for (key, value) in reader.section("(top level)", &document)? {
            match key.as_str() {
                "log_levels" => settings.read_log_levels(&reader, value)?,
                "spawn_rules" => settings.read_spawn_rules(&reader, value)?,
                "move_rules" => use_v1_rules = settings.read_move_rules(&reader, value)?,
                "optimisations" => {
                    for (sub, v) in reader.section("optimisations", value)? {
                        let name = format!("optimisations.{sub}");
                        match sub.as_str() {
                            "hasten" => settings.hasten = reader.int_in(&name, v, 1, 1_000_000)?,
                            _ => {
                                reader.unknown(&name, &sub, &["hasten"], &mut settings.warnings)?
                            }
                        }
                    }
                }
                // Read by Flee but without effect in its run script.
                "number_of_steps" | "default_conflict_intensity" => {}
                "conflict_input_file" => settings.notes.push(format!(
                    "{key} is ignored: like Flee's run.py, conflicts are read from INPUT_CSV_DIR/conflicts.csv"
                )),
                "flood_level_input_file" => settings.notes.push(format!(
                    "{key} is ignored: like Flee's run.py, flood levels are read from INPUT_CSV_DIR/flood_level.csv"
                )),
                _ => reader.unknown(&key, &key, TOP_LEVEL_KEYS, &mut settings.warnings)?,
            }
        }
        settings.check_flood_switches(&reader)?;
        if use_v1_rules {
            // Flee's "V1 rules" override these regardless of what the file says.
            let rules = &mut settings.move_rules;
            rules.max_move_speed = 200.0;
            rules.start_on_foot = false;
            rules.avoid_short_stints = false;
            rules.camp_weight = 2.0;
            rules.conflict_weight = 0.25;
        }
        Ok(settings)
    }

    /// Flood rules and flood-driven spawning only work together in Flee: flood levels are read
    /// only for flood-driven spawning, and the flood rules are what uses them.
    fn check_flood_switches(&self, reader: &Reader<'_>) -> Result<()> {
        match (&self.move_rules.flood, &self.spawn_rules.flood_driven) {
            (Some(_), None) => Err(reader.err(
                "move_rules.flood_rules",
                "flood rules need flood-driven spawning: Flee reads flood_level.csv only when \
                 spawn_rules has flood_zone_spawning_only: True and a flood_driven_spawn_mode \
                 section, and stops otherwise; add them, or remove flood_rules",
            )),
            (None, Some(_)) => Err(reader.err(
                "spawn_rules.flood_driven_spawn_mode",
                "flood-driven spawning needs move_rules.flood_rules with flood_movechances and \
                 flood_loc_weights (Flee stops at the first flooded location without them)",
            )),
            _ => Ok(()),
        }
    }

    /// Whether DFlee's flood mechanisms are on (flood rules with flood-driven spawning).
    pub fn floods(&self) -> bool {
        self.spawn_rules.flood_driven.is_some()
    }

    fn read_log_levels(&mut self, reader: &Reader<'_>, value: &Value) -> Result<()> {
        for (sub, v) in reader.section("log_levels", value)? {
            let name = format!("log_levels.{sub}");
            match sub.as_str() {
                "agent" | "link" | "camp" | "init" | "conflict" => {
                    if reader.int(&name, v)? > 0 {
                        self.notes.push(format!(
                            "{name} > 0 only makes Flee write diagnostic logs; Lifeline writes none"
                        ));
                    }
                }
                "idp_totals" => self.idp_totals_column = reader.int(&name, v)? > 0,
                "granularity" => {}
                _ => reader.unknown(&name, &sub, LOG_LEVEL_KEYS, &mut self.warnings)?,
            }
        }
        Ok(())
    }

    fn read_spawn_rules(&mut self, reader: &Reader<'_>, value: &Value) -> Result<()> {
        let rules = &mut self.spawn_rules;
        let mut conflict_zone_spawning_only = true;
        let mut flood_zone_spawning_only = false;
        let mut conflict_driven = None;
        let mut flood_driven = None;
        for (sub, v) in reader.section("spawn_rules", value)? {
            let name = format!("spawn_rules.{sub}");
            match sub.as_str() {
                "take_from_population" => rules.take_from_population = reader.bool(&name, v)?,
                "insert_day0" => rules.insert_day0 = reader.bool(&name, v)?,
                "sum_from_camps" => rules.sum_from_camps = reader.bool(&name, v)?,
                "conflict_spawn_decay" => {
                    rules.conflict_spawn_decay =
                        reader.float_list_in(&name, v, Range::NonNegative)?
                }
                "conflict_spawn_decay_interval" => {
                    rules.conflict_spawn_decay_interval = reader.int_in(&name, v, 1, 1_000_000)?
                }
                "empty_camps_on_day0" => rules.empty_camps_on_day0 = reader.bool(&name, v)?,
                "conflict_driven_spawning" => {
                    // Flee switches it on whenever the key is present (and flood-only
                    // spawning is off, checked below).
                    conflict_driven = Some(reader.conflict_driven(&name, v)?)
                }
                "conflict_zone_spawning_only" => {
                    // Without starvation-driven spawning only conflict zones get a spawn
                    // weight either way, so both values behave the same.
                    conflict_zone_spawning_only = reader.bool(&name, v)?;
                }
                "flood_zone_spawning_only" => flood_zone_spawning_only = reader.bool(&name, v)?,
                "flood_driven_spawn_mode" => {
                    flood_driven = Some(reader.flood_driven(&name, v, &mut self.warnings)?)
                }
                // Only used by the two-system decision model, which is not enabled.
                "average_social_connectivity" => {
                    reader.float_in(&name, v, Range::NonNegative)?;
                }
                "camps_are_sicks" | "read_from_agents_csv_file" | "starvation_driven_spawning" => {
                    reader.require_off(&name, v)?
                }
                _ => reader.unknown(&name, &sub, SPAWN_RULE_KEYS, &mut self.warnings)?,
            }
        }
        if conflict_zone_spawning_only && flood_zone_spawning_only {
            return Err(reader.err(
                "spawn_rules.flood_zone_spawning_only",
                "conflict_zone_spawning_only (true by default) and flood_zone_spawning_only are \
                 both true; Flee stops here too (set conflict_zone_spawning_only: False)",
            ));
        }
        // Flee reads one of the two spawning sections, chosen by flood_zone_spawning_only.
        let ignored = if flood_zone_spawning_only {
            rules.flood_driven = flood_driven;
            conflict_driven.map(|_| ("conflict_driven_spawning", "true"))
        } else {
            rules.conflict_driven = conflict_driven;
            flood_driven.map(|_| ("flood_driven_spawn_mode", "false"))
        };
        if let Some((key, value)) = ignored {
            let name = format!("spawn_rules.{key}");
            let place = match reader.line_of(&name) {
                Some(line) => format!("{}:{line}", reader.file),
                None => reader.file.to_string(),
            };
            self.warnings.push(format!(
                "{place}: setting `{name}` is ignored because flood_zone_spawning_only is \
                 {value}, as Flee does"
            ));
        }
        if rules.flood_driven.is_some() && !rules.take_from_population {
            return Err(reader.err(
                "spawn_rules.take_from_population",
                "flood-driven spawning needs take_from_population: True (Flee stops here too: \
                 without it floods would spawn agents without end)",
            ));
        }
        Ok(())
    }

    /// Returns whether `use_v1_rules` was switched on.
    fn read_move_rules(&mut self, reader: &Reader<'_>, value: &Value) -> Result<bool> {
        let rules = &mut self.move_rules;
        let mut use_v1_rules = false;
        for (sub, v) in reader.section("move_rules", value)? {
            let name = format!("move_rules.{sub}");
            let number = |range| reader.float_in(&name, v, range);
            match sub.as_str() {
                "max_move_speed" => rules.max_move_speed = number(Range::Positive)?,
                "max_walk_speed" => rules.max_walk_speed = number(Range::Positive)?,
                "foreign_weight" => rules.foreign_weight = number(Range::NonNegative)?,
                "camp_weight" => rules.camp_weight = number(Range::NonNegative)?,
                "conflict_weight" => rules.conflict_weight = number(Range::NonNegative)?,
                "conflict_movechance" => rules.conflict_movechance = number(Range::Probability)?,
                "camp_movechance" => rules.camp_movechance = number(Range::Probability)?,
                "idpcamp_movechance" => rules.idpcamp_movechance = number(Range::Probability)?,
                "default_movechance" => rules.default_movechance = number(Range::Probability)?,
                "awareness_level" => {
                    let level = reader.int(&name, v)?;
                    if level == 0 {
                        return Err(reader.err(
                            &name,
                            "awareness level 0 is not supported: Flee's level 0 picks a link \
                             index that never matches a location, so no agent ever moves; use 1 \
                             (neighbouring locations) or more",
                        ));
                    }
                    rules.awareness_level = reader.int_in(&name, v, 1, MAX_AWARENESS_LEVEL)?;
                }
                "capacity_buffer" => rules.capacity_buffer = number(Range::Probability)?,
                "capacity_scaling" => rules.capacity_scaling = number(Range::NonNegative)?,
                "softening" => rules.distance_softening = number(Range::NonNegative)?,
                "weight_softening" => rules.weight_softening = number(Range::NonNegative)?,
                "weight_power" => rules.weight_power = number(Range::NonNegative)?,
                "distance_power" => rules.distance_power = number(Range::NonNegative)?,
                "use_pop_for_loc_weight" => rules.use_pop_for_loc_weight = reader.bool(&name, v)?,
                "pop_power_for_loc_weight" => {
                    rules.pop_power_for_loc_weight = number(Range::Finite)?
                }
                "movechance_pop_base" => rules.movechance_pop_base = number(Range::Positive)?,
                "movechance_pop_scale_factor" => {
                    rules.movechance_pop_scale_factor = number(Range::Finite)?
                }
                "pruning_threshold" => rules.pruning_threshold = number(Range::NonNegative)?,
                "use_v1_rules" => use_v1_rules = reader.bool(&name, v)?,
                "start_on_foot" => rules.start_on_foot = reader.bool(&name, v)?,
                "avoid_short_stints" => rules.avoid_short_stints = reader.bool(&name, v)?,
                // Parameters of mechanisms that stay off unless their switch is set.
                "max_crossing_speed" | "avg_religion_fraction" => {
                    number(Range::Positive)?;
                }
                "home_distance_power" => {
                    number(Range::Finite)?;
                }
                "stay_close_to_home"
                | "WomenAvoidHazards"
                | "ChildrenAvoidHazards"
                | "ElderlyAvoidHazards"
                | "BoysTakeRisk"
                | "MatchCampReligion"
                | "MatchCampEthnicity"
                | "MatchTownEthnicity"
                | "MatchConflictEthnicity"
                | "fixed_routes"
                | "two_system_decision_making"
                | "use_economic_pull"
                | "harvest_months"
                | "flee_when_starving"
                | "avoid_food_deprived_locations" => reader.require_off(&name, v)?,
                "flood_rules" => {
                    // Flee switches the flood rules on whenever the section is present.
                    rules.flood =
                        Some(reader.flood_rules(&name, v, &mut self.warnings, &mut self.notes)?)
                }
                _ => reader.unknown(&name, &sub, MOVE_RULE_KEYS, &mut self.warnings)?,
            }
        }
        Ok(use_v1_rules)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MALI: &str = "log_levels:\n  agent: 1\n  camp: 0\n  init: 0\n  link: 1\n  conflict: 0\n  granularity: location\nspawn_rules:\n  take_from_population: False\n  conflict_spawn_decay: [1.0,1.0,1.0,0.5,0.1]\n  insert_day0: True\nmove_rules:\n  max_move_speed: 200.0\n  max_walk_speed: 35.0\n  foreign_weight: 1.0\n  camp_weight: 5.0\n  awareness_level: 1\n  capacity_buffer: 0.75\n  conflict_weight: 0.25\n  conflict_movechance: 1.0\n  camp_movechance: 0.001\n  default_movechance: 0.3\n  capacity_scaling: 1.0\n  avoid_short_stints: False\n  start_on_foot: False\n  weight_power: 1.0\noptimisations:\n  hasten: 10 \n";

    #[test]
    fn reads_the_mali_settings() {
        let s = SimSettings::from_yaml("simsetting.yml", MALI).expect("valid settings");
        assert_eq!(s.hasten, 10);
        assert_eq!(s.move_rules.max_move_speed, 200.0);
        assert_eq!(s.move_rules.camp_weight, 5.0);
        assert_eq!(s.move_rules.capacity_buffer, 0.75);
        assert_eq!(s.move_rules.distance_softening, 10.0);
        assert_eq!(
            s.spawn_rules.conflict_spawn_decay,
            Some(vec![1.0, 1.0, 1.0, 0.5, 0.1])
        );
        assert_eq!(s.spawn_rules.conflict_decay(0), 1.0);
        assert_eq!(s.spawn_rules.conflict_decay(90), 0.5);
        assert_eq!(s.spawn_rules.conflict_decay(1000), 0.1);
        assert!(!s.notes.is_empty());
    }

    #[test]
    fn misspelt_key_is_an_error_and_unknown_key_a_warning_with_its_line() {
        let err = SimSettings::from_yaml("my.yml", "move_rules:\n  camp_wieght: 2.0\n")
            .expect_err("misspelt key");
        let text = err.to_string();
        assert!(text.contains("my.yml"), "{text}");
        assert!(text.contains("move_rules.camp_wieght"), "{text}");
        assert!(text.contains("did you mean `camp_weight`"), "{text}");

        let s = SimSettings::from_yaml(
            "my.yml",
            "log_levels:\n  agent: 0\n  Flood: 1\nmoves:\n  x: 1\n",
        )
        .expect("Flee ignores unknown keys");
        assert_eq!(s.warnings.len(), 2, "{:?}", s.warnings);
        assert!(
            s.warnings[0].starts_with("my.yml:3: setting `log_levels.Flood`"),
            "{:?}",
            s.warnings
        );
        assert!(
            s.warnings[1].starts_with("my.yml:4: setting `moves`"),
            "{:?}",
            s.warnings
        );
    }

    #[test]
    fn unsupported_options_error_only_when_switched_on() {
        SimSettings::from_yaml(
            "s.yml",
            "move_rules:\n  two_system_decision_making: False\n",
        )
        .expect("default value is fine");
        let err =
            SimSettings::from_yaml("s.yml", "move_rules:\n  two_system_decision_making: True\n")
                .expect_err("not implemented");
        assert!(
            err.to_string()
                .contains("move_rules.two_system_decision_making")
        );
    }

    /// The flood forecaster section of FabFlee's dflee_weather_example.
    const FORECASTER: &str = "    flood_forecaster: True\n    flood_forecaster_timescale: 5\n    flood_forecaster_end_time: 5\n    flood_forecaster_weights: [1.0, 0.9, 0.8, 0.7, 0.6, 0.5]\n    flood_awareness_weights: [0.0,0.5,1.0]\n";

    #[test]
    fn flood_forecaster_is_read_and_its_numbers_range_checked() {
        let s = SimSettings::from_yaml("s.yml", &format!("{DFLEE}{FORECASTER}")).expect("valid");
        let flood = s.move_rules.flood.expect("flood rules");
        assert_eq!(
            flood.forecaster,
            Some(FloodForecaster {
                timescale: 5,
                end_time: 5,
                day_weights: vec![1.0, 0.9, 0.8, 0.7, 0.6, 0.5],
                awareness_weights: vec![0.0, 0.5, 1.0],
            })
        );
        let off = SimSettings::from_yaml(
            "s.yml",
            &format!("{DFLEE}{}", FORECASTER.replace("True", "False")),
        )
        .expect("valid");
        assert_eq!(off.move_rules.flood.expect("flood rules").forecaster, None);
        // A timescale of 1 or less never acts in Flee: accepted, with a note, lists optional.
        let idle = SimSettings::from_yaml(
            "s.yml",
            &format!("{DFLEE}    flood_forecaster: True\n    flood_forecaster_timescale: 1\n"),
        )
        .expect("valid");
        assert!(
            idle.notes.iter().any(|n| n.contains("has no effect")),
            "{:?}",
            idle.notes
        );
        // Flee never reads a timescale in the spawning section: a warning.
        let text = DFLEE.replace(
            "[0.1,0.3,0.5,0.7,0.9]\n",
            "[0.1,0.3,0.5,0.7,0.9]\n    flood_forecaster_timescale: 5\n",
        );
        let s = SimSettings::from_yaml("s.yml", &text).expect("valid");
        assert!(
            s.warnings.iter().any(|w| w.starts_with(
                "s.yml:11: setting `spawn_rules.flood_driven_spawn_mode.flood_forecaster_timescale` is never used"
            )),
            "{:?}",
            s.warnings
        );
        for (from, to, key) in [
            (
                "timescale: 5",
                "timescale: -2",
                "flood_forecaster_timescale",
            ),
            ("end_time: 5", "end_time: 1e9", "flood_forecaster_end_time"),
            ("[1.0, 0.9,", "[-1.0, 0.9,", "flood_forecaster_weights"),
            ("[0.0,0.5,1.0]", "[0.0,.nan,1.0]", "flood_awareness_weights"),
            ("[0.0,0.5,1.0]", "[]", "flood_awareness_weights"),
            (
                "    flood_forecaster_weights: [1.0, 0.9, 0.8, 0.7, 0.6, 0.5]\n",
                "",
                "flood_forecaster_weights",
            ),
        ] {
            let text = format!("{DFLEE}{}", FORECASTER.replace(from, to));
            let err = SimSettings::from_yaml("simsetting.yml", &text).expect_err(key);
            assert!(
                err.to_string().starts_with(&format!(
                    "simsetting.yml: setting `move_rules.flood_rules.{key}`"
                )),
                "{key}: {err}"
            );
        }
    }

    /// The DFlee settings FabFlee ships (Ethiopia_dflee and others), keys Flee ignores included.
    const DFLEE: &str = "log_levels:\n  Flood: 0\nspawn_rules:\n  flood_driven_spawning: True\n  flood_zone_spawning_only: True\n  conflict_zone_spawning_only: False\n  take_from_population: True\n  flood_driven_spawn_mode:\n    flood_spawn_mode: \"pop_ratio\"\n    displaced_per_flood_day: [0.1,0.3,0.5,0.7,0.9]\nmove_rules:\n  max_flood_level: 4\n  flood_rules:\n    flood_movechances: [0.3,0.4,0.7,1.0,1.0]\n    flood_loc_weights: [1.0,0.5,0.2,0.0,0.0]\n";

    #[test]
    fn reads_fabflee_dflee_settings_with_warnings_for_keys_flee_ignores() {
        let s = SimSettings::from_yaml("s.yml", DFLEE).expect("valid DFlee settings");
        assert!(s.floods());
        assert_eq!(
            s.spawn_rules.flood_driven,
            Some(FloodDrivenSpawning {
                mode: ConflictSpawnMode::PopRatio,
                displaced_per_flood_day: vec![0.1, 0.3, 0.5, 0.7, 0.9],
            })
        );
        let flood = s.move_rules.flood.as_ref().expect("flood rules");
        assert_eq!(flood.movechance(2), 0.7);
        assert_eq!(flood.loc_weight(1), 0.5);
        assert_eq!(s.spawn_rules.conflict_driven, None);
        // Flee reads `spawn_mode`, not `flood_spawn_mode`, and no `flood_driven_spawning` or
        // `move_rules.max_flood_level`.
        for key in [
            "log_levels.Flood",
            "spawn_rules.flood_driven_spawning",
            "spawn_rules.flood_driven_spawn_mode.flood_spawn_mode",
            "move_rules.max_flood_level",
        ] {
            assert!(
                s.warnings.iter().any(|w| w.contains(&format!("`{key}`"))),
                "{key}: {:?}",
                s.warnings
            );
        }
        assert_eq!(s.warnings.len(), 4, "{:?}", s.warnings);
    }

    #[test]
    fn flood_spawning_defaults_are_flees() {
        let base = "spawn_rules:\n  flood_zone_spawning_only: True\n  conflict_zone_spawning_only: False\n  take_from_population: True\nmove_rules:\n  flood_rules:\n    flood_movechances: [0.3,0.4]\n    flood_loc_weights: [1.0,0.5]\n";
        let with_mode = |mode: &str| {
            base.replace(
                "  take_from_population: True\n",
                &format!("  take_from_population: True\n  flood_driven_spawn_mode: {mode}\n"),
            )
        };
        let s = SimSettings::from_yaml("s.yml", &with_mode("{}")).expect("valid");
        let rule = s.spawn_rules.flood_driven.expect("flood spawning");
        assert_eq!(rule.mode, ConflictSpawnMode::PopRatio);
        assert_eq!(rule.displaced_per_flood_day, vec![0.0, 0.1, 0.2, 0.5, 0.9]);
        let s =
            SimSettings::from_yaml("s.yml", &with_mode("{spawn_mode: constant}")).expect("valid");
        let rule = s.spawn_rules.flood_driven.expect("flood spawning");
        assert_eq!(rule.mode, ConflictSpawnMode::Constant);
        assert_eq!(
            rule.displaced_per_flood_day,
            vec![0.0, 100.0, 200.0, 300.0, 500.0]
        );
        let s =
            SimSettings::from_yaml("s.yml", &with_mode("{spawn_mode: Poisson}")).expect("valid");
        assert_eq!(
            s.spawn_rules.flood_driven.map(|r| r.mode),
            Some(ConflictSpawnMode::Poisson)
        );
    }

    #[test]
    fn flood_settings_flee_cannot_run_are_errors_naming_the_key() {
        let cases = [
            // Flood rules without flood spawning: Flee never reads flood_level.csv and stops.
            (
                DFLEE.replace("  flood_zone_spawning_only: True\n", ""),
                "move_rules.flood_rules",
            ),
            // Flood spawning without flood rules: Flee stops at the first flooded location.
            (
                DFLEE.replace("  flood_rules:\n    flood_movechances: [0.3,0.4,0.7,1.0,1.0]\n    flood_loc_weights: [1.0,0.5,0.2,0.0,0.0]\n", ""),
                "spawn_rules.flood_driven_spawn_mode",
            ),
            (
                DFLEE.replace("take_from_population: True", "take_from_population: False"),
                "spawn_rules.take_from_population",
            ),
            (
                DFLEE.replace("    flood_loc_weights: [1.0,0.5,0.2,0.0,0.0]\n", ""),
                "move_rules.flood_rules.flood_loc_weights",
            ),
            (
                DFLEE.replace("[0.3,0.4,0.7,1.0,1.0]", "[0.3]"),
                "move_rules.flood_rules.flood_movechances",
            ),
            (
                DFLEE.replace("[0.3,0.4,0.7,1.0,1.0]", "[0.3,1.5]"),
                "move_rules.flood_rules.flood_movechances",
            ),
            (
                DFLEE.replace("[0.1,0.3,0.5,0.7,0.9]", "[0.1,-0.3]"),
                "spawn_rules.flood_driven_spawn_mode.displaced_per_flood_day",
            ),
            (
                DFLEE.replace("flood_spawn_mode: \"pop_ratio\"", "spawn_mode: sometimes"),
                "spawn_rules.flood_driven_spawn_mode.spawn_mode",
            ),
            (
                DFLEE.replace("conflict_zone_spawning_only: False", "conflict_zone_spawning_only: True"),
                "spawn_rules.flood_zone_spawning_only",
            ),
        ];
        for (text, key) in cases {
            let err = SimSettings::from_yaml("simsetting.yml", &text).expect_err(key);
            let message = err.to_string();
            assert!(
                message.starts_with(&format!("simsetting.yml: setting `{key}`")),
                "{key}: {message}"
            );
        }
    }

    #[test]
    fn flee_reads_one_spawning_section_and_the_other_is_a_warning() {
        let text = DFLEE.replace(
            "  take_from_population: True\n",
            "  take_from_population: True\n  conflict_driven_spawning:\n    spawn_mode: constant\n",
        );
        let s = SimSettings::from_yaml("s.yml", &text).expect("valid");
        assert_eq!(s.spawn_rules.conflict_driven, None);
        assert!(s.floods());
        assert!(
            s.warnings.iter().any(|w| w.contains(
                "`spawn_rules.conflict_driven_spawning` is ignored because flood_zone_spawning_only is true"
            )),
            "{:?}",
            s.warnings
        );
        let s = SimSettings::from_yaml(
            "s.yml",
            "spawn_rules:\n  flood_driven_spawn_mode:\n    spawn_mode: constant\n",
        )
        .expect("Flee ignores the section without flood_zone_spawning_only");
        assert!(!s.floods());
        assert!(
            s.warnings[0]
                .starts_with("s.yml:2: setting `spawn_rules.flood_driven_spawn_mode` is ignored"),
            "{:?}",
            s.warnings
        );
    }

    #[test]
    fn rule_switches_are_read_and_v1_rules_turn_them_off() {
        let text = "move_rules:\n  start_on_foot: True\n  avoid_short_stints: True\n  awareness_level: 5\n";
        let s = SimSettings::from_yaml("s.yml", text).expect("supported");
        assert!(s.move_rules.start_on_foot && s.move_rules.avoid_short_stints);
        assert_eq!(s.move_rules.awareness_level, 5);
        let s = SimSettings::from_yaml("s.yml", &format!("{text}  use_v1_rules: True\n"))
            .expect("supported");
        assert!(!s.move_rules.start_on_foot && !s.move_rules.avoid_short_stints);
        assert_eq!(s.move_rules.max_move_speed, 200.0);
    }

    #[test]
    fn awareness_level_is_range_checked() {
        for (level, expected) in [
            ("0", "no agent ever moves"),
            ("9", "from 1 to 8"),
            ("-1", "from 1 to 8"),
        ] {
            let err = SimSettings::from_yaml(
                "s.yml",
                &format!("move_rules:\n  awareness_level: {level}\n"),
            )
            .expect_err("out of range");
            assert!(err.to_string().contains(expected), "{level}: {err}");
        }
    }

    #[test]
    fn every_numeric_setting_is_range_checked_and_blamed_on_the_settings_file() {
        let cases = [
            ("move_rules", "default_movechance", ".nan", "from 0 to 1"),
            ("move_rules", "default_movechance", "-5", "from 0 to 1"),
            ("move_rules", "camp_movechance", "1.5", "from 0 to 1"),
            ("move_rules", "max_move_speed", ".inf", "> 0"),
            ("move_rules", "max_move_speed", "0", "> 0"),
            ("move_rules", "max_walk_speed", "-35", "> 0"),
            ("move_rules", "camp_weight", "-1", ">= 0"),
            ("move_rules", "conflict_weight", ".nan", ">= 0"),
            ("move_rules", "capacity_buffer", "2", "from 0 to 1"),
            ("move_rules", "softening", "-10", ">= 0"),
            ("move_rules", "distance_power", ".inf", ">= 0"),
            ("move_rules", "pruning_threshold", "-.inf", ">= 0"),
            ("move_rules", "movechance_pop_base", "0", "> 0"),
            (
                "move_rules",
                "movechance_pop_scale_factor",
                ".nan",
                "finite",
            ),
            ("spawn_rules", "conflict_spawn_decay", "[1.0, .nan]", ">= 0"),
            (
                "spawn_rules",
                "conflict_spawn_decay_interval",
                "0",
                "from 1 to",
            ),
            ("optimisations", "hasten", "0", "from 1 to"),
        ];
        for (section, key, value, expected) in cases {
            let text = format!("{section}:\n  {key}: {value}\n");
            let err = SimSettings::from_yaml("simsetting.yml", &text).expect_err(&text);
            let message = err.to_string();
            assert!(
                message.starts_with("simsetting.yml: setting `"),
                "{message}"
            );
            assert!(message.contains(&format!("{section}.{key}")), "{message}");
            assert!(message.contains(expected), "{text} -> {message}");
        }
    }

    #[test]
    fn conflict_driven_spawning_is_read_like_flee() {
        let s = SimSettings::from_yaml(
            "s.yml",
            "spawn_rules:\n  conflict_driven_spawning:\n    spawn_mode: \"pop_ratio\"\n    displaced_per_conflict_day: 0.01\n",
        )
        .expect("valid");
        assert_eq!(
            s.spawn_rules.conflict_driven,
            Some(ConflictDrivenSpawning {
                mode: ConflictSpawnMode::PopRatio,
                displaced_per_conflict_day: 0.01
            })
        );
        // Flee's defaults: constant mode, 500 a day (read with int()).
        let s = SimSettings::from_yaml("s.yml", "spawn_rules:\n  conflict_driven_spawning: {}\n")
            .expect("valid");
        assert_eq!(
            s.spawn_rules.conflict_driven,
            Some(ConflictDrivenSpawning {
                mode: ConflictSpawnMode::Constant,
                displaced_per_conflict_day: 500.0
            })
        );
        let err = SimSettings::from_yaml(
            "s.yml",
            "spawn_rules:\n  conflict_driven_spawning:\n    spawn_mode: sometimes\n",
        )
        .expect_err("unknown mode");
        assert!(
            err.to_string().contains("constant, pop_ratio or poisson"),
            "{err}"
        );
    }

    #[test]
    fn empty_file_gives_flee_defaults() {
        let s = SimSettings::from_yaml("s.yml", "").expect("empty is fine");
        assert_eq!(s, SimSettings::default());
    }
}
