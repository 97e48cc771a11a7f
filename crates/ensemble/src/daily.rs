//! The daily place table of a run: the quantile cells (a few metrics as `f32`) and the full
//! `places.csv` columns for `runs.parquet`.

use crate::error::{IoContext, Result};
use lifeline_model::params::{DepotSpec, ModelInput, Sector};
use lifeline_model::record::{DepotDay, RunRecord};
use parquet::basic::Compression;
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DataType, DoubleType, Int32Type};
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use parquet::file::writer::{SerializedFileWriter, SerializedRowGroupWriter};
use parquet::schema::parser::parse_message_type;
use parquet::schema::types::{ColumnPath, Type};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// A daily metric whose spread over the runs goes to `quantiles.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    StockM3,
    CoverDays,
    ShortageM3,
    PriceMultiple,
    PowerHours,
    /// 1 when schools and services are open, 0 when closed: the mean is the share of runs open.
    ServicesOpen,
    /// 1 when rationing: the mean is the share of runs rationing.
    Rationing,
}

pub const METRICS: [Metric; 7] = [
    Metric::StockM3,
    Metric::CoverDays,
    Metric::ShortageM3,
    Metric::PriceMultiple,
    Metric::PowerHours,
    Metric::ServicesOpen,
    Metric::Rationing,
];

impl Metric {
    pub fn name(self) -> &'static str {
        match self {
            Metric::StockM3 => "stock_m3",
            Metric::CoverDays => "cover_days",
            Metric::ShortageM3 => "shortage_m3",
            Metric::PriceMultiple => "price_multiple",
            Metric::PowerHours => "power_hours",
            Metric::ServicesOpen => "services_open",
            Metric::Rationing => "rationing",
        }
    }

    pub fn decimals(self) -> usize {
        match self {
            Metric::StockM3 | Metric::ShortageM3 => 1,
            Metric::CoverDays | Metric::PowerHours => 2,
            Metric::PriceMultiple | Metric::ServicesOpen | Metric::Rationing => 3,
        }
    }

    /// Whether the depot has this metric at all.
    pub fn applies(self, depot: &DepotSpec) -> bool {
        match self {
            Metric::PowerHours => depot.power.is_some(),
            Metric::ServicesOpen => depot.services,
            _ => true,
        }
    }

    /// The value on one day (NaN where the depot lacks the metric).
    pub fn value(self, d: &DepotDay) -> f32 {
        let v = match self {
            Metric::StockM3 => d.stock,
            Metric::CoverDays => d.cover_days,
            Metric::ShortageM3 => d.shortage,
            Metric::PriceMultiple => d.price_multiple,
            Metric::PowerHours => d.power_hours.unwrap_or(f64::NAN),
            Metric::ServicesOpen => d.services_open.map_or(f64::NAN, |o| f64::from(u8::from(o))),
            Metric::Rationing => f64::from(u8::from(d.rationing)),
        };
        v as f32
    }
}

/// Number of quantile cells of a run: days × depots × metrics. Cell index
/// `(day · depots + depot) · METRICS.len() + metric`.
pub fn cell_count(days: u32, depots: usize) -> usize {
    days as usize * depots * METRICS.len()
}

/// Writes a run's cells into a chunk's column-major block: `block[cell · stride + slot]`.
pub fn fill_cells(record: &RunRecord, block: &mut [f32], stride: usize, slot: usize) {
    let mut cell = 0;
    for day in &record.depot_days {
        for d in day {
            for m in METRICS {
                block[cell * stride + slot] = m.value(d);
                cell += 1;
            }
        }
    }
}

/// The columns of `runs.parquet`: `run` then exactly the columns of `places.csv`.
const SCHEMA: &str = "
message lifeline_places {
  REQUIRED INT32 run;
  REQUIRED INT32 day;
  REQUIRED INT32 date (DATE);
  REQUIRED BYTE_ARRAY place (UTF8);
  REQUIRED BYTE_ARRAY commodity (UTF8);
  REQUIRED DOUBLE stock_m3;
  REQUIRED DOUBLE demand_m3;
  REQUIRED DOUBLE delivered_m3;
  REQUIRED DOUBLE consumed_m3;
  REQUIRED DOUBLE shortage_m3;
  REQUIRED DOUBLE cover_days;
  REQUIRED DOUBLE price_multiple;
  REQUIRED DOUBLE price_fcfa_per_l;
  OPTIONAL DOUBLE power_hours;
  OPTIONAL BOOLEAN services_open;
  REQUIRED BOOLEAN rationing;
  REQUIRED DOUBLE food_price_index;
  REQUIRED DOUBLE reserve_released_m3;
  REQUIRED DOUBLE shortage_power_m3;
  REQUIRED DOUBLE shortage_transport_m3;
}";

/// Parquet schema of `runs.parquet`.
pub fn parquet_schema() -> Arc<Type> {
    Arc::new(parse_message_type(SCHEMA).expect("invariant: the built-in schema parses"))
}

/// Writer settings: no compression (keeps the build light; numbers are rounded as in
/// `places.csv` so that dictionary and run-length encoding do the work), chunk statistics.
pub fn writer_properties() -> Arc<WriterProperties> {
    let mut b = WriterProperties::builder()
        .set_writer_version(WriterVersion::PARQUET_1_0)
        .set_compression(Compression::UNCOMPRESSED)
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_created_by(format!("lifeline {}", env!("CARGO_PKG_VERSION")))
        .set_dictionary_enabled(true);
    for col in [
        "run",
        "day",
        "date",
        "place",
        "commodity",
        "price_multiple",
        "cover_days",
        "power_hours",
        "food_price_index",
        "price_fcfa_per_l",
    ] {
        b = b.set_column_dictionary_enabled(ColumnPath::from(col), true);
    }
    Arc::new(b.build())
}

