//! The grid search that first calibrated the Mali 2025 hindcast against `docs/sources/calibration.md` (C1–C8),
//! kept as `lifeline calibrate --grid` and as the reference the generic targets are checked against.
//!
//! A small grid search: every combination of the free parameters is run on the same seeds
//! (common random numbers), each calibration fact is turned into a measured quantity and a
//! normalised residual, and the combination with the smallest sum of squared residuals wins.
//! `lifeline calibrate` prints the table written into `docs/calibration.md`.

use chrono::NaiveDate;
use lifeline_model::params::ModelInput;
use lifeline_model::record::{EventKind, RecordOptions, RunRecord};
use lifeline_model::{CorridorId, DepotId, run, run_rng};
use lifeline_scenario::Built;

/// Convoys at least this large count for C2.
pub const LARGE_CONVOY: u32 = 40;

/// The free parameters searched.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FreeParams {
    /// Multiplies all hazard (threat.hazard_scale).
    pub hazard_scale: f64,
    /// willingness.drop_per_reported_incident and willingness.drop_per_attack.
    pub willingness_drop: f64,
    /// threat.attacks.loss_escorted.max_share.
    pub escorted_max_loss: f64,
    /// services.close_below.
    pub services_close_below: f64,
    /// willingness.recovery_half_life_days.
    pub willingness_half_life: f64,
}

/// The grid searched by default.
pub fn default_grid() -> Vec<FreeParams> {
    let mut grid = Vec::new();
    for hazard_scale in [0.5, 0.7, 1.0, 1.4, 2.0, 2.8] {
        for willingness_drop in [0.2, 0.35, 0.5, 0.7] {
            for escorted_max_loss in [0.5, 0.65] {
                for services_close_below in [0.35, 0.5, 0.65] {
                    for willingness_half_life in [30.0, 60.0, 120.0, 240.0] {
                        grid.push(FreeParams {
                            hazard_scale,
                            willingness_drop,
                            escorted_max_loss,
                            services_close_below,
                            willingness_half_life,
                        });
                    }
                }
            }
        }
    }
    grid
}

/// Sets the free parameters on a built input (hazard relative to the scenario's own scale).
pub fn apply(base: &ModelInput, base_scale: f64, p: &FreeParams) -> ModelInput {
    let mut input = base.clone();
    input.threat.hazard.scale(p.hazard_scale / base_scale);
    input.willingness.drop_per_reported_incident = p.willingness_drop;
    input.willingness.drop_per_attack = p.willingness_drop;
    input.threat.attacks.loss_escorted.max_share = p.escorted_max_loss;
    input.services.close_below = p.services_close_below;
    input.willingness.recovery_half_life = lifeline_model::units::Days(p.willingness_half_life);
    input
}

/// What one run shows for each calibration fact.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Measured {
    /// C1: Bamako's mean cover (days) over 1–7 Nov 2025.
    pub bamako_cover_early_nov: f64,
    /// C2: the largest share of a convoy lost in one attack, among convoys of at least
    /// [`LARGE_CONVOY`] trucks (the fact is about a convoy of more than 100).
    pub max_attack_loss_share: f64,
    /// C3: trucks lost from 1 Sep to 7 Nov 2025.
    pub trucks_lost_by_nov7: f64,
    /// C4: peak informal price multiple in Bamako.
    pub peak_price_multiple: f64,
    /// C5: number of closures of Bamako's schools in Sep–Dec, and the first one's day offset
    /// from 25 Oct (the middle of the reported window).
    pub closures: f64,
    pub first_closure_offset_days: f64,
    /// C6: Bamako's mean power hours in October.
    pub mean_power_hours_oct: f64,
    /// C8: lowest drivers' willingness on the Senegal corridor, 3–15 Sep.
    pub senegal_willingness_early_sep: f64,
}

/// The names the facts refer to.
pub struct Anchors {
    pub start: NaiveDate,
    pub bamako: DepotId,
    pub senegal_corridor: CorridorId,
}

fn day(start: NaiveDate, y: i32, m: u32, d: u32) -> usize {
    let date = NaiveDate::from_ymd_opt(y, m, d).expect("invariant: a valid calendar date");
    (date - start).num_days().max(0) as usize
}

