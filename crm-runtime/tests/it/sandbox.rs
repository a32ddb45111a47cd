//! End to end against the sandbox (in-process, port 0): every operation on every object of the
//! default snapshot, every error kind with its message, faults, quota, documents, lookups and the
//! data dictionary.

use std::collections::BTreeSet;

use crm_runtime::{Client, RawRecord};
use crm_schema::{FieldType, ObjectDef};
use futures::TryStreamExt;
use serde_json::{Value, json};

use crate::common::{Account, Accounts, fast_retry};

pub(crate) const TOKEN: &str = "sandbox-token-7d1e";

pub(crate) async fn start(records: u32) -> (crm_sandbox::Running, Client) {
    let sandbox = crm_sandbox::spawn(crm_sandbox::Config::new(TOKEN).with_records(records))
        .await
        .expect("sandbox");
    let client = Client::builder()
        .base_url(&sandbox.base_url)
        .token(TOKEN)
        .retry_policy(fast_retry().max_attempts(8))
        .build()
        .expect("client");
    (sandbox, client)
}

pub(crate) async fn set_faults(sandbox: &crm_sandbox::Running, faults: Value) {
    let resp = reqwest::Client::new()
        .put(format!("{}/__sandbox/faults", sandbox.base_url))
        .bearer_auth(TOKEN)
        .json(&faults)
        .send()
        .await
        .expect("admin");
    assert!(resp.status().is_success(), "{:?}", resp.text().await);
}

fn snapshot() -> crm_schema::Dictionary {
    crm_schema::load(&crm_sandbox::default_dictionaries_dir()).expect("dictionaries")
}

/// A value for a mandatory field, by type; references point at an existing record.
async fn value_for(client: &Client, field: &crm_schema::FieldDef) -> Value {
    match &field.ty {
        FieldType::Integer | FieldType::User => json!(90505),
        FieldType::Decimal | FieldType::Currency | FieldType::Percent => json!("12.50"),
        FieldType::Boolean => json!(1),
        FieldType::Date => json!("2024-02-29"),
        FieldType::DateTime => json!("2024-02-29 13:14:15"),
        FieldType::Email => json!("someone@example.com"),
        FieldType::Url => json!("https://example.com"),
        FieldType::Lookup => {
            let list = field.lookup.as_ref().expect("lookup list");
            json!(
                list.values
                    .iter()
                    .find(|v| v.active)
                    .expect("active value")
                    .value
            )
        }
        FieldType::Reference { target, .. } => {
            let page = client
                .object(target.as_str())
                .list()
                .send()
                .await
                .expect("target list");
            json!(page.records()[0].id().expect("id"))
        }
        _ => json!("Made by the runtime test"),
    }
}

fn text_field(def: &ObjectDef) -> Option<&crm_schema::FieldDef> {
    def.fields.iter().find(|f| {
        !f.read_only && matches!(f.ty, FieldType::Text | FieldType::LongText) && f.lookup.is_none()
    })
}

