//! Record routes: list, get, create, update, delete, nested lists, and the 404/405 answers.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use crm_schema::{FieldType, ObjectDef};
use rusqlite::types::Value as SqlValue;
use serde_json::json;

use crate::error::{Error, Result};
use crate::query::{self, Order, Sql, quote};
use crate::record::{self, Record};
use crate::store::{Page, Store};
use crate::write::{self, Mode};

/// Records per page when `limit` is absent.
pub(crate) const DEFAULT_LIMIT: u64 = 10;
/// Largest `limit`; larger values are lowered to it.
pub(crate) const MAX_LIMIT: u64 = 100;

type Params = std::result::Result<Query<Vec<(String, String)>>, QueryRejection>;

/// The list parameters of a request.
struct ListParams {
    page: Page,
    filter: Sql,
    order: Order,
    lines: bool,
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A positive whole number; digits too large for u64 saturate.
fn number(name: &str, v: &str) -> Result<u64> {
    let v = v.trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::BadRequest(format!(
            "{name} must be a whole number, not ({v})"
        )));
    }
    Ok(v.parse().unwrap_or(u64::MAX))
}

fn list_params(object: &ObjectDef, params: Params) -> Result<ListParams> {
    let Query(params) = params
        .map_err(|e| Error::BadRequest(format!("Invalid query string: {}", e.body_text())))?;
    let limit = match param(&params, "limit") {
        None => DEFAULT_LIMIT,
        Some(v) => match number("limit", v)? {
            0 => return Err(Error::BadRequest("limit must be between 1 and 100".into())),
            n => n.min(MAX_LIMIT),
        },
    };
    // Page 0 is read as page 1, as Laravel's paginator (behind the original) does.
    let page = match param(&params, "page") {
        None => 1,
        Some(v) => number("page", v)?.max(1),
    };
    let offset = (page - 1).saturating_mul(limit);
    let filter = match param(&params, "q") {
        Some(q) if !q.trim().is_empty() => query::parse_filter(object, q)?,
        _ => Sql::all(),
    };
    let order = match param(&params, "order") {
        Some(o) if !o.trim().is_empty() => query::parse_order(object, o)?,
        _ => Order::default(),
    };
    let lines = param(&params, "lines").is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    Ok(ListParams {
        page: Page { limit, offset },
        filter,
        order,
        lines,
    })
}

/// The opportunity-lines object and its link field, when `lines=true` applies to `object`.
fn lines_object(state: &crate::State, object: &ObjectDef, wanted: bool) -> Option<ObjectDef> {
    let lines = crm_schema::objects::LINES;
    if !wanted || object.api_name != lines.parent {
        return None;
    }
    state
        .dictionary()
        .object(lines.line)
        .filter(|o| o.field(lines.parent_field).is_some())
        .cloned()
}

fn attach_lines(store: &Store, lines: &Option<ObjectDef>, records: &mut [Record]) -> Result<()> {
    if let Some(lo) = lines {
        for r in records.iter_mut() {
            let id = r
                .fields
                .get("id")
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(0);
            r.lines = Some(store.children(lo, crm_schema::objects::LINES.parent_field, id)?);
        }
    }
    Ok(())
}

async fn list_response(state: &crate::State, object: ObjectDef, p: ListParams) -> Result<Response> {
    let lines = lines_object(state, &object, p.lines);
    let envelope = state
        .blocking(move |store| {
            let (total, mut records) = store.list(&object, &p.filter, &p.order, p.page)?;
            attach_lines(store, &lines, &mut records)?;
            Ok(list_meta(object, total, records, p.page))
        })
        .await?;
    Ok(Json(envelope).into_response())
}

fn list_meta(
    object: ObjectDef,
    total: u64,
    records: Vec<Record>,
    page: Page,
) -> record::ListEnvelope {
    let has_more = page.offset.saturating_add(records.len() as u64) < total;
    record::list_envelope(
        &object.api_name,
        &record::record_type(&object),
        records,
        total,
        has_more,
    )
}

/// `GET /{object}`.
pub(crate) async fn list(
    State(state): State<crate::State>,
    Path(object): Path<String>,
    params: Params,
) -> Result<Response> {
    let object = state.object(&object)?.clone();
    let p = list_params(&object, params)?;
    list_response(&state, object, p).await
}

