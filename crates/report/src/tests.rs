use super::*;
use serde_json::Value;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("lifeline-report-test-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The text of the `<script type="application/json" id="lifeline-data">` element, and the
/// page with that element's content cut out.
fn split_data(html: &str) -> (&str, String) {
    let open = r#"<script type="application/json" id="lifeline-data">"#;
    let start = html.find(open).expect("data block") + open.len();
    let end = start + html[start..].find("</script>").expect("end of data block");
    (
        &html[start..end],
        format!("{}{}", &html[..start], &html[end..]),
    )
}

/// XML namespace names: identifiers that look like URLs but are never fetched.
const NAMESPACES: &[&str] = &[
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/1999/xhtml",
    "http://www.w3.org/2000/xmlns/",
    "http://www.w3.org/XML/1998/namespace",
    "http://www.w3.org/1998/Math/MathML",
];

fn is_remote(value: &str) -> bool {
    let v = value
        .trim_start_matches(['"', '\'', ' ', '\t', '\n', '\\'])
        .to_ascii_lowercase();
    ["http:", "https:", "//", "ftp:", "ws:", "wss:"]
        .iter()
        .any(|p| v.starts_with(p))
}

/// Every way the page's markup, style or code could refer to a remote resource. The data
/// block is checked separately: it is inert JSON that the page only writes as text.
fn remote_resource_references(page: &str) -> Vec<String> {
    let mut found = Vec::new();
    let lower = page.to_ascii_lowercase();
    // 1. URL-valued attributes or properties (markup, and `el.src=` / `{href:` in code).
    for attr in [
        "src",
        "href",
        "srcset",
        "action",
        "formaction",
        "poster",
        "data",
        "background",
        "manifest",
        "ping",
        "xlink:href",
        "codebase",
        "cite",
        "longdesc",
        "icon",
    ] {
        for (i, _) in lower.match_indices(attr) {
            let before = lower[..i].chars().next_back().unwrap_or(' ');
            if before.is_ascii_alphanumeric() || before == '_' || before == '-' {
                continue;
            }
            let after = lower[i + attr.len()..].trim_start_matches(['"', '\'', ' ']);
            if let Some(value) = after.strip_prefix('=').or_else(|| after.strip_prefix(':'))
                && is_remote(value)
            {
                found.push(format!("{attr}= {}", &value[..value.len().min(60)]));
            }
        }
    }
    // 2. CSS: url(...) other than data: or fragments, and @import.
    for (i, _) in lower.match_indices("url(") {
        // `createObjectURL(` (the page's exports) is a script call, not CSS's url().
        if lower[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let value = &lower[i + 4..];
        let v = value.trim_start_matches(['"', '\'', ' ']);
        if !(v.starts_with("data:") || v.starts_with('#')) {
            found.push(format!("url({}", &value[..value.len().min(60)]));
        }
    }
    if lower.contains("@import") {
        found.push("@import".into());
    }
    // 3. Script APIs that fetch.
    for api in [
        "fetch(",
        "xmlhttprequest",
        "websocket",
        "eventsource",
        "sendbeacon",
        "importscripts",
        "new worker",
        "import(",
        "serviceworker",
    ] {
        if lower.contains(api) {
            found.push(api.into());
        }
    }
    // 4. Elements that load by themselves.
    for tag in [
        "<link", "<iframe", "<img", "<object", "<embed", "<base", "<audio", "<video", "<source",
        "<frame",
    ] {
        if lower.contains(tag) {
            found.push(tag.into());
        }
    }
    // 5. Any other absolute URL at all, bar XML namespace names.
    for scheme in ["http://", "https://"] {
        for (i, _) in lower.match_indices(scheme) {
            let rest = &page[i..];
            if !NAMESPACES.iter().any(|ns| rest.starts_with(ns)) {
                found.push(rest.chars().take(60).collect());
            }
        }
    }
    found
}

#[test]
fn collects_every_file_of_the_folder() {
    let data = collect(&fixture("mini")).unwrap();
    assert_eq!(data["meta"]["kind"], "compare");
    assert_eq!(data["meta"]["scenario"], "mini");
    assert_eq!(data["meta"]["seed"], 20250901);
    assert_eq!(data["meta"]["days"], 4);
    assert_eq!(data["dates"].as_array().unwrap().len(), 4);
    assert_eq!(data["dates"][3], "2025-09-04");
    let places = data["places"].as_array().unwrap();
    assert_eq!(places.len(), 2);
    let bamako = places.iter().find(|p| p["place"] == "Bamako").unwrap();
    assert_eq!(bamako["commodity"], "fuel");
    assert_eq!(bamako["series"]["shortage_m3"][3], 5.5);
    assert_eq!(bamako["series"]["stock_m3"][0], 100);
    // Extra numeric columns are carried; text-only ones are not series.
    assert_eq!(bamako["series"]["new_extra_column"][2], 3);
    assert!(bamako["series"].get("note_text").is_none());
    let kayes = places.iter().find(|p| p["place"] == "Kayes").unwrap();
    assert_eq!(kayes["series"]["power_hours"][0], Value::Null);
    assert_eq!(data["corridors"][0]["series"]["trucks_lost"][2], 3);
    assert_eq!(data["displacement"][0]["location"], "Mbera");
    assert_eq!(data["displacement"][0]["series"]["arrivals"][2], 60);
    assert_eq!(data["quantiles"][0]["metric"], "stock_m3");
    assert_eq!(data["quantiles"][0]["p95"][1], 95);
    assert!(
        data["quantiles"][0].get("mean").is_none(),
        "only quantile columns are kept"
    );
    // An ensemble's corridor spreads: quantiles and the daily mean, by corridor and metric.
    let spreads = data["corridor_quantiles"].as_array().unwrap();
    assert_eq!(spreads.len(), 3, "one entry per corridor and metric");
    let delivered = spreads
        .iter()
        .find(|q| q["corridor"] == "dakar-bamako" && q["metric"] == "delivered_m3")
        .unwrap();
    assert_eq!(delivered["p50"][2], 120);
    assert_eq!(delivered["p95"][2], 160);
    // The expected total: the sum of the daily means (0 + 8 + 112.5 + 22).
    assert_eq!(delivered["mean_total"], 142.5);
    assert!(delivered.get("mean").is_none(), "daily means are not drawn");
    assert!(delivered.get("runs").is_none(), "runs is not a series");
    let willingness = spreads
        .iter()
        .find(|q| q["metric"] == "willingness")
        .unwrap();
    assert_eq!(willingness["p05"][3], 0.25);
    assert_eq!(willingness["p05"].as_array().unwrap().len(), 4);
    assert_eq!(data["compare"]["header"][3], "response");
    assert_eq!(data["compare"]["rows"].as_array().unwrap().len(), 4);
    assert!(data["runs"].is_null());
    assert!(
        data["scenario_toml"]
            .as_str()
            .unwrap()
            .contains("source = ")
    );
    assert_eq!(data["network"]["features"].as_array().unwrap().len(), 6);
    assert_eq!(data["summary"]["national"]["trucks_lost"], 3);
}

#[test]
fn attacks_carry_their_losses_and_segment() {
    let data = collect(&fixture("mini")).unwrap();
    let attacks = data["attacks"].as_array().unwrap();
    assert_eq!(attacks.len(), 1);
    let a = &attacks[0];
    assert_eq!(a["segment"], "Kayes–Bamako");
    assert_eq!(a["day"], 2);
    assert_eq!(a["trucks_lost"], 3);
    assert_eq!(a["drivers_kidnapped"], 1);
    assert_eq!(a["corridor"], "dakar-bamako");
    assert_eq!(a["outcome"], "turn_back");
    // Routine dispatches and arrivals are left out of the event log.
    assert_eq!(data["events_total"], 3);
}

#[test]
fn page_refers_to_no_remote_resource() {
    let html = render_report(&fixture("mini")).unwrap();
    let (data, page) = split_data(&html);
    let refs = remote_resource_references(&page);
    assert!(refs.is_empty(), "remote references in the page: {refs:#?}");
    // The data block is inert: it cannot hold an element, a comment or an end tag.
    assert!(
        !data.contains('<') && !data.contains('>'),
        "unescaped markup in the data block"
    );
    // The URLs in the data (sources) are there, as text.
    assert!(data.contains("https://www.geonames.org/2460596"));
    // The page forbids every fetch.
    assert!(page.contains(
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"
    ));
}

#[test]
fn the_checker_finds_remote_references() {
    // The test above is only as good as its checker.
    for bad in [
        r#"<script src="https://cdn.example/x.js"></script>"#,
        r#"<a href='//cdn.example/x'>"#,
        "div{background:url(https://x.example/a.png)}",
        "div{background: url('x.png')}",
        "@import 'x.css';",
        "fetch('/x')",
        r#"e.src="http://x.example/t.png""#,
        r#"{href:"https://x.example"}"#,
        "const u = 'https://tiles.example/{z}/{x}/{y}.png'",
    ] {
        assert!(!remote_resource_references(bad).is_empty(), "missed: {bad}");
    }
    for ok in [
        r#"createElementNS("http://www.w3.org/2000/svg","svg")"#,
        r##"{href:"#map"}"##,
        "div{background:url(data:image/png;base64,AAAA)}",
        "a.href=URL.createObjectURL(blob);URL.revokeObjectURL(a.href)",
    ] {
        assert!(
            remote_resource_references(ok).is_empty(),
            "false alarm: {ok}"
        );
    }
}

#[test]
fn bundle_is_minified_and_safe_to_inline() {
    assert!(!BUNDLE_JS.contains("/*"), "comments left in the bundle");
    assert!(!BUNDLE_JS.to_ascii_lowercase().contains("</script"));
    assert!(!BUNDLE_CSS.to_ascii_lowercase().contains("</style"));
    assert!(BUNDLE_JS.lines().count() < 20, "bundle not minified");
    for slot in ["{{TITLE}}", "{{CSS}}", "{{DATA}}", "{{JS}}"] {
        assert_eq!(TEMPLATE.matches(slot).count(), 1, "{slot}");
    }
}

#[test]
fn end_tags_in_the_data_cannot_end_the_data_block() {
    let html = render_report(&fixture("mini")).unwrap();
    // Three scripts: the CSP listener, the data, the bundle.
    assert_eq!(html.to_ascii_lowercase().matches("</script").count(), 3);
    assert_eq!(html.matches("<!--").count(), 0);
    let (data, _) = split_data(&html);
    let parsed: Value = serde_json::from_str(data).unwrap();
    let note = &parsed["events"].as_array().unwrap()[2]["outcome"];
    assert!(note.as_str().unwrap().starts_with("</script><script>"));
}

#[test]
fn title_is_escaped() {
    let mut data = collect(&fixture("mini")).unwrap();
    data["meta"]["title"] = Value::from("<b>A & B</b>");
    let html = render_html(&data).unwrap();
    assert!(html.contains("<title>&lt;b&gt;A &amp; B&lt;/b&gt;</title>"));
}

#[test]
fn optional_files_may_be_missing() {
    let dir = temp_dir("summary-only");
    std::fs::copy(
        fixture("mini").join("summary.json"),
        dir.join("summary.json"),
    )
    .unwrap();
    let data = collect(&dir).unwrap();
    assert_eq!(data["meta"]["kind"], "run");
    assert_eq!(
        data["dates"].as_array().unwrap().len(),
        4,
        "days from summary.json"
    );
    assert!(data["network"].is_null());
    assert!(data["scenario_toml"].is_null());
    let out = dir.join("sub/report.html");
    write_report(&dir, &out).unwrap();
    assert!(std::fs::metadata(&out).unwrap().len() > 1000);

    let dir = temp_dir("places-only");
    std::fs::copy(fixture("mini").join("places.csv"), dir.join("places.csv")).unwrap();
    let data = collect(&dir).unwrap();
    assert_eq!(data["dates"][0], "2025-09-01");
    render_html(&data).unwrap();
}

#[test]
fn empty_or_missing_folder_is_an_error() {
    let dir = temp_dir("empty");
    assert!(matches!(
        collect(&dir),
        Err(ReportError::NothingToReport(_))
    ));
    assert!(matches!(
        collect(&dir.join("nope")),
        Err(ReportError::NotAFolder(_))
    ));
}

#[test]
fn malformed_inputs_are_reported_with_their_file() {
    let dir = temp_dir("bad");
    std::fs::write(dir.join("places.csv"), "day,place,stock_m3\nx,Bamako,3\n").unwrap();
    let err = collect(&dir).unwrap_err().to_string();
    assert!(err.contains("places.csv") && err.contains("`x`"), "{err}");
    std::fs::write(dir.join("places.csv"), "place,stock_m3\nBamako,3\n").unwrap();
    let err = collect(&dir).unwrap_err().to_string();
    assert!(err.contains("no `day` column"), "{err}");
    std::fs::remove_file(dir.join("places.csv")).unwrap();
    std::fs::write(dir.join("summary.json"), "{oops").unwrap();
    let err = collect(&dir).unwrap_err().to_string();
    assert!(err.contains("summary.json"), "{err}");
}

#[test]
fn events_are_read_by_column() {
    let data = collect(&fixture("mini")).unwrap();
    let attacks = data["attacks"].as_array().unwrap();
    assert_eq!(attacks.len(), 1);
    let a = &attacks[0];
    assert_eq!(a["trucks_lost"], 3);
    assert_eq!(a["drivers_kidnapped"], 1);
    assert_eq!(a["outcome"], "turn_back");
    assert_eq!(a["corridor"], "dakar-bamako");
    assert_eq!(a["lat"], 13.545);
    let departed = &data["events"].as_array().unwrap()[0];
    assert_eq!(departed["kind"], "convoy_departed");
    assert_eq!(departed["escorted"], 1);
}

#[test]
fn an_hxl_row_is_not_data() {
    let dir = temp_dir("hxl");
    std::fs::write(
        dir.join("places.csv"),
        "day,date,place,stock_m3\n#meta+day,#date,#loc+name,#indicator+stock_m3\n0,2025-09-01,Bamako,3\n",
    )
    .unwrap();
    let data = collect(&dir).unwrap();
    assert_eq!(data["dates"].as_array().unwrap().len(), 1);
    assert_eq!(data["places"][0]["series"]["stock_m3"][0], 3);
}

#[test]
fn supplements_fill_in_only_what_the_folder_lacks() {
    let dir = temp_dir("supplements");
    std::fs::copy(
        fixture("mini").join("quantiles.csv"),
        dir.join("quantiles.csv"),
    )
    .unwrap();
    let network: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("mini").join("network.geojson")).unwrap(),
    )
    .unwrap();
    let sup = Supplements {
        network: Some(network),
        scenario_toml: Some("name = \"x\"".into()),
        origin: Some("scenario x".into()),
        ..Supplements::default()
    };
    let data = collect_with(&dir, &sup).unwrap();
    assert_eq!(data["meta"]["kind"], "ensemble");
    assert_eq!(data["network"]["features"].as_array().unwrap().len(), 6);
    assert_eq!(data["meta"]["supplied"][0], "network.geojson");
    assert_eq!(data["meta"]["supplied_from"], "scenario x");
    // The folder's own file wins.
    let data = collect_with(&fixture("mini"), &sup).unwrap();
    assert!(
        data["scenario_toml"]
            .as_str()
            .unwrap()
            .contains("Mini scenario")
    );
    assert_eq!(data["meta"]["supplied"].as_array().unwrap().len(), 0);
    let out = dir.join("r.html");
    write_report_with(&dir, &out, &sup).unwrap();
    assert!(std::fs::read_to_string(out).unwrap().contains("scenario x"));
}

