//! Model inputs: everything a run needs, already resolved to ids and units by the scenario crate.

use crate::ids::{CommodityId, CorridorId, DepotId, PlaceId, SegmentId};
use crate::network::{Network, SpeedTable};
use crate::threat::{HazardRow, ThreatInput};
use crate::units::{Days, Volume};
use serde::{Deserialize, Serialize};

/// Demand sectors. The order here is the default rationing order only when a policy says
/// `proportional` is off and gives none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    Power,
    Transport,
    AgriMining,
    HouseholdsServices,
}

impl Sector {
    pub const COUNT: usize = 4;
    pub const ALL: [Sector; 4] = [
        Sector::Power,
        Sector::Transport,
        Sector::AgriMining,
        Sector::HouseholdsServices,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sector::Power => "power",
            Sector::Transport => "transport",
            Sector::AgriMining => "agri_mining",
            Sector::HouseholdsServices => "households_services",
        }
    }

    pub fn parse(text: &str) -> Option<Sector> {
        Sector::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// A quantity per sector.
pub type PerSector = [f64; Sector::COUNT];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommoditySpec {
    pub name: String,
    /// Unit of volumes for this commodity ("m3", "t").
    pub unit: String,
    /// Load of one truck.
    pub truck_capacity: Volume,
    /// The official (ceiling) retail price, per litre or kg, in FCFA.
    pub official_price: f64,
    /// Food energy per unit of volume (kcal per tonne for food staples); `None` for a commodity
    /// that is not eaten. Food depots report kcal per person per day and a food phase.
    pub kcal_per_unit: Option<f64>,
}

/// Electricity produced from the thermal plants a depot supplies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PowerSpec {
    /// Hours of supply per day when the plants get all the fuel they need.
    pub normal_hours: f64,
    /// Share of electricity that needs no fuel (hydro, imports): a floor on hours.
    pub non_thermal_share: f64,
    /// The thermal plants' own tanks, in days of their full-output burn. They start full, are
    /// refilled from the depot (over as many days as they hold) and carry the plants through
    /// gaps in the depot's deliveries. Zero: the plants burn what they receive the same day.
    pub tank_days: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DepotSpec {
    pub place: PlaceId,
    pub commodity: CommodityId,
    /// Daily demand at the official price, per sector.
    pub demand: PerSector,
    pub storage_capacity: Volume,
    pub opening_stock: Volume,
    /// Orders aim to hold this many days of demand in stock.
    pub target_cover: Days,
    pub power: Option<PowerSpec>,
    /// Whether the services indicator (schools) is computed here.
    pub services: bool,
    /// People the depot serves at the start (0: not counted). The households and services
    /// sector's demand follows the people present (see `Simulation::set_people_present`).
    pub population: f64,
    /// Product grown around the town and marketed into the depot (food), if any.
    pub production: Option<ProductionSpec>,
}

/// Domestic production marketed into a depot: a harvest calendar, and a share of it that needs
/// fuel (machinery, irrigation pumps) from a fuel depot's agriculture and mining sector.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProductionSpec {
    /// Volume marketed each day of the run with all the fuel it needs (calendar applied).
    pub daily: Vec<f64>,
    /// The fuel depot whose `agri_mining` sector supplies the machinery.
    pub fuel_depot: Option<DepotId>,
    /// Share of the day's production lost when that sector gets no fuel at all (in proportion
    /// to the share of its demand not served the day before).
    pub fuel_dependence: f64,
}

/// How food available per person is read as a food-security phase (a proxy for the phase
/// scales humanitarian analysts use, not a classification; see docs/model.md).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FoodSecurityParams {
    /// kcal per person per day at and above which phases 1 (minimal), 2 (stressed), 3 (crisis)
    /// and 4 (emergency) hold, in decreasing order; below the last, phase 5 (catastrophe).
    pub phase_floors_kcal: [f64; 4],
    /// The phase reads a moving average of kcal per person per day with this time constant
    /// (days): a phase describes weeks, not one day's deliveries.
    pub averaging_days: f64,
}

