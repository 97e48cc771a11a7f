//! A small Flee case given as text: spawn plan, debt, determinism and ensembles.

use std::collections::BTreeMap;

use lifeline_flee::{
    CaseInputs, EnsembleStats, FleeCase, InputFile, RunOutput, run_ensemble, sequential,
};

fn inputs() -> CaseInputs {
    let mut data_files = BTreeMap::new();
    data_files.insert(
        "total.csv".to_string(),
        "Date,n\n2020-01-01,100\n".to_string(),
    );
    data_files.insert(
        "c.csv".to_string(),
        "DateTime,n\n2020-01-01,10\n2020-01-06,60\n2020-01-11,40\n2020-01-16,100\n".to_string(),
    );
    CaseInputs {
        locations: InputFile::new(
            "locations.csv",
            "#name,region,country,lat,lon,location_type,conflict_date,population\n\
             A,r,Home,0,0,conflict_zone,0,1000\n\
             B,r,Home,0,0,town,,2000\n\
             C,r,Away,0,0,camp,,500\n",
        ),
        routes: InputFile::new(
            "routes.csv",
            "#name1,name2,distance,forced_redirection\nA,B,100,0\nB,C,150,0\n",
        ),
        closures: Some(InputFile::new(
            "closures.csv",
            "#type,a,b,start,end\ncountry,Home,Away,0,3\n",
        )),
        conflicts: Some(InputFile::new(
            "conflicts.csv",
            &(String::from("#Day,A\n") + &(0..20).map(|d| format!("{d},1\n")).collect::<String>()),
        )),
        flood_levels: None,
        flood_awareness: None,
        sim_period: InputFile::new("sim_period.csv", "StartDate,2020-01-01\nLength,20\n"),
        registration_corrections: None,
        data_layout: InputFile::new("data_layout.csv", "total,total.csv\nC,c.csv\n"),
        data_files,
        settings: InputFile::new(
            "simsetting.yml",
            "move_rules:\n  max_move_speed: 200.0\n  camp_weight: 5.0\noptimisations:\n  hasten: 1\n",
        ),
    }
}

#[test]
fn spawn_plan_follows_the_data_with_debt() {
    let case = FleeCase::from_inputs(&inputs(), None).expect("valid case");
    let plan = case.plan();
    assert_eq!(plan.len(), 20);
    let new: Vec<u64> = plan.iter().map(|d| d.new_agents).collect();
    let debt: Vec<i64> = plan.iter().map(|d| d.refugee_debt).collect();
    let raw: Vec<i64> = plan.iter().map(|d| d.raw_count).collect();
    assert_eq!(&new[..13], &[0, 10, 10, 10, 10, 10, 0, 0, 0, 0, 0, 0, 4]);
    assert_eq!(&debt[..13], &[0, 0, 0, 0, 0, 0, 4, 8, 12, 16, 20, 8, 0]);
    assert_eq!(raw[0], 110);
    assert_eq!(raw[10], 140);
    assert_eq!(plan[3].camp_data, vec![40]);
    // The camp's capacity excludes its day-0 population; the day-0 people are in it.
    let camp = case.camps()[0];
    assert_eq!(case.initial_ecosystem().location(camp).capacity, 490);
    assert_eq!(case.initial_ecosystem().count(camp), 10);
}

#[test]
fn days_argument_overrides_sim_period() {
    let case = FleeCase::from_inputs(&inputs(), Some(5)).expect("valid case");
    assert_eq!(case.plan().len(), 5);
    let case = FleeCase::from_inputs(&inputs(), Some(0)).expect("valid case");
    assert_eq!(case.plan().len(), 20);
}

#[test]
fn too_short_conflicts_file_is_an_error() {
    let mut short = inputs();
    short.conflicts = Some(InputFile::new("conflicts.csv", "#Day,A\n0,1\n"));
    let err = FleeCase::from_inputs(&short, None).expect_err("20 days need 20 rows");
    assert!(err.to_string().starts_with("conflicts.csv:"), "{err}");
}

