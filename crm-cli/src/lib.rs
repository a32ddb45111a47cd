//! The library behind the `crm` command line, also used by `cargo xtask`: the client from the
//! environment, error wording, `check`, `refresh-schema`, and the CSV codec of records.

pub mod check;
pub mod codegen;
pub mod csv;
pub mod import;
pub mod refresh;
pub mod sync;

use crm_runtime::Client;

/// A failure, already worded for the user as one line.
pub type Failure = String;

/// The error and its causes on one line: the runtime's `Display` leaves the cause (a refused
/// connection, say) to `source()`, which a person at a terminal wants to see.
pub fn explain(e: crm_runtime::Error) -> Failure {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

/// A client for `base_url` with the token from `CRM_TOKEN` (never from a flag).
pub fn client(base_url: &str) -> Result<Client, Failure> {
    Client::builder()
        .base_url(base_url)
        .user_agent(concat!("crm-cli/", env!("CARGO_PKG_VERSION")))
        .token_from_env()
        .and_then(crm_runtime::ClientBuilder::build)
        .map_err(explain)
}

/// One record per line. JSON strings cannot hold a raw line break, so any in a record's text
/// is insignificant whitespace and is dropped; everything else stays byte for byte.
pub fn one_line(json: &str) -> std::borrow::Cow<'_, str> {
    if json.contains(['\n', '\r']) {
        json.replace(['\n', '\r'], "").into()
    } else {
        json.into()
    }
}
