//! Every error kind a user can hit, with its message.

use crm_runtime::{Client, PageSize};

use crate::common::{Account, MockState, spawn};

#[tokio::test]
async fn each_status_maps_to_its_kind_and_message() {
    let mock = spawn(MockState::default()).await;
    let client = mock.client();
    type Case = (&'static str, fn(&crm_runtime::Error) -> bool, &'static str);
    let cases: [Case; 9] = [
        (
            "403",
            |e| e.is_unauthorised(),
            "GET /status-403: not authorised (HTTP 403): Unauthenticated.",
        ),
        (
            "402",
            |e| e.is_unauthorised(),
            "GET /status-402: not authorised (HTTP 402): Invalid Request error: status 402 message",
        ),
        (
            "404",
            |e| e.is_not_found(),
            "GET /status-404: not found (HTTP 404): Invalid Request error: status 404 message",
        ),
        (
            "400",
            |e| e.is_bad_request(),
            "GET /status-400: bad request (HTTP 400): Invalid Request error: status 400 message",
        ),
        (
            "405",
            |e| e.is_method_not_allowed(),
            "GET /status-405: method not allowed (HTTP 405): Invalid Request error: status 405 message",
        ),
        (
            "500",
            |e| e.is_server(),
            "GET /status-500: server error (HTTP 500): Invalid Request error: status 500 message",
        ),
        (
            "409",
            |e| e.is_other_status(),
            "GET /status-409: unexpected status (HTTP 409): Invalid Request error: status 409 message",
        ),
        (
            "422",
            |e| e.is_validation(),
            "GET /status-422: validation failed (HTTP 422): Validation error: The given data was invalid. [accountid: Required, name: Max(50)]",
        ),
        (
            "429",
            |e| e.is_rate_limited(),
            "GET /status-429: rate limited (HTTP 429): Invalid Request error: status 429 message",
        ),
    ];
    for (code, predicate, message) in cases {
        let err = client
            .object(format!("status-{code}"))
            .list()
            .send()
            .await
            .expect_err(code);
        assert!(predicate(&err), "{code}: {err:?}");
        assert_eq!(err.to_string(), message);
        assert_eq!(err.status(), code.parse().ok());
        assert_eq!(err.method(), Some("GET"));
    }
}

#[tokio::test]
async fn a_validation_error_carries_the_rules_as_a_typed_map() {
    let mock = spawn(MockState::default()).await;
    let err = mock
        .client()
        .object("status-422")
        .list()
        .send()
        .await
        .expect_err("422");
    let v = err.validation().expect("validation");
    assert!(v.has("accountid", "Required"));
    assert_eq!(v.field("name").expect("name")[0].name(), "Max");
    assert_eq!(v.field("name").expect("name")[0].parameters(), ["50"]);
    assert_eq!(
        v.fields().map(|(f, _)| f).collect::<Vec<_>>(),
        ["accountid", "name"]
    );
    assert_eq!(err.api_type(), Some("Validation error"));
    assert_eq!(err.api_message(), Some("The given data was invalid."));
}

#[tokio::test]
async fn a_non_json_error_body_is_kept_as_a_short_excerpt() {
    let mock = spawn(MockState::default()).await;
    let client = mock
        .builder()
        .retry_policy(crm_runtime::RetryPolicy::none())
        .build()
        .expect("client");
    let err = client.object("html").list().send().await.expect_err("502");
    assert!(err.is_server());
    assert_eq!(err.api_message(), None);
    assert_eq!(
        err.to_string(),
        "GET /html: server error (HTTP 502): bad gateway"
    );
}

enum BadRecords {}
impl crm_runtime::Object for BadRecords {
    const API_NAME: &'static str = "badrecord";
    const RECORD_TYPE: Option<&'static str> = None;
    const SCHEMA_FINGERPRINT: &'static str = "sha256:test";
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code, reason = "decoded only to fail")]
struct Bad {
    id: crm_runtime::Id<BadRecords>,
    name: Option<String>,
}
impl crm_runtime::Record for Bad {
    type Object = BadRecords;
    fn id(&self) -> crm_runtime::Id<BadRecords> {
        self.id
    }
}

