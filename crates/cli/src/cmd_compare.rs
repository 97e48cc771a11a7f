//! `lifeline compare`: every named response on the same seeds, compared run by run with
//! status-quo.

use crate::common::{
    self, OutFolder, ParameterChoice, RunChoices, Threads, parse_compare_runs, resolve_place,
    tied_ranks,
};
use crate::progress::Progress;
use crate::ranks::World;
use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use lifeline_ensemble::{
    CompareAbout, CompareRow, Figure, Response, compare, compare_summary_bytes, run_paired_on,
    write_compare_csv,
};
use lifeline_io::manifest::Manifest;
use lifeline_io::outdir::Outputs;
use lifeline_scenario::{STATUS_QUO, Scenario, embedded};
use std::fmt::Write as _;

/// What `lifeline compare` writes (`report.html` is written there by `lifeline report`).
pub const COMPARE_OUTPUTS: Outputs = Outputs {
    command: "compare",
    names: &["compare.csv", "summary.json", "report.html"],
};

#[derive(clap::Args)]
pub struct CompareArgs {
    /// An embedded scenario name (see `lifeline scenarios`) or a scenario .toml file.
    #[arg(default_value = embedded::DEFAULT_SCENARIO)]
    pub scenario: String,
    /// Runs per response; run r of every response uses the same random stream.
    #[arg(long, default_value_t = 200, value_parser = parse_compare_runs)]
    pub runs: u64,
    #[command(flatten)]
    pub threads: Threads,
    #[command(flatten)]
    pub choices: RunChoices,
    #[command(flatten)]
    pub parameters: ParameterChoice,
    #[command(flatten)]
    pub out: OutFolder,
    /// Only these responses (comma-separated; status-quo is always included).
    #[arg(long, value_delimiter = ',')]
    pub responses: Vec<String>,
    /// The depot whose figures the printed table shows (default: the scenario's first depot).
    #[arg(long)]
    pub place: Option<String>,
    /// Add a row of HXL hashtags (for HDX) under the header of compare.csv.
    #[arg(long)]
    pub hxl: bool,
    /// Also write report.html (a self-contained offline page) into the output folder.
    #[arg(long)]
    pub report: bool,
}

pub fn run(args: CompareArgs, world: &World) -> Result<()> {
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
                .build(&args.choices.overrides(Some(name.clone())))
                .with_context(|| format!("building response `{name}`"))?,
        );
    }
    let first = &built[0];
    let posterior = args.parameters.posterior(&scenario)?;
    let place = resolve_place(
        args.place.as_deref(),
        &lifeline_ensemble::figures::depot_labels(&first.input),
    )?;
    world.agree(&scenario, &built.iter().collect::<Vec<_>>())?;
    // Rank 0 alone takes the folder; every rank runs its share of the runs.
    let folder = if world.leads() {
        Some(args.out.take(COMPARE_OUTPUTS, COMPARE_OUTPUTS.names)?)
    } else {
        None
    };
    // Each response's displacement as `lifeline run` couples it (its own network's plan).
    let plans = built
        .iter()
        .map(|b| scenario.displacement_plan(b))
        .collect::<Result<Vec<_>, _>>()?;
    let inputs = Response::all(&built, &plans);
    let progress = Progress::on_rank(world.leads(), "compare", args.runs, "runs (all responses)");
    let inc = |n: u64| progress.inc(n);
    let started = std::time::Instant::now();
    let pool = args.threads.pool()?;
    let runner = world.runner();
    let paired = pool.install(|| {
        run_paired_on(
            &inputs,
            first.seed,
            args.runs,
            runner.as_ref(),
            posterior.as_ref(),
            Some(&inc),
        )
    });
    let Some(folder) = folder else {
        // Another rank: rank 0 writes and reports.
        return paired.map(|_| ()).map_err(Into::into);
    };
    progress.finish();
    let paired = paired?;
    let elapsed = started.elapsed().as_secs_f64();
    let rows = compare(&paired, STATUS_QUO)?;
    let path = folder.dir().join("compare.csv");
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
        posterior: posterior.as_ref(),
    };
    let summary_path = folder.dir().join("summary.json");
    lifeline_io::atomic::write_bytes(&summary_path, &compare_summary_bytes(&about))
        .with_context(|| format!("writing {}", summary_path.display()))?;
    let manifest = Manifest {
        responses: names.clone(),
        runs: Some(args.runs),
        place: Some(place.clone()),
        events_file: args.choices.events_record(),
        ..common::manifest("compare", &args.scenario, first.seed, first.input.days)
    };
    let manifest = args.parameters.mark(manifest, posterior.as_ref());
    folder.write_manifest(args.choices.mark(manifest), COMPARE_OUTPUTS.names)?;

    println!(
        "Scenario {} — {} responses × {} runs on the same seeds (master seed {}, streams 0..{}) — {} days from {} — {:.1} s",
        first.name,
        names.len(),
        args.runs,
        first.seed,
        args.runs,
        first.input.days,
        first.start_date,
        elapsed
    );
    println!("{}", common::parameters_line(posterior.as_ref()));
    if let Some(line) = world.gathered_line(runner.as_ref()) {
        println!("{line}");
    }
    let horizon = Horizon {
        start: first.start_date,
        days: first.input.days,
    };
    let figures = [
        Figure::ShortageDays,
        Figure::ShortageM3,
        Figure::FirstDayCoverBelow3,
        Figure::PeakPriceMultiple,
        Figure::MinPowerHours,
        Figure::ServicesClosedDays,
    ];
    for figure in figures {
        print!("{}", table(&rows, &place, figure, horizon));
    }
    for figure in [Figure::DeliveredM3, Figure::TrucksLost] {
        print!("{}", table(&rows, "national", figure, horizon));
    }
    println!(
        "\nrank: 1 = best (=n: tied); median [90% of runs]: the response's figure, 5% to 95% of runs; vs status-quo: the paired difference (run r minus run r of status-quo) and its 90% interval; better / worse: share of runs in which the response did strictly better / worse than status-quo on the same stream. All figures: {}",
        path.display()
    );
    if args.report {
        crate::cmd_report::write_into(folder.dir())?;
    }
    Ok(())
}

