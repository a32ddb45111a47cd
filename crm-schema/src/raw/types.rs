//! Raw type names (`varchar(255)`, `tinyint(1)`, `dropdown`) and field names (`accountid`) to
//! model types.

use crate::model::FieldType;

/// What a raw type name says on its own, before the field's name is considered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Settled by the type name alone.
    Plain(FieldType),
    /// A whole number: an id of another record if the name says so, else an integer.
    Integer,
    /// An explicit reference type; the target comes from a marker or the name.
    Reference,
    /// A primary-key type (`pk`, `autoincrement`).
    Id,
    /// An explicit user type.
    User,
    /// Not a type name this adapter knows.
    Unknown,
}

/// A raw type name taken apart: `varchar(255)` -> text, length 255.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub(crate) kind: Kind,
    /// The length argument of a text type (`varchar(255)`).
    pub(crate) length: Option<u32>,
    /// The values of an `enum('a','b')` type, which make it a restricted dropdown.
    pub(crate) enum_values: Vec<String>,
}

/// Classifies a normalised (lowercase, letters and digits only) type word.
fn classify(word: &str, args: &str) -> Option<Kind> {
    use FieldType as T;
    Some(match word {
        "varchar" | "string" | "char" | "character" | "charactervarying" | "nvarchar" | "nchar"
        | "tinytext" | "str" | "shorttext" | "singleline" | "textfield" | "textbox" | "input" => {
            Kind::Plain(T::Text)
        }
        "text" | "longtext" | "mediumtext" | "textarea" | "memo" | "multiline"
        | "multilinetext" | "richtext" | "html" | "note" | "notes" | "clob" => {
            Kind::Plain(T::LongText)
        }
        "tinyint" if args.trim() == "1" => Kind::Plain(T::Boolean),
        "int" | "integer" | "bigint" | "smallint" | "mediumint" | "tinyint" | "number" | "long"
        | "int32" | "int64" | "serial" | "bigserial" | "whole" => Kind::Integer,
        "decimal" | "float" | "double" | "doubleprecision" | "numeric" | "real" | "float4"
        | "float8" => Kind::Plain(T::Decimal),
        "currency" | "money" => Kind::Plain(T::Currency),
        "percent" | "percentage" | "pct" => Kind::Plain(T::Percent),
        "bool" | "boolean" | "checkbox" | "bit" | "yesno" | "tickbox" | "flag" | "toggle" => {
            Kind::Plain(T::Boolean)
        }
        "date" => Kind::Plain(T::Date),
        "datetime" | "timestamp" | "timestamptz" | "datetimetz" | "datetimeoffset" => {
            Kind::Plain(T::DateTime)
        }
        "email" | "emailaddress" | "mail" => Kind::Plain(T::Email),
        "phone" | "tel" | "telephone" | "phonenumber" | "mobile" | "fax" => Kind::Plain(T::Phone),
        "url" | "website" | "web" | "uri" | "hyperlink" => Kind::Plain(T::Url),
        "lookup" | "dropdown" | "select" | "list" | "picklist" | "enum" | "combo" | "combobox"
        | "choice" | "radio" => Kind::Plain(T::Lookup),
        "id" | "primarykey" | "pk" | "autoincrement" | "autonumber" => Kind::Id,
        "reference" | "ref" | "relation" | "relationship" | "foreignkey" | "fk"
        | "relatedrecord" => Kind::Reference,
        "user" | "owner" | "userreference" => Kind::User,
        _ => return None,
    })
}

/// Takes a raw type name apart. Tries the whole name first (`long text`, `drop-down`), then its
/// first word (`int unsigned`, `character varying`).
pub(crate) fn parse(raw: &str) -> Parsed {
    // Arguments keep their case: they may be enum values.
    let (head, args) = match raw.trim().split_once('(') {
        Some((head, rest)) => (
            head,
            rest.rsplit_once(')').map_or(rest, |(inside, _)| inside),
        ),
        None => (raw.trim(), ""),
    };
    let head = head.to_ascii_lowercase();
    let whole = super::norm_key(&head);
    let first = head
        .split_whitespace()
        .next()
        .map(super::norm_key)
        .unwrap_or_default();
    let kind = classify(&whole, args)
        .or_else(|| classify(&first, args))
        .unwrap_or(Kind::Unknown);
    let length = match kind {
        Kind::Plain(ref t) if t.is_text() => args.trim().parse::<u32>().ok().filter(|&n| n > 0),
        _ => None,
    };
    let enum_values = if whole == "enum" || first == "enum" {
        enum_args(args)
    } else {
        Vec::new()
    };
    Parsed {
        kind,
        length,
        enum_values,
    }
}

