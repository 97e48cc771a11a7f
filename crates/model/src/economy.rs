//! Consequences of stock levels: rationing, informal prices, electricity and services.

use crate::params::{PerSector, PowerSpec, PriceParams, RationingPolicy, Sector, ServiceParams};
use crate::units::Days;

/// Splits the day's release among sectors: the policy's priority sectors in order, each up to
/// its demand, then the rest in proportion to demand.
pub fn allocate(release: f64, demand: &PerSector, priority: &[Sector]) -> PerSector {
    let mut given = [0.0; Sector::COUNT];
    let mut left = release.max(0.0);
    if priority.is_empty() {
        // The common case: everyone in proportion to demand.
        let rest: f64 = demand.iter().sum();
        if rest > 0.0 {
            let fraction = (left / rest).min(1.0);
            for (g, d) in given.iter_mut().zip(demand) {
                *g = d * fraction;
            }
        }
        return given;
    }
    for s in priority {
        let take = demand[s.index()].min(left);
        given[s.index()] = take;
        left -= take;
    }
    let rest: f64 = Sector::ALL
        .iter()
        .filter(|s| !priority.contains(s))
        .map(|s| demand[s.index()])
        .sum();
    if rest > 0.0 {
        let fraction = (left / rest).min(1.0);
        for s in Sector::ALL {
            if !priority.contains(&s) {
                given[s.index()] = demand[s.index()] * fraction;
            }
        }
    }
    given
}

/// The rationing level a depot aims at today: the share of demand that stock and expected
/// inflow can serve every day over the horizon, `(stock + inflow) / (demand × horizon)`, at
/// most 1. It is continuous in the stock, so one delivery moves it a little, not from "ration"
/// to "serve all".
pub fn rationing_aim(
    stock: f64,
    expected_inflow: f64,
    demand: f64,
    policy: &RationingPolicy,
) -> f64 {
    if demand <= 0.0 {
        return 1.0;
    }
    let horizon = policy.stretch.0.max(1.0);
    ((stock + expected_inflow.max(0.0)) / (demand * horizon)).clamp(0.0, 1.0)
}

/// Moves the rationing level toward its aim: by at most `adjust_per_day`, and not at all while
/// the aim lies within the dead band of the level, so that one delivery neither lifts
/// rationing nor starts it. Hysteresis on the stock: rationing starts only once cover is below
/// the trigger, and is lifted (the level back to 1) only once cover is at the trigger again;
/// until then the level stops one dead band short of 1.
pub fn adjust_level(level: f64, aim: f64, cover: Days, policy: &RationingPolicy) -> f64 {
    let comfortable = cover.0 >= policy.trigger_cover.0;
    if level >= 1.0 && comfortable {
        return 1.0;
    }
    let gap = aim - level;
    if aim < 1.0 && gap.abs() <= policy.dead_band {
        return level;
    }
    let step = policy.adjust_per_day.max(0.0);
    let ceiling = if comfortable {
        1.0
    } else {
        1.0 - policy.dead_band
    };
    (level + gap.clamp(-step, step)).clamp(0.0, ceiling.max(level))
}

/// What the thermal plants ask of the depot: the fuel rationing grants them for today's burn,
/// plus a refill of their tanks spread over as many days as the tanks hold (plants rebuild
/// their stock without taking the depot's whole release).
pub fn plant_order(planned_burn: f64, tank: f64, tank_capacity: f64, tank_days: f64) -> f64 {
    planned_burn + (tank_capacity - tank).max(0.0) / tank_days.max(1.0)
}

/// Scarcity in [0, 1]: how far cover is below the reference, or today's unmet share if worse.
pub fn scarcity(cover: Days, unmet_share: f64, params: &PriceParams) -> f64 {
    let by_cover = 1.0 - (cover.0 / params.reference_cover.0).min(1.0);
    by_cover.max(unmet_share).clamp(0.0, 1.0)
}

/// Informal-market price multiple of the official price: 1 + (cap − 1) · scarcity^exponent.
pub fn price_multiple(scarcity: f64, params: &PriceParams) -> f64 {
    if scarcity <= 0.0 {
        return 1.0; // the common case; skips a powf
    }
    1.0 + (params.cap_multiple - 1.0) * scarcity.clamp(0.0, 1.0).powf(params.exponent)
}

/// Tomorrow's informal price multiple: today's moves toward the level scarcity implies, in
/// logarithms, with the given half-life (traders reprice over days, not on one delivery).
/// Both ends lie in [1, cap], so the result does too.
pub fn adjust_price(current: f64, implied: f64, params: &PriceParams) -> f64 {
    adjust_price_keeping(current, implied, price_keep(params), params)
}

