//! Checking one record body (a JSON object, say a row being imported) against its object's
//! dictionary before anything is sent, and comparing field values as the API means them.
//!
//! [`check`] reports every problem of a row at once, each with its field and a message that says
//! how to fix it:
//!
//! | rule | applies to |
//! |---|---|
//! | unknown field (with a did-you-mean) | any key the object does not have |
//! | read-only | `id` and server-managed fields ([`FieldDef::is_writable`]) |
//! | mandatory missing | a [`Mode::Create`] without a value for a [`FieldDef::is_mandatory`] field |
//! | required emptied | a required field sent as `null` or `""` |
//! | value type | whole numbers (integer, reference, user), decimals (decimal, currency, percent; a number or its exact digits as text), booleans (`true`/`false`, `0`/`1`, or those as text), dates `YYYY-MM-DD`, datetimes `YYYY-MM-DD HH:MM:SS` (the zero forms too), text for text-like fields and dropdowns |
//! | e-mail | an `email` field without `@` and a dotted domain |
//! | dropdown | a value outside a restricted list (compared ignoring ASCII case, as the server does) |
//! | max length | text longer than `max_length` characters |
//!
//! `null` and `""` are "no value" for every field type (clearing it on an update); fields of
//! `unknown` type take any JSON value. [`same_value`] says whether two values of one field mean
//! the same (`"1234.50"` and `1234.5`, `1` and `true`), so an update sends only what differs.

use std::fmt;

use serde_json::{Map, Value};

use crate::model::{FieldDef, FieldType, ObjectDef};

/// Whether a body creates a record or changes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A create: every mandatory field needs a value.
    Create,
    /// An update: only the fields present are checked.
    Update,
}

/// One problem of a row: the field (the key as the row spells it) and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// The field's API name, or the unknown key.
    pub field: String,
    /// What is wrong and what to do, without the field name.
    pub message: String,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Every problem of `row` as a body for `object`: unknown keys first, then the object's fields
/// in its order (missing mandatory ones last). Empty when the row can be sent.
pub fn check(object: &ObjectDef, row: &Map<String, Value>, mode: Mode) -> Vec<RowProblem> {
    let mut out = Vec::new();
    let mut fail = |field: &str, message: String| {
        out.push(RowProblem {
            field: field.to_owned(),
            message,
        })
    };
    for key in row.keys().filter(|k| object.field(k).is_none()) {
        fail(key, unknown_field(object, key));
    }
    // In the object's field order, so the report does not depend on the row's key order.
    for field in &object.fields {
        let key = &field.api_name;
        let Some(value) = row.get(key) else {
            continue;
        };
        if !field.is_writable() {
            let why = if field.ty == FieldType::Id {
                "is the record's id, which the server assigns; remove it (to update existing \
                 records, match them on another field)"
            } else {
                "is read-only (the server sets it); remove it from the row"
            };
            fail(key, why.to_owned());
            continue;
        }
        if is_empty(value) {
            if field.required {
                fail(
                    key,
                    "is required and cannot be empty; give it a value or leave the field out"
                        .to_owned(),
                );
            }
            continue;
        }
        if let Err(message) = check_value(field, value) {
            fail(key, message);
        }
    }
    if mode == Mode::Create {
        for f in object.mandatory_fields() {
            if !row.contains_key(&f.api_name) {
                fail(
                    &f.api_name,
                    format!(
                        "is required to create a record of {}; add a value for it",
                        object.api_name
                    ),
                );
            }
        }
    }
    out
}

/// Whether `a` and `b`, two values of `field`, mean the same: equal after reading each as the
/// field's type (numbers by value, booleans from 0/1, dropdowns ignoring ASCII case, zero dates,
/// `null` and `""` all as "no value"). Values that do not read as the type compare as JSON.
pub fn same_value(field: &FieldDef, a: Option<&Value>, b: Option<&Value>) -> bool {
    normalize(field, a) == normalize(field, b)
}