#[test]
fn conflicts_file_is_required_without_flood_rules_and_flood_levels_are_not_read() {
    let mut missing = inputs();
    missing.conflicts = None;
    // A flood level file is not read without flood rules, even a broken one.
    missing.flood_levels = Some(InputFile::new("flood_level.csv", "not;a;table\n"));
    let err = FleeCase::from_inputs(&missing, None).expect_err("conflicts.csv is required");
    assert!(
        err.to_string().starts_with("conflicts.csv: is missing"),
        "{err}"
    );
    let mut present = inputs();
    present.flood_levels = Some(InputFile::new("flood_level.csv", "not;a;table\n"));
    FleeCase::from_inputs(&present, None).expect("flood levels are ignored without flood rules");
}

#[test]
fn runs_are_reproducible_and_people_conserved() {
    let case = FleeCase::from_inputs(&inputs(), None).expect("valid case");
    let first = case.run(9, 0).expect("runs");
    assert_eq!(first, case.run(9, 0).expect("runs"));
    assert_ne!(first, case.run(9, 1).expect("runs"));
    let mut rng = lifeline_flee::member_rng(9, 0);
    case.run_observed(&mut rng, |_, eco| {
        eco.check_conservation().expect("conserved");
        assert_eq!(
            eco.agents_at_locations() + eco.agents_on_links(),
            eco.num_agents() as u64
        );
    })
    .expect("runs");
    let csv = case.out_csv(&first);
    assert!(csv.starts_with("Day,Date,C sim,C data,C error,Total error,"));
    assert!(
        csv.lines()
            .nth(1)
            .expect("day 0")
            .starts_with("0,2020-01-02,")
    );
}

#[test]
fn ensemble_does_not_depend_on_the_executor() {
    let case = FleeCase::from_inputs(&inputs(), None).expect("valid case");
    let in_order = run_ensemble(&case, 3, 5, sequential).expect("runs");
    // Members run in reverse on two threads, then are put back in member order.
    let threaded = run_ensemble(&case, 3, 5, |runs, run_member| {
        let mut results: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..runs)
                .rev()
                .map(|m| scope.spawn(move || (m, run_member(m))))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("no panic"))
                .collect()
        });
        results.sort_by_key(|(m, _)| *m);
        results.into_iter().map(|(_, r)| r).collect()
    })
    .expect("runs");
    assert_eq!(in_order, threaded);
    let stats = EnsembleStats::from_runs(&case, &in_order);
    let stats_again = EnsembleStats::from_runs(&case, &threaded);
    assert_eq!(stats.to_csv(), stats_again.to_csv());
    let _: &[RunOutput] = &in_order;
}

fn error_of(inputs: &CaseInputs) -> String {
    FleeCase::from_inputs(inputs, None)
        .expect_err("invalid case")
        .to_string()
}

#[test]
fn empty_camps_on_day0_starts_empty_and_counts_data_from_day_0() {
    let mut case = inputs();
    case.settings
        .text
        .push_str("spawn_rules:\n  empty_camps_on_day0: True\n");
    let case = FleeCase::from_inputs(&case, None).expect("valid case");
    let camp = case.camps()[0];
    // Nobody is placed, but (as in Flee) the capacity still excludes the day-0 registrations.
    assert_eq!(case.initial_ecosystem().count(camp), 0);
    assert_eq!(case.initial_ecosystem().location(camp).capacity, 490);
    let plan = case.plan();
    // The camp's series 10, 20, 30, ... becomes 0, 10, 20, ...; no one is spawned on day 0.
    assert_eq!(plan[0].camp_data, vec![0]);
    assert_eq!(plan[3].camp_data, vec![30]);
    assert_eq!(plan[0].new_agents, 0);
    assert_eq!(plan[1].new_agents, 10);
}

#[test]
fn conflict_driven_spawning_ignores_the_data_for_spawning() {
    let mut case = inputs();
    case.settings.text.push_str(
        "spawn_rules:\n  conflict_driven_spawning:\n    spawn_mode: constant\n    displaced_per_conflict_day: 5\n",
    );
    let case = FleeCase::from_inputs(&case, None).expect("valid case");
    assert!(
        case.plan()
            .iter()
            .all(|d| d.new_agents == 0 && d.raw_count == 0)
    );
    let run = case.run(1, 0).expect("runs");
    // Day-0 camp population (10) plus 5 a day from the one conflict zone.
    assert_eq!(run.total_agents[0], 15);
    assert_eq!(run.total_agents[19], 110);
    // Flee prints zeros for the data columns when its raw count stays 0.
    let out = case.out_csv(&run);
    assert!(
        out.lines()
            .nth(1)
            .is_some_and(|l| l.contains(",0.0,0,15,0,")),
        "{out}"
    );
}

