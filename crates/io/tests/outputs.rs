//! A run of the embedded scenario written to a folder: the GIS layers, the tidy tables and the
//! HXL row, read back as a GIS or notebook tool would.

use lifeline_io::geo::{event_location, segment_geometry};
use lifeline_io::outputs::{WriteOptions, write_run_outputs_with};
use lifeline_model::{RecordOptions, key_figures, run_rng};
use lifeline_scenario::{Overrides, Scenario, embedded};
use serde_json::Value;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

const DAYS: u32 = 60;

fn write_run(name: &str, options: WriteOptions) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifeline-io-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let scenario = Scenario::load(embedded::DEFAULT_SCENARIO).expect("embedded scenario loads");
    let built = scenario
        .build(&Overrides {
            days: Some(DAYS),
            ..Overrides::default()
        })
        .expect("embedded scenario builds");
    let record = lifeline_model::run(
        &built.input,
        &mut run_rng(built.seed, 0),
        RecordOptions::all(),
    );
    let figures = key_figures(&built.input, &record);
    let ctx = built.output_context(&scenario);
    write_run_outputs_with(&dir, &ctx, &record, &figures, None, &options).expect("outputs");
    dir
}

fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("valid JSON")
}

fn features(v: &Value) -> &Vec<Value> {
    v["features"].as_array().expect("a FeatureCollection")
}

