//! Turning a create or update body into column values: type checks, required fields, restricted
//! dropdowns and maximum lengths, reported all at once in the 422 `validation` form
//! (`{"field": [{"Rule": [params]}]}`), plus the values the server fills itself.

use crm_schema::{FieldDef, FieldType, ObjectDef};
use rusqlite::types::Value as SqlValue;
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::store::Store;

/// Whether a body creates a record or updates one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// POST: mandatory fields must be present.
    Create,
    /// PATCH: only the fields sent change.
    Update,
}

/// The current time as the API writes datetimes.
pub(crate) fn now() -> String {
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Validates `body` and returns the (field, value) pairs to store, server-filled ones included.
pub(crate) fn prepare(
    object: &ObjectDef,
    body: &Map<String, Value>,
    mode: Mode,
    store: &Store,
    user_id: i64,
) -> Result<Vec<(String, SqlValue)>> {
    let mut errors: Map<String, Value> = Map::new();
    let mut fail = |field: &str, rule: &str, params: Value| {
        let entry = errors
            .entry(field.to_owned())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = entry {
            list.push(json!({ rule: params }));
        }
    };
    let mut out = Vec::new();
    for (key, value) in body {
        let Some(field) = object.field(key) else {
            fail(key, "NotInDataDictionary", json!([object.api_name]));
            continue;
        };
        // Clients echo whole records back; server-managed fields are ignored, not refused.
        if !field.is_writable() {
            continue;
        }
        if field.required && is_blank(value) {
            fail(key, "Required", json!([]));
            continue;
        }
        match convert(field, value, store) {
            Ok(v) => out.push((key.clone(), v)),
            Err((rule, params)) => fail(key, rule, params),
        }
    }
    if mode == Mode::Create {
        for f in object.mandatory_fields() {
            if !body.contains_key(&f.api_name) {
                fail(&f.api_name, "Required", json!([]));
            }
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let stamp = now();
    let mut fill = |name: &str, v: SqlValue, only_if_absent: bool| {
        if object.field(name).is_none()
            || (only_if_absent && body.get(name).is_some_and(|v| !v.is_null()))
        {
            return;
        }
        out.retain(|(k, _)| k != name);
        out.push((name.to_owned(), v));
    };
    fill("modifieddate", SqlValue::Text(stamp.clone()), false);
    fill("modifiedby", SqlValue::Integer(user_id), false);
    if mode == Mode::Create {
        fill("createddate", SqlValue::Text(stamp), false);
        fill("createdby", SqlValue::Integer(user_id), false);
        fill("ownerid", SqlValue::Integer(user_id), true);
    }
    Ok(out)
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

type RuleErr = (&'static str, Value);

fn convert(field: &FieldDef, value: &Value, store: &Store) -> Result<SqlValue, RuleErr> {
    if value.is_null() {
        return Ok(SqlValue::Null);
    }
    use crm_schema::classify::ValueKind;
    match field.ty.class().value {
        ValueKind::Id | ValueKind::Integer | ValueKind::Reference | ValueKind::User => {
            integer(value)
        }
        ValueKind::Boolean => boolean(value),
        ValueKind::Decimal => numeric(value),
        ValueKind::Date => date(value),
        ValueKind::DateTime => datetime(value),
        ValueKind::Lookup => {
            let text = text(field, value)?;
            lookup(field, text, store)
        }
        ValueKind::Text if field.ty == FieldType::Email => {
            let t = text(field, value)?;
            match &t {
                SqlValue::Text(s) if !s.is_empty() && !crm_schema::row::looks_like_email(s) => {
                    Err(("Email", json!([])))
                }
                _ => Ok(t),
            }
        }
        ValueKind::Text | ValueKind::Unknown => text(field, value),
    }
}

fn integer(value: &Value) -> Result<SqlValue, RuleErr> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .map(SqlValue::Integer)
            .ok_or(("Integer", json!([]))),
        // Real clients send ids as strings (`"ownerid": "36974"`), and "" for "none".
        Value::String(s) if s.trim().is_empty() => Ok(SqlValue::Null),
        Value::String(s) => s
            .trim()
            .parse()
            .map(SqlValue::Integer)
            .map_err(|_| ("Integer", json!([]))),
        _ => Err(("Integer", json!([]))),
    }
}

fn boolean(value: &Value) -> Result<SqlValue, RuleErr> {
    if matches!(value, Value::String(s) if s.trim().is_empty()) {
        return Ok(SqlValue::Null);
    }
    crm_schema::row::boolean(value)
        .map(|b| SqlValue::Integer(i64::from(b)))
        .ok_or(("Boolean", json!([])))
}

/// Kept as the digits sent (a JSON number's own text reaches here as a string, see `body`).
fn numeric(value: &Value) -> Result<SqlValue, RuleErr> {
    let text = match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if s.trim().is_empty() => return Ok(SqlValue::Null),
        Value::String(s) => crate::decimal::canonical(s),
        _ => None,
    };
    text.map(SqlValue::Text).ok_or(("Numeric", json!([])))
}

fn date(value: &Value) -> Result<SqlValue, RuleErr> {
    let bad = || ("DateFormat", json!(["Y-m-d"]));
    let Value::String(s) = value else {
        return Err(bad());
    };
    let s = s.trim();
    if s.is_empty() {
        return Ok(SqlValue::Null);
    }
    if s == "0000-00-00" || parse_date(s).is_some() {
        Ok(SqlValue::Text(s.to_owned()))
    } else {
        Err(bad())
    }
}

fn parse_date(s: &str) -> Option<time::Date> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// Accepts `Y-m-d H:i:s`, an ISO `T` separator, fractional seconds and a trailing `Z`, or a
/// bare date; stores the API's own `Y-m-d H:i:s`.
fn datetime(value: &Value) -> Result<SqlValue, RuleErr> {
    let bad = || ("DateFormat", json!(["Y-m-d H:i:s"]));
    let Value::String(s) = value else {
        return Err(bad());
    };
    let s = s.trim();
    if s.is_empty() {
        return Ok(SqlValue::Null);
    }
    if s == "0000-00-00 00:00:00" {
        return Ok(SqlValue::Text(s.to_owned()));
    }
    if s.len() == 10 {
        return parse_date(s)
            .map(|_| SqlValue::Text(format!("{s} 00:00:00")))
            .ok_or_else(bad);
    }
    let s = s.trim_end_matches('Z');
    let s = s.split('.').next().unwrap_or(s);
    if s.len() != 19 {
        return Err(bad());
    }
    let (d, t) = (s.get(..10).ok_or_else(bad)?, s.get(11..).ok_or_else(bad)?);
    let sep = s.as_bytes()[10];
    let time_ok = time::Time::parse(
        t,
        time::macros::format_description!("[hour]:[minute]:[second]"),
    )
    .is_ok();
    if (sep == b' ' || sep == b'T') && parse_date(d).is_some() && time_ok {
        Ok(SqlValue::Text(format!("{d} {t}")))
    } else {
        Err(bad())
    }
}

fn text(field: &FieldDef, value: &Value) -> Result<SqlValue, RuleErr> {
    let s = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return Err(("String", json!([]))),
    };
    if let Some(max) = field.max_length
        && s.chars().count() > max as usize
    {
        return Err(("Max", json!([max])));
    }
    Ok(SqlValue::Text(s))
}

fn lookup(field: &FieldDef, value: SqlValue, store: &Store) -> Result<SqlValue, RuleErr> {
    let (Some(list), SqlValue::Text(s)) = (&field.lookup, &value) else {
        return Ok(value);
    };
    if !list.restricted || s.is_empty() {
        return Ok(value);
    }
    let values = store.lookup_values(&list.list_name).unwrap_or_default();
    // The original matches case-insensitively (MySQL collation); the list's spelling is kept.
    match values.iter().find(|v| v.eq_ignore_ascii_case(s)) {
        Some(v) => Ok(SqlValue::Text(v.clone())),
        None => Err(("In", json!(values))),
    }
}
