//! Streams page by key (`q` AND `id > last`, in another order an `$or` of comparisons), and
//! with prefetch by parallel lanes over id ranges: against the sandbox while records are
//! deleted and created between pages, what the requests carry, sparse ids, and the fall back to
//! page numbers when a server ignores the id condition or the range.

use std::collections::{BTreeMap, BTreeSet};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, State};
use crm_runtime::{Client, PageSize, RawRecord};
use futures::TryStreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::common::{Account, MockState, client_at, listen, spawn};

const RECORDS: u64 = 300;

/// What a churn export saw: every yielded record's id and order key, in yield order.
struct Churned {
    seen: Vec<(u64, Value)>,
    deleted: BTreeSet<u64>,
    created: BTreeSet<u64>,
}

/// Exports the sandbox's accounts (pages of 20) in `order` at `prefetch`, deleting some of the
/// original records (seen or not, which shifts every later page of a page-number export) and
/// creating some between pages; `key` reads a record's order key.
async fn churn(
    seed: u64,
    prefetch: usize,
    order: Option<&str>,
    key: fn(&RawRecord) -> Value,
) -> Churned {
    let (_sandbox, client) = crate::sandbox::start(RECORDS as u32).await;
    let accounts = client.object("accounts");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = Churned {
        seen: Vec::new(),
        deleted: BTreeSet::new(),
        created: BTreeSet::new(),
    };
    let mut query = accounts
        .list()
        .limit(PageSize::new(20).expect("size"))
        .prefetch(prefetch);
    if let Some(order) = order {
        query = query.order_json(order);
    }
    let mut pages = query.pages();
    while let Some(page) = pages.try_next().await.expect("export") {
        for r in page.records() {
            out.seen.push((r.id().expect("id"), key(r)));
        }
        for _ in 0..6 {
            if rng.random_bool(0.6) {
                let id = rng.random_range(1..=RECORDS);
                if out.deleted.insert(id) {
                    accounts.delete(id).await.expect("delete");
                }
            } else {
                let new = accounts
                    .create(&json!({ "name": format!("Churn {seed}"), "ownerid": 90505 }))
                    .await
                    .expect("create");
                out.created.insert(new.id().expect("new id"));
            }
        }
    }
    out
}

/// Every original record not deleted appears exactly once, nothing appears twice, nothing
/// appears that never existed.
fn assert_exactly_once(c: &Churned, what: &str) {
    assert!(c.deleted.len() > 20, "{what}: {} deleted", c.deleted.len());
    let mut got: BTreeMap<u64, u32> = BTreeMap::new();
    for (id, _) in &c.seen {
        *got.entry(*id).or_default() += 1;
    }
    for id in (1..=RECORDS).filter(|id| !c.deleted.contains(id)) {
        assert_eq!(got.get(&id), Some(&1), "{what}: record {id}");
    }
    assert!(got.values().all(|&n| n == 1), "{what}: a record twice");
    assert!(
        got.keys()
            .all(|id| *id <= RECORDS || c.created.contains(id)),
        "{what}: an id never created"
    );
}

