//! The scenario file, as written by users: every table and key. Unknown keys are errors.
//! Values keep their TOML span for located error messages; their allowed ranges are checked in
//! `validate.rs`.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub scenario: Header,
    pub network: NetworkSpec,
    pub trucks: TrucksSpec,
    #[serde(rename = "commodity")]
    pub commodities: Vec<CommoditySpec>,
    #[serde(rename = "depot")]
    pub depots: Vec<DepotSpec>,
    #[serde(rename = "corridor")]
    pub corridors: Vec<CorridorSpec>,
    pub rationing: RationingSpec,
    pub prices: PricesSpec,
    pub services: ServicesSpec,
    pub willingness: WillingnessSpec,
    pub escorts: EscortsSpec,
    #[serde(default, rename = "reserve")]
    pub reserves: Vec<ReserveSpec>,
    pub threat: ThreatSpec,
    #[serde(default, rename = "blockade")]
    pub blockades: Vec<BlockadeSpec>,
    #[serde(default, rename = "response")]
    pub responses: Vec<ResponseSpec>,
    #[serde(default)]
    pub displacement: Option<DisplacementSpec>,
    #[serde(default, rename = "scheduled_convoy")]
    pub scheduled_convoys: Vec<ScheduledConvoySpec>,
    #[serde(default, rename = "road_cut")]
    pub road_cuts: Vec<RoadCutSpec>,
    #[serde(default, rename = "airlift")]
    pub airlifts: Vec<AirliftSpec>,
    #[serde(default)]
    pub food_security: Option<FoodSecuritySpec>,
    #[serde(default, rename = "export")]
    pub exports: Vec<ExportSpec>,
    #[serde(default, rename = "service")]
    pub service_rules: Vec<ServiceRuleSpec>,
    /// What the scenario should reproduce and which parameters may move to do so (read by
    /// `lifeline-analysis`; a run ignores it).
    #[serde(default)]
    pub calibration: Option<CalibrationSpec>,
    /// Facts that judge the model and are never fitted (read by `lifeline validate` only;
    /// `calibrate` and a run ignore it).
    #[serde(default)]
    pub validation: Option<ValidationSpec>,
}

/// `[[validation.target]]` tables: the same fields and checks as `[[calibration.target]]`, kept
/// in a table of their own so that no calibration can read them.
#[derive(Debug, Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct ValidationSpec {
    /// Each table with its span, so that `validate.rs` can give its line.
    #[serde(default, rename = "target")]
    pub targets: Vec<Spanned<TargetSpec>>,
}

/// Calibration facts as targets, and the free parameters with their priors.
#[derive(Debug, Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct CalibrationSpec {
    /// A posterior (`posterior.csv` of `lifeline calibrate`: one row per particle, a column per
    /// parameter path, a `weight`), relative to the scenario file (or `embedded:NAME`). Runs
    /// draw their parameters from it unless `--fixed-parameters` is given.
    #[serde(default)]
    pub posterior: Option<Spanned<String>>,
    /// Each table with its span, so that `validate.rs` can give its line.
    #[serde(default, rename = "target")]
    pub targets: Vec<Spanned<TargetSpec>>,
    #[serde(default, rename = "parameter")]
    pub parameters: Vec<Spanned<ParameterSpec>>,
}

/// One fact: a metric of a place or corridor, aggregated over a date window, and what was
/// observed (a value or a range) with its uncertainty.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    pub name: String,
    /// A depot's place (metrics of a depot).
    #[serde(default)]
    pub place: Option<String>,
    /// A corridor (metrics of a corridor; without one, `trucks_lost` counts all corridors).
    #[serde(default)]
    pub corridor: Option<String>,
    /// `cover_days`, `shortage_m3`, `price_multiple`, `power_hours`, `services_closed`,
    /// `delivered_by_road` (of a depot), `trucks_lost`, `trucks_arrived`, `willingness` or
    /// `attack_loss_share` (of a corridor).
    pub metric: String,
    /// First day of the window (default: the start).
    #[serde(default)]
    pub from: Option<String>,
    /// Last day of the window, inclusive (default: the last day).
    #[serde(default)]
    pub to: Option<String>,
    /// `mean`, `max`, `min`, `sum`, `first_date_below` or `first_date_above` (these two measure
    /// days from `from` to the first day past `threshold`), `days_below` or `days_above` (the
    /// number of days past `threshold`).
    pub aggregation: String,
    #[serde(default)]
    pub threshold: Option<f64>,
    /// `attack_loss_share`: only convoys of at least this many trucks count.
    #[serde(default)]
    pub min_convoy_trucks: Option<u32>,
    #[serde(default)]
    pub observed: Option<f64>,
    /// `[low, high]`: any value inside fits exactly.
    #[serde(default)]
    pub range: Option<Vec<f64>>,
    /// Distance outside the range (or from the value) that counts as one unit of misfit.
    pub uncertainty: f64,
    #[serde(default)]
    pub source: String,
}

