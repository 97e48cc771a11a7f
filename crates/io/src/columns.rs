//! Named-column access to a CSV table with located errors: shared by every CSV reader.
//!
//! Column names match whatever their case (`Population` is `population`); a required column
//! that is missing is reported with the nearest header as a likely typo.

use crate::error::InputError;
use crate::suggest;
use std::collections::HashMap;

/// Column positions of a table, checked against the required names.
pub(crate) struct Columns<'a> {
    file: &'a str,
    lines: &'a Lines,
    /// Lower-cased, trimmed header → position.
    index: HashMap<String, usize>,
    /// Headers as written in the file.
    headers: Vec<String>,
}

/// A table's text without its byte-order mark, and where each of its lines starts: lines are
/// counted from byte offsets, so `\r\n` files number their lines right (the csv crate's own
/// line count is one too low after a `\r\n`).
pub(crate) struct Lines {
    text: String,
    starts: Vec<usize>,
}

impl Lines {
    pub(crate) fn new(text: &str) -> Lines {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text).to_string();
        // A line ends at `\n`, or at a lone `\r` (old Mac files), as the csv crate reads them.
        let bytes = text.as_bytes();
        let starts = std::iter::once(0)
            .chain(bytes.iter().enumerate().filter_map(|(i, b)| {
                let lone_cr = *b == b'\r' && bytes.get(i + 1) != Some(&b'\n');
                (*b == b'\n' || lone_cr).then_some(i + 1)
            }))
            .collect();
        Lines { text, starts }
    }

    /// A CSV reader over the text that accepts ragged rows.
    pub(crate) fn reader(&self) -> csv::Reader<&[u8]> {
        csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(self.text.as_bytes())
    }

    /// The 1-based line of a record starting at a byte offset. After a `\r\n` the csv crate
    /// places the next record at the `\n`: line breaks there are skipped (a record never
    /// starts with one).
    fn line_at(&self, byte: u64) -> u64 {
        let mut byte = usize::try_from(byte).unwrap_or(usize::MAX);
        let bytes = self.text.as_bytes();
        while matches!(bytes.get(byte), Some(b'\r' | b'\n')) {
            byte += 1;
        }
        self.starts.partition_point(|&s| s <= byte) as u64
    }

    /// The 1-based line where a record starts.
    pub(crate) fn line_of(&self, row: &csv::StringRecord) -> u64 {
        row.position().map_or(1, |p| self.line_at(p.byte()))
    }

    /// A CSV syntax error at its line.
    pub(crate) fn csv_error(&self, file: &str, e: &csv::Error) -> InputError {
        let line = e.position().map_or(1, |p| self.line_at(p.byte()));
        InputError::new(file, line, "(row)", format!("not valid CSV: {e}"))
    }
}

/// Parses a whole number ≥ 0 written as an integer (`3`) or as a float with no fraction (`3.0`,
/// as spreadsheets and some exports write counts).
fn whole_number(text: &str) -> Option<u64> {
    if let Ok(n) = text.parse::<u64>() {
        return Some(n);
    }
    let x = text.parse::<f64>().ok()?;
    // 2^53: beyond it a float no longer holds every whole number exactly.
    let exact_limit = 9_007_199_254_740_992.0;
    (x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x <= exact_limit).then_some(x as u64)
}

