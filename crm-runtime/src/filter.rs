//! Typed filters, serialised to the API's `q` parameter. The DSL (typed field constants and
//! their operators) is generated per object; this module owns the expression and its JSON.

use std::marker::PhantomData;

use crate::record::Object;

/// A filter on records of object `O`, serialised as the API's `q` JSON.
pub struct Filter<O: ?Sized> {
    q: serde_json::Map<String, serde_json::Value>,
    object: PhantomData<fn() -> O>,
}

impl<O: Object + ?Sized> Filter<O> {
    /// The `q` parameter's JSON text.
    pub fn to_q(&self) -> String {
        serde_json::Value::Object(self.q.clone()).to_string()
    }
}
