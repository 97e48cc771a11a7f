//! A road network as read from a source, before simplification: road nodes with positions,
//! roads as node sequences with their condition, and named places with positions.

use crate::geo::LonLat;
use crate::report::ImportReport;
use crate::tables::PlaceRow;
use lifeline_model::network::RoadCondition;
use std::collections::HashMap;

/// Index of a road node in [`RawNetwork::nodes`].
pub type NodeIndex = u32;

/// A road (an OSM way, a GeoJSON line): the nodes it passes in order and what it is.
#[derive(Clone, Debug, PartialEq)]
pub struct RawRoad {
    pub nodes: Vec<NodeIndex>,
    pub condition: RoadCondition,
    pub condition_source: String,
    /// Road number or name (`RN1`), empty when untagged.
    pub route: String,
    pub length_source: String,
}

#[derive(Clone, Debug, Default)]
pub struct RawNetwork {
    pub nodes: Vec<LonLat>,
    pub roads: Vec<RawRoad>,
    /// Places still at their own positions (snapped to roads by simplification).
    pub places: Vec<PlaceRow>,
    /// Sources read and what the readers left out.
    pub report: ImportReport,
}

impl RawNetwork {
    /// Adds another source's roads and places; the two share no road node.
    pub fn extend(&mut self, other: RawNetwork) {
        let offset = self.nodes.len() as NodeIndex;
        self.nodes.extend(other.nodes);
        self.roads.extend(other.roads.into_iter().map(|mut road| {
            road.nodes.iter_mut().for_each(|n| *n += offset);
            road
        }));
        self.places.extend(other.places);
        self.report.sources.extend(other.report.sources);
        for (reason, count) in other.report.dropped {
            self.report.drop(reason, count);
        }
        self.report.kept.extend(other.report.kept);
        self.report.notes.extend(other.report.notes);
    }
}

/// Gives one node to each distinct position, so that lines drawn to the same point join
/// (GeoJSON has coordinates, not node ids). Positions equal to 1e-7 degrees (about 1 cm)
/// are the same node.
#[derive(Default)]
pub struct NodeInterner {
    ids: HashMap<(i64, i64), NodeIndex>,
}

impl NodeInterner {
    pub fn node(&mut self, nodes: &mut Vec<LonLat>, at: LonLat) -> NodeIndex {
        let key = ((at.lon * 1e7).round() as i64, (at.lat * 1e7).round() as i64);
        *self.ids.entry(key).or_insert_with(|| {
            nodes.push(at);
            (nodes.len() - 1) as NodeIndex
        })
    }
}
