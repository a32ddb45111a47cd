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
use crate::types::{Date, DateTime, Decimal};

/// A value that can appear in `q`.
pub trait FilterValue {
    /// The value as `q` carries it.
    fn to_json(&self) -> Value;
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
}
impl FilterValue for DateTime {
    fn to_json(&self) -> Value {
        Value::String(self.to_string())
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
}

impl<O: Object + ?Sized, T: FilterValue> RangeField<O, T> {
    /// Equal to `value`.
    pub fn eq(self, value: impl Into<T>) -> Filter<O> {
        self.cond(Op::Eq, value.into().to_json())
    }
    /// Not equal to `value` (`$not`).
    pub fn ne(self, value: impl Into<T>) -> Filter<O> {
        self.cond(Op::Not, value.into().to_json())
    }
    /// Equal to one of `values` (`$in`).
    pub fn one_of<V: Into<T>>(self, values: impl IntoIterator<Item = V>) -> Filter<O> {
        self.cond(Op::In, list(values.into_iter().map(Into::into)))
    }
    /// Equal to none of `values` (`$nin`).
    pub fn none_of<V: Into<T>>(self, values: impl IntoIterator<Item = V>) -> Filter<O> {
        self.cond(Op::Nin, list(values.into_iter().map(Into::into)))
    }
    /// Greater than `value` (`$gt`).
    pub fn gt(self, value: impl Into<T>) -> Filter<O> {
        self.cond(Op::Gt, value.into().to_json())
    }
    /// Greater than or equal to `value` (`$gte`).
    pub fn gte(self, value: impl Into<T>) -> Filter<O> {
        self.cond(Op::Gte, value.into().to_json())
    }
    /// Less than `value` (`$lt`).
    pub fn lt(self, value: impl Into<T>) -> Filter<O> {
        self.cond(Op::Lt, value.into().to_json())
    }
    /// Less than or equal to `value` (`$lte`).
    pub fn lte(self, value: impl Into<T>) -> Filter<O> {
        self.cond(Op::Lte, value.into().to_json())
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
    /// Not equal to `value` (`$not`).
    pub fn ne(self, value: bool) -> Filter<O> {
        self.cond(Op::Not, value.to_json())
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

/// Marks, by its absence, fields the CRM sets itself: their setters exist (hidden) only to turn
/// an attempt to set one into this sentence.
#[diagnostic::on_unimplemented(
    message = "this field is read-only: the CRM sets it itself, so a request cannot",
    label = "read-only in the dictionary snapshot"
)]
pub trait ReadOnlyField {}

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
    /// Not equal to `value` (`$not`).
    pub fn ne(self, value: E) -> Filter<O> {
        self.cond(Op::Not, lookup_json(&value))
    }
    /// One of `values` (`$in`).
    pub fn one_of(self, values: impl IntoIterator<Item = E>) -> Filter<O> {
        self.cond(
            Op::In,
            Value::Array(values.into_iter().map(|v| lookup_json(&v)).collect()),
        )
    }
    /// None of `values` (`$nin`).
    pub fn none_of(self, values: impl IntoIterator<Item = E>) -> Filter<O> {
        self.cond(
            Op::Nin,
            Value::Array(values.into_iter().map(|v| lookup_json(&v)).collect()),
        )
    }
}

impl<O: Object + ?Sized, T: ?Sized> IdField<O, T> {
    /// Equal to `id`.
    pub fn eq(self, id: Id<T>) -> Filter<O> {
        self.cond(Op::Eq, id.to_json())
    }
    /// Not equal to `id` (`$not`).
    pub fn ne(self, id: Id<T>) -> Filter<O> {
        self.cond(Op::Not, id.to_json())
    }
    /// One of `ids` (`$in`).
    pub fn one_of(self, ids: impl IntoIterator<Item = Id<T>>) -> Filter<O> {
        self.cond(Op::In, list(ids))
    }
    /// None of `ids` (`$nin`).
    pub fn none_of(self, ids: impl IntoIterator<Item = Id<T>>) -> Filter<O> {
        self.cond(Op::Nin, list(ids))
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