impl Default for FoodSecurityParams {
    fn default() -> Self {
        FoodSecurityParams {
            phase_floors_kcal: [2000.0, 1800.0, 1500.0, 1200.0],
            averaging_days: 30.0,
        }
    }
}

impl FoodSecurityParams {
    /// Phase 1–5 of an averaged kcal per person per day.
    pub fn phase(&self, kcal: f64) -> u8 {
        let above = self
            .phase_floors_kcal
            .iter()
            .filter(|floor| kcal >= **floor)
            .count();
        // Floors cleared: all four → phase 1, none → phase 5.
        5 - above as u8
    }
}

impl DepotSpec {
    pub fn total_demand(&self) -> Volume {
        Volume(self.demand.iter().sum())
    }
}

/// How trucks of a corridor travel in convoys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConvoyPolicy {
    /// Trucks wait at the marshalling point until this many are there...
    pub size: u32,
    /// ...or the first of them has waited this long.
    pub max_wait: Days,
    /// Whether convoys are escorted (each needs a free escort unit).
    pub escorted: bool,
}

impl ConvoyPolicy {
    /// Trucks leave as soon as they are loaded, unescorted.
    pub fn none() -> Self {
        ConvoyPolicy {
            size: 1,
            max_wait: Days(0.0),
            escorted: false,
        }
    }
}

/// One stop or drive of a corridor's outbound trip.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Leg {
    Drive {
        segment: SegmentId,
        to: PlaceId,
    },
    /// A border crossing: paperwork and queues.
    Border {
        place: PlaceId,
    },
    /// Where convoys form (and escorts join).
    Marshal {
        place: PlaceId,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CorridorSpec {
    pub name: String,
    pub commodity: CommodityId,
    pub origin: PlaceId,
    pub destination: DepotId,
    /// The outbound trip, in order.
    pub legs: Vec<Leg>,
    /// Share of the destination depot's orders placed on this corridor.
    pub share: f64,
    /// Trucks assigned to this corridor.
    pub fleet: u32,
    pub convoy: ConvoyPolicy,
    /// Product available at the origin per day (None = unlimited).
    pub origin_daily_limit: Option<Volume>,
    /// Days from the start of the run before which the corridor is not used.
    pub opens_on_day: u32,
    /// Day from which the convoy policy applies (before it trucks drive on their own).
    pub convoys_from_day: u32,
    /// Day from which the convoy policy no longer applies (`u32::MAX`: it never ends).
    pub convoys_until_day: u32,
    /// Day from which the corridor takes no new orders (`u32::MAX`: never), e.g. an import ban
    /// or a border closure; trucks already on the road finish their trip.
    pub closes_on_day: u32,
    /// Onward distribution: the depot at the origin whose stock the loads are drawn from (None:
    /// an import corridor, loading at a port or foreign depot without limit).
    pub source_depot: Option<DepotId>,
}

impl CorridorSpec {
    /// Whether trucks form convoys (and wait for escorts) on `day`.
    pub fn convoys_on(&self, day: u32) -> bool {
        day >= self.convoys_from_day
            && day < self.convoys_until_day
            && (self.convoy.size > 1 || self.convoy.escorted)
    }

    /// Whether the corridor takes orders on `day`.
    pub fn open_on(&self, day: u32) -> bool {
        day >= self.opens_on_day && day < self.closes_on_day && self.share > 0.0
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TruckParams {
    pub speeds: SpeedTable,
    pub load_time: Days,
    pub unload_time: Days,
    pub border_delay: Days,
    /// Chance that a border crossing takes one more day.
    pub border_extra_day_chance: f64,
    /// Escorted convoys drive at this fraction of normal speed.
    pub escorted_speed_factor: f64,
    /// Days until a truck lost in an attack is replaced in its corridor's fleet (None: never).
    pub replacement_days: Option<u32>,
}

/// How a depot short of stock shares what it releases: a rationing level (the share of demand
/// the depot plans to serve) that moves with inertia toward what stock and inflow allow.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RationingPolicy {
    /// Rationing starts only while cover is below this many days (it may go on above)...
    pub trigger_cover: Days,
    /// ...and the level aims at (stock + loaded product on its way) / (demand × this horizon),
    /// at most 1: what can be served every day until the horizon.
    pub stretch: Days,
    /// The level moves toward its aim by at most this much a day (a decision, not a reflex).
    pub adjust_per_day: f64,
    /// ...and only when the aim differs from the level by more than this (a dead band).
    pub dead_band: f64,
    /// Sectors served first, in order; sectors not listed share the rest in proportion.
    pub priority: Vec<Sector>,
    /// The priority order is a decision with dates: it applies from this day...
    pub priority_from_day: u32,
    /// ...until the day before this one (`u32::MAX`: it never ends); outside, rationing shares
    /// in proportion.
    pub priority_until_day: u32,
}

impl RationingPolicy {
    /// The sectors served first on `day` (none outside the priority's dates).
    pub fn priority_on(&self, day: u32) -> &[Sector] {
        if day >= self.priority_from_day && day < self.priority_until_day {
            &self.priority
        } else {
            &[]
        }
    }
}

/// Informal-market price as a function of scarcity (see docs/model.md).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PriceParams {
    /// Cover (days) at and above which there is no scarcity premium.
    pub reference_cover: Days,
    /// Highest informal price as a multiple of the official price.
    pub cap_multiple: f64,
    /// Curvature: multiple = 1 + (cap − 1) · scarcity^exponent.
    pub exponent: f64,
    /// Demand of price-sensitive sectors scales as multiple^(−elasticity).
    pub demand_elasticity: f64,
    /// Share of transport in the food price (food index = 1 + share · (fuel multiple − 1)).
    pub food_transport_share: f64,
    /// Half-life (days) of the informal price's move toward the level scarcity implies (in
    /// logarithms); zero: the price jumps to it at once.
    pub adjustment_half_life: Days,
}

/// When schools and other services close for lack of transport fuel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceParams {
    /// Days over which the transport supply ratio is averaged.
    pub window: u32,
    /// Close when the averaged ratio of transport fuel supplied to demand falls below this.
    pub close_below: f64,
    /// Reopen when it rises above this...
    pub reopen_above: f64,
    /// ...or after this many days closed (a closure is a decision with a set length).
    pub max_closure_days: u32,
    /// Once reopened, stay open at least this long.
    pub min_open_days: u32,
}

