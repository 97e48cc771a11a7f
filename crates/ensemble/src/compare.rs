//! `lifeline compare`: every response run on the same seeds (common random numbers), key
//! figures compared run by run with the baseline.
//!
//! Run `r` of every response draws from the same stream `run_rng(seed, r)`. Where two
//! responses differ only in what they change, the same attacks and border delays tend to fall
//! the same way, so the paired difference `response − baseline` of run `r` removes most of the
//! run-to-run noise that two independent ensembles would leave in the comparison.

use crate::error::{EnsembleError, Result};
use crate::figures::{Figure, FigureSchema};
use crate::quantile::spread;
use lifeline_analysis::posterior::PosteriorDraws;
use lifeline_analysis::runner::{Local, Runner};
use lifeline_model::params::ModelInput;
use lifeline_scenario::Built;
use lifeline_scenario::displacement::{DisplacementPlan, run_coupled};
use std::io::{self, Write};

/// One response of a comparison: its name, its model input and, where the scenario has
/// displacement, the plan its runs couple to supply (as `lifeline run` does).
#[derive(Clone, Copy)]
pub struct Response<'a> {
    pub name: &'a str,
    pub input: &'a ModelInput,
    pub displacement: Option<&'a DisplacementPlan>,
}

impl<'a> Response<'a> {
    /// The responses of built scenarios with their displacement plans, in the same order.
    pub fn all(built: &'a [Built], plans: &'a [Option<DisplacementPlan>]) -> Vec<Response<'a>> {
        built
            .iter()
            .zip(plans)
            .map(|(b, plan)| Response {
                name: &b.response,
                input: &b.input,
                displacement: plan.as_ref(),
            })
            .collect()
    }
}

/// The key figures of every run of every response.
pub struct PairedRuns {
    pub schema: FigureSchema,
    pub responses: Vec<String>,
    pub runs: u64,
    pub days: u32,
    /// `values[response][column · runs + run]`.
    pub values: Vec<Vec<f64>>,
    /// With a posterior, each run's particle: the same for every response of that run.
    pub particles: Option<Vec<usize>>,
}

impl PairedRuns {
    /// The values of one column for one response, run by run. "Never ran dry" (+∞) counts as
    /// the horizon (the number of days), so that differences stay finite.
    pub fn column(&self, response: usize, column: usize) -> Vec<f64> {
        let n = self.runs as usize;
        self.values[response][column * n..(column + 1) * n]
            .iter()
            .map(|v| {
                if *v == f64::INFINITY {
                    f64::from(self.days)
                } else {
                    *v
                }
            })
            .collect()
    }
}

