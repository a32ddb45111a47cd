//! Fault injection and the admin API.

use axum::http::Method;
use crm_sandbox::{Faults, RateLimit};
use serde_json::json;

use crate::common::{Sbx, assert_error, config};

fn with_faults(f: Faults) -> Sbx {
    Sbx::with(config().with_faults(f))
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let s = with_faults(Faults {
        rate_limit: Some(RateLimit {
            requests: 3,
            per_seconds: 3600,
        }),
        ..Faults::default()
    });
    for _ in 0..3 {
        assert_eq!(s.get("/accounts").await.status, 200);
    }
    let r = s.get("/accounts").await;
    assert_error(&r, 429, "Rate limit of 3 calls per 3600 s reached");
    let retry: u64 = r.headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=3600).contains(&retry), "{retry}");
    assert_eq!(
        s.get("/__sandbox/calls").await.status,
        200,
        "admin calls are not limited"
    );
}

#[tokio::test]
async fn daily_quota_answers_429() {
    let s = with_faults(Faults {
        daily_quota: Some(2),
        ..Faults::default()
    });
    assert_eq!(s.get("/accounts").await.status, 200);
    assert_eq!(s.get("/contacts").await.status, 200);
    let r = s.get("/accounts").await;
    assert_error(&r, 429, "Daily API call limit of 2 reached");
    assert!(r.headers.contains_key("retry-after"));
    // A reset starts a new "day".
    assert_eq!(
        s.call(Method::POST, "/__sandbox/reset", None).await.status,
        200
    );
    assert_eq!(s.get("/accounts").await.status, 200);
}

async fn statuses(s: &Sbx, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(s.get("/accounts?limit=1").await.status.as_u16());
    }
    out
}

#[tokio::test]
async fn injected_errors_are_deterministic_per_seed() {
    let f = Faults {
        error_rate: 0.5,
        ..Faults::default()
    };
    let a = statuses(&Sbx::with(config().with_seed(3).with_faults(f.clone())), 30).await;
    let b = statuses(&Sbx::with(config().with_seed(3).with_faults(f.clone())), 30).await;
    let c = statuses(&Sbx::with(config().with_seed(4).with_faults(f)), 30).await;
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!(a.contains(&200) && a.iter().any(|s| *s >= 500), "{a:?}");
    let all = statuses(
        &with_faults(Faults {
            error_rate: 1.0,
            ..Faults::default()
        }),
        30,
    )
    .await;
    assert!(
        all.contains(&500) && all.contains(&503) && all.iter().all(|s| *s == 500 || *s == 503),
        "{all:?}"
    );
    let r = with_faults(Faults {
        error_rate: 1.0,
        ..Faults::default()
    })
    .get("/accounts")
    .await;
    assert!(
        r.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("(injected)"))
    );
}

#[tokio::test]
async fn truncated_bodies_are_the_first_half() {
    let normal = Sbx::new().get("/accounts").await;
    let cut = with_faults(Faults {
        truncate_rate: 1.0,
        ..Faults::default()
    })
    .get("/accounts")
    .await;
    assert_eq!(cut.status, 200);
    assert_eq!(cut.bytes, normal.bytes[..normal.bytes.len() / 2]);
    assert_eq!(
        cut.headers["content-length"],
        (normal.bytes.len() / 2).to_string().as_str()
    );
    assert!(serde_json::from_slice::<serde_json::Value>(&cut.bytes).is_err());
}

#[tokio::test]
async fn admin_counts_calls() {
    let s = Sbx::new();
    s.get("/accounts").await;
    s.get("/accounts").await;
    s.get("/accounts/1").await;
    s.get("/accounts/2").await;
    s.get("/nope").await;
    s.get("/nope2/7").await;
    s.get("/lookup/accounts/addresscounty%2Fstate").await;
    let calls = s.get("/__sandbox/calls").await.json();
    assert_eq!(calls["total"], 7, "{calls}");
    // Keyed by route pattern with the object filled in, so ids do not add keys.
    assert_eq!(
        calls["routes"],
        serde_json::json!({
            "GET /accounts": 2,
            "GET /accounts/{id}": 2,
            "GET /{object}": 1,
            "GET /{object}/{id}": 1,
            "GET /lookup/accounts/{field}": 1
        })
    );
    assert_eq!(s.state.calls().total, 7);
    assert_eq!(s.delete("/__sandbox/calls").await.status, 200);
    assert_eq!(s.get("/__sandbox/calls").await.json()["total"], 0);
}

#[tokio::test]
async fn admin_sets_and_reads_faults() {
    let s = Sbx::new();
    assert_eq!(s.get("/__sandbox/faults").await.json()["error_rate"], 0.0);
    let r = s
        .call(
            Method::PUT,
            "/__sandbox/faults",
            Some(r#"{"error_rate": 1.0, "latency_ms": 1}"#),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(s.get("/__sandbox/faults").await.json()["error_rate"], 1.0);
    assert!(s.get("/accounts").await.status.as_u16() >= 500);
    assert_error(
        &s.call(
            Method::PUT,
            "/__sandbox/faults",
            Some(r#"{"drop_rate": -1}"#),
        )
        .await,
        400,
        "drop_rate must be between 0 and 1",
    );
    assert_error(
        &s.call(
            Method::PUT,
            "/__sandbox/faults",
            Some(r#"{"eror_rate": 1}"#),
        )
        .await,
        400,
        "unknown field `eror_rate`",
    );
    assert_eq!(
        s.call(Method::PUT, "/__sandbox/faults", Some("{}"))
            .await
            .status,
        200
    );
    assert_eq!(s.get("/accounts").await.status, 200, "faults off again");
}

#[tokio::test]
async fn admin_reset_and_reseed() {
    let s = Sbx::new();
    let before = s.get("/accounts/1").await.json();
    assert_eq!(s.delete("/accounts/1").await.status, 200);
    s.patch("/lookup/account_type", r#"{"items": ["Partner"]}"#)
        .await;
    let r = s.call(Method::POST, "/__sandbox/reset", None).await;
    assert_eq!(
        r.json(),
        json!({"message": "reset", "seed": 1, "records": 20})
    );
    assert_eq!(s.get("/accounts/1").await.json(), before);
    assert_eq!(
        s.get("/lookup/accounts/type").await.json()["list"]
            .as_array()
            .expect("list")
            .len(),
        5,
        "appended values gone"
    );
    let r = s
        .call(
            Method::POST,
            "/__sandbox/reseed",
            Some(r#"{"seed": 9, "records": 3}"#),
        )
        .await;
    assert_eq!(
        r.json(),
        json!({"message": "reseeded", "seed": 9, "records": 3})
    );
    assert_eq!(
        s.get("/accounts").await.json()["metadata"]["total_count"],
        3
    );
    assert_ne!(s.get("/accounts/1").await.json(), before);
    assert_error(
        &s.call(
            Method::POST,
            "/__sandbox/reseed",
            Some(r#"{"records": 5000000}"#),
        )
        .await,
        400,
        "records must be at most",
    );
    assert_error(
        &s.call(Method::POST, "/__sandbox/reseed", Some(r#"{"sed": 1}"#))
            .await,
        400,
        "Invalid reseed body",
    );
}
