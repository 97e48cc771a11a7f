//! The processes a command runs on. Without the optional `mpi` feature, or without `mpirun`,
//! one process (rank 0 of 1). With `mpirun -n N lifeline COMMAND` (ensemble, compare,
//! calibrate, sensitivity, validate) in an `mpi` build, N ranks: every rank runs the command, the runs are spread over them
//! (`ensemble`: chunk files in the shared folder; the others: batches of evaluations through
//! [`Runner`], gathered by MPI), and rank 0 alone takes the output folder, writes, prints and
//! shows progress. An error or a panic on any rank aborts them all, so none waits forever.

use lifeline_analysis::runner::{Local, Runner};

/// This process's place among the ranks of the command.
pub struct World {
    rank: usize,
    ranks: usize,
    /// MPI is finalised when this is dropped (after the command).
    #[cfg(feature = "mpi")]
    _universe: mpi::environment::Universe,
}

impl World {
    /// One process: rank 0 of 1 (the build without MPI).
    #[cfg(not(feature = "mpi"))]
    pub fn init() -> anyhow::Result<World> {
        Ok(World { rank: 0, ranks: 1 })
    }

    /// Initialises MPI (without `mpirun`: rank 0 of 1). The runs of a batch are computed on a
    /// rank's rayon threads and gathered from one of them, so MPI must allow calls from any
    /// thread, one at a time.
    #[cfg(feature = "mpi")]
    pub fn init() -> anyhow::Result<World> {
        use mpi::traits::Communicator;
        let (universe, threading) = mpi::initialize_with_threading(mpi::Threading::Serialized)
            .ok_or_else(|| anyhow::anyhow!("MPI was already initialised in this process"))?;
        let world = universe.world();
        let ranks = usize::try_from(world.size()).unwrap_or(1).max(1);
        let rank = usize::try_from(world.rank()).unwrap_or(0);
        if ranks > 1 {
            anyhow::ensure!(
                matches!(
                    threading,
                    mpi::Threading::Serialized | mpi::Threading::Multiple
                ),
                "this MPI library offers thread support {threading:?}; lifeline's ranks need MPI_THREAD_SERIALIZED"
            );
            abort_all_on_panic(rank);
        }
        Ok(World {
            rank,
            ranks,
            _universe: universe,
        })
    }

    pub fn rank(&self) -> usize {
        self.rank
    }

    pub fn ranks(&self) -> usize {
        self.ranks
    }

    /// Rank 0: takes the output folder, writes, prints, shows progress.
    pub fn leads(&self) -> bool {
        self.rank == 0
    }

    /// Where batches of evaluations run: this process's threads, or every rank's.
    pub fn runner(&self) -> Box<dyn Runner + '_> {
        #[cfg(feature = "mpi")]
        if self.ranks > 1 {
            return Box::new(lifeline_analysis::runner::Spread::new(&mpi_world::MpiWorld));
        }
        Box::new(Local)
    }

    /// Checks that every rank runs the same command on the same model: the built inputs'
    /// fingerprints, their displacement plans' identities and this process's arguments, hashed,
    /// are compared across ranks before any work is shared. Ranks that disagree would mix
    /// results of different problems; they are refused, naming the first rank that differs
    /// from rank 0.
    pub fn agree(
        &self,
        scenario: &lifeline_scenario::Scenario,
        built: &[&lifeline_scenario::Built],
    ) -> anyhow::Result<()> {
        if self.ranks == 1 {
            return Ok(());
        }
        // `args_os`: `args` would panic on a path that is not UTF-8. The program's own path is
        // left out: nodes may install the same binary in different places.
        let mut key: String = std::env::args_os()
            .skip(1)
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("\u{1f}");
        for b in built {
            key.push('\u{1e}');
            key.push_str(&lifeline_ensemble::fingerprint(&b.input));
            if let Some(plan) = scenario.displacement_plan(b)? {
                key.push_str(&plan.identity);
            }
        }
        self.differing_rank(&key)?.map_or(Ok(()), |r| {
            anyhow::bail!(
                "rank {r} runs another command or another scenario than rank 0 (its arguments or its built scenario differ): every rank must run the same command line on the same files"
            )
        })
    }

    /// Checks that every rank holds the same `value` of `what` (e.g. the checkpoint a
    /// calibration resumes from), naming the first rank that differs from rank 0.
    pub fn same_everywhere(&self, what: &str, value: &str) -> anyhow::Result<()> {
        if self.ranks == 1 {
            return Ok(());
        }
        self.differing_rank(value)?.map_or(Ok(()), |r| {
            anyhow::bail!(
                "rank {r} does not see the {what} rank 0 sees: every rank must see the same output folder (a shared file system)"
            )
        })
    }

    /// The first rank whose `text` differs from rank 0's, compared by hash.
    fn differing_rank(&self, text: &str) -> anyhow::Result<Option<usize>> {
        // A stable hash (not `DefaultHasher`, whose output may change between builds — ranks
        // may run on different nodes).
        let hash = lifeline_io::hash::fnv1a(text.as_bytes());
        // Two exact halves: an f64 holds 32-bit integers exactly.
        let mine = [(hash >> 32) as f64, (hash & 0xffff_ffff) as f64];
        let all = self.all_gather(&mine)?;
        Ok(all.iter().position(|theirs| theirs[..] != all[0][..]))
    }

    #[cfg(feature = "mpi")]
    fn all_gather(&self, mine: &[f64]) -> anyhow::Result<Vec<Vec<f64>>> {
        use lifeline_analysis::runner::Collective;
        Ok(mpi_world::MpiWorld.all_gather(mine)?)
    }

    #[cfg(not(feature = "mpi"))]
    fn all_gather(&self, mine: &[f64]) -> anyhow::Result<Vec<Vec<f64>>> {
        Ok(vec![mine.to_vec()])
    }

    /// With several ranks, what spreading cost: the bytes each rank received, per evaluation.
    pub fn gathered_line(&self, runner: &dyn Runner) -> Option<String> {
        let g = runner.gathered();
        (self.ranks > 1).then(|| {
            format!(
                "{} ranks; each received {} bytes from the ranks for {} evaluations ({:.0} bytes per evaluation)",
                self.ranks,
                g.bytes,
                g.evaluations,
                g.bytes as f64 / g.evaluations.max(1) as f64
            )
        })
    }

    /// Waits until every rank has called it (nothing to wait for with one process).
    pub fn barrier(&self) {
        #[cfg(feature = "mpi")]
        if self.ranks > 1 {
            use mpi::traits::CommunicatorCollectives;
            mpi::topology::SimpleCommunicator::world().barrier();
        }
    }

    /// The command's result. With several ranks an error ends every rank (MPI_Abort): the
    /// others may be waiting for this one in a collective, and would wait forever.
    pub fn finish(&self, result: anyhow::Result<()>) -> anyhow::Result<()> {
        #[cfg(feature = "mpi")]
        if self.ranks > 1
            && let Err(err) = &result
        {
            use mpi::traits::Communicator;
            eprintln!("error (rank {}): {}", self.rank, crate::user_message(err));
            mpi::topology::SimpleCommunicator::world().abort(1);
        }
        result
    }
}

