//! The drift report between two snapshots.

use expect_test::expect;

use crate::support::dict;
use crm_schema::diff::{ChangeKind, diff};
use crm_schema::{Dictionary, LookupValue};

fn dictionary(objects: &[(&str, &str)]) -> Dictionary {
    Dictionary::from_objects(
        objects
            .iter()
            .map(|(name, body)| dict(name, body).unwrap_or_else(|e| panic!("{e}"))),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn with_values(mut d: Dictionary, object: &str, field: &str, values: &[&str]) -> Dictionary {
    let list = d
        .objects
        .get_mut(object)
        .and_then(|o| o.fields.iter_mut().find(|f| f.api_name == field))
        .and_then(|f| f.lookup.as_mut())
        .unwrap_or_else(|| panic!("{object}.{field} is a dropdown"));
    list.values = values
        .iter()
        .map(|v| LookupValue {
            value: (*v).into(),
            label: None,
            active: true,
            rename: None,
        })
        .collect();
    d
}

#[test]
fn identical_snapshots_have_no_drift() {
    let d = dictionary(&[("accounts", r#"{"id": "int", "name": "text"}"#)]);
    let drift = diff(&d, &d);
    assert!(drift.is_empty());
    assert!(!drift.has_breaking());
    assert_eq!(drift.to_string(), "no drift");
}

#[test]
fn every_kind_of_change_is_reported_and_classified() {
    let old = dictionary(&[
        (
            "accounts",
            r#"{"id": "int", "name": "text", "sector": "varchar", "fax": "text", "notes": "text",
                "leadscore": "int", "website": "url", "source": "dropdown"}"#,
        ),
        ("documents", r#"{"id": "int", "filename": "text"}"#),
    ]);
    let old = with_values(old, "accounts", "source", &["Web", "Fair", "Referral"]);
    let new = dictionary(&[
        (
            "accounts",
            r#"{"id": "int", "name": {"type": "text", "required": 1}, "sector": "dropdown", "notes": "text",
                "leadscore": {"type": "int", "readonly": 1}, "website": "url", "source": "dropdown",
                "abn": {"type": "text", "mandatory": "yes"}, "tier": "text"}"#,
        ),
        ("cases", r#"{"id": "int", "subject": "text"}"#),
    ]);
    let new = with_values(
        new,
        "accounts",
        "source",
        &["Web", "Referral", "Partner", "Event"],
    );
    let drift = diff(&old, &new);
    expect![[r#"
        object     field      change                                     breaking
        accounts   fax        field removed                              yes
        accounts   name       now mandatory                              yes
        accounts   sector     type text -> lookup                        yes
        accounts   leadscore  now read-only                              yes
        accounts   source     dropdown values added: `Partner`, `Event`  no
        accounts   source     dropdown values removed: `Fair`            no
        accounts   abn        mandatory field added                      yes
        accounts   tier       field added                                no
        cases      -          object added                               no
        documents  -          object removed                             yes
        10 change(s), 6 breaking"#]]
    .assert_eq(&drift.to_string());
    let breaking: Vec<String> = drift
        .breaking()
        .map(|c| format!("{} {:?}", c.object, c.field))
        .collect();
    assert_eq!(breaking.len(), 6, "{breaking:?}");
    assert!(drift.has_breaking());
    assert!(
        drift
            .changes
            .iter()
            .any(|c| c.kind == ChangeKind::ObjectAdded)
    );
}

#[test]
fn mandatory_changes_both_ways() {
    let old = dictionary(&[(
        "accounts",
        r#"{"id": "int", "name": {"type": "text", "required": true}, "phone": "phone"}"#,
    )]);
    let new = dictionary(&[(
        "accounts",
        r#"{"id": "int", "name": "text", "phone": {"type": "phone", "required": true}}"#,
    )]);
    expect![[r#"
        object    field  change               breaking
        accounts  name   no longer mandatory  no
        accounts  phone  now mandatory        yes
        2 change(s), 1 breaking"#]]
    .assert_eq(&diff(&old, &new).to_string());
}
