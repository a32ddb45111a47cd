//! The CSV codec: every field type of the committed snapshot round-trips, the wire's variants
//! read back typed, and every error a user can meet says where.

use std::collections::BTreeSet;
use std::path::Path;

use crm_cli::csv::{Codec, Header};
use crm_schema::{Dictionary, FieldDef, FieldType, ObjectDef};
use serde_json::{Map, Value, json};

fn snapshot() -> Dictionary {
    crm_schema::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../dictionaries")).unwrap()
}

/// A typed value of the field, as reading a cell gives it; `n` varies it per record.
fn typed(f: &FieldDef, n: i64) -> Value {
    match &f.ty {
        FieldType::Id | FieldType::Integer | FieldType::User | FieldType::Reference { .. } => {
            json!(1000 + n)
        }
        FieldType::Decimal | FieldType::Currency | FieldType::Percent => {
            json!(format!("{n}234.50"))
        }
        FieldType::Boolean => json!(n % 2 == 0),
        FieldType::Date => json!(if n == 2 { "0000-00-00" } else { "2024-02-29" }),
        FieldType::DateTime => json!(format!("2024-02-29 13:05:0{n}")),
        FieldType::Lookup => f
            .lookup
            .as_ref()
            .and_then(|l| l.values.first())
            .map_or(json!("Client"), |v| json!(v.value)),
        _ => json!(format!("Müller, \"Ltd\" {n}\nsecond line; ünïcödé")),
    }
}

fn record(object: &ObjectDef, n: i64) -> Map<String, Value> {
    object
        .fields
        .iter()
        .map(|f| (f.api_name.clone(), typed(f, n)))
        .collect()
}

/// The API name of the object's first field of this type.
fn field_of(object: &ObjectDef, ty: &str) -> String {
    object
        .fields
        .iter()
        .find(|f| f.ty.as_str() == ty)
        .unwrap()
        .api_name
        .clone()
}

fn write(codec: &Codec<'_>, records: &[Map<String, Value>]) -> Vec<u8> {
    let mut out = Vec::new();
    codec.write(&mut out, records).unwrap();
    out
}

#[test]
fn every_field_type_of_the_snapshot_round_trips() {
    let dict = snapshot();
    let mut types = BTreeSet::new();
    for object in dict.iter() {
        for header in [Header::ApiNames, Header::Labels] {
            let codec = Codec::new(object, header).unwrap();
            let records: Vec<_> = (0..3).map(|n| record(object, n)).collect();
            let text = write(&codec, &records);
            let back = codec.read(&text[..]).unwrap();
            assert_eq!(back, records, "{} {header:?}", object.api_name);
            // What was read, written again, is the same document.
            assert_eq!(write(&codec, &back), text, "{}", object.api_name);
        }
        types.extend(object.fields.iter().map(|f| f.ty.as_str().to_owned()));
    }
    // A snapshot without `unknown` fields is the healthy case; every other type is there.
    for t in FieldType::NAMES.iter().filter(|t| **t != "unknown") {
        assert!(types.contains(*t), "the snapshot has no {t} field to test");
    }
}

#[test]
fn the_header_is_api_names_or_labels_in_field_order() {
    let dict = snapshot();
    let accounts = dict.object("accounts").unwrap();
    let names = Codec::new(accounts, Header::ApiNames).unwrap().header();
    let labels = Codec::new(accounts, Header::Labels).unwrap().header();
    let want: Vec<&str> = accounts
        .fields
        .iter()
        .map(|f| f.api_name.as_str())
        .collect();
    assert_eq!(names, want);
    let want: Vec<&str> = accounts.fields.iter().map(|f| f.label.as_str()).collect();
    assert_eq!(labels, want);
    assert_ne!(names, labels);
}

#[test]
fn wire_variants_read_back_typed_and_empty_cells_are_absent() {
    let dict = snapshot();
    let object = dict
        .iter()
        .find(|o| {
            ["boolean", "currency", "user"]
                .iter()
                .all(|t| o.fields.iter().any(|f| f.ty.as_str() == *t))
        })
        .unwrap();
    let (b, c, u) = (
        field_of(object, "boolean"),
        field_of(object, "currency"),
        field_of(object, "user"),
    );
    let text_field = field_of(object, "text");
    // As the API sends them: 0/1, a number for money, an id as a string, "" and null.
    let wire = json!({b.clone(): 1, c.clone(): 420, u.clone(): "90505", text_field.clone(): "", "id": null});
    let codec = Codec::new(object, Header::ApiNames).unwrap();
    let text = write(&codec, &[wire.as_object().unwrap().clone()]);
    let back = codec.read(&text[..]).unwrap();
    let want = json!({b: true, c: "420", u: 90505});
    assert_eq!(Value::Object(back[0].clone()), want);
    assert!(!back[0].contains_key(&text_field) && !back[0].contains_key("id"));
}

