//! The CRM data-dictionary model: loading, validation, canonical writing and identifier naming.
//!
//! This crate is the foundation every other crate reads: the macro (`crm-codegen`), the
//! emulator (`crm-sandbox`) and the refresh command all go through [`load()`] and
//! [`canonical::to_canonical_string`]. It has no syn, no HTTP and no async.
//!
//! The pipeline is fixed: bytes -> JSON ([`load::parse_object`]) -> model ([`model`]) -> checks
//! ([`validate`]); raw tenant responses enter through [`raw`] and leave through the same checks.
//! Naming rules are in [`naming`]; the drift report between two snapshots is [`diff`]. What
//! each field type means to the other crates (value kind, Rust type, filter kind, name) is
//! [`classify`]; the standard objects and the opportunity-lines relation are [`objects`].
//!
//! # The model
//!
//! A [`Dictionary`] maps API object names (`accounts`, `opportunity_lines`) to [`ObjectDef`]s.
//! An object has its Rust `type_name` (`OpportunityLine`; editable, and kept across refreshes),
//! the `record_type` the API reports where known, its [`Provenance`] (catalogue, sandbox or
//! tenant base URL without credentials; fetched-at; API version; content hash) and its
//! [`FieldDef`]s in API order. A field has its wire name, label, [`FieldType`], `required`,
//! `read_only` (server-managed), `max_length` (text-like types only), `custom`, `description`,
//! an optional identifier `rename`, and, for dropdowns only, a [`LookupList`]: the list name
//! `PATCH /lookup/{list_name}` takes, whether it is `restricted`, and its [`LookupValue`]s
//! (value, label, active, optional variant `rename`).
//!
//! Invariants after loading (checked by [`validate`]): API names are non-empty and unique;
//! every object has an `id` field of type `id`, read-only and not required, and only it has
//! that type; no field is both required and read-only; a mandatory dropdown restricted to its
//! list has an active value (a mandatory field of `unknown` type is allowed: it is set as raw
//! JSON); lookup fields, and only they, carry a list with a non-empty name
//! and unique values; renames are usable identifiers; no two fields (values, objects) map to
//! one Rust identifier (type, module); a non-external reference names an object of the
//! snapshot; `max_length` is positive and on a text-like type.
//!
//! # The canonical file
//!
//! A snapshot directory also holds `index.json` ([`canonical::INDEX_FILE`]):
//! `{"format": 1, "objects": [...]}`, the object names sorted. The loader reads exactly the
//! files it lists ([`load::snapshot_files`] gives the macro the index and those files to embed);
//! [`check::check_dir`] reports unlisted and missing files and `--fix` rewrites the index. A
//! directory without an index loads every `*.json` file.
//!
//! One file per object, named `<object>.json`, UTF-8 without BOM, at most
//! [`load::MAX_FILE_BYTES`]. It is pretty-printed with two-space indents and a final newline;
//! keys appear in the order below; optional keys are left out when absent, `false` (or, for
//! `active`, `true`). Unknown keys, keys given twice, `null`s and wrong types are errors, all
//! reported at once with their JSON pointers. Writing a loaded file gives back the same bytes.
//!
//! | key | type | meaning |
//! |---|---|---|
//! | `format` | number, required | file-format version, [`canonical::FORMAT_VERSION`] (`1`) |
//! | `object` | string, required | API object name (`accounts`) |
//! | `type_name` | string, required | Rust type name (`Account`) |
//! | `record_type` | string | `record_type` as the API reports it |
//! | `provenance.source` | string, required | `catalogue`, `sandbox` or `tenant` |
//! | `provenance.base_url` | string | required for `sandbox` / `tenant`, absent for `catalogue` |
//! | `provenance.fetched_at` | string | RFC 3339 time of the fetch |
//! | `provenance.api_version` | string, required | `4.0` |
//! | `provenance.content_hash` | string, required | `sha256:<hex>` of the canonical form without provenance ([`canonical::content_hash`]); `crm check --fix` recomputes it |
//! | `fields[].name` | string, required | API name as on the wire (`addresscounty/state`) |
//! | `fields[].label` | string, required | label shown in the CRM |
//! | `fields[].type` | string, required | one of `id`, `text`, `long_text`, `email`, `phone`, `url`, `integer`, `decimal`, `currency`, `percent`, `boolean`, `date`, `datetime`, `lookup`, `reference`, `user`, `unknown` |
//! | `fields[].target` | string | `reference` only, required there: target object (`accounts`) |
//! | `fields[].external` | bool | `reference` only: the target is not in the snapshot (`slas`), so it is not checked |
//! | `fields[].raw_type` | string | `unknown` only, required there: the tenant's own type name |
//! | `fields[].required` | bool | the API requires it on create |
//! | `fields[].read_only` | bool | server-managed; never sent |
//! | `fields[].max_length` | number | maximum length of a text-like field |
//! | `fields[].custom` | bool | a tenant custom field |
//! | `fields[].description` | string | free text |
//! | `fields[].rename` | string | override of the field's Rust identifier |
//! | `fields[].lookup.list_name` | string, required | name for `PATCH /lookup/{list_name}` |
//! | `fields[].lookup.list_name_inferred` | bool | the tenant never stated the name (made up or from docs); outside `content_hash` |
//! | `fields[].lookup.restricted` | bool | only listed values are accepted |
//! | `fields[].lookup.values[].value` | string, required | the value on the wire |
//! | `fields[].lookup.values[].label` | string | display label, where it differs |
//! | `fields[].lookup.values[].active` | bool | `false` for retired values (default `true`) |
//! | `fields[].lookup.values[].rename` | string | override of the enum variant name |
//!
//! # Naming
//!
//! API names become Rust identifiers by the rules in [`naming`]: snake_case fields,
//! UpperCamelCase types and variants, punctuation to `_`, fixed prefixes for leading digits, fixed
//! suffixes for keywords, transliteration of non-ASCII. Collisions are errors that name both API
//! names and the `rename` that resolves them.
//!
//! # Raw responses
//!
//! [`raw::dictionary_from_response`] reads `GET /datadictionary/{object}`, whose shape is not
//! publicly documented, so it accepts:
//!
//! - a list of field objects: bare, or under `fields`, `list`, `data`, `record` or `columns`,
//!   nested up to four envelopes deep, next to `metadata` and the usual envelope members
//!   (`message`, `status`, `count`, ...); list items may be `{"metadata": ..., "record": {...}}`;
//! - a map of field name -> field object (the object may repeat the name, which must then match);
//! - a map of field name -> type name (`{"id": "int(11)", "name": "varchar(255)"}`).
//!
//! Keys are compared ignoring case and punctuation (`maxLength` = `max_length`), and each has
//! synonyms, first found wins: name = `name`/`field`/`fieldname`/`key`/`api_name`/`column`;
//! type = `fieldtype`/`inputtype`/`type`/`datatype`/`dbtype` (the length may come from any of
//! them); label = `label`/`title`/`displayname`/`caption` (else made from the name:
//! `addresscounty/state` -> `Addresscounty state`); description = `description`/`help`/`hint`/
//! `comment`; required = `required`/`mandatory`/`isrequired`; read-only = `readonly`/`read_only`,
//! or `editable`/`writable` negated; max length = `maxlength`/`length`/`size`/`maxsize`, or the
//! argument of a text type (`varchar(255)`), dropped for non-text types (`int(11)` is a display
//! width); custom = `custom`/`is_custom`/`customfield`, or `standard`/`system` negated; list =
//! `list_name`/`lookup`/`dropdown`/`picklist` (a name, an object with `name`, `restricted`,
//! `values`, or inline values), inline values = `values`/`options`/`items`/`choices`;
//! restricted = `restricted`/`strict`/`limittolist`; explicit reference = `references`/
//! `reference`/`target`/`relatedobject`/`relatedto`/`foreignkey` (a name, `{"object": ...}`, or
//! `true`). Flags may be `true`/`false`, `1`/`0`, `"1"`/`"0"`, `"yes"`/`"no"`, `"y"`/`"n"`,
//! `"on"`/`"off"`, `"true"`/`"false"` or `""` (no); `null` means absent.
//!
//! Raw types map as follows (case-insensitive; the whole name, then its first word):
//! `varchar`/`string`/`char` -> text; `text`/`longtext`/`textarea`/`memo` -> long_text;
//! `int`/`integer`/`bigint`/`number`/`tinyint(n>1)` -> integer, unless the name makes it an id,
//! user or reference; `decimal`/`float`/`double`/`numeric` -> decimal; `currency`/`money` ->
//! currency; `percent`/`percentage` -> percent; `tinyint(1)`/`bool`/`boolean`/`checkbox`/`bit`
//! -> boolean; `date`; `datetime`/`timestamp` -> datetime; `email`; `phone`/`tel`; `url`/
//! `website`; `lookup`/`dropdown`/`select`/`list`/`picklist`/`enum(...)` -> lookup (an
//! `enum('a','b')` also gives a restricted list with those values); `user` -> user; anything
//! else -> `unknown` with the raw name kept, never dropped.
//!
//! The name decides ids and references ([`raw::infer_reference`]): `id` is always the id;
//! whole-number `ownerid`, `createdby`, `modifiedby`, `userid` are users; `<stem>id` /
//! `<stem>_id` whose stem is a standard object's singular is a checked reference
//! (`accountid` -> `accounts`, `campaignstageid` -> `campaignstages`); any other `<stem>id` is
//! an external reference to the stem's plural (`slaid` -> `slas`, `caselevelid` ->
//! `caselevels`); `parentid` is left an integer (its object is in `parentobject`). An explicit
//! reference marker wins over the name. A field with a list is a lookup whatever its storage
//! type, unless it is an id, user or reference.
//!
//! Decisions where the API says nothing: server-managed fields (`id`, `createddate`,
//! `modifieddate`, `createdby`, `modifiedby`) are read-only and never required; a response
//! without an `id` field gets one, since every v4 record has it; a field is custom when the
//! response says so, else when the public catalogue ([`objects::STANDARD`]) does not list it
//! for a standard object (so on a custom object every field but the server-managed ones is
//! custom); a dropdown without a list name gets [`raw::default_list_name`]
//! (`<object module>_<field>`, `account_type`). A map keyed by field name that repeats a name
//! is an error; elsewhere a repeated key keeps its last value, as JSON parsers do.
//!
//! [`raw::lookup_values_from_response`] reads `GET /lookup/{object}/{field}`: a list of strings
//! (numbers are taken as their text), of objects with `value` (else `name`, `text`, `label`,
//! `id`; label from `label`/`text`/`display`; active from `active`/`enabled`, or `inactive`/
//! `disabled`/`deleted`/`archived` negated), bare or under `items`, `list`, `values`, `data`,
//! `options` (with `metadata` beside it), items possibly `{"record": {...}}`. A value listed
//! twice is kept once.
//!
//! Anything else (an HTML page, a number, `null`, an API error body such as
//! `{"message": "Unauthenticated."}`, a map of ids to labels) is an error that shows the
//! top-level keys and the first 200 bytes of the body, never a guess. Every malformed field or
//! value is reported with its JSON pointer into the body; a field's problems found by the semantic
//! checks afterwards point at its entry in the body, object-level ones into the converted object.
//!
//! # Refreshing
//!
//! The refresh command converts the dictionary, fills each dropdown with
//! [`raw::merge_lookup_values`], carries what the old snapshot records with
//! [`raw::carry_overrides`] (type name, field renames, list names unless the response stated
//! one, `restricted`, value renames; it lists renames that lost their field or value), and reports [`diff::diff`] between
//! the two: objects and fields added or removed, type changes, newly mandatory or read-only
//! fields (breaking), dropdown values added or removed (not breaking).

pub mod canonical;
pub mod check;
pub mod classify;
pub mod diff;
pub mod error;
mod json;
pub mod load;
pub mod model;
pub mod naming;
pub mod objects;
pub mod raw;
pub mod row;
pub mod text;
pub mod validate;

pub use error::{Error, Problem, Result};
pub use load::{load, load_file};
pub use model::{
    Dictionary, FieldDef, FieldType, LookupList, LookupValue, ObjectDef, Provenance,
    SANDBOX_HEADER, Source,
};

/// The eleven standard objects of API v4, in the documentation's order ([`objects::STANDARD`]).
pub const STANDARD_OBJECTS: &[&str] = objects::STANDARD_NAMES;
