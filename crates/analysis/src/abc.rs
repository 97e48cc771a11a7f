//! Approximate Bayesian computation by sequential Monte Carlo (population Monte Carlo with
//! adaptive tolerances; Beaumont et al. 2009, Del Moral et al. 2012).
//!
//! Generation 0 draws every particle from the prior. Each later generation sets its tolerance to
//! a quantile of the previous generation's distances, and each of its particles picks an
//! ancestor by weight, moves it with a Gaussian kernel (per parameter, twice the previous
//! generation's weighted variance), and is kept once a simulation lands within the tolerance.
//! Importance weights are prior / Σ w_prev · kernel.
//!
//! Particle *i* of generation *g* draws everything (ancestor, move, simulation seeds) from its
//! own stream [`particle_rng`]`(seed, g, i)`, so the result is the same on any number of threads
//! or processes (a generation is one batch of a [`Runner`]).

use crate::error::{AnalysisError, Result};
use crate::parameters::{Prior, standard_normal};
use crate::runner::Runner;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// How a calibration runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Particles per generation.
    pub particles: usize,
    /// Most generations (generation 0, from the prior, included).
    pub generations: usize,
    /// The next tolerance is this quantile of the current distances.
    pub quantile: f64,
    /// Stop after a generation that accepts fewer of its proposals than this.
    pub min_acceptance: f64,
    /// Proposals one particle may try in one generation; if any particle runs out, that
    /// generation is dropped and the previous one is the result.
    pub max_attempts: u64,
    pub seed: u64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            particles: 200,
            generations: 6,
            quantile: 0.5,
            min_acceptance: 0.02,
            max_attempts: 500,
            seed: 1,
        }
    }
}

/// What one simulation at a parameter vector gives: its distance from the observations and the
/// simulated quantities (kept with the particle, e.g. for a fit table).
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    pub distance: f64,
    pub outputs: Vec<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Particle {
    pub theta: Vec<f64>,
    /// Normalised: the weights of a generation sum to 1.
    pub weight: f64,
    pub distance: f64,
    pub outputs: Vec<f64>,
}

/// One generation's diagnostics.
#[derive(Clone, Debug, PartialEq)]
pub struct GenerationSummary {
    pub generation: usize,
    /// Infinite for generation 0.
    pub tolerance: f64,
    /// Proposals tried. Moves are drawn within the priors' bounds, so every proposal is
    /// simulated and this equals `simulations` (both kept: the columns predate the truncated
    /// kernel, when moves outside the bounds were counted and not simulated).
    pub proposals: u64,
    pub simulations: u64,
    /// Simulations stopped before their last day, once their distance was certain to exceed
    /// the tolerance (their proposals were rejected as a full run would have had them).
    pub stopped_early: u64,
    pub accepted: usize,
    /// Kish's effective sample size, 1 / Σ w².
    pub effective_sample_size: f64,
}

impl GenerationSummary {
    pub fn acceptance_rate(&self) -> f64 {
        self.accepted as f64 / self.proposals.max(1) as f64
    }
}

/// Why the sequence ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    Generations,
    /// Every particle fitted exactly: the tolerance cannot shrink further.
    ToleranceZero,
    LowAcceptance,
    /// A particle found no proposal within the tolerance in `max_attempts`: the last
    /// generation was dropped.
    AttemptsExhausted,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Posterior {
    /// The last complete generation.
    pub particles: Vec<Particle>,
    pub generations: Vec<GenerationSummary>,
    pub stop: Stop,
}

/// The stream of particle `particle` in generation `generation`.
pub fn particle_rng(seed: u64, generation: usize, particle: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(((generation as u64) << 40) | particle as u64);
    rng
}

/// The sequence after a complete generation: all that the next generation depends on (every
/// particle draws from its own stream), so a sequence continued from it is the sequence run
/// without a stop.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    /// The last complete generation.
    pub particles: Vec<Particle>,
    /// Every generation so far, the first from the prior.
    pub generations: Vec<GenerationSummary>,
}

