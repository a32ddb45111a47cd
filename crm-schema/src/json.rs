//! JSON parsing that keeps what `serde_json::Value` forgets: the order of each object's keys
//! and keys given twice.
//!
//! `serde_json::Value` stores objects sorted (the `preserve_order` feature would change that
//! for every crate of the workspace), and keeps only the last of two equal keys. Field order is
//! meaningful in a dictionary and a duplicated key is a mistake to report, so this parser
//! records both on the side while building an ordinary `Value`.

use std::collections::HashMap;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// A parsed document with its side tables.
#[derive(Debug, Default)]
pub(crate) struct Document {
    /// The document.
    pub(crate) value: Value,
    /// Keys of every object in document order, by the object's JSON pointer.
    pub(crate) order: HashMap<String, Vec<String>>,
    /// `(pointer to the object, key)` for every key given more than once.
    pub(crate) duplicates: Vec<(String, String)>,
}

impl Document {
    /// The members of the object at `pointer` in document order (sorted order when the
    /// object was not parsed here).
    pub(crate) fn members<'a>(
        &self,
        pointer: &str,
        map: &'a Map<String, Value>,
    ) -> Vec<(&'a String, &'a Value)> {
        match self.order.get(pointer) {
            Some(keys) => keys.iter().filter_map(|k| map.get_key_value(k)).collect(),
            None => map.iter().collect(),
        }
    }
}

/// Appends one JSON-pointer segment, escaped.
pub(crate) fn push_pointer(base: &str, segment: &str) -> String {
    format!("{base}/{}", segment.replace('~', "~0").replace('/', "~1"))
}

/// Parses `bytes` as one JSON document.
pub(crate) fn parse(bytes: &[u8]) -> Result<Document, serde_json::Error> {
    let mut doc = Document::default();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = Seed {
        at: String::new(),
        doc: &mut doc,
    }
    .deserialize(&mut de)?;
    de.end()?;
    doc.value = value;
    Ok(doc)
}

struct Seed<'s> {
    at: String,
    doc: &'s mut Document,
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        // JSON has no NaN or infinity, so every parsed float is representable.
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            let at = format!("{}/{}", self.at, items.len());
            match seq.next_element_seed(Seed {
                at,
                doc: &mut *self.doc,
            })? {
                Some(v) => items.push(v),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        let mut keys = Vec::new();
        while let Some(key) = access.next_key::<String>()? {
            let at = push_pointer(&self.at, &key);
            let value = access.next_value_seed(Seed {
                at,
                doc: &mut *self.doc,
            })?;
            if map.insert(key.clone(), value).is_some() {
                self.doc.duplicates.push((self.at.clone(), key));
            } else {
                keys.push(key);
            }
        }
        self.doc.order.insert(self.at, keys);
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_order_and_reports_duplicates() {
        let doc = parse(br#"{"z": 1, "a": {"y": [true, null], "b": 2.5, "y": "again"}, "m": -3}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(doc.order[""], ["z", "a", "m"]);
        assert_eq!(doc.order["/a"], ["y", "b"]);
        assert_eq!(doc.duplicates, [("/a".to_owned(), "y".to_owned())]);
        assert_eq!(doc.value["a"]["y"], "again");
        assert_eq!(doc.value["m"], -3);
    }

    #[test]
    fn trailing_garbage_is_an_error() {
        assert!(parse(b"{} x").is_err());
        assert!(parse(b"").is_err());
    }
}