/// `GET /{object}/{id}/{child}`: the child records that refer to the parent record.
pub(crate) async fn nested(
    State(state): State<crate::State>,
    Path((parent, id, child)): Path<(String, String, String)>,
    params: Params,
) -> Result<Response> {
    let parent = state.object(&parent)?.clone();
    let child = state.object(&child)?.clone();
    let link = child
        .fields
        .iter()
        .find(
            |f| matches!(&f.ty, FieldType::Reference { target, .. } if *target == parent.api_name),
        )
        .map(|f| f.api_name.clone())
        .ok_or_else(|| {
            Error::NotFound(format!(
                "{} are not linked to {}",
                child.api_name, parent.api_name
            ))
        })?;
    let id = record_id(&id)?;
    let p0 = parent.clone();
    if state.blocking(move |s| s.get(&p0, id)).await?.is_none() {
        return Err(not_found());
    }
    let mut p = list_params(&child, params)?;
    let link = format!(" AND {} = ?", quote(&link));
    p.filter.text = format!("({}){link}", p.filter.text);
    if let Some(s) = &mut p.filter.selective {
        *s = format!("({s}){link}");
    }
    p.filter.params.push(SqlValue::Integer(id));
    list_response(&state, child, p).await
}

fn record_id(id: &str) -> Result<i64> {
    id.trim().parse::<i64>().map_err(|_| not_found())
}

fn not_found() -> Error {
    Error::NotFound("Record not found".into())
}

fn single(object: &ObjectDef, record: Record, status: StatusCode) -> Response {
    let env = record::envelope(
        &object.api_name,
        &record::record_type(object),
        record,
        false,
    );
    (status, Json(env)).into_response()
}

/// `GET /{object}/{id}`.
pub(crate) async fn get(
    State(state): State<crate::State>,
    Path((object, id)): Path<(String, String)>,
    params: Params,
) -> Result<Response> {
    let object = state.object(&object)?.clone();
    let p = list_params(&object, params)?;
    let id = record_id(&id)?;
    let lines = lines_object(&state, &object, p.lines);
    let o = object.clone();
    let record = state
        .blocking(move |store| {
            let Some(r) = store.get(&o, id)? else {
                return Ok(None);
            };
            let mut rs = [r];
            attach_lines(store, &lines, &mut rs)?;
            let [r] = rs;
            Ok(Some(r))
        })
        .await?
        .ok_or_else(not_found)?;
    Ok(single(&object, record, StatusCode::OK))
}

/// `POST /{object}`; multipart posts to `documents` are uploads.
pub(crate) async fn create(
    State(state): State<crate::State>,
    Path(object): Path<String>,
    req: Request,
) -> Result<Response> {
    let object = state.object(&object)?.clone();
    if crate::body::media_type(&req).as_deref() == Some("multipart/form-data")
        && object.api_name == "documents"
    {
        return crate::documents::upload(state, object, req).await;
    }
    let body = crate::body::fields(req, state.config().max_body_bytes).await?;
    let uid = state.config().user_id;
    let o = object.clone();
    let record = state
        .blocking(move |store| {
            let values = write::prepare(&o, &body, Mode::Create, store, uid)?;
            let id = store.insert(&o, &values)?;
            store.get(&o, id)?.ok_or_else(not_found)
        })
        .await?;
    Ok(single(&object, record, StatusCode::CREATED))
}

/// `PATCH /{object}/{id}`.
pub(crate) async fn update(
    State(state): State<crate::State>,
    Path((object, id)): Path<(String, String)>,
    req: Request,
) -> Result<Response> {
    let object = state.object(&object)?.clone();
    let id = record_id(&id)?;
    let body = crate::body::fields(req, state.config().max_body_bytes).await?;
    let uid = state.config().user_id;
    let o = object.clone();
    let record = state
        .blocking(move |store| {
            if store.get(&o, id)?.is_none() {
                return Err(not_found());
            }
            let values = write::prepare(&o, &body, Mode::Update, store, uid)?;
            store.update(&o, id, &values)?;
            store.get(&o, id)?.ok_or_else(not_found)
        })
        .await?;
    Ok(single(&object, record, StatusCode::OK))
}

/// `DELETE /{object}/{id}` -> 200 `{}`.
pub(crate) async fn delete(
    State(state): State<crate::State>,
    Path((object, id)): Path<(String, String)>,
) -> Result<Response> {
    let object = state.object(&object)?.clone();
    let id = record_id(&id)?;
    if state
        .blocking(move |store| store.delete(&object, id))
        .await?
    {
        Ok(Json(json!({})).into_response())
    } else {
        Err(not_found())
    }
}

/// `PATCH /{object}` and `DELETE /{object}`: the documentation says these fail without an id.
pub(crate) async fn missing_id(
    State(state): State<crate::State>,
    Path(object): Path<String>,
    method: Method,
) -> Result<Response> {
    let object = state.object(&object)?;
    Err(Error::MethodNotAllowed(format!(
        "{method} needs a record id: {method} /{}/{{id}}",
        object.api_name
    )))
}

/// Any other method on a known path.
pub(crate) async fn method_not_allowed(method: Method, uri: Uri) -> Error {
    Error::MethodNotAllowed(format!("Method not allowed ({method} {})", uri.path()))
}

/// Any path no route matches.
pub(crate) async fn not_found_fallback(uri: Uri) -> Error {
    Error::NotFound(format!("Not found ({})", uri.path()))
}