impl<'a> Columns<'a> {
    /// Reads the header of `rdr`; `what` names the table in the message for missing columns.
    pub(crate) fn from_header(
        file: &'a str,
        lines: &'a Lines,
        rdr: &mut csv::Reader<&[u8]>,
        required: &[&str],
        what: &str,
    ) -> Result<Self, InputError> {
        let headers: Vec<String> = rdr
            .headers()
            .map_err(|e| lines.csv_error(file, &e))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        let mut index = HashMap::new();
        for (i, h) in headers.iter().enumerate() {
            // The first of two same-named columns wins, as before names were case-folded.
            index.entry(h.to_lowercase()).or_insert(i);
        }
        let columns = Columns {
            file,
            lines,
            index,
            headers,
        };
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|r| !columns.has(r))
            .collect();
        if missing.is_empty() {
            return Ok(columns);
        }
        let hints: String = missing
            .iter()
            .filter_map(|m| {
                suggest::did_you_mean(m, columns.headers.iter().map(String::as_str))
                    .map(|h| format!("; for `{m}`, did you mean `{h}`?"))
            })
            .collect();
        Err(InputError::new(
            file,
            1,
            missing.join(", "),
            format!(
                "required {what} column missing from the header (need at least: {}; found: \
                 {}){hints}",
                required.join(","),
                columns.headers.join(",")
            ),
        ))
    }

    /// Whether the table has a column of this name (any case).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.index.contains_key(&name.to_lowercase())
    }

    /// Headers as written in the file.
    pub(crate) fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Refuses a header that is not one of `known` but nearly is (`populaton`): a typo there
    /// would otherwise silently drop the column's values.
    pub(crate) fn refuse_near_misses(&self, known: &[&str]) -> Result<(), InputError> {
        for h in &self.headers {
            if known.iter().any(|k| k.eq_ignore_ascii_case(h)) {
                continue;
            }
            if let Some(k) = suggest::did_you_mean(h, known.iter().copied()) {
                return Err(InputError::new(
                    self.file,
                    1,
                    h.clone(),
                    format!(
                        "unknown column `{h}`: did you mean `{k}`? (columns read: {})",
                        known.join(", ")
                    ),
                ));
            }
        }
        Ok(())
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
                format!(
                    "expected a {what} in [-{limit}, {limit}], found {}",
                    crate::text::readable_number(x)
                ),
            ))
        }
    }

    /// A whole number in [0, `max`] (`3` or `3.0`); an empty cell is 0. `unit` names what is
    /// counted, for the message.
    pub(crate) fn count(
        &self,
        row: &csv::StringRecord,
        name: &str,
        max: u64,
        unit: &str,
    ) -> Result<u64, InputError> {
        let v = self.text(row, name);
        if v.is_empty() {
            return Ok(0);
        }
        match whole_number(v) {
            Some(n) if n <= max => Ok(n),
            Some(n) => Err(self.error(
                row,
                name,
                format!("expected at most {max} {unit}, found {n}"),
            )),
            None => Err(self.error(
                row,
                name,
                format!("expected a whole number of {unit} in [0, {max}], found `{v}`"),
            )),
        }
    }

    pub(crate) fn error(
        &self,
        row: &csv::StringRecord,
        name: &str,
        message: impl Into<String>,
    ) -> InputError {
        InputError::new(self.file, self.line_of(row), name, message)
    }

    /// The 1-based line where a record starts.
    pub(crate) fn line_of(&self, row: &csv::StringRecord) -> u64 {
        self.lines.line_of(row)
    }

    /// A CSV syntax error at its line.
    pub(crate) fn csv_error(&self, e: &csv::Error) -> InputError {
        self.lines.csv_error(self.file, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(lines: &Lines) -> (Vec<csv::StringRecord>, Result<Columns<'_>, InputError>) {
        let mut rdr = lines.reader();
        let cols = Columns::from_header("t.csv", lines, &mut rdr, &["name"], "test");
        let rows = rdr.records().map(|r| r.expect("valid row")).collect();
        (rows, cols)
    }

    #[test]
    fn line_numbers_are_right_with_lf_crlf_bom_and_quoted_newlines() {
        for newline in ["\n", "\r\n", "\r"] {
            let text = ["\u{feff}name,note", "A,x", "B,\"two", "lines\"", "C,y", ""].join(newline);
            let lines = Lines::new(&text);
            let (rows, _) = rows(&lines);
            let numbers: Vec<u64> = rows.iter().map(|r| lines.line_of(r)).collect();
            assert_eq!(numbers, vec![2, 3, 5], "newline {newline:?}");
        }
    }

    #[test]
    fn column_names_match_in_any_case() {
        let lines = Lines::new("Name,POPULATION\nA,7\n");
        let (rows, cols) = rows(&lines);
        let cols = cols.expect("name found");
        assert_eq!(cols.text(&rows[0], "population"), "7");
        assert_eq!(cols.count(&rows[0], "population", 10, "people"), Ok(7));
    }

    #[test]
    fn missing_column_suggests_the_nearest_header() {
        let lines = Lines::new("nmae,population\nA,7\n");
        let (_, cols) = rows(&lines);
        let err = cols.err().expect("missing");
        assert_eq!(err.field, "name");
        assert!(err.message.contains("did you mean `nmae`"), "{err}");
    }

    #[test]
    fn counts_accept_whole_floats_and_refuse_fractions_and_huge_values() {
        let lines = Lines::new("name,n\nA,3.0\nB,2.5\nC,18000000000000000000\nD,\nE,-1\n");
        let (rows, cols) = rows(&lines);
        let cols = cols.expect("valid");
        assert_eq!(cols.count(&rows[0], "n", 100, "people"), Ok(3));
        assert!(cols.count(&rows[1], "n", 100, "people").is_err());
        let err = cols.count(&rows[2], "n", 100, "people").expect_err("huge");
        assert!(err.message.contains("at most 100 people"), "{err}");
        assert_eq!(cols.count(&rows[3], "n", 100, "people"), Ok(0));
        assert!(cols.count(&rows[4], "n", 100, "people").is_err());
    }

    #[test]
    fn near_miss_headers_are_refused() {
        let lines = Lines::new("name,populaton\n");
        let (_, cols) = rows(&lines);
        let err = cols
            .expect("valid")
            .refuse_near_misses(&["name", "population"])
            .expect_err("typo");
        assert!(err.message.contains("did you mean `population`"), "{err}");
    }
}
