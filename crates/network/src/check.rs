//! The network checker: reads `places.csv` and `segments.csv` leniently so that it can report
//! every problem at once (not only the first), with file and line. Errors are what
//! `lifeline run` would refuse; warnings are what an analyst should look at (a disconnected
//! piece, an isolated place, a road much longer or shorter than the straight line, a segment
//! listed twice).

use crate::geo::{LonLat, great_circle};
use crate::route::RoadGraph;
use lifeline_model::network::{PlaceKind, RoadCondition};
use std::collections::HashMap;
use std::fmt;

/// A road up to this many times the great-circle distance is plausible; roads rarely wind
/// more than that between neighbouring places.
pub const MAX_DETOUR_RATIO: f64 = 3.0;
/// A road shorter than the straight line by more than this is flagged (coordinates rounded to
/// 1e-5° and lengths to the metre leave a few metres of play).
const SHORTER_TOLERANCE_KM: f64 = 0.01;

#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub file: String,
    /// 1-based line; 0 for the network as a whole.
    pub line: u64,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct CheckReport {
    pub places: usize,
    pub segments: usize,
    pub total_km: f64,
    /// Segments and km by condition class, in the classes' order.
    pub by_condition: Vec<(String, usize, f64)>,
    pub components: usize,
    pub errors: Vec<Finding>,
    pub warnings: Vec<Finding>,
}

impl CheckReport {
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "network: {} places, {} segments, {:.0} km of road, {} connected component{}",
            self.places,
            self.segments,
            self.total_km,
            self.components,
            if self.components == 1 { "" } else { "s" }
        )?;
        for (condition, count, km) in &self.by_condition {
            writeln!(f, "  {condition:<6} {count:>7} segments {km:>10.0} km")?;
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        for e in &self.errors {
            writeln!(f, "error: {e}")?;
        }
        writeln!(
            f,
            "{} error{}, {} warning{}",
            self.errors.len(),
            if self.errors.len() == 1 { "" } else { "s" },
            self.warnings.len(),
            if self.warnings.len() == 1 { "" } else { "s" }
        )
    }
}

struct CheckedPlace {
    name: String,
    at: Option<LonLat>,
}

struct CheckedSegment {
    line: u64,
    a: usize,
    b: usize,
    length: f64,
}

/// Checks the two tables given as text; `places_file` and `segments_file` name them in
/// messages.
pub fn check_network(
    places_text: &str,
    places_file: &str,
    segments_text: &str,
    segments_file: &str,
) -> CheckReport {
    let mut report = CheckReport::default();
    let Some(places) = check_places(places_text, places_file, &mut report) else {
        return report;
    };
    let Some(segments) = check_segments(segments_text, segments_file, &places, &mut report) else {
        return report;
    };
    check_lengths(&places, &segments, segments_file, &mut report);
    check_duplicates(&places, &segments, segments_file, &mut report);
    check_connectivity(&places, &segments, places_file, &mut report);
    if report.is_ok() {
        // The project's own reader is the last word: what it refuses, `lifeline run` refuses.
        if let Err(e) = lifeline_io::network_csv::read_network(
            places_text,
            places_file,
            segments_text,
            segments_file,
        ) {
            report.errors.push(Finding {
                file: e.file.clone(),
                line: e.line,
                message: format!("field `{}`: {}", e.field, e.message),
            });
        }
    }
    report
}

fn reader(text: &str) -> csv::Reader<&[u8]> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes())
}

/// Column positions; `None` (with an error) when a required column is missing.
fn header(
    rdr: &mut csv::Reader<&[u8]>,
    file: &str,
    required: &[&str],
    report: &mut CheckReport,
) -> Option<HashMap<String, usize>> {
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            report
                .errors
                .push(finding(file, 1, format!("not valid CSV: {e}")));
            return None;
        }
    };
    let index: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().to_string(), i))
        .collect();
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|c| !index.contains_key(*c))
        .collect();
    if missing.is_empty() {
        Some(index)
    } else {
        report.errors.push(finding(
            file,
            1,
            format!(
                "missing column{} {} (need at least {})",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", "),
                required.join(",")
            ),
        ));
        None
    }
}

fn finding(file: &str, line: u64, message: impl Into<String>) -> Finding {
    Finding {
        file: file.to_string(),
        line,
        message: message.into(),
    }
}

