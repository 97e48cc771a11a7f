//! Scenario text → validated [`ModelInput`]: names resolved to ids, dates to day indices,
//! routes computed, responses applied, hazard built.

use crate::embedded;
use crate::error::{ScenarioError, SourceText};
use crate::events::{EventWeights, weighted_events};
use crate::numbers::{date, non_negative, positive, probability};
use crate::policies;
use crate::spec::{AttacksSpec, BlockadeSpec, ResponseSpec, ScenarioFile};
use crate::stages::{self, Stage};
use crate::supply_modes::{self, ModeContext};
use chrono::NaiveDate;
use lifeline_io::network_csv::{NetworkTables, read_network};
use lifeline_model::geometry::{distance_to_polyline_km, share_within};
use lifeline_model::network::{Network, SpeedTable};
use lifeline_model::params::{CorridorSpec, Leg, ModelInput};
use lifeline_model::threat::{
    AttackParams, ConflictEvent, Declaration, DeclaredSegment, HazardBuilder, KernelParams,
    LossShare, ReportedIncident, ThreatInput,
};
use lifeline_model::{CommodityId, CorridorId, PlaceId, SegmentId};
use std::path::{Path, PathBuf};
use toml::Spanned;

type Result<T> = std::result::Result<T, ScenarioError>;

/// A parsed scenario file with its network, before a response or overrides are applied.
pub struct Scenario {
    pub file: String,
    pub text: String,
    pub spec: ScenarioFile,
    pub tables: NetworkTables,
    pub(crate) base_dir: Option<PathBuf>,
}

/// A posterior file named by a scenario, as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PosteriorSource {
    /// Where it came from: a path, or `embedded:NAME`.
    pub file: String,
    pub text: String,
}

/// Command-line choices that change a run without editing the file.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub seed: Option<u64>,
    pub days: Option<u32>,
    pub response: Option<String>,
    /// An ACLED CSV export replacing the scenario's event file.
    pub events_file: Option<PathBuf>,
    /// Segments closed to traffic (criticality analysis): routes avoid them.
    pub closed_segments: Vec<SegmentId>,
    /// Counterfactual: no declared blockade and no conflict event (the threat switched off;
    /// the defender's own policies stay).
    pub without_threat: bool,
    /// Counterfactual: every declaration and event moved this many days (later if positive).
    pub threat_shift_days: i64,
}

/// A scenario ready to run.
pub struct Built {
    pub input: ModelInput,
    pub name: String,
    pub response: String,
    pub seed: u64,
    pub start_date: NaiveDate,
}

impl Built {
    /// Names, dates and sources the output writers need, for this built scenario.
    pub fn output_context<'a>(
        &'a self,
        scenario: &'a Scenario,
    ) -> lifeline_io::outputs::OutputContext<'a> {
        lifeline_io::outputs::OutputContext {
            input: &self.input,
            scenario_name: &self.name,
            response: &self.response,
            seed: self.seed,
            start_date: self.start_date,
            place_sources: &scenario.tables.place_sources,
            segment_sources: &scenario.tables.segment_sources,
            events_file: None,
        }
    }
}

/// What the hazard builder needs from the rest of the build.
#[derive(Clone, Copy)]
struct ThreatContext<'a> {
    network: &'a Network,
    speeds: &'a SpeedTable,
    start: NaiveDate,
    days: u32,
    corridors: &'a [CorridorSpec],
}

/// The name of the response that changes nothing.
pub const STATUS_QUO: &str = "status-quo";

pub(crate) fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| ScenarioError::Read {
        file: path.display().to_string(),
        message: e.to_string(),
    })?;
    Ok(lifeline_io::text::decode(
        bytes,
        &path.display().to_string(),
    )?)
}

impl Scenario {
    /// Loads an embedded scenario by name, or a TOML file by path.
    pub fn load(name_or_path: &str) -> Result<Scenario> {
        if let Some(text) = embedded::scenario(name_or_path) {
            return Scenario::parse(&format!("embedded:{name_or_path}"), text.to_string(), None);
        }
        let path = Path::new(name_or_path);
        if path.extension().is_some_and(|e| e == "toml") || path.exists() {
            let text = read_text(path)?;
            let dir = path.parent().map(Path::to_path_buf);
            return Scenario::parse(&path.display().to_string(), text, dir);
        }
        Err(ScenarioError::UnknownScenario(name_or_path.to_string()))
    }

