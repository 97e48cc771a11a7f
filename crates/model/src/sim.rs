//! The daily step: dispatch, movement (with attacks), convoy formation, depots and consequences.

use crate::economy::{self, ServiceChange, ServiceState};
use crate::ids::{CorridorId, DepotId};
use crate::params::WillingnessParams;
use crate::params::{Leg, ModelInput, PerSector, Sector, ServiceNeed};
use crate::record::{
    Balance, CorridorDay, DepotDay, Event, EventKind, ExportTotals, RecordOptions, RunRecord,
    ServiceTotals,
};
use crate::threat::{Aftermath, AttackOutcome};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Within-day time below this is treated as zero (avoids endless loops on float dust).
const EPS: f64 = 1e-9;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    Loading,
    /// Working through the outbound legs; `leg` is the current one.
    Outbound,
    /// Waiting at a marshalling point for a convoy to form.
    Marshalling,
    /// Stopped after an attack.
    Waiting,
    /// Stopped before a cut road; enters the leg again (and is checked again) when time is up.
    HeldAtCut,
    Unloading,
    /// Driving back to the origin, empty or (after turning back) loaded.
    Returning,
}

/// Trucks of one corridor moving together.
#[derive(Clone, Debug)]
struct Group {
    corridor: CorridorId,
    trucks: u32,
    /// Product on board (all trucks together).
    load: f64,
    phase: Phase,
    leg: usize,
    /// Days left in the current phase or leg.
    time_left: f64,
    escorted: bool,
    /// Outbound days so far: the way home after turning back.
    elapsed: f64,
    /// Day the group reached the marshalling point.
    marshalled_on: f64,
    /// Drive time of the leg interrupted by a wait after an attack.
    resume_time: f64,
    /// A scheduled convoy's own trucks: they stand down when home instead of joining the fleet.
    scheduled: bool,
}

/// The mutable state of one run.
pub struct Simulation<'a> {
    input: &'a ModelInput,
    day: u32,
    groups: Vec<Group>,
    idle: Vec<u32>,
    willingness: Vec<f64>,
    stock: Vec<f64>,
    price_multiple: Vec<f64>,
    rationing: Vec<bool>,
    /// Share of demand each depot plans to serve (1: no rationing); moves with inertia.
    rationing_level: Vec<f64>,
    /// Fuel in the thermal plants' own tanks, per depot (0 where a depot supplies no plants).
    plant_stock: Vec<f64>,
    /// Exponentially weighted mean of each depot's daily deliveries (time constant: the
    /// rationing horizon): the flow a planner has seen lately.
    recent_delivery: Vec<f64>,
    /// Loaded product on its way to each depot (reused buffer).
    scratch_depot_pipeline: Vec<f64>,
    services: Vec<Option<ServiceState>>,
    reserve_left: Vec<f64>,
    reserve_active: Vec<bool>,
    escorts_busy_until: Vec<f64>,
    /// Empty trucks driving home, by the day they get there: `homecoming[day × corridors +
    /// corridor]` trucks. They draw no random numbers and meet no attacks, so they wait here
    /// instead of in the live group list that every daily loop walks; counts, not lists, so
    /// booking a return allocates nothing.
    homecoming: Vec<u32>,
    /// Onward corridors: volume earned toward the next truckload while the source is short.
    onward_credit: Vec<f64>,
    /// Per depot: the share of its demand it served yesterday (1 before the first day).
    served_share: Vec<f64>,
    /// Per depot: the share of its agriculture and mining demand served yesterday (what the
    /// machinery of the harvests it fuels got).
    agri_served_share: Vec<f64>,
    /// Per depot: today's demand at the official price by sector; the households and services
    /// sector follows the people present.
    demand: Vec<PerSector>,
    /// Per depot: people present (the depot's population until told otherwise).
    people: Vec<f64>,
    /// Per depot: moving average of kcal per person per day (food depots).
    kcal_average: Vec<f64>,
    /// Per depot: the fuel depot at the same place whose price sets the cost of trucking a food
    /// depot's product (None for depots of a commodity that is not eaten).
    fuel_depot_at: Vec<Option<usize>>,
    /// Per service rule beyond schools: its open/closed state.
    rule_states: Vec<ServiceState>,
    /// Per depot, today's supply ratios for services: transport fuel, power, food (1: fully
    /// supplied or not measured there).
    supply_ratios: Vec<[f64; 3]>,
    /// Lost trucks on order: (day they join, corridor, trucks), in day order.
    replacements: std::collections::VecDeque<(u32, CorridorId, u32)>,
    /// Next entry of `threat.reported` to apply.
    next_reported: usize,
    /// Corridor return time (empty trucks) in days.
    return_time: Vec<f64>,
    /// Corridor outbound time at normal speed, for ordering.
    lead_time: Vec<f64>,
    /// Trucks per day a corridor's fleet can start when every driver is willing.
    normal_departures: Vec<f64>,
    /// Departures drivers are willing to make, accumulated (fractions carry over a day or two).
    departure_credit: Vec<f64>,
    /// Per corridor: the segments it drives and their lengths in km (what the lone-truck trip
    /// attack chance sums over, in leg order).
    driven: Vec<Vec<(usize, f64)>>,
    /// Per corridor and leg: for a drive on a quiet road (no hazard on any day of the table,
    /// never cut), the last leg of the quiet stretch it starts and the days to drive the whole
    /// stretch `[alone, escorted]`. Nothing can happen to a group there, so it drives the
    /// stretch as one leg: no lookup, no draw, one entry instead of one per segment.
    quiet_stretches: Vec<Vec<Option<QuietStretch>>>,
    /// [`economy::price_keep`] of the scenario's prices.
    price_keep: f64,
    /// The drivers' safe trip attack chance, read on trip exposures.
    safe_trip_exposure: crate::threat::ExposureBelowChance,
    /// Willingness recovered per day `[threatened, safe]` (from the half-lives).
    recovery_rates: [f64; 2],
    options: RecordOptions,
    record: RunRecord,
    /// Reused buffers (no allocation in the daily step).
    scratch_waiting: Vec<Vec<usize>>,
    scratch_pipeline: Vec<f64>,
    scratch_in_transit: Vec<u32>,
    /// `size_factor[n]` for convoys of n trucks, up to all fleets together, each worked out
    /// when first needed (NaN until then): a run meets a few dozen sizes of the thousands.
    size_factors: Vec<f64>,
    today_depots: Vec<DepotDay>,
    today_corridors: Vec<CorridorDay>,
}