/// Runs `runs` runs of every input on the same streams, in parallel on `threads` threads. With
/// a posterior, run `r` of every response takes the same particle (drawn for `(seed, r)`), so
/// the pairs share their parameters as well as their dice.
pub fn run_paired(
    inputs: &[Response],
    seed: u64,
    runs: u64,
    threads: Option<usize>,
    posterior: Option<&PosteriorDraws>,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<PairedRuns> {
    let pool = crate::pool(threads)?;
    pool.install(|| run_paired_on(inputs, seed, runs, &Local, posterior, progress))
}

/// [`run_paired`] with the runs as one batch of `runner` (run `r` is evaluation `r`: every
/// response's figures of that run), on the current rayon pool: the MPI ranks of the CLI each
/// run their share and all get every run's figures.
pub fn run_paired_on(
    inputs: &[Response],
    seed: u64,
    runs: u64,
    runner: &dyn Runner,
    posterior: Option<&PosteriorDraws>,
    progress: Option<&(dyn Fn(u64) + Sync)>,
) -> Result<PairedRuns> {
    let Some(first) = inputs.first().map(|r| r.input) else {
        return Err(EnsembleError::Invalid("no response to compare".into()));
    };
    if runs == 0 {
        return Err(EnsembleError::Invalid("--runs must be at least 1".into()));
    }
    let schema = FigureSchema::new(first);
    for Response { name, input, .. } in inputs {
        if FigureSchema::new(input) != schema || input.days != first.days {
            return Err(EnsembleError::Invalid(format!(
                "response `{name}` changes the places or the horizon; responses must share them to be compared"
            )));
        }
    }
    let nf = schema.len();
    let runs_usize = usize::try_from(runs)
        .map_err(|_| EnsembleError::Invalid(format!("--runs {runs} is too many")))?;
    let done = |k: u64| {
        if let Some(p) = progress {
            p(k);
        }
    };
    // Per run: every response's figures, response after response.
    let per_run = runner.map(
        runs_usize,
        &|r| {
            let r = r as u64;
            let particle = posterior.map(|p| p.particle_for_run(seed, r));
            let mut out = Vec::with_capacity(nf * inputs.len());
            let mut row = Vec::with_capacity(nf);
            for response in inputs {
                let drawn = posterior
                    .zip(particle)
                    .map(|(p, k)| p.input_with(response.input, k));
                let input: &ModelInput = drawn.as_ref().unwrap_or(response.input);
                let record =
                    run_coupled(input, response.displacement, seed, r, crate::FIGURES_ONLY).supply;
                row.clear();
                schema.compute(input, &record, &mut row);
                out.extend_from_slice(&row);
            }
            out
        },
        &done,
    )?;
    let n = runs_usize;
    let mut values = vec![vec![0.0; nf * n]; inputs.len()];
    for (r, by_response) in per_run.iter().enumerate() {
        if by_response.len() != nf * inputs.len() {
            return Err(EnsembleError::Invalid(format!(
                "run {r} came back with {} figures, not {}",
                by_response.len(),
                nf * inputs.len()
            )));
        }
        for (resp, row) in by_response.chunks(nf.max(1)).enumerate() {
            for (c, v) in row.iter().enumerate() {
                values[resp][c * n + r] = *v;
            }
        }
    }
    Ok(PairedRuns {
        schema,
        responses: inputs.iter().map(|r| r.name.to_string()).collect(),
        runs,
        days: first.days,
        values,
        particles: posterior.map(|p| (0..runs).map(|r| p.particle_for_run(seed, r)).collect()),
    })
}

/// One line of `compare.csv`: a response's figure, and its paired difference with the baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct CompareRow {
    pub response: String,
    pub place: String,
    pub figure: Figure,
    pub median: f64,
    pub p05: f64,
    pub p95: f64,
    pub mean: f64,
    /// Paired difference response − baseline, run by run: median and 90% interval.
    pub diff_median: f64,
    pub diff_p05: f64,
    pub diff_p95: f64,
    pub diff_mean: f64,
    /// Share of runs where the response did strictly better / worse than the baseline.
    pub share_better: f64,
    pub share_worse: f64,
    /// 1 = best on this figure (by median paired difference, then mean difference, then name).
    pub rank: usize,
}

