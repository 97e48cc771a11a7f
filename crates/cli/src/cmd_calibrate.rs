//! `lifeline calibrate`: the grid search of docs/calibration.md, reproducible from the CLI.

use crate::common::{RunChoices, Threads, parse_runs};
use crate::progress::Progress;
use anyhow::{Context, Result};
use lifeline_analysis::grid::{self as calibration, default_grid, residuals};
use lifeline_scenario::Scenario;
use rayon::prelude::*;
use std::fmt::Write as _;

#[derive(clap::Args)]
pub struct CalibrateArgs {
    /// The hindcast scenario to fit.
    #[arg(default_value = "mali-2025")]
    pub scenario: String,
    /// Seeds per grid point (common to all points).
    #[arg(long, default_value_t = 16, value_parser = parse_runs)]
    pub runs: u64,
    #[command(flatten)]
    pub choices: RunChoices,
    #[command(flatten)]
    pub threads: Threads,
    /// The corridor whose drivers' willingness C8 describes.
    #[arg(long, default_value = "dakar-kayes-bamako")]
    pub senegal_corridor: String,
    /// How many of the best grid points to list.
    #[arg(long, default_value_t = 8)]
    pub top: usize,
}

pub fn run(args: CalibrateArgs) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let built = scenario.build(&args.choices.overrides(None))?;
    let anchors = calibration::anchors(&built, &args.senegal_corridor)
        .context("the scenario needs a Bamako depot and the named Senegal corridor")?;
    let base_scale = *scenario.spec.threat.hazard_scale.get_ref();
    let grid = default_grid();
    let pool = args.threads.pool()?;
    // Every grid point, the scenario as shipped, and the displacement fit.
    let progress = Progress::new("calibrate", grid.len() as u64 + 2, "grid points");
    let results = calibration::rank(pool.install(|| {
        grid.par_iter()
            .map(|p| {
                let result = calibration::evaluate(&built, base_scale, p, args.runs, &anchors);
                progress.inc(1);
                result
            })
            .collect()
    }));
    let scenario_now = calibration::mean_measured(&calibration::measure_runs(
        &built.input,
        built.seed,
        args.runs,
        &anchors,
    ));
    progress.inc(1);
    let shares = [0.004, 0.006, 0.008, 0.01, 0.012, 0.015, 0.02];
    let c7 = calibration::fit_siege_share(&scenario, &built, &shares, args.runs);
    progress.inc(1);
    progress.finish();
    let c7 = c7?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Grid search over {} points × {} seeds (seed {}), scenario {}\n",
        grid.len(),
        args.runs,
        built.seed,
        built.name
    );
    let _ = writeln!(
        out,
        "| rank | hazard_scale | willingness drop | recovery half-life (d) | escorted max loss | services close_below | loss |"
    );
    let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|");
    for (i, r) in results.iter().take(args.top).enumerate() {
        let p = r.params;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {:.3} |",
            i + 1,
            p.hazard_scale,
            p.willingness_drop,
            p.willingness_half_life,
            p.escorted_max_loss,
            p.services_close_below,
            r.loss
        );
    }
    let best = results.first().context("the calibration grid is empty")?;
    let _ = writeln!(
        out,
        "\nFit of the best point and of the scenario as shipped (mean over the seeds):\n"
    );
    let _ = writeln!(
        out,
        "| fact | quantity | target | best point | residual | as shipped | residual |"
    );
    let _ = writeln!(out, "|---|---|---|---:|---:|---:|---:|");
    for (b, s) in residuals(&best.measured)
        .iter()
        .zip(residuals(&scenario_now))
    {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
            b.fact, b.quantity, b.target, b.value, b.residual, s.value, s.residual
        );
    }
    if !c7.is_empty() {
        let shipped = scenario
            .spec
            .displacement
            .as_ref()
            .map_or(f64::NAN, |d| *d.siege_daily_flight_share.get_ref());
        let _ = writeln!(
            out,
            "\nC7 (displacement, fitted separately: it does not change supply): arrivals at the camps (Fassala, Mbera) 23 Oct – 13 Nov, target 2,000–3,000; shipped siege_daily_flight_share = {shipped}\n"
        );
        let _ = writeln!(
            out,
            "| siege_daily_flight_share | mean arrivals | residual |"
        );
        let _ = writeln!(out, "|---:|---:|---:|");
        for (share, arrivals) in &c7 {
            let _ = writeln!(
                out,
                "| {share} | {arrivals:.0} | {:.2} |",
                calibration::c7_residual(*arrivals)
            );
        }
    }
    print!("{out}");
    Ok(())
}
