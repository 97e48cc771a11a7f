//! Every value of a scenario checked against its allowed range, once, when the file is parsed:
//! numbers (finite, within bounds that keep sizes allocatable and products finite), whole
//! numbers, dates, the names of places, commodities and corridors (with "did you mean"), and the
//! corridors' shares per depot, for the scenario and for each of its responses. All problems
//! are reported together, each with its line, field, allowed range and the value found.
//! After this pass, a build may rely on these ranges.

use crate::error::{ScenarioError, SourceText};
use crate::spec::{
    AirliftSpec, CalibrationSpec, ConvoySpec, CorridorSpec, DepotSpec, DisplacementSpec,
    ParameterSpec, ReserveSpec, ResponseSpec, RoadCutSpec, ScenarioFile, ScheduledConvoySpec,
    TargetSpec, ValidationSpec,
};
use chrono::{Datelike, NaiveDate};
use lifeline_io::network_csv::{MAX_POPULATION, NetworkTables};
use lifeline_io::suggest;
use lifeline_io::text::readable_number as number;
use lifeline_model::params::Sector;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::{Range, RangeInclusive};
use toml::Spanned;

/// The largest group one displacement agent may stand for (`displacement.people_per_agent`):
/// beyond it a town's flight would come in lumps too large for the daily counts to mean much.
pub const MAX_PEOPLE_PER_AGENT: u64 = 1_000;

/// The longest run, in days (ten years): bounds every duration and the size of every daily
/// table.
pub const MAX_DAYS: u32 = 3650;

/// Years a date may fall in.
pub const YEARS: RangeInclusive<i32> = 1900..=2200;

/// Trucks in one corridor's fleet.
pub const MAX_FLEET: u32 = 100_000;

/// Trucks in one convoy, escort units: sizes of per-unit tables in a run.
pub const MAX_UNITS: u32 = 10_000;

/// How far a depot's corridors' shares may sum away from 1.
pub const SHARE_TOLERANCE: f64 = 0.001;

/// Aircraft rotations a day of one airlift.
pub const MAX_ROTATIONS_PER_DAY: u32 = 1_000;

/// The metrics a `[[calibration.target]]` or `[[validation.target]]` may name (measured by
/// `lifeline-analysis`).
pub const TARGET_METRICS: [&str; 10] = [
    "cover_days",
    "shortage_m3",
    "price_multiple",
    "power_hours",
    "services_closed",
    "delivered_by_road",
    "trucks_lost",
    "trucks_arrived",
    "willingness",
    "attack_loss_share",
];

/// The metrics of a depot (a target names its `place`); the others are of a corridor.
pub const DEPOT_METRICS: [&str; 6] = [
    "cover_days",
    "shortage_m3",
    "price_multiple",
    "power_hours",
    "services_closed",
    "delivered_by_road",
];

/// The corridor metrics that may also be summed over every corridor (no `corridor` named).
pub const ALL_CORRIDOR_METRICS: [&str; 3] = ["trucks_lost", "trucks_arrived", "attack_loss_share"];

/// The aggregations a `[[calibration.target]]` or `[[validation.target]]` may name.
pub const TARGET_AGGREGATIONS: [&str; 8] = [
    "mean",
    "max",
    "min",
    "sum",
    "first_date_below",
    "first_date_above",
    "days_below",
    "days_above",
];

/// The aggregations that compare each day with a `threshold`.
pub fn needs_threshold(aggregation: &str) -> bool {
    aggregation.starts_with("first_date_") || aggregation.starts_with("days_")
}

/// The priors a `[[calibration.parameter]]` may name.
pub const PRIORS: [&str; 3] = ["uniform", "log_uniform", "normal"];

/// An allowed interval for a real number; the upper bound is always included.
#[derive(Clone, Copy, Debug)]
struct Allowed {
    min: f64,
    /// Whether `min` itself is excluded (a positive quantity).
    min_excluded: bool,
    max: f64,
    unit: &'static str,
}

impl Allowed {
    const fn closed(min: f64, max: f64, unit: &'static str) -> Allowed {
        Allowed {
            min,
            min_excluded: false,
            max,
            unit,
        }
    }

    const fn positive(max: f64, unit: &'static str) -> Allowed {
        Allowed {
            min: 0.0,
            min_excluded: true,
            max,
            unit,
        }
    }

    fn contains(self, x: f64) -> bool {
        let above = if self.min_excluded {
            x > self.min
        } else {
            x >= self.min
        };
        above && x <= self.max
    }
}

impl fmt::Display for Allowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let open = if self.min_excluded { '(' } else { '[' };
        write!(f, "{open}{}, {}]", number(self.min), number(self.max))?;
        if !self.unit.is_empty() {
            write!(f, " {}", self.unit)?;
        }
        Ok(())
    }
}

const MAX_DAYS_F: f64 = MAX_DAYS as f64;
const PROBABILITY: Allowed = Allowed::closed(0.0, 1.0, "");
const POSITIVE_FRACTION: Allowed = Allowed::positive(1.0, "");
const DAYS: Allowed = Allowed::closed(0.0, MAX_DAYS_F, "days");
const POSITIVE_DAYS: Allowed = Allowed::positive(MAX_DAYS_F, "days");
const SPEED: Allowed = Allowed::positive(2000.0, "km/day");
/// Trucks slower than a km a day are a slip in units; they would take years to drive a road.
const TRUCK_SPEED: Allowed = Allowed::closed(1.0, 2000.0, "km/day");
/// An escort that slows a convoy to a hundredth of its pace is a slip, not a policy.
const ESCORTED_SPEED_FACTOR: Allowed = Allowed::closed(0.01, 1.0, "");
const DISTANCE: Allowed = Allowed::positive(20_000.0, "km");
const DAILY_VOLUME: Allowed = Allowed::closed(0.0, 1e9, "units/day");
const POSITIVE_DAILY_VOLUME: Allowed = Allowed::positive(1e9, "units/day");
const VOLUME: Allowed = Allowed::closed(0.0, 1e12, "units");
const TRUCK_CAPACITY: Allowed = Allowed::positive(1000.0, "units");
const PRICE: Allowed = Allowed::positive(1e9, "per unit");
const HOURS: Allowed = Allowed::closed(0.0, 24.0, "hours");
const PRICE_MULTIPLE: Allowed = Allowed::closed(1.0, 1000.0, "× official price");
const EXPONENT: Allowed = Allowed::positive(100.0, "");
const KCAL_PER_UNIT: Allowed = Allowed::positive(1e10, "kcal per unit");
const KCAL_PER_DAY: Allowed = Allowed::positive(10_000.0, "kcal per person per day");
const POPULATION: Allowed = Allowed::closed(0.0, 1e10, "people");
const MONTH_FACTOR: Allowed = Allowed::closed(0.0, 100.0, "× the year's mean");
const POSITIVE_HAZARD: Allowed = Allowed::positive(1000.0, "attacks per passage per 100 km");
const ELASTICITY: Allowed = Allowed::closed(0.0, 100.0, "");
const SIZE_EXPONENT: Allowed = Allowed::closed(0.0, 10.0, "");
const WEIGHT: Allowed = Allowed::closed(0.0, 1000.0, "");
const POSITIVE_WEIGHT: Allowed = Allowed::positive(1000.0, "");
const HAZARD: Allowed = Allowed::closed(0.0, 1000.0, "attacks per passage per 100 km");
const TRUCKS: Allowed = Allowed::positive(MAX_UNITS as f64, "trucks");
const PEOPLE_PER_TRUCK: Allowed = Allowed::closed(0.0, 100.0, "people per truck");
const PAYLOAD: Allowed = Allowed::closed(0.0, 1e6, "units per rotation");
/// A measured quantity of a calibration target (days, m³, trucks, hours, prices, shares): never
/// negative, and bounded so that squared distances stay finite.
const MEASURE: Allowed = Allowed::closed(0.0, 1e12, "");
const POSITIVE_MEASURE: Allowed = Allowed::positive(1e12, "");
/// A calibrated parameter's prior bounds: the parameters are rates, shares and days, never
/// negative.
const PRIOR_BOUND: Allowed = Allowed::closed(0.0, 1e6, "");

