//! Parsers for Flee's input CSV files (`input_csv/`), each from the file's text.
//!
//! The parsers keep Flee's reading rules (Flee: Groen et al., BSD-3-Clause; see
//! `flee/InputGeography.py` and `flee/datamanager/read_period.py`): rows that are empty or whose
//! first field starts with `#` are skipped, extra header columns name custom attributes, values
//! are converted like Python's `int()`/`float()`. Malformed rows are errors that name the file
//! and the line.

use crate::error::{FleeError, Result};
use crate::text::{Date, parse_float, parse_int, read_rows};

/// The largest head count any input may give (a population, capacity or registered count):
/// more than live on Earth, so only a corrupt file reaches it.
pub const MAX_PEOPLE: i64 = 10_000_000_000;

/// One row of `locations.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct LocationRow {
    pub line: u64,
    pub name: String,
    pub region: String,
    pub country: String,
    /// Column 4 (`gps_x` in Flee's code, latitude in some case files).
    pub x: f64,
    /// Column 5.
    pub y: f64,
    pub location_type: String,
    /// `conflict_date` (only read for conflict zones, as Flee does).
    pub conflict_date: Option<i64>,
    /// `population` before the `hasten` division (capacity for camps); empty means 0.
    pub population: i64,
    /// Custom attribute columns (name, value).
    pub attributes: Vec<(String, String)>,
}

impl LocationRow {
    /// A custom attribute's value, if the column exists and is not empty.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, value)| key == name && !value.is_empty())
            .map(|(_, value)| value.as_str())
    }
}

/// Reads `locations.csv`.
pub fn parse_locations(file: &str, text: &str) -> Result<Vec<LocationRow>> {
    let mut attribute_columns: Vec<String> = Vec::new();
    let mut locations = Vec::new();
    for row in read_rows(file, text)? {
        if row.is_comment(file)? {
            // A header with more than 8 columns names custom attribute columns.
            if row.fields.len() > 8 {
                attribute_columns.extend(row.fields[8..].iter().cloned());
            }
            continue;
        }
        let line = row.line;
        let name = row.field(file, 0, "name")?.to_string();
        let region = row.field(file, 1, "region")?.to_string();
        let country = row.field(file, 2, "country")?.to_string();
        let x_text = row.field(file, 3, "gps_x")?;
        let y_text = row.field(file, 4, "gps_y")?;
        let x = if x_text.is_empty() {
            0.0
        } else {
            parse_float(file, line, "gps_x", x_text)?
        };
        let y = if y_text.is_empty() {
            0.0
        } else {
            parse_float(file, line, "gps_y", y_text)?
        };
        let location_type = row.field(file, 5, "location_type")?.to_string();
        let conflict_date_text = row.field(file, 6, "conflict_date")?;
        let conflict_date = if location_type.to_lowercase().contains("conflict") {
            Some(parse_int(file, line, "conflict_date", conflict_date_text)?)
        } else {
            None
        };
        let population_text = row.field(file, 7, "population")?;
        let population = if population_text.is_empty() {
            0
        } else {
            parse_int(file, line, "population", population_text)?
        };
        if !(0..=MAX_PEOPLE).contains(&population) {
            return Err(FleeError::row(
                file,
                line,
                format!(
                    "`population` must be from 0 to {MAX_PEOPLE} (more than live on Earth), \
                     found {population}"
                ),
            ));
        }
        let mut attributes = Vec::new();
        for (index, value) in row.fields.iter().enumerate().skip(8) {
            let column = attribute_columns.get(index - 8).ok_or_else(|| {
                FleeError::row(
                    file,
                    line,
                    format!(
                        "column {} has no name in the header (Flee cannot read this row)",
                        index + 1
                    ),
                )
            })?;
            attributes.push((column.clone(), value.clone()));
        }
        locations.push(LocationRow {
            line,
            name,
            region,
            country,
            x,
            y,
            location_type,
            conflict_date,
            population,
            attributes,
        });
    }
    if locations.is_empty() {
        return Err(FleeError::file(file, "no locations"));
    }
    Ok(locations)
}

