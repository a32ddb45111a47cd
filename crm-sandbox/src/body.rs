//! Reading request bodies: size limits, content types and JSON objects, with every failure
//! answered in the error envelope.

use axum::extract::{Form, FromRequest, Request};
use axum::http::header;
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// The media type of a request, lower-cased and without parameters; `None` when absent.
pub(crate) fn media_type(req: &Request) -> Option<String> {
    let v = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        v.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    )
}

/// Reads a create/update body: a JSON object (also accepted without a content type), or
/// form-encoded fields, which one public client sends on PATCH.
pub(crate) async fn fields(req: Request, limit: usize) -> Result<Map<String, Value>> {
    match media_type(&req).as_deref() {
        None | Some("application/json") => {}
        Some(t) if t.ends_with("+json") => {}
        Some("application/x-www-form-urlencoded") => {
            let Form(pairs) = Form::<Vec<(String, String)>>::from_request(req, &())
                .await
                .map_err(|e| Error::BadRequest(format!("Invalid form body: {}", e.body_text())))?;
            return Ok(pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect());
        }
        Some(other) => {
            return Err(Error::UnsupportedMediaType(format!(
                "Unsupported content type ({other}); send application/json"
            )));
        }
    }
    let bytes = axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| Error::TooLarge(format!("The request body is larger than {limit} bytes")))?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::BadRequest(
            "The request body is empty; send a JSON object of fields".into(),
        ));
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(Error::BadRequest(
            "The request body must be a JSON object of fields".into(),
        )),
        Err(e) => Err(Error::BadRequest(format!(
            "Invalid JSON in the request body: {e}"
        ))),
    }
}
