//! The list query builder: filter, order, page size, page, lines; `.send()` for one page,
//! `.pages()` / `.items()` for lazy streams, `.count()`.

use std::borrow::Cow;
use std::marker::PhantomData;

use crate::client::Client;
use crate::decode;
use crate::error::{Error, Kind};
use crate::raw::RawRecord;
use crate::record::{HasLines, Record};
use crate::transport::{Call, read_body};
use crate::types::DateTime;
use crate::{Filter, Order};

/// A page size: 1 to 100 records, the API's range.
///
/// ```
/// use crm_runtime::PageSize;
/// assert!(PageSize::new(100).is_some());
/// assert!(PageSize::new(101).is_none());
/// assert_eq!(PageSize::MAX.get(), 100);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PageSize(u8);

impl PageSize {
    /// The largest page the API serves, and the size streams use.
    pub const MAX: PageSize = PageSize(100);

    /// `n` records per page, if `1 <= n <= 100`.
    pub const fn new(n: u32) -> Option<PageSize> {
        if n >= 1 && n <= 100 {
            Some(PageSize(n as u8))
        } else {
            None
        }
    }

    /// The number of records.
    pub const fn get(self) -> u32 {
        self.0 as u32
    }
}

impl TryFrom<u32> for PageSize {
    type Error = Error;
    fn try_from(n: u32) -> Result<Self, Error> {
        PageSize::new(n).ok_or_else(|| {
            Error::new(Kind::Config).with_detail(format!("page size {n} is outside 1..=100"))
        })
    }
}

/// The field the server stamps on every write, which [`Query::modified_since`] filters on.
pub const MODIFIED_DATE: &str = "modifieddate";

/// What can be listed: every generated record type and projection, and [`RawRecord`].
#[doc(hidden)]
pub trait Listable: serde::de::DeserializeOwned + Send + 'static {
    /// The record's id, used to detect a repeated record.
    fn list_id(&self) -> Option<u64>;
    /// The record's content, used to detect a repeated page of records without ids; only
    /// types whose records can lack an id need it.
    fn list_content(&self) -> &str {
        ""
    }
}

impl<R: Record> Listable for R {
    fn list_id(&self) -> Option<u64> {
        Some(self.id().get())
    }
}

impl Listable for RawRecord {
    fn list_id(&self) -> Option<u64> {
        self.id()
    }
    fn list_content(&self) -> &str {
        self.json()
    }
}

/// One page of a list.
#[derive(Debug)]
pub struct Page<R> {
    pub(crate) records: Vec<R>,
    pub(crate) total_count: Option<u64>,
    pub(crate) has_more: Option<bool>,
    pub(crate) number: u32,
    pub(crate) limit: u32,
}

impl<R> Page<R> {
    /// The records of this page.
    pub fn records(&self) -> &[R] {
        &self.records
    }
    /// The records, owned.
    pub fn into_records(self) -> Vec<R> {
        self.records
    }
    /// The number of records matching the query, as the server counted it. On a stream paging
    /// by id (see [`crate::paginate`]), the server counts what remains after the last id, and
    /// this is that count plus the records the stream yielded before the page.
    pub fn total_count(&self) -> Option<u64> {
        self.total_count
    }
    /// Whether the server says more pages follow (absent on some deployments).
    pub fn has_more(&self) -> Option<bool> {
        self.has_more
    }
    /// The page number (1 is the first page).
    pub fn number(&self) -> u32 {
        self.number
    }
    /// The page size asked for.
    pub fn limit(&self) -> u32 {
        self.limit
    }
}

impl<R: Listable> Page<R> {
    /// Decodes a list answer fetched some other way (a fixture, a cache), exactly as the
    /// client decodes the pages it fetches. `object` names the object in errors.
    ///
    /// ```
    /// use crm_runtime::{Page, RawRecord};
    /// let body = br#"{"metadata":{"total_count":1,"has_more":false},"list":[{"record":{"id":7}}]}"#;
    /// let page = Page::<RawRecord>::from_json("accounts", body, false)?;
    /// assert_eq!(page.records()[0].id(), Some(7));
    /// # Ok::<(), crm_runtime::Error>(())
    /// ```
    pub fn from_json(object: &str, body: &[u8], lenient: bool) -> Result<Page<R>, Error> {
        let (records, meta) = decode::page::<R>(object, lenient, body).map_err(|f| f.error)?;
        let limit = u32::try_from(records.len()).unwrap_or(u32::MAX);
        Ok(Page {
            records,
            total_count: meta.total_count,
            has_more: meta.has_more,
            number: 1,
            limit,
        })
    }
}

impl<R> IntoIterator for Page<R> {
    type Item = R;
    type IntoIter = std::vec::IntoIter<R>;
    fn into_iter(self) -> Self::IntoIter {
        self.records.into_iter()
    }
}

