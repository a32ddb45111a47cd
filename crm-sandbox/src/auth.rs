//! Bearer-token check on every route, answering as the real service does (403) or as the
//! documentation says (402).

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::config::AuthMode;

/// Compares without stopping at the first difference, so response time says nothing about
/// how much of a guessed token was right.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
fn bearer(req: &Request) -> Option<&str> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The answer to a missing or wrong token.
pub(crate) fn rejection(mode: AuthMode) -> Response {
    match mode {
        AuthMode::Forbidden403 => (StatusCode::FORBIDDEN, Json(json!({"message": "Unauthenticated."}))).into_response(),
        AuthMode::Documented402 => (
            StatusCode::PAYMENT_REQUIRED,
            Json(json!({"type": "Forbidden", "code": 402, "message": "Please check your access token"})),
        )
            .into_response(),
    }
}

/// The object a path is about: `/cases/7`, `/datadictionary/cases`, `/lookup/cases/status`.
fn object_of(path: &str) -> Option<&str> {
    let mut segments = path.trim_start_matches('/').split('/');
    match segments.next()? {
        "datadictionary" | "lookup" => segments.next(),
        first => Some(first),
    }
}

/// What a tenant answers for an object its plan does not include.
fn not_on_plan(object: &str) -> Response {
    let message = format!("Your plan does not include this record type ({object})");
    (
        StatusCode::FORBIDDEN,
        Json(json!({"type": "Forbidden", "code": 403, "message": message})),
    )
        .into_response()
}

/// Middleware: lets the request through only with the configured token, and only to objects
/// the emulated plan includes.
pub(crate) async fn layer(State(state): State<crate::State>, req: Request, next: Next) -> Response {
    let config = state.config();
    match bearer(&req) {
        Some(t) if same(t.as_bytes(), config.token.as_bytes()) => {
            match object_of(req.uri().path())
                .filter(|o| config.gated_objects.iter().any(|g| g == o))
            {
                Some(object) => not_on_plan(object),
                None => next.run(req).await,
            }
        }
        _ => rejection(config.auth_mode),
    }
}