/// The canonical form [`same_value`] compares; `None` is "no value".
fn normalize(field: &FieldDef, v: Option<&Value>) -> Option<Value> {
    let v = v?;
    if is_empty(v) {
        return None;
    }
    let text = match v {
        Value::String(s) => Some(s.trim()),
        _ => None,
    };
    let read = match &field.ty {
        FieldType::Id | FieldType::Integer | FieldType::User | FieldType::Reference { .. } => {
            whole(v).map(|n| {
                // A reference or user of 0 is the API's "none", as decoding reads it.
                if n == 0 && field.ty != FieldType::Integer {
                    Value::Null
                } else {
                    Value::from(n)
                }
            })
        }
        FieldType::Decimal | FieldType::Currency | FieldType::Percent => {
            decimal_digits(v).map(|d| Value::String(canonical_decimal(&d)))
        }
        FieldType::Boolean => boolean(v).map(Value::Bool),
        FieldType::Date | FieldType::DateTime => text.map(|t| {
            if t.starts_with("0000-00-00") {
                Value::Null
            } else {
                Value::String(t.to_owned())
            }
        }),
        FieldType::Lookup => text.map(|t| Value::String(t.to_ascii_lowercase())),
        _ => None,
    };
    match read {
        Some(Value::Null) => None,
        Some(r) => Some(r),
        None => Some(v.clone()),
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

fn unknown_field(object: &ObjectDef, key: &str) -> String {
    let near = object
        .fields
        .iter()
        .map(|f| (crate::text::edit_distance(key, &f.api_name), &f.api_name))
        .filter(|(d, name)| *d < key.len() && *d <= (name.len().max(key.len()) / 3).max(2))
        .min();
    match near {
        Some((_, name)) => format!(
            "{} has no such field; did you mean {name}?",
            object.api_name
        ),
        None => format!(
            "{} has no such field; remove it, or refresh the snapshot if the field is new",
            object.api_name
        ),
    }
}

/// The value's problem for its field's type, dropdown list and length, if any.
fn check_value(field: &FieldDef, value: &Value) -> Result<(), String> {
    let got = shown(value);
    match &field.ty {
        FieldType::Integer => whole(value)
            .map(drop)
            .ok_or_else(|| format!("must be a whole number, got {got}")),
        FieldType::Reference { target, .. } => whole(value).map(drop).ok_or_else(|| {
            format!("must be the id of a {target} record (a whole number), got {got}")
        }),
        FieldType::User => whole(value)
            .map(drop)
            .ok_or_else(|| format!("must be a user id (a whole number), got {got}")),
        FieldType::Decimal | FieldType::Currency | FieldType::Percent => decimal_digits(value)
            .map(drop)
            .ok_or_else(|| format!("must be a decimal number such as 1234.50, got {got}")),
        FieldType::Boolean => boolean(value)
            .map(drop)
            .ok_or_else(|| format!("must be a boolean: true, false, 1 or 0, got {got}")),
        FieldType::Date => match value {
            Value::String(s) if s == "0000-00-00" || parse_date(s).is_some() => Ok(()),
            _ => Err(format!("must be a date in the form YYYY-MM-DD, got {got}")),
        },
        FieldType::DateTime => match value {
            Value::String(s) if s == "0000-00-00 00:00:00" || parse_date_time(s).is_some() => {
                Ok(())
            }
            _ => Err(format!(
                "must be a date and time in the form YYYY-MM-DD HH:MM:SS, got {got}"
            )),
        },
        FieldType::Lookup => {
            let Value::String(s) = value else {
                return Err(format!("must be a dropdown value as text, got {got}"));
            };
            check_length(field, s)?;
            match &field.lookup {
                Some(list)
                    if list.restricted
                        && !list.values.iter().any(|v| v.value.eq_ignore_ascii_case(s)) =>
                {
                    let allowed: Vec<String> = list
                        .values
                        .iter()
                        .filter(|v| v.active)
                        .map(|v| format!("\"{}\"", v.value))
                        .collect();
                    Err(format!(
                        "{got} is not in its dropdown list, which is restricted; use one of {}",
                        allowed.join(", ")
                    ))
                }
                _ => Ok(()),
            }
        }
        FieldType::Email => {
            let s = text(value).ok_or_else(|| format!("must be text, got {got}"))?;
            check_length(field, &s)?;
            if looks_like_email(&s) {
                Ok(())
            } else {
                Err(format!(
                    "must be an e-mail address such as name@example.com, got {got}"
                ))
            }
        }
        FieldType::Text | FieldType::LongText | FieldType::Phone | FieldType::Url => {
            let s = text(value).ok_or_else(|| format!("must be text, got {got}"))?;
            check_length(field, &s)
        }
        // The id is refused as read-only before this; unknown types take any JSON.
        FieldType::Id | FieldType::Unknown { .. } => Ok(()),
    }
}

/// A value as a message quotes it: JSON, cut short so a huge cell does not flood the terminal.
fn shown(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(60) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text,
    }
}

fn check_length(field: &FieldDef, s: &str) -> Result<(), String> {
    let n = s.chars().count();
    match field.max_length {
        Some(max) if n > max as usize => Err(format!(
            "is {n} characters long, at most {max} are allowed; shorten it"
        )),
        _ => Ok(()),
    }
}

/// Text fields take strings, and numbers as their digits (phone numbers often arrive so).
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn whole(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A boolean as the API writes and accepts it: `true`/`false`, `1`/`0`, or either as a string.
pub fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_i64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        Value::String(s) => boolean_text(s),
        _ => None,
    }
}

