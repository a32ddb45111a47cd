//! Semantic checks on a model: everything that parses but would generate wrong or colliding code.
//!
//! Every check runs and every problem is collected, so a user fixes a snapshot in one pass.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::error::Problem;
use crate::model::{Dictionary, FieldType, ObjectDef};
use crate::naming;

/// Checks one object on its own (no cross-object references).
pub fn check_object(object: &ObjectDef) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut push = |pointer: String, message: String| problems.push(Problem::at(pointer, message));

    if object.api_name.is_empty() {
        push("/object".into(), "the object name is empty".into());
    }
    if !naming::is_valid_ident(&object.type_name) || object.type_name.starts_with('_') {
        push(
            "/type_name".into(),
            format!(
                "`{}` is not a Rust type name; use UpperCamelCase letters and digits",
                object.type_name
            ),
        );
    }
    if object.fields.is_empty() {
        push(
            "/fields".into(),
            format!(
                "object `{}` has no fields; a snapshot lists at least `id`",
                object.api_name
            ),
        );
    } else if !object
        .fields
        .iter()
        .any(|f| f.api_name == "id" && f.ty == FieldType::Id)
    {
        push(
            "/fields".into(),
            "no `id` field of type `id`; every record has one".into(),
        );
    }

    let mut seen_names: HashMap<&str, usize> = HashMap::new();
    let mut idents: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, field) in object.fields.iter().enumerate() {
        let at = |rel: &str| format!("/fields/{i}{rel}");
        let name = field.api_name.as_str();
        if name.is_empty() {
            push(at("/name"), "the field name is empty".into());
            continue;
        }
        if let Some(first) = seen_names.insert(name, i) {
            push(
                at("/name"),
                format!("duplicate field `{name}`: also at `/fields/{first}`"),
            );
            continue;
        }
        if let Some(rename) = &field.rename
            && !naming::is_valid_ident(rename)
        {
            push(
                at("/rename"),
                format!("`{rename}` is not a valid Rust identifier"),
            );
        }
        idents.entry(field.ident()).or_default().push(i);

        let is_id = name == "id" && field.ty == FieldType::Id;
        // The id's own message below covers a required id.
        if field.required && field.read_only && !is_id {
            push(
                at(""),
                format!(
                    "field `{name}` is both required and read-only; a client could never create the record"
                ),
            );
        }
        if is_id {
            // The builder takes a type parameter per mandatory field and a setter per writable
            // one; an id that is either would get a parameter or setter the server overrides.
            if field.required {
                push(
                    at("/required"),
                    "the `id` field is marked required, but the server assigns ids; remove \"required\"".into(),
                );
            }
            if !field.read_only {
                push(
                    at(""),
                    "the `id` field is writable, but the server assigns ids; add \"read_only\": true".into(),
                );
            }
        }
        if field.is_mandatory()
            && let Some(list) = &field.lookup
            && list.restricted
            && !list.values.iter().any(|v| v.active)
        {
            push(
                at("/lookup"),
                format!(
                    "field `{name}` is required and restricted to its list, but the list has no active value, so no create could succeed; fetch the values with `crm refresh-schema`, or remove \"restricted\" if the CRM accepts other values"
                ),
            );
        }
        if field.ty == FieldType::Id && name != "id" {
            push(
                at("/type"),
                format!(
                    "only the `id` field has type `id`; `{name}` is a `reference` or `integer`"
                ),
            );
        }
        if let Some(max) = field.max_length {
            if max == 0 {
                push(
                    at("/max_length"),
                    "max_length 0 would reject every value".into(),
                );
            } else if !field.ty.is_text() {
                push(
                    at("/max_length"),
                    format!(
                        "max_length applies to text fields, not `{}`",
                        field.ty.as_str()
                    ),
                );
            }
        }
        match (&field.ty, &field.lookup) {
            (FieldType::Lookup, None) => push(
                at("/lookup"),
                format!(
                    "lookup field `{name}` carries no `lookup` list; refresh the snapshot or add `{{\"list_name\": ..., \"values\": []}}`"
                ),
            ),
            (FieldType::Lookup, Some(list)) => {
                if list.list_name.is_empty() {
                    push(
                        at("/lookup/list_name"),
                        "the lookup list name is empty".into(),
                    );
                }
                let mut values: HashMap<&str, usize> = HashMap::new();
                let mut variants: BTreeMap<String, Vec<usize>> = BTreeMap::new();
                for (j, v) in list.values.iter().enumerate() {
                    if let Some(first) = values.insert(v.value.as_str(), j) {
                        push(
                            at(&format!("/lookup/values/{j}")),
                            format!("duplicate value `{}`: also at index {first}", v.value),
                        );
                        continue;
                    }
                    if let Some(rename) = &v.rename
                        && (!naming::is_valid_ident(rename)
                            || naming::RESERVED_VARIANT_IDENTS.contains(&rename.as_str()))
                    {
                        push(
                            at(&format!("/lookup/values/{j}/rename")),
                            format!("`{rename}` is not a usable variant name"),
                        );
                    }
                    variants.entry(v.ident()).or_default().push(j);
                }
                for (ident, js) in variants.iter().filter(|(_, js)| js.len() > 1) {
                    let names: Vec<String> = js
                        .iter()
                        .map(|&j| format!("`{}`", list.values[j].value))
                        .collect();
                    push(
                        at(&format!("/lookup/values/{}", js[1])),
                        format!(
                            "values {} of `{name}` all map to the variant `{ident}`; add \"rename\": \"<Variant>\" to one of them",
                            names.join(" and ")
                        ),
                    );
                }
            }
            (_, Some(_)) => push(
                at("/lookup"),
                format!(
                    "only `lookup` fields carry a list; `{name}` is `{}`",
                    field.ty.as_str()
                ),
            ),
            (_, None) => {}
        }
    }
    for (ident, is) in idents.iter().filter(|(_, is)| is.len() > 1) {
        let names: Vec<String> = is
            .iter()
            .map(|&i| format!("`{}`", object.fields[i].api_name))
            .collect();
        push(
            format!("/fields/{}/name", is[1]),
            format!(
                "fields {} of `{}` all map to the Rust name `{ident}`; add \"rename\": \"<identifier>\" to one of them",
                names.join(" and "),
                object.api_name
            ),
        );
    }
    problems
}

