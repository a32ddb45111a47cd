//! Value types of CRM fields that std has no exact equivalent for: [`Decimal`] (money, kept
//! digit for digit), [`Date`] and [`DateTime`] (the API's `YYYY-MM-DD` and
//! `YYYY-MM-DD HH:MM:SS[.ffffff]` text).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

/// A value that could not be read as a CRM field type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseValueError {
    kind: &'static str,
    input: String,
}

impl ParseValueError {
    fn new(kind: &'static str, input: &str) -> Self {
        ParseValueError {
            kind,
            input: input.to_owned(),
        }
    }
}

impl fmt::Display for ParseValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a {}", self.input, self.kind)
    }
}

impl std::error::Error for ParseValueError {}

/// An exact decimal number (currency, decimal and percent fields). It keeps the digits it was
/// given as text, so a money amount never passes through a float: a JSON number is read from
/// its text too (`98765432109876.55` stays that, `0.10` stays `0.10`). Arithmetic is left to
/// the user's decimal crate of choice; the `rust_decimal` feature converts both ways.
///
/// Literals need no `unwrap`: [`Decimal::new`] takes a mantissa and a scale, and integers
/// convert with `From`.
///
/// ```
/// use crm_runtime::Decimal;
/// assert_eq!(Decimal::new(123450, 2).as_str(), "1234.50");
/// assert_eq!(Decimal::new(-5, 3).as_str(), "-0.005");
/// assert_eq!(Decimal::from(1000).as_str(), "1000");
/// let price: Decimal = "1234.50".parse()?;
/// assert_eq!(price, Decimal::new(123450, 2));
/// # Ok::<(), crm_runtime::ParseValueError>(())
/// ```
///
/// Equality is of the text, as sent and received: `1.50` and `1.5` are different values here
/// (the server compares them numerically in filters).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Decimal(Box<str>);

impl Decimal {
    /// The number as text, exactly as received or given: `-12.50`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `mantissa × 10^-scale`, written with exactly `scale` fraction digits: `new(1050, 2)` is
    /// `10.50`. Not a `const fn`: the value is kept as text, and a `const fn` cannot build one.
    /// The scale is a `u8` (MySQL's `DECIMAL` allows 30), so no argument can ask for a
    /// gigabyte of zeros.
    pub fn new(mantissa: i64, scale: u8) -> Decimal {
        let digits = mantissa.unsigned_abs().to_string();
        let sign = if mantissa < 0 { "-" } else { "" };
        let scale = usize::from(scale);
        if scale == 0 {
            return Decimal(format!("{sign}{digits}").into());
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (int, frac) = padded.split_at(padded.len() - scale);
        Decimal(format!("{sign}{int}.{frac}").into())
    }

    /// A JSON number's text, kept as it is when it is plain decimal notation; the text back
    /// otherwise (an exponent).
    pub(crate) fn from_json_number(text: Box<str>) -> Result<Decimal, Box<str>> {
        if is_decimal(&text) {
            Ok(Decimal(text))
        } else {
            Err(text)
        }
    }

    /// Reads a JSON number that serde_json already turned into an `f64`. Rust prints the
    /// shortest text that reads back as the same `f64`, which is the original literal for every
    /// amount of up to 15 significant digits.
    pub(crate) fn from_f64(v: f64) -> Option<Decimal> {
        v.is_finite().then(|| Decimal(format!("{v}").into()))
    }
}

/// Optional sign, digits, optional fraction: what the API sends and what it accepts.
fn is_decimal(s: &str) -> bool {
    let digits = s
        .strip_prefix('-')
        .or_else(|| s.strip_prefix('+'))
        .unwrap_or(s);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    all_digits(int)
        && frac.is_none_or(|f| !f.is_empty() && all_digits(f))
        && (!int.is_empty() || frac.is_some())
}

impl FromStr for Decimal {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if is_decimal(t) {
            Ok(Decimal(t.into()))
        } else {
            Err(ParseValueError::new("decimal number", s))
        }
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! decimal_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Decimal {
            fn from(v: $t) -> Self {
                Decimal(v.to_string().into())
            }
        }
    )*};
}
decimal_from_int!(i8, i16, i32, i64, u8, u16, u32, u64);

