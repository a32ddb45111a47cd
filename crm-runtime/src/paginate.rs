//! Pagination streams that never lose or repeat a record silently.
//!
//! Strategy: a stream starting at page 1 pages by key (see [`keyset`]): every request asks for
//! page 1 of the user's `q` AND "past the last record". In id order (the default; also an
//! explicit `{"id":"asc"}`) that is `"id":{"$gt": last id}`; in another order over fields
//! f1..fk it is the `$or` of `$gt`/`$lt` and equalities over (f1..fk, id), the order sent with
//! `"id":"asc"` appended as the explicit tie-break. Records deleted or created meanwhile cannot
//! shift a record that exists throughout the stream out of its page: it is yielded exactly
//! once. An answer with an id at or below the last one (another order: an id already received)
//! means a server ignoring the condition and switches the stream to page numbers, from the page
//! it had reached, with a `tracing` warning; so do records without ids. In another order an
//! empty key value (null, `""`, the zero date) has no exact place in a comparison: a probe after
//! page 1 for records with a null key field, or such a value on a page, sends the stream to page
//! numbers too. A start page, an order that is not an object of `"asc"`/`"desc"`, and prefetch
//! in an order other than ascending ids page by number. On a stream paging by key,
//! `total_count` is the server's count of what remains plus what was yielded before.
//!
//! Rules: start at page 1 (or the query's page) with 100 records per page; stop on
//! `has_more: false`, on an empty page, or, when `has_more` is absent, on a short page or once
//! `total_count` records have arrived. Without an explicit order, streams ask for
//! `{"id":"asc"}`: the API's default order is unspecified, and paging an unstable order can skip
//! or repeat records.
//!
//! A stream ends in success only when what arrived is consistent; otherwise it ends with an
//! [`Error::is_pagination`] error whose [`Verdict`] (see [`Error::pagination`]) holds the counts:
//! - an id already received (or twice on one page) stops the stream before that page is
//!   yielded, so no record is ever yielded twice;
//! - for records without ids, a page whose content repeats an earlier page's does the same;
//! - more records than the largest announced `total_count` plus [`slack`] do the same;
//! - an end short of the latest announced `total_count` (an empty or short page, an early
//!   `has_more: false`) fetches that page once more, and its second answer is used (the missing
//!   records, or a smaller count); still short, the page's records are yielded and the verdict
//!   follows them. A `total_count` that cannot be read counts as absent.
//!
//! The bookkeeping is [`ledger`]'s, shared by every paging strategy.
//!
//! With [`Query::prefetch`] in ascending id order, page 1 and a probe for the largest id are
//! followed by parallel keyset lanes over id ranges (see [`lanes`]), yielded in id order, the
//! last lane open-ended; every lane page goes through the same ledger. Paging by number, once a
//! page reveals `total_count`, the pages up to the last one are fetched concurrently (at most
//! `n` at once) and yielded in order; if the last of them still says more follow, paging
//! continues one page at a time.

use std::sync::Arc;

use futures::stream::{self, BoxStream};
use futures::{Stream, StreamExt, TryStreamExt};

mod ids;
mod keyset;
mod lanes;
pub mod ledger;

use serde_json::Value;

use crate::decode;
use crate::error::Error;
use crate::query::{Listable, Page, PageSize, Query};
use crate::transport::read_body;
use keyset::{Key, Keyset};
use lanes::{LanePage, Lanes};

pub(crate) use ledger::Ledger;
pub use ledger::{End, Problem, Verdict, slack};

/// The order streams use when the query has none.
pub const DEFAULT_STREAM_ORDER: &str = r#"{"id":"asc"}"#;

