//! The semantic difference between two snapshots, for the refresh command's drift report.
//!
//! A change is *breaking* when code generated from the old snapshot may stop working against
//! the new one: an object or field removed, a type changed, a field that creates must now set
//! (newly mandatory, or a new mandatory field), or a field that became read-only. Dropdown
//! values coming and going are not breaking, since lookup enums are open.

use std::fmt;

use crate::model::{Dictionary, FieldDef, FieldType, ObjectDef};

/// Every difference between two snapshots, objects in name order, fields in API order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Drift {
    /// The changes, grouped by object.
    pub changes: Vec<Change>,
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// API name of the object.
    pub object: String,
    /// API name of the field, for field-level changes.
    pub field: Option<String>,
    /// What changed.
    pub kind: ChangeKind,
}

/// What changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeKind {
    /// The new snapshot has an object the old one lacks.
    ObjectAdded,
    /// The old snapshot's object is gone.
    ObjectRemoved,
    /// A new field; `mandatory` when creates must now set it.
    FieldAdded {
        /// Required and writable.
        mandatory: bool,
    },
    /// A field is gone.
    FieldRemoved,
    /// A field's type changed (references compare their target too).
    TypeChanged {
        /// The old type, as [`type_description`] writes it.
        from: String,
        /// The new type.
        to: String,
    },
    /// An existing field is now required and writable.
    BecameMandatory,
    /// An existing field is no longer mandatory.
    NoLongerMandatory,
    /// An existing writable field is now read-only.
    BecameReadOnly,
    /// An existing read-only field is now writable.
    BecameWritable,
    /// Dropdown values the CRM lists now and did not before.
    ValuesAdded(Vec<String>),
    /// Dropdown values the CRM no longer lists.
    ValuesRemoved(Vec<String>),
}

impl Change {
    /// Whether code generated from the old snapshot may break against the new one.
    pub fn is_breaking(&self) -> bool {
        match &self.kind {
            ChangeKind::ObjectRemoved
            | ChangeKind::FieldRemoved
            | ChangeKind::TypeChanged { .. }
            | ChangeKind::BecameMandatory
            | ChangeKind::BecameReadOnly => true,
            ChangeKind::FieldAdded { mandatory } => *mandatory,
            ChangeKind::ObjectAdded
            | ChangeKind::NoLongerMandatory
            | ChangeKind::BecameWritable
            | ChangeKind::ValuesAdded(_)
            | ChangeKind::ValuesRemoved(_) => false,
        }
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |vs: &[String]| {
            vs.iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            ChangeKind::ObjectAdded => f.write_str("object added"),
            ChangeKind::ObjectRemoved => f.write_str("object removed"),
            ChangeKind::FieldAdded { mandatory: true } => f.write_str("mandatory field added"),
            ChangeKind::FieldAdded { mandatory: false } => f.write_str("field added"),
            ChangeKind::FieldRemoved => f.write_str("field removed"),
            ChangeKind::TypeChanged { from, to } => write!(f, "type {from} -> {to}"),
            ChangeKind::BecameMandatory => f.write_str("now mandatory"),
            ChangeKind::NoLongerMandatory => f.write_str("no longer mandatory"),
            ChangeKind::BecameReadOnly => f.write_str("now read-only"),
            ChangeKind::BecameWritable => f.write_str("now writable"),
            ChangeKind::ValuesAdded(vs) => write!(f, "dropdown values added: {}", list(vs)),
            ChangeKind::ValuesRemoved(vs) => write!(f, "dropdown values removed: {}", list(vs)),
        }
    }
}

/// A field type as the drift report shows it: the canonical name, with the target of a
/// reference (`reference(accounts)`) and the raw name of an unknown type (`unknown(geo)`).
pub fn type_description(ty: &FieldType) -> String {
    match ty {
        FieldType::Reference {
            target,
            external: false,
        } => format!("reference({target})"),
        FieldType::Reference {
            target,
            external: true,
        } => format!("reference({target}, external)"),
        FieldType::Unknown { raw } => format!("unknown({raw})"),
        other => other.as_str().to_owned(),
    }
}

