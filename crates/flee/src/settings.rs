//! `simsetting.yml`: Flee's simulation settings.
//!
//! Every key that Flee's `SimulationSettings.ReadFromYML` knows is recognised. Keys that change
//! the rules used by the Mali-style cases are implemented; keys for mechanisms this engine does
//! not implement (floods, demographic conditionals, two-system decisions, ...) are accepted
//! only at their default value, and any other value is an error naming the file and key.
//! Unknown keys are errors too: Flee silently ignores a misspelt key, which hides mistakes.

use serde_yaml_ng::Value;

use crate::error::{FleeError, Result};

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
    /// How many link steps ahead agents look when choosing a route (only 1 is supported).
    pub awareness_level: i64,
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
}

impl Default for SpawnRules {
    fn default() -> Self {
        SpawnRules {
            take_from_population: false,
            insert_day0: true,
            sum_from_camps: true,
            conflict_spawn_decay: None,
            conflict_spawn_decay_interval: 30,
        }
    }
}

impl SpawnRules {
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
}

impl Default for SimSettings {
    fn default() -> Self {
        SimSettings {
            move_rules: MoveRules::default(),
            spawn_rules: SpawnRules::default(),
            hasten: 1,
            idp_totals_column: false,
            notes: Vec::new(),
        }
    }
}

struct Reader<'a> {
    file: &'a str,
}

