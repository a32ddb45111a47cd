//! Documents: download content as a stream into any `AsyncWrite` (filename from
//! `Content-Disposition`), and upload as multipart with progress.

use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::client::Client;
use crate::decode;
use crate::error::{Error, Kind};
use crate::query::Listable;
use crate::transport::{Body, Call, read_body, transport_failure};

/// What a download wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// The file name from `Content-Disposition`, when the server sent a usable one. It is
    /// made safe to join to a directory: only its last path component (after any `/` or `\`),
    /// without control characters; a name that is then empty, `.` or `..` counts as absent.
    pub filename: Option<String>,
    /// The `Content-Type`, when sent.
    pub content_type: Option<String>,
    /// Bytes written.
    pub bytes: u64,
}

type Progress = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// A file to upload to `POST /documents`.
///
/// ```no_run
/// # async fn demo(client: crm_runtime::Client) -> Result<(), crm_runtime::Error> {
/// use crm_runtime::Upload;
/// let upload = Upload::new("notes.txt", b"hello".to_vec())
///     .field("parentobject", "accounts")
///     .field("parentid", "12")
///     .on_progress(|sent, total| eprintln!("{sent}/{total}"));
/// let doc = client.upload_document::<crm_runtime::RawRecord>(upload).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Upload {
    filename: String,
    content: Bytes,
    content_type: Option<String>,
    file_field: String,
    fields: Vec<(String, String)>,
    progress: Option<Progress>,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload")
            .field("filename", &self.filename)
            .field("bytes", &self.content.len())
            .field("fields", &self.fields)
            .finish_non_exhaustive()
    }
}

/// Upload chunk size: small enough for smooth progress, large enough to be cheap.
const CHUNK: usize = 64 * 1024;

impl Upload {
    /// A file with its name and content. The content is held in memory: the CRM caps files at
    /// 50 MB, and holding it lets a connect failure be retried.
    pub fn new(filename: impl Into<String>, content: impl Into<Bytes>) -> Self {
        Upload {
            filename: filename.into(),
            content: content.into(),
            content_type: None,
            file_field: "file".to_owned(),
            fields: Vec::new(),
            progress: None,
        }
    }

    /// The file's MIME type (default: none sent, the server guesses).
    pub fn content_type(mut self, mime: impl Into<String>) -> Self {
        self.content_type = Some(mime.into());
        self
    }

    /// The multipart field carrying the file (default `file`).
    pub fn file_field(mut self, name: impl Into<String>) -> Self {
        self.file_field = name.into();
        self
    }

    /// An extra form field (`parentobject`, `parentid`, ...).
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields.push((name.into(), value.into()));
        self
    }

    /// Called with (bytes sent, total) as the file is sent; starts again from 0 if the upload
    /// is retried after a failed connection.
    pub fn on_progress(mut self, f: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    fn form(&self) -> Result<reqwest::multipart::Form, Error> {
        let total = self.content.len() as u64;
        let content = self.content.clone();
        let progress = self.progress.clone();
        let chunks: Vec<Bytes> = (0..content.len().max(1))
            .step_by(CHUNK)
            .map(|start| content.slice(start..(start + CHUNK).min(content.len())))
            .collect();
        let mut sent = 0u64;
        let stream = futures::stream::iter(chunks).map(move |chunk| {
            sent += chunk.len() as u64;
            if let Some(p) = &progress {
                p(sent, total);
            }
            Ok::<_, std::io::Error>(chunk)
        });
        let mut part =
            reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(stream), total)
                .file_name(self.filename.clone());
        if let Some(mime) = &self.content_type {
            part = part.mime_str(mime).map_err(|e| {
                Error::new(Kind::Config).with_detail(format!("bad content type `{mime}`: {e}"))
            })?;
        }
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in &self.fields {
            form = form.text(k.clone(), v.clone());
        }
        Ok(form.part(self.file_field.clone(), part))
    }
}

/// The file name of a `Content-Disposition` header: `filename*=UTF-8''...` (percent-decoded)
/// wins over `filename="..."`; made safe by [`safe_filename`]. Hand-written: the header's
/// grammar needed here is a few lines, and no workspace crate parses it.
pub(crate) fn disposition_filename(header: &str) -> Option<String> {
    raw_disposition_filename(header).and_then(|name| safe_filename(&name))
}

/// The server chooses the name, so it must not be able to steer a caller that joins it to a
/// directory: keep the last component under either separator, drop control characters, and
/// refuse what is left if it is empty or only dots.
fn safe_filename(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim();
    (!clean.is_empty() && !clean.chars().all(|c| c == '.')).then(|| clean.to_owned())
}

