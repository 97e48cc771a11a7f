//! Threat: hazard on road segments per day, and what an attack on a convoy does.
//!
//! Hazard λ(segment, day) is the expected number of attacks on one convoy passage per 100 km.
//! It is *input*: built from declared blockades and observed events (see [`HazardBuilder`]);
//! nothing here chooses where or when to attack.

use crate::geometry::{distance_to_polyline_km, mean_decay_along};
use crate::ids::SegmentId;
use crate::network::Network;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// λ per segment per day, dense (segments × days).
///
/// The stored values are shared between copies (a run's copy of the input does not copy the
/// table) and read through a factor: [`HazardTable::scale`] of a shared table records the
/// factor instead of rewriting the values, so a calibration particle's or a posterior draw's
/// scaled threat costs nothing to make, and a table can tell that another is a scaled copy of
/// it ([`HazardTable::factor_over`]). Every value read is `stored × factor`, the one rounding
/// that scaling the values in place gives; with factor 1 it is the stored value itself.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(into = "HazardValues", from = "HazardValues")]
pub struct HazardTable {
    segments: usize,
    days: usize,
    values: Arc<Vec<f64>>,
    factor: f64,
}

/// How a hazard table is written and read: its values as read (the factor applied), in the
/// field order of the dense table, so serialisations and fingerprints do not depend on how
/// the table holds them.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct HazardValues {
    segments: usize,
    days: usize,
    values: Vec<f64>,
}

impl From<HazardTable> for HazardValues {
    fn from(table: HazardTable) -> Self {
        HazardValues {
            segments: table.segments,
            days: table.days,
            values: table.values.iter().map(|v| v * table.factor).collect(),
        }
    }
}

impl From<HazardValues> for HazardTable {
    fn from(wire: HazardValues) -> Self {
        HazardTable {
            segments: wire.segments,
            days: wire.days,
            values: Arc::new(wire.values),
            factor: 1.0,
        }
    }
}

impl PartialEq for HazardTable {
    /// Equal when every value read is equal (however each table holds them).
    fn eq(&self, other: &Self) -> bool {
        if self.segments != other.segments || self.days != other.days {
            return false;
        }
        if Arc::ptr_eq(&self.values, &other.values) && self.factor == other.factor {
            return true;
        }
        self.values
            .iter()
            .zip(other.values.iter())
            .all(|(a, b)| a * self.factor == b * other.factor)
    }
}

/// One day's λ of every segment, by segment index ([`HazardTable::day_row`]).
#[derive(Clone, Copy, Debug)]
pub struct HazardRow<'a> {
    values: &'a [f64],
    factor: f64,
}

impl HazardRow<'_> {
    /// λ of segment index `segment` (zero past the table).
    #[inline]
    pub fn get(&self, segment: usize) -> f64 {
        self.values.get(segment).map_or(0.0, |v| v * self.factor)
    }
}

impl HazardTable {
    pub fn zero(segments: usize, days: usize) -> Self {
        HazardTable {
            segments,
            days,
            values: Arc::new(vec![0.0; segments * days]),
            factor: 1.0,
        }
    }

    /// λ on `segment` on `day` (zero past the table's end).
    #[inline]
    pub fn get(&self, segment: SegmentId, day: u32) -> f64 {
        let d = day as usize;
        if d >= self.days || segment.index() >= self.segments {
            return 0.0;
        }
        self.values[d * self.segments + segment.index()] * self.factor
    }

