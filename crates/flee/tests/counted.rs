//! Counting by place: the same rules as moving agents one by one, so the same distribution of
//! every count; people are conserved; and counting is refused where it would not be exact.

use lifeline_flee::{
    CountingRefused, Ecosystem, LocationId, LocationKind, LocationSpec, MoveRules, SpawnRules,
};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn rules() -> MoveRules {
    MoveRules {
        max_move_speed: 200.0,
        camp_weight: 5.0,
        conflict_weight: 0.25,
        default_movechance: 0.3,
        camp_movechance: 0.001,
        conflict_movechance: 1.0,
        ..MoveRules::default()
    }
}

/// A small network where people start in a conflict zone and reach a camp by several roads,
/// some shorter than a day's travel (so arrivals decide again the same day, more than once)
/// and some longer; one road is closed while people are on it.
struct Network {
    world: Ecosystem,
    origin: LocationId,
    places: Vec<LocationId>,
}

/// A world that weighs links at each choice (as the coupled loop's does; counting needs it).
fn weighing(rules: MoveRules) -> Ecosystem {
    let mut world = Ecosystem::new(rules, SpawnRules::default());
    world.set_choice_tables(false);
    world
}

fn network() -> Network {
    let mut world = weighing(rules());
    let mut add = |name: &str, kind: LocationKind| {
        world.add_location(LocationSpec::new(name, kind).country("Home"))
    };
    let origin = add("Origin", LocationKind::ConflictZone);
    let a = add("A", LocationKind::Town);
    let b = add("B", LocationKind::Town);
    let c = add("C", LocationKind::Town);
    let camp = world.add_location(
        LocationSpec::new("Camp", LocationKind::Camp)
            .country("Abroad")
            .capacity(10_000),
    );
    world.add_route(origin, a, 60.0);
    world.add_route(a, b, 50.0);
    world.add_route(b, c, 70.0);
    world.add_route(origin, c, 420.0);
    world.add_route(c, camp, 150.0);
    world.add_route(a, camp, 330.0);
    world.set_conflict(origin, 1.0);
    Network {
        world,
        origin,
        places: vec![origin, a, b, c, camp],
    }
}

/// Each day's count at every place, on the roads, and arrivals at every place, over `days`.
fn trajectory(counted: bool, seed: u64, agents: u64, days: usize) -> Vec<f64> {
    let Network {
        mut world,
        origin,
        places,
    } = network();
    if counted {
        world
            .count_by_place(agents)
            .expect("the network can be counted");
    }
    world.spawn(origin, agents);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut row = Vec::new();
    for day in 0..days {
        if day == 4 {
            // People already on this road come back to A.
            let a = places[1];
            world.close_link_one_way(a, places[4]);
        }
        world.step(&mut rng);
        for &p in &places {
            row.push(world.count(p) as f64);
            row.push(world.arrivals(p) as f64);
        }
        row.push(world.agents_on_links() as f64);
    }
    row
}

fn mean_and_variance(samples: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>) {
    let n = samples.len() as f64;
    let width = samples[0].len();
    let mean: Vec<f64> = (0..width)
        .map(|i| samples.iter().map(|s| s[i]).sum::<f64>() / n)
        .collect();
    let variance = (0..width)
        .map(|i| {
            samples
                .iter()
                .map(|s| (s[i] - mean[i]).powi(2))
                .sum::<f64>()
                / (n - 1.0)
        })
        .collect();
    (mean, variance)
}

/// Over 3,000 seeds each, every daily count's mean under counting by place agrees with its
/// mean under agents one by one within 4.5 standard errors of the difference, and so does
/// its variance (within a factor that such samples allow). The engines draw differently, so
/// only distributions can agree.
#[test]
fn counts_have_the_distribution_of_agents_moved_one_by_one() {
    const SEEDS: u64 = 3_000;
    const DAYS: usize = 8;
    const AGENTS: u64 = 40;
    let one_by_one: Vec<Vec<f64>> = (0..SEEDS)
        .map(|s| trajectory(false, s, AGENTS, DAYS))
        .collect();
    let by_place: Vec<Vec<f64>> = (0..SEEDS)
        .map(|s| trajectory(true, 1_000_000 + s, AGENTS, DAYS))
        .collect();
    let (m1, v1) = mean_and_variance(&one_by_one);
    let (m2, v2) = mean_and_variance(&by_place);
    let mut compared = 0;
    for i in 0..m1.len() {
        let se = ((v1[i] + v2[i]) / SEEDS as f64).sqrt();
        if se == 0.0 {
            assert_eq!(
                m1[i], m2[i],
                "column {i}: certain in one engine, not the other"
            );
            continue;
        }
        compared += 1;
        let z = (m1[i] - m2[i]) / se;
        assert!(
            z.abs() < 4.5,
            "column {i}: mean {} one by one, {} by place (z = {z:.2})",
            m1[i],
            m2[i]
        );
        if v1[i] > 0.5 {
            let ratio = v2[i] / v1[i];
            assert!(
                (0.85..1.0 / 0.85).contains(&ratio),
                "column {i}: variance {} one by one, {} by place",
                v1[i],
                v2[i]
            );
        }
    }
    // Most columns vary: the test compares something.
    assert!(
        compared > m1.len() / 2,
        "{compared} of {} compared",
        m1.len()
    );
}

