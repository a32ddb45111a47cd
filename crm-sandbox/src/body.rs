//! Reading request bodies: size limits, content types and JSON objects, with every failure
//! answered in the error envelope.

use axum::extract::{Form, FromRequest, Request};
use axum::http::header;
use serde_json::value::RawValue;
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

/// Replaces every top-level JSON number by its own text, which `Value` would have read
/// through an `f64` (`98765432109876.55` becomes `…56`, `0.10` becomes `0.1`). Every field type
/// reads numeric text as it reads the number, and a decimal keeps the digits sent.
fn exact_numbers(bytes: &[u8], map: &mut Map<String, Value>) {
    if let Ok(fields) =
        serde_json::from_slice::<std::collections::BTreeMap<String, Box<RawValue>>>(bytes)
    {
        for (key, value) in fields {
            if value
                .get()
                .starts_with(|c: char| c == '-' || c.is_ascii_digit())
            {
                map.insert(key, Value::String(value.get().to_owned()));
            }
        }
    }
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
        Ok(Value::Object(mut m)) => {
            exact_numbers(&bytes, &mut m);
            Ok(m)
        }
        Ok(_) => Err(Error::BadRequest(
            "The request body must be a JSON object of fields".into(),
        )),
        Err(e) => Err(Error::BadRequest(format!(
            "Invalid JSON in the request body: {e}"
        ))),
    }
}
