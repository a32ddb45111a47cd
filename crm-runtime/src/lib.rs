//! The typed client for the Spotler CRM API v4.
//!
//! Generated code (from `crm-derive`) implements the traits of [`record`]; the client moves those
//! types over HTTP. Filters and ordering are typed per object ([`filter`], [`order`]).

pub mod filter;
pub mod kind;
pub mod order;
mod projection;
pub mod record;
pub mod types;
pub mod typestate;
mod wire;

#[doc(hidden)]
pub mod __private;

pub use filter::Filter;
pub use order::Order;
pub use record::{
    Create, ExternalId, HasLines, Id, LookupEnum, LookupField, Object, Patch, Record, UserId,
};
pub use types::{Date, DateTime, Decimal};

#[cfg(feature = "derive")]
pub use crm_derive::{Record, schema};
