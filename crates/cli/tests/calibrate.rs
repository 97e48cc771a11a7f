//! `lifeline calibrate` and `lifeline sensitivity` on the embedded Mali scenario, with tiny
//! budgets: the files they write, their headers and row counts, and reproducibility across
//! thread counts.

use std::path::{Path, PathBuf};
use std::process::Command;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifeline-it-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn lifeline(args: &[&str], dir: &Path) {
    let (ok, stderr) = lifeline_may_fail(args, dir);
    assert!(ok, "lifeline {args:?} failed: {stderr}");
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn calibrate_writes_posterior_fit_and_diagnostics_identically_on_any_thread_count() {
    let base = temp_dir("calibrate");
    let args = |threads: &'static str| {
        [
            "calibrate",
            "--particles",
            "8",
            "--generations",
            "2",
            "--runs",
            "1",
            "--days",
            "100",
            "--threads",
            threads,
        ]
    };
    lifeline(&args("1"), &base.join("one"));
    lifeline(&args("2"), &base.join("two"));
    for name in ["posterior.csv", "fit.csv", "diagnostics.csv"] {
        assert_eq!(
            read(&base.join("one").join(name)),
            read(&base.join("two").join(name)),
            "{name}"
        );
    }
    let posterior = read(&base.join("one/posterior.csv"));
    assert!(
        posterior.starts_with("particle,threat.hazard_scale,"),
        "{posterior}"
    );
    assert_eq!(posterior.lines().count(), 9);
    let fit = read(&base.join("one/fit.csv"));
    assert_eq!(fit.lines().count(), 9, "{fit}");
    assert!(fit.contains("C3 trucks lost by 7 Nov,150,250,50,"), "{fit}");
    let diagnostics = read(&base.join("one/diagnostics.csv"));
    assert!(
        diagnostics.starts_with("generation,tolerance,"),
        "{diagnostics}"
    );
    assert!(diagnostics.lines().count() >= 2, "{diagnostics}");
    std::fs::remove_dir_all(&base).expect("cleanup");
}

