//! Flee's movement rules on tiny hand-made networks where the outcome is certain.

use lifeline_flee::{
    Ecosystem, LocationId, LocationKind, LocationSpec, MoveRules, Place, SpawnRules,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Towns always leave, speed 200 km/day, capacity buffer 0.75.
fn world() -> Ecosystem {
    let rules = MoveRules {
        default_movechance: 1.0,
        max_move_speed: 200.0,
        capacity_buffer: 0.75,
        ..MoveRules::default()
    };
    Ecosystem::new(rules, SpawnRules::default())
}

fn town(world: &mut Ecosystem, name: &str) -> LocationId {
    world.add_location(LocationSpec::new(name, LocationKind::Town).country("Home"))
}

fn camp(world: &mut Ecosystem, name: &str, capacity: i64) -> LocationId {
    world.add_location(
        LocationSpec::new(name, LocationKind::Camp)
            .country("Abroad")
            .capacity(capacity),
    )
}

#[test]
fn arrival_needs_more_than_the_link_length() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut w = world();
    let a = town(&mut w, "A");
    let b = camp(&mut w, "B", 0);
    w.add_link(a, b, 200.0);
    w.spawn(a, 1);
    w.step(&mut rng);
    assert!(
        matches!(w.agent_place(0), Some(Place::OnLink(_))),
        "200 km is not > 200 km"
    );
    w.step(&mut rng);
    assert_eq!(w.agent_place(0), Some(Place::At(b)));
    assert_eq!(w.arrivals(b), 1);

    let mut w = world();
    let a = town(&mut w, "A");
    let b = camp(&mut w, "B", 0);
    w.add_link(a, b, 199.0);
    w.spawn(a, 1);
    w.step(&mut rng);
    assert_eq!(w.agent_place(0), Some(Place::At(b)));
}

#[test]
fn time_left_after_arriving_is_used_the_same_day() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let mut w = world();
    let a = town(&mut w, "A");
    let b = town(&mut w, "B");
    let c = camp(&mut w, "C", 0);
    w.add_link(a, b, 150.0);
    w.add_link(b, c, 150.0);
    w.spawn(a, 1);
    w.step(&mut rng);
    // 150 km to B leaves time, and the next link is covered at a full day's speed
    // (Flee's rule), so the agent reaches C on day 1 after 300 km.
    assert_eq!(w.agent_place(0), Some(Place::At(c)));

    let mut w = world();
    let a = town(&mut w, "A");
    let b = town(&mut w, "B");
    let c = camp(&mut w, "C", 0);
    w.add_link(a, b, 150.0);
    w.add_link(b, c, 250.0);
    w.spawn(a, 1);
    w.step(&mut rng);
    assert!(matches!(w.agent_place(0), Some(Place::OnLink(_))));
    w.step(&mut rng);
    assert_eq!(w.agent_place(0), Some(Place::At(c)));
}

#[test]
fn agents_on_a_closed_link_go_back_even_if_it_reopens() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut w = world();
    let a = town(&mut w, "A");
    let b = camp(&mut w, "B", 0);
    w.add_link(a, b, 500.0);
    w.spawn(a, 1);
    w.step(&mut rng);
    assert!(w.close_link_one_way(a, b));
    assert!(w.reopen_link_one_way(a, b));
    w.step(&mut rng);
    w.step(&mut rng);
    assert_eq!(w.agent_place(0), Some(Place::At(a)));
    assert_eq!(w.count(b), 0);
    // The reopened route is a fresh link that works normally.
    w.spawn(a, 1);
    for _ in 0..3 {
        w.step(&mut rng);
    }
    assert_eq!(w.count(b) + w.agents_on_links() + w.count(a), 2);
    w.check_conservation().expect("conserved");
}

#[test]
fn closed_border_blocks_new_departures() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let mut w = world();
    let a = town(&mut w, "A");
    let b = camp(&mut w, "B", 0);
    w.add_route(a, b, 100.0);
    assert!(w.close_border("Home", "Abroad"));
    w.spawn(a, 5);
    w.step(&mut rng);
    assert_eq!(w.count(a), 5);
    assert!(w.reopen_border("Home", "Abroad"));
    w.step(&mut rng);
    assert_eq!(w.count(b), 5);
}

