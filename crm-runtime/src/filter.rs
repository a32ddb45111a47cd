//! Typed filters, serialised to the API's `q` parameter.
//!
//! Generated code gives every object a `fields` module of constants (`account::fields::NAME`)
//! whose type carries the field's value kind, so only the operators the API supports for that
//! kind exist as methods:
//!
//! | field type | kinds | methods (operator) |
//! |---|---|---|
//! | [`TextField`] | text, e-mail, phone, URL | `eq`, `ne` (`$not`), `one_of` (`$in`), `none_of` (`$nin`), `starts_with` (`$sw`), `ends_with` (`$ew`), `contains` (`$con`) |
//! | [`RangeField`] | integer, decimal, currency, percent, date, date-time | `eq`, `ne`, `one_of`, `none_of`, `gt`, `gte`, `lt`, `lte`, `between` (`$bt`) |
//! | [`BoolField`] | boolean | `eq`, `ne` |
//! | [`ChoiceField`] | lookup (with its enum) | `eq`, `ne`, `one_of`, `none_of` |
//! | [`IdField`] | id, references, users | `eq`, `ne`, `one_of`, `none_of` |
//! | [`AnyField`] | unknown types; any field by API name | all of the above, with JSON values |
//!
//! Every condition is a [`Filter<O>`] for the field's object `O`, so a contact field cannot end up
//! in an account query. Conditions combine with [`Filter::and`] (`&`) and [`Filter::or`] (`|`).
//! Every typed field also has `is_empty()` and `is_set()`.
//!
//! # Filters mean what decoding shows
//! A tenant stores "no value" in more forms than `null`: MySQL's zero date (`0000-00-00`,
//! `0000-00-00 00:00:00`), `""` for a dropdown, `0` for a reference. Decoding reads each of them
//! as `None`, and the server compares them as values (a zero date is earlier than every date,
//! `""` is not `"Client"`). The rule, for every typed field constant:
//!
//! - **Every comparison matches only records that have a value**, as decoding shows it: `eq`,
//!   `ne`, `one_of`, `none_of`, `gt`, `gte`, `lt`, `lte`, `between` and the text operators never
//!   match a record whose field decodes as `None`. So `ne(x)` and `none_of(..)` mean "has a
//!   value, and not that one"; the records they leave out are exactly `is_empty()`'s.
//! - **`is_empty()` selects exactly the records whose field decodes as `None`**, and `is_set()`
//!   the others: `f.eq(x) | f.ne(x)` is `f.is_set()`. On text fields, where `""` decodes as
//!   `Some("")`, `is_empty()` also selects `""` (and `is_set()` leaves it out): that is what a
//!   user means by "no phone number".
//!
//! The guards are the API's own operators, added only where the server would otherwise match an
//! empty form (`null` never matches a comparison, so it needs none):
//!
//! | kind | empty forms | guarded operators | `is_empty()` | `is_set()` |
//! |---|---|---|---|---|
//! | date, date-time | `null`, zero date | `lt`, `lte`, `ne`, `none_of` add `"$gt": zero date` | `$or` of `null` and the zero date | `{"$gt": zero date}` |
//! | reference, user, id | `null`, `0` | `ne`, `none_of` become `"$nin": [.., 0]` | `$or` of `null` and `0` | `{"$not": 0}` |
//! | dropdown | `null`, `""` | `ne`, `none_of` become `"$nin": [.., ""]` | `$or` of `null` and `""` | `{"$not": ""}` |
//! | text | `null` (and `""`, for these two) | none | `$or` of `null` and `""` | `{"$not": ""}` |
//! | integer, decimal, boolean | `null` | none | `null` | `{"$not": null}` |
//!
//! `gt`, `gte`, `between`, `eq` and `one_of` need no guard on dates: the zero date sorts before
//! every date. [`AnyField`] adds no guard: it is the untyped escape hatch, and sends exactly what
//! it is given.
//!
//! # How a filter becomes `q`
//! The documented syntax has no `$and`: conditions on different fields share one JSON object,
//! several operators on one field share its operator object (`{"value":{"$gte":1,"$lt":9}}`),
//! and `$or` takes a list of such objects. A condition that cannot join the object it is ANDed
//! with (the same field compared for equality twice, the same operator twice) goes into a
//! one-element `$or`, which means the same as AND: `{"name":"a","$or":[{"name":{"$sw":"b"}}]}`;
//! if the object already has an `$or`, the condition is ANDed into each of its alternatives
//! (`(a | b) & c` is `(a & c) | (b & c)`). Nothing is ever dropped or overwritten.
//!
//! Multiplying out has a price: ANDing `k` two-way `$or`s yields `2^k` alternatives, and `q`
//! has no documented way to nest an `$or` inside an AND. So a query refuses, before sending,
//! a filter whose encoding would take more than [`MAX_Q_CONDITIONS`] steps
//! ([`Filter::try_to_q`]).

