//! The network tables: `places.csv` and `segments.csv` (see `crates/scenario/data/mali/README.md`).

use crate::columns::{Columns, Lines};
use crate::error::InputError;
use lifeline_model::PlaceId;
use lifeline_model::network::{Place, PlaceKind, RoadCondition, Segment};
use lifeline_model::units::Km;
use std::collections::HashMap;

/// Where each value of a place came from: kept for the GeoJSON and the report.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct PlaceSources {
    /// Admin level-1 and level-2 P-codes (optional columns), to join humanitarian (HDX) tables.
    pub admin1_pcode: String,
    pub admin2_pcode: String,
    pub coord_source: String,
    pub population_source: String,
    pub note: String,
}

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct SegmentSources {
    /// The road's course as (lon, lat) points from `a` to `b` (optional `geometry` column, WKT
    /// `LINESTRING`); empty when the table has none, and maps then draw a straight line.
    pub geometry: Vec<[f64; 2]>,
    pub length_source: String,
    pub condition_source: String,
    pub note: String,
}

/// A network as read, with the sources of its values.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkTables {
    pub places: Vec<Place>,
    pub place_sources: Vec<PlaceSources>,
    pub segments: Vec<Segment>,
    pub segment_sources: Vec<SegmentSources>,
}

/// The most people a place may hold: more than any city on Earth, far below what would
/// overflow the displacement engine's counts.
pub const MAX_POPULATION: u64 = 1_000_000_000;

const PLACE_COLUMNS: [&str; 11] = [
    "name",
    "country",
    "lat",
    "lon",
    "kind",
    "population",
    "coord_source",
    "population_source",
    "note",
    "admin1_pcode",
    "admin2_pcode",
];

const SEGMENT_COLUMNS: [&str; 9] = [
    "a",
    "b",
    "length_km",
    "condition",
    "route",
    "length_source",
    "condition_source",
    "note",
    "geometry",
];

/// Reads `places.csv`.
pub fn read_places(text: &str, file: &str) -> Result<(Vec<Place>, Vec<PlaceSources>), InputError> {
    let lines = Lines::new(text);
    let mut rdr = lines.reader();
    let cols = Columns::from_header(file, &lines, &mut rdr, &PLACE_COLUMNS[..5], "places")?;
    cols.refuse_near_misses(&PLACE_COLUMNS)?;
    let mut first_lines: HashMap<String, u64> = HashMap::new();
    let mut places = Vec::new();
    let mut sources = Vec::new();
    for row in rdr.records() {
        let row = row.map_err(|e| cols.csv_error(&e))?;
        let name = cols.required(&row, "name")?.to_string();
        let lat = cols.coordinate(&row, "lat")?;
        let lon = cols.coordinate(&row, "lon")?;
        let kind_text = cols.required(&row, "kind")?;
        let kind = PlaceKind::parse(kind_text).ok_or_else(|| {
            let allowed: Vec<&str> = PlaceKind::ALL.iter().map(|k| k.as_str()).collect();
            cols.error(
                &row,
                "kind",
                format!(
                    "expected one of {}, found `{kind_text}`",
                    allowed.join(", ")
                ),
            )
        })?;
        let population = cols.count(&row, "population", MAX_POPULATION, "people")?;
        if let Some(first) = first_lines.insert(name.clone(), cols.line_of(&row)) {
            return Err(cols.error(
                &row,
                "name",
                format!(
                    "`{name}` appears twice (lines {first} and {}); names must be unique",
                    cols.line_of(&row)
                ),
            ));
        }
        places.push(Place {
            name,
            country: cols.text(&row, "country").to_string(),
            lat,
            lon,
            kind,
            population,
        });
        sources.push(PlaceSources {
            admin1_pcode: cols.text(&row, "admin1_pcode").to_string(),
            admin2_pcode: cols.text(&row, "admin2_pcode").to_string(),
            coord_source: cols.text(&row, "coord_source").to_string(),
            population_source: cols.text(&row, "population_source").to_string(),
            note: cols.text(&row, "note").to_string(),
        });
    }
    Ok((places, sources))
}

/// Longest road between two places: half the Earth's circumference.
pub const MAX_SEGMENT_KM: f64 = 20_000.0;

