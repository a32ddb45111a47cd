//! `#[derive(Record)]`: a user's own struct as a projection of one object.
//!
//! ```ignore
//! #[derive(crm_runtime::Record)]
//! #[crm(object = "accounts", dictionary = "dictionaries")]
//! struct AccountName {
//!     id: crm_runtime::Id<AccountName>,
//!     name: Option<String>,
//!     #[crm(rename = "addresscounty/state")]
//!     county: Option<String>,
//! }
//! ```
//!
//! Every field must exist in the object (by its Rust name or `rename`), with a compatible type;
//! else the error is spanned on that field and suggests the closest field name. The struct
//! becomes its own object type (same API name and fingerprint), so it is listed and filtered
//! like a generated type; `#[crm(object_type = path::Account)]` instead makes it a record of an
//! existing generated object type, sharing that type's filter fields.

use crm_schema::{FieldDef, FieldType, ObjectDef};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

/// What the derive's attributes ask for, before the dictionary is read.
pub struct Spec {
    /// API name of the object (`accounts`).
    pub object: String,
    /// Snapshot directory, relative to the invoking crate's manifest.
    pub dictionary: String,
    /// The span of `object = "..."`, for errors about the object.
    pub object_span: Span,
    /// A generated object type to belong to, instead of being one's own object.
    pub object_type: Option<syn::Path>,
    /// The runtime crate path.
    pub krate: syn::Path,
}

fn lit_str(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<syn::LitStr> {
    meta.value()?.parse()
}

/// Reads `#[crm(object = "...", dictionary = "...", object_type = Path, crate = path)]`.
pub fn parse(input: &syn::DeriveInput) -> syn::Result<Spec> {
    let mut object = None;
    let mut dictionary = None;
    let mut object_type = None;
    let mut krate: syn::Path = syn::parse_quote!(::crm_runtime);
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("crm")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("object") {
                object = Some(lit_str(&meta)?);
            } else if meta.path.is_ident("dictionary") {
                dictionary = Some(lit_str(&meta)?.value());
            } else if meta.path.is_ident("object_type") {
                object_type = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("crate") {
                krate = meta.value()?.parse()?;
            } else {
                return Err(meta.error("unknown `crm` option; expected `object`, `dictionary`, `object_type` or `crate`"));
            }
            Ok(())
        })?;
    }
    let object = object.ok_or_else(|| {
        syn::Error::new(
            input.ident.span(),
            "a projection names its object: `#[crm(object = \"accounts\")]`",
        )
    })?;
    Ok(Spec {
        object_span: object.span(),
        object: object.value(),
        dictionary: dictionary.unwrap_or_else(|| "dictionaries".to_owned()),
        object_type,
        krate,
    })
}

/// The Rust-side name a projection field is matched by: its `rename`, or its identifier.
fn wire_name(field: &syn::Field) -> syn::Result<(String, Span)> {
    let mut rename = None;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("crm")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let lit = lit_str(&meta)?;
                rename = Some((lit.value(), lit.span()));
                Ok(())
            } else {
                Err(meta.error("unknown `crm` field option; expected `rename = \"<API name>\"`"))
            }
        })?;
    }
    match (rename, &field.ident) {
        (Some(r), _) => Ok(r),
        (None, Some(i)) => Ok((i.to_string().trim_start_matches("r#").to_owned(), i.span())),
        (None, None) => Err(syn::Error::new(
            field.span(),
            "a projection has named fields",
        )),
    }
}

/// Finds a dictionary field by API name, or by the Rust identifier the generated type uses.
fn lookup<'a>(object: &'a ObjectDef, name: &str) -> Option<&'a FieldDef> {
    object
        .field(name)
        .or_else(|| object.fields.iter().find(|f| f.ident() == name))
}

/// The field name closest to `name`, if any is close.
fn suggest(object: &ObjectDef, name: &str) -> Option<String> {
    object
        .fields
        .iter()
        .flat_map(|f| [f.api_name.clone(), f.ident()])
        .map(|candidate| (crm_schema::text::edit_distance(name, &candidate), candidate))
        .filter(|(d, c)| *d <= (c.len().max(name.len()) / 3).max(1))
        .min()
        .map(|(_, c)| c)
}

/// The runtime's marker of a field's kind (`kind::Text`); ids are decoded apart.
fn kind(ty: &FieldType) -> &'static str {
    ty.class().value.marker().unwrap_or("Unknown")
}

