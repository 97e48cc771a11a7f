//! # lifeline-flee: a Flee-compatible forced-displacement engine
//!
//! Lifeline's own agent-based displacement model. It reads the input files of
//! [Flee](https://github.com/djgroen/flee) (Groen et al., Brunel University London,
//! BSD-3-Clause) unchanged and applies the rules of Flee's current engine, re-implemented in
//! Rust from reading Flee's source (no code copied). Where a rule comes from Flee the comments
//! say so. See `docs/flee.md` for what is implemented and how it compares with Flee.
//!
//! The crate is pure: it does no file, clock or thread work and holds no global random state.
//! Inputs are handed in as text ([`CaseInputs`]), randomness comes from a generator the caller
//! passes in, and ensembles take an executor closure ([`run_ensemble`]).
//!
//! ## Running a Flee case
//!
//! ```no_run
//! # fn demo(inputs: lifeline_flee::CaseInputs) -> Result<(), lifeline_flee::FleeError> {
//! use lifeline_flee::FleeCase;
//! let case = FleeCase::from_inputs(&inputs, None)?; // None: length from sim_period.csv
//! let run = case.run(42, 0)?;                         // seed 42, ensemble member 0
//! print!("{}", case.out_csv(&run));                   // Flee's out.csv columns
//! let ard = case.ard(&run);
//! # Ok(()) }
//! ```
//!
//! ## Coupling API
//!
//! An [`Ecosystem`] can be built and driven programmatically, e.g. by the supply model:
//!
//! ```
//! use lifeline_flee::{Ecosystem, LocationKind, LocationSpec, MoveRules, SpawnRules};
//! use rand::SeedableRng;
//! use rand_chacha::ChaCha8Rng;
//!
//! let mut world = Ecosystem::new(MoveRules::default(), SpawnRules::default());
//! let city = world.add_location(
//!     LocationSpec::new("City", LocationKind::Town).country("Home").population(50_000),
//! );
//! let camp = world.add_location(
//!     LocationSpec::new("Camp", LocationKind::Camp).country("Neighbour").capacity(10_000),
//! );
//! world.add_route(city, camp, 150.0);
//! world.set_conflict(city, 1.0);            // the city comes under attack today
//! world.set_movechance_multiplier(city, 1.0); // e.g. > 1 while a siege causes shortages
//! world.spawn(city, 1_000);                 // 1,000 people displaced
//! let mut rng = ChaCha8Rng::seed_from_u64(7);
//! for _ in 0..10 {
//!     world.step(&mut rng);
//! }
//! assert_eq!(world.count(city) + world.count(camp) + world.agents_on_links(), 1_000);
//! println!("camp: {} people, {} arrived today", world.count(camp), world.arrivals(camp));
//! ```
//!
//! * [`Ecosystem::add_location`], [`Ecosystem::add_route`] (both directions) or
//!   [`Ecosystem::add_link`] (one) build the network; [`LocationId`] and [`LinkId`] are typed
//!   indices.
//! * [`Ecosystem::spawn`] places agents; [`Ecosystem::spawn_displaced`] draws their locations
//!   from the conflict-weighted spawn weights.
//! * [`Ecosystem::set_conflict`] starts or ends a conflict; [`Ecosystem::set_movechance_multiplier`]
//!   raises or lowers the chance of leaving a place; [`Ecosystem::close_border`],
//!   [`Ecosystem::close_location`], [`Ecosystem::close_link_one_way`] and their `reopen`
//!   counterparts model closures.
//! * [`Ecosystem::set_flood_level`], and for DFlee's flood forecaster
//!   [`Ecosystem::set_flood_forecast`] and [`Ecosystem::set_flood_awareness`], give the
//!   flood inputs (see [`FloodForecaster`]).
//! * [`Ecosystem::step`] advances one day; [`Ecosystem::count`], [`Ecosystem::arrivals`] and
//!   [`Ecosystem::agents_on_links`] read the result.

mod case;
mod ecosystem;
mod ensemble;
mod error;
mod forecast;
pub mod input;
mod poisson;
mod refugee_data;
mod settings;
mod text;

pub use case::{
    Ard, CaseInputs, DayPlan, FleeCase, InputFile, RunOutput, data_files_named_in, member_rng,
};
pub use ecosystem::{
    CountingRefused, Ecosystem, Link, LinkId, Location, LocationId, LocationKind, LocationSpec,
    MAX_AGENTS, Place,
};
pub use ensemble::{EnsembleStats, ard_summary, run_ensemble, sequential};
pub use error::{FleeError, Result};
pub use forecast::FloodForecaster;
pub use refugee_data::{RefugeeTable, Series, parse_series};
pub use settings::{
    ConflictDrivenSpawning, ConflictSpawnMode, FloodDrivenSpawning, FloodRules, MoveRules,
    SimSettings, SpawnRules,
};
pub use text::{Date, numpy_round, py_float_repr, py_round};
