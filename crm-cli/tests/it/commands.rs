//! Runs the `crm` binary against an in-process sandbox (port 0).

use std::process::{Command, Output};

use serde_json::Value;
use serde_json::value::RawValue;

const TOKEN: &str = "cli-token-51b0";

struct Sandbox {
    running: crm_sandbox::Running,
}

impl Sandbox {
    async fn start(records: u32) -> Sandbox {
        let running = crm_sandbox::spawn(crm_sandbox::Config::new(TOKEN).with_records(records))
            .await
            .expect("sandbox");
        Sandbox { running }
    }

    /// Runs `crm args...` with the sandbox's URL and token, off the async threads.
    async fn crm(&self, args: &[&str]) -> Output {
        self.crm_with(args, Some(TOKEN)).await
    }

    async fn crm_with(&self, args: &[&str], token: Option<&str>) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_crm"));
        cmd.args(args)
            .env("CRM_BASE_URL", &self.running.base_url)
            .env_remove("CRM_TOKEN");
        if let Some(t) = token {
            cmd.env("CRM_TOKEN", t);
        }
        tokio::task::spawn_blocking(move || cmd.output().expect("run crm"))
            .await
            .expect("join")
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf8")
}

/// The records of every page, as the server wrote them, fetched without the runtime.
async fn served_records(base: &str, object: &str) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Item {
        record: Box<RawValue>,
    }
    #[derive(serde::Deserialize)]
    struct Env {
        list: Vec<Item>,
    }
    let http = reqwest::Client::new();
    let mut out = Vec::new();
    for page in 1.. {
        let body = http
            .get(format!("{base}/{object}"))
            .query(&[
                ("limit", "100"),
                ("page", &page.to_string()),
                ("order", r#"{"id":"asc"}"#),
            ])
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("get")
            .bytes()
            .await
            .expect("body");
        let env: Env = serde_json::from_slice(&body).expect("envelope");
        if env.list.is_empty() {
            break;
        }
        out.extend(env.list.into_iter().map(|i| i.record.get().to_owned()));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_writes_every_record_as_received() {
    let sb = Sandbox::start(230).await;
    for object in ["accounts", "contacts", "opportunities"] {
        let o = sb.crm(&["export", object]).await;
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(
            stderr(&o),
            "",
            "no progress bar when stderr is not a terminal"
        );
        let lines: Vec<String> = stdout(&o).lines().map(str::to_owned).collect();
        assert_eq!(
            lines,
            served_records(&sb.running.base_url, object).await,
            "{object}"
        );
        assert!(lines.len() >= 230, "{object}: {}", lines.len());
    }
    // Small pages, a filter and an order.
    let o = sb
        .crm(&[
            "export",
            "accounts",
            "--page-size",
            "7",
            "--q",
            r#"{"id":{"$lte":20}}"#,
            "--order",
            r#"{"id":"desc"}"#,
        ])
        .await;
    assert!(o.status.success(), "{}", stderr(&o));
    let ids: Vec<u64> = stdout(&o)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("json")["id"]
                .as_u64()
                .expect("id")
        })
        .collect();
    assert_eq!(ids, (1..=20).rev().collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_count_dictionary_and_lookup() {
    let sb = Sandbox::start(12).await;
    let o = sb.crm(&["get", "accounts", "3"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let record: Value = serde_json::from_str(stdout(&o).trim()).expect("json");
    assert_eq!(record["id"], 3);

    let o = sb.crm(&["count", "accounts"]).await;
    assert_eq!(stdout(&o), "12\n", "{}", stderr(&o));
    let o = sb
        .crm(&["count", "accounts", "--q", r#"{"id":{"$in":[1,2,5]}}"#])
        .await;
    assert_eq!(stdout(&o), "3\n", "{}", stderr(&o));

    let o = sb.crm(&["dictionary", "accounts"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let dict: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert!(
        dict["fields"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["name"] == "addresscounty/state"))
    );

    let o = sb.crm(&["lookup", "accounts", "type"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).lines().any(|l| l == "Customer"),
        "{}",
        stdout(&o)
    );
    let o = sb.crm(&["lookup", "accounts", "type", "--json"]).await;
    let _: Value = serde_json::from_str(&stdout(&o)).expect("json");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_one_clear_line_and_a_failing_exit() {
    let sb = Sandbox::start(2).await;
    let cases: Vec<(Vec<&str>, Option<&str>, String)> = vec![
        (vec!["get", "accounts", "999"], Some(TOKEN), "crm: GET /accounts/999: not found (HTTP 404)".to_owned()),
        (vec!["count", "accountss"], Some(TOKEN), "crm: GET /accountss: server error (HTTP 500): Invalid Request error: Invalid record type (accountss)".to_owned()),
        (vec!["count", "accounts"], Some("wrong"), "crm: GET /accounts: not authorised (HTTP 403): Unauthenticated.".to_owned()),
        (vec!["count", "accounts"], None, "crm: invalid client configuration: CRM_TOKEN is not set: put your API v4 access token in it (create one in the CRM under Settings / Integrations / API V4)".to_owned()),
        (vec!["export", "accounts", "--q", "{nope"], Some(TOKEN), "crm: --q is not valid JSON (key must be a string at line 1 column 2): `{nope`".to_owned()),
        (vec!["export", "accounts", "--order", "[1]"], Some(TOKEN), "crm: --order must be a JSON object, got `[1]`".to_owned()),
    ];
    for (args, token, want) in cases {
        let o = sb.crm_with(&args, token).await;
        assert!(!o.status.success(), "{args:?}");
        assert_eq!(stdout(&o), "", "{args:?}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.trim_end().starts_with(&want),
            "{args:?}:\n got {err}\nwant {want}"
        );
        if let Some(t) = token {
            assert!(!err.contains(t) || t == "wrong", "token in error");
        }
    }
    // Nothing listening: the cause is on the same line.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let o = sb.crm(&["--base-url", &url, "count", "accounts"]).await;
    assert!(!o.status.success());
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("crm: GET /accounts: could not connect: "),
        "{err}"
    );
    let o = sb.crm(&["export", "accounts", "--page-size", "101"]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("101 is not in 1..=100"),
        "{}",
        stderr(&o)
    );
}
