//! What the commands share: the run choices (seed, days, events, threads), the output folder
//! (`-o/--out`, `--force`, lock, manifest), the place rule, and how figures are printed.

use anyhow::{Context, Result, bail};
use lifeline_analysis::posterior::PosteriorDraws;
use lifeline_io::manifest::Manifest;
use lifeline_io::outdir::{OutputFolder, Outputs};
use lifeline_scenario::{Overrides, Scenario};
use std::path::{Path, PathBuf};

/// The longest simulation accepted (ten years).
pub const MAX_DAYS: u32 = 3650;

/// The parent of every command's default output folder.
pub const DEFAULT_OUT_ROOT: &str = "lifeline-out";

/// Choices that change what is run, shared by every command that runs the model.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct RunChoices {
    /// Master seed of the random streams, a non-negative integer (default: the scenario's).
    #[arg(long, value_parser = parse_seed, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Number of days to simulate, 1 to 3650 (default: the scenario's).
    #[arg(long, value_parser = parse_days, allow_negative_numbers = true)]
    pub days: Option<u32>,
    /// A conflict-event history in ACLED's CSV export format (replaces the scenario's).
    #[arg(long, value_name = "ACLED.csv")]
    pub events: Option<PathBuf>,
    /// Counterfactual: switch the threat off (no declared blockade, no conflict event); the
    /// scenario's own policies (convoys, bans, reserves) stay.
    #[arg(long)]
    pub without_threat: bool,
    /// Counterfactual: move every declared blockade and conflict event this many days (later
    /// if positive, earlier if negative).
    #[arg(long, value_name = "DAYS", allow_negative_numbers = true, value_parser = clap::value_parser!(i64).range(-3650..=3650))]
    pub shift_threat: Option<i64>,
}

impl RunChoices {
    /// The overrides for one response (`None`: status-quo).
    pub fn overrides(&self, response: Option<String>) -> Overrides {
        Overrides {
            seed: self.seed,
            days: self.days,
            response,
            events_file: self.events.clone(),
            closed_segments: Vec::new(),
            without_threat: self.without_threat,
            threat_shift_days: self.shift_threat.unwrap_or(0),
        }
    }

    /// Records the counterfactual choices in a manifest.
    pub fn mark(&self, manifest: Manifest) -> Manifest {
        Manifest {
            without_threat: self.without_threat,
            threat_shift_days: self.shift_threat.unwrap_or(0),
            ..manifest
        }
    }

    /// The event file as recorded in outputs: its absolute path (the file exists: the
    /// scenario was built with it), so that the record holds wherever it is read from.
    pub fn events_record(&self) -> Option<String> {
        self.events.as_deref().map(|path| {
            std::fs::canonicalize(path)
                .or_else(|_| std::path::absolute(path))
                .unwrap_or_else(|_| path.to_path_buf())
                .display()
                .to_string()
        })
    }
}

/// `--fixed-parameters`, for commands that draw each run's parameters from the scenario's
/// posterior.
#[derive(clap::Args, Clone, Copy, Debug, Default)]
pub struct ParameterChoice {
    /// Run with the parameter values written in the scenario instead of drawing each run's from
    /// the posterior the scenario names (`[calibration] posterior`).
    #[arg(long)]
    pub fixed_parameters: bool,
}

impl ParameterChoice {
    /// The posterior to draw from: none with `--fixed-parameters` (the file is then not even
    /// read) or when the scenario names none.
    pub fn posterior(self, scenario: &Scenario) -> Result<Option<PosteriorDraws>> {
        if self.fixed_parameters {
            return Ok(None);
        }
        Ok(PosteriorDraws::of_scenario(scenario)?)
    }

    /// Records the parameters' source in a manifest.
    pub fn mark(self, manifest: Manifest, posterior: Option<&PosteriorDraws>) -> Manifest {
        Manifest {
            posterior: posterior.map(lifeline_ensemble::posterior_record),
            fixed_parameters: self.fixed_parameters,
            ..manifest
        }
    }
}

/// One line saying where a command's parameters come from.
pub fn parameters_line(posterior: Option<&PosteriorDraws>) -> String {
    match posterior {
        Some(p) => format!(
            "Parameters: each run draws a particle of the posterior {} ({} particles, hash {}); --fixed-parameters for the scenario's own values",
            p.file,
            p.particles(),
            p.hash
        ),
        None => "Parameters: the scenario's own values (fixed)".to_string(),
    }
}

/// `--threads`, for commands that run many simulations.
#[derive(clap::Args, Clone, Copy, Debug, Default)]
pub struct Threads {
    /// Threads to run on (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = parse_threads)]
    pub threads: Option<usize>,
}

impl Threads {
    pub fn pool(self) -> Result<rayon::ThreadPool> {
        Ok(lifeline_ensemble::pool(self.threads)?)
    }
}

