//! `lifeline report` (placeholder until its issue lands).

#[derive(clap::Args)]
pub struct ReportArgs {}

pub fn run(_args: ReportArgs) -> anyhow::Result<()> {
    anyhow::bail!("`lifeline report` is not implemented yet")
}
