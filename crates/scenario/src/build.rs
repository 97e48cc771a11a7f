//! Scenario text → validated [`ModelInput`]: names resolved to ids, dates to day indices,
//! routes computed, responses applied, hazard built.

use crate::embedded;
use crate::error::{ScenarioError, SourceText};
use crate::events::{EventWeights, weighted_events};
use crate::numbers::{
    at_least_one, date, fraction_positive, hours, non_negative, population, positive, probability,
};
use crate::spec::{BlockadeSpec, ScenarioFile};
use crate::supply_modes::{self, ModeContext};
use chrono::NaiveDate;
use lifeline_io::network_csv::{NetworkTables, read_network};
use lifeline_model::geometry::{distance_to_polyline_km, share_within};
use lifeline_model::network::{Network, PlaceKind, SpeedTable};
use lifeline_model::params::{
    CommoditySpec, ConvoyPolicy, CorridorSpec, DepotSpec, EscortParams, Leg, ModelInput, PowerSpec,
    PriceParams, RationingPolicy, ReserveSpec, Sector, ServiceParams, TruckParams,
    WillingnessParams,
};
use lifeline_model::threat::{
    AttackParams, ConflictEvent, Declaration, DeclaredSegment, HazardBuilder, KernelParams,
    LossShare, ReportedIncident, ThreatInput,
};
use lifeline_model::units::{Days, KmPerDay, Volume};
use lifeline_model::{CommodityId, CorridorId, DepotId, PlaceId, SegmentId};
use std::path::{Path, PathBuf};
use toml::Spanned;

type Result<T> = std::result::Result<T, ScenarioError>;

/// A parsed scenario file with its network, before a response or overrides are applied.
pub struct Scenario {
    pub file: String,
    pub text: String,
    pub spec: ScenarioFile,
    pub tables: NetworkTables,
    pub(crate) base_dir: Option<PathBuf>,
}

/// A posterior file named by a scenario, as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PosteriorSource {
    /// Where it came from: a path, or `embedded:NAME`.
    pub file: String,
    pub text: String,
}

/// Command-line choices that change a run without editing the file.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub seed: Option<u64>,
    pub days: Option<u32>,
    pub response: Option<String>,
    /// An ACLED CSV export replacing the scenario's event file.
    pub events_file: Option<PathBuf>,
    /// Segments closed to traffic (criticality analysis): routes avoid them.
    pub closed_segments: Vec<SegmentId>,
    /// Counterfactual: no declared blockade and no conflict event (the threat switched off;
    /// the defender's own policies stay).
    pub without_threat: bool,
    /// Counterfactual: every declaration and event moved this many days (later if positive).
    pub threat_shift_days: i64,
}

/// A scenario ready to run.
pub struct Built {
    pub input: ModelInput,
    pub name: String,
    pub response: String,
    pub seed: u64,
    pub start_date: NaiveDate,
}

impl Built {
    /// Names, dates and sources the output writers need, for this built scenario.
    pub fn output_context<'a>(
        &'a self,
        scenario: &'a Scenario,
    ) -> lifeline_io::outputs::OutputContext<'a> {
        lifeline_io::outputs::OutputContext {
            input: &self.input,
            scenario_name: &self.name,
            response: &self.response,
            seed: self.seed,
            start_date: self.start_date,
            place_sources: &scenario.tables.place_sources,
            segment_sources: &scenario.tables.segment_sources,
            events_file: None,
        }
    }
}

/// What the hazard builder needs from the rest of the build.
#[derive(Clone, Copy)]
struct ThreatContext<'a> {
    network: &'a Network,
    speeds: &'a SpeedTable,
    start: NaiveDate,
    days: u32,
    corridors: &'a [CorridorSpec],
}

/// The name of the response that changes nothing.
pub const STATUS_QUO: &str = "status-quo";

pub(crate) fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| ScenarioError::Read {
        file: path.display().to_string(),
        message: e.to_string(),
    })?;
    Ok(lifeline_io::text::decode(
        bytes,
        &path.display().to_string(),
    )?)
}

impl Scenario {
    /// Loads an embedded scenario by name, or a TOML file by path.
    pub fn load(name_or_path: &str) -> Result<Scenario> {
        if let Some(text) = embedded::scenario(name_or_path) {
            return Scenario::parse(&format!("embedded:{name_or_path}"), text.to_string(), None);
        }
        let path = Path::new(name_or_path);
        if path.extension().is_some_and(|e| e == "toml") || path.exists() {
            let text = read_text(path)?;
            let dir = path.parent().map(Path::to_path_buf);
            return Scenario::parse(&path.display().to_string(), text, dir);
        }
        Err(ScenarioError::UnknownScenario(name_or_path.to_string()))
    }

    /// Parses scenario text. `base_dir` resolves relative data paths.
    pub fn parse(file: &str, text: String, base_dir: Option<PathBuf>) -> Result<Scenario> {
        let src = SourceText { file, text: &text };
        crate::required::check(&src)?;
        let spec: ScenarioFile = toml::from_str(&text).map_err(|e| src.from_toml(&e))?;
        let (places_text, places_file) = load_data(
            &src,
            &spec.network.places,
            base_dir.as_deref(),
            "network.places",
        )?;
        let (segments_text, segments_file) = load_data(
            &src,
            &spec.network.segments,
            base_dir.as_deref(),
            "network.segments",
        )?;
        let tables = read_network(&places_text, &places_file, &segments_text, &segments_file)?;
        crate::validate::scenario(&src, &spec, &tables)?;
        Ok(Scenario {
            file: file.to_string(),
            text,
            spec,
            tables,
            base_dir,
        })
    }

