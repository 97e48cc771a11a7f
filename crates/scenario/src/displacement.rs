//! Displacement coupled to the supply run: Lifeline's Flee-rule engine (`lifeline-flee`) on the
//! scenario's road network, with people leaving besieged places and cities short of fuel.
//!
//! The coupling runs both ways in one daily loop ([`run_coupled`]): each day the supply step
//! runs, then the displacement step reads the day's shortages and road threat (who leaves, who
//! is trapped, where flight goes), and the people then present in each depot's town set its
//! households' demand for the next day. See docs/displacement.md.

use crate::build::{Built, Scenario};
use crate::error::{ScenarioError, SourceText};
use crate::spec::DisplacementSpec;
use chrono::NaiveDate;
use lifeline_flee::{Ecosystem, LocationId, LocationKind, LocationSpec, MoveRules, SpawnRules};
use lifeline_model::network::{Network, PlaceKind};
use lifeline_model::params::RoadCut;
use lifeline_model::record::RunRecord;
use lifeline_model::record::{DepotDay, RecordOptions};
use lifeline_model::threat::{HazardTable, haversine_km};
use lifeline_model::{DepotId, ModelInput, PlaceId, SegmentId, Simulation, run_rng};
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
    /// A besieged place's people are trapped on a day when every road out is cut or carries at
    /// least this hazard (None: sieges never trap).
    pub trap_hazard: Option<f64>,
    /// Road hazard at which a town draws displaced people as little as a conflict zone does
    /// (None: road threat does not steer flight).
    pub threat_reference_hazard: Option<f64>,
    /// The natural log of Flee's conflict weight (the attractiveness left to a place at the
    /// reference hazard): `exp` of a multiple of it costs half a `powf`, once per place and day.
    ln_conflict_weight: f64,
    /// People at each place at the start (residents; a depot's own count where it has one).
    population: Vec<u64>,
    /// Segments touching each place (its roads out).
    exits: Vec<Vec<SegmentId>>,
    /// Depots whose households follow the people present, with their place.
    counted_depots: Vec<(DepotId, PlaceId)>,
    /// People who travel together as one agent of the Flee-rule engine; every count the engine
    /// keeps is in agents and is multiplied by this on the way out.
    pub people_per_agent: u64,
    /// What sets this plan beside the model input (the scenario's `[displacement]` table and
    /// its sieges), hashed: two plans of the same network with the same identity are the same.
    pub identity: String,
    /// What the road threat of the plan's input means for displacement on each day.
    threat: ThreatSchedule,
    /// Whether runs keep displaced groups as counts by place where that is exact (no camp can
    /// come near its capacity; see [`DisplacementPlan::most_groups`]); false: one by one.
    pub count_by_place: bool,
}

impl DisplacementPlan {
    /// The most groups that can ever be in the engine during a run of `days` days: at each
    /// place that people leave, the daily flight of each of its sieges and shortages summed
    /// over the days they can act, but never more than the place's people, in whole groups.
    /// Fractions of a person carry over from day to day, so a place never sends more than
    /// these sums (one person is added for the rounding of the sums).
    pub fn most_groups(&self, days: u32) -> u64 {
        let mut flow = vec![0.0f64; self.population.len()];
        for s in &self.sieges {
            let last = s.last_day.min(days.saturating_sub(1));
            if days == 0 || s.first_day > last {
                continue;
            }
            let active = f64::from(last - s.first_day + 1);
            flow[s.place.index()] += s.population as f64 * self.siege_daily_flight_share * active;
        }
        for s in &self.shortage_sources {
            flow[s.place.index()] +=
                s.population as f64 * self.shortage_daily_flight_share * f64::from(days);
        }
        let per_agent = self.people_per_agent.max(1);
        let spawned: u64 = flow
            .iter()
            .zip(&self.population)
            .filter(|(people, _)| **people > 0.0)
            .map(|(&people, &residents)| {
                // `as` saturates: an unbounded flow is all the residents.
                let people = ((people.ceil() + 1.0) as u64).min(residents);
                people / per_agent
            })
            .fold(0u64, u64::saturating_add);
        spawned.saturating_add(self.world.num_agents() as u64)
    }
}

