//! OpenStreetMap extracts (`.osm.pbf`, data © OpenStreetMap contributors, ODbL): roads of the
//! chosen `highway=*` classes with their `surface`, towns from `place=city|town|village`
//! nodes (with `population` where tagged) and border posts from `barrier=border_control`.
//!
//! Two parallel passes over the file (the `osmpbf` crate decodes blocks on all cores): the
//! first keeps the roads and places, the second the positions of the roads' nodes only, so
//! that a country extract never holds all its nodes in memory.

use crate::error::NetworkError;
use crate::geo::LonLat;
use crate::raw::{NodeIndex, RawNetwork, RawRoad};
use crate::road::{RoadClass, Surface, condition_for, condition_source};
use crate::tables::PlaceRow;
use lifeline_model::network::PlaceKind;
use osmpbf::{Element, ElementReader};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

#[derive(Clone, Debug)]
pub struct OsmOptions {
    pub classes: Vec<RoadClass>,
    /// ISO3 code given to every place (an extract is usually one country).
    pub country: String,
}

/// A kept way before its nodes have positions.
struct OsmWay {
    id: i64,
    refs: Vec<i64>,
    class: RoadClass,
    surface: String,
    route: String,
}

struct OsmPlace {
    id: i64,
    at: LonLat,
    name: String,
    kind: PlaceKind,
    osm_place: String,
    population: Option<u64>,
}

/// What one block (or the whole file) yielded in the first pass.
#[derive(Default)]
struct FirstPass {
    ways: Vec<OsmWay>,
    places: Vec<OsmPlace>,
    dropped: BTreeMap<String, usize>,
}

impl FirstPass {
    fn merge(mut self, other: FirstPass) -> FirstPass {
        self.ways.extend(other.ways);
        self.places.extend(other.places);
        for (reason, n) in other.dropped {
            *self.dropped.entry(reason).or_default() += n;
        }
        self
    }

    fn dropped(reason: String) -> FirstPass {
        let mut pass = FirstPass::default();
        pass.dropped.insert(reason, 1);
        pass
    }
}

/// Reads the roads and places of an extract.
pub fn read_osm_pbf(path: &Path, options: &OsmOptions) -> Result<RawNetwork, NetworkError> {
    let pbf_error = |e: osmpbf::Error| NetworkError::Pbf {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    std::fs::metadata(path).map_err(|source| NetworkError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let first = ElementReader::from_path(path)
        .map_err(pbf_error)?
        .par_map_reduce(
            |element| first_pass(&element, &options.classes),
            FirstPass::default,
            FirstPass::merge,
        )
        .map_err(pbf_error)?;
    let FirstPass {
        mut ways,
        mut places,
        dropped,
    } = first;
    // Blocks arrive in any order: sort by id so that the same file gives the same tables.
    ways.sort_unstable_by_key(|w| w.id);
    places.sort_unstable_by_key(|p| p.id);

    let needed: HashSet<i64> = ways.iter().flat_map(|w| w.refs.iter().copied()).collect();
    let mut positions: Vec<(i64, LonLat)> = ElementReader::from_path(path)
        .map_err(pbf_error)?
        .par_map_reduce(
            |element| match node_position(&element) {
                Some((id, at)) if needed.contains(&id) => vec![(id, at)],
                _ => Vec::new(),
            },
            Vec::new,
            |mut a, b| {
                a.extend(b);
                a
            },
        )
        .map_err(pbf_error)?;
    positions.sort_unstable_by_key(|(id, _)| *id);

    let mut raw = RawNetwork::default();
    let file = path.display().to_string();
    raw.report.sources.push(format!(
        "{file}: {} ways of class {}, {} places",
        ways.len(),
        class_list(&options.classes),
        places.len()
    ));
    for (reason, n) in dropped {
        raw.report.drop(reason, n);
    }
    let mut index_of: HashMap<i64, NodeIndex> = HashMap::with_capacity(positions.len());
    for (id, at) in positions {
        index_of.insert(id, raw.nodes.len() as NodeIndex);
        raw.nodes.push(at);
    }
    for way in ways {
        add_way(&mut raw, &index_of, way);
    }
    raw.places = places
        .into_iter()
        .map(|p| place_row(p, &options.country))
        .collect();
    Ok(raw)
}

fn class_list(classes: &[RoadClass]) -> String {
    let names: Vec<&str> = classes.iter().map(|c| c.as_str()).collect();
    names.join("+")
}

fn first_pass(element: &Element, classes: &[RoadClass]) -> FirstPass {
    match element {
        Element::Way(way) => {
            let tags: Vec<(&str, &str)> = way.tags().collect();
            let tag = |key: &str| tags.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
            let Some(highway) = tag("highway") else {
                return FirstPass::default();
            };
            let class = match RoadClass::parse(highway) {
                Some(class) if classes.contains(&class) => class,
                _ => return FirstPass::dropped("highway ways of classes not chosen".to_string()),
            };
            if tag("area") == Some("yes") {
                return FirstPass::dropped("highway areas (area=yes)".to_string());
            }
            let route = tag("ref").or(tag("name")).unwrap_or("");
            let mut pass = FirstPass::default();
            pass.ways.push(OsmWay {
                id: way.id(),
                refs: way.refs().collect(),
                class,
                surface: tag("surface").unwrap_or("").to_string(),
                route: route.replace(',', ";"),
            });
            pass
        }
        Element::Node(node) => place_pass(node.id(), node_position(element), node.tags()),
        Element::DenseNode(node) => place_pass(node.id(), node_position(element), node.tags()),
        Element::Relation(_) => FirstPass::default(),
    }
}

fn node_position(element: &Element) -> Option<(i64, LonLat)> {
    match element {
        Element::Node(n) => Some((n.id(), LonLat::new(n.lon(), n.lat()))),
        Element::DenseNode(n) => Some((n.id(), LonLat::new(n.lon(), n.lat()))),
        _ => None,
    }
}

/// A node is a place when it is a city, town or village, or a border post, and has a name.
fn place_pass<'a>(
    id: i64,
    position: Option<(i64, LonLat)>,
    tags: impl Iterator<Item = (&'a str, &'a str)>,
) -> FirstPass {
    let (mut place, mut barrier, mut name, mut population) = (None, None, None, None);
    for (key, value) in tags {
        match key {
            "place" => place = Some(value),
            "barrier" => barrier = Some(value),
            "name" => name = Some(value),
            "population" => population = Some(value),
            _ => {}
        }
    }
    let kind = match (place, barrier) {
        (Some("city"), _) => PlaceKind::City,
        (Some("town" | "village"), _) => PlaceKind::Town,
        (_, Some("border_control")) => PlaceKind::Border,
        _ => return FirstPass::default(),
    };
    let Some((_, at)) = position else {
        return FirstPass::default();
    };
    let Some(name) = name.filter(|n| !n.trim().is_empty()) else {
        return FirstPass::dropped("place nodes without a name".to_string());
    };
    let mut pass = FirstPass::default();
    pass.places.push(OsmPlace {
        id,
        at,
        name: clean_text(name),
        kind,
        osm_place: place.unwrap_or("border_control").to_string(),
        population: population.and_then(parse_population),
    });
    pass
}

/// `population=12 500` and `12,500` are 12500; text that is not a number is unknown.
fn parse_population(text: &str) -> Option<u64> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | ',' | '.' | '\u{a0}' | '\''))
        .collect();
    digits.parse().ok()
}