/// What keeps a service open: each a daily supply ratio in [0, 1] of a depot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceNeed {
    /// Transport fuel supplied / transport demand (staff, patients and goods get there).
    TransportFuel,
    /// Hours of electricity / normal hours (cold chain, lights, pumps).
    Power,
    /// Food eaten / food demand at the official price (what stalls can sell).
    Food,
}

impl ServiceNeed {
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceNeed::TransportFuel => "transport_fuel",
            ServiceNeed::Power => "power",
            ServiceNeed::Food => "food",
        }
    }

    pub fn parse(text: &str) -> Option<ServiceNeed> {
        [
            ServiceNeed::TransportFuel,
            ServiceNeed::Power,
            ServiceNeed::Food,
        ]
        .into_iter()
        .find(|n| n.as_str() == text)
    }
}

/// A service beyond schools (health centres, shops and markets) in a town: it closes when the
/// lowest of its needs' supply ratios, averaged over the window, falls below a threshold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceRule {
    pub name: String,
    pub place: PlaceId,
    /// Each need with the depot whose figures measure it.
    pub needs: Vec<(ServiceNeed, DepotId)>,
    pub params: ServiceParams,
}

/// Drivers' willingness to set out, per corridor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WillingnessParams {
    /// Fraction lost after an attack on the corridor.
    pub drop_per_attack: f64,
    /// Fraction lost per driver kidnapped on the corridor.
    pub drop_per_kidnapping: f64,
    /// Half-life (days) of the recovery toward 1.
    pub recovery_half_life: Days,
    /// Willingness never falls below this (some drivers always go).
    pub floor: f64,
    /// Fraction lost per unit severity of an incident reported near the corridor.
    pub drop_per_reported_incident: f64,
    /// Half-life (days) of the recovery on a day the corridor's road is safe: a truck's chance of
    /// being attacked on the whole outbound trip below `safe_trip_attack_chance`. Drivers come
    /// back faster once the threat is gone than while it lingers.
    pub safe_recovery_half_life: Days,
    pub safe_trip_attack_chance: f64,
}

