//! The stages of [`Scenario::build`](crate::build::Scenario::build) that turn the file's
//! tables into the model's own: trucks, commodities, depots (with their production) and
//! corridors (routed, with the response's overrides). Each reads the file through a [`Stage`],
//! so that every error still names the file, line and field.

use crate::error::{ScenarioError, SourceText};
use crate::numbers::{
    date, day_after, fraction_positive, hours, non_negative, population, positive, probability,
};
use crate::spec::{ResponseSpec, ScenarioFile};
use chrono::NaiveDate;
use lifeline_model::network::{Network, PlaceKind, SpeedTable};
use lifeline_model::params::{
    CommoditySpec, ConvoyPolicy, CorridorSpec, DepotSpec, Leg, PowerSpec, TruckParams,
};
use lifeline_model::units::{Days, KmPerDay, Volume};
use lifeline_model::{CommodityId, DepotId, PlaceId, SegmentId};
use toml::Spanned;

type Result<T> = std::result::Result<T, ScenarioError>;

/// Days of full-output burn the power plants hold in their own tanks unless a depot says
/// otherwise (docs/model.md; the Mali scenarios state it).
const DEFAULT_PLANT_TANK_DAYS: f64 = 5.0;

/// What every stage reads: the file (for located errors), its tables, the network and the
/// calendar.
pub(crate) struct Stage<'a> {
    pub src: SourceText<'a>,
    pub spec: &'a ScenarioFile,
    pub network: &'a Network,
    pub start_date: NaiveDate,
}

impl Stage<'_> {
    /// The place named by `s` in the network.
    pub fn place(&self, s: &Spanned<String>, field: &str) -> Result<PlaceId> {
        place_named(&self.src, self.network, s, field)
    }

    /// The day of the run (from 0 on the start date; negative before it) of the date `s`.
    pub fn day_of(&self, s: &Spanned<String>, field: &str) -> Result<i64> {
        day_of_run(&self.src, self.start_date, s, field)
    }
}

/// The place named by `s` in `network`; an error at `s` where there is none.
pub(crate) fn place_named(
    src: &SourceText,
    network: &Network,
    s: &Spanned<String>,
    field: &str,
) -> Result<PlaceId> {
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
}

/// The day of a run starting on `start` (negative before it) of the date `s`.
pub(crate) fn day_of_run(
    src: &SourceText,
    start: NaiveDate,
    s: &Spanned<String>,
    field: &str,
) -> Result<i64> {
    Ok((date(src, s, field)? - start).num_days())
}

/// `[trucks]`: speeds by road condition, times at depots and borders, escorts' pace, and the
/// replacement of lost trucks.
pub(crate) fn trucks(stage: &Stage) -> Result<TruckParams> {
    let (src, spec) = (&stage.src, stage.spec);
    let t = &spec.trucks;
    let speeds = SpeedTable {
        by_condition: [
            KmPerDay(positive(
                src,
                &t.speed_km_per_day.good,
                "trucks.speed_km_per_day.good",
            )?),
            KmPerDay(positive(
                src,
                &t.speed_km_per_day.fair,
                "trucks.speed_km_per_day.fair",
            )?),
            KmPerDay(positive(
                src,
                &t.speed_km_per_day.bad,
                "trucks.speed_km_per_day.bad",
            )?),
            KmPerDay(positive(
                src,
                &t.speed_km_per_day.track,
                "trucks.speed_km_per_day.track",
            )?),
        ],
    };
    Ok(TruckParams {
        speeds,
        load_time: Days(non_negative(src, &t.load_days, "trucks.load_days")?),
        unload_time: Days(non_negative(src, &t.unload_days, "trucks.unload_days")?),
        border_delay: Days(non_negative(
            src,
            &t.border_delay_days,
            "trucks.border_delay_days",
        )?),
        border_extra_day_chance: probability(
            src,
            &t.border_extra_day_chance,
            "trucks.border_extra_day_chance",
        )?,
        escorted_speed_factor: fraction_positive(
            src,
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
    })
}

/// `[[commodity]]` tables, names unique.
pub(crate) fn commodities(stage: &Stage) -> Result<Vec<CommoditySpec>> {
    let (src, spec) = (&stage.src, stage.spec);
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
                src,
                &c.truck_capacity,
                "commodity.truck_capacity",
            )?),
            official_price: positive(src, &c.official_price, "commodity.official_price")?,
            kcal_per_unit: match &c.kcal_per_unit {
                Some(k) => Some(positive(src, k, "commodity.kcal_per_unit")?),
                None => None,
            },
        });
    }
    Ok(commodities)
}

