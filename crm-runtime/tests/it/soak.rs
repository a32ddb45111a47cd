//! Soaks against the sandbox's fault injection: exports under 500/503 that must come out
//! byte-identical, prefetch under a tight rate limit, concurrent creates under a limit, and
//! creates under dropped connections. Each is bounded in calls and time (about 40 s in all).

use std::collections::BTreeMap;

use crm_runtime::{Client, RawRecord, RetryPolicy, Usage};
use futures::{StreamExt, TryStreamExt};
use serde_json::json;

use crate::common::fast_retry;
use crate::retries::assert_one_call_per_page;
use crate::sandbox::{TOKEN, set_faults};

async fn sandbox(seed: u64, accounts: u32) -> crm_sandbox::Running {
    crm_sandbox::spawn(
        crm_sandbox::Config::new(TOKEN)
            .with_seed(seed)
            .with_records(1)
            .with_object_records("accounts", accounts),
    )
    .await
    .expect("sandbox")
}

fn client(sandbox: &crm_sandbox::Running, policy: RetryPolicy) -> Client {
    Client::builder()
        .base_url(&sandbox.base_url)
        .token(TOKEN)
        .retry_policy(policy)
        .build()
        .expect("client")
}

/// Every account, streamed at this prefetch.
pub(crate) async fn accounts(client: &Client, prefetch: usize) -> Vec<RawRecord> {
    client
        .object("accounts")
        .list()
        .prefetch(prefetch)
        .items()
        .try_collect()
        .await
        .expect("export")
}

/// Every account as the server sent it, one JSON text per line.
async fn export(client: &Client, prefetch: usize) -> String {
    let mut out = String::new();
    for r in &accounts(client, prefetch).await {
        out.push_str(r.json());
        out.push('\n');
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_records_under_500s_and_503s_come_out_byte_identical() {
    for (seed, prefetch) in [(11u64, 1usize), (12, 4), (13, 8)] {
        let sbx = sandbox(seed, 10_000).await;
        let clean = export(&client(&sbx, RetryPolicy::none()), 1).await;
        assert_eq!(clean.lines().count(), 10_000);
        set_faults(&sbx, json!({"error_rate": 0.1})).await;
        // The default policy, with shorter waits so the soak stays short.
        let faulty = client(
            &sbx,
            RetryPolicy::default()
                .initial_backoff(std::time::Duration::from_millis(10))
                .max_backoff(std::time::Duration::from_millis(50)),
        );
        let got = export(&faulty, prefetch).await;
        let usage = faulty.usage();
        assert!(got == clean, "seed {seed}: the export under faults differs");
        assert!(usage.failed > 0, "seed {seed}: the faults never fired");
        eprintln!("soak errors seed {seed} prefetch {prefetch}: 100 pages, {usage:?}");
        sbx.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefetch_1_and_8_under_2_calls_per_second_complete_with_one_call_per_page() {
    let sbx = sandbox(21, 2_000).await;
    let clean = export(&client(&sbx, RetryPolicy::none()), 1).await;
    set_faults(
        &sbx,
        json!({"rate_limit": {"requests": 2, "per_seconds": 1}}),
    )
    .await;
    for prefetch in [1usize, 8] {
        let limited = client(&sbx, RetryPolicy::default());
        let got = export(&limited, prefetch).await;
        let usage = limited.usage();
        assert!(got == clean, "prefetch {prefetch}: the export differs");
        assert_one_call_per_page(&usage, 20, prefetch);
        eprintln!("soak rate limit prefetch {prefetch}: 20 pages, {usage:?}");
    }
    sbx.shutdown().await;
}

/// Creates `n` accounts named `{prefix} NNN`, `width` at a time; the outcome of each.
async fn create_many(
    client: &Client,
    prefix: &str,
    n: usize,
    width: usize,
) -> Vec<(String, Result<RawRecord, crm_runtime::Error>)> {
    futures::stream::iter(0..n)
        .map(|i| {
            let client = client.clone();
            let name = format!("{prefix} {i:03}");
            async move {
                let r = client
                    .object("accounts")
                    .create(&json!({ "name": name }))
                    .await;
                (name, r)
            }
        })
        .buffer_unordered(width)
        .collect()
        .await
}

/// How many stored accounts carry each name starting with `prefix`.
async fn stored(client: &Client, prefix: &str) -> BTreeMap<String, usize> {
    let records: Vec<RawRecord> = client
        .object("accounts")
        .list()
        .q_json(json!({"name": {"$sw": prefix}}).to_string())
        .items()
        .try_collect()
        .await
        .expect("list");
    let mut counts = BTreeMap::new();
    for r in records {
        let name: String = r.field("name").expect("name").expect("name");
        *counts.entry(name).or_default() += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_concurrent_creates_under_50_per_second_create_exactly_300() {
    let sbx = sandbox(31, 1).await;
    set_faults(
        &sbx,
        json!({"rate_limit": {"requests": 50, "per_seconds": 1}}),
    )
    .await;
    let c = client(&sbx, RetryPolicy::default());
    let outcomes = create_many(&c, "Limited", 300, 300).await;
    let usage: Usage = c.usage();
    for (name, r) in &outcomes {
        assert!(r.is_ok(), "{name}: {:?}", r.as_ref().err());
    }
    set_faults(&sbx, json!({})).await;
    let counts = stored(&c, "Limited").await;
    assert_eq!(counts.len(), 300);
    assert!(counts.values().all(|n| *n == 1), "a create happened twice");
    assert_eq!(usage.calls - usage.refused, 300, "{usage:?}");
    eprintln!("soak creates under 50/s: 300 creates, {usage:?}");
    sbx.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_dropped_connections_every_create_happens_once_and_every_failure_says_unknown() {
    let sbx = sandbox(41, 1).await;
    set_faults(
        &sbx,
        json!({"drop_rate": 0.025, "drop_before_answer_rate": 0.025}),
    )
    .await;
    let c = client(&sbx, fast_retry());
    let outcomes = create_many(&c, "Dropped", 300, 8).await;
    let mut unknown = 0;
    for (name, r) in &outcomes {
        if let Err(e) = r {
            assert!(e.is_unknown_outcome(), "{name}: {e}");
            unknown += 1;
        }
    }
    assert!(unknown > 0, "the drops never fired");
    set_faults(&sbx, json!({})).await;
    // The sandbox drops only after acting, so every create exists, and none twice.
    let counts = stored(&c, "Dropped").await;
    assert_eq!(counts.len(), 300, "{unknown} unknown outcomes");
    assert!(counts.values().all(|n| *n == 1), "a create happened twice");
    eprintln!(
        "soak creates under 5% drops: 300 creates, {unknown} unknown outcomes, all 300 stored once"
    );
    sbx.shutdown().await;
}