/// A free parameter and its prior.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ParameterSpec {
    /// The scenario key it sets, e.g. `threat.hazard_scale`.
    pub path: String,
    /// Other keys that take the same value (one parameter for two mechanisms).
    #[serde(default)]
    pub same_value_for: Vec<String>,
    /// `uniform`, `log_uniform` or `normal` (truncated to `min`–`max`).
    pub prior: String,
    pub min: f64,
    pub max: f64,
    #[serde(default)]
    pub mean: Option<f64>,
    #[serde(default)]
    pub sd: Option<f64>,
    #[serde(default)]
    pub source: String,
}

/// Convoys that ran (or would run) on known dates, with trucks of their own.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ScheduledConvoySpec {
    pub corridor: Spanned<String>,
    /// Day the convoy leaves the corridor's origin.
    pub departs: Spanned<String>,
    pub trucks: Spanned<u32>,
    #[serde(default)]
    pub escorted: bool,
    /// Repeat every this many days...
    #[serde(default)]
    pub every_days: Option<Spanned<u32>>,
    /// ...until this date (inclusive).
    #[serde(default)]
    pub until: Option<Spanned<String>>,
    #[serde(default)]
    pub source: String,
}

/// A road segment (named by its two end places) closed from a date until repaired.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RoadCutSpec {
    #[serde(default)]
    pub name: String,
    pub between: Vec<Spanned<String>>,
    pub from: Spanned<String>,
    /// Days until it is passable again (default: not within the run).
    #[serde(default)]
    pub repaired_after_days: Option<Spanned<f64>>,
    #[serde(default)]
    pub source: String,
}

/// Aircraft flying a commodity into a depot.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct AirliftSpec {
    pub name: String,
    pub place: Spanned<String>,
    pub commodity: Spanned<String>,
    /// Load of one rotation, in the commodity's unit.
    pub payload: Spanned<f64>,
    pub rotations_per_day: Spanned<u32>,
    pub from: Spanned<String>,
    pub to: Spanned<String>,
    /// Chance that no aircraft flies on a given day.
    #[serde(default)]
    pub grounded_chance: Option<Spanned<f64>>,
    /// Chance that a rotation is lost with its load.
    #[serde(default)]
    pub loss_chance: Option<Spanned<f64>>,
    #[serde(default)]
    pub source: String,
}

