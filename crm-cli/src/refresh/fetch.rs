//! Fetching a tenant's dictionaries and lookup lists, with bounded concurrency, classifying
//! failures into "this object is not on the plan" (skip it, keep the old snapshot) and "stop".

use std::future::Future;

use crm_schema::text::Redactor;
use crm_schema::{FieldType, ObjectDef, Provenance, Source};

/// What the refresh needs from a tenant, with the runtime's retry policy already applied.
/// `crm_runtime::Client` is the implementation; tests may bring their own.
pub trait Tenant: Sync {
    /// A cheap call every plan allows (`GET /accounts?limit=1`), to tell a refused token from
    /// a gated object before anything else is fetched.
    fn probe(&self) -> impl Future<Output = Result<(), FetchError>> + Send;
    /// The body of `GET /datadictionary/{object}`.
    fn dictionary(&self, object: &str) -> impl Future<Output = Result<Vec<u8>, FetchError>> + Send;
    /// The body of `GET /lookup/{object}/{field}`.
    fn lookup(
        &self,
        object: &str,
        field: &str,
    ) -> impl Future<Output = Result<Vec<u8>, FetchError>> + Send;
    /// What masks the credentials a tenant's answers may echo (the token); every body is
    /// masked with it before it is parsed, shown or saved. By default only `Bearer`
    /// credentials.
    fn redactor(&self) -> impl Future<Output = Redactor> + Send {
        async { Redactor::default() }
    }
    /// Whether an answer so far identified the server as the sandbox.
    fn identifies_as_sandbox(&self) -> bool {
        false
    }
}

fn fetch_error(e: &crm_runtime::Error) -> FetchError {
    FetchError {
        status: e.status(),
        unauthorised: e.is_unauthorised(),
        message: e.to_string(),
    }
}

impl Tenant for crm_runtime::Client {
    fn identifies_as_sandbox(&self) -> bool {
        crm_runtime::Client::identifies_as_sandbox(self)
    }

    async fn probe(&self) -> Result<(), FetchError> {
        self.get_bytes(&["accounts"], &[("limit", "1")])
            .await
            .map(drop)
            .map_err(|e| fetch_error(&e))
    }

    async fn dictionary(&self, object: &str) -> Result<Vec<u8>, FetchError> {
        // `dictionary_raw` retries a body cut short; a body that is whole but not JSON (an HTML
        // page) is fetched once more as it is, so the refresh can show and save what came.
        match self.dictionary_raw(object).await {
            Ok(body) => Ok(body.to_vec()),
            Err(e) if e.is_decode() => as_received(self, &["datadictionary", object]).await,
            Err(e) => Err(fetch_error(&e)),
        }
    }

    async fn lookup(&self, object: &str, field: &str) -> Result<Vec<u8>, FetchError> {
        match self.lookup_raw(object, field).await {
            Ok(body) => Ok(body.to_vec()),
            Err(e) if e.is_decode() => as_received(self, &["lookup", object, field]).await,
            Err(e) => Err(fetch_error(&e)),
        }
    }

    async fn redactor(&self) -> Redactor {
        crm_runtime::Client::redactor(self).await
    }
}

async fn as_received(
    client: &crm_runtime::Client,
    segments: &[&str],
) -> Result<Vec<u8>, FetchError> {
    client
        .get_bytes(segments, &[])
        .await
        .map(|b| b.to_vec())
        .map_err(|e| fetch_error(&e))
}

/// A failed `GET`, reduced to what the refresh needs to decide and to explain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError {
    /// HTTP status, when there was a response.
    pub status: Option<u16>,
    /// The token was refused (401/402/403, or a redirect to the login page).
    pub unauthorised: bool,
    /// One line: what went wrong (never contains the token).
    pub message: String,
}

/// Why an object was left out of this refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// API object name.
    pub object: String,
    /// HTTP status the tenant answered.
    pub status: Option<u16>,
    /// A sentence for the user, naming the add-on where one is known.
    pub reason: String,
}

/// The add-on that unlocks a gated object, per the API documentation.
pub fn add_on(object: &str) -> Option<&'static str> {
    crm_schema::objects::add_on(object)
}

/// The outcome of fetching one object.
pub(crate) enum Fetched {
    /// Parsed, with lookup lists filled in.
    Object(Box<ObjectDef>),
    /// Not available on this tenant's plan.
    Skipped(Skipped),
}

/// A fatal problem while fetching.
#[derive(Debug)]
pub(crate) enum FetchFailure {
    /// A request failed for a reason other than the plan.
    Request { path: String, error: FetchError },
    /// The response could not be understood; `body` is what was received.
    Unrecognised {
        path: String,
        body: Vec<u8>,
        error: crm_schema::Error,
    },
}

fn is_gated(e: &FetchError) -> bool {
    // 402 (the documented "forbidden"), 403 (what tenants send), 404 (object not enabled).
    matches!(e.status, Some(402..=404))
}

/// Fetches `object`'s dictionary, then the lookup list of every dropdown field.
pub(crate) async fn fetch_object<T: Tenant>(
    tenant: &T,
    object: &str,
    source: &Source,
    redactor: &Redactor,
) -> Result<Fetched, FetchFailure> {
    let path = format!("/datadictionary/{object}");
    let body = match tenant.dictionary(object).await {
        Ok(body) => redactor.mask_bytes(&body).into_owned(),
        Err(e) if is_gated(&e) => {
            let reason = match add_on(object) {
                Some(add_on) => format!(
                    "the tenant answered {} for `{object}`: it needs {add_on} on a Professional or Enterprise plan",
                    e.status.unwrap_or_default()
                ),
                None => format!(
                    "the tenant answered {} for `{object}`: its plan or the API user's permissions do not include it",
                    e.status.unwrap_or_default()
                ),
            };
            return Ok(Fetched::Skipped(Skipped {
                object: object.to_owned(),
                status: e.status,
                reason,
            }));
        }
        Err(error) => return Err(FetchFailure::Request { path, error }),
    };
    let mut def = crm_schema::raw::parse_dictionary_response(
        object,
        &body,
        source.clone(),
        Some(Provenance::now()),
    )
    .map_err(|error| FetchFailure::Unrecognised {
        path: path.clone(),
        body,
        error,
    })?;

    // One lookup at a time per object: objects are already fetched side by side, so the number
    // of requests in flight stays at `--concurrency`.
    for i in 0..def.fields.len() {
        if def.fields[i].ty != FieldType::Lookup {
            continue;
        }
        let field = def.fields[i].api_name.clone();
        let path = format!("/lookup/{object}/{field}");
        let body = match tenant.lookup(object, &field).await {
            Ok(body) => redactor.mask_bytes(&body).into_owned(),
            Err(error) => return Err(FetchFailure::Request { path, error }),
        };
        let values = crm_schema::raw::lookup_values_from_response(&body)
            .map_err(|error| FetchFailure::Unrecognised { path, body, error })?;
        crm_schema::raw::fill_lookup(&mut def, i, values);
    }
    Ok(Fetched::Object(Box::new(def)))
}
