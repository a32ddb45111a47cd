//! Authentication: a bearer token, fixed or from a [`TokenProvider`] that can refresh it.
//!
//! The token lives in a [`SecretString`]: it is exposed only to build the `Authorization`
//! header, which is itself marked sensitive, so it never reaches `Debug`, errors or traces.

use std::future::Future;
use std::pin::Pin;

use secrecy::SecretString;

use crate::error::Error;

/// A boxed future, as [`TokenProvider`] returns (the trait is used as `dyn`).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A source of access tokens, for tokens that expire (OAuth 2.0 web flow).
///
/// The client asks for [`token`](TokenProvider::token) before each request. When the service
/// answers 401, 402, 403 or a redirect to its login page, the client calls
/// [`refresh`](TokenProvider::refresh) once and repeats the request with the new token; a second
/// refusal is returned as an error.
///
/// ```no_run
/// use crm_runtime::{BoxFuture, Error, TokenProvider};
/// use secrecy::SecretString;
///
/// struct FromVault;
/// impl TokenProvider for FromVault {
///     fn token(&self) -> BoxFuture<'_, Result<SecretString, Error>> {
///         Box::pin(async { Ok(SecretString::from("cached")) })
///     }
///     fn refresh(&self) -> BoxFuture<'_, Result<Option<SecretString>, Error>> {
///         Box::pin(async { Ok(Some(SecretString::from("fresh"))) })
///     }
/// }
/// ```
pub trait TokenProvider: Send + Sync + 'static {
    /// The current token.
    fn token(&self) -> BoxFuture<'_, Result<SecretString, Error>>;

    /// Obtains a new token after the service refused the current one. `Ok(None)` means the
    /// provider cannot refresh, and the refusal is returned to the caller.
    fn refresh(&self) -> BoxFuture<'_, Result<Option<SecretString>, Error>> {
        Box::pin(async { Ok(None) })
    }
}

/// A fixed token that cannot be refreshed (a key generated in the CRM's settings).
pub(crate) struct StaticToken(pub(crate) SecretString);

impl TokenProvider for StaticToken {
    fn token(&self) -> BoxFuture<'_, Result<SecretString, Error>> {
        let token = self.0.clone();
        Box::pin(async move { Ok(token) })
    }
}
