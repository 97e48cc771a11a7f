//! Mechanisms of the consequences and of the two-way loop between people and supply, over many
//! seeds: switch a cause off and its effect goes; shift it and the effect follows.
//!
//! - Food: the harvest needs fuel (threat off → the calendar's full volume).
//! - Gold: the mines' output falls only when their fuel does, and follows the threat in time.
//! - Services: health centres and markets close only under the blockade.
//! - People: Djibo's people are trapped while its roads are closed or too dangerous (no trap →
//!   they leave), are conserved, and set the town's food demand.
//! - Threat: a displacement plan works out the road threat's daily meaning once, and a run on
//!   an input with another threat follows that input's.

mod common;

use common::{conserved, depot, median};
use lifeline_model::RecordOptions;
use lifeline_scenario::displacement::{
    CoupledRun, CoupledSimulation, DisplacementPlan, run_coupled,
};
use lifeline_scenario::{Built, Overrides, Scenario};

const SEEDS: u64 = 24;

fn built(name: &str, overrides: &Overrides) -> (Scenario, Built) {
    let scenario = Scenario::load(name).expect("embedded scenario loads");
    let built = scenario.build(overrides).expect("builds");
    (scenario, built)
}

/// The depot of `commodity` at `place`.
fn depot_of(built: &Built, place: &str, commodity: &str) -> usize {
    let input = &built.input;
    input
        .depots
        .iter()
        .position(|d| {
            input.network.place(d.place).name == place
                && input.commodities[d.commodity.index()].name == commodity
        })
        .expect("depot exists")
}

fn runs(built: &Built, plan: Option<&DisplacementPlan>) -> Vec<CoupledRun> {
    seeded_runs(built, plan, SEEDS)
}

fn seeded_runs(built: &Built, plan: Option<&DisplacementPlan>, seeds: u64) -> Vec<CoupledRun> {
    (0..seeds)
        .map(|r| run_coupled(&built.input, plan, built.seed, r, RecordOptions::all()))
        .collect()
}

#[test]
fn the_harvest_needs_fuel_and_the_food_balance_closes() {
    let (_, threat) = built("mali-2025", &Overrides::default());
    let (_, calm) = built(
        "mali-2025",
        &Overrides {
            without_threat: true,
            ..Overrides::default()
        },
    );
    let food = threat
        .input
        .commodities
        .iter()
        .position(|c| c.name == "food")
        .expect("the Mali scenario carries food");
    let produced = |b: &Built| {
        median(
            runs(b, None)
                .iter()
                .map(|r| r.supply.balances[food].produced)
                .collect(),
        )
    };
    let (with, without) = (produced(&threat), produced(&calm));
    assert!(
        with < 0.98 * without,
        "the blockade's fuel shortage should cut the harvest marketed: {with:.0} vs {without:.0} t"
    );
    // Every run's food balance closes, production counted.
    for r in runs(&threat, None) {
        assert!(
            conserved(&r.supply.balances[food]),
            "{:?}",
            r.supply.balances[food]
        );
    }
    // Without the threat, Bamako's people get their ration: phase 1 all the time.
    let bamako = depot_of(&calm, "Bamako", "food");
    for r in runs(&calm, None).iter().take(4) {
        assert!(
            r.supply
                .depot_days
                .iter()
                .all(|d| d[bamako].food_phase == Some(1)),
            "phase above 1 without a threat"
        );
    }
}

#[test]
fn gold_follows_the_mines_fuel_in_size_and_in_time() {
    let lost_and_onset = |overrides: &Overrides| {
        let (_, b) = built("mali-2025", overrides);
        let kayes = depot(&b, "Kayes");
        let results = runs(&b, None);
        let lost = median(
            results
                .iter()
                .map(|r| r.supply.exports[0].potential - r.supply.exports[0].produced)
                .collect(),
        );
        // First day the Kayes mines' fuel falls short.
        let onset = median(
            results
                .iter()
                .map(|r| {
                    r.supply
                        .depot_days
                        .iter()
                        .position(|d| d[kayes].shortage_by_sector[2] > 0.0)
                        .unwrap_or(r.supply.depot_days.len()) as f64
                })
                .collect(),
        );
        (lost, onset)
    };
    let (lost, onset) = lost_and_onset(&Overrides::default());
    let (calm_lost, _) = lost_and_onset(&Overrides {
        without_threat: true,
        ..Overrides::default()
    });
    let (_, later) = lost_and_onset(&Overrides {
        threat_shift_days: 30,
        ..Overrides::default()
    });
    assert!(lost > 1000.0, "the blockade should cost gold: {lost:.0} kg");
    assert!(
        calm_lost < 1.0,
        "no threat, no gold lost: {calm_lost:.0} kg"
    );
    assert!(
        later - onset >= 20.0,
        "shifting the threat 30 days should move the mines' shortage: {onset} → {later}"
    );
}

