//! Runs the `lifeline` binary on the embedded scenarios and checks its outputs.

use std::path::{Path, PathBuf};
use std::process::Command;

fn lifeline() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lifeline"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifeline-it-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn run_into(dir: &Path, extra: &[&str]) -> String {
    let out = lifeline()
        .args(["run"])
        .args(extra)
        .arg("--out")
        .arg(dir)
        .output()
        .expect("binary runs");
    assert!(
        out.status.success(),
        "lifeline run failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn header(path: &Path) -> String {
    std::fs::read_to_string(path)
        .expect("file")
        .lines()
        .next()
        .expect("header line")
        .to_string()
}

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .expect("file")
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn baseline_writes_contract_outputs_and_keeps_bamako_supplied() {
    let dir = temp_dir("baseline");
    let stdout = run_into(&dir, &["mali-2025-baseline", "--days", "180"]);
    assert!(stdout.contains("Bamako"), "key figures table: {stdout}");

    let places = header(&dir.join("places.csv"));
    assert!(places.starts_with("day,date,place,"), "{places}");
    for col in [
        "stock_m3",
        "demand_m3",
        "delivered_m3",
        "consumed_m3",
        "shortage_m3",
        "cover_days",
        "price_multiple",
        "price_fcfa_per_l",
        "power_hours",
        "services_open",
    ] {
        assert!(
            places.split(',').any(|c| c == col),
            "places.csv lacks {col}"
        );
    }
    let corridors = header(&dir.join("corridors.csv"));
    for col in [
        "day",
        "date",
        "corridor",
        "trucks_dispatched",
        "trucks_arrived",
        "trucks_in_transit",
        "trucks_lost",
        "delivered_m3",
    ] {
        assert!(
            corridors.split(',').any(|c| c == col),
            "corridors.csv lacks {col}"
        );
    }
    assert_eq!(
        header(&dir.join("events.csv")),
        lifeline_io::outputs::EVENTS_HEADER
    );
    let geo: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("network.geojson")).expect("geojson"))
            .expect("json");
    assert_eq!(geo["type"], "FeatureCollection");
    assert!(geo["features"].as_array().expect("features").len() > 100);

    // Bamako stays supplied: never below 3 days of cover, no shortage, official price, full power.
    let cols: Vec<String> = places.split(',').map(str::to_string).collect();
    let col = |name: &str| cols.iter().position(|c| c == name).expect("column");
    let bamako: Vec<Vec<String>> = csv_rows(&dir.join("places.csv"))
        .into_iter()
        .filter(|r| r[col("place")] == "Bamako" && r[col("commodity")] == "fuel")
        .collect();
    assert_eq!(bamako.len(), 180);
    let num = |r: &Vec<String>, c: &str| r[col(c)].parse::<f64>().expect("number");
    let total_shortage: f64 = bamako.iter().map(|r| num(r, "shortage_m3")).sum();
    let total_demand: f64 = bamako.iter().map(|r| num(r, "demand_m3")).sum();
    assert!(
        total_shortage <= 0.001 * total_demand,
        "shortage {total_shortage} of {total_demand}"
    );
    assert!(bamako.iter().all(|r| num(r, "cover_days") >= 3.0));
    assert!(bamako.iter().all(|r| num(r, "price_multiple") < 1.05));
    assert!(bamako.iter().all(|r| num(r, "power_hours") > 18.5));

    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).expect("summary"))
            .expect("json");
    assert!(summary["places"]["Bamako"]["first_day_cover_below_3"].is_null());
    assert_eq!(summary["national"]["trucks_lost"], 0);
    assert!(
        summary["national"]["delivered_m3"]
            .as_f64()
            .expect("number")
            > 100_000.0
    );
    // No temporary file is left behind.
    for entry in std::fs::read_dir(&dir).expect("dir") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .to_string();
        assert!(!name.ends_with(".tmp"), "leftover {name}");
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn same_scenario_and_seed_give_identical_bytes() {
    let a = temp_dir("det-a");
    let b = temp_dir("det-b");
    run_into(&a, &["--seed", "7", "--days", "120"]);
    run_into(&b, &["--seed", "7", "--days", "120"]);
    for f in [
        "places.csv",
        "corridors.csv",
        "events.csv",
        "summary.json",
        "network.geojson",
    ] {
        let x = std::fs::read(a.join(f)).expect("a");
        let y = std::fs::read(b.join(f)).expect("b");
        assert!(x == y, "{f} differs between two runs with the same seed");
    }
    std::fs::remove_dir_all(&a).expect("cleanup");
    std::fs::remove_dir_all(&b).expect("cleanup");
}

