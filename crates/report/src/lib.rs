//! One self-contained, offline HTML report from a Lifeline output folder.
//!
//! [`write_report`] reads what `lifeline run`, `lifeline ensemble` or `lifeline compare` wrote
//! (`places.csv`, `corridors.csv`, `events.csv`, `summary.json`, `network.geojson`, and when
//! present `displacement.csv`, `quantiles.csv`, `corridor_quantiles.csv`, `runs.csv`, `compare.csv`, `scenario.toml`),
//! or what `lifeline calibrate`, `validate` or `sensitivity` wrote (`posterior.csv`, `fit.csv`,
//! `diagnostics.csv`, `validate.csv`, `sobol.csv`, with `manifest.json`),
//! turns it into one JSON document and fills the page template with it. The page's code
//! (d3-geo, topojson-client, uPlot, the world's country outlines from Natural Earth 1:110m and
//! the page's own script) is a committed, minified bundle under `assets/`, built from `web/` with esbuild,
//! so building this crate needs no Node. The page makes no network request: its
//! Content-Security-Policy forbids every fetch, and nothing in it refers to one.
//!
//! Every input file but one is optional, and every CSV is read by its header, so extra
//! columns are carried through and missing ones only leave a chart empty (the calibration
//! tables' required columns excepted: their absence, like a cell that is not a number, is an
//! error naming the file, line and column).

mod calibration;
mod data;
mod extent;
mod inputs;

use serde_json::Value;
use std::path::{Path, PathBuf};

pub use data::{collect, collect_with};
pub use extent::{Extent, map_extent};
pub use inputs::{PriorRange, Supplements, SuppliedPosterior};

/// The page template: `{{TITLE}}`, `{{CSS}}`, `{{DATA}}` and `{{JS}}` are filled in.
pub const TEMPLATE: &str = include_str!("../assets/template.html");
/// The page's script bundle (built by `web/build.mjs`).
pub const BUNDLE_JS: &str = include_str!("../assets/report.js");
/// The page's stylesheet bundle (built by `web/build.mjs`).
pub const BUNDLE_CSS: &str = include_str!("../assets/report.css");
/// Third-party licences of the bundled code and data, shown in the page footer.
pub const LICENSES: &str = include_str!("../assets/licenses.txt");

/// The files a report reads, in the order they are looked for.
pub const INPUT_FILES: &[&str] = &[
    "summary.json",
    "network.geojson",
    "places.csv",
    "corridors.csv",
    "events.csv",
    "displacement.csv",
    "quantiles.csv",
    "corridor_quantiles.csv",
    "runs.csv",
    "compare.csv",
    "scenario.toml",
    "posterior.csv",
    "fit.csv",
    "diagnostics.csv",
    "validate.csv",
    "sobol.csv",
    "manifest.json",
];

