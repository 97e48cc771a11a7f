//! The displacement engine: locations, links and agents, and Flee's daily rules.
//!
//! The rules follow Flee's current engine (Groen et al., BSD-3-Clause; `flee/flee.py`,
//! `flee/moving.py`, `flee/scoring.py`, `flee/spawning.py`), re-implemented from reading them:
//!
//! * each day every agent that is not on a link draws against its location's move chance;
//!   a mover picks a neighbouring location with probability proportional to
//!   `(weight_softening + score) / (softening + distance)^distance_power × capacity multiplier`
//!   and steps onto the link, unless the chosen camp is at least half-way into its capacity
//!   buffer (capacity multiplier below 0.5);
//! * then every agent on a link travels `max_move_speed` km along it; it arrives only when
//!   the distance travelled is strictly greater than the link length, and, if it covered
//!   less than a day's distance in total, it decides again at once at the new location;
//! * an agent arriving on a link that was closed after it set out returns to the link's start;
//! * at awareness level 2 or more, or when `marker` locations (way points that are never a
//!   destination) are on the way, agents choose a whole route of several links, weighted by its
//!   endpoint and total length, and follow it; a route's next step is certain;
//! * `start_on_foot`: agents walk until their first arrival; `avoid_short_stints`: an agent who
//!   arrives with time left and has travelled little lately always moves on from a town;
//! * counts change the moment an agent moves, so later agents see them;
//! * DFlee's flood rules: a location's flood level replaces its move chance and weighs its
//!   attractiveness, and floods can spawn agents (see [`MoveRules::flood`]);
//! * DFlee's flood forecaster: while it is on, move chances and attractiveness also depend on
//!   the flood levels forecast for the coming days and on each agent's flood awareness, drawn
//!   when the agent appears (see [`crate::FloodForecaster`]). Agents of each awareness level
//!   then have their own move chances and route weights, prepared once a day like the others.
//!
//! Agents are stored as a struct of arrays (one `u32` place and one `f64` progress each);
//! nothing is allocated per agent. The engine is pure: randomness comes only from the
//! generator passed to [`Ecosystem::step`] and [`Ecosystem::spawn_displaced`].

use rand::{Rng, RngExt};

mod counted;
pub use counted::CountingRefused;

use crate::error::{FleeError, Result};
use crate::forecast::{AwarenessDraw, FloodForecaster};
use crate::poisson::poisson;
use crate::settings::{
    ConflictDrivenSpawning, ConflictSpawnMode, FloodDrivenSpawning, MoveRules, SpawnRules,
};

/// Index of a location in an [`Ecosystem`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocationId(pub u32);

/// Index of a directed link in an [`Ecosystem`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkId(pub u32);

impl LocationId {
    fn index(self) -> usize {
        self.0 as usize
    }
}

impl LinkId {
    fn index(self) -> usize {
        self.0 as usize
    }
}

/// What a location is, which sets its move chance and attractiveness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocationKind {
    /// An ordinary place (`town` or `default` in Flee).
    Town,
    /// A conflict zone from the start.
    ConflictZone,
    /// A refugee camp (capacity-limited, attractive, rarely left).
    Camp,
    /// An IDP camp inside the home country.
    IdpCamp,
    /// A staging point every agent leaves the next day (`forward`).
    Forward,
    /// A way point (`marker`): passed through on routes, never chosen as a destination.
    Marker,
    /// DFlee's `flood_zone`: left with the default move chance like a town (but never forced
    /// on as a town is), never turned into a camp, and its attractiveness carries the flood
    /// weight of its level even at level 0.
    FloodZone,
}

/// Description of a location for [`Ecosystem::add_location`].
#[derive(Debug, Clone, PartialEq)]
pub struct LocationSpec {
    pub name: String,
    pub region: String,
    pub country: String,
    pub x: f64,
    pub y: f64,
    pub kind: LocationKind,
    /// Resident (non-displaced) population: weights where conflict spawns agents.
    pub population: i64,
    /// Camp capacity in agents (`None`: unlimited).
    pub capacity: Option<i64>,
    /// Conflict intensity for [`LocationKind::ConflictZone`] (Flee's default is 1).
    pub conflict_intensity: f64,
    /// Capacity added every day (Flee's `capacity_per_day` attribute).
    pub capacity_per_day: i64,
}

impl LocationSpec {
    /// A location of `kind` with no population, unlimited capacity and unknown country.
    pub fn new(name: impl Into<String>, kind: LocationKind) -> LocationSpec {
        LocationSpec {
            name: name.into(),
            region: "unknown".into(),
            country: "unknown".into(),
            x: 0.0,
            y: 0.0,
            kind,
            population: 0,
            capacity: None,
            conflict_intensity: 1.0,
            capacity_per_day: 0,
        }
    }

    pub fn country(mut self, country: impl Into<String>) -> Self {
        self.country = country.into();
        self
    }

    pub fn population(mut self, population: i64) -> Self {
        self.population = population;
        self
    }

    pub fn capacity(mut self, capacity: i64) -> Self {
        self.capacity = Some(capacity);
        self
    }

    pub fn coordinates(mut self, x: f64, y: f64) -> Self {
        self.x = x;
        self.y = y;
        self
    }
}

/// A location's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    pub name: String,
    pub region: String,
    pub country: String,
    pub x: f64,
    pub y: f64,
    /// Outside the home country (the first location's country).
    pub foreign: bool,
    pub camp: bool,
    pub idp_camp: bool,
    pub town: bool,
    pub forward: bool,
    /// A way point that routes pass through but never end at.
    pub marker: bool,
    /// DFlee's `flood_zone` location type.
    pub flood_zone: bool,
    /// Today's flood level (DFlee; 0: not flooded).
    pub flood_level: u32,
    /// Conflict intensity; negative when there is no conflict.
    pub conflict: f64,
    /// Day the current conflict started (-1 when it was set before the first day).
    pub time_of_conflict: i64,
    /// Base daily chance of leaving.
    pub movechance: f64,
    /// Extra multiplier on the move chance (1 by default; for coupling, e.g. sieges).
    pub movechance_multiplier: f64,
    /// Extra multiplier on the location's attractiveness as a destination (1 by default, as in
    /// Flee; for coupling: a town short of supplies or on threatened roads draws fewer).
    pub attractiveness_multiplier: f64,
    /// Capacity in agents (-1: unlimited).
    pub capacity: i64,
    pub capacity_per_day: i64,
    /// Resident population (spawn weight).
    pub pop: i64,
    /// Agents here now.
    pub num_agents: i64,
    /// Agents that arrived during the last step.
    pub arrivals_last_step: u64,
    /// Agents that arrived since the start.
    pub arrivals_total: u64,
    /// Agents spawned here since the start.
    pub spawned_total: u64,
    links: Vec<LinkId>,
    closed_links: Vec<LinkId>,
    /// DFlee's flood forecaster: the flood level of every day from day 0 (empty: always dry).
    flood_forecast: Vec<f64>,
    /// Where the flood awareness of agents who appear here is drawn from (`None`: level 0).
    awareness_draw: Option<AwarenessDraw>,
}

impl Location {
    /// Open outgoing links, in the order Flee would consider them.
    pub fn links(&self) -> &[LinkId] {
        &self.links
    }
}

/// A directed link's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub from: LocationId,
    pub to: LocationId,
    /// Length in km.
    pub distance: f64,
    /// Once closed, agents already on this link go back to `from` when they get to the end.
    /// A reopened route is a fresh link (as in Flee, which reopens a copy).
    pub closed: bool,
    /// Agents on the link now.
    pub num_agents: i64,
    /// km per day on this link (`max_move_speed` attribute), if it overrides the rules.
    pub max_move_speed: Option<f64>,
    /// Chance per day that an agent walks (at `max_walk_speed`) instead.
    pub walk_probability: f64,
}

/// `k < chance_threshold(p)` for a 53-bit integer `k` exactly when `k × 2⁻⁵³ < p`.
fn chance_threshold(chance: f64) -> u64 {
    const SCALE: f64 = (1u64 << 53) as f64;
    if chance.is_nan() || chance <= 0.0 {
        0
    } else if chance >= 1.0 {
        u64::MAX
    } else {
        // Exact: multiplying by a power of two only shifts the exponent. The ceiling of a
        // positive number below 2⁵³ from its truncation: two conversions instead of a call
        // to `ceil` (the baseline x86-64 target has no rounding instruction).
        let scaled = chance * SCALE;
        let truncated = scaled as i64;
        let ceiling = if (truncated as f64) < scaled {
            truncated + 1
        } else {
            truncated
        };
        ceiling as u64
    }
}

/// The most agents a world may hold: each takes about 12 bytes (more with some rules), so
/// this bounds memory at tens of GB instead of letting a corrupt count abort the process.
pub const MAX_AGENTS: u64 = 1_000_000_000;

/// High bit of an agent's place: set when the place is a link.
const ON_LINK: u32 = 1 << 31;

/// Agents as a struct of arrays. The last four arrays are kept only while a rule needs them
/// (empty otherwise), and are extended with each new agent's starting state before a step.
#[derive(Debug, Clone, Default, PartialEq)]
struct Agents {
    /// `LocationId` or `LinkId | ON_LINK`.
    place: Vec<u32>,
    /// km travelled on the current link.
    progress: Vec<f64>,
    /// `start_on_foot`: whether the agent has arrived anywhere since it was spawned.
    arrived: Vec<bool>,
    /// `avoid_short_stints`: Flee's `recent_travel_distance`, a running average of the share of
    /// a day's distance travelled (halved every day).
    recent_travel: Vec<f64>,
    /// Route mode: index in [`RoutePlanner::paths`] of the next location on the agent's route,
    /// and how many locations of the route are left (0: no route).
    route_at: Vec<u32>,
    route_left: Vec<u32>,
    /// Flood forecaster: the agent's flood awareness level, drawn when it appears. Kept while
    /// the forecaster can still act; agents who appear after that have none.
    awareness: Vec<u8>,
}

/// A route an agent at some origin may choose (Flee's `calculateLinkWeight` tree).
#[derive(Debug, Clone, Copy, PartialEq)]
struct CandidateRoute {
    /// The route's locations after the origin, in [`RoutePlanner::paths`].
    path_start: u32,
    path_len: u32,
    /// Where the route ends (never a marker).
    endpoint: u32,
    /// Sum of the lengths of its links, in km.
    distance: f64,
}

/// Multi-link routes, used at awareness level 2 or more or when there are markers.
#[derive(Debug, Clone, Default, PartialEq)]
struct RoutePlanner {
    /// The network changed: enumerate the candidate routes again before the next step.
    stale: bool,
    /// Locations of every route enumerated so far. Append-only, so the routes agents are
    /// following stay valid when the network changes and the candidates are enumerated again.
    paths: Vec<u32>,
    /// Candidate routes grouped by origin: `span[origin] = (start, len)` in `routes`.
    routes: Vec<CandidateRoute>,
    span: Vec<(u32, u32)>,
    /// Today's weight of each candidate route before the capacity multiplier, for each
    /// awareness class in turn (`class × routes + route`).
    base_weight: Vec<f64>,
    /// One table per awareness class (none with pruning).
    choices: Vec<ChoiceTable>,
}

