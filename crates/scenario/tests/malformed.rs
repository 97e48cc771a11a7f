//! Malformed scenarios fail with the file, the line and the field — never a panic.

use lifeline_scenario::{Overrides, Scenario, ScenarioError, embedded};

fn baseline() -> String {
    embedded::scenario("mali-2025-baseline")
        .expect("embedded baseline")
        .to_string()
}

/// Parses and builds; returns the error's (line, field, message).
fn fail(text: String) -> (usize, String, String) {
    let result = Scenario::parse("bad.toml", text, None)
        .and_then(|s| s.build(&Overrides::default()).map(|_| ()));
    match result {
        Err(ScenarioError::At {
            file,
            line,
            field,
            message,
            ..
        }) => {
            assert_eq!(file, "bad.toml");
            (line, field, message)
        }
        Err(other) => panic!("expected a located error, got: {other}"),
        Ok(()) => panic!("expected an error"),
    }
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .expect("needle present")
        + 1
}

#[test]
fn embedded_baseline_builds() {
    let s = Scenario::parse("ok.toml", baseline(), None).expect("parses");
    let built = s.build(&Overrides::default()).expect("builds");
    assert_eq!(built.input.days, 180);
}

#[test]
fn unknown_key_names_line_and_key() {
    let text = baseline().replacen("\nload_days = 1.0", "\nload_days = 1.0\nlaod_dayz = 2.0", 1);
    let (line, field, message) = fail(text.clone());
    assert_eq!(line, line_of(&text, "laod_dayz"));
    assert_eq!(field, "trucks.laod_dayz");
    assert!(message.contains("unknown field"), "{message}");
}

#[test]
fn wrong_type_names_line_and_field() {
    let text = baseline().replace("days = 180", "days = \"half a year\"");
    let (line, field, message) = fail(text.clone());
    assert_eq!(line, line_of(&text, "half a year"));
    assert_eq!(field, "scenario.days");
    assert!(
        message.contains("integer") || message.contains("u32"),
        "{message}"
    );
}

#[test]
fn unknown_place_name_is_located() {
    let text = baseline().replacen(
        "via = [\"Kidira\", \"Diboli\", \"Kayes\"",
        "via = [\"Kidira\", \"Atlantis\", \"Kayes\"",
        1,
    );
    let (line, field, message) = fail(text.clone());
    assert_eq!(line, line_of(&text, "Atlantis"));
    assert_eq!(field, "corridor.via");
    assert!(message.contains("unknown place `Atlantis`"), "{message}");
}

