//! Judges the shipped calibration on seeds it was not fitted on: the mean of each calibration
//! measure and its residual over N runs (default 200) of a stream the grid search never used
//! (master seed + 1), with the share of runs inside each target.
//!
//! `cargo run --release -p lifeline-analysis --example holdout [-- RUNS]`

use lifeline_analysis::grid::{anchors, mean_measured, measure_runs, residuals};
use lifeline_scenario::{Overrides, Scenario};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: u64 = match std::env::args().nth(1) {
        Some(text) => text.parse()?,
        None => 200,
    };
    let built = Scenario::load("mali-2025")?.build(&Overrides::default())?;
    let a = anchors(&built, "dakar-kayes-bamako").ok_or("the hindcast's anchors are missing")?;
    let held_out_seed = built.seed.wrapping_add(1);
    let all = measure_runs(&built.input, held_out_seed, runs, &a);
    let mean = mean_measured(&all);
    println!(
        "{runs} runs, master seed {held_out_seed} (the fit used {})",
        built.seed
    );
    println!("| fact | quantity | mean | residual of the mean | runs with residual 0 |");
    println!("|---|---|---:|---:|---:|");
    let per_run: Vec<_> = all.iter().map(residuals).collect();
    for (i, r) in residuals(&mean).iter().enumerate() {
        let inside = per_run.iter().filter(|rs| rs[i].residual == 0.0).count();
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.0}% |",
            r.fact,
            r.quantity,
            r.value,
            r.residual,
            100.0 * inside as f64 / runs as f64
        );
    }
    Ok(())
}