#[test]
fn sensitivity_writes_one_row_per_target_and_parameter() {
    let dir = temp_dir("sensitivity");
    lifeline(
        &[
            "sensitivity",
            "--samples",
            "8",
            "--runs",
            "1",
            "--bootstrap",
            "10",
            "--days",
            "100",
        ],
        &dir,
    );
    let sobol = read(&dir.join("sobol.csv"));
    assert!(
        sobol.starts_with("target,parameter,first_order,"),
        "{sobol}"
    );
    assert_eq!(sobol.lines().count(), 1 + 8 * 5, "{sobol}");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn validate_writes_each_target_under_the_scenarios_posterior() {
    let dir = temp_dir("validate");
    lifeline(&["validate", "--runs", "4"], &dir);
    let table = read(&dir.join("validate.csv"));
    assert!(table.starts_with("target,set,observed_low,"), "{table}");
    assert_eq!(table.lines().count(), 9, "{table}");
    // Mali's facts are all calibration targets (its other outcomes are kept apart).
    assert!(
        table.contains("\nC8 Senegal-corridor willingness early Sep,calibration,0,0.5,0.2,"),
        "{table}"
    );
    assert!(
        table.lines().skip(1).all(|l| l.ends_with(",posterior")),
        "{table}"
    );
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

/// `lifeline` with `args` and `--out dir`, for a run that may fail: (success, stderr).
fn lifeline_may_fail(args: &[&str], dir: &Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lifeline"))
        .args(args)
        .arg("--out")
        .arg(dir)
        .output()
        .expect("binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An interrupted calibration keeps a checkpoint after each generation; `--resume` continues
/// from it to the bytes an uninterrupted calibration writes, and removes it once complete. A
/// checkpoint is never dropped without being asked, nor continued with other arguments.
#[test]
fn an_interrupted_calibration_resumes_to_the_same_bytes() {
    let base = temp_dir("calibrate-resume");
    let args = [
        "calibrate",
        "--particles",
        "10",
        "--generations",
        "4",
        "--runs",
        "1",
        "--days",
        "90",
        "--threads",
        "2",
    ];
    let whole = base.join("whole");
    lifeline(&args, &whole);
    assert!(
        !whole.join(".lifeline-calibrate").exists(),
        "no checkpoint left"
    );

    let cut = base.join("cut");
    let stop = [&args[..], &["--stop-after-generations", "2"]].concat();
    let (ok, stderr) = lifeline_may_fail(&stop, &cut);
    assert!(!ok, "the stop is reported as a failure");
    assert!(stderr.contains("stopped after 2 generations"), "{stderr}");
    let checkpoint = read(&cut.join(".lifeline-calibrate/checkpoint.txt"));
    assert_eq!(
        checkpoint
            .lines()
            .filter(|l| l.starts_with("generation "))
            .count(),
        2
    );
    assert!(!cut.join("posterior.csv").exists());

    // Without --resume the unfinished work is protected.
    let (ok, stderr) = lifeline_may_fail(&args, &cut);
    assert!(!ok);
    assert!(stderr.contains("add --resume"), "{stderr}");
    // Another calibration cannot continue it.
    let other_seed = [&args[..], &["--resume", "--seed", "5"]].concat();
    let (ok, stderr) = lifeline_may_fail(&other_seed, &cut);
    assert!(!ok);
    assert!(stderr.contains("another calibration"), "{stderr}");

    let resume = [&args[..], &["--resume"]].concat();
    // A damaged checkpoint (here a particle's count of parameters, then a weight) is refused
    // with its file and what is wrong, never a panic, and is left as it is.
    let path = cut.join(".lifeline-calibrate/checkpoint.txt");
    let particle = checkpoint
        .lines()
        .find(|l| l.starts_with("particle "))
        .expect("a particle line");
    let words: Vec<&str> = particle.split(' ').collect();
    let no_parameters = [&words[..3], &["0"], &words[4..]].concat().join(" ");
    let nan_weight = [&words[..1], &["7ff8000000000000"], &words[2..]]
        .concat()
        .join(" ");
    for (damaged, why) in [
        (no_parameters, "has 0 parameters"),
        (nan_weight, "has weight NaN"),
    ] {
        std::fs::write(&path, checkpoint.replacen(particle, &damaged, 1)).expect("write");
        let (ok, stderr) = lifeline_may_fail(&resume, &cut);
        assert!(!ok);
        assert!(
            stderr.contains("checkpoint.txt: the checkpoint is damaged") && stderr.contains(why),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(path.exists(), "a damaged checkpoint is not removed");
    }
    std::fs::write(&path, &checkpoint).expect("write");
    let (ok, stderr) = lifeline_may_fail(&resume, &cut);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("resuming after generation 1"), "{stderr}");
    for name in ["posterior.csv", "fit.csv", "diagnostics.csv"] {
        assert_eq!(read(&whole.join(name)), read(&cut.join(name)), "{name}");
    }
    assert!(
        !cut.join(".lifeline-calibrate").exists(),
        "checkpoint removed"
    );
    std::fs::remove_dir_all(&base).expect("cleanup");
}

/// Proposals stopped once they are certain to be rejected leave the calibration as it was:
/// `--full-runs` (every simulation to its last day) writes the same posterior and fit, and
/// the same diagnostics but for the count of simulations stopped early, which is then 0.
#[test]
fn stopping_rejected_proposals_early_changes_nothing_but_the_count() {
    let base = temp_dir("calibrate-early");
    let args = [
        "calibrate",
        "--particles",
        "24",
        "--generations",
        "3",
        "--runs",
        "2",
        "--days",
        "120",
    ];
    let early = base.join("early");
    let full = base.join("full");
    lifeline(&args, &early);
    lifeline(&[&args[..], &["--full-runs"]].concat(), &full);
    for name in ["posterior.csv", "fit.csv"] {
        assert_eq!(read(&early.join(name)), read(&full.join(name)), "{name}");
    }
    // diagnostics.csv without its `stopped_early` column (the fifth).
    let rows = |dir: &Path| -> Vec<(Vec<String>, String)> {
        read(&dir.join("diagnostics.csv"))
            .lines()
            .map(|l| {
                let mut cells: Vec<String> = l.split(',').map(str::to_string).collect();
                let stopped = cells.remove(4);
                (cells, stopped)
            })
            .collect()
    };
    let (early, full) = (rows(&early), rows(&full));
    assert_eq!(early[0].1, "stopped_early");
    assert_eq!(
        early.iter().map(|r| &r.0).collect::<Vec<_>>(),
        full.iter().map(|r| &r.0).collect::<Vec<_>>()
    );
    assert!(full[1..].iter().all(|r| r.1 == "0"), "{full:?}");
    let stopped: u64 = early[1..].iter().map(|r| r.1.parse::<u64>().unwrap()).sum();
    assert!(stopped > 0, "{early:?}");
    std::fs::remove_dir_all(&base).expect("cleanup");
}