/// What the road threat means for displacement on each day, worked out once per plan: the
/// hazard table and road cuts do not change during a run, and reading them for every place
/// every day (with an `exp` wherever the danger moved) cost more than the engine's step.
///
/// The schedule keeps the table's *stored* values (before its factor): a run whose hazard is a
/// scaled copy of the plan's (a calibration particle, a posterior draw) reads it through its
/// own factor ([`ThreatView`]) instead of working a schedule out again. Scaling by a factor
/// k ≥ 0 keeps the order of values after rounding, so the most dangerous road out (and the
/// least dangerous open one) is the same road, and its hazard times k is exactly the hazard
/// the run's table reads there.
#[derive(Clone, Debug)]
struct ThreatSchedule {
    /// What the schedule was worked out from; a run whose input or plan differs in any of these
    /// works its own out (see [`ThreatSchedule::view_for`]).
    hazard: HazardTable,
    road_cuts: Vec<RoadCut>,
    days: u32,
    siege_places: Vec<PlaceId>,
    trap_hazard: Option<f64>,
    threat_reference_hazard: Option<f64>,
    places: usize,
    /// `danger[day × places + place]`: the stored hazard of the place's most dangerous road
    /// out (empty when road threat does not steer flight).
    danger: Vec<f64>,
    /// `least_open[day × sieges + siege]`: the stored hazard of the besieged place's least
    /// dangerous road out that is not cut (∞ when every road out is cut; empty when sieges
    /// never trap).
    least_open: Vec<f64>,
    /// `attraction[day × places + place]` at the schedule's own factor: the share of its
    /// attractiveness a place keeps for the danger on its roads out.
    attraction: Vec<f64>,
    /// `closed[day × sieges + siege]` at the schedule's own factor: every road out of the
    /// besieged place is cut or at least as dangerous as the trap hazard that day.
    closed: Vec<bool>,
}

impl ThreatSchedule {
    /// A schedule that fits no run (until the plan's own is worked out).
    fn none() -> ThreatSchedule {
        ThreatSchedule {
            hazard: HazardTable::zero(0, 0),
            road_cuts: Vec::new(),
            days: 0,
            siege_places: Vec::new(),
            trap_hazard: None,
            threat_reference_hazard: None,
            places: usize::MAX,
            danger: Vec::new(),
            least_open: Vec::new(),
            attraction: Vec::new(),
            closed: Vec::new(),
        }
    }

    fn new(plan: &DisplacementPlan, input: &ModelInput) -> ThreatSchedule {
        let days = input.days;
        let places = plan.locations.len();
        let hazard = &input.threat.hazard;
        let mut danger = Vec::new();
        if plan.threat_reference_hazard.is_some() {
            danger.reserve(days as usize * places);
            for day in 0..days {
                for exits in &plan.exits {
                    danger.push(
                        exits
                            .iter()
                            .map(|&s| hazard.stored(s, day))
                            .fold(0.0, f64::max),
                    );
                }
            }
        }
        let mut least_open = Vec::new();
        if plan.trap_hazard.is_some() {
            least_open.reserve(days as usize * plan.sieges.len());
            for day in 0..days {
                for siege in &plan.sieges {
                    least_open.push(
                        plan.exits[siege.place.index()]
                            .iter()
                            .filter(|&&s| input.cut_until(s, day).is_none())
                            .map(|&s| hazard.stored(s, day))
                            .fold(f64::INFINITY, f64::min),
                    );
                }
            }
        }
        let mut schedule = ThreatSchedule {
            hazard: hazard.clone(),
            road_cuts: input.road_cuts.clone(),
            days,
            siege_places: plan.sieges.iter().map(|s| s.place).collect(),
            trap_hazard: plan.trap_hazard,
            threat_reference_hazard: plan.threat_reference_hazard,
            places,
            danger,
            least_open,
            attraction: Vec::new(),
            closed: Vec::new(),
        };
        let factor = hazard.factor();
        let mut attraction = vec![1.0; schedule.danger.len()];
        for (day, row) in (0..days).zip(attraction.chunks_mut(places.max(1))) {
            schedule.attraction_into(plan, day, factor, row);
        }
        schedule.attraction = attraction;
        schedule.closed = (0..schedule.least_open.len())
            .map(|i| {
                let siege = i % plan.sieges.len();
                schedule.closed_at(plan, i / plan.sieges.len(), siege, factor)
            })
            .collect();
        schedule
    }

