//! Named-column access to a CSV table with located errors: shared by every CSV reader.

use crate::error::InputError;
use std::collections::HashMap;

/// Column positions of a table, checked against the required names.
pub(crate) struct Columns<'a> {
    file: &'a str,
    index: HashMap<String, usize>,
}

/// A CSV reader that accepts ragged rows and a leading byte-order mark.
pub(crate) fn reader(text: &str) -> csv::Reader<&[u8]> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes())
}

/// A CSV syntax error at its line.
pub(crate) fn csv_error(file: &str, e: &csv::Error) -> InputError {
    let line = e.position().map_or(1, |p| p.line());
    InputError::new(file, line, "(row)", format!("not valid CSV: {e}"))
}

/// The 1-based line of a record.
pub(crate) fn line_of(row: &csv::StringRecord) -> u64 {
    row.position().map_or(0, |p| p.line())
}

impl<'a> Columns<'a> {
    /// Reads the header of `rdr`; `what` names the table in the message for missing columns.
    pub(crate) fn from_header(
        file: &'a str,
        rdr: &mut csv::Reader<&[u8]>,
        required: &[&str],
        what: &str,
    ) -> Result<Self, InputError> {
        let headers = rdr.headers().map_err(|e| csv_error(file, &e))?;
        let index: HashMap<String, usize> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim().to_string(), i))
            .collect();
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|r| !index.contains_key(*r))
            .collect();
        if !missing.is_empty() {
            return Err(InputError::new(
                file,
                1,
                missing.join(", "),
                format!(
                    "required {what} column missing from the header (need at least: {})",
                    required.join(",")
                ),
            ));
        }
        Ok(Columns { file, index })
    }

    /// The trimmed text of a column ("" when absent).
    pub(crate) fn text<'r>(&self, row: &'r csv::StringRecord, name: &str) -> &'r str {
        self.index
            .get(name)
            .and_then(|&i| row.get(i))
            .map(str::trim)
            .unwrap_or("")
    }

    pub(crate) fn required<'r>(
        &self,
        row: &'r csv::StringRecord,
        name: &str,
    ) -> Result<&'r str, InputError> {
        let v = self.text(row, name);
        if v.is_empty() {
            Err(self.error(row, name, "a value is required"))
        } else {
            Ok(v)
        }
    }

    pub(crate) fn number(&self, row: &csv::StringRecord, name: &str) -> Result<f64, InputError> {
        let v = self.required(row, name)?;
        v.parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| self.error(row, name, format!("expected a number, found `{v}`")))
    }

    /// A latitude (`name` starting with "lat") or longitude, range-checked.
    pub(crate) fn coordinate(
        &self,
        row: &csv::StringRecord,
        name: &str,
    ) -> Result<f64, InputError> {
        let x = self.number(row, name)?;
        let (limit, what) = if name.starts_with("lat") {
            (90.0, "latitude")
        } else {
            (180.0, "longitude")
        };
        if (-limit..=limit).contains(&x) {
            Ok(x)
        } else {
            Err(self.error(
                row,
                name,
                format!("expected a {what} in [-{limit}, {limit}], found {x}"),
            ))
        }
    }

    /// A whole number ≥ 0; an empty cell is 0.
    pub(crate) fn count(&self, row: &csv::StringRecord, name: &str) -> Result<u64, InputError> {
        match self.text(row, name) {
            "" => Ok(0),
            v => v.parse::<u64>().map_err(|_| {
                self.error(
                    row,
                    name,
                    format!("expected a whole number ≥ 0, found `{v}`"),
                )
            }),
        }
    }

    pub(crate) fn error(
        &self,
        row: &csv::StringRecord,
        name: &str,
        message: impl Into<String>,
    ) -> InputError {
        InputError::new(self.file, line_of(row), name, message)
    }
}
