//! Transport against the mock: retries by method, Retry-After, redirects, token refresh, token
//! secrecy in errors and traces, concurrency cap, usage accounting.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crm_runtime::{BoxFuture, Client, Error, RetryPolicy, SecretString, TokenProvider};
use serde::Serialize;

use crate::common::{Account, Accounts, Fault, MockState, TOKEN, spawn};

#[derive(Serialize)]
struct NewAccount {
    name: String,
}
impl crm_runtime::Create for NewAccount {
    type Object = Accounts;
}

#[tokio::test]
async fn a_post_is_not_retried_once_it_may_have_reached_the_server() {
    let mock = spawn(MockState::default()).await;
    let client = mock.client();
    let new = NewAccount {
        name: "Once".into(),
    };
    for fault in [Fault::Drop, Fault::Truncate, Fault::CutJson] {
        mock.fault(fault.clone());
        let before = mock.requests().len();
        let err = client
            .create_as::<Account, _>(&new)
            .await
            .expect_err("fault must surface");
        assert_eq!(mock.requests().len(), before + 1, "{fault:?} was retried");
        assert!(err.is_unknown_outcome(), "{fault:?}: {err:?}");
        assert!(
            err.method() == Some("POST") && err.path() == Some("/accounts"),
            "{err:?}"
        );
    }
    let created: Account = client.create_as(&new).await.expect("create");
    assert_eq!(created.name.as_deref(), Some("Once"));
    assert_eq!(*mock.state.created.lock().expect("lock"), 1);
}

