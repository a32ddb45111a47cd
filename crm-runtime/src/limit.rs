//! Client-side pacing: a requests-per-second limiter shared by all clones of a client, a
//! concurrency cap, and a "not before" instant set by a server's `Retry-After`, so that every
//! in-flight task (prefetching pages, say) backs off together instead of each hitting 429.
//!
//! The limiter is a few lines of spacing logic rather than a crate: it needs only "next free
//! slot" arithmetic, and the `Retry-After` gate must share its state.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

#[derive(Debug)]
pub(crate) struct Pacer {
    interval: Option<Duration>,
    state: Mutex<PacerState>,
    permits: Option<Arc<Semaphore>>,
}

#[derive(Debug)]
struct PacerState {
    next_slot: Option<Instant>,
    not_before: Option<Instant>,
}

impl Pacer {
    pub(crate) fn new(rps: Option<f64>, concurrency: Option<usize>) -> Self {
        let interval = rps
            .filter(|r| *r > 0.0 && r.is_finite())
            .map(|r| Duration::from_secs_f64(1.0 / r));
        Pacer {
            interval,
            state: Mutex::new(PacerState {
                next_slot: None,
                not_before: None,
            }),
            permits: concurrency.map(|n| Arc::new(Semaphore::new(n.max(1)))),
        }
    }

    /// Waits for a free slot; the returned permit holds a place under the concurrency cap.
    pub(crate) async fn acquire(&self) -> Option<OwnedSemaphorePermit> {
        let permit = match &self.permits {
            // The semaphore is never closed, so acquiring cannot fail.
            Some(s) => s.clone().acquire_owned().await.ok(),
            None => None,
        };
        let wait_until = {
            let mut st = self.state.lock().await;
            let now = Instant::now();
            let mut at = now;
            if let Some(nb) = st.not_before {
                at = at.max(nb);
            }
            if let Some(interval) = self.interval {
                if let Some(slot) = st.next_slot {
                    at = at.max(slot);
                }
                st.next_slot = Some(at + interval);
            }
            at
        };
        // A timer rounds up to the driver's 1 ms tick even when already due, which would cost
        // every request a millisecond; only wait when there is something to wait for.
        if wait_until > Instant::now() {
            tokio::time::sleep_until(wait_until).await;
        }
        permit
    }

    /// No request starts before `now + d` (a server's `Retry-After`).
    pub(crate) async fn hold_off(&self, d: Duration) {
        let until = Instant::now() + d;
        let mut st = self.state.lock().await;
        st.not_before = Some(st.not_before.map_or(until, |nb| nb.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_are_spaced_by_the_rate_and_held_off_by_retry_after() {
        let pacer = Pacer::new(Some(10.0), None);
        let start = Instant::now();
        for _ in 0..5 {
            pacer.acquire().await;
        }
        // Five slots at 10/s: the first at once, the fifth 400 ms later (virtual time).
        assert_eq!(start.elapsed(), Duration::from_millis(400));
        pacer.hold_off(Duration::from_secs(3)).await;
        pacer.acquire().await;
        assert!(
            start.elapsed() >= Duration::from_millis(3400),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test]
    async fn the_cap_hands_out_at_most_n_permits() {
        let pacer = Pacer::new(None, Some(2));
        let a = pacer.acquire().await;
        let b = pacer.acquire().await;
        assert!(a.is_some() && b.is_some());
        let third = tokio::time::timeout(Duration::from_millis(20), pacer.acquire()).await;
        assert!(third.is_err(), "a third permit was handed out");
        drop(a);
        assert!(pacer.acquire().await.is_some());
    }
}
