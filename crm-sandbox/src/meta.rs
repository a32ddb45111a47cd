//! `GET /datadictionary/{object}`, `GET /lookup/{object}/{field}` and
//! `PATCH /lookup/{list_name}`.

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::shapes;

/// Longest value accepted into a lookup list.
const MAX_LOOKUP_VALUE: usize = 255;

/// `GET /datadictionary/{object}` in the configured shape.
pub(crate) async fn dictionary(
    State(state): State<crate::State>,
    Path(object): Path<String>,
) -> Result<Response> {
    let object = state.object(&object)?;
    let body = shapes::dictionary_body(object, state.config().dictionary_shape);
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// `GET /lookup/{object}/{field}` in the configured shape, with appended values.
pub(crate) async fn lookup(
    State(state): State<crate::State>,
    Path((object, field)): Path<(String, String)>,
) -> Result<Response> {
    let o = state.object(&object)?;
    let f = o
        .field(&field)
        .ok_or_else(|| Error::BadRequest(format!("Invalid field ({field}) for {}", o.api_name)))?;
    let list = f.lookup.as_ref().ok_or_else(|| {
        Error::NotFound(format!(
            "Field ({field}) of {} has no lookup list",
            o.api_name
        ))
    })?;
    let name = list.list_name.clone();
    let n = name.clone();
    let values = state.blocking(move |s| s.lookup_entries(&n)).await?;
    Ok(Json(shapes::lookup_body(
        &o.api_name,
        &field,
        &name,
        &values,
        state.config().lookup_shape,
    ))
    .into_response())
}

/// `PATCH /lookup/{list_name}` with `{"items": [...]}`: appends the values, answers with the
/// documented `{"message": "Lookup values added", "items": [{"value", "id"}]}`.
pub(crate) async fn append(
    State(state): State<crate::State>,
    Path(list_name): Path<String>,
    req: Request,
) -> Result<Response> {
    let known = state
        .dictionary()
        .iter()
        .flat_map(|o| o.fields.iter())
        .any(|f| f.lookup.as_ref().is_some_and(|l| l.list_name == list_name));
    if !known {
        return Err(Error::NotFound(format!(
            "Lookup list not found ({list_name})"
        )));
    }
    let body = crate::body::fields(req, state.config().max_body_bytes).await?;
    let items = match body.get("items") {
        None | Some(Value::Null) => return Err(Error::validation_one("items", "Required", vec![])),
        Some(Value::Array(a)) if a.is_empty() => {
            return Err(Error::validation_one("items", "Required", vec![]));
        }
        Some(Value::Array(a)) => a,
        Some(_) => return Err(Error::validation_one("items", "Array", vec![])),
    };
    let mut values = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item {
            Value::String(s) if !s.trim().is_empty() && s.chars().count() <= MAX_LOOKUP_VALUE => {
                values.push(s.trim().to_owned())
            }
            Value::String(s) if !s.trim().is_empty() => {
                return Err(Error::validation_one(
                    &format!("items.{i}"),
                    "Max",
                    vec![json!(MAX_LOOKUP_VALUE)],
                ));
            }
            Value::String(_) => {
                return Err(Error::validation_one(
                    &format!("items.{i}"),
                    "Required",
                    vec![],
                ));
            }
            _ => {
                return Err(Error::validation_one(
                    &format!("items.{i}"),
                    "String",
                    vec![],
                ));
            }
        }
    }
    let v = values.clone();
    state
        .blocking(move |s| s.append_lookup(&list_name, &v))
        .await?;
    let items: Vec<Value> = values.iter().map(|v| shapes::lookup_item(v)).collect();
    Ok(Json(json!({"message": "Lookup values added", "items": items})).into_response())
}
