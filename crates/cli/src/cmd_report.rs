//! `lifeline report`: one self-contained, offline HTML page from an output folder.

use anyhow::{Context, Result};
use lifeline_io::lock::{FolderLock, LockError};
use lifeline_io::manifest::Manifest;
use lifeline_report::Supplements;
use lifeline_scenario::{Overrides, Scenario};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct ReportArgs {
    /// The output folder of `lifeline run`, `lifeline ensemble` or `lifeline compare`.
    pub dir: PathBuf,
    /// The HTML file to write (default: DIR/report.html).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// The scenario (embedded name or .toml file) whose network and inputs to show when DIR
    /// has no network.geojson or scenario.toml, as ensemble and compare folders do (default:
    /// the one DIR/summary.json names).
    #[arg(long)]
    pub scenario: Option<String>,
}

pub fn run(args: ReportArgs) -> Result<()> {
    // Nobody may rewrite the folder while the report reads it (nor the report, if inside).
    let _lock = lock_for_reading(&args.dir)?;
    write_report(args)
}

/// Writes the report; the caller holds the folder's lock.
fn write_report(args: ReportArgs) -> Result<()> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.dir.join("report.html"));
    let supplements = supplements(&args);
    lifeline_report::write_report_with(&args.dir, &out, &supplements)
        .with_context(|| format!("making a report of {}", args.dir.display()))?;
    let bytes = std::fs::metadata(&out)
        .with_context(|| format!("reading back {}", out.display()))?
        .len();
    println!(
        "Report: {} ({:.0} kB); one file, opens offline in any browser",
        out.display(),
        bytes as f64 / 1024.0
    );
    Ok(())
}

/// Writes DIR/report.html (after `ensemble --report` or `compare --report`), with the network
/// and inputs of the scenario that DIR/summary.json names. The command that wrote DIR still
/// holds its lock, so no other process can be writing it.
pub fn write_into(dir: &Path) -> Result<()> {
    write_report(ReportArgs {
        dir: dir.to_path_buf(),
        out: None,
        scenario: None,
    })
}

/// The scenario named in DIR/summary.json: `manifest.scenario` (ensemble: "embedded:NAME" or a
/// path) or `scenario`; else the one DIR/manifest.json names (a compare folder).
fn scenario_named_in(dir: &Path) -> Option<String> {
    let from_summary = || {
        let text = std::fs::read_to_string(dir.join("summary.json")).ok()?;
        let summary: serde_json::Value = serde_json::from_str(&text).ok()?;
        summary
            .pointer("/manifest/scenario")
            .or_else(|| summary.get("scenario"))
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
    };
    let name = from_summary().or_else(|| Manifest::read(dir).map(|m| m.scenario))?;
    Some(name.strip_prefix("embedded:").unwrap_or(&name).to_string())
}

/// Locks DIR against writers. A folder that does not exist or cannot hold a lock file is left
/// to the report's own checks (which name the problem); only "another process writes it"
/// stops here.
fn lock_for_reading(dir: &Path) -> Result<Option<FolderLock>> {
    match FolderLock::acquire(dir) {
        Ok(lock) => Ok(Some(lock)),
        Err(busy @ LockError::Busy { .. }) => Err(busy.into()),
        Err(LockError::Io { .. }) => Ok(None),
    }
}
/// The network and scenario text for a folder that lacks them, from the scenario; nothing
/// (with a note on stderr) when it cannot be loaded.
fn supplements(args: &ReportArgs) -> Supplements {
    let dir = &args.dir;
    if dir.join("network.geojson").is_file() && dir.join("scenario.toml").is_file() {
        return Supplements::default();
    }
    let Some(name) = args.scenario.clone().or_else(|| scenario_named_in(dir)) else {
        return Supplements::default();
    };
    let loaded = Scenario::load(&name).and_then(|scenario| {
        let built = scenario.build(&Overrides::default())?;
        Ok((scenario, built))
    });
    match loaded {
        Ok((scenario, built)) => {
            let ctx = built.output_context(&scenario);
            Supplements {
                network: Some(lifeline_io::outputs::network_geojson(&ctx)),
                scenario_toml: Some(scenario.text.clone()),
                origin: Some(format!("scenario {name}")),
            }
        }
        Err(err) => {
            eprintln!(
                "note: the report has no network or scenario inputs: scenario `{name}`: {err}"
            );
            Supplements::default()
        }
    }
}
