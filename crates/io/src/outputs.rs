//! A run's output files: `places.csv`, `corridors.csv`, `events.csv`, `summary.json` and
//! `network.geojson`. Column names are a contract (README "Outputs"); add, never rename.

use crate::atomic::{write_atomically, write_bytes};
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

    fn segment_name(&self, s: lifeline_model::SegmentId) -> String {
        let seg = self.input.network.segment(s);
        format!(
            "{}–{}",
            self.input.network.place(seg.a).name,
            self.input.network.place(seg.b).name
        )
    }
}

/// Header of `places.csv`.
pub const PLACES_HEADER: &str = "day,date,place,commodity,stock_m3,demand_m3,delivered_m3,consumed_m3,shortage_m3,cover_days,price_multiple,price_fcfa_per_l,power_hours,services_open,rationing,food_price_index,reserve_released_m3,shortage_power_m3,shortage_transport_m3";
/// Header of `corridors.csv`.
pub const CORRIDORS_HEADER: &str = "day,date,corridor,trucks_dispatched,trucks_arrived,trucks_in_transit,trucks_lost,delivered_m3,drivers_kidnapped,drivers_killed,attacks,willingness,trucks_idle";
/// Header of `displacement.csv`.
pub const DISPLACEMENT_HEADER: &str = "day,date,location,agents_present,arrivals";

/// Displacement counts for the writers: per day and place, with the places to report.
pub struct DisplacementTable<'a> {
    pub present: &'a [Vec<u64>],
    pub arrivals: &'a [Vec<u64>],
    pub spawned: &'a [u64],
    /// Places that count as camps (named in the key figures).
    pub camps: &'a [lifeline_model::PlaceId],
}

impl DisplacementTable<'_> {
    /// Places that ever held or received someone, and every camp, in place order.
    pub fn reported_places(&self) -> Vec<usize> {
        let n = self.present.first().map_or(0, Vec::len);
        (0..n)
            .filter(|&i| {
                self.camps.iter().any(|c| c.index() == i)
                    || self.present.iter().any(|d| d[i] > 0)
                    || self.arrivals.iter().any(|d| d[i] > 0)
            })
            .collect()
    }
}

pub fn write_displacement_csv(
    w: &mut impl Write,
    ctx: &OutputContext,
    table: &DisplacementTable,
) -> io::Result<()> {
    writeln!(w, "{DISPLACEMENT_HEADER}")?;
    let places = table.reported_places();
    for (day, (present, arrivals)) in table.present.iter().zip(table.arrivals).enumerate() {
        let date = ctx.date(day as u32);
        for &i in &places {
            writeln!(
                w,
                "{day},{date},{},{},{}",
                field(&ctx.input.network.places()[i].name),
                present[i],
                arrivals[i]
            )?;
        }
    }
    Ok(())
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
    json!({
        "people_displaced": table.spawned.iter().sum::<u64>(),
        "arrivals_by_camp": camps,
    })
}

/// Header of `events.csv`.
pub const EVENTS_HEADER: &str = "day,date,kind,place,segment,trucks,detail";

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
) -> io::Result<()> {
    writeln!(w, "{PLACES_HEADER}")?;
    for (day, rows) in record.depot_days.iter().enumerate() {
        let day = day as u32;
        let date = ctx.date(day);
        for (di, r) in rows.iter().enumerate() {
            let commodity = &ctx.input.commodities[ctx.input.depots[di].commodity.index()].name;
            let power = r.power_hours.map(|h| format!("{h:.2}")).unwrap_or_default();
            let services = r
                .services_open
                .map(|o| u8::from(o).to_string())
                .unwrap_or_default();
            writeln!(
                w,
                "{day},{date},{},{},{:.1},{:.1},{:.1},{:.1},{:.1},{:.2},{:.3},{:.0},{power},{services},{},{:.3},{:.1},{:.1},{:.1}",
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
            )?;
        }
    }
    Ok(())
}

pub fn write_corridors_csv(
    w: &mut impl Write,
    ctx: &OutputContext,
    record: &RunRecord,
) -> io::Result<()> {
    writeln!(w, "{CORRIDORS_HEADER}")?;
    for (day, rows) in record.corridor_days.iter().enumerate() {
        let day = day as u32;
        let date = ctx.date(day);
        for (ci, r) in rows.iter().enumerate() {
            writeln!(
                w,
                "{day},{date},{},{},{},{},{},{:.1},{},{},{},{:.3},{}",
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
            )?;
        }
    }
    Ok(())
}