#[test]
fn a_folder_of_corridor_spreads_alone_is_an_ensemble_report() {
    let dir = temp_dir("corridor-spreads");
    std::fs::copy(
        fixture("mini").join("corridor_quantiles.csv"),
        dir.join("corridor_quantiles.csv"),
    )
    .unwrap();
    let data = collect(&dir).unwrap();
    assert_eq!(data["meta"]["kind"], "ensemble");
    assert_eq!(data["dates"].as_array().unwrap().len(), 4);
    assert_eq!(data["dates"][0], "2025-09-01");
    assert_eq!(data["corridor_quantiles"].as_array().unwrap().len(), 3);
    assert_eq!(data["corridors"].as_array().unwrap().len(), 0);
    let html = render_html(&data).unwrap();
    assert!(html.contains("\"corridor_quantiles\":[{"));
    // The page's code draws them (the browser test checks the drawing itself).
    assert!(BUNDLE_JS.contains("corridor_quantiles"));
}

// ---------- calibrate, validate and sensitivity folders ----------

const POSTERIOR: &str = "particle,threat.hazard_scale,services.close_below,weight,distance\n\
0,1.2,0.3,0.5,0.8\n\
1,0.9,0.45,0.25,1.1\n\
2,2.5,0.6,0.25,0.9\n";
const FIT: &str = "target,observed_low,observed_high,uncertainty,model_p05,model_p50,model_p95,inside,source\n\
C3 trucks lost,150,250,50,125.0000,197.0000,278.0000,true,\"facts C3, about 200\"\n\
C6 power hours,0,14,3,14.5000,15.0000,16.7000,false,\"facts C6\"\n";
const DIAGNOSTICS: &str = "generation,tolerance,proposals,simulated,stopped_early,accepted,acceptance_rate,effective_sample_size\n\
0,inf,3,3,0,3,1.0000,3.0\n\
1,1.5,10,6,5,3,0.3000,2.6\n";

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn manifest(command: &str, extra: &str) -> String {
    format!(
        r#"{{"program":"lifeline","version":"0","command":"{command}","scenario":"embedded:mali-2025","seed":7,"days":180,"runs":4,"events_file":null{extra},"files":[]}}"#
    )
}

