//! A scenario judged against its facts over many runs (`lifeline validate`): its
//! `[[calibration.target]]` tables (fitted by `calibrate`) and its `[[validation.target]]` tables
//! (never fitted: a hindcast of facts no fit has seen), each against the runs' band, as
//! `validate.csv` (built as text here; the binary writes it).
//!
//! Only `validate` reads the validation targets: `Calibration` (calibrate, sensitivity) reads
//! the `[calibration]` table alone, so a validation target cannot move a posterior.

use crate::abc;
use crate::error::{AnalysisError, Result};
use crate::posterior::PosteriorDraws;
use crate::runner::Runner;
use crate::targets::{Target, TargetSet, mean_over_runs, record_options_for, resolve_targets_of};
use lifeline_model::RecordOptions;
use lifeline_scenario::displacement::{DisplacementPlan, run_coupled};
use lifeline_scenario::{Built, Scenario};
use std::fmt::Write as _;

/// Every target of a scenario, each with the table it came from.
pub struct Validation<'a> {
    pub built: &'a Built,
    /// Calibration targets in file order, then validation targets in file order.
    pub targets: Vec<Target>,
    /// The table of each target (same order).
    pub sets: Vec<TargetSet>,
    /// The scenario's displacement, coupled to supply in every run as in `lifeline run`.
    pub displacement: Option<DisplacementPlan>,
}

impl<'a> Validation<'a> {
    /// Reads the scenario's `[[calibration.target]]` and `[[validation.target]]` tables against
    /// its built input; at least one target is needed.
    pub fn new(scenario: &Scenario, built: &'a Built) -> Result<Self> {
        let spec = &scenario.spec;
        let calibration: Vec<_> = spec
            .calibration
            .iter()
            .flat_map(|c| &c.targets)
            .map(|t| t.get_ref().clone())
            .collect();
        let validation: Vec<_> = spec
            .validation
            .iter()
            .flat_map(|v| &v.targets)
            .map(|t| t.get_ref().clone())
            .collect();
        if calibration.is_empty() && validation.is_empty() {
            return Err(AnalysisError::Calibration(format!(
                "{} has no [[calibration.target]] and no [[validation.target]] table: nothing to \
                 validate against (docs/calibration.md shows both)",
                scenario.file
            )));
        }
        let mut targets = resolve_targets_of(TargetSet::Calibration, &calibration, built)?;
        targets.extend(resolve_targets_of(
            TargetSet::Validation,
            &validation,
            built,
        )?);
        let sets = std::iter::repeat_n(TargetSet::Calibration, calibration.len())
            .chain(std::iter::repeat_n(TargetSet::Validation, validation.len()))
            .collect();
        Ok(Validation {
            built,
            targets,
            sets,
            displacement: scenario.displacement_plan(built)?,
        })
    }

    /// How many targets come from `set`.
    pub fn count(&self, set: TargetSet) -> usize {
        self.sets.iter().filter(|s| **s == set).count()
    }

    /// What a run must record for the targets ([`record_options_for`]).
    pub fn record_options(&self) -> RecordOptions {
        record_options_for(&self.targets)
    }
}

/// Each target's quantity in each of `runs` runs (run r on `run_rng(seed, r)`), in run order:
/// of the scenario as written, or with a posterior, each run with the particle drawn for it
/// ([`PosteriorDraws::particle_for_run`]), so the bands hold parameter uncertainty as well.
/// The runs are spread by `runner` (this process's threads or every rank's: the same values
/// either way); `done` hears of finished runs.
pub fn measure_runs(
    problem: &Validation,
    seed: u64,
    runs: u64,
    posterior: Option<&PosteriorDraws>,
    runner: &dyn Runner,
    done: &(dyn Fn(u64) + Sync),
) -> Result<Vec<Vec<f64>>> {
    let record_options = problem.record_options();
    let runs = usize::try_from(runs).map_err(|_| {
        AnalysisError::Calibration(format!("{runs} runs are more than this machine can count"))
    })?;
    runner.map(
        runs,
        &|r| {
            let r = r as u64;
            let input = &problem.built.input;
            let drawn = posterior.map(|p| p.input_for_run(input, seed, r).0);
            let input = drawn.as_ref().unwrap_or(input);
            let record = run_coupled(
                input,
                problem.displacement.as_ref(),
                seed,
                r,
                record_options,
            )
            .supply;
            problem.targets.iter().map(|t| t.measure(&record)).collect()
        },
        done,
    )
}

/// One target against the runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Row<'t> {
    pub target: &'t Target,
    pub set: TargetSet,
    /// The runs' 5%, 50% and 95% quantiles (runs without a value left out).
    pub band: [f64; 3],
    pub mean: f64,
    pub residual_of_mean: f64,
    /// Share of all runs whose value lies inside the observation.
    pub share_inside: f64,
    /// Runs in which the quantity never happened (a date never reached).
    pub runs_without_value: usize,
}

impl Row<'_> {
    /// The runs' 90% band meets the observed value or range (the report's `inside`).
    pub fn band_meets_observation(&self) -> bool {
        self.band[0] <= self.target.high && self.band[2] >= self.target.low
    }
}

/// Each target's row, in the problem's order.
pub fn rows<'t>(problem: &'t Validation, per_run: &[Vec<f64>]) -> Vec<Row<'t>> {
    let mean = mean_over_runs(per_run, problem.targets.len());
    problem
        .targets
        .iter()
        .zip(&problem.sets)
        .enumerate()
        .map(|(k, (t, set))| {
            let values: Vec<(f64, f64)> = per_run.iter().map(|v| (v[k], 1.0)).collect();
            let band = [0.05, 0.5, 0.95].map(|q| abc::weighted_quantile(&values, q));
            let inside = per_run.iter().filter(|v| t.residual(v[k]) == 0.0).count();
            Row {
                target: t,
                set: *set,
                band,
                mean: mean[k],
                residual_of_mean: t.residual(mean[k]),
                share_inside: inside as f64 / per_run.len().max(1) as f64,
                runs_without_value: per_run.iter().filter(|v| v[k].is_nan()).count(),
            }
        })
        .collect()
}

/// `validate.csv`: each target with its `set` (`calibration` or `validation`), observed, the
/// runs' 5/50/95% quantiles and mean, the residual of the mean, the share of runs inside the
/// observation, its source, and where the runs' parameters came from (`parameters`:
/// `posterior` or `fixed`).
pub fn validation_csv(rows: &[Row], posterior: bool) -> String {
    let mut out = String::from(
        "target,set,observed_low,observed_high,uncertainty,p05,p50,p95,mean,residual_of_mean,share_of_runs_inside,runs_without_value,source,parameters\n",
    );
    let parameters = if posterior { "posterior" } else { "fixed" };
    for row in rows {
        let t = row.target;
        let [p05, p50, p95] = row.band;
        let _ = writeln!(
            out,
            "{},{},{},{},{},{:.4},{:.4},{:.4},{:.4},{:.4},{:.4},{},{},{parameters}",
            lifeline_io::text::csv_field(&t.name),
            row.set.name(),
            t.low,
            t.high,
            t.uncertainty,
            p05,
            p50,
            p95,
            row.mean,
            row.residual_of_mean,
            row.share_inside,
            row.runs_without_value,
            lifeline_io::text::csv_field(&t.source)
        );
    }
    out
}
