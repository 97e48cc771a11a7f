//! Criterion benchmark: Flee's Mali 2012 case (shipped test data) at hasten 10 and hasten 1.

use std::collections::BTreeMap;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use lifeline_flee::{CaseInputs, FleeCase, InputFile, data_files_named_in};

fn read(path: &Path) -> InputFile {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    InputFile::new(path.display().to_string(), text)
}

fn mali_inputs(hasten: u32) -> CaseInputs {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/mali2012");
    let input = dir.join("input_csv");
    let source = dir.join("source_data");
    let data_layout = read(&source.join("data_layout.csv"));
    let mut data_files = BTreeMap::new();
    for name in data_files_named_in(&data_layout).expect("valid layout") {
        data_files.insert(name.clone(), read(&source.join(&name)).text);
    }
    let mut settings = read(&dir.join("simsetting.yml"));
    settings.text = settings
        .text
        .replace("hasten: 10", &format!("hasten: {hasten}"));
    CaseInputs {
        locations: read(&input.join("locations.csv")),
        routes: read(&input.join("routes.csv")),
        closures: Some(read(&input.join("closures.csv"))),
        conflicts: Some(read(&input.join("conflicts.csv"))),
        flood_levels: None,
        flood_awareness: None,
        sim_period: read(&input.join("sim_period.csv")),
        registration_corrections: Some(read(&input.join("registration_corrections.csv"))),
        data_layout,
        data_files,
        settings,
    }
}

fn mali(c: &mut Criterion) {
    let mut group = c.benchmark_group("mali2012");
    group.sample_size(10);
    for hasten in [10, 1] {
        let case = FleeCase::from_inputs(&mali_inputs(hasten), None).expect("valid case");
        let mut member = 0;
        group.bench_function(format!("hasten{hasten}_300days"), |b| {
            b.iter(|| {
                member += 1;
                case.run(1, member).expect("runs")
            })
        });
    }
    group.bench_function("read_inputs_hasten10", |b| {
        let inputs = mali_inputs(10);
        b.iter(|| FleeCase::from_inputs(&inputs, None).expect("valid case"))
    });
    group.finish();
}

criterion_group!(benches, mali);
criterion_main!(benches);
