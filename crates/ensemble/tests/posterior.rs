//! Ensembles and comparisons whose runs draw their parameters from a posterior: the bands
//! change (and widen with a spread posterior), the files are the same on 1 and 2 threads and
//! after a resume, and a comparison gives every response of run `r` the same particle.

use lifeline_analysis::parameters::BaseValues;
use lifeline_analysis::posterior::PosteriorDraws;
use lifeline_ensemble::{
    EnsembleError, EnsembleOptions, EnsembleSpec, Response, run_ensemble, run_paired,
};
use lifeline_model::RecordOptions;
use lifeline_scenario::displacement::run_coupled;
use lifeline_scenario::{Built, Overrides, PosteriorSource, Scenario};
use serde_json::Value;
use std::path::{Path, PathBuf};

const DAYS: u32 = 120;

fn scenario() -> Scenario {
    Scenario::load("mali-2025").expect("embedded scenario loads")
}

fn built(scenario: &Scenario, response: Option<&str>) -> Built {
    scenario
        .build(&Overrides {
            days: Some(DAYS),
            response: response.map(String::from),
            ..Overrides::default()
        })
        .expect("embedded scenario builds")
}

/// Two particles far apart on the hazard, so that parameter uncertainty dominates the bands.
fn spread_posterior(scenario: &Scenario) -> PosteriorDraws {
    let source = PosteriorSource {
        file: "spread.csv".into(),
        text: "particle,threat.hazard_scale,weight\n0,0.3,0.5\n1,3.0,0.5\n".into(),
    };
    PosteriorDraws::parse(&source, &[], BaseValues::of(scenario)).expect("valid posterior")
}

