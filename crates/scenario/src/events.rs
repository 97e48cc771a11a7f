//! The conflict-event file: its rows weighted for the hazard kernel, and a summary of what it
//! contributed to the run, so that a file that contributes nothing (event types in another
//! case, the wrong years, another country's coordinates) is reported, never silent.

use crate::build::{Built, Overrides, Scenario, load_data, read_text};
use crate::error::{ScenarioError, SourceText};
use chrono::{Days, NaiveDate};
use lifeline_io::acled::AcledEvent;
use lifeline_model::network::Network;
use lifeline_model::params::{CorridorSpec, Leg};
use lifeline_model::threat::{ConflictEvent, KernelParams, distance_to_segment_km};
use std::collections::BTreeMap;
use std::fmt;
use toml::Spanned;

/// Events further than this many kernel ranges from a road add no hazard to it (the kernel's
/// cutoff, see `docs/model.md`).
const CUTOFF_RANGES: f64 = 3.0;

/// Weights by event type, matched in any case and ignoring surrounding spaces.
pub(crate) struct EventWeights(BTreeMap<String, f64>);

impl EventWeights {
    pub(crate) fn new(weights: &BTreeMap<String, Spanned<f64>>) -> EventWeights {
        EventWeights(
            weights
                .iter()
                .map(|(k, v)| (k.trim().to_lowercase(), *v.get_ref()))
                .collect(),
        )
    }

    pub(crate) fn get(&self, event_type: &str) -> Option<f64> {
        self.0.get(&event_type.trim().to_lowercase()).copied()
    }
}

/// Events whose type carries a weight, each with whether it was an abduction.
pub(crate) fn weighted_events(
    rows: &[AcledEvent],
    weights: &EventWeights,
    start: NaiveDate,
    kernel: &KernelParams,
) -> Vec<(ConflictEvent, bool)> {
    rows.iter()
        .filter_map(|r| {
            let w = weights.get(&r.event_type)?;
            Some((
                ConflictEvent {
                    day: (r.date - start).num_days(),
                    lat: r.latitude,
                    lon: r.longitude,
                    weight: kernel.event_weight(w, r.fatalities),
                },
                r.sub_event_type.to_lowercase().contains("abduction"),
            ))
        })
        .collect()
}

/// What an event file contributed to a run: each count is a subset of the one before.
#[derive(Clone, Debug, PartialEq)]
pub struct EventFileSummary {
    pub file: String,
    /// Event rows read.
    pub read: usize,
    /// Events dated within the run (from its first to its last day).
    pub in_window: usize,
    /// Of those, events whose type is listed in `threat.kernel.event_weights`.
    pub weighted: usize,
    /// Of those, events within the kernel's cutoff of a road some corridor drives.
    pub near_corridor: usize,
    pub cutoff_km: f64,
    /// The run's first and last dates.
    pub run_dates: (NaiveDate, NaiveDate),
    /// The earliest and latest event dates in the file.
    pub event_dates: Option<(NaiveDate, NaiveDate)>,
    /// Event types in the run's dates that carry no weight, with their counts.
    pub unweighted_types: BTreeMap<String, usize>,
    /// The mean position (lat, lon) of the weighted events in the run's dates.
    pub weighted_centre: Option<(f64, f64)>,
}

impl EventFileSummary {
    /// Why the file contributed nothing to the run's hazard, if it did not.
    pub fn warning(&self) -> Option<String> {
        if self.near_corridor > 0 {
            return None;
        }
        let (first, last) = self.run_dates;
        let cause = if self.read == 0 {
            "the file has no event rows".to_string()
        } else if self.in_window == 0 {
            let span = self
                .event_dates
                .map(|(a, b)| format!("{a} to {b}"))
                .unwrap_or_default();
            format!(
                "no event falls within the run's dates ({first} to {last}); the events run from {span}"
            )
        } else if self.weighted == 0 {
            let found = self
                .unweighted_types
                .iter()
                .map(|(t, n)| format!("`{t}` ({n})"))
                .collect::<Vec<_>>()
                .join(", ");
            format!("no event type is listed in threat.kernel.event_weights (types found: {found})")
        } else {
            let centre = self
                .weighted_centre
                .map(|(lat, lon)| format!("; the events centre on lat {lat:.2}, lon {lon:.2}"))
                .unwrap_or_default();
            format!(
                "no weighted event lies within {:.0} km of a corridor's road{centre} (another \
                 country's file, or latitude and longitude swapped?)",
                self.cutoff_km
            )
        };
        Some(format!(
            "warning: the event file {} adds no hazard to any corridor: {cause}",
            self.file
        ))
    }
}