/// Flee-rule displacement coupled to the supply run (see docs/displacement.md). Serialised
/// only to fingerprint it (what an ensemble's journal and MPI ranks compare).
#[derive(Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct DisplacementSpec {
    /// Share of a besieged place's population that leaves each day of the siege.
    pub siege_daily_flight_share: Spanned<f64>,
    /// A depot city whose unmet share of demand, averaged over `shortage_window_days`, passes
    /// this threshold makes people leave...
    pub shortage_threshold: Spanned<f64>,
    pub shortage_window_days: Spanned<u32>,
    /// ...at this share of its population per day...
    pub shortage_daily_flight_share: Spanned<f64>,
    /// ...and multiplies the chance that displaced people there move on.
    pub shortage_movechance_multiplier: Spanned<f64>,
    /// Populations for places whose table value is unknown (0).
    #[serde(default)]
    pub populations: BTreeMap<String, Spanned<u64>>,
    /// Places treated as camps besides those of kind `camp` (e.g. a registration post).
    #[serde(default)]
    pub camps: Vec<Spanned<String>>,
    pub camp_capacity: Spanned<u64>,
    /// Flee's move rules (Mali 2012 case values by default in the embedded scenario).
    pub max_move_km_per_day: Spanned<f64>,
    pub camp_weight: Spanned<f64>,
    pub foreign_weight: Spanned<f64>,
    pub conflict_weight: Spanned<f64>,
    pub default_movechance: Spanned<f64>,
    pub camp_movechance: Spanned<f64>,
    pub conflict_movechance: Spanned<f64>,
    /// A besieged place's people cannot leave on a day when every road out is cut or carries
    /// at least this hazard (attacks per convoy passage per 100 km); absent: no trapping.
    #[serde(default)]
    pub trap_hazard: Option<Spanned<f64>>,
    /// Road hazard at which a town draws displaced people as little as a conflict zone;
    /// absent: road threat does not steer flight.
    #[serde(default)]
    pub threat_reference_hazard: Option<Spanned<f64>>,
    /// People who travel together as one agent (a family-sized group); absent: 1. Larger groups
    /// make the run faster and its counts coarser (multiples of the group size).
    #[serde(default)]
    pub people_per_agent: Option<Spanned<u64>>,
    /// Keep displaced groups as counts by place instead of one by one: the same rules and the
    /// same distribution of every count, at a cost that no longer grows with the number of
    /// groups; refused where a camp could come near its capacity (see docs/displacement.md).
    /// Absent: false. Left out of the serialisation when absent, so that scenarios without it
    /// keep their identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count_by_place: Option<Spanned<bool>>,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub name: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub start_date: Spanned<String>,
    pub days: Spanned<u32>,
    pub seed: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// `embedded:mali` or a path (relative to the scenario file) of a places CSV.
    pub places: Spanned<String>,
    pub segments: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpeedsSpec {
    pub good: Spanned<f64>,
    pub fair: Spanned<f64>,
    pub bad: Spanned<f64>,
    pub track: Spanned<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrucksSpec {
    pub speed_km_per_day: SpeedsSpec,
    pub load_days: Spanned<f64>,
    pub unload_days: Spanned<f64>,
    pub border_delay_days: Spanned<f64>,
    pub border_extra_day_chance: Spanned<f64>,
    pub escorted_speed_factor: Spanned<f64>,
    /// Days until a truck lost in an attack is replaced (default: never).
    #[serde(default)]
    pub replacement_days: Option<Spanned<u32>>,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommoditySpec {
    pub name: Spanned<String>,
    pub unit: String,
    pub truck_capacity: Spanned<f64>,
    pub official_price: Spanned<f64>,
    /// Food energy per unit (kcal per tonne); set for a commodity that is eaten.
    #[serde(default)]
    pub kcal_per_unit: Option<Spanned<f64>>,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemandSpec {
    pub power: Spanned<f64>,
    pub transport: Spanned<f64>,
    pub agri_mining: Spanned<f64>,
    pub households_services: Spanned<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PowerSpec {
    pub normal_hours: Spanned<f64>,
    pub non_thermal_share: Spanned<f64>,
    /// The plants' own tanks in days of full-output burn (default in `build`).
    #[serde(default)]
    pub tank_days: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepotSpec {
    pub place: Spanned<String>,
    pub commodity: Spanned<String>,
    /// Daily demand per sector, in the commodity's unit.
    pub demand: DemandSpec,
    pub storage_capacity_days: Spanned<f64>,
    pub opening_cover_days: Spanned<f64>,
    pub target_cover_days: Spanned<f64>,
    #[serde(default)]
    pub power: Option<PowerSpec>,
    #[serde(default)]
    pub services: bool,
    /// People the depot serves; the households and services demand follows the people present
    /// when displacement runs in the loop, and food depots report kcal per person per day.
    #[serde(default)]
    pub population: Option<Spanned<f64>>,
    #[serde(default)]
    pub production: Option<ProductionSpec>,
    #[serde(default)]
    pub source: String,
}

/// Product grown around a depot's town and marketed into it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductionSpec {
    /// Marketed per day on average over the year, in the commodity's unit.
    pub per_day: Spanned<f64>,
    /// Twelve monthly multipliers, January to December (the harvest calendar); all 1 if absent.
    #[serde(default)]
    pub calendar: Option<Spanned<Vec<f64>>>,
    /// The fuel depot (a place) whose agriculture and mining sector runs the machinery.
    #[serde(default)]
    pub fuel_from: Option<Spanned<String>>,
    /// Share of production lost when that sector gets no fuel at all.
    #[serde(default)]
    pub fuel_dependence: Option<Spanned<f64>>,
    #[serde(default)]
    pub source: String,
}

/// A product made in the country and sent abroad by road (`[[export]]`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportSpec {
    pub name: Spanned<String>,
    pub unit: String,
    /// Where it is made.
    pub place: Spanned<String>,
    /// Where it leaves the country (an airport or a border post).
    pub to: Spanned<String>,
    /// Places the road out passes through, in order.
    #[serde(default)]
    pub via: Vec<Spanned<String>>,
    pub per_day: Spanned<f64>,
    /// The place whose fuel depot's agriculture-and-mining sector supplies the works.
    #[serde(default)]
    pub fuel_from: Option<Spanned<String>>,
    #[serde(default)]
    pub fuel_dependence: Option<Spanned<f64>>,
    /// Shipments wait while their chance of attack on the road out is at least this.
    pub hold_at_attack_chance: Spanned<f64>,
    /// Value of one unit, in FCFA.
    pub price_per_unit: Spanned<f64>,
    #[serde(default)]
    pub source: String,
}

/// A service beyond schools in a town (`[[service]]`): health centres, shops and markets.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceRuleSpec {
    pub name: Spanned<String>,
    pub place: Spanned<String>,
    /// What keeps it open: `transport_fuel`, `power`, `food` (the lowest ratio counts).
    pub needs: Vec<Spanned<String>>,
    pub window_days: Spanned<u32>,
    pub close_below: Spanned<f64>,
    pub reopen_above: Spanned<f64>,
    pub max_closure_days: Spanned<u32>,
    pub min_open_days: Spanned<u32>,
    #[serde(default)]
    pub source: String,
}

/// How kcal per person per day is read as a food-security phase.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FoodSecuritySpec {
    /// kcal per person per day at and above which phases 1–4 hold (decreasing).
    pub phase_floors_kcal: Spanned<Vec<f64>>,
    pub averaging_days: Spanned<f64>,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ConvoySpec {
    pub size: Spanned<u32>,
    pub max_wait_days: Spanned<f64>,
    pub escorted: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorridorSpec {
    pub name: Spanned<String>,
    pub commodity: Spanned<String>,
    pub origin: Spanned<String>,
    pub destination: Spanned<String>,
    /// Places the route must pass through, in order.
    #[serde(default)]
    pub via: Vec<Spanned<String>>,
    /// Where convoys form (a place on the route).
    #[serde(default)]
    pub marshalling: Option<Spanned<String>>,
    pub share: Spanned<f64>,
    pub fleet: Spanned<u32>,
    pub convoy: ConvoySpec,
    #[serde(default)]
    pub origin_daily_limit: Option<Spanned<f64>>,
    #[serde(default)]
    pub opens: Option<Spanned<String>>,
    /// Date from which the convoy policy applies (default: the start).
    #[serde(default)]
    pub convoys_from: Option<Spanned<String>>,
    /// Last day of the convoy policy (inclusive; default: it never ends).
    #[serde(default)]
    pub convoys_to: Option<Spanned<String>>,
    /// Last day the corridor takes orders (inclusive; default: it stays open), e.g. a ban.
    #[serde(default)]
    pub closes: Option<Spanned<String>>,
    /// Onward distribution: the origin is a depot of the same commodity, and loads are drawn
    /// from its stock (shared with its own customers in proportion to demand).
    #[serde(default)]
    pub onward: bool,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RationingSpec {
    pub trigger_cover_days: Spanned<f64>,
    pub stretch_days: Spanned<f64>,
    /// Largest daily move of the rationing level (default in `build`).
    #[serde(default)]
    pub adjust_per_day: Option<Spanned<f64>>,
    /// Gap between aim and level below which the level stays put (default in `build`).
    #[serde(default)]
    pub dead_band: Option<Spanned<f64>>,
    pub priority: Vec<Spanned<String>>,
    /// First day the priority order applies (default: the start).
    #[serde(default)]
    pub priority_from: Option<Spanned<String>>,
    /// Last day it applies (inclusive; default: no end).
    #[serde(default)]
    pub priority_to: Option<Spanned<String>>,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PricesSpec {
    pub reference_cover_days: Spanned<f64>,
    pub cap_multiple: Spanned<f64>,
    pub exponent: Spanned<f64>,
    pub demand_elasticity: Spanned<f64>,
    pub food_transport_share: Spanned<f64>,
    /// Half-life of the informal price's adjustment (default in `build`).
    #[serde(default)]
    pub adjustment_half_life_days: Option<Spanned<f64>>,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServicesSpec {
    pub window_days: Spanned<u32>,
    pub close_below: Spanned<f64>,
    pub reopen_above: Spanned<f64>,
    pub max_closure_days: Spanned<u32>,
    pub min_open_days: Spanned<u32>,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WillingnessSpec {
    pub drop_per_attack: Spanned<f64>,
    pub drop_per_kidnapping: Spanned<f64>,
    pub recovery_half_life_days: Spanned<f64>,
    pub floor: Spanned<f64>,
    /// Willingness lost when an incident is reported within the kernel range of a corridor.
    pub drop_per_reported_incident: Spanned<f64>,
    /// An abduction of drivers weighs this many ordinary incidents.
    pub abduction_severity: Spanned<f64>,
    /// Half-life of the recovery on days the corridor's road is safe (default: the same as
    /// `recovery_half_life_days`).
    #[serde(default)]
    pub safe_recovery_half_life_days: Option<Spanned<f64>>,
    /// A road is safe when a truck's chance of attack over the whole trip is below this
    /// (default 0.01).
    #[serde(default)]
    pub safe_trip_attack_chance: Option<Spanned<f64>>,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscortsSpec {
    pub units: Spanned<u32>,
    pub turnaround_days: Spanned<f64>,
    pub max_wait_for_escort_days: Spanned<f64>,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ReserveSpec {
    pub place: Spanned<String>,
    pub commodity: Spanned<String>,
    pub volume: Spanned<f64>,
    pub release_below_cover_days: Spanned<f64>,
    pub release_per_day: Spanned<f64>,
    /// First day the reserve may be drawn (default: the start).
    #[serde(default)]
    pub from: Option<Spanned<String>>,
    /// Last day it may be drawn (inclusive; default: no end).
    #[serde(default)]
    pub to: Option<Spanned<String>>,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LossSpec {
    pub max_share: Spanned<f64>,
    pub shape: Spanned<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttacksSpec {
    pub escort_hazard_factor: Spanned<f64>,
    pub reference_size: Spanned<f64>,
    pub size_exponent: Spanned<f64>,
    pub loss_unescorted: LossSpec,
    pub loss_escorted: LossSpec,
    pub kidnap_chance: Spanned<f64>,
    pub kidnap_max: Spanned<u32>,
    pub killed_per_truck_lost: Spanned<f64>,
    pub turn_back_chance: Spanned<f64>,
    pub wait_chance: Spanned<f64>,
    pub wait_days: Spanned<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KernelSpec {
    pub range_km: Spanned<f64>,
    pub decay_days: Spanned<f64>,
    pub scale: Spanned<f64>,
    pub fatality_weight: Spanned<f64>,
    /// Weight per ACLED `event_type`, matched in any case (types not listed weigh nothing).
    pub event_weights: BTreeMap<String, Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreatSpec {
    /// Conflict events in ACLED's CSV export format: `embedded:NAME` or a path.
    #[serde(default)]
    pub events: Option<Spanned<String>>,
    /// Multiplies all hazard (declared and from events): the calibrated overall level.
    pub hazard_scale: Spanned<f64>,
    pub kernel: KernelSpec,
    pub attacks: AttacksSpec,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaSpec {
    pub place: Spanned<String>,
    pub radius_km: Spanned<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockadeSpec {
    pub name: String,
    /// Places along the blockaded axis (fastest road between consecutive ones).
    #[serde(default)]
    pub axis: Vec<Spanned<String>>,
    /// Or the road within a radius of a place (each segment for the share of its length inside).
    #[serde(default)]
    pub area: Option<AreaSpec>,
    /// Limits the declaration to roads in these countries (two-letter codes as in the places
    /// table); empty: no limit.
    #[serde(default)]
    pub countries: Vec<Spanned<String>>,
    pub from: Spanned<String>,
    pub to: Spanned<String>,
    /// λ added: attacks per convoy passage per 100 km.
    pub intensity: Spanned<f64>,
    /// A siege: the places of the area (or axis) are besieged, and people flee them.
    #[serde(default)]
    pub siege: bool,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseSpec {
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: String,
    /// Convoy policy for the corridors in `corridors` (all when empty).
    #[serde(default)]
    pub convoy: Option<ConvoySpec>,
    #[serde(default)]
    pub corridors: Vec<Spanned<String>>,
    /// Date from which the response's convoy policy applies (default: the start).
    #[serde(default)]
    pub convoys_from: Option<Spanned<String>>,
    /// Last day of the response's convoy policy (inclusive; default: it never ends).
    #[serde(default)]
    pub convoys_to: Option<Spanned<String>>,
    #[serde(default)]
    pub escort_units: Option<Spanned<u32>>,
    /// New import shares by corridor name (others keep theirs).
    #[serde(default)]
    pub shares: BTreeMap<String, Spanned<f64>>,
    /// New fleet sizes by corridor name.
    #[serde(default)]
    pub fleet: BTreeMap<String, Spanned<u32>>,
    /// New opening dates by corridor name.
    #[serde(default)]
    pub opens: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    pub rationing_priority: Option<Vec<Spanned<String>>>,
    #[serde(default, rename = "reserve")]
    pub reserves: Vec<ReserveSpec>,
    /// Convoys the response adds on known dates.
    #[serde(default, rename = "scheduled_convoy")]
    pub scheduled_convoys: Vec<ScheduledConvoySpec>,
}
