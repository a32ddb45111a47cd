//! Integration tests of the `crm` command line and its library.

mod commands;
mod refresh;