/// Where every move is certain, both engines put everyone in the same places every day.
#[test]
fn certain_moves_are_the_same_by_place_and_one_by_one() {
    let build = |counted: bool| {
        let rules = MoveRules {
            default_movechance: 1.0,
            max_move_speed: 200.0,
            ..MoveRules::default()
        };
        let mut w = weighing(rules);
        let ids: Vec<LocationId> = ["A", "B", "C", "D"]
            .iter()
            .map(|n| w.add_location(LocationSpec::new(*n, LocationKind::Town)))
            .collect();
        let camp = w.add_location(LocationSpec::new("E", LocationKind::Camp));
        w.add_link(ids[0], ids[1], 120.0);
        w.add_link(ids[1], ids[2], 30.0);
        w.add_link(ids[2], ids[3], 500.0);
        w.add_link(ids[3], camp, 90.0);
        if counted {
            w.count_by_place(100).expect("countable");
        }
        w.spawn(ids[0], 7);
        (w, ids, camp)
    };
    let (mut one, ids, camp) = build(false);
    let (mut counted, _, _) = build(true);
    let mut r1 = ChaCha8Rng::seed_from_u64(3);
    let mut r2 = ChaCha8Rng::seed_from_u64(4);
    for _ in 0..6 {
        one.step(&mut r1);
        counted.step(&mut r2);
        for &p in ids.iter().chain([&camp]) {
            assert_eq!(one.count(p), counted.count(p));
            assert_eq!(one.arrivals(p), counted.arrivals(p));
        }
        assert_eq!(one.agents_on_links(), counted.agents_on_links());
    }
    assert_eq!(counted.count(camp), 7, "everyone reached the camp");
}

#[test]
fn counting_is_refused_where_agents_would_differ() {
    let mut near_full = network();
    assert!(matches!(
        near_full.world.count_by_place(9_001),
        Err(CountingRefused::Capacity { .. })
    ));
    assert!(near_full.world.count_by_place(9_000).is_ok());
    for rules in [
        MoveRules {
            avoid_short_stints: true,
            ..rules()
        },
        MoveRules {
            start_on_foot: true,
            ..rules()
        },
        MoveRules {
            awareness_level: 2,
            ..rules()
        },
    ] {
        let mut w = weighing(rules);
        w.add_location(LocationSpec::new("A", LocationKind::Town));
        let refused = w.count_by_place(1);
        assert!(
            matches!(refused, Err(CountingRefused::Rule(_))),
            "{refused:?}"
        );
        assert!(!w.counts_by_place());
    }
    // A capacity that shrinks as it grows.
    let mut shrinking = weighing(MoveRules {
        capacity_scaling: -1.0,
        ..rules()
    });
    shrinking.add_location(LocationSpec::new("A", LocationKind::Town));
    assert!(matches!(
        shrinking.count_by_place(1),
        Err(CountingRefused::Rule(_))
    ));
    // Choice tables draw as the weighed choice does except on a weight that is not a number.
    let mut tables = Ecosystem::new(rules(), SpawnRules::default());
    assert_eq!(tables.count_by_place(1), Err(CountingRefused::ChoiceTables));
    // A capacity that appears after counting starts could fill.
    let mut growing = weighing(rules());
    let mut spec = LocationSpec::new("Camp", LocationKind::Camp);
    spec.capacity_per_day = 5;
    growing.add_location(spec);
    assert!(matches!(
        growing.count_by_place(1),
        Err(CountingRefused::GrowingCapacity { .. })
    ));
    // The bound covers the agents already there.
    let mut crowded = network();
    crowded.world.spawn(crowded.origin, 10);
    assert_eq!(
        crowded.world.count_by_place(9),
        Err(CountingRefused::Bound {
            most_agents: 9,
            present: 10
        })
    );
    assert!(crowded.world.count_by_place(10).is_ok());
    // Asked again, it checks again.
    assert!(crowded.world.count_by_place(9).is_err());
    assert!(crowded.world.counts_by_place());
}

