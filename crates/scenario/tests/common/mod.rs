//! Helpers shared by the scenario crate's integration tests (each test file uses a subset).
#![allow(dead_code)]

use lifeline_model::RunRecord;
use lifeline_model::record::Balance;
use lifeline_scenario::Built;

/// Index of the depot at the place named `place`.
pub fn depot(built: &Built, place: &str) -> usize {
    built
        .input
        .depots
        .iter()
        .position(|d| built.input.network.place(d.place).name == place)
        .expect("depot exists")
}

/// Index of the corridor named `name`.
pub fn corridor(built: &Built, name: &str) -> usize {
    built
        .input
        .corridors
        .iter()
        .position(|c| c.name == name)
        .expect("corridor exists")
}

pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// First day a depot's cover falls below `days` (the run's length if never).
pub fn first_day_below(record: &RunRecord, depot: usize, days: f64) -> f64 {
    record
        .depot_days
        .iter()
        .position(|d| d[depot].cover_days < days)
        .unwrap_or(record.depot_days.len()) as f64
}

/// The run's balance closes: everything that came in went out or is still held.
pub fn conserved(b: &Balance) -> bool {
    let (inflow, outflow) = (b.inflow(), b.outflow());
    (inflow - outflow).abs() <= 1e-6 * (1.0 + inflow.abs().max(outflow.abs()))
}
