//! The road network: places, segments, validation and routing by travel time.

use crate::ids::{PlaceId, SegmentId};
use crate::units::{Days, Km, KmPerDay};
use petgraph::algo::dijkstra;
use petgraph::graph::{NodeIndex, UnGraph};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// What a place is; sets its role in supply (ports load, border posts delay) and displacement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    Port,
    City,
    Town,
    Border,
    Depot,
    Marshalling,
    Camp,
}

impl PlaceKind {
    pub const ALL: [PlaceKind; 7] = [
        PlaceKind::Port,
        PlaceKind::City,
        PlaceKind::Town,
        PlaceKind::Border,
        PlaceKind::Depot,
        PlaceKind::Marshalling,
        PlaceKind::Camp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::Port => "port",
            PlaceKind::City => "city",
            PlaceKind::Town => "town",
            PlaceKind::Border => "border",
            PlaceKind::Depot => "depot",
            PlaceKind::Marshalling => "marshalling",
            PlaceKind::Camp => "camp",
        }
    }

    pub fn parse(text: &str) -> Option<PlaceKind> {
        PlaceKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// Road condition class; sets the speed of a loaded truck.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoadCondition {
    Good,
    Fair,
    Bad,
    Track,
}

impl RoadCondition {
    pub const ALL: [RoadCondition; 4] = [
        RoadCondition::Good,
        RoadCondition::Fair,
        RoadCondition::Bad,
        RoadCondition::Track,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RoadCondition::Good => "good",
            RoadCondition::Fair => "fair",
            RoadCondition::Bad => "bad",
            RoadCondition::Track => "track",
        }
    }

    pub fn parse(text: &str) -> Option<RoadCondition> {
        RoadCondition::ALL.into_iter().find(|c| c.as_str() == text)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub name: String,
    /// ISO 3166-1 alpha-2 code.
    pub country: String,
    pub lat: f64,
    pub lon: f64,
    pub kind: PlaceKind,
    pub population: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub a: PlaceId,
    pub b: PlaceId,
    pub length: Km,
    pub route: String,
    pub condition: RoadCondition,
    /// Intermediate points (lat, lon) of the road between its two ends, in order from `a` to
    /// `b`; empty for a straight line. Hazard and event distances use the full polyline.
    #[serde(default)]
    pub geometry: Vec<(f64, f64)>,
}

impl Segment {
    /// The end of this segment that is not `from`.
    pub fn other_end(&self, from: PlaceId) -> PlaceId {
        if self.a == from { self.b } else { self.a }
    }
}

/// Truck speeds per road condition (km of driving per day).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpeedTable {
    pub by_condition: [KmPerDay; 4],
}

impl SpeedTable {
    pub fn speed(&self, condition: RoadCondition) -> KmPerDay {
        self.by_condition[condition.index()]
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum NetworkError {
    #[error("segment {index} ({a} – {b}) has length {length} km; a road length must be positive")]
    NonPositiveLength {
        index: usize,
        a: String,
        b: String,
        length: f64,
    },
    #[error("segment {index} joins {name} to itself")]
    SelfLoop { index: usize, name: String },
    #[error("place names must be unique: {0} appears twice")]
    DuplicatePlace(String),
    #[error("{0} cannot be reached from {1} by road")]
    Disconnected(String, String),
    #[error("no road route from {from} to {to}")]
    NoRoute { from: String, to: String },
}

/// A validated road network with a graph for routing. Serialises as its places and segments
/// (the graph and adjacency are derived from them).
#[derive(Clone, Debug, Serialize)]
pub struct Network {
    places: Vec<Place>,
    segments: Vec<Segment>,
    #[serde(skip)]
    graph: UnGraph<PlaceId, SegmentId>,
    /// Compressed adjacency: the segments touching place `p` are
    /// `adjacent[adjacent_start[p]..adjacent_start[p + 1]]`, in segment order (the order
    /// routing relaxes them in, which decides ties).
    adjacent_start: Vec<usize>,
    adjacent: Vec<SegmentId>,
}

/// A place waiting in Dijkstra's queue at a tentative travel time. Ordered so that the
/// max-heap pops the smallest time first and, among equal times, the lowest place index: the
/// order the former linear scan chose, so routes (and every output) stay the same.
#[derive(Clone, Copy, Debug)]
struct Queued {
    time: f64,
    place: usize,
}

impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .time
            .total_cmp(&self.time)
            .then_with(|| other.place.cmp(&self.place))
    }
}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Queued {}

