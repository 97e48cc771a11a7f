//! Product is conserved: on random small networks, with random hazard, convoys, reserves,
//! production on a harvest calendar and people coming and going, opening stock + loaded +
//! reserve released + produced = consumed + closing stock + lost + returned home + in transit,
//! overall and per depot.

use lifeline_model::network::{Network, Place, PlaceKind, RoadCondition, Segment, SpeedTable};
use lifeline_model::params::*;
use lifeline_model::threat::{AttackParams, HazardTable, LossShare, ThreatInput};
use lifeline_model::units::{Days, Km, KmPerDay, Volume};
use lifeline_model::{
    CommodityId, DepotId, PlaceId, RecordOptions, SegmentId, Simulation, run, run_rng,
};
use proptest::prelude::*;

fn place(i: usize, kind: PlaceKind, country: &str) -> Place {
    Place {
        name: format!("p{i}"),
        country: country.into(),
        lat: 12.0 + i as f64 * 0.3,
        lon: -8.0 + i as f64 * 0.2,
        kind,
        population: 1000,
    }
}

#[derive(Debug, Clone)]
struct Case {
    lengths: Vec<f64>,
    conditions: Vec<usize>,
    demand: [f64; 4],
    opening_days: f64,
    fleet: u32,
    convoy_size: u32,
    escorted: bool,
    hazard: f64,
    reserve: f64,
    days: u32,
    seed: u64,
    /// Daily production marketed into the depot (0: none), fuel-dependent by half.
    production: f64,
    /// People present from mid-run, as a multiple of the depot's population.
    people_factor: f64,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(20.0..400.0f64, 2..6),
        prop::collection::vec(0usize..4, 6),
        [0.0..300.0f64, 0.0..300.0f64, 0.0..100.0f64, 0.0..100.0f64],
        0.0..15.0f64,
        0u32..80,
        1u32..30,
        any::<bool>(),
        0.0..3.0f64,
        0.0..5000.0f64,
        1u32..90,
        any::<u64>(),
        (prop_oneof![Just(0.0), 0.0..400.0f64], 0.0..3.0f64),
    )
        .prop_map(
            |(
                lengths,
                conditions,
                demand,
                opening_days,
                fleet,
                convoy_size,
                escorted,
                hazard,
                reserve,
                days,
                seed,
                (production, people_factor),
            )| Case {
                lengths,
                conditions,
                demand,
                opening_days,
                fleet,
                convoy_size,
                escorted,
                hazard,
                reserve,
                days,
                seed,
                production,
                people_factor,
            },
        )
}

