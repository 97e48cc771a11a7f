//! Targets from a scenario's `[[calibration.target]]` and `[[validation.target]]` tables (one
//! schema): each names a metric of a depot or corridor, a date window and an aggregation, and
//! what was observed. A target turns a run's record into one number and that number into a
//! normalised residual.

use crate::error::{AnalysisError, Result};
use chrono::NaiveDate;
use lifeline_model::record::{EventKind, RecordOptions, RunRecord};
use lifeline_model::{CorridorId, DepotId};
use lifeline_scenario::Built;
use lifeline_scenario::spec::TargetSpec;

/// The table a target was written in: calibration targets are fitted, validation targets only
/// judge the fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TargetSet {
    Calibration,
    Validation,
}

impl TargetSet {
    /// The value of validate.csv's `set` column (as the report reads it).
    pub fn name(self) -> &'static str {
        match self {
            TargetSet::Calibration => "calibration",
            TargetSet::Validation => "validation",
        }
    }

    /// The scenario's table, for messages.
    pub fn table(self) -> &'static str {
        match self {
            TargetSet::Calibration => "calibration.target",
            TargetSet::Validation => "validation.target",
        }
    }
}

/// The residual of a target whose quantity never happened in a run (a date never reached, a
/// window without data): as far off as three uncertainties.
pub const MISSING_RESIDUAL: f64 = 3.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    CoverDays,
    ShortageM3,
    PriceMultiple,
    PowerHours,
    /// Closures of a depot's services starting that day.
    ServicesClosed,
    /// Put into a depot that day by road (everything delivered less what was flown in).
    DeliveredByRoad,
    TrucksLost,
    /// Trucks that reached the corridor's destination and unloaded that day.
    TrucksArrived,
    Willingness,
    /// The largest share of a convoy lost in one attack that day.
    AttackLossShare,
}

impl Metric {
    fn parse(text: &str) -> Option<Metric> {
        Some(match text {
            "cover_days" => Metric::CoverDays,
            "shortage_m3" => Metric::ShortageM3,
            "price_multiple" => Metric::PriceMultiple,
            "power_hours" => Metric::PowerHours,
            "services_closed" => Metric::ServicesClosed,
            "delivered_by_road" => Metric::DeliveredByRoad,
            "trucks_lost" => Metric::TrucksLost,
            "trucks_arrived" => Metric::TrucksArrived,
            "willingness" => Metric::Willingness,
            "attack_loss_share" => Metric::AttackLossShare,
            _ => return None,
        })
    }

    /// Measured from the run's event log.
    pub fn needs_events(self) -> bool {
        matches!(self, Metric::ServicesClosed | Metric::AttackLossShare)
    }

    /// Measured from the run's daily corridor rows.
    pub fn needs_corridors(self) -> bool {
        matches!(
            self,
            Metric::TrucksLost | Metric::TrucksArrived | Metric::Willingness
        )
    }

    /// Whether every daily value is a whole count or a share, never below zero: a sum of them
    /// only grows as the days go.
    fn never_negative(self) -> bool {
        matches!(
            self,
            Metric::TrucksLost
                | Metric::TrucksArrived
                | Metric::ServicesClosed
                | Metric::AttackLossShare
        )
    }

    /// Without a `corridor`, measured over every corridor.
    fn may_cover_all_corridors(self) -> bool {
        matches!(
            self,
            Metric::TrucksLost | Metric::TrucksArrived | Metric::AttackLossShare
        )
    }

    fn of_depot(self) -> bool {
        matches!(
            self,
            Metric::CoverDays
                | Metric::ShortageM3
                | Metric::PriceMultiple
                | Metric::PowerHours
                | Metric::ServicesClosed
                | Metric::DeliveredByRoad
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Aggregation {
    Mean,
    Max,
    Min,
    Sum,
    /// Days from the window's first day to the first day below the threshold.
    FirstDateBelow(f64),
    /// Days from the window's first day to the first day above the threshold.
    FirstDateAbove(f64),
    /// Days of the window below the threshold.
    DaysBelow(f64),
    /// Days of the window above the threshold (e.g. days on which a convoy arrived).
    DaysAbove(f64),
}

/// What a metric is measured on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Depot(DepotId),
    Corridor(CorridorId),
    AllCorridors,
}

/// A resolved target.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub name: String,
    pub metric: Metric,
    pub subject: Subject,
    /// Window as run days, `from` inclusive, `to` exclusive.
    pub from: usize,
    pub to: usize,
    pub aggregation: Aggregation,
    pub min_convoy_trucks: u32,
    pub low: f64,
    pub high: f64,
    pub uncertainty: f64,
    pub source: String,
}

impl Target {
    /// The observed value or range as text (`3` or `150–250`).
    pub fn observed_text(&self) -> String {
        if self.low == self.high {
            format!("{}", self.low)
        } else {
            format!("{}–{}", self.low, self.high)
        }
    }