/// Choice weights (of links or routes) per origin, prepared once a step so that a decision
/// costs a few multiplications instead of one weight per candidate.
///
/// A candidate's weight is `(base × capacity multiplier of its endpoint)^weight_power`, which
/// is `base^weight_power × multiplier^weight_power`. Candidates are ordered with those whose
/// endpoint has no capacity limit first, then grouped by capacity-limited endpoint; each group
/// is scaled by its endpoint's multiplier at decision time. The draw has exactly the
/// distribution of a weighted draw over all candidates. Not used with pruning, which needs the
/// individual weights.
#[derive(Debug, Clone, Default, PartialEq)]
struct ChoiceTable {
    /// Candidate indices (relative to the origin's first candidate), in table order.
    order: Vec<u32>,
    /// Cumulative `base^weight_power` in table order, per origin.
    cumulative: Vec<f64>,
    origin: Vec<OriginChoices>,
    /// Groups of candidates that end at the same capacity-limited location.
    groups: Vec<EndpointGroup>,
}

/// Where an origin's candidates are in a [`ChoiceTable`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct OriginChoices {
    start: u32,
    len: u32,
    /// The first `unlimited_len` candidates in table order end where capacity is unlimited.
    unlimited_len: u32,
    group_start: u32,
    group_len: u32,
}

/// Candidates of one origin that end at the same capacity-limited location.
#[derive(Debug, Clone, Copy, PartialEq)]
struct EndpointGroup {
    endpoint: u32,
    /// Offsets from the origin's start, in table order.
    from: u32,
    to: u32,
}

impl ChoiceTable {
    fn clear(&mut self) {
        self.order.clear();
        self.cumulative.clear();
        self.origin.clear();
        self.groups.clear();
    }

    /// Adds the next origin's candidates: `(endpoint, weight before the capacity multiplier,
    /// whether the endpoint is capacity-limited)`, in candidate order.
    fn push_origin(&mut self, candidates: &[(u32, f64, bool)]) {
        let start = self.order.len();
        let group_start = self.groups.len();
        let mut running = 0.0;
        for (index, &(_, weight, limited)) in candidates.iter().enumerate() {
            if !limited {
                self.order.push(index as u32);
                running += weight;
                self.cumulative.push(running);
            }
        }
        let unlimited_len = self.order.len() - start;
        for (index, &(endpoint, _, limited)) in candidates.iter().enumerate() {
            let seen = self.groups[group_start..]
                .iter()
                .any(|g| g.endpoint == endpoint);
            if !limited || seen {
                continue;
            }
            let from = (self.order.len() - start) as u32;
            for (member, &(other, weight, _)) in candidates.iter().enumerate().skip(index) {
                if other == endpoint {
                    self.order.push(member as u32);
                    running += weight;
                    self.cumulative.push(running);
                }
            }
            let to = (self.order.len() - start) as u32;
            self.groups.push(EndpointGroup { endpoint, from, to });
        }
        self.origin.push(OriginChoices {
            start: start as u32,
            len: candidates.len() as u32,
            unlimited_len: unlimited_len as u32,
            group_start: group_start as u32,
            group_len: (self.groups.len() - group_start) as u32,
        });
    }
}

/// Where an agent is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    At(LocationId),
    OnLink(LinkId),
}

/// The whole simulated world: network, agents and rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Ecosystem {
    rules: MoveRules,
    spawn_rules: SpawnRules,
    locations: Vec<Location>,
    links: Vec<Link>,
    agents: Agents,
    time: i64,
    spawn_weights: Vec<f64>,
    // Per-step caches, recomputed at the start of every step. Agents fall into `classes`
    // awareness classes: one, unless the flood forecaster acts today, when each flood awareness
    // level is a class with its own move chances and weights (`class × count + index`).
    classes: usize,
    /// Today's move chance per class and location as a threshold on 53-bit random integers:
    /// drawing `k = next_u64() >> 11` and testing `k < threshold` is exactly
    /// `random::<f64>() < chance` (rand's `f64` is `k × 2⁻⁵³`), without the conversion in the
    /// hot loop.
    move_threshold: Vec<u64>,
    /// Today's attractiveness per location (the forecaster's factor left out).
    endpoint_score: Vec<f64>,
    /// Today's link weight per class and link, before the capacity multiplier.
    link_weight: Vec<f64>,
    /// Link choice weights per class and location (single-link mode; none with pruning).
    choices: Vec<ChoiceTable>,
    /// Whether `choices` is prepared each day (see [`Ecosystem::set_choice_tables`]).
    choice_tables: bool,
    /// Some location is a marker (routes are then needed even at awareness level 1).
    has_markers: bool,
    planner: RoutePlanner,
    /// Today's link weights are left to each decision (see [`KeptPreparation`]): `link_weight`
    /// is empty and a link's weight comes from `endpoint_score` and the kept lengths.
    weigh_at_decision: bool,
    kept: KeptPreparation,
    /// Without `avoid_short_stints` only agents on links travel, so the daily travel visits
    /// them alone: those on links at the end of the last step and those who stepped onto one
    /// in today's decisions (each list in agent order; agents reach links no other way). With
    /// it every agent's recent travel is updated daily and the lists are not kept.
    on_links: Vec<u32>,
    entered: Vec<u32>,
    travel_spare: Vec<u32>,
    /// Agents kept as counts by place instead of one by one (see [`Ecosystem::count_by_place`]);
    /// `agents` is then empty.
    counted: Option<counted::CountedAgents>,
    /// Tests: always take the full preparation, to compare the kept one with it.
    #[cfg(test)]
    full_preparation_only: bool,
}

/// What the day's preparation keeps from one day to the next when link choices are weighed at
/// each decision (no choice tables, single links, no flood rules; the coupled loop). Location
/// attributes change on a few days only, so the part of each score and move chance that they
/// set is kept, and only the daily multipliers are applied afresh: the same products as
/// computing everything every day, so the same bits.
#[derive(Debug, Clone, PartialEq)]
struct KeptPreparation {
    /// A location attribute that spawn weights read changed since they were last refreshed.
    spawn_weights_stale: bool,
    /// A location attribute that `base_score` or `base_chance` read changed since they were
    /// last computed.
    base_stale: bool,
    /// A link was added, closed or handed out mutably since `lengths` was computed.
    lengths_stale: bool,
    /// A move-chance multiplier changed since `move_threshold` was computed (or the full
    /// preparation wrote it).
    thresholds_stale: bool,
    /// Some location may have a daily capacity increase (its capacity then changes daily).
    capacity_grows: bool,
    /// Each location's attractiveness before its attractiveness multiplier.
    base_score: Vec<f64>,
    /// Each location's move chance before its move-chance multiplier.
    base_chance: Vec<f64>,
    /// Each link's `(softening + distance)^distance_power`.
    lengths: Vec<f64>,
}

impl Default for KeptPreparation {
    fn default() -> Self {
        KeptPreparation {
            spawn_weights_stale: true,
            base_stale: true,
            lengths_stale: true,
            thresholds_stale: true,
            capacity_grows: false,
            base_score: Vec::new(),
            base_chance: Vec::new(),
            lengths: Vec::new(),
        }
    }
}

/// The flood forecaster's factors for one day (see [`crate::FloodForecaster`]).
struct ForecastFactors {
    /// Move-chance factor per location, before the awareness weight.
    movechance: Vec<f64>,
    /// Attractiveness factor per location, before the awareness weight.
    score: Vec<f64>,
    /// Weight of each awareness level.
    awareness: Vec<f64>,
}

/// Route weights live on the stack up to this many candidates (no allocation per agent).
const STACK_CANDIDATES: usize = 64;

impl Ecosystem {
    /// An empty world with the given rules.
    pub fn new(rules: MoveRules, spawn_rules: SpawnRules) -> Ecosystem {
        Ecosystem {
            rules,
            spawn_rules,
            locations: Vec::new(),
            links: Vec::new(),
            agents: Agents::default(),
            time: 0,
            spawn_weights: Vec::new(),
            classes: 1,
            move_threshold: Vec::new(),
            endpoint_score: Vec::new(),
            link_weight: Vec::new(),
            choices: Vec::new(),
            choice_tables: true,
            has_markers: false,
            planner: RoutePlanner::default(),
            weigh_at_decision: false,
            kept: KeptPreparation::default(),
            on_links: Vec::new(),
            entered: Vec::new(),
            travel_spare: Vec::new(),
            counted: None,
            #[cfg(test)]
            full_preparation_only: false,
        }
    }

    /// Something counting by place relies on may have changed: check it again before the next
    /// step (see [`Ecosystem::count_by_place`]).
    fn conditions_changed(&mut self) {
        if let Some(counted) = &mut self.counted {
            counted.checked = false;
        }
    }

    /// A location attribute changed: what the day's preparation kept from it is stale.
    fn attributes_changed(&mut self) {
        self.kept.spawn_weights_stale = true;
        self.kept.base_stale = true;
    }

    /// Whether link choices are drawn from tables prepared for every location at the start of
    /// each day (the default), or weighed at each decision. Tables pay when many agents decide
    /// at each location, as in Flee's cases; weighing at the decision pays when few agents move
    /// across many locations. Both draw from the same distribution, but a given random number
    /// may pick another link, so a run's results depend on the choice (and are reproducible
    /// under either). Single-link mode only: routes are always prepared.
    pub fn set_choice_tables(&mut self, prepare: bool) {
        self.conditions_changed();
        self.choice_tables = prepare;
    }

    /// Whether agents choose multi-link routes (Flee's route list) instead of single links.
    fn uses_routes(&self) -> bool {
        self.rules.awareness_level > 1 || self.has_markers
    }

    /// Movement rules in force.
    pub fn rules(&self) -> &MoveRules {
        &self.rules
    }

    /// Days simulated so far.
    pub fn time(&self) -> i64 {
        self.time
    }

