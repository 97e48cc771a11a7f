//! `[displacement] count_by_place` from the command line: the Mali scenario runs with it, an
//! ensemble's files are the same bytes for one and two threads, and a camp that could fill is
//! refused with the field and a fix.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The embedded Mali scenario with `count_by_place` set, its posterior read from the binary.
const MALI: &str = include_str!("../../scenario/scenarios/mali-2025.toml");

fn lifeline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lifeline"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifeline-cbp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

/// Writes the Mali scenario with `count_by_place = true` and the given camp capacity.
fn scenario(dir: &Path, camp_capacity: &str) -> String {
    let mut text = MALI.to_string();
    for (from, to) in [
        (
            "people_per_agent = 10",
            "count_by_place = true\npeople_per_agent = 10",
        ),
        (
            "posterior = \"mali-2025-posterior.csv\"",
            "posterior = \"embedded:mali-2025-posterior.csv\"",
        ),
        ("camp_capacity = 200000", camp_capacity),
    ] {
        assert!(text.contains(from), "{from}");
        text = text.replace(from, to);
    }
    let path = dir.join("mali-counted.toml");
    std::fs::write(&path, text).expect("write");
    path.to_str().expect("utf-8 path").to_string()
}

#[test]
fn mali_runs_counting_by_place_and_an_ensemble_repeats_whatever_the_threads() {
    let dir = temp_dir("ok");
    let file = scenario(&dir, "camp_capacity = 200000");
    let run = dir.join("run");
    let out = lifeline(&["run", &file, "--out", run.to_str().expect("utf-8")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("people left their homes"), "{stdout}");
    assert!(run.join("displacement.csv").exists());
    let mut files = Vec::new();
    for threads in ["1", "2"] {
        let out_dir = dir.join(format!("ensemble-{threads}"));
        let out = lifeline(&[
            "ensemble",
            &file,
            "--runs",
            "12",
            "--days",
            "60",
            "--threads",
            threads,
            "--out",
            out_dir.to_str().expect("utf-8"),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        files.push(std::fs::read(out_dir.join("quantiles.csv")).expect("quantiles"));
    }
    assert!(!files[0].is_empty());
    assert!(files[0] == files[1], "1 and 2 threads differ");
}

#[test]
fn a_camp_that_could_fill_is_refused_with_the_field_and_a_fix() {
    let dir = temp_dir("refused");
    let file = scenario(&dir, "camp_capacity = 2000");
    let out = lifeline(&[
        "run",
        &file,
        "--out",
        dir.join("run").to_str().expect("utf-8"),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("displacement.count_by_place"), "{stderr}");
    assert!(stderr.contains("mali-counted.toml:"), "{stderr}");
    assert!(stderr.contains("raise `camp_capacity`"), "{stderr}");
    assert!(!dir.join("run").join("displacement.csv").exists());
}
