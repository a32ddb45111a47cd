//! One field entry of a data-dictionary response -> [`FieldDef`]: key synonyms, flags, lists
//! and reference markers.

use serde_json::{Map, Value};

use super::dictionary::Entry;
use super::lookup::value_items;
use super::types;
use super::{describe, find, flag, norm_key, push_pointer};
use crate::error::Problem;
use crate::model::{FieldDef, FieldType, LookupList, LookupValue};

// Key synonyms, normalised (see `norm_key`), in order of preference.
const NAME: &[&str] = &[
    "name",
    "field",
    "fieldname",
    "key",
    "apiname",
    "fieldkey",
    "column",
    "columnname",
];
const TYPE: &[&str] = &[
    "fieldtype",
    "inputtype",
    "type",
    "datatype",
    "dbtype",
    "columntype",
];
const LABEL: &[&str] = &[
    "label",
    "title",
    "displayname",
    "caption",
    "fieldlabel",
    "displaylabel",
];
const DESCRIPTION: &[&str] = &[
    "description",
    "help",
    "helptext",
    "hint",
    "comment",
    "tooltip",
];
const REQUIRED: &[&str] = &[
    "required",
    "mandatory",
    "isrequired",
    "ismandatory",
    "requiredfield",
];
const READ_ONLY: &[&str] = &["readonly", "isreadonly", "readonlyfield"];
const WRITABLE: &[&str] = &["editable", "iseditable", "writable", "iswritable"];
const MAX_LENGTH: &[&str] = &[
    "maxlength",
    "length",
    "size",
    "maxsize",
    "maxchars",
    "charlimit",
    "maximumlength",
];
const CUSTOM: &[&str] = &[
    "custom",
    "iscustom",
    "customfield",
    "iscustomfield",
    "userdefined",
];
const STANDARD: &[&str] = &["standard", "isstandard", "system", "issystem", "builtin"];
const LIST: &[&str] = &[
    "listname",
    "lookuplist",
    "lookuplistname",
    "lookupname",
    "dropdownlist",
    "dropdownname",
    "picklistname",
    "list",
    "lookup",
    "dropdown",
    "picklist",
];
const VALUES: &[&str] = &[
    "values",
    "options",
    "items",
    "choices",
    "lookupvalues",
    "dropdownvalues",
    "picklistvalues",
];
const RESTRICTED: &[&str] = &[
    "restricted",
    "isrestricted",
    "restrictedlist",
    "restricttolist",
    "strict",
    "limittolist",
];
const TARGET: &[&str] = &[
    "references",
    "reference",
    "ref",
    "target",
    "targetobject",
    "relatedobject",
    "relatedto",
    "relatedmodule",
    "foreignkey",
    "foreignobject",
    "linkedobject",
    "lookupobject",
    "referenceto",
];
/// Collects the problems of one field entry.
struct Reader<'a> {
    map: &'a Map<String, Value>,
    at: &'a str,
    problems: Vec<Problem>,
}

impl<'a> Reader<'a> {
    fn problem(&mut self, key: &str, message: String) {
        self.problems
            .push(Problem::at(push_pointer(self.at, key), message));
    }

    fn string(&mut self, synonyms: &[&str], what: &str) -> Option<String> {
        match find(self.map, synonyms) {
            Some((_, Value::String(s))) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Some((_, Value::String(_))) | None => None,
            Some((key, other)) => {
                self.problem(
                    key,
                    format!("expected {what} as a string, found {}", describe(other)),
                );
                None
            }
        }
    }

    fn flag(&mut self, synonyms: &[&str], what: &str) -> Option<bool> {
        let (key, value) = find(self.map, synonyms)?;
        let parsed = flag(value);
        if parsed.is_none() {
            self.problem(
                key,
                format!(
                    "expected {what} as a yes/no flag (true/false, 1/0, \"yes\"/\"no\"), found {}",
                    describe(value)
                ),
            );
        }
        parsed
    }

    fn length(&mut self) -> Option<u32> {
        let (key, value) = find(self.map, MAX_LENGTH)?;
        let parsed = match value {
            Value::Number(n) => n.as_u64().map(u32::try_from),
            Value::String(s) if s.trim().is_empty() => return None,
            Value::String(s) => s.trim().parse::<u64>().ok().map(u32::try_from),
            _ => None,
        };
        match parsed {
            Some(Ok(0)) => None,
            Some(Ok(n)) => Some(n),
            _ => {
                self.problem(
                    key,
                    format!(
                        "expected a maximum length as a whole number, found {}",
                        describe(value)
                    ),
                );
                None
            }
        }
    }
}