/// Runs ABC-SMC. `simulate` gives one evaluation at a parameter vector, drawing its randomness
/// from the stream it is handed. It is told the tolerance its proposal must meet (infinite in
/// generation 0) and may stop early, returning None, once its distance is certain to exceed it:
/// a rejected proposal's evaluation is never read, so the sequence is the same either way.
/// Each generation's particles are one batch of `runner` (threads, or ranks that all run this
/// function and all get every batch back); `progress` is told of particles as they are settled
/// (drawn, or moved or given up on).
pub fn run<F>(
    priors: &[Prior],
    settings: &Settings,
    simulate: F,
    runner: &dyn Runner,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Posterior>
where
    F: Fn(&[f64], f64, &mut ChaCha8Rng) -> Option<Evaluation> + Sync,
{
    run_from(
        priors,
        settings,
        simulate,
        runner,
        progress,
        None,
        &mut |_| Ok(Continue::Yes),
    )
}

/// Whether to go on after a generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Continue {
    Yes,
    /// Stop here (as if interrupted): [`run_from`] returns [`AnalysisError::Interrupted`].
    No,
}

/// [`run`], continued from `start` (a checkpoint of the same problem and settings) when given;
/// `after_generation` is handed the checkpoint of every complete generation (to keep it where a
/// restart can find it) and may stop the sequence there.
pub fn run_from<F>(
    priors: &[Prior],
    settings: &Settings,
    simulate: F,
    runner: &dyn Runner,
    progress: &(dyn Fn(u64) + Sync),
    start: Option<Checkpoint>,
    after_generation: &mut dyn FnMut(&Checkpoint) -> Result<Continue>,
) -> Result<Posterior>
where
    F: Fn(&[f64], f64, &mut ChaCha8Rng) -> Option<Evaluation> + Sync,
{
    let n = settings.particles.max(1);
    let d = priors.len();
    let (mut particles, mut generations) = match start {
        Some(c) => {
            check_checkpoint(priors, n, &c).map_err(|why| {
                AnalysisError::Calibration(format!(
                    "the checkpoint is damaged: {why} (remove it to start the calibration again)"
                ))
            })?;
            (c.particles, c.generations)
        }
        None => {
            let particles = first_generation(priors, settings, &simulate, runner, progress)?;
            let counts = [n as u64, n as u64, 0];
            let generations = vec![summary(0, f64::INFINITY, counts, &particles)];
            let checkpoint = Checkpoint {
                particles,
                generations,
            };
            if after_generation(&checkpoint)? == Continue::No {
                return Err(AnalysisError::Interrupted(1));
            }
            (checkpoint.particles, checkpoint.generations)
        }
    };
    let stop = loop {
        // The stop rules read the last generation (generation 0, from the prior, meets none).
        if let Some(last) = generations.last().filter(|g| g.generation > 0) {
            if last.tolerance <= 0.0 {
                break Stop::ToleranceZero;
            }
            if last.acceptance_rate() < settings.min_acceptance {
                break Stop::LowAcceptance;
            }
        }
        let generation = generations.len();
        if generation >= settings.generations {
            break Stop::Generations;
        }
        let distances: Vec<f64> = particles.iter().map(|p| p.distance).collect();
        let tolerance = quantile(&distances, settings.quantile);
        let kernel_sd = kernel_sd(priors, &particles);
        let cumulative = cumulative_weights(&particles);
        let wires = runner.map(
            n,
            &|i| {
                let mut rng = particle_rng(settings.seed, generation, i);
                let found = propose_until_within(
                    priors,
                    &particles,
                    &cumulative,
                    &kernel_sd,
                    tolerance,
                    settings.max_attempts,
                    &simulate,
                    &mut rng,
                );
                found.map_or_else(Vec::new, |m| m.to_wire())
            },
            progress,
        )?;
        let moved: Vec<Option<Move>> = wires
            .iter()
            .map(|w| Move::from_wire(w, d))
            .collect::<Result<_>>()?;
        let Some(moved) = moved.into_iter().collect::<Option<Vec<_>>>() else {
            break Stop::AttemptsExhausted;
        };
        let proposals = moved.iter().map(|m| m.proposals).sum();
        let simulations = moved.iter().map(|m| m.simulations).sum();
        let stopped_early = moved.iter().map(|m| m.stopped_early).sum();
        let weights = importance_weights(priors, &particles, &kernel_sd, &moved);
        let next: Vec<Particle> = moved
            .into_iter()
            .zip(weights)
            .map(|(m, weight)| Particle {
                theta: m.theta,
                weight,
                distance: m.evaluation.distance,
                outputs: m.evaluation.outputs,
            })
            .collect();
        generations.push(summary(
            generation,
            tolerance,
            [proposals, simulations, stopped_early],
            &next,
        ));
        let checkpoint = Checkpoint {
            particles: next,
            generations,
        };
        let go_on = after_generation(&checkpoint)?;
        (particles, generations) = (checkpoint.particles, checkpoint.generations);
        if go_on == Continue::No {
            return Err(AnalysisError::Interrupted(generations.len()));
        }
    };
    Ok(Posterior {
        particles,
        generations,
        stop,
    })
}

