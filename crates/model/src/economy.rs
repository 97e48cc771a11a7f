//! Consequences of stock levels: rationing, informal prices, electricity and services.

use crate::params::{PerSector, PowerSpec, PriceParams, RationingPolicy, Sector, ServiceParams};
use crate::units::Days;

/// Splits the day's release among sectors: the policy's priority sectors in order, each up to
/// its demand, then the rest in proportion to demand.
pub fn allocate(release: f64, demand: &PerSector, priority: &[Sector]) -> PerSector {
    let mut given = [0.0; Sector::COUNT];
    let mut left = release.max(0.0);
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

/// What a depot lets out today. Unrationed it meets demand while stock lasts; under rationing
/// it stretches the stock over `stretch` days.
pub fn release(stock: f64, demand: f64, rationing: bool, policy: &RationingPolicy) -> f64 {
    if rationing {
        demand.min(stock / policy.stretch.0.max(1.0))
    } else {
        demand.min(stock)
    }
    .max(0.0)
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

/// Hours of electricity per day from the share of the plants' fuel need that they got.
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
        };
        assert!((power_hours(1.0, 1.0, &spec) - 19.0).abs() < 1e-9);
        assert!((power_hours(0.0, 1.0, &spec) - 5.7).abs() < 1e-9);
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
