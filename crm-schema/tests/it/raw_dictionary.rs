//! The data-dictionary adapter: every accepted shape and key synonym, type mapping, inference.

use expect_test::expect;
use serde_json::{Value, json};

use crate::support::{dict, dict_err, dict_ok};
use crm_schema::FieldType;
use crm_schema::raw::{infer_reference, map_raw_type};

/// The field list every shape test wraps.
fn fields() -> Value {
    json!([
        {"name": "id", "type": "int(11)"},
        {"name": "name", "label": "Account Name", "type": "varchar(255)", "required": 1},
        {"name": "type", "label": "Type", "type": "dropdown"},
        {"name": "addresscounty/state", "label": "County/State", "type": "varchar(100)"},
        {"name": "ownerid", "label": "Owner", "type": "int"},
        {"name": "slaid", "label": "SLA", "type": "int"},
        {"name": "2yearpolicy", "label": "2 Year Policy", "type": "tinyint(1)"},
        {"name": "createddate", "label": "Created", "type": "datetime"}
    ])
}

const EXPECTED_ACCOUNTS: &str = "accounts -> Account record_type=None
id: id read_only label=\"Id\"
name: text required max=255 label=\"Account Name\"
type: lookup label=\"Type\" list=account_type []
addresscounty/state: text max=100 label=\"County/State\"
ownerid: user label=\"Owner\"
slaid: reference(slas, external) label=\"SLA\"
2yearpolicy: boolean custom label=\"2 Year Policy\"
createddate: datetime read_only label=\"Created\"
";

/// The field list as a map keyed by name, written by hand because `serde_json::Value` sorts
/// object keys and field order matters.
fn as_map(with_names: bool) -> String {
    let members: Vec<String> = fields()
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            let mut f = f.clone();
            let name = f["name"].as_str().unwrap_or_default().to_owned();
            if !with_names {
                f.as_object_mut().map(|o| o.remove("name"));
            }
            format!("{}: {f}", Value::String(name))
        })
        .collect();
    format!("{{{}}}", members.join(", "))
}

