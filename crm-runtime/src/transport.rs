//! Sending one logical request: pacing, the bearer header, attempts under the retry policy,
//! one token refresh on an auth refusal, usage accounting and the request/attempt spans.
//!
//! Every operation goes through [`Client::execute`], so the rules of [`crate::retry`] hold for
//! all of them. The span fields are method, path (never the query: it may carry filter values),
//! attempt, status and latency; never the token and never a body.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;
use tracing::Instrument;

use crate::client::Client;
use crate::error::{Error, Kind};
use crate::retry::Retryable;

/// A request body.
#[derive(Clone)]
pub(crate) enum Body {
    Empty,
    Json(Bytes),
    /// Rebuilt for every attempt, because a multipart form is consumed by sending it.
    Multipart(Arc<dyn Fn() -> reqwest::multipart::Form + Send + Sync>),
}

/// One logical request.
#[derive(Clone)]
pub(crate) struct Call {
    pub(crate) method: reqwest::Method,
    pub(crate) segments: Vec<String>,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Body,
    /// Streaming downloads and uploads have no total deadline, only the per-read timeout.
    pub(crate) streaming: bool,
}

impl Call {
    pub(crate) fn new(
        method: reqwest::Method,
        segments: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Call {
            method,
            segments: segments.into_iter().map(Into::into).collect(),
            query: Vec::new(),
            body: Body::Empty,
            streaming: false,
        }
    }

    pub(crate) fn query(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.query.push((key, value.into()));
        self
    }

    pub(crate) fn json(mut self, body: Bytes) -> Self {
        self.body = Body::Json(body);
        self
    }

    /// The path as shown in errors and traces: `/accounts/12`.
    pub(crate) fn path(&self) -> String {
        let mut p = String::new();
        for s in &self.segments {
            p.push('/');
            p.push_str(s);
        }
        p
    }

    fn idempotent(&self) -> bool {
        self.method != reqwest::Method::POST
    }
}

/// A failed attempt and what it allows.
pub(crate) struct Failure {
    pub(crate) error: Error,
    pub(crate) retry: Retryable,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) auth: bool,
    /// The request was sent but no complete answer came back: a POST's outcome is unknown.
    pub(crate) lost: bool,
}

impl Failure {
    pub(crate) fn fatal(error: Error) -> Self {
        Failure {
            error,
            retry: Retryable::Never,
            retry_after: None,
            auth: false,
            lost: false,
        }
    }

    /// The request left, and the answer did not arrive whole: safe to repeat only when
    /// idempotent.
    pub(crate) fn lost(error: Error) -> Self {
        Failure {
            error,
            retry: Retryable::IfIdempotent,
            retry_after: None,
            auth: false,
            lost: true,
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::fatal(error)
    }
}

/// The default cap on one success body (see [`crate::ClientBuilder::max_response_bytes`]).
pub(crate) const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// Error bodies are only parsed for the API's envelope or excerpted, so a little is plenty.
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// Reads a whole success body of at most `limit` bytes; a body cut short is a transient
/// failure, a larger one a decode error (retrying would fetch the same oversized answer).
pub(crate) async fn read_body(resp: reqwest::Response, limit: usize) -> Result<Bytes, Failure> {
    let (body, complete) = read_at_most(resp, limit).await;
    match (body, complete) {
        (Ok(body), true) => Ok(body),
        (Ok(_), false) => Err(Failure::fatal(Error::new(Kind::Decode).with_detail(format!(
            "the answer is larger than the limit of {limit} bytes (see ClientBuilder::max_response_bytes)"
        )))),
        (Err(e), _) => Err(transport_failure(e)),
    }
}

/// Reads chunk by chunk until the end or until more than `limit` bytes would be held, so an
/// oversized answer never sits in memory whole. The flag says whether the end was reached.
async fn read_at_most(
    mut resp: reqwest::Response,
    limit: usize,
) -> (Result<Bytes, reqwest::Error>, bool) {
    if resp
        .content_length()
        .is_some_and(|n| n > u64::try_from(limit).unwrap_or(u64::MAX))
    {
        return (Ok(Bytes::new()), false);
    }
    let capacity = resp
        .content_length()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0);
    let mut buf = bytes::BytesMut::with_capacity(capacity);
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if chunk.len() > limit - buf.len() {
                    let room = limit - buf.len();
                    buf.extend_from_slice(&chunk[..room]);
                    return (Ok(buf.freeze()), false);
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(None) => return (Ok(buf.freeze()), true),
            Err(e) => return (Err(e), false),
        }
    }
}

