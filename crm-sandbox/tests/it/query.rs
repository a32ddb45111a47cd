//! `q` and `order`: every operator, combinations, case-insensitivity, errors, injection.

use serde_json::{Value, json};

use crate::common::{Sbx, assert_error, config, enc};

/// A sandbox with no generated records and these accounts, ids 1..=n in order.
async fn fixture() -> Sbx {
    let s = Sbx::with(config().with_records(0));
    let rows = [
        json!({"name": "Test", "leadscore": 10, "type": "Client", "addresscity": "London"}),
        json!({"name": "test", "leadscore": 20, "type": "Prospect", "addresscity": "leeds"}),
        json!({"name": "Testing Ltd", "leadscore": 30, "type": "client", "addresscity": null}),
        json!({"name": "Alpha Test", "leadscore": 40, "type": "Press"}),
        json!({"name": "Zeta", "leadscore": 100, "type": "Underwriter", "addresscity": ""}),
        json!({"name": "Müller GmbH", "type": "Client"}),
        json!({"name": "100% Pure_Co", "leadscore": 5}),
    ];
    for r in rows {
        let resp = s.post("/accounts", &r.to_string()).await;
        assert_eq!(resp.status, 201, "{}", String::from_utf8_lossy(&resp.bytes));
    }
    s
}

async fn ids(s: &Sbx, q: Value) -> Vec<i64> {
    let r = s.query("accounts", &q.to_string(), "limit=100").await;
    assert_eq!(r.status, 200, "{q}: {}", String::from_utf8_lossy(&r.bytes));
    r.ids()
}

#[tokio::test]
async fn plain_values_are_case_insensitive_equality() {
    let s = fixture().await;
    assert_eq!(ids(&s, json!({"name": "Test"})).await, vec![1, 2]);
    assert_eq!(ids(&s, json!({"name": "TEST"})).await, vec![1, 2]);
    assert_eq!(ids(&s, json!({"leadscore": 30})).await, vec![3]);
    assert_eq!(
        ids(&s, json!({"leadscore": "30"})).await,
        vec![3],
        "numbers as strings"
    );
    assert_eq!(
        ids(&s, json!({"addresscity": null})).await,
        vec![3, 4, 6, 7]
    );
    assert_eq!(
        ids(&s, json!({"addresscity": ""})).await,
        vec![5],
        "\"\" is not null"
    );
    assert_eq!(ids(&s, json!({})).await, (1..=7).collect::<Vec<_>>());
}

#[tokio::test]
async fn several_fields_mean_and() {
    let s = fixture().await;
    assert_eq!(
        ids(&s, json!({"name": "test", "leadscore": 20})).await,
        vec![2]
    );
    assert_eq!(
        ids(&s, json!({"type": "client", "addresscity": "london"})).await,
        vec![1]
    );
}

