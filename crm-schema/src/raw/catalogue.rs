//! Which field names are standard (server-managed, or in the public catalogue kept in
//! [`crate::objects::STANDARD`]), so that a dictionary response without a custom-field flag
//! can still tell tenant fields apart.

/// Fields the server manages on every object: never written by clients.
pub const SERVER_MANAGED_FIELDS: &[&str] = &[
    "id",
    "createddate",
    "modifieddate",
    "createdby",
    "modifiedby",
];

/// Whether the public catalogue lists `field` on `object`. Server-managed fields are standard
/// on every object, custom objects included; other fields of a custom object are not.
pub fn is_standard_field(object: &str, field: &str) -> bool {
    let field = field.to_ascii_lowercase();
    SERVER_MANAGED_FIELDS.contains(&field.as_str())
        || crate::objects::standard(object).is_some_and(|o| o.fields.contains(&field.as_str()))
}
