//! Variance-based sensitivity: Sobol first-order and total indices of each parameter on each
//! model output, by the Saltelli (2010) first-order and Jansen (1999) total estimators, with
//! bootstrap intervals.
//!
//! Two independent samples A and B of the priors (N rows each) and, for each parameter i, the
//! matrix A_B⁽ⁱ⁾ (A with column i from B) are evaluated: N (d + 2) evaluations. Row j's draws come
//! from its own stream, and the d + 2 evaluations of a row share one stream of simulation seeds
//! (common random numbers), so the indices do not depend on the thread count and the dice do not
//! masquerade as a parameter's effect.

use crate::abc::{particle_rng, quantile};
use crate::error::{AnalysisError, Result};
use crate::parameters::Prior;
use crate::runner::Runner;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Stream number of the bootstrap's resampling (rows use generation 0 and their own index).
const BOOTSTRAP_STREAM: usize = 1;

/// One parameter's indices on one output, with 95% bootstrap intervals.
#[derive(Clone, Debug, PartialEq)]
pub struct Indices {
    pub output: usize,
    pub parameter: usize,
    pub first: f64,
    pub first_interval: (f64, f64),
    pub total: f64,
    pub total_interval: (f64, f64),
}

/// The evaluations of one row: f(A_j), f(B_j) and f(A_B⁽ⁱ⁾_j) for each i, each a vector of
/// outputs.
struct Row {
    a: Vec<f64>,
    b: Vec<f64>,
    mixed: Vec<Vec<f64>>,
}