#[test]
fn scenario_show_round_trips_through_a_file() {
    let out = lifeline()
        .args(["scenario", "show", "mali-2025-baseline"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let dir = temp_dir("show");
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("mine.toml");
    std::fs::write(&file, &out.stdout).expect("write");
    let from_file = run_into(
        &dir.join("out"),
        &[file.to_str().expect("utf-8"), "--days", "30"],
    );
    assert!(from_file.contains("Bamako"));
    let list = lifeline().arg("scenarios").output().expect("runs");
    assert!(String::from_utf8_lossy(&list.stdout).contains("mali-2025-baseline"));
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn malformed_scenario_fails_cleanly_with_location() {
    let dir = temp_dir("bad");
    std::fs::create_dir_all(&dir).expect("dir");
    let out = lifeline()
        .args(["scenario", "show", "mali-2025-baseline"])
        .output()
        .expect("runs");
    let text = String::from_utf8(out.stdout).expect("utf-8").replacen(
        "\nshare = 0.30",
        "\nshare = \"lots\"",
        1,
    );
    let file = dir.join("bad.toml");
    std::fs::write(&file, &text).expect("write");
    let out = lifeline()
        .arg("run")
        .arg(&file)
        .arg("--out")
        .arg(dir.join("out"))
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = text
        .lines()
        .position(|l| l.contains("\"lots\""))
        .expect("line")
        + 1;
    assert!(stderr.contains(&format!("bad.toml:{line}:")), "{stderr}");
    assert!(stderr.contains("corridor.share"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!dir.join("out").join("summary.json").exists());
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn every_command_has_help() {
    for cmd in [
        &["--help"][..],
        &["run", "--help"],
        &["scenarios", "--help"],
        &["scenario", "show", "--help"],
        &["responses", "--help"],
    ] {
        let out = lifeline().args(cmd).output().expect("runs");
        assert!(out.status.success(), "{cmd:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{cmd:?}"
        );
    }
}

#[test]
fn responses_are_listed_and_run() {
    let out = lifeline().arg("responses").output().expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for r in [
        "status-quo",
        "escort-all",
        "big-convoys",
        "shift-to-abidjan",
        "niger-convoys",
        "power-first",
        "reserve",
    ] {
        assert!(
            text.lines().any(|l| l.starts_with(r)),
            "{r} missing from:\n{text}"
        );
    }
    let dir = temp_dir("response");
    let stdout = run_into(&dir, &["--response", "reserve", "--days", "90"]);
    assert!(stdout.contains("response reserve"), "{stdout}");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).expect("summary"))
            .expect("json");
    assert_eq!(summary["response"], "reserve");
    let bad = lifeline()
        .args(["run", "--response", "wishful"])
        .arg("--out")
        .arg(dir.join("x"))
        .output()
        .expect("runs");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("status-quo"));
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn acled_event_file_is_used_and_bad_ones_are_rejected_with_line() {
    let dir = temp_dir("acled");
    std::fs::create_dir_all(&dir).expect("dir");
    let header = "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp";
    // A heavy run of convoy attacks on the Bougouni road, with a BOM and numeric inter1.
    let mut text = format!("\u{feff}{header}\n");
    for d in 1..=28 {
        text.push_str(&format!(
            "T{d},2025-09-{d:02},2025,1,Political violence,Violence against civilians,Attack,JNIM,,2,,,,,,466,Western Africa,Mali,Sikasso,Bougouni,,Bougouni,11.42,-7.48,2,test,,test event,5,,\n"
        ));
    }
    let file = dir.join("events.csv");
    std::fs::write(&file, &text).expect("write");
    let quiet = run_into(&dir.join("base"), &["mali-2025", "--days", "60"]);
    let heavy = run_into(
        &dir.join("heavy"),
        &[
            "mali-2025",
            "--days",
            "60",
            "--events",
            file.to_str().expect("utf-8"),
        ],
    );
    let lost = |dir: &Path| -> u64 {
        let s: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("summary.json")).expect("summary"))
                .expect("json");
        s["national"]["trucks_lost"].as_u64().expect("count")
    };
    assert!(
        lost(&dir.join("heavy")) != lost(&dir.join("base")),
        "{quiet}\n{heavy}"
    );

    let broken = text.replacen("T3,2025-09-03", "T3,2025-02-30", 1);
    std::fs::write(&file, broken).expect("write");
    let out = lifeline()
        .args(["run", "--events"])
        .arg(&file)
        .arg("--out")
        .arg(dir.join("x"))
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("events.csv:4: field `event_date`"), "{err}");
    std::fs::write(
        &file,
        "event_id_cnty,event_date,latitude\nA,2025-09-01,12\n",
    )
    .expect("write");
    let out = lifeline()
        .args(["run", "--events"])
        .arg(&file)
        .arg("--out")
        .arg(dir.join("x"))
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("events.csv:1:") && err.contains("event_type"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn criticality_ranks_segments_and_writes_csv() {
    let dir = temp_dir("crit");
    let out = lifeline()
        .args(["criticality", "--runs", "2", "--top", "5", "--out"])
        .arg(&dir)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = csv_rows(&dir.join("criticality.csv"));
    assert_eq!(
        header(&dir.join("criticality.csv")),
        "rank,segment,route,length_km,corridors,added_shortage_days,added_shortage_m3,corridors_cut"
    );
    assert!(rows.len() > 30);
    let added: Vec<f64> = rows.iter().map(|r| r[5].parse().expect("number")).collect();
    assert!(
        added.windows(2).all(|w| w[0] >= w[1]),
        "not ranked: {added:?}"
    );
    assert!(
        added[0] > 0.0,
        "closing the most critical road adds no shortage"
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
