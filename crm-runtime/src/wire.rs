//! Tolerant decoding of field values, and the record decoder generated types plug into.
//!
//! Real tenants send booleans as `0`/`1`/`"0"`/`"1"`/`true`, numbers as strings, `""` for an
//! absent number or date, and zero dates. Each field type says, per JSON form, whether the form
//! is a value, "absent", or bad ([`Wire`]); a bad value fails the record in strict mode (naming
//! object, record id, field and value) or moves into the record's `extra` map in lenient mode.
//! The record decoder is hand-written rather than derived because serde's derive can do neither
//! (its `flatten` capture is also markedly slower).

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::record::{Id, LookupEnum};
use crate::types::{Date, DateTime, Decimal, is_zero_date};

/// What one JSON form of a field value means.
pub enum Decoded<T> {
    /// A value.
    Value(T),
    /// No value (`null`, `""` for a number, a zero date, ...).
    Absent,
    /// Not a value of this type.
    Bad,
}

/// A field value type, with the JSON forms it accepts.
pub trait Wire: Sized + serde::Serialize {
    /// What a good value looks like, for error messages: `an integer`.
    const EXPECTING: &'static str;
    /// From `true` / `false`.
    fn from_bool(v: bool) -> Decoded<Self> {
        let _ = v;
        Decoded::Bad
    }
    /// From a negative JSON integer (non-negative ones come through [`Wire::from_u64`]).
    fn from_i64(v: i64) -> Decoded<Self> {
        let _ = v;
        Decoded::Bad
    }
    /// From a non-negative JSON integer.
    fn from_u64(v: u64) -> Decoded<Self> {
        let _ = v;
        Decoded::Bad
    }
    /// From a JSON number with a fraction or exponent.
    fn from_f64(v: f64) -> Decoded<Self> {
        let _ = v;
        Decoded::Bad
    }
    /// From a JSON string.
    fn from_str(v: &str) -> Decoded<Self>;
    /// From an owned JSON string (the string back when it is bad); override to avoid a copy.
    fn from_string(v: String) -> Result<Option<Self>, String> {
        match Self::from_str(&v) {
            Decoded::Value(x) => Ok(Some(x)),
            Decoded::Absent => Ok(None),
            Decoded::Bad => Err(v),
        }
    }
    /// From a JSON array or object.
    fn from_json(v: Value) -> Result<Option<Self>, Value> {
        Err(v)
    }
    /// Whether a JSON number is read from its text ([`Wire::from_number_text`]) rather than
    /// through `i64` / `u64` / `f64`: for decimals, whose digits an `f64` would round.
    const NUMBER_TEXT: bool = false;
    /// From a JSON number's text exactly as it arrived (`98765432109876.55`), when
    /// [`Wire::NUMBER_TEXT`] is set (the text back when it is bad).
    fn from_number_text(text: Box<str>) -> Result<Option<Self>, Box<str>> {
        Err(text)
    }
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

impl Wire for String {
    const EXPECTING: &'static str = "text";
    fn from_i64(v: i64) -> Decoded<Self> {
        Decoded::Value(v.to_string())
    }
    fn from_u64(v: u64) -> Decoded<Self> {
        Decoded::Value(v.to_string())
    }
    fn from_f64(v: f64) -> Decoded<Self> {
        Decoded::Value(v.to_string())
    }
    fn from_str(v: &str) -> Decoded<Self> {
        Decoded::Value(v.to_owned())
    }
    fn from_string(v: String) -> Result<Option<Self>, String> {
        Ok(Some(v))
    }
}

impl Wire for i64 {
    const EXPECTING: &'static str = "an integer";
    fn from_i64(v: i64) -> Decoded<Self> {
        Decoded::Value(v)
    }
    fn from_u64(v: u64) -> Decoded<Self> {
        i64::try_from(v).map_or(Decoded::Bad, Decoded::Value)
    }
    fn from_f64(v: f64) -> Decoded<Self> {
        // `12.0` is an integer written by a float-minded serialiser; `12.5` is not.
        #[allow(
            clippy::cast_possible_truncation,
            reason = "checked to be integral and in range first"
        )]
        let whole = v as i64;
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            Decoded::Value(whole)
        } else {
            Decoded::Bad
        }
    }
    fn from_str(v: &str) -> Decoded<Self> {
        if blank(v) {
            return Decoded::Absent;
        }
        v.trim().parse().map_or(Decoded::Bad, Decoded::Value)
    }
}

