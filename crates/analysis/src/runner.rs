//! Where a batch of independent evaluations runs: on the threads of this process ([`Local`]), or
//! spread over several processes ([`Spread`], the ranks of an MPI job in the CLI's optional
//! `mpi` build, or threads playing ranks in tests, [`ThreadRanks`]).
//!
//! An evaluation is named by its index in the batch and must depend on that index alone (its
//! random stream is derived from it), so where it runs cannot change its value. Values travel
//! as `f64` bit patterns, exactly; every participant gets the whole batch back in index order,
//! so an algorithm that runs batch after batch (ABC-SMC's generations) continues from the same
//! state on every rank, and the results are the same bytes for any number of ranks or threads.
//!
//! This crate never links MPI: a rank's communication is the [`Collective`] it is handed.

use crate::error::{AnalysisError, Result};
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, Mutex};

/// Evaluates batches of indexed evaluations.
pub trait Runner: Sync {
    /// `evaluate(i)` for every `i` in `0..n`, in index order (on every rank). `done(k)` is told
    /// of `k` more finished evaluations, for a progress bar: as they finish for this process's
    /// share, then the other ranks' share at once when it arrives.
    fn map(
        &self,
        n: usize,
        evaluate: &(dyn Fn(usize) -> Vec<f64> + Sync),
        done: &(dyn Fn(u64) + Sync),
    ) -> Result<Vec<Vec<f64>>>;

    /// Bytes this process has received from all ranks so far, and the evaluations they carried
    /// (none on threads alone): the cost of spreading the work.
    fn gathered(&self) -> Gathered {
        Gathered::default()
    }
}

/// What a [`Runner`] has gathered from the ranks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Gathered {
    pub bytes: u64,
    pub evaluations: u64,
}

/// Every evaluation on the current rayon pool of this process.
#[derive(Clone, Copy, Debug, Default)]
pub struct Local;

impl Runner for Local {
    fn map(
        &self,
        n: usize,
        evaluate: &(dyn Fn(usize) -> Vec<f64> + Sync),
        done: &(dyn Fn(u64) + Sync),
    ) -> Result<Vec<Vec<f64>>> {
        Ok((0..n)
            .into_par_iter()
            .map(|i| {
                let values = evaluate(i);
                done(1);
                values
            })
            .collect())
    }
}

/// One process among `ranks()` that exchange values (an MPI communicator).
pub trait Collective: Sync {
    fn rank(&self) -> usize;
    fn ranks(&self) -> usize;
    /// Every rank's `mine`, in rank order, on every rank (an all-gather of variable length).
    /// Called by every rank, the same number of times, from one thread at a time.
    fn all_gather(&self, mine: &[f64]) -> Result<Vec<Vec<f64>>>;
}

/// Index `i` of a batch on rank `i mod ranks` (on that rank's threads); the values gathered on
/// every rank. Each rank sends the batch size it was asked for and then, per evaluation, its
/// number of values followed by the values: `8 × (values + 1)` bytes per evaluation, plus 8 per
/// rank and batch.
pub struct Spread<'c, C: Collective + ?Sized> {
    collective: &'c C,
    bytes: AtomicU64,
    evaluations: AtomicU64,
}

impl<'c, C: Collective + ?Sized> Spread<'c, C> {
    pub fn new(collective: &'c C) -> Spread<'c, C> {
        Spread {
            collective,
            bytes: AtomicU64::new(0),
            evaluations: AtomicU64::new(0),
        }
    }
}

impl<C: Collective + ?Sized> Runner for Spread<'_, C> {
    fn map(
        &self,
        n: usize,
        evaluate: &(dyn Fn(usize) -> Vec<f64> + Sync),
        done: &(dyn Fn(u64) + Sync),
    ) -> Result<Vec<Vec<f64>>> {
        let (rank, ranks) = (self.collective.rank(), self.collective.ranks().max(1));
        let mine: Vec<usize> = (rank..n).step_by(ranks).collect();
        let values: Vec<Vec<f64>> = mine
            .par_iter()
            .map(|&i| {
                let values = evaluate(i);
                done(1);
                values
            })
            .collect();
        let mut message = Vec::with_capacity(1 + values.iter().map(|v| v.len() + 1).sum::<usize>());
        message.push(n as f64);
        for v in &values {
            message.push(v.len() as f64);
            message.extend_from_slice(v);
        }
        let gathered = self.collective.all_gather(&message)?;
        let values_received: usize = gathered.iter().map(Vec::len).sum();
        self.bytes.fetch_add(
            (values_received * std::mem::size_of::<f64>()) as u64,
            Ordering::Relaxed,
        );
        self.evaluations.fetch_add(n as u64, Ordering::Relaxed);
        if gathered.len() != ranks {
            return Err(ranks_error(format!(
                "{} of {ranks} ranks answered",
                gathered.len()
            )));
        }
        let mut by_rank = Vec::with_capacity(ranks);
        for (r, message) in gathered.iter().enumerate() {
            by_rank.push(
                decode(message, n, (r..n).step_by(ranks).len())
                    .map_err(|e| ranks_error(format!("rank {r}'s results cannot be read: {e}")))?,
            );
        }
        done((n - mine.len()) as u64);
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            out.push(std::mem::take(&mut by_rank[i % ranks][i / ranks]));
        }
        Ok(out)
    }

    fn gathered(&self) -> Gathered {
        Gathered {
            bytes: self.bytes.load(Ordering::Relaxed),
            evaluations: self.evaluations.load(Ordering::Relaxed),
        }
    }
}