    /// Adds a location. The first location's country is the home country; locations elsewhere
    /// are foreign.
    pub fn add_location(&mut self, spec: LocationSpec) -> LocationId {
        self.conditions_changed();
        let home = self
            .locations
            .first()
            .map_or(spec.country.as_str(), |first| first.country.as_str());
        let foreign = spec.country != home;
        let rules = &self.rules;
        let (camp, idp_camp, town, forward, conflict, movechance) = match spec.kind {
            LocationKind::Camp => (true, false, false, false, -1.0, rules.camp_movechance),
            LocationKind::IdpCamp => (true, true, false, false, -1.0, rules.idpcamp_movechance),
            LocationKind::Marker => (false, false, false, false, -1.0, 1.0),
            LocationKind::ConflictZone => (
                false,
                false,
                false,
                false,
                spec.conflict_intensity,
                rules.conflict_movechance,
            ),
            LocationKind::Forward => (false, false, false, true, -1.0, 1.0),
            LocationKind::Town => (false, false, true, false, -1.0, rules.default_movechance),
            LocationKind::FloodZone => (false, false, false, false, -1.0, rules.default_movechance),
        };
        let flood_zone = spec.kind == LocationKind::FloodZone;
        // Flee turns any non-camp location that agents almost never leave into a camp (but
        // not a flood zone).
        let (camp, town) = if movechance < 0.005 && !camp && !flood_zone {
            (true, false)
        } else {
            (camp, town)
        };
        let id = LocationId(self.locations.len() as u32);
        self.locations.push(Location {
            name: spec.name,
            region: spec.region,
            country: spec.country,
            x: spec.x,
            y: spec.y,
            foreign,
            camp,
            idp_camp,
            town,
            forward,
            marker: spec.kind == LocationKind::Marker,
            flood_zone,
            flood_level: 0,
            conflict,
            time_of_conflict: -1,
            movechance,
            movechance_multiplier: 1.0,
            attractiveness_multiplier: 1.0,
            capacity: spec.capacity.unwrap_or(-1),
            capacity_per_day: spec.capacity_per_day,
            pop: spec.population,
            num_agents: 0,
            arrivals_last_step: 0,
            arrivals_total: 0,
            spawned_total: 0,
            links: Vec::new(),
            closed_links: Vec::new(),
            flood_forecast: Vec::new(),
            awareness_draw: None,
        });
        self.spawn_weights.push(0.0);
        self.attributes_changed();
        self.kept.capacity_grows |= spec.capacity_per_day > 0;
        self.refresh_spawn_weights();
        self.has_markers |= spec.kind == LocationKind::Marker;
        self.planner.stale = true;
        id
    }

    /// Connects two locations both ways (Flee's `linkUp`); returns the `a → b` and `b → a`
    /// links.
    pub fn add_route(&mut self, a: LocationId, b: LocationId, distance: f64) -> (LinkId, LinkId) {
        let forward = self.add_link(a, b, distance);
        let backward = self.add_link(b, a, distance);
        (forward, backward)
    }

    /// Adds one directed link.
    pub fn add_link(&mut self, from: LocationId, to: LocationId, distance: f64) -> LinkId {
        let id = LinkId(self.links.len() as u32);
        self.links.push(Link {
            from,
            to,
            distance,
            closed: false,
            num_agents: 0,
            max_move_speed: None,
            walk_probability: 0.0,
        });
        self.locations[from.index()].links.push(id);
        self.planner.stale = true;
        self.kept.lengths_stale = true;
        id
    }

    /// Mutable access to a link's travel attributes.
    pub fn link_mut(&mut self, id: LinkId) -> &mut Link {
        self.conditions_changed();
        self.kept.lengths_stale = true;
        &mut self.links[id.index()]
    }

    pub fn location(&self, id: LocationId) -> &Location {
        &self.locations[id.index()]
    }

    pub fn location_mut(&mut self, id: LocationId) -> &mut Location {
        self.conditions_changed();
        self.attributes_changed();
        // Any field may change, the daily capacity increase too.
        self.kept.capacity_grows = true;
        &mut self.locations[id.index()]
    }

    pub fn link(&self, id: LinkId) -> &Link {
        &self.links[id.index()]
    }

    pub fn locations(&self) -> &[Location] {
        &self.locations
    }

    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// Looks a location up by name.
    pub fn location_id(&self, name: &str) -> Option<LocationId> {
        self.locations
            .iter()
            .position(|l| l.name == name)
            .map(|i| LocationId(i as u32))
    }

    /// Agents at a location now.
    pub fn count(&self, id: LocationId) -> u64 {
        self.locations[id.index()].num_agents.max(0) as u64
    }

    /// A location's attractiveness as computed for the last step (before the first step: as it
    /// would be computed now). It combines the camp, foreign, conflict and flood multipliers;
    /// the flood forecaster's factor, which depends on each agent's awareness, is not in it.
    pub fn attractiveness(&self, id: LocationId) -> f64 {
        self.endpoint_score
            .get(id.index())
            .copied()
            .unwrap_or_else(|| self.location_score(&self.locations[id.index()]))
    }

    /// Agents that arrived at a location during the last step.
    pub fn arrivals(&self, id: LocationId) -> u64 {
        self.locations[id.index()].arrivals_last_step
    }

    /// All agents.
    pub fn num_agents(&self) -> usize {
        match &self.counted {
            Some(counted) => usize::try_from(counted.total).unwrap_or(usize::MAX),
            None => self.agents.place.len(),
        }
    }

    /// Agents travelling on links now.
    pub fn agents_on_links(&self) -> u64 {
        self.links.iter().map(|l| l.num_agents.max(0) as u64).sum()
    }

    /// Agents at locations now.
    pub fn agents_at_locations(&self) -> u64 {
        self.locations
            .iter()
            .map(|l| l.num_agents.max(0) as u64)
            .sum()
    }

    /// Where agent `index` is (agents are numbered in the order they were added); None for an
    /// index beyond the last agent, and for every index while agents are counted by place.
    pub fn agent_place(&self, index: usize) -> Option<Place> {
        let place = *self.agents.place.get(index)?;
        Some(if place & ON_LINK != 0 {
            Place::OnLink(LinkId(place & !ON_LINK))
        } else {
            Place::At(LocationId(place))
        })
    }

    /// Multiplies a location's attractiveness as a destination by `factor` from the next step
    /// on (for coupling: supply and road threat). Flee has no such input; its cases keep 1.
    pub fn set_attractiveness_multiplier(&mut self, id: LocationId, factor: f64) {
        self.locations[id.index()].attractiveness_multiplier = factor;
    }

    /// [`Self::set_attractiveness_multiplier`] for the first `factors.len()` locations at once,
    /// in order.
    pub fn set_attractiveness_multipliers(&mut self, factors: &[f64]) {
        for (location, &factor) in self.locations.iter_mut().zip(factors) {
            location.attractiveness_multiplier = factor;
        }
    }

    /// Multiplies a location's daily move chance by `factor` from the next step on
    /// (for coupling: sieges and shortages push people out).
    pub fn set_movechance_multiplier(&mut self, id: LocationId, factor: f64) {
        let multiplier = &mut self.locations[id.index()].movechance_multiplier;
        // Set daily by the coupling, changed on a few days.
        if multiplier.to_bits() != factor.to_bits() {
            *multiplier = factor;
            self.kept.thresholds_stale = true;
        }
    }

    /// Flee's `set_conflict_intensity`: an intensity above 1e-6 makes the location a conflict
    /// zone that started today; anything lower ends the conflict and makes it a town.
    pub fn set_conflict(&mut self, id: LocationId, intensity: f64) {
        self.attributes_changed();
        let time = self.time;
        let rules = &self.rules;
        let location = &mut self.locations[id.index()];
        if intensity < 0.000001 {
            location.movechance = rules.default_movechance;
            location.conflict = -1.0;
            location.town = true;
        } else {
            location.movechance = rules.conflict_movechance;
            location.conflict = intensity;
            location.town = false;
            location.time_of_conflict = time;
        }
        self.refresh_spawn_weights();
    }

    /// Sets a location's flood level from the next step on (DFlee's daily `flood_level`; 0 is
    /// dry). It only has an effect under flood rules ([`MoveRules::flood`]).
    pub fn set_flood_level(&mut self, id: LocationId, level: u32) {
        self.attributes_changed();
        self.locations[id.index()].flood_level = level;
    }

    /// DFlee's flood forecaster: a location's flood level on every day from day 0, as
    /// forecast (days past the end count as dry). Locations without a forecast are dry
    /// throughout. Only has an effect with a forecaster in the flood rules.
    pub fn set_flood_forecast(&mut self, id: LocationId, levels: Vec<f64>) {
        self.attributes_changed();
        self.locations[id.index()].flood_forecast = levels;
    }

    /// DFlee's flood forecaster: the weight of each flood awareness level (0, 1, ...) among the
    /// agents who appear at a location from now on (Flee's `demographics_floodawareness.csv`).
    /// Each agent's level is drawn when it appears; where no weights are set it is 0.
    pub fn set_flood_awareness(&mut self, id: LocationId, weights: &[f64]) -> Result<()> {
        let name = &self.locations[id.index()].name;
        let levels = self
            .forecaster()
            .map(FloodForecaster::awareness_levels)
            .ok_or_else(|| {
                FleeError::Api(format!(
                    "flood awareness set for {name}, but the flood rules have no forecaster"
                ))
            })?;
        if weights.len() > levels {
            return Err(FleeError::Api(format!(
                "flood awareness for {name} has {} levels but flood_awareness_weights has {levels}",
                weights.len()
            )));
        }
        let draw = AwarenessDraw::new(weights).ok_or_else(|| {
            FleeError::Api(format!(
                "flood awareness weights for {name} must be finite, >= 0 and not all 0, found \
                 {weights:?}"
            ))
        })?;
        self.locations[id.index()].awareness_draw = Some(draw);
        Ok(())
    }

    /// The flood awareness level of agent `index`, if it was drawn (only while the flood
    /// forecaster can act; agents get it on the first step after they appear).
    pub fn flood_awareness(&self, index: usize) -> Option<u8> {
        self.agents.awareness.get(index).copied()
    }

    /// The flood forecaster of the flood rules, if any.
    fn forecaster(&self) -> Option<&FloodForecaster> {
        self.rules.flood.as_ref()?.forecaster.as_ref()
    }

    /// The flood forecaster, if it acts today.
    fn forecaster_today(&self) -> Option<&FloodForecaster> {
        self.forecaster().filter(|f| f.active(self.time))
    }

    /// Inserts `n` agents at a location without touching its population (Flee's
    /// `insertAgent`, used for the people already in camps on day 0).
    pub fn spawn(&mut self, id: LocationId, n: u64) {
        let location = &mut self.locations[id.index()];
        location.num_agents += n as i64;
        location.spawned_total += n;
        if let Some(counted) = &mut self.counted {
            counted.total += n;
            return;
        }
        let new_len = self.agents.place.len() + n as usize;
        self.agents.place.resize(new_len, id.0);
        self.agents.progress.resize(new_len, 0.0);
    }

    /// Adds one displaced agent at a location (Flee's `addAgent`: with
    /// `take_from_population` the location's population shrinks by one).
    fn add_displaced(&mut self, id: LocationId) {
        if self.spawn_rules.take_from_population {
            self.attributes_changed();
            let location = &mut self.locations[id.index()];
            if location.pop > 0 {
                location.pop -= 1;
            }
        }
        self.spawn(id, 1);
    }