    /// λ of every segment on `day`, by segment index (empty past the table's end, where λ is
    /// zero): one bounds check for a day's many lookups.
    pub fn day_row(&self, day: u32) -> HazardRow<'_> {
        let d = day as usize;
        let values = if d >= self.days {
            &[][..]
        } else {
            &self.values[d * self.segments..(d + 1) * self.segments]
        };
        HazardRow {
            values,
            factor: self.factor,
        }
    }

    /// The values to change in place: this table's own, with any recorded factor applied.
    fn values_mut(&mut self) -> &mut Vec<f64> {
        let factor = std::mem::replace(&mut self.factor, 1.0);
        let values = Arc::make_mut(&mut self.values);
        if factor != 1.0 {
            values.iter_mut().for_each(|v| *v *= factor);
        }
        values
    }

    pub fn add(&mut self, segment: SegmentId, day: u32, value: f64) {
        let d = day as usize;
        if d < self.days && segment.index() < self.segments {
            let at = d * self.segments + segment.index();
            self.values_mut()[at] += value;
        }
    }

    /// Multiplies every λ by `factor`. A table shared with a copy, and not scaled before,
    /// records the factor instead of rewriting its values (the values read are the same).
    pub fn scale(&mut self, factor: f64) {
        if self.factor == 1.0 && Arc::get_mut(&mut self.values).is_none() {
            self.factor = factor;
            return;
        }
        self.values_mut().iter_mut().for_each(|v| *v *= factor);
    }

    /// When `self` reads `other`'s stored values (a copy of it, perhaps scaled since), the
    /// factor `self` reads them through: then `self.get(s, d)` is `other`'s stored value
    /// times that factor (see [`HazardTable::stored`]).
    pub fn factor_over(&self, other: &HazardTable) -> Option<f64> {
        (Arc::ptr_eq(&self.values, &other.values)
            && self.segments == other.segments
            && self.days == other.days)
            .then_some(self.factor)
    }

    /// The value stored for `segment` on `day`, before the table's factor (zero past the end).
    pub fn stored(&self, segment: SegmentId, day: u32) -> f64 {
        let d = day as usize;
        if d >= self.days || segment.index() >= self.segments {
            return 0.0;
        }
        self.values[d * self.segments + segment.index()]
    }

    /// The factor the stored values are read through.
    pub fn factor(&self) -> f64 {
        self.factor
    }

    pub fn is_zero(&self) -> bool {
        self.values.iter().all(|v| v * self.factor == 0.0)
    }

    pub fn days(&self) -> usize {
        self.days
    }

    /// Mean λ of a segment over days `[from, to)`.
    pub fn mean_over(&self, segment: SegmentId, from: u32, to: u32) -> f64 {
        if to <= from {
            return 0.0;
        }
        (from..to).map(|d| self.get(segment, d)).sum::<f64>() / f64::from(to - from)
    }
}

/// A declared blockade, resolved to segments and days.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Declaration {
    pub name: String,
    /// The segments it covers, each with the share of its length inside the declared territory
    /// (an area's radius, its countries): a long road only partly inside gets hazard in
    /// proportion, since λ is per 100 km of road driven.
    pub segments: Vec<DeclaredSegment>,
    pub first_day: u32,
    /// Inclusive last day.
    pub last_day: u32,
    /// λ added on the part of each listed segment inside the territory while the declaration holds.
    pub intensity: f64,
}

/// One segment under a declaration and the share of its length the declaration covers.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeclaredSegment {
    pub segment: SegmentId,
    /// In (0, 1].
    pub share: f64,
}

/// One conflict event placed in time and space, with its kernel weight.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConflictEvent {
    /// Day relative to the run's start (may be negative: events before the start still decay into it).
    pub day: i64,
    pub lat: f64,
    pub lon: f64,
    /// Weight from event type and fatalities (see [`KernelParams::event_weight`]).
    pub weight: f64,
}

/// The space–time kernel that turns events into hazard.
///
/// λ_events(s, t) = scale · Σ_e w_e · mean_{x ∈ s} exp(−d(e, x) / range_km) · exp(−(t − t_e) / decay_days),
/// for t ≥ t_e and min_x d(e, x) ≤ 3 · range_km, where x runs along the segment's road
/// (its polyline) and d is the distance from the event to that point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KernelParams {
    pub range_km: f64,
    pub decay_days: f64,
    pub scale: f64,
    /// Added to the weight per log(1 + fatalities).
    pub fatality_weight: f64,
}

impl KernelParams {
    /// The weight of one event: its type's weight, raised by its fatalities.
    pub fn event_weight(&self, type_weight: f64, fatalities: u32) -> f64 {
        type_weight * (1.0 + self.fatality_weight * f64::from(fatalities).ln_1p())
    }
}

/// Builds a [`HazardTable`] from declarations and events.
pub struct HazardBuilder<'a> {
    network: &'a Network,
    table: HazardTable,
}

impl<'a> HazardBuilder<'a> {
    pub fn new(network: &'a Network, days: u32) -> Self {
        HazardBuilder {
            network,
            table: HazardTable::zero(network.segments().len(), days as usize),
        }
    }

