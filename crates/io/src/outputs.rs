//! A run's output files: `places.csv`, `corridors.csv`, `events.csv`, `summary.json`,
//! `displacement.csv` and the GeoJSON layers of [`crate::geo`]. Column names are a contract
//! (README "Outputs"): a figure has the same name here as in the ensemble's tables.

use crate::atomic::{write_atomically, write_bytes};
use crate::geo;
pub use crate::geo::network_geojson;
use crate::hxl::write_header;
use crate::network_csv::{PlaceSources, SegmentSources};
use chrono::{Days as ChronoDays, NaiveDate};
use lifeline_model::params::{ModelInput, Sector};
use lifeline_model::record::{EventKind, RunRecord};
use lifeline_model::summary::{DRY_COVER_DAYS, KeyFigures};
use serde_json::{Map, Value, json};
use std::io::{self, Write};
use std::path::Path;

/// What the writers need besides the record: names, dates and provenance.
pub struct OutputContext<'a> {
    pub input: &'a ModelInput,
    pub scenario_name: &'a str,
    pub response: &'a str,
    pub seed: u64,
    pub start_date: NaiveDate,
    pub place_sources: &'a [PlaceSources],
    pub segment_sources: &'a [SegmentSources],
    /// The conflict-event file given on the command line in place of the scenario's
    /// (recorded in `summary.json`); `None` when the scenario's own was used.
    pub events_file: Option<String>,
}

impl OutputContext<'_> {
    pub fn date(&self, day: u32) -> NaiveDate {
        self.start_date
            .checked_add_days(ChronoDays::new(u64::from(day)))
            .expect("invariant: run dates stay within chrono's range")
    }

    fn depot_name(&self, depot: usize) -> &str {
        let d = &self.input.depots[depot];
        &self.input.network.place(d.place).name
    }

    pub(crate) fn segment_name(&self, s: lifeline_model::SegmentId) -> String {
        let seg = self.input.network.segment(s);
        format!(
            "{}–{}",
            self.input.network.place(seg.a).name,
            self.input.network.place(seg.b).name
        )
    }
}

/// Header of `places.csv`.
pub const PLACES_HEADER: &str = "day,date,place,commodity,stock_m3,demand_m3,delivered_m3,consumed_m3,shortage_m3,cover_days,price_multiple,price_fcfa_per_l,power_hours,services_open,rationing,food_price_index,reserve_released_m3,shortage_power_m3,shortage_transport_m3,delivered_by_air_m3,shipped_onward_m3,power_plant_stock_m3,rationing_level,produced_m3,population_present,kcal_per_person_day,food_phase";
/// Header of `corridors.csv`.
pub const CORRIDORS_HEADER: &str = "day,date,corridor,trucks_dispatched,trucks_arrived,trucks_in_transit,trucks_lost,delivered_m3,drivers_kidnapped,drivers_killed,attacks,willingness,trucks_idle,trucks_waiting_convoy,trucks_waiting_escort";
/// Header of `displacement.csv`.
pub const DISPLACEMENT_HEADER: &str = "day,date,location,agents_present,arrivals,trapped";

/// Displacement counts for the writers: per day and place, with the places to report.
pub struct DisplacementTable<'a> {
    pub present: &'a [Vec<u64>],
    pub arrivals: &'a [Vec<u64>],
    pub spawned: &'a [u64],
    /// `trapped[day][place]`: people unable to leave a besieged place.
    pub trapped: &'a [Vec<u64>],
    /// Places that count as camps (named in the key figures).
    pub camps: &'a [lifeline_model::PlaceId],
}

impl DisplacementTable<'_> {
    /// Places whose people were ever trapped: (place index, most trapped on one day, days).
    pub fn trapped_places(&self) -> Vec<(usize, u64, usize)> {
        let n = self.trapped.first().map_or(0, Vec::len);
        (0..n)
            .filter_map(|i| {
                let most = self.trapped.iter().map(|d| d[i]).max().unwrap_or(0);
                let days = self.trapped.iter().filter(|d| d[i] > 0).count();
                (most > 0).then_some((i, most, days))
            })
            .collect()
    }

    /// Places that ever held or received someone, and every camp, in place order.
    pub fn reported_places(&self) -> Vec<usize> {
        let n = self.present.first().map_or(0, Vec::len);
        (0..n)
            .filter(|&i| {
                self.camps.iter().any(|c| c.index() == i)
                    || self.present.iter().any(|d| d[i] > 0)
                    || self.arrivals.iter().any(|d| d[i] > 0)
                    || self.trapped.iter().any(|d| d[i] > 0)
            })
            .collect()
    }
}