#[test]
fn services_beyond_schools_close_only_under_the_blockade() {
    let closed_days = |overrides: &Overrides| {
        let (_, b) = built("mali-2025", overrides);
        assert!(!b.input.service_rules.is_empty());
        runs(&b, None)
            .iter()
            .map(|r| r.supply.services.iter().map(|s| s.closed_days).sum::<u32>() as f64)
            .collect::<Vec<_>>()
    };
    let threat = closed_days(&Overrides::default());
    let calm = closed_days(&Overrides {
        without_threat: true,
        ..Overrides::default()
    });
    assert!(
        calm.iter().all(|d| *d == 0.0),
        "closures without a threat: {calm:?}"
    );
    assert!(median(threat) > 7.0, "the blockade should close services");
}

#[test]
fn djibo_traps_its_people_and_they_still_eat() {
    // The first 120 days of the siege (it starts on day 15), on fewer seeds: with the trap
    // off, thousands leave a day and every one of them walks the network.
    let (scenario, b) = built(
        "burkina-djibo-2022",
        &Overrides {
            days: Some(120),
            ..Overrides::default()
        },
    );
    let plan = scenario
        .displacement_plan(&b)
        .expect("valid")
        .expect("Djibo has displacement");
    let djibo = b.input.network.place_by_name("Djibo").expect("Djibo");
    let food = depot_of(&b, "Djibo", "food");
    let results = seeded_runs(&b, Some(&plan), 8);
    for r in &results {
        let d = r.displacement.as_ref().expect("displacement ran");
        let residents: u64 = d.population[0].iter().sum::<u64>() + d.on_the_road[0];
        for day in 0..d.population.len() {
            // People are conserved: present everywhere plus on the road.
            let everyone: u64 = d.population[day].iter().sum::<u64>() + d.on_the_road[day];
            assert_eq!(everyone, residents, "day {day}");
            // Demand follows the people present the day before (households only).
            if day > 0 {
                let people = d.population[day - 1][djibo.index()] as f64;
                let row = &r.supply.depot_days[day][food];
                assert!(
                    (row.population_present - people).abs() < 0.5,
                    "day {day}: depot counts {} people, displacement {people}",
                    row.population_present
                );
            }
        }
        // Under the siege Djibo's roads are too dangerous: its people are trapped, none leave.
        let trapped_days = d.trapped.iter().filter(|t| t[djibo.index()] > 0).count();
        assert!(trapped_days > 100, "trapped on {trapped_days} days");
        assert!(
            r.supply
                .depot_days
                .iter()
                .all(|row| row[food].kcal_per_person_day.is_some())
        );
    }
    let left = |plan: &DisplacementPlan| {
        median(
            seeded_runs(&b, Some(plan), 8)
                .iter()
                .map(|r| {
                    let d = r.displacement.as_ref().expect("ran");
                    let first = d.population[0][djibo.index()] as f64;
                    let last = d.population.last().expect("days")[djibo.index()] as f64;
                    first - last
                })
                .collect(),
        )
    };
    // Switch the trap off: the siege makes people leave Djibo.
    let mut open = plan.clone();
    open.trap_hazard = None;
    let (trapped, free) = (left(&plan), left(&open));
    assert!(trapped.abs() < 1.0, "people left a trapped town: {trapped}");
    assert!(
        free > 10_000.0,
        "without the trap people should leave: {free}"
    );
}

/// The Mali scenario with its people grouped `people_per_agent` to an agent.
fn mali_with_groups(people_per_agent: u64) -> (Built, DisplacementPlan) {
    let text = lifeline_scenario::embedded::scenario("mali-2025").expect("embedded");
    let line = "people_per_agent = 10";
    assert!(text.contains(line), "the Mali scenario groups its people");
    let text = text.replace(line, &format!("people_per_agent = {people_per_agent}"));
    let scenario = Scenario::parse("embedded:mali-2025", text, None).expect("parses");
    let built = scenario.build(&Overrides::default()).expect("builds");
    let plan = scenario
        .displacement_plan(&built)
        .expect("valid")
        .expect("has displacement");
    assert_eq!(plan.people_per_agent, people_per_agent);
    (built, plan)
}

