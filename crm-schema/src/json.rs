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

/// The 1-based line and column (in characters) where the value at each JSON pointer of `text`
/// starts; for an object member, where its key starts, which is what an editor should jump to.
///
/// Hand-written because serde_json reports positions only for syntax errors. `text` has already
/// parsed, so this scanner only needs to tell strings, containers and scalars apart; on anything
/// unexpected it stops and returns what it has, never panicking.
pub(crate) fn positions(text: &str) -> HashMap<String, (usize, usize)> {
    let mut scan = Scanner {
        chars: text.chars().peekable(),
        line: 1,
        column: 1,
        out: HashMap::new(),
    };
    scan.skip_ws();
    let start = (scan.line, scan.column);
    scan.value(String::new(), start, 0);
    scan.out
}

/// Deeper documents are refused by the parser already (its recursion limit is 128).
const MAX_SCAN_DEPTH: usize = 256;

struct Scanner<'t> {
    chars: std::iter::Peekable<std::str::Chars<'t>>,
    line: usize,
    column: usize,
    out: HashMap<String, (usize, usize)>,
}

impl Scanner<'_> {
    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn skip_ws(&mut self) {
        while self.chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            self.bump();
        }
    }

    /// Reads a string whose opening quote is next, returning its unescaped text.
    fn string(&mut self) -> Option<String> {
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump()? {
                '"' => return Some(out),
                '\\' => match self.bump()? {
                    'u' => {
                        let hex: String = (0..4).filter_map(|_| self.bump()).collect();
                        let unit = u32::from_str_radix(&hex, 16).ok()?;
                        // A surrogate pair: the low half follows as another `\\uXXXX`.
                        let c = if (0xD800..0xDC00).contains(&unit) {
                            self.bump();
                            self.bump();
                            let low: String = (0..4).filter_map(|_| self.bump()).collect();
                            let low = u32::from_str_radix(&low, 16).ok()?;
                            char::from_u32(
                                0x10000
                                    + ((unit - 0xD800) << 10)
                                    + (low.wrapping_sub(0xDC00) & 0x3FF),
                            )
                        } else {
                            char::from_u32(unit)
                        };
                        out.push(c.unwrap_or('\u{fffd}'));
                    }
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    other => out.push(other),
                },
                c => out.push(c),
            }
        }
    }

    /// Inside an object or array: skips separators, and gives the position of the next member,
    /// or `None` once `close` is consumed.
    fn next_member(&mut self, close: char) -> Option<Option<(usize, usize)>> {
        loop {
            self.skip_ws();
            match *self.chars.peek()? {
                c if c == close => {
                    self.bump();
                    return Some(None);
                }
                ',' => {
                    self.bump();
                }
                _ => return Some(Some((self.line, self.column))),
            }
        }
    }

    /// Records `at` (where the value or its key starts) and reads the value that comes next.
    fn value(&mut self, pointer: String, at: (usize, usize), depth: usize) -> Option<()> {
        self.out.insert(pointer.clone(), at);
        if depth > MAX_SCAN_DEPTH {
            return None;
        }
        match *self.chars.peek()? {
            '{' => {
                self.bump();
                while let Some(key_at) = self.next_member('}')? {
                    let key = self.string()?;
                    self.skip_ws();
                    self.bump(); // the `:`
                    self.skip_ws();
                    self.value(push_pointer(&pointer, &key), key_at, depth + 1)?;
                }
                Some(())
            }
            '[' => {
                self.bump();
                let mut index = 0usize;
                while let Some(item_at) = self.next_member(']')? {
                    self.value(format!("{pointer}/{index}"), item_at, depth + 1)?;
                    index += 1;
                }
                Some(())
            }
            '"' => self.string().map(drop),
            _ => {
                while self
                    .chars
                    .peek()
                    .is_some_and(|c| !matches!(c, ',' | '}' | ']') && !c.is_ascii_whitespace())
                {
                    self.bump();
                }
                Some(())
            }
        }
    }
}

/// The position of `pointer` in `positions`, else of its nearest ancestor that has one (a
/// missing key is reported at the object that lacks it). The document itself has none.
pub(crate) fn position_of(
    positions: &HashMap<String, (usize, usize)>,
    pointer: &str,
) -> Option<(usize, usize)> {
    let mut at = pointer;
    while !at.is_empty() {
        if let Some(p) = positions.get(at) {
            return Some(*p);
        }
        at = &at[..at.rfind('/')?];
    }
    None
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
    fn positions_of_members_and_items() {
        let text = "{\n  \"a\": [1, {\"b~/\": \"x\\\"y\"}],\n  \"\\u00e9\": true\n}";
        let at = positions(text);
        assert_eq!(at[""], (1, 1));
        assert_eq!(at["/a"], (2, 3));
        assert_eq!(at["/a/0"], (2, 9));
        assert_eq!(at["/a/1"], (2, 12));
        assert_eq!(at["/a/1/b~0~1"], (2, 13));
        assert_eq!(at["/é"], (3, 3));
        assert_eq!(position_of(&at, "/a/1/missing"), Some((2, 12)));
        assert_eq!(position_of(&at, "/nothing"), None);
        assert_eq!(position_of(&at, ""), None);
    }

    #[test]
    fn trailing_garbage_is_an_error() {
        assert!(parse(b"{} x").is_err());
        assert!(parse(b"").is_err());
    }
}
