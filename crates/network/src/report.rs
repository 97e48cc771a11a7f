//! What an import kept and dropped, counted by reason, for the analyst to judge the result.

use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportReport {
    /// What was read, one line per source file.
    pub sources: Vec<String>,
    /// Counts of what went into the tables, in the order they were added.
    pub kept: Vec<(String, String)>,
    /// Counts of what was left out, by reason.
    pub dropped: BTreeMap<String, usize>,
    /// Things kept but worth a look (renamed places, unknown country names).
    pub notes: Vec<String>,
}

impl ImportReport {
    pub fn drop(&mut self, reason: impl Into<String>, count: usize) {
        if count > 0 {
            *self.dropped.entry(reason.into()).or_default() += count;
        }
    }

    pub fn keep(&mut self, what: impl Into<String>, value: impl fmt::Display) {
        self.kept.push((what.into(), value.to_string()));
    }

    pub fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }

    pub fn dropped_count(&self, reason_starts: &str) -> usize {
        self.dropped
            .iter()
            .filter(|(reason, _)| reason.starts_with(reason_starts))
            .map(|(_, n)| n)
            .sum()
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for source in &self.sources {
            writeln!(f, "read {source}")?;
        }
        writeln!(f, "kept:")?;
        for (what, value) in &self.kept {
            writeln!(f, "  {what}: {value}")?;
        }
        if self.dropped.is_empty() {
            writeln!(f, "dropped: nothing")?;
        } else {
            writeln!(f, "dropped:")?;
            for (reason, count) in &self.dropped {
                writeln!(f, "  {count:>8}  {reason}")?;
            }
        }
        const SHOWN: usize = 20;
        for note in self.notes.iter().take(SHOWN) {
            writeln!(f, "note: {note}")?;
        }
        if self.notes.len() > SHOWN {
            writeln!(f, "note: … and {} more", self.notes.len() - SHOWN)?;
        }
        Ok(())
    }
}
