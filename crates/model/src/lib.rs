//! Lifeline's model core.
//!
//! Pure: no files, no clock, no threads, no global random generator. A run takes a
//! [`ModelInput`] (built and validated by `lifeline-scenario`) and an injected seeded generator,
//! and returns a [`RunRecord`]: daily depot and corridor rows and an event log, in ids and
//! numbers. Naming, dates and file formats belong to the I/O crate.

pub mod economy;
pub mod geometry;
pub mod ids;
pub mod network;
pub mod params;
pub mod record;
pub mod sim;
pub mod summary;
pub mod threat;
pub mod units;

pub use ids::{CommodityId, CorridorId, DepotId, PlaceId, SegmentId};
pub use params::ModelInput;
pub use record::{RecordOptions, RunRecord};
pub use sim::{Simulation, run};
pub use summary::{KeyFigures, key_figures};

/// The random stream of one run: ChaCha8 seeded from the scenario seed and the run index, so a
/// run's draws never depend on other runs or on threads.
pub fn run_rng(seed: u64, run: u64) -> rand_chacha::ChaCha8Rng {
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(run);
    rng
}
