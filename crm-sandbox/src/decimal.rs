//! Decimal, currency and percent values kept as the exact digits a client sent, and compared
//! as numbers: the `DECIMAL` collation their columns are declared with.
//!
//! A MySQL-backed tenant stores money in `DECIMAL` columns, which keep every digit; SQLite's
//! `REAL` would round `98765432109876.54` and drop the `0` of `0.10`. So the column holds the
//! text, and a collation (SQLite's hook for comparing text, which indexes, `ORDER BY`, `=`,
//! `IN`, ranges and `BETWEEN` all use) compares it numerically. Hand-written because no crate
//! compares decimal text without a precision limit, and this is a few lines.

use std::cmp::Ordering;

use serde::{Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

/// Whether a field's column holds decimal text (decimal, currency, percent).
pub(crate) fn is_decimal(ty: &crm_schema::FieldType) -> bool {
    ty.class().value == crm_schema::classify::ValueKind::Decimal
}

/// The collation's name, as column declarations use it.
pub(crate) const COLLATION: &str = "DECIMAL";

/// Sign, integer digits without leading zeros and fraction digits without trailing zeros.
fn parts(s: &str) -> Option<(bool, &str, &str)> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || !all_digits(frac) || (int.is_empty() && frac.is_empty()) {
        return None;
    }
    let (int, frac) = (int.trim_start_matches('0'), frac.trim_end_matches('0'));
    // `-0` and `0` are the same number.
    Some((neg && !(int.is_empty() && frac.is_empty()), int, frac))
}

/// Numeric order of decimal text; text that is not a decimal sorts after every number, by
/// bytes, so the order stays total (an index needs that).
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    match (parts(a), parts(b)) {
        (Some((an, ai, af)), Some((bn, bi, bf))) => match (an, bn) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (neg, _) => {
                let magnitude = ai.len().cmp(&bi.len()).then(ai.cmp(bi)).then(af.cmp(bf));
                if neg { magnitude.reverse() } else { magnitude }
            }
        },
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// The text to store for a value a client sent (a JSON number's own text, or a string), or
/// `None` when it is not a number: the digits as sent, written as a JSON number (a `+`, leading
/// zeros and a bare `.` go: `+007.50` is `7.50`, `.5` is `0.5`); an exponent (`1.5e3`) is
/// written out.
pub(crate) fn canonical(text: &str) -> Option<String> {
    let t = text.trim();
    if parts(t).is_some() {
        let (sign, digits) = match t.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", t.strip_prefix('+').unwrap_or(t)),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let int = match int.trim_start_matches('0') {
            "" => "0",
            kept => kept,
        };
        let dot = if frac.is_empty() { "" } else { "." };
        return Some(format!("{sign}{int}{dot}{frac}"));
    }
    let f = t.parse::<f64>().ok().filter(|f| f.is_finite())?;
    Some(format!("{f}"))
}

/// The key of the one-member object that carries a stored decimal inside a record's `Value`s
/// until it is written out; a NUL starts it, so no field name can be it.
const MARKER: &str = "\u{0}crm-sandbox-decimal";

/// A stored decimal as a record value. `serde_json::Value` cannot hold a number's exact text
/// (that needs the workspace-wide `arbitrary_precision` feature, which would change every other
/// crate's numbers), so it travels marked and [`Served`] writes it as a JSON number, digit for
/// digit (`0.10`, `98765432109876.54`), as the documentation shows amounts (`"unitprice": 420`).
pub(crate) fn to_json(stored: &str) -> Value {
    let mut marked = serde_json::Map::new();
    marked.insert(MARKER.to_owned(), Value::String(stored.to_owned()));
    Value::Object(marked)
}

/// A record value as it is written out: a marked decimal as its raw number, anything else as is.
pub(crate) struct Served<'a>(pub(crate) &'a Value);

impl Serialize for Served<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Value::Object(m) = self.0
            && m.len() == 1
            && let Some(Value::String(text)) = m.get(MARKER)
            && let Ok(raw) = RawValue::from_string(text.clone())
        {
            return raw.serialize(s);
        }
        self.0.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_as_numbers_at_any_precision() {
        let sorted = [
            "-98765432109876.55",
            "-98765432109876.54",
            "-1",
            "-0.5",
            "0",
            "0.000000000000000001",
            "0.1",
            "2",
            "10",
            "98765432109876.54",
            "98765432109876.55",
            "123456789012345678901234567890",
            "abc",
        ];
        for (i, a) in sorted.iter().enumerate() {
            for (j, b) in sorted.iter().enumerate() {
                assert_eq!(compare(a, b), i.cmp(&j), "{a} vs {b}");
            }
        }
        assert_eq!(compare("0.10", "0.1"), Ordering::Equal);
        assert_eq!(compare("-0", "0.00"), Ordering::Equal);
        assert_eq!(compare("007", "7"), Ordering::Equal);
    }

    #[test]
    fn keeps_the_digits_sent() {
        assert_eq!(canonical("0.10").as_deref(), Some("0.10"));
        assert_eq!(canonical(" -12.50 ").as_deref(), Some("-12.50"));
        assert_eq!(canonical("+3").as_deref(), Some("3"));
        assert_eq!(canonical("+007.50").as_deref(), Some("7.50"));
        assert_eq!(canonical(".5").as_deref(), Some("0.5"));
        assert_eq!(canonical("-0.10").as_deref(), Some("-0.10"));
        assert_eq!(canonical("5.").as_deref(), Some("5"));
        assert_eq!(canonical("1.5e3").as_deref(), Some("1500"));
        assert_eq!(canonical("twelve"), None);
        for stored in ["420", "0.10", "-98765432109876.54", "123456789012345678"] {
            let out = serde_json::to_string(&Served(&to_json(stored))).unwrap();
            assert_eq!(out, stored);
        }
        let plain = Value::from("0.10");
        assert_eq!(serde_json::to_string(&Served(&plain)).unwrap(), "\"0.10\"");
    }
}
