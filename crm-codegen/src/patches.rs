//! The update body (`AccountPatch`): per writable field leave (the default), set, or clear
//! (fields that may be empty only). Only touched fields are serialised; a cleared field is sent
//! as `null`.

use crm_schema::ObjectDef;
use proc_macro2::TokenStream;
use quote::quote;

use crate::docs;
use crate::names::{self, ident};
use crate::types::{self, Context};

pub(crate) fn generate(object: &ObjectDef, cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    let t = ident(&object.type_name);
    let patch = ident(&names::patch(object));
    let writable: Vec<_> = object.fields.iter().filter(|f| f.is_writable()).collect();
    let members = writable.iter().map(|f| {
        let name = ident(&f.ident());
        let ty = cx.value_ty(object, f);
        quote!(#name: ::core::option::Option<::core::option::Option<#ty>>,)
    });
    let serialize = crate::records::serialize_impl(rt, &patch, crate::records::entries(&writable));
    let methods = writable.iter().map(|f| {
        let name = ident(&f.ident());
        let arg = cx.arg_ty(object, f);
        let value = cx.convert(f);
        let doc = docs::doc(&format!("Sets {}", types::field_doc(f)));
        let set = quote! {
            #doc
            #[inline]
            pub fn #name(mut self, value: #arg) -> Self {
                self.#name = ::core::option::Option::Some(::core::option::Option::Some(#value));
                self
            }
        };
        if !f.is_clearable() {
            return set;
        }
        let clear = ident(&names::clear(f));
        let doc = docs::doc(&format!("Empties field `{}` (sent as `null`).", f.api_name));
        quote! {
            #set
            #doc
            #[inline]
            pub fn #clear(mut self) -> Self {
                self.#name = ::core::option::Option::Some(::core::option::Option::None);
                self
            }
        }
    });
    let read_only = crate::contract::read_only_setters(object);
    let mandatory = crate::contract::mandatory_clears(object);
    let doc = docs::doc(&format!(
        "The body of an update request for `{}`, made with [`{}::patch`]: fields left alone are not sent, so the update changes only what was set or cleared here. Read-only fields have no setter.",
        object.api_name, object.type_name
    ));
    quote! {
        #doc
        #[derive(Debug, Clone, Default)]
        #[must_use = "a patch does nothing until sent"]
        pub struct #patch {
            #(#members)*
        }

        impl #patch {
            #(#methods)*
            #read_only
            #mandatory
        }

        impl #rt::Patch for #patch {
            type Object = #t;
        }

        #serialize
    }
}
