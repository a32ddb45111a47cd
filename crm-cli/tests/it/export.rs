//! `crm export --since` (exactly the records written since, in either timestamp form) and
//! `crm export --format csv [--labels]` (read back through the codec, the same records as the
//! NDJSON export), with the errors of their flags.

use std::collections::BTreeSet;

use crm_cli::csv::{Codec, Header};
use crm_schema::FieldType;
use serde_json::{Map, Value, json};

use crate::sync::{client, crm, records, sandbox, stderr};

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf8")
}

fn ids(ndjson: &str) -> Vec<u64> {
    ndjson
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("json")["id"]
                .as_u64()
                .expect("id")
        })
        .collect()
}

/// The server's clock now, as the sandbox writes stamps (UTC).
async fn server_now(client: &crm_runtime::Client) -> time::OffsetDateTime {
    client.object("accounts").list().send().await.expect("page");
    time::OffsetDateTime::from(client.server_date().expect("Date"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn since_exports_exactly_the_records_written_since() {
    let sb = sandbox(250, 0).await;
    let client = client(&sb);
    let now = server_now(&client).await;
    let api_form = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    // Seeded stamps reach past today; those records are modified "since" by their stamp.
    let future: BTreeSet<u64> = records(&client, "accounts")
        .await
        .iter()
        .filter(|(_, r)| r["modifieddate"].as_str().is_some_and(|m| *m >= *api_form))
        .map(|(id, _)| *id)
        .collect();
    let mut want = future.clone();
    for id in [1u64, 17, 120, 250] {
        client
            .object("accounts")
            .update(id, &json!({"notes": "since"}))
            .await
            .expect("update");
        want.insert(id);
    }
    let created = client
        .object("accounts")
        .create(&json!({"name": "New"}))
        .await
        .expect("create");
    want.insert(created.id().expect("id"));

    let rfc3339 = now
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format");
    let plus_one = now
        .to_offset(time::UtcOffset::from_hms(1, 0, 0).expect("offset"))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format");
    let mut outputs = Vec::new();
    for since in [&api_form, &rfc3339, &plus_one] {
        let o = crm(
            &sb,
            &["export", "accounts", "--since", since, "--page-size", "3"],
        )
        .await;
        assert!(o.status.success(), "{since}: {}", stderr(&o));
        let got = ids(&stdout(&o));
        assert!(got.windows(2).all(|w| w[0] < w[1]), "{since}: id order");
        assert_eq!(
            got.iter().copied().collect::<BTreeSet<_>>(),
            want,
            "{since}"
        );
        outputs.push(stdout(&o));
    }
    assert!(outputs.windows(2).all(|w| w[0] == w[1]));
    // With a filter: both hold.
    let o = crm(
        &sb,
        &[
            "export",
            "accounts",
            "--since",
            &api_form,
            "--q",
            r#"{"id":{"$lte":120}}"#,
        ],
    )
    .await;
    let got: BTreeSet<u64> = ids(&stdout(&o)).into_iter().collect();
    assert_eq!(
        got,
        want.iter()
            .copied()
            .filter(|id| *id <= 120)
            .collect::<BTreeSet<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flag_errors_are_one_clear_line() {
    let sb = sandbox(2, 0).await;
    let cases = [
        (
            vec!["export", "accounts", "--since", "yesterday"],
            "crm: --since must be `YYYY-MM-DD HH:MM:SS` (the API's clock) or RFC 3339 (`2026-12-01T13:00:00Z`), got `yesterday`",
        ),
        (
            vec!["export", "accounts", "--labels"],
            "crm: --labels names CSV columns: use it with --format csv",
        ),
        (
            vec![
                "export",
                "accounts",
                "--q",
                "[1]",
                "--since",
                "2026-01-01 00:00:00",
            ],
            "crm: --q must be a JSON object, got `[1]`",
        ),
    ];
    for (args, want) in cases {
        let o = crm(&sb, &args).await;
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert_eq!(stdout(&o), "", "{args:?}");
        assert_eq!(stderr(&o).trim_end(), want, "{args:?}");
    }
    let o = crm(&sb, &["export", "accounts", "--format", "xml"]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("invalid value 'xml'"), "{}", stderr(&o));
}

/// A record as the API sent it, as the typed values a CSV row reads back as: empty values
/// absent, numbers of money as exact text, booleans as booleans, ids as numbers.
fn typed(object: &crm_schema::ObjectDef, record: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in record {
        let f = object.field(k).expect("a field of the snapshot");
        let v = match (&f.ty, v) {
            (_, Value::Null) => continue,
            (_, Value::String(s)) if s.is_empty() => continue,
            (FieldType::Boolean, Value::Number(n)) => Value::Bool(n.as_i64() == Some(1)),
            (FieldType::Boolean, Value::String(s)) => Value::Bool(s == "1" || s == "true"),
            (FieldType::Decimal | FieldType::Currency | FieldType::Percent, Value::Number(n)) => {
                Value::String(n.to_string())
            }
            (
                FieldType::Id | FieldType::Integer | FieldType::User | FieldType::Reference { .. },
                Value::String(s),
            ) => Value::from(s.parse::<i64>().expect("a number")),
            (_, v) => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_export_reads_back_as_the_ndjson_export() {
    let sb = sandbox(120, 0).await;
    let dict =
        crm_schema::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../dictionaries"))
            .expect("snapshot");
    let mut types = BTreeSet::new();
    for object in ["accounts", "contacts", "opportunities", "activities"] {
        let def = dict.object(object).expect("object");
        types.extend(def.fields.iter().map(|f| f.ty.as_str()));
        let nd = crm(&sb, &["export", object]).await;
        assert!(nd.status.success(), "{}", stderr(&nd));
        let want: Vec<Map<String, Value>> = stdout(&nd)
            .lines()
            .map(|l| typed(def, &serde_json::from_str(l).expect("json")))
            .collect();
        assert_eq!(want.len(), 120);
        for (header, flag) in [(Header::ApiNames, None), (Header::Labels, Some("--labels"))] {
            let mut args = vec!["export", object, "--format", "csv", "--page-size", "7"];
            args.extend(flag);
            let o = crm(&sb, &args).await;
            assert!(o.status.success(), "{object} {header:?}: {}", stderr(&o));
            let codec = Codec::new(def, header).expect("codec");
            let text = stdout(&o);
            let mut reader = ::csv::Reader::from_reader(text.as_bytes());
            let first = reader.headers().expect("header");
            assert_eq!(
                first.iter().collect::<Vec<_>>(),
                codec.header(),
                "{object} {header:?}"
            );
            let back = codec.read(text.as_bytes()).expect("read back");
            assert_eq!(back, want, "{object} {header:?}");
        }
    }
    for t in [
        "boolean",
        "currency",
        "date",
        "datetime",
        "integer",
        "lookup",
        "reference",
        "user",
    ] {
        assert!(types.contains(t), "no {t} field exported");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_with_a_field_the_dictionary_lacks_stops_a_csv_export_with_its_id() {
    use axum::routing::get;
    // The sandbox's own dictionary, and records of a tenant that has a field more.
    let sb = sandbox(1, 0).await;
    let dictionary = reqwest::Client::new()
        .get(format!("{}/datadictionary/accounts", sb.base_url))
        .bearer_auth(crate::sync::TOKEN)
        .send()
        .await
        .expect("dictionary")
        .text()
        .await
        .expect("body");
    let list = r#"{"metadata":{"total_count":2,"has_more":false},"list":[{"record":{"id":1,"name":"A"}},{"record":{"id":2,"name":"B","x_new":"?"}}]}"#;
    let json = |body: String| ([("content-type", "application/json")], body);
    let app = axum::Router::new()
        .route(
            "/datadictionary/accounts",
            get(move || async move { json(dictionary) }),
        )
        .route(
            "/accounts",
            get(move || async move { json(list.to_owned()) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let o = crm(
        &sb,
        &["--base-url", &url, "export", "accounts", "--format", "csv"],
    )
    .await;
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).trim_end(),
        "crm: record 2: accounts has no field x_new; it cannot be written as CSV (after 1 records)"
    );
    // The header and the first row stay written.
    let text = stdout(&o);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.lines().nth(1).expect("row").starts_with("1,A,"),
        "{text}"
    );
}
