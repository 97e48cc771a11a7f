//! DFlee's flood rules (Flee's `moving.py`, `scoring.py`, `spawning.py` and
//! `InputGeography.py`, Groen et al., BSD-3-Clause) on tiny networks where the outcome is known
//! by hand, and a small flood case read from text.

use std::collections::BTreeMap;

use lifeline_flee::{
    CaseInputs, ConflictSpawnMode, Ecosystem, FleeCase, FloodDrivenSpawning, FloodRules, InputFile,
    LocationId, LocationKind, LocationSpec, MoveRules, Place, SpawnRules,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Flood move chances and location weights per level 0..4.
fn flood_rules() -> FloodRules {
    FloodRules {
        movechances: vec![0.3, 1.0, 0.7, 1.0, 1.0],
        loc_weights: vec![0.25, 0.5, 0.2, 0.0, 0.0],
        forecaster: None,
    }
}

fn flood_world(default_movechance: f64) -> Ecosystem {
    let rules = MoveRules {
        default_movechance,
        max_move_speed: 200.0,
        flood: Some(flood_rules()),
        ..MoveRules::default()
    };
    let spawn_rules = SpawnRules {
        take_from_population: true,
        ..SpawnRules::default()
    };
    Ecosystem::new(rules, spawn_rules)
}

fn place(world: &mut Ecosystem, name: &str, kind: LocationKind, pop: i64) -> LocationId {
    world.add_location(
        LocationSpec::new(name, kind)
            .country("Home")
            .population(pop),
    )
}

#[test]
fn flood_level_replaces_the_move_chance() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    // Default move chance 0: nobody leaves a dry flood zone (which, unlike a town, does not
    // turn into a camp at so low a move chance).
    let mut w = flood_world(0.0);
    let zone = place(&mut w, "Zone", LocationKind::FloodZone, 0);
    let town = place(&mut w, "Town", LocationKind::Town, 0);
    assert!(!w.location(zone).camp, "a flood zone never becomes a camp");
    assert!(w.location(town).camp, "a town that nobody leaves does");
    let away = place(&mut w, "Away", LocationKind::Town, 0);
    w.add_route(zone, away, 1000.0);
    w.spawn(zone, 500);
    w.step(&mut rng);
    assert_eq!(w.count(zone), 500, "level 0: the usual move chance, 0");
    // Level 1: flood_movechances[1] = 1, so everyone leaves.
    w.set_flood_level(zone, 1);
    w.step(&mut rng);
    assert_eq!(w.count(zone), 0);
    assert_eq!(w.agents_on_links(), 500);
}

#[test]
fn flood_weights_attractiveness_once_and_flood_zones_twice() {
    let mut w = flood_world(1.0);
    let dry_town = place(&mut w, "DryTown", LocationKind::Town, 0);
    let wet_town = place(&mut w, "WetTown", LocationKind::Town, 0);
    let dry_zone = place(&mut w, "DryZone", LocationKind::FloodZone, 0);
    let wet_zone = place(&mut w, "WetZone", LocationKind::FloodZone, 0);
    w.set_flood_level(wet_town, 2);
    w.set_flood_level(wet_zone, 1);
    // Flee: updateLocationScore multiplies a flood zone's score by flood_loc_weights[level]
    // (level 0 included); getEndPointScore multiplies any flooded destination again.
    assert_eq!(w.attractiveness(dry_town), 1.0);
    assert_eq!(w.attractiveness(wet_town), 0.2);
    assert_eq!(w.attractiveness(dry_zone), 0.25);
    assert_eq!(w.attractiveness(wet_zone), 0.5 * 0.5);
}

#[test]
fn route_choice_follows_the_flood_weights() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut w = flood_world(1.0);
    let origin = w.add_location(LocationSpec::new("Origin", LocationKind::Forward).country("Home"));
    let zone = place(&mut w, "Zone", LocationKind::FloodZone, 0);
    let town = place(&mut w, "Town", LocationKind::Town, 0);
    let (to_zone, _) = w.add_route(origin, zone, 1000.0);
    let (to_town, _) = w.add_route(origin, town, 1000.0);
    w.set_flood_level(zone, 1);
    let agents = 20_000;
    w.spawn(origin, agents);
    w.step(&mut rng);
    // Equal distances: weights 0.5 × 0.5 for the flooded zone and 1 for the town, so a share
    // of 0.25 / 1.25 = 0.2 takes the zone (standard error 0.0028).
    let on_zone = w.link(to_zone).num_agents as f64;
    let on_town = w.link(to_town).num_agents as f64;
    assert_eq!(on_zone + on_town, agents as f64);
    let share = on_zone / agents as f64;
    assert!((share - 0.2).abs() < 0.015, "share {share}");
}

