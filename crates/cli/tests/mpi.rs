//! `mpirun -n N lifeline ensemble` (only built with `--features mpi`; needs `mpirun` on the
//! PATH): the files are the same bytes for 1, 2 and 4 ranks as for one process without mpirun.
#![cfg(feature = "mpi")]

use std::path::{Path, PathBuf};
use std::process::Command;

const FILES: [&str; 4] = ["quantiles.csv", "runs.csv", "runs.parquet", "summary.json"];

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifeline-mpi-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn ensemble_args(dir: &Path) -> Vec<String> {
    [
        "ensemble",
        "mali-2025",
        "--runs",
        "130",
        "--days",
        "45",
        "--threads",
        "1",
        "--out",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(std::iter::once(dir.display().to_string()))
    .collect()
}

fn files(dir: &Path) -> Vec<Vec<u8>> {
    FILES
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}")))
        .collect()
}

#[test]
fn any_number_of_ranks_writes_the_same_bytes() {
    let single = temp_dir("single");
    let out = Command::new(env!("CARGO_BIN_EXE_lifeline"))
        .args(ensemble_args(&single))
        .output()
        .expect("binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = files(&single);
    for ranks in ["1", "2", "4"] {
        let dir = temp_dir(&format!("n{ranks}"));
        let out = Command::new("mpirun")
            .args([
                "-n",
                ranks,
                "--oversubscribe",
                env!("CARGO_BIN_EXE_lifeline"),
            ])
            .args(ensemble_args(&dir))
            // OpenMPI refuses to start as root unless told; harmless otherwise.
            .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
            .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
            .output()
            .expect("mpirun runs");
        assert!(
            out.status.success(),
            "mpirun -n {ranks}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            stdout.matches("Scenario mali-2025").count(),
            1,
            "rank 0 alone prints: {stdout}"
        );
        assert!(
            files(&dir) == expected,
            "{ranks} ranks differ from one process"
        );
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
    std::fs::remove_dir_all(&single).expect("cleanup");
}
