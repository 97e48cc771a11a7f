//! Displacement coupled to the supply run: Lifeline's Flee-rule engine (`lifeline-flee`) on the
//! scenario's road network, with people leaving besieged places and cities short of fuel.
//!
//! The coupling is one-way: the supply run is computed first, and its daily shortage drives
//! who leaves; displacement does not feed back into supply. See docs/displacement.md.

use crate::build::{Built, Scenario};
use crate::error::{ScenarioError, SourceText};
use chrono::NaiveDate;
use lifeline_flee::{Ecosystem, LocationId, LocationKind, LocationSpec, MoveRules, SpawnRules};
use lifeline_model::network::PlaceKind;
use lifeline_model::record::RunRecord;
use lifeline_model::threat::haversine_km;
use lifeline_model::{DepotId, PlaceId};
use rand_chacha::ChaCha8Rng;

/// A place under siege for a span of days.
#[derive(Clone, Debug, PartialEq)]
pub struct Siege {
    pub place: PlaceId,
    pub first_day: u32,
    /// Inclusive.
    pub last_day: u32,
    pub population: u64,
}

/// A depot city whose shortage makes people leave.
#[derive(Clone, Debug, PartialEq)]
pub struct ShortageSource {
    pub depot: DepotId,
    pub place: PlaceId,
    pub population: u64,
}

/// Everything a displacement run needs, built once per scenario.
#[derive(Clone, Debug)]
pub struct DisplacementPlan {
    /// The network as a Flee ecosystem, without agents.
    world: Ecosystem,
    /// Location of each place (same order as the network's places).
    locations: Vec<LocationId>,
    pub sieges: Vec<Siege>,
    pub shortage_sources: Vec<ShortageSource>,
    /// Places that count as camps (arrivals are reported per camp).
    pub camps: Vec<PlaceId>,
    pub siege_daily_flight_share: f64,
    pub shortage_threshold: f64,
    pub shortage_window: u32,
    pub shortage_daily_flight_share: f64,
    pub shortage_movechance_multiplier: f64,
}

/// Daily counts per place.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct DisplacementRecord {
    /// `present[day][place]`: displaced people at the place at the end of the day.
    pub present: Vec<Vec<u64>>,
    /// `arrivals[day][place]`: displaced people who arrived there that day.
    pub arrivals: Vec<Vec<u64>>,
    /// People who left their homes, per day.
    pub spawned: Vec<u64>,
    /// People travelling between places at the end of each day.
    pub on_the_road: Vec<u64>,
}

impl DisplacementRecord {
    pub fn total_spawned(&self) -> u64 {
        self.spawned.iter().sum()
    }
    pub fn total_arrivals(&self, place: PlaceId) -> u64 {
        self.arrivals.iter().map(|d| d[place.index()]).sum()
    }
    /// Arrivals at a place over days `[from, to)`.
    pub fn arrivals_between(&self, place: PlaceId, from: usize, to: usize) -> u64 {
        self.arrivals
            .iter()
            .take(to)
            .skip(from)
            .map(|d| d[place.index()])
            .sum()
    }
}

/// The random stream of a run's displacement: the supply stream's seed, on a stream of its own,
/// so adding displacement never changes the supply results.
pub fn displacement_rng(seed: u64, run: u64) -> ChaCha8Rng {
    use rand::SeedableRng;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(run | (1 << 63));
    rng
}

fn probability(
    src: &SourceText,
    v: &toml::Spanned<f64>,
    field: &str,
) -> Result<f64, ScenarioError> {
    let x = *v.get_ref();
    if (0.0..=1.0).contains(&x) {
        Ok(x)
    } else {
        Err(src.error(
            v.span(),
            field,
            format!("expected a number in [0, 1], found {x}"),
        ))
    }
}

fn positive(src: &SourceText, v: &toml::Spanned<f64>, field: &str) -> Result<f64, ScenarioError> {
    let x = *v.get_ref();
    if x > 0.0 && x.is_finite() {
        Ok(x)
    } else {
        Err(src.error(
            v.span(),
            field,
            format!("expected a positive number, found {x}"),
        ))
    }
}