struct State<R> {
    query: Arc<Query<R>>,
    order: Arc<str>,
    limit: PageSize,
    /// The next page to ask for; `None` once page `u32::MAX` has been asked for.
    next: Option<u32>,
    ledger: Ledger,
    /// The page last fetched a second time to confirm a short end.
    rechecked: Option<u32>,
    done: bool,
    /// An error to return on the next poll, after the page that revealed it was yielded.
    failed: Option<Error>,
    /// Paging by key, while the server honours it; `next` then numbers the requests.
    keyset: Option<Keyset>,
    /// The key values of each record of the page last fetched by key in an order other than
    /// the id; `None` when they could not be read.
    page_keys: Option<Vec<Vec<Value>>>,
    /// Whether what follows the first page by key was decided (lanes, or a probe for empty keys).
    planned: bool,
    /// Prefetch lanes over id ranges, while they run.
    lanes: Option<Lanes<R>>,
    ahead: Option<BoxStream<'static, Result<Page<R>, Error>>>,
}

impl<R: Listable> Query<R> {
    /// All pages, lazily: nothing is sent until the stream is polled. Empty pages are not
    /// yielded. Uses the query's page size, or 100; see the module docs for the stop rules.
    pub fn pages(self) -> impl Stream<Item = Result<Page<R>, Error>> + Send + Unpin + 'static {
        let limit = self.limit.unwrap_or(PageSize::MAX);
        let order = self
            .order
            .clone()
            .unwrap_or_else(|| DEFAULT_STREAM_ORDER.to_owned());
        let first = self.page.unwrap_or(1);
        let next = Some(first);
        let skipped = u64::from(first.saturating_sub(1)) * u64::from(limit.get());
        let ledger = Ledger::new(&self.object, skipped);
        // Other orders page by key only one page at a time: their prefetch pages by number.
        let keyset = (first == 1)
            .then(|| Keyset::new(&order, self.q.as_deref(), self.prefetch == 1))
            .flatten();
        // The keyset's order (its tie-break made explicit) stays the stream's after a fallback.
        let order: Arc<str> = keyset.as_ref().map_or(order.as_str(), Keyset::order).into();
        let state = State {
            query: Arc::new(self),
            order,
            limit,
            next,
            ledger,
            rechecked: None,
            done: false,
            failed: None,
            keyset,
            page_keys: None,
            planned: false,
            lanes: None,
            ahead: None,
        };
        // Boxed so the stream is `Unpin`: `while let Some(x) = s.try_next().await` just works.
        stream::try_unfold(state, step).boxed()
    }

    /// All records, lazily, page by page.
    ///
    /// ```no_run
    /// # async fn demo(client: crm_runtime::Client) -> Result<(), crm_runtime::Error> {
    /// use futures::TryStreamExt;
    /// let all: Vec<_> = client.object("contacts").list().prefetch(4).items().try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn items(self) -> impl Stream<Item = Result<R, Error>> + Send + Unpin + 'static {
        self.pages()
            .map_ok(|p| stream::iter(p.records.into_iter().map(Ok)))
            .try_flatten()
    }
}

