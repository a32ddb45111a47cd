//! The kinds of dictionary fields, as types: `#[derive(Record)]` checks a projection field's
//! Rust type against the kind the snapshot gives it, and compile errors name these. Which field
//! types have which kind is `crm_schema::classify::ValueKind`; its `marker()` names these types.

macro_rules! kinds {
    ($($(#[$doc:meta])* $k:ident,)*) => {
        $($(#[$doc])* pub enum $k {})*
        /// The names of the markers above, for the test that pins them to the classification.
        #[cfg(test)]
        pub(crate) const NAMES: &[&str] = &[$(stringify!($k)),*];
    };
}

kinds! {
    /// Text, long text, e-mail, phone, URL.
    Text,
    /// A whole number.
    Integer,
    /// A decimal, currency or percent.
    Decimal,
    /// A boolean.
    Boolean,
    /// A date.
    Date,
    /// A date and time.
    DateTime,
    /// A dropdown value.
    Lookup,
    /// A reference to another record.
    Reference,
    /// A user.
    User,
    /// A type the snapshot does not know.
    Unknown,
}
