//! Counting by place: the engine's daily rules applied to how many agents are at each
//! location and how far along each link they are, instead of to each agent in turn.
//!
//! Where no location's capacity can come near its buffer, the agents at a location today are
//! interchangeable: under the single-link rules (no routes, no walking, no short-stint memory,
//! no flood awareness) an agent's state is only its place and its progress on a link, and the
//! order in which agents decide matters only through the capacity multiplier, which then stays
//! at one. So the day's decisions at a location are one binomial draw of the leavers (each leaves
//! with its move chance, independently) and one multinomial draw of the links they take (each
//! picks a link with probability proportional to its weight, independently). Travel is
//! deterministic: agents who set out on a link on the same day stay together as a cohort, and
//! an arriving cohort decides again with the distance it has left, as each of its agents
//! would. The counts have the distribution of the agent-by-agent engine's (the draws differ:
//! the random streams are not comparable run by run). The cost of a day no longer grows with
//! the number of agents, only with the places and cohorts that hold some.
//!
//! [`Ecosystem::count_by_place`] checks the conditions and refuses where they do not hold.

use rand::{Rng, RngExt};
use rand_distr::{Binomial, Distribution};

use super::{Agents, Ecosystem, LinkId, ON_LINK};

/// Agents on a link who have travelled the same distance along it (they set out together).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Cohort {
    progress: f64,
    agents: u64,
}

/// Agents as counts: at locations in each location's `num_agents`, on links in cohorts.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct CountedAgents {
    /// Every agent, wherever it is.
    pub(super) total: u64,
    /// Whether the conditions were checked since the last change a caller could make to them
    /// (a location, a link, choice tables); set false by those changes.
    pub(super) checked: bool,
    /// The smallest capacity buffer when they were last checked (∞: no capacity limits). A
    /// capacity only grows, so while the agents stay within it the check holds.
    least_buffer: f64,
    /// Per link: its cohorts, furthest along first.
    on_link: Vec<Vec<Cohort>>,
    /// Reused each day: cohorts that reached a link's end, still to settle: the link, the
    /// agents and the km they covered today.
    arriving: Vec<(u32, u64, f64)>,
    /// Reused: how leavers split over a location's links, and a tally per link.
    split: Vec<(LinkId, u64)>,
    tally: Vec<u64>,
    /// Per location: its link weights' summary for the day they were worked out.
    choice: Vec<DayChoice>,
    /// Per link: its weight on the day its origin's `choice` was worked out.
    link_weight: Vec<f64>,
}

impl CountedAgents {
    /// Adds agents to a link at `progress`, which is no further along than any cohort there
    /// (cohorts with the same progress merge).
    fn join(&mut self, link: usize, progress: f64, agents: u64) {
        if self.on_link.len() <= link {
            self.on_link.resize_with(link + 1, Vec::new);
        }
        let cohorts = &mut self.on_link[link];
        match cohorts.last_mut() {
            Some(last) if last.progress.to_bits() == progress.to_bits() => last.agents += agents,
            _ => cohorts.push(Cohort { progress, agents }),
        }
    }
}

/// What a location's links weigh today, summed (see [`Ecosystem::day_choice`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct DayChoice {
    /// The engine's time plus one on the day they were worked out (0: never).
    stamp: i64,
    /// The sum of the weights above zero.
    total: f64,
    /// Links whose weight is a number.
    drawable: u32,
    /// The last link (in the location's order) whose weight is above zero.
    last_positive: Option<usize>,
}

/// Why an engine cannot count by place: a rule that makes agents differ, or a capacity that
/// the agents could come near.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CountingRefused {
    #[error("counting by place needs single-link moves without {0}")]
    Rule(&'static str),
    #[error(
        "counting by place needs every capacity to stay below its buffer: {location} holds up to \
         {capacity} agents with a buffer of {buffer}, and up to {most_agents} agents may appear"
    )]
    Capacity {
        location: String,
        capacity: f64,
        buffer: f64,
        most_agents: u64,
    },
    #[error(
        "counting by place needs a capacity that is either unlimited or set from the start: \
         {location} has none yet and gains {per_day} a day"
    )]
    GrowingCapacity { location: String, per_day: i64 },
    #[error(
        "counting by place was given at most {most_agents} agents, but {present} are already \
         in the world"
    )]
    Bound { most_agents: u64, present: u64 },
    #[error("counting by place weighs links at each choice: turn choice tables off first")]
    ChoiceTables,
}

