//! Build stage for food: production marketed into depots on a harvest calendar (`[[depot]]
//! production = {...}`) and the reading of kcal per person per day as a phase
//! (`[food_security]`).

use crate::error::{ScenarioError, SourceText};
use crate::numbers::{non_negative, positive, probability};
use crate::spec::{FoodSecuritySpec, ProductionSpec};
use chrono::{Datelike, Days as CalendarDays, NaiveDate};
use lifeline_model::DepotId;
use lifeline_model::network::Network;
use lifeline_model::params::CommoditySpec;
use lifeline_model::params::{DepotSpec, FoodSecurityParams, ProductionSpec as ModelProduction};

type Result<T> = std::result::Result<T, ScenarioError>;

/// Largest daily production a depot takes, in the commodity's unit: far above any country's.
const MAX_PRODUCTION_PER_DAY: f64 = 1e8;

/// The production of the depot at `index`, resolved against the other depots (its fuel depot).
pub(crate) fn production(
    src: &SourceText,
    spec: &ProductionSpec,
    network: &Network,
    depots: &[DepotSpec],
    commodities: &[CommoditySpec],
    start: NaiveDate,
    days: u32,
) -> Result<ModelProduction> {
    let per_day = non_negative(src, &spec.per_day, "depot.production.per_day")?;
    if per_day > MAX_PRODUCTION_PER_DAY {
        return Err(src.error(
            spec.per_day.span(),
            "depot.production.per_day",
            format!("expected at most {MAX_PRODUCTION_PER_DAY:e} a day, found {per_day:?}"),
        ));
    }
    let calendar = match &spec.calendar {
        None => [1.0; 12],
        Some(c) => {
            let months = c.get_ref();
            if months.len() != 12 || months.iter().any(|m| !(m.is_finite() && *m >= 0.0)) {
                return Err(src.error(
                    c.span(),
                    "depot.production.calendar",
                    format!(
                        "expected twelve monthly multipliers ≥ 0, January to December, found {months:?}"
                    ),
                ));
            }
            let mean = months.iter().sum::<f64>() / 12.0;
            if mean <= 0.0 {
                return Err(src.error(
                    c.span(),
                    "depot.production.calendar",
                    "the calendar's months are all 0: give the harvest months a weight",
                ));
            }
            // Normalised so that `per_day` is the year's daily mean.
            let mut out = [0.0; 12];
            for (o, m) in out.iter_mut().zip(months) {
                *o = m / mean;
            }
            out
        }
    };
    let fuel_depot = match &spec.fuel_from {
        None => None,
        Some(name) => Some(fuel_depot_named(
            src,
            network,
            depots,
            commodities,
            name,
            "depot.production.fuel_from",
        )?),
    };
    let fuel_dependence = match &spec.fuel_dependence {
        None => 0.0,
        Some(v) => probability(src, v, "depot.production.fuel_dependence")?,
    };
    if fuel_dependence > 0.0 && fuel_depot.is_none() {
        let span = spec
            .fuel_dependence
            .as_ref()
            .map(|v| v.span())
            .unwrap_or(spec.per_day.span());
        return Err(src.error(
            span,
            "depot.production.fuel_dependence",
            "a fuel dependence needs `fuel_from`, the place whose fuel depot runs the machinery",
        ));
    }
    let daily = (0..days)
        .map(|d| {
            let date = start
                .checked_add_days(CalendarDays::new(u64::from(d)))
                .unwrap_or(start);
            per_day * calendar[date.month0() as usize]
        })
        .collect();
    Ok(ModelProduction {
        daily,
        fuel_depot,
        fuel_dependence,
    })
}

/// The fuel depot (a depot of a commodity without `kcal_per_unit`) at the place `name`: what
/// runs the machinery of a harvest or the works of an export.
pub(crate) fn fuel_depot_named(
    src: &SourceText,
    network: &Network,
    depots: &[DepotSpec],
    commodities: &[CommoditySpec],
    name: &toml::Spanned<String>,
    field: &str,
) -> Result<DepotId> {
    let place = network.place_by_name(name.get_ref()).ok_or_else(|| {
        src.error(
            name.span(),
            field,
            format!("unknown place `{}`", name.get_ref()),
        )
    })?;
    let found = depots
        .iter()
        .position(|d| d.place == place && commodities[d.commodity.index()].kcal_per_unit.is_none());
    found.map(DepotId::from_index).ok_or_else(|| {
        src.error(
            name.span(),
            field,
            format!(
                "`{}` has no depot of a fuel (a commodity without kcal_per_unit); add one or remove {}",
                name.get_ref(),
                field.rsplit('.').next().unwrap_or(field)
            ),
        )
    })
}

/// The phase reading, or its defaults (docs/model.md, "Food security").
pub(crate) fn food_security(
    src: &SourceText,
    spec: Option<&FoodSecuritySpec>,
) -> Result<FoodSecurityParams> {
    let Some(spec) = spec else {
        return Ok(FoodSecurityParams::default());
    };
    let floors = spec.phase_floors_kcal.get_ref();
    let decreasing = floors.windows(2).all(|w| w[0] > w[1]);
    if floors.len() != 4 || !decreasing || floors.iter().any(|f| !(f.is_finite() && *f > 0.0)) {
        return Err(src.error(
            spec.phase_floors_kcal.span(),
            "food_security.phase_floors_kcal",
            format!(
                "expected four decreasing kcal floors > 0 for phases 1–4 (e.g. [2100, 1800, 1500, 1200]), found {floors:?}"
            ),
        ));
    }
    Ok(FoodSecurityParams {
        phase_floors_kcal: [floors[0], floors[1], floors[2], floors[3]],
        averaging_days: positive(src, &spec.averaging_days, "food_security.averaging_days")?,
    })
}
