//! The tables of `lifeline calibrate`, `lifeline validate` and `lifeline sensitivity` read into
//! the report's JSON document (the "Calibration and validation" and "Sensitivity" sections).
//!
//! - `posterior`: `posterior.csv` of the folder, or the posterior a run drew from (supplied by
//!   the caller from the scenario): `{file, origin, hash, particles, weights, distances,
//!   parameters: [{name, values, prior}]}`, one value per particle;
//! - `fit`: one row per target from `fit.csv` (calibrate) and `validate.csv` (validate), each
//!   with `set` (calibration or validation), `parameters` (posterior or fixed), observed range,
//!   the model's 5/50/95% quantiles and whether that band meets the observation;
//! - `diagnostics`: one row per ABC-SMC generation from `diagnostics.csv`;
//! - `sobol`: one row per target and parameter from `sobol.csv`.
//!
//! Every number is checked: a cell that is not one stops the report with the file, line and
//! column that hold it.

use crate::ReportError;
use crate::inputs::{Supplements, Table, num_value};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::path::Path;

/// At most this many particles of a calibration's own posterior are embedded (one row per
/// particle; the shipped Mali posterior has 2,000).
pub const MAX_PARTICLES: usize = 20_000;
/// At most this many particles of the posterior a run, ensemble or validation drew from: there
/// the posterior is context, and a run's page must stay under 1 MiB. The particles of a
/// calibration are written in no order of value or weight, so the first ones are a fair
/// sample (their weights kept).
pub const MAX_SUPPLIED_PARTICLES: usize = 500;

/// A number cell: `None` when empty or not finite (a quantity that never happened is written
/// `NaN`, generation 0's tolerance `inf`), an error naming the cell when it is not a number.
fn cell_number(
    table: &Table,
    row: &csv::StringRecord,
    col: usize,
) -> Result<Option<f64>, ReportError> {
    let text = row.get(col).unwrap_or("").trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(Some(x)),
        Ok(_) => Ok(None),
        Err(_) => Err(ReportError::BadNumber {
            path: table.path.clone(),
            line: row.position().map_or(0, |p| p.line()),
            column: col + 1,
            field: table.header.get(col).cloned().unwrap_or_default(),
            value: text.to_string(),
        }),
    }
}

fn json_number(x: Option<f64>) -> Value {
    x.map_or(Value::Null, num_value)
}

/// Significant digits kept of a posterior's numbers: enough to draw a histogram or a scatter
/// plot, and a 2,000-particle posterior adds about 110 kB to the page instead of 280 kB.
pub const POSTERIOR_DIGITS: usize = 4;

/// `x` rounded to `digits` significant digits.
fn significant(x: f64, digits: usize) -> f64 {
    format!("{:.*e}", digits.saturating_sub(1), x)
        .parse()
        .unwrap_or(x)
}

fn rounded(x: Option<f64>) -> Value {
    json_number(x.map(|x| significant(x, POSTERIOR_DIGITS)))
}

/// A `true`/`false` cell (`inside`); anything else is an error naming the cell.
fn cell_bool(
    table: &Table,
    row: &csv::StringRecord,
    col: usize,
) -> Result<Option<bool>, ReportError> {
    let text = row.get(col).unwrap_or("").trim();
    match text.to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "yes" | "1" => Ok(Some(true)),
        "false" | "no" | "0" => Ok(Some(false)),
        _ => Err(ReportError::BadValue {
            path: table.path.clone(),
            line: row.position().map_or(0, |p| p.line()),
            column: col + 1,
            field: table.header.get(col).cloned().unwrap_or_default(),
            value: text.to_string(),
            expected: "true or false",
        }),
    }
}

/// Rows that are not blank.
fn data_rows(table: &Table) -> impl Iterator<Item = &csv::StringRecord> {
    table
        .rows
        .iter()
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
}

/// The columns of a posterior that are not parameters.
const POSTERIOR_OTHER_COLUMNS: &[&str] = &["particle", "weight", "distance"];

