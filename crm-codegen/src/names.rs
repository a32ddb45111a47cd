//! Names of the generated items, and the check that none of them collide.
//!
//! Field and variant identifiers come from `crm_schema::naming` (validated there); this module
//! derives the names built from them (`clear_phone`, `AccountType`, `NAME`) and reports any two
//! that land on one Rust name in one namespace, naming both fields and the `rename` that fixes it.
//!
//! Every name of one field is built from its one identifier (`FieldDef::ident`) without change:
//! the record field and setter `type_`, the clear `clear_type_`, the filter constant `TYPE_`
//! (uppercased), the per-field traits `Type_`... (UpperCamelCase).

use std::collections::BTreeMap;

use crm_schema::naming::type_ident;
use crm_schema::{FieldDef, FieldType, ObjectDef};
use proc_macro2::{Ident, Span};

use crate::Diagnostic;
use crate::types::Context;

/// An identifier. Names reach here only after [`check`] accepted them; should one still be
/// invalid, a placeholder keeps the generator panic-free (and the check has already failed).
pub(crate) fn ident(name: &str) -> Ident {
    syn::parse_str::<Ident>(name)
        .unwrap_or_else(|_| Ident::new("__invalid_name", Span::call_site()))
}

fn is_ident(name: &str) -> bool {
    syn::parse_str::<Ident>(name).is_ok()
}

/// `AccountType` for the `type` field of `Account`.
pub fn lookup_enum(object: &ObjectDef, f: &FieldDef) -> String {
    format!("{}{}", object.type_name, type_ident(&f.ident()))
}

/// The typestate builder: `NewAccountBuilder`.
pub fn builder(object: &ObjectDef) -> String {
    format!("New{}Builder", object.type_name)
}

/// The create body: `NewAccount`.
pub fn create(object: &ObjectDef) -> String {
    format!("New{}", object.type_name)
}

/// The update body: `AccountPatch`.
pub fn patch(object: &ObjectDef) -> String {
    format!("{}Patch", object.type_name)
}

/// The filter constant of a field: `NAME`, `ADDRESSCOUNTY_STATE`.
pub fn constant(f: &FieldDef) -> String {
    f.ident().to_ascii_uppercase()
}

/// A per-field type name (lookup marker, mandatory-field trait): `Type`, `Name`.
pub fn marker(f: &FieldDef) -> String {
    type_ident(&f.ident())
}

/// The patch method that clears a field: `clear_` and the field's identifier, unchanged
/// (`clear_phone`, `clear_type_`), so every name of a field contains the same spelling.
pub fn clear(f: &FieldDef) -> String {
    format!("clear_{}", f.ident())
}

/// The trait of the `__contract` module that a read-only field's hidden setter requires.
pub(crate) fn read_only_rule(f: &FieldDef) -> String {
    format!("ReadOnly{}", marker(f))
}

/// The trait of the `__contract` module that a mandatory field's hidden clear requires.
pub(crate) fn clear_rule(f: &FieldDef) -> String {
    format!("Mandatory{}", marker(f))
}

/// Names used in one namespace, with who uses them.
struct Namespace {
    what: &'static str,
    taken: BTreeMap<String, String>,
}

impl Namespace {
    fn new(what: &'static str, fixed: &[(&str, &str)]) -> Self {
        let taken = fixed
            .iter()
            .map(|(n, by)| ((*n).to_owned(), (*by).to_owned()))
            .collect();
        Namespace { what, taken }
    }

    fn claim(
        &mut self,
        name: String,
        by: String,
        object: &ObjectDef,
        field: &FieldDef,
        out: &mut Vec<Diagnostic>,
    ) {
        let diag = |message: String| Diagnostic {
            object: Some(object.api_name.clone()),
            field: Some(field.api_name.clone()),
            requested: None,
            message,
        };
        if !is_ident(&name) {
            out.push(diag(format!("`{name}` ({by}) is not a Rust identifier; add \"rename\": \"<identifier>\" to the field")));
            return;
        }
        if let Some(first) = self.taken.get(&name) {
            out.push(diag(format!(
                "{by} and {first} are both named `{name}` ({}); add \"rename\": \"<identifier>\" to field `{}` in `{}.json`, then run `crm check`",
                self.what, field.api_name, object.api_name
            )));
            return;
        }
        self.taken.insert(name, by);
    }
}