fn build(c: &Case) -> ModelInput {
    // A chain: port (foreign) – towns – depot city; the first link crosses a border.
    let n = c.lengths.len() + 1;
    let places: Vec<Place> = (0..n)
        .map(|i| {
            if i == 0 {
                place(i, PlaceKind::Port, "SN")
            } else if i == n - 1 {
                place(i, PlaceKind::City, "ML")
            } else {
                place(i, PlaceKind::Town, "ML")
            }
        })
        .collect();
    let segments: Vec<Segment> = c
        .lengths
        .iter()
        .enumerate()
        .map(|(i, l)| Segment {
            a: PlaceId(i as u32),
            b: PlaceId(i as u32 + 1),
            length: Km(*l),
            route: String::new(),
            condition: RoadCondition::ALL[c.conditions[i % c.conditions.len()]],
            geometry: Vec::new(),
        })
        .collect();
    let network = Network::new(places, segments).expect("valid chain");
    let mut legs = vec![Leg::Marshal { place: PlaceId(0) }];
    for i in 0..c.lengths.len() {
        legs.push(Leg::Drive {
            segment: SegmentId(i as u32),
            to: PlaceId(i as u32 + 1),
        });
        if i == 0 {
            legs.push(Leg::Border { place: PlaceId(1) });
        }
    }
    let daily: f64 = c.demand.iter().sum();
    let days = c.days;
    let mut hazard = HazardTable::zero(c.lengths.len(), days as usize);
    for d in 0..days {
        for s in 0..c.lengths.len() {
            hazard.add(
                SegmentId(s as u32),
                d,
                c.hazard * ((d + s as u32) % 3) as f64,
            );
        }
    }
    ModelInput {
        network,
        days,
        commodities: vec![CommoditySpec {
            name: "fuel".into(),
            unit: "m3".into(),
            truck_capacity: Volume(46.0),
            official_price: 725.0,
            // Eaten, so the food-security figures are exercised too (the volumes are fuel's).
            kcal_per_unit: Some(3.5e6),
        }],
        depots: vec![DepotSpec {
            place: PlaceId(n as u32 - 1),
            commodity: CommodityId(0),
            demand: c.demand,
            storage_capacity: Volume(daily * 20.0 + 100.0),
            opening_stock: Volume(daily * c.opening_days),
            target_cover: Days(10.0),
            power: Some(PowerSpec {
                normal_hours: 19.0,
                non_thermal_share: 0.3,
                tank_days: 5.0,
            }),
            services: true,
            population: 1000.0,
            production: (c.production > 0.0).then(|| ProductionSpec {
                // A harvest calendar: a month on, a month off.
                daily: (0..days)
                    .map(|d| if (d / 30) % 2 == 0 { c.production } else { 0.0 })
                    .collect(),
                fuel_depot: Some(DepotId(0)),
                fuel_dependence: 0.5,
            }),
        }],
        corridors: vec![CorridorSpec {
            name: "c".into(),
            commodity: CommodityId(0),
            origin: PlaceId(0),
            destination: DepotId(0),
            legs,
            share: 1.0,
            fleet: c.fleet,
            convoy: ConvoyPolicy {
                size: c.convoy_size,
                max_wait: Days(3.0),
                escorted: c.escorted,
            },
            origin_daily_limit: None,
            opens_on_day: 0,
            convoys_from_day: 0,
            convoys_until_day: u32::MAX,
            closes_on_day: u32::MAX,
            source_depot: None,
        }],
        trucks: TruckParams {
            speeds: SpeedTable {
                by_condition: [
                    KmPerDay(400.0),
                    KmPerDay(340.0),
                    KmPerDay(200.0),
                    KmPerDay(100.0),
                ],
            },
            load_time: Days(1.0),
            unload_time: Days(1.0),
            border_delay: Days(1.0),
            border_extra_day_chance: 0.25,
            // Half the cases replace lost trucks, after 5 to 44 days.
            replacement_days: c.seed.is_multiple_of(2).then_some(5 + (c.seed % 40) as u32),
            escorted_speed_factor: 0.6,
        },
        rationing: RationingPolicy {
            priority_from_day: 0,
            priority_until_day: u32::MAX,
            trigger_cover: Days(4.0),
            stretch: Days(8.0),
            adjust_per_day: 0.05,
            dead_band: 0.05,
            priority: vec![Sector::Power],
        },
        prices: PriceParams {
            reference_cover: Days(5.0),
            cap_multiple: 5.0,
            exponent: 1.5,
            demand_elasticity: 0.15,
            food_transport_share: 0.25,
            adjustment_half_life: Days(3.0),
        },
        services: ServiceParams {
            window: 7,
            close_below: 0.5,
            reopen_above: 0.8,
            max_closure_days: 14,
            min_open_days: 30,
        },
        willingness: WillingnessParams {
            drop_per_attack: 0.25,
            drop_per_kidnapping: 0.08,
            recovery_half_life: Days(12.0),
            floor: 0.15,
            drop_per_reported_incident: 0.2,
            safe_recovery_half_life: Days(6.0),
            safe_trip_attack_chance: 0.01,
        },
        escorts: EscortParams {
            units: 1,
            turnaround: Days(2.0),
            max_wait_for_escort: Days(2.0),
        },
        reserves: vec![ReserveSpec {
            first_day: 0,
            until_day: u32::MAX,
            depot: DepotId(0),
            volume: Volume(c.reserve),
            release_below_cover: Days(3.0),
            release_per_day: Volume(500.0),
        }],
        threat: ThreatInput {
            hazard,
            attacks: AttackParams {
                escort_hazard_factor: 0.6,
                reference_size: 20.0,
                size_exponent: 0.3,
                loss_unescorted: LossShare {
                    max_share: 0.9,
                    shape: 1.5,
                },
                loss_escorted: LossShare {
                    max_share: 0.6,
                    shape: 2.0,
                },
                kidnap_chance: 0.15,
                kidnap_max: 6,
                killed_per_truck_lost: 0.05,
                turn_back_chance: 0.2,
                wait_chance: 0.3,
                wait_days: 2.0,
            },
            reported: Vec::new(),
        },
        scheduled_convoys: Vec::new(),
        road_cuts: Vec::new(),
        airlifts: Vec::new(),
        food_security: FoodSecurityParams::default(),
        exports: Vec::new(),
        service_rules: Vec::new(),
    }
}

