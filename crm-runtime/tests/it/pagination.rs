//! Pagination against the mock: stop rules, request counts, repeated pages, prefetch, faults.

use futures::{StreamExt, TryStreamExt};

use crate::common::{Account, Fault, MockState, spawn};

fn ids(records: &[Account]) -> Vec<u64> {
    records.iter().map(|r| r.id.get()).collect()
}

async fn export(state: MockState, prefetch: usize) -> (Vec<u64>, usize, crate::common::Mock) {
    let mock = spawn(state).await;
    let records: Vec<Account> = mock
        .client()
        .list::<Account>()
        .prefetch(prefetch)
        .items()
        .try_collect()
        .await
        .expect("export");
    let n = mock.requests().len();
    (ids(&records), n, mock)
}

#[tokio::test]
async fn with_has_more_an_export_costs_ceil_n_over_100_requests() {
    for (total, requests) in [(0u64, 1usize), (1, 1), (100, 1), (101, 2), (250, 3)] {
        let state = MockState {
            total,
            has_more: true,
            total_count: true,
            ..Default::default()
        };
        let (got, n, _) = export(state, 1).await;
        assert_eq!(got, (1..=total).collect::<Vec<_>>(), "records for {total}");
        assert_eq!(n, requests, "requests for {total}");
    }
}

#[tokio::test]
async fn without_has_more_total_count_or_a_short_page_ends_the_list() {
    // total_count known: a full last page is recognised as last.
    let (got, n, _) = export(
        MockState {
            total: 200,
            total_count: true,
            ..Default::default()
        },
        1,
    )
    .await;
    assert_eq!(got.len(), 200);
    assert_eq!(n, 2);
    // Neither: a short page ends it...
    let (got, n, _) = export(
        MockState {
            total: 150,
            ..Default::default()
        },
        1,
    )
    .await;
    assert_eq!(got, (1..=150).collect::<Vec<_>>());
    assert_eq!(n, 2);
    // ...and an exact multiple needs one empty page to be sure.
    let (got, n, _) = export(
        MockState {
            total: 100,
            ..Default::default()
        },
        1,
    )
    .await;
    assert_eq!(got.len(), 100);
    assert_eq!(n, 2);
}

#[tokio::test]
async fn streams_start_at_page_one_with_limit_100_and_a_stable_order() {
    let (_, _, mock) = export(
        MockState {
            total: 5,
            has_more: true,
            ..Default::default()
        },
        1,
    )
    .await;
    let reqs = mock.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert!(r.starts_with("GET /accounts?"), "{r}");
    assert!(r.contains("limit=100") && r.contains("page=1"), "{r}");
    // {"id":"asc"}, URL-encoded.
    assert!(r.contains("order=%7B%22id%22%3A%22asc%22%7D"), "{r}");
}

#[tokio::test]
async fn an_explicit_order_and_filter_are_sent_as_given() {
    let mock = spawn(MockState {
        total: 3,
        has_more: true,
        ..Default::default()
    })
    .await;
    let q = r#"{"name":{"$sw":"Acc"}}"#;
    let order = r#"{"name":"desc","id":"asc"}"#;
    let _: Vec<Account> = mock
        .client()
        .list::<Account>()
        .q_json(q)
        .order_json(order)
        .items()
        .try_collect()
        .await
        .expect("list");
    let r = &mock.requests()[0];
    let url =
        reqwest::Url::parse(&format!("http://x{}", r.trim_start_matches("GET "))).expect("url");
    let pairs: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(pairs["q"], q);
    assert_eq!(pairs["order"], order);
}

