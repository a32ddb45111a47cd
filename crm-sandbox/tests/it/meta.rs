//! Data dictionary and lookup routes, in every shape.

use crm_sandbox::{DictionaryShape, LookupShape};
use serde_json::{Value, json};

use crate::common::{Sbx, assert_error, config};

#[tokio::test]
async fn default_dictionary_shape() {
    let s = Sbx::new();
    let r = s.get("/datadictionary/accounts").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "application/json");
    let v = r.json();
    assert_eq!(v["object"], "accounts");
    assert_eq!(v["metadata"]["url"], "/datadictionary/accounts");
    let fields = v["fields"].as_array().expect("fields");
    let def = s.state.dictionary().object("accounts").expect("accounts");
    let names: Vec<&str> = fields
        .iter()
        .map(|f| f["name"].as_str().expect("name"))
        .collect();
    let want: Vec<&str> = def.fields.iter().map(|f| f.api_name.as_str()).collect();
    assert_eq!(names, want, "every field, in dictionary order");
    let by = |n: &str| {
        fields
            .iter()
            .find(|f| f["name"] == n)
            .cloned()
            .expect("field")
    };
    assert_eq!(
        by("type"),
        json!({"name": "type", "label": "Type", "type": "dropdown", "required": false, "readonly": false,
               "maxlength": null, "custom": false, "relates_to": null,
               "lookup": {"list_name": "account_type", "restricted": true}})
    );
    assert_eq!(by("name")["required"], true);
    assert_eq!(by("name")["maxlength"], 100);
    assert_eq!(by("id")["type"], "id");
    assert_eq!(by("id")["readonly"], true);
    assert_eq!(by("campaignid")["type"], "relation");
    assert_eq!(by("campaignid")["relates_to"], "campaigns");
    assert_eq!(by("2yearpolicy")["type"], "tinyint(1)");
    assert_eq!(by("2yearpolicy")["custom"], true);
    assert_eq!(by("createddate")["type"], "datetime");
    assert_eq!(by("ownerid")["type"], "user");
    assert_eq!(by("turnover")["type"], "currency");
    assert_error(
        &s.get("/datadictionary/accountss").await,
        500,
        "Invalid record type (accountss)",
    );
}

#[tokio::test]
async fn every_alternative_dictionary_shape_carries_every_field() {
    for (name, shape) in DictionaryShape::ALL {
        let s = Sbx::with(config().with_dictionary_shape(*shape));
        let r = s.get("/datadictionary/contacts").await;
        assert_eq!(r.status, 200, "{name}");
        let text = String::from_utf8_lossy(&r.bytes).to_string();
        let v = r.json();
        let names: Vec<String> = match shape {
            DictionaryShape::Default | DictionaryShape::Synonyms => {
                list_names(&v["fields"], *shape)
            }
            DictionaryShape::List => list_names(&v["list"], *shape),
            DictionaryShape::Data => list_names(&v["data"], *shape),
            DictionaryShape::Record => list_names(&v["record"], *shape),
            DictionaryShape::Array => list_names(&v, *shape),
            DictionaryShape::Map | DictionaryShape::MapTypes => {
                // Keys in dictionary order in the text, whatever a map type does with them.
                let def = s.state.dictionary().object("contacts").expect("contacts");
                let mut last = 0;
                for f in &def.fields {
                    let at = text
                        .find(&format!("\"{}\":", f.api_name))
                        .expect("key present");
                    assert!(at >= last, "{name}: {} out of order", f.api_name);
                    last = at;
                }
                v.as_object().expect("object").keys().cloned().collect()
            }
        };
        let mut want: Vec<String> = s
            .state
            .dictionary()
            .object("contacts")
            .expect("contacts")
            .fields
            .iter()
            .map(|f| f.api_name.clone())
            .collect();
        let mut got = names;
        if matches!(shape, DictionaryShape::Map | DictionaryShape::MapTypes) {
            want.sort();
            got.sort();
        }
        assert_eq!(got, want, "{name}");
        match shape {
            DictionaryShape::MapTypes => {
                assert_eq!(v["decisionmaker"], "tinyint(1)");
                assert_eq!(v["last"], "varchar(50)");
            }
            DictionaryShape::Map => assert_eq!(v["last"]["required"], true),
            DictionaryShape::Synonyms => {
                let last = v["fields"]
                    .as_array()
                    .expect("fields")
                    .iter()
                    .find(|f| f["field"] == "last")
                    .cloned()
                    .expect("last");
                assert_eq!(last["mandatory"], 1);
                assert_eq!(last["datatype"], "varchar");
                assert_eq!(last["length"], 50);
            }
            _ => {}
        }
    }
}

fn list_names(v: &Value, shape: DictionaryShape) -> Vec<String> {
    let key = if shape == DictionaryShape::Synonyms {
        "field"
    } else {
        "name"
    };
    v.as_array()
        .unwrap_or_else(|| panic!("{shape:?}: not an array: {v}"))
        .iter()
        .map(|f| f[key].as_str().expect("name").to_owned())
        .collect()
}

#[tokio::test]
async fn shape_names_parse_and_unknown_ones_are_named() {
    assert_eq!(
        "map-types".parse::<DictionaryShape>(),
        Ok(DictionaryShape::MapTypes)
    );
    assert_eq!("items".parse::<LookupShape>(), Ok(LookupShape::Items));
    let err = "flat".parse::<DictionaryShape>().expect_err("unknown");
    assert!(
        err.contains("unknown dictionary shape `flat`") && err.contains("map-types"),
        "{err}"
    );
}