#[test]
fn negative_length_in_network_file_names_file_line_field() {
    let dir = std::env::temp_dir().join(format!("lifeline-neg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let places = embedded::data("mali/places.csv").expect("places");
    let segments = embedded::data("mali/segments.csv").expect("segments");
    let bad = segments.replacen("Tambacounda,Kidira,184,", "Tambacounda,Kidira,-184,", 1);
    assert_ne!(bad, segments);
    std::fs::write(dir.join("places.csv"), places).expect("write");
    std::fs::write(dir.join("segments.csv"), &bad).expect("write");
    let text = baseline()
        .replace("embedded:mali/places.csv", "places.csv")
        .replace("embedded:mali/segments.csv", "segments.csv");
    let err = Scenario::parse("bad.toml", text, Some(dir.clone()))
        .err()
        .expect("error");
    match err {
        ScenarioError::Input(e) => {
            assert!(e.file.ends_with("segments.csv"));
            assert_eq!(e.line as usize, line_of(&bad, "-184"));
            assert_eq!(e.field, "length_km");
            assert!(e.message.contains("positive"), "{}", e.message);
        }
        other => panic!("expected an input error, got {other}"),
    }
    // The negative length typed in the scenario itself is caught too.
    let text = baseline().replace("truck_capacity = 46.0", "truck_capacity = -46.0");
    let (line, field, _) = fail(text.clone());
    assert_eq!(
        (line, field.as_str()),
        (line_of(&text, "-46.0"), "commodity.truck_capacity")
    );
    std::fs::remove_dir_all(dir).expect("cleanup");
}

#[test]
fn disconnected_depot_is_reported() {
    // Cut every road into Tombouctou: its depot can no longer be reached.
    let dir = std::env::temp_dir().join(format!("lifeline-cut-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let places = embedded::data("mali/places.csv").expect("places");
    let segments: String = embedded::data("mali/segments.csv")
        .expect("segments")
        .lines()
        .filter(|l| {
            let mut f = l.split(',');
            let (a, b) = (f.next().unwrap_or(""), f.next().unwrap_or(""));
            a != "Tombouctou" && b != "Tombouctou"
        })
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.join("places.csv"), places).expect("write");
    std::fs::write(dir.join("segments.csv"), segments).expect("write");
    let text = baseline()
        .replace("embedded:mali/places.csv", "places.csv")
        .replace("embedded:mali/segments.csv", "segments.csv");
    let s = Scenario::parse("bad.toml", text.clone(), Some(dir.clone())).expect("parses");
    let err = s.build(&Overrides::default()).err().expect("error");
    let msg = err.to_string();
    assert!(msg.starts_with("bad.toml:"), "{msg}");
    assert!(msg.contains("Tombouctou"), "{msg}");
    assert!(
        msg.contains("no road route") || msg.contains("cannot be reached"),
        "{msg}"
    );
    std::fs::remove_dir_all(dir).expect("cleanup");
}

#[test]
fn bad_date_and_out_of_range_share_are_located() {
    let text = baseline().replace("start_date = \"2025-09-01\"", "start_date = \"2025-09-31\"");
    let (line, field, message) = fail(text.clone());
    assert_eq!(
        (line, field.as_str()),
        (line_of(&text, "2025-09-31"), "scenario.start_date")
    );
    assert!(message.contains("YYYY-MM-DD"));
    let text = baseline().replace("non_thermal_share = 0.30", "non_thermal_share = 1.30");
    let (_, field, message) = fail(text);
    assert_eq!(field, "depot.power.non_thermal_share");
    assert!(message.contains("[0, 1]"));
}

#[test]
fn unknown_response_lists_the_known_ones() {
    let s = Scenario::parse("ok.toml", baseline(), None).expect("parses");
    let err = s
        .build(&Overrides {
            response: Some("teleport".into()),
            ..Overrides::default()
        })
        .err()
        .expect("error");
    assert!(err.to_string().contains("status-quo"), "{err}");
}

/// Parses and builds; returns every problem as (line, field, message).
fn problems(text: String) -> Vec<(usize, String, String)> {
    let result = Scenario::parse("bad.toml", text, None)
        .and_then(|s| s.build(&Overrides::default()).map(|_| ()));
    let err = result.expect_err("expected an error");
    err.problems()
        .into_iter()
        .map(|p| match p {
            ScenarioError::At {
                file,
                line,
                field,
                message,
                ..
            } => {
                assert_eq!(file, "bad.toml");
                (*line, field.clone(), message.clone())
            }
            other => panic!("expected located errors, got: {other}"),
        })
        .collect()
}

fn hindcast() -> String {
    embedded::scenario("mali-2025")
        .expect("embedded hindcast")
        .to_string()
}

#[test]
fn far_dates_are_refused_with_the_allowed_years() {
    for (from, to) in [
        (
            "start_date = \"2025-09-01\"",
            "start_date = \"+262142-12-01\"",
        ),
        ("start_date = \"2025-09-01\"", "start_date = \"2999-09-01\""),
    ] {
        let text = baseline().replace(from, to);
        let (line, field, message) = fail(text.clone());
        assert_eq!(line, line_of(&text, "start_date"));
        assert_eq!(field, "scenario.start_date");
        assert!(message.contains("1900–2200"), "{message}");
    }
    // Blockades' ends and the convoy policies' ends (`convoys_to`) alike.
    let text = hindcast().replace("to = \"2026-02-28\"", "to = \"9999-02-28\"");
    let found = problems(text);
    assert!(
        found.iter().all(|p| p.2.contains("1900–2200")
            && ["blockade.to", "corridor.convoys_to", "response.convoys_to"]
                .contains(&p.1.as_str())),
        "{found:?}"
    );
    for field in ["blockade.to", "corridor.convoys_to", "response.convoys_to"] {
        assert!(found.iter().any(|p| p.1 == field), "{field}: {found:?}");
    }
}

#[test]
fn huge_sizes_are_refused_with_their_bound() {
    for (from, to, field, bound) in [
        (
            "units = 6 ",
            "units = 4294967295 ",
            "escorts.units",
            "[0, 10000] units",
        ),
        (
            "window_days = 7",
            "window_days = 4294967295",
            "services.window_days",
            "[1, 365] days",
        ),
        (
            "days = 180",
            "days = 4294967295",
            "scenario.days",
            "[1, 3650] days",
        ),
        (
            "fleet = 320",
            "fleet = 4000000000",
            "corridor.fleet",
            "[0, 100000] trucks",
        ),
        (
            "kidnap_max = 6",
            "kidnap_max = 4000000",
            "threat.attacks.kidnap_max",
            "[0, 1000]",
        ),
    ] {
        let text = hindcast().replacen(from, to, 1);
        assert_ne!(text, hindcast(), "{from}");
        let (line, found_field, message) = fail(text.clone());
        assert_eq!(line, line_of(&text, to.trim()), "{field}");
        assert_eq!(found_field, field);
        assert!(message.contains(bound), "{message}");
        assert!(message.contains("found"), "{message}");
    }
    let text = hindcast().replace(
        "populations = { \"Léré\" = 16000 }",
        "populations = { \"Léré\" = 9000000000000000000 }",
    );
    let (_, field, message) = fail(text);
    assert_eq!(field, "displacement.populations.Léré");
    assert!(message.contains("1000000000"), "{message}");
    // Days asked for on the command line are bounded too.
    let s = Scenario::parse("ok.toml", baseline(), None).expect("parses");
    let err = s
        .build(&Overrides {
            days: Some(u32::MAX),
            ..Overrides::default()
        })
        .err()
        .expect("refused");
    assert!(err.to_string().contains("1 to 3650"), "{err}");
}

#[test]
fn nan_infinite_and_negative_parameters_are_refused_with_their_range() {
    for (from, to, field, range) in [
        (
            "size_exponent = 0.3",
            "size_exponent = nan",
            "threat.attacks.size_exponent",
            "[0, 10]",
        ),
        (
            "fatality_weight = 0.3",
            "fatality_weight = inf",
            "threat.kernel.fatality_weight",
            "[0, 1000]",
        ),
        (
            "\"Battles\" = 0.5",
            "\"Battles\" = -0.5",
            "threat.kernel.event_weights.Battles",
            "[0, 1000]",
        ),
        (
            "kcal_per_unit = 3.5e6",
            "kcal_per_unit = -3.5e6",
            "commodity.kcal_per_unit",
            "(0, 1e10] kcal per unit",
        ),
        (
            "production = { per_day = 1920.0,",
            "production = { per_day = nan,",
            "depot.production.per_day",
            "[0, 1e9]",
        ),
        (
            "fuel_dependence = 0.8",
            "fuel_dependence = 8.0",
            "export.fuel_dependence",
            "[0, 1]",
        ),
        (
            "threat_reference_hazard = 0.05",
            "threat_reference_hazard = -0.05",
            "displacement.threat_reference_hazard",
            "(0, 1000] attacks",
        ),
        (
            "close_below = 0.5          # ASSUMPTION: reduced",
            "close_below = inf          # ASSUMPTION: reduced",
            "service.close_below",
            "[0, 1]",
        ),
        (
            "abduction_severity = 3.0",
            "abduction_severity = nan",
            "willingness.abduction_severity",
            "[0, 1000]",
        ),
        (
            "killed_per_truck_lost = 0.05",
            "killed_per_truck_lost = -1.0",
            "threat.attacks.killed_per_truck_lost",
            "[0, 100]",
        ),
        (
            "storage_capacity_days = 20.0   #",
            "storage_capacity_days = 1e308   #",
            "depot.storage_capacity_days",
            "(0, 3650] days",
        ),
        (
            "hazard_scale = 1.0",
            "hazard_scale = -inf",
            "threat.hazard_scale",
            "[0, 1000]",
        ),
        (
            "adjust_per_day = 0.05",
            "adjust_per_day = 2.0",
            "rationing.adjust_per_day",
            "(0, 1]",
        ),
        (
            "dead_band = 0.05",
            "dead_band = nan",
            "rationing.dead_band",
            "[0, 1]",
        ),
        (
            "adjustment_half_life_days = 3.0",
            "adjustment_half_life_days = -3.0",
            "prices.adjustment_half_life_days",
            "[0, 3650] days",
        ),
        (
            "tank_days = 5.0",
            "tank_days = -5.0",
            "depot.power.tank_days",
            "[0, 3650] days",
        ),
        (
            "people_per_agent = 10",
            "people_per_agent = 0",
            "displacement.people_per_agent",
            "[1, 1000] people",
        ),
    ] {
        let text = hindcast().replacen(from, to, 1);
        assert_ne!(text, hindcast(), "{from}");
        let (line, found_field, message) = fail(text.clone());
        assert_eq!(line, line_of(&text, to), "{field}");
        assert_eq!(found_field, field);
        assert!(message.contains(range), "{message}");
    }
}

#[test]
fn every_response_is_checked_even_when_not_selected() {
    let text = hindcast().replace(
        "convoy = { size = 150, max_wait_days = 10.0, escorted = true }",
        "convoy = { size = 150, max_wait_days = nan, escorted = true }",
    );
    // The status quo is built, yet the unselected `big-convoys` response is refused.
    let (line, field, message) = fail(text.clone());
    assert_eq!(line, line_of(&text, "max_wait_days = nan"));
    assert_eq!(field, "response.convoy.max_wait_days");
    assert!(message.contains("found NaN"), "{message}");
}

#[test]
fn all_problems_are_reported_at_once() {
    let text = hindcast()
        .replace("size_exponent = 0.3", "size_exponent = nan")
        .replace("fatality_weight = 0.3", "fatality_weight = -1.0")
        .replacen(
            "via = [\"Kidira\", \"Diboli\"",
            "via = [\"Kidira\", \"Dibolli\"",
            1,
        );
    let found = problems(text);
    let fields: Vec<&str> = found.iter().map(|p| p.1.as_str()).collect();
    assert_eq!(
        fields,
        vec![
            "corridor.via",
            "threat.kernel.fatality_weight",
            "threat.attacks.size_exponent"
        ]
    );
}

#[test]
fn missing_tables_and_keys_are_all_named_at_once() {
    let text = baseline()
        .replacen("load_days = 1.0", "", 1)
        .replacen("exponent = 1.5", "", 1)
        .replace("[escorts]", "[escorts_gone]");
    let found = problems(text.clone());
    let fields: Vec<&str> = found.iter().map(|p| p.1.as_str()).collect();
    assert_eq!(
        fields,
        vec!["trucks.load_days", "prices.exponent", "escorts"]
    );
    assert_eq!(found[0].0, line_of(&text, "[trucks]"));
    assert!(
        found[0].2.contains("missing required key `load_days`"),
        "{found:?}"
    );
    assert!(found[2].2.contains("`[escorts]`"), "{found:?}");
}

#[test]
fn unknown_names_get_did_you_mean() {
    let text = baseline().replacen(
        "via = [\"Kidira\", \"Diboli\"",
        "via = [\"Kidira\", \"diboli\"",
        1,
    );
    let (line, field, message) = fail(text.clone());
    assert_eq!(
        (line, field.as_str()),
        (line_of(&text, "\"diboli\""), "corridor.via")
    );
    assert!(message.contains("did you mean `Diboli`?"), "{message}");
    let text = hindcast().replace(
        "place = \"Kayes\", radius_km",
        "place = \"Kaye\", radius_km",
    );
    let (_, field, message) = fail(text);
    assert_eq!(field, "blockade.area.place");
    assert!(message.contains("did you mean `Kayes`?"), "{message}");
    let text = hindcast().replace(
        "fleet = { \"abidjan-zegoua-bamako\" = 450",
        "fleet = { \"abidjan-zegoua-bamko\" = 450",
    );
    let (_, field, message) = fail(text);
    assert_eq!(field, "response.fleet");
    assert!(
        message.contains("did you mean `abidjan-zegoua-bamako`?"),
        "{message}"
    );
}

#[test]
fn shares_that_do_not_sum_to_one_are_refused() {
    // Gao's two corridors at 0.5 each: one raised to 0.9.
    let text = baseline().replacen("share = 0.5", "share = 0.9", 1);
    let (line, field, message) = fail(text.clone());
    assert_eq!(field, "corridor.share");
    assert_eq!(line, line_of(&text, "place = \"Gao\""));
    assert!(message.contains("summing to 1.4000"), "{message}");
    assert!(message.contains("must sum to exactly 1"), "{message}");
    // A response's shares are checked with the response applied.
    let text = hindcast().replace(
        "\"lome-ouagadougou-bamako\" = 0.22 }",
        "\"lome-ouagadougou-bamako\" = 0.30 }",
    );
    let (line, field, message) = fail(text.clone());
    assert_eq!(field, "response.shares");
    assert_eq!(line, line_of(&text, "name = \"shift-to-abidjan\""));
    assert!(message.contains("shift-to-abidjan"), "{message}");
}

#[test]
fn a_depot_without_demand_is_refused() {
    let text = baseline().replace(
        "demand = { power = 30.0, transport = 15.0, agri_mining = 5.0, households_services = 10.0 }",
        "demand = { power = 0.0, transport = 0.0, agri_mining = 0.0, households_services = 0.0 }",
    );
    let (line, field, message) = fail(text.clone());
    assert_eq!(field, "depot.demand");
    assert_eq!(line, line_of(&text, "place = \"Tombouctou\""));
    assert!(message.contains("no demand"), "{message}");
}

#[test]
fn lines_are_right_in_crlf_scenarios() {
    let text = baseline()
        .replace("non_thermal_share = 0.30", "non_thermal_share = 1.30")
        .replace('\n', "\r\n");
    let (line, field, _) = fail(text.clone());
    assert_eq!(field, "depot.power.non_thermal_share");
    assert_eq!(line, line_of(&text, "1.30"));
}

#[test]
fn every_required_key_is_named_before_deserialisation() {
    // Remove each key of the embedded hindcast in turn: a missing required key must be reported
    // by the up-front check (which lists all at once), never first by deserialisation.
    let document: toml::Table = hindcast().parse().expect("valid TOML");
    let mut paths = Vec::new();
    key_paths(
        &toml::Value::Table(document.clone()),
        &mut Vec::new(),
        &mut paths,
    );
    assert!(paths.len() > 300, "{}", paths.len());
    for path in &paths {
        let mut value = toml::Value::Table(document.clone());
        remove(&mut value, path);
        let text = toml::to_string(&value).expect("serialises");
        if let Err(e) = Scenario::parse("cut.toml", text, None) {
            for p in e.problems() {
                let message = p.to_string();
                assert!(
                    !message.contains("missing field"),
                    "removing {path:?}: deserialisation found it first: {message}"
                );
            }
        }
    }
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

fn key_paths(value: &toml::Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                at.push(Step::Key(k.clone()));
                out.push(at.clone());
                key_paths(v, at, out);
                at.pop();
            }
        }
        toml::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                if v.is_table() {
                    at.push(Step::Index(i));
                    key_paths(v, at, out);
                    at.pop();
                }
            }
        }
        _ => {}
    }
}

