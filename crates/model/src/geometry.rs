//! Distances on road polylines, in a local equirectangular projection (kilometres).
//!
//! Roads in the model are a few hundred kilometres long at most, so a flat projection centred on
//! the piece at hand is accurate to well under a percent; this keeps the hazard build fast and
//! free of trigonometry in inner loops.

/// Kilometres per degree of latitude on a sphere of radius 6,371 km.
const KM_PER_DEGREE: f64 = 6371.0 * std::f64::consts::PI / 180.0;

/// A point in kilometres east and north of a projection origin.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Xy {
    x: f64,
    y: f64,
}

/// Projects (lat, lon) to kilometres around the origin latitude `lat0` (degrees).
fn project(p: (f64, f64), origin: (f64, f64), cos_lat0: f64) -> Xy {
    Xy {
        x: (p.1 - origin.1) * KM_PER_DEGREE * cos_lat0,
        y: (p.0 - origin.0) * KM_PER_DEGREE,
    }
}

/// Distance (km) from a point to the straight piece a–b.
pub fn distance_to_piece_km(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let cos_lat0 = ((a.0 + b.0) / 2.0).to_radians().cos();
    let (pp, pa, pb) = (
        project(p, a, cos_lat0),
        project(a, a, cos_lat0),
        project(b, a, cos_lat0),
    );
    let (dx, dy) = (pb.x - pa.x, pb.y - pa.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((pp.x - pa.x) * dx + (pp.y - pa.y) * dy) / len2).clamp(0.0, 1.0)
    };
    let (cx, cy) = (pa.x + t * dx, pa.y + t * dy);
    ((pp.x - cx).powi(2) + (pp.y - cy).powi(2)).sqrt()
}

/// Distance (km) from a point to the nearest part of a polyline.
pub fn distance_to_polyline_km(p: (f64, f64), line: &[(f64, f64)]) -> f64 {
    match line {
        [] => f64::INFINITY,
        [only] => distance_to_piece_km(p, *only, *only),
        _ => line
            .windows(2)
            .map(|w| distance_to_piece_km(p, w[0], w[1]))
            .fold(f64::INFINITY, f64::min),
    }
}

/// Length (km) of the straight piece a–b.
fn piece_length_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let cos_lat0 = ((a.0 + b.0) / 2.0).to_radians().cos();
    let pb = project(b, a, cos_lat0);
    (pb.x * pb.x + pb.y * pb.y).sqrt()
}

/// Geometric length (km) of a polyline.
pub fn polyline_length_km(line: &[(f64, f64)]) -> f64 {
    line.windows(2).map(|w| piece_length_km(w[0], w[1])).sum()
}

/// Length (km) of the piece a–b that lies within `radius_km` of `centre`.
fn piece_length_within_km(a: (f64, f64), b: (f64, f64), centre: (f64, f64), radius_km: f64) -> f64 {
    let cos_lat0 = centre.0.to_radians().cos();
    let (pa, pb) = (project(a, centre, cos_lat0), project(b, centre, cos_lat0));
    let (dx, dy) = (pb.x - pa.x, pb.y - pa.y);
    let len2 = dx * dx + dy * dy;
    if len2 == 0.0 {
        return 0.0;
    }
    // |pa + t·d|² = r²  ⇔  len2·t² + 2(pa·d)·t + |pa|² − r² = 0, for t in [0, 1].
    let half_b = pa.x * dx + pa.y * dy;
    let c = pa.x * pa.x + pa.y * pa.y - radius_km * radius_km;
    let disc = half_b * half_b - len2 * c;
    if disc <= 0.0 {
        return 0.0;
    }
    let root = disc.sqrt();
    let t0 = ((-half_b - root) / len2).clamp(0.0, 1.0);
    let t1 = ((-half_b + root) / len2).clamp(0.0, 1.0);
    (t1 - t0) * len2.sqrt()
}

/// Share of a polyline's geometric length that lies within `radius_km` of `centre`, in [0, 1].
pub fn share_within(line: &[(f64, f64)], centre: (f64, f64), radius_km: f64) -> f64 {
    let total = polyline_length_km(line);
    if total <= 0.0 {
        // A degenerate road (both ends at one point) is inside or outside as a whole.
        return match line.first() {
            Some(p) if distance_to_piece_km(*p, centre, centre) <= radius_km => 1.0,
            _ => 0.0,
        };
    }
    let inside: f64 = line
        .windows(2)
        .map(|w| piece_length_within_km(w[0], w[1], centre, radius_km))
        .sum();
    (inside / total).clamp(0.0, 1.0)
}

