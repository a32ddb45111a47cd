//! The `q` filter and `order` parameters: JSON in, a parameterised SQL fragment out.
//!
//! Field names are checked against the dictionary and then quoted; values only ever travel as
//! bound parameters, so nothing a client sends is spliced into SQL. Text columns are declared
//! `COLLATE NOCASE`, so `=`, `IN`, ranges and ordering ignore ASCII case like the MySQL-backed
//! original, and `LIKE` (used by `$sw`, `$ew`, `$con`) is ASCII case-insensitive in SQLite.

use std::fmt;

use crm_schema::row::json_kind as kind;
use crm_schema::{FieldDef, FieldType, ObjectDef};
use rusqlite::types::Value as SqlValue;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use crate::error::Error;

/// Deepest nesting of `$or` / `$not` accepted.
pub const MAX_DEPTH: usize = 8;
/// Most conditions (including `$in` members) one `q` may carry.
pub const MAX_TERMS: usize = 1000;

/// A SQL fragment with its bound parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sql {
    /// The fragment, using `?` placeholders.
    pub text: String,
    /// Parameters for the placeholders, in order.
    pub params: Vec<SqlValue>,
    /// The same condition (same parameters) with its ranges on indexed fields marked as
    /// selective, when it has any. Without value statistics SQLite guesses that a range keeps a
    /// quarter of the rows and, under `ORDER BY id`, walks the whole table in id order rather
    /// than use the range's index; the store switches to this text once the count shows the
    /// matches are few (an incremental export's `modifieddate $gte`).
    pub selective: Option<String>,
}

impl Sql {
    /// The condition every record meets.
    pub fn all() -> Sql {
        Sql {
            text: "1".into(),
            ..Sql::default()
        }
    }
}

/// Quotes an identifier for SQLite: any text becomes a single identifier.
pub fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// Parses `q` into a `WHERE` condition for `object`.
pub fn parse_filter(object: &ObjectDef, q: &str) -> Result<Sql, Error> {
    let value: Value = serde_json::from_str(q)
        .map_err(|e| Error::BadRequest(format!("Invalid JSON in q: {e}")))?;
    let mut b = Builder {
        object,
        params: Vec::new(),
        terms: 0,
        hint: false,
        ranges: false,
    };
    let text = b.conjunction(&value, 0)?;
    // The second pass sees the same input, so it cannot fail and binds the same parameters.
    let selective = if b.ranges {
        let mut h = Builder {
            object,
            params: Vec::new(),
            terms: 0,
            hint: true,
            ranges: false,
        };
        Some(h.conjunction(&value, 0)?)
    } else {
        None
    };
    Ok(Sql {
        text,
        params: b.params,
        selective,
    })
}

/// The probability `likelihood()` gives a range on the selective text: low enough that SQLite
/// prefers the range's index to any walk in order.
const SELECTIVE: &str = "0.001";

struct Builder<'a> {
    object: &'a ObjectDef,
    params: Vec<SqlValue>,
    terms: usize,
    /// Wrap ranges on indexed fields in `likelihood(..., SELECTIVE)`.
    hint: bool,
    /// Whether a range on an indexed field was seen.
    ranges: bool,
}

impl<'a> Builder<'a> {
    fn count(&mut self, n: usize) -> Result<(), Error> {
        self.terms += n;
        if self.terms > MAX_TERMS {
            return Err(Error::BadRequest(format!(
                "q has more than {MAX_TERMS} conditions"
            )));
        }
        Ok(())
    }

    fn conjunction(&mut self, value: &Value, depth: usize) -> Result<String, Error> {
        if depth > MAX_DEPTH {
            return Err(Error::BadRequest(format!(
                "q is nested more than {MAX_DEPTH} levels deep"
            )));
        }
        let Value::Object(map) = value else {
            return Err(Error::BadRequest(format!(
                "q must be a JSON object of fields, not {}",
                kind(value)
            )));
        };
        if map.is_empty() {
            return Ok("1".into());
        }
        let mut parts = Vec::with_capacity(map.len());
        for (key, v) in map {
            if key == "$or" {
                parts.push(self.or(v, depth + 1)?);
            } else if key.starts_with('$') {
                return Err(Error::BadRequest(format!(
                    "Invalid operator ({key}): only $or may stand in place of a field"
                )));
            } else {
                let field = self.field(key)?;
                parts.push(self.field_condition(field, v, depth)?);
            }
        }
        Ok(format!("({})", parts.join(" AND ")))
    }

    fn or(&mut self, value: &Value, depth: usize) -> Result<String, Error> {
        let Value::Array(items) = value else {
            return Err(Error::BadRequest("$or takes an array of conditions".into()));
        };
        if items.is_empty() {
            return Err(Error::BadRequest("$or takes at least one condition".into()));
        }
        let parts = items
            .iter()
            .map(|i| self.conjunction(i, depth))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(format!("({})", parts.join(" OR ")))
    }

