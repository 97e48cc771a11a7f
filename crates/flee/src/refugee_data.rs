//! UNHCR registration data (`source_data/`): Flee's `DataTable`/`RefugeeTable` reading rules.
//!
//! Kept from Flee (Groen et al., BSD-3-Clause, `flee/datamanager/DataTable.py` and
//! `handle_refugee_data.py`): counts are divided by `hasten` as floating-point numbers, dates
//! become day offsets from the start date, values between data points are linearly
//! interpolated and truncated to integers, values before the first point take the first value
//! and values after the last take the last, and `registration_corrections.csv` rescales every
//! row before a correction date by `value(correction date) / value(row before)`.

use std::collections::BTreeMap;

use crate::error::{FleeError, Result};
use crate::input::{DataLayoutRow, RegistrationCorrection};
use crate::text::{Date, parse_int, read_rows};

/// One data series: `(day offset, count / hasten)` points in file order.
pub type Series = Vec<(f64, f64)>;

/// The data series named in `data_layout.csv`, in layout order.
#[derive(Debug, Clone, PartialEq)]
pub struct RefugeeTable {
    names: Vec<String>,
    series: Vec<Series>,
}

/// Reads one data file (`date,count` rows) into a series.
pub fn parse_series(file: &str, text: &str, start: Date, hasten: i64) -> Result<Series> {
    let mut series = Vec::new();
    for (index, row) in read_rows(file, text)?.into_iter().enumerate() {
        if row.fields.len() < 2 {
            continue;
        }
        let first = &row.fields[0];
        // Flee skips a first row whose first field is empty, `DateTime` or `Date` (a header).
        if index == 0 && (first.is_empty() || first == "DateTime" || first == "Date") {
            continue;
        }
        if first.is_empty() {
            return Err(FleeError::row(file, row.line, "the date column is empty"));
        }
        if first.starts_with('#') || row.fields[1].is_empty() {
            continue;
        }
        let date = Date::parse(first).ok_or_else(|| {
            FleeError::row(
                file,
                row.line,
                format!("`{first}` is not a YYYY-MM-DD date"),
            )
        })?;
        let count = parse_int(file, row.line, "count", &row.fields[1])?;
        if !(0..=crate::input::MAX_PEOPLE).contains(&count) {
            return Err(FleeError::row(
                file,
                row.line,
                format!(
                    "the count must be from 0 to {} (more than live on Earth), found {count}",
                    crate::input::MAX_PEOPLE
                ),
            ));
        }
        // Python true division of two integers: the correctly rounded quotient.
        series.push((date.days_since(start) as f64, count as f64 / hasten as f64));
    }
    if series.is_empty() {
        return Err(FleeError::file(file, "no data rows"));
    }
    Ok(series)
}

/// Flee's `AddCSVTables`: adds a second series onto the first for camps whose data come in
/// several files. Flee's stepping rules are kept, including that points of the second series
/// beyond the end of the first are dropped.
fn add_series(first: &Series, second: &Series) -> Series {
    let mut total = Vec::new();
    let mut offset = 0;
    let mut last_second = (0.0, 0.0);
    for &point in second {
        while point.0 > first[offset].0 {
            total.push((first[offset].0, last_second.1 + first[offset].1));
            if offset < first.len() - 1 {
                offset += 1;
            } else {
                break;
            }
        }
        if point.0 == first[offset].0 {
            total.push((point.0, point.1 + first[offset].1));
            if offset < first.len() - 1 {
                offset += 1;
            }
            last_second = point;
            continue;
        }
        if point.0 < first[offset].0 {
            total.push((point.0, point.1 + first[offset].1));
            last_second = point;
        }
    }
    total
}

impl RefugeeTable {
    /// Builds the table from the parsed layout and the text of every file it names
    /// (`files` maps a file name as written in the layout to its text).
    pub fn from_layout(
        layout: &[DataLayoutRow],
        files: &BTreeMap<String, String>,
        start: Date,
        hasten: i64,
    ) -> Result<RefugeeTable> {
        let mut names = Vec::new();
        let mut series = Vec::new();
        for row in layout {
            let mut combined: Option<Series> = None;
            for file in &row.files {
                let text = files.get(file).ok_or_else(|| {
                    FleeError::file(
                        file,
                        format!("data file for `{}` was not provided", row.name),
                    )
                })?;
                let next = parse_series(file, text, start, hasten)?;
                combined = Some(match combined {
                    None => next,
                    Some(first) => add_series(&first, &next),
                });
            }
            names.push(row.name.clone());
            series.push(combined.unwrap_or_default());
        }
        Ok(RefugeeTable { names, series })
    }

    /// Builds a table directly from series (for tests and programmatic use).
    pub fn from_series(entries: Vec<(String, Series)>) -> RefugeeTable {
        let (names, series) = entries.into_iter().unzip();
        RefugeeTable { names, series }
    }

