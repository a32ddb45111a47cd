//! Client-side pacing shared by all clones of a client: a requests-per-second limiter, a "not
//! before" instant that a server's refusal (429, 503) sets for every request, and an adaptive
//! width: how many requests may be in flight at once.
//!
//! The width follows AIMD, as TCP's congestion window does: a refusal halves it (once per
//! refusal episode: the requests already in flight when it was halved do not halve it again),
//! and every `width` successes widen it by one, back up to the user's cap, or, without one,
//! until it is as wide as callers ever asked for and so no limit at all. `prefetch(8)` against
//! a server allowing 2 calls per second thus narrows to one lane and waits out each pause
//! instead of spending its retries on requests that would be refused.
//!
//! A rate-limit refusal (429) also teaches the pacer a rate: the successes since the stretch of
//! activity began (or the previous pause ended), spread over the time until the new pause ends,
//! with a 10% margin. Requests are then spaced by that interval, so a fixed-window limit is met
//! with few further refusals instead of one per window; each success shortens the interval by
//! 0.5%, so the pacer probes back up when the limit is lifted. Random 503s teach nothing: they
//! are not a rate.
//!
//! Lanes are the permits of a tokio semaphore (first come, first served, and cancel-safe);
//! narrowing forgets idle permits at once and the rest as they come back. The limiter and the
//! width are a few lines of arithmetic over that rather than a crate: the `Retry-After` gate,
//! the rate and the width must share one state.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Permits of a client without a concurrency cap: as good as unlimited.
const UNCAPPED: usize = Semaphore::MAX_PERMITS;

#[derive(Debug)]
pub(crate) struct Pacer {
    interval: Option<Duration>,
    cap: usize,
    lanes: Arc<Semaphore>,
    state: Arc<Mutex<PacerState>>,
}

#[derive(Debug)]
struct PacerState {
    next_slot: Option<Instant>,
    not_before: Option<Instant>,
    /// Permits in circulation (idle in the semaphore or held by a request).
    total: usize,
    /// Permits to forget as they come back, instead of returning them.
    debt: usize,
    in_flight: usize,
    /// The most requests ever in flight at once: how wide callers want to go.
    peak: usize,
    /// Successes counted towards the next widening.
    credit: usize,
    /// Bumped by every narrowing; a refusal of a request sent before it does not narrow again.
    episode: u64,
    /// Start of the current stretch of activity, and the successes since.
    since: Option<Instant>,
    granted: u64,
    /// When the last request in flight ended.
    idle_from: Option<Instant>,
    /// The spacing learnt from rate-limit refusals.
    learned: Option<Duration>,
}

impl PacerState {
    fn width(&self) -> usize {
        self.total - self.debt
    }
}

/// One request's place in a lane; dropping it frees the lane.
#[derive(Debug)]
pub(crate) struct Lane {
    permit: Option<OwnedSemaphorePermit>,
    state: Arc<Mutex<PacerState>>,
    episode: u64,
}

impl Drop for Lane {
    fn drop(&mut self) {
        let mut st = lock(&self.state);
        st.in_flight -= 1;
        if st.in_flight == 0 {
            st.idle_from = Some(Instant::now());
        }
        if st.debt > 0
            && let Some(p) = self.permit.take()
        {
            p.forget();
            st.debt -= 1;
            st.total -= 1;
        }
    }
}