/// A posterior table (as `lifeline calibrate` writes it) as the document's `posterior`.
pub(crate) fn posterior(
    table: &Table,
    origin: &str,
    hash: Option<&str>,
    supplements: &Supplements,
    max_particles: usize,
    run_particle: Option<usize>,
) -> Result<Value, ReportError> {
    let weight_col = table.require("weight")?;
    let distance_col = table.col("distance");
    let parameter_cols: Vec<usize> = (0..table.header.len())
        .filter(|&i| {
            !POSTERIOR_OTHER_COLUMNS
                .iter()
                .any(|c| table.header[i].eq_ignore_ascii_case(c))
        })
        .collect();
    if parameter_cols.is_empty() {
        return Err(ReportError::MissingColumn {
            path: table.path.clone(),
            column: "a parameter (e.g. threat.hazard_scale)".to_string(),
        });
    }
    let mut weights = Vec::new();
    let mut distances = Vec::new();
    let mut values: Vec<Vec<Value>> = vec![Vec::new(); parameter_cols.len()];
    let mut particles = 0usize;
    let mut run_values = None;
    for row in data_rows(table) {
        let index = particles;
        particles += 1;
        // Every row is checked, even those past what is embedded.
        let weight = cell_number(table, row, weight_col)?;
        let distance = distance_col
            .map(|c| cell_number(table, row, c))
            .transpose()?
            .flatten();
        let mut row_values = Vec::with_capacity(parameter_cols.len());
        for &c in &parameter_cols {
            row_values.push(cell_number(table, row, c)?);
        }
        if run_particle == Some(index) {
            run_values = Some(row_values.iter().map(|&v| rounded(v)).collect::<Vec<_>>());
        }
        if particles > max_particles {
            continue;
        }
        weights.push(rounded(weight));
        distances.push(rounded(distance));
        for (k, v) in row_values.into_iter().enumerate() {
            values[k].push(rounded(v));
        }
    }
    let parameters: Vec<Value> = parameter_cols
        .iter()
        .zip(values)
        .map(|(&c, values)| {
            let name = &table.header[c];
            let prior = supplements
                .priors
                .iter()
                .find(|p| &p.parameter == name)
                .map_or(Value::Null, |p| {
                    json!({
                        "distribution": p.distribution,
                        "min": num_value(p.min),
                        "max": num_value(p.max),
                        "mean": p.mean.map(num_value),
                        "sd": p.sd.map(num_value),
                    })
                });
            json!({"name": name, "values": values, "prior": prior})
        })
        .collect();
    Ok(json!({
        "file": table.path.file_name().map(|f| f.to_string_lossy().into_owned()),
        "origin": origin,
        "hash": hash,
        "particles": particles,
        "embedded_particles": particles.min(max_particles),
        // The particle a single run used (its row, from 0), embedded even past the others.
        "run_particle": match (run_particle, run_values) {
            (Some(index), Some(values)) => json!({"index": index, "values": values}),
            _ => Value::Null,
        },
        "weights": weights,
        "distances": if distance_col.is_some() { Value::Array(distances) } else { Value::Null },
        "parameters": parameters,
    }))
}

/// The model's 5/50/95% columns of a fit table: `model_p05`… (fit.csv) or `p05`… (validate.csv).
fn band_columns(table: &Table) -> Result<[usize; 3], ReportError> {
    let mut out = [0; 3];
    for (slot, q) in out.iter_mut().zip(["p05", "p50", "p95"]) {
        *slot = match table.col(&format!("model_{q}")) {
            Some(c) => c,
            None => table.require(q)?,
        };
    }
    Ok(out)
}