/// Reads `segments.csv` against known places.
pub fn read_segments(
    text: &str,
    file: &str,
    places: &[Place],
) -> Result<(Vec<Segment>, Vec<SegmentSources>), InputError> {
    let by_name: HashMap<&str, PlaceId> = places
        .iter()
        .enumerate()
        .map(|(i, p)| (p.name.as_str(), PlaceId::from_index(i)))
        .collect();
    let text_lines = Lines::new(text);
    let mut rdr = text_lines.reader();
    let cols = Columns::from_header(
        file,
        &text_lines,
        &mut rdr,
        &SEGMENT_COLUMNS[..4],
        "segments",
    )?;
    cols.refuse_near_misses(&SEGMENT_COLUMNS)?;
    // Line of each road already read, by its two ends in either order.
    let mut first_lines: HashMap<(PlaceId, PlaceId), u64> = HashMap::new();
    let mut segments = Vec::new();
    let mut sources = Vec::new();
    for row in rdr.records() {
        let row = row.map_err(|e| cols.csv_error(&e))?;
        let end = |field: &str| -> Result<PlaceId, InputError> {
            let name = cols.required(&row, field)?;
            by_name.get(name).copied().ok_or_else(|| {
                cols.error(
                    &row,
                    field,
                    format!(
                        "unknown place `{name}` (not in the places table){}",
                        crate::suggest::hint(name, places.iter().map(|p| p.name.as_str()))
                    ),
                )
            })
        };
        let a = end("a")?;
        let b = end("b")?;
        if a == b {
            return Err(cols.error(&row, "b", "a segment must join two different places"));
        }
        if let Some(first) = first_lines.insert((a.min(b), a.max(b)), cols.line_of(&row)) {
            return Err(cols.error(
                &row,
                "b",
                format!(
                    "the road between `{}` and `{}` is listed twice (lines {first} and {}); keep \
                     one row per pair of places",
                    places[a.index()].name,
                    places[b.index()].name,
                    cols.line_of(&row)
                ),
            ));
        }
        let length = cols.number(&row, "length_km")?;
        if !(length > 0.0 && length <= MAX_SEGMENT_KM) {
            return Err(cols.error(
                &row,
                "length_km",
                format!(
                    "expected a positive road length of at most {MAX_SEGMENT_KM} km, found {}; \
                     lengths are in km, not m",
                    crate::text::readable_number(length)
                ),
            ));
        }
        let cond_text = cols.required(&row, "condition")?;
        let condition = RoadCondition::parse(cond_text).ok_or_else(|| {
            cols.error(
                &row,
                "condition",
                format!("expected good, fair, bad or track, found `{cond_text}`"),
            )
        })?;
        let geometry = parse_wkt_linestring(cols.text(&row, "geometry"))
            .map_err(|message| cols.error(&row, "geometry", message))?;
        segments.push(Segment {
            a,
            b,
            length: Km(length),
            route: cols.text(&row, "route").to_string(),
            condition,
            geometry: inner_points(&geometry),
        });
        sources.push(SegmentSources {
            geometry,
            length_source: cols.text(&row, "length_source").to_string(),
            condition_source: cols.text(&row, "condition_source").to_string(),
            note: cols.text(&row, "note").to_string(),
        });
    }
    Ok((segments, sources))
}

/// Parses a WKT `LINESTRING (lon lat, lon lat, ...)` (the `geometry` column of
/// `segments.csv`); an empty text is no geometry.
pub fn parse_wkt_linestring(text: &str) -> Result<Vec<[f64; 2]>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let expected =
        "expected WKT like `LINESTRING (-8.0 12.6, -7.9 12.7)` (longitude latitude pairs)";
    let body = text
        .get(..10)
        .filter(|head| head.eq_ignore_ascii_case("LINESTRING"))
        .and_then(|_| text[10..].trim().strip_prefix('('))
        .and_then(|rest| rest.strip_suffix(')'))
        .ok_or_else(|| format!("{expected}, found `{}`", shorten(text)))?;
    let mut points = Vec::new();
    for pair in body.split(',') {
        let mut numbers = pair.split_whitespace().map(str::parse::<f64>);
        let point = match (numbers.next(), numbers.next(), numbers.next()) {
            (Some(Ok(lon)), Some(Ok(lat)), None)
                if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) =>
            {
                [lon, lat]
            }
            _ => {
                return Err(format!(
                    "{expected}; the point `{}` is not a longitude and a latitude",
                    pair.trim()
                ));
            }
        };
        points.push(point);
    }
    if points.len() < 2 {
        return Err(format!("{expected}; a line needs at least two points"));
    }
    Ok(points)
}

/// The start of a long cell, for messages.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// The model's intermediate points (lat, lon) of a road from its (lon, lat) course: the two
/// ends are the places themselves.
fn inner_points(course: &[[f64; 2]]) -> Vec<(f64, f64)> {
    match course {
        [_, inner @ .., _] => inner.iter().map(|p| (p[1], p[0])).collect(),
        _ => Vec::new(),
    }
}