/// One row of `routes.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteRow {
    pub line: u64,
    pub from: String,
    pub to: String,
    /// Length in km.
    pub distance: f64,
    /// `forced_redirection`: 0, 1 or 2 (empty or missing means 0).
    pub forced_redirection: i64,
    pub attributes: Vec<(String, String)>,
}

impl RouteRow {
    /// A custom attribute's value, if the column exists and is not empty.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, value)| key == name && !value.is_empty())
            .map(|(_, value)| value.as_str())
    }
}

/// Reads `routes.csv`.
pub fn parse_routes(file: &str, text: &str) -> Result<Vec<RouteRow>> {
    let mut attribute_columns: Vec<String> = Vec::new();
    let mut routes = Vec::new();
    for row in read_rows(file, text)? {
        if row.is_comment(file)? {
            if let Some(third) = row.fields.get(2) {
                // A header whose third column is not the distance means the rows have none:
                // Flee would read forced_redirection (0, 1 or 2) as the route length.
                if !third.to_lowercase().contains("dist") {
                    return Err(FleeError::row(
                        file,
                        row.line,
                        format!(
                            "the third column must be the distance in km (Flee's header is \
                             `#name1,name2,distance,forced_redirection`), found `{third}`; add \
                             a distance column"
                        ),
                    ));
                }
            }
            if row.fields.len() > 4 {
                attribute_columns.extend(row.fields[4..].iter().cloned());
            }
            continue;
        }
        let line = row.line;
        if row.fields.len() < 3 {
            return Err(FleeError::row(
                file,
                line,
                "no distance: each route needs `name1,name2,distance` (km)",
            ));
        }
        let from = row.field(file, 0, "name1")?.to_string();
        let to = row.field(file, 1, "name2")?.to_string();
        let distance = parse_float(file, line, "distance", row.field(file, 2, "distance")?)?;
        if !distance.is_finite() || distance < 0.0 {
            return Err(FleeError::row(
                file,
                line,
                format!("distance must be a finite number >= 0, found {distance:?}"),
            ));
        }
        let forced_redirection = match row.fields.get(3) {
            None => 0,
            Some(text) if text.is_empty() => 0,
            Some(text) => parse_int(file, line, "forced_redirection", text)?,
        };
        let mut attributes = Vec::new();
        for (index, value) in row.fields.iter().enumerate().skip(4) {
            let column = attribute_columns.get(index - 4).ok_or_else(|| {
                FleeError::row(
                    file,
                    line,
                    format!("column {} has no name in the header", index + 1),
                )
            })?;
            attributes.push((column.clone(), value.clone()));
        }
        routes.push(RouteRow {
            line,
            from,
            to,
            distance,
            forced_redirection,
            attributes,
        });
    }
    Ok(routes)
}

/// What a row of `closures.csv` closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClosureKind {
    /// All links between two countries, both ways.
    Country,
    /// All links into and out of a location.
    Location,
    /// One link (Flee closes only the `name2 → name1` direction; kept for fidelity).
    Link,
    /// A camp becomes a town.
    Camp,
    /// An IDP camp becomes a town.
    IdpCamp,
    /// Flee's `remove_forced_redirection`: clears a flag that movement does not use.
    RemoveForcedRedirection,
}

/// One row of `closures.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClosureRow {
    pub line: u64,
    pub kind: ClosureKind,
    pub name1: String,
    pub name2: String,
    /// Day the closure starts (inclusive).
    pub start: i64,
    /// Day it is lifted.
    pub end: i64,
}