#[tokio::test]
async fn a_post_is_retried_when_the_connection_was_never_made() {
    // A port with nothing listening: connect fails, so a retry cannot duplicate anything.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let failed = Arc::new(AtomicU32::new(0));
    let seen = failed.clone();
    let client = Client::builder()
        .base_url(format!("http://{addr}"))
        .token(TOKEN)
        .retry_policy(crate::common::fast_retry().max_attempts(3))
        .on_failed_call(move |_| {
            seen.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .expect("client");
    let err = client
        .create_as::<Account, _>(&NewAccount { name: "x".into() })
        .await
        .expect_err("no server");
    assert!(err.is_connect(), "{err:?}");
    assert_eq!(failed.load(Ordering::SeqCst), 3);
    assert_eq!(err.to_string(), "POST /accounts: could not connect");
}

#[tokio::test]
async fn retry_after_beyond_the_budget_is_returned_not_waited() {
    let mock = spawn(MockState {
        total: 3,
        has_more: true,
        ..Default::default()
    })
    .await;
    mock.fault(Fault::Status(429, Some(120)));
    let client = mock
        .builder()
        .retry_policy(RetryPolicy::default().total_budget(Duration::from_secs(5)))
        .build()
        .expect("client");
    let err = client
        .list::<Account>()
        .send()
        .await
        .expect_err("rate limited");
    assert!(err.is_rate_limited(), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(err.status(), Some(429));
    assert_eq!(
        err.to_string(),
        "GET /accounts: rate limited (HTTP 429): Invalid Request error: Too Many Attempts.; retry after 120s"
    );
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test]
async fn a_huge_retry_after_ends_retrying_instead_of_panicking() {
    let mock = spawn(MockState {
        total: 3,
        has_more: true,
        ..Default::default()
    })
    .await;
    let client = mock.client();
    for (value, shown) in [
        ("1e20", Duration::MAX),
        ("18446744073709551615", Duration::from_secs(u64::MAX)),
    ] {
        mock.fault(Fault::RetryAfter(429, value));
        let before = mock.requests().len();
        let err = client
            .list::<Account>()
            .send()
            .await
            .expect_err("rate limited");
        assert!(err.is_rate_limited(), "{value}: {err:?}");
        assert_eq!(err.retry_after(), Some(shown), "{value}");
        assert_eq!(mock.requests().len(), before + 1, "{value} was retried");
        assert!(
            err.to_string()
                .ends_with("Too Many Attempts.; retry after more than a year"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn a_redirect_is_an_auth_error_and_is_not_followed() {
    let mock = spawn(MockState::default()).await;
    let err = mock
        .client()
        .object("redirect")
        .list()
        .send()
        .await
        .expect_err("redirect");
    assert!(err.is_unauthorised(), "{err:?}");
    assert_eq!(err.status(), Some(302));
    assert_eq!(
        err.to_string(),
        "GET /redirect: not authorised (HTTP 302): redirected (the service sends a bad token to its login page)"
    );
    assert_eq!(mock.requests().len(), 1);
}

struct Refreshing {
    refreshes: AtomicU32,
}
impl TokenProvider for Refreshing {
    fn token(&self) -> BoxFuture<'_, Result<SecretString, Error>> {
        Box::pin(async { Ok(SecretString::from("stale")) })
    }
    fn refresh(&self) -> BoxFuture<'_, Result<Option<SecretString>, Error>> {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Ok(Some(SecretString::from("fresh"))) })
    }
}

#[tokio::test]
async fn a_token_is_refreshed_once_on_an_auth_refusal() {
    for status in [401u16, 402, 403] {
        let mock = spawn(MockState {
            total: 2,
            has_more: true,
            ..Default::default()
        })
        .await;
        mock.fault(Fault::Status(status, None));
        let provider = Arc::new(Refreshing {
            refreshes: AtomicU32::new(0),
        });
        let client = mock
            .builder()
            .token_provider(SharedProvider(provider.clone()))
            .build()
            .expect("client");
        let page = client
            .list::<Account>()
            .send()
            .await
            .expect("after refresh");
        assert_eq!(page.records().len(), 2);
        assert_eq!(provider.refreshes.load(Ordering::SeqCst), 1);
        assert_eq!(
            *mock.state.auth.lock().expect("lock"),
            vec!["Bearer stale", "Bearer fresh"]
        );
        // Refused again after the refresh: one refresh only, then the error.
        mock.fault(Fault::Status(status, None));
        mock.fault(Fault::Status(status, None));
        let err = client
            .list::<Account>()
            .send()
            .await
            .expect_err("refused twice");
        assert!(err.is_unauthorised(), "{err:?}");
        assert_eq!(provider.refreshes.load(Ordering::SeqCst), 2);
    }
}

struct SharedProvider(Arc<Refreshing>);
impl TokenProvider for SharedProvider {
    fn token(&self) -> BoxFuture<'_, Result<SecretString, Error>> {
        self.0.token()
    }
    fn refresh(&self) -> BoxFuture<'_, Result<Option<SecretString>, Error>> {
        self.0.refresh()
    }
}

/// A writer for a tracing subscriber that keeps everything in memory.
#[derive(Clone, Default)]
pub(crate) struct Captured(pub(crate) Arc<Mutex<Vec<u8>>>);
impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn the_token_never_appears_in_traces_errors_or_debug() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut texts = Vec::new();
    tracing::subscriber::with_default(subscriber, || {
        rt.block_on(async {
            let mock = spawn(MockState {
                total: 150,
                has_more: true,
                ..Default::default()
            })
            .await;
            mock.fault(Fault::Status(503, None));
            let client = mock.client();
            texts.push(format!("{client:?}"));
            texts.push(format!("{:?}", mock.builder()));
            let page = client.list::<Account>().send().await.expect("retried");
            assert_eq!(page.records().len(), 10);
            for path in ["status-403", "status-422", "redirect", "nowhere"] {
                let err = client.object(path).list().send().await.expect_err("error");
                texts.push(err.to_string());
                texts.push(format!("{err:?}"));
            }
            mock.fault(Fault::Drop);
            let err = client.object("accounts").get(1).await.expect_err("dropped");
            texts.push(format!(
                "{err} {err:?} {:?}",
                std::error::Error::source(&err)
            ));
            // The mock saw the token, so the test would notice if it were never sent.
            assert!(
                mock.state
                    .auth
                    .lock()
                    .expect("lock")
                    .iter()
                    .all(|a| a == &format!("Bearer {TOKEN}"))
            );
        });
    });
    let log = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf8");
    assert!(
        log.contains("crm.request") && log.contains("crm.attempt") && log.contains("crm.page"),
        "{log}"
    );
    assert!(
        log.contains("status=503") && log.contains("retrying"),
        "{log}"
    );
    assert!(!log.contains(TOKEN), "token in traces:\n{log}");
    assert!(
        !log.contains("Account 1"),
        "record contents in traces:\n{log}"
    );
    for t in texts {
        assert!(!t.contains(TOKEN), "token in: {t}");
    }
}

#[tokio::test]
async fn the_concurrency_cap_bounds_requests_in_flight() {
    let mock = spawn(MockState::default()).await;
    let client = mock.builder().max_concurrency(2).build().expect("client");
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .object("slow")
                    .list()
                    .send()
                    .await
                    .map(|p| p.records().len())
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.expect("join").expect("page"), 0);
    }
    assert_eq!(mock.requests().len(), 8);
    let peak = mock.state.peak.load(Ordering::SeqCst);
    assert!(
        (1..=2).contains(&peak),
        "{peak} requests in flight under a cap of 2"
    );
}

