//! Reading an output folder into the report's JSON document.
//!
//! The document (read by `web/src/main.js`):
//! - `meta`: title, kind (run / ensemble / compare), scenario, response, seed, dates, files read;
//! - `dates`: the date of each day, indexed by day number (every daily series has this length);
//! - `summary`: summary.json as it is; `network`: network.geojson as it is;
//! - `map`: `{extent: [west, south, east, north]}`, the network's frame with a margin (null
//!   without a network), which the page's projection is fitted to;
//! - `places`: `[{place, commodity, series: {column: [value or null per day]}}]` from places.csv;
//! - `corridors`: `[{corridor, series}]` from corridors.csv;
//! - `attacks`: attack rows of events.csv (`trucks_lost`, `drivers_kidnapped`, … as numbers);
//! - `events`: the other events (routine dispatches and arrivals left out), at most
//!   [`MAX_EVENT_ROWS`], with `events_total`;
//! - `displacement`: `[{location, series}]` from displacement.csv;
//! - `quantiles`: `[{place, metric, p05: [...], ...}]` from quantiles.csv;
//! - `corridor_quantiles`: `[{corridor, metric, p05: [...], ..., mean_total}]` from
//!   corridor_quantiles.csv (an ensemble's daily corridor figures; `mean_total` is the sum of the
//!   daily means, the expected total over the period);
//! - `runs`, `compare`: `{header, rows, total_rows}` as text, read by header in the page;
//! - `scenario_toml`: the scenario file's text; `licenses`: third-party licences;
//! - `calibration`, `sensitivity`: the tables of `calibrate`, `validate` and `sensitivity`
//!   (see `calibration.rs`), null when the folder has none;
//! - `meta.parameters`: where the runs' parameters came from (the manifest's posterior file,
//!   hash and particle count, the particle of a single run, `--fixed-parameters`).

use crate::calibration::CalibrationTables;
use crate::inputs::{Supplements, Table, num_value};
use crate::{LICENSES, ReportError};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::Path;

/// At most this many non-routine events are embedded (the rest are counted).
pub const MAX_EVENT_ROWS: usize = 2000;
/// At most this many rows of runs.csv are embedded.
pub const MAX_RUN_ROWS: usize = 500;
/// At most this many rows of compare.csv are embedded.
pub const MAX_COMPARE_ROWS: usize = 5000;
pub use crate::inputs::MAX_DAYS;