#[test]
fn a_nearly_full_camp_turns_people_away() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut w = world();
    let a = town(&mut w, "A");
    let b = camp(&mut w, "B", 10);
    w.add_link(a, b, 50.0);
    // 9 of 10: capacity multiplier 1 - (9 - 7.5) / 2.5 = 0.4 < 0.5.
    w.spawn(b, 9);
    w.spawn(a, 3);
    w.step(&mut rng);
    assert_eq!(w.count(a), 3);
    assert_eq!(w.count(b), 9);
}

#[test]
fn movechance_multiplier_and_conflict_change_who_leaves() {
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let rules = MoveRules {
        default_movechance: 0.3,
        max_move_speed: 200.0,
        ..MoveRules::default()
    };
    let mut w = Ecosystem::new(rules, SpawnRules::default());
    let a = town(&mut w, "A");
    let b = camp(&mut w, "B", 0);
    w.add_link(a, b, 50.0);
    w.spawn(a, 1000);
    w.set_movechance_multiplier(a, 0.0);
    w.step(&mut rng);
    assert_eq!(w.count(a), 1000, "a zero multiplier keeps everyone");
    w.set_movechance_multiplier(a, 1.0);
    w.set_conflict(a, 1.0); // conflict_movechance defaults to 1
    w.step(&mut rng);
    assert_eq!(w.count(b), 1000);
    assert_eq!(w.location(a).time_of_conflict, 1);
}

/// Rules from Flee 2 and 3 (`start_on_foot`, `avoid_short_stints`, awareness levels, markers,
/// conflict-driven spawning), each against the behaviour of Flee's `flee.py`/`moving.py`.
fn rules_with(adjust: impl FnOnce(&mut MoveRules)) -> Ecosystem {
    let mut rules = MoveRules {
        default_movechance: 1.0,
        max_move_speed: 200.0,
        ..MoveRules::default()
    };
    adjust(&mut rules);
    Ecosystem::new(rules, SpawnRules::default())
}

fn conflict_zone(world: &mut Ecosystem, name: &str) -> LocationId {
    world.add_location(LocationSpec::new(name, LocationKind::ConflictZone).country("Home"))
}

fn count_at(world: &Ecosystem, id: LocationId) -> usize {
    (0..world.num_agents())
        .filter(|&agent| world.agent_place(agent) == Some(Place::At(id)))
        .count()
}

#[test]
fn start_on_foot_walks_until_the_first_arrival() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut w = rules_with(|r| {
        r.start_on_foot = true;
        r.max_walk_speed = 35.0;
    });
    let a = town(&mut w, "A");
    let b = town(&mut w, "B");
    let c = camp(&mut w, "C", 0);
    w.add_link(a, b, 100.0);
    w.add_link(b, c, 150.0);
    w.spawn(a, 1);
    // 35 km a day on foot: 35, 70, then 105 > 100 arrives at B on the third day with time
    // left, and the next link is taken at the full 200 km (places_travelled is then 2).
    w.step(&mut rng);
    w.step(&mut rng);
    assert!(matches!(w.agent_place(0), Some(Place::OnLink(_))));
    w.step(&mut rng);
    assert_eq!(w.agent_place(0), Some(Place::At(c)));

    let mut w = rules_with(|_| {});
    let a = town(&mut w, "A");
    let b = town(&mut w, "B");
    let c = camp(&mut w, "C", 0);
    w.add_link(a, b, 100.0);
    w.add_link(b, c, 150.0);
    w.spawn(a, 1);
    w.step(&mut rng);
    assert_eq!(
        w.agent_place(0),
        Some(Place::At(c)),
        "without it, both links on day one"
    );
}

#[test]
fn avoid_short_stints_forces_a_town_move_after_a_short_trip() {
    // A conflict zone empties on day one; B is a town people rarely leave.
    let build = |stints: bool, first_leg: f64| {
        let mut w = rules_with(|r| {
            r.default_movechance = 0.01;
            r.avoid_short_stints = stints;
        });
        let a = conflict_zone(&mut w, "A");
        let b = town(&mut w, "B");
        let c = camp(&mut w, "C", 0);
        w.add_link(a, b, first_leg);
        w.add_link(b, c, 10.0);
        w.spawn(a, 1000);
        (w, c)
    };
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    // 10 km is a short stint: (0 + 10/200) / 2 < 0.5, so everyone moves on from B.
    let (mut w, c) = build(true, 10.0);
    w.step(&mut rng);
    assert_eq!(count_at(&w, c), 1000);
    let (mut w, c) = build(false, 10.0);
    w.step(&mut rng);
    assert!(count_at(&w, c) < 50, "1% move chance: {}", count_at(&w, c));
    // 350 km: a full day (recent travel 0.5), then 150 km: (0.5 + 0.75) / 2 ≥ 0.5, not forced.
    let (mut w, c) = build(true, 350.0);
    w.step(&mut rng);
    w.step(&mut rng);
    assert!(
        count_at(&w, c) < 50,
        "not a short stint: {}",
        count_at(&w, c)
    );
    w.check_conservation().expect("conserved");
}

