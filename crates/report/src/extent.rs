//! The map's frame: the bounding box of a network's places and roads, with a margin.
//!
//! The page fits its projection to this box, so a report frames whatever region its scenario
//! covers (the country outlines are the whole world's). Computed here rather than in the page
//! so that it is tested with the rest of the document.

use serde_json::{Value, json};

/// Share of the larger side of the box added on every side, so that places on the edge of the
/// network are not drawn on the edge of the map.
const MARGIN_SHARE: f64 = 0.08;
/// The smallest margin (degrees): a network of one town or one short road still shows the
/// country around it.
const MIN_MARGIN_DEG: f64 = 0.5;
/// Web Mercator cannot show the poles: the box stops at these latitudes.
const MAX_LAT: f64 = 85.0;

/// A box in degrees: west, south, east, north.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extent {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl Extent {
    fn of_point(lon: f64, lat: f64) -> Self {
        Extent {
            west: lon,
            south: lat,
            east: lon,
            north: lat,
        }
    }

    fn add(&mut self, lon: f64, lat: f64) {
        self.west = self.west.min(lon);
        self.east = self.east.max(lon);
        self.south = self.south.min(lat);
        self.north = self.north.max(lat);
    }

    /// Whether the point lies inside the box (edges included).
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        (self.west..=self.east).contains(&lon) && (self.south..=self.north).contains(&lat)
    }

    /// The box grown by [`MARGIN_SHARE`] of its larger side (at least [`MIN_MARGIN_DEG`]) on
    /// every side, clipped to the world Mercator can draw.
    fn with_margin(self) -> Self {
        let side = (self.east - self.west).max(self.north - self.south);
        let m = (side * MARGIN_SHARE).max(MIN_MARGIN_DEG);
        Extent {
            west: (self.west - m).max(-180.0),
            south: (self.south - m).max(-MAX_LAT),
            east: (self.east + m).min(180.0),
            north: (self.north + m).min(MAX_LAT),
        }
    }

    /// `[west, south, east, north]`, rounded to 1e-4° (about 10 m) to keep the page small.
    pub fn to_json(self) -> Value {
        let r = |x: f64| (x * 1e4).round() / 1e4;
        json!([r(self.west), r(self.south), r(self.east), r(self.north)])
    }
}

/// The frame of a network as `network.geojson` holds it: every Point, LineString and
/// MultiLineString coordinate, with a margin. `None` when it has no usable coordinate (the page
/// then shows the whole world).
pub fn map_extent(network: Option<&Value>) -> Option<Extent> {
    let features = network?.get("features")?.as_array()?;
    let mut extent: Option<Extent> = None;
    for geometry in features.iter().filter_map(|f| f.get("geometry")) {
        visit_coordinates(
            geometry.get("coordinates"),
            &mut |lon, lat| match &mut extent {
                Some(e) => e.add(lon, lat),
                None => extent = Some(Extent::of_point(lon, lat)),
            },
        );
    }
    extent.map(Extent::with_margin)
}

/// Calls `f(lon, lat)` for every position in a GeoJSON coordinates array of any depth.
/// Positions outside the valid range of longitude and latitude are skipped: a stray value must
/// not stretch the map to the whole world.
fn visit_coordinates(coordinates: Option<&Value>, f: &mut impl FnMut(f64, f64)) {
    let Some(items) = coordinates.and_then(Value::as_array) else {
        return;
    };
    if let (Some(lon), Some(lat)) = (
        items.first().and_then(Value::as_f64),
        items.get(1).and_then(Value::as_f64),
    ) {
        if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) {
            f(lon, lat);
        }
        return;
    }
    for item in items {
        visit_coordinates(Some(item), f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(lon: f64, lat: f64) -> Value {
        json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}})
    }

    #[test]
    fn the_frame_holds_every_place_and_road_vertex_with_a_margin() {
        let network = json!({"type": "FeatureCollection", "features": [
            point(85.32, 27.71),
            point(83.98, 28.21),
            {"type": "Feature", "geometry": {"type": "LineString",
                "coordinates": [[85.32, 27.71], [84.5, 27.2], [83.98, 28.21]]}},
            {"type": "Feature", "geometry": {"type": "MultiLineString",
                "coordinates": [[[85.32, 27.71], [92.9, 27.0]]]}},
        ]});
        let e = map_extent(Some(&network)).expect("an extent");
        for (lon, lat) in [(85.32, 27.71), (83.98, 28.21), (84.5, 27.2), (92.9, 27.0)] {
            assert!(e.contains(lon, lat), "{e:?} misses ({lon}, {lat})");
        }
        // The margin: 8 % of the larger side (8.92° of longitude), on every side.
        let m = (92.9 - 83.98) * MARGIN_SHARE;
        assert!((e.west - (83.98 - m)).abs() < 1e-9, "{e:?}");
        assert!((e.east - (92.9 + m)).abs() < 1e-9, "{e:?}");
        assert!((e.south - (27.0 - m)).abs() < 1e-9, "{e:?}");
        assert!((e.north - (28.21 + m)).abs() < 1e-9, "{e:?}");
    }

    #[test]
    fn one_place_gets_the_smallest_margin_and_stray_values_are_ignored() {
        let network = json!({"features": [
            point(-70.0, -33.0),
            point(500.0, 10.0),
            {"geometry": {"type": "Point", "coordinates": ["x", 3]}},
        ]});
        let e = map_extent(Some(&network)).expect("an extent");
        assert_eq!(
            e,
            Extent {
                west: -70.5,
                south: -33.5,
                east: -69.5,
                north: -32.5
            }
        );
    }

    #[test]
    fn the_frame_stays_inside_what_mercator_draws() {
        let network = json!({"features": [point(-179.9, -89.0), point(179.9, 89.0)]});
        let e = map_extent(Some(&network)).expect("an extent");
        assert_eq!(e.west, -180.0);
        assert_eq!(e.east, 180.0);
        assert_eq!(e.south, -MAX_LAT);
        assert_eq!(e.north, MAX_LAT);
    }

    #[test]
    fn no_coordinates_no_frame() {
        assert_eq!(map_extent(None), None);
        assert_eq!(map_extent(Some(&json!({"features": []}))), None);
        assert_eq!(
            map_extent(Some(&json!({"features": [{"geometry": null}]}))),
            None
        );
    }
}
