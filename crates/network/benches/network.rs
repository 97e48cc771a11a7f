//! A country-size synthetic network: a 225 × 225 grid of junctions 0.05° apart (≈ 5.5 km),
//! each grid edge a road of three points (so simplification has chains to contract), a town
//! at every 10th junction in each direction. After simplification: 50,625 places and 100,800
//! segments. Measures the GeoJSON import (parse + simplify), simplification alone, and
//! routing 100 corridors between towns across the grid, with the import's router and with the
//! model's `Network::fastest_path` (what `lifeline run` routes corridors with).

use criterion::{Criterion, criterion_group, criterion_main};
use lifeline_model::ids::{PlaceId, SegmentId};
use lifeline_model::network::{Network, Place, PlaceKind, RoadCondition, Segment, SpeedTable};
use lifeline_model::units::{Km, KmPerDay};
use lifeline_network::geo::LonLat;
use lifeline_network::geojson_in::{PropertyNames, read_roads};
use lifeline_network::raw::{RawNetwork, RawRoad};
use lifeline_network::road::RoadClass;
use lifeline_network::route::RoadGraph;
use lifeline_network::simplify::{SimplifyOptions, simplify};
use lifeline_network::tables::{PlaceRow, Tables};
use std::fmt::Write as _;
use std::hint::black_box;

const SIDE: usize = 225;
const STEP: f64 = 0.05;

fn junction(i: usize, j: usize) -> LonLat {
    LonLat::new(-12.0 + i as f64 * STEP, 10.0 + j as f64 * STEP)
}

/// Grid edges as (start, middle, end) points; the middle is nudged so roads are not straight.
fn grid_roads() -> Vec<[LonLat; 3]> {
    let mut roads = Vec::with_capacity(2 * SIDE * (SIDE - 1));
    for i in 0..SIDE {
        for j in 0..SIDE {
            let a = junction(i, j);
            for (di, dj) in [(1, 0), (0, 1)] {
                if i + di < SIDE && j + dj < SIDE {
                    let b = junction(i + di, j + dj);
                    let mid = LonLat::new(
                        (a.lon + b.lon) / 2.0 + 0.004 * dj as f64,
                        (a.lat + b.lat) / 2.0 + 0.004 * di as f64,
                    );
                    roads.push([a, mid, b]);
                }
            }
        }
    }
    roads
}

fn towns() -> Vec<PlaceRow> {
    let mut places = Vec::new();
    for i in (0..SIDE).step_by(10) {
        for j in (0..SIDE).step_by(10) {
            let at = junction(i, j);
            places.push(PlaceRow {
                name: format!("Town {i}-{j}"),
                country: "XXX".to_string(),
                admin1_pcode: String::new(),
                admin2_pcode: String::new(),
                position: LonLat::new(at.lon + 0.002, at.lat + 0.002),
                kind: PlaceKind::Town,
                population: (i * SIDE + j) as u64,
                coord_source: "synthetic".to_string(),
                population_source: "synthetic".to_string(),
                note: String::new(),
            });
        }
    }
    places
}

fn grid_geojson(roads: &[[LonLat; 3]]) -> String {
    let mut text = String::from("{\"type\":\"FeatureCollection\",\"features\":[");
    for (k, [a, m, b]) in roads.iter().enumerate() {
        if k > 0 {
            text.push(',');
        }
        let class = if k % 3 == 0 { "trunk" } else { "primary" };
        let _ = write!(
            text,
            "{{\"type\":\"Feature\",\"properties\":{{\"highway\":\"{class}\",\"surface\":\"asphalt\"}},\"geometry\":{{\"type\":\"LineString\",\"coordinates\":[[{},{}],[{},{}],[{},{}]]}}}}",
            a.lon, a.lat, m.lon, m.lat, b.lon, b.lat
        );
    }
    text.push_str("]}");
    text
}

fn grid_raw(roads: &[[LonLat; 3]]) -> RawNetwork {
    let mut raw = RawNetwork::default();
    let mut interner = lifeline_network::raw::NodeInterner::default();
    for (k, points) in roads.iter().enumerate() {
        let nodes = points
            .iter()
            .map(|p| interner.node(&mut raw.nodes, *p))
            .collect();
        raw.roads.push(RawRoad {
            nodes,
            condition: if k % 3 == 0 {
                RoadCondition::Good
            } else {
                RoadCondition::Fair
            },
            condition_source: String::new(),
            route: String::new(),
            length_source: String::new(),
        });
    }
    raw.places = towns();
    raw
}

