//! The stages of [`Scenario::build`](crate::build::Scenario::build) that read the defender's
//! policies and the people's behaviour: rationing, prices, services, drivers' willingness,
//! escorts and strategic reserves. A response may replace the rationing priority, the escort
//! units and add reserves; every error names the file, line and field.

use crate::error::ScenarioError;
use crate::numbers::{
    at_least_one, day_after, fraction_positive, non_negative, positive, probability,
};
use crate::spec::ResponseSpec;
use crate::stages::{self, Stage};
use lifeline_model::params::{
    CommoditySpec, DepotSpec, EscortParams, PriceParams, RationingPolicy, ReserveSpec, Sector,
    ServiceParams, WillingnessParams,
};
use lifeline_model::units::{Days, Volume};

type Result<T> = std::result::Result<T, ScenarioError>;

/// Defaults of the optional consequence keys (docs/model.md): the Mali scenarios state them
/// (the plants' tank days are with the depots' stage, `stages.rs`).
/// Largest daily move of a depot's rationing level.
const DEFAULT_RATIONING_ADJUST_PER_DAY: f64 = 0.05;
/// Gap between the rationing aim and the level below which the level stays put.
const DEFAULT_RATIONING_DEAD_BAND: f64 = 0.05;
/// Half-life of the informal price's move toward the level scarcity implies.
const DEFAULT_PRICE_HALF_LIFE_DAYS: f64 = 3.0;
/// The drivers' safe trip attack chance unless the file gives one.
const DEFAULT_SAFE_TRIP_ATTACK_CHANCE: f64 = 0.01;

/// `[rationing]`, with the response's priority where it gives one.
pub(crate) fn rationing(stage: &Stage, response: Option<&ResponseSpec>) -> Result<RationingPolicy> {
    let (src, spec) = (&stage.src, stage.spec);
    let priority_spec = response
        .and_then(|r| r.rationing_priority.as_ref())
        .unwrap_or(&spec.rationing.priority);
    let mut priority = Vec::new();
    for p in priority_spec {
        let s = Sector::parse(p.get_ref()).ok_or_else(|| {
            src.error(
                p.span(),
                "rationing.priority",
                format!(
                    "unknown sector `{}`; expected power, transport, agri_mining or households_services",
                    p.get_ref()
                ),
            )
        })?;
        priority.push(s);
    }
    let r = &spec.rationing;
    Ok(RationingPolicy {
        trigger_cover: Days(non_negative(
            src,
            &r.trigger_cover_days,
            "rationing.trigger_cover_days",
        )?),
        stretch: Days(positive(src, &r.stretch_days, "rationing.stretch_days")?),
        adjust_per_day: match &r.adjust_per_day {
            Some(v) => fraction_positive(src, v, "rationing.adjust_per_day")?,
            None => DEFAULT_RATIONING_ADJUST_PER_DAY,
        },
        dead_band: match &r.dead_band {
            Some(v) => probability(src, v, "rationing.dead_band")?,
            None => DEFAULT_RATIONING_DEAD_BAND,
        },
        priority,
        priority_from_day: match &r.priority_from {
            Some(d) => stage.day_of(d, "rationing.priority_from")?.max(0) as u32,
            None => 0,
        },
        priority_until_day: match &r.priority_to {
            Some(d) => day_after(stage.day_of(d, "rationing.priority_to")?),
            None => u32::MAX,
        },
    })
}

/// `[prices]`: the informal market's response to scarcity.
pub(crate) fn prices(stage: &Stage) -> Result<PriceParams> {
    let (src, p) = (&stage.src, &stage.spec.prices);
    Ok(PriceParams {
        reference_cover: Days(positive(
            src,
            &p.reference_cover_days,
            "prices.reference_cover_days",
        )?),
        cap_multiple: at_least_one(src, &p.cap_multiple, "prices.cap_multiple")?,
        exponent: positive(src, &p.exponent, "prices.exponent")?,
        demand_elasticity: non_negative(src, &p.demand_elasticity, "prices.demand_elasticity")?,
        food_transport_share: probability(
            src,
            &p.food_transport_share,
            "prices.food_transport_share",
        )?,
        adjustment_half_life: Days(match &p.adjustment_half_life_days {
            Some(v) => non_negative(src, v, "prices.adjustment_half_life_days")?,
            None => DEFAULT_PRICE_HALF_LIFE_DAYS,
        }),
    })
}