/// Checks a parsed scenario against its network; every problem found is reported.
pub fn scenario(
    src: &SourceText,
    spec: &ScenarioFile,
    tables: &NetworkTables,
) -> Result<(), ScenarioError> {
    let places: Vec<&str> = tables.places.iter().map(|p| p.name.as_str()).collect();
    let commodities: Vec<&str> = spec
        .commodities
        .iter()
        .map(|c| c.name.get_ref().as_str())
        .collect();
    let corridors: Vec<&str> = spec
        .corridors
        .iter()
        .map(|c| c.name.get_ref().as_str())
        .collect();
    let depots: Vec<(&str, &str)> = spec
        .depots
        .iter()
        .map(|d| (d.place.get_ref().as_str(), d.commodity.get_ref().as_str()))
        .collect();
    let mut checks = Checks {
        src,
        places,
        commodities,
        corridors,
        depots,
        tables,
        start: parse_date(spec.scenario.start_date.get_ref()).ok(),
        problems: Vec::new(),
    };
    checks.header(spec);
    checks.trucks(spec);
    checks.commodities(spec);
    for depot in &spec.depots {
        checks.depot(depot);
    }
    for corridor in &spec.corridors {
        checks.corridor(corridor);
    }
    for sc in &spec.scheduled_convoys {
        checks.scheduled_convoy(sc, "scheduled_convoy");
    }
    for cut in &spec.road_cuts {
        checks.road_cut(cut);
    }
    for airlift in &spec.airlifts {
        checks.airlift(airlift);
    }
    checks.economy(spec);
    for reserve in &spec.reserves {
        checks.reserve(reserve, "reserve");
    }
    checks.threat(spec);
    checks.blockades(spec);
    for response in &spec.responses {
        checks.response(response);
    }
    if let Some(d) = &spec.displacement {
        checks.displacement(d);
    }
    checks.consequences(spec);
    if let Some(c) = &spec.calibration {
        checks.calibration(c);
    }
    if let Some(v) = &spec.validation {
        checks.validation(v);
    }
    checks.target_names(spec);
    checks.shares(spec);
    ScenarioError::all(checks.problems)
}

/// Checks the number of days a run is asked for outside the file (`--days`).
pub fn run_days(days: u32) -> Result<u32, ScenarioError> {
    if (1..=MAX_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(ScenarioError::Override {
            option: "days".to_string(),
            message: format!("expected 1 to {MAX_DAYS} days, found {days}"),
        })
    }
}

/// A date as `YYYY-MM-DD` within [`YEARS`], or what is wrong with it.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("expected a date as YYYY-MM-DD, found `{text}`"))?;
    if YEARS.contains(&date.year()) {
        Ok(date)
    } else {
        Err(format!(
            "expected a date in the years {}–{}, found `{text}`",
            YEARS.start(),
            YEARS.end()
        ))
    }
}

struct Checks<'a> {
    src: &'a SourceText<'a>,
    places: Vec<&'a str>,
    commodities: Vec<&'a str>,
    corridors: Vec<&'a str>,
    /// (place, commodity) of each depot.
    depots: Vec<(&'a str, &'a str)>,
    tables: &'a NetworkTables,
    /// The scenario's first day, when it is a valid date.
    start: Option<NaiveDate>,
    problems: Vec<ScenarioError>,
}

