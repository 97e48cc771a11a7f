//! Shortest paths on a network of places and segments: a compressed adjacency array and
//! Dijkstra's algorithm with a binary heap, its work arrays kept between queries so that
//! routing many corridors on a large network touches only what each query reaches.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// An undirected graph in compressed rows: node → (neighbour, edge id, weight).
#[derive(Clone, Debug)]
pub struct RoadGraph {
    offsets: Vec<u32>,
    neighbours: Vec<u32>,
    edge_ids: Vec<u32>,
    weights: Vec<f64>,
}

/// A route: its total weight and the edges driven in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    pub cost: f64,
    pub edges: Vec<usize>,
}

impl RoadGraph {
    /// `edges[i] = (a, b, weight)`; weights must be ≥ 0 (validated tables guarantee it).
    pub fn new(node_count: usize, edges: &[(usize, usize, f64)]) -> RoadGraph {
        let mut offsets = vec![0u32; node_count + 1];
        for &(a, b, _) in edges {
            offsets[a + 1] += 1;
            offsets[b + 1] += 1;
        }
        for i in 0..node_count {
            offsets[i + 1] += offsets[i];
        }
        let total = offsets[node_count] as usize;
        let mut fill = offsets.clone();
        let (mut neighbours, mut edge_ids, mut weights) =
            (vec![0u32; total], vec![0u32; total], vec![0.0; total]);
        for (id, &(a, b, w)) in edges.iter().enumerate() {
            for (from, to) in [(a, b), (b, a)] {
                let slot = fill[from] as usize;
                neighbours[slot] = to as u32;
                edge_ids[slot] = id as u32;
                weights[slot] = w;
                fill[from] += 1;
            }
        }
        RoadGraph {
            offsets,
            neighbours,
            edge_ids,
            weights,
        }
    }

    pub fn node_count(&self) -> usize {
        self.offsets.len() - 1
    }

    /// A router with its own work arrays (one per thread).
    pub fn router(&self) -> Router<'_> {
        let n = self.node_count();
        Router {
            graph: self,
            cost: vec![f64::INFINITY; n],
            via_edge: vec![u32::MAX; n],
            touched: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }
}

/// Reusable Dijkstra state over one graph.
pub struct Router<'g> {
    graph: &'g RoadGraph,
    cost: Vec<f64>,
    via_edge: Vec<u32>,
    touched: Vec<u32>,
    heap: BinaryHeap<Entry>,
}

#[derive(PartialEq)]
struct Entry {
    cost: f64,
    node: u32,
}

impl Eq for Entry {}

impl Ord for Entry {
    // Smallest cost first (BinaryHeap is a max-heap); ties by node for determinism.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .cost
            .total_cmp(&self.cost)
            .then_with(|| other.node.cmp(&self.node))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Router<'_> {
    /// The cheapest route from `from` to `to`, or `None` when `to` cannot be reached.
    pub fn shortest_path(&mut self, from: usize, to: usize) -> Option<Route> {
        self.search(from, Some(to));
        if !self.cost[to].is_finite() {
            return None;
        }
        let mut edges = Vec::new();
        let mut at = to;
        while at != from {
            let slot_edge = self.via_edge[at] as usize;
            edges.push(slot_edge);
            at = self.other_end(slot_edge, at);
        }
        edges.reverse();
        Some(Route {
            cost: self.cost[to],
            edges,
        })
    }

    /// The cost of reaching every node from `from` (infinite where unreachable).
    pub fn costs_from(&mut self, from: usize) -> Vec<f64> {
        self.search(from, None);
        self.cost.clone()
    }

    fn search(&mut self, from: usize, target: Option<usize>) {
        for &n in &self.touched {
            self.cost[n as usize] = f64::INFINITY;
            self.via_edge[n as usize] = u32::MAX;
        }
        self.touched.clear();
        self.heap.clear();
        self.cost[from] = 0.0;
        self.touched.push(from as u32);
        self.heap.push(Entry {
            cost: 0.0,
            node: from as u32,
        });
        let g = self.graph;
        while let Some(Entry { cost, node }) = self.heap.pop() {
            let u = node as usize;
            if cost > self.cost[u] {
                continue;
            }
            if Some(u) == target {
                break;
            }
            for slot in g.offsets[u] as usize..g.offsets[u + 1] as usize {
                let v = g.neighbours[slot] as usize;
                let next = cost + g.weights[slot];
                if next < self.cost[v] {
                    if self.cost[v].is_infinite() {
                        self.touched.push(v as u32);
                    }
                    self.cost[v] = next;
                    self.via_edge[v] = g.edge_ids[slot];
                    self.heap.push(Entry {
                        cost: next,
                        node: v as u32,
                    });
                }
            }
        }
    }

    /// The end of edge `edge` that is not `at`.
    fn other_end(&self, edge: usize, at: usize) -> usize {
        let g = self.graph;
        (g.offsets[at] as usize..g.offsets[at + 1] as usize)
            .find(|&slot| g.edge_ids[slot] as usize == edge)
            .map_or(at, |slot| g.neighbours[slot] as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_cheapest_route_and_reuses_its_arrays() {
        // 0 -1- 1 -1- 2, and a direct 0–2 of 5; 3 is alone.
        let graph = RoadGraph::new(4, &[(0, 1, 1.0), (1, 2, 1.0), (0, 2, 5.0)]);
        let mut router = graph.router();
        let route = router.shortest_path(0, 2).expect("reachable");
        assert_eq!(route.edges, vec![0, 1]);
        assert_eq!(route.cost, 2.0);
        assert_eq!(
            router.shortest_path(2, 0).map(|r| r.edges),
            Some(vec![1, 0])
        );
        assert_eq!(router.shortest_path(0, 3), None);
        assert_eq!(router.shortest_path(1, 1).map(|r| r.cost), Some(0.0));
        let costs = router.costs_from(2);
        assert_eq!(&costs[..3], &[2.0, 1.0, 0.0]);
        assert!(costs[3].is_infinite());
    }
}