/// 100 corridors between towns spread over the grid (deterministic pairs).
fn corridor_pairs(tables: &Tables) -> Vec<(usize, usize)> {
    let towns: Vec<usize> = (0..tables.places.len())
        .filter(|&i| tables.places[i].name.starts_with("Town"))
        .collect();
    (0..100)
        .map(|k| {
            (
                towns[(k * 7) % towns.len()],
                towns[(k * 131 + towns.len() / 2) % towns.len()],
            )
        })
        .collect()
}

fn route_corridors(pairs: &[(usize, usize)], graph: &RoadGraph) -> f64 {
    let mut router = graph.router();
    let mut total = 0.0;
    for &(from, to) in pairs {
        if let Some(route) = router.shortest_path(from, to) {
            total += route.cost;
        }
    }
    total
}

/// The simplified grid as the model's network (all roads `good`).
fn model_network(tables: &Tables) -> Network {
    let places = tables
        .places
        .iter()
        .map(|p| Place {
            name: p.name.clone(),
            country: p.country.clone(),
            lat: p.position.lat,
            lon: p.position.lon,
            kind: p.kind,
            population: p.population,
        })
        .collect();
    let segments = tables
        .segments
        .iter()
        .map(|s| Segment {
            a: PlaceId::from_index(s.a),
            b: PlaceId::from_index(s.b),
            length: s.length,
            route: String::new(),
            condition: RoadCondition::Good,
            geometry: Vec::new(),
        })
        .collect();
    Network::new(places, segments).expect("valid grid network")
}

fn model_route_corridors(pairs: &[(usize, usize)], network: &Network, speeds: &SpeedTable) -> Km {
    let closed: [SegmentId; 0] = [];
    pairs
        .iter()
        .map(|&(from, to)| {
            let path = network
                .fastest_path(
                    PlaceId::from_index(from),
                    PlaceId::from_index(to),
                    speeds,
                    &closed,
                )
                .expect("the grid is connected");
            network.path_length(&path)
        })
        .sum()
}

fn bench_network(c: &mut Criterion) {
    let roads = grid_roads();
    let text = grid_geojson(&roads);
    let classes = [RoadClass::Trunk, RoadClass::Primary];
    let options = SimplifyOptions::default();
    let (tables, _) = simplify(grid_raw(&roads), &options);
    assert!(
        tables.segments.len() >= 100_000,
        "{}",
        tables.segments.len()
    );

    let mut group = c.benchmark_group("grid-225x225");
    group.sample_size(10);
    group.bench_function("geojson-import-and-simplify", |b| {
        b.iter(|| {
            let mut raw = RawNetwork::default();
            read_roads(
                black_box(&text),
                "grid.geojson",
                &classes,
                &PropertyNames::default(),
                &mut raw,
            )
            .expect("valid");
            raw.places = towns();
            simplify(raw, &options)
        })
    });
    group.bench_function("simplify", |b| {
        b.iter_batched(
            || grid_raw(&roads),
            |raw| simplify(raw, &options),
            criterion::BatchSize::LargeInput,
        )
    });
    let edges: Vec<(usize, usize, f64)> = tables
        .segments
        .iter()
        .map(|s| (s.a, s.b, s.length.0))
        .collect();
    group.bench_function("graph-build", |b| {
        b.iter(|| RoadGraph::new(tables.places.len(), black_box(&edges)))
    });
    let graph = RoadGraph::new(tables.places.len(), &edges);
    let pairs = corridor_pairs(&tables);
    group.bench_function("route-100-corridors", |b| {
        b.iter(|| route_corridors(black_box(&pairs), &graph))
    });
    let network = model_network(&tables);
    let speeds = SpeedTable {
        by_condition: [KmPerDay(400.0); 4],
    };
    group.bench_function("model-fastest-path-100-corridors", |b| {
        b.iter(|| model_route_corridors(black_box(&pairs), &network, &speeds))
    });
    group.bench_function("write-tables-text", |b| {
        b.iter(|| (tables.places_csv().len(), tables.segments_csv().len()))
    });
    group.finish();
}

criterion_group!(benches, bench_network);
criterion_main!(benches);
