//! Compares parquet writer settings on one chunk of runs of the default scenario:
//! `cargo run --release -p lifeline-ensemble --example parquet_settings`.
use lifeline_ensemble::RECORD;
use lifeline_ensemble::daily::DailyTable;
use lifeline_model::run_rng;
use lifeline_scenario::{Overrides, Scenario, embedded};
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use std::sync::Arc;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scenario = Scenario::load(embedded::DEFAULT_SCENARIO)?;
    let b = scenario.build(&Overrides::default())?;
    let runs = 104;
    let rows = runs * b.input.days as usize * b.input.depots.len();
    let t = Instant::now();
    let mut table = DailyTable::new(&b.input, b.start_date, rows);
    let records: Vec<_> = (0..runs as u64)
        .map(|r| lifeline_model::run(&b.input, &mut run_rng(b.seed, r), RECORD))
        .collect();
    let model = t.elapsed();
    let t = Instant::now();
    for (r, rec) in records.iter().enumerate() {
        table.push_run(r as u64, rec);
    }
    println!(
        "model {:.1} ms/run; push_run {:.1} µs/run",
        model.as_secs_f64() * 1e3 / runs as f64,
        t.elapsed().as_secs_f64() * 1e6 / runs as f64
    );
    let low = ["run", "day", "date", "place", "commodity"];
    let variants: Vec<(&str, WriterProperties)> = vec![
        (
            "current",
            (*lifeline_ensemble::daily::writer_properties()).clone(),
        ),
        (
            "dict all, no stats",
            WriterProperties::builder()
                .set_compression(Compression::UNCOMPRESSED)
                .set_statistics_enabled(EnabledStatistics::None)
                .build(),
        ),
        ("dict low-cardinality only", {
            let mut w = WriterProperties::builder()
                .set_compression(Compression::UNCOMPRESSED)
                .set_statistics_enabled(EnabledStatistics::Chunk)
                .set_dictionary_enabled(false);
            for c in low {
                w = w.set_column_dictionary_enabled(ColumnPath::from(c), true);
            }
            w.build()
        }),
        ("dict all but stock/consumed", {
            let mut w = WriterProperties::builder()
                .set_compression(Compression::UNCOMPRESSED)
                .set_statistics_enabled(EnabledStatistics::Chunk);
            for c in ["stock_m3", "consumed_m3"] {
                w = w.set_column_dictionary_enabled(ColumnPath::from(c), false);
            }
            w.build()
        }),
    ];
    for (name, props) in variants {
        let props = Arc::new(props);
        let mut best = f64::INFINITY;
        let mut size = 0;
        for _ in 0..5 {
            let t = Instant::now();
            let mut buf = Vec::new();
            table.write_with(&mut buf, std::path::Path::new("x"), props.clone())?;
            best = best.min(t.elapsed().as_secs_f64());
            size = buf.len();
        }
        println!(
            "{name:<30} {:.1} µs/run  {:.1} bytes/row",
            best * 1e6 / runs as f64,
            size as f64 / rows as f64
        );
    }
    Ok(())
}
