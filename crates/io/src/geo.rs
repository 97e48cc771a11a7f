//! A run's GeoJSON layers for QGIS and other GIS tools: the network (places and roads, together
//! and as separate layers), the daily state of the demand cities (a time layer for QGIS's
//! temporal controller) and the attacks as points.
//!
//! Every feature has a top-level integer `id`, unique within its file, so that GDAL uses it as
//! the feature id (`ogr2ogr -f GPKG` refuses duplicate ids). Coordinates are WGS 84 longitude,
//! latitude (RFC 7946), rounded to 5 decimals (about a metre).

use crate::outputs::OutputContext;
use lifeline_model::network::Network;
use lifeline_model::params::Leg;
use lifeline_model::record::{EventKind, RunRecord};
use lifeline_model::{PlaceId, SegmentId};
use serde_json::{Map, Value, json};
use std::io::Write;

/// A `[lon, lat]` position.
pub type Position = [f64; 2];

/// The road's geometry from its `a` end to its `b` end. The network stores no intermediate
/// points yet, so this is the straight line between the two ends; a network that gains them
/// only needs to change this function.
pub fn segment_geometry(net: &Network, segment: SegmentId) -> Vec<Position> {
    // The model keeps the road's course (intermediate points) with the network.
    net.polyline(segment)
        .into_iter()
        .map(|(lat, lon)| [lon, lat])
        .collect()
}

/// Great-circle distance between two positions, km.
fn distance_km(p: Position, q: Position) -> f64 {
    const EARTH_RADIUS_KM: f64 = 6371.0;
    let (lat1, lat2) = (p[1].to_radians(), q[1].to_radians());
    let dlat = lat2 - lat1;
    let dlon = (q[0] - p[0]).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// The point `fraction` (0 = first point, 1 = last) of the way along a polyline, by
/// great-circle length (linear interpolation within a part).
pub fn point_along(line: &[Position], fraction: f64) -> Option<Position> {
    let first = *line.first()?;
    let parts: Vec<f64> = line.windows(2).map(|w| distance_km(w[0], w[1])).collect();
    let total: f64 = parts.iter().sum();
    if total <= 0.0 {
        return Some(first);
    }
    let mut left = fraction.clamp(0.0, 1.0) * total;
    for (w, len) in line.windows(2).zip(&parts) {
        if left <= *len && *len > 0.0 {
            let t = left / len;
            return Some([
                w[0][0] + t * (w[1][0] - w[0][0]),
                w[0][1] + t * (w[1][1] - w[0][1]),
            ]);
        }
        left -= len;
    }
    line.last().copied()
}

/// Where an event happened, as `[lon, lat]`: on its road segment `at_km` road-kilometres from
/// the segment's `a` end (its midpoint when `at_km` is unknown), measured along the segment's
/// geometry in proportion to the road's length; else at its place; else nowhere.
pub fn event_location(
    net: &Network,
    place: Option<PlaceId>,
    segment: Option<SegmentId>,
    at_km: Option<f64>,
) -> Option<Position> {
    if let Some(s) = segment {
        let length = net.segment(s).length.0;
        let fraction = match at_km {
            Some(km) if length > 0.0 => km / length,
            _ => 0.5,
        };
        return point_along(&segment_geometry(net, s), fraction);
    }
    place.map(|p| {
        let p = net.place(p);
        [p.lon, p.lat]
    })
}

fn round(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

fn position(p: Position) -> Value {
    json!([round(p[0], 5), round(p[1], 5)])
}

fn feature(id: usize, geometry: Value, properties: Map<String, Value>) -> Value {
    json!({"type": "Feature", "id": id, "geometry": geometry, "properties": properties})
}

fn collection(features: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection", "features": features})
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// One point feature per place (`id` = `place_id` = the place's index), built one at a time.
fn place_features<'a>(ctx: &'a OutputContext, first_id: usize) -> impl Iterator<Item = Value> + 'a {
    let net = &ctx.input.network;
    net.places().iter().enumerate().map(move |(i, p)| {
        let src = ctx.place_sources.get(i).cloned().unwrap_or_default();
        let depot = ctx.input.depots.iter().any(|d| d.place.index() == i);
        let properties = object(json!({
            "layer": "place", "place_id": i, "name": p.name, "country": p.country,
            "kind": p.kind.as_str(), "population": p.population, "demand_point": depot,
            "admin1_pcode": src.admin1_pcode, "admin2_pcode": src.admin2_pcode,
            "coord_source": src.coord_source, "population_source": src.population_source,
            "note": src.note,
        }));
        let geometry = json!({"type": "Point", "coordinates": position([p.lon, p.lat])});
        feature(first_id + i, geometry, properties)
    })
}

/// For every segment, the corridors whose route drives along it, `;`-separated, in corridor
/// order. One pass over the corridors' legs, so that a network of many segments and long
/// corridors does not search every corridor for every segment.
fn corridors_by_segment(ctx: &OutputContext) -> Vec<String> {
    let corridors = &ctx.input.corridors;
    let mut on: Vec<Vec<usize>> = vec![Vec::new(); ctx.input.network.segments().len()];
    for (k, c) in corridors.iter().enumerate() {
        for leg in &c.legs {
            if let Leg::Drive { segment, .. } = leg
                && let Some(list) = on.get_mut(segment.index())
                && list.last() != Some(&k)
            {
                list.push(k);
            }
        }
    }
    on.into_iter()
        .map(|list| {
            list.iter()
                .map(|&k| corridors[k].name.as_str())
                .collect::<Vec<_>>()
                .join(";")
        })
        .collect()
}

/// One LineString feature per road segment (`id` = `first_id` + the segment's index), built
/// one at a time.
fn road_features<'a>(ctx: &'a OutputContext, first_id: usize) -> impl Iterator<Item = Value> + 'a {
    let net = &ctx.input.network;
    let corridors = corridors_by_segment(ctx);
    net.segments().iter().enumerate().map(move |(i, s)| {
        let src = ctx.segment_sources.get(i).cloned().unwrap_or_default();
        let properties = object(json!({
            "layer": "road", "segment_id": i,
            "a": net.place(s.a).name, "b": net.place(s.b).name,
            "length_km": s.length.0, "route": s.route, "condition": s.condition.as_str(),
            "corridors": corridors[i],
            "length_source": src.length_source, "condition_source": src.condition_source,
            "note": src.note,
        }));
        let line: Vec<Value> = segment_geometry(net, SegmentId::from_index(i))
            .into_iter()
            .map(position)
            .collect();
        let geometry = json!({"type": "LineString", "coordinates": line});
        feature(first_id + i, geometry, properties)
    })
}

