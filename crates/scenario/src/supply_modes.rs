//! Build stage for supply modes and disruptions stated on dates: scheduled convoys, road cuts and
//! airlifts (scenario tables `[[scheduled_convoy]]`, `[[road_cut]]`, `[[airlift]]`, and a
//! response's `[[response.scheduled_convoy]]`).

use crate::error::{ScenarioError, SourceText};
use crate::numbers::{non_negative, positive, probability};
use crate::spec::{AirliftSpec, RoadCutSpec, ScheduledConvoySpec};
use chrono::NaiveDate;
use lifeline_model::network::Network;
use lifeline_model::params::{Airlift, CorridorSpec, RoadCut, ScheduledConvoy};
use lifeline_model::units::Volume;
use lifeline_model::{CorridorId, DepotId, PlaceId, SegmentId};
use toml::Spanned;

type Result<T> = std::result::Result<T, ScenarioError>;

/// Trucks in one scheduled convoy: far above any convoy seen, and small enough to allocate.
const MAX_CONVOY_TRUCKS: u32 = 10_000;
/// Rotations of one airlift per day.
const MAX_ROTATIONS_PER_DAY: u32 = 1_000;

/// What the stage needs from the rest of the build.
pub(crate) struct ModeContext<'a> {
    pub src: &'a SourceText<'a>,
    pub network: &'a Network,
    pub start: NaiveDate,
    pub days: u32,
    pub corridors: &'a [CorridorSpec],
    /// The depot of a place and commodity name, if there is one.
    pub depot_of: &'a dyn Fn(PlaceId, &str) -> Option<DepotId>,
}

impl ModeContext<'_> {
    fn day(&self, s: &Spanned<String>, field: &str) -> Result<i64> {
        crate::stages::day_of_run(self.src, self.start, s, field)
    }

    fn place(&self, s: &Spanned<String>, field: &str) -> Result<PlaceId> {
        crate::stages::place_named(self.src, self.network, s, field)
    }
}

