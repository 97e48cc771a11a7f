//! A calibration, a sensitivity analysis and a validation spread over several processes (MPI
//! ranks in the CLI's `mpi` build), played here by threads: every rank ends with the tables one
//! process writes, byte for byte, for 1 to 4 ranks.

use lifeline_analysis::abc::Settings;
use lifeline_analysis::calibrate::{
    Calibration, diagnostics_csv, fit_csv, posterior_csv, sensitivity, sobol_csv,
};
use lifeline_analysis::runner::{Local, Runner, Spread, ThreadRanks};
use lifeline_analysis::validation::{Validation, measure_runs, rows, validation_csv};
use lifeline_scenario::{Overrides, Scenario};
use std::sync::atomic::{AtomicU64, Ordering};

/// The calibration's three tables, the sensitivity table and the validation table (9 runs),
/// computed with `runner` on the current pool; `progress` counts what it is told.
fn tables(
    problem: &Calibration,
    validation: &Validation,
    runner: &dyn Runner,
    progress: &AtomicU64,
) -> Vec<String> {
    let count = |n: u64| {
        progress.fetch_add(n, Ordering::SeqCst);
    };
    let settings = Settings {
        particles: 7,
        generations: 2,
        max_attempts: 30,
        seed: 5,
        ..Settings::default()
    };
    let posterior = problem.run(&settings, runner, &count).expect("calibrates");
    let indices = sensitivity(problem, 3, 10, 11, runner, &count).expect("sensitivity");
    let per_run = measure_runs(validation, 17, 9, None, runner, &count).expect("validates");
    vec![
        validation_csv(&rows(validation, &per_run), false),
        posterior_csv(&problem.parameters, &posterior),
        fit_csv(&problem.targets, &posterior),
        diagnostics_csv(&posterior),
        sobol_csv(problem, &indices),
    ]
}

#[test]
fn ranks_played_by_threads_give_the_tables_of_one_process() {
    let scenario = Scenario::load("mali-2025").expect("loads");
    let built = scenario
        .build(&Overrides {
            days: Some(70),
            ..Overrides::default()
        })
        .expect("builds");
    let problem = Calibration::new(&scenario, &built, 1).expect("calibration tables resolve");
    let validation = Validation::new(&scenario, &built).expect("targets resolve");
    let counted = AtomicU64::new(0);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a thread pool")
        .install(|| tables(&problem, &validation, &Local, &counted));
    assert_eq!(one[0].lines().count(), 9, "{}", one[0]);
    assert_eq!(one[1].lines().count(), 8, "{}", one[1]);
    // 7 particles in each of 2 generations, 3 rows × (5 parameters + 2) evaluations, 9 runs.
    let expected_count = 7 * 2 + 3 * 7 + 9;
    assert_eq!(counted.load(Ordering::SeqCst), expected_count);
    for ranks in [1, 2, 4] {
        let counts: Vec<AtomicU64> = (0..ranks).map(|_| AtomicU64::new(0)).collect();
        let spread = ThreadRanks::play(ranks, 1, |rank| {
            use lifeline_analysis::runner::Collective;
            tables(
                &problem,
                &validation,
                &Spread::new(rank),
                &counts[rank.rank()],
            )
        });
        for (r, tables) in spread.iter().enumerate() {
            assert_eq!(tables, &one, "rank {r} of {ranks}");
        }
        // Every rank hears of the whole batch (its own share, then the others' at once).
        for c in &counts {
            assert_eq!(c.load(Ordering::SeqCst), expected_count, "{ranks} ranks");
        }
    }
}
