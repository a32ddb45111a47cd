//! Server-filled stamps: `createddate`/`createdby` on a create, `modifieddate`/`modifiedby` on
//! every write, in the dictionary's datetime format, whatever the client sends for them.

use serde_json::Value;

use crate::common::{Sbx, config};

const USER: i64 = 4242;

fn sandbox() -> Sbx {
    let mut c = config();
    c.user_id = USER;
    Sbx::with(c)
}

/// The current UTC time as `Y-m-d H:i:s`, which sorts as text in time order.
fn now() -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::OffsetDateTime::now_utc().format(&f).expect("formats")
}

/// Asserts `v` is a `Y-m-d H:i:s` datetime within [from, to].
fn assert_stamp(v: &Value, from: &str, to: &str) {
    let s = v.as_str().unwrap_or_else(|| panic!("not a string: {v}"));
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    assert!(
        time::PrimitiveDateTime::parse(s, &f).is_ok(),
        "{s} is not Y-m-d H:i:s"
    );
    assert!(from <= s && s <= to, "{s} outside [{from}, {to}]");
}

#[tokio::test]
async fn a_create_stamps_created_and_modified() {
    let s = sandbox();
    let from = now();
    let r = s
        .post(
            "/accounts",
            r#"{"name": "Stamped", "createddate": "2001-01-01 00:00:00",
                "modifieddate": "2001-01-01 00:00:00", "modifiedby": 1, "createdby": 1}"#,
        )
        .await;
    let to = now();
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
    let rec = &r.json()["record"];
    assert_stamp(&rec["createddate"], &from, &to);
    assert_eq!(rec["modifieddate"], rec["createddate"]);
    assert_eq!(rec["createdby"], USER);
    assert_eq!(rec["modifiedby"], USER);
    // What a list serves is what was stored.
    let id = rec["id"].as_i64().expect("id");
    let again = s.get(&format!("/accounts/{id}")).await.json();
    assert_eq!(again["record"]["modifieddate"], rec["modifieddate"]);
}

#[tokio::test]
async fn an_update_stamps_modified_and_keeps_created() {
    let s = sandbox();
    let before = s.get("/accounts/3").await.json()["record"].clone();
    let from = now();
    let r = s
        .patch(
            "/accounts/3",
            r#"{"name": "Renamed", "modifieddate": "2001-01-01 00:00:00", "modifiedby": 1}"#,
        )
        .await;
    let to = now();
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    let rec = &r.json()["record"];
    assert_stamp(&rec["modifieddate"], &from, &to);
    assert_eq!(rec["modifiedby"], USER);
    assert_eq!(rec["createddate"], before["createddate"]);
    assert_eq!(rec["createdby"], before["createdby"]);
    assert_ne!(before["modifiedby"], USER, "seeded by another user");
}

#[tokio::test]
async fn an_update_that_changes_nothing_still_stamps() {
    let s = sandbox();
    let from = now();
    let r = s.patch("/contacts/2", "{}").await;
    let to = now();
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    assert_stamp(&r.json()["record"]["modifieddate"], &from, &to);
}
