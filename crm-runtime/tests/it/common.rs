//! Shared helpers: a hand-written record type shaped like generated code, and a scriptable
//! mock server (axum on 127.0.0.1:0) whose faults are queued per test.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use crm_runtime::{Client, Id, Object, Record, RetryPolicy};
use serde::Deserialize;

pub(crate) const TOKEN: &str = "tok-SECRET-3f9a1c";

/// The accounts object, as generated code would declare it.
pub(crate) enum Accounts {}
impl Object for Accounts {
    const API_NAME: &'static str = "accounts";
    const RECORD_TYPE: Option<&'static str> = Some("account");
    const SCHEMA_FINGERPRINT: &'static str = "sha256:test";
}

/// A record type shaped like a generated read model (a subset of fields).
#[derive(Debug, Deserialize)]
pub(crate) struct Account {
    pub(crate) id: Id<Accounts>,
    #[serde(default)]
    pub(crate) name: Option<String>,
}
impl Record for Account {
    type Object = Accounts;
    fn id(&self) -> Id<Accounts> {
        self.id
    }
}

/// A queued misbehaviour for the next matching request.
#[derive(Debug, Clone)]
pub(crate) enum Fault {
    /// Answer with this status, an API error body and an optional `Retry-After` (seconds).
    Status(u16, Option<u64>),
    /// Answer with this status and this `Retry-After` header text, verbatim.
    RetryAfter(u16, &'static str),
    /// Drop the connection without an answer.
    Drop,
    /// Send a 200 whose body stops half-way (Content-Length says more).
    Truncate,
    /// Send a 200 whose JSON stops half-way but whose framing is complete.
    CutJson,
}

#[derive(Default)]
pub(crate) struct MockState {
    /// Records `1..=total` are served by GET /accounts.
    pub(crate) total: u64,
    /// Send `has_more`.
    pub(crate) has_more: bool,
    /// Send `total_count`.
    pub(crate) total_count: bool,
    /// Pages at or after this number repeat the page before it.
    pub(crate) repeat_from: Option<u32>,
    /// Faults to apply, one per request, in order.
    pub(crate) faults: Mutex<VecDeque<Fault>>,
    /// Requests seen: method, path and query.
    pub(crate) log: Mutex<Vec<String>>,
    /// Authorization headers seen.
    pub(crate) auth: Mutex<Vec<String>>,
    /// Records created by POST.
    pub(crate) created: Mutex<u64>,
    /// Requests to `/slow` in flight now, and at most.
    pub(crate) in_flight: std::sync::atomic::AtomicU32,
    pub(crate) peak: std::sync::atomic::AtomicU32,
}

pub(crate) struct Mock {
    pub(crate) state: Arc<MockState>,
    pub(crate) base_url: String,
}

impl Mock {
    pub(crate) fn requests(&self) -> Vec<String> {
        self.state.log.lock().expect("lock").clone()
    }
    pub(crate) fn fault(&self, f: Fault) {
        self.state.faults.lock().expect("lock").push_back(f);
    }
    pub(crate) fn client(&self) -> Client {
        self.builder().build().expect("client")
    }
    pub(crate) fn builder(&self) -> crm_runtime::ClientBuilder {
        Client::builder()
            .base_url(&self.base_url)
            .token(TOKEN)
            .retry_policy(fast_retry())
    }
}

pub(crate) fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(4)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
}

/// Silences the panics the mock uses to drop connections, and only those.
fn quiet_drop_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let msg = info.payload().downcast_ref::<&str>().copied().unwrap_or("");
            if msg != "mock: drop connection" {
                previous(info);
            }
        }));
    });
}

pub(crate) async fn spawn(state: MockState) -> Mock {
    quiet_drop_panics();
    let state = Arc::new(state);
    let app = Router::new().fallback(handle).with_state(state.clone());
    Mock {
        state,
        base_url: listen(app).await,
    }
}

/// A client for `base_url` with fast retries.
pub(crate) fn client_at(base_url: String) -> Client {
    Client::builder()
        .base_url(base_url)
        .token(TOKEN)
        .retry_policy(fast_retry())
        .build()
        .expect("client")
}

