//! Times the bare model: `cargo run --release -p lifeline-ensemble --example time_model -- RUNS`.
use lifeline_model::{RecordOptions, key_figures, run_rng};
use lifeline_scenario::{Overrides, Scenario, embedded};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let t0 = Instant::now();
    let scenario = Scenario::load(embedded::DEFAULT_SCENARIO)?;
    let built = scenario.build(&Overrides::default())?;
    let t1 = Instant::now();
    let opts = RecordOptions {
        events: false,
        corridors: false,
    };
    let mut sum = 0.0;
    for r in 0..runs {
        let mut rng = run_rng(built.seed, r);
        let rec = lifeline_model::run(&built.input, &mut rng, opts);
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
