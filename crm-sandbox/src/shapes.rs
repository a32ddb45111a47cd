//! The bodies of `GET /datadictionary/{object}` and `GET /lookup/{object}/{field}`: one
//! documented default shape each, and the alternative shapes a client's refresh must tolerate.
//!
//! No public example of either response exists, so the default is this project's choice; see
//! the crate documentation for its exact form and the type names it uses.

use std::str::FromStr;

use crm_schema::{FieldDef, FieldType, ObjectDef};
use serde_json::{Value, json};

use crate::record::Ordered;

/// Shape of data-dictionary responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DictionaryShape {
    /// `{"metadata": {...}, "object": "accounts", "fields": [spec, ...]}`.
    #[default]
    Default,
    /// The envelope with the field list under `list`.
    List,
    /// The envelope with the field list under `data`.
    Data,
    /// The envelope with the field list under `record`.
    Record,
    /// A bare array of field specs.
    Array,
    /// A bare object: field name -> spec without `name`.
    Map,
    /// A bare object: field name -> type name, with the length in it (`varchar(100)`).
    MapTypes,
    /// The default envelope, but every spec key spelled differently and flags as 0/1:
    /// `field`, `display_name`, `datatype`, `mandatory`, `read_only`, `length`, `is_custom`,
    /// `dropdown: {name, restricted}`, `target`.
    Synonyms,
}

impl DictionaryShape {
    /// Every shape with its command-line name.
    pub const ALL: &'static [(&'static str, DictionaryShape)] = &[
        ("default", DictionaryShape::Default),
        ("list", DictionaryShape::List),
        ("data", DictionaryShape::Data),
        ("record", DictionaryShape::Record),
        ("array", DictionaryShape::Array),
        ("map", DictionaryShape::Map),
        ("map-types", DictionaryShape::MapTypes),
        ("synonyms", DictionaryShape::Synonyms),
    ];
}

impl FromStr for DictionaryShape {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        DictionaryShape::ALL
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                let names: Vec<&str> = DictionaryShape::ALL.iter().map(|(n, _)| *n).collect();
                format!(
                    "unknown dictionary shape `{s}`; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// Shape of lookup responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LookupShape {
    /// `{"metadata": {...}, "list": [{"value": "Client", "id": "Client", "active": true}, ...]}`.
    #[default]
    Default,
    /// A bare array of strings.
    Strings,
    /// A bare array of `{"value", "id", "active"}` objects.
    Objects,
    /// `{"items": [{"value", "id", "active"}, ...]}`, like the PATCH response.
    Items,
}

impl LookupShape {
    /// Every shape with its command-line name.
    pub const ALL: &'static [(&'static str, LookupShape)] = &[
        ("default", LookupShape::Default),
        ("strings", LookupShape::Strings),
        ("objects", LookupShape::Objects),
        ("items", LookupShape::Items),
    ];
}

