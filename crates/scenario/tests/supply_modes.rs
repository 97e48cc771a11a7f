//! Road cuts, airlifts, scheduled convoys and onward distribution on the embedded Mali baseline:
//! each rule does what it says, and fuel is conserved with all of them at once.

mod common;
use common::{conserved, corridor, depot};

use lifeline_model::{RecordOptions, RunRecord, run, run_rng};
use lifeline_scenario::{Built, Overrides, Scenario};
use proptest::prelude::*;

const EXTRA: &str = r#"
[[road_cut]]
name = "bridge at Diboli blown"
between = ["Diboli", "Kayes"]
from = "2025-09-11"
repaired_after_days = 30
source = "test"

[[airlift]]
name = "Tombouctou airlift"
place = "Tombouctou"
commodity = "fuel"
payload = 20.0
rotations_per_day = 2
from = "2025-09-10"
to = "2025-10-30"
grounded_chance = 0.3
loss_chance = 0.1
source = "test"

[[scheduled_convoy]]
corridor = "niamey-bamako"
departs = "2025-09-05"
every_days = 15
until = "2025-11-30"
trucks = 50
escorted = true
source = "test"
"#;

fn build(seed: u64, hazard_scale: f64) -> Built {
    let text = lifeline_scenario::embedded::scenario("mali-2025-baseline")
        .expect("embedded")
        .to_string()
        + EXTRA;
    let scenario = Scenario::parse("baseline-with-modes", text, None).expect("parses");
    let mut built = scenario
        .build(&Overrides {
            seed: Some(seed),
            days: Some(120),
            ..Default::default()
        })
        .expect("builds");
    // Some threat everywhere, so that attacks, losses and turned-back loads happen too.
    let segments = built.input.network.segments().len();
    for s in 0..segments {
        for day in 0..built.input.days {
            built.input.threat.hazard.add(
                lifeline_model::SegmentId::from_index(s),
                day,
                0.01 * hazard_scale,
            );
        }
    }
    built
}