/// A stock held back and released into a depot when its cover falls low.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReserveSpec {
    pub depot: DepotId,
    pub volume: Volume,
    pub release_below_cover: Days,
    pub release_per_day: Volume,
    /// The reserve may be drawn from this day...
    pub first_day: u32,
    /// ...until the day before this one (`u32::MAX`: no end).
    pub until_day: u32,
}

/// A convoy that ran on a known date (e.g. an escorted convoy from a neighbouring country),
/// with trucks of its own on top of the corridor's fleet; they go home and stand down afterwards.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScheduledConvoy {
    pub corridor: CorridorId,
    /// Day it leaves the corridor's origin (loading starts then).
    pub depart_day: u32,
    pub trucks: u32,
    /// Escorted by its own escort (not one of the shared escort units).
    pub escorted: bool,
}

/// A road segment closed from a day (a bridge blown, a road cut) until it is repaired.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoadCut {
    pub segment: SegmentId,
    pub first_day: u32,
    /// First day it is open again (`u32::MAX`: never within the run).
    pub reopens_on_day: u32,
}

impl RoadCut {
    pub fn closed_on(&self, day: u32) -> bool {
        day >= self.first_day && day < self.reopens_on_day
    }
}

/// Aircraft flying a commodity into a depot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Airlift {
    pub name: String,
    pub depot: DepotId,
    /// Load of one rotation.
    pub payload: Volume,
    pub rotations_per_day: u32,
    pub first_day: u32,
    /// Inclusive.
    pub last_day: u32,
    /// Chance that no aircraft flies on a given day (weather, threat, suspension).
    pub grounded_chance: f64,
    /// Chance that a rotation is hit or lost with its load.
    pub loss_chance: f64,
}

impl Airlift {
    pub fn active_on(&self, day: u32) -> bool {
        day >= self.first_day && day <= self.last_day
    }
}

/// A product made in the country and sent abroad by road (gold from the Kayes mines): its works
/// burn fuel from a depot, and its shipments wait while the road out is cut or too dangerous.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportSpec {
    pub name: String,
    /// Unit of the product ("kg").
    pub unit: String,
    /// Made per day when the works get all the fuel they need.
    pub per_day: f64,
    /// The fuel depot whose `agri_mining` sector supplies the works.
    pub fuel_depot: Option<DepotId>,
    /// Share of the day's output lost when that sector gets no fuel at all (in proportion to the
    /// share of its demand not served that day).
    pub fuel_dependence: f64,
    /// The road from the works to where the product leaves the country.
    pub route: Vec<SegmentId>,
    /// A shipment waits at the works while its chance of being attacked on the route is at or
    /// above this, or while a segment of the route is cut.
    pub hold_at_attack_chance: f64,
    /// Value of one unit, in FCFA.
    pub price: f64,
}

/// Shared escort capacity: how many convoys can be escorted at once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EscortParams {
    pub units: u32,
    /// Days an escort unit needs after a convoy arrives before it can take another.
    pub turnaround: Days,
    /// If a convoy waited this long for an escort, it leaves without one.
    pub max_wait_for_escort: Days,
}

