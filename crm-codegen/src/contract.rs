//! Misuses of the generated API that are compile errors saying what to do instead: a create body
//! from `Default`, setting a read-only field, clearing a mandatory one.
//!
//! Each is a hidden item whose bound is a trait of the object's hidden `__contract` module that
//! nothing implements; the trait's `#[diagnostic::on_unimplemented]` message is the error. The
//! traits take a lifetime parameter only so that the bound is not "trivially false", which
//! stable Rust rejects where it is written instead of where it is used.

use crm_schema::ObjectDef;
use proc_macro2::TokenStream;
use quote::quote;

use crate::names::{self, ident};

/// The `__contract` module of an object: one trait per rule a misuse breaks.
pub(crate) fn module(object: &ObjectDef) -> TokenStream {
    let create = names::create(object);
    let create_ident = ident(&create);
    let no_default = format!(
        "`{create}` has no default value: start from `{}::builder()`, whose `build()` requires every mandatory field",
        object.type_name
    );
    let read_only = object.fields.iter().filter(|f| !f.is_writable()).map(|f| {
        let t = ident(&names::read_only_rule(f));
        let message = format!(
            "cannot set `{}` (\"{}\"): the field is read-only, the CRM sets it itself",
            f.ident(),
            f.label
        );
        quote! {
            #[diagnostic::on_unimplemented(message = #message, label = "read-only in the dictionary snapshot")]
            pub trait #t<'a> {}
        }
    });
    let mandatory = object.fields.iter().filter(|f| f.is_mandatory()).map(|f| {
        let t = ident(&names::clear_rule(f));
        let message = format!(
            "cannot clear `{}` (\"{}\"): the field is mandatory, so it may not be empty",
            f.ident(),
            f.label
        );
        let label = format!("set a new value with `.{}(..)` instead", f.ident());
        quote! {
            #[diagnostic::on_unimplemented(message = #message, label = #label)]
            pub trait #t<'a> {}
        }
    });
    quote! {
        #[doc(hidden)]
        pub mod __contract {
            pub struct Create<'a>(::core::marker::PhantomData<&'a ()>);
            #[diagnostic::on_unimplemented(message = #no_default, label = "a create body comes only from its builder")]
            pub trait NoDefault {
                fn unreachable() -> super::#create_ident;
            }
            #(#read_only)*
            #(#mandatory)*
        }
    }
}

/// `Default` for the create body, bounded on a trait nothing implements: `NewX::default()` and
/// `Default::default()` both fail with the message that names the builder. A derived `Default`
/// would compile; none at all would say only "not implemented". The bound's self type is not the
/// body itself because rustc reports the root obligation (`NewX: Default`, no message of ours)
/// when the failing bound has the same self type.
pub(crate) fn no_default(object: &ObjectDef) -> TokenStream {
    let create = ident(&names::create(object));
    // The inherent twin wins path resolution for `NewX::default()`, whose error would otherwise
    // be a generic "trait bounds were not satisfied".
    quote! {
        impl<'a> ::core::default::Default for #create
        where
            __contract::Create<'a>: __contract::NoDefault,
        {
            fn default() -> Self {
                <__contract::Create<'a> as __contract::NoDefault>::unreachable()
            }
        }

        impl #create {
            #[doc(hidden)]
            #[allow(clippy::should_implement_trait)]
            pub fn default<'a>() -> Self
            where
                __contract::Create<'a>: __contract::NoDefault,
            {
                <__contract::Create<'a> as __contract::NoDefault>::unreachable()
            }
        }
    }
}

/// Hidden setters for read-only fields, so that setting one is an error that names it.
pub(crate) fn read_only_setters(object: &ObjectDef) -> TokenStream {
    let methods = object.fields.iter().filter(|f| !f.is_writable()).map(|f| {
        let name = ident(&f.ident());
        let rule = ident(&names::read_only_rule(f));
        quote! {
            #[doc(hidden)]
            pub fn #name<'a, V>(self, _value: V) -> Self
            where
                V: __contract::#rule<'a>,
            {
                self
            }
        }
    });
    quote!(#(#methods)*)
}

/// Hidden `clear_x` methods for mandatory fields, so that clearing one says it is mandatory.
pub(crate) fn mandatory_clears(object: &ObjectDef) -> TokenStream {
    let methods = object.fields.iter().filter(|f| f.is_mandatory()).map(|f| {
        let name = ident(&names::clear(f));
        let rule = ident(&names::clear_rule(f));
        quote! {
            #[doc(hidden)]
            pub fn #name<'a>(self) -> Self
            where
                Self: __contract::#rule<'a>,
            {
                self
            }
        }
    });
    quote!(#(#methods)*)
}
