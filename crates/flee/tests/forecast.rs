//! DFlee's flood forecaster (Flee's `moving.py`, `scoring.py`, `InputGeography.py` and
//! `demographics.py`, Groen et al., BSD-3-Clause) on tiny networks where the outcome is known
//! by hand, and the reading of `demographics_floodawareness.csv` in a case given as text.

use std::collections::BTreeMap;

use lifeline_flee::{
    CaseInputs, Ecosystem, FleeCase, FloodForecaster, FloodRules, InputFile, LocationId,
    LocationKind, LocationSpec, MoveRules, Place, SpawnRules,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Flood rules with a forecaster looking `timescale` days ahead up to `end_time`, every day
/// weighing 1.
fn rules(timescale: i64, end_time: i64, awareness_weights: Vec<f64>) -> FloodRules {
    FloodRules {
        movechances: vec![0.3, 1.0, 0.7, 1.0, 1.0],
        loc_weights: vec![0.25, 0.5, 0.2, 0.0, 0.0],
        forecaster: Some(FloodForecaster {
            timescale,
            end_time,
            day_weights: vec![1.0; 30],
            awareness_weights,
        }),
    }
}

fn world(flood: FloodRules) -> Ecosystem {
    let rules = MoveRules {
        default_movechance: 1.0,
        max_move_speed: 200.0,
        flood: Some(flood),
        ..MoveRules::default()
    };
    let spawn_rules = SpawnRules {
        take_from_population: true,
        ..SpawnRules::default()
    };
    Ecosystem::new(rules, spawn_rules)
}

fn place(w: &mut Ecosystem, name: &str, kind: LocationKind) -> LocationId {
    w.add_location(LocationSpec::new(name, kind).country("Home"))
}

/// Agents of each awareness level, and of those how many are on a link.
fn by_awareness(w: &Ecosystem, levels: usize) -> (Vec<u64>, Vec<u64>) {
    let mut agents = vec![0; levels];
    let mut moving = vec![0; levels];
    for index in 0..w.num_agents() {
        let level = usize::from(w.flood_awareness(index).expect("drawn on the first step"));
        agents[level] += 1;
        if matches!(w.agent_place(index), Some(Place::OnLink(_))) {
            moving[level] += 1;
        }
    }
    (agents, moving)
}

#[test]
fn forecast_and_awareness_scale_the_move_chance() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut w = world(rules(2, 10, vec![0.0, 1.0]));
    let zone = place(&mut w, "Zone", LocationKind::FloodZone);
    let away = place(&mut w, "Away", LocationKind::Town);
    w.add_route(zone, away, 1000.0);
    // Level 1 today and forecast for every day: flood_movechances[1] = 1, times the forecast
    // factor (0.5 + 0.5) / 2 = 0.5 on day 0, times the awareness weight (0 or 1).
    w.set_flood_level(zone, 1);
    w.set_flood_forecast(zone, vec![1.0; 20]);
    w.set_flood_awareness(zone, &[1.0, 1.0]).expect("valid");
    let agents = 20_000;
    w.spawn(zone, agents);
    w.step(&mut rng);
    let (count, moving) = by_awareness(&w, 2);
    assert_eq!(count[0] + count[1], agents);
    // Half the agents at each level (standard error 0.0035).
    let share = count[1] as f64 / agents as f64;
    assert!((share - 0.5).abs() < 0.02, "share of level 1: {share}");
    assert_eq!(moving[0], 0, "awareness weight 0: nobody leaves by chance");
    let left = moving[1] as f64 / count[1] as f64;
    assert!((left - 0.5).abs() < 0.02, "level 1 leaves with 0.5: {left}");
}

