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

/// The JSON document a report page embeds.
fn page_data(html: &str) -> serde_json::Value {
    let open = r#"<script type="application/json" id="lifeline-data">"#;
    let start = html.find(open).expect("data block") + open.len();
    let end = start + html[start..].find("</script>").expect("end of data block");
    serde_json::from_str(&html[start..end]).expect("data block is JSON")
}

/// Every place of the page's network, as (name, lon, lat).
fn network_places(data: &serde_json::Value) -> Vec<(String, f64, f64)> {
    data["network"]["features"]
        .as_array()
        .expect("network features")
        .iter()
        .filter(|f| f["geometry"]["type"] == "Point")
        .map(|f| {
            let c = &f["geometry"]["coordinates"];
            (
                f["properties"]["name"].as_str().unwrap_or("").to_string(),
                c[0].as_f64().expect("lon"),
                c[1].as_f64().expect("lat"),
            )
        })
        .collect()
}

/// The map's frame `[west, south, east, north]` holds every place of the network, with a
/// margin, and is no wider than `max_side` degrees (so it frames the region, not the world).
fn assert_frames_its_places(html: &str, max_side: f64) -> [f64; 4] {
    let data = page_data(html);
    let e: Vec<f64> = data["map"]["extent"]
        .as_array()
        .expect("map extent")
        .iter()
        .map(|v| v.as_f64().expect("number"))
        .collect();
    let [w, s, e, n] = [e[0], e[1], e[2], e[3]];
    let places = network_places(&data);
    assert!(!places.is_empty());
    for (name, lon, lat) in &places {
        assert!(
            *lon > w && *lon < e && *lat > s && *lat < n,
            "{name} ({lon}, {lat}) outside the map frame {:?}",
            [w, s, e, n]
        );
    }
    let lon_span = |p: &[(String, f64, f64)]| {
        let (lo, hi) = p.iter().fold((f64::MAX, f64::MIN), |(lo, hi), x| {
            (lo.min(x.1), hi.max(x.1))
        });
        hi - lo
    };
    assert!(lon_span(&places) < e - w, "no margin: {:?}", [w, s, e, n]);
    assert!(
        e - w < max_side && n - s < max_side,
        "frame {:?} is wider than the region",
        [w, s, e, n]
    );
    [w, s, e, n]
}

#[test]
fn the_djibo_report_frames_burkina_faso() {
    let dir = temp_dir("djibo");
    let run = dir.join("run");
    assert_ok(&lifeline(&[
        "run",
        "burkina-djibo-2022",
        "--days",
        "30",
        "--out",
        s(&run),
        "--report",
    ]));
    let html = std::fs::read_to_string(run.join("report.html")).expect("report written");
    assert!(html.len() < 1024 * 1024, "report is {} bytes", html.len());
    let [w, s, e, n] = assert_frames_its_places(&html, 15.0);
    // Djibo (14.1° N, 1.6° W) is inside; Dakar and Bamako, the Mali case's, are not.
    assert!(w < -1.63 && e > -1.63 && s < 14.1 && n > 14.1);
    assert!(w > -8.0, "the frame reaches Bamako: {w}");
}

#[test]
fn a_report_far_from_africa_frames_its_own_region() {
    // A small invented network in the Bolivian Altiplano, as Flee tables, imported and run
    // with the scenario `scenario new` writes.
    let dir = temp_dir("andes");
    let flee = dir.join("flee");
    std::fs::create_dir_all(&flee).expect("folder");
    std::fs::write(
        flee.join("locations.csv"),
        "#name,region,country,latitude,longitude,location_type,conflict_date,population\n\
         Altura,Norte,BOL,-16.50,-68.15,town,,900000\n\
         Cruce,Centro,BOL,-17.40,-67.60,town,,20000\n\
         Llano,Centro,BOL,-17.97,-67.11,town,,260000\n\
         Valle,Sur,BOL,-17.39,-66.16,town,,630000\n",
    )
    .expect("write");
    std::fs::write(
        flee.join("routes.csv"),
        "#name1,name2,distance,forced_redirection\n\
         Altura,Cruce,130,0\nCruce,Llano,100,0\nCruce,Valle,190,0\n",
    )
    .expect("write");
    let net = dir.join("net");
    assert_ok(&lifeline(&[
        "network",
        "import",
        s(&flee),
        "--out",
        s(&net),
    ]));
    let scenario = lifeline(&[
        "scenario",
        "new",
        "--name",
        "andes",
        "--network",
        s(&net),
        "--scenario-dir",
        s(&net),
    ]);
    assert_ok(&scenario);
    let file = net.join("andes.toml");
    std::fs::write(&file, &scenario.stdout).expect("write scenario");
    let run = dir.join("run");
    assert_ok(&lifeline(&[
        "run",
        s(&file),
        "--days",
        "20",
        "--out",
        s(&run),
    ]));
    assert_ok(&lifeline(&["report", s(&run)]));
    let html = std::fs::read_to_string(run.join("report.html")).expect("report written");
    let [w, s, e, n] = assert_frames_its_places(&html, 5.0);
    assert!(
        w > -70.0 && e < -65.0 && s > -19.0 && n < -15.5,
        "{w} {s} {e} {n}"
    );
}
