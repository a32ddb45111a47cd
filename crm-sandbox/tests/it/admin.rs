//! The admin API refuses settings out of range with a 400 that says the range, and keeps the
//! settings it had; a sandbox that accepted `latency_ms` of u64::MAX would never answer again.

use axum::http::Method;
use serde_json::json;

use crate::common::{Sbx, assert_error};

#[tokio::test]
async fn every_fault_setting_out_of_range_is_refused_with_its_range() {
    let s = Sbx::new();
    let before = s.get("/__sandbox/faults").await.json();
    for (body, message) in [
        (
            json!({"latency_ms": u64::MAX}),
            "latency_ms must be at most 60000 (one minute), got 18446744073709551615",
        ),
        (
            json!({"latency_ms": 60_001}),
            "latency_ms must be at most 60000 (one minute), got 60001",
        ),
        (
            json!({"error_rate": 1.5}),
            "error_rate must be between 0 and 1, got 1.5",
        ),
        (
            json!({"truncate_rate": -0.1}),
            "truncate_rate must be between 0 and 1, got -0.1",
        ),
        (
            json!({"rate_limit": {"requests": 5, "per_seconds": 0}}),
            "rate_limit.per_seconds must be between 1 and 86400 (a day), got 0",
        ),
        (
            json!({"rate_limit": {"requests": 5, "per_seconds": u64::MAX}}),
            "rate_limit.per_seconds must be between 1 and 86400 (a day), got 18446744073709551615",
        ),
        (
            json!({"rate_limit": {"requests": 0, "per_seconds": 1}}),
            "rate_limit.requests must be at least 1 (use daily_quota 0 to refuse every call)",
        ),
        (
            json!({"latency_ms": -1}),
            "Invalid faults body: invalid value: integer `-1`",
        ),
        (
            json!({"daily_quota": 1e30}),
            "Invalid faults body: invalid type: floating point",
        ),
    ] {
        let r = s
            .call(Method::PUT, "/__sandbox/faults", Some(&body.to_string()))
            .await;
        assert_error(&r, 400, message);
    }
    assert_eq!(
        s.get("/__sandbox/faults").await.json(),
        before,
        "nothing was applied"
    );
    // The edges are accepted, and the sandbox still answers.
    let r = s
        .call(
            Method::PUT,
            "/__sandbox/faults",
            Some(r#"{"latency_ms": 0, "error_rate": 1.0, "rate_limit": {"requests": 1, "per_seconds": 86400}}"#),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(s.get("/accounts").await.status.is_server_error());
}

#[tokio::test]
async fn start_up_settings_out_of_range_are_refused_too() {
    let config = crate::common::config().with_faults(crm_sandbox::Faults {
        latency_ms: u64::MAX,
        ..Default::default()
    });
    let Err(err) = crm_sandbox::spawn(config).await else {
        panic!("a latency of u64::MAX ms was accepted");
    };
    assert!(
        err.to_string().contains("latency_ms must be at most 60000"),
        "{err}"
    );
}
