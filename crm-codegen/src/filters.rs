//! The `fields` module of an object: one typed constant per field (`account::fields::NAME`), whose
//! type offers exactly the filter operators of the field's kind, plus `asc()` / `desc()`.

use crm_schema::{FieldType, ObjectDef};
use proc_macro2::Ident;
use proc_macro2::TokenStream;
use quote::quote;

use crate::docs;
use crate::names::{self, ident};
use crate::types::{self, Context};

pub(crate) fn generate(object: &ObjectDef, cx: &Context<'_>) -> TokenStream {
    let consts = object.fields.iter().map(|f| {
        let name = ident(&names::constant(f));
        // Written from inside `fields`, one level below the object's module.
        let ty = cx.filter_ty(object, f, true);
        let api = &f.api_name;
        let doc = docs::doc(&types::field_doc(f));
        let base = constructor(&f.ty);
        let rt = &cx.rt;
        quote! {
            #doc
            pub const #name: #ty = #rt::#base::new(#api);
        }
    });
    let doc = docs::doc(&format!(
        "Filter and sort fields of `{}`: `fields::NAME.eq(..)`, `fields::NAME.asc()`.",
        object.api_name
    ));
    quote! {
        #doc
        pub mod fields {
            use super::*;
            #(#consts)*
        }
    }
}

/// The filter field type without its parameters, which the constant's type supplies.
fn constructor(ty: &FieldType) -> Ident {
    ident(ty.class().filter.type_name())
}