impl<'a> Simulation<'a> {
    pub fn new(input: &'a ModelInput, options: RecordOptions) -> Self {
        let n_depots = input.depots.len();
        let n_corr = input.corridors.len();
        let mut return_time = Vec::with_capacity(n_corr);
        let mut lead_time = Vec::with_capacity(n_corr);
        for c in &input.corridors {
            let (drive, stops) = drive_and_stops(input, c);
            return_time.push(drive + stops);
            lead_time.push(input.trucks.load_time.0 + drive + stops + input.trucks.unload_time.0);
        }
        let normal_departures: Vec<f64> = input
            .corridors
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let round_trip = lead_time[i] + input.trucks.unload_time.0 + return_time[i];
                f64::from(c.fleet) / round_trip.max(1.0)
            })
            .collect();
        let mut balances = vec![Balance::default(); input.commodities.len()];
        for d in &input.depots {
            balances[d.commodity.index()].opening_stock +=
                d.opening_stock.0 + plant_tank_capacity(d);
        }
        let mut reserve_left = vec![0.0; n_depots];
        for r in &input.reserves {
            reserve_left[r.depot.index()] += r.volume.0;
        }
        let mut sim = Simulation {
            input,
            day: 0,
            groups: Vec::new(),
            idle: input.corridors.iter().map(|c| c.fleet).collect(),
            willingness: vec![1.0; n_corr],
            stock: input.depots.iter().map(|d| d.opening_stock.0).collect(),
            price_multiple: vec![1.0; n_depots],
            rationing: vec![false; n_depots],
            rationing_level: vec![1.0; n_depots],
            // The plants start with full tanks, and deliveries at the steady-state flow.
            plant_stock: input.depots.iter().map(plant_tank_capacity).collect(),
            recent_delivery: input.depots.iter().map(import_need).collect(),
            scratch_depot_pipeline: vec![0.0; n_depots],
            services: input
                .depots
                .iter()
                .map(|d| d.services.then(|| ServiceState::new(&input.services)))
                .collect(),
            reserve_left,
            reserve_active: vec![false; n_depots],
            escorts_busy_until: vec![f64::NEG_INFINITY; input.escorts.units as usize],
            replacements: std::collections::VecDeque::new(),
            homecoming: Vec::new(),
            onward_credit: vec![0.0; n_corr],
            served_share: vec![1.0; n_depots],
            agri_served_share: vec![1.0; n_depots],
            demand: input.depots.iter().map(|d| d.demand).collect(),
            people: input.depots.iter().map(|d| d.population).collect(),
            fuel_depot_at: input
                .depots
                .iter()
                .map(|d| {
                    let eaten = input.commodities[d.commodity.index()]
                        .kcal_per_unit
                        .is_some();
                    input.depots.iter().position(|f| {
                        eaten
                            && f.place == d.place
                            && input.commodities[f.commodity.index()]
                                .kcal_per_unit
                                .is_none()
                    })
                })
                .collect(),
            kcal_average: input
                .depots
                .iter()
                .map(|d| kcal_per_person(input, d, d.total_demand().0, d.population))
                .collect(),
            next_reported: 0,
            return_time,
            lead_time,
            departure_credit: vec![0.0; n_corr],
            quiet_stretches: quiet_stretches(input),
            driven: input
                .corridors
                .iter()
                .map(|c| {
                    c.legs
                        .iter()
                        .filter_map(|leg| match leg {
                            Leg::Drive { segment, .. } => {
                                Some((segment.index(), input.network.segment(*segment).length.0))
                            }
                            _ => None,
                        })
                        .collect()
                })
                .collect(),
            price_keep: economy::price_keep(&input.prices),
            safe_trip_exposure: crate::threat::ExposureBelowChance::new(
                input.willingness.safe_trip_attack_chance,
            ),
            recovery_rates: recovery_rates(&input.willingness),
            normal_departures,
            options,
            scratch_waiting: vec![Vec::new(); n_corr],
            scratch_pipeline: vec![0.0; n_corr],
            scratch_in_transit: vec![0; n_corr],
            size_factors: {
                let most: u32 = input.corridors.iter().map(|c| c.fleet).sum();
                vec![f64::NAN; most as usize + 1]
            },
            record: RunRecord {
                days: input.days,
                depot_days: Vec::with_capacity(input.days as usize),
                corridor_days: if options.corridors {
                    Vec::with_capacity(input.days as usize)
                } else {
                    Vec::new()
                },
                events: Vec::new(),
                balances,
                corridor_totals: vec![CorridorDay::default(); n_corr],
                exports: vec![ExportTotals::default(); input.exports.len()],
                services: vec![ServiceTotals::default(); input.service_rules.len()],
                service_days: Vec::new(),
            },
            rule_states: input
                .service_rules
                .iter()
                .map(|r| ServiceState::new(&r.params))
                .collect(),
            supply_ratios: vec![[1.0; 3]; n_depots],
            today_depots: vec![DepotDay::default(); n_depots],
            today_corridors: vec![CorridorDay::default(); n_corr],
        };
        sim.prime_pipeline();
        sim
    }

    /// Puts the supply chain in its steady state for day 0: each open corridor's trucks spread
    /// evenly over the round trip, loaded on the way out and empty on the way back, at the daily
    /// flow its share of the depot's demand needs (capped by the fleet). Depots start at their
    /// opening stock. Without this the pipeline would start empty and every depot would dip for
    /// the length of a trip, a crisis of the model's own making.
    fn prime_pipeline(&mut self) {
        let input = self.input;
        for (ci, c) in input.corridors.iter().enumerate() {
            if !c.open_on(0) || c.fleet == 0 {
                continue;
            }
            let depot = &input.depots[c.destination.index()];
            let cap = input.commodities[c.commodity.index()].truck_capacity.0;
            let outbound = self.lead_time[ci] - input.trucks.unload_time.0;
            let cycle = outbound + input.trucks.unload_time.0 + self.return_time[ci];
            let mut per_day = c.share * import_need(depot) / cap;
            if let Some(limit) = c.origin_daily_limit {
                per_day = per_day.min(limit.0 / cap);
            }
            // The fleet bounds the flow: trucks on the road = flow × cycle.
            per_day = per_day.min(f64::from(c.fleet) / cycle.max(1.0));
            let mut carry = 0.0;
            let mut age = 0.5;
            while age < cycle && self.idle[ci] > 0 {
                carry += per_day;
                let trucks = whole(carry).min(self.idle[ci]);
                carry -= f64::from(trucks);
                if trucks > 0 {
                    self.idle[ci] -= trucks;
                    let group = self.group_at_age(ci, trucks, cap, age, outbound, cycle);
                    if group.phase == Phase::Returning && group.load <= 0.0 {
                        // Driving home empty from day 0, with the whole day ahead.
                        self.send_home(group.corridor, group.trucks, 1.0, group.time_left);
                    } else {
                        if group.load > 0.0 {
                            self.record.balances[c.commodity.index()].opening_in_transit +=
                                group.load;
                        }
                        self.groups.push(group);
                    }
                }
                age += 1.0;
            }
        }
    }

    /// A group of a corridor's trucks `age` days into its round trip, as if it had left with no
    /// threat on the road.
    fn group_at_age(
        &self,
        ci: usize,
        trucks: u32,
        cap: f64,
        age: f64,
        outbound: f64,
        cycle: f64,
    ) -> Group {
        let input = self.input;
        let c = &input.corridors[ci];
        let mut g = Group {
            corridor: CorridorId::from_index(ci),
            trucks,
            load: f64::from(trucks) * cap,
            phase: Phase::Loading,
            leg: 0,
            time_left: 0.0,
            escorted: false,
            elapsed: 0.0,
            marshalled_on: 0.0,
            resume_time: 0.0,
            scheduled: false,
        };
        if age >= outbound {
            g.load = 0.0;
            g.phase = Phase::Returning;
            g.time_left = cycle - age;
            return g;
        }
        let load_time = input.trucks.load_time.0;
        if age < load_time {
            g.time_left = load_time - age;
            return g;
        }
        let mut left = age - load_time;
        g.elapsed = left;
        for (li, leg) in c.legs.iter().enumerate() {
            let time = self.leg_time(leg);
            if left < time {
                g.phase = Phase::Outbound;
                g.leg = li;
                g.time_left = time - left;
                return g;
            }
            left -= time;
        }
        // Past the last leg: about to unload.
        g.phase = Phase::Outbound;
        g.leg = c.legs.len().saturating_sub(1);
        g.time_left = EPS / 2.0;
        g
    }

    /// Time a leg takes at normal speed, unescorted (borders at their usual delay).
    fn leg_time(&self, leg: &Leg) -> f64 {
        let input = self.input;
        match leg {
            Leg::Drive { segment, .. } => {
                let s = input.network.segment(*segment);
                s.length.at(input.trucks.speeds.speed(s.condition)).0
            }
            Leg::Border { .. } => input.trucks.border_delay.0,
            Leg::Marshal { .. } => 0.0,
        }
    }

    /// Outbound lead time the order rule plans with on `day`: the trip itself, plus the wait for
    /// a convoy to form (and for an escort) while the convoy policy applies, and the slower
    /// escorted drive. Orders thus grow when the policy starts and shrink when it ends.
    fn lead_time_on(&self, ci: usize, day: u32) -> f64 {
        let c = &self.input.corridors[ci];
        let base = self.lead_time[ci];
        if !c.convoys_on(day) {
            return base;
        }
        let mut extra = c.convoy.max_wait.0;
        if c.convoy.escorted {
            let factor = self.input.trucks.escorted_speed_factor;
            if factor > 0.0 {
                extra += self.return_time[ci] * (1.0 / factor - 1.0);
            }
            extra += self.input.escorts.max_wait_for_escort.0 / 2.0;
        }
        base + extra
    }

    /// Sets the people present at a depot's town from today on: the households and services
    /// sector's demand scales with them against the depot's population (the other sectors,
    /// plants, trucks and mines, do not follow the town's people). No effect on a depot whose
    /// population is not counted.
    pub fn set_people_present(&mut self, depot: DepotId, people: f64) {
        let di = depot.index();
        let spec = &self.input.depots[di];
        if spec.population <= 0.0 {
            return;
        }
        let people = people.max(0.0);
        self.people[di] = people;
        let households = Sector::HouseholdsServices.index();
        self.demand[di][households] = spec.demand[households] * people / spec.population;
    }

    /// The depot rows of the last finished day (empty before the first).
    pub fn last_day(&self) -> &[DepotDay] {
        self.record.depot_days.last().map_or(&[], |d| d.as_slice())
    }

    /// Today's total demand of a depot at the official price.
    fn demand_of(&self, di: usize) -> f64 {
        self.demand[di].iter().sum()
    }

    pub fn day(&self) -> u32 {
        self.day
    }

    fn size_factor(&mut self, trucks: u32) -> f64 {
        let attacks = &self.input.threat.attacks;
        match self.size_factors.get_mut(trucks as usize) {
            Some(f) if f.is_nan() => {
                *f = attacks.size_factor(trucks);
                *f
            }
            Some(f) => *f,
            None => attacks.size_factor(trucks),
        }
    }

    /// Current stock of a depot.
    pub fn stock(&self, depot: DepotId) -> f64 {
        self.stock[depot.index()]
    }

    fn event(&mut self, kind: EventKind, fill: impl FnOnce(&mut Event)) {
        if self.options.events && (self.options.movements || !kind.is_movement()) {
            let mut e = Event {
                day: self.day,
                kind,
                place: None,
                segment: None,
                corridor: None,
                depot: None,
                trucks: 0,
                at_km: None,
            };
            fill(&mut e);
            self.record.events.push(e);
        }
    }

    /// Advances one day.
    pub fn step(&mut self, rng: &mut ChaCha8Rng) {
        for d in self.today_depots.iter_mut() {
            *d = DepotDay::default();
        }
        for c in self.today_corridors.iter_mut() {
            *c = CorridorDay::default();
        }
        self.recover_willingness();
        self.replace_lost_trucks();
        self.dispatch();
        self.move_groups(rng);
        self.form_convoys();
        self.fly(rng);
        self.serve_depots();
        self.make_and_ship_exports();
        self.update_service_rules();
        self.finish_day();
        self.day += 1;
    }

    /// Whole trucks a primary depot can load today for the town of onward corridor `ci`. While
    /// the depot holds at least its rationing trigger in cover, it ships what the town orders;
    /// below it, the town earns each day its demand times the share of demand the depot itself
    /// served yesterday (a short depot cuts its towns as it cuts its own customers), and ships
    /// whole truckloads of what it has earned (at most two loads are banked).
    fn onward_allowance(&mut self, ci: usize, source: DepotId, cap: f64) -> u32 {
        let input = self.input;
        let c = &input.corridors[ci];
        let stock = self.stock[source.index()].max(0.0);
        let own = self.demand_of(source.index());
        let by_stock = whole(stock / cap);
        if stock >= own * input.rationing.trigger_cover.0 {
            self.onward_credit[ci] = 0.0;
            return by_stock;
        }
        let town = self.demand_of(c.destination.index()) * c.share;
        let credit = &mut self.onward_credit[ci];
        *credit = (*credit + town * self.served_share[source.index()]).min(2.0 * cap);
        whole(*credit / cap).min(by_stock)
    }

    /// Whether the chance that a lone truck is attacked somewhere on the corridor's outbound
    /// trip today (from the corridor's segments listed once) is below the drivers' safe chance.
    fn trip_is_safe(&self, ci: usize, hazard_today: crate::threat::HazardRow<'_>) -> bool {
        let exposure = crate::params::exposure_on(hazard_today, self.driven[ci].iter().copied());
        self.safe_trip_exposure.below(exposure)
    }

    /// Trucks bought to replace those lost join their corridor's fleet when they arrive.
    fn replace_lost_trucks(&mut self) {
        while let Some(&(day, corridor, trucks)) = self.replacements.front() {
            if day > self.day {
                break;
            }
            self.replacements.pop_front();
            self.idle[corridor.index()] += trucks;
            self.today_corridors[corridor.index()].trucks_replaced += trucks;
        }
    }

    fn recover_willingness(&mut self) {
        let params = &self.input.willingness;
        let [threatened, safe] = self.recovery_rates;
        let hazard_today = self.input.threat.hazard.day_row(self.day);
        for ci in 0..self.willingness.len() {
            if self.willingness[ci] >= 1.0 {
                continue; // nothing to recover: skip the route's hazard lookup
            }
            let rate = if self.trip_is_safe(ci, hazard_today) {
                safe
            } else {
                threatened
            };
            let w = &mut self.willingness[ci];
            *w += (1.0 - *w) * rate;
            if *w > 1.0 - 1e-9 {
                *w = 1.0; // fully recovered: later days skip the lookup above
            }
        }
        // Incidents reported today near a corridor make its drivers stay home.
        let reported = &self.input.threat.reported;
        while let Some(incident) = reported.get(self.next_reported) {
            if incident.day > self.day {
                break;
            }
            if incident.day == self.day {
                let keep = (1.0 - params.drop_per_reported_incident).powf(incident.severity);
                let w = &mut self.willingness[incident.corridor.index()];
                *w = (*w * keep).max(params.floor.min(*w));
            }
            self.next_reported += 1;
        }
    }

    /// Loaded volume on its way to each corridor's destination (loading, moving, queued).
    fn pipeline_by_corridor(&mut self) -> Vec<f64> {
        let mut pipe = std::mem::take(&mut self.scratch_pipeline);
        pipe.iter_mut().for_each(|p| *p = 0.0);
        for g in &self.groups {
            if g.phase != Phase::Returning {
                pipe[g.corridor.index()] += g.load;
            }
        }
        pipe
    }

    /// Each corridor orders up to its share of the destination's target position:
    /// share · demand · (target cover + lead time) − share · stock − its own pipeline.
    fn dispatch(&mut self) {
        let pipe = self.pipeline_by_corridor();
        self.dispatch_with(&pipe);
        self.scratch_pipeline = pipe;
        self.dispatch_scheduled();
    }

    /// Convoys that ran on known dates leave their origin today, loaded, with their own trucks.
    fn dispatch_scheduled(&mut self) {
        let input = self.input;
        let today = self.day;
        for sc in input
            .scheduled_convoys
            .iter()
            .filter(|s| s.depart_day == today)
        {
            let ci = sc.corridor.index();
            let c = &input.corridors[ci];
            let load =
                f64::from(sc.trucks) * input.commodities[c.commodity.index()].truck_capacity.0;
            self.record.balances[c.commodity.index()].loaded_at_origin += load;
            self.today_corridors[ci].trucks_dispatched += sc.trucks;
            self.groups.push(Group {
                corridor: sc.corridor,
                trucks: sc.trucks,
                load,
                phase: Phase::Loading,
                leg: 0,
                time_left: input.trucks.load_time.0,
                escorted: sc.escorted,
                elapsed: 0.0,
                marshalled_on: 0.0,
                resume_time: 0.0,
                scheduled: true,
            });
            let (origin, trucks, escorted) = (c.origin, sc.trucks, sc.escorted);
            self.event(EventKind::ScheduledConvoyDeparted { escorted }, |e| {
                e.place = Some(origin);
                e.corridor = Some(sc.corridor);
                e.trucks = trucks;
            });
        }
    }

    fn dispatch_with(&mut self, pipe: &[f64]) {
        let input = self.input;
        for (ci, c) in input.corridors.iter().enumerate() {
            if !c.open_on(self.day) {
                continue;
            }
            let depot = &input.depots[c.destination.index()];
            let demand = self.demand_of(c.destination.index());
            let target =
                c.share * demand * (depot.target_cover.0 + self.lead_time_on(ci, self.day));
            let position = c.share * self.stock[c.destination.index()] + pipe[ci];
            let cap = input.commodities[c.commodity.index()].truck_capacity.0;
            let mut want = whole((target - position) / cap);
            if let Some(limit) = c.origin_daily_limit {
                want = want.min(whole(limit.0 / cap));
            }
            // Willingness caps departures at a share of the fleet's normal daily rate.
            let rate = self.normal_departures[ci];
            self.departure_credit[ci] =
                (self.departure_credit[ci] + self.willingness[ci] * rate).min(2.0 * rate.max(1.0));
            let willing = whole(self.departure_credit[ci]);
            let mut trucks = want.min(willing).min(self.idle[ci]);
            if let Some(source) = c.source_depot {
                trucks = trucks.min(self.onward_allowance(ci, source, cap));
            }
            self.departure_credit[ci] -= f64::from(trucks);
            if trucks == 0 {
                continue;
            }
            self.idle[ci] -= trucks;
            let load = f64::from(trucks) * cap;
            self.record.balances[c.commodity.index()].loaded_at_origin += load;
            if let Some(source) = c.source_depot {
                // Onward distribution: the load leaves the primary depot's stock.
                self.onward_credit[ci] = (self.onward_credit[ci] - load).max(0.0);
                self.stock[source.index()] -= load;
                self.today_depots[source.index()].shipped_onward += load;
                self.record.balances[c.commodity.index()].drawn_for_onward += load;
            }
            self.today_corridors[ci].trucks_dispatched += trucks;
            self.groups.push(Group {
                corridor: CorridorId::from_index(ci),
                trucks,
                load,
                phase: Phase::Loading,
                leg: 0,
                time_left: input.trucks.load_time.0,
                escorted: false,
                elapsed: 0.0,
                marshalled_on: 0.0,
                resume_time: 0.0,
                scheduled: false,
            });
            let origin = c.origin;
            self.event(EventKind::Dispatched, |e| {
                e.place = Some(origin);
                e.corridor = Some(CorridorId::from_index(ci));
                e.trucks = trucks;
            });
        }
    }

    fn move_groups(&mut self, rng: &mut ChaCha8Rng) {
        let mut groups = std::mem::take(&mut self.groups);
        for g in groups.iter_mut() {
            self.advance(g, rng);
        }
        groups.retain(|g| g.trucks > 0);
        // Groups that came home were turned into idle trucks (trucks = 0) above.
        self.groups = groups;
        // Empty trucks whose drive home ends today join the idle fleet.
        let corridors = self.idle.len();
        let start = self.day as usize * corridors;
        if let Some(arriving) = self.homecoming.get(start..start + corridors) {
            for (idle, &trucks) in self.idle.iter_mut().zip(arriving) {
                *idle += trucks;
            }
        }
    }

    /// Books empty trucks' arrival home: they set off with `budget` of today left and drive for
    /// `time_left` days, and arrive on the day the stepped loop of `advance` would have used
    /// the last of that time.
    fn send_home(&mut self, corridor: CorridorId, trucks: u32, budget: f64, time_left: f64) {
        let beyond_today = time_left - budget;
        let extra_days = if beyond_today <= EPS {
            0
        } else {
            whole_days_up(beyond_today - EPS)
        };
        let day = self.day as usize + extra_days;
        if day >= self.input.days as usize {
            // Home after the run's last day: nothing in the run sees them again.
            return;
        }
        let corridors = self.idle.len();
        let at = day * corridors + corridor.index();
        if self.homecoming.len() <= at {
            self.homecoming.resize((day + 1) * corridors, 0);
        }
        self.homecoming[at] += trucks;
    }

    /// Time needed for the current outbound leg, on entering it (attack check happens here).
    fn enter_leg(&mut self, g: &mut Group, rng: &mut ChaCha8Rng) {
        let input = self.input;
        let c = &input.corridors[g.corridor.index()];
        match &c.legs[g.leg] {
            Leg::Drive { segment, to } => {
                if let Some(stretch) = self.quiet_stretches[g.corridor.index()][g.leg] {
                    g.time_left = stretch.days[usize::from(g.escorted)];
                    g.leg = stretch.last_leg;
                    return;
                }
                if let Some(reopens) = input.cut_until(*segment, self.day) {
                    // The road is cut: stop before it and try again when it reopens.
                    g.phase = Phase::HeldAtCut;
                    g.time_left = f64::from(reopens.saturating_sub(self.day)).max(1.0);
                    let (segment, trucks, ci) = (*segment, g.trucks, g.corridor);
                    self.event(EventKind::HeldAtRoadCut, |e| {
                        e.segment = Some(segment);
                        e.corridor = Some(ci);
                        e.trucks = trucks;
                    });
                    return;
                }
                let seg = input.network.segment(*segment);
                g.time_left = drive_days(input, *segment, g.escorted);
                let lambda = input.threat.hazard.get(*segment, self.day);
                let attacks = &input.threat.attacks;
                let exposure = if lambda > 0.0 {
                    let size = self.size_factor(g.trucks);
                    attacks.passage_exposure(lambda, seg.length.0, size, g.escorted)
                } else {
                    0.0
                };
                if crate::threat::passage_attacked(exposure, rng) {
                    let outcome = attacks.draw_outcome(g.trucks, g.escorted, rng);
                    // Where on the road: uniform along the segment (hazard is per km driven).
                    let along = rng.random::<f64>();
                    let at_km = seg.length.0 * along;
                    let per_truck = g.load / f64::from(g.trucks);
                    let lost_load = per_truck * f64::from(outcome.trucks_lost);
                    g.trucks -= outcome.trucks_lost;
                    g.load -= lost_load;
                    if let Some(after) = input.trucks.replacement_days
                        && outcome.trucks_lost > 0
                        && !g.scheduled
                    {
                        // Days are whole and orders are placed in day order: the queue stays sorted.
                        self.replacements.push_back((
                            self.day.saturating_add(after.max(1)),
                            g.corridor,
                            outcome.trucks_lost,
                        ));
                    }
                    let ci = g.corridor.index();
                    self.record.balances[c.commodity.index()].lost += lost_load;
                    let day = &mut self.today_corridors[ci];
                    day.trucks_lost += outcome.trucks_lost;
                    day.drivers_kidnapped += outcome.drivers_kidnapped;
                    day.drivers_killed += outcome.drivers_killed;
                    day.attacks += 1;
                    let convoy = g.trucks + outcome.trucks_lost;
                    self.willingness[ci] = attack_willingness(
                        self.willingness[ci],
                        &outcome,
                        convoy,
                        &input.willingness,
                    );
                    let (segment, to, trucks) = (*segment, *to, g.trucks + outcome.trucks_lost);
                    self.event(
                        EventKind::Attack {
                            lost: outcome.trucks_lost,
                            kidnapped: outcome.drivers_kidnapped,
                            killed: outcome.drivers_killed,
                            aftermath: outcome.aftermath,
                            escorted: g.escorted,
                        },
                        |e| {
                            e.segment = Some(segment);
                            e.place = Some(to);
                            e.corridor = Some(CorridorId::from_index(ci));
                            e.trucks = trucks;
                            e.at_km = Some(from_a_km(seg, to, at_km));
                        },
                    );
                    if g.trucks == 0 {
                        return;
                    }
                    match outcome.aftermath {
                        Aftermath::PushOn => {}
                        Aftermath::Wait => {
                            g.phase = Phase::Waiting;
                            g.resume_time = g.time_left;
                            g.time_left = attacks.wait_days;
                        }
                        Aftermath::TurnBack => {
                            g.phase = Phase::Returning;
                            g.time_left = g.elapsed;
                        }
                    }
                }
            }
            Leg::Border { .. } => {
                g.time_left = input.trucks.border_delay.0;
                if rng.random::<f64>() < input.trucks.border_extra_day_chance {
                    g.time_left += 1.0;
                }
            }
            Leg::Marshal { .. } => {
                if c.convoys_on(self.day) && !g.scheduled {
                    g.phase = Phase::Marshalling;
                    g.marshalled_on = f64::from(self.day) + (1.0 - g.time_left.min(1.0));
                }
                g.time_left = 0.0;
            }
        }
    }

    /// Spends the group's day: phases and legs in turn until the day's time is used.
    fn advance(&mut self, g: &mut Group, rng: &mut ChaCha8Rng) {
        let mut budget = 1.0;
        while budget > EPS && g.trucks > 0 {
            match g.phase {
                Phase::Marshalling => return,
                Phase::Unloading => {
                    if !self.unload(g) {
                        return;
                    }
                    // Unloaded: the empty trucks' way home is a date, not a journey to step.
                    if !g.scheduled {
                        self.send_home(g.corridor, g.trucks, budget, g.time_left);
                    }
                    g.trucks = 0;
                    return;
                }
                _ => {}
            }
            let spend = g.time_left.min(budget);
            g.time_left -= spend;
            budget -= spend;
            if g.phase == Phase::Outbound {
                g.elapsed += spend;
            }
            if g.time_left > EPS {
                break;
            }
            // The phase or leg is done: move on.
            match g.phase {
                Phase::Loading => {
                    g.phase = Phase::Outbound;
                    g.leg = 0;
                    self.start_leg(g, rng);
                }
                Phase::Waiting => {
                    // Resume the interrupted drive; its passage was already checked.
                    g.phase = Phase::Outbound;
                    g.time_left = g.resume_time;
                }
                Phase::HeldAtCut => {
                    // Enter the held leg again: the cut and the threat are checked anew.
                    g.phase = Phase::Outbound;
                    self.enter_leg(g, rng);
                }
                Phase::Outbound => {
                    g.leg += 1;
                    self.start_leg(g, rng);
                }
                Phase::Returning => {
                    self.come_home(g);
                    return;
                }
                Phase::Marshalling | Phase::Unloading => {}
            }
        }
    }

    /// Enters leg `g.leg`, or starts unloading after the last.
    fn start_leg(&mut self, g: &mut Group, rng: &mut ChaCha8Rng) {
        let legs = self.input.corridors[g.corridor.index()].legs.len();
        if g.leg >= legs {
            // Delivery is booked on arrival; the unloading time delays the trip home.
            g.phase = Phase::Unloading;
            g.time_left = 0.0;
            return;
        }
        self.enter_leg(g, rng);
    }

    /// Unloads into the destination depot as space allows. Returns true when the group is
    /// done unloading (and has turned for home).
    fn unload(&mut self, g: &mut Group) -> bool {
        let input = self.input;
        let ci = g.corridor.index();
        let c = &input.corridors[ci];
        let di = c.destination.index();
        let space = (input.depots[di].storage_capacity.0 - self.stock[di]).max(0.0);
        let put = g.load.min(space);
        if put > 0.0 {
            self.stock[di] += put;
            g.load -= put;
            self.today_depots[di].delivered += put;
            self.today_corridors[ci].delivered += put;
            self.record.balances[c.commodity.index()].delivered += put;
        }
        if g.load > EPS {
            return false;
        }
        g.load = 0.0;
        self.today_corridors[ci].trucks_arrived += g.trucks;
        let (trucks, place) = (g.trucks, input.depots[di].place);
        self.event(EventKind::Arrived, |e| {
            e.place = Some(place);
            e.corridor = Some(CorridorId::from_index(ci));
            e.depot = Some(DepotId::from_index(di));
            e.trucks = trucks;
        });
        g.phase = Phase::Returning;
        // Unloading takes its time; the trip home starts after it.
        g.time_left = input.trucks.unload_time.0 + self.return_time[ci];
        true
    }

    fn come_home(&mut self, g: &mut Group) {
        let ci = g.corridor.index();
        if g.load > 0.0 {
            let c = &self.input.corridors[ci];
            self.record.balances[c.commodity.index()].returned_to_origin += g.load;
            if let Some(source) = c.source_depot {
                // A load turned back goes back into the depot it came from.
                self.stock[source.index()] += g.load;
                self.record.balances[c.commodity.index()].drawn_for_onward -= g.load;
            }
            let (trucks, origin) = (g.trucks, c.origin);
            self.event(EventKind::TurnedBackArrived, |e| {
                e.place = Some(origin);
                e.corridor = Some(CorridorId::from_index(ci));
                e.trucks = trucks;
            });
            g.load = 0.0;
        }
        if !g.scheduled {
            self.idle[ci] += g.trucks;
        }
        g.trucks = 0;
    }

    /// Merges trucks waiting at each corridor's marshalling point into a convoy when it is big
    /// enough or has waited long enough, and assigns an escort if the policy asks for one.
    fn form_convoys(&mut self) {
        let input = self.input;
        let now = f64::from(self.day) + 1.0;
        let mut waiting_by_corridor = std::mem::take(&mut self.scratch_waiting);
        let mut any = false;
        for w in waiting_by_corridor.iter_mut() {
            w.clear();
        }
        for (i, g) in self.groups.iter().enumerate() {
            if g.phase == Phase::Marshalling {
                waiting_by_corridor[g.corridor.index()].push(i);
                any = true;
            }
        }
        if !any {
            self.scratch_waiting = waiting_by_corridor;
            return;
        }
        for (ci, c) in input.corridors.iter().enumerate() {
            let waiting = &waiting_by_corridor[ci];
            if waiting.is_empty() {
                continue;
            }
            let trucks: u32 = waiting.iter().map(|&i| self.groups[i].trucks).sum();
            let oldest = waiting
                .iter()
                .map(|&i| self.groups[i].marshalled_on)
                .fold(f64::INFINITY, f64::min);
            let waited = now - oldest;
            if trucks < c.convoy.size && waited < c.convoy.max_wait.0 {
                continue;
            }
            let mut escorted = false;
            if c.convoy.escorted {
                if let Some(unit) = self
                    .escorts_busy_until
                    .iter()
                    .position(|&until| until <= now)
                {
                    // The escort is busy for the rest of the trip and its turnaround.
                    let rest = self.lead_time[ci];
                    self.escorts_busy_until[unit] = now + rest + input.escorts.turnaround.0;
                    escorted = true;
                } else if waited < c.convoy.max_wait.0 + input.escorts.max_wait_for_escort.0 {
                    continue;
                }
            }
            // Merge into the first waiting group.
            let first = waiting[0];
            let (mut all_trucks, mut all_load, mut elapsed) = (0, 0.0, 0.0f64);
            for &i in waiting {
                let g = &mut self.groups[i];
                all_trucks += g.trucks;
                all_load += g.load;
                elapsed = elapsed.max(g.elapsed);
                if i != first {
                    g.trucks = 0;
                    g.load = 0.0;
                }
            }
            let g = &mut self.groups[first];
            g.trucks = all_trucks;
            g.load = all_load;
            g.elapsed = elapsed;
            g.escorted = escorted;
            g.phase = Phase::Outbound;
            g.time_left = 0.0;
            let place = match &c.legs[g.leg] {
                Leg::Marshal { place } => Some(*place),
                _ => None,
            };
            self.event(EventKind::ConvoyDeparted { escorted }, |e| {
                e.place = place;
                e.corridor = Some(CorridorId::from_index(ci));
                e.trucks = all_trucks;
            });
        }
        self.scratch_waiting = waiting_by_corridor;
        self.groups.retain(|g| g.trucks > 0);
    }

    /// Airlifts: on a day the aircraft fly, each rotation delivers its payload into the depot
    /// (as space allows; the rest flies back) unless it is lost with its load.
    fn fly(&mut self, rng: &mut ChaCha8Rng) {
        let input = self.input;
        let today = self.day;
        for a in input.airlifts.iter().filter(|a| a.active_on(today)) {
            if rng.random::<f64>() < a.grounded_chance {
                continue;
            }
            let di = a.depot.index();
            let depot = &input.depots[di];
            let balance = &mut self.record.balances[depot.commodity.index()];
            let mut lost_today = 0;
            for _ in 0..a.rotations_per_day {
                balance.loaded_at_origin += a.payload.0;
                if rng.random::<f64>() < a.loss_chance {
                    balance.lost += a.payload.0;
                    lost_today += 1;
                    continue;
                }
                let space = (depot.storage_capacity.0 - self.stock[di]).max(0.0);
                let put = a.payload.0.min(space);
                self.stock[di] += put;
                balance.delivered += put;
                balance.returned_to_origin += a.payload.0 - put;
                self.today_depots[di].delivered += put;
                self.today_depots[di].delivered_by_air += put;
            }
            if lost_today > 0 {
                let place = depot.place;
                self.event(EventKind::AircraftLost, |e| {
                    e.place = Some(place);
                    e.depot = Some(a.depot);
                    e.trucks = lost_today;
                });
            }
        }
    }

    fn serve_depots(&mut self) {
        let input = self.input;
        let pipeline = self.pipeline_by_depot();
        for (di, depot) in input.depots.iter().enumerate() {
            let base_demand = self.demand_of(di);
            self.produce(di);
            // A strategic reserve flows in while cover is low.
            let today = self.day;
            for r in input
                .reserves
                .iter()
                .filter(|r| r.depot.index() == di && today >= r.first_day && today < r.until_day)
            {
                let cover = self.stock[di] / base_demand.max(EPS);
                if cover < r.release_below_cover.0 && self.reserve_left[di] > 0.0 {
                    let space = (depot.storage_capacity.0 - self.stock[di]).max(0.0);
                    let put = r.release_per_day.0.min(self.reserve_left[di]).min(space);
                    self.reserve_left[di] -= put;
                    self.stock[di] += put;
                    self.today_depots[di].reserve_released += put;
                    self.record.balances[depot.commodity.index()].reserve_released += put;
                    if !self.reserve_active[di] {
                        self.reserve_active[di] = true;
                        let place = depot.place;
                        self.event(EventKind::ReserveReleaseStarted, |e| {
                            e.place = Some(place);
                            e.depot = Some(DepotId::from_index(di));
                        });
                    }
                }
            }
            self.serve_depot(di, &pipeline);
        }
        self.scratch_depot_pipeline = pipeline;
    }

    /// Loaded product on its way to each depot (loading, on the road, queued for a convoy).
    fn pipeline_by_depot(&mut self) -> Vec<f64> {
        let mut pipe = std::mem::take(&mut self.scratch_depot_pipeline);
        pipe.iter_mut().for_each(|p| *p = 0.0);
        for g in &self.groups {
            if g.phase != Phase::Returning {
                pipe[self.input.corridors[g.corridor.index()].destination.index()] += g.load;
            }
        }
        pipe
    }

    /// Moves a depot's rationing level toward what its stock and expected inflow allow, and
    /// logs the switches on and off.
    fn update_rationing(&mut self, di: usize, expected_inflow: f64) -> f64 {
        let input = self.input;
        let depot = &input.depots[di];
        let demand = self.demand_of(di);
        let aim = economy::rationing_aim(self.stock[di], expected_inflow, demand, &input.rationing);
        let cover = crate::units::Days(self.stock[di] / demand.max(EPS));
        let level = economy::adjust_level(self.rationing_level[di], aim, cover, &input.rationing);
        self.rationing_level[di] = level;
        let rationing = level < 1.0;
        if rationing != self.rationing[di] {
            self.rationing[di] = rationing;
            let place = depot.place;
            let kind = if rationing {
                EventKind::RationingOn
            } else {
                EventKind::RationingOff
            };
            self.event(kind, |e| {
                e.place = Some(place);
                e.depot = Some(DepotId::from_index(di));
            });
        }
        level
    }

    /// One depot's day after deliveries: rationing level, release to the sectors (the power
    /// plants into their tanks), the plants' burn, shortages, services and tomorrow's price.
    fn serve_depot(&mut self, di: usize, pipeline: &[f64]) {
        let input = self.input;
        let depot = &input.depots[di];
        let base_demand = self.demand_of(di);
        // The inflow a planner expects over the horizon: what is loaded and on its way, but no
        // faster than deliveries have lately arrived (in a blockade trucks queue for convoys
        // and escorts for weeks; counting them all would lift rationing while the depot is dry).
        let horizon = input.rationing.stretch.0.max(1.0);
        let delivered = self.today_depots[di].delivered;
        self.recent_delivery[di] += (delivered - self.recent_delivery[di]) / horizon;
        let expected = pipeline[di].min(self.recent_delivery[di] * horizon);
        let level = self.update_rationing(di, expected);
        let rationing = level < 1.0;

        let needs =
            economy::demand_at_price(&self.demand[di], self.price_multiple[di], &input.prices);
        let total: f64 = needs.iter().sum();
        let priority: &[Sector] = if rationing {
            input.rationing.priority_on(self.day)
        } else {
            &[]
        };
        // What the policy grants each sector, then what each asks of the depot: the plants
        // add a refill of their tanks.
        let planned = economy::allocate(level * total, &needs, priority);
        let power = Sector::Power.index();
        let mut orders = planned;
        if let Some(p) = &depot.power {
            orders[power] = economy::plant_order(
                planned[power],
                self.plant_stock[di],
                plant_tank_capacity(depot),
                p.tank_days,
            );
        }
        // Never more than the stock.
        let release = orders.iter().sum::<f64>().min(self.stock[di]).max(0.0);
        let given = economy::allocate(release, &orders, priority);
        let released: f64 = given.iter().sum();
        self.stock[di] = (self.stock[di] - released).max(0.0);

        // The plants burn what the policy grants them, from their tanks.
        let mut burned = given[power];
        let mut plant_stock = None;
        if depot.power.is_some() {
            let available = self.plant_stock[di] + given[power];
            burned = planned[power].min(available);
            self.plant_stock[di] = available - burned;
            plant_stock = Some(self.plant_stock[di]);
        }
        let mut by_sector = [0.0; Sector::COUNT];
        for s in 0..Sector::COUNT {
            let got = if s == power { burned } else { given[s] };
            by_sector[s] = (needs[s] - got).max(0.0);
        }
        let end_use = released - given[power] + burned;
        self.record.balances[depot.commodity.index()].consumed += end_use;
        let agri = Sector::AgriMining.index();
        self.agri_served_share[di] = if needs[agri] > 0.0 {
            (given[agri] / needs[agri]).min(1.0)
        } else {
            1.0
        };
        let (kcal, phase) = self.food_security(di, end_use);

        let shortage: f64 = by_sector.iter().sum();
        let unmet_share = if total > 0.0 { shortage / total } else { 0.0 };
        self.served_share[di] = 1.0 - unmet_share;
        let cover = self.stock[di] / base_demand.max(EPS);
        let multiple = self.price_multiple[di];
        let official = input.commodities[depot.commodity.index()].official_price;
        let power_hours = depot
            .power
            .as_ref()
            .map(|p| economy::power_hours(burned, depot.demand[power], p));
        let transport_ratio = if depot.demand[Sector::Transport.index()] > 0.0 {
            given[Sector::Transport.index()] / depot.demand[Sector::Transport.index()]
        } else {
            1.0
        };
        let services_open = self.update_services(di, transport_ratio);
        let power_ratio = match (&depot.power, power_hours) {
            (Some(p), Some(h)) if p.normal_hours > 0.0 => h / p.normal_hours,
            _ => 1.0,
        };
        let food_ratio = if base_demand > 0.0 {
            end_use / base_demand
        } else {
            1.0
        };
        self.supply_ratios[di] = [transport_ratio.min(1.0), power_ratio, food_ratio.min(1.0)];
        let today = &mut self.today_depots[di];
        today.stock = self.stock[di];
        today.demand = total;
        today.consumed = released;
        today.shortage = shortage;
        today.cover_days = cover;
        today.price_multiple = multiple;
        today.price_per_unit = official * multiple;
        today.power_hours = power_hours;
        today.services_open = services_open;
        today.rationing = rationing;
        today.rationing_level = level;
        today.plant_stock = plant_stock;
        let eaten = input.commodities[depot.commodity.index()]
            .kcal_per_unit
            .is_some();
        today.food_price_index = match (eaten, self.fuel_depot_at[di]) {
            // A food depot: its own scarcity times the cost of trucking it (the town's fuel,
            // where the town has a fuel depot).
            (true, Some(fuel)) => {
                multiple * economy::food_price_index(self.price_multiple[fuel], &input.prices)
            }
            (true, None) => multiple,
            // A fuel depot: the food index its transport cost implies.
            (false, _) => economy::food_price_index(multiple, &input.prices),
        };
        today.population_present = self.people[di];
        today.kcal_per_person_day = kcal;
        today.food_phase = phase;
        today.shortage_by_sector = by_sector;
        // Tomorrow's informal price moves toward the level today's scarcity implies.
        let s = economy::scarcity(crate::units::Days(cover), unmet_share, &input.prices);
        let implied = economy::price_multiple(s, &input.prices);
        self.price_multiple[di] =
            economy::adjust_price_keeping(multiple, implied, self.price_keep, &input.prices);
    }

    /// Services beyond schools: each reads the lowest of its needs' supply ratios today.
    fn update_service_rules(&mut self) {
        let input = self.input;
        for (ri, rule) in input.service_rules.iter().enumerate() {
            let ratio = rule
                .needs
                .iter()
                .map(|(need, depot)| {
                    let ratios = &self.supply_ratios[depot.index()];
                    match need {
                        ServiceNeed::TransportFuel => ratios[0],
                        ServiceNeed::Power => ratios[1],
                        ServiceNeed::Food => ratios[2],
                    }
                })
                .fold(1.0, f64::min);
            let state = &mut self.rule_states[ri];
            let change = state.update(ratio, &rule.params);
            let totals = &mut self.record.services[ri];
            if change == Some(ServiceChange::Closed) {
                totals.closures += 1;
                totals.first_closed_day.get_or_insert(self.day);
            }
            totals.closed_days += u32::from(!state.open);
        }
        if self.options.corridors && !input.service_rules.is_empty() {
            let open = self.rule_states.iter().map(|s| s.open).collect();
            self.record.service_days.push(open);
        }
    }

    /// Export works make what today's fuel allows; what they hold leaves when the road out is
    /// open and safe enough.
    fn make_and_ship_exports(&mut self) {
        let input = self.input;
        for (ei, e) in input.exports.iter().enumerate() {
            let fuel_served = e
                .fuel_depot
                .map_or(1.0, |f| self.agri_served_share[f.index()]);
            let made = e.per_day * (1.0 - e.fuel_dependence * (1.0 - fuel_served));
            let (chance, cut) = input.route_risk(&e.route, self.day);
            let totals = &mut self.record.exports[ei];
            totals.potential += e.per_day;
            totals.produced += made;
            totals.held_at_end += made;
            if cut || chance >= e.hold_at_attack_chance {
                totals.days_held += 1;
            } else {
                totals.exported += totals.held_at_end;
                totals.held_at_end = 0.0;
            }
        }
    }

    /// Product grown around the town and marketed into the depot today: the calendar's volume,
    /// less the share that needed fuel the machinery did not get yesterday, up to the space
    /// left in store (the rest stays on the farms, outside the balance).
    fn produce(&mut self, di: usize) {
        let input = self.input;
        let depot = &input.depots[di];
        let Some(p) = &depot.production else {
            return;
        };
        let full = p.daily.get(self.day as usize).copied().unwrap_or(0.0);
        let fuel_served = p
            .fuel_depot
            .map_or(1.0, |f| self.agri_served_share[f.index()]);
        let grown = full * (1.0 - p.fuel_dependence * (1.0 - fuel_served));
        let space = (depot.storage_capacity.0 - self.stock[di]).max(0.0);
        let put = grown.min(space).max(0.0);
        self.stock[di] += put;
        self.today_depots[di].produced = put;
        self.record.balances[depot.commodity.index()].produced += put;
    }

    /// kcal per person per day eaten at a food depot today and the phase of its moving average
    /// (`None, None` for a commodity that is not eaten or a depot without counted people).
    fn food_security(&mut self, di: usize, eaten: f64) -> (Option<f64>, Option<u8>) {
        let input = self.input;
        let depot = &input.depots[di];
        let Some(per_unit) = input.commodities[depot.commodity.index()].kcal_per_unit else {
            return (None, None);
        };
        if depot.population <= 0.0 {
            return (None, None);
        }
        let kcal = if self.people[di] > 0.0 {
            eaten * per_unit / self.people[di]
        } else {
            0.0
        };
        let params = &input.food_security;
        let avg = &mut self.kcal_average[di];
        *avg += (kcal - *avg) / params.averaging_days.max(1.0);
        (Some(kcal), Some(params.phase(*avg)))
    }

    /// Records the day's transport supply ratio in a depot's services state; logs closures.
    fn update_services(&mut self, di: usize, transport_ratio: f64) -> Option<bool> {
        let input = self.input;
        let state = self.services[di].as_mut()?;
        let change = state.update(transport_ratio, &input.services);
        let open = state.open;
        if let Some(change) = change {
            let place = input.depots[di].place;
            let kind = match change {
                ServiceChange::Closed => EventKind::ServicesClosed,
                ServiceChange::Reopened => EventKind::ServicesReopened,
            };
            self.event(kind, |e| {
                e.place = Some(place);
                e.depot = Some(DepotId::from_index(di));
            });
        }
        Some(open)
    }

    fn finish_day(&mut self) {
        let mut in_transit = std::mem::take(&mut self.scratch_in_transit);
        in_transit.iter_mut().for_each(|t| *t = 0);
        for g in &self.groups {
            if g.load > 0.0 && g.phase != Phase::Returning {
                in_transit[g.corridor.index()] += g.trucks;
            }
        }
        // Only the daily rows report who waits (ensembles skip them and this allocation).
        let waiting = if self.options.corridors {
            self.marshalling_waits()
        } else {
            Vec::new()
        };
        for (ci, day) in self.today_corridors.iter_mut().enumerate() {
            day.trucks_in_transit = in_transit[ci];
            (day.trucks_waiting_convoy, day.trucks_waiting_escort) =
                waiting.get(ci).copied().unwrap_or_default();
            day.willingness = self.willingness[ci];
            day.trucks_idle = self.idle[ci];
            let t = &mut self.record.corridor_totals[ci];
            t.trucks_dispatched += day.trucks_dispatched;
            t.trucks_arrived += day.trucks_arrived;
            t.trucks_lost += day.trucks_lost;
            t.delivered += day.delivered;
            t.drivers_kidnapped += day.drivers_kidnapped;
            t.drivers_killed += day.drivers_killed;
            t.attacks += day.attacks;
            t.trucks_replaced += day.trucks_replaced;
        }
        self.scratch_in_transit = in_transit;
        self.record.depot_days.push(self.today_depots.clone());
        if self.options.corridors {
            self.record.corridor_days.push(self.today_corridors.clone());
        }
    }

    /// Per corridor, the loaded trucks left at the marshalling point after today's convoys
    /// formed: `(waiting for the convoy to fill or time out, convoy ready but no escort free)`.
    /// Uses the same readiness test as `form_convoys`, so a convoy held only for its escort
    /// counts as waiting for the escort.
    fn marshalling_waits(&self) -> Vec<(u32, u32)> {
        let now = f64::from(self.day) + 1.0;
        let mut trucks = vec![0u32; self.input.corridors.len()];
        let mut oldest = vec![f64::INFINITY; self.input.corridors.len()];
        for g in &self.groups {
            if g.phase == Phase::Marshalling && g.load > 0.0 {
                let ci = g.corridor.index();
                trucks[ci] += g.trucks;
                oldest[ci] = oldest[ci].min(g.marshalled_on);
            }
        }
        self.input
            .corridors
            .iter()
            .enumerate()
            .map(|(ci, c)| {
                let ready = trucks[ci] >= c.convoy.size || now - oldest[ci] >= c.convoy.max_wait.0;
                if trucks[ci] > 0 && ready && c.convoy.escorted {
                    (0, trucks[ci])
                } else {
                    (trucks[ci], 0)
                }
            })
            .collect()
    }

    /// The record of the days stepped so far: daily rows and the event log, without the
    /// closing balances that [`Simulation::finish`] adds.
    pub fn record(&self) -> &RunRecord {
        &self.record
    }

    /// Ends the run and returns its record with closing balances.
    pub fn finish(mut self) -> RunRecord {
        for (di, d) in self.input.depots.iter().enumerate() {
            self.record.balances[d.commodity.index()].closing_stock +=
                self.stock[di] + self.plant_stock[di];
        }
        for g in &self.groups {
            let c = &self.input.corridors[g.corridor.index()];
            self.record.balances[c.commodity.index()].in_transit += g.load;
        }
        self.record
    }
}