mod expr;

pub(crate) use expr::q_too_large;
pub use expr::{Filter, MAX_Q_CONDITIONS, Op};

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde_json::Value;

use crate::order::{Direction, Order};
use crate::record::{Id, LookupEnum, Object};
use crate::types::{Date, DateTime, Decimal, ZERO_DATE, ZERO_DATE_TIME};

/// A value that can appear in `q`.
pub trait FilterValue {
    /// The value as `q` carries it.
    fn to_json(&self) -> Value;
    /// The wire's stand-in for "no value" that the server compares as a value but decoding
    /// reads as `None` (MySQL's zero date); `None` when only `null` means "no value".
    fn zero() -> Option<Value>
    where
        Self: Sized,
    {
        None
    }
}

impl FilterValue for String {
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
}
impl FilterValue for i64 {
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
}
/// Booleans are stored as 0/1, and `q` compares them that way (`{"live":1}`).
impl FilterValue for bool {
    fn to_json(&self) -> Value {
        Value::from(u8::from(*self))
    }
}
/// A JSON number when that number is exactly this decimal, else the text, so no digit is lost.
impl FilterValue for Decimal {
    fn to_json(&self) -> Value {
        let text = self.as_str();
        if let Ok(i) = text.parse::<i64>() {
            return Value::from(i);
        }
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() && f.to_string() == text => Value::from(f),
            _ => Value::String(text.to_owned()),
        }
    }
}
impl FilterValue for Date {
    fn to_json(&self) -> Value {
        Value::String(self.to_string())
    }
    fn zero() -> Option<Value> {
        Some(Value::String(ZERO_DATE.to_owned()))
    }
}
impl FilterValue for DateTime {
    fn to_json(&self) -> Value {
        Value::String(self.to_string())
    }
    fn zero() -> Option<Value> {
        Some(Value::String(ZERO_DATE_TIME.to_owned()))
    }
}
impl<T: ?Sized> FilterValue for Id<T> {
    fn to_json(&self) -> Value {
        Value::from(self.get())
    }
}
impl FilterValue for Value {
    fn to_json(&self) -> Value {
        self.clone()
    }
}

fn list<T: FilterValue>(values: impl IntoIterator<Item = T>) -> Value {
    Value::Array(values.into_iter().map(|v| v.to_json()).collect())
}

/// `$nin` of `values` plus the field's empty form: "has a value, and not one of these".
fn nin_and_empty(values: Value, empty: Value) -> Value {
    let mut items = match values {
        Value::Array(items) => items,
        one => vec![one],
    };
    items.push(empty);
    Value::Array(items)
}

