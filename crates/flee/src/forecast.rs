//! DFlee's flood forecaster: agents react to the flood levels forecast for the coming days,
//! each in proportion to its own flood awareness.
//!
//! The rule is Flee's (Groen et al., BSD-3-Clause; `flee/moving.py`, `calculateMoveChance` and
//! `getEndPointScore`, with the forecast read in `flee/InputGeography.py` and the awareness drawn
//! in `flee/demographics.py`), re-implemented from reading it. On a day `t` the forecaster is on
//! when `timescale > 1` and `t ≤ end_time`. It then looks at the days
//! `min(t + 1, end) ..= min(t + timescale, end)` (the forecast stops at `end_time`), and:
//!
//! * **move chance** at a location: multiplied by
//!   `Σ_d [int(forecast_d) > 0] · flood_loc_weights[int(forecast_d)] · day_weights[d] / timescale`
//!   and by the agent's awareness weight. A location with no flood forecast gets 0: nobody
//!   leaves it by chance while the forecaster is on (route steps and forced town moves, which
//!   are certain, are not touched).
//! * **attractiveness** of a destination: multiplied by `s · (s / timescale)` and by the
//!   agent's awareness weight, where
//!   `s = Σ_d [forecast_d > 0] · flood_loc_weights[today's level] · day_weights[d]`. Flee
//!   weighs each forecast day by the destination's flood weight *today*, not the forecast
//!   level, and squares the sum (it multiplies the sum by itself over the timescale); both are
//!   kept as Flee has them. A destination with no flood forecast scores 0.
//!
//! `day_weights` (`flood_forecaster_weights`) is indexed by the day being forecast, counted from
//! the start of the simulation, not by how many days ahead it is.

use std::ops::RangeInclusive;

/// DFlee's `flood_rules.flood_forecaster: True` with its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct FloodForecaster {
    /// `flood_forecaster_timescale`: how many days ahead agents look. Flee applies the
    /// forecaster only when it is above 1.
    pub timescale: i64,
    /// `flood_forecaster_end_time`: the last day the forecaster applies and the last day the
    /// forecast covers.
    pub end_time: i64,
    /// `flood_forecaster_weights`: the weight of each forecast day, indexed by the simulation
    /// day being forecast.
    pub day_weights: Vec<f64>,
    /// `flood_awareness_weights`: the weight of each flood awareness level (0, 1, ...).
    pub awareness_weights: Vec<f64>,
}

impl FloodForecaster {
    /// Whether the forecaster changes anything on `day`.
    pub fn active(&self, day: i64) -> bool {
        self.timescale > 1 && day <= self.end_time
    }

    /// Whether it changes anything on any day from 0.
    pub fn ever_active(&self) -> bool {
        self.active(0)
    }

    /// The days whose forecast is read on `day` (meaningful when [`Self::active`]).
    pub fn days_read(&self, day: i64) -> RangeInclusive<i64> {
        let end = self.end_time;
        (day + 1).min(end)..=(day + self.timescale).min(end)
    }

    /// The last day whose forecast a run of `days` days reads, if it reads any.
    pub fn last_day_read(&self, days: usize) -> Option<i64> {
        let last_day = i64::try_from(days).ok()? - 1;
        if last_day < 0 || !self.ever_active() {
            return None;
        }
        let last_active = last_day.min(self.end_time);
        self.days_read(last_active).last()
    }

    /// Number of awareness levels an agent can have.
    pub fn awareness_levels(&self) -> usize {
        self.awareness_weights.len()
    }

    /// The weight of awareness level `level` (0 past the list, which case files never reach).
    pub fn awareness_weight(&self, level: u8) -> f64 {
        self.awareness_weights
            .get(usize::from(level))
            .copied()
            .unwrap_or(0.0)
    }

    /// `day_weights[day]` (0 past the list, which case files never reach).
    fn day_weight(&self, day: i64) -> f64 {
        usize::try_from(day)
            .ok()
            .and_then(|d| self.day_weights.get(d))
            .copied()
            .unwrap_or(0.0)
    }

