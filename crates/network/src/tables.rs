//! The project's network tables as the tools write them: `places.csv`, `segments.csv` (with a
//! WKT `geometry` column) and `network.geojson` for QGIS. Columns are those that
//! `lifeline_io::network_csv` reads.

use crate::error::NetworkError;
use crate::geo::LonLat;
use lifeline_model::network::{PlaceKind, RoadCondition};
use lifeline_model::units::Km;
use serde_json::json;
use std::path::{Path, PathBuf};

/// One row of `places.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaceRow {
    pub name: String,
    /// ISO 3166-1 alpha-3 code where known (alpha-2 in older tables), empty when unknown.
    pub country: String,
    pub admin1_pcode: String,
    pub admin2_pcode: String,
    pub position: LonLat,
    pub kind: PlaceKind,
    /// 0 = unknown.
    pub population: u64,
    pub coord_source: String,
    pub population_source: String,
    pub note: String,
}

/// One row of `segments.csv`: a two-way road between two places (indices into the places).
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentRow {
    pub a: usize,
    pub b: usize,
    pub length: Km,
    pub length_source: String,
    pub route: String,
    pub condition: RoadCondition,
    pub condition_source: String,
    pub note: String,
    /// The road's course from `a` to `b`; empty = straight line.
    pub geometry: Vec<LonLat>,
}

/// A network ready to be written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tables {
    pub places: Vec<PlaceRow>,
    pub segments: Vec<SegmentRow>,
}

pub const PLACES_FILE: &str = "places.csv";
pub const SEGMENTS_FILE: &str = "segments.csv";
pub const GEOJSON_FILE: &str = "network.geojson";

const PLACE_COLUMNS: [&str; 11] = [
    "name",
    "country",
    "admin1_pcode",
    "admin2_pcode",
    "lat",
    "lon",
    "kind",
    "population",
    "coord_source",
    "population_source",
    "note",
];

const SEGMENT_COLUMNS: [&str; 9] = [
    "a",
    "b",
    "length_km",
    "length_source",
    "route",
    "condition",
    "condition_source",
    "note",
    "geometry",
];

impl Tables {
    /// The text of `places.csv`.
    pub fn places_csv(&self) -> String {
        let rows = self.places.iter().map(|p| {
            vec![
                p.name.clone(),
                p.country.clone(),
                p.admin1_pcode.clone(),
                p.admin2_pcode.clone(),
                format!("{:.6}", p.position.lat),
                format!("{:.6}", p.position.lon),
                p.kind.as_str().to_string(),
                p.population.to_string(),
                p.coord_source.clone(),
                p.population_source.clone(),
                p.note.clone(),
            ]
        });
        csv_text(&PLACE_COLUMNS, rows)
    }

    /// The text of `segments.csv`.
    pub fn segments_csv(&self) -> String {
        let rows = self.segments.iter().map(|s| {
            vec![
                self.places[s.a].name.clone(),
                self.places[s.b].name.clone(),
                format_km(s.length),
                s.length_source.clone(),
                s.route.clone(),
                s.condition.as_str().to_string(),
                s.condition_source.clone(),
                s.note.clone(),
                wkt_linestring(&s.geometry),
            ]
        });
        csv_text(&SEGMENT_COLUMNS, rows)
    }