    /// The posterior the scenario names (`[calibration] posterior`), read but not parsed (the
    /// analysis crate parses it against the parameters): `None` when it names none. A relative
    /// name is looked up beside the scenario file, or among the embedded posteriors for an
    /// embedded scenario; `embedded:NAME` always names an embedded one.
    pub fn posterior_source(&self) -> Result<Option<PosteriorSource>> {
        let Some(spec) = self
            .spec
            .calibration
            .as_ref()
            .and_then(|c| c.posterior.as_ref())
        else {
            return Ok(None);
        };
        let src = self.src();
        let field = "calibration.posterior";
        let value = spec.get_ref();
        let embedded_name = value.strip_prefix("embedded:").or_else(|| {
            (self.file.starts_with("embedded:") && self.base_dir.is_none())
                .then_some(value.as_str())
        });
        if let Some(name) = embedded_name {
            let text = embedded::posterior(name).ok_or_else(|| {
                let known: Vec<&str> = embedded::POSTERIORS.iter().map(|d| d.0).collect();
                src.error(
                    spec.span(),
                    field,
                    format!(
                        "no embedded posterior `{name}`; embedded: {}",
                        known.join(", ")
                    ),
                )
            })?;
            return Ok(Some(PosteriorSource {
                file: format!("embedded:{name}"),
                text: text.to_string(),
            }));
        }
        let path = match &self.base_dir {
            Some(dir) if Path::new(value).is_relative() => dir.join(value),
            _ => PathBuf::from(value),
        };
        let bytes = std::fs::read(&path).map_err(|e| {
            // A copy of an embedded scenario names its posterior by the embedded file's name.
            let hint = match embedded::posterior(value) {
                Some(_) => format!(
                    "write `posterior = \"embedded:{value}\"` for the embedded one, or run with --fixed-parameters"
                ),
                None => "give the path relative to the scenario file, or run with --fixed-parameters to use the scenario's own values".to_string(),
            };
            src.error(
                spec.span(),
                field,
                format!("cannot read the posterior `{}`: {e}; {hint}", path.display()),
            )
        })?;
        let file = path.display().to_string();
        let text = lifeline_io::text::decode(bytes, &file)?;
        Ok(Some(PosteriorSource { file, text }))
    }

