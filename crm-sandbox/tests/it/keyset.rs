//! The list shapes keyset and incremental export ask: `id $gt` pages in id order (alone and with
//! filters), `modifieddate $gte` after writes, and `total_count` kept right across writes.

use serde_json::{Value, json};

use crate::common::{Sbx, config, enc};

async fn page(s: &Sbx, q: &Value) -> (u64, Vec<i64>) {
    let r = s
        .get(&format!(
            "/accounts?limit=100&order={}&q={}",
            enc(r#"{"id": "asc"}"#),
            enc(&q.to_string())
        ))
        .await;
    assert_eq!(r.status, 200, "{q}: {}", String::from_utf8_lossy(&r.bytes));
    let total = r.json()["metadata"]["total_count"]
        .as_u64()
        .expect("total_count");
    (total, r.ids())
}

/// Every id `q AND id > last` yields, page by page.
async fn keyset(s: &Sbx, q: Value) -> Vec<i64> {
    let mut out: Vec<i64> = Vec::new();
    loop {
        let mut cond = q.clone();
        cond["id"] = json!({"$gt": out.last().copied().unwrap_or(0)});
        let (_, ids) = page(s, &cond).await;
        if ids.is_empty() {
            return out;
        }
        out.extend(ids);
        assert!(out.len() <= 1000, "keyset paging does not end");
    }
}

#[tokio::test]
async fn keyset_pages_yield_every_match_once_in_id_order() {
    let s = Sbx::with(config().with_records(600));
    let all = keyset(&s, json!({})).await;
    assert_eq!(all, (1..=600).collect::<Vec<_>>());
    let clients = keyset(&s, json!({"type": "Client"})).await;
    let (total, _) = page(&s, &json!({"type": "Client"})).await;
    assert_eq!(clients.len() as u64, total);
    assert!(clients.len() > 100, "more than one page: {}", clients.len());
    assert!(clients.windows(2).all(|w| w[0] < w[1]));
    for id in clients.iter().take(5) {
        let r = s.get(&format!("/accounts/{id}")).await.json();
        assert!(
            r["record"]["type"]
                .as_str()
                .is_some_and(|t| t.eq_ignore_ascii_case("Client"))
        );
    }
}

#[tokio::test]
async fn id_ranges_split_the_table_into_lanes() {
    let s = Sbx::with(config().with_records(250));
    let (n, low) = page(&s, &json!({"id": {"$bt": [1, 100]}})).await;
    let (m, high) = page(&s, &json!({"id": {"$bt": [101, 250]}})).await;
    assert_eq!((n, m), (100, 150));
    assert_eq!(low, (1..=100).collect::<Vec<_>>());
    assert_eq!(high, (101..=200).collect::<Vec<_>>());
    let (k, from) = page(&s, &json!({"id": {"$gte": 240}})).await;
    assert_eq!((k, from), (11, (240..=250).collect::<Vec<_>>()));
}

#[tokio::test]
async fn modified_since_returns_the_records_written_since() {
    let s = Sbx::with(config().with_records(200));
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let since = time::OffsetDateTime::now_utc().format(&f).expect("formats");
    for id in [7, 90, 150] {
        let r = s
            .patch(&format!("/accounts/{id}"), r#"{"notes": "changed"}"#)
            .await;
        assert_eq!(r.status, 200);
    }
    let created = s.post("/accounts", r#"{"name": "New"}"#).await.json()["record"]["id"]
        .as_i64()
        .expect("id");
    // Seeded stamps are random, so a few may lie after `since` too; they must be there as well.
    let mut want: Vec<i64> = Vec::new();
    for p in 1..=3 {
        for rec in s
            .get(&format!("/accounts?limit=100&page={p}"))
            .await
            .records()
        {
            if rec["modifieddate"]
                .as_str()
                .is_some_and(|m| m >= since.as_str())
            {
                want.push(rec["id"].as_i64().expect("id"));
            }
        }
    }
    for id in [7, 90, 150, created] {
        assert!(want.contains(&id), "{id} not stamped after {since}");
    }
    let q = json!({"modifieddate": {"$gte": since}});
    let (total, got) = page(&s, &q).await;
    assert_eq!(got, want);
    assert_eq!(total, want.len() as u64);
    // The same with a keyset condition, as an incremental export pages.
    let after = json!({"modifieddate": {"$gte": since}, "id": {"$gt": 7}});
    let (_, got) = page(&s, &after).await;
    assert_eq!(
        got,
        want.iter()
            .copied()
            .filter(|id| *id > 7)
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn total_count_follows_creates_updates_and_deletes() {
    let s = Sbx::with(config().with_records(30));
    let q = json!({"type": "Press"});
    let (before, _) = page(&s, &q).await;
    let (again, _) = page(&s, &q).await;
    assert_eq!(again, before);
    let id = s
        .post("/accounts", r#"{"name": "P", "type": "Press"}"#)
        .await
        .json()["record"]["id"]
        .as_i64()
        .expect("id");
    assert_eq!(page(&s, &q).await.0, before + 1);
    s.patch(&format!("/accounts/{id}"), r#"{"type": "Client"}"#)
        .await;
    assert_eq!(page(&s, &q).await.0, before);
    s.patch(&format!("/accounts/{id}"), r#"{"type": "Press"}"#)
        .await;
    assert_eq!(page(&s, &q).await.0, before + 1);
    assert_eq!(s.delete(&format!("/accounts/{id}")).await.status, 200);
    assert_eq!(page(&s, &q).await.0, before);
    let (all, _) = page(&s, &json!({})).await;
    assert_eq!(all, 30);
}
