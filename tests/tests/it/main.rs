//! Cross-crate tests: the generated API over the committed `dictionaries/` (pass tests), the
//! filter DSL's JSON, projections, and the trybuild UI tests of every compile error we promise.

mod builders;
mod client;
mod downstream;
mod filters;
mod import;
mod lookups;
mod projection;
mod records;
mod ui;
mod values;