    fn src(&self) -> SourceText<'_> {
        SourceText {
            file: &self.file,
            text: &self.text,
        }
    }

    /// (name, description) of each response, `status-quo` first.
    pub fn responses(&self) -> Vec<(String, String)> {
        let mut out = vec![(
            STATUS_QUO.to_string(),
            "the scenario as written, no change".to_string(),
        )];
        for r in &self.spec.responses {
            if r.name.get_ref() != STATUS_QUO {
                out.push((r.name.get_ref().clone(), r.description.clone()));
            }
        }
        out
    }

    /// Builds the model input with a response and overrides applied.
    pub fn build(&self, overrides: &Overrides) -> Result<Built> {
        let src = self.src();
        let spec = &self.spec;
        let response_name = overrides
            .response
            .clone()
            .unwrap_or_else(|| STATUS_QUO.to_string());
        let response = if response_name == STATUS_QUO {
            None
        } else {
            Some(
                spec.responses
                    .iter()
                    .find(|r| *r.name.get_ref() == response_name)
                    .ok_or_else(|| ScenarioError::UnknownResponse {
                        name: response_name.clone(),
                        known: self
                            .responses()
                            .iter()
                            .map(|r| r.0.clone())
                            .collect::<Vec<_>>()
                            .join(", "),
                    })?,
            )
        };

        let start_date = date(&src, &spec.scenario.start_date, "scenario.start_date")?;
        let days = match overrides.days {
            Some(days) => crate::validate::run_days(days)?,
            None => *spec.scenario.days.get_ref(),
        };
        if days == 0 {
            return Err(src.error(
                spec.scenario.days.span(),
                "scenario.days",
                "expected at least 1 day",
            ));
        }
        let day_of = |s: &Spanned<String>, field: &str| -> Result<i64> {
            Ok((date(&src, s, field)? - start_date).num_days())
        };

        let network = Network::new(self.tables.places.clone(), self.tables.segments.clone())
            .map_err(|e| {
                src.error(
                    spec.network.segments.span(),
                    "network.segments",
                    e.to_string(),
                )
            })?;
        let place = |s: &Spanned<String>, field: &str| -> Result<PlaceId> {
            network.place_by_name(s.get_ref()).ok_or_else(|| {
                src.error(
                    s.span(),
                    field,
                    format!(
                        "unknown place `{}` (not in the network's places table)",
                        s.get_ref()
                    ),
                )
            })
        };

        let t = &spec.trucks;
        let speeds = SpeedTable {
            by_condition: [
                KmPerDay(positive(
                    &src,
                    &t.speed_km_per_day.good,
                    "trucks.speed_km_per_day.good",
                )?),
                KmPerDay(positive(
                    &src,
                    &t.speed_km_per_day.fair,
                    "trucks.speed_km_per_day.fair",
                )?),
                KmPerDay(positive(
                    &src,
                    &t.speed_km_per_day.bad,
                    "trucks.speed_km_per_day.bad",
                )?),
                KmPerDay(positive(
                    &src,
                    &t.speed_km_per_day.track,
                    "trucks.speed_km_per_day.track",
                )?),
            ],
        };
        let trucks = TruckParams {
            speeds,
            load_time: Days(non_negative(&src, &t.load_days, "trucks.load_days")?),
            unload_time: Days(non_negative(&src, &t.unload_days, "trucks.unload_days")?),
            border_delay: Days(non_negative(
                &src,
                &t.border_delay_days,
                "trucks.border_delay_days",
            )?),
            border_extra_day_chance: probability(
                &src,
                &t.border_extra_day_chance,
                "trucks.border_extra_day_chance",
            )?,
            escorted_speed_factor: fraction_positive(
                &src,
                &t.escorted_speed_factor,
                "trucks.escorted_speed_factor",
            )?,
            replacement_days: match &t.replacement_days {
                Some(d) if *d.get_ref() == 0 || *d.get_ref() > 3650 => {
                    return Err(src.error(
                        d.span(),
                        "trucks.replacement_days",
                        format!("expected 1 to 3650 days, found {}", d.get_ref()),
                    ));
                }
                Some(d) => Some(*d.get_ref()),
                None => None,
            },
        };

        let mut commodities = Vec::new();
        for c in &spec.commodities {
            if commodities
                .iter()
                .any(|x: &CommoditySpec| &x.name == c.name.get_ref())
            {
                return Err(src.error(
                    c.name.span(),
                    "commodity.name",
                    "commodity names must be unique",
                ));
            }
            commodities.push(CommoditySpec {
                name: c.name.get_ref().clone(),
                unit: c.unit.clone(),
                truck_capacity: Volume(positive(
                    &src,
                    &c.truck_capacity,
                    "commodity.truck_capacity",
                )?),
                official_price: positive(&src, &c.official_price, "commodity.official_price")?,
                kcal_per_unit: match &c.kcal_per_unit {
                    Some(k) => Some(positive(&src, k, "commodity.kcal_per_unit")?),
                    None => None,
                },
            });
        }
        let commodity = |s: &Spanned<String>, field: &str| -> Result<CommodityId> {
            commodities
                .iter()
                .position(|c| &c.name == s.get_ref())
                .map(CommodityId::from_index)
                .ok_or_else(|| {
                    src.error(
                        s.span(),
                        field,
                        format!("unknown commodity `{}`", s.get_ref()),
                    )
                })
        };

        let mut depots = Vec::new();
        for d in &spec.depots {
            let p = place(&d.place, "depot.place")?;
            let c = commodity(&d.commodity, "depot.commodity")?;
            if depots
                .iter()
                .any(|x: &DepotSpec| x.place == p && x.commodity == c)
            {
                return Err(src.error(
                    d.place.span(),
                    "depot.place",
                    "a place has one depot per commodity",
                ));
            }
            let demand = [
                non_negative(&src, &d.demand.power, "depot.demand.power")?,
                non_negative(&src, &d.demand.transport, "depot.demand.transport")?,
                non_negative(&src, &d.demand.agri_mining, "depot.demand.agri_mining")?,
                non_negative(
                    &src,
                    &d.demand.households_services,
                    "depot.demand.households_services",
                )?,
            ];
            let daily: f64 = demand.iter().sum();
            let capacity_days = positive(
                &src,
                &d.storage_capacity_days,
                "depot.storage_capacity_days",
            )?;
            let opening_days =
                non_negative(&src, &d.opening_cover_days, "depot.opening_cover_days")?;
            if opening_days > capacity_days {
                return Err(src.error(
                    d.opening_cover_days.span(),
                    "depot.opening_cover_days",
                    "opening stock exceeds the storage capacity",
                ));
            }
            let power = match &d.power {
                Some(p) => Some(PowerSpec {
                    normal_hours: hours(&src, &p.normal_hours, "depot.power.normal_hours")?,
                    non_thermal_share: probability(
                        &src,
                        &p.non_thermal_share,
                        "depot.power.non_thermal_share",
                    )?,
                    tank_days: match &p.tank_days {
                        Some(v) => non_negative(&src, v, "depot.power.tank_days")?,
                        None => DEFAULT_PLANT_TANK_DAYS,
                    },
                }),
                None => None,
            };
            depots.push(DepotSpec {
                place: p,
                commodity: c,
                demand,
                storage_capacity: Volume(capacity_days * daily),
                opening_stock: Volume(opening_days * daily),
                target_cover: Days(non_negative(
                    &src,
                    &d.target_cover_days,
                    "depot.target_cover_days",
                )?),
                power,
                services: d.services,
                population: match &d.population {
                    Some(p) => population(&src, p)?,
                    None => 0.0,
                },
                production: None,
            });
        }
        // Production needs every depot (its fuel depot may come later in the file).
        let mut productions = Vec::with_capacity(depots.len());
        for d in &spec.depots {
            productions.push(match &d.production {
                Some(p) => Some(crate::food::production(
                    &src,
                    p,
                    &network,
                    &depots,
                    &commodities,
                    start_date,
                    days,
                )?),
                None => None,
            });
        }
        for (depot, production) in depots.iter_mut().zip(productions) {
            depot.production = production;
        }
        let depot_of = |place_id: PlaceId, c: CommodityId| {
            depots
                .iter()
                .position(|d| d.place == place_id && d.commodity == c)
                .map(DepotId::from_index)
        };

        let corridor_index =
            |name: &str| spec.corridors.iter().position(|c| c.name.get_ref() == name);
        // Response overrides that name corridors must name real ones.
        if let Some(r) = response {
            for (name, span) in r
                .shares
                .iter()
                .map(|(k, v)| (k, v.span()))
                .chain(r.fleet.iter().map(|(k, v)| (k, v.span())))
                .chain(r.opens.iter().map(|(k, v)| (k, v.span())))
                .chain(r.corridors.iter().map(|c| (c.get_ref(), c.span())))
            {
                if corridor_index(name).is_none() {
                    return Err(src.error(span, "response", format!("unknown corridor `{name}`")));
                }
            }
        }

        let mut corridors = Vec::new();
        for c in &spec.corridors {
            let name = c.name.get_ref();
            if corridors.iter().any(|x: &CorridorSpec| &x.name == name) {
                return Err(src.error(
                    c.name.span(),
                    "corridor.name",
                    "corridor names must be unique",
                ));
            }
            let cid = commodity(&c.commodity, "corridor.commodity")?;
            let origin = place(&c.origin, "corridor.origin")?;
            let source_depot = if c.onward {
                Some(depot_of(origin, cid).ok_or_else(|| {
                    src.error(
                        c.origin.span(),
                        "corridor.onward",
                        format!(
                            "an onward corridor draws from a depot at its origin, and `{}` has no \
                             depot for `{}`; add a [[depot]] there or remove `onward = true`",
                            c.origin.get_ref(),
                            c.commodity.get_ref()
                        ),
                    )
                })?)
            } else {
                None
            };
            let dest_place = place(&c.destination, "corridor.destination")?;
            let destination = depot_of(dest_place, cid).ok_or_else(|| {
                src.error(
                    c.destination.span(),
                    "corridor.destination",
                    format!(
                        "`{}` has no depot for `{}`; add a [[depot]]",
                        c.destination.get_ref(),
                        c.commodity.get_ref()
                    ),
                )
            })?;
            let mut waypoints = vec![origin];
            for v in &c.via {
                waypoints.push(place(v, "corridor.via")?);
            }
            waypoints.push(dest_place);
            let closures = &overrides.closed_segments;
            let routed = network
                .path_via(&waypoints, &speeds, closures)
                .or_else(|e| {
                    // With roads closed, trucks detour by the fastest open road, if there is one.
                    if closures.is_empty() {
                        Err(e)
                    } else {
                        network.fastest_path(origin, dest_place, &speeds, closures)
                    }
                });
            let (path, cut) = match routed {
                Ok(p) => (p, false),
                Err(_) if !closures.is_empty() => (
                    lifeline_model::network::Path {
                        start: origin,
                        steps: Vec::new(),
                    },
                    true,
                ),
                Err(e) => {
                    return Err(src.error(
                        c.destination.span(),
                        "corridor.destination",
                        format!("corridor `{name}`: {e}"),
                    ));
                }
            };
            let marshal = match &c.marshalling {
                Some(_) if !closures.is_empty() && cut => origin,
                Some(m) => {
                    let mp = place(m, "corridor.marshalling")?;
                    let on_route = mp == origin || path.steps.iter().any(|(_, p)| *p == mp);
                    if !on_route && !closures.is_empty() {
                        // A detour may skip the marshalling point: convoys form at the origin.
                        origin
                    } else if !on_route {
                        return Err(src.error(
                            m.span(),
                            "corridor.marshalling",
                            format!("`{}` is not on the corridor's route", m.get_ref()),
                        ));
                    } else {
                        mp
                    }
                }
                None => origin,
            };
            let mut legs = Vec::new();
            if marshal == origin {
                legs.push(Leg::Marshal { place: origin });
            }
            let mut at = origin;
            for (segment, to) in &path.steps {
                legs.push(Leg::Drive {
                    segment: *segment,
                    to: *to,
                });
                // A border delay wherever the road crosses into another country.
                if network.place(at).country != network.place(*to).country
                    || (network.place(*to).kind == PlaceKind::Border
                        && network.place(at).kind == PlaceKind::Border)
                {
                    legs.push(Leg::Border { place: *to });
                }
                if *to == marshal {
                    legs.push(Leg::Marshal { place: *to });
                }
                at = *to;
            }

            let mut convoy_spec = c.convoy.clone();
            let mut convoy_spec_from_response = false;
            let mut share = non_negative(&src, &c.share, "corridor.share")?;
            let mut fleet = *c.fleet.get_ref();
            let mut opens = match &c.opens {
                Some(d) => day_of(d, "corridor.opens")?.max(0) as u32,
                None => 0,
            };
            if let Some(r) = response {
                if let Some(conv) = &r.convoy
                    && (r.corridors.is_empty() || r.corridors.iter().any(|x| x.get_ref() == name))
                {
                    convoy_spec = conv.clone();
                    convoy_spec_from_response = true;
                }
                if let Some(s) = r.shares.get(name) {
                    share = non_negative(&src, s, "response.shares")?;
                }
                if let Some(f) = r.fleet.get(name) {
                    fleet = *f.get_ref();
                }
                if let Some(d) = r.opens.get(name) {
                    opens = day_of(d, "response.opens")?.max(0) as u32;
                }
            }
            if cut {
                // No open road: the corridor carries nothing.
                share = 0.0;
                fleet = 0;
            }
            let size = *convoy_spec.size.get_ref();
            if size == 0 {
                return Err(src.error(
                    convoy_spec.size.span(),
                    "corridor.convoy.size",
                    "expected at least 1 truck",
                ));
            }
            corridors.push(CorridorSpec {
                name: name.clone(),
                commodity: cid,
                origin,
                destination,
                legs,
                share,
                fleet,
                convoy: ConvoyPolicy {
                    size,
                    max_wait: Days(non_negative(
                        &src,
                        &convoy_spec.max_wait_days,
                        "corridor.convoy.max_wait_days",
                    )?),
                    escorted: convoy_spec.escorted,
                },
                origin_daily_limit: match &c.origin_daily_limit {
                    Some(v) => Some(Volume(non_negative(
                        &src,
                        v,
                        "corridor.origin_daily_limit",
                    )?)),
                    None => None,
                },
                opens_on_day: opens,
                convoys_from_day: match (&c.convoys_from, response.and_then(|r| r.convoy.as_ref()))
                {
                    // A response's convoy policy applies from its own date (default: the start).
                    (_, Some(_)) if convoy_spec_from_response => {
                        match response.and_then(|r| r.convoys_from.as_ref()) {
                            Some(d) => day_of(d, "response.convoys_from")?.max(0) as u32,
                            None => 0,
                        }
                    }
                    (Some(d), _) => day_of(d, "corridor.convoys_from")?.max(0) as u32,
                    (None, _) => 0,
                },
                convoys_until_day: {
                    let to = if convoy_spec_from_response {
                        response.and_then(|r| r.convoys_to.as_ref())
                    } else {
                        c.convoys_to.as_ref()
                    };
                    match to {
                        Some(d) => day_after(day_of(d, "corridor.convoys_to")?),
                        None => u32::MAX,
                    }
                },
                source_depot,
                closes_on_day: match &c.closes {
                    Some(d) => day_after(day_of(d, "corridor.closes")?),
                    None => u32::MAX,
                },
            });
        }
        // Shares are relative weights among a depot's corridors.
        for (di, d) in spec.depots.iter().enumerate() {
            let total: f64 = corridors
                .iter()
                .filter(|c| c.destination.index() == di)
                .map(|c| c.share)
                .sum();
            if total <= 0.0 && !overrides.closed_segments.is_empty() {
                continue; // cut off by the closures: the depot gets nothing
            }
            if total <= 0.0 && d.production.is_some() {
                continue; // fed by its own region's production alone
            }
            if total <= 0.0 {
                return Err(src.error(
                    d.place.span(),
                    "depot.place",
                    format!(
                        "no corridor with a positive share supplies the depot at `{}`",
                        d.place.get_ref()
                    ),
                ));
            }
            for c in corridors.iter_mut().filter(|c| c.destination.index() == di) {
                c.share /= total;
            }
        }

        let priority_spec = response
            .and_then(|r| r.rationing_priority.as_ref())
            .unwrap_or(&spec.rationing.priority);
        let mut priority = Vec::new();
        for p in priority_spec {
            let s = Sector::parse(p.get_ref()).ok_or_else(|| {
                src.error(p.span(), "rationing.priority", format!("unknown sector `{}`; expected power, transport, agri_mining or households_services", p.get_ref()))
            })?;
            priority.push(s);
        }
        let r = &spec.rationing;
        let rationing = RationingPolicy {
            trigger_cover: Days(non_negative(
                &src,
                &r.trigger_cover_days,
                "rationing.trigger_cover_days",
            )?),
            stretch: Days(positive(&src, &r.stretch_days, "rationing.stretch_days")?),
            adjust_per_day: match &r.adjust_per_day {
                Some(v) => fraction_positive(&src, v, "rationing.adjust_per_day")?,
                None => DEFAULT_RATIONING_ADJUST_PER_DAY,
            },
            dead_band: match &r.dead_band {
                Some(v) => probability(&src, v, "rationing.dead_band")?,
                None => DEFAULT_RATIONING_DEAD_BAND,
            },
            priority,
            priority_from_day: match &r.priority_from {
                Some(d) => day_of(d, "rationing.priority_from")?.max(0) as u32,
                None => 0,
            },
            priority_until_day: match &r.priority_to {
                Some(d) => day_after(day_of(d, "rationing.priority_to")?),
                None => u32::MAX,
            },
        };
        let p = &spec.prices;
        let prices = PriceParams {
            reference_cover: Days(positive(
                &src,
                &p.reference_cover_days,
                "prices.reference_cover_days",
            )?),
            cap_multiple: at_least_one(&src, &p.cap_multiple, "prices.cap_multiple")?,
            exponent: positive(&src, &p.exponent, "prices.exponent")?,
            demand_elasticity: non_negative(
                &src,
                &p.demand_elasticity,
                "prices.demand_elasticity",
            )?,
            food_transport_share: probability(
                &src,
                &p.food_transport_share,
                "prices.food_transport_share",
            )?,
            adjustment_half_life: Days(match &p.adjustment_half_life_days {
                Some(v) => non_negative(&src, v, "prices.adjustment_half_life_days")?,
                None => DEFAULT_PRICE_HALF_LIFE_DAYS,
            }),
        };
        let s = &spec.services;
        let services = ServiceParams {
            window: (*s.window_days.get_ref()).max(1),
            close_below: probability(&src, &s.close_below, "services.close_below")?,
            reopen_above: probability(&src, &s.reopen_above, "services.reopen_above")?,
            max_closure_days: *s.max_closure_days.get_ref(),
            min_open_days: *s.min_open_days.get_ref(),
        };
        let w = &spec.willingness;
        let willingness = WillingnessParams {
            drop_per_attack: probability(&src, &w.drop_per_attack, "willingness.drop_per_attack")?,
            drop_per_kidnapping: probability(
                &src,
                &w.drop_per_kidnapping,
                "willingness.drop_per_kidnapping",
            )?,
            recovery_half_life: Days(positive(
                &src,
                &w.recovery_half_life_days,
                "willingness.recovery_half_life_days",
            )?),
            floor: probability(&src, &w.floor, "willingness.floor")?,
            drop_per_reported_incident: probability(
                &src,
                &w.drop_per_reported_incident,
                "willingness.drop_per_reported_incident",
            )?,
            safe_recovery_half_life: Days(match &w.safe_recovery_half_life_days {
                Some(h) => positive(&src, h, "willingness.safe_recovery_half_life_days")?,
                None => *w.recovery_half_life_days.get_ref(),
            }),
            safe_trip_attack_chance: match &w.safe_trip_attack_chance {
                Some(p) => probability(&src, p, "willingness.safe_trip_attack_chance")?,
                None => 0.01,
            },
        };
        let e = &spec.escorts;
        let escorts = EscortParams {
            units: *response
                .and_then(|r| r.escort_units.as_ref())
                .unwrap_or(&e.units)
                .get_ref(),
            turnaround: Days(non_negative(
                &src,
                &e.turnaround_days,
                "escorts.turnaround_days",
            )?),
            max_wait_for_escort: Days(non_negative(
                &src,
                &e.max_wait_for_escort_days,
                "escorts.max_wait_for_escort_days",
            )?),
        };
        let mut reserves = Vec::new();
        let reserve_specs = spec
            .reserves
            .iter()
            .chain(response.map(|r| r.reserves.iter()).into_iter().flatten());
        for rs in reserve_specs {
            let p = place(&rs.place, "reserve.place")?;
            let c = commodity(&rs.commodity, "reserve.commodity")?;
            let depot = depot_of(p, c).ok_or_else(|| {
                src.error(
                    rs.place.span(),
                    "reserve.place",
                    "a reserve must feed a depot of the same commodity",
                )
            })?;
            reserves.push(ReserveSpec {
                depot,
                volume: Volume(non_negative(&src, &rs.volume, "reserve.volume")?),
                release_below_cover: Days(non_negative(
                    &src,
                    &rs.release_below_cover_days,
                    "reserve.release_below_cover_days",
                )?),
                release_per_day: Volume(positive(
                    &src,
                    &rs.release_per_day,
                    "reserve.release_per_day",
                )?),
                first_day: match &rs.from {
                    Some(d) => day_of(d, "reserve.from")?.max(0) as u32,
                    None => 0,
                },
                until_day: match &rs.to {
                    Some(d) => day_after(day_of(d, "reserve.to")?),
                    None => u32::MAX,
                },
            });
        }

        let threat = self.threat(
            &src,
            &ThreatContext {
                network: &network,
                speeds: &speeds,
                start: start_date,
                days,
                corridors: &corridors,
            },
            overrides,
        )?;

        let by_name = |place_id: PlaceId, name: &str| {
            let c = commodities.iter().position(|c| c.name == name)?;
            depot_of(place_id, CommodityId::from_index(c))
        };
        let modes = ModeContext {
            src: &src,
            network: &network,
            start: start_date,
            days,
            corridors: &corridors,
            depot_of: &by_name,
        };
        let scheduled_convoys = supply_modes::scheduled_convoys(
            &modes,
            spec.scheduled_convoys.iter().chain(
                response
                    .map(|r| r.scheduled_convoys.iter())
                    .into_iter()
                    .flatten(),
            ),
        )?;
        let road_cuts = supply_modes::road_cuts(&modes, &spec.road_cuts)?;
        let airlifts = supply_modes::airlifts(&modes, &spec.airlifts)?;

        let exports = crate::exports::exports(
            &src,
            &spec.exports,
            &network,
            &trucks.speeds,
            &depots,
            &commodities,
        )?;
        let service_rules = crate::services::service_rules(
            &src,
            &spec.service_rules,
            &network,
            &depots,
            &commodities,
        )?;
        let input = ModelInput {
            network,
            days,
            commodities,
            depots,
            corridors,
            trucks,
            rationing,
            prices,
            services,
            willingness,
            escorts,
            reserves,
            threat,
            scheduled_convoys,
            road_cuts,
            airlifts,
            food_security: crate::food::food_security(&src, spec.food_security.as_ref())?,
            exports,
            service_rules,
        };
        let reach_from: Vec<(PlaceId, PlaceId)> = input
            .corridors
            .iter()
            .map(|c| (c.origin, input.depots[c.destination.index()].place))
            .collect();
        for (o, d) in reach_from {
            input
                .network
                .check_reachable(o, &[d])
                .map_err(|e| src.error(spec.network.segments.span(), "network", e.to_string()))?;
        }
        Ok(Built {
            input,
            name: spec.scenario.name.clone(),
            response: response_name,
            seed: overrides.seed.unwrap_or(spec.scenario.seed),
            start_date,
        })
    }

    fn threat(
        &self,
        src: &SourceText,
        ctx: &ThreatContext,
        overrides: &Overrides,
    ) -> Result<ThreatInput> {
        let ThreatContext {
            network,
            speeds,
            start,
            days,
            corridors,
        } = *ctx;
        let th = &self.spec.threat;
        let a = &th.attacks;
        let attacks = AttackParams {
            escort_hazard_factor: probability(
                src,
                &a.escort_hazard_factor,
                "threat.attacks.escort_hazard_factor",
            )?,
            reference_size: positive(src, &a.reference_size, "threat.attacks.reference_size")?,
            size_exponent: *a.size_exponent.get_ref(),
            loss_unescorted: LossShare {
                max_share: probability(
                    src,
                    &a.loss_unescorted.max_share,
                    "threat.attacks.loss_unescorted.max_share",
                )?,
                shape: positive(
                    src,
                    &a.loss_unescorted.shape,
                    "threat.attacks.loss_unescorted.shape",
                )?,
            },
            loss_escorted: LossShare {
                max_share: probability(
                    src,
                    &a.loss_escorted.max_share,
                    "threat.attacks.loss_escorted.max_share",
                )?,
                shape: positive(
                    src,
                    &a.loss_escorted.shape,
                    "threat.attacks.loss_escorted.shape",
                )?,
            },
            kidnap_chance: probability(src, &a.kidnap_chance, "threat.attacks.kidnap_chance")?,
            kidnap_max: *a.kidnap_max.get_ref(),
            killed_per_truck_lost: *a.killed_per_truck_lost.get_ref(),
            turn_back_chance: probability(
                src,
                &a.turn_back_chance,
                "threat.attacks.turn_back_chance",
            )?,
            wait_chance: probability(src, &a.wait_chance, "threat.attacks.wait_chance")?,
            wait_days: non_negative(src, &a.wait_days, "threat.attacks.wait_days")?,
        };
        if attacks.turn_back_chance + attacks.wait_chance > 1.0 {
            return Err(src.error(
                a.wait_chance.span(),
                "threat.attacks.wait_chance",
                "turn_back_chance + wait_chance must not exceed 1",
            ));
        }
        let mut builder = HazardBuilder::new(network, days);
        let shift = overrides.threat_shift_days;
        let blockades = if overrides.without_threat {
            &[][..]
        } else {
            &self.spec.blockades[..]
        };
        for b in blockades {
            let first = (date(src, &b.from, "blockade.from")? - start).num_days() + shift;
            let last = (date(src, &b.to, "blockade.to")? - start).num_days() + shift;
            if last < first {
                return Err(src.error(
                    b.to.span(),
                    "blockade.to",
                    "the blockade ends before it starts",
                ));
            }
            let countries = declared_countries(src, b, network)?;
            let mut segments: Vec<DeclaredSegment> = Vec::new();
            if b.axis.len() == 1 {
                return Err(src.error(
                    b.axis[0].span(),
                    "blockade.axis",
                    "an axis needs at least two places",
                ));
            }
            if b.axis.len() >= 2 {
                let mut pts = Vec::new();
                for p in &b.axis {
                    pts.push(network.place_by_name(p.get_ref()).ok_or_else(|| {
                        src.error(
                            p.span(),
                            "blockade.axis",
                            format!("unknown place `{}`", p.get_ref()),
                        )
                    })?);
                }
                let path = network
                    .path_via(&pts, speeds, &[])
                    .map_err(|e| src.error(b.axis[0].span(), "blockade.axis", e.to_string()))?;
                for (segment, _) in &path.steps {
                    let share = country_share(network, *segment, &countries);
                    if share > 0.0 {
                        segments.push(DeclaredSegment {
                            segment: *segment,
                            share,
                        });
                    }
                }
            }
            if let Some(area) = &b.area {
                let centre = network.place_by_name(area.place.get_ref()).ok_or_else(|| {
                    src.error(
                        area.place.span(),
                        "blockade.area.place",
                        format!("unknown place `{}`", area.place.get_ref()),
                    )
                })?;
                let radius = positive(src, &area.radius_km, "blockade.area.radius_km")?;
                let c = network.place(centre);
                for i in 0..network.segments().len() {
                    let id = SegmentId::from_index(i);
                    if segments.iter().any(|d| d.segment == id) {
                        continue;
                    }
                    let inside = share_within(&network.polyline(id), (c.lat, c.lon), radius);
                    let share = inside * country_share(network, id, &countries);
                    if share > 0.0 {
                        segments.push(DeclaredSegment { segment: id, share });
                    }
                }
            }
            if segments.is_empty() && b.axis.is_empty() && b.area.is_none() {
                return Err(src.error(
                    b.from.span(),
                    "blockade",
                    format!("blockade `{}` names no axis or area", b.name),
                ));
            }
            if last < 0 || first >= i64::from(days) {
                continue;
            }
            builder.declaration(&Declaration {
                name: b.name.clone(),
                segments,
                first_day: first.max(0) as u32,
                last_day: last.min(i64::from(days) - 1) as u32,
                intensity: non_negative(src, &b.intensity, "blockade.intensity")?,
            });
        }
        let k = &th.kernel;
        let kernel = KernelParams {
            range_km: positive(src, &k.range_km, "threat.kernel.range_km")?,
            decay_days: positive(src, &k.decay_days, "threat.kernel.decay_days")?,
            scale: non_negative(src, &k.scale, "threat.kernel.scale")?,
            fatality_weight: *k.fatality_weight.get_ref(),
        };
        let events = self.conflict_events(src, start, &kernel, overrides)?;
        builder.events(
            &events.iter().map(|e| e.0.clone()).collect::<Vec<_>>(),
            &kernel,
        );
        let mut hazard = builder.build();
        hazard.scale(non_negative(src, &th.hazard_scale, "threat.hazard_scale")?);
        let reported = reported_incidents(
            network,
            corridors,
            &events,
            &kernel,
            days,
            *self.spec.willingness.abduction_severity.get_ref(),
        );
        Ok(ThreatInput {
            hazard,
            attacks,
            reported,
        })
    }

    /// Reads the event file (the override, or the scenario's), weighted by the kernel; each
    /// event comes with whether it was an abduction.
    fn conflict_events(
        &self,
        src: &SourceText,
        start: NaiveDate,
        kernel: &KernelParams,
        overrides: &Overrides,
    ) -> Result<Vec<(ConflictEvent, bool)>> {
        let Some((text, file)) = self.event_file(src, overrides)? else {
            return Ok(Vec::new());
        };
        if overrides.without_threat {
            return Ok(Vec::new());
        }
        let rows = lifeline_io::acled::read_acled(&text, &file)?;
        let weights = EventWeights::new(&self.spec.threat.kernel.event_weights);
        let mut events = weighted_events(&rows, &weights, start, kernel);
        for (e, _) in events.iter_mut() {
            e.day += overrides.threat_shift_days;
        }
        Ok(events)
    }
}

