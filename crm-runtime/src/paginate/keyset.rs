//! Paging by key: each request asks for page 1 of `q AND "past the last record"` in the
//! stream's order, so records deleted or inserted while a stream runs cannot shift a record that
//! stays out of its page.
//!
//! In id order "past" is `id > last id`. In another order over fields f1..fk, with the id as the
//! final tie-break, it is the API's own `$or` of `$gt`/`$lt` and equality:
//! `f1 > v1 OR (f1 = v1 AND f2 > v2) OR ... OR (f1 = v1 AND ... AND fk = vk AND id > last)`.
//! The API has no `$and`: the members of one object are ANDed, and a user's condition on a
//! field the keyset also names stays whole inside a one-alternative `$or`.

use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

use crate::query::Listable;

/// One key of an order other than the id: the field and whether it descends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Key {
    pub(crate) field: String,
    pub(crate) desc: bool,
}

/// The keyset of a stream: the user's filter, the order's keys and the last record accepted.
#[derive(Debug, Clone)]
pub(crate) struct Keyset {
    base: Option<Map<String, Value>>,
    /// The order's fields before the id; empty in id order.
    keys: Vec<Key>,
    /// Whether the id, the final tie-break, descends.
    id_desc: bool,
    /// The order sent with every request: the user's, with `"id":"asc"` appended when it has no
    /// id, so the tie-break the keyset relies on is the one the server applies.
    order: String,
    last: Option<u64>,
    /// The key values of the last record accepted, in the order of `keys`.
    last_keys: Vec<Value>,
}