    /// This target's quantity in one run (NaN when it never happened).
    pub fn measure(&self, record: &RunRecord) -> f64 {
        let to = self.to.min(record.depot_days.len());
        if to <= self.from {
            return f64::NAN;
        }
        let series = self.daily_series(record, to);
        aggregate(self.aggregation, &series)
    }

    /// The metric's value on each day of the window (NaN where it has none).
    fn daily_series(&self, record: &RunRecord, to: usize) -> Vec<f64> {
        let days = self.from..to;
        match (self.metric, self.subject) {
            (Metric::ServicesClosed, Subject::Depot(depot)) => {
                let mut series: Vec<f64> = vec![0.0; to - self.from];
                for e in &record.events {
                    let day = e.day as usize;
                    if matches!(e.kind, EventKind::ServicesClosed)
                        && e.depot == Some(depot)
                        && days.contains(&day)
                    {
                        series[day - self.from] += 1.0;
                    }
                }
                series
            }
            (Metric::AttackLossShare, _) => {
                let mut series: Vec<f64> = vec![0.0; to - self.from];
                for e in &record.events {
                    let day = e.day as usize;
                    if let EventKind::Attack { lost, .. } = &e.kind
                        && e.trucks >= self.min_convoy_trucks.max(1)
                        && days.contains(&day)
                        && self.concerns_corridor(e.corridor)
                    {
                        let share = f64::from(*lost) / f64::from(e.trucks);
                        let slot = &mut series[day - self.from];
                        *slot = slot.max(share);
                    }
                }
                series
            }
            (metric, Subject::Depot(depot)) => days
                .map(|d| depot_value(metric, &record.depot_days[d][depot.index()]))
                .collect(),
            (metric, _) => days
                .map(|d| {
                    let row = record
                        .corridor_days
                        .get(d)
                        .map_or(&[][..], |r| r.as_slice());
                    corridor_value(metric, self.subject, row)
                })
                .collect(),
        }
    }

    /// What the record of a run's first days says of the value [`Target::measure`] will give
    /// on the whole run's record (the run's later days only add rows and events).
    pub fn partial(&self, record: &RunRecord) -> Partial {
        let done = record.depot_days.len();
        let end = self.to.min(record.days as usize);
        if done >= end {
            return Partial::Settled(self.measure(record));
        }
        if done <= self.from {
            return Partial::Open;
        }
        let so_far = aggregate(self.aggregation, &self.daily_series(record, done));
        match self.aggregation {
            // A later day can only raise a maximum, or lower a minimum, once there is one.
            Aggregation::Max if !so_far.is_nan() => Partial::AtLeast(so_far),
            Aggregation::Min if !so_far.is_nan() => Partial::AtMost(so_far),
            Aggregation::Sum if self.metric.never_negative() => Partial::AtLeast(so_far),
            Aggregation::DaysBelow(_) | Aggregation::DaysAbove(_) => Partial::AtLeast(so_far),
            // The first crossing, once seen, is the window's.
            Aggregation::FirstDateBelow(_) | Aggregation::FirstDateAbove(_) if !so_far.is_nan() => {
                Partial::Settled(so_far)
            }
            Aggregation::FirstDateBelow(_) | Aggregation::FirstDateAbove(_) => {
                Partial::LaterOrNever((done - self.from) as f64)
            }
            _ => Partial::Open,
        }
    }

