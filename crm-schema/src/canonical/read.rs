//! Reading a canonical snapshot document member by member, so that every malformed member is
//! reported with its JSON pointer, not only the first one serde would stop at.
//!
//! Hand-written rather than derived: serde stops at the first error of a struct, and the file
//! format is small and fixed, so walking the parsed document costs less than working around
//! that.

use serde_json::{Map, Value};

use super::FORMAT_VERSION;
use crate::error::Problem;
use crate::json::{Document, push_pointer};
use crate::model::{FieldDef, FieldType, LookupList, LookupValue, ObjectDef, Provenance, Source};
use crate::raw::describe;

const OBJECT_KEYS: &[&str] = &[
    "format",
    "object",
    "type_name",
    "record_type",
    "provenance",
    "fields",
];
const PROVENANCE_KEYS: &[&str] = &[
    "source",
    "base_url",
    "fetched_at",
    "api_version",
    "content_hash",
];
const FIELD_KEYS: &[&str] = &[
    "name",
    "label",
    "type",
    "target",
    "external",
    "raw_type",
    "required",
    "read_only",
    "max_length",
    "custom",
    "description",
    "rename",
    "lookup",
];
const LOOKUP_KEYS: &[&str] = &["list_name", "list_name_inferred", "restricted", "values"];
const VALUE_KEYS: &[&str] = &["value", "label", "active", "rename"];

/// What to write for a missing required key.
fn hint(key: &str) -> &'static str {
    match key {
        "format" => "add \"format\": 1",
        "object" => "add the object's API name, e.g. \"object\": \"accounts\"",
        "type_name" => "add the Rust type name, e.g. \"type_name\": \"Account\"",
        "provenance" => {
            "add {\"source\": \"catalogue\", \"api_version\": \"4.0\", \"content_hash\": \"\"} and run `crm check --fix`"
        }
        "fields" => {
            "add the list of fields, at least [{\"name\": \"id\", \"label\": \"ID\", \"type\": \"id\", \"read_only\": true}]"
        }
        "source" => "add \"source\": \"catalogue\", \"sandbox\" or \"tenant\"",
        "api_version" => "add \"api_version\": \"4.0\"",
        "content_hash" => "add \"content_hash\": \"\" and run `crm check --fix` to fill it in",
        "name" => "add the field's API name as the CRM spells it",
        "label" => "add the label the CRM shows for it",
        "type" => "add one of the type names",
        "list_name" => "add the name `PATCH /lookup/{list_name}` takes",
        "values" => "add the list of values (may be empty: [])",
        "objects" => {
            "add the list of object names, e.g. \"objects\": [\"accounts\"], or run `crm check --fix`"
        }
        "value" => "add the value as the CRM sends it",
        _ => "add it",
    }
}

/// The Levenshtein distance, for "did you mean" hints on misspelled keys (and, through
/// `crate::row`, misspelled field names in import rows).
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// One JSON object being read: records which keys were read, reports the rest as unknown.
pub(super) struct Members<'a> {
    doc: &'a Document,
    map: &'a Map<String, Value>,
    at: String,
}

impl<'a> Members<'a> {
    /// The object at `value`, or a problem saying what was found instead.
    pub(super) fn of(
        doc: &'a Document,
        value: &'a Value,
        at: String,
        what: &str,
        problems: &mut Vec<Problem>,
    ) -> Option<Self> {
        match value {
            Value::Object(map) => Some(Members { doc, map, at }),
            other => {
                problems.push(Problem::at(
                    at,
                    format!("expected {what} (a JSON object), found {}", describe(other)),
                ));
                None
            }
        }
    }

    fn at(&self, key: &str) -> String {
        push_pointer(&self.at, key)
    }