macro_rules! field_type {
    ($(#[$doc:meta])* $name:ident < $($p:ident),* >) => {
        $(#[$doc])*
        pub struct $name<O: ?Sized, $($p: ?Sized),*> {
            name: &'static str,
            marker: PhantomData<fn() -> (Box<O>, $(Box<$p>),*)>,
        }

        impl<O: ?Sized, $($p: ?Sized),*> $name<O, $($p),*> {
            /// The field with this API name. Generated `fields` modules call this.
            pub const fn new(api_name: &'static str) -> Self {
                $name { name: api_name, marker: PhantomData }
            }

            /// The field's API name.
            pub const fn api_name(&self) -> &'static str {
                self.name
            }

            /// Sort by this field, ascending.
            pub fn asc(self) -> Order<O> {
                Order::by(self.name, Direction::Asc)
            }

            /// Sort by this field, descending.
            pub fn desc(self) -> Order<O> {
                Order::by(self.name, Direction::Desc)
            }

            fn cond(self, op: Op, value: Value) -> Filter<O> {
                Filter::condition(self.name, op, value)
            }

            /// `null`, or `empty` when the field has a second empty form.
            fn null_or(self, empty: Option<Value>) -> Filter<O> {
                let null = self.cond(Op::Eq, Value::Null);
                match empty {
                    Some(e) => null.or(self.cond(Op::Eq, e)),
                    None => null,
                }
            }
        }

        impl<O: ?Sized, $($p: ?Sized),*> Clone for $name<O, $($p),*> {
            fn clone(&self) -> Self {
                *self
            }
        }
        impl<O: ?Sized, $($p: ?Sized),*> Copy for $name<O, $($p),*> {}
        impl<O: ?Sized, $($p: ?Sized),*> fmt::Debug for $name<O, $($p),*> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.name)
            }
        }
    };
}

field_type!(
    /// A text field of object `O` (text, long text, e-mail, phone, URL).
    TextField<>
);
field_type!(
    /// A field of object `O` with ordered values of type `T`: integers ([`i64`]), decimals
    /// ([`Decimal`]), dates ([`Date`]) and date-times ([`DateTime`]).
    RangeField<T>
);
field_type!(
    /// A boolean field of object `O`.
    BoolField<>
);
field_type!(
    /// A lookup (dropdown) field of object `O` whose values are the enum `E`.
    ChoiceField<E>
);
field_type!(
    /// A field of object `O` holding ids of object `T`: the record's own id, a reference, or a
    /// user.
    IdField<T>
);

impl<O: Object + ?Sized> TextField<O> {
    /// Equal to `value`.
    pub fn eq(self, value: impl Into<String>) -> Filter<O> {
        self.cond(Op::Eq, Value::String(value.into()))
    }
    /// Not equal to `value` (`$not`).
    pub fn ne(self, value: impl Into<String>) -> Filter<O> {
        self.cond(Op::Not, Value::String(value.into()))
    }
    /// Equal to one of `values` (`$in`).
    pub fn one_of<V: Into<String>>(self, values: impl IntoIterator<Item = V>) -> Filter<O> {
        self.cond(Op::In, list(values.into_iter().map(Into::into)))
    }
    /// Equal to none of `values` (`$nin`).
    pub fn none_of<V: Into<String>>(self, values: impl IntoIterator<Item = V>) -> Filter<O> {
        self.cond(Op::Nin, list(values.into_iter().map(Into::into)))
    }
    /// Starts with `prefix` (`$sw`).
    pub fn starts_with(self, prefix: impl Into<String>) -> Filter<O> {
        self.cond(Op::Sw, Value::String(prefix.into()))
    }
    /// Ends with `suffix` (`$ew`).
    pub fn ends_with(self, suffix: impl Into<String>) -> Filter<O> {
        self.cond(Op::Ew, Value::String(suffix.into()))
    }
    /// Contains `part` (`$con`).
    pub fn contains(self, part: impl Into<String>) -> Filter<O> {
        self.cond(Op::Con, Value::String(part.into()))
    }
    /// No text: `null` or `""`.
    pub fn is_empty(self) -> Filter<O> {
        self.null_or(Some(Value::String(String::new())))
    }
    /// Some text, not `""` (`{"$not": ""}`).
    pub fn is_set(self) -> Filter<O> {
        self.cond(Op::Not, Value::String(String::new()))
    }
}

