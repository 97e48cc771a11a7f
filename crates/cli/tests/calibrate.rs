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
    let out = Command::new(env!("CARGO_BIN_EXE_lifeline"))
        .args(args)
        .arg("--out")
        .arg(dir)
        .output()
        .expect("binary runs");
    assert!(
        out.status.success(),
        "lifeline {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
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
