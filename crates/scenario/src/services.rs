//! Build stage for services beyond schools (`[[service]]`): health centres, shops and markets,
//! each closing when what it needs (transport fuel, power, food) runs short.

use crate::error::{ScenarioError, SourceText};
use crate::numbers::probability;
use crate::spec::ServiceRuleSpec;
use lifeline_model::DepotId;
use lifeline_model::network::Network;
use lifeline_model::params::{CommoditySpec, DepotSpec, ServiceNeed, ServiceParams, ServiceRule};
use toml::Spanned;

type Result<T> = std::result::Result<T, ScenarioError>;

/// Longest averaging window or set length, in days: a year.
const MAX_DAYS: u32 = 366;

fn days(src: &SourceText, v: &Spanned<u32>, field: &str, least: u32) -> Result<u32> {
    let x = *v.get_ref();
    if (least..=MAX_DAYS).contains(&x) {
        Ok(x)
    } else {
        Err(src.error(
            v.span(),
            field,
            format!("expected a whole number of days in [{least}, {MAX_DAYS}], found {x:?}"),
        ))
    }
}

/// The scenario's services beyond schools, each need tied to the depot that measures it.
pub(crate) fn service_rules(
    src: &SourceText,
    specs: &[ServiceRuleSpec],
    network: &Network,
    depots: &[DepotSpec],
    commodities: &[CommoditySpec],
) -> Result<Vec<ServiceRule>> {
    let mut out = Vec::with_capacity(specs.len());
    for spec in specs {
        let name = spec.name.get_ref();
        let place = network.place_by_name(spec.place.get_ref()).ok_or_else(|| {
            src.error(
                spec.place.span(),
                "service.place",
                format!("unknown place `{}`", spec.place.get_ref()),
            )
        })?;
        let depot_where = |eaten: bool, power: bool| {
            depots
                .iter()
                .position(|d| {
                    d.place == place
                        && commodities[d.commodity.index()].kcal_per_unit.is_some() == eaten
                        && (!power || d.power.is_some())
                })
                .map(DepotId::from_index)
        };
        if spec.needs.is_empty() {
            return Err(src.error(
                spec.name.span(),
                "service.needs",
                format!("service `{name}` needs at least one of transport_fuel, power, food"),
            ));
        }
        let mut needs = Vec::with_capacity(spec.needs.len());
        for n in &spec.needs {
            let need = ServiceNeed::parse(n.get_ref()).ok_or_else(|| {
                src.error(
                    n.span(),
                    "service.needs",
                    format!(
                        "unknown need `{}`: expected transport_fuel, power or food",
                        n.get_ref()
                    ),
                )
            })?;
            let depot = match need {
                ServiceNeed::TransportFuel => depot_where(false, false),
                ServiceNeed::Power => depot_where(false, true),
                ServiceNeed::Food => depot_where(true, false),
            };
            let depot = depot.ok_or_else(|| {
                src.error(
                    n.span(),
                    "service.needs",
                    format!(
                        "`{}` has no depot that measures `{}` (a fuel depot; with `power` for power; a food depot for food)",
                        spec.place.get_ref(),
                        n.get_ref()
                    ),
                )
            })?;
            needs.push((need, depot));
        }
        let close_below = probability(src, &spec.close_below, "service.close_below")?;
        let reopen_above = probability(src, &spec.reopen_above, "service.reopen_above")?;
        if reopen_above < close_below {
            return Err(src.error(
                spec.reopen_above.span(),
                "service.reopen_above",
                format!("expected at least close_below ({close_below}), found {reopen_above:?}"),
            ));
        }
        out.push(ServiceRule {
            name: name.clone(),
            place,
            needs,
            params: ServiceParams {
                window: days(src, &spec.window_days, "service.window_days", 1)?,
                close_below,
                reopen_above,
                max_closure_days: days(src, &spec.max_closure_days, "service.max_closure_days", 1)?,
                min_open_days: days(src, &spec.min_open_days, "service.min_open_days", 0)?,
            },
        });
    }
    Ok(out)
}