#[test]
fn the_forecaster_stops_after_its_end_time() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let mut w = world(rules(2, 0, vec![1.0]));
    let zone = place(&mut w, "Zone", LocationKind::FloodZone);
    let away = place(&mut w, "Away", LocationKind::Town);
    w.add_route(zone, away, 1000.0);
    w.set_flood_level(zone, 1);
    w.set_flood_forecast(zone, vec![1.0; 20]);
    w.set_flood_awareness(zone, &[1.0]).expect("valid");
    let agents = 20_000;
    w.spawn(zone, agents);
    // Day 0 is the end day: only its own forecast is read, 0.5 × 1 / 2 = 0.25.
    w.step(&mut rng);
    let left = w.agents_on_links() as f64 / agents as f64;
    assert!((left - 0.25).abs() < 0.02, "day 0: {left}");
    assert!(
        w.attractiveness(zone) == 0.0,
        "a flood zone scores 0 while it acts"
    );
    // Day 1: the forecaster is off, flood_movechances[1] = 1 applies to everyone left.
    w.step(&mut rng);
    assert_eq!(w.count(zone), 0);
    // Flood zone at level 1, weighed twice by flood_loc_weights[1] = 0.5.
    assert_eq!(w.attractiveness(zone), 0.5 * 0.5);
    // Agents who appear once it can no longer act get no awareness level.
    w.spawn(zone, 5);
    w.step(&mut rng);
    assert_eq!(w.flood_awareness(agents as usize), None);
    assert!(w.flood_awareness(0).is_some());
}

#[test]
fn route_choice_follows_the_squared_forecast_and_flood_zones_score_zero() {
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let mut w = world(rules(2, 10, vec![1.0]));
    let origin = place(&mut w, "Origin", LocationKind::Town);
    let a = place(&mut w, "A", LocationKind::Town);
    let b = place(&mut w, "B", LocationKind::Town);
    let dry = place(&mut w, "Dry", LocationKind::Town);
    let zone = place(&mut w, "Zone", LocationKind::FloodZone);
    let links: Vec<_> = [a, b, dry, zone]
        .iter()
        .map(|&to| w.add_route(origin, to, 1000.0).0)
        .collect();
    // The origin must have a forecast flood, or nobody leaves it while the forecaster acts.
    w.set_flood_forecast(origin, vec![0.0, 1.0, 1.0]);
    w.set_flood_awareness(origin, &[1.0]).expect("valid");
    // Day 0 reads days 1 and 2. A is forecast to flood on both, B on day 1 only; both are dry
    // today, so each forecast day weighs flood_loc_weights[0] = 0.25:
    // A: s = 0.25 + 0.25 = 0.5, factor s·s/2 = 0.125; B: s = 0.25, factor 0.03125.
    w.set_flood_forecast(a, vec![0.0, 1.0, 2.0]);
    w.set_flood_forecast(b, vec![0.0, 0.5, 0.0]);
    // A flood zone's forecast counts for nothing: Flee's scoring gives it 0.
    w.set_flood_forecast(zone, vec![0.0, 1.0, 1.0]);
    let agents = 40_000;
    w.spawn(origin, agents);
    w.step(&mut rng);
    let on = |i: usize| w.link(links[i]).num_agents as f64;
    let movers = on(0) + on(1) + on(2) + on(3);
    // The origin's move chance: 1 × (0.5 + 0.5) / 2 = 0.5 (flood_loc_weights[1] for each
    // forecast day).
    let left = movers / agents as f64;
    assert!((left - 0.5).abs() < 0.02, "left {left}");
    assert_eq!(on(2), 0.0, "no forecast flood: score 0");
    assert_eq!(on(3), 0.0, "a flood zone scores 0");
    // Shares 0.125 / 0.15625 = 0.8 and 0.2 (standard error 0.004).
    let share_a = on(0) / movers;
    assert!((share_a - 0.8).abs() < 0.02, "share of A {share_a}");
    assert_eq!(
        w.attractiveness(a),
        1.0,
        "the forecast is per agent, not in the score"
    );
    assert_eq!(w.attractiveness(zone), 0.0);
}