/// `x.floor() as u32` without a call into libm (the portable build has no rounding
/// instruction, and dispatch rounds a few times per corridor and day): a cast truncates toward
/// zero and saturates, which equals `floor` for x ≥ 0 and gives 0 for every negative x, NaN
/// included, exactly as flooring first does.
fn whole(x: f64) -> u32 {
    x as u32
}

/// `x.ceil() as usize` for x > 0 (days still to drive), without a call into libm.
fn whole_days_up(x: f64) -> usize {
    let t = x as usize;
    if (t as f64) < x { t + 1 } else { t }
}

/// The flow a depot needs from its corridors in the steady state: its demand less the
/// production marketed into it (mean of the first 30 days of the calendar).
fn import_need(depot: &crate::params::DepotSpec) -> f64 {
    let demand = depot.total_demand().0;
    let produced = depot.production.as_ref().map_or(0.0, |p| {
        let first = &p.daily[..p.daily.len().min(30)];
        if first.is_empty() {
            0.0
        } else {
            first.iter().sum::<f64>() / first.len() as f64
        }
    });
    (demand - produced).max(0.0)
}

/// kcal per person per day that a depot's demand at the official price feeds (`0` when the
/// commodity is not eaten or the depot counts no people): the starting point of its average.
fn kcal_per_person(
    input: &ModelInput,
    depot: &crate::params::DepotSpec,
    volume: f64,
    people: f64,
) -> f64 {
    match input.commodities[depot.commodity.index()].kcal_per_unit {
        Some(per_unit) if people > 0.0 => volume * per_unit / people,
        _ => 0.0,
    }
}

