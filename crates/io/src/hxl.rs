//! HXL hashtags (Humanitarian Exchange Language, hxlstandard.org): an optional second header
//! row that tags each CSV column for the Humanitarian Data Exchange (HDX) and HXL tools.
//!
//! One table maps the column names Lifeline writes to their tags; any other column (a numeric
//! figure) is tagged `#indicator+<column>`, so every output gets a complete row without a
//! table per file.

/// Tags of the columns that are not plain indicators (names, dates, places, keys).
const TAGS: &[(&str, &str)] = &[
    ("day", "#meta+day"),
    ("date", "#date"),
    ("place", "#loc+name"),
    ("location", "#loc+name"),
    ("commodity", "#item+name"),
    ("corridor", "#loc+corridor"),
    ("segment", "#loc+segment"),
    ("kind", "#event+type"),
    ("outcome", "#event+outcome"),
    ("lat", "#geo+lat"),
    ("lon", "#geo+lon"),
    ("agents_present", "#affected+displaced+present"),
    ("arrivals", "#affected+displaced+arrivals"),
    ("trapped", "#affected+trapped"),
    ("population_present", "#population+present"),
    ("run", "#meta+run"),
    ("seed", "#meta+seed"),
    ("particle", "#meta+particle"),
    ("runs", "#meta+runs"),
    ("metric", "#indicator+name"),
    ("figure", "#indicator+name"),
    ("response", "#meta+response"),
    ("better", "#meta+better"),
];

/// The HXL tag of a column.
pub fn tag(column: &str) -> String {
    match TAGS.iter().find(|(name, _)| *name == column) {
        Some((_, tag)) => (*tag).to_string(),
        None => format!("#indicator+{}", attribute(column)),
    }
}

/// The HXL row for a CSV header (comma-separated column names, none quoted).
pub fn row(header: &str) -> String {
    header.split(',').map(tag).collect::<Vec<_>>().join(",")
}

/// Writes `header` and, when `hxl` is set, its HXL row, each on its own line.
pub fn write_header(w: &mut impl std::io::Write, header: &str, hxl: bool) -> std::io::Result<()> {
    writeln!(w, "{header}")?;
    if hxl {
        writeln!(w, "{}", row(header))?;
    }
    Ok(())
}

/// A valid HXL attribute from any text: lower-case ASCII letters, digits and `_` (accents
/// dropped: `Ségou_shortage_m3` → `segou_shortage_m3`), starting with a letter.
pub fn attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            c if c.is_ascii_alphanumeric() => c,
            _ => '_',
        };
        out.push(c);
    }
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out.insert(0, 'x');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An HXL hashtag: `#tag` then `+attribute`s, each `[a-z][a-z0-9_]*`.
    fn is_valid_tag(t: &str) -> bool {
        let Some(rest) = t.strip_prefix('#') else {
            return false;
        };
        rest.split('+').all(|part| {
            part.starts_with(|c: char| c.is_ascii_lowercase())
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
    }

    #[test]
    fn every_output_column_gets_a_valid_tag() {
        for header in [
            crate::outputs::PLACES_HEADER,
            crate::outputs::CORRIDORS_HEADER,
            crate::outputs::EVENTS_HEADER,
            crate::outputs::DISPLACEMENT_HEADER,
            "run,seed,Ségou_shortage_m3,Bamako-diesel_first_day_cover_below_3,national_trucks_lost",
            "day,date,place,metric,p05,p25,p50,p75,p95,mean,runs",
        ] {
            let tags = row(header);
            assert_eq!(tags.split(',').count(), header.split(',').count());
            for t in tags.split(',') {
                assert!(is_valid_tag(t), "{t} in {tags}");
            }
        }
    }

    #[test]
    fn known_columns_have_their_tags_and_figures_are_indicators() {
        assert_eq!(
            row("day,date,place,commodity,stock_m3"),
            "#meta+day,#date,#loc+name,#item+name,#indicator+stock_m3"
        );
        assert_eq!(tag("Ségou_shortage_m3"), "#indicator+segou_shortage_m3");
        assert_eq!(attribute("2nd"), "x2nd");
    }

    #[test]
    fn header_row_is_optional() {
        let mut with = Vec::new();
        write_header(&mut with, "day,lat", true).unwrap();
        assert_eq!(
            String::from_utf8(with).unwrap(),
            "day,lat\n#meta+day,#geo+lat\n"
        );
        let mut without = Vec::new();
        write_header(&mut without, "day,lat", false).unwrap();
        assert_eq!(String::from_utf8(without).unwrap(), "day,lat\n");
    }
}