/// The first day after an inclusive last day given relative to the start (0 if before it).
fn day_after(last: i64) -> u32 {
    u32::try_from((last + 1).max(0)).unwrap_or(u32::MAX)
}

/// The countries a declaration is limited to (ISO 3166-1 alpha-2 codes as in the places table);
/// empty means no limit.
fn declared_countries(
    src: &SourceText,
    b: &BlockadeSpec,
    network: &Network,
) -> Result<Vec<String>> {
    let known: std::collections::BTreeSet<&str> = network
        .places()
        .iter()
        .map(|p| p.country.as_str())
        .collect();
    let mut out = Vec::new();
    for code in &b.countries {
        let text = code.get_ref().trim().to_uppercase();
        if !known.contains(text.as_str()) {
            return Err(src.error(
                code.span(),
                "blockade.countries",
                format!(
                    "no place of the network is in country `{}`; the network's countries are {} \
                     (two-letter ISO codes as in the places table)",
                    code.get_ref(),
                    known.iter().copied().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        out.push(text);
    }
    Ok(out)
}

/// Share of a segment's length inside the listed countries: 1 when both ends are in them, 0 when
/// neither is, and one half for a road crossing the border (where along it the border lies is not
/// in the network tables). No list means no limit.
fn country_share(network: &Network, segment: SegmentId, countries: &[String]) -> f64 {
    if countries.is_empty() {
        return 1.0;
    }
    let s = network.segment(segment);
    let inside = [s.a, s.b]
        .iter()
        .filter(|p| countries.iter().any(|c| *c == network.place(**p).country))
        .count();
    inside as f64 / 2.0
}

/// Incidents drivers hear of: every weighted event within the kernel's cutoff (3 · range) of a
/// corridor's road, on the event's day. Its severity is the event's kernel weight (type and
/// fatalities), times `abduction_severity` for an abduction, times the kernel's distance decay
/// exp(−d / range) to the nearest point of the corridor's road: drivers respond to what happened
/// and how close it was to their route, not to a count of reports.
fn reported_incidents(
    network: &Network,
    corridors: &[CorridorSpec],
    events: &[(ConflictEvent, bool)],
    kernel: &KernelParams,
    days: u32,
    abduction_severity: f64,
) -> Vec<ReportedIncident> {
    let roads: Vec<Vec<(f64, f64)>> = (0..network.segments().len())
        .map(|i| network.polyline(SegmentId::from_index(i)))
        .collect();
    let cutoff = 3.0 * kernel.range_km;
    let mut out = Vec::new();
    for (e, abduction) in events {
        if e.day < 0 || e.day >= i64::from(days) || e.weight <= 0.0 {
            continue;
        }
        for (ci, c) in corridors.iter().enumerate() {
            let nearest = c
                .legs
                .iter()
                .filter_map(|leg| match leg {
                    Leg::Drive { segment, .. } => Some(distance_to_polyline_km(
                        (e.lat, e.lon),
                        &roads[segment.index()],
                    )),
                    _ => None,
                })
                .fold(f64::INFINITY, f64::min);
            if nearest > cutoff {
                continue;
            }
            let kind = if *abduction { abduction_severity } else { 1.0 };
            out.push(ReportedIncident {
                day: e.day as u32,
                corridor: CorridorId::from_index(ci),
                severity: kind * e.weight * (-nearest / kernel.range_km).exp(),
            });
        }
    }
    out.sort_by_key(|r| (r.day, r.corridor));
    out
}

/// Reads `embedded:NAME` or a path relative to the scenario's folder.
pub(crate) fn load_data(
    src: &SourceText,
    spec: &Spanned<String>,
    base_dir: Option<&Path>,
    field: &str,
) -> Result<(String, String)> {
    let value = spec.get_ref();
    if let Some(name) = value.strip_prefix("embedded:") {
        let text = embedded::data(name).ok_or_else(|| {
            let known: Vec<&str> = embedded::DATA.iter().map(|d| d.0).collect();
            src.error(
                spec.span(),
                field,
                format!("no embedded data `{name}`; embedded: {}", known.join(", ")),
            )
        })?;
        return Ok((text.to_string(), value.clone()));
    }
    let path = match base_dir {
        Some(dir) if Path::new(value).is_relative() => dir.join(value),
        _ => PathBuf::from(value),
    };
    let bytes = std::fs::read(&path).map_err(|e| {
        src.error(
            spec.span(),
            field,
            format!("cannot read `{}`: {e}", path.display()),
        )
    })?;
    let text = lifeline_io::text::decode(bytes, &path.display().to_string())?;
    Ok((text, path.display().to_string()))
}

/// Defaults of the optional consequence keys (docs/model.md): the Mali scenarios state them.
/// Days of full-output burn the power plants hold in their own tanks.
const DEFAULT_PLANT_TANK_DAYS: f64 = 5.0;
/// Largest daily move of a depot's rationing level.
const DEFAULT_RATIONING_ADJUST_PER_DAY: f64 = 0.05;
/// Gap between the rationing aim and the level below which the level stays put.
const DEFAULT_RATIONING_DEAD_BAND: f64 = 0.05;
/// Half-life of the informal price's move toward the level scarcity implies.
const DEFAULT_PRICE_HALF_LIFE_DAYS: f64 = 3.0;