    pub(super) fn get(
        &self,
        key: &str,
        required: bool,
        problems: &mut Vec<Problem>,
    ) -> Option<&'a Value> {
        match self.map.get(key) {
            Some(v) => Some(v),
            None if required => {
                problems.push(Problem::at(
                    self.at.clone(),
                    format!("missing key `{key}`; {}", hint(key)),
                ));
                None
            }
            None => None,
        }
    }

    fn typed<T>(
        &self,
        key: &str,
        required: bool,
        problems: &mut Vec<Problem>,
        want: &str,
        read: impl Fn(&Value) -> Option<T>,
    ) -> Option<T> {
        let value = self.get(key, required, problems)?;
        let got = read(value);
        if got.is_none() {
            let fix = if value.is_null() && !required {
                "; leave the key out instead of writing null"
            } else {
                ""
            };
            problems.push(Problem::at(
                self.at(key),
                format!("expected {want}, found {}{fix}", describe(value)),
            ));
        }
        got
    }

    pub(super) fn string(
        &self,
        key: &str,
        required: bool,
        problems: &mut Vec<Problem>,
    ) -> Option<String> {
        self.typed(key, required, problems, "a string", |v| {
            v.as_str().map(str::to_owned)
        })
    }

    fn flag(&self, key: &str, default: bool, problems: &mut Vec<Problem>) -> bool {
        self.typed(key, false, problems, "true or false", Value::as_bool)
            .unwrap_or(default)
    }

    pub(super) fn number(
        &self,
        key: &str,
        required: bool,
        problems: &mut Vec<Problem>,
    ) -> Option<u32> {
        self.typed(
            key,
            required,
            problems,
            "a whole number from 0 to 4294967295",
            |v| v.as_u64().and_then(|n| u32::try_from(n).ok()),
        )
    }

    pub(super) fn array(&self, key: &str, problems: &mut Vec<Problem>) -> Option<&'a Vec<Value>> {
        match self.get(key, true, problems)? {
            Value::Array(items) => Some(items),
            other => {
                problems.push(Problem::at(
                    self.at(key),
                    format!("expected a list, found {}", describe(other)),
                ));
                None
            }
        }
    }

    /// Reports every key not in `allowed`, in document order.
    pub(super) fn unknown_keys(&self, allowed: &[&str], problems: &mut Vec<Problem>) {
        for (key, _) in self.doc.members(&self.at, self.map) {
            if allowed.contains(&key.as_str()) {
                continue;
            }
            let near = allowed
                .iter()
                .filter(|k| distance(k, key) <= 2)
                .min_by_key(|k| distance(k, key));
            let suggestion = match near {
                Some(k) => format!("did you mean `{k}`?"),
                None => format!(
                    "expected one of {}",
                    allowed
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            problems.push(Problem::at(
                self.at(key),
                format!("unknown key `{key}`; {suggestion}"),
            ));
        }
    }
}

/// Starts reading a snapshot document (an object file or the index): reports its duplicated
/// keys, reads its root as `what` and checks its `format`.
pub(super) fn open<'a>(
    doc: &'a Document,
    what: &str,
    problems: &mut Vec<Problem>,
) -> Option<Members<'a>> {
    problems.extend(doc.duplicates.iter().map(|(at, key)| {
        Problem::at(
            push_pointer(at, key),
            format!("key `{key}` appears twice in one object; keep one"),
        )
    }));
    let root = Members::of(doc, &doc.value, String::new(), what, problems)?;
    if let Some(f) = root
        .number("format", true, problems)
        .filter(|f| *f != FORMAT_VERSION)
    {
        problems.push(Problem::at(
            "/format",
            format!("unsupported format {f}; this version reads format {FORMAT_VERSION}"),
        ));
    }
    Some(root)
}

/// Reads one parsed snapshot document into the model, reporting every malformed member
/// (duplicated keys included). Semantic checks are `crate::validate`'s job.
pub(crate) fn object_from_document(doc: &Document) -> Result<ObjectDef, Vec<Problem>> {
    let mut problems = Vec::new();
    let Some(root) = open(doc, "one snapshot object", &mut problems) else {
        return Err(problems);
    };
    let p = &mut problems;
    let object = root.string("object", true, p);
    let type_name = root.string("type_name", true, p);
    let record_type = root.string("record_type", false, p);
    let provenance = root
        .get("provenance", true, p)
        .and_then(|v| read_provenance(doc, v, p));
    let mut fields = Vec::new();
    if let Some(items) = root.array("fields", p) {
        for (i, item) in items.iter().enumerate() {
            if let Some(f) = read_field(doc, item, format!("/fields/{i}"), p) {
                fields.push(f);
            }
        }
    }
    root.unknown_keys(OBJECT_KEYS, p);
    match (object, type_name, provenance) {
        (Some(api_name), Some(type_name), Some(provenance)) if problems.is_empty() => {
            Ok(ObjectDef {
                api_name,
                type_name,
                record_type,
                provenance,
                fields,
            })
        }
        _ => Err(problems),
    }
}

fn read_provenance(doc: &Document, value: &Value, p: &mut Vec<Problem>) -> Option<Provenance> {
    let m = Members::of(doc, value, "/provenance".into(), "the provenance", p)?;
    let source = m.string("source", true, p);
    let base_url = m.string("base_url", false, p);
    let fetched_at = m.string("fetched_at", false, p);
    let api_version = m.string("api_version", true, p);
    let content_hash = m.string("content_hash", true, p);
    m.unknown_keys(PROVENANCE_KEYS, p);
    let source = match (source?.as_str(), base_url) {
        ("catalogue", None) => Some(Source::Catalogue),
        ("sandbox", Some(base_url)) => Some(Source::Sandbox { base_url }),
        ("tenant", Some(base_url)) => Some(Source::Tenant { base_url }),
        ("catalogue", Some(_)) => {
            p.push(Problem::at(
                "/provenance/base_url",
                "a catalogue snapshot has no base_url; remove it",
            ));
            None
        }
        (s @ ("sandbox" | "tenant"), None) => {
            p.push(Problem::at(
                "/provenance",
                format!("missing key `base_url`; a `{s}` snapshot records the base URL it was fetched from"),
            ));
            None
        }
        (other, _) => {
            p.push(Problem::at(
                "/provenance/source",
                format!(
                    "unknown source `{other}`; expected one of `catalogue`, `sandbox`, `tenant`"
                ),
            ));
            None
        }
    };
    Some(Provenance {
        source: source?,
        fetched_at,
        api_version: api_version?,
        content_hash: content_hash?,
    })
}