pub fn write_displacement_csv(
    w: &mut impl Write,
    ctx: &OutputContext,
    table: &DisplacementTable,
    options: &WriteOptions,
) -> io::Result<()> {
    write_header(w, DISPLACEMENT_HEADER, options.hxl)?;
    let places = table.reported_places();
    for (day, (present, arrivals)) in table.present.iter().zip(table.arrivals).enumerate() {
        let date = ctx.date(day as u32);
        let trapped = table.trapped.get(day);
        for &i in &places {
            writeln!(
                w,
                "{day},{date},{},{},{},{}",
                field(&ctx.input.network.places()[i].name),
                present[i],
                arrivals[i],
                trapped.map_or(0, |t| t[i])
            )?;
        }
    }
    Ok(())
}

/// Header of `services.csv`.
pub const SERVICES_HEADER: &str = "day,date,place,service,open";

/// Services beyond schools, day by day: open (1) or closed (0).
pub fn write_services_csv(
    w: &mut impl Write,
    ctx: &OutputContext,
    record: &RunRecord,
    options: &WriteOptions,
) -> io::Result<()> {
    write_header(w, SERVICES_HEADER, options.hxl)?;
    for (day, open) in record.service_days.iter().enumerate() {
        let date = ctx.date(day as u32);
        for (rule, is_open) in ctx.input.service_rules.iter().zip(open) {
            writeln!(
                w,
                "{day},{date},{},{},{}",
                field(&ctx.input.network.place(rule.place).name),
                field(&rule.name),
                u8::from(*is_open)
            )?;
        }
    }
    Ok(())
}

/// Exports and services beyond schools for `summary.json`.
fn exports_and_services_json(ctx: &OutputContext, record: &RunRecord) -> (Value, Value) {
    let mut exports = Map::new();
    for (e, t) in ctx.input.exports.iter().zip(&record.exports) {
        exports.insert(
            e.name.clone(),
            json!({
                "unit": e.unit,
                "potential": round(t.potential, 1),
                "produced": round(t.produced, 1),
                "exported": round(t.exported, 1),
                "held_at_end": round(t.held_at_end, 1),
                "days_held": t.days_held,
                // Against the run's own baseline: what full fuel would have made.
                "revenue_lost_fcfa": round((t.potential - t.produced) * e.price, 0),
                "revenue_deferred_fcfa": round(t.held_at_end * e.price, 0),
            }),
        );
    }
    let mut services = Map::new();
    for (rule, t) in ctx.input.service_rules.iter().zip(&record.services) {
        services.insert(
            format!("{} {}", ctx.input.network.place(rule.place).name, rule.name),
            json!({
                "place": ctx.input.network.place(rule.place).name,
                "service": rule.name,
                "needs": rule.needs.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
                "closed_days": t.closed_days,
                "closures": t.closures,
                "first_closed_date": t.first_closed_day.map(|d| ctx.date(d).to_string()),
            }),
        );
    }
    (Value::Object(exports), Value::Object(services))
}

/// Key figures of displacement for `summary.json`.
pub fn displacement_json(ctx: &OutputContext, table: &DisplacementTable) -> Value {
    let mut camps = Map::new();
    for c in table.camps {
        let total: u64 = table.arrivals.iter().map(|d| d[c.index()]).sum();
        let present = table.present.last().map_or(0, |d| d[c.index()]);
        camps.insert(
            ctx.input.network.place(*c).name.clone(),
            json!({"arrivals": total, "present_at_end": present}),
        );
    }
    let mut trapped = Map::new();
    for (i, most, days) in table.trapped_places() {
        trapped.insert(
            ctx.input.network.places()[i].name.clone(),
            json!({"most_trapped": most, "days_trapped": days}),
        );
    }
    json!({
        "people_displaced": table.spawned.iter().sum::<u64>(),
        "arrivals_by_camp": camps,
        "trapped": trapped,
    })
}

/// Header of `events.csv`: one column per fact, empty where it does not apply.
pub const EVENTS_HEADER: &str = "day,date,kind,place,segment,corridor,trucks,lat,lon,trucks_lost,drivers_kidnapped,drivers_killed,outcome,escorted";

/// How the files are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// Add a second header row of HXL hashtags to every CSV file (see [`crate::hxl`]).
    pub hxl: bool,
}

