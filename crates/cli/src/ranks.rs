//! MPI ranks (the optional `mpi` feature): `mpirun -n N lifeline ensemble ...` runs N processes
//! that share one output folder; each runs its share of the chunks and rank 0 writes the final
//! files (`lifeline_ensemble::Distributed`). Without `mpirun` the process is rank 0 of 1.

use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator, CommunicatorCollectives};

/// The MPI world of this process; MPI is finalised when it is dropped.
pub struct Ranks {
    _universe: mpi::environment::Universe,
    world: SimpleCommunicator,
}

impl Ranks {
    /// Initialises MPI (once per process).
    pub fn init() -> anyhow::Result<Ranks> {
        let universe = mpi::initialize()
            .ok_or_else(|| anyhow::anyhow!("MPI was already initialised in this process"))?;
        let world = universe.world();
        Ok(Ranks {
            _universe: universe,
            world,
        })
    }

    pub fn rank(&self) -> u64 {
        u64::try_from(self.world.rank()).unwrap_or(0)
    }

    pub fn size(&self) -> u64 {
        u64::try_from(self.world.size()).unwrap_or(1)
    }

    pub fn barrier(&self) {
        self.world.barrier();
    }

    /// Ends every rank: one rank's error would otherwise leave the others waiting at a barrier.
    pub fn abort(&self, code: i32) -> ! {
        self.world.abort(code)
    }
}