impl Drift {
    /// No differences at all.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The breaking changes.
    pub fn breaking(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.is_breaking())
    }

    /// Whether any change is breaking.
    pub fn has_breaking(&self) -> bool {
        self.breaking().next().is_some()
    }
}

/// The table of changes: one row per change with object, field, change and whether it breaks
/// generated code; `no drift` when there is none.
impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.changes.is_empty() {
            return f.write_str("no drift");
        }
        let rows: Vec<[String; 4]> = self
            .changes
            .iter()
            .map(|c| {
                [
                    c.object.clone(),
                    c.field.clone().unwrap_or_else(|| "-".into()),
                    c.kind.to_string(),
                    if c.is_breaking() { "yes" } else { "no" }.into(),
                ]
            })
            .collect();
        let header = ["object", "field", "change", "breaking"].map(String::from);
        let mut widths = header.each_ref().map(String::len);
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        for (n, row) in std::iter::once(&header).chain(&rows).enumerate() {
            if n > 0 {
                f.write_str("\n")?;
            }
            let line: Vec<String> = row
                .iter()
                .zip(widths)
                .map(|(cell, w)| format!("{cell:<w$}"))
                .collect();
            f.write_str(line.join("  ").trim_end())?;
        }
        let breaking = self.breaking().count();
        write!(f, "\n{} change(s), {breaking} breaking", self.changes.len())
    }
}

/// The differences from `old` to `new`.
pub fn diff(old: &Dictionary, new: &Dictionary) -> Drift {
    let mut changes = Vec::new();
    let mut names: Vec<&String> = old.objects.keys().chain(new.objects.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        let change = |field: Option<&str>, kind| Change {
            object: name.clone(),
            field: field.map(str::to_owned),
            kind,
        };
        match (old.object(name), new.object(name)) {
            (Some(_), None) => changes.push(change(None, ChangeKind::ObjectRemoved)),
            (None, Some(_)) => changes.push(change(None, ChangeKind::ObjectAdded)),
            (Some(o), Some(n)) => object_changes(o, n, &mut |field, kind| {
                changes.push(change(Some(field), kind))
            }),
            (None, None) => {}
        }
    }
    Drift { changes }
}

fn object_changes(old: &ObjectDef, new: &ObjectDef, push: &mut dyn FnMut(&str, ChangeKind)) {
    for o in &old.fields {
        if new.field(&o.api_name).is_none() {
            push(&o.api_name, ChangeKind::FieldRemoved);
        }
    }
    for n in &new.fields {
        match old.field(&n.api_name) {
            None => push(
                &n.api_name,
                ChangeKind::FieldAdded {
                    mandatory: n.is_mandatory(),
                },
            ),
            Some(o) => field_changes(o, n, &mut |kind| push(&n.api_name, kind)),
        }
    }
}

fn field_changes(old: &FieldDef, new: &FieldDef, push: &mut dyn FnMut(ChangeKind)) {
    if old.ty != new.ty {
        push(ChangeKind::TypeChanged {
            from: type_description(&old.ty),
            to: type_description(&new.ty),
        });
    }
    match (old.is_mandatory(), new.is_mandatory()) {
        (false, true) => push(ChangeKind::BecameMandatory),
        (true, false) => push(ChangeKind::NoLongerMandatory),
        _ => {}
    }
    match (old.read_only, new.read_only) {
        (false, true) => push(ChangeKind::BecameReadOnly),
        (true, false) => push(ChangeKind::BecameWritable),
        _ => {}
    }
    let values = |f: &FieldDef| -> Vec<String> {
        f.lookup
            .iter()
            .flat_map(|l| l.values.iter().map(|v| v.value.clone()))
            .collect()
    };
    let (before, after) = (values(old), values(new));
    let added: Vec<String> = after
        .iter()
        .filter(|v| !before.contains(v))
        .cloned()
        .collect();
    let removed: Vec<String> = before
        .iter()
        .filter(|v| !after.contains(v))
        .cloned()
        .collect();
    if !added.is_empty() {
        push(ChangeKind::ValuesAdded(added));
    }
    if !removed.is_empty() {
        push(ChangeKind::ValuesRemoved(removed));
    }
}
