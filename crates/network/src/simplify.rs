//! From a raw road network to the project's tables: places snapped to the nearest road node,
//! dead-end spurs without a place pruned, the main connected network kept, and chains of
//! degree-2 nodes contracted into segments between junctions and places, each keeping its
//! course as a polyline.

use crate::geo::{LonLat, NearestIndex, great_circle};
use crate::raw::{NodeIndex, RawNetwork};
use crate::report::ImportReport;
use crate::tables::{PlaceRow, SegmentRow, Tables};
use lifeline_model::network::PlaceKind;
use lifeline_model::units::Km;
use std::collections::{BTreeMap, HashMap, HashSet};

#[derive(Clone, Debug)]
pub struct SimplifyOptions {
    /// How far a place may be from the nearest road node to be joined to it.
    pub snap: Km,
    /// Keep every connected piece, not only the one with the most places.
    pub keep_all_components: bool,
    /// Keep dead-end roads that lead to no place.
    pub keep_spurs: bool,
}

impl Default for SimplifyOptions {
    fn default() -> Self {
        SimplifyOptions {
            snap: Km(5.0),
            keep_all_components: false,
            keep_spurs: false,
        }
    }
}

/// Segments shorter than this are the same point twice (duplicated nodes in the source).
const ZERO_LENGTH: Km = Km(0.001);

/// One piece of road between two consecutive nodes of a road.
#[derive(Clone, Copy)]
struct Edge {
    u: NodeIndex,
    v: NodeIndex,
    road: u32,
}

impl Edge {
    fn other(self, from: NodeIndex) -> NodeIndex {
        if self.u == from { self.v } else { self.u }
    }
}

/// Node → incident edges, in compressed rows.
struct Incidence {
    offsets: Vec<u32>,
    edges: Vec<u32>,
}