/// Serves `app` on 127.0.0.1:0 for the rest of the test; returns its base URL.
pub(crate) async fn listen(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    format!("http://{addr}")
}

fn record(id: u64) -> serde_json::Value {
    serde_json::json!({"id": id, "name": format!("Account {id}"), "addresscounty/state": "Kent"})
}

fn api_error(status: u16, message: &str) -> serde_json::Value {
    serde_json::json!({"type": "Invalid Request error", "code": status, "message": message})
}

async fn handle(
    State(st): State<Arc<MockState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Query(params): Query<std::collections::HashMap<String, String>>,
    body: axum::body::Bytes,
) -> Response {
    st.log.lock().expect("lock").push(format!("{method} {uri}"));
    if let Some(a) = headers.get("authorization") {
        st.auth
            .lock()
            .expect("lock")
            .push(a.to_str().unwrap_or("").to_owned());
    }
    let fault = st.faults.lock().expect("lock").pop_front();
    match fault {
        Some(Fault::Status(code, retry_after)) => {
            let mut resp = (
                StatusCode::from_u16(code).expect("status"),
                axum::Json(api_error(code, "Too Many Attempts.")),
            )
                .into_response();
            if let Some(s) = retry_after {
                resp.headers_mut()
                    .insert("retry-after", s.to_string().parse().expect("header"));
            }
            return resp;
        }
        Some(Fault::RetryAfter(code, value)) => {
            let mut resp = (
                StatusCode::from_u16(code).expect("status"),
                axum::Json(api_error(code, "Too Many Attempts.")),
            )
                .into_response();
            resp.headers_mut()
                .insert("retry-after", value.parse().expect("header"));
            return resp;
        }
        Some(Fault::Drop) => {
            // Unwinding the connection task closes the socket without an answer.
            std::panic::panic_any("mock: drop connection");
        }
        Some(Fault::Truncate) => {
            let chunk: Result<axum::body::Bytes, std::io::Error> =
                Ok(axum::body::Bytes::from_static(b"{\"metadata\":{"));
            let fail: Result<axum::body::Bytes, std::io::Error> = Err(std::io::Error::other("cut"));
            let stream = futures::stream::iter(vec![chunk, fail]);
            return Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .header("content-length", "5000")
                .body(Body::from_stream(stream))
                .expect("response");
        }
        Some(Fault::CutJson) => {
            return (
                StatusCode::OK,
                [("content-type", "application/json")],
                "{\"metadata\":{\"total_count\":3},\"list\":[{\"rec",
            )
                .into_response();
        }
        None => {}
    }
    let path = uri.path();
    match (method.as_str(), path) {
        ("GET", "/accounts") => list(&st, &params).into_response(),
        ("GET", "/redirect") => (
            StatusCode::FOUND,
            [("location", "https://login.example/")],
            "",
        )
            .into_response(),
        ("POST", "/accounts") => {
            let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let mut n = st.created.lock().expect("lock");
            *n += 1;
            let mut rec = v;
            rec["id"] = serde_json::json!(1000 + *n);
            (
                StatusCode::CREATED,
                axum::Json(serde_json::json!({"metadata": {}, "record": rec})),
            )
                .into_response()
        }
        ("GET", p) if p.starts_with("/status-") => {
            let code: u16 = p.trim_start_matches("/status-").parse().expect("code");
            let body = match code {
                422 => {
                    serde_json::json!({"type": "Validation error", "code": 422, "message": "The given data was invalid.",
                    "validation": {"accountid": [{"Required": []}], "name": [{"Max": ["50"]}]}})
                }
                403 => serde_json::json!({"message": "Unauthenticated."}),
                _ => api_error(code, &format!("status {code} message")),
            };
            (
                StatusCode::from_u16(code).expect("status"),
                axum::Json(body),
            )
                .into_response()
        }
        ("GET", "/slow") => {
            use std::sync::atomic::Ordering;
            let now = st.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            st.peak.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(30)).await;
            st.in_flight.fetch_sub(1, Ordering::SeqCst);
            axum::Json(serde_json::json!({"metadata": {"has_more": false}, "list": []}))
                .into_response()
        }
        ("GET", p) if p.starts_with("/big-") => {
            // `/big-<status>-<bytes>`: that many bytes in 1000-byte chunks, with no length
            // announced, so only reading them shows the size.
            let mut parts = p.trim_start_matches("/big-").split('-');
            let code: u16 = parts.next().and_then(|c| c.parse().ok()).expect("status");
            let size: usize = parts.next().and_then(|c| c.parse().ok()).expect("size");
            let chunks = (0..size.div_ceil(1000)).map(move |i| {
                let n = (size - i * 1000).min(1000);
                Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![b' '; n]))
            });
            Response::builder()
                .status(code)
                .body(Body::from_stream(futures::stream::iter(chunks)))
                .expect("response")
        }
        ("GET", "/html") => (StatusCode::BAD_GATEWAY, "<html>bad gateway</html>").into_response(),
        ("GET", "/scored") => axum::Json(serde_json::json!({
            "metadata": {"total_count": 2, "has_more": false},
            "list": [
                {"record": {"id": 1, "leadscore": "12", "custom": 1}},
                {"record": {"id": 88, "leadscore": "high", "custom": 2}}
            ]
        }))
        .into_response(),
        ("GET", "/badrecord") => axum::Json(serde_json::json!({
            "metadata": {"total_count": 2, "has_more": false},
            "list": [
                {"record": {"id": 1, "name": "ok"}},
                {"record": {"id": 77, "name": ["not", "a", "string"]}}
            ]
        }))
        .into_response(),
        _ => (
            StatusCode::NOT_FOUND,
            axum::Json(api_error(404, "Record or page not found")),
        )
            .into_response(),
    }
}