/// Compares every response with `baseline` on every figure; rows grouped by figure, by rank.
pub fn compare(paired: &PairedRuns, baseline: &str) -> Result<Vec<CompareRow>> {
    let b = paired
        .responses
        .iter()
        .position(|r| r == baseline)
        .ok_or_else(|| EnsembleError::Invalid(format!("no baseline response `{baseline}`")))?;
    let mut rows = Vec::new();
    for (c, col) in paired.schema.columns.iter().enumerate() {
        let base = paired.column(b, c);
        let lower = col.figure.lower_is_better();
        let mut group: Vec<CompareRow> = paired
            .responses
            .iter()
            .enumerate()
            .map(|(ri, name)| {
                let mut v = paired.column(ri, c);
                // Differences within floating-point noise (1e-9 relative) are ties.
                let mut diff: Vec<f64> = v
                    .iter()
                    .zip(&base)
                    .map(|(x, y)| {
                        let d = x - y;
                        if d.abs() <= 1e-9 * (1.0 + y.abs()) {
                            0.0
                        } else {
                            d
                        }
                    })
                    .collect();
                let better = diff
                    .iter()
                    .filter(|d| if lower { **d < 0.0 } else { **d > 0.0 })
                    .count();
                let worse = diff
                    .iter()
                    .filter(|d| if lower { **d > 0.0 } else { **d < 0.0 })
                    .count();
                let s = spread(&mut v, &[0.05, 0.5, 0.95]);
                let d = spread(&mut diff, &[0.05, 0.5, 0.95]);
                let n = paired.runs as f64;
                CompareRow {
                    response: name.clone(),
                    place: col.place_or_national().to_string(),
                    figure: col.figure,
                    median: s.quantiles[1],
                    p05: s.quantiles[0],
                    p95: s.quantiles[2],
                    mean: s.mean,
                    diff_median: d.quantiles[1],
                    diff_p05: d.quantiles[0],
                    diff_p95: d.quantiles[2],
                    diff_mean: d.mean,
                    share_better: better as f64 / n,
                    share_worse: worse as f64 / n,
                    rank: 0,
                }
            })
            .collect();
        let sign = if lower { 1.0 } else { -1.0 };
        group.sort_by(|x, y| {
            (sign * x.diff_median)
                .total_cmp(&(sign * y.diff_median))
                .then((sign * x.diff_mean).total_cmp(&(sign * y.diff_mean)))
                .then(x.response.cmp(&y.response))
        });
        for (i, row) in group.iter_mut().enumerate() {
            row.rank = i + 1;
        }
        rows.extend(group);
    }
    Ok(rows)
}

/// Header of `compare.csv`.
pub const COMPARE_HEADER: &str = "place,figure,better,response,rank,runs,median,p05,p95,mean,diff_median,diff_p05,diff_p95,diff_mean,share_better,share_worse";

/// Writes `compare.csv` (with a row of HXL hashtags under the header when `hxl` is set).
pub fn write_compare_csv(
    w: &mut impl Write,
    rows: &[CompareRow],
    runs: u64,
    hxl: bool,
) -> io::Result<()> {
    lifeline_io::hxl::write_header(w, COMPARE_HEADER, hxl)?;
    for r in rows {
        let d = r.figure.decimals();
        let f = |v: f64| crate::figures::format_value(v, d);
        let place = if r.place.contains([',', '"']) {
            format!("\"{}\"", r.place.replace('"', "\"\""))
        } else {
            r.place.clone()
        };
        writeln!(
            w,
            "{place},{},{},{},{},{runs},{},{},{},{},{},{},{},{},{:.4},{:.4}",
            r.figure.name(),
            if r.figure.lower_is_better() {
                "lower"
            } else {
                "higher"
            },
            r.response,
            r.rank,
            f(r.median),
            f(r.p05),
            f(r.p95),
            crate::figures::format_value(r.mean, d.max(2)),
            f(r.diff_median),
            f(r.diff_p05),
            f(r.diff_p95),
            crate::figures::format_value(r.diff_mean, d.max(2)),
            r.share_better,
            r.share_worse,
        )?;
    }
    Ok(())
}

/// What a comparison was: written as the comparison's `summary.json`, so that its folder says
/// which scenario, responses, seeds and dates its `compare.csv` holds.
pub struct CompareAbout<'a> {
    pub scenario: &'a str,
    pub responses: &'a [String],
    pub seed: u64,
    pub runs: u64,
    pub days: u32,
    pub start_date: chrono::NaiveDate,
    /// The posterior each run's parameters were drawn from (`None`: fixed parameters).
    pub posterior: Option<&'a PosteriorDraws>,
}

