//! The filter expression tree and its encoding into `q`, multiplying out `$or`s within a
//! budget; see the parent module for the rules.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde_json::{Map, Value};

use crate::error::{Error, Kind};

/// The most conditions (counting each copy made by multiplying out `$or`s) a query's `q` may
/// be built from; see [`Filter::try_to_q`].
pub const MAX_Q_CONDITIONS: usize = 4096;

/// The encoding ran out of its budget of conditions.
struct TooLarge;

/// A filter on records of object `O`, serialised as the API's `q` JSON.
pub struct Filter<O: ?Sized> {
    node: Node,
    object: PhantomData<fn() -> O>,
}

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Cond {
        field: Cow<'static, str>,
        op: Op,
        value: Value,
    },
    And(Vec<Node>),
    Or(Vec<Node>),
}

/// A comparison operator of `q`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Equality: the plain value.
    Eq,
    /// `$not`.
    Not,
    /// `$in`.
    In,
    /// `$nin`.
    Nin,
    /// `$gt`.
    Gt,
    /// `$gte`.
    Gte,
    /// `$lt`.
    Lt,
    /// `$lte`.
    Lte,
    /// `$bt`: inclusive range, a two-element array.
    Bt,
    /// `$sw`: starts with.
    Sw,
    /// `$ew`: ends with.
    Ew,
    /// `$con`: contains.
    Con,
}

impl Op {
    /// The operator's key in `q` (`$gte`); `None` for equality, which is a plain value.
    pub fn key(self) -> Option<&'static str> {
        Some(match self {
            Op::Eq => return None,
            Op::Not => "$not",
            Op::In => "$in",
            Op::Nin => "$nin",
            Op::Gt => "$gt",
            Op::Gte => "$gte",
            Op::Lt => "$lt",
            Op::Lte => "$lte",
            Op::Bt => "$bt",
            Op::Sw => "$sw",
            Op::Ew => "$ew",
            Op::Con => "$con",
        })
    }
}

impl<O: ?Sized> Filter<O> {
    /// The filter that matches every record (`{}`).
    pub fn all() -> Self {
        Filter {
            node: Node::And(Vec::new()),
            object: PhantomData,
        }
    }

    /// One condition on a field, by API name. Typed field constants call this; use it directly
    /// only for fields the snapshot does not know (or see [`AnyField`]).
    pub fn condition(field: impl Into<Cow<'static, str>>, op: Op, value: Value) -> Self {
        Filter {
            node: Node::Cond {
                field: field.into(),
                op,
                value,
            },
            object: PhantomData,
        }
    }

    /// Records matching both filters.
    pub fn and(self, other: Filter<O>) -> Self {
        let mut parts = match self.node {
            Node::And(v) => v,
            n => vec![n],
        };
        match other.node {
            Node::And(v) => parts.extend(v),
            n => parts.push(n),
        }
        Filter {
            node: Node::And(parts),
            object: PhantomData,
        }
    }

    /// Records matching either filter (`$or`).
    pub fn or(self, other: Filter<O>) -> Self {
        let mut parts = match self.node {
            Node::Or(v) => v,
            n => vec![n],
        };
        match other.node {
            Node::Or(v) => parts.extend(v),
            n => parts.push(n),
        }
        Filter {
            node: Node::Or(parts),
            object: PhantomData,
        }
    }

    /// Whether this filter matches every record (and `q` can be left out).
    pub fn is_empty(&self) -> bool {
        matches!(&self.node, Node::And(v) if v.iter().all(|n| matches!(n, Node::And(c) if c.is_empty())))
    }

    /// The `q` parameter's JSON text, however large. Its size grows exponentially with the
    /// number of `$or`s ANDed together (see the module docs); queries use
    /// [`try_to_q`](Filter::try_to_q), which refuses such a filter.
    pub fn to_q(&self) -> String {
        let mut map = Map::new();
        // An unlimited budget cannot run out.
        let mut budget = usize::MAX;
        let _ = and_into(&mut map, &self.node, &mut budget);
        Value::Object(map).to_string()
    }

    /// The `q` parameter's JSON text, or a bad-request error when multiplying out its `$or`s
    /// would take more than [`MAX_Q_CONDITIONS`] conditions.
    pub fn try_to_q(&self) -> Result<String, Error> {
        let mut map = Map::new();
        let mut budget = MAX_Q_CONDITIONS;
        and_into(&mut map, &self.node, &mut budget).map_err(|TooLarge| q_too_large())?;
        Ok(Value::Object(map).to_string())
    }
}