#[test]
fn flood_spawning_follows_flee_modes() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut w = flood_world(0.3);
    let zone = place(&mut w, "Zone", LocationKind::FloodZone, 1000);
    let town = place(&mut w, "Town", LocationKind::Town, 5000);
    let pop_ratio = FloodDrivenSpawning {
        mode: ConflictSpawnMode::PopRatio,
        displaced_per_flood_day: vec![0.0, 0.1, 0.25, 0.5],
    };
    assert_eq!(
        w.spawn_by_flood(&pop_ratio, &mut rng),
        Ok(0),
        "nothing is flooded"
    );
    w.set_flood_level(zone, 2);
    // int(0.25 × 1000) = 250, taken from the population; then int(0.25 × 750) = 187.
    assert_eq!(w.spawn_by_flood(&pop_ratio, &mut rng), Ok(250));
    assert_eq!(w.location(zone).pop, 750);
    assert_eq!(w.spawn_by_flood(&pop_ratio, &mut rng), Ok(187));
    assert_eq!(w.count(town), 0, "only flooded locations spawn");
    // Any location type floods, not only flood zones: int(0.1 × 5000) = 500.
    w.set_flood_level(zone, 0);
    w.set_flood_level(town, 1);
    assert_eq!(w.spawn_by_flood(&pop_ratio, &mut rng), Ok(500));
    let constant = FloodDrivenSpawning {
        mode: ConflictSpawnMode::Constant,
        displaced_per_flood_day: vec![0.0, 7.9],
    };
    assert_eq!(w.spawn_by_flood(&constant, &mut rng), Ok(7), "int(7.9)");
    // Poisson: Flee draws with mean int(rate), so 2.9 gives a mean of 2.
    let poisson = FloodDrivenSpawning {
        mode: ConflictSpawnMode::Poisson,
        displaced_per_flood_day: vec![0.0, 2.9],
    };
    let draws = 4000;
    let mut total = 0;
    for _ in 0..draws {
        total += w.spawn_by_flood(&poisson, &mut rng).expect("within limits");
    }
    let mean = total as f64 / draws as f64;
    // Standard error sqrt(2 / 4000) = 0.022.
    assert!((mean - 2.0).abs() < 0.1, "mean {mean}");
    w.check_conservation().expect("conserved");
}

fn series(values: &[(&str, i64)]) -> String {
    let mut text = String::from("Date,n\n");
    for (date, value) in values {
        text.push_str(&format!("{date},{value}\n"));
    }
    text
}

/// Three locations: a flood zone that floods from day 0, a town, a camp with data.
fn flood_case() -> CaseInputs {
    let mut data_files = BTreeMap::new();
    data_files.insert(
        "zone.csv".to_string(),
        series(&[("2020-01-01", 0), ("2020-01-11", 0)]),
    );
    data_files.insert(
        "town.csv".to_string(),
        series(&[("2020-01-01", 0), ("2020-01-11", 0)]),
    );
    data_files.insert(
        "camp.csv".to_string(),
        series(&[("2020-01-01", 40), ("2020-01-11", 140)]),
    );
    let levels: String = (0..10)
        .map(|day| format!("{day},{}\n", if day < 2 { day + 1 } else { 0 }))
        .collect();
    CaseInputs {
        locations: InputFile::new(
            "locations.csv",
            "#name,region,country,lat,lon,location_type,conflict_date,population\n\
             Zone,r,Home,0,0,flood_zone,0,1000\n\
             Town,r,Home,0,0,town,0,3000\n\
             Camp,r,Home,0,0,camp,,500\n",
        ),
        routes: InputFile::new(
            "routes.csv",
            "#name1,name2,distance,forced_redirection\nZone,Town,50,0\nTown,Camp,100,0\n",
        ),
        closures: None,
        conflicts: None,
        flood_levels: Some(InputFile::new(
            "flood_level.csv",
            format!("#Day, Zone\n{levels}"),
        )),
        flood_awareness: None,
        sim_period: InputFile::new("sim_period.csv", "StartDate,2020-01-01\nLength,10\n"),
        registration_corrections: None,
        data_layout: InputFile::new(
            "data_layout.csv",
            "Zone,zone.csv\nTown,town.csv\nCamp,camp.csv\n",
        ),
        data_files,
        settings: InputFile::new(
            "simsetting.yml",
            "spawn_rules:\n  take_from_population: True\n  conflict_zone_spawning_only: False\n  flood_zone_spawning_only: True\n  flood_driven_spawn_mode:\n    spawn_mode: pop_ratio\n    displaced_per_flood_day: [0.0, 0.1, 0.2, 0.5]\nmove_rules:\n  flood_rules:\n    flood_movechances: [0.3, 0.4, 0.7, 1.0]\n    flood_loc_weights: [1.0, 0.5, 0.2, 0.0]\n",
        ),
    }
}

