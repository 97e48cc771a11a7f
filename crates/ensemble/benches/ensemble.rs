//! Criterion benches: one 180-day run of the default scenario (the model alone, and with
//! displacement in the same daily loop), the per-run
//! digest, an ensemble of N runs end to end as `lifeline ensemble` runs it (displacement
//! coupled; with and without the parquet table), and the exact quantile selection. `cargo bench -p lifeline-ensemble`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lifeline_ensemble::daily::{CellLayout, DailyTable, fill_cells};
use lifeline_ensemble::quantile::{PROBS, spread};
use lifeline_ensemble::{EnsembleOptions, EnsembleSpec, FigureSchema, RECORD, run_ensemble};
use lifeline_model::run_rng;
use lifeline_scenario::displacement::run_coupled;
use lifeline_scenario::{Overrides, Scenario, embedded};
use std::hint::black_box;

fn benches(c: &mut Criterion) {
    let scenario = Scenario::load(embedded::DEFAULT_SCENARIO).expect("embedded scenario");
    let built = scenario.build(&Overrides::default()).expect("builds");
    let input = &built.input;

    let mut g = c.benchmark_group("model");
    g.throughput(Throughput::Elements(1));
    let mut r = 0u64;
    g.bench_function("run_default_scenario", |b| {
        b.iter(|| {
            r += 1;
            black_box(lifeline_model::run(
                input,
                &mut run_rng(built.seed, r),
                RECORD,
            ))
        })
    });
    // The full Mali scenario in one daily loop: fuel, food, gold and services with
    // displacement stepping in turn (what `lifeline run` computes).
    let plan = scenario
        .displacement_plan(&built)
        .expect("valid displacement");
    g.bench_function("run_default_scenario_with_displacement", |b| {
        b.iter(|| {
            r += 1;
            black_box(run_coupled(input, plan.as_ref(), built.seed, r, RECORD))
        })
    });
    g.finish();

    let record = lifeline_model::run(input, &mut run_rng(built.seed, 0), RECORD);
    let schema = FigureSchema::new(input);
    let mut g = c.benchmark_group("digest");
    g.bench_function("figures", |b| {
        let mut row = Vec::new();
        b.iter(|| {
            row.clear();
            schema.compute(input, &record, &mut row);
            black_box(row.len())
        })
    });
    g.bench_function("cells", |b| {
        let mut block = vec![0f32; CellLayout::new(input).len()];
        b.iter(|| fill_cells(black_box(&record), &mut block, 1, 0))
    });
    g.bench_function("parquet_rows_and_encode", |b| {
        b.iter(|| {
            let rows = input.days as usize * input.depots.len();
            let mut t = DailyTable::new(input, built.start_date, rows);
            t.push_run(0, &record);
            let mut buf = Vec::new();
            t.write(&mut buf, std::path::Path::new("bench"))
                .expect("encodes");
            black_box(buf.len())
        })
    });
    g.finish();

    let dir = std::env::temp_dir().join(format!("lifeline-bench-ens-{}", std::process::id()));
    let mut g = c.benchmark_group("ensemble");
    g.sample_size(10);
    for runs in [64u64, 256] {
        g.throughput(Throughput::Elements(runs));
        for parquet in [false, true] {
            let name = if parquet {
                "with_parquet"
            } else {
                "no_parquet"
            };
            g.bench_with_input(BenchmarkId::new(name, runs), &runs, |b, &runs| {
                b.iter(|| {
                    let _ = std::fs::remove_dir_all(&dir);
                    let spec = EnsembleSpec {
                        input,
                        scenario: "bench",
                        response: &built.response,
                        seed: built.seed,
                        start_date: built.start_date,
                        runs,
                        parquet,
                        hxl: false,
                        posterior: None,
                        // As `lifeline ensemble` runs it: displacement coupled.
                        displacement: plan.as_ref(),
                    };
                    run_ensemble(&dir, &spec, &EnsembleOptions::default()).expect("ensemble runs")
                })
            });
        }
    }
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);

    let mut g = c.benchmark_group("quantile");
    let values: Vec<f32> = (0..10_000u32)
        .map(|i| ((i * 7919) % 10_007) as f32)
        .collect();
    g.throughput(Throughput::Elements(values.len() as u64));
    g.bench_function("five_quantiles_of_10000", |b| {
        let mut v = values.clone();
        b.iter(|| {
            v.copy_from_slice(&values);
            black_box(spread(&mut v, &PROBS))
        })
    });
    g.finish();
}

criterion_group!(ensemble, benches);
criterion_main!(ensemble);
