//! Exporting many records from the in-process sandbox over loopback: the runtime paging by id
//! (one keyset stream, and 4 and 8 prefetch lanes), hand-written reqwest + `serde_json::from_slice`
//! loops paging by number (one page at a time, and 8 in flight), and a Python `requests` loop
//! (when `python3` has `requests`), interleaved round by round; then the time per record of
//! the keyset modes at a smaller count, and sequential against 8 lanes with 20 ms of added
//! latency. Prints medians and ratios, and the requests an export of N records costs.
//!
//! `cargo bench -p crm-runtime --bench export` (env `EXPORT_RECORDS`, default 100000;
//! `EXPORT_SMALL`, default 10000; `EXPORT_ROUNDS`, default 3)

use std::time::{Duration, Instant};

use crm_runtime::Client;
use futures::{StreamExt, TryStreamExt};

mod support;
use support::Account;

const TOKEN: &str = "bench-token";

const PYTHON: &str = r#"
import sys, requests
base, token = sys.argv[1], sys.argv[2]
s = requests.Session()
s.headers["Authorization"] = "Bearer " + token
n, page = 0, 1
while True:
    r = s.get(base + "/accounts", params={"limit": 100, "page": page, "order": '{"id":"asc"}'})
    r.raise_for_status()
    d = r.json()
    n += len([i["record"] for i in d["list"]])
    if not d["metadata"].get("has_more") or not d["list"]:
        break
    page += 1
print(n)
"#;

#[derive(serde::Deserialize)]
struct Meta {
    has_more: Option<bool>,
    total_count: Option<u64>,
}
#[derive(serde::Deserialize)]
struct Item {
    record: Account,
}
#[derive(serde::Deserialize)]
struct Envelope {
    metadata: Meta,
    list: Vec<Item>,
}

/// Page `page` of the accounts in id order, decoded, as a user would fetch it by hand.
async fn hand_page(http: &reqwest::Client, base: &str, page: u32) -> Envelope {
    let params = [
        ("limit", "100".to_owned()),
        ("page", page.to_string()),
        ("order", r#"{"id":"asc"}"#.to_owned()),
    ];
    let body = http
        .get(format!("{base}/accounts"))
        .query(&params)
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("send")
        .bytes()
        .await
        .expect("body");
    let env: Envelope = serde_json::from_slice(&body).expect("decode");
    for item in &env.list {
        std::hint::black_box(&item.record);
    }
    env
}

/// What a user would write by hand with reqwest and serde_json: page numbers, one at a time.
async fn hand_written(base: &str) -> usize {
    let http = reqwest::Client::new();
    let mut n = 0;
    for page in 1u32.. {
        let env = hand_page(&http, base, page).await;
        n += env.list.len();
        if env.metadata.has_more != Some(true) || env.list.is_empty() {
            break;
        }
    }
    n
}

/// The same with 8 pages in flight once page 1 gave the total: what the runtime's prefetch
/// did before it paged by id.
async fn hand_written_8(base: &str) -> usize {
    let http = reqwest::Client::new();
    let first = hand_page(&http, base, 1).await;
    let pages =
        u32::try_from(first.metadata.total_count.unwrap_or(0).div_ceil(100)).expect("pages");
    let rest: Vec<usize> = futures::stream::iter(2..=pages)
        .map(|p| {
            let http = http.clone();
            async move { hand_page(&http, base, p).await.list.len() }
        })
        .buffered(8)
        .collect()
        .await;
    first.list.len() + rest.iter().sum::<usize>()
}

async fn runtime(client: &Client, prefetch: usize, q: Option<&str>) -> usize {
    let mut query = client.list::<Account>().prefetch(prefetch);
    if let Some(q) = q {
        query = query.q_json(q);
    }
    let mut items = query.items();
    let mut n = 0;
    while let Some(a) = items.try_next().await.expect("export") {
        std::hint::black_box(&a);
        n += 1;
    }
    n
}

async fn python(base: &str) -> Option<usize> {
    let base = base.to_owned();
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new("python3")
            .args(["-c", PYTHON, &base, TOKEN])
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        String::from_utf8(out.stdout).ok()?.trim().parse().ok()
    })
    .await
    .ok()
    .flatten()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn set_latency(base: &str, ms: u64) {
    reqwest::Client::new()
        .put(format!("{base}/__sandbox/faults"))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({ "latency_ms": ms }))
        .send()
        .await
        .expect("faults")
        .error_for_status()
        .expect("faults");
}

/// A sandbox of `records` accounts from the dictionaries in `dir`, and a client for it.
async fn start(dir: &std::path::Path, records: u32) -> (crm_sandbox::Running, Client) {
    let t = Instant::now();
    let sandbox = crm_sandbox::spawn(
        crm_sandbox::Config::new(TOKEN)
            .with_dictionaries(dir)
            .with_records(records),
    )
    .await
    .expect("sandbox");
    eprintln!("seeded {records} records in {:.1?}", t.elapsed());
    let client = Client::builder()
        .base_url(&sandbox.base_url)
        .token(TOKEN)
        .build()
        .expect("client");
    (sandbox, client)
}