/// The counts on one line, and the warning on the next when the file adds no hazard.
impl fmt::Display for EventFileSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Events: {}: {} read, {} within the run's dates, {} of a weighted type, {} within \
             {:.0} km of a corridor",
            self.file, self.read, self.in_window, self.weighted, self.near_corridor, self.cutoff_km
        )?;
        match self.warning() {
            Some(warning) => write!(f, "\n{warning}"),
            None => Ok(()),
        }
    }
}

/// Counts what an event file contributes to a built run.
pub(crate) fn summarise(
    file: &str,
    rows: &[AcledEvent],
    weights: &EventWeights,
    built: &Built,
    range_km: f64,
) -> EventFileSummary {
    let days = built.input.days;
    let start = built.start_date;
    let last = start
        .checked_add_days(Days::new(u64::from(days.saturating_sub(1))))
        .unwrap_or(start);
    let cutoff_km = CUTOFF_RANGES * range_km;
    let in_window: Vec<&AcledEvent> = rows
        .iter()
        .filter(|r| r.date >= start && r.date <= last)
        .collect();
    let mut unweighted_types = BTreeMap::new();
    let mut weighted = Vec::new();
    for r in in_window.iter().copied() {
        if weights.get(&r.event_type).is_some() {
            weighted.push(r);
        } else {
            *unweighted_types.entry(r.event_type.clone()).or_insert(0) += 1;
        }
    }
    let near_corridor = weighted
        .iter()
        .filter(|r| {
            near_a_corridor(
                &built.input.network,
                &built.input.corridors,
                (r.latitude, r.longitude),
                cutoff_km,
            )
        })
        .count();
    let weighted_centre = (!weighted.is_empty()).then(|| {
        let n = weighted.len() as f64;
        let lat = weighted.iter().map(|r| r.latitude).sum::<f64>() / n;
        let lon = weighted.iter().map(|r| r.longitude).sum::<f64>() / n;
        (lat, lon)
    });
    let event_dates = rows
        .iter()
        .map(|r| r.date)
        .min()
        .zip(rows.iter().map(|r| r.date).max());
    EventFileSummary {
        file: file.to_string(),
        read: rows.len(),
        in_window: in_window.len(),
        weighted: weighted.len(),
        near_corridor,
        cutoff_km,
        run_dates: (start, last),
        event_dates,
        unweighted_types,
        weighted_centre,
    }
}

fn near_a_corridor(
    network: &Network,
    corridors: &[CorridorSpec],
    at: (f64, f64),
    cutoff_km: f64,
) -> bool {
    corridors.iter().flat_map(|c| &c.legs).any(|leg| match leg {
        Leg::Drive { segment, .. } => {
            let s = network.segment(*segment);
            let (a, b) = (network.place(s.a), network.place(s.b));
            distance_to_segment_km(at, (a.lat, a.lon), (b.lat, b.lon)) <= cutoff_km
        }
        _ => false,
    })
}

impl Scenario {
    /// The event file's text and name: the override's, or the scenario's, or none.
    pub(crate) fn event_file(
        &self,
        src: &SourceText,
        overrides: &Overrides,
    ) -> Result<Option<(String, String)>, ScenarioError> {
        match (&overrides.events_file, &self.spec.threat.events) {
            (Some(path), _) => Ok(Some((read_text(path)?, path.display().to_string()))),
            (None, Some(spec)) => {
                load_data(src, spec, self.base_dir.as_deref(), "threat.events").map(Some)
            }
            (None, None) => Ok(None),
        }
    }

    /// What the run's event file contributes to `built` (made with the same overrides), for the
    /// user to see; `None` when the scenario uses no event file.
    pub fn event_file_summary(
        &self,
        built: &Built,
        overrides: &Overrides,
    ) -> Result<Option<EventFileSummary>, ScenarioError> {
        let src = SourceText {
            file: &self.file,
            text: &self.text,
        };
        let Some((text, file)) = self.event_file(&src, overrides)? else {
            return Ok(None);
        };
        let rows = lifeline_io::acled::read_acled(&text, &file)?;
        let kernel = &self.spec.threat.kernel;
        let weights = EventWeights::new(&kernel.event_weights);
        Ok(Some(summarise(
            &file,
            &rows,
            &weights,
            built,
            *kernel.range_km.get_ref(),
        )))
    }
}