fn priors() -> Vec<PriorRange> {
    vec![PriorRange {
        parameter: "threat.hazard_scale".into(),
        distribution: "log_uniform".into(),
        min: 0.3,
        max: 4.0,
        mean: None,
        sd: None,
    }]
}

#[test]
fn a_calibrate_folder_gives_posterior_fit_and_diagnostics() {
    let dir = temp_dir("calibrate");
    write(&dir, "posterior.csv", POSTERIOR);
    write(&dir, "fit.csv", FIT);
    write(&dir, "diagnostics.csv", DIAGNOSTICS);
    write(&dir, "manifest.json", &manifest("calibrate", ""));
    let supplements = Supplements {
        priors: priors(),
        network: Some(serde_json::json!({"type": "FeatureCollection", "features": []})),
        ..Supplements::default()
    };
    let d = collect_with(&dir, &supplements).unwrap();
    assert_eq!(d["meta"]["kind"], "calibrate");
    assert_eq!(d["meta"]["scenario"], "mali-2025");
    assert_eq!(d["meta"]["seed"], 7);
    assert_eq!(d["meta"]["title"], "Lifeline — mali-2025 (calibration)");
    // Tables of many runs have no map: a supplied network is not used.
    assert!(d["network"].is_null());
    let post = &d["calibration"]["posterior"];
    assert_eq!(post["particles"], 3);
    assert_eq!(post["origin"], "this folder");
    assert_eq!(post["weights"], serde_json::json!([0.5, 0.25, 0.25]));
    assert_eq!(post["distances"], serde_json::json!([0.8, 1.1, 0.9]));
    let params = post["parameters"].as_array().unwrap();
    let names: Vec<&str> = params.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["threat.hazard_scale", "services.close_below"]);
    assert_eq!(params[0]["values"], serde_json::json!([1.2, 0.9, 2.5]));
    assert_eq!(params[0]["prior"]["distribution"], "log_uniform");
    assert_eq!(params[0]["prior"]["max"], 4);
    // A parameter the supplied priors do not name has none.
    assert!(params[1]["prior"].is_null());
    let fit = d["calibration"]["fit"].as_array().unwrap();
    assert_eq!(fit.len(), 2);
    assert_eq!(fit[0]["target"], "C3 trucks lost");
    assert_eq!(fit[0]["set"], "calibration");
    assert_eq!(fit[0]["parameters"], "posterior");
    assert_eq!(fit[0]["observed_low"], 150);
    assert_eq!(fit[0]["p50"], 197);
    assert_eq!(fit[0]["inside"], true);
    assert_eq!(fit[0]["source"], "facts C3, about 200");
    assert_eq!(fit[1]["inside"], false);
    assert_eq!(fit[1]["p95"], 16.7);
    let diag = d["calibration"]["diagnostics"].as_array().unwrap();
    assert_eq!(diag.len(), 2);
    // Generation 0's tolerance is infinite: no number.
    assert!(diag[0]["tolerance"].is_null());
    assert_eq!(diag[1]["tolerance"], 1.5);
    assert_eq!(diag[1]["accepted"], 3);
    assert_eq!(diag[1]["stopped_early"], 5);
    assert_eq!(diag[1]["effective_sample_size"], 2.6);
    assert!(d["sensitivity"].is_null());
    let files: Vec<&str> = d["meta"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "posterior.csv",
            "fit.csv",
            "diagnostics.csv",
            "manifest.json"
        ]
    );
}