impl FromStr for LookupShape {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        LookupShape::ALL
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                let names: Vec<&str> = LookupShape::ALL.iter().map(|(n, _)| *n).collect();
                format!(
                    "unknown lookup shape `{s}`; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// The wire type name of a field type, in the vocabulary of a PHP/MySQL CRM.
pub fn wire_type(ty: &FieldType) -> &str {
    match ty {
        FieldType::Id => "id",
        FieldType::Text => "varchar",
        FieldType::LongText => "text",
        FieldType::Email => "email",
        FieldType::Phone => "phone",
        FieldType::Url => "url",
        FieldType::Integer => "int",
        FieldType::Decimal => "decimal",
        FieldType::Currency => "currency",
        FieldType::Percent => "percent",
        FieldType::Boolean => "tinyint(1)",
        FieldType::Date => "date",
        FieldType::DateTime => "datetime",
        FieldType::Lookup => "dropdown",
        FieldType::Reference { .. } => "relation",
        FieldType::User => "user",
        FieldType::Unknown { raw } => raw,
    }
}

fn target(f: &FieldDef) -> Value {
    match &f.ty {
        FieldType::Reference { target, .. } => json!(target),
        _ => Value::Null,
    }
}

fn default_spec(f: &FieldDef, with_name: bool) -> Ordered {
    let mut o = Vec::new();
    if with_name {
        o.push(("name".into(), json!(f.api_name)));
    }
    o.extend([
        ("label".into(), json!(f.label)),
        ("type".into(), json!(wire_type(&f.ty))),
        ("required".into(), json!(f.required)),
        ("readonly".into(), json!(f.read_only)),
        ("maxlength".into(), json!(f.max_length)),
        ("custom".into(), json!(f.custom)),
        ("relates_to".into(), target(f)),
        (
            "lookup".into(),
            f.lookup.as_ref().map_or(
                Value::Null,
                |l| json!({"list_name": l.list_name, "restricted": l.restricted}),
            ),
        ),
    ]);
    Ordered(o)
}

fn synonym_spec(f: &FieldDef) -> Ordered {
    let flag = |b: bool| json!(i32::from(b));
    Ordered(vec![
        ("field".into(), json!(f.api_name)),
        ("display_name".into(), json!(f.label)),
        ("datatype".into(), json!(wire_type(&f.ty))),
        ("mandatory".into(), flag(f.required)),
        ("read_only".into(), flag(f.read_only)),
        ("length".into(), json!(f.max_length)),
        ("is_custom".into(), flag(f.custom)),
        ("target".into(), target(f)),
        (
            "dropdown".into(),
            f.lookup.as_ref().map_or(
                Value::Null,
                |l| json!({"name": l.list_name, "restricted": i32::from(l.restricted)}),
            ),
        ),
    ])
}

fn to_value(o: &Ordered) -> String {
    serde_json::to_string(o).unwrap_or_default()
}

/// The body of `GET /datadictionary/{object}` in the given shape (JSON text, keys in order).
pub fn dictionary_body(object: &ObjectDef, shape: DictionaryShape) -> String {
    let specs =
        |f: fn(&FieldDef) -> Ordered| -> Vec<Ordered> { object.fields.iter().map(f).collect() };
    let envelope = |key: &str, fields: Vec<Ordered>| {
        let mut meta = json!({
            "url": format!("/datadictionary/{}", object.api_name),
            "object_type": "datadictionary",
        });
        // Only a record type the snapshot knows: a derived one would not survive a refresh.
        if let (Some(rt), Some(m)) = (&object.record_type, meta.as_object_mut()) {
            m.insert("record_type".into(), json!(rt));
        }
        #[derive(serde::Serialize)]
        struct Env<'a> {
            metadata: Value,
            object: &'a str,
            #[serde(flatten)]
            fields: std::collections::BTreeMap<&'a str, Vec<Ordered>>,
        }
        let env = Env {
            metadata: meta,
            object: &object.api_name,
            fields: [(key, fields)].into_iter().collect(),
        };
        serde_json::to_string(&env).unwrap_or_default()
    };
    match shape {
        DictionaryShape::Default => envelope("fields", specs(|f| default_spec(f, true))),
        DictionaryShape::List => envelope("list", specs(|f| default_spec(f, true))),
        DictionaryShape::Data => envelope("data", specs(|f| default_spec(f, true))),
        DictionaryShape::Record => envelope("record", specs(|f| default_spec(f, true))),
        DictionaryShape::Synonyms => envelope("fields", specs(synonym_spec)),
        DictionaryShape::Array => {
            serde_json::to_string(&specs(|f| default_spec(f, true))).unwrap_or_default()
        }
        DictionaryShape::Map => {
            let entries = object
                .fields
                .iter()
                .map(|f| {
                    (
                        f.api_name.clone(),
                        serde_json::from_str(&to_value(&default_spec(f, false)))
                            .unwrap_or(Value::Null),
                    )
                })
                .collect();
            to_value(&Ordered(entries))
        }
        DictionaryShape::MapTypes => {
            let entries = object
                .fields
                .iter()
                .map(|f| {
                    let ty = match f.max_length {
                        Some(n) if f.ty.is_text() => format!("{}({n})", wire_type(&f.ty)),
                        _ => wire_type(&f.ty).to_owned(),
                    };
                    (f.api_name.clone(), json!(ty))
                })
                .collect();
            to_value(&Ordered(entries))
        }
    }
}

/// `{"value": v, "id": v}`, as the documentation's PATCH response shows items.
pub fn lookup_item(v: &str) -> Value {
    json!({"value": v, "id": v})
}

/// The body of `GET /lookup/{object}/{field}` in the given shape. Object items carry
/// `"active"`, so values kept only for old records stay visible as such; the bare-strings
/// shape can say nothing about them and lists the active values only.
pub fn lookup_body(
    object: &str,
    field: &str,
    list_name: &str,
    values: &[(String, bool)],
    shape: LookupShape,
) -> Value {
    let items: Vec<Value> = values
        .iter()
        .map(|(v, active)| json!({"value": v, "id": v, "active": active}))
        .collect();
    match shape {
        LookupShape::Default => json!({
            "metadata": {"url": format!("/lookup/{object}/{field}"), "object_type": "lookup", "list_name": list_name},
            "list": items,
        }),
        LookupShape::Strings => values
            .iter()
            .filter(|(_, a)| *a)
            .map(|(v, _)| json!(v))
            .collect(),
        LookupShape::Objects => Value::Array(items),
        LookupShape::Items => json!({"items": items}),
    }
}
