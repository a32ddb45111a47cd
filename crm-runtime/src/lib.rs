//! The typed client for the Spotler CRM API v4.
//!
//! Generated code (from `crm-derive`) implements the traits of [`record`]; the client moves those
//! types over HTTP. Filters and ordering are typed per object ([`filter`], [`order`]).
//!
//! # Design
//! - [`Client`] is built with [`Client::builder`] or [`Client::from_env`]; clones share one
//!   connection pool, rate limiter, concurrency cap and usage counters. Redirects are never
//!   followed: the service answers a bad token by redirecting to its login page, so a 3xx is an
//!   authorisation error. The token is a `secrecy` secret, sent in a header marked sensitive, and
//!   never appears in `Debug`, `Display`, errors or traces.
//! - Every request goes through one place (the transport): pacing (requests per second and a
//!   concurrency cap), the bearer header, one token refresh on 401/402/403/redirect through a
//!   [`TokenProvider`], and the [`RetryPolicy`]. Every method is retried when the server refused
//!   (429, 503; the wait is shared by all requests of the client, which also send fewer at
//!   once) or the connection could not be made; GET, PATCH and DELETE also on 500, 502, 504,
//!   timeouts, lost connections and cut-short bodies. A POST that may have reached the server
//!   is never repeated: it fails with [`ErrorKind::UnknownOutcome`].
//! - Lists: [`Client::list`] (typed) and [`DynObject::list`] (by API name) return a [`Query`];
//!   `.send()` fetches one [`Page`], `.pages()` / `.items()` are lazy streams with the stop rules
//!   of [`paginate`], `.count()` reads `total_count`.
//! - Decoding: pages are decoded straight into the record type; only a failure pays for a second
//!   pass that names object, record id, field, JSON path and value. Lenient decoding (a client
//!   option) is passed to generated code through `__private::LenientGuard`.
//! - One opaque [`Error`] with `is_*()` predicates, a [`kind`](Error::kind) to `match` and
//!   accessors; no reqwest type is public.
//! - [`Usage`] counts calls (every attempt) against an optional budget with threshold callbacks,
//!   and a hook sees every failed call.
//! - Tracing: spans `crm.request` (method, path), `crm.page` (object, page) and `crm.attempt`
//!   (attempt, status, latency_ms). Query strings, bodies and the token are never recorded.

pub mod filter;
pub mod import;
pub mod kind;
pub mod order;
mod projection;
pub mod record;
pub mod types;
pub mod typestate;
mod wire;

mod auth;
mod client;
mod decode;
mod dictionary;
mod documents;
mod error;
mod limit;
mod lookups;
mod number;
mod ops;
pub mod paginate;
mod passthrough;
mod query;
mod raw;
mod redact;
mod retry;
mod scope;
mod transport;
mod usage;

#[doc(hidden)]
pub mod __private;

pub use auth::{BoxFuture, TokenProvider};
pub use client::{Client, ClientBuilder, DEFAULT_BASE_URL};
pub use crm_schema::text::Redactor;
pub use documents::{Download, Upload};
pub use error::{DecodeDetail, Error, ErrorKind, Result, Rule, Validation};
pub use filter::Filter;
pub use lookups::{Appended, AppendedItem};
pub use ops::DynObject;
pub use order::Order;
pub use query::MODIFIED_DATE;
pub use query::{Listable, Page, PageSize, Query};
pub use raw::RawRecord;
pub use record::{
    Create, ExternalId, HasLines, Id, LookupEnum, LookupField, Object, Patch, Record, UserId,
};
pub use retry::RetryPolicy;
pub use secrecy::SecretString;
pub use types::{Date, DateTime, Decimal, ParseValueError};
pub use usage::Usage;

#[cfg(feature = "derive")]
pub use crm_derive::{Record, schema};