impl Keyset {
    /// A keyset for a stream in `order` filtered by `q`, when paging by key can serve it: the
    /// order is a JSON object of `"asc"`/`"desc"` and `q`, if any, is a JSON object (anything
    /// else goes to the server as it is, with page numbers, so the server's own error reaches
    /// the user). `keyed` allows orders other than the id alone.
    pub(crate) fn new(order: &str, q: Option<&str>, keyed: bool) -> Option<Keyset> {
        let pairs = serde_json::Deserializer::from_str(order)
            .deserialize_map(PairsVisitor)
            .ok()?;
        let mut keys = Vec::new();
        let mut id_desc = None;
        for (field, dir) in pairs {
            let desc = match dir.as_str().map(str::to_ascii_lowercase).as_deref() {
                Some("asc") => false,
                Some("desc") => true,
                _ => return None,
            };
            if field == "id" {
                // The id is unique: keys after it never decide anything.
                id_desc = Some(desc);
                break;
            }
            if keys.iter().any(|k: &Key| k.field == field) {
                // Named twice: the server keeps one of them, and which is its business.
                return None;
            }
            keys.push(Key { field, desc });
        }
        let by_id_ascending = keys.is_empty() && id_desc == Some(false);
        if (keys.is_empty() && id_desc.is_none()) || (!keyed && !by_id_ascending) {
            return None;
        }
        let order = if id_desc.is_some() {
            order.to_owned()
        } else {
            let mut text = order.trim_end().strip_suffix('}')?.trim_end().to_owned();
            text.push_str(r#","id":"asc"}"#);
            text
        };
        let base = match q {
            None => None,
            Some(q) => Some(serde_json::from_str::<Map<String, Value>>(q).ok()?),
        };
        Some(Keyset {
            base,
            keys,
            id_desc: id_desc.unwrap_or(false),
            order,
            last: None,
            last_keys: Vec::new(),
        })
    }

    /// The order to send.
    pub(crate) fn order(&self) -> &str {
        &self.order
    }

    /// The fields whose values each record's key needs (none in id order).
    pub(crate) fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// Whether the stream is in ascending id order, the one prefetch lanes can split.
    pub(crate) fn by_id_ascending(&self) -> bool {
        self.keys.is_empty() && !self.id_desc
    }

    /// The `q` of the next request: the user's, ANDed with "past the last record".
    pub(crate) fn q(&self) -> Option<String> {
        let Some(last) = self.last else {
            return self.base_q();
        };
        let id_op = if self.id_desc { "$lt" } else { "$gt" };
        if self.keys.is_empty() && !self.id_desc {
            return Some(self.past_q(last));
        }
        let past_id = Map::from_iter([("id".to_owned(), serde_json::json!({ id_op: last }))]);
        if self.keys.is_empty() {
            return Some(and(self.base.as_ref(), past_id).to_string());
        }
        let mut alternatives = Vec::with_capacity(self.keys.len() + 1);
        let mut equal = Map::new();
        for (key, value) in self.keys.iter().zip(&self.last_keys) {
            let op = if key.desc { "$lt" } else { "$gt" };
            let mut alt = equal.clone();
            alt.insert(key.field.clone(), serde_json::json!({ op: value }));
            alternatives.push(Value::Object(alt));
            equal.insert(key.field.clone(), value.clone());
        }
        equal.extend(past_id);
        alternatives.push(Value::Object(equal));
        Some(any_of(self.base.as_ref(), alternatives).to_string())
    }

    /// The `q` of the request for ids `lo..=hi` (a prefetch lane): the user's, ANDed with that.
    pub(crate) fn range_q(&self, lo: u64, hi: u64) -> String {
        let range = Map::from_iter([("id".to_owned(), serde_json::json!({ "$bt": [lo, hi] }))]);
        and(self.base.as_ref(), range).to_string()
    }

    /// The `q` that finds the records of the user's filter with an empty key field (null): the
    /// ones a keyset cannot place, so their presence sends the stream to page numbers.
    pub(crate) fn empty_keys_q(&self) -> Option<String> {
        let alternatives = self
            .keys
            .iter()
            .map(|k| Value::Object(Map::from_iter([(k.field.clone(), Value::Null)])))
            .collect::<Vec<_>>();
        (!alternatives.is_empty()).then(|| any_of(self.base.as_ref(), alternatives).to_string())
    }

    /// The `q` of the request for ids past `after` (the open-ended prefetch lane).
    pub(crate) fn past_q(&self, after: u64) -> String {
        let past = Map::from_iter([("id".to_owned(), serde_json::json!({ "$gt": after }))]);
        and(self.base.as_ref(), past).to_string()
    }

    /// The user's `q`, unchanged.
    pub(crate) fn base_q(&self) -> Option<String> {
        self.base
            .as_ref()
            .map(|b| Value::Object(b.clone()).to_string())
    }

    /// Whether `records` are what a server honouring the id condition and order sends: every
    /// record has an id, ids move in the order's direction, and the first is past the last
    /// one accepted. Only meaningful in id order; another order is checked by the ledger's
    /// ids (a server ignoring the condition repeats records).
    pub(crate) fn honoured<R: Listable>(&self, records: &[R], seen: impl Fn(u64) -> bool) -> bool {
        let mut prev = self.last;
        for r in records {
            let Some(id) = r.list_id() else {
                return false;
            };
            if !self.keys.is_empty() {
                if seen(id) {
                    return false;
                }
                continue;
            }
            match prev {
                Some(p) if (id <= p && !self.id_desc) || (id >= p && self.id_desc) => {
                    return false;
                }
                _ => prev = Some(id),
            }
        }
        true
    }

    /// Whether a page was accepted, so requests carry the condition.
    pub(crate) fn is_started(&self) -> bool {
        self.last.is_some()
    }

    /// The last id accepted.
    pub(crate) fn last(&self) -> Option<u64> {
        self.last
    }

    /// Records that `records` were accepted, the last with key values `keys` (unused in id
    /// order).
    pub(crate) fn advance<R: Listable>(&mut self, records: &[R], keys: Option<Vec<Value>>) {
        if let Some(id) = records.last().and_then(Listable::list_id) {
            self.last = Some(id);
            if let Some(keys) = keys {
                self.last_keys = keys;
            }
        }
    }
}

/// Whether a key value cannot be placed exactly by a comparison: null, empty text, or the zero
/// date some tenants store for "no date" (how the server orders those against real values and
/// whether it compares them at all is not documented).
pub(crate) fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => {
            let s = s.trim();
            s.is_empty() || s.starts_with("0000-00-00")
        }
        _ => false,
    }
}

/// `base` ANDed with `cond`. A user's condition on a field `cond` names stays whole inside a
/// one-alternative `$or` (`cond` never holds `$or` itself).
fn and(base: Option<&Map<String, Value>>, cond: Map<String, Value>) -> Value {
    let mut q = match base {
        Some(base) if cond.keys().any(|k| base.contains_key(k)) => Map::from_iter([(
            "$or".to_owned(),
            Value::Array(vec![Value::Object(base.clone())]),
        )]),
        Some(base) => base.clone(),
        None => Map::new(),
    };
    q.extend(cond);
    Value::Object(q)
}

/// `base` ANDed with the `$or` of `alternatives` (objects of field conditions). A user's own
/// `$or` cannot share the key: then `base` is ANDed into each alternative instead.
fn any_of(base: Option<&Map<String, Value>>, alternatives: Vec<Value>) -> Value {
    match base {
        Some(b) if b.contains_key("$or") => {
            let each: Vec<Value> = alternatives
                .into_iter()
                .map(|a| match a {
                    Value::Object(a) => and(Some(b), a),
                    other => other,
                })
                .collect();
            serde_json::json!({ "$or": each })
        }
        _ => and(
            base,
            Map::from_iter([("$or".to_owned(), Value::Array(alternatives))]),
        ),
    }
}

