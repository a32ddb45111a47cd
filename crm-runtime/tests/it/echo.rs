//! A hostile server for tests: it echoes the request's `Authorization` header (whole, and the
//! bare token) wherever a body carries text, with ESC sequences, CR and BEL mixed in. Shared by
//! the runtime's and the `crm` command's tests (the latter include this file by path).

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::json;

/// Terminal control sequences a server might slip into text: clear screen, set window title.
pub(crate) const NASTY: &str = "\u{1b}[2J\u{1b}]0;pwned\u{7}\r";

/// Size of the HTML error page `/echohtml` sends.
pub(crate) const HTML_BYTES: usize = 5 * 1024 * 1024;

fn respond(status: u16, content_type: &str, body: impl Into<Body>) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("content-type", content_type)
        .body(body.into())
        .unwrap_or_default()
}

fn json_response(status: u16, value: &serde_json::Value) -> Response {
    respond(status, "application/json", value.to_string())
}

async fn handle(headers: HeaderMap, uri: Uri) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bare = auth.strip_prefix("Bearer ").unwrap_or(&auth).to_owned();
    let say = |what: &str| format!("{what} {auth} {bare}{NASTY}\r\nsecond line");
    match uri.path() {
        "/accounts" => json_response(
            200,
            &json!({"metadata": {"total_count": 0, "has_more": false}, "list": []}),
        ),
        "/echo400" | "/accounts/1" => json_response(
            if uri.path() == "/echo400" { 400 } else { 404 },
            &json!({"type": format!("Invalid{NASTY}"), "code": 400, "message": say("you sent")}),
        ),
        "/echo422" => json_response(
            422,
            &json!({"type": "Validation error", "message": say("invalid"),
            "validation": {
                format!("name{NASTY}"): [{"Max": [bare.clone()]}],
                bare.clone(): [format!("{auth} is not allowed{NASTY}")]
            }}),
        ),
        "/echo503" => json_response(
            503,
            &json!({"type": "Service unavailable", "message": say("busy")}),
        ),
        "/echohtml" => {
            let head = format!(
                "<!DOCTYPE html><html><head><title>Oops {bare}{NASTY}</title></head><body><p>{auth}</p>"
            );
            let mut page = head.into_bytes();
            page.resize(HTML_BYTES - 14, b'x');
            page.extend_from_slice(b"</body></html>");
            respond(500, "text/html", page)
        }
        "/echodecode" => json_response(
            200,
            &json!({"list": [{"record": {"id": 1, "name": [say("value")]}}]}),
        ),
        "/echojson" => respond(
            200,
            "application/json",
            format!("{{\"list\": [{{\"record\": {{\"id\": 1, \"name\": {bare}{NASTY} }}}}]}}"),
        ),
        "/datadictionary/accounts" => json_response(
            200,
            &json!({"fields": [
                {"name": "id", "type": "int"},
                {"name": "name", "type": "varchar(50)", "label": say("Name"), "description": say("about")},
                {"name": "type", "type": "dropdown", "label": format!("Type {bare}")}
            ]}),
        ),
        "/lookup/accounts/type" => json_response(
            200,
            &json!([{"value": "Customer", "label": say("Alpha")}, {"value": "Partner"}]),
        ),
        "/datadictionary/contacts" => json_response(200, &json!({"fields": say("not a list")})),
        _ => json_response(404, &json!({"message": say("no route")})),
    }
}

/// Starts the server on 127.0.0.1:0 and returns its base URL.
///
/// Not `common::listen`: crm-cli's tests include this file by `#[path]`, where `common` is not
/// this crate's.
pub(crate) async fn spawn() -> String {
    let app = Router::new().fallback(handle);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    format!("http://{addr}")
}

/// Panics with `what` when `text` holds `token` (or eight characters of it) or a control
/// character other than a line feed.
pub(crate) fn assert_clean(what: &str, text: &str, token: &str) {
    for start in 0..token.len().saturating_sub(7) {
        let fragment = &token[start..start + 8];
        assert!(
            !text.contains(fragment),
            "{what}: the token leaked (`{fragment}`):\n{text}"
        );
    }
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "{what}: a control character got through:\n{text:?}"
    );
}