/// The run's dates, to print days as dates.
#[derive(Clone, Copy)]
struct Horizon {
    start: NaiveDate,
    days: u32,
}

fn label(figure: Figure) -> &'static str {
    match figure {
        Figure::FirstDayCoverBelow3 => {
            "first date with cover below 3 days (never: not within the horizon)"
        }
        Figure::DaysCoverBelow3 => "days with cover below 3 days",
        Figure::ShortageM3 => "shortage, thousand m³",
        Figure::ShortageDays => "shortage days",
        Figure::PeakPriceMultiple => "peak price (× official)",
        Figure::MinPowerHours => "lowest power supply, hours/day",
        Figure::ServicesClosedDays => "days schools and services closed",
        Figure::RationingDays => "rationing days",
        Figure::DeliveredM3 => "delivered, thousand m³",
        Figure::TrucksLost => "trucks lost",
        Figure::DriversKidnapped => "drivers kidnapped",
    }
}

/// Prints one number of a table.
type Show = Box<dyn Fn(f64) -> String>;

/// How a figure's values and paired differences are printed.
fn formatters(figure: Figure, horizon: Horizon) -> (Show, Show) {
    match figure {
        Figure::FirstDayCoverBelow3 => (
            // A run that never ran dry counts as the horizon.
            Box::new(move |v: f64| {
                if v >= f64::from(horizon.days) {
                    "never".to_string()
                } else {
                    common::date_of(horizon.start, v.floor() as u32)
                }
            }),
            Box::new(|d: f64| format!("{d:+.0} d")),
        ),
        Figure::ShortageM3 | Figure::DeliveredM3 => (
            Box::new(common::thousands),
            Box::new(|d: f64| format!("{:+.1}", d / 1000.0)),
        ),
        _ => {
            let decimals = figure.decimals().min(2);
            (
                Box::new(move |v: f64| format!("{v:.decimals$}")),
                Box::new(move |d: f64| format!("{d:+.decimals$}")),
            )
        }
    }
}

fn table(rows: &[CompareRow], place: &str, figure: Figure, horizon: Horizon) -> String {
    let mut group: Vec<&CompareRow> = rows
        .iter()
        .filter(|r| r.place == place && r.figure == figure)
        .collect();
    if group.is_empty() {
        return String::new();
    }
    group.sort_by_key(|r| r.rank);
    let (value, difference) = formatters(figure, horizon);
    // Ranked by median difference, then mean difference: equal on both is a tie.
    let keys: Vec<(u64, u64)> = group
        .iter()
        .map(|r| {
            (
                (r.diff_median + 0.0).to_bits(),
                (r.diff_mean + 0.0).to_bits(),
            )
        })
        .collect();
    let ranks = tied_ranks(&keys);
    let mut s = String::new();
    let better = if figure.lower_is_better() {
        "lower"
    } else {
        "higher"
    };
    let _ = writeln!(s, "\n{place} — {} ({better} is better)", label(figure));
    let _ = writeln!(
        s,
        "{:>4}  {:<28} {:>34} {:>30} {:>7} {:>7}",
        "rank", "response", "median [90% of runs]", "vs status-quo [90%]", "better", "worse"
    );
    for (r, rank) in group.iter().zip(&ranks) {
        let _ = writeln!(
            s,
            "{:>4}  {:<28} {:>34} {:>30} {:>6.0}% {:>6.0}%",
            rank,
            r.response,
            format!("{} [{}, {}]", value(r.median), value(r.p05), value(r.p95)),
            format!(
                "{} [{}, {}]",
                difference(r.diff_median),
                difference(r.diff_p05),
                difference(r.diff_p95)
            ),
            100.0 * r.share_better,
            100.0 * r.share_worse,
        );
    }
    s
}
