//! The Mali 2025 calibration tables: the generic targets measure what the original grid search
//! measured, and a (tiny) ABC-SMC calibration is the same on one and two threads.

use lifeline_analysis::abc::Settings;
use lifeline_analysis::calibrate::{Calibration, posterior_csv};
use lifeline_analysis::grid::{anchors, measure};
use lifeline_analysis::runner::Local;
use lifeline_model::{RecordOptions, run, run_rng};
use lifeline_scenario::{Overrides, Scenario};

#[test]
fn the_scenario_targets_measure_what_the_grid_search_measured() {
    let scenario = Scenario::load("mali-2025").expect("loads");
    let built = scenario.build(&Overrides::default()).expect("builds");
    let problem = Calibration::new(&scenario, &built, 1).expect("calibration tables resolve");
    assert_eq!(problem.targets.len(), 8);
    assert_eq!(problem.parameters.len(), 5);
    let a = anchors(&built, "dakar-kayes-bamako").expect("anchors");
    for r in 0..3 {
        let record = run(
            &built.input,
            &mut run_rng(built.seed, r),
            RecordOptions::all(),
        );
        let old = measure(&record, &a);
        let new: Vec<f64> = problem.targets.iter().map(|t| t.measure(&record)).collect();
        // C5's date: the grid measured days from 25 Oct, the target days from 1 Sep (54 days).
        let expected = [
            old.bamako_cover_early_nov,
            old.max_attack_loss_share,
            old.trucks_lost_by_nov7,
            old.peak_price_multiple,
            old.closures,
            old.first_closure_offset_days + 54.0,
            old.mean_power_hours_oct,
            old.senegal_willingness_early_sep,
        ];
        for (k, (n, o)) in new.iter().zip(expected).enumerate() {
            assert!(
                (n.is_nan() && o.is_nan()) || (n - o).abs() < 1e-9,
                "run {r}, {}: target {n}, grid {o}",
                problem.targets[k].name
            );
        }
    }
}

#[test]
fn a_calibration_is_byte_identical_on_one_and_two_threads() {
    let scenario = Scenario::load("mali-2025").expect("loads");
    let built = scenario
        .build(&Overrides {
            days: Some(80),
            ..Overrides::default()
        })
        .expect("builds");
    let problem = Calibration::new(&scenario, &built, 1).expect("calibration tables resolve");
    let settings = Settings {
        particles: 6,
        generations: 2,
        max_attempts: 30,
        seed: 9,
        ..Settings::default()
    };
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool");
        let posterior = pool
            .install(|| problem.run(&settings, &Local, &|_| {}))
            .expect("runs on threads");
        posterior_csv(&problem.parameters, &posterior)
    };
    let one = on(1);
    assert_eq!(one.lines().count(), 7, "{one}");
    assert_eq!(one, on(2));
}
