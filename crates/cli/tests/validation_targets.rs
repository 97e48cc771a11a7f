//! `[[validation.target]]` tables: `validate` measures them beside the calibration targets and
//! writes each row's `set`; `calibrate` never reads them; Djibo's facts D1, D3 and D4 as the
//! second case's validation targets.

use std::path::{Path, PathBuf};
use std::process::Command;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifeline-vt-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Runs the binary; returns its standard output.
fn lifeline(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_lifeline"))
        .args(args)
        .output()
        .expect("binary runs");
    assert!(
        out.status.success(),
        "lifeline {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// The Mali 2025 scenario as a file of its own (its posterior named as the embedded one),
/// followed by `extra`.
fn mali_with(dir: &Path, name: &str, extra: &str) -> PathBuf {
    let text = lifeline(&["scenario", "show", "mali-2025"]).replacen(
        "posterior = \"mali-2025-posterior.csv\"",
        "posterior = \"embedded:mali-2025-posterior.csv\"",
        1,
    );
    assert!(text.contains("embedded:mali-2025-posterior.csv"));
    let path = dir.join(name);
    std::fs::write(&path, format!("{text}\n{extra}")).expect("write scenario");
    path
}

/// A validation target on Bamako's cover in December (not one of Mali's facts: a test value).
fn validation_target(observed: f64) -> String {
    format!(
        "[[validation.target]]\nname = \"V1 test cover December\"\nplace = \"Bamako\"\n\
         metric = \"cover_days\"\nfrom = \"2025-12-01\"\nto = \"2025-12-31\"\n\
         aggregation = \"mean\"\nobserved = {observed:?}\nuncertainty = 1.0\n\
         source = \"test value, not a fact\"\n"
    )
}

/// Rows of a CSV table (header skipped) split into fields, quoted fields kept whole.
fn rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .skip(1)
        .map(|line| {
            let mut fields = vec![String::new()];
            let mut quoted = false;
            for c in line.chars() {
                match c {
                    '"' => quoted = !quoted,
                    ',' if !quoted => fields.push(String::new()),
                    c => fields.last_mut().expect("a field").push(c),
                }
            }
            fields
        })
        .collect()
}

fn column(table: &str, name: &str) -> usize {
    table
        .lines()
        .next()
        .expect("header")
        .split(',')
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("no column {name}: {table}"))
}

