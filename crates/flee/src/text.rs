//! Low-level text helpers that mirror how Flee (Python) reads its CSV files: the `csv`
//! module's quoting rules, `int()`/`float()` conversions and `%Y-%m-%d` dates.

use crate::error::{FleeError, Result};

/// One CSV record with the 1-based line on which it starts.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub line: u64,
    pub fields: Vec<String>,
}

impl Row {
    /// Field `index`, or an error naming the file and line when the row is too short.
    pub fn field(&self, file: &str, index: usize, what: &str) -> Result<&str> {
        self.fields.get(index).map(String::as_str).ok_or_else(|| {
            FleeError::row(
                file,
                self.line,
                format!(
                    "expected a `{what}` value in column {} but the row has only {} column(s)",
                    index + 1,
                    self.fields.len()
                ),
            )
        })
    }

    /// Flee skips rows that are empty or whose first field starts with `#`. A row whose first
    /// field is empty makes Flee crash (`row[0][0]`), so it is an error here.
    pub fn is_comment(&self, file: &str) -> Result<bool> {
        match self.fields.first() {
            None => Ok(true),
            Some(first) if first.is_empty() => Err(FleeError::row(
                file,
                self.line,
                "the first column is empty (Flee cannot read such a row)",
            )),
            Some(first) => Ok(first.starts_with('#')),
        }
    }
}

/// Splits `text` into CSV records the way Python's `csv.reader` does (blank lines skipped).
pub(crate) fn read_rows(file: &str, text: &str) -> Result<Vec<Row>> {
    // Line numbers come from byte offsets: the csv crate does not count skipped blank lines.
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let bytes = text.as_bytes();
    let line_of = |byte: u64| {
        // A record's position may point at blank lines the reader skipped before it.
        let mut at = byte as usize;
        while at < bytes.len() && (bytes[at] == b'\n' || bytes[at] == b'\r') {
            at += 1;
        }
        line_starts.partition_point(|&start| start <= at) as u64
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let before = reader.position().byte();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let byte = record.position().map_or(before, |p| p.byte());
                rows.push(Row {
                    line: line_of(byte),
                    fields: record.iter().map(str::to_string).collect(),
                });
            }
            Err(err) => {
                let byte = err.position().map_or(before, |p| p.byte());
                return Err(FleeError::row(
                    file,
                    line_of(byte),
                    format!("unreadable CSV: {err}"),
                ));
            }
        }
    }
    Ok(rows)
}

/// Python's `int(text)` for decimal integers (surrounding whitespace allowed).
pub(crate) fn py_int(text: &str) -> Option<i64> {
    let trimmed = text.trim();
    if trimmed.contains('_') {
        return trimmed.replace('_', "").parse().ok();
    }
    trimmed.parse().ok()
}

/// Python's `float(text)` (surrounding whitespace allowed).
pub(crate) fn py_float(text: &str) -> Option<f64> {
    text.trim().parse().ok()
}

pub(crate) fn parse_int(file: &str, line: u64, what: &str, text: &str) -> Result<i64> {
    py_int(text).ok_or_else(|| {
        FleeError::row(
            file,
            line,
            format!("`{what}` must be an integer, found `{text}`"),
        )
    })
}

pub(crate) fn parse_float(file: &str, line: u64, what: &str, text: &str) -> Result<f64> {
    py_float(text).ok_or_else(|| {
        FleeError::row(
            file,
            line,
            format!("`{what}` must be a number, found `{text}`"),
        )
    })
}

/// A calendar date as a count of days since 1970-01-01 (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i64);

impl Date {
    /// Parses `%Y-%m-%d` as Python's `strptime` does (1- or 2-digit month and day accepted).
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.split('-');
        let year_text = parts.next()?;
        let month_text = parts.next()?;
        let day_text = parts.next()?;
        if parts.next().is_some()
            || year_text.len() != 4
            || !(1..=2).contains(&month_text.len())
            || !(1..=2).contains(&day_text.len())
        {
            return None;
        }
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(year_text) || !all_digits(month_text) || !all_digits(day_text) {
            return None;
        }
        let year: i64 = year_text.parse().ok()?;
        let month: u32 = month_text.parse().ok()?;
        let day: u32 = day_text.parse().ok()?;
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date(days_from_civil(year, month, day)))
    }

    /// The date `days` later.
    pub fn plus_days(self, days: i64) -> Date {
        Date(self.0 + days)
    }

    /// Whole days from `other` to `self` (`self - other`).
    pub fn days_since(self, other: Date) -> i64 {
        self.0 - other.0
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (year, month, day) = civil_from_days(self.0);
        write!(f, "{year:04}-{month:02}-{day:02}")
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's civil-date algorithms (public domain).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Formats a float the way Python's `repr` does for the values Flee prints
/// (shortest round-trip digits, always with a decimal point).
pub fn py_float_repr(value: f64) -> String {
    if value.is_nan() {
        return "nan".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    let abs = value.abs();
    if abs != 0.0 && !(1e-4..1e16).contains(&abs) {
        // Python switches to exponent notation outside [1e-4, 1e16).
        let text = format!("{value:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exponent.abs());
    }
    let text = format!("{value}");
    if text.contains('.') {
        text
    } else {
        format!("{text}.0")
    }
}

/// Python's `round(value, digits)` (correctly rounded through the exact decimal value).
pub fn py_round(value: f64, digits: usize) -> f64 {
    if !value.is_finite() {
        return value;
    }
    format!("{value:.digits$}").parse().unwrap_or(value)
}

/// numpy's `round(x, digits)` for a `float64` (what Flee's error columns use): scale by
/// `10^digits`, round half to even, scale back.
pub fn numpy_round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round_ties_even() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        let start = Date::parse("2012-02-29").expect("valid date");
        assert_eq!(start.to_string(), "2012-02-29");
        assert_eq!(start.plus_days(1).to_string(), "2012-03-01");
        assert_eq!(
            Date::parse("2012-12-31").expect("valid").days_since(start),
            306
        );
        assert_eq!(
            Date::parse("2013-2-1").expect("valid").to_string(),
            "2013-02-01"
        );
        assert!(Date::parse("2013-02-30").is_none());
        assert!(Date::parse("13-02-01").is_none());
    }

    #[test]
    fn python_float_formatting() {
        assert_eq!(py_float_repr(0.0), "0.0");
        assert_eq!(py_float_repr(1.0), "1.0");
        assert_eq!(py_float_repr(0.1234), "0.1234");
        assert_eq!(py_float_repr(12.5), "12.5");
        assert_eq!(py_float_repr(5e-5), "5e-05");
        assert_eq!(py_round(0.123456, 4), 0.1235);
        assert_eq!(py_round(2.0 / 3.0, 4), 0.6667);
        assert_eq!(numpy_round(2.0 / 3.0, 4), 0.6667);
        assert_eq!(numpy_round(0.00005, 4), 0.0);
    }

    #[test]
    fn python_int_conversion() {
        assert_eq!(py_int(" 42 "), Some(42));
        assert_eq!(py_int("-3"), Some(-3));
        assert_eq!(py_int("4.0"), None);
        assert_eq!(py_int(""), None);
    }

    #[test]
    fn csv_rows_keep_line_numbers_and_unquote() {
        let rows = read_rows("x.csv", "\"#a\",b\n\n1,\"two, three\"\n").expect("valid csv");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].fields[0], "#a");
        assert_eq!(rows[1].line, 3);
        assert_eq!(rows[1].fields[1], "two, three");
    }
}
