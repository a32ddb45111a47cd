//! Usage accounting, the client-side mirror of the CRM's API Alerts: a call counter, an
//! optional call budget with threshold callbacks ("80% of the daily allowance used"), and a
//! hook called on every failed call.
//!
//! A call is one HTTP request sent, retries included, because that is what the CRM counts.
//! Calls the server refused (429, 503: nothing was done) are counted among the failed ones and
//! also on their own, so `calls - failed` is the number of requests that did their job: a
//! stream of 100 pages makes 100 such calls whatever its prefetch, plus whatever the server
//! refused under a rate limit.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::error::Error;

/// A snapshot of the client's usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    /// HTTP requests sent (every attempt counts).
    pub calls: u64,
    /// Of those, the ones that failed (non-success status or transport failure).
    pub failed: u64,
    /// Of the failed ones, those the server refused without acting (429, 503), which the
    /// client waited out and sent again.
    pub refused: u64,
    /// The call budget, if one was set.
    pub budget: Option<u64>,
}

impl Usage {
    /// `calls / budget`, when a budget is set.
    pub fn fraction_used(&self) -> Option<f64> {
        #[allow(
            clippy::cast_precision_loss,
            reason = "a ratio for alerting, not an exact count"
        )]
        self.budget
            .filter(|b| *b > 0)
            .map(|b| self.calls as f64 / b as f64)
    }
}

type ThresholdFn = Arc<dyn Fn(Usage) + Send + Sync>;
type FailureFn = Arc<dyn Fn(&Error) + Send + Sync>;

struct Threshold {
    fraction: f64,
    fired: AtomicBool,
    callback: ThresholdFn,
}

#[derive(Default)]
pub(crate) struct UsageConfig {
    pub(crate) budget: Option<u64>,
    pub(crate) thresholds: Vec<(f64, ThresholdFn)>,
    pub(crate) on_failure: Option<FailureFn>,
}

impl fmt::Debug for UsageConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UsageConfig")
            .field("budget", &self.budget)
            .field(
                "thresholds",
                &self.thresholds.iter().map(|t| t.0).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

pub(crate) struct Meter {
    calls: AtomicU64,
    failed: AtomicU64,
    refused: AtomicU64,
    budget: Option<u64>,
    thresholds: Vec<Threshold>,
    on_failure: Option<FailureFn>,
}

impl fmt::Debug for Meter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Meter")
            .field("usage", &self.snapshot())
            .finish_non_exhaustive()
    }
}

impl Meter {
    pub(crate) fn new(config: UsageConfig) -> Self {
        Meter {
            calls: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            budget: config.budget,
            thresholds: config
                .thresholds
                .into_iter()
                .map(|(fraction, callback)| Threshold {
                    fraction,
                    fired: AtomicBool::new(false),
                    callback,
                })
                .collect(),
            on_failure: config.on_failure,
        }
    }

    pub(crate) fn snapshot(&self) -> Usage {
        Usage {
            calls: self.calls.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
            budget: self.budget,
        }
    }

    /// Counts one call and fires every threshold it crosses, each once.
    pub(crate) fn record_call(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let usage = self.snapshot();
        let Some(used) = usage.fraction_used() else {
            return;
        };
        for t in &self.thresholds {
            if used >= t.fraction && !t.fired.swap(true, Ordering::AcqRel) {
                (t.callback)(usage);
            }
        }
    }

    pub(crate) fn record_failure(&self, err: &Error, refused: bool) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        if refused {
            self.refused.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(hook) = &self.on_failure {
            hook(err);
        }
    }
}