impl Reader<'_> {
    fn err(&self, key: &str, message: impl Into<String>) -> FleeError {
        FleeError::setting(self.file, key, message)
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

    fn int(&self, key: &str, value: &Value) -> Result<i64> {
        match value {
            Value::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().map(|f| f.trunc() as i64))
                .ok_or_else(|| self.err(key, "number out of range")),
            Value::Bool(b) => Ok(i64::from(*b)),
            Value::String(s) => s
                .trim()
                .parse()
                .map_err(|_| self.err(key, format!("expected an integer, found `{s}`"))),
            other => Err(self.err(key, format!("expected an integer, found {other:?}"))),
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

    fn float_list(&self, key: &str, value: &Value) -> Result<Option<Vec<f64>>> {
        match value {
            Value::Null => Ok(None),
            Value::Sequence(items) => items
                .iter()
                .map(|item| self.float(key, item))
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
}

impl SimSettings {
    /// Parses the text of a `simsetting.yml` file; `file` names it in error messages.
    pub fn from_yaml(file: &str, text: &str) -> Result<SimSettings> {
        let reader = Reader { file };
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
                            "hasten" => {
                                settings.hasten = reader.int(&name, v)?;
                                if settings.hasten < 1 {
                                    return Err(reader.err(&name, "must be at least 1"));
                                }
                            }
                            _ => return Err(reader.err(&name, "unknown setting")),
                        }
                    }
                }
                // Read by Flee but without effect in its run script.
                "number_of_steps" | "default_conflict_intensity" => {}
                "conflict_input_file" | "flood_level_input_file" => settings.notes.push(format!(
                    "{key} is ignored: like Flee's run.py, conflicts are read from INPUT_CSV_DIR/conflicts.csv"
                )),
                _ => return Err(reader.err(&key, "unknown setting")),
            }
        }
        if use_v1_rules {
            // Flee's "V1 rules" override these regardless of what the file says.
            let rules = &mut settings.move_rules;
            rules.max_move_speed = 200.0;
            rules.camp_weight = 2.0;
            rules.conflict_weight = 0.25;
        }
        Ok(settings)
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
                _ => return Err(reader.err(&name, "unknown setting")),
            }
        }
        Ok(())
    }

    fn read_spawn_rules(&mut self, reader: &Reader<'_>, value: &Value) -> Result<()> {
        let rules = &mut self.spawn_rules;
        for (sub, v) in reader.section("spawn_rules", value)? {
            let name = format!("spawn_rules.{sub}");
            match sub.as_str() {
                "take_from_population" => rules.take_from_population = reader.bool(&name, v)?,
                "insert_day0" => rules.insert_day0 = reader.bool(&name, v)?,
                "sum_from_camps" => rules.sum_from_camps = reader.bool(&name, v)?,
                "conflict_spawn_decay" => {
                    rules.conflict_spawn_decay = reader.float_list(&name, v)?
                }
                "conflict_spawn_decay_interval" => {
                    rules.conflict_spawn_decay_interval = reader.int(&name, v)?;
                    if rules.conflict_spawn_decay_interval < 1 {
                        return Err(reader.err(&name, "must be at least 1"));
                    }
                }
                "conflict_zone_spawning_only" => {
                    // Without starvation-driven spawning only conflict zones get a spawn
                    // weight either way, so both values behave the same.
                    reader.bool(&name, v)?;
                }
                // Only used by the two-system decision model, which is not enabled.
                "average_social_connectivity" => {
                    reader.float(&name, v)?;
                }
                "empty_camps_on_day0"
                | "flood_zone_spawning_only"
                | "camps_are_sicks"
                | "read_from_agents_csv_file"
                | "starvation_driven_spawning"
                | "conflict_driven_spawning"
                | "flood_driven_spawn_mode" => reader.require_off(&name, v)?,
                _ => return Err(reader.err(&name, "unknown setting")),
            }
        }
        Ok(())
    }

    /// Returns whether `use_v1_rules` was switched on.
    fn read_move_rules(&mut self, reader: &Reader<'_>, value: &Value) -> Result<bool> {
        let rules = &mut self.move_rules;
        let mut use_v1_rules = false;
        for (sub, v) in reader.section("move_rules", value)? {
            let name = format!("move_rules.{sub}");
            match sub.as_str() {
                "max_move_speed" => rules.max_move_speed = reader.float(&name, v)?,
                "max_walk_speed" => rules.max_walk_speed = reader.float(&name, v)?,
                "foreign_weight" => rules.foreign_weight = reader.float(&name, v)?,
                "camp_weight" => rules.camp_weight = reader.float(&name, v)?,
                "conflict_weight" => rules.conflict_weight = reader.float(&name, v)?,
                "conflict_movechance" => rules.conflict_movechance = reader.float(&name, v)?,
                "camp_movechance" => rules.camp_movechance = reader.float(&name, v)?,
                "idpcamp_movechance" => rules.idpcamp_movechance = reader.float(&name, v)?,
                "default_movechance" => rules.default_movechance = reader.float(&name, v)?,
                "awareness_level" => {
                    rules.awareness_level = reader.int(&name, v)?;
                    if rules.awareness_level != 1 {
                        return Err(reader.err(
                            &name,
                            "only awareness level 1 (choose among neighbouring locations) is implemented",
                        ));
                    }
                }
                "capacity_buffer" => rules.capacity_buffer = reader.float(&name, v)?,
                "capacity_scaling" => rules.capacity_scaling = reader.float(&name, v)?,
                "softening" => rules.distance_softening = reader.float(&name, v)?,
                "weight_softening" => rules.weight_softening = reader.float(&name, v)?,
                "weight_power" => rules.weight_power = reader.float(&name, v)?,
                "distance_power" => rules.distance_power = reader.float(&name, v)?,
                "use_pop_for_loc_weight" => rules.use_pop_for_loc_weight = reader.bool(&name, v)?,
                "pop_power_for_loc_weight" => {
                    rules.pop_power_for_loc_weight = reader.float(&name, v)?
                }
                "movechance_pop_base" => rules.movechance_pop_base = reader.float(&name, v)?,
                "movechance_pop_scale_factor" => {
                    rules.movechance_pop_scale_factor = reader.float(&name, v)?
                }
                "pruning_threshold" => rules.pruning_threshold = reader.float(&name, v)?,
                "use_v1_rules" => use_v1_rules = reader.bool(&name, v)?,
                // Parameters of mechanisms that stay off unless their switch is set.
                "max_crossing_speed" | "home_distance_power" | "avg_religion_fraction" => {
                    reader.float(&name, v)?;
                }
                "avoid_short_stints"
                | "start_on_foot"
                | "stay_close_to_home"
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
                | "avoid_food_deprived_locations"
                | "flood_rules" => reader.require_off(&name, v)?,
                _ => return Err(reader.err(&name, "unknown setting")),
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
    fn unknown_key_is_an_error_naming_file_and_key() {
        let err = SimSettings::from_yaml("my.yml", "move_rules:\n  camp_wieght: 2.0\n")
            .expect_err("misspelt key");
        let text = err.to_string();
        assert!(text.contains("my.yml"), "{text}");
        assert!(text.contains("move_rules.camp_wieght"), "{text}");
        let err = SimSettings::from_yaml("my.yml", "moves:\n  x: 1\n").expect_err("bad section");
        assert!(err.to_string().contains("`moves`"));
    }

    #[test]
    fn unsupported_options_error_only_when_switched_on() {
        SimSettings::from_yaml("s.yml", "move_rules:\n  start_on_foot: False\n")
            .expect("default value is fine");
        let err = SimSettings::from_yaml("s.yml", "move_rules:\n  start_on_foot: True\n")
            .expect_err("not implemented");
        assert!(err.to_string().contains("move_rules.start_on_foot"));
        let err = SimSettings::from_yaml("s.yml", "move_rules:\n  awareness_level: 2\n")
            .expect_err("not implemented");
        assert!(err.to_string().contains("awareness_level"));
    }

    #[test]
    fn empty_file_gives_flee_defaults() {
        let s = SimSettings::from_yaml("s.yml", "").expect("empty is fine");
        assert_eq!(s, SimSettings::default());
    }
}