#[test]
fn booleans_read_in_a_spreadsheet_s_spelling() {
    let dict = snapshot();
    let accounts = dict.object("accounts").unwrap();
    let b = field_of(accounts, "boolean");
    let codec = Codec::new(accounts, Header::ApiNames).unwrap();
    let csv = format!("id,{b}\n1,TRUE\n2,False\n3, 1 \n4,0\n");
    let back: Vec<Value> = codec
        .read(csv.as_bytes())
        .unwrap()
        .into_iter()
        .map(|row| row[&b].clone())
        .collect();
    assert_eq!(back, [true, false, true, false].map(Value::Bool));
}

#[test]
fn reading_takes_columns_in_any_order_and_by_label() {
    let dict = snapshot();
    let accounts = dict.object("accounts").unwrap();
    let codec = Codec::new(accounts, Header::ApiNames).unwrap();
    let name = accounts.field("name").unwrap().label.clone();
    let csv = format!("id,{name}\n7,\"Acme, Inc\"\n");
    let back = codec.read(csv.as_bytes()).unwrap();
    assert_eq!(
        Value::Object(back[0].clone()),
        json!({"id": 7, "name": "Acme, Inc"})
    );
}

fn read_error(object: &ObjectDef, csv: &str) -> String {
    Codec::new(object, Header::ApiNames)
        .unwrap()
        .read(csv.as_bytes())
        .unwrap_err()
}

#[test]
fn read_errors_name_the_line_and_column() {
    let dict = snapshot();
    let accounts = dict.object("accounts").unwrap();
    let (date, boolean) = (field_of(accounts, "date"), field_of(accounts, "boolean"));
    let cases = [
        (
            "id,nmae\n1,x\n".to_owned(),
            "CSV column \"nmae\" is neither a field nor a label of accounts".to_owned(),
        ),
        (
            "id,name,id\n1,x,2\n".to_owned(),
            "CSV columns name field id twice".to_owned(),
        ),
        (
            "id,name\n1,x\nseven,y\n".to_owned(),
            "line 3, column id: \"seven\" is not a whole number".to_owned(),
        ),
        (
            format!("id,{date}\n1,29/02/2024\n"),
            format!("line 2, column {date}: \"29/02/2024\" is not a date (YYYY-MM-DD)"),
        ),
        (
            format!("id,{boolean}\n1,yes\n"),
            format!("line 2, column {boolean}: \"yes\" is not a boolean (1, 0, true or false)"),
        ),
        (
            "id,name\n1,x,extra\n".to_owned(),
            "line 2: 3 cells, the header has 2".to_owned(),
        ),
    ];
    for (csv, want) in cases {
        assert_eq!(read_error(accounts, &csv), want, "{csv}");
    }
    let money = field_of(accounts, "currency");
    assert_eq!(
        read_error(accounts, &format!("{money}\n12,5\n")),
        "line 2: 2 cells, the header has 1"
    );
    assert_eq!(
        read_error(accounts, &format!("{money}\n1e5\n")),
        format!("line 2, column {money}: \"1e5\" is not a decimal number")
    );
}

#[test]
fn write_errors_name_the_field() {
    let dict = snapshot();
    let accounts = dict.object("accounts").unwrap();
    let codec = Codec::new(accounts, Header::ApiNames).unwrap();
    let unknown = json!({"id": 1, "nmae": "x"});
    assert_eq!(
        codec.row(unknown.as_object().unwrap()).unwrap_err(),
        "accounts has no field nmae; it cannot be written as CSV"
    );
    let nested = json!({"name": {"first": "x"}});
    assert_eq!(
        codec.row(nested.as_object().unwrap()).unwrap_err(),
        "name: {\"first\":\"x\"} is not a text value"
    );
}

#[test]
fn labels_shared_by_two_fields_are_refused() {
    let dict = snapshot();
    let mut accounts = dict.object("accounts").unwrap().clone();
    let label = accounts.fields[1].label.clone();
    accounts.fields[2].label = label.clone();
    let (a, b) = (
        accounts.fields[1].api_name.clone(),
        accounts.fields[2].api_name.clone(),
    );
    assert_eq!(
        Codec::new(&accounts, Header::Labels).unwrap_err(),
        format!("accounts: fields {a} and {b} share the label \"{label}\"; use API names")
    );
    assert!(Codec::new(&accounts, Header::ApiNames).is_ok());
}