/// The commodity named by `s`.
pub(crate) fn commodity_id(
    stage: &Stage,
    commodities: &[CommoditySpec],
    s: &Spanned<String>,
    field: &str,
) -> Result<CommodityId> {
    commodities
        .iter()
        .position(|c| &c.name == s.get_ref())
        .map(CommodityId::from_index)
        .ok_or_else(|| {
            stage.src.error(
                s.span(),
                field,
                format!("unknown commodity `{}`", s.get_ref()),
            )
        })
}

/// The depot of commodity `c` at a place, if there is one.
pub(crate) fn depot_of(depots: &[DepotSpec], place: PlaceId, c: CommodityId) -> Option<DepotId> {
    depots
        .iter()
        .position(|d| d.place == place && d.commodity == c)
        .map(DepotId::from_index)
}

/// `[[depot]]` tables: one per place and commodity, stocks in days of demand, plants, services,
/// people, and production (which may name a fuel depot later in the file).
pub(crate) fn depots(
    stage: &Stage,
    commodities: &[CommoditySpec],
    days: u32,
) -> Result<Vec<DepotSpec>> {
    let (src, spec, network, start_date) =
        (&stage.src, stage.spec, stage.network, stage.start_date);
    let place = |s: &Spanned<String>, field: &str| stage.place(s, field);
    let commodity = |s: &Spanned<String>, field: &str| commodity_id(stage, commodities, s, field);
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
            non_negative(src, &d.demand.power, "depot.demand.power")?,
            non_negative(src, &d.demand.transport, "depot.demand.transport")?,
            non_negative(src, &d.demand.agri_mining, "depot.demand.agri_mining")?,
            non_negative(
                src,
                &d.demand.households_services,
                "depot.demand.households_services",
            )?,
        ];
        let daily: f64 = demand.iter().sum();
        let capacity_days = positive(src, &d.storage_capacity_days, "depot.storage_capacity_days")?;
        let opening_days = non_negative(src, &d.opening_cover_days, "depot.opening_cover_days")?;
        if opening_days > capacity_days {
            return Err(src.error(
                d.opening_cover_days.span(),
                "depot.opening_cover_days",
                "opening stock exceeds the storage capacity",
            ));
        }
        let power = match &d.power {
            Some(p) => Some(PowerSpec {
                normal_hours: hours(src, &p.normal_hours, "depot.power.normal_hours")?,
                non_thermal_share: probability(
                    src,
                    &p.non_thermal_share,
                    "depot.power.non_thermal_share",
                )?,
                tank_days: match &p.tank_days {
                    Some(v) => non_negative(src, v, "depot.power.tank_days")?,
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
                src,
                &d.target_cover_days,
                "depot.target_cover_days",
            )?),
            power,
            services: d.services,
            population: match &d.population {
                Some(p) => population(src, p)?,
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
                src,
                p,
                network,
                &depots,
                commodities,
                start_date,
                days,
            )?),
            None => None,
        });
    }
    for (depot, production) in depots.iter_mut().zip(productions) {
        depot.production = production;
    }
    Ok(depots)
}

