//! GeoJSON inputs: road lines (a national roads dataset, an export from QGIS) and populated
//! places as points (a gazetteer, an HDX populated-places layer with P-codes). Property names
//! differ between datasets: each field is looked up under a list of usual names,
//! case-insensitively, and the command line can name the property instead.

use crate::error::NetworkError;
use crate::geo::LonLat;
use crate::raw::{NodeInterner, RawNetwork, RawRoad};
use crate::road::{RoadClass, Surface, condition_for, condition_source};
use crate::tables::PlaceRow;
use geojson::{Feature, GeoJson, JsonObject, Value};
use lifeline_model::network::PlaceKind;

/// Property names tried, in order, for each field.
#[derive(Clone, Debug)]
pub struct PropertyNames {
    pub class: Vec<String>,
    pub surface: Vec<String>,
    pub route: Vec<String>,
    pub name: Vec<String>,
    pub population: Vec<String>,
    pub kind: Vec<String>,
    pub country: Vec<String>,
    pub admin1_pcode: Vec<String>,
    pub admin2_pcode: Vec<String>,
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

impl Default for PropertyNames {
    fn default() -> Self {
        PropertyNames {
            class: names(&["highway", "class", "road_class", "fclass", "type"]),
            surface: names(&["surface", "surface_type", "pavement"]),
            route: names(&["ref", "route", "road_number", "name"]),
            name: names(&["name", "name_en", "featurename", "place_name"]),
            population: names(&["population", "pop", "pop_total"]),
            kind: names(&["place", "kind", "place_type", "type"]),
            country: names(&["country", "iso3", "adm0_iso3", "country_code"]),
            admin1_pcode: names(&["admin1_pcode", "adm1_pcode", "admin1pcode"]),
            admin2_pcode: names(&["admin2_pcode", "adm2_pcode", "admin2pcode"]),
        }
    }
}

/// What a GeoJSON file holds, judged from its geometries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeoJsonContent {
    Lines,
    Points,
}

/// Parses a GeoJSON file into its features.
fn features(text: &str, file: &str) -> Result<Vec<Feature>, NetworkError> {
    let parsed: GeoJson = text.parse().map_err(|e| {
        NetworkError::file(
            file,
            format!("not valid GeoJSON: {e} (expected a FeatureCollection)"),
        )
    })?;
    Ok(match parsed {
        GeoJson::FeatureCollection(c) => c.features,
        GeoJson::Feature(f) => vec![f],
        GeoJson::Geometry(_) => {
            return Err(NetworkError::file(
                file,
                "a bare geometry has no properties; expected a FeatureCollection of roads or places",
            ));
        }
    })
}

/// Whether the file holds road lines or place points (the more numerous wins).
pub fn content_of(text: &str, file: &str) -> Result<GeoJsonContent, NetworkError> {
    let (mut lines, mut points) = (0usize, 0usize);
    for f in features(text, file)? {
        match f.geometry.map(|g| g.value) {
            Some(Value::LineString(_) | Value::MultiLineString(_)) => lines += 1,
            Some(Value::Point(_)) => points += 1,
            _ => {}
        }
    }
    match (lines, points) {
        (0, 0) => Err(NetworkError::file(
            file,
            "no LineString or Point feature: expected road lines or place points",
        )),
        (l, p) if l >= p => Ok(GeoJsonContent::Lines),
        _ => Ok(GeoJsonContent::Points),
    }
}