/// Which rows a fit table holds: each row's `set` column when there is one (`calibration` or
/// `validation`), else `default_set`.
pub(crate) fn fit_rows(
    table: &Table,
    default_set: &str,
    default_parameters: &str,
    supplements: &Supplements,
) -> Result<Vec<Value>, ReportError> {
    let target_col = table.require("target")?;
    let low_col = table.require("observed_low")?;
    let high_col = table.require("observed_high")?;
    let [p05_col, p50_col, p95_col] = band_columns(table)?;
    let uncertainty_col = table.col("uncertainty");
    let inside_col = table.col("inside");
    let mean_col = table.col("mean");
    let share_col = table.col("share_of_runs_inside");
    let set_col = table.col("set");
    let parameters_col = table.col("parameters");
    let source_col = table.col("source");
    let text = |row: &csv::StringRecord, col: Option<usize>| -> Option<String> {
        col.and_then(|c| row.get(c))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
    };
    let mut out = Vec::new();
    for row in data_rows(table) {
        let target = text(row, Some(target_col)).unwrap_or_default();
        let low = cell_number(table, row, low_col)?;
        let high = cell_number(table, row, high_col)?;
        let band = [
            cell_number(table, row, p05_col)?,
            cell_number(table, row, p50_col)?,
            cell_number(table, row, p95_col)?,
        ];
        let inside = match inside_col {
            Some(c) => cell_bool(table, row, c)?,
            None => None,
        };
        // validate.csv has no `inside`: the same rule as fit.csv, the band meets the range.
        let inside = inside.or(match (band[0], band[2], low, high) {
            (Some(a), Some(b), Some(lo), Some(hi)) => Some(a <= hi && b >= lo),
            _ => None,
        });
        let uncertainty = uncertainty_col
            .map(|c| cell_number(table, row, c))
            .transpose()?
            .flatten();
        let mean = mean_col
            .map(|c| cell_number(table, row, c))
            .transpose()?
            .flatten();
        let share = share_col
            .map(|c| cell_number(table, row, c))
            .transpose()?
            .flatten();
        let source = text(row, source_col)
            .or_else(|| supplements.target_sources.get(&target).cloned())
            .unwrap_or_default();
        out.push(json!({
            "target": target,
            "set": text(row, set_col).unwrap_or_else(|| default_set.to_string()),
            "parameters": text(row, parameters_col).unwrap_or_else(|| default_parameters.to_string()),
            "observed_low": json_number(low),
            "observed_high": json_number(high),
            "uncertainty": json_number(uncertainty),
            "p05": json_number(band[0]),
            "p50": json_number(band[1]),
            "p95": json_number(band[2]),
            "inside": inside,
            "mean": json_number(mean),
            "share_of_runs_inside": json_number(share),
            "source": source,
            "table": table.path.file_name().map(|f| f.to_string_lossy().into_owned()),
        }));
    }
    Ok(out)
}

