//! Required tables and keys of a scenario file, checked before it is deserialised so that every
//! missing one is reported at once (deserialisation stops at the first). Keep in step with
//! `spec.rs`: a test removes each key of the embedded scenario in turn and fails if
//! deserialisation finds a missing key this list does not name.

use crate::error::{ScenarioError, SourceText};
use std::ops::Range;
use toml::de::{DeTable, DeValue};

/// A key of a table and, for tables, the keys inside it.
struct Key {
    name: &'static str,
    required: bool,
    shape: Shape,
}

enum Shape {
    Value,
    Table(&'static [Key]),
    /// An array of tables (`[[depot]]`): each element is checked.
    Tables(&'static [Key]),
}

const fn value(name: &'static str) -> Key {
    Key {
        name,
        required: true,
        shape: Shape::Value,
    }
}

const fn table(name: &'static str, keys: &'static [Key]) -> Key {
    Key {
        name,
        required: true,
        shape: Shape::Table(keys),
    }
}

const fn optional_table(name: &'static str, keys: &'static [Key]) -> Key {
    Key {
        name,
        required: false,
        shape: Shape::Table(keys),
    }
}

const fn tables(name: &'static str, keys: &'static [Key]) -> Key {
    Key {
        name,
        required: true,
        shape: Shape::Tables(keys),
    }
}

const fn optional_tables(name: &'static str, keys: &'static [Key]) -> Key {
    Key {
        name,
        required: false,
        shape: Shape::Tables(keys),
    }
}

const CONVOY: [Key; 3] = [value("size"), value("max_wait_days"), value("escorted")];

/// A `[[calibration.target]]` or `[[validation.target]]` (one schema).
const TARGET: [Key; 4] = [
    value("name"),
    value("metric"),
    value("aggregation"),
    value("uncertainty"),
];

const SCHEDULED_CONVOY: [Key; 3] = [value("corridor"), value("departs"), value("trucks")];

const RESERVE: [Key; 5] = [
    value("place"),
    value("commodity"),
    value("volume"),
    value("release_below_cover_days"),
    value("release_per_day"),
];

const LOSS: [Key; 2] = [value("max_share"), value("shape")];

const SCENARIO: &[Key] = &[
    table(
        "scenario",
        &[
            value("name"),
            value("title"),
            value("start_date"),
            value("days"),
            value("seed"),
        ],
    ),
    table("network", &[value("places"), value("segments")]),
    table(
        "trucks",
        &[
            table(
                "speed_km_per_day",
                &[value("good"), value("fair"), value("bad"), value("track")],
            ),
            value("load_days"),
            value("unload_days"),
            value("border_delay_days"),
            value("border_extra_day_chance"),
            value("escorted_speed_factor"),
        ],
    ),
    tables(
        "commodity",
        &[
            value("name"),
            value("unit"),
            value("truck_capacity"),
            value("official_price"),
        ],
    ),
    tables(
        "depot",
        &[
            value("place"),
            value("commodity"),
            table(
                "demand",
                &[
                    value("power"),
                    value("transport"),
                    value("agri_mining"),
                    value("households_services"),
                ],
            ),
            value("storage_capacity_days"),
            value("opening_cover_days"),
            value("target_cover_days"),
            optional_table(
                "power",
                &[value("normal_hours"), value("non_thermal_share")],
            ),
            optional_table("production", &[value("per_day")]),
        ],
    ),
    tables(
        "corridor",
        &[
            value("name"),
            value("commodity"),
            value("origin"),
            value("destination"),
            value("share"),
            value("fleet"),
            table("convoy", &CONVOY),
        ],
    ),
    table(
        "rationing",
        &[
            value("trigger_cover_days"),
            value("stretch_days"),
            value("priority"),
        ],
    ),
    table(
        "prices",
        &[
            value("reference_cover_days"),
            value("cap_multiple"),
            value("exponent"),
            value("demand_elasticity"),
            value("food_transport_share"),
        ],
    ),
    table(
        "services",
        &[
            value("window_days"),
            value("close_below"),
            value("reopen_above"),
            value("max_closure_days"),
            value("min_open_days"),
        ],
    ),
    table(
        "willingness",
        &[
            value("drop_per_attack"),
            value("drop_per_kidnapping"),
            value("recovery_half_life_days"),
            value("floor"),
            value("drop_per_reported_incident"),
            value("abduction_severity"),
        ],
    ),
    table(
        "escorts",
        &[
            value("units"),
            value("turnaround_days"),
            value("max_wait_for_escort_days"),
        ],
    ),
    optional_tables("reserve", &RESERVE),
    optional_table(
        "food_security",
        &[value("phase_floors_kcal"), value("averaging_days")],
    ),
    optional_tables(
        "export",
        &[
            value("name"),
            value("unit"),
            value("place"),
            value("to"),
            value("per_day"),
            value("hold_at_attack_chance"),
            value("price_per_unit"),
        ],
    ),
    optional_tables(
        "service",
        &[
            value("name"),
            value("place"),
            value("needs"),
            value("window_days"),
            value("close_below"),
            value("reopen_above"),
            value("max_closure_days"),
            value("min_open_days"),
        ],
    ),
    table(
        "threat",
        &[
            value("hazard_scale"),
            table(
                "kernel",
                &[
                    value("range_km"),
                    value("decay_days"),
                    value("scale"),
                    value("fatality_weight"),
                    value("event_weights"),
                ],
            ),
            table(
                "attacks",
                &[
                    value("escort_hazard_factor"),
                    value("reference_size"),
                    value("size_exponent"),
                    table("loss_unescorted", &LOSS),
                    table("loss_escorted", &LOSS),
                    value("kidnap_chance"),
                    value("kidnap_max"),
                    value("killed_per_truck_lost"),
                    value("turn_back_chance"),
                    value("wait_chance"),
                    value("wait_days"),
                ],
            ),
        ],
    ),
    optional_tables(
        "blockade",
        &[
            value("name"),
            value("from"),
            value("to"),
            value("intensity"),
            optional_table("area", &[value("place"), value("radius_km")]),
        ],
    ),
    optional_tables(
        "response",
        &[
            value("name"),
            optional_table("convoy", &CONVOY),
            optional_tables("reserve", &RESERVE),
            optional_tables("scheduled_convoy", &SCHEDULED_CONVOY),
        ],
    ),
    optional_tables("scheduled_convoy", &SCHEDULED_CONVOY),
    optional_tables("road_cut", &[value("between"), value("from")]),
    optional_table(
        "calibration",
        &[
            optional_tables("target", &TARGET),
            optional_tables(
                "parameter",
                &[value("path"), value("prior"), value("min"), value("max")],
            ),
        ],
    ),
    optional_table("validation", &[optional_tables("target", &TARGET)]),
    optional_tables(
        "airlift",
        &[
            value("name"),
            value("place"),
            value("commodity"),
            value("payload"),
            value("rotations_per_day"),
            value("from"),
            value("to"),
        ],
    ),
    optional_table(
        "displacement",
        &[
            value("siege_daily_flight_share"),
            value("shortage_threshold"),
            value("shortage_window_days"),
            value("shortage_daily_flight_share"),
            value("shortage_movechance_multiplier"),
            value("camp_capacity"),
            value("max_move_km_per_day"),
            value("camp_weight"),
            value("foreign_weight"),
            value("conflict_weight"),
            value("default_movechance"),
            value("camp_movechance"),
            value("conflict_movechance"),
        ],
    ),
];

/// Every required table and key missing from the scenario text, all at once. Text that is not
/// valid TOML passes: deserialisation reports the syntax error with its place.
pub fn check(src: &SourceText) -> Result<(), ScenarioError> {
    let Ok(document) = DeTable::parse(src.text) else {
        return Ok(());
    };
    let mut missing = Vec::new();
    check_table(src, document.get_ref(), SCENARIO, "", 0..0, &mut missing);
    ScenarioError::all(missing)
}

/// Checks `table` (at `path`, written at `at`) against `keys`, recursing into the tables present.
fn check_table(
    src: &SourceText,
    table: &DeTable,
    keys: &[Key],
    path: &str,
    at: Range<usize>,
    missing: &mut Vec<ScenarioError>,
) {
    for key in keys {
        let field = if path.is_empty() {
            key.name.to_string()
        } else {
            format!("{path}.{}", key.name)
        };
        let entry = table.iter().find(|(k, _)| k.get_ref() == key.name);
        let Some((name, value)) = entry else {
            if key.required {
                missing.push(src.error(at.clone(), &field, missing_message(key, path)));
            }
            continue;
        };
        match (&key.shape, value.get_ref()) {
            (Shape::Table(inner), DeValue::Table(t)) => {
                check_table(src, t, inner, &field, name.span(), missing);
            }
            (Shape::Tables(inner), DeValue::Array(elements)) => {
                for element in elements.iter() {
                    if let DeValue::Table(t) = element.get_ref() {
                        check_table(src, t, inner, &field, element.span(), missing);
                    }
                }
            }
            // A value of the wrong type is reported by deserialisation, with its place.
            _ => {}
        }
    }
}

fn missing_message(key: &Key, path: &str) -> String {
    let within = if path.is_empty() {
        String::new()
    } else {
        format!(" in [{path}]")
    };
    match key.shape {
        Shape::Value => format!("missing required key `{}`{within}", key.name),
        Shape::Table(_) if path.is_empty() => {
            format!("missing required table `[{}]`", key.name)
        }
        Shape::Table(_) => format!("missing required table `{}`{within}", key.name),
        Shape::Tables(_) => format!("missing required tables `[[{}]]` (at least one)", key.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<(usize, String, String)> {
        let src = SourceText {
            file: "s.toml",
            text,
        };
        match check(&src) {
            Ok(()) => Vec::new(),
            Err(e) => e
                .problems()
                .iter()
                .map(|p| match p {
                    ScenarioError::At {
                        line,
                        field,
                        message,
                        ..
                    } => (*line, field.clone(), message.clone()),
                    other => panic!("unexpected error {other}"),
                })
                .collect(),
        }
    }

    #[test]
    fn embedded_scenarios_have_every_required_key() {
        for (name, text) in crate::embedded::SCENARIOS {
            assert_eq!(problems(text), Vec::new(), "{name}");
        }
    }

    #[test]
    fn every_missing_table_and_key_is_listed_at_once() {
        let text = "[scenario]\nname = \"x\"\ntitle = \"t\"\nstart_date = \"2025-01-01\"\nseed = 1\n\n[[depot]]\nplace = \"A\"\n";
        let found = problems(text);
        let fields: Vec<&str> = found.iter().map(|p| p.1.as_str()).collect();
        assert!(fields.contains(&"scenario.days"), "{fields:?}");
        assert!(fields.contains(&"network"), "{fields:?}");
        assert!(fields.contains(&"threat"), "{fields:?}");
        assert!(fields.contains(&"depot.demand"), "{fields:?}");
        assert!(fields.contains(&"depot.commodity"), "{fields:?}");
        let days = found.iter().find(|p| p.1 == "scenario.days").expect("days");
        assert_eq!(days.0, 1, "reported at the [scenario] header");
        assert!(days.2.contains("missing required key `days` in [scenario]"));
        let depot = found
            .iter()
            .find(|p| p.1 == "depot.commodity")
            .expect("depot");
        assert_eq!(depot.0, 7, "reported at the [[depot]] header");
        let network = found.iter().find(|p| p.1 == "network").expect("network");
        assert!(network.2.contains("`[network]`"), "{}", network.2);
    }

    #[test]
    fn invalid_toml_is_left_to_deserialisation() {
        assert_eq!(problems("this is = = not toml"), Vec::new());
    }
}