fn number(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    match t {
        "true" => return Some(1.0),
        "false" => return Some(0.0),
        _ => {}
    }
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Daily series of one file: one entry per key (e.g. place and commodity), one array per
/// numeric column, indexed by day.
struct Daily {
    keys: Vec<Vec<String>>,
    columns: Vec<String>,
    values: Vec<BTreeMap<usize, Vec<Option<f64>>>>, // per key: column index -> per-day
}

/// Reads a day-indexed table: `key_cols` identify a series (missing ones read as ""), every
/// other column but `day` and `date` that holds a number somewhere becomes a series.
fn daily(
    table: &Table,
    key_cols: &[&[&str]],
    dates: &mut BTreeMap<usize, String>,
) -> Result<Daily, ReportError> {
    let day_col = table.require("day")?;
    let date_col = table.col("date");
    let keys_idx: Vec<Option<usize>> = key_cols
        .iter()
        .map(|names| table.first_col(names))
        .collect();
    let value_cols: Vec<usize> = (0..table.header.len())
        .filter(|&i| i != day_col && Some(i) != date_col && !keys_idx.contains(&Some(i)))
        .collect();
    let mut index: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    let mut out = Daily {
        keys: Vec::new(),
        columns: value_cols
            .iter()
            .map(|&i| table.header[i].clone())
            .collect(),
        values: Vec::new(),
    };
    for (ri, row) in table.rows.iter().enumerate() {
        let Some(first) = row.get(0) else { continue };
        if row.len() == 1 && first.is_empty() {
            continue;
        }
        let day = table.day(ri, row, day_col)?;
        if let Some(d) = date_col
            .and_then(|dc| row.get(dc))
            .filter(|d| !d.is_empty())
        {
            dates.entry(day).or_insert_with(|| d.to_string());
        }
        let key: Vec<String> = keys_idx
            .iter()
            .map(|i| i.and_then(|i| row.get(i)).unwrap_or("").to_string())
            .collect();
        let k = match index.get(&key) {
            Some(&k) => k,
            None => {
                index.insert(key.clone(), out.keys.len());
                out.keys.push(key);
                out.values.push(BTreeMap::new());
                out.keys.len() - 1
            }
        };
        for (ci, &col) in value_cols.iter().enumerate() {
            if let Some(x) = row.get(col).and_then(number) {
                let series = out.values[k].entry(ci).or_default();
                if series.len() <= day {
                    series.resize(day + 1, None);
                }
                series[day] = Some(x);
            }
        }
    }
    Ok(out)
}

fn series_json(d: &Daily, k: usize, n_days: usize) -> Value {
    let mut m = Map::new();
    for (&ci, s) in &d.values[k] {
        let arr: Vec<Value> = (0..n_days)
            .map(|day| s.get(day).copied().flatten().map_or(Value::Null, num_value))
            .collect();
        m.insert(d.columns[ci].clone(), Value::Array(arr));
    }
    Value::Object(m)
}

fn read_text(path: &Path) -> Result<Option<String>, ReportError> {
    if !path.is_file() {
        return Ok(None);
    }
    std::fs::read_to_string(path)
        .map(Some)
        .map_err(|source| ReportError::Io {
            path: path.to_path_buf(),
            source,
        })
}

fn read_json(path: &Path) -> Result<Option<Value>, ReportError> {
    match read_text(path)? {
        None => Ok(None),
        Some(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|source| ReportError::Json {
                path: path.to_path_buf(),
                source,
            }),
    }
}

/// `p05`, `p50`, `p95`...
fn is_quantile_column(name: &str) -> bool {
    name.len() > 1 && name.starts_with('p') && name[1..].bytes().all(|b| b.is_ascii_digit())
}

/// Reads the output folder `dir` into the report's JSON document.
pub fn collect(dir: &Path) -> Result<Value, ReportError> {
    collect_with(dir, &Supplements::default())
}

/// Like [`collect`], filling in what the folder lacks from `supplements`.
pub fn collect_with(dir: &Path, supplements: &Supplements) -> Result<Value, ReportError> {
    if !dir.is_dir() {
        return Err(ReportError::NotAFolder(dir.to_path_buf()));
    }
    let summary = read_json(&dir.join("summary.json"))?;
    let network = read_json(&dir.join("network.geojson"))?;
    let places_t = Table::read(&dir.join("places.csv"))?;
    let corridors_t = Table::read(&dir.join("corridors.csv"))?;
    let events_t = Table::read(&dir.join("events.csv"))?;
    let displacement_t = Table::read(&dir.join("displacement.csv"))?;
    let quantiles_t = Table::read(&dir.join("quantiles.csv"))?;
    let corridor_quantiles_t = Table::read(&dir.join("corridor_quantiles.csv"))?;
    let runs_t = Table::read(&dir.join("runs.csv"))?;
    let compare_t = Table::read(&dir.join("compare.csv"))?;
    let scenario_toml = read_text(&dir.join("scenario.toml"))?;
    let analysis = CalibrationTables::read(dir)?;
    let manifest = lifeline_io::manifest::Manifest::read(dir);

    let files: Vec<&str> = crate::INPUT_FILES
        .iter()
        .copied()
        .filter(|f| dir.join(f).is_file())
        .collect();
    let reportable = summary.is_some()
        || network.is_some()
        || places_t.is_some()
        || corridors_t.is_some()
        || displacement_t.is_some()
        || quantiles_t.is_some()
        || corridor_quantiles_t.is_some()
        || compare_t.is_some()
        || analysis.any();
    if !reportable {
        return Err(ReportError::NothingToReport(dir.to_path_buf()));
    }
    let kind = folder_kind(
        manifest.as_ref(),
        &analysis,
        compare_t.is_some(),
        quantiles_t.is_some() || corridor_quantiles_t.is_some() || runs_t.is_some(),
    );
    // The tables of many runs have no day or place: no map of the scenario's network for them.
    let is_analysis = is_analysis(kind);
    let mut supplied = Vec::new();
    let network = match network {
        Some(n) => Some(n),
        None if is_analysis => None,
        None => supplements
            .network
            .clone()
            .inspect(|_| supplied.push("network.geojson")),
    };
    let scenario_toml = match scenario_toml {
        Some(s) => Some(s),
        None => supplements
            .scenario_toml
            .clone()
            .inspect(|_| supplied.push("scenario.toml")),
    };

    let mut dates: BTreeMap<usize, String> = BTreeMap::new();
    let places = places_t
        .as_ref()
        .map(|t| daily(t, &[&["place"], &["commodity"]], &mut dates))
        .transpose()?;
    let corridors = corridors_t
        .as_ref()
        .map(|t| daily(t, &[&["corridor"]], &mut dates))
        .transpose()?;
    let displacement = displacement_t
        .as_ref()
        .map(|t| daily(t, &[&["location", "place", "name"]], &mut dates))
        .transpose()?;
    let quantiles = quantiles_t
        .as_ref()
        .map(|t| daily(t, &[&["place", "location"], &["metric"]], &mut dates))
        .transpose()?;
    let corridor_quantiles = corridor_quantiles_t
        .as_ref()
        .map(|t| daily(t, &[&["corridor"], &["metric"]], &mut dates))
        .transpose()?;

    // The day axis: every day up to the last one any file mentions.
    let date_list = day_axis(
        &[
            &places,
            &corridors,
            &displacement,
            &quantiles,
            &corridor_quantiles,
        ],
        &dates,
        summary.as_ref(),
    );
    let n_days = date_list.len();
    let keyed = |d: &Option<Daily>, names: &[&str]| keyed_series(d, names, n_days);
    let quantiles_json = quantile_series(&quantiles, "place", false, n_days);
    // The corridors' daily means add up to each corridor's expected total, shown in a table.
    let corridor_quantiles_json = quantile_series(&corridor_quantiles, "corridor", true, n_days);

    // Events: attacks (for the map's road losses) and the non-routine rest (for the log).
    let (attacks, events, events_total) = match &events_t {
        Some(t) => event_rows(t)?,
        None => (Vec::new(), Vec::new(), 0),
    };

    let get_str = |key: &str| -> Value {
        summary
            .as_ref()
            .and_then(|s| s.get(key))
            .filter(|v| v.is_string() || v.is_number())
            .cloned()
            .unwrap_or(Value::Null)
    };
    // What the summary does not say, the manifest does.
    let or_manifest =
        |key: &str, of: &dyn Fn(&lifeline_io::manifest::Manifest) -> Value| match get_str(key) {
            Value::Null => manifest.as_ref().map_or(Value::Null, of),
            other => other,
        };
    // "embedded:mali-2025" (an ensemble's or comparison's scenario) reads as "mali-2025".
    let scenario = match or_manifest("scenario", &|m| Value::from(m.scenario.as_str())) {
        Value::String(s) => Value::from(s.strip_prefix("embedded:").unwrap_or(&s)),
        other => other,
    };
    let response = get_str("response");
    let events_file = events_file_of(dir, summary.as_ref());
    let title = report_title(&scenario, &response, kind, events_file.as_deref());
    let source_dir = dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|f| f.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.display().to_string());

    let recorded = manifest
        .as_ref()
        .and_then(|m| m.posterior.as_ref())
        .map(|p| (p.file.as_str(), p.hash.as_str()));
    let run_particle = manifest.as_ref().and_then(|m| m.particle);
    let (calibration, sensitivity) = analysis.to_json(supplements, recorded, run_particle)?;
    let seed = or_manifest("seed", &|m| Value::from(m.seed));
    let runs = or_manifest("runs", &|m| m.runs.map_or(Value::Null, Value::from));

    Ok(json!({
        "meta": {
            "title": title,
            "kind": kind,
            "scenario": scenario,
            "response": response,
            "seed": seed,
            "runs": runs,
            "parameters": parameters_record(manifest.as_ref()),
            "notes": supplements.notes,
            "responses": summary.as_ref().and_then(|s| s.get("responses")).cloned(),
            "start_date": date_list.first().cloned().map_or(get_str("start_date"), Value::from),
            "end_date": date_list.last().cloned().map_or(get_str("end_date"), Value::from),
            "days": n_days,
            "source_dir": source_dir,
            "files": files,
            "supplied": supplied,
            "supplied_from": supplements.origin,
            "events_file": events_file,
            "generator": concat!("lifeline-report ", env!("CARGO_PKG_VERSION")),
        },
        "dates": date_list,
        "summary": summary,
        "map": { "extent": crate::extent::map_extent(network.as_ref()).map(crate::extent::Extent::to_json) },
        "network": network,
        "places": keyed(&places, &["place", "commodity"]),
        "corridors": keyed(&corridors, &["corridor"]),
        "displacement": keyed(&displacement, &["location"]),
        "quantiles": quantiles_json,
        "corridor_quantiles": corridor_quantiles_json,
        "attacks": attacks,
        "events": events,
        "events_total": events_total,
        "runs": runs_t.as_ref().map(|t| t.raw(MAX_RUN_ROWS)),
        "compare": compare_t.as_ref().map(|t| t.raw(MAX_COMPARE_ROWS)),
        "scenario_toml": scenario_toml,
        "calibration": calibration,
        "sensitivity": sensitivity,
        "licenses": LICENSES,
    }))
}