#[tokio::test]
async fn every_operation_on_every_object() {
    let (sandbox, client) = start(120).await;
    let dict = snapshot();
    for def in dict.iter() {
        let name = def.api_name.as_str();
        let object = client.object(name);
        // List all, count, and get one.
        let all: Vec<RawRecord> = object.list().items().try_collect().await.expect(name);
        let count = object.list().count().await.expect(name);
        assert_eq!(all.len() as u64, count, "{name}");
        let ids: BTreeSet<u64> = all.iter().map(|r| r.id().expect("id")).collect();
        assert_eq!(ids.len(), all.len(), "{name}: repeated records");
        let first = all
            .first()
            .unwrap_or_else(|| panic!("{name} has no seeded records"));
        let got = object.get(first.id().expect("id")).await.expect(name);
        assert_eq!(got.json(), first.json(), "{name}: get differs from list");
        if name == "documents" {
            continue; // documents are created by upload, in their own test
        }
        // Create with every mandatory field.
        let mut body = serde_json::Map::new();
        for f in def.mandatory_fields() {
            body.insert(f.api_name.clone(), value_for(&client, f).await);
        }
        let text = text_field(def);
        if let Some(t) = text {
            body.insert(t.api_name.clone(), json!("créé ✓"));
        }
        let created = object
            .create(&body)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let id = created.id().expect("created id");
        if let Some(t) = text {
            assert_eq!(
                created
                    .field::<String>(&t.api_name)
                    .expect("field")
                    .as_deref(),
                Some("créé ✓")
            );
            // Update.
            let updated = object
                .update(id, &json!({ t.api_name.clone(): "changed" }))
                .await
                .expect(name);
            assert_eq!(
                updated
                    .field::<String>(&t.api_name)
                    .expect("field")
                    .as_deref(),
                Some("changed")
            );
            let again = object.get(id).await.expect(name);
            assert_eq!(
                again
                    .field::<String>(&t.api_name)
                    .expect("field")
                    .as_deref(),
                Some("changed")
            );
        }
        assert_eq!(
            object.list().count().await.expect(name),
            count + 1,
            "{name}"
        );
        // Delete.
        object.delete(id).await.expect(name);
        let err = object.get(id).await.expect_err("deleted");
        assert!(err.is_not_found(), "{name}: {err:?}");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn typed_records_round_trip_and_filters_reach_the_server() {
    let (sandbox, client) = start(30).await;
    #[derive(serde::Serialize)]
    struct NewAccount<'a> {
        name: &'a str,
    }
    impl crm_runtime::Create for NewAccount<'_> {
        type Object = Accounts;
    }
    #[derive(serde::Serialize)]
    struct AccountPatch<'a> {
        name: &'a str,
    }
    impl crm_runtime::Patch for AccountPatch<'_> {
        type Object = Accounts;
    }
    let created: Account = client
        .create_as(&NewAccount {
            name: "Zebra Typed Ltd",
        })
        .await
        .expect("create");
    let got: Account = client.get_as(created.id).await.expect("get");
    assert_eq!(got.name.as_deref(), Some("Zebra Typed Ltd"));
    let updated: Account = client
        .update_as(
            created.id,
            &AccountPatch {
                name: "Zebra Typed Plc",
            },
        )
        .await
        .expect("update");
    assert_eq!(updated.name.as_deref(), Some("Zebra Typed Plc"));
    let found: Vec<Account> = client
        .list::<Account>()
        .q_json(r#"{"name":{"$sw":"zebra typed"}}"#)
        .items()
        .try_collect()
        .await
        .expect("filter");
    assert_eq!(
        found.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![created.id]
    );
    let desc: Vec<Account> = client
        .list::<Account>()
        .order_json(r#"{"id":"desc"}"#)
        .items()
        .try_collect()
        .await
        .expect("order");
    assert!(desc.windows(2).all(|w| w[0].id > w[1].id));
    assert_eq!(desc.len(), 31);
    client.delete(created.id).await.expect("delete");
    let err = client
        .get_as::<Account>(created.id)
        .await
        .expect_err("gone");
    assert!(err.is_not_found());
    assert!(
        err.to_string().starts_with(&format!(
            "GET /accounts/{}: not found (HTTP 404)",
            created.id
        )),
        "{err}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn error_kinds_from_the_sandbox_carry_its_messages() {
    let (sandbox, client) = start(5).await;
    let err = client
        .object("accountss")
        .list()
        .send()
        .await
        .expect_err("unknown object");
    assert!(err.is_server());
    assert_eq!(err.api_message(), Some("Invalid record type (accountss)"));
    let err = client
        .object("accounts")
        .create(&json!({}))
        .await
        .expect_err("mandatory");
    assert!(err.is_validation(), "{err:?}");
    assert!(
        err.validation().expect("rules").has("name", "Required"),
        "{err}"
    );
    let err = client
        .object("accounts")
        .list()
        .q_json("{not json")
        .send()
        .await
        .expect_err("bad q");
    assert!(err.is_bad_request(), "{err}");
    let err = client
        .object("accounts")
        .list()
        .q_json(r#"{"nosuchfield":1}"#)
        .send()
        .await
        .expect_err("bad field");
    assert!(err.is_bad_request(), "{err}");
    let err = client.object("lookup").delete(5).await.expect_err("405");
    assert!(err.is_method_not_allowed(), "{err}");
    assert_eq!(err.status(), Some(405));
    let bad = Client::builder()
        .base_url(&sandbox.base_url)
        .token("wrong")
        .build()
        .expect("client");
    let err = bad
        .object("accounts")
        .list()
        .send()
        .await
        .expect_err("token");
    assert!(err.is_unauthorised());
    assert_eq!(
        err.to_string(),
        "GET /accounts: not authorised (HTTP 403): Unauthenticated."
    );
    sandbox.shutdown().await;

    let sandbox = crm_sandbox::spawn(
        crm_sandbox::Config::new(TOKEN)
            .with_records(1)
            .with_auth_mode(crm_sandbox::AuthMode::Documented402),
    )
    .await
    .expect("sandbox");
    let bad = Client::builder()
        .base_url(&sandbox.base_url)
        .token("wrong")
        .build()
        .expect("client");
    let err = bad
        .object("accounts")
        .list()
        .send()
        .await
        .expect_err("token");
    assert!(err.is_unauthorised());
    assert_eq!(
        err.to_string(),
        "GET /accounts: not authorised (HTTP 402): Forbidden: Please check your access token"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_export_under_faults_loses_and_repeats_nothing() {
    let (sandbox, client) = start(400).await;
    let expected = client
        .object("accounts")
        .list()
        .count()
        .await
        .expect("count");
    set_faults(
        &sandbox,
        json!({"error_rate": 0.15, "drop_rate": 0.1, "truncate_rate": 0.1}),
    )
    .await;
    for prefetch in [1usize, 4] {
        let all = crate::soak::accounts(&client, prefetch).await;
        let ids: Vec<u64> = all.iter().map(|r| r.id().expect("id")).collect();
        let unique: BTreeSet<u64> = ids.iter().copied().collect();
        assert_eq!(ids.len() as u64, expected);
        assert_eq!(unique.len(), ids.len());
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "not in id order");
    }
    assert!(client.usage().failed > 0, "the faults never fired");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_post_under_faults_creates_each_record_at_most_once() {
    let (sandbox, client) = start(1).await;
    set_faults(
        &sandbox,
        json!({"error_rate": 0.2, "drop_rate": 0.2, "truncate_rate": 0.2}),
    )
    .await;
    let mut ok = BTreeSet::new();
    for i in 0..30 {
        let name = format!("Faulty create {i:02}");
        if client
            .object("accounts")
            .create(&json!({ "name": name }))
            .await
            .is_ok()
        {
            ok.insert(name);
        }
    }
    set_faults(&sandbox, json!({})).await;
    let stored: Vec<RawRecord> = client
        .object("accounts")
        .list()
        .q_json(r#"{"name":{"$sw":"Faulty create"}}"#)
        .items()
        .try_collect()
        .await
        .expect("list");
    let names: Vec<String> = stored
        .iter()
        .map(|r| r.field::<String>("name").expect("name").expect("name"))
        .collect();
    let unique: BTreeSet<String> = names.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        names.len(),
        "a create happened twice: {names:?}"
    );
    assert!(ok.is_subset(&unique));
    assert!(ok.len() < 30, "the faults never fired");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn rate_limit_and_quota() {
    let (sandbox, client) = start(1).await;
    set_faults(
        &sandbox,
        json!({"rate_limit": {"requests": 2, "per_seconds": 1}}),
    )
    .await;
    // Three calls in one window: the third waits out Retry-After and succeeds.
    for _ in 0..3 {
        client
            .object("accounts")
            .list()
            .send()
            .await
            .expect("paced");
    }
    assert_eq!(client.usage().failed, 1);
    set_faults(&sandbox, json!({"daily_quota": 1})).await;
    client
        .object("accounts")
        .list()
        .send()
        .await
        .expect("within quota");
    let err = client
        .object("accounts")
        .list()
        .send()
        .await
        .expect_err("quota");
    assert!(err.is_quota(), "{err:?}");
    assert_eq!(err.api_message(), Some("Daily API call limit of 1 reached"));
    assert!(err.retry_after().is_some());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn lookups_and_the_data_dictionary() {
    let (sandbox, client) = start(1).await;
    let dict = snapshot();
    for def in dict.iter() {
        let raw = client.dictionary_raw(&def.api_name).await.expect("raw");
        let v: Value = serde_json::from_slice(&raw).expect("json");
        assert!(v.is_object());
        let parsed = client
            .dictionary(&def.api_name)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", def.api_name));
        assert_eq!(parsed.api_name, def.api_name);
        let names = |d: &ObjectDef| {
            d.fields
                .iter()
                .map(|f| f.api_name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&parsed), names(def));
        assert!(matches!(
            parsed.provenance.source,
            crm_schema::Source::Sandbox { .. }
        ));
        for (a, b) in parsed.fields.iter().zip(&def.fields) {
            let values = |f: &crm_schema::FieldDef| {
                f.lookup.as_ref().map(|l| {
                    l.values
                        .iter()
                        .map(|v| (v.value.clone(), v.active))
                        .collect::<Vec<_>>()
                })
            };
            assert_eq!(values(a), values(b), "{}.{}", def.api_name, a.api_name);
        }
    }
    let before = client
        .lookup_values("accounts", "type")
        .await
        .expect("lookup");
    assert!(before.iter().any(|v| v.value == "Customer"));
    let appended = client
        .append_lookup("account_type", &["Distributor"])
        .await
        .expect("append");
    assert_eq!(appended.message.as_deref(), Some("Lookup values added"));
    assert!(appended.items.iter().any(|i| i.value == "Distributor"));
    let after = client
        .lookup_values("accounts", "type")
        .await
        .expect("lookup");
    assert!(after.iter().any(|v| v.value == "Distributor"));
    assert_eq!(after.len(), before.len() + 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn documents_upload_with_progress_and_download_streamed() {
    let (sandbox, client) = start(1).await;
    let content: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let s = seen.clone();
    let account = client
        .object("accounts")
        .list()
        .send()
        .await
        .expect("list")
        .into_records()
        .remove(0);
    let upload = crm_runtime::Upload::new("rapport été.bin", content.clone())
        .content_type("application/octet-stream")
        .field("parentobject", "accounts")
        .field("parentid", account.id().expect("id").to_string())
        .on_progress(move |sent, total| s.lock().expect("lock").push((sent, total)));
    let doc: RawRecord = client.upload_document(upload).await.expect("upload");
    let progress = seen.lock().expect("lock").clone();
    assert_eq!(progress.last(), Some(&(300_000, 300_000)));
    assert!(progress.len() >= 4 && progress.windows(2).all(|w| w[0].0 < w[1].0));
    let mut out = Vec::new();
    let info = client
        .download_document(doc.id().expect("id"), &mut out)
        .await
        .expect("download");
    assert_eq!(info.filename.as_deref(), Some("rapport été.bin"));
    assert_eq!(info.bytes, 300_000);
    assert!(out == content, "downloaded bytes differ");
    let err = client
        .download_document(999_999, &mut Vec::new())
        .await
        .expect_err("missing");
    assert!(err.is_not_found());
    assert_eq!(err.path(), Some("/documents/999999/content"));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn opportunities_with_lines() {
    let (sandbox, client) = start(10).await;
    let with: Vec<RawRecord> = client
        .object("opportunities")
        .list()
        .lines(true)
        .items()
        .try_collect()
        .await
        .expect("list");
    assert!(
        with.iter()
            .all(|r| r.to_map().expect("map").contains_key("lines"))
    );
    assert!(with.iter().any(|r| {
        r.field::<Vec<Value>>("lines")
            .expect("lines")
            .is_some_and(|l| !l.is_empty())
    }));
    let without = client
        .object("opportunities")
        .list()
        .send()
        .await
        .expect("list");
    assert!(
        without
            .records()
            .iter()
            .all(|r| !r.to_map().expect("map").contains_key("lines"))
    );
    sandbox.shutdown().await;
}