#[test]
fn validate_writes_calibration_and_validation_rows_with_their_set() {
    let dir = temp_dir("sets");
    let scenario = mali_with(&dir, "mali-v.toml", &validation_target(2.0));
    let out = dir.join("val");
    let stdout = lifeline(&["validate", s(&scenario), "--runs", "3", "--out", s(&out)]);
    let table = read(&out.join("validate.csv"));
    let set = column(&table, "set");
    let sets: Vec<String> = rows(&table).iter().map(|r| r[set].clone()).collect();
    assert_eq!(
        sets,
        [vec!["calibration"; 8], vec!["validation"]].concat(),
        "{table}"
    );
    let v1 = rows(&table).pop().expect("the validation row");
    assert_eq!(v1[0], "V1 test cover December");
    assert_eq!(v1[column(&table, "source")], "test value, not a fact");
    assert_eq!(v1[column(&table, "parameters")], "posterior");
    // A cover in days: never negative.
    let p05: f64 = v1[column(&table, "p05")].parse().expect("a number");
    assert!(p05 >= 0.0, "{table}");
    // The two sets are printed apart, each under its heading.
    let calibration = stdout
        .find("Calibration targets ([[calibration.target]], fitted): 8")
        .expect(&stdout);
    let validation = stdout
        .find("Validation targets ([[validation.target]], never used in fitting): 1")
        .expect(&stdout);
    assert!(calibration < validation, "{stdout}");
    assert!(
        stdout[validation..].contains("V1 test cover December"),
        "{stdout}"
    );
    assert!(!stdout[..validation].contains("V1 test"), "{stdout}");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn calibrate_never_reads_validation_targets() {
    let dir = temp_dir("calibrate");
    let without = mali_with(&dir, "without.toml", "");
    let with = mali_with(&dir, "with.toml", &validation_target(2.0));
    let changed = mali_with(&dir, "changed.toml", &validation_target(40.0));
    let calibrate = |scenario: &Path, name: &str| -> PathBuf {
        let out = dir.join(name);
        lifeline(&[
            "calibrate",
            s(scenario),
            "--particles",
            "6",
            "--generations",
            "2",
            "--runs",
            "1",
            "--days",
            "100",
            "--out",
            s(&out),
        ]);
        out
    };
    let base = calibrate(&without, "cal-without");
    for (scenario, name) in [(&with, "cal-with"), (&changed, "cal-changed")] {
        let out = calibrate(scenario, name);
        for file in ["posterior.csv", "fit.csv", "diagnostics.csv"] {
            assert_eq!(
                read(&base.join(file)),
                read(&out.join(file)),
                "{name}/{file}"
            );
        }
    }
    let fit = read(&base.join("fit.csv"));
    assert!(!fit.contains("V1 test"), "{fit}");
    assert_eq!(read(&base.join("posterior.csv")).lines().count(), 7);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn validate_judges_djibo_on_its_facts_d1_d3_d4() {
    let dir = temp_dir("djibo");
    let validate = |threads: &str| -> (PathBuf, String) {
        let out = dir.join(format!("val-{threads}"));
        let stdout = lifeline(&[
            "validate",
            "burkina-djibo-2022",
            "--runs",
            "6",
            "--threads",
            threads,
            "--out",
            s(&out),
        ]);
        (out, stdout)
    };
    let (out, stdout) = validate("1");
    let (two, _) = validate("2");
    assert_eq!(
        read(&out.join("validate.csv")),
        read(&two.join("validate.csv")),
        "the same bytes on 1 and 2 threads"
    );
    assert!(
        stdout.contains("burkina-djibo-2022 as written (fixed parameters)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Calibration targets ([[calibration.target]], fitted): none"),
        "{stdout}"
    );
    let table = read(&out.join("validate.csv"));
    let all = rows(&table);
    let names: Vec<&str> = all.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names.len(), 4, "{table}");
    assert!(
        names[0].starts_with("D1 ") && names[1].starts_with("D3 "),
        "{names:?}"
    );
    assert!(names[2..].iter().all(|n| n.starts_with("D4 ")), "{names:?}");
    let (set, parameters, source) = (
        column(&table, "set"),
        column(&table, "parameters"),
        column(&table, "source"),
    );
    for r in &all {
        assert_eq!(r[set], "validation", "{table}");
        assert_eq!(r[parameters], "fixed", "{table}");
        assert!(
            r[source].contains("https://"),
            "each fact names its source: {table}"
        );
    }
    let number = |row: usize, col: &str| -> f64 {
        all[row][column(&table, col)]
            .parse()
            .unwrap_or_else(|_| panic!("{col} of row {row}: {table}"))
    };
    // D1: eight escorted convoys leave for Djibo in Mar–Sep 2022 (inputs), so at most eight
    // days with arrivals (each convoy unloads on one day in these runs); D4: the one November
    // convoy carries 1,000 t, so no more arrives.
    assert!(
        number(0, "p95") <= 8.0 && number(0, "p05") >= 0.0,
        "{table}"
    );
    assert!(number(2, "p95") <= 1000.0, "{table}");
    // D3, the known miss (docs/djibo.md): escorted convoys do not slow under IED threat, so no
    // run takes 17–21 days.
    assert_eq!(number(1, "share_of_runs_inside"), 0.0, "{table}");
    assert!(number(1, "p50") < 17.0, "{table}");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// A case kept apart to judge the model has validation targets only: `calibrate` and
/// `sensitivity` say there is nothing to fit and point to `validate`.
#[test]
fn a_case_with_only_validation_targets_points_calibrate_to_validate() {
    let dir = temp_dir("nothing-to-fit");
    for command in ["calibrate", "sensitivity"] {
        let out = Command::new(env!("CARGO_BIN_EXE_lifeline"))
            .args([
                command,
                "burkina-djibo-2022",
                "--out",
                s(&dir.join(command)),
            ])
            .output()
            .expect("binary runs");
        assert!(!out.status.success(), "{command} should refuse");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("has no [[calibration.target]] table to fit")
                && stderr.contains("read by `lifeline validate`"),
            "{command}: {stderr}"
        );
        assert!(!dir.join(command).join("posterior.csv").exists());
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
