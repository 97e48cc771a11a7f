//! Property tests: people are conserved and runs are reproducible, whatever the network.

use lifeline_flee::{
    ConflictSpawnMode, Ecosystem, FloodDrivenSpawning, FloodForecaster, FloodRules, LocationId,
    LocationKind, LocationSpec, MoveRules, SpawnRules,
};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[derive(Debug, Clone)]
struct World {
    kinds: Vec<(u8, i64, bool)>,
    routes: Vec<(usize, usize, f64)>,
    spawns: Vec<(usize, u64)>,
    events: Vec<(u8, usize, usize)>,
    days: usize,
    seed: u64,
    /// `start_on_foot`, `avoid_short_stints` and the awareness level.
    rules: (bool, bool, i64),
    /// DFlee's flood forecaster on (with a forecast for every location).
    forecaster: bool,
}

fn world() -> impl Strategy<Value = World> {
    (2usize..9).prop_flat_map(|n| {
        (
            prop::collection::vec((0u8..6, 0i64..5_000, any::<bool>()), n),
            prop::collection::vec((0..n, 0..n, 1.0f64..700.0), 1..(3 * n)),
            prop::collection::vec((0..n, 0u64..300), 1..6),
            prop::collection::vec((0u8..7, 0..n, 0..n), 0..8),
            1usize..25,
            any::<u64>(),
            (any::<bool>(), any::<bool>(), 1i64..4),
            any::<bool>(),
        )
            .prop_map(
                |(kinds, routes, spawns, events, days, seed, rules, forecaster)| World {
                    kinds,
                    routes,
                    spawns,
                    events,
                    days,
                    seed,
                    rules,
                    forecaster,
                },
            )
    })
}

fn build(world: &World) -> Ecosystem {
    let rules = MoveRules {
        camp_weight: 5.0,
        capacity_buffer: 0.75,
        max_move_speed: 200.0,
        start_on_foot: world.rules.0,
        avoid_short_stints: world.rules.1,
        awareness_level: world.rules.2,
        // DFlee's flood rules, used once a flood level is set.
        flood: Some(FloodRules {
            movechances: vec![0.3, 0.6, 0.9, 1.0, 1.0],
            loc_weights: vec![0.8, 0.5, 0.2, 0.0, 0.0],
            forecaster: world.forecaster.then(|| FloodForecaster {
                timescale: 3,
                end_time: 15,
                day_weights: vec![
                    1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
                ],
                awareness_weights: vec![0.0, 0.5, 1.0, 2.0],
            }),
        }),
        ..MoveRules::default()
    };
    let spawn_rules = SpawnRules {
        conflict_spawn_decay: Some(vec![1.0, 0.5, 0.1]),
        conflict_spawn_decay_interval: 3,
        take_from_population: true,
        ..SpawnRules::default()
    };
    let mut eco = Ecosystem::new(rules, spawn_rules);
    for (i, &(kind, size, foreign)) in world.kinds.iter().enumerate() {
        let kind = match kind {
            0 => LocationKind::Town,
            1 => LocationKind::ConflictZone,
            2 => LocationKind::Camp,
            3 => LocationKind::Forward,
            4 => LocationKind::Marker,
            _ => LocationKind::FloodZone,
        };
        let spec = LocationSpec::new(format!("L{i}"), kind)
            .country(if foreign { "B" } else { "A" })
            .population(size);
        let spec = if kind == LocationKind::Camp {
            spec.capacity(size / 10)
        } else {
            spec
        };
        let id = eco.add_location(spec);
        if world.forecaster {
            // A forecast that floods every third day, and awareness weights that differ by place.
            let forecast = (0..20).map(|day| ((day + i) % 3) as f64).collect();
            eco.set_flood_forecast(id, forecast);
            let weights = [0.1, 0.2, 0.3, (i % 3) as f64];
            eco.set_flood_awareness(id, &weights)
                .expect("valid awareness weights");
        }
    }
    for &(a, b, distance) in &world.routes {
        if a != b {
            eco.add_route(LocationId(a as u32), LocationId(b as u32), distance.round());
        }
    }
    eco
}

fn simulate(world: &World) -> (Ecosystem, u64) {
    let mut eco = build(world);
    let mut rng = ChaCha8Rng::seed_from_u64(world.seed);
    let mut spawned = 0;
    for day in 0..world.days {
        if let Some(&(at, n)) = world.spawns.get(day % world.spawns.len()) {
            eco.spawn(LocationId(at as u32), n);
            spawned += n;
        }
        if let Some(&(kind, a, b)) = world.events.get(day) {
            let (a, b) = (LocationId(a as u32), LocationId(b as u32));
            match kind {
                0 => eco.set_conflict(a, 1.0),
                1 => eco.set_conflict(a, 0.0),
                2 => {
                    eco.close_border("A", "B");
                }
                3 => {
                    eco.reopen_border("A", "B");
                }
                4 => {
                    eco.close_link_one_way(a, b);
                }
                5 => eco.set_movechance_multiplier(a, 2.0),
                _ => eco.set_flood_level(a, b.0 % 4),
            }
        }
        let flood = FloodDrivenSpawning {
            mode: ConflictSpawnMode::PopRatio,
            displaced_per_flood_day: vec![0.0, 0.01, 0.02, 0.05, 0.1],
        };
        spawned += eco.spawn_by_flood(&flood, &mut rng).expect("within limits");
        if eco.spawn_weights().iter().sum::<f64>() > 0.0 {
            eco.spawn_displaced(7, &mut rng).expect("positive weights");
            spawned += 7;
        }
        eco.step(&mut rng);
        eco.check_conservation().expect("every agent counted once");
        assert_eq!(
            eco.agents_at_locations() + eco.agents_on_links(),
            spawned,
            "spawned = present at locations + on links"
        );
        assert_eq!(eco.num_agents() as u64, spawned);
    }
    (eco, spawned)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn people_are_conserved(world in world()) {
        simulate(&world);
    }

    #[test]
    fn same_seed_same_world(world in world()) {
        let (first, _) = simulate(&world);
        let (second, _) = simulate(&world);
        prop_assert_eq!(first, second);
    }
}
