//! Items generated code reaches through `::crm_runtime::__private`. Not a public API: names here
//! may change in any release, and only generated code may use them.

use std::cell::Cell;

pub use serde;
pub use serde_json;

pub use crate::filter::{AnyField, BoolField, ChoiceField, Filter, IdField, RangeField, TextField};
pub use crate::kind;
pub use crate::order::Order;
pub use crate::projection::{FieldOf, project};
pub use crate::record::{
    Create, External, ExternalId, HasLines, Id, LookupEnum, LookupField, Object, Patch, Record,
    User, UserId,
};
pub use crate::types::{Date, DateTime, Decimal};
pub use crate::typestate::{Set, Unset};
pub use crate::wire::{
    Cx, DecodeRecord, Decoded, Wire, decode_record, decode_required, entries, entry, field,
    id_field, nested,
};

/// Serialises a JSON map entry by entry (the body of every generated `Serialize`).
pub use serde::ser::SerializeMap;

thread_local! {
    static LENIENT: Cell<bool> = const { Cell::new(false) };
}

/// Whether a value that cannot be decoded goes into the record's `extra` map (lenient) instead
/// of failing the decode (strict, the default). Decoding is synchronous, so the runtime sets this
/// around each `serde_json` call with [`LenientGuard`].
pub fn lenient_decoding() -> bool {
    LENIENT.with(Cell::get)
}

/// Sets the decoding mode for the current thread until dropped.
pub struct LenientGuard {
    previous: bool,
}

impl LenientGuard {
    /// Enters lenient (`true`) or strict (`false`) decoding.
    pub fn enter(lenient: bool) -> Self {
        LenientGuard {
            previous: LENIENT.with(|l| l.replace(lenient)),
        }
    }
}

impl Drop for LenientGuard {
    fn drop(&mut self) {
        LENIENT.with(|l| l.set(self.previous));
    }
}

/// Decodes a `u64` sent as a number or as a numeric string.
pub fn decode_u64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = u64;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an id (a non-negative integer or a string of digits)")
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| E::custom(format!("negative id {v}")))
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<u64, E> {
            v.trim()
                .parse()
                .map_err(|_| E::custom(format!("`{v}` is not an id")))
        }
    }
    d.deserialize_any(V)
}

/// `a == b` in a const context (projections check their `object_type` at compile time).
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
