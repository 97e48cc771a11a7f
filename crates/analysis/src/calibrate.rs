//! Calibration of a scenario against its own `[calibration]` tables by ABC-SMC, and the tables
//! that report it: `posterior.csv`, `fit.csv`, `diagnostics.csv` (built as text here; the
//! binary writes them).

use crate::abc::{self, Checkpoint, Continue, Evaluation, Posterior, Settings};
use crate::error::{AnalysisError, Result};
use crate::parameters::{BaseValues, Parameter, Prior, resolve_parameters, with_values};
use crate::runner::Runner;
use crate::targets::{
    Partial, Target, distance, distance_at_least, mean_over_runs, record_options_for,
    resolve_targets,
};
use lifeline_model::record::RunRecord;
use lifeline_model::{ModelInput, RecordOptions};
use lifeline_scenario::displacement::{CoupledSimulation, DisplacementPlan, run_coupled};
use lifeline_scenario::{Built, Scenario};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::fmt::Write as _;

/// A scenario's calibration problem: its built input, targets and free parameters.
pub struct Calibration<'a> {
    pub built: &'a Built,
    pub base: BaseValues,
    pub targets: Vec<Target>,
    pub parameters: Vec<Parameter>,
    /// Runs per evaluation, each on its own seed; a target's value is their mean.
    pub runs_per_evaluation: u64,
    /// The scenario's displacement, coupled to supply in every run as in `lifeline run`.
    pub displacement: Option<DisplacementPlan>,
    /// Whether a proposal's runs stop once its distance is certain to exceed the tolerance
    /// (see [`Calibration::evaluate_within`]); off, every run goes to its last day. The result
    /// is the same either way.
    pub early_stop: bool,
}

/// How often, in days, a proposal's runs are checked against the tolerance (besides the days
/// a target's window closes). Most of the gain comes from the days windows close: a 300-particle
/// Mali calibration took 27.19 G, 26.61 G and 26.56 G instructions checking every 2, 5 and 10
/// days (callgrind); 5 keeps the stop close to the day a bound crosses for other targets.
const CHECK_EVERY_DAYS: u32 = 5;

impl<'a> Calibration<'a> {
    /// Reads the scenario's `[calibration]` tables against its built input.
    pub fn new(scenario: &Scenario, built: &'a Built, runs_per_evaluation: u64) -> Result<Self> {
        let spec = scenario.spec.calibration.clone().unwrap_or_default();
        if spec.targets.is_empty() || spec.parameters.is_empty() {
            let missing = if spec.targets.is_empty() {
                "[[calibration.target]]"
            } else {
                "[[calibration.parameter]]"
            };
            // A case kept apart to judge the model has only validation targets.
            let hint = if scenario
                .spec
                .validation
                .as_ref()
                .is_some_and(|v| !v.targets.is_empty())
            {
                "; its [[validation.target]] tables are read by `lifeline validate`, which fits \
                 nothing"
            } else {
                "; docs/calibration.md says how to write them"
            };
            return Err(AnalysisError::Calibration(format!(
                "{} has no {missing} table to fit{hint}",
                scenario.file
            )));
        }
        let base = BaseValues::of(scenario);
        // The tables without their spans (kept for the scenario's own located checks).
        let targets: Vec<_> = spec.targets.iter().map(|t| t.get_ref().clone()).collect();
        let parameters: Vec<_> = spec
            .parameters
            .iter()
            .map(|p| p.get_ref().clone())
            .collect();
        Ok(Calibration {
            built,
            base,
            targets: resolve_targets(&targets, built)?,
            parameters: resolve_parameters(&parameters, &base)?,
            runs_per_evaluation: runs_per_evaluation.max(1),
            displacement: scenario.displacement_plan(built)?,
            early_stop: true,
        })
    }

    /// What a run must record for the targets ([`record_options_for`]).
    pub fn record_options(&self) -> RecordOptions {
        record_options_for(&self.targets)
    }

    pub fn priors(&self) -> Vec<Prior> {
        self.parameters.iter().map(|p| p.prior).collect()
    }

    /// Each target's mean over `runs_per_evaluation` runs at `theta`, whose seeds come from `rng`.
    pub fn measure(&self, theta: &[f64], rng: &mut ChaCha8Rng) -> Vec<f64> {
        let (input, master) = self.input_and_seed(theta, rng);
        let options = self.record_options();
        self.mean_of_targets(
            (0..self.runs_per_evaluation).map(|r| {
                run_coupled(&input, self.displacement.as_ref(), master, r, options).supply
            }),
        )
    }

