//! Integration tests of the `crm` command line and its library.

// Test helpers unwrap: a failed setup step should stop the test with its own error.
#![allow(clippy::unwrap_used)]

mod check;
mod codegen;
mod commands;
mod csv;
mod export;
mod hostile;
mod import;
mod pages;
mod provenance;
mod refresh;
mod sync;
