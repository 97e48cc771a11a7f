//! Conflict events in ACLED's CSV export format.
//!
//! Tolerates a UTF-8 byte-order mark, extra or reordered columns in any case, numeric or text
//! `inter1`, fatalities written as `3` or `3.0`, and dates as `YYYY-MM-DD` or `DD Month YYYY`
//! (both seen in exports). Rejects a file missing a required column, a bad or implausible date,
//! or coordinates out of range, naming the line; and names the likely cause of files that are
//! not an event-level export: `;`-separated, HDX hashtag rows, weekly or monthly counts.

use crate::columns::{Columns, Lines};
use crate::error::InputError;
use chrono::{Datelike, NaiveDate};

/// Columns Lifeline needs from an export.
pub const REQUIRED: [&str; 6] = [
    "event_id_cnty",
    "event_date",
    "event_type",
    "latitude",
    "longitude",
    "fatalities",
];

/// Years an event date may fall in: outside, a date is a typo (and far dates overflow the
/// calendar arithmetic downstream).
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// The most fatalities one event row may report (larger values are data errors).
pub const MAX_FATALITIES: u64 = 100_000;

/// What Lifeline reads, for messages about files that are something else.
const SUPPORTED: &str = "Lifeline reads ACLED's event-level CSV export (one row per event, \
    comma-separated, UTF-8, with columns event_id_cnty, event_date, event_type, latitude, \
    longitude, fatalities), as downloaded from ACLED's data export tool";

/// Columns of aggregated tables (counts per week or month, e.g. ACLED's or HDX's summaries).
const AGGREGATE_COLUMNS: [&str; 6] = ["week", "month", "events", "event_count", "count", "period"];

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

/// Refuses a `;`-separated file (a spreadsheet's regional CSV setting), naming the cause.
fn refuse_semicolons(text: &str, file: &str) -> Result<(), InputError> {
    let header = text.lines().next().unwrap_or("");
    if header.matches(';').count() > header.matches(',').count() {
        return Err(InputError::new(
            file,
            1,
            "(header)",
            format!(
                "the columns are separated by `;` (a spreadsheet's regional CSV setting); \
                 {SUPPORTED}: export again with `,` as the separator"
            ),
        ));
    }
    Ok(())
}

