//! Items generated code reaches through `::crm_runtime::__private`. Not a public API: names here
//! may change in any release, and only generated code may use them. Only re-exports: the logic
//! lives in the modules named, which the runtime itself calls directly.

pub use serde;
pub use serde_json;

pub use crate::filter::{AnyField, BoolField, ChoiceField, Filter, IdField, RangeField, TextField};
pub use crate::kind;
pub use crate::order::Order;
pub use crate::projection::{FieldOf, project, str_eq};
pub use crate::record::{
    Create, External, ExternalId, HasLines, Id, LookupEnum, LookupField, Object, Patch, Record,
    User, UserId,
};
pub use crate::scope::{LenientGuard, lenient_decoding};
pub use crate::types::{Date, DateTime, Decimal};
pub use crate::typestate::{Set, Unset};
pub use crate::wire::{
    Cx, DecodeRecord, Decoded, MapWriter, Wire, decode_record, decode_required, field, id_field,
    nested,
};
