//! Lookup merging, default list names, and carrying overrides across a refresh.

use expect_test::expect;

use crate::support::{dict, summary};
use crm_schema::raw::{carry_overrides, default_list_name, fill_lookup, merge_lookup_values};
use crm_schema::{LookupList, LookupValue};

fn v(value: &str) -> LookupValue {
    LookupValue {
        value: value.into(),
        label: None,
        active: true,
        rename: None,
    }
}

#[test]
fn default_list_names() {
    let cases = [
        ("accounts", "type", "account_type"),
        ("opportunity_lines", "product", "opportunity_line_product"),
        ("cases", "type", "case_type"),
        (
            "accounts",
            "addresscounty/state",
            "account_addresscounty_state",
        ),
        ("claims", "Ré-seller", "claim_re_seller"),
        ("claims", "///", "claim"),
    ];
    for (object, field, want) in cases {
        assert_eq!(default_list_name(object, field), want, "{object}/{field}");
    }
}

#[test]
fn merging_keeps_renames_and_labels_and_follows_the_crm_order() {
    let mut list = LookupList {
        list_name: "account_type".into(),
        list_name_inferred: false,
        restricted: true,
        values: vec![
            LookupValue {
                rename: Some("Customer".into()),
                label: Some("A client".into()),
                ..v("Client")
            },
            LookupValue {
                rename: Some("Gone".into()),
                ..v("Old")
            },
            v("Press"),
        ],
    };
    let fresh = vec![
        v("Press"),
        LookupValue {
            active: false,
            ..v("Client")
        },
        v("New"),
        v("New"),
    ];
    merge_lookup_values(&mut list, fresh);
    let expected = vec![
        v("Press"),
        LookupValue {
            active: false,
            rename: Some("Customer".into()),
            label: Some("A client".into()),
            ..v("Client")
        },
        v("New"),
    ];
    assert_eq!(list.values, expected);
    assert_eq!(list.list_name, "account_type");
    assert!(list.restricted);
}

#[test]
fn overrides_survive_a_refresh() {
    let body = r#"[
        {"name": "id", "type": "int"},
        {"name": "addresscounty/state", "type": "varchar(50)"},
        {"name": "type", "type": "dropdown"},
        {"name": "fax", "type": "varchar(20)"}
    ]"#;
    let mut old = dict("accounts", body).unwrap_or_else(|e| panic!("{e}"));
    old.type_name = "Company".into();
    old.record_type = Some("account".into());
    old.fields[1].rename = Some("county".into());
    old.fields[3].rename = Some("facsimile".into());
    let list = old.fields[2]
        .lookup
        .as_mut()
        .unwrap_or_else(|| panic!("type is a dropdown"));
    list.list_name = "AccountType".into();
    list.restricted = true;
    list.values = vec![
        LookupValue {
            rename: Some("Customer".into()),
            ..v("Client")
        },
        LookupValue {
            rename: Some("Ex".into()),
            ..v("Old")
        },
    ];

    let mut fresh = dict(
        "accounts",
        r#"[{"name": "id", "type": "int"}, {"name": "addresscounty/state", "type": "varchar(60)"}, {"name": "type", "type": "dropdown"}]"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let fresh_list = fresh.fields[2]
        .lookup
        .as_mut()
        .unwrap_or_else(|| panic!("type is a dropdown"));
    merge_lookup_values(fresh_list, vec![v("Client"), v("Partner")]);
    let lost = carry_overrides(&old, &mut fresh);

    assert_eq!(
        fresh.provenance.content_hash,
        crm_schema::canonical::content_hash(&fresh)
    );
    let renames: Vec<Option<&str>> = fresh.fields.iter().map(|f| f.rename.as_deref()).collect();
    assert_eq!(renames, [None, Some("county"), None]);
    let value_renames: Vec<Option<&str>> = fresh.fields[2]
        .lookup
        .iter()
        .flat_map(|l| &l.values)
        .map(|v| v.rename.as_deref())
        .collect();
    assert_eq!(value_renames, [Some("Customer"), None]);
    expect![[r#"
        accounts -> Company record_type=Some("account")
        id: id read_only label="Id"
        addresscounty/state: text max=60 label="Addresscounty state"
        type: lookup label="Type" list=AccountType restricted [Client, Partner]
    "#]]
    .assert_eq(&summary(&fresh));
    expect![[r#"
        accounts: value `Old` of `type` is gone, so its rename `Ex` was dropped
        accounts: field `fax` is gone, so its rename `facsimile` was dropped"#]]
    .assert_eq(&lost.join("\n"));
}

#[test]
fn a_field_that_stopped_being_a_dropdown_reports_its_lost_value_renames() {
    let mut old = dict("accounts", r#"{"id": "int", "sector": "dropdown"}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(l) = old.fields[1].lookup.as_mut() {
        l.values = vec![LookupValue {
            rename: Some("It".into()),
            ..v("IT")
        }];
    }
    let mut fresh = dict("accounts", r#"{"id": "int", "sector": "varchar(40)"}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    expect!["accounts: field `sector` is no longer a dropdown, so 1 value rename(s) were dropped"]
        .assert_eq(&carry_overrides(&old, &mut fresh).join("\n"));
    assert_eq!(fresh.fields[1].lookup, None);
}

#[test]
fn a_list_name_the_response_states_wins_over_the_old_one() {
    let mut old = dict(
        "accounts",
        r#"{"id": "int", "type": "dropdown", "sector": "dropdown"}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for f in &mut old.fields[1..] {
        if let Some(l) = f.lookup.as_mut() {
            l.list_name = format!("edited_{}", f.api_name);
        }
    }
    let body = r#"[{"name": "id", "type": "int"}, {"name": "type", "type": "dropdown", "list_name": "AccountType"},
        {"name": "sector", "type": "dropdown"}]"#;
    let mut fresh = dict("accounts", body).unwrap_or_else(|e| panic!("{e}"));
    carry_overrides(&old, &mut fresh);
    let names: Vec<&str> = fresh
        .fields
        .iter()
        .filter_map(|f| f.lookup.as_ref())
        .map(|l| l.list_name.as_str())
        .collect();
    assert_eq!(names, ["AccountType", "edited_sector"]);
}

#[test]
fn fill_lookup_merges_into_a_named_list_or_makes_a_default_one() {
    let body = r#"{"fields": [
        {"name": "type", "type": "dropdown", "list_name": "AccountKinds"},
        {"name": "sector", "type": "lookup"}]}"#;
    let mut def = crm_schema::raw::parse_dictionary_response(
        "accounts",
        body.as_bytes(),
        crm_schema::Source::Catalogue,
        None,
    )
    .unwrap();
    let at = |def: &crm_schema::ObjectDef, name: &str| {
        def.fields.iter().position(|f| f.api_name == name).unwrap()
    };
    let (kind, sector) = (at(&def, "type"), at(&def, "sector"));
    def.fields[sector].lookup = None;
    fill_lookup(&mut def, kind, vec![v("Client"), v("Press")]);
    fill_lookup(&mut def, sector, vec![v("Retail")]);
    fill_lookup(&mut def, 99, vec![v("ignored")]);
    let list = |i: usize| def.fields[i].lookup.clone().unwrap();
    assert_eq!(list(kind).list_name, "AccountKinds");
    assert_eq!(list(kind).values, vec![v("Client"), v("Press")]);
    assert_eq!(list(sector).list_name, "account_sector");
    assert_eq!(list(sector).values, vec![v("Retail")]);
}
