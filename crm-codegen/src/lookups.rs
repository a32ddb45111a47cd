//! Open enums for dropdown fields (`AccountType`): known values are variants, anything else is
//! `Other(String)` and round-trips byte for byte; inactive values are `#[deprecated]`. Plus the
//! `lookups` module of markers that tell the client a field's list (`PATCH /lookup/{list}`).

use crm_schema::{FieldDef, FieldType, ObjectDef};
use proc_macro2::TokenStream;
use quote::quote;

use crate::docs;
use crate::names::{self, ident};
use crate::types::Context;

pub(crate) fn generate(object: &ObjectDef, cx: &Context<'_>) -> TokenStream {
    let lookups: Vec<&FieldDef> = object
        .fields
        .iter()
        .filter(|f| f.ty == FieldType::Lookup)
        .collect();
    if lookups.is_empty() {
        return quote!();
    }
    let enums = lookups.iter().map(|f| one_enum(object, f, cx));
    let rt = &cx.rt;
    let t = ident(&object.type_name);
    let markers = lookups.iter().map(|f| {
        let marker = ident(&names::marker(f));
        let e = ident(&names::lookup_enum(object, f));
        let api = &f.api_name;
        let list = f
            .lookup
            .as_ref()
            .map(|l| l.list_name.as_str())
            .unwrap_or_default();
        let doc = docs::doc(&format!(
            "The dropdown list of field `{api}` (list `{list}`), for reading or extending it."
        ));
        // Only emitted when set, so snapshots with stated names generate what they did.
        let inferred = f
            .lookup
            .as_ref()
            .is_some_and(|l| l.list_name_inferred)
            .then(|| quote! { const LIST_NAME_INFERRED: bool = true; });
        quote! {
            #doc
            #[derive(Debug, Clone, Copy)]
            pub struct #marker;
            impl #rt::LookupField for #marker {
                type Object = super::#t;
                type Value = super::#e;
                const FIELD: &'static str = #api;
                const LIST_NAME: &'static str = #list;
                #inferred
            }
        }
    });
    let doc = docs::doc(&format!(
        "The dropdown fields of `{}`, as types for the client's lookup calls.",
        object.api_name
    ));
    quote! {
        #(#enums)*

        #doc
        pub mod lookups {
            #(#markers)*
        }
    }
}

fn one_enum(object: &ObjectDef, f: &FieldDef, cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    let e = ident(&names::lookup_enum(object, f));
    let values = f
        .lookup
        .as_ref()
        .map(|l| l.values.as_slice())
        .unwrap_or_default();
    let variants = values.iter().map(|v| {
        let name = ident(&v.ident());
        let mut doc = format!("`{}`", v.value);
        if let Some(label) = &v.label {
            doc.push_str(&format!(": {label}"));
        }
        let doc = docs::doc(&doc);
        let deprecated = (!v.active).then(|| quote!(#[deprecated(note = "inactive in the CRM: kept for old records, no longer offered")]));
        quote!(#doc #deprecated #name,)
    });
    let to_str = values.iter().map(|v| {
        let name = ident(&v.ident());
        let value = &v.value;
        quote!(#e::#name => #value,)
    });
    let from_str = values.iter().map(|v| {
        let name = ident(&v.ident());
        let value = &v.value;
        quote!(#value => #e::#name,)
    });
    let doc = docs::doc(&format!(
        "Values of field `{}` of `{}` (list `{}`). Values the snapshot does not know arrive as [`Other`]({e}::Other), unchanged.",
        f.api_name,
        object.api_name,
        f.lookup
            .as_ref()
            .map(|l| l.list_name.as_str())
            .unwrap_or_default(),
    ));
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum #e {
            #(#variants)*
            /// A value the snapshot does not list, exactly as the CRM sent it.
            Other(::std::string::String),
        }

        // Matching on inactive values is how they stay readable.
        #[allow(deprecated)]
        impl #e {
            /// The value exactly as on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_str)*
                    #e::Other(value) => value,
                }
            }
        }

        #[allow(deprecated)]
        impl ::core::str::FromStr for #e {
            type Err = ::core::convert::Infallible;
            fn from_str(value: &str) -> ::core::result::Result<Self, Self::Err> {
                ::core::result::Result::Ok(match value {
                    #(#from_str)*
                    other => #e::Other(::std::string::String::from(other)),
                })
            }
        }

        impl ::core::fmt::Display for #e {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl #rt::LookupEnum for #e {
            fn as_str(&self) -> &str {
                #e::as_str(self)
            }
        }

        impl #rt::serde::Serialize for #e {
            fn serialize<S: #rt::serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> #rt::serde::Deserialize<'de> for #e {
            fn deserialize<D: #rt::serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                #rt::decode_required(d)
            }
        }
    }
}
