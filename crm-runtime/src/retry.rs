//! The retry policy: which failures are retried, how long to wait, and when to give up.
//!
//! Classification lives in one place ([`Retryable`]) so call sites never loop on their own:
//!
//! - **Refusals** (429, 503): the server did nothing and says "not now". Every method is retried,
//!   POST included. The wait (`Retry-After`, else the backoff) is shared by every request of
//!   the client, which also narrows how many it sends at once (see [`crate::limit`]). A refusal
//!   uses up no attempt; `max_refusals` and the total budget bound how many are waited out.
//! - **Failures that may have reached the server** (500, 502, 504, a lost connection, an answer
//!   cut short, a timeout after sending): GET, PATCH and DELETE are retried, each retry using up
//!   one of `max_attempts`. A POST is not: it may have created the record, so a lost connection,
//!   a timeout or a 502/504 on a POST is reported as an unknown outcome instead.
//! - **Unsent** (the connection could not be made): retried whatever the method, because the
//!   request cannot have reached the server.
//! - Everything else (4xx, an oversized or undecodable answer) is final.

use std::time::Duration;

use rand::Rng;

/// How failed requests are retried.
///
/// ```no_run
/// use std::time::Duration;
/// use crm_runtime::RetryPolicy;
/// let policy = RetryPolicy::default()
///     .max_attempts(5)
///     .initial_backoff(Duration::from_millis(200))
///     .total_budget(Duration::from_secs(60));
/// ```
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub(crate) max_attempts: u32,
    pub(crate) max_refusals: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) total_budget: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts, 10 refusals, backoff from 250 ms doubling up to 8 s with full jitter, 60 s
    /// in all.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            max_refusals: 10,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            total_budget: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Never retry, refusals (429, 503) included.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Attempts in all, the first included (at least 1), for failures that may recur (5xx other
    /// than 503, lost connections, timeouts). Refusals (429, 503) use up no attempt: see
    /// [`max_refusals`](RetryPolicy::max_refusals). `1` retries nothing, refusals included.
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// How many refusals (429, 503) one request waits out before the refusal is returned
    /// (default 10); the total budget may end it sooner.
    pub fn max_refusals(mut self, n: u32) -> Self {
        self.max_refusals = n;
        self
    }

    /// The first backoff; it doubles per attempt.
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// The largest backoff between two attempts (a `Retry-After` may ask for more).
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// The time after which no further attempt starts, counted from the first attempt. A
    /// `Retry-After` or backoff that would end past it is returned as the error instead of
    /// waited out. This is what bounds a server that keeps refusing.
    pub fn total_budget(mut self, d: Duration) -> Self {
        self.total_budget = d;
        self
    }

    /// The wait before attempt `attempt + 1` (attempt counts from 1): full jitter over an
    /// exponential ceiling, or the server's `Retry-After` when that is longer.
    pub(crate) fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let ceiling = exp.min(self.max_backoff);
        let jittered = if ceiling.is_zero() {
            ceiling
        } else {
            let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
            Duration::from_nanos(rand::rng().random_range(nanos / 2..=nanos))
        };
        match retry_after {
            Some(ra) if ra > jittered => ra,
            _ => jittered,
        }
    }
}

/// What a failed attempt allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retryable {
    /// Retry whatever the method: the request did not leave this machine.
    Always,
    /// The server refused without acting (429, 503): retry whatever the method, after a wait
    /// shared by every request of the client, without using up an attempt.
    Refused,
    /// Retry only idempotent methods (not POST): the server may have acted.
    IfIdempotent,
    /// Do not retry.
    Never,
}

impl Retryable {
    pub(crate) fn for_status(status: u16) -> Self {
        match status {
            429 | 503 => Retryable::Refused,
            500 | 502 | 504 => Retryable::IfIdempotent,
            _ => Retryable::Never,
        }
    }

    pub(crate) fn allows(self, idempotent: bool) -> bool {
        match self {
            Retryable::Always | Retryable::Refused => true,
            Retryable::IfIdempotent => idempotent,
            Retryable::Never => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_honours_retry_after_and_caps_backoff() {
        let p = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(300));
        for attempt in 1..10 {
            let d = p.delay(attempt, None);
            assert!(d <= Duration::from_millis(300), "{d:?} at {attempt}");
        }
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn a_post_is_retried_only_when_it_cannot_have_acted() {
        assert!(Retryable::Always.allows(false));
        for refused in [429, 503] {
            assert_eq!(Retryable::for_status(refused), Retryable::Refused);
            assert!(Retryable::for_status(refused).allows(false), "{refused}");
        }
        for maybe_acted in [500, 502, 504] {
            assert!(
                Retryable::for_status(maybe_acted).allows(true),
                "{maybe_acted}"
            );
            assert!(
                !Retryable::for_status(maybe_acted).allows(false),
                "{maybe_acted}"
            );
        }
        for final_status in [400, 404, 409, 422] {
            assert!(
                !Retryable::for_status(final_status).allows(true),
                "{final_status}"
            );
        }
    }
}
