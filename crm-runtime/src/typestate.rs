//! The two states of a mandatory field in a generated create builder
//! (`NewAccountBuilder<Unset>` -> `NewAccountBuilder<Set>`).
//!
//! Only mandatory fields get a type parameter, so a builder's type stays small however many
//! optional fields an object has, and `build()` exists once every parameter is [`Set`].

/// A mandatory field that has not been given a value yet.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unset;

/// A mandatory field that has a value.
#[derive(Debug, Clone, Copy, Default)]
pub struct Set;
