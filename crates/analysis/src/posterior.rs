//! A scenario's posterior (`[calibration] posterior`, the `posterior.csv` of `lifeline
//! calibrate`) as the source of each run's parameters.
//!
//! Run `r` of master seed `s` takes the particle drawn by weight from its own stream
//! [`particle_rng`]`(s, r)`, which is not the run's model stream: the particle of a run is the
//! same whatever thread runs it, whatever ran before, in every response of a comparison, and
//! with or without `--resume`; and the model's dice of run `r` are the same with the posterior
//! as with the fixed parameters.

use crate::error::{AnalysisError, Result};
use crate::parameters::{BaseValues, Parameter, ParameterPath, Prior, with_values};
use lifeline_model::params::ModelInput;
use lifeline_scenario::{PosteriorSource, Scenario};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Mixed into the master seed so that the particle streams never coincide with the model's
/// run streams (`run_rng(seed, r)`).
const PARTICLE_STREAM_KEY: u64 = 0x706f_7374_6572_696f; // "posterio"

/// The stream that picks run `run`'s particle under master seed `seed`.
pub fn particle_rng(seed: u64, run: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ PARTICLE_STREAM_KEY);
    rng.set_stream(run);
    rng
}

/// A parsed posterior: its particles' values of each parameter, and their weights.
#[derive(Clone, Debug, PartialEq)]
pub struct PosteriorDraws {
    /// Where it came from (a path or `embedded:NAME`).
    pub file: String,
    /// FNV-1a (64 bits, hex) of the file's bytes: recorded in manifests.
    pub hash: String,
    pub parameters: Vec<Parameter>,
    /// `values[particle][parameter]`.
    pub values: Vec<Vec<f64>>,
    /// Normalised weights.
    pub weights: Vec<f64>,
    cumulative: Vec<f64>,
    /// The last particle of positive weight: where a draw lands if rounding leaves the total
    /// of the cumulative weights just under the uniform drawn.
    last_positive: usize,
    base: BaseValues,
}

impl PosteriorDraws {
    /// The posterior `scenario` names, parsed against its parameters (`None`: it names none).
    pub fn of_scenario(scenario: &Scenario) -> Result<Option<PosteriorDraws>> {
        let Some(source) = scenario.posterior_source()? else {
            return Ok(None);
        };
        let known = crate::parameters::scenario_parameters(scenario)?;
        PosteriorDraws::parse(&source, &known, BaseValues::of(scenario)).map(Some)
    }

