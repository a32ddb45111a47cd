//! Streams in id order page by id (`q` AND `id > last`): against the sandbox while records are
//! deleted and created between pages, what the requests carry, and the fall back to page
//! numbers when a server ignores the id condition.

use std::collections::{BTreeMap, BTreeSet};

use crm_runtime::PageSize;
use futures::TryStreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::common::{Account, MockState, spawn};

const RECORDS: u64 = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_record_present_throughout_an_export_appears_exactly_once() {
    for seed in [1u64, 2, 3] {
        let (_sandbox, client) = crate::sandbox::start(RECORDS as u32).await;
        let accounts = client.object("accounts");
        let mut rng = StdRng::seed_from_u64(seed);
        let mut deleted = BTreeSet::new();
        let mut created = BTreeSet::new();
        let mut got: BTreeMap<u64, u32> = BTreeMap::new();
        let mut order = Vec::new();
        let mut pages = client
            .object("accounts")
            .list()
            .limit(PageSize::new(20).expect("size"))
            .pages();
        while let Some(page) = pages.try_next().await.expect("export") {
            for r in page.records() {
                let id = r.id().expect("id");
                *got.entry(id).or_default() += 1;
                order.push(id);
            }
            // Between pages, delete some of the original records (seen or not, which shifts
            // every later page of a page-number export) and create some.
            for _ in 0..6 {
                if rng.random_bool(0.6) {
                    let id = rng.random_range(1..=RECORDS);
                    if deleted.insert(id) {
                        accounts.delete(id).await.expect("delete");
                    }
                } else {
                    let new = accounts
                        .create(&json!({ "name": format!("Churn {seed}") }))
                        .await
                        .expect("create");
                    created.insert(new.id().expect("new id"));
                }
            }
        }
        assert!(deleted.len() > 20, "seed {seed}: {} deleted", deleted.len());
        let throughout: Vec<u64> = (1..=RECORDS).filter(|id| !deleted.contains(id)).collect();
        for id in &throughout {
            assert_eq!(got.get(id), Some(&1), "seed {seed}: record {id}");
        }
        assert!(got.values().all(|&n| n == 1), "seed {seed}: a record twice");
        assert!(
            got.keys().all(|id| *id <= RECORDS || created.contains(id)),
            "seed {seed}: an id never created"
        );
        assert!(
            order.windows(2).all(|w| w[0] < w[1]),
            "seed {seed}: id order"
        );
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
async fn another_order_or_prefetch_pages_by_number() {
    for (order, prefetch) in [(Some(r#"{"name":"asc"}"#), 1), (None, 4)] {
        let mock = spawn_250().await;
        let mut q = mock.client().list::<Account>().prefetch(prefetch);
        if let Some(o) = order {
            q = q.order_json(o);
        }
        let got: Vec<Account> = q.items().try_collect().await.expect("export");
        assert_eq!(got.len(), 250);
        let mut reqs = mock.requests();
        reqs.sort();
        assert!(reqs.iter().all(|r| q_of(r).is_none()), "{reqs:?}");
        for (r, page) in reqs.iter().zip(1..) {
            assert!(r.contains(&format!("page={page}&")), "{r}");
        }
    }
}