impl Scenario {
    /// The displacement plan, if the scenario has a `[displacement]` table.
    pub fn displacement_plan(
        &self,
        built: &Built,
    ) -> Result<Option<DisplacementPlan>, ScenarioError> {
        let Some(d) = &self.spec.displacement else {
            return Ok(None);
        };
        let src = SourceText {
            file: &self.file,
            text: &self.text,
        };
        let net = &built.input.network;
        let place = |s: &toml::Spanned<String>, field: &str| {
            net.place_by_name(s.get_ref()).ok_or_else(|| {
                src.error(s.span(), field, format!("unknown place `{}`", s.get_ref()))
            })
        };
        let mut population: Vec<u64> = net.places().iter().map(|p| p.population).collect();
        for (name, value) in &d.populations {
            let id = net.place_by_name(name).ok_or_else(|| {
                src.error(
                    value.span(),
                    "displacement.populations",
                    format!("unknown place `{name}`"),
                )
            })?;
            population[id.index()] = *value.get_ref();
        }
        let mut camps: Vec<PlaceId> = net
            .places()
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kind == PlaceKind::Camp)
            .map(|(i, _)| PlaceId::from_index(i))
            .collect();
        for c in &d.camps {
            let id = place(c, "displacement.camps")?;
            if !camps.contains(&id) {
                camps.push(id);
            }
        }
        let rules = MoveRules {
            max_move_speed: positive(
                &src,
                &d.max_move_km_per_day,
                "displacement.max_move_km_per_day",
            )?,
            camp_weight: positive(&src, &d.camp_weight, "displacement.camp_weight")?,
            foreign_weight: positive(&src, &d.foreign_weight, "displacement.foreign_weight")?,
            conflict_weight: positive(&src, &d.conflict_weight, "displacement.conflict_weight")?,
            default_movechance: probability(
                &src,
                &d.default_movechance,
                "displacement.default_movechance",
            )?,
            camp_movechance: probability(&src, &d.camp_movechance, "displacement.camp_movechance")?,
            conflict_movechance: probability(
                &src,
                &d.conflict_movechance,
                "displacement.conflict_movechance",
            )?,
            ..MoveRules::default()
        };
        let mut world = Ecosystem::new(rules, SpawnRules::default());
        let mut locations = Vec::with_capacity(net.places().len());
        for (i, p) in net.places().iter().enumerate() {
            let id = PlaceId::from_index(i);
            let camp = camps.contains(&id);
            let kind = if camp {
                LocationKind::Camp
            } else {
                LocationKind::Town
            };
            let mut spec = LocationSpec::new(p.name.clone(), kind)
                .country(p.country.clone())
                .population(i64::try_from(population[i]).unwrap_or(i64::MAX))
                .coordinates(p.lon, p.lat);
            if camp {
                spec = spec.capacity(i64::try_from(*d.camp_capacity.get_ref()).unwrap_or(i64::MAX));
            }
            locations.push(world.add_location(spec));
        }
        for s in net.segments() {
            world.add_route(locations[s.a.index()], locations[s.b.index()], s.length.0);
        }
        let start: NaiveDate = built.start_date;
        let days = i64::from(built.input.days);
        let mut sieges = Vec::new();
        for b in self.spec.blockades.iter().filter(|b| b.siege) {
            let day = |s: &toml::Spanned<String>, field: &str| -> Result<i64, ScenarioError> {
                NaiveDate::parse_from_str(s.get_ref(), "%Y-%m-%d")
                    .map(|x| (x - start).num_days())
                    .map_err(|_| src.error(s.span(), field, "expected a date as YYYY-MM-DD"))
            };
            let (first, last) = (day(&b.from, "blockade.from")?, day(&b.to, "blockade.to")?);
            if last < 0 || first >= days {
                continue;
            }
            let mut places: Vec<PlaceId> = Vec::new();
            for p in &b.axis {
                places.push(place(p, "blockade.axis")?);
            }
            if let Some(area) = &b.area {
                let centre = net.place(place(&area.place, "blockade.area.place")?);
                let radius = *area.radius_km.get_ref();
                for (i, p) in net.places().iter().enumerate() {
                    if haversine_km((centre.lat, centre.lon), (p.lat, p.lon)) <= radius
                        && !camps.contains(&PlaceId::from_index(i))
                    {
                        places.push(PlaceId::from_index(i));
                    }
                }
            }
            for p in places {
                sieges.push(Siege {
                    place: p,
                    first_day: first.max(0) as u32,
                    last_day: last.min(days - 1) as u32,
                    population: population[p.index()],
                });
            }
        }
        let shortage_sources = built
            .input
            .depots
            .iter()
            .enumerate()
            .map(|(i, dep)| ShortageSource {
                depot: DepotId::from_index(i),
                place: dep.place,
                population: population[dep.place.index()],
            })
            .collect();
        Ok(Some(DisplacementPlan {
            world,
            locations,
            sieges,
            shortage_sources,
            camps,
            siege_daily_flight_share: probability(
                &src,
                &d.siege_daily_flight_share,
                "displacement.siege_daily_flight_share",
            )?,
            shortage_threshold: probability(
                &src,
                &d.shortage_threshold,
                "displacement.shortage_threshold",
            )?,
            shortage_window: (*d.shortage_window_days.get_ref()).max(1),
            shortage_daily_flight_share: probability(
                &src,
                &d.shortage_daily_flight_share,
                "displacement.shortage_daily_flight_share",
            )?,
            shortage_movechance_multiplier: positive(
                &src,
                &d.shortage_movechance_multiplier,
                "displacement.shortage_movechance_multiplier",
            )?,
        }))
    }
}