/// `[services]`: when schools and clinics close and reopen.
pub(crate) fn services(stage: &Stage) -> Result<ServiceParams> {
    let (src, s) = (&stage.src, &stage.spec.services);
    Ok(ServiceParams {
        window: (*s.window_days.get_ref()).max(1),
        close_below: probability(src, &s.close_below, "services.close_below")?,
        reopen_above: probability(src, &s.reopen_above, "services.reopen_above")?,
        max_closure_days: *s.max_closure_days.get_ref(),
        min_open_days: *s.min_open_days.get_ref(),
    })
}

/// `[willingness]`: how attacks and reports keep drivers home, and how they come back.
pub(crate) fn willingness(stage: &Stage) -> Result<WillingnessParams> {
    let (src, w) = (&stage.src, &stage.spec.willingness);
    Ok(WillingnessParams {
        drop_per_attack: probability(src, &w.drop_per_attack, "willingness.drop_per_attack")?,
        drop_per_kidnapping: probability(
            src,
            &w.drop_per_kidnapping,
            "willingness.drop_per_kidnapping",
        )?,
        recovery_half_life: Days(positive(
            src,
            &w.recovery_half_life_days,
            "willingness.recovery_half_life_days",
        )?),
        floor: probability(src, &w.floor, "willingness.floor")?,
        drop_per_reported_incident: probability(
            src,
            &w.drop_per_reported_incident,
            "willingness.drop_per_reported_incident",
        )?,
        safe_recovery_half_life: Days(match &w.safe_recovery_half_life_days {
            Some(h) => positive(src, h, "willingness.safe_recovery_half_life_days")?,
            None => *w.recovery_half_life_days.get_ref(),
        }),
        safe_trip_attack_chance: match &w.safe_trip_attack_chance {
            Some(p) => probability(src, p, "willingness.safe_trip_attack_chance")?,
            None => DEFAULT_SAFE_TRIP_ATTACK_CHANCE,
        },
    })
}

/// `[escorts]`, with the response's escort units where it gives them.
pub(crate) fn escorts(stage: &Stage, response: Option<&ResponseSpec>) -> Result<EscortParams> {
    let (src, e) = (&stage.src, &stage.spec.escorts);
    Ok(EscortParams {
        units: *response
            .and_then(|r| r.escort_units.as_ref())
            .unwrap_or(&e.units)
            .get_ref(),
        turnaround: Days(non_negative(
            src,
            &e.turnaround_days,
            "escorts.turnaround_days",
        )?),
        max_wait_for_escort: Days(non_negative(
            src,
            &e.max_wait_for_escort_days,
            "escorts.max_wait_for_escort_days",
        )?),
    })
}

/// `[[reserve]]` entries of the file and then of the response, each feeding the depot of its
/// commodity at its place.
pub(crate) fn reserves(
    stage: &Stage,
    commodities: &[CommoditySpec],
    depots: &[DepotSpec],
    response: Option<&ResponseSpec>,
) -> Result<Vec<ReserveSpec>> {
    let src = &stage.src;
    let specs = stage
        .spec
        .reserves
        .iter()
        .chain(response.map(|r| r.reserves.iter()).into_iter().flatten());
    let mut reserves = Vec::new();
    for rs in specs {
        let p = stage.place(&rs.place, "reserve.place")?;
        let c = stages::commodity_id(stage, commodities, &rs.commodity, "reserve.commodity")?;
        let depot = stages::depot_of(depots, p, c).ok_or_else(|| {
            src.error(
                rs.place.span(),
                "reserve.place",
                "a reserve must feed a depot of the same commodity",
            )
        })?;
        reserves.push(ReserveSpec {
            depot,
            volume: Volume(non_negative(src, &rs.volume, "reserve.volume")?),
            release_below_cover: Days(non_negative(
                src,
                &rs.release_below_cover_days,
                "reserve.release_below_cover_days",
            )?),
            release_per_day: Volume(positive(
                src,
                &rs.release_per_day,
                "reserve.release_per_day",
            )?),
            first_day: match &rs.from {
                Some(d) => stage.day_of(d, "reserve.from")?.max(0) as u32,
                None => 0,
            },
            until_day: match &rs.to {
                Some(d) => day_after(stage.day_of(d, "reserve.to")?),
                None => u32::MAX,
            },
        });
    }
    Ok(reserves)
}