async fn step<R: Listable>(mut st: State<R>) -> Result<Option<(Page<R>, State<R>)>, Error> {
    let mut again: Option<Page<R>> = None;
    loop {
        if let Some(e) = st.failed.take() {
            return Err(e);
        }
        if st.done {
            return Ok(None);
        }
        if again.is_none()
            && let Some(lanes) = &mut st.lanes
        {
            match lanes.next().await {
                Some(item) => match lane_page(&mut st, item?)? {
                    Lane::Yield(page) => return Ok(Some((page, st))),
                    // The open lane's pages are the list's: judged below like any by key.
                    Lane::Judge(page) => again = Some(page),
                    Lane::Skip => {}
                },
                // The open lane ended without ending the stream (its end was asked again and
                // more came): on by key from the last id.
                None => st.lanes = None,
            }
            continue;
        }
        let page = match again.take() {
            Some(p) => p,
            None => match &mut st.ahead {
                Some(ahead) => match ahead.next().await {
                    Some(p) => p?,
                    None => {
                        st.ahead = None;
                        continue;
                    }
                },
                None => {
                    let Some(n) = st.next else {
                        let verdict = st.ledger.verdict(u32::MAX, Problem::OutOfPages, None);
                        return Err(verdict.into_error());
                    };
                    st.next = n.checked_add(1);
                    fetch(&mut st, n).await?
                }
            },
        };
        if let Some(started) = st
            .keyset
            .as_ref()
            .filter(|ks| !ks.honoured(&page.records, |id| st.ledger.contains(id)))
            .map(Keyset::is_started)
        {
            st.keyset = None;
            st.lanes = None;
            if started {
                // An id at or below the last one: the server ignores the id condition (or the
                // order). Page numbers from here; the ledger still vouches for what arrives.
                tracing::warn!(
                    object = %st.query.object,
                    "the server ignored the id condition of keyset paging; paging by page number"
                );
                st.next = page_reached(&st);
                continue;
            }
            // The first request of both strategies is the same: keep its answer.
            tracing::debug!(object = %st.query.object, "records without ids or out of id order; paging by page number");
        }
        let checked = st
            .ledger
            .check(page.number, &page.records, page.total_count)
            .map_err(Verdict::into_error)?;
        let len = page.records.len() as u64;
        // A full page without `has_more`: the total, when known, says whether it is last.
        let end = End::of(len, u64::from(st.limit.get()), page.has_more, || {
            checked.announced.is_some_and(|t| checked.covered >= t)
        });
        let short = end.filter(|_| checked.announced.is_some_and(|t| checked.covered < t));
        if short.is_some() && st.rechecked != Some(page.number) {
            // Once per page: a second answer may carry the missing records (a hiccup) or a
            // smaller total (records deleted meanwhile). Whatever it says is what counts.
            st.rechecked = Some(page.number);
            again = Some(fetch(&mut st, page.number).await?);
            continue;
        }
        st.ledger
            .commit(page.number, &page.records, page.total_count, checked);
        if let Some(ks) = &mut st.keyset {
            let keys = st.page_keys.take();
            if !ks.keys().is_empty()
                && keys
                    .as_ref()
                    .is_none_or(|k| k.iter().flatten().any(keyset::is_empty))
            {
                // An empty key (or keys that cannot be read) has no exact place in a keyset
                // condition: page numbers from the next page, the ledger vouching for them.
                tracing::debug!(object = %st.query.object, "an empty value in an order field; paging by page number");
                st.keyset = None;
            } else {
                ks.advance(&page.records, keys.and_then(|mut k| k.pop()));
            }
        }
        if let Some(end) = short {
            let verdict = st
                .ledger
                .verdict(page.number, Problem::Short(end), checked.announced);
            st.ahead = None;
            if len == 0 {
                return Err(verdict.into_error());
            }
            st.failed = Some(verdict.into_error());
            return Ok(Some((page, st)));
        }
        if end.is_some() {
            st.done = true;
            st.ahead = None;
            if len == 0 {
                return Ok(None);
            }
        } else if !st.planned && st.keyset.as_ref().is_some_and(Keyset::is_started) {
            st.planned = true;
            plan(&mut st, page.total_count).await?;
        } else if st.ahead.is_none()
            && st.keyset.is_none()
            && st.query.prefetch > 1
            && let Some(total) = page.total_count
        {
            let last = u32::try_from(total.div_ceil(u64::from(st.limit.get()))).unwrap_or(u32::MAX);
            if let Some(from) = page.number.checked_add(1)
                && last > from
            {
                st.ahead = Some(prefetch(&st, from, last));
                st.next = last.checked_add(1);
            }
        }
        return Ok(Some((page, st)));
    }
}

/// Request `n` of the stream: page `n`, or by keyset the page after the last id.
async fn fetch<R: Listable>(st: &mut State<R>, n: u32) -> Result<Page<R>, Error> {
    // Only the parts a request needs: the state's prefetch stream is not `Sync`, so a borrow of
    // the whole state would make the stream's future not `Send`.
    let (query, order, limit) = (st.query.clone(), st.order.clone(), st.limit);
    let Some(ks) = &st.keyset else {
        return query.fetch(n, Some(limit), Some(&order)).await;
    };
    let q = ks.q();
    let received = st.ledger.received();
    let mut page = if ks.keys().is_empty() {
        query
            .fetch_q(1, Some(limit), Some(&order), q.as_deref())
            .await?
    } else {
        let keys = ks.keys().to_vec();
        let (page, values) = fetch_keyed(&query, limit, &order, q.as_deref(), &keys).await?;
        st.page_keys = values;
        page
    };
    page.number = n;
    // The server counted what remains past the last id; the ledger wants the list's total.
    page.total_count = page.total_count.map(|t| t.saturating_add(received));
    Ok(page)
}

