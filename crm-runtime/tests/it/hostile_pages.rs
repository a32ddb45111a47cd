//! Servers that page inconsistently: every scenario ends, in bounded time, with the exact
//! verdict, the records yielded before it and the requests it cost. These servers ignore `q`,
//! so a stream in id order finds out on its second request (page 1 again, with `id > last`)
//! and pages by number from there; that request shows in the request counts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use crm_runtime::paginate::{End, Problem};
use crm_runtime::{Client, Error, Listable};
use futures::TryStreamExt;

use crate::common::{Account, client_at, listen};

/// Answers page `page` of size `limit`, the `nth` time (from 1) that page is asked for, with
/// a JSON body written as text (so it can hold what serde_json cannot, like `1e400`).
type Answer = dyn Fn(u32, u64, u32) -> String + Send + Sync;

struct Hostile {
    answer: Box<Answer>,
    /// Pages asked for, in order.
    log: Mutex<Vec<u32>>,
}

struct Server {
    state: Arc<Hostile>,
    client: Client,
}

impl Server {
    fn requests(&self) -> Vec<u32> {
        self.state.log.lock().expect("lock").clone()
    }
}

async fn serve(answer: impl Fn(u32, u64, u32) -> String + Send + Sync + 'static) -> Server {
    let state = Arc::new(Hostile {
        answer: Box::new(answer),
        log: Mutex::new(Vec::new()),
    });
    let app = Router::new().fallback(handle).with_state(state.clone());
    let client = client_at(listen(app).await);
    Server { state, client }
}

async fn handle(
    State(st): State<Arc<Hostile>>,
    Query(params): Query<HashMap<String, String>>,
) -> axum::response::Response {
    let page: u32 = params.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let limit: u64 = params
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(10);
    let nth = {
        let mut log = st.log.lock().expect("lock");
        log.push(page);
        u32::try_from(log.iter().filter(|&&p| p == page).count()).expect("count")
    };
    (
        [("content-type", "application/json")],
        (st.answer)(page, limit, nth),
    )
        .into_response()
}