/// The features of `network.geojson`: places (points) then roads (LineStrings), for QGIS: a
/// place's `id` is its index, a road's the number of places plus its index, so ids are unique
/// across both.
fn network_features<'a>(ctx: &'a OutputContext) -> impl Iterator<Item = Value> + 'a {
    place_features(ctx, 0).chain(road_features(ctx, ctx.input.network.places().len()))
}

/// `network.geojson` as one value (the report embeds it). Writing a run's outputs streams it
/// instead ([`write_network_geojson`]).
pub fn network_geojson(ctx: &OutputContext) -> Value {
    collection(network_features(ctx).collect())
}

/// The places alone (one layer of points).
pub fn places_geojson(ctx: &OutputContext) -> Value {
    collection(place_features(ctx, 0).collect())
}

/// The roads alone (one layer of LineStrings).
pub fn roads_geojson(ctx: &OutputContext) -> Value {
    collection(road_features(ctx, 0).collect())
}

/// Writes a FeatureCollection feature by feature, with the same bytes as serialising the whole
/// collection at once ([`collection`] then `serde_json::to_writer`), but holding one feature in
/// memory at a time: a country-size network's collection as one value takes about ten times
/// its text.
pub fn write_collection<W: Write>(
    w: &mut W,
    features: impl Iterator<Item = Value>,
) -> std::io::Result<()> {
    // The collection's framing as serde_json writes it, around an empty feature list: whatever
    // order it gives the keys, the streamed file matches.
    let empty = serde_json::to_string(&collection(Vec::new())).map_err(std::io::Error::other)?;
    let (head, tail) = empty
        .split_once("[]")
        .ok_or_else(|| std::io::Error::other("a FeatureCollection has an empty list"))?;
    w.write_all(head.as_bytes())?;
    w.write_all(b"[")?;
    for (k, f) in features.enumerate() {
        if k > 0 {
            w.write_all(b",")?;
        }
        serde_json::to_writer(&mut *w, &f).map_err(std::io::Error::other)?;
    }
    w.write_all(b"]")?;
    w.write_all(tail.as_bytes())
}

