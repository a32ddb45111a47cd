//! `refresh-schema`: snapshot a tenant's data dictionary and lookups into canonical files,
//! atomically, with a semantic drift report. Shared by `crm refresh-schema` and
//! `cargo xtask refresh-schema`.

pub mod command;
mod fetch;
mod run;
pub mod swap;

pub use fetch::{FetchError, Skipped, Tenant, add_on};
pub use run::{Options, RefreshError, Report, refresh, refresh_with_hook};