/// The state is only ever held for a few arithmetic steps and never across an await; a panic
/// while holding it cannot leave it half-updated in a way that matters more than a lost count.
fn lock(state: &Mutex<PacerState>) -> MutexGuard<'_, PacerState> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Pacer {
    pub(crate) fn new(rps: Option<f64>, concurrency: Option<usize>) -> Self {
        let interval = rps
            .filter(|r| *r > 0.0 && r.is_finite())
            .map(|r| Duration::from_secs_f64(1.0 / r));
        let cap = concurrency.map_or(UNCAPPED, |n| n.clamp(1, UNCAPPED));
        Pacer {
            interval,
            cap,
            lanes: Arc::new(Semaphore::new(cap)),
            state: Arc::new(Mutex::new(PacerState {
                next_slot: None,
                not_before: None,
                total: cap,
                debt: 0,
                in_flight: 0,
                peak: 0,
                credit: 0,
                episode: 0,
                since: None,
                granted: 0,
                idle_from: None,
                learned: None,
            })),
        }
    }

    /// Waits for a lane, then for the shared pause and the rate's next slot.
    pub(crate) async fn acquire(&self) -> Lane {
        // The semaphore is never closed, so acquiring cannot fail.
        let permit = self.lanes.clone().acquire_owned().await.ok();
        let episode = {
            let mut st = lock(&self.state);
            let now = Instant::now();
            // After a quiet second, a new stretch: what is learnt should not average over it.
            let quiet = st.in_flight == 0
                && st
                    .idle_from
                    .is_some_and(|t| now.saturating_duration_since(t) > Duration::from_secs(1))
                && st.not_before.is_none_or(|nb| nb <= now);
            if st.since.is_none() || quiet {
                st.since = Some(now);
                st.granted = 0;
            }
            st.in_flight += 1;
            st.peak = st.peak.max(st.in_flight);
            st.episode
        };
        let lane = Lane {
            permit,
            state: self.state.clone(),
            episode,
        };
        loop {
            let wait_until = {
                let mut st = lock(&self.state);
                let now = Instant::now();
                let mut at = now;
                if let Some(nb) = st.not_before {
                    at = at.max(nb);
                }
                let interval = match (self.interval, st.learned) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
                if let (Some(_), Some(slot)) = (interval, st.next_slot) {
                    at = at.max(slot);
                }
                if at <= now {
                    if let Some(interval) = interval {
                        st.next_slot = Some(now + interval);
                    }
                    None
                } else {
                    Some(at)
                }
            };
            // Checked again after waking: a refusal seen meanwhile may have moved the pause.
            match wait_until {
                Some(at) => tokio::time::sleep_until(at).await,
                None => return lane,
            }
        }
    }

    /// A refusal (429, 503) of a request sent in `lane`: no request starts before `now +
    /// pause`, and the width halves unless an earlier refusal already halved it since. A
    /// `rate_limit` refusal (429) also sets the learnt spacing.
    pub(crate) fn refused(&self, lane: &Lane, pause: Duration, rate_limit: bool) {
        let mut st = lock(&self.state);
        let now = Instant::now();
        let until = now.checked_add(pause);
        st.not_before = match (st.not_before, until) {
            (Some(nb), Some(u)) => Some(nb.max(u)),
            (None, u) => u,
            (nb, None) => nb,
        };
        if lane.episode != st.episode {
            return;
        }
        if rate_limit
            && let (Some(since), Some(until)) = (st.since, until)
            && st.granted > 0
        {
            let span = until.saturating_duration_since(since);
            let per_call = span / u32::try_from(st.granted).unwrap_or(u32::MAX);
            st.learned = Some(per_call + per_call / 10);
            st.since = Some(until);
            st.granted = 0;
        }
        st.episode += 1;
        st.credit = 0;
        // The refused request is still counted in flight: halve what was in use.
        let target = (st.in_flight.min(st.width()) / 2).max(1);
        let cut = st.width().saturating_sub(target);
        let idle = self.lanes.forget_permits(cut);
        st.total -= idle;
        st.debt += cut - idle;
    }

    /// A success: every `width` of them widen by one lane, up to the cap, or (uncapped) until
    /// the width is as wide as callers ever went, when the limit is lifted altogether.
    pub(crate) fn succeeded(&self) {
        let mut st = lock(&self.state);
        st.granted += 1;
        if let Some(l) = st.learned {
            let l = l - l / 200;
            st.learned = (l >= Duration::from_millis(1)).then_some(l);
        }
        let width = st.width();
        if width >= self.cap {
            return;
        }
        st.credit += 1;
        if st.credit < width {
            return;
        }
        st.credit = 0;
        let grow = if self.cap == UNCAPPED && width + 1 >= st.peak {
            UNCAPPED - width
        } else {
            1
        };
        let repaid = st.debt.min(grow);
        st.debt -= repaid;
        let added = grow - repaid;
        if added > 0 {
            self.lanes.add_permits(added);
            st.total += added;
        }
    }

    /// How many requests may be in flight now.
    #[cfg(test)]
    fn width(&self) -> usize {
        lock(&self.state).width()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_are_spaced_by_the_rate_and_held_off_by_a_refusal() {
        let pacer = Pacer::new(Some(10.0), None);
        let start = Instant::now();
        for _ in 0..5 {
            drop(pacer.acquire().await);
        }
        // Five slots at 10/s: the first at once, the fifth 400 ms later (virtual time).
        assert_eq!(start.elapsed(), Duration::from_millis(400));
        let lane = pacer.acquire().await;
        pacer.refused(&lane, Duration::from_secs(3), false);
        drop(lane);
        drop(pacer.acquire().await);
        assert!(
            start.elapsed() >= Duration::from_millis(3500),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test]
    async fn the_cap_hands_out_at_most_n_lanes() {
        let pacer = Pacer::new(None, Some(2));
        let a = pacer.acquire().await;
        let _b = pacer.acquire().await;
        let third = tokio::time::timeout(Duration::from_millis(20), pacer.acquire()).await;
        assert!(third.is_err(), "a third lane was handed out");
        drop(a);
        drop(pacer.acquire().await);
    }

    #[tokio::test(start_paused = true)]
    async fn a_refusal_halves_the_width_once_and_successes_widen_it_back() {
        let pacer = Pacer::new(None, Some(8));
        let lanes: Vec<Lane> = futures::future::join_all((0..8).map(|_| pacer.acquire())).await;
        // Every one of the eight is refused; only the first halves the width.
        for lane in &lanes {
            pacer.refused(lane, Duration::ZERO, false);
        }
        assert_eq!(pacer.width(), 4);
        drop(lanes);
        let held: Vec<Lane> = futures::future::join_all((0..4).map(|_| pacer.acquire())).await;
        let fifth = tokio::time::timeout(Duration::from_millis(20), pacer.acquire()).await;
        assert!(fifth.is_err(), "a fifth lane under a width of 4");
        // A refusal in the new episode halves again.
        pacer.refused(&held[0], Duration::ZERO, false);
        assert_eq!(pacer.width(), 2);
        drop(held);
        // Width 2 widens after 2 successes, 3 after 3 more, and so on up to the cap.
        let mut widths = Vec::new();
        for _ in 0..(2 + 3 + 4 + 5 + 6 + 7 + 3) {
            pacer.succeeded();
            widths.push(pacer.width());
        }
        assert_eq!(widths[1], 3);
        assert_eq!(widths[4], 4);
        assert_eq!(*widths.last().expect("width"), 8, "{widths:?}");
        let all: Vec<Lane> = futures::future::join_all((0..8).map(|_| pacer.acquire())).await;
        assert_eq!(all.len(), 8);
    }

    #[tokio::test(start_paused = true)]
    async fn a_rate_limit_refusal_spaces_requests_by_what_the_server_allowed() {
        let pacer = Pacer::new(None, None);
        let start = Instant::now();
        // Two successes, then a 429 asking for 1 s: two calls per second, plus 10%.
        for _ in 0..2 {
            let lane = pacer.acquire().await;
            pacer.succeeded();
            drop(lane);
        }
        let lane = pacer.acquire().await;
        pacer.refused(&lane, Duration::from_secs(1), true);
        drop(lane);
        let first = pacer.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_secs(1));
        pacer.succeeded();
        drop(first);
        drop(pacer.acquire().await);
        // 550 ms learnt, 0.5% off for the one success since.
        assert_eq!(
            start.elapsed(),
            Duration::from_secs(1) + Duration::from_millis(550)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_cap_the_width_is_lifted_once_it_reaches_what_callers_used() {
        let pacer = Pacer::new(None, None);
        let lanes: Vec<Lane> = futures::future::join_all((0..6).map(|_| pacer.acquire())).await;
        pacer.refused(&lanes[0], Duration::ZERO, false);
        assert_eq!(pacer.width(), 3);
        drop(lanes);
        for _ in 0..(3 + 4 + 5) {
            pacer.succeeded();
        }
        assert_eq!(pacer.width(), UNCAPPED);
    }
}