/// The chance that `k < threshold` for a uniform 53-bit integer `k`: exactly the chance with
/// which the agent-by-agent engine's draw leaves.
fn leave_probability(threshold: u64) -> f64 {
    const SCALE: u64 = 1 << 53;
    if threshold >= SCALE {
        1.0
    } else {
        // Exact: an integer below 2⁵³ divided by a power of two.
        threshold as f64 / SCALE as f64
    }
}

/// Up to this many trials, a binomial draw is the trials themselves: a few instructions each,
/// where the general method first works out a power. Most places hold a few groups.
const TRIAL_BY_TRIAL: u64 = 16;

/// How many of `n` independent trials with chance `p` succeed.
fn binomial<R: Rng + ?Sized>(n: u64, p: f64, rng: &mut R) -> u64 {
    if n == 0 || p.is_nan() || p <= 0.0 {
        0
    } else if p >= 1.0 {
        n
    } else if n <= TRIAL_BY_TRIAL {
        (0..n).map(|_| u64::from(rng.random::<f64>() < p)).sum()
    } else {
        // `new` refuses only a chance outside [0, 1], excluded above.
        Binomial::new(n, p).map_or(0, |b| b.sample(rng))
    }
}

impl Ecosystem {
    /// From now on, keeps agents as counts by place (see the module's description): a day then
    /// costs the same however many agents there are. `most_agents` bounds the agents that can
    /// ever be in the world (those there now included); no capacity-limited location may be
    /// able to fill its buffer with them, or the order of agents would matter. Refuses, and
    /// changes nothing, where the rules make agents differ. Agents already in the world are
    /// kept where they are. Counting is for the rules checked here: a caller does not add
    /// markers, flood rules or walking afterwards.
    pub fn count_by_place(&mut self, most_agents: u64) -> Result<(), CountingRefused> {
        let least_buffer = self.countable(most_agents)?;
        if let Some(counted) = &mut self.counted {
            counted.checked = true;
            counted.least_buffer = least_buffer;
            return Ok(());
        }
        let mut counted = CountedAgents {
            total: self.agents.place.len() as u64,
            checked: true,
            least_buffer,
            ..CountedAgents::default()
        };
        // Agents on links, furthest along first in each link's cohorts.
        let mut on_links: Vec<(u32, f64)> = self
            .agents
            .place
            .iter()
            .zip(&self.agents.progress)
            .filter(|(place, _)| **place & ON_LINK != 0)
            .map(|(&place, &progress)| (place & !ON_LINK, progress))
            .collect();
        on_links.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        for (link, progress) in on_links {
            counted.join(link as usize, progress, 1);
        }
        self.agents = Agents::default();
        self.on_links.clear();
        self.entered.clear();
        self.counted = Some(counted);
        Ok(())
    }

    /// Whether agents are kept as counts by place (see [`Self::count_by_place`]).
    pub fn counts_by_place(&self) -> bool {
        self.counted.is_some()
    }

    /// Whether [`Self::count_by_place`] would accept `most_agents` (and why not).
    pub fn check_count_by_place(&self, most_agents: u64) -> Result<(), CountingRefused> {
        self.countable(most_agents).map(|_| ())
    }

    /// [`Self::check_count_by_place`], with the smallest capacity buffer when accepted.
    fn countable(&self, most_agents: u64) -> Result<f64, CountingRefused> {
        let present = self.num_agents() as u64;
        if most_agents < present {
            return Err(CountingRefused::Bound {
                most_agents,
                present,
            });
        }
        if self.choice_tables {
            // The tables draw as the weighed choice does, except where a weight is not a
            // number; counting follows the weighed choice.
            return Err(CountingRefused::ChoiceTables);
        }
        let rules = &self.rules;
        let refused = if rules.avoid_short_stints {
            Some("avoid_short_stints")
        } else if rules.start_on_foot {
            Some("start_on_foot")
        } else if rules.flood.is_some() {
            Some("flood rules")
        } else if self.uses_routes() {
            Some("routes (awareness level above 1, or markers)")
        } else if rules.pruning_threshold >= 1.001 {
            Some("route pruning")
        } else if self.links.iter().any(|l| l.walk_probability != 0.0) {
            Some("walking on links")
        } else if rules.capacity_scaling < 0.0 || rules.capacity_scaling.is_nan() {
            // A capacity then shrinks as it grows: the smallest buffer would not hold.
            Some("a negative capacity scaling")
        } else {
            None
        };
        if let Some(rule) = refused {
            return Err(CountingRefused::Rule(rule));
        }
        let mut least_buffer = f64::INFINITY;
        for location in &self.locations {
            let capacity = location.capacity as f64 * rules.capacity_scaling;
            // Below one agent the capacity multiplier is always 1 (no limit); a capacity that is
            // not a number limits in ways counting cannot follow, and is refused below.
            if capacity < 1.0 {
                if location.capacity_per_day > 0 {
                    return Err(CountingRefused::GrowingCapacity {
                        location: location.name.clone(),
                        per_day: location.capacity_per_day,
                    });
                }
                continue;
            }
            let buffer = rules.capacity_buffer * capacity;
            let fits = (most_agents as f64) <= buffer;
            if location.capacity_per_day < 0 || !fits {
                return Err(CountingRefused::Capacity {
                    location: location.name.clone(),
                    capacity,
                    buffer,
                    most_agents,
                });
            }
            least_buffer = least_buffer.min(buffer);
        }
        Ok(least_buffer)
    }

