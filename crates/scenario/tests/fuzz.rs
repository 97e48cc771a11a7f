//! A mutation fuzzer that runs on stable Rust: each parser gets the embedded files with random
//! byte, line and field mutations (hostile values: NaN, infinities, huge integers, far dates,
//! wrong case, stray separators, broken encodings) and must return `Ok` or a typed error, never
//! panic; what a scenario accepts must build into finite parameters and run.
//!
//! 256 cases per parser by default; raise with `PROPTEST_CASES`, e.g.
//! `PROPTEST_CASES=20000 cargo test --release -p lifeline-scenario --test fuzz`.
//! Durations fuzzed so far are recorded in docs/fuzzing.md.

use lifeline_io::acled::read_acled;
use lifeline_io::network_csv::read_network;
use lifeline_io::outputs::{summary_json, write_places_csv};
use lifeline_model::{RecordOptions, key_figures, run, run_rng};
use lifeline_scenario::{Overrides, Scenario, ScenarioError, embedded};
use proptest::prelude::*;
use proptest::sample::Index;

/// Values that broke, or could break, a parser or what it feeds.
const HOSTILE: &[&str] = &[
    "nan",
    "inf",
    "-inf",
    "NaN",
    "-1",
    "0",
    "0.0",
    "-0.0",
    "1e308",
    "-1e308",
    "1e-320",
    "4294967295",
    "18446744073709551615",
    "9223372036854775807",
    "3650",
    "3651",
    "2.5",
    "\"\"",
    "\"x\"",
    "\"+262142-12-01\"",
    "+262142-12-01",
    "\"0001-01-01\"",
    "\"2025-02-30\"",
    "2025-13-45",
    "\"2200-12-31\"",
    "[]",
    "{}",
    "true",
    "\"bamako\"",
    "\"Ségou\"",
    "Bamako",
    "battles",
    "é",
    ";",
    "\"",
    "#",
    "\u{feff}",
    "\r",
    "PK",
];

/// One edit of a text.
#[derive(Clone, Debug)]
enum Mutation {
    /// Replaces one byte (the text is then read as UTF-8, lossily).
    Byte(Index, u8),
    /// Deletes up to 16 bytes.
    Delete(Index, usize),
    /// Inserts a hostile value.
    Insert(Index, Index),
    DeleteLine(Index),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    /// Replaces a value: what follows `=` on a TOML line, or one field of a CSV row.
    Value(Index, Index, Index),
    /// Upper- or lower-cases a line.
    Case(Index, bool),
    /// Turns the line endings to `\r\n`.
    Crlf,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        1 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Byte(i, b)),
        1 => (any::<Index>(), 1usize..16).prop_map(|(i, n)| Mutation::Delete(i, n)),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(i, v)| Mutation::Insert(i, v)),
        1 => any::<Index>().prop_map(Mutation::DeleteLine),
        1 => any::<Index>().prop_map(Mutation::DuplicateLine),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        4 => (any::<Index>(), any::<Index>(), any::<Index>())
            .prop_map(|(l, f, v)| Mutation::Value(l, f, v)),
        1 => (any::<Index>(), any::<bool>()).prop_map(|(l, up)| Mutation::Case(l, up)),
        1 => Just(Mutation::Crlf),
    ]
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(mutation(), 1..5)
}