/// The share of yesterday's log price kept each day (0: no memory).
pub fn price_keep(params: &PriceParams) -> f64 {
    let half_life = params.adjustment_half_life.0;
    if half_life <= 0.0 {
        0.0
    } else {
        0.5f64.powf(1.0 / half_life)
    }
}

/// [`adjust_price`] with [`price_keep`] worked out once (a `powf` per depot and day was a hot
/// spot).
pub fn adjust_price_keeping(current: f64, implied: f64, keep: f64, params: &PriceParams) -> f64 {
    if params.adjustment_half_life.0 <= 0.0 || current == implied {
        return implied; // no memory, or nothing to do (the common case: both at 1)
    }
    let log = keep * current.max(1.0).ln() + (1.0 - keep) * implied.max(1.0).ln();
    log.exp().clamp(1.0, params.cap_multiple.max(1.0))
}

/// Demand of a sector at a price multiple. Power plants and farms/mines are served by contract
/// and do not respond; transport and households do.
pub fn demand_at_price(base: &PerSector, multiple: f64, params: &PriceParams) -> PerSector {
    if multiple <= 1.0 {
        return *base; // the common case; skips a powf
    }
    let factor = multiple.max(1.0).powf(-params.demand_elasticity);
    let mut d = *base;
    d[Sector::Transport.index()] *= factor;
    d[Sector::HouseholdsServices.index()] *= factor;
    d
}

/// Hours of electricity per day from the share of the plants' full-output burn that they burned.
pub fn power_hours(fuel_got: f64, fuel_needed: f64, spec: &PowerSpec) -> f64 {
    let supplied = if fuel_needed > 0.0 {
        (fuel_got / fuel_needed).clamp(0.0, 1.0)
    } else {
        1.0
    };
    spec.normal_hours * (spec.non_thermal_share + (1.0 - spec.non_thermal_share) * supplied)
}

/// Food price index (1 = normal): follows transport cost through the fuel price.
pub fn food_price_index(fuel_multiple: f64, params: &PriceParams) -> f64 {
    1.0 + params.food_transport_share * (fuel_multiple - 1.0)
}

/// Open/closed state of services with hysteresis and a decided closure length.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceState {
    pub open: bool,
    days_in_state: u32,
    /// The last `window` days' transport supply ratios (ring buffer).
    recent: Vec<f64>,
    next: usize,
}

/// A change of service state on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceChange {
    Closed,
    Reopened,
}

impl ServiceState {
    pub fn new(params: &ServiceParams) -> Self {
        ServiceState {
            open: true,
            // Open long enough that a closure may come at once.
            days_in_state: params.min_open_days,
            recent: Vec::with_capacity(params.window.max(1) as usize),
            next: 0,
        }
    }

    /// Mean transport supply ratio over the window.
    pub fn averaged_ratio(&self) -> f64 {
        if self.recent.is_empty() {
            1.0
        } else {
            self.recent.iter().sum::<f64>() / self.recent.len() as f64
        }
    }

