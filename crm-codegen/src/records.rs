//! The read model of an object (`Account`): every field as on the wire, `id` always present,
//! the rest `Option`, unknown fields kept in `extra`; its decoder, encoder and runtime traits.

use crm_schema::{FieldDef, FieldType, ObjectDef};
use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

use crate::docs;
use crate::names::{self, ident};
use crate::types::{self, Context};

pub(crate) fn generate(object: &ObjectDef, cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    let t = ident(&object.type_name);
    let api = &object.api_name;
    let doc = docs::doc(&format!(
        "A record of `{api}`, as the API returns it.\n\nEvery field but `id` is optional: the API leaves out or nulls any of them. Values that do not fit their field's type fail decoding, or in lenient mode move into [`extra`](Self::extra).\n\n{}",
        types::provenance_doc(object)
    ));
    let mut members = Vec::new();
    let mut empty = Vec::new();
    let mut decode = Vec::new();
    let mut encode = Vec::new();
    for f in &object.fields {
        let name = ident(&f.ident());
        let key = &f.api_name;
        let d = docs::doc(&types::field_doc(f));
        if f.ty == FieldType::Id {
            members.push(quote!(#d pub #name: #rt::Id<#t>,));
            empty.push(quote!(#name: #rt::Id::new(0),));
            decode.push(quote!(#key => #rt::id_field(&mut self.#name, map, cx),));
            encode.push(quote!(map.value(#key, &self.#name);));
        } else {
            let ty = cx.value_ty(object, f);
            members.push(quote!(#d pub #name: ::core::option::Option<#ty>,));
            empty.push(quote!(#name: ::core::option::Option::None,));
            decode.push(quote!(#key => #rt::field(&mut self.#name, #key, map, cx),));
            encode.push(quote!(map.entry(#key, &self.#name);));
        }
    }
    let lines = cx.lines_of(object);
    if let Some(line) = &lines {
        members.push(quote! {
            /// The opportunity's lines, present only when it was fetched with its lines
            /// (`lines=true`).
            pub lines: ::core::option::Option<::std::vec::Vec<#line>>,
        });
        empty.push(quote!(lines: ::core::option::Option::None,));
        decode.push(quote!("lines" => #rt::nested(&mut self.lines, map),));
        encode.push(quote!(map.entry("lines", &self.lines);));
    }
    let has_lines = lines.map(|line| {
        quote! {
            impl #rt::HasLines for #t {
                type Line = #line;
            }
        }
    });
    let object_impl = object_impl(rt, &t, object);
    let decoder = Decoder {
        api,
        empty: quote! {
            #t {
                #(#empty)*
                extra: #rt::serde_json::Map::new(),
            }
        },
        field: quote! {
            match key {
                #(#decode)*
                _ => ::core::result::Result::Ok(false),
            }
        },
        extra: quote!(::core::option::Option::Some(&mut self.extra)),
        raw_id: quote!(self.id.get()),
    }
    .impls(rt, &t);
    let builder = ident(&names::builder(object));
    let patch = ident(&names::patch(object));
    let unset = object.mandatory_fields().map(|_| quote!(#rt::Unset));
    encode.push(quote!(map.extra(&self.extra);));
    let serialize = serialize_impl(rt, &t, encode);
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq)]
        pub struct #t {
            #(#members)*
            /// Fields the snapshot does not know, exactly as received, so that writing a record
            /// back loses nothing.
            pub extra: #rt::serde_json::Map<::std::string::String, #rt::serde_json::Value>,
        }

        impl #t {
            /// Starts a create request; `build()` compiles once every mandatory field is set.
            #[inline]
            pub fn builder() -> #builder<#(#unset),*> {
                #builder::new()
            }

            /// Starts an update request that changes nothing until told to.
            #[inline]
            pub fn patch() -> #patch {
                ::core::default::Default::default()
            }
        }

        #object_impl

        impl #rt::Record for #t {
            type Object = #t;
            fn id(&self) -> #rt::Id<#t> {
                self.id
            }
        }

        #has_lines

        #decoder

        #serialize
    }
}

/// `impl Object for #ty`: the object's API name, record type and snapshot fingerprint.
pub(crate) fn object_impl(rt: &TokenStream, ty: &impl ToTokens, object: &ObjectDef) -> TokenStream {
    let api = &object.api_name;
    let record_type = match &object.record_type {
        Some(r) => quote!(::core::option::Option::Some(#r)),
        None => quote!(::core::option::Option::None),
    };
    let fingerprint = &object.provenance.content_hash;
    quote! {
        impl #rt::Object for #ty {
            const API_NAME: &'static str = #api;
            const RECORD_TYPE: ::core::option::Option<&'static str> = #record_type;
            const SCHEMA_FINGERPRINT: &'static str = #fingerprint;
        }
    }
}

/// The parts of a type that decodes through the runtime's one record visitor
/// (`decode_record`): record types and projections alike.
pub(crate) struct Decoder<'a> {
    /// The object's API name, for messages.
    pub(crate) api: &'a str,
    /// The value with no field set (`Self { .. }`).
    pub(crate) empty: TokenStream,
    /// The body of `field(&mut self, key, map, cx) -> Result<bool, _>`.
    pub(crate) field: TokenStream,
    /// The unknown-field map, an `Option<&mut Map<..>>`.
    pub(crate) extra: TokenStream,
    /// The record id as a `u64`.
    pub(crate) raw_id: TokenStream,
}

impl Decoder<'_> {
    /// `impl DecodeRecord` and `impl Deserialize` for `ty`.
    pub(crate) fn impls(&self, rt: &TokenStream, ty: &impl ToTokens) -> TokenStream {
        let Decoder {
            api,
            empty,
            field,
            extra,
            raw_id,
        } = self;
        quote! {
            impl #rt::DecodeRecord for #ty {
                const OBJECT: &'static str = #api;
                fn empty() -> Self {
                    #empty
                }
                fn field<'de, A: #rt::serde::de::MapAccess<'de>>(
                    &mut self,
                    key: &str,
                    map: &mut A,
                    cx: &mut #rt::Cx,
                ) -> ::core::result::Result<bool, A::Error> {
                    #field
                }
                fn extra(&mut self) -> ::core::option::Option<&mut #rt::serde_json::Map<::std::string::String, #rt::serde_json::Value>> {
                    #extra
                }
                fn raw_id(&self) -> u64 {
                    #raw_id
                }
            }

            impl<'de> #rt::serde::Deserialize<'de> for #ty {
                fn deserialize<D: #rt::serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                    #rt::decode_record(d)
                }
            }
        }
    }
}

/// `map.entry(..)` for each of `fields`: those set (or received) are written, the rest left out.
pub(crate) fn entries(fields: &[&FieldDef]) -> Vec<TokenStream> {
    fields
        .iter()
        .map(|f| {
            let name = ident(&f.ident());
            let key = &f.api_name;
            quote!(map.entry(#key, &self.#name);)
        })
        .collect()
}

/// `impl Serialize for #ty`: a map of `writes` (`map.entry(..);`, see the runtime's
/// `MapWriter`), shared by the record, the create body and the patch.
pub(crate) fn serialize_impl(
    rt: &TokenStream,
    ty: &impl ToTokens,
    writes: impl IntoIterator<Item = TokenStream>,
) -> TokenStream {
    let writes = writes.into_iter();
    quote! {
        impl #rt::serde::Serialize for #ty {
            fn serialize<S: #rt::serde::Serializer>(&self, s: S) -> ::core::result::Result<S::Ok, S::Error> {
                let mut map = #rt::MapWriter::start(s)?;
                #(#writes)*
                map.end()
            }
        }
    }
}