/// The first `limit` bytes of an error body, however long it announces itself to be: it is
/// only parsed for the API's envelope or excerpted, and a 5 MB error page still has a title.
async fn read_prefix(mut resp: reqwest::Response, limit: usize) -> Bytes {
    let mut buf = bytes::BytesMut::new();
    while buf.len() < limit {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                let room = limit - buf.len();
                buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            // An unreadable rest leaves what arrived; the status still says what happened.
            Ok(None) | Err(_) => break,
        }
    }
    buf.freeze()
}

/// Classifies a reqwest error. Only a failure to connect (refused, unreachable, or timed out
/// while connecting) proves the request never left; a timeout or a broken connection after that
/// may come after the server acted.
pub(crate) fn transport_failure(e: reqwest::Error) -> Failure {
    if e.is_connect() {
        return Failure {
            error: Error::new(Kind::Connect).with_source(e.without_url()),
            retry: Retryable::Always,
            retry_after: None,
            auth: false,
            lost: false,
        };
    }
    let kind = if e.is_timeout() {
        Kind::Timeout
    } else {
        Kind::ConnectionLost
    };
    Failure::lost(Error::new(kind).with_source(e.without_url()))
}

/// What a POST that may have reached the server is reported as (see [`Error::is_unknown_outcome`]).
fn unknown_outcome(error: Error) -> Error {
    let what = match (error.kind(), error.status()) {
        (Kind::Timeout, _) => "the request was sent, then timed out".to_owned(),
        (_, Some(status)) if (200..300).contains(&status) => {
            format!("the server answered HTTP {status}, then the answer was cut short")
        }
        (_, Some(status)) => format!("a gateway answered HTTP {status}"),
        _ => "the connection was lost after the request was sent".to_owned(),
    };
    error.with_kind(Kind::UnknownOutcome).with_detail(format!(
        "{what}, so the record may have been created; it was not sent again: look it up by a unique field before retrying"
    ))
}

/// `Retry-After` as seconds or as an HTTP date.
fn parse_retry_after(v: &HeaderValue) -> Option<Duration> {
    let s = v.to_str().ok()?.trim();
    if let Ok(secs) = s.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = s.parse::<f64>() {
        // A value too large for a `Duration` is still "wait longer than any budget": saturate
        // rather than panic, so the caller ends retrying with the rate-limited error.
        return (secs.is_finite() && secs >= 0.0)
            .then(|| Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX));
    }
    let when =
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc2822).ok()?;
    let delta = when - time::OffsetDateTime::now_utc();
    Some(Duration::try_from(delta).unwrap_or(Duration::ZERO))
}

fn bearer(token: &SecretString) -> Result<HeaderValue, Error> {
    let mut v =
        HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).map_err(|_| {
            Error::new(Kind::Config)
                .with_detail("the access token contains characters not allowed in a header")
        })?;
    v.set_sensitive(true);
    Ok(v)
}

