//! The ids a stream has received, as runs of consecutive ids that came on one page: lists come
//! sorted or nearly so, so a million records cost a few thousand runs, not a million entries.

use std::collections::BTreeMap;

/// A set of ids, each with the page it first came on.
///
/// Hand-written because no kept crate offers a range set with a value per run (`rangemap`
/// merges only equal values, but keeps no count and would still be a dependency for 60 lines).
#[derive(Debug, Default)]
pub(crate) struct IdSet {
    /// Start of a run → (its last id, the page its ids came on).
    runs: BTreeMap<u64, (u64, u32)>,
    len: u64,
}

impl IdSet {
    /// The page `id` first came on, if it came.
    pub(crate) fn get(&self, id: u64) -> Option<u32> {
        let (_, &(last, page)) = self.runs.range(..=id).next_back()?;
        (id <= last).then_some(page)
    }

    /// Records `id` as received on `page`; an id already present keeps its first page.
    pub(crate) fn insert(&mut self, id: u64, page: u32) {
        if self.get(id).is_some() {
            return;
        }
        self.len += 1;
        let before = self
            .runs
            .range(..id)
            .next_back()
            .filter(|(_, (last, p))| *p == page && last.checked_add(1) == Some(id))
            .map(|(&start, _)| start);
        let after = id
            .checked_add(1)
            .and_then(|next| self.runs.get(&next).map(|&run| (next, run)))
            .filter(|(_, (_, p))| *p == page);
        match (before, after) {
            (Some(start), Some((next, (last, _)))) => {
                self.runs.remove(&next);
                self.runs.insert(start, (last, page));
            }
            (Some(start), None) => {
                self.runs.insert(start, (id, page));
            }
            (None, Some((next, (last, _)))) => {
                self.runs.remove(&next);
                self.runs.insert(id, (last, page));
            }
            (None, None) => {
                self.runs.insert(id, (id, page));
            }
        }
    }

    /// How many distinct ids arrived.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// How many runs hold them (what the set costs).
    #[cfg(test)]
    fn runs(&self) -> usize {
        self.runs.len()
    }
}

#[cfg(test)]
mod tests {
    use super::IdSet;
    use std::collections::HashMap;

    #[test]
    fn consecutive_ids_of_one_page_are_one_run() {
        let mut set = IdSet::default();
        for id in 1..=100 {
            set.insert(id, 1);
        }
        for id in 101..=200 {
            set.insert(id, 2);
        }
        assert_eq!((set.len(), set.runs()), (200, 2));
        assert_eq!(
            (set.get(100), set.get(101), set.get(201), set.get(0)),
            (Some(1), Some(2), None, None)
        );
    }

    #[test]
    fn a_run_joins_its_neighbours_and_keeps_first_pages() {
        let mut set = IdSet::default();
        set.insert(3, 1);
        set.insert(1, 1);
        assert_eq!(set.runs(), 2);
        set.insert(2, 1);
        assert_eq!(set.runs(), 1);
        set.insert(2, 9);
        assert_eq!((set.len(), set.get(2)), (3, Some(1)));
        set.insert(u64::MAX, 1);
        set.insert(0, 1);
        assert_eq!(
            (set.len(), set.get(u64::MAX), set.get(0)),
            (5, Some(1), Some(1))
        );
    }

    #[test]
    fn agrees_with_a_map_on_scattered_ids() {
        // A fixed pseudo-random walk: ids in and out of order, repeats, several pages.
        let (mut set, mut map) = (IdSet::default(), HashMap::new());
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for step in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let id = x % 3_000;
            let page = step / 500;
            set.insert(id, page);
            map.entry(id).or_insert(page);
        }
        assert_eq!(set.len(), map.len() as u64);
        for id in 0..3_100 {
            assert_eq!(set.get(id), map.get(&id).copied(), "id {id}");
        }
    }
}
