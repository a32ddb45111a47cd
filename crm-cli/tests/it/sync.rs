//! `crm sync` against a sandbox the test starts: the first run writes every record, the next
//! exactly the modified ones; runs killed at random moments and rerun write every record
//! version exactly once; a corrupt or foreign state file is an error that changes nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

pub(crate) const TOKEN: &str = "sync-token-3c9a";

pub(crate) async fn sandbox(records: u32, latency_ms: u64) -> crm_sandbox::Running {
    let faults = crm_sandbox::Faults {
        latency_ms,
        ..Default::default()
    };
    crm_sandbox::spawn(
        crm_sandbox::Config::new(TOKEN)
            .with_records(records)
            .with_faults(faults),
    )
    .await
    .expect("sandbox")
}

pub(crate) fn client(sb: &crm_sandbox::Running) -> crm_runtime::Client {
    crm_runtime::Client::builder()
        .base_url(&sb.base_url)
        .token(TOKEN)
        .build()
        .expect("client")
}

pub(crate) fn crm_command(sb: &crm_sandbox::Running, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_crm"));
    cmd.args(args)
        .env("CRM_BASE_URL", &sb.base_url)
        .env("CRM_TOKEN", TOKEN);
    cmd
}

/// Runs `crm args...` to its end, off the async threads.
pub(crate) async fn crm(sb: &crm_sandbox::Running, args: &[&str]) -> Output {
    let mut cmd = crm_command(sb, args);
    tokio::task::spawn_blocking(move || cmd.output().expect("run crm"))
        .await
        .expect("join")
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf8")
}

/// Every record of `object` now, by id, as the server sends it.
pub(crate) async fn records(
    client: &crm_runtime::Client,
    object: &str,
) -> BTreeMap<u64, serde_json::Map<String, Value>> {
    use futures::TryStreamExt;
    let all: Vec<crm_runtime::RawRecord> = client
        .object(object)
        .list()
        .items()
        .try_collect()
        .await
        .expect("records");
    all.iter()
        .map(|r| (r.id().expect("id"), r.to_map().expect("map")))
        .collect()
}

type Version = (u64, Option<String>);

fn version(record: &serde_json::Map<String, Value>) -> Version {
    (
        record["id"].as_u64().expect("id"),
        record
            .get("modifieddate")
            .and_then(Value::as_str)
            .map(str::to_owned),
    )
}

/// The (id, modifieddate) of every line of the output, in order.
fn versions_in(path: &Path) -> Vec<Version> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("a whole JSON line");
            version(v.as_object().expect("object"))
        })
        .collect()
}

struct Files {
    _dir: tempfile::TempDir,
    state: PathBuf,
    out: PathBuf,
}

impl Files {
    fn new() -> Files {
        let dir = tempfile::tempdir().expect("tempdir");
        Files {
            state: dir.path().join("accounts.state.json"),
            out: dir.path().join("accounts.ndjson"),
            _dir: dir,
        }
    }
    fn args<'a>(&'a self, object: &'a str) -> Vec<&'a str> {
        vec![
            "sync",
            object,
            "--state",
            self.state.to_str().expect("path"),
            "--out",
            self.out.to_str().expect("path"),
        ]
    }
}

/// `(pages, written, skipped, next watermark)` from the summary line.
fn summary(o: &Output) -> (u64, u64, u64, String) {
    let err = stderr(o);
    assert_eq!(err.lines().count(), 1, "{err}");
    let rest = err
        .trim_end()
        .strip_prefix("crm: sync accounts: ")
        .unwrap_or_else(|| panic!("{err}"));
    let rest = rest
        .strip_prefix("resumed an interrupted run, ")
        .unwrap_or(rest);
    let (counts, watermark) = rest.split_once("; next run from ").expect("watermark");
    let n: Vec<u64> = counts
        .split(", ")
        .map(|part| part.split(' ').next().expect("n").parse().expect("count"))
        .collect();
    assert_eq!(
        counts,
        format!(
            "{} pages, {} records written, {} skipped as already seen",
            n[0], n[1], n[2]
        )
    );
    (n[0], n[1], n[2], watermark.to_owned())
}