impl<O: Object + ?Sized, T: FilterValue> RangeField<O, T> {
    /// `filter`, and not the zero date where the type has one, which the server would compare
    /// as earlier than every date.
    fn guarded(self, filter: Filter<O>) -> Filter<O> {
        match T::zero() {
            Some(zero) => filter.and(self.cond(Op::Gt, zero)),
            None => filter,
        }
    }
    /// No value: `null`, or the zero date (which decodes as `None`).
    pub fn is_empty(self) -> Filter<O> {
        self.null_or(T::zero())
    }
    /// A value: after the zero date for dates, else not `null`.
    pub fn is_set(self) -> Filter<O> {
        match T::zero() {
            Some(zero) => self.cond(Op::Gt, zero),
            None => self.cond(Op::Not, Value::Null),
        }
    }
    /// Equal to `value`.
    pub fn eq(self, value: impl Into<T>) -> Filter<O> {
        self.cond(Op::Eq, value.into().to_json())
    }
    /// Has a value, not equal to `value` (`$not`; dates also `$gt` the zero date).
    pub fn ne(self, value: impl Into<T>) -> Filter<O> {
        self.guarded(self.cond(Op::Not, value.into().to_json()))
    }
    /// Equal to one of `values` (`$in`).
    pub fn one_of<V: Into<T>>(self, values: impl IntoIterator<Item = V>) -> Filter<O> {
        self.cond(Op::In, list(values.into_iter().map(Into::into)))
    }
    /// Has a value, equal to none of `values` (`$nin`; dates also `$gt` the zero date).
    pub fn none_of<V: Into<T>>(self, values: impl IntoIterator<Item = V>) -> Filter<O> {
        self.guarded(self.cond(Op::Nin, list(values.into_iter().map(Into::into))))
    }
    /// Greater than `value` (`$gt`).
    pub fn gt(self, value: impl Into<T>) -> Filter<O> {
        self.cond(Op::Gt, value.into().to_json())
    }
    /// Greater than or equal to `value` (`$gte`).
    pub fn gte(self, value: impl Into<T>) -> Filter<O> {
        self.cond(Op::Gte, value.into().to_json())
    }
    /// Less than `value` (`$lt`; dates also `$gt` the zero date).
    pub fn lt(self, value: impl Into<T>) -> Filter<O> {
        self.guarded(self.cond(Op::Lt, value.into().to_json()))
    }
    /// Less than or equal to `value` (`$lte`; dates also `$gt` the zero date).
    pub fn lte(self, value: impl Into<T>) -> Filter<O> {
        self.guarded(self.cond(Op::Lte, value.into().to_json()))
    }
    /// Between `low` and `high`, both included (`$bt`).
    pub fn between(self, low: impl Into<T>, high: impl Into<T>) -> Filter<O> {
        self.cond(
            Op::Bt,
            Value::Array(vec![low.into().to_json(), high.into().to_json()]),
        )
    }
}

impl<O: Object + ?Sized> BoolField<O> {
    /// Equal to `value`.
    pub fn eq(self, value: bool) -> Filter<O> {
        self.cond(Op::Eq, value.to_json())
    }
    /// Has a value, not equal to `value` (`$not`).
    pub fn ne(self, value: bool) -> Filter<O> {
        self.cond(Op::Not, value.to_json())
    }
    /// No value (`null`).
    pub fn is_empty(self) -> Filter<O> {
        self.null_or(None)
    }
    /// A value, true or false (`{"$not": null}`).
    pub fn is_set(self) -> Filter<O> {
        self.cond(Op::Not, Value::Null)
    }
}

/// Marks, by its absence, the filter operators a field's kind does not have: the methods exist
/// (hidden) only so that calling one gives this sentence instead of an unrelated suggestion.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no such operator: `$gt`, `$gte`, `$lt`, `$lte` and `$bt` compare numbers and dates, and `$sw`, `$ew` and `$con` match text",
    label = "not an operator of this field's kind",
    note = "the operators of each kind are listed in the docs of `crm_runtime::filter`"
)]
pub trait UnsupportedOperator {}