/// The nearest char boundary at or before `at`.
fn boundary(text: &str, at: usize) -> usize {
    (0..=at.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

fn apply(text: &str, edits: &[Mutation], separator: char) -> String {
    let mut text = text.to_string();
    for edit in edits {
        text = apply_one(&text, edit, separator);
    }
    text
}

fn apply_one(text: &str, edit: &Mutation, separator: char) -> String {
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    let n = lines.len();
    match edit {
        Mutation::Byte(i, b) => {
            let mut bytes = text.as_bytes().to_vec();
            if !bytes.is_empty() {
                let at = i.index(bytes.len());
                bytes[at] = *b;
            }
            return String::from_utf8_lossy(&bytes).into_owned();
        }
        Mutation::Delete(i, len) => {
            if text.is_empty() {
                return String::new();
            }
            let start = boundary(text, i.index(text.len()));
            let end = boundary(text, start + len);
            return format!("{}{}", &text[..start], &text[end..]);
        }
        Mutation::Insert(i, v) => {
            let at = boundary(text, i.index(text.len() + 1));
            let value = HOSTILE[v.index(HOSTILE.len())];
            return format!("{}{value}{}", &text[..at], &text[at..]);
        }
        Mutation::DeleteLine(i) => {
            lines.remove(i.index(n));
        }
        Mutation::DuplicateLine(i) => {
            let at = i.index(n);
            let line = lines[at].clone();
            lines.insert(at, line);
        }
        Mutation::SwapLines(a, b) => lines.swap(a.index(n), b.index(n)),
        Mutation::Value(l, f, v) => {
            let at = l.index(n);
            let value = HOSTILE[v.index(HOSTILE.len())];
            lines[at] = replace_value(&lines[at], f, value, separator);
        }
        Mutation::Case(l, up) => {
            let at = l.index(n);
            lines[at] = if *up {
                lines[at].to_uppercase()
            } else {
                lines[at].to_lowercase()
            };
        }
        Mutation::Crlf => return text.replace('\n', "\r\n"),
    }
    lines.join("\n")
}

fn replace_value(line: &str, field: &Index, value: &str, separator: char) -> String {
    if separator == '=' {
        return match line.split_once('=') {
            Some((key, _)) => format!("{key}= {value}"),
            None => line.to_string(),
        };
    }
    let mut fields: Vec<&str> = line.split(separator).collect();
    let at = field.index(fields.len());
    fields[at] = value;
    fields.join(&separator.to_string())
}

/// Whether a value's debug text holds a NaN or an infinity outside its strings (a place may be
/// called "inf").
fn has_non_finite(debug: &str) -> bool {
    let mut outside = String::with_capacity(debug.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in debug.chars() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (_, false, '"') => in_string = !in_string,
            (false, _, _) => outside.push(c),
            _ => {}
        }
    }
    outside
        .split(|c: char| !c.is_alphanumeric())
        .any(|token| token == "NaN" || token == "inf")
}

#[test]
fn non_finite_values_are_seen_outside_strings_only() {
    assert!(has_non_finite("Km(inf)"));
    assert!(has_non_finite("x: NaN, y: 1.0"));
    assert!(!has_non_finite("name: \"inf\", y: 1.0"));
    assert!(!has_non_finite("name: \"a \\\" inf\", y: -1.5"));
}

fn data(name: &str) -> &'static str {
    embedded::data(name).expect("embedded data")
}

/// Parses and builds a mutated scenario; what builds must be finite and run a few days.
fn scenario_case(text: String) -> Result<(), TestCaseError> {
    let Ok(scenario) = Scenario::parse("fuzz.toml", text, None) else {
        return Ok(()); // a typed error: what the fuzzer wants
    };
    // The displacement plan is built from the scenario too: it must not panic either.
    let Ok(built) = scenario.build(&Overrides::default()) else {
        return Ok(());
    };
    let debug = format!("{:?}", built.input);
    prop_assert!(
        !has_non_finite(&debug),
        "non-finite parameter in a built input"
    );
    let _ = scenario.displacement_plan(&built);
    let _ = scenario.event_file_summary(&built, &Overrides::default());
    let mut input = built.input.clone();
    input.days = input.days.min(10);
    let record = run(&input, &mut run_rng(built.seed, 0), RecordOptions::all());
    let figures = key_figures(&input, &record);
    let ctx = built.output_context(&scenario);
    let _ = summary_json(&ctx, &record, &figures);
    let mut places = Vec::new();
    let options = lifeline_io::outputs::WriteOptions::default();
    prop_assert!(write_places_csv(&mut places, &ctx, &record, &options).is_ok());
    Ok(())
}

