//! `lifeline compare`: every named response on the same seeds, compared run by run with
//! status-quo.

use anyhow::{Context, Result, bail};
use lifeline_ensemble::{
    CompareAbout, CompareRow, Figure, compare, compare_summary_bytes, run_paired, write_compare_csv,
};
use lifeline_scenario::{Overrides, STATUS_QUO, Scenario, embedded};
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct CompareArgs {
    /// An embedded scenario name (see `lifeline scenarios`) or a scenario .toml file.
    #[arg(default_value = embedded::DEFAULT_SCENARIO)]
    pub scenario: String,
    /// Runs per response; run r of every response uses the same random stream.
    #[arg(long, default_value_t = 200)]
    pub runs: u64,
    /// Threads to run on (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Master seed (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of days to simulate (default: the scenario's).
    #[arg(long)]
    pub days: Option<u32>,
    /// Folder for compare.csv.
    #[arg(long, default_value = "lifeline-compare")]
    pub out: PathBuf,
    /// Only these responses (comma-separated; status-quo is always included).
    #[arg(long, value_delimiter = ',')]
    pub responses: Vec<String>,
    /// The place whose figures the printed table shows (default: the first depot).
    #[arg(long)]
    pub place: Option<String>,
    /// A conflict-event history in ACLED's CSV export format (replaces the scenario's).
    #[arg(long)]
    pub events: Option<PathBuf>,
    /// Add a row of HXL hashtags (for HDX) under the header of compare.csv.
    #[arg(long)]
    pub hxl: bool,
    /// Also write report.html (a self-contained offline page) into the output folder.
    #[arg(long)]
    pub report: bool,
}

pub fn run(args: CompareArgs) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let mut names: Vec<String> = scenario.responses().into_iter().map(|r| r.0).collect();
    if !args.responses.is_empty() {
        for r in &args.responses {
            if !names.contains(r) {
                bail!(
                    "unknown response `{r}`; the scenario has: {}",
                    names.join(", ")
                );
            }
        }
        names.retain(|n| n == STATUS_QUO || args.responses.contains(n));
    }
    let mut built = Vec::new();
    for name in &names {
        built.push(
            scenario
                .build(&Overrides {
                    seed: args.seed,
                    days: args.days,
                    response: Some(name.clone()),
                    events_file: args.events.clone(),
                    closed_segments: Vec::new(),
                })
                .with_context(|| format!("building response `{name}`"))?,
        );
    }
    let first = &built[0];
    let inputs: Vec<(String, &lifeline_model::ModelInput)> = built
        .iter()
        .map(|b| (b.response.clone(), &b.input))
        .collect();
    let bar = crate::cmd_ensemble::progress_bar(args.runs, "runs (all responses)");
    let inc = |n: u64| bar.inc(n);
    let started = std::time::Instant::now();
    let paired = run_paired(&inputs, first.seed, args.runs, args.threads, Some(&inc));
    bar.finish_and_clear();
    let paired = paired?;
    let elapsed = started.elapsed().as_secs_f64();
    let rows = compare(&paired, STATUS_QUO)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let path = args.out.join("compare.csv");
    lifeline_io::atomic::write_atomically(&path, |w| {
        write_compare_csv(w, &rows, args.runs, args.hxl)
    })
    .with_context(|| format!("writing {}", path.display()))?;
    let about = CompareAbout {
        scenario: &scenario.file,
        responses: &names,
        seed: first.seed,
        runs: args.runs,
        days: first.input.days,
        start_date: first.start_date,
    };
    let summary_path = args.out.join("summary.json");
    lifeline_io::atomic::write_bytes(&summary_path, &compare_summary_bytes(&about))
        .with_context(|| format!("writing {}", summary_path.display()))?;

    let place = match &args.place {
        Some(p) => {
            if !rows.iter().any(|r| &r.place == p) {
                bail!("no place `{p}` among the scenario's depots");
            }
            p.clone()
        }
        None => rows.first().map(|r| r.place.clone()).unwrap_or_default(),
    };
    println!(
        "Scenario {} — {} responses × {} runs on the same seeds (master seed {}, streams 0..{}) — {} days — {:.1} s",
        first.name,
        names.len(),
        args.runs,
        first.seed,
        args.runs,
        first.input.days,
        elapsed
    );
    let figures = [
        Figure::ShortageDays,
        Figure::ShortageM3,
        Figure::FirstDayCoverBelow3,
        Figure::PeakPriceMultiple,
        Figure::MinPowerHours,
        Figure::ServicesClosedDays,
    ];
    for figure in figures {
        print!("{}", table(&rows, &place, figure));
    }
    for figure in [Figure::DeliveredM3, Figure::TrucksLost] {
        print!("{}", table(&rows, "national", figure));
    }
    println!(
        "Differences are paired (run r of a response minus run r of status-quo); intervals hold 90% of runs. All figures: {}",
        path.display()
    );
    if args.report {
        crate::cmd_report::write_into(&args.out)?;
    }
    Ok(())
}

fn label(figure: Figure) -> &'static str {
    match figure {
        Figure::FirstDayCoverBelow3 => "first day with cover below 3 days (never = horizon)",
        Figure::DaysCoverBelow3 => "days with cover below 3 days",
        Figure::ShortageM3 => "shortage, m³",
        Figure::ShortageDays => "shortage days",
        Figure::PeakPriceMultiple => "peak price (× official)",
        Figure::MinPowerHours => "lowest power supply, hours/day",
        Figure::ServicesClosedDays => "days schools and services closed",
        Figure::RationingDays => "rationing days",
        Figure::DeliveredM3 => "delivered, m³",
        Figure::TrucksLost => "trucks lost",
        Figure::DriversKidnapped => "drivers kidnapped",
    }
}

fn table(rows: &[CompareRow], place: &str, figure: Figure) -> String {
    let mut group: Vec<&CompareRow> = rows
        .iter()
        .filter(|r| r.place == place && r.figure == figure)
        .collect();
    if group.is_empty() {
        return String::new();
    }
    group.sort_by_key(|r| r.rank);
    let d = figure.decimals().min(2);
    let f = |v: f64| format!("{v:.d$}");
    let mut s = String::new();
    let better = if figure.lower_is_better() {
        "lower"
    } else {
        "higher"
    };
    let _ = writeln!(s, "\n{place} — {} ({better} is better)", label(figure));
    let _ = writeln!(
        s,
        "{:>4}  {:<28} {:>26} {:>30} {:>7} {:>7}",
        "rank", "response", "median [90% of runs]", "vs status-quo [90%]", "better", "worse"
    );
    for r in group {
        let _ = writeln!(
            s,
            "{:>4}  {:<28} {:>26} {:>30} {:>6.0}% {:>6.0}%",
            r.rank,
            r.response,
            format!("{} [{}, {}]", f(r.median), f(r.p05), f(r.p95)),
            format!(
                "{:+.d$} [{:+.d$}, {:+.d$}]",
                r.diff_median, r.diff_p05, r.diff_p95
            ),
            100.0 * r.share_better,
            100.0 * r.share_worse,
        );
    }
    s
}
