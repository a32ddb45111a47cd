//! Injected faults: rate limit, daily quota, random 500/503, latency, dropped connections (mid
//! body, or before any answer, both after the request was carried out) and truncated bodies. Off by default; set by [`crate::Config::with_faults`], by flags, or at run
//! time through `PUT /__sandbox/faults`.
//!
//! Decisions come from a generator seeded with the sandbox seed that draws the same number of
//! values for every call, so the n-th call meets the same fault on every run.

use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::config::Faults;
use crate::error::Error;

/// Live fault settings and the counters they act on.
#[derive(Debug)]
pub(crate) struct FaultState {
    pub(crate) faults: Faults,
    rng: StdRng,
    window_start: Instant,
    window_count: u64,
    day_count: u64,
}

/// What happens to one call.
#[derive(Debug, Default)]
struct Decision {
    reject: Option<Error>,
    latency: Duration,
    drop: bool,
    drop_before_answer: bool,
    truncate: bool,
}

impl FaultState {
    pub(crate) fn new(faults: Faults, seed: u64) -> FaultState {
        FaultState {
            faults,
            rng: StdRng::seed_from_u64(seed),
            window_start: Instant::now(),
            window_count: 0,
            day_count: 0,
        }
    }

    /// Restarts the generator and the counters (reset, reseed, new settings).
    pub(crate) fn restart(&mut self, seed: u64) {
        *self = FaultState::new(self.faults.clone(), seed);
    }

    pub(crate) fn set(&mut self, faults: Faults, seed: u64) {
        *self = FaultState::new(faults, seed);
    }

    fn decide(&mut self) -> Decision {
        // Always three draws, whatever is enabled, so enabling one fault does not shift another.
        let (e, d, t): (f64, f64, f64) = (self.rng.random(), self.rng.random(), self.rng.random());
        let f = &self.faults;
        let mut out = Decision {
            latency: Duration::from_millis(f.latency_ms),
            ..Decision::default()
        };
        if let Some(limit) = f.rate_limit {
            let window = Duration::from_secs(limit.per_seconds);
            let elapsed = self.window_start.elapsed();
            if elapsed >= window {
                self.window_start = Instant::now();
                self.window_count = 0;
            }
            if self.window_count >= limit.requests {
                let left = window
                    .saturating_sub(self.window_start.elapsed())
                    .as_secs_f64()
                    .ceil() as u64;
                out.reject = Some(Error::TooManyRequests {
                    message: format!(
                        "Too Many Attempts. Rate limit of {} calls per {} s reached",
                        limit.requests, limit.per_seconds
                    ),
                    retry_after: left.max(1),
                });
                return out;
            }
            self.window_count += 1;
        }
        if let Some(quota) = f.daily_quota {
            if self.day_count >= quota {
                out.reject = Some(Error::TooManyRequests {
                    message: format!("Daily API call limit of {quota} reached"),
                    retry_after: seconds_to_midnight(),
                });
                return out;
            }
            self.day_count += 1;
        }
        if e < f.error_rate {
            let status = if e < f.error_rate / 2.0 { 500 } else { 503 };
            let message = if status == 500 {
                "Internal server error (injected)"
            } else {
                "Service unavailable (injected)"
            };
            out.reject = Some(Error::Server {
                status,
                message: message.into(),
            });
            return out;
        }
        out.drop = d < f.drop_rate;
        // The same draw, on the range after `drop_rate`'s, so adding this fault leaves the
        // decisions of every existing configuration as they were.
        out.drop_before_answer = !out.drop && d < f.drop_rate + f.drop_before_answer_rate;
        out.truncate = t < f.truncate_rate;
        out
    }
}

/// The route pattern with the object filled in when it is one the sandbox serves
/// (`/accounts/{id}`), so the counters stay few whatever ids or names clients send.
fn route_key(state: &crate::State, req: &Request) -> String {
    let Some(pattern) = req.extensions().get::<MatchedPath>() else {
        // Only matched routes reach this layer; keep the count even if that ever changes.
        return "(unmatched)".to_owned();
    };
    let mut key = String::new();
    // Patterns have no wildcards, so their segments line up with the path's.
    for (pat, seg) in pattern
        .as_str()
        .split('/')
        .zip(req.uri().path().split('/'))
        .skip(1)
    {
        key.push('/');
        let known = pat == "{object}" && state.dictionary().object(seg).is_some();
        key.push_str(if known { seg } else { pat });
    }
    key
}

fn seconds_to_midnight() -> u64 {
    let now = time::OffsetDateTime::now_utc();
    let secs =
        u64::from(now.hour()) * 3600 + u64::from(now.minute()) * 60 + u64::from(now.second());
    (86_400 - secs).max(1)
}

/// Middleware on API routes: counts the call, then applies the faults in force.
pub(crate) async fn layer(State(state): State<crate::State>, req: Request, next: Next) -> Response {
    state.count_call(format!("{} {}", req.method(), route_key(&state, &req)));
    let decision = state.fault_state().decide();
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    if let Some(err) = decision.reject {
        return err.into_response();
    }
    let resp = next.run(req).await;
    if decision.drop_before_answer {
        // The handler has acted. A body that fails before its first byte, with no length
        // announced, makes the server abort the connection before the head is written.
        let (mut parts, _) = resp.into_parts();
        parts.headers.remove(header::CONTENT_LENGTH);
        let chunks: Vec<Result<Bytes, std::io::Error>> = vec![Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection closed before the answer (injected)",
        ))];
        return Response::from_parts(parts, Body::from_stream(futures::stream::iter(chunks)));
    }
    if !decision.drop && !decision.truncate {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            return Error::Server {
                status: 500,
                message: e.to_string(),
            }
            .into_response();
        }
    };
    let half = bytes.slice(..bytes.len() / 2);
    if decision.drop {
        // Headers announce the full length; the body stops half way with an error, which makes
        // the server abort the connection.
        // The pause between the half and the error lets the server flush the head and the
        // half first; without it, both can be discarded together and nothing is sent at all.
        let chunks = futures::stream::iter([Ok::<_, std::io::Error>(half)]).chain(
            futures::stream::once(async {
                tokio::task::yield_now().await;
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "connection dropped (injected)",
                ))
            }),
        );
        parts
            .headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
        return Response::from_parts(parts, Body::from_stream(chunks));
    }
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(half.len()));
    Response::from_parts(parts, Body::from(half))
}