/// Refuses a table of counts per week or month, which has no events to place on the map.
fn refuse_aggregates(cols: &Columns, file: &str) -> Result<(), InputError> {
    let is_event_level = cols.has("event_id_cnty") || cols.has("event_date");
    let aggregate: Vec<&String> = cols
        .headers()
        .iter()
        .filter(|h| AGGREGATE_COLUMNS.contains(&h.to_lowercase().as_str()))
        .collect();
    if is_event_level || aggregate.is_empty() {
        return Ok(());
    }
    Err(InputError::new(
        file,
        1,
        "(header)",
        format!(
            "this looks like an aggregated table (columns {}: counts per period), not events; \
             {SUPPORTED}",
            aggregate
                .iter()
                .map(|h| format!("`{h}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ))
}

/// Refuses HDX's hashtag row (`#date`, `#event+type`, … under the header).
fn refuse_hashtag_row(cols: &Columns, row: &csv::StringRecord) -> Result<(), InputError> {
    let first = row.iter().map(str::trim).find(|f| !f.is_empty());
    match first {
        Some(f) if f.starts_with('#') => Err(cols.error(
            row,
            "(row)",
            format!(
                "this is an HDX hashtag row (`{f}` …), as in files from data.humdata.org; \
                 {SUPPORTED}: delete this line"
            ),
        )),
        _ => Ok(()),
    }
}

fn event_date(cols: &Columns, row: &csv::StringRecord) -> Result<NaiveDate, InputError> {
    let date_text = cols.text(row, "event_date");
    let date = parse_date(date_text).ok_or_else(|| {
        cols.error(
            row,
            "event_date",
            format!("expected a date as YYYY-MM-DD or `DD Month YYYY`, found `{date_text}`"),
        )
    })?;
    if YEARS.contains(&date.year()) {
        Ok(date)
    } else {
        Err(cols.error(
            row,
            "event_date",
            format!(
                "expected a year in {}–{}, found {date}",
                YEARS.start(),
                YEARS.end()
            ),
        ))
    }
}

pub fn read_acled(text: &str, file: &str) -> Result<Vec<AcledEvent>, InputError> {
    refuse_semicolons(text, file)?;
    let lines = Lines::new(text);
    let header = Columns::from_header(file, &lines, &mut lines.reader(), &[], "ACLED")?;
    refuse_aggregates(&header, file)?;
    let mut rdr = lines.reader();
    let cols = Columns::from_header(file, &lines, &mut rdr, &REQUIRED, "ACLED")?;
    let mut out = Vec::new();
    for row in rdr.records() {
        let row = row.map_err(|e| cols.csv_error(&e))?;
        if out.is_empty() {
            refuse_hashtag_row(&cols, &row)?;
        }
        let date = event_date(&cols, &row)?;
        let fatalities = cols.count(&row, "fatalities", MAX_FATALITIES, "fatalities")?;
        let fatalities =
            u32::try_from(fatalities).map_err(|_| cols.error(&row, "fatalities", "too large"))?;
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
            line: cols.line_of(&row),
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
        let err = read_acled(&format!("{base}A,+262142-12-01,Battles,12,-8,0\n"), "e.csv")
            .expect_err("far date");
        assert_eq!((err.line, err.field.as_str()), (2, "event_date"));
        let err = read_acled(&format!("{base}A,2999-01-01,Battles,12,-8,0\n"), "e.csv")
            .expect_err("far year");
        assert!(err.message.contains("1900–2200"), "{err}");
    }

    #[test]
    fn fatalities_as_whole_floats_and_headers_in_any_case() {
        let text = "EVENT_ID_CNTY,Event_Date,Event_Type,Latitude,Longitude,Fatalities\r\nA,2025-09-01,Battles,12,-8,3.0\r\nB,2025-09-02,Battles,12,-8,0.0\r\n";
        let ev = read_acled(text, "e.csv").expect("valid");
        assert_eq!((ev[0].fatalities, ev[1].fatalities), (3, 0));
        assert_eq!((ev[0].line, ev[1].line), (2, 3));
        let err = read_acled(
            "event_id_cnty,event_date,event_type,latitude,longitude,fatalities\nA,2025-09-01,Battles,12,-8,2.5\n",
            "e.csv",
        )
        .expect_err("fraction");
        assert_eq!(err.field, "fatalities");
    }

    #[test]
    fn files_that_are_not_event_exports_are_named() {
        let err = read_acled(
            "event_id_cnty;event_date;event_type;latitude;longitude;fatalities\nA;2025-09-01;Battles;12;-8;0\n",
            "e.csv",
        )
        .expect_err("semicolons");
        assert!(err.message.contains("separated by `;`"), "{err}");
        assert!(err.message.contains("event-level CSV export"), "{err}");

        let err = read_acled(
            "event_id_cnty,event_date,event_type,latitude,longitude,fatalities\n#event+id,#date,#event+type,#geo+lat,#geo+lon,#affected+killed\nA,2025-09-01,Battles,12,-8,0\n",
            "e.csv",
        )
        .expect_err("hashtags");
        assert_eq!(err.line, 2);
        assert!(err.message.contains("HDX hashtag row"), "{err}");

        for header in [
            "country,admin1,week,events,fatalities",
            "Country,Month,Year,Events",
        ] {
            let err = read_acled(&format!("{header}\nMali,Kayes,2025-09-01,4,2\n"), "e.csv")
                .expect_err("aggregated");
            assert!(err.message.contains("aggregated table"), "{err}");
            assert!(err.message.contains("event-level"), "{err}");
        }
    }
}
