//! One 180-day run of each embedded Mali scenario (model only: no output formatting), and the
//! full loop on a dense variant of Mali 2025 (one agent per person, Léré at 160,000 people)
//! with displaced people moved one by one and counted by place.

use criterion::{Criterion, criterion_group, criterion_main};
use lifeline_model::{RecordOptions, run, run_rng};
use lifeline_scenario::displacement::run_coupled;
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

/// Mali 2025 with one agent per person and Léré at 160,000 people: up to ~16,000 agents on the
/// move at once, where the engine's work per agent shows.
fn bench_dense_displacement(c: &mut Criterion) {
    let text = embedded::scenario(embedded::DEFAULT_SCENARIO).expect("embedded");
    let text = text
        .replace(
            "people_per_agent = 10",
            "count_by_place = true\npeople_per_agent = 1",
        )
        .replace("\"Léré\" = 16000", "\"Léré\" = 160000");
    let scenario = Scenario::parse("embedded:mali-2025", text, None).expect("parses");
    let built = scenario.build(&Overrides::default()).expect("builds");
    let counted = scenario
        .displacement_plan(&built)
        .expect("valid")
        .expect("has displacement");
    let mut one_by_one = counted.clone();
    one_by_one.count_by_place = false;
    let lean = RecordOptions {
        events: false,
        movements: false,
        corridors: false,
    };
    for (name, plan) in [("one-by-one", &one_by_one), ("by-place", &counted)] {
        c.bench_function(&format!("mali-2025-dense/180d/displacement-{name}"), |b| {
            b.iter(|| run_coupled(black_box(&built.input), Some(plan), built.seed, 0, lean))
        });
    }
}

criterion_group!(benches, bench_runs, bench_dense_displacement);
criterion_main!(benches);
