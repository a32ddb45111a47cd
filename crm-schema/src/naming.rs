//! API names -> Rust identifiers: deterministic, total, and documented here once.
//!
//! The rules, applied in this order:
//!
//! 1. Non-ASCII text is transliterated (`Ré-seller` -> `Re-seller`, via `deunicode`).
//! 2. The name is split into words at every character that is not a letter or digit (`/`, spaces,
//!    `-`, ...; an apostrophe is dropped), and inside a word at lower->upper (`leadScore`) and acronym->word (`HTMLBody`)
//!    boundaries. Letters and digits that touch are never split (`addressline2`, `2yearpolicy`).
//! 3. snake_case (fields, modules) joins the lowercased words with `_`; UpperCamelCase (types,
//!    enum variants) capitalises each word (an all-caps word becomes `Sms`) and joins them, with a
//!    `_` only between two digit groups, so `1-10` and `11-0` stay apart (`1_10`, `11_0`).
//! 4. A name that would start with a digit gets a fixed prefix: `f_` for fields (`f_2yearpolicy`),
//!    `V` for variants (`V1_10Employees`), `T` for types.
//! 5. Rust keywords and the names the generated code itself uses get a fixed suffix: `_` in
//!    snake_case (`type_`, `self_`, `match_`, `extra_`), `Value` for variants (`OtherValue`,
//!    `SelfValue`) and `Record` for types.
//! 6. A name with no letters or digits at all is `empty` / `Empty`.
//!
//! Two API names that land on one identifier are not resolved silently: validation reports both
//! names and the `rename` to add to the snapshot.
//!
//! Generated code spells every name of a field from this one identifier, unchanged: setter and
//! record field `type_`, patch method `clear_type_`, filter constant `TYPE_`. The root README
//! shows the rules with examples.

use deunicode::deunicode;

/// Words that are keywords in some Rust edition (strict, reserved or contextual in a way that
/// breaks a plain identifier), lowercase.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// snake_case identifiers the generated code uses itself next to field identifiers: the
/// unknown-field map of a record and the builder's terminal method.
pub const RESERVED_FIELD_IDENTS: &[&str] = &["extra", "build"];

/// UpperCamelCase identifiers that variants may not take: `Self`, and the open variant `Other`
/// that carries values the snapshot does not know.
pub const RESERVED_VARIANT_IDENTS: &[&str] = &["Self", "Other"];

/// Splits a name into words (rules 1 and 2).
fn words(name: &str) -> Vec<String> {
    let ascii = if name.is_ascii() {
        name.to_owned()
    } else {
        deunicode(name)
    };
    // An apostrophe joins rather than separates: `Can't` is one word, not `Can` + `T`.
    let ascii = ascii.replace('\'', "");
    let mut out = Vec::new();
    for chunk in ascii.split(|c: char| !c.is_ascii_alphanumeric()) {
        let chars: Vec<char> = chunk.chars().collect();
        let mut start = 0;
        for i in 1..chars.len() {
            let (prev, cur) = (chars[i - 1], chars[i]);
            let next_lower = chars.get(i + 1).is_some_and(|c| c.is_ascii_lowercase());
            let lower_to_upper = prev.is_ascii_lowercase() && cur.is_ascii_uppercase();
            let acronym_end = prev.is_ascii_uppercase() && cur.is_ascii_uppercase() && next_lower;
            if lower_to_upper || acronym_end {
                out.push(chars[start..i].iter().collect());
                start = i;
            }
        }
        if start < chars.len() {
            out.push(chars[start..].iter().collect());
        }
    }
    out
}

fn snake(name: &str, digit_prefix: &str, reserved: &[&str]) -> String {
    let joined = words(name)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if joined.is_empty() {
        return "empty".to_owned();
    }
    if joined.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("{digit_prefix}{joined}");
    }
    if KEYWORDS.contains(&joined.as_str()) || reserved.contains(&joined.as_str()) {
        return format!("{joined}_");
    }
    joined
}

fn upper_camel(name: &str, digit_prefix: &str, reserved: &[&str], suffix: &str) -> String {
    let mut out = String::new();
    for word in words(name) {
        let touches_digits = out.ends_with(|c: char| c.is_ascii_digit())
            && word.starts_with(|c: char| c.is_ascii_digit());
        if touches_digits {
            out.push('_');
        }
        let all_caps = word.chars().all(|c| !c.is_ascii_lowercase());
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            if all_caps {
                out.extend(chars.map(|c| c.to_ascii_lowercase()));
            } else {
                out.extend(chars);
            }
        }
    }
    if out.is_empty() {
        return "Empty".to_owned();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("{digit_prefix}{out}");
    }
    if out == "Self" || reserved.contains(&out.as_str()) {
        return format!("{out}{suffix}");
    }
    out
}

/// The snake_case identifier of a field: `addresscounty/state` -> `addresscounty_state`.
pub fn field_ident(api_name: &str) -> String {
    snake(api_name, "f_", RESERVED_FIELD_IDENTS)
}

/// The UpperCamelCase variant of a lookup value: `1-10 employees` -> `V1_10Employees`.
pub fn variant_ident(value: &str) -> String {
    upper_camel(value, "V", RESERVED_VARIANT_IDENTS, "Value")
}