    /// [`Self::step`] while counting by place: the day's decisions at every location, then
    /// every cohort's travel (arrivals decide again at once, with the day's distance left).
    pub(super) fn step_counted<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        if !self.still_countable() {
            // A caller changed what counting relies on (a capacity, a rule) after it started:
            // from today the agents move one by one again.
            self.stop_counting();
            self.step(rng);
            return;
        }
        self.prepare_kept_step(rng);
        if let Some(mut counted) = self.counted.take() {
            if counted.total > 0 {
                self.decide_counted(&mut counted, rng);
                self.travel_counted(&mut counted, rng);
            }
            self.counted = Some(counted);
        }
        self.time += 1;
    }

    /// Whether counting still holds today, for the agents now in the world (none are added
    /// during a step): checked again in full only after a change that could matter.
    fn still_countable(&mut self) -> bool {
        let total = self.num_agents() as u64;
        let Some(counted) = &self.counted else {
            return false;
        };
        if counted.checked && (total as f64) <= counted.least_buffer {
            return true;
        }
        match self.countable(total) {
            Ok(least_buffer) => {
                if let Some(counted) = &mut self.counted {
                    counted.checked = true;
                    counted.least_buffer = least_buffer;
                }
                true
            }
            // More agents than the engine can keep one by one (memory): counting carries on,
            // exact only while its conditions hold.
            Err(_) => total > super::MAX_AGENTS,
        }
    }

    /// Keeps agents one by one again, where the counts and cohorts put them: those at each
    /// location in location order, then those on each link, furthest along first.
    fn stop_counting(&mut self) {
        let Some(counted) = self.counted.take() else {
            return;
        };
        let mut agents = Agents::default();
        for (index, location) in self.locations.iter().enumerate() {
            let here = location.num_agents.max(0) as usize;
            agents.place.extend(std::iter::repeat_n(index as u32, here));
        }
        let first_on_links = agents.place.len();
        agents.progress = vec![0.0; first_on_links];
        for (link, cohorts) in counted.on_link.iter().enumerate() {
            for cohort in cohorts {
                let n = cohort.agents as usize;
                let place = link as u32 | ON_LINK;
                agents.place.extend(std::iter::repeat_n(place, n));
                agents
                    .progress
                    .extend(std::iter::repeat_n(cohort.progress, n));
            }
        }
        self.on_links = (first_on_links as u32..agents.place.len() as u32).collect();
        self.entered.clear();
        self.agents = agents;
    }

    /// [`Self::check_conservation`] while counting: each link's cohorts add up to its count, and
    /// the agents at locations and on links to every agent.
    pub(super) fn check_counted_conservation(
        &self,
        counted: &CountedAgents,
    ) -> crate::error::Result<()> {
        let mut on_links = 0u64;
        for (index, link) in self.links.iter().enumerate() {
            let cohorts: u64 = counted
                .on_link
                .get(index)
                .map_or(0, |c| c.iter().map(|c| c.agents).sum());
            if link.num_agents != cohorts as i64 {
                return Err(crate::error::FleeError::Api(format!(
                    "link {index} counts {} agents but {cohorts} are on it",
                    link.num_agents
                )));
            }
            on_links += cohorts;
        }
        let mut at_locations = 0u64;
        for location in &self.locations {
            if location.num_agents < 0 {
                return Err(crate::error::FleeError::Api(format!(
                    "{} counts {} agents",
                    location.name, location.num_agents
                )));
            }
            at_locations += location.num_agents as u64;
        }
        if at_locations + on_links != counted.total {
            return Err(crate::error::FleeError::Api(format!(
                "{at_locations} agents at locations and {on_links} on links, but {} in all",
                counted.total
            )));
        }
        Ok(())
    }

    /// Each location's leavers step onto its links (no progress yet).
    fn decide_counted<R: Rng + ?Sized>(&mut self, counted: &mut CountedAgents, rng: &mut R) {
        for location in 0..self.locations.len() {
            let here = self.locations[location].num_agents.max(0) as u64;
            if here == 0 {
                continue;
            }
            self.draw_leavers(location, here, counted, rng);
            for i in 0..counted.split.len() {
                let (link, agents) = counted.split[i];
                self.move_onto(location, link, agents);
                counted.join(link.index(), 0.0, agents);
            }
        }
    }

    /// Which of `agents` at `location` leave today, and by which links: `(link, agents)` into
    /// `counted.split` (empty when nobody leaves).
    fn draw_leavers<R: Rng + ?Sized>(
        &self,
        location: usize,
        agents: u64,
        counted: &mut CountedAgents,
        rng: &mut R,
    ) {
        let leavers = binomial(
            agents,
            leave_probability(self.move_threshold[location]),
            rng,
        );
        if leavers == 0 {
            counted.split.clear();
            return;
        }
        self.split_over_links(location, leavers, counted, rng);
    }

    /// Moves `agents` from `location` onto the start of `link`.
    fn move_onto(&mut self, location: usize, link: LinkId, agents: u64) {
        self.locations[location].num_agents -= agents as i64;
        self.links[link.index()].num_agents += agents as i64;
    }

    /// Each cohort travels a day; those that reach the end arrive (or, on a closed link, go
    /// back) and decide again with what is left of the day.
    fn travel_counted<R: Rng + ?Sized>(&mut self, counted: &mut CountedAgents, rng: &mut R) {
        let default_speed = self.rules.max_move_speed;
        let mut arriving = std::mem::take(&mut counted.arriving);
        for (link_index, cohorts) in counted.on_link.iter_mut().enumerate() {
            if cohorts.is_empty() {
                continue;
            }
            let link = &self.links[link_index];
            let speed = link.max_move_speed.unwrap_or(default_speed);
            for cohort in cohorts.iter_mut() {
                cohort.progress += speed;
            }
            // Furthest along first: those past the end are a prefix.
            let arrived = cohorts
                .iter()
                // Past the end, or not comparable with it, as the agent engine reads it.
                .take_while(|c| {
                    !matches!(
                        c.progress.partial_cmp(&link.distance),
                        Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
                    )
                })
                .count();
            for cohort in cohorts.drain(..arrived) {
                // As an agent counts it: a day's distance, less what lies beyond the end.
                let moved = speed + (link.distance - cohort.progress);
                arriving.push((link_index as u32, cohort.agents, moved));
            }
        }
        while let Some((link_index, agents, moved)) = arriving.pop() {
            self.settle_arrival(
                counted,
                &mut arriving,
                link_index as usize,
                agents,
                moved,
                rng,
            );
        }
        counted.arriving = arriving;
    }

    /// `agents` reached the end of a link having covered `moved` km today: they arrive and,
    /// with part of the day left, decide again; those who leave travel the rest of the day on
    /// their next link (and may arrive again, pushed onto `arriving`).
    fn settle_arrival<R: Rng + ?Sized>(
        &mut self,
        counted: &mut CountedAgents,
        arriving: &mut Vec<(u32, u64, f64)>,
        link_index: usize,
        agents: u64,
        moved: f64,
        rng: &mut R,
    ) {
        let link = &self.links[link_index];
        let speed = link.max_move_speed.unwrap_or(self.rules.max_move_speed);
        let (from, to, closed) = (link.from.index(), link.to.index(), link.closed);
        self.links[link_index].num_agents -= agents as i64;
        if closed {
            // Back to the start of a link closed behind them; no arrival, no decision.
            self.locations[from].num_agents += agents as i64;
            return;
        }
        let destination = &mut self.locations[to];
        destination.num_agents += agents as i64;
        destination.arrivals_last_step += agents;
        destination.arrivals_total += agents;
        if moved >= speed {
            return;
        }
        self.draw_leavers(to, agents, counted, rng);
        for i in 0..counted.split.len() {
            let (next, movers) = counted.split[i];
            self.move_onto(to, next, movers);
            let next_link = &self.links[next.index()];
            let next_speed = next_link
                .max_move_speed
                .unwrap_or(self.rules.max_move_speed);
            // As an agent counts it: a fresh link, a day's distance on it.
            let progress = 0.0 + next_speed;
            let moved_now = moved + next_speed;
            if progress <= next_link.distance {
                counted.join(next.index(), progress, movers);
            } else {
                let moved_after = moved_now + (next_link.distance - progress);
                arriving.push((next.0, movers, moved_after));
            }
        }
    }

    /// A location's link weights for today in `counted.link_weight`, worked out at its first
    /// choice of the day: they read the day's scores and the capacity multipliers, and while
    /// counting by place no capacity multiplier moves from 1 (see [`Self::count_by_place`]).
    fn day_choice(&self, location: usize, counted: &mut CountedAgents) -> DayChoice {
        if counted.choice.len() < self.locations.len() {
            counted
                .choice
                .resize(self.locations.len(), DayChoice::default());
        }
        if counted.link_weight.len() < self.links.len() {
            counted.link_weight.resize(self.links.len(), 0.0);
        }
        let stamp = self.time + 1;
        if counted.choice[location].stamp == stamp {
            return counted.choice[location];
        }
        let mut choice = DayChoice {
            stamp,
            ..DayChoice::default()
        };
        for (i, &link) in self.locations[location].links.iter().enumerate() {
            // As [`Self::choose_link_weighed`] weighs a link.
            let w = self.weighed_link(link);
            counted.link_weight[link.index()] = w;
            // Weights are never negative; a NaN cannot be drawn.
            if w.is_nan() {
                continue;
            }
            choice.drawable += 1;
            if w > 0.0 {
                choice.total += w;
                choice.last_positive = Some(i);
            }
        }
        counted.choice[location] = choice;
        choice
    }

    /// Splits `leavers` at `location` over its links as that many independent choices would
    /// (`(link, agents)` for each link taken, into `counted.split`): with probability
    /// proportional to each link's weight, or equally when every weight is zero; a weight that
    /// is not a number is never taken. Leavers who choose a camp that is nearly full stay.
    /// A few leavers choose one by one (a draw and a scan each); more, link by link (a
    /// binomial draw per link).
    fn split_over_links<R: Rng + ?Sized>(
        &self,
        location: usize,
        leavers: u64,
        counted: &mut CountedAgents,
        rng: &mut R,
    ) {
        counted.split.clear();
        let choice = self.day_choice(location, counted);
        if choice.drawable == 0 {
            return;
        }
        let CountedAgents {
            split,
            link_weight,
            tally,
            ..
        } = counted;
        let links = &self.locations[location].links;
        // Which links can be drawn, and with what weight (1 each when all weigh nothing).
        let weight = |link: LinkId| {
            let w = link_weight[link.index()];
            match choice.last_positive {
                Some(_) if w > 0.0 => Some(w),
                Some(_) => None,
                None if w.is_nan() => None,
                None => Some(1.0),
            }
        };
        let total = match choice.last_positive {
            Some(_) => choice.total,
            None => f64::from(choice.drawable),
        };
        if leavers <= TRIAL_BY_TRIAL {
            tally.clear();
            tally.resize(links.len(), 0);
            for _ in 0..leavers {
                let target = rng.random::<f64>() * total;
                let mut cumulative = 0.0;
                let mut chosen = None;
                for (i, &link) in links.iter().enumerate() {
                    if let Some(w) = weight(link) {
                        cumulative += w;
                        chosen = Some(i);
                        if cumulative > target {
                            break;
                        }
                    }
                }
                if let Some(i) = chosen {
                    tally[i] += 1;
                }
            }
            for (&link, &agents) in links.iter().zip(tally.iter()) {
                self.take_link(link, agents, split);
            }
            return;
        }
        let mut left = leavers;
        let mut rest = total;
        let mut remaining = links.iter().filter(|&&l| weight(l).is_some()).count();
        for &link in links {
            let Some(w) = weight(link) else {
                continue;
            };
            remaining -= 1;
            let taken = if remaining == 0 {
                left
            } else {
                binomial(left, (w / rest).min(1.0), rng)
            };
            rest -= w;
            left -= taken;
            self.take_link(link, taken, split);
            if left == 0 {
                break;
            }
        }
    }

    /// Records that `agents` chose `link`, unless none did or it leads to a nearly full camp
    /// (Flee drops such a choice: they stay).
    fn take_link(&self, link: LinkId, agents: u64, split: &mut Vec<(LinkId, u64)>) {
        if agents == 0 {
            return;
        }
        let destination = self.links[link.index()].to.index();
        if self.locations[destination].camp && self.capacity_multiplier(destination) < 0.5 {
            return;
        }
        split.push((link, agents));
    }
}
