//! A server that echoes the token and control characters wherever a body carries text: none
//! of it reaches an error's `Display` or `Debug`, its accessors, or the tracing output.

use crate::common::TOKEN;
use crate::echo::{self, assert_clean};
use crate::transport::Captured;

enum EchoDecodes {}
impl crm_runtime::Object for EchoDecodes {
    const API_NAME: &'static str = "echodecode";
    const RECORD_TYPE: Option<&'static str> = None;
    const SCHEMA_FINGERPRINT: &'static str = "sha256:test";
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code, reason = "decoded only to fail")]
struct EchoDecode {
    id: crm_runtime::Id<EchoDecodes>,
    name: Option<String>,
}
impl crm_runtime::Record for EchoDecode {
    type Object = EchoDecodes;
    fn id(&self) -> crm_runtime::Id<EchoDecodes> {
        self.id
    }
}

fn client(base_url: &str) -> crm_runtime::Client {
    crm_runtime::Client::builder()
        .base_url(base_url)
        .token(TOKEN)
        .retry_policy(crate::common::fast_retry())
        .build()
        .expect("client")
}

async fn error_of(client: &crm_runtime::Client, object: &str) -> crm_runtime::Error {
    client.object(object).list().send().await.expect_err(object)
}

fn assert_error_clean(object: &str, e: &crm_runtime::Error) {
    let display = e.to_string();
    assert_clean(object, &display, TOKEN);
    assert!(!display.contains('\n'), "{object}: not one line: {display}");
    assert_clean(object, &format!("{e:?}"), TOKEN);
    for text in [
        e.api_message(),
        e.api_type(),
        e.decode_snippet(),
        e.decode_path(),
    ]
    .into_iter()
    .flatten()
    {
        assert_clean(object, text, TOKEN);
    }
    if let Some(v) = e.validation() {
        for (field, rules) in v.fields() {
            assert_clean(object, field, TOKEN);
            for rule in rules {
                assert_clean(object, rule.name(), TOKEN);
                rule.parameters()
                    .iter()
                    .for_each(|p| assert_clean(object, p, TOKEN));
            }
        }
    }
}

#[tokio::test]
async fn echoed_tokens_and_control_characters_reach_no_error() {
    let base = echo::spawn().await;
    let client = client(&base);
    for object in [
        "echo400", "echo422", "echo503", "echohtml", "echojson", "nowhere",
    ] {
        let e = error_of(&client, object).await;
        assert_error_clean(object, &e);
    }
    // A value that does not fit the record type is quoted in the error: cleaned too.
    let e = client
        .list::<EchoDecode>()
        .send()
        .await
        .expect_err("decode");
    assert!(e.is_decode(), "{e:?}");
    assert_error_clean("echodecode", &e);
    let e = error_of(&client, "echo400").await;
    assert_eq!(
        e.to_string(),
        "GET /echo400: bad request (HTTP 400): Invalid\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\r: you sent Bearer [redacted] [redacted]\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\r\\r\\nsecond line"
    );
    let e = error_of(&client, "echo422").await;
    assert_eq!(
        e.validation().expect("rules").to_string(),
        "[redacted]: Bearer [redacted] is not allowed\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\r, name\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\r: Max([redacted])"
    );
    let e = client
        .dictionary("contacts")
        .await
        .expect_err("contacts is not a dictionary");
    assert_error_clean("contacts", &e);
}

#[tokio::test]
async fn a_5_mb_html_error_page_gives_its_title_as_a_short_excerpt() {
    let base = echo::spawn().await;
    let e = error_of(&client(&base), "echohtml").await;
    assert!(e.is_server());
    assert_eq!(
        e.to_string(),
        "GET /echohtml: server error (HTTP 500): Oops [redacted]\\u{1b}[2J\\u{1b}]0;pwned\\u{7}"
    );
}

#[tokio::test]
async fn invalid_json_is_located_by_line_and_column() {
    let base = echo::spawn().await;
    let e = error_of(&client(&base), "echojson").await;
    assert!(e.is_decode(), "{e:?}");
    assert_eq!(e.decode_path(), Some("line 1, column 41"));
    let text = e.to_string();
    assert!(!text.contains(" at ?"), "{text}");
    assert!(
        text.starts_with("GET /echojson: could not decode the response: echojson record at line 1, column 41 (value "),
        "{text}"
    );
}

#[tokio::test]
async fn dictionary_and_lookup_labels_are_masked_in_the_model() {
    let base = echo::spawn().await;
    let def = client(&base)
        .dictionary("accounts")
        .await
        .expect("dictionary");
    for field in &def.fields {
        assert_clean("label", &field.label, TOKEN);
        assert_clean(
            "description",
            field.description.as_deref().unwrap_or(""),
            TOKEN,
        );
        for v in field.lookup.iter().flat_map(|l| &l.values) {
            assert_clean("lookup label", v.label.as_deref().unwrap_or(""), TOKEN);
        }
    }
    assert_eq!(def.field("type").expect("type").label, "Type [redacted]");
}

#[tokio::test]
async fn tracing_output_carries_no_token_and_no_control_characters() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let base = echo::spawn().await;
    let client = client(&base);
    for object in ["echo503", "echo400", "echohtml", "echojson"] {
        let _ = error_of(&client, object).await;
    }
    let text = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf-8");
    assert!(
        text.contains("retrying"),
        "the 503 was retried and logged:\n{text}"
    );
    assert_clean("tracing", &text, TOKEN);
}
