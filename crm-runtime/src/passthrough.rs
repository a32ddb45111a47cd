//! `GET` of any path, body returned as received: for tools that must keep what a server said
//! even when it is not what the API documents (the refresh command saves such bodies for bug
//! reports instead of guessing at them).

use bytes::Bytes;

use crate::client::Client;
use crate::error::Error;
use crate::transport::{Call, read_body};

impl Client {
    /// `GET {base}/{segments...}?{query}` under the client's retry policy, rate limit and usage
    /// accounting; the 2xx body exactly as received, not checked to be JSON. Segments are
    /// percent-encoded, so a field name with `/` stays one segment.
    ///
    /// ```no_run
    /// # async fn demo(client: crm_runtime::Client) -> Result<(), crm_runtime::Error> {
    /// let body = client.get_bytes(&["lookup", "accounts", "addresscounty/state"], &[]).await?;
    /// println!("{} bytes", body.len());
    /// # Ok(()) }
    /// ```
    pub async fn get_bytes(
        &self,
        segments: &[&str],
        query: &[(&'static str, &str)],
    ) -> Result<Bytes, Error> {
        let mut call = Call::new(reqwest::Method::GET, segments.iter().copied());
        for (key, value) in query {
            call = call.query(key, *value);
        }
        let limit = self.inner.max_response_bytes;
        self.execute(&call, |_, resp| async move { read_body(resp, limit).await })
            .await
    }
}