pub fn measure(record: &RunRecord, a: &Anchors) -> Measured {
    let b = a.bamako.index();
    let rows = &record.depot_days;
    let mean = |from: usize, to: usize, f: &dyn Fn(usize) -> f64| {
        let to = to.min(rows.len());
        if to <= from {
            return f64::NAN;
        }
        (from..to).map(f).sum::<f64>() / (to - from) as f64
    };
    let nov1 = day(a.start, 2025, 11, 1);
    let nov8 = day(a.start, 2025, 11, 8);
    let oct1 = day(a.start, 2025, 10, 1);
    let sep3 = day(a.start, 2025, 9, 3);
    let sep16 = day(a.start, 2025, 9, 16);
    let jan1 = day(a.start, 2026, 1, 1);
    let oct25 = day(a.start, 2025, 10, 25) as f64;
    let mut max_share: f64 = 0.0;
    let mut closures = 0.0;
    let mut first_closure = None;
    for e in &record.events {
        match &e.kind {
            EventKind::Attack { lost, .. }
                if e.trucks >= LARGE_CONVOY && (e.day as usize) < nov8 =>
            {
                max_share = max_share.max(f64::from(*lost) / f64::from(e.trucks));
            }
            EventKind::ServicesClosed if e.depot == Some(a.bamako) && (e.day as usize) < jan1 => {
                closures += 1.0;
                first_closure.get_or_insert(f64::from(e.day));
            }
            _ => {}
        }
    }
    let lost: u32 = record
        .corridor_days
        .iter()
        .take(nov8)
        .flat_map(|d| d.iter().map(|c| c.trucks_lost))
        .sum();
    let willingness = record
        .corridor_days
        .iter()
        .enumerate()
        .filter(|(d, _)| (sep3..sep16).contains(d))
        .map(|(_, c)| c[a.senegal_corridor.index()].willingness)
        .fold(1.0, f64::min);
    Measured {
        bamako_cover_early_nov: mean(nov1, nov8, &|d| rows[d][b].cover_days),
        max_attack_loss_share: max_share,
        trucks_lost_by_nov7: f64::from(lost),
        peak_price_multiple: rows.iter().map(|r| r[b].price_multiple).fold(1.0, f64::max),
        closures,
        first_closure_offset_days: first_closure.map_or(f64::NAN, |d| d - oct25),
        mean_power_hours_oct: mean(oct1, nov1, &|d| rows[d][b].power_hours.unwrap_or(f64::NAN)),
        senegal_willingness_early_sep: willingness,
    }
}

/// One fact's residual: 0 inside its stated range, else the distance outside over a scale.
#[derive(Clone, Debug, PartialEq)]
pub struct Residual {
    pub fact: &'static str,
    pub quantity: &'static str,
    pub target: &'static str,
    pub value: f64,
    pub residual: f64,
}

fn outside(value: f64, low: f64, high: f64, scale: f64) -> f64 {
    if value.is_nan() {
        return 3.0;
    }
    if value < low {
        (low - value) / scale
    } else if value > high {
        (value - high) / scale
    } else {
        0.0
    }
}

/// Residuals of the mean over runs (closure offset: median-free mean of the runs that closed).
pub fn residuals(m: &Measured) -> Vec<Residual> {
    vec![
        Residual {
            fact: "C1",
            quantity: "Bamako cover, mean 1–7 Nov (days)",
            target: "≤ 3 (far below the normal 10)",
            value: m.bamako_cover_early_nov,
            residual: outside(m.bamako_cover_early_nov, 0.0, 3.0, 2.0),
        },
        Residual {
            fact: "C2",
            quantity: "largest share lost in one attack (convoys ≥ 40 trucks)",
            target: "≈ 0.5 (0.4–0.6)",
            value: m.max_attack_loss_share,
            residual: outside(m.max_attack_loss_share, 0.4, 0.6, 0.1),
        },
        Residual {
            fact: "C3",
            quantity: "trucks lost 1 Sep – 7 Nov",
            target: "about 200 (150–250)",
            value: m.trucks_lost_by_nov7,
            residual: outside(m.trucks_lost_by_nov7, 150.0, 250.0, 50.0),
        },
        Residual {
            fact: "C4",
            quantity: "peak informal price multiple, Bamako",
            target: "up to ~5× (> 400% rise, an upper envelope): 3–5.5",
            value: m.peak_price_multiple,
            residual: outside(m.peak_price_multiple, 3.0, 5.5, 1.0),
        },
        Residual {
            fact: "C5",
            quantity: "school closures in Bamako, Sep–Dec",
            target: "1",
            value: m.closures,
            residual: outside(m.closures, 1.0, 1.0, 0.5),
        },
        Residual {
            fact: "C5",
            quantity: "first closure, days from 25 Oct",
            target: "within ± 14",
            value: m.first_closure_offset_days,
            residual: outside(m.first_closure_offset_days, -14.0, 14.0, 14.0),
        },
        Residual {
            fact: "C6",
            quantity: "Bamako power hours, October mean",
            target: "well below 19: ≤ 14",
            value: m.mean_power_hours_oct,
            residual: outside(m.mean_power_hours_oct, 0.0, 14.0, 3.0),
        },
        Residual {
            fact: "C8",
            quantity: "Senegal-corridor willingness, min 3–15 Sep",
            target: "drops sharply: ≤ 0.5",
            value: m.senegal_willingness_early_sep,
            residual: outside(m.senegal_willingness_early_sep, 0.0, 0.5, 0.2),
        },
    ]
}

pub fn loss(r: &[Residual]) -> f64 {
    r.iter().map(|x| x.residual * x.residual).sum()
}

