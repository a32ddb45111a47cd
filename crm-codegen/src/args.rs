//! The arguments of `schema!`: `schema!("dictionaries", objects = ["accounts"], crate = path)`.

use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{LitStr, Token};

/// Parsed `schema!` arguments.
pub struct SchemaArgs {
    /// The snapshot directory (or file), relative to the invoking crate's manifest directory.
    pub path: LitStr,
    /// Only these objects, by API name, as written (errors about one point at it).
    pub objects: Option<Vec<LitStr>>,
    /// The runtime crate path, when it is re-exported.
    pub krate: Option<syn::Path>,
}

impl Parse for SchemaArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let path: LitStr = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected the snapshot directory: `schema!(\"dictionaries\")`",
            )
        })?;
        let mut args = SchemaArgs {
            path,
            objects: None,
            krate: None,
        };
        while input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            if input.peek(Token![crate]) {
                input.parse::<Token![crate]>()?;
                input.parse::<Token![=]>()?;
                args.krate = Some(input.parse()?);
                continue;
            }
            let key: syn::Ident = input.parse()?;
            if key != "objects" {
                return Err(syn::Error::new(
                    key.span(),
                    "unknown option; expected `objects = [\"accounts\", ...]` or `crate = path`",
                ));
            }
            input.parse::<Token![=]>()?;
            let list;
            syn::bracketed!(list in input);
            let names = Punctuated::<LitStr, Token![,]>::parse_terminated(&list)?;
            args.objects = Some(names.into_iter().collect());
        }
        if !input.is_empty() {
            return Err(input.error("unexpected input after the options"));
        }
        Ok(args)
    }
}