/// A caller who shrinks a camp after counting started gets agents moved one by one from that
/// day on, each where the counts had it.
#[test]
fn a_capacity_changed_under_counting_moves_agents_one_by_one_again() {
    let mut net = network();
    net.world.count_by_place(100).expect("countable");
    net.world.spawn(net.origin, 100);
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for _ in 0..3 {
        net.world.step(&mut rng);
    }
    net.world.check_conservation().expect("counts add up");
    let camp = net.places[4];
    net.world.location_mut(camp).capacity = 20;
    net.world.step(&mut rng);
    assert!(!net.world.counts_by_place());
    net.world.check_conservation().expect("agents add up");
    assert_eq!(net.world.num_agents(), 100);
    for _ in 0..5 {
        net.world.step(&mut rng);
    }
    net.world.check_conservation().expect("agents still add up");
    assert!(
        net.world.agent_place(99).is_some(),
        "agents are kept one by one"
    );
    assert_eq!(net.world.agent_place(100), None);
}

/// Agents already on the move keep their place and progress when counting starts: the next
/// day's arrivals are the same.
#[test]
fn agents_on_the_road_keep_their_progress() {
    let rules = MoveRules {
        default_movechance: 1.0,
        camp_movechance: 0.0,
        max_move_speed: 100.0,
        ..MoveRules::default()
    };
    let mut w = weighing(rules);
    let a = w.add_location(LocationSpec::new("A", LocationKind::Town));
    let b = w.add_location(LocationSpec::new("B", LocationKind::Camp));
    w.add_link(a, b, 250.0);
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    w.spawn(a, 5);
    w.step(&mut rng);
    w.spawn(a, 3);
    w.step(&mut rng);
    // Five agents at 200 km, three at 100 km.
    w.count_by_place(8).expect("countable");
    assert_eq!(w.agents_on_links(), 8);
    w.step(&mut rng);
    assert_eq!((w.arrivals(b), w.count(b)), (5, 5));
    w.step(&mut rng);
    assert_eq!((w.arrivals(b), w.count(b)), (3, 8));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every agent is at a place or on a road, every day, and runs repeat to the count.
    #[test]
    fn counting_conserves_people(
        routes in prop::collection::vec((0usize..6, 0usize..6, 1.0f64..600.0), 1..14),
        spawns in prop::collection::vec((0usize..6, 0u64..400), 1..5),
        conflicts in prop::collection::vec(0usize..6, 0..3),
        days in 1usize..20,
        seed in any::<u64>(),
    ) {
        let run = || {
            let mut w = weighing(rules());
            let ids: Vec<LocationId> = (0..6)
                .map(|i| {
                    let kind = if i == 5 { LocationKind::Camp } else { LocationKind::Town };
                    w.add_location(LocationSpec::new(format!("P{i}"), kind))
                })
                .collect();
            for &(a, b, km) in &routes {
                if a != b {
                    w.add_route(ids[a], ids[b], km);
                }
            }
            for &c in &conflicts {
                w.set_conflict(ids[c], 1.0);
            }
            w.count_by_place(u64::MAX).expect("no capacity limits");
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut spawned = 0;
            let mut rows = Vec::new();
            for day in 0..days {
                if let Some(&(at, n)) = spawns.get(day) {
                    w.spawn(ids[at], n);
                    spawned += n;
                }
                w.step(&mut rng);
                let at_places: u64 = ids.iter().map(|&p| w.count(p)).sum();
                prop_assert_eq!(at_places + w.agents_on_links(), spawned);
                prop_assert_eq!(w.num_agents() as u64, spawned);
                prop_assert!(w.check_conservation().is_ok());
                rows.push(ids.iter().map(|&p| (w.count(p), w.arrivals(p))).collect::<Vec<_>>());
            }
            Ok(rows)
        };
        prop_assert_eq!(run()?, run()?);
    }
}

/// More agents than the bound promised: counting notices the day they could fill a camp and
/// moves them one by one from then on.
#[test]
fn agents_beyond_the_bound_are_moved_one_by_one() {
    let mut net = network();
    net.world.count_by_place(9_000).expect("countable");
    net.world.spawn(net.origin, 9_000);
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    net.world.step(&mut rng);
    assert!(net.world.counts_by_place(), "within the camp's buffer");
    net.world.spawn(net.origin, 1);
    net.world.step(&mut rng);
    assert!(!net.world.counts_by_place(), "one agent too many");
    net.world.check_conservation().expect("agents add up");
    assert_eq!(net.world.num_agents(), 9_001);
}