    pub fn declaration(&mut self, d: &Declaration) -> &mut Self {
        let last = d.last_day.min(self.table.days as u32 - 1);
        for day in d.first_day..=last {
            for s in &d.segments {
                self.table.add(s.segment, day, d.intensity * s.share);
            }
        }
        self
    }

    pub fn events(&mut self, events: &[ConflictEvent], kernel: &KernelParams) -> &mut Self {
        let days = self.table.days as i64;
        let cutoff = 3.0 * kernel.range_km;
        for i in 0..self.network.segments().len() {
            let road = self.network.polyline(SegmentId::from_index(i));
            for e in events {
                let d = distance_to_polyline_km((e.lat, e.lon), &road);
                if d > cutoff {
                    continue;
                }
                let spatial = kernel.scale
                    * e.weight
                    * mean_decay_along(&road, (e.lat, e.lon), kernel.range_km);
                for day in e.day.max(0)..days {
                    let age = (day - e.day) as f64;
                    let v = spatial * (-age / kernel.decay_days).exp();
                    if v < 1e-9 {
                        break;
                    }
                    self.table.add(SegmentId::from_index(i), day as u32, v);
                }
            }
        }
        self
    }

    pub fn build(self) -> HazardTable {
        self.table
    }
}

/// Great-circle distance in km.
pub fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

/// Distance from a point to the straight segment a–b, in km (local equirectangular projection:
/// good to a few percent over the few hundred km that matter here).
pub fn distance_to_segment_km(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    crate::geometry::distance_to_piece_km(p, a, b)
}

/// The share of a convoy's trucks lost in one attack: `max_share · U^shape` with U uniform on
/// [0, 1), so the mean is `max_share / (shape + 1)` and a rare attack approaches `max_share`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LossShare {
    pub max_share: f64,
    pub shape: f64,
}

impl LossShare {
    pub fn mean(&self) -> f64 {
        self.max_share / (self.shape + 1.0)
    }
    fn draw(&self, rng: &mut ChaCha8Rng) -> f64 {
        self.max_share * rng.random::<f64>().powf(self.shape)
    }
}

/// How attacks happen and what they do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttackParams {
    /// λ is multiplied by this for an escorted convoy (escorts deter some attacks).
    pub escort_hazard_factor: f64,
    /// Chance of attack scales as (trucks / reference_size)^size_exponent: large convoys are seen.
    pub reference_size: f64,
    pub size_exponent: f64,
    pub loss_unescorted: LossShare,
    pub loss_escorted: LossShare,
    /// Chance that drivers are kidnapped in an attack, and the most taken at once.
    pub kidnap_chance: f64,
    pub kidnap_max: u32,
    /// Drivers killed per truck lost.
    pub killed_per_truck_lost: f64,
    /// What the surviving trucks do: turn back with this chance, wait with `wait_chance`,
    /// else push on.
    pub turn_back_chance: f64,
    pub wait_chance: f64,
    pub wait_days: f64,
}

/// An observed incident near a corridor's route: drivers hear of it and some stop driving,
/// whether or not the model's own convoys were hit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportedIncident {
    pub day: u32,
    pub corridor: crate::ids::CorridorId,
    /// 1 for an attack; more for an abduction of drivers.
    pub severity: f64,
}

/// Hazard and attack parameters for a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThreatInput {
    pub hazard: HazardTable,
    pub attacks: AttackParams,
    /// Sorted by day.
    pub reported: Vec<ReportedIncident>,
}

impl ThreatInput {
    /// No hazard anywhere: no attack can happen.
    pub fn none(segments: usize, days: u32, attacks: AttackParams) -> Self {
        ThreatInput {
            hazard: HazardTable::zero(segments, days as usize),
            attacks,
            reported: Vec::new(),
        }
    }
}

/// What the survivors of an attack do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Aftermath {
    PushOn,
    Wait,
    TurnBack,
}