impl Wire for bool {
    const EXPECTING: &'static str = "a boolean (true/false, 0/1)";
    fn from_bool(v: bool) -> Decoded<Self> {
        Decoded::Value(v)
    }
    fn from_u64(v: u64) -> Decoded<Self> {
        match v {
            0 => Decoded::Value(false),
            1 => Decoded::Value(true),
            _ => Decoded::Bad,
        }
    }
    fn from_str(v: &str) -> Decoded<Self> {
        match v.trim() {
            "" => Decoded::Absent,
            "0" | "false" => Decoded::Value(false),
            "1" | "true" => Decoded::Value(true),
            _ => Decoded::Bad,
        }
    }
}

impl Wire for Decimal {
    const EXPECTING: &'static str = "a decimal number";
    const NUMBER_TEXT: bool = true;
    fn from_number_text(text: Box<str>) -> Result<Option<Self>, Box<str>> {
        match Decimal::from_json_number(text) {
            Ok(d) => Ok(Some(d)),
            // An exponent (`1.5e3`): no tenant writes one for money, and its value is what
            // the float reading gives.
            Err(text) => match text.parse::<f64>().ok().and_then(Decimal::from_f64) {
                Some(d) => Ok(Some(d)),
                None => Err(text),
            },
        }
    }
    fn from_i64(v: i64) -> Decoded<Self> {
        Decoded::Value(v.into())
    }
    fn from_u64(v: u64) -> Decoded<Self> {
        Decoded::Value(v.into())
    }
    fn from_f64(v: f64) -> Decoded<Self> {
        Decimal::from_f64(v).map_or(Decoded::Bad, Decoded::Value)
    }
    fn from_str(v: &str) -> Decoded<Self> {
        if blank(v) {
            return Decoded::Absent;
        }
        v.parse().map_or(Decoded::Bad, Decoded::Value)
    }
}

impl Wire for Date {
    const EXPECTING: &'static str = "a date (YYYY-MM-DD)";
    fn from_str(v: &str) -> Decoded<Self> {
        if blank(v) || is_zero_date(v.trim()) {
            return Decoded::Absent;
        }
        v.parse().map_or(Decoded::Bad, Decoded::Value)
    }
}

impl Wire for DateTime {
    const EXPECTING: &'static str = "a date and time (YYYY-MM-DD HH:MM:SS)";
    fn from_str(v: &str) -> Decoded<Self> {
        if blank(v) || is_zero_date(v.trim()) {
            return Decoded::Absent;
        }
        v.parse().map_or(Decoded::Bad, Decoded::Value)
    }
}

/// `0` and `""` are how the CRM says "no record": no table hands out id 0.
impl<O: ?Sized> Wire for Id<O> {
    const EXPECTING: &'static str = "an id (a positive integer)";
    fn from_u64(v: u64) -> Decoded<Self> {
        if v == 0 {
            Decoded::Absent
        } else {
            Decoded::Value(Id::new(v))
        }
    }
    fn from_str(v: &str) -> Decoded<Self> {
        if blank(v) {
            return Decoded::Absent;
        }
        crate::number::digits(v).map_or(Decoded::Bad, Self::from_u64)
    }
}

/// Fields of a type the snapshot does not know keep whatever JSON arrives.
impl Wire for Value {
    const EXPECTING: &'static str = "any JSON value";
    fn from_bool(v: bool) -> Decoded<Self> {
        Decoded::Value(Value::Bool(v))
    }
    fn from_i64(v: i64) -> Decoded<Self> {
        Decoded::Value(v.into())
    }
    fn from_u64(v: u64) -> Decoded<Self> {
        Decoded::Value(v.into())
    }
    fn from_f64(v: f64) -> Decoded<Self> {
        Decoded::Value(v.into())
    }
    fn from_str(v: &str) -> Decoded<Self> {
        Decoded::Value(v.into())
    }
    fn from_json(v: Value) -> Result<Option<Self>, Value> {
        Ok(Some(v))
    }
}

/// Lookup values: any text is a value (unknown ones become `Other`), `""` is "none chosen".
impl<T: LookupEnum + serde::Serialize> Wire for T {
    const EXPECTING: &'static str = "a lookup value";
    fn from_u64(v: u64) -> Decoded<Self> {
        <Self as Wire>::from_str(&v.to_string())
    }
    fn from_str(v: &str) -> Decoded<Self> {
        if v.is_empty() {
            return Decoded::Absent;
        }
        v.parse().map_or(Decoded::Bad, Decoded::Value)
    }
}

/// One JSON value as it arrives, before it is read as a field type. Every field goes through
/// this one visitor, so the deserializer's (large) generic code is instantiated once per crate
/// rather than once per field type: that keeps generated code cheap to compile.
enum Scalar<'de> {
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(Cow<'de, str>),
    Json(Value),
}

struct ScalarSeed;

impl<'de> DeserializeSeed<'de> for ScalarSeed {
    type Value = Scalar<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScalarSeed {
    type Value = Scalar<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(u64::try_from(v).map_or(Scalar::I64(v), Scalar::U64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::U64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::F64(v))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Scalar::Json)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(Scalar::Json)
    }
}

