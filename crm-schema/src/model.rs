//! The validated dictionary model: what every other crate reads.
//!
//! A [`Dictionary`] holds one [`ObjectDef`] per CRM object (`accounts`, `opportunity_lines`, ...),
//! each with its fields in API order. Values of this module are only ever produced by the loader
//! (`crate::load`) or the raw adapters (`crate::raw`), both of which validate, so code that
//! receives a `Dictionary` may rely on the invariants listed in `ARCHITECTURE.md`.

use std::collections::BTreeMap;

/// Every object of a snapshot, keyed by API object name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dictionary {
    /// Objects keyed by API name (`accounts`), so iteration order is stable.
    pub objects: BTreeMap<String, ObjectDef>,
}

impl Dictionary {
    /// The object with this API name, if the snapshot has it.
    pub fn object(&self, api_name: &str) -> Option<&ObjectDef> {
        self.objects.get(api_name)
    }

    /// Iterates over the objects in API-name order.
    pub fn iter(&self) -> impl Iterator<Item = &ObjectDef> {
        self.objects.values()
    }
}

/// One CRM object (record type) and its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectDef {
    /// API object name as used in URLs: `accounts`, `opportunity_lines`, `claims`.
    pub api_name: String,
    /// Rust type name of the record: `Account`, `OpportunityLine`. Editable in the snapshot,
    /// and kept across refreshes, so it doubles as the override for custom objects.
    pub type_name: String,
    /// `record_type` as the API reports it in record metadata (`account`), where known.
    pub record_type: Option<String>,
    /// Where this snapshot came from.
    pub provenance: Provenance,
    /// Fields in the order the API lists them.
    pub fields: Vec<FieldDef>,
}

impl ObjectDef {
    /// The field with this API name.
    pub fn field(&self, api_name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.api_name == api_name)
    }

    /// Fields a create request must carry: required and not server-managed.
    pub fn mandatory_fields(&self) -> impl Iterator<Item = &FieldDef> {
        self.fields.iter().filter(|f| f.is_mandatory())
    }

    /// The snake_case module name for this object (`opportunity_line`).
    pub fn module_name(&self) -> String {
        crate::naming::module_ident(&self.type_name)
    }
}

/// Where a snapshot came from, so a reader can judge how far to trust it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// The kind of source.
    pub source: Source,
    /// When it was fetched, RFC 3339 (`2026-11-28T10:00:00Z`), where known.
    pub fetched_at: Option<String>,
    /// API version the dictionary describes (`4.0`).
    pub api_version: String,
    /// `sha256:<hex>` over the canonical form of everything but the provenance; see
    /// [`crate::canonical::content_hash`].
    pub content_hash: String,
}

/// The kind of source a snapshot was taken from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Compiled from the public field catalogue, not from any tenant.
    Catalogue,
    /// Fetched from the local emulator.
    Sandbox {
        /// Base URL it was fetched from.
        base_url: String,
    },
    /// Fetched from a real tenant.
    Tenant {
        /// Base URL without credentials (`https://apiv4.reallysimplesystems.com`).
        base_url: String,
    },
}

impl Provenance {
    /// The current UTC time in the form `fetched_at` records (`2026-11-28T10:00:00Z`).
    pub fn now() -> String {
        let now = time::OffsetDateTime::now_utc();
        let now = now.replace_nanosecond(0).unwrap_or(now);
        // Formatting a valid UTC date-time as RFC 3339 cannot fail for years 0..=9999.
        now.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    }
}

/// The response header the sandbox (crm-sandbox) sends on every answer, so that a snapshot
/// fetched from it says so; a tenant never sends it. Nothing is guessed from the URL: a tenant
/// reached through `localhost` (a tunnel, a proxy) is still a tenant.
pub const SANDBOX_HEADER: &str = "x-crm-sandbox";

impl Source {
    /// The provenance of a snapshot fetched from `base_url`: [`Source::Tenant`], until the
    /// server identifies itself as the sandbox ([`Source::identified_as_sandbox`]); user name
    /// and password are removed from the URL, as is a trailing `/`, so no credential is ever
    /// written to a snapshot.
    pub fn for_base_url(base_url: &str) -> Source {
        let (scheme, rest) = base_url.split_once("://").unwrap_or(("", base_url));
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        let host_port = authority.rsplit('@').next().unwrap_or(authority);
        let tail = tail.trim_end_matches('/');
        let base_url = if scheme.is_empty() {
            format!("{host_port}{tail}")
        } else {
            format!("{scheme}://{host_port}{tail}")
        };
        Source::Tenant { base_url }
    }

    /// This source, as [`Source::Sandbox`] when the server sent [`SANDBOX_HEADER`].
    pub fn identified_as_sandbox(self, sent_header: bool) -> Source {
        match self {
            Source::Tenant { base_url } if sent_header => Source::Sandbox { base_url },
            other => other,
        }
    }
}

