//! Adapters from what a tenant returns (`GET /datadictionary/{object}`, `GET /lookup/...`) to
//! the model, plus the pieces the refresh command needs around them: merging fetched lookup
//! values into a list and carrying the overrides of an old snapshot over to a fresh one.
//!
//! Neither response shape is publicly documented, so the adapters accept every plausible shape
//! (listed in the crate docs) and refuse anything else with an error that shows the top-level
//! keys and the start of the body. They never guess between two readings of one body.

mod catalogue;
mod dictionary;
mod field;
mod lookup;
mod merge;
mod types;

pub use catalogue::{SERVER_MANAGED_FIELDS, is_standard_field};
pub use dictionary::{dictionary_from_response, parse_dictionary_response};
pub use lookup::lookup_values_from_response;
pub use merge::{carry_overrides, default_list_name, fill_lookup, merge_lookup_values};
pub use types::{infer_reference, map_raw_type};

use serde_json::{Map, Value};

use crate::error::Problem;

/// Largest response body the adapters read. Real dictionaries are tens of kilobytes; a body
/// near this size is not a dictionary (an error page, a proxy's download), so it is refused
/// before parsing.
pub const MAX_RESPONSE_BYTES: usize = crate::load::MAX_FILE_BYTES as usize;

/// How many envelopes deep the adapters look for the payload (`{"data": {"fields": [...]}}`).
const MAX_ENVELOPE_DEPTH: usize = 4;

/// Keys that may sit next to a payload key in an envelope without being fields themselves.
const ENVELOPE_EXTRAS: &[&str] = &[
    "metadata",
    "meta",
    "message",
    "status",
    "success",
    "count",
    "total",
    "totalcount",
    "object",
    "objectname",
    "recordtype",
    "links",
    "paging",
    "pagination",
    "hasmore",
];

/// Keys an API error body is made of (`{"message": "Unauthenticated."}`), normalised.
const ERROR_KEYS: &[&str] = &[
    "error",
    "errors",
    "message",
    "status",
    "statuscode",
    "code",
    "success",
    "validation",
    "exception",
    "trace",
    "file",
    "line",
    "detail",
    "title",
    "type",
];

/// A key in comparable form: lowercase ASCII letters and digits only, so `max_length`,
/// `maxLength` and `MaxLength` are one key.
pub(crate) fn norm_key(key: &str) -> String {
    key.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

pub(crate) use crate::json::push_pointer;

/// The first member of `map` whose normalised key is one of `synonyms` (in the synonyms'
/// order) and whose value is not `null`, with its original key.
pub(crate) fn find<'a>(
    map: &'a Map<String, Value>,
    synonyms: &[&str],
) -> Option<(&'a str, &'a Value)> {
    synonyms.iter().find_map(|syn| {
        map.iter()
            .find(|(k, v)| !v.is_null() && norm_key(k) == *syn)
            .map(|(k, v)| (k.as_str(), v))
    })
}

/// A yes/no flag in any spelling tenants use: `true`, `1`, `"1"`, `"yes"`, `"Y"`, `"true"`,
/// `"on"` and their opposites (`""` is no). `None` for anything else.
pub(crate) fn flag(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_f64() {
            Some(0.0) => Some(false),
            Some(1.0) => Some(true),
            _ => None,
        },
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "y" | "on" | "t" => Some(true),
            "0" | "false" | "no" | "n" | "off" | "f" | "" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Server text made safe for a message or the snapshot: `Bearer` credentials masked, control
/// characters escaped (see [`crate::text`]). The client's own token is masked by the caller,
/// which knows it, before the body reaches the adapters.
pub(crate) fn clean_line(text: &str) -> String {
    crate::text::Redactor::default().line(text)
}

/// A short description of a JSON value for messages: `the number 5`, `a string "x"`.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {:?}", clip(s, 60)),
        Value::Array(a) => format!("an array of {} item(s)", a.len()),
        Value::Object(_) => "an object".into(),
    }
}

fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_owned(),
    }
}

/// The first 200 bytes of a body for an error message, never cut inside a UTF-8 character,
/// escaped so that control characters and newlines stay on one line.
pub(crate) fn preview(body: &[u8]) -> String {
    let mut cut = body.len().min(200);
    // Step back off UTF-8 continuation bytes so a multi-byte character is not split.
    while cut > 0 && cut < body.len() && body[cut] & 0xC0 == 0x80 {
        cut -= 1;
    }
    let lossy = String::from_utf8_lossy(&body[..cut]);
    // `{:?}` below escapes control characters; credentials it would show as they are.
    let text = crate::text::Redactor::default().mask(&lossy).into_owned();
    if cut < body.len() {
        format!("{text:?} (first {cut} of {} bytes)", body.len())
    } else {
        format!("{text:?}")
    }
}

