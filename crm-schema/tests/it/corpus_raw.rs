//! The bad-input corpus, raw responses: every malformed data-dictionary and lookup body under
//! `tests/corpus/raw*/`, plus generated ones (40 MB, non-UTF-8, empty), each message pinned.

use expect_test::expect;

use crate::corpus::UnwrapErr;
use crm_schema::raw::{dictionary_from_response, lookup_values_from_response};

fn raw_dict_bytes(object: &str, body: &[u8]) -> String {
    match dictionary_from_response(object, body, crate::support::tenant(), None) {
        Ok(o) => panic!("converted: {o:?}"),
        Err(e) => e.to_string(),
    }
}

/// The error of converting a corpus file as a data-dictionary response for `accounts`.
fn bad_raw(file: &str) -> String {
    let path = format!("tests/corpus/raw/{file}");
    raw_dict_bytes(
        "accounts",
        &std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}")),
    )
}

/// The error of converting a corpus file as a lookup response.
fn bad_lookup(file: &str) -> String {
    let path = format!("tests/corpus/raw_lookup/{file}");
    match lookup_values_from_response(
        &std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}")),
    ) {
        Ok(v) => panic!("converted: {v:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn raw_bad_fields() {
    expect![[r#"
        4 problems:
          at `/list/1/record/mandatory`: expected `required` as a yes/no flag (true/false, 1/0, "yes"/"no"), found the string "sometimes"
          at `/list/2/record/type`: expected the field type as a string, found an array of 1 item(s)
          at `/list/3/record`: a field object without a name; expected one of the keys `name`, `field`, `fieldname`, `key`
          at `/list/4`: expected a field object, found null"#]]
    .assert_eq(&bad_raw("bad_fields.json"));
}

#[test]
fn raw_counts_only() {
    expect![[r#"unrecognised data-dictionary response: expected a list of field objects (bare, or under `fields`, `list`, `data` or `record`), a map of field name -> field object, or a map of field name -> type name; got an object with top-level keys `count`, `total`. The body starts with "{\n  \"count\": 3,\n  \"total\": 3\n}\n""#]]
    .assert_eq(&bad_raw("counts_only.json"));
}

#[test]
fn raw_duplicate_names() {
    expect!["at `/name`: field `name` is listed twice"].assert_eq(&bad_raw("duplicate_names.json"));
}

#[test]
fn raw_empty_list() {
    expect!["the data-dictionary response for `accounts` lists no fields; it is an object with top-level keys `list`, `metadata`"]
    .assert_eq(&bad_raw("empty_list.json"));
}

#[test]
fn raw_empty_map() {
    expect![[r#"unrecognised data-dictionary response: expected a list of field objects (bare, or under `fields`, `list`, `data` or `record`), a map of field name -> field object, or a map of field name -> type name; got an empty object. The body starts with "{}\n""#]]
    .assert_eq(&bad_raw("empty_map.json"));
}

#[test]
fn raw_error_message() {
    expect![[r#"unrecognised data-dictionary response: expected a list of field objects (bare, or under `fields`, `list`, `data` or `record`), a map of field name -> field object, or a map of field name -> type name; got an API error ("Unauthenticated.") rather than data: an object with top-level keys `message`. The body starts with "{\n  \"message\": \"Unauthenticated.\"\n}\n""#]]
    .assert_eq(&bad_raw("error_message.json"));
}

#[test]
fn raw_error_object() {
    expect![[r#"unrecognised data-dictionary response: expected a list of field objects (bare, or under `fields`, `list`, `data` or `record`), a map of field name -> field object, or a map of field name -> type name; got an API error ("Your plan does not include cases") rather than data: an object with top-level keys `error`. The body starts with "{\n  \"error\": {\n    \"code\": 402,\n    \"message\": \"Your plan does not include cases\"\n  }\n}\n""#]]
    .assert_eq(&bad_raw("error_object.json"));
}

#[test]
fn raw_html_error_page() {
    expect![[r#"the data-dictionary response is not JSON (expected value at line 1 column 1); it starts with "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>The proxy server received an invalid response from an upstream server. Please try again in a few minutes.<" (first 200 of 218 bytes)"#]]
    .assert_eq(&bad_raw("html_error_page.html"));
}

#[test]
fn raw_list_of_names() {
    expect![[r#"
        3 problems:
          at `/0`: expected a field object, found the string "id"
          at `/1`: expected a field object, found the string "name"
          at `/2`: expected a field object, found the string "phone""#]]
    .assert_eq(&bad_raw("list_of_names.json"));
}

#[test]
fn raw_name_mismatch() {
    expect!["at `/phone/name`: the field is listed under `phone` but names itself `mobile`"]
        .assert_eq(&bad_raw("name_mismatch.json"));
}

#[test]
fn raw_null() {
    expect![[r#"unrecognised data-dictionary response: expected a list of field objects (bare, or under `fields`, `list`, `data` or `record`), a map of field name -> field object, or a map of field name -> type name; got null. The body starts with "null\n""#]]
    .assert_eq(&bad_raw("null.json"));
}

#[test]
fn raw_number() {
    expect![[r#"unrecognised data-dictionary response: expected a list of field objects (bare, or under `fields`, `list`, `data` or `record`), a map of field name -> field object, or a map of field name -> type name; got the number 42. The body starts with "42\n""#]]
    .assert_eq(&bad_raw("number.json"));
}

#[test]
fn raw_single_field_spec() {
    expect![[r#"unrecognised data-dictionary response: expected a list of field objects (bare, or under `fields`, `list`, `data` or `record`), a map of field name -> field object, or a map of field name -> type name; got an object with top-level keys `name`, `required`, `type`. The body starts with "{\n  \"name\": \"id\",\n  \"type\": \"integer\",\n  \"required\": false\n}\n""#]]
    .assert_eq(&bad_raw("single_field_spec.json"));
}

#[test]
fn raw_string() {
    expect![[r#"unrecognised data-dictionary response: expected a list of field objects (bare, or under `fields`, `list`, `data` or `record`), a map of field name -> field object, or a map of field name -> type name; got the string "ok". The body starts with "\"ok\"\n""#]]
    .assert_eq(&bad_raw("string.json"));
}

#[test]
fn raw_too_deep() {
    expect![[r#"unrecognised data-dictionary response: expected a list of field objects (bare, or under `fields`, `list`, `data` or `record`), a map of field name -> field object, or a map of field name -> type name; got an object with top-level keys `data`. The body starts with "{\n  \"data\": {\n    \"data\": {\n      \"data\": {\n        \"data\": {\n          \"data\": [\n            {\n              \"name\": \"id\",\n              \"type\": \"int\"\n            }\n          ]\n        }\n      }\n    " (first 200 of 208 bytes)"#]]
    .assert_eq(&bad_raw("too_deep.json"));
}

#[test]
fn raw_truncated() {
    expect![[r#"the data-dictionary response is not JSON (EOF while parsing a string at line 1 column 55); it starts with "{\"fields\": [{\"name\": \"id\", \"type\": \"int\"}, {\"name\": \"na""#]]
    .assert_eq(&bad_raw("truncated.json"));
}

#[test]
fn lookup_bad_items() {
    expect![[r#"
        6 problems:
          at `/items/1`: expected a dropdown value (a string or an object), found null
          at `/items/2`: expected a dropdown value (a string or an object), found the boolean true
          at `/items/3`: a dropdown value object without a value; expected a `value` key, found keys `colour`
          at `/items/4/value`: expected the value as a string, found an array of 1 item(s)
          at `/items/5/active`: expected a yes/no flag, found the string "perhaps"
          at `/items/6`: expected a dropdown value (a string or an object), found an array of 1 item(s)"#]]
    .assert_eq(&bad_lookup("bad_items.json"));
}

#[test]
fn lookup_error_message() {
    expect![[r#"unrecognised lookup response: expected a list of values (strings, or objects with a `value`), bare or under `items`, `list`, `values` or `data`; got an API error ("Lookup list not found") rather than data: an object with top-level keys `message`, `status`. The body starts with "{\n  \"message\": \"Lookup list not found\",\n  \"status\": 404\n}\n""#]]
    .assert_eq(&bad_lookup("error_message.json"));
}

#[test]
fn lookup_html() {
    expect![[r#"the lookup response is not JSON (expected value at line 1 column 1); it starts with "<html><body>Not Found</body></html>""#]]
    .assert_eq(&bad_lookup("html.html"));
}

#[test]
fn lookup_id_to_label_map() {
    expect![[r#"unrecognised lookup response: expected a list of values (strings, or objects with a `value`), bare or under `items`, `list`, `values` or `data`; got an object with top-level keys `1`, `2`. The body starts with "{\n  \"1\": \"Client\",\n  \"2\": \"Prospect\"\n}\n""#]]
    .assert_eq(&bad_lookup("id_to_label_map.json"));
}

#[test]
fn lookup_null() {
    expect![[r#"unrecognised lookup response: expected a list of values (strings, or objects with a `value`), bare or under `items`, `list`, `values` or `data`; got null. The body starts with "null""#]]
    .assert_eq(&bad_lookup("null.json"));
}

#[test]
fn raw_response_of_40_megabytes() {
    let mut body = b"[".to_vec();
    body.extend(std::iter::repeat_n(b' ', 40 * 1024 * 1024));
    body.push(b']');
    expect![[r#"the data-dictionary response is 41943042 bytes, over the 8388608 byte limit; it starts with "[                                                                                                                                                                                                       " (first 200 of 41943042 bytes)"#]]
    .assert_eq(&raw_dict_bytes("accounts", &body));
    let err = lookup_values_from_response(&body)
        .map(|_| ())
        .unwrap_err_or_panic();
    expect![[r#"the lookup response is 41943042 bytes, over the 8388608 byte limit; it starts with "[                                                                                                                                                                                                       " (first 200 of 41943042 bytes)"#]]
    .assert_eq(&err);
}

#[test]
fn raw_response_with_non_utf8_bytes() {
    expect![[r#"the data-dictionary response is not JSON (invalid unicode code point at line 1 column 31); it starts with "{\"id\": \"int\", \"name\": \"varchar�\"}""#]]
    .assert_eq(&raw_dict_bytes("accounts", b"{\"id\": \"int\", \"name\": \"varchar\xff\"}"));
}

#[test]
fn raw_response_preview_never_splits_a_character() {
    // 199 ASCII bytes, then a 2-byte character straddling byte 200.
    let mut body = "x".repeat(199);
    body.push_str("é and more after the cut");
    expect![[r#"the data-dictionary response is not JSON (expected value at line 1 column 1); it starts with "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" (first 199 of 224 bytes)"#]]
    .assert_eq(&raw_dict_bytes("accounts", body.as_bytes()));
}

#[test]
fn raw_empty_body() {
    expect!["the data-dictionary response is empty; expected a JSON body"]
        .assert_eq(&raw_dict_bytes("accounts", b" \n"));
    let err = lookup_values_from_response(b"")
        .map(|_| ())
        .unwrap_err_or_panic();
    expect!["the lookup response is empty; expected a JSON body"].assert_eq(&err);
}

/// Bodies that look like a dictionary's envelope or map but carry no list of named, typed
/// fields: each is refused, never read as a dictionary with fields missing.
#[test]
fn raw_not_a_field_list() {
    expect![[r#"unrecognised data-dictionary response: `/fields` holds the string "hello" where a list of fields belongs, so no field can be read from it. The body starts with "{\"fields\":\"hello\"}""#]]
    .assert_eq(&raw_dict_bytes("accounts", br#"{"fields":"hello"}"#));
    expect![[r#"unrecognised data-dictionary response: `/data/fields` holds the number 3 where a list of fields belongs, so no field can be read from it. The body starts with "{\"data\": {\"fields\": 3, \"count\": 3}}""#]]
    .assert_eq(&raw_dict_bytes(
        "accounts",
        br#"{"data": {"fields": 3, "count": 3}}"#,
    ));
    expect![[r#"unrecognised data-dictionary response: it maps names to strings, none of which is a type name (`status`: the string "ok", `result`: the string "done"), so no field can be read from it. The body starts with "{\"status\": \"ok\", \"result\": \"done\"}""#]]
    .assert_eq(&raw_dict_bytes(
        "accounts",
        br#"{"status": "ok", "result": "done"}"#,
    ));
}

/// Server text in labels, descriptions and lookup labels reaches the snapshot without
/// control characters or credentials; the wire names stay as they are.
#[test]
fn raw_labels_are_cleaned() {
    let body = br#"{"fields": [
        {"name": "id", "type": "int"},
        {"name": "name", "type": "varchar(50)", "label": "Na\rme\u001b[2J", "description": "line one\nBearer abcdefgh12345678"},
        {"name": "odd", "type": "weird\u0007"}]}"#;
    let def = dictionary_from_response("accounts", body, crate::support::tenant(), None).unwrap();
    let name = def.field("name").unwrap();
    assert_eq!(name.label, "Na\\rme\\u{1b}[2J");
    assert_eq!(
        name.description.as_deref(),
        Some("line one\nBearer [redacted]")
    );
    assert_eq!(
        def.field("odd").unwrap().ty,
        crm_schema::FieldType::Unknown {
            raw: "weird\\u{7}".into()
        }
    );
    let values =
        lookup_values_from_response(br#"[{"value": "A", "label": "Alpha\u001b]0;pwned\u0007"}]"#)
            .unwrap();
    assert_eq!(values[0].value, "A");
    assert_eq!(
        values[0].label.as_deref(),
        Some("Alpha\\u{1b}]0;pwned\\u{7}")
    );
}