/// Everything one run needs.
#[derive(Clone, Debug, Serialize)]
pub struct ModelInput {
    pub network: Network,
    pub days: u32,
    pub commodities: Vec<CommoditySpec>,
    pub depots: Vec<DepotSpec>,
    pub corridors: Vec<CorridorSpec>,
    pub trucks: TruckParams,
    pub rationing: RationingPolicy,
    pub prices: PriceParams,
    pub services: ServiceParams,
    pub willingness: WillingnessParams,
    pub escorts: EscortParams,
    pub reserves: Vec<ReserveSpec>,
    pub threat: ThreatInput,
    /// Convoys that ran on known dates, sorted by departure day.
    pub scheduled_convoys: Vec<ScheduledConvoy>,
    pub road_cuts: Vec<RoadCut>,
    pub airlifts: Vec<Airlift>,
    pub food_security: FoodSecurityParams,
    pub exports: Vec<ExportSpec>,
    /// Services beyond schools.
    pub service_rules: Vec<ServiceRule>,
}

/// Expected attacks on a lone truck driving `segments` (segment index, length in km) under a
/// day's hazard row ([`crate::threat::HazardTable::day_row`]): λ × length / 100 km, summed in
/// order. The one formula for a route's and a corridor's trip exposure.
pub(crate) fn exposure_on(
    hazard_row: HazardRow<'_>,
    segments: impl Iterator<Item = (usize, f64)>,
) -> f64 {
    segments.map(|(s, km)| hazard_row.get(s) * km / 100.0).sum()
}

impl ModelInput {
    /// Chance that a lone truck is attacked somewhere on a corridor's outbound trip on `day`
    /// (the simulation keeps each corridor's segments listed and takes the same sum).
    pub fn trip_attack_chance(&self, corridor: CorridorId, day: u32) -> f64 {
        let driven = self.corridors[corridor.index()]
            .legs
            .iter()
            .filter_map(|leg| match leg {
                Leg::Drive { segment, .. } => Some(*segment),
                _ => None,
            });
        1.0 - (-self.exposure(driven, day)).exp()
    }

    /// Expected attacks on a lone truck driving `segments` on `day`: hazard × length / 100 km.
    fn exposure(&self, segments: impl Iterator<Item = SegmentId>, day: u32) -> f64 {
        exposure_on(
            self.threat.hazard.day_row(day),
            segments.map(|s| (s.index(), self.network.segment(s).length.0)),
        )
    }

    /// Chance that one shipment, a single escorted vehicle, is attacked on a route on `day` (the
    /// attack model's size and escort factors applied to the route's exposure), and whether a
    /// segment of the route is cut.
    pub fn route_risk(&self, route: &[SegmentId], day: u32) -> (f64, bool) {
        let attacks = &self.threat.attacks;
        let lambda = self.exposure(route.iter().copied(), day)
            * attacks.size_factor(1)
            * attacks.escort_hazard_factor;
        let cut = route.iter().any(|&s| self.cut_until(s, day).is_some());
        (1.0 - (-lambda).exp(), cut)
    }

    /// Whether a road cut closes `segment` on `day`; if so, the first day it is open again.
    pub fn cut_until(&self, segment: SegmentId, day: u32) -> Option<u32> {
        self.road_cuts
            .iter()
            .filter(|c| c.segment == segment && c.closed_on(day))
            .map(|c| c.reopens_on_day)
            .max()
    }

    /// A depot's label in outputs: its place's name; a later depot at the same place (food
    /// beside fuel) adds its commodity, so adding a commodity leaves existing labels alone.
    pub fn depot_label(&self, depot: DepotId) -> String {
        let d = &self.depots[depot.index()];
        let name = &self.network.place(d.place).name;
        let first_at_place = self.depots.iter().position(|x| x.place == d.place);
        if first_at_place == Some(depot.index()) {
            name.clone()
        } else {
            format!("{name}-{}", self.commodities[d.commodity.index()].name)
        }
    }

    pub fn corridors_of(&self, depot: DepotId) -> impl Iterator<Item = CorridorId> + '_ {
        self.corridors
            .iter()
            .enumerate()
            .filter(move |(_, c)| c.destination == depot)
            .map(|(i, _)| CorridorId::from_index(i))
    }
}