/// Quotes a CSV field when needed.
fn field(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\"")).into()
    } else {
        text.into()
    }
}

pub fn write_places_csv(
    w: &mut impl Write,
    ctx: &OutputContext,
    record: &RunRecord,
    options: &WriteOptions,
) -> io::Result<()> {
    write_header(w, PLACES_HEADER, options.hxl)?;
    for (day, rows) in record.depot_days.iter().enumerate() {
        let day = day as u32;
        let date = ctx.date(day);
        for (di, r) in rows.iter().enumerate() {
            let commodity = &ctx.input.commodities[ctx.input.depots[di].commodity.index()].name;
            let power = r.power_hours.map(|h| format!("{h:.2}")).unwrap_or_default();
            let plant_stock = r.plant_stock.map(|v| format!("{v:.1}")).unwrap_or_default();
            let kcal = r
                .kcal_per_person_day
                .map(|k| format!("{k:.0}"))
                .unwrap_or_default();
            let phase = r.food_phase.map(|p| p.to_string()).unwrap_or_default();
            let people = if ctx.input.depots[di].population > 0.0 {
                format!("{:.0}", r.population_present)
            } else {
                String::new()
            };
            let services = r
                .services_open
                .map(|o| u8::from(o).to_string())
                .unwrap_or_default();
            writeln!(
                w,
                "{day},{date},{},{},{:.1},{:.1},{:.1},{:.1},{:.1},{:.2},{:.3},{:.0},{power},{services},{},{:.3},{:.1},{:.1},{:.1},{:.1},{:.1},{plant_stock},{:.3},{:.1},{people},{kcal},{phase}",
                field(ctx.depot_name(di)),
                field(commodity),
                r.stock,
                r.demand,
                r.delivered,
                r.consumed,
                r.shortage,
                r.cover_days,
                r.price_multiple,
                r.price_per_unit,
                u8::from(r.rationing),
                r.food_price_index,
                r.reserve_released,
                r.shortage_of(Sector::Power),
                r.shortage_of(Sector::Transport),
                r.delivered_by_air,
                r.shipped_onward,
                r.rationing_level,
                r.produced,
            )?;
        }
    }
    Ok(())
}

pub fn write_corridors_csv(
    w: &mut impl Write,
    ctx: &OutputContext,
    record: &RunRecord,
    options: &WriteOptions,
) -> io::Result<()> {
    write_header(w, CORRIDORS_HEADER, options.hxl)?;
    for (day, rows) in record.corridor_days.iter().enumerate() {
        let day = day as u32;
        let date = ctx.date(day);
        for (ci, r) in rows.iter().enumerate() {
            writeln!(
                w,
                "{day},{date},{},{},{},{},{},{:.1},{},{},{},{:.3},{},{},{}",
                field(&ctx.input.corridors[ci].name),
                r.trucks_dispatched,
                r.trucks_arrived,
                r.trucks_in_transit,
                r.trucks_lost,
                r.delivered,
                r.drivers_kidnapped,
                r.drivers_killed,
                r.attacks,
                r.willingness,
                r.trucks_idle,
                r.trucks_waiting_convoy,
                r.trucks_waiting_escort,
            )?;
        }
    }
    Ok(())
}

pub fn write_events_csv(
    w: &mut impl Write,
    ctx: &OutputContext,
    record: &RunRecord,
    options: &WriteOptions,
) -> io::Result<()> {
    write_header(w, EVENTS_HEADER, options.hxl)?;
    let net = &ctx.input.network;
    for e in &record.events {
        let place = e
            .place
            .map(|p| net.place(p).name.clone())
            .unwrap_or_default();
        let segment = e.segment.map(|s| ctx.segment_name(s)).unwrap_or_default();
        let corridor = e
            .corridor
            .map(|c| ctx.input.corridors[c.index()].name.as_str())
            .unwrap_or_default();
        let (lat, lon) = geo::event_location(net, e.place, e.segment, e.at_km)
            .map(|[lon, lat]| (format!("{lat:.5}"), format!("{lon:.5}")))
            .unwrap_or_default();
        let (lost, kidnapped, killed, outcome) = match &e.kind {
            EventKind::Attack {
                lost,
                kidnapped,
                killed,
                aftermath,
                ..
            } => (
                lost.to_string(),
                kidnapped.to_string(),
                killed.to_string(),
                aftermath.as_str(),
            ),
            _ => Default::default(),
        };
        let escorted = match &e.kind {
            EventKind::ConvoyDeparted { escorted }
            | EventKind::ScheduledConvoyDeparted { escorted }
            | EventKind::Attack { escorted, .. } => u8::from(*escorted).to_string(),
            _ => String::new(),
        };
        writeln!(
            w,
            "{},{},{},{},{},{},{},{lat},{lon},{lost},{kidnapped},{killed},{outcome},{escorted}",
            e.day,
            ctx.date(e.day),
            e.kind.name(),
            field(&place),
            field(&segment),
            field(corridor),
            e.trucks,
        )?;
    }
    Ok(())
}