/// Reads `closures.csv`.
pub fn parse_closures(file: &str, text: &str) -> Result<Vec<ClosureRow>> {
    let mut closures = Vec::new();
    for row in read_rows(file, text)? {
        if row.is_comment(file)? {
            continue;
        }
        let line = row.line;
        let kind_text = row.field(file, 0, "closure_type")?;
        let kind = match kind_text {
            "country" => ClosureKind::Country,
            "location" => ClosureKind::Location,
            "link" => ClosureKind::Link,
            "camp" => ClosureKind::Camp,
            "idpcamp" => ClosureKind::IdpCamp,
            "remove_forced_redirection" => ClosureKind::RemoveForcedRedirection,
            other => {
                return Err(FleeError::row(
                    file,
                    line,
                    format!("unknown closure type `{other}`"),
                ));
            }
        };
        closures.push(ClosureRow {
            line,
            kind,
            name1: row.field(file, 1, "name1")?.to_string(),
            name2: row.field(file, 2, "name2")?.to_string(),
            start: parse_int(
                file,
                line,
                "closure_start",
                row.field(file, 3, "closure_start")?,
            )?,
            end: parse_int(
                file,
                line,
                "closure_end",
                row.field(file, 4, "closure_end")?,
            )?,
        });
    }
    Ok(closures)
}

/// `conflicts.csv`: conflict intensity per location (columns) and day (rows).
#[derive(Debug, Clone, PartialEq)]
pub struct ConflictTable {
    /// Line of the header row.
    pub header_line: u64,
    /// Location names from the header (first column, the day, excluded).
    pub names: Vec<String>,
    /// One row per day, in file order, one intensity per name.
    pub days: Vec<Vec<f64>>,
    /// Line of each day's row.
    pub day_lines: Vec<u64>,
}

/// Reads `conflicts.csv`.
pub fn parse_conflicts(file: &str, text: &str) -> Result<ConflictTable> {
    parse_day_table(file, text, "conflict")
}

/// Reads DFlee's `flood_level.csv`: the same layout as `conflicts.csv` (a day column, then one
/// column per location), with a flood level per location and day.
pub fn parse_flood_levels(file: &str, text: &str) -> Result<ConflictTable> {
    parse_day_table(file, text, "flood level")
}

/// A table with a header of location names after a day column, and one row per day.
fn parse_day_table(file: &str, text: &str, what: &str) -> Result<ConflictTable> {
    let rows = read_rows(file, text)?;
    let mut rows = rows.into_iter();
    let header = rows
        .next()
        .ok_or_else(|| FleeError::file(file, "empty file: a header row is needed"))?;
    if header.fields.len() == 1 && header.fields[0].contains(';') {
        return Err(FleeError::row(
            file,
            header.line,
            format!(
                "the columns are separated by `;`, but Flee reads commas: the whole header would \
                 be one column and every {what} would be ignored; save the file with commas"
            ),
        ));
    }
    let columns: Vec<String> = header
        .fields
        .iter()
        .skip(1)
        .map(|h| h.trim().to_string())
        .collect();
    let names: Vec<String> = columns.iter().filter(|h| !h.is_empty()).cloned().collect();
    let mut days = Vec::new();
    let mut day_lines = Vec::new();
    for row in rows {
        let line = row.line;
        day_lines.push(line);
        let mut values = vec![0.0; names.len()];
        let mut seen = vec![false; names.len()];
        for (index, text) in row.fields.iter().enumerate().skip(1) {
            let column = columns
                .get(index - 1)
                .filter(|c| !c.is_empty())
                .ok_or_else(|| {
                    FleeError::row(
                        file,
                        line,
                        format!("column {} has no location name in the header", index + 1),
                    )
                })?;
            let position = names
                .iter()
                .position(|n| n == column)
                .ok_or_else(|| FleeError::row(file, line, "inconsistent header"))?;
            values[position] = parse_float(file, line, column, text)?;
            seen[position] = true;
        }
        if let Some(missing) = seen.iter().position(|s| !s) {
            return Err(FleeError::row(
                file,
                line,
                format!("no value for `{}`", names[missing]),
            ));
        }
        days.push(values);
    }
    Ok(ConflictTable {
        header_line: header.line,
        names,
        days,
        day_lines,
    })
}