type Outcome<T> = Result<Option<T>, Value>;

fn outcome<T>(d: Decoded<T>, raw: impl FnOnce() -> Value) -> Outcome<T> {
    match d {
        Decoded::Value(v) => Ok(Some(v)),
        Decoded::Absent => Ok(None),
        Decoded::Bad => Err(raw()),
    }
}

/// Reads a scalar as `T`: `Ok(value)`, or `Err(raw)` when it is not a `T`.
fn convert<T: Wire>(s: Scalar<'_>) -> Outcome<T> {
    match s {
        Scalar::Null => Ok(None),
        Scalar::Bool(v) => outcome(T::from_bool(v), || Value::Bool(v)),
        Scalar::I64(v) => outcome(T::from_i64(v), || v.into()),
        Scalar::U64(v) => outcome(T::from_u64(v), || v.into()),
        Scalar::F64(v) => outcome(T::from_f64(v), || v.into()),
        Scalar::Str(Cow::Borrowed(v)) => outcome(T::from_str(v), || v.into()),
        Scalar::Str(Cow::Owned(v)) => T::from_string(v).map_err(Value::String),
        Scalar::Json(v) => T::from_json(v),
    }
}

fn next_value<'de, T: Wire, A: MapAccess<'de>>(map: &mut A) -> Result<Outcome<T>, A::Error> {
    if T::NUMBER_TEXT {
        return map
            .next_value::<Box<RawValue>>()
            .and_then(|raw| from_raw::<T, A::Error>(raw));
    }
    map.next_value_seed(ScalarSeed).map(convert::<T>)
}

/// Reads a value kept as its JSON text (serde_json's `raw_value`), so a number reaches
/// [`Wire::from_number_text`] digit for digit; every other form goes the usual way. Only the
/// types that ask for it pay for the raw capture.
fn from_raw<T: Wire, E: de::Error>(raw: Box<RawValue>) -> Result<Outcome<T>, E> {
    match raw.get().as_bytes().first() {
        Some(b'-' | b'0'..=b'9') => Ok(T::from_number_text(raw.into()).map_err(|text| {
            serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.into()))
        })),
        _ => {
            let scalar = ScalarSeed
                .deserialize(&mut serde_json::Deserializer::from_str(raw.get()))
                .map_err(E::custom)?;
            Ok(convert::<T>(scalar))
        }
    }
}

/// Decodes a value that must be present (the standalone `Deserialize` of value types).
pub fn decode_required<'de, T: Wire, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    let outcome = if T::NUMBER_TEXT {
        from_raw::<T, D::Error>(Box::<RawValue>::deserialize(d)?)?
    } else {
        convert::<T>(ScalarSeed.deserialize(d)?)
    };
    match outcome {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(de::Error::custom(format_args!(
            "expected {}, found no value",
            T::EXPECTING
        ))),
        Err(raw) => Err(de::Error::custom(format_args!(
            "expected {}, found {}",
            T::EXPECTING,
            snippet(&raw)
        ))),
    }
}

/// A short rendering of a bad value for messages: records can carry long texts.
fn snippet(v: &Value) -> String {
    crm_schema::text::snippet(&v.to_string(), 80)
}

/// Per-record decoding state: the mode, and the values that did not decode.
pub struct Cx {
    lenient: bool,
    id_seen: bool,
    bad: Vec<(&'static str, &'static str, Value)>,
}

/// A record type the generic decoder fills: generated read models and projections.
pub trait DecodeRecord: Sized {
    /// API name of the object, for messages.
    const OBJECT: &'static str;
    /// A record with no fields set yet (its id is filled by the `id` key).
    fn empty() -> Self;
    /// Decodes the value of `key` if it is a known field; `Ok(false)` leaves it unread.
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        cx: &mut Cx,
    ) -> Result<bool, A::Error>;
    /// The unknown-field map, if the type keeps one.
    fn extra(&mut self) -> Option<&mut Map<String, Value>>;
    /// The record id, for messages.
    fn raw_id(&self) -> u64;
}

/// Decodes a known field into its slot; `Ok(true)`, the key was consumed.
///
/// This and the other field decoders return [`DecodeRecord::field`]'s own result, so that a
/// generated `match` arm is the call alone: a `?` per arm, over a generic error type, cost the
/// compiler more to check than the rest of the decoder (BENCHMARKS.md, compile time).
pub fn field<'de, T: Wire, A: MapAccess<'de>>(
    slot: &mut Option<T>,
    api_name: &'static str,
    map: &mut A,
    cx: &mut Cx,
) -> Result<bool, A::Error> {
    match next_value::<T, A>(map)? {
        Ok(v) => *slot = v,
        Err(raw) => cx.bad.push((api_name, T::EXPECTING, raw)),
    }
    Ok(true)
}

