//! Document files: multipart upload (`POST /documents`) and download
//! (`GET /documents/{id}/content`), capped at 50 MB per file like the CRM.

use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use crm_schema::ObjectDef;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::write::{self, Mode};

/// `Content-Disposition` for a file name: a quoted ASCII fallback plus the exact UTF-8 name
/// (RFC 6266), since uploaded names are often not ASCII.
fn disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if ascii == name {
        return format!("attachment; filename=\"{name}\"");
    }
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

fn bad_multipart(e: impl std::fmt::Display) -> Error {
    Error::BadRequest(format!("Invalid multipart body: {e}"))
}

/// Reads the multipart parts: the file (the part with a file name) and the record's fields.
pub(crate) async fn upload(
    state: crate::State,
    object: ObjectDef,
    req: Request,
) -> Result<Response> {
    let cap = state.config().max_document_bytes;
    let mut multipart = Multipart::from_request(req, &())
        .await
        .map_err(|e| bad_multipart(e.body_text()))?;
    let mut fields = Map::new();
    let mut file: Option<(String, String, Vec<u8>)> = None;
    while let Some(mut part) = multipart
        .next_field()
        .await
        .map_err(|e| size_or_bad(e, cap))?
    {
        let name = part.name().unwrap_or("").to_owned();
        if let Some(filename) = part.file_name().map(str::to_owned) {
            let mime = part
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_owned();
            let mut bytes = Vec::new();
            while let Some(chunk) = part.chunk().await.map_err(|e| size_or_bad(e, cap))? {
                if bytes.len() + chunk.len() > cap {
                    return Err(too_large(cap));
                }
                bytes.extend_from_slice(&chunk);
            }
            file = Some((filename, mime, bytes));
        } else {
            let text = part.text().await.map_err(|e| size_or_bad(e, cap))?;
            fields.insert(name, Value::String(text));
        }
    }
    let Some((filename, mime, bytes)) = file else {
        return Err(Error::validation_one("file", "Required", vec![]));
    };
    if object.field("filename").is_some() && !fields.contains_key("filename") {
        fields.insert("filename".into(), Value::String(filename.clone()));
    }
    let uid = state.config().user_id;
    let o = object.clone();
    let record = state
        .blocking(move |store| {
            let values = write::prepare(&o, &fields, Mode::Create, store, uid)?;
            let id = store.insert_document(&o, &values, &filename, &mime, &bytes)?;
            store
                .get(&o, id)?
                .ok_or_else(|| Error::NotFound("Record not found".into()))
        })
        .await?;
    let env = crate::record::envelope(
        &object.api_name,
        &crate::record::record_type(&object),
        record,
        false,
    );
    Ok((StatusCode::CREATED, axum::Json(env)).into_response())
}

fn too_large(cap: usize) -> Error {
    Error::TooLarge(format!(
        "The file is larger than the {} MB ({cap} bytes) limit",
        cap / (1024 * 1024)
    ))
}

fn size_or_bad(e: axum::extract::multipart::MultipartError, cap: usize) -> Error {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(cap)
    } else {
        bad_multipart(e.body_text())
    }
}

/// `GET /documents/{id}/content`: the bytes, with the file name in `Content-Disposition`.
pub(crate) async fn content(
    State(state): State<crate::State>,
    Path(id): Path<String>,
) -> Result<Response> {
    let object = state.object("documents")?.clone();
    let id: i64 = id
        .trim()
        .parse()
        .map_err(|_| Error::NotFound("Record not found".into()))?;
    let found = state
        .blocking(move |store| {
            if store.get(&object, id)?.is_none() {
                return Err(Error::NotFound("Record not found".into()));
            }
            store.document_content(id)
        })
        .await?;
    let (filename, mime, bytes) =
        found.ok_or_else(|| Error::NotFound(format!("Document {id} has no content")))?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&mime)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition(&filename)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
