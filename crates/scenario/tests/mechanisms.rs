//! Mechanism tests of the Mali 2025 hindcast, over many seeds: the crisis must come from the
//! threat and follow it in time, the chain must start in its steady state, and recover when the
//! threat ends. Each test switches a cause off or moves it and checks that the effect follows.

mod common;
use common::{depot, first_day_below, median};

use lifeline_model::{RecordOptions, RunRecord, run, run_rng};
use lifeline_scenario::{Built, Overrides, Scenario};

/// Seeds per check (the bar: at least 20).
const SEEDS: u64 = 24;

fn build(name: &str, overrides: Overrides) -> Built {
    Scenario::load(name)
        .expect("embedded scenario loads")
        .build(&overrides)
        .expect("embedded scenario builds")
}

fn runs(built: &Built) -> Vec<RunRecord> {
    let options = RecordOptions {
        events: false,
        movements: false,
        corridors: false,
    };
    (0..SEEDS)
        .map(|r| run(&built.input, &mut run_rng(built.seed, r), options))
        .collect()
}

#[test]
fn the_baseline_starts_in_its_steady_state() {
    let built = build("mali-2025-baseline", Overrides::default());
    let bamako = depot(&built, "Bamako");
    let records = runs(&built);
    // The long-run level: mean cover over the second half of every run.
    let half = records[0].depot_days.len() / 2;
    let level = records
        .iter()
        .flat_map(|r| r.depot_days[half..].iter().map(|d| d[bamako].cover_days))
        .sum::<f64>()
        / (records.len() * half) as f64;
    for (seed, r) in records.iter().enumerate() {
        for (day, d) in r.depot_days.iter().enumerate() {
            let cover = d[bamako].cover_days;
            assert!(
                (cover - level).abs() <= 0.15 * level,
                "run {seed} day {day}: Bamako cover {cover:.2} d against a long-run {level:.2} d"
            );
        }
    }
}

#[test]
fn without_the_threat_the_hindcasts_own_policies_keep_bamako_supplied() {
    let built = build(
        "mali-2025",
        Overrides {
            without_threat: true,
            ..Default::default()
        },
    );
    assert!(built.input.threat.hazard.is_zero());
    let bamako = depot(&built, "Bamako");
    let records = runs(&built);
    let days = records.len() * records[0].depot_days.len();
    let above = records
        .iter()
        .flat_map(|r| r.depot_days.iter())
        .filter(|d| d[bamako].cover_days >= 3.0)
        .count();
    let share = above as f64 / days as f64;
    assert!(
        share >= 0.95,
        "with no threat Bamako held ≥ 3 days of cover on only {:.1}% of days",
        100.0 * share
    );
    // And the threat is what makes the crisis: with it, the share falls well below.
    let with_threat = build("mali-2025", Overrides::default());
    let threatened = runs(&with_threat)
        .iter()
        .flat_map(|r| r.depot_days.iter())
        .filter(|d| d[bamako].cover_days >= 3.0)
        .count() as f64
        / days as f64;
    assert!(threatened < share - 0.2, "{threatened:.2} vs {share:.2}");
}

#[test]
fn moving_the_threat_30_days_later_moves_the_onset() {
    let on_time = build("mali-2025", Overrides::default());
    let later = build(
        "mali-2025",
        Overrides {
            threat_shift_days: 30,
            ..Default::default()
        },
    );
    let bamako = depot(&on_time, "Bamako");
    let onset = |b: &Built| {
        median(
            runs(b)
                .iter()
                .map(|r| first_day_below(r, bamako, 3.0))
                .collect(),
        )
    };
    let (a, b) = (onset(&on_time), onset(&later));
    assert!(
        b - a >= 20.0,
        "median first day below 3 days of cover: {a} on time, {b} with the threat 30 days later"
    );
}

#[test]
fn the_chain_recovers_after_the_threat_ends() {
    // The declarations end on 28 Feb 2026 (day 180) and the last event is in January: by day
    // 240 the hazard has decayed and drivers have had two months to come back.
    let built = build(
        "mali-2025",
        Overrides {
            days: Some(300),
            ..Default::default()
        },
    );
    let records = runs(&built);
    for (di, d) in built.input.depots.iter().enumerate() {
        let (mut short, mut demand) = (0.0, 0.0);
        for r in &records {
            for day in &r.depot_days[240..] {
                short += day[di].shortage;
                demand += day[di].demand;
            }
        }
        let share = short / demand;
        assert!(
            share < 0.01,
            "{}: {:.2}% of demand unmet 60+ days after the threat ended",
            built.input.network.place(d.place).name,
            100.0 * share
        );
    }
}

