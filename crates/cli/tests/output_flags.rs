//! `--hxl` and `--report` on `ensemble` and `compare`, end to end.

use std::path::{Path, PathBuf};
use std::process::Command;

fn lifeline(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_lifeline"))
        .args(args)
        .output()
        .expect("invariant: the lifeline binary runs");
    assert!(
        out.status.success(),
        "lifeline {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifeline-cli-flags-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn second_line(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines().nth(1).expect("a second line").to_string()
}

#[test]
fn ensemble_writes_hxl_rows_and_its_report() {
    let dir = temp_dir("ensemble");
    lifeline(&[
        "ensemble",
        "--runs",
        "4",
        "--days",
        "20",
        "--threads",
        "1",
        "--no-parquet",
        "--hxl",
        "--report",
        "--out",
        s(&dir),
    ]);
    assert!(
        second_line(&dir.join("runs.csv"))
            .starts_with("#meta+run,#meta+seed,#meta+particle,#indicator+")
    );
    assert!(second_line(&dir.join("quantiles.csv")).starts_with("#meta+day,#date,#loc+name"));
    let page = std::fs::read_to_string(dir.join("report.html")).expect("report.html");
    assert!(page.contains("quantiles.csv") && page.len() > 10_000);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn compare_says_what_it_compared_and_writes_its_report() {
    let dir = temp_dir("compare");
    lifeline(&[
        "compare",
        "--runs",
        "3",
        "--days",
        "20",
        "--threads",
        "1",
        "--responses",
        "reserve",
        "--hxl",
        "--report",
        "--out",
        s(&dir),
    ]);
    assert!(second_line(&dir.join("compare.csv")).starts_with("#loc+name,#indicator+name,"));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).expect("summary.json"))
            .expect("json");
    assert_eq!(summary["runs"], 3);
    assert_eq!(summary["days"], 20);
    assert_eq!(summary["start_date"], "2025-09-01");
    assert_eq!(summary["end_date"], "2025-09-20");
    assert!(summary["seed"].is_u64());
    let responses = summary["responses"].as_array().expect("responses");
    assert!(responses.iter().any(|r| r == "reserve") && responses.len() == 2);
    assert!(dir.join("report.html").is_file());
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
