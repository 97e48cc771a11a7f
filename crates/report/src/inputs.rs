//! What the report reads besides the folder's JSON: its CSV tables, read by header, and what a
//! caller may supply for the files a folder lacks. Shared by the folder's collection (`data`)
//! and the calibration tables (`calibration`).

use crate::ReportError;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The longest scenario a report shows (days).
pub const MAX_DAYS: usize = 20_000;

/// A CSV file read by header.
pub(crate) struct Table {
    pub(crate) path: PathBuf,
    pub(crate) header: Vec<String>,
    pub(crate) rows: Vec<csv::StringRecord>,
}

impl Table {
    pub(crate) fn read(path: &Path) -> Result<Option<Table>, ReportError> {
        if !path.is_file() {
            return Ok(None);
        }
        let file = std::fs::File::open(path).map_err(|source| ReportError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Table::from_reader(file, path).map(Some)
    }

    /// A table from text (e.g. a posterior the caller supplies), named `path` in messages.
    pub(crate) fn parse(text: &str, path: &Path) -> Result<Table, ReportError> {
        Table::from_reader(text.as_bytes(), path)
    }

    fn from_reader<R: std::io::Read>(source: R, path: &Path) -> Result<Table, ReportError> {
        let csv_err = |source| ReportError::Csv {
            path: path.to_path_buf(),
            source,
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(source);
        let header = reader
            .headers()
            .map_err(csv_err)?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        let mut rows = reader
            .records()
            .collect::<Result<Vec<_>, _>>()
            .map_err(csv_err)?;
        // A row of HXL hashtags under the header (`--hxl`) is not data.
        if rows.first().is_some_and(is_hxl_row) {
            rows.remove(0);
        }
        Ok(Table {
            path: path.to_path_buf(),
            header,
            rows,
        })
    }

    pub(crate) fn col(&self, name: &str) -> Option<usize> {
        self.header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
    }

    pub(crate) fn first_col(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.col(n))
    }

    pub(crate) fn require(&self, name: &str) -> Result<usize, ReportError> {
        self.col(name).ok_or_else(|| ReportError::MissingColumn {
            path: self.path.clone(),
            column: name.to_string(),
        })
    }

    pub(crate) fn day(
        &self,
        row_index: usize,
        row: &csv::StringRecord,
        col: usize,
    ) -> Result<usize, ReportError> {
        let text = row.get(col).unwrap_or("");
        let bad = || ReportError::BadDay {
            path: self.path.clone(),
            row: row_index + 2,
            value: text.to_string(),
        };
        let day: u64 = match text.parse::<u64>() {
            Ok(d) => d,
            Err(_) => {
                // Tolerate "12.0".
                let f: f64 = text.parse().map_err(|_| bad())?;
                if f < 0.0 || f.fract() != 0.0 {
                    return Err(bad());
                }
                f as u64
            }
        };
        if day as usize >= MAX_DAYS {
            return Err(ReportError::TooManyDays {
                path: self.path.clone(),
                day,
                max: MAX_DAYS,
            });
        }
        Ok(day as usize)
    }

    pub(crate) fn raw(&self, max_rows: usize) -> Value {
        json!({
            "header": self.header,
            "rows": self.rows.iter().take(max_rows).map(|r| r.iter().collect::<Vec<_>>()).collect::<Vec<_>>(),
            "total_rows": self.rows.len(),
        })
    }
}

/// A row whose non-empty cells are all HXL hashtags (`#date`, `#indicator+stock_m3`).
fn is_hxl_row(row: &csv::StringRecord) -> bool {
    let mut cells = row.iter().filter(|c| !c.is_empty()).peekable();
    cells.peek().is_some() && cells.all(|c| c.starts_with('#'))
}

pub(crate) fn num_value(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        Value::from(x as i64)
    } else {
        serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
    }
}

/// What a caller may supply for the files an output folder lacks (an ensemble or compare
/// folder has no `network.geojson` or `scenario.toml`): the folder's own files win.
#[derive(Clone, Debug, Default)]
pub struct Supplements {
    /// A network as `network.geojson` holds it.
    pub network: Option<Value>,
    /// The scenario file's text.
    pub scenario_toml: Option<String>,
    /// Where they came from, shown in the page (e.g. "scenario mali-2025").
    pub origin: Option<String>,
    /// The posterior the folder's runs drew their parameters from (the scenario's
    /// `[calibration] posterior`), for a folder that records one but holds no posterior.csv.
    pub posterior: Option<SuppliedPosterior>,
    /// The priors of the scenario's `[[calibration.parameter]]`s: the range of each
    /// parameter's histogram.
    pub priors: Vec<PriorRange>,
    /// The `source` of each `[[calibration.target]]`, by name (validate.csv has none).
    pub target_sources: BTreeMap<String, String>,
    /// Notes shown in the page's header (e.g. why a posterior is not shown).
    pub notes: Vec<String>,
}

/// A posterior file's name (a path or `embedded:NAME`) and text.
#[derive(Clone, Debug, Default)]
pub struct SuppliedPosterior {
    pub file: String,
    pub text: String,
}

/// A parameter's prior: its distribution (`uniform`, `log_uniform`, `normal`) and bounds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PriorRange {
    /// The parameter's scenario key, as posterior.csv names its column.
    pub parameter: String,
    pub distribution: String,
    pub min: f64,
    pub max: f64,
    /// A normal prior's mean and standard deviation (before truncation).
    pub mean: Option<f64>,
    pub sd: Option<f64>,
}
