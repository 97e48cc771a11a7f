//! `mpirun -n N lifeline COMMAND` for ensemble, compare, calibrate, sensitivity and validate
//! (only built with `--features mpi`; needs `mpirun` on the PATH): the files are the same bytes for 1, 2 and 4 ranks as for
//! one process without mpirun; rank 0 alone prints; an error on any rank ends the job with the
//! error, not a hang.
#![cfg(feature = "mpi")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifeline-mpi-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

fn with_out(args: &[&str], dir: &Path) -> Vec<String> {
    let mut args = strings(args);
    args.push("--out".into());
    args.push(dir.display().to_string());
    args
}

fn lifeline(args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lifeline"))
        .args(args)
        .output()
        .expect("binary runs")
}

/// `mpirun -n RANKS PROGRAM ARGS`.
fn mpirun(ranks: &str, program: &str, args: &[String]) -> Output {
    Command::new("mpirun")
        .args(["-n", ranks, "--oversubscribe", program])
        .args(args)
        // OpenMPI refuses to start as root unless told; harmless otherwise.
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .output()
        .expect("mpirun runs")
}

fn read(dir: &Path, files: &[&str]) -> Vec<Vec<u8>> {
    files
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}")))
        .collect()
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs `args` (without `--out`) once without mpirun and under `mpirun -n 1, 2, 4`: the same
/// files, the same bytes, and `printed` (a line rank 0 prints) and the progress summary once.
fn same_bytes_on_any_number_of_ranks(name: &str, args: &[&str], files: &[&str], printed: &str) {
    let single = temp_dir(&format!("{name}-single"));
    let out = lifeline(&with_out(args, &single));
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = read(&single, files);
    let progress_line = format!("lifeline {}: ", args[0]);
    for ranks in ["1", "2", "4"] {
        let dir = temp_dir(&format!("{name}-n{ranks}"));
        let out = mpirun(ranks, env!("CARGO_BIN_EXE_lifeline"), &with_out(args, &dir));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}, mpirun -n {ranks}: {stderr}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            stdout.matches(printed).count(),
            1,
            "{name}, {ranks} ranks: rank 0 alone prints: {stdout}"
        );
        assert_eq!(
            stderr.matches(&progress_line).count(),
            1,
            "{name}, {ranks} ranks: rank 0 alone reports progress: {stderr}"
        );
        assert_eq!(listing(&dir), listing(&single), "{name}, {ranks} ranks");
        assert!(
            read(&dir, files) == expected,
            "{name}: {ranks} ranks differ from one process"
        );
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
    std::fs::remove_dir_all(&single).expect("cleanup");
}

#[test]
fn an_ensemble_on_any_number_of_ranks_writes_the_same_bytes() {
    same_bytes_on_any_number_of_ranks(
        "ensemble",
        &[
            "ensemble",
            "mali-2025",
            "--runs",
            "130",
            "--days",
            "45",
            "--threads",
            "1",
        ],
        &["quantiles.csv", "runs.csv", "runs.parquet", "summary.json"],
        "Scenario mali-2025",
    );
}

#[test]
fn a_comparison_on_any_number_of_ranks_writes_the_same_bytes() {
    same_bytes_on_any_number_of_ranks(
        "compare",
        &[
            "compare",
            "mali-2025",
            "--runs",
            "30",
            "--days",
            "45",
            "--threads",
            "1",
        ],
        &["compare.csv", "summary.json"],
        "Scenario mali-2025",
    );
}

#[test]
fn a_calibration_on_any_number_of_ranks_writes_the_same_bytes() {
    same_bytes_on_any_number_of_ranks(
        "calibrate",
        &CALIBRATE,
        &["posterior.csv", "fit.csv", "diagnostics.csv"],
        "ABC-SMC, ",
    );
}

#[test]
fn a_sensitivity_analysis_on_any_number_of_ranks_writes_the_same_bytes() {
    same_bytes_on_any_number_of_ranks(
        "sensitivity",
        &[
            "sensitivity",
            "mali-2025",
            "--samples",
            "4",
            "--runs",
            "1",
            "--bootstrap",
            "20",
            "--days",
            "60",
            "--threads",
            "1",
        ],
        &["sobol.csv"],
        "Sobol indices over the priors",
    );
}