/// Scheduled convoys, expanded over their repeats, sorted by departure day; those outside the
/// run are dropped.
pub(crate) fn scheduled_convoys<'s>(
    ctx: &ModeContext,
    specs: impl Iterator<Item = &'s ScheduledConvoySpec>,
) -> Result<Vec<ScheduledConvoy>> {
    let mut out = Vec::new();
    for sc in specs {
        let name = sc.corridor.get_ref();
        let corridor = ctx
            .corridors
            .iter()
            .position(|c| c.name == *name)
            .ok_or_else(|| {
                ctx.src.error(
                    sc.corridor.span(),
                    "scheduled_convoy.corridor",
                    format!(
                        "unknown corridor `{name}`; the scenario's corridors are {}",
                        ctx.corridors
                            .iter()
                            .map(|c| c.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
        let trucks = *sc.trucks.get_ref();
        if trucks == 0 || trucks > MAX_CONVOY_TRUCKS {
            return Err(ctx.src.error(
                sc.trucks.span(),
                "scheduled_convoy.trucks",
                format!("expected 1 to {MAX_CONVOY_TRUCKS} trucks, found {trucks}"),
            ));
        }
        let first = ctx.day(&sc.departs, "scheduled_convoy.departs")?;
        let (every, last) = match (&sc.every_days, &sc.until) {
            (None, None) => (1, first),
            (Some(every), Some(until)) => {
                if *every.get_ref() == 0 {
                    return Err(ctx.src.error(
                        every.span(),
                        "scheduled_convoy.every_days",
                        "expected at least 1 day between convoys",
                    ));
                }
                let last = ctx.day(until, "scheduled_convoy.until")?;
                if last < first {
                    return Err(ctx.src.error(
                        until.span(),
                        "scheduled_convoy.until",
                        "the repeats end before the first convoy leaves",
                    ));
                }
                (i64::from(*every.get_ref()), last)
            }
            (Some(every), None) => {
                return Err(ctx.src.error(
                    every.span(),
                    "scheduled_convoy.every_days",
                    "a repeating convoy needs `until` (the last date) as well",
                ));
            }
            (None, Some(until)) => {
                return Err(ctx.src.error(
                    until.span(),
                    "scheduled_convoy.until",
                    "`until` needs `every_days` (the days between convoys) as well",
                ));
            }
        };
        let mut day = first;
        while day <= last {
            if day >= 0 && day < i64::from(ctx.days) {
                out.push(ScheduledConvoy {
                    corridor: CorridorId::from_index(corridor),
                    depart_day: day as u32,
                    trucks,
                    escorted: sc.escorted,
                });
            }
            day += every;
        }
    }
    out.sort_by_key(|s| (s.depart_day, s.corridor));
    Ok(out)
}

/// Road cuts, each resolved to the segment between its two places.
pub(crate) fn road_cuts(ctx: &ModeContext, specs: &[RoadCutSpec]) -> Result<Vec<RoadCut>> {
    let mut out = Vec::new();
    for rc in specs {
        let [a, b] = rc.between.as_slice() else {
            let span = rc.from.span();
            return Err(ctx.src.error(
                span,
                "road_cut.between",
                format!(
                    "expected the two places at the ends of the cut road, found {} name(s)",
                    rc.between.len()
                ),
            ));
        };
        let (pa, pb) = (
            ctx.place(a, "road_cut.between")?,
            ctx.place(b, "road_cut.between")?,
        );
        let segment = segment_between(ctx.network, pa, pb).ok_or_else(|| {
            ctx.src.error(
                a.span(),
                "road_cut.between",
                format!(
                    "no road segment joins `{}` and `{}` directly; name the two ends of one \
                     segment of the segments table",
                    a.get_ref(),
                    b.get_ref()
                ),
            )
        })?;
        let first = ctx.day(&rc.from, "road_cut.from")?;
        let reopens = match &rc.repaired_after_days {
            Some(d) => {
                let days = positive(ctx.src, d, "road_cut.repaired_after_days")?;
                first.saturating_add(days.ceil().min(1.0e6) as i64)
            }
            None => i64::MAX,
        };
        if reopens <= 0 || first >= i64::from(ctx.days) {
            continue;
        }
        out.push(RoadCut {
            segment,
            first_day: first.max(0) as u32,
            reopens_on_day: u32::try_from(reopens).unwrap_or(u32::MAX),
        });
    }
    Ok(out)
}

fn segment_between(network: &Network, a: PlaceId, b: PlaceId) -> Option<SegmentId> {
    network
        .segments_at(a)
        .find(|s| network.segment(*s).other_end(a) == b)
}

/// Airlifts into depots.
pub(crate) fn airlifts(ctx: &ModeContext, specs: &[AirliftSpec]) -> Result<Vec<Airlift>> {
    let mut out = Vec::new();
    for a in specs {
        let place = ctx.place(&a.place, "airlift.place")?;
        let depot = (ctx.depot_of)(place, a.commodity.get_ref()).ok_or_else(|| {
            ctx.src.error(
                a.place.span(),
                "airlift.place",
                format!(
                    "no depot of `{}` at `{}`: an airlift flies into a depot of the same commodity",
                    a.commodity.get_ref(),
                    a.place.get_ref()
                ),
            )
        })?;
        let rotations = *a.rotations_per_day.get_ref();
        if rotations > MAX_ROTATIONS_PER_DAY {
            return Err(ctx.src.error(
                a.rotations_per_day.span(),
                "airlift.rotations_per_day",
                format!("expected 0 to {MAX_ROTATIONS_PER_DAY} rotations a day, found {rotations}"),
            ));
        }
        let first = ctx.day(&a.from, "airlift.from")?;
        let last = ctx.day(&a.to, "airlift.to")?;
        if last < first {
            return Err(ctx.src.error(
                a.to.span(),
                "airlift.to",
                "the airlift ends before it starts",
            ));
        }
        let chance = |v: &Option<Spanned<f64>>, field: &str| -> Result<f64> {
            v.as_ref()
                .map_or(Ok(0.0), |v| probability(ctx.src, v, field))
        };
        let grounded_chance = chance(&a.grounded_chance, "airlift.grounded_chance")?;
        let loss_chance = chance(&a.loss_chance, "airlift.loss_chance")?;
        let payload = non_negative(ctx.src, &a.payload, "airlift.payload")?;
        if last < 0 || first >= i64::from(ctx.days) {
            continue;
        }
        out.push(Airlift {
            name: a.name.clone(),
            depot,
            payload: Volume(payload),
            rotations_per_day: rotations,
            first_day: first.max(0) as u32,
            last_day: last.min(i64::from(ctx.days) - 1) as u32,
            grounded_chance,
            loss_chance,
        });
    }
    Ok(out)
}
