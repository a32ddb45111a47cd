//! Provenance of fetched snapshots: never a credential, and `sandbox` only when the server
//! says so, never guessed from a loopback URL.

use crm_schema::Source;

#[test]
fn a_base_url_becomes_a_source_without_credentials() {
    let tenant = |u: &str| Source::Tenant { base_url: u.into() };
    let cases = [
        (
            "https://apiv4.reallysimplesystems.com",
            tenant("https://apiv4.reallysimplesystems.com"),
        ),
        (
            "https://apiv4.reallysimplesystems.com/",
            tenant("https://apiv4.reallysimplesystems.com"),
        ),
        (
            "https://user:secret@crm.example.com/v4/",
            tenant("https://crm.example.com/v4"),
        ),
        (
            "https://token@crm.example.com",
            tenant("https://crm.example.com"),
        ),
        ("http://127.0.0.1:8080", tenant("http://127.0.0.1:8080")),
        ("http://LOCALHOST:3000/", tenant("http://LOCALHOST:3000")),
        ("http://[::1]:9000", tenant("http://[::1]:9000")),
        ("http://a:b@127.0.0.2", tenant("http://127.0.0.2")),
        ("http://10.0.0.1", tenant("http://10.0.0.1")),
    ];
    for (url, want) in cases {
        assert_eq!(Source::for_base_url(url), want, "{url}");
    }
}

#[test]
fn only_a_server_that_identifies_itself_is_the_sandbox() {
    let local = Source::for_base_url("http://127.0.0.1:8080");
    assert_eq!(
        local.clone().identified_as_sandbox(true),
        Source::Sandbox {
            base_url: "http://127.0.0.1:8080".into()
        }
    );
    assert_eq!(local.clone().identified_as_sandbox(false), local);
    assert_eq!(
        Source::Catalogue.identified_as_sandbox(true),
        Source::Catalogue
    );
}

#[test]
fn now_is_an_rfc3339_utc_timestamp_to_the_second() {
    let now = crm_schema::Provenance::now();
    let bytes = now.as_bytes();
    assert_eq!(now.len(), 20, "{now}");
    for (i, b) in bytes.iter().enumerate() {
        let want_digit = !matches!(i, 4 | 7 | 10 | 13 | 16 | 19);
        assert_eq!(b.is_ascii_digit(), want_digit, "{now}");
    }
    assert_eq!(
        (bytes[4], bytes[10], bytes[13], bytes[19]),
        (b'-', b'T', b':', b'Z'),
        "{now}"
    );
    assert!(now.as_str() > "2026-01-01", "{now}");
}
