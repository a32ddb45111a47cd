//! Retries and unknown outcomes against a scripted server: one scenario per behaviour, each
//! asserting the error's kind and message and the requests the server saw.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use crm_runtime::{Client, ErrorKind, PageSize, RetryPolicy};
use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use tokio::time::Instant;

use crate::common::{Account, Accounts, TOKEN, fast_retry};

/// What the server does with one request, in the order requests arrive.
#[derive(Debug, Clone)]
enum Step {
    /// This status, an API error body and, if given, this `Retry-After` text.
    Status(u16, Option<&'static str>),
    /// Carry the request out, then close the connection without answering.
    ActThenClose,
    /// Carry the request out, then send its answer's head and half its body.
    ActThenCut,
    /// A success status with an empty body.
    Empty(u16),
}

/// A fixed window: at most `calls` per `window`, then 429 with the rest of the window as a
/// fractional `Retry-After`.
#[derive(Debug, Clone, Copy)]
struct Limit {
    calls: u64,
    window: Duration,
}

struct Script {
    steps: Mutex<VecDeque<Step>>,
    log: Mutex<Vec<String>>,
    created: AtomicU64,
    /// Records `1..=total` are served by `GET /accounts`.
    total: u64,
    limit: Option<Limit>,
    window: Mutex<(Instant, u64)>,
}

struct Server {
    script: Arc<Script>,
    base_url: String,
}

impl Server {
    async fn start(
        total: u64,
        limit: Option<Limit>,
        steps: impl IntoIterator<Item = Step>,
    ) -> Self {
        quiet_close_panics();
        let script = Arc::new(Script {
            steps: Mutex::new(steps.into_iter().collect()),
            log: Mutex::new(Vec::new()),
            created: AtomicU64::new(0),
            total,
            limit,
            window: Mutex::new((Instant::now(), 0)),
        });
        let app = Router::new().fallback(handle).with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        Server {
            script,
            base_url: format!("http://{addr}"),
        }
    }

    fn client(&self, policy: RetryPolicy) -> Client {
        Client::builder()
            .base_url(&self.base_url)
            .token(TOKEN)
            .retry_policy(policy)
            .build()
            .expect("client")
    }

    /// The first page, under the fast test policy.
    async fn page(&self) -> Result<crm_runtime::Page<Account>, crm_runtime::Error> {
        self.client(fast_retry()).list::<Account>().send().await
    }

    /// One create, under the fast test policy.
    async fn create(&self) -> Result<Account, crm_runtime::Error> {
        self.client(fast_retry()).create_as(&NEW).await
    }

    fn requests(&self) -> Vec<String> {
        self.script.log.lock().expect("lock").clone()
    }

    fn created(&self) -> u64 {
        self.script.created.load(Ordering::SeqCst)
    }
}

const CLOSE: &str = "script: close unanswered";

/// Silences the panics the script uses to close connections, and only those.
fn quiet_close_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<&str>().copied() != Some(CLOSE) {
                previous(info);
            }
        }));
    });
}

fn api_error(status: u16) -> serde_json::Value {
    json!({"type": "Server error", "code": status, "message": format!("scripted {status}")})
}