/// The compressed adjacency of `segments` over `n_places` places (see [`Network`]): a
/// counting pass, then each segment listed at both ends in segment order.
fn adjacency(n_places: usize, segments: &[Segment]) -> (Vec<usize>, Vec<SegmentId>) {
    let mut start = vec![0usize; n_places + 1];
    for s in segments {
        start[s.a.index() + 1] += 1;
        start[s.b.index() + 1] += 1;
    }
    for p in 0..n_places {
        start[p + 1] += start[p];
    }
    let mut next = start.clone();
    let mut adjacent = vec![SegmentId::from_index(0); start[n_places]];
    for (i, s) in segments.iter().enumerate() {
        for end in [s.a.index(), s.b.index()] {
            adjacent[next[end]] = SegmentId::from_index(i);
            next[end] += 1;
        }
    }
    (start, adjacent)
}

/// A path as the ordered segments driven, with the place reached after each.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    pub start: PlaceId,
    pub steps: Vec<(SegmentId, PlaceId)>,
}

impl Network {
    /// The road of a segment as (lat, lon) points from `a` to `b`, ends included.
    pub fn polyline(&self, id: SegmentId) -> Vec<(f64, f64)> {
        let s = self.segment(id);
        let (a, b) = (self.place(s.a), self.place(s.b));
        let mut points = Vec::with_capacity(s.geometry.len() + 2);
        points.push((a.lat, a.lon));
        points.extend(s.geometry.iter().copied());
        points.push((b.lat, b.lon));
        points
    }

    /// Builds and validates a network: positive lengths, no self loops, unique place names.
    /// Connectivity is checked separately ([`Network::check_reachable`]) because which places
    /// must be reachable depends on the scenario.
    pub fn new(places: Vec<Place>, segments: Vec<Segment>) -> Result<Network, NetworkError> {
        let mut names: Vec<&str> = places.iter().map(|p| p.name.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(NetworkError::DuplicatePlace(w[0].to_string()));
        }
        let mut graph = UnGraph::with_capacity(places.len(), segments.len());
        for i in 0..places.len() {
            graph.add_node(PlaceId::from_index(i));
        }
        for (i, s) in segments.iter().enumerate() {
            if s.a == s.b {
                return Err(NetworkError::SelfLoop {
                    index: i,
                    name: places[s.a.index()].name.clone(),
                });
            }
            if s.length.0.is_nan() || s.length.0 <= 0.0 || !s.length.0.is_finite() {
                return Err(NetworkError::NonPositiveLength {
                    index: i,
                    a: places[s.a.index()].name.clone(),
                    b: places[s.b.index()].name.clone(),
                    length: s.length.0,
                });
            }
            graph.add_edge(
                NodeIndex::new(s.a.index()),
                NodeIndex::new(s.b.index()),
                SegmentId::from_index(i),
            );
        }
        let (adjacent_start, adjacent) = adjacency(places.len(), &segments);
        Ok(Network {
            places,
            segments,
            graph,
            adjacent_start,
            adjacent,
        })
    }

