//! Free parameters from a scenario's `[[calibration.parameter]]` tables: which scenario key each
//! sets, and its prior.

use crate::error::{AnalysisError, Result};
use lifeline_model::params::ModelInput;
use lifeline_model::units::Days;
use lifeline_scenario::Scenario;
use lifeline_scenario::spec::ParameterSpec;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// The scenario keys a calibration may set (on the built input, without rebuilding routes or
/// the hazard table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParameterPath {
    HazardScale,
    DropPerAttack,
    DropPerReportedIncident,
    RecoveryHalfLifeDays,
    EscortedMaxLoss,
    UnescortedMaxLoss,
    ServicesCloseBelow,
}

impl ParameterPath {
    pub const ALL: [(&'static str, ParameterPath); 7] = [
        ("threat.hazard_scale", ParameterPath::HazardScale),
        ("willingness.drop_per_attack", ParameterPath::DropPerAttack),
        (
            "willingness.drop_per_reported_incident",
            ParameterPath::DropPerReportedIncident,
        ),
        (
            "willingness.recovery_half_life_days",
            ParameterPath::RecoveryHalfLifeDays,
        ),
        (
            "threat.attacks.loss_escorted.max_share",
            ParameterPath::EscortedMaxLoss,
        ),
        (
            "threat.attacks.loss_unescorted.max_share",
            ParameterPath::UnescortedMaxLoss,
        ),
        ("services.close_below", ParameterPath::ServicesCloseBelow),
    ];

    pub fn parse(text: &str) -> Option<ParameterPath> {
        Self::ALL
            .iter()
            .find(|(name, _)| *name == text)
            .map(|p| p.1)
    }

    /// The values the scenario file itself accepts for the path
    /// (`crates/scenario/src/validate.rs`): shares and thresholds in [0, 1], the hazard's
    /// scale in [0, 1000], a half-life in (0, 3650] days. A prior and a posterior stay within
    /// them, so that a drawn run is one the scenario could have stated.
    pub(crate) fn allowed(self) -> (f64, f64) {
        match self {
            ParameterPath::HazardScale => (0.0, 1000.0),
            ParameterPath::RecoveryHalfLifeDays => (0.0, 3650.0),
            ParameterPath::DropPerAttack
            | ParameterPath::DropPerReportedIncident
            | ParameterPath::EscortedMaxLoss
            | ParameterPath::UnescortedMaxLoss
            | ParameterPath::ServicesCloseBelow => (0.0, 1.0),
        }
    }
}

/// Why a drawn value cannot scale the hazard of a scenario whose own scale is 0, and what to do.
pub(crate) const HAZARD_SCALE_ZERO: &str = "the scenario's threat.hazard_scale is 0, so a drawn \
     value cannot rescale the hazard: set it above 0 (--without-threat switches the threat \
     off), or run with --fixed-parameters where the command has it";

/// A prior distribution, truncated to `[min, max]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Prior {
    Uniform {
        min: f64,
        max: f64,
    },
    LogUniform {
        min: f64,
        max: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
        min: f64,
        max: f64,
    },
}

impl Prior {
    pub fn bounds(&self) -> (f64, f64) {
        match *self {
            Prior::Uniform { min, max }
            | Prior::LogUniform { min, max }
            | Prior::Normal { min, max, .. } => (min, max),
        }
    }

    /// One draw.
    pub fn sample(&self, rng: &mut ChaCha8Rng) -> f64 {
        match *self {
            Prior::Uniform { min, max } => min + (max - min) * rng.random::<f64>(),
            Prior::LogUniform { min, max } => {
                (min.ln() + (max.ln() - min.ln()) * rng.random::<f64>()).exp()
            }
            Prior::Normal { mean, sd, min, max } => loop {
                // Rejection from the untruncated normal: priors are set so that most mass
                // lies inside the bounds (checked when the prior is read).
                let x = mean + sd * standard_normal(rng);
                if (min..=max).contains(&x) {
                    break x;
                }
            },
        }
    }