/// Runs displacement over a finished supply run.
pub fn run_displacement(
    plan: &DisplacementPlan,
    supply: &RunRecord,
    rng: &mut ChaCha8Rng,
) -> DisplacementRecord {
    let mut world = plan.world.clone();
    let n_places = plan.locations.len();
    let days = supply.depot_days.len();
    let mut record = DisplacementRecord::default();
    // Fractions of a person carry over to the next day, so small rates are not rounded away.
    let mut siege_carry = vec![0.0; plan.sieges.len()];
    let mut shortage_carry = vec![0.0; plan.shortage_sources.len()];
    for day in 0..days {
        let d = day as u32;
        let mut spawned = 0;
        for (i, s) in plan.sieges.iter().enumerate() {
            let loc = plan.locations[s.place.index()];
            if d == s.first_day {
                world.set_conflict(loc, 1.0);
            }
            if d == s.last_day + 1 {
                world.set_conflict(loc, 0.0);
            }
            if (s.first_day..=s.last_day).contains(&d) {
                siege_carry[i] += s.population as f64 * plan.siege_daily_flight_share;
                let n = siege_carry[i].floor();
                siege_carry[i] -= n;
                world.spawn(loc, n as u64);
                spawned += n as u64;
            }
        }
        // Sieges that end after the run still end: nothing to do. Shortage sources:
        for (i, s) in plan.shortage_sources.iter().enumerate() {
            let from = day.saturating_sub(plan.shortage_window as usize - 1);
            let window = &supply.depot_days[from..=day];
            let unmet = window
                .iter()
                .map(|r| {
                    let row = &r[s.depot.index()];
                    if row.demand > 0.0 {
                        row.shortage / row.demand
                    } else {
                        0.0
                    }
                })
                .sum::<f64>()
                / window.len() as f64;
            let loc = plan.locations[s.place.index()];
            if unmet > plan.shortage_threshold {
                world.set_movechance_multiplier(loc, plan.shortage_movechance_multiplier);
                shortage_carry[i] += s.population as f64 * plan.shortage_daily_flight_share;
                let n = shortage_carry[i].floor();
                shortage_carry[i] -= n;
                world.spawn(loc, n as u64);
                spawned += n as u64;
            } else {
                world.set_movechance_multiplier(loc, 1.0);
            }
        }
        world.step(rng);
        record.spawned.push(spawned);
        let mut present = Vec::with_capacity(n_places);
        let mut arrivals = Vec::with_capacity(n_places);
        for loc in &plan.locations {
            present.push(world.count(*loc));
            arrivals.push(world.arrivals(*loc));
        }
        record.present.push(present);
        record.arrivals.push(arrivals);
        record.on_the_road.push(world.agents_on_links());
    }
    record
}