macro_rules! unsupported {
    ($name:ident < $($p:ident),* > : $($method:ident),*) => {
        impl<O: Object + ?Sized, $($p: ?Sized),*> $name<O, $($p),*> {
            $(
                #[doc(hidden)]
                pub fn $method<V>(self, _value: V) -> Filter<O>
                where
                    Self: UnsupportedOperator,
                {
                    Filter::all()
                }
            )*
        }
    };
}

unsupported!(TextField<>: gt, gte, lt, lte);
unsupported!(RangeField<T>: starts_with, ends_with, contains);
unsupported!(BoolField<>: gt, gte, lt, lte, starts_with, ends_with, contains);
unsupported!(ChoiceField<E>: gt, gte, lt, lte, starts_with, ends_with, contains);
unsupported!(IdField<T>: gt, gte, lt, lte, starts_with, ends_with, contains);

fn lookup_json<E: LookupEnum>(value: &E) -> Value {
    Value::String(value.as_str().to_owned())
}

impl<O: Object + ?Sized, E: LookupEnum> ChoiceField<O, E> {
    /// Equal to `value`.
    pub fn eq(self, value: E) -> Filter<O> {
        self.cond(Op::Eq, lookup_json(&value))
    }
    /// A value chosen, not `value` (`{"$nin": [value, ""]}`: `""` is "none chosen").
    pub fn ne(self, value: E) -> Filter<O> {
        self.none_of([value])
    }
    /// One of `values` (`$in`).
    pub fn one_of(self, values: impl IntoIterator<Item = E>) -> Filter<O> {
        self.cond(
            Op::In,
            Value::Array(values.into_iter().map(|v| lookup_json(&v)).collect()),
        )
    }
    /// A value chosen, none of `values` (`$nin`, with `""`).
    pub fn none_of(self, values: impl IntoIterator<Item = E>) -> Filter<O> {
        let values = Value::Array(values.into_iter().map(|v| lookup_json(&v)).collect());
        self.cond(Op::Nin, nin_and_empty(values, Value::String(String::new())))
    }
    /// None chosen: `null` or `""`.
    pub fn is_empty(self) -> Filter<O> {
        self.null_or(Some(Value::String(String::new())))
    }
    /// A value chosen (`{"$not": ""}`).
    pub fn is_set(self) -> Filter<O> {
        self.cond(Op::Not, Value::String(String::new()))
    }
}

impl<O: Object + ?Sized, T: ?Sized> IdField<O, T> {
    /// Equal to `id`.
    pub fn eq(self, id: Id<T>) -> Filter<O> {
        self.cond(Op::Eq, id.to_json())
    }
    /// Refers to a record, not `id` (`{"$nin": [id, 0]}`: `0` is "no record").
    pub fn ne(self, id: Id<T>) -> Filter<O> {
        self.none_of([id])
    }
    /// One of `ids` (`$in`).
    pub fn one_of(self, ids: impl IntoIterator<Item = Id<T>>) -> Filter<O> {
        self.cond(Op::In, list(ids))
    }
    /// Refers to a record, none of `ids` (`$nin`, with `0`).
    pub fn none_of(self, ids: impl IntoIterator<Item = Id<T>>) -> Filter<O> {
        self.cond(Op::Nin, nin_and_empty(list(ids), Value::from(0)))
    }
    /// Refers to no record: `null` or `0`.
    pub fn is_empty(self) -> Filter<O> {
        self.null_or(Some(Value::from(0)))
    }
    /// Refers to a record (`{"$not": 0}`).
    pub fn is_set(self) -> Filter<O> {
        self.cond(Op::Not, Value::from(0))
    }
}

/// Any field of object `O` by API name, with every operator and JSON values: for fields the
/// snapshot does not know yet, or whose type it does not know. Nothing is checked here; the API
/// answers an unknown field or a bad value with a validation error.
///
/// ```
/// # use crm_runtime::filter::AnyField;
/// # enum Account {}
/// # impl crm_runtime::Object for Account {
/// #     const API_NAME: &'static str = "accounts";
/// #     const RECORD_TYPE: Option<&'static str> = None;
/// #     const SCHEMA_FINGERPRINT: &'static str = "";
/// # }
/// let f = AnyField::<Account>::named("x_score").gte(10);
/// assert_eq!(f.to_q(), r#"{"x_score":{"$gte":10}}"#);
/// ```
pub struct AnyField<O: ?Sized> {
    name: Cow<'static, str>,
    object: PhantomData<fn() -> O>,
}

