//! The canonical snapshot file: its exact JSON form, reading it field by field, and writing it
//! byte-for-byte reproducibly.
//!
//! One file per object, `<object>.json`, pretty-printed with two-space indents, keys in the
//! order of the structs below, optional members omitted when empty or false (`active` when
//! true), and a final newline. Writing a loaded file gives the same bytes back.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::model::{FieldDef, FieldType, ObjectDef, Provenance, Source};

mod index;
mod read;
pub(crate) use index::index_from_document;
pub use index::{INDEX_FILE, index_to_canonical_string, is_object_file_stem};
pub(crate) use read::distance;
pub(crate) use read::object_from_document;

/// Version of the file format, written as `"format"`.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct ObjectFile {
    format: u32,
    object: String,
    type_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    record_type: Option<String>,
    provenance: ProvenanceFile,
    fields: Vec<FieldFile>,
}

#[derive(Serialize)]
struct ProvenanceFile {
    source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    base_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fetched_at: Option<String>,
    api_version: String,
    content_hash: String,
}

#[derive(Serialize)]
struct FieldFile {
    name: String,
    label: String,
    #[serde(rename = "type")]
    ty: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    external: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    raw_type: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    required: bool,
    #[serde(skip_serializing_if = "is_false")]
    read_only: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_length: Option<u32>,
    #[serde(skip_serializing_if = "is_false")]
    custom: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rename: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lookup: Option<LookupFile>,
}

#[derive(Serialize)]
struct LookupFile {
    list_name: String,
    #[serde(skip_serializing_if = "is_false")]
    list_name_inferred: bool,
    #[serde(skip_serializing_if = "is_false")]
    restricted: bool,
    values: Vec<ValueFile>,
}

#[derive(Serialize)]
struct ValueFile {
    value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    #[serde(skip_serializing_if = "is_true")]
    active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    rename: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}
fn is_true(b: &bool) -> bool {
    *b
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
            list_name_inferred: l.list_name_inferred,
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

fn to_file(object: &ObjectDef, content_hash: String) -> ObjectFile {
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

fn pretty(file: &ObjectFile) -> String {
    // Serialising a plain struct of strings, bools and numbers cannot fail.
    let mut s = serde_json::to_string_pretty(file).unwrap_or_default();
    s.push('\n');
    s
}

/// The fingerprint of an object: `sha256:<hex>` over its canonical form with an empty
/// provenance, so re-fetching an unchanged schema yields the same hash whatever the date.
pub fn content_hash(object: &ObjectDef) -> String {
    let mut neutral = object.clone();
    // Whether a list name was stated is provenance too: a re-fetch that states the name it was
    // inferred as describes the same schema.
    for list in neutral.fields.iter_mut().filter_map(|f| f.lookup.as_mut()) {
        list.list_name_inferred = false;
    }
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

/// The canonical text of the index of `dict`: every object of it, by API name.
pub fn index_of(dict: &crate::Dictionary) -> String {
    index_to_canonical_string(dict.iter().map(|o| o.api_name.as_str()))
}

/// The index of `dict` as it should be in the snapshot directory `dir`: its file name and, when
/// the file there differs (or is missing), the text to write. The refresh calls this.
pub fn index_file(dir: &std::path::Path, dict: &crate::Dictionary) -> (String, Option<String>) {
    let want = index_of(dict);
    let have = std::fs::read(dir.join(INDEX_FILE)).ok();
    let stale = have.as_deref() != Some(want.as_bytes());
    (INDEX_FILE.to_owned(), stale.then_some(want))
}

/// The canonical file name of an object's snapshot: `<object>.json`.
pub fn file_name(object: &ObjectDef) -> String {
    format!("{}.json", object.api_name)
}
