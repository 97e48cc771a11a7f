//! Datasets and scenarios compiled into the binary, so `lifeline run` needs no files.

/// (name, TOML text) of every embedded scenario.
pub const SCENARIOS: &[(&str, &str)] = &[
    ("mali-2025", include_str!("../scenarios/mali-2025.toml")),
    (
        "mali-2025-baseline",
        include_str!("../scenarios/mali-2025-baseline.toml"),
    ),
    (
        "burkina-djibo-2022",
        include_str!("../scenarios/burkina-djibo-2022.toml"),
    ),
];

/// (name, CSV text) of the posteriors the embedded scenarios name (`[calibration] posterior`),
/// each the `posterior.csv` of a `lifeline calibrate` run (docs/calibration.md).
pub const POSTERIORS: &[(&str, &str)] = &[(
    "mali-2025-posterior.csv",
    include_str!("../scenarios/mali-2025-posterior.csv"),
)];

/// The name `lifeline run` uses when none is given.
pub const DEFAULT_SCENARIO: &str = "mali-2025";

/// (name, text) of embedded data files, referred to as `embedded:NAME` in scenarios.
pub const DATA: &[(&str, &str)] = &[
    ("mali/places.csv", include_str!("../data/mali/places.csv")),
    (
        "mali/segments.csv",
        include_str!("../data/mali/segments.csv"),
    ),
    (
        "mali/mali-2025-events.csv",
        include_str!("../data/mali/mali-2025-events.csv"),
    ),
    ("djibo/places.csv", include_str!("../data/djibo/places.csv")),
    (
        "djibo/segments.csv",
        include_str!("../data/djibo/segments.csv"),
    ),
    (
        "djibo/djibo-2022-events.csv",
        include_str!("../data/djibo/djibo-2022-events.csv"),
    ),
];

pub fn scenario(name: &str) -> Option<&'static str> {
    SCENARIOS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

pub fn data(name: &str) -> Option<&'static str> {
    DATA.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

pub fn posterior(name: &str) -> Option<&'static str> {
    POSTERIORS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}