fn raw_disposition_filename(header: &str) -> Option<String> {
    let mut plain = None;
    for param in split_params(header) {
        let Some((key, value)) = param.split_once('=') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        if key == "filename*" {
            let encoded = value.splitn(3, '\'').nth(2).unwrap_or(value);
            if let Some(decoded) = percent_decode(encoded) {
                return Some(decoded);
            }
        } else if key == "filename" {
            let v = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            plain = Some(v.replace("\\\"", "\"").replace("\\\\", "\\"));
        }
    }
    plain.filter(|s| !s.is_empty())
}

/// Splits on `;` outside double quotes.
fn split_params(header: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in header.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                out.push(&header[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&header[start..]);
    out
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

impl Client {
    /// Streams a document's content (`GET /documents/{id}/content`) into `out`, chunk by
    /// chunk, and returns the file name the server gave. Only the request is retried; a
    /// failure after bytes were written is returned, since `out` cannot be rewound.
    ///
    /// ```no_run
    /// # async fn demo(client: crm_runtime::Client) -> Result<(), crm_runtime::Error> {
    /// let mut file = tokio::fs::File::create("download.bin").await.expect("create");
    /// let info = client.download_document(12, &mut file).await?;
    /// println!("{:?}: {} bytes", info.filename, info.bytes);
    /// # Ok(()) }
    /// ```
    pub async fn download_document<W: AsyncWrite + Unpin + ?Sized>(
        &self,
        id: u64,
        out: &mut W,
    ) -> Result<Download, Error> {
        let mut call = Call::new(
            reqwest::Method::GET,
            ["documents".to_owned(), id.to_string(), "content".to_owned()],
        );
        call.streaming = true;
        let path = call.path();
        let resp = self
            .execute(&call, |_, resp| async move { Ok(resp) })
            .await?;
        let header = |name: reqwest::header::HeaderName| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let filename =
            header(reqwest::header::CONTENT_DISPOSITION).and_then(|h| disposition_filename(&h));
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let mut stream = resp.bytes_stream();
        let mut written = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| transport_failure(e).error.with_request("GET", &path))?;
            out.write_all(&chunk).await.map_err(|e| {
                Error::new(Kind::Io)
                    .with_request("GET", &path)
                    .with_detail("cannot write the download")
                    .with_source(e)
            })?;
            written += chunk.len() as u64;
        }
        out.flush().await.map_err(|e| {
            Error::new(Kind::Io)
                .with_request("GET", &path)
                .with_detail("cannot write the download")
                .with_source(e)
        })?;
        Ok(Download {
            filename,
            content_type,
            bytes: written,
        })
    }

    /// Uploads a document (`POST /documents`, multipart) and returns the created record.
    pub async fn upload_document<R: Listable>(&self, upload: Upload) -> Result<R, Error> {
        upload.form()?;
        let upload = Arc::new(upload);
        let form_source = upload.clone();
        let mut call = Call::new(reqwest::Method::POST, ["documents"]);
        call.streaming = true;
        // `form()` was checked above, so rebuilding it per attempt cannot fail.
        call.body = Body::Multipart(Arc::new(move || form_source.form().unwrap_or_default()));
        let lenient = self.inner.lenient;
        let limit = self.inner.max_response_bytes;
        self.execute(&call, |_, resp| async move {
            let body = read_body(resp, limit).await?;
            decode::single::<R>("documents", lenient, &body)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::disposition_filename;

    #[test]
    fn filenames_from_content_disposition() {
        let cases = [
            (
                r#"attachment; filename="report 2024.pdf""#,
                Some("report 2024.pdf"),
            ),
            ("attachment; filename=plain.txt", Some("plain.txt")),
            (r#"attachment; filename="a;b.txt""#, Some("a;b.txt")),
            (
                "attachment; filename=\"x.txt\"; filename*=UTF-8''na%C3%AFve.txt",
                Some("naïve.txt"),
            ),
            ("inline", None),
            (r#"attachment; filename="../../etc/passwd""#, Some("passwd")),
            (r#"attachment; filename="a\\b""#, Some("b")),
            (
                "attachment; filename*=UTF-8''..%2F..%2Fevil%0D%0A.sh",
                Some("evil.sh"),
            ),
            (r#"attachment; filename="..""#, None),
            (r#"attachment; filename="dir/""#, None),
            ("attachment; filename*=UTF-8''%2E%2E%5C%2E%2E", None),
        ];
        for (header, want) in cases {
            assert_eq!(disposition_filename(header).as_deref(), want, "{header}");
        }
    }
}