pub fn write_events_csv(
    w: &mut impl Write,
    ctx: &OutputContext,
    record: &RunRecord,
) -> io::Result<()> {
    writeln!(w, "{EVENTS_HEADER}")?;
    for e in &record.events {
        let place = e
            .place
            .map(|p| ctx.input.network.place(p).name.clone())
            .unwrap_or_default();
        let segment = e.segment.map(|s| ctx.segment_name(s)).unwrap_or_default();
        let mut detail = String::new();
        if let Some(c) = e.corridor {
            detail.push_str(&format!("corridor={}", ctx.input.corridors[c.index()].name));
        }
        match &e.kind {
            EventKind::Attack {
                lost,
                kidnapped,
                killed,
                aftermath,
            } => detail.push_str(&format!(
                " trucks_lost={lost} drivers_kidnapped={kidnapped} drivers_killed={killed} survivors={}",
                aftermath.as_str()
            )),
            EventKind::ConvoyDeparted { escorted } => {
                detail.push_str(if *escorted { " escorted" } else { " unescorted" })
            }
            _ => {}
        }
        writeln!(
            w,
            "{},{},{},{},{},{},{}",
            e.day,
            ctx.date(e.day),
            e.kind.name(),
            field(&place),
            field(&segment),
            e.trucks,
            field(detail.trim()),
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
        let commodity = &ctx.input.commodities[ctx.input.depots[di].commodity.index()].name;
        let key = if ctx.input.commodities.len() > 1 {
            format!("{} ({commodity})", ctx.depot_name(di))
        } else {
            ctx.depot_name(di).to_string()
        };
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
                "total_shortage_m3": round(f.total_shortage, 1),
                "shortage_days": f.shortage_days,
                "shortage_by_sector_m3": by_sector,
                "peak_price_multiple": round(f.peak_price_multiple, 3),
                "min_power_hours": f.min_power_hours.map(|h| round(h, 2)),
                "mean_power_hours": f.mean_power_hours.map(|h| round(h, 2)),
                "services_closed_days": f.services_closed_days,
                "rationing_days": f.rationing_days,
                "delivered_m3": round(f.total_delivered, 1),
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
                "loaded_at_origin": round(b.loaded_at_origin, 1),
                "reserve_released": round(b.reserve_released, 1),
                "delivered": round(b.delivered, 1),
                "consumed": round(b.consumed, 1),
                "closing_stock": round(b.closing_stock, 1),
                "lost": round(b.lost, 1),
                "returned_to_origin": round(b.returned_to_origin, 1),
                "in_transit": round(b.in_transit, 1),
            })
        })
        .collect();
    json!({
        "scenario": ctx.scenario_name,
        "response": ctx.response,
        "seed": ctx.seed,
        "start_date": ctx.start_date.to_string(),
        "days": record.days,
        "end_date": ctx.date(record.days.saturating_sub(1)).to_string(),
        "dry_cover_days": DRY_COVER_DAYS,
        "places": places,
        "national": {
            "total_delivered_m3": round(figures.total_delivered, 1),
            "trucks_lost": figures.trucks_lost,
            "trucks_lost_by_corridor": lost_by_corridor,
            "drivers_kidnapped": figures.drivers_kidnapped,
        },
        "corridors": corridors,
        "balance": balances,
    })
}

/// Places (points) and roads (lines) with their attributes and sources, for QGIS.
pub fn network_geojson(ctx: &OutputContext) -> Value {
    let net = &ctx.input.network;
    let mut features = Vec::new();
    for (i, p) in net.places().iter().enumerate() {
        let src = ctx.place_sources.get(i).cloned().unwrap_or_default();
        let depot = ctx.input.depots.iter().any(|d| d.place.index() == i);
        features.push(json!({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
            "properties": {
                "id": i, "name": p.name, "country": p.country, "kind": p.kind.as_str(),
                "population": p.population, "demand_point": depot,
                "admin1_pcode": src.admin1_pcode, "admin2_pcode": src.admin2_pcode,
                "coord_source": src.coord_source, "population_source": src.population_source,
                "note": src.note,
            }
        }));
    }
    for (i, s) in net.segments().iter().enumerate() {
        let (a, b) = (net.place(s.a), net.place(s.b));
        let src = ctx.segment_sources.get(i).cloned().unwrap_or_default();
        let corridors: Vec<&str> = ctx
            .input
            .corridors
            .iter()
            .filter(|c| {
                c.legs.iter().any(|l| {
                    matches!(l, lifeline_model::params::Leg::Drive { segment, .. } if segment.index() == i)
                })
            })
            .map(|c| c.name.as_str())
            .collect();
        let line = if src.geometry.len() >= 2 {
            json!(src.geometry)
        } else {
            json!([[a.lon, a.lat], [b.lon, b.lat]])
        };
        features.push(json!({
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": line},
            "properties": {
                "id": i, "a": a.name, "b": b.name, "length_km": s.length.0, "route": s.route,
                "condition": s.condition.as_str(), "corridors": corridors.join(";"),
                "length_source": src.length_source, "condition_source": src.condition_source,
                "note": src.note,
            }
        }));
    }
    json!({"type": "FeatureCollection", "features": features})
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
    std::fs::create_dir_all(dir)?;
    let _ = std::fs::remove_file(dir.join("summary.json"));
    write_atomically(&dir.join("places.csv"), |w| {
        write_places_csv(w, ctx, record)
    })?;
    write_atomically(&dir.join("corridors.csv"), |w| {
        write_corridors_csv(w, ctx, record)
    })?;
    write_atomically(&dir.join("events.csv"), |w| {
        write_events_csv(w, ctx, record)
    })?;
    let geo = serde_json::to_vec(&network_geojson(ctx)).map_err(io::Error::other)?;
    write_bytes(&dir.join("network.geojson"), &geo)?;
    let mut summary = summary_json(ctx, record, figures);
    if let Some(table) = displacement {
        write_atomically(&dir.join("displacement.csv"), |w| {
            write_displacement_csv(w, ctx, table)
        })?;
        summary["displacement"] = displacement_json(ctx, table);
    } else {
        let _ = std::fs::remove_file(dir.join("displacement.csv"));
    }
    let summary = serde_json::to_vec_pretty(&summary).map_err(io::Error::other)?;
    write_bytes(&dir.join("summary.json"), &summary)
}
