//! Adapters from what a tenant returns (`GET /datadictionary/{object}`, `GET /lookup/...`) to
//! the model.
//!
//! Being completed by the raw-adapter work of issue 2; the signatures below are the contract the
//! runtime and the refresh command build on.

use crate::error::{Problem, Result};
use crate::model::{LookupValue, ObjectDef, Source};

/// Parses the body of `GET /datadictionary/{object}` into an object definition (lookup lists
/// left empty, to be filled from `GET /lookup/{object}/{field}`). `source` and `fetched_at`
/// become its provenance.
pub fn dictionary_from_response(
    object: &str,
    body: &[u8],
    source: Source,
    fetched_at: Option<String>,
) -> Result<ObjectDef> {
    let _ = (object, body, source, fetched_at);
    Err(crate::Error::new(vec![Problem::at(
        "",
        "raw dictionary adapter not implemented yet",
    )]))
}

/// Parses the body of `GET /lookup/{object}/{field}` into lookup values.
pub fn lookup_values_from_response(body: &[u8]) -> Result<Vec<LookupValue>> {
    let _ = body;
    Err(crate::Error::new(vec![Problem::at(
        "",
        "raw lookup adapter not implemented yet",
    )]))
}