    /// The move-chance factor of a location on `day`, before the agent's awareness weight:
    /// `Σ_d [int(forecast_d) > 0] · loc_weights[int(forecast_d)] · day_weights[d] / timescale`.
    /// `forecast` holds the location's flood level for every day (missing days count as dry).
    pub fn movechance_factor(&self, loc_weights: &[f64], forecast: &[f64], day: i64) -> f64 {
        let mut sum = 0.0;
        for d in self.days_read(day) {
            let level = forecast_level(forecast, d).trunc();
            if level > 0.0 {
                sum += level_weight(loc_weights, level as usize) * self.day_weight(d);
            }
        }
        sum / self.timescale as f64
    }

    /// The attractiveness factor of a destination on `day`, before the agent's awareness
    /// weight: `s · (s / timescale)` with `s = Σ_d [forecast_d > 0] · loc_weight_today ·
    /// day_weights[d]`, where `loc_weight_today` is `flood_loc_weights` at the destination's
    /// flood level today.
    pub fn score_factor(&self, loc_weight_today: f64, forecast: &[f64], day: i64) -> f64 {
        let mut sum = 0.0;
        for d in self.days_read(day) {
            if forecast_level(forecast, d) > 0.0 {
                sum += loc_weight_today * self.day_weight(d);
            }
        }
        sum * (sum / self.timescale as f64)
    }
}

/// The forecast flood level of day `day` (0 where the forecast has no such day).
fn forecast_level(forecast: &[f64], day: i64) -> f64 {
    usize::try_from(day)
        .ok()
        .and_then(|d| forecast.get(d))
        .copied()
        .unwrap_or(0.0)
}

/// `loc_weights[level]`; past the end, the last entry (case files are checked so that this
/// never happens; Flee would stop).
fn level_weight(loc_weights: &[f64], level: usize) -> f64 {
    loc_weights
        .get(level)
        .or(loc_weights.last())
        .copied()
        .unwrap_or(1.0)
}

/// Where an agent's flood awareness level is drawn from: the weight of each level for agents
/// who appear at one location (Flee's `demographics_floodawareness.csv` column for the
/// location, or its `Default` column).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct AwarenessDraw {
    /// Cumulative shares of the levels, ending at 1.
    cumulative: Vec<f64>,
}

impl AwarenessDraw {
    /// From the weight of each level; `None` unless every weight is finite and ≥ 0 and their
    /// sum is positive.
    pub(crate) fn new(weights: &[f64]) -> Option<AwarenessDraw> {
        if weights.len() > usize::from(u8::MAX) + 1
            || weights.iter().any(|w| !(w.is_finite() && *w >= 0.0))
        {
            return None;
        }
        let total: f64 = weights.iter().sum();
        if !(total.is_finite() && total > 0.0) {
            return None;
        }
        let mut running = 0.0;
        let cumulative = weights
            .iter()
            .map(|w| {
                running += w;
                running / total
            })
            .collect();
        Some(AwarenessDraw { cumulative })
    }