/// The report's dates: every day up to the last one any daily table (`series`) or dated row
/// (`dates`) mentions, else the summary's run length; each dated as a file dates it, else from
/// the start date, else `day N`.
fn day_axis(
    series: &[&Option<Daily>],
    dates: &BTreeMap<usize, String>,
    summary: Option<&Value>,
) -> Vec<String> {
    let series_len = |d: &Option<Daily>| {
        d.as_ref().map_or(0, |d| {
            d.values
                .iter()
                .flat_map(|m| m.values().map(Vec::len))
                .max()
                .unwrap_or(0)
        })
    };
    let mut n_days = series
        .iter()
        .copied()
        .map(series_len)
        .max()
        .unwrap_or(0)
        .max(dates.keys().next_back().map_or(0, |d| d + 1));
    let start = summary
        .and_then(|s| s.get("start_date"))
        .and_then(Value::as_str)
        .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .or_else(|| {
            let (&d, text) = dates.iter().next()?;
            let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
            date.checked_sub_days(chrono::Days::new(d as u64))
        });
    if n_days == 0
        && let Some(days) = summary.and_then(|s| s.get("days")).and_then(Value::as_u64)
    {
        n_days = (days as usize).min(MAX_DAYS);
    }
    (0..n_days)
        .map(|d| {
            dates.get(&d).cloned().unwrap_or_else(|| {
                start
                    .and_then(|s| s.checked_add_days(chrono::Days::new(d as u64)))
                    .map_or_else(|| format!("day {d}"), |x| x.format("%Y-%m-%d").to_string())
            })
        })
        .collect()
}

