//! Integration tests of the `crm` command line and its library.

mod refresh;
