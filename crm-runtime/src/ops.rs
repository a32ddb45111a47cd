//! Single-record operations: get, create (201), update, delete; typed, and by API name.

use std::borrow::Cow;

use bytes::Bytes;
use serde::Serialize;

use crate::client::Client;
use crate::decode;
use crate::error::{Error, Kind};
use crate::query::{Listable, Query};
use crate::raw::RawRecord;
use crate::record::{Create, HasLines, Id, Object, Patch, Record};
use crate::transport::{Call, read_body};

impl Client {
    async fn record_call<T: Listable>(&self, object: &str, call: Call) -> Result<T, Error> {
        let lenient = self.inner.lenient;
        let limit = self.inner.max_response_bytes;
        self.execute(&call, |_, resp| async move {
            let body = read_body(resp, limit).await?;
            decode::single::<T>(object, lenient, &body)
        })
        .await
    }

    /// A DELETE. A 404 to a retry whose earlier attempt lost its answer is success: that
    /// attempt may have deleted the record, and either way the record is gone.
    async fn empty_call(&self, call: Call) -> Result<(), Error> {
        let limit = self.inner.max_response_bytes;
        match self
            .execute(&call, |_, resp| async move {
                read_body(resp, limit).await.map(drop)
            })
            .await
        {
            Err(e) if e.is_not_found() && e.follows_a_loss() => Ok(()),
            other => other,
        }
    }

    /// One record by id (`GET /{object}/{id}`), as the object's generated type: the id's type
    /// says which, so `let a = client.get(account_id).await?` needs no annotation. A missing
    /// record is [`Error::is_not_found`]; [`get_as`](Self::get_as) reads into a projection.
    ///
    /// ```no_run
    /// # async fn demo<O: crm_runtime::Record<Object = O>>(client: crm_runtime::Client, id: crm_runtime::Id<O>) -> Result<(), crm_runtime::Error> {
    /// let record = client.get(id).await?;
    /// # let _: O = record; Ok(()) }
    /// ```
    pub async fn get<O: Record<Object = O>>(&self, id: Id<O>) -> Result<O, Error> {
        self.get_as(id).await
    }

