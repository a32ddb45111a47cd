//! Over a real socket: the in-process `spawn` helper, the binary, and restart persistence.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::common::{TOKEN, config, fixtures, temp_path};

#[tokio::test]
async fn debug_output_never_shows_the_token() {
    let secret = "sbx-SECRET-91c2";
    let cfg = crm_sandbox::Config::new(secret)
        .with_dictionaries(fixtures())
        .with_records(2);
    let shown = format!("{cfg:?}");
    assert!(!shown.contains(secret), "{shown}");
    assert!(shown.contains(r#"token: "[redacted]""#), "{shown}");
    let sbx = crm_sandbox::spawn(cfg).await.expect("spawn");
    let shown = format!("{sbx:?}");
    assert!(!shown.contains(secret), "{shown}");
    assert!(shown.contains(&sbx.base_url), "{shown}");
    assert!(shown.contains(r#"token: "[redacted]""#), "{shown}");
    sbx.shutdown().await;
}

#[tokio::test]
async fn spawn_serves_over_http() {
    let sbx = crm_sandbox::spawn(config()).await.expect("spawn");
    assert!(sbx.base_url.starts_with("http://127.0.0.1:"));
    let client = reqwest::Client::new();
    let r = client
        .get(format!("{}/accounts?limit=2", sbx.base_url))
        .bearer_auth(&sbx.token)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["list"].as_array().map(Vec::len), Some(2));
    let r = client
        .get(format!("{}/accounts", sbx.base_url))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 403);
    // A multipart upload as a real client builds it.
    let form = reqwest::multipart::Form::new()
        .text("parentobject", "opportunities")
        .text("parentid", "2")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"quote".to_vec())
                .file_name("quote.txt")
                .mime_str("text/plain")
                .expect("mime"),
        );
    let r = client
        .post(format!("{}/documents", sbx.base_url))
        .bearer_auth(TOKEN)
        .multipart(form)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 201);
    let id = r.json::<Value>().await.expect("json")["record"]["id"]
        .as_i64()
        .expect("id");
    let r = client
        .get(format!("{}/documents/{id}/content", sbx.base_url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("send");
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"quote.txt\""
    );
    assert_eq!(r.bytes().await.expect("bytes").as_ref(), b"quote");
    sbx.shutdown().await;
}

#[tokio::test]
async fn dropped_connections_fail_the_read() {
    let faults = crm_sandbox::Faults {
        drop_rate: 1.0,
        ..crm_sandbox::Faults::default()
    };
    let sbx = crm_sandbox::spawn(config().with_faults(faults))
        .await
        .expect("spawn");
    let r = reqwest::Client::new()
        .get(format!("{}/accounts", sbx.base_url))
        .bearer_auth(TOKEN)
        .send()
        .await;
    let failed = match r {
        Err(_) => true,
        Ok(resp) => resp.bytes().await.is_err(),
    };
    assert!(failed, "the body must not arrive whole");
    sbx.shutdown().await;
}

