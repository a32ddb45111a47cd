//! Dropdown lookups: read a field's values (typed through a generated [`LookupField`], or as
//! the crm-schema model) and append values to a list (`PATCH /lookup/{list_name}`).

use bytes::Bytes;
use crm_schema::LookupValue;
use serde::Deserialize;

use crate::client::Client;
use crate::decode;
use crate::error::{Error, Kind};
use crate::record::{LookupEnum, LookupField};
use crate::transport::{Call, read_body};

/// The answer to an append: the service's message and the values it lists.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Appended {
    /// `Lookup values added`.
    #[serde(default)]
    pub message: Option<String>,
    /// The values as stored.
    #[serde(default)]
    pub items: Vec<AppendedItem>,
}

/// One value in an append's answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AppendedItem {
    /// The value.
    pub value: String,
    /// Its id (the value itself, in the documented example).
    #[serde(default, deserialize_with = "string_or_number")]
    pub id: Option<String>,
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    })
}

impl Client {
    /// The raw body of `GET /lookup/{object}/{field}`, as received.
    pub async fn lookup_raw(&self, object: &str, field: &str) -> Result<Bytes, Error> {
        let call = Call::new(reqwest::Method::GET, ["lookup", object, field]);
        let limit = self.dictionary_body_limit();
        self.execute(&call, |_, resp| async move {
            let body = read_body(resp, limit).await?;
            // Validate it is JSON so a cut-short body is retried rather than returned.
            decode::other::<serde::de::IgnoredAny>("lookup", &body)?;
            Ok(body)
        })
        .await
    }

    /// A field's dropdown values by API name, parsed into the crm-schema model.
    ///
    /// ```no_run
    /// # async fn demo(client: crm_runtime::Client) -> Result<(), crm_runtime::Error> {
    /// for v in client.lookup_values("accounts", "type").await? {
    ///     println!("{}", v.value);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn lookup_values(
        &self,
        object: &str,
        field: &str,
    ) -> Result<Vec<LookupValue>, Error> {
        let raw = self.lookup_raw(object, field).await?;
        let body = self.redactor().await.mask_bytes(&raw).into_owned();
        crm_schema::raw::lookup_values_from_response(&body).map_err(|e| {
            Error::new(Kind::Decode)
                .with_request("GET", &format!("/lookup/{object}/{field}"))
                .with_detail(format!("lookup values not understood: {e}"))
        })
    }

    /// A generated dropdown field's values, typed (unknown values become `Other`).
    pub async fn lookup<F: LookupField>(&self) -> Result<Vec<F::Value>, Error> {
        let object = <F::Object as crate::Object>::API_NAME;
        let values = self.lookup_values(object, F::FIELD).await?;
        values
            .into_iter()
            .map(|v| {
                v.value.parse::<F::Value>().map_err(|_| {
                    Error::new(Kind::Decode).with_detail(format!(
                        "lookup value `{}` of {object}.{} not understood",
                        v.value,
                        F::FIELD
                    ))
                })
            })
            .collect()
    }

    /// Appends values to a dropdown list by list name (`PATCH /lookup/{list_name}`).
    pub async fn append_lookup(
        &self,
        list_name: &str,
        items: &[impl AsRef<str>],
    ) -> Result<Appended, Error> {
        let items: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
        let body = serde_json::to_vec(&serde_json::json!({ "items": items }))
            .map_err(|e| Error::new(Kind::Config).with_detail(e.to_string()))?;
        let call = Call::new(reqwest::Method::PATCH, ["lookup", list_name]).json(Bytes::from(body));
        let limit = self.inner.max_response_bytes;
        self.execute(&call, |_, resp| async move {
            let body = read_body(resp, limit).await?;
            decode::other::<Appended>("lookup append", &body)
        })
        .await
    }

    /// Appends typed values to a generated dropdown field's list.
    ///
    /// Where the snapshot marks the list name `list_name_inferred` (the tenant never stated
    /// it, so it was made up from object and field), the tenant may know the list by another
    /// name; a failure then says so, and the fix is the tenant's name as `list_name` in the
    /// snapshot, without the mark.
    pub async fn append_lookup_values<F: LookupField>(
        &self,
        values: &[F::Value],
    ) -> Result<Appended, Error> {
        let items: Vec<&str> = values.iter().map(LookupEnum::as_str).collect();
        let result = self.append_lookup(F::LIST_NAME, &items).await;
        match result {
            Err(e) if F::LIST_NAME_INFERRED && e.status().is_some() => Err(e.with_hint(&format!(
                "the list name `{}` of field `{}` is inferred (the tenant never stated it); if the tenant names the list otherwise, write its name as `list_name` in the snapshot and remove `list_name_inferred`",
                F::LIST_NAME,
                F::FIELD
            ))),
            other => other,
        }
    }
}