fn record(built: &Built, stream: u64) -> RunRecord {
    run(
        &built.input,
        &mut run_rng(built.seed, stream),
        RecordOptions::all(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn fuel_is_conserved_with_cuts_airlifts_convoys_and_onward_distribution(
        seed in any::<u64>(),
        hazard in 0.0..3.0f64,
    ) {
        let built = build(seed, hazard);
        let r = record(&built, 0);
        prop_assert!(conserved(&r.balances[0]), "{:?}", r.balances[0]);
        // Airlift: never more than payload × rotations a day.
        let tombouctou = depot(&built, "Tombouctou");
        for day in &r.depot_days {
            prop_assert!(day[tombouctou].delivered_by_air <= 40.0 + 1e-9);
        }
        // Onward distribution draws from the primary depot: never below empty.
        for day in &r.depot_days {
            for d in day {
                prop_assert!(d.stock >= -1e-9);
            }
        }
    }
}

#[test]
fn no_truck_crosses_a_cut_road_while_it_is_closed() {
    let built = build(7, 0.0);
    let cut = &built.input.road_cuts[0];
    let (first, reopens) = (cut.first_day as usize, cut.reopens_on_day as usize);
    let kayes = corridor(&built, "dakar-kayes");
    for stream in 0..8 {
        let r = record(&built, stream);
        // Trucks already past the cut when it happens arrive within a couple of days; after
        // that nothing comes from Senegal until the bridge reopens.
        for (day, rows) in r.corridor_days.iter().enumerate() {
            if day >= first + 3 && day < reopens {
                assert_eq!(rows[kayes].trucks_arrived, 0, "stream {stream} day {day}");
            }
        }
        let after: u32 = r.corridor_days[reopens..]
            .iter()
            .map(|rows| rows[kayes].trucks_arrived)
            .sum();
        assert!(after > 0, "deliveries resume after the repair");
        let held = r
            .events
            .iter()
            .filter(|e| e.kind.name() == "held_at_road_cut")
            .count();
        assert!(held > 0, "trucks stop at the cut");
    }
}

#[test]
fn airlift_deliveries_follow_payload_rotations_and_chances() {
    let built = build(11, 0.0);
    let airlift = built.input.airlifts[0].clone();
    let tombouctou = depot(&built, "Tombouctou");
    let (mut flown, mut days) = (0.0, 0);
    for stream in 0..40 {
        let r = record(&built, stream);
        for (day, rows) in r.depot_days.iter().enumerate() {
            let air = rows[tombouctou].delivered_by_air;
            if !airlift.active_on(day as u32) {
                assert_eq!(air, 0.0, "no flights outside the airlift's dates");
            } else {
                flown += air;
                days += 1;
            }
        }
    }
    // Expected per active day: payload × rotations × (1 − grounded) × (1 − loss) = 25.2 m³
    // (the depot has room: it is far from full).
    let mean = flown / f64::from(days);
    assert!(
        (mean - 25.2).abs() < 2.5,
        "mean airlifted {mean:.2} m³ a day"
    );
}

#[test]
fn towns_are_supplied_from_their_primary_depot_and_share_its_shortage() {
    // Without threat, every town served onward is supplied; the primary depot ships to it.
    let built = build(3, 0.0);
    let r = record(&built, 0);
    let bamako = depot(&built, "Bamako");
    let kati = depot(&built, "Kati");
    let shipped: f64 = r.depot_days.iter().map(|d| d[bamako].shipped_onward).sum();
    let kati_in: f64 = r.depot_days.iter().map(|d| d[kati].delivered).sum();
    assert!(shipped > 0.0 && kati_in > 0.0);
    assert!(r.depot_days.iter().all(|d| d[kati].shortage <= 1e-9));
    // With the primary depot starved (its import corridors closed), its towns go short too.
    let mut starved = build(3, 0.0);
    for c in starved.input.corridors.iter_mut() {
        let to_bamako =
            starved.input.depots[c.destination.index()].place == starved.input.depots[bamako].place;
        if to_bamako {
            c.closes_on_day = 10;
        }
    }
    let r = record(&starved, 0);
    let kati_short: f64 = r.depot_days.iter().map(|d| d[kati].shortage).sum();
    assert!(kati_short > 0.0, "Kati shares Bamako's shortage");
}

#[test]
fn reserves_and_rationing_priorities_follow_their_dates() {
    // The `reserve` response's stock may be drawn only from 31 Oct 2025 (day 60), and the
    // priority order of `power-first` only until 30 Sep (day 29).
    let text = lifeline_scenario::embedded::scenario("mali-2025")
        .expect("embedded")
        .replace(
            "release_per_day = 2000.0\n",
            "release_per_day = 2000.0\nfrom = \"2025-10-31\"\n",
        )
        .replace(
            "priority = []              # status quo",
            "priority_to = \"2025-09-30\"\npriority = []              # status quo",
        );
    let scenario = Scenario::parse("dated", text, None).expect("parses");
    let reserve = scenario
        .build(&Overrides {
            response: Some("reserve".into()),
            ..Default::default()
        })
        .expect("builds");
    assert_eq!(reserve.input.reserves[0].first_day, 60);
    assert_eq!(reserve.input.reserves[0].until_day, u32::MAX);
    let bamako = depot(&reserve, "Bamako");
    let r = record(&reserve, 0);
    let before: f64 = r.depot_days[..60]
        .iter()
        .map(|d| d[bamako].reserve_released)
        .sum();
    let after: f64 = r.depot_days[60..]
        .iter()
        .map(|d| d[bamako].reserve_released)
        .sum();
    assert_eq!(before, 0.0, "nothing drawn before the reserve's first day");
    assert!(after > 0.0, "drawn once allowed, Bamako being short");
    let power_first = scenario
        .build(&Overrides {
            response: Some("power-first".into()),
            ..Default::default()
        })
        .expect("builds");
    let policy = &power_first.input.rationing;
    assert_eq!(policy.priority_until_day, 30);
    assert!(!policy.priority_on(29).is_empty());
    assert!(policy.priority_on(30).is_empty());
}