/// `-o/--out` and `--force`, for commands that write a folder.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct OutFolder {
    /// Folder for the outputs (default: lifeline-out/COMMAND).
    #[arg(short = 'o', long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write into a folder that holds files this command did not write (they are left alone).
    #[arg(long)]
    pub force: bool,
}

impl OutFolder {
    /// The folder: `--out`, or `lifeline-out/COMMAND`.
    pub fn dir(&self, command: &str) -> PathBuf {
        self.out
            .clone()
            .unwrap_or_else(|| Path::new(DEFAULT_OUT_ROOT).join(command))
    }

    /// Takes (creates, locks, checks) the folder for `outputs.command` and removes the
    /// command's own earlier outputs listed in `clear`.
    pub fn take(&self, outputs: Outputs, clear: &[&str]) -> Result<OutputFolder> {
        let dir = self.dir(outputs.command);
        let folder = OutputFolder::take(&dir, outputs, self.force)?;
        folder.clear(clear)?;
        Ok(folder)
    }
}

/// Writes a text table into an output folder under a temporary name, renamed when complete.
pub fn write_text(dir: &Path, name: &str, text: &str) -> Result<PathBuf> {
    let path = dir.join(name);
    lifeline_io::atomic::write_bytes(&path, text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// A manifest for `command`, with the program's name and version filled in.
pub fn manifest(command: &str, scenario: &str, seed: u64, days: u32) -> Manifest {
    Manifest {
        program: "lifeline".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        command: command.into(),
        scenario: scenario.into(),
        seed,
        days,
        ..Manifest::default()
    }
}

fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim().parse::<u64>().map_err(|_| {
        format!(
            "the seed must be a non-negative integer (0 to {}), not `{text}`",
            u64::MAX
        )
    })
}

fn parse_days(text: &str) -> Result<u32, String> {
    match text.trim().parse::<i64>() {
        Ok(days) if (1..=i64::from(MAX_DAYS)).contains(&days) => Ok(days as u32),
        _ => Err(format!(
            "--days must be between 1 and {MAX_DAYS}, not `{text}`"
        )),
    }
}

pub fn parse_threads(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "--threads must be a whole number of at least 1, not `{text}`"
        )),
    }
}

/// A whole number from `min` to `max` for the option `option`, or a message saying so.
fn whole_in(text: &str, option: &str, min: u64, max: u64) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "{option} must be a whole number from {min} to {max}, not `{text}`"
        )),
    }
}

/// Most particles of a calibration's generation and most rows of a sensitivity design: each
/// is held in memory with its parameters and outputs, so far more would exhaust it.
pub const MAX_DESIGN_ROWS: u64 = 1_000_000;

/// `--particles`: 2 to [`MAX_DESIGN_ROWS`].
pub fn parse_particles(text: &str) -> Result<usize, String> {
    whole_in(text, "--particles", 2, MAX_DESIGN_ROWS).map(|n| n as usize)
}

/// `--samples`: 2 to [`MAX_DESIGN_ROWS`].
pub fn parse_samples(text: &str) -> Result<usize, String> {
    whole_in(text, "--samples", 2, MAX_DESIGN_ROWS).map(|n| n as usize)
}

/// `--bootstrap`: 10 resamples (fewer make no interval) to 100,000 (each is held in memory).
pub fn parse_bootstrap(text: &str) -> Result<usize, String> {
    whole_in(text, "--bootstrap", 10, 100_000).map(|n| n as usize)
}

/// `--generations`: 1 (the prior alone) to 10,000.
pub fn parse_generations(text: &str) -> Result<usize, String> {
    whole_in(text, "--generations", 1, 10_000).map(|n| n as usize)
}

/// `--quantile`: strictly between 0 and 1 (0 would accept nothing, 1 would never tighten).
pub fn parse_quantile(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(q) if q > 0.0 && q < 1.0 => Ok(q),
        _ => Err(format!(
            "--quantile must be a number between 0 and 1, both excluded, not `{text}`"
        )),
    }
}

/// `--max-attempts`: at least one proposal.
pub fn parse_max_attempts(text: &str) -> Result<u64, String> {
    whole_in(text, "--max-attempts", 1, u64::MAX)
}

/// Most runs of `validate` and `criticality`, or of one evaluation of `calibrate` and
/// `sensitivity`: `validate` keeps under 1 KB a run (measured: 25 MB at 2,000 runs, 38 MB at
/// 20,000), so a million stay within a few GB.
pub const MAX_RUNS: u64 = 1_000_000;

/// `--runs`: 1 to [`MAX_RUNS`].
pub fn parse_runs(text: &str) -> Result<u64, String> {
    whole_in(text, "--runs", 1, MAX_RUNS)
}