/// The comparison's `summary.json`: `scenario`, `responses`, `seed` (the master seed; run `r`
/// of every response uses stream `r`), `runs`, `days`, `start_date`, `end_date`, `baseline`.
pub fn compare_summary_json(about: &CompareAbout) -> serde_json::Value {
    let end = about
        .start_date
        .checked_add_days(chrono::Days::new(u64::from(about.days.saturating_sub(1))))
        .unwrap_or(about.start_date);
    serde_json::json!({
        "scenario": about.scenario,
        "responses": about.responses,
        "baseline": lifeline_scenario::STATUS_QUO,
        "seed": about.seed,
        "runs": about.runs,
        "streams": format!("0..{}", about.runs),
        "days": about.days,
        "start_date": about.start_date.to_string(),
        "end_date": end.to_string(),
        "parameters": if about.posterior.is_some() {
            "drawn per run from the posterior (run r: the same particle in every response)"
        } else {
            "fixed (the scenario's own values)"
        },
        "posterior": about.posterior.map(crate::posterior_record),
    })
}

/// [`compare_summary_json`] as pretty-printed bytes.
pub fn compare_summary_bytes(about: &CompareAbout) -> Vec<u8> {
    serde_json::to_vec_pretty(&compare_summary_json(about))
        .expect("invariant: JSON values serialise")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::FigureColumn;

    fn paired() -> PairedRuns {
        let schema = FigureSchema {
            columns: vec![
                FigureColumn {
                    place: Some("X".into()),
                    figure: Figure::ShortageDays,
                },
                FigureColumn {
                    place: None,
                    figure: Figure::DeliveredM3,
                },
                FigureColumn {
                    place: Some("X".into()),
                    figure: Figure::FirstDayCoverBelow3,
                },
            ],
        };
        let never = f64::INFINITY;
        PairedRuns {
            schema,
            responses: vec!["status-quo".into(), "a".into(), "b".into()],
            runs: 4,
            days: 50,
            particles: None,
            values: vec![
                vec![
                    10., 20., 30., 40., 100., 100., 100., 100., 5., 9., never, 7.,
                ],
                vec![
                    5., 15., 35., 30., 110., 90., 120., 130., never, never, never, 9.,
                ],
                vec![
                    10.,
                    20.,
                    30. + 1e-12,
                    40.,
                    100.,
                    100.,
                    100.,
                    100.,
                    5.,
                    9.,
                    never,
                    7.,
                ],
            ],
        }
    }

    #[test]
    fn paired_differences_shares_and_ranks() {
        let rows = compare(&paired(), "status-quo").expect("compares");
        assert_eq!(rows.len(), 9);
        let find = |resp: &str, fig: Figure| {
            rows.iter()
                .find(|r| r.response == resp && r.figure == fig)
                .expect("row")
        };
        let a = find("a", Figure::ShortageDays);
        // Differences −5, −5, +5, −10: median −5, 3 of 4 runs better.
        assert_eq!(a.diff_median, -5.0);
        assert_eq!(a.diff_mean, -3.75);
        assert_eq!((a.share_better, a.share_worse), (0.75, 0.25));
        assert_eq!(a.rank, 1);
        // Float noise is a tie, not an improvement; ties are ranked by name.
        let b = find("b", Figure::ShortageDays);
        assert_eq!(
            (b.diff_median, b.share_better, b.share_worse),
            (0.0, 0.0, 0.0)
        );
        assert_eq!(b.rank, 2);
        assert_eq!(find("status-quo", Figure::ShortageDays).rank, 3);
        // Higher is better for deliveries: +10, −10, +20, +30.
        let a = find("a", Figure::DeliveredM3);
        assert_eq!(a.place, "national");
        assert_eq!(a.rank, 1);
        assert_eq!(a.diff_median, 15.0);
        // "Never ran dry" counts as the horizon (50 days): +45, +41, 0, +2.
        let a = find("a", Figure::FirstDayCoverBelow3);
        assert_eq!(a.diff_mean, 22.0);
        assert_eq!((a.share_better, a.share_worse), (0.75, 0.0));
        assert_eq!(a.p95, 50.0);
        assert!(compare(&paired(), "nothing").is_err());
    }
}
