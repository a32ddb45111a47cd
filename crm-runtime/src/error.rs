//! The one error type of the runtime: opaque, with a [`ErrorKind`] to `match`, `is_*()`
//! predicates and accessors, in the style of reqwest's error. No third-party type appears in its API; the underlying transport
//! error is reachable only as a `dyn Error` through `source()`.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::Deserialize;

/// Boxed error source, kept opaque.
type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error from the CRM client.
///
/// Classify it with [`kind`](Error::kind) (an [`ErrorKind`] to `match`) or the `is_*()`
/// predicates; read the HTTP status, the API's `type` and `message`, the request's method and
/// path, the validation rules, `Retry-After` and the [`DecodeDetail`] with the accessors.
/// `Display` is one line and does not repeat [`source`](std::error::Error::source).
///
/// # An unknown outcome
///
/// A create (POST) is never sent twice once it may have reached the server. When the
/// connection was lost or timed out after sending, or a gateway answered 502/504, the error is
/// [`ErrorKind::UnknownOutcome`]: the record may exist. Look it up by a field you know is unique
/// before creating it again:
///
/// ```no_run
/// # async fn demo(client: crm_runtime::Client) -> Result<(), crm_runtime::Error> {
/// let accounts = client.object("accounts");
/// let body = serde_json::json!({"name": "Acme Ltd"});
/// match accounts.create(&body).await {
///     Ok(created) => println!("created {:?}", created.id()),
///     Err(e) if e.is_unknown_outcome() => {
///         let found = accounts.list().q_json(r#"{"name":"Acme Ltd"}"#).send().await?;
///         if found.records().is_empty() {
///             accounts.create(&body).await?;
///         }
///     }
///     Err(e) => return Err(e),
/// }
/// # Ok(()) }
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: Kind,
    method: Option<String>,
    path: Option<String>,
    status: Option<u16>,
    api: Option<ApiBody>,
    retry_after: Option<Duration>,
    decode: Option<DecodeDetail>,
    detail: Option<String>,
    source: Option<Source>,
    /// An earlier attempt of the same request was sent and its answer lost.
    after_loss: bool,
}

/// What went wrong, for `match`ing; see [`Error::kind`]. The `is_*()` predicates of [`Error`]
/// test for one kind each.
///
/// ```
/// # fn demo(err: crm_runtime::Error) {
/// use crm_runtime::ErrorKind;
/// match err.kind() {
///     ErrorKind::UnknownOutcome => eprintln!("look the record up before creating it again"),
///     ErrorKind::RateLimited | ErrorKind::Quota => eprintln!("slow down: {err}"),
///     _ => eprintln!("{err}"),
/// }
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// 401, 402, 403, or a redirect (the service redirects to its login page on a bad token).
    Unauthorised,
    /// 404: no such record, page or object.
    NotFound,
    /// 422: the data failed validation.
    Validation,
    /// 400: malformed URL, filter or body.
    BadRequest,
    /// 405: wrong method for the path.
    MethodNotAllowed,
    /// 429: too many requests.
    RateLimited,
    /// 429 whose body says the call quota (the daily allowance) is used up.
    Quota,
    /// 5xx.
    Server,
    /// Any other non-success status (409, 413, ...).
    OtherStatus,
    /// The request or reading its answer timed out.
    Timeout,
    /// The connection could not be made, so the request never left this machine.
    Connect,
    /// The connection was lost after a request that is safe to repeat was sent (no answer, or
    /// an answer cut short), on every attempt the retry policy allowed.
    ConnectionLost,
    /// A write (POST) may have reached the server, but no complete answer came back: the record
    /// may or may not have been created. Look it up by a field you know is unique before
    /// sending the create again.
    UnknownOutcome,
    /// The answer was not what the API documents, or a record did not fit its type.
    Decode,
    /// Pagination would have lost or repeated records.
    Pagination,
    /// Missing token, bad base URL and other problems found before any request is sent.
    Config,
    /// Reading or writing local data failed.
    Io,
}