    /// How a run of `plan` on `input` reads this schedule: at the schedule's own factor, at
    /// the factor of a scaled copy of its hazard, or (None) not at all: the plan's public
    /// settings may have been changed since the schedule was made, and a run may bring
    /// another threat.
    fn factor_for(&self, plan: &DisplacementPlan, input: &ModelInput) -> Option<f64> {
        let same_plan = self.days == input.days
            && self.places == plan.locations.len()
            && self.trap_hazard == plan.trap_hazard
            && self.threat_reference_hazard == plan.threat_reference_hazard
            && self.siege_places.len() == plan.sieges.len()
            && self
                .siege_places
                .iter()
                .zip(&plan.sieges)
                .all(|(p, s)| *p == s.place)
            && self.road_cuts == input.road_cuts;
        if !same_plan {
            return None;
        }
        let hazard = &input.threat.hazard;
        match hazard.factor_over(&self.hazard) {
            Some(factor) => Some(factor),
            // Another table that reads the same values (built again, say).
            None => (*hazard == self.hazard).then_some(self.hazard.factor()),
        }
    }

    /// Writes the share of its attractiveness each place keeps on `day` when the stored
    /// hazard is read through `factor` into `out` (one entry per place).
    fn attraction_into(&self, plan: &DisplacementPlan, day: u32, factor: f64, out: &mut [f64]) {
        let Some(reference) = self.threat_reference_hazard else {
            return;
        };
        let start = day as usize * self.places;
        let Some(stored) = self.danger.get(start..start + self.places) else {
            return;
        };
        // The two ends of the scale need no `exp`: no danger leaves the whole attraction
        // (e^0 = 1), and danger at or above the reference leaves the conflict weight (the same
        // product, ln w × 1, as the general case would take).
        let at_reference = plan.ln_conflict_weight.exp();
        for (share_kept, &stored) in out.iter_mut().zip(stored) {
            let danger = stored * factor;
            let share = (danger / reference).min(1.0);
            *share_kept = if danger == 0.0 {
                1.0
            } else if share == 1.0 {
                at_reference
            } else {
                (plan.ln_conflict_weight * share).exp()
            };
        }
    }

    /// Whether siege `siege`'s place is shut in on `day` (as an index) when the stored hazard
    /// is read through `factor`.
    fn closed_at(&self, plan: &DisplacementPlan, day: usize, siege: usize, factor: f64) -> bool {
        let (Some(trap), Some(&least)) = (
            self.trap_hazard,
            self.least_open.get(day * self.siege_places.len() + siege),
        ) else {
            return false;
        };
        let place = self.siege_places[siege];
        !plan.exits[place.index()].is_empty() && (least == f64::INFINITY || least * factor >= trap)
    }
}

/// A run's reading of a [`ThreatSchedule`]: at the schedule's own factor from its stored days,
/// or at another factor worked out day by day as the run asks.
struct ThreatView<'a> {
    schedule: std::borrow::Cow<'a, ThreatSchedule>,
    factor: f64,
    /// Whether `factor` is the schedule's own (its stored days apply).
    own: bool,
    /// Today's attraction row at another factor.
    row: Vec<f64>,
}

