//! `lifeline ensemble`: N seeded runs in parallel, spreads written to disk, resumable.

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lifeline_ensemble::{EnsembleOptions, EnsembleSpec, run_ensemble};
use lifeline_scenario::{Overrides, Scenario, embedded};
use serde_json::Value;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct EnsembleArgs {
    /// An embedded scenario name (see `lifeline scenarios`) or a scenario .toml file.
    #[arg(default_value = embedded::DEFAULT_SCENARIO)]
    pub scenario: String,
    /// Number of runs; run r draws from stream r of the master seed.
    #[arg(long, default_value_t = 100)]
    pub runs: u64,
    /// Threads to run on (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// A named response defined in the scenario (see `lifeline responses SCENARIO`).
    #[arg(long)]
    pub response: Option<String>,
    /// Master seed (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of days to simulate (default: the scenario's).
    #[arg(long)]
    pub days: Option<u32>,
    /// Folder for the outputs (and the journal of an ensemble in progress).
    #[arg(long, default_value = "lifeline-ensemble")]
    pub out: PathBuf,
    /// Continue an interrupted ensemble in --out, keeping the runs it finished.
    #[arg(long)]
    pub resume: bool,
    /// A conflict-event history in ACLED's CSV export format (replaces the scenario's).
    #[arg(long)]
    pub events: Option<PathBuf>,
    /// Do not write runs.parquet (the daily table of every run): faster, smaller.
    #[arg(long)]
    pub no_parquet: bool,
    /// Add a row of HXL hashtags (for HDX) under the header of runs.csv and quantiles.csv.
    #[arg(long)]
    pub hxl: bool,
    /// Also write report.html (a self-contained offline page) into the output folder.
    #[arg(long)]
    pub report: bool,
    /// Testing: stop as if interrupted after this many chunks of runs.
    #[arg(long, hide = true)]
    pub stop_after_chunks: Option<u64>,
}

/// A progress bar on stderr, hidden when stderr is not a terminal.
pub fn progress_bar(len: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    let template = format!(
        "{{elapsed_precise}} [{{bar:40}}] {{pos}}/{{len}} {what} ({{per_sec}}, {{eta}} left)"
    );
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

pub fn run(args: EnsembleArgs) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let built = scenario.build(&Overrides {
        seed: args.seed,
        days: args.days,
        response: args.response.clone(),
        events_file: args.events.clone(),
        closed_segments: Vec::new(),
    })?;
    let spec = EnsembleSpec {
        input: &built.input,
        scenario: &scenario.file,
        response: &built.response,
        seed: built.seed,
        start_date: built.start_date,
        runs: args.runs,
        parquet: !args.no_parquet,
        hxl: args.hxl,
    };
    let bar = progress_bar(args.runs, "runs");
    let inc = |n: u64| bar.inc(n);
    let options = EnsembleOptions {
        threads: args.threads,
        resume: args.resume,
        stop_after_chunks: args.stop_after_chunks,
        progress: Some(&inc),
        ..EnsembleOptions::default()
    };
    let result = run_ensemble(&args.out, &spec, &options);
    bar.finish_and_clear();
    let report = result.with_context(|| format!("ensemble in {}", args.out.display()))?;
    if report.already_complete {
        println!(
            "The ensemble in {} is already complete ({} runs); nothing to do.",
            args.out.display(),
            report.runs
        );
        return Ok(());
    }
    let new_runs = report.runs - report.resumed_runs;
    let thread_s = report.model_seconds + report.digest_seconds + report.chunk_write_seconds;
    println!(
        "Scenario {} — response {} — seed {} — {} runs × {} days{}",
        built.name,
        built.response,
        built.seed,
        report.runs,
        built.input.days,
        if report.resumed_runs > 0 {
            format!(" ({} resumed from the journal)", report.resumed_runs)
        } else {
            String::new()
        }
    );
    println!(
        "{new_runs} runs in {:.2} s ({:.0} runs/s); thread time: model {:.0}%, digest {:.0}%, chunk files {:.0}%; final files {:.2} s",
        report.wall_seconds,
        new_runs as f64 / report.wall_seconds.max(1e-9),
        100.0 * report.model_seconds / thread_s.max(1e-9),
        100.0 * report.digest_seconds / thread_s.max(1e-9),
        100.0 * report.chunk_write_seconds / thread_s.max(1e-9),
        report.finalize_seconds,
    );
    let summary_path = args.out.join("summary.json");
    let text = std::fs::read_to_string(&summary_path)
        .with_context(|| format!("reading {}", summary_path.display()))?;
    let summary: Value = serde_json::from_str(&text)?;
    print!(
        "{}",
        spread_table(
            &summary,
            &lifeline_ensemble::figures::depot_labels(&built.input)
        )
    );
    let files = if args.no_parquet {
        "runs.csv, quantiles.csv, summary.json"
    } else {
        "runs.csv, quantiles.csv, runs.parquet, summary.json"
    };
    println!("Outputs in {}/: {files}", args.out.display());
    if args.report {
        crate::cmd_report::write_into(&args.out)?;
    }
    Ok(())
}

/// "median [p05–p95]" of a figure in summary.json.
fn cell(v: &Value, decimals: usize) -> String {
    let num = |k: &str| v.get(k).and_then(Value::as_f64);
    let f = |x: Option<f64>| x.map_or_else(|| "never".to_string(), |x| format!("{x:.decimals$}"));
    if v.is_null() {
        return "—".into();
    }
    format!("{} [{}–{}]", f(num("p50")), f(num("p05")), f(num("p95")))
}

/// The table printed after an ensemble: median and 90% range of each place's key figures.
fn spread_table(summary: &Value, order: &[String]) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "Median [5%–95%] over the runs:");
    let _ = writeln!(
        s,
        "{:<12} {:>20} {:>8} {:>24} {:>16} {:>18} {:>16}",
        "place",
        "first day cover<3",
        "P(dry)",
        "shortage m³",
        "shortage days",
        "peak price ×",
        "min power h"
    );
    if let Some(places) = summary.get("places").and_then(Value::as_object) {
        // In the scenario's order (the JSON object is sorted by name).
        for (name, p) in order.iter().filter_map(|n| places.get(n).map(|p| (n, p))) {
            let first = &p["first_day_cover_below_3"];
            let share = first
                .get("share_of_runs")
                .and_then(Value::as_f64)
                .unwrap_or(0.0);
            let _ = writeln!(
                s,
                "{:<12} {:>20} {:>7.0}% {:>24} {:>16} {:>18} {:>16}",
                name,
                cell(first, 0),
                100.0 * share,
                cell(&p["shortage_m3"], 0),
                cell(&p["shortage_days"], 0),
                cell(&p["peak_price_multiple"], 2),
                cell(&p["min_power_hours"], 1),
            );
        }
    }
    if let Some(n) = summary.get("national") {
        let _ = writeln!(
            s,
            "National: delivered m³ {}; trucks lost {}; drivers kidnapped {}",
            cell(&n["delivered_m3"], 0),
            cell(&n["trucks_lost"], 0),
            cell(&n["drivers_kidnapped"], 0)
        );
    }
    s
}
