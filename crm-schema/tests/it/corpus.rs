//! The bad-input corpus: every malformed snapshot and raw response under `tests/corpus/`, each
//! with its full error message pinned. Inputs too large or too odd to commit (40 MB, non-UTF-8,
//! empty and missing directories) are generated in a temporary directory.

use std::path::{Path, PathBuf};

use expect_test::expect;

use crm_schema::load::{load, load_file, parse_object};

/// The error of parsing one corpus file as a snapshot (content only, not its name).
fn bad_file(name: &str) -> String {
    let path = PathBuf::from(format!("tests/corpus/bad/{name}.json"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match parse_object(&path, &bytes) {
        Ok(o) => panic!("{} loaded: {o:?}", path.display()),
        Err(e) => e.to_string(),
    }
}

/// The error of loading a corpus directory.
fn bad_dir(name: &str) -> String {
    match load(Path::new(&format!("tests/corpus/dirs/{name}"))) {
        Ok(d) => panic!("{name} loaded: {d:?}"),
        Err(e) => e.to_string(),
    }
}

/// A fresh, empty temporary directory for one test; removed again by `Drop`.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("crm-schema-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        TempDir(dir)
    }

    /// `message` with the directory replaced by `$TMP`, so it can be pinned.
    fn scrub(&self, message: &str) -> String {
        message.replace(&self.0.display().to_string(), "$TMP")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn file_bad_max_length() {
    expect!["tests/corpus/bad/bad_max_length.json:33:7: at `/fields/3/max_length`: expected a whole number from 0 to 4294967295, found the number 5000000000"]
    .assert_eq(&bad_file("bad_max_length"));
}

#[test]
fn file_bad_provenance() {
    expect![[r#"
        2 problems:
          tests/corpus/bad/bad_provenance.json:9:5: at `/provenance/fetched`: unknown key `fetched`; expected one of `source`, `base_url`, `fetched_at`, `api_version`, `content_hash`
          tests/corpus/bad/bad_provenance.json:6:5: at `/provenance/source`: unknown source `github`; expected one of `catalogue`, `sandbox`, `tenant`"#]]
    .assert_eq(&bad_file("bad_provenance"));
}

#[test]
fn file_bad_renames() {
    expect![[r#"
        5 problems:
          tests/corpus/bad/bad_renames.json:21:7: at `/fields/1/rename`: `type` is not a valid Rust identifier
          tests/corpus/bad/bad_renames.json:27:7: at `/fields/2/rename`: `1st` is not a valid Rust identifier
          tests/corpus/bad/bad_renames.json:38:13: at `/fields/3/lookup/values/0/rename`: `Self` is not a usable variant name
          tests/corpus/bad/bad_renames.json:42:13: at `/fields/3/lookup/values/1/rename`: `Other` is not a usable variant name
          tests/corpus/bad/bad_renames.json:46:13: at `/fields/3/lookup/values/2/rename`: `has space` is not a usable variant name"#]]
    .assert_eq(&bad_file("bad_renames"));
}

#[test]
fn file_bad_type_name() {
    expect!["tests/corpus/bad/bad_type_name.json:4:3: at `/type_name`: `Opportunity Line` is not a Rust type name; use UpperCamelCase letters and digits"]
    .assert_eq(&bad_file("bad_type_name"));
}

#[test]
fn file_byte_order_mark() {
    expect!["tests/corpus/bad/byte_order_mark.json:1:1: the file starts with a byte-order mark; save it as UTF-8 without BOM"]
    .assert_eq(&bad_file("byte_order_mark"));
}

#[test]
fn file_catalogue_with_base_url() {
    expect!["tests/corpus/bad/catalogue_with_base_url.json:7:5: at `/provenance/base_url`: a catalogue snapshot has no base_url; remove it"]
    .assert_eq(&bad_file("catalogue_with_base_url"));
}

#[test]
fn file_colliding_field_names() {
    expect![[r#"
        2 problems:
          tests/corpus/bad/colliding_field_names.json:23:7: at `/fields/2/name`: fields `addresscounty/state` and `addresscounty_state` of `accounts` all map to the Rust name `addresscounty_state`; add "rename": "<identifier>" to one of them
          tests/corpus/bad/colliding_field_names.json:33:7: at `/fields/4/name`: fields `Type` and `type` of `accounts` all map to the Rust name `type_`; add "rename": "<identifier>" to one of them"#]]
    .assert_eq(&bad_file("colliding_field_names"));
}

#[test]
fn file_colliding_values() {
    expect![[r#"
        3 problems:
          tests/corpus/bad/colliding_values.json:39:11: at `/fields/1/lookup/values/5`: duplicate value `A`: also at index 4
          tests/corpus/bad/colliding_values.json:33:11: at `/fields/1/lookup/values/3`: values `Other` and `other` of `size` all map to the variant `OtherValue`; add "rename": "<Variant>" to one of them
          tests/corpus/bad/colliding_values.json:27:11: at `/fields/1/lookup/values/1`: values `1-10` and `1 10` of `size` all map to the variant `V1_10`; add "rename": "<Variant>" to one of them"#]]
    .assert_eq(&bad_file("colliding_values"));
}

#[test]
fn file_deep_nesting() {
    expect!["tests/corpus/bad/deep_nesting.json:1:128: invalid JSON: recursion limit exceeded"]
        .assert_eq(&bad_file("deep_nesting"));
}

#[test]
fn file_duplicate_fields() {
    expect!["tests/corpus/bad/duplicate_fields.json:28:7: at `/fields/3/name`: duplicate field `name`: also at `/fields/1`"]
    .assert_eq(&bad_file("duplicate_fields"));
}

#[test]
fn file_duplicate_keys() {
    expect![[r#"
        2 problems:
          tests/corpus/bad/duplicate_keys.json:7:68: at `/fields/0/label`: key `label` appears twice in one object; keep one
          tests/corpus/bad/duplicate_keys.json:9:3: at `/object`: key `object` appears twice in one object; keep one"#]]
    .assert_eq(&bad_file("duplicate_keys"));
}

#[test]
fn file_empty_file() {
    expect!["tests/corpus/bad/empty_file.json: the file is empty; a snapshot file holds one JSON object (see the crm-schema docs), or delete it"]
    .assert_eq(&bad_file("empty_file"));
}

#[test]
fn file_empty_names() {
    expect![[r#"
        2 problems:
          tests/corpus/bad/empty_names.json:3:3: at `/object`: the object name is empty
          tests/corpus/bad/empty_names.json:18:7: at `/fields/1/name`: the field name is empty"#]]
    .assert_eq(&bad_file("empty_names"));
}

#[test]
fn file_empty_object() {
    expect![[r#"
        5 problems:
          tests/corpus/bad/empty_object.json: missing key `format`; add "format": 1
          tests/corpus/bad/empty_object.json: missing key `object`; add the object's API name, e.g. "object": "accounts"
          tests/corpus/bad/empty_object.json: missing key `type_name`; add the Rust type name, e.g. "type_name": "Account"
          tests/corpus/bad/empty_object.json: missing key `provenance`; add {"source": "catalogue", "api_version": "4.0", "content_hash": ""} and run `crm check --fix`
          tests/corpus/bad/empty_object.json: missing key `fields`; add the list of fields, at least [{"name": "id", "label": "ID", "type": "id", "read_only": true}]"#]]
    .assert_eq(&bad_file("empty_object"));
}

#[test]
fn file_fields_not_a_list() {
    expect![
        "tests/corpus/bad/fields_not_a_list.json:10:3: at `/fields`: expected a list, found an object"
    ]
    .assert_eq(&bad_file("fields_not_a_list"));
}

#[test]
fn file_lookup_on_text_field() {
    expect!["tests/corpus/bad/lookup_on_text_field.json:21:7: at `/fields/1/lookup`: only `lookup` fields carry a list; `name` is `text`"]
    .assert_eq(&bad_file("lookup_on_text_field"));
}

#[test]
fn file_missing_lookup_list() {
    expect![[r#"
        2 problems:
          tests/corpus/bad/missing_lookup_list.json:17:5: at `/fields/1/lookup`: lookup field `type` carries no `lookup` list; refresh the snapshot or add `{"list_name": ..., "values": []}`
          tests/corpus/bad/missing_lookup_list.json:27:9: at `/fields/2/lookup/list_name`: the lookup list name is empty"#]]
    .assert_eq(&bad_file("missing_lookup_list"));
}

#[test]
fn file_no_fields() {
    expect!["tests/corpus/bad/no_fields.json:10:3: at `/fields`: object `accounts` has no fields; a snapshot lists at least `id`"]
    .assert_eq(&bad_file("no_fields"));
}

#[test]
fn file_no_id_field() {
    expect![[r#"
        2 problems:
          tests/corpus/bad/no_id_field.json:10:3: at `/fields`: no `id` field of type `id`; every record has one
          tests/corpus/bad/no_id_field.json:19:7: at `/fields/1/type`: only the `id` field has type `id`; `accountid` is a `reference` or `integer`"#]]
    .assert_eq(&bad_file("no_id_field"));
}

#[test]
fn file_required_id() {
    expect![[r#"tests/corpus/bad/required_id.json:16:7: at `/fields/0/required`: the `id` field is marked required, but the server assigns ids; remove "required""#]].assert_eq(&bad_file("required_id"));
}

#[test]
fn file_writable_id() {
    expect![[r#"tests/corpus/bad/writable_id.json:11:5: at `/fields/0`: the `id` field is writable, but the server assigns ids; add "read_only": true"#]].assert_eq(&bad_file("writable_id"));
}

/// A mandatory dropdown restricted to a list without an active value cannot be created; an
/// unrestricted empty list (`tier`), an optional one (`region`) and a mandatory field of a type
/// the model does not know (`legacy`, set as raw JSON) can.
#[test]
fn file_required_restricted_empty_list() {
    expect![[r#"tests/corpus/bad/required_restricted_empty_list.json:22:7: at `/fields/1/lookup`: field `status` is required and restricted to its list, but the list has no active value, so no create could succeed; fetch the values with `crm refresh-schema`, or remove "restricted" if the CRM accepts other values"#]].assert_eq(&bad_file("required_restricted_empty_list"));
}

#[test]
fn file_required_read_only() {
    expect!["tests/corpus/bad/required_read_only.json:17:5: at `/fields/1`: field `createddate` is both required and read-only; a client could never create the record"]
    .assert_eq(&bad_file("required_read_only"));
}

#[test]
fn file_tenant_without_base_url() {
    expect!["tests/corpus/bad/tenant_without_base_url.json:5:3: at `/provenance`: missing key `base_url`; a `tenant` snapshot records the base URL it was fetched from"]
    .assert_eq(&bad_file("tenant_without_base_url"));
}

#[test]
fn file_top_level_array() {
    expect!["tests/corpus/bad/top_level_array.json: expected one snapshot object (a JSON object), found an array of 1 item(s)"]
    .assert_eq(&bad_file("top_level_array"));
}

#[test]
fn file_trailing_comma() {
    expect!["tests/corpus/bad/trailing_comma.json:4:1: invalid JSON: trailing comma"]
        .assert_eq(&bad_file("trailing_comma"));
}

#[test]
fn file_truncated() {
    expect!["tests/corpus/bad/truncated.json:33:9: invalid JSON: EOF while parsing a list"]
        .assert_eq(&bad_file("truncated"));
}

#[test]
fn file_type_details() {
    expect![[r#"
        5 problems:
          tests/corpus/bad/type_details.json:17:5: at `/fields/1`: missing key `target`; a `reference` field names its target object, e.g. "target": "accounts"
          tests/corpus/bad/type_details.json:22:5: at `/fields/2`: missing key `raw_type`; an `unknown` field keeps the tenant's own type name
          tests/corpus/bad/type_details.json:31:7: at `/fields/3/target`: only `reference` fields have `target`; this field is `text`
          tests/corpus/bad/type_details.json:38:7: at `/fields/4/external`: only `reference` fields have `external`; this field is `integer`
          tests/corpus/bad/type_details.json:37:7: at `/fields/4/raw_type`: only `unknown` fields have a `raw_type`; this field is `integer`"#]]
    .assert_eq(&bad_file("type_details"));
}

#[test]
fn file_unknown_keys() {
    expect![[r#"
        6 problems:
          tests/corpus/bad/unknown_keys.json:11:5: at `/fields/0`: missing key `label`; add the label the CRM shows for it
          tests/corpus/bad/unknown_keys.json:13:7: at `/fields/0/lable`: unknown key `lable`; did you mean `label`?
          tests/corpus/bad/unknown_keys.json:15:7: at `/fields/0/readonly`: unknown key `readonly`; did you mean `read_only`?
          tests/corpus/bad/unknown_keys.json:26:13: at `/fields/1/lookup/values/0/colour`: unknown key `colour`; expected one of `value`, `label`, `active`, `rename`
          tests/corpus/bad/unknown_keys.json:29:9: at `/fields/1/lookup/sorted`: unknown key `sorted`; expected one of `list_name`, `list_name_inferred`, `restricted`, `values`
          tests/corpus/bad/unknown_keys.json:33:3: at `/comment`: unknown key `comment`; expected one of `format`, `object`, `type_name`, `record_type`, `provenance`, `fields`"#]]
    .assert_eq(&bad_file("unknown_keys"));
}

#[test]
fn file_unknown_type() {
    expect![[r#"
        2 problems:
          tests/corpus/bad/unknown_type.json:20:7: at `/fields/1/type`: unknown type `string`; expected one of id, text, long_text, email, phone, url, integer, decimal, currency, percent, boolean, date, datetime, lookup, reference, user, unknown
          tests/corpus/bad/unknown_type.json:25:7: at `/fields/2/type`: unknown type `money`; expected one of id, text, long_text, email, phone, url, integer, decimal, currency, percent, boolean, date, datetime, lookup, reference, user, unknown"#]]
    .assert_eq(&bad_file("unknown_type"));
}

#[test]
fn file_unsupported_format() {
    expect!["tests/corpus/bad/unsupported_format.json:2:3: at `/format`: unsupported format 2; this version reads format 1"]
    .assert_eq(&bad_file("unsupported_format"));
}

#[test]
fn file_wrong_types() {
    expect![[r#"
        12 problems:
          tests/corpus/bad/wrong_types.json:2:3: at `/format`: expected a whole number from 0 to 4294967295, found the string "1"
          tests/corpus/bad/wrong_types.json:3:3: at `/object`: expected a string, found the number 5
          tests/corpus/bad/wrong_types.json:5:3: at `/record_type`: expected a string, found null; leave the key out instead of writing null
          tests/corpus/bad/wrong_types.json:8:5: at `/provenance/api_version`: expected a string, found the number 4.0
          tests/corpus/bad/wrong_types.json:20:7: at `/fields/1/label`: expected a string, found null
          tests/corpus/bad/wrong_types.json:22:7: at `/fields/1/required`: expected true or false, found the string "yes"
          tests/corpus/bad/wrong_types.json:23:7: at `/fields/1/max_length`: expected a whole number from 0 to 4294967295, found the number -1
          tests/corpus/bad/wrong_types.json:31:9: at `/fields/2/lookup/values`: expected a list, found the string "Client, Prospect"
          tests/corpus/bad/wrong_types.json:34:5: at `/fields/3`: expected a field (a JSON object), found the string "website"
          tests/corpus/bad/wrong_types.json:42:11: at `/fields/4/lookup/values/0`: expected a lookup value (a JSON object), found the string "IT"
          tests/corpus/bad/wrong_types.json:44:13: at `/fields/4/lookup/values/1/value`: expected a string, found the number 3
          tests/corpus/bad/wrong_types.json:45:13: at `/fields/4/lookup/values/1/active`: expected true or false, found the string "no""#]]
    .assert_eq(&bad_file("wrong_types"));
}

#[test]
fn dir_missing_reference() {
    expect![[r#"
        2 problems:
          tests/corpus/dirs/missing_reference/contacts.json:21:7: at `/fields/1/target`: field `accountid` refers to object `accounts`, which is not in this snapshot; add its file or mark the reference "external": true
          tests/corpus/dirs/missing_reference/contacts.json:34:7: at `/fields/3/target`: field `policyid` refers to object `policies`, which is not in this snapshot; add its file or mark the reference "external": true"#]]
    .assert_eq(&bad_dir("missing_reference"));
}

#[test]
fn dir_module_name_clash() {
    expect!["tests/corpus/dirs/module_name_clash/opportunity_lines.json:4:3: at `/type_name`: objects `oplines` and `opportunity_lines` map to the module name `opportunity_line`; change `type_name` in one"]
    .assert_eq(&bad_dir("module_name_clash"));
}

#[test]
fn one_object_twice() {
    let o = parse_object(
        Path::new("x.json"),
        &std::fs::read("tests/corpus/valid/claims.json").unwrap_or_default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let err = crm_schema::Dictionary::from_objects([o.clone(), o])
        .map(|_| ())
        .unwrap_err_or_panic();
    expect![[r#"
        2 problems:
          claims.json: at `/object`: object `claims` appears twice
          claims.json: at `/fields/1/target`: field `accountid` refers to object `accounts`, which is not in this snapshot; add its file or mark the reference "external": true"#]]
    .assert_eq(&err);
}

#[test]
fn dir_problems_in_two_files() {
    expect![[r#"
        2 problems:
          tests/corpus/dirs/problems_in_two_files/accounts.json:20:7: at `/fields/1/type`: unknown type `strng`; expected one of id, text, long_text, email, phone, url, integer, decimal, currency, percent, boolean, date, datetime, lookup, reference, user, unknown
          tests/corpus/dirs/problems_in_two_files/contacts.json:1:13: invalid JSON: EOF while parsing a value"#]]
    .assert_eq(&bad_dir("problems_in_two_files"));
}

/// A name collision in `accounts.json` is the one mistake: `contacts` and `opportunities`
/// refer to `accounts` and are not reported as referring to a missing object (`campaigns`,
/// which is missing indeed, still is).
#[test]
fn dir_one_mistake_one_error() {
    expect![[r#"
        3 problems:
          tests/corpus/dirs/one_mistake_one_error/accounts.json:23:7: at `/fields/2/name`: fields `Type` and `type` of `accounts` all map to the Rust name `type_`; add "rename": "<identifier>" to one of them
          tests/corpus/dirs/one_mistake_one_error/contacts.json:27:7: at `/fields/2/target`: field `campaignid` refers to object `campaigns`, which is not in this snapshot; add its file or mark the reference "external": true
          tests/corpus/dirs/one_mistake_one_error/opportunities.json:27:7: at `/fields/2/target`: field `campaignid` refers to object `campaigns`, which is not in this snapshot; add its file or mark the reference "external": true"#]].assert_eq(&bad_dir("one_mistake_one_error"));
}

#[test]
fn dir_type_name_clash() {
    expect!["tests/corpus/dirs/type_name_clash/claims.json:4:3: at `/type_name`: objects `accounts` and `claims` both use the type name `Account`; change `type_name` in one"]
    .assert_eq(&bad_dir("type_name_clash"));
}

#[test]
fn dir_wrong_file_name() {
    expect!["tests/corpus/dirs/wrong_file_name/account.json: holds object `accounts`, so it must be named `accounts.json`"]
    .assert_eq(&bad_dir("wrong_file_name"));
}

#[test]
fn file_of_40_megabytes() {
    let tmp = TempDir::new("huge");
    let path = tmp.0.join("accounts.json");
    // Valid JSON all the way through, so only the size can be what is refused.
    let mut body = String::from("{\"format\": 1, \"padding\": \"");
    body.push_str(&"x".repeat(40 * 1024 * 1024));
    body.push_str("\"}");
    std::fs::write(&path, body).unwrap_or_else(|e| panic!("{e}"));
    let err = load_file(&path).map(|_| ()).unwrap_err_or_panic();
    expect!["$TMP/accounts.json: file is 41943068 bytes, over the 8388608 byte limit for a dictionary snapshot; is this the right file?"]
    .assert_eq(&tmp.scrub(&err));
}

#[test]
fn file_with_non_utf8_bytes() {
    let tmp = TempDir::new("latin1");
    let path = tmp.0.join("accounts.json");
    std::fs::write(
        &path,
        b"{\n  \"format\": 1,\n  \"object\": \"caf\xe9\"\n}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let err = load(&path).map(|_| ()).unwrap_err_or_panic();
    expect![
        "$TMP/accounts.json:3:17: not UTF-8: invalid byte at offset 33; save the file as UTF-8"
    ]
    .assert_eq(&tmp.scrub(&err));
}

#[test]
fn empty_directory() {
    let tmp = TempDir::new("empty");
    std::fs::write(tmp.0.join("README.md"), "no snapshots here").unwrap_or_else(|e| panic!("{e}"));
    let err = load(&tmp.0).map(|_| ()).unwrap_err_or_panic();
    expect![
        "$TMP: no snapshot files (`<object>.json`) here; create them with `crm refresh-schema`"
    ]
    .assert_eq(&tmp.scrub(&err));
}

#[test]
fn missing_directory() {
    let tmp = TempDir::new("missing");
    let err = load(&tmp.0.join("dictionaries"))
        .map(|_| ())
        .unwrap_err_or_panic();
    expect!["$TMP/dictionaries: no such file or directory; pass the snapshot directory (`dictionaries/`), or create it with `crm refresh-schema`"]
    .assert_eq(&tmp.scrub(&err));
}

#[test]
fn wrong_file_name_on_its_own() {
    let err = load_file(Path::new("tests/corpus/dirs/wrong_file_name/account.json"))
        .map(|_| ())
        .unwrap_err_or_panic();
    expect!["tests/corpus/dirs/wrong_file_name/account.json: holds object `accounts`, so it must be named `accounts.json`"]
    .assert_eq(&err);
}

/// `unwrap_err` that shows the value when there is none.
pub(crate) trait UnwrapErr {
    fn unwrap_err_or_panic(self) -> String;
}

impl UnwrapErr for Result<(), crm_schema::Error> {
    fn unwrap_err_or_panic(self) -> String {
        match self {
            Ok(()) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }
}