/// Agents that stand for groups of people are a speed choice, not a change of model: people who
/// leave, reach the camps and are on the road on average match one agent per person, and the
/// arrivals come on the same days.
#[test]
fn grouping_people_into_agents_keeps_the_flight_and_its_timing() {
    struct Flight {
        left: f64,
        in_camps: f64,
        on_the_road: f64,
        half_arrived_day: f64,
    }
    let flight = |people_per_agent: u64| {
        let (built, plan) = mali_with_groups(people_per_agent);
        let runs = seeded_runs(&built, Some(&plan), 48);
        let n = runs.len() as f64;
        let mut f = Flight {
            left: 0.0,
            in_camps: 0.0,
            on_the_road: 0.0,
            half_arrived_day: 0.0,
        };
        let mut half_days = Vec::new();
        for r in &runs {
            let d = r.displacement.as_ref().expect("displacement ran");
            f.left += d.total_spawned() as f64 / n;
            let arrived: Vec<u64> = d
                .arrivals
                .iter()
                .map(|day| plan.camps.iter().map(|c| day[c.index()]).sum())
                .collect();
            let total: u64 = arrived.iter().sum();
            f.in_camps += total as f64 / n;
            f.on_the_road +=
                d.on_the_road.iter().sum::<u64>() as f64 / d.on_the_road.len() as f64 / n;
            let mut so_far = 0;
            let half = arrived
                .iter()
                .position(|&a| {
                    so_far += a;
                    2 * so_far >= total
                })
                .unwrap_or(arrived.len());
            half_days.push(half as f64);
            // Every count comes in whole groups.
            for day in &d.present {
                assert!(day.iter().all(|&p| p % people_per_agent == 0));
            }
        }
        f.half_arrived_day = median(half_days);
        f
    };
    let (one, grouped) = (flight(1), flight(10));
    assert!(
        one.in_camps > 1_000.0,
        "people reach the camps: {}",
        one.in_camps
    );
    let close = |a: f64, b: f64, tolerance: f64| (a - b).abs() <= tolerance * a.max(b);
    assert!(
        close(one.left, grouped.left, 0.01),
        "left: {} vs {}",
        one.left,
        grouped.left
    );
    assert!(
        close(one.in_camps, grouped.in_camps, 0.05),
        "in camps: {} vs {}",
        one.in_camps,
        grouped.in_camps
    );
    assert!(
        close(one.on_the_road, grouped.on_the_road, 0.15),
        "on the road: {} vs {}",
        one.on_the_road,
        grouped.on_the_road
    );
    assert!(
        (one.half_arrived_day - grouped.half_arrived_day).abs() <= 3.0,
        "half the camps' arrivals by day {} vs {}",
        one.half_arrived_day,
        grouped.half_arrived_day
    );
    eprintln!(
        "left {:.0}/{:.0}, in camps {:.0}/{:.0}, on the road {:.1}/{:.1}, half arrived day {}/{}",
        one.left,
        grouped.left,
        one.in_camps,
        grouped.in_camps,
        one.on_the_road,
        grouped.on_the_road,
        one.half_arrived_day,
        grouped.half_arrived_day
    );
}

/// A plan's identity (what an ensemble's journal compares on `--resume`) is the same for the same
/// settings however often the scenario is built, and changes with any `[displacement]` value.
#[test]
fn a_plan_identity_follows_its_settings() {
    let (_, ten) = mali_with_groups(10);
    let (_, again) = mali_with_groups(10);
    let (_, one) = mali_with_groups(1);
    assert_eq!(ten.identity, again.identity);
    assert_eq!(ten.identity.len(), 16);
    assert_ne!(ten.identity, one.identity);
}

/// The plan works out once what the road threat means for flight (who is trapped, where
/// flight goes); a run on an input with another threat (a posterior's particle, a
/// counterfactual) must follow that input's threat, as a plan made from it does.
#[test]
fn a_plan_follows_the_threat_of_the_input_it_runs_on() {
    let overrides = Overrides::default();
    let (scenario, built) = built("mali-2025", &overrides);
    let plan = scenario
        .displacement_plan(&built)
        .expect("plan")
        .expect("Mali has displacement");
    // Three times the hazard: towns on dangerous roads draw fewer of those who flee.
    let (_, mut harsher) = self::built("mali-2025", &overrides);
    harsher.input.threat.hazard.scale(3.0);
    let harsher_plan = scenario
        .displacement_plan(&harsher)
        .expect("plan")
        .expect("Mali has displacement");
    let mut differs = false;
    for run in 0..3 {
        let of = |input: &lifeline_model::ModelInput, plan: &DisplacementPlan| {
            run_coupled(input, Some(plan), built.seed, run, RecordOptions::all())
                .displacement
                .expect("displacement runs")
        };
        let own = of(&harsher.input, &harsher_plan);
        assert_eq!(of(&harsher.input, &plan), own, "run {run}");
        differs |= of(&built.input, &plan) != own;
    }
    assert!(differs, "the threat must matter to flight here");
}

