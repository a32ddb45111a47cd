//! Replays every example of the API documentation (the seed document) against the sandbox.
//! Example bodies are the documentation's own JSON (its `...` elisions removed); placeholders
//! such as `field` and `val` are filled with real fields of the test dictionary.

use serde_json::{Value, json};

use crate::common::{Sbx, TOKEN, assert_error, enc};

const LIST_EXAMPLE: &str = r#"{ "metadata": { "url": "/account", "object_type": "list", "total_count": 100, "has_more": true }, "list": [ { "metadata": { "url": "/accounts/95920978", "list_url": "/accounts", "parent": "/", "object_type": "record", "record_type": "account" }, "record": { "id": 95920978, "name": "test", "addressline": null, "addresscity": "", "addresscounty/state": "", "addresspostcode/zip": "", "addresscountry": "", "ownerid": 90505, "source": "", "notes": null, "phone": null, "website": null, "type": null, "sector": null, "createddate": "2018-09-17 11:29:59", "modifieddate": "2018-09-17 11:29:59" } } ] }"#;
const CREATE_RESPONSE: &str = r#"{ "metadata": { "url": "/accounts/95950731", "list_url": "/accounts", "parent": null, "object_type": "record", "record_type": "account" }, "record": { "id": 95950731, "name": "testing API", "addressline": null, "addresscity": "", "addresscounty/state": "", "addresspostcode/zip": "", "addresscountry": "United Kingdom", "ownerid": 90505, "campaignid": 0, "source": "", "notes": null, "slaid": 125357, "phone": null, "website": null, "type": null, "sector": null, "createddate": "2018-09-27 08:48:22", "modifieddate": "2018-09-27 08:48:22" } }"#;
const UPDATE_RESPONSE: &str = r#"{ "metadata": { "url": "/accounts/95950731", "list_url": "/accounts", "parent": null, "object_type": "record", "record_type": "account" }, "record": { "id": 95950731, "name": "testing API Updated", "addressline": null, "addresscity": "", "addresscounty/state": "", "addresspostcode/zip": "", "addresscountry": "United Kingdom", "ownerid": 90505, "campaignid": 0, "source": "", "notes": null, "slaid": 125357, "phone": null, "website": null, "type": null, "sector": null, "createddate": "2018-09-27 08:48:22", "modifieddate": "2018-09-27 08:55:38" } }"#;
const LINES_EXAMPLE: &str = r#"{"lines": [ { "id": 1, "opportunityid": 1, "product": "User Subscription", "quantity": 30, "unitprice": 420 } ]}"#;
const ERROR_EXAMPLE: &str = r#"{ "type": "Invalid Request error", "code": 500, "message": "Invalid record type (accountss)" }"#;
const VALIDATION_EXAMPLE: &str = r#"{ "type": "Validation error", "code": 422, "message": "The given data was invalid.", "validation": { "accountid": [ { "Required": [] } ] } }"#;
const LOOKUP_PATCH_RESPONSE: &str = r#"{ "message": "Lookup values added", "items": [ { "value": "new one", "id": "new one" }, { "value": "another new one", "id": "another new one" } ] }"#;

fn parse(s: &str) -> Value {
    serde_json::from_str(s).expect("documentation example is JSON")
}

/// `actual` has every key of `example`, with values of a compatible JSON type (null matches
/// anything nullable). Array examples are matched against every actual element.
fn conforms(example: &Value, actual: &Value, path: &str) {
    match (example, actual) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let av = a
                    .get(k)
                    .unwrap_or_else(|| panic!("{path}/{k} missing in {actual}"));
                conforms(ev, av, &format!("{path}/{k}"));
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if let Some(first) = e.first() {
                for (i, av) in a.iter().enumerate() {
                    conforms(first, av, &format!("{path}/{i}"));
                }
            }
        }
        (Value::String(_), Value::String(_))
        | (Value::Number(_), Value::Number(_))
        | (Value::Bool(_), Value::Bool(_)) => {}
        _ => panic!("{path}: example {example} vs actual {actual}"),
    }
}

