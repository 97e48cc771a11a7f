//! Build stage for exports (`[[export]]`): a product made in the country whose works burn a
//! depot's fuel and whose shipments take a road out (gold from the Kayes mines).

use crate::error::{ScenarioError, SourceText};
use crate::numbers::{non_negative, positive, probability};
use crate::spec::ExportSpec;
use crate::stages::place_named as place;
use lifeline_model::network::{Network, SpeedTable};
use lifeline_model::params::{CommoditySpec, DepotSpec, ExportSpec as ModelExport};

type Result<T> = std::result::Result<T, ScenarioError>;

/// Largest daily output an export takes, in its unit: far above any country's.
const MAX_PER_DAY: f64 = 1e9;

/// The scenario's exports, routed on the network by the fastest road through `via`.
pub(crate) fn exports(
    src: &SourceText,
    specs: &[ExportSpec],
    network: &Network,
    speeds: &SpeedTable,
    depots: &[DepotSpec],
    commodities: &[CommoditySpec],
) -> Result<Vec<ModelExport>> {
    let mut out = Vec::with_capacity(specs.len());
    for e in specs {
        let per_day = non_negative(src, &e.per_day, "export.per_day")?;
        if per_day > MAX_PER_DAY {
            return Err(src.error(
                e.per_day.span(),
                "export.per_day",
                format!("expected at most {MAX_PER_DAY:e} a day, found {per_day:?}"),
            ));
        }
        let mut waypoints = vec![place(src, network, &e.place, "export.place")?];
        for v in &e.via {
            waypoints.push(place(src, network, v, "export.via")?);
        }
        waypoints.push(place(src, network, &e.to, "export.to")?);
        let path = network.path_via(&waypoints, speeds, &[]).map_err(|err| {
            src.error(
                e.to.span(),
                "export.to",
                format!("export `{}`: {err}", e.name.get_ref()),
            )
        })?;
        let fuel_depot = match &e.fuel_from {
            None => None,
            Some(name) => Some(crate::food::fuel_depot_named(
                src,
                network,
                depots,
                commodities,
                name,
                "export.fuel_from",
            )?),
        };
        let fuel_dependence = match &e.fuel_dependence {
            Some(v) => probability(src, v, "export.fuel_dependence")?,
            None => 0.0,
        };
        out.push(ModelExport {
            name: e.name.get_ref().clone(),
            unit: e.unit.clone(),
            per_day,
            fuel_depot,
            fuel_dependence,
            route: path.steps.iter().map(|(segment, _)| *segment).collect(),
            hold_at_attack_chance: probability(
                src,
                &e.hold_at_attack_chance,
                "export.hold_at_attack_chance",
            )?,
            price: positive(src, &e.price_per_unit, "export.price_per_unit")?,
        });
    }
    Ok(out)
}