#[tokio::test]
async fn a_record_that_does_not_fit_names_object_id_field_path_and_value() {
    let mock = spawn(MockState::default()).await;
    let err = mock
        .client()
        .list::<Bad>()
        .send()
        .await
        .expect_err("decode");
    assert!(err.is_decode(), "{err:?}");
    assert_eq!(err.decode_object(), Some("badrecord"));
    assert_eq!(err.decode_record_id(), Some(77));
    assert_eq!(err.decode_field(), Some("name"));
    assert_eq!(err.decode_path(), Some("list[1].record.name"));
    assert_eq!(err.decode_snippet(), Some(r#"["not","a","string"]"#));
    assert_eq!(
        err.to_string(),
        r#"GET /badrecord: could not decode the response: badrecord record 77, field `name` at list[1].record.name (value ["not","a","string"]): invalid type: sequence, expected a string"#
    );
    // Not retried: a record that does not fit will not fit next time either.
    assert_eq!(mock.requests().len(), 1);
    // The same page read by API name keeps every record as received.
    let page = mock
        .client()
        .object("badrecord")
        .list()
        .send()
        .await
        .expect("raw");
    assert_eq!(
        page.records()[1].json(),
        r#"{"id":77,"name":["not","a","string"]}"#
    );
}

#[test]
fn configuration_errors_are_reported_before_any_request() {
    let err = Client::builder().build().expect_err("no token");
    assert!(err.is_config());
    assert_eq!(
        err.to_string(),
        "invalid client configuration: no access token given (set CRM_TOKEN)"
    );
    let err = Client::builder()
        .token("t")
        .base_url("ftp://x")
        .build()
        .expect_err("scheme");
    assert_eq!(
        err.to_string(),
        "invalid client configuration: base URL `ftp://x` must be http(s) without a query"
    );
    let err = Client::builder()
        .token("t")
        .base_url("not a url")
        .build()
        .expect_err("url");
    assert_eq!(
        err.to_string(),
        "invalid client configuration: base URL `not a url` is not a URL: relative URL without a base"
    );
    for url in [
        "https://user:pa55word@crm.example.com",
        "https://tok3n@crm.example.com/",
    ] {
        let err = Client::builder()
            .token("t")
            .base_url(url)
            .build()
            .expect_err("credentials in the URL");
        assert!(err.is_config(), "{err:?}");
        assert_eq!(
            err.to_string(),
            "invalid client configuration: base URL `https://crm.example.com` must not carry a user name or password; the access token is the only credential"
        );
        assert!(!format!("{err:?}").contains("pa55word") && !format!("{err:?}").contains("tok3n"));
    }
    let err = PageSize::try_from(101).expect_err("101");
    assert_eq!(
        err.to_string(),
        "invalid client configuration: page size 101 is outside 1..=100"
    );
    assert!(PageSize::new(0).is_none());
}

#[tokio::test]
async fn lenient_mode_reaches_generated_decoders() {
    // A stand-in for a generated type that consults the mode, as generated code does.
    #[derive(Debug)]
    struct Mode(bool);
    impl<'de> serde::Deserialize<'de> for Mode {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            serde::de::IgnoredAny::deserialize(d)?;
            Ok(Mode(crm_runtime::__private::lenient_decoding()))
        }
    }
    #[derive(Debug, serde::Deserialize)]
    struct WithMode {
        id: crm_runtime::Id<crate::common::Accounts>,
        name: Mode,
    }
    impl crm_runtime::Record for WithMode {
        type Object = crate::common::Accounts;
        fn id(&self) -> crm_runtime::Id<crate::common::Accounts> {
            self.id
        }
    }
    let mock = spawn(MockState {
        total: 2,
        has_more: true,
        ..Default::default()
    })
    .await;
    for lenient in [false, true] {
        let client = mock
            .builder()
            .lenient_decoding(lenient)
            .build()
            .expect("client");
        let page = client.list::<WithMode>().send().await.expect("page");
        assert!(page.records().iter().all(|r| r.name.0 == lenient));
    }
    assert!(
        !crm_runtime::__private::lenient_decoding(),
        "mode leaked out of the decode"
    );
    let _ = Account {
        id: crm_runtime::Id::new(1),
        name: None,
    };
}

enum Scored {}
impl crm_runtime::Object for Scored {
    const API_NAME: &'static str = "scored";
    const RECORD_TYPE: Option<&'static str> = None;
    const SCHEMA_FINGERPRINT: &'static str = "sha256:test";
}

/// A record decoded the way generated code decodes (tolerant fields, unknown ones in `extra`).
#[derive(Debug)]
struct ScoredRecord {
    id: crm_runtime::Id<Scored>,
    leadscore: Option<i64>,
    extra: serde_json::Map<String, serde_json::Value>,
}
impl crm_runtime::__private::DecodeRecord for ScoredRecord {
    const OBJECT: &'static str = "scored";
    fn empty() -> Self {
        ScoredRecord {
            id: crm_runtime::Id::new(0),
            leadscore: None,
            extra: serde_json::Map::new(),
        }
    }
    fn field<'de, A: serde::de::MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        cx: &mut crm_runtime::__private::Cx,
    ) -> Result<bool, A::Error> {
        match key {
            "id" => crm_runtime::__private::id_field(&mut self.id, map, cx),
            "leadscore" => crm_runtime::__private::field(&mut self.leadscore, "leadscore", map, cx),
            _ => Ok(false),
        }
    }
    fn extra(&mut self) -> Option<&mut serde_json::Map<String, serde_json::Value>> {
        Some(&mut self.extra)
    }
    fn raw_id(&self) -> u64 {
        self.id.get()
    }
}
impl<'de> serde::Deserialize<'de> for ScoredRecord {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crm_runtime::__private::decode_record(d)
    }
}
impl crm_runtime::Record for ScoredRecord {
    type Object = Scored;
    fn id(&self) -> crm_runtime::Id<Scored> {
        self.id
    }
}