/// An UpperCamelCase type name built from any text (field names for lookup enums).
pub fn type_ident(name: &str) -> String {
    upper_camel(name, "T", &[], "Record")
}

/// The snake_case module of an object, from its type name: `OpportunityLine` ->
/// `opportunity_line`.
pub fn module_ident(type_name: &str) -> String {
    snake(type_name, "m_", &[])
}

/// The default type name of an object: the standard table, else a simple English singular of
/// the API name (`claims` -> `Claim`, `policies` -> `Policy`). Snapshots store the result, so a
/// wrong guess is fixed once by editing `type_name`.
pub fn default_type_name(object_api_name: &str) -> String {
    if let Some(o) = crate::objects::standard(object_api_name) {
        return o.type_name.to_owned();
    }
    type_ident(&singular(object_api_name))
}

/// A deliberately small singulariser: enough for object names, overridable per snapshot.
fn singular(plural: &str) -> String {
    let lower = plural.to_ascii_lowercase();
    let cut = |n: usize, add: &str| format!("{}{add}", &plural[..plural.len() - n]);
    if lower.ends_with("ies") && plural.len() > 3 {
        cut(3, "y")
    } else if ["sses", "shes", "ches", "xes", "zes"]
        .iter()
        .any(|s| lower.ends_with(s))
    {
        cut(2, "")
    } else if lower.ends_with('s') && !["ss", "us", "is"].iter().any(|s| lower.ends_with(s)) {
        cut(1, "")
    } else {
        plural.to_owned()
    }
}

/// Whether `ident` may be used as a field or variant override: a plain ASCII identifier that is
/// not a keyword.
pub fn is_valid_ident(ident: &str) -> bool {
    let mut chars = ident.chars();
    let starts_well = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    starts_well
        && ident.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && ident != "_"
        && !KEYWORDS.contains(&ident)
        && ident != "Self"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(f: fn(&str) -> String, cases: &[(&str, &str)]) {
        let wrong: Vec<String> = cases
            .iter()
            .filter(|(input, want)| f(input) != *want)
            .map(|(input, want)| format!("{input:?}: want {want:?}, got {:?}", f(input)))
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn fields() {
        check(
            field_ident,
            &[
                ("name", "name"),
                ("id", "id"),
                ("addresscounty/state", "addresscounty_state"),
                ("addresspostcode/zip", "addresspostcode_zip"),
                ("2yearpolicy", "f_2yearpolicy"),
                ("247alerts", "f_247alerts"),
                ("type", "type_"),
                ("self", "self_"),
                ("match", "match_"),
                ("async", "async_"),
                ("gen", "gen_"),
                ("extra", "extra_"),
                ("build", "build_"),
                ("leadScore", "lead_score"),
                ("HTMLBody", "html_body"),
                ("Account Type", "account_type"),
                ("cf-priority", "cf_priority"),
                ("x_score%", "x_score"),
                ("2nd_contact", "f_2nd_contact"),
                ("Ré-seller", "re_seller"),
                ("addressline2", "addressline2"),
                ("a//b", "a_b"),
                ("__private", "private"),
                ("", "empty"),
                ("///", "empty"),
                ("opportunity_lines", "opportunity_lines"),
                ("créé le", "cree_le"),
            ],
        );
    }

    #[test]
    fn variants() {
        check(
            variant_ident,
            &[
                ("Client", "Client"),
                ("old customer", "OldCustomer"),
                ("None Entered", "NoneEntered"),
                ("ClickThrough", "ClickThrough"),
                ("1-10 employees", "V1_10Employees"),
                ("11-0", "V11_0"),
                ("Ré-seller", "ReSeller"),
                ("SMS", "Sms"),
                ("Other", "OtherValue"),
                ("other", "OtherValue"),
                ("Self", "SelfValue"),
                ("", "Empty"),
                ("  ", "Empty"),
                ("Can't Sign In", "CantSignIn"),
                ("e-mail", "EMail"),
                ("High", "High"),
                ("50%", "V50"),
                ("Q1 2026", "Q1_2026"),
                ("Won", "Won"),
            ],
        );
    }

    #[test]
    fn types_and_modules() {
        check(
            default_type_name,
            &[
                ("accounts", "Account"),
                ("campaigndetails", "CampaignDetail"),
                ("opportunityhistories", "OpportunityHistory"),
                ("opportunity_lines", "OpportunityLine"),
                ("claims", "Claim"),
                ("policies", "Policy"),
                ("addresses", "Address"),
                ("branches", "Branch"),
                ("status", "Status"),
                ("sheep", "Sheep"),
                ("2fa_devices", "T2faDevice"),
            ],
        );
        check(
            module_ident,
            &[
                ("Account", "account"),
                ("OpportunityLine", "opportunity_line"),
                ("CampaignDetail", "campaign_detail"),
                ("OpportunityHistory", "opportunity_history"),
                ("Case", "case"),
                ("Type", "type_"),
            ],
        );
    }

    #[test]
    fn overrides_must_be_plain_identifiers() {
        for ok in ["county_state", "Other2", "_x", "x1"] {
            assert!(is_valid_ident(ok), "{ok}");
        }
        for bad in ["", "_", "1x", "a-b", "type", "Self", "é"] {
            assert!(!is_valid_ident(bad), "{bad}");
        }
    }
}
