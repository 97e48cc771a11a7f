//! `lifeline run` on event files that contribute nothing or are not event-level CSV: it says
//! so, naming the likely cause.

use std::path::PathBuf;
use std::process::{Command, Output};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifeline-inputs-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

fn run_with_events(dir: &std::path::Path, events: &[u8]) -> Output {
    let file = dir.join("events.csv");
    std::fs::write(&file, events).expect("write");
    Command::new(env!("CARGO_BIN_EXE_lifeline"))
        .args(["run", "--days", "20", "--events"])
        .arg(&file)
        .arg("--out")
        .arg(dir.join("out"))
        .output()
        .expect("binary runs")
}

#[test]
fn run_reports_what_the_event_file_contributed() {
    let dir = temp_dir("summary");
    let header = "event_id_cnty,event_date,event_type,latitude,longitude,fatalities\n";
    let near = format!("{header}A,2025-09-05,battles,11.42,-7.48,1.0\n");
    let out = run_with_events(&dir, near.as_bytes());
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("1 read, 1 within the run's dates, 1 of a weighted type, 1 within 120 km"),
        "{err}"
    );
    assert!(!err.contains("warning"), "{err}");

    let wrong_year = format!("{header}A,2015-09-05,Battles,11.42,-7.48,0\n");
    let out = run_with_events(&dir, wrong_year.as_bytes());
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("warning: the event file"), "{err}");
    assert!(
        err.contains("no event falls within the run's dates"),
        "{err}"
    );
    std::fs::remove_dir_all(dir).expect("cleanup");
}

#[test]
fn workbooks_and_latin1_files_are_refused_with_their_cause() {
    let dir = temp_dir("encoding");
    let out = run_with_events(&dir, b"PK\x03\x04\x14\x00\x06\x00");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("events.csv:1:") && err.contains(".xlsx"),
        "{err}"
    );

    let latin1 = b"event_id_cnty,event_date,event_type,latitude,longitude,fatalities,location\nA,2025-09-05,Battles,13.4,-6.3,0,S\xe9gou\n";
    let out = run_with_events(&dir, latin1);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("events.csv:2:") && err.contains("Latin-1"),
        "{err}"
    );
    std::fs::remove_dir_all(dir).expect("cleanup");
}