proptest! {
    #[test]
    fn scenario_toml_never_panics(
        edits in mutations(),
        which in 0usize..3,
    ) {
        // Djibo's file has the scheduled convoys, road cuts and airlifts; Mali 2025's the
        // calibration tables, dated convoy policies and response reserves.
        let name = ["mali-2025", "mali-2025-baseline", "burkina-djibo-2022"][which];
        let base = embedded::scenario(name).expect("embedded scenario");
        scenario_case(apply(base, &edits, '='))?;
    }

    #[test]
    fn network_csv_never_panics(edits in mutations(), on_places in any::<bool>()) {
        let (mut places, mut segments) =
            (data("mali/places.csv").to_string(), data("mali/segments.csv").to_string());
        if on_places {
            places = apply(&places, &edits, ',');
        } else {
            segments = apply(&segments, &edits, ',');
        }
        if let Ok(tables) = read_network(&places, "places.csv", &segments, "segments.csv") {
            let debug = format!("{:?} {:?}", tables.places, tables.segments);
            prop_assert!(!has_non_finite(&debug), "non-finite value read: {}", debug);
            for s in &tables.segments {
                prop_assert!(s.length.0 > 0.0);
            }
        }
    }

    #[test]
    fn acled_csv_never_panics(edits in mutations(), raw in prop::collection::vec(any::<u8>(), 0..8)) {
        let text = apply(data("mali/mali-2025-events.csv"), &edits, ',');
        if let Ok(events) = read_acled(&text, "events.csv") {
            for e in &events {
                prop_assert!(e.latitude.abs() <= 90.0 && e.longitude.abs() <= 180.0);
                prop_assert!(e.line >= 2);
            }
        }
        // Bytes that are not UTF-8 text, or not text at all, are named, never a panic.
        let mut bytes = raw;
        bytes.extend_from_slice(text.as_bytes());
        if let Ok(decoded) = lifeline_io::text::decode(bytes, "events.csv") {
            let _ = read_acled(&decoded, "events.csv");
        }
    }
}

/// Tables whose every number is swept by [`every_number_of_the_dated_tables_is_refused_at_its_line`].
const SWEPT_TABLES: [&str; 9] = [
    "[[scheduled_convoy]]",
    "[[road_cut]]",
    "[[airlift]]",
    "[[calibration.target]]",
    "[[calibration.parameter]]",
    "[[validation.target]]",
    "[[response.reserve]]",
    "[trucks]",
    "[willingness]",
];

/// Values outside every allowed range of those tables (or of their TOML type).
const OUT_OF_RANGE: [&str; 6] = ["nan", "inf", "-inf", "-1", "-1e308", "1e308"];

/// The numeric `key = value` lines of the swept tables: (line index, the line of its table's
/// header).
fn numeric_lines(text: &str) -> Vec<(usize, usize)> {
    let mut header: Option<usize> = None;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.starts_with('[') {
            header = SWEPT_TABLES.iter().any(|h| t.starts_with(h)).then_some(i);
            continue;
        }
        let Some(h) = header else { continue };
        let Some((_, value)) = t.split_once('=') else {
            continue;
        };
        let value = value.trim_start();
        let numeric = value.starts_with(|c: char| c.is_ascii_digit() || c == '-');
        if numeric && !t.starts_with('#') {
            out.push((i, h));
        }
    }
    out
}