impl<'a> ThreatView<'a> {
    fn new(schedule: std::borrow::Cow<'a, ThreatSchedule>, factor: f64) -> ThreatView<'a> {
        ThreatView {
            own: factor == schedule.hazard.factor(),
            schedule,
            factor,
            row: Vec::new(),
        }
    }

    /// The share of its attractiveness each place keeps on `day` (None past the schedule's
    /// end or without threat steering).
    fn attraction_on(&mut self, plan: &DisplacementPlan, day: u32) -> Option<&[f64]> {
        let s = &*self.schedule;
        let start = day as usize * s.places;
        // Past the schedule's end, or without threat steering: no row.
        s.danger.get(start..start + s.places)?;
        if self.own {
            return s.attraction.get(start..start + s.places);
        }
        self.row.resize(s.places, 1.0);
        s.attraction_into(plan, day, self.factor, &mut self.row);
        Some(&self.row)
    }

    /// Whether siege `siege`'s place is shut in on `day`.
    fn closed(&self, plan: &DisplacementPlan, day: u32, siege: usize) -> bool {
        let s = &*self.schedule;
        if self.own {
            return s
                .closed
                .get(day as usize * s.siege_places.len() + siege)
                .copied()
                .unwrap_or(false);
        }
        s.closed_at(plan, day as usize, siege, self.factor)
    }
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
    /// `trapped[day][place]`: people present at a besieged place whose roads out were all cut
    /// or too dangerous that day (0 elsewhere).
    pub trapped: Vec<Vec<u64>>,
    /// `population[day][place]`: people present at each place (residents who stayed plus
    /// displaced people there) at the end of the day.
    pub population: Vec<Vec<u64>>,
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
            format!("expected a number in [0, 1], found {x:?}"),
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
            format!("expected a positive number, found {x:?}"),
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
        let population = plan_population(d, built, &src)?;
        let camps = plan_camps(d, net, &src)?;
        // Range-checked with the scenario (validate.rs), before any plan is made.
        let people_per_agent = d.people_per_agent.as_ref().map_or(1, |v| *v.get_ref());
        // The engine counts agents: a camp holds as many groups as it has room for.
        let camp_groups = d.camp_capacity.get_ref().div_ceil(people_per_agent);
        let (world, locations) =
            flee_world(net, move_rules(d, &src)?, &population, &camps, camp_groups);
        let sieges = self.sieges(built, &population, &camps, &src)?;
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
        let mut exits = vec![Vec::new(); net.places().len()];
        for (i, s) in net.segments().iter().enumerate() {
            exits[s.a.index()].push(SegmentId::from_index(i));
            exits[s.b.index()].push(SegmentId::from_index(i));
        }
        let counted_depots = built
            .input
            .depots
            .iter()
            .enumerate()
            .filter(|(_, d)| d.population > 0.0)
            .map(|(i, d)| (DepotId::from_index(i), d.place))
            .collect();
        let optional_positive = |v: &Option<toml::Spanned<f64>>, field: &str| match v {
            Some(v) => positive(&src, v, field).map(Some),
            None => Ok(None),
        };
        let mut plan = DisplacementPlan {
            identity: plan_identity(d, &sieges),
            threat: ThreatSchedule::none(),
            count_by_place: false,
            trap_hazard: optional_positive(&d.trap_hazard, "displacement.trap_hazard")?,
            threat_reference_hazard: optional_positive(
                &d.threat_reference_hazard,
                "displacement.threat_reference_hazard",
            )?,
            ln_conflict_weight: world.rules().conflict_weight.ln(),
            population,
            exits,
            counted_depots,
            people_per_agent,
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
        };
        plan.threat = ThreatSchedule::new(&plan, &built.input);
        if let Some(count) = d.count_by_place.as_ref().filter(|c| *c.get_ref()) {
            plan.world
                .check_count_by_place(plan.most_groups(built.input.days))
                .map_err(|refused| {
                    src.error(
                        count.span(),
                        "displacement.count_by_place",
                        format!(
                            "{refused}; remove `count_by_place` (groups then move one by one) \
                             or raise `camp_capacity`"
                        ),
                    )
                })?;
            plan.count_by_place = true;
        }
        Ok(Some(plan))
    }

    /// The places besieged by the scenario's siege blockades within the run, each with its
    /// days (clipped to the run) and its people.
    fn sieges(
        &self,
        built: &Built,
        population: &[u64],
        camps: &[PlaceId],
        src: &SourceText,
    ) -> Result<Vec<Siege>, ScenarioError> {
        let net = &built.input.network;
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
                places.push(named_place(net, src, p, "blockade.axis")?);
            }
            if let Some(area) = &b.area {
                let centre = net.place(named_place(net, src, &area.place, "blockade.area.place")?);
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
        Ok(sieges)
    }
}

/// A place named in the scenario, or an error at the name.
fn named_place(
    net: &Network,
    src: &SourceText,
    name: &toml::Spanned<String>,
    field: &str,
) -> Result<PlaceId, ScenarioError> {
    net.place_by_name(name.get_ref()).ok_or_else(|| {
        src.error(
            name.span(),
            field,
            format!("unknown place `{}`", name.get_ref()),
        )
    })
}

/// People at each place at the start: the network's populations, a depot's own count of the
/// people it serves where it has one, and the `[displacement]` table's where it names them.
fn plan_population(
    d: &DisplacementSpec,
    built: &Built,
    src: &SourceText,
) -> Result<Vec<u64>, ScenarioError> {
    let net = &built.input.network;
    let mut population: Vec<u64> = net.places().iter().map(|p| p.population).collect();
    for dep in built.input.depots.iter().filter(|d| d.population > 0.0) {
        population[dep.place.index()] = dep.population as u64;
    }
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
    Ok(population)
}

/// The network's camps, then the places the `[displacement]` table treats as camps.
fn plan_camps(
    d: &DisplacementSpec,
    net: &Network,
    src: &SourceText,
) -> Result<Vec<PlaceId>, ScenarioError> {
    let mut camps: Vec<PlaceId> = net
        .places()
        .iter()
        .enumerate()
        .filter(|(_, p)| p.kind == PlaceKind::Camp)
        .map(|(i, _)| PlaceId::from_index(i))
        .collect();
    for c in &d.camps {
        let id = named_place(net, src, c, "displacement.camps")?;
        if !camps.contains(&id) {
            camps.push(id);
        }
    }
    Ok(camps)
}

