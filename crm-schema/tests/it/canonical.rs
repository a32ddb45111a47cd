//! The canonical form: byte-identical round trips, and normalisation of valid but
//! non-canonical files.

use std::path::Path;

use crm_schema::canonical::{content_hash, file_name, to_canonical_string};
use crm_schema::load::parse_object;

const VALID: &str = "tests/corpus/valid";

#[test]
fn committed_fixtures_load_and_are_canonical() {
    let dict = crm_schema::load(Path::new(VALID)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        dict.objects.keys().collect::<Vec<_>>(),
        ["accounts", "claims", "contacts"]
    );
    for object in dict.iter() {
        let path = Path::new(VALID).join(file_name(object));
        let on_disk =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            to_canonical_string(object),
            on_disk,
            "{} is not canonical",
            path.display()
        );
        assert_eq!(object.provenance.content_hash, content_hash(object));
    }
}

#[test]
fn load_write_load_write_is_byte_identical() {
    for object in crm_schema::load(Path::new(VALID))
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
    {
        let first = to_canonical_string(object);
        let reloaded =
            parse_object(Path::new("x.json"), first.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(&reloaded, object);
        assert_eq!(to_canonical_string(&reloaded), first);
    }
}

#[test]
fn a_valid_but_untidy_file_is_written_canonically_and_then_stays_put() {
    // Keys out of order, defaults spelled out, compact spacing, a stale hash.
    let untidy = r#"{"fields":[{"lookup":{"values":[{"active":true,"value":"A"},{"value":"B","active":false}],"list_name":"l","restricted":false},
        "type":"lookup","label":"T","name":"t","required":false,"custom":false},{"type":"id","name":"id","label":"ID","read_only":true}],
        "provenance":{"content_hash":"sha256:stale","api_version":"4.0","source":"sandbox","base_url":"http://127.0.0.1:1","fetched_at":"2026-11-28T10:00:00Z"},
        "type_name":"Claim","object":"claims","format":1}"#;
    let object =
        parse_object(Path::new("claims.json"), untidy.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let once = to_canonical_string(&object);
    expect_test::expect![[r#"
        {
          "format": 1,
          "object": "claims",
          "type_name": "Claim",
          "provenance": {
            "source": "sandbox",
            "base_url": "http://127.0.0.1:1",
            "fetched_at": "2026-11-28T10:00:00Z",
            "api_version": "4.0",
            "content_hash": "sha256:5dce7ff025f43a87cddc3f1e6420ec7b479c308f3374263e057aa34ef405c601"
          },
          "fields": [
            {
              "name": "t",
              "label": "T",
              "type": "lookup",
              "lookup": {
                "list_name": "l",
                "values": [
                  {
                    "value": "A"
                  },
                  {
                    "value": "B",
                    "active": false
                  }
                ]
              }
            },
            {
              "name": "id",
              "label": "ID",
              "type": "id",
              "read_only": true
            }
          ]
        }
    "#]]
    .assert_eq(&once);
    let again =
        parse_object(Path::new("claims.json"), once.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(to_canonical_string(&again), once);
    // The hash ignores provenance: the same schema from another source hashes the same.
    let mut elsewhere = again.clone();
    elsewhere.provenance.source = crm_schema::Source::Catalogue;
    elsewhere.provenance.fetched_at = None;
    assert_eq!(content_hash(&elsewhere), again.provenance.content_hash);
}

#[test]
fn raw_conversions_round_trip_through_the_canonical_form() {
    let bodies = [
        r#"{"id": "int", "name": "varchar(80)", "type": "enum('A','B')", "slaid": "int", "geo": "point"}"#,
        r#"[{"name": "id", "type": "int"}, {"name": "note", "type": "text", "description": "x\ny"}]"#,
    ];
    for body in bodies {
        let o = crate::support::dict("accounts", body).unwrap_or_else(|e| panic!("{e}"));
        let text = to_canonical_string(&o);
        let back = parse_object(Path::new("accounts.json"), text.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, o);
        assert_eq!(to_canonical_string(&back), text);
    }
}