fn spec<'a>(b: &'a Built, runs: u64, posterior: Option<&'a PosteriorDraws>) -> EnsembleSpec<'a> {
    EnsembleSpec {
        input: &b.input,
        scenario: "test",
        response: &b.response,
        seed: b.seed,
        start_date: b.start_date,
        runs,
        parquet: true,
        hxl: false,
        posterior,
        displacement: None,
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifeline-post-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn summary(dir: &Path) -> Value {
    serde_json::from_slice(&read(&dir.join("summary.json"))).expect("summary.json")
}

/// The 5–95% width of the national trucks lost.
fn trucks_lost_width(summary: &Value) -> f64 {
    let lost = &summary["national"]["trucks_lost"];
    lost["p95"].as_f64().expect("p95") - lost["p05"].as_f64().expect("p05")
}

#[test]
fn a_posterior_changes_the_bands_and_a_spread_one_widens_them() {
    let scenario = scenario();
    let b = built(&scenario, None);
    let shipped = PosteriorDraws::of_scenario(&scenario)
        .expect("the shipped posterior parses")
        .expect("mali-2025 names a posterior");
    let spread = spread_posterior(&scenario);
    let runs = 48;
    let mut widths = Vec::new();
    let mut files = Vec::new();
    for (name, posterior) in [
        ("fixed", None),
        ("shipped", Some(&shipped)),
        ("spread", Some(&spread)),
    ] {
        let dir = temp_dir(&format!("bands-{name}"));
        run_ensemble(
            &dir,
            &spec(&b, runs, posterior),
            &EnsembleOptions::default(),
        )
        .expect("ensemble runs");
        let s = summary(&dir);
        assert_eq!(
            s["manifest"]["posterior"]["file"].as_str(),
            posterior.map(|p| p.file.as_str()),
            "{name}: the summary records the posterior"
        );
        widths.push(trucks_lost_width(&s));
        files.push(read(&dir.join("runs.csv")));
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
    assert_ne!(files[0], files[1], "the shipped posterior changes the runs");
    assert!(
        widths[2] > widths[0] * 1.5,
        "hazard 0.3 or 3 per run must widen the trucks-lost band: fixed {} vs spread {}",
        widths[0],
        widths[2]
    );
    // runs.csv names each run's particle, drawn by the run's own stream.
    let text = String::from_utf8(files[2].clone()).expect("utf-8");
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .expect("header")
            .starts_with("run,seed,particle,")
    );
    for (r, line) in lines.enumerate() {
        let particle: usize = line
            .split(',')
            .nth(2)
            .expect("particle")
            .parse()
            .expect("index");
        assert_eq!(
            particle,
            spread.particle_for_run(b.seed, r as u64),
            "run {r}"
        );
    }
}

#[test]
fn posterior_ensembles_are_identical_on_one_and_two_threads_and_after_a_resume() {
    let scenario = scenario();
    let b = built(&scenario, None);
    let posterior = PosteriorDraws::of_scenario(&scenario)
        .expect("parses")
        .expect("named");
    let runs = 130; // several chunks
    let mut outputs = Vec::new();
    for threads in [1, 2] {
        let dir = temp_dir(&format!("threads-{threads}"));
        let options = EnsembleOptions {
            threads: Some(threads),
            ..EnsembleOptions::default()
        };
        run_ensemble(&dir, &spec(&b, runs, Some(&posterior)), &options).expect("runs");
        outputs.push(
            ["quantiles.csv", "runs.csv", "runs.parquet", "summary.json"]
                .map(|f| read(&dir.join(f))),
        );
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
    assert!(outputs[0] == outputs[1], "1 and 2 threads differ");

    // Interrupted, then resumed: the same bytes.
    let dir = temp_dir("resume");
    let s = spec(&b, runs, Some(&posterior));
    let stopped = EnsembleOptions {
        threads: Some(2),
        stop_after_chunks: Some(20),
        ..EnsembleOptions::default()
    };
    assert!(matches!(
        run_ensemble(&dir, &s, &stopped),
        Err(EnsembleError::Interrupted { .. })
    ));
    // A different posterior may not finish it.
    let other = spread_posterior(&scenario);
    let resume = EnsembleOptions {
        resume: true,
        ..EnsembleOptions::default()
    };
    match run_ensemble(&dir, &spec(&b, runs, Some(&other)), &resume) {
        Err(EnsembleError::Mismatch { field, .. }) => assert_eq!(field, "posterior"),
        other => panic!("resumed with another posterior: {other:?}"),
    }
    let report = run_ensemble(&dir, &s, &resume).expect("resumes");
    assert!(report.resumed_runs > 0);
    let resumed =
        ["quantiles.csv", "runs.csv", "runs.parquet", "summary.json"].map(|f| read(&dir.join(f)));
    assert!(
        resumed == outputs[0],
        "a resumed posterior ensemble differs"
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn compare_gives_every_response_of_a_run_the_same_particle() {
    let scenario = scenario();
    let responses: Vec<String> = scenario
        .responses()
        .into_iter()
        .map(|r| r.0)
        .take(3)
        .collect();
    assert!(responses.len() >= 2, "mali-2025 has responses");
    let built: Vec<Built> = responses
        .iter()
        .map(|r| built(&scenario, Some(r)))
        .collect();
    let posterior = spread_posterior(&scenario);
    let plans: Vec<_> = built
        .iter()
        .map(|b| scenario.displacement_plan(b).expect("plan builds"))
        .collect();
    let inputs = Response::all(&built, &plans);
    let seed = built[0].seed;
    let runs = 12;
    let paired =
        run_paired(&inputs, seed, runs, Some(2), Some(&posterior), None).expect("compare runs");
    let particles = paired.particles.clone().expect("particles recorded");
    assert!(
        particles.contains(&0) && particles.contains(&1),
        "both particles drawn over {runs} runs: {particles:?}"
    );
    let schema = &paired.schema;
    let n = runs as usize;
    for (k, (b, plan)) in built.iter().zip(&plans).enumerate() {
        for (r, &particle) in particles.iter().enumerate() {
            assert_eq!(particle, posterior.particle_for_run(seed, r as u64));
            // Response k's run r is exactly `lifeline run`'s loop (supply coupled to the
            // response's displacement) with run r's particle and stream.
            let input = posterior.input_with(&b.input, particle);
            let record = run_coupled(
                &input,
                plan.as_ref(),
                seed,
                r as u64,
                RecordOptions {
                    events: false,
                    movements: false,
                    corridors: false,
                },
            )
            .supply;
            let mut row = Vec::new();
            schema.compute(&input, &record, &mut row);
            for (c, v) in row.iter().enumerate() {
                let got = paired.values[k][c * n + r];
                assert!(
                    got == *v || (got.is_nan() && v.is_nan()),
                    "response {} run {r} column {c}: {got} vs {v}",
                    b.response
                );
            }
        }
    }
    // With fixed parameters no particle is recorded and the runs differ.
    let fixed = run_paired(&inputs, seed, runs, Some(1), None, None).expect("runs");
    assert!(fixed.particles.is_none());
    assert_ne!(fixed.values, paired.values);
}
