//! The data dictionary: raw (`GET /datadictionary/{object}` as received) and parsed into the
//! crm-schema model with its dropdown lists filled from `GET /lookup/{object}/{field}`.

use bytes::Bytes;
use crm_schema::{ObjectDef, Source};

use crate::client::Client;
use crate::decode;
use crate::error::{Error, Kind};
use crate::transport::{Call, read_body};

impl Client {
    /// Dictionary and lookup answers are small: they stay under the crm-schema limit for them,
    /// or the client's own when that is lower.
    pub(crate) fn dictionary_body_limit(&self) -> usize {
        self.inner
            .max_response_bytes
            .min(crm_schema::raw::MAX_RESPONSE_BYTES)
    }

    /// The body of `GET /datadictionary/{object}`, exactly as received (checked to be JSON).
    pub async fn dictionary_raw(&self, object: &str) -> Result<Bytes, Error> {
        let call = Call::new(reqwest::Method::GET, ["datadictionary", object]);
        let limit = self.dictionary_body_limit();
        self.execute(&call, |_, resp| async move {
            let body = read_body(resp, limit).await?;
            decode::other::<serde::de::IgnoredAny>("data dictionary", &body)?;
            Ok(body)
        })
        .await
    }

    /// The data dictionary of `object` in the crm-schema model, each dropdown's values read
    /// from the lookup endpoint. Its provenance is [`Source::Sandbox`] for a loopback base URL
    /// and [`Source::Tenant`] otherwise, fetched now.
    ///
    /// ```no_run
    /// # async fn demo(client: crm_runtime::Client) -> Result<(), crm_runtime::Error> {
    /// let accounts = client.dictionary("accounts").await?;
    /// println!("{} fields", accounts.fields.len());
    /// # Ok(()) }
    /// ```
    pub async fn dictionary(&self, object: &str) -> Result<ObjectDef, Error> {
        // Labels echoing the token must not reach the model (or a message quoting the body).
        let raw = self.dictionary_raw(object).await?;
        let body = self.redactor().await.mask_bytes(&raw).into_owned();
        let source = Source::for_base_url(self.base_url())
            .identified_as_sandbox(self.identifies_as_sandbox());
        let fetched_at = Some(crm_schema::Provenance::now());
        let mut def = crm_schema::raw::dictionary_from_response(object, &body, source, fetched_at)
            .map_err(|e| {
                Error::new(Kind::Decode)
                    .with_request("GET", &format!("/datadictionary/{object}"))
                    .with_detail(format!("data dictionary not understood: {e}"))
            })?;
        // Every dropdown's list comes from the lookup endpoint (the dictionary may name the list
        // without its values), merged the way the refresh command merges it.
        for i in 0..def.fields.len() {
            if def.fields[i].ty == crm_schema::FieldType::Lookup {
                let values = self.lookup_values(object, &def.fields[i].api_name).await?;
                crm_schema::raw::fill_lookup(&mut def, i, values);
            }
        }
        Ok(def)
    }
}
