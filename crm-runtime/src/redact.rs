//! Server text never trusted: the [`Redactor`] for this client's token, and the one place an
//! error's server-supplied text (API message and type, validation rules, excerpts, decode
//! snippets) is masked and escaped.

use crm_schema::text::Redactor;
use secrecy::{ExposeSecret, SecretString};

use crate::client::Client;
use crate::error::Error;

/// A redactor that masks `token`.
pub(crate) fn for_token(token: &SecretString) -> Redactor {
    Redactor::default().with_secret(token.expose_secret())
}

impl Client {
    /// A [`Redactor`] that masks this client's current token (and any `Bearer` credential) in
    /// text that came from the server, for callers that show, log or store such text
    /// themselves. Errors of this client are already redacted. When the token cannot be had
    /// (a failing [`TokenProvider`](crate::TokenProvider)), it still masks `Bearer` credentials.
    ///
    /// ```no_run
    /// # async fn demo(client: crm_runtime::Client) -> Result<(), crm_runtime::Error> {
    /// let body = client.dictionary_raw("accounts").await?;
    /// let safe = client.redactor().await.mask_bytes(&body).into_owned();
    /// # Ok(()) }
    /// ```
    pub async fn redactor(&self) -> Redactor {
        match self.inner.auth.token().await {
            Ok(token) => for_token(&token),
            Err(_) => Redactor::default(),
        }
    }
}

impl Error {
    /// Masks `redactor`'s secrets in every member that holds server text and escapes control
    /// characters there, so `Display` and `Debug` stay one clean line.
    pub(crate) fn redacted(self, redactor: &Redactor) -> Self {
        self.map_server_text(|text| redactor.line(text))
    }
}