#[test]
fn awareness_level_two_chooses_and_follows_two_link_routes() {
    let build = |awareness: i64| {
        let mut w = rules_with(|r| {
            r.default_movechance = 0.01;
            r.awareness_level = awareness;
        });
        let a = conflict_zone(&mut w, "A");
        let b = town(&mut w, "B");
        let c = camp(&mut w, "C", 0);
        w.add_link(a, b, 300.0);
        w.add_link(b, c, 50.0);
        w.spawn(a, 2000);
        (w, c)
    };
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    // Level 2: the routes [B] and [B, C] weigh 1/310 and 1/360, so about 46% choose C and,
    // once at B with time left, go on for certain.
    let (mut w, c) = build(2);
    w.step(&mut rng);
    w.step(&mut rng);
    let share = count_at(&w, c) as f64 / 2000.0;
    let expected = (1.0 / 360.0) / (1.0 / 310.0 + 1.0 / 360.0);
    assert!(
        (share - expected).abs() < 0.05,
        "share {share}, expected {expected}"
    );
    w.check_conservation().expect("conserved");
    // Level 1: everyone stops at B, and 1% of them leave the same day.
    let (mut w, c) = build(1);
    w.step(&mut rng);
    w.step(&mut rng);
    assert!(count_at(&w, c) < 60, "{}", count_at(&w, c));
}

#[test]
fn markers_are_passed_through_and_never_a_destination() {
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let mut w = rules_with(|_| {});
    let a = conflict_zone(&mut w, "A");
    let marker = w.add_location(LocationSpec::new("M", LocationKind::Marker).country("Home"));
    let c = camp(&mut w, "C", 0);
    let d = town(&mut w, "D");
    w.add_link(a, marker, 50.0);
    w.add_link(marker, c, 50.0);
    w.add_link(a, d, 50.0);
    w.spawn(a, 1000);
    w.step(&mut rng);
    // Routes from A: [M, C] over 100 km (the marker does not count as a step) and [D] over
    // 50 km, weighing 1/110 and 1/60.
    assert_eq!(count_at(&w, marker), 0);
    let share = count_at(&w, c) as f64 / 1000.0;
    let expected = (1.0 / 110.0) / (1.0 / 110.0 + 1.0 / 60.0);
    assert!(
        (share - expected).abs() < 0.05,
        "share {share}, expected {expected}"
    );
    assert_eq!(count_at(&w, c) + count_at(&w, d), 1000);
    w.check_conservation().expect("conserved");
}

#[test]
fn conflict_driven_spawning_follows_flee_modes() {
    use lifeline_flee::{ConflictDrivenSpawning, ConflictSpawnMode};
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let spawn_rules = SpawnRules {
        take_from_population: true,
        ..SpawnRules::default()
    };
    let mut w = Ecosystem::new(MoveRules::default(), spawn_rules);
    let a = w.add_location(
        LocationSpec::new("A", LocationKind::ConflictZone)
            .country("Home")
            .population(1000),
    );
    let b = w.add_location(LocationSpec::new("B", LocationKind::Town).population(5000));
    let pop_ratio = ConflictDrivenSpawning {
        mode: ConflictSpawnMode::PopRatio,
        displaced_per_conflict_day: 0.01,
    };
    // int(0.01 × 1000 × 1) = 10, taken from the population; then int(0.01 × 990) = 9.
    assert_eq!(w.spawn_by_conflict(&pop_ratio, &mut rng), Ok(10));
    assert_eq!(w.location(a).pop, 990);
    assert_eq!(w.spawn_by_conflict(&pop_ratio, &mut rng), Ok(9));
    assert_eq!(w.count(b), 0, "only conflict zones spawn");
    let constant = ConflictDrivenSpawning {
        mode: ConflictSpawnMode::Constant,
        displaced_per_conflict_day: 7.0,
    };
    w.set_conflict(a, 0.5);
    assert_eq!(
        w.spawn_by_conflict(&constant, &mut rng),
        Ok(3),
        "int(7 × 0.5)"
    );
    w.check_conservation().expect("conserved");
}