/// Generation 0: every particle drawn from the prior and simulated once.
fn first_generation<F>(
    priors: &[Prior],
    settings: &Settings,
    simulate: &F,
    runner: &dyn Runner,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<Particle>>
where
    F: Fn(&[f64], f64, &mut ChaCha8Rng) -> Option<Evaluation> + Sync,
{
    let n = settings.particles.max(1);
    let d = priors.len();
    let drawn = runner.map(
        n,
        &|i| {
            let mut rng = particle_rng(settings.seed, 0, i);
            let theta: Vec<f64> = priors.iter().map(|p| p.sample(&mut rng)).collect();
            // Nothing exceeds an infinite tolerance: the simulation runs to its end.
            let Some(eval) = simulate(&theta, f64::INFINITY, &mut rng) else {
                return Vec::new();
            };
            let mut wire = Vec::with_capacity(1 + d + eval.outputs.len());
            wire.push(eval.distance);
            wire.extend_from_slice(&theta);
            wire.extend_from_slice(&eval.outputs);
            wire
        },
        progress,
    )?;
    drawn
        .iter()
        .map(|wire| {
            let (evaluation, theta) = read_evaluation(wire, d)?;
            Ok(Particle {
                theta,
                weight: 1.0 / n as f64,
                distance: evaluation.distance,
                outputs: evaluation.outputs,
            })
        })
        .collect()
}

/// `[distance, θ (d values), outputs…]` back into an evaluation and θ.
fn read_evaluation(wire: &[f64], d: usize) -> Result<(Evaluation, Vec<f64>)> {
    if wire.len() < 1 + d {
        return Err(AnalysisError::Ranks(format!(
            "a particle came back with {} values, fewer than its {d} parameters and distance",
            wire.len()
        )));
    }
    Ok((
        Evaluation {
            distance: wire[0],
            outputs: wire[1 + d..].to_vec(),
        },
        wire[1..1 + d].to_vec(),
    ))
}

/// A particle's accepted move in one generation, and what it cost.
struct Move {
    theta: Vec<f64>,
    evaluation: Evaluation,
    proposals: u64,
    simulations: u64,
    /// Of the rejected proposals' simulations, those stopped early.
    stopped_early: u64,
}

impl Move {
    /// `[proposals, simulations, stopped early, distance, θ…, outputs…]` (counts are exact in
    /// an f64 far beyond any attempt limit).
    fn to_wire(&self) -> Vec<f64> {
        let mut wire = vec![
            self.proposals as f64,
            self.simulations as f64,
            self.stopped_early as f64,
        ];
        wire.push(self.evaluation.distance);
        wire.extend_from_slice(&self.theta);
        wire.extend_from_slice(&self.evaluation.outputs);
        wire
    }

    /// An empty list is a particle that found no move within its attempts.
    fn from_wire(wire: &[f64], d: usize) -> Result<Option<Move>> {
        if wire.is_empty() {
            return Ok(None);
        }
        let (counts, rest) = wire.split_at(wire.len().min(3));
        let (evaluation, theta) = read_evaluation(rest, d)?;
        Ok(Some(Move {
            theta,
            evaluation,
            proposals: counts[0] as u64,
            simulations: counts[1] as u64,
            stopped_early: counts[2] as u64,
        }))
    }
}

/// Proposes moves of weighted ancestors until one simulates within `tolerance`.
#[allow(clippy::too_many_arguments)]
fn propose_until_within<F>(
    priors: &[Prior],
    previous: &[Particle],
    cumulative: &[f64],
    kernel_sd: &[f64],
    tolerance: f64,
    max_attempts: u64,
    simulate: &F,
    rng: &mut ChaCha8Rng,
) -> Option<Move>
where
    F: Fn(&[f64], f64, &mut ChaCha8Rng) -> Option<Evaluation> + Sync,
{
    // Every proposal lies within the bounds and is simulated: attempts are simulations.
    let mut stopped_early = 0;
    for attempt in 1..=max_attempts.max(1) {
        let u: f64 = rng.random();
        let ancestor = cumulative
            .partition_point(|c| *c < u)
            .min(previous.len() - 1);
        let theta: Vec<f64> = previous[ancestor]
            .theta
            .iter()
            .zip(kernel_sd)
            .zip(priors)
            .map(|((&x, &sd), prior)| truncated_step(x, sd, prior.bounds(), rng))
            .collect();
        match simulate(&theta, tolerance, rng) {
            Some(evaluation) if evaluation.distance <= tolerance => {
                return Some(Move {
                    theta,
                    evaluation,
                    proposals: attempt,
                    simulations: attempt,
                    stopped_early,
                });
            }
            Some(_) => {}
            None => stopped_early += 1,
        }
    }
    None
}

/// A generation's diagnostics; `counts` are its proposals, simulations and simulations
/// stopped early.
/// Why a checkpoint cannot be where this calibration left off (it was read back from a file a
/// person or a crash may have changed): `n` particles, each with a value inside each prior's
/// bounds, weights that are numbers ≥ 0 summing to 1, distances that are numbers, outputs of
/// one length; generations numbered from 0.
pub fn check_checkpoint(
    priors: &[Prior],
    n: usize,
    c: &Checkpoint,
) -> std::result::Result<(), String> {
    if c.particles.len() != n || c.generations.is_empty() {
        return Err(format!(
            "it holds {} particles after {} generations, not {n} particles",
            c.particles.len(),
            c.generations.len()
        ));
    }
    if let Some((i, g)) = c
        .generations
        .iter()
        .enumerate()
        .find(|(i, g)| g.generation != *i || g.tolerance.is_nan())
    {
        return Err(format!("generation {} is listed as {}", i, g.generation));
    }
    let outputs = c.particles[0].outputs.len();
    for (i, p) in c.particles.iter().enumerate() {
        if p.theta.len() != priors.len() {
            return Err(format!(
                "particle {i} has {} parameters, the calibration {}",
                p.theta.len(),
                priors.len()
            ));
        }
        if let Some((k, x)) = p.theta.iter().enumerate().find(|(k, x)| {
            let (min, max) = priors[*k].bounds();
            !(min..=max).contains(*x)
        }) {
            return Err(format!(
                "particle {i}'s parameter {k} is {x:?}, outside its prior"
            ));
        }
        if !(p.weight.is_finite() && p.weight >= 0.0) || p.distance.is_nan() {
            return Err(format!(
                "particle {i} has weight {:?} and distance {:?}",
                p.weight, p.distance
            ));
        }
        if p.outputs.len() != outputs {
            return Err(format!(
                "particle {i} has {} outputs, particle 0 {outputs}",
                p.outputs.len()
            ));
        }
    }
    let total: f64 = c.particles.iter().map(|p| p.weight).sum();
    if (total - 1.0).abs() > 1e-6 {
        return Err(format!("the weights sum to {total:?}, not 1"));
    }
    Ok(())
}

fn summary(
    generation: usize,
    tolerance: f64,
    [proposals, simulations, stopped_early]: [u64; 3],
    particles: &[Particle],
) -> GenerationSummary {
    GenerationSummary {
        generation,
        tolerance,
        proposals,
        simulations,
        stopped_early,
        accepted: particles.len(),
        effective_sample_size: 1.0 / particles.iter().map(|p| p.weight * p.weight).sum::<f64>(),
    }
}

/// The kernel's standard deviation per parameter: √(2 × weighted variance), kept above a
/// millionth of the prior's width so that a collapsed population can still move.
fn kernel_sd(priors: &[Prior], particles: &[Particle]) -> Vec<f64> {
    priors
        .iter()
        .enumerate()
        .map(|(k, prior)| {
            let mean: f64 = particles.iter().map(|p| p.weight * p.theta[k]).sum();
            let variance: f64 = particles
                .iter()
                .map(|p| p.weight * (p.theta[k] - mean).powi(2))
                .sum();
            let (min, max) = prior.bounds();
            (2.0 * variance).sqrt().max(1e-6 * (max - min))
        })
        .collect()
}

fn cumulative_weights(particles: &[Particle]) -> Vec<f64> {
    let mut total = 0.0;
    particles
        .iter()
        .map(|p| {
            total += p.weight;
            total
        })
        .collect()
}

/// One coordinate of a move: a Gaussian step from `x` drawn again until it lands within the
/// prior's bounds (the kernel truncated to the prior's support, so no proposal is wasted on a
/// value the prior forbids). An ancestor lies within the bounds, so at least about half of the
/// draws land: the loop ends fast; should the bounds be far narrower than the step, the
/// ancestor's own value is kept after many tries.
fn truncated_step(x: f64, sd: f64, (min, max): (f64, f64), rng: &mut ChaCha8Rng) -> f64 {
    for _ in 0..1_000 {
        let y = x + sd * standard_normal(rng);
        if (min..=max).contains(&y) {
            return y;
        }
    }
    x.clamp(min, max)
}

/// The standard normal's distribution function.
fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// The share of ancestor `theta`'s Gaussian kernel that lies within the priors' bounds (the
/// truncated kernel's normalising constant, a product over parameters).
fn kernel_mass_within(priors: &[Prior], theta: &[f64], kernel_sd: &[f64]) -> f64 {
    priors
        .iter()
        .zip(theta)
        .zip(kernel_sd)
        .map(|((prior, &x), &sd)| {
            let (min, max) = prior.bounds();
            normal_cdf((max - x) / sd) - normal_cdf((min - x) / sd)
        })
        .product()
}

/// prior(θ) / Σ_j w_j K(θ | θ_j), normalised; K is the Gaussian kernel truncated to the
/// priors' bounds, so each ancestor's term is divided by its kernel's mass within them.
fn importance_weights(
    priors: &[Prior],
    previous: &[Particle],
    kernel_sd: &[f64],
    moved: &[Move],
) -> Vec<f64> {
    let mass: Vec<f64> = previous
        .iter()
        .map(|q| kernel_mass_within(priors, &q.theta, kernel_sd).max(f64::MIN_POSITIVE))
        .collect();
    let raw: Vec<f64> = moved
        .par_iter()
        .map(|Move { theta, .. }| {
            let prior: f64 = priors
                .iter()
                .zip(theta)
                .map(|(p, x)| p.density(*x))
                .product();
            let mixture: f64 = previous
                .iter()
                .zip(&mass)
                .map(|(q, mass)| {
                    let exponent: f64 = theta
                        .iter()
                        .zip(&q.theta)
                        .zip(kernel_sd)
                        .map(|((x, y), sd)| ((x - y) / sd).powi(2))
                        .sum();
                    q.weight * (-0.5 * exponent).exp() / mass
                })
                .sum();
            if mixture > 0.0 { prior / mixture } else { 0.0 }
        })
        .collect();
    let total: f64 = raw.iter().sum();
    if total > 0.0 {
        raw.iter().map(|w| w / total).collect()
    } else {
        vec![1.0 / raw.len() as f64; raw.len()]
    }
}

/// The `q` quantile of `values` (linear between order statistics; NaN when empty).
pub fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    let position = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    sorted[below] + (sorted[above] - sorted[below]) * (position - below as f64)
}

