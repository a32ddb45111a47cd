//! A stateful local emulator of the Spotler CRM API v4, served from the dictionary snapshots and
//! backed by SQLite.
//!
//! # Use
//!
//! As a binary: `cargo run -p crm-sandbox -- --listen 127.0.0.1:0 --token T` prints
//! `listening on http://HOST:PORT` once it accepts connections (see the crate README for flags).
//!
//! In another crate's tests, start one on the current tokio runtime:
//!
//! ```no_run
//! # async fn demo() -> Result<(), crm_sandbox::Error> {
//! let sandbox = crm_sandbox::spawn(crm_sandbox::Config::new("test-token").with_records(5)).await?;
//! // send requests to sandbox.base_url with `Authorization: Bearer test-token` ...
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Or drive the router in-process with `tower::ServiceExt::oneshot`:
//! `crm_sandbox::app(crm_sandbox::State::new(config)?)`.
//!
//! # Design
//!
//! * [`app`] builds an axum `Router` over a [`State`]: the loaded [`crm_schema::Dictionary`], a
//!   SQLite store with one table per object and one column per field (identifiers always
//!   quoted, values always bound), call counters and fault settings. Everything the API serves
//!   comes from the dictionary: every object in the snapshot directory is served, custom ones
//!   included.
//! * Routes: `GET|POST /{object}`, `GET|PATCH|DELETE /{object}/{id}`, `GET
//!   /{object}/{id}/{child}` (undocumented nested lists), `GET /datadictionary/{object}`, `GET
//!   /lookup/{object}/{field}`, `PATCH /lookup/{list_name}`, `GET /documents/{id}/content`,
//!   multipart `POST /documents`, and the admin API under `/__sandbox/`.
//! * Errors are always `{"type", "code", "message"}` (+ `"validation"` on 422), except the
//!   authentication failure, which is `403 {"message": "Unauthenticated."}` like the real
//!   service, or the documented 402 body with [`AuthMode::Documented402`]. An unknown object is
//!   answered `500 Invalid record type (name)`, exactly as the documentation's example shows.
//! * Lists: `limit` defaults to 10 and is lowered to 100; `page` is 1-based, `page=0` is read
//!   as 1 (as the Laravel paginator behind the original does), a page past the end is an empty
//!   `list`; `q` and `order` as in [`query`]; `lines=true` on opportunities embeds `lines`.
//! * Writes: unknown fields are refused (422 `NotInDataDictionary`), server-managed fields are
//!   ignored (so a read-modify-write round-trips), the server fills `createddate`,
//!   `modifieddate`, `createdby`, `modifiedby` and a missing `ownerid` with the token's user.
//!
//! # Data dictionary response (default shape)
//!
//! No public example exists, so this is our documented choice:
//!
//! ```json
//! {"metadata": {"url": "/datadictionary/accounts", "object_type": "datadictionary",
//!               "record_type": "account"},     // when the snapshot has one
//!  "object": "accounts",
//!  "fields": [
//!    {"name": "id", "label": "ID", "type": "id", "required": false, "readonly": true,
//!     "maxlength": null, "custom": false, "relates_to": null, "lookup": null},
//!    {"name": "type", "label": "Type", "type": "dropdown", "required": false, "readonly": false,
//!     "maxlength": null, "custom": false, "relates_to": null,
//!     "lookup": {"list_name": "account_type", "restricted": true}},
//!    {"name": "campaignid", "label": "Campaign", "type": "relation", ..., "relates_to": "campaigns"}]}
//! ```
//!
//! Type names ([`shapes::wire_type`]): `id`, `varchar`, `text` (long text), `email`, `phone`,
//! `url`, `int`, `decimal`, `currency`, `percent`, `tinyint(1)` (boolean), `date`, `datetime`,
//! `dropdown` (lookup), `relation` (reference; target in `relates_to`), `user`, and an unknown
//! type's own raw name. Alternative shapes are listed in [`DictionaryShape`].
//!
//! Lookup responses default to `{"metadata": {"url", "object_type": "lookup", "list_name"},
//! "list": [{"value": "Client", "id": "Client", "active": true}]}`; inactive values (kept for
//! old records, refused on writes) are listed with `"active": false`. Alternatives in
//! [`LookupShape`].