/// Reads both tables.
pub fn read_network(
    places_text: &str,
    places_file: &str,
    segments_text: &str,
    segments_file: &str,
) -> Result<NetworkTables, InputError> {
    let (places, place_sources) = read_places(places_text, places_file)?;
    let (segments, segment_sources) = read_segments(segments_text, segments_file, &places)?;
    Ok(NetworkTables {
        places,
        place_sources,
        segments,
        segment_sources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLACES: &str =
        "name,country,lat,lon,kind,population\nA,ML,12,-8,city,10\nB,ML,13,-8,town,\n";

    #[test]
    fn reads_places_and_segments() {
        let t = read_network(
            PLACES,
            "p.csv",
            "a,b,length_km,condition\nA,B,120,fair\n",
            "s.csv",
        )
        .expect("valid");
        assert_eq!(t.places.len(), 2);
        assert_eq!(t.segments[0].length, Km(120.0));
        assert_eq!(t.places[1].population, 0);
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let err = read_network(
            PLACES,
            "p.csv",
            "a,b,length_km,condition\nA,B,120,fair\nA,C,5,good\n",
            "s.csv",
        )
        .expect_err("unknown place");
        assert_eq!(
            (err.file.as_str(), err.line, err.field.as_str()),
            ("s.csv", 3, "b")
        );
        assert!(err.to_string().contains("unknown place `C`"), "{err}");

        let err = read_network(
            PLACES,
            "p.csv",
            "a,b,length_km,condition\nA,B,-3,fair\n",
            "s.csv",
        )
        .expect_err("negative");
        assert_eq!((err.line, err.field.as_str()), (2, "length_km"));

        let err = read_network(
            PLACES,
            "p.csv",
            "a,b,length_km,condition\nA,B,x,fair\n",
            "s.csv",
        )
        .expect_err("not a number");
        assert!(err.message.contains("expected a number"));

        let err =
            read_places("name,lat,lon,kind\nA,1,2,city\n", "p.csv").expect_err("missing column");
        assert_eq!((err.line, err.field.as_str()), (1, "country"));

        let err =
            read_places("name,country,lat,lon,kind\nA,ML,95,2,city\n", "p.csv").expect_err("lat");
        assert_eq!(err.field, "lat");

        let err = read_places("name,country,lat,lon,kind\nA,ML,5,2,village\n", "p.csv")
            .expect_err("kind");
        assert!(
            err.to_string().starts_with("p.csv:2: field `kind`"),
            "{err}"
        );
    }

    #[test]
    fn duplicated_road_is_refused_naming_both_lines() {
        let err = read_network(
            PLACES,
            "p.csv",
            "a,b,length_km,condition\nA,B,120,fair\nB,A,121,good\n",
            "s.csv",
        )
        .expect_err("duplicate");
        assert_eq!((err.line, err.field.as_str()), (3, "b"));
        assert!(err.message.contains("lines 2 and 3"), "{err}");
    }

    #[test]
    fn population_header_in_any_case_is_read_and_bounded() {
        let (places, _) = read_places(
            "Name,Country,Lat,Lon,Kind,Population\nA,ML,12,-8,city,2500000.0\n",
            "p.csv",
        )
        .expect("valid");
        assert_eq!(places[0].population, 2_500_000);
        let err = read_places(
            "name,country,lat,lon,kind,population\nA,ML,12,-8,city,18000000000000000000\n",
            "p.csv",
        )
        .expect_err("huge");
        assert_eq!((err.line, err.field.as_str()), (2, "population"));
        assert!(err.message.contains("at most 1000000000"), "{err}");
        let err = read_places("name,country,lat,lon,kind,populaton\n", "p.csv").expect_err("typo");
        assert!(err.message.contains("did you mean `population`"), "{err}");
    }

    #[test]
    fn unknown_place_in_segments_gets_a_suggestion() {
        let err = read_network(
            PLACES,
            "p.csv",
            "a,b,length_km,condition\nA,b,120,fair\n",
            "s.csv",
        )
        .expect_err("unknown");
        assert!(err.message.contains("did you mean `B`"), "{err}");
    }

    #[test]
    fn optional_columns_carry_pcodes_and_geometry() {
        let (places, sources) = read_places(
            "name,lat,lon,kind,country,admin1_pcode,admin2_pcode\nA,12,-8,city,MLI,ML07,ML0701\nB,13,-8,town,,,\nC,14,-8,town,,,\n",
            "p.csv",
        )
        .expect("valid");
        assert_eq!(places[0].country, "MLI");
        assert_eq!(sources[0].admin1_pcode, "ML07");
        assert_eq!(sources[0].admin2_pcode, "ML0701");
        assert_eq!(sources[1].admin2_pcode, "");
        let (_, seg_sources) = read_segments(
            "a,b,length_km,condition,geometry\nA,B,120,fair,\"LINESTRING (-8 12, -8.1 12.5, -8 13)\"\nB,C,5,good,\n",
            "s.csv",
            &places,
        )
        .expect("valid");
        assert_eq!(
            seg_sources[0].geometry,
            vec![[-8.0, 12.0], [-8.1, 12.5], [-8.0, 13.0]]
        );
        assert!(seg_sources[1].geometry.is_empty());
    }

    #[test]
    fn malformed_geometry_is_located() {
        let err = read_network(
            PLACES,
            "p.csv",
            "a,b,length_km,condition,geometry\nA,B,120,fair,LINESTRING (-8 12)\n",
            "s.csv",
        )
        .expect_err("one point");
        assert_eq!((err.line, err.field.as_str()), (2, "geometry"));
        assert!(err.message.contains("at least two points"), "{err}");
        let err = parse_wkt_linestring("POINT (1 2)").expect_err("not a line");
        assert!(err.contains("LINESTRING"), "{err}");
        let err = parse_wkt_linestring("LINESTRING (1 2, 3 x)").expect_err("not a number");
        assert!(err.contains("`3 x`"), "{err}");
    }
}