/// Scenario `name` with line `i` of `lines` replaced by `replaced` must be refused, with a
/// located problem on one of the (1-based) `at` lines.
fn assert_refused_at(name: &str, lines: &[&str], i: usize, replaced: &str, at: &[usize]) {
    let mut edited = lines.to_vec();
    edited[i] = replaced;
    let result = Scenario::parse("fuzz.toml", edited.join("\n"), None)
        .and_then(|s| s.build(&Overrides::default()).map(|_| ()));
    let err = match result {
        Ok(()) => panic!("{name}:{}: `{}` accepted", i + 1, replaced.trim()),
        Err(e) => e,
    };
    let located = err.problems().into_iter().any(|p| {
        matches!(p, ScenarioError::At { file, line, .. }
            if file == "fuzz.toml" && at.contains(line))
    });
    assert!(
        located,
        "{name}:{}: `{}` not refused at its line: {err}",
        i + 1,
        replaced.trim()
    );
}

/// Every number of the dated and supply-mode tables, the calibration tables and the trucks'
/// and willingness options, set in turn to NaN, ±infinity, −1 and ±1e308: each must be refused
/// by the one validation pass with a located problem at its own line (or, for the calibration
/// tables, whose values carry no span, at its table's header line), never by a later stage.
#[test]
fn every_number_of_the_dated_tables_is_refused_at_its_line() {
    let mut swept = 0;
    for name in ["burkina-djibo-2022", "mali-2025"] {
        let base = embedded::scenario(name).expect("embedded scenario");
        let lines: Vec<&str> = base.lines().collect();
        let targets = numeric_lines(base);
        assert!(
            targets.len() >= 10,
            "{name}: {} numeric lines",
            targets.len()
        );
        for &(i, header) in &targets {
            for bad in OUT_OF_RANGE {
                let (key, _) = lines[i].split_once('=').expect("a key");
                let replaced = format!("{key}= {bad}");
                assert_refused_at(name, &lines, i, &replaced, &[i + 1, header + 1]);
                swept += 1;
            }
        }
    }
    assert!(swept > 100, "{swept} values swept");
}

/// The numbers inside inline tables (`speed_km_per_day = { good = 400.0, … }`, depots'
/// `demand`, corridors' `convoy`, …) of the Djibo and Mali 2025 scenarios: (line index, start
/// and end of the number in the line).
fn inline_numbers(text: &str) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.split('#').next().unwrap_or_default();
        let (Some(open), Some(close)) = (code.find('{'), code.rfind('}')) else {
            continue;
        };
        let mut at = open;
        while let Some(eq) = code[at..close].find('=').map(|e| at + e) {
            let start = eq + 1 + (code[eq + 1..].len() - code[eq + 1..].trim_start().len());
            let end = code[start..close]
                .find([',', ' ', '}'])
                .map_or(close, |e| start + e);
            let value = &code[start..end];
            if value.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
                out.push((i, start, end));
            }
            at = end;
        }
    }
    out
}

/// Every number inside an inline table, set in turn to NaN, ±infinity, −1 and ±1e308, is
/// refused with a problem at its own line; so is a truck speed below a km a day (a slip in
/// units that would keep trucks on the road for ever).
#[test]
fn every_number_of_an_inline_table_is_refused_at_its_line() {
    let mut swept = 0;
    for name in ["burkina-djibo-2022", "mali-2025"] {
        let base = embedded::scenario(name).expect("embedded scenario");
        let lines: Vec<&str> = base.lines().collect();
        let targets = inline_numbers(base);
        assert!(
            targets.len() >= 10,
            "{name}: {} inline numbers",
            targets.len()
        );
        for &(i, start, end) in &targets {
            let in_speeds = lines[i].trim_start().starts_with("speed_km_per_day");
            let tiny: &[&str] = if in_speeds { &["0.5", "1e-300"] } else { &[] };
            for bad in OUT_OF_RANGE.iter().chain(tiny) {
                let replaced = format!("{}{bad}{}", &lines[i][..start], &lines[i][end..]);
                assert_refused_at(name, &lines, i, &replaced, &[i + 1]);
                swept += 1;
            }
        }
    }
    assert!(swept > 500, "{swept} values swept");
}