/// Streams `network.geojson` (see [`network_features`]).
pub fn write_network_geojson<W: Write>(w: &mut W, ctx: &OutputContext) -> std::io::Result<()> {
    write_collection(w, network_features(ctx))
}

/// Streams `places.geojson`.
pub fn write_places_geojson<W: Write>(w: &mut W, ctx: &OutputContext) -> std::io::Result<()> {
    write_collection(w, place_features(ctx, 0))
}

/// Streams `roads.geojson`.
pub fn write_roads_geojson<W: Write>(w: &mut W, ctx: &OutputContext) -> std::io::Result<()> {
    write_collection(w, road_features(ctx, 0))
}

/// One point per demand city and day with that day's figures and its ISO `date`: a layer for
/// QGIS's temporal controller (Layer Properties → Temporal → single field `date`).
pub fn daily_geojson(ctx: &OutputContext, record: &RunRecord) -> Value {
    let net = &ctx.input.network;
    let mut features = Vec::new();
    for (day, rows) in record.depot_days.iter().enumerate() {
        let date = ctx.date(day as u32).to_string();
        for (di, r) in rows.iter().enumerate() {
            let depot = &ctx.input.depots[di];
            let p = net.place(depot.place);
            let properties = object(json!({
                "day": day, "date": date, "place": p.name,
                "commodity": ctx.input.commodities[depot.commodity.index()].name,
                "stock_m3": round(r.stock, 1), "demand_m3": round(r.demand, 1),
                "delivered_m3": round(r.delivered, 1), "shortage_m3": round(r.shortage, 1),
                "cover_days": round(r.cover_days, 2), "price_multiple": round(r.price_multiple, 3),
                "power_hours": r.power_hours.map(|h| round(h, 2)),
                "services_open": r.services_open, "rationing": r.rationing,
            }));
            let geometry = json!({"type": "Point", "coordinates": position([p.lon, p.lat])});
            features.push(feature(features.len(), geometry, properties));
        }
    }
    collection(features)
}

/// One point per attack, where it happened (see [`event_location`]), with its date and outcome.
pub fn attacks_geojson(ctx: &OutputContext, record: &RunRecord) -> Value {
    let net = &ctx.input.network;
    let mut features = Vec::new();
    for e in &record.events {
        let EventKind::Attack {
            lost,
            kidnapped,
            killed,
            aftermath,
            escorted,
        } = &e.kind
        else {
            continue;
        };
        let Some(at) = event_location(net, e.place, e.segment, e.at_km) else {
            continue;
        };
        let properties = object(json!({
            "day": e.day, "date": ctx.date(e.day).to_string(),
            "segment": e.segment.map(|s| ctx.segment_name(s)),
            "corridor": e.corridor.map(|c| ctx.input.corridors[c.index()].name.clone()),
            "trucks": e.trucks, "trucks_lost": lost, "drivers_kidnapped": kidnapped,
            "drivers_killed": killed, "outcome": aftermath.as_str(), "escorted": escorted,
        }));
        let geometry = json!({"type": "Point", "coordinates": position(at)});
        features.push(feature(features.len(), geometry, properties));
    }
    collection(features)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_along_walks_the_polyline_by_length() {
        let line = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]];
        let mid = point_along(&line, 0.5).unwrap();
        assert!(
            (mid[0] - 1.0).abs() < 1e-6 && mid[1].abs() < 1e-6,
            "{mid:?}"
        );
        let quarter = point_along(&line, 0.25).unwrap();
        assert!((quarter[0] - 0.5).abs() < 1e-3 && quarter[1].abs() < 1e-9);
        assert_eq!(point_along(&line, 0.0).unwrap(), [0.0, 0.0]);
        assert_eq!(point_along(&line, 1.0).unwrap(), [1.0, 1.0]);
        assert_eq!(point_along(&line, 7.0).unwrap(), [1.0, 1.0]);
        assert_eq!(point_along(&[], 0.5), None);
        assert_eq!(point_along(&[[2.0, 3.0]], 0.5), Some([2.0, 3.0]));
    }
}