    /// The level for a uniform draw `u` in [0, 1): level `k` with probability
    /// `weights[k] / Σ weights` (a level of weight 0 is never drawn).
    pub(crate) fn level(&self, u: f64) -> u8 {
        let last = self.cumulative.len().saturating_sub(1);
        let mut level = self.cumulative.partition_point(|&c| c <= u).min(last);
        // For u below 1 the level found has a positive weight; `min` and this loop only keep
        // a draw of exactly 1 off a trailing level of weight 0.
        while level > 0 && self.cumulative[level] == self.cumulative[level - 1] {
            level -= 1;
        }
        level as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weather_example() -> FloodForecaster {
        // The parameters of FabFlee's dflee_weather_example.
        FloodForecaster {
            timescale: 5,
            end_time: 5,
            day_weights: vec![
                1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.3, 0.1, 0.3, 0.3, 0.1, 0.1, 0.1, 0.0, 0.0,
            ],
            awareness_weights: vec![0.0, 0.5, 1.0],
        }
    }

    const LOC_WEIGHTS: [f64; 5] = [1.0, 0.5, 0.2, 0.0, 0.0];

    #[test]
    fn active_days_and_days_read_stop_at_the_end_time() {
        let f = weather_example();
        assert!(f.active(0) && f.active(5) && !f.active(6));
        assert_eq!(f.days_read(0), 1..=5);
        assert_eq!(f.days_read(3), 4..=5);
        // On the end day itself Flee reads the end day's forecast once.
        assert_eq!(f.days_read(5), 5..=5);
        assert_eq!(f.last_day_read(11), Some(5));
        assert_eq!(f.last_day_read(2), Some(5));
        assert_eq!(f.last_day_read(0), None);
        let long = FloodForecaster {
            end_time: 100,
            ..weather_example()
        };
        assert_eq!(
            long.last_day_read(11),
            Some(15),
            "day 10 reads days 11 to 15"
        );
        for timescale in [0, 1] {
            let off = FloodForecaster {
                timescale,
                ..weather_example()
            };
            assert!(!off.ever_active());
            assert_eq!(off.last_day_read(11), None);
        }
    }

    #[test]
    fn movechance_factor_matches_a_hand_computation() {
        let f = weather_example();
        // F1 of the weather example: levels 1, 2, 1, 1, 1, 1 on days 0 to 5.
        let f1 = [1.0, 2.0, 1.0, 1.0, 1.0, 1.0];
        // Day 0 reads days 1..=5: 0.2·0.9 + 0.5·0.8 + 0.5·0.7 + 0.5·0.6 + 0.5·0.5 = 1.48.
        let expected = (0.2 * 0.9 + 0.5 * 0.8 + 0.5 * 0.7 + 0.5 * 0.6 + 0.5 * 0.5) / 5.0;
        assert!((f.movechance_factor(&LOC_WEIGHTS, &f1, 0) - expected).abs() < 1e-15);
        assert!((expected - 0.296).abs() < 1e-12);
        // Day 4 reads day 5 only: 0.5·0.5 / 5.
        assert!((f.movechance_factor(&LOC_WEIGHTS, &f1, 4) - 0.05).abs() < 1e-15);
        // A level below 1 truncates to 0 and counts as dry; no forecast at all gives 0.
        assert_eq!(f.movechance_factor(&LOC_WEIGHTS, &[0.0, 0.9, 0.5], 0), 0.0);
        assert_eq!(f.movechance_factor(&LOC_WEIGHTS, &[], 0), 0.0);
    }

    #[test]
    fn score_factor_weighs_by_todays_level_and_squares_the_sum() {
        let f = weather_example();
        let f2 = [2.0; 6];
        // Today's level 2: weight 0.2 on each of days 1..=5, s = 0.2·(0.9+0.8+0.7+0.6+0.5).
        let s: f64 = [0.9, 0.8, 0.7, 0.6, 0.5].iter().map(|w| 0.2 * w).sum();
        let expected = s * (s / 5.0);
        assert!((f.score_factor(0.2, &f2, 0) - expected).abs() < 1e-15);
        assert!((expected - 0.098).abs() < 1e-12);
        // Any positive forecast counts, even below 1, at today's weight.
        assert!((f.score_factor(1.0, &[0.0, 0.5], 0) - 0.9 * 0.9 / 5.0).abs() < 1e-15);
        assert_eq!(f.score_factor(1.0, &[0.0; 6], 0), 0.0);
    }

    #[test]
    fn awareness_draw_follows_the_weights() {
        let draw = AwarenessDraw::new(&[0.1, 0.2, 0.7]).expect("valid weights");
        assert_eq!(draw.level(0.0), 0);
        assert_eq!(draw.level(0.099), 0);
        assert_eq!(draw.level(0.1000001), 1);
        assert_eq!(draw.level(0.2999), 1);
        assert_eq!(draw.level(0.3000001), 2);
        assert_eq!(draw.level(0.999999), 2);
        // A level of weight 0 is never drawn, even at the very end.
        let draw = AwarenessDraw::new(&[1.0, 0.0]).expect("valid weights");
        assert_eq!(draw.level(0.999_999_999_999), 0);
        assert!(AwarenessDraw::new(&[0.0, 0.0]).is_none());
        assert!(AwarenessDraw::new(&[1.0, -0.1]).is_none());
        assert!(AwarenessDraw::new(&[1.0, f64::NAN]).is_none());
        assert!(AwarenessDraw::new(&[]).is_none());
    }
}