fn geometry_types(v: &Value) -> HashSet<String> {
    features(v)
        .iter()
        .map(|f| f["geometry"]["type"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Rows of a CSV file as maps from column to text.
fn csv_table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut rdr = csv::Reader::from_path(path).expect("csv");
    let header = rdr
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = rdr
        .records()
        .map(|r| r.expect("row").iter().map(String::from).collect())
        .collect();
    (header, rows)
}

#[test]
fn gis_layers_have_unique_ids_and_the_right_geometries() {
    let dir = write_run("gis", WriteOptions::default());
    let scenario = Scenario::load(embedded::DEFAULT_SCENARIO).expect("loads");
    let built = scenario.build(&Overrides::default()).expect("builds");
    let (n_places, n_roads) = (
        built.input.network.places().len(),
        built.input.network.segments().len(),
    );

    let network = json(&dir.join("network.geojson"));
    let ids: HashSet<u64> = features(&network)
        .iter()
        .map(|f| f["id"].as_u64().expect("integer feature id"))
        .collect();
    assert_eq!(ids.len(), n_places + n_roads, "feature ids are unique");
    assert!(
        features(&network)
            .iter()
            .all(|f| f["properties"].get("id").is_none())
    );

    let places = json(&dir.join("places.geojson"));
    assert_eq!(features(&places).len(), n_places);
    assert_eq!(
        geometry_types(&places),
        HashSet::from(["Point".to_string()])
    );
    let roads = json(&dir.join("roads.geojson"));
    assert_eq!(features(&roads).len(), n_roads);
    assert_eq!(
        geometry_types(&roads),
        HashSet::from(["LineString".to_string()])
    );
    for f in features(&roads) {
        assert!(f["geometry"]["coordinates"].as_array().expect("line").len() >= 2);
        assert!(f["properties"]["segment_id"].is_u64());
    }

    // The time layer: one point per demand city and day, with an ISO date.
    let daily = json(&dir.join("daily.geojson"));
    assert_eq!(
        features(&daily).len(),
        built.input.depots.len() * DAYS as usize
    );
    let first = &features(&daily)[0]["properties"];
    assert_eq!(first["date"], "2025-09-01");
    for key in [
        "place",
        "stock_m3",
        "cover_days",
        "price_multiple",
        "shortage_m3",
    ] {
        assert!(!first[key].is_null(), "{key}");
    }
    let daily_ids: HashSet<u64> = features(&daily)
        .iter()
        .filter_map(|f| f["id"].as_u64())
        .collect();
    assert_eq!(daily_ids.len(), features(&daily).len());

    // Attacks as points, as many as attack rows in events.csv, each on its segment's midpoint.
    let attacks = json(&dir.join("attacks.geojson"));
    let (header, rows) = csv_table(&dir.join("events.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let attack_rows: Vec<&Vec<String>> =
        rows.iter().filter(|r| r[col("kind")] == "attack").collect();
    assert!(
        !attack_rows.is_empty(),
        "the Mali 2025 hindcast has attacks in its first 60 days"
    );
    assert_eq!(features(&attacks).len(), attack_rows.len());
    assert_eq!(
        geometry_types(&attacks),
        HashSet::from(["Point".to_string()])
    );
    let a = &features(&attacks)[0];
    for key in [
        "date",
        "trucks_lost",
        "drivers_kidnapped",
        "drivers_killed",
        "outcome",
    ] {
        assert!(!a["properties"][key].is_null(), "{key}");
    }
    let lon = a["geometry"]["coordinates"][0].as_f64().expect("lon");
    let row = attack_rows[0];
    assert_eq!(row[col("lon")].parse::<f64>().expect("lon"), lon);
}

#[test]
fn events_csv_has_one_column_per_fact() {
    let dir = write_run("events", WriteOptions::default());
    let (header, rows) = csv_table(&dir.join("events.csv"));
    assert_eq!(
        header.join(","),
        "day,date,kind,place,segment,corridor,trucks,lat,lon,trucks_lost,drivers_kidnapped,drivers_killed,outcome,escorted"
    );
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    for r in &rows {
        let attack = r[col("kind")] == "attack";
        for c in ["trucks_lost", "drivers_kidnapped", "drivers_killed"] {
            assert_eq!(attack, r[col(c)].parse::<u32>().is_ok(), "{c} in {r:?}");
        }
        assert_eq!(
            attack,
            ["push_on", "wait", "turn_back"].contains(&r[col("outcome")].as_str())
        );
        // Convoy departures and attacks say whether the convoy was escorted.
        let departed = ["convoy_departed", "scheduled_convoy_departed", "attack"]
            .contains(&r[col("kind")].as_str());
        assert_eq!(
            departed,
            ["0", "1"].contains(&r[col("escorted")].as_str()),
            "{r:?}"
        );
        if attack {
            let lat: f64 = r[col("lat")].parse().expect("lat");
            assert!((-90.0..=90.0).contains(&lat));
            assert!(!r[col("segment")].is_empty() && !r[col("corridor")].is_empty());
        }
    }
    let (corridor_header, _) = csv_table(&dir.join("corridors.csv"));
    assert!(corridor_header.ends_with(&[
        "trucks_waiting_convoy".into(),
        "trucks_waiting_escort".into()
    ]));
    // Run and ensemble name a figure alike.
    let summary = json(&dir.join("summary.json"));
    assert!(summary["places"]["Bamako"]["shortage_m3"].is_number());
    assert!(summary["national"]["delivered_m3"].is_number());
}

#[test]
fn event_location_interpolates_along_the_segment() {
    let scenario = Scenario::load(embedded::DEFAULT_SCENARIO).expect("loads");
    let built = scenario.build(&Overrides::default()).expect("builds");
    let net = &built.input.network;
    let s = lifeline_model::SegmentId::from_index(0);
    let line = segment_geometry(net, s);
    let length = net.segment(s).length.0;
    let start = event_location(net, None, Some(s), Some(0.0)).expect("a point");
    let end = event_location(net, None, Some(s), Some(length)).expect("a point");
    let mid = event_location(net, None, Some(s), None).expect("a point");
    assert_eq!(start, line[0]);
    assert_eq!(end, line[line.len() - 1]);
    assert!((mid[0] - (line[0][0] + line[1][0]) / 2.0).abs() < 0.05);
    let place = net.segment(s).a;
    let at_place = event_location(net, Some(place), None, None).expect("a point");
    assert_eq!(at_place, [net.place(place).lon, net.place(place).lat]);
    assert_eq!(event_location(net, None, None, None), None);
}

#[test]
fn hxl_row_follows_every_csv_header_when_asked() {
    let dir = write_run("hxl", WriteOptions { hxl: true });
    for file in ["places.csv", "corridors.csv", "events.csv"] {
        let text = std::fs::read_to_string(dir.join(file)).expect("csv");
        let mut lines = text.lines();
        let header = lines.next().expect("header");
        let tags = lines.next().expect("tags");
        assert_eq!(tags, lifeline_io::hxl::row(header), "{file}");
        assert!(tags.starts_with("#meta+day,#date,"), "{file}: {tags}");
    }
    let plain = write_run("no-hxl", WriteOptions::default());
    let text = std::fs::read_to_string(plain.join("places.csv")).expect("csv");
    assert!(!text.lines().nth(1).expect("a row").starts_with('#'));
}

/// The network layers are streamed feature by feature; their bytes are those of the whole
/// collection serialised at once, for both embedded cases.
#[test]
fn streamed_network_layers_match_the_whole_collection_byte_for_byte() {
    use lifeline_io::geo::{network_geojson, places_geojson, roads_geojson};
    for name in ["mali-2025", "burkina-djibo-2022"] {
        let dir =
            std::env::temp_dir().join(format!("lifeline-io-stream-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let scenario = Scenario::load(name).expect("embedded scenario loads");
        let built = scenario
            .build(&Overrides {
                days: Some(20),
                ..Overrides::default()
            })
            .expect("embedded scenario builds");
        let record = lifeline_model::run(
            &built.input,
            &mut run_rng(built.seed, 0),
            RecordOptions::all(),
        );
        let figures = key_figures(&built.input, &record);
        let ctx = built.output_context(&scenario);
        write_run_outputs_with(
            &dir,
            &ctx,
            &record,
            &figures,
            None,
            &WriteOptions::default(),
        )
        .expect("outputs");
        for (file, whole) in [
            ("network.geojson", network_geojson(&ctx)),
            ("places.geojson", places_geojson(&ctx)),
            ("roads.geojson", roads_geojson(&ctx)),
        ] {
            let written = std::fs::read(dir.join(file)).expect("written");
            let expected = serde_json::to_vec(&whole).expect("serialises");
            assert!(
                written == expected,
                "{name}/{file}: streamed bytes differ from the whole collection's"
            );
            // And the roads carry their corridors (the one-pass index of corridors by segment).
            if file == "roads.geojson" {
                assert!(
                    features(&whole)
                        .iter()
                        .any(|f| !f["properties"]["corridors"]
                            .as_str()
                            .unwrap_or("")
                            .is_empty()),
                    "{name}: no road lists a corridor"
                );
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
