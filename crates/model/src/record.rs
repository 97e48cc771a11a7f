//! What a run reports: daily per-depot and per-corridor rows, and an event log.
//! Plain numbers and ids; formatting (names, dates, CSV) belongs to the I/O crate.

use crate::ids::{CorridorId, DepotId, PlaceId, SegmentId};
use crate::params::{PerSector, Sector};
use crate::threat::Aftermath;
use serde::Serialize;

/// One depot on one day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct DepotDay {
    pub stock: f64,
    /// Shipped today to the towns this depot serves (onward distribution).
    pub shipped_onward: f64,
    /// End-use demand at today's price (the plants' full-output burn for power).
    pub demand: f64,
    /// Everything put into the depot today (road and air).
    pub delivered: f64,
    /// Of which flown in.
    pub delivered_by_air: f64,
    /// Released from the depot today (to the plants' tanks for power).
    pub consumed: f64,
    /// End-use demand not met (for power: the plants' burn short of full output).
    pub shortage: f64,
    /// Stock over the day's demand at the official price (days).
    pub cover_days: f64,
    pub price_multiple: f64,
    pub price_per_unit: f64,
    pub power_hours: Option<f64>,
    pub services_open: Option<bool>,
    /// Rationing is on: the level is below 1.
    pub rationing: bool,
    /// Share of demand the depot plans to serve (1: no rationing).
    pub rationing_level: f64,
    /// Fuel in the thermal plants' own tanks at the end of the day (depots with power only).
    pub plant_stock: Option<f64>,
    pub food_price_index: f64,
    pub reserve_released: f64,
    pub shortage_by_sector: PerSector,
    /// Grown around the town and marketed into the depot today.
    pub produced: f64,
    /// People present in the depot's town (0 where the depot counts no people).
    pub population_present: f64,
    /// Food eaten per person today, in kcal (food depots with people only).
    pub kcal_per_person_day: Option<f64>,
    /// Food-security phase 1–5 of the moving average of kcal per person per day.
    pub food_phase: Option<u8>,
}

impl DepotDay {
    pub fn shortage_of(&self, sector: Sector) -> f64 {
        self.shortage_by_sector[sector.index()]
    }
}

/// One corridor on one day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct CorridorDay {
    pub trucks_dispatched: u32,
    pub trucks_arrived: u32,
    /// Loaded trucks between loading and unloading (including waiting to form a convoy).
    pub trucks_in_transit: u32,
    pub trucks_lost: u32,
    pub delivered: f64,
    pub drivers_kidnapped: u32,
    pub drivers_killed: u32,
    pub attacks: u32,
    pub willingness: f64,
    pub trucks_idle: u32,
    /// Trucks that joined the fleet today to replace trucks lost earlier.
    pub trucks_replaced: u32,
    /// Loaded trucks at the marshalling point at the end of the day, waiting for their convoy
    /// to reach its size or its longest wait (part of `trucks_in_transit`).
    pub trucks_waiting_convoy: u32,
    /// Loaded trucks at the marshalling point whose convoy is ready but held for a free escort
    /// unit (part of `trucks_in_transit`).
    pub trucks_waiting_escort: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum EventKind {
    /// Trucks left their origin (loaded).
    Dispatched,
    /// A convoy formed and left the marshalling point.
    ConvoyDeparted {
        escorted: bool,
    },
    Arrived,
    Attack {
        lost: u32,
        kidnapped: u32,
        killed: u32,
        aftermath: Aftermath,
        /// Whether the convoy attacked had an escort.
        escorted: bool,
    },
    TurnedBackArrived,
    /// A scheduled convoy left its origin.
    ScheduledConvoyDeparted {
        escorted: bool,
    },
    /// Trucks reached a cut road and stopped until it reopens.
    HeldAtRoadCut,
    /// An aircraft was lost with its load.
    AircraftLost,
    RationingOn,
    RationingOff,
    ServicesClosed,
    ServicesReopened,
    ReserveReleaseStarted,
}

