//! Code generation: a validated dictionary model in, a `proc_macro2::TokenStream` out.
//!
//! Filled in by the codegen issue (3); see ARCHITECTURE.md for the pipeline.