    /// A lower bound of the residual of this target's mean over runs, from what each run's
    /// first days say of its value (`partials`, one per run, in run order): exactly the
    /// residual of [`mean_over_runs`] when every run has settled it; never above it otherwise,
    /// in floating point too (each bound is a mean or minimum that can only move away from the
    /// observed range, and the operations are the same, monotone ones).
    pub fn residual_at_least(&self, partials: &[Partial]) -> f64 {
        let settled: Option<Vec<f64>> = partials
            .iter()
            .map(|p| match p {
                Partial::Settled(v) => Some(*v),
                _ => None,
            })
            .collect();
        if let Some(values) = settled {
            return self.residual(aggregate(Aggregation::Mean, &values));
        }
        // Every run's value is known to be at least (or at most) a number: so is their mean.
        let bounds = |pick: &dyn Fn(&Partial) -> Option<f64>| -> Option<Vec<f64>> {
            partials.iter().map(pick).collect()
        };
        let at_least = bounds(&|p| match p {
            Partial::AtLeast(v) => Some(*v),
            Partial::Settled(v) if !v.is_nan() => Some(*v),
            _ => None,
        });
        if let Some(values) = at_least {
            return self.residual_above(aggregate(Aggregation::Mean, &values));
        }
        let at_most = bounds(&|p| match p {
            Partial::AtMost(v) => Some(*v),
            Partial::Settled(v) if !v.is_nan() => Some(*v),
            _ => None,
        });
        if let Some(values) = at_most {
            let mean = aggregate(Aggregation::Mean, &values);
            return if mean < self.low {
                self.residual(mean)
            } else {
                0.0
            };
        }
        // A first crossing not seen yet: each run's day comes later, or never. The runs that
        // have one average to at least the least of their bounds (whole days: exact sums); with
        // none, the mean is missing.
        let later = bounds(&|p| match p {
            Partial::LaterOrNever(v) => Some(*v),
            Partial::Settled(v) if v.is_nan() => Some(f64::INFINITY),
            Partial::Settled(v) => Some(*v),
            _ => None,
        });
        if let Some(values) = later {
            let least = values.iter().copied().fold(f64::INFINITY, f64::min);
            let some_crossed = partials
                .iter()
                .any(|p| matches!(p, Partial::Settled(v) if !v.is_nan()));
            let above = self.residual_above(least);
            return if some_crossed {
                above
            } else {
                above.min(MISSING_RESIDUAL)
            };
        }
        0.0
    }

    /// The residual of a value known to be at least `value`: what it is above the range (0
    /// when it could still fall inside).
    fn residual_above(&self, value: f64) -> f64 {
        if value > self.high {
            self.residual(value)
        } else {
            0.0
        }
    }

    fn concerns_corridor(&self, corridor: Option<CorridorId>) -> bool {
        match self.subject {
            Subject::Corridor(c) => corridor == Some(c),
            _ => true,
        }
    }

    /// 0 inside the observed range, else the distance outside it over the uncertainty.
    pub fn residual(&self, value: f64) -> f64 {
        if value.is_nan() {
            MISSING_RESIDUAL
        } else if value < self.low {
            (self.low - value) / self.uncertainty
        } else if value > self.high {
            (value - self.high) / self.uncertainty
        } else {
            0.0
        }
    }
}

fn depot_value(metric: Metric, day: &lifeline_model::record::DepotDay) -> f64 {
    match metric {
        Metric::CoverDays => day.cover_days,
        Metric::ShortageM3 => day.shortage,
        Metric::PriceMultiple => day.price_multiple,
        Metric::PowerHours => day.power_hours.unwrap_or(f64::NAN),
        Metric::DeliveredByRoad => day.delivered - day.delivered_by_air,
        _ => f64::NAN,
    }
}

fn corridor_value(
    metric: Metric,
    subject: Subject,
    row: &[lifeline_model::record::CorridorDay],
) -> f64 {
    let pick = |f: &dyn Fn(&lifeline_model::record::CorridorDay) -> f64| match subject {
        Subject::Corridor(c) => row.get(c.index()).map_or(f64::NAN, f),
        _ => row.iter().map(f).sum(),
    };
    match metric {
        Metric::TrucksLost => pick(&|c| f64::from(c.trucks_lost)),
        Metric::TrucksArrived => pick(&|c| f64::from(c.trucks_arrived)),
        Metric::Willingness => pick(&|c| c.willingness),
        _ => f64::NAN,
    }
}

/// What a run's first days say of a target's value on the whole run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Partial {
    /// The value itself: the window is over, or its first crossing has been seen.
    Settled(f64),
    /// The value will be at least this.
    AtLeast(f64),
    /// The value will be at most this.
    AtMost(f64),
    /// A first crossing not seen yet: the value will be at least this (days), or missing.
    LaterOrNever(f64),
    /// Nothing yet.
    Open,
}