    /// The field borrows the object, not the builder, so conditions can be built while it is held.
    fn field(&self, name: &str) -> Result<&'a FieldDef, Error> {
        let object: &'a ObjectDef = self.object;
        object.field(name).ok_or_else(|| {
            Error::BadRequest(format!("Invalid field ({name}) for {}", object.api_name))
        })
    }

    fn field_condition(
        &mut self,
        field: &FieldDef,
        value: &Value,
        depth: usize,
    ) -> Result<String, Error> {
        let col = quote(&field.api_name);
        match value {
            Value::Object(ops) => {
                if ops.is_empty() {
                    return Err(Error::BadRequest(format!(
                        "No operator given for field ({})",
                        field.api_name
                    )));
                }
                let mut parts = Vec::with_capacity(ops.len());
                for (op, arg) in ops {
                    parts.push(self.operator(field, &col, op, arg, depth)?);
                }
                Ok(format!("({})", parts.join(" AND ")))
            }
            Value::Array(_) => Err(Error::BadRequest(format!(
                "An array is not a value for field ({}); use {{\"$in\": [...]}}",
                field.api_name
            ))),
            scalar => {
                self.count(1)?;
                if scalar.is_null() {
                    return Ok(format!("{col} IS NULL"));
                }
                let p = self.bind(field, scalar)?;
                Ok(format!("{col} = {p}"))
            }
        }
    }

    fn operator(
        &mut self,
        field: &FieldDef,
        col: &str,
        op: &str,
        arg: &Value,
        depth: usize,
    ) -> Result<String, Error> {
        self.count(1)?;
        let cmp = |b: &mut Self, sym: &str| -> Result<String, Error> {
            if arg.is_null() {
                return Err(Error::BadRequest(format!(
                    "{op} on field ({}) needs a value, not null",
                    field.api_name
                )));
            }
            let p = b.bind(field, arg)?;
            Ok(b.range(field, format!("{col} {sym} {p}")))
        };
        match op {
            "$gt" => cmp(self, ">"),
            "$gte" => cmp(self, ">="),
            "$lt" => cmp(self, "<"),
            "$lte" => cmp(self, "<="),
            "$not" => match arg {
                Value::Null => Ok(format!("{col} IS NOT NULL")),
                Value::Object(_) => {
                    if depth + 1 > MAX_DEPTH {
                        return Err(Error::BadRequest(format!(
                            "q is nested more than {MAX_DEPTH} levels deep"
                        )));
                    }
                    Ok(format!(
                        "NOT {}",
                        self.field_condition(field, arg, depth + 1)?
                    ))
                }
                Value::Array(_) => Err(Error::BadRequest(format!(
                    "$not on field ({}) takes a value; use $nin for a list",
                    field.api_name
                ))),
                _ => cmp(self, "<>"),
            },
            "$in" | "$nin" => {
                let items = array(field, op, arg)?;
                self.count(items.len())?;
                if items.is_empty() {
                    return Ok(if op == "$in" { "0".into() } else { "1".into() });
                }
                let ps = items
                    .iter()
                    .map(|v| self.bind(field, v))
                    .collect::<Result<Vec<_>, _>>()?;
                let not = if op == "$nin" { "NOT " } else { "" };
                Ok(format!("{col} {not}IN ({})", ps.join(", ")))
            }
            "$bt" => {
                let items = array(field, op, arg)?;
                if items.len() != 2 || items.iter().any(Value::is_null) {
                    return Err(Error::BadRequest(format!(
                        "$bt on field ({}) takes two values: [low, high]",
                        field.api_name
                    )));
                }
                let lo = self.bind(field, &items[0])?;
                let hi = self.bind(field, &items[1])?;
                Ok(self.range(field, format!("{col} BETWEEN {lo} AND {hi}")))
            }
            "$sw" | "$ew" | "$con" => {
                let text = match arg {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    other => {
                        return Err(Error::BadRequest(format!(
                            "{op} on field ({}) takes text, not {}",
                            field.api_name,
                            kind(other)
                        )));
                    }
                };
                let escaped = text
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                let pattern = match op {
                    "$sw" => format!("{escaped}%"),
                    "$ew" => format!("%{escaped}"),
                    _ => format!("%{escaped}%"),
                };
                self.params.push(SqlValue::Text(pattern));
                Ok(format!("{col} LIKE ? ESCAPE '\\'"))
            }
            other => Err(Error::BadRequest(format!("Invalid operator ({other})"))),
        }
    }

    /// A range condition, marked as selective in the hinted pass. The id needs no mark (SQLite
    /// serves id ranges from the table's own key) and long text has no index to prefer.
    fn range(&mut self, field: &FieldDef, cond: String) -> String {
        if field.ty == FieldType::Id || !crate::store::has_index(&field.ty) {
            return cond;
        }
        self.ranges = true;
        if self.hint {
            format!("likelihood({cond}, {SELECTIVE})")
        } else {
            cond
        }
    }

    /// Binds a scalar converted for the field's column and returns its placeholder.
    fn bind(&mut self, field: &FieldDef, value: &Value) -> Result<&'static str, Error> {
        let v = scalar_for(field, value)?;
        self.params.push(v);
        Ok("?")
    }
}