/// `sim_period.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimPeriod {
    pub start_date: Date,
    pub length: i64,
}

/// Reads `sim_period.csv` (`StartDate,<date>` and `Length,<days>` rows).
pub fn parse_sim_period(file: &str, text: &str) -> Result<SimPeriod> {
    let mut start_date = None;
    let mut length = None;
    for row in read_rows(file, text)? {
        let key = row.field(file, 0, "key")?.to_lowercase();
        if key == "startdate" {
            let text = row.field(file, 1, "StartDate")?;
            start_date = Some(Date::parse(text).ok_or_else(|| {
                FleeError::row(file, row.line, format!("`{text}` is not a YYYY-MM-DD date"))
            })?);
        } else if key == "length" {
            length = Some(parse_int(
                file,
                row.line,
                "Length",
                row.field(file, 1, "Length")?,
            )?);
        }
    }
    Ok(SimPeriod {
        start_date: start_date.ok_or_else(|| FleeError::file(file, "no StartDate row"))?,
        length: length.ok_or_else(|| FleeError::file(file, "no Length row"))?,
    })
}

/// One row of `registration_corrections.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistrationCorrection {
    pub line: u64,
    pub name: String,
    pub date: Date,
}

/// Reads `registration_corrections.csv` (`name,date[,...]`).
pub fn parse_registration_corrections(
    file: &str,
    text: &str,
) -> Result<Vec<RegistrationCorrection>> {
    let mut corrections = Vec::new();
    for row in read_rows(file, text)? {
        // Flee reads every row with at least two fields; `#` lines are skipped here as a
        // courtesy (Flee would fail on them).
        if row.fields.len() < 2 || row.fields[0].starts_with('#') {
            continue;
        }
        let date_text = &row.fields[1];
        let date = Date::parse(date_text).ok_or_else(|| {
            FleeError::row(
                file,
                row.line,
                format!("`{date_text}` is not a YYYY-MM-DD date"),
            )
        })?;
        corrections.push(RegistrationCorrection {
            line: row.line,
            name: row.fields[0].clone(),
            date,
        });
    }
    Ok(corrections)
}

/// One row of `data_layout.csv`: a series name and the file(s) holding it.
#[derive(Debug, Clone, PartialEq)]
pub struct DataLayoutRow {
    pub line: u64,
    pub name: String,
    pub files: Vec<String>,
}

/// Reads `data_layout.csv` (in the source data directory).
pub fn parse_data_layout(file: &str, text: &str) -> Result<Vec<DataLayoutRow>> {
    let mut layout = Vec::new();
    for row in read_rows(file, text)? {
        if row.fields.len() < 2 {
            continue;
        }
        if row.is_comment(file)? {
            continue;
        }
        layout.push(DataLayoutRow {
            line: row.line,
            name: row.fields[0].clone(),
            files: row.fields[1..].to_vec(),
        });
    }
    if layout.is_empty() {
        return Err(FleeError::file(file, "no data series"));
    }
    Ok(layout)
}

/// A demographics file, `demographics_<attribute>.csv` (Flee's `demographics.py`): the column
/// named after the attribute holds its values; every other column holds the weight of each
/// value among the agents who appear at the location of that name, or, for `Default`, at any
/// location without a column of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct DemographicsTable {
    /// Line of the header row.
    pub header_line: u64,
    /// The weight columns (`Default` or a location name), in file order.
    pub columns: Vec<String>,
    pub rows: Vec<DemographicsRow>,
}

/// One value of a [`DemographicsTable`] and its weight in each column.
#[derive(Debug, Clone, PartialEq)]
pub struct DemographicsRow {
    pub line: u64,
    /// The attribute's value as written.
    pub value: String,
    /// One weight per column of [`DemographicsTable::columns`], each finite and >= 0.
    pub weights: Vec<f64>,
}