/// Sobol indices of every parameter on every output of `model` (`outputs` of them), from
/// `samples` rows and `bootstrap` resamples. The design's N (d + 2) evaluations are one batch of
/// `runner` (evaluation `j (d + 2) + e` is row j's A, B or A_B⁽ⁱ⁾); `progress` is told of
/// evaluations as they finish.
#[allow(clippy::too_many_arguments)]
pub fn sobol<F>(
    priors: &[Prior],
    outputs: usize,
    samples: usize,
    bootstrap: usize,
    seed: u64,
    model: F,
    runner: &dyn Runner,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<Indices>>
where
    F: Fn(&[f64], &mut ChaCha8Rng) -> Vec<f64> + Sync,
{
    let d = priors.len();
    let per_row = d + 2;
    let samples = samples.max(2);
    let values = runner.map(
        samples * per_row,
        &|k| {
            let (a, b, simulation_seed) = row_design(priors, seed, k / per_row);
            let theta = match k % per_row {
                0 => a,
                1 => b,
                e => {
                    let mut theta = a;
                    theta[e - 2] = b[e - 2];
                    theta
                }
            };
            // The evaluations of a row share their simulation seeds (common random numbers).
            model(&theta, &mut particle_rng(simulation_seed, 0, 0))
        },
        progress,
    )?;
    if let Some(bad) = values.iter().find(|v| v.len() != outputs) {
        return Err(AnalysisError::Ranks(format!(
            "an evaluation came back with {} outputs, not {outputs}",
            bad.len()
        )));
    }
    let mut values = values.into_iter();
    let rows: Vec<Row> = (0..samples)
        .map(|_| {
            let mut next = || values.next().unwrap_or_default();
            let a = next();
            let b = next();
            let mixed = (0..d).map(|_| next()).collect();
            Row { a, b, mixed }
        })
        .collect();
    let all: Vec<usize> = (0..rows.len()).collect();
    let resamples: Vec<Vec<usize>> = {
        let mut rng = particle_rng(seed, BOOTSTRAP_STREAM, 0);
        (0..bootstrap)
            .map(|_| {
                (0..rows.len())
                    .map(|_| rng.random_range(0..rows.len()))
                    .collect()
            })
            .collect()
    };
    let mut out = Vec::with_capacity(outputs * priors.len());
    for output in 0..outputs {
        for parameter in 0..priors.len() {
            let (first, total) = estimate(&rows, &all, output, parameter);
            let (firsts, totals): (Vec<f64>, Vec<f64>) = resamples
                .iter()
                .map(|r| estimate(&rows, r, output, parameter))
                .unzip();
            let interval = |v: &[f64]| (quantile(v, 0.025), quantile(v, 0.975));
            out.push(Indices {
                output,
                parameter,
                first,
                first_interval: interval(&firsts),
                total,
                total_interval: interval(&totals),
            });
        }
    }
    Ok(out)
}

/// Row j of the design: A_j and B_j drawn from the priors, and the seed of its simulations,
/// all from the row's own stream.
fn row_design(priors: &[Prior], seed: u64, row: usize) -> (Vec<f64>, Vec<f64>, u64) {
    let mut rng = particle_rng(seed, 0, row);
    let a: Vec<f64> = priors.iter().map(|p| p.sample(&mut rng)).collect();
    let b: Vec<f64> = priors.iter().map(|p| p.sample(&mut rng)).collect();
    (a, b, rng.random())
}

/// First-order (Saltelli 2010) and total (Jansen 1999) indices over the chosen rows, skipping
/// rows where the output is missing (NaN); NaN where the output does not vary.
fn estimate(rows: &[Row], chosen: &[usize], output: usize, parameter: usize) -> (f64, f64) {
    let values = || {
        chosen
            .iter()
            .map(|&j| {
                let r = &rows[j];
                (r.a[output], r.b[output], r.mixed[parameter][output])
            })
            .filter(|(a, b, ab)| !(a.is_nan() || b.is_nan() || ab.is_nan()))
    };
    let n = values().count() as f64;
    let mean = values().map(|(a, b, _)| a + b).sum::<f64>() / (2.0 * n);
    let variance = values()
        .map(|(a, b, _)| (a - mean).powi(2) + (b - mean).powi(2))
        .sum::<f64>()
        / (2.0 * n - 1.0);
    if variance.is_nan() || variance <= 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let first = values().map(|(a, b, ab)| b * (ab - a)).sum::<f64>() / n / variance;
    let total = values().map(|(a, _, ab)| (a - ab).powi(2)).sum::<f64>() / (2.0 * n) / variance;
    (first, total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::{Local, Spread, ThreadRanks};
    use std::f64::consts::PI;

    fn ishigami(x: &[f64]) -> f64 {
        let (a, b) = (7.0, 0.1);
        x[0].sin() + a * x[1].sin().powi(2) + b * x[2].powi(4) * x[0].sin()
    }

    #[test]
    fn the_ishigami_function_s_known_indices_are_recovered() {
        let priors = [Prior::Uniform { min: -PI, max: PI }; 3];
        let indices = sobol(
            &priors,
            1,
            20_000,
            50,
            4,
            |x, _| vec![ishigami(x)],
            &Local,
            &|_| {},
        )
        .expect("runs on threads");
        // Analytic values for a = 7, b = 0.1 (Ishigami & Homma 1990; Sobol' & Levitan 1999).
        let first = [0.3139, 0.4424, 0.0];
        let total = [0.5576, 0.4424, 0.2437];
        for ix in &indices {
            let i = ix.parameter;
            assert!((ix.first - first[i]).abs() < 0.04, "S{}: {ix:?}", i + 1);
            assert!((ix.total - total[i]).abs() < 0.04, "ST{}: {ix:?}", i + 1);
            assert!(ix.first_interval.0 <= ix.first && ix.first <= ix.first_interval.1);
            assert!(ix.total_interval.1 - ix.total_interval.0 < 0.1, "{ix:?}");
        }
    }

    #[test]
    fn indices_do_not_depend_on_the_thread_count() {
        let priors = [Prior::Uniform { min: -PI, max: PI }; 3];
        let on = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a thread pool")
                .install(|| {
                    sobol(
                        &priors,
                        1,
                        200,
                        20,
                        8,
                        |x, rng| vec![ishigami(x) + rng.random::<f64>()],
                        &Local,
                        &|_| {},
                    )
                    .expect("runs on threads")
                })
        };
        assert_eq!(on(1), on(2));
    }

    #[test]
    fn indices_spread_over_ranks_are_those_of_one_process() {
        let priors = [Prior::Uniform { min: -PI, max: PI }; 3];
        let model = |x: &[f64], rng: &mut ChaCha8Rng| vec![ishigami(x) + rng.random::<f64>()];
        let local = sobol(&priors, 1, 50, 20, 8, model, &Local, &|_| {}).expect("local");
        for ranks in [2, 3] {
            let spread = ThreadRanks::play(ranks, 1, |rank| {
                sobol(&priors, 1, 50, 20, 8, model, &Spread::new(rank), &|_| {}).expect("spread")
            });
            for indices in spread {
                assert_eq!(indices, local, "{ranks} ranks");
            }
        }
    }
}