async fn handle(
    State(s): State<Arc<Script>>,
    method: Method,
    uri: Uri,
    Query(params): Query<std::collections::HashMap<String, String>>,
) -> Response {
    s.log
        .lock()
        .expect("lock")
        .push(format!("{method} {}", uri.path()));
    if let Some(limit) = s.limit {
        let mut w = s.window.lock().expect("lock");
        if w.0.elapsed() >= limit.window {
            *w = (Instant::now(), 0);
        }
        if w.1 >= limit.calls {
            let left = limit.window.saturating_sub(w.0.elapsed()).as_secs_f64();
            let mut resp =
                (StatusCode::TOO_MANY_REQUESTS, axum::Json(api_error(429))).into_response();
            resp.headers_mut()
                .insert("retry-after", format!("{left:.3}").parse().expect("header"));
            return resp;
        }
        w.1 += 1;
    }
    let step = s.steps.lock().expect("lock").pop_front();
    if let Some(Step::Status(code, retry_after)) = &step {
        let mut resp = (
            StatusCode::from_u16(*code).expect("status"),
            axum::Json(api_error(*code)),
        )
            .into_response();
        if let Some(ra) = retry_after {
            resp.headers_mut()
                .insert("retry-after", ra.parse().expect("header"));
        }
        return resp;
    }
    if let Some(Step::Empty(code)) = step {
        return StatusCode::from_u16(code).expect("status").into_response();
    }
    let (status, body) = match (method.as_str(), uri.path()) {
        ("GET", "/accounts") => (StatusCode::OK, list(&s, &params)),
        ("POST", "/accounts") => {
            let id = 1000 + s.created.fetch_add(1, Ordering::SeqCst) + 1;
            (
                StatusCode::CREATED,
                json!({"metadata": {}, "record": {"id": id, "name": "New"}}),
            )
        }
        ("DELETE", _) => (StatusCode::NO_CONTENT, json!(null)),
        _ => (StatusCode::NOT_FOUND, api_error(404)),
    };
    match step {
        Some(Step::ActThenClose) => std::panic::panic_any(CLOSE),
        Some(Step::ActThenCut) => {
            let text = body.to_string();
            let half = axum::body::Bytes::from(text.as_bytes()[..text.len() / 2].to_vec());
            // Yielding between the half and the error makes the server flush the head and the
            // half before it aborts.
            let chunks = futures::stream::iter([Ok::<_, std::io::Error>(half)]).chain(
                futures::stream::once(async {
                    tokio::task::yield_now().await;
                    Err(std::io::Error::other("cut"))
                }),
            );
            Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .header("content-length", text.len().to_string())
                .body(Body::from_stream(chunks))
                .expect("response")
        }
        _ if status == StatusCode::NO_CONTENT => status.into_response(),
        _ => (status, axum::Json(body)).into_response(),
    }
}

fn list(s: &Script, params: &std::collections::HashMap<String, String>) -> serde_json::Value {
    let limit: u64 = params
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(10);
    let page: u64 = params.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    // Keyset paging (`"id":{"$gt":n}`, ids being 1..=total) starts after n and counts what is left.
    let after = params
        .get("q")
        .and_then(|q| serde_json::from_str::<serde_json::Value>(q).ok())
        .and_then(|q| q["id"]["$gt"].as_u64());
    let start = after.unwrap_or((page - 1) * limit).min(s.total);
    let list: Vec<_> = (start + 1..=(start + limit).min(s.total))
        .map(|id| json!({"record": {"id": id, "name": format!("Account {id}")}}))
        .collect();
    let total = s.total - after.unwrap_or(0).min(s.total);
    json!({"metadata": {"total_count": total, "has_more": start + limit < s.total}, "list": list})
}

#[derive(serde::Serialize)]
struct NewAccount {
    name: &'static str,
}
impl crm_runtime::Create for NewAccount {
    type Object = Accounts;
}

const NEW: NewAccount = NewAccount { name: "New" };

#[tokio::test]
async fn a_get_answered_500_is_retried_until_it_succeeds() {
    let s = Server::start(3, None, [Step::Status(500, None), Step::Status(500, None)]).await;
    let page = s.page().await.expect("third attempt");
    assert_eq!(page.records().len(), 3);
    assert_eq!(s.requests(), ["GET /accounts"; 3]);
}

#[tokio::test]
async fn a_get_answered_500_every_time_stops_after_max_attempts() {
    let s = Server::start(3, None, vec![Step::Status(500, None); 5]).await;
    let err = s.page().await.expect_err("500 four times");
    assert_eq!(err.kind(), ErrorKind::Server);
    assert!(err.is_server());
    assert_eq!(
        err.to_string(),
        "GET /accounts: server error (HTTP 500): Server error: scripted 500"
    );
    assert_eq!(s.requests().len(), 4);
}

#[tokio::test]
async fn a_post_refused_with_429_or_503_is_retried_and_creates_once() {
    let s = Server::start(
        0,
        None,
        [
            Step::Status(429, Some("0")),
            Step::Status(503, None),
            Step::Status(429, Some("0.01")),
        ],
    )
    .await;
    let client = s.client(fast_retry());
    let created: Account = client
        .create_as(&NEW)
        .await
        .expect("created after refusals");
    assert_eq!(created.id.get(), 1001);
    assert_eq!(s.created(), 1);
    assert_eq!(s.requests(), ["POST /accounts"; 4]);
    let usage = client.usage();
    assert_eq!((usage.calls, usage.failed, usage.refused), (4, 3, 3));
}