impl Checks<'_> {
    fn problem(&mut self, span: Range<usize>, field: &str, message: impl Into<String>) {
        self.problems.push(self.src.error(span, field, message));
    }

    fn real(&mut self, v: &Spanned<f64>, field: &str, allowed: Allowed) {
        let x = *v.get_ref();
        if !allowed.contains(x) {
            self.problem(
                v.span(),
                field,
                format!("expected a number in {allowed}, found {}", number(x)),
            );
        }
    }

    fn whole<T: Copy + Into<u64>>(
        &mut self,
        v: &Spanned<T>,
        field: &str,
        allowed: RangeInclusive<u64>,
        unit: &str,
    ) {
        let n: u64 = (*v.get_ref()).into();
        if !allowed.contains(&n) {
            self.problem(
                v.span(),
                field,
                format!(
                    "expected a whole number in [{}, {}] {unit}, found {n}",
                    allowed.start(),
                    allowed.end()
                ),
            );
        }
    }

    fn date(&mut self, v: &Spanned<String>, field: &str) -> Option<NaiveDate> {
        match parse_date(v.get_ref()) {
            Ok(d) => Some(d),
            Err(message) => {
                self.problem(v.span(), field, message);
                None
            }
        }
    }

    fn optional_date(&mut self, v: &Option<Spanned<String>>, field: &str) -> Option<NaiveDate> {
        v.as_ref().and_then(|v| self.date(v, field))
    }

    /// A date window `[from, to]` (either end optional): both dates valid and `to` not before
    /// `from`.
    fn window(
        &mut self,
        from: &Option<Spanned<String>>,
        to: &Option<Spanned<String>>,
        table: &str,
        (from_key, to_key): (&str, &str),
    ) {
        let first = self.optional_date(from, &format!("{table}.{from_key}"));
        let last = self.optional_date(to, &format!("{table}.{to_key}"));
        if let (Some(first), Some(last), Some(to)) = (first, last, to)
            && last < first
        {
            self.problem(
                to.span(),
                &format!("{table}.{to_key}"),
                format!(
                    "`{to_key}` ({last}) is before `{from_key}` ({first}); expected a date on or \
                     after {first}"
                ),
            );
        }
    }

    /// A text that must be one of `allowed`.
    fn one_of(&mut self, span: Range<usize>, field: &str, text: &str, allowed: &[&str]) {
        if !allowed.contains(&text) {
            let hint = suggest::hint(text, allowed.iter().copied());
            self.problem(
                span,
                field,
                format!(
                    "unknown value `{text}`{hint}; expected one of {}",
                    allowed.join(", ")
                ),
            );
        }
    }

    /// A number of a table whose own span is not kept (the table's span locates it).
    fn real_in(&mut self, x: f64, span: Range<usize>, field: &str, allowed: Allowed) {
        if !allowed.contains(x) {
            self.problem(
                span,
                field,
                format!("expected a number in {allowed}, found {}", number(x)),
            );
        }
    }

    /// A name that must be one of the known names of its kind.
    fn known(&mut self, v: &Spanned<String>, field: &str, kind: Kind) {
        let name = v.get_ref();
        let known = match kind {
            Kind::Place => &self.places,
            Kind::Commodity => &self.commodities,
            Kind::Corridor => &self.corridors,
        };
        if known.contains(&name.as_str()) {
            return;
        }
        let hint = suggest::hint(name, known.iter().copied());
        let message = format!("unknown {} `{name}` ({}){hint}", kind.noun(), kind.source());
        self.problem(v.span(), field, message);
    }

    fn header(&mut self, spec: &ScenarioFile) {
        let h = &spec.scenario;
        self.date(&h.start_date, "scenario.start_date");
        self.whole(&h.days, "scenario.days", 1..=u64::from(MAX_DAYS), "days");
    }

    fn trucks(&mut self, spec: &ScenarioFile) {
        let t = &spec.trucks;
        let s = &t.speed_km_per_day;
        self.real(&s.good, "trucks.speed_km_per_day.good", TRUCK_SPEED);
        self.real(&s.fair, "trucks.speed_km_per_day.fair", TRUCK_SPEED);
        self.real(&s.bad, "trucks.speed_km_per_day.bad", TRUCK_SPEED);
        self.real(&s.track, "trucks.speed_km_per_day.track", TRUCK_SPEED);
        self.real(&t.load_days, "trucks.load_days", DAYS);
        self.real(&t.unload_days, "trucks.unload_days", DAYS);
        self.real(&t.border_delay_days, "trucks.border_delay_days", DAYS);
        self.real(
            &t.border_extra_day_chance,
            "trucks.border_extra_day_chance",
            PROBABILITY,
        );
        self.real(
            &t.escorted_speed_factor,
            "trucks.escorted_speed_factor",
            ESCORTED_SPEED_FACTOR,
        );
        if let Some(d) = &t.replacement_days {
            self.whole(
                d,
                "trucks.replacement_days",
                1..=u64::from(MAX_DAYS),
                "days",
            );
        }
    }

    fn commodities(&mut self, spec: &ScenarioFile) {
        for c in &spec.commodities {
            self.real(
                &c.truck_capacity,
                "commodity.truck_capacity",
                TRUCK_CAPACITY,
            );
            self.real(&c.official_price, "commodity.official_price", PRICE);
        }
    }

    fn depot(&mut self, d: &DepotSpec) {
        self.known(&d.place, "depot.place", Kind::Place);
        self.known(&d.commodity, "depot.commodity", Kind::Commodity);
        let demand = [
            (&d.demand.power, "depot.demand.power"),
            (&d.demand.transport, "depot.demand.transport"),
            (&d.demand.agri_mining, "depot.demand.agri_mining"),
            (
                &d.demand.households_services,
                "depot.demand.households_services",
            ),
        ];
        for (v, field) in demand {
            self.real(v, field, DAILY_VOLUME);
        }
        let total: f64 = demand.iter().map(|(v, _)| *v.get_ref()).sum();
        if total == 0.0 {
            self.problem(
                d.place.span(),
                "depot.demand",
                format!(
                    "the depot at `{}` has no demand (every sector is 0): a depot with nothing to \
                     supply has no cover, shortage or price to report; give it a demand or \
                     remove it",
                    d.place.get_ref()
                ),
            );
        }
        self.real(
            &d.storage_capacity_days,
            "depot.storage_capacity_days",
            POSITIVE_DAYS,
        );
        self.real(&d.opening_cover_days, "depot.opening_cover_days", DAYS);
        let (opening, capacity) = (
            *d.opening_cover_days.get_ref(),
            *d.storage_capacity_days.get_ref(),
        );
        if opening > capacity && DAYS.contains(opening) && POSITIVE_DAYS.contains(capacity) {
            self.problem(
                d.opening_cover_days.span(),
                "depot.opening_cover_days",
                format!(
                    "the opening stock ({}) exceeds the storage capacity ({} days); expected a \
                     number in [0, {}] days",
                    number(opening),
                    number(capacity),
                    number(capacity)
                ),
            );
        }
        self.real(&d.target_cover_days, "depot.target_cover_days", DAYS);
        if let Some(p) = &d.power {
            self.real(&p.normal_hours, "depot.power.normal_hours", HOURS);
            self.real(
                &p.non_thermal_share,
                "depot.power.non_thermal_share",
                PROBABILITY,
            );
            if let Some(t) = &p.tank_days {
                self.real(t, "depot.power.tank_days", DAYS);
            }
        }
    }

    fn convoy(&mut self, c: &ConvoySpec, table: &str) {
        self.whole(
            &c.size,
            &format!("{table}.convoy.size"),
            1..=u64::from(MAX_UNITS),
            "trucks",
        );
        self.real(
            &c.max_wait_days,
            &format!("{table}.convoy.max_wait_days"),
            DAYS,
        );
    }

    fn corridor(&mut self, c: &CorridorSpec) {
        self.known(&c.commodity, "corridor.commodity", Kind::Commodity);
        self.known(&c.origin, "corridor.origin", Kind::Place);
        self.known(&c.destination, "corridor.destination", Kind::Place);
        for v in &c.via {
            self.known(v, "corridor.via", Kind::Place);
        }
        if let Some(m) = &c.marshalling {
            self.known(m, "corridor.marshalling", Kind::Place);
        }
        self.real(&c.share, "corridor.share", PROBABILITY);
        self.whole(
            &c.fleet,
            "corridor.fleet",
            0..=u64::from(MAX_FLEET),
            "trucks",
        );
        self.convoy(&c.convoy, "corridor");
        if let Some(limit) = &c.origin_daily_limit {
            self.real(limit, "corridor.origin_daily_limit", DAILY_VOLUME);
        }
        if let Some(d) = &c.opens {
            self.date(d, "corridor.opens");
        }
        self.window(
            &c.convoys_from,
            &c.convoys_to,
            "corridor",
            ("convoys_from", "convoys_to"),
        );
        self.window(&c.opens, &c.closes, "corridor", ("opens", "closes"));
        if c.onward {
            let (origin, commodity) = (c.origin.get_ref(), c.commodity.get_ref());
            let known = self.places.contains(&origin.as_str())
                && self.commodities.contains(&commodity.as_str());
            if known && !self.depots.contains(&(origin.as_str(), commodity.as_str())) {
                self.problem(
                    c.origin.span(),
                    "corridor.onward",
                    format!(
                        "an onward corridor draws from a depot at its origin, and `{origin}` has \
                         no depot for `{commodity}`; add a [[depot]] there or remove \
                         `onward = true`"
                    ),
                );
            }
        }
    }

    /// A convoy on known dates (of the scenario or of a response).
    fn scheduled_convoy(&mut self, sc: &ScheduledConvoySpec, table: &str) {
        self.known(&sc.corridor, &format!("{table}.corridor"), Kind::Corridor);
        self.whole(
            &sc.trucks,
            &format!("{table}.trucks"),
            1..=u64::from(MAX_UNITS),
            "trucks",
        );
        let departs = self.date(&sc.departs, &format!("{table}.departs"));
        if let Some(every) = &sc.every_days {
            self.whole(
                every,
                &format!("{table}.every_days"),
                1..=u64::from(MAX_DAYS),
                "days",
            );
        }
        let until = self.optional_date(&sc.until, &format!("{table}.until"));
        match (&sc.every_days, &sc.until) {
            (Some(every), None) => self.problem(
                every.span(),
                &format!("{table}.every_days"),
                "a repeating convoy needs `until` (the last date) as well",
            ),
            (None, Some(until)) => self.problem(
                until.span(),
                &format!("{table}.until"),
                "`until` needs `every_days` (the days between convoys) as well",
            ),
            _ => {}
        }
        if let (Some(first), Some(last), Some(span)) = (departs, until, &sc.until)
            && last < first
        {
            self.problem(
                span.span(),
                &format!("{table}.until"),
                format!(
                    "the repeats end ({last}) before the first convoy leaves ({first}); expected \
                     a date on or after {first}"
                ),
            );
        }
    }

    fn road_cut(&mut self, rc: &RoadCutSpec) {
        for p in &rc.between {
            self.known(p, "road_cut.between", Kind::Place);
        }
        match rc.between.as_slice() {
            [a, b] => {
                let id = |name: &str| self.tables.places.iter().position(|p| p.name == name);
                if let (Some(ia), Some(ib)) = (id(a.get_ref()), id(b.get_ref())) {
                    let joined = self.tables.segments.iter().any(|s| {
                        let (sa, sb) = (s.a.index(), s.b.index());
                        (sa, sb) == (ia, ib) || (sa, sb) == (ib, ia)
                    });
                    if !joined {
                        self.problem(
                            a.span(),
                            "road_cut.between",
                            format!(
                                "no road segment joins `{}` and `{}` directly; name the two ends \
                                 of one segment of the segments table",
                                a.get_ref(),
                                b.get_ref()
                            ),
                        );
                    }
                }
            }
            other => self.problem(
                rc.from.span(),
                "road_cut.between",
                format!(
                    "expected the two places at the ends of the cut road, found {} name(s)",
                    other.len()
                ),
            ),
        }
        self.date(&rc.from, "road_cut.from");
        if let Some(d) = &rc.repaired_after_days {
            self.real(d, "road_cut.repaired_after_days", POSITIVE_DAYS);
        }
    }

    fn airlift(&mut self, a: &AirliftSpec) {
        self.known(&a.place, "airlift.place", Kind::Place);
        self.known(&a.commodity, "airlift.commodity", Kind::Commodity);
        let (place, commodity) = (a.place.get_ref().as_str(), a.commodity.get_ref().as_str());
        let known = self.places.contains(&place) && self.commodities.contains(&commodity);
        if known && !self.depots.contains(&(place, commodity)) {
            self.problem(
                a.place.span(),
                "airlift.place",
                format!(
                    "no depot of `{commodity}` at `{place}`: an airlift flies into a depot of the \
                     same commodity"
                ),
            );
        }
        self.real(&a.payload, "airlift.payload", PAYLOAD);
        self.whole(
            &a.rotations_per_day,
            "airlift.rotations_per_day",
            0..=u64::from(MAX_ROTATIONS_PER_DAY),
            "rotations a day",
        );
        self.window(
            &Some(a.from.clone()),
            &Some(a.to.clone()),
            "airlift",
            ("from", "to"),
        );
        if let Some(v) = &a.grounded_chance {
            self.real(v, "airlift.grounded_chance", PROBABILITY);
        }
        if let Some(v) = &a.loss_chance {
            self.real(v, "airlift.loss_chance", PROBABILITY);
        }
    }

    /// `[[calibration.target]]` and `[[calibration.parameter]]`: located at their table.
    fn calibration(&mut self, c: &CalibrationSpec) {
        for t in &c.targets {
            self.target(t.get_ref(), t.span(), "calibration.target");
        }
        for p in &c.parameters {
            self.parameter(p.get_ref(), p.span());
        }
    }

    /// `[[validation.target]]`: the checks of a calibration target, under its own table name.
    fn validation(&mut self, v: &ValidationSpec) {
        for t in &v.targets {
            self.target(t.get_ref(), t.span(), "validation.target");
        }
    }

    /// Target names label the rows of `fit.csv` and `validate.csv` (and the report's tables): a
    /// name used twice, in either table, would make two rows indistinguishable.
    fn target_names(&mut self, spec: &ScenarioFile) {
        let calibration = spec.calibration.iter().flat_map(|c| &c.targets);
        let calibration = calibration.map(|t| ("calibration.target", t));
        let validation = spec.validation.iter().flat_map(|v| &v.targets);
        let validation = validation.map(|t| ("validation.target", t));
        let mut seen: Vec<(&str, &str)> = Vec::new();
        for (table, t) in calibration.chain(validation) {
            let name = t.get_ref().name.as_str();
            if let Some((first, _)) = seen.iter().find(|(_, n)| *n == name) {
                self.problem(
                    t.span(),
                    &format!("{table}.name"),
                    format!(
                        "target name `{name}` is already used by a [[{first}]]; expected a \
                         name of its own (rename one of them)"
                    ),
                );
            } else {
                seen.push((table, name));
            }
        }
    }

    fn target(&mut self, t: &TargetSpec, span: Range<usize>, table: &str) {
        let field = |key: &str| format!("{table}.{key}");
        self.one_of(span.clone(), &field("metric"), &t.metric, &TARGET_METRICS);
        self.one_of(
            span.clone(),
            &field("aggregation"),
            &t.aggregation,
            &TARGET_AGGREGATIONS,
        );
        self.target_subject(t, span.clone(), table);
        if let Some(place) = &t.place
            && !self.depots.iter().any(|(p, _)| p == place)
        {
            let hint = suggest::hint(place, self.depots.iter().map(|(p, _)| *p));
            self.problem(
                span.clone(),
                &field("place"),
                format!("no depot at `{place}` (target `{}`){hint}", t.name),
            );
        }
        if let Some(corridor) = &t.corridor
            && !self.corridors.contains(&corridor.as_str())
        {
            let hint = suggest::hint(corridor, self.corridors.iter().copied());
            self.problem(
                span.clone(),
                &field("corridor"),
                format!("unknown corridor `{corridor}` (target `{}`){hint}", t.name),
            );
        }
        let dates: Vec<Option<NaiveDate>> = [("from", &t.from), ("to", &t.to)]
            .into_iter()
            .map(|(key, text)| {
                let text = text.as_ref()?;
                match parse_date(text) {
                    // A target measures the run: its window cannot start before it.
                    Ok(d) if self.start.is_some_and(|start| d < start) => {
                        let start = self.start.unwrap_or(d);
                        self.problem(
                            span.clone(),
                            &field(key),
                            format!(
                                "`{key}` ({d}) is before the scenario starts ({start}); expected \
                                 a date on or after {start}"
                            ),
                        );
                        None
                    }
                    Ok(d) => Some(d),
                    Err(message) => {
                        self.problem(span.clone(), &field(key), message);
                        None
                    }
                }
            })
            .collect();
        if let [Some(first), Some(last)] = dates[..]
            && last < first
        {
            self.problem(
                span.clone(),
                &field("to"),
                format!(
                    "`to` ({last}) is before `from` ({first}) in target `{}`; expected a date on \
                     or after {first}",
                    t.name
                ),
            );
        }
        if let Some(x) = t.threshold {
            self.real_in(x, span.clone(), &field("threshold"), MEASURE);
        }
        if needs_threshold(&t.aggregation) && t.threshold.is_none() {
            self.problem(
                span.clone(),
                &field("threshold"),
                format!("`{}` needs a `threshold`", t.aggregation),
            );
        }
        if let Some(n) = t.min_convoy_trucks
            && n > MAX_UNITS
        {
            self.problem(
                span.clone(),
                &field("min_convoy_trucks"),
                format!("expected a whole number in [0, {MAX_UNITS}] trucks, found {n}"),
            );
        }
        match (t.observed, t.range.as_deref()) {
            (Some(x), None) => self.real_in(x, span.clone(), &field("observed"), MEASURE),
            (None, Some([low, high])) => {
                self.real_in(*low, span.clone(), &field("range"), MEASURE);
                self.real_in(*high, span.clone(), &field("range"), MEASURE);
                if low > high {
                    self.problem(
                        span.clone(),
                        &field("range"),
                        format!(
                            "expected [low, high] with low ≤ high, found [{}, {}]",
                            number(*low),
                            number(*high)
                        ),
                    );
                }
            }
            (None, Some(other)) => self.problem(
                span.clone(),
                &field("range"),
                format!(
                    "expected [low, high] (two numbers), found {} number(s)",
                    other.len()
                ),
            ),
            _ => self.problem(
                span.clone(),
                &field("observed"),
                format!(
                    "give exactly one of `observed` and `range` (target `{}`)",
                    t.name
                ),
            ),
        }
        self.real_in(t.uncertainty, span, &field("uncertainty"), POSITIVE_MEASURE);
    }

    /// A depot metric names a `place` and no corridor; a corridor metric names no place, and a
    /// `corridor` unless it may be summed over all of them.
    fn target_subject(&mut self, t: &TargetSpec, span: Range<usize>, table: &str) {
        if !TARGET_METRICS.contains(&t.metric.as_str()) {
            return; // reported as an unknown metric
        }
        let of_depot = DEPOT_METRICS.contains(&t.metric.as_str());
        let (field, message) = match (of_depot, &t.place, &t.corridor) {
            (true, None, _) => (
                "place",
                format!(
                    "`{}` is measured at a depot: expected `place = \"DEPOT\"` (target `{}`)",
                    t.metric, t.name
                ),
            ),
            (true, Some(_), Some(_)) => (
                "corridor",
                format!(
                    "`{}` is measured at a depot, not on a corridor: remove `corridor` (target \
                     `{}`)",
                    t.metric, t.name
                ),
            ),
            (false, Some(_), _) => (
                "place",
                format!(
                    "`{}` is measured on a corridor, not at a depot: expected `corridor = \
                     \"NAME\"` instead of `place` (target `{}`)",
                    t.metric, t.name
                ),
            ),
            (false, None, None) if !ALL_CORRIDOR_METRICS.contains(&t.metric.as_str()) => (
                "corridor",
                format!(
                    "`{}` is measured on one corridor: expected `corridor = \"NAME\"` (target \
                     `{}`)",
                    t.metric, t.name
                ),
            ),
            _ => return,
        };
        self.problem(span, &format!("{table}.{field}"), message);
    }

    fn parameter(&mut self, p: &ParameterSpec, span: Range<usize>) {
        let field = |key: &str| format!("calibration.parameter.{key}");
        self.one_of(span.clone(), &field("prior"), &p.prior, &PRIORS);
        self.real_in(p.min, span.clone(), &field("min"), PRIOR_BOUND);
        self.real_in(p.max, span.clone(), &field("max"), PRIOR_BOUND);
        let bounded = PRIOR_BOUND.contains(p.min) && PRIOR_BOUND.contains(p.max);
        if bounded && p.min >= p.max {
            self.problem(
                span.clone(),
                &field("max"),
                format!(
                    "expected `max` above `min` ({}) for `{}`, found {}",
                    number(p.min),
                    p.path,
                    number(p.max)
                ),
            );
        }
        if p.prior == "log_uniform" && bounded && p.min <= 0.0 {
            self.problem(
                span.clone(),
                &field("min"),
                format!(
                    "a log_uniform prior needs `min` above 0, found {}",
                    number(p.min)
                ),
            );
        }
        if let Some(mean) = p.mean {
            let within = Allowed::closed(p.min, p.max, "");
            if bounded {
                self.real_in(mean, span.clone(), &field("mean"), within);
            } else {
                self.real_in(mean, span.clone(), &field("mean"), PRIOR_BOUND);
            }
        }
        if let Some(sd) = p.sd {
            self.real_in(sd, span.clone(), &field("sd"), Allowed::positive(1e6, ""));
        }
        if p.prior == "normal" && (p.mean.is_none() || p.sd.is_none()) {
            self.problem(
                span,
                &field("prior"),
                format!(
                    "a normal prior needs `mean` and `sd` (parameter `{}`)",
                    p.path
                ),
            );
        }
    }

    fn priority(&mut self, sectors: &[Spanned<String>], field: &str) {
        for s in sectors {
            if Sector::parse(s.get_ref()).is_none() {
                let names = Sector::ALL.map(Sector::as_str);
                let hint = suggest::hint(s.get_ref(), names);
                self.problem(
                    s.span(),
                    field,
                    format!(
                        "unknown sector `{}`{hint}; expected {}",
                        s.get_ref(),
                        names.join(", ")
                    ),
                );
            }
        }
    }

    /// Rationing, prices, services, willingness and escorts.
    fn economy(&mut self, spec: &ScenarioFile) {
        let r = &spec.rationing;
        self.real(&r.trigger_cover_days, "rationing.trigger_cover_days", DAYS);
        self.real(&r.stretch_days, "rationing.stretch_days", POSITIVE_DAYS);
        if let Some(v) = &r.adjust_per_day {
            self.real(v, "rationing.adjust_per_day", POSITIVE_FRACTION);
        }
        if let Some(v) = &r.dead_band {
            self.real(v, "rationing.dead_band", PROBABILITY);
        }
        self.priority(&r.priority, "rationing.priority");
        self.window(
            &r.priority_from,
            &r.priority_to,
            "rationing",
            ("priority_from", "priority_to"),
        );
        let p = &spec.prices;
        self.real(
            &p.reference_cover_days,
            "prices.reference_cover_days",
            POSITIVE_DAYS,
        );
        self.real(&p.cap_multiple, "prices.cap_multiple", PRICE_MULTIPLE);
        self.real(&p.exponent, "prices.exponent", EXPONENT);
        self.real(&p.demand_elasticity, "prices.demand_elasticity", ELASTICITY);
        self.real(
            &p.food_transport_share,
            "prices.food_transport_share",
            PROBABILITY,
        );
        if let Some(v) = &p.adjustment_half_life_days {
            self.real(v, "prices.adjustment_half_life_days", DAYS);
        }
        let s = &spec.services;
        self.whole(&s.window_days, "services.window_days", 1..=365, "days");
        self.real(&s.close_below, "services.close_below", PROBABILITY);
        self.real(&s.reopen_above, "services.reopen_above", PROBABILITY);
        let days = 0..=u64::from(MAX_DAYS);
        self.whole(
            &s.max_closure_days,
            "services.max_closure_days",
            days.clone(),
            "days",
        );
        self.whole(&s.min_open_days, "services.min_open_days", days, "days");
        let w = &spec.willingness;
        self.real(
            &w.drop_per_attack,
            "willingness.drop_per_attack",
            PROBABILITY,
        );
        self.real(
            &w.drop_per_kidnapping,
            "willingness.drop_per_kidnapping",
            PROBABILITY,
        );
        self.real(
            &w.recovery_half_life_days,
            "willingness.recovery_half_life_days",
            POSITIVE_DAYS,
        );
        self.real(&w.floor, "willingness.floor", PROBABILITY);
        self.real(
            &w.drop_per_reported_incident,
            "willingness.drop_per_reported_incident",
            PROBABILITY,
        );
        self.real(
            &w.abduction_severity,
            "willingness.abduction_severity",
            WEIGHT,
        );
        if let Some(v) = &w.safe_recovery_half_life_days {
            self.real(v, "willingness.safe_recovery_half_life_days", POSITIVE_DAYS);
        }
        if let Some(v) = &w.safe_trip_attack_chance {
            self.real(v, "willingness.safe_trip_attack_chance", PROBABILITY);
        }
        let e = &spec.escorts;
        self.whole(&e.units, "escorts.units", 0..=u64::from(MAX_UNITS), "units");
        self.real(&e.turnaround_days, "escorts.turnaround_days", DAYS);
        self.real(
            &e.max_wait_for_escort_days,
            "escorts.max_wait_for_escort_days",
            DAYS,
        );
    }

    fn reserve(&mut self, r: &ReserveSpec, table: &str) {
        self.known(&r.place, &format!("{table}.place"), Kind::Place);
        self.known(&r.commodity, &format!("{table}.commodity"), Kind::Commodity);
        self.real(&r.volume, &format!("{table}.volume"), VOLUME);
        self.real(
            &r.release_below_cover_days,
            &format!("{table}.release_below_cover_days"),
            DAYS,
        );
        self.real(
            &r.release_per_day,
            &format!("{table}.release_per_day"),
            POSITIVE_DAILY_VOLUME,
        );
        self.window(&r.from, &r.to, table, ("from", "to"));
    }

    fn threat(&mut self, spec: &ScenarioFile) {
        let t = &spec.threat;
        self.real(&t.hazard_scale, "threat.hazard_scale", WEIGHT);
        let k = &t.kernel;
        self.real(&k.range_km, "threat.kernel.range_km", DISTANCE);
        self.real(&k.decay_days, "threat.kernel.decay_days", POSITIVE_DAYS);
        self.real(&k.scale, "threat.kernel.scale", WEIGHT);
        self.real(&k.fatality_weight, "threat.kernel.fatality_weight", WEIGHT);
        // Event types match in any case: two keys that differ only in case are one type.
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for (event_type, weight) in &k.event_weights {
            let field = format!("threat.kernel.event_weights.{event_type}");
            self.real(weight, &field, WEIGHT);
            if let Some(first) = seen.insert(event_type.trim().to_lowercase(), event_type) {
                self.problem(
                    weight.span(),
                    &field,
                    format!(
                        "`{event_type}` and `{first}` are the same event type (types match in \
                         any case); keep one"
                    ),
                );
            }
        }
        let a = &t.attacks;
        self.real(
            &a.escort_hazard_factor,
            "threat.attacks.escort_hazard_factor",
            PROBABILITY,
        );
        self.real(&a.reference_size, "threat.attacks.reference_size", TRUCKS);
        self.real(
            &a.size_exponent,
            "threat.attacks.size_exponent",
            SIZE_EXPONENT,
        );
        for (loss, name) in [
            (&a.loss_unescorted, "loss_unescorted"),
            (&a.loss_escorted, "loss_escorted"),
        ] {
            let field = format!("threat.attacks.{name}");
            self.real(&loss.max_share, &format!("{field}.max_share"), PROBABILITY);
            self.real(&loss.shape, &format!("{field}.shape"), EXPONENT);
        }
        self.real(
            &a.kidnap_chance,
            "threat.attacks.kidnap_chance",
            PROBABILITY,
        );
        self.whole(
            &a.kidnap_max,
            "threat.attacks.kidnap_max",
            0..=1000,
            "drivers",
        );
        self.real(
            &a.killed_per_truck_lost,
            "threat.attacks.killed_per_truck_lost",
            PEOPLE_PER_TRUCK,
        );
        self.real(
            &a.turn_back_chance,
            "threat.attacks.turn_back_chance",
            PROBABILITY,
        );
        self.real(&a.wait_chance, "threat.attacks.wait_chance", PROBABILITY);
        self.real(&a.wait_days, "threat.attacks.wait_days", DAYS);
    }

    fn blockades(&mut self, spec: &ScenarioFile) {
        for b in &spec.blockades {
            for p in &b.axis {
                self.known(p, "blockade.axis", Kind::Place);
            }
            if let Some(area) = &b.area {
                self.known(&area.place, "blockade.area.place", Kind::Place);
                self.real(&area.radius_km, "blockade.area.radius_km", DISTANCE);
            }
            self.window(
                &Some(b.from.clone()),
                &Some(b.to.clone()),
                "blockade",
                ("from", "to"),
            );
            self.real(&b.intensity, "blockade.intensity", HAZARD);
        }
    }

    /// Every response is checked, whichever one a run selects.
    fn response(&mut self, r: &ResponseSpec) {
        if let Some(c) = &r.convoy {
            self.convoy(c, "response");
        }
        for c in &r.corridors {
            self.known(c, "response.corridors", Kind::Corridor);
        }
        self.window(
            &r.convoys_from,
            &r.convoys_to,
            "response",
            ("convoys_from", "convoys_to"),
        );
        if let Some(units) = &r.escort_units {
            self.whole(
                units,
                "response.escort_units",
                0..=u64::from(MAX_UNITS),
                "units",
            );
        }
        for (name, share) in &r.shares {
            self.corridor_key(name, share.span(), "response.shares");
            self.real(share, &format!("response.shares.{name}"), PROBABILITY);
        }
        for (name, fleet) in &r.fleet {
            self.corridor_key(name, fleet.span(), "response.fleet");
            self.whole(
                fleet,
                &format!("response.fleet.{name}"),
                0..=u64::from(MAX_FLEET),
                "trucks",
            );
        }
        for (name, date) in &r.opens {
            self.corridor_key(name, date.span(), "response.opens");
            self.date(date, &format!("response.opens.{name}"));
        }
        if let Some(priority) = &r.rationing_priority {
            self.priority(priority, "response.rationing_priority");
        }
        for reserve in &r.reserves {
            self.reserve(reserve, "response.reserve");
        }
        for sc in &r.scheduled_convoys {
            self.scheduled_convoy(sc, "response.scheduled_convoy");
        }
    }

    /// A corridor named by a key (whose own span is not kept: the value's locates it).
    fn corridor_key(&mut self, name: &str, span: Range<usize>, field: &str) {
        if !self.corridors.contains(&name) {
            let hint = suggest::hint(name, self.corridors.iter().copied());
            self.problem(span, field, format!("unknown corridor `{name}`{hint}"));
        }
    }

    fn displacement(&mut self, d: &DisplacementSpec) {
        let shares = [
            (&d.siege_daily_flight_share, "siege_daily_flight_share"),
            (&d.shortage_threshold, "shortage_threshold"),
            (
                &d.shortage_daily_flight_share,
                "shortage_daily_flight_share",
            ),
            (&d.default_movechance, "default_movechance"),
            (&d.camp_movechance, "camp_movechance"),
            (&d.conflict_movechance, "conflict_movechance"),
        ];
        for (v, name) in shares {
            self.real(v, &format!("displacement.{name}"), PROBABILITY);
        }
        let weights = [
            (
                &d.shortage_movechance_multiplier,
                "shortage_movechance_multiplier",
            ),
            (&d.camp_weight, "camp_weight"),
            (&d.foreign_weight, "foreign_weight"),
            (&d.conflict_weight, "conflict_weight"),
        ];
        for (v, name) in weights {
            self.real(v, &format!("displacement.{name}"), POSITIVE_WEIGHT);
        }
        self.real(
            &d.max_move_km_per_day,
            "displacement.max_move_km_per_day",
            SPEED,
        );
        self.whole(
            &d.shortage_window_days,
            "displacement.shortage_window_days",
            1..=365,
            "days",
        );
        self.whole(
            &d.camp_capacity,
            "displacement.camp_capacity",
            0..=MAX_POPULATION,
            "people",
        );
        for (name, population) in &d.populations {
            if !self.places.contains(&name.as_str()) {
                let hint = suggest::hint(name, self.places.iter().copied());
                self.problem(
                    population.span(),
                    "displacement.populations",
                    format!("unknown place `{name}`{hint}"),
                );
            }
            self.whole(
                population,
                &format!("displacement.populations.{name}"),
                0..=MAX_POPULATION,
                "people",
            );
        }
        for c in &d.camps {
            self.known(c, "displacement.camps", Kind::Place);
        }
    }

    /// Food (kcal, production, phase floors), exports and services beyond schools.
    fn consequences(&mut self, spec: &ScenarioFile) {
        for c in &spec.commodities {
            if let Some(k) = &c.kcal_per_unit {
                self.real(k, "commodity.kcal_per_unit", KCAL_PER_UNIT);
            }
        }
        for d in &spec.depots {
            if let Some(p) = &d.population {
                self.real(p, "depot.population", POPULATION);
            }
            if let Some(p) = &d.production {
                self.real(&p.per_day, "depot.production.per_day", DAILY_VOLUME);
                if let Some(f) = &p.fuel_dependence {
                    self.real(f, "depot.production.fuel_dependence", PROBABILITY);
                }
                if let Some(c) = &p.calendar {
                    for m in c.get_ref() {
                        self.real_in(*m, c.span(), "depot.production.calendar", MONTH_FACTOR);
                    }
                }
                if let Some(f) = &p.fuel_from {
                    self.known(f, "depot.production.fuel_from", Kind::Place);
                }
            }
        }
        if let Some(f) = &spec.food_security {
            self.real(
                &f.averaging_days,
                "food_security.averaging_days",
                POSITIVE_DAYS,
            );
            for k in f.phase_floors_kcal.get_ref() {
                self.real_in(
                    *k,
                    f.phase_floors_kcal.span(),
                    "food_security.phase_floors_kcal",
                    KCAL_PER_DAY,
                );
            }
        }
        for e in &spec.exports {
            self.known(&e.place, "export.place", Kind::Place);
            self.known(&e.to, "export.to", Kind::Place);
            for v in &e.via {
                self.known(v, "export.via", Kind::Place);
            }
            self.real(&e.per_day, "export.per_day", DAILY_VOLUME);
            if let Some(f) = &e.fuel_dependence {
                self.real(f, "export.fuel_dependence", PROBABILITY);
            }
            self.real(
                &e.hold_at_attack_chance,
                "export.hold_at_attack_chance",
                PROBABILITY,
            );
            self.real(&e.price_per_unit, "export.price_per_unit", PRICE);
        }
        for r in &spec.service_rules {
            self.known(&r.place, "service.place", Kind::Place);
            self.real(&r.close_below, "service.close_below", PROBABILITY);
            self.real(&r.reopen_above, "service.reopen_above", PROBABILITY);
            self.whole(&r.window_days, "service.window_days", 1..=366, "days");
            self.whole(
                &r.max_closure_days,
                "service.max_closure_days",
                1..=366,
                "days",
            );
            self.whole(&r.min_open_days, "service.min_open_days", 0..=366, "days");
        }
        if let Some(d) = &spec.displacement {
            for (v, field) in [
                (&d.trap_hazard, "displacement.trap_hazard"),
                (
                    &d.threat_reference_hazard,
                    "displacement.threat_reference_hazard",
                ),
            ] {
                if let Some(v) = v {
                    self.real(v, field, POSITIVE_HAZARD);
                }
            }
            if let Some(v) = &d.people_per_agent {
                self.whole(
                    v,
                    "displacement.people_per_agent",
                    1..=MAX_PEOPLE_PER_AGENT,
                    "people",
                );
            }
        }
    }

    /// A depot's corridors carry fractions of its imports: they must sum to 1, in the scenario
    /// and with each response's shares applied.
    fn shares(&mut self, spec: &ScenarioFile) {
        let none = BTreeMap::new();
        for depot in &spec.depots {
            self.depot_shares(spec, depot, &none, None);
            for r in &spec.responses {
                if r.shares.is_empty() {
                    continue;
                }
                self.depot_shares(spec, depot, &r.shares, Some(r));
            }
        }
    }

    fn depot_shares(
        &mut self,
        spec: &ScenarioFile,
        depot: &DepotSpec,
        overrides: &BTreeMap<String, Spanned<f64>>,
        response: Option<&ResponseSpec>,
    ) {
        let feeding: Vec<(&str, f64)> = spec
            .corridors
            .iter()
            .filter(|c| {
                c.destination.get_ref() == depot.place.get_ref()
                    && c.commodity.get_ref() == depot.commodity.get_ref()
            })
            .map(|c| {
                let name = c.name.get_ref().as_str();
                let share = overrides.get(name).unwrap_or(&c.share);
                (name, *share.get_ref())
            })
            .collect();
        let changed = feeding
            .iter()
            .any(|(name, _)| overrides.contains_key(*name));
        if response.is_some() && !changed {
            return; // the response leaves this depot's shares as written
        }
        if feeding.is_empty() && depot.production.is_some() {
            return; // a depot fed by its own region's production alone imports nothing
        }
        let total: f64 = feeding.iter().map(|(_, s)| s).sum();
        if (total - 1.0).abs() <= SHARE_TOLERANCE || !total.is_finite() {
            return; // a non-finite share is reported by its own range check
        }
        let list = feeding
            .iter()
            .map(|(name, share)| format!("{name} {share}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rule = format!(
            "the shares of a depot's corridors are the fractions of its imports each carries \
             and must sum to exactly 1 (±{SHARE_TOLERANCE})"
        );
        let place = depot.place.get_ref();
        let commodity = depot.commodity.get_ref();
        match response {
            None => self.problem(
                depot.place.span(),
                "corridor.share",
                format!(
                    "the corridors into `{place}` ({commodity}) have shares summing to {total:.4} \
                     ({list}); {rule}"
                ),
            ),
            Some(r) => self.problem(
                r.name.span(),
                "response.shares",
                format!(
                    "with response `{}`, the corridors into `{place}` ({commodity}) have shares \
                     summing to {total:.4} ({list}); {rule}: list every corridor whose share \
                     changes",
                    r.name.get_ref()
                ),
            ),
        }
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Place,
    Commodity,
    Corridor,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Place => "place",
            Kind::Commodity => "commodity",
            Kind::Corridor => "corridor",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Kind::Place => "not in the network's places table",
            Kind::Commodity => "not the name of a [[commodity]]",
            Kind::Corridor => "not the name of a [[corridor]]",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_ranges_read_as_intervals() {
        assert_eq!(POSITIVE_DAYS.to_string(), "(0, 3650] days");
        assert_eq!(PROBABILITY.to_string(), "[0, 1]");
        assert_eq!(VOLUME.to_string(), "[0, 1e12] units");
        assert!(!PROBABILITY.contains(f64::NAN));
        assert!(!DAYS.contains(f64::INFINITY));
        assert!(!POSITIVE_DAYS.contains(0.0));
        assert!(POSITIVE_DAYS.contains(MAX_DAYS_F));
        assert_eq!(number(1e308), "1e308");
        assert_eq!(number(0.25), "0.25");
    }

    #[test]
    fn dates_are_bounded() {
        assert!(parse_date("2025-09-01").is_ok());
        assert!(parse_date("+262142-12-01").is_err());
        let far = parse_date("2999-01-01").expect_err("far");
        assert!(far.contains("1900–2200"), "{far}");
        assert!(run_days(3650).is_ok());
        assert!(run_days(0).is_err());
        let err = run_days(u32::MAX).expect_err("huge").to_string();
        assert!(err.contains("1 to 3650"), "{err}");
    }
}