/// `[[corridor]]` tables: each routed through its waypoints (around the `closed` segments),
/// cut into drive, border and marshalling legs, with the response's shares, fleets, opening
/// dates and convoy policy applied; shares made relative among each depot's corridors.
pub(crate) fn corridors(
    stage: &Stage,
    commodities: &[CommoditySpec],
    depots: &[DepotSpec],
    speeds: &SpeedTable,
    response: Option<&ResponseSpec>,
    closed: &[SegmentId],
) -> Result<Vec<CorridorSpec>> {
    let (src, spec) = (&stage.src, stage.spec);
    let corridor_index = |name: &str| spec.corridors.iter().position(|c| c.name.get_ref() == name);
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
        corridors.push(corridor(
            stage,
            c,
            commodities,
            depots,
            speeds,
            response,
            closed,
        )?);
    }
    // Shares are relative weights among a depot's corridors.
    for (di, d) in spec.depots.iter().enumerate() {
        let total: f64 = corridors
            .iter()
            .filter(|c| c.destination.index() == di)
            .map(|c| c.share)
            .sum();
        if total <= 0.0 && !closed.is_empty() {
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
    Ok(corridors)
}

/// One `[[corridor]]` table: its commodity, ends and legs, with the response's convoy policy,
/// share, fleet and opening date where it sets them (a share relative to the depot's other
/// corridors only once all are read).
fn corridor(
    stage: &Stage,
    c: &crate::spec::CorridorSpec,
    commodities: &[CommoditySpec],
    depots: &[DepotSpec],
    speeds: &SpeedTable,
    response: Option<&ResponseSpec>,
    closed: &[SegmentId],
) -> Result<CorridorSpec> {
    let src = &stage.src;
    let place = |s: &Spanned<String>, field: &str| stage.place(s, field);
    let day_of = |s: &Spanned<String>, field: &str| stage.day_of(s, field);
    let commodity = |s: &Spanned<String>, field: &str| commodity_id(stage, commodities, s, field);
    let depot_of = |place_id: PlaceId, c: CommodityId| depot_of(depots, place_id, c);
    let name = c.name.get_ref();
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
    let (legs, cut) = route_legs(stage, c, origin, dest_place, speeds, closed)?;

    let mut convoy_spec = c.convoy.clone();
    let mut convoy_spec_from_response = false;
    let mut share = non_negative(src, &c.share, "corridor.share")?;
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
            share = non_negative(src, s, "response.shares")?;
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
    Ok(CorridorSpec {
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
                src,
                &convoy_spec.max_wait_days,
                "corridor.convoy.max_wait_days",
            )?),
            escorted: convoy_spec.escorted,
        },
        origin_daily_limit: match &c.origin_daily_limit {
            Some(v) => Some(Volume(non_negative(src, v, "corridor.origin_daily_limit")?)),
            None => None,
        },
        opens_on_day: opens,
        convoys_from_day: match (&c.convoys_from, response.and_then(|r| r.convoy.as_ref())) {
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
    })
}

/// Longest one-way drive a corridor may take at its trucks' speeds. Anything longer is a slip
/// in units (metres for km, km per hour for km per day), and would have the model prime years
/// of trucks on the road before the first day.
const MAX_ONE_WAY_DRIVE_DAYS: f64 = 365.0;

/// Refuses a corridor whose route takes longer than [`MAX_ONE_WAY_DRIVE_DAYS`] to drive.
fn check_drive_days(
    stage: &Stage,
    c: &crate::spec::CorridorSpec,
    path: &lifeline_model::network::Path,
    speeds: &SpeedTable,
) -> Result<()> {
    let days = stage.network.path_drive_time(path, speeds).0;
    if days <= MAX_ONE_WAY_DRIVE_DAYS {
        return Ok(());
    }
    Err(stage.src.error(
        c.name.span(),
        "corridor",
        format!(
            "corridor `{}` takes {days:.0} days to drive one way at the trucks' speeds (at most \
             {MAX_ONE_WAY_DRIVE_DAYS} allowed); check the segments' length_km (km, not m) and \
             trucks.speed_km_per_day (km per day, not per hour)",
            c.name.get_ref()
        ),
    ))
}

/// A corridor's legs: its route from `origin` through its `via` places to `destination` (the
/// fastest open road around the `closed` segments when the stated route is closed), cut into
/// drives, border crossings wherever the road enters another country, and the marshalling
/// point (at the origin unless the route passes the one named). With every road closed the
/// corridor is cut: no legs but the marshalling point, and `true`.
fn route_legs(
    stage: &Stage,
    c: &crate::spec::CorridorSpec,
    origin: PlaceId,
    dest_place: PlaceId,
    speeds: &SpeedTable,
    closed: &[SegmentId],
) -> Result<(Vec<Leg>, bool)> {
    let (src, network) = (&stage.src, stage.network);
    let place = |s: &Spanned<String>, field: &str| stage.place(s, field);
    let name = c.name.get_ref();
    let mut waypoints = vec![origin];
    for v in &c.via {
        waypoints.push(place(v, "corridor.via")?);
    }
    waypoints.push(dest_place);
    let routed = network.path_via(&waypoints, speeds, closed).or_else(|e| {
        // With roads closed, trucks detour by the fastest open road, if there is one.
        if closed.is_empty() {
            Err(e)
        } else {
            network.fastest_path(origin, dest_place, speeds, closed)
        }
    });
    let (path, cut) = match routed {
        Ok(p) => (p, false),
        Err(_) if !closed.is_empty() => (
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
    check_drive_days(stage, c, &path, speeds)?;
    let marshal = match &c.marshalling {
        Some(_) if !closed.is_empty() && cut => origin,
        Some(m) => {
            let mp = place(m, "corridor.marshalling")?;
            let on_route = mp == origin || path.steps.iter().any(|(_, p)| *p == mp);
            if !on_route && !closed.is_empty() {
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
    Ok((legs, cut))
}
