//! Paging by id: each request asks for page 1 of `q AND id > last id`, in id order, so records
//! deleted or inserted while a stream runs cannot shift a record that stays out of its page.

use serde_json::{Map, Value};

use crate::query::Listable;

/// The keyset of a stream: the user's filter and the last id accepted.
#[derive(Debug)]
pub(crate) struct Keyset {
    base: Option<Map<String, Value>>,
    last: Option<u64>,
}

impl Keyset {
    /// A keyset for a stream in `order` filtered by `q`, when paging by id can serve it: the
    /// order is exactly `{"id":"asc"}` and `q`, if any, is a JSON object (anything else goes to
    /// the server as it is, with page numbers, so the server's own error reaches the user).
    pub(crate) fn new(order: &str, q: Option<&str>) -> Option<Keyset> {
        let order: Map<String, Value> = serde_json::from_str(order).ok()?;
        let by_id = order.len() == 1
            && order
                .get("id")
                .and_then(Value::as_str)
                .is_some_and(|d| d.eq_ignore_ascii_case("asc"));
        if !by_id {
            return None;
        }
        let base = match q {
            None => None,
            Some(q) => Some(serde_json::from_str::<Map<String, Value>>(q).ok()?),
        };
        Some(Keyset { base, last: None })
    }

    /// The `q` of the next request: the user's, ANDed with `id > last`.
    pub(crate) fn q(&self) -> Option<String> {
        let Some(last) = self.last else {
            return self
                .base
                .as_ref()
                .map(|b| Value::Object(b.clone()).to_string());
        };
        let after = serde_json::json!({ "$gt": last });
        let mut q = match &self.base {
            // The user's own `id` condition stays whole inside a one-alternative `$or`
            // (the API has no `$and`; the members of an object are ANDed).
            Some(base) if base.contains_key("id") => {
                let mut q = Map::new();
                q.insert(
                    "$or".to_owned(),
                    Value::Array(vec![Value::Object(base.clone())]),
                );
                q
            }
            Some(base) => base.clone(),
            None => Map::new(),
        };
        q.insert("id".to_owned(), after);
        Some(Value::Object(q).to_string())
    }

    /// Whether `records` are what a server honouring the id condition and order sends: every
    /// record has an id, ids ascend, and the first is past the last one accepted.
    pub(crate) fn honoured<R: Listable>(&self, records: &[R]) -> bool {
        let mut prev = self.last;
        for r in records {
            match (r.list_id(), prev) {
                (None, _) => return false,
                (Some(id), Some(p)) if id <= p => return false,
                (Some(id), _) => prev = Some(id),
            }
        }
        true
    }

    /// Whether a page was accepted, so requests carry the id condition.
    pub(crate) fn is_started(&self) -> bool {
        self.last.is_some()
    }

    /// Records that `records` were accepted.
    pub(crate) fn advance<R: Listable>(&mut self, records: &[R]) {
        if let Some(id) = records.last().and_then(Listable::list_id) {
            self.last = Some(id);
        }
    }
}
