//! List throughput at `limit=100` over 100k accounts: unfiltered (the baseline), with a `$con`
//! filter, with a two-field order, deep in the pages, and the shapes keyset and incremental
//! export ask (`id $gt` in id order, alone and with a filter; a recent `modifieddate $gte`). Run with
//! `cargo bench -p crm-sandbox --bench list`; results are recorded in BENCHMARKS.md as ratios
//! to the unfiltered list measured in the same run.

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tower::ServiceExt;

const TOKEN: &str = "bench";
const RECORDS: u32 = 100_000;

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dictionaries");
    let config = crm_sandbox::Config::new(TOKEN)
        .with_dictionaries(dir)
        .with_records(10)
        .with_object_records("accounts", RECORDS);
    let started = std::time::Instant::now();
    let state = crm_sandbox::State::new(config).expect("sandbox starts");
    eprintln!("seeded {RECORDS} accounts in {:.1?}", started.elapsed());
    let app = crm_sandbox::app(state);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let cases = [
        ("unfiltered", "/accounts?limit=100".to_owned()),
        (
            "con_filter",
            format!(
                "/accounts?limit=100&q={}",
                enc(r#"{"name": {"$con": "sky"}}"#)
            ),
        ),
        (
            "two_field_order",
            format!(
                "/accounts?limit=100&order={}",
                enc(r#"{"type": "asc", "name": "desc"}"#)
            ),
        ),
        (
            "two_field_order_page_500",
            format!(
                "/accounts?limit=100&page=500&order={}",
                enc(r#"{"type": "asc", "name": "desc"}"#)
            ),
        ),
        ("page_500", "/accounts?limit=100&page=500".to_owned()),
        (
            "keyset_mid",
            format!(
                "/accounts?limit=100&order={}&q={}",
                enc(r#"{"id": "asc"}"#),
                enc(r#"{"id": {"$gt": 50000}}"#)
            ),
        ),
        (
            "keyset_mid_with_type",
            format!(
                "/accounts?limit=100&order={}&q={}",
                enc(r#"{"id": "asc"}"#),
                enc(r#"{"type": "Client", "id": {"$gt": 50000}}"#)
            ),
        ),
        (
            // A new last id on every call, as a keyset export asks, so no count is cached.
            "keyset_walk",
            format!(
                "/accounts?limit=100&order={}&q={}",
                enc(r#"{"id": "asc"}"#),
                enc(r#"{"id": {"$gt": LAST}}"#)
            ),
        ),
        (
            "modified_since_walk",
            format!(
                "/accounts?limit=100&order={}&q={}",
                enc(r#"{"id": "asc"}"#),
                enc(r#"{"modifieddate": {"$gte": "2026-12-20 00:00:00"}, "id": {"$gt": LAST}}"#)
            ),
        ),
        (
            // Seeded dates spread over 2015-2026: a few hundred records are this recent.
            "modified_since_recent",
            format!(
                "/accounts?limit=100&order={}&q={}",
                enc(r#"{"id": "asc"}"#),
                enc(r#"{"modifieddate": {"$gte": "2026-12-20 00:00:00"}}"#)
            ),
        ),
    ];
    let mut group = c.benchmark_group("list_100k");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(1));
    for (name, template) in cases {
        let calls = std::cell::Cell::new(0u64);
        let call = || {
            // `LAST` (percent-encoded as itself) becomes a last id that differs on every call.
            let n = calls.get();
            calls.set(n + 1);
            let uri = template.replace("LAST", &((n * 7919) % 99_000).to_string());
            let app = app.clone();
            async move {
                let req = Request::builder()
                    .uri(&uri)
                    .header("authorization", format!("Bearer {TOKEN}"))
                    .body(Body::empty())
                    .expect("request");
                let resp = app.oneshot(req).await.expect("infallible");
                assert_eq!(resp.status(), 200, "{uri}");
                axum::body::to_bytes(resp.into_body(), usize::MAX)
                    .await
                    .expect("body")
                    .len()
            }
        };
        let first = std::time::Instant::now();
        let bytes = rt.block_on(call());
        eprintln!(
            "{name}: {bytes} bytes per page, first call {:.1?}",
            first.elapsed()
        );
        group.bench_function(name, |b| b.iter(|| rt.block_on(call())));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
