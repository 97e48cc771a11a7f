//! `lifeline ensemble` (placeholder until its issue lands).

#[derive(clap::Args)]
pub struct EnsembleArgs {}

pub fn run(_args: EnsembleArgs) -> anyhow::Result<()> {
    anyhow::bail!("`lifeline ensemble` is not implemented yet")
}