/// A lower bound of [`distance`] from each run's partial record: `partials[run][target]`. Equal
/// to the distance of the runs' means once every target is settled in every run.
pub fn distance_at_least(targets: &[Target], partials: &[Vec<Partial>]) -> f64 {
    targets
        .iter()
        .enumerate()
        .map(|(k, t)| {
            let of_target: Vec<Partial> = partials.iter().map(|run| run[k]).collect();
            t.residual_at_least(&of_target).powi(2)
        })
        .sum::<f64>()
        .sqrt()
}

/// What a run must record for `targets`: the event log only for closures and attack losses,
/// the corridor rows only for corridor metrics (recording less does not change a run, only its
/// cost).
pub fn record_options_for(targets: &[Target]) -> RecordOptions {
    RecordOptions {
        events: targets.iter().any(|t| t.metric.needs_events()),
        movements: false,
        corridors: targets.iter().any(|t| t.metric.needs_corridors()),
    }
}

/// One number from a window's daily values (NaN values skipped; NaN when none is left, or when a
/// threshold is never crossed; a count of days is 0 then).
pub fn aggregate(aggregation: Aggregation, series: &[f64]) -> f64 {
    let values = || series.iter().copied().filter(|v| !v.is_nan());
    let first = |crossed: &dyn Fn(f64) -> bool| {
        series
            .iter()
            .position(|v| !v.is_nan() && crossed(*v))
            .map_or(f64::NAN, |d| d as f64)
    };
    match aggregation {
        Aggregation::Mean => {
            let (sum, n) = values().fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
            if n == 0 { f64::NAN } else { sum / n as f64 }
        }
        Aggregation::Max => values().reduce(f64::max).unwrap_or(f64::NAN),
        Aggregation::Min => values().reduce(f64::min).unwrap_or(f64::NAN),
        Aggregation::Sum => values().sum(),
        Aggregation::FirstDateBelow(t) => first(&|v| v < t),
        Aggregation::FirstDateAbove(t) => first(&|v| v > t),
        Aggregation::DaysBelow(t) => values().filter(|v| *v < t).count() as f64,
        Aggregation::DaysAbove(t) => values().filter(|v| *v > t).count() as f64,
    }
}

/// Resolves every `[[calibration.target]]` of a scenario against its built input.
pub fn resolve_targets(specs: &[TargetSpec], built: &Built) -> Result<Vec<Target>> {
    resolve_targets_of(TargetSet::Calibration, specs, built)
}

/// Resolves the targets of one table (errors name it) against the built input.
pub fn resolve_targets_of(
    set: TargetSet,
    specs: &[TargetSpec],
    built: &Built,
) -> Result<Vec<Target>> {
    specs
        .iter()
        .map(|s| resolve_target(set, s, built))
        .collect()
}

