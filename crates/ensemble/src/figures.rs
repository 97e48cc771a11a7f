//! The key figures of one run, flattened into a fixed list of numbers (one `runs.csv` row).

use lifeline_model::params::ModelInput;
use lifeline_model::record::RunRecord;
use lifeline_model::summary::key_figures;

/// One key figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Figure {
    /// First day (from 0) with cover below 3 days; `+∞` in the data when it never happened.
    FirstDayCoverBelow3,
    DaysCoverBelow3,
    ShortageM3,
    ShortageDays,
    PeakPriceMultiple,
    MinPowerHours,
    ServicesClosedDays,
    RationingDays,
    DeliveredM3,
    TrucksLost,
    DriversKidnapped,
}

impl Figure {
    pub fn name(self) -> &'static str {
        match self {
            Figure::FirstDayCoverBelow3 => "first_day_cover_below_3",
            Figure::DaysCoverBelow3 => "days_cover_below_3",
            Figure::ShortageM3 => "shortage_m3",
            Figure::ShortageDays => "shortage_days",
            Figure::PeakPriceMultiple => "peak_price_multiple",
            Figure::MinPowerHours => "min_power_hours",
            Figure::ServicesClosedDays => "services_closed_days",
            Figure::RationingDays => "rationing_days",
            Figure::DeliveredM3 => "delivered_m3",
            Figure::TrucksLost => "trucks_lost",
            Figure::DriversKidnapped => "drivers_kidnapped",
        }
    }

    /// Decimals when written.
    pub fn decimals(self) -> usize {
        match self {
            Figure::ShortageM3 | Figure::DeliveredM3 => 1,
            Figure::PeakPriceMultiple => 3,
            Figure::MinPowerHours => 2,
            _ => 0,
        }
    }

    /// Whether a smaller value is the better outcome (for rankings).
    pub fn lower_is_better(self) -> bool {
        !matches!(
            self,
            Figure::FirstDayCoverBelow3 | Figure::MinPowerHours | Figure::DeliveredM3
        )
    }
}

/// One column of the flattened figures: a figure of a place, or a national one.
#[derive(Clone, Debug, PartialEq)]
pub struct FigureColumn {
    /// Place label (depot name; `name-commodity` when there are several commodities);
    /// `None` for national figures.
    pub place: Option<String>,
    pub figure: Figure,
}

impl FigureColumn {
    /// Column name in `runs.csv`: `Bamako_shortage_m3`, `national_trucks_lost`.
    pub fn column_name(&self) -> String {
        format!(
            "{}_{}",
            self.place.as_deref().unwrap_or("national"),
            self.figure.name()
        )
    }

    pub fn place_or_national(&self) -> &str {
        self.place.as_deref().unwrap_or("national")
    }
}

/// The label of each depot: its place's name, with the commodity when there are several.
pub fn depot_labels(input: &ModelInput) -> Vec<String> {
    (0..input.depots.len())
        .map(|i| input.depot_label(lifeline_model::DepotId::from_index(i)))
        .collect()
}

/// Which figures a scenario's runs have, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct FigureSchema {
    pub columns: Vec<FigureColumn>,
}

const DEPOT_FIGURES: [Figure; 6] = [
    Figure::FirstDayCoverBelow3,
    Figure::DaysCoverBelow3,
    Figure::ShortageM3,
    Figure::ShortageDays,
    Figure::PeakPriceMultiple,
    Figure::DeliveredM3,
];

impl FigureSchema {
    pub fn new(input: &ModelInput) -> FigureSchema {
        let labels = depot_labels(input);
        let mut columns = Vec::new();
        for (d, label) in input.depots.iter().zip(labels) {
            let mut figures = DEPOT_FIGURES.to_vec();
            if d.power.is_some() {
                figures.push(Figure::MinPowerHours);
            }
            if d.services {
                figures.push(Figure::ServicesClosedDays);
            }
            figures.push(Figure::RationingDays);
            columns.extend(figures.into_iter().map(|figure| FigureColumn {
                place: Some(label.clone()),
                figure,
            }));
        }
        for figure in [
            Figure::DeliveredM3,
            Figure::TrucksLost,
            Figure::DriversKidnapped,
        ] {
            columns.push(FigureColumn {
                place: None,
                figure,
            });
        }
        FigureSchema { columns }
    }

    pub fn len(&self) -> usize {
        self.columns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// The figures of one run, in column order (pushed onto `out`).
    pub fn compute(&self, input: &ModelInput, record: &RunRecord, out: &mut Vec<f64>) {
        let k = key_figures(input, record);
        for (f, d) in k.depots.iter().zip(&input.depots) {
            out.push(f.first_day_cover_below_3.map_or(f64::INFINITY, f64::from));
            out.push(f64::from(f.days_cover_below_3));
            out.push(f.total_shortage);
            out.push(f64::from(f.shortage_days));
            out.push(f.peak_price_multiple);
            out.push(f.total_delivered);
            if d.power.is_some() {
                out.push(f.min_power_hours.unwrap_or(f64::NAN));
            }
            if d.services {
                out.push(f.services_closed_days.map_or(f64::NAN, f64::from));
            }
            out.push(f64::from(f.rationing_days));
        }
        // National deliveries of the scenario's first commodity (fuel in Mali), in its unit:
        // volumes of different commodities are not summed.
        out.push(k.delivered_by_commodity.first().copied().unwrap_or(0.0));
        out.push(f64::from(k.trucks_lost));
        out.push(f64::from(k.drivers_kidnapped));
    }
}

/// Formats a figure value: empty for NaN or "never" (+∞).
pub fn format_value(v: f64, decimals: usize) -> String {
    let mut text = String::new();
    push_value(&mut text, v, decimals);
    text
}

/// Appends [`format_value`]'s text of `v` to `out`.
pub fn push_value(out: &mut String, v: f64, decimals: usize) {
    use std::fmt::Write as _;
    if v.is_finite() {
        let _ = write!(out, "{v:.decimals$}");
    }
}