    /// Places as points and roads as lines with all their columns, for QGIS. Features are
    /// serialised one at a time: a country's network as one JSON value would take gigabytes.
    pub fn geojson(&self) -> String {
        let mut out = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
        let mut first = true;
        let mut push = |feature: serde_json::Value| {
            if !first {
                out.push_str(",\n");
            }
            first = false;
            out.push_str(&feature.to_string());
        };
        for (i, p) in self.places.iter().enumerate() {
            push(json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round6(p.position.lon), round6(p.position.lat)]},
                "properties": {
                    "id": i, "name": p.name, "country": p.country,
                    "admin1_pcode": p.admin1_pcode, "admin2_pcode": p.admin2_pcode,
                    "kind": p.kind.as_str(), "population": p.population,
                    "coord_source": p.coord_source, "population_source": p.population_source,
                    "note": p.note,
                }
            }));
        }
        for (i, s) in self.segments.iter().enumerate() {
            let (a, b) = (&self.places[s.a], &self.places[s.b]);
            let line: Vec<[f64; 2]> = if s.geometry.len() >= 2 {
                s.geometry
                    .iter()
                    .map(|p| [round6(p.lon), round6(p.lat)])
                    .collect()
            } else {
                vec![
                    [round6(a.position.lon), round6(a.position.lat)],
                    [round6(b.position.lon), round6(b.position.lat)],
                ]
            };
            push(json!({
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": line},
                "properties": {
                    "id": i, "a": a.name, "b": b.name, "length_km": s.length.0,
                    "route": s.route, "condition": s.condition.as_str(),
                    "length_source": s.length_source, "condition_source": s.condition_source,
                    "note": s.note,
                }
            }));
        }
        out.push_str("\n]}\n");
        out
    }

    /// Writes the three files into `dir` (created if needed), each atomically; returns their
    /// paths.
    pub fn write_to(&self, dir: &Path) -> Result<Vec<PathBuf>, NetworkError> {
        std::fs::create_dir_all(dir).map_err(|source| NetworkError::Write {
            path: dir.to_path_buf(),
            source,
        })?;
        let files = [
            (PLACES_FILE, self.places_csv()),
            (SEGMENTS_FILE, self.segments_csv()),
            (GEOJSON_FILE, self.geojson()),
        ];
        let mut written = Vec::new();
        for (name, text) in files {
            let path = dir.join(name);
            lifeline_io::atomic::write_bytes(&path, text.as_bytes()).map_err(|source| {
                NetworkError::Write {
                    path: path.clone(),
                    source,
                }
            })?;
            written.push(path);
        }
        Ok(written)
    }
}

/// A length in km to the metre.
pub fn format_km(length: Km) -> String {
    format!("{:.3}", length.0)
}

/// WKT `LINESTRING (lon lat, ...)` to 6 decimals (about 0.1 m); empty for fewer than 2 points.
pub fn wkt_linestring(points: &[LonLat]) -> String {
    if points.len() < 2 {
        return String::new();
    }
    let pairs: Vec<String> = points
        .iter()
        .map(|p| format!("{} {}", round6(p.lon), round6(p.lat)))
        .collect();
    format!("LINESTRING ({})", pairs.join(", "))
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn csv_text(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut out = String::new();
    out.push_str(&header.join(","));
    out.push('\n');
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| lifeline_io::text::csv_field(c).into_owned())
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn place(name: &str, lon: f64, lat: f64) -> PlaceRow {
        PlaceRow {
            name: name.to_string(),
            country: "MLI".to_string(),
            admin1_pcode: String::new(),
            admin2_pcode: String::new(),
            position: LonLat::new(lon, lat),
            kind: PlaceKind::Town,
            population: 0,
            coord_source: "test".to_string(),
            population_source: "unknown".to_string(),
            note: String::new(),
        }
    }

    #[test]
    fn written_tables_read_back_with_the_project_reader() {
        let mut tables = Tables {
            places: vec![place("A", -8.0, 12.0), place("B, north", -8.0, 12.5)],
            segments: vec![SegmentRow {
                a: 0,
                b: 1,
                length: Km(60.1234),
                length_source: "test".to_string(),
                route: "RN1".to_string(),
                condition: RoadCondition::Fair,
                condition_source: "ASSUMPTION".to_string(),
                note: String::new(),
                geometry: vec![
                    LonLat::new(-8.0, 12.0),
                    LonLat::new(-8.1, 12.2),
                    LonLat::new(-8.0, 12.5),
                ],
            }],
        };
        tables.places[1].admin1_pcode = "ML02".to_string();
        let read = lifeline_io::network_csv::read_network(
            &tables.places_csv(),
            "places.csv",
            &tables.segments_csv(),
            "segments.csv",
        )
        .expect("reads back");
        assert_eq!(read.places[1].name, "B, north");
        assert_eq!(read.place_sources[1].admin1_pcode, "ML02");
        assert_eq!(read.segments[0].length, Km(60.123));
        assert_eq!(read.segment_sources[0].geometry[1], [-8.1, 12.2]);
        let geojson: serde_json::Value =
            serde_json::from_str(&tables.geojson()).expect("valid JSON");
        assert_eq!(geojson["features"].as_array().map(Vec::len), Some(3));
        assert_eq!(
            geojson["features"][2]["geometry"]["coordinates"][1],
            json!([-8.1, 12.2])
        );
    }
}