mod admin;
mod api;
mod auth;
mod body;
mod config;
mod decimal;
mod documents;
mod error;
mod faults;
mod meta;
pub mod query;
mod record;
mod seed;
pub mod shapes;
mod state;
mod store;
mod write;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, patch, post};

pub use config::{AuthMode, Config, Faults, RateLimit, default_dictionaries_dir};
pub use error::{Error, Result};
pub use shapes::{DictionaryShape, LookupShape};
pub use state::{Calls, State};

/// The sandbox's HTTP application over `state`.
pub fn app(state: State) -> Router {
    let api = Router::new()
        .route("/datadictionary/{object}", get(meta::dictionary))
        .route("/lookup/{object}/{field}", get(meta::lookup))
        .route("/lookup/{list_name}", patch(meta::append))
        .route("/documents/{id}/content", get(documents::content))
        .route(
            "/{object}",
            get(api::list)
                .post(api::create)
                .patch(api::missing_id)
                .delete(api::missing_id),
        )
        .route(
            "/{object}/{id}",
            get(api::get).patch(api::update).delete(api::delete),
        )
        .route("/{object}/{id}/{child}", get(api::nested))
        .route_layer(from_fn_with_state(state.clone(), faults::layer));
    let admin = Router::new()
        .route("/__sandbox/reset", post(admin::reset))
        .route("/__sandbox/reseed", post(admin::reseed))
        .route(
            "/__sandbox/calls",
            get(admin::calls).delete(admin::reset_calls),
        )
        .route(
            "/__sandbox/faults",
            get(admin::faults).put(admin::set_faults),
        );
    let doc_limit = state
        .config()
        .max_document_bytes
        .saturating_add(1024 * 1024);
    api.merge(admin)
        .method_not_allowed_fallback(api::method_not_allowed)
        .fallback(api::not_found_fallback)
        .layer(from_fn_with_state(state.clone(), auth::layer))
        .layer(axum::middleware::from_fn(log))
        .layer(axum::middleware::map_response(identify))
        .layer(DefaultBodyLimit::max(doc_limit))
        .with_state(state)
}

/// Marks every answer, errors included, as the sandbox's, so a snapshot refreshed from it says
/// `sandbox` rather than `tenant` (see [`crm_schema::SANDBOX_HEADER`]).
async fn identify(mut resp: axum::response::Response) -> axum::response::Response {
    resp.headers_mut().insert(
        crm_schema::SANDBOX_HEADER,
        axum::http::HeaderValue::from_static("1"),
    );
    resp
}

/// Logs every request at debug level (`RUST_LOG=crm_sandbox=debug`), on stderr in the binary.
async fn log(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_owned());
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    tracing::debug!(%method, %path, status = resp.status().as_u16(), elapsed = ?started.elapsed(), "request");
    resp
}

/// A sandbox serving on a local port, started by [`spawn`]. Dropping it stops the server.
/// Its `Debug` output does not show the token.
pub struct Running {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base_url: String,
    /// The bearer token it expects.
    pub token: String,
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Its state (call counts, faults, reseeding).
    pub state: State,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running")
            .field("base_url", &self.base_url)
            .field("token", &"[redacted]")
            .field("addr", &self.addr)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Running {
    /// Stops accepting, finishes in-flight requests and waits for the server to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts a sandbox on `127.0.0.1:0` on the current tokio runtime and returns once it accepts
/// connections. Loading and seeding run on the blocking pool.
pub async fn spawn(config: Config) -> Result<Running> {
    let token = config.token.clone();
    let state = tokio::task::spawn_blocking(move || State::new(config)).await??;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    serve_on(listener, state, token).await
}

/// Serves `state` on an already bound listener; see [`spawn`].
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: State,
    token: String,
) -> Result<Running> {
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let router = app(state.clone());
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, router).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(e) = served.await {
            tracing::error!(error = %e, "sandbox server failed");
        }
    });
    Ok(Running {
        base_url: format!("http://{addr}"),
        token,
        addr,
        state,
        stop: Some(stop),
        task: Some(task),
    })
}