/// Runs a case, with the people present changing from mid-run.
fn run_case(input: &ModelInput, c: &Case, stream: u64) -> lifeline_model::RunRecord {
    let mut rng = run_rng(c.seed, stream);
    let mut sim = Simulation::new(input, RecordOptions::all());
    for day in 0..input.days {
        if day == input.days / 2 {
            sim.set_people_present(DepotId(0), 1000.0 * c.people_factor);
        }
        sim.step(&mut rng);
    }
    sim.finish()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * (1.0 + a.abs().max(b.abs()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn fuel_is_conserved(c in case()) {
        let input = build(&c);
        let record = run_case(&input, &c, 0);
        let b = &record.balances[0];
        let (inflow, outflow) = (b.inflow(), b.outflow());
        prop_assert!(close(inflow, outflow), "in {inflow} vs out {outflow}: {b:?}");
        // Trucks: loaded = delivered + lost + returned + in transit.
        prop_assert!(close(b.opening_in_transit + b.loaded_at_origin, b.delivered + b.lost + b.returned_to_origin + b.in_transit));
        // Per depot, day by day: stock changes by deliveries + reserve − consumption.
        // The plants' tanks take what the depot releases to power and lose what they burn.
        let mut stock = input.depots[0].opening_stock.0;
        let mut plant = b.opening_stock - stock;
        let cap = input.prices.cap_multiple;
        for day in &record.depot_days {
            let d = &day[0];
            let before = stock + d.delivered + d.reserve_released + d.produced;
            // Rationing never serves more than the stock.
            prop_assert!(d.consumed <= before + 1e-9, "released {} of {before}", d.consumed);
            stock = before - d.consumed;
            prop_assert!(close(stock, d.stock), "running {stock} vs recorded {}", d.stock);
            prop_assert!(d.shortage <= d.demand + 1e-9 && d.shortage >= 0.0);
            prop_assert!(d.stock >= -1e-9 && d.stock <= input.depots[0].storage_capacity.0 + 1e-6);
            prop_assert!((0.0..=1.0).contains(&d.rationing_level));
            prop_assert_eq!(d.rationing, d.rationing_level < 1.0);
            // Prices stay between the official price and the cap.
            prop_assert!(d.price_multiple >= 1.0 && d.price_multiple <= cap + 1e-12);
            let tank = d.plant_stock.unwrap_or(0.0);
            prop_assert!(tank >= -1e-9);
            plant = tank;
        }
        // Production never exceeds its calendar; people and food figures stay in range, and
        // the households' demand follows the people present.
        let calendar = input.depots[0].production.as_ref().map(|p| p.daily.clone());
        for (day, row) in record.depot_days.iter().enumerate() {
            let d = &row[0];
            let full = calendar.as_ref().map_or(0.0, |daily| daily[day]);
            prop_assert!(d.produced >= 0.0 && d.produced <= full + 1e-9);
            let people = if day as u32 >= input.days / 2 { 1000.0 * c.people_factor } else { 1000.0 };
            prop_assert!(close(d.population_present, people));
            let kcal = d.kcal_per_person_day.expect("an eaten commodity with people");
            prop_assert!(kcal >= 0.0 && kcal.is_finite());
            prop_assert!((1..=5).contains(&d.food_phase.expect("phase")));
        }
        prop_assert!(close(stock + plant, b.closing_stock), "{stock} + {plant} vs {}", b.closing_stock);
        // Trucks are conserved too: every day, idle + loaded on the road + lost so far never
        // exceeds the fleet (trucks on the road at the start come out of the same fleet).
        let fleet = input.corridors[0].fleet;
        let (mut lost, mut replaced) = (0, 0);
        for day in &record.corridor_days {
            let d = &day[0];
            lost += d.trucks_lost;
            replaced += d.trucks_replaced;
            prop_assert!(replaced <= lost);
            prop_assert!(d.trucks_idle + d.trucks_in_transit + lost <= fleet + replaced);
        }
        let t = &record.corridor_totals[0];
        prop_assert_eq!(t.trucks_lost, lost);
        // Trucks waiting at marshalling are loaded trucks in transit; only escorted convoys
        // wait for an escort.
        for day in &record.corridor_days {
            let d = &day[0];
            prop_assert!(d.trucks_waiting_convoy + d.trucks_waiting_escort <= d.trucks_in_transit);
            prop_assert!(c.escorted || d.trucks_waiting_escort == 0);
        }
    }

    #[test]
    fn same_seed_same_record(c in case()) {
        let input = build(&c);
        let a = run(&input, &mut run_rng(c.seed, 3), RecordOptions::all());
        let b = run(&input, &mut run_rng(c.seed, 3), RecordOptions::all());
        prop_assert_eq!(a, b);
    }
}

#[test]
fn no_hazard_means_no_attacks_and_escorts_do_not_change_a_safe_run_much() {
    let mut c = Case {
        lengths: vec![300.0, 200.0, 150.0],
        conditions: vec![0, 1, 2, 0, 1, 2],
        demand: [100.0, 200.0, 50.0, 50.0],
        opening_days: 10.0,
        fleet: 120,
        convoy_size: 1,
        escorted: false,
        hazard: 0.0,
        reserve: 0.0,
        days: 120,
        seed: 1,
        production: 0.0,
        people_factor: 1.0,
    };
    let record = run(&build(&c), &mut run_rng(1, 0), RecordOptions::all());
    assert_eq!(record.corridor_totals[0].attacks, 0);
    assert_eq!(record.balances[0].lost, 0.0);
    // A well-supplied depot has no shortage.
    let shortage: f64 = record.depot_days.iter().map(|d| d[0].shortage).sum();
    assert_eq!(
        shortage,
        0.0,
        "{:?}",
        record
            .depot_days
            .iter()
            .map(|d| (d[0].stock as i64, d[0].delivered as i64))
            .collect::<Vec<_>>()
    );
    c.hazard = 2.0;
    let attacked = run(&build(&c), &mut run_rng(1, 0), RecordOptions::all());
    assert!(attacked.corridor_totals[0].attacks > 0);
    assert!(attacked.balances[0].delivered < record.balances[0].delivered);
}

#[test]
fn trucks_wait_at_marshalling_for_a_large_convoy() {
    let c = Case {
        lengths: vec![300.0, 200.0],
        conditions: vec![0, 1, 2, 0, 1, 2],
        demand: [100.0, 200.0, 50.0, 50.0],
        opening_days: 10.0,
        fleet: 60,
        convoy_size: 25,
        escorted: false,
        hazard: 0.0,
        reserve: 0.0,
        days: 30,
        seed: 1,
        production: 0.0,
        people_factor: 1.0,
    };
    let record = run(&build(&c), &mut run_rng(1, 0), RecordOptions::all());
    let waiting: u32 = record
        .corridor_days
        .iter()
        .map(|d| d[0].trucks_waiting_convoy)
        .sum();
    assert!(waiting > 0, "some trucks wait for the convoy to fill");
    assert!(
        record
            .corridor_days
            .iter()
            .all(|d| d[0].trucks_waiting_escort == 0)
    );
}

/// A case whose depot grows part of what it uses, its machinery fuelled from its own
/// agriculture-and-mining sector.
fn harvest_case(hazard: f64, people_factor: f64) -> Case {
    Case {
        lengths: vec![300.0, 200.0, 150.0],
        conditions: vec![0, 1, 2, 0, 1, 2],
        demand: [0.0, 100.0, 100.0, 200.0],
        opening_days: 5.0,
        fleet: 60,
        convoy_size: 1,
        escorted: false,
        hazard,
        reserve: 0.0,
        days: 90,
        seed: 7,
        production: 150.0,
        people_factor,
    }
}

#[test]
fn harvests_need_fuel_and_demand_follows_the_people() {
    // Switch the threat on: the machinery's fuel runs short and less is produced; off, the
    // calendar's full volume comes in (as far as the store holds it).
    let mean_produced = |hazard: f64| {
        let c = harvest_case(hazard, 1.0);
        let input = build(&c);
        (0..8)
            .map(|r| run_case(&input, &c, r).balances[0].produced)
            .sum::<f64>()
            / 8.0
    };
    let safe = mean_produced(0.0);
    let threatened = mean_produced(3.0);
    assert!(
        threatened < 0.97 * safe,
        "threat cut production only from {safe:.0} to {threatened:.0}"
    );
    // Half the people from mid-run: the households' demand halves, the other sectors stay
    // (a well-stocked depot, so that the price, and with it demand, stays put).
    let mut c = harvest_case(0.0, 0.5);
    c.opening_days = 15.0;
    c.fleet = 120;
    let input = build(&c);
    let record = run_case(&input, &c, 0);
    let before = &record.depot_days[(c.days / 2 - 1) as usize][0];
    let after = &record.depot_days[(c.days / 2 + 1) as usize][0];
    assert_eq!((before.price_multiple, after.price_multiple), (1.0, 1.0));
    assert!(
        (before.demand - after.demand - 100.0).abs() < 1e-6,
        "demand {} → {}",
        before.demand,
        after.demand
    );
}