fn round(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

/// The key figures as JSON (numbers rounded so that the file is stable and readable).
pub fn summary_json(ctx: &OutputContext, record: &RunRecord, figures: &KeyFigures) -> Value {
    let mut places = Map::new();
    for (di, f) in figures.depots.iter().enumerate() {
        // The same label as the ensemble's tables.
        let key = ctx
            .input
            .depot_label(lifeline_model::DepotId::from_index(di));
        let mut by_sector = Map::new();
        for s in Sector::ALL {
            by_sector.insert(
                s.as_str().into(),
                json!(round(f.shortage_by_sector[s.index()], 1)),
            );
        }
        places.insert(
            key,
            json!({
                "first_day_cover_below_3": f.first_day_cover_below_3,
                "first_date_cover_below_3": f.first_day_cover_below_3.map(|d| ctx.date(d).to_string()),
                "days_cover_below_3": f.days_cover_below_3,
                "shortage_m3": round(f.total_shortage, 1),
                "shortage_days": f.shortage_days,
                "shortage_by_sector_m3": by_sector,
                "peak_price_multiple": round(f.peak_price_multiple, 3),
                "min_power_hours": f.min_power_hours.map(|h| round(h, 2)),
                "mean_power_hours": f.mean_power_hours.map(|h| round(h, 2)),
                "services_closed_days": f.services_closed_days,
                "rationing_days": f.rationing_days,
                "delivered_m3": round(f.total_delivered, 1),
                "produced": round(f.total_produced, 1),
                "population": (ctx.input.depots[di].population > 0.0).then_some(ctx.input.depots[di].population),
                "food": f.food.as_ref().map(|food| json!({
                    "min_kcal_per_person_day": round(food.min_kcal_per_person_day, 0),
                    "worst_phase": food.worst_phase,
                    "first_date_in_phase": (1..=5).map(|p| (p.to_string(), json!(food.first_day_in_phase[p - 1].map(|d| ctx.date(d).to_string())))).collect::<Map<String, Value>>(),
                    "peak_food_price_index": round(food.peak_food_price_index, 3),
                })),
            }),
        );
    }
    let mut lost_by_corridor = Map::new();
    let mut corridors = Map::new();
    for (ci, c) in figures.corridors.iter().enumerate() {
        let name = ctx.input.corridors[ci].name.clone();
        lost_by_corridor.insert(name.clone(), json!(c.trucks_lost));
        corridors.insert(
            name,
            json!({
                "trucks_dispatched": c.trucks_dispatched,
                "trucks_arrived": c.trucks_arrived,
                "trucks_lost": c.trucks_lost,
                "drivers_kidnapped": c.drivers_kidnapped,
                "drivers_killed": c.drivers_killed,
                "attacks": c.attacks,
                "delivered_m3": round(c.delivered, 1),
            }),
        );
    }
    let balances: Vec<Value> = record
        .balances
        .iter()
        .zip(&ctx.input.commodities)
        .map(|(b, c)| {
            json!({
                "commodity": c.name,
                "opening_stock": round(b.opening_stock, 1),
                "opening_in_transit": round(b.opening_in_transit, 1),
                "loaded_at_origin": round(b.loaded_at_origin, 1),
                "reserve_released": round(b.reserve_released, 1),
                "produced": round(b.produced, 1),
                "drawn_for_onward": round(b.drawn_for_onward, 1),
                "delivered": round(b.delivered, 1),
                "consumed": round(b.consumed, 1),
                "closing_stock": round(b.closing_stock, 1),
                "lost": round(b.lost, 1),
                "returned_to_origin": round(b.returned_to_origin, 1),
                "in_transit": round(b.in_transit, 1),
            })
        })
        .collect();
    let mut summary = json!({
        "scenario": ctx.scenario_name,
        "response": ctx.response,
        "seed": ctx.seed,
        "start_date": ctx.start_date.to_string(),
        "days": record.days,
        "end_date": ctx.date(record.days.saturating_sub(1)).to_string(),
        "dry_cover_days": DRY_COVER_DAYS,
        "places": places,
        "national": {
            // Volumes in m³ only (fuel); each commodity in its own unit below.
            "delivered_m3": round(
                ctx.input
                    .commodities
                    .iter()
                    .zip(&figures.delivered_by_commodity)
                    .filter(|(c, _)| c.unit == "m3")
                    .map(|(_, v)| v)
                    .sum::<f64>(),
                1,
            ),
            "delivered_by_commodity": ctx
                .input
                .commodities
                .iter()
                .zip(&figures.delivered_by_commodity)
                .map(|(c, v)| (c.name.clone(), json!({"unit": c.unit, "delivered": round(*v, 1)})))
                .collect::<Map<String, Value>>(),
            "trucks_lost": figures.trucks_lost,
            "trucks_lost_by_corridor": lost_by_corridor,
            "drivers_kidnapped": figures.drivers_kidnapped,
        },
        "corridors": corridors,
        "balance": balances,
    });
    let (exports, services) = exports_and_services_json(ctx, record);
    if !ctx.input.exports.is_empty() {
        summary["exports"] = exports;
    }
    if !ctx.input.service_rules.is_empty() {
        summary["services"] = services;
    }
    if let Some(file) = &ctx.events_file {
        summary["events_file"] = json!(file);
    }
    summary
}

fn write_json(path: &Path, value: &Value) -> io::Result<()> {
    let bytes = serde_json::to_vec(value).map_err(io::Error::other)?;
    write_bytes(path, &bytes)
}

/// Writes every output of a run into `dir` (created if needed). `summary.json` is written last,
/// so its presence means the set is complete.
pub fn write_run_outputs(
    dir: &Path,
    ctx: &OutputContext,
    record: &RunRecord,
    figures: &KeyFigures,
    displacement: Option<&DisplacementTable>,
) -> io::Result<()> {
    write_run_outputs_with(
        dir,
        ctx,
        record,
        figures,
        displacement,
        &WriteOptions::default(),
    )
}

/// [`write_run_outputs`] with options (an HXL row on the CSV files).
pub fn write_run_outputs_with(
    dir: &Path,
    ctx: &OutputContext,
    record: &RunRecord,
    figures: &KeyFigures,
    displacement: Option<&DisplacementTable>,
    options: &WriteOptions,
) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let _ = std::fs::remove_file(dir.join("summary.json"));
    write_atomically(&dir.join("places.csv"), |w| {
        write_places_csv(w, ctx, record, options)
    })?;
    write_atomically(&dir.join("corridors.csv"), |w| {
        write_corridors_csv(w, ctx, record, options)
    })?;
    write_atomically(&dir.join("events.csv"), |w| {
        write_events_csv(w, ctx, record, options)
    })?;
    // The network layers are streamed feature by feature: on a country-size network one
    // value for the whole collection takes about a gigabyte.
    write_atomically(&dir.join("network.geojson"), |w| {
        geo::write_network_geojson(w, ctx)
    })?;
    write_atomically(&dir.join("places.geojson"), |w| {
        geo::write_places_geojson(w, ctx)
    })?;
    write_atomically(&dir.join("roads.geojson"), |w| {
        geo::write_roads_geojson(w, ctx)
    })?;
    write_json(&dir.join("daily.geojson"), &geo::daily_geojson(ctx, record))?;
    write_json(
        &dir.join("attacks.geojson"),
        &geo::attacks_geojson(ctx, record),
    )?;
    let mut summary = summary_json(ctx, record, figures);
    if ctx.input.service_rules.is_empty() {
        let _ = std::fs::remove_file(dir.join("services.csv"));
    } else {
        write_atomically(&dir.join("services.csv"), |w| {
            write_services_csv(w, ctx, record, options)
        })?;
    }
    if let Some(table) = displacement {
        write_atomically(&dir.join("displacement.csv"), |w| {
            write_displacement_csv(w, ctx, table, options)
        })?;
        summary["displacement"] = displacement_json(ctx, table);
    } else {
        let _ = std::fs::remove_file(dir.join("displacement.csv"));
    }
    let summary = serde_json::to_vec_pretty(&summary).map_err(io::Error::other)?;
    write_bytes(&dir.join("summary.json"), &summary)
}
