//! Decoding answers: the list envelope into a page, the single-record envelope into a record.
//!
//! Each `serde_json` call runs inside [`LenientGuard`] so generated `Deserialize` impls know
//! whether to fail or to keep an odd value in `extra`. The fast path is a plain `from_slice`;
//! only when it fails is the page decoded again with `serde_path_to_error` and as a `Value` to
//! name the object, record id, field, JSON path and value, so success pays nothing for that.
//! A body that is not JSON at all is located by line and column instead of a path. Every
//! message quoting the body is cleaned here (control characters escaped, `Bearer` credentials
//! masked); the transport masks the token itself.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use crate::error::{DecodeDetail, Error, Kind};
use crate::scope::{self, LenientGuard};
use crate::transport::Failure;
use crm_schema::text::{snippet, without_position};

/// The list envelope: `{"metadata": {...}, "list": [{"metadata": {...}, "record": {...}}]}`.
#[derive(Deserialize)]
struct Envelope<T> {
    #[serde(default)]
    metadata: Option<ListMeta>,
    list: Vec<Item<T>>,
}

#[derive(Deserialize)]
struct Item<T> {
    record: T,
}

/// The single-record envelope of GET, POST and PATCH on one record.
#[derive(Deserialize)]
struct Single<T> {
    record: T,
}

/// What the list metadata says about the rest of the list.
#[derive(Debug, Default, Clone, Copy, Deserialize)]
pub(crate) struct ListMeta {
    #[serde(default, deserialize_with = "opt_u64")]
    pub(crate) total_count: Option<u64>,
    #[serde(default, deserialize_with = "opt_bool")]
    pub(crate) has_more: Option<bool>,
}

/// Tenants send counts as numbers or numeric strings; anything else counts as absent rather
/// than failing a page whose records are fine. Read as raw text: see [`crate::number`].
fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let raw = Box::<serde_json::value::RawValue>::deserialize(d)?;
    Ok(crate::number::whole_in_raw(raw.get()))
}

fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Bool(b) => Some(b),
        serde_json::Value::Number(n) => n.as_u64().map(|n| n != 0),
        serde_json::Value::String(s) => match s.trim() {
            "1" | "true" => Some(true),
            "0" | "false" => Some(false),
            _ => None,
        },
        _ => None,
    })
}

/// Decodes a list page.
pub(crate) fn page<T: DeserializeOwned>(
    object: &str,
    lenient: bool,
    body: &[u8],
) -> Result<(Vec<T>, ListMeta), Failure> {
    let _guard = LenientGuard::enter(lenient);
    match serde_json::from_slice::<Envelope<T>>(body) {
        Ok(env) => Ok((
            env.list.into_iter().map(|i| i.record).collect(),
            env.metadata.unwrap_or_default(),
        )),
        Err(e) => Err(failure::<Envelope<T>>(object, body, &e)),
    }
}

/// Decodes a single-record answer.
pub(crate) fn single<T: DeserializeOwned>(
    object: &str,
    lenient: bool,
    body: &[u8],
) -> Result<T, Failure> {
    let _guard = LenientGuard::enter(lenient);
    match serde_json::from_slice::<Single<T>>(body) {
        Ok(s) => Ok(s.record),
        Err(e) => Err(failure::<Single<T>>(object, body, &e)),
    }
}

/// Decodes any other JSON answer (lookups, dictionary helpers).
pub(crate) fn other<T: DeserializeOwned>(what: &str, body: &[u8]) -> Result<T, Failure> {
    serde_json::from_slice::<T>(body).map_err(|e| failure::<T>(what, body, &e))
}

fn failure<T: DeserializeOwned>(object: &str, body: &[u8], e: &serde_json::Error) -> Failure {
    if body.iter().all(u8::is_ascii_whitespace) {
        // Complete framing around nothing (a 204, an empty 200) is what the server chose to
        // send, not a transfer accident: fetching it again would only get the same nothing.
        return Failure::fatal(Error::new(Kind::Decode).with_detail(format!(
            "the server sent an empty answer where {object} JSON was expected"
        )));
    }
    if e.is_eof() {
        // A body that ends mid-JSON was cut short on the way (a dropped connection with chunked
        // encoding): transient, and safe to fetch again for idempotent requests.
        return Failure::lost(
            Error::new(Kind::ConnectionLost)
                .with_detail(format!("the answer ends early: {e}"))
                .map_server_text(clean),
        );
    }
    Failure::fatal(describe::<T>(object, body, e))
}

fn describe<T: DeserializeOwned>(object: &str, body: &[u8], e: &serde_json::Error) -> Error {
    // Re-run with path tracking, under the same lenient mode as the failed attempt; the guard
    // also clears any failed field left from outside this call.
    let _guard = LenientGuard::enter(scope::lenient_decoding());
    let mut de = serde_json::Deserializer::from_slice(body);
    let (segments, path_text, message) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(pe) => (
            pe.path().iter().cloned().collect::<Vec<_>>(),
            pe.path().to_string(),
            without_position(pe.inner()),
        ),
        Ok(_) => (Vec::new(), String::new(), without_position(e)),
    };
    // Generated decoders fail at the record, and note which field they stopped at.
    let failed_field = scope::failed_field();
    let value: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let mut record_id = None;
    let mut field = None;
    let snippet_text;
    if let Some(value) = &value {
        let mut cur = Some(value);
        let mut record: Option<&serde_json::Value> = None;
        for (i, seg) in segments.iter().enumerate() {
            cur = cur.and_then(|v| match seg {
                serde_path_to_error::Segment::Seq { index } => v.get(index),
                serde_path_to_error::Segment::Map { key } => v.get(key),
                _ => None,
            });
            if let serde_path_to_error::Segment::Map { key } = seg
                && key == "record"
                && record.is_none()
            {
                record = cur;
                if let Some(serde_path_to_error::Segment::Map { key }) = segments.get(i + 1) {
                    field = Some(key.clone());
                }
            }
        }
        record_id = record.and_then(|r| r.get("id")).and_then(crate::number::id);
        if field.is_none() {
            field = failed_field.map(str::to_owned);
            if let (Some(f), Some(r)) = (&field, record) {
                cur = r.get(f.as_str()).or(cur);
            }
        }
        snippet_text = cur.map(|v| snippet(&v.to_string(), 60));
    } else {
        // Not JSON at all: show the text around the failure.
        let text = String::from_utf8_lossy(body);
        let line = text.lines().nth(e.line().saturating_sub(1)).unwrap_or("");
        let start = e.column().saturating_sub(30);
        snippet_text = Some(snippet(
            &line.chars().skip(start).take(60).collect::<String>(),
            60,
        ));
    }
    // Invalid JSON has no JSON path (serde_path_to_error shows `?` for it), but it has a
    // position, which is what a reader needs to find the damage.
    let path_text = if e.is_syntax() {
        format!("line {}, column {}", e.line(), e.column())
    } else if segments.is_empty() || path_text == "?" {
        "(top)".to_owned()
    } else {
        path_text
    };
    Error::new(Kind::Decode)
        .with_decode(DecodeDetail {
            object: object.to_owned(),
            record_id,
            field,
            path: path_text,
            snippet: snippet_text,
        })
        .with_detail(message)
        .map_server_text(clean)
}

fn clean(text: &str) -> String {
    crm_schema::text::Redactor::default().line(text)
}
