//! Key figures of a run: what an analyst asks first.

use crate::params::{ModelInput, Sector};
use crate::record::RunRecord;
use serde::Serialize;

/// Cover (days) below which a city is counted as running dry.
pub const DRY_COVER_DAYS: f64 = 3.0;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DepotFigures {
    /// First day (index from the start) with cover below [`DRY_COVER_DAYS`], if any.
    pub first_day_cover_below_3: Option<u32>,
    pub days_cover_below_3: u32,
    pub total_shortage: f64,
    pub shortage_days: u32,
    pub shortage_by_sector: [f64; Sector::COUNT],
    pub peak_price_multiple: f64,
    pub min_power_hours: Option<f64>,
    pub mean_power_hours: Option<f64>,
    pub services_closed_days: Option<u32>,
    pub rationing_days: u32,
    pub total_delivered: f64,
    /// Grown around the town and marketed into the depot over the run.
    pub total_produced: f64,
    /// Food depots: fewest kcal eaten per person in a day, the worst phase of the averaged
    /// kcal, and the first day in each phase 1–5 (index 0 = phase 1); `None` elsewhere.
    pub food: Option<FoodFigures>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FoodFigures {
    pub min_kcal_per_person_day: f64,
    pub worst_phase: u8,
    pub first_day_in_phase: [Option<u32>; 5],
    pub peak_food_price_index: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CorridorFigures {
    pub trucks_dispatched: u32,
    pub trucks_arrived: u32,
    pub trucks_lost: u32,
    pub drivers_kidnapped: u32,
    pub drivers_killed: u32,
    pub attacks: u32,
    pub delivered: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KeyFigures {
    pub depots: Vec<DepotFigures>,
    pub corridors: Vec<CorridorFigures>,
    /// Delivered over all corridors, per commodity (each in its own unit).
    pub delivered_by_commodity: Vec<f64>,
    pub trucks_lost: u32,
    pub drivers_kidnapped: u32,
    pub exports: Vec<crate::record::ExportTotals>,
    pub services: Vec<crate::record::ServiceTotals>,
}

/// A day counts as a shortage day when more than this share of demand went unmet.
pub const SHORTAGE_DAY_SHARE: f64 = 0.05;

pub fn key_figures(input: &ModelInput, record: &RunRecord) -> KeyFigures {
    let depots = (0..input.depots.len())
        .map(|di| {
            let rows = record.depot_days.iter().map(|day| &day[di]);
            let mut f = DepotFigures {
                first_day_cover_below_3: None,
                days_cover_below_3: 0,
                total_shortage: 0.0,
                shortage_days: 0,
                shortage_by_sector: [0.0; Sector::COUNT],
                peak_price_multiple: 1.0,
                min_power_hours: None,
                mean_power_hours: None,
                services_closed_days: None,
                rationing_days: 0,
                total_delivered: 0.0,
                total_produced: 0.0,
                food: None,
            };
            let mut power_sum = 0.0;
            let mut power_n = 0u32;
            for (day, r) in rows.enumerate() {
                if r.cover_days < DRY_COVER_DAYS {
                    f.days_cover_below_3 += 1;
                    f.first_day_cover_below_3.get_or_insert(day as u32);
                }
                f.total_shortage += r.shortage;
                if r.demand > 0.0 && r.shortage / r.demand > SHORTAGE_DAY_SHARE {
                    f.shortage_days += 1;
                }
                for s in 0..Sector::COUNT {
                    f.shortage_by_sector[s] += r.shortage_by_sector[s];
                }
                f.peak_price_multiple = f.peak_price_multiple.max(r.price_multiple);
                if let Some(h) = r.power_hours {
                    f.min_power_hours = Some(f.min_power_hours.map_or(h, |m: f64| m.min(h)));
                    power_sum += h;
                    power_n += 1;
                }
                if let Some(open) = r.services_open {
                    *f.services_closed_days.get_or_insert(0) += u32::from(!open);
                }
                f.rationing_days += u32::from(r.rationing);
                f.total_delivered += r.delivered;
                f.total_produced += r.produced;
                if let (Some(kcal), Some(phase)) = (r.kcal_per_person_day, r.food_phase) {
                    let food = f.food.get_or_insert(FoodFigures {
                        min_kcal_per_person_day: kcal,
                        worst_phase: phase,
                        first_day_in_phase: [None; 5],
                        peak_food_price_index: r.food_price_index,
                    });
                    food.min_kcal_per_person_day = food.min_kcal_per_person_day.min(kcal);
                    food.worst_phase = food.worst_phase.max(phase);
                    food.peak_food_price_index = food.peak_food_price_index.max(r.food_price_index);
                    let slot = usize::from(phase.clamp(1, 5) - 1);
                    food.first_day_in_phase[slot].get_or_insert(day as u32);
                }
            }
            if power_n > 0 {
                f.mean_power_hours = Some(power_sum / f64::from(power_n));
            }
            f
        })
        .collect();
    let corridors: Vec<CorridorFigures> = record
        .corridor_totals
        .iter()
        .map(|t| CorridorFigures {
            trucks_dispatched: t.trucks_dispatched,
            trucks_arrived: t.trucks_arrived,
            trucks_lost: t.trucks_lost,
            drivers_kidnapped: t.drivers_kidnapped,
            drivers_killed: t.drivers_killed,
            attacks: t.attacks,
            delivered: t.delivered,
        })
        .collect();
    let mut delivered_by_commodity = vec![0.0; input.commodities.len()];
    for (c, figures) in input.corridors.iter().zip(&corridors) {
        delivered_by_commodity[c.commodity.index()] += figures.delivered;
    }
    KeyFigures {
        delivered_by_commodity,
        exports: record.exports.clone(),
        services: record.services.clone(),
        trucks_lost: corridors.iter().map(|c| c.trucks_lost).sum(),
        drivers_kidnapped: corridors.iter().map(|c| c.drivers_kidnapped).sum(),
        depots,
        corridors,
    }
}
