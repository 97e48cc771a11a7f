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
