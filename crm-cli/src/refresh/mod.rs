//! `refresh-schema`: snapshot a tenant's data dictionary and lookups into canonical files,
//! atomically, with a semantic drift report. Shared by `crm refresh-schema` and
//! `cargo xtask refresh-schema`.

pub mod swap;