/// Volume the thermal plants a depot supplies hold in their own tanks (0 without plants).
fn plant_tank_capacity(depot: &crate::params::DepotSpec) -> f64 {
    depot.power.as_ref().map_or(0.0, |p| {
        p.tank_days.max(0.0) * depot.demand[Sector::Power.index()]
    })
}

/// Driving days at normal speed and border days of a corridor's outbound trip.
fn drive_and_stops(input: &ModelInput, c: &crate::params::CorridorSpec) -> (f64, f64) {
    let (mut drive, mut stops) = (0.0, 0.0);
    for leg in &c.legs {
        match leg {
            Leg::Drive { segment, .. } => {
                let s = input.network.segment(*segment);
                drive += s.length.at(input.trucks.speeds.speed(s.condition)).0;
            }
            Leg::Border { .. } => stops += input.trucks.border_delay.0,
            Leg::Marshal { .. } => {}
        }
    }
    (drive, stops)
}

/// Drivers' willingness after an attack on their corridor: it falls with the share of the
/// convoy lost (an attack that destroys the whole convoy takes `drop_per_attack` of it; one with
/// no losses takes nothing) and with each driver kidnapped or killed.
/// Days a truck drives `segment` at its road condition's speed (slower when escorted).
fn drive_days(input: &ModelInput, segment: crate::ids::SegmentId, escorted: bool) -> f64 {
    let seg = input.network.segment(segment);
    let mut speed = input.trucks.speeds.speed(seg.condition).0;
    if escorted {
        speed *= input.trucks.escorted_speed_factor;
    }
    seg.length.0 / speed
}

