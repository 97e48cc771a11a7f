//! `lifeline compare` (placeholder until its issue lands).

#[derive(clap::Args)]
pub struct CompareArgs {}

pub fn run(_args: CompareArgs) -> anyhow::Result<()> {
    anyhow::bail!("`lifeline compare` is not implemented yet")
}