    /// Records today's ratio of transport fuel supplied to demand and updates the state.
    pub fn update(&mut self, ratio: f64, params: &ServiceParams) -> Option<ServiceChange> {
        let window = params.window.max(1) as usize;
        if self.recent.len() < window {
            self.recent.push(ratio);
        } else {
            self.recent[self.next] = ratio;
        }
        self.next = (self.next + 1) % window;
        self.days_in_state += 1;
        let avg = self.averaged_ratio();
        if self.open {
            if avg < params.close_below && self.days_in_state >= params.min_open_days {
                self.open = false;
                self.days_in_state = 0;
                return Some(ServiceChange::Closed);
            }
        } else if avg > params.reopen_above || self.days_in_state >= params.max_closure_days {
            self.open = true;
            self.days_in_state = 0;
            return Some(ServiceChange::Reopened);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prices() -> PriceParams {
        PriceParams {
            reference_cover: Days(7.0),
            cap_multiple: 5.0,
            exponent: 1.5,
            demand_elasticity: 0.2,
            food_transport_share: 0.2,
            adjustment_half_life: Days(3.0),
        }
    }

    #[test]
    fn allocation_serves_priority_first_and_never_exceeds_release_or_demand() {
        let demand = [10.0, 20.0, 5.0, 5.0];
        let given = allocate(15.0, &demand, &[Sector::Power]);
        assert_eq!(given[0], 10.0);
        assert!((given.iter().sum::<f64>() - 15.0).abs() < 1e-9);
        for (g, d) in given.iter().zip(demand) {
            assert!(*g <= d + 1e-12);
        }
        let plenty = allocate(100.0, &demand, &[]);
        assert_eq!(plenty, demand);
    }

    #[test]
    fn price_is_official_with_cover_and_capped_without() {
        let p = prices();
        assert_eq!(price_multiple(scarcity(Days(10.0), 0.0, &p), &p), 1.0);
        assert_eq!(price_multiple(scarcity(Days(0.0), 1.0, &p), &p), 5.0);
        let mid = price_multiple(scarcity(Days(3.5), 0.0, &p), &p);
        assert!(mid > 1.0 && mid < 5.0);
    }

    #[test]
    fn power_hours_have_the_non_thermal_floor() {
        let spec = PowerSpec {
            normal_hours: 19.0,
            non_thermal_share: 0.3,
            tank_days: 5.0,
        };
        assert!((power_hours(1.0, 1.0, &spec) - 19.0).abs() < 1e-9);
        assert!((power_hours(0.0, 1.0, &spec) - 5.7).abs() < 1e-9);
    }

    fn policy() -> RationingPolicy {
        RationingPolicy {
            priority_from_day: 0,
            priority_until_day: u32::MAX,
            trigger_cover: Days(4.0),
            stretch: Days(10.0),
            adjust_per_day: 0.05,
            dead_band: 0.05,
            priority: vec![],
        }
    }

    #[test]
    fn rationing_aims_at_what_stock_and_inflow_allow() {
        let p = policy();
        assert_eq!(rationing_aim(1500.0, 0.0, 100.0, &p), 1.0);
        assert!((rationing_aim(200.0, 300.0, 100.0, &p) - 0.5).abs() < 1e-12);
        assert_eq!(rationing_aim(0.0, 0.0, 100.0, &p), 0.0);
        assert_eq!(rationing_aim(0.0, 0.0, 0.0, &p), 1.0);
    }

    #[test]
    fn the_level_moves_slowly_and_ignores_small_gaps() {
        let p = policy();
        let low = Days(2.0);
        assert_eq!(adjust_level(1.0, 0.2, Days(5.0), &p), 1.0); // cover above the trigger
        assert_eq!(adjust_level(1.0, 0.97, low, &p), 1.0); // inside the dead band
        assert!((adjust_level(1.0, 0.2, low, &p) - 0.95).abs() < 1e-12); // one step down
        assert!((adjust_level(0.5, 1.0, low, &p) - 0.55).abs() < 1e-12); // one step up
        assert_eq!(adjust_level(0.97, 1.0, Days(4.0), &p), 1.0); // lifted once stock is back
        assert_eq!(adjust_level(0.93, 1.0, low, &p), 0.95); // not before
        assert_eq!(adjust_level(0.6, 0.63, low, &p), 0.6);
        assert!((adjust_level(0.6, 0.2, Days(5.0), &p) - 0.55).abs() < 1e-12); // still following
    }

    #[test]
    fn prices_move_over_days_and_stay_within_the_cap() {
        let p = prices();
        let mut m = 1.0;
        for _ in 0..60 {
            let next = adjust_price(m, 5.0, &p);
            assert!(next >= m && next <= 5.0);
            m = next;
        }
        assert!(m > 4.9);
        let once = adjust_price(1.0, 5.0, &p);
        assert!(once < 1.6, "{once}");
        assert_eq!(adjust_price(1.0, 1.0, &p), 1.0);
    }

    #[test]
    fn plants_order_their_burn_and_a_spread_refill() {
        assert_eq!(plant_order(100.0, 500.0, 500.0, 5.0), 100.0);
        assert_eq!(plant_order(100.0, 0.0, 500.0, 5.0), 200.0);
        assert_eq!(plant_order(40.0, 0.0, 0.0, 0.0), 40.0);
    }

    #[test]
    fn services_close_below_threshold_and_reopen_after_set_length() {
        let params = ServiceParams {
            window: 3,
            close_below: 0.5,
            reopen_above: 0.8,
            max_closure_days: 5,
            min_open_days: 10,
        };
        let mut s = ServiceState::new(&params);
        let mut changes = vec![];
        for day in 0..21 {
            if let Some(c) = s.update(0.2, &params) {
                changes.push((day, c));
            }
        }
        // Closes at once, reopens after the set length, stays open the minimum, closes again.
        assert_eq!(
            changes,
            vec![
                (0, ServiceChange::Closed),
                (5, ServiceChange::Reopened),
                (15, ServiceChange::Closed),
                (20, ServiceChange::Reopened),
            ]
        );
        // With supply back, a closed service reopens before the set length.
        let mut s = ServiceState::new(&params);
        assert_eq!(s.update(0.0, &params), Some(ServiceChange::Closed));
        assert_eq!(s.update(1.0, &params), None); // average 0.5
        assert_eq!(s.update(1.0, &params), None); // 0.667
        assert_eq!(s.update(1.0, &params), Some(ServiceChange::Reopened)); // window 1.0
    }
}
