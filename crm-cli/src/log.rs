//! `-v` / `-vv` / `RUST_LOG`: the runtime's tracing on stderr, through a writer that masks the
//! token and escapes control characters, because log lines quote what the server sent.

use std::io::Write;
use std::sync::Arc;

use crm_schema::text::Redactor;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// The crates whose spans and events `-v` turns on; `RUST_LOG` can reach others.
const OURS: &[&str] = &["crm_runtime", "crm_cli", "crm"];

/// Installs the subscriber: `RUST_LOG` when set, else `-v` (info: one line per request with
/// its time), `-vv` (debug: attempts, statuses, retries), `-vvv` (trace). Nothing without
/// either, so stderr stays the one error line scripts read.
pub(crate) fn init(verbose: u8, redactor: Redactor) {
    let from_env = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty());
    let directives = match (from_env, verbose) {
        (Some(env), _) => env,
        (None, 0) => return,
        (None, v) => {
            let level = match v {
                1 => "info",
                2 => "debug",
                _ => "trace",
            };
            OURS.iter()
                .map(|c| format!("{c}={level}"))
                .collect::<Vec<_>>()
                .join(",")
        }
    };
    let redactor = Arc::new(redactor);
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(directives))
        // Colours would be ESC sequences of our own; without them every ESC on the line came
        // from outside, and is escaped.
        .with_ansi(false)
        .with_span_events(FmtSpan::CLOSE)
        .with_writer(move || Sanitised {
            buf: Vec::new(),
            redactor: Arc::clone(&redactor),
        })
        .finish();
    // A second subscriber cannot be installed; the first one stays, which is what we want.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Collects one formatted event and writes it, cleaned line by line, when dropped.
struct Sanitised {
    buf: Vec<u8>,
    redactor: Arc<Redactor>,
}

impl Write for Sanitised {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&self.buf);
        let mut out = String::with_capacity(text.len());
        for line in text.split_inclusive('\n') {
            let (body, end) = match line.strip_suffix('\n') {
                Some(body) => (body, "\n"),
                None => (line, ""),
            };
            out.push_str(&self.redactor.line(body));
            out.push_str(end);
        }
        self.buf.clear();
        std::io::stderr().lock().write_all(out.as_bytes())
    }
}

impl Drop for Sanitised {
    fn drop(&mut self) {
        // A log line that cannot be written has nowhere else to go.
        let _ = self.flush();
    }
}
