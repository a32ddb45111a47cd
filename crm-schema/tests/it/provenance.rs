//! Provenance of fetched snapshots: never a credential, and the sandbox told from a tenant.

use crm_schema::Source;

#[test]
fn a_base_url_becomes_a_source_without_credentials() {
    let tenant = |u: &str| Source::Tenant { base_url: u.into() };
    let sandbox = |u: &str| Source::Sandbox { base_url: u.into() };
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
        ("http://127.0.0.1:8080", sandbox("http://127.0.0.1:8080")),
        ("http://LOCALHOST:3000/", sandbox("http://LOCALHOST:3000")),
        ("http://[::1]:9000", sandbox("http://[::1]:9000")),
        ("http://a:b@127.0.0.2", sandbox("http://127.0.0.2")),
        ("http://10.0.0.1", tenant("http://10.0.0.1")),
    ];
    for (url, want) in cases {
        assert_eq!(Source::for_base_url(url), want, "{url}");
    }
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