impl<O: Object + ?Sized> AnyField<O> {
    /// The field with this API name.
    pub fn named(api_name: impl Into<Cow<'static, str>>) -> Self {
        AnyField {
            name: api_name.into(),
            object: PhantomData,
        }
    }
    /// A field known at compile time; generated code uses it for fields of unknown type.
    pub const fn new(api_name: &'static str) -> Self {
        AnyField {
            name: Cow::Borrowed(api_name),
            object: PhantomData,
        }
    }
    /// The field's API name.
    pub fn api_name(&self) -> &str {
        &self.name
    }
    fn cond(&self, op: Op, value: Value) -> Filter<O> {
        Filter::condition(self.name.clone(), op, value)
    }
    /// Equal to `value`.
    pub fn eq(&self, value: impl Into<Value>) -> Filter<O> {
        self.cond(Op::Eq, value.into())
    }
    /// Not equal (`$not`).
    pub fn ne(&self, value: impl Into<Value>) -> Filter<O> {
        self.cond(Op::Not, value.into())
    }
    /// One of `values` (`$in`).
    pub fn one_of<V: Into<Value>>(&self, values: impl IntoIterator<Item = V>) -> Filter<O> {
        self.cond(
            Op::In,
            Value::Array(values.into_iter().map(Into::into).collect()),
        )
    }
    /// None of `values` (`$nin`).
    pub fn none_of<V: Into<Value>>(&self, values: impl IntoIterator<Item = V>) -> Filter<O> {
        self.cond(
            Op::Nin,
            Value::Array(values.into_iter().map(Into::into).collect()),
        )
    }
    /// Greater than (`$gt`).
    pub fn gt(&self, value: impl Into<Value>) -> Filter<O> {
        self.cond(Op::Gt, value.into())
    }
    /// Greater than or equal (`$gte`).
    pub fn gte(&self, value: impl Into<Value>) -> Filter<O> {
        self.cond(Op::Gte, value.into())
    }
    /// Less than (`$lt`).
    pub fn lt(&self, value: impl Into<Value>) -> Filter<O> {
        self.cond(Op::Lt, value.into())
    }
    /// Less than or equal (`$lte`).
    pub fn lte(&self, value: impl Into<Value>) -> Filter<O> {
        self.cond(Op::Lte, value.into())
    }
    /// Between, inclusive (`$bt`).
    pub fn between(&self, low: impl Into<Value>, high: impl Into<Value>) -> Filter<O> {
        self.cond(Op::Bt, Value::Array(vec![low.into(), high.into()]))
    }
    /// Starts with (`$sw`).
    pub fn starts_with(&self, prefix: impl Into<String>) -> Filter<O> {
        self.cond(Op::Sw, Value::String(prefix.into()))
    }
    /// Ends with (`$ew`).
    pub fn ends_with(&self, suffix: impl Into<String>) -> Filter<O> {
        self.cond(Op::Ew, Value::String(suffix.into()))
    }
    /// Contains (`$con`).
    pub fn contains(&self, part: impl Into<String>) -> Filter<O> {
        self.cond(Op::Con, Value::String(part.into()))
    }
    /// Sort by this field, ascending.
    pub fn asc(&self) -> Order<O> {
        Order::by(self.name.clone(), Direction::Asc)
    }
    /// Sort by this field, descending.
    pub fn desc(&self) -> Order<O> {
        Order::by(self.name.clone(), Direction::Desc)
    }
}

impl<O: ?Sized> Clone for AnyField<O> {
    fn clone(&self) -> Self {
        AnyField {
            name: self.name.clone(),
            object: PhantomData,
        }
    }
}

impl<O: ?Sized> fmt::Debug for AnyField<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AnyField({})", self.name)
    }
}
