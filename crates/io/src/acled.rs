//! Conflict events in ACLED's CSV export format.
//!
//! Tolerates a UTF-8 byte-order mark, extra or reordered columns, numeric or text `inter1`, and
//! dates as `YYYY-MM-DD` or `DD Month YYYY` (both seen in exports). Rejects a file missing a
//! required column, a bad date, or coordinates out of range, naming the line.

use crate::columns::{Columns, csv_error, line_of, reader};
use crate::error::InputError;
use chrono::NaiveDate;

/// Columns Lifeline needs from an export.
pub const REQUIRED: [&str; 6] = [
    "event_id_cnty",
    "event_date",
    "event_type",
    "latitude",
    "longitude",
    "fatalities",
];

/// One event, as Lifeline uses it.
#[derive(Clone, Debug, PartialEq)]
pub struct AcledEvent {
    pub id: String,
    pub date: NaiveDate,
    pub event_type: String,
    pub sub_event_type: String,
    pub actor1: String,
    pub location: String,
    pub latitude: f64,
    pub longitude: f64,
    pub fatalities: u32,
    pub notes: String,
    /// Line in the file (1-based), for messages.
    pub line: u64,
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%d %B %Y"))
        .or_else(|_| NaiveDate::parse_from_str(t, "%d-%B-%Y"))
        .ok()
}

pub fn read_acled(text: &str, file: &str) -> Result<Vec<AcledEvent>, InputError> {
    let mut rdr = reader(text);
    let cols = Columns::from_header(file, &mut rdr, &REQUIRED, "ACLED")?;
    let mut out = Vec::new();
    for row in rdr.records() {
        let row = row.map_err(|e| csv_error(file, &e))?;
        let date_text = cols.text(&row, "event_date");
        let date = parse_date(date_text).ok_or_else(|| {
            cols.error(
                &row,
                "event_date",
                format!("expected a date as YYYY-MM-DD or `DD Month YYYY`, found `{date_text}`"),
            )
        })?;
        let fatalities = u32::try_from(cols.count(&row, "fatalities")?)
            .map_err(|_| cols.error(&row, "fatalities", "too large"))?;
        out.push(AcledEvent {
            id: cols.text(&row, "event_id_cnty").to_string(),
            date,
            event_type: cols.text(&row, "event_type").to_string(),
            sub_event_type: cols.text(&row, "sub_event_type").to_string(),
            actor1: cols.text(&row, "actor1").to_string(),
            location: cols.text(&row, "location").to_string(),
            latitude: cols.coordinate(&row, "latitude")?,
            longitude: cols.coordinate(&row, "longitude")?,
            fatalities,
            notes: cols.text(&row, "notes").to_string(),
            line: line_of(&row),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp";

    #[test]
    fn reads_full_export_with_bom_and_text_or_numeric_inter1() {
        let text = format!(
            "\u{feff}{HEADER}\nMLI1,2025-09-14,2025,1,Political violence,Violence against civilians,Attack,JNIM,,Rebel group,,,,,,466,Western Africa,Mali,Koulikoro,Kolokani,,Lakamane,13.93,-8.28,2,x,National,\"tankers burned, convoy\",3,,1\nMLI2,21 September 2025,2025,1,Political violence,Battles,Armed clash,JNIM,,2,,,,,,466,Western Africa,Mali,Sikasso,Bougouni,,Bougouni,11.42,-7.48,2,x,National,n,3,,1\n"
        );
        let ev = read_acled(&text, "e.csv").expect("valid");
        assert_eq!(ev.len(), 2);
        assert_eq!(
            ev[0].date,
            NaiveDate::from_ymd_opt(2025, 9, 14).expect("date")
        );
        assert_eq!(
            ev[1].date,
            NaiveDate::from_ymd_opt(2025, 9, 21).expect("date")
        );
        assert_eq!(ev[0].notes, "tankers burned, convoy");
        assert_eq!(ev[1].line, 3);
    }

    #[test]
    fn tolerates_reordered_and_minimal_columns() {
        let text = "fatalities,longitude,latitude,event_type,event_date,event_id_cnty,extra\n0,-8,12,Battles,2025-10-01,X1,zzz\n";
        let ev = read_acled(text, "e.csv").expect("valid");
        assert_eq!(ev[0].latitude, 12.0);
    }

    #[test]
    fn rejects_missing_column_bad_date_and_bad_coordinates_with_line() {
        let err = read_acled(
            "event_id_cnty,event_date,latitude,longitude,fatalities\n",
            "e.csv",
        )
        .expect_err("missing");
        assert_eq!((err.line, err.field.as_str()), (1, "event_type"));
        let base = "event_id_cnty,event_date,event_type,latitude,longitude,fatalities\n";
        let err = read_acled(
            &format!("{base}A,2025-09-01,Battles,12,-8,0\nB,2025-13-01,Battles,12,-8,0\n"),
            "e.csv",
        )
        .expect_err("bad date");
        assert_eq!((err.line, err.field.as_str()), (3, "event_date"));
        let err = read_acled(&format!("{base}A,2025-09-01,Battles,120,-8,0\n"), "e.csv")
            .expect_err("lat");
        assert_eq!((err.line, err.field.as_str()), (2, "latitude"));
        let err = read_acled(&format!("{base}A,2025-09-01,Battles,12,-200,0\n"), "e.csv")
            .expect_err("lon");
        assert_eq!(err.field, "longitude");
        assert!(err.to_string().starts_with("e.csv:2: field `longitude`"));
    }
}
