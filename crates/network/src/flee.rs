//! Flee's geography (`locations.csv`, `routes.csv`; Flee and FabFlee: Groen et al., BSD-3) as
//! a Lifeline network: locations become places, routes become segments with their distance.
//! Flee's routes carry no road condition: every segment gets the one chosen, marked ASSUMPTION.

use crate::error::NetworkError;
use crate::geo::LonLat;
use crate::report::ImportReport;
use crate::tables::{PlaceRow, SegmentRow, Tables};
use lifeline_flee::input::{parse_locations, parse_routes};
use lifeline_model::network::{PlaceKind, RoadCondition};
use lifeline_model::units::Km;
use std::collections::{HashMap, HashSet};

/// Builds the tables from the two files' texts.
pub fn import_flee(
    locations: (&str, &str),
    routes: (&str, &str),
    condition: RoadCondition,
) -> Result<(Tables, ImportReport), NetworkError> {
    let (loc_text, loc_file) = locations;
    let (route_text, route_file) = routes;
    let rows = parse_locations(loc_file, loc_text)?;
    let links = parse_routes(route_file, route_text)?;
    let mut report = ImportReport::default();
    report
        .sources
        .push(format!("{loc_file}: {} locations", rows.len()));
    report
        .sources
        .push(format!("{route_file}: {} routes", links.len()));

    let mut places = Vec::with_capacity(rows.len());
    let mut index: HashMap<String, usize> = HashMap::new();
    for row in &rows {
        // Flee's column 4 is the latitude, column 5 the longitude.
        let at = LonLat::new(row.y, row.x);
        if !at.is_valid() {
            return Err(NetworkError::file(
                loc_file,
                format!(
                    "line {}: `{}` has latitude {} and longitude {}; expected WGS84 degrees",
                    row.line, row.name, row.x, row.y
                ),
            ));
        }
        if index.contains_key(&row.name) {
            report.drop("locations named twice (the first kept)", 1);
            continue;
        }
        let country = match iso3_of(&row.country) {
            Some(code) => code.to_string(),
            None => {
                if !row.country.is_empty() {
                    report.note(format!(
                        "country `{}` (line {}) has no known ISO3 code; kept as written",
                        row.country, row.line
                    ));
                }
                row.country.replace(',', ";")
            }
        };
        let population = u64::try_from(row.population).unwrap_or(0);
        index.insert(row.name.clone(), places.len());
        places.push(PlaceRow {
            name: row.name.replace(',', ";"),
            country,
            admin1_pcode: String::new(),
            admin2_pcode: String::new(),
            position: at,
            kind: flee_kind(&row.location_type, population),
            population,
            coord_source: format!("Flee {loc_file} line {}", row.line),
            population_source: if population > 0 {
                format!(
                    "Flee {loc_file} line {} (population; capacity for camps)",
                    row.line
                )
            } else {
                "unknown".to_string()
            },
            note: format!(
                "Flee location_type {}; region {}",
                row.location_type, row.region
            )
            .replace(',', ";"),
        });
    }

    let mut segments = Vec::with_capacity(links.len());
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    for link in &links {
        let end = |name: &str| {
            index.get(name).copied().ok_or_else(|| {
                NetworkError::file(
                    route_file,
                    format!(
                        "line {}: unknown location `{name}` (not in {loc_file}); fix the name or add the location",
                        link.line
                    ),
                )
            })
        };
        let (a, b) = (end(&link.from)?, end(&link.to)?);
        if a == b {
            report.drop("routes from a location to itself", 1);
            continue;
        }
        if link.distance <= 0.0 {
            report.drop("routes of zero length", 1);
            report.note(format!(
                "{route_file} line {}: {} – {} has distance {}",
                link.line, link.from, link.to, link.distance
            ));
            continue;
        }
        if !seen.insert((a.min(b), a.max(b))) {
            report.drop("routes listed twice (the first kept)", 1);
            continue;
        }
        let note = match link.forced_redirection {
            0 => String::new(),
            n => format!("Flee forced_redirection {n}"),
        };
        segments.push(SegmentRow {
            a,
            b,
            length: Km(link.distance),
            length_source: format!("Flee {route_file} line {}", link.line),
            route: String::new(),
            condition,
            condition_source:
                "ASSUMPTION: Flee routes carry no road condition; the import's --condition"
                    .to_string(),
            note,
            geometry: vec![places[a].position, places[b].position],
        });
    }
    report.keep("places", places.len());
    report.keep("segments", segments.len());
    Ok((Tables { places, segments }, report))
}

/// Flee's location types as place kinds; towns of 100,000 people or more are cities.
fn flee_kind(location_type: &str, population: u64) -> PlaceKind {
    match location_type.trim() {
        "camp" => PlaceKind::Camp,
        _ if population >= 100_000 => PlaceKind::City,
        _ => PlaceKind::Town,
    }
}