    /// Spawns `n` agents, each at a location drawn with probability proportional to the
    /// current spawn weights (population × conflict intensity × conflict decay).
    pub fn spawn_displaced<R: Rng + ?Sized>(&mut self, n: u64, rng: &mut R) -> Result<()> {
        if n == 0 {
            return Ok(());
        }
        let total: f64 = self.spawn_weights.iter().sum();
        if total.is_nan() || total <= 0.0 {
            return Err(FleeError::Api(format!(
                "day {}: {n} agents to spawn but no conflict zone has a positive spawn weight",
                self.time
            )));
        }
        let mut cumulative = Vec::with_capacity(self.spawn_weights.len());
        let mut running = 0.0;
        for &w in &self.spawn_weights {
            running += w;
            cumulative.push(running / total);
        }
        if self.counted.is_none() {
            self.agents.place.reserve(n as usize);
            self.agents.progress.reserve(n as usize);
        }
        for _ in 0..n {
            let u: f64 = rng.random();
            let index = cumulative
                .partition_point(|&c| c <= u)
                .min(cumulative.len() - 1);
            self.add_displaced(LocationId(index as u32));
        }
        if self.spawn_rules.take_from_population {
            self.refresh_spawn_weights();
        }
        Ok(())
    }

    /// Flee's conflict-driven spawning: every location in conflict spawns its own agents today,
    /// `displaced_per_conflict_day × intensity` (constant), the same times its population
    /// (pop_ratio, both truncated) or a Poisson draw with that mean; returns how many.
    pub fn spawn_by_conflict<R: Rng + ?Sized>(
        &mut self,
        rule: &ConflictDrivenSpawning,
        rng: &mut R,
    ) -> Result<u64> {
        let mut spawned = 0;
        for index in 0..self.locations.len() {
            let location = &self.locations[index];
            if location.conflict <= 0.0 {
                continue;
            }
            let rate = rule.displaced_per_conflict_day;
            let count = match rule.mode {
                ConflictSpawnMode::Constant => (rate * location.conflict).trunc() as u64,
                ConflictSpawnMode::PopRatio => {
                    (rate * location.pop as f64 * location.conflict).trunc() as u64
                }
                ConflictSpawnMode::Poisson => poisson(rate * location.conflict, rng),
            };
            self.spawn_driven(index, count, "conflict")?;
            spawned += count;
        }
        Ok(spawned)
    }

    /// Adds `count` displaced agents at location `index` for conflict- or flood-driven
    /// spawning (`cause`), refusing to take the agents past [`MAX_AGENTS`].
    fn spawn_driven(&mut self, index: usize, count: u64, cause: &str) -> Result<()> {
        if self.num_agents() as u64 + count > MAX_AGENTS {
            return Err(FleeError::Api(format!(
                "day {}: {cause}-driven spawning at {} would take the agents past \
                 {MAX_AGENTS}; lower displaced_per_{cause}_day or raise optimisations.hasten",
                self.time, self.locations[index].name
            )));
        }
        for _ in 0..count {
            self.add_displaced(LocationId(index as u32));
        }
        Ok(())
    }

    /// DFlee's flood-driven spawning: every location with a flood level L above 0 spawns its
    /// own agents today, `int(rate)` (constant), `int(rate × population)` (pop_ratio) or a
    /// Poisson draw with mean `int(rate)`, where `rate = displaced_per_flood_day[L]`; returns
    /// how many.
    pub fn spawn_by_flood<R: Rng + ?Sized>(
        &mut self,
        rule: &FloodDrivenSpawning,
        rng: &mut R,
    ) -> Result<u64> {
        let mut spawned = 0;
        for index in 0..self.locations.len() {
            let location = &self.locations[index];
            if location.flood_level == 0 {
                continue;
            }
            let rate = rule.rate(location.flood_level);
            let count = match rule.mode {
                ConflictSpawnMode::Constant => rate.trunc() as u64,
                ConflictSpawnMode::PopRatio => (rate * location.pop as f64).trunc() as u64,
                // Flee truncates the mean before the draw.
                ConflictSpawnMode::Poisson => poisson(rate.trunc(), rng),
            };
            self.spawn_driven(index, count, "flood")?;
            spawned += count;
        }
        Ok(spawned)
    }

    /// Current spawn weight of every location.
    pub fn spawn_weights(&self) -> &[f64] {
        &self.spawn_weights
    }

    /// Recomputes spawn weights for the current day (Flee's `refresh_spawn_weights`).
    pub fn refresh_spawn_weights(&mut self) {
        self.kept.spawn_weights_stale = false;
        for (weight, location) in self.spawn_weights.iter_mut().zip(&self.locations) {
            *weight = 0.0;
            if location.conflict > 0.0 {
                let multiplier = if self.spawn_rules.decay_enabled() {
                    location.conflict
                        * self
                            .spawn_rules
                            .conflict_decay(self.time - location.time_of_conflict)
                } else {
                    location.conflict
                };
                *weight = location.pop as f64 * multiplier;
            }
        }
    }

    /// Flee's capacity multiplier: 1 below `capacity_buffer × capacity`, 0 at capacity,
    /// linear in between.
    #[inline]
    fn capacity_multiplier(&self, id: usize) -> f64 {
        let location = &self.locations[id];
        let buffer = self.rules.capacity_buffer;
        let cap = location.capacity as f64 * self.rules.capacity_scaling;
        if cap < 1.0 {
            return 1.0;
        }
        let n = location.num_agents as f64;
        if n <= buffer * cap {
            return 1.0;
        }
        if n >= cap {
            return 0.0;
        }
        let residual = n - buffer * cap;
        1.0 - residual / (cap * (1.0 - buffer))
    }

    /// Attractiveness of a location today (Flee's `updateLocationScore` and
    /// `getEndPointScore` for the rules implemented).
    fn location_score(&self, location: &Location) -> f64 {
        self.base_score(location) * location.attractiveness_multiplier
    }

    /// [`Self::location_score`] before the location's attractiveness multiplier.
    fn base_score(&self, location: &Location) -> f64 {
        let rules = &self.rules;
        let mut score = 1.0;
        if location.foreign {
            score *= rules.foreign_weight;
        }
        if location.camp || location.idp_camp {
            score *= rules.camp_weight;
        }
        if location.conflict > 0.0 {
            let decay = self
                .spawn_rules
                .conflict_decay(self.time - location.time_of_conflict);
            score *= rules.conflict_weight.powf(decay * location.conflict);
        }
        if rules.use_pop_for_loc_weight && !location.camp {
            score *= (location.pop.max(1) as f64).powf(rules.pop_power_for_loc_weight);
        }
        if let Some(flood) = &rules.flood {
            // Flee's updateLocationScore weighs every flood zone by its level, 0 included;
            // getEndPointScore then weighs any flooded destination again.
            if location.flood_zone {
                score *= flood.loc_weight(location.flood_level);
                // While the forecaster acts, Flee's updateLocationScore also multiplies a flood
                // zone's score by a forecast term. That term reads a location attribute
                // (`forecast_flood_level`, singular) that nothing in Flee sets, so it is always
                // 0, and so is the flood zone's score.
                if self.forecaster_today().is_some() {
                    score = 0.0;
                }
            }
            if location.flood_level > 0 {
                score *= flood.loc_weight(location.flood_level);
            }
        }
        score
    }

    /// A location's move chance today before its move-chance multiplier and the flood
    /// forecaster's factor.
    fn base_chance(&self, location: &Location) -> f64 {
        let rules = &self.rules;
        let mut chance = location.movechance;
        if rules.movechance_pop_scale_factor != 0.0 {
            chance *= (location.pop.max(location.capacity) as f64 / rules.movechance_pop_base)
                .powf(rules.movechance_pop_scale_factor);
        }
        // DFlee: a flooded location's move chance replaces the usual one.
        if let Some(flood) = rules.flood.as_ref().filter(|_| location.flood_level > 0) {
            chance = flood.movechance(location.flood_level);
        }
        chance
    }

    /// Whether today's link weights are left to each decision: without choice tables, routes
    /// or flood rules, the day's preparation then keeps what does not change (see
    /// [`KeptPreparation`]).
    fn weighs_at_decision(&self) -> bool {
        #[cfg(test)]
        if self.full_preparation_only {
            return false;
        }
        !self.choice_tables && !self.uses_routes() && self.rules.flood.is_none()
    }

