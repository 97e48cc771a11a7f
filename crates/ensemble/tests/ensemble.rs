//! End-to-end checks of the ensemble library on the embedded default scenario (short horizon):
//! quantiles against a naive computation, the parquet table against places.csv, resume.

use lifeline_ensemble::daily::{CORRIDOR_METRICS, METRICS};
use lifeline_ensemble::journal::JOURNAL_DIR;
use lifeline_ensemble::quantile::{PROBS, spread_by_sorting};
use lifeline_ensemble::{EnsembleError, EnsembleOptions, EnsembleSpec, FigureSchema, run_ensemble};
use lifeline_io::outputs::write_places_csv;
use lifeline_model::RecordOptions;
use lifeline_scenario::displacement::{DisplacementPlan, run_coupled};
use lifeline_scenario::{Built, Overrides, Scenario, embedded};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use std::path::{Path, PathBuf};

/// The embedded scenario over `days`, with its displacement plan (ensembles couple it).
fn built(days: u32) -> (Scenario, Built, Option<DisplacementPlan>) {
    let scenario = Scenario::load(embedded::DEFAULT_SCENARIO).expect("embedded scenario loads");
    let built = scenario
        .build(&Overrides {
            days: Some(days),
            ..Overrides::default()
        })
        .expect("embedded scenario builds");
    let plan = scenario.displacement_plan(&built).expect("plan builds");
    assert!(plan.is_some(), "the embedded scenario has displacement");
    (scenario, built, plan)
}

