//! End-to-end tests of `lifeline report` on a fresh `lifeline run` output folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn lifeline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lifeline"))
        .args(args)
        .output()
        .expect("invariant: the lifeline binary runs")
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("lifeline-cli-report-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "lifeline failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn report_of_a_run_is_one_small_offline_page() {
    let dir = temp_dir("run");
    let run = dir.join("run");
    assert_ok(&lifeline(&["run", "--days", "40", "--out", s(&run)]));
    let html_path = dir.join("page/report.html");
    let out = lifeline(&["report", s(&run), "-o", s(&html_path)]);
    assert_ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("report.html"));
    let html = std::fs::read_to_string(&html_path).expect("report written");
    assert!(html.len() < 1024 * 1024, "report is {} bytes", html.len());
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("default-src 'none'"), "CSP missing");
    assert!(html.contains(r#"<script type="application/json" id="lifeline-data">"#));
    assert!(
        html.contains("Natural Earth") && html.contains("world-atlas"),
        "credits missing"
    );
    // The run's places, corridors and network made it into the page.
    assert!(html.contains(r#""place":"Bamako""#));
    assert!(html.contains(r#""corridors":[{"corridor":"#));
    assert!(html.contains(r#""type":"LineString""#));
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
}

#[test]
fn report_defaults_to_the_folder_and_fails_clearly_without_one() {
    let dir = temp_dir("default");
    let run = dir.join("run");
    assert_ok(&lifeline(&["run", "--days", "10", "--out", s(&run)]));
    assert_ok(&lifeline(&["report", s(&run)]));
    assert!(run.join("report.html").is_file());

    let missing = dir.join("missing");
    let out = lifeline(&["report", s(&missing)]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("missing") && err.contains("not a folder"),
        "{err}"
    );

    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).expect("empty dir");
    let out = lifeline(&["report", s(&empty)]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("none of the files"));
}

#[test]
fn report_of_an_ensemble_takes_the_network_from_its_scenario() {
    let dir = temp_dir("ensemble");
    let ens = dir.join("ens");
    assert_ok(&lifeline(&[
        "ensemble",
        "--runs",
        "4",
        "--days",
        "20",
        "--no-parquet",
        "--out",
        s(&ens),
    ]));
    assert!(!ens.join("network.geojson").exists());
    assert_ok(&lifeline(&["report", s(&ens)]));
    let html = std::fs::read_to_string(ens.join("report.html")).expect("report written");
    assert!(html.contains(r#""kind":"ensemble""#));
    assert!(html.contains(r#""supplied":["network.geojson","scenario.toml"]"#));
    assert!(html.contains(r#""metric":"stock_m3""#) && html.contains(r#""p95":["#));
}
