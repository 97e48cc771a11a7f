//! Positions on the Earth and distances along it.

use lifeline_model::units::Km;

/// A WGS84 position in decimal degrees, longitude first as in GeoJSON and WKT.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LonLat {
    pub lon: f64,
    pub lat: f64,
}

impl LonLat {
    pub fn new(lon: f64, lat: f64) -> LonLat {
        LonLat { lon, lat }
    }

    /// Whether both values are finite and within the WGS84 ranges.
    pub fn is_valid(self) -> bool {
        (-180.0..=180.0).contains(&self.lon) && (-90.0..=90.0).contains(&self.lat)
    }
}

/// Mean Earth radius (IUGG), the usual choice for great-circle distances.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Great-circle (haversine) distance.
pub fn great_circle(a: LonLat, b: LonLat) -> Km {
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    Km(2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin())
}

/// Length of a line through `points` in order.
pub fn polyline_length(points: &[LonLat]) -> Km {
    points.windows(2).map(|w| great_circle(w[0], w[1])).sum()
}

/// A bucket grid over points for "nearest point within a radius" queries (place snapping).
pub struct NearestIndex {
    cell_deg: f64,
    buckets: std::collections::HashMap<(i64, i64), Vec<u32>>,
}

impl NearestIndex {
    /// Indexes `points` (those where `include` is true) for queries of radius up to `radius`.
    pub fn new(points: &[LonLat], include: impl Fn(usize) -> bool, radius: Km) -> NearestIndex {
        // One cell spans at least the radius in latitude; longitude is widened at query time.
        let cell_deg = (radius.0 / 111.0).max(1e-4);
        let mut buckets: std::collections::HashMap<(i64, i64), Vec<u32>> =
            std::collections::HashMap::new();
        for (i, p) in points.iter().enumerate() {
            if include(i) {
                buckets
                    .entry(cell_of(*p, cell_deg))
                    .or_default()
                    .push(i as u32);
            }
        }
        NearestIndex { cell_deg, buckets }
    }

    /// The nearest indexed point to `at` within `radius`, with its distance; ties go to the
    /// lower index so that the answer does not depend on hashing order.
    pub fn nearest(&self, points: &[LonLat], at: LonLat, radius: Km) -> Option<(usize, Km)> {
        let (cx, cy) = cell_of(at, self.cell_deg);
        let lat_cells = (radius.0 / 111.0 / self.cell_deg).ceil() as i64;
        let shrink = at.lat.to_radians().cos().max(0.01);
        let lon_cells = (radius.0 / (111.0 * shrink) / self.cell_deg)
            .ceil()
            .min(4000.0) as i64;
        let mut best: Option<(usize, Km)> = None;
        for dx in -lon_cells..=lon_cells {
            for dy in -lat_cells..=lat_cells {
                let Some(bucket) = self.buckets.get(&(cx + dx, cy + dy)) else {
                    continue;
                };
                for &i in bucket {
                    let d = great_circle(at, points[i as usize]);
                    let better = match best {
                        None => true,
                        Some((j, bd)) => d.0 < bd.0 || (d.0 == bd.0 && (i as usize) < j),
                    };
                    if d.0 <= radius.0 && better {
                        best = Some((i as usize, d));
                    }
                }
            }
        }
        best
    }
}

fn cell_of(p: LonLat, cell_deg: f64) -> (i64, i64) {
    (
        (p.lon / cell_deg).floor() as i64,
        (p.lat / cell_deg).floor() as i64,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_degree_of_latitude_is_about_111_km() {
        let d = great_circle(LonLat::new(-8.0, 12.0), LonLat::new(-8.0, 13.0));
        assert!((d.0 - 111.19).abs() < 0.05, "{d:?}");
        let line = [
            LonLat::new(0.0, 0.0),
            LonLat::new(0.0, 1.0),
            LonLat::new(0.0, 2.0),
        ];
        assert!((polyline_length(&line).0 - 2.0 * d.0).abs() < 1e-6);
    }

    #[test]
    fn nearest_finds_the_closest_point_within_the_radius_only() {
        let points = [
            LonLat::new(10.0, 60.0),
            LonLat::new(10.05, 60.0),
            LonLat::new(10.2, 60.0),
        ];
        let index = NearestIndex::new(&points, |_| true, Km(5.0));
        // At 60°N a degree of longitude is ~55.6 km: 10.04 is 2.2 km from the first point,
        // 0.56 km from the second.
        let (i, d) = index
            .nearest(&points, LonLat::new(10.04, 60.0), Km(5.0))
            .expect("within 5 km");
        assert_eq!(i, 1);
        assert!(d.0 < 0.6);
        assert_eq!(
            index.nearest(&points, LonLat::new(10.4, 60.0), Km(5.0)),
            None
        );
        let only_far = NearestIndex::new(&points, |i| i == 2, Km(5.0));
        assert_eq!(
            only_far.nearest(&points, LonLat::new(10.04, 60.0), Km(5.0)),
            None
        );
    }
}