    /// Parses a posterior. A column names a parameter path: when one of `known` (the scenario's
    /// `[[calibration.parameter]]`) has that path, its ties (`same_value_for`) follow; a
    /// `weight` column is required; `particle` and `distance` are ignored.
    pub fn parse(
        source: &PosteriorSource,
        known: &[Parameter],
        base: BaseValues,
    ) -> Result<PosteriorDraws> {
        let file = source.file.as_str();
        let fail = |line: usize, column: usize, message: String| AnalysisError::Posterior {
            file: file.to_string(),
            line,
            column,
            message,
        };
        let mut lines = source
            .text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
            .filter(|(_, l)| !l.trim().is_empty());
        let Some((header_line, header)) = lines.next() else {
            return Err(fail(1, 1, "the file is empty; expected a header such as `particle,threat.hazard_scale,weight`".into()));
        };
        let columns = header_columns(header, known, base)
            .map_err(|(column, message)| fail(header_line, column, message))?;
        let weight_column = columns
            .iter()
            .position(|c| matches!(c, Column::Weight))
            .ok_or_else(|| {
                fail(
                    header_line,
                    1,
                    "no `weight` column (a posterior.csv of `lifeline calibrate` has one)".into(),
                )
            })?;
        let parameters: Vec<Parameter> = columns
            .iter()
            .filter_map(|c| match c {
                Column::Parameter(p) => Some(p.clone()),
                _ => None,
            })
            .collect();
        if parameters.is_empty() {
            return Err(fail(
                header_line,
                1,
                "no parameter column: the header names no parameter path".into(),
            ));
        }
        let mut values = Vec::new();
        let mut weights = Vec::new();
        for (line, text) in lines {
            let fields: Vec<&str> = text.split(',').collect();
            if fields.len() != columns.len() {
                return Err(fail(
                    line,
                    fields.len().min(columns.len()) + 1,
                    format!(
                        "expected {} fields as in the header, found {}",
                        columns.len(),
                        fields.len()
                    ),
                ));
            }
            let mut row = Vec::with_capacity(parameters.len());
            for (k, (field, column)) in fields.iter().zip(&columns).enumerate() {
                let parse = || {
                    field.trim().parse::<f64>().map_err(|_| {
                        fail(
                            line,
                            k + 1,
                            format!("`{}`: expected a number, found `{field}`", column.name()),
                        )
                    })
                };
                match column {
                    Column::Ignored(_) => {}
                    Column::Weight => {
                        let w = parse()?;
                        if !(w.is_finite() && w >= 0.0) {
                            return Err(fail(
                                line,
                                k + 1,
                                format!("`weight`: expected a finite number ≥ 0, found {w:?}"),
                            ));
                        }
                        weights.push(w);
                    }
                    Column::Parameter(p) => {
                        let v = parse()?;
                        check_value(p, v).map_err(|m| fail(line, k + 1, m))?;
                        row.push(v);
                    }
                }
            }
            values.push(row);
        }
        if values.is_empty() {
            return Err(fail(
                header_line,
                1,
                "no particle: the file has a header only".into(),
            ));
        }
        let total: f64 = weights.iter().sum();
        if !(total > 0.0 && total.is_finite()) {
            return Err(fail(
                header_line,
                weight_column + 1,
                "every weight is 0: no particle can be drawn".into(),
            ));
        }
        let weights: Vec<f64> = weights.iter().map(|w| w / total).collect();
        let last_positive = weights.iter().rposition(|w| *w > 0.0).unwrap_or(0);
        let mut sum = 0.0;
        let cumulative = weights
            .iter()
            .map(|w| {
                sum += w;
                sum
            })
            .collect();
        Ok(PosteriorDraws {
            file: file.to_string(),
            hash: fnv_hex(source.text.as_bytes()),
            parameters,
            values,
            weights,
            cumulative,
            last_positive,
            base,
        })
    }

    pub fn particles(&self) -> usize {
        self.values.len()
    }

    /// The particle of run `run` under master seed `seed`, drawn by weight.
    pub fn particle_for_run(&self, seed: u64, run: u64) -> usize {
        let u: f64 = particle_rng(seed, run).random();
        // The first particle whose cumulative weight exceeds u: never one of weight 0.
        self.cumulative
            .partition_point(|c| *c <= u)
            .min(self.last_positive)
    }

    /// `input` with the parameters of `particle`.
    pub fn input_with(&self, input: &ModelInput, particle: usize) -> ModelInput {
        with_values(input, &self.base, &self.parameters, &self.values[particle])
    }

    /// Run `run`'s input (the particle drawn for it) and the particle's index.
    pub fn input_for_run(&self, input: &ModelInput, seed: u64, run: u64) -> (ModelInput, usize) {
        let particle = self.particle_for_run(seed, run);
        (self.input_with(input, particle), particle)
    }