    fn prepare_step<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        if self.weighs_at_decision() {
            self.prepare_kept_step(rng);
            return;
        }
        self.weigh_at_decision = false;
        self.kept.thresholds_stale = true;
        self.refresh_spawn_weights();
        for location in &mut self.locations {
            if location.capacity_per_day > 0 {
                location.capacity += location.capacity_per_day;
            }
            location.arrivals_last_step = 0;
        }
        if self.num_agents() == 0 {
            // Nobody to move: the day's weights would go unread. `attractiveness` computes
            // afresh meanwhile, and the first day with agents prepares everything.
            self.endpoint_score.clear();
            return;
        }
        let scores: Vec<f64> = self
            .locations
            .iter()
            .map(|l| self.location_score(l))
            .collect();
        let rules = &self.rules;
        let chances: Vec<f64> = self.locations.iter().map(|l| self.base_chance(l)).collect();
        let forecast = self.forecast_factors();
        let classes = forecast.as_ref().map_or(1, |f| f.awareness.len());
        let mut thresholds = Vec::with_capacity(classes * chances.len());
        let mut class_scores = Vec::with_capacity(classes * scores.len());
        for class in 0..classes {
            for (index, location) in self.locations.iter().enumerate() {
                let (mut chance, mut score) = (chances[index], scores[index]);
                if let Some(f) = &forecast {
                    // Flee multiplies by the factor times the awareness weight, in that order.
                    chance *= f.movechance[index] * f.awareness[class];
                    score *= f.score[index] * f.awareness[class];
                }
                thresholds.push(chance_threshold(chance * location.movechance_multiplier));
                class_scores.push(score);
            }
        }
        let lengths = self.softened_lengths(self.links.iter().map(|link| link.distance));
        let mut weights = Vec::with_capacity(classes * lengths.len());
        for class_score in class_scores.chunks(scores.len().max(1)).take(classes) {
            weights.extend(self.links.iter().zip(&lengths).map(|(link, length)| {
                (rules.weight_softening + class_score[link.to.index()]) / length
            }));
        }
        self.classes = classes;
        self.endpoint_score = scores;
        self.move_threshold = thresholds;
        self.link_weight = weights;
        self.extend_agent_state(rng);
        if self.uses_routes() {
            if self.planner.stale {
                self.enumerate_routes();
            }
            self.prepare_route_weights(&class_scores);
        } else if self.choice_tables {
            self.prepare_static_routes();
        } else {
            self.choices.clear();
        }
    }

    /// [`Self::prepare_step`] when link weights are left to each decision: location attributes
    /// and links are read again only when they changed (or when the conflict decay or a growing
    /// capacity makes them change daily); the daily multipliers are applied to what was kept.
    fn prepare_kept_step<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        // After a full preparation, `move_threshold` holds another layout.
        self.kept.thresholds_stale |= !self.weigh_at_decision;
        self.weigh_at_decision = true;
        let mut grew = false;
        if self.kept.capacity_grows {
            for location in &mut self.locations {
                if location.capacity_per_day > 0 {
                    location.capacity += location.capacity_per_day;
                    grew = true;
                }
            }
        }
        for location in &mut self.locations {
            location.arrivals_last_step = 0;
        }
        let decays = self.spawn_rules.decay_enabled();
        if self.kept.spawn_weights_stale || decays {
            self.refresh_spawn_weights();
        }
        if self.num_agents() == 0 {
            // As in the full preparation: nothing to move, nothing to prepare.
            self.endpoint_score.clear();
            return;
        }
        // A capacity enters the move chance's population scaling.
        if self.kept.base_stale || decays || grew {
            let base_score = self.locations.iter().map(|l| self.base_score(l)).collect();
            let base_chance = self.locations.iter().map(|l| self.base_chance(l)).collect();
            self.kept.base_score = base_score;
            self.kept.base_chance = base_chance;
            self.kept.base_stale = false;
            self.kept.thresholds_stale = true;
        }
        if self.kept.lengths_stale {
            self.kept.lengths = self.softened_lengths(self.links.iter().map(|link| link.distance));
            self.kept.lengths_stale = false;
        }
        self.endpoint_score.clear();
        self.endpoint_score.extend(
            self.locations
                .iter()
                .zip(&self.kept.base_score)
                .map(|(location, &score)| score * location.attractiveness_multiplier),
        );
        if self.kept.thresholds_stale {
            self.move_threshold.clear();
            self.move_threshold
                .extend(self.locations.iter().zip(&self.kept.base_chance).map(
                    |(location, &chance)| chance_threshold(chance * location.movechance_multiplier),
                ));
            self.kept.thresholds_stale = false;
        }
        self.classes = 1;
        self.link_weight.clear();
        self.choices.clear();
        self.extend_agent_state(rng);
    }

    /// `(softening + distance)^distance_power` for each distance, the length term of a route
    /// weight. The test of the power stands outside the loop: inside it, the compiler took
    /// the power of every length whatever the test said (a `powf` per link and day).
    fn softened_lengths(&self, distances: impl Iterator<Item = f64>) -> Vec<f64> {
        let (softening, power) = (self.rules.distance_softening, self.rules.distance_power);
        if power == 1.0 {
            distances.map(|d| softening + d).collect()
        } else {
            distances.map(|d| (softening + d).powf(power)).collect()
        }
    }

    /// Today's flood forecaster factors, if the forecaster acts today.
    fn forecast_factors(&self) -> Option<ForecastFactors> {
        let forecaster = self.forecaster_today()?;
        let flood = self.rules.flood.as_ref()?;
        let day = self.time;
        let movechance = self
            .locations
            .iter()
            .map(|l| forecaster.movechance_factor(&flood.loc_weights, &l.flood_forecast, day))
            .collect();
        let score = self
            .locations
            .iter()
            .map(|l| {
                forecaster.score_factor(flood.loc_weight(l.flood_level), &l.flood_forecast, day)
            })
            .collect();
        let awareness: Vec<f64> = (0..forecaster.awareness_levels())
            .map(|level| forecaster.awareness_weight(level as u8))
            .collect();
        if awareness.is_empty() {
            return None;
        }
        Some(ForecastFactors {
            movechance,
            score,
            awareness,
        })
    }

    /// Gives agents spawned since the last step the starting state of the rules in force:
    /// not yet arrived anywhere, no recent travel, no route, and, while the flood forecaster
    /// can still act, a flood awareness level drawn for the location where they appeared
    /// (Flee draws it when the agent is created; none has moved since).
    fn extend_agent_state<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        let count = self.agents.place.len();
        if self.rules.start_on_foot {
            self.agents.arrived.resize(count, false);
        }
        if self.rules.avoid_short_stints {
            self.agents.recent_travel.resize(count, 0.0);
        }
        if self.rules.awareness_level > 1 || self.has_markers {
            self.agents.route_at.resize(count, 0);
            self.agents.route_left.resize(count, 0);
        }
        let needs_awareness = self
            .forecaster()
            .is_some_and(|f| f.ever_active() && self.time <= f.end_time);
        if needs_awareness {
            for agent in self.agents.awareness.len()..count {
                let place = self.agents.place[agent];
                let draw = if place & ON_LINK == 0 {
                    self.locations[place as usize].awareness_draw.as_ref()
                } else {
                    None
                };
                let level = draw.map_or(0, |d| d.level(rng.random()));
                self.agents.awareness.push(level);
            }
        }
    }

    /// The awareness class of agent `agent` today (0 unless the flood forecaster acts).
    #[inline]
    fn class_of(&self, agent: usize) -> usize {
        if self.classes > 1 {
            self.agents
                .awareness
                .get(agent)
                .map_or(0, |&level| usize::from(level).min(self.classes - 1))
        } else {
            0
        }
    }

    /// Lists every location's candidate routes, in the order of Flee's recursive
    /// `calculateLinkWeight` (each open link in turn, depth first).
    fn enumerate_routes(&mut self) {
        let mut planner = std::mem::take(&mut self.planner);
        planner.routes.clear();
        planner.span.clear();
        let mut trail: Vec<u32> = Vec::new();
        for origin in 0..self.locations.len() {
            let start = planner.routes.len();
            trail.clear();
            trail.push(origin as u32);
            for &link in &self.locations[origin].links {
                self.extend_routes(link, 0.0, 1, &mut trail, &mut planner);
            }
            planner
                .span
                .push((start as u32, (planner.routes.len() - start) as u32));
        }
        planner.stale = false;
        self.planner = planner;
    }

    /// Adds the route that ends at `link`'s endpoint (unless it is a marker) and, while the
    /// awareness level reaches further, the routes that go on from there. `trail` holds the
    /// locations so far, origin first; a location already on it is not visited again. A marker
    /// does not count as a step.
    fn extend_routes(
        &self,
        link: LinkId,
        prior_distance: f64,
        step: i64,
        trail: &mut Vec<u32>,
        planner: &mut RoutePlanner,
    ) {
        let link = &self.links[link.index()];
        let endpoint = link.to.0;
        let distance = prior_distance + link.distance;
        let mut step = step;
        trail.push(endpoint);
        if self.locations[endpoint as usize].marker {
            step -= 1;
        } else {
            let path_start = planner.paths.len() as u32;
            planner.paths.extend_from_slice(&trail[1..]);
            planner.routes.push(CandidateRoute {
                path_start,
                path_len: (trail.len() - 1) as u32,
                endpoint,
                distance,
            });
        }
        if self.rules.awareness_level > step {
            let before_endpoint = trail.len() - 1;
            for &next in &self.locations[endpoint as usize].links {
                let next_endpoint = self.links[next.index()].to.0;
                if trail[..before_endpoint].contains(&next_endpoint) {
                    continue;
                }
                self.extend_routes(next, distance, step + 1, trail, planner);
            }
        }
        trail.pop();
    }

    /// Today's route weights before the capacity multiplier for each awareness class (from
    /// `class_scores`, `class × locations + location`), and the cumulative weights of the
    /// origins whose weights cannot change during the step.
    fn prepare_route_weights(&mut self, class_scores: &[f64]) {
        let rules = &self.rules;
        let mut planner = std::mem::take(&mut self.planner);
        let lengths = self.softened_lengths(planner.routes.iter().map(|route| route.distance));
        let locations = self.locations.len().max(1);
        planner.base_weight.clear();
        for class_score in class_scores.chunks(locations).take(self.classes) {
            planner
                .base_weight
                .extend(planner.routes.iter().zip(&lengths).map(|(route, length)| {
                    (rules.weight_softening + class_score[route.endpoint as usize]) / length
                }));
        }
        if rules.pruning_threshold >= 1.001 {
            planner.choices.clear();
        } else {
            let routes = planner.routes.len();
            let mut candidates = Vec::new();
            // Tables are cleared and refilled, keeping their allocations from day to day.
            planner
                .choices
                .resize_with(self.classes, ChoiceTable::default);
            for (class, table) in planner.choices.iter_mut().enumerate() {
                table.clear();
                let base_weight = &planner.base_weight[class * routes..(class + 1) * routes];
                for &(start, len) in &planner.span {
                    let range = start as usize..(start + len) as usize;
                    candidates.clear();
                    for (route, &weight) in planner.routes[range.clone()]
                        .iter()
                        .zip(&base_weight[range])
                    {
                        candidates.push((
                            route.endpoint,
                            self.powered(weight),
                            self.capacity_limited(route.endpoint as usize),
                        ));
                    }
                    table.push_origin(&candidates);
                }
            }
        }
        self.planner = planner;
    }

    /// Flee's `weight_power`.
    #[inline]
    fn powered(&self, weight: f64) -> f64 {
        if self.rules.weight_power == 1.0 {
            weight
        } else {
            weight.powf(self.rules.weight_power)
        }
    }

    /// Picks one of `origin`'s candidate routes (Flee's `selectRoute` + `chooseFromWeights`) for
    /// an agent of awareness class `class`; returns its index in the planner's `routes`.
    fn choose_route<R: Rng + ?Sized>(
        &self,
        origin: usize,
        class: usize,
        rng: &mut R,
    ) -> Option<usize> {
        let planner = &self.planner;
        let (start, len) = planner.span[origin];
        if len == 0 {
            return None;
        }
        if let Some(table) = planner.choices.get(class) {
            return Some(start as usize + self.draw_from_table(table, origin, rng));
        }
        let base_weight = &planner.base_weight[class * planner.routes.len()..];
        let weight = |index: usize| {
            let route = &planner.routes[index];
            self.powered(base_weight[index] * self.capacity_multiplier(route.endpoint as usize))
        };
        let range = start as usize..(start + len) as usize;
        let picked = if (len as usize) <= STACK_CANDIDATES {
            let mut weights = [0.0f64; STACK_CANDIDATES];
            for (slot, index) in weights.iter_mut().zip(range) {
                *slot = weight(index);
            }
            self.pick_weighted(&weights[..len as usize], rng)
        } else {
            let weights: Vec<f64> = range.map(weight).collect();
            self.pick_weighted(&weights, rng)
        };
        picked.map(|offset| start as usize + offset)
    }

    fn capacity_limited(&self, id: usize) -> bool {
        self.locations[id].capacity as f64 * self.rules.capacity_scaling >= 1.0
    }

    /// Precomputes, for each awareness class, the cumulative link weights that cannot change
    /// during this step.
    fn prepare_static_routes(&mut self) {
        let mut choices = std::mem::take(&mut self.choices);
        if self.rules.pruning_threshold >= 1.001 {
            choices.clear();
        } else {
            let links = self.links.len();
            let mut candidates = Vec::new();
            // Tables are cleared and refilled, keeping their allocations from day to day.
            choices.resize_with(self.classes, ChoiceTable::default);
            for (class, table) in choices.iter_mut().enumerate() {
                table.clear();
                let link_weight = &self.link_weight[class * links..(class + 1) * links];
                for location in &self.locations {
                    candidates.clear();
                    for &link in &location.links {
                        let endpoint = self.links[link.index()].to.0;
                        candidates.push((
                            endpoint,
                            self.powered(link_weight[link.index()]),
                            self.capacity_limited(endpoint as usize),
                        ));
                    }
                    table.push_origin(&candidates);
                }
            }
        }
        self.choices = choices;
    }

    /// Draws a candidate of `origin` from a prepared table (see [`ChoiceTable`]); returns its
    /// index among the origin's candidates, which must not be empty. Equal chances when every
    /// weight is zero, as in Flee's `normalizeWeights`.
    fn draw_from_table<R: Rng + ?Sized>(
        &self,
        table: &ChoiceTable,
        origin: usize,
        rng: &mut R,
    ) -> usize {
        let choices = table.origin[origin];
        let start = choices.start as usize;
        let count = choices.len as usize;
        let cumulative = &table.cumulative[start..start + count];
        let order = &table.order[start..start + count];
        let before = |offset: u32| {
            if offset == 0 {
                0.0
            } else {
                cumulative[offset as usize - 1]
            }
        };
        let group_range =
            choices.group_start as usize..(choices.group_start + choices.group_len) as usize;
        let groups = &table.groups[group_range];
        // Each group's weight, on the stack for the usual handful of camps.
        const STACK_GROUPS: usize = 16;
        let mut weight_buffer = [0.0f64; STACK_GROUPS];
        let mut weight_heap = Vec::new();
        let group_weights: &mut [f64] = if groups.len() <= STACK_GROUPS {
            &mut weight_buffer[..groups.len()]
        } else {
            weight_heap.resize(groups.len(), 0.0);
            &mut weight_heap
        };
        let unlimited_total = before(choices.unlimited_len);
        let mut total = unlimited_total;
        for (weight, group) in group_weights.iter_mut().zip(groups) {
            let scale = self.powered(self.capacity_multiplier(group.endpoint as usize));
            *weight = (before(group.to) - before(group.from)) * scale;
            total += *weight;
        }
        let u: f64 = rng.random();
        if total.is_nan() || total <= 0.0 {
            return ((u * count as f64) as usize).min(count - 1);
        }
        let target = u * total;
        if target < unlimited_total {
            let unlimited = &cumulative[..choices.unlimited_len as usize];
            let pick = unlimited.partition_point(|&c| c <= target);
            return order[pick.min(unlimited.len() - 1)] as usize;
        }
        let mut remaining = target - unlimited_total;
        let mut last_positive = None;
        for (&weight, group) in group_weights.iter().zip(groups) {
            if weight <= 0.0 {
                continue;
            }
            last_positive = Some(group);
            if remaining < weight {
                // Within the group, weights are in proportion to their cumulative base.
                let share = remaining / weight;
                let inner_target =
                    before(group.from) + share * (before(group.to) - before(group.from));
                let members = &cumulative[group.from as usize..group.to as usize];
                let pick = members
                    .partition_point(|&c| c <= inner_target)
                    .min(members.len() - 1);
                return order[group.from as usize + pick] as usize;
            }
            remaining -= weight;
        }
        // Rounding left the target just past the end: take the last candidate with weight.
        match last_positive {
            Some(group) => order[group.to as usize - 1] as usize,
            None => order[choices.unlimited_len.max(1) as usize - 1] as usize,
        }
    }

    /// Weight of taking `link` now for an agent of awareness class `class` (after
    /// `weight_power`), Flee's `calculateLinkWeight` at awareness level 1.
    #[inline]
    fn route_weight(&self, link: LinkId, class: usize) -> f64 {
        let link_index = link.index();
        let endpoint = self.links[link_index].to.index();
        let base = if self.weigh_at_decision {
            // What the full preparation would have stored for the link (one class).
            (self.rules.weight_softening + self.endpoint_score[endpoint])
                / self.kept.lengths[link_index]
        } else {
            self.link_weight[class * self.links.len() + link_index]
        };
        self.powered(base * self.capacity_multiplier(endpoint))
    }

    /// Picks an outgoing link of `location` for an agent of awareness class `class` (Flee's
    /// `selectRoute` + `chooseFromWeights`).
    fn choose_link<R: Rng + ?Sized>(
        &self,
        location: usize,
        class: usize,
        rng: &mut R,
    ) -> Option<LinkId> {
        let links = &self.locations[location].links;
        if links.is_empty() {
            return None;
        }
        if let Some(table) = self.choices.get(class) {
            return Some(links[self.draw_from_table(table, location, rng)]);
        }
        // Weights live on the stack for the usual handful of links (no allocation per agent).
        const STACK_LINKS: usize = 16;
        if links.len() > STACK_LINKS {
            let weights: Vec<f64> = links.iter().map(|&l| self.route_weight(l, class)).collect();
            return self.pick_weighted(&weights, rng).map(|index| links[index]);
        }
        let mut weights = [0.0f64; STACK_LINKS];
        for (weight, &link) in weights.iter_mut().zip(links) {
            *weight = self.route_weight(link, class);
        }
        self.pick_weighted(&weights[..links.len()], rng)
            .map(|index| links[index])
    }

    /// [`Self::choose_link`] when link weights are left to the decision and nothing is pruned
    /// (see [`KeptPreparation`]): each link is weighed as [`Self::route_weight`] weighs it and
    /// the weights that can be drawn (all but a NaN) are summed in the same pass, in the same
    /// order as [`Self::pick_weighted`] sums them, so the same link is drawn.
    #[inline]
    fn choose_link_weighed<R: Rng + ?Sized>(&self, location: usize, rng: &mut R) -> Option<LinkId> {
        // A road network's places have a few roads each; more go the general way.
        const STACK_LINKS: usize = 8;
        let links = &self.locations[location].links;
        if links.is_empty() || links.len() > STACK_LINKS {
            return self.choose_link(location, 0, rng);
        }
        let (softening, power) = (self.rules.weight_softening, self.rules.weight_power);
        let mut buffer = [0.0f64; STACK_LINKS];
        let weights = &mut buffer[..links.len()];
        let mut total = -0.0;
        for (weight, &link) in weights.iter_mut().zip(links) {
            let w = self.weighed_link_with(link, softening, power);
            *weight = w;
            total += w;
        }
        if total.is_nan() {
            // A NaN weight cannot be drawn: the total of the others, as `pick_weighted` sums
            // it (with no NaN weight this is the same sum again).
            total = weights.iter().copied().filter(|w| !w.is_nan()).sum();
            let u: f64 = rng.random();
            return Self::draw_weighted(weights, f64::NEG_INFINITY, total, u)
                .map(|index| links[index]);
        }
        let u: f64 = rng.random();
        if total > 0.0 {
            // `draw_weighted` when every weight can be drawn.
            let target = u * total;
            let mut cumulative = 0.0;
            for (index, &w) in weights.iter().enumerate() {
                cumulative += w;
                if cumulative > target {
                    return Some(links[index]);
                }
            }
            return links.last().copied();
        }
        Self::draw_weighted(weights, f64::NEG_INFINITY, total, u).map(|index| links[index])
    }

    /// A link's weight today where links are weighed at each choice (see [`KeptPreparation`]):
    /// `(weight_softening + the endpoint's score) / the softened length × the endpoint's
    /// capacity multiplier`, to `weight_power` (the same products as [`Self::route_weight`]).
    #[inline]
    fn weighed_link(&self, link: LinkId) -> f64 {
        let (softening, power) = (self.rules.weight_softening, self.rules.weight_power);
        self.weighed_link_with(link, softening, power)
    }

    /// [`Self::weighed_link`] with the rules' softening and power read once by the caller.
    #[inline(always)]
    fn weighed_link_with(&self, link: LinkId, softening: f64, power: f64) -> f64 {
        let endpoint = self.links[link.index()].to.index();
        let base = (softening + self.endpoint_score[endpoint]) / self.kept.lengths[link.index()];
        let w = base * self.capacity_multiplier(endpoint);
        if power != 1.0 { w.powf(power) } else { w }
    }

    /// Draws an index in proportion to `weights`, after Flee's optional pruning of routes much
    /// lighter than the best; equal chances when every weight is zero.
    fn pick_weighted<R: Rng + ?Sized>(&self, weights: &[f64], rng: &mut R) -> Option<usize> {
        let threshold = self.rules.pruning_threshold;
        let min_weight = if threshold < 1.001 {
            f64::NEG_INFINITY
        } else {
            weights.iter().copied().fold(f64::NEG_INFINITY, f64::max) / threshold
        };
        let total: f64 = weights.iter().copied().filter(|&w| w >= min_weight).sum();
        let u: f64 = rng.random();
        Self::draw_weighted(weights, min_weight, total, u)
    }

    /// The draw of [`Self::pick_weighted`] with `u` in [0, 1): `total` is the sum, in order, of
    /// the weights of at least `min_weight`, the only ones that can be drawn.
    fn draw_weighted(weights: &[f64], min_weight: f64, total: f64, u: f64) -> Option<usize> {
        let kept = || {
            weights
                .iter()
                .copied()
                .enumerate()
                .filter(move |&(_, w)| w >= min_weight)
        };
        if total > 0.0 {
            let target = u * total;
            let mut cumulative = 0.0;
            let mut last = None;
            for (index, w) in kept() {
                cumulative += w;
                last = Some(index);
                if cumulative > target {
                    return Some(index);
                }
            }
            last
        } else {
            let count = kept().count();
            let pick = ((u * count as f64) as usize).min(count.saturating_sub(1));
            kept().nth(pick).map(|(index, _)| index)
        }
    }

    /// Agent `agent` at `location` decides whether to leave and, if so, steps onto a link.
    #[inline(always)]
    fn consider_departure<R: Rng + ?Sized>(&mut self, agent: usize, location: usize, rng: &mut R) {
        let draw = rng.next_u64() >> 11;
        let class = self.class_of(agent);
        if draw >= self.move_threshold[class * self.locations.len() + location] {
            return;
        }
        self.depart(agent, location, rng);
    }

    /// Agent `agent` leaves `location`: picks a link and steps onto it.
    #[inline(never)]
    fn depart<R: Rng + ?Sized>(&mut self, agent: usize, location: usize, rng: &mut R) {
        let chosen = if self.weigh_at_decision && self.rules.pruning_threshold < 1.001 {
            self.choose_link_weighed(location, rng)
        } else if self.uses_routes() {
            self.depart_on_route(agent, location, rng);
            return;
        } else {
            self.choose_link(location, self.class_of(agent), rng)
        };
        let Some(link) = chosen else {
            return;
        };
        let destination = self.links[link.index()].to.index();
        // Flee drops the route when the destination camp is nearly full.
        if self.locations[destination].camp && self.capacity_multiplier(destination) < 0.5 {
            return;
        }
        self.enter_link(agent, location, link);
    }

    /// Route mode (Flee's `selectRoute` then `take_next_step`): an agent without a route
    /// chooses one; it then takes the open link to the route's next location, unless there is
    /// none or the route ends at a nearly full camp, in which case it drops the route and stays.
    fn depart_on_route<R: Rng + ?Sized>(&mut self, agent: usize, location: usize, rng: &mut R) {
        if self.agents.route_left[agent] == 0 {
            let Some(route) = self.choose_route(location, self.class_of(agent), rng) else {
                return;
            };
            let route = self.planner.routes[route];
            self.agents.route_at[agent] = route.path_start;
            self.agents.route_left[agent] = route.path_len;
        }
        let at = self.agents.route_at[agent] as usize;
        let left = self.agents.route_left[agent] as usize;
        let next = LocationId(self.planner.paths[at]);
        let destination = self.planner.paths[at + left - 1] as usize;
        let link = self.locations[location]
            .links
            .iter()
            .copied()
            .find(|&link| self.links[link.index()].to == next);
        let full_camp =
            self.locations[destination].camp && self.capacity_multiplier(destination) < 0.5;
        match link {
            Some(link) if !full_camp => {
                self.agents.route_at[agent] += 1;
                self.agents.route_left[agent] -= 1;
                self.enter_link(agent, location, link);
            }
            _ => self.agents.route_left[agent] = 0,
        }
    }

    /// Moves agent `agent` from `location` onto the start of `link`.
    fn enter_link(&mut self, agent: usize, location: usize, link: LinkId) {
        self.locations[location].num_agents -= 1;
        self.links[link.index()].num_agents += 1;
        self.agents.place[agent] = link.0 | ON_LINK;
        self.agents.progress[agent] = 0.0;
    }

    /// Agent `agent`, on a link, travels for the day (Flee's `finish_travel`); returns the
    /// km it covered (Flee's `distance_moved_this_timestep`).
    fn travel<R: Rng + ?Sized>(&mut self, agent: usize, rng: &mut R) -> f64 {
        let mut moved_today = 0.0;
        loop {
            let place = self.agents.place[agent];
            if place & ON_LINK == 0 {
                return moved_today;
            }
            let link_index = (place & !ON_LINK) as usize;
            let link = &self.links[link_index];
            let mut speed = link.max_move_speed.unwrap_or(self.rules.max_move_speed);
            let on_foot = self.rules.start_on_foot && !self.agents.arrived[agent];
            if on_foot {
                speed = self.rules.max_walk_speed;
            }
            if link.walk_probability > 0.0 && rng.random::<f64>() < link.walk_probability {
                speed = self.rules.max_walk_speed;
            }
            let progress = self.agents.progress[agent] + speed;
            self.agents.progress[agent] = progress;
            moved_today += speed;
            if progress <= link.distance {
                return moved_today;
            }
            // Arrived: only the link's length counts towards today's distance.
            moved_today += link.distance - progress;
            let (from, to, closed) = (link.from.index(), link.to.index(), link.closed);
            self.links[link_index].num_agents -= 1;
            self.agents.progress[agent] = 0.0;
            if on_foot {
                // Flee counts a return to the start of a closed link as an arrival too.
                self.agents.arrived[agent] = true;
            }
            if closed {
                self.locations[from].num_agents += 1;
                self.agents.place[agent] = from as u32;
                return moved_today;
            }
            let destination = &mut self.locations[to];
            destination.num_agents += 1;
            destination.arrivals_last_step += 1;
            destination.arrivals_total += 1;
            self.agents.place[agent] = to as u32;
            if moved_today >= speed {
                return moved_today;
            }
            // Time left today: decide again at the new location.
            let force_town_move = self.rules.avoid_short_stints
                && (self.agents.recent_travel[agent] + moved_today / self.rules.max_move_speed)
                    / 2.0
                    < 0.5;
            self.decide_again(agent, to, force_town_move, rng);
        }
    }

    /// A same-day decision after an arrival (Flee's `evolve` with `ForceTownMove`): certain in a
    /// town when short stints are being avoided, or while a route is being followed.
    fn decide_again<R: Rng + ?Sized>(
        &mut self,
        agent: usize,
        location: usize,
        force_town_move: bool,
        rng: &mut R,
    ) {
        let certain =
            (force_town_move && self.locations[location].town) || self.following_route(agent);
        if certain {
            self.depart(agent, location, rng);
        } else {
            self.consider_departure(agent, location, rng);
        }
    }

    /// Whether the agent has route steps left (always false outside route mode).
    #[inline]
    fn following_route(&self, agent: usize) -> bool {
        self.agents
            .route_left
            .get(agent)
            .is_some_and(|&left| left > 0)
    }

    /// Advances one day (Flee's `Ecosystem.evolve`): all agents decide, then all travel.
    pub fn step<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        if self.counted.is_some() {
            self.step_counted(rng);
            return;
        }
        self.prepare_step(rng);
        let agent_count = self.agents.place.len();
        // Decisions, in agent order. Staying changes nothing, so the scan for the next agent
        // who leaves only reads; the world is mutated once per departure.
        let stints = self.rules.avoid_short_stints;
        let mut agent = 0;
        while agent < agent_count {
            let Some((index, location)) = self.next_leaver(agent, rng) else {
                break;
            };
            self.depart(index, location, rng);
            if !stints && self.agents.place[index] & ON_LINK != 0 {
                self.entered.push(index as u32);
            }
            agent = index + 1;
        }
        if stints {
            // Travel, in agent order. Flee's recent travel distance is a running average that
            // every agent updates at the end of the day.
            let day_distance = self.rules.max_move_speed;
            for agent in 0..agent_count {
                let moved = if self.agents.place[agent] & ON_LINK != 0 {
                    self.travel(agent, rng)
                } else {
                    0.0
                };
                let recent = &mut self.agents.recent_travel[agent];
                *recent = (*recent + moved / day_distance) / 2.0;
            }
        } else {
            self.travel_listed(rng);
        }
        self.time += 1;
    }

    /// The day's travel without `avoid_short_stints`: the agents on links, in agent order
    /// (those still on links from yesterday merged with those who stepped onto one today),
    /// as the scan over every agent would visit them; keeps those still on a link afterwards.
    fn travel_listed<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        let mut earlier = std::mem::take(&mut self.on_links);
        let mut entered = std::mem::take(&mut self.entered);
        let mut still = std::mem::take(&mut self.travel_spare);
        let (mut i, mut j) = (0, 0);
        while i < earlier.len() || j < entered.len() {
            let agent = if j == entered.len() || (i < earlier.len() && earlier[i] < entered[j]) {
                i += 1;
                earlier[i - 1]
            } else {
                j += 1;
                entered[j - 1]
            } as usize;
            self.travel(agent, rng);
            if self.agents.place[agent] & ON_LINK != 0 {
                still.push(agent as u32);
            }
        }
        self.on_links = still;
        // The lists keep their allocations from day to day.
        earlier.clear();
        entered.clear();
        self.travel_spare = earlier;
        self.entered = entered;
    }

    /// The first agent from `first` on who is at a location and decides to leave it today.
    #[inline]
    fn next_leaver<R: Rng + ?Sized>(&self, first: usize, rng: &mut R) -> Option<(usize, usize)> {
        if self.classes > 1 {
            return self.next_leaver_by_class(first, rng);
        }
        let thresholds = &self.move_threshold;
        let places = &self.agents.place[first..];
        if self.agents.route_left.is_empty() {
            for (offset, &place) in places.iter().enumerate() {
                if place & ON_LINK == 0 && (rng.next_u64() >> 11) < thresholds[place as usize] {
                    return Some((first + offset, place as usize));
                }
            }
            return None;
        }
        // An agent with route steps left moves on for certain.
        let routes = &self.agents.route_left[first..];
        for (offset, (&place, &left)) in places.iter().zip(routes).enumerate() {
            if place & ON_LINK == 0
                && (left > 0 || (rng.next_u64() >> 11) < thresholds[place as usize])
            {
                return Some((first + offset, place as usize));
            }
        }
        None
    }

    /// [`Self::next_leaver`] while the flood forecaster acts: each agent draws against the move
    /// chance of its awareness class.
    fn next_leaver_by_class<R: Rng + ?Sized>(
        &self,
        first: usize,
        rng: &mut R,
    ) -> Option<(usize, usize)> {
        let locations = self.locations.len();
        for agent in first..self.agents.place.len() {
            let place = self.agents.place[agent];
            if place & ON_LINK != 0 {
                continue;
            }
            if self.following_route(agent) {
                return Some((agent, place as usize));
            }
            let threshold = self.move_threshold[self.class_of(agent) * locations + place as usize];
            if (rng.next_u64() >> 11) < threshold {
                return Some((agent, place as usize));
            }
        }
        None
    }

    /// Closes every link from `from` to `to` (Flee's one-way `_remove_link_1way` with
    /// `close_only`): agents on them come back to `from`, and the route is kept aside to be
    /// reopened as a fresh link.
    pub fn close_link_one_way(&mut self, from: LocationId, to: LocationId) -> bool {
        self.planner.stale = true;
        let mut closed_any = false;
        let links = std::mem::take(&mut self.locations[from.index()].links);
        let mut kept = Vec::with_capacity(links.len());
        for link_id in links {
            if self.links[link_id.index()].to != to {
                kept.push(link_id);
                continue;
            }
            self.links[link_id.index()].closed = true;
            let mut replacement = self.links[link_id.index()].clone();
            replacement.num_agents = 0;
            let replacement_id = LinkId(self.links.len() as u32);
            self.links.push(replacement);
            self.kept.lengths_stale = true;
            self.locations[from.index()]
                .closed_links
                .push(replacement_id);
            closed_any = true;
        }
        self.locations[from.index()].links = kept;
        closed_any
    }

    /// Reopens the closed links from `from` to `to` (appended after the open ones, as in Flee).
    pub fn reopen_link_one_way(&mut self, from: LocationId, to: LocationId) -> bool {
        self.planner.stale = true;
        let closed = std::mem::take(&mut self.locations[from.index()].closed_links);
        let mut still_closed = Vec::with_capacity(closed.len());
        let mut reopened = false;
        for link_id in closed {
            if self.links[link_id.index()].to == to {
                self.links[link_id.index()].closed = false;
                self.locations[from.index()].links.push(link_id);
                reopened = true;
            } else {
                still_closed.push(link_id);
            }
        }
        self.locations[from.index()].closed_links = still_closed;
        reopened
    }

    fn change_border_one_way(&mut self, from_country: &str, to_country: &str, close: bool) -> bool {
        let mut changed = false;
        for from in 0..self.locations.len() {
            if self.locations[from].country != from_country {
                continue;
            }
            let candidates = if close {
                self.locations[from].links.clone()
            } else {
                self.locations[from].closed_links.clone()
            };
            let mut seen: Vec<LocationId> = Vec::new();
            for link_id in candidates {
                let to = self.links[link_id.index()].to;
                if self.locations[to.index()].country != to_country || seen.contains(&to) {
                    continue;
                }
                seen.push(to);
                let from_id = LocationId(from as u32);
                changed |= if close {
                    self.close_link_one_way(from_id, to)
                } else {
                    self.reopen_link_one_way(from_id, to)
                };
            }
        }
        changed
    }

    /// Closes all links between two countries, both ways. Returns whether any link changed.
    pub fn close_border(&mut self, country_a: &str, country_b: &str) -> bool {
        let ab = self.change_border_one_way(country_a, country_b, true);
        let ba = self.change_border_one_way(country_b, country_a, true);
        ab || ba
    }

    /// Reopens the links between two countries, both ways.
    pub fn reopen_border(&mut self, country_a: &str, country_b: &str) -> bool {
        let ab = self.change_border_one_way(country_a, country_b, false);
        let ba = self.change_border_one_way(country_b, country_a, false);
        ab || ba
    }

    /// Closes every link into and out of a location.
    pub fn close_location(&mut self, id: LocationId) {
        let neighbours: Vec<LocationId> = self.locations[id.index()]
            .links
            .iter()
            .map(|l| self.links[l.index()].to)
            .collect();
        for neighbour in neighbours {
            self.close_link_one_way(neighbour, id);
            self.close_link_one_way(id, neighbour);
        }
    }

    /// Reopens every closed link into and out of a location.
    pub fn reopen_location(&mut self, id: LocationId) {
        let neighbours: Vec<LocationId> = self.locations[id.index()]
            .closed_links
            .iter()
            .map(|l| self.links[l.index()].to)
            .collect();
        for neighbour in neighbours {
            self.reopen_link_one_way(neighbour, id);
            self.reopen_link_one_way(id, neighbour);
        }
    }

    /// A camp stops being one: it becomes a town (Flee's `close_camp`).
    pub fn close_camp(&mut self, id: LocationId) {
        self.attributes_changed();
        let default_movechance = self.rules.default_movechance;
        let location = &mut self.locations[id.index()];
        location.movechance = default_movechance;
        location.camp = false;
        location.idp_camp = false;
        location.conflict = -1.0;
        location.town = true;
        location.forward = false;
    }

    /// A location becomes a camp (Flee's `open_camp`).
    pub fn open_camp(&mut self, id: LocationId, idp: bool) {
        self.attributes_changed();
        let rules = &self.rules;
        let movechance = if idp {
            rules.idpcamp_movechance
        } else {
            rules.camp_movechance
        };
        let location = &mut self.locations[id.index()];
        location.movechance = movechance;
        location.camp = true;
        location.idp_camp = idp;
        location.conflict = -1.0;
        location.town = false;
        location.forward = false;
    }

    /// Checks that every agent is counted exactly once, at a location or on a link.
    pub fn check_conservation(&self) -> Result<()> {
        if let Some(counted) = &self.counted {
            return self.check_counted_conservation(counted);
        }
        let mut at_locations = vec![0i64; self.locations.len()];
        let mut on_links = vec![0i64; self.links.len()];
        for &place in &self.agents.place {
            if place & ON_LINK != 0 {
                on_links[(place & !ON_LINK) as usize] += 1;
            } else {
                at_locations[place as usize] += 1;
            }
        }
        for (location, &counted) in self.locations.iter().zip(&at_locations) {
            if location.num_agents != counted {
                return Err(FleeError::Api(format!(
                    "{} counts {} agents but {} are there",
                    location.name, location.num_agents, counted
                )));
            }
        }
        for (index, (link, &counted)) in self.links.iter().zip(&on_links).enumerate() {
            if link.num_agents != counted {
                return Err(FleeError::Api(format!(
                    "link {index} counts {} agents but {} are on it",
                    link.num_agents, counted
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod kept_preparation_tests {
    //! The preparation that keeps what did not change (and weighs links at each decision) must
    //! move every agent as the full daily preparation does, whatever the caller changes between
    //! steps.
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// Eight places: towns, a conflict zone, two capacity-limited camps and a foreign town.
    fn world(rules: MoveRules, spawn_rules: SpawnRules) -> Ecosystem {
        let mut world = Ecosystem::new(rules, spawn_rules);
        let specs = [
            LocationSpec::new("a", LocationKind::Town).population(5_000),
            LocationSpec::new("b", LocationKind::ConflictZone).population(20_000),
            LocationSpec::new("c", LocationKind::Town).population(800),
            LocationSpec::new("d", LocationKind::Camp).capacity(40),
            LocationSpec::new("e", LocationKind::Town).population(12_000),
            LocationSpec::new("f", LocationKind::Camp).capacity(15),
            LocationSpec::new("g", LocationKind::Town)
                .country("elsewhere")
                .population(3_000),
            LocationSpec::new("h", LocationKind::Town).population(150),
        ];
        let ids: Vec<LocationId> = specs
            .into_iter()
            .map(|spec| world.add_location(spec))
            .collect();
        let roads = [
            (0, 1, 120.0),
            (1, 2, 35.0),
            (2, 3, 260.0),
            (1, 4, 90.0),
            (4, 5, 410.0),
            (4, 6, 180.0),
            (0, 7, 60.0),
            (7, 3, 75.0),
            (2, 4, 140.0),
            (6, 5, 55.0),
        ];
        for (a, b, km) in roads {
            world.add_route(ids[a], ids[b], km);
        }
        world.set_choice_tables(false);
        world
    }

    fn assert_same(kept: &Ecosystem, full: &Ecosystem, case: usize, day: usize) {
        assert_eq!(
            kept.num_agents(),
            full.num_agents(),
            "case {case} day {day}"
        );
        for agent in 0..kept.num_agents() {
            assert_eq!(
                kept.agent_place(agent),
                full.agent_place(agent),
                "case {case} day {day} agent {agent}"
            );
        }
        for (index, (k, f)) in kept.locations().iter().zip(full.locations()).enumerate() {
            let id = LocationId(index as u32);
            assert_eq!(k, f, "case {case} day {day} location {index}");
            assert_eq!(
                kept.attractiveness(id).to_bits(),
                full.attractiveness(id).to_bits(),
                "case {case} day {day} location {index}"
            );
        }
        assert_eq!(kept.links(), full.links(), "case {case} day {day}");
        assert_eq!(
            kept.spawn_weights(),
            full.spawn_weights(),
            "case {case} day {day}"
        );
    }

    /// One change a caller may make between steps, drawn from `script` and made to both worlds.
    fn change(worlds: [&mut Ecosystem; 2], rngs: [&mut ChaCha8Rng; 2], script: &mut ChaCha8Rng) {
        let places = worlds[0].locations().len() as u32;
        let place = LocationId(script.random_range(0..places));
        let other = LocationId(script.random_range(0..places));
        let factor = [0.0, 0.5, 1.0, 1.0, 1.5, 3.0][script.random_range(0..6)];
        let amount: u64 = script.random_range(0..25);
        let which = script.random_range(0..13);
        let mut spawned = Vec::new();
        for (world, rng) in worlds.into_iter().zip(rngs) {
            match which {
                0 => world.spawn(place, amount),
                // Fails alike in both when no conflict is left.
                1 => spawned.push(world.spawn_displaced(amount, rng).is_ok()),
                2 => world.set_attractiveness_multiplier(place, factor + 0.25),
                3 => world.set_movechance_multiplier(place, factor),
                4 => world.set_conflict(place, factor),
                5 => world.location_mut(place).pop = amount as i64 * 400,
                6 => world.location_mut(place).movechance = factor / 4.0,
                7 => {
                    world.close_link_one_way(place, other);
                }
                8 => {
                    world.reopen_link_one_way(place, other);
                }
                9 => {
                    let links = world.links().len() as u32;
                    world.link_mut(LinkId(amount as u32 % links)).distance = 20.0 + factor * 90.0;
                }
                10 => world.close_camp(place),
                11 => world.open_camp(place, factor > 1.0),
                _ => world.set_attractiveness_multipliers(&[factor, 2.0, 0.5]),
            }
        }
        assert!(spawned.is_empty() || spawned == [spawned[0]; 2]);
    }

    #[test]
    fn kept_preparation_moves_agents_as_the_full_one() {
        let plain = (MoveRules::default(), SpawnRules::default());
        let weighted = (
            MoveRules {
                use_pop_for_loc_weight: true,
                pop_power_for_loc_weight: 0.3,
                movechance_pop_scale_factor: 0.2,
                weight_power: 2.0,
                distance_power: 1.5,
                ..MoveRules::default()
            },
            SpawnRules::default(),
        );
        let decaying = (
            MoveRules::default(),
            SpawnRules {
                take_from_population: true,
                conflict_spawn_decay: Some(vec![1.0, 0.6, 0.3]),
                conflict_spawn_decay_interval: 4,
                ..SpawnRules::default()
            },
        );
        for (case, (rules, spawn_rules)) in [plain, weighted, decaying].into_iter().enumerate() {
            let mut kept = world(rules, spawn_rules);
            let mut full = kept.clone();
            full.full_preparation_only = true;
            let mut kept_rng = ChaCha8Rng::seed_from_u64(case as u64);
            let mut full_rng = kept_rng.clone();
            let mut script = ChaCha8Rng::seed_from_u64(1_000 + case as u64);
            for day in 0..150 {
                for _ in 0..script.random_range(0..4) {
                    change(
                        [&mut kept, &mut full],
                        [&mut kept_rng, &mut full_rng],
                        &mut script,
                    );
                }
                // A day with choice tables: the kept preparation must not trust what the
                // full one left behind the day after.
                let tables = day % 37 == 5;
                kept.set_choice_tables(tables);
                full.set_choice_tables(tables);
                kept.step(&mut kept_rng);
                full.step(&mut full_rng);
                assert_same(&kept, &full, case, day);
            }
            let arrivals: u64 = kept.locations().iter().map(|l| l.arrivals_total).sum();
            assert!(
                arrivals > 300,
                "case {case}: agents must travel ({arrivals})"
            );
            assert_eq!(kept_rng.next_u64(), full_rng.next_u64(), "case {case}");
        }
    }
}