/// Keeps the scale: `rust_decimal`'s `0.10` is `0.10` here.
#[cfg(feature = "rust_decimal")]
impl From<rust_decimal::Decimal> for Decimal {
    fn from(d: rust_decimal::Decimal) -> Self {
        Decimal(d.to_string().into())
    }
}

/// Fails for a number `rust_decimal` cannot hold exactly (more than 28 significant digits),
/// rather than rounding it.
#[cfg(feature = "rust_decimal")]
impl TryFrom<&Decimal> for rust_decimal::Decimal {
    type Error = ParseValueError;
    fn try_from(d: &Decimal) -> Result<Self, ParseValueError> {
        let text = d.as_str().strip_prefix('+').unwrap_or(d.as_str());
        rust_decimal::Decimal::from_str_exact(text).map_err(|_| {
            ParseValueError::new(
                "decimal rust_decimal holds exactly (at most 28 significant digits)",
                d.as_str(),
            )
        })
    }
}

#[cfg(feature = "rust_decimal")]
impl TryFrom<Decimal> for rust_decimal::Decimal {
    type Error = ParseValueError;
    fn try_from(d: Decimal) -> Result<Self, ParseValueError> {
        rust_decimal::Decimal::try_from(&d)
    }
}

/// Sent as a JSON string: the exact digits survive every JSON parser on the way.
impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::__private::decode_required(d)
    }
}