#[tokio::test]
async fn usage_counts_calls_fires_thresholds_once_and_reports_failures() {
    let mock = spawn(MockState {
        total: 1000,
        has_more: true,
        ..Default::default()
    })
    .await;
    let fired = Arc::new(Mutex::new(Vec::new()));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let (f1, f2) = (fired.clone(), failures.clone());
    let client = mock
        .builder()
        .call_budget(10)
        .on_budget_threshold(0.5, move |u| f1.lock().expect("lock").push(u.calls))
        .on_failed_call(move |e| f2.lock().expect("lock").push(e.status()))
        .build()
        .expect("client");
    mock.fault(Fault::Status(503, None));
    for page in 1..=7 {
        client
            .list::<Account>()
            .page(page)
            .send()
            .await
            .expect("page");
    }
    let usage = client.usage();
    assert_eq!((usage.calls, usage.failed, usage.budget), (8, 1, Some(10)));
    assert_eq!(usage.fraction_used(), Some(0.8));
    assert_eq!(*fired.lock().expect("lock"), vec![5]);
    assert_eq!(*failures.lock().expect("lock"), vec![Some(503)]);
}

/// `Client::from_env` reads the process environment, so it runs in a child copy of this test
/// binary with the variables set (setting them in this process would race other tests).
#[test]
fn from_env_reads_the_token_and_base_url() {
    if std::env::var_os("CRM_RUNTIME_FROM_ENV_CHILD").is_some() {
        match Client::from_env() {
            Ok(c) => println!("CHILD OK {} {c:?}", c.base_url()),
            Err(e) => println!("CHILD ERR {e}"),
        }
        return;
    }
    let exe = std::env::current_exe().expect("exe");
    for (token, want) in [
        (Some("child-token-42"), "CHILD OK http://127.0.0.1:9 Client"),
        (
            None,
            "CHILD ERR invalid client configuration: CRM_TOKEN is not set: put your API v4 access token in it (create one in the CRM under Settings / Integrations / API V4)",
        ),
    ] {
        let mut cmd = std::process::Command::new(&exe);
        cmd.args([
            "--exact",
            "transport::from_env_reads_the_token_and_base_url",
            "--nocapture",
        ])
        .env("CRM_RUNTIME_FROM_ENV_CHILD", "1")
        .env("CRM_BASE_URL", "http://127.0.0.1:9/");
        match token {
            Some(t) => cmd.env("CRM_TOKEN", t),
            None => cmd.env_remove("CRM_TOKEN"),
        };
        let out = cmd.output().expect("child");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(want), "{text}");
        assert!(!text.contains("child-token-42"), "token printed: {text}");
    }
}

#[tokio::test]
async fn an_answer_over_the_size_limit_is_a_decode_error_not_retried() {
    let mock = spawn(MockState::default()).await;
    let client = mock
        .builder()
        .max_response_bytes(4096)
        .build()
        .expect("client");
    let body = client
        .get_bytes(&["big-200-4096"], &[])
        .await
        .expect("at the limit");
    assert_eq!(body.len(), 4096);
    let err = client
        .get_bytes(&["big-200-4097"], &[])
        .await
        .expect_err("over the limit");
    assert!(err.is_decode(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "GET /big-200-4097: could not decode the response: the answer is larger than the limit of 4096 bytes (see ClientBuilder::max_response_bytes)"
    );
    assert_eq!(
        mock.requests().len(),
        2,
        "an oversized answer is not retried"
    );
    // An error page of any size still yields its status, with a short excerpt.
    let err = client
        .get_bytes(&["big-502-10000000"], &[])
        .await
        .expect_err("server error");
    assert!(err.is_server(), "{err:?}");
    assert_eq!(err.status(), Some(502));
}
