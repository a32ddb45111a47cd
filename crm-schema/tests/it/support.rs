//! Helpers shared by the test modules.

use crm_schema::diff::type_description;
use crm_schema::{ObjectDef, Source};

/// One line per field: everything the model says about it, compact enough for inline
/// expectations.
pub(crate) fn summary(o: &ObjectDef) -> String {
    let mut out = format!(
        "{} -> {} record_type={:?}\n",
        o.api_name, o.type_name, o.record_type
    );
    for f in &o.fields {
        out.push_str(&format!("{}: {}", f.api_name, type_description(&f.ty)));
        for (on, word) in [
            (f.required, "required"),
            (f.read_only, "read_only"),
            (f.custom, "custom"),
        ] {
            if on {
                out.push(' ');
                out.push_str(word);
            }
        }
        if let Some(n) = f.max_length {
            out.push_str(&format!(" max={n}"));
        }
        out.push_str(&format!(" label={:?}", f.label));
        if let Some(d) = &f.description {
            out.push_str(&format!(" description={d:?}"));
        }
        if let Some(l) = &f.lookup {
            let values: Vec<String> = l
                .values
                .iter()
                .map(|v| {
                    let mut s = v.value.clone();
                    if let Some(label) = &v.label {
                        s.push_str(&format!("={label}"));
                    }
                    if !v.active {
                        s.push_str("(inactive)");
                    }
                    s
                })
                .collect();
            out.push_str(&format!(
                " list={}{} [{}]",
                l.list_name,
                if l.restricted { " restricted" } else { "" },
                values.join(", ")
            ));
        }
        out.push('\n');
    }
    out
}

/// The source every raw test uses.
pub(crate) fn tenant() -> Source {
    Source::Tenant {
        base_url: "https://apiv4.reallysimplesystems.com".into(),
    }
}

/// Runs the dictionary adapter on `body` for `object`.
pub(crate) fn dict(object: &str, body: &str) -> Result<ObjectDef, crm_schema::Error> {
    crm_schema::raw::dictionary_from_response(
        object,
        body.as_bytes(),
        tenant(),
        Some("2026-11-28T10:00:00Z".into()),
    )
}

/// The summary of a body that must convert.
pub(crate) fn dict_ok(object: &str, body: &str) -> String {
    match dict(object, body) {
        Ok(o) => summary(&o),
        Err(e) => panic!("expected {body} to convert, got:\n{e}"),
    }
}

/// The error message of a body that must not convert.
pub(crate) fn dict_err(object: &str, body: &str) -> String {
    match dict(object, body) {
        Ok(o) => panic!("expected an error, got:\n{}", summary(&o)),
        Err(e) => e.to_string(),
    }
}