/// The crate-internal name of [`ErrorKind`].
pub(crate) use ErrorKind as Kind;

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Unauthorised => "not authorised",
            Kind::NotFound => "not found",
            Kind::Validation => "validation failed",
            Kind::BadRequest => "bad request",
            Kind::MethodNotAllowed => "method not allowed",
            Kind::RateLimited => "rate limited",
            Kind::Quota => "call quota exhausted",
            Kind::Server => "server error",
            Kind::OtherStatus => "unexpected status",
            Kind::Timeout => "timed out",
            Kind::Connect => "could not connect",
            Kind::ConnectionLost => "connection lost before the answer was complete",
            Kind::UnknownOutcome => "outcome unknown",
            Kind::Decode => "could not decode the response",
            Kind::Pagination => "pagination went wrong",
            Kind::Config => "invalid client configuration",
            Kind::Io => "i/o error",
        }
    }
}

/// The API's error envelope: `{"type", "code", "message", "validation"}`. Every member is
/// optional because the real service answers some errors with only `{"message"}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ApiBody {
    #[serde(rename = "type")]
    pub(crate) kind: Option<String>,
    pub(crate) message: Option<String>,
    #[serde(default)]
    pub(crate) validation: Option<Validation>,
}

/// The per-field rules of a 422 answer: `{"accountid": [{"Required": []}]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validation {
    fields: BTreeMap<String, Vec<Rule>>,
}

/// One failed rule of one field: `Required`, `Max` with `["50"]`, `In` with the allowed values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    name: String,
    parameters: Vec<String>,
}

impl Rule {
    /// The rule's name as the API sends it (`Required`), or the message when the API sends
    /// plain strings instead of rule objects.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The rule's parameters (`["50"]` for a maximum length), as text.
    pub fn parameters(&self) -> &[String] {
        &self.parameters
    }
}

impl Validation {
    /// Fields that failed, in name order, with their rules.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &[Rule])> {
        self.fields.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// The rules one field failed, if any.
    pub fn field(&self, api_name: &str) -> Option<&[Rule]> {
        self.fields.get(api_name).map(Vec::as_slice)
    }

    /// Whether `api_name` failed the rule named `rule` (`"Required"`), case-insensitively.
    pub fn has(&self, api_name: &str, rule: &str) -> bool {
        self.field(api_name)
            .is_some_and(|rules| rules.iter().any(|r| r.name.eq_ignore_ascii_case(rule)))
    }

    /// Whether no field is listed.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

impl fmt::Display for Validation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (field, rules) in &self.fields {
            for rule in rules {
                if !first {
                    f.write_str(", ")?;
                }
                first = false;
                write!(f, "{field}: {}", rule.name)?;
                if !rule.parameters.is_empty() {
                    write!(f, "({})", rule.parameters.join(", "))?;
                }
            }
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for Validation {
    /// Accepts the documented `{"field": [{"Rule": [params]}]}` and the Laravel-style
    /// `{"field": ["message"]}`; anything else in a rule's place becomes its JSON text, so an
    /// unexpected shape never hides the fact that validation failed.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw: BTreeMap<String, serde_json::Value> = BTreeMap::deserialize(d)?;
        let mut fields = BTreeMap::new();
        for (field, value) in raw {
            let items = match value {
                serde_json::Value::Array(items) => items,
                other => vec![other],
            };
            let mut rules = Vec::new();
            for item in items {
                match item {
                    serde_json::Value::Object(map) => {
                        for (name, params) in map {
                            rules.push(Rule {
                                name,
                                parameters: params_to_strings(params),
                            });
                        }
                    }
                    serde_json::Value::String(s) => rules.push(Rule {
                        name: s,
                        parameters: vec![],
                    }),
                    other => rules.push(Rule {
                        name: other.to_string(),
                        parameters: vec![],
                    }),
                }
            }
            fields.insert(field, rules);
        }
        Ok(Validation { fields })
    }
}

fn params_to_strings(v: serde_json::Value) -> Vec<String> {
    let one = |v: serde_json::Value| match v {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    };
    match v {
        serde_json::Value::Array(items) => items.into_iter().map(one).collect(),
        serde_json::Value::Null => vec![],
        other => vec![one(other)],
    }
}

/// Where a record failed to decode: object, record id, field, JSON path and an excerpt of the
/// value; see [`Error::decode_detail`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeDetail {
    pub(crate) object: String,
    pub(crate) record_id: Option<u64>,
    pub(crate) field: Option<String>,
    pub(crate) path: String,
    pub(crate) snippet: Option<String>,
}

