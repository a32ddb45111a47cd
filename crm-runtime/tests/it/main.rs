//! Integration tests of crm-runtime: transport, retries, pagination, errors and operations
//! against small in-process axum servers, and end to end against the sandbox.

mod common;
mod errors;
mod hostile_pages;
mod keyset;
mod pagination;
mod sandbox;
mod transport;
mod typed;