/// The `q` quantile of weighted values: the smallest value whose cumulative weight reaches `q`
/// of the total (NaN values skipped; NaN when none is left).
pub fn weighted_quantile(values: &[(f64, f64)], q: f64) -> f64 {
    let mut sorted: Vec<(f64, f64)> = values.iter().copied().filter(|v| !v.0.is_nan()).collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = sorted.iter().map(|v| v.1).sum();
    let mut cumulative = 0.0;
    for (value, weight) in &sorted {
        cumulative += weight;
        if cumulative >= q * total {
            return *value;
        }
    }
    sorted.last().map_or(f64::NAN, |v| v.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A checkpoint read back from disk is taken up only if it can be where a calibration left
    /// off; every kind of damage is named.
    #[test]
    fn damaged_checkpoints_are_named_and_refused() {
        let priors = [
            Prior::Uniform { min: 0.0, max: 1.0 },
            Prior::LogUniform { min: 0.3, max: 4.0 },
        ];
        let particle = |theta: Vec<f64>, weight: f64| Particle {
            theta,
            weight,
            distance: 0.5,
            outputs: vec![1.0, 2.0],
        };
        let good = Checkpoint {
            particles: vec![
                particle(vec![0.2, 1.0], 0.25),
                particle(vec![0.9, 3.5], 0.75),
            ],
            generations: vec![summary(0, f64::INFINITY, [2, 2, 0], &[])],
        };
        assert_eq!(check_checkpoint(&priors, 2, &good), Ok(()));
        let damaged = |change: &dyn Fn(&mut Checkpoint)| {
            let mut c = good.clone();
            change(&mut c);
            check_checkpoint(&priors, 2, &c).expect_err("damaged")
        };
        assert!(damaged(&|c| c.particles.truncate(1)).contains("1 particles"));
        assert!(damaged(&|c| c.particles[1].theta.truncate(1)).contains("1 parameters"));
        assert!(damaged(&|c| c.particles[0].theta[1] = 9.0).contains("outside its prior"));
        assert!(damaged(&|c| c.particles[0].theta[0] = f64::NAN).contains("outside its prior"));
        assert!(damaged(&|c| c.particles[1].weight = f64::INFINITY).contains("weight inf"));
        assert!(damaged(&|c| c.particles[1].distance = f64::NAN).contains("distance NaN"));
        assert!(damaged(&|c| c.particles[1].weight = 0.5).contains("sum to 0.75"));
        assert!(damaged(&|c| c.particles[1].outputs.clear()).contains("0 outputs"));
        assert!(damaged(&|c| c.generations[0].generation = 3).contains("listed as 3"));
        assert!(damaged(&|c| c.generations.clear()).contains("after 0 generations"));
    }

    /// With data that say nothing of θ (the distance ignores it), every generation's weighted
    /// particles must stay the prior: moves drawn within the bounds bunch up near a bound, and
    /// only the truncated kernel's mass in the weights undoes that.
    #[test]
    fn uninformative_data_leave_the_prior_as_it_was_near_its_bounds_too() {
        let priors = [
            Prior::Uniform { min: 0.0, max: 1.0 },
            Prior::LogUniform { min: 0.3, max: 4.0 },
        ];
        let settings = Settings {
            particles: 10_000,
            generations: 4,
            seed: 3,
            ..Settings::default()
        };
        let posterior = run(
            &priors,
            &settings,
            |_, _, rng| {
                Some(Evaluation {
                    distance: rng.random(),
                    outputs: Vec::new(),
                })
            },
            &crate::runner::Local,
            &|_| {},
        )
        .expect("runs on threads");
        assert_eq!(posterior.generations.len(), 4);
        let last = &posterior.generations[3];
        assert_eq!(
            last.proposals, last.simulations,
            "every move lies within the bounds"
        );
        // The prior's mass in the lowest and the highest tenth of each range (by log for the
        // log-uniform prior) is a tenth; it is where moves drawn within the bounds bunch up.
        let share = |k: usize, from: f64, to: f64| -> f64 {
            posterior
                .particles
                .iter()
                .filter(|p| (from..to).contains(&p.theta[k]))
                .map(|p| p.weight)
                .sum()
        };
        let (lo, hi) = (0.3f64.ln(), 4.0f64.ln());
        let log_tenth = |t: f64| (lo + (hi - lo) * t).exp();
        let edges = [
            share(0, 0.0, 0.1),
            share(0, 0.9, 1.0 + 1e-12),
            share(1, 0.3, log_tenth(0.1)),
            share(1, log_tenth(0.9), 4.0 + 1e-12),
        ];
        // Measured within 0.0022 of a tenth; leaving the kernel's mass out of the weights puts
        // one 0.009 off.
        for s in edges {
            assert!(
                (s - 0.1).abs() < 0.006,
                "weight {s:.4} in an edge tenth of the prior"
            );
        }
    }

    /// The toy problem's prior: θ ~ U(-8, 8).
    const TOY_PRIORS: [Prior; 1] = [Prior::Uniform {
        min: -8.0,
        max: 8.0,
    }];

    /// The toy problem's simulation: y = θ + N(0, 1) noise, at its distance from `observed`.
    fn toy_simulation(
        observed: f64,
    ) -> impl Fn(&[f64], f64, &mut ChaCha8Rng) -> Option<Evaluation> + Sync + Copy {
        move |theta, _, rng| {
            let y = theta[0] + standard_normal(rng);
            Some(Evaluation {
                distance: (y - observed).abs(),
                outputs: vec![y],
            })
        }
    }

    /// The toy problem, observed once.
    fn toy_posterior(truth: f64, seed: u64) -> Posterior {
        let mut data_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
        let observed = truth + standard_normal(&mut data_rng);
        let settings = Settings {
            particles: 300,
            generations: 8,
            seed,
            ..Settings::default()
        };
        run(
            &TOY_PRIORS,
            &settings,
            toy_simulation(observed),
            &crate::runner::Local,
            &|_| {},
        )
        .expect("runs on threads")
    }

    /// A sequence stopped after any generation and continued from that generation's checkpoint
    /// is the sequence run without a stop, and every generation's checkpoint is handed out once.
    #[test]
    fn a_sequence_continued_from_a_checkpoint_is_the_uninterrupted_one() {
        let priors = TOY_PRIORS;
        let settings = Settings {
            particles: 60,
            generations: 5,
            seed: 9,
            ..Settings::default()
        };
        let local = crate::runner::Local;
        let go = |start: Option<Checkpoint>,
                  after: &mut dyn FnMut(&Checkpoint) -> Result<Continue>| {
            run_from(
                &priors,
                &settings,
                toy_simulation(1.5),
                &local,
                &|_| {},
                start,
                after,
            )
        };
        let mut seen = Vec::new();
        let whole = go(None, &mut |c| {
            seen.push(c.clone());
            Ok(Continue::Yes)
        })
        .expect("runs");
        assert_eq!(seen.len(), whole.generations.len());
        for stop_after in 1..seen.len() {
            let interrupted = go(None, &mut |c| {
                Ok(if c.generations.len() >= stop_after {
                    Continue::No
                } else {
                    Continue::Yes
                })
            });
            assert!(matches!(interrupted, Err(AnalysisError::Interrupted(k)) if k == stop_after));
            let start = seen[stop_after - 1].clone();
            let resumed = go(Some(start), &mut |_| Ok(Continue::Yes)).expect("resumes");
            assert_eq!(resumed, whole, "continued after {stop_after} generations");
        }
    }

    fn interval(posterior: &Posterior, low: f64, high: f64) -> (f64, f64) {
        let values: Vec<(f64, f64)> = posterior
            .particles
            .iter()
            .map(|p| (p.theta[0], p.weight))
            .collect();
        (
            weighted_quantile(&values, low),
            weighted_quantile(&values, high),
        )
    }

    #[test]
    fn the_true_value_falls_in_the_90_percent_interval_about_90_percent_of_the_time() {
        // Simulation-based calibration on a toy problem with a known answer: the exact posterior
        // is N(observed, 1) (the truths drawn keep it away from the prior's bounds), whose 90%
        // interval is 3.29 wide; for a flat prior its coverage holds for every truth.
        let mut truth_rng = ChaCha8Rng::seed_from_u64(12);
        let repeats = 40;
        let mut covered = 0;
        for r in 0..repeats {
            let truth = -3.0 + 6.0 * truth_rng.random::<f64>();
            let posterior = toy_posterior(truth, 100 + r);
            let (low, high) = interval(&posterior, 0.05, 0.95);
            assert!(
                (2.5..4.6).contains(&(high - low)),
                "repeat {r}: 90% interval {low}–{high}"
            );
            if (low..=high).contains(&truth) {
                covered += 1;
            }
        }
        assert!(
            (32..=39).contains(&covered),
            "the truth fell in {covered} of {repeats} 90% intervals"
        );
    }

    #[test]
    fn tolerances_shrink_and_diagnostics_add_up() {
        let posterior = toy_posterior(1.0, 7);
        let g = &posterior.generations;
        assert!(g.len() >= 3, "{g:?}");
        for w in g.windows(2) {
            assert!(w[1].tolerance <= w[0].tolerance, "{g:?}");
            assert!(w[1].proposals >= w[1].accepted as u64);
        }
        let total: f64 = posterior.particles.iter().map(|p| p.weight).sum();
        assert!((total - 1.0).abs() < 1e-9);
        let ess = g.last().map_or(0.0, |s| s.effective_sample_size);
        assert!(ess > 30.0 && ess <= 300.0 + 1e-9, "ESS {ess}");
    }

    #[test]
    fn the_posterior_is_the_same_on_one_and_two_threads() {
        let on = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a thread pool")
                .install(|| toy_posterior(0.5, 3))
        };
        let one = on(1);
        assert_eq!(one, on(2));
        assert_eq!(one, on(1));
    }

    /// A simulation that gives up (None) on every proposal beyond the tolerance leaves the
    /// sequence as it was: the same particles, weights and tolerances; only the diagnostics
    /// count the simulations stopped early, which are the rejected ones here.
    #[test]
    fn simulations_stopped_beyond_the_tolerance_leave_the_sequence_as_it_was() {
        let settings = Settings {
            particles: 80,
            generations: 5,
            seed: 4,
            ..Settings::default()
        };
        let full = toy_simulation(0.7);
        let stopping = move |theta: &[f64], tolerance: f64, rng: &mut ChaCha8Rng| {
            full(theta, tolerance, rng).filter(|e| e.distance <= tolerance)
        };
        type Simulate<'a> = &'a (dyn Fn(&[f64], f64, &mut ChaCha8Rng) -> Option<Evaluation> + Sync);
        let go = |simulate: Simulate| {
            run(
                &TOY_PRIORS,
                &settings,
                simulate,
                &crate::runner::Local,
                &|_| {},
            )
            .expect("runs on threads")
        };
        let whole = go(&full);
        let early = go(&stopping);
        assert_eq!(early.particles, whole.particles);
        assert_eq!(early.stop, whole.stop);
        assert!(whole.generations.iter().all(|g| g.stopped_early == 0));
        for (e, w) in early.generations.iter().zip(&whole.generations) {
            let rejected = w.simulations - w.accepted as u64;
            assert_eq!(e.stopped_early, rejected, "generation {}", w.generation);
            let e_without = GenerationSummary {
                stopped_early: 0,
                ..e.clone()
            };
            assert_eq!(&e_without, w);
        }
        assert!(
            early
                .generations
                .iter()
                .map(|g| g.stopped_early)
                .sum::<u64>()
                > 0
        );
    }

    #[test]
    fn quantiles_interpolate_and_weight() {
        assert_eq!(quantile(&[3.0, 1.0, 2.0], 0.5), 2.0);
        assert_eq!(quantile(&[0.0, 1.0], 0.25), 0.25);
        let weighted = [(1.0, 0.1), (2.0, 0.8), (3.0, 0.1)];
        assert_eq!(weighted_quantile(&weighted, 0.05), 1.0);
        assert_eq!(weighted_quantile(&weighted, 0.5), 2.0);
        assert_eq!(weighted_quantile(&weighted, 0.95), 3.0);
    }
}
