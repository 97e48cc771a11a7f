//! The daily place table of a run: the quantile cells (a few metrics as `f32`) and the full
//! `places.csv` columns for `runs.parquet`.

use crate::error::{IoContext, Result};
use lifeline_model::params::{DepotSpec, ModelInput, Sector};
use lifeline_model::record::{CorridorDay, DepotDay, RunRecord};
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DataType, DoubleType, Int32Type};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{
    EnabledStatistics, WriterProperties, WriterPropertiesBuilder, WriterVersion,
};
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

/// A daily corridor figure whose spread over the runs goes to `corridor_quantiles.csv`. Names
/// are the columns of a single run's `corridors.csv`, so one figure has one name everywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CorridorMetric {
    /// Volume unloaded at the corridor's depot that day (m³).
    DeliveredM3,
    /// Trucks destroyed or seized on the corridor that day.
    TrucksLost,
    /// The drivers' willingness to drive the corridor at the end of the day (0–1).
    Willingness,
}

pub const CORRIDOR_METRICS: [CorridorMetric; 3] = [
    CorridorMetric::DeliveredM3,
    CorridorMetric::TrucksLost,
    CorridorMetric::Willingness,
];

impl CorridorMetric {
    pub fn name(self) -> &'static str {
        match self {
            CorridorMetric::DeliveredM3 => "delivered_m3",
            CorridorMetric::TrucksLost => "trucks_lost",
            CorridorMetric::Willingness => "willingness",
        }
    }

    /// Decimals when written (as in `corridors.csv`; quantiles of counts interpolate, so one).
    pub fn decimals(self) -> usize {
        match self {
            CorridorMetric::DeliveredM3 | CorridorMetric::TrucksLost => 1,
            CorridorMetric::Willingness => 3,
        }
    }

    /// The value on one day.
    pub fn value(self, c: &CorridorDay) -> f32 {
        let v = match self {
            CorridorMetric::DeliveredM3 => c.delivered,
            CorridorMetric::TrucksLost => f64::from(c.trucks_lost),
            CorridorMetric::Willingness => c.willingness,
        };
        v as f32
    }
}

/// The quantile cells of a run: first the depot cells, days × depots × [`METRICS`], cell
/// `(day · depots + depot) · METRICS.len() + metric`; then the corridor cells, days ×
/// corridors × [`CORRIDOR_METRICS`], cell `depot_cells + (day · corridors + corridor) ·
/// CORRIDOR_METRICS.len() + metric`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CellLayout {
    pub days: usize,
    pub depots: usize,
    pub corridors: usize,
}

/// What one quantile cell is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    Depot {
        day: u32,
        depot: usize,
        metric: Metric,
    },
    Corridor {
        day: u32,
        corridor: usize,
        metric: CorridorMetric,
    },
}

impl CellLayout {
    pub fn new(input: &ModelInput) -> CellLayout {
        CellLayout {
            days: input.days as usize,
            depots: input.depots.len(),
            corridors: input.corridors.len(),
        }
    }

    pub fn depot_cells(&self) -> usize {
        self.days * self.depots * METRICS.len()
    }

    pub fn corridor_cells(&self) -> usize {
        self.days * self.corridors * CORRIDOR_METRICS.len()
    }

