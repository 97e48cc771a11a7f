//! An event file is never silent: the summary says how many events were read, fell in the run's
//! dates, carried weight and lay near a corridor, and warns when none did.

use lifeline_scenario::{EventFileSummary, Overrides, Scenario};
use std::path::PathBuf;

const HEADER: &str =
    "event_id_cnty,event_date,event_type,sub_event_type,latitude,longitude,fatalities";

/// Four events on the Bougouni road (Bamako–Sikasso), as `event_type`, dated from `date`.
fn events(event_type: &str, date: &str, lat: f64, lon: f64) -> String {
    let mut text = format!("{HEADER}\n");
    for i in 0..4 {
        text.push_str(&format!("T{i},{date},{event_type},Attack,{lat},{lon},2\n"));
    }
    text
}

fn summary(name: &str, text: &str) -> EventFileSummary {
    let dir = std::env::temp_dir().join(format!("lifeline-events-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file: PathBuf = dir.join("events.csv");
    std::fs::write(&file, text).expect("write");
    let scenario = Scenario::load("mali-2025").expect("embedded");
    let overrides = Overrides {
        days: Some(60),
        events_file: Some(file),
        ..Overrides::default()
    };
    let built = scenario.build(&overrides).expect("builds");
    let summary = scenario
        .event_file_summary(&built, &overrides)
        .expect("reads")
        .expect("has an event file");
    std::fs::remove_dir_all(dir).expect("cleanup");
    summary
}

#[test]
fn embedded_events_reach_the_corridors() {
    let scenario = Scenario::load("mali-2025").expect("embedded");
    let built = scenario.build(&Overrides::default()).expect("builds");
    let s = scenario
        .event_file_summary(&built, &Overrides::default())
        .expect("reads")
        .expect("has events");
    assert!(s.read >= s.in_window && s.in_window >= s.weighted);
    assert!(s.weighted >= s.near_corridor && s.near_corridor > 0, "{s}");
    assert_eq!(s.warning(), None);
    assert!(
        s.to_string()
            .starts_with("Events: embedded:mali/mali-2025-events.csv: ")
    );
}

#[test]
fn event_types_match_in_any_case() {
    let s = summary(
        "case",
        &events("violence AGAINST civilians", "2025-09-10", 11.42, -7.48),
    );
    assert_eq!(
        (s.read, s.in_window, s.weighted, s.near_corridor),
        (4, 4, 4, 4),
        "{s}"
    );
    assert_eq!(s.warning(), None);
}

#[test]
fn events_in_other_years_are_named() {
    let s = summary("years", &events("Battles", "2015-09-10", 11.42, -7.48));
    assert_eq!((s.read, s.in_window), (4, 0));
    let warning = s.warning().expect("warns");
    assert!(
        warning.contains("no event falls within the run's dates"),
        "{warning}"
    );
    assert!(warning.contains("2015-09-10"), "{warning}");
}

#[test]
fn unweighted_event_types_are_listed() {
    let s = summary("types", &events("Protests", "2025-09-10", 11.42, -7.48));
    assert_eq!((s.in_window, s.weighted), (4, 0));
    let warning = s.warning().expect("warns");
    assert!(warning.contains("`Protests` (4)"), "{warning}");
    assert!(warning.contains("event_weights"), "{warning}");
}

#[test]
fn events_far_from_every_corridor_are_named() {
    // Coordinates in Germany: read, dated and weighted, but near no road of the scenario.
    let s = summary("far", &events("Battles", "2025-09-10", 50.1, 8.7));
    assert_eq!((s.weighted, s.near_corridor), (4, 0));
    let warning = s.warning().expect("warns");
    assert!(
        warning.contains("within 120 km of a corridor's road"),
        "{warning}"
    );
    assert!(warning.contains("lat 50.10"), "{warning}");
    assert!(s.to_string().contains("\nwarning: "), "{s}");
}

#[test]
fn an_empty_file_is_named() {
    let s = summary("empty", &format!("{HEADER}\n"));
    assert_eq!(s.read, 0);
    assert!(s.warning().expect("warns").contains("no event rows"));
}
