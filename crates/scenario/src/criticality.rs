//! Defender-side criticality: how much worse a depot fares when one road segment is closed.
//!
//! Each segment that some corridor drives is closed in turn (trucks detour by the fastest open
//! road, or the corridor is cut), the scenario is rerun on the same seeds, and the added
//! shortage-days at the chosen depot are measured. The ranking shows where protection,
//! redundancy or pre-positioned stock matters most. It removes links; it never places attackers.

use crate::build::{Overrides, Scenario};
use crate::error::ScenarioError;
use lifeline_model::params::Leg;
use lifeline_model::summary::key_figures;
use lifeline_model::{RecordOptions, SegmentId, run, run_rng};

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

/// Mean (shortage-days, shortage) at `depot_place` over `runs` common seeds.
fn depot_outcome(
    scenario: &Scenario,
    overrides: &Overrides,
    depot_place: &str,
    runs: u64,
) -> Result<(f64, f64, Vec<String>), ScenarioError> {
    let built = scenario.build(overrides)?;
    let input = &built.input;
    let depot = input
        .depots
        .iter()
        .position(|d| input.network.place(d.place).name == depot_place)
        .ok_or_else(|| ScenarioError::UnknownScenario(format!("no depot at `{depot_place}`")))?;
    let cut: Vec<String> = input
        .corridors
        .iter()
        .filter(|c| c.fleet == 0 && !c.legs.iter().any(|l| matches!(l, Leg::Drive { .. })))
        .map(|c| c.name.clone())
        .collect();
    let options = RecordOptions {
        events: false,
        corridors: false,
    };
    let (mut days, mut volume) = (0.0, 0.0);
    for r in 0..runs {
        let record = run(input, &mut run_rng(built.seed, r), options);
        let f = key_figures(input, &record);
        days += f64::from(f.depots[depot].shortage_days);
        volume += f.depots[depot].total_shortage;
    }
    Ok((days / runs as f64, volume / runs as f64, cut))
}

/// Ranks the segments that corridors use by the shortage-days their closure adds at
/// `depot_place` (most critical first; ties by segment order).
pub fn rank_segments(
    scenario: &Scenario,
    base: &Overrides,
    depot_place: &str,
    runs: u64,
) -> Result<Vec<SegmentCriticality>, ScenarioError> {
    let runs = runs.max(1);
    let built = scenario.build(base)?;
    let (base_days, base_volume, _) = depot_outcome(scenario, base, depot_place, runs)?;
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
    let mut out = Vec::with_capacity(used.len());
    for s in used {
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
        let overrides = Overrides {
            closed_segments: vec![s],
            ..base.clone()
        };
        let (days, volume, corridors_cut) = depot_outcome(scenario, &overrides, depot_place, runs)?;
        out.push(SegmentCriticality {
            segment: s,
            name: format!("{}–{}", net.place(seg.a).name, net.place(seg.b).name),
            route: seg.route.clone(),
            length_km: seg.length.0,
            corridors,
            added_shortage_days: days - base_days,
            added_shortage: volume - base_volume,
            corridors_cut,
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
