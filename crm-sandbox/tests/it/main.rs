//! Integration tests of the sandbox: in-process router tests, socket tests, the documentation
//! replay and a randomized test of the `q` parser.

mod adapter;
mod admin;
mod common;
mod conformance;
mod documents;
mod faults;
mod fuzz;
mod keyset;
mod meta;
mod query;
mod routes;
mod socket;
mod stamps;
mod validation;
