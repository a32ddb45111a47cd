//! Typed ordering, serialised to the API's `order` parameter (a JSON object whose key order is
//! the sort order, so it is written by hand rather than through a sorted map).
//!
//! Keys come from field constants (`account::fields::NAME.asc()`) and chain with
//! [`Order::then`]; a field named twice keeps its first (highest-priority) direction, since a
//! JSON object cannot hold one key twice.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use crate::record::Object;

/// Sort keys for records of object `O`, in priority order.
pub struct Order<O: ?Sized> {
    keys: Vec<(Cow<'static, str>, Direction)>,
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

impl<O: ?Sized> Order<O> {
    /// One sort key, by API name. Field constants call this; use it directly only for fields the
    /// snapshot does not know.
    pub fn by(field: impl Into<Cow<'static, str>>, direction: Direction) -> Self {
        Order {
            keys: vec![(field.into(), direction)],
            object: PhantomData,
        }
    }

    /// No sort keys: the API's default order.
    pub fn none() -> Self {
        Order {
            keys: Vec::new(),
            object: PhantomData,
        }
    }

    /// Sorts by `next` where this order ties.
    pub fn then(mut self, next: Order<O>) -> Self {
        for (field, dir) in next.keys {
            if !self.keys.iter().any(|(f, _)| *f == field) {
                self.keys.push((field, dir));
            }
        }
        self
    }

    /// Whether there are no sort keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The sort keys as `(API name, direction)`, in priority order.
    pub fn keys(&self) -> impl Iterator<Item = (&str, Direction)> {
        self.keys.iter().map(|(f, d)| (f.as_ref(), *d))
    }
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
                format!("{}:\"{dir}\"", serde_json::Value::from(field.as_ref()))
            })
            .collect();
        format!("{{{}}}", parts.join(","))
    }
}

impl<O: ?Sized> Clone for Order<O> {
    fn clone(&self) -> Self {
        Order {
            keys: self.keys.clone(),
            object: PhantomData,
        }
    }
}

impl<O: ?Sized> Default for Order<O> {
    fn default() -> Self {
        Order::none()
    }
}

impl<O: ?Sized> PartialEq for Order<O> {
    fn eq(&self, other: &Self) -> bool {
        self.keys == other.keys
    }
}

impl<O: ?Sized> fmt::Debug for Order<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.keys.iter()).finish()
    }
}