#[tokio::test]
async fn a_connection_closed_before_the_answer_still_carried_out_the_create() {
    let faults = crm_sandbox::Faults {
        drop_before_answer_rate: 1.0,
        ..crm_sandbox::Faults::default()
    };
    let sbx = crm_sandbox::spawn(config().with_records(1).with_faults(faults))
        .await
        .expect("spawn");
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{}/accounts", sbx.base_url))
        .bearer_auth(TOKEN)
        .json(&json!({"name": "Created, never answered"}))
        .send()
        .await;
    // No status line at all: the client cannot tell whether anything happened.
    let err = r.expect_err("no answer must arrive");
    assert!(!err.is_connect(), "the connection was made: {err:?}");
    assert_eq!(
        sbx.state.calls().total,
        1,
        "the request reached the server once"
    );
    let off = client
        .put(format!("{}/__sandbox/faults", sbx.base_url))
        .bearer_auth(TOKEN)
        .json(&json!({}))
        .send()
        .await
        .expect("send");
    assert_eq!(off.status(), 200);
    let r = client
        .get(format!(
            "{}/accounts?q={}",
            sbx.base_url, r#"{"name":"Created, never answered"}"#
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("send");
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["metadata"]["total_count"], 1, "{v}");
    sbx.shutdown().await;
}

#[tokio::test]
async fn data_survives_a_restart_with_a_db_file() {
    let db = temp_path("persist.sqlite");
    let first = crm_sandbox::spawn(config().with_records(3).with_db(&db))
        .await
        .expect("spawn");
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{}/accounts", first.base_url))
        .bearer_auth(TOKEN)
        .json(&json!({"name": "Kept across restarts"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 201);
    client
        .patch(format!("{}/lookup/account_type", first.base_url))
        .bearer_auth(TOKEN)
        .json(&json!({"items": ["Partner"]}))
        .send()
        .await
        .expect("send");
    first.shutdown().await;
    // A different seed and count: an existing database is reused, never reseeded.
    let second = crm_sandbox::spawn(config().with_records(50).with_seed(99).with_db(&db))
        .await
        .expect("restart");
    let v: Value = client
        .get(format!("{}/accounts/4", second.base_url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(v["record"]["name"], "Kept across restarts");
    let v: Value = client
        .get(format!("{}/accounts", second.base_url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(v["metadata"]["total_count"], 4);
    let v: Value = client
        .get(format!("{}/lookup/accounts/type", second.base_url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert!(
        v["list"]
            .as_array()
            .expect("list")
            .iter()
            .any(|i| i["value"] == "Partner")
    );
    second.shutdown().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

/// Starts the binary and returns it with its base URL (from its one stdout line).
fn start_binary(
    extra: &[&str],
) -> (
    std::process::Child,
    String,
    BufReader<std::process::ChildStdout>,
) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crm-sandbox"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--token",
            TOKEN,
            "--records",
            "3",
        ])
        .arg("--dictionaries")
        .arg(fixtures())
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("one line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected line {line:?}"))
        .to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"),
        "{url}"
    );
    (child, url, out)
}

fn interrupt(child: &mut std::process::Child) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    child.wait().expect("exits")
}

#[tokio::test]
async fn binary_prints_its_address_and_stops_on_ctrl_c() {
    let db = temp_path("binary.sqlite");
    let db_arg = db.display().to_string();
    let (mut child, url, mut out) = start_binary(&["--db", &db_arg]);
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{url}/contacts"))
        .bearer_auth(TOKEN)
        .json(&json!({"last": "Ctrl-C"}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 201);
    let status = interrupt(&mut child);
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).expect("read");
    assert_eq!(rest, "", "exactly one line on stdout");
    let (mut child, url, _) = start_binary(&["--db", &db_arg]);
    let v: Value = client
        .get(format!("{url}/contacts/4"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(v["record"]["last"], "Ctrl-C");
    interrupt(&mut child);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{db_arg}{suffix}"));
    }
}

#[test]
fn binary_reports_bad_flags() {
    let out = Command::new(env!("CARGO_BIN_EXE_crm-sandbox"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--token",
            TOKEN,
            "--dictionary-shape",
            "flat",
        ])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown dictionary shape `flat`"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_crm-sandbox"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--token",
            TOKEN,
            "--dictionaries",
            "/nonexistent",
        ])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot load the dictionaries"));
}

#[tokio::test]
async fn a_snapshot_that_gained_a_field_reuses_the_old_database() {
    let db = temp_path("grown.sqlite");
    let first = crm_sandbox::spawn(config().with_records(2).with_db(&db))
        .await
        .expect("spawn");
    first.shutdown().await;
    // The same snapshot plus one custom field on accounts.
    let dir = temp_path("dictionaries");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for entry in std::fs::read_dir(fixtures()).expect("fixtures").flatten() {
        std::fs::copy(entry.path(), dir.join(entry.file_name())).expect("copy");
    }
    let path = dir.join("accounts.json");
    let mut doc: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    doc["fields"]
        .as_array_mut()
        .expect("fields")
        .push(json!({"name": "3rdparty", "label": "3rd Party", "type": "text", "custom": true}));
    std::fs::write(&path, serde_json::to_vec_pretty(&doc).expect("json")).expect("write");
    let second = crm_sandbox::spawn(config().with_dictionaries(&dir).with_db(&db))
        .await
        .expect("restart");
    let client = reqwest::Client::new();
    let v: Value = client
        .get(format!("{}/accounts/1", second.base_url))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(v["record"]["3rdparty"], Value::Null, "{v}");
    let r = client
        .patch(format!("{}/accounts/1", second.base_url))
        .bearer_auth(TOKEN)
        .json(&json!({"3rdparty": "yes"}))
        .send()
        .await
        .expect("send");
    assert_eq!(
        r.json::<Value>().await.expect("json")["record"]["3rdparty"],
        "yes"
    );
    second.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}