/// List metadata found on a field entry.
#[derive(Default)]
struct ListInfo {
    marked: bool,
    name: Option<String>,
    restricted: Option<bool>,
    values: Vec<LookupValue>,
}

pub(super) fn read_field(object: &str, entry: &Entry<'_>) -> Result<FieldDef, Vec<Problem>> {
    let empty = Map::new();
    let (map, own_type) = match entry.spec {
        Value::Object(map) => (map, None),
        Value::String(raw) if entry.key.is_some() => (&empty, Some(raw.clone())),
        other => {
            let expected = if entry.key.is_some() {
                "a field object or a type name"
            } else {
                "a field object"
            };
            return Err(vec![Problem::at(
                entry.at.clone(),
                format!("expected {expected}, found {}", describe(other)),
            )]);
        }
    };
    let mut r = Reader {
        map,
        at: &entry.at,
        problems: Vec::new(),
    };
    let name = match (r.string(NAME, "the field name"), entry.key) {
        (Some(own), Some(key)) if own != key => {
            r.problem(
                find(map, NAME).map_or("name", |(k, _)| k),
                format!("the field is listed under `{key}` but names itself `{own}`"),
            );
            own
        }
        (Some(own), _) => own,
        (None, Some(key)) => key.to_owned(),
        (None, None) => {
            r.problems.push(Problem::at(
                entry.at.clone(),
                "a field object without a name; expected one of the keys `name`, `field`, `fieldname`, `key`".to_owned(),
            ));
            String::new()
        }
    };
    let raw_type = own_type.or_else(|| r.string(TYPE, "the field type"));
    // Every type key may carry the length (`type: varchar(255)` next to `fieldtype: dropdown`).
    let type_length = map
        .iter()
        .filter(|(k, _)| TYPE.contains(&norm_key(k).as_str()))
        .filter_map(|(_, v)| v.as_str().and_then(|s| types::parse(s).length))
        .next();
    let parsed = raw_type.as_deref().map(types::parse);
    // Labels and descriptions are shown in drift reports and generated docs and written to
    // the snapshot: no control characters, no credentials.
    let label = r.string(LABEL, "the label").map(|l| super::clean_line(&l));
    let description = r
        .string(DESCRIPTION, "the description")
        .map(|d| crate::text::Redactor::default().text(&d));
    let mut required = r.flag(REQUIRED, "`required`").unwrap_or(false);
    let mut read_only = match r.flag(READ_ONLY, "`read_only`") {
        Some(ro) => ro,
        None => r.flag(WRITABLE, "`editable`").is_some_and(|w| !w),
    };
    let max_length = r.length().or(type_length);
    let custom = match r.flag(CUSTOM, "`custom`") {
        Some(c) => c,
        None => match r.flag(STANDARD, "`standard`") {
            Some(s) => !s,
            None => !super::is_standard_field(object, &name),
        },
    };
    let list = read_list(
        &mut r,
        parsed
            .as_ref()
            .map(|p| p.enum_values.as_slice())
            .unwrap_or_default(),
    );
    let target = read_target(&mut r, object, &name);

    let ty = match (&raw_type, &parsed) {
        (Some(raw), Some(p)) => types::resolve(&name, raw, &p.kind, target),
        _ if name.eq_ignore_ascii_case("id") => FieldType::Id,
        _ => match target {
            Some(t) => t,
            None if list.marked => FieldType::Lookup,
            None => {
                // A type key of the wrong kind is already reported; an empty name too.
                let reported = find(map, TYPE).is_some_and(|(_, v)| !v.is_string());
                if !name.is_empty() && !reported {
                    r.problems.push(Problem::at(
                        entry.at.clone(),
                        format!("field `{name}` has no type; expected one of the keys `type`, `datatype`, `fieldtype`"),
                    ));
                }
                FieldType::Unknown { raw: String::new() }
            }
        },
    };
    // A field with a dropdown list is a dropdown, whatever its storage type says, unless it is
    // an id: a `varchar` with a list is how many schemas store one.
    let ty = match ty {
        FieldType::Id | FieldType::User | FieldType::Reference { .. } | FieldType::Lookup => ty,
        _ if list.marked => FieldType::Lookup,
        other => other,
    };
    if !r.problems.is_empty() {
        return Err(r.problems);
    }
    if super::SERVER_MANAGED_FIELDS.contains(&name.to_ascii_lowercase().as_str()) {
        read_only = true;
        required = false;
    }
    let lookup = (ty == FieldType::Lookup).then(|| LookupList {
        list_name_inferred: list.name.is_none(),
        list_name: list
            .name
            .unwrap_or_else(|| super::default_list_name(object, &name)),
        restricted: list.restricted.unwrap_or(false),
        values: list.values,
    });
    Ok(FieldDef {
        label: label.unwrap_or_else(|| label_from_name(&name)),
        max_length: max_length.filter(|_| ty.is_text()),
        api_name: name,
        ty,
        required,
        read_only,
        custom,
        description,
        rename: None,
        lookup,
    })
}

