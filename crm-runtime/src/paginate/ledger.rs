//! The bookkeeping every paging strategy feeds, and the verdict it reaches when what a server
//! sent cannot be a complete, repetition-free list.
//!
//! A strategy (page numbers, keyset) hands each page to `Ledger::check` before using it and to
//! `Ledger::commit` once it accepts it; the ledger never fetches anything itself, so every
//! strategy gets the same rules:
//!
//! - an id seen on an earlier page, or twice on one page, is an error;
//! - a page whose id-less records hash like an earlier page's id-less records is an error (the
//!   loop of a server that answers `has_more: true` forever with records without ids);
//! - more records than the largest announced `total_count` plus [`slack`] is an error;
//! - an end short of the announced total is for the strategy to re-check once, then a
//!   [`Verdict`] with the counts.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use super::ids::IdSet;
use crate::error::{Error, Kind};
use crate::query::Listable;

/// How many records beyond the announced total a stream accepts before it calls the list
/// endless: records created while an export runs are legitimately sent (in id order they come
/// last), so an exact bound would fail every export of a busy object. 100 (one page) or 1% of
/// the total, whichever is more; a server sending new records forever is stopped after that.
pub fn slack(announced: u64) -> u64 {
    (announced / 100).max(100)
}

/// Why a paginated stream stopped with an error instead of ending.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// The page repeated `records` records already received, first seen on pages `first` to
    /// `last` (the page itself when it holds a record twice).
    Repeated {
        /// How many of the page's records were repeats.
        records: u64,
        /// The earliest page a repeated record was first seen on.
        first: u32,
        /// The latest page a repeated record was first seen on.
        last: u32,
    },
    /// The page's records without ids are, in content, those of an earlier page.
    RepeatedContent {
        /// How many id-less records the page held.
        records: u64,
        /// The earlier page with the same content.
        of: u32,
    },
    /// The page would bring more records than the announced total plus [`slack`].
    PastTotal {
        /// The records the page brought.
        records: u64,
    },
    /// The list ended short of the announced total, also when asked a second time.
    Short(End),
    /// More records follow the last page number the API can address.
    OutOfPages,
}

/// How a list ended short of its announced total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum End {
    /// An empty page.
    EmptyPage,
    /// A page with fewer records than asked for and no `has_more` to say more follow.
    ShortPage {
        /// The records on it.
        records: u64,
    },
    /// `has_more: false`.
    NoMore,
}

impl End {
    /// How a page of `len` records (of `limit` asked for) ends the list, if it does: empty, or
    /// `has_more: false`, or without `has_more` short, or full and `complete()` (the count says
    /// it is the last).
    pub(crate) fn of(
        len: u64,
        limit: u64,
        has_more: Option<bool>,
        complete: impl FnOnce() -> bool,
    ) -> Option<End> {
        if len == 0 {
            return Some(End::EmptyPage);
        }
        match has_more {
            Some(true) => None,
            Some(false) => Some(End::NoMore),
            None if len < limit => Some(End::ShortPage { records: len }),
            None => complete().then_some(End::NoMore),
        }
    }
}

/// What a paginated stream received before it found the server inconsistent: the facts behind
/// an [`Error::is_pagination`] error, as data (see [`Error::pagination`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    object: Arc<str>,
    problem: Problem,
    page: u32,
    received: u64,
    distinct_ids: u64,
    announced: Option<u64>,
}

impl Verdict {
    /// What went wrong.
    pub fn problem(&self) -> &Problem {
        &self.problem
    }
    /// The object listed.
    pub fn object(&self) -> &str {
        &self.object
    }
    /// The page at which the stream stopped.
    pub fn page(&self) -> u32 {
        self.page
    }
    /// Records the stream accepted (and yielded) before it stopped; none of them is a repeat.
    pub fn received(&self) -> u64 {
        self.received
    }
    /// Distinct ids among them (fewer than `received` only when records came without ids).
    pub fn distinct_ids(&self) -> u64 {
        self.distinct_ids
    }
    /// The number of records the server said the list holds (its latest readable
    /// `total_count`), if it said.
    pub fn announced(&self) -> Option<u64> {
        self.announced
    }

    pub(crate) fn into_error(self) -> Error {
        Error::new(Kind::Pagination)
            .with_detail(self.to_string())
            .with_source(self)
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: ", self.object)?;
        let page = self.page;
        let announced = self.announced.unwrap_or(0);
        let received = self.received;
        match &self.problem {
            Problem::Repeated { records, first, .. } if *first == page => {
                write!(f, "page {page} holds {records} records twice")
            }
            Problem::Repeated {
                records,
                first,
                last,
            } if first == last => {
                write!(f, "page {page} repeats {records} records of page {first}")
            }
            Problem::Repeated {
                records,
                first,
                last,
            } => write!(
                f,
                "page {page} repeats {records} records of pages {first} to {last}"
            ),
            Problem::RepeatedContent { records, of } => write!(
                f,
                "page {page} repeats the {records} records without ids of page {of}"
            ),
            Problem::PastTotal { records } => write!(
                f,
                "the server announced {announced} records, sent {received}, then page {page} with \
                 {records} more (at most {} more are accepted)",
                slack(announced)
            ),
            Problem::Short(end) => {
                write!(
                    f,
                    "the server announced {announced} records, sent {received}, "
                )?;
                match end {
                    End::EmptyPage => write!(f, "then an empty page"),
                    End::ShortPage { records } => {
                        write!(
                            f,
                            "the last {records} on a short page {page} without has_more"
                        )
                    }
                    End::NoMore => write!(f, "then has_more: false on page {page}"),
                }
            }
            Problem::OutOfPages => write!(
                f,
                "more records follow page {page}, the last page number the API can address"
            ),
        }
    }
}