fn round(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

/// Column buffers of the daily place table of a chunk of runs (one parquet row group).
pub struct DailyTable {
    run: Vec<i32>,
    day: Vec<i32>,
    date: Vec<i32>,
    place: Vec<ByteArray>,
    commodity: Vec<ByteArray>,
    /// stock, demand, delivered, consumed, shortage, cover, price multiple, price.
    head: [Vec<f64>; 8],
    power: Vec<f64>,
    power_def: Vec<i16>,
    services: Vec<bool>,
    services_def: Vec<i16>,
    rationing: Vec<bool>,
    /// food index, reserve released, shortage power, shortage transport.
    tail: [Vec<f64>; 4],
    place_names: Vec<ByteArray>,
    commodity_names: Vec<ByteArray>,
    /// Days since 1970-01-01 of day 0.
    epoch_day0: i32,
}

impl DailyTable {
    pub fn new(input: &ModelInput, start_date: chrono::NaiveDate, rows: usize) -> DailyTable {
        let epoch =
            chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("invariant: 1970-01-01 is a date");
        DailyTable {
            run: Vec::with_capacity(rows),
            day: Vec::with_capacity(rows),
            date: Vec::with_capacity(rows),
            place: Vec::with_capacity(rows),
            commodity: Vec::with_capacity(rows),
            head: std::array::from_fn(|_| Vec::with_capacity(rows)),
            power: Vec::with_capacity(rows),
            power_def: Vec::with_capacity(rows),
            services: Vec::with_capacity(rows),
            services_def: Vec::with_capacity(rows),
            rationing: Vec::with_capacity(rows),
            tail: std::array::from_fn(|_| Vec::with_capacity(rows)),
            place_names: input
                .depots
                .iter()
                .map(|d| ByteArray::from(input.network.place(d.place).name.as_str()))
                .collect(),
            commodity_names: input
                .depots
                .iter()
                .map(|d| ByteArray::from(input.commodities[d.commodity.index()].name.as_str()))
                .collect(),
            epoch_day0: (start_date - epoch).num_days() as i32,
        }
    }

    pub fn rows(&self) -> usize {
        self.run.len()
    }

    /// Appends a run's rows, rounded as in `places.csv`.
    pub fn push_run(&mut self, run: u64, record: &RunRecord) {
        let run = run as i32;
        for (day, rows) in record.depot_days.iter().enumerate() {
            let day = day as i32;
            for (di, r) in rows.iter().enumerate() {
                self.run.push(run);
                self.day.push(day);
                self.date.push(self.epoch_day0 + day);
                self.place.push(self.place_names[di].clone());
                self.commodity.push(self.commodity_names[di].clone());
                let head = [
                    round(r.stock, 1),
                    round(r.demand, 1),
                    round(r.delivered, 1),
                    round(r.consumed, 1),
                    round(r.shortage, 1),
                    round(r.cover_days, 2),
                    round(r.price_multiple, 3),
                    round(r.price_per_unit, 0),
                ];
                for (col, v) in self.head.iter_mut().zip(head) {
                    col.push(v);
                }
                match r.power_hours {
                    Some(h) => {
                        self.power.push(round(h, 2));
                        self.power_def.push(1);
                    }
                    None => self.power_def.push(0),
                }
                match r.services_open {
                    Some(o) => {
                        self.services.push(o);
                        self.services_def.push(1);
                    }
                    None => self.services_def.push(0),
                }
                self.rationing.push(r.rationing);
                let tail = [
                    round(r.food_price_index, 3),
                    round(r.reserve_released, 1),
                    round(r.shortage_of(Sector::Power), 1),
                    round(r.shortage_of(Sector::Transport), 1),
                ];
                for (col, v) in self.tail.iter_mut().zip(tail) {
                    col.push(v);
                }
            }
        }
    }

    /// Writes the table as one row group of a parquet file at `path` (through `w`).
    pub fn write<W: Write + Send>(&self, w: W, path: &Path) -> Result<()> {
        let mut file =
            SerializedFileWriter::new(w, parquet_schema(), writer_properties()).at(path)?;
        let mut rg = file.next_row_group().at(path)?;
        column::<Int32Type, W>(&mut rg, &self.run, None, path)?;
        column::<Int32Type, W>(&mut rg, &self.day, None, path)?;
        column::<Int32Type, W>(&mut rg, &self.date, None, path)?;
        column::<ByteArrayType, W>(&mut rg, &self.place, None, path)?;
        column::<ByteArrayType, W>(&mut rg, &self.commodity, None, path)?;
        for col in &self.head {
            column::<DoubleType, W>(&mut rg, col, None, path)?;
        }
        column::<DoubleType, W>(&mut rg, &self.power, Some(&self.power_def), path)?;
        column::<BoolType, W>(&mut rg, &self.services, Some(&self.services_def), path)?;
        column::<BoolType, W>(&mut rg, &self.rationing, None, path)?;
        for col in &self.tail {
            column::<DoubleType, W>(&mut rg, col, None, path)?;
        }
        rg.close().at(path)?;
        file.close().at(path)?;
        Ok(())
    }
}

fn column<T: DataType, W: Write + Send>(
    rg: &mut SerializedRowGroupWriter<'_, W>,
    values: &[T::T],
    def_levels: Option<&[i16]>,
    path: &Path,
) -> Result<()> {
    let mut col = rg.next_column().at(path)?.ok_or_else(|| {
        crate::EnsembleError::Invalid("parquet schema has too few columns".into())
    })?;
    col.typed::<T>()
        .write_batch(values, def_levels, None)
        .at(path)?;
    col.close().at(path)
}
