//! Procedural macros over `crm-codegen`: parse the input, call the library, report errors.
//!
//! Filled in by the codegen issue (3).
