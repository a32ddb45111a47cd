//! The CRM data-dictionary model: loading, validation, canonical writing and identifier naming.
//!
//! This crate is the foundation every other crate reads: the macro (`crm-codegen`), the
//! emulator (`crm-sandbox`) and the refresh command all go through [`load`] and
//! [`canonical::to_canonical_string`]. It has no syn, no HTTP and no async.
//!
//! The pipeline is fixed: bytes -> JSON ([`load::parse_object`]) -> model ([`model`]) -> checks
//! ([`validate`]); raw tenant responses enter through [`raw`] and leave through the same checks.
//! Naming rules are in [`naming`].

pub mod canonical;
pub mod diff;
pub mod error;
mod json;
pub mod load;
pub mod model;
pub mod naming;
pub mod raw;
pub mod validate;

pub use error::{Error, Problem, Result};
pub use load::{load, load_file};
pub use model::{
    Dictionary, FieldDef, FieldType, LookupList, LookupValue, ObjectDef, Provenance, Source,
};

/// The eleven standard objects of API v4, in the documentation's order.
pub const STANDARD_OBJECTS: &[&str] = &[
    "accounts",
    "activities",
    "contacts",
    "campaigns",
    "campaigndetails",
    "campaignstages",
    "cases",
    "documents",
    "opportunities",
    "opportunityhistories",
    "opportunity_lines",
];
