//! Poisson draws for conflict-driven spawning (`spawn_mode: poisson`), with the same
//! algorithms numpy's `random.poisson` uses: multiplication of uniforms for small means and
//! Hörmann's transformed rejection (PTRS, 1993) for means of 10 and more.

use rand::{Rng, RngExt};

/// A Poisson-distributed count with mean `mean` (0 for a mean that is not positive).
pub fn poisson<R: Rng + ?Sized>(mean: f64, rng: &mut R) -> u64 {
    if mean.is_nan() || mean <= 0.0 {
        return 0;
    }
    if mean < 10.0 {
        by_multiplication(mean, rng)
    } else {
        by_transformed_rejection(mean, rng)
    }
}

/// Counts uniforms until their product falls below `exp(-mean)`.
fn by_multiplication<R: Rng + ?Sized>(mean: f64, rng: &mut R) -> u64 {
    let limit = (-mean).exp();
    let mut product = 1.0;
    let mut count = 0;
    loop {
        product *= rng.random::<f64>();
        if product <= limit {
            return count;
        }
        count += 1;
    }
}

/// Hörmann's PTRS: a transformed-rejection sampler with a squeeze, exact for any mean.
fn by_transformed_rejection<R: Rng + ?Sized>(mean: f64, rng: &mut R) -> u64 {
    let sqrt_mean = mean.sqrt();
    let log_mean = mean.ln();
    let b = 0.931 + 2.53 * sqrt_mean;
    let a = -0.059 + 0.02483 * b;
    let inverse_alpha = 1.1239 + 1.1328 / (b - 3.4);
    let squeeze = 0.9277 - 3.6224 / (b - 2.0);
    loop {
        let u = rng.random::<f64>() - 0.5;
        let v = rng.random::<f64>();
        let us = 0.5 - u.abs();
        let k = ((2.0 * a / us + b) * u + mean + 0.43).floor();
        if us >= 0.07 && v <= squeeze {
            return k as u64;
        }
        if k < 0.0 || (us < 0.013 && v > us) {
            continue;
        }
        let accept = v.ln() + inverse_alpha.ln() - (a / (us * us) + b).ln();
        if accept <= -mean + k * log_mean - ln_gamma(k + 1.0) {
            return k as u64;
        }
    }
}

/// `ln Γ(x)` for `x ≥ 1`, by Stirling's series after shifting `x` above 7 (as numpy does).
fn ln_gamma(x: f64) -> f64 {
    const COEFFICIENTS: [f64; 10] = [
        8.333333333333333e-02,
        -2.777777777777778e-03,
        7.936507936507937e-04,
        -5.952380952380952e-04,
        8.417508417508418e-04,
        -1.917526917526918e-03,
        6.410_256_410_256_41e-3,
        -2.955065359477124e-02,
        1.796443723688307e-01,
        -1.39243221690590e+00,
    ];
    if x == 1.0 || x == 2.0 {
        return 0.0;
    }
    let shift = if x < 7.0 { (7.0 - x).floor() } else { 0.0 };
    let mut shifted = x + shift;
    let inverse_square = 1.0 / (shifted * shifted);
    let mut series = COEFFICIENTS[9];
    for &c in COEFFICIENTS[..9].iter().rev() {
        series = series * inverse_square + c;
    }
    let mut result =
        series / shifted + 0.5 * (2.0 * std::f64::consts::PI).ln() + (shifted - 0.5) * shifted.ln()
            - shifted;
    for _ in 0..shift as u64 {
        shifted -= 1.0;
        result -= shifted.ln();
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn mean_and_variance(mean: f64, draws: usize) -> (f64, f64) {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let samples: Vec<f64> = (0..draws).map(|_| poisson(mean, &mut rng) as f64).collect();
        let m = samples.iter().sum::<f64>() / draws as f64;
        let v = samples.iter().map(|s| (s - m) * (s - m)).sum::<f64>() / (draws - 1) as f64;
        (m, v)
    }

    #[test]
    fn ln_gamma_matches_factorials() {
        let mut factorial = 1.0f64;
        for n in 1..30u32 {
            factorial *= f64::from(n);
            let expected = factorial.ln();
            assert!(
                (ln_gamma(f64::from(n) + 1.0) - expected).abs() < 1e-9,
                "{n}"
            );
        }
    }

    #[test]
    fn draws_have_the_poisson_mean_and_variance() {
        for mean in [0.5, 3.0, 12.0, 500.0] {
            let (m, v) = mean_and_variance(mean, 200_000);
            // Standard error of the mean is sqrt(mean / n); allow 5 of them.
            let tolerance = 5.0 * (mean / 200_000.0f64).sqrt();
            assert!((m - mean).abs() < tolerance, "mean {mean}: got {m}");
            assert!((v / mean - 1.0).abs() < 0.03, "mean {mean}: variance {v}");
        }
        assert_eq!(poisson(0.0, &mut ChaCha8Rng::seed_from_u64(1)), 0);
        assert_eq!(poisson(f64::NAN, &mut ChaCha8Rng::seed_from_u64(1)), 0);
    }
}
