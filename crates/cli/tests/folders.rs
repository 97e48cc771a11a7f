//! One vocabulary across commands, output folders (defaults, other commands' files, lock,
//! manifest, stale files) and messages that blame the right thing, through the built binary.

use lifeline_io::lock::FolderLock;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn lifeline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lifeline"))
        .args(args)
        .output()
        .expect("the lifeline binary runs")
}

fn ok(args: &[&str]) -> String {
    let out = lifeline(args);
    assert!(
        out.status.success(),
        "lifeline {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Runs a command that must fail; returns its stderr.
fn fails(args: &[&str]) -> String {
    let out = lifeline(args);
    assert!(!out.status.success(), "lifeline {args:?} should fail");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "lifeline-cli-folders-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("json")
}

#[test]
fn each_command_has_its_own_default_folder_with_a_manifest() {
    let cwd = temp_dir("defaults");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_lifeline"))
            .args(args)
            .current_dir(&cwd)
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["run", "--days", "10"]);
    run(&["ensemble", "--runs", "2", "--days", "10", "--no-parquet"]);
    run(&[
        "compare",
        "--runs",
        "2",
        "--days",
        "10",
        "--responses",
        "escort-all",
    ]);
    run(&["criticality", "--runs", "1", "--days", "10"]);
    for (command, file) in [
        ("run", "places.csv"),
        ("ensemble", "quantiles.csv"),
        ("compare", "compare.csv"),
        ("criticality", "criticality.csv"),
    ] {
        let dir = cwd.join("lifeline-out").join(command);
        assert!(dir.join(file).is_file(), "{command}: no {file}");
        let manifest = json(&dir.join("manifest.json"));
        assert_eq!(manifest["command"], command);
        assert_eq!(manifest["program"], "lifeline");
        assert_eq!(manifest["scenario"], "mali-2025");
        assert_eq!(manifest["days"], 10);
        assert!(manifest["version"].is_string());
        assert!(manifest["events_file"].is_null());
        // Every file listed is there with its size, and the lock is gone.
        let files = manifest["files"].as_array().expect("files");
        assert!(files.iter().any(|f| f["name"] == file), "{command}");
        for f in files {
            let name = f["name"].as_str().expect("name");
            let bytes = std::fs::metadata(dir.join(name))
                .expect("listed file")
                .len();
            assert_eq!(f["bytes"].as_u64(), Some(bytes), "{command}: {name}");
        }
        assert!(!dir.join(".lifeline.lock").exists(), "{command}");
    }
    std::fs::remove_dir_all(&cwd).expect("cleanup");
}

#[test]
fn a_folder_of_another_command_is_refused_unless_forced() {
    let dir = temp_dir("foreign").join("out");
    ok(&[
        "ensemble",
        "--runs",
        "2",
        "--days",
        "10",
        "--no-parquet",
        "-o",
        s(&dir),
    ]);
    let err = fails(&["run", "--days", "10", "-o", s(&dir)]);
    assert!(err.contains("`lifeline run` does not write"), "{err}");
    assert!(err.contains("quantiles.csv"), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert!(
        !dir.join("places.csv").exists(),
        "nothing written when refused"
    );
    ok(&["run", "--days", "10", "-o", s(&dir), "--force"]);
    assert!(dir.join("places.csv").exists());
    assert!(
        dir.join("quantiles.csv").exists(),
        "other files are left alone"
    );
    // Nor does a run's folder take an ensemble.
    let run_dir = dir.with_file_name("run");
    ok(&["run", "--days", "10", "-o", s(&run_dir)]);
    let err = fails(&["ensemble", "--runs", "2", "--days", "10", "-o", s(&run_dir)]);
    assert!(err.contains("corridors.csv"), "{err}");
    std::fs::remove_dir_all(dir.parent().expect("parent")).expect("cleanup");
}

#[test]
fn a_command_replaces_its_own_stale_outputs() {
    let dir = temp_dir("stale");
    ok(&["run", "--days", "10", "--report", "-o", s(&dir)]);
    assert!(dir.join("report.html").is_file());
    // A temporary left by an interrupted write of this command.
    std::fs::write(dir.join("places.csv.99999.tmp"), "half").expect("write");
    ok(&["run", "--days", "10", "-o", s(&dir)]);
    assert!(
        !dir.join("report.html").exists(),
        "an old report describes another run"
    );
    assert!(!dir.join("places.csv.99999.tmp").exists());
    let manifest = json(&dir.join("manifest.json"));
    let names: Vec<&str> = manifest["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["name"].as_str().expect("name"))
        .collect();
    assert!(!names.contains(&"report.html"), "{names:?}");
    assert!(names.contains(&"summary.json"), "{names:?}");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_folder_being_written_is_refused_clearly() {
    let dir = temp_dir("locked");
    let lock = FolderLock::acquire(&dir).expect("lock");
    for args in [
        &["run", "--days", "10"][..],
        &["ensemble", "--runs", "2", "--days", "10"],
        &["compare", "--runs", "2", "--days", "10"],
        &["criticality", "--runs", "1", "--days", "10"],
    ] {
        let err = fails(&[args, &["-o", s(&dir)]].concat());
        assert!(
            err.contains("being written by another lifeline process")
                && err.contains(&format!("pid {}", std::process::id())),
            "{args:?}: {err}"
        );
    }
    let err = fails(&["report", s(&dir)]);
    assert!(err.contains("another lifeline process"), "{err}");
    assert!(!dir.join("summary.json").exists());
    drop(lock);
    ok(&["run", "--days", "10", "-o", s(&dir)]);
    assert!(dir.join("summary.json").exists());
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn an_interrupted_ensemble_resumes_and_removes_its_temporaries() {
    let dir = temp_dir("resume");
    let base = ["ensemble", "--runs", "20", "--days", "10", "-o", s(&dir)];
    let err = fails(&[&base[..], &["--stop-after-chunks", "3"]].concat());
    assert!(err.contains("interrupted") || err.contains("runs"), "{err}");
    std::fs::write(dir.join("quantiles.csv.4242.tmp"), "half").expect("write");
    ok(&[&base[..], &["--resume"]].concat());
    assert!(!dir.join("quantiles.csv.4242.tmp").exists());
    assert!(dir.join("summary.json").is_file());
    assert_eq!(json(&dir.join("manifest.json"))["runs"], 20);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn flags_and_names_are_blamed_by_name() {
    let err = fails(&["run", "--days", "0"]);
    assert!(err.contains("--days must be between 1 and 3650"), "{err}");
    let err = fails(&["ensemble", "--days", "4000"]);
    assert!(err.contains("--days must be between 1 and 3650"), "{err}");
    let err = fails(&["run", "--seed", "-1"]);
    assert!(err.contains("seed must be a non-negative integer"), "{err}");
    for command in ["criticality", "calibrate", "ensemble", "compare"] {
        let err = fails(&[command, "--runs", "0"]);
        assert!(err.contains("--runs must be"), "{command}: {err}");
    }
    // Counts too large to hold in memory are refused by name, before any work (they used to
    // reach an allocation that aborted).
    let huge = "18446744073709551615";
    for (command, option, bound) in [
        ("compare", "--runs", "100000"),
        ("validate", "--runs", "1000000"),
        ("criticality", "--runs", "1000000"),
        ("calibrate", "--runs", "1000000"),
        ("sensitivity", "--runs", "1000000"),
        ("ensemble", "--runs", "2147483647"),
        ("calibrate", "--particles", "1000000"),
        ("sensitivity", "--samples", "1000000"),
        ("sensitivity", "--bootstrap", "100000"),
        ("calibrate", "--generations", "10000"),
    ] {
        let err = fails(&[command, option, huge]);
        assert!(
            err.contains(&format!("{option} must be a whole number from"))
                && err.contains(&format!("to {bound}, not `{huge}`")),
            "{command} {option}: {err}"
        );
        assert!(!err.contains("panicked"), "{command} {option}: {err}");
    }
    let err = fails(&["flee", ".", ".", "0", "--runs", huge]);
    assert!(
        err.contains("--runs must be a whole number from 1 to 100000"),
        "{err}"
    );
    let err = fails(&["calibrate", "--max-attempts", "0"]);
    assert!(err.contains("--max-attempts must be"), "{err}");
    let err = fails(&["calibrate", "--quantile", "1"]);
    assert!(
        err.contains("--quantile must be a number between 0 and 1"),
        "{err}"
    );
    let err = fails(&["compare", "--threads", "0"]);
    assert!(err.contains("--threads must be"), "{err}");
    let err = fails(&["criticality", "--place", "Bamkao"]);
    assert!(
        err.contains("unknown depot `Bamkao`; did you mean `Bamako`?"),
        "{err}"
    );
    let err = fails(&["compare", "--place", "Sgou"]);
    assert!(err.contains("did you mean `Ségou`?"), "{err}");
}

#[test]
fn scenario_show_takes_a_file_and_names_what_it_takes() {
    let dir = temp_dir("show");
    let text = ok(&["scenario", "show", "mali-2025-baseline"]);
    let file = dir.join("mine.toml");
    std::fs::write(&file, &text).expect("write");
    assert_eq!(ok(&["scenario", "show", s(&file)]), text);
    let err = fails(&["scenario", "show", "no-such-scenario"]);
    assert!(
        err.contains("lifeline scenarios") && err.contains(".toml"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn os_errors_are_said_once() {
    let dir = temp_dir("oserror");
    ok(&["run", "--days", "10", "-o", s(&dir.join("run"))]);
    let file = dir.join("a-file");
    std::fs::write(&file, "").expect("write");
    for args in [
        vec![
            "report",
            s(&dir.join("run")),
            "-o",
            s(&file.join("report.html")),
        ],
        vec!["run", "--days", "10", "-o", s(&file)],
    ] {
        let err = fails(&args);
        assert_eq!(err.matches("os error").count(), 1, "{err}");
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// A run of convoy attacks on the Bougouni road, in ACLED's export format.
fn write_events(path: &Path) {
    let header = "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp";
    let mut text = format!("{header}\n");
    for d in 1..=28 {
        text.push_str(&format!(
            "T{d},2025-09-{d:02},2025,1,Political violence,Violence against civilians,Attack,JNIM,,2,,,,,,466,Western Africa,Mali,Sikasso,Bougouni,,Bougouni,11.42,-7.48,2,test,,test event,5,,\n"
        ));
    }
    std::fs::write(path, text).expect("write events");
}

#[test]
fn an_event_file_is_recorded_and_the_written_scenario_reruns_it() {
    let dir = temp_dir("events");
    let events = dir.join("attacks.csv");
    write_events(&events);
    let first = dir.join("first");
    // The baseline has no event file of its own: the written scenario gains one.
    let args = ["run", "mali-2025-baseline", "--days", "40", "--seed", "3"];
    ok(&[
        &args[..],
        &["--events", s(&events), "-o", s(&first), "--report"],
    ]
    .concat());
    let recorded = std::fs::canonicalize(&events).expect("path");
    let recorded = recorded.to_str().expect("utf-8");
    assert_eq!(json(&first.join("summary.json"))["events_file"], recorded);
    assert_eq!(json(&first.join("manifest.json"))["events_file"], recorded);
    let html = std::fs::read_to_string(first.join("report.html")).expect("report");
    assert!(
        html.contains("events attacks.csv"),
        "the report header names the file"
    );
    // Running the written scenario.toml again uses the same events: identical outputs.
    let again = dir.join("again");
    let written = first.join("scenario.toml");
    ok(&[
        "run",
        s(&written),
        "--days",
        "40",
        "--seed",
        "3",
        "-o",
        s(&again),
    ]);
    for name in ["places.csv", "corridors.csv", "events.csv"] {
        assert!(
            std::fs::read(first.join(name)).expect("first")
                == std::fs::read(again.join(name)).expect("again"),
            "{name} differs when the written scenario is rerun"
        );
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn tables_print_dates_explain_columns_and_show_ties() {
    let dir = temp_dir("tables");
    let out = ok(&[
        "ensemble",
        "--runs",
        "4",
        "--days",
        "40",
        "--no-parquet",
        "-o",
        s(&dir.join("ensemble")),
    ]);
    let bamako = out
        .lines()
        .find(|l| l.starts_with("Bamako"))
        .expect("Bamako row");
    assert!(
        bamako.contains("2025-09-"),
        "first dry day as a date: {bamako}"
    );
    assert!(out.contains("P(dry): share of runs"), "{out}");
    let out = ok(&[
        "compare",
        "--runs",
        "4",
        "--days",
        "40",
        "--responses",
        "escort-all",
        "-o",
        s(&dir.join("compare")),
    ]);
    let dates = out
        .split("first date with cover below 3 days")
        .nth(1)
        .expect("the first-dry-day table");
    assert!(dates.contains("2025-09-"), "{out}");
    assert!(out.contains("better / worse: share of runs"), "{out}");
    let crit = Command::new(env!("CARGO_BIN_EXE_lifeline"))
        .args([
            "criticality",
            "--runs",
            "1",
            "--days",
            "30",
            "--top",
            "100",
            "-o",
        ])
        .arg(dir.join("criticality"))
        .output()
        .expect("runs");
    assert!(crit.status.success());
    // Without a terminal: no bar, one summary line.
    let stderr = String::from_utf8_lossy(&crit.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("lifeline criticality: "), "{stderr}");
    // Equal effects share a rank, in the CSV and (marked =) on screen.
    let csv = std::fs::read_to_string(dir.join("criticality/criticality.csv")).expect("csv");
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let mut tied = false;
    for pair in rows.windows(2) {
        let same = pair[0][5] == pair[1][5] && pair[0][6] == pair[1][6];
        if same {
            assert_eq!(pair[0][0], pair[1][0], "tied rows share a rank: {pair:?}");
            tied = true;
        } else {
            assert!(pair[0][0] != pair[1][0], "{pair:?}");
        }
    }
    let stdout = String::from_utf8_lossy(&crit.stdout);
    let marked = stdout.lines().any(|l| l.trim_start().starts_with('='));
    assert_eq!(tied, marked, "{stdout}");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