/// Every collision between the names generated for `object`.
pub(crate) fn check(object: &ObjectDef, cx: &Context<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let t = object.type_name.as_str();
    let (record, create, builder, patch) =
        (t.to_owned(), create(object), builder(object), patch(object));
    let mut types = Namespace::new(
        "types of the object's module",
        &[
            (&record, "the record type"),
            (&create, "the create body"),
            (&builder, "the create builder"),
            (&patch, "the patch type"),
            ("fields", "the `fields` module"),
            ("lookups", "the `lookups` module"),
            ("mandatory", "the `mandatory` module"),
        ],
    );
    let mut members = Namespace::new(
        "fields of the record type",
        &[("extra", "the unknown-field map")],
    );
    if cx.lines_of(object).is_some() {
        members.claim(
            "lines".into(),
            "the embedded lines".into(),
            object,
            &object.fields[0],
            &mut out,
        );
    }
    let mut setters = Namespace::new(
        "methods of the patch and builder",
        &[("build", "the builder's `build`")],
    );
    let mut constants = Namespace::new("constants of the `fields` module", &[]);
    let mut contract = Namespace::new(
        "traits of the `__contract` module",
        &[
            ("NoDefault", "the create body's missing `Default`"),
            ("Create", "the create body's missing `Default`"),
        ],
    );
    let mut lookups = Namespace::new("types of the `lookups` module", &[]);
    let mut mandatory = Namespace::new(
        "traits of the `mandatory` module and type parameters of the builder",
        &[
            (&create, "the create body"),
            (&builder, "the create builder"),
        ],
    );
    for f in &object.fields {
        let field = format!("field `{}`", f.api_name);
        members.claim(f.ident(), field.clone(), object, f, &mut out);
        constants.claim(constant(f), field.clone(), object, f, &mut out);
        // Read-only fields have a hidden setter and mandatory ones a hidden clear (see
        // `contract`): they take their names too.
        setters.claim(
            f.ident(),
            format!("the setter of {field}"),
            object,
            f,
            &mut out,
        );
        if f.is_writable() {
            setters.claim(
                clear(f),
                format!("the method clearing {field}"),
                object,
                f,
                &mut out,
            );
        }
        if !f.is_writable() {
            contract.claim(
                read_only_rule(f),
                format!("the read-only rule of {field}"),
                object,
                f,
                &mut out,
            );
        }
        if f.is_mandatory() {
            contract.claim(
                clear_rule(f),
                format!("the mandatory rule of {field}"),
                object,
                f,
                &mut out,
            );
        }
        if f.ty == FieldType::Lookup {
            types.claim(
                lookup_enum(object, f),
                format!("the value enum of {field}"),
                object,
                f,
                &mut out,
            );
            lookups.claim(
                marker(f),
                format!("the lookup marker of {field}"),
                object,
                f,
                &mut out,
            );
        }
        if f.is_mandatory() {
            mandatory.claim(
                marker(f),
                format!("the mandatory-field trait of {field}"),
                object,
                f,
                &mut out,
            );
        }
        if let Some(list) = &f.lookup {
            for v in &list.values {
                if !is_ident(&v.ident()) {
                    out.push(Diagnostic {
                        object: Some(object.api_name.clone()),
                        field: Some(f.api_name.clone()),
                        requested: None,
                        message: format!("value `{}` maps to `{}`, which is not a Rust identifier; add \"rename\" to the value", v.value, v.ident()),
                    });
                }
            }
        }
    }
    if !is_ident(&object.module_name()) {
        out.push(Diagnostic {
            object: Some(object.api_name.clone()),
            field: None,
            requested: None,
            message: format!(
                "the module name `{}` is not a Rust identifier; change `type_name`",
                object.module_name()
            ),
        });
    }
    out
}