/// Most runs of `compare`, which keeps every run of every response for its paired statistics:
/// ~20 KB a run with Mali's responses (measured: 46 MB peak at 500 runs, 77 MB at 2,000, 419 MB
/// at 20,000), so 100,000 runs need ~2 GB.
pub const MAX_COMPARE_RUNS: u64 = 100_000;

/// `--runs` of `compare`: 1 to [`MAX_COMPARE_RUNS`].
pub fn parse_compare_runs(text: &str) -> Result<u64, String> {
    whole_in(text, "--runs", 1, MAX_COMPARE_RUNS)
}

/// `--runs` of `flee`, which keeps every member's daily counts: 1 to 100,000.
pub fn parse_flee_runs(text: &str) -> Result<usize, String> {
    whole_in(text, "--runs", 1, 100_000).map(|n| n as usize)
}

/// `--runs` of `ensemble`, which streams its runs to disk: 1 to 2³¹ − 1.
pub fn parse_ensemble_runs(text: &str) -> Result<u64, String> {
    whole_in(text, "--runs", 1, i32::MAX as u64)
}

/// The place a table or ranking is about: the one asked for (matched without regard to
/// case), or by default the scenario's first depot. An unknown name is refused with the
/// closest depot name as a suggestion.
pub fn resolve_place(requested: Option<&str>, depots: &[String]) -> Result<String> {
    let Some(requested) = requested else {
        return depots.first().cloned().context("the scenario has no depot");
    };
    let wanted = requested.trim().to_lowercase();
    if let Some(found) = depots.iter().find(|d| d.to_lowercase() == wanted) {
        return Ok(found.clone());
    }
    let closest = depots
        .iter()
        .map(|d| (edit_distance(&wanted, &d.to_lowercase()), d))
        .min_by_key(|(distance, _)| *distance)
        .filter(|(distance, _)| *distance <= wanted.chars().count().div_ceil(3).max(1));
    let hint = match closest {
        Some((_, name)) => format!("; did you mean `{name}`?"),
        None => String::new(),
    };
    bail!(
        "unknown depot `{requested}`{hint} (the scenario's depots: {})",
        depots.join(", ")
    )
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// A volume in thousands of m³, one decimal: `166811.3` → `166.8`.
pub fn thousands(volume: f64) -> String {
    format!("{:.1}", volume / 1000.0)
}

/// Ranks as printed: tied entries (equal `key`s, in ranked order) share the first rank of
/// their group, marked `=`: `1, =2, =2, 4`.
pub fn tied_ranks<K: PartialEq>(keys: &[K]) -> Vec<String> {
    let mut out = Vec::with_capacity(keys.len());
    let mut group_start = 0;
    for i in 0..keys.len() {
        if i > 0 && keys[i] != keys[i - 1] {
            group_start = i;
        }
        let tied = (i > 0 && keys[i] == keys[i - 1]) || keys.get(i + 1) == Some(&keys[i]);
        out.push(if tied {
            format!("={}", group_start + 1)
        } else {
            (group_start + 1).to_string()
        });
    }
    out
}

/// The date of a day of the run (day 0 = the start date).
pub fn date_of(start: chrono::NaiveDate, day: u32) -> String {
    start
        .checked_add_days(chrono::Days::new(u64::from(day)))
        .map_or_else(|| format!("day {day}"), |d| d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depots() -> Vec<String> {
        ["Bamako", "Kayes", "Sikasso", "Ségou"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn places_match_without_case_and_suggest_the_closest() {
        assert_eq!(resolve_place(None, &depots()).expect("default"), "Bamako");
        assert_eq!(
            resolve_place(Some("kayes"), &depots()).expect("case"),
            "Kayes"
        );
        let err = resolve_place(Some("Bamkao"), &depots()).expect_err("typo");
        assert!(
            err.to_string()
                .starts_with("unknown depot `Bamkao`; did you mean `Bamako`?"),
            "{err}"
        );
        let err = resolve_place(Some("Timbuktu"), &depots()).expect_err("unknown");
        assert!(!err.to_string().contains("did you mean"), "{err}");
    }

    #[test]
    fn ties_share_a_marked_rank() {
        assert_eq!(tied_ranks(&[1, 2, 2, 3]), ["1", "=2", "=2", "4"]);
        assert_eq!(tied_ranks(&[5, 5]), ["=1", "=1"]);
        assert_eq!(tied_ranks::<u8>(&[]), Vec::<String>::new());
    }

    #[test]
    fn flags_are_checked_with_a_message_naming_them() {
        assert!(
            parse_days("0")
                .expect_err("zero")
                .contains("--days must be between 1 and 3650")
        );
        assert_eq!(parse_days("3650"), Ok(3650));
        assert!(
            parse_seed("-1")
                .expect_err("negative")
                .contains("non-negative integer")
        );
        assert!(parse_runs("0").expect_err("zero").contains("--runs"));
        assert_eq!(thousands(166_811.3), "166.8");
    }
}
