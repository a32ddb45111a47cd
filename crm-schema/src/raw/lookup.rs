//! `GET /lookup/{object}/{field}` -> dropdown values.

use serde_json::Value;

use super::{
    MAX_ENVELOPE_DEPTH, api_error, describe, envelope_payload, find, flag, parse_body,
    push_pointer, shape_problem, unwrap_record,
};
use crate::error::{Error, Problem, Result};
use crate::model::LookupValue;

const EXPECTED: &str = "a list of values (strings, or objects with a `value`), bare or under `items`, `list`, \
     `values` or `data`";
const PAYLOAD: &[&str] = &[
    "items", "list", "values", "data", "lookup", "options", "results", "record",
];
const VALUE: &[&str] = &["value", "name", "text", "item", "label", "title", "id"];
const LABEL: &[&str] = &["label", "text", "display", "displayname", "title", "name"];
const ACTIVE: &[&str] = &[
    "active",
    "isactive",
    "enabled",
    "isenabled",
    "live",
    "visible",
];
const INACTIVE: &[&str] = &[
    "inactive",
    "disabled",
    "archived",
    "deleted",
    "isdeleted",
    "hidden",
    "isarchived",
];

/// Parses the body of `GET /lookup/{object}/{field}` into dropdown values, in the CRM's order.
/// A value listed twice is kept once (active if any copy is).
pub fn lookup_values_from_response(body: &[u8]) -> Result<Vec<LookupValue>> {
    let one = |p: Problem| Error::new(vec![p]);
    let doc = parse_body(body, "lookup").map_err(one)?.value;
    let mut current = &doc;
    let mut at = String::new();
    for _ in 0..=MAX_ENVELOPE_DEPTH {
        match current {
            Value::Array(items) => return value_items(items, &at).map_err(Error::new),
            Value::Object(map) if api_error(map).is_none() => {
                match envelope_payload(map, PAYLOAD) {
                    Some((key, payload)) => {
                        at = push_pointer(&at, key);
                        current = payload;
                    }
                    None => break,
                }
            }
            _ => break,
        }
    }
    Err(one(shape_problem("lookup", EXPECTED, &doc, body)))
}

/// Reads a list of dropdown values: strings, numbers, or objects (possibly `record`
/// envelopes). Every malformed item is reported.
pub(crate) fn value_items(items: &[Value], at: &str) -> Result<Vec<LookupValue>, Vec<Problem>> {
    let mut out: Vec<LookupValue> = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let (item, item_at) = unwrap_record(item, &format!("{at}/{i}"));
        match read_value(item, &item_at) {
            Ok(v) => match out.iter_mut().find(|o| o.value == v.value) {
                Some(existing) => existing.active |= v.active,
                None => out.push(v),
            },
            Err(p) => problems.push(p),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

fn read_value(item: &Value, at: &str) -> Result<LookupValue, Problem> {
    let plain = |value: String| {
        Ok(LookupValue {
            value,
            label: None,
            active: true,
            rename: None,
        })
    };
    let map = match item {
        Value::String(s) => return plain(s.clone()),
        Value::Number(n) => return plain(n.to_string()),
        Value::Object(map) => map,
        other => {
            return Err(Problem::at(
                at,
                format!(
                    "expected a dropdown value (a string or an object), found {}",
                    describe(other)
                ),
            ));
        }
    };
    let value = match find(map, VALUE) {
        Some((_, Value::String(s))) => s.clone(),
        Some((_, Value::Number(n))) => n.to_string(),
        Some((key, other)) => {
            return Err(Problem::at(
                push_pointer(at, key),
                format!("expected the value as a string, found {}", describe(other)),
            ));
        }
        None => {
            let keys: Vec<String> = map
                .keys()
                .map(|k| format!("`{}`", super::clean_line(k)))
                .collect();
            return Err(Problem::at(
                at,
                format!(
                    "a dropdown value object without a value; expected a `value` key, found keys {}",
                    keys.join(", ")
                ),
            ));
        }
    };
    let label = match find(map, LABEL) {
        Some((_, Value::String(s))) if *s != value && !s.trim().is_empty() => {
            Some(super::clean_line(s))
        }
        _ => None,
    };
    let active = match (find(map, ACTIVE), find(map, INACTIVE)) {
        (Some((key, v)), _) => flag(v).ok_or_else(|| {
            Problem::at(
                push_pointer(at, key),
                format!("expected a yes/no flag, found {}", describe(v)),
            )
        })?,
        (None, Some((key, v))) => !flag(v).ok_or_else(|| {
            Problem::at(
                push_pointer(at, key),
                format!("expected a yes/no flag, found {}", describe(v)),
            )
        })?,
        (None, None) => true,
    };
    Ok(LookupValue {
        value,
        label,
        active,
        rename: None,
    })
}