    /// Parses scenario text. `base_dir` resolves relative data paths.
    pub fn parse(file: &str, text: String, base_dir: Option<PathBuf>) -> Result<Scenario> {
        let src = SourceText { file, text: &text };
        crate::required::check(&src)?;
        let spec: ScenarioFile = toml::from_str(&text).map_err(|e| src.from_toml(&e))?;
        let (places_text, places_file) = load_data(
            &src,
            &spec.network.places,
            base_dir.as_deref(),
            "network.places",
        )?;
        let (segments_text, segments_file) = load_data(
            &src,
            &spec.network.segments,
            base_dir.as_deref(),
            "network.segments",
        )?;
        let tables = read_network(&places_text, &places_file, &segments_text, &segments_file)?;
        crate::validate::scenario(&src, &spec, &tables)?;
        Ok(Scenario {
            file: file.to_string(),
            text,
            spec,
            tables,
            base_dir,
        })
    }

    /// The posterior the scenario names (`[calibration] posterior`), read but not parsed (the
    /// analysis crate parses it against the parameters): `None` when it names none. A relative
    /// name is looked up beside the scenario file, or among the embedded posteriors for an
    /// embedded scenario; `embedded:NAME` always names an embedded one.
    pub fn posterior_source(&self) -> Result<Option<PosteriorSource>> {
        let Some(spec) = self
            .spec
            .calibration
            .as_ref()
            .and_then(|c| c.posterior.as_ref())
        else {
            return Ok(None);
        };
        let src = self.src();
        let field = "calibration.posterior";
        let value = spec.get_ref();
        let embedded_name = value.strip_prefix("embedded:").or_else(|| {
            (self.file.starts_with("embedded:") && self.base_dir.is_none())
                .then_some(value.as_str())
        });
        if let Some(name) = embedded_name {
            let text = embedded::posterior(name).ok_or_else(|| {
                let known: Vec<&str> = embedded::POSTERIORS.iter().map(|d| d.0).collect();
                src.error(
                    spec.span(),
                    field,
                    format!(
                        "no embedded posterior `{name}`; embedded: {}",
                        known.join(", ")
                    ),
                )
            })?;
            return Ok(Some(PosteriorSource {
                file: format!("embedded:{name}"),
                text: text.to_string(),
            }));
        }
        let path = match &self.base_dir {
            Some(dir) if Path::new(value).is_relative() => dir.join(value),
            _ => PathBuf::from(value),
        };
        let bytes = std::fs::read(&path).map_err(|e| {
            // A copy of an embedded scenario names its posterior by the embedded file's name.
            let hint = match embedded::posterior(value) {
                Some(_) => format!(
                    "write `posterior = \"embedded:{value}\"` for the embedded one, or run with --fixed-parameters"
                ),
                None => "give the path relative to the scenario file, or run with --fixed-parameters to use the scenario's own values".to_string(),
            };
            src.error(
                spec.span(),
                field,
                format!("cannot read the posterior `{}`: {e}; {hint}", path.display()),
            )
        })?;
        let file = path.display().to_string();
        let text = lifeline_io::text::decode(bytes, &file)?;
        Ok(Some(PosteriorSource { file, text }))
    }

