//! Flee's Mali 2012 case through the library (test data shipped in tests/data/mali2012).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lifeline_flee::{
    CaseInputs, EnsembleStats, FleeCase, InputFile, data_files_named_in, run_ensemble, sequential,
};

fn mali_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/mali2012");
    assert!(
        dir.join("input_csv/locations.csv").is_file(),
        "the Mali 2012 peer case must exist at {}",
        dir.display()
    );
    dir
}

fn read(path: &Path) -> InputFile {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    InputFile::new(path.display().to_string(), text)
}

fn mali_case() -> FleeCase {
    let dir = mali_dir();
    let input = dir.join("input_csv");
    let source = dir.join("source_data");
    let data_layout = read(&source.join("data_layout.csv"));
    let mut data_files = BTreeMap::new();
    for name in data_files_named_in(&data_layout).expect("valid layout") {
        data_files.insert(name.clone(), read(&source.join(&name)).text);
    }
    let inputs = CaseInputs {
        locations: read(&input.join("locations.csv")),
        routes: read(&input.join("routes.csv")),
        closures: Some(read(&input.join("closures.csv"))),
        conflicts: Some(read(&input.join("conflicts.csv"))),
        flood_levels: None,
        flood_awareness: None,
        sim_period: read(&input.join("sim_period.csv")),
        registration_corrections: Some(read(&input.join("registration_corrections.csv"))),
        data_layout,
        data_files,
        settings: read(&dir.join("simsetting.yml")),
    };
    FleeCase::from_inputs(&inputs, None).expect("valid case")
}

fn csv_columns(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = text.lines();
    let header = lines
        .next()
        .expect("header")
        .split(',')
        .map(str::to_string)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    (header, rows)
}

#[test]
fn deterministic_columns_are_exact() {
    let case = mali_case();
    let out = case.out_csv(&case.run(123, 0).expect("runs"));
    let expected = std::fs::read_to_string(mali_dir().join("mali_out_deterministic_columns.csv"))
        .expect("readable");
    let (expected_header, expected_rows) = csv_columns(&expected);
    let (header, rows) = csv_columns(&out);
    assert_eq!(rows.len(), expected_rows.len());
    for (c, column) in expected_header.iter().enumerate() {
        let ours = header
            .iter()
            .position(|h| h == column)
            .unwrap_or_else(|| panic!("missing column {column}"));
        for (day, (e, o)) in expected_rows.iter().zip(&rows).enumerate() {
            assert_eq!(o[ours], e[c], "day {day}, {column}");
        }
    }
}

#[test]
fn ensemble_tracks_flees_camp_totals() {
    let case = mali_case();
    let runs = run_ensemble(&case, 77, 20, sequential).expect("runs");
    let stats = EnsembleStats::from_runs(&case, &runs);
    let reference =
        std::fs::read_to_string(mali_dir().join("mali_ensemble_stats.csv")).expect("readable");
    let (header, rows) = csv_columns(&reference);
    let mean_column = header
        .iter()
        .position(|h| h == "refugees in camps (simulation) mean")
        .expect("column");
    let sd_column = mean_column + 1;
    for day in (0..300).step_by(25).chain([299]) {
        let flee_mean: f64 = rows[day][mean_column].parse().expect("number");
        let flee_sd: f64 = rows[day][sd_column].parse().expect("number");
        let ours = stats.total_mean[day];
        let ours_sd = stats.total_sd[day];
        // Standard error of the difference of a 14-run and a 20-run mean, floored at 1 person.
        let se = (flee_sd * flee_sd / 14.0 + ours_sd * ours_sd / 20.0)
            .sqrt()
            .max(1.0);
        assert!(
            (ours - flee_mean).abs() < 4.0 * se,
            "day {day}: Lifeline {ours:.1} ± {ours_sd:.1}, Flee {flee_mean} ± {flee_sd}"
        );
    }
}