    /// Cells of a run.
    pub fn len(&self) -> usize {
        self.depot_cells() + self.corridor_cells()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What cell `i` holds.
    pub fn cell(&self, i: usize) -> Cell {
        let dc = self.depot_cells();
        if i < dc {
            let nm = METRICS.len();
            Cell::Depot {
                day: (i / nm / self.depots) as u32,
                depot: (i / nm) % self.depots,
                metric: METRICS[i % nm],
            }
        } else {
            let i = i - dc;
            let nm = CORRIDOR_METRICS.len();
            Cell::Corridor {
                day: (i / nm / self.corridors) as u32,
                corridor: (i / nm) % self.corridors,
                metric: CORRIDOR_METRICS[i % nm],
            }
        }
    }
}

/// Writes a run's cells into a chunk's column-major block: `block[cell · stride + slot]`. The
/// record must hold its daily corridor rows (see [`crate::RECORD`]).
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
    for day in &record.corridor_days {
        for c in day {
            for m in CORRIDOR_METRICS {
                block[cell * stride + slot] = m.value(c);
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
  REQUIRED DOUBLE delivered_by_air_m3;
  REQUIRED DOUBLE shipped_onward_m3;
  OPTIONAL DOUBLE power_plant_stock_m3;
  REQUIRED DOUBLE rationing_level;
  REQUIRED DOUBLE produced_m3;
  OPTIONAL DOUBLE population_present;
  OPTIONAL DOUBLE kcal_per_person_day;
  OPTIONAL INT32 food_phase;
}";

/// Parquet schema of `runs.parquet`.
pub fn parquet_schema() -> Arc<Type> {
    Arc::new(parse_message_type(SCHEMA).expect("invariant: the built-in schema parses"))
}

/// Writer settings: dictionary + RLE encoding on every column (numbers are rounded as in
/// `places.csv`, so values repeat and the dictionary does most of the work), pages compressed
/// with zstd (level 1: fast, and read by every Parquet reader of the last years), min/max
/// statistics on `run`, `day` and `date` only (row-group skipping for `WHERE run = …` or a date
/// range; statistics on every column cost a fifth of the encoding time).
pub fn writer_properties() -> Arc<WriterProperties> {
    Arc::new(writer_builder().build())
}

/// What `runs.parquet` is a table of, written into its key-value metadata.
pub struct RunsAbout<'a> {
    pub scenario: &'a str,
    pub response: &'a str,
    pub seed: u64,
    pub runs: u64,
    pub start_date: chrono::NaiveDate,
}

/// Key-value metadata of `runs.parquet`: `lifeline.scenario`, `lifeline.response`,
/// `lifeline.seed`, `lifeline.runs`, `lifeline.start_date` and `lifeline.version` (the program's).
pub fn key_value_metadata(about: &RunsAbout) -> Vec<KeyValue> {
    [
        ("lifeline.scenario", about.scenario.to_string()),
        ("lifeline.response", about.response.to_string()),
        ("lifeline.seed", about.seed.to_string()),
        ("lifeline.runs", about.runs.to_string()),
        ("lifeline.start_date", about.start_date.to_string()),
        ("lifeline.version", env!("CARGO_PKG_VERSION").to_string()),
    ]
    .into_iter()
    .map(|(k, v)| KeyValue::new(k.to_string(), v))
    .collect()
}

/// The settings of the assembled `runs.parquet`: those of the chunks (whose encoded column
/// chunks are copied as they are) plus the key-value metadata.
pub fn final_writer_properties(about: &RunsAbout) -> Arc<WriterProperties> {
    Arc::new(
        writer_builder()
            .set_key_value_metadata(Some(key_value_metadata(about)))
            .build(),
    )
}

fn writer_builder() -> WriterPropertiesBuilder {
    let mut b = WriterProperties::builder()
        .set_writer_version(WriterVersion::PARQUET_1_0)
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_dictionary_enabled(true)
        .set_statistics_enabled(EnabledStatistics::None)
        .set_created_by(format!("lifeline {}", env!("CARGO_PKG_VERSION")));
    for col in ["run", "day", "date"] {
        // Sorted or repeating integers: delta encoding needs ~0–1 bit a row and no hashing.
        b = b
            .set_column_statistics_enabled(ColumnPath::from(col), EnabledStatistics::Chunk)
            .set_column_dictionary_enabled(ColumnPath::from(col), false)
            .set_column_encoding(ColumnPath::from(col), Encoding::DELTA_BINARY_PACKED);
    }
    b
}

/// Rounds `x` to `decimals` places exactly as `format!("{x:.decimals$}")` prints it (as in
/// `places.csv`): the exact binary value is rounded, ties to even. `(x·10^d).round()` alone differs
/// when the product rounds onto a tie (5.715 is 5.71499…, printed "5.71", but 571.5 rounds up).
pub fn round(x: f64, decimals: i32) -> f64 {
    // 1.5 · 2^52: adding and subtracting it rounds to the nearest integer, ties to even, without
    // a libm call (`round` and `floor` are library calls on baseline x86-64).
    const MAGIC: f64 = 6_755_399_441_055_744.0;
    let f = 10f64.powi(decimals);
    let y = x * f;
    if !y.is_finite() || y.abs() >= 2_251_799_813_685_248.0 {
        // |y| ≥ 2^51 (already an integer) or not finite.
        return x;
    }
    let mut r = (y + MAGIC) - MAGIC;
    if (y - r).abs() == 0.5 {
        // y is a tie; the exact x·f = y + err decides (f is an exact power of ten).
        let err = x.mul_add(f, -y);
        if err > 0.0 {
            r = y + 0.5;
        } else if err < 0.0 {
            r = y - 0.5;
        }
    }
    r / f
}

/// Column buffers of the daily place table of a chunk of runs (one parquet row group).
pub struct DailyTable {
    /// The run of each block of rows (one block per run).
    runs: Vec<i32>,
    /// Rows of one run: day, date, place and commodity repeat identically from run to run, so
    /// they are kept once and written once per run.
    pattern_day: Vec<i32>,
    pattern_date: Vec<i32>,
    pattern_place: Vec<ByteArray>,
    pattern_commodity: Vec<ByteArray>,
    /// stock, demand, delivered, consumed, shortage, cover, price multiple, price.
    head: [Vec<f64>; 8],
    power: Vec<f64>,
    power_def: Vec<i16>,
    services: Vec<bool>,
    services_def: Vec<i16>,
    rationing: Vec<bool>,
    /// food index, reserve released, shortage power, shortage transport, delivered by air,
    /// shipped onward.
    tail: [Vec<f64>; 6],
    plant_stock: Vec<f64>,
    plant_stock_def: Vec<i16>,
    rationing_level: Vec<f64>,
    produced: Vec<f64>,
    /// People present (depots that count people), kcal per person and food phase (food
    /// depots): each with its definition levels.
    population: (Vec<f64>, Vec<i16>),
    kcal: (Vec<f64>, Vec<i16>),
    phase: (Vec<i32>, Vec<i16>),
    /// Whether each depot counts its people.
    counts_people: Vec<bool>,
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
            runs: Vec::new(),
            pattern_day: Vec::new(),
            pattern_date: Vec::new(),
            pattern_place: Vec::new(),
            pattern_commodity: Vec::new(),
            head: std::array::from_fn(|_| Vec::with_capacity(rows)),
            power: Vec::with_capacity(rows),
            power_def: Vec::with_capacity(rows),
            services: Vec::with_capacity(rows),
            services_def: Vec::with_capacity(rows),
            rationing: Vec::with_capacity(rows),
            tail: std::array::from_fn(|_| Vec::with_capacity(rows)),
            plant_stock: Vec::with_capacity(rows),
            plant_stock_def: Vec::with_capacity(rows),
            rationing_level: Vec::with_capacity(rows),
            produced: Vec::with_capacity(rows),
            population: (Vec::with_capacity(rows), Vec::with_capacity(rows)),
            kcal: (Vec::with_capacity(rows), Vec::with_capacity(rows)),
            phase: (Vec::with_capacity(rows), Vec::with_capacity(rows)),
            counts_people: input.depots.iter().map(|d| d.population > 0.0).collect(),
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
        self.head[0].len()
    }

    /// Appends a run's rows, rounded as in `places.csv`.
    pub fn push_run(&mut self, run: u64, record: &RunRecord) {
        self.runs.push(run as i32);
        if self.runs.len() == 1 {
            for (day, rows) in record.depot_days.iter().enumerate() {
                for di in 0..rows.len() {
                    self.pattern_day.push(day as i32);
                    self.pattern_date.push(self.epoch_day0 + day as i32);
                    self.pattern_place.push(self.place_names[di].clone());
                    self.pattern_commodity
                        .push(self.commodity_names[di].clone());
                }
            }
        }
        debug_assert_eq!(
            self.pattern_day.len(),
            record.depot_days.iter().map(Vec::len).sum::<usize>(),
            "every run of a table has the same days and depots"
        );
        for rows in &record.depot_days {
            for (di, r) in rows.iter().enumerate() {
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
                    round(r.delivered_by_air, 1),
                    round(r.shipped_onward, 1),
                ];
                for (col, v) in self.tail.iter_mut().zip(tail) {
                    col.push(v);
                }
                match r.plant_stock {
                    Some(v) => {
                        self.plant_stock.push(round(v, 1));
                        self.plant_stock_def.push(1);
                    }
                    None => self.plant_stock_def.push(0),
                }
                self.rationing_level.push(round(r.rationing_level, 3));
                self.produced.push(round(r.produced, 1));
                let people = self.counts_people[di].then_some(round(r.population_present, 0));
                push_optional(&mut self.population, people);
                push_optional(&mut self.kcal, r.kcal_per_person_day.map(|k| round(k, 0)));
                push_optional(&mut self.phase, r.food_phase.map(i32::from));
            }
        }
    }

