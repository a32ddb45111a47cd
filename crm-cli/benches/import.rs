//! `crm import` against the in-process sandbox over loopback: 8 and 1 rows at once (with a
//! journal) against a plain Python `requests` loop of POSTs, interleaved round by round; 8
//! against 1 with 20 ms of added latency; and the peak memory (max RSS, from `/usr/bin/time`)
//! of `crm import` at 10k and 100k rows. Prints medians and ratios; checks every run created
//! exactly its rows.
//!
//! `cargo bench -p crm-cli --bench import` (env `IMPORT_ROWS`, default 10000; `IMPORT_ROUNDS`,
//! default 3; `IMPORT_LATENCY_ROWS`, default 400; `IMPORT_MEMORY_ROWS`, default 100000, 0 skips)

// A benchmark stops on any failed step, with that step's error.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const TOKEN: &str = "bench-token";

const PYTHON: &str = r#"
import sys, json, requests
base, token, path = sys.argv[1], sys.argv[2], sys.argv[3]
s = requests.Session()
s.headers["Authorization"] = "Bearer " + token
n = 0
with open(path) as f:
    for line in f:
        r = s.post(base + "/accounts", json=json.loads(line))
        r.raise_for_status()
        n += 1
print(n)
"#;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rows_file(dir: &Path, n: usize) -> PathBuf {
    let path = dir.join(format!("rows-{n}.ndjson"));
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!(
            "{{\"name\":\"Bench {i:06}\",\"phone\":\"030 {i}\",\"leadscore\":{},\"type\":\"Client\"}}\n",
            i % 100
        ));
    }
    std::fs::write(&path, text).unwrap();
    path
}

struct Bench {
    base: String,
    dir: tempfile::TempDir,
    http: reqwest::Client,
}

impl Bench {
    async fn admin(&self, method: reqwest::Method, path: &str, body: serde_json::Value) {
        let status = self
            .http
            .request(method, format!("{}/__sandbox/{path}", self.base))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap()
            .status();
        assert!(status.is_success(), "{path}: {status}");
    }

    async fn reset(&self) {
        self.admin(reqwest::Method::POST, "reset", serde_json::json!({}))
            .await;
    }

    async fn latency(&self, ms: u64) {
        let faults = serde_json::json!({ "latency_ms": ms });
        self.admin(reqwest::Method::PUT, "faults", faults).await;
    }

    async fn count(&self) -> u64 {
        let client = crm_runtime::Client::builder()
            .base_url(&self.base)
            .token(TOKEN)
            .build()
            .unwrap();
        client.object("accounts").list().count().await.unwrap()
    }

    /// Runs `crm import` on `rows` with `concurrency` and a fresh journal; returns the wall
    /// time and the max RSS in KiB.
    async fn crm(&self, rows: &Path, concurrency: usize) -> (Duration, u64) {
        let journal = self.dir.path().join("bench.journal");
        let _ = std::fs::remove_file(&journal);
        let dictionaries = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dictionaries");
        let mut cmd = Command::new("/usr/bin/time");
        cmd.args([
            "-f",
            "maxrss=%M",
            env!("CARGO_BIN_EXE_crm"),
            "import",
            "accounts",
        ])
        .arg("--input")
        .arg(rows)
        .arg("--journal")
        .arg(&journal)
        .arg("--dictionaries")
        .arg(dictionaries)
        .args(["--concurrency", &concurrency.to_string()])
        .env("CRM_BASE_URL", &self.base)
        .env("CRM_TOKEN", TOKEN);
        let start = Instant::now();
        let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap();
        let took = start.elapsed();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{err}");
        let rss = err
            .lines()
            .find_map(|l| l.strip_prefix("maxrss="))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        (took, rss)
    }

    async fn python(&self, rows: &Path) -> Option<Duration> {
        let (base, rows) = (self.base.clone(), rows.to_owned());
        let start = Instant::now();
        let out = tokio::task::spawn_blocking(move || {
            Command::new("python3")
                .args(["-c", PYTHON, &base, TOKEN])
                .arg(rows)
                .output()
        })
        .await
        .unwrap()
        .ok()?;
        out.status.success().then(|| start.elapsed())
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let rows = env("IMPORT_ROWS", 10_000);
    let rounds = env("IMPORT_ROUNDS", 3).max(1);
    let latency_rows = env("IMPORT_LATENCY_ROWS", 400);
    let memory_rows = env("IMPORT_MEMORY_ROWS", 100_000);
    let sandbox = crm_sandbox::spawn(crm_sandbox::Config::new(TOKEN).with_records(0))
        .await
        .unwrap();
    let bench = Bench {
        base: sandbox.base_url.clone(),
        dir: tempfile::tempdir().unwrap(),
        http: reqwest::Client::new(),
    };
    let file = rows_file(bench.dir.path(), rows);

    let (mut c8, mut c1, mut py) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        bench.reset().await;
        if let Some(t) = bench.python(&file).await {
            assert_eq!(bench.count().await, rows as u64);
            py.push(t);
        }
        bench.reset().await;
        c8.push(bench.crm(&file, 8).await.0);
        assert_eq!(bench.count().await, rows as u64);
        bench.reset().await;
        c1.push(bench.crm(&file, 1).await.0);
        assert_eq!(bench.count().await, rows as u64);
        eprintln!("round {round} done");
    }
    let (m8, m1) = (median(c8), median(c1));
    println!("{rows} rows over loopback, median of {rounds}:");
    let line = |name: &str, t: Duration| {
        let ratio = if py.is_empty() {
            String::new()
        } else {
            format!(
                " ({:.2}x python)",
                median(py.clone()).as_secs_f64() / t.as_secs_f64()
            )
        };
        println!(
            "  {name}: {:.2} s, {:.0} rows/s{ratio}",
            t.as_secs_f64(),
            rows as f64 / t.as_secs_f64()
        );
    };
    line("crm import --concurrency 8", m8);
    line("crm import --concurrency 1", m1);
    if !py.is_empty() {
        line("python requests loop", median(py.clone()));
    }

    if latency_rows > 0 {
        let file = rows_file(bench.dir.path(), latency_rows);
        bench.latency(20).await;
        bench.reset().await;
        let (t1, _) = bench.crm(&file, 1).await;
        bench.reset().await;
        let (t8, _) = bench.crm(&file, 8).await;
        assert_eq!(bench.count().await, latency_rows as u64);
        bench.latency(0).await;
        println!(
            "{latency_rows} rows, 20 ms latency: concurrency 1 {:.2} s, 8 {:.2} s: {:.2}x",
            t1.as_secs_f64(),
            t8.as_secs_f64(),
            t1.as_secs_f64() / t8.as_secs_f64()
        );
    }

    if memory_rows > 0 {
        for n in [memory_rows / 10, memory_rows] {
            let file = rows_file(bench.dir.path(), n);
            bench.reset().await;
            let (t, rss) = bench.crm(&file, 8).await;
            assert_eq!(bench.count().await, n as u64);
            println!(
                "{n} rows: max RSS {:.1} MiB, {:.2} s",
                rss as f64 / 1024.0,
                t.as_secs_f64()
            );
        }
    }
}