    fn src(&self) -> SourceText<'_> {
        SourceText {
            file: &self.file,
            text: &self.text,
        }
    }

    /// (name, description) of each response, `status-quo` first.
    pub fn responses(&self) -> Vec<(String, String)> {
        let mut out = vec![(
            STATUS_QUO.to_string(),
            "the scenario as written, no change".to_string(),
        )];
        for r in &self.spec.responses {
            if r.name.get_ref() != STATUS_QUO {
                out.push((r.name.get_ref().clone(), r.description.clone()));
            }
        }
        out
    }

    /// Builds the model input with a response and overrides applied.
    pub fn build(&self, overrides: &Overrides) -> Result<Built> {
        let src = self.src();
        let spec = &self.spec;
        let response_name = overrides
            .response
            .clone()
            .unwrap_or_else(|| STATUS_QUO.to_string());
        let response = self.response_named(&response_name)?;
        let start_date = date(&src, &spec.scenario.start_date, "scenario.start_date")?;
        let days = self.run_days(overrides)?;
        let network = Network::new(self.tables.places.clone(), self.tables.segments.clone())
            .map_err(|e| {
                src.error(
                    spec.network.segments.span(),
                    "network.segments",
                    e.to_string(),
                )
            })?;
        let stage = Stage {
            src: self.src(),
            spec,
            network: &network,
            start_date,
        };

        let trucks = stages::trucks(&stage)?;

        let commodities = stages::commodities(&stage)?;

        let depots = stages::depots(&stage, &commodities, days)?;
        let depot_of = |place_id: PlaceId, c: CommodityId| stages::depot_of(&depots, place_id, c);

        let corridors = stages::corridors(
            &stage,
            &commodities,
            &depots,
            &trucks.speeds,
            response,
            &overrides.closed_segments,
        )?;

        let rationing = policies::rationing(&stage, response)?;
        let prices = policies::prices(&stage)?;
        let services = policies::services(&stage)?;
        let willingness = policies::willingness(&stage)?;
        let escorts = policies::escorts(&stage, response)?;
        let reserves = policies::reserves(&stage, &commodities, &depots, response)?;

        let threat = self.threat(
            &src,
            &ThreatContext {
                network: &network,
                speeds: &trucks.speeds,
                start: start_date,
                days,
                corridors: &corridors,
            },
            overrides,
        )?;

        let by_name = |place_id: PlaceId, name: &str| {
            let c = commodities.iter().position(|c| c.name == name)?;
            depot_of(place_id, CommodityId::from_index(c))
        };
        let modes = ModeContext {
            src: &src,
            network: &network,
            start: start_date,
            days,
            corridors: &corridors,
            depot_of: &by_name,
        };
        let scheduled_convoys = supply_modes::scheduled_convoys(
            &modes,
            spec.scheduled_convoys.iter().chain(
                response
                    .map(|r| r.scheduled_convoys.iter())
                    .into_iter()
                    .flatten(),
            ),
        )?;
        let road_cuts = supply_modes::road_cuts(&modes, &spec.road_cuts)?;
        let airlifts = supply_modes::airlifts(&modes, &spec.airlifts)?;

        let exports = crate::exports::exports(
            &src,
            &spec.exports,
            &network,
            &trucks.speeds,
            &depots,
            &commodities,
        )?;
        let service_rules = crate::services::service_rules(
            &src,
            &spec.service_rules,
            &network,
            &depots,
            &commodities,
        )?;
        let input = ModelInput {
            network,
            days,
            commodities,
            depots,
            corridors,
            trucks,
            rationing,
            prices,
            services,
            willingness,
            escorts,
            reserves,
            threat,
            scheduled_convoys,
            road_cuts,
            airlifts,
            food_security: crate::food::food_security(&src, spec.food_security.as_ref())?,
            exports,
            service_rules,
        };
        self.check_corridors_reach(&input)?;
        Ok(Built {
            input,
            name: spec.scenario.name.clone(),
            response: response_name,
            seed: overrides.seed.unwrap_or(spec.scenario.seed),
            start_date,
        })
    }

    /// The response called `name`; `None` for the status quo.
    fn response_named(&self, name: &str) -> Result<Option<&ResponseSpec>> {
        if name == STATUS_QUO {
            return Ok(None);
        }
        let found = self
            .spec
            .responses
            .iter()
            .find(|r| *r.name.get_ref() == name);
        found
            .map(Some)
            .ok_or_else(|| ScenarioError::UnknownResponse {
                name: name.to_string(),
                known: self
                    .responses()
                    .iter()
                    .map(|r| r.0.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Days to run: the override's (checked), else the file's; at least one.
    fn run_days(&self, overrides: &Overrides) -> Result<u32> {
        let days = match overrides.days {
            Some(days) => crate::validate::run_days(days)?,
            None => *self.spec.scenario.days.get_ref(),
        };
        if days == 0 {
            return Err(self.src().error(
                self.spec.scenario.days.span(),
                "scenario.days",
                "expected at least 1 day",
            ));
        }
        Ok(days)
    }

    /// Every corridor's destination can be reached from its origin on the network.
    fn check_corridors_reach(&self, input: &ModelInput) -> Result<()> {
        for c in &input.corridors {
            let destination = input.depots[c.destination.index()].place;
            input
                .network
                .check_reachable(c.origin, &[destination])
                .map_err(|e| {
                    self.src()
                        .error(self.spec.network.segments.span(), "network", e.to_string())
                })?;
        }
        Ok(())
    }

    fn threat(
        &self,
        src: &SourceText,
        ctx: &ThreatContext,
        overrides: &Overrides,
    ) -> Result<ThreatInput> {
        let ThreatContext {
            network,
            speeds,
            start,
            days,
            corridors,
        } = *ctx;
        let th = &self.spec.threat;
        let attacks = attack_params(src, &th.attacks)?;
        let mut builder = HazardBuilder::new(network, days);
        let shift = overrides.threat_shift_days;
        let blockades = if overrides.without_threat {
            &[][..]
        } else {
            &self.spec.blockades[..]
        };
        for b in blockades {
            let first = (date(src, &b.from, "blockade.from")? - start).num_days() + shift;
            let last = (date(src, &b.to, "blockade.to")? - start).num_days() + shift;
            if last < first {
                return Err(src.error(
                    b.to.span(),
                    "blockade.to",
                    "the blockade ends before it starts",
                ));
            }
            let countries = declared_countries(src, b, network)?;
            let segments = declared_segments(src, b, network, speeds, &countries)?;
            if segments.is_empty() && b.axis.is_empty() && b.area.is_none() {
                return Err(src.error(
                    b.from.span(),
                    "blockade",
                    format!("blockade `{}` names no axis or area", b.name),
                ));
            }
            if last < 0 || first >= i64::from(days) {
                continue;
            }
            builder.declaration(&Declaration {
                name: b.name.clone(),
                segments,
                first_day: first.max(0) as u32,
                last_day: last.min(i64::from(days) - 1) as u32,
                intensity: non_negative(src, &b.intensity, "blockade.intensity")?,
            });
        }
        let k = &th.kernel;
        let kernel = KernelParams {
            range_km: positive(src, &k.range_km, "threat.kernel.range_km")?,
            decay_days: positive(src, &k.decay_days, "threat.kernel.decay_days")?,
            scale: non_negative(src, &k.scale, "threat.kernel.scale")?,
            fatality_weight: *k.fatality_weight.get_ref(),
        };
        let events = self.conflict_events(src, start, &kernel, overrides)?;
        builder.events(
            &events.iter().map(|e| e.0.clone()).collect::<Vec<_>>(),
            &kernel,
        );
        let mut hazard = builder.build();
        hazard.scale(non_negative(src, &th.hazard_scale, "threat.hazard_scale")?);
        let reported = reported_incidents(
            network,
            corridors,
            &events,
            &kernel,
            days,
            *self.spec.willingness.abduction_severity.get_ref(),
        );
        Ok(ThreatInput {
            hazard,
            attacks,
            reported,
        })
    }

    /// Reads the event file (the override, or the scenario's), weighted by the kernel; each
    /// event comes with whether it was an abduction.
    fn conflict_events(
        &self,
        src: &SourceText,
        start: NaiveDate,
        kernel: &KernelParams,
        overrides: &Overrides,
    ) -> Result<Vec<(ConflictEvent, bool)>> {
        let Some((text, file)) = self.event_file(src, overrides)? else {
            return Ok(Vec::new());
        };
        if overrides.without_threat {
            return Ok(Vec::new());
        }
        let rows = lifeline_io::acled::read_acled(&text, &file)?;
        let weights = EventWeights::new(&self.spec.threat.kernel.event_weights);
        let mut events = weighted_events(&rows, &weights, start, kernel);
        for (e, _) in events.iter_mut() {
            e.day += overrides.threat_shift_days;
        }
        Ok(events)
    }
}

/// The countries a declaration is limited to (ISO 3166-1 alpha-2 codes as in the places table);
/// empty means no limit.
fn declared_countries(
    src: &SourceText,
    b: &BlockadeSpec,
    network: &Network,
) -> Result<Vec<String>> {
    let known: std::collections::BTreeSet<&str> = network
        .places()
        .iter()
        .map(|p| p.country.as_str())
        .collect();
    let mut out = Vec::new();
    for code in &b.countries {
        let text = code.get_ref().trim().to_uppercase();
        if !known.contains(text.as_str()) {
            return Err(src.error(
                code.span(),
                "blockade.countries",
                format!(
                    "no place of the network is in country `{}`; the network's countries are {} \
                     (two-letter ISO codes as in the places table)",
                    code.get_ref(),
                    known.iter().copied().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        out.push(text);
    }
    Ok(out)
}

/// Share of a segment's length inside the listed countries: 1 when both ends are in them, 0 when
/// neither is, and one half for a road crossing the border (where along it the border lies is not
/// in the network tables). No list means no limit.
fn country_share(network: &Network, segment: SegmentId, countries: &[String]) -> f64 {
    if countries.is_empty() {
        return 1.0;
    }
    let s = network.segment(segment);
    let inside = [s.a, s.b]
        .iter()
        .filter(|p| countries.iter().any(|c| *c == network.place(**p).country))
        .count();
    inside as f64 / 2.0
}

/// Incidents drivers hear of: every weighted event within the kernel's cutoff (3 · range) of a
/// corridor's road, on the event's day. Its severity is the event's kernel weight (type and
/// fatalities), times `abduction_severity` for an abduction, times the kernel's distance decay
/// exp(−d / range) to the nearest point of the corridor's road: drivers respond to what happened
/// and how close it was to their route, not to a count of reports.
fn reported_incidents(
    network: &Network,
    corridors: &[CorridorSpec],
    events: &[(ConflictEvent, bool)],
    kernel: &KernelParams,
    days: u32,
    abduction_severity: f64,
) -> Vec<ReportedIncident> {
    let roads: Vec<Vec<(f64, f64)>> = (0..network.segments().len())
        .map(|i| network.polyline(SegmentId::from_index(i)))
        .collect();
    let cutoff = 3.0 * kernel.range_km;
    let mut out = Vec::new();
    for (e, abduction) in events {
        if e.day < 0 || e.day >= i64::from(days) || e.weight <= 0.0 {
            continue;
        }
        for (ci, c) in corridors.iter().enumerate() {
            let nearest = c
                .legs
                .iter()
                .filter_map(|leg| match leg {
                    Leg::Drive { segment, .. } => Some(distance_to_polyline_km(
                        (e.lat, e.lon),
                        &roads[segment.index()],
                    )),
                    _ => None,
                })
                .fold(f64::INFINITY, f64::min);
            if nearest > cutoff {
                continue;
            }
            let kind = if *abduction { abduction_severity } else { 1.0 };
            out.push(ReportedIncident {
                day: e.day as u32,
                corridor: CorridorId::from_index(ci),
                severity: kind * e.weight * (-nearest / kernel.range_km).exp(),
            });
        }
    }
    out.sort_by_key(|r| (r.day, r.corridor));
    out
}

/// Reads `embedded:NAME` or a path relative to the scenario's folder.
pub(crate) fn load_data(
    src: &SourceText,
    spec: &Spanned<String>,
    base_dir: Option<&Path>,
    field: &str,
) -> Result<(String, String)> {
    let value = spec.get_ref();
    if let Some(name) = value.strip_prefix("embedded:") {
        let text = embedded::data(name).ok_or_else(|| {
            let known: Vec<&str> = embedded::DATA.iter().map(|d| d.0).collect();
            src.error(
                spec.span(),
                field,
                format!("no embedded data `{name}`; embedded: {}", known.join(", ")),
            )
        })?;
        return Ok((text.to_string(), value.clone()));
    }
    let path = match base_dir {
        Some(dir) if Path::new(value).is_relative() => dir.join(value),
        _ => PathBuf::from(value),
    };
    let bytes = std::fs::read(&path).map_err(|e| {
        src.error(
            spec.span(),
            field,
            format!("cannot read `{}`: {e}", path.display()),
        )
    })?;
    let text = lifeline_io::text::decode(bytes, &path.display().to_string())?;
    Ok((text, path.display().to_string()))
}

/// `[threat.attacks]`: what an attack does to a convoy, and what its drivers do after.
fn attack_params(src: &SourceText, a: &AttacksSpec) -> Result<AttackParams> {
    let attacks = AttackParams {
        escort_hazard_factor: probability(
            src,
            &a.escort_hazard_factor,
            "threat.attacks.escort_hazard_factor",
        )?,
        reference_size: positive(src, &a.reference_size, "threat.attacks.reference_size")?,
        size_exponent: *a.size_exponent.get_ref(),
        loss_unescorted: LossShare {
            max_share: probability(
                src,
                &a.loss_unescorted.max_share,
                "threat.attacks.loss_unescorted.max_share",
            )?,
            shape: positive(
                src,
                &a.loss_unescorted.shape,
                "threat.attacks.loss_unescorted.shape",
            )?,
        },
        loss_escorted: LossShare {
            max_share: probability(
                src,
                &a.loss_escorted.max_share,
                "threat.attacks.loss_escorted.max_share",
            )?,
            shape: positive(
                src,
                &a.loss_escorted.shape,
                "threat.attacks.loss_escorted.shape",
            )?,
        },
        kidnap_chance: probability(src, &a.kidnap_chance, "threat.attacks.kidnap_chance")?,
        kidnap_max: *a.kidnap_max.get_ref(),
        killed_per_truck_lost: *a.killed_per_truck_lost.get_ref(),
        turn_back_chance: probability(src, &a.turn_back_chance, "threat.attacks.turn_back_chance")?,
        wait_chance: probability(src, &a.wait_chance, "threat.attacks.wait_chance")?,
        wait_days: non_negative(src, &a.wait_days, "threat.attacks.wait_days")?,
    };
    if attacks.turn_back_chance + attacks.wait_chance > 1.0 {
        return Err(src.error(
            a.wait_chance.span(),
            "threat.attacks.wait_chance",
            "turn_back_chance + wait_chance must not exceed 1",
        ));
    }
    Ok(attacks)
}

/// The segments a blockade declares, with the share of each inside the declared countries:
/// those of its axis (routed through the named places), then those of its area.
fn declared_segments(
    src: &SourceText,
    b: &BlockadeSpec,
    network: &Network,
    speeds: &SpeedTable,
    countries: &[String],
) -> Result<Vec<DeclaredSegment>> {
    let mut segments: Vec<DeclaredSegment> = Vec::new();
    if b.axis.len() == 1 {
        return Err(src.error(
            b.axis[0].span(),
            "blockade.axis",
            "an axis needs at least two places",
        ));
    }
    if b.axis.len() >= 2 {
        let mut pts = Vec::new();
        for p in &b.axis {
            pts.push(network.place_by_name(p.get_ref()).ok_or_else(|| {
                src.error(
                    p.span(),
                    "blockade.axis",
                    format!("unknown place `{}`", p.get_ref()),
                )
            })?);
        }
        let path = network
            .path_via(&pts, speeds, &[])
            .map_err(|e| src.error(b.axis[0].span(), "blockade.axis", e.to_string()))?;
        for (segment, _) in &path.steps {
            let share = country_share(network, *segment, countries);
            if share > 0.0 {
                segments.push(DeclaredSegment {
                    segment: *segment,
                    share,
                });
            }
        }
    }
    if let Some(area) = &b.area {
        let centre = network.place_by_name(area.place.get_ref()).ok_or_else(|| {
            src.error(
                area.place.span(),
                "blockade.area.place",
                format!("unknown place `{}`", area.place.get_ref()),
            )
        })?;
        let radius = positive(src, &area.radius_km, "blockade.area.radius_km")?;
        let c = network.place(centre);
        for i in 0..network.segments().len() {
            let id = SegmentId::from_index(i);
            if segments.iter().any(|d| d.segment == id) {
                continue;
            }
            let inside = share_within(&network.polyline(id), (c.lat, c.lon), radius);
            let share = inside * country_share(network, id, countries);
            if share > 0.0 {
                segments.push(DeclaredSegment { segment: id, share });
            }
        }
    }
    Ok(segments)
}
