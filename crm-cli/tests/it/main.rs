//! Integration tests of the `crm` command line and its library.

// Test helpers unwrap: a failed setup step should stop the test with its own error.
#![allow(clippy::unwrap_used)]

mod check;
mod commands;
mod csv;
mod hostile;
mod import;
mod pages;
mod provenance;
mod refresh;
