//! Bytes of an input file → text, naming the likely cause when they are not UTF-8 text: a
//! spreadsheet saved as a workbook, or a CSV saved in a legacy encoding.

use crate::error::InputError;

/// The field named in encoding errors (they concern the whole file, not a column).
const FIELD: &str = "(file)";

/// A number as a reader types it, for error messages: plain for everyday magnitudes, exponent
/// form for huge or tiny ones (1e308 rather than three hundred digits).
pub fn readable_number(x: f64) -> String {
    if x != 0.0 && x.is_finite() && !(1e-4..1e9).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// Decodes an input file as UTF-8, refusing workbooks, UTF-16 and legacy encodings with a
/// message that says what is supported.
pub fn decode(bytes: Vec<u8>, file: &str) -> Result<String, InputError> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Err(InputError::new(
            file,
            1,
            FIELD,
            "this is a zip archive, most likely an Excel workbook (.xlsx); Lifeline reads CSV \
             text: save the sheet as \"CSV UTF-8 (comma delimited)\"",
        ));
    }
    if bytes.starts_with(&[0xd0, 0xcf, 0x11, 0xe0]) {
        return Err(InputError::new(
            file,
            1,
            FIELD,
            "this is a legacy Excel workbook (.xls); Lifeline reads CSV text: save the sheet as \
             \"CSV UTF-8 (comma delimited)\"",
        ));
    }
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(InputError::new(
            file,
            1,
            FIELD,
            "this text is UTF-16; Lifeline reads UTF-8: save the file as \"CSV UTF-8\"",
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = 1 + bytes[..at].iter().filter(|b| **b == b'\n').count() as u64;
        InputError::new(
            file,
            line,
            FIELD,
            format!(
                "not UTF-8 text (byte 0x{:02x} at offset {at}): most likely Latin-1 or \
                 Windows-1252, as some spreadsheets save accented names; Lifeline reads UTF-8: \
                 save the file as \"CSV UTF-8\"",
                bytes[at]
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_utf8_and_names_workbooks_utf16_and_latin1() {
        assert_eq!(
            decode("a,b\nSégou,1\n".as_bytes().to_vec(), "f.csv"),
            Ok("a,b\nSégou,1\n".to_string())
        );
        let err = decode(b"PK\x03\x04rest".to_vec(), "f.csv").expect_err("xlsx");
        assert!(err.message.contains(".xlsx"), "{err}");
        let err = decode(vec![0xff, 0xfe, b'a', 0], "f.csv").expect_err("utf16");
        assert!(err.message.contains("UTF-16"), "{err}");
        // "Ségou" in Latin-1 on the second line.
        let err = decode(b"name\nS\xe9gou\n".to_vec(), "f.csv").expect_err("latin-1");
        assert_eq!(err.line, 2);
        assert!(err.message.contains("Latin-1"), "{err}");
        assert!(err.to_string().starts_with("f.csv:2:"), "{err}");
    }
}

/// A CSV field as written: quoted (inner quotes doubled) only when it holds a comma, a quote or
/// a line break, so simple tables stay readable with a plain comma split.
pub fn csv_field(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\"")).into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod csv_field_tests {
    use super::csv_field;

    #[test]
    fn quotes_only_what_must_be_quoted() {
        assert_eq!(csv_field("Bamako"), "Bamako");
        assert_eq!(csv_field("Kayes, Mali"), "\"Kayes, Mali\"");
        assert_eq!(csv_field("a \"b\""), "\"a \"\"b\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }
}