    /// Writes the table as one row group of a parquet file at `path` (through `w`).
    pub fn write<W: Write + Send>(&self, w: W, path: &Path) -> Result<()> {
        self.write_with(w, path, writer_properties())
    }

    /// [`DailyTable::write`] with other writer settings (for benchmarks).
    pub fn write_with<W: Write + Send>(
        &self,
        w: W,
        path: &Path,
        properties: Arc<WriterProperties>,
    ) -> Result<()> {
        let mut file = SerializedFileWriter::new(w, parquet_schema(), properties).at(path)?;
        let mut rg = file.next_row_group().at(path)?;
        let per_run = self.pattern_day.len();
        let mut run_block = vec![0i32; per_run];
        let mut col = next_column(&mut rg, path)?;
        for &run in &self.runs {
            run_block.fill(run);
            col.typed::<Int32Type>()
                .write_batch(&run_block, None, None)
                .at(path)?;
        }
        col.close().at(path)?;
        repeated::<Int32Type, W>(&mut rg, &self.pattern_day, self.runs.len(), path)?;
        repeated::<Int32Type, W>(&mut rg, &self.pattern_date, self.runs.len(), path)?;
        repeated::<ByteArrayType, W>(&mut rg, &self.pattern_place, self.runs.len(), path)?;
        repeated::<ByteArrayType, W>(&mut rg, &self.pattern_commodity, self.runs.len(), path)?;
        for col in &self.head {
            column::<DoubleType, W>(&mut rg, col, None, path)?;
        }
        column::<DoubleType, W>(&mut rg, &self.power, Some(&self.power_def), path)?;
        column::<BoolType, W>(&mut rg, &self.services, Some(&self.services_def), path)?;
        column::<BoolType, W>(&mut rg, &self.rationing, None, path)?;
        for col in &self.tail {
            column::<DoubleType, W>(&mut rg, col, None, path)?;
        }
        column::<DoubleType, W>(
            &mut rg,
            &self.plant_stock,
            Some(&self.plant_stock_def),
            path,
        )?;
        column::<DoubleType, W>(&mut rg, &self.rationing_level, None, path)?;
        column::<DoubleType, W>(&mut rg, &self.produced, None, path)?;
        column::<DoubleType, W>(&mut rg, &self.population.0, Some(&self.population.1), path)?;
        column::<DoubleType, W>(&mut rg, &self.kcal.0, Some(&self.kcal.1), path)?;
        column::<Int32Type, W>(&mut rg, &self.phase.0, Some(&self.phase.1), path)?;
        rg.close().at(path)?;
        file.close().at(path)?;
        Ok(())
    }
}

