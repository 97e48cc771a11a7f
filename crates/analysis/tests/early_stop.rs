//! Stopping a calibration proposal early: what a run's first days say of a target never claims
//! more than the whole run gives, and a proposal is stopped only when a full evaluation would
//! reject it (otherwise its evaluation is the full one, to the bit).

use lifeline_analysis::calibrate::Calibration;
use lifeline_analysis::parameters::{BaseValues, resolve_parameters, with_values};
use lifeline_analysis::targets::{Partial, distance, distance_at_least, mean_over_runs};
use lifeline_analysis::validation::Validation;
use lifeline_model::RecordOptions;
use lifeline_scenario::displacement::CoupledSimulation;
use lifeline_scenario::{Built, Overrides, Scenario};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const CASES: [&str; 2] = ["mali-2025", "burkina-djibo-2022"];

fn load(case: &str) -> (Scenario, Built) {
    let scenario = Scenario::load(case).expect("loads");
    let built = scenario.build(&Overrides::default()).expect("builds");
    (scenario, built)
}

/// A calibration problem of `case` with `runs` runs per evaluation: every target of the case
/// (calibration and validation ones; Djibo has only the latter) and Mali's free parameters,
/// whose paths both cases have.
fn problem<'a>(scenario: &Scenario, built: &'a Built, runs: u64) -> Calibration<'a> {
    let mali = Scenario::load("mali-2025").expect("loads");
    let specs: Vec<_> = mali
        .spec
        .calibration
        .iter()
        .flat_map(|c| &c.parameters)
        .map(|p| p.get_ref().clone())
        .collect();
    let base = BaseValues::of(scenario);
    Calibration {
        built,
        parameters: resolve_parameters(&specs, &base).expect("Mali's parameters apply"),
        base,
        targets: Validation::new(scenario, built).expect("targets").targets,
        runs_per_evaluation: runs,
        displacement: scenario.displacement_plan(built).expect("plan"),
        early_stop: true,
    }
}

/// Parameter values drawn from the priors (varied runs: calm and violent ones). Djibo keeps
/// its own threat: a lighter one would let its trapped people go, tens of thousands of them
/// on the road, which only makes the test slow.
fn draws(problem: &Calibration, count: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let priors = problem.priors();
    let own_threat = problem.built.name.contains("djibo");
    (0..count)
        .map(|_| {
            let mut theta: Vec<f64> = priors.iter().map(|p| p.sample(&mut rng)).collect();
            if own_threat {
                theta[0] = problem.base.hazard_scale;
            }
            theta
        })
        .collect()
}

/// Every calibration and validation target of both shipped cases, over runs at parameters drawn
/// from the priors, one and two runs averaged: on every day, the bound of each target's
/// residual from the days so far is at most its residual on the whole runs, and so is the bound
/// of the distance; once every window has closed, both are the whole runs' values to the bit.
#[test]
fn the_first_days_never_bound_a_target_above_what_the_whole_run_gives() {
    let mut informative = 0;
    for case in CASES {
        let (scenario, built) = load(case);
        let problem = problem(&scenario, &built, 1);
        let targets = &problem.targets;
        for (i, theta) in draws(&problem, 6, 11).iter().enumerate() {
            let input = with_values(&built.input, &problem.base, &problem.parameters, theta);
            let mut runs: Vec<CoupledSimulation> = (0..2)
                .map(|r| {
                    CoupledSimulation::new(
                        &input,
                        problem.displacement.as_ref(),
                        built.seed,
                        i as u64 * 2 + r,
                        RecordOptions::all(),
                    )
                })
                .collect();
            let mut partials_by_day: Vec<Vec<Vec<Partial>>> = Vec::new();
            while !runs[0].is_done() {
                for run in runs.iter_mut() {
                    run.step();
                }
                partials_by_day.push(
                    runs.iter()
                        .map(|run| {
                            targets
                                .iter()
                                .map(|t| t.partial(run.supply_so_far()))
                                .collect()
                        })
                        .collect(),
                );
            }
            let per_run: Vec<Vec<f64>> = runs
                .into_iter()
                .map(|run| {
                    let record = run.finish().supply;
                    targets.iter().map(|t| t.measure(&record)).collect()
                })
                .collect();
            let both = mean_over_runs(&per_run, targets.len());
            let whole = [(&per_run[0][..], 1), (&both[..], 2)];
            for (day, partials) in partials_by_day.iter().enumerate() {
                for (values, runs) in whole {
                    let partials = &partials[..runs];
                    for (k, t) in targets.iter().enumerate() {
                        let of_target: Vec<Partial> = partials.iter().map(|p| p[k]).collect();
                        let bound = t.residual_at_least(&of_target);
                        let exact = t.residual(values[k]);
                        assert!(
                            bound <= exact,
                            "{case} draw {i}, {runs} runs, day {}, {}: bound {bound} > {exact} \
                             ({of_target:?}, whole run {})",
                            day + 1,
                            t.name,
                            values[k]
                        );
                        if bound > 0.0 && day + 1 < partials_by_day.len() {
                            informative += 1;
                        }
                    }
                    let bound = distance_at_least(targets, partials);
                    assert!(
                        bound <= distance(targets, values),
                        "{case} draw {i} day {day}"
                    );
                }
            }
            let last = partials_by_day.last().expect("days");
            for (values, runs) in whole {
                assert_eq!(
                    distance_at_least(targets, &last[..runs]).to_bits(),
                    distance(targets, values).to_bits(),
                    "{case} draw {i}, {runs} runs: the last day settles every target"
                );
            }
        }
    }
    // The bounds say something before the end (else nothing could stop early).
    assert!(informative > 1_000, "{informative} informative bounds");
}

/// A proposal is stopped only when the full evaluation's distance exceeds the tolerance;
/// otherwise `evaluate_within` gives the full evaluation to the bit, and both leave the
/// particle's stream in the same state.
#[test]
fn a_proposal_stops_early_only_where_a_full_evaluation_rejects_it() {
    let mut stopped = 0;
    let mut kept = 0;
    for case in CASES {
        let (scenario, built) = load(case);
        let problem = problem(&scenario, &built, 2);
        for (i, theta) in draws(&problem, 8, 5).iter().enumerate() {
            let stream = || ChaCha8Rng::seed_from_u64(100 + i as u64);
            let mut full_rng = stream();
            let full = problem.evaluate(theta, &mut full_rng);
            for tolerance in [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, f64::INFINITY] {
                let mut rng = stream();
                match problem.evaluate_within(theta, tolerance, &mut rng) {
                    None => {
                        assert!(
                            full.distance > tolerance,
                            "{case} draw {i}: stopped at tolerance {tolerance}, distance {}",
                            full.distance
                        );
                        stopped += 1;
                    }
                    Some(e) => {
                        assert_eq!(e.distance.to_bits(), full.distance.to_bits());
                        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                        assert_eq!(bits(&e.outputs), bits(&full.outputs));
                        kept += 1;
                    }
                }
                assert_eq!(
                    rand::Rng::next_u64(&mut rng),
                    rand::Rng::next_u64(&mut full_rng.clone())
                );
            }
        }
    }
    assert!(stopped > 10 && kept > 10, "{stopped} stopped, {kept} kept");
}