/// Flee's move rules from the `[displacement]` table (the rest at Flee's defaults).
fn move_rules(d: &DisplacementSpec, src: &SourceText) -> Result<MoveRules, ScenarioError> {
    Ok(MoveRules {
        max_move_speed: positive(
            src,
            &d.max_move_km_per_day,
            "displacement.max_move_km_per_day",
        )?,
        camp_weight: positive(src, &d.camp_weight, "displacement.camp_weight")?,
        foreign_weight: positive(src, &d.foreign_weight, "displacement.foreign_weight")?,
        conflict_weight: positive(src, &d.conflict_weight, "displacement.conflict_weight")?,
        default_movechance: probability(
            src,
            &d.default_movechance,
            "displacement.default_movechance",
        )?,
        camp_movechance: probability(src, &d.camp_movechance, "displacement.camp_movechance")?,
        conflict_movechance: probability(
            src,
            &d.conflict_movechance,
            "displacement.conflict_movechance",
        )?,
        ..MoveRules::default()
    })
}

/// The road network as a Flee-rule world without agents: a location per place (in order, so
/// the plan's places are the engine's locations) and a route per segment; camps hold
/// `camp_groups` agents.
fn flee_world(
    net: &Network,
    rules: MoveRules,
    population: &[u64],
    camps: &[PlaceId],
    camp_groups: u64,
) -> (Ecosystem, Vec<LocationId>) {
    let mut world = Ecosystem::new(rules, SpawnRules::default());
    // A few groups move on a country's network each day: weighing the links of the places
    // they leave costs less than preparing every place's table every day.
    world.set_choice_tables(false);
    let mut locations = Vec::with_capacity(net.places().len());
    for (i, p) in net.places().iter().enumerate() {
        let camp = camps.contains(&PlaceId::from_index(i));
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
            spec = spec.capacity(i64::try_from(camp_groups).unwrap_or(i64::MAX));
        }
        locations.push(world.add_location(spec));
    }
    // The engine numbers its locations in the order they were added: the plan's places are
    // its locations, in order (the daily rows and multipliers rely on it).
    debug_assert!(locations.iter().enumerate().all(|(i, l)| l.0 as usize == i));
    for s in net.segments() {
        world.add_route(locations[s.a.index()], locations[s.b.index()], s.length.0);
    }
    (world, locations)
}

/// What sets a plan beside the model input, hashed: the `[displacement]` table (serialised
/// with its spans left out, so moving the table in the file does not change it) and the
/// sieges.
fn plan_identity(d: &DisplacementSpec, sieges: &[Siege]) -> String {
    let mut h = lifeline_io::hash::Fnv1a::default();
    // Writing into the hash cannot fail.
    let _ = serde_json::to_writer(&mut h, d);
    for s in sieges {
        h.update(
            format!(
                "{}:{}-{}:{};",
                s.place.index(),
                s.first_day,
                s.last_day,
                s.population
            )
            .as_bytes(),
        );
    }
    h.hex()
}

/// A supply run with displacement in the same daily loop.
#[derive(Clone, Debug)]
pub struct CoupledRun {
    pub supply: RunRecord,
    /// Present when the scenario has displacement.
    pub displacement: Option<DisplacementRecord>,
}

/// Runs run `run` of a scenario: the supply model, and displacement in the same daily loop when
/// `plan` is given. Supply draws from `run_rng(seed, run)` and displacement from its own stream
/// (`displacement_rng`), so the two never share draws; without a plan the result is the plain
/// supply run.
pub fn run_coupled(
    input: &ModelInput,
    plan: Option<&DisplacementPlan>,
    seed: u64,
    run: u64,
    options: RecordOptions,
) -> CoupledRun {
    let mut run = CoupledSimulation::new(input, plan, seed, run, options);
    while !run.is_done() {
        run.step();
    }
    run.finish()
}

/// [`run_coupled`] a day at a time, for a caller that looks at the record as the days go (and
/// may stop a run whose outcome is already settled). Stepping every day and finishing gives
/// [`run_coupled`]'s record, to the bit.
pub struct CoupledSimulation<'a> {
    input: &'a ModelInput,
    sim: Simulation<'a>,
    supply_rng: ChaCha8Rng,
    displacement: Option<CoupledDisplacement<'a>>,
}

/// The displacement half of a coupled run.
struct CoupledDisplacement<'a> {
    plan: &'a DisplacementPlan,
    threat: ThreatView<'a>,
    state: DisplacementState,
    rng: ChaCha8Rng,
}