/// The mean of each measured quantity over runs (NaNs skipped).
pub fn mean_measured(all: &[Measured]) -> Measured {
    let avg = |f: &dyn Fn(&Measured) -> f64| {
        let v: Vec<f64> = all.iter().map(f).filter(|x| !x.is_nan()).collect();
        if v.is_empty() {
            f64::NAN
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    Measured {
        bamako_cover_early_nov: avg(&|m| m.bamako_cover_early_nov),
        max_attack_loss_share: avg(&|m| m.max_attack_loss_share),
        trucks_lost_by_nov7: avg(&|m| m.trucks_lost_by_nov7),
        peak_price_multiple: avg(&|m| m.peak_price_multiple),
        closures: avg(&|m| m.closures),
        first_closure_offset_days: avg(&|m| m.first_closure_offset_days),
        mean_power_hours_oct: avg(&|m| m.mean_power_hours_oct),
        senegal_willingness_early_sep: avg(&|m| m.senegal_willingness_early_sep),
    }
}

/// Runs `runs` seeds of `input` and returns each run's measurements.
pub fn measure_runs(input: &ModelInput, seed: u64, runs: u64, anchors: &Anchors) -> Vec<Measured> {
    (0..runs)
        .map(|r| {
            let record = run(input, &mut run_rng(seed, r), RecordOptions::all());
            measure(&record, anchors)
        })
        .collect()
}

/// Finds the anchors (Bamako's depot, the Senegal corridor) in a built scenario.
pub fn anchors(built: &Built, senegal_corridor: &str) -> Option<Anchors> {
    let input = &built.input;
    let bamako = input
        .depots
        .iter()
        .position(|d| input.network.place(d.place).name == "Bamako")?;
    let corridor = input
        .corridors
        .iter()
        .position(|c| c.name == senegal_corridor)?;
    Some(Anchors {
        start: built.start_date,
        bamako: DepotId::from_index(bamako),
        senegal_corridor: CorridorId::from_index(corridor),
    })
}

/// One grid point's outcome.
pub struct GridResult {
    pub params: FreeParams,
    pub measured: Measured,
    pub loss: f64,
}

/// Evaluates every grid point on the same seeds; sorted best first.
pub fn search(
    built: &Built,
    base_scale: f64,
    grid: &[FreeParams],
    runs: u64,
    anchors: &Anchors,
) -> Vec<GridResult> {
    rank(
        grid.iter()
            .map(|p| evaluate(built, base_scale, p, runs, anchors))
            .collect(),
    )
}

/// One grid point's mean measurements and loss over `runs` seeds (a caller may evaluate the
/// points in parallel: each depends only on its own parameters).
pub fn evaluate(
    built: &Built,
    base_scale: f64,
    p: &FreeParams,
    runs: u64,
    anchors: &Anchors,
) -> GridResult {
    let input = apply(&built.input, base_scale, p);
    let measured = mean_measured(&measure_runs(&input, built.seed, runs, anchors));
    let loss = loss(&residuals(&measured));
    GridResult {
        params: *p,
        measured,
        loss,
    }
}

/// Grid results sorted best first (a stable sort: equal losses keep the grid's order).
pub fn rank(mut results: Vec<GridResult>) -> Vec<GridResult> {
    results.sort_by(|a, b| a.loss.total_cmp(&b.loss));
    results
}

/// C7: people arriving at the camps (Fassala and Mbera) from 23 Oct to 13 Nov 2025, mean over
/// `runs` seeds, for each candidate siege flight share. Displacement does not change supply, so
/// this is fitted on its own after the supply parameters.
pub fn fit_siege_share(
    scenario: &lifeline_scenario::Scenario,
    built: &Built,
    shares: &[f64],
    runs: u64,
) -> Result<Vec<(f64, f64)>, lifeline_scenario::ScenarioError> {
    use lifeline_scenario::displacement::run_coupled;
    let Some(plan) = scenario.displacement_plan(built)? else {
        return Ok(Vec::new());
    };
    let from = day(built.start_date, 2025, 10, 23);
    let to = day(built.start_date, 2025, 11, 14);
    Ok(shares
        .iter()
        .map(|&share| {
            let mut p = plan.clone();
            p.siege_daily_flight_share = share;
            let total: u64 = (0..runs)
                .map(|r| {
                    let coupled =
                        run_coupled(&built.input, Some(&p), built.seed, r, RecordOptions::all());
                    let Some(d) = coupled.displacement else {
                        return 0;
                    };
                    p.camps
                        .iter()
                        .map(|c| d.arrivals_between(*c, from, to))
                        .sum::<u64>()
                })
                .sum();
            (share, total as f64 / runs as f64)
        })
        .collect())
}

/// C7's residual for a mean arrival count: 0 within 2,000–3,000, else distance over 500.
pub fn c7_residual(arrivals: f64) -> f64 {
    outside(arrivals, 2000.0, 3000.0, 500.0)
}
