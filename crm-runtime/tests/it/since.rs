//! `Query::modified_since`: the condition every request carries (with the user's filter, with
//! keyset paging's id condition, in whichever order the builder was called), and against the
//! sandbox exactly the records written since.

use std::collections::BTreeSet;

use crm_runtime::{DateTime, Filter, PageSize};
use futures::TryStreamExt;
use serde_json::json;

use crate::common::{Account, MockState, spawn};
use crate::keyset::q_of;

fn ts(text: &str) -> DateTime {
    text.parse().expect("datetime")
}

#[tokio::test]
async fn every_request_carries_the_stamp_with_the_filter_and_the_last_id() {
    let mock = spawn(MockState {
        total: 150,
        has_more: true,
        ..Default::default()
    })
    .await;
    let got: Vec<Account> = mock
        .client()
        .list::<Account>()
        .modified_since(ts("2026-11-30 08:00:00"))
        .q_json(r#"{"name":{"$sw":"Acc"}}"#)
        .items()
        .try_collect()
        .await
        .expect("export");
    assert_eq!(got.len(), 150);
    let qs: Vec<Option<String>> = mock.requests().iter().map(|r| q_of(r)).collect();
    assert_eq!(
        qs,
        [
            Some(r#"{"modifieddate":{"$gte":"2026-11-30 08:00:00"},"name":{"$sw":"Acc"}}"#.to_owned()),
            Some(r#"{"id":{"$gt":100},"modifieddate":{"$gte":"2026-11-30 08:00:00"},"name":{"$sw":"Acc"}}"#.to_owned()),
        ]
    );
    assert!(mock.requests().iter().all(|r| r.contains("page=1&")));
}

/// A query builder step of a case.
type Build = Box<dyn Fn(crm_runtime::Query<Account>) -> crm_runtime::Query<Account>>;

#[tokio::test]
async fn the_stamp_composes_with_any_filter_and_a_later_call_replaces_it() {
    let cases: Vec<(Build, &str)> = vec![
        // No filter at all.
        (
            Box::new(|q| q.modified_since(ts("2026-01-02 03:04:05"))),
            r#"{"modifieddate":{"$gte":"2026-01-02 03:04:05"}}"#,
        ),
        // A typed filter set after the stamp keeps it.
        (
            Box::new(|q| {
                q.modified_since(ts("2026-01-02 03:04:05"))
                    .filter(Filter::condition(
                        "type",
                        crm_runtime::filter::Op::Eq,
                        json!("Client"),
                    ))
            }),
            r#"{"modifieddate":{"$gte":"2026-01-02 03:04:05"},"type":"Client"}"#,
        ),
        // The user's own bound on the same field joins its operator object.
        (
            Box::new(|q| {
                q.q_json(r#"{"modifieddate":{"$lt":"2026-06-01 00:00:00"}}"#)
                    .modified_since(ts("2026-01-02 03:04:05"))
            }),
            r#"{"modifieddate":{"$gte":"2026-01-02 03:04:05","$lt":"2026-06-01 00:00:00"}}"#,
        ),
        // The same operator twice cannot share an object: ANDed through a one-element `$or`.
        (
            Box::new(|q| {
                q.q_json(r#"{"modifieddate":{"$gte":"2025-01-01 00:00:00"}}"#)
                    .modified_since(ts("2026-01-02 03:04:05"))
            }),
            r#"{"$or":[{"modifieddate":{"$gte":"2026-01-02 03:04:05"}}],"modifieddate":{"$gte":"2025-01-01 00:00:00"}}"#,
        ),
        // An `$or` of the user's: the members of an object are ANDed, the `$or` among them.
        (
            Box::new(|q| {
                q.q_json(r#"{"$or":[{"type":"Client"},{"type":"Prospect"}]}"#)
                    .modified_since(ts("2026-01-02 03:04:05"))
            }),
            r#"{"$or":[{"type":"Client"},{"type":"Prospect"}],"modifieddate":{"$gte":"2026-01-02 03:04:05"}}"#,
        ),
        // A later call replaces the stamp; a fraction of a second is kept.
        (
            Box::new(|q| {
                q.modified_since(ts("2020-01-01 00:00:00"))
                    .modified_since(ts("2026-01-02 03:04:05.25"))
            }),
            r#"{"modifieddate":{"$gte":"2026-01-02 03:04:05.250000"}}"#,
        ),
    ];
    for (build, want) in cases {
        let mock = spawn(MockState {
            total: 3,
            ..Default::default()
        })
        .await;
        build(mock.client().list::<Account>())
            .send()
            .await
            .expect("page");
        assert_eq!(q_of(&mock.requests()[0]).as_deref(), Some(want));
    }
}

#[tokio::test]
async fn a_filter_that_is_not_an_object_is_refused_before_sending() {
    let mock = spawn(MockState {
        total: 3,
        ..Default::default()
    })
    .await;
    let err = mock
        .client()
        .object("accounts")
        .list()
        .q_json("[1]")
        .modified_since(ts("2026-01-02 03:04:05"))
        .send()
        .await
        .expect_err("not an object");
    assert!(mock.requests().is_empty());
    assert_eq!(
        err.to_string(),
        "GET /accounts: bad request: modified_since needs the filter to be a JSON object, got `[1]`"
    );
}

/// The server's clock as the API writes stamps (the sandbox's is UTC).
fn server_now(client: &crm_runtime::Client) -> DateTime {
    let t = time::OffsetDateTime::from(client.server_date().expect("a Date header"));
    DateTime(time::PrimitiveDateTime::new(t.date(), t.time()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_the_sandbox_exactly_the_records_written_since() {
    let (_sandbox, client) = crate::sandbox::start(300).await;
    let accounts = client.object("accounts");
    let all: Vec<crm_runtime::RawRecord> =
        accounts.list().items().try_collect().await.expect("all");
    let since = server_now(&client);
    // Seeded stamps reach weeks past today: those records are "modified since" too, and are
    // expected because of their stamp, not because this test wrote them.
    let future: BTreeSet<u64> = all
        .iter()
        .filter(|r| {
            r.field::<DateTime>("modifieddate")
                .expect("stamp")
                .is_some_and(|m| m >= since)
        })
        .filter_map(crm_runtime::RawRecord::id)
        .collect();
    assert!(future.len() < 60, "{} seeded in the future", future.len());
    let mut written = BTreeSet::new();
    for id in (7..=300).step_by(23) {
        accounts
            .update(id, &json!({ "notes": format!("touched {id}") }))
            .await
            .expect("update");
        written.insert(id);
    }
    let created = accounts
        .create(&json!({ "name": "New since" }))
        .await
        .expect("create");
    written.insert(created.id().expect("id"));

    let got: Vec<u64> = accounts
        .list()
        .limit(PageSize::new(7).expect("size"))
        .modified_since(since)
        .items()
        .map_ok(|r| r.id().expect("id"))
        .try_collect()
        .await
        .expect("since");
    let want: BTreeSet<u64> = written.union(&future).copied().collect();
    assert_eq!(got.iter().copied().collect::<BTreeSet<_>>(), want);
    assert!(got.windows(2).all(|w| w[0] < w[1]), "id order, each once");
    // The count is of the same records.
    let n = accounts
        .list()
        .modified_since(since)
        .count()
        .await
        .expect("count");
    assert_eq!(n, want.len() as u64);
}
