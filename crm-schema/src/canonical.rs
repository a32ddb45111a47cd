//! The canonical snapshot file: its exact JSON form, reading it field by field, and writing it
//! byte-for-byte reproducibly.
//!
//! One file per object, `<object>.json`, pretty-printed with two-space indents, keys in the
//! order of the structs below, optional members omitted when empty or false (`active` when
//! true), and a final newline. Writing a loaded file gives the same bytes back.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Problem;
use crate::model::{FieldDef, FieldType, LookupList, LookupValue, ObjectDef, Provenance, Source};

/// Version of the file format, written as `"format"`.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ObjectFile<F> {
    format: u32,
    object: String,
    type_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    record_type: Option<String>,
    provenance: ProvenanceFile,
    /// Read as raw values so that each field is checked on its own; written as `FieldFile`s so
    /// that keys keep their declared order.
    fields: Vec<F>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvenanceFile {
    source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    base_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fetched_at: Option<String>,
    api_version: String,
    content_hash: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldFile {
    name: String,
    label: String,
    #[serde(rename = "type")]
    ty: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    target: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    external: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    raw_type: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    required: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    read_only: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_length: Option<u32>,
    #[serde(default, skip_serializing_if = "is_false")]
    custom: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rename: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lookup: Option<LookupFile>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LookupFile {
    list_name: String,
    #[serde(default, skip_serializing_if = "is_false")]
    restricted: bool,
    values: Vec<ValueFile>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ValueFile {
    value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rename: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}
fn is_true(b: &bool) -> bool {
    *b
}
fn yes() -> bool {
    true
}

/// Turns a serde error at `base` into a problem with a JSON pointer.
fn serde_problem(base: &str, err: serde_path_to_error::Error<serde_json::Error>) -> Problem {
    let mut pointer = base.to_owned();
    for segment in err.path().iter() {
        use serde_path_to_error::Segment;
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Unknown => {}
        }
    }
    Problem::at(pointer, err.into_inner().to_string())
}

/// Reads one parsed snapshot document into the model, reporting every malformed field (one
/// problem per field at most, since serde stops inside a field at its first error). Semantic
/// checks are `crate::validate`'s job.
pub(crate) fn object_from_value(doc: serde_json::Value) -> Result<ObjectDef, Vec<Problem>> {
    let file: ObjectFile<serde_json::Value> =
        serde_path_to_error::deserialize(doc).map_err(|e| vec![serde_problem("", e)])?;
    let mut problems = Vec::new();
    if file.format != FORMAT_VERSION {
        problems.push(Problem::at(
            "/format",
            format!(
                "unsupported format {}; this version reads format {FORMAT_VERSION}",
                file.format
            ),
        ));
    }
    let source = match (file.provenance.source.as_str(), file.provenance.base_url) {
        ("catalogue", None) => Some(Source::Catalogue),
        ("sandbox", Some(base_url)) => Some(Source::Sandbox { base_url }),
        ("tenant", Some(base_url)) => Some(Source::Tenant { base_url }),
        ("catalogue", Some(_)) => {
            problems.push(Problem::at(
                "/provenance/base_url",
                "a catalogue snapshot has no base_url",
            ));
            None
        }
        ("sandbox" | "tenant", None) => {
            problems.push(Problem::at(
                "/provenance/base_url",
                "missing: a fetched snapshot records its base URL",
            ));
            None
        }
        (other, _) => {
            problems.push(Problem::at(
                "/provenance/source",
                format!(
                    "unknown source `{other}`; expected one of `catalogue`, `sandbox`, `tenant`"
                ),
            ));
            None
        }
    };
    let mut fields = Vec::with_capacity(file.fields.len());
    for (i, value) in file.fields.into_iter().enumerate() {
        let base = format!("/fields/{i}");
        match serde_path_to_error::deserialize::<_, FieldFile>(value) {
            Ok(f) => match field_from_file(f) {
                Ok(def) => fields.push(def),
                Err((rel, msg)) => problems.push(Problem::at(format!("{base}{rel}"), msg)),
            },
            Err(e) => problems.push(serde_problem(&base, e)),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let provenance = Provenance {
        source: source.unwrap_or(Source::Catalogue),
        fetched_at: file.provenance.fetched_at,
        api_version: file.provenance.api_version,
        content_hash: file.provenance.content_hash,
    };
    Ok(ObjectDef {
        api_name: file.object,
        type_name: file.type_name,
        record_type: file.record_type,
        provenance,
        fields,
    })
}

fn field_from_file(f: FieldFile) -> Result<FieldDef, (&'static str, String)> {
    if f.ty != "reference" && (f.target.is_some() || f.external) {
        return Err(("/target", "only `reference` fields have a `target`".into()));
    }
    if f.ty != "unknown" && f.raw_type.is_some() {
        return Err((
            "/raw_type",
            "only `unknown` fields have a `raw_type`".into(),
        ));
    }
    let ty = match f.ty.as_str() {
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
        "reference" => match f.target {
            Some(target) => FieldType::Reference {
                target,
                external: f.external,
            },
            None => {
                return Err((
                    "/target",
                    "a `reference` field names its `target` object".into(),
                ));
            }
        },
        "unknown" => match f.raw_type {
            Some(raw) => FieldType::Unknown { raw },
            None => {
                return Err((
                    "/raw_type",
                    "an `unknown` field keeps the tenant's `raw_type`".into(),
                ));
            }
        },
        other => {
            return Err((
                "/type",
                format!(
                    "unknown type `{other}`; expected one of {}",
                    FieldType::NAMES.join(", ")
                ),
            ));
        }
    };
    Ok(FieldDef {
        api_name: f.name,
        label: f.label,
        ty,
        required: f.required,
        read_only: f.read_only,
        max_length: f.max_length,
        custom: f.custom,
        description: f.description,
        rename: f.rename,
        lookup: f.lookup.map(|l| LookupList {
            list_name: l.list_name,
            restricted: l.restricted,
            values: l
                .values
                .into_iter()
                .map(|v| LookupValue {
                    value: v.value,
                    label: v.label,
                    active: v.active,
                    rename: v.rename,
                })
                .collect(),
        }),
    })
}

fn field_to_file(f: &FieldDef) -> FieldFile {
    let (target, external, raw_type) = match &f.ty {
        FieldType::Reference { target, external } => (Some(target.clone()), *external, None),
        FieldType::Unknown { raw } => (None, false, Some(raw.clone())),
        _ => (None, false, None),
    };
    FieldFile {
        name: f.api_name.clone(),
        label: f.label.clone(),
        ty: f.ty.as_str().to_owned(),
        target,
        external,
        raw_type,
        required: f.required,
        read_only: f.read_only,
        max_length: f.max_length,
        custom: f.custom,
        description: f.description.clone(),
        rename: f.rename.clone(),
        lookup: f.lookup.as_ref().map(|l| LookupFile {
            list_name: l.list_name.clone(),
            restricted: l.restricted,
            values: l
                .values
                .iter()
                .map(|v| ValueFile {
                    value: v.value.clone(),
                    label: v.label.clone(),
                    active: v.active,
                    rename: v.rename.clone(),
                })
                .collect(),
        }),
    }
}

fn to_file(object: &ObjectDef, content_hash: String) -> ObjectFile<FieldFile> {
    let (source, base_url) = match &object.provenance.source {
        Source::Catalogue => ("catalogue", None),
        Source::Sandbox { base_url } => ("sandbox", Some(base_url.clone())),
        Source::Tenant { base_url } => ("tenant", Some(base_url.clone())),
    };
    ObjectFile {
        format: FORMAT_VERSION,
        object: object.api_name.clone(),
        type_name: object.type_name.clone(),
        record_type: object.record_type.clone(),
        provenance: ProvenanceFile {
            source: source.to_owned(),
            base_url,
            fetched_at: object.provenance.fetched_at.clone(),
            api_version: object.provenance.api_version.clone(),
            content_hash,
        },
        fields: object.fields.iter().map(field_to_file).collect(),
    }
}

fn pretty(file: &ObjectFile<FieldFile>) -> String {
    // Serialising a plain struct of strings, bools and numbers cannot fail.
    let mut s = serde_json::to_string_pretty(file).unwrap_or_default();
    s.push('\n');
    s
}

/// The fingerprint of an object: `sha256:<hex>` over its canonical form with an empty
/// provenance, so re-fetching an unchanged schema yields the same hash whatever the date.
pub fn content_hash(object: &ObjectDef) -> String {
    let mut neutral = object.clone();
    neutral.provenance = Provenance {
        source: Source::Catalogue,
        fetched_at: None,
        api_version: String::new(),
        content_hash: String::new(),
    };
    let digest = Sha256::digest(pretty(&to_file(&neutral, String::new())).as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// The canonical text of an object's snapshot file, with its content hash recomputed.
pub fn to_canonical_string(object: &ObjectDef) -> String {
    pretty(&to_file(object, content_hash(object)))
}

/// The canonical file name of an object's snapshot: `<object>.json`.
pub fn file_name(object: &ObjectDef) -> String {
    format!("{}.json", object.api_name)
}