/// The events table's attacks (for the map's road losses), its non-routine rows (for the log,
/// at most [`MAX_EVENT_ROWS`]) and how many non-routine rows there are.
fn event_rows(t: &Table) -> Result<(Vec<Value>, Vec<Value>, usize), ReportError> {
    let mut attacks = Vec::new();
    let mut events = Vec::new();
    let mut events_total = 0usize;
    let day_col = t.require("day")?;
    let kind_col = t.require("kind")?;
    let get = |row: &csv::StringRecord, name: &str| -> String {
        t.col(name)
            .and_then(|i| row.get(i))
            .unwrap_or("")
            .to_string()
    };
    for (ri, row) in t.rows.iter().enumerate() {
        let kind = row.get(kind_col).unwrap_or("").to_string();
        if kind.is_empty() {
            continue;
        }
        let day = t.day(ri, row, day_col)?;
        let num = |name: &str| number(&get(row, name)).map_or(Value::Null, num_value);
        let date = get(row, "date");
        if kind.eq_ignore_ascii_case("attack") {
            attacks.push(json!({
                "day": day,
                "date": date,
                "segment": get(row, "segment"),
                "place": get(row, "place"),
                "corridor": get(row, "corridor"),
                "trucks": num("trucks"),
                "trucks_lost": number(&get(row, "trucks_lost")).map_or(Value::from(0), num_value),
                "drivers_kidnapped": num("drivers_kidnapped"),
                "drivers_killed": num("drivers_killed"),
                "outcome": get(row, "outcome"),
                "lat": num("lat"),
                "lon": num("lon"),
            }));
        }
        let routine =
            kind.eq_ignore_ascii_case("dispatched") || kind.eq_ignore_ascii_case("arrived");
        if !routine {
            events_total += 1;
            if events.len() < MAX_EVENT_ROWS {
                events.push(json!({
                    "day": day,
                    "date": date,
                    "kind": kind,
                    "place": get(row, "place"),
                    "segment": get(row, "segment"),
                    "corridor": get(row, "corridor"),
                    "trucks": num("trucks"),
                    "trucks_lost": num("trucks_lost"),
                    "outcome": get(row, "outcome"),
                    "escorted": num("escorted"),
                }));
            }
        }
    }
    Ok((attacks, events, events_total))
}

/// Each key of a daily table with its names (`names`, in key order) and its series over the
/// `n_days` of the report.
fn keyed_series(d: &Option<Daily>, names: &[&str], n_days: usize) -> Value {
    let Some(d) = d else {
        return Value::Array(Vec::new());
    };
    Value::Array(
        d.keys
            .iter()
            .enumerate()
            .map(|(k, key)| {
                let mut m = Map::new();
                for (name, v) in names.iter().zip(key) {
                    m.insert((*name).to_string(), Value::from(v.as_str()));
                }
                m.insert("series".to_string(), series_json(d, k, n_days));
                Value::Object(m)
            })
            .collect(),
    )
}

