//! What each [`FieldType`] means to the crates that handle its values: its name in canonical
//! files, its kind of value, the Rust type it decodes into and the kind of filter it offers.
//!
//! This is the one place these facts are written. [`FieldType::class`] is an exhaustive
//! `match` (no `_ =>`), so a new variant does not compile until it is classified here; the
//! generator (`crm-codegen`: value types, setters, filter fields, projection checks), the
//! sandbox (columns, write checks, numeric comparisons) and the runtime's projection table
//! (pinned by a test in `crm-runtime`) all ask it instead of matching on `FieldType` again.

use crate::model::FieldType;

/// Everything that follows from a field's type alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Class {
    /// The type's name in canonical files (`long_text`).
    pub name: &'static str,
    /// What kind of value it holds.
    pub value: ValueKind,
    /// The Rust type its values decode into.
    pub rust: RustType,
    /// The filter field type of its `fields::NAME` constant.
    pub filter: FilterKind,
}

/// The kind of a field's value: what a projection's Rust type is checked against, and how the
/// sandbox stores and compares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValueKind {
    /// The record's own id.
    Id,
    /// Text of any flavour: text, long text, e-mail, phone, URL.
    Text,
    /// A whole number.
    Integer,
    /// An exact decimal: decimal, currency, percent.
    Decimal,
    /// A boolean (the API sends 0/1).
    Boolean,
    /// A calendar date.
    Date,
    /// A date and time.
    DateTime,
    /// A dropdown value.
    Lookup,
    /// The id of a record of another object.
    Reference,
    /// The id of a CRM user.
    User,
    /// A type the snapshot does not know: kept as JSON.
    Unknown,
}

impl ValueKind {
    /// Every kind, in declaration order.
    pub const ALL: &'static [ValueKind] = &[
        ValueKind::Id,
        ValueKind::Text,
        ValueKind::Integer,
        ValueKind::Decimal,
        ValueKind::Boolean,
        ValueKind::Date,
        ValueKind::DateTime,
        ValueKind::Lookup,
        ValueKind::Reference,
        ValueKind::User,
        ValueKind::Unknown,
    ];

    /// The name of the kind's marker type in the runtime (`crm_runtime::__private::kind::Text`),
    /// which projection errors show. `Id` has none: a projection's id is decoded apart.
    pub const fn marker(self) -> Option<&'static str> {
        Some(match self {
            ValueKind::Id => return None,
            ValueKind::Text => "Text",
            ValueKind::Integer => "Integer",
            ValueKind::Decimal => "Decimal",
            ValueKind::Boolean => "Boolean",
            ValueKind::Date => "Date",
            ValueKind::DateTime => "DateTime",
            ValueKind::Lookup => "Lookup",
            ValueKind::Reference => "Reference",
            ValueKind::User => "User",
            ValueKind::Unknown => "Unknown",
        })
    }

    /// Stored and compared as a number: ids, integers, booleans and decimals.
    pub const fn is_numeric(self) -> bool {
        match self {
            ValueKind::Id
            | ValueKind::Integer
            | ValueKind::Reference
            | ValueKind::User
            | ValueKind::Boolean
            | ValueKind::Decimal => true,
            ValueKind::Text
            | ValueKind::Date
            | ValueKind::DateTime
            | ValueKind::Lookup
            | ValueKind::Unknown => false,
        }
    }
}

/// The Rust type a field's value decodes into (inside the `Option` of a read model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RustType {
    /// `Id<Self>`: the record's own id.
    OwnId,
    /// `String`.
    String,
    /// `i64`.
    I64,
    /// The runtime's exact `Decimal`.
    Decimal,
    /// `bool`.
    Bool,
    /// The runtime's `Date`.
    Date,
    /// The runtime's `DateTime`.
    DateTime,
    /// The field's generated lookup enum (a projection may use `String`).
    LookupEnum,
    /// `Id<Target>` when the target is generated, else the runtime's `ExternalId`.
    TargetId,
    /// The runtime's `UserId`.
    UserId,
    /// `serde_json::Value`.
    Json,
}

impl RustType {
    /// The type's name as written where it is defined (`String`, `i64`, `Decimal`, `UserId`);
    /// `None` for the types generated per field or object.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self {
            RustType::String => "String",
            RustType::I64 => "i64",
            RustType::Decimal => "Decimal",
            RustType::Bool => "bool",
            RustType::Date => "Date",
            RustType::DateTime => "DateTime",
            RustType::UserId => "UserId",
            RustType::Json => "Value",
            RustType::OwnId | RustType::LookupEnum | RustType::TargetId => return None,
        })
    }

    /// Setters take `impl Into<_>` of it: text takes anything that converts to `String`,
    /// numbers anything that converts without loss (`.turnover(1000)`). The others take their
    /// exact type: `Id::new(5)` and `"..".parse()` need the target type to infer theirs.
    pub const fn setter_converts(self) -> bool {
        match self {
            RustType::String | RustType::I64 | RustType::Decimal => true,
            RustType::OwnId
            | RustType::Bool
            | RustType::Date
            | RustType::DateTime
            | RustType::LookupEnum
            | RustType::TargetId
            | RustType::UserId
            | RustType::Json => false,
        }
    }
}

