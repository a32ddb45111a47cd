//! Integration tests of crm-runtime: transport, retries, pagination, errors and operations
//! against small in-process axum servers, and end to end against the sandbox.

mod common;
mod echo;
mod errors;
mod hostile;
mod hostile_pages;
mod keyset;
mod pagination;
mod retries;
mod sandbox;
mod since;
mod soak;
mod transport;
mod typed;