#[test]
fn a_validation_on_any_number_of_ranks_writes_the_same_bytes() {
    same_bytes_on_any_number_of_ranks(
        "validate",
        &[
            "validate",
            "mali-2025",
            "--runs",
            "23",
            "--days",
            "60",
            "--threads",
            "1",
        ],
        &["validate.csv"],
        "against its targets",
    );
}

const CALIBRATE: [&str; 14] = [
    "calibrate",
    "mali-2025",
    "--particles",
    "12",
    "--generations",
    "2",
    "--runs",
    "1",
    "--max-attempts",
    "30",
    "--days",
    "60",
    "--threads",
    "1",
];

fn calibrate_args(dir: &Path) -> Vec<String> {
    with_out(&CALIBRATE, dir)
}

#[test]
fn an_error_on_any_rank_ends_every_rank_with_the_message() {
    // Rank 0 refuses the folder while the other ranks wait for its share.
    let dir = temp_dir("refused");
    std::fs::create_dir_all(&dir).expect("folder");
    std::fs::write(dir.join("notes.txt"), "mine").expect("a file");
    let out = mpirun("2", env!("CARGO_BIN_EXE_lifeline"), &calibrate_args(&dir));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("error (rank 0):") && stderr.contains("notes.txt"),
        "{stderr}"
    );
    assert_eq!(listing(&dir), ["notes.txt"], "nothing written");
    std::fs::remove_dir_all(&dir).expect("cleanup");

    // Rank 1 fails (its scenario is missing) while rank 0 waits for its share.
    let dir = temp_dir("rank1");
    let mut rank1 = calibrate_args(&dir);
    rank1[1] = "no-such-scenario.toml".into();
    let out = rank_1_runs(&rank1, &calibrate_args(&dir));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("error (rank 1):") && stderr.contains("no-such-scenario"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);

    // Ranks that do not run the same calibration are told so, not left to mix their results.
    let dir = temp_dir("disagree");
    let mut rank1 = calibrate_args(&dir);
    rank1[3] = "13".into();
    let out = rank_1_runs(&rank1, &calibrate_args(&dir));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("runs another command or another scenario than rank 0"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `mpirun -n 2`: rank 1 runs `lifeline RANK1`, rank 0 `lifeline OTHERS`.
fn rank_1_runs(rank1: &[String], others: &[String]) -> Output {
    let quoted = |args: &[String]| {
        args.iter()
            .map(|a| format!("'{a}'"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let script = format!(
        "if [ \"$OMPI_COMM_WORLD_RANK\" = 1 ]; then exec \"$0\" {}; else exec \"$0\" {}; fi",
        quoted(rank1),
        quoted(others)
    );
    let args = [
        "-c".to_string(),
        script,
        env!("CARGO_BIN_EXE_lifeline").to_string(),
    ];
    mpirun("2", "sh", &args)
}

/// A calibration interrupted on 2 ranks resumes on 2 ranks from its checkpoint in the shared
/// folder, to the bytes one process writes without a stop.
#[test]
fn a_calibration_interrupted_on_ranks_resumes_to_the_same_bytes() {
    let mut args = CALIBRATE.to_vec();
    args[5] = "3"; // three generations
    let files = ["posterior.csv", "fit.csv", "diagnostics.csv"];
    let single = temp_dir("calibrate-resume-single");
    let out = lifeline(&with_out(&args, &single));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = temp_dir("calibrate-resume-n2");
    let stop = [&args[..], &["--stop-after-generations", "2"]].concat();
    let out = mpirun("2", env!("CARGO_BIN_EXE_lifeline"), &with_out(&stop, &dir));
    assert!(!out.status.success(), "the stop ends the job");
    assert!(dir.join(".lifeline-calibrate/checkpoint.txt").exists());
    let resume = [&args[..], &["--resume"]].concat();
    let out = mpirun(
        "2",
        env!("CARGO_BIN_EXE_lifeline"),
        &with_out(&resume, &dir),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("resuming after generation 1"), "{stderr}");
    assert!(
        read(&dir, &files) == read(&single, &files),
        "resumed on 2 ranks"
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
    std::fs::remove_dir_all(&single).expect("cleanup");
}