#[test]
fn declarations_put_no_hazard_outside_their_territory() {
    // The Kayes and Nioro areas are limited to Mali: with the events left out, no road wholly
    // inside Senegal or Mauritania gets hazard, and no road at all outside the declarations.
    let text = lifeline_scenario::embedded::scenario("mali-2025").expect("embedded");
    let without_events: String = text
        .lines()
        .filter(|l| !l.starts_with("events = "))
        .collect::<Vec<_>>()
        .join("\n");
    let scenario = Scenario::parse("mali-2025-no-events", without_events, None).expect("parses");
    let built = scenario
        .build(&Overrides {
            days: Some(60),
            ..Default::default()
        })
        .expect("builds");
    let net = &built.input.network;
    for (i, s) in net.segments().iter().enumerate() {
        let (a, b) = (net.place(s.a), net.place(s.b));
        if a.country == "ML" || b.country == "ML" {
            continue;
        }
        let id = lifeline_model::SegmentId::from_index(i);
        for day in 0..60 {
            assert_eq!(
                built.input.threat.hazard.get(id, day),
                0.0,
                "{}–{} ({}–{}) day {day}",
                a.name,
                b.name,
                a.country,
                b.country
            );
        }
    }
}

/// Bamako's days on the hindcast over every seed, as (previous day, day) pairs.
fn bamako_day_pairs(
    records: &[RunRecord],
    bamako: usize,
) -> Vec<(
    &lifeline_model::record::DepotDay,
    &lifeline_model::record::DepotDay,
)> {
    records
        .iter()
        .flat_map(|r| {
            r.depot_days
                .windows(2)
                .map(move |w| (&w[0][bamako], &w[1][bamako]))
        })
        .collect()
}

#[test]
fn rationing_is_a_policy_that_does_not_flip_on_each_delivery() {
    let built = build("mali-2025", Overrides::default());
    let bamako = depot(&built, "Bamako");
    let records = runs(&built);
    let per_30_days: Vec<f64> = records
        .iter()
        .map(|r| {
            let changes = r
                .depot_days
                .windows(2)
                .filter(|w| w[0][bamako].rationing != w[1][bamako].rationing)
                .count();
            changes as f64 * 30.0 / r.depot_days.len() as f64
        })
        .collect();
    let median_changes = median(per_30_days);
    eprintln!("median rationing regime changes in Bamako: {median_changes:.2} per 30 days");
    assert!(
        median_changes <= 2.0,
        "median rationing regime changes in Bamako: {median_changes:.2} per 30 days"
    );
    // The blockade does bring rationing, and the level moves by at most its daily step.
    assert!(
        records
            .iter()
            .all(|r| r.depot_days.iter().any(|d| d[bamako].rationing)),
        "some run never rationed Bamako"
    );
    let step = built.input.rationing.adjust_per_day;
    for (a, b) in bamako_day_pairs(&records, bamako) {
        assert!((b.rationing_level - a.rationing_level).abs() <= step + 1e-12);
    }
}

#[test]
fn power_hours_do_not_jump_from_day_to_day() {
    let built = build("mali-2025", Overrides::default());
    let bamako = depot(&built, "Bamako");
    let records = runs(&built);
    let pairs = bamako_day_pairs(&records, bamako);
    let jumps = pairs
        .iter()
        .filter(|(a, b)| {
            let (a, b) = (a.power_hours.unwrap_or(0.0), b.power_hours.unwrap_or(0.0));
            (b - a).abs() > 3.0
        })
        .count();
    let share = jumps as f64 / pairs.len() as f64;
    eprintln!("power-hour jumps > 3 h: {:.2}% of days", 100.0 * share);
    assert!(
        share <= 0.05,
        "power hours moved by more than 3 h on {:.1}% of days",
        100.0 * share
    );
    // The plants do run down their tanks during the blockade.
    let tank_full = built.input.depots[bamako]
        .power
        .as_ref()
        .map(|p| p.tank_days * built.input.depots[bamako].demand[0])
        .expect("Bamako has power plants");
    let lowest = records
        .iter()
        .flat_map(|r| r.depot_days.iter().filter_map(|d| d[bamako].plant_stock))
        .fold(f64::INFINITY, f64::min);
    assert!(
        lowest < 0.5 * tank_full,
        "plants' tanks never below {lowest:.0} m³"
    );
}

#[test]
fn informal_prices_have_memory_and_stay_under_the_cap() {
    let built = build("mali-2025", Overrides::default());
    let bamako = depot(&built, "Bamako");
    let records = runs(&built);
    let pairs = bamako_day_pairs(&records, bamako);
    let cap = built.input.prices.cap_multiple;
    let jumps = pairs
        .iter()
        .filter(|(a, b)| (b.price_multiple / a.price_multiple - 1.0).abs() > 0.25)
        .count();
    let share = jumps as f64 / pairs.len() as f64;
    eprintln!("price jumps > 25%: {:.2}% of days", 100.0 * share);
    assert!(
        share <= 0.05,
        "the informal price moved by more than 25% on {:.1}% of days",
        100.0 * share
    );
    for (_, d) in &pairs {
        assert!(
            (1.0..=cap).contains(&d.price_multiple),
            "{}",
            d.price_multiple
        );
    }
    let peak = pairs
        .iter()
        .map(|(_, d)| d.price_multiple)
        .fold(1.0, f64::max);
    assert!(
        peak > 2.0,
        "the blockade never raised the price: peak {peak:.2}"
    );
}