impl DecodeDetail {
    /// The object whose record failed to decode (`accounts`).
    pub fn object(&self) -> &str {
        &self.object
    }
    /// The id of the record that failed, when it could be read.
    pub fn record_id(&self) -> Option<u64> {
        self.record_id
    }
    /// The API name of the field that failed.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }
    /// The JSON path of the failure (`list[3].record.createddate`), `(top)` for the whole body.
    pub fn path(&self) -> &str {
        &self.path
    }
    /// A short excerpt of the offending value.
    pub fn snippet(&self) -> Option<&str> {
        self.snippet.as_deref()
    }
}

impl Error {
    pub(crate) fn new(kind: Kind) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                method: None,
                path: None,
                status: None,
                api: None,
                retry_after: None,
                decode: None,
                detail: None,
                source: None,
                after_loss: false,
            }),
        }
    }

    pub(crate) fn with_request(mut self, method: &str, path: &str) -> Self {
        self.inner.method = Some(method.to_owned());
        self.inner.path = Some(path.to_owned());
        self
    }

    pub(crate) fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.inner.detail = Some(detail.into());
        self
    }

    /// Adds `hint` after whatever detail the error already has.
    pub(crate) fn with_hint(mut self, hint: &str) -> Self {
        self.inner.detail = Some(match self.inner.detail.take() {
            Some(d) => format!("{d}; {hint}"),
            None => hint.to_owned(),
        });
        self
    }

    pub(crate) fn with_source(mut self, source: impl Into<Source>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    pub(crate) fn after_loss(mut self) -> Self {
        self.inner.after_loss = true;
        self
    }

    /// Whether an earlier attempt of this request may have been carried out (its answer was
    /// lost, and this error came from a retry).
    pub(crate) fn follows_a_loss(&self) -> bool {
        self.inner.after_loss
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.inner.status = Some(status);
        self
    }

    pub(crate) fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.inner.retry_after = retry_after;
        self
    }

    pub(crate) fn with_decode(mut self, detail: DecodeDetail) -> Self {
        self.inner.decode = Some(detail);
        self
    }

    /// An error from an HTTP answer that was not a success.
    pub(crate) fn from_status(status: u16, body: &[u8]) -> Self {
        let api: Option<ApiBody> = serde_json::from_slice(body).ok();
        let text = |api: &Option<ApiBody>| {
            api.as_ref()
                .map(|a| {
                    format!(
                        "{} {}",
                        a.kind.as_deref().unwrap_or(""),
                        a.message.as_deref().unwrap_or("")
                    )
                })
                .unwrap_or_default()
                .to_ascii_lowercase()
        };
        let kind = match status {
            300..=399 | 401 | 402 | 403 => Kind::Unauthorised,
            404 => Kind::NotFound,
            405 => Kind::MethodNotAllowed,
            422 => Kind::Validation,
            400 => Kind::BadRequest,
            429 if text(&api).contains("quota") || text(&api).contains("daily") => Kind::Quota,
            429 => Kind::RateLimited,
            500..=599 => Kind::Server,
            _ => Kind::OtherStatus,
        };
        let mut err = Error::new(kind);
        err.inner.status = Some(status);
        let clean = crm_schema::text::Redactor::default();
        if api.is_none() && !body.is_empty() {
            // Not the API's envelope (a proxy's HTML page, say): keep a short, safe excerpt.
            let excerpt = clean.excerpt(body, 120);
            err.inner.detail = (!excerpt.is_empty()).then_some(excerpt);
        }
        err.inner.api = api;
        // Server text is cleaned where it enters; the transport masks the token on top.
        err.map_server_text(|t| clean.line(t))
    }

    /// Applies `f` to every member that holds text from the server: the API's type and
    /// message, the validation fields, rules and parameters, the decode field, path and
    /// snippet, and the detail (an excerpt, or a decoder's message quoting a value).
    pub(crate) fn map_server_text(mut self, f: impl Fn(&str) -> String) -> Self {
        let i = &mut *self.inner;
        let opt = |v: &mut Option<String>| {
            if let Some(s) = v {
                *s = f(s);
            }
        };
        if let Some(api) = &mut i.api {
            opt(&mut api.kind);
            opt(&mut api.message);
            if let Some(v) = &mut api.validation {
                v.fields = std::mem::take(&mut v.fields)
                    .into_iter()
                    .map(|(field, rules)| {
                        let rules = rules
                            .into_iter()
                            .map(|r| Rule {
                                name: f(&r.name),
                                parameters: r.parameters.iter().map(|p| f(p)).collect(),
                            })
                            .collect();
                        (f(&field), rules)
                    })
                    .collect();
            }
        }
        if let Some(d) = &mut i.decode {
            opt(&mut d.field);
            opt(&mut d.snippet);
            d.path = f(&d.path);
        }
        opt(&mut i.detail);
        self
    }

    /// What went wrong, as a kind to `match` on; each `is_*()` predicate tests for one kind
    /// ([`is_connect`](Error::is_connect) for [`ErrorKind::Connect`], and so on).
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    pub(crate) fn with_kind(mut self, kind: Kind) -> Self {
        self.inner.kind = kind;
        self
    }

    /// A token provider or other caller-side failure to authenticate, for [`crate::TokenProvider`]
    /// implementations.
    pub fn token_provider(message: impl Into<String>) -> Self {
        Error::new(Kind::Unauthorised).with_detail(message)
    }

    /// Missing token, bad base URL and other problems found before any request is sent.
    pub fn is_config(&self) -> bool {
        self.inner.kind == Kind::Config
    }
    /// 401, 402, 403, or a redirect (the service redirects to its login page on a bad token).
    pub fn is_unauthorised(&self) -> bool {
        self.inner.kind == Kind::Unauthorised
    }
    /// 404: no such record, page or object.
    pub fn is_not_found(&self) -> bool {
        self.inner.kind == Kind::NotFound
    }
    /// 422: the data failed validation; see [`Error::validation`].
    pub fn is_validation(&self) -> bool {
        self.inner.kind == Kind::Validation
    }
    /// 400: malformed URL, filter or body.
    pub fn is_bad_request(&self) -> bool {
        self.inner.kind == Kind::BadRequest
    }
    /// 405: wrong method for the path.
    pub fn is_method_not_allowed(&self) -> bool {
        self.inner.kind == Kind::MethodNotAllowed
    }
    /// 429: too many requests; see [`Error::retry_after`].
    pub fn is_rate_limited(&self) -> bool {
        self.inner.kind == Kind::RateLimited
    }
    /// 429 whose body says the call quota (the daily allowance) is used up.
    pub fn is_quota(&self) -> bool {
        self.inner.kind == Kind::Quota
    }
    /// 5xx.
    pub fn is_server(&self) -> bool {
        self.inner.kind == Kind::Server
    }
    /// A status outside every other class (409, 413, ...); see [`Error::status`].
    pub fn is_other_status(&self) -> bool {
        self.inner.kind == Kind::OtherStatus
    }
    /// The request or reading its answer timed out.
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == Kind::Timeout
    }
    /// The connection could not be made (refused, unreachable, timed out while connecting): the
    /// request never left this machine.
    pub fn is_connect(&self) -> bool {
        self.inner.kind == Kind::Connect
    }
    /// The connection broke after a request that is safe to repeat (GET, PATCH, DELETE) was
    /// sent, on every attempt the retry policy allowed.
    pub fn is_connection_lost(&self) -> bool {
        self.inner.kind == Kind::ConnectionLost
    }
    /// A create (POST) may have reached the server, but no complete answer came back (the
    /// connection was lost or timed out after sending, or a gateway answered 502/504): the
    /// record may have been created. It is never retried automatically. To resolve it, look the
    /// record up by a field you know is unique (an external reference, an e-mail address)
    /// before sending the create again.
    pub fn is_unknown_outcome(&self) -> bool {
        self.inner.kind == Kind::UnknownOutcome
    }
    /// The answer was not what the API documents, or a record did not fit its type; see
    /// [`Error::decode_path`] and friends.
    pub fn is_decode(&self) -> bool {
        self.inner.kind == Kind::Decode
    }
    /// Pagination would have lost or repeated records (a repeated page, for one).
    pub fn is_pagination(&self) -> bool {
        self.inner.kind == Kind::Pagination
    }
    /// Reading or writing local data (a download's destination) failed.
    pub fn is_io(&self) -> bool {
        self.inner.kind == Kind::Io
    }

    /// The HTTP status, when an answer arrived.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }
    /// The API's `type` member (`Validation error`).
    pub fn api_type(&self) -> Option<&str> {
        self.inner.api.as_ref()?.kind.as_deref()
    }
    /// The API's `message` member (`Invalid record type (accountss)`).
    pub fn api_message(&self) -> Option<&str> {
        self.inner.api.as_ref()?.message.as_deref()
    }
    /// The per-field rules of a 422 answer.
    pub fn validation(&self) -> Option<&Validation> {
        self.inner.api.as_ref()?.validation.as_ref()
    }
    /// The request's method (`GET`), when the error belongs to a request.
    pub fn method(&self) -> Option<&str> {
        self.inner.method.as_deref()
    }
    /// The request's path without query (`/accounts/12`), when the error belongs to a request.
    pub fn path(&self) -> Option<&str> {
        self.inner.path.as_deref()
    }
    /// How long the server asked us to wait (`Retry-After`), on a 429 or 503.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }
    /// Where a record failed to decode, all in one struct; the `decode_*` accessors read it.
    pub fn decode_detail(&self) -> Option<&DecodeDetail> {
        self.inner.decode.as_ref()
    }
    /// The object whose record failed to decode.
    pub fn decode_object(&self) -> Option<&str> {
        self.inner.decode.as_ref().map(|d| d.object.as_str())
    }
    /// The id of the record that failed to decode, when it could be read.
    pub fn decode_record_id(&self) -> Option<u64> {
        self.inner.decode.as_ref()?.record_id
    }
    /// The API name of the field that failed to decode.
    pub fn decode_field(&self) -> Option<&str> {
        self.inner.decode.as_ref()?.field.as_deref()
    }
    /// The JSON path of the failure (`list[3].record.createddate`).
    pub fn decode_path(&self) -> Option<&str> {
        self.inner.decode.as_ref().map(|d| d.path.as_str())
    }
    /// A short excerpt of the offending value.
    pub fn decode_snippet(&self) -> Option<&str> {
        self.inner.decode.as_ref()?.snippet.as_deref()
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind);
        if let Some(m) = &self.inner.method {
            d.field("method", m);
        }
        if let Some(p) = &self.inner.path {
            d.field("path", p);
        }
        if let Some(s) = self.inner.status {
            d.field("status", &s);
        }
        if let Some(a) = &self.inner.api {
            d.field("api", a);
        }
        if let Some(r) = self.inner.retry_after {
            d.field("retry_after", &r);
        }
        if let Some(x) = &self.inner.decode {
            d.field("decode", x);
        }
        if let Some(x) = &self.inner.detail {
            d.field("detail", x);
        }
        if let Some(s) = &self.inner.source {
            d.field("source", &s.to_string());
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        if let (Some(m), Some(p)) = (&i.method, &i.path) {
            write!(f, "{m} {p}: ")?;
        }
        f.write_str(i.kind.describe())?;
        if let Some(s) = i.status {
            write!(f, " (HTTP {s})")?;
        }
        if let Some(api) = &i.api {
            match (&api.kind, &api.message) {
                (Some(t), Some(m)) => write!(f, ": {t}: {m}")?,
                (None, Some(m)) | (Some(m), None) => write!(f, ": {m}")?,
                (None, None) => {}
            }
            if let Some(v) = &api.validation
                && !v.is_empty()
            {
                write!(f, " [{v}]")?;
            }
        }
        if let Some(d) = &i.decode {
            write!(f, ": {} record", d.object)?;
            if let Some(id) = d.record_id {
                write!(f, " {id}")?;
            }
            if let Some(field) = &d.field {
                write!(f, ", field `{field}`")?;
            }
            write!(f, " at {}", d.path)?;
            if let Some(s) = &d.snippet {
                write!(f, " (value {s})")?;
            }
        }
        if let Some(d) = &i.detail {
            write!(f, ": {d}")?;
        }
        if let Some(r) = i.retry_after {
            write!(f, "; retry after {}", Wait(r))?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

/// A `Retry-After` as a reader wants it: milliseconds below a second, seconds up to a day,
/// then days, and anything past a year (a server sending `1e20`) as just that, never a 20-digit
/// number.
struct Wait(Duration);

impl fmt::Display for Wait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const DAY: u64 = 86_400;
        let d = self.0;
        let secs = d.as_secs();
        if secs == 0 && d.subsec_millis() != 0 {
            write!(f, "{}ms", d.subsec_millis())
        } else if secs < 10 && d.subsec_millis() != 0 {
            write!(f, "{:.1}s", d.as_secs_f64())
        } else if secs <= DAY {
            write!(f, "{secs}s")
        } else if secs <= 365 * DAY {
            write!(f, "{} days", secs.div_ceil(DAY))
        } else {
            f.write_str("more than a year")
        }
    }
}

/// The runtime's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