/// A list query on one object. Nothing is sent until [`send`](Query::send), or until a stream
/// from [`pages`](Query::pages) / [`items`](Query::items) is polled.
///
/// ```no_run
/// # async fn demo(client: crm_runtime::Client) -> Result<(), crm_runtime::Error> {
/// use futures::TryStreamExt;
/// let mut items = client.object("accounts").list().q_json(r#"{"type":"Client"}"#).items();
/// while let Some(record) = items.try_next().await? {
///     println!("{}", record.json());
/// }
/// # Ok(()) }
/// ```
#[must_use = "a query does nothing until sent or streamed"]
pub struct Query<R> {
    pub(crate) client: Client,
    pub(crate) object: Cow<'static, str>,
    pub(crate) q: Option<String>,
    /// The typed filter was too large to become `q`; reported when the query is sent.
    pub(crate) q_too_large: bool,
    pub(crate) order: Option<String>,
    pub(crate) limit: Option<PageSize>,
    pub(crate) page: Option<u32>,
    pub(crate) lines: bool,
    pub(crate) prefetch: usize,
    /// [`Query::modified_since`]: ANDed into every request's `q`, after keyset paging's own
    /// condition, so it holds whatever the stream adds.
    pub(crate) since: Option<DateTime>,
    pub(crate) record: PhantomData<fn() -> R>,
}

impl<R> Clone for Query<R> {
    fn clone(&self) -> Self {
        Query {
            client: self.client.clone(),
            object: self.object.clone(),
            q: self.q.clone(),
            q_too_large: self.q_too_large,
            order: self.order.clone(),
            limit: self.limit,
            page: self.page,
            lines: self.lines,
            prefetch: self.prefetch,
            since: self.since,
            record: PhantomData,
        }
    }
}

impl<R> std::fmt::Debug for Query<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Query")
            .field("object", &self.object)
            .field("q", &self.q)
            .field("order", &self.order)
            .field("limit", &self.limit)
            .field("page", &self.page)
            .field("lines", &self.lines)
            .field("prefetch", &self.prefetch)
            .field("since", &self.since)
            .finish()
    }
}

impl Client {
    /// A list query for a generated record type or a projection.
    ///
    /// ```no_run
    /// # async fn demo<R: crm_runtime::Record>(client: crm_runtime::Client) -> Result<(), crm_runtime::Error> {
    /// let page = client.list::<R>().limit(crm_runtime::PageSize::MAX).send().await?;
    /// println!("{:?} in all", page.total_count());
    /// # Ok(()) }
    /// ```
    pub fn list<R: Record>(&self) -> Query<R> {
        Query::new(
            self.clone(),
            Cow::Borrowed(<R::Object as crate::Object>::API_NAME),
        )
    }
}

impl<R> Query<R> {
    pub(crate) fn new(client: Client, object: Cow<'static, str>) -> Self {
        Query {
            client,
            object,
            q: None,
            q_too_large: false,
            order: None,
            limit: None,
            page: None,
            lines: false,
            prefetch: 1,
            since: None,
            record: PhantomData,
        }
    }

    /// Filters with a raw `q` JSON text, fields by API name (the escape hatch for fields the
    /// snapshot does not know). Replaces any earlier filter.
    pub fn q_json(mut self, q: impl Into<String>) -> Self {
        self.q = Some(q.into());
        self.q_too_large = false;
        self
    }

    /// Orders with a raw `order` JSON text (`{"name":"asc","id":"desc"}`). Replaces any
    /// earlier order.
    pub fn order_json(mut self, order: impl Into<String>) -> Self {
        self.order = Some(order.into());
        self
    }

    /// The page size (default: the server's, 10, for [`send`](Query::send); 100 for streams).
    pub fn limit(mut self, size: PageSize) -> Self {
        self.limit = Some(size);
        self
    }

    /// The page [`send`](Query::send) fetches, and the first page streams start at (1 is the
    /// first page).
    pub fn page(mut self, n: u32) -> Self {
        self.page = Some(n.max(1));
        self
    }

    /// Streams fetch up to `n` pages at once, yielding them in order (default 1: one page at a
    /// time). In ascending id order that is `n` keyset lanes over id ranges (one extra request
    /// learns the largest id); in another order, pages by number once the first page reveals
    /// `total_count`.
    pub fn prefetch(mut self, n: usize) -> Self {
        self.prefetch = n.max(1);
        self
    }

    /// Only records whose `modifieddate` is at or after `ts` (`$gte`: the stamp has one-second
    /// resolution, so a record written in the second of `ts` is included). ANDed with the
    /// filter set by [`filter`](Query::filter) or [`q_json`](Query::q_json), before or after
    /// this call; a later call replaces `ts`. Streams in id order still page by id.
    ///
    /// `ts` is the API's own zone-less form: the tenant stores stamps in its own clock, so
    /// converting from a zoned time is the caller's decision.
    ///
    /// ```no_run
    /// # async fn demo(client: crm_runtime::Client) -> Result<(), crm_runtime::Error> {
    /// use futures::TryStreamExt;
    /// let since = crm_runtime::DateTime::new(crm_runtime::Date::from_ymd(2026, 11, 30).unwrap(), 0, 0, 0).unwrap();
    /// let mut changed = client.object("accounts").list().modified_since(since).items();
    /// while let Some(record) = changed.try_next().await? {
    ///     println!("{}", record.json());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn modified_since(mut self, ts: impl Into<DateTime>) -> Self {
        self.since = Some(ts.into());
        self
    }

    pub(crate) fn call(
        &self,
        page: Option<u32>,
        limit: Option<PageSize>,
        order: Option<&str>,
        q: Option<&str>,
    ) -> Call {
        let mut call = Call::new(reqwest::Method::GET, [self.object.to_string()]);
        if let Some(l) = limit {
            call = call.query("limit", l.get().to_string());
        }
        if let Some(p) = page {
            call = call.query("page", p.to_string());
        }
        if let Some(q) = q {
            call = call.query("q", q.to_owned());
        }
        if let Some(o) = order {
            call = call.query("order", o.to_owned());
        }
        if self.lines {
            call = call.query("lines", "true");
        }
        call
    }
}