/// Willingness recovered per day `[threatened, safe]`: the share of the gap to full
/// willingness that closes in a day, from the half-lives (all at once for a half-life of 0).
fn recovery_rates(params: &WillingnessParams) -> [f64; 2] {
    let rate_for = |half_life: f64| {
        if half_life > 0.0 {
            1.0 - 0.5f64.powf(1.0 / half_life)
        } else {
            1.0
        }
    };
    [
        rate_for(params.recovery_half_life.0),
        rate_for(params.safe_recovery_half_life.0),
    ]
}

/// Consecutive drive legs on quiet roads, from one leg to the end of the stretch.
#[derive(Clone, Copy, Debug)]
struct QuietStretch {
    /// The stretch's last leg.
    last_leg: usize,
    /// Days to drive the whole stretch `[alone, escorted]`, summed leg by leg.
    days: [f64; 2],
}

/// [`Simulation::quiet_stretches`] of every corridor.
fn quiet_stretches(input: &ModelInput) -> Vec<Vec<Option<QuietStretch>>> {
    let hazard = &input.threat.hazard;
    let days = hazard.days() as u32;
    // Each segment's days are read once, however many corridors drive it.
    let mut quiet_by_segment: Vec<Option<bool>> = vec![None; input.network.segments().len()];
    let mut quiet = |segment: crate::ids::SegmentId| {
        *quiet_by_segment[segment.index()].get_or_insert_with(|| {
            (0..days).all(|d| hazard.stored(segment, d) == 0.0)
                && !input.road_cuts.iter().any(|cut| cut.segment == segment)
        })
    };
    input
        .corridors
        .iter()
        .map(|c| {
            let quiet_legs: Vec<Option<crate::ids::SegmentId>> = c
                .legs
                .iter()
                .map(|leg| match leg {
                    Leg::Drive { segment, .. } if quiet(*segment) => Some(*segment),
                    _ => None,
                })
                .collect();
            (0..c.legs.len())
                .map(|first| {
                    quiet_legs[first]?;
                    // Summed leg by leg in driving order, without a list per leg.
                    let (mut last_leg, mut days) = (first, [0.0, 0.0]);
                    for (offset, segment) in
                        quiet_legs[first..].iter().map_while(|s| *s).enumerate()
                    {
                        last_leg = first + offset;
                        days[0] += drive_days(input, segment, false);
                        days[1] += drive_days(input, segment, true);
                    }
                    Some(QuietStretch { last_leg, days })
                })
                .collect()
        })
        .collect()
}

