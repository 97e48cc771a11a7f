//! Defender-side criticality: how much worse a depot fares when one road segment is closed.
//!
//! Each segment that some corridor drives is closed in turn (trucks detour by the fastest open
//! road, or the corridor is cut), the scenario is rerun on the same seeds, and the added
//! shortage-days at the chosen depot are measured. The ranking shows where protection,
//! redundancy or pre-positioned stock matters most. It removes links; it never places attackers.

use crate::posterior::PosteriorDraws;
use lifeline_model::params::Leg;
use lifeline_model::summary::key_figures;
use lifeline_model::{RecordOptions, SegmentId};
use lifeline_scenario::ScenarioError;
use lifeline_scenario::displacement::run_coupled;
use lifeline_scenario::{Overrides, Scenario};

/// One segment's effect.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentCriticality {
    pub segment: SegmentId,
    /// "A–B".
    pub name: String,
    pub route: String,
    pub length_km: f64,
    /// Corridors whose route uses the segment.
    pub corridors: Vec<String>,
    /// Mean shortage-days at the depot with the segment closed, minus the scenario's.
    pub added_shortage_days: f64,
    /// Mean shortage (m³) added.
    pub added_shortage: f64,
    /// Corridors left with no road at all.
    pub corridors_cut: Vec<String>,
}

/// The outcome at the depot over the common seeds, with one set of overrides.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Mean shortage-days at the depot.
    pub shortage_days: f64,
    /// Mean shortage (m³) at the depot.
    pub shortage: f64,
    /// Corridors left with no road at all.
    pub corridors_cut: Vec<String>,
}

/// Mean shortage-days and shortage at `depot_place` over `runs` common seeds. With a
/// posterior, run `r` takes the particle drawn for `(seed, r)`: the same in every case.
pub fn outcome(
    scenario: &Scenario,
    overrides: &Overrides,
    depot_place: &str,
    runs: u64,
    posterior: Option<&PosteriorDraws>,
) -> Result<Outcome, ScenarioError> {
    let built = scenario.build(overrides)?;
    let input = &built.input;
    let depot = input
        .depots
        .iter()
        .position(|d| input.network.place(d.place).name == depot_place)
        .ok_or_else(|| ScenarioError::UnknownScenario(format!("no depot at `{depot_place}`")))?;
    let corridors_cut: Vec<String> = input
        .corridors
        .iter()
        .filter(|c| c.fleet == 0 && !c.legs.iter().any(|l| matches!(l, Leg::Drive { .. })))
        .map(|c| c.name.clone())
        .collect();
    let options = RecordOptions {
        events: false,
        movements: false,
        corridors: false,
    };
    // Displacement as `lifeline run` couples it, on this case's network.
    let displacement = scenario.displacement_plan(&built)?;
    let (mut days, mut volume) = (0.0, 0.0);
    for r in 0..runs {
        let drawn = posterior.map(|p| p.input_for_run(input, built.seed, r).0);
        let input = drawn.as_ref().unwrap_or(input);
        let record = run_coupled(input, displacement.as_ref(), built.seed, r, options).supply;
        let f = key_figures(input, &record);
        days += f64::from(f.depots[depot].shortage_days);
        volume += f.depots[depot].total_shortage;
    }
    Ok(Outcome {
        shortage_days: days / runs as f64,
        shortage: volume / runs as f64,
        corridors_cut,
    })
}

/// Ranks the segments that corridors use by the shortage-days their closure adds at
/// `depot_place` (most critical first; ties by segment order).
pub fn rank_segments(
    scenario: &Scenario,
    base: &Overrides,
    depot_place: &str,
    runs: u64,
    posterior: Option<&PosteriorDraws>,
) -> Result<Vec<SegmentCriticality>, ScenarioError> {
    rank_segments_with(
        scenario,
        base,
        depot_place,
        runs,
        posterior,
        |cases, eval| cases.iter().map(eval).collect(),
    )
}

/// How the cases of a ranking are evaluated: given every case (the scenario itself first,
/// then one closure per segment) and the function evaluating one, returns their outcomes in
/// the same order. A caller may evaluate them in parallel: cases are independent.
pub type EvaluateAll<'s> = dyn Fn(&Overrides) -> Result<Outcome, ScenarioError> + Sync + 's;

/// [`rank_segments`], with the cases evaluated by `evaluate_all`.
pub fn rank_segments_with<F>(
    scenario: &Scenario,
    base: &Overrides,
    depot_place: &str,
    runs: u64,
    posterior: Option<&PosteriorDraws>,
    evaluate_all: F,
) -> Result<Vec<SegmentCriticality>, ScenarioError>
where
    F: FnOnce(&[Overrides], &EvaluateAll) -> Vec<Result<Outcome, ScenarioError>>,
{
    let runs = runs.max(1);
    let built = scenario.build(base)?;
    let net = &built.input.network;
    let mut used: Vec<SegmentId> = built
        .input
        .corridors
        .iter()
        .flat_map(|c| c.legs.iter())
        .filter_map(|l| match l {
            Leg::Drive { segment, .. } => Some(*segment),
            _ => None,
        })
        .collect();
    used.sort_unstable();
    used.dedup();
    let cases: Vec<Overrides> = std::iter::once(base.clone())
        .chain(used.iter().map(|s| Overrides {
            closed_segments: vec![*s],
            ..base.clone()
        }))
        .collect();
    let eval = |o: &Overrides| outcome(scenario, o, depot_place, runs, posterior);
    let mut outcomes = evaluate_all(&cases, &eval).into_iter();
    let base_outcome = outcomes.next().ok_or_else(|| {
        ScenarioError::UnknownScenario("criticality: no outcome for the scenario itself".into())
    })??;
    let mut out = Vec::with_capacity(used.len());
    for (s, closed) in used.into_iter().zip(outcomes) {
        let closed = closed?;
        let seg = net.segment(s);
        let corridors = built
            .input
            .corridors
            .iter()
            .filter(|c| {
                c.legs
                    .iter()
                    .any(|l| matches!(l, Leg::Drive { segment, .. } if *segment == s))
            })
            .map(|c| c.name.clone())
            .collect();
        out.push(SegmentCriticality {
            segment: s,
            name: format!("{}–{}", net.place(seg.a).name, net.place(seg.b).name),
            route: seg.route.clone(),
            length_km: seg.length.0,
            corridors,
            added_shortage_days: closed.shortage_days - base_outcome.shortage_days,
            added_shortage: closed.shortage - base_outcome.shortage,
            corridors_cut: closed.corridors_cut,
        });
    }
    out.sort_by(|a, b| {
        b.added_shortage_days
            .total_cmp(&a.added_shortage_days)
            .then(b.added_shortage.total_cmp(&a.added_shortage))
            .then(a.segment.cmp(&b.segment))
    });
    Ok(out)
}
