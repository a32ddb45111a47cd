//! Type checks for `#[derive(Record)]` projections: which Rust types may hold which kind of
//! dictionary field. The derive names the kind from the snapshot; the compiler checks the user's
//! field type against it here, and the error points at that type.

use serde_json::Value;

use crate::kind;
use crate::record::{Id, LookupEnum};
use crate::types::{Date, DateTime, Decimal};
use crate::wire::{Cx, Wire, field};

/// A projection field type that can hold a dictionary field of kind `K`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold this field: the dictionary gives it the kind `{K}`",
    label = "incompatible with the dictionary's field type",
    note = "projection fields are `Option<_>` of the generated field type: `String` (text), `i64` (integer), `Decimal`, `bool`, `Date`, `DateTime`, a lookup enum or `String` (lookup), `Id<_>` (reference), `UserId` (user); `Option<serde_json::Value>` holds any kind"
)]
pub trait FieldOf<K> {
    /// The value type inside the `Option`.
    type Inner: Wire;
    /// The slot the decoder fills.
    fn slot(&mut self) -> &mut Option<Self::Inner>;
}

macro_rules! field_of {
    ($($k:ident => $($t:ty),+;)*) => {$($(
        impl FieldOf<kind::$k> for Option<$t> {
            type Inner = $t;
            fn slot(&mut self) -> &mut Option<$t> {
                self
            }
        }
    )+)*};
}

field_of! {
    Text => String;
    Integer => i64;
    Decimal => Decimal;
    Boolean => bool;
    Date => Date;
    DateTime => DateTime;
    Lookup => String;
    User => crate::record::UserId;
}

impl<K> FieldOf<K> for Option<Value> {
    type Inner = Value;
    fn slot(&mut self) -> &mut Option<Value> {
        self
    }
}

impl<T: LookupEnum + serde::Serialize> FieldOf<kind::Lookup> for Option<T> {
    type Inner = T;
    fn slot(&mut self) -> &mut Option<T> {
        self
    }
}

impl<O: crate::record::Object + ?Sized> FieldOf<kind::Reference> for Option<Id<O>> {
    type Inner = Id<O>;
    fn slot(&mut self) -> &mut Option<Id<O>> {
        self
    }
}

impl FieldOf<kind::Reference> for Option<crate::record::ExternalId> {
    type Inner = crate::record::ExternalId;
    fn slot(&mut self) -> &mut Option<crate::record::ExternalId> {
        self
    }
}

/// Decodes a projection field of kind `K`.
pub fn project<'de, K, F: FieldOf<K>, A: serde::de::MapAccess<'de>>(
    slot: &mut F,
    api_name: &'static str,
    map: &mut A,
    cx: &mut Cx,
) -> Result<(), A::Error> {
    field(slot.slot(), api_name, map, cx)
}
