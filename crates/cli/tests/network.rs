//! Runs `lifeline network import`, `lifeline network check` and `lifeline scenario new` on the
//! fixtures shipped in `crates/network/tests/fixtures` (all invented, made by
//! `make_fixtures.py` or by hand) and on Flee's Mali 2012 case shipped with the Flee tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn lifeline() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lifeline"))
}

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

fn fixture(name: &str) -> PathBuf {
    repo_path("crates/network/tests/fixtures").join(name)
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifeline-net-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn import(sources: &[PathBuf], out_dir: &Path, extra: &[&str]) -> String {
    let out = lifeline()
        .args(["network", "import"])
        .args(sources)
        .arg("--out")
        .arg(out_dir)
        .args(extra)
        .output()
        .expect("binary runs");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "import failed: {stdout}{stderr}");
    stdout
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Place names in a written places.csv (first column; names in fixtures have no commas).
fn place_names(dir: &Path) -> Vec<String> {
    read(&dir.join("places.csv"))
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap_or("").to_string())
        .collect()
}

#[test]
fn osm_import_keeps_the_main_network_and_counts_what_it_drops() {
    let dir = temp_dir("osm");
    let report = import(&[fixture("tiny.osm.pbf")], &dir, &["--country", "MLI"]);
    assert_eq!(
        place_names(&dir),
        [
            "Poste Ouest",
            "Capitale",
            "Kasso",
            "Bolo",
            "junction 12.50000 -7.50000"
        ]
    );
    for expected in [
        "named places: 4",
        "segments: 5",
        "2  highway ways of classes not chosen",
        "1  place nodes without a name",
        "2  places farther than 5 km from a kept road",
        "1  places on roads not connected to the main network",
        "1  way nodes outside the extract (ways cut there)",
        "Isole",
        "0 errors, 0 warnings",
    ] {
        assert!(
            report.contains(expected),
            "missing `{expected}` in:\n{report}"
        );
    }
    let places = read(&dir.join("places.csv"));
    assert!(
        places.contains("Capitale,MLI,,,12.500000,-7.000000,city,1200000"),
        "{places}"
    );
    let segments = read(&dir.join("segments.csv"));
    assert!(segments.starts_with(
        "a,b,length_km,length_source,route,condition,condition_source,note,geometry\n"
    ));
    // RN3 is tagged unpaved: a bad road, its course kept as a polyline.
    let rn3 = segments
        .lines()
        .find(|l| l.starts_with("Capitale,Kasso,"))
        .expect("RN3 segment");
    assert!(
        rn3.contains(",RN3,bad,") && rn3.contains("\"LINESTRING (-7 12.5, -7.1 12.4,"),
        "{rn3}"
    );
    let geojson: serde_json::Value =
        serde_json::from_str(&read(&dir.join("network.geojson"))).expect("GeoJSON");
    assert_eq!(geojson["features"].as_array().map(Vec::len), Some(10));

    // The same file with secondary roads reaches Sabi.
    let wider = temp_dir("osm-secondary");
    import(
        &[fixture("tiny.osm.pbf")],
        &wider,
        &["--road-classes", "trunk,primary,secondary"],
    );
    assert!(place_names(&wider).contains(&"Sabi".to_string()));
    // The shipped fixture network is this import's output.
    assert_eq!(places, read(&fixture("network/places.csv")));
}

#[test]
fn unreadable_sources_fail_with_the_file_and_what_was_expected() {
    let dir = temp_dir("bad");
    let fake_pbf = dir.join("broken.osm.pbf");
    std::fs::write(&fake_pbf, "this is not a PBF file").expect("write");
    let bad_json = dir.join("roads.geojson");
    std::fs::write(
        &bad_json,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"class":"trunk"},"geometry":{"type":"LineString","coordinates":[[500000,1300000],[500100,1300000]]}}]}"#,
    )
    .expect("write");
    let cases: [(&[&Path], &[&str], String); 6] = [
        (
            &[&fake_pbf],
            &[],
            format!(
                "{}: not a readable OpenStreetMap PBF file",
                fake_pbf.display()
            ),
        ),
        (
            &[&bad_json],
            &[],
            format!(
                "{}: feature 1: field `geometry`: expected [longitude, latitude] in WGS84 degrees",
                bad_json.display()
            ),
        ),
        (
            &[&bad_json],
            &["--road-classes", "trunk,path"],
            "--road-classes: unknown road class `path`".to_string(),
        ),
        (
            &[&dir.join("notes.txt")],
            &[],
            "unknown kind of source".to_string(),
        ),
        (
            &[&bad_json],
            &["--snap-km", "1e308"],
            "--snap-km: expected a distance in km from 0 to 500, found 1e308".to_string(),
        ),
        (
            &[&bad_json],
            &["--snap-km", "nan"],
            "--snap-km: expected a distance in km from 0 to 500, found NaN".to_string(),
        ),
    ];
    for (sources, extra, expected) in cases {
        let out = lifeline()
            .args(["network", "import"])
            .args(sources)
            .arg("--out")
            .arg(dir.join("out"))
            .args(extra)
            .output()
            .expect("runs");
        let (_, stderr) = text(&out);
        assert!(!out.status.success());
        assert!(
            stderr.contains(&expected),
            "missing `{expected}` in: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert!(!dir.join("out").exists(), "nothing written on error");
}

#[test]
fn geojson_import_carries_admin_codes() {
    let dir = temp_dir("geojson");
    let report = import(
        &[fixture("roads.geojson"), fixture("places.geojson")],
        &dir,
        &[],
    );
    assert!(
        report.contains("1  GeoJSON places without a name"),
        "{report}"
    );
    assert!(report.contains("`footway`"), "{report}");
    let places = read(&dir.join("places.csv"));
    assert!(places.contains("Ville Est,MLI,ML01,ML0101,"), "{places}");
    assert!(
        places.contains("Frontière Ouest,MLI,,,10.000000,-5.000000,border,"),
        "{places}"
    );
    let check = lifeline()
        .args(["network", "check"])
        .arg(&dir)
        .output()
        .expect("runs");
    assert!(check.status.success(), "{:?}", text(&check));
}

#[test]
fn flee_case_geography_becomes_a_network_that_runs() {
    let dir = temp_dir("flee");
    let report = import(&[fixture("flee")], &dir, &["--condition", "bad"]);
    assert!(report.contains("1  routes listed twice"), "{report}");
    let places = read(&dir.join("places.csv"));
    assert!(places.contains("Gamma,BFA,"), "{places}");
    assert!(
        places.contains("Delta,NER,,,14.200000,-1.000000,camp,20000"),
        "{places}"
    );

    let mali = temp_dir("flee-mali2012");
    import(
        &[repo_path("crates/flee/tests/data/mali2012/input_csv")],
        &mali,
        &[],
    );
    assert!(place_names(&mali).contains(&"Fassala-Mbera".to_string()));
    let scenario = mali.join("draft.toml");
    new_scenario(&mali, &mali, "mali2012-draft", &[], &scenario);
    run_scenario(&scenario, &mali.join("out"));
}

fn new_scenario(network: &Path, scenario_dir: &Path, name: &str, extra: &[&str], file: &Path) {
    let out = lifeline()
        .args(["scenario", "new", "--name", name, "--network"])
        .arg(network)
        .arg("--scenario-dir")
        .arg(scenario_dir)
        .args(extra)
        .output()
        .expect("runs");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "scenario new failed: {stderr}");
    std::fs::write(file, stdout).expect("write scenario");
}

