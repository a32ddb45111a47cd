//! Doc attributes of generated items, written the way `///` comments desugar.
//!
//! `#[doc = "The …"]` renders the same in rustdoc as `/// The …`, but a pretty-printer (the
//! golden files, `crm codegen`) turns it back into `///The …`, and a text with newlines into a
//! `/** … */` block. One attribute per line, each starting with a space, reads as hand-written
//! `///` lines in both.

use proc_macro2::TokenStream;
use quote::quote;

/// The doc attributes of `text`, one per line.
pub(crate) fn doc(text: &str) -> TokenStream {
    let lines = text.lines().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}
