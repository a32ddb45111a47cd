//! Combining fetched data with what a snapshot already records: lookup values into a list, and
//! an old snapshot's overrides onto a freshly fetched object.

use crate::model::{LookupList, LookupValue, ObjectDef};
use crate::naming;

/// The list name given to a dropdown whose dictionary entry names no list:
/// `<object module>_<field>`, e.g. `account_type` for `accounts`/`type`. It is recorded in the
/// snapshot, where a wrong guess is corrected once and then kept by [`carry_overrides`].
pub fn default_list_name(object: &str, field: &str) -> String {
    let module = naming::module_ident(&naming::default_type_name(object));
    let module = module.trim_end_matches('_');
    let ascii = deunicode::deunicode(field).to_ascii_lowercase();
    let words: Vec<&str> = ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        module.to_owned()
    } else {
        format!("{module}_{}", words.join("_"))
    }
}

/// Replaces the values of `list` with `fresh` (the CRM's current values, in its order). A
/// value already in the list keeps its `rename`, and its `label` when the fresh one has none;
/// values the CRM no longer lists are dropped (the drift report shows them), and a value listed
/// twice in `fresh` is kept once.
pub fn merge_lookup_values(list: &mut LookupList, fresh: Vec<LookupValue>) {
    let mut merged: Vec<LookupValue> = Vec::with_capacity(fresh.len());
    for mut value in fresh {
        if let Some(existing) = merged.iter_mut().find(|m| m.value == value.value) {
            existing.active |= value.active;
            continue;
        }
        if let Some(old) = list.values.iter().find(|o| o.value == value.value) {
            if value.rename.is_none() {
                value.rename.clone_from(&old.rename);
            }
            if value.label.is_none() {
                value.label.clone_from(&old.label);
            }
        }
        merged.push(value);
    }
    list.values = merged;
}

/// Gives field `index` of `object` the dropdown values `fresh` (from `GET /lookup/...`),
/// merged into its list by [`merge_lookup_values`]; a dropdown whose dictionary entry named no
/// list gets one under [`default_list_name`].
pub fn fill_lookup(object: &mut ObjectDef, index: usize, fresh: Vec<LookupValue>) {
    let object_name = &object.api_name;
    let Some(field) = object.fields.get_mut(index) else {
        return;
    };
    let list = field.lookup.get_or_insert_with(|| LookupList {
        list_name: default_list_name(object_name, &field.api_name),
        list_name_inferred: true,
        restricted: false,
        values: Vec::new(),
    });
    merge_lookup_values(list, fresh);
}

/// Carries what a user records in a snapshot from `old` to `fresh`, a re-fetch of the same
/// object: the object's `type_name` (and `record_type` when the fresh fetch has none), each
/// field's `rename`, each dropdown's `restricted` flag and its list name (unless the response
/// stated one other than [`default_list_name`]), and each value's `rename`. Returns one line per override that had nothing to attach to (its field or value is
/// gone), for the refresh command to show.
pub fn carry_overrides(old: &ObjectDef, fresh: &mut ObjectDef) -> Vec<String> {
    let mut lost = Vec::new();
    fresh.type_name.clone_from(&old.type_name);
    if fresh.record_type.is_none() {
        fresh.record_type.clone_from(&old.record_type);
    }
    for old_field in &old.fields {
        let Some(field) = fresh
            .fields
            .iter_mut()
            .find(|f| f.api_name == old_field.api_name)
        else {
            if let Some(rename) = &old_field.rename {
                lost.push(format!(
                    "{}: field `{}` is gone, so its rename `{rename}` was dropped",
                    old.api_name, old_field.api_name
                ));
            }
            continue;
        };
        if field.rename.is_none() {
            field.rename.clone_from(&old_field.rename);
        }
        let Some(old_list) = &old_field.lookup else {
            continue;
        };
        let Some(list) = field.lookup.as_mut() else {
            let renamed = old_list
                .values
                .iter()
                .filter(|v| v.rename.is_some())
                .count();
            if renamed > 0 {
                lost.push(format!(
                    "{}: field `{}` is no longer a dropdown, so {renamed} value rename(s) were dropped",
                    old.api_name, old_field.api_name
                ));
            }
            continue;
        };
        // A list name the response stated wins; the adapter's guess does not.
        if list.list_name_inferred {
            list.list_name.clone_from(&old_list.list_name);
            list.list_name_inferred = old_list.list_name_inferred;
        }
        list.restricted = old_list.restricted;
        for old_value in old_list.values.iter().filter(|v| v.rename.is_some()) {
            match list.values.iter_mut().find(|v| v.value == old_value.value) {
                Some(value) if value.rename.is_none() => value.rename.clone_from(&old_value.rename),
                Some(_) => {}
                None => lost.push(format!(
                    "{}: value `{}` of `{}` is gone, so its rename `{}` was dropped",
                    old.api_name,
                    old_value.value,
                    old_field.api_name,
                    old_value.rename.as_deref().unwrap_or_default()
                )),
            }
        }
    }
    fresh.provenance.content_hash = crate::canonical::content_hash(fresh);
    lost
}