#[test]
fn tolerated_input_carries_on_with_warnings_naming_file_and_line() {
    let mut case = inputs();
    case.closures = Some(InputFile::new(
        "closures.csv",
        "#type,a,b,start,end\nremove_forced_redirection,A,B,0,3\n",
    ));
    case.conflicts = Some(InputFile::new(
        "conflicts.csv",
        &(String::from("#Day,A,Nowhere\n")
            + &(0..20).map(|d| format!("{d},1,0\n")).collect::<String>()),
    ));
    case.locations.text.push_str("B,r,Home,0,0,town,,2000\n");
    let case = FleeCase::from_inputs(&case, None).expect("Flee carries on");
    let warnings = case.warnings.join("\n");
    assert!(
        warnings.contains("locations.csv:5: location `B` repeats line 3"),
        "{warnings}"
    );
    assert!(
        warnings.contains("closures.csv:2: `remove_forced_redirection` ignored"),
        "{warnings}"
    );
    assert!(
        warnings.contains("conflicts.csv:1: column `Nowhere` is not a location"),
        "{warnings}"
    );
    assert_eq!(case.initial_ecosystem().locations().len(), 3);
}

#[test]
fn mismatches_flee_only_survives_by_accident_stay_errors() {
    let mut case = inputs();
    case.conflicts = Some(InputFile::new(
        "conflicts.csv",
        &(String::from("#Day,A,Distrito Capital\n")
            + &(0..20).map(|d| format!("{d},1,1\n")).collect::<String>()),
    ));
    let message = error_of(&case);
    assert!(
        message.starts_with("conflicts.csv:1: column `Distrito Capital`"),
        "{message}"
    );

    let mut case = inputs();
    case.locations
        .text
        .push_str("A,r,Home,0,0,conflict_zone,3,999\n");
    let message = error_of(&case);
    assert!(
        message.contains("locations.csv:5: location `A` appears twice (first on line 2)"),
        "{message}"
    );
}

#[test]
fn routes_without_distances_are_refused() {
    let mut case = inputs();
    case.routes = InputFile::new(
        "routes.csv",
        "#name1,name2,forced_redirection\nA,B,0\nB,C,0\n",
    );
    let message = error_of(&case);
    assert!(
        message.starts_with("routes.csv:1: the third column must be the distance"),
        "{message}"
    );
    let mut case = inputs();
    case.routes = InputFile::new("routes.csv", "A,B\n");
    assert!(error_of(&case).starts_with("routes.csv:1: no distance"));
}

#[test]
fn semicolon_separated_conflicts_are_refused_with_the_cause() {
    let mut case = inputs();
    case.conflicts = Some(InputFile::new(
        "conflicts.csv",
        &(String::from("#Day;A\n") + &(0..20).map(|d| format!("{d};1\n")).collect::<String>()),
    ));
    let message = error_of(&case);
    assert!(
        message.starts_with("conflicts.csv:1: the columns are separated by `;`"),
        "{message}"
    );
}

#[test]
fn absurd_counts_are_refused_before_any_allocation() {
    let mut case = inputs();
    case.data_files.insert(
        "c.csv".to_string(),
        "DateTime,n\n2020-01-01,10\n2020-01-06,9000000000000000000\n".to_string(),
    );
    let message = error_of(&case);
    assert!(
        message.starts_with("c.csv:3: the count must be from 0 to"),
        "{message}"
    );
    // Within the per-file bound, the total is bounded too.
    let mut case = inputs();
    case.data_files.insert(
        "c.csv".to_string(),
        "DateTime,n\n2020-01-01,10\n2020-01-06,9000000000\n".to_string(),
    );
    let message = error_of(&case);
    assert!(message.contains("more than 1000000000 agents"), "{message}");
}

#[test]
fn bad_settings_are_blamed_on_the_settings_file_and_key() {
    let mut case = inputs();
    case.settings.text = "move_rules:\n  default_movechance: -5\n".to_string();
    let message = error_of(&case);
    assert!(message.starts_with("simsetting.yml: setting `move_rules.default_movechance`: must be a number from 0 to 1, found -5"), "{message}");
}