/// Appends an optional value to a column and its definition levels.
fn push_optional<T>(column: &mut (Vec<T>, Vec<i16>), value: Option<T>) {
    match value {
        Some(v) => {
            column.0.push(v);
            column.1.push(1);
        }
        None => column.1.push(0),
    }
}

fn next_column<'a, W: Write + Send>(
    rg: &'a mut SerializedRowGroupWriter<'_, W>,
    path: &Path,
) -> Result<parquet::file::writer::SerializedColumnWriter<'a>> {
    rg.next_column()
        .at(path)?
        .ok_or_else(|| crate::EnsembleError::Invalid("parquet schema has too few columns".into()))
}

/// Writes `pattern` `times` times over as one column.
fn repeated<T: DataType, W: Write + Send>(
    rg: &mut SerializedRowGroupWriter<'_, W>,
    pattern: &[T::T],
    times: usize,
    path: &Path,
) -> Result<()> {
    let mut col = next_column(rg, path)?;
    for _ in 0..times {
        col.typed::<T>().write_batch(pattern, None, None).at(path)?;
    }
    col.close().at(path)
}

fn column<T: DataType, W: Write + Send>(
    rg: &mut SerializedRowGroupWriter<'_, W>,
    values: &[T::T],
    def_levels: Option<&[i16]>,
    path: &Path,
) -> Result<()> {
    let mut col = next_column(rg, path)?;
    col.typed::<T>()
        .write_batch(values, def_levels, None)
        .at(path)?;
    col.close().at(path)
}

#[cfg(test)]
mod tests {
    use super::round;
    use proptest::prelude::*;

    #[test]
    fn rounds_as_format_prints() {
        assert_eq!(format!("{:.2}", 5.715), "5.71");
        assert_eq!(format!("{:.2}", round(5.715, 2)), "5.71");
        assert_eq!(round(0.25, 1), 0.2);
        assert_eq!(round(0.35, 1), 0.3);
        assert_eq!(round(2.5, 0), 2.0);
        assert_eq!(round(3.5, 0), 4.0);
        assert_eq!(round(-2.5, 0), -2.0);
        assert_eq!(round(1234.56789, 3), 1234.568);
    }

    proptest! {
        #[test]
        fn formatted_rounded_value_equals_formatted_value(
            x in -1e7f64..1e7, d in 0i32..4, tie in 0u32..2000,
        ) {
            let d_us = d as usize;
            prop_assert_eq!(format!("{:.d_us$}", round(x, d)), format!("{x:.d_us$}"));
            // Values at or near decimal ties.
            let t = f64::from(tie) / 2.0 / 10f64.powi(d) + 0.0;
            prop_assert_eq!(format!("{:.d_us$}", round(t, d)), format!("{t:.d_us$}"));
        }
    }
}
