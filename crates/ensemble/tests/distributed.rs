//! An ensemble spread over several processes sharing its folder (MPI ranks), played here by
//! threads meeting at a barrier: the files are the same bytes as one process writes, for any
//! number of ranks, with a posterior; and a resume spread over ranks finishes it identically.

use lifeline_analysis::posterior::PosteriorDraws;
use lifeline_ensemble::{
    Distributed, EnsembleError, EnsembleOptions, EnsembleSpec, Result, run_ensemble,
};
use lifeline_scenario::{Built, Overrides, Scenario};
use std::path::{Path, PathBuf};
use std::sync::Barrier;

const FILES: [&str; 4] = ["quantiles.csv", "runs.csv", "runs.parquet", "summary.json"];

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifeline-dist-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn files(dir: &Path) -> Vec<Vec<u8>> {
    FILES
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}")))
        .collect()
}

/// Runs the ensemble as `ranks` processes would: each rank on its own thread.
fn run_ranks(dir: &Path, spec: &EnsembleSpec, ranks: u64, resume: bool) -> Vec<Result<()>> {
    let barrier = Barrier::new(ranks as usize);
    let wait = || {
        barrier.wait();
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..ranks)
            .map(|rank| {
                let wait = &wait;
                scope.spawn(move || {
                    let options = EnsembleOptions {
                        threads: Some(1),
                        resume,
                        distributed: Some(Distributed {
                            rank,
                            ranks,
                            barrier: wait,
                        }),
                        ..EnsembleOptions::default()
                    };
                    run_ensemble(dir, spec, &options).map(|_| ())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a rank panicked"))
            .collect()
    })
}

#[test]
fn any_number_of_ranks_writes_the_same_bytes() {
    let scenario = Scenario::load("mali-2025").expect("embedded");
    let built: Built = scenario
        .build(&Overrides {
            days: Some(60),
            ..Overrides::default()
        })
        .expect("builds");
    let posterior = PosteriorDraws::of_scenario(&scenario)
        .expect("parses")
        .expect("named");
    let plan = scenario.displacement_plan(&built).expect("plan builds");
    let spec = EnsembleSpec {
        input: &built.input,
        scenario: "test",
        response: &built.response,
        seed: built.seed,
        start_date: built.start_date,
        runs: 150,
        parquet: true,
        hxl: false,
        posterior: Some(&posterior),
        displacement: plan.as_ref(),
    };
    let single = temp_dir("single");
    run_ensemble(&single, &spec, &EnsembleOptions::default()).expect("one process");
    let expected = files(&single);
    for ranks in [1, 2, 3, 4] {
        let dir = temp_dir(&format!("ranks-{ranks}"));
        for result in run_ranks(&dir, &spec, ranks, false) {
            result.expect("every rank succeeds");
        }
        assert!(
            files(&dir) == expected,
            "{ranks} ranks differ from one process"
        );
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    // Interrupted on one process, resumed over three ranks: the same bytes.
    let dir = temp_dir("resume");
    let stop = EnsembleOptions {
        stop_after_chunks: Some(10),
        threads: Some(1),
        ..EnsembleOptions::default()
    };
    assert!(matches!(
        run_ensemble(&dir, &spec, &stop),
        Err(EnsembleError::Interrupted { .. })
    ));
    for result in run_ranks(&dir, &spec, 3, true) {
        result.expect("every rank resumes");
    }
    assert!(files(&dir) == expected, "a resume over 3 ranks differs");
    // Resumed again when complete: every rank sees there is nothing to do.
    for result in run_ranks(&dir, &spec, 2, true) {
        result.expect("nothing to do");
    }
    assert!(files(&dir) == expected);
    for dir in [dir, single] {
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}

#[test]
fn a_comparison_spread_over_ranks_is_that_of_one_process() {
    use lifeline_analysis::runner::{Spread, ThreadRanks};
    use lifeline_ensemble::{Response, compare, run_paired, run_paired_on, write_compare_csv};
    let scenario = Scenario::load("mali-2025").expect("embedded");
    let names: Vec<String> = scenario
        .responses()
        .into_iter()
        .map(|r| r.0)
        .take(3)
        .collect();
    let built: Vec<Built> = names
        .iter()
        .map(|name| {
            scenario
                .build(&Overrides {
                    days: Some(50),
                    response: Some(name.clone()),
                    ..Overrides::default()
                })
                .expect("builds")
        })
        .collect();
    let plans: Vec<_> = built
        .iter()
        .map(|b| scenario.displacement_plan(b).expect("plan builds"))
        .collect();
    let inputs = Response::all(&built, &plans);
    let posterior = PosteriorDraws::of_scenario(&scenario)
        .expect("parses")
        .expect("named");
    let (seed, runs) = (built[0].seed, 21);
    let csv = |paired: &lifeline_ensemble::PairedRuns| {
        let rows = compare(paired, &names[0]).expect("compares");
        let mut out = Vec::new();
        write_compare_csv(&mut out, &rows, runs, false).expect("writes");
        out
    };
    let one = run_paired(&inputs, seed, runs, Some(1), Some(&posterior), None).expect("runs");
    let expected = csv(&one);
    for ranks in [1, 2, 4] {
        let spread = ThreadRanks::play(ranks, 1, |rank| {
            run_paired_on(
                &inputs,
                seed,
                runs,
                &Spread::new(rank),
                Some(&posterior),
                None,
            )
            .expect("every rank runs its share")
        });
        for (r, paired) in spread.iter().enumerate() {
            assert_eq!(paired.values, one.values, "rank {r} of {ranks}");
            assert_eq!(paired.particles, one.particles);
            assert!(csv(paired) == expected, "rank {r} of {ranks}: compare.csv");
        }
    }
}