impl<O: ?Sized> Filter<O> {
    /// `q` (a JSON object, as the API takes it, or none) ANDed with this filter by the rules of
    /// the module docs, so a raw `q` and a typed condition compose without pasting strings.
    /// `what` names the condition in the error for a `q` that is not a JSON object.
    pub(crate) fn and_into_q(&self, q: Option<&str>, what: &str) -> Result<String, Error> {
        let mut map = match q {
            None => Map::new(),
            Some(text) => match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(map)) => map,
                _ => {
                    return Err(Error::new(Kind::BadRequest).with_detail(format!(
                        "{what} needs the filter to be a JSON object, got `{text}`"
                    )));
                }
            },
        };
        let mut budget = MAX_Q_CONDITIONS;
        and_into(&mut map, &self.node, &mut budget).map_err(|TooLarge| q_too_large())?;
        Ok(Value::Object(map).to_string())
    }
}

/// The error of a filter over [`MAX_Q_CONDITIONS`].
pub(crate) fn q_too_large() -> Error {
    Error::new(Kind::BadRequest).with_detail(format!(
        "the filter is too large to send: multiplying out its `$or`s takes more than \
         {MAX_Q_CONDITIONS} conditions (each `$or` ANDed to another multiplies the \
         alternatives); combine fewer `$or`s or use `one_of`"
    ))
}

/// Adds `node` to the AND-object `map`, nesting it where it cannot join (see the module docs).
/// Every call spends one unit of `budget`, which bounds the work however the `$or`s multiply.
fn and_into(map: &mut Map<String, Value>, node: &Node, budget: &mut usize) -> Result<(), TooLarge> {
    *budget = budget.checked_sub(1).ok_or(TooLarge)?;
    match node {
        Node::And(parts) => {
            for p in parts {
                and_into(map, p, budget)?;
            }
        }
        Node::Or(parts) if !map.contains_key("$or") => {
            let mut alternatives = Vec::with_capacity(parts.len());
            for p in parts {
                let mut m = Map::new();
                and_into(&mut m, p, budget)?;
                alternatives.push(Value::Object(m));
            }
            map.insert("$or".to_owned(), Value::Array(alternatives));
        }
        Node::Cond { field, op, value } => {
            let joined = match (op.key(), map.get_mut(field.as_ref())) {
                (None, None) => {
                    map.insert(field.to_string(), value.clone());
                    true
                }
                (Some(key), None) => {
                    let mut ops = Map::new();
                    ops.insert(key.to_owned(), value.clone());
                    map.insert(field.to_string(), Value::Object(ops));
                    true
                }
                (None, Some(existing)) => existing == value,
                (Some(key), Some(Value::Object(ops))) if ops.keys().all(|k| k.starts_with('$')) => {
                    match ops.get(key) {
                        None => {
                            ops.insert(key.to_owned(), value.clone());
                            true
                        }
                        Some(v) => v == value,
                    }
                }
                (Some(_), Some(_)) => false,
            };
            if !joined {
                nest(map, node, budget)?;
            }
        }
        Node::Or(_) => nest(map, node, budget)?,
    }
    Ok(())
}

/// ANDs `node` into `map` through its `$or`: a new one-element `$or` if there is none, else
/// into every alternative of the existing one, since `(a | b) & n` is `(a & n) | (b & n)`.
fn nest(map: &mut Map<String, Value>, node: &Node, budget: &mut usize) -> Result<(), TooLarge> {
    match map.get_mut("$or") {
        Some(Value::Array(alternatives)) => {
            for alternative in alternatives.iter_mut() {
                if let Value::Object(inner) = alternative {
                    and_into(inner, node, budget)?;
                }
            }
        }
        _ => {
            let mut inner = Map::new();
            and_into(&mut inner, node, budget)?;
            map.insert("$or".to_owned(), Value::Array(vec![Value::Object(inner)]));
        }
    }
    Ok(())
}

impl<O: ?Sized> Clone for Filter<O> {
    fn clone(&self) -> Self {
        Filter {
            node: self.node.clone(),
            object: PhantomData,
        }
    }
}

impl<O: ?Sized> Default for Filter<O> {
    fn default() -> Self {
        Filter::all()
    }
}

impl<O: ?Sized> PartialEq for Filter<O> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

impl<O: ?Sized> fmt::Debug for Filter<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.try_to_q() {
            Ok(q) => write!(f, "Filter({q})"),
            Err(_) => write!(f, "Filter(<over {MAX_Q_CONDITIONS} conditions>)"),
        }
    }
}

impl<O: ?Sized> std::ops::BitAnd for Filter<O> {
    type Output = Filter<O>;
    fn bitand(self, rhs: Self) -> Self {
        self.and(rhs)
    }
}

impl<O: ?Sized> std::ops::BitOr for Filter<O> {
    type Output = Filter<O>;
    fn bitor(self, rhs: Self) -> Self {
        self.or(rhs)
    }
}