fn spec<'a>(b: &'a Built, plan: &'a Option<DisplacementPlan>, runs: u64) -> EnsembleSpec<'a> {
    EnsembleSpec {
        input: &b.input,
        scenario: "test",
        response: &b.response,
        seed: b.seed,
        start_date: b.start_date,
        runs,
        parquet: true,
        hxl: false,
        posterior: None,
        displacement: plan.as_ref(),
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifeline-ens-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn csv_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = String::from_utf8(read(path)).expect("utf-8");
    let mut lines = text.lines();
    let header = lines
        .next()
        .expect("header")
        .split(',')
        .map(String::from)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    (header, rows)
}

#[test]
fn quantiles_and_figures_match_a_naive_computation() {
    check_against_naive(20, 37, "naive");
}

/// Chunks of many runs (1,100 runs: 18 a chunk), whose cells are moved into the chunk's block
/// 16 runs at a time: the same exact spreads.
#[test]
fn chunks_of_many_runs_match_a_naive_computation() {
    let (_, b, _) = built(4);
    let per_chunk = lifeline_ensemble::chunk_runs(1100, 4, b.input.depots.len());
    assert!(per_chunk > 16, "{per_chunk} runs a chunk");
    check_against_naive(4, 1100, "naive-many");
}

/// Ensembles run what `lifeline run` runs. Over the hindcast's 180 days, people leaving Mali's
/// fuel-short towns lower their demand, so coupled runs differ from the supply model's: switch
/// the displacement off and the ensemble's figures change; with it on, each run's figures are
/// `run_coupled`'s (the naive comparison above checks every cell of a shorter horizon).
#[test]
fn ensembles_couple_the_scenarios_displacement() {
    let (_, b, plan) = built(180);
    let runs = 6;
    let schema = FigureSchema::new(&b.input);
    let figures = |coupled: bool, r: u64| {
        let plan = plan.as_ref().filter(|_| coupled);
        let record = run_coupled(&b.input, plan, b.seed, r, RecordOptions::all()).supply;
        let mut row = Vec::new();
        schema.compute(&b.input, &record, &mut row);
        row
    };
    assert!(
        (0..runs).any(|r| figures(true, r) != figures(false, r)),
        "displacement must move a figure of these runs for the check to mean anything"
    );
    let coupled_dir = temp_dir("coupled");
    let uncoupled_dir = temp_dir("uncoupled");
    let mut coupled = spec(&b, &plan, runs);
    coupled.parquet = false;
    let mut uncoupled = spec(&b, &plan, runs);
    uncoupled.parquet = false;
    uncoupled.displacement = None;
    let options = EnsembleOptions::default();
    run_ensemble(&coupled_dir, &coupled, &options).expect("coupled ensemble");
    run_ensemble(&uncoupled_dir, &uncoupled, &options).expect("supply-only ensemble");
    let (_, with) = csv_rows(&coupled_dir.join("runs.csv"));
    let (_, without) = csv_rows(&uncoupled_dir.join("runs.csv"));
    assert_ne!(with, without, "switching displacement off changes the runs");
    // As the naive comparison reads runs.csv: the run, its seed, then the figures at their
    // decimals (an empty cell for a figure that never happened).
    for (r, row) in with.iter().enumerate() {
        let expected = figures(true, r as u64);
        assert_eq!(row.len(), 2 + expected.len());
        for (f, c) in schema.columns.iter().enumerate() {
            let (want, text) = (expected[f], &row[2 + f]);
            if want.is_finite() {
                let got: f64 = text.parse().expect("number");
                let half_step = 0.5 * 10f64.powi(-(c.figure.decimals() as i32));
                assert!((got - want).abs() <= half_step + 1e-9, "run {r} column {f}");
            } else {
                assert_eq!(text, "", "run {r} column {f}");
            }
        }
    }
    std::fs::remove_dir_all(&coupled_dir).expect("cleanup");
    std::fs::remove_dir_all(&uncoupled_dir).expect("cleanup");
}

fn check_against_naive(days: u32, runs: u64, name: &str) {
    let (_, b, plan) = built(days);
    let dir = temp_dir(name);
    let ndays = days as usize;
    // A tiny memory budget forces many slabs (5 cells at a time) and many chunks.
    let options = EnsembleOptions {
        threads: Some(2),
        memory_budget: runs as usize * 4 * 5,
        ..EnsembleOptions::default()
    };
    let report = run_ensemble(&dir, &spec(&b, &plan, runs), &options).expect("ensemble runs");
    assert_eq!(report.runs, runs);
    assert!(
        !dir.join(JOURNAL_DIR).exists(),
        "journal removed once finished"
    );

    // Naive: run every run again, keep every value, sort.
    let depots = b.input.depots.len();
    let schema = FigureSchema::new(&b.input);
    let mut cells: Vec<Vec<f64>> = vec![Vec::new(); ndays * depots * METRICS.len()];
    let corridors = b.input.corridors.len();
    let nc = CORRIDOR_METRICS.len();
    let mut corridor_cells: Vec<Vec<f64>> = vec![Vec::new(); ndays * corridors * nc];
    let mut figures: Vec<Vec<f64>> = vec![Vec::new(); schema.len()];
    for r in 0..runs {
        let rec = run_coupled(
            &b.input,
            plan.as_ref(),
            b.seed,
            r,
            RecordOptions {
                events: false,
                movements: false,
                corridors: true,
            },
        )
        .supply;
        for (day, rows) in rec.corridor_days.iter().enumerate() {
            for (c, row) in rows.iter().enumerate() {
                for (m, metric) in CORRIDOR_METRICS.iter().enumerate() {
                    corridor_cells[(day * corridors + c) * nc + m]
                        .push(f64::from(metric.value(row)));
                }
            }
        }
        for (day, rows) in rec.depot_days.iter().enumerate() {
            for (d, row) in rows.iter().enumerate() {
                for (m, metric) in METRICS.iter().enumerate() {
                    cells[(day * depots + d) * METRICS.len() + m]
                        .push(f64::from(metric.value(row)));
                }
            }
        }
        let mut row = Vec::new();
        schema.compute(&b.input, &rec, &mut row);
        for (f, v) in row.into_iter().enumerate() {
            figures[f].push(v);
        }
    }

    let (header, rows) = csv_rows(&dir.join("quantiles.csv"));
    assert_eq!(
        header.join(","),
        "day,date,place,metric,p05,p25,p50,p75,p95,mean,runs"
    );
    let labels = lifeline_ensemble::figures::depot_labels(&b.input);
    let mut checked = 0;
    for row in &rows {
        let day: usize = row[0].parse().expect("day");
        let d = labels
            .iter()
            .position(|l| *l == row[2])
            .expect("known place");
        let m = METRICS
            .iter()
            .position(|m| m.name() == row[3])
            .expect("known metric");
        let naive = spread_by_sorting(&cells[(day * depots + d) * METRICS.len() + m], &PROBS);
        let tol = 0.5 * 10f64.powi(-(METRICS[m].decimals() as i32)) + 1e-9;
        for (k, q) in naive.quantiles.iter().enumerate() {
            let got: f64 = row[4 + k].parse().expect("number");
            assert!(
                (got - q).abs() <= tol * (1.0 + 1e-6 * q.abs()),
                "{row:?}: p{k} {got} vs {q}"
            );
        }
        assert_eq!(row[10], runs.to_string());
        checked += 1;
    }
    let applicable: usize = b
        .input
        .depots
        .iter()
        .map(|d| METRICS.iter().filter(|m| m.applies(d)).count())
        .sum();
    assert_eq!(
        checked,
        ndays * applicable,
        "one row per day, place and applicable metric"
    );

    // corridor_quantiles.csv: the same spreads of the corridors' daily figures, named as in a
    // single run's corridors.csv.
    let (header, rows) = csv_rows(&dir.join("corridor_quantiles.csv"));
    assert_eq!(
        header.join(","),
        "day,date,corridor,metric,p05,p25,p50,p75,p95,mean,runs"
    );
    let run_header = lifeline_io::outputs::CORRIDORS_HEADER;
    for m in CORRIDOR_METRICS {
        assert!(
            run_header.split(',').any(|c| c == m.name()),
            "{} is a corridors.csv column",
            m.name()
        );
    }
    assert_eq!(
        rows.len(),
        ndays * corridors * nc,
        "one row per day, corridor and metric"
    );
    let mut lost_somewhere = false;
    for (i, row) in rows.iter().enumerate() {
        let day: usize = row[0].parse().expect("day");
        let c = b
            .input
            .corridors
            .iter()
            .position(|x| x.name == row[2])
            .expect("known corridor");
        let m = CORRIDOR_METRICS
            .iter()
            .position(|m| m.name() == row[3])
            .expect("known metric");
        assert_eq!(
            (day * corridors + c) * nc + m,
            i,
            "rows in day, corridor, metric order"
        );
        let values = &corridor_cells[(day * corridors + c) * nc + m];
        let naive = spread_by_sorting(values, &PROBS);
        let tol = 0.5 * 10f64.powi(-(CORRIDOR_METRICS[m].decimals() as i32)) + 1e-9;
        for (k, q) in naive.quantiles.iter().enumerate() {
            let got: f64 = row[4 + k].parse().expect("number");
            assert!(
                (got - q).abs() <= tol * (1.0 + 1e-6 * q.abs()),
                "{row:?}: p{k} {got} vs {q}"
            );
        }
        let mean: f64 = row[9].parse().expect("mean");
        assert!((mean - naive.mean).abs() <= tol * (1.0 + 1e-6 * naive.mean.abs()));
        assert_eq!(row[10], runs.to_string());
        lost_somewhere |= row[3] == "trucks_lost" && mean > 0.0;
    }
    assert!(
        lost_somewhere || days < 20,
        "the default scenario loses trucks on some corridor in {days} days of {runs} runs"
    );

    // runs.csv holds exactly the figures; summary.json their quantiles.
    let (header, rows) = csv_rows(&dir.join("runs.csv"));
    assert_eq!(rows.len(), runs as usize);
    assert_eq!(header.len(), 2 + schema.len());
    for (r, row) in rows.iter().enumerate() {
        assert_eq!(row[0], r.to_string());
        for (f, c) in schema.columns.iter().enumerate() {
            let v = figures[f][r];
            let text = &row[2 + f];
            if v.is_finite() {
                let got: f64 = text.parse().expect("number");
                assert!((got - v).abs() <= 0.5 * 10f64.powi(-(c.figure.decimals() as i32)) + 1e-9);
            } else {
                assert_eq!(text, "");
            }
        }
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&read(&dir.join("summary.json"))).expect("json");
    assert_eq!(summary["runs"], runs);
    for (f, c) in schema.columns.iter().enumerate() {
        let naive = spread_by_sorting(&figures[f], &[0.05, 0.5, 0.95]);
        let entry = match &c.place {
            Some(p) => &summary["places"][p][c.figure.name()],
            None => &summary["national"][c.figure.name()],
        };
        for (k, key) in ["p05", "p50", "p95"].iter().enumerate() {
            let q = naive.quantiles[k];
            match entry[key].as_f64() {
                Some(got) => assert!(
                    (got - q).abs() <= 0.05 + 1e-9 * q.abs(),
                    "{c:?} {key}: {got} vs {q}"
                ),
                None => assert!(q.is_infinite(), "{c:?} {key}: null but naive {q}"),
            }
        }
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn parquet_rows_are_places_csv_rows() {
    let (scenario, b, plan) = built(15);
    let dir = temp_dir("parquet");
    run_ensemble(&dir, &spec(&b, &plan, 5), &EnsembleOptions::default()).expect("ensemble runs");
    let reader =
        SerializedFileReader::new(std::fs::File::open(dir.join("runs.parquet")).expect("open"))
            .expect("parquet");
    let meta = reader.metadata();
    assert_eq!(
        meta.file_metadata().num_rows() as usize,
        5 * 15 * b.input.depots.len()
    );
    // Compressed with zstd, and saying what it is a table of.
    for rg in meta.row_groups() {
        for c in rg.columns() {
            assert!(matches!(
                c.compression(),
                parquet::basic::Compression::ZSTD(_)
            ));
        }
    }
    let kv: std::collections::HashMap<&str, &str> = meta
        .file_metadata()
        .key_value_metadata()
        .expect("key-value metadata")
        .iter()
        .map(|kv| (kv.key.as_str(), kv.value.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(kv["lifeline.scenario"], "test");
    assert_eq!(kv["lifeline.response"], b.response);
    assert_eq!(kv["lifeline.seed"], b.seed.to_string());
    assert_eq!(kv["lifeline.runs"], "5");
    assert_eq!(kv["lifeline.start_date"], b.start_date.to_string());
    assert_eq!(kv["lifeline.version"], env!("CARGO_PKG_VERSION"));
    let rows: Vec<parquet::record::Row> = reader
        .get_row_iter(None)
        .expect("rows")
        .map(|r| r.expect("row"))
        .collect();
    // Run 3's rows, rendered like places.csv, are places.csv of run 3.
    let rec = run_coupled(&b.input, plan.as_ref(), b.seed, 3, RecordOptions::all()).supply;
    let ctx = b.output_context(&scenario);
    let mut csv = Vec::new();
    write_places_csv(&mut csv, &ctx, &rec, &Default::default()).expect("csv");
    let csv = String::from_utf8(csv).expect("utf-8");
    let mut lines = csv.lines();
    let header = lines.next().expect("header");
    let names: Vec<String> = rows[0].get_column_iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(names[0], "run");
    assert_eq!(names[1..].join(","), header, "same columns as places.csv");
    let decimals = [
        0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 3, 0, 2, 0, 0, 3, 1, 1, 1, 1, 1, 1, 3, 1, 0, 0, 0,
    ];
    let run3: Vec<_> = rows
        .iter()
        .filter(|r| matches!(r.get_column_iter().next(), Some((_, Field::Int(3)))))
        .collect();
    assert_eq!(run3.len(), 15 * b.input.depots.len());
    for (row, line) in run3.iter().zip(lines) {
        let fields: Vec<String> = row
            .get_column_iter()
            .enumerate()
            .skip(1)
            .map(|(i, (_, f))| match f {
                Field::Int(v) => v.to_string(),
                Field::Double(v) => format!("{v:.prec$}", prec = decimals[i]),
                Field::Str(s) => s.clone(),
                Field::Bool(v) => u8::from(*v).to_string(),
                Field::Null => String::new(),
                Field::Date(d) => (chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("date")
                    + chrono::Days::new(*d as u64))
                .to_string(),
                other => panic!("unexpected field {other:?}"),
            })
            .collect();
        assert_eq!(fields.join(","), line);
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn resume_finishes_an_interrupted_ensemble_identically() {
    let (_, b, plan) = built(12);
    let runs = 20;
    let whole = temp_dir("whole");
    run_ensemble(&whole, &spec(&b, &plan, runs), &EnsembleOptions::default())
        .expect("ensemble runs");

    let cut = temp_dir("cut");
    let stop = EnsembleOptions {
        stop_after_chunks: Some(7),
        ..EnsembleOptions::default()
    };
    let err = run_ensemble(&cut, &spec(&b, &plan, runs), &stop).expect_err("stops");
    assert!(
        matches!(err, EnsembleError::Interrupted { done: 7, total: 20 }),
        "{err}"
    );
    for name in lifeline_ensemble::ensemble::OUTPUTS {
        assert!(
            !cut.join(name).exists(),
            "{name} must not exist before the end"
        );
    }
    // Without --resume the unfinished work is protected.
    let err = run_ensemble(&cut, &spec(&b, &plan, runs), &EnsembleOptions::default())
        .expect_err("refuses");
    assert!(
        matches!(err, EnsembleError::Unfinished { done: 7, .. }),
        "{err}"
    );
    // Other parameters are refused.
    let mut other = spec(&b, &plan, runs);
    other.seed += 1;
    let resume = EnsembleOptions {
        resume: true,
        ..EnsembleOptions::default()
    };
    let err = run_ensemble(&cut, &other, &resume).expect_err("mismatch");
    assert!(
        matches!(err, EnsembleError::Mismatch { field: "seed", .. }),
        "{err}"
    );
    // So is the same ensemble without the displacement the journal's runs coupled.
    let mut uncoupled = spec(&b, &plan, runs);
    uncoupled.displacement = None;
    let err = run_ensemble(&cut, &uncoupled, &resume).expect_err("mismatch");
    assert!(
        matches!(
            err,
            EnsembleError::Mismatch {
                field: "the displacement settings ([displacement])",
                ..
            }
        ),
        "{err}"
    );

    // A crash mid-write leaves a temporary and a damaged chunk: both are redone.
    let journal = cut.join(JOURNAL_DIR);
    std::fs::write(journal.join("chunk-000019.bin.tmp"), b"half").expect("write");
    let chunk = std::fs::read_dir(&journal)
        .expect("journal")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "bin"))
        .expect("a finished chunk");
    let bytes = read(&chunk);
    std::fs::write(&chunk, &bytes[..bytes.len() / 2]).expect("truncate");

    let counted = std::sync::atomic::AtomicU64::new(0);
    let count = |n: u64| {
        counted.fetch_add(n, std::sync::atomic::Ordering::SeqCst);
    };
    let resume = EnsembleOptions {
        resume: true,
        progress: Some(&count),
        ..EnsembleOptions::default()
    };
    let report = run_ensemble(&cut, &spec(&b, &plan, runs), &resume).expect("resumes");
    assert_eq!(
        report.resumed_runs, 6,
        "7 chunks of 1 run finished, one damaged"
    );
    assert_eq!(
        counted.load(std::sync::atomic::Ordering::SeqCst),
        runs,
        "progress counts resumed and new runs"
    );
    for name in lifeline_ensemble::ensemble::OUTPUTS {
        assert!(
            read(&whole.join(name)) == read(&cut.join(name)),
            "{name} differs after resume"
        );
    }
    // Resuming a finished ensemble does nothing.
    let report = run_ensemble(&cut, &spec(&b, &plan, runs), &resume).expect("complete");
    assert!(report.already_complete);
    for dir in [whole, cut] {
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