    /// The density up to a constant (the same for every value), 0 outside the bounds.
    pub fn density(&self, x: f64) -> f64 {
        let (min, max) = self.bounds();
        if !(min..=max).contains(&x) {
            return 0.0;
        }
        match *self {
            Prior::Uniform { .. } => 1.0,
            Prior::LogUniform { .. } => 1.0 / x,
            Prior::Normal { mean, sd, .. } => (-0.5 * ((x - mean) / sd).powi(2)).exp(),
        }
    }
}

/// A standard normal draw (Box–Muller, two uniforms per draw).
pub fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>(); // in (0, 1]: ln is finite
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A resolved free parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    /// The scenario key, as written.
    pub name: String,
    pub paths: Vec<ParameterPath>,
    pub prior: Prior,
}

/// What setting a parameter needs to know of the scenario as written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BaseValues {
    /// `threat.hazard_scale` as written: the built hazard already carries it.
    pub hazard_scale: f64,
    /// Whether `willingness.safe_recovery_half_life_days` is left to follow
    /// `recovery_half_life_days` (it is when not written).
    pub safe_half_life_follows: bool,
}

impl BaseValues {
    pub fn of(scenario: &Scenario) -> BaseValues {
        BaseValues {
            hazard_scale: *scenario.spec.threat.hazard_scale.get_ref(),
            safe_half_life_follows: scenario
                .spec
                .willingness
                .safe_recovery_half_life_days
                .is_none(),
        }
    }
}

/// Sets one parameter's keys to `value` on a built input.
pub fn apply(input: &mut ModelInput, base: &BaseValues, parameter: &Parameter, value: f64) {
    for path in &parameter.paths {
        match path {
            ParameterPath::HazardScale => input.threat.hazard.scale(value / base.hazard_scale),
            ParameterPath::DropPerAttack => input.willingness.drop_per_attack = value,
            ParameterPath::DropPerReportedIncident => {
                input.willingness.drop_per_reported_incident = value;
            }
            ParameterPath::RecoveryHalfLifeDays => {
                input.willingness.recovery_half_life = Days(value);
                if base.safe_half_life_follows {
                    input.willingness.safe_recovery_half_life = Days(value);
                }
            }
            ParameterPath::EscortedMaxLoss => input.threat.attacks.loss_escorted.max_share = value,
            ParameterPath::UnescortedMaxLoss => {
                input.threat.attacks.loss_unescorted.max_share = value;
            }
            ParameterPath::ServicesCloseBelow => input.services.close_below = value,
        }
    }
}

/// A copy of `input` with every parameter set to its value in `theta`.
pub fn with_values(
    input: &ModelInput,
    base: &BaseValues,
    parameters: &[Parameter],
    theta: &[f64],
) -> ModelInput {
    let mut input = input.clone();
    for (p, v) in parameters.iter().zip(theta) {
        apply(&mut input, base, p, *v);
    }
    input
}

/// The scenario's own `[[calibration.parameter]]` tables, resolved against its values.
pub fn scenario_parameters(scenario: &Scenario) -> Result<Vec<Parameter>> {
    let specs: Vec<ParameterSpec> = scenario
        .spec
        .calibration
        .as_ref()
        .map(|c| c.parameters.iter().map(|p| p.get_ref().clone()).collect())
        .unwrap_or_default();
    resolve_parameters(&specs, &BaseValues::of(scenario))
}

/// Resolves the parameter tables; `base` tells whether the hazard can be rescaled.
pub fn resolve_parameters(specs: &[ParameterSpec], base: &BaseValues) -> Result<Vec<Parameter>> {
    let mut seen = Vec::new();
    let mut out = Vec::with_capacity(specs.len());
    for spec in specs {
        let fail = |message: String| AnalysisError::Parameter {
            path: spec.path.clone(),
            message,
        };
        let mut paths = Vec::new();
        for text in std::iter::once(&spec.path).chain(&spec.same_value_for) {
            let path = ParameterPath::parse(text).ok_or_else(|| {
                let known: Vec<&str> = ParameterPath::ALL.iter().map(|p| p.0).collect();
                fail(format!(
                    "`{text}` cannot be calibrated (known: {})",
                    known.join(", ")
                ))
            })?;
            if seen.contains(&path) {
                return Err(fail(format!("`{text}` is set by two parameters")));
            }
            seen.push(path);
            paths.push(path);
        }
        if paths.contains(&ParameterPath::HazardScale) && base.hazard_scale <= 0.0 {
            return Err(fail(HAZARD_SCALE_ZERO.into()));
        }
        let prior = prior(spec).map_err(fail)?;
        let (min, max) = prior.bounds();
        for path in &paths {
            let (lo, hi) = path.allowed();
            if min < lo || max > hi {
                return Err(fail(format!(
                    "the prior must lie within [{lo}, {hi}], the values the scenario accepts \
                     for it"
                )));
            }
        }
        out.push(Parameter {
            name: spec.path.clone(),
            paths,
            prior,
        });
    }
    Ok(out)
}

