//! Snapshot tests: the key figures of small seeded runs. A change to the model that moves any
//! figure shows up here as a reviewed diff (`cargo insta review`), never silently.

use lifeline_io::outputs::summary_json;
use lifeline_model::{RecordOptions, key_figures, run, run_rng};
use lifeline_scenario::{Overrides, Scenario};

fn summary(name: &str, days: u32, seed: u64, response: Option<&str>) -> String {
    let scenario = Scenario::load(name).expect("embedded scenario");
    let built = scenario
        .build(&Overrides {
            days: Some(days),
            seed: Some(seed),
            response: response.map(str::to_string),
            ..Overrides::default()
        })
        .expect("builds");
    let record = run(
        &built.input,
        &mut run_rng(built.seed, 0),
        RecordOptions::all(),
    );
    let figures = key_figures(&built.input, &record);
    let ctx = built.output_context(&scenario);
    serde_json::to_string_pretty(&summary_json(&ctx, &record, &figures)).expect("json")
}

#[test]
fn baseline_30_days_seed_1() {
    insta::assert_snapshot!(summary("mali-2025-baseline", 30, 1, None));
}

#[test]
fn hindcast_60_days_seed_1() {
    insta::assert_snapshot!(summary("mali-2025", 60, 1, None));
}

#[test]
fn hindcast_escort_all_60_days_seed_1() {
    insta::assert_snapshot!(summary("mali-2025", 60, 1, Some("escort-all")));
}