fn remove(value: &mut toml::Value, path: &[Step]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = value;
    for step in parents {
        at = match step {
            Step::Key(k) => at.get_mut(k.as_str()).expect("present"),
            Step::Index(i) => at.get_mut(*i).expect("present"),
        };
    }
    if let (Step::Key(k), toml::Value::Table(t)) = (last, at) {
        t.remove(k);
    }
}

fn djibo() -> String {
    embedded::scenario("burkina-djibo-2022")
        .expect("embedded Djibo scenario")
        .to_string()
}

/// Every problem of a text (line, field, message), asserting each names the file.
fn problems_of(text: &str) -> Vec<(usize, String, String)> {
    problems(text.to_string())
}

#[test]
fn supply_modes_and_dated_tables_are_range_checked_all_at_once() {
    // Eight bad values in the tables added with supply modes, dated policies and inertia: one
    // pass reports every one of them, each at its line with its allowed range.
    let edits: [(&str, &str, &str, &str); 8] = [
        (
            "repaired_after_days = 30.0",
            "repaired_after_days = nan",
            "road_cut.repaired_after_days",
            "(0, 3650] days",
        ),
        (
            "trucks = 150",
            "trucks = 4000000000",
            "scheduled_convoy.trucks",
            "[1, 10000] trucks",
        ),
        (
            "every_days = 28",
            "every_days = 0",
            "scheduled_convoy.every_days",
            "[1, 3650] days",
        ),
        (
            "payload = 26.2",
            "payload = -26.2",
            "airlift.payload",
            "[0, 1000000] units per rotation",
        ),
        (
            "rotations_per_day = 4",
            "rotations_per_day = 4000000",
            "airlift.rotations_per_day",
            "[0, 1000] rotations a day",
        ),
        (
            "to = \"2023-05-31\"",
            "to = \"2023-03-30\"",
            "airlift.to",
            "on or after 2023-04-01",
        ),
        (
            "replacement_days = 60 ",
            "replacement_days = 0 ",
            "trucks.replacement_days",
            "[1, 3650] days",
        ),
        (
            "safe_recovery_half_life_days = 10.0",
            "safe_recovery_half_life_days = -inf",
            "willingness.safe_recovery_half_life_days",
            "(0, 3650] days",
        ),
    ];
    let mut text = djibo();
    for (from, to, _, _) in edits {
        let next = text.replacen(from, to, 1);
        assert_ne!(next, text, "{from}");
        text = next;
    }
    let found = problems_of(&text);
    for (_, to, field, range) in edits {
        let line = line_of(&text, to.trim());
        assert!(
            found
                .iter()
                .any(|(l, f, m)| *l == line && f == field && m.contains(range)),
            "{field} at line {line} with {range}: {found:?}"
        );
    }
    assert_eq!(found.len(), edits.len(), "{found:?}");
}

