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
        matches!(w.agent_place(0), Place::OnLink(_)),
        "200 km is not > 200 km"
    );
    w.step(&mut rng);
    assert_eq!(w.agent_place(0), Place::At(b));
    assert_eq!(w.arrivals(b), 1);

    let mut w = world();
    let a = town(&mut w, "A");
    let b = camp(&mut w, "B", 0);
    w.add_link(a, b, 199.0);
    w.spawn(a, 1);
    w.step(&mut rng);
    assert_eq!(w.agent_place(0), Place::At(b));
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
    assert_eq!(w.agent_place(0), Place::At(c));

    let mut w = world();
    let a = town(&mut w, "A");
    let b = town(&mut w, "B");
    let c = camp(&mut w, "C", 0);
    w.add_link(a, b, 150.0);
    w.add_link(b, c, 250.0);
    w.spawn(a, 1);
    w.step(&mut rng);
    assert!(matches!(w.agent_place(0), Place::OnLink(_)));
    w.step(&mut rng);
    assert_eq!(w.agent_place(0), Place::At(c));
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
    assert_eq!(w.agent_place(0), Place::At(a));
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