/// A boolean written as text, as the API accepts it: `1`/`0` or `true`/`false`, around spaces.
pub fn boolean_text(text: &str) -> Option<bool> {
    match text.trim() {
        "0" | "false" => Some(false),
        "1" | "true" => Some(true),
        _ => None,
    }
}

/// Whether `text` (already trimmed) is a decimal as the API stores it: digits with an optional
/// sign and fraction, no exponent.
pub fn is_plain_decimal(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !frac.is_empty()
        && whole
            .bytes()
            .chain(frac.bytes())
            .all(|b| b.is_ascii_digit())
}

/// What kind of JSON value `v` is, for messages ("not a string but an array").
pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The decimal's text (`-12.50`) when the value is a JSON number or a string of plain digits
/// with an optional sign and fraction; exponents are refused, as the API stores digits.
fn decimal_digits(value: &Value) -> Option<String> {
    let t = match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_owned(),
        _ => return None,
    };
    is_plain_decimal(&t).then_some(t)
}

/// `-001.500` -> `-1.5`, `0.0` -> `0`: one spelling per number.
fn canonical_decimal(t: &str) -> String {
    let (neg, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let whole = whole.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    let body = if frac.is_empty() {
        whole.to_owned()
    } else {
        format!("{whole}.{frac}")
    };
    if neg && body != "0" {
        format!("-{body}")
    } else {
        body
    }
}

fn parse_date(s: &str) -> Option<time::Date> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

fn parse_date_time(s: &str) -> Option<time::PrimitiveDateTime> {
    time::PrimitiveDateTime::parse(
        s,
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
    )
    .ok()
}

/// Whether `s` reads as an e-mail address: something, `@`, a domain with an inner dot, no
/// white space. The one rule the import check and the sandbox's write check share.
pub fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;
    use crate::model::{LookupList, LookupValue, Provenance, Source};

    fn field(name: &str, ty: FieldType) -> FieldDef {
        FieldDef::new(name, name, ty)
    }

    fn object() -> ObjectDef {
        let mut id = field("id", FieldType::Id);
        id.read_only = true;
        let mut name = field("name", FieldType::Text);
        name.required = true;
        name.max_length = Some(5);
        let mut created = field("createddate", FieldType::DateTime);
        created.read_only = true;
        let mut size = field("size", FieldType::Lookup);
        size.lookup = Some(LookupList {
            list_name: "size".to_owned(),
            list_name_inferred: false,
            restricted: true,
            values: ["Small", "Large", "Retired"]
                .iter()
                .map(|v| LookupValue {
                    value: (*v).to_owned(),
                    label: None,
                    active: *v != "Retired",
                    rename: None,
                })
                .collect(),
        });
        ObjectDef {
            api_name: "things".to_owned(),
            type_name: "Thing".to_owned(),
            record_type: None,
            provenance: Provenance {
                source: Source::Catalogue,
                fetched_at: None,
                api_version: "4.0".to_owned(),
                content_hash: String::new(),
            },
            fields: vec![
                id,
                name,
                created,
                size,
                field("employees", FieldType::Integer),
                field(
                    "accountid",
                    FieldType::Reference {
                        target: "accounts".to_owned(),
                        external: false,
                    },
                ),
                field("ownerid", FieldType::User),
                field("value", FieldType::Currency),
                field("live", FieldType::Boolean),
                field("renewal", FieldType::Date),
                field("due", FieldType::DateTime),
                field("email", FieldType::Email),
                field(
                    "odd",
                    FieldType::Unknown {
                        raw: "blob".to_owned(),
                    },
                ),
            ],
        }
    }

    /// The problems of `row` (with a valid `name` added unless it sets one), one per line.
    fn problems(row: Value, mode: Mode) -> String {
        let mut row = row.as_object().unwrap().clone();
        if !row.contains_key("name") && mode == Mode::Create {
            row.insert("name".to_owned(), json!("Acme"));
        }
        check(&object(), &row, mode)
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn a_valid_row_has_no_problem() {
        let row = json!({"size": "small", "employees": "12", "accountid": 7, "ownerid": "3",
            "value": "1234.50", "live": 1, "renewal": "2027-02-28", "due": "2027-02-28 13:05:00",
            "email": "a@example.com", "odd": [1], "due2": null});
        assert_eq!(
            problems(row.clone(), Mode::Create),
            "due2: things has no such field; did you mean due?"
        );
    }

    #[test]
    fn unknown_field_suggests_the_closest_name() {
        assert_eq!(
            problems(json!({"emplyees": 3}), Mode::Create),
            "emplyees: things has no such field; did you mean employees?"
        );
        assert_eq!(
            problems(json!({"colour": "red"}), Mode::Create),
            "colour: things has no such field; remove it, or refresh the snapshot if the field is new"
        );
    }

    #[test]
    fn mandatory_missing_only_on_create() {
        let row = json!({"employees": 3}).as_object().unwrap().clone();
        let found: Vec<String> = check(&object(), &row, Mode::Create)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            found,
            ["name: is required to create a record of things; add a value for it"]
        );
        assert!(check(&object(), &row, Mode::Update).is_empty());
    }

    #[test]
    fn required_cannot_be_emptied() {
        assert_eq!(
            problems(json!({"name": ""}), Mode::Update),
            "name: is required and cannot be empty; give it a value or leave the field out"
        );
    }

    #[test]
    fn read_only_and_id_are_refused() {
        assert_eq!(
            problems(
                json!({"id": 4, "createddate": "2026-01-01 00:00:00"}),
                Mode::Update
            ),
            "id: is the record's id, which the server assigns; remove it (to update existing \
             records, match them on another field)\n\
             createddate: is read-only (the server sets it); remove it from the row"
        );
    }

    #[test]
    fn whole_numbers() {
        assert_eq!(
            problems(
                json!({"employees": 1.5, "accountid": "Acme", "ownerid": true}),
                Mode::Update
            ),
            "employees: must be a whole number, got 1.5\n\
             accountid: must be the id of a accounts record (a whole number), got \"Acme\"\n\
             ownerid: must be a user id (a whole number), got true"
        );
    }

    #[test]
    fn decimals() {
        assert_eq!(
            problems(json!({"value": "12,50"}), Mode::Update),
            "value: must be a decimal number such as 1234.50, got \"12,50\""
        );
        assert_eq!(problems(json!({"value": -3.25}), Mode::Update), "");
    }

    #[test]
    fn booleans() {
        assert_eq!(
            problems(json!({"live": "yes"}), Mode::Update),
            "live: must be a boolean: true, false, 1 or 0, got \"yes\""
        );
        for ok in [json!(true), json!(0), json!("1"), json!("false")] {
            assert_eq!(problems(json!({ "live": ok }), Mode::Update), "");
        }
    }

    #[test]
    fn dates_and_datetimes_in_the_api_form() {
        assert_eq!(
            problems(
                json!({"renewal": "28/02/2027", "due": "2027-02-28T13:05:00Z"}),
                Mode::Update
            ),
            "renewal: must be a date in the form YYYY-MM-DD, got \"28/02/2027\"\n\
             due: must be a date and time in the form YYYY-MM-DD HH:MM:SS, got \"2027-02-28T13:05:00Z\""
        );
        assert_eq!(
            problems(
                json!({"renewal": "0000-00-00", "due": "0000-00-00 00:00:00"}),
                Mode::Update
            ),
            ""
        );
    }

    #[test]
    fn restricted_dropdown_lists_its_active_values() {
        assert_eq!(
            problems(json!({"size": "Huge"}), Mode::Update),
            "size: \"Huge\" is not in its dropdown list, which is restricted; use one of \
             \"Small\", \"Large\""
        );
    }

    #[test]
    fn max_length_counts_characters() {
        assert_eq!(
            problems(json!({"name": "Ångström"}), Mode::Update),
            "name: is 8 characters long, at most 5 are allowed; shorten it"
        );
        assert_eq!(problems(json!({"name": "Åbcde"}), Mode::Update), "");
    }

    #[test]
    fn text_and_email() {
        assert_eq!(
            problems(json!({"name": {"a": 1}, "email": "nobody"}), Mode::Update),
            "name: must be text, got {\"a\":1}\n\
             email: must be an e-mail address such as name@example.com, got \"nobody\""
        );
    }

    #[test]
    fn every_problem_is_reported() {
        let row = json!({"id": 1, "employees": "many", "live": 2});
        let row = row.as_object().unwrap().clone();
        assert_eq!(check(&object(), &row, Mode::Create).len(), 4);
    }

    #[test]
    fn same_value_reads_the_field_type() {
        let o = object();
        let f = |n: &str| o.field(n).unwrap();
        let same = |n: &str, a: Value, b: Value| same_value(f(n), Some(&a), Some(&b));
        assert!(same("value", json!("1234.50"), json!(1234.5)));
        assert!(!same("value", json!("1234.51"), json!(1234.5)));
        assert!(same("live", json!(1), json!(true)));
        assert!(same("employees", json!("12"), json!(12)));
        assert!(same("size", json!("small"), json!("Small")));
        assert!(!same("name", json!("acme"), json!("Acme")));
        assert!(same_value(f("renewal"), Some(&json!("0000-00-00")), None));
        assert!(same_value(f("accountid"), Some(&json!(0)), None));
        assert!(same_value(f("name"), Some(&json!("")), None));
        assert!(!same("renewal", json!("2027-01-01"), json!("2027-01-02")));
    }
}