    /// The input at `theta` and the master seed of its runs (the one draw from `rng`).
    fn input_and_seed(&self, theta: &[f64], rng: &mut ChaCha8Rng) -> (ModelInput, u64) {
        let input = with_values(&self.built.input, &self.base, &self.parameters, theta);
        (input, rng.random())
    }

    /// Each target's mean over the runs' records.
    fn mean_of_targets(&self, records: impl Iterator<Item = RunRecord>) -> Vec<f64> {
        let per_run: Vec<Vec<f64>> = records
            .map(|record| self.targets.iter().map(|t| t.measure(&record)).collect())
            .collect();
        mean_over_runs(&per_run, self.targets.len())
    }

    fn evaluation(&self, outputs: Vec<f64>) -> Evaluation {
        Evaluation {
            distance: distance(&self.targets, &outputs),
            outputs,
        }
    }

    pub fn evaluate(&self, theta: &[f64], rng: &mut ChaCha8Rng) -> Evaluation {
        self.evaluation(self.measure(theta, rng))
    }

    /// [`Calibration::evaluate`] for a proposal that must come within `tolerance`: its runs
    /// go day by day side by side, and every few days, and on each day a target's window
    /// closes, the targets are bounded from what the runs have recorded so far
    /// ([`distance_at_least`]). Once that bound exceeds the tolerance the proposal is certain
    /// to be rejected, and the runs stop (None). Otherwise the evaluation is
    /// [`Calibration::evaluate`]'s to the bit: the same seeds, runs and measurements.
    pub fn evaluate_within(
        &self,
        theta: &[f64],
        tolerance: f64,
        rng: &mut ChaCha8Rng,
    ) -> Option<Evaluation> {
        if !self.early_stop || tolerance.is_infinite() {
            return Some(self.evaluate(theta, rng));
        }
        let (input, master) = self.input_and_seed(theta, rng);
        let options = self.record_options();
        let mut runs: Vec<CoupledSimulation> = (0..self.runs_per_evaluation)
            .map(|r| CoupledSimulation::new(&input, self.displacement.as_ref(), master, r, options))
            .collect();
        let closing: Vec<u32> = self
            .targets
            .iter()
            .map(|t| u32::try_from(t.to).unwrap_or(u32::MAX))
            .collect();
        let mut partials = vec![vec![Partial::Open; self.targets.len()]; runs.len()];
        for day in 1..=input.days {
            for run in runs.iter_mut() {
                run.step();
            }
            if day == input.days || (day % CHECK_EVERY_DAYS != 0 && !closing.contains(&day)) {
                continue;
            }
            for (run, known) in runs.iter().zip(partials.iter_mut()) {
                let record = run.supply_so_far();
                for (t, p) in self.targets.iter().zip(known.iter_mut()) {
                    // A settled value stays: no need to measure it again.
                    if !matches!(p, Partial::Settled(_)) {
                        *p = t.partial(record);
                    }
                }
            }
            if distance_at_least(&self.targets, &partials) > tolerance {
                return None;
            }
        }
        let outputs = self.mean_of_targets(runs.into_iter().map(|run| run.finish().supply));
        Some(self.evaluation(outputs))
    }