impl<R: Record> Query<R> {
    /// Filters with a typed filter. Replaces any earlier filter; combine conditions in the
    /// filter itself.
    pub fn filter(mut self, filter: Filter<R::Object>) -> Self {
        // An empty filter means "everything": send no `q` rather than `{}`.
        self.q = None;
        self.q_too_large = false;
        if !filter.is_empty() {
            match filter.try_to_q() {
                Ok(q) => self.q = Some(q),
                // The builder cannot fail, so the error waits for the first request.
                Err(_) => self.q_too_large = true,
            }
        }
        self
    }

    /// Orders by typed sort keys, applied in the order given.
    pub fn order_by(mut self, order: Order<R::Object>) -> Self {
        // No keys: leave the order to the default (by id, for streams).
        self.order = (!order.is_empty()).then(|| order.to_order());
        self
    }
}

impl<R: Record> Query<R> {
    /// Embeds each opportunity's lines (`lines=true`). The bound is on the method, not the
    /// impl, so that calling it elsewhere reports `HasLines`'s message.
    pub fn with_lines(mut self) -> Self
    where
        R::Object: HasLines,
    {
        self.lines = true;
        self
    }
}

impl Query<RawRecord> {
    /// Asks for embedded lines (`lines=true`); only opportunities have them.
    pub fn lines(mut self, on: bool) -> Self {
        self.lines = on;
        self
    }
}

impl<R: Listable> Query<R> {
    /// Fetches one page: the one set with [`page`](Query::page), else the first.
    pub async fn send(&self) -> Result<Page<R>, Error> {
        let number = self.page.unwrap_or(1);
        self.fetch(number, self.limit, self.order.as_deref()).await
    }

    pub(crate) async fn fetch(
        &self,
        number: u32,
        limit: Option<PageSize>,
        order: Option<&str>,
    ) -> Result<Page<R>, Error> {
        self.fetch_q(number, limit, order, self.q.as_deref()).await
    }

    /// [`fetch`](Query::fetch) with another `q` (keyset paging adds its id condition).
    pub(crate) async fn fetch_q(
        &self,
        number: u32,
        limit: Option<PageSize>,
        order: Option<&str>,
        q: Option<&str>,
    ) -> Result<Page<R>, Error> {
        let with_since;
        let q = match self.since {
            None => q,
            Some(ts) => {
                let since = Filter::<()>::condition(
                    MODIFIED_DATE,
                    crate::filter::Op::Gte,
                    crate::filter::FilterValue::to_json(&ts),
                );
                match since.and_into_q(q, "modified_since") {
                    Ok(text) => {
                        with_since = text;
                        Some(with_since.as_str())
                    }
                    Err(e) => {
                        let call = self.call(Some(number), limit, order, q);
                        return Err(e.with_request("GET", &call.path()));
                    }
                }
            }
        };
        let call = self.call(Some(number), limit, order, q);
        if self.q_too_large {
            return Err(crate::filter::q_too_large().with_request("GET", &call.path()));
        }
        let span = tracing::debug_span!("crm.page", object = %self.object, page = number);
        let lenient = self.client.inner.lenient;
        let max_body = self.client.inner.max_response_bytes;
        let object = &*self.object;
        let (records, meta) = tracing::Instrument::instrument(
            self.client.execute(&call, |_, resp| async move {
                let body = read_body(resp, max_body).await?;
                decode::page::<R>(object, lenient, &body)
            }),
            span,
        )
        .await?;
        Ok(Page {
            records,
            total_count: meta.total_count,
            has_more: meta.has_more,
            number,
            limit: limit.map_or(10, PageSize::get),
        })
    }

    /// The number of records matching the filter: `total_count` of a one-record page, or,
    /// where the server does not send it, a count of every page.
    pub async fn count(&self) -> Result<u64, Error> {
        let first = self
            .fetch(1, PageSize::new(1), self.order.as_deref())
            .await?;
        if let Some(n) = first.total_count {
            return Ok(n);
        }
        use futures::TryStreamExt;
        let mut pages = std::pin::pin!(self.clone().pages());
        let mut n = 0u64;
        while let Some(p) = pages.try_next().await? {
            n += p.records.len() as u64;
        }
        Ok(n)
    }
}