/// Reads the named columns of every row as numbers (text columns as they are): `required`
/// must be there, `optional` may be missing.
fn numeric_rows(
    table: &Table,
    text_cols: &[&str],
    required: &[&str],
    optional: &[&str],
) -> Result<Vec<Value>, ReportError> {
    let texts = text_cols
        .iter()
        .map(|name| table.require(name).map(|c| (*name, c)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut numbers = required
        .iter()
        .map(|name| table.require(name).map(|c| (*name, c)))
        .collect::<Result<Vec<_>, _>>()?;
    numbers.extend(
        optional
            .iter()
            .filter_map(|name| table.col(name).map(|c| (*name, c))),
    );
    let mut out = Vec::new();
    for row in data_rows(table) {
        let mut m = Map::new();
        for &(name, c) in &texts {
            m.insert(name.into(), Value::from(row.get(c).unwrap_or("").trim()));
        }
        for &(name, c) in &numbers {
            m.insert(name.into(), json_number(cell_number(table, row, c)?));
        }
        out.push(Value::Object(m));
    }
    Ok(out)
}

/// `diagnostics.csv`: one row per generation.
pub(crate) fn diagnostics(table: &Table) -> Result<Vec<Value>, ReportError> {
    numeric_rows(
        table,
        &[],
        &[
            "generation",
            "tolerance",
            "acceptance_rate",
            "effective_sample_size",
        ],
        &["proposals", "simulated", "stopped_early", "accepted"],
    )
}

/// `sobol.csv`: one row per target and parameter.
pub(crate) fn sobol(table: &Table) -> Result<Vec<Value>, ReportError> {
    numeric_rows(
        table,
        &["target", "parameter"],
        &["first_order", "total"],
        &[
            "first_order_low",
            "first_order_high",
            "total_low",
            "total_high",
        ],
    )
}

/// The tables of calibrate, validate and sensitivity that a folder holds (each optional).
pub(crate) struct CalibrationTables {
    pub posterior: Option<Table>,
    pub fit: Option<Table>,
    pub validate: Option<Table>,
    pub diagnostics: Option<Table>,
    pub sobol: Option<Table>,
}

impl CalibrationTables {
    pub fn read(dir: &Path) -> Result<CalibrationTables, ReportError> {
        Ok(CalibrationTables {
            posterior: Table::read(&dir.join("posterior.csv"))?,
            fit: Table::read(&dir.join("fit.csv"))?,
            validate: Table::read(&dir.join("validate.csv"))?,
            diagnostics: Table::read(&dir.join("diagnostics.csv"))?,
            sobol: Table::read(&dir.join("sobol.csv"))?,
        })
    }

    pub fn any(&self) -> bool {
        self.posterior.is_some()
            || self.fit.is_some()
            || self.validate.is_some()
            || self.diagnostics.is_some()
            || self.sobol.is_some()
    }

    /// `calibration` and `sensitivity` of the document, each null when there is nothing to
    /// show. `recorded` is the posterior a folder's manifest names (file and hash), shown with
    /// the posterior the caller supplied; `run_particle` the particle a single run used.
    pub fn to_json(
        &self,
        supplements: &Supplements,
        recorded: Option<(&str, &str)>,
        run_particle: Option<usize>,
    ) -> Result<(Value, Value), ReportError> {
        let posterior = match (&self.posterior, &supplements.posterior) {
            (Some(t), _) => Some(posterior(
                t,
                "this folder",
                None,
                supplements,
                MAX_PARTICLES,
                None,
            )?),
            (None, Some(p)) => {
                let table = Table::parse(&p.text, Path::new(&p.file))?;
                let hash = recorded.map(|(_, h)| h);
                Some(posterior(
                    &table,
                    "the scenario",
                    hash,
                    supplements,
                    MAX_SUPPLIED_PARTICLES,
                    run_particle,
                )?)
            }
            (None, None) => None,
        };
        let mut fit = Vec::new();
        if let Some(t) = &self.fit {
            fit.extend(fit_rows(t, "calibration", "posterior", supplements)?);
        }
        if let Some(t) = &self.validate {
            fit.extend(fit_rows(t, "calibration", "fixed", supplements)?);
        }
        let diagnostics = self.diagnostics.as_ref().map(diagnostics).transpose()?;
        let calibration = if posterior.is_none() && fit.is_empty() && diagnostics.is_none() {
            Value::Null
        } else {
            let sets: BTreeSet<&str> = fit
                .iter()
                .filter_map(|r| r.get("set").and_then(Value::as_str))
                .collect();
            json!({
                "posterior": posterior,
                "fit": fit,
                "sets": sets,
                "diagnostics": diagnostics,
            })
        };
        let sensitivity = match &self.sobol {
            Some(t) => json!({ "indices": sobol(t)?, "file": "sobol.csv" }),
            None => Value::Null,
        };
        Ok((calibration, sensitivity))
    }
}

#[cfg(test)]
mod tests {
    use super::significant;

    #[test]
    fn posterior_numbers_keep_four_significant_digits() {
        assert_eq!(significant(1.0531773277049243, 4), 1.053);
        assert_eq!(significant(0.00041529544579572877, 4), 0.0004153);
        assert_eq!(significant(74.66756059108793, 4), 74.67);
        assert_eq!(significant(-12346.0, 4), -12350.0);
        assert_eq!(significant(0.0, 4), 0.0);
    }
}