/// Cross-object checks: references resolve, type and module names are unique. Problems are
/// keyed by the object they belong to.
pub fn check_dictionary(dict: &Dictionary) -> Vec<(String, Problem)> {
    check_dictionary_except(dict, &BTreeSet::new())
}

/// [`check_dictionary`] over a snapshot whose objects in `broken` failed to load and were
/// reported already: a reference to one of them is not a second mistake.
pub fn check_dictionary_except(
    dict: &Dictionary,
    broken: &BTreeSet<String>,
) -> Vec<(String, Problem)> {
    let mut out = Vec::new();
    let mut type_names: HashMap<&str, &str> = HashMap::new();
    let mut modules: HashMap<String, &str> = HashMap::new();
    for object in dict.iter() {
        if let Some(other) = type_names.insert(object.type_name.as_str(), object.api_name.as_str())
        {
            out.push((
                object.api_name.clone(),
                Problem::at(
                    "/type_name",
                    format!("objects `{other}` and `{}` both use the type name `{}`; change `type_name` in one", object.api_name, object.type_name),
                ),
            ));
        } else if let Some(other) = modules.insert(object.module_name(), object.api_name.as_str()) {
            out.push((
                object.api_name.clone(),
                Problem::at(
                    "/type_name",
                    format!(
                        "objects `{other}` and `{}` map to the module name `{}`; change `type_name` in one",
                        object.api_name,
                        object.module_name()
                    ),
                ),
            ));
        }
        for (i, field) in object.fields.iter().enumerate() {
            if let FieldType::Reference {
                target,
                external: false,
            } = &field.ty
                && dict.object(target).is_none()
                && !broken.contains(target)
            {
                out.push((
                    object.api_name.clone(),
                    Problem::at(
                        format!("/fields/{i}/target"),
                        format!(
                            "field `{}` refers to object `{target}`, which is not in this snapshot; add its file or mark the reference \"external\": true",
                            field.api_name
                        ),
                    ),
                ));
            }
        }
    }
    out
}