const DATE: &[BorrowedFormatItem<'_>] = format_description!("[year]-[month]-[day]");
const DATE_TIME: &[BorrowedFormatItem<'_>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
const DATE_TIME_FRACTION: &[BorrowedFormatItem<'_>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second].[subsecond]");
const ISO_DATE_TIME: &[BorrowedFormatItem<'_>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");

/// A calendar date (`YYYY-MM-DD`), as date fields hold it. Wraps [`time::Date`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub time::Date);

/// A date and time without zone (`YYYY-MM-DD HH:MM:SS`), as the CRM stores it in the tenant's
/// own time zone. Wraps [`time::PrimitiveDateTime`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime(pub time::PrimitiveDateTime);

impl Date {
    /// The date from year, month (1-12) and day, if it exists.
    pub fn from_ymd(year: i32, month: u8, day: u8) -> Option<Date> {
        let month = time::Month::try_from(month).ok()?;
        time::Date::from_calendar_date(year, month, day)
            .ok()
            .map(Date)
    }
}

impl DateTime {
    /// The date at `hour:minute:second`, if that time exists.
    pub fn new(date: Date, hour: u8, minute: u8, second: u8) -> Option<DateTime> {
        let t = time::Time::from_hms(hour, minute, second).ok()?;
        Some(DateTime(time::PrimitiveDateTime::new(date.0, t)))
    }
}

/// MySQL's "no date" in a date column.
pub(crate) const ZERO_DATE: &str = "0000-00-00";
/// MySQL's "no date" in a date-time column.
pub(crate) const ZERO_DATE_TIME: &str = "0000-00-00 00:00:00";

/// A zero date (`0000-00-00`, `0000-00-00 00:00:00`) is MySQL's "no date": absent, not an error.
pub(crate) fn is_zero_date(s: &str) -> bool {
    s.starts_with("0000-00-00")
        && s.bytes()
            .all(|b| matches!(b, b'0' | b'-' | b':' | b' ' | b'.' | b'T'))
}

/// `d` digits at `s[at..]` as a number; the fast path for the API's fixed-width dates.
fn digits(s: &[u8], at: usize, d: usize) -> Option<u32> {
    s.get(at..at + d)?.iter().try_fold(0u32, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// `YYYY-MM-DD` at the start of `s`, without the generic format machinery: dates are in every
/// record, so this is on the decoding hot path.
fn fast_date(s: &[u8]) -> Option<time::Date> {
    if s.get(4) != Some(&b'-') || s.get(7) != Some(&b'-') {
        return None;
    }
    let year = i32::try_from(digits(s, 0, 4)?).ok()?;
    let month = time::Month::try_from(u8::try_from(digits(s, 5, 2)?).ok()?).ok()?;
    time::Date::from_calendar_date(year, month, u8::try_from(digits(s, 8, 2)?).ok()?).ok()
}

/// `YYYY-MM-DD HH:MM:SS[.f{1,9}]`, the API's own form, or `None` to try the slower formats.
fn fast_date_time(s: &[u8]) -> Option<time::PrimitiveDateTime> {
    if s.len() < 19 || s[10] != b' ' || s[13] != b':' || s[16] != b':' {
        return None;
    }
    let date = fast_date(s)?;
    let (h, m, sec) = (digits(s, 11, 2)?, digits(s, 14, 2)?, digits(s, 17, 2)?);
    let nanos = match &s[19..] {
        [] => 0,
        [b'.', frac @ ..] if !frac.is_empty() && frac.len() <= 9 => {
            let n = digits(frac, 0, frac.len())?;
            n * 10u32.pow(9 - u32::try_from(frac.len()).ok()?)
        }
        _ => return None,
    };
    let t = time::Time::from_hms_nano(
        u8::try_from(h).ok()?,
        u8::try_from(m).ok()?,
        u8::try_from(sec).ok()?,
        nanos,
    )
    .ok()?;
    Some(time::PrimitiveDateTime::new(date, t))
}

impl FromStr for Date {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        // A date field sometimes arrives with a midnight time attached.
        let day = t.get(..10).filter(|_| {
            t.len() == 10
                || t.as_bytes()
                    .get(10)
                    .is_some_and(|b| *b == b' ' || *b == b'T')
        });
        day.and_then(|d| time::Date::parse(d, DATE).ok())
            .map(Date)
            .ok_or_else(|| ParseValueError::new("date (YYYY-MM-DD)", s))
    }
}

impl FromStr for DateTime {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        fast_date_time(t.as_bytes())
            .or_else(|| {
                [DATE_TIME, DATE_TIME_FRACTION, ISO_DATE_TIME]
                    .iter()
                    .find_map(|f| time::PrimitiveDateTime::parse(t, f).ok())
            })
            .or_else(|| time::Date::parse(t, DATE).ok().map(|d| d.midnight()))
            .map(DateTime)
            .ok_or_else(|| ParseValueError::new("date and time (YYYY-MM-DD HH:MM:SS)", s))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        write!(
            f,
            "{:04}-{:02}-{:02}",
            d.year(),
            u8::from(d.month()),
            d.day()
        )
    }
}

/// Whole seconds print as `YYYY-MM-DD HH:MM:SS`; a fraction adds microseconds, the precision
/// the API accepts in filters.
impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (d, t) = (self.0.date(), self.0.time());
        write!(
            f,
            "{} {:02}:{:02}:{:02}",
            Date(d),
            t.hour(),
            t.minute(),
            t.second()
        )?;
        if t.nanosecond() != 0 {
            write!(f, ".{:06}", t.microsecond())?;
        }
        Ok(())
    }
}

impl From<time::Date> for Date {
    fn from(d: time::Date) -> Self {
        Date(d)
    }
}

impl From<time::PrimitiveDateTime> for DateTime {
    fn from(d: time::PrimitiveDateTime) -> Self {
        DateTime(d)
    }
}

macro_rules! text_serde {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                crate::__private::decode_required(d)
            }
        }
    )*};
}
text_serde!(Date, DateTime);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_keep_every_digit() {
        for ok in [
            "0",
            "-1",
            "12.50",
            "123456789012345678901234.000001",
            ".5",
            "+3",
        ] {
            assert_eq!(
                ok.parse::<Decimal>().map(|d| d.to_string()),
                Ok(ok.to_owned()),
                "{ok}"
            );
        }
        for bad in ["", "-", "1.", "1e5", "1,5", "abc", "1.2.3"] {
            let err = bad.parse::<Decimal>().unwrap_err();
            assert_eq!(err.to_string(), format!("`{bad}` is not a decimal number"));
        }
        assert_eq!(
            Decimal::from_f64(1234.56).map(|d| d.to_string()),
            Some("1234.56".into())
        );
        assert_eq!(Decimal::from_f64(f64::NAN), None);
    }

    #[test]
    fn decimals_from_literals_without_unwrap() {
        for (m, scale, want) in [
            (123450, 2, "1234.50"),
            (10, 2, "0.10"),
            (-5, 3, "-0.005"),
            (-120, 0, "-120"),
            (0, 2, "0.00"),
            (i64::MIN, 18, "-9.223372036854775808"),
        ] {
            assert_eq!(Decimal::new(m, scale).as_str(), want);
            assert_eq!(want.parse::<Decimal>(), Ok(Decimal::new(m, scale)));
        }
        assert_eq!(Decimal::from(7u32).as_str(), "7");
        assert_eq!(Decimal::from(-7i64).as_str(), "-7");
    }

    #[test]
    fn json_numbers_keep_every_digit() {
        for text in [
            "98765432109876.55",
            "0.10",
            "-0.10",
            "123456789012345678",
            "-1234567890123456.78",
            "420",
        ] {
            let d: Decimal = serde_json::from_str(text).unwrap();
            assert_eq!(d.as_str(), text);
            let quoted: Decimal = serde_json::from_str(&format!("\"{text}\"")).unwrap();
            assert_eq!(quoted, d);
            let from_value: Decimal =
                serde_json::from_value(serde_json::Value::String(text.into())).unwrap();
            assert_eq!(from_value, d);
        }
        let e: Decimal = serde_json::from_str("1.5e3").unwrap();
        assert_eq!(e.as_str(), "1500");
        let err = serde_json::from_str::<Decimal>("true").unwrap_err();
        assert_eq!(err.to_string(), "expected a decimal number, found true");
        let err = serde_json::from_str::<Decimal>("null").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("expected a decimal number, found no value")
        );
    }

    #[cfg(feature = "rust_decimal")]
    #[test]
    fn rust_decimal_converts_both_ways() {
        for text in ["0.10", "-98765432109876.54", "123456789012345678", "+3"] {
            let ours: Decimal = text.parse().unwrap();
            let theirs = rust_decimal::Decimal::try_from(&ours).unwrap();
            let back = Decimal::from(theirs);
            assert_eq!(back.as_str(), text.trim_start_matches('+'));
        }
        let huge: Decimal = "12345678901234567890123456789.5".parse().unwrap();
        assert_eq!(
            rust_decimal::Decimal::try_from(huge)
                .unwrap_err()
                .to_string(),
            "`12345678901234567890123456789.5` is not a decimal rust_decimal holds exactly (at most 28 significant digits)"
        );
    }

    #[test]
    fn dates_read_the_api_forms() {
        let d: Date = "2026-11-28".parse().unwrap();
        assert_eq!(d.to_string(), "2026-11-28");
        assert_eq!("2026-11-28 00:00:00".parse::<Date>().unwrap(), d);
        let t: DateTime = "2023-01-05 12:34:56".parse().unwrap();
        assert_eq!(t.to_string(), "2023-01-05 12:34:56");
        let f: DateTime = "2023-01-05 12:34:56.789012".parse().unwrap();
        assert_eq!(f.to_string(), "2023-01-05 12:34:56.789012");
        assert_eq!("2023-01-05T12:34:56".parse::<DateTime>().unwrap(), t);
        assert_eq!(
            "2023-01-05".parse::<DateTime>().unwrap().to_string(),
            "2023-01-05 00:00:00"
        );
        assert_eq!(
            "2023-02-30".parse::<Date>().unwrap_err().to_string(),
            "`2023-02-30` is not a date (YYYY-MM-DD)"
        );
        assert!("noon".parse::<DateTime>().is_err());
        for bad in [
            "2023-01-05 25:00:00",
            "2023-13-05 10:00:00",
            "2023-01-05 10:00:00.",
            "2023-01-05 10:00:0x",
        ] {
            assert!(bad.parse::<DateTime>().is_err(), "{bad}");
        }
        let nine: DateTime = "2023-01-05 12:34:56.123456789".parse().unwrap();
        assert_eq!(nine.0.nanosecond(), 123_456_789);
        assert_eq!(
            "2023-01-05 12:34:56.5"
                .parse::<DateTime>()
                .unwrap()
                .0
                .millisecond(),
            500
        );
        assert!(is_zero_date("0000-00-00") && is_zero_date("0000-00-00 00:00:00"));
        assert!(!is_zero_date("0000-00-01"));
    }
}