#[tokio::test]
async fn a_repeated_page_is_an_error_not_a_loop() {
    let mock = spawn(MockState {
        total: 1000,
        repeat_from: Some(3),
        ..Default::default()
    })
    .await;
    let err = mock
        .client()
        .list::<Account>()
        .items()
        .try_collect::<Vec<_>>()
        .await
        .expect_err("must fail");
    assert!(err.is_pagination(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "pagination went wrong: accounts: page 3 repeats 100 records of page 2"
    );
    // Pages 1 and 2 by id; the third answer repeats page 2, which is what a server ignoring
    // the id condition sends, so page 3 is asked for by number, and repeats page 2 too.
    assert_eq!(mock.requests().len(), 4);
}

#[tokio::test]
async fn prefetch_yields_every_record_in_order_for_one_request_more() {
    for width in [2usize, 4, 8] {
        let state = MockState {
            total: 1234,
            has_more: true,
            total_count: true,
            ..Default::default()
        };
        let (got, n, _) = export(state, width).await;
        assert_eq!(got, (1..=1234).collect::<Vec<_>>(), "width {width}");
        // Page 1, a probe for the largest id, then lanes of whole pages, the last open-ended:
        // one request more than pages.
        assert_eq!(n, 14, "width {width}");
    }
}

#[tokio::test]
async fn faults_during_an_export_lose_and_repeat_nothing() {
    let state = MockState {
        total: 450,
        has_more: true,
        total_count: true,
        ..Default::default()
    };
    let mock = spawn(state).await;
    mock.fault(Fault::Status(429, Some(0)));
    mock.fault(Fault::Status(503, None));
    mock.fault(Fault::Drop);
    mock.fault(Fault::Truncate);
    mock.fault(Fault::CutJson);
    mock.fault(Fault::Status(502, None));
    let client = mock
        .builder()
        .retry_policy(crate::common::fast_retry().max_attempts(10))
        .build()
        .expect("client");
    let records: Vec<Account> = client
        .list::<Account>()
        .items()
        .try_collect()
        .await
        .expect("export");
    assert_eq!(ids(&records), (1..=450).collect::<Vec<_>>());
    assert_eq!(mock.requests().len(), 5 + 6);
    assert_eq!(client.usage().calls, 11);
    assert_eq!(client.usage().failed, 6);
}

#[tokio::test]
async fn faults_under_prefetch_lose_and_repeat_nothing() {
    let state = MockState {
        total: 1000,
        has_more: true,
        total_count: true,
        ..Default::default()
    };
    let mock = spawn(state).await;
    let client = mock
        .builder()
        .retry_policy(crate::common::fast_retry().max_attempts(10))
        .build()
        .expect("client");
    // The first page is clean; faults then hit whichever prefetched pages come next.
    let first = client.list::<Account>().prefetch(8);
    let mut pages = std::pin::pin!(first.pages());
    let mut got = Vec::new();
    let p1 = pages.try_next().await.expect("page").expect("some");
    got.extend(ids(p1.records()));
    for f in [
        Fault::Status(503, None),
        Fault::Drop,
        Fault::Truncate,
        Fault::Status(429, Some(0)),
    ] {
        mock.fault(f);
    }
    while let Some(p) = pages.try_next().await.expect("page") {
        got.extend(ids(p.records()));
    }
    assert_eq!(got, (1..=1000).collect::<Vec<_>>());
}

#[tokio::test]
async fn send_fetches_one_page_with_its_metadata() {
    let mock = spawn(MockState {
        total: 42,
        has_more: true,
        total_count: true,
        ..Default::default()
    })
    .await;
    let page = mock
        .client()
        .list::<Account>()
        .limit(crm_runtime::PageSize::new(20).expect("size"))
        .page(3)
        .send()
        .await
        .expect("page");
    assert_eq!(ids(page.records()), (41..=42).collect::<Vec<_>>());
    assert_eq!(page.total_count(), Some(42));
    assert_eq!(page.has_more(), Some(false));
    assert_eq!(page.number(), 3);
    let r = &mock.requests()[0];
    assert!(
        r.contains("limit=20") && r.contains("page=3") && !r.contains("order="),
        "{r}"
    );
}

#[tokio::test]
async fn count_reads_total_count_or_pages_through() {
    let mock = spawn(MockState {
        total: 321,
        has_more: true,
        total_count: true,
        ..Default::default()
    })
    .await;
    assert_eq!(
        mock.client()
            .list::<Account>()
            .count()
            .await
            .expect("count"),
        321
    );
    assert_eq!(mock.requests().len(), 1);
    assert!(mock.requests()[0].contains("limit=1"));
    let mock = spawn(MockState {
        total: 321,
        ..Default::default()
    })
    .await;
    assert_eq!(
        mock.client()
            .object("accounts")
            .list()
            .count()
            .await
            .expect("count"),
        321
    );
    assert_eq!(mock.requests().len(), 1 + 4);
}

#[tokio::test]
async fn a_huge_total_count_under_prefetch_does_not_overflow_the_page_number() {
    for total in [u64::MAX, u64::from(u32::MAX) * 100] {
        let mock = spawn(MockState {
            total,
            has_more: true,
            total_count: true,
            ..Default::default()
        })
        .await;
        let pages: Vec<u32> = mock
            .client()
            .list::<Account>()
            .prefetch(2)
            .pages()
            .map_ok(|p| p.number())
            .take(3)
            .try_collect()
            .await
            .expect("first pages");
        assert_eq!(pages, [1, 2, 3], "total {total}");
    }
}

#[tokio::test]
async fn paging_past_the_last_addressable_page_is_a_pagination_error() {
    let mock = spawn(MockState {
        total: u64::MAX,
        has_more: true,
        ..Default::default()
    })
    .await;
    let mut pages = mock.client().list::<Account>().page(u32::MAX).pages();
    let first = pages.try_next().await.expect("page").expect("some page");
    assert_eq!(first.number(), u32::MAX);
    let err = pages.try_next().await.expect_err("no page after u32::MAX");
    assert!(err.is_pagination(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "pagination went wrong: accounts: more records follow page 4294967295, the last page number the API can address"
    );
    assert_eq!(mock.requests().len(), 1);
}
