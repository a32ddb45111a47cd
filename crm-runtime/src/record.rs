//! The traits generated code implements, and typed ids.
//!
//! An [`Object`] is a marker for one CRM object (`accounts`); the generated record type doubles as
//! it. A [`Record`] is anything decodable from that object's records: the generated read model or
//! a user's own projection (`#[derive(Record)]`). Filters, ordering and ids are typed by the
//! object, so a projection is filtered exactly like the generated type.

use std::fmt;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One CRM object, as a type.
pub trait Object: Send + Sync + 'static {
    /// API object name, as in URLs: `accounts`.
    const API_NAME: &'static str;
    /// `record_type` in record metadata, where known (`account`).
    const RECORD_TYPE: Option<&'static str>;
    /// The content hash of the snapshot the type was generated from.
    const SCHEMA_FINGERPRINT: &'static str;
}

/// A type decoded from the records of one object.
pub trait Record: DeserializeOwned + Send + 'static {
    /// The object these records belong to.
    type Object: Object;
    /// The record's id.
    fn id(&self) -> Id<Self::Object>;
}

/// A create request body (`NewAccount`), built by a typestate builder.
pub trait Create: Serialize + Send + Sync {
    /// The object it creates.
    type Object: Object;
}

/// An update request body (`AccountPatch`): only touched fields are serialised.
pub trait Patch: Serialize + Send + Sync {
    /// The object it updates.
    type Object: Object;
}

/// The id of a record of object `O`. Ids of different objects are different types, so passing a
/// contact id where an account id is expected does not compile.
pub struct Id<O: ?Sized> {
    raw: u64,
    object: PhantomData<fn() -> O>,
}

impl<O: ?Sized> Id<O> {
    /// Wraps a raw id.
    pub const fn new(raw: u64) -> Self {
        Id {
            raw,
            object: PhantomData,
        }
    }

    /// The raw number, as on the wire.
    pub const fn get(self) -> u64 {
        self.raw
    }
}

// Manual impls: derives would wrongly require `O: Clone`, `O: Debug`, ... of the marker.
impl<O: ?Sized> Clone for Id<O> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<O: ?Sized> Copy for Id<O> {}
impl<O: ?Sized> PartialEq for Id<O> {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}
impl<O: ?Sized> Eq for Id<O> {}
impl<O: ?Sized> PartialOrd for Id<O> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<O: ?Sized> Ord for Id<O> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.raw.cmp(&other.raw)
    }
}
impl<O: ?Sized> std::hash::Hash for Id<O> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.raw.hash(state);
    }
}
impl<O: ?Sized> fmt::Debug for Id<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.raw)
    }
}
impl<O: ?Sized> fmt::Display for Id<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.raw)
    }
}
impl<O: ?Sized> Serialize for Id<O> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.raw)
    }
}
impl<'de, O: ?Sized> Deserialize<'de> for Id<O> {
    /// Accepts what a record's id field does ([`crate::wire::Wire`]): a number or a numeric
    /// string (`"ownerid":"36974"`); 0 and `""` mean no record, so they are an error here.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::wire::decode_required(d)
    }
}

/// Marker for CRM users, who are not an API object but are referenced by `ownerid`,
/// `createdby` and `modifiedby`.
pub enum User {}

/// The id of a CRM user.
pub type UserId = Id<User>;

/// Marker for records of objects outside the snapshot (`slaid` -> `slas`): the dictionary names
/// the target, but there is no generated type for it.
pub enum External {}

/// The id of a record of an object outside the snapshot.
pub type ExternalId = Id<External>;

/// Objects whose queries may embed their lines (`lines=true`): only opportunities.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no lines: only opportunities embed lines (`with_lines()`, `get_with_lines`)",
    label = "not an opportunity",
    note = "fetch the lines of an opportunity with `client.list::<Opportunity>().with_lines()`, or list `OpportunityLine` records filtered by `OPPORTUNITYID`"
)]
pub trait HasLines: Object {
    /// The line record type (`OpportunityLine`).
    type Line: Record;
}

/// A generated lookup enum (`AccountType`): known values as variants, anything else `Other`.
pub trait LookupEnum:
    Sized + Clone + Send + Sync + 'static + fmt::Display + std::str::FromStr
{
    /// The value exactly as on the wire.
    fn as_str(&self) -> &str;
}

/// A dropdown field of an object, with its typed values.
pub trait LookupField {
    /// The object the field belongs to.
    type Object: Object;
    /// The field's value enum.
    type Value: LookupEnum;
    /// API name of the field (`type`), as `GET /lookup/{object}/{field}` takes it.
    const FIELD: &'static str;
    /// The list's name, as `PATCH /lookup/{list_name}` takes it.
    const LIST_NAME: &'static str;
    /// The tenant never stated [`Self::LIST_NAME`] (the snapshot marks it
    /// `list_name_inferred`): it is a guess, which appending may find wrong.
    const LIST_NAME_INFERRED: bool = false;
}