#[test]
fn every_envelope_shape_reads_the_same_fields() {
    let records: Vec<Value> = fields()
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| json!({"metadata": {"id": 1}, "record": f}))
        .collect();
    let shapes = [
        ("bare array", fields().to_string()),
        ("fields", json!({"fields": fields()}).to_string()),
        ("list", json!({"list": fields()}).to_string()),
        ("data", json!({"data": fields()}).to_string()),
        ("record", json!({"record": fields()}).to_string()),
        ("columns", json!({"columns": fields()}).to_string()),
        (
            "metadata + fields",
            json!({"metadata": {"total_count": 8}, "fields": fields()}).to_string(),
        ),
        (
            "list of record envelopes",
            json!({"metadata": {"total_count": 8}, "list": records}).to_string(),
        ),
        (
            "bare record envelopes",
            Value::Array(records.clone()).to_string(),
        ),
        (
            "nested data.fields",
            json!({"data": {"fields": fields()}}).to_string(),
        ),
        ("map name -> spec", as_map(false)),
        ("map name -> spec with names", as_map(true)),
        (
            "map under fields",
            format!("{{\"fields\": {}}}", as_map(false)),
        ),
        (
            "envelope with status",
            json!({"status": "ok", "message": "", "fields": fields()}).to_string(),
        ),
    ];
    let wrong: Vec<String> = shapes
        .iter()
        .filter_map(|(what, body)| {
            let got = dict_ok("accounts", body);
            (got != EXPECTED_ACCOUNTS).then(|| format!("{what}:\n{got}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn map_of_name_to_type_string() {
    let body = r#"{"id": "int(11)", "name": "varchar(80)", "type": "dropdown", "accountid": "integer",
        "notes": "text", "value": "decimal(10,2)", "geo": "point"}"#;
    expect![[r#"
        opportunities -> Opportunity record_type=None
        id: id read_only label="Id"
        name: text label="Name"
        type: lookup custom label="Type" list=opportunity_type []
        accountid: reference(accounts) label="Accountid"
        notes: long_text custom label="Notes"
        value: decimal label="Value"
        geo: unknown(point) custom label="Geo"
    "#]]
    .assert_eq(&dict_ok("opportunities", body));
}

#[test]
fn record_type_comes_from_the_envelope_metadata() {
    let body = r#"{"metadata": {"record_type": "account"}, "fields": [{"name": "id", "type": "integer"}]}"#;
    expect![[r#"
        accounts -> Account record_type=Some("account")
        id: id read_only label="Id"
    "#]]
    .assert_eq(&dict_ok("accounts", body));
}

#[test]
fn name_type_and_label_synonyms() {
    let body = r#"[
        {"field": "id", "datatype": "int"},
        {"fieldname": "a1", "fieldtype": "varchar(10)", "title": "A one"},
        {"key": "a2", "type": "email", "displayName": "A two"},
        {"FieldName": "a3", "DataType": "Phone", "Caption": "A three"},
        {"api_name": "a4", "field_type": "URL", "description": "the fourth"},
        {"Field": "a5", "Type": "int(11) unsigned", "Null": "NO", "Key": "", "Default": null, "Extra": ""},
        {"name": "a6", "type": "varchar(255)", "fieldtype": "dropdown"}
    ]"#;
    expect![[r#"
        claims -> Claim record_type=None
        id: id read_only label="Id"
        a1: text custom max=10 label="A one"
        a2: email custom label="A two"
        a3: phone custom label="A three"
        a4: url custom label="A4" description="the fourth"
        a5: integer custom label="A5"
        a6: lookup custom label="A6" list=claim_a6 []
    "#]]
    .assert_eq(&dict_ok("claims", body));
}

#[test]
fn required_read_only_custom_and_length_spellings() {
    let yes = [
        json!(true),
        json!(1),
        json!("1"),
        json!("yes"),
        json!("Y"),
        json!("true"),
        json!("TRUE"),
        json!("on"),
    ];
    let no = [
        json!(false),
        json!(0),
        json!("0"),
        json!("no"),
        json!("false"),
        json!(""),
        json!(null),
    ];
    for key in ["required", "mandatory", "isRequired", "is_mandatory"] {
        for (values, want) in [(&yes[..], true), (&no[..], false)] {
            for v in values {
                let body =
                    json!([{"name": "id", "type": "int"}, {"name": "x", "type": "text", key: v}])
                        .to_string();
                let o = dict("claims", &body).unwrap_or_else(|e| panic!("{body}: {e}"));
                assert_eq!(o.fields[1].required, want, "{body}");
            }
        }
    }
    for (spec, want) in [
        (json!({"readonly": 1}), true),
        (json!({"read_only": "yes"}), true),
        (json!({"readOnly": true}), true),
        (json!({"editable": false}), true),
        (json!({"editable": "1"}), false),
        (json!({}), false),
    ] {
        let mut f = json!({"name": "x", "type": "text"});
        f.as_object_mut()
            .into_iter()
            .for_each(|o| o.extend(spec.as_object().cloned().unwrap_or_default()));
        let o = dict(
            "claims",
            &json!([{"name": "id", "type": "int"}, f]).to_string(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(o.fields[1].read_only, want, "{spec}");
    }
    for (spec, want) in [
        (json!({"custom": 1}), true),
        (json!({"is_custom": "yes"}), true),
        (json!({"custom": false}), false),
        (json!({"standard": 0}), true),
        (json!({"isStandard": true}), false),
    ] {
        let mut f = json!({"name": "name", "type": "text"});
        f.as_object_mut()
            .into_iter()
            .for_each(|o| o.extend(spec.as_object().cloned().unwrap_or_default()));
        let o = dict(
            "accounts",
            &json!([{"name": "id", "type": "int"}, f]).to_string(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(o.fields[1].custom, want, "{spec}");
    }
    for (spec, want) in [
        (json!({"type": "varchar(40)"}), Some(40)),
        (json!({"type": "text", "maxlength": 50}), Some(50)),
        (json!({"type": "text", "max_length": "60"}), Some(60)),
        (json!({"type": "varchar(255)", "length": 70}), Some(70)),
        (json!({"type": "string", "size": 80}), Some(80)),
        (json!({"type": "string", "maxLength": 0}), None),
        (json!({"type": "string", "maxLength": ""}), None),
        (json!({"type": "int(11)"}), None),
        (json!({"type": "integer", "length": 11}), None),
        (json!({"type": "decimal(10,2)"}), None),
    ] {
        let mut f = json!({"name": "x"});
        f.as_object_mut()
            .into_iter()
            .for_each(|o| o.extend(spec.as_object().cloned().unwrap_or_default()));
        let o = dict(
            "claims",
            &json!([{"name": "id", "type": "int"}, f]).to_string(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(o.fields[1].max_length, want, "{spec}");
    }
}

#[test]
fn raw_type_table() {
    let t = |s: &str| FieldType::Unknown { raw: s.to_owned() };
    let cases: Vec<(&str, &str, FieldType)> = vec![
        ("x", "varchar", FieldType::Text),
        ("x", "VARCHAR(255)", FieldType::Text),
        ("x", "string", FieldType::Text),
        ("x", "char(2)", FieldType::Text),
        ("x", "character varying(30)", FieldType::Text),
        ("x", "text", FieldType::LongText),
        ("x", "longtext", FieldType::LongText),
        ("x", "Long Text", FieldType::LongText),
        ("x", "textarea", FieldType::LongText),
        ("x", "int", FieldType::Integer),
        ("x", "integer", FieldType::Integer),
        ("x", "bigint(20)", FieldType::Integer),
        ("x", "number", FieldType::Integer),
        ("x", "int unsigned", FieldType::Integer),
        ("x", "decimal(10,2)", FieldType::Decimal),
        ("x", "float", FieldType::Decimal),
        ("x", "double", FieldType::Decimal),
        ("x", "numeric", FieldType::Decimal),
        ("x", "currency", FieldType::Currency),
        ("x", "money", FieldType::Currency),
        ("x", "percent", FieldType::Percent),
        ("x", "percentage", FieldType::Percent),
        ("x", "tinyint(1)", FieldType::Boolean),
        ("x", "tinyint(4)", FieldType::Integer),
        ("x", "bool", FieldType::Boolean),
        ("x", "boolean", FieldType::Boolean),
        ("x", "checkbox", FieldType::Boolean),
        ("x", "date", FieldType::Date),
        ("x", "datetime", FieldType::DateTime),
        ("x", "timestamp", FieldType::DateTime),
        ("x", "email", FieldType::Email),
        ("x", "phone", FieldType::Phone),
        ("x", "tel", FieldType::Phone),
        ("x", "url", FieldType::Url),
        ("x", "website", FieldType::Url),
        ("x", "lookup", FieldType::Lookup),
        ("x", "dropdown", FieldType::Lookup),
        ("x", "drop-down", FieldType::Lookup),
        ("x", "select", FieldType::Lookup),
        ("x", "list", FieldType::Lookup),
        ("x", "picklist", FieldType::Lookup),
        ("x", "enum('a','b')", FieldType::Lookup),
        ("x", "user", FieldType::User),
        ("x", "point", t("point")),
        ("x", " Geo Location ", t("Geo Location")),
        ("x", "", t("")),
        ("x", "reference", t("reference")),
        ("id", "int(11)", FieldType::Id),
        ("id", "varchar(36)", FieldType::Id),
        (
            "accountid",
            "int",
            FieldType::Reference {
                target: "accounts".into(),
                external: false,
            },
        ),
        (
            "accountid",
            "reference",
            FieldType::Reference {
                target: "accounts".into(),
                external: false,
            },
        ),
        ("accountid", "varchar(20)", FieldType::Text),
        ("ownerid", "integer", FieldType::User),
        ("createdby", "int(11)", FieldType::User),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .filter(|(name, raw, want)| map_raw_type(name, raw) != *want)
        .map(|(name, raw, want)| {
            format!(
                "{name} {raw:?}: want {want:?}, got {:?}",
                map_raw_type(name, raw)
            )
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn references_are_inferred_from_names() {
    let r = |target: &str, external| {
        Some(FieldType::Reference {
            target: target.to_owned(),
            external,
        })
    };
    let cases = [
        ("id", Some(FieldType::Id)),
        ("ownerid", Some(FieldType::User)),
        ("createdby", Some(FieldType::User)),
        ("modifiedby", Some(FieldType::User)),
        ("userid", Some(FieldType::User)),
        ("accountid", r("accounts", false)),
        ("AccountID", r("accounts", false)),
        ("account_id", r("accounts", false)),
        ("contactid", r("contacts", false)),
        ("opportunityid", r("opportunities", false)),
        ("campaignid", r("campaigns", false)),
        ("caseid", r("cases", false)),
        ("campaignstageid", r("campaignstages", false)),
        ("campaigndetailid", r("campaigndetails", false)),
        ("activityid", r("activities", false)),
        ("documentid", r("documents", false)),
        ("opportunitylineid", r("opportunity_lines", false)),
        ("slaid", r("slas", true)),
        ("caselevelid", r("caselevels", true)),
        ("policyid", r("policies", true)),
        ("parentid", None),
        ("leadscore", None),
        ("xid", None),
        ("addresscounty/stateid", None),
    ];
    for (name, want) in cases {
        assert_eq!(infer_reference(name), want, "{name}");
    }
}

#[test]
fn explicit_reference_markers_win() {
    let body = r#"[
        {"name": "id", "type": "int"},
        {"name": "parentid", "type": "int", "references": "account"},
        {"name": "slaid", "type": "int", "target": "service_levels"},
        {"name": "manager", "type": "int", "relatedObject": "users"},
        {"name": "boss", "type": "integer", "reference": {"object": "contacts"}},
        {"name": "accountid", "type": "int", "reference": true},
        {"name": "claimid", "type": "int", "references": "claims"},
        {"name": "number", "type": "int", "reference": false}
    ]"#;
    expect![[r#"
        claims -> Claim record_type=None
        id: id read_only label="Id"
        parentid: reference(accounts) custom label="Parentid"
        slaid: reference(service_levels, external) custom label="Slaid"
        manager: user custom label="Manager"
        boss: reference(contacts) custom label="Boss"
        accountid: reference(accounts) custom label="Accountid"
        claimid: reference(claims) custom label="Claimid"
        number: integer custom label="Number"
    "#]]
    .assert_eq(&dict_ok("claims", body));
}

#[test]
fn server_managed_fields_are_read_only_and_never_required() {
    let body = r#"[
        {"name": "id", "type": "int", "required": true},
        {"name": "createddate", "type": "datetime", "required": "yes"},
        {"name": "modifieddate", "type": "datetime"},
        {"name": "createdby", "type": "int", "readonly": false},
        {"name": "modifiedby", "type": "int"},
        {"name": "name", "type": "varchar(80)", "required": true}
    ]"#;
    expect![[r#"
        accounts -> Account record_type=None
        id: id read_only label="Id"
        createddate: datetime read_only label="Createddate"
        modifieddate: datetime read_only label="Modifieddate"
        createdby: user read_only label="Createdby"
        modifiedby: user read_only label="Modifiedby"
        name: text required max=80 label="Name"
    "#]]
    .assert_eq(&dict_ok("accounts", body));
}

#[test]
fn custom_fields_are_those_the_catalogue_lacks() {
    let body = r#"[
        {"name": "id", "type": "int"},
        {"name": "sector", "type": "dropdown"},
        {"name": "abn", "type": "varchar(20)"},
        {"name": "247alerts", "type": "tinyint(1)"},
        {"name": "name", "type": "varchar(80)", "custom": true},
        {"name": "salesperson", "type": "varchar(80)", "custom": "0"}
    ]"#;
    expect![[r#"
        accounts -> Account record_type=None
        id: id read_only label="Id"
        sector: lookup label="Sector" list=account_sector []
        abn: text custom max=20 label="Abn"
        247alerts: boolean custom label="247alerts"
        name: text custom max=80 label="Name"
        salesperson: text max=80 label="Salesperson"
    "#]]
    .assert_eq(&dict_ok("accounts", body));
    // On a custom object every field but the server-managed ones is the tenant's own.
    expect![[r#"
        claims -> Claim record_type=None
        id: id read_only label="Id"
        name: text custom label="Name"
        createddate: datetime read_only label="Createddate"
    "#]]
    .assert_eq(&dict_ok(
        "claims",
        r#"{"id": "int", "name": "varchar(80)", "createddate": "datetime"}"#,
    ));
}

#[test]
fn dropdown_lists_names_values_and_restriction() {
    let body = r#"[
        {"name": "id", "type": "int"},
        {"name": "type", "type": "dropdown"},
        {"name": "sector", "type": "select", "list_name": "Sector", "restricted": 1},
        {"name": "source", "type": "varchar(50)", "lookup": "AccountSource"},
        {"name": "status", "type": "enum('Open','Won','Lost','Can''t say')"},
        {"name": "rating", "type": "lookup", "options": ["Hot", {"value": "Cold", "label": "Cold lead", "active": 0}]},
        {"name": "tier", "type": "picklist", "lookup": {"name": "tiers", "restricted": "yes", "values": ["Gold", "Gold", "Silver"]}},
        {"name": "region", "type": "text", "dropdown": true},
        {"name": "Ré-seller/type", "type": "dropdown"}
    ]"#;
    expect![[r#"
        accounts -> Account record_type=None
        id: id read_only label="Id"
        type: lookup label="Type" list=account_type []
        sector: lookup label="Sector" list=Sector restricted []
        source: lookup label="Source" list=AccountSource []
        status: lookup custom label="Status" list=account_status restricted [Open, Won, Lost, Can't say]
        rating: lookup custom label="Rating" list=account_rating [Hot, Cold=Cold lead(inactive)]
        tier: lookup custom label="Tier" list=tiers restricted [Gold, Silver]
        region: lookup custom label="Region" list=account_region []
        Ré-seller/type: lookup custom label="Ré seller type" list=account_re_seller_type []
    "#]]
    .assert_eq(&dict_ok("accounts", body));
}

#[test]
fn a_missing_id_is_added_and_labels_fall_back_to_the_name() {
    expect![[r#"
        opportunity_lines -> OpportunityLine record_type=None
        id: id read_only label="Id"
        unitprice: currency label="Unitprice"
        addresspostcode/zip: text custom label="Addresspostcode zip"
    "#]]
    .assert_eq(&dict_ok("opportunity_lines", r#"{"fields": [{"name": "unitprice", "type": "currency"}, {"name": "addresspostcode/zip", "type": "string"}]}"#));
}

#[test]
fn provenance_and_hash_are_filled_in() {
    let o = dict("accounts", &fields().to_string()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(o.provenance.source, crate::support::tenant());
    assert_eq!(
        o.provenance.fetched_at.as_deref(),
        Some("2026-11-28T10:00:00Z")
    );
    assert_eq!(o.provenance.api_version, "4.0");
    assert_eq!(
        o.provenance.content_hash,
        crm_schema::canonical::content_hash(&o)
    );
    // The converted object is a valid snapshot: its canonical form loads back to itself.
    let text = crm_schema::canonical::to_canonical_string(&o);
    let back =
        crm_schema::load::parse_object(std::path::Path::new("accounts.json"), text.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, o);
}

#[test]
fn every_broken_field_is_reported_with_its_pointer() {
    let body = r#"{"fields": [
        {"name": "id", "type": "int"},
        {"type": "varchar"},
        {"name": "a", "type": 5},
        {"name": "b", "type": "text", "required": "maybe", "maxlength": -3},
        {"name": "c"},
        "d",
        {"name": "e", "type": "text", "options": "x,y"},
        {"name": "f", "type": "int", "references": 7}
    ]}"#;
    expect![[r#"
        8 problems:
          at `/fields/1`: a field object without a name; expected one of the keys `name`, `field`, `fieldname`, `key`
          at `/fields/2/type`: expected the field type as a string, found the number 5
          at `/fields/3/required`: expected `required` as a yes/no flag (true/false, 1/0, "yes"/"no"), found the string "maybe"
          at `/fields/3/maxlength`: expected a maximum length as a whole number, found the number -3
          at `/fields/4`: field `c` has no type; expected one of the keys `type`, `datatype`, `fieldtype`
          at `/fields/5`: expected a field object, found the string "d"
          at `/fields/6/options`: expected a list of dropdown values, found the string "x,y"
          at `/fields/7/references`: expected the referenced object's name, found the number 7"#]]
    .assert_eq(&dict_err("accounts", body));
}

#[test]
fn semantic_problems_of_the_converted_object_are_reported() {
    let body = r#"{"name": "text", "Name": "text", "locked": {"type": "text", "required": 1, "readonly": 1}}"#;
    expect![[r#"
        2 problems:
          at `/locked`: field `locked` is both required and read-only; a client could never create the record
          at `/Name`: fields `name` and `Name` of `claims` all map to the Rust name `name`; add "rename": "<identifier>" to one of them"#]]
    .assert_eq(&dict_err("claims", body));
}

#[test]
fn semantic_problems_point_into_the_body_even_when_id_was_added() {
    let body = r#"[{"name": "a", "type": "text"}, {"name": "b", "type": "text", "required": 1, "readonly": 1}]"#;
    expect![
        "at `/1`: field `b` is both required and read-only; a client could never create the record"
    ]
    .assert_eq(&dict_err("claims", body));
}
