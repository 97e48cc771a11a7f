//! Ensembles: many runs of one case with independent random streams, summarised per day.
//!
//! Member `k` of seed `s` always uses ChaCha8 stream `k` of seed `s`, and results are combined
//! in member order, so an ensemble is identical whatever executes it (one thread or many).

use crate::case::{Ard, FleeCase, RunOutput};
use crate::error::Result;

/// Runs `runs` members of `case` with `seed`. `execute` decides how: it is given the member
/// count and a function running one member, and must return the results in member order
/// (for example `(0..n).into_par_iter().map(run_member).collect()` with rayon). The
/// simulation itself stays single-threaded and pure.
pub fn run_ensemble<E>(
    case: &FleeCase,
    seed: u64,
    runs: usize,
    execute: E,
) -> Result<Vec<RunOutput>>
where
    E: FnOnce(usize, &(dyn Fn(usize) -> Result<RunOutput> + Sync)) -> Vec<Result<RunOutput>>,
{
    let run_member = |member: usize| case.run(seed, member as u64);
    execute(runs, &run_member).into_iter().collect()
}

/// Runs members one after another.
pub fn sequential(
    runs: usize,
    run_member: &(dyn Fn(usize) -> Result<RunOutput> + Sync),
) -> Vec<Result<RunOutput>> {
    (0..runs).map(run_member).collect()
}

/// Per-day mean and sample standard deviation of every camp's count over an ensemble.
#[derive(Debug, Clone, PartialEq)]
pub struct EnsembleStats {
    pub camp_names: Vec<String>,
    pub days: usize,
    /// `day * camps + camp`.
    pub mean: Vec<f64>,
    pub sd: Vec<f64>,
    /// Agents in all camps.
    pub total_mean: Vec<f64>,
    pub total_sd: Vec<f64>,
}

fn mean_and_sd(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n = values.clone().count() as f64;
    if n == 0.0 {
        return (0.0, 0.0);
    }
    let mean = values.clone().sum::<f64>() / n;
    if n < 2.0 {
        return (mean, 0.0);
    }
    let squares: f64 = values.map(|v| (v - mean) * (v - mean)).sum();
    (mean, (squares / (n - 1.0)).sqrt())
}

impl EnsembleStats {
    /// Summarises runs of `case`.
    pub fn from_runs(case: &FleeCase, runs: &[RunOutput]) -> EnsembleStats {
        let camps = case.camps().len();
        let days = case.days;
        let mut mean = Vec::with_capacity(days * camps);
        let mut sd = Vec::with_capacity(days * camps);
        let mut total_mean = Vec::with_capacity(days);
        let mut total_sd = Vec::with_capacity(days);
        for day in 0..days {
            for camp in 0..camps {
                let (m, s) = mean_and_sd(
                    runs.iter()
                        .map(move |r| f64::from(r.camp_count(day, camp, camps))),
                );
                mean.push(m);
                sd.push(s);
            }
            let (m, s) = mean_and_sd(runs.iter().map(move |r| {
                (0..camps)
                    .map(|c| f64::from(r.camp_count(day, c, camps)))
                    .sum::<f64>()
            }));
            total_mean.push(m);
            total_sd.push(s);
        }
        EnsembleStats {
            camp_names: case.camp_names().iter().map(|s| s.to_string()).collect(),
            days,
            mean,
            sd,
            total_mean,
            total_sd,
        }
    }

    /// CSV with the columns of Flee's ensemble statistics (`<camp> sim mean`, `<camp> sim sd`,
    /// ..., `refugees in camps (simulation) mean`/`sd`), two decimals.
    pub fn to_csv(&self) -> String {
        let camps = self.camp_names.len();
        let mut out = String::from("Day");
        for name in &self.camp_names {
            out.push_str(&format!(",{name} sim mean,{name} sim sd"));
        }
        out.push_str(",refugees in camps (simulation) mean,refugees in camps (simulation) sd\n");
        for day in 0..self.days {
            out.push_str(&day.to_string());
            for camp in 0..camps {
                let i = day * camps + camp;
                out.push_str(&format!(",{:.2},{:.2}", self.mean[i], self.sd[i]));
            }
            out.push_str(&format!(
                ",{:.2},{:.2}\n",
                self.total_mean[day], self.total_sd[day]
            ));
        }
        out
    }
}

/// Mean and sample standard deviation of the ARDs of an ensemble's runs.
pub fn ard_summary(case: &FleeCase, runs: &[RunOutput]) -> (Ard, Ard) {
    let ards: Vec<Ard> = runs.iter().map(|r| case.ard(r)).collect();
    let (normal_mean, normal_sd) = mean_and_sd(ards.iter().map(|a| a.normal));
    let (rescaled_mean, rescaled_sd) = mean_and_sd(ards.iter().map(|a| a.rescaled));
    (
        Ard {
            normal: normal_mean,
            rescaled: rescaled_mean,
        },
        Ard {
            normal: normal_sd,
            rescaled: rescaled_sd,
        },
    )
}