fn prefetch<R: Listable>(
    st: &State<R>,
    from: u32,
    to: u32,
) -> BoxStream<'static, Result<Page<R>, Error>> {
    let query = st.query.clone();
    let order = st.order.clone();
    let limit = st.limit;
    let width = query.prefetch;
    stream::iter(from..=to)
        .map(move |n| {
            let query = query.clone();
            let order = order.clone();
            async move { query.fetch(n, Some(limit), Some(&order)).await }
        })
        .buffered(width)
        .boxed()
}

/// After the first page of a stream paging by key: in id order with prefetch, the lanes over
/// the ids up to the largest one (a probe of one record in descending id order finds it); in
/// another order, a probe for records with an empty key field, which a keyset cannot place:
/// any (or a probe that fails) sends the stream to page numbers.
async fn plan<R: Listable>(st: &mut State<R>, total: Option<u64>) -> Result<(), Error> {
    let (query, limit) = (st.query.clone(), st.limit);
    let Some(ks) = &st.keyset else {
        return Ok(());
    };
    if !ks.by_id_ascending() {
        let Some(q) = ks.empty_keys_q() else {
            return Ok(());
        };
        let probe = query
            .fetch_q(1, PageSize::new(1), Some(ks.order()), Some(&q))
            .await;
        if probe.is_err() || probe.is_ok_and(|p| !p.records.is_empty()) {
            tracing::debug!(object = %query.object, "records with an empty order field; paging by page number");
            st.keyset = None;
        }
        return Ok(());
    }
    if query.prefetch <= 1 {
        return Ok(());
    }
    let probe: Page<R> = query
        .fetch_q(
            1,
            PageSize::new(1),
            Some(r#"{"id":"desc"}"#),
            ks.base_q().as_deref(),
        )
        .await?;
    let (Some(max), Some(last)) = (probe.records.first().and_then(Listable::list_id), ks.last())
    else {
        return Ok(());
    };
    let remaining = total.map(|t| t.saturating_sub(st.ledger.received()));
    let lane_keys = Arc::new(ks.clone());
    // No lanes when nothing lies past the last id (or the server ignored the order): the
    // stream goes on by key, one page at a time, and notices a server ignoring it.
    st.lanes = Lanes::new(
        query.clone(),
        lane_keys,
        limit,
        query.prefetch,
        last,
        max,
        remaining,
    );
    Ok(())
}

/// The page number a stream falling back from keys to page numbers goes on from: the one
/// after the records received, exact while every page before was full (the ledger vouches for
/// what arrives either way).
fn page_reached<R>(st: &State<R>) -> Option<u32> {
    let reached = st.ledger.received() / u64::from(st.limit.get());
    u32::try_from(reached + 1).ok()
}

/// What the stream does with a page from a lane.
enum Lane<R> {
    /// Yield it: judged, accepted and numbered.
    Yield(Page<R>),
    /// Judge it like a page fetched by key (the open lane's pages), numbered.
    Judge(Page<R>),
    /// Nothing to yield: an empty end of a range, or a fall back to page numbers.
    Skip,
}

/// A page from a lane, judged and numbered as the stream's next page.
fn lane_page<R: Listable>(st: &mut State<R>, lane: LanePage<R>) -> Result<Lane<R>, Error> {
    let LanePage {
        mut page,
        hi,
        short,
    } = lane;
    let Some(hi) = hi else {
        let Some(number) = st.next else {
            let verdict = st.ledger.verdict(u32::MAX, Problem::OutOfPages, None);
            return Err(verdict.into_error());
        };
        st.next = number.checked_add(1);
        page.number = number;
        // As for any page by key: the server counted what remains past the lane's start.
        let received = st.ledger.received();
        page.total_count = page.total_count.map(|t| t.saturating_add(received));
        return Ok(Lane::Judge(page));
    };
    let honoured = st
        .keyset
        .as_ref()
        .is_some_and(|ks| ks.honoured(&page.records, |_| false))
        && page
            .records
            .iter()
            .all(|r| r.list_id().is_some_and(|id| id <= hi));
    if !honoured {
        // The server ignored the range (or the order): page numbers from the position reached,
        // exact as long as the lanes' pages before were full; the ledger vouches either way.
        tracing::warn!(
            object = %st.query.object,
            "the server ignored the id range of a prefetch lane; paging by page number"
        );
        st.lanes = None;
        st.keyset = None;
        st.next = page_reached(st);
        return Ok(Lane::Skip);
    }
    if page.records.is_empty() && short.is_none() {
        return Ok(Lane::Skip);
    }
    let Some(number) = st.next else {
        let verdict = st.ledger.verdict(u32::MAX, Problem::OutOfPages, None);
        return Err(verdict.into_error());
    };
    st.next = number.checked_add(1);
    page.number = number;
    // A lane's counts are its range's; the stream's end is decided past the lanes.
    page.has_more = Some(true);
    let checked = st
        .ledger
        .check(number, &page.records, None)
        .map_err(Verdict::into_error)?;
    st.ledger.commit(number, &page.records, None, checked);
    page.total_count = checked.announced;
    if let Some(ks) = &mut st.keyset {
        ks.advance(&page.records, None);
    }
    if let Some(end) = short {
        let verdict = st
            .ledger
            .verdict(number, Problem::Short(end), checked.announced);
        st.lanes = None;
        if page.records.is_empty() {
            return Err(verdict.into_error());
        }
        st.failed = Some(verdict.into_error());
    }
    Ok(Lane::Yield(page))
}

/// Page 1 of `q` in `order`, with the values of the order's `keys` of each record: a typed
/// record does not expose its fields by name, so they are read from the same body (`None` when
/// they cannot be). Otherwise [`Query::fetch_q`].
async fn fetch_keyed<R: Listable>(
    query: &Query<R>,
    limit: PageSize,
    order: &str,
    q: Option<&str>,
    keys: &[Key],
) -> Result<(Page<R>, Option<Vec<Vec<Value>>>), Error> {
    let call = query.call(Some(1), Some(limit), Some(order), q);
    if query.q_too_large {
        return Err(crate::filter::q_too_large().with_request("GET", &call.path()));
    }
    let span = tracing::debug_span!("crm.page", object = %query.object, page = 1);
    let lenient = query.client.inner.lenient;
    let max_body = query.client.inner.max_response_bytes;
    let object = &*query.object;
    let (records, meta, values) = tracing::Instrument::instrument(
        query.client.execute(&call, |_, resp| async move {
            let body = read_body(resp, max_body).await?;
            let (records, meta) = decode::page::<R>(object, lenient, &body)?;
            Ok((records, meta, key_values(&body, keys)))
        }),
        span,
    )
    .await?;
    let page = Page {
        records,
        total_count: meta.total_count,
        has_more: meta.has_more,
        number: 1,
        limit: limit.get(),
    };
    Ok((page, values))
}

/// The values of `keys` of each record of a list body, a missing field as null.
fn key_values(body: &[u8], keys: &[Key]) -> Option<Vec<Vec<Value>>> {
    #[derive(serde::Deserialize)]
    struct Envelope<'a> {
        #[serde(borrow)]
        list: Vec<Item<'a>>,
    }
    #[derive(serde::Deserialize)]
    struct Item<'a> {
        #[serde(borrow)]
        record: std::collections::HashMap<String, &'a serde_json::value::RawValue>,
    }
    let env: Envelope<'_> = serde_json::from_slice(body).ok()?;
    env.list
        .iter()
        .map(|item| {
            keys.iter()
                .map(|k| match item.record.get(&k.field) {
                    Some(raw) => serde_json::from_str(raw.get()).ok(),
                    None => Some(Value::Null),
                })
                .collect()
        })
        .collect()
}