#[test]
fn a_validate_folder_separates_sets_and_computes_inside() {
    let dir = temp_dir("validate");
    // The `set` column is optional: rows without it are calibration targets.
    write(
        &dir,
        "validate.csv",
        "target,observed_low,observed_high,uncertainty,p05,p50,p95,mean,residual_of_mean,share_of_runs_inside,runs_without_value,parameters,set\n\
         C1 cover,0,3,2,0.2,0.6,1.3,0.7,0,0.95,0,posterior,\n\
         V1 later price,2,3,1,3.5,4,4.5,4,1,0,0,posterior,validation\n",
    );
    let mut sources = std::collections::BTreeMap::new();
    sources.insert("C1 cover".to_string(), "facts C1".to_string());
    let supplements = Supplements {
        target_sources: sources,
        ..Supplements::default()
    };
    let d = collect_with(&dir, &supplements).unwrap();
    assert_eq!(d["meta"]["kind"], "validate");
    let fit = d["calibration"]["fit"].as_array().unwrap();
    assert_eq!(fit.len(), 2);
    assert_eq!(fit[0]["set"], "calibration");
    assert_eq!(fit[1]["set"], "validation");
    assert_eq!(fit[0]["table"], "validate.csv");
    // No `inside` column: the band [0.2, 1.3] meets [0, 3]; [3.5, 4.5] misses [2, 3].
    assert_eq!(fit[0]["inside"], true);
    assert_eq!(fit[1]["inside"], false);
    assert_eq!(fit[0]["share_of_runs_inside"], 0.95);
    assert_eq!(fit[0]["source"], "facts C1");
    assert_eq!(fit[1]["source"], "");
    assert_eq!(
        d["calibration"]["sets"],
        serde_json::json!(["calibration", "validation"])
    );
    assert!(d["calibration"]["posterior"].is_null());
}

