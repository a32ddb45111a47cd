//! Procedural macros over `crm-codegen`: parse the input, call the library, report errors.

use proc_macro::TokenStream;

/// Generates typed modules from a dictionary snapshot.
#[proc_macro]
pub fn schema(input: TokenStream) -> TokenStream {
    let _ = input;
    TokenStream::new()
}

/// Derives a projection.
#[proc_macro_derive(Record, attributes(crm))]
pub fn derive_record(input: TokenStream) -> TokenStream {
    let _ = input;
    TokenStream::new()
}
