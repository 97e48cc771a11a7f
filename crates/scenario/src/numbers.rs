//! Reading a scenario's numbers and dates at build time: each checked against its allowed range
//! and located (file, line, field) when it is not. Shared by the build stages.

use crate::error::{ScenarioError, SourceText};
use chrono::NaiveDate;
use toml::Spanned;

type Result<T> = std::result::Result<T, ScenarioError>;

pub(crate) fn date(src: &SourceText, s: &Spanned<String>, field: &str) -> Result<NaiveDate> {
    crate::validate::parse_date(s.get_ref()).map_err(|message| src.error(s.span(), field, message))
}

pub(crate) fn checked(
    src: &SourceText,
    v: &Spanned<f64>,
    field: &str,
    ok: bool,
    what: &str,
) -> Result<f64> {
    let x = *v.get_ref();
    if ok && x.is_finite() {
        Ok(x)
    } else {
        Err(src.error(v.span(), field, format!("expected {what}, found {x:?}")))
    }
}

pub(crate) fn positive(src: &SourceText, v: &Spanned<f64>, field: &str) -> Result<f64> {
    checked(src, v, field, *v.get_ref() > 0.0, "a positive number")
}
pub(crate) fn non_negative(src: &SourceText, v: &Spanned<f64>, field: &str) -> Result<f64> {
    checked(src, v, field, *v.get_ref() >= 0.0, "a number ≥ 0")
}
pub(crate) fn probability(src: &SourceText, v: &Spanned<f64>, field: &str) -> Result<f64> {
    checked(
        src,
        v,
        field,
        (0.0..=1.0).contains(v.get_ref()),
        "a number in [0, 1]",
    )
}
pub(crate) fn fraction_positive(src: &SourceText, v: &Spanned<f64>, field: &str) -> Result<f64> {
    checked(
        src,
        v,
        field,
        *v.get_ref() > 0.0 && *v.get_ref() <= 1.0,
        "a number in (0, 1]",
    )
}
pub(crate) fn at_least_one(src: &SourceText, v: &Spanned<f64>, field: &str) -> Result<f64> {
    checked(src, v, field, *v.get_ref() >= 1.0, "a number ≥ 1")
}
/// People a depot serves: a whole, finite count below ten billion.
pub(crate) fn population(src: &SourceText, v: &Spanned<f64>) -> Result<f64> {
    let x = *v.get_ref();
    checked(
        src,
        v,
        "depot.population",
        (0.0..1e10).contains(&x),
        "a number of people in [0, 1e10)",
    )
}
pub(crate) fn hours(src: &SourceText, v: &Spanned<f64>, field: &str) -> Result<f64> {
    checked(
        src,
        v,
        field,
        (0.0..=24.0).contains(v.get_ref()),
        "hours in [0, 24]",
    )
}

/// The first day after an inclusive last day given relative to the start (0 if before it).
pub(crate) fn day_after(last: i64) -> u32 {
    u32::try_from((last + 1).max(0)).unwrap_or(u32::MAX)
}