/// A run whose hazard is a scaled copy of the plan's (a calibration particle, a posterior
/// draw) reads the plan's threat schedule through its factor instead of working one out; it
/// must give the run a plan made from that input gives, on roads that steer flight and, with
/// a trap hazard, on days a siege shuts its people in. Checked to fail when the view ignores
/// its factor.
#[test]
fn a_scaled_copy_of_the_plans_threat_runs_as_a_plan_of_its_own() {
    let text = lifeline_scenario::embedded::SCENARIOS
        .iter()
        .find(|(name, _)| *name == "mali-2025")
        .map(|(_, text)| text.to_string())
        .expect("embedded Mali");
    let with_trap = text.replacen(
        "[displacement]\n",
        "[displacement]\ntrap_hazard = 0.04\n",
        1,
    );
    assert_ne!(
        with_trap, text,
        "the [displacement] table is where the test expects it"
    );
    for (label, text) in [("as shipped", text), ("with a trap hazard", with_trap)] {
        let scenario = Scenario::parse("mali-2025.toml", text, None).expect("parses");
        let built = scenario.build(&Overrides::default()).expect("builds");
        let plan = scenario
            .displacement_plan(&built)
            .expect("plan")
            .expect("Mali has displacement");
        let mut trapped_somewhere = false;
        for factor in [0.0, 0.4, 3.0] {
            let mut scaled = built.input.clone();
            scaled.threat.hazard.scale(factor);
            assert_eq!(
                scaled.threat.hazard.factor_over(&built.input.threat.hazard),
                Some(factor),
                "the copy shares the plan's table"
            );
            // The same values in a table of the copy's own, with a plan made from it.
            let mut rebuilt = scenario.build(&Overrides::default()).expect("builds");
            rebuilt.input.threat.hazard.scale(factor);
            assert_eq!(rebuilt.input.threat.hazard, scaled.threat.hazard);
            let own_plan = scenario
                .displacement_plan(&rebuilt)
                .expect("plan")
                .expect("Mali has displacement");
            for run in 0..2 {
                let of = |input: &lifeline_model::ModelInput, plan: &DisplacementPlan| {
                    run_coupled(input, Some(plan), built.seed, run, RecordOptions::all())
                };
                let through_factor = of(&scaled, &plan);
                let own = of(&rebuilt.input, &own_plan);
                assert_eq!(
                    through_factor.displacement, own.displacement,
                    "{label} ×{factor}"
                );
                assert_eq!(through_factor.supply, own.supply, "{label} ×{factor}");
                trapped_somewhere |= own
                    .displacement
                    .as_ref()
                    .is_some_and(|d| d.trapped.iter().flatten().any(|&n| n > 0));
            }
        }
        assert_eq!(
            trapped_somewhere,
            label != "as shipped",
            "{label}: the trap hazard must shut Léré in on some day at some factor"
        );
    }
}

/// Trucks drive a stretch of roads that never carry hazard and are never cut as one leg. A
/// hazard too small to matter (1e-300 on the last day: an attack chance that rounds to 0, no
/// draw) on every segment makes every road non-quiet, so the trucks step leg by leg; the runs
/// must be the same. Checked to fail when a stretch ends one leg early.
#[test]
fn quiet_stretches_drive_as_their_legs_one_by_one() {
    let (scenario, built) = built("mali-2025", &Overrides::default());
    let plan = scenario
        .displacement_plan(&built)
        .expect("plan")
        .expect("Mali has displacement");
    let mut stepped = built.input.clone();
    let last_day = stepped.days - 1;
    for segment in 0..stepped.network.segments().len() {
        let id = lifeline_model::SegmentId::from_index(segment);
        stepped.threat.hazard.add(id, last_day, 1e-300);
    }
    for run in 0..6 {
        let of = |input: &lifeline_model::ModelInput| {
            run_coupled(input, Some(&plan), built.seed, run, RecordOptions::all())
        };
        let (quiet, one_by_one) = (of(&built.input), of(&stepped));
        assert_eq!(quiet.supply, one_by_one.supply, "run {run}");
        assert_eq!(quiet.displacement, one_by_one.displacement, "run {run}");
    }
}

