//! `lifeline flee` (placeholder until its issue lands).

#[derive(clap::Args)]
pub struct FleeArgs {}

pub fn run(_args: FleeArgs) -> anyhow::Result<()> {
    anyhow::bail!("`lifeline flee` is not implemented yet")
}
