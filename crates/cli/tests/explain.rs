//! `lifeline explain` through the binary.

use std::process::Command;

fn lifeline(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lifeline"))
        .args(args)
        .output()
        .expect("invariant: the lifeline binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn explain_decomposes_a_depot_day_by_corridor() {
    let (ok, stdout, stderr) = lifeline(&[
        "explain",
        "--place",
        "bamako",
        "--date",
        "2025-10-15",
        "--days",
        "60",
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.starts_with("Bamako on 2025-10-15 (day 44)"),
        "{stdout}"
    );
    for corridor in [
        "dakar-kayes-bamako",
        "abidjan-zegoua-bamako",
        "conakry-bamako",
    ] {
        assert!(
            stdout.lines().any(|l| l.starts_with(corridor)),
            "{corridor} row missing: {stdout}"
        );
    }
    assert!(
        stdout.contains("Onward deliveries to the towns it serves"),
        "{stdout}"
    );
    // Same scenario, same seed: the same explanation.
    let (_, again, _) = lifeline(&[
        "explain",
        "--place",
        "Bamako",
        "--date",
        "2025-10-15",
        "--days",
        "60",
    ]);
    assert_eq!(stdout, again);
}

#[test]
fn explain_blames_a_date_outside_the_run() {
    let (ok, _, stderr) = lifeline(&["explain", "--date", "2027-01-01", "--days", "30"]);
    assert!(!ok);
    assert!(
        stderr.contains("--date 2027-01-01 is outside the run"),
        "{stderr}"
    );
    let (ok, _, stderr) = lifeline(&["explain", "--date", "15/10/2025"]);
    assert!(!ok);
    assert!(stderr.contains("YYYY-MM-DD"), "{stderr}");
}