/// The Mali scenario with `count_by_place` set, and with any other replacements in its text.
fn mali_counted(replace: &[(&str, &str)]) -> Result<(Built, DisplacementPlan), String> {
    let mut text = lifeline_scenario::embedded::scenario("mali-2025")
        .expect("embedded")
        .to_string();
    let line = "people_per_agent = 10";
    assert!(text.contains(line), "the Mali scenario groups its people");
    text = text.replace(line, "count_by_place = true\npeople_per_agent = 10");
    for (from, to) in replace {
        assert!(text.contains(from), "{from}");
        text = text.replace(from, to);
    }
    let scenario = Scenario::parse("embedded:mali-2025", text, None).map_err(|e| e.to_string())?;
    let built = scenario.build(&Overrides::default()).expect("builds");
    let plan = scenario
        .displacement_plan(&built)
        .map_err(|e| e.to_string())?
        .expect("has displacement");
    Ok((built, plan))
}

/// Counting displaced groups by place is a speed choice, not a change of model: over 200
/// seeds each, the groups that leave, the camps' arrivals by each month, the groups on the
/// road and Bamako's people present (which set its households' fuel demand) have the same
/// means as with groups moved one by one, within 4.5 standard errors of the difference.
#[test]
fn counting_by_place_keeps_the_distribution_of_the_mali_hindcast() {
    const SEEDS: u64 = 200;
    let (built, counted) = mali_counted(&[]).expect("Mali can be counted by place");
    assert!(counted.count_by_place);
    let one_by_one = {
        let mut plan = counted.clone();
        plan.count_by_place = false;
        plan
    };
    let counts = |plan: &DisplacementPlan| {
        CoupledSimulation::new(
            &built.input,
            Some(plan),
            built.seed,
            0,
            RecordOptions::all(),
        )
        .counts_by_place()
    };
    assert!(counts(&counted), "the run counts by place");
    assert!(!counts(&one_by_one), "the run moves groups one by one");
    let bamako = built
        .input
        .network
        .places()
        .iter()
        .position(|p| p.name == "Bamako")
        .expect("Bamako");
    let measures = |plan: &DisplacementPlan, first_run: u64| -> Vec<Vec<f64>> {
        (first_run..first_run + SEEDS)
            .map(|r| {
                let run = run_coupled(
                    &built.input,
                    Some(plan),
                    built.seed,
                    r,
                    RecordOptions::all(),
                );
                let d = run.displacement.expect("displacement ran");
                let mut row = vec![d.total_spawned() as f64];
                let mut arrived = 0u64;
                for (day, arrivals) in d.arrivals.iter().enumerate() {
                    arrived += counted
                        .camps
                        .iter()
                        .map(|c| arrivals[c.index()])
                        .sum::<u64>();
                    if day % 30 == 29 {
                        row.push(arrived as f64);
                    }
                }
                row.push(d.on_the_road.iter().sum::<u64>() as f64);
                row.push(d.present.iter().map(|day| day[bamako] as f64).sum::<f64>());
                row
            })
            .collect()
    };
    // Different runs: the two engines' streams are not comparable run by run anyway.
    let (a, b) = (measures(&one_by_one, 0), measures(&counted, SEEDS));
    let n = SEEDS as f64;
    let mut varied = 0;
    for i in 0..a[0].len() {
        let column = |rows: &[Vec<f64>]| rows.iter().map(|r| r[i]).collect::<Vec<f64>>();
        let stats = |v: Vec<f64>| {
            let mean = v.iter().sum::<f64>() / n;
            let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
            (mean, var)
        };
        let ((ma, va), (mb, vb)) = (stats(column(&a)), stats(column(&b)));
        let se = ((va + vb) / n).sqrt();
        if se == 0.0 {
            assert_eq!(ma, mb, "measure {i}");
            continue;
        }
        varied += 1;
        let z = (ma - mb) / se;
        assert!(
            z.abs() < 4.5,
            "measure {i}: {ma} one by one, {mb} by place (z = {z:.2})"
        );
    }
    assert!(varied >= 6, "{varied} measures vary");
}

/// Counting by place is refused, with the field and a fix, where a camp could fill.
#[test]
fn counting_by_place_is_refused_where_a_camp_could_fill() {
    let refused = mali_counted(&[("camp_capacity = 200000", "camp_capacity = 2000")])
        .err()
        .expect("refused");
    assert!(refused.contains("displacement.count_by_place"), "{refused}");
    assert!(refused.contains("camp_capacity"), "{refused}");
}
