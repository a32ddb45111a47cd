//! Prefetch for a stream in id order: parallel keyset lanes over id ranges.
//!
//! Once page 1 and a probe for the largest id have shown the ids still to come (past the last
//! one accepted, up to the largest), they are cut into consecutive ranges of whole pages, each
//! a lane: a keyset stream of `q AND id $bt [next, hi]` that ends on its own range (an empty
//! page, `has_more: false`, a short page), whatever the ids' density, so a sparse id space costs
//! one request per lane, not per id. The last lane is open-ended (`id > next - 1`): records
//! created past the largest id meanwhile arrive there, and its pages are the list's own, so the
//! stream judges its end as for any keyset page. At most `width` lanes run at once, each at most
//! [`BUFFER`] pages ahead of the stream, which yields the lanes' pages in order: memory stays
//! flat however large the list. A page a lane cannot vouch for (ids outside its range or not
//! ascending: a server ignoring `$bt`) ends that lane and goes to the stream, which falls back
//! to page numbers.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::stream::{self, BoxStream, Fuse};
use futures::{Stream, StreamExt};

use super::keyset::Keyset;
use super::ledger::End;
use crate::error::Error;
use crate::query::{Listable, Page, PageSize, Query};

/// Pages a lane may fetch ahead of the stream.
pub(crate) const BUFFER: usize = 2;

/// Ids per lane, in pages of the stream's size: small, because a lane is sequential and only
/// [`BUFFER`] of its pages may wait, so a long lane behind the one being read would stall.
const PAGES_PER_LANE: u64 = 2;

/// The most lanes one stream cuts, however large an announced total: a total that lies cannot
/// make a request per id.
const MAX_LANES: u64 = 1 << 16;

/// A page from a lane, with what the stream needs to judge it.
pub(crate) struct LanePage<R> {
    pub(crate) page: Page<R>,
    /// The lane's last id (`None` for the open-ended last lane): a record past it means the
    /// server ignored the range.
    pub(crate) hi: Option<u64>,
    /// The lane ended short of the count the server announced for its range, also when asked
    /// a second time: how.
    pub(crate) short: Option<End>,
}

/// What a lane needs to make its requests.
struct Lane<R> {
    query: Arc<Query<R>>,
    keyset: Arc<Keyset>,
    limit: PageSize,
    /// The next id the lane asks from; `None` once it ended.
    next: Option<u64>,
    hi: Option<u64>,
}

/// The ranges still to start and the lanes running, in id order.
pub(crate) struct Lanes<R> {
    query: Arc<Query<R>>,
    keyset: Arc<Keyset>,
    limit: PageSize,
    width: usize,
    /// The first id of the next range to start (`None` once all started), and the last id of
    /// all ranges.
    from: Option<u64>,
    max: u64,
    span: u64,
    running: VecDeque<Running<R>>,
}

struct Running<R> {
    pages: Fuse<BoxStream<'static, Result<LanePage<R>, Error>>>,
    ready: VecDeque<Result<LanePage<R>, Error>>,
}

impl<R: Listable> Lanes<R> {
    /// Lanes over ids `after + 1 ..= max`, sized for about `remaining` records (when the server
    /// announced a total) and at least `width` lanes, `width` at a time.
    pub(crate) fn new(
        query: Arc<Query<R>>,
        keyset: Arc<Keyset>,
        limit: PageSize,
        width: usize,
        after: u64,
        max: u64,
        remaining: Option<u64>,
    ) -> Option<Lanes<R>> {
        let from = after.checked_add(1).filter(|f| *f <= max)?;
        let ids = max - from + 1;
        let per_lane = PAGES_PER_LANE * u64::from(limit.get());
        let by_count = remaining.map_or(0, |r| r.div_ceil(per_lane));
        let count = by_count.max(width as u64).clamp(1, MAX_LANES).min(ids);
        // Whole pages per lane: in a dense id space each lane then ends on a full page that says
        // no more follow, and costs no request beyond its pages.
        let size = u64::from(limit.get());
        let span = ids.div_ceil(count).div_ceil(size).saturating_mul(size);
        Some(Lanes {
            query,
            keyset,
            limit,
            width,
            from: Some(from),
            max,
            span,
            running: VecDeque::new(),
        })
    }