fn list(
    st: &MockState,
    params: &std::collections::HashMap<String, String>,
) -> axum::Json<serde_json::Value> {
    let limit: u64 = params
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(10);
    let page: u64 = params.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    // Keyset paging: `"id":{"$gt":n}` and `"id":{"$bt":[lo,hi]}`, ids being 1..=total, so
    // the matching ids are one interval `a..=b`; `order` desc only reverses it.
    let q = params
        .get("q")
        .and_then(|q| serde_json::from_str::<serde_json::Value>(q).ok());
    let cond = q.as_ref().map(|q| &q["id"]);
    let gt = cond.and_then(|c| c["$gt"].as_u64());
    let bt = cond
        .and_then(|c| c["$bt"].as_array())
        .and_then(|r| Some((r.first()?.as_u64()?, r.get(1)?.as_u64()?)));
    let desc = params.get("order").is_some_and(|o| o.contains("desc"));
    let a = gt
        .map_or(1, |g| g.saturating_add(1))
        .max(bt.map_or(1, |r| r.0));
    let b = st.total.min(bt.map_or(u64::MAX, |r| r.1));
    let count = if a <= b { b - a + 1 } else { 0 };
    let mut offset = (page - 1).saturating_mul(limit);
    let mut a = a;
    if let Some(from) = st.repeat_from {
        // Pages by position in the whole list (a keyset request asks for the page after its
        // last id) at or after `from` repeat the page before.
        let at = (a - 1) / limit + page;
        let at = at.min(u64::from(from) - 1);
        (a, offset) = (1, (at - 1) * limit);
    }
    let ids: Vec<u64> = if offset >= count {
        Vec::new()
    } else if desc {
        let hi = b - offset;
        (hi.saturating_sub(limit - 1).max(a)..=hi).rev().collect()
    } else {
        let lo = a + offset;
        (lo..=lo.saturating_add(limit - 1).min(b)).collect()
    };
    let mut meta = serde_json::json!({"url": "/accounts", "object_type": "list"});
    if st.total_count {
        meta["total_count"] = serde_json::json!(count);
    }
    if st.has_more {
        meta["has_more"] = serde_json::json!(offset.saturating_add(limit) < count);
    }
    let list: Vec<serde_json::Value> = ids
        .into_iter()
        .map(|id| serde_json::json!({"metadata": {"object_type": "record"}, "record": record(id)}))
        .collect();
    axum::Json(serde_json::json!({"metadata": meta, "list": list}))
}