    /// Runs ABC-SMC, each generation one batch of `runner` (the current rayon pool with
    /// [`Local`](crate::runner::Local)); `progress` is told of settled particles.
    pub fn run(
        &self,
        settings: &Settings,
        runner: &dyn Runner,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Posterior> {
        self.run_from(settings, runner, progress, None, &mut |_| Ok(Continue::Yes))
    }

    /// [`Calibration::run`] continued from a checkpoint, handing each complete generation's
    /// checkpoint to `after_generation` ([`abc::run_from`]).
    pub fn run_from(
        &self,
        settings: &Settings,
        runner: &dyn Runner,
        progress: &(dyn Fn(u64) + Sync),
        start: Option<Checkpoint>,
        after_generation: &mut dyn FnMut(&Checkpoint) -> Result<Continue>,
    ) -> Result<Posterior> {
        abc::run_from(
            &self.priors(),
            settings,
            |theta, tolerance, rng| self.evaluate_within(theta, tolerance, rng),
            runner,
            progress,
            start,
            after_generation,
        )
    }
}

/// One row per particle: its parameter values, weight and distance.
pub fn posterior_csv(parameters: &[Parameter], posterior: &Posterior) -> String {
    let mut out = String::from("particle");
    for p in parameters {
        let _ = write!(out, ",{}", p.name);
    }
    out.push_str(",weight,distance\n");
    for (i, particle) in posterior.particles.iter().enumerate() {
        let _ = write!(out, "{i}");
        for v in &particle.theta {
            let _ = write!(out, ",{v}");
        }
        let _ = writeln!(out, ",{},{}", particle.weight, particle.distance);
    }
    out
}

/// A target's simulated 5%, 50% and 95% quantiles over the posterior's particles (weighted).
pub fn target_band(posterior: &Posterior, target: usize) -> [f64; 3] {
    let values: Vec<(f64, f64)> = posterior
        .particles
        .iter()
        .map(|p| (p.outputs[target], p.weight))
        .collect();
    [0.05, 0.5, 0.95].map(|q| abc::weighted_quantile(&values, q))
}

/// Each target: what was observed, the model's 90% band under the posterior, and whether the
/// two overlap.
pub fn fit_csv(targets: &[Target], posterior: &Posterior) -> String {
    let mut out = String::from(
        "target,observed_low,observed_high,uncertainty,model_p05,model_p50,model_p95,inside,source\n",
    );
    for (k, t) in targets.iter().enumerate() {
        let [p05, p50, p95] = target_band(posterior, k);
        let inside = p05 <= t.high && p95 >= t.low;
        let _ = writeln!(
            out,
            "{},{},{},{},{:.4},{:.4},{:.4},{},\"{}\"",
            t.name,
            t.low,
            t.high,
            t.uncertainty,
            p05,
            p50,
            p95,
            inside,
            t.source.replace('"', "'")
        );
    }
    out
}

/// One row per generation.
pub fn diagnostics_csv(posterior: &Posterior) -> String {
    let mut out = String::from(
        "generation,tolerance,proposals,simulated,stopped_early,accepted,acceptance_rate,effective_sample_size\n",
    );
    for g in &posterior.generations {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{:.4},{:.1}",
            g.generation,
            g.tolerance,
            g.proposals,
            g.simulations,
            g.stopped_early,
            g.accepted,
            g.acceptance_rate(),
            g.effective_sample_size
        );
    }
    out
}

/// Each parameter's weighted mean and 5%, 50%, 95% quantiles under the posterior.
pub fn parameter_summary(
    parameters: &[Parameter],
    posterior: &Posterior,
) -> Vec<(String, [f64; 4])> {
    parameters
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let values: Vec<(f64, f64)> = posterior
                .particles
                .iter()
                .map(|q| (q.theta[k], q.weight))
                .collect();
            let mean = values.iter().map(|(v, w)| v * w).sum::<f64>();
            let [p05, p50, p95] = [0.05, 0.5, 0.95].map(|q| abc::weighted_quantile(&values, q));
            (p.name.clone(), [mean, p05, p50, p95])
        })
        .collect()
}

/// Sobol indices of each free parameter on each target's quantity (the mean over
/// `runs_per_evaluation` runs), over the parameters' priors; the design's evaluations are one
/// batch of `runner`, `progress` is told of finished evaluations.
pub fn sensitivity(
    problem: &Calibration,
    samples: usize,
    bootstrap: usize,
    seed: u64,
    runner: &dyn Runner,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<crate::sobol::Indices>> {
    crate::sobol::sobol(
        &problem.priors(),
        problem.targets.len(),
        samples,
        bootstrap,
        seed,
        |theta, rng| problem.measure(theta, rng),
        runner,
        progress,
    )
}

/// One row per target and parameter: first-order and total indices with 95% intervals.
pub fn sobol_csv(problem: &Calibration, indices: &[crate::sobol::Indices]) -> String {
    let mut out = String::from(
        "target,parameter,first_order,first_order_low,first_order_high,total,total_low,total_high\n",
    );
    for ix in indices {
        let _ = writeln!(
            out,
            "{},{},{:.4},{:.4},{:.4},{:.4},{:.4},{:.4}",
            problem.targets[ix.output].name,
            problem.parameters[ix.parameter].name,
            ix.first,
            ix.first_interval.0,
            ix.first_interval.1,
            ix.total,
            ix.total_interval.0,
            ix.total_interval.1
        );
    }
    out
}