fn prior(spec: &ParameterSpec) -> std::result::Result<Prior, String> {
    let (min, max) = (spec.min, spec.max);
    if !(min.is_finite() && max.is_finite() && min < max) {
        return Err(format!("needs min < max (got {min}, {max})"));
    }
    match spec.prior.as_str() {
        "uniform" => Ok(Prior::Uniform { min, max }),
        "log_uniform" if min > 0.0 => Ok(Prior::LogUniform { min, max }),
        "log_uniform" => Err("a log_uniform prior needs min > 0".into()),
        "normal" => match (spec.mean, spec.sd) {
            (Some(mean), Some(sd)) if sd > 0.0 && (min..=max).contains(&mean) => {
                Ok(Prior::Normal { mean, sd, min, max })
            }
            _ => Err("a normal prior needs `mean` within [min, max] and `sd` > 0".into()),
        },
        other => Err(format!(
            "unknown prior `{other}` (uniform, log_uniform, normal)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn priors_draw_inside_their_bounds_with_the_right_centre() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let priors = [
            Prior::Uniform { min: 1.0, max: 3.0 },
            Prior::LogUniform {
                min: 1.0,
                max: 100.0,
            },
            Prior::Normal {
                mean: 0.5,
                sd: 0.1,
                min: 0.3,
                max: 0.9,
            },
        ];
        let centres = [2.0, 10.0, 0.5];
        for (prior, centre) in priors.iter().zip(centres) {
            let mut draws: Vec<f64> = (0..4001).map(|_| prior.sample(&mut rng)).collect();
            let (min, max) = prior.bounds();
            assert!(draws.iter().all(|x| (min..=max).contains(x)));
            draws.sort_by(f64::total_cmp);
            let median = draws[2000];
            assert!(
                (median - centre).abs() < 0.06 * centre,
                "{prior:?}: median {median}"
            );
            assert_eq!(prior.density(max + 1.0), 0.0);
        }
    }

    #[test]
    fn unknown_paths_and_bad_priors_are_refused() {
        let base = BaseValues {
            hazard_scale: 1.0,
            safe_half_life_follows: false,
        };
        let spec = |path: &str, prior: &str, min: f64, max: f64| ParameterSpec {
            path: path.into(),
            same_value_for: Vec::new(),
            prior: prior.into(),
            min,
            max,
            mean: None,
            sd: None,
            source: String::new(),
        };
        assert!(
            resolve_parameters(&[spec("threat.nonsense", "uniform", 0.0, 1.0)], &base).is_err()
        );
        assert!(
            resolve_parameters(&[spec("services.close_below", "uniform", 0.0, 2.0)], &base)
                .is_err()
        );
        assert!(
            resolve_parameters(
                &[spec("threat.hazard_scale", "log_uniform", 0.0, 2.0)],
                &base
            )
            .is_err()
        );
        assert!(
            resolve_parameters(&[spec("threat.hazard_scale", "normal", 0.1, 2.0)], &base).is_err()
        );
        // A prior reaches no further than the scenario itself accepts for the path.
        for (path, min, max) in [
            ("threat.hazard_scale", 0.1, 2000.0),
            ("willingness.recovery_half_life_days", 1.0, 5000.0),
        ] {
            let err = resolve_parameters(&[spec(path, "uniform", min, max)], &base)
                .expect_err("beyond the scenario's range");
            assert!(
                err.to_string().contains("the values the scenario accepts"),
                "{err}"
            );
        }
        let ok = resolve_parameters(
            &[spec("threat.hazard_scale", "log_uniform", 0.1, 2.0)],
            &base,
        );
        assert_eq!(ok.map(|p| p.len()).ok(), Some(1));
    }
}