#[test]
fn dates_of_dated_policies_are_parsed_and_ordered() {
    // Reserves, rationing priority, convoy policies and closures: every date parsed, every
    // window's end on or after its start.
    let text = hindcast().replacen(
        "convoys_to = \"2026-02-28\"",
        "convoys_to = \"2025-02-30\"",
        1,
    );
    let found = problems_of(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, line_of(&text, "2025-02-30"));
    assert_eq!(found[0].1, "corridor.convoys_to");
    assert!(found[0].2.contains("YYYY-MM-DD"), "{found:?}");

    let text = hindcast().replacen(
        "convoys_to = \"2026-02-28\"",
        "convoys_to = \"2020-01-01\"",
        1,
    );
    let found = problems_of(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, "corridor.convoys_to");
    assert!(found[0].2.contains("before `convoys_from`"), "{found:?}");

    let text = djibo().replacen("closes = \"2022-02-16\"", "closes = \"+262142-12-01\"", 1);
    let found = problems_of(&text);
    assert_eq!(found[0].1, "corridor.closes");
    assert!(found[0].2.contains("1900–2200"), "{found:?}");

    // A reserve and the rationing priority order, added with bad dates.
    let text = hindcast().replacen(
        "[[response.reserve]]",
        "[[response.reserve]]\nfrom = \"2025-12-01\"\nto = \"2025-10-01\"",
        1,
    );
    let found = problems_of(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, line_of(&text, "to = \"2025-10-01\""));
    assert_eq!(found[0].1, "response.reserve.to");
    let text = hindcast().replacen(
        "[rationing]",
        "[rationing]\npriority_from = \"2025-13-01\"",
        1,
    );
    let found = problems_of(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, "rationing.priority_from");
}