#[test]
fn a_flood_case_reports_every_location_and_spawns_by_flood_level() {
    let case = FleeCase::from_inputs(&flood_case(), None).expect("valid flood case");
    // Flee's get_camp_names lists every location under flood-driven spawning.
    assert_eq!(case.camp_names(), vec!["Zone", "Town", "Camp"]);
    // The data do not drive spawning, and the camp keeps its full capacity.
    assert!(
        case.plan()
            .iter()
            .all(|day| day.new_agents == 0 && day.raw_count == 0)
    );
    let camp = case.initial_ecosystem().location(LocationId(2));
    assert_eq!(camp.capacity, 500);
    assert_eq!(
        case.initial_ecosystem().num_agents(),
        40,
        "day-0 registrations"
    );
    let run = case.run(1, 0).expect("runs");
    // Day 0: level 1, int(0.1 × 1000) = 100; day 1: level 2, int(0.2 × 900) = 180; then dry.
    assert_eq!(run.total_agents[0], 40 + 100);
    assert_eq!(run.total_agents[1], 40 + 100 + 180);
    assert_eq!(run.total_agents[9], 40 + 100 + 180);
    let out = case.out_csv(&run);
    assert!(
        out.starts_with("Day,Date,Zone sim,Zone data,Zone error,Town sim,"),
        "{out}"
    );
    // Flee's columns for a run without data-driven spawning.
    let last = out.lines().last().expect("rows");
    assert!(last.contains(",0.0,0,320,0,"), "{last}");
}

#[test]
fn a_flood_case_is_the_same_for_the_same_seed() {
    let case = FleeCase::from_inputs(&flood_case(), None).expect("valid flood case");
    let a = case.out_csv(&case.run(5, 0).expect("runs"));
    let b = case.out_csv(&case.run(5, 0).expect("runs"));
    assert_eq!(a, b);
    let other = (6..16)
        .map(|seed| case.out_csv(&case.run(seed, 0).expect("runs")))
        .any(|out| out != a);
    assert!(other, "other seeds give other runs");
}

#[test]
fn flood_input_flee_would_misread_or_crash_on_is_an_error_with_file_and_line() {
    let check = |change: &dyn Fn(&mut CaseInputs), expected: &str| {
        let mut inputs = flood_case();
        change(&mut inputs);
        let err = FleeCase::from_inputs(&inputs, None).expect_err(expected);
        let message = err.to_string();
        assert!(message.contains(expected), "{expected}: {message}");
    };
    // A column that differs from a location only in case, with floods that would be lost.
    check(
        &|i| {
            if let Some(file) = &mut i.flood_levels {
                file.text = file.text.replace("#Day, Zone", "#Day,zone");
            }
        },
        "flood_level.csv:1: column `zone` is not a location in locations.csv (did you mean `Zone`?)",
    );
    // Level 3 is the last entry of 4-entry lists: Flee's interp fails there.
    check(
        &|i| {
            if let Some(file) = &mut i.flood_levels {
                file.text = file.text.replace("\n4,0\n", "\n4,3\n");
            }
        },
        "flood_level.csv:6: flood level 3 of `Zone` is past what `spawn_rules.flood_driven_spawn_mode.displaced_per_flood_day` (4 entries) covers",
    );
    check(
        &|i| {
            if let Some(file) = &mut i.flood_levels {
                file.text = file.text.replace("\n4,0\n", "\n4,-1\n");
            }
        },
        "flood_level.csv:6: flood level of `Zone` must be a number >= 0",
    );
    check(
        &|i| {
            if let Some(file) = &mut i.flood_levels {
                file.text = "#Day,Zone\n0,1\n".into();
            }
        },
        "flood_level.csv: has 1 day rows but the simulation runs 10 days",
    );
    check(&|i| i.flood_levels = None, "flood_level.csv: is missing");
    check(
        &|i| i.data_layout.text = "Zone,zone.csv\nCamp,camp.csv\n".into(),
        "data_layout.csv: location `Town` has no data series",
    );
    // An all-zero column that is not a location changes nothing: a warning, as Flee carries on.
    let mut inputs = flood_case();
    if let Some(file) = &mut inputs.flood_levels {
        file.text = file.text.replace("#Day, Zone", "#Day, Zone, Nowhere");
        file.text = file
            .text
            .lines()
            .enumerate()
            .map(|(i, line)| {
                if i == 0 {
                    format!("{line}\n")
                } else {
                    format!("{line},0\n")
                }
            })
            .collect();
    }
    let case = FleeCase::from_inputs(&inputs, None).expect("an all-zero extra column is fine");
    assert!(
        case.warnings
            .iter()
            .any(|w| w.starts_with("flood_level.csv:1: column `Nowhere` is not a location")),
        "{:?}",
        case.warnings
    );
}

#[test]
fn flood_levels_do_nothing_without_flood_rules() {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let rules = MoveRules {
        default_movechance: 0.0,
        ..MoveRules::default()
    };
    let mut w = Ecosystem::new(rules, SpawnRules::default());
    let zone = place(&mut w, "Zone", LocationKind::FloodZone, 0);
    let away = place(&mut w, "Away", LocationKind::FloodZone, 0);
    w.add_route(zone, away, 10.0);
    w.set_flood_level(zone, 1);
    w.set_flood_level(away, 1);
    w.spawn(zone, 50);
    w.step(&mut rng);
    assert_eq!(w.count(zone), 50);
    assert_eq!(w.attractiveness(away), 1.0);
    assert_eq!(w.agent_place(0), Some(Place::At(zone)));
}
