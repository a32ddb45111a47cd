//! Pagination streams that never lose or repeat a record silently.
//!
//! Strategy: a stream in id order (the default; also an explicit `{"id":"asc"}`) starting at
//! page 1 without prefetch pages by id: every request asks for page 1 of the user's `q` AND
//! `"id":{"$gt": last id}`, so records deleted or created meanwhile cannot shift a record that
//! exists throughout the stream out of its page: it is yielded exactly once. An answer with an
//! id at or below the last one (a server ignoring the condition) switches the stream to page
//! numbers, from the page it had reached, with a `tracing` warning; so do records without ids.
//! Other orders, a start page and prefetch page by number. On a stream paging by id,
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
//! With [`Query::prefetch`], once a page reveals `total_count`, the pages up to the last one
//! are fetched concurrently (at most `n` at once) and yielded in order; if the last of them
//! still says more follow, paging continues one page at a time.

use std::sync::Arc;

use futures::stream::{self, BoxStream};
use futures::{Stream, StreamExt, TryStreamExt};

mod keyset;
pub mod ledger;

use crate::error::Error;
use crate::query::{Listable, Page, PageSize, Query};
use keyset::Keyset;

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
    /// Paging by id, while the server honours it; `next` then numbers the requests.
    keyset: Option<Keyset>,
    ahead: Option<BoxStream<'static, Result<Page<R>, Error>>>,
}

impl<R: Listable> Query<R> {
    /// All pages, lazily: nothing is sent until the stream is polled. Empty pages are not
    /// yielded. Uses the query's page size, or 100; see the module docs for the stop rules.
    pub fn pages(self) -> impl Stream<Item = Result<Page<R>, Error>> + Send + Unpin + 'static {
        let limit = self.limit.unwrap_or(PageSize::MAX);
        let order: Arc<str> = self
            .order
            .clone()
            .unwrap_or_else(|| DEFAULT_STREAM_ORDER.to_owned())
            .into();
        let first = self.page.unwrap_or(1);
        let next = Some(first);
        let skipped = u64::from(first.saturating_sub(1)) * u64::from(limit.get());
        let ledger = Ledger::new(&self.object, skipped);
        let keyset = (first == 1 && self.prefetch == 1)
            .then(|| Keyset::new(&order, self.q.as_deref()))
            .flatten();
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
            .filter(|ks| !ks.honoured(&page.records))
            .map(Keyset::is_started)
        {
            st.keyset = None;
            if started {
                // An id at or below the last one: the server ignores the id condition (or the
                // order). Page numbers from here; the ledger still vouches for what arrives.
                tracing::warn!(
                    object = %st.query.object,
                    "the server ignored the id condition of keyset paging; paging by page number"
                );
                st.next = Some(page.number);
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
        let end = if len == 0 {
            Some(End::EmptyPage)
        } else {
            match page.has_more {
                Some(true) => None,
                Some(false) => Some(End::NoMore),
                None if len < u64::from(st.limit.get()) => Some(End::ShortPage { records: len }),
                // A full page without `has_more`: the total, when known, says whether it is last.
                None => checked
                    .announced
                    .is_some_and(|t| checked.covered >= t)
                    .then_some(End::NoMore),
            }
        };
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
            ks.advance(&page.records);
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
        } else if st.ahead.is_none()
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
    let Some(q) = st.keyset.as_ref().map(Keyset::q) else {
        return query.fetch(n, Some(limit), Some(&order)).await;
    };
    let received = st.ledger.received();
    let mut page = query
        .fetch_q(1, Some(limit), Some(&order), q.as_deref())
        .await?;
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