#[test]
fn awareness_is_drawn_from_the_weights_of_the_spawn_location() {
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    let mut w = world(rules(2, 10, vec![0.0, 0.5, 1.0]));
    let here = place(&mut w, "Here", LocationKind::Town);
    let there = place(&mut w, "There", LocationKind::Town);
    let elsewhere = place(&mut w, "Elsewhere", LocationKind::Town);
    w.set_flood_awareness(here, &[0.1, 0.2, 0.7])
        .expect("valid");
    w.set_flood_awareness(there, &[0.0, 0.0, 3.0])
        .expect("valid");
    let agents = 30_000;
    w.spawn(here, agents);
    w.spawn(there, 100);
    w.spawn(elsewhere, 100);
    w.step(&mut rng);
    let mut count = [0u64; 3];
    for index in 0..agents as usize {
        count[usize::from(w.flood_awareness(index).expect("drawn"))] += 1;
    }
    // Standard errors 0.0017, 0.0023 and 0.0026.
    for (level, expected) in [0.1, 0.2, 0.7].into_iter().enumerate() {
        let share = count[level] as f64 / agents as f64;
        assert!((share - expected).abs() < 0.01, "level {level}: {share}");
    }
    let levels = |range: std::ops::Range<usize>| -> Vec<u8> {
        range
            .map(|i| w.flood_awareness(i).expect("drawn"))
            .collect()
    };
    let n = agents as usize;
    assert!(
        levels(n..n + 100).iter().all(|&l| l == 2),
        "weight only on 2"
    );
    assert!(
        levels(n + 100..n + 200).iter().all(|&l| l == 0),
        "no weights set: level 0"
    );
    // Weights the forecaster cannot use are refused.
    assert!(w.set_flood_awareness(here, &[1.0, 1.0, 1.0, 1.0]).is_err());
    assert!(w.set_flood_awareness(here, &[0.0, 0.0]).is_err());
    assert!(w.set_flood_awareness(here, &[1.0, -1.0]).is_err());
    let mut no_forecaster = world(FloodRules {
        forecaster: None,
        ..rules(2, 10, vec![1.0])
    });
    let id = place(&mut no_forecaster, "X", LocationKind::Town);
    assert!(no_forecaster.set_flood_awareness(id, &[1.0]).is_err());
}

#[test]
fn the_same_seed_gives_the_same_world() {
    let build = || {
        let mut w = world(rules(3, 6, vec![0.0, 0.5, 1.0]));
        let zone = place(&mut w, "Zone", LocationKind::FloodZone);
        let town = place(&mut w, "Town", LocationKind::Town);
        let camp = place(&mut w, "Camp", LocationKind::Camp);
        w.add_route(zone, town, 50.0);
        w.add_route(town, camp, 120.0);
        w.add_route(zone, camp, 300.0);
        for id in [zone, town, camp] {
            w.set_flood_awareness(id, &[0.2, 0.3, 0.5]).expect("valid");
        }
        w.set_flood_forecast(zone, vec![1.0, 2.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0]);
        w.set_flood_forecast(town, vec![0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0]);
        w
    };
    let run = |seed: u64| {
        let mut w = build();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for day in 0..10 {
            w.set_flood_level(LocationId(0), (day % 3) as u32);
            w.spawn(LocationId(0), 200);
            w.step(&mut rng);
            w.check_conservation().expect("conserved");
        }
        w
    };
    assert_eq!(run(3), run(3));
    assert_ne!(run(3), run(4));
}

fn series(values: &[(&str, i64)]) -> String {
    let mut text = String::from("Date,n\n");
    for (date, value) in values {
        text.push_str(&format!("{date},{value}\n"));
    }
    text
}

const AWARENESS: &str = "floodawareness,Default,Zone\n0.0,0.1,0.5\n1.0,0.2,0.5\n2.0,0.7,0\n";