/// A list body: records with these ids (`None`: a record without an id, named `n`), and the
/// metadata members given as JSON text (`"total_count":250`).
fn body(ids: impl IntoIterator<Item = Option<u64>>, meta: &str) -> String {
    let list: Vec<String> = ids
        .into_iter()
        .enumerate()
        .map(|(n, id)| match id {
            Some(id) => format!(r#"{{"record":{{"id":{id},"name":"Account {id}"}}}}"#),
            None => format!(r#"{{"record":{{"name":"no id {n}"}}}}"#),
        })
        .collect();
    format!(r#"{{"metadata":{{{meta}}},"list":[{}]}}"#, list.join(","))
}

fn ids(range: std::ops::RangeInclusive<u64>) -> impl Iterator<Item = Option<u64>> {
    range.map(Some)
}

/// Pages `1..` of ids `1..=total`, `limit` a page, with the metadata `meta(page)`.
fn plain(page: u32, limit: u64, total: u64, meta: &str) -> String {
    let start = u64::from(page - 1) * limit;
    body(ids(start + 1..=(start + limit).min(total)), meta)
}

/// The metadata of page `page` of a list of 250 records, announcing `total_count` as given.
fn meta_250(page: u32, limit: u64, total_count: &str) -> String {
    let more = u64::from(page) * limit < 250;
    format!(r#""total_count":{total_count},"has_more":{more}"#)
}

/// Page `page` of a list of 250 records that pages consistently.
fn consistent_250(page: u32, limit: u64) -> String {
    plain(page, limit, 250, &meta_250(page, limit, "250"))
}

/// A server announcing 250 records that sends new ones on every page, forever.
fn endless_past_250(page: u32, limit: u64, _: u32) -> String {
    let start = u64::from(page - 1) * limit;
    body(
        ids(start + 1..=start + limit),
        r#""total_count":250,"has_more":true"#,
    )
}

/// Streams every page, counting the records yielded, until the end or an error; within 10 s.
async fn drain<R: Listable>(pages: crm_runtime::Query<R>) -> (u64, Result<(), Error>) {
    let mut yielded = 0u64;
    let run = async {
        let mut pages = pages.pages();
        while let Some(p) = pages.try_next().await? {
            yielded += p.records().len() as u64;
        }
        Ok(())
    };
    let result = tokio::time::timeout(Duration::from_secs(10), run)
        .await
        .expect("the stream ends in bounded time");
    (yielded, result)
}

/// The ids of a successful export of accounts, in the order yielded.
async fn export_ids(server: &Server) -> Vec<u64> {
    let records: Vec<Account> = server
        .client
        .list::<Account>()
        .items()
        .try_collect()
        .await
        .expect("export");
    records.iter().map(|r| r.id.get()).collect()
}

fn pagination_error(result: Result<(), Error>) -> Error {
    let err = result.expect_err("a pagination verdict");
    assert!(err.is_pagination(), "{err:?}");
    err
}

#[tokio::test]
async fn has_more_forever_with_id_less_records_is_a_repeated_page() {
    let server = serve(|_, _, _| body((0..100).map(|_| None), r#""has_more":true"#)).await;
    let (yielded, result) = drain(server.client.object("accounts").list()).await;
    let err = pagination_error(result);
    assert_eq!(
        err.to_string(),
        "pagination went wrong: accounts: page 2 repeats the 100 records without ids of page 1"
    );
    let v = err.pagination().expect("facts");
    assert_eq!(
        v.problem(),
        &Problem::RepeatedContent {
            records: 100,
            of: 1
        }
    );
    assert_eq!((v.page(), v.received(), v.distinct_ids()), (2, 100, 0));
    assert_eq!(v.announced(), None);
    assert_eq!(yielded, 100);
    assert_eq!(server.requests(), [1, 2]);
}

#[tokio::test]
async fn id_less_records_that_change_from_page_to_page_pass() {
    // Content differs per page (the name carries the page), so nothing is called repeated.
    let server = serve(|page, _, _| {
        let list: Vec<String> = (0..100)
            .map(|n| format!(r#"{{"record":{{"name":"p{page} r{n}"}}}}"#))
            .collect();
        let more = page < 3;
        format!(
            r#"{{"metadata":{{"has_more":{more},"total_count":300}},"list":[{}]}}"#,
            list.join(",")
        )
    })
    .await;
    let (yielded, result) = drain(server.client.object("accounts").list()).await;
    result.expect("three distinct pages");
    assert_eq!(yielded, 300);
    assert_eq!(server.requests(), [1, 2, 3]);
}

#[tokio::test]
async fn new_records_past_the_total_forever_stop_after_the_slack() {
    for prefetch in [1, 4] {
        let server = serve(endless_past_250).await;
        let (yielded, result) = drain(server.client.list::<Account>().prefetch(prefetch)).await;
        let err = pagination_error(result);
        assert_eq!(
            err.to_string(),
            "pagination went wrong: accounts: the server announced 250 records, sent 300, then \
             page 4 with 100 more (at most 100 more are accepted)",
            "prefetch {prefetch}"
        );
        let v = err.pagination().expect("facts");
        assert_eq!(v.problem(), &Problem::PastTotal { records: 100 });
        assert_eq!(
            (v.page(), v.received(), v.distinct_ids(), v.announced()),
            (4, 300, 300, Some(250))
        );
        assert_eq!(yielded, 300, "prefetch {prefetch}");
        let mut requests = server.requests();
        requests.sort_unstable();
        // Paging by id, the second request (page 1 again, with `id > 100`) shows that this
        // server ignores the id condition: page numbers from there.
        // With prefetch, a probe for the largest id (page 1 again, `{"id":"desc"}`) first; it
        // finds none past the last (this server ignores the order), so no lanes.
        let want: &[u32] = if prefetch == 1 {
            &[1, 1, 2, 3, 4]
        } else {
            &[1, 1, 1, 2, 3, 4]
        };
        assert_eq!(requests, want, "prefetch {prefetch}");
    }
}

#[tokio::test]
async fn records_inserted_during_an_export_within_the_slack_pass() {
    // 250 announced, 340 sent: 90 created while the export ran.
    let server = serve(|page, limit, _| {
        let more = u64::from(page) * limit < 340;
        plain(
            page,
            limit,
            340,
            &format!(r#""total_count":250,"has_more":{more}"#),
        )
    })
    .await;
    let (yielded, result) = drain(server.client.list::<Account>()).await;
    result.expect("within the slack");
    assert_eq!(yielded, 340);
}

#[tokio::test]
async fn partly_overlapping_pages_stop_at_the_first_repeat() {
    // Pages of 100 that advance by 50: 400 lines, 250 distinct ids, if nothing stopped it.
    let server = serve(|page, _, _| {
        let start = u64::from(page - 1) * 50;
        let meta = format!(r#""total_count":250,"has_more":{}"#, page < 4);
        body(ids(start + 1..=(start + 100).min(250)), &meta)
    })
    .await;
    let (yielded, result) = drain(server.client.list::<Account>()).await;
    let err = pagination_error(result);
    assert_eq!(
        err.to_string(),
        "pagination went wrong: accounts: page 2 repeats 50 records of page 1"
    );
    let v = err.pagination().expect("facts");
    assert_eq!(
        v.problem(),
        &Problem::Repeated {
            records: 50,
            first: 1,
            last: 1
        }
    );
    assert_eq!((v.received(), v.distinct_ids()), (100, 100));
    assert_eq!(yielded, 100);
    assert_eq!(server.requests(), [1, 1, 2]);
}

#[tokio::test]
async fn repeats_of_several_pages_and_within_a_page_are_named() {
    let server = serve(|page, _, _| {
        let meta = r#""has_more":true"#;
        match page {
            1 => body(ids(1..=100), meta),
            2 => body(ids(101..=200), meta),
            _ => body(ids(90..=110).chain(ids(300..=378)), meta),
        }
    })
    .await;
    let (yielded, result) = drain(server.client.list::<Account>()).await;
    assert_eq!(
        pagination_error(result).to_string(),
        "pagination went wrong: accounts: page 3 repeats 21 records of pages 1 to 2"
    );
    assert_eq!(yielded, 200);

    let server = serve(|_, _, _| body(ids(1..=50).chain(ids(1..=3)), r#""has_more":false"#)).await;
    let (yielded, result) = drain(server.client.list::<Account>()).await;
    assert_eq!(
        pagination_error(result).to_string(),
        "pagination went wrong: accounts: page 1 holds 3 records twice"
    );
    assert_eq!(yielded, 0);
}

#[tokio::test]
async fn an_empty_page_mid_export_is_fetched_again_then_reported() {
    for prefetch in [1, 3] {
        let server = serve(|page, limit, _| {
            if page == 2 {
                body([], &meta_250(page, limit, "250"))
            } else {
                consistent_250(page, limit)
            }
        })
        .await;
        let (yielded, result) = drain(server.client.list::<Account>().prefetch(prefetch)).await;
        let err = pagination_error(result);
        assert_eq!(
            err.to_string(),
            "pagination went wrong: accounts: the server announced 250 records, sent 100, then \
             an empty page",
            "prefetch {prefetch}"
        );
        let v = err.pagination().expect("facts");
        assert_eq!(v.problem(), &Problem::Short(End::EmptyPage));
        assert_eq!((v.page(), v.received(), v.announced()), (2, 100, Some(250)));
        assert_eq!(yielded, 100);
        let asked: Vec<u32> = server.requests();
        assert_eq!(asked.iter().filter(|&&p| p == 2).count(), 2, "{asked:?}");
        if prefetch == 1 {
            assert_eq!(asked, [1, 1, 2, 2]);
        }
    }
}

#[tokio::test]
async fn an_empty_page_that_fills_when_asked_again_loses_nothing() {
    let server = serve(|page, limit, nth| {
        if page == 2 && nth == 1 {
            body([], &meta_250(page, limit, "250"))
        } else {
            consistent_250(page, limit)
        }
    })
    .await;
    assert_eq!(export_ids(&server).await, (1..=250).collect::<Vec<_>>());
    assert_eq!(server.requests(), [1, 1, 2, 2, 3]);
}

#[tokio::test]
async fn a_short_page_mid_export_is_reported_with_the_counts() {
    // No has_more: a short page is the end, 120 records early.
    let server = serve(|page, limit, _| match page {
        2 => body(ids(101..=130), r#""total_count":250"#),
        _ => plain(page, limit, 250, r#""total_count":250"#),
    })
    .await;
    let (yielded, result) = drain(server.client.list::<Account>()).await;
    let err = pagination_error(result);
    assert_eq!(
        err.to_string(),
        "pagination went wrong: accounts: the server announced 250 records, sent 130, the last \
         30 on a short page 2 without has_more"
    );
    assert_eq!(
        err.pagination().map(|v| v.problem().clone()),
        Some(Problem::Short(End::ShortPage { records: 30 }))
    );
    // The short page's records were yielded before the verdict.
    assert_eq!(yielded, 130);
    assert_eq!(server.requests(), [1, 1, 2, 2]);
}

#[tokio::test]
async fn an_early_has_more_false_is_reported_unless_the_count_shrank() {
    let server =
        serve(|page, limit, _| plain(page, limit, 250, r#""total_count":250,"has_more":false"#))
            .await;
    let (yielded, result) = drain(server.client.list::<Account>()).await;
    assert_eq!(
        pagination_error(result).to_string(),
        "pagination went wrong: accounts: the server announced 250 records, sent 100, then \
         has_more: false on page 1"
    );
    assert_eq!(yielded, 100);
    assert_eq!(server.requests(), [1, 1]);

    // Asked again, the server counts 200: records were deleted while it ran. Not an error.
    let server = serve(|page, limit, nth| {
        let total = if nth == 1 { 250 } else { 200 };
        let meta = format!(r#""total_count":{total},"has_more":{}"#, page == 1);
        plain(page, limit, 250, &meta)
    })
    .await;
    let (yielded, result) = drain(server.client.list::<Account>()).await;
    result.expect("the second count is met");
    assert_eq!(yielded, 200);
    assert_eq!(server.requests(), [1, 1, 2, 2]);
}

#[tokio::test]
async fn an_unreadable_total_count_counts_as_absent() {
    for total in ["1e400", "-5", r#""many""#, "250.5", "null", "[250]"] {
        let server = serve(move |page, limit, _| {
            let meta = meta_250(page, limit, total);
            plain(page, limit, 250, &meta)
        })
        .await;
        let first = server
            .client
            .list::<Account>()
            .send()
            .await
            .unwrap_or_else(|e| panic!("{total}: {e}"));
        assert_eq!(first.total_count(), None, "{total}");
        let (yielded, result) = drain(server.client.list::<Account>().prefetch(4)).await;
        result.unwrap_or_else(|e| panic!("{total}: {e}"));
        assert_eq!(yielded, 250, "{total}");
    }
    // A count as a numeric string is read.
    let server = serve(|page, limit, _| plain(page, limit, 250, r#""total_count":" 250 ""#)).await;
    let first = server.client.list::<Account>().send().await.expect("page");
    assert_eq!(first.total_count(), Some(250));
}

#[tokio::test]
async fn count_ends_on_a_server_that_pages_forever() {
    let server = serve(|_, _, _| body((0..100).map(|_| None), r#""has_more":true"#)).await;
    let err = tokio::time::timeout(
        Duration::from_secs(10),
        server.client.object("accounts").list().count(),
    )
    .await
    .expect("bounded")
    .expect_err("a verdict");
    assert!(err.is_pagination(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "pagination went wrong: accounts: page 2 repeats the 100 records without ids of page 1"
    );
    assert_eq!(server.requests(), [1, 1, 2]);
}

#[tokio::test]
async fn a_stream_started_at_a_later_page_is_not_short() {
    let server = serve(|page, limit, _| consistent_250(page, limit)).await;
    let (yielded, result) = drain(server.client.list::<Account>().page(2)).await;
    result.expect("pages 2 and 3 are the rest of the list");
    assert_eq!(yielded, 150);
    assert_eq!(server.requests(), [2, 3]);
    // Past the slack counts the skipped pages too: 250 announced, 100 skipped, 251 more.
    let server = serve(endless_past_250).await;
    let (yielded, result) = drain(server.client.list::<Account>().page(2)).await;
    assert_eq!(
        pagination_error(result).to_string(),
        "pagination went wrong: accounts: the server announced 250 records, sent 200, then page \
         4 with 100 more (at most 100 more are accepted)"
    );
    assert_eq!(yielded, 200);
}

/// Keeps the message of every warning event.
#[derive(Clone, Default)]
struct Warnings(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Warnings {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Message<'a>(&'a mut String);
        impl tracing::field::Visit for Message<'_> {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    *self.0 = format!("{value:?}");
                }
            }
        }
        if *event.metadata().level() == tracing::Level::WARN {
            let mut text = String::new();
            event.record(&mut Message(&mut text));
            self.0.lock().expect("lock").push(text);
        }
    }
}

#[tokio::test]
async fn a_server_ignoring_the_id_condition_gets_page_numbers_and_loses_nothing() {
    use tracing_subscriber::layer::SubscriberExt;
    let warnings = Warnings::default();
    // A current-thread test: the subscriber sees every event of the stream.
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(warnings.clone()));
    // Other tests hit the same callsite at the same time without a subscriber; without this,
    // a callsite can keep the interest computed before this subscriber existed.
    tracing::callsite::rebuild_interest_cache();
    let server = serve(|page, limit, _| consistent_250(page, limit)).await;
    assert_eq!(export_ids(&server).await, (1..=250).collect::<Vec<_>>());
    // Page 1; page 1 again with `id > 100`, which repeats ids: page numbers from page 2.
    assert_eq!(server.requests(), [1, 1, 2, 3]);
    assert_eq!(
        *warnings.0.lock().expect("lock"),
        ["the server ignored the id condition of keyset paging; paging by page number"]
    );
}
