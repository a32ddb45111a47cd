//! The create body (`NewAccount`) and its typestate builder (`NewAccountBuilder`).
//!
//! Only mandatory fields (required and writable) get a type parameter, `Unset` or `Set`, so the
//! builder's code grows with the number of fields, not its square. `build()` carries one bound
//! per mandatory field; each bound is a trait of the `mandatory` module whose
//! `#[diagnostic::on_unimplemented]` message names the missing field. Setting a field twice keeps
//! the last value: every setter, mandatory or not, can be called again.
//!
//! The builder is the only way to a create body: its fields are private and its `Default` is a
//! compile error pointing here (see `contract`).

use crm_schema::ObjectDef;
use proc_macro2::TokenStream;
use quote::quote;

use crate::contract;
use crate::docs;
use crate::names::{self, ident};
use crate::types::{self, Context};

pub(crate) fn generate(object: &ObjectDef, cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    let t = ident(&object.type_name);
    let create = ident(&names::create(object));
    let builder = ident(&names::builder(object));
    let api = &object.api_name;
    let writable: Vec<_> = object.fields.iter().filter(|f| f.is_writable()).collect();
    let mandatory: Vec<_> = writable.iter().filter(|f| f.is_mandatory()).collect();
    let params: Vec<_> = mandatory.iter().map(|f| ident(&names::marker(f))).collect();
    let generics = if params.is_empty() {
        quote!()
    } else {
        quote!(<#(#params),*>)
    };

    let body_fields = writable.iter().map(|f| {
        let name = ident(&f.ident());
        let ty = cx.value_ty(object, f);
        quote!(#name: ::core::option::Option<#ty>,)
    });
    let empty_fields = writable.iter().map(|f| {
        let name = ident(&f.ident());
        quote!(#name: ::core::option::Option::None,)
    });
    let serialize = crate::records::serialize_impl(rt, &create, crate::records::entries(&writable));
    let setters = writable.iter().map(|f| {
        let name = ident(&f.ident());
        let arg = cx.arg_ty(object, f);
        let value = cx.convert(f);
        let doc = docs::doc(&format!("Sets {}", types::field_doc(f)));
        match mandatory.iter().position(|m| m.api_name == f.api_name) {
            Some(i) => {
                let mut next = params.iter().map(|p| quote!(#p)).collect::<Vec<_>>();
                next[i] = quote!(#rt::Set);
                quote! {
                    #doc
                    #[inline]
                    pub fn #name(self, value: #arg) -> #builder<#(#next),*> {
                        let mut body = self.body;
                        body.#name = ::core::option::Option::Some(#value);
                        #builder { body, state: ::core::marker::PhantomData }
                    }
                }
            }
            None => quote! {
                #doc
                #[inline]
                pub fn #name(mut self, value: #arg) -> Self {
                    self.body.#name = ::core::option::Option::Some(#value);
                    self
                }
            },
        }
    });
    let read_only = contract::read_only_setters(object);
    let no_default = contract::no_default(object);
    let traits = mandatory.iter().zip(&params).map(|(f, p)| {
        let message = format!(
            "cannot build `{}`: the mandatory field `{}` (\"{}\") is not set",
            names::create(object),
            f.api_name,
            f.label
        );
        let label = format!("call `.{}(..)` before `.build()`", f.ident());
        let doc = docs::doc(&format!(
            "Holds once field `{}` is set; `build()` requires it.",
            f.api_name
        ));
        quote! {
            #doc
            #[diagnostic::on_unimplemented(message = #message, label = #label)]
            pub trait #p {}
            impl #p for #rt::Set {}
        }
    });
    let bounds = mandatory
        .iter()
        .zip(&params)
        .map(|(_, p)| quote!(#p: mandatory::#p));
    let unset = params.iter().map(|_| quote!(#rt::Unset));
    let unset = if params.is_empty() {
        quote!()
    } else {
        quote!(<#(#unset),*>)
    };
    let create_doc = docs::doc(&format!(
        "The body of a create request for `{api}`, made with [`{t}::builder`]. Only fields that were set are sent."
    ));
    let builder_doc = docs::doc(&format!(
        "Builds a [`{}`]: one setter per writable field; `build()` compiles once every mandatory field is set ({}). Setting a field again replaces its value.",
        names::create(object),
        if mandatory.is_empty() {
            "this object has none".to_owned()
        } else {
            mandatory
                .iter()
                .map(|f| format!("`{}`", f.api_name))
                .collect::<Vec<_>>()
                .join(", ")
        }
    ));
    let mandatory_doc = docs::doc(&format!(
        "Marker traits of the mandatory fields of `{api}`: a missing one is a compile error that names it."
    ));
    quote! {
        #create_doc
        #[derive(Debug, Clone)]
        pub struct #create {
            #(#body_fields)*
        }

        #no_default

        impl #rt::Create for #create {
            type Object = #t;
        }

        #serialize

        #builder_doc
        #[derive(Debug, Clone)]
        #[must_use = "a builder does nothing until `build()` and a create request"]
        pub struct #builder #generics {
            body: #create,
            state: ::core::marker::PhantomData<fn() -> (#(#params,)*)>,
        }

        impl #builder #unset {
            fn new() -> Self {
                #builder { body: #create { #(#empty_fields)* }, state: ::core::marker::PhantomData }
            }
        }

        impl #generics #builder #generics {
            #(#setters)*
            #read_only

            /// The finished create body.
            #[inline]
            pub fn build(self) -> #create
            where
                #(#bounds,)*
            {
                self.body
            }
        }

        #mandatory_doc
        pub mod mandatory {
            #(#traits)*
        }
    }
}
