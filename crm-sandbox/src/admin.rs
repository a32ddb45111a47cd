//! The admin API under `/__sandbox/` (token required, never counted, never faulted): reset,
//! reseed, call counts and fault settings.

use axum::Json;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::config::Faults;
use crate::error::{Error, Result};

/// Largest record count a reseed may ask for.
const MAX_RECORDS: u32 = 1_000_000;

/// `POST /__sandbox/reset`: all data back to the start-up seed and record count.
pub(crate) async fn reset(State(state): State<crate::State>) -> Result<Response> {
    let (seed, records) = (state.config().seed, state.config().records);
    state.reseed(seed, records).await?;
    Ok(Json(json!({"message": "reset", "seed": seed, "records": records})).into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Reseed {
    seed: Option<u64>,
    records: Option<u32>,
}

/// `POST /__sandbox/reseed` with optional `{"seed": n, "records": n}`.
pub(crate) async fn reseed(State(state): State<crate::State>, req: Request) -> Result<Response> {
    let body = axum::body::to_bytes(req.into_body(), 64 * 1024)
        .await
        .map_err(|_| Error::TooLarge("The request body is too large".into()))?;
    let r: Reseed = if body.iter().all(u8::is_ascii_whitespace) {
        Reseed::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| Error::BadRequest(format!("Invalid reseed body: {e}")))?
    };
    let seed = r.seed.unwrap_or(state.config().seed);
    let records = r.records.unwrap_or(state.config().records);
    if records > MAX_RECORDS {
        return Err(Error::BadRequest(format!(
            "records must be at most {MAX_RECORDS}"
        )));
    }
    state.reseed(seed, records).await?;
    Ok(Json(json!({"message": "reseeded", "seed": seed, "records": records})).into_response())
}

/// `GET /__sandbox/calls`: `{"total": n, "routes": {"GET /accounts": n}}`.
pub(crate) async fn calls(State(state): State<crate::State>) -> Response {
    Json(state.calls()).into_response()
}

/// `DELETE /__sandbox/calls`: counters back to zero.
pub(crate) async fn reset_calls(State(state): State<crate::State>) -> Response {
    state.reset_calls();
    Json(json!({})).into_response()
}

/// `GET /__sandbox/faults`.
pub(crate) async fn faults(State(state): State<crate::State>) -> Response {
    Json(state.faults()).into_response()
}

/// `PUT /__sandbox/faults` with a whole [`Faults`] object (absent members are off); restarts
/// the fault generator and counters so the sequence is reproducible from here.
pub(crate) async fn set_faults(
    State(state): State<crate::State>,
    req: Request,
) -> Result<Response> {
    let body = axum::body::to_bytes(req.into_body(), 64 * 1024)
        .await
        .map_err(|_| Error::TooLarge("The request body is too large".into()))?;
    let faults: Faults = serde_json::from_slice(&body)
        .map_err(|e| Error::BadRequest(format!("Invalid faults body: {e}")))?;
    faults.check().map_err(Error::BadRequest)?;
    state.fault_state().set(faults.clone(), state.config().seed);
    Ok(Json(faults).into_response())
}