/// Reads a JSON object as key/value pairs in document order: the order of `order`'s keys is
/// the sort priority, and `serde_json::Map` (without the crate-wide `preserve_order` feature,
/// which would change every map this workspace writes) sorts them.
struct PairsVisitor;

impl<'de> Visitor<'de> for PairsVisitor {
    type Value = Vec<(String, Value)>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(pair) = map.next_entry::<String, Value>()? {
            out.push(pair);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started(order: &str, q: Option<&str>, last: u64, keys: Vec<Value>) -> Keyset {
        let mut ks = Keyset::new(order, q, true).expect("keyset");
        ks.last = Some(last);
        ks.last_keys = keys;
        ks
    }

    #[test]
    fn id_order_asks_past_the_last_id() {
        let ks = started(r#"{"id":"asc"}"#, Some(r#"{"type":"Client"}"#), 7, vec![]);
        assert_eq!(
            ks.q().as_deref(),
            Some(r#"{"id":{"$gt":7},"type":"Client"}"#)
        );
        assert!(ks.by_id_ascending());
        let ks = started(r#"{"id":"desc"}"#, None, 7, vec![]);
        assert_eq!(ks.q().as_deref(), Some(r#"{"id":{"$lt":7}}"#));
        assert!(!ks.by_id_ascending());
    }

    #[test]
    fn two_keys_become_an_or_of_comparisons_and_equalities() {
        let ks = started(
            r#"{"type":"desc","name":"asc"}"#,
            None,
            9,
            vec![json("Client"), json("Acme")],
        );
        assert_eq!(ks.order(), r#"{"type":"desc","name":"asc","id":"asc"}"#);
        assert_eq!(
            ks.q().as_deref(),
            Some(
                r#"{"$or":[{"type":{"$lt":"Client"}},{"name":{"$gt":"Acme"},"type":"Client"},{"id":{"$gt":9},"name":"Acme","type":"Client"}]}"#
            )
        );
    }

    #[test]
    fn a_users_or_is_anded_into_each_alternative() {
        let ks = started(
            r#"{"name":"asc"}"#,
            Some(r#"{"$or":[{"a":1},{"b":2}]}"#),
            3,
            vec![json("x")],
        );
        assert_eq!(
            ks.q().as_deref(),
            Some(
                r#"{"$or":[{"$or":[{"a":1},{"b":2}],"name":{"$gt":"x"}},{"$or":[{"a":1},{"b":2}],"id":{"$gt":3},"name":"x"}]}"#
            )
        );
        // A condition of the user's on a key field stays whole.
        let ks = started(
            r#"{"name":"asc"}"#,
            Some(r#"{"name":{"$sw":"A"}}"#),
            3,
            vec![],
        );
        assert_eq!(
            ks.range_q(1, 5),
            r#"{"id":{"$bt":[1,5]},"name":{"$sw":"A"}}"#
        );
        assert_eq!(
            ks.empty_keys_q().as_deref(),
            Some(r#"{"$or":[{"name":null}],"name":{"$sw":"A"}}"#)
        );
    }

    #[test]
    fn orders_it_cannot_express_page_by_number() {
        assert!(Keyset::new(r#"{"name":"up"}"#, None, true).is_none());
        assert!(Keyset::new(r#"[1]"#, None, true).is_none());
        assert!(Keyset::new(r#"{}"#, None, true).is_none());
        assert!(Keyset::new(r#"{"name":"asc"}"#, None, false).is_none());
        assert!(Keyset::new(r#"{"id":"desc"}"#, None, false).is_none());
        assert!(Keyset::new(r#"{"id":"asc"}"#, Some("[]"), true).is_none());
        // Keys after the id decide nothing, and the order goes out as the user wrote it.
        let ks = Keyset::new(r#"{"name":"asc","id":"desc","x":"asc"}"#, None, true).expect("ks");
        assert_eq!(ks.keys().len(), 1);
        assert_eq!(ks.order(), r#"{"name":"asc","id":"desc","x":"asc"}"#);
    }

    #[test]
    fn empty_values_are_null_blank_or_the_zero_date() {
        for v in [
            Value::Null,
            json(""),
            json(" "),
            json("0000-00-00 00:00:00"),
        ] {
            assert!(is_empty(&v), "{v}");
        }
        for v in [json("0"), json(0), json("2026-01-01"), json(false)] {
            assert!(!is_empty(&v), "{v}");
        }
    }

    fn json(v: impl serde::Serialize) -> Value {
        serde_json::to_value(v).expect("json")
    }
}
