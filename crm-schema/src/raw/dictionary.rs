//! `GET /datadictionary/{object}` -> [`ObjectDef`].

use serde_json::{Map, Value};

use super::field::{label_from_name, read_field};
use super::{
    MAX_ENVELOPE_DEPTH, api_error, broken_envelope, describe, envelope_payload, find, norm_key,
    parse_body, preview, push_pointer, shape_problem, unwrap_record,
};
use crate::error::{Error, Problem, Result};
use crate::json::Document;
use crate::model::{FieldDef, FieldType, ObjectDef, Provenance, Source};
use crate::{canonical, naming, validate};

/// The API version the adapters read.
const API_VERSION: &str = "4.0";

const EXPECTED: &str = "a list of field objects (bare, or under `fields`, `list`, `data` or `record`), \
     a map of field name -> field object, or a map of field name -> type name";

const PAYLOAD: &[&str] = &["fields", "list", "data", "record", "columns"];

/// One field entry found in the body, before it is read.
pub(super) struct Entry<'a> {
    /// The map key it sat under, in the map shapes.
    pub(super) key: Option<&'a str>,
    pub(super) spec: &'a Value,
    /// JSON pointer to `spec` in the body.
    pub(super) at: String,
}

/// Parses the body of `GET /datadictionary/{object}` into an object definition. Lookup fields
/// get a list with no values (fill them with [`super::merge_lookup_values`] from
/// `GET /lookup/{object}/{field}`); `source` and `fetched_at` become its provenance. Every
/// problem in the body is reported, each with its JSON pointer; a field's problems found by the
/// semantic checks point at its entry in the body, object-level ones into the converted object.
pub fn dictionary_from_response(
    object: &str,
    body: &[u8],
    source: Source,
    fetched_at: Option<String>,
) -> Result<ObjectDef> {
    convert(object, body, source, fetched_at, true)
}

/// [`dictionary_from_response`] without the semantic checks: the body is understood, but the
/// object may still have colliding identifiers or lookups without values. The refresh command
/// uses it to fill the lookup lists and carry the old snapshot's renames over (which is what
/// resolves a collision) before it runs [`crate::validate::check_object`] itself.
pub fn parse_dictionary_response(
    object: &str,
    body: &[u8],
    source: Source,
    fetched_at: Option<String>,
) -> Result<ObjectDef> {
    convert(object, body, source, fetched_at, false)
}

fn convert(
    object: &str,
    body: &[u8],
    source: Source,
    fetched_at: Option<String>,
    check: bool,
) -> Result<ObjectDef> {
    let one = |p: Problem| Error::new(vec![p]);
    let parsed = parse_body(body, "data-dictionary").map_err(one)?;
    let doc = &parsed.value;
    let mut found = Found {
        parsed: &parsed,
        entries: Vec::new(),
        record_type: None,
        map_at: None,
        refusal: None,
    };
    if !found.collect(doc, String::new(), 0) {
        let problem = match found.refusal.take() {
            Some(why) => Problem::at(
                "",
                format!(
                    "unrecognised data-dictionary response: {why}, so no field can be read from it. The body starts with {}",
                    preview(body)
                ),
            ),
            None => shape_problem("data-dictionary", EXPECTED, doc, body),
        };
        return Err(one(problem));
    }
    let Found {
        entries,
        record_type,
        map_at,
        ..
    } = found;
    if entries.is_empty() {
        return Err(one(Problem::at(
            "",
            format!(
                "the data-dictionary response for `{object}` lists no fields; it is {}",
                super::top_level(doc)
            ),
        )));
    }
    // A map keyed by field name that names a field twice keeps only the last spec.
    let mut problems: Vec<Problem> = parsed
        .duplicates
        .iter()
        .filter(|(at, _)| Some(at) == map_at.as_ref())
        .map(|(at, key)| {
            Problem::at(
                push_pointer(at, key),
                format!("field `{key}` is listed twice"),
            )
        })
        .collect();
    let mut fields = Vec::with_capacity(entries.len() + 1);
    for entry in &entries {
        match read_field(object, entry) {
            Ok(field) => fields.push(field),
            Err(mut ps) => problems.append(&mut ps),
        }
    }
    if !problems.is_empty() {
        return Err(Error::new(problems));
    }
    // Every v4 record has an `id`, and the model relies on it; a dictionary that lists only
    // the fields a client may send leaves it out.
    let added_id = !fields.iter().any(|f| f.api_name.eq_ignore_ascii_case("id"));
    if added_id {
        fields.insert(0, id_field());
    }
    let mut def = ObjectDef {
        api_name: object.to_owned(),
        type_name: naming::default_type_name(object),
        record_type,
        provenance: Provenance {
            source,
            fetched_at,
            api_version: API_VERSION.to_owned(),
            content_hash: String::new(),
        },
        fields,
    };
    def.provenance.content_hash = canonical::content_hash(&def);
    if !check {
        return Ok(def);
    }
    let mut problems = validate::check_object(&def);
    // Point at the field's entry in the body rather than into the converted object.
    for p in &mut problems {
        let field = p.pointer.strip_prefix("/fields/").and_then(|rest| {
            let digits = rest.split('/').next().unwrap_or_default();
            digits.parse::<usize>().ok()
        });
        let entry = field
            .and_then(|i| i.checked_sub(usize::from(added_id)))
            .and_then(|i| entries.get(i));
        if let Some(entry) = entry {
            p.pointer.clone_from(&entry.at);
        }
    }
    if problems.is_empty() {
        Ok(def)
    } else {
        Err(Error::new(problems))
    }
}