    /// Series names in layout order (Flee expects `total` first).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Index of a named series.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Applies `registration_corrections.csv` (Flee's `correctLevel1Registrations`).
    pub fn apply_registration_corrections(
        &mut self,
        file: &str,
        corrections: &[RegistrationCorrection],
        start: Date,
    ) -> Result<()> {
        for correction in corrections {
            let index = self.index_of(&correction.name).ok_or_else(|| {
                FleeError::row(
                    file,
                    correction.line,
                    format!("`{}` is not a series in data_layout.csv", correction.name),
                )
            })?;
            let day = correction.date.days_since(start);
            if day < 0 {
                // Corrections dated before the simulation starts are ignored.
                continue;
            }
            let series = &mut self.series[index];
            let mut applied = false;
            for i in 0..series.len() {
                if series[i].0.trunc() as i64 == day && i > 0 {
                    // Flee adds the day-0 population here, which is still empty when the
                    // corrections are read, so the ratio is of the raw values.
                    let first_corrected = series[i].1;
                    let last_uncorrected = series[i - 1].1;
                    if last_uncorrected < 1.0 {
                        return Err(FleeError::row(
                            file,
                            correction.line,
                            format!(
                                "the value before {} in `{}` is below 1; cannot rescale",
                                correction.date, correction.name
                            ),
                        ));
                    }
                    let factor = first_corrected / last_uncorrected;
                    for point in &mut series[..i] {
                        point.1 *= factor;
                    }
                    applied = true;
                }
            }
            if !applied {
                return Err(FleeError::row(
                    file,
                    correction.line,
                    format!(
                        "`{}` has no data point on {} after its first one (Flee needs one to rescale)",
                        correction.name, correction.date
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Flee's `get_interpolated_data`: the series' value on `day`, linearly interpolated and
    /// truncated to an integer.
    pub fn value(&self, index: usize, day: i64) -> i64 {
        let series = &self.series[index];
        let Some(&(first_day, first_value)) = series.first() else {
            return 0;
        };
        let day_f = day as f64;
        if day_f <= first_day {
            return first_value.trunc() as i64;
        }
        for window in series.windows(2) {
            let (old_day, old_value) = window[0];
            let (next_day, next_value) = window[1];
            if day_f < next_day {
                let fraction = (day_f - old_day) / (next_day - old_day);
                return (old_value + fraction * (next_value - old_value)).trunc() as i64;
            }
        }
        series[series.len() - 1].1.trunc() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> Date {
        Date::parse("2012-02-29").expect("valid")
    }

    #[test]
    fn series_skip_headers_and_divide_by_hasten() {
        let text = "#DateTime,count\n2012-02-29,1175\n2012-03-31,804\n";
        let series = parse_series("nig-abala.csv", text, start(), 10).expect("valid");
        assert_eq!(series, vec![(0.0, 117.5), (31.0, 80.4)]);
        let text = "DateTime,x\n2012-02-29,10\n,\n";
        let err = parse_series("a.csv", text, start(), 1).expect_err("empty date");
        assert!(err.to_string().starts_with("a.csv:3:"), "{err}");
        let err = parse_series("a.csv", "Date,x\n2012-02-30,10\n", start(), 1).expect_err("date");
        assert!(err.to_string().starts_with("a.csv:2:"), "{err}");
        let err = parse_series("a.csv", "Date,x\n2012-03-01,ten\n", start(), 1).expect_err("count");
        assert!(err.to_string().starts_with("a.csv:2:"), "{err}");
    }

    #[test]
    fn interpolation_truncates_and_clamps() {
        let table =
            RefugeeTable::from_series(vec![("A".into(), vec![(0.0, 1779.0), (7.0, 2299.6)])]);
        assert_eq!(table.value(0, -3), 1779);
        assert_eq!(table.value(0, 1), 1853);
        assert_eq!(table.value(0, 7), 2299);
        assert_eq!(table.value(0, 100), 2299);
    }

    #[test]
    fn corrections_rescale_earlier_rows() {
        let mut table = RefugeeTable::from_series(vec![(
            "A".into(),
            vec![(0.0, 100.0), (10.0, 200.0), (20.0, 50.0)],
        )]);
        let correction = RegistrationCorrection {
            line: 1,
            name: "A".into(),
            date: start().plus_days(20),
        };
        table
            .apply_registration_corrections("rc.csv", &[correction], start())
            .expect("valid");
        assert_eq!(table.value(0, 0), 25);
        assert_eq!(table.value(0, 10), 50);
    }

    #[test]
    fn added_series() {
        let first = vec![(0.0, 1.0), (10.0, 2.0)];
        let second = vec![(0.0, 10.0), (5.0, 20.0), (10.0, 30.0)];
        assert_eq!(
            add_series(&first, &second),
            vec![(0.0, 11.0), (5.0, 22.0), (10.0, 32.0)]
        );
    }
}