/// Reads a demographics file whose values are in the column `attribute`. Flee reads these
/// files with pandas: the first row is the header and `#` starts no comment.
pub fn parse_demographics(file: &str, text: &str, attribute: &str) -> Result<DemographicsTable> {
    let mut rows = read_rows(file, text)?.into_iter();
    let header = rows.next().ok_or_else(|| {
        FleeError::file(
            file,
            format!("empty file: a header `{attribute},Default,<location>,...` is needed"),
        )
    })?;
    let names: Vec<String> = header.fields.iter().map(|f| f.trim().to_string()).collect();
    let value_column = names.iter().position(|n| n == attribute).ok_or_else(|| {
        let hint = names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(attribute) || n.trim_start_matches('#') == attribute)
            .map(|n| format!(" (found `{n}`; the name must match exactly)"))
            .unwrap_or_default();
        FleeError::row(
            file,
            header.line,
            format!(
                "no `{attribute}` column{hint}: Flee takes the values from the column named \
                 after the file (demographics_{attribute}.csv)"
            ),
        )
    })?;
    for (index, name) in names.iter().enumerate() {
        if let Some(first) = names[..index]
            .iter()
            .position(|n| n == name && !n.is_empty())
        {
            return Err(FleeError::row(
                file,
                header.line,
                format!(
                    "column `{name}` appears twice (columns {} and {}); give each location one \
                     column",
                    first + 1,
                    index + 1
                ),
            ));
        }
    }
    // A trailing comma leaves an unnamed column: fine while it stays empty.
    let weight_columns: Vec<usize> = (0..names.len())
        .filter(|&i| i != value_column && !names[i].is_empty())
        .collect();
    let mut table = DemographicsTable {
        header_line: header.line,
        columns: weight_columns.iter().map(|&i| names[i].clone()).collect(),
        rows: Vec::new(),
    };
    for row in rows {
        let line = row.line;
        if row.fields.len() > names.len() {
            return Err(FleeError::row(
                file,
                line,
                format!(
                    "{} values but the header names {} columns",
                    row.fields.len(),
                    names.len()
                ),
            ));
        }
        for (index, text) in row.fields.iter().enumerate() {
            if names[index].is_empty() && !text.trim().is_empty() {
                return Err(FleeError::row(
                    file,
                    line,
                    format!(
                        "column {} has a value, `{text}`, but no name in the header",
                        index + 1
                    ),
                ));
            }
        }
        let value = row.field(file, value_column, attribute)?.trim().to_string();
        if value.is_empty() {
            return Err(FleeError::row(
                file,
                line,
                format!("`{attribute}` is empty: each row needs a value"),
            ));
        }
        let mut weights = Vec::with_capacity(weight_columns.len());
        for &column in &weight_columns {
            let name = &names[column];
            let text = row.field(file, column, name)?;
            let weight = parse_float(file, line, name, text)?;
            if !(weight.is_finite() && weight >= 0.0) {
                return Err(FleeError::row(
                    file,
                    line,
                    format!(
                        "the weight of `{value}` in column `{name}` must be a finite number >= 0, \
                         found {weight:?}"
                    ),
                ));
            }
            weights.push(weight);
        }
        table.rows.push(DemographicsRow {
            line,
            value,
            weights,
        });
    }
    if table.rows.is_empty() {
        return Err(FleeError::file(
            file,
            format!("no rows: each `{attribute}` value needs a row of weights"),
        ));
    }
    if table.columns.is_empty() {
        return Err(FleeError::row(
            file,
            table.header_line,
            "no weight columns: add a `Default` column (or one per location)",
        ));
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_with_quotes_attributes_and_empty_fields() {
        let text = "\"#name\",\"region\",\"country\",\"latitude\",\"longitude\",\"location_type\",\"conflict_date\",\"population\",\"IPC\"\n\
                    \"Kidal\",\"Kidal\",\"Mali\",18.44,1.40,\"conflict_zone\",0,25617,3\n\
                    \"Mopti\",\"Mopti\",\"Mali\",14.48,-4.18,\"town\",,148456,2\n";
        let rows = parse_locations("locations.csv", text).expect("valid");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].name, "Kidal");
        assert_eq!(rows[0].conflict_date, Some(0));
        assert_eq!(rows[0].population, 25617);
        assert_eq!(rows[0].attribute("IPC"), Some("3"));
        assert_eq!(rows[1].conflict_date, None);
        assert_eq!(rows[1].line, 3);
    }

    #[test]
    fn malformed_location_rows_name_file_and_line() {
        let text = "#name,region,country,lat,lon,type,date,pop\nA,r,c,1,2,town,,12\nB,r,c,1,2,town,,many\n";
        let err = parse_locations("locations.csv", text).expect_err("bad population");
        assert_eq!(
            err,
            FleeError::Row {
                file: "locations.csv".into(),
                line: 3,
                message: "`population` must be an integer, found `many`".into()
            }
        );
        let err = parse_locations("locations.csv", "A,r,c,1,2\n").expect_err("short row");
        assert!(err.to_string().starts_with("locations.csv:1:"), "{err}");
        let err = parse_locations("locations.csv", "A,r,c,x,2,town,,1\n").expect_err("bad x");
        assert!(err.to_string().starts_with("locations.csv:1:"), "{err}");
        let err =
            parse_locations("locations.csv", "A,r,c,1,2,conflict_zone,soon,1\n").expect_err("date");
        assert!(err.to_string().contains("conflict_date"), "{err}");
    }

    #[test]
    fn routes_parse_and_report_bad_rows() {
        let text = "#name1,name2,distance,forced_redirection\nA,B,487,0\nB,C,12.5\n";
        let rows = parse_routes("routes.csv", text).expect("valid");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].distance, 12.5);
        assert_eq!(rows[1].forced_redirection, 0);
        let err = parse_routes("routes.csv", "A,B,far,0\n").expect_err("bad distance");
        assert!(err.to_string().starts_with("routes.csv:1:"), "{err}");
        let err = parse_routes("routes.csv", "#h\nA,B,-3,0\n").expect_err("negative");
        assert!(err.to_string().starts_with("routes.csv:2:"), "{err}");
    }

    #[test]
    fn closures_parse_and_report_bad_rows() {
        let text = "#closure_type,name1,name2,closure_start,closure_end\ncountry,Mali,Niger,0,33\n";
        let rows = parse_closures("closures.csv", text).expect("valid");
        assert_eq!(rows[0].kind, ClosureKind::Country);
        assert_eq!(rows[0].end, 33);
        let err = parse_closures("closures.csv", "#h\nbridge,A,B,0,3\n").expect_err("unknown type");
        assert!(err.to_string().starts_with("closures.csv:2:"), "{err}");
        let err = parse_closures("closures.csv", "country,A,B,0\n").expect_err("short");
        assert!(err.to_string().starts_with("closures.csv:1:"), "{err}");
    }

    #[test]
    fn conflicts_parse_and_report_bad_rows() {
        let text = "#Day, Kidal, Gao\n0, 1, 0\n1, 1, 0.5\n";
        let table = parse_conflicts("conflicts.csv", text).expect("valid");
        assert_eq!(table.names, vec!["Kidal", "Gao"]);
        assert_eq!(table.days[1], vec![1.0, 0.5]);
        let err = parse_conflicts("conflicts.csv", "#Day,A\n0,x\n").expect_err("bad value");
        assert!(err.to_string().starts_with("conflicts.csv:2:"), "{err}");
        let err = parse_conflicts("conflicts.csv", "#Day,A\n0,1,1\n").expect_err("extra column");
        assert!(err.to_string().starts_with("conflicts.csv:2:"), "{err}");
        let err = parse_conflicts("conflicts.csv", "#Day,A,B\n0,1\n").expect_err("missing column");
        assert!(err.to_string().starts_with("conflicts.csv:2:"), "{err}");
    }

    #[test]
    fn sim_period_parses_and_reports_bad_rows() {
        let period = parse_sim_period("sim_period.csv", "StartDate,2012-02-29\nLength,300\n")
            .expect("valid");
        assert_eq!(period.length, 300);
        assert_eq!(period.start_date.to_string(), "2012-02-29");
        let err = parse_sim_period("sim_period.csv", "StartDate,29/02/2012\nLength,300\n")
            .expect_err("bad date");
        assert!(err.to_string().starts_with("sim_period.csv:1:"), "{err}");
        let err = parse_sim_period("sim_period.csv", "StartDate,2012-02-29\nLength,long\n")
            .expect_err("bad length");
        assert!(err.to_string().starts_with("sim_period.csv:2:"), "{err}");
    }

    #[test]
    fn registration_corrections_and_layout() {
        let rows = parse_registration_corrections(
            "registration_corrections.csv",
            "\"Fassala-Mbera\",\"2012-12-31\",\"normalize\"\n",
        )
        .expect("valid");
        assert_eq!(rows[0].name, "Fassala-Mbera");
        let err = parse_registration_corrections("registration_corrections.csv", "A,2012-13-01\n")
            .expect_err("bad date");
        assert!(
            err.to_string()
                .starts_with("registration_corrections.csv:1:"),
            "{err}"
        );
        let layout =
            parse_data_layout("data_layout.csv", "total,refugees.csv\nA,a.csv\n\n").expect("valid");
        assert_eq!(layout.len(), 2);
        assert_eq!(layout[1].files, vec!["a.csv"]);
        let err = parse_data_layout("data_layout.csv", "total,refugees.csv\n,a.csv\n")
            .expect_err("empty name");
        assert!(err.to_string().starts_with("data_layout.csv:2:"), "{err}");
    }

    #[test]
    fn demographics_parse_with_the_value_column_anywhere_and_report_bad_cells() {
        // FabFlee's layout, with blank lines at the end and a trailing comma.
        let table = parse_demographics(
            "d.csv",
            "Default,floodawareness,F1,\n0.1,0.0,0.5,\n0.9,1.0,0.5,\n\n\n",
            "floodawareness",
        )
        .expect("valid");
        assert_eq!(table.columns, vec!["Default", "F1"]);
        assert_eq!(table.rows.len(), 2);
        assert_eq!(table.rows[1].line, 3);
        assert_eq!(table.rows[1].value, "1.0");
        assert_eq!(table.rows[1].weights, vec![0.9, 0.5]);
        let cases = [
            ("", "d.csv: empty file"),
            ("floodawareness,Default\n", "d.csv: no rows"),
            ("floodawareness\n0\n", "d.csv:1: no weight columns"),
            (
                "FloodAwareness,Default\n0,1\n",
                "d.csv:1: no `floodawareness` column (found `FloodAwareness`",
            ),
            (
                "floodawareness,A,A\n0,1,1\n",
                "d.csv:1: column `A` appears twice",
            ),
            (
                "floodawareness,Default\n0,1,7\n",
                "d.csv:2: 3 values but the header names 2 columns",
            ),
            (
                "floodawareness,Default,\n0,1,7\n",
                "d.csv:2: column 3 has a value, `7`, but no name",
            ),
            (
                "floodawareness,Default\n,1\n",
                "d.csv:2: `floodawareness` is empty",
            ),
            (
                "floodawareness,Default\n0,inf\n",
                "d.csv:2: the weight of `0` in column `Default` must be a finite number >= 0, found inf",
            ),
        ];
        for (text, expected) in cases {
            let err = parse_demographics("d.csv", text, "floodawareness").expect_err(expected);
            assert!(err.to_string().starts_with(expected), "{expected}: {err}");
        }
    }
}