/// What the top level of a body is, for shape errors: its keys for an object, else its kind.
pub(crate) fn top_level(value: &Value) -> String {
    match value {
        Value::Object(map) if map.is_empty() => "an empty object".into(),
        Value::Object(map) => {
            let keys: Vec<String> = map
                .keys()
                .take(20)
                .map(|k| format!("`{}`", clean_line(k)))
                .collect();
            let more = if map.len() > 20 {
                format!(" and {} more", map.len() - 20)
            } else {
                String::new()
            };
            format!("an object with top-level keys {}{more}", keys.join(", "))
        }
        other => describe(other),
    }
}

/// Parses a body as JSON, refusing oversized, empty and non-JSON bodies with a message that
/// shows what came back.
pub(crate) fn parse_body(body: &[u8], what: &str) -> Result<crate::json::Document, Problem> {
    if body.len() > MAX_RESPONSE_BYTES {
        return Err(Problem::at(
            "",
            format!(
                "the {what} response is {} bytes, over the {MAX_RESPONSE_BYTES} byte limit; it starts with {}",
                body.len(),
                preview(body)
            ),
        ));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem::at(
            "",
            format!("the {what} response is empty; expected a JSON body"),
        ));
    }
    crate::json::parse(body).map_err(|e| {
        let mut p = Problem::at(
            "",
            format!(
                "the {what} response is not JSON ({e}); it starts with {}",
                preview(body)
            ),
        );
        p.position = Some((e.line(), e.column()));
        p
    })
}

/// An API error body (`{"message": "Unauthenticated."}`, `{"error": {...}}`) rather than data:
/// returns its message.
pub(crate) fn api_error(map: &Map<String, Value>) -> Option<String> {
    let keys: Vec<String> = map.keys().map(|k| norm_key(k)).collect();
    let has_error = keys.iter().any(|k| k == "error" || k == "errors");
    let only_error_keys = !keys.is_empty() && keys.iter().all(|k| ERROR_KEYS.contains(&k.as_str()));
    if !(has_error || (only_error_keys && keys.iter().any(|k| k == "message"))) {
        return None;
    }
    let text = match find(map, &["message", "error", "errors", "detail", "title"]) {
        Some((_, Value::String(s))) => s.clone(),
        Some((_, Value::Object(inner))) => match find(inner, &["message", "detail"]) {
            Some((_, Value::String(s))) => s.clone(),
            _ => Value::Object(inner.clone()).to_string(),
        },
        Some((_, other)) => other.to_string(),
        None => String::new(),
    };
    Some(clean_line(&clip(&text, 200)))
}

/// The payload of an envelope: the first of `payload_keys` present with an array or object
/// value, provided every other key is a payload key or a known envelope extra. `None` when
/// `map` is not such an envelope.
pub(crate) fn envelope_payload<'a>(
    map: &'a Map<String, Value>,
    payload_keys: &[&str],
) -> Option<(&'a str, &'a Value)> {
    envelope(map, payload_keys).filter(|(_, v)| v.is_array() || v.is_object())
}

/// The first payload key's member, whatever it holds, when every other key is a payload key
/// or a known envelope extra.
fn envelope<'a>(
    map: &'a Map<String, Value>,
    payload_keys: &[&str],
) -> Option<(&'a str, &'a Value)> {
    let (key, value) = find(map, payload_keys)?;
    let all_known = map
        .keys()
        .map(|k| norm_key(k))
        .all(|k| payload_keys.contains(&k.as_str()) || ENVELOPE_EXTRAS.contains(&k.as_str()));
    all_known.then_some((key, value))
}

/// The payload key of an envelope whose payload is not a list or a map (`{"fields": "hello"}`,
/// `{"data": 5, "count": 0}`): the body is an envelope, but what it wraps is not fields.
pub(crate) fn broken_envelope<'a>(
    map: &'a Map<String, Value>,
    payload_keys: &[&str],
) -> Option<(&'a str, &'a Value)> {
    envelope(map, payload_keys).filter(|(_, v)| !(v.is_array() || v.is_object()))
}

/// Unwraps a list item of the form `{"metadata": ..., "record": {...}}` to its record.
pub(crate) fn unwrap_record<'a>(item: &'a Value, at: &str) -> (&'a Value, String) {
    if let Value::Object(map) = item
        && let Some((key, record @ Value::Object(_))) = find(map, &["record"])
        && map
            .keys()
            .all(|k| matches!(norm_key(k).as_str(), "record" | "metadata" | "meta"))
    {
        return (record, push_pointer(at, key));
    }
    (item, at.to_owned())
}

/// The message for a body whose shape is not one the adapter knows.
pub(crate) fn shape_problem(what: &str, expected: &str, value: &Value, body: &[u8]) -> Problem {
    let got = match value {
        Value::Object(map) => match api_error(map) {
            Some(message) => format!(
                "an API error (\"{message}\") rather than data: {}",
                top_level(value)
            ),
            None => top_level(value),
        },
        other => top_level(other),
    };
    Problem::at(
        "",
        format!(
            "unrecognised {what} response: expected {expected}; got {got}. The body starts with {}",
            preview(body)
        ),
    )
}
