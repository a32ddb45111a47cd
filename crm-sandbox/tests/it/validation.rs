//! Write validation (422), authentication (403 / 402) and malformed requests.

use axum::body::Body;
use axum::http::Request;
use serde_json::json;

use crate::common::{Sbx, TOKEN, assert_error, config};

#[tokio::test]
async fn missing_mandatory_field_is_422_in_the_documented_form() {
    let s = Sbx::new();
    let r = s.post("/opportunities", r#"{"status": "Open"}"#).await;
    assert_error(&r, 422, "The given data was invalid.");
    let v = r.json();
    assert_eq!(v["type"], "Validation error");
    assert_eq!(
        v["validation"],
        json!({"accountid": [{"Required": []}], "name": [{"Required": []}]})
    );
    let blank = s.post("/accounts", r#"{"name": "  "}"#).await;
    assert_eq!(
        blank.json()["validation"],
        json!({"name": [{"Required": []}]})
    );
    let cleared = s.patch("/accounts/1", r#"{"name": null}"#).await;
    assert_eq!(
        cleared.json()["validation"],
        json!({"name": [{"Required": []}]})
    );
}

#[tokio::test]
async fn wrong_types_are_422() {
    let s = Sbx::new();
    let r = s
        .post(
            "/accounts",
            r#"{"name": "x", "leadscore": 1.5, "turnover": "lots", "2yearpolicy": 2, "inceptiondate": "2020-13-01",
                "createddate": "not even checked", "notes": {"a": 1}}"#,
        )
        .await;
    assert_eq!(
        r.json()["validation"],
        json!({
            "leadscore": [{"Integer": []}],
            "turnover": [{"Numeric": []}],
            "2yearpolicy": [{"Boolean": []}],
            "inceptiondate": [{"DateFormat": ["Y-m-d"]}],
            "notes": [{"String": []}],
        })
    );
    let r = s
        .post("/activities", r#"{"date": "2024-01-02 25:00:00"}"#)
        .await;
    assert_eq!(
        r.json()["validation"],
        json!({"date": [{"DateFormat": ["Y-m-d H:i:s"]}]})
    );
}

#[tokio::test]
async fn accepted_value_forms_are_normalised() {
    let s = Sbx::new();
    let r = s
        .post(
            "/activities",
            r#"{"date": "2024-01-02T03:04:05.123Z", "allday": "true", "priority": "2.5", "accountid": "3", "type": "Call"}"#,
        )
        .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
    let rec = &r.json()["record"];
    assert_eq!(rec["date"], "2024-01-02 03:04:05");
    assert_eq!(rec["allday"], 1);
    assert_eq!(rec["priority"], 2.5);
    assert_eq!(rec["accountid"], 3);
    let r = s
        .post("/activities", r#"{"date": "0000-00-00 00:00:00"}"#)
        .await;
    assert_eq!(
        r.json()["record"]["date"],
        "0000-00-00 00:00:00",
        "zero dates are accepted"
    );
}

#[tokio::test]
async fn restricted_dropdown_and_max_length() {
    let s = Sbx::new();
    let r = s
        .post("/accounts", r#"{"name": "x", "type": "Partner"}"#)
        .await;
    assert_eq!(
        r.json()["validation"],
        json!({"type": [{"In": ["Client", "Prospect", "Underwriter", "Press"]}]})
    );
    // Inactive values are no longer accepted; unrestricted lists take anything.
    let r = s
        .post("/accounts", r#"{"name": "x", "type": "Old Customer"}"#)
        .await;
    assert_eq!(r.status, 422);
    let r = s
        .post("/accounts", r#"{"name": "x", "sector": "Anything at all"}"#)
        .await;
    assert_eq!(r.status, 201);
    let long = "é".repeat(101);
    let r = s
        .post("/accounts", &json!({"name": long}).to_string())
        .await;
    assert_eq!(r.json()["validation"], json!({"name": [{"Max": [100]}]}));
    let ok = "é".repeat(100);
    assert_eq!(
        s.post("/accounts", &json!({"name": ok}).to_string())
            .await
            .status,
        201,
        "length counts characters"
    );
    let r = s
        .post("/accounts", r#"{"name": "x", "email": "not-an-address"}"#)
        .await;
    assert_eq!(r.json()["validation"], json!({"email": [{"Email": []}]}));
    // The rule is the import check's (`crm_schema::row::looks_like_email`): what `crm import
    // --dry-run` refuses, the sandbox refuses too, and what it accepts is stored.
    for bad in ["name@example.", "name\t@example.com"] {
        let r = s
            .post("/accounts", &json!({"name": "x", "email": bad}).to_string())
            .await;
        assert_eq!(
            r.json()["validation"],
            json!({"email": [{"Email": []}]}),
            "{bad:?}"
        );
        assert!(!crm_schema::row::looks_like_email(bad), "{bad:?}");
    }
    let r = s
        .post("/accounts", r#"{"name": "x", "email": "name@example.com"}"#)
        .await;
    assert_eq!(r.status, 201);
}

#[tokio::test]
async fn unknown_fields_are_refused() {
    let s = Sbx::new();
    let r = s.post("/accounts", r#"{"name": "x", "nmae": "y"}"#).await;
    assert_eq!(
        r.json()["validation"],
        json!({"nmae": [{"NotInDataDictionary": ["accounts"]}]})
    );
}

#[tokio::test]
async fn missing_or_wrong_token_is_403_unauthenticated() {
    let s = Sbx::new();
    for auth in [
        None,
        Some("Bearer wrong"),
        Some("Basic dGVzdA=="),
        Some("Bearer"),
    ] {
        let mut b = Request::builder().uri("/accounts");
        if let Some(a) = auth {
            b = b.header("authorization", a);
        }
        let r = s.send(b.body(Body::empty()).expect("request")).await;
        assert_eq!(r.status, 403, "{auth:?}");
        assert_eq!(r.json(), json!({"message": "Unauthenticated."}));
    }
    let ok = Request::builder()
        .uri("/accounts")
        .header("authorization", format!("bearer {TOKEN}"));
    assert_eq!(
        s.send(ok.body(Body::empty()).expect("request"))
            .await
            .status,
        200,
        "scheme is case-insensitive"
    );
    let admin = s
        .send(
            Request::builder()
                .uri("/__sandbox/calls")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(admin.status, 403, "the admin API needs the token too");
}

#[tokio::test]
async fn documented_402_mode() {
    let s = Sbx::with(config().with_auth_mode(crm_sandbox::AuthMode::Documented402));
    let r = s
        .send(
            Request::builder()
                .uri("/accounts")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(r.status, 402);
    assert_eq!(
        r.json(),
        json!({"type": "Forbidden", "code": 402, "message": "Please check your access token"})
    );
}

#[tokio::test]
async fn malformed_bodies_are_clear_errors() {
    let s = Sbx::new();
    assert_error(
        &s.post("/accounts", r#"{"name": "x""#).await,
        400,
        "Invalid JSON in the request body",
    );
    assert_error(
        &s.post("/accounts", r#"["name"]"#).await,
        400,
        "must be a JSON object",
    );
    assert_error(
        &s.post("/accounts", "").await,
        400,
        "The request body is empty",
    );
    let plain = Request::builder()
        .method("POST")
        .uri("/accounts")
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "text/plain")
        .body(Body::from("name=x"))
        .expect("request");
    assert_error(
        &s.send(plain).await,
        415,
        "Unsupported content type (text/plain)",
    );
    let big = format!(r#"{{"name": "{}"}}"#, "x".repeat(2 * 1024 * 1024));
    assert_error(
        &s.post("/accounts", &big).await,
        413,
        "larger than 1048576 bytes",
    );
}

#[tokio::test]
async fn form_encoded_patch_is_accepted() {
    let s = Sbx::new();
    let req = Request::builder()
        .method("PATCH")
        .uri("/accounts/1")
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("name=Form+Name&leadscore=7"))
        .expect("request");
    let r = s.send(req).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    assert_eq!(r.json()["record"]["name"], "Form Name");
    assert_eq!(r.json()["record"]["leadscore"], 7);
}

#[tokio::test]
async fn startup_errors_name_the_problem() {
    let err = crm_sandbox::State::new(config().with_dictionaries("/nonexistent/dir"))
        .expect_err("must fail");
    assert!(
        err.to_string().contains("cannot load the dictionaries"),
        "{err}"
    );
    let faults = crm_sandbox::Faults {
        error_rate: 2.0,
        ..crm_sandbox::Faults::default()
    };
    let err = crm_sandbox::State::new(config().with_faults(faults)).expect_err("must fail");
    assert!(
        err.to_string()
            .contains("error_rate must be between 0 and 1"),
        "{err}"
    );
}

#[tokio::test]
async fn objects_left_out_of_the_plan_answer_403_on_every_route() {
    let s = Sbx::with(config().with_gated_objects(["cases"]));
    for uri in [
        "/cases",
        "/cases/1",
        "/datadictionary/cases",
        "/lookup/cases/status",
    ] {
        let r = s.get(uri).await;
        assert_eq!(r.status, 403, "{uri}");
        assert_eq!(
            r.json(),
            json!({"type": "Forbidden", "code": 403, "message": "Your plan does not include this record type (cases)"}),
            "{uri}"
        );
    }
    assert_eq!(s.post("/cases", "{}").await.status, 403);
    assert_eq!(
        s.get("/accounts").await.status,
        200,
        "other objects are untouched"
    );
    assert_eq!(s.get("/datadictionary/accounts").await.status, 200);
}