#[test]
fn onward_airlift_and_road_cut_names_are_checked_against_the_network() {
    let text = djibo()
        .replacen(
            "between = [\"Kaya\", \"Dori\"]",
            "between = [\"Kaya\", \"Djibo\"]",
            1,
        )
        .replacen(
            "place = \"Djibo\"\ncommodity = \"food\"\npayload = 70.0",
            "place = \"Kaya\"\ncommodity = \"food\"\npayload = 70.0",
            1,
        );
    let found = problems_of(&text);
    let fields: Vec<&str> = found.iter().map(|p| p.1.as_str()).collect();
    assert_eq!(fields, ["road_cut.between", "airlift.place"], "{found:?}");
    assert!(found[0].2.contains("no road segment joins"), "{found:?}");
    assert!(
        found[1].2.contains("no depot of `food` at `Kaya`"),
        "{found:?}"
    );
    assert_eq!(found[1].0, line_of(&text, "place = \"Kaya\""));

    // An onward corridor whose origin has no depot of its commodity.
    let text = baseline();
    let at = text.find("onward = true").expect("an onward corridor");
    let table = text[..at].rfind("[[corridor]]").expect("its table");
    let origin = table + text[table..].find("origin = ").expect("its origin");
    let end = origin + text[origin..].find('\n').expect("line end");
    let text = format!("{}origin = \"Dakar\"{}", &text[..origin], &text[end..]);
    let found = problems_of(&text);
    assert!(
        found
            .iter()
            .any(|p| p.1 == "corridor.onward" && p.2.contains("`Dakar` has no depot")),
        "{found:?}"
    );
}

