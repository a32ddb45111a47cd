//! The kinds of dictionary fields, as types: `#[derive(Record)]` checks a projection field's
//! Rust type against the kind the snapshot gives it, and compile errors name these.

/// Text, long text, e-mail, phone, URL.
pub enum Text {}
/// A whole number.
pub enum Integer {}
/// A decimal, currency or percent.
pub enum Decimal {}
/// A boolean.
pub enum Boolean {}
/// A date.
pub enum Date {}
/// A date and time.
pub enum DateTime {}
/// A dropdown value.
pub enum Lookup {}
/// A reference to another record.
pub enum Reference {}
/// A user.
pub enum User {}
/// A type the snapshot does not know.
pub enum Unknown {}
