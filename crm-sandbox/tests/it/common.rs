//! Shared helpers: a sandbox over the test dictionaries, and one-call request helpers.

use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use crm_sandbox::{Config, State};
use serde_json::Value;
use tower::ServiceExt;

pub(crate) const TOKEN: &str = "test-token";

/// The sandbox's own test dictionaries (stable, unlike the workspace snapshot).
pub(crate) fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dictionaries")
}

pub(crate) fn config() -> Config {
    Config::new(TOKEN)
        .with_dictionaries(fixtures())
        .with_records(20)
}

/// A unique path in the temp directory (no tempfile crate in the workspace).
pub(crate) fn temp_path(name: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!(
        "crm-sandbox-{}-{}-{nanos}-{name}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Percent-encodes a query value.
pub(crate) fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A response, decoded.
#[derive(Debug)]
pub(crate) struct Resp {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) bytes: Vec<u8>,
}

impl Resp {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.bytes)))
    }
    /// The records of a list response.
    pub(crate) fn records(&self) -> Vec<Value> {
        let v = self.json();
        v["list"]
            .as_array()
            .unwrap_or_else(|| panic!("no list in {v}"))
            .iter()
            .map(|e| e["record"].clone())
            .collect()
    }
    pub(crate) fn ids(&self) -> Vec<i64> {
        self.records()
            .iter()
            .map(|r| r["id"].as_i64().expect("numeric id"))
            .collect()
    }
}

/// An in-process sandbox.
pub(crate) struct Sbx {
    pub(crate) app: Router,
    pub(crate) state: State,
}

impl Sbx {
    pub(crate) fn new() -> Sbx {
        Sbx::with(config())
    }

    pub(crate) fn with(config: Config) -> Sbx {
        let state = State::new(config).expect("sandbox starts");
        Sbx {
            app: crm_sandbox::app(state.clone()),
            state,
        }
    }

    pub(crate) async fn send(&self, req: Request<Body>) -> Resp {
        let resp = self
            .app
            .clone()
            .oneshot(req)
            .await
            .expect("router is infallible");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .expect("body")
            .to_vec();
        Resp {
            status,
            headers,
            bytes,
        }
    }

    pub(crate) async fn call(&self, method: Method, uri: &str, body: Option<&str>) -> Resp {
        let mut b = Request::builder()
            .method(method)
            .uri(uri)
            .header("authorization", format!("Bearer {TOKEN}"));
        if body.is_some() {
            b = b.header("content-type", "application/json");
        }
        self.send(
            b.body(Body::from(body.unwrap_or("").to_owned()))
                .expect("request"),
        )
        .await
    }

    pub(crate) async fn get(&self, uri: &str) -> Resp {
        self.call(Method::GET, uri, None).await
    }

    pub(crate) async fn post(&self, uri: &str, body: &str) -> Resp {
        self.call(Method::POST, uri, Some(body)).await
    }

    pub(crate) async fn patch(&self, uri: &str, body: &str) -> Resp {
        self.call(Method::PATCH, uri, Some(body)).await
    }

    pub(crate) async fn delete(&self, uri: &str) -> Resp {
        self.call(Method::DELETE, uri, None).await
    }

    /// `GET /{object}?q=...&...` with `q` encoded.
    pub(crate) async fn query(&self, object: &str, q: &str, extra: &str) -> Resp {
        self.get(&format!("/{object}?q={}&{extra}", enc(q))).await
    }
}

/// Asserts an error envelope with this status and a message containing `needle`.
pub(crate) fn assert_error(r: &Resp, status: u16, needle: &str) {
    assert_eq!(
        r.status.as_u16(),
        status,
        "body: {}",
        String::from_utf8_lossy(&r.bytes)
    );
    let v = r.json();
    assert_eq!(v["code"].as_u64(), Some(u64::from(status)), "{v}");
    assert!(v["type"].is_string(), "{v}");
    let msg = v["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains(needle),
        "message `{msg}` does not contain `{needle}`"
    );
}