/// What can go wrong while making a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{0} is not a folder")]
    NotAFolder(PathBuf),
    #[error(
        "{0} holds none of the files a report reads (summary.json, network.geojson, places.csv, corridors.csv, quantiles.csv, compare.csv, displacement.csv, posterior.csv, fit.csv, diagnostics.csv, validate.csv, sobol.csv)"
    )]
    NothingToReport(PathBuf),
    #[error("reading {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("reading {path}: {source}")]
    Csv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
    #[error("{path}: no `{column}` column")]
    MissingColumn { path: PathBuf, column: String },
    #[error(
        "{path}: line {line}, column {column} (`{field}`): `{value}` is not a number; expected a number as `lifeline calibrate`, `validate` or `sensitivity` write it (rerun the command, or correct that cell)"
    )]
    BadNumber {
        path: PathBuf,
        line: u64,
        column: usize,
        field: String,
        value: String,
    },
    #[error(
        "{path}: line {line}, column {column} (`{field}`): `{value}` is not {expected} (rerun the command that wrote the file, or correct that cell)"
    )]
    BadValue {
        path: PathBuf,
        line: u64,
        column: usize,
        field: String,
        value: String,
        expected: &'static str,
    },
    #[error("{path}: row {row}: `{value}` is not a day number")]
    BadDay {
        path: PathBuf,
        row: usize,
        value: String,
    },
    #[error("{path}: day {day} is beyond what a report can show (at most {max} days)")]
    TooManyDays { path: PathBuf, day: u64, max: usize },
    #[error("parsing {path}: {source}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("serialising the report data: {0}")]
    Serialise(#[source] serde_json::Error),
    #[error("writing {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the page template has no {0} slot")]
    Template(&'static str),
}

/// Reads the output folder `dir` and writes the report page to `out`.
pub fn write_report(dir: &Path, out: &Path) -> Result<(), ReportError> {
    write_report_with(dir, out, &Supplements::default())
}

/// Like [`write_report`], with what the folder lacks (e.g. an ensemble folder has no
/// `network.geojson`) supplied by the caller.
pub fn write_report_with(
    dir: &Path,
    out: &Path,
    supplements: &Supplements,
) -> Result<(), ReportError> {
    let html = render_html(&collect_with(dir, supplements)?)?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| ReportError::Write {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    // Under a temporary name, renamed when complete: a half-written page never poses as one.
    lifeline_io::atomic::write_bytes(out, html.as_bytes()).map_err(|source| ReportError::Write {
        path: out.to_path_buf(),
        source,
    })
}

/// Reads the output folder `dir` and returns the report page.
pub fn render_report(dir: &Path) -> Result<String, ReportError> {
    let data = collect(dir)?;
    render_html(&data)
}

/// Fills the page template with a report's data (as made by [`collect`]).
pub fn render_html(data: &Value) -> Result<String, ReportError> {
    let title = data
        .pointer("/meta/title")
        .and_then(Value::as_str)
        .unwrap_or("Lifeline report");
    let json = serde_json::to_string(data).map_err(ReportError::Serialise)?;
    let mut out = String::with_capacity(
        TEMPLATE.len() + BUNDLE_JS.len() + BUNDLE_CSS.len() + json.len() + 256,
    );
    // Split the template at its slots, in order, so that nothing inserted is ever re-scanned.
    let mut rest = TEMPLATE;
    for (slot, value) in [
        ("{{TITLE}}", escape_html(title)),
        ("{{CSS}}", escape_style(BUNDLE_CSS)),
        ("{{DATA}}", escape_json_for_script(&json)),
        ("{{JS}}", escape_script(BUNDLE_JS)),
    ] {
        let at = rest.find(slot).ok_or(ReportError::Template(slot))?;
        out.push_str(&rest[..at]);
        out.push_str(&value);
        rest = &rest[at + slot.len()..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Escapes text for an HTML element's content or a quoted attribute.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Makes JSON text safe inside `<script type="application/json">`: `<`, `>` and `&` only
/// occur inside JSON strings, where `\u003c` etc. mean the same, so `</script>` and
/// `<!--` cannot end or confuse the element. U+2028/U+2029 are escaped as well.
pub fn escape_json_for_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(c),
        }
    }
    out
}

/// The bundle is built with `</script` escaped; this is a second guard (in JS strings and
/// regular expressions `<\/` means the same as `</`).
fn escape_script(js: &str) -> String {
    replace_ignore_ascii_case(js, "</script", "<\\/script")
}

fn escape_style(css: &str) -> String {
    replace_ignore_ascii_case(css, "</style", "<\\/style")
}

fn replace_ignore_ascii_case(haystack: &str, needle: &str, with: &str) -> String {
    let lower = haystack.to_ascii_lowercase();
    let mut out = String::with_capacity(haystack.len());
    let mut last = 0;
    for (i, _) in lower.match_indices(needle) {
        out.push_str(&haystack[last..i]);
        out.push_str(with);
        last = i + needle.len();
    }
    out.push_str(&haystack[last..]);
    out
}

#[cfg(test)]
mod tests;
