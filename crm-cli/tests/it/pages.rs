//! `crm export` and `crm count` against servers that page inconsistently: exit code, the one
//! stderr line, what stays written, and `--allow-partial`.

use std::process::{Command, Output};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::IntoResponse;

type Answer = dyn Fn(u32, u64) -> String + Send + Sync;

/// Serves `answer(page, limit)` as the JSON body of every GET; returns the base URL.
async fn serve(answer: impl Fn(u32, u64) -> String + Send + Sync + 'static) -> String {
    async fn handle(
        State(answer): State<Arc<Answer>>,
        Query(params): Query<std::collections::HashMap<String, String>>,
    ) -> axum::response::Response {
        let page = params.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
        let limit = params
            .get("limit")
            .and_then(|l| l.parse().ok())
            .unwrap_or(10);
        ([("content-type", "application/json")], answer(page, limit)).into_response()
    }
    let answer: Arc<Answer> = Arc::new(answer);
    let app = Router::new().fallback(handle).with_state(answer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn body(ids: impl Iterator<Item = Option<u64>>, meta: &str) -> String {
    let list: Vec<String> = ids
        .map(|id| match id {
            Some(id) => format!(r#"{{"record":{{"id":{id}}}}}"#),
            None => r#"{"record":{"name":"no id"}}"#.to_owned(),
        })
        .collect();
    format!(r#"{{"metadata":{{{meta}}},"list":[{}]}}"#, list.join(","))
}

/// 250 records announced; page 2 is always empty.
fn empty_page_two(page: u32, limit: u64) -> String {
    let meta = format!(
        r#""total_count":250,"has_more":{}"#,
        u64::from(page) * limit < 250
    );
    if page == 2 {
        return body(std::iter::empty(), &meta);
    }
    let start = u64::from(page - 1) * limit;
    body((start + 1..=(start + limit).min(250)).map(Some), &meta)
}

async fn crm(base_url: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_crm"));
    cmd.args(args)
        .env("CRM_BASE_URL", base_url)
        .env("CRM_TOKEN", "cli-hostile-token");
    let run = tokio::task::spawn_blocking(move || cmd.output().unwrap());
    tokio::time::timeout(std::time::Duration::from_secs(20), run)
        .await
        .expect("crm ends in bounded time")
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn ids(o: &Output) -> Vec<u64> {
    text(&o.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_u64()
                .unwrap()
        })
        .collect()
}

const EMPTY_PAGE: &str = "pagination went wrong: accounts: the server announced 250 records, \
                          sent 100, then an empty page";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inconsistent_export_fails_with_one_line_and_keeps_what_it_wrote() {
    let url = serve(empty_page_two).await;
    let o = crm(&url, &["export", "accounts"]).await;
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(text(&o.stderr), format!("crm: {EMPTY_PAGE}\n"));
    assert_eq!(ids(&o), (1..=100).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allow_partial_accepts_it_and_prints_the_counts() {
    let url = serve(empty_page_two).await;
    let o = crm(
        &url,
        &["export", "accounts", "--allow-partial", "--prefetch", "4"],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stderr),
        format!(
            "crm: partial export accepted: 100 records written, 100 distinct ids, 250 announced \
             ({EMPTY_PAGE})\n"
        )
    );
    assert_eq!(ids(&o), (1..=100).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allow_partial_does_not_accept_other_errors() {
    let url = serve(|_, _| "{not json".to_owned()).await;
    let o = crm(&url, &["export", "accounts", "--allow-partial"]).await;
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("crm: GET /accounts: could not decode the response")
            && err.trim_end().ends_with("(after 0 records)"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_pages_stop_at_the_first_repeat() {
    let url = serve(|page, _| {
        let start = u64::from(page - 1) * 50;
        let meta = format!(r#""total_count":250,"has_more":{}"#, page < 4);
        body((start + 1..=(start + 100).min(250)).map(Some), &meta)
    })
    .await;
    let o = crm(&url, &["export", "accounts"]).await;
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        text(&o.stderr),
        "crm: pagination went wrong: accounts: page 2 repeats 50 records of page 1\n"
    );
    assert_eq!(ids(&o), (1..=100).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_and_count_end_on_id_less_records_forever() {
    let url = serve(|_, limit| body((0..limit).map(|_| None), r#""has_more":true"#)).await;
    let want = "crm: pagination went wrong: accounts: page 2 repeats the 100 records without ids of \
                page 1\n";
    for args in [&["export", "accounts"][..], &["count", "accounts"]] {
        let o = crm(&url, args).await;
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert_eq!(text(&o.stderr), want, "{args:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn count_with_an_unreadable_total_counts_the_pages() {
    let url = serve(|page, limit| {
        let start = u64::from(page - 1) * limit;
        let meta = format!(
            r#""total_count":1e400,"has_more":{}"#,
            u64::from(page) * limit < 250
        );
        body((start + 1..=(start + limit).min(250)).map(Some), &meta)
    })
    .await;
    let o = crm(&url, &["count", "accounts"]).await;
    assert_eq!(text(&o.stdout), "250\n", "{}", text(&o.stderr));
    assert_eq!(o.status.code(), Some(0));
}