    fn start(&mut self) {
        while self.running.len() < self.width
            && let Some(lo) = self.from
        {
            let end = lo.saturating_add(self.span - 1);
            let hi = (end < self.max).then_some(end);
            self.from = hi.and_then(|h| h.checked_add(1));
            let lane = Lane {
                query: self.query.clone(),
                keyset: self.keyset.clone(),
                limit: self.limit,
                next: Some(lo),
                hi,
            };
            self.running.push_back(Running {
                pages: stream::unfold(lane, step).boxed().fuse(),
                ready: VecDeque::new(),
            });
        }
    }
}

// Nothing is pinned structurally: each lane's stream is boxed, buffered pages are plain data.
impl<R> Unpin for Lanes<R> {}

// Hand-written because no combinator in `futures` runs several streams at once while yielding
// one after the other with a bounded buffer each (`buffered` takes futures, and a lane held as
// one future would have to keep all its pages).
impl<R: Listable> Stream for Lanes<R> {
    type Item = Result<LanePage<R>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            this.start();
            for lane in &mut this.running {
                while lane.ready.len() < BUFFER && !lane.pages.is_done() {
                    match lane.pages.poll_next_unpin(cx) {
                        Poll::Ready(Some(page)) => lane.ready.push_back(page),
                        Poll::Ready(None) | Poll::Pending => break,
                    }
                }
            }
            let Some(front) = this.running.front_mut() else {
                return Poll::Ready(None);
            };
            if let Some(page) = front.ready.pop_front() {
                return Poll::Ready(Some(page));
            }
            if !front.pages.is_done() {
                return Poll::Pending;
            }
            this.running.pop_front();
        }
    }
}

/// The next page of a lane; a lane ends after an error, a page it cannot vouch for, or the end
/// of its range.
async fn step<R: Listable>(mut lane: Lane<R>) -> Option<(Result<LanePage<R>, Error>, Lane<R>)> {
    let next = lane.next.take()?;
    let limit = u64::from(lane.limit.get());
    let mut rechecked = false;
    loop {
        let q = match lane.hi {
            Some(hi) => lane.keyset.range_q(next, hi),
            None => lane.keyset.past_q(next - 1),
        };
        let order = lane.keyset.order();
        let page = match lane
            .query
            .fetch_q(1, Some(lane.limit), Some(order), Some(&q))
            .await
        {
            Ok(page) => page,
            Err(e) => return Some((Err(e), lane)),
        };
        let len = page.records.len() as u64;
        let mut prev = next.checked_sub(1);
        let inside = page.records.iter().all(|r| {
            let ok = r
                .list_id()
                .is_some_and(|id| lane.hi.is_none_or(|h| id <= h) && prev.is_none_or(|p| id > p));
            prev = r.list_id();
            ok
        });
        let hi = lane.hi;
        if !inside {
            return Some((
                Ok(LanePage {
                    page,
                    hi,
                    short: None,
                }),
                lane,
            ));
        }
        let end = End::of(len, limit, page.has_more, || {
            page.total_count.is_some_and(|t| t <= len)
        });
        // The server counted the records left in the range: an end short of it is asked once
        // more (a hiccup), and the second answer counts. The open lane's end is the stream's to
        // judge.
        let short = end.filter(|_| hi.is_some() && page.total_count.is_some_and(|t| t > len));
        if short.is_some() && !rechecked {
            rechecked = true;
            continue;
        }
        lane.next = match (end, prev) {
            (None, Some(last)) => last.checked_add(1).filter(|n| hi.is_none_or(|h| *n <= h)),
            _ => None,
        };
        return Some((Ok(LanePage { page, hi, short }), lane));
    }
}