#[tokio::test]
async fn not_in_and_nin() {
    let s = fixture().await;
    // SQL (and MySQL) semantics: a null is neither equal nor unequal.
    assert_eq!(
        ids(&s, json!({"leadscore": {"$not": 10}})).await,
        vec![2, 3, 4, 5, 7]
    );
    assert_eq!(
        ids(&s, json!({"addresscity": {"$not": null}})).await,
        vec![1, 2, 5]
    );
    assert_eq!(
        ids(&s, json!({"leadscore": {"$not": {"$gt": 20}}})).await,
        vec![1, 2, 7]
    );
    assert_eq!(
        ids(&s, json!({"leadscore": {"$in": [10, "30", 100]}})).await,
        vec![1, 3, 5]
    );
    assert_eq!(
        ids(&s, json!({"type": {"$in": ["CLIENT", "press"]}})).await,
        vec![1, 3, 4, 6]
    );
    assert_eq!(
        ids(&s, json!({"leadscore": {"$nin": [10, 20]}})).await,
        vec![3, 4, 5, 7]
    );
    assert_eq!(
        ids(&s, json!({"leadscore": {"$in": []}})).await,
        Vec::<i64>::new()
    );
    assert_eq!(
        ids(&s, json!({"leadscore": {"$nin": []}})).await,
        (1..=7).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn or_combines_alternatives() {
    let s = fixture().await;
    assert_eq!(
        ids(
            &s,
            json!({"$or": [{"name": "Zeta"}, {"leadscore": {"$lte": 10}}]})
        )
        .await,
        vec![1, 5, 7]
    );
    assert_eq!(
        ids(
            &s,
            json!({"type": "client", "$or": [{"leadscore": 10}, {"leadscore": 30}]})
        )
        .await,
        vec![1, 3],
        "$or next to a field is ANDed"
    );
    assert_eq!(
        ids(
            &s,
            json!({"$or": [{"$or": [{"name": "zeta"}]}, {"name": "alpha test"}]})
        )
        .await,
        vec![4, 5]
    );
}

#[tokio::test]
async fn comparisons_are_numeric_on_numbers() {
    let s = fixture().await;
    assert_eq!(ids(&s, json!({"leadscore": {"$gt": 30}})).await, vec![4, 5]);
    assert_eq!(
        ids(&s, json!({"leadscore": {"$gte": 30}})).await,
        vec![3, 4, 5]
    );
    assert_eq!(ids(&s, json!({"leadscore": {"$lt": 20}})).await, vec![1, 7]);
    assert_eq!(
        ids(&s, json!({"leadscore": {"$lte": 20}})).await,
        vec![1, 2, 7]
    );
    assert_eq!(
        ids(&s, json!({"leadscore": {"$bt": [20, 40]}})).await,
        vec![2, 3, 4],
        "inclusive"
    );
    assert_eq!(
        ids(&s, json!({"leadscore": {"$gte": 20, "$lt": 100}})).await,
        vec![2, 3, 4],
        "ops on one field combine"
    );
    assert_eq!(
        ids(&s, json!({"name": {"$gt": "t"}})).await,
        vec![1, 2, 3, 5],
        "text compares case-insensitively"
    );
}

#[tokio::test]
async fn text_matching_operators() {
    let s = fixture().await;
    assert_eq!(
        ids(&s, json!({"name": {"$sw": "tes"}})).await,
        vec![1, 2, 3]
    );
    assert_eq!(
        ids(&s, json!({"name": {"$ew": "TEST"}})).await,
        vec![1, 2, 4]
    );
    assert_eq!(
        ids(&s, json!({"name": {"$con": "est"}})).await,
        vec![1, 2, 3, 4]
    );
    assert_eq!(
        ids(&s, json!({"name": {"$con": "ller"}})).await,
        vec![6],
        "non-ASCII text"
    );
    assert_eq!(
        ids(&s, json!({"name": {"$con": "%"}})).await,
        vec![7],
        "% is literal"
    );
    assert_eq!(
        ids(&s, json!({"name": {"$con": "_"}})).await,
        vec![7],
        "_ is literal"
    );
    assert_eq!(
        ids(&s, json!({"name": {"$sw": "test", "$ew": "ltd"}})).await,
        vec![3]
    );
}

#[tokio::test]
async fn datetime_ranges_on_seeded_data() {
    let s = Sbx::with(config().with_records(60));
    let all = s.get("/accounts?limit=100").await.records();
    let bound = "2020-06-01 00:00:00";
    let mut expected: Vec<i64> = all
        .iter()
        .filter(|r| r["createddate"].as_str().is_some_and(|d| d >= bound))
        .map(|r| r["id"].as_i64().expect("id"))
        .collect();
    expected.sort_unstable();
    assert!(!expected.is_empty() && expected.len() < all.len());
    let got = ids(&s, json!({"createddate": {"$gte": bound}})).await;
    assert_eq!(got, expected);
    // Python's str(datetime) form, as one real client sends.
    let got = ids(
        &s,
        json!({"createddate": {"$gte": "2020-06-01 00:00:00.000000"}}),
    )
    .await;
    assert_eq!(got, expected);
}

#[tokio::test]
async fn order_applies_fields_in_the_given_order() {
    let s = Sbx::with(config().with_records(60));
    let all = s.get("/accounts?limit=100").await.records();
    let key = |r: &Value, f: &str| r[f].as_str().map(str::to_lowercase);
    let mut by_type_name = all.clone();
    by_type_name.sort_by(|a, b| {
        key(a, "type")
            .cmp(&key(b, "type"))
            .then(key(b, "sector").cmp(&key(a, "sector")))
            .then(a["id"].as_i64().cmp(&b["id"].as_i64()))
    });
    let want: Vec<i64> = by_type_name
        .iter()
        .map(|r| r["id"].as_i64().expect("id"))
        .collect();
    let got = s
        .get(&format!(
            "/accounts?limit=100&order={}",
            enc(r#"{"type": "asc", "sector": "desc"}"#)
        ))
        .await
        .ids();
    assert_eq!(got, want);
    let mut by_sector_type = all.clone();
    by_sector_type.sort_by(|a, b| {
        key(b, "sector")
            .cmp(&key(a, "sector"))
            .then(key(a, "type").cmp(&key(b, "type")))
            .then(a["id"].as_i64().cmp(&b["id"].as_i64()))
    });
    let want2: Vec<i64> = by_sector_type
        .iter()
        .map(|r| r["id"].as_i64().expect("id"))
        .collect();
    let got2 = s
        .get(&format!(
            "/accounts?limit=100&order={}",
            enc(r#"{"sector": "DESC", "type": "asc"}"#)
        ))
        .await
        .ids();
    assert_eq!(got2, want2);
    assert_ne!(want, want2, "the two orders differ, so key order matters");
}

#[tokio::test]
async fn order_is_case_insensitive() {
    let s = fixture().await;
    let got = s
        .get(&format!("/accounts?order={}", enc(r#"{"name": "asc"}"#)))
        .await
        .ids();
    // "100% Pure_Co", "Alpha Test", "Müller GmbH", "Test"/"test" (tie -> id), "Testing Ltd", "Zeta"
    assert_eq!(got, vec![7, 4, 6, 1, 2, 3, 5]);
}

#[tokio::test]
async fn filter_errors_are_400() {
    let s = fixture().await;
    assert_error(
        &s.query("accounts", r#"{"nme": "x"}"#, "").await,
        400,
        "Invalid field (nme) for accounts",
    );
    assert_error(
        &s.query("accounts", r#"{"name": "x""#, "").await,
        400,
        "Invalid JSON in q",
    );
    assert_error(
        &s.query("accounts", r#"{"name": {"$like": "x"}}"#, "").await,
        400,
        "Invalid operator ($like)",
    );
    assert_error(
        &s.query("accounts", r#"{"$and": [{"name": "x"}]}"#, "")
            .await,
        400,
        "Invalid operator ($and)",
    );
    assert_error(
        &s.query("accounts", r#"["name"]"#, "").await,
        400,
        "q must be a JSON object",
    );
    assert_error(
        &s.query("accounts", r#"{"name": ["a", "b"]}"#, "").await,
        400,
        "use {\"$in\": [...]}",
    );
    assert_error(
        &s.query("accounts", r#"{"name": {}}"#, "").await,
        400,
        "No operator given for field (name)",
    );
    assert_error(
        &s.query("accounts", r#"{"leadscore": {"$in": 5}}"#, "")
            .await,
        400,
        "$in on field (leadscore) takes an array",
    );
    assert_error(
        &s.query("accounts", r#"{"leadscore": {"$bt": [1]}}"#, "")
            .await,
        400,
        "$bt on field (leadscore) takes two values",
    );
    assert_error(
        &s.query("accounts", r#"{"leadscore": {"$gt": null}}"#, "")
            .await,
        400,
        "needs a value, not null",
    );
    assert_error(
        &s.query("accounts", r#"{"leadscore": "abc"}"#, "").await,
        400,
        "Value (abc) for field (leadscore) is not a number",
    );
    assert_error(
        &s.query("accounts", r#"{"name": {"$con": ["x"]}}"#, "")
            .await,
        400,
        "$con on field (name) takes text",
    );
    assert_error(
        &s.query("accounts", r#"{"$or": []}"#, "").await,
        400,
        "$or takes at least one condition",
    );
    assert_error(
        &s.query("accounts", r#"{"$or": {"name": "x"}}"#, "").await,
        400,
        "$or takes an array",
    );
    assert_error(
        &s.query("accounts", r#"{"leadscore": {"$not": [1]}}"#, "")
            .await,
        400,
        "use $nin for a list",
    );
}

#[tokio::test]
async fn deep_and_huge_filters_are_refused() {
    let s = fixture().await;
    let mut q = json!({"name": "x"});
    for _ in 0..12 {
        q = json!({"$or": [q]});
    }
    assert_error(
        &s.query("accounts", &q.to_string(), "").await,
        400,
        "nested more than 8 levels",
    );
    // Deeper than serde_json's own recursion limit: still an envelope, never a stack overflow.
    let deep = format!("{}{}", "{\"$or\": [".repeat(200), "]}".repeat(200));
    assert_error(
        &s.query("accounts", &deep, "").await,
        400,
        "Invalid JSON in q",
    );
    let many: Vec<i64> = (0..5000).collect();
    assert_error(
        &s.query("accounts", &json!({"id": {"$in": many}}).to_string(), "")
            .await,
        400,
        "more than 1000 conditions",
    );
}

async fn order(s: &Sbx, o: &str) -> crate::common::Resp {
    s.get(&format!("/accounts?order={}", enc(o))).await
}

#[tokio::test]
async fn order_errors_are_400() {
    let s = fixture().await;
    assert_error(
        &order(&s, r#"{"name": "up"}"#).await,
        400,
        "Invalid order direction for field (name)",
    );
    assert_error(
        &order(&s, r#"{"nme": "asc"}"#).await,
        400,
        "Invalid field (nme) for accounts",
    );
    assert_error(
        &order(&s, r#"name asc"#).await,
        400,
        "Invalid JSON in order",
    );
    assert_error(
        &order(&s, r#"["name"]"#).await,
        400,
        "Invalid JSON in order",
    );
}

#[tokio::test]
async fn sql_looking_input_is_data_not_code() {
    let s = fixture().await;
    let evil = "x'; DROP TABLE \"accounts\"; --";
    assert_eq!(ids(&s, json!({"name": evil})).await, Vec::<i64>::new());
    assert_eq!(
        ids(&s, json!({"name": {"$con": "' OR 1=1 --"}})).await,
        Vec::<i64>::new()
    );
    assert_error(
        &s.query(
            "accounts",
            &json!({"name\" = \"name\" OR \"1": 1}).to_string(),
            "",
        )
        .await,
        400,
        "Invalid field",
    );
    let o = s
        .get(&format!(
            "/accounts?order={}",
            enc(r#"{"id; DROP TABLE accounts": "asc"}"#)
        ))
        .await;
    assert_error(&o, 400, "Invalid field");
    // Stored as text, served back byte for byte, table intact.
    let c = s
        .post("/accounts", &json!({"name": evil}).to_string())
        .await;
    assert_eq!(c.json()["record"]["name"], evil);
    assert_eq!(ids(&s, json!({"name": evil})).await, vec![8]);
    assert_eq!(
        s.get("/accounts").await.json()["metadata"]["total_count"],
        8
    );
}

/// Decimals keep the digits sent (as strings or JSON numbers) and are served as JSON numbers, and compare and order as numbers
/// at any precision; zero dates sort before every date.
#[tokio::test]
async fn decimals_are_exact_and_zero_dates_sort_first() {
    let s = Sbx::with(config().with_records(0));
    // Raw bodies: `json!` would read these numbers through an f64.
    for body in [
        r#"{"name": "a", "turnover": "0.10"}"#,
        r#"{"name": "b", "turnover": 98765432109876.55}"#,
        r#"{"name": "c", "turnover": "98765432109876.54"}"#,
        r#"{"name": "d", "turnover": -123456789012345678}"#,
        r#"{"name": "e", "turnover": 420}"#,
        r#"{"name": "f", "turnover": 0.1}"#,
    ] {
        let resp = s.post("/accounts", body).await;
        assert_eq!(resp.status, 201, "{}", String::from_utf8_lossy(&resp.bytes));
    }
    let r = s.query("accounts", "{}", "limit=100").await;
    let text = String::from_utf8_lossy(&r.bytes);
    for served in [
        r#""turnover":0.10,"#,
        r#""turnover":98765432109876.55,"#,
        r#""turnover":98765432109876.54,"#,
        r#""turnover":-123456789012345678,"#,
        r#""turnover":420,"#,
        r#""turnover":0.1,"#,
    ] {
        assert!(text.contains(served), "{served} in {text}");
    }
    assert_eq!(
        ids(&s, json!({"turnover": {"$gt": "98765432109876.54"}})).await,
        vec![2]
    );
    assert_eq!(ids(&s, json!({"turnover": "0.1"})).await, vec![1, 6]);
    assert_eq!(ids(&s, json!({"turnover": {"$lt": 0}})).await, vec![4]);
    let r = s
        .query(
            "accounts",
            "{}",
            &format!("order={}", enc(r#"{"turnover":"desc"}"#)),
        )
        .await;
    assert_eq!(r.ids(), vec![2, 3, 5, 1, 6, 4]);
    let bad = s
        .post("/accounts", r#"{"name": "g", "turnover": "12,5"}"#)
        .await;
    assert_eq!(bad.status, 422);

    let s = Sbx::with(config().with_records(0));
    for day in [
        json!("2019-05-01"),
        json!("0000-00-00"),
        Value::Null,
        json!("2017-01-01"),
    ] {
        let resp = s
            .post(
                "/accounts",
                &json!({"name": "z", "inceptiondate": day}).to_string(),
            )
            .await;
        assert_eq!(resp.status, 201, "{}", String::from_utf8_lossy(&resp.bytes));
    }
    let r = s.get("/accounts/2").await;
    assert_eq!(r.json()["record"]["inceptiondate"], "0000-00-00");
    // As MySQL compares it: the zero date is earlier than every date, null is no date.
    assert_eq!(
        ids(&s, json!({"inceptiondate": {"$lt": "2018-01-01"}})).await,
        vec![2, 4]
    );
    assert_eq!(
        ids(
            &s,
            json!({"inceptiondate": {"$lt": "2018-01-01", "$gt": "0000-00-00"}})
        )
        .await,
        vec![4]
    );
    let r = s
        .query(
            "accounts",
            "{}",
            &format!("order={}", enc(r#"{"inceptiondate":"asc"}"#)),
        )
        .await;
    assert_eq!(r.ids(), vec![3, 2, 4, 1]);
}