#[tokio::test]
async fn get_your_accounts() {
    let s = Sbx::new();
    let r = s.get("/accounts").await;
    assert_eq!(r.status, 200);
    conforms(&parse(LIST_EXAMPLE), &r.json(), "");
    // The quick start's success check.
    assert!(String::from_utf8_lossy(&r.bytes).starts_with(r#"{"metadata":{"url":"/account"#));
    for uri in [
        "/accounts?limit=50",
        "/accounts?page=2",
        "/accounts?limit=100&page=4",
        "/contacts",
    ] {
        assert_eq!(s.get(uri).await.status, 200, "{uri}");
    }
    assert_eq!(
        s.get("/accounts?page=2").await.ids(),
        (11..=20).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn create_update_delete_an_account() {
    let s = Sbx::new();
    let r = s
        .post("/accounts", r#"{ "name": "testing API", "ownerid": 1 }"#)
        .await;
    assert_eq!(r.status, 201);
    let created = r.json();
    conforms(&parse(CREATE_RESPONSE), &created, "");
    assert_eq!(created["record"]["name"], "testing API");
    let id = created["record"]["id"].as_i64().expect("id");
    let r = s
        .patch(
            &format!("/accounts/{id}"),
            r#"{ "name": "testing API Updated" }"#,
        )
        .await;
    assert_eq!(r.status, 200);
    let updated = r.json();
    conforms(&parse(UPDATE_RESPONSE), &updated, "");
    assert_eq!(updated["record"]["name"], "testing API Updated");
    assert_eq!(
        updated["record"]["createddate"],
        created["record"]["createddate"]
    );
    let r = s.delete(&format!("/accounts/{id}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({}));
    assert_eq!(
        s.get(&format!("/accounts/{id}")).await.status,
        404,
        "GET /{{object_name}}/12345 returns the record or nothing"
    );
}

#[tokio::test]
async fn opportunity_lines_inline() {
    let s = Sbx::new();
    let example = parse(LINES_EXAMPLE);
    for uri in ["/opportunities?lines=true", "/opportunities/1?lines=true"] {
        let v = s.get(uri).await.json();
        let records: Vec<Value> = match v.get("list") {
            Some(list) => list
                .as_array()
                .expect("list")
                .iter()
                .map(|e| e["record"].clone())
                .collect(),
            None => vec![v["record"].clone()],
        };
        for rec in records {
            conforms(&example, &rec, uri);
        }
    }
}

#[tokio::test]
async fn filtering_examples() {
    let s = Sbx::new();
    for ok in [
        r#"{"name": "Test"}"#,
        r#"{"name": "Test", "sector": "Design"}"#,
        r#"{"leadscore": {"$not": 10}}"#,
        r#"{"leadscore": {"$in": [10, 20]}}"#,
        r#"{"leadscore": {"$nin": [10, 20]}}"#,
        r#"{"$or": [{"name": "Test"}, {"sector": "Design"}]}"#,
        r#"{"leadscore": {"$gt": 1000}}"#,
        r#"{"leadscore": {"$gte": 1000}}"#,
        r#"{"leadscore": {"$lt": 1000}}"#,
        r#"{"leadscore": {"$lte": 1000}}"#,
        r#"{"leadscore": {"$bt": [1000, 2000]}}"#,
        r#"{"name": {"$sw": "tes"}}"#,
        r#"{"name": {"$ew": "tes"}}"#,
        r#"{"name": {"$con": "tes"}}"#,
    ] {
        let r = s.query("accounts", ok, "").await;
        assert_eq!(r.status, 200, "{ok}: {}", String::from_utf8_lossy(&r.bytes));
    }
    // The placeholders themselves name no field of accounts.
    assert_error(
        &s.query("accounts", r#"{"field": {"$not": 1}}"#, "").await,
        400,
        "Invalid field (field) for accounts",
    );
    // The documentation's typographic quotes are not JSON.
    assert_error(
        &s.query(
            "accounts",
            "{\u{201c}name\u{201d}: \u{201c}Test\u{201d}}",
            "",
        )
        .await,
        400,
        "Invalid JSON in q",
    );
}

#[tokio::test]
async fn ordering_examples() {
    let s = Sbx::new();
    for o in [r#"{"name": "asc"}"#, r#"{"name": "asc", "sector": "asc"}"#] {
        assert_eq!(
            s.get(&format!("/accounts?order={}", enc(o))).await.status,
            200,
            "{o}"
        );
    }
}

#[tokio::test]
async fn error_examples() {
    let s = Sbx::new();
    assert_eq!(s.get("/accountss").await.json(), parse(ERROR_EXAMPLE));
    assert_eq!(
        s.post("/opportunities", r#"{"name": "x"}"#).await.json(),
        parse(VALIDATION_EXAMPLE)
    );
    let r = s
        .call(axum::http::Method::PUT, "/accounts/1", Some("{}"))
        .await;
    assert_eq!(r.status, 405, "Not Allowed, please check the request type");
}

#[tokio::test]
async fn data_dictionary_and_lookups() {
    let s = Sbx::new();
    assert_eq!(s.get("/datadictionary/accounts").await.status, 200);
    let r = s.get("/lookup/accounts/type").await;
    assert_eq!(r.status, 200);
    let r = s
        .patch(
            "/lookup/account_type",
            r#"{ "items": [ "Item 1", "Item 2" ] }"#,
        )
        .await;
    assert_eq!(r.status, 200);
    let v = r.json();
    conforms(&parse(LOOKUP_PATCH_RESPONSE), &v, "");
    assert_eq!(
        v["items"],
        json!([{"value": "Item 1", "id": "Item 1"}, {"value": "Item 2", "id": "Item 2"}])
    );
}

#[tokio::test]
async fn bearer_header_form() {
    let s = Sbx::new();
    let req = axum::http::Request::builder()
        .uri("/accounts")
        .header("Authorization", format!("Bearer {TOKEN}"))
        .body(axum::body::Body::empty())
        .expect("request");
    assert_eq!(s.send(req).await.status, 200);
}