fn cell<'r>(row: &'r csv::StringRecord, index: &HashMap<String, usize>, name: &str) -> &'r str {
    index
        .get(name)
        .and_then(|&i| row.get(i))
        .map_or("", str::trim)
}

fn check_places(text: &str, file: &str, report: &mut CheckReport) -> Option<Vec<CheckedPlace>> {
    let mut rdr = reader(text);
    let index = header(&mut rdr, file, &["name", "lat", "lon", "kind"], report)?;
    let mut places: Vec<CheckedPlace> = Vec::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    for row in rdr.records() {
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                report
                    .errors
                    .push(finding(file, line, format!("not valid CSV: {e}")));
                continue;
            }
        };
        let line = row.position().map_or(0, |p| p.line());
        let name = cell(&row, &index, "name").to_string();
        if name.is_empty() {
            report.errors.push(finding(file, line, "`name` is empty"));
        } else if let Some(first) = first_line.get(&name) {
            report.errors.push(finding(
                file,
                line,
                format!("place `{name}` already on line {first}; names must be unique"),
            ));
        } else {
            first_line.insert(name.clone(), line);
        }
        let coordinate = |column: &str, limit: f64| -> Result<f64, String> {
            let text = cell(&row, &index, column);
            text.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && x.abs() <= limit)
                .ok_or_else(|| format!("`{column}` = `{text}`: expected degrees within ±{limit}"))
        };
        let at = match (coordinate("lat", 90.0), coordinate("lon", 180.0)) {
            (Ok(lat), Ok(lon)) => Some(LonLat::new(lon, lat)),
            (Err(e), _) | (_, Err(e)) => {
                report.errors.push(finding(file, line, e));
                None
            }
        };
        let kind = cell(&row, &index, "kind");
        if PlaceKind::parse(kind).is_none() {
            let allowed: Vec<&str> = PlaceKind::ALL.iter().map(|k| k.as_str()).collect();
            report.errors.push(finding(
                file,
                line,
                format!(
                    "unknown place kind `{kind}`; expected one of {}",
                    allowed.join(", ")
                ),
            ));
        }
        let population = cell(&row, &index, "population");
        if !population.is_empty() && population.parse::<u64>().is_err() {
            report.errors.push(finding(
                file,
                line,
                format!("`population` = `{population}`: expected a whole number ≥ 0"),
            ));
        }
        let country = cell(&row, &index, "country");
        let code_like =
            matches!(country.len(), 2 | 3) && country.chars().all(|c| c.is_ascii_uppercase());
        if !country.is_empty() && !code_like {
            report.warnings.push(finding(
                file,
                line,
                format!("`country` = `{country}`: expected an ISO 3166-1 code such as MLI (or ML)"),
            ));
        }
        places.push(CheckedPlace { name, at });
    }
    report.places = places.len();
    Some(places)
}

