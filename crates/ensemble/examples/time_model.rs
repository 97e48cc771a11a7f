//! Times the bare model: `cargo run --release -p lifeline-ensemble --example time_model -- RUNS`;
//! with `coupled` after RUNS, the full loop with displacement (what `lifeline run` computes);
//! with `posterior`, that loop with each run's parameters drawn from the scenario's posterior
//! (what `lifeline ensemble` computes by default: every run brings its own hazard).
//! Under `perf stat -e task-clock,instructions` the instructions per run do not depend on load.
use lifeline_model::{RecordOptions, key_figures, run_rng};
use lifeline_scenario::displacement::run_coupled;
use lifeline_scenario::{Overrides, Scenario, embedded};
use std::time::Instant;

/// The allocator the `lifeline` binary runs with, so the times are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let mode = std::env::args().nth(2).unwrap_or_default();
    let with_posterior = mode == "posterior";
    let coupled = mode == "coupled" || with_posterior;
    let t0 = Instant::now();
    let scenario = Scenario::load(embedded::DEFAULT_SCENARIO)?;
    let built = scenario.build(&Overrides::default())?;
    let plan = if coupled {
        scenario.displacement_plan(&built)?
    } else {
        None
    };
    let posterior = if with_posterior {
        lifeline_analysis::posterior::PosteriorDraws::of_scenario(&scenario)?
    } else {
        None
    };
    let t1 = Instant::now();
    let opts = RecordOptions {
        events: false,
        movements: false,
        corridors: false,
    };
    let mut sum = 0.0;
    for r in 0..runs {
        let drawn = posterior
            .as_ref()
            .map(|p| p.input_for_run(&built.input, built.seed, r).0);
        let input = drawn.as_ref().unwrap_or(&built.input);
        let rec = if coupled {
            run_coupled(input, plan.as_ref(), built.seed, r, opts).supply
        } else {
            lifeline_model::run(&built.input, &mut run_rng(built.seed, r), opts)
        };
        sum += key_figures(&built.input, &rec)
            .delivered_by_commodity
            .iter()
            .sum::<f64>();
    }
    let t2 = Instant::now();
    println!(
        "build {:.1} ms; {runs} runs {:.3} s = {:.1} µs/run ({:.0} runs/s); check {sum:.0}",
        (t1 - t0).as_secs_f64() * 1e3,
        (t2 - t1).as_secs_f64(),
        (t2 - t1).as_secs_f64() * 1e6 / runs as f64,
        runs as f64 / (t2 - t1).as_secs_f64()
    );
    Ok(())
}
