//! Document upload (multipart) and download.

use axum::body::Body;
use axum::http::Request;
use serde_json::json;

use crate::common::{Resp, Sbx, TOKEN, assert_error, config};

const BOUNDARY: &str = "sandbox-test-boundary";

fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((filename, mime, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {mime}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(s: &Sbx, body: Vec<u8>) -> Resp {
    let req = Request::builder()
        .method("POST")
        .uri("/documents")
        .header("authorization", format!("Bearer {TOKEN}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .expect("request");
    s.send(req).await
}

#[tokio::test]
async fn upload_then_download() {
    let s = Sbx::new();
    let bytes: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    let r = upload(
        &s,
        multipart(
            &[
                ("parentobject", "accounts"),
                ("parentid", "3"),
                ("description", "Signed contract"),
            ],
            Some(("contract.pdf", "application/pdf", &bytes)),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
    let rec = r.json()["record"].clone();
    assert_eq!(rec["parentobject"], "accounts");
    assert_eq!(rec["parentid"], 3);
    assert_eq!(rec["filename"], "contract.pdf");
    assert_eq!(rec["createdby"], 90505);
    let id = rec["id"].as_i64().expect("id");
    let c = s.get(&format!("/documents/{id}/content")).await;
    assert_eq!(c.status, 200);
    assert_eq!(c.bytes, bytes);
    assert_eq!(c.headers["content-type"], "application/pdf");
    assert_eq!(
        c.headers["content-disposition"],
        "attachment; filename=\"contract.pdf\""
    );
    // Found by the query real clients use.
    let found = s
        .query(
            "documents",
            r#"{"parentobject": "accounts", "parentid": 3}"#,
            "limit=100",
        )
        .await;
    assert!(found.ids().contains(&id));
    // Deleting the record deletes the file.
    assert_eq!(s.delete(&format!("/documents/{id}")).await.status, 200);
    assert_error(
        &s.get(&format!("/documents/{id}/content")).await,
        404,
        "Record not found",
    );
}

#[tokio::test]
async fn non_ascii_file_names_survive() {
    let s = Sbx::new();
    let r = upload(
        &s,
        multipart(&[], Some(("Résumé 2024.txt", "text/plain", b"hello"))),
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.bytes));
    let id = r.json()["record"]["id"].as_i64().expect("id");
    let c = s.get(&format!("/documents/{id}/content")).await;
    assert_eq!(
        c.headers["content-disposition"],
        "attachment; filename=\"R_sum_ 2024.txt\"; filename*=UTF-8''R%C3%A9sum%C3%A9%202024.txt"
    );
}

#[tokio::test]
async fn seeded_documents_have_content() {
    let s = Sbx::new();
    let rec = s.get("/documents/1").await.json()["record"].clone();
    let c = s.get("/documents/1/content").await;
    assert_eq!(c.status, 200);
    assert!(String::from_utf8_lossy(&c.bytes).starts_with("Document 1 "));
    let name = rec["filename"]
        .as_str()
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| "document-1.txt".into());
    assert_eq!(
        c.headers["content-disposition"],
        format!("attachment; filename=\"{name}\"")
    );
}

#[tokio::test]
async fn upload_errors() {
    let s = Sbx::with(config().with_max_document_bytes(1000));
    let r = upload(&s, multipart(&[("parentobject", "accounts")], None)).await;
    assert_eq!(r.json()["validation"], json!({"file": [{"Required": []}]}));
    let r = upload(
        &s,
        multipart(
            &[],
            Some(("big.bin", "application/octet-stream", &[7u8; 1001])),
        ),
    )
    .await;
    assert_error(
        &r,
        413,
        "The file is larger than the 0 MB (1000 bytes) limit",
    );
    let r = upload(
        &s,
        multipart(
            &[],
            Some(("ok.bin", "application/octet-stream", &[7u8; 1000])),
        ),
    )
    .await;
    assert_eq!(r.status, 201);
    let r = upload(
        &s,
        multipart(
            &[("parentid", "abc")],
            Some(("x.bin", "application/octet-stream", b"x")),
        ),
    )
    .await;
    assert_eq!(
        r.json()["validation"],
        json!({"parentid": [{"Integer": []}]})
    );
    let garbage = Request::builder()
        .method("POST")
        .uri("/documents")
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "multipart/form-data")
        .body(Body::from("nonsense"))
        .expect("request");
    assert_error(&s.send(garbage).await, 400, "Invalid multipart body");
}

#[tokio::test]
async fn content_of_missing_or_contentless_documents_is_404() {
    let s = Sbx::new();
    assert_error(
        &s.get("/documents/999999/content").await,
        404,
        "Record not found",
    );
    let r = s
        .post(
            "/documents",
            r#"{"parentobject": "accounts", "parentid": 1}"#,
        )
        .await;
    assert_eq!(r.status, 201);
    let id = r.json()["record"]["id"].as_i64().expect("id");
    assert_error(
        &s.get(&format!("/documents/{id}/content")).await,
        404,
        &format!("Document {id} has no content"),
    );
}