fn resolve_target(set: TargetSet, spec: &TargetSpec, built: &Built) -> Result<Target> {
    let fail = |message: String| AnalysisError::Target {
        table: set.table(),
        target: spec.name.clone(),
        message,
    };
    let metric = Metric::parse(&spec.metric).ok_or_else(|| {
        fail(format!(
            "unknown metric `{}` ({})",
            spec.metric,
            lifeline_scenario::validate::TARGET_METRICS.join(", ")
        ))
    })?;
    let subject = subject(spec, metric, built).map_err(fail)?;
    let day = |text: &Option<String>, default: usize, key: &str| -> Result<usize> {
        match text {
            None => Ok(default),
            Some(t) => {
                let date = NaiveDate::parse_from_str(t, "%Y-%m-%d")
                    .map_err(|_| fail(format!("`{key}` = \"{t}\" is not a YYYY-MM-DD date")))?;
                let offset = (date - built.start_date).num_days();
                usize::try_from(offset)
                    .map_err(|_| fail(format!("`{key}` = {t} is before the scenario starts")))
            }
        }
    };
    let from = day(&spec.from, 0, "from")?;
    let to = day(&spec.to, built.input.days as usize, "to")?
        .saturating_add(usize::from(spec.to.is_some()));
    if to <= from {
        // A window without an end runs to the run's last day: after a shortened run's end it
        // is empty, and that is what to say.
        let days = built.input.days as usize;
        if spec.to.is_none() && from >= days {
            let last = built.start_date + chrono::Days::new(days.saturating_sub(1) as u64);
            return Err(fail(format!(
                "`from` = {} comes after the run's last day, {last} ({days} days), and the \
                 window has no `to`: run longer (`scenario.days`, or a larger --days)",
                spec.from.as_deref().unwrap_or_default()
            )));
        }
        return Err(fail("the window ends before it starts".into()));
    }
    let threshold = || {
        spec.threshold
            .ok_or_else(|| fail(format!("`{}` needs a `threshold`", spec.aggregation)))
    };
    let aggregation = match spec.aggregation.as_str() {
        "mean" => Aggregation::Mean,
        "max" => Aggregation::Max,
        "min" => Aggregation::Min,
        "sum" => Aggregation::Sum,
        "first_date_below" => Aggregation::FirstDateBelow(threshold()?),
        "first_date_above" => Aggregation::FirstDateAbove(threshold()?),
        "days_below" => Aggregation::DaysBelow(threshold()?),
        "days_above" => Aggregation::DaysAbove(threshold()?),
        other => {
            return Err(fail(format!(
                "unknown aggregation `{other}` ({})",
                lifeline_scenario::validate::TARGET_AGGREGATIONS.join(", ")
            )));
        }
    };
    let (low, high) = match (spec.observed, spec.range.as_deref()) {
        (Some(v), None) => (v, v),
        (None, Some([low, high])) if low <= high => (*low, *high),
        (None, Some(_)) => return Err(fail("`range` must be [low, high] with low ≤ high".into())),
        _ => return Err(fail("give exactly one of `observed` and `range`".into())),
    };
    if !(spec.uncertainty > 0.0 && spec.uncertainty.is_finite()) {
        return Err(fail("`uncertainty` must be positive".into()));
    }
    Ok(Target {
        name: spec.name.clone(),
        metric,
        subject,
        from,
        to,
        aggregation,
        min_convoy_trucks: spec.min_convoy_trucks.unwrap_or(0),
        low,
        high,
        uncertainty: spec.uncertainty,
        source: spec.source.clone(),
    })
}

fn subject(
    spec: &TargetSpec,
    metric: Metric,
    built: &Built,
) -> std::result::Result<Subject, String> {
    let input = &built.input;
    match (&spec.place, &spec.corridor) {
        (Some(place), None) if metric.of_depot() => input
            .depots
            .iter()
            .position(|d| input.network.place(d.place).name == *place)
            .map(|i| Subject::Depot(DepotId::from_index(i)))
            .ok_or_else(|| format!("no depot at `{place}`")),
        (None, Some(name)) if !metric.of_depot() => input
            .corridors
            .iter()
            .position(|c| c.name == *name)
            .map(|i| Subject::Corridor(CorridorId::from_index(i)))
            .ok_or_else(|| format!("no corridor `{name}`")),
        (None, None) if metric.may_cover_all_corridors() => Ok(Subject::AllCorridors),
        _ if metric.of_depot() => Err(format!("`{}` needs a `place` (a depot)", spec.metric)),
        _ => Err(format!("`{}` needs a `corridor`", spec.metric)),
    }
}

