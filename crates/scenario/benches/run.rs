//! One 180-day run of each embedded Mali scenario (model only: no output formatting).

use criterion::{Criterion, criterion_group, criterion_main};
use lifeline_model::{RecordOptions, run, run_rng};
use lifeline_scenario::{Overrides, Scenario, embedded};
use std::hint::black_box;

fn bench_runs(c: &mut Criterion) {
    for (name, _) in embedded::SCENARIOS {
        let scenario = Scenario::load(name).expect("embedded scenario loads");
        let built = scenario
            .build(&Overrides {
                days: Some(180),
                ..Overrides::default()
            })
            .expect("embedded scenario builds");
        c.bench_function(&format!("{name}/180d/full-record"), |b| {
            b.iter(|| {
                run(
                    black_box(&built.input),
                    &mut run_rng(built.seed, 0),
                    RecordOptions::all(),
                )
            })
        });
        c.bench_function(&format!("{name}/180d/ensemble-record"), |b| {
            b.iter(|| {
                run(
                    black_box(&built.input),
                    &mut run_rng(built.seed, 0),
                    RecordOptions {
                        events: false,
                        movements: false,
                        corridors: false,
                    },
                )
            })
        });
    }
    let scenario = Scenario::load(embedded::DEFAULT_SCENARIO).expect("loads");
    c.bench_function("scenario/parse-and-build", |b| {
        b.iter(|| {
            scenario
                .build(black_box(&Overrides::default()))
                .expect("builds")
        })
    });
}

criterion_group!(benches, bench_runs);
criterion_main!(benches);
