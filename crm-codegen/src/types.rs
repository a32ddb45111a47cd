//! Per-field facts the other generators share: the Rust value type, the filter field type, the
//! setter argument, and the doc text shown on hover.

use std::collections::BTreeSet;

use crm_schema::classify::RustType;
use crm_schema::objects::LINES;
use crm_schema::{Dictionary, FieldDef, FieldType, ObjectDef};
use proc_macro2::TokenStream;
use quote::quote;

use crate::Settings;
use crate::names;

/// What generation needs to know beyond one object.
pub(crate) struct Context<'a> {
    dict: &'a Dictionary,
    selected: BTreeSet<&'a str>,
    /// `<crate>::__private`.
    pub(crate) rt: TokenStream,
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        dict: &'a Dictionary,
        selected: &[&'a ObjectDef],
        settings: &Settings,
    ) -> Self {
        let krate = settings.krate();
        Context {
            dict,
            selected: selected.iter().map(|o| o.api_name.as_str()).collect(),
            rt: quote!(#krate::__private),
        }
    }

    /// The generated type of a selected object, as seen from a sibling module.
    pub(crate) fn object_path(&self, api_name: &str) -> Option<TokenStream> {
        self.object_path_at(api_name, false)
    }

    /// The same, seen from a module inside an object's module when `nested`.
    fn object_path_at(&self, api_name: &str, nested: bool) -> Option<TokenStream> {
        if !self.selected.contains(api_name) {
            return None;
        }
        let o = self.dict.object(api_name)?;
        let module = names::ident(&o.module_name());
        let ty = names::ident(&o.type_name);
        let up = if nested {
            quote!(super::super)
        } else {
            quote!(super)
        };
        Some(quote!(#up::#module::#ty))
    }

    /// The line object's type, when this object embeds lines and both are generated.
    pub(crate) fn lines_of(&self, object: &ObjectDef) -> Option<TokenStream> {
        if object.api_name == LINES.parent && self.selected.contains(LINES.parent) {
            self.object_path(LINES.line)
        } else {
            None
        }
    }

    /// The field's value type (inside the `Option` of the read model).
    pub(crate) fn value_ty(&self, object: &ObjectDef, f: &FieldDef) -> TokenStream {
        let rt = &self.rt;
        match f.ty.class().rust {
            RustType::OwnId => {
                let me = names::ident(&object.type_name);
                quote!(#rt::Id<#me>)
            }
            RustType::String => quote!(::std::string::String),
            RustType::I64 => quote!(i64),
            RustType::Decimal => quote!(#rt::Decimal),
            RustType::Bool => quote!(bool),
            RustType::Date => quote!(#rt::Date),
            RustType::DateTime => quote!(#rt::DateTime),
            RustType::LookupEnum => {
                let e = names::ident(&names::lookup_enum(object, f));
                quote!(#e)
            }
            RustType::TargetId => match self.target_path(f, false) {
                Some(path) => quote!(#rt::Id<#path>),
                None => quote!(#rt::ExternalId),
            },
            RustType::UserId => quote!(#rt::UserId),
            RustType::Json => quote!(#rt::serde_json::Value),
        }
    }

    /// The generated type a reference field points to, when its target is generated.
    fn target_path(&self, f: &FieldDef, nested: bool) -> Option<TokenStream> {
        match &f.ty {
            FieldType::Reference { target, .. } => self.object_path_at(target, nested),
            _ => None,
        }
    }

    /// The argument type of the field's setters: `impl Into<_>` of the value type where
    /// [`RustType::setter_converts`] says so (`.turnover(1000)`, `.leadscore(5u8)`).
    pub(crate) fn arg_ty(&self, object: &ObjectDef, f: &FieldDef) -> TokenStream {
        if converts(f) {
            let ty = self.value_ty(object, f);
            quote!(impl ::core::convert::Into<#ty>)
        } else {
            self.value_ty(object, f)
        }
    }

    /// How a setter turns its argument into the value.
    pub(crate) fn convert(&self, f: &FieldDef) -> TokenStream {
        if converts(f) {
            quote!(value.into())
        } else {
            quote!(value)
        }
    }

    /// The filter field type of `fields::NAME`.
    pub(crate) fn filter_ty(&self, object: &ObjectDef, f: &FieldDef, nested: bool) -> TokenStream {
        let rt = &self.rt;
        let me = names::ident(&object.type_name);
        let base = names::ident(f.ty.class().filter.type_name());
        // The parameters after the object follow from the value type: the id's target for
        // id filters, the enum for choices, the value for ranges.
        match f.ty.class().rust {
            RustType::OwnId => quote!(#rt::#base<#me, #me>),
            RustType::TargetId => match self.target_path(f, nested) {
                Some(path) => quote!(#rt::#base<#me, #path>),
                None => quote!(#rt::#base<#me, #rt::External>),
            },
            RustType::UserId => quote!(#rt::#base<#me, #rt::User>),
            RustType::String | RustType::Bool | RustType::Json => quote!(#rt::#base<#me>),
            RustType::LookupEnum
            | RustType::I64
            | RustType::Decimal
            | RustType::Date
            | RustType::DateTime => {
                let v = self.value_ty(object, f);
                quote!(#rt::#base<#me, #v>)
            }
        }
    }
}

/// Whether the field's setters take `impl Into<_>` of the value type.
fn converts(f: &FieldDef) -> bool {
    f.ty.class().rust.setter_converts()
}

/// The kind of a field in words, for docs.
fn kind_words(f: &FieldDef) -> String {
    match &f.ty {
        FieldType::Id => "the record's id".into(),
        FieldType::Text => "text".into(),
        FieldType::LongText => "long text".into(),
        FieldType::Email => "e-mail address".into(),
        FieldType::Phone => "phone number".into(),
        FieldType::Url => "URL".into(),
        FieldType::Integer => "integer".into(),
        FieldType::Decimal => "decimal".into(),
        FieldType::Currency => "currency amount (exact decimal)".into(),
        FieldType::Percent => "percentage (exact decimal)".into(),
        FieldType::Boolean => "boolean".into(),
        FieldType::Date => "date".into(),
        FieldType::DateTime => "date and time".into(),
        FieldType::Lookup => "dropdown".into(),
        FieldType::Reference {
            target,
            external: false,
        } => format!("reference to `{target}`"),
        FieldType::Reference {
            target,
            external: true,
        } => format!("reference to `{target}` (not in the snapshot)"),
        FieldType::User => "user".into(),
        FieldType::Unknown { raw } => {
            format!("`{raw}` (a type this version does not know; kept as JSON)")
        }
    }
}

/// Lookup values listed in docs, at most this many.
const DOC_VALUES: usize = 24;

/// The doc text of a field: label, API name, type, flags, max length, values.
pub(crate) fn field_doc(f: &FieldDef) -> String {
    let mut flags = Vec::new();
    if f.is_mandatory() {
        flags.push("required on create".to_owned());
    }
    if f.read_only {
        flags.push("read-only".to_owned());
    }
    if f.custom {
        flags.push("custom field".to_owned());
    }
    if let Some(max) = f.max_length {
        flags.push(format!("at most {max} characters"));
    }
    let mut doc = format!("{} (`{}`): {}", f.label, f.api_name, kind_words(f));
    if !flags.is_empty() {
        doc.push_str("; ");
        doc.push_str(&flags.join(", "));
    }
    doc.push('.');
    if let Some(d) = &f.description {
        doc.push_str("\n\n");
        doc.push_str(d);
    }
    if let Some(list) = &f.lookup {
        let shown: Vec<String> = list
            .values
            .iter()
            .take(DOC_VALUES)
            .map(|v| {
                if v.active {
                    format!("`{}`", v.value)
                } else {
                    format!("`{}` (inactive)", v.value)
                }
            })
            .collect();
        let more = list.values.len().saturating_sub(DOC_VALUES);
        doc.push_str(&format!(
            "\n\nList `{}`{}: {}",
            list.list_name,
            if list.restricted { ", restricted" } else { "" },
            shown.join(", ")
        ));
        if more > 0 {
            doc.push_str(&format!(" and {more} more"));
        }
        doc.push('.');
    }
    doc
}

/// Where an object's snapshot came from, for the record type's docs.
pub(crate) fn provenance_doc(object: &ObjectDef) -> String {
    let p = &object.provenance;
    let source = match &p.source {
        crm_schema::Source::Catalogue => "the public field catalogue".to_owned(),
        crm_schema::Source::Sandbox { base_url } => format!("the sandbox at {base_url}"),
        crm_schema::Source::Tenant { base_url } => format!("the tenant at {base_url}"),
    };
    let when = p
        .fetched_at
        .as_deref()
        .map(|t| format!(", fetched {t}"))
        .unwrap_or_default();
    format!(
        "Generated from `{}.json` (API {}, {source}{when}; {}).",
        object.api_name, p.api_version, p.content_hash
    )
}