    pub fn places(&self) -> &[Place] {
        &self.places
    }
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }
    pub fn place(&self, id: PlaceId) -> &Place {
        &self.places[id.index()]
    }
    pub fn segment(&self, id: SegmentId) -> &Segment {
        &self.segments[id.index()]
    }
    pub fn place_by_name(&self, name: &str) -> Option<PlaceId> {
        self.places
            .iter()
            .position(|p| p.name == name)
            .map(PlaceId::from_index)
    }

    /// Segments touching `place`, in segment order.
    pub fn segments_at(&self, place: PlaceId) -> impl Iterator<Item = SegmentId> + '_ {
        let p = place.index();
        self.adjacent[self.adjacent_start[p]..self.adjacent_start[p + 1]]
            .iter()
            .copied()
    }

    /// Fails with the first of `targets` that cannot be reached from `from`.
    pub fn check_reachable(&self, from: PlaceId, targets: &[PlaceId]) -> Result<(), NetworkError> {
        let reached = dijkstra(&self.graph, NodeIndex::new(from.index()), None, |_| 1u32);
        for t in targets {
            if !reached.contains_key(&NodeIndex::new(t.index())) {
                return Err(NetworkError::Disconnected(
                    self.place(*t).name.clone(),
                    self.place(from).name.clone(),
                ));
            }
        }
        Ok(())
    }

    /// Fastest path from `from` to `to` for a truck at `speeds`, avoiding `closed` segments.
    pub fn fastest_path(
        &self,
        from: PlaceId,
        to: PlaceId,
        speeds: &SpeedTable,
        closed: &[SegmentId],
    ) -> Result<Path, NetworkError> {
        let cost = |s: SegmentId| {
            if closed.contains(&s) {
                f64::INFINITY
            } else {
                let seg = self.segment(s);
                seg.length.at(speeds.speed(seg.condition)).0
            }
        };
        // Dijkstra with predecessor tracking (petgraph's dijkstra returns only distances) and
        // a binary heap with lazy deletion: a place may be queued several times, and only the
        // entry at its current time counts. Places are settled in order of time, then index,
        // and relaxed along their segments in segment order, so ties break as they always did.
        let n = self.places.len();
        let mut dist = vec![f64::INFINITY; n];
        let mut prev: Vec<Option<SegmentId>> = vec![None; n];
        let mut done = vec![false; n];
        let mut queue = BinaryHeap::new();
        dist[from.index()] = 0.0;
        queue.push(Queued {
            time: 0.0,
            place: from.index(),
        });
        while let Some(Queued { time, place: u }) = queue.pop() {
            if done[u] || time > dist[u] {
                continue;
            }
            done[u] = true;
            if u == to.index() {
                break;
            }
            for s in self.segments_at(PlaceId::from_index(u)) {
                let v = self.segment(s).other_end(PlaceId::from_index(u)).index();
                let d = dist[u] + cost(s);
                if d < dist[v] {
                    dist[v] = d;
                    prev[v] = Some(s);
                    queue.push(Queued { time: d, place: v });
                }
            }
        }
        if !dist[to.index()].is_finite() {
            return Err(NetworkError::NoRoute {
                from: self.place(from).name.clone(),
                to: self.place(to).name.clone(),
            });
        }
        let mut steps = Vec::new();
        let mut at = to;
        while at != from {
            let s = prev[at.index()].expect("invariant: finite distance has a predecessor");
            steps.push((s, at));
            at = self.segment(s).other_end(at);
        }
        steps.reverse();
        Ok(Path { start: from, steps })
    }

    /// Fastest path through `waypoints` in order.
    pub fn path_via(
        &self,
        waypoints: &[PlaceId],
        speeds: &SpeedTable,
        closed: &[SegmentId],
    ) -> Result<Path, NetworkError> {
        let mut path = Path {
            start: waypoints[0],
            steps: Vec::new(),
        };
        for pair in waypoints.windows(2) {
            let leg = self.fastest_path(pair[0], pair[1], speeds, closed)?;
            path.steps.extend(leg.steps);
        }
        Ok(path)
    }

    /// Road length of a path.
    pub fn path_length(&self, path: &Path) -> Km {
        path.steps
            .iter()
            .map(|(s, _)| self.segment(*s).length)
            .sum()
    }

    /// Driving time of a path at `speeds` (no stops).
    pub fn path_drive_time(&self, path: &Path, speeds: &SpeedTable) -> Days {
        path.steps
            .iter()
            .map(|(s, _)| {
                let seg = self.segment(*s);
                seg.length.at(speeds.speed(seg.condition))
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(name: &str) -> Place {
        Place {
            name: name.into(),
            country: "ML".into(),
            lat: 0.0,
            lon: 0.0,
            kind: PlaceKind::Town,
            population: 0,
        }
    }

    fn seg(a: u32, b: u32, km: f64, c: RoadCondition) -> Segment {
        Segment {
            a: PlaceId(a),
            b: PlaceId(b),
            length: Km(km),
            route: String::new(),
            condition: c,
            geometry: Vec::new(),
        }
    }

    fn speeds() -> SpeedTable {
        SpeedTable {
            by_condition: [
                KmPerDay(400.0),
                KmPerDay(300.0),
                KmPerDay(150.0),
                KmPerDay(60.0),
            ],
        }
    }

    /// The former router: Dijkstra selecting the next place by a linear scan (lowest time,
    /// then lowest index). The heap version must give the same paths, ties included.
    fn linear_scan_path(
        net: &Network,
        from: PlaceId,
        to: PlaceId,
        speeds: &SpeedTable,
        closed: &[SegmentId],
    ) -> Option<Path> {
        let cost = |s: SegmentId| {
            if closed.contains(&s) {
                f64::INFINITY
            } else {
                let seg = net.segment(s);
                seg.length.at(speeds.speed(seg.condition)).0
            }
        };
        let n = net.places().len();
        let mut dist = vec![f64::INFINITY; n];
        let mut prev: Vec<Option<SegmentId>> = vec![None; n];
        let mut done = vec![false; n];
        dist[from.index()] = 0.0;
        for _ in 0..n {
            let u = (0..n)
                .filter(|&i| !done[i] && dist[i].is_finite())
                .min_by(|&a, &b| dist[a].total_cmp(&dist[b]).then(a.cmp(&b)))?;
            done[u] = true;
            if u == to.index() {
                break;
            }
            let mut at: Vec<SegmentId> = net
                .segments()
                .iter()
                .enumerate()
                .filter(|(_, s)| s.a.index() == u || s.b.index() == u)
                .map(|(i, _)| SegmentId::from_index(i))
                .collect();
            at.sort_unstable();
            for s in at {
                let v = net.segment(s).other_end(PlaceId::from_index(u)).index();
                let d = dist[u] + cost(s);
                if d < dist[v] {
                    dist[v] = d;
                    prev[v] = Some(s);
                }
            }
        }
        if !dist[to.index()].is_finite() {
            return None;
        }
        let mut steps = Vec::new();
        let mut at = to;
        while at != from {
            let s = prev[at.index()]?;
            steps.push((s, at));
            at = net.segment(s).other_end(at);
        }
        steps.reverse();
        Some(Path { start: from, steps })
    }

    proptest::proptest! {
        /// Random networks with many equal travel times (whole lengths, two conditions,
        /// parallel roads) and some closed segments: the heap router returns exactly the
        /// linear scan's path, or fails where it finds none.
        #[test]
        fn heap_dijkstra_matches_the_linear_scan_ties_included(
            n in 2usize..14,
            roads in proptest::collection::vec((0usize..14, 0usize..14, 1u32..4, proptest::bool::ANY), 1..40),
            closed_every in 0usize..5,
        ) {
            let places: Vec<Place> = (0..n).map(|i| place(&format!("p{i}"))).collect();
            let segments: Vec<Segment> = roads
                .iter()
                .filter(|(a, b, _, _)| a % n != b % n)
                .map(|&(a, b, km, good)| {
                    let c = if good { RoadCondition::Good } else { RoadCondition::Fair };
                    seg((a % n) as u32, (b % n) as u32, f64::from(km) * 100.0, c)
                })
                .collect();
            let closed: Vec<SegmentId> = (0..segments.len())
                .filter(|i| closed_every > 0 && i % 5 == closed_every - 1)
                .map(SegmentId::from_index)
                .collect();
            let net = Network::new(places, segments).expect("valid");
            for from in 0..n {
                for to in 0..n {
                    let (f, t) = (PlaceId::from_index(from), PlaceId::from_index(to));
                    let heap = net.fastest_path(f, t, &speeds(), &closed).ok();
                    let scan = linear_scan_path(&net, f, t, &speeds(), &closed);
                    proptest::prop_assert_eq!(heap, scan, "from {} to {}", from, to);
                }
            }
        }
    }

    #[test]
    fn adjacency_lists_each_segment_at_both_ends_in_segment_order() {
        let net = Network::new(
            vec![place("a"), place("b"), place("c")],
            vec![
                seg(1, 2, 10.0, RoadCondition::Good),
                seg(0, 1, 10.0, RoadCondition::Good),
                seg(1, 2, 20.0, RoadCondition::Good),
            ],
        )
        .expect("valid");
        let at = |p: u32| net.segments_at(PlaceId(p)).collect::<Vec<_>>();
        assert_eq!(at(0), vec![SegmentId(1)]);
        assert_eq!(at(1), vec![SegmentId(0), SegmentId(1), SegmentId(2)]);
        assert_eq!(at(2), vec![SegmentId(0), SegmentId(2)]);
    }

    #[test]
    fn fastest_path_prefers_travel_time_over_length() {
        // 0 -A- 1 -A- 3 is shorter but bad; 0 - 2 - 3 is longer but good.
        let net = Network::new(
            vec![place("a"), place("b"), place("c"), place("d")],
            vec![
                seg(0, 1, 100.0, RoadCondition::Bad),
                seg(1, 3, 100.0, RoadCondition::Bad),
                seg(0, 2, 150.0, RoadCondition::Good),
                seg(2, 3, 150.0, RoadCondition::Good),
            ],
        )
        .expect("valid");
        let p = net
            .fastest_path(PlaceId(0), PlaceId(3), &speeds(), &[])
            .expect("route");
        assert_eq!(
            p.steps,
            vec![(SegmentId(2), PlaceId(2)), (SegmentId(3), PlaceId(3))]
        );
        assert_eq!(net.path_length(&p), Km(300.0));
        let closed = net
            .fastest_path(PlaceId(0), PlaceId(3), &speeds(), &[SegmentId(2)])
            .expect("route");
        assert_eq!(net.path_length(&closed), Km(200.0));
    }

    #[test]
    fn rejects_bad_lengths_and_duplicates_and_detects_disconnection() {
        let err = Network::new(
            vec![place("a"), place("b")],
            vec![seg(0, 1, -5.0, RoadCondition::Good)],
        )
        .expect_err("negative length");
        assert!(matches!(err, NetworkError::NonPositiveLength { .. }));
        let err = Network::new(vec![place("a"), place("a")], vec![]).expect_err("dup");
        assert_eq!(err, NetworkError::DuplicatePlace("a".into()));
        let net = Network::new(
            vec![place("a"), place("b"), place("c")],
            vec![seg(0, 1, 5.0, RoadCondition::Good)],
        )
        .expect("valid");
        assert_eq!(
            net.check_reachable(PlaceId(0), &[PlaceId(1), PlaceId(2)]),
            Err(NetworkError::Disconnected("c".into(), "a".into()))
        );
        assert!(
            net.fastest_path(PlaceId(0), PlaceId(2), &speeds(), &[])
                .is_err()
        );
    }
}