#[test]
fn a_sensitivity_folder_gives_the_indices() {
    let dir = temp_dir("sensitivity");
    write(
        &dir,
        "sobol.csv",
        "target,parameter,first_order,first_order_low,first_order_high,total,total_low,total_high\n\
         C3 trucks lost,threat.hazard_scale,0.6100,0.5000,0.7000,0.7000,0.6000,0.8000\n\
         C3 trucks lost,services.close_below,-0.0100,-0.0500,0.0300,0.0200,0.0000,0.0400\n",
    );
    let d = collect(&dir).unwrap();
    assert_eq!(d["meta"]["kind"], "sensitivity");
    assert!(d["calibration"].is_null());
    let ix = d["sensitivity"]["indices"].as_array().unwrap();
    assert_eq!(ix.len(), 2);
    assert_eq!(ix[0]["target"], "C3 trucks lost");
    assert_eq!(ix[0]["parameter"], "threat.hazard_scale");
    assert_eq!(ix[0]["first_order"], 0.61);
    assert_eq!(ix[1]["first_order_low"], -0.05);
    assert_eq!(ix[1]["total_low"], 0);
    let html = render_html(&d).unwrap();
    assert!(html.contains("threat.hazard_scale"));
}

#[test]
fn a_bad_cell_names_its_file_line_and_column() {
    let dir = temp_dir("bad-cell");
    write(
        &dir,
        "posterior.csv",
        "particle,threat.hazard_scale,weight\n0,1.0,0.5\n1,high,0.5\n",
    );
    let err = collect(&dir).unwrap_err();
    match &err {
        ReportError::BadNumber {
            path,
            line,
            column,
            field,
            value,
        } => {
            assert!(path.ends_with("posterior.csv"));
            assert_eq!((*line, *column), (3, 2));
            assert_eq!(field, "threat.hazard_scale");
            assert_eq!(value, "high");
        }
        other => panic!("expected BadNumber, got {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("posterior.csv: line 3, column 2 (`threat.hazard_scale`)"));
    assert!(text.contains("expected a number"));

    let dir = temp_dir("bad-inside");
    write(
        &dir,
        "fit.csv",
        "target,observed_low,observed_high,model_p05,model_p50,model_p95,inside\nC1,0,3,0.2,0.5,1,maybe\n",
    );
    let text = collect(&dir).unwrap_err().to_string();
    assert!(
        text.contains("fit.csv: line 2, column 7 (`inside`): `maybe` is not true or false"),
        "{text}"
    );

    let dir = temp_dir("no-weight");
    write(
        &dir,
        "posterior.csv",
        "particle,threat.hazard_scale\n0,1.0\n",
    );
    let err = collect(&dir).unwrap_err();
    assert!(
        matches!(&err, ReportError::MissingColumn { column, .. } if column == "weight"),
        "{err}"
    );

    let dir = temp_dir("no-band");
    write(
        &dir,
        "validate.csv",
        "target,observed_low,observed_high,p05,p95\nC1,0,1,0,1\n",
    );
    let err = collect(&dir).unwrap_err();
    assert!(
        matches!(&err, ReportError::MissingColumn { column, .. } if column == "p50"),
        "{err}"
    );
}

#[test]
fn a_run_under_a_posterior_names_it_and_its_particle() {
    let dir = temp_dir("run-posterior");
    std::fs::copy(
        fixture("mini").join("summary.json"),
        dir.join("summary.json"),
    )
    .unwrap();
    write(
        &dir,
        "manifest.json",
        &manifest(
            "run",
            r#","posterior":{"file":"embedded:mali-2025-posterior.csv","hash":"00ff","particles":3},"particle":2"#,
        ),
    );
    let supplements = Supplements {
        posterior: Some(SuppliedPosterior {
            file: "embedded:mali-2025-posterior.csv".into(),
            text: POSTERIOR.into(),
        }),
        priors: priors(),
        ..Supplements::default()
    };
    let d = collect_with(&dir, &supplements).unwrap();
    assert_eq!(d["meta"]["kind"], "run");
    let pm = &d["meta"]["parameters"];
    assert_eq!(pm["particle"], 2);
    assert_eq!(pm["posterior"]["file"], "embedded:mali-2025-posterior.csv");
    assert_eq!(pm["posterior"]["hash"], "00ff");
    assert_eq!(pm["fixed_parameters"], false);
    let post = &d["calibration"]["posterior"];
    assert_eq!(post["origin"], "the scenario");
    assert_eq!(post["hash"], "00ff");
    assert_eq!(post["parameters"][0]["values"][2], 2.5);
    assert_eq!(post["run_particle"]["index"], 2);
    assert_eq!(
        post["run_particle"]["values"],
        serde_json::json!([2.5, 0.6])
    );
    // No tables of a calibration: only the posterior.
    assert_eq!(d["calibration"]["fit"], serde_json::json!([]));

    // A supplied posterior that is not a posterior stops the report with its name.
    let bad = Supplements {
        posterior: Some(SuppliedPosterior {
            file: "embedded:broken.csv".into(),
            text: "particle,threat.hazard_scale,weight\n0,x,1\n".into(),
        }),
        ..Supplements::default()
    };
    let text = collect_with(&dir, &bad).unwrap_err().to_string();
    assert!(
        text.contains("embedded:broken.csv: line 2, column 2"),
        "{text}"
    );
}