    /// One record by id, read into `R`: a projection (`#[derive(Record)]`) or the generated type.
    ///
    /// ```no_run
    /// # async fn demo<R: crm_runtime::Record>(client: crm_runtime::Client) -> Result<(), crm_runtime::Error> {
    /// let record = client.get_as::<R>(crm_runtime::Id::new(42)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn get_as<R: Record>(&self, id: Id<R::Object>) -> Result<R, Error> {
        let object = <R::Object as Object>::API_NAME;
        self.record_call(
            object,
            Call::new(reqwest::Method::GET, [object.to_owned(), id.to_string()]),
        )
        .await
    }

    /// One opportunity by id with its lines embedded (`lines=true`).
    pub async fn get_with_lines<O>(&self, id: Id<O>) -> Result<O, Error>
    where
        O: Record<Object = O> + HasLines,
    {
        self.get_with_lines_as(id).await
    }

    /// One opportunity by id with its lines embedded, read into `R` (a projection, say).
    pub async fn get_with_lines_as<R: Record>(&self, id: Id<R::Object>) -> Result<R, Error>
    where
        R::Object: HasLines,
    {
        let object = <R::Object as Object>::API_NAME;
        let call = Call::new(reqwest::Method::GET, [object.to_owned(), id.to_string()])
            .query("lines", "true");
        self.record_call(object, call).await
    }

    /// Creates a record from a built `NewX` (`POST /{object}`, 201) and returns it as the server
    /// stored it, as the object's generated type (the body says which). Retried only when the
    /// server cannot have acted (no connection, or refused with 429/503), so it cannot create
    /// twice; when it may have acted without answering, the error is
    /// [`Error::is_unknown_outcome`]: look the record up before creating it again.
    ///
    /// ```no_run
    /// # async fn demo<C: crm_runtime::Create>(client: crm_runtime::Client, new: C) -> Result<(), crm_runtime::Error>
    /// # where C::Object: crm_runtime::Record<Object = C::Object> {
    /// let created = client.create(&new).await?;
    /// # let _: C::Object = created; Ok(()) }
    /// ```
    pub async fn create<C>(&self, new: &C) -> Result<C::Object, Error>
    where
        C: Create,
        C::Object: Record<Object = C::Object>,
    {
        self.create_as(new).await
    }

    /// Creates a record and reads the answer into `R` (a projection, say).
    pub async fn create_as<R, C>(&self, new: &C) -> Result<R, Error>
    where
        C: Create,
        R: Record<Object = C::Object>,
    {
        let object = <C::Object as Object>::API_NAME;
        let call = Call::new(reqwest::Method::POST, [object.to_owned()]).json(to_json(new)?);
        self.record_call(object, call).await
    }

    /// Applies a patch (`PATCH /{object}/{id}`): only the fields it touched are sent. Returns
    /// the record as the object's generated type.
    pub async fn update<P>(&self, id: Id<P::Object>, patch: &P) -> Result<P::Object, Error>
    where
        P: Patch,
        P::Object: Record<Object = P::Object>,
    {
        self.update_as(id, patch).await
    }

    /// Applies a patch and reads the answer into `R` (a projection, say).
    pub async fn update_as<R, P>(&self, id: Id<P::Object>, patch: &P) -> Result<R, Error>
    where
        P: Patch,
        R: Record<Object = P::Object>,
    {
        let object = <P::Object as Object>::API_NAME;
        let call = Call::new(reqwest::Method::PATCH, [object.to_owned(), id.to_string()])
            .json(to_json(patch)?);
        self.record_call(object, call).await
    }

    /// Deletes a record (`DELETE /{object}/{id}`).
    pub async fn delete<O: Object>(&self, id: Id<O>) -> Result<(), Error> {
        self.empty_call(Call::new(
            reqwest::Method::DELETE,
            [O::API_NAME.to_owned(), id.to_string()],
        ))
        .await
    }

    /// An object by API name, for what the generated types do not cover.
    ///
    /// ```no_run
    /// # async fn demo(client: crm_runtime::Client) -> Result<(), crm_runtime::Error> {
    /// let claims = client.object("claims");
    /// let claim = claims.get(7).await?;
    /// println!("{}", claim.json());
    /// # Ok(()) }
    /// ```
    pub fn object(&self, api_name: impl Into<String>) -> DynObject {
        DynObject {
            client: self.clone(),
            name: api_name.into(),
        }
    }
}

fn to_json<T: Serialize>(body: &T) -> Result<Bytes, Error> {
    serde_json::to_vec(body).map(Bytes::from).map_err(|e| {
        Error::new(Kind::Config).with_detail(format!("cannot serialise the request body: {e}"))
    })
}

/// An object addressed by API name; records are [`RawRecord`]s, bodies any `Serialize`.
#[derive(Debug, Clone)]
pub struct DynObject {
    client: Client,
    name: String,
}

impl DynObject {
    /// The object's API name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A list query; filter with [`Query::q_json`].
    pub fn list(&self) -> Query<RawRecord> {
        Query::new(self.client.clone(), Cow::Owned(self.name.clone()))
    }

    /// One record by id.
    pub async fn get(&self, id: u64) -> Result<RawRecord, Error> {
        let call = Call::new(reqwest::Method::GET, [self.name.clone(), id.to_string()]);
        self.client.record_call(&self.name, call).await
    }

    /// Creates a record (`POST`; retried only when the server cannot have acted, see
    /// [`Client::create`]).
    pub async fn create(&self, body: &impl Serialize) -> Result<RawRecord, Error> {
        let call = Call::new(reqwest::Method::POST, [self.name.clone()]).json(to_json(body)?);
        self.client.record_call(&self.name, call).await
    }

    /// Updates a record with the fields in `body`.
    pub async fn update(&self, id: u64, body: &impl Serialize) -> Result<RawRecord, Error> {
        let call = Call::new(reqwest::Method::PATCH, [self.name.clone(), id.to_string()])
            .json(to_json(body)?);
        self.client.record_call(&self.name, call).await
    }

    /// Deletes a record.
    pub async fn delete(&self, id: u64) -> Result<(), Error> {
        self.client
            .empty_call(Call::new(
                reqwest::Method::DELETE,
                [self.name.clone(), id.to_string()],
            ))
            .await
    }
}