#[test]
fn calibration_tables_are_checked_with_their_line() {
    let text = hindcast()
        .replacen("uncertainty = 2.0", "uncertainty = -2.0", 1)
        .replacen("range = [0.4, 0.6]", "range = [0.6, nan]", 1)
        .replacen("metric = \"trucks_lost\"", "metric = \"truck_lost\"", 1)
        .replacen("min = 15.0\nmax = 300.0", "min = 15.0\nmax = 1.0", 1);
    let found = problems_of(&text);
    let fields: Vec<&str> = found.iter().map(|p| p.1.as_str()).collect();
    assert_eq!(
        fields,
        [
            "calibration.target.uncertainty",
            "calibration.target.range",
            "calibration.target.metric",
            "calibration.parameter.max",
        ],
        "{found:?}"
    );
    // Each is located at its own table.
    let c1 = line_of(&text, "name = \"C1 Bamako cover early Nov\"") - 1;
    assert_eq!(found[0].0, c1, "{found:?}");
    assert!(found[0].2.contains("(0, 1e12]"), "{found:?}");
    let c2 = line_of(&text, "name = \"C2 largest share lost") - 1;
    assert_eq!(found[1].0, c2, "{found:?}");
    assert!(found[1].2.contains("found NaN"), "{found:?}");
    assert!(
        found[2].2.contains("did you mean `trucks_lost`"),
        "{found:?}"
    );
    // A target's window cannot start before the run does.
    let early = hindcast().replacen("from = \"2025-11-01\"", "from = \"2024-11-01\"", 1);
    let found_early = problems_of(&early);
    assert_eq!(found_early.len(), 1, "{found_early:?}");
    assert_eq!(found_early[0].1, "calibration.target.from");
    assert!(
        found_early[0]
            .2
            .contains("before the scenario starts (2025-09-01)"),
        "{found_early:?}"
    );
    let p = line_of(&text, "path = \"willingness.recovery_half_life_days\"") - 1;
    assert_eq!(found[3].0, p, "{found:?}");
    assert!(found[3].2.contains("above `min` (15)"), "{found:?}");
}