impl EventKind {
    /// Trucks setting off or arriving: the routine entries of the log (see
    /// [`RecordOptions::movements`]).
    pub fn is_movement(&self) -> bool {
        matches!(
            self,
            EventKind::Dispatched
                | EventKind::ConvoyDeparted { .. }
                | EventKind::Arrived
                | EventKind::TurnedBackArrived
                | EventKind::ScheduledConvoyDeparted { .. }
        )
    }

    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Dispatched => "dispatched",
            EventKind::ConvoyDeparted { .. } => "convoy_departed",
            EventKind::Arrived => "arrived",
            EventKind::Attack { .. } => "attack",
            EventKind::TurnedBackArrived => "turned_back_home",
            EventKind::ScheduledConvoyDeparted { .. } => "scheduled_convoy_departed",
            EventKind::HeldAtRoadCut => "held_at_road_cut",
            EventKind::AircraftLost => "aircraft_lost",
            EventKind::RationingOn => "rationing_on",
            EventKind::RationingOff => "rationing_off",
            EventKind::ServicesClosed => "services_closed",
            EventKind::ServicesReopened => "services_reopened",
            EventKind::ReserveReleaseStarted => "reserve_release",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    pub day: u32,
    pub kind: EventKind,
    pub place: Option<PlaceId>,
    pub segment: Option<SegmentId>,
    pub corridor: Option<CorridorId>,
    pub depot: Option<DepotId>,
    pub trucks: u32,
    /// Where along `segment` it happened, in km from the segment's first end (`a`): attacks.
    pub at_km: Option<f64>,
}

/// Which parts of a run to keep. Ensembles keep the daily depot table but not the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordOptions {
    /// Keep the event log.
    pub events: bool,
    /// With `events`: keep its entries for trucks setting off and arriving too
    /// ([`EventKind::is_movement`]), most of a log; without, the log holds the incidents and
    /// decisions alone (what calibration targets read), and runs that need no more skip
    /// recording thousands of entries each.
    pub movements: bool,
    pub corridors: bool,
}

impl RecordOptions {
    pub fn all() -> Self {
        RecordOptions {
            events: true,
            movements: true,
            corridors: true,
        }
    }
}

/// Totals kept for the conservation check, per commodity. Stocks include the power plants'
/// own tanks; `consumed` is end use (the plants' burn, not what they took into their tanks).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Balance {
    pub opening_stock: f64,
    /// Loaded product already on the road at the start (the steady-state pipeline).
    pub opening_in_transit: f64,
    pub loaded_at_origin: f64,
    pub reserve_released: f64,
    /// Grown at home and marketed into depots.
    pub produced: f64,
    /// Drawn from depots' stock for onward distribution, less loads turned back into them; the
    /// same volume is counted in `loaded_at_origin`, so it leaves the balance here once.
    pub drawn_for_onward: f64,
    pub delivered: f64,
    pub consumed: f64,
    pub closing_stock: f64,
    pub lost: f64,
    pub returned_to_origin: f64,
    pub in_transit: f64,
}

impl Balance {
    /// Everything that came in: opening stocks and pipeline, loads, reserves and production.
    pub fn inflow(&self) -> f64 {
        self.opening_stock
            + self.opening_in_transit
            + self.loaded_at_origin
            + self.reserve_released
            + self.produced
    }

    /// Everything that went out or is still held.
    pub fn outflow(&self) -> f64 {
        self.consumed
            + self.closing_stock
            + self.lost
            + self.returned_to_origin
            + self.in_transit
            + self.drawn_for_onward
    }
}

/// An export product over the run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ExportTotals {
    /// What the works would have made with all the fuel they needed.
    pub potential: f64,
    pub produced: f64,
    /// Sent out of the country.
    pub exported: f64,
    /// Made but waiting at the works at the end (the road out closed or too dangerous).
    pub held_at_end: f64,
    /// Days on which shipments waited.
    pub days_held: u32,
}

/// A service beyond schools over the run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ServiceTotals {
    pub closed_days: u32,
    pub closures: u32,
    pub first_closed_day: Option<u32>,
}

/// A finished run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunRecord {
    pub days: u32,
    /// `depot_days[day][depot]`.
    pub depot_days: Vec<Vec<DepotDay>>,
    /// `corridor_days[day][corridor]` (empty when not recorded).
    pub corridor_days: Vec<Vec<CorridorDay>>,
    pub events: Vec<Event>,
    /// Per commodity.
    pub balances: Vec<Balance>,
    /// Totals per corridor over the run (kept even when daily rows are not).
    pub corridor_totals: Vec<CorridorDay>,
    /// Per export product (`ModelInput::exports` order).
    pub exports: Vec<ExportTotals>,
    /// Per service rule (`ModelInput::service_rules` order).
    pub services: Vec<ServiceTotals>,
    /// `service_days[day][rule]`: open at the end of the day (empty when not recorded).
    pub service_days: Vec<Vec<bool>>,
}