impl Incidence {
    fn new(node_count: usize, edges: &[Edge]) -> Incidence {
        let mut offsets = vec![0u32; node_count + 1];
        for e in edges {
            offsets[e.u as usize + 1] += 1;
            offsets[e.v as usize + 1] += 1;
        }
        for i in 0..node_count {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut list = vec![0u32; offsets[node_count] as usize];
        for (i, e) in edges.iter().enumerate() {
            for end in [e.u, e.v] {
                list[fill[end as usize] as usize] = i as u32;
                fill[end as usize] += 1;
            }
        }
        Incidence {
            offsets,
            edges: list,
        }
    }

    fn of(&self, node: NodeIndex) -> &[u32] {
        let n = node as usize;
        &self.edges[self.offsets[n] as usize..self.offsets[n + 1] as usize]
    }
}

/// Builds the tables and the report of what was kept and dropped.
pub fn simplify(raw: RawNetwork, options: &SimplifyOptions) -> (Tables, ImportReport) {
    let RawNetwork {
        nodes,
        roads,
        places,
        mut report,
    } = raw;
    let edges = road_edges(&roads);
    let incidence = Incidence::new(nodes.len(), &edges);
    let mut alive = vec![true; edges.len()];
    let mut anchors = snap_places(&nodes, &incidence, &places, options.snap, &mut report);
    if !options.keep_spurs {
        prune_spurs(
            &nodes,
            &edges,
            &incidence,
            &anchors,
            &mut alive,
            &mut report,
        );
    }
    if !options.keep_all_components {
        keep_main_component(
            &nodes,
            &edges,
            &incidence,
            &mut anchors,
            &mut alive,
            &places,
            &mut report,
        );
    }
    let keep = junctions(&roads, &edges, &incidence, &anchors, &alive);
    let chains = contract(&nodes, &edges, &incidence, &keep, &mut alive, &mut report);
    let tables = assemble(&nodes, &roads, &places, &anchors, chains, &mut report);
    (tables, report)
}

/// Consecutive node pairs of every road; a node repeated in a row is one node.
fn road_edges(roads: &[crate::raw::RawRoad]) -> Vec<Edge> {
    let mut edges = Vec::new();
    for (r, road) in roads.iter().enumerate() {
        for pair in road.nodes.windows(2) {
            if pair[0] != pair[1] {
                edges.push(Edge {
                    u: pair[0],
                    v: pair[1],
                    road: r as u32,
                });
            }
        }
    }
    edges
}

/// Place index at each anchored node. Places are taken in order of importance (ports and
/// borders, then by population), so that when two share a road node the more important stays.
fn snap_places(
    nodes: &[LonLat],
    incidence: &Incidence,
    places: &[PlaceRow],
    snap: Km,
    report: &mut ImportReport,
) -> HashMap<NodeIndex, usize> {
    let index = NearestIndex::new(nodes, |i| !incidence.of(i as NodeIndex).is_empty(), snap);
    let mut order: Vec<usize> = (0..places.len()).collect();
    order.sort_by_key(|&i| {
        (
            kind_rank(places[i].kind),
            std::cmp::Reverse(places[i].population),
            i,
        )
    });
    let mut anchors: HashMap<NodeIndex, usize> = HashMap::new();
    for i in order {
        match index.nearest(nodes, places[i].position, snap) {
            None => report.drop(
                format!("places farther than {} km from a kept road", snap.0),
                1,
            ),
            Some((node, _)) => {
                if let Some(&other) = anchors.get(&(node as NodeIndex)) {
                    report.drop(
                        "places sharing their nearest road node with a larger place",
                        1,
                    );
                    report.note(format!(
                        "`{}` dropped: its nearest road node is `{}`'s",
                        places[i].name, places[other].name
                    ));
                } else {
                    anchors.insert(node as NodeIndex, i);
                }
            }
        }
    }
    anchors
}

fn kind_rank(kind: PlaceKind) -> u8 {
    match kind {
        PlaceKind::Port => 0,
        PlaceKind::Border => 1,
        PlaceKind::Depot => 2,
        PlaceKind::Camp => 3,
        PlaceKind::City => 4,
        PlaceKind::Marshalling => 5,
        PlaceKind::Town => 6,
    }
}

/// Removes dead ends that lead to no place, repeatedly (a spur of many pieces goes whole).
fn prune_spurs(
    nodes: &[LonLat],
    edges: &[Edge],
    incidence: &Incidence,
    anchors: &HashMap<NodeIndex, usize>,
    alive: &mut [bool],
    report: &mut ImportReport,
) {
    let mut degree: Vec<u32> = (0..nodes.len())
        .map(|n| incidence.of(n as NodeIndex).len() as u32)
        .collect();
    let mut stack: Vec<NodeIndex> = (0..nodes.len() as NodeIndex)
        .filter(|n| degree[*n as usize] == 1 && !anchors.contains_key(n))
        .collect();
    let mut removed_km = 0.0;
    while let Some(n) = stack.pop() {
        let Some(&e) = incidence.of(n).iter().find(|&&e| alive[e as usize]) else {
            continue;
        };
        alive[e as usize] = false;
        let edge = edges[e as usize];
        removed_km += great_circle(nodes[edge.u as usize], nodes[edge.v as usize]).0;
        degree[n as usize] -= 1;
        let other = edge.other(n);
        degree[other as usize] -= 1;
        if degree[other as usize] == 1 && !anchors.contains_key(&other) {
            stack.push(other);
        }
    }
    if removed_km > 0.0 {
        report.drop(
            "km of dead-end road leading to no place",
            removed_km.round() as usize,
        );
    }
}

/// Keeps the connected piece with the most places (then the most road), drops the others.
fn keep_main_component(
    nodes: &[LonLat],
    edges: &[Edge],
    incidence: &Incidence,
    anchors: &mut HashMap<NodeIndex, usize>,
    alive: &mut [bool],
    places: &[PlaceRow],
    report: &mut ImportReport,
) {
    let component = components(nodes.len(), edges, incidence, alive);
    let count = component
        .iter()
        .filter_map(|c| *c)
        .max()
        .map_or(0, |m| m + 1) as usize;
    if count == 0 {
        return;
    }
    let mut size = vec![(0usize, 0usize); count];
    for (&node, _) in anchors.iter() {
        if let Some(c) = component[node as usize] {
            size[c as usize].0 += 1;
        }
    }
    for (e, edge) in edges.iter().enumerate() {
        if alive[e]
            && let Some(c) = component[edge.u as usize]
        {
            size[c as usize].1 += 1;
        }
    }
    let main = (0..count)
        .max_by_key(|&c| (size[c].0, size[c].1, std::cmp::Reverse(c)))
        .unwrap_or(0);
    for (e, edge) in edges.iter().enumerate() {
        if alive[e] && component[edge.u as usize] != Some(main as u32) {
            alive[e] = false;
        }
    }
    let mut lost: Vec<&str> = anchors
        .iter()
        .filter(|(node, _)| component[**node as usize] != Some(main as u32))
        .map(|(_, &p)| places[p].name.as_str())
        .collect();
    lost.sort_unstable();
    anchors.retain(|node, _| component[*node as usize] == Some(main as u32));
    report.drop("road pieces not connected to the main network", count - 1);
    report.drop(
        "places on roads not connected to the main network",
        lost.len(),
    );
    if !lost.is_empty() {
        report.note(format!(
            "not connected to the main network (use --keep-all-components to keep them): {}",
            lost.join("; ")
        ));
    }
}

/// Component number of each node that has a live edge (breadth-first search).
fn components(
    node_count: usize,
    edges: &[Edge],
    incidence: &Incidence,
    alive: &[bool],
) -> Vec<Option<u32>> {
    let mut component: Vec<Option<u32>> = vec![None; node_count];
    let mut next = 0u32;
    let mut queue = Vec::new();
    for start in 0..node_count as NodeIndex {
        let has_edge = incidence.of(start).iter().any(|&e| alive[e as usize]);
        if component[start as usize].is_some() || !has_edge {
            continue;
        }
        component[start as usize] = Some(next);
        queue.push(start);
        while let Some(n) = queue.pop() {
            for &e in incidence.of(n) {
                if !alive[e as usize] {
                    continue;
                }
                let other = edges[e as usize].other(n);
                if component[other as usize].is_none() {
                    component[other as usize] = Some(next);
                    queue.push(other);
                }
            }
        }
        next += 1;
    }
    component
}

/// The nodes that stay: places, junctions, dead ends, and points where the road's condition
/// or number changes (a segment has one condition).
fn junctions(
    roads: &[crate::raw::RawRoad],
    edges: &[Edge],
    incidence: &Incidence,
    anchors: &HashMap<NodeIndex, usize>,
    alive: &[bool],
) -> Vec<bool> {
    let node_count = incidence.offsets.len() - 1;
    (0..node_count as NodeIndex)
        .map(|n| {
            let live: Vec<u32> = incidence
                .of(n)
                .iter()
                .copied()
                .filter(|&e| alive[e as usize])
                .collect();
            match live.as_slice() {
                [] => false,
                [e1, e2] => {
                    let (r1, r2) = (
                        &roads[edges[*e1 as usize].road as usize],
                        &roads[edges[*e2 as usize].road as usize],
                    );
                    anchors.contains_key(&n) || r1.condition != r2.condition || r1.route != r2.route
                }
                _ => true,
            }
        })
        .collect()
}

/// A contracted chain: from a kept node to a kept node along degree-2 nodes.
struct Chain {
    from: NodeIndex,
    to: NodeIndex,
    road: u32,
    length: Km,
    points: Vec<LonLat>,
}

/// Walks every chain once from its kept ends; consumes `alive` as edges are used.
fn contract(
    nodes: &[LonLat],
    edges: &[Edge],
    incidence: &Incidence,
    keep: &[bool],
    alive: &mut [bool],
    report: &mut ImportReport,
) -> Vec<Chain> {
    let mut chains = Vec::new();
    for start in 0..keep.len() as NodeIndex {
        if !keep[start as usize] {
            continue;
        }
        for &first in incidence.of(start) {
            if !alive[first as usize] {
                continue;
            }
            let mut at = start;
            let mut edge = first;
            let mut points = vec![nodes[start as usize]];
            let mut length = 0.0;
            loop {
                alive[edge as usize] = false;
                let next = edges[edge as usize].other(at);
                length += great_circle(nodes[at as usize], nodes[next as usize]).0;
                points.push(nodes[next as usize]);
                at = next;
                if keep[at as usize] {
                    break;
                }
                match incidence.of(at).iter().find(|&&e| alive[e as usize]) {
                    Some(&e) => edge = e,
                    None => break,
                }
            }
            chains.push(Chain {
                from: start,
                to: at,
                road: edges[first as usize].road,
                length: Km(length),
                points,
            });
        }
    }
    let loops = alive.iter().filter(|a| **a).count();
    report.drop(
        "road pieces in closed loops with no junction or place",
        loops,
    );
    chains
}

/// Names and numbers the kept nodes and writes the rows.
fn assemble(
    nodes: &[LonLat],
    roads: &[crate::raw::RawRoad],
    places: &[PlaceRow],
    anchors: &HashMap<NodeIndex, usize>,
    chains: Vec<Chain>,
    report: &mut ImportReport,
) -> Tables {
    // Shortest chain per pair of ends; self-loops and zero lengths go.
    let mut best: BTreeMap<(NodeIndex, NodeIndex), Chain> = BTreeMap::new();
    for chain in chains {
        if chain.from == chain.to {
            report.drop("roads that loop back to the junction they left", 1);
            continue;
        }
        if chain.length.0 < ZERO_LENGTH.0 {
            report.drop("zero-length roads (the same point twice)", 1);
            continue;
        }
        let key = (chain.from.min(chain.to), chain.from.max(chain.to));
        match best.get(&key) {
            Some(kept) if kept.length.0 <= chain.length.0 => {
                report.drop(
                    "parallel roads between the same two places (the shortest kept)",
                    1,
                );
            }
            Some(_) => {
                report.drop(
                    "parallel roads between the same two places (the shortest kept)",
                    1,
                );
                best.insert(key, chain);
            }
            None => {
                best.insert(key, chain);
            }
        }
    }
    // Named places first (in their input order), then junctions in node order.
    let mut used: HashSet<NodeIndex> = HashSet::new();
    for chain in best.values() {
        used.insert(chain.from);
        used.insert(chain.to);
    }
    let mut named: Vec<(usize, NodeIndex)> = anchors.iter().map(|(&n, &p)| (p, n)).collect();
    named.sort_unstable();
    let mut junction_nodes: Vec<NodeIndex> = used
        .iter()
        .copied()
        .filter(|n| !anchors.contains_key(n))
        .collect();
    junction_nodes.sort_unstable();

    let mut names = UniqueNames::default();
    let mut row_of: HashMap<NodeIndex, usize> = HashMap::new();
    let mut rows = Vec::new();
    for (p, node) in named {
        let mut row = places[p].clone();
        let moved = great_circle(row.position, nodes[node as usize]);
        if moved.0 >= 0.05 {
            row.coord_source = format!(
                "{}; moved {:.1} km onto the nearest road",
                row.coord_source, moved.0
            );
        }
        row.position = nodes[node as usize];
        row.name = names.claim(&row.name, report);
        if !used.contains(&node) {
            report.note(format!(
                "`{}` is on no kept road (isolated place)",
                row.name
            ));
        }
        row_of.insert(node, rows.len());
        rows.push(row);
    }
    let named_count = rows.len();
    for node in junction_nodes {
        let at = nodes[node as usize];
        let name = names.claim(&format!("junction {:.5} {:.5}", at.lat, at.lon), report);
        row_of.insert(node, rows.len());
        rows.push(junction_row(name, at));
    }
    let mut segments = Vec::with_capacity(best.len());
    let mut total = 0.0;
    for chain in best.into_values() {
        let road = &roads[chain.road as usize];
        total += chain.length.0;
        segments.push(SegmentRow {
            a: row_of[&chain.from],
            b: row_of[&chain.to],
            length: chain.length,
            length_source: road.length_source.clone(),
            route: road.route.clone(),
            condition: road.condition,
            condition_source: road.condition_source.clone(),
            note: String::new(),
            geometry: chain.points,
        });
    }
    report.keep("named places", named_count);
    report.keep("junctions", rows.len() - named_count);
    report.keep("segments", segments.len());
    report.keep("road length", format!("{total:.0} km"));
    Tables {
        places: rows,
        segments,
    }
}

fn junction_row(name: String, at: LonLat) -> PlaceRow {
    PlaceRow {
        name,
        country: String::new(),
        admin1_pcode: String::new(),
        admin2_pcode: String::new(),
        position: at,
        kind: PlaceKind::Town,
        population: 0,
        coord_source: "road junction of the imported network".to_string(),
        population_source: "unknown".to_string(),
        note: "junction (no named place)".to_string(),
    }
}

/// Place names must be unique: a second `Kouri` becomes `Kouri (2)`.
#[derive(Default)]
struct UniqueNames {
    taken: HashMap<String, usize>,
}

impl UniqueNames {
    fn claim(&mut self, name: &str, report: &mut ImportReport) -> String {
        let count = self.taken.entry(name.to_string()).or_insert(0);
        *count += 1;
        if *count == 1 {
            return name.to_string();
        }
        let mut n = *count;
        loop {
            let candidate = format!("{name} ({n})");
            if !self.taken.contains_key(&candidate) {
                self.taken.insert(candidate.clone(), 1);
                report.note(format!("a second `{name}` was renamed `{candidate}`"));
                return candidate;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw::RawRoad;
    use lifeline_model::network::RoadCondition;

    fn road(nodes: &[u32], condition: RoadCondition, route: &str) -> RawRoad {
        RawRoad {
            nodes: nodes.to_vec(),
            condition,
            condition_source: "test".to_string(),
            route: route.to_string(),
            length_source: "test".to_string(),
        }
    }

    fn town(name: &str, lon: f64, lat: f64, population: u64) -> PlaceRow {
        PlaceRow {
            population,
            ..junction_row(name.to_string(), LonLat::new(lon, lat))
        }
    }

    /// A line of 5 nodes along the equator 0.1° apart (~11 km), a branch at node 2 going north
    /// with a dead end, a separate road far away, and places at both ends of the line.
    fn network() -> RawNetwork {
        let mut nodes: Vec<LonLat> = (0..5)
            .map(|i| LonLat::new(f64::from(i) * 0.1, 0.0))
            .collect();
        nodes.push(LonLat::new(0.2, 0.1)); // 5: north of node 2, dead end
        nodes.push(LonLat::new(5.0, 5.0)); // 6, 7: far away
        nodes.push(LonLat::new(5.1, 5.0));
        RawNetwork {
            nodes,
            roads: vec![
                road(&[0, 1, 2], RoadCondition::Fair, "RN1"),
                road(&[2, 3, 4], RoadCondition::Fair, "RN1"),
                road(&[2, 5], RoadCondition::Track, ""),
                road(&[6, 7], RoadCondition::Good, "X"),
            ],
            places: vec![
                town("West", 0.0, 0.01, 100),
                town("East", 0.4, -0.01, 50),
                town("Far", 5.0, 5.0, 10),
                town("Nowhere", 20.0, 20.0, 10),
            ],
            report: ImportReport::default(),
        }
    }

    #[test]
    fn chains_contract_to_one_segment_between_places() {
        let (tables, report) = simplify(network(), &SimplifyOptions::default());
        let names: Vec<&str> = tables.places.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["West", "East"]);
        assert_eq!(tables.segments.len(), 1);
        let s = &tables.segments[0];
        assert!((s.length.0 - 44.48).abs() < 0.05, "{:?}", s.length);
        assert_eq!(s.geometry.len(), 5);
        assert_eq!(s.route, "RN1");
        assert_eq!(tables.places[0].position, LonLat::new(0.0, 0.0));
        assert!(tables.places[0].coord_source.contains("moved 1.1 km"));
        assert_eq!(report.dropped_count("places farther than 5 km"), 1);
        assert_eq!(report.dropped_count("places on roads not connected"), 1);
        // The spur north of node 2 and the road beyond `Far`, 11 km each.
        assert_eq!(report.dropped_count("km of dead-end road"), 22);
    }

    #[test]
    fn spurs_and_components_stay_when_asked() {
        let options = SimplifyOptions {
            keep_all_components: true,
            keep_spurs: true,
            ..SimplifyOptions::default()
        };
        let (tables, _) = simplify(network(), &options);
        // West, East, Far, the junction at node 2 and the dead ends at nodes 5 and 7.
        assert_eq!(tables.places.len(), 6);
        assert_eq!(tables.segments.len(), 4);
        assert!(
            tables.places[3]
                .name
                .starts_with("junction 0.00000 0.20000")
        );
    }

    #[test]
    fn condition_changes_split_segments_and_shared_nodes_keep_the_larger_place() {
        let mut raw = network();
        raw.roads[1].condition = RoadCondition::Bad;
        raw.places.push(town("Small", 0.0, 0.0, 1));
        raw.places.push(town("Mid", 0.2, 0.0, 5));
        let (tables, report) = simplify(raw, &SimplifyOptions::default());
        assert_eq!(tables.segments.len(), 2);
        let conditions: Vec<RoadCondition> = tables.segments.iter().map(|s| s.condition).collect();
        assert!(
            conditions.contains(&RoadCondition::Fair) && conditions.contains(&RoadCondition::Bad)
        );
        assert_eq!(report.dropped_count("places sharing"), 1);
        assert!(report.notes.iter().any(|n| n.contains("`Small` dropped")));
    }
}