pub fn attack_willingness(
    before: f64,
    outcome: &AttackOutcome,
    convoy_trucks: u32,
    params: &WillingnessParams,
) -> f64 {
    let lost_share = if convoy_trucks > 0 {
        f64::from(outcome.trucks_lost) / f64::from(convoy_trucks)
    } else {
        0.0
    };
    let harmed = outcome.drivers_kidnapped + outcome.drivers_killed;
    let keep = (1.0 - params.drop_per_attack).powf(lost_share)
        * (1.0 - params.drop_per_kidnapping).powi(harmed as i32);
    (before * keep).max(params.floor.min(before))
}

/// Distance from the segment's `a` end of a point `driven_km` into a drive toward `to`.
fn from_a_km(seg: &crate::network::Segment, to: crate::ids::PlaceId, driven_km: f64) -> f64 {
    if to == seg.b {
        driven_km
    } else {
        (seg.length.0 - driven_km).max(0.0)
    }
}

/// Runs a whole scenario with the given generator.
pub fn run(input: &ModelInput, rng: &mut ChaCha8Rng, options: RecordOptions) -> RunRecord {
    let mut sim = Simulation::new(input, options);
    for _ in 0..input.days {
        sim.step(rng);
    }
    sim.finish()
}

#[cfg(test)]
mod tests {
    use super::{whole, whole_days_up};

    #[test]
    fn rounding_without_libm_matches_floor_and_ceil() {
        let values = [
            0.0,
            -0.0,
            0.3,
            1.0,
            1.0 - 1e-12,
            2.5,
            39.999_999_999,
            40.0,
            1e6 + 0.5,
            4_294_967_295.5,
            5e9,
            -0.5,
            -1.0,
            -7.25,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for x in values {
            assert_eq!(whole(x), x.floor() as u32, "floor of {x}");
        }
        for x in [1e-9, 0.3, 1.0, 1.0 + 1e-12, 2.5, 3.0, 179.999, 1e6 + 0.5] {
            assert_eq!(whole_days_up(x), x.ceil() as usize, "ceil of {x}");
        }
    }
}