/// One field of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    /// API name, exactly as on the wire: `addresscounty/state`, `2yearpolicy`.
    pub api_name: String,
    /// Human label as shown in the CRM.
    pub label: String,
    /// Value type.
    pub ty: FieldType,
    /// The API requires it on create.
    pub required: bool,
    /// Server-managed (`id`, `createddate`, ...): never sent by clients.
    pub read_only: bool,
    /// Maximum length in characters, for text-like fields, where known.
    pub max_length: Option<u32>,
    /// A tenant custom field rather than a standard one.
    pub custom: bool,
    /// Free-form description.
    pub description: Option<String>,
    /// Override of the Rust identifier; see [`crate::naming`].
    pub rename: Option<String>,
    /// The dropdown list, for [`FieldType::Lookup`] fields (and only those).
    pub lookup: Option<LookupList>,
}

impl FieldDef {
    /// A field with only its name, label and type: optional, writable, standard, no length,
    /// description, rename or list. The other members are set with struct update syntax.
    pub fn new(api_name: impl Into<String>, label: impl Into<String>, ty: FieldType) -> FieldDef {
        FieldDef {
            api_name: api_name.into(),
            label: label.into(),
            ty,
            required: false,
            read_only: false,
            max_length: None,
            custom: false,
            description: None,
            rename: None,
            lookup: None,
        }
    }

    /// A client may send it: neither read-only nor the record's id. The one definition codegen
    /// (setters) and the sandbox (what a body may change) share.
    pub fn is_writable(&self) -> bool {
        !self.read_only && self.ty != FieldType::Id
    }

    /// An update may empty it: writable and not required.
    pub fn is_clearable(&self) -> bool {
        self.is_writable() && !self.required
    }

    /// Required and writable: a create must set it.
    pub fn is_mandatory(&self) -> bool {
        self.required && self.is_writable()
    }

    /// The Rust identifier of this field: the override if any, else the naming rule.
    pub fn ident(&self) -> String {
        match &self.rename {
            Some(r) => r.clone(),
            None => crate::naming::field_ident(&self.api_name),
        }
    }
}

/// The value type of a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldType {
    /// The record's own id.
    Id,
    /// Single-line text.
    Text,
    /// Multi-line text.
    LongText,
    /// An e-mail address.
    Email,
    /// A phone number (free text).
    Phone,
    /// A URL.
    Url,
    /// A whole number.
    Integer,
    /// A decimal number, kept exactly.
    Decimal,
    /// A money amount, kept exactly.
    Currency,
    /// A percentage (decimal, kept exactly).
    Percent,
    /// A boolean (the API sends 0/1).
    Boolean,
    /// A calendar date.
    Date,
    /// A date and time.
    DateTime,
    /// A dropdown; its list is in [`FieldDef::lookup`].
    Lookup,
    /// The id of a record of another object.
    Reference {
        /// API name of the target object (`accounts`).
        target: String,
        /// The target is not an object of this snapshot (`slas`), so it is not checked.
        external: bool,
    },
    /// The id of a CRM user (`ownerid`, `createdby`, `modifiedby`).
    User,
    /// A type this model does not know; the tenant's own type name is kept.
    Unknown {
        /// The raw type name as the tenant reported it.
        raw: String,
    },
}

impl FieldType {
    /// The name used for this type in canonical files.
    pub fn as_str(&self) -> &'static str {
        self.class().name
    }

    /// Text-like types, which may carry a `max_length`.
    pub fn is_text(&self) -> bool {
        self.class().value == crate::classify::ValueKind::Text
    }
}

/// A dropdown list attached to a lookup field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupList {
    /// The list's own name, as `PATCH /lookup/{list_name}` takes it (`account_type`).
    pub list_name: String,
    /// The tenant never stated `list_name`: it was made up ([`crate::raw::default_list_name`])
    /// or taken from documentation, so `PATCH /lookup/{list_name}` may not know it. Setting
    /// the tenant's name by hand means removing this mark too.
    pub list_name_inferred: bool,
    /// Only listed values are accepted by the CRM.
    pub restricted: bool,
    /// Values in the CRM's order.
    pub values: Vec<LookupValue>,
}

/// One value of a dropdown list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupValue {
    /// The value as sent on the wire.
    pub value: String,
    /// Display label, where it differs from the value.
    pub label: Option<String>,
    /// Inactive values are kept for old records but offered no longer.
    pub active: bool,
    /// Override of the enum variant name; see [`crate::naming`].
    pub rename: Option<String>,
}

impl LookupValue {
    /// The Rust variant name: the override if any, else the naming rule.
    pub fn ident(&self) -> String {
        match &self.rename {
            Some(r) => r.clone(),
            None => crate::naming::variant_ident(&self.value),
        }
    }
}