#[test]
fn a_bad_record_id_is_named_as_the_failed_field() {
    for (body, snippet) in [
        (
            &br#"{"list":[{"record":{"id":"abc","leadscore":1}}]}"#[..],
            r#""abc""#,
        ),
        (&br#"{"list":[{"record":{"id":0}}]}"#[..], "0"),
    ] {
        let err = crm_runtime::Page::<ScoredRecord>::from_json("scored", body, false)
            .expect_err("a record without a usable id");
        assert!(err.is_decode(), "{err:?}");
        assert_eq!(err.decode_field(), Some("id"), "{err}");
        // 0 is no id, so there is no record id to name.
        assert_eq!(err.decode_record_id(), None, "{err}");
        assert_eq!(err.decode_snippet(), Some(snippet), "{err}");
    }
}

#[tokio::test]
async fn generated_decoders_fail_strictly_and_keep_bad_values_when_lenient() {
    let mock = spawn(MockState::default()).await;
    let err = mock
        .client()
        .list::<ScoredRecord>()
        .send()
        .await
        .expect_err("strict");
    assert!(err.is_decode(), "{err:?}");
    assert_eq!(err.decode_record_id(), Some(88));
    assert_eq!(err.decode_field(), Some("leadscore"));
    assert_eq!(err.decode_path(), Some("list[1].record"));
    assert_eq!(err.decode_snippet(), Some(r#""high""#));
    assert!(
        err.to_string().starts_with(
            "GET /scored: could not decode the response: scored record 88, field `leadscore`"
        ),
        "{err}"
    );
    let lenient = mock
        .builder()
        .lenient_decoding(true)
        .build()
        .expect("client");
    let page = lenient
        .list::<ScoredRecord>()
        .send()
        .await
        .expect("lenient");
    let [first, second] = page.records() else {
        panic!("two records")
    };
    assert_eq!(first.leadscore, Some(12));
    assert_eq!(second.leadscore, None);
    assert_eq!(
        second.extra.get("leadscore"),
        Some(&serde_json::json!("high"))
    );
    assert_eq!(second.extra.get("custom"), Some(&serde_json::json!(2)));
}

/// `k` two-way `$or`s ANDed together: `(n0 = a | n0 = b) & (n1 = a | n1 = b) & ...`.
fn ored(k: usize) -> crm_runtime::Filter<crate::common::Accounts> {
    use crm_runtime::filter::Op;
    let cond = |i: usize, v: &str| {
        crm_runtime::Filter::condition(format!("n{i}"), Op::Eq, serde_json::json!(v))
    };
    (0..k).fold(crm_runtime::Filter::all(), |f, i| {
        f & (cond(i, "a") | cond(i, "b"))
    })
}

#[tokio::test]
async fn a_filter_that_multiplies_out_too_far_is_refused_before_sending() {
    let mock = spawn(MockState {
        total: 3,
        has_more: true,
        ..Default::default()
    })
    .await;
    let small = ored(3);
    assert_eq!(small.try_to_q().expect("small"), small.to_q());
    let err = ored(14).try_to_q().expect_err("too large");
    let err2 = mock
        .client()
        .list::<Account>()
        .filter(ored(14))
        .send()
        .await
        .expect_err("too large");
    assert!(err.is_bad_request() && err2.is_bad_request(), "{err2:?}");
    assert_eq!(err2.status(), None);
    assert_eq!(
        err2.to_string(),
        "GET /accounts: bad request: the filter is too large to send: multiplying out its `$or`s takes more than 4096 conditions (each `$or` ANDed to another multiplies the alternatives); combine fewer `$or`s or use `one_of`"
    );
    assert_eq!(format!("{:?}", ored(14)), "Filter(<over 4096 conditions>)");
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());
    // A later filter that fits replaces the refused one.
    let page = mock
        .client()
        .list::<Account>()
        .filter(ored(14))
        .filter(small)
        .send()
        .await
        .expect("small filter");
    assert_eq!(page.number(), 1);
}