/// Decodes the record's own id, which is never optional and never lenient.
pub fn id_field<'de, O: ?Sized, A: MapAccess<'de>>(
    slot: &mut Id<O>,
    map: &mut A,
    cx: &mut Cx,
) -> Result<bool, A::Error> {
    match next_value::<Id<O>, A>(map)? {
        Ok(Some(id)) => {
            *slot = id;
            cx.id_seen = true;
            Ok(true)
        }
        Ok(None) => {
            crate::scope::fail_at("id");
            Err(de::Error::custom("the record's `id` is empty"))
        }
        Err(raw) => {
            crate::scope::fail_at("id");
            Err(de::Error::custom(format_args!(
                "the record's `id` is not an id: {}",
                snippet(&raw)
            )))
        }
    }
}

/// Decodes a nested value with its own `Deserialize` (opportunity lines).
pub fn nested<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    slot: &mut Option<T>,
    map: &mut A,
) -> Result<bool, A::Error> {
    *slot = map.next_value()?;
    Ok(true)
}

/// A map key, borrowed from the input where the format allows.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key<'de>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Key::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Key::Owned(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
        Ok(Key::Owned(v))
    }
}

struct RecordVisitor<R>(PhantomData<fn() -> R>);

impl<'de, R: DecodeRecord> Visitor<'de> for RecordVisitor<R> {
    type Value = R;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a record of `{}`", R::OBJECT)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<R, A::Error> {
        let mut record = R::empty();
        let mut cx = Cx {
            lenient: crate::scope::lenient_decoding(),
            id_seen: false,
            bad: Vec::new(),
        };
        while let Some(key) = map.next_key_seed(KeySeed)? {
            if !record.field(key.as_str(), &mut map, &mut cx)? {
                let value: Value = map.next_value()?;
                if let Some(extra) = record.extra() {
                    let key = match key {
                        Key::Borrowed(s) => s.to_owned(),
                        Key::Owned(s) => s,
                    };
                    extra.insert(key, value);
                }
            }
        }
        if !cx.id_seen {
            return Err(de::Error::custom(format_args!(
                "`{}` record without an `id`",
                R::OBJECT
            )));
        }
        if let Some((field, expecting, raw)) = cx.bad.first().filter(|_| !cx.lenient) {
            crate::scope::fail_at(field);
            return Err(de::Error::custom(format_args!(
                "`{}` record {}: field `{field}`: expected {expecting}, found {}",
                R::OBJECT,
                record.raw_id(),
                snippet(raw)
            )));
        }
        if let Some(extra) = record.extra() {
            for (field, _, raw) in cx.bad {
                extra.insert(field.to_owned(), raw);
            }
        }
        Ok(record)
    }
}

/// The `Deserialize` body of every generated record type and projection.
pub fn decode_record<'de, R: DecodeRecord, D: Deserializer<'de>>(d: D) -> Result<R, D::Error> {
    d.deserialize_map(RecordVisitor(PhantomData))
}

/// A map being serialised, for the body of every generated `Serialize`: one plain call per
/// field, the first error kept and returned by [`end`](Self::end), the calls after it skipped.
///
/// Why not `serialize_entry(..)?` per field, as a derive writes: the compiler checks each `?`
/// over the serializer's generic error type on its own, and for records of some 40 fields that
/// made the generated `Serialize` impls the dearest part of compiling `schema!`.
pub struct MapWriter<M: SerializeMap> {
    map: M,
    failed: Option<M::Error>,
}

impl<M: SerializeMap> MapWriter<M> {
    /// Starts a map of unknown length.
    pub fn start<S: Serializer<SerializeMap = M>>(s: S) -> Result<Self, S::Error> {
        Ok(MapWriter {
            map: s.serialize_map(None)?,
            failed: None,
        })
    }

    /// Writes `value` under `key`.
    pub fn value<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) {
        if self.failed.is_none() {
            self.failed = self.map.serialize_entry(key, value).err();
        }
    }

    /// Writes `value` under `key` unless it is `None` (not set, or not received).
    pub fn entry<T: Serialize>(&mut self, key: &str, value: &Option<T>) {
        if let Some(v) = value {
            self.value(key, v);
        }
    }

    /// Writes the unknown fields kept from decoding.
    pub fn extra(&mut self, extra: &Map<String, Value>) {
        for (k, v) in extra {
            self.value(k, v);
        }
    }

    /// Ends the map, or returns the first error.
    pub fn end(self) -> Result<M::Ok, M::Error> {
        match self.failed {
            Some(e) => Err(e),
            None => self.map.end(),
        }
    }
}
