//! Lifeline ensembles: many seeded runs of one scenario in parallel, streamed to disk, with
//! exact per-day quantiles, a resumable journal, and paired comparisons of responses on common
//! random numbers.
//!
//! Run `r` of an ensemble with master seed `s` always draws from
//! [`lifeline_model::run_rng`]`(s, r)`, and every output is assembled in run order from
//! per-chunk files, so the files are byte-identical whatever the number of threads and the
//! order in which runs finish. The model itself stays single-threaded and pure: the
//! parallelism (a rayon pool) lives here.
//!
//! See `docs/ensembles.md` for the files, the design and the quantile method.

pub mod compare;
pub mod daily;
pub mod ensemble;
pub mod error;
pub mod figures;
pub mod journal;
pub mod quantile;

pub use compare::{
    CompareAbout, CompareRow, PairedRuns, Response, compare, compare_summary_bytes,
    compare_summary_json, run_paired, run_paired_on, write_compare_csv,
};
pub use ensemble::{
    Distributed, EnsembleOptions, EnsembleReport, EnsembleSpec, chunk_runs, run_ensemble,
};
pub use error::{EnsembleError, Result};
pub use figures::{Figure, FigureColumn, FigureSchema};

use lifeline_model::RecordOptions;
use lifeline_model::params::ModelInput;

/// What ensembles record of each run: the daily depot and corridor tables, no event log.
pub const RECORD: RecordOptions = RecordOptions {
    events: false,
    movements: false,
    corridors: true,
};

/// What comparisons record of each run: only what the key figures need (no daily corridor
/// rows, no event log).
pub const FIGURES_ONLY: RecordOptions = RecordOptions {
    events: false,
    movements: false,
    corridors: false,
};

/// A hash (FNV-1a, 64 bits, hex) of the complete model input in a canonical serialisation: its
/// JSON, fields in declaration order, numbers in their shortest round-trip form, the network as
/// its places and segments (the routing graph is derived from them). Any change of network,
/// parameter, response or hazard changes it; formatting changes of `Debug` do not. Used to
/// refuse resuming an ensemble whose scenario has changed.
pub fn fingerprint(input: &ModelInput) -> String {
    let mut h = lifeline_io::hash::Fnv1a::default();
    // Writing into the hash cannot fail, and every part of the input serialises (maps have
    // string keys); an error would leave a hash of what was written, still deterministic.
    let _ = serde_json::to_writer(&mut h, input);
    h.hex()
}

/// How a posterior is recorded in manifests and summaries.
pub fn posterior_record(
    posterior: &lifeline_analysis::posterior::PosteriorDraws,
) -> lifeline_io::manifest::PosteriorRecord {
    lifeline_io::manifest::PosteriorRecord {
        file: posterior.file.clone(),
        hash: posterior.hash.clone(),
        particles: posterior.particles(),
    }
}

/// Builds a rayon pool of `threads` threads (all cores when `None`).
pub fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        if t == 0 {
            return Err(EnsembleError::Invalid(
                "--threads must be at least 1".into(),
            ));
        }
        b = b.num_threads(t);
    }
    b.build().map_err(|e| EnsembleError::ThreadPool {
        threads: threads.unwrap_or(0),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::fingerprint;
    use lifeline_scenario::{Overrides, Scenario, embedded};

    fn input(overrides: &Overrides) -> lifeline_model::ModelInput {
        Scenario::load(embedded::DEFAULT_SCENARIO)
            .expect("loads")
            .build(overrides)
            .expect("builds")
            .input
    }

    #[test]
    fn fingerprint_follows_the_input_not_its_building() {
        let a = input(&Overrides::default());
        // Built twice, the same input has the same fingerprint.
        assert_eq!(fingerprint(&a), fingerprint(&input(&Overrides::default())));
        assert_eq!(fingerprint(&a).len(), 16);
        // One number changed anywhere changes it.
        let mut b = a.clone();
        b.willingness.drop_per_attack += 1e-12;
        assert_ne!(fingerprint(&a), fingerprint(&b));
        let mut c = a.clone();
        c.days -= 1;
        assert_ne!(fingerprint(&a), fingerprint(&c));
        // A scenario switch changes the hazard, and so the fingerprint.
        let calm = input(&Overrides {
            without_threat: true,
            ..Overrides::default()
        });
        assert_ne!(fingerprint(&a), fingerprint(&calm));
    }
}
