//! The client and its builder: base URL, token, timeouts, user agent, retry policy, rate
//! limit, concurrency cap, lenient decoding and usage accounting.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

use crate::auth::{StaticToken, TokenProvider};
use crate::error::{Error, Kind};
use crate::limit::Pacer;
use crate::retry::RetryPolicy;
use crate::usage::{Meter, Usage, UsageConfig};

/// The documented production endpoint.
pub const DEFAULT_BASE_URL: &str = "https://apiv4.reallysimplesystems.com";

/// A client for the CRM API. Cheap to clone: clones share the connection pool, rate limiter,
/// concurrency cap and usage counters.
///
/// ```no_run
/// # async fn demo() -> Result<(), crm_runtime::Error> {
/// let client = crm_runtime::Client::builder().token("...").build()?;
/// println!("{} calls so far", client.usage().calls);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    pub(crate) auth: Arc<dyn TokenProvider>,
    pub(crate) retry: RetryPolicy,
    pub(crate) pacer: Pacer,
    pub(crate) meter: Meter,
    pub(crate) lenient: bool,
    pub(crate) request_timeout: Duration,
    pub(crate) max_response_bytes: usize,
    /// A response carried [`crm_schema::SANDBOX_HEADER`].
    pub(crate) sandbox: std::sync::atomic::AtomicBool,
    /// The last `Date` header, in seconds since the Unix epoch (0: none yet).
    pub(crate) server_date: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("token", &"[redacted]")
            .field("retry", &self.inner.retry)
            .field("lenient", &self.inner.lenient)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder with the defaults: production base URL, 30 s timeout per attempt, 10 s to
    /// connect, [`RetryPolicy::default`], no rate limit, no concurrency cap, strict decoding.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client from the environment: `CRM_TOKEN` (required) and `CRM_BASE_URL` (optional).
    ///
    /// ```no_run
    /// let client = crm_runtime::Client::from_env()?;
    /// # Ok::<(), crm_runtime::Error>(())
    /// ```
    pub fn from_env() -> Result<Client, Error> {
        let mut b = Client::builder().token_from_env()?;
        if let Ok(url) = std::env::var("CRM_BASE_URL")
            && !url.trim().is_empty()
        {
            b = b.base_url(url.trim());
        }
        b.build()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Calls made so far by this client and its clones.
    pub fn usage(&self) -> Usage {
        self.inner.meter.snapshot()
    }

    /// Whether a response so far identified the server as the sandbox (crm-sandbox sends
    /// [`crm_schema::SANDBOX_HEADER`]; a tenant never does, whatever its URL).
    pub fn identifies_as_sandbox(&self) -> bool {
        self.inner
            .sandbox
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The server's clock, as the `Date` header of the latest response said it (one-second
    /// resolution); `None` before a response carried one. A watermark taken from it does not
    /// depend on the local clock being right.
    ///
    /// ```no_run
    /// # async fn demo(client: crm_runtime::Client) -> Result<(), crm_runtime::Error> {
    /// client.object("accounts").list().count().await?;
    /// println!("{:?}", client.server_date());
    /// # Ok(()) }
    /// ```
    pub fn server_date(&self) -> Option<std::time::SystemTime> {
        match self
            .inner
            .server_date
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            0 => None,
            secs => Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs)),
        }
    }

    /// Whether records that do not fit their type are decoded leniently (see
    /// [`ClientBuilder::lenient_decoding`]).
    pub fn is_lenient(&self) -> bool {
        self.inner.lenient
    }
}

/// Builds a [`Client`].
pub struct ClientBuilder {
    base_url: String,
    auth: Option<Arc<dyn TokenProvider>>,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: String,
    retry: RetryPolicy,
    rps: Option<f64>,
    concurrency: Option<usize>,
    lenient: bool,
    usage: UsageConfig,
    max_response_bytes: usize,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("token", &self.auth.as_ref().map(|_| "[redacted]"))
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("rps", &self.rps)
            .field("concurrency", &self.concurrency)
            .field("usage", &self.usage)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: DEFAULT_BASE_URL.to_owned(),
            auth: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            user_agent: concat!("crm-runtime/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry: RetryPolicy::default(),
            rps: None,
            concurrency: None,
            lenient: false,
            usage: UsageConfig::default(),
            max_response_bytes: crate::transport::DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

impl ClientBuilder {
    /// The API's base URL (the sandbox's, in tests). A trailing `/` is ignored.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into().trim_end_matches('/').to_owned();
        self
    }

    /// A fixed access token.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.auth = Some(Arc::new(StaticToken(SecretString::from(token.into()))));
        self
    }