async fn touch(client: &crm_runtime::Client, ids: &[u64], tag: &str) {
    for id in ids {
        client
            .object("accounts")
            .update(*id, &json!({ "notes": format!("{tag} {id}") }))
            .await
            .expect("update");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_run_writes_everything_and_the_next_exactly_the_modified() {
    let sb = sandbox(230, 0).await;
    let client = client(&sb);
    let files = Files::new();
    let before = records(&client, "accounts").await;

    // What a run killed while replacing its state leaves beside it, and an unrelated file.
    let dir = files.state.parent().expect("dir");
    let stale = dir.join(".accounts.state.json.x1Yz2q.tmp");
    let other = dir.join(".other.json.x1Yz2q.tmp");
    for f in [&stale, &other] {
        std::fs::write(f, "{\"half\": ").expect("write");
    }
    let o = crm(&sb, &files.args("accounts")).await;
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert!(
        !stale.exists(),
        "a completed run removes its stale temp files"
    );
    assert!(other.exists(), "and only its own");
    let (pages, written, skipped, watermark) = summary(&o);
    assert_eq!((pages, written, skipped), (3, 230, 0));
    let first = versions_in(&files.out);
    assert_eq!(first, before.values().map(version).collect::<Vec<_>>());

    // Nothing changed: a run writes nothing; what it meets again (stamps at or after the
    // watermark, seeded ones in the future among them) is skipped.
    let again: u64 = before
        .values()
        .filter(|r| r["modifieddate"].as_str().is_some_and(|m| *m >= *watermark))
        .count() as u64;
    let o = crm(&sb, &files.args("accounts")).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let (_, written, skipped, _) = summary(&o);
    assert_eq!((written, skipped), (0, again));
    assert_eq!(versions_in(&files.out), first);

    let modified = [3u64, 50, 51, 199, 230];
    touch(&client, &modified, "second").await;
    let created = client
        .object("accounts")
        .create(&json!({ "name": "Created between runs" }))
        .await
        .expect("create");
    let o = crm(&sb, &files.args("accounts")).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let after = records(&client, "accounts").await;
    let mut want: Vec<Version> = modified.iter().map(|id| version(&after[id])).collect();
    want.push(version(&after[&created.id().expect("id")]));
    let all = versions_in(&files.out);
    assert_eq!(&all[first.len()..], &want[..]);
    let (_, written, _, _) = summary(&o);
    assert_eq!(written, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_killed_at_random_moments_write_every_version_exactly_once() {
    for seed in [11u64, 12, 13] {
        // Latency spreads a run over a second or so, so kills land between, during and after
        // pages and checkpoints.
        let sb = sandbox(1200, 25).await;
        let client = client(&sb);
        let files = Files::new();
        let mut rng = StdRng::seed_from_u64(seed);
        let mut want: BTreeSet<Version> = records(&client, "accounts")
            .await
            .values()
            .map(version)
            .collect();
        let mut kills = 0;
        for phase in 0..2 {
            if phase == 1 {
                let ids: Vec<u64> = (0..40).map(|_| rng.random_range(1..=1200)).collect();
                touch(&client, &ids, &format!("seed {seed}")).await;
                let now = records(&client, "accounts").await;
                want.extend(ids.iter().map(|id| version(&now[id])));
            }
            // A full first run takes some 13 requests, a later one two or three.
            // A run that finishes before its kill is not a kill: the next wait is shorter, so the
            // kills land however fast this machine is today (bounded attempts).
            let mut longest: u64 = if phase == 0 { 450 } else { 150 };
            let mut phase_kills = 0;
            for _ in 0..40 {
                if phase_kills >= 3 {
                    break;
                }
                let wait = Duration::from_millis(rng.random_range(0..longest.max(1)));
                let mut cmd = crm_command(&sb, &files.args("accounts"));
                cmd.stdout(Stdio::null()).stderr(Stdio::null());
                let finished = tokio::task::spawn_blocking(move || {
                    let mut child = cmd.spawn().expect("spawn");
                    std::thread::sleep(wait);
                    let finished = child.try_wait().expect("wait").is_some();
                    // SIGKILL: no handler runs, no buffer is flushed.
                    let _ = child.kill();
                    let _ = child.wait();
                    finished
                })
                .await
                .expect("join");
                if finished {
                    longest = longest * 2 / 3;
                } else {
                    phase_kills += 1;
                }
            }
            kills += phase_kills;
            let o = crm(&sb, &files.args("accounts")).await;
            assert!(o.status.success(), "seed {seed}: {}", stderr(&o));
        }
        assert!(kills >= 6, "seed {seed}: only {kills} runs were killed");
        // However the kills fell, the completed runs leave the state and the output only.
        let mut left: Vec<String> = std::fs::read_dir(files.state.parent().expect("dir"))
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            ["accounts.ndjson", "accounts.state.json"],
            "seed {seed}"
        );
        let got = versions_in(&files.out);
        let mut counts: BTreeMap<&Version, u32> = BTreeMap::new();
        for v in &got {
            *counts.entry(v).or_default() += 1;
        }
        let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
        assert!(
            twice.is_empty(),
            "seed {seed}: {} written twice, first {:?}",
            twice.len(),
            &twice[..twice.len().min(5)]
        );
        assert_eq!(
            counts.keys().copied().cloned().collect::<BTreeSet<_>>(),
            want,
            "seed {seed}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_or_foreign_state_file_is_refused_and_nothing_changes() {
    let sb = sandbox(5, 0).await;
    let files = Files::new();
    let state = files.state.display().to_string();
    let cases: Vec<(String, String)> = vec![
        (
            "{not json".to_owned(),
            format!("crm: {state} is not a crm sync state file (key must be a string at line 1 column 2); nothing was changed"),
        ),
        (
            r#"{"objects":["accounts"]}"#.to_owned(),
            format!("crm: {state} is not a crm sync state file (unknown field `objects`, expected one of `format`, `kind`, `base_url`, `object`, `output`, `watermark`, `seen`, `run` at line 1 column 10); nothing was changed"),
        ),
        (
            json!({"format": 1, "kind": "something-else", "base_url": sb.base_url, "object": "accounts",
                   "output": files.out, "watermark": null, "seen": [], "run": null}).to_string(),
            format!("crm: {state} is not a crm sync state file (kind `something-else`, format 1); nothing was changed"),
        ),
        (
            json!({"format": 1, "kind": "crm-sync-state", "base_url": sb.base_url, "object": "accounts",
                   "output": files.out, "watermark": "yesterday", "seen": [], "run": null}).to_string(),
            format!("crm: {state} is not a crm sync state file (watermark `yesterday`); nothing was changed"),
        ),
        (
            json!({"format": 1, "kind": "crm-sync-state", "base_url": sb.base_url, "object": "contacts",
                   "output": files.out, "watermark": null, "seen": [], "run": null}).to_string(),
            format!("crm: state file {state} is for contacts at {url}, not accounts at {url}; nothing was changed", url = sb.base_url),
        ),
        (
            json!({"format": 1, "kind": "crm-sync-state", "base_url": sb.base_url, "object": "accounts",
                   "output": "/elsewhere/out.ndjson", "watermark": null, "seen": [], "run": null}).to_string(),
            format!("crm: state file {state} belongs to output /elsewhere/out.ndjson, not {}; nothing was changed", files.out.display()),
        ),
    ];
    for (text, want) in cases {
        std::fs::write(&files.state, &text).expect("write");
        let o = crm(&sb, &files.args("accounts")).await;
        assert_eq!(o.status.code(), Some(1), "{text}");
        assert_eq!(stderr(&o).trim_end(), want);
        assert_eq!(std::fs::read_to_string(&files.state).expect("read"), text);
        assert!(!files.out.exists(), "{text}: the output was created");
    }

    // A second sync on the same output at once: refused while the first holds its lock.
    std::fs::remove_file(&files.state).expect("rm");
    let held = std::fs::File::create(&files.out).expect("out");
    rustix::fs::flock(&held, rustix::fs::FlockOperation::LockExclusive).expect("lock");
    let o = crm(&sb, &files.args("accounts")).await;
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).trim_end(),
        format!(
            "crm: {} is in use by another crm sync; nothing was changed",
            files.out.display()
        )
    );
    assert!(!files.state.exists());
    drop(held);
    std::fs::remove_file(&files.out).expect("rm");

    // An output shorter than the checkpoint says: changed outside `crm sync`.
    let o = crm(&sb, &files.args("accounts")).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let mut state: Value =
        serde_json::from_str(&std::fs::read_to_string(&files.state).expect("read")).expect("json");
    let len = std::fs::metadata(&files.out).expect("out").len();
    state["run"] = json!({"since": null, "next_watermark": "2026-01-01 00:00:00", "cursor": 2,
                          "output_bytes": len + 10, "written": []});
    let text = state.to_string();
    std::fs::write(&files.state, &text).expect("write");
    let o = crm(&sb, &files.args("accounts")).await;
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).trim_end(),
        format!(
            "crm: {} has {len} bytes, fewer than the {} the state file's checkpoint says were written: it was changed outside crm sync; nothing was changed",
            files.out.display(),
            len + 10
        )
    );
    assert_eq!(std::fs::read_to_string(&files.state).expect("read"), text);
    assert_eq!(std::fs::metadata(&files.out).expect("out").len(), len);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumed_run_against_a_server_that_ignores_the_id_condition_writes_nothing_twice() {
    use axum::extract::Query;
    use axum::routing::get;
    // Records 1..=5 on page 1, whatever `q` says; nothing after.
    let app = axum::Router::new().route(
        "/accounts",
        get(
            |Query(p): Query<std::collections::HashMap<String, String>>| async move {
                let ids: Vec<u64> = if p.get("page").map(String::as_str) == Some("1") {
                    (1..=5).collect()
                } else {
                    Vec::new()
                };
                let list: Vec<Value> = ids
                    .iter()
                    .map(|id| json!({"record": {"id": id, "modifieddate": "2026-11-01 10:00:00"}}))
                    .collect();
                axum::Json(json!({"metadata": {"total_count": 5}, "list": list}))
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let files = Files::new();
    // A run interrupted after its checkpoint at id 3, with records 1..=3 written.
    let written: String = (1..=3)
        .map(|id| format!("{{\"id\":{id},\"modifieddate\":\"2026-11-01 10:00:00\"}}\n"))
        .collect();
    std::fs::write(&files.out, &written).expect("out");
    let state = json!({"format": 1, "kind": "crm-sync-state", "base_url": url, "object": "accounts",
        "output": files.out, "watermark": null, "seen": [],
        "run": {"since": null, "next_watermark": "2026-11-30 00:00:00", "cursor": 3,
                "output_bytes": written.len(), "written": []}});
    std::fs::write(&files.state, state.to_string()).expect("state");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_crm"));
    cmd.args(files.args("accounts"))
        .args(["--base-url", &url])
        .env("CRM_TOKEN", TOKEN);
    let o = tokio::task::spawn_blocking(move || cmd.output().expect("run"))
        .await
        .expect("join");
    let ids: Vec<u64> = versions_in(&files.out).iter().map(|v| v.0).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5], "{}", stderr(&o));
    assert_eq!(
        stderr(&o).trim_end(),
        "crm: sync accounts: resumed an interrupted run, 1 pages, 2 records written, 3 skipped as already seen; next run from 2026-11-30 00:00:00"
    );
}