fn main() {
    let records: u32 = std::env::var("EXPORT_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let rounds: usize = std::env::var("EXPORT_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    // `cargo bench` passes `--bench`; any other argument (a filter from `cargo test --benches`)
    // means "just check it runs".
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        // Accounts (and the campaigns they reference) only, so seeding stays quick.
        let dir = std::env::temp_dir().join(format!("crm-export-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        for f in ["accounts.json", "campaigns.json"] {
            std::fs::copy(crm_sandbox::default_dictionaries_dir().join(f), dir.join(f))
                .expect("copy");
        }
        let (sandbox, client) = start(&dir, records).await;
        let base = sandbox.base_url.clone();

        // Request counts of one export by id, one stream and 8 lanes.
        for prefetch in [1, 8] {
            let before = sandbox.state.calls().total;
            let n = runtime(&client, prefetch, None).await;
            let requests = sandbox.state.calls().total - before;
            assert_eq!(n as u64, u64::from(records));
            println!(
                "requests for {n} records, prefetch {prefetch}: {requests} (ceil(N/100) = {})",
                u64::from(records).div_ceil(100)
            );
        }

        let has_python = python(&base).await == Some(records as usize);
        let names = [
            "keyset, 1 lane",
            "keyset, 4 lanes",
            "keyset, 8 lanes",
            "page numbers, hand-written",
            "page numbers, 8 in flight",
            "python requests",
        ];
        let mut times: Vec<Vec<Duration>> = vec![Vec::new(); names.len()];
        for _ in 0..rounds {
            for (i, slot) in times.iter_mut().enumerate() {
                let t = Instant::now();
                let n = match i {
                    0 => runtime(&client, 1, None).await,
                    1 => runtime(&client, 4, None).await,
                    2 => runtime(&client, 8, None).await,
                    3 => hand_written(&base).await,
                    4 => hand_written_8(&base).await,
                    _ if has_python => python(&base).await.expect("python"),
                    _ => continue,
                };
                slot.push(t.elapsed());
                assert_eq!(n, records as usize, "{}", names[i]);
            }
        }
        println!("loopback, {records} records, median of {rounds}:");
        let reference = median(times[3].clone());
        let py = has_python.then(|| median(times[5].clone()));
        let mut per_record = Vec::new();
        for (name, t) in names.iter().zip(&times) {
            if t.is_empty() {
                println!("  {name:28} (not available)");
                continue;
            }
            let m = median(t.clone());
            per_record.push(m.as_secs_f64() / f64::from(records));
            let pages = f64::from(records) / 100.0 / m.as_secs_f64();
            let vs_py = py
                .map(|p| format!("{:.2}x python", p.as_secs_f64() / m.as_secs_f64()))
                .unwrap_or_default();
            println!(
                "  {name:28} {:>8.2?} {pages:>8.0} pages/s  {:.2}x hand-written  {vs_py}",
                m,
                reference.as_secs_f64() / m.as_secs_f64()
            );
        }
        sandbox.shutdown().await;

        // The same keyset modes at a smaller count: does a record cost more in a larger list?
        let small: u32 = std::env::var("EXPORT_SMALL")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(10_000);
        let (sandbox, client) = start(&dir, small).await;
        let base = sandbox.base_url.clone();
        let mut small_times: Vec<Vec<Duration>> = vec![Vec::new(); 3];
        for _ in 0..rounds {
            for (slot, prefetch) in small_times.iter_mut().zip([1, 4, 8]) {
                let t = Instant::now();
                assert_eq!(runtime(&client, prefetch, None).await, small as usize);
                slot.push(t.elapsed());
            }
        }
        println!("time per record, {records} against {small} records, median of {rounds}:");
        for ((name, t), big) in names.iter().zip(small_times).zip(&per_record) {
            let small_per = median(t).as_secs_f64() / f64::from(small);
            println!(
                "  {name:28} {:>7.2} us against {:>7.2} us: {:.2}x",
                big * 1e6,
                small_per * 1e6,
                big / small_per
            );
        }

        // Added latency: 100 pages, one stream against 8 lanes.
        set_latency(&base, 20).await;
        let q = r#"{"id":{"$lte":10000}}"#;
        let mut seq = Vec::new();
        let mut par = Vec::new();
        for _ in 0..rounds {
            let t = Instant::now();
            assert_eq!(
                runtime(&client, 1, Some(q)).await,
                10_000.min(small as usize)
            );
            seq.push(t.elapsed());
            let t = Instant::now();
            assert_eq!(
                runtime(&client, 8, Some(q)).await,
                10_000.min(small as usize)
            );
            par.push(t.elapsed());
        }
        let (s, p) = (median(seq), median(par));
        println!(
            "20 ms latency, {} records: 1 lane {s:.2?}, 8 lanes {p:.2?}: {:.2}x",
            10_000.min(small),
            s.as_secs_f64() / p.as_secs_f64()
        );
        sandbox.shutdown().await;
        let _ = std::fs::remove_dir_all(&dir);
    });
}