    /// The access token from the `CRM_TOKEN` environment variable, the one place this crate and
    /// its tools read it; an unset or blank variable is a configuration error that says where a
    /// token comes from.
    ///
    /// ```no_run
    /// let client = crm_runtime::Client::builder()
    ///     .base_url("http://127.0.0.1:8080")
    ///     .token_from_env()?
    ///     .build()?;
    /// # Ok::<(), crm_runtime::Error>(())
    /// ```
    pub fn token_from_env(self) -> Result<Self, Error> {
        match std::env::var("CRM_TOKEN") {
            Ok(t) if !t.trim().is_empty() => Ok(self.token(t.trim())),
            _ => Err(Error::new(Kind::Config).with_detail(
                "CRM_TOKEN is not set: put your API v4 access token in it (create one in the CRM under Settings / Integrations / API V4)",
            )),
        }
    }

    /// A fixed access token already held as a secret.
    pub fn secret_token(mut self, token: SecretString) -> Self {
        self.auth = Some(Arc::new(StaticToken(token)));
        self
    }

    /// A provider for tokens that expire; see [`TokenProvider`].
    pub fn token_provider(mut self, provider: impl TokenProvider) -> Self {
        self.auth = Some(Arc::new(provider));
        self
    }

    /// The time one attempt may take, answer body included (default 30 s). Document downloads
    /// use it as the longest pause between two chunks instead.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// The time to establish a connection (default 10 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// At most `rps` requests per second from this client and its clones (retries included).
    pub fn rate_limit(mut self, rps: f64) -> Self {
        self.rps = Some(rps);
        self
    }

    /// At most `n` requests in flight at once from this client and its clones.
    pub fn max_concurrency(mut self, n: usize) -> Self {
        self.concurrency = Some(n);
        self
    }

    /// Lenient decoding: a field value that does not fit its generated type is kept in the
    /// record's `extra` map instead of failing the page. Off by default.
    pub fn lenient_decoding(mut self, lenient: bool) -> Self {
        self.lenient = lenient;
        self
    }

    /// The largest answer body read into memory (default 64 MiB); a larger one fails with a
    /// decode error instead of exhausting memory. Dictionary and lookup answers are further held
    /// to crm-schema's limit for them. Document downloads stream and are not limited.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// A call budget (the CRM's daily allowance, say) against which thresholds fire.
    pub fn call_budget(mut self, calls: u64) -> Self {
        self.usage.budget = Some(calls);
        self
    }

    /// Calls `f` once when the calls made reach `fraction` (`0.8`) of the call budget.
    pub fn on_budget_threshold(
        mut self,
        fraction: f64,
        f: impl Fn(Usage) + Send + Sync + 'static,
    ) -> Self {
        self.usage.thresholds.push((fraction, Arc::new(f)));
        self
    }

    /// Calls `f` on every failed call (each failed attempt, before any retry).
    pub fn on_failed_call(mut self, f: impl Fn(&Error) + Send + Sync + 'static) -> Self {
        self.usage.on_failure = Some(Arc::new(f));
        self
    }

    /// Builds the client. Fails without a token, with a base URL that is not http(s), and with
    /// one that carries a user name or password: the API authenticates by the token alone, and
    /// credentials in the URL would end up in logs, `Debug` output and snapshots.
    pub fn build(self) -> Result<Client, Error> {
        let auth = self.auth.ok_or_else(|| {
            Error::new(Kind::Config).with_detail("no access token given (set CRM_TOKEN)")
        })?;
        // Messages show the URL without any credentials it may carry.
        let shown = match crm_schema::Source::for_base_url(&self.base_url) {
            crm_schema::Source::Sandbox { base_url } | crm_schema::Source::Tenant { base_url } => {
                base_url
            }
            crm_schema::Source::Catalogue => String::new(),
        };
        let parsed = reqwest::Url::parse(&self.base_url).map_err(|e| {
            Error::new(Kind::Config).with_detail(format!("base URL `{shown}` is not a URL: {e}"))
        })?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(Error::new(Kind::Config).with_detail(format!(
                "base URL `{shown}` must not carry a user name or password; the access token is the only credential"
            )));
        }
        if !matches!(parsed.scheme(), "http" | "https") || parsed.query().is_some() {
            return Err(Error::new(Kind::Config).with_detail(format!(
                "base URL `{shown}` must be http(s) without a query"
            )));
        }
        let http = reqwest::Client::builder()
            // The service answers a bad token with a redirect to its login page: following it
            // would turn an auth error into a confusing HTML decode error.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.timeout)
            .user_agent(self.user_agent)
            .build()
            .map_err(|e| {
                Error::new(Kind::Config)
                    .with_detail("cannot build the HTTP client")
                    .with_source(e)
            })?;
        Ok(Client {
            inner: Arc::new(ClientInner {
                http,
                base_url: self.base_url,
                auth,
                retry: self.retry,
                pacer: Pacer::new(self.rps, self.concurrency),
                meter: Meter::new(self.usage),
                lenient: self.lenient,
                request_timeout: self.timeout,
                max_response_bytes: self.max_response_bytes,
                sandbox: std::sync::atomic::AtomicBool::new(false),
                server_date: std::sync::atomic::AtomicU64::new(0),
            }),
        })
    }
}
