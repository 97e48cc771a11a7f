//! `lifeline ensemble` and `lifeline compare` through the built binary.

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

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifeline-cli-ens-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const FILES: [&str; 5] = [
    "runs.csv",
    "quantiles.csv",
    "corridor_quantiles.csv",
    "runs.parquet",
    "summary.json",
];

#[test]
fn ensemble_files_are_identical_for_one_and_two_threads() {
    let one = temp_dir("t1");
    let two = temp_dir("t2");
    for (dir, threads) in [(&one, "1"), (&two, "2")] {
        let out = ok(&[
            "ensemble",
            "--runs",
            "24",
            "--days",
            "40",
            "--threads",
            threads,
            "--out",
            dir.to_str().expect("utf-8 path"),
        ]);
        assert!(out.contains("24 runs"), "{out}");
        assert!(out.contains("Bamako"), "{out}");
    }
    for name in FILES {
        let a = read(&one.join(name));
        assert!(!a.is_empty(), "{name} is empty");
        assert!(
            a == read(&two.join(name)),
            "{name} differs between 1 and 2 threads"
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&read(&one.join("manifest.json"))).expect("json");
    let listed = manifest["files"].as_array().expect("files");
    for name in FILES {
        assert!(
            listed.iter().any(|f| f["name"] == name),
            "manifest.json lists {name}"
        );
    }
    let runs = String::from_utf8(read(&one.join("runs.csv"))).expect("utf-8");
    let mut lines = runs.lines();
    let header = lines.next().expect("header");
    assert!(
        // mali-2025 names a posterior: each run's particle follows its seed.
        header.starts_with("run,seed,particle,Bamako")
            && header.contains("_first_day_cover_below_3,"),
        "{header}"
    );
    assert!(
        header.ends_with(",national_delivered_m3,national_trucks_lost,national_drivers_kidnapped")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 24);
    assert!(
        rows.iter()
            .enumerate()
            .all(|(i, r)| r.starts_with(&format!("{i},")))
    );
    let parquet = read(&one.join("runs.parquet"));
    assert_eq!(&parquet[..4], b"PAR1");
    assert_eq!(&parquet[parquet.len() - 4..], b"PAR1");
    let summary: serde_json::Value =
        serde_json::from_slice(&read(&one.join("summary.json"))).expect("json");
    assert_eq!(summary["runs"], 24);
    assert_eq!(summary["days"], 40);
    // The place is "Bamako" (or "Bamako-fuel" when a scenario has several commodities).
    let places = summary["places"].as_object().expect("places");
    let (_, bamako) = places
        .iter()
        .find(|(k, _)| k.starts_with("Bamako"))
        .expect("Bamako in summary.json");
    assert!(bamako["shortage_days"]["p50"].is_number());
    for dir in [one, two] {
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}

#[test]
fn an_interrupted_ensemble_resumes_without_losing_runs() {
    let whole = temp_dir("whole");
    let cut = temp_dir("cut");
    let base = [
        "ensemble",
        "--runs",
        "16",
        "--days",
        "25",
        "--no-parquet",
        "--out",
    ];
    ok(&[&base[..], &[whole.to_str().expect("path")]].concat());
    let cut_s = cut.to_str().expect("path");
    let out = lifeline(&[&base[..], &[cut_s, "--stop-after-chunks", "5"]].concat());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--resume"), "{err}");
    assert!(!cut.join("summary.json").exists());
    let out = ok(&[&base[..], &[cut_s, "--resume", "--threads", "1"]].concat());
    assert!(out.contains("5 resumed"), "{out}");
    for name in [
        "runs.csv",
        "quantiles.csv",
        "corridor_quantiles.csv",
        "summary.json",
    ] {
        assert!(
            read(&whole.join(name)) == read(&cut.join(name)),
            "{name} differs after resume"
        );
    }
    assert!(!cut.join("runs.parquet").exists());
    // A different scenario horizon cannot be resumed into the same folder's journal.
    let out = lifeline(&[
        "ensemble",
        "--runs",
        "16",
        "--days",
        "26",
        "--no-parquet",
        "--out",
        cut_s,
        "--resume",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("days"));
    for dir in [whole, cut] {
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}

#[test]
fn compare_ranks_every_response_against_status_quo() {
    let dir = temp_dir("compare");
    let out = ok(&[
        "compare",
        "--runs",
        "12",
        "--days",
        "60",
        "--threads",
        "2",
        "--out",
        dir.to_str().expect("path"),
    ]);
    assert!(out.contains("shortage days"), "{out}");
    assert!(out.contains("status-quo"), "{out}");
    let text = String::from_utf8(read(&dir.join("compare.csv"))).expect("utf-8");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "place,figure,better,response,rank,runs,median,p05,p95,mean,diff_median,diff_p05,diff_p95,diff_mean,share_better,share_worse"
        )
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let responses = ok(&["responses"]);
    let n = responses.lines().count();
    assert!(
        n >= 2,
        "the default scenario defines responses: {responses}"
    );
    // Every (place, figure) has every response once, ranked 1..n.
    let groups: std::collections::BTreeMap<(&str, &str), Vec<&Vec<&str>>> =
        rows.iter().fold(Default::default(), |mut m, r| {
            m.entry((r[0], r[1])).or_default().push(r);
            m
        });
    for ((place, figure), g) in &groups {
        assert_eq!(g.len(), n, "{place} {figure}");
        let mut ranks: Vec<usize> = g.iter().map(|r| r[4].parse().expect("rank")).collect();
        ranks.sort();
        assert_eq!(ranks, (1..=n).collect::<Vec<_>>());
        // status-quo against itself: a zero difference, never better or worse.
        let sq = g
            .iter()
            .find(|r| r[3] == "status-quo")
            .expect("status-quo row");
        assert_eq!(sq[10].parse::<f64>().expect("diff"), 0.0);
        assert_eq!(sq[14], "0.0000");
        assert_eq!(sq[15], "0.0000");
    }
    assert!(
        groups
            .keys()
            .any(|(p, f)| p.starts_with("Bamako") && *f == "shortage_days")
    );
    // Same seeds, same numbers, whatever the threads.
    let again = temp_dir("compare1");
    ok(&[
        "compare",
        "--runs",
        "12",
        "--days",
        "60",
        "--threads",
        "1",
        "--out",
        again.to_str().expect("path"),
    ]);
    assert!(read(&again.join("compare.csv")) == text.as_bytes());
    for d in [dir, again] {
        std::fs::remove_dir_all(&d).expect("cleanup");
    }
}
