//! The retry policy: which failures are retried, how long to wait, and when to give up.
//!
//! Classification lives in one place ([`Retryable`]) so call sites never loop on their own.
//! GET, PATCH and DELETE are idempotent and retried on 429, 502, 503, 504, timeouts, dropped
//! connections and cut-short bodies. A POST is retried only when the connection could not be
//! made, because then it cannot have reached the server; any later failure might have created
//! the record, and repeating it could create it twice.

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
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) total_budget: Duration,
}

impl Default for RetryPolicy {
    /// 4 attempts, backoff from 250 ms doubling up to 8 s with full jitter, 60 s in all.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            total_budget: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
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
    /// `Retry-After` that would end past it is returned as the error instead of waited out.
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
    /// Retry only idempotent methods (not POST).
    IfIdempotent,
    /// Do not retry.
    Never,
}

impl Retryable {
    pub(crate) fn for_status(status: u16) -> Self {
        match status {
            429 | 502 | 503 | 504 => Retryable::IfIdempotent,
            _ => Retryable::Never,
        }
    }

    pub(crate) fn allows(self, idempotent: bool) -> bool {
        match self {
            Retryable::Always => true,
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
    fn post_is_retried_only_before_it_leaves() {
        assert!(Retryable::Always.allows(false));
        assert!(!Retryable::for_status(503).allows(false));
        assert!(Retryable::for_status(503).allows(true));
        assert!(!Retryable::for_status(500).allows(true));
    }
}