#[tokio::test]
async fn refusals_use_up_no_attempt_are_bounded_and_none_retries_nothing() {
    // Six refusals in a row outlast four attempts: refusals have their own bound.
    let s = Server::start(3, None, vec![Step::Status(503, None); 6]).await;
    let page = s.page().await.expect("waited out");
    assert_eq!(page.records().len(), 3);
    assert_eq!(s.requests().len(), 7);
    // A server that keeps refusing: ten refusals are waited out, the eleventh is returned.
    let s = Server::start(3, None, vec![Step::Status(429, Some("0")); 12]).await;
    let err = s.page().await.expect_err("refused every time");
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(
        err.to_string(),
        "GET /accounts: rate limited (HTTP 429): Server error: scripted 429; retry after 0s"
    );
    assert_eq!(s.requests().len(), 11);
    let s = Server::start(3, None, [Step::Status(429, Some("0"))]).await;
    let err = s
        .client(RetryPolicy::none())
        .list::<Account>()
        .send()
        .await
        .expect_err("no retry");
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(s.requests().len(), 1);
}

#[tokio::test]
async fn a_post_whose_connection_closed_after_it_acted_is_an_unknown_outcome() {
    let s = Server::start(0, None, [Step::ActThenClose]).await;
    let err = s.create().await.expect_err("no answer");
    assert_eq!(err.kind(), ErrorKind::UnknownOutcome);
    assert!(err.is_unknown_outcome() && !err.is_connect(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "POST /accounts: outcome unknown: the connection was lost after the request was sent, so the record may have been created; it was not sent again: look it up by a unique field before retrying"
    );
    assert_eq!(s.requests(), ["POST /accounts"], "a create was repeated");
    assert_eq!(s.created(), 1, "the scripted server did create it");
}

#[tokio::test]
async fn a_post_whose_answer_was_cut_short_is_an_unknown_outcome_naming_the_status() {
    let s = Server::start(0, None, [Step::ActThenCut]).await;
    let err = s
        .client(fast_retry())
        .object("accounts")
        .create(&json!({"name": "New"}))
        .await
        .expect_err("cut");
    assert!(err.is_unknown_outcome(), "{err:?}");
    assert_eq!(err.status(), Some(201), "{err:?}");
    assert_eq!(
        err.to_string(),
        "POST /accounts: outcome unknown (HTTP 201): the server answered HTTP 201, then the answer was cut short, so the record may have been created; it was not sent again: look it up by a unique field before retrying"
    );
    assert_eq!(s.requests().len(), 1);
    assert_eq!(s.created(), 1);
}

#[tokio::test]
async fn a_post_answered_by_a_gateway_is_an_unknown_outcome_and_a_500_a_server_error() {
    for (code, kind) in [
        (502, ErrorKind::UnknownOutcome),
        (504, ErrorKind::UnknownOutcome),
        (500, ErrorKind::Server),
    ] {
        let s = Server::start(0, None, [Step::Status(code, None)]).await;
        let err = s.create().await.expect_err("status");
        assert_eq!(err.kind(), kind, "{code}: {err}");
        assert_eq!(err.status(), Some(code));
        assert_eq!(s.requests().len(), 1, "{code} was retried");
        let shown = err.to_string();
        if kind == ErrorKind::UnknownOutcome {
            assert_eq!(
                shown,
                format!(
                    "POST /accounts: outcome unknown (HTTP {code}): Server error: scripted {code}: a gateway answered HTTP {code}, so the record may have been created; it was not sent again: look it up by a unique field before retrying"
                )
            );
        } else {
            assert_eq!(
                shown,
                "POST /accounts: server error (HTTP 500): Server error: scripted 500"
            );
        }
    }
}

#[tokio::test]
async fn a_get_whose_connection_is_lost_every_time_says_so_after_its_attempts() {
    let s = Server::start(3, None, vec![Step::ActThenClose; 4]).await;
    let err = s.page().await.expect_err("lost");
    assert_eq!(err.kind(), ErrorKind::ConnectionLost);
    assert!(err.is_connection_lost() && !err.is_connect(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "GET /accounts: connection lost before the answer was complete"
    );
    assert_eq!(s.requests().len(), 4);
    // One loss, then an answer: the retry finishes the job.
    let s = Server::start(3, None, [Step::ActThenClose, Step::ActThenCut]).await;
    let page = s.page().await.expect("third attempt");
    assert_eq!(page.records().len(), 3);
    assert_eq!(s.requests().len(), 3);
}

#[tokio::test]
async fn an_empty_answer_where_a_page_is_expected_is_a_decode_error_sent_once() {
    for code in [200u16, 204] {
        let s = Server::start(3, None, [Step::Empty(code)]).await;
        let err = s.page().await.expect_err("empty");
        assert_eq!(err.kind(), ErrorKind::Decode, "{code}: {err:?}");
        assert_eq!(
            err.to_string(),
            "GET /accounts: could not decode the response: the server sent an empty answer where accounts JSON was expected",
            "{code}"
        );
        assert_eq!(s.requests().len(), 1, "{code}: an empty answer was retried");
    }
}

#[tokio::test]
async fn a_204_to_a_delete_is_success() {
    let s = Server::start(0, None, []).await;
    s.client(fast_retry())
        .delete(crm_runtime::Id::<Accounts>::new(7))
        .await
        .expect("204 is done");
    assert_eq!(s.requests(), ["DELETE /accounts/7"]);
}

#[tokio::test]
async fn a_delete_retried_after_a_lost_answer_is_done_when_the_record_is_gone() {
    let s = Server::start(0, None, [Step::ActThenClose, Step::Status(404, None)]).await;
    s.client(fast_retry())
        .delete(crm_runtime::Id::<Accounts>::new(7))
        .await
        .expect("the first attempt may have deleted it");
    assert_eq!(s.requests(), ["DELETE /accounts/7"; 2]);
    // Without a lost attempt before it, a 404 stays an error.
    let s = Server::start(0, None, [Step::Status(404, None)]).await;
    let err = s
        .client(fast_retry())
        .delete(crm_runtime::Id::<Accounts>::new(7))
        .await
        .expect_err("never there");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(
        err.to_string(),
        "DELETE /accounts/7: not found (HTTP 404): Server error: scripted 404"
    );
}

#[tokio::test]
async fn a_huge_retry_after_is_worded_not_printed_as_twenty_digits() {
    for (value, shown) in [
        ("1e20", "more than a year"),
        ("18446744073709551615", "more than a year"),
        ("259200", "3 days"),
        ("7200", "7200s"),
        ("1.5", "1.5s"),
        ("0.75", "750ms"),
    ] {
        let s = Server::start(3, None, [Step::Status(429, Some(value))]).await;
        let err = s
            .client(fast_retry().total_budget(Duration::from_millis(500)))
            .list::<Account>()
            .send()
            .await
            .expect_err("beyond the budget");
        assert_eq!(
            err.to_string(),
            format!(
                "GET /accounts: rate limited (HTTP 429): Server error: scripted 429; retry after {shown}"
            ),
            "{value}"
        );
        assert_eq!(s.requests().len(), 1, "{value} was waited out");
    }
}

/// Every failed call was a refusal, and every other call fetched a distinct page (or probed).
pub(crate) fn assert_one_call_per_page(usage: &crm_runtime::Usage, pages: u64, prefetch: usize) {
    // Prefetch lanes first probe for the largest id: one call more than pages.
    let pages = pages + u64::from(prefetch > 1);
    assert_eq!(
        usage.failed, usage.refused,
        "prefetch {prefetch}: {usage:?}"
    );
    assert_eq!(
        usage.calls - usage.refused,
        pages,
        "prefetch {prefetch}: {usage:?}"
    );
}

/// Exports 100 pages under a server limit of 5 calls per 200 ms and returns the ids and the
/// client's usage.
async fn export_under_a_limit(prefetch: usize) -> (Vec<u64>, crm_runtime::Usage, usize) {
    let limit = Limit {
        calls: 5,
        window: Duration::from_millis(200),
    };
    let s = Server::start(1000, Some(limit), []).await;
    let client = s.client(RetryPolicy::default());
    let ids: Vec<u64> = client
        .list::<Account>()
        .limit(PageSize::new(10).expect("size"))
        .prefetch(prefetch)
        .items()
        .map_ok(|a| a.id.get())
        .try_collect()
        .await
        .expect("export under a limit");
    (ids, client.usage(), s.requests().len())
}

#[tokio::test]
async fn under_a_rate_limit_prefetch_slows_down_and_every_page_costs_one_successful_call() {
    let expected: Vec<u64> = (1..=1000).collect();
    for prefetch in [1usize, 8] {
        let (ids, usage, seen) = export_under_a_limit(prefetch).await;
        assert_eq!(ids, expected, "prefetch {prefetch}");
        assert_eq!(usage.calls as usize, seen, "prefetch {prefetch}");
        assert_one_call_per_page(&usage, 100, prefetch);
        eprintln!("prefetch {prefetch}: 100 pages, {usage:?}");
    }
}
