//! The library behind the `crm` command line, also used by `cargo xtask`.

pub mod refresh;