fn no_key(_: &RawRecord) -> Value {
    Value::Null
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_record_present_throughout_an_export_appears_exactly_once() {
    for (prefetch, seeds) in [
        (1usize, &[1u64, 2, 3][..]),
        (4, &[4, 5, 6]),
        (8, &[7, 8, 9]),
    ] {
        for &seed in seeds {
            let c = churn(seed, prefetch, None, no_key).await;
            let what = format!("prefetch {prefetch}, seed {seed}");
            assert_exactly_once(&c, &what);
            assert!(
                c.seen.windows(2).all(|w| w[0].0 < w[1].0),
                "{what}: id order"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_name_order_and_a_two_field_order_too() {
    fn name(r: &RawRecord) -> Value {
        let name: String = r.field("name").expect("name").expect("a name");
        // The sandbox's text columns compare ASCII case-insensitively.
        Value::String(name.to_ascii_lowercase())
    }
    fn owner_then_created(r: &RawRecord) -> Value {
        json!([
            r.field::<u64>("ownerid").expect("owner"),
            r.field::<String>("createddate").expect("created")
        ])
    }
    for seed in [1u64, 2, 3] {
        let c = churn(seed, 1, Some(r#"{"name":"asc"}"#), name).await;
        let what = format!("name order, seed {seed}");
        assert_exactly_once(&c, &what);
        let sorted = c.seen.windows(2).all(|w| {
            let (a, b) = (w[0].1.as_str(), w[1].1.as_str());
            a < b || (a == b && w[0].0 < w[1].0)
        });
        assert!(sorted, "{what}: name order");

        let c = churn(
            seed,
            1,
            Some(r#"{"ownerid":"asc","createddate":"desc"}"#),
            owner_then_created,
        )
        .await;
        let what = format!("two-field order, seed {seed}");
        assert_exactly_once(&c, &what);
        let sorted = c.seen.windows(2).all(|w| {
            let (a, b) = (&w[0].1, &w[1].1);
            let (oa, ob) = (a[0].as_u64(), b[0].as_u64());
            let (ca, cb) = (a[1].as_str(), b[1].as_str());
            oa < ob || (oa == ob && (ca > cb || (ca == cb && w[0].0 < w[1].0)))
        });
        assert!(sorted, "{what}: owner, then newest first, then id");
    }
}

#[tokio::test]
async fn an_order_field_with_empty_values_pages_by_number_and_loses_none() {
    // About a tenth of the types are null, which sort last in descending order where no
    // keyset comparison reaches them: a probe finds them and the stream pages by number.
    let (_sandbox, client) = crate::sandbox::start(RECORDS as u32).await;
    for order in [r#"{"type":"desc"}"#, r#"{"type":"asc"}"#] {
        let got: Vec<RawRecord> = client
            .object("accounts")
            .list()
            .order_json(order)
            .limit(PageSize::new(20).expect("size"))
            .items()
            .try_collect()
            .await
            .expect("export");
        let ids: BTreeSet<u64> = got.iter().filter_map(RawRecord::id).collect();
        assert_eq!(ids, (1..=RECORDS).collect(), "{order}");
        assert_eq!(got.len() as u64, RECORDS, "{order}");
        let nulls = got
            .iter()
            .filter(|r| r.field::<String>("type").expect("type").is_none())
            .count();
        assert!(nulls > 10, "{order}: {nulls} null types");
    }
}

/// The mock with 250 records, `has_more` and `total_count`.
async fn spawn_250() -> crate::common::Mock {
    spawn(MockState {
        total: 250,
        has_more: true,
        total_count: true,
        ..Default::default()
    })
    .await
}

pub(crate) fn q_of(request: &str) -> Option<String> {
    let url = reqwest::Url::parse(&format!("http://x{}", request.trim_start_matches("GET ")))
        .expect("url");
    url.query_pairs()
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn requests_carry_the_filter_and_the_last_id() {
    let mock = spawn_250().await;
    let got: Vec<Account> = mock
        .client()
        .list::<Account>()
        .q_json(r#"{"name":{"$sw":"Acc"}}"#)
        .items()
        .try_collect()
        .await
        .expect("export");
    assert_eq!(got.len(), 250);
    let qs: Vec<Option<String>> = mock.requests().iter().map(|r| q_of(r)).collect();
    assert_eq!(
        qs,
        [
            Some(r#"{"name":{"$sw":"Acc"}}"#.to_owned()),
            Some(r#"{"id":{"$gt":100},"name":{"$sw":"Acc"}}"#.to_owned()),
            Some(r#"{"id":{"$gt":200},"name":{"$sw":"Acc"}}"#.to_owned()),
        ]
    );
    assert!(mock.requests().iter().all(|r| r.contains("page=1&")));

    // A filter of its own on `id` stays whole, ANDed through a one-alternative `$or`.
    let mock = spawn(MockState {
        total: 150,
        has_more: true,
        ..Default::default()
    })
    .await;
    let _: Vec<Account> = mock
        .client()
        .list::<Account>()
        .q_json(r#"{"id":{"$lte":500}}"#)
        .items()
        .try_collect()
        .await
        .expect("export");
    assert_eq!(
        q_of(&mock.requests()[1]).as_deref(),
        Some(r#"{"$or":[{"id":{"$lte":500}}],"id":{"$gt":100}}"#)
    );
}

#[tokio::test]
async fn prefetch_runs_lanes_over_id_ranges_and_yields_in_order() {
    let mock = spawn_250().await;
    let got: Vec<Account> = mock
        .client()
        .list::<Account>()
        .q_json(r#"{"name":{"$sw":"Acc"}}"#)
        .prefetch(4)
        .items()
        .try_collect()
        .await
        .expect("export");
    let ids: Vec<u64> = got.iter().map(|r| r.id.get()).collect();
    assert_eq!(ids, (1..=250).collect::<Vec<_>>());
    let mut qs: Vec<String> = mock.requests().iter().filter_map(|r| q_of(r)).collect();
    qs.sort();
    // Page 1 and the probe carry the filter only; 150 ids left, in lanes of whole pages: ids
    // 101 to 200, then an open-ended lane past 200, where records created meanwhile would come.
    assert_eq!(
        qs,
        [
            r#"{"id":{"$bt":[101,200]},"name":{"$sw":"Acc"}}"#,
            r#"{"id":{"$gt":200},"name":{"$sw":"Acc"}}"#,
            r#"{"name":{"$sw":"Acc"}}"#,
            r#"{"name":{"$sw":"Acc"}}"#,
        ]
    );
    assert!(
        mock.requests()
            .iter()
            .any(|r| r.contains("limit=1&") && r.contains("order=%7B%22id%22%3A%22desc%22%7D")),
        "the probe for the largest id"
    );
}

/// A server over a fixed set of ids that honours `id` `$gt`, `$bt` (unless told to ignore
/// it) and `{"id":"desc"}`, and logs each request's `q`.
#[derive(Default)]
struct Ids {
    ids: Vec<u64>,
    honour_bt: bool,
    /// Answer every `$bt` request with an empty page (its count unchanged).
    empty_ranges: bool,
    log: Mutex<Vec<Option<String>>>,
    /// Records sent, all requests together.
    sent: Mutex<usize>,
    /// Send no `total_count`.
    no_total: bool,
}

async fn serve_ids(ids: Vec<u64>, honour_bt: bool) -> (Arc<Ids>, Client) {
    serve(Ids {
        ids,
        honour_bt,
        ..Ids::default()
    })
    .await
}

async fn serve(ids: Ids) -> (Arc<Ids>, Client) {
    async fn handle(
        State(st): State<Arc<Ids>>,
        Query(params): Query<HashMap<String, String>>,
    ) -> axum::Json<Value> {
        let q = params.get("q").cloned();
        st.log.lock().expect("lock").push(q.clone());
        let q: Value = q.map_or(Value::Null, |q| serde_json::from_str(&q).expect("q"));
        let (gt, bt) = (q["id"]["$gt"].as_u64(), q["id"]["$bt"].as_array());
        let bt = bt
            .filter(|_| st.honour_bt)
            .map(|r| (r[0].as_u64().expect("lo"), r[1].as_u64().expect("hi")));
        let mut ids: Vec<u64> = st
            .ids
            .iter()
            .copied()
            .filter(|id| gt.is_none_or(|g| *id > g))
            .filter(|id| bt.is_none_or(|(lo, hi)| (lo..=hi).contains(id)))
            .collect();
        if params.get("order").is_some_and(|o| o.contains("desc")) {
            ids.reverse();
        }
        let limit: usize = params["limit"].parse().expect("limit");
        let page: usize = params["page"].parse().expect("page");
        let from = (page - 1) * limit;
        let shown = if st.empty_ranges && bt.is_some() {
            0
        } else {
            limit
        };
        let list: Vec<Value> = ids
            .iter()
            .skip(from)
            .take(shown)
            .take(limit)
            .map(|id| json!({ "record": { "id": id, "name": format!("Account {id}") } }))
            .collect();
        *st.sent.lock().expect("lock") += list.len();
        let mut meta = json!({ "has_more": from + limit < ids.len() });
        if !st.no_total {
            meta["total_count"] = json!(ids.len());
        }
        axum::Json(json!({ "metadata": meta, "list": list }))
    }
    let st = Arc::new(ids);
    let app = Router::new().fallback(handle).with_state(st.clone());
    let client = client_at(listen(app).await);
    (st, client)
}

async fn export_ids(client: &Client, limit: u32, prefetch: usize) -> Vec<u64> {
    client
        .list::<Account>()
        .limit(PageSize::new(limit).expect("size"))
        .prefetch(prefetch)
        .items()
        .map_ok(|a| a.id.get())
        .try_collect()
        .await
        .expect("export")
}

#[tokio::test]
async fn a_sparse_id_space_ends_in_a_few_requests() {
    const FAR: u64 = 1_000_000_000_000_000;
    let (st, client) = serve_ids(vec![1, FAR], true).await;
    assert_eq!(export_ids(&client, 1, 4).await, [1, FAR]);
    // Page 1, the probe, four lanes over 2..=10^15 (three of them empty).
    assert_eq!(st.log.lock().expect("lock").len(), 6);

    let ids: Vec<u64> = (1..=50).chain(FAR..FAR + 50).collect();
    let (st, client) = serve_ids(ids.clone(), true).await;
    assert_eq!(export_ids(&client, 10, 8).await, ids);
    // Ten pages, the probe, and one more request for each of the 8 lanes at most.
    let n = st.log.lock().expect("lock").len();
    assert!(n <= 10 + 1 + 8, "{n} requests");
}

#[tokio::test]
async fn a_server_ignoring_the_range_sends_the_stream_to_page_numbers() {
    let (st, client) = serve_ids((1..=1000).collect(), false).await;
    assert_eq!(
        export_ids(&client, 100, 4).await,
        (1..=1000).collect::<Vec<_>>()
    );
    let log = st.log.lock().expect("lock").clone();
    // Page 1 and the probe without `q`, up to 4 lanes' first requests, then page numbers.
    let lanes = log.iter().filter(|q| q.is_some()).count();
    assert!((1..=4).contains(&lanes), "{log:?}");
    assert_eq!(log.len(), 2 + lanes + 9, "{log:?}");
}

#[tokio::test]
async fn a_lane_ending_short_of_its_range_is_asked_again_then_reported() {
    let (st, client) = serve(Ids {
        ids: (1..=1000).collect(),
        honour_bt: true,
        empty_ranges: true,
        ..Ids::default()
    })
    .await;
    let mut pages = client.list::<Account>().prefetch(2).pages();
    let mut yielded = 0;
    let err = loop {
        match pages.try_next().await {
            Ok(Some(p)) => yielded += p.records().len(),
            Ok(None) => panic!("an export short of its total ended in success"),
            Err(e) => break e,
        }
    };
    assert_eq!(
        err.to_string(),
        "pagination went wrong: accounts: the server announced 1000 records, sent 100, then an \
         empty page"
    );
    assert_eq!(yielded, 100);
    let log = st.log.lock().expect("lock").clone();
    let first_lane = r#"{"id":{"$bt":[101,300]}}"#;
    assert_eq!(
        log.iter()
            .filter(|q| q.as_deref() == Some(first_lane))
            .count(),
        2,
        "{log:?}"
    );
}

#[tokio::test]
async fn lanes_run_a_bounded_number_of_pages_ahead() {
    // Without a total the ids past page 1 make as many lanes as run at once, 2: one holding
    // 20 pages, the other 20 more that may only run a few pages ahead of the stream.
    let ids: Vec<u64> = (1..=100).chain(101..=2100).chain(10_000..12_000).collect();
    let (st, client) = serve(Ids {
        ids: ids.clone(),
        honour_bt: true,
        no_total: true,
        ..Ids::default()
    })
    .await;
    let mut pages = client.list::<Account>().prefetch(2).pages();
    let mut got = Vec::new();
    while let Some(p) = pages.try_next().await.expect("export") {
        got.extend(p.records().iter().map(|a| a.id.get()));
        // Time for the lanes' requests to arrive, so a lane that buffered without bound would.
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        let sent = *st.sent.lock().expect("lock");
        // Beyond the records yielded: the probe's one, and for each of 2 lanes at most 2
        // buffered pages and 1 in flight, of 100 records each.
        assert!(
            sent <= got.len() + 1 + 2 * 3 * 100,
            "{sent} sent, {} yielded",
            got.len()
        );
    }
    assert_eq!(got, ids);
    let log = st.log.lock().expect("lock").clone();
    assert!(
        log.contains(&Some(r#"{"id":{"$bt":[101,6100]}}"#.to_owned())),
        "{log:?}"
    );
}