impl<'a> CoupledSimulation<'a> {
    pub fn new(
        input: &'a ModelInput,
        plan: Option<&'a DisplacementPlan>,
        seed: u64,
        run: u64,
        options: RecordOptions,
    ) -> CoupledSimulation<'a> {
        let displacement = plan.map(|plan| {
            let threat = match plan.threat.factor_for(plan, input) {
                Some(factor) => ThreatView::new(std::borrow::Cow::Borrowed(&plan.threat), factor),
                None => ThreatView::new(
                    std::borrow::Cow::Owned(ThreatSchedule::new(plan, input)),
                    input.threat.hazard.factor(),
                ),
            };
            let mut state = DisplacementState::new(plan, input.depots.len(), input.days);
            if plan.count_by_place {
                // The plan checked its own parameters; a run whose drawn parameters could fill
                // a camp is refused here, and its groups move one by one.
                let _ = state.world.count_by_place(plan.most_groups(input.days));
            }
            CoupledDisplacement {
                plan,
                threat,
                state,
                rng: displacement_rng(seed, run),
            }
        });
        CoupledSimulation {
            input,
            sim: Simulation::new(input, options),
            supply_rng: run_rng(seed, run),
            displacement,
        }
    }

    /// Whether displaced groups are counted by place in this run (the plan asks for it and its
    /// bound holds; see [`DisplacementPlan::count_by_place`]).
    pub fn counts_by_place(&self) -> bool {
        self.displacement
            .as_ref()
            .is_some_and(|d| d.state.world.counts_by_place())
    }

    /// Whether every day of the scenario has been stepped.
    pub fn is_done(&self) -> bool {
        self.sim.day() >= self.input.days
    }

    /// Steps one day: supply, then displacement, which tells supply the people now present.
    pub fn step(&mut self) {
        let day = self.sim.day();
        self.sim.step(&mut self.supply_rng);
        if let Some(d) = self.displacement.as_mut() {
            d.state
                .step(d.plan, &mut d.threat, day, self.sim.last_day(), &mut d.rng);
            for &(depot, place) in &d.plan.counted_depots {
                self.sim
                    .set_people_present(depot, d.state.present(place) as f64);
            }
        }
    }

    /// The supply record of the days stepped so far (no closing balances yet).
    pub fn supply_so_far(&self) -> &RunRecord {
        self.sim.record()
    }

    /// Ends the run: the records of the days stepped.
    pub fn finish(self) -> CoupledRun {
        CoupledRun {
            supply: self.sim.finish(),
            displacement: self.displacement.map(|d| d.state.record),
        }
    }
}

/// Displacement's state between days.
struct DisplacementState {
    world: Ecosystem,
    record: DisplacementRecord,
    /// Fractions of a person carry over to the next day, so small rates are not rounded away.
    siege_carry: Vec<f64>,
    shortage_carry: Vec<f64>,
    /// Per shortage source: the unmet share of the last `shortage_window` days.
    unmet_window: Vec<UnmetWindow>,
    /// Residents who have left each place so far.
    left: Vec<u64>,
    /// Per depot: the share of demand served over the last days (for where flight goes).
    served: Vec<f64>,
    /// Per place, rewritten each day: whether its people are trapped today.
    trapped_today: Vec<bool>,
    /// Whether any place is trapped today.
    any_trapped: bool,
    /// Per shortage source: whether it is the last at its place.
    last_source_at_place: Vec<bool>,
    /// Per place, rewritten each day: its attractiveness multiplier (from the least share
    /// served by its depots).
    attraction: Vec<f64>,
}

/// The unmet shares of a shortage source's last days, oldest first, in a ring.
#[derive(Clone, Debug)]
struct UnmetWindow {
    shares: Vec<f64>,
    /// Where the next share goes once the window is full (the oldest share).
    next: usize,
    /// Shares in the window that are not zero: with none, their mean is zero without a sum.
    nonzero: usize,
}

impl UnmetWindow {
    fn new(length: u32) -> UnmetWindow {
        UnmetWindow {
            shares: Vec::with_capacity(length as usize),
            next: 0,
            nonzero: 0,
        }
    }

