//! The crate's error type, and the API's error envelope `{"type", "code", "message"}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// Everything that can go wrong, both while starting the sandbox and while answering a request.
///
/// Request-level variants render as the API's own error envelope; start-up variants
/// ([`Error::Schema`], [`Error::Io`], [`Error::Db`] outside a request) are for the caller.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The dictionary snapshot could not be loaded.
    #[error("cannot load the dictionaries: {0}")]
    Schema(#[from] crm_schema::Error),
    /// A socket or file operation failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// SQLite failed.
    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),
    /// The request is malformed (400).
    #[error("{0}")]
    BadRequest(String),
    /// The object name is not served (the original answers 500 with this message).
    #[error("Invalid record type ({0})")]
    InvalidRecordType(String),
    /// No such record, list or page (404).
    #[error("{0}")]
    NotFound(String),
    /// The HTTP method is not allowed on this path (405).
    #[error("{0}")]
    MethodNotAllowed(String),
    /// The body is larger than allowed (413).
    #[error("{0}")]
    TooLarge(String),
    /// The body's content type is not accepted (415).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Field validation failed (422): field name -> list of `{Rule: [params]}`.
    #[error("The given data was invalid.")]
    Validation(Map<String, Value>),
    /// A rate limit or the daily quota was hit (429), with seconds to wait.
    #[error("{message}")]
    TooManyRequests {
        /// Human message.
        message: String,
        /// Value of `Retry-After`, in seconds.
        retry_after: u64,
    },
    /// An injected or genuine server failure (500 or 503).
    #[error("{message}")]
    Server {
        /// 500 or 503.
        status: u16,
        /// Human message.
        message: String,
    },
    /// A blocking task failed to complete.
    #[error("internal task failed: {0}")]
    Join(String),
}

#[derive(serde::Serialize)]
struct Envelope<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    code: u16,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    validation: Option<&'a Map<String, Value>>,
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Error::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Server { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
            Error::InvalidRecordType(_)
            | Error::Schema(_)
            | Error::Io(_)
            | Error::Db(_)
            | Error::Join(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The envelope body: `{"type", "code", "message"}` (+ `"validation"` for 422), keys in
    /// the documentation's order.
    pub fn body(&self) -> Value {
        serde_json::to_value(self.envelope()).unwrap_or(Value::Null)
    }

    fn envelope(&self) -> Envelope<'_> {
        let kind = match self {
            Error::Validation(_) => "Validation error",
            Error::TooManyRequests { .. } => "Too Many Requests",
            Error::Server { .. }
            | Error::Db(_)
            | Error::Join(_)
            | Error::Io(_)
            | Error::Schema(_) => "Server error",
            _ => "Invalid Request error",
        };
        let validation = match self {
            Error::Validation(fields) => Some(fields),
            _ => None,
        };
        Envelope {
            kind,
            code: self.status().as_u16(),
            message: self.to_string(),
            validation,
        }
    }

    /// A 422 for one field and one rule, e.g. `validation("name", "Required", [])`.
    pub fn validation_one(field: &str, rule: &str, params: Vec<Value>) -> Error {
        let mut m = Map::new();
        m.insert(field.to_owned(), json!([{ rule: params }]));
        Error::Validation(m)
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if matches!(self, Error::Db(_) | Error::Join(_) | Error::Io(_)) {
            tracing::error!(error = %self, "request failed");
        }
        let body = serde_json::to_vec(&self.envelope()).unwrap_or_default();
        let mut resp = (
            self.status(),
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
        if let Error::TooManyRequests { retry_after, .. } = &self {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
        }
        resp
    }
}