    /// A particle's values as `path = value` pairs, for printing.
    pub fn describe(&self, particle: usize) -> String {
        self.parameters
            .iter()
            .zip(&self.values[particle])
            .map(|(p, v)| format!("{} = {}", p.name, significant(*v)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Four significant digits, without trailing zeros.
fn significant(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return v.to_string();
    }
    let decimals = (3 - v.abs().log10().floor() as i32).max(0) as usize;
    let text = format!("{v:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

enum Column {
    Ignored(String),
    Weight,
    Parameter(Parameter),
}

impl Column {
    fn name(&self) -> &str {
        match self {
            Column::Ignored(n) => n,
            Column::Weight => "weight",
            Column::Parameter(p) => &p.name,
        }
    }
}

/// The header's columns, or the (1-based) column and message of the first problem.
fn header_columns(
    header: &str,
    known: &[Parameter],
    base: BaseValues,
) -> std::result::Result<Vec<Column>, (usize, String)> {
    let mut columns = Vec::new();
    let mut seen: Vec<ParameterPath> = Vec::new();
    for (k, name) in header.split(',').map(str::trim).enumerate() {
        let column = match name {
            "weight" if columns.iter().any(|c| matches!(c, Column::Weight)) => {
                return Err((k + 1, "a second `weight` column".into()));
            }
            "weight" => Column::Weight,
            "particle" | "distance" => Column::Ignored(name.to_string()),
            _ => {
                let parameter = match known.iter().find(|p| p.name == name) {
                    Some(p) => p.clone(),
                    None => {
                        let path = ParameterPath::parse(name).ok_or_else(|| {
                            let paths: Vec<&str> = ParameterPath::ALL.iter().map(|p| p.0).collect();
                            (
                                k + 1,
                                format!(
                                    "unknown parameter path `{name}` (known: {}; or `particle`, `weight`, `distance`)",
                                    paths.join(", ")
                                ),
                            )
                        })?;
                        Parameter {
                            name: name.to_string(),
                            paths: vec![path],
                            // Only the bounds matter here: the values must lie in them.
                            prior: Prior::Uniform {
                                min: 0.0,
                                max: f64::MAX,
                            },
                        }
                    }
                };
                for path in &parameter.paths {
                    if seen.contains(path) {
                        return Err((
                            k + 1,
                            format!("`{name}` sets a key an earlier column already sets"),
                        ));
                    }
                    seen.push(*path);
                }
                if parameter.paths.contains(&ParameterPath::HazardScale) && base.hazard_scale <= 0.0
                {
                    return Err((k + 1, crate::parameters::HAZARD_SCALE_ZERO.into()));
                }
                Column::Parameter(parameter)
            }
        };
        columns.push(column);
    }
    Ok(columns)
}

/// A value must be finite and within what the scenario accepts for its path (a share within
/// [0, 1], the hazard's scale within [0, 1000], a half-life within (0, 3650] days).
fn check_value(parameter: &Parameter, v: f64) -> std::result::Result<(), String> {
    let name = &parameter.name;
    if !v.is_finite() {
        return Err(format!("`{name}`: expected a finite number, found {v:?}"));
    }
    for path in &parameter.paths {
        if *path == ParameterPath::RecoveryHalfLifeDays && v <= 0.0 {
            return Err(format!(
                "`{name}`: a half-life must be > 0 days, found {v:?}"
            ));
        }
        let (lo, hi) = path.allowed();
        if !(lo..=hi).contains(&v) {
            return Err(format!(
                "`{name}`: expected a number in [{lo}, {hi}], as the scenario accepts, found {v:?}"
            ));
        }
    }
    Ok(())
}

/// FNV-1a, 64 bits, as 16 hex digits (how posterior files are recorded in manifests).
pub use lifeline_io::hash::fnv1a_hex as fnv_hex;

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> BaseValues {
        BaseValues {
            hazard_scale: 1.0,
            safe_half_life_follows: true,
        }
    }

    fn source(text: &str) -> PosteriorSource {
        PosteriorSource {
            file: "post.csv".into(),
            text: text.into(),
        }
    }

    fn parse(text: &str) -> Result<PosteriorDraws> {
        PosteriorDraws::parse(&source(text), &[], base())
    }

    fn message(text: &str) -> String {
        match parse(text) {
            Ok(_) => panic!("accepted: {text}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn particles_are_drawn_by_weight_from_each_runs_own_stream() {
        let draws = parse(
            "particle,threat.hazard_scale,services.close_below,weight,distance\n\
             0,0.5,0.3,0.1,1\n1,1.5,0.4,0.0,1\n2,2.5,0.5,0.3,1\n3,3.5,0.6,0.6,1\n4,1,0.5,0,1\n",
        )
        .expect("valid");
        assert_eq!(draws.particles(), 5);
        let mut counts = [0usize; 5];
        for run in 0..20_000 {
            counts[draws.particle_for_run(7, run)] += 1;
        }
        assert_eq!(
            counts[1] + counts[4],
            0,
            "a particle of weight 0 is never drawn"
        );
        for (k, share) in [(0, 0.1), (2, 0.3), (3, 0.6)] {
            let got = counts[k] as f64 / 20_000.0;
            assert!((got - share).abs() < 0.015, "particle {k}: {got}");
        }
        // A run's particle depends on (seed, run) only.
        assert_eq!(
            draws.particle_for_run(7, 123),
            draws.particle_for_run(7, 123)
        );
        let differs = (0..50).any(|r| draws.particle_for_run(7, r) != draws.particle_for_run(8, r));
        assert!(differs, "another master seed draws other particles");
    }

    #[test]
    fn a_tied_parameter_sets_its_ties() {
        let tied = Parameter {
            name: "willingness.drop_per_attack".into(),
            paths: vec![
                ParameterPath::DropPerAttack,
                ParameterPath::DropPerReportedIncident,
            ],
            prior: Prior::Uniform { min: 0.1, max: 0.8 },
        };
        let draws = PosteriorDraws::parse(
            &source("willingness.drop_per_attack,weight\n0.25,1\n"),
            std::slice::from_ref(&tied),
            base(),
        )
        .expect("valid");
        assert_eq!(draws.parameters, vec![tied]);
        assert_eq!(draws.describe(0), "willingness.drop_per_attack = 0.25");
    }

    #[test]
    fn bad_files_are_refused_with_file_line_and_column() {
        let cases = [
            ("", "post.csv:1:1:", "empty"),
            (
                "threat.nonsense,weight\n1,1\n",
                "post.csv:1:1:",
                "unknown parameter path `threat.nonsense`",
            ),
            (
                "threat.hazard_scale\n1\n",
                "post.csv:1:1:",
                "no `weight` column",
            ),
            (
                "threat.hazard_scale,weight\n",
                "post.csv:1:1:",
                "header only",
            ),
            (
                "threat.hazard_scale,weight\n1,1\n1\n",
                "post.csv:3:2:",
                "expected 2 fields",
            ),
            (
                "threat.hazard_scale,weight\n1,1\nx,1\n",
                "post.csv:3:1:",
                "expected a number, found `x`",
            ),
            (
                "threat.hazard_scale,weight\n1,-0.5\n",
                "post.csv:2:2:",
                "finite number ≥ 0, found -0.5",
            ),
            (
                "threat.hazard_scale,weight\n1,NaN\n",
                "post.csv:2:2:",
                "found NaN",
            ),
            (
                "threat.hazard_scale,weight\n1,0\n2,0\n",
                "post.csv:1:2:",
                "every weight is 0",
            ),
            (
                "services.close_below,weight\n1.5,1\n",
                "post.csv:2:1:",
                "expected a number in [0, 1], as the scenario accepts, found 1.5",
            ),
            (
                "threat.hazard_scale,weight\n1e300,1\n",
                "post.csv:2:1:",
                "expected a number in [0, 1000], as the scenario accepts, found 1e300",
            ),
            (
                "willingness.recovery_half_life_days,weight\n0,1\n",
                "post.csv:2:1:",
                "a half-life must be > 0 days, found 0.0",
            ),
            (
                "threat.hazard_scale,threat.hazard_scale,weight\n1,1,1\n",
                "post.csv:1:2:",
                "already sets",
            ),
            (
                "\n\nthreat.hazard_scale,weight\n\n1,inf\n",
                "post.csv:5:2:",
                "found inf",
            ),
        ];
        for (text, place, what) in cases {
            let m = message(text);
            assert!(m.starts_with(place), "{text:?}: {m}");
            assert!(m.contains(what), "{text:?}: {m}");
        }
    }

    #[test]
    fn the_input_takes_the_particles_values() {
        let draws = parse("services.close_below,weight\n0.25,1\n0.75,1\n").expect("valid");
        let scenario = Scenario::load("mali-2025-baseline").expect("embedded");
        let input = scenario
            .build(&lifeline_scenario::Overrides::default())
            .expect("builds")
            .input;
        assert_eq!(draws.input_with(&input, 0).services.close_below, 0.25);
        assert_eq!(draws.input_with(&input, 1).services.close_below, 0.75);
        assert_eq!(significant(1234.567), "1235");
        assert_eq!(significant(0.047_51), "0.04751");
    }
}