    /// Adds today's share (dropping the oldest from a full window) and returns the window's
    /// mean, summed oldest first as the window's days came.
    fn push_and_mean(&mut self, share: f64, length: u32) -> f64 {
        if self.shares.len() < length as usize {
            self.shares.push(share);
        } else {
            let oldest = std::mem::replace(&mut self.shares[self.next], share);
            self.nonzero -= usize::from(oldest != 0.0);
            self.next += 1;
            if self.next == self.shares.len() {
                self.next = 0;
            }
        }
        self.nonzero += usize::from(share != 0.0);
        if self.nonzero == 0 {
            // Zeros sum to a zero (perhaps -0.0 for all -0.0, which reads the same below).
            return 0.0;
        }
        let (newer, older) = self.shares.split_at(self.next);
        // As `Sum` adds: from -0.0, one share after the other.
        let mut sum = -0.0;
        for share in older.iter().chain(newer) {
            sum += share;
        }
        sum / self.shares.len() as f64
    }
}

impl DisplacementState {
    fn new(plan: &DisplacementPlan, n_depots: usize, days: u32) -> Self {
        let n_places = plan.locations.len();
        let days = days as usize;
        DisplacementState {
            world: plan.world.clone(),
            record: DisplacementRecord {
                present: Vec::with_capacity(days),
                arrivals: Vec::with_capacity(days),
                spawned: Vec::with_capacity(days),
                on_the_road: Vec::with_capacity(days),
                trapped: Vec::with_capacity(days),
                population: Vec::with_capacity(days),
            },
            siege_carry: vec![0.0; plan.sieges.len()],
            shortage_carry: vec![0.0; plan.shortage_sources.len()],
            unmet_window: vec![UnmetWindow::new(plan.shortage_window); plan.shortage_sources.len()],
            left: vec![0; n_places],
            served: vec![1.0; n_depots],
            trapped_today: vec![false; n_places],
            any_trapped: false,
            last_source_at_place: plan
                .shortage_sources
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    plan.shortage_sources[i + 1..]
                        .iter()
                        .all(|later| later.place != s.place)
                })
                .collect(),
            attraction: vec![1.0; n_places],
        }
    }

    /// People at a place now: residents who stayed plus displaced people there.
    fn present(&self, place: PlaceId) -> u64 {
        self.record
            .population
            .last()
            .map_or(0, |day| day[place.index()])
    }

    /// `carry` people are due to leave `place`: whole groups of `people_per_agent` leave, the
    /// rest wait for the next day. Returns what is still due and the people who left.
    fn leave(&mut self, plan: &DisplacementPlan, place: PlaceId, carry: f64) -> (f64, u64) {
        // Nobody leaves who is not there.
        let stayed = plan.population[place.index()].saturating_sub(self.left[place.index()]);
        // `as` truncates towards zero and takes anything below zero to zero: the floor here.
        let due = (carry as u64).min(stayed);
        let groups = due / plan.people_per_agent;
        let n = groups * plan.people_per_agent;
        self.left[place.index()] += n;
        self.world.spawn(plan.locations[place.index()], groups);
        // What is due stays due, but never more than the people still there.
        let still_due = (carry - n as f64).min((stayed - n) as f64);
        (still_due, n)
    }

    fn step(
        &mut self,
        plan: &DisplacementPlan,
        threat: &mut ThreatView<'_>,
        day: u32,
        depots: &[DepotDay],
        rng: &mut ChaCha8Rng,
    ) {
        if self.any_trapped {
            self.trapped_today.fill(false);
            self.any_trapped = false;
        }
        let mut spawned = self.sieges(plan, threat, day);
        spawned += self.shortages(plan, depots);
        // Nobody moves out of a trapped place.
        if self.any_trapped {
            for (p, trapped) in self.trapped_today.iter().enumerate() {
                if *trapped {
                    self.world.set_movechance_multiplier(plan.locations[p], 0.0);
                }
            }
        }
        // Where flight goes matters only to people on the move.
        if self.world.num_agents() > 0 {
            self.steer(plan, threat, day);
        }
        self.world.step(rng);
        self.record_day(plan, spawned);
    }

    /// Besieged places: their people are trapped, or their share of the day's flight leaves.
    /// Returns the people who left.
    fn sieges(&mut self, plan: &DisplacementPlan, threat: &ThreatView<'_>, day: u32) -> u64 {
        let mut spawned = 0;
        for (i, s) in plan.sieges.iter().enumerate() {
            let loc = plan.locations[s.place.index()];
            if day == s.first_day {
                self.world.set_conflict(loc, 1.0);
            }
            if day == s.last_day + 1 {
                self.world.set_conflict(loc, 0.0);
            }
            if (s.first_day..=s.last_day).contains(&day) {
                if threat.closed(plan, day, i) {
                    self.trapped_today[s.place.index()] = true;
                    self.any_trapped = true;
                    continue;
                }
                self.siege_carry[i] += s.population as f64 * plan.siege_daily_flight_share;
                let (carry, n) = self.leave(plan, s.place, self.siege_carry[i]);
                self.siege_carry[i] = carry;
                spawned += n;
            }
        }
        spawned
    }

    /// Depot cities short of supply over the window: people leave, and leave sooner. Returns
    /// the people who left.
    fn shortages(&mut self, plan: &DisplacementPlan, depots: &[DepotDay]) -> u64 {
        let mut spawned = 0;
        for (i, s) in plan.shortage_sources.iter().enumerate() {
            let row = &depots[s.depot.index()];
            let unmet_today = if row.demand > 0.0 {
                row.shortage / row.demand
            } else {
                0.0
            };
            let unmet = self.unmet_window[i].push_and_mean(unmet_today, plan.shortage_window);
            self.served[s.depot.index()] = 1.0 - unmet;
            if self.trapped_today[s.place.index()] {
                // Nobody leaves; its move chance is set to nothing after this loop.
                continue;
            }
            let short = unmet > plan.shortage_threshold;
            if short {
                self.shortage_carry[i] += s.population as f64 * plan.shortage_daily_flight_share;
                let (carry, n) = self.leave(plan, s.place, self.shortage_carry[i]);
                self.shortage_carry[i] = carry;
                spawned += n;
            }
            // Where depots share a town, the last one's word stands (set once, so that the
            // engine sees a change only when there is one).
            if self.last_source_at_place[i] {
                let factor = if short {
                    plan.shortage_movechance_multiplier
                } else {
                    1.0
                };
                self.world
                    .set_movechance_multiplier(plan.locations[s.place.index()], factor);
            }
        }
        spawned
    }

    /// The day's row of every count, read from the engine's locations (the plan's locations
    /// are the engine's, in order).
    fn record_day(&mut self, plan: &DisplacementPlan, spawned: u64) {
        let per_agent = plan.people_per_agent;
        let locations = &self.world.locations()[..plan.locations.len()];
        let present: Vec<u64> = locations
            .iter()
            .map(|l| l.num_agents.max(0) as u64 * per_agent)
            .collect();
        let arrivals: Vec<u64> = locations
            .iter()
            .map(|l| l.arrivals_last_step * per_agent)
            .collect();
        let population: Vec<u64> = plan
            .population
            .iter()
            .zip(&self.left)
            .zip(&present)
            .map(|((&residents, &left), &displaced)| residents - left + displaced)
            .collect();
        let trapped: Vec<u64> = if self.any_trapped {
            population
                .iter()
                .zip(&self.trapped_today)
                .map(|(&people, &trapped)| if trapped { people } else { 0 })
                .collect()
        } else {
            vec![0; population.len()]
        };
        self.record.spawned.push(spawned);
        self.record.present.push(present);
        self.record.arrivals.push(arrivals);
        self.record.population.push(population);
        self.record.trapped.push(trapped);
        // Every agent is at a location or on a link (the engine's conservation); the row holds
        // whole groups.
        let at_locations = self
            .record
            .present
            .last()
            .map_or(0, |row| row.iter().sum::<u64>())
            / per_agent;
        let on_links = (self.world.num_agents() as u64).saturating_sub(at_locations);
        self.record.on_the_road.push(on_links * per_agent);
    }

    /// Where flight goes: a town draws displaced people in proportion to the share of its
    /// demand its depots served lately, and less when its roads carry the group's threat
    /// (at the reference hazard as little as a conflict zone; Flee's conflict weight).
    fn steer(&mut self, plan: &DisplacementPlan, threat: &mut ThreatView<'_>, day: u32) {
        let factors = &mut self.attraction;
        factors.fill(1.0);
        for s in &plan.shortage_sources {
            let p = s.place.index();
            factors[p] = factors[p].min(self.served[s.depot.index()]);
        }
        match plan
            .threat_reference_hazard
            .and_then(|_| threat.attraction_on(plan, day))
        {
            Some(threat) => {
                for (factor, threat) in factors.iter_mut().zip(threat) {
                    *factor = factor.max(MIN_SUPPLY_ATTRACTION) * threat;
                }
            }
            None => {
                for factor in factors.iter_mut() {
                    *factor = factor.max(MIN_SUPPLY_ATTRACTION);
                }
            }
        }
        // The plan's locations are the engine's, in order.
        self.world.set_attractiveness_multipliers(factors);
    }
}

/// A town with nothing to give still draws some people (family, the way on).
const MIN_SUPPLY_ATTRACTION: f64 = 0.1;