/// A property's text under the first of `names` present (case-insensitive); numbers as text.
fn property(props: Option<&JsonObject>, names: &[String]) -> Option<String> {
    let props = props?;
    names.iter().find_map(|wanted| {
        props
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(wanted))
            .and_then(|(_, value)| match value {
                serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
    })
}

fn position(coords: &[f64], file: &str, feature: usize) -> Result<LonLat, NetworkError> {
    let at = match coords {
        [lon, lat, ..] => LonLat::new(*lon, *lat),
        _ => LonLat::new(f64::NAN, f64::NAN),
    };
    if at.is_valid() {
        Ok(at)
    } else {
        Err(NetworkError::Feature {
            file: file.to_string(),
            feature,
            field: "geometry".to_string(),
            message: format!(
                "expected [longitude, latitude] in WGS84 degrees, found {coords:?} (reproject the layer to EPSG:4326)"
            ),
        })
    }
}

/// Adds the road lines of `text` whose class is among `classes`.
pub fn read_roads(
    text: &str,
    file: &str,
    classes: &[RoadClass],
    props: &PropertyNames,
    raw: &mut RawNetwork,
) -> Result<(), NetworkError> {
    let mut interner = NodeInterner::default();
    let mut kept = 0;
    let all = features(text, file)?;
    let total = all.len();
    for (i, f) in all.into_iter().enumerate() {
        let number = i + 1;
        let lines: Vec<Vec<Vec<f64>>> = match f.geometry.map(|g| g.value) {
            Some(Value::LineString(line)) => vec![line],
            Some(Value::MultiLineString(lines)) => lines,
            _ => {
                raw.report
                    .drop("GeoJSON features that are not lines (in a roads file)", 1);
                continue;
            }
        };
        let p = f.properties.as_ref();
        let class_text = property(p, &props.class).unwrap_or_default();
        let class = match RoadClass::parse(&class_text) {
            Some(c) if classes.contains(&c) => c,
            Some(_) => {
                raw.report.drop("GeoJSON roads of classes not chosen", 1);
                continue;
            }
            None => {
                raw.report.drop(
                    format!(
                        "GeoJSON roads with no known class (property {} = `{class_text}`)",
                        props.class.join("/")
                    ),
                    1,
                );
                continue;
            }
        };
        let surface = property(p, &props.surface).unwrap_or_default();
        let condition = condition_for(class, Surface::parse(&surface));
        let source = condition_source(file, class, &surface);
        let route = property(p, &props.route)
            .unwrap_or_default()
            .replace(',', ";");
        for line in lines {
            let mut nodes = Vec::with_capacity(line.len());
            for coords in &line {
                let at = position(coords, file, number)?;
                nodes.push(interner.node(&mut raw.nodes, at));
            }
            if nodes.len() < 2 {
                raw.report
                    .drop("GeoJSON lines with fewer than two points", 1);
                continue;
            }
            raw.roads.push(RawRoad {
                nodes,
                condition,
                condition_source: source.clone(),
                route: route.clone(),
                length_source: format!("{file} feature {number} geometry"),
            });
        }
        kept += 1;
    }
    raw.report
        .sources
        .push(format!("{file}: {kept} of {total} road features"));
    Ok(())
}

/// Adds the named points of `text` as places.
pub fn read_places(
    text: &str,
    file: &str,
    props: &PropertyNames,
    default_country: &str,
    raw: &mut RawNetwork,
) -> Result<(), NetworkError> {
    let all = features(text, file)?;
    let total = all.len();
    let mut kept = 0;
    for (i, f) in all.into_iter().enumerate() {
        let number = i + 1;
        let Some(Value::Point(coords)) = f.geometry.map(|g| g.value) else {
            raw.report
                .drop("GeoJSON features that are not points (in a places file)", 1);
            continue;
        };
        let at = position(&coords, file, number)?;
        let p = f.properties.as_ref();
        let Some(name) = property(p, &props.name) else {
            raw.report.drop("GeoJSON places without a name", 1);
            continue;
        };
        let population = match property(p, &props.population) {
            None => None,
            Some(text) => Some(parse_count(&text).ok_or_else(|| NetworkError::Feature {
                file: file.to_string(),
                feature: number,
                field: props.population.join("/"),
                message: format!("expected a whole number of people, found `{text}`"),
            })?),
        };
        let kind_text = property(p, &props.kind).unwrap_or_default();
        raw.places.push(PlaceRow {
            name: name.replace(',', ";"),
            country: property(p, &props.country).unwrap_or_else(|| default_country.to_string()),
            admin1_pcode: property(p, &props.admin1_pcode).unwrap_or_default(),
            admin2_pcode: property(p, &props.admin2_pcode).unwrap_or_default(),
            position: at,
            kind: place_kind(&kind_text, population.unwrap_or(0)),
            population: population.unwrap_or(0),
            coord_source: format!("{file} feature {number}"),
            population_source: match population {
                Some(_) => format!("{file} feature {number}"),
                None => "unknown".to_string(),
            },
            note: kind_text.replace(',', ";"),
        });
        kept += 1;
    }
    raw.report
        .sources
        .push(format!("{file}: {kept} of {total} place features"));
    Ok(())
}

/// Integers, also written as `1234.0` (spreadsheet exports).
fn parse_count(text: &str) -> Option<u64> {
    text.parse::<u64>().ok().or_else(|| {
        text.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0 && x.fract() == 0.0)
            .map(|x| x as u64)
    })
}

