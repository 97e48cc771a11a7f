//! `lifeline report`: one self-contained, offline HTML page from an output folder.

use anyhow::{Context, Result};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ReportArgs {
    /// The output folder of `lifeline run`, `lifeline ensemble` or `lifeline compare`.
    pub dir: PathBuf,
    /// The HTML file to write (default: DIR/report.html).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: ReportArgs) -> Result<()> {
    let out = args.out.unwrap_or_else(|| args.dir.join("report.html"));
    lifeline_report::write_report(&args.dir, &out)
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