/// A flood zone, a town and a camp, with DFlee's forecaster looking 3 days ahead up to day 6.
fn forecast_case() -> CaseInputs {
    let mut data_files = BTreeMap::new();
    data_files.insert("none.csv".to_string(), series(&[("2020-01-01", 0)]));
    data_files.insert(
        "camp.csv".to_string(),
        series(&[("2020-01-01", 40), ("2020-01-11", 140)]),
    );
    let levels: String = (0..10)
        .map(|day| format!("{day},{}\n", [1, 2, 1, 1, 0, 0, 1, 1, 2, 0][day]))
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
            format!("#Day,Zone\n{levels}"),
        )),
        flood_awareness: Some(InputFile::new("demographics_floodawareness.csv", AWARENESS)),
        sim_period: InputFile::new("sim_period.csv", "StartDate,2020-01-01\nLength,10\n"),
        registration_corrections: None,
        data_layout: InputFile::new(
            "data_layout.csv",
            "Zone,none.csv\nTown,none.csv\nCamp,camp.csv\n",
        ),
        data_files,
        settings: InputFile::new(
            "simsetting.yml",
            "spawn_rules:\n  take_from_population: True\n  conflict_zone_spawning_only: False\n  flood_zone_spawning_only: True\n  flood_driven_spawn_mode:\n    spawn_mode: pop_ratio\n    displaced_per_flood_day: [0.0, 0.1, 0.2, 0.5]\nmove_rules:\n  flood_rules:\n    flood_movechances: [0.3, 0.4, 0.7, 1.0]\n    flood_loc_weights: [1.0, 0.5, 0.2, 0.0]\n    flood_forecaster: True\n    flood_forecaster_timescale: 3\n    flood_forecaster_end_time: 6\n    flood_forecaster_weights: [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4]\n    flood_awareness_weights: [0.0, 0.5, 1.0]\n",
        ),
    }
}

#[test]
fn a_forecast_case_runs_and_is_the_same_for_the_same_seed() {
    let case = FleeCase::from_inputs(&forecast_case(), None).expect("valid forecast case");
    assert!(case.warnings.is_empty(), "{:?}", case.warnings);
    let run = case.run(5, 0).expect("runs");
    // Spawning does not depend on the forecaster: int(0.1 × 1000) = 100, int(0.2 × 900) =
    // 180, int(0.1 × 720) = 72.
    assert_eq!(run.total_agents[0], 40 + 100);
    assert_eq!(run.total_agents[1], 40 + 100 + 180);
    assert_eq!(run.total_agents[2], 40 + 100 + 180 + 72);
    let a = case.out_csv(&run);
    assert_eq!(a, case.out_csv(&case.run(5, 0).expect("runs")));
    let other = (6..16).any(|seed| case.out_csv(&case.run(seed, 0).expect("runs")) != a);
    assert!(other, "other seeds give other runs");
    // The zone's agents are drawn from its own column (levels 0 and 1 only), so none has
    // weight 1 and some leave; the camp's day-0 agents use Default.
    let mut seen = [false; 3];
    case.run_observed(&mut ChaCha8Rng::seed_from_u64(1), |day, w| {
        if day == 0 {
            for index in 0..w.num_agents() {
                let level = w.flood_awareness(index).expect("drawn");
                seen[usize::from(level)] = true;
                if index >= 40 {
                    assert!(level < 2, "Zone's column has no weight on level 2");
                }
            }
        }
    })
    .expect("runs");
    assert_eq!(seen, [true, true, true]);
}

#[test]
fn a_forecaster_that_cannot_act_needs_no_demographics() {
    let mut inputs = forecast_case();
    inputs.settings.text = inputs.settings.text.replace("timescale: 3", "timescale: 1");
    inputs.flood_awareness = None;
    let case = FleeCase::from_inputs(&inputs, None).expect("a timescale of 1 never acts");
    assert!(
        case.settings
            .notes
            .iter()
            .any(|n| n.contains("flood_forecaster has no effect")),
        "{:?}",
        case.settings.notes
    );
    case.run(1, 0).expect("runs");
}

