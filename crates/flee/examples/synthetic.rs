//! Synthetic throughput measurement: one million agents on a generated network.
//!
//! `cargo run -p lifeline-flee --release --example synthetic [agents] [days]`
//!
//! 200 locations (20 conflict zones, 150 towns, 30 foreign camps) in a ring with random
//! chords; all agents start in the conflict zones on day 0, so the first days are dominated
//! by movement and later ones by people waiting in camps. Prints agent-steps per second
//! (one agent-step = one agent simulated for one day) for the whole run and per phase.

use std::time::Instant;

use lifeline_flee::{Ecosystem, LocationId, LocationKind, LocationSpec, MoveRules, SpawnRules};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn main() {
    let mut args = std::env::args().skip(1);
    let agents: u64 = args
        .next()
        .map_or(1_000_000, |a| a.parse().expect("agents"));
    let days: usize = args.next().map_or(60, |a| a.parse().expect("days"));
    let mut layout_rng = ChaCha8Rng::seed_from_u64(2024);
    let rules = MoveRules {
        max_move_speed: 200.0,
        camp_weight: 5.0,
        conflict_weight: 0.25,
        capacity_buffer: 0.75,
        ..MoveRules::default()
    };
    let mut world = Ecosystem::new(rules, SpawnRules::default());
    let n = 200u32;
    let mut conflict_zones = Vec::new();
    for i in 0..n {
        let (kind, country) = match i % 10 {
            0 => (LocationKind::ConflictZone, "Home"),
            1 if i % 20 == 1 => (LocationKind::Camp, "Abroad"),
            3 if i % 30 == 3 => (LocationKind::Camp, "Abroad"),
            _ => (LocationKind::Town, "Home"),
        };
        let mut spec = LocationSpec::new(format!("L{i}"), kind)
            .country(country)
            .population(layout_rng.random_range(1_000..100_000));
        if kind == LocationKind::Camp {
            spec = spec.capacity((agents / 15) as i64);
        }
        let id = world.add_location(spec);
        if kind == LocationKind::ConflictZone {
            conflict_zones.push(id);
        }
    }
    for i in 0..n {
        let next = (i + 1) % n;
        world.add_route(
            LocationId(i),
            LocationId(next),
            layout_rng.random_range(30.0..300.0),
        );
        let chord = layout_rng.random_range(0..n);
        if chord != i {
            world.add_route(
                LocationId(i),
                LocationId(chord),
                layout_rng.random_range(50.0..500.0),
            );
        }
    }
    let per_zone = agents / conflict_zones.len() as u64;
    for (k, &zone) in conflict_zones.iter().enumerate() {
        let extra = if k == 0 {
            agents - per_zone * conflict_zones.len() as u64
        } else {
            0
        };
        world.spawn(zone, per_zone + extra);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let start = Instant::now();
    let mut phase_start = Instant::now();
    let mut phase_steps = 0u64;
    for day in 0..days {
        world.step(&mut rng);
        phase_steps += agents;
        if (day + 1) % 10 == 0 {
            let seconds = phase_start.elapsed().as_secs_f64();
            let on_links = world.agents_on_links();
            println!(
                "days {:3}-{:3}: {:6.1} M agent-steps/s  ({} on links at the end)",
                day - 8,
                day + 1,
                phase_steps as f64 / seconds / 1e6,
                on_links
            );
            phase_start = Instant::now();
            phase_steps = 0;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let steps = agents as f64 * days as f64;
    world.check_conservation().expect("conserved");
    println!(
        "{agents} agents x {days} days = {:.0} M agent-steps in {seconds:.2} s: {:.1} M agent-steps/s on one core",
        steps / 1e6,
        steps / seconds / 1e6
    );
}