/// A panic on one rank (a bug) would otherwise leave the other ranks waiting for its share:
/// print it as usual, then end every rank.
#[cfg(feature = "mpi")]
fn abort_all_on_panic(rank: usize) {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        eprintln!("error (rank {rank}): lifeline panicked (a bug); ending every rank");
        default(info);
        use mpi::traits::Communicator;
        mpi::topology::SimpleCommunicator::world().abort(101);
    }));
}

#[cfg(feature = "mpi")]
mod mpi_world {
    use lifeline_analysis::AnalysisError;
    use lifeline_analysis::runner::Collective;
    use mpi::datatype::PartitionMut;
    use mpi::traits::{Communicator, CommunicatorCollectives};

    /// `MPI_COMM_WORLD`, looked up at each call (the handle is not `Sync`; the world is).
    pub struct MpiWorld;

    impl Collective for MpiWorld {
        fn rank(&self) -> usize {
            usize::try_from(mpi::topology::SimpleCommunicator::world().rank()).unwrap_or(0)
        }

        fn ranks(&self) -> usize {
            usize::try_from(mpi::topology::SimpleCommunicator::world().size()).unwrap_or(1)
        }

        /// Two collectives: every rank's count (`MPI_Allgather`), then the values
        /// (`MPI_Allgatherv`).
        fn all_gather(&self, mine: &[f64]) -> lifeline_analysis::error::Result<Vec<Vec<f64>>> {
            let world = mpi::topology::SimpleCommunicator::world();
            let too_many = |n: usize| {
                AnalysisError::Ranks(format!(
                    "{n} values in one batch: more than one MPI message holds (2³¹ − 1); use fewer runs per command"
                ))
            };
            let count = i32::try_from(mine.len()).map_err(|_| too_many(mine.len()))?;
            let ranks = usize::try_from(world.size()).unwrap_or(1);
            let mut counts = vec![0i32; ranks];
            world.all_gather_into(&count, &mut counts[..]);
            let mut displs = Vec::with_capacity(ranks);
            let mut total: i32 = 0;
            for c in &counts {
                displs.push(total);
                total = total
                    .checked_add(*c)
                    .ok_or_else(|| too_many(counts.iter().map(|c| *c as usize).sum()))?;
            }
            let mut all = vec![0.0f64; total as usize];
            {
                let mut partition = PartitionMut::new(&mut all[..], &counts[..], &displs[..]);
                world.all_gather_varcount_into(mine, &mut partition);
            }
            Ok(counts
                .iter()
                .zip(&displs)
                .map(|(c, d)| all[*d as usize..(*d + *c) as usize].to_vec())
                .collect())
        }
    }
}