#[test]
fn bad_forecaster_input_is_an_error_with_file_line_and_field() {
    let check = |change: &dyn Fn(&mut CaseInputs), expected: &str| {
        let mut inputs = forecast_case();
        change(&mut inputs);
        let err = FleeCase::from_inputs(&inputs, None).expect_err(expected);
        let message = err.to_string();
        assert!(message.contains(expected), "{expected}: {message}");
    };
    let awareness = |text: String| {
        move |i: &mut CaseInputs| {
            i.flood_awareness = Some(InputFile::new(
                "demographics_floodawareness.csv",
                text.clone(),
            ))
        }
    };
    check(
        &|i| i.flood_awareness = None,
        "demographics_floodawareness.csv: is missing: the flood forecaster",
    );
    check(
        &awareness(AWARENESS.replace("floodawareness,", "awareness,")),
        "demographics_floodawareness.csv:1: no `floodawareness` column",
    );
    check(
        &awareness(AWARENESS.replace("\n2.0,", "\n3.0,")),
        "demographics_floodawareness.csv:4: `floodawareness` must be a whole number from 0 to 2",
    );
    check(
        &awareness(AWARENESS.replace("\n1.0,", "\n1.5,")),
        "demographics_floodawareness.csv:3: `floodawareness` must be a whole number from 0 to 2",
    );
    check(
        &awareness(AWARENESS.replace("1.0,0.2,", "1.0,-0.2,")),
        "demographics_floodawareness.csv:3: the weight of `1.0` in column `Default` must be a finite number >= 0, found -0.2",
    );
    check(
        &awareness(AWARENESS.replace("1.0,0.2,", "1.0,lots,")),
        "demographics_floodawareness.csv:3: `Default` must be a number, found `lots`",
    );
    check(
        &awareness(AWARENESS.replace("0.0,0.1,0.5\n1.0,0.2,0.5", "0.0,0.1,0\n1.0,0.2,0")),
        "demographics_floodawareness.csv: every weight in column `Zone` is 0",
    );
    check(
        &awareness(AWARENESS.replace("\n2.0,0.7,0\n", "\n2.0,0.7\n")),
        "demographics_floodawareness.csv:4: expected a `Zone` value in column 3",
    );
    check(
        &awareness("floodawareness,Zone,Camp\n0,1,1\n1,1,1\n".to_string()),
        "demographics_floodawareness.csv:1: no column for `Town` and no `Default` column",
    );
    check(
        &awareness(AWARENESS.replace(",Zone\n", ",zone\n")),
        "demographics_floodawareness.csv:1: column `zone` is not a location (did you mean `Zone`?)",
    );
    check(
        &|i| {
            i.settings.text = i
                .settings
                .text
                .replace("[1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4]", "[1.0, 0.9]")
        },
        "simsetting.yml: setting `move_rules.flood_rules.flood_forecaster_weights`: has 2 entries, but the forecaster reads the weight of day 6",
    );
    check(
        &|i| {
            i.settings.text = i.settings.text.replace("end_time: 6", "end_time: 12");
        },
        "flood_level.csv: has 10 day rows, but the flood forecaster reads the forecast up to day 12",
    );
    check(
        &|i| {
            if let Some(file) = &mut i.flood_levels {
                file.text = file.text.replace("\n9,0\n", "\n9,3\n");
            }
            // Days 8 and 9 are not simulated, but the forecaster reads them.
            i.sim_period.text = "StartDate,2020-01-01\nLength,8\n".into();
            i.settings.text = i
                .settings
                .text
                .replace("end_time: 6", "end_time: 9")
                .replace(
                    "[1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4]",
                    "[1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]",
                );
        },
        "flood_level.csv:11: forecast flood level 3 of `Zone` is past what `move_rules.flood_rules.flood_loc_weights` (4 entries) covers",
    );
    // A column that is no location at all only warns: Flee ignores it.
    let mut inputs = forecast_case();
    inputs.flood_awareness = Some(InputFile::new(
        "demographics_floodawareness.csv",
        "floodawareness,Default,Atlantis\n0,1,1\n1,1,1\n2,1,1\n",
    ));
    let case = FleeCase::from_inputs(&inputs, None).expect("an unknown column is ignored");
    assert!(
        case.warnings.iter().any(|w| w
            .starts_with("demographics_floodawareness.csv:1: column `Atlantis` is not a location")),
        "{:?}",
        case.warnings
    );
}