impl std::error::Error for Verdict {}

impl Error {
    /// The facts behind a pagination error (records received, distinct ids, announced total,
    /// page), so a caller can report counts without parsing the message.
    pub fn pagination(&self) -> Option<&Verdict> {
        std::error::Error::source(self)?.downcast_ref::<Verdict>()
    }
}

/// What `Ledger::check` found acceptable about a page, for `Ledger::commit`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Checked {
    /// Records accepted once this page is.
    pub(crate) after: u64,
    /// Records of the list that a complete stream has covered once this page is accepted: those
    /// accepted, plus those of the pages before the one the stream started at.
    pub(crate) covered: u64,
    /// The latest readable total, this page's if it has one.
    pub(crate) announced: Option<u64>,
    content: Option<u64>,
}

/// Which ids arrived on which page, how many records, and what the server announced.
#[derive(Debug)]
pub(crate) struct Ledger {
    object: Arc<str>,
    /// Every id received, with the page it first came on, as runs of consecutive ids: a list in
    /// id order with few gaps costs a run per page, so an export's memory stays flat; scattered
    /// ids cost a run each (about 40 bytes), the price of proving nothing repeated.
    ids: IdSet,
    /// Content hashes of the id-less records of each page that had some.
    contents: HashMap<u64, u32>,
    received: u64,
    /// Records on the pages before the stream's first (a query started at page 3 skips two).
    skipped: u64,
    largest: Option<u64>,
    latest: Option<u64>,
}

impl Ledger {
    /// A ledger for a stream of `object` that skips the first `skipped` records of the list.
    pub(crate) fn new(object: &str, skipped: u64) -> Ledger {
        Ledger {
            object: object.into(),
            ids: IdSet::default(),
            contents: HashMap::new(),
            received: 0,
            skipped,
            largest: None,
            latest: None,
        }
    }

    /// Records accepted so far.
    pub(crate) fn received(&self) -> u64 {
        self.received
    }

    /// Whether a record with `id` was accepted.
    pub(crate) fn contains(&self, id: u64) -> bool {
        self.ids.get(id).is_some()
    }

    /// Checks page `number` against everything accepted before, recording nothing.
    pub(crate) fn check<R: Listable>(
        &self,
        number: u32,
        records: &[R],
        total: Option<u64>,
    ) -> Result<Checked, Verdict> {
        let mut on_page: HashSet<u64> = HashSet::with_capacity(records.len());
        let (mut repeated, mut first, mut last) = (0u64, u32::MAX, 0u32);
        let mut hasher: Option<DefaultHasher> = None;
        let mut idless = 0u64;
        for r in records {
            match r.list_id() {
                Some(id) => {
                    let seen = match self.ids.get(id) {
                        Some(p) => Some(p),
                        None => (!on_page.insert(id)).then_some(number),
                    };
                    if let Some(p) = seen {
                        repeated += 1;
                        first = first.min(p);
                        last = last.max(p);
                    }
                }
                None => {
                    idless += 1;
                    r.list_content()
                        .hash(hasher.get_or_insert_with(DefaultHasher::new));
                }
            }
        }
        let announced = total.or(self.latest);
        if repeated > 0 {
            return Err(self.verdict(
                number,
                Problem::Repeated {
                    records: repeated,
                    first,
                    last,
                },
                announced,
            ));
        }
        let content = hasher.map(|h| h.finish());
        if let Some(of) = content.and_then(|c| self.contents.get(&c)) {
            return Err(self.verdict(
                number,
                Problem::RepeatedContent {
                    records: idless,
                    of: *of,
                },
                announced,
            ));
        }
        let after = self.received + records.len() as u64;
        let covered = after.saturating_add(self.skipped);
        let largest = self.largest.max(total);
        if let Some(t) = largest
            && covered > t.saturating_add(slack(t))
        {
            return Err(self.verdict(
                number,
                Problem::PastTotal {
                    records: records.len() as u64,
                },
                Some(t),
            ));
        }
        Ok(Checked {
            after,
            covered,
            announced,
            content,
        })
    }

    /// Accepts page `number`, which [`check`](Ledger::check) passed as `checked`.
    pub(crate) fn commit<R: Listable>(
        &mut self,
        number: u32,
        records: &[R],
        total: Option<u64>,
        checked: Checked,
    ) {
        for id in records.iter().filter_map(Listable::list_id) {
            self.ids.insert(id, number);
        }
        if let Some(c) = checked.content {
            self.contents.insert(c, number);
        }
        self.received = checked.after;
        self.largest = self.largest.max(total);
        self.latest = total.or(self.latest);
    }

    /// The verdict for a stream stopping at `page` with everything committed so far.
    pub(crate) fn verdict(&self, page: u32, problem: Problem, announced: Option<u64>) -> Verdict {
        Verdict {
            object: self.object.clone(),
            problem,
            page,
            received: self.received,
            distinct_ids: self.ids.len(),
            announced,
        }
    }
}
