//! The scenario's posterior in the commands: `run` says which particle it used and records it,
//! the written scenario.toml repeats the run, `--fixed-parameters` gives the scenario's own
//! values, `validate` says which it used, and bad posterior files are refused with their file,
//! line and column.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn lifeline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lifeline"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn ok(args: &[&str]) -> String {
    let out = lifeline(args);
    assert!(
        out.status.success(),
        "lifeline {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn failure(args: &[&str]) -> String {
    let out = lifeline(args);
    assert!(!out.status.success(), "lifeline {args:?} succeeded");
    String::from_utf8(out.stderr).expect("utf-8")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifeline-pt-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn manifest(dir: &Path) -> Value {
    serde_json::from_str(&read(&dir.join("manifest.json"))).expect("manifest.json")
}

fn s(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

#[test]
fn run_uses_a_particle_records_it_and_its_scenario_toml_repeats_the_run() {
    let dir = temp_dir("run");
    let drawn = dir.join("drawn");
    let stdout = ok(&["run", "mali-2025", "--days", "40", "--out", s(&drawn)]);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("Parameters: particle "))
        .unwrap_or_else(|| panic!("no particle line: {stdout}"));
    assert!(
        line.contains("of the posterior embedded:mali-2025-posterior.csv")
            && line.contains("threat.hazard_scale = "),
        "{line}"
    );
    let m = manifest(&drawn);
    assert_eq!(m["posterior"]["file"], "embedded:mali-2025-posterior.csv");
    assert_eq!(m["posterior"]["hash"].as_str().map(str::len), Some(16));
    let particle = m["particle"].as_u64().expect("particle recorded");
    assert!(
        line.starts_with(&format!("Parameters: particle {particle} ")),
        "{line}"
    );
    // `explain` explains that same run.
    let explained = ok(&["explain", "mali-2025", "--days", "40"]);
    assert!(
        explained.contains(&format!("Parameters: particle {particle} of the posterior")),
        "{explained}"
    );

    // The written scenario.toml names the posterior it read, so it repeats the run.
    let written = read(&drawn.join("scenario.toml"));
    assert!(
        written.contains("posterior = \"embedded:mali-2025-posterior.csv\""),
        "the written scenario keeps its posterior"
    );
    let again = dir.join("again");
    ok(&[
        "run",
        s(&drawn.join("scenario.toml")),
        "--days",
        "40",
        "--out",
        s(&again),
    ]);
    assert_eq!(
        read(&drawn.join("places.csv")),
        read(&again.join("places.csv"))
    );

    let fixed = dir.join("fixed");
    let stdout = ok(&[
        "run",
        "mali-2025",
        "--days",
        "40",
        "--fixed-parameters",
        "--out",
        s(&fixed),
    ]);
    assert!(
        stdout.contains("Parameters: the scenario's own values (fixed)"),
        "{stdout}"
    );
    let m = manifest(&fixed);
    assert_eq!(m["fixed_parameters"], true);
    assert!(m["posterior"].is_null() && m["particle"].is_null());
    // Its scenario.toml, run without the flag, repeats that run: the posterior is commented out.
    let fixed_again = dir.join("fixed-again");
    ok(&[
        "run",
        s(&fixed.join("scenario.toml")),
        "--days",
        "40",
        "--out",
        s(&fixed_again),
    ]);
    assert_eq!(
        read(&fixed.join("places.csv")),
        read(&fixed_again.join("places.csv"))
    );
    assert_ne!(
        read(&fixed.join("places.csv")),
        read(&drawn.join("places.csv"))
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn ensemble_compare_criticality_and_validate_say_where_parameters_come_from() {
    let dir = temp_dir("commands");
    let ens = dir.join("ensemble");
    let stdout = ok(&[
        "ensemble",
        "--runs",
        "6",
        "--days",
        "30",
        "--no-parquet",
        "--out",
        s(&ens),
    ]);
    assert!(
        stdout.contains("each run draws a particle of the posterior"),
        "{stdout}"
    );
    let summary: Value = serde_json::from_str(&read(&ens.join("summary.json"))).expect("json");
    assert_eq!(
        summary["manifest"]["posterior"]["file"],
        "embedded:mali-2025-posterior.csv"
    );
    assert!(read(&ens.join("runs.csv")).starts_with("run,seed,particle,"));
    let fixed = dir.join("ensemble-fixed");
    ok(&[
        "ensemble",
        "--runs",
        "6",
        "--days",
        "30",
        "--no-parquet",
        "--fixed-parameters",
        "--out",
        s(&fixed),
    ]);
    assert!(read(&fixed.join("runs.csv")).starts_with("run,seed,"));
    assert!(!read(&fixed.join("runs.csv")).starts_with("run,seed,particle"));
    assert_eq!(manifest(&fixed)["fixed_parameters"], true);

    let cmp = dir.join("compare");
    ok(&["compare", "--runs", "3", "--days", "30", "--out", s(&cmp)]);
    let summary: Value = serde_json::from_str(&read(&cmp.join("summary.json"))).expect("json");
    assert_eq!(
        summary["posterior"]["file"],
        "embedded:mali-2025-posterior.csv"
    );
    assert_eq!(
        manifest(&cmp)["posterior"]["file"],
        "embedded:mali-2025-posterior.csv"
    );

    let crit = dir.join("criticality");
    let stdout = ok(&[
        "criticality",
        "--runs",
        "1",
        "--days",
        "20",
        "--fixed-parameters",
        "--out",
        s(&crit),
    ]);
    assert!(
        stdout.contains("the scenario's own values (fixed)"),
        "{stdout}"
    );

    let val = dir.join("validate");
    let stdout = ok(&["validate", "--runs", "6", "--out", s(&val)]);
    assert!(
        stdout.contains("under its posterior embedded:mali-2025-posterior.csv"),
        "{stdout}"
    );
    let table = read(&val.join("validate.csv"));
    assert!(
        table
            .lines()
            .next()
            .expect("header")
            .ends_with(",parameters")
    );
    assert!(
        table.lines().skip(1).all(|l| l.ends_with(",posterior")),
        "{table}"
    );
    let val_fixed = dir.join("validate-fixed");
    let stdout = ok(&[
        "validate",
        "--runs",
        "6",
        "--fixed-parameters",
        "--out",
        s(&val_fixed),
    ]);
    assert!(stdout.contains("as written (fixed parameters)"), "{stdout}");
    let fixed_table = read(&val_fixed.join("validate.csv"));
    assert!(fixed_table.lines().skip(1).all(|l| l.ends_with(",fixed")));
    assert_ne!(table, fixed_table.replace(",fixed\n", ",posterior\n"));
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn bad_posterior_files_are_refused_with_file_line_and_column() {
    let dir = temp_dir("bad");
    let shown = ok(&["scenario", "show", "mali-2025"]);
    let scenario = dir.join("mine.toml");
    let out = dir.join("out");
    // What `scenario show` prints runs wherever it is saved: it names the embedded posterior.
    assert!(shown.contains("posterior = \"embedded:mali-2025-posterior.csv\""));
    std::fs::write(&scenario, &shown).expect("write");
    let stdout = ok(&["run", s(&scenario), "--days", "5", "--out", s(&out)]);
    assert!(
        stdout.contains("of the posterior embedded:mali-2025-posterior.csv"),
        "{stdout}"
    );

    // A copy that names the posterior as a file beside it, as the embedded scenario does: the
    // error names the line and the embedded one.
    let text = shown.replace(
        "posterior = \"embedded:mali-2025-posterior.csv\"",
        "posterior = \"mali-2025-posterior.csv\"",
    );
    assert_ne!(text, shown);
    std::fs::write(&scenario, &text).expect("write");
    let err = failure(&["run", s(&scenario), "--days", "5", "--out", s(&out)]);
    assert!(
        err.contains("mine.toml:") && err.contains("field `calibration.posterior`"),
        "{err}"
    );
    assert!(err.contains("embedded:mali-2025-posterior.csv"), "{err}");
    // ... which --fixed-parameters does not read.
    ok(&[
        "run",
        s(&scenario),
        "--days",
        "5",
        "--fixed-parameters",
        "--out",
        s(&out),
    ]);

    let header = "particle,threat.hazard_scale,services.close_below,weight";
    for (body, expected) in [
        (
            format!("{header}\n0,1.0,0.3,0.5\n1,1.2,0.4,-1\n"),
            "mali-2025-posterior.csv:3:4: `weight`",
        ),
        (
            format!("{header}\n0,1.0,0.3,NaN\n"),
            "mali-2025-posterior.csv:2:4:",
        ),
        (
            format!("{header}\n0,1.0,0.3,0\n1,2,0.3,0\n"),
            "every weight is 0",
        ),
        (
            "particle,threat.hazard,weight\n0,1,1\n".to_string(),
            "mali-2025-posterior.csv:1:2: unknown parameter path `threat.hazard`",
        ),
        (
            format!("{header}\n0,1.0,zero,1\n"),
            "mali-2025-posterior.csv:2:3:",
        ),
    ] {
        std::fs::write(dir.join("mali-2025-posterior.csv"), body).expect("write");
        for command in ["run", "ensemble", "compare", "criticality", "validate"] {
            let out = dir.join(command);
            let err = failure(&[command, s(&scenario), "--days", "5", "--out", s(&out)]);
            assert!(err.contains(expected), "{command}: {err}");
        }
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