fn run_scenario(file: &Path, out_dir: &Path) -> String {
    let out = lifeline()
        .arg("run")
        .arg(file)
        .arg("--out")
        .arg(out_dir)
        .output()
        .expect("runs");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "run failed: {stderr}");
    assert!(out_dir.join("summary.json").is_file());
    stdout
}

#[test]
fn a_new_scenario_on_the_fixture_network_runs_as_is() {
    let dir = temp_dir("new");
    let scenario = dir.join("tiny.toml");
    new_scenario(&fixture("network"), &dir, "tiny", &[], &scenario);
    let toml = read(&scenario);
    assert!(toml.contains("origin = \"Poste Ouest\""), "{toml}");
    assert!(toml.contains("place = \"Capitale\""), "{toml}");
    assert!(toml.matches("ASSUMPTION").count() > 20);
    let stdout = run_scenario(&scenario, &dir.join("out"));
    // No blockade and fleets sized to demand: no place runs short.
    let capitale = stdout
        .lines()
        .find(|l| l.starts_with("Capitale"))
        .expect("Capitale row");
    assert!(
        capitale.split_whitespace().nth(3) == Some("0.0"),
        "{stdout}"
    );

    // Named depots and origins; unknown names are clear errors.
    let named = dir.join("named.toml");
    new_scenario(
        &fixture("network"),
        &dir,
        "named",
        &["--depot", "Kasso", "--origin", "Capitale"],
        &named,
    );
    assert!(read(&named).contains("name = \"capitale-kasso\""));
    let out = lifeline()
        .args([
            "scenario",
            "new",
            "--name",
            "x",
            "--depot",
            "Kaso",
            "--network",
        ])
        .arg(fixture("network"))
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(
        text(&out).1.contains("--depot `Kaso`: no such place"),
        "{:?}",
        text(&out)
    );
}

#[test]
fn check_reports_every_problem_and_fails_on_errors() {
    let dir = temp_dir("check");
    std::fs::write(
        dir.join("places.csv"),
        "name,country,lat,lon,kind,population\nA,MLI,12,-8,city,10\nB,MLI,12.5,-8,town,\nC,MLI,13,-8,town,\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("segments.csv"),
        "a,b,length_km,condition\nA,B,0,fair\nA,B,60,paved\nB,A,200,fair\n",
    )
    .expect("write");
    let out = lifeline()
        .args(["network", "check"])
        .arg(&dir)
        .output()
        .expect("runs");
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success());
    let segments = dir.join("segments.csv").display().to_string();
    for expected in [
        format!("error: {segments}:2: zero-length road"),
        format!("error: {segments}:3: unknown condition class `paved`"),
        format!("warning: {segments}:4: duplicate segment B – A (also on line 3)"),
        format!("warning: {segments}:4: B – A: road 200.0 km is 3.6× the straight line"),
        "isolated place (no segment): C".to_string(),
    ] {
        assert!(
            stdout.contains(&expected),
            "missing `{expected}` in:\n{stdout}"
        );
    }
    assert!(stderr.contains("2 error(s)"), "{stderr}");

    // The shipped Mali network passes (with the warnings its README explains).
    let out = lifeline()
        .args(["network", "check"])
        .arg(repo_path("crates/scenario/data/mali"))
        .output()
        .expect("runs");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("91 places, 100 segments"), "{stdout}");
    assert!(
        stdout.contains("Kati – Bamako: road 15.0 km is shorter"),
        "{stdout}"
    );
}