/// ISO 3166-1 alpha-3 codes of the countries Flee's cases and their neighbours use, by the
/// English names found in `locations.csv`; a code is kept as it is.
pub fn iso3_of(country: &str) -> Option<&'static str> {
    const CODES: &[(&str, &str)] = &[
        ("Afghanistan", "AFG"),
        ("Algeria", "DZA"),
        ("Angola", "AGO"),
        ("Benin", "BEN"),
        ("Burkina Faso", "BFA"),
        ("Burundi", "BDI"),
        ("Cameroon", "CMR"),
        ("Central African Republic", "CAF"),
        ("CAR", "CAF"),
        ("Chad", "TCD"),
        ("Congo", "COG"),
        ("Cote d'Ivoire", "CIV"),
        ("Côte d'Ivoire", "CIV"),
        ("Ivory Coast", "CIV"),
        ("Democratic Republic of the Congo", "COD"),
        ("DRC", "COD"),
        ("DRCongo", "COD"),
        ("Djibouti", "DJI"),
        ("Egypt", "EGY"),
        ("Eritrea", "ERI"),
        ("Ethiopia", "ETH"),
        ("Gabon", "GAB"),
        ("Gambia", "GMB"),
        ("Ghana", "GHA"),
        ("Guinea", "GIN"),
        ("Guinea-Bissau", "GNB"),
        ("Iran", "IRN"),
        ("Iraq", "IRQ"),
        ("Jordan", "JOR"),
        ("Kenya", "KEN"),
        ("Lebanon", "LBN"),
        ("Liberia", "LBR"),
        ("Libya", "LBY"),
        ("Malawi", "MWI"),
        ("Mali", "MLI"),
        ("Mauritania", "MRT"),
        ("Moldova", "MDA"),
        ("Morocco", "MAR"),
        ("Mozambique", "MOZ"),
        ("Myanmar", "MMR"),
        ("Bangladesh", "BGD"),
        ("Niger", "NER"),
        ("Nigeria", "NGA"),
        ("Pakistan", "PAK"),
        ("Poland", "POL"),
        ("Romania", "ROU"),
        ("Rwanda", "RWA"),
        ("Senegal", "SEN"),
        ("Sierra Leone", "SLE"),
        ("Somalia", "SOM"),
        ("South Sudan", "SSD"),
        ("SouthSudan", "SSD"),
        ("Sudan", "SDN"),
        ("Syria", "SYR"),
        ("Tanzania", "TZA"),
        ("Togo", "TGO"),
        ("Tunisia", "TUN"),
        ("Turkey", "TUR"),
        ("Türkiye", "TUR"),
        ("Uganda", "UGA"),
        ("Ukraine", "UKR"),
        ("Hungary", "HUN"),
        ("Slovakia", "SVK"),
        ("Belarus", "BLR"),
        ("Russia", "RUS"),
        ("Yemen", "YEM"),
        ("Zambia", "ZMB"),
        ("Zimbabwe", "ZWE"),
        ("Venezuela", "VEN"),
        ("Colombia", "COL"),
        ("Brazil", "BRA"),
    ];
    let spaced = country.trim().replace('_', " ");
    let wanted = spaced.as_str();
    if wanted.len() == 3 && wanted.chars().all(|c| c.is_ascii_uppercase()) {
        return CODES
            .iter()
            .map(|(_, code)| *code)
            .find(|code| *code == wanted);
    }
    CODES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
        .map(|(_, code)| *code)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCATIONS: &str = "#name,region,country,latitude,longitude,location_type,conflict_date,population\nGao,Gao,Mali,16.27,-0.04,conflict_zone,0,120000\nMbera,Hodh,Mauritania,15.63,-5.75,camp,,0\nX,R,Atlantis,1,1,town,,\n";

    #[test]
    fn locations_and_routes_become_places_and_segments() {
        let routes = "#name1,name2,distance,forced_redirection\nGao,Mbera,900,0\nMbera,Gao,901,0\nGao,X,0,0\n";
        let (tables, report) = import_flee(
            (LOCATIONS, "locations.csv"),
            (routes, "routes.csv"),
            RoadCondition::Bad,
        )
        .expect("valid");
        assert_eq!(tables.places[0].country, "MLI");
        assert_eq!(tables.places[0].kind, PlaceKind::City);
        assert_eq!(tables.places[1].kind, PlaceKind::Camp);
        assert_eq!(tables.places[1].position, LonLat::new(-5.75, 15.63));
        assert_eq!(tables.segments.len(), 1);
        assert_eq!(tables.segments[0].length, Km(900.0));
        assert_eq!(report.dropped_count("routes listed twice"), 1);
        assert_eq!(report.dropped_count("routes of zero length"), 1);
        assert!(report.notes.iter().any(|n| n.contains("`Atlantis`")));
    }

    #[test]
    fn unknown_locations_in_routes_are_named() {
        let err = import_flee(
            (LOCATIONS, "locations.csv"),
            ("#name1,name2,distance\nGao,Timbuktu,400\n", "routes.csv"),
            RoadCondition::Fair,
        )
        .expect_err("unknown");
        assert_eq!(
            err.to_string(),
            "routes.csv: line 2: unknown location `Timbuktu` (not in locations.csv); fix the name or add the location"
        );
        assert_eq!(iso3_of("burkina faso"), Some("BFA"));
        assert_eq!(iso3_of("MLI"), Some("MLI"));
        assert_eq!(iso3_of("Burkina_Faso"), Some("BFA"));
    }
}