/// The projection's impls. On errors it still emits the trait impls (with every field left
/// unread), so that one mistake gives one error and not a cascade where the type is used.
pub fn expand(
    input: &syn::DeriveInput,
    spec: &Spec,
    object: &ObjectDef,
    tracked_file: &str,
) -> TokenStream {
    let krate = &spec.krate;
    let rt = quote!(#krate::__private);
    let name = &input.ident;
    let mut errors: Vec<syn::Error> = Vec::new();
    if !input.generics.params.is_empty() {
        errors.push(syn::Error::new(
            input.generics.span(),
            "a projection cannot be generic",
        ));
    }
    let fields: Vec<&syn::Field> = match &input.data {
        syn::Data::Struct(syn::DataStruct {
            fields: syn::Fields::Named(named),
            ..
        }) => named.named.iter().collect(),
        _ => {
            // No fallback impls: they would construct the type as a struct and add errors.
            let message = "`#[derive(Record)]` works on a struct with named fields";
            return syn::Error::new(input.ident.span(), message).to_compile_error();
        }
    };
    let object_ty = match &spec.object_type {
        Some(path) => quote!(#path),
        None => quote!(#name),
    };
    let mut arms = Vec::new();
    let mut empty = Vec::new();
    let mut id_member = None;
    for field in fields {
        let Some(member) = &field.ident else { continue };
        let is_id = wire_name(field)
            .ok()
            .and_then(|(w, _)| lookup(object, &w))
            .is_some_and(|d| d.ty == FieldType::Id);
        empty.push(if is_id {
            quote!(#member: #rt::Id::new(0),)
        } else {
            quote!(#member: ::core::default::Default::default(),)
        });
        let (wire, span) = match wire_name(field) {
            Ok(w) => w,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let Some(def) = lookup(object, &wire) else {
            let hint = match suggest(object, &wire) {
                Some(s) => format!("; did you mean `{s}`?"),
                None => String::new(),
            };
            errors.push(syn::Error::new(
                span,
                format!("`{}` has no field `{wire}`{hint} (name a field by its API name with `#[crm(rename = \"...\")]`)", object.api_name),
            ));
            continue;
        };
        let key = &def.api_name;
        let ty = &field.ty;
        if def.ty == FieldType::Id {
            id_member = Some(member.clone());
            arms.push(quote_spanned!(ty.span()=> #key => #rt::id_field::<#object_ty, _>(&mut self.#member, map, cx),));
        } else {
            let k = syn::Ident::new(kind(&def.ty), Span::call_site());
            arms.push(quote_spanned!(ty.span()=> #key => #rt::project::<#rt::kind::#k, #ty, _>(&mut self.#member, #key, map, cx),));
        }
    }
    let id_expr = match &id_member {
        Some(m) => quote!(self.#m),
        None => {
            if errors.is_empty() {
                errors.push(syn::Error::new(
                    input.ident.span(),
                    format!(
                        "a projection keeps the record id: add `id: {}::Id<{}>`",
                        quote!(#krate).to_string().replace(' ', ""),
                        quote!(#object_ty).to_string().replace(' ', "")
                    ),
                ));
            }
            quote!(#rt::Id::new(0))
        }
    };
    let api = &object.api_name;
    let object_impl = spec
        .object_type
        .is_none()
        .then(|| crate::records::object_impl(&rt, name, object));
    let object_check = spec.object_type.as_ref().map(|path| {
        let message = format!("`object_type` must be the generated type of `{api}`");
        quote! {
            const _: () = ::core::assert!(#rt::str_eq(<#path as #rt::Object>::API_NAME, #api), #message);
        }
    });
    // After an error, decode nothing: the impls only exist to keep the rest of the crate quiet.
    let field_body = if errors.is_empty() {
        quote! {
            match key {
                #(#arms)*
                _ => ::core::result::Result::Ok(false),
            }
        }
    } else {
        quote! {
            let _ = (key, map, cx);
            ::core::result::Result::Ok(false)
        }
    };
    let id_expr = if errors.is_empty() {
        id_expr
    } else {
        quote!(#rt::Id::new(0))
    };
    let decoder = crate::records::Decoder {
        api,
        empty: quote!(#name { #(#empty)* }),
        field: field_body,
        extra: quote!(::core::option::Option::None),
        raw_id: quote!(#rt::Record::id(self).get()),
    }
    .impls(&rt, name);
    let errors = errors.iter().map(syn::Error::to_compile_error);
    quote! {
        #(#errors)*
        const _: () = {
            const _: &[u8] = ::core::include_bytes!(#tracked_file);
            #object_impl
            #object_check
            impl #rt::Record for #name {
                type Object = #object_ty;
                fn id(&self) -> #rt::Id<#object_ty> {
                    #id_expr
                }
            }
            #decoder
        };
    }
}
