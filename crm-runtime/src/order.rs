//! Typed ordering, serialised to the API's `order` parameter (a JSON object whose key order is
//! the sort order, so it is written by hand rather than through a sorted map).

use std::marker::PhantomData;

use crate::record::Object;

/// Sort keys for records of object `O`, in priority order.
pub struct Order<O: ?Sized> {
    keys: Vec<(&'static str, Direction)>,
    object: PhantomData<fn() -> O>,
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

impl<O: Object + ?Sized> Order<O> {
    /// The `order` parameter's JSON text, keys in the order given.
    pub fn to_order(&self) -> String {
        let parts: Vec<String> = self
            .keys
            .iter()
            .map(|(field, dir)| {
                let dir = match dir {
                    Direction::Asc => "asc",
                    Direction::Desc => "desc",
                };
                format!("{}:\"{dir}\"", serde_json::Value::from(*field))
            })
            .collect();
        format!("{{{}}}", parts.join(","))
    }
}