fn check_segments(
    text: &str,
    file: &str,
    places: &[CheckedPlace],
    report: &mut CheckReport,
) -> Option<Vec<CheckedSegment>> {
    let mut rdr = reader(text);
    let index = header(
        &mut rdr,
        file,
        &["a", "b", "length_km", "condition"],
        report,
    )?;
    let by_name: HashMap<&str, usize> = places
        .iter()
        .enumerate()
        .rev()
        .map(|(i, p)| (p.name.as_str(), i))
        .collect();
    let mut segments = Vec::new();
    let mut by_condition: Vec<(String, usize, f64)> = RoadCondition::ALL
        .iter()
        .map(|c| (c.as_str().to_string(), 0, 0.0))
        .collect();
    for row in rdr.records() {
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                report
                    .errors
                    .push(finding(file, line, format!("not valid CSV: {e}")));
                continue;
            }
        };
        let line = row.position().map_or(0, |p| p.line());
        report.segments += 1;
        let mut end = |column: &str| {
            let name = cell(&row, &index, column);
            let found = by_name.get(name).copied();
            if found.is_none() {
                report.errors.push(finding(
                    file,
                    line,
                    format!("`{column}` = `{name}`: unknown place (not in the places table)"),
                ));
            }
            found
        };
        let (a, b) = (end("a"), end("b"));
        let length_text = cell(&row, &index, "length_km");
        let length = match length_text.parse::<f64>() {
            Ok(x) if x.is_finite() && x > 0.0 => Some(x),
            Ok(0.0) => {
                report.errors.push(finding(file, line, "zero-length road (`length_km` = 0); give the road length in km or remove the row"));
                None
            }
            _ => {
                report.errors.push(finding(
                    file,
                    line,
                    format!("`length_km` = `{length_text}`: expected a positive road length in km"),
                ));
                None
            }
        };
        let condition_text = cell(&row, &index, "condition");
        let condition = RoadCondition::parse(condition_text);
        if condition.is_none() {
            report.errors.push(finding(
                file,
                line,
                format!("unknown condition class `{condition_text}`; expected good, fair, bad or track (the classes of the scenario's speed table)"),
            ));
        }
        if let Err(e) =
            lifeline_io::network_csv::parse_wkt_linestring(cell(&row, &index, "geometry"))
        {
            report
                .errors
                .push(finding(file, line, format!("`geometry`: {e}")));
        }
        if let (Some(a), Some(b)) = (a, b)
            && a == b
        {
            report.errors.push(finding(
                file,
                line,
                format!("segment joins `{}` to itself", places[a].name),
            ));
            continue;
        }
        if let (Some(a), Some(b), Some(length)) = (a, b, length) {
            if let Some(c) = condition {
                by_condition[c.index()].1 += 1;
                by_condition[c.index()].2 += length;
            }
            report.total_km += length;
            segments.push(CheckedSegment { line, a, b, length });
        }
    }
    report.by_condition = by_condition
        .into_iter()
        .filter(|(_, n, _)| *n > 0)
        .collect();
    Some(segments)
}

/// Road length against the great-circle distance between the ends.
fn check_lengths(
    places: &[CheckedPlace],
    segments: &[CheckedSegment],
    file: &str,
    report: &mut CheckReport,
) {
    for s in segments {
        let (Some(a), Some(b)) = (places[s.a].at, places[s.b].at) else {
            continue;
        };
        let straight = great_circle(a, b).0;
        let names = format!("{} – {}", places[s.a].name, places[s.b].name);
        if s.length < straight - SHORTER_TOLERANCE_KM {
            report.warnings.push(finding(
                file,
                s.line,
                format!(
                    "{names}: road {:.1} km is shorter than the straight line {straight:.1} km (ratio {:.2}); check the length or the coordinates",
                    s.length,
                    s.length / straight
                ),
            ));
        } else if straight > 0.0 && s.length > MAX_DETOUR_RATIO * straight {
            report.warnings.push(finding(
                file,
                s.line,
                format!(
                    "{names}: road {:.1} km is {:.1}× the straight line {straight:.1} km (over {MAX_DETOUR_RATIO}); check the length or the coordinates",
                    s.length,
                    s.length / straight
                ),
            ));
        }
    }
}

fn check_duplicates(
    places: &[CheckedPlace],
    segments: &[CheckedSegment],
    file: &str,
    report: &mut CheckReport,
) {
    let mut first: HashMap<(usize, usize), u64> = HashMap::new();
    for s in segments {
        let key = (s.a.min(s.b), s.a.max(s.b));
        match first.get(&key) {
            Some(line) => report.warnings.push(finding(
                file,
                s.line,
                format!(
                    "duplicate segment {} – {} (also on line {line}); the router uses the faster",
                    places[s.a].name, places[s.b].name
                ),
            )),
            None => {
                first.insert(key, s.line);
            }
        }
    }
}