#[test]
fn validation_targets_are_checked_like_calibration_targets_with_their_line() {
    let text = djibo()
        .replacen(
            "metric = \"trucks_arrived\"",
            "metric = \"trucks_arived\"",
            1,
        )
        .replacen("range = [17.0, 21.0]", "range = [21.0, 17.0]", 1)
        .replacen("place = \"Djibo\"\nmetric", "place = \"Djiboo\"\nmetric", 1)
        .replacen("uncertainty = 100.0", "uncertainty = 0.0", 1);
    let found = problems_of(&text);
    let fields: Vec<&str> = found.iter().map(|p| p.1.as_str()).collect();
    assert_eq!(
        fields,
        [
            "validation.target.metric",
            "validation.target.range",
            "validation.target.place",
            "validation.target.uncertainty",
        ],
        "{found:?}"
    );
    // Each at its own [[validation.target]] header (the line above its name).
    let header = |name: &str| line_of(&text, &format!("name = \"{name}")) - 1;
    assert_eq!(found[0].0, header("D1 "), "{found:?}");
    assert!(
        found[0].2.contains("did you mean `trucks_arrived`"),
        "{found:?}"
    );
    assert_eq!(found[1].0, header("D3 "), "{found:?}");
    assert!(found[1].2.contains("low ≤ high"), "{found:?}");
    assert_eq!(
        found[2].0,
        header("D4 food by road into Djibo 1-24"),
        "{found:?}"
    );
    assert!(found[2].2.contains("did you mean `Djibo`"), "{found:?}");
    assert_eq!(
        found[3].0,
        header("D4 food by road into Djibo 25"),
        "{found:?}"
    );
    assert!(found[3].2.contains("(0, 1e12]"), "{found:?}");
}

#[test]
fn a_target_names_the_subject_its_metric_is_measured_on() {
    // A depot metric on a corridor, a one-corridor metric without one, and a name used twice.
    let text = djibo()
        .replacen(
            "place = \"Djibo\"\nmetric = \"delivered_by_road\"",
            "corridor = \"kongoussi-djibo-escorted\"\nmetric = \"delivered_by_road\"",
            1,
        )
        .replacen(
            "corridor = \"kongoussi-djibo-escorted\"\nmetric = \"trucks_arrived\"",
            "metric = \"willingness\"",
            1,
        )
        .replacen(
            "name = \"D4 food by road into Djibo 25 Nov 2022 - 20 Mar 2023\"",
            "name = \"D3 days from Kongoussi to Djibo for the 28 Feb 2023 convoy\"",
            1,
        );
    let found = problems_of(&text);
    let fields: Vec<&str> = found.iter().map(|p| p.1.as_str()).collect();
    assert_eq!(
        fields,
        [
            "validation.target.corridor",
            "validation.target.place",
            "validation.target.name",
        ],
        "{found:?}"
    );
    assert!(
        found[0]
            .2
            .contains("`willingness` is measured on one corridor"),
        "{found:?}"
    );
    assert!(
        found[1]
            .2
            .contains("`delivered_by_road` is measured at a depot"),
        "{found:?}"
    );
    assert!(found[2].2.contains("already used"), "{found:?}");
    // The repeated name is reported at its second table.
    let second = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("name = \"D3 days"))
        .map(|(i, _)| i + 1)
        .nth(1)
        .expect("two tables with that name");
    assert_eq!(found[2].0, second - 1, "{found:?}");
}