fn read_list(r: &mut Reader<'_>, enum_values: &[String]) -> ListInfo {
    let mut info = ListInfo::default();
    if !enum_values.is_empty() {
        info.marked = true;
        info.restricted = Some(true);
        info.values = enum_values
            .iter()
            .map(|v| LookupValue {
                value: v.clone(),
                label: None,
                active: true,
                rename: None,
            })
            .collect();
    }
    let at = r.at.to_owned();
    match find(r.map, LIST) {
        Some((_, Value::String(s))) if s.trim().is_empty() => {}
        Some((_, Value::String(s))) => {
            info.marked = true;
            info.name = Some(s.trim().to_owned());
        }
        Some((_, Value::Bool(b))) => info.marked |= *b,
        Some((key, Value::Object(inner))) => {
            info.marked = true;
            let at = push_pointer(&at, key);
            let mut nested = Reader {
                map: inner,
                at: &at,
                problems: Vec::new(),
            };
            info.name = nested.string(&["listname", "name", "list"], "the list name");
            info.restricted = nested.flag(RESTRICTED, "`restricted`");
            if let Some((vkey, values)) = find(inner, VALUES) {
                read_values(&mut nested, vkey, values, &mut info.values);
            }
            r.problems.append(&mut nested.problems);
        }
        Some((key, values @ Value::Array(_))) => {
            info.marked = true;
            let key = key.to_owned();
            read_values(r, &key, values, &mut info.values);
        }
        Some((key, other)) => {
            let message = format!("expected a lookup list name, found {}", describe(other));
            r.problem(key, message);
        }
        None => {}
    }
    if let Some((key, values)) = find(r.map, VALUES) {
        info.marked = true;
        let key = key.to_owned();
        read_values(r, &key, values, &mut info.values);
    }
    if let Some(restricted) = r.flag(RESTRICTED, "`restricted`") {
        info.restricted = Some(restricted);
    }
    info
}

fn read_values(r: &mut Reader<'_>, key: &str, values: &Value, out: &mut Vec<LookupValue>) {
    let at = push_pointer(r.at, key);
    match values {
        Value::Array(items) => match value_items(items, &at) {
            Ok(mut vs) => out.append(&mut vs),
            Err(mut ps) => r.problems.append(&mut ps),
        },
        other => r.problem(
            key,
            format!(
                "expected a list of dropdown values, found {}",
                describe(other)
            ),
        ),
    }
}

fn read_target(r: &mut Reader<'_>, object: &str, name: &str) -> Option<FieldType> {
    let (key, value) = find(r.map, TARGET)?;
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(types::explicit_target(object, s)),
        // `"reference": true` says what the name already implies, if it implies anything.
        Value::Bool(true) => types::infer_reference(name).filter(|t| *t != FieldType::Id),
        Value::Bool(false) | Value::String(_) => None,
        Value::Object(inner) => match find(inner, &["object", "name", "target", "table", "module"])
        {
            Some((_, Value::String(s))) if !s.trim().is_empty() => {
                Some(types::explicit_target(object, s))
            }
            _ => {
                r.problem(
                    key,
                    "expected the referenced object's name (`object` or `name`)".to_owned(),
                );
                None
            }
        },
        other => {
            let message = format!(
                "expected the referenced object's name, found {}",
                describe(other)
            );
            r.problem(key, message);
            None
        }
    }
}

/// A readable label from an API name when the response has none: `addresscounty/state` ->
/// `Addresscounty state`.
pub(super) fn label_from_name(name: &str) -> String {
    let words: Vec<&str> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let joined = words.join(" ");
    let mut chars = joined.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => name.to_owned(),
    }
}