fn ranks_error(message: String) -> AnalysisError {
    AnalysisError::Ranks(message)
}

/// One rank's message: the batch size it ran, then `expected` length-prefixed value lists.
fn decode(
    message: &[f64],
    n: usize,
    expected: usize,
) -> std::result::Result<Vec<Vec<f64>>, String> {
    let Some((&size, mut rest)) = message.split_first() else {
        return Err("an empty message".into());
    };
    if size != n as f64 {
        return Err(format!(
            "it ran a batch of {size} evaluations where this rank ran {n} (do all ranks run the same command on the same scenario?)"
        ));
    }
    let mut out = Vec::with_capacity(expected);
    for _ in 0..expected {
        let Some((&len, tail)) = rest.split_first() else {
            return Err(format!("{} of {expected} evaluations", out.len()));
        };
        let len = len as usize;
        if tail.len() < len {
            return Err(format!("evaluation {} is cut short", out.len()));
        }
        out.push(tail[..len].to_vec());
        rest = &tail[len..];
    }
    if !rest.is_empty() {
        return Err(format!("{} values too many", rest.len()));
    }
    Ok(out)
}

/// Ranks played by threads of one process (for tests and for checking the spreading without
/// MPI): each thread is one rank; an all-gather meets at a barrier.
pub struct ThreadRanks {
    ranks: usize,
    barrier: Barrier,
    slots: Mutex<Vec<Vec<f64>>>,
}

/// One thread's rank of a [`ThreadRanks`].
pub struct ThreadRank<'t> {
    shared: &'t ThreadRanks,
    rank: usize,
}

impl ThreadRanks {
    pub fn new(ranks: usize) -> ThreadRanks {
        let ranks = ranks.max(1);
        ThreadRanks {
            ranks,
            barrier: Barrier::new(ranks),
            slots: Mutex::new(vec![Vec::new(); ranks]),
        }
    }

    /// Runs `work` once per rank, each on its own thread (with a rayon pool of `threads`
    /// threads of its own), and returns what each rank returned, in rank order.
    pub fn play<T, F>(ranks: usize, threads: usize, work: F) -> Vec<T>
    where
        T: Send,
        F: Fn(&ThreadRank) -> T + Sync,
    {
        let shared = ThreadRanks::new(ranks);
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..shared.ranks)
                .map(|rank| {
                    let (shared, work) = (&shared, &work);
                    scope.spawn(move || {
                        let me = ThreadRank { shared, rank };
                        match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
                            Ok(pool) => pool.install(|| work(&me)),
                            Err(_) => work(&me),
                        }
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| match h.join() {
                    Ok(v) => v,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        })
    }
}

impl Collective for ThreadRank<'_> {
    fn rank(&self) -> usize {
        self.rank
    }

    fn ranks(&self) -> usize {
        self.shared.ranks
    }

    fn all_gather(&self, mine: &[f64]) -> Result<Vec<Vec<f64>>> {
        let poisoned = || ranks_error("another rank failed".into());
        self.shared.slots.lock().map_err(|_| poisoned())?[self.rank] = mine.to_vec();
        self.shared.barrier.wait();
        let all = self.shared.slots.lock().map_err(|_| poisoned())?.clone();
        // Nobody writes the next round's slot before everyone has read this one.
        self.shared.barrier.wait();
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values of different lengths (some empty), as a failed ABC particle gives.
    fn evaluate(i: usize) -> Vec<f64> {
        (0..i % 3).map(|k| i as f64 + 0.1 * k as f64).collect()
    }

    #[test]
    fn ranks_played_by_threads_give_every_rank_the_local_batch() {
        let local = Local.map(23, &evaluate, &|_| {}).expect("local");
        assert_eq!(local.len(), 23);
        assert_eq!(local[5], vec![5.0, 5.1]);
        for ranks in [1, 2, 3, 4] {
            let counted = std::sync::atomic::AtomicU64::new(0);
            let results = ThreadRanks::play(ranks, 1, |rank| {
                let done = |k: u64| {
                    if rank.rank() == 0 {
                        counted.fetch_add(k, std::sync::atomic::Ordering::SeqCst);
                    }
                };
                // Two batches in a row: the slots are reused.
                let spread = Spread::new(rank);
                let first = spread.map(23, &evaluate, &done);
                let second = spread.map(4, &evaluate, &|_| {});
                (
                    first.expect("first batch"),
                    second.expect("second batch"),
                    spread.gathered(),
                )
            });
            for (first, second, gathered) in &results {
                assert_eq!(first, &local, "{ranks} ranks");
                assert_eq!(second, &local[..4], "{ranks} ranks");
                // Per evaluation its values and their count; per rank and batch the size.
                let values: usize = local.iter().chain(&local[..4]).map(|v| v.len() + 1).sum();
                let expected = Gathered {
                    bytes: 8 * (values + 2 * ranks) as u64,
                    evaluations: 23 + 4,
                };
                assert_eq!(gathered, &expected, "{ranks} ranks");
            }
            assert_eq!(counted.into_inner(), 23, "rank 0 counts the whole batch");
        }
    }

    #[test]
    fn ranks_that_ran_different_batches_are_an_error() {
        let results = ThreadRanks::play(2, 1, |rank| {
            let n = 5 + rank.rank();
            Spread::new(rank).map(n, &evaluate, &|_| {})
        });
        for r in results {
            let message = r.expect_err("mismatch").to_string();
            assert!(message.contains("batch of"), "{message}");
        }
    }
}