fn id_field() -> FieldDef {
    FieldDef {
        read_only: true,
        ..FieldDef::new("id", label_from_name("id"), FieldType::Id)
    }
}

/// The field entries of a body, as they are found.
struct Found<'a> {
    parsed: &'a Document,
    entries: Vec<Entry<'a>>,
    record_type: Option<String>,
    /// Pointer to the object keyed by field name, in the map shapes.
    map_at: Option<String>,
    /// Why a body that looked like a dictionary is not one, when that can be said precisely.
    refusal: Option<String>,
}

impl<'a> Found<'a> {
    /// Gathers the field entries under `value`; `false` when its shape is not a dictionary.
    fn collect(&mut self, value: &'a Value, at: String, depth: usize) -> bool {
        match value {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let (spec, at) = unwrap_record(item, &format!("{at}/{i}"));
                    self.entries.push(Entry {
                        key: None,
                        spec,
                        at,
                    });
                }
                true
            }
            Value::Object(map) => {
                if api_error(map).is_some() {
                    return false;
                }
                if let Some((key, payload)) = broken_envelope(map, PAYLOAD) {
                    self.refusal = Some(format!(
                        "`{}` holds {} where a list of fields belongs",
                        super::clean_line(&push_pointer(&at, key)),
                        describe(payload)
                    ));
                    return false;
                }
                if let Some((key, payload)) = envelope_payload(map, PAYLOAD) {
                    if depth >= MAX_ENVELOPE_DEPTH {
                        return false;
                    }
                    if self.record_type.is_none() {
                        self.record_type = envelope_record_type(map);
                    }
                    return self.collect(payload, push_pointer(&at, key), depth + 1);
                }
                let members: Vec<(&'a String, &'a Value)> = self
                    .parsed
                    .members(&at, map)
                    .into_iter()
                    .filter(|(k, v)| !(norm_key(k) == "metadata" && v.is_object()))
                    .collect();
                let specs = members
                    .iter()
                    .filter(|(_, v)| v.is_object() || v.is_string())
                    .count();
                let objects = members.iter().filter(|(_, v)| v.is_object()).count();
                // A map of specs tolerates a few broken members (each reported); without a
                // single object member, anything but names -> type names is another document.
                if members.is_empty() || (objects == 0 && specs < members.len()) {
                    return false;
                }
                // Names -> type names is only a dictionary if the strings are type names: a
                // map of unrelated strings (`{"status": "ok"}`) would otherwise become fields.
                if objects == 0
                    && !members.iter().any(|(_, v)| {
                        v.as_str().is_some_and(|s| {
                            super::types::parse(s).kind != super::types::Kind::Unknown
                        })
                    })
                {
                    self.refusal = Some(format!(
                        "it maps names to strings, none of which is a type name ({})",
                        members
                            .iter()
                            .take(3)
                            .map(|(k, v)| format!("`{}`: {}", super::clean_line(k), describe(v)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                    return false;
                }
                for (k, v) in members {
                    self.entries.push(Entry {
                        key: Some(k),
                        spec: v,
                        at: push_pointer(&at, k),
                    });
                }
                self.map_at = Some(at);
                true
            }
            _ => false,
        }
    }
}

fn envelope_record_type(map: &Map<String, Value>) -> Option<String> {
    let from = |m: &Map<String, Value>| match find(m, &["recordtype"]) {
        Some((_, Value::String(s))) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    };
    match find(map, &["metadata", "meta"]) {
        Some((_, Value::Object(meta))) => from(meta).or_else(|| from(map)),
        _ => from(map),
    }
}
