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
    )+)*
        /// The table above as names (kind, Rust type path), for the test that pins it to
        /// `crm_schema::classify`.
        #[cfg(test)]
        const FIELD_OF: &[(&str, &str)] = &[$($((stringify!($k), stringify!($t))),+),*];
    };
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
) -> Result<bool, A::Error> {
    field(slot.slot(), api_name, map, cx)
}

/// `a == b` in a const context: a projection with `object_type` checks at compile time that the
/// type is of its object.
pub const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use crm_schema::FieldType;
    use crm_schema::classify::{RustType, ValueKind};

    /// The table's rows, each Rust type by its last path segment (`UserId`).
    fn field_of() -> Vec<(&'static str, &'static str)> {
        super::FIELD_OF
            .iter()
            .map(|(k, t)| (*k, t.rsplit("::").next().unwrap_or(t).trim()))
            .collect()
    }

    /// Kinds whose projection types come from generic impls rather than the table: any lookup
    /// enum, `Id<O>` / `ExternalId`; and `Value`, which holds every kind.
    fn generic(rust: RustType) -> bool {
        matches!(
            rust,
            RustType::LookupEnum | RustType::TargetId | RustType::Json
        )
    }

    #[test]
    fn the_markers_are_the_classifications_kinds() {
        let mut ours: Vec<&str> = crate::kind::NAMES.to_vec();
        let mut theirs: Vec<&str> = ValueKind::ALL.iter().filter_map(|k| k.marker()).collect();
        ours.sort_unstable();
        theirs.sort_unstable();
        assert_eq!(ours, theirs);
    }

    #[test]
    fn every_field_type_is_held_by_its_classified_rust_type() {
        for ty in FieldType::EVERY {
            let class = ty.class();
            let Some(kind) = class.value.marker() else {
                // The record's own id: decoded by `id_field`, never by kind.
                assert_eq!(class.rust, RustType::OwnId, "{ty:?}");
                continue;
            };
            let listed: Vec<&str> = field_of()
                .into_iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, t)| t)
                .collect();
            match class.rust.name() {
                Some(name) if !generic(class.rust) => {
                    assert_eq!(listed, [name], "{ty:?}: kind::{kind}");
                }
                _ => assert!(generic(class.rust), "{ty:?}"),
            }
        }
    }

    #[test]
    fn every_table_row_is_a_classified_pair_or_lookup_text() {
        for (kind, rust) in field_of() {
            let classified = FieldType::EVERY.iter().any(|t| {
                let class = t.class();
                class.value.marker() == Some(kind) && class.rust.name() == Some(rust)
            });
            // A projection may hold a dropdown as its text instead of the generated enum.
            let lookup_text = kind == "Lookup" && rust == "String";
            assert!(classified || lookup_text, "kind::{kind} => {rust}");
        }
    }
}
