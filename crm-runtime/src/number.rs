//! "A number or a numeric string": tenants send counts and ids either way (`"ownerid":"36974"`,
//! `"total_count":"120"`), and this is the one reading of them. For ids, 0 means "no record"
//! everywhere (no table hands out id 0, and the CRM writes 0 or `""` for an empty reference);
//! for counts, 0 is zero.

use serde_json::Value;

/// A non-negative whole number written as digits, spaces around allowed.
pub(crate) fn digits(text: &str) -> Option<u64> {
    text.trim().parse().ok()
}

/// A non-negative whole number sent as a JSON number or a string of digits.
pub(crate) fn whole(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => digits(s),
        _ => None,
    }
}

/// A record id: as [`whole`], with 0 read as no id at all.
pub(crate) fn id(value: &Value) -> Option<u64> {
    whole(value).filter(|&n| n != 0)
}

/// A count (or id) from a JSON value's raw text, quoted or not. Read as text because
/// serde_json refuses a number it cannot hold (`1e400`) before any visitor sees it.
pub(crate) fn whole_in_raw(raw: &str) -> Option<u64> {
    let text = raw.trim();
    let text = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    digits(text)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn numbers_and_numeric_strings_read_alike() {
        for v in [json!(36974), json!("36974"), json!(" 36974 ")] {
            assert_eq!(super::whole(&v), Some(36974));
            assert_eq!(super::id(&v), Some(36974));
        }
        for v in [
            json!(-1),
            json!(1.5),
            json!("x"),
            json!(""),
            json!(null),
            json!([1]),
        ] {
            assert_eq!(super::whole(&v), None, "{v}");
        }
        assert_eq!(super::whole_in_raw(r#" "120" "#), Some(120));
        assert_eq!(super::whole_in_raw("1e400"), None);
    }

    #[test]
    fn zero_is_no_id_but_a_count_of_zero() {
        assert_eq!(super::id(&json!(0)), None);
        assert_eq!(super::id(&json!("0")), None);
        assert_eq!(super::whole(&json!("0")), Some(0));
        assert_eq!(super::whole_in_raw("0"), Some(0));
    }
}