#[tokio::test]
async fn lookup_default_shape_marks_inactive_values() {
    let s = Sbx::new();
    let r = s.get("/lookup/accounts/type").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({
            "metadata": {"url": "/lookup/accounts/type", "object_type": "lookup", "list_name": "account_type"},
            "list": [
                {"value": "Client", "id": "Client", "active": true},
                {"value": "Prospect", "id": "Prospect", "active": true},
                {"value": "Underwriter", "id": "Underwriter", "active": true},
                {"value": "Press", "id": "Press", "active": true},
                {"value": "Old Customer", "id": "Old Customer", "active": false}
            ]
        })
    );
    assert_error(
        &s.get("/lookup/accounts/nope").await,
        400,
        "Invalid field (nope) for accounts",
    );
    assert_error(
        &s.get("/lookup/accounts/name").await,
        404,
        "Field (name) of accounts has no lookup list",
    );
    assert_error(
        &s.get("/lookup/accountss/type").await,
        500,
        "Invalid record type (accountss)",
    );
}

#[tokio::test]
async fn lookup_alternative_shapes() {
    let values = json!(["Open", "Won", "Lost"]);
    let items = json!([
        {"value": "Open", "id": "Open", "active": true},
        {"value": "Won", "id": "Won", "active": true},
        {"value": "Lost", "id": "Lost", "active": true}
    ]);
    for (shape, want) in [
        (LookupShape::Strings, values.clone()),
        (LookupShape::Objects, items.clone()),
        (LookupShape::Items, json!({"items": items})),
    ] {
        let s = Sbx::with(config().with_lookup_shape(shape));
        assert_eq!(
            s.get("/lookup/opportunities/status").await.json(),
            want,
            "{shape:?}"
        );
    }
    let s = Sbx::with(config().with_lookup_shape(LookupShape::Strings));
    assert_eq!(
        s.get("/lookup/accounts/type").await.json(),
        json!(["Client", "Prospect", "Underwriter", "Press"]),
        "bare strings cannot mark inactive values, so they are left out"
    );
}

#[tokio::test]
async fn appending_lookup_values_is_persisted_and_accepted() {
    let s = Sbx::new();
    assert_eq!(
        s.post("/accounts", r#"{"name": "x", "type": "Partner"}"#)
            .await
            .status,
        422
    );
    let r = s
        .patch(
            "/lookup/account_type",
            r#"{"items": ["Partner", "Reseller", "Client"]}"#,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({"message": "Lookup values added", "items": [
            {"value": "Partner", "id": "Partner"}, {"value": "Reseller", "id": "Reseller"}, {"value": "Client", "id": "Client"}
        ]})
    );
    let list: Vec<Value> = s.get("/lookup/accounts/type").await.json()["list"]
        .as_array()
        .expect("list")
        .iter()
        .map(|i| i["value"].clone())
        .collect();
    assert_eq!(
        list,
        vec![
            json!("Client"),
            json!("Prospect"),
            json!("Underwriter"),
            json!("Press"),
            json!("Old Customer"),
            json!("Partner"),
            json!("Reseller")
        ]
    );
    assert_eq!(
        s.post("/accounts", r#"{"name": "x", "type": "partner"}"#)
            .await
            .json()["record"]["type"],
        "Partner"
    );
    // Appending an inactive value makes it active again, in its old place.
    assert_eq!(
        s.post("/accounts", r#"{"name": "x", "type": "Old Customer"}"#)
            .await
            .status,
        422
    );
    s.patch("/lookup/account_type", r#"{"items": ["Old Customer"]}"#)
        .await;
    assert_eq!(
        s.post("/accounts", r#"{"name": "x", "type": "Old Customer"}"#)
            .await
            .status,
        201
    );
    let v = s.get("/lookup/accounts/type").await.json();
    assert_eq!(
        v["list"][4],
        json!({"value": "Old Customer", "id": "Old Customer", "active": true})
    );
}

#[tokio::test]
async fn appending_lookup_values_rejects_bad_input() {
    let s = Sbx::new();
    assert_error(
        &s.patch("/lookup/no_such_list", r#"{"items": ["x"]}"#).await,
        404,
        "Lookup list not found (no_such_list)",
    );
    let r = s.patch("/lookup/account_type", r#"{}"#).await;
    assert_eq!(r.json()["validation"], json!({"items": [{"Required": []}]}));
    let r = s.patch("/lookup/account_type", r#"{"items": "x"}"#).await;
    assert_eq!(r.json()["validation"], json!({"items": [{"Array": []}]}));
    let r = s
        .patch("/lookup/account_type", r#"{"items": ["ok", 5]}"#)
        .await;
    assert_eq!(r.json()["validation"], json!({"items.1": [{"String": []}]}));
    let r = s.patch("/lookup/account_type", r#"{"items": [""]}"#).await;
    assert_eq!(
        r.json()["validation"],
        json!({"items.0": [{"Required": []}]})
    );
    assert_error(
        &s.patch("/lookup/account_type", "{").await,
        400,
        "Invalid JSON",
    );
    // Nothing was added by the failed calls.
    assert_eq!(
        s.get("/lookup/accounts/type").await.json()["list"]
            .as_array()
            .expect("list")
            .len(),
        5
    );
}