/// Connected components; isolated places and pieces apart from the main network are listed.
fn check_connectivity(
    places: &[CheckedPlace],
    segments: &[CheckedSegment],
    file: &str,
    report: &mut CheckReport,
) {
    if places.is_empty() {
        report.errors.push(finding(file, 0, "no places"));
        return;
    }
    let edges: Vec<(usize, usize, f64)> = segments.iter().map(|s| (s.a, s.b, 1.0)).collect();
    let graph = RoadGraph::new(places.len(), &edges);
    let mut router = graph.router();
    let mut component = vec![usize::MAX; places.len()];
    let mut members: Vec<Vec<usize>> = Vec::new();
    for start in 0..places.len() {
        if component[start] != usize::MAX {
            continue;
        }
        let costs = router.costs_from(start);
        let these: Vec<usize> = (0..places.len())
            .filter(|&i| costs[i].is_finite())
            .collect();
        for &i in &these {
            component[i] = members.len();
        }
        members.push(these);
    }
    report.components = members.len();
    let mut degree = vec![0usize; places.len()];
    for s in segments {
        degree[s.a] += 1;
        degree[s.b] += 1;
    }
    let isolated: Vec<&str> = (0..places.len())
        .filter(|&i| degree[i] == 0)
        .map(|i| places[i].name.as_str())
        .collect();
    if !isolated.is_empty() {
        report.warnings.push(finding(
            file,
            0,
            format!(
                "{} isolated place{} (no segment): {}",
                isolated.len(),
                if isolated.len() == 1 { "" } else { "s" },
                shown(&isolated)
            ),
        ));
    }
    let main = (0..members.len()).max_by_key(|&c| (members[c].len(), std::cmp::Reverse(c)));
    for (c, these) in members.iter().enumerate() {
        if Some(c) == main || these.len() < 2 {
            continue;
        }
        let names: Vec<&str> = these.iter().map(|&i| places[i].name.as_str()).collect();
        report.warnings.push(finding(
            file,
            0,
            format!(
                "{} places not connected to the main network: {}; corridors cannot reach them",
                these.len(),
                shown(&names)
            ),
        ));
    }
}

fn shown(names: &[&str]) -> String {
    const MAX: usize = 10;
    let mut text = names
        .iter()
        .take(MAX)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > MAX {
        text.push_str(&format!(" and {} more", names.len() - MAX));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLACES: &str = "name,country,lat,lon,kind,population\nA,MLI,12,-8,city,10\nB,MLI,12.5,-8,town,\nC,ML,13,-8,town,5\nD,Mali,20,0,town,\nE,MLI,21,0,town,\nF,MLI,30,0,town,\n";

    #[test]
    fn a_clean_network_passes() {
        let report = check_network(
            PLACES,
            "places.csv",
            "a,b,length_km,condition\nA,B,60,fair\nB,C,70,good\nC,D,1300,bad\nD,E,120,track\nE,F,1100,track\n",
            "segments.csv",
        );
        assert!(report.is_ok(), "{report}");
        assert_eq!(report.components, 1);
        assert_eq!(report.by_condition[0], ("good".to_string(), 1, 70.0));
        assert_eq!(report.by_condition.len(), 4);
        // `Mali` is not a code.
        assert_eq!(report.warnings.len(), 1, "{report}");
        assert!(
            report.warnings[0]
                .to_string()
                .starts_with("places.csv:5: `country` = `Mali`")
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let report = check_network(
            PLACES,
            "places.csv",
            "a,b,length_km,condition\nA,B,0,fair\nA,B,60,paved\nB,A,58,fair\nA,C,500,good\nA,Q,10,fair\nD,E,50,fair\n",
            "segments.csv",
        );
        let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            errors,
            [
                "segments.csv:2: zero-length road (`length_km` = 0); give the road length in km or remove the row",
                "segments.csv:3: unknown condition class `paved`; expected good, fair, bad or track (the classes of the scenario's speed table)",
                "segments.csv:6: `b` = `Q`: unknown place (not in the places table)",
            ]
        );
        let warnings: Vec<String> = report.warnings.iter().map(ToString::to_string).collect();
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with("segments.csv:4: duplicate segment B – A (also on line 3)")),
            "{warnings:?}"
        );
        assert!(
            warnings.iter().any(|w| w.starts_with(
                "segments.csv:4: B – A: road 58.0 km is shorter than the straight line 55.6 km"
            ) || w.contains("A – C: road 500.0 km is 4.5×")),
            "{warnings:?}"
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("segments.csv:7: D – E: road 50.0 km is shorter")),
            "{warnings:?}"
        );
        assert!(
            warnings
                .iter()
                .any(|w| w == "places.csv: 1 isolated place (no segment): F"),
            "{warnings:?}"
        );
        assert!(
            warnings
                .iter()
                .any(|w| w
                    .starts_with("places.csv: 2 places not connected to the main network: D, E")),
            "{warnings:?}"
        );
        assert_eq!(report.components, 3);
    }

    #[test]
    fn missing_columns_stop_the_check() {
        let report = check_network("name,lat\nA,1\n", "p.csv", "", "s.csv");
        assert_eq!(
            report.errors[0].to_string(),
            "p.csv:1: missing columns lon, kind (need at least name,lat,lon,kind)"
        );
    }
}