impl Client {
    fn url(&self, call: &Call) -> Result<reqwest::Url, Error> {
        let mut url = reqwest::Url::parse(&self.inner.base_url)
            .map_err(|e| Error::new(Kind::Config).with_detail(format!("bad base URL: {e}")))?;
        {
            let mut segs = url.path_segments_mut().map_err(|()| {
                Error::new(Kind::Config).with_detail("base URL cannot take a path")
            })?;
            segs.pop_if_empty();
            segs.extend(call.segments.iter().map(String::as_str));
        }
        if !call.query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(call.query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        Ok(url)
    }

    /// Sends `call` under the retry policy. `on_success` reads a 2xx answer; its failures are
    /// retried like transport failures when they allow it (a truncated body, say).
    pub(crate) async fn execute<T, F, Fut>(
        &self,
        call: &Call,
        mut on_success: F,
    ) -> Result<T, Error>
    where
        F: FnMut(u16, reqwest::Response) -> Fut,
        Fut: Future<Output = Result<T, Failure>>,
    {
        let path = call.path();
        let method = call.method.as_str().to_owned();
        let span = tracing::info_span!("crm.request", method = %method, path = %path);
        async {
            let inner = &self.inner;
            let url = self.url(call).map_err(|e| e.with_request(&method, &path))?;
            let started = Instant::now();
            let mut token = inner.auth.token().await.map_err(|e| e.with_request(&method, &path))?;
            let idempotent = call.idempotent();
            let retries = inner.retry.max_attempts > 1;
            let mut refreshed = false;
            let mut attempt: u32 = 0;
            // Attempts that used up one of `max_attempts` (refusals do not), and refusals in a row.
            let mut charged: u32 = 0;
            let mut refusals: u32 = 0;
            // A retried attempt whose answer was lost may have been carried out.
            let mut lost_before = false;
            loop {
                attempt += 1;
                let span = tracing::debug_span!(
                    "crm.attempt",
                    attempt,
                    status = tracing::field::Empty,
                    latency_ms = tracing::field::Empty
                );
                let lane = inner.pacer.acquire().await;
                let result = self.attempt(call, &url, &token, &mut on_success).instrument(span).await;
                let failure = match result {
                    Ok(v) => {
                        inner.pacer.succeeded();
                        return Ok(v);
                    }
                    Err(f) => f,
                };
                let mut error = failure.error.with_request(&method, &path).with_retry_after(failure.retry_after)
                    .redacted(&crate::redact::for_token(&token));
                inner.meter.record_failure(&error, failure.retry == Retryable::Refused);
                if failure.retry == Retryable::Refused {
                    if !retries || refusals >= inner.retry.max_refusals {
                        return Err(error);
                    }
                    refusals += 1;
                    let pause = inner.retry.delay(refusals, failure.retry_after);
                    if started.elapsed().saturating_add(pause) <= inner.retry.total_budget {
                        // Shared: every request of this client waits out the pause.
                        inner.pacer.refused(&lane, pause, error.status() == Some(429));
                        drop(lane);
                        tracing::warn!(attempt, delay_ms = millis(pause), error = %error, "refused; retrying after a pause shared by every request");
                        continue;
                    }
                    return Err(error);
                }
                drop(lane);
                refusals = 0;
                charged += 1;
                if failure.auth && !refreshed {
                    refreshed = true;
                    if let Some(fresh) = inner.auth.refresh().await.map_err(|e| e.with_request(&method, &path))? {
                        tracing::debug!("token refused; retrying once with a refreshed token");
                        token = fresh;
                        continue;
                    }
                }
                if failure.retry.allows(idempotent) && charged < inner.retry.max_attempts {
                    let delay = inner.retry.delay(charged, failure.retry_after);
                    if started.elapsed().saturating_add(delay) <= inner.retry.total_budget {
                        tracing::warn!(attempt, delay_ms = millis(delay), error = %error, "retrying");
                        lost_before |= failure.lost;
                        tokio::time::sleep(delay).await;
                        continue;
                    }
                }
                let gateway = matches!(error.status(), Some(502 | 504));
                if !idempotent && (failure.lost || gateway) {
                    error = unknown_outcome(error);
                }
                if lost_before {
                    error = error.after_loss();
                }
                return Err(error);
            }
        }
        .instrument(span)
        .await
    }

    async fn attempt<T, F, Fut>(
        &self,
        call: &Call,
        url: &reqwest::Url,
        token: &SecretString,
        on_success: &mut F,
    ) -> Result<T, Failure>
    where
        F: FnMut(u16, reqwest::Response) -> Fut,
        Fut: Future<Output = Result<T, Failure>>,
    {
        let inner = &self.inner;
        let mut rb = inner
            .http
            .request(call.method.clone(), url.clone())
            .header(AUTHORIZATION, bearer(token)?);
        if !call.streaming {
            rb = rb.timeout(inner.request_timeout);
        }
        rb = match &call.body {
            Body::Empty => rb,
            Body::Json(b) => rb.header(CONTENT_TYPE, "application/json").body(b.clone()),
            Body::Multipart(form) => rb.multipart(form()),
        };
        inner.meter.record_call();
        let t0 = Instant::now();
        let resp = rb.send().await;
        let span = tracing::Span::current();
        span.record("latency_ms", t0.elapsed().as_millis() as u64);
        let resp = resp.map_err(transport_failure)?;
        if resp.headers().contains_key(crm_schema::SANDBOX_HEADER) {
            inner
                .sandbox
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        if let Some(secs) = resp
            .headers()
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        {
            inner
                .server_date
                .store(secs.as_secs(), std::sync::atomic::Ordering::Relaxed);
        }
        let status = resp.status().as_u16();
        span.record("status", status);
        if resp.status().is_success() {
            return on_success(status, resp).await.map_err(|mut f| {
                if f.lost {
                    // What a cut-short success says about a create: it happened.
                    f.error = f.error.with_status(status);
                }
                f
            });
        }
        let retry_after = resp.headers().get(RETRY_AFTER).and_then(parse_retry_after);
        // An error body is small; if it cannot be read, the status still says what happened.
        let body = if resp.status().is_redirection() {
            Bytes::new()
        } else {
            // At most the first bytes of a huge error page: they are only excerpted.
            read_prefix(resp, MAX_ERROR_BODY_BYTES).await
        };
        let mut error = Error::from_status(status, &body);
        if resp_is_redirect(status) {
            error =
                error.with_detail("redirected (the service sends a bad token to its login page)");
        }
        Err(Failure {
            auth: error.kind() == Kind::Unauthorised,
            error,
            retry: Retryable::for_status(status),
            retry_after,
            lost: false,
        })
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn resp_is_redirect(status: u16) -> bool {
    (300..400).contains(&status)
}