/// The kind of filter field a field's constant is: which operators it offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilterKind {
    /// Ids, references and users: equality, lists, keyset comparisons.
    Id,
    /// Text: equality, prefixes, contains.
    Text,
    /// Booleans: is true / is false.
    Bool,
    /// Dropdowns, typed by their lookup enum.
    Choice,
    /// Numbers and dates: comparisons and ranges.
    Range,
    /// Unknown types: equality on raw JSON.
    Any,
}

impl FilterKind {
    /// The runtime's filter field type (`crm_runtime::__private::RangeField`).
    pub const fn type_name(self) -> &'static str {
        match self {
            FilterKind::Id => "IdField",
            FilterKind::Text => "TextField",
            FilterKind::Bool => "BoolField",
            FilterKind::Choice => "ChoiceField",
            FilterKind::Range => "RangeField",
            FilterKind::Any => "AnyField",
        }
    }
}

const fn class(name: &'static str, value: ValueKind, rust: RustType, filter: FilterKind) -> Class {
    Class {
        name,
        value,
        rust,
        filter,
    }
}

impl FieldType {
    /// What this type means everywhere; see the module docs.
    pub const fn class(&self) -> Class {
        use FilterKind as F;
        use RustType as R;
        use ValueKind as V;
        match self {
            FieldType::Id => class("id", V::Id, R::OwnId, F::Id),
            FieldType::Text => class("text", V::Text, R::String, F::Text),
            FieldType::LongText => class("long_text", V::Text, R::String, F::Text),
            FieldType::Email => class("email", V::Text, R::String, F::Text),
            FieldType::Phone => class("phone", V::Text, R::String, F::Text),
            FieldType::Url => class("url", V::Text, R::String, F::Text),
            FieldType::Integer => class("integer", V::Integer, R::I64, F::Range),
            FieldType::Decimal => class("decimal", V::Decimal, R::Decimal, F::Range),
            FieldType::Currency => class("currency", V::Decimal, R::Decimal, F::Range),
            FieldType::Percent => class("percent", V::Decimal, R::Decimal, F::Range),
            FieldType::Boolean => class("boolean", V::Boolean, R::Bool, F::Bool),
            FieldType::Date => class("date", V::Date, R::Date, F::Range),
            FieldType::DateTime => class("datetime", V::DateTime, R::DateTime, F::Range),
            FieldType::Lookup => class("lookup", V::Lookup, R::LookupEnum, F::Choice),
            FieldType::Reference { .. } => class("reference", V::Reference, R::TargetId, F::Id),
            FieldType::User => class("user", V::User, R::UserId, F::Id),
            FieldType::Unknown { .. } => class("unknown", V::Unknown, R::Json, F::Any),
        }
    }

    /// One value of every variant, in documentation order; `reference` and `unknown` with empty
    /// data, which a reader fills in ([`FieldType::with_name`]).
    pub const EVERY: &'static [FieldType] = &[
        FieldType::Id,
        FieldType::Text,
        FieldType::LongText,
        FieldType::Email,
        FieldType::Phone,
        FieldType::Url,
        FieldType::Integer,
        FieldType::Decimal,
        FieldType::Currency,
        FieldType::Percent,
        FieldType::Boolean,
        FieldType::Date,
        FieldType::DateTime,
        FieldType::Lookup,
        FieldType::Reference {
            target: String::new(),
            external: false,
        },
        FieldType::User,
        FieldType::Unknown { raw: String::new() },
    ];

    /// Every type name a canonical file may use, in documentation order.
    pub const NAMES: &'static [&'static str] = &names();

    /// The type a canonical file names `name`, with empty data for `reference` and `unknown`.
    pub fn with_name(name: &str) -> Option<FieldType> {
        Self::EVERY.iter().find(|t| t.class().name == name).cloned()
    }
}

const fn names() -> [&'static str; FieldType::EVERY.len()] {
    let mut out = [""; FieldType::EVERY.len()];
    let mut i = 0;
    while i < out.len() {
        out[i] = FieldType::EVERY[i].class().name;
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A variant missing from `EVERY` would go unlisted in error messages and unparsed.
    #[test]
    fn every_variant_is_listed_once() {
        let mut names: Vec<&str> = FieldType::NAMES.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FieldType::EVERY.len());
        for t in FieldType::EVERY {
            assert_eq!(FieldType::with_name(t.as_str()).as_ref(), Some(t));
        }
        assert_eq!(FieldType::with_name("varchar"), None);
    }

    #[test]
    fn every_kind_has_a_type() {
        for kind in ValueKind::ALL {
            assert!(
                FieldType::EVERY.iter().any(|t| t.class().value == *kind),
                "{kind:?}"
            );
        }
    }
}