fn array<'v>(field: &FieldDef, op: &str, arg: &'v Value) -> Result<&'v Vec<Value>, Error> {
    match arg {
        Value::Array(items) => Ok(items),
        other => Err(Error::BadRequest(format!(
            "{op} on field ({}) takes an array, not {}",
            field.api_name,
            kind(other)
        ))),
    }
}

/// Whether the field's column holds numbers.
pub(crate) fn is_numeric(ty: &FieldType) -> bool {
    ty.class().value.is_numeric()
}

/// Converts a filter value to what the field's column compares against. Numeric columns take
/// numbers, numeric strings (ids are often sent as strings) and booleans; text columns take
/// any scalar as text.
fn scalar_for(field: &FieldDef, value: &Value) -> Result<SqlValue, Error> {
    if crate::decimal::is_decimal(&field.ty) {
        return decimal_for(field, value);
    }
    let numeric = is_numeric(&field.ty);
    Ok(match value {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => {
            if numeric {
                SqlValue::Integer(i64::from(*b))
            } else {
                SqlValue::Text(if *b { "1" } else { "0" }.into())
            }
        }
        Value::Number(n) => {
            if !numeric {
                SqlValue::Text(n.to_string())
            } else if let Some(i) = n.as_i64() {
                SqlValue::Integer(i)
            } else {
                SqlValue::Real(n.as_f64().unwrap_or(0.0))
            }
        }
        Value::String(s) => {
            if !numeric {
                SqlValue::Text(s.clone())
            } else if let Ok(i) = s.trim().parse::<i64>() {
                SqlValue::Integer(i)
            } else if let Some(f) = s.trim().parse::<f64>().ok().filter(|f| f.is_finite()) {
                SqlValue::Real(f)
            } else {
                return Err(Error::BadRequest(format!(
                    "Value ({s}) for field ({}) is not a number",
                    field.api_name
                )));
            }
        }
        other => {
            return Err(Error::BadRequest(format!(
                "Field ({}) takes a single value here, not {}",
                field.api_name,
                kind(other)
            )));
        }
    })
}

/// A decimal column holds the exact digits as text and compares them numerically (its
/// `DECIMAL` collation), so a filter value binds as decimal text.
fn decimal_for(field: &FieldDef, value: &Value) -> Result<SqlValue, Error> {
    let text = match value {
        Value::Null => return Ok(SqlValue::Null),
        Value::Bool(b) => Some(u8::from(*b).to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => crate::decimal::canonical(s),
        other => {
            return Err(Error::BadRequest(format!(
                "Field ({}) takes a single value here, not {}",
                field.api_name,
                kind(other)
            )));
        }
    };
    text.map(SqlValue::Text).ok_or_else(|| {
        Error::BadRequest(format!(
            "Value ({}) for field ({}) is not a number",
            value.as_str().unwrap_or_default(),
            field.api_name
        ))
    })
}

/// The direction of one `order` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

/// A parsed `order`: fields with directions, applied in the given order, each field once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Order {
    /// The keys before the id tie-breaker.
    pub keys: Vec<(String, Direction)>,
}

impl Order {
    /// The `ORDER BY` list. The record id is always last, as a tie-breaker, so pages never
    /// overlap.
    pub fn sql(&self) -> String {
        let mut terms: Vec<String> = self
            .keys
            .iter()
            .map(|(name, dir)| {
                let dir = if *dir == Direction::Asc {
                    "ASC"
                } else {
                    "DESC"
                };
                format!("{} {dir}", quote(name))
            })
            .collect();
        if !self.keys.iter().any(|(name, _)| name == "id") {
            terms.push("\"id\" ASC".into());
        }
        terms.join(", ")
    }
}

/// Parses `order` (`{"field": "asc", "field2": "desc"}`, applied in the given order). A field
/// named again is ignored: the first mention already decides every tie it could break.
pub fn parse_order(object: &ObjectDef, order: &str) -> Result<Order, Error> {
    let pairs: Pairs = serde_json::from_str(order).map_err(|e| {
        Error::BadRequest(format!(
            "Invalid JSON in order: {e}; expected {{\"field\": \"asc\" | \"desc\"}}"
        ))
    })?;
    let mut keys: Vec<(String, Direction)> = Vec::new();
    for (name, dir) in pairs.0 {
        if object.field(&name).is_none() {
            return Err(Error::BadRequest(format!(
                "Invalid field ({name}) for {}",
                object.api_name
            )));
        }
        let dir = match dir.as_str().map(str::to_ascii_lowercase).as_deref() {
            Some("asc") => Direction::Asc,
            Some("desc") => Direction::Desc,
            _ => {
                return Err(Error::BadRequest(format!(
                    "Invalid order direction for field ({name}): use \"asc\" or \"desc\""
                )));
            }
        };
        if !keys.iter().any(|(k, _)| *k == name) {
            keys.push((name, dir));
        }
    }
    Ok(Order { keys })
}

/// A JSON object read as key/value pairs in document order.
struct Pairs(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Pairs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Pairs, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pairs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    out.push((k, v));
                }
                Ok(Pairs(out))
            }
        }
        d.deserialize_map(V)
    }
}