fn read_field(doc: &Document, value: &Value, at: String, p: &mut Vec<Problem>) -> Option<FieldDef> {
    let m = Members::of(doc, value, at.clone(), "a field", p)?;
    let before = p.len();
    let name = m.string("name", true, p);
    let label = m.string("label", true, p);
    let ty = m.string("type", true, p);
    let target = m.string("target", false, p);
    let external = m.flag("external", false, p);
    let raw_type = m.string("raw_type", false, p);
    let required = m.flag("required", false, p);
    let read_only = m.flag("read_only", false, p);
    let max_length = m.number("max_length", false, p);
    let custom = m.flag("custom", false, p);
    let description = m.string("description", false, p);
    let rename = m.string("rename", false, p);
    let lookup = m
        .get("lookup", false, p)
        .and_then(|v| read_lookup(doc, v, push_pointer(&at, "lookup"), p));
    m.unknown_keys(FIELD_KEYS, p);

    let ty = ty.and_then(|ty| {
        let is_ref = ty == "reference";
        if !is_ref && (target.is_some() || m.map.contains_key("external")) {
            let key = if target.is_some() { "target" } else { "external" };
            p.push(Problem::at(m.at(key), format!("only `reference` fields have `{key}`; this field is `{ty}`")));
        }
        if ty != "unknown" && raw_type.is_some() {
            p.push(Problem::at(m.at("raw_type"), format!("only `unknown` fields have a `raw_type`; this field is `{ty}`")));
        }
        let parsed = match ty.as_str() {
            "id" => FieldType::Id,
            "text" => FieldType::Text,
            "long_text" => FieldType::LongText,
            "email" => FieldType::Email,
            "phone" => FieldType::Phone,
            "url" => FieldType::Url,
            "integer" => FieldType::Integer,
            "decimal" => FieldType::Decimal,
            "currency" => FieldType::Currency,
            "percent" => FieldType::Percent,
            "boolean" => FieldType::Boolean,
            "date" => FieldType::Date,
            "datetime" => FieldType::DateTime,
            "lookup" => FieldType::Lookup,
            "user" => FieldType::User,
            "reference" => match &target {
                Some(target) => FieldType::Reference { target: target.clone(), external },
                None => {
                    p.push(Problem::at(at.clone(), "missing key `target`; a `reference` field names its target object, e.g. \"target\": \"accounts\""));
                    return None;
                }
            },
            "unknown" => match &raw_type {
                Some(raw) => FieldType::Unknown { raw: raw.clone() },
                None => {
                    p.push(Problem::at(at.clone(), "missing key `raw_type`; an `unknown` field keeps the tenant's own type name"));
                    return None;
                }
            },
            other => {
                p.push(Problem::at(
                    m.at("type"),
                    format!("unknown type `{other}`; expected one of {}", FieldType::NAMES.join(", ")),
                ));
                return None;
            }
        };
        Some(parsed)
    });
    if p.len() > before {
        return None;
    }
    Some(FieldDef {
        api_name: name?,
        label: label?,
        ty: ty?,
        required,
        read_only,
        max_length,
        custom,
        description,
        rename,
        lookup,
    })
}

fn read_lookup(
    doc: &Document,
    value: &Value,
    at: String,
    p: &mut Vec<Problem>,
) -> Option<LookupList> {
    let m = Members::of(doc, value, at.clone(), "a lookup list", p)?;
    let list_name = m.string("list_name", true, p);
    let list_name_inferred = m.flag("list_name_inferred", false, p);
    let restricted = m.flag("restricted", false, p);
    let mut values = Vec::new();
    let mut ok = true;
    if let Some(items) = m.array("values", p) {
        for (j, item) in items.iter().enumerate() {
            match read_value(doc, item, format!("{at}/values/{j}"), p) {
                Some(v) => values.push(v),
                None => ok = false,
            }
        }
    }
    m.unknown_keys(LOOKUP_KEYS, p);
    let list_name = list_name?;
    ok.then_some(LookupList {
        list_name,
        list_name_inferred,
        restricted,
        values,
    })
}

fn read_value(
    doc: &Document,
    value: &Value,
    at: String,
    p: &mut Vec<Problem>,
) -> Option<LookupValue> {
    let m = Members::of(doc, value, at, "a lookup value", p)?;
    let before = p.len();
    let v = m.string("value", true, p);
    let label = m.string("label", false, p);
    let active = m.flag("active", true, p);
    let rename = m.string("rename", false, p);
    m.unknown_keys(VALUE_KEYS, p);
    (p.len() == before).then_some(LookupValue {
        value: v?,
        label,
        active,
        rename,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn edit_distance() {
        assert_eq!(super::distance("label", "lable"), 2);
        assert_eq!(super::distance("label", "label"), 0);
        assert_eq!(super::distance("", "abc"), 3);
        assert_eq!(super::distance("read_only", "readonly"), 1);
    }
}