impl Aftermath {
    pub fn as_str(self) -> &'static str {
        match self {
            Aftermath::PushOn => "push_on",
            Aftermath::Wait => "wait",
            Aftermath::TurnBack => "turn_back",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AttackOutcome {
    pub trucks_lost: u32,
    pub drivers_kidnapped: u32,
    pub drivers_killed: u32,
    pub aftermath: Aftermath,
}

impl AttackParams {
    /// Chance that a convoy of `trucks` is attacked while driving `km` at hazard `lambda`.
    pub fn attack_chance(&self, lambda: f64, km: f64, trucks: u32, escorted: bool) -> f64 {
        if trucks == 0 {
            return 0.0;
        }
        self.attack_chance_sized(lambda, km, self.size_factor(trucks), escorted)
    }

    /// How much more visible a convoy of `trucks` is than one of `reference_size`.
    pub fn size_factor(&self, trucks: u32) -> f64 {
        (f64::from(trucks) / self.reference_size).powf(self.size_exponent)
    }

    /// [`AttackParams::attack_chance`] with the size factor already known (the simulation keeps
    /// a table of them: `powf` per passage was a hot spot).
    pub fn attack_chance_sized(&self, lambda: f64, km: f64, size: f64, escorted: bool) -> f64 {
        chance_of_exposure(self.passage_exposure(lambda, km, size, escorted))
    }

    /// The attacks a passage expects (the exponent of [`AttackParams::attack_chance_sized`]).
    pub fn passage_exposure(&self, lambda: f64, km: f64, size: f64, escorted: bool) -> f64 {
        if lambda <= 0.0 || size <= 0.0 {
            return 0.0;
        }
        let escort = if escorted {
            self.escort_hazard_factor
        } else {
            1.0
        };
        lambda * km / 100.0 * escort * size
    }
}

/// A chance threshold read on exposures: `chance_of_exposure(x) < chance` decided by comparing
/// `x` with `−ln(1 − chance)`, except in a narrow band around it where the floating-point
/// chance is worked out after all (so the answer is always that of the chance itself).
#[derive(Clone, Copy, Debug)]
pub struct ExposureBelowChance {
    /// The chance threshold itself, for exposures inside the band.
    chance: f64,
    /// Exposures below this have a chance below the threshold.
    below: f64,
    /// Exposures above this have a chance at or above it.
    above: f64,
}

impl ExposureBelowChance {
    pub fn new(chance: f64) -> ExposureBelowChance {
        if chance.is_nan() || chance <= 0.0 || chance >= 0.5 {
            // Left undecided: every exposure is compared as a chance.
            return ExposureBelowChance {
                chance,
                below: f64::NEG_INFINITY,
                above: f64::INFINITY,
            };
        }
        let threshold = -(1.0 - chance).ln();
        // The band is far wider than the rounding of the threshold (a few 10⁻¹⁶) and of the
        // chance (the exponential's ulp), and far narrower than any exposure's meaning.
        let margin = 1e-9 * threshold + 1e-12;
        ExposureBelowChance {
            chance,
            below: threshold - margin,
            above: threshold + margin,
        }
    }

    /// `chance_of_exposure(exposure) < chance`, the exponential worked out only in the band.
    pub fn below(&self, exposure: f64) -> bool {
        self.decide(exposure)
            .unwrap_or_else(|| chance_of_exposure(exposure) < self.chance)
    }

    /// `Some(chance_of_exposure(exposure) < chance)` where the exposure alone decides it.
    pub fn decide(&self, exposure: f64) -> Option<bool> {
        if exposure < self.below {
            Some(true)
        } else if exposure > self.above {
            Some(false)
        } else {
            None
        }
    }
}

/// The chance of at least one attack on a passage that expects `exposure` attacks.
pub fn chance_of_exposure(exposure: f64) -> f64 {
    if exposure == 0.0 {
        return 0.0;
    }
    1.0 - (-exposure).exp()
}

/// Whether a passage that expects `exposure` attacks meets one: the draw `u < chance` with
/// `chance` = [`chance_of_exposure`], taken exactly as that comparison takes it (one uniform
/// when the chance is above zero, none otherwise), but without the exponential unless the draw
/// falls next to the chance. In floating point `1 − e^(−x)` never exceeds `x` by more than a
/// few units of 10⁻¹⁶ (the exponential is within one ulp and the subtraction is exact or
/// rounds once), so a draw at or above `x + 10⁻¹⁴` is above the chance, and an exposure above
/// 10⁻¹⁵ gives a chance above zero (its exponential is many ulps below one).
pub fn passage_attacked(exposure: f64, rng: &mut ChaCha8Rng) -> bool {
    const CERTAINLY_POSITIVE: f64 = 1e-15;
    if exposure.is_nan() || exposure <= CERTAINLY_POSITIVE {
        // Tiny, zero, negative or not a number: as the chance itself says.
        let chance = chance_of_exposure(exposure);
        return chance > 0.0 && rng.random::<f64>() < chance;
    }
    draw_below_chance(rng.random::<f64>(), exposure)
}

/// `u < chance_of_exposure(exposure)`, without the exponential when `u` is clear above it.
fn draw_below_chance(u: f64, exposure: f64) -> bool {
    const ROUNDING_MARGIN: f64 = 1e-14;
    if u >= exposure + ROUNDING_MARGIN {
        return false;
    }
    u < chance_of_exposure(exposure)
}

impl AttackParams {
    /// Expected trucks lost per passage: the quantity escorts must reduce.
    pub fn expected_loss(&self, lambda: f64, km: f64, trucks: u32, escorted: bool) -> f64 {
        let share = if escorted {
            self.loss_escorted.mean()
        } else {
            self.loss_unescorted.mean()
        };
        self.attack_chance(lambda, km, trucks, escorted) * share * f64::from(trucks)
    }

    /// Draws one attack's outcome on a convoy of `trucks`.
    pub fn draw_outcome(&self, trucks: u32, escorted: bool, rng: &mut ChaCha8Rng) -> AttackOutcome {
        let share = if escorted {
            self.loss_escorted.draw(rng)
        } else {
            self.loss_unescorted.draw(rng)
        };
        // Stochastic rounding keeps the expected loss exact for small convoys.
        let expected = share * f64::from(trucks);
        let mut lost = expected.floor() as u32;
        if rng.random::<f64>() < expected - expected.floor() {
            lost += 1;
        }
        let lost = lost.min(trucks);
        let kidnapped = if rng.random_bool(self.kidnap_chance.clamp(0.0, 1.0)) {
            rng.random_range(1..=self.kidnap_max.max(1))
        } else {
            0
        };
        let killed_expected = self.killed_per_truck_lost * f64::from(lost);
        let mut killed = killed_expected.floor() as u32;
        if rng.random::<f64>() < killed_expected - killed_expected.floor() {
            killed += 1;
        }
        let u = rng.random::<f64>();
        let aftermath = if u < self.turn_back_chance {
            Aftermath::TurnBack
        } else if u < self.turn_back_chance + self.wait_chance {
            Aftermath::Wait
        } else {
            Aftermath::PushOn
        };
        AttackOutcome {
            trucks_lost: lost,
            drivers_kidnapped: kidnapped,
            drivers_killed: killed,
            aftermath,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// Exposures from nothing to certain, densest where rounding bites: the tiny ones whose
    /// chance rounds to zero or to one ulp, and those next to a draw.
    fn exposures() -> Vec<f64> {
        let mut xs = vec![
            0.0, -0.0, 1e-300, 1e-17, 5e-17, 5.55e-17, 5.6e-17, 1e-16, 1.2e-16,
        ];
        xs.extend([
            2.3e-16,
            1e-15,
            1.0000001e-15,
            1e-14,
            1e-9,
            1e-3,
            0.01,
            0.5,
            0.69,
            0.7,
        ]);
        xs.extend([1.0, 5.0, 40.0, 800.0, f64::INFINITY, f64::NAN, -1e-3]);
        let mut r = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..2000 {
            // Log-uniform over 10⁻¹⁸ … 10.
            xs.push(10f64.powf(r.random::<f64>() * 19.0 - 18.0));
        }
        xs
    }

    #[test]
    fn passage_attacked_draws_and_decides_as_the_chance_does() {
        let mut fast = ChaCha8Rng::seed_from_u64(11);
        let mut exact = fast.clone();
        let mut attacked = 0;
        for _ in 0..50 {
            for &x in &exposures() {
                let chance = chance_of_exposure(x);
                let expected = chance > 0.0 && exact.random::<f64>() < chance;
                assert_eq!(passage_attacked(x, &mut fast), expected, "exposure {x:e}");
                attacked += usize::from(expected);
                // The streams stay in step: one draw where the chance is above zero, none else.
                assert_eq!(fast.get_word_pos(), exact.get_word_pos(), "exposure {x:e}");
            }
        }
        assert!(attacked > 100, "the sweep meets attacks ({attacked})");
    }

    #[test]
    fn passage_attacked_decides_draws_right_at_the_chance() {
        // A draw equal to the chance, a few ulps either side, or at the shortcut's edge, is
        // read as `u < chance`.
        let mut tried = 0;
        for &x in &exposures() {
            let chance = chance_of_exposure(x);
            if !(x > 1e-15 && chance < 1.0) {
                continue;
            }
            let mut draws = vec![x + 1e-14, (x + 1e-14).next_down(), x, x.next_down()];
            let (mut below, mut above) = (chance, chance);
            for _ in 0..4 {
                draws.extend([below, above]);
                below = below.next_down();
                above = above.next_up();
            }
            for u in draws.into_iter().filter(|u| (0.0..1.0).contains(u)) {
                assert_eq!(
                    draw_below_chance(u, x),
                    u < chance,
                    "exposure {x:e}, draw {u:e}"
                );
                tried += 1;
            }
        }
        assert!(tried > 10_000, "the sweep tries draws ({tried})");
    }

    #[test]
    fn an_exposure_threshold_answers_as_the_chance_threshold() {
        let mut r = ChaCha8Rng::seed_from_u64(5);
        let mut chances = vec![
            0.0, 1e-300, 1e-12, 1e-6, 0.01, 0.05, 0.3, 0.4999, 0.5, 0.9, 1.0,
        ];
        chances.extend((0..200).map(|_| r.random::<f64>() * 0.5));
        let mut decided = 0;
        for &c in &chances {
            let rule = ExposureBelowChance::new(c);
            let t = -(1.0 - c).ln();
            let mut xs = exposures();
            // Around the threshold, ulp by ulp and by small relative steps.
            let mut near = t;
            for _ in 0..50 {
                xs.push(near);
                near = near.next_up();
            }
            near = t;
            for _ in 0..50 {
                xs.push(near);
                near = near.next_down();
            }
            for k in -40..=40 {
                xs.push(t * (1.0 + f64::from(k) * 1e-10));
                xs.push(t + f64::from(k) * 1e-13);
            }
            for &x in &xs {
                let exact = chance_of_exposure(x) < c;
                assert_eq!(rule.below(x), exact, "chance {c:e}, exposure {x:e}");
                if let Some(below) = rule.decide(x) {
                    decided += 1;
                    assert_eq!(
                        below,
                        chance_of_exposure(x) < c,
                        "chance {c:e}, exposure {x:e}"
                    );
                }
            }
        }
        assert!(
            decided > 100_000,
            "the rule decides most exposures ({decided})"
        );
    }

    fn table_of(values: &[(u32, u32, f64)]) -> HazardTable {
        let mut t = HazardTable::zero(3, 4);
        for &(segment, day, v) in values {
            t.add(SegmentId::from_index(segment as usize), day, v);
        }
        t
    }

    fn all_values(t: &HazardTable) -> Vec<f64> {
        (0..4)
            .flat_map(|d| (0..3).map(move |s| t.get(SegmentId::from_index(s), d)))
            .collect()
    }

    /// A shared copy scaled reads what the table scaled in place reads, value by value and in
    /// its rows; it serialises and compares as such; and it knows the table it reads.
    #[test]
    fn a_scaled_copy_reads_what_scaling_in_place_gives() {
        let base = table_of(&[(0, 0, 0.3), (1, 2, 0.07), (2, 3, 1.1)]);
        for factor in [0.0, 0.1, 1.0, 2.7, 3.0] {
            let mut in_place = table_of(&[(0, 0, 0.3), (1, 2, 0.07), (2, 3, 1.1)]);
            in_place.scale(factor);
            assert_eq!(
                in_place.factor(),
                1.0,
                "a table of its own scales its values"
            );
            let mut copy = base.clone();
            copy.scale(factor);
            assert_eq!(copy.factor_over(&base), Some(factor));
            assert_eq!(in_place.factor_over(&base), None);
            assert_eq!(all_values(&copy), all_values(&in_place), "factor {factor}");
            for day in 0..5 {
                for s in 0..4 {
                    let (a, b) = (copy.day_row(day).get(s), in_place.day_row(day).get(s));
                    assert_eq!(a.to_bits(), b.to_bits(), "day {day} segment {s}");
                }
            }
            assert_eq!(copy, in_place);
            assert_eq!(
                serde_json::to_string(&copy).expect("json"),
                serde_json::to_string(&in_place).expect("json")
            );
        }
    }

    /// Scaling twice multiplies twice, as in place; adding to a scaled copy applies its factor
    /// first and leaves the table it was copied from alone.
    #[test]
    fn a_scaled_copy_scales_again_and_adds_as_a_table_of_its_own() {
        let base = table_of(&[(0, 0, 0.3), (1, 2, 0.07)]);
        let mut copy = base.clone();
        copy.scale(3.0);
        copy.scale(0.7);
        let mut in_place = table_of(&[(0, 0, 0.3), (1, 2, 0.07)]);
        in_place.scale(3.0);
        in_place.scale(0.7);
        assert_eq!(all_values(&copy), all_values(&in_place));
        let mut added = base.clone();
        added.scale(2.0);
        added.add(SegmentId::from_index(2), 1, 0.5);
        assert_eq!(added.get(SegmentId::from_index(0), 0), 0.6);
        assert_eq!(added.get(SegmentId::from_index(2), 1), 0.5);
        assert_eq!(added.factor_over(&base), None);
        assert_eq!(base.get(SegmentId::from_index(2), 1), 0.0);
        assert_eq!(base.get(SegmentId::from_index(0), 0), 0.3);
        assert!(!added.is_zero());
        let mut nothing = base.clone();
        nothing.scale(0.0);
        assert!(nothing.is_zero());
    }

    pub(crate) fn params() -> AttackParams {
        AttackParams {
            escort_hazard_factor: 0.6,
            reference_size: 20.0,
            size_exponent: 0.3,
            loss_unescorted: LossShare {
                max_share: 0.9,
                shape: 1.0,
            },
            loss_escorted: LossShare {
                max_share: 0.6,
                shape: 2.0,
            },
            kidnap_chance: 0.2,
            kidnap_max: 6,
            killed_per_truck_lost: 0.1,
            turn_back_chance: 0.2,
            wait_chance: 0.3,
            wait_days: 2.0,
        }
    }

    #[test]
    fn escort_reduces_expected_loss_per_passage() {
        let p = params();
        for lambda in [0.01, 0.1, 0.5, 2.0] {
            for trucks in [1, 10, 80, 300] {
                let open = p.expected_loss(lambda, 150.0, trucks, false);
                let escorted = p.expected_loss(lambda, 150.0, trucks, true);
                assert!(
                    escorted < open,
                    "λ={lambda} n={trucks}: {escorted} !< {open}"
                );
            }
        }
    }

    #[test]
    fn attack_chance_grows_with_hazard_and_length() {
        let p = params();
        assert_eq!(p.attack_chance(0.0, 100.0, 10, false), 0.0);
        assert!(p.attack_chance(0.2, 100.0, 10, false) < p.attack_chance(0.4, 100.0, 10, false));
        assert!(p.attack_chance(0.2, 100.0, 10, false) < p.attack_chance(0.2, 200.0, 10, false));
    }

    #[test]
    fn drawn_losses_match_their_mean_and_stay_in_range() {
        let p = params();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let n = 20_000;
        let total: u64 = (0..n)
            .map(|_| {
                let o = p.draw_outcome(100, false, &mut rng);
                assert!(o.trucks_lost <= 100);
                u64::from(o.trucks_lost)
            })
            .sum();
        let mean_share = total as f64 / (n as f64 * 100.0);
        assert!(
            (mean_share - p.loss_unescorted.mean()).abs() < 0.01,
            "{mean_share}"
        );
    }

    #[test]
    fn segment_distance_is_zero_on_the_line_and_grows_off_it() {
        let a = (12.0, -8.0);
        let b = (12.0, -7.0);
        assert!(distance_to_segment_km((12.0, -7.5), a, b) < 1e-6);
        let off = distance_to_segment_km((12.5, -7.5), a, b);
        assert!((off - 55.6).abs() < 1.0, "{off}");
        let beyond = distance_to_segment_km((12.0, -6.0), a, b);
        assert!((beyond - haversine_km((12.0, -7.0), (12.0, -6.0))).abs() < 1.0);
    }
}
