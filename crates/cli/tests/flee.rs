//! End-to-end tests of `lifeline flee` on Flee's Mali 2012 case (test data shipped in crates/flee/tests/data/mali2012).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mali_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../flee/tests/data/mali2012");
    assert!(
        dir.join("input_csv/locations.csv").is_file(),
        "the Mali 2012 peer case must exist at {} (shipped with the repository)",
        dir.display()
    );
    dir
}

fn lifeline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lifeline"))
        .args(args)
        .output()
        .expect("invariant: the lifeline binary runs")
}

fn flee_on(case: &Path, extra: &[&str]) -> Output {
    let input = case.join("input_csv");
    let source = case.join("source_data");
    let settings = case.join("simsetting.yml");
    let mut args = vec![
        "flee",
        input.to_str().expect("utf-8 path"),
        source.to_str().expect("utf-8 path"),
        "0",
        settings.to_str().expect("utf-8 path"),
    ];
    args.extend_from_slice(extra);
    lifeline(&args)
}

fn stdout_of(output: &Output) -> String {
    assert!(
        output.status.success(),
        "lifeline flee failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("utf-8 output")
}

/// Rows of a CSV as header → value maps (the files here have no quoted fields).
fn table(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .expect("a header")
        .split(',')
        .map(str::to_string)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    (header, rows)
}

#[test]
fn deterministic_columns_equal_flees_exactly() {
    let case = mali_dir();
    let expected_text =
        std::fs::read_to_string(case.join("mali_out_deterministic_columns.csv")).expect("readable");
    let (expected_header, expected_rows) = table(&expected_text);
    let ours = stdout_of(&flee_on(&case, &["--seed", "11"]));
    let (header, rows) = table(&ours);
    assert_eq!(rows.len(), expected_rows.len(), "number of days");
    for (column_index, column) in expected_header.iter().enumerate() {
        let ours_index = header
            .iter()
            .position(|h| h == column)
            .unwrap_or_else(|| panic!("out.csv lacks column `{column}`"));
        for (day, (expected, got)) in expected_rows.iter().zip(&rows).enumerate() {
            assert_eq!(
                got[ours_index], expected[column_index],
                "day {day}, column `{column}`"
            );
        }
    }
}

#[test]
fn out_csv_has_flees_columns() {
    let case = mali_dir();
    let ours = stdout_of(&flee_on(&case, &["--seed", "3"]));
    let header = ours.lines().next().expect("header");
    assert!(
        header.starts_with("Day,Date,Fassala-Mbera sim,Fassala-Mbera data,Fassala-Mbera error,")
    );
    assert!(header.ends_with(
        "Total error,refugees in camps (UNHCR),total refugees (simulation),raw UNHCR refugee count,refugees in camps (simulation),refugee_debt"
    ));
    // Every simulated agent is somewhere: camps hold at most all of them.
    let (header, rows) = table(&ours);
    let in_camps = header
        .iter()
        .position(|h| h == "refugees in camps (simulation)")
        .expect("column");
    let total = header
        .iter()
        .position(|h| h == "total refugees (simulation)")
        .expect("column");
    for row in rows {
        let in_camps: u64 = row[in_camps].parse().expect("integer");
        let total: u64 = row[total].parse().expect("integer");
        assert!(in_camps <= total);
    }
}

#[test]
fn same_seed_same_output_and_other_seed_differs() {
    let case = mali_dir();
    let first = stdout_of(&flee_on(&case, &["--seed", "42"]));
    let again = stdout_of(&flee_on(&case, &["--seed", "42"]));
    let other = stdout_of(&flee_on(&case, &["--seed", "43"]));
    assert_eq!(first, again);
    assert_ne!(first, other);
}

#[test]
fn ensemble_is_identical_whatever_the_thread_count() {
    let case = mali_dir();
    let one = stdout_of(&flee_on(
        &case,
        &["--seed", "5", "--runs", "6", "--threads", "1"],
    ));
    let three = stdout_of(&flee_on(
        &case,
        &["--seed", "5", "--runs", "6", "--threads", "3"],
    ));
    assert_eq!(one, three);
    assert!(one.starts_with("Day,Fassala-Mbera sim mean,Fassala-Mbera sim sd,"));
    assert_eq!(one.lines().count(), 301);
}

#[test]
fn ard_lies_within_flees_spread() {
    let case = mali_dir();
    let report = stdout_of(&flee_on(
        &case,
        &["--seed", "2024", "--runs", "8", "--error"],
    ));
    let value = |label: &str| -> f64 {
        let line = report
            .lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no `{label}` line in {report}"));
        line[label.len()..]
            .split_whitespace()
            .next()
            .expect("a number")
            .parse()
            .expect("a number")
    };
    let normal = value("ARD normal:");
    let rescaled = value("ARD rescaled:");
    // Flee: 0.3538 ± 0.0027 and 0.3065 ± 0.0030 (14 runs); allow three of Flee's spreads.
    assert!(
        (normal - 0.3538).abs() < 3.0 * 0.0027,
        "normal ARD {normal}"
    );
    assert!(
        (rescaled - 0.3065).abs() < 3.0 * 0.0030,
        "rescaled ARD {rescaled}"
    );
}

/// A copy of the Mali case in a fresh temporary directory, to be modified by a test.
fn copy_of_mali(test: &str) -> PathBuf {
    let source = mali_dir();
    let target = std::env::temp_dir().join(format!("lifeline-flee-{test}-{}", std::process::id()));
    if target.exists() {
        std::fs::remove_dir_all(&target).expect("removable");
    }
    for sub in ["input_csv", "source_data"] {
        std::fs::create_dir_all(target.join(sub)).expect("creatable");
        for entry in std::fs::read_dir(source.join(sub)).expect("readable") {
            let entry = entry.expect("entry");
            std::fs::copy(entry.path(), target.join(sub).join(entry.file_name())).expect("copy");
        }
    }
    std::fs::copy(source.join("simsetting.yml"), target.join("simsetting.yml")).expect("copy");
    target
}

#[test]
fn unknown_setting_is_an_error_naming_file_and_key() {
    let case = copy_of_mali("unknown-setting");
    let settings = case.join("simsetting.yml");
    let text = std::fs::read_to_string(&settings).expect("readable");
    std::fs::write(&settings, text.replace("camp_weight", "camp_wieght")).expect("writable");
    let output = flee_on(&case, &["--seed", "1"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("simsetting.yml"), "{stderr}");
    assert!(stderr.contains("move_rules.camp_wieght"), "{stderr}");
    std::fs::remove_dir_all(case).ok();
}

#[test]
fn malformed_row_is_an_error_naming_file_and_line() {
    let case = copy_of_mali("malformed-row");
    let routes = case.join("input_csv/routes.csv");
    let text = std::fs::read_to_string(&routes).expect("readable");
    std::fs::write(
        &routes,
        text.replace("Mopti,Mentao,360,0", "Mopti,Mentao,far,0"),
    )
    .expect("writable");
    let output = flee_on(&case, &["--seed", "1"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("routes.csv:3:"), "{stderr}");
    assert!(stderr.contains("distance"), "{stderr}");
    std::fs::remove_dir_all(case).ok();
}

/// The ARD of `runs` seeded runs of the Mali case with `settings_text` (normal, rescaled).
fn mali_ard_with_settings(test: &str, settings_text: &str, runs: &str) -> (f64, f64) {
    let case = copy_of_mali(test);
    std::fs::write(case.join("simsetting.yml"), settings_text).expect("writable");
    let report = stdout_of(&flee_on(
        &case,
        &["--seed", "11", "--runs", runs, "--error"],
    ));
    std::fs::remove_dir_all(case).ok();
    let value = |label: &str| -> f64 {
        report
            .lines()
            .find_map(|l| l.strip_prefix(label))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|number| number.parse().ok())
            .unwrap_or_else(|| panic!("no `{label}` number in {report}"))
    };
    (value("ARD normal:"), value("ARD rescaled:"))
}

/// Settings of Flee 3's validation suite (FabFlee's `config_files/flee3_validation/`,
/// BSD-3-Clause) at hasten 10; `move_rules` differ between its files.
fn flee3_settings(move_rules: &str) -> String {
    format!(
        "spawn_rules:\n  sum_from_camps: True\n  conflict_spawn_decay: [1.0,1.0,1.0,0.5,0.1]\n  \
         conflict_spawn_decay_interval: 30\n  empty_camps_on_day0: False\nmove_rules:\n{move_rules}\
         optimisations:\n  hasten: 10\n"
    )
}

#[test]
fn flee3_rules_match_flees_spread_on_mali() {
    // Flee's current engine, 10 runs of each on this case (docs/flee.md). simsetting.yml uses
    // start_on_foot and avoid_short_stints: 0.3966 ± 0.0024, rescaled 0.3623 ± 0.0029.
    let simsetting = "  max_move_speed: 200.0\n  camp_weight: 2.0\n  softening: 10.0\n  \
                      default_movechance: 0.5\n  start_on_foot: True\n  avoid_short_stints: True\n  \
                      capacity_scaling: 1.25\n  distance_power: 1.00\n  camp_movechance: 0.001\n";
    let (normal, rescaled) =
        mali_ard_with_settings("flee3-simsetting", &flee3_settings(simsetting), "8");
    assert!(
        (normal - 0.3966).abs() < 3.0 * 0.0024,
        "normal ARD {normal}"
    );
    assert!(
        (rescaled - 0.3623).abs() < 3.0 * 0.0029,
        "rescaled ARD {rescaled}"
    );
    // modern125aw2dm75.yml adds awareness level 2: 0.3414 ± 0.0032, rescaled 0.3126 ± 0.0035.
    let aware = "  max_move_speed: 400.0\n  awareness_level: 2\n  camp_weight: 1.0\n  softening: 36.0\n  \
                 default_movechance: 0.75\n  start_on_foot: True\n  avoid_short_stints: True\n  \
                 capacity_scaling: 1.25\n  distance_power: 0.75\n  camp_movechance: 0.0005\n";
    let (normal, rescaled) = mali_ard_with_settings("flee3-aware", &flee3_settings(aware), "8");
    assert!(
        (normal - 0.3414).abs() < 3.0 * 0.0032,
        "normal ARD {normal}"
    );
    assert!(
        (rescaled - 0.3126).abs() < 3.0 * 0.0035,
        "rescaled ARD {rescaled}"
    );
}

#[test]
fn settings_are_checked_before_any_other_file() {
    let case = copy_of_mali("settings-first");
    std::fs::remove_file(case.join("input_csv/conflicts.csv")).expect("removable");
    std::fs::write(
        case.join("simsetting.yml"),
        "move_rules:\n  two_system_decision_making: True\n",
    )
    .expect("writable");
    let output = flee_on(&case, &["--seed", "1"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("move_rules.two_system_decision_making"),
        "{stderr}"
    );
    assert!(!stderr.contains("conflicts.csv"), "{stderr}");
    std::fs::remove_dir_all(case).ok();
}

#[test]
fn input_flee_tolerates_runs_with_warnings() {
    let case = copy_of_mali("tolerated");
    let settings = case.join("simsetting.yml");
    let text = std::fs::read_to_string(&settings).expect("readable");
    std::fs::write(
        &settings,
        text.replace("log_levels:\n", "log_levels:\n  Flood: 0\n"),
    )
    .expect("writable");
    let closures = case.join("input_csv/closures.csv");
    let mut text = std::fs::read_to_string(&closures).expect("readable");
    text.push_str("remove_forced_redirection,Mopti,Mentao,0,10\n");
    std::fs::write(&closures, text).expect("writable");
    let output = flee_on(&case, &["--seed", "1"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    stdout_of(&output);
    assert!(
        stderr.contains("simsetting.yml:2: setting `log_levels.Flood`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("closures.csv:") && stderr.contains("remove_forced_redirection` ignored"),
        "{stderr}"
    );
    std::fs::remove_dir_all(case).ok();
}

fn dflee_tiny_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../flee/tests/data/dflee_tiny");
    assert!(
        dir.join("input_csv/flood_level.csv").is_file(),
        "the tiny flood case must exist at {} (shipped with the repository)",
        dir.display()
    );
    dir
}

#[test]
fn a_dflee_flood_case_runs_through_the_binary() {
    let case = dflee_tiny_dir();
    let output = flee_on(&case, &["--seed", "3"]);
    let text = stdout_of(&output);
    let (header, rows) = table(&text);
    // Under flood-driven spawning Flee reports every location, not only camps.
    for name in ["Riverside", "Lowland", "Market", "Hilltop", "Upland"] {
        assert!(
            header.contains(&format!("{name} sim")),
            "{name} missing from {header:?}"
        );
    }
    assert_eq!(rows.len(), 20);
    // Hand-computed from the flood levels (see the case's README): 3, then + int(0.005 × 4000),
    // then + int(0.005 × 3980) + int(0.005 × 2000).
    let total = header
        .iter()
        .position(|h| h == "total refugees (simulation)")
        .expect("column");
    let totals: Vec<&str> = rows[..3].iter().map(|r| r[total].as_str()).collect();
    assert_eq!(totals, ["3", "23", "52"]);
    // Every deterministic column (data, totals, spawning) equals the out.csv of Flee's current
    // engine on this case.
    let expected_text =
        std::fs::read_to_string(case.join("flee_out_deterministic_columns.csv")).expect("readable");
    let (expected_header, expected_rows) = table(&expected_text);
    assert_eq!(rows.len(), expected_rows.len(), "number of days");
    for (column_index, column) in expected_header.iter().enumerate() {
        let ours = header
            .iter()
            .position(|h| h == column)
            .unwrap_or_else(|| panic!("out.csv lacks column `{column}`"));
        for (day, (expected, got)) in expected_rows.iter().zip(&rows).enumerate() {
            assert_eq!(
                got[ours], expected[column_index],
                "day {day}, column `{column}`"
            );
        }
    }
    // No conflicts.csv in the case: under flood rules Flee does not read it.
    assert!(!case.join("input_csv/conflicts.csv").exists());
    // Same seed, same bytes; the ensemble does not depend on the thread count.
    assert_eq!(text, stdout_of(&flee_on(&case, &["--seed", "3"])));
    let one = stdout_of(&flee_on(
        &case,
        &["--seed", "4", "--runs", "6", "--threads", "1"],
    ));
    let three = stdout_of(&flee_on(
        &case,
        &["--seed", "4", "--runs", "6", "--threads", "3"],
    ));
    assert_eq!(one, three);
}

fn dflee_forecast_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../flee/tests/data/dflee_forecast");
    assert!(
        dir.join("input_csv/demographics_floodawareness.csv")
            .is_file(),
        "the flood forecaster case must exist at {} (shipped with the repository)",
        dir.display()
    );
    dir
}

/// Column `name` of a table, parsed as numbers.
fn numbers(header: &[String], rows: &[Vec<String>], name: &str) -> Vec<f64> {
    let column = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column `{name}` in {header:?}"));
    rows.iter()
        .map(|r| r[column].parse().expect("a number"))
        .collect()
}

#[test]
fn a_dflee_forecaster_case_runs_through_the_binary_like_flee() {
    let case = dflee_forecast_dir();
    let text = stdout_of(&flee_on(&case, &["--seed", "3"]));
    let (header, rows) = table(&text);
    assert_eq!(rows.len(), 14);
    // Every deterministic column (data, totals, spawning) equals the out.csv of Flee's current
    // engine on this case; the first two totals are hand-checked in the case's README.
    let expected_text =
        std::fs::read_to_string(case.join("flee_out_deterministic_columns.csv")).expect("readable");
    let (expected_header, expected_rows) = table(&expected_text);
    assert_eq!(rows.len(), expected_rows.len(), "number of days");
    for (column_index, column) in expected_header.iter().enumerate() {
        let ours = header
            .iter()
            .position(|h| h == column)
            .unwrap_or_else(|| panic!("out.csv lacks column `{column}`"));
        for (day, (expected, got)) in expected_rows.iter().zip(&rows).enumerate() {
            assert_eq!(
                got[ours], expected[column_index],
                "day {day}, column `{column}`"
            );
        }
    }
    let totals = numbers(&header, &rows, "total refugees (simulation)");
    assert_eq!(&totals[..2], &[110.0, 229.0]);
    // While the forecaster acts (days 0 to 8) only the market town, with a forecast flood,
    // scores above 0 (the camps have no forecast flood and flood zones always score 0), so
    // people leave only where a flood is forecast and head for the town; the camps fill
    // mostly once it stops.
    let hilltop = numbers(&header, &rows, "Hilltop sim");
    assert!(hilltop[8] < hilltop[9], "the camps fill once it stops");

    // Same seed, same bytes; the ensemble does not depend on the thread count.
    assert_eq!(text, stdout_of(&flee_on(&case, &["--seed", "3"])));
    let one = stdout_of(&flee_on(
        &case,
        &["--seed", "4", "--runs", "4", "--threads", "1"],
    ));
    let three = stdout_of(&flee_on(
        &case,
        &["--seed", "4", "--runs", "4", "--threads", "3"],
    ));
    assert_eq!(one, three);

    // The mean count of every location on every day lies within the spread of 30 runs of
    // Flee's current engine: |difference of means| below 4 standard errors of the difference
    // (70 location-days; noise alone exceeds 4 about once in 16,000).
    let runs = 30.0;
    let ensemble = stdout_of(&flee_on(&case, &["--seed", "1", "--runs", "30"]));
    let (ens_header, ens_rows) = table(&ensemble);
    let flee_text =
        std::fs::read_to_string(case.join("flee_ensemble_stats.csv")).expect("readable");
    let (_, flee_rows) = table(&flee_text);
    assert_eq!(flee_rows.len(), 14 * 5);
    for row in &flee_rows {
        let day: usize = row[0].parse().expect("day");
        let location = &row[1];
        let flee_runs: f64 = row[2].parse().expect("runs");
        let flee_mean: f64 = row[3].parse().expect("mean");
        let flee_sd: f64 = row[4].parse().expect("sd");
        let mean = numbers(&ens_header, &ens_rows, &format!("{location} sim mean"))[day];
        let sd = numbers(&ens_header, &ens_rows, &format!("{location} sim sd"))[day];
        let standard_error = (flee_sd * flee_sd / flee_runs + sd * sd / runs).sqrt();
        assert!(
            (mean - flee_mean).abs() <= 4.0 * standard_error.max(0.05),
            "day {day}, {location}: Lifeline {mean} ± {sd}, Flee {flee_mean} ± {flee_sd}"
        );
    }
}

#[test]
fn a_bad_flood_awareness_file_is_an_error_naming_file_line_and_field() {
    let source = dflee_forecast_dir();
    let target = std::env::temp_dir().join(format!(
        "lifeline-flee-bad-awareness-{}",
        std::process::id()
    ));
    if target.exists() {
        std::fs::remove_dir_all(&target).expect("removable");
    }
    for sub in ["input_csv", "source_data"] {
        std::fs::create_dir_all(target.join(sub)).expect("creatable");
        for entry in std::fs::read_dir(source.join(sub)).expect("readable") {
            let entry = entry.expect("entry");
            std::fs::copy(entry.path(), target.join(sub).join(entry.file_name())).expect("copy");
        }
    }
    std::fs::copy(source.join("simsetting.yml"), target.join("simsetting.yml")).expect("copy");
    let awareness = target.join("input_csv/demographics_floodawareness.csv");
    let text = std::fs::read_to_string(&awareness).expect("readable");
    std::fs::write(&awareness, text.replace("\n1,0.3,", "\n1,-0.3,")).expect("writable");
    let output = flee_on(&target, &["--seed", "1"]);
    assert!(!output.status.success(), "a negative weight is refused");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("demographics_floodawareness.csv:3: the weight of `1` in column `Default` must be a finite number >= 0, found -0.3"),
        "{stderr}"
    );
    std::fs::remove_file(&awareness).expect("removable");
    let output = flee_on(&target, &["--seed", "1"]);
    assert!(!output.status.success(), "a missing file is refused");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("demographics_floodawareness.csv: is missing"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&target).expect("removable");
}