#[test]
fn unknown_and_missing_keys_of_a_validation_target_are_named() {
    let text = djibo().replacen("observed = 7.0", "observd = 7.0", 1);
    let (line, field, message) = fail(text.clone());
    assert_eq!(line, line_of(&text, "observd"));
    assert_eq!(field, "validation.target.observd");
    assert!(message.contains("unknown field"), "{message}");

    // Every required key of a validation target, removed in turn, is named by the up-front
    // check (never first by deserialisation).
    for key in ["name", "metric", "aggregation", "uncertainty"] {
        let at = djibo()
            .find("[[validation.target]]")
            .expect("a validation target");
        let text = djibo();
        let line_start = at + text[at..].find(&format!("\n{key} = ")).expect("the key") + 1;
        let line_end = line_start + text[line_start..].find('\n').expect("line end");
        let cut = format!("{}{}", &text[..line_start], &text[line_end + 1..]);
        let found = problems_of(&cut);
        assert!(
            found.iter().any(
                |p| p.1 == format!("validation.target.{key}") && !p.2.contains("missing field")
            ),
            "{key}: {found:?}"
        );
    }
}

/// Writes the embedded Mali network beside a scenario, with `segments` for its roads, and
/// parses that scenario.
fn parse_with_segments(tag: &str, segments: &str) -> Result<Scenario, ScenarioError> {
    let dir = std::env::temp_dir().join(format!("lifeline-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let places = embedded::data("mali/places.csv").expect("places");
    std::fs::write(dir.join("places.csv"), places).expect("write");
    std::fs::write(dir.join("segments.csv"), segments).expect("write");
    let text = baseline()
        .replace("embedded:mali/places.csv", "places.csv")
        .replace("embedded:mali/segments.csv", "segments.csv");
    let result = Scenario::parse("bad.toml", text, Some(dir.clone()));
    std::fs::remove_dir_all(&dir).ok();
    result
}

#[test]
fn absurd_road_lengths_are_refused_with_their_bound() {
    let segments = embedded::data("mali/segments.csv").expect("segments");
    // A length typed in metres, and one so large that trips would never end.
    for (typed, shown) in [("184000", "184000"), ("1e308", "1e308")] {
        let bad = segments.replacen(
            "Tambacounda,Kidira,184,",
            &format!("Tambacounda,Kidira,{typed},"),
            1,
        );
        assert_ne!(bad, segments);
        match parse_with_segments("long", &bad).err().expect("error") {
            ScenarioError::Input(e) => {
                assert_eq!(e.line as usize, line_of(&bad, "Tambacounda,Kidira,"));
                assert_eq!(e.field, "length_km");
                assert!(e.message.contains("at most 20000 km"), "{}", e.message);
                assert!(
                    e.message.contains(&format!("found {shown};")),
                    "{}",
                    e.message
                );
            }
            other => panic!("expected an input error, got {other}"),
        }
    }
    // The longest allowed road is read.
    let longest = segments.replacen("Tambacounda,Kidira,184,", "Tambacounda,Kidira,20000,", 1);
    assert!(parse_with_segments("longest", &longest).is_ok());
}

#[test]
fn truck_speeds_and_drive_times_that_would_never_end_are_refused() {
    let speeds = "speed_km_per_day = { good = 400.0, fair = 340.0, bad = 200.0, track = 100.0 }";
    assert!(baseline().contains(speeds));
    // Below a km a day: refused at the speed itself.
    let text = baseline().replace(speeds, &speeds.replace("fair = 340.0", "fair = 1e-9"));
    let (line, field, message) = fail(text.clone());
    assert_eq!(
        (line, field.as_str()),
        (
            line_of(&text, "fair = 1e-9"),
            "trucks.speed_km_per_day.fair"
        )
    );
    assert!(message.contains("[1, 2000] km/day"), "{message}");
    // A km a day is a speed, but a corridor driven at it takes years: refused at the corridor.
    let slow = speeds
        .replace("good = 400.0", "good = 1.0")
        .replace("fair = 340.0", "fair = 1.0");
    let text = baseline().replace(speeds, &slow);
    let (line, field, message) = fail(text.clone());
    assert_eq!(field, "corridor");
    assert!(message.contains("days to drive one way"), "{message}");
    assert!(message.contains("at most 365"), "{message}");
    let named = message
        .split('`')
        .nth(1)
        .expect("the corridor's name in backquotes");
    assert_eq!(line, line_of(&text, &format!("name = \"{named}\"")));
    // An escort cannot slow a convoy to a standstill.
    let text = baseline().replace(
        "escorted_speed_factor = ",
        "escorted_speed_factor = 1e-300 # ",
    );
    let (line, field, _) = fail(text.clone());
    assert_eq!(
        (line, field.as_str()),
        (
            line_of(&text, "escorted_speed_factor"),
            "trucks.escorted_speed_factor"
        )
    );
}
