//! `lifeline report`: one self-contained, offline HTML page from an output folder.

use anyhow::{Context, Result};
use lifeline_analysis::parameters::{Prior, scenario_parameters};
use lifeline_analysis::posterior::fnv_hex;
use lifeline_io::lock::{FolderLock, LockError};
use lifeline_io::manifest::{Manifest, PosteriorRecord};
use lifeline_report::{PriorRange, Supplements, SuppliedPosterior};
use lifeline_scenario::{Overrides, Scenario};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct ReportArgs {
    /// The output folder of `lifeline run`, `ensemble`, `compare`, `calibrate`, `validate` or
    /// `sensitivity`.
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
/// What a report takes from the scenario: the network and scenario text for a folder that
/// lacks them (not for the tables of calibrate, validate and sensitivity, which have no map);
/// the priors and target sources for a folder of calibration tables; the posterior a folder's
/// manifest records, when the scenario still names that very file (same hash). Nothing (with a
/// note on stderr) when the scenario cannot be loaded.
fn supplements(args: &ReportArgs) -> Supplements {
    let dir = &args.dir;
    let manifest = Manifest::read(dir);
    let analysis = ANALYSIS_FILES.iter().any(|f| dir.join(f).is_file())
        || manifest.as_ref().is_some_and(|m| {
            matches!(m.command.as_str(), "calibrate" | "validate" | "sensitivity")
        });
    let recorded = manifest.as_ref().and_then(|m| m.posterior.clone());
    let needs_inputs =
        !(dir.join("network.geojson").is_file() && dir.join("scenario.toml").is_file());
    if !needs_inputs && !analysis && recorded.is_none() {
        return Supplements::default();
    }
    let Some(name) = args.scenario.clone().or_else(|| scenario_named_in(dir)) else {
        return Supplements::default();
    };
    let scenario = match Scenario::load(&name) {
        Ok(scenario) => scenario,
        Err(err) => {
            eprintln!(
                "note: the report has no network, scenario inputs, priors or posterior: scenario `{name}`: {err}"
            );
            return Supplements::default();
        }
    };
    let mut out = Supplements {
        origin: Some(format!("scenario {name}")),
        ..Supplements::default()
    };
    if needs_inputs {
        out.scenario_toml = Some(scenario.text.clone());
        if !analysis {
            match scenario.build(&Overrides::default()) {
                Ok(built) => {
                    let ctx = built.output_context(&scenario);
                    out.network = Some(lifeline_io::outputs::network_geojson(&ctx));
                }
                Err(err) => eprintln!("note: the report has no network: scenario `{name}`: {err}"),
            }
        }
    }
    if analysis || recorded.is_some() {
        match priors(&scenario) {
            Ok(priors) => out.priors = priors,
            Err(err) => out.notes.push(format!(
                "The priors of scenario {name} could not be read ({err}): the histograms span the particles only."
            )),
        }
        out.target_sources = target_sources(&scenario);
    }
    if let Some(record) = recorded.filter(|_| !dir.join("posterior.csv").is_file()) {
        supply_posterior(&scenario, &record, &mut out);
    }
    out
}

/// The tables of `calibrate`, `validate` and `sensitivity`.
const ANALYSIS_FILES: &[&str] = &[
    "posterior.csv",
    "fit.csv",
    "diagnostics.csv",
    "validate.csv",
    "sobol.csv",
];

/// The scenario's `[[calibration.parameter]]` priors, by the name posterior.csv gives them.
fn priors(scenario: &Scenario) -> Result<Vec<PriorRange>> {
    let parameters = scenario_parameters(scenario)?;
    Ok(parameters
        .into_iter()
        .map(|p| {
            let (distribution, mean, sd) = match p.prior {
                Prior::Uniform { .. } => ("uniform", None, None),
                Prior::LogUniform { .. } => ("log_uniform", None, None),
                Prior::Normal { mean, sd, .. } => ("normal", Some(mean), Some(sd)),
            };
            let (min, max) = p.prior.bounds();
            PriorRange {
                parameter: p.name,
                distribution: distribution.to_string(),
                min,
                max,
                mean,
                sd,
            }
        })
        .collect())
}

/// Each `[[calibration.target]]`'s source, by name.
fn target_sources(scenario: &Scenario) -> BTreeMap<String, String> {
    scenario
        .spec
        .calibration
        .iter()
        .flat_map(|c| &c.targets)
        .map(|t| (t.get_ref().name.clone(), t.get_ref().source.clone()))
        .collect()
}

/// The posterior the folder's runs drew from, when the scenario still names the file the
/// manifest records (same hash); else a note saying why it is not shown.
fn supply_posterior(scenario: &Scenario, record: &PosteriorRecord, out: &mut Supplements) {
    match scenario.posterior_source() {
        Ok(Some(source)) if fnv_hex(source.text.as_bytes()) == record.hash => {
            out.posterior = Some(SuppliedPosterior {
                file: source.file,
                text: source.text,
            });
        }
        Ok(Some(source)) => out.notes.push(format!(
            "The runs drew from the posterior {} (hash {}); the scenario now names {} (hash {}), so its particles are not shown.",
            record.file,
            record.hash,
            source.file,
            fnv_hex(source.text.as_bytes())
        )),
        Ok(None) => out.notes.push(format!(
            "The runs drew from the posterior {} (hash {}); the scenario names none now, so its particles are not shown.",
            record.file, record.hash
        )),
        Err(err) => out.notes.push(format!(
            "The runs drew from the posterior {} (hash {}), which could not be read now ({err}).",
            record.file, record.hash
        )),
    }
}