/// The page's title: the scenario and its response (or what kind of analysis), and the event
/// history when the run read another than the scenario's.
fn report_title(
    scenario: &Value,
    response: &Value,
    kind: &str,
    events_file: Option<&str>,
) -> String {
    let title = match (scenario.as_str(), response.as_str()) {
        (Some(s), Some(r)) => format!("Lifeline — {s} ({r})"),
        (Some(s), None) if is_analysis(kind) => {
            format!("Lifeline — {s} ({})", analysis_title(kind))
        }
        (Some(s), None) => format!("Lifeline — {s}"),
        _ if kind == "compare" => "Lifeline — responses compared".to_string(),
        _ => "Lifeline report".to_string(),
    };
    // Runs driven by another event history than the scenario's say so in the header.
    match events_file {
        Some(file) => {
            let name = Path::new(file)
                .file_name()
                .map_or_else(|| file.to_string(), |n| n.to_string_lossy().into_owned());
            format!("{title} — events {name}")
        }
        None => title,
    }
}

/// Whether the folder holds the tables of an analysis over many runs.
fn is_analysis(kind: &str) -> bool {
    matches!(kind, "calibrate" | "validate" | "sensitivity")
}

/// What wrote the folder: the manifest's command when it is one a report knows, else what its
/// files say.
fn folder_kind(
    manifest: Option<&lifeline_io::manifest::Manifest>,
    analysis: &CalibrationTables,
    compare: bool,
    ensemble: bool,
) -> &'static str {
    const KNOWN: &[&str] = &[
        "run",
        "ensemble",
        "compare",
        "calibrate",
        "validate",
        "sensitivity",
    ];
    if let Some(k) = manifest.and_then(|m| KNOWN.iter().find(|k| **k == m.command)) {
        return k;
    }
    if compare {
        "compare"
    } else if ensemble {
        "ensemble"
    } else if analysis.posterior.is_some() || analysis.fit.is_some() {
        "calibrate"
    } else if analysis.validate.is_some() {
        "validate"
    } else if analysis.sobol.is_some() {
        "sensitivity"
    } else {
        "run"
    }
}

fn analysis_title(kind: &str) -> &'static str {
    match kind {
        "calibrate" => "calibration",
        "validate" => "validation",
        _ => "sensitivity",
    }
}

/// Where the folder's runs took their parameters from, as its manifest records it:
/// `{posterior: {file, hash, particles} | null, particle, fixed_parameters}`; null without a
/// manifest.
fn parameters_record(manifest: Option<&lifeline_io::manifest::Manifest>) -> Value {
    let Some(m) = manifest else {
        return Value::Null;
    };
    json!({
        "posterior": m.posterior.as_ref().map(|p| json!({"file": p.file, "hash": p.hash, "particles": p.particles})),
        "particle": m.particle,
        "fixed_parameters": m.fixed_parameters,
    })
}

/// `[{<key>, metric, p05: [...], p25, ...}]`: the quantile columns of a quantile table (`mean`
/// and `runs` are not drawn), keyed by its first key column (`place` or `corridor`); with
/// `mean_total`, also `mean_total`, the sum of the daily means (the expected total over the
/// period).
fn quantile_series(q: &Option<Daily>, key_name: &str, mean_total: bool, n_days: usize) -> Value {
    let Some(q) = q else {
        return Value::Array(Vec::new());
    };
    Value::Array(
        q.keys
            .iter()
            .enumerate()
            .map(|(k, key)| {
                let mut m = match series_json(q, k, n_days) {
                    Value::Object(m) => m,
                    _ => Map::new(),
                };
                let total = m
                    .get("mean")
                    .and_then(Value::as_array)
                    .map(|days| days.iter().filter_map(Value::as_f64).sum::<f64>());
                m.retain(|c, _| is_quantile_column(c));
                if mean_total && let Some(t) = total {
                    m.insert("mean_total".into(), num_value(t));
                }
                m.insert(key_name.into(), Value::from(key[0].as_str()));
                m.insert("metric".into(), Value::from(key[1].as_str()));
                Value::Object(m)
            })
            .collect(),
    )
}

/// The event file given on the command line instead of the scenario's: `events_file` in
/// `summary.json` (a run), else in `manifest.json` (any command).
fn events_file_of(dir: &Path, summary: Option<&Value>) -> Option<String> {
    let from_summary = summary
        .and_then(|s| s.get("events_file"))
        .and_then(Value::as_str)
        .map(str::to_string);
    from_summary.or_else(|| lifeline_io::manifest::Manifest::read(dir).and_then(|m| m.events_file))
}
