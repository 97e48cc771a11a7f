//! Exact sample quantiles by selection (no sorting, no sketch).
//!
//! The definition is the usual "type 7" (R's default, NumPy's `linear`): for `n` values sorted
//! as `x[0] ≤ … ≤ x[n-1]` and a probability `p`, let `h = (n − 1)·p`; the quantile is
//! `x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])`. Each quantile costs one `select_nth_unstable`
//! (linear time on average) on the part of the slice not yet partitioned.

/// A value the quantiles can be taken of (`f32` for daily cells, `f64` for run figures).
pub trait Sample: Copy {
    fn to_f64(self) -> f64;
    fn is_nan(self) -> bool;
    fn cmp_total(&self, other: &Self) -> std::cmp::Ordering;
}

impl Sample for f32 {
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn is_nan(self) -> bool {
        f32::is_nan(self)
    }
    fn cmp_total(&self, other: &Self) -> std::cmp::Ordering {
        self.total_cmp(other)
    }
}

impl Sample for f64 {
    fn to_f64(self) -> f64 {
        self
    }
    fn is_nan(self) -> bool {
        f64::is_nan(self)
    }
    fn cmp_total(&self, other: &Self) -> std::cmp::Ordering {
        self.total_cmp(other)
    }
}

/// The probabilities written to `quantiles.csv`.
pub const PROBS: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

/// Summary of one set of values.
#[derive(Clone, Debug, PartialEq)]
pub struct Spread {
    /// Values that were not NaN.
    pub n: usize,
    /// One per requested probability, in the order asked; NaN when `n == 0`.
    pub quantiles: Vec<f64>,
    /// Mean of the values (infinite values make it infinite); NaN when `n == 0`.
    pub mean: f64,
}

fn interpolate(lo: f64, hi: f64, frac: f64) -> f64 {
    if frac == 0.0 || lo == hi {
        lo
    } else {
        lo + frac * (hi - lo)
    }
}

/// Type-7 quantiles of `values` at `probs` (each in [0, 1], in any order). NaNs are ignored.
/// Reorders `values`.
pub fn spread<T: Sample>(values: &mut [T], probs: &[f64]) -> Spread {
    // NaNs to the back.
    let mut n = 0;
    for i in 0..values.len() {
        if !values[i].is_nan() {
            values.swap(i, n);
            n += 1;
        }
    }
    let values = &mut values[..n];
    if n == 0 {
        return Spread {
            n,
            quantiles: vec![f64::NAN; probs.len()],
            mean: f64::NAN,
        };
    }
    let mean = values.iter().map(|v| v.to_f64()).sum::<f64>() / n as f64;
    let mut order: Vec<usize> = (0..probs.len()).collect();
    order.sort_by(|&a, &b| probs[a].total_cmp(&probs[b]));
    let mut quantiles = vec![f64::NAN; probs.len()];
    // Everything before `start` is already in its sorted place relative to the rest.
    let mut start = 0;
    for &qi in &order {
        let h = (n - 1) as f64 * probs[qi].clamp(0.0, 1.0);
        let lo = (h.floor() as usize).min(n - 1);
        let frac = h - lo as f64;
        if lo >= start {
            values[start..].select_nth_unstable_by(lo - start, T::cmp_total);
        }
        let x_lo = values[lo].to_f64();
        let x_hi = if lo + 1 < n && frac > 0.0 {
            values[lo + 1..]
                .iter()
                .min_by(|a, b| a.cmp_total(b))
                .map_or(x_lo, |v| v.to_f64())
        } else {
            x_lo
        };
        quantiles[qi] = interpolate(x_lo, x_hi, frac);
        start = start.max(lo + 1);
    }
    Spread { n, quantiles, mean }
}

/// The same definition by full sorting: the reference the tests compare against.
pub fn spread_by_sorting(values: &[f64], probs: &[f64]) -> Spread {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return Spread {
            n,
            quantiles: vec![f64::NAN; probs.len()],
            mean: f64::NAN,
        };
    }
    let quantiles = probs
        .iter()
        .map(|p| {
            let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            interpolate(v[lo], v[hi], h - lo as f64)
        })
        .collect();
    Spread {
        n,
        quantiles,
        mean: v.iter().sum::<f64>() / n as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        let mut v = vec![3.0, 1.0, 2.0, 4.0, 5.0];
        let s = spread(&mut v, &[0.0, 0.25, 0.5, 1.0, 0.1]);
        assert_eq!(s.quantiles, vec![1.0, 2.0, 3.0, 5.0, 1.4]);
        assert_eq!(s.mean, 3.0);
        let mut one = vec![7.0f32];
        assert_eq!(spread(&mut one, &PROBS).quantiles, vec![7.0; 5]);
    }

    #[test]
    fn nans_are_ignored_and_infinity_is_kept() {
        let mut v = vec![f64::NAN, 2.0, f64::INFINITY, 1.0, f64::NAN];
        let s = spread(&mut v, &[0.0, 0.5, 1.0]);
        assert_eq!(s.n, 3);
        assert_eq!(s.quantiles, vec![1.0, 2.0, f64::INFINITY]);
        let mut all_nan = vec![f32::NAN; 3];
        assert!(
            spread(&mut all_nan, &PROBS)
                .quantiles
                .iter()
                .all(|q| q.is_nan())
        );
    }

    proptest! {
        #[test]
        fn selection_matches_sorting(
            values in prop::collection::vec(-1e6f64..1e6, 1..300),
            repeats in 0usize..4,
            probs in prop::collection::vec(0.0f64..=1.0, 1..8),
        ) {
            // Ties are common in model outputs (zero shortage): repeat some values.
            let mut v = values.clone();
            v.extend_from_slice(&values[..repeats.min(values.len())]);
            let expected = spread_by_sorting(&v, &probs);
            let got = spread(&mut v.clone(), &probs);
            prop_assert_eq!(got.n, expected.n);
            for (a, b) in got.quantiles.iter().zip(&expected.quantiles) {
                prop_assert!((a - b).abs() <= 1e-9 * (1.0 + b.abs()), "{} vs {}", a, b);
            }
        }
    }
}