/// Names travel in CSV cells: commas become `;` (the project's tables keep them comma-free).
fn clean_text(text: &str) -> String {
    text.trim().replace(',', ";").replace(['\n', '\r'], " ")
}

/// Adds a way as one road per run of nodes present in the extract (a way cut by the extract's
/// boundary continues outside it).
fn add_way(raw: &mut RawNetwork, index_of: &HashMap<i64, NodeIndex>, way: OsmWay) {
    let condition = condition_for(way.class, Surface::parse(&way.surface));
    let source = condition_source("OSM highway", way.class, &way.surface);
    let mut runs: Vec<Vec<NodeIndex>> = vec![Vec::new()];
    let mut missing = 0;
    for r in &way.refs {
        match index_of.get(r) {
            Some(&n) => runs.last_mut().map_or((), |run| run.push(n)),
            None => {
                missing += 1;
                runs.push(Vec::new());
            }
        }
    }
    raw.report
        .drop("way nodes outside the extract (ways cut there)", missing);
    for nodes in runs.into_iter().filter(|run| run.len() >= 2) {
        raw.roads.push(RawRoad {
            nodes,
            condition,
            condition_source: source.clone(),
            route: way.route.clone(),
            length_source: format!("OSM way {} geometry (ODbL)", way.id),
        });
    }
}

fn place_row(p: OsmPlace, country: &str) -> PlaceRow {
    PlaceRow {
        name: p.name,
        country: country.to_string(),
        admin1_pcode: String::new(),
        admin2_pcode: String::new(),
        position: p.at,
        kind: p.kind,
        population: p.population.unwrap_or(0),
        coord_source: format!("OSM node {} (ODbL)", p.id),
        population_source: if p.population.is_some() {
            format!("OSM node {} population tag (ODbL)", p.id)
        } else {
            "unknown".to_string()
        },
        note: format!("OSM {}", p.osm_place),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn populations_parse_with_separators() {
        assert_eq!(parse_population("12 500"), Some(12500));
        assert_eq!(parse_population("12,500"), Some(12500));
        assert_eq!(parse_population("about 3000"), None);
    }
}
