//! Pagination streams that never lose or repeat a record silently.
//!
//! Rules: start at page 1 (or the query's page) with 100 records per page; stop on
//! `has_more: false`, on an empty page, or, when `has_more` is absent, on a short page or once
//! `total_count` records have arrived. A page whose ids equal the previous page's is an error,
//! not a loop. Without an explicit order, streams ask for `{"id":"asc"}`: the API's default
//! order is unspecified, and paging an unstable order can skip or repeat records.
//!
//! With [`Query::prefetch`], once a page reveals `total_count`, the pages up to the last one
//! are fetched concurrently (at most `n` at once) and yielded in order; if the last of them
//! still says more follow, paging continues one page at a time.

use std::sync::Arc;

use futures::stream::{self, BoxStream};
use futures::{Stream, StreamExt, TryStreamExt};

use crate::error::{Error, Kind};
use crate::query::{Listable, Page, PageSize, Query};

/// The order streams use when the query has none.
pub const DEFAULT_STREAM_ORDER: &str = r#"{"id":"asc"}"#;

struct State<R> {
    query: Arc<Query<R>>,
    order: Arc<str>,
    limit: PageSize,
    /// The next page to ask for; `None` once page `u32::MAX` has been asked for.
    next: Option<u32>,
    prev: Option<(u32, Vec<Option<u64>>)>,
    seen: u64,
    done: bool,
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
        let next = Some(self.page.unwrap_or(1));
        let state = State {
            query: Arc::new(self),
            order,
            limit,
            next,
            prev: None,
            seen: 0,
            done: false,
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
    loop {
        if st.done {
            return Ok(None);
        }
        let page = match &mut st.ahead {
            Some(ahead) => match ahead.next().await {
                Some(p) => p?,
                None => {
                    st.ahead = None;
                    continue;
                }
            },
            None => {
                let Some(n) = st.next else {
                    return Err(Error::new(Kind::Pagination).with_detail(format!(
                        "{}: more records follow page {}, the last page number the API can address",
                        st.query.object,
                        u32::MAX
                    )));
                };
                st.next = n.checked_add(1);
                st.query.fetch(n, Some(st.limit), Some(&st.order)).await?
            }
        };
        if page.records.is_empty() {
            st.done = true;
            return Ok(None);
        }
        let ids: Vec<Option<u64>> = page.records.iter().map(Listable::list_id).collect();
        if let Some((prev_number, prev_ids)) = &st.prev
            && *prev_ids == ids
            && ids.iter().any(Option::is_some)
        {
            return Err(Error::new(Kind::Pagination).with_detail(format!(
                "{}: page {} repeats the {} records of page {}; stopping instead of looping",
                st.query.object,
                page.number,
                ids.len(),
                prev_number
            )));
        }
        st.seen += page.records.len() as u64;
        let more = match page.has_more {
            Some(more) => more,
            None => {
                page.records.len() as u64 >= u64::from(st.limit.get())
                    && page.total_count.is_none_or(|total| st.seen < total)
            }
        };
        if !more {
            st.done = true;
            st.ahead = None;
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
        st.prev = Some((page.number, ids));
        return Ok(Some((page, st)));
    }
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