/// The distance of a set of measured values from the targets: the root of the summed squared
/// residuals.
pub fn distance(targets: &[Target], values: &[f64]) -> f64 {
    targets
        .iter()
        .zip(values)
        .map(|(t, v)| t.residual(*v).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// Each target's mean over runs (NaNs skipped; NaN when every run had none).
pub fn mean_over_runs(per_run: &[Vec<f64>], targets: usize) -> Vec<f64> {
    (0..targets)
        .map(|k| {
            aggregate(
                Aggregation::Mean,
                &per_run.iter().map(|v| v[k]).collect::<Vec<_>>(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A target whose window has no end and opens after a shortened run's last day says so,
    /// with the dates and what to change, rather than that its window ends before it starts.
    #[test]
    fn a_window_after_the_run_names_the_runs_last_day() {
        use lifeline_scenario::{Overrides, Scenario};
        let scenario = Scenario::load("burkina-djibo-2022").expect("embedded scenario loads");
        let short = Overrides {
            days: Some(60),
            ..Overrides::default()
        };
        let built = scenario.build(&short).expect("builds");
        let specs = &scenario
            .spec
            .validation
            .as_ref()
            .expect("validation targets")
            .targets;
        let late = specs
            .iter()
            .map(|t| t.get_ref())
            .find(|t| t.to.is_none() && t.from.as_deref().is_some_and(|f| f > "2022-05-01"))
            .expect("a target after the first 60 days");
        let err = resolve_target(TargetSet::Validation, late, &built).expect_err("after the run");
        let message = err.to_string();
        assert!(
            message.contains("comes after the run's last day, 2022-04-01 (60 days)")
                && message.contains("a larger --days"),
            "{message}"
        );
    }

    /// The bound of a sum from a run's first days relies on [`Metric::never_negative`]: every
    /// daily value of those metrics is at least 0 (or NaN, skipped). Checked on every depot and
    /// corridor of both shipped cases, at a harsh and a mild threat, over several runs.
    #[test]
    fn metrics_said_never_negative_are_never_negative() {
        use lifeline_scenario::displacement::run_coupled;
        use lifeline_scenario::{Overrides, Scenario};
        let metrics = [
            Metric::TrucksLost,
            Metric::TrucksArrived,
            Metric::ServicesClosed,
            Metric::AttackLossShare,
        ];
        assert!(metrics.iter().all(|m| m.never_negative()));
        let mut positive = 0;
        for name in ["mali-2025", "burkina-djibo-2022"] {
            let scenario = Scenario::load(name).expect("embedded scenario loads");
            let built = scenario.build(&Overrides::default()).expect("builds");
            let plan = scenario.displacement_plan(&built).expect("plan");
            for (run, factor) in [(0, 3.0), (1, 0.5), (2, 1.0)] {
                let mut input = built.input.clone();
                input.threat.hazard.scale(factor);
                let record =
                    run_coupled(&input, plan.as_ref(), built.seed, run, RecordOptions::all())
                        .supply;
                let days = record.depot_days.len();
                let subjects = (0..input.depots.len())
                    .map(|d| Subject::Depot(DepotId::from_index(d)))
                    .chain(
                        (0..input.corridors.len())
                            .map(|c| Subject::Corridor(CorridorId::from_index(c))),
                    )
                    .chain([Subject::AllCorridors]);
                for subject in subjects {
                    for metric in metrics {
                        let target = Target {
                            name: String::new(),
                            metric,
                            subject,
                            from: 0,
                            to: days,
                            aggregation: Aggregation::Sum,
                            min_convoy_trucks: 0,
                            low: 0.0,
                            high: 0.0,
                            uncertainty: 1.0,
                            source: String::new(),
                        };
                        let series = target.daily_series(&record, days);
                        assert!(
                            series.iter().all(|v| v.is_nan() || *v >= 0.0),
                            "{name} run {run}: {metric:?} of {subject:?} below 0"
                        );
                        positive += series.iter().filter(|v| **v > 0.0).count();
                    }
                }
            }
        }
        assert!(positive > 1_000, "{positive} days with something to count");
    }

    /// Recording only what the targets read ([`record_options_for`]: no corridor rows where no
    /// target reads them, the log without its departures and arrivals) leaves every target's
    /// value as a full record gives it: every calibration and validation target of both shipped
    /// cases, over several runs, bit for bit.
    #[test]
    fn targets_measure_the_same_on_the_lean_record() {
        use crate::validation::Validation;
        use lifeline_scenario::displacement::run_coupled;
        use lifeline_scenario::{Overrides, Scenario};
        for name in ["mali-2025", "burkina-djibo-2022"] {
            let scenario = Scenario::load(name).expect("embedded scenario loads");
            let built = scenario.build(&Overrides::default()).expect("builds");
            let v = Validation::new(&scenario, &built).expect("targets");
            let lean = v.record_options();
            assert!(!lean.movements);
            for run in 0..4 {
                let of = |options| {
                    run_coupled(
                        &built.input,
                        v.displacement.as_ref(),
                        built.seed,
                        run,
                        options,
                    )
                    .supply
                };
                let (full, lean) = (of(RecordOptions::all()), of(lean));
                if lean.events.is_empty() {
                    assert!(!v.record_options().events);
                } else {
                    assert!(
                        lean.events.len() < full.events.len(),
                        "{name}: a leaner log"
                    );
                }
                for t in &v.targets {
                    let (a, b) = (t.measure(&full), t.measure(&lean));
                    assert!(
                        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                        "{name} run {run} {}: {a} with the full record, {b} with the lean one",
                        t.name
                    );
                }
            }
        }
    }

    #[test]
    fn the_scenario_checks_the_metric_names_measured_here() {
        // The scenario's validation pass refuses other names before a calibration starts.
        let names = lifeline_scenario::validate::TARGET_METRICS;
        assert!(names.iter().all(|n| Metric::parse(n).is_some()));
        let distinct: std::collections::BTreeSet<_> = names
            .iter()
            .map(|n| format!("{:?}", Metric::parse(n)))
            .collect();
        assert_eq!(distinct.len(), names.len(), "every metric named once");
        assert!(Metric::parse("truck_lost").is_none());
    }

    #[test]
    fn the_scenario_checks_the_same_depot_and_corridor_metrics() {
        use lifeline_scenario::validate::{ALL_CORRIDOR_METRICS, DEPOT_METRICS, TARGET_METRICS};
        for name in TARGET_METRICS {
            let metric = Metric::parse(name).expect("a metric");
            assert_eq!(metric.of_depot(), DEPOT_METRICS.contains(&name), "{name}");
        }
        for name in TARGET_METRICS {
            let metric = Metric::parse(name).expect("a metric");
            let all = ALL_CORRIDOR_METRICS.contains(&name);
            assert_eq!(metric.may_cover_all_corridors(), all, "{name}");
            assert!(!(all && metric.of_depot()), "{name}");
        }
    }

    #[test]
    fn aggregations_skip_missing_days_and_find_first_crossings() {
        let s = [3.0, f64::NAN, 1.0, 4.0];
        assert_eq!(aggregate(Aggregation::Mean, &s), 8.0 / 3.0);
        assert_eq!(aggregate(Aggregation::Max, &s), 4.0);
        assert_eq!(aggregate(Aggregation::Min, &s), 1.0);
        assert_eq!(aggregate(Aggregation::Sum, &s), 8.0);
        assert_eq!(aggregate(Aggregation::FirstDateBelow(2.0), &s), 2.0);
        assert_eq!(aggregate(Aggregation::FirstDateAbove(3.5), &s), 3.0);
        assert!(aggregate(Aggregation::FirstDateAbove(9.0), &s).is_nan());
        assert!(aggregate(Aggregation::Mean, &[f64::NAN]).is_nan());
        assert_eq!(aggregate(Aggregation::DaysAbove(2.0), &s), 2.0);
        assert_eq!(aggregate(Aggregation::DaysBelow(3.0), &s), 1.0);
        assert_eq!(aggregate(Aggregation::DaysAbove(9.0), &s), 0.0);
    }

    #[test]
    fn residual_is_zero_inside_the_range_and_scaled_outside() {
        let t = Target {
            name: "t".into(),
            metric: Metric::TrucksLost,
            subject: Subject::AllCorridors,
            from: 0,
            to: 1,
            aggregation: Aggregation::Sum,
            min_convoy_trucks: 0,
            low: 150.0,
            high: 250.0,
            uncertainty: 50.0,
            source: String::new(),
        };
        assert_eq!(t.residual(200.0), 0.0);
        assert_eq!(t.residual(100.0), 1.0);
        assert_eq!(t.residual(350.0), 2.0);
        assert_eq!(t.residual(f64::NAN), MISSING_RESIDUAL);
        assert_eq!(t.observed_text(), "150–250");
    }
}