/// The quoted values of `enum('a','b')`, with SQL's doubled quotes undone.
fn enum_args(args: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = args.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' && c != '"' {
            continue;
        }
        let mut value = String::new();
        while let Some(d) = chars.next() {
            if d == c {
                if chars.peek() == Some(&c) {
                    chars.next();
                    value.push(c);
                    continue;
                }
                break;
            }
            value.push(d);
        }
        out.push(value);
    }
    out
}

/// Field names that hold a CRM user's id.
const USER_FIELDS: &[&str] = &["ownerid", "createdby", "modifiedby", "userid"];

/// The standard object a name refers to, singular (`account`) or plural (`accounts`).
pub(crate) fn standard_object(name: &str) -> Option<&'static str> {
    crate::objects::standard_by_name(name).map(|o| o.api_name)
}

/// A simple English plural, for targets outside the standard objects (`sla` -> `slas`).
fn plural(stem: &str) -> String {
    let b = stem.as_bytes();
    if b.len() >= 2 && b[b.len() - 1] == b'y' && !b"aeiou".contains(&b[b.len() - 2]) {
        format!("{}ies", &stem[..stem.len() - 1])
    } else if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|e| stem.ends_with(e))
    {
        format!("{stem}es")
    } else {
        format!("{stem}s")
    }
}

/// The reference a whole-number field's name implies: `id` -> [`FieldType::Id`], `ownerid`,
/// `createdby`, `modifiedby`, `userid` -> [`FieldType::User`], `<stem>id` or `<stem>_id` with
/// a standard object's singular stem -> a checked reference (`accountid` -> `accounts`), any
/// other `<stem>id` -> an external reference to the plural of the stem (`slaid` -> `slas`).
/// `parentid` is polymorphic (its object is in `parentobject`), so it implies nothing.
pub fn infer_reference(field: &str) -> Option<FieldType> {
    let name = field.trim().to_ascii_lowercase();
    if name == "id" {
        return Some(FieldType::Id);
    }
    if USER_FIELDS.contains(&name.as_str()) {
        return Some(FieldType::User);
    }
    let stem = name.strip_suffix("id")?.trim_end_matches('_');
    if stem.len() < 2
        || stem == "parent"
        || !stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return None;
    }
    Some(match standard_object(stem) {
        Some(target) => FieldType::Reference {
            target: target.to_owned(),
            external: false,
        },
        None => FieldType::Reference {
            target: plural(stem),
            external: true,
        },
    })
}

/// The model type of a field from its raw type name and its name, with no explicit reference
/// marker: see the crate docs for the table. A type this adapter does not know becomes
/// [`FieldType::Unknown`] with the raw name kept.
pub fn map_raw_type(field: &str, raw_type: &str) -> FieldType {
    resolve(field, raw_type, &parse(raw_type).kind, None)
}

/// Combines the type's kind, the field's name and an explicit reference target (which wins
/// over everything but the `id` field itself).
pub(crate) fn resolve(
    field: &str,
    raw_type: &str,
    kind: &Kind,
    target: Option<FieldType>,
) -> FieldType {
    if field.trim().eq_ignore_ascii_case("id") {
        return FieldType::Id;
    }
    if let Some(t) = target {
        return t;
    }
    let unknown = || FieldType::Unknown {
        raw: super::clean_line(raw_type.trim()),
    };
    match kind {
        Kind::Plain(t) => t.clone(),
        Kind::User => FieldType::User,
        Kind::Integer | Kind::Id => infer_reference(field).unwrap_or(FieldType::Integer),
        Kind::Reference => infer_reference(field).unwrap_or_else(unknown),
        Kind::Unknown => unknown(),
    }
}

/// The reference an explicit marker names: a standard object (singular or plural) is checked;
/// anything else is kept as given and marked external.
pub(crate) fn explicit_target(object: &str, target: &str) -> FieldType {
    match standard_object(target) {
        Some(t) => FieldType::Reference {
            target: t.to_owned(),
            external: false,
        },
        None if target.eq_ignore_ascii_case(object) => FieldType::Reference {
            target: object.to_owned(),
            external: false,
        },
        None if matches!(target.to_ascii_lowercase().as_str(), "user" | "users") => FieldType::User,
        None => FieldType::Reference {
            target: target.trim().to_owned(),
            external: true,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals() {
        for (stem, want) in [
            ("sla", "slas"),
            ("caselevel", "caselevels"),
            ("policy", "policies"),
            ("day", "days"),
            ("box", "boxes"),
            ("branch", "branches"),
        ] {
            assert_eq!(plural(stem), want);
        }
    }

    #[test]
    fn enum_values_parse_with_quotes() {
        assert_eq!(enum_args("'a','b c','it''s'"), ["a", "b c", "it's"]);
        assert_eq!(enum_args(""), Vec::<String>::new());
    }
}