/// Mean of exp(−d / `range_km`) along a polyline, d the distance from `p` to each point of the
/// road (midpoint rule on pieces of at most `STEP_KM`). Hazard is per km driven, so an event's
/// hazard on a long road is what it puts on the road's length on average: an event at one end
/// of a 180 km road weighs on it about range/180 as much as on a short road beside it.
pub fn mean_decay_along(line: &[(f64, f64)], p: (f64, f64), range_km: f64) -> f64 {
    const STEP_KM: f64 = 5.0;
    let decay = |q: (f64, f64)| (-distance_to_piece_km(p, q, q) / range_km).exp();
    let total = polyline_length_km(line);
    if total <= 0.0 {
        return line.first().map_or(0.0, |q| decay(*q));
    }
    let mut sum = 0.0;
    for w in line.windows(2) {
        let len = piece_length_km(w[0], w[1]);
        let steps = (len / STEP_KM).ceil().max(1.0);
        for k in 0..steps as usize {
            let t = (k as f64 + 0.5) / steps;
            let q = (
                w[0].0 + t * (w[1].0 - w[0].0),
                w[0].1 + t * (w[1].1 - w[0].1),
            );
            sum += decay(q) * len / steps;
        }
    }
    sum / total
}

/// The point (lat, lon) at `share` ∈ [0, 1] of a polyline's geometric length.
pub fn point_at_share(line: &[(f64, f64)], share: f64) -> Option<(f64, f64)> {
    let first = *line.first()?;
    let total = polyline_length_km(line);
    if total <= 0.0 {
        return Some(first);
    }
    let mut left = share.clamp(0.0, 1.0) * total;
    for w in line.windows(2) {
        let len = piece_length_km(w[0], w[1]);
        if left <= len && len > 0.0 {
            let t = left / len;
            return Some((
                w[0].0 + t * (w[1].0 - w[0].0),
                w[0].1 + t * (w[1].1 - w[0].1),
            ));
        }
        left -= len;
    }
    line.last().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// About 1° of longitude at the equator: 111.2 km.
    const EAST: (f64, f64) = (0.0, 1.0);

    #[test]
    fn share_within_matches_a_chord_through_the_centre() {
        let line = [(0.0, -1.0), EAST];
        // A 50 km circle at the origin covers 100 km of the 222 km road.
        let share = share_within(&line, (0.0, 0.0), 50.0);
        let expected = 100.0 / (2.0 * KM_PER_DEGREE);
        assert!((share - expected).abs() < 1e-6, "{share} vs {expected}");
    }

    #[test]
    fn share_within_is_zero_for_a_road_passing_outside_and_one_inside() {
        let line = [(1.0, -1.0), (1.0, 1.0)];
        assert_eq!(share_within(&line, (0.0, 0.0), 100.0), 0.0);
        assert_eq!(share_within(&line, (1.0, 0.0), 1000.0), 1.0);
    }

    #[test]
    fn an_end_inside_the_radius_does_not_take_the_whole_road() {
        // The old rule took a segment if either end was within the radius.
        let line = [(0.0, 0.0), (0.0, 2.0)];
        let share = share_within(&line, (0.0, 0.0), 30.0);
        assert!((share - 30.0 / (2.0 * KM_PER_DEGREE)).abs() < 1e-6);
    }

    #[test]
    fn polyline_distance_follows_the_bend() {
        // An L-shaped road: the straight chord passes near (0.5, 0.5); the road does not.
        let bent = [(0.0, 0.0), (0.0, 1.0), (1.0, 1.0)];
        let straight = [(0.0, 0.0), (1.0, 1.0)];
        let p = (0.5, 0.5);
        assert!(distance_to_polyline_km(p, &straight) < 1.0);
        assert!(distance_to_polyline_km(p, &bent) > 50.0);
    }

    #[test]
    fn mean_decay_is_the_kernel_averaged_over_the_road() {
        // A 222 km road with the event at one end: mean of exp(−x/40) over [0, L] is
        // 40/L · (1 − exp(−L/40)).
        let line = [(0.0, 0.0), (0.0, 2.0)];
        let len = 2.0 * KM_PER_DEGREE;
        let expected = 40.0 / len * (1.0 - (-len / 40.0f64).exp());
        let got = mean_decay_along(&line, (0.0, 0.0), 40.0);
        assert!(
            (got - expected).abs() < 0.01 * expected,
            "{got} vs {expected}"
        );
        // A short road next to the event gets nearly the full weight.
        let short = [(0.0, 0.0), (0.0, 0.01)];
        assert!(mean_decay_along(&short, (0.0, 0.0), 40.0) > 0.98);
    }

    #[test]
    fn point_at_share_walks_the_polyline() {
        let bent = [(0.0, 0.0), (0.0, 1.0), (1.0, 1.0)];
        let mid = point_at_share(&bent, 0.5).expect("non-empty");
        assert!(
            (mid.0 - 0.0).abs() < 1e-3 && (mid.1 - 1.0).abs() < 1e-3,
            "{mid:?}"
        );
        assert_eq!(point_at_share(&bent, 1.0), Some((1.0, 1.0)));
        assert_eq!(point_at_share(&[], 0.5), None);
    }
}