/// The place kind from a kind word; without one, places of 100,000 people or more are cities.
pub(crate) fn place_kind(text: &str, population: u64) -> PlaceKind {
    let lower = text.trim().to_ascii_lowercase();
    if let Some(kind) = PlaceKind::parse(&lower) {
        return kind;
    }
    match lower.as_str() {
        "capital" | "national_capital" => PlaceKind::City,
        "village" | "hamlet" => PlaceKind::Town,
        "border_control" | "border_crossing" | "crossing" => PlaceKind::Border,
        "seaport" | "harbour" | "harbor" => PlaceKind::Port,
        "refugee_camp" => PlaceKind::Camp,
        _ if population >= 100_000 => PlaceKind::City,
        _ => PlaceKind::Town,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROADS: &str = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"CLASS":"primary","surface":"paved","ref":"N1"},
       "geometry":{"type":"LineString","coordinates":[[0,0],[0.1,0],[0.2,0]]}},
      {"type":"Feature","properties":{"class":"primary"},
       "geometry":{"type":"LineString","coordinates":[[0.2,0],[0.2,0.1]]}},
      {"type":"Feature","properties":{"class":"footway"},
       "geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}},
      {"type":"Feature","properties":{"class":"tertiary"},
       "geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}
    ]}"#;

    #[test]
    fn roads_join_at_shared_coordinates_and_classes_filter() {
        let mut raw = RawNetwork::default();
        read_roads(
            ROADS,
            "roads.geojson",
            &RoadClass::DEFAULT,
            &PropertyNames::default(),
            &mut raw,
        )
        .expect("valid");
        assert_eq!(raw.roads.len(), 2);
        assert_eq!(raw.nodes.len(), 4, "the point [0.2, 0] is one node");
        assert_eq!(raw.roads[0].route, "N1");
        assert_eq!(
            raw.report
                .dropped_count("GeoJSON roads of classes not chosen"),
            1
        );
        assert_eq!(
            raw.report
                .dropped_count("GeoJSON roads with no known class"),
            1
        );
        assert_eq!(
            content_of(ROADS, "roads.geojson").ok(),
            Some(GeoJsonContent::Lines)
        );
    }

    #[test]
    fn places_carry_codes_and_bad_values_are_located() {
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"name":"A","population":120000,"ADM1_PCODE":"ML07"},
           "geometry":{"type":"Point","coordinates":[-8,12]}},
          {"type":"Feature","properties":{"name":"B","population":"many"},
           "geometry":{"type":"Point","coordinates":[-8,12]}}
        ]}"#;
        let mut raw = RawNetwork::default();
        let err = read_places(
            text,
            "places.geojson",
            &PropertyNames::default(),
            "MLI",
            &mut raw,
        )
        .expect_err("population");
        assert_eq!(
            err.to_string(),
            "places.geojson: feature 2: field `population/pop/pop_total`: expected a whole number of people, found `many`"
        );
        assert_eq!(raw.places[0].admin1_pcode, "ML07");
        assert_eq!(raw.places[0].kind, PlaceKind::City);
        assert_eq!(raw.places[0].country, "MLI");
        let err = read_places(
            "{\"type\": 3",
            "x.geojson",
            &PropertyNames::default(),
            "",
            &mut raw,
        )
        .expect_err("not JSON");
        assert!(
            err.to_string().starts_with("x.geojson: not valid GeoJSON"),
            "{err}"
        );
        let projected = r#"{"type":"Feature","properties":{"name":"A"},"geometry":{"type":"Point","coordinates":[500000,1300000]}}"#;
        let err = read_places(
            projected,
            "p.geojson",
            &PropertyNames::default(),
            "",
            &mut raw,
        )
        .expect_err("projected");
        assert!(err.to_string().contains("EPSG:4326"), "{err}");
    }
}
