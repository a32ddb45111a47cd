//! The subcommands. Each returns `Err(one line)` for `main` to print.

use std::io::{IsTerminal, Write};

use crm_runtime::{Client, PageSize};
use futures::TryStreamExt;

use crate::ApiCommand as Command;
use crm_cli::{client, explain, one_line};

use crm_cli::Failure;

fn check_json(what: &str, text: &str) -> Result<(), Failure> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        Ok(_) => Err(format!("--{what} must be a JSON object, got `{text}`")),
        Err(e) => Err(format!("--{what} is not valid JSON ({e}): `{text}`")),
    }
}

/// Writes to stdout; a closed pipe (`crm export ... | head`) ends the command quietly.
struct Out {
    inner: std::io::BufWriter<std::io::StdoutLock<'static>>,
}

enum WriteEnd {
    Closed,
    Failed(String),
}

impl Out {
    fn new() -> Self {
        Out {
            inner: std::io::BufWriter::with_capacity(256 * 1024, std::io::stdout().lock()),
        }
    }
    fn line(&mut self, text: &str) -> Result<(), WriteEnd> {
        self.inner
            .write_all(text.as_bytes())
            .and_then(|()| self.inner.write_all(b"\n"))
            .map_err(Self::end)
    }
    fn bytes(&mut self, bytes: &[u8]) -> Result<(), WriteEnd> {
        self.inner.write_all(bytes).map_err(Self::end)
    }
    fn flush(&mut self) -> Result<(), WriteEnd> {
        self.inner.flush().map_err(Self::end)
    }
    fn end(e: std::io::Error) -> WriteEnd {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            WriteEnd::Closed
        } else {
            WriteEnd::Failed(format!("cannot write to stdout: {e}"))
        }
    }
}

fn finish(r: Result<(), WriteEnd>) -> Result<(), Failure> {
    match r {
        Ok(()) | Err(WriteEnd::Closed) => Ok(()),
        Err(WriteEnd::Failed(m)) => Err(m),
    }
}

/// A JSON body "as received" for the terminal: the token masked, and CRs dropped (valid JSON
/// holds raw control characters only as whitespace, where CR can only do harm).
async fn as_received(client: &Client, body: &[u8]) -> String {
    let masked = client.redactor().await.mask_bytes(body).into_owned();
    String::from_utf8_lossy(&masked).replace('\r', "")
}

pub(crate) async fn run(base_url: &str, command: Command) -> Result<(), Failure> {
    let client = client(base_url)?;
    match command {
        Command::Export {
            object,
            q,
            order,
            page_size,
            prefetch,
            allow_partial,
            since,
            format,
            labels,
        } => {
            let since = since
                .map(|s| crm_cli::sync::parse_timestamp("--since", &s))
                .transpose()?;
            if labels && format != crate::Format::Csv {
                return Err("--labels names CSV columns: use it with --format csv".to_owned());
            }
            let header = match format {
                crate::Format::Ndjson => None,
                crate::Format::Csv if labels => Some(crm_cli::csv::Header::Labels),
                crate::Format::Csv => Some(crm_cli::csv::Header::ApiNames),
            };
            let options = ExportOptions {
                page_size,
                prefetch: prefetch as usize,
                allow_partial,
                since,
                csv: header,
            };
            export(&client, &object, q, order, options).await
        }
        Command::Get { object, id } => {
            let record = client.object(object).get(id).await.map_err(explain)?;
            let mut out = Out::new();
            finish(
                out.line(&one_line(record.json()))
                    .and_then(|()| out.flush()),
            )
        }
        Command::Count { object, q } => {
            let mut query = client.object(object).list();
            if let Some(q) = q {
                check_json("q", &q)?;
                query = query.q_json(q);
            }
            let n = query.count().await.map_err(explain)?;
            let mut out = Out::new();
            finish(out.line(&n.to_string()).and_then(|()| out.flush()))
        }
        Command::Dictionary { object } => {
            let body = client.dictionary_raw(&object).await.map_err(explain)?;
            let text = as_received(&client, &body).await;
            let mut out = Out::new();
            finish(out.line(text.trim_end()).and_then(|()| out.flush()))
        }
        Command::Lookup {
            object,
            field,
            json,
        } => {
            let mut out = Out::new();
            if json {
                let body = client.lookup_raw(&object, &field).await.map_err(explain)?;
                let text = as_received(&client, &body).await;
                return finish(out.line(text.trim_end()).and_then(|()| out.flush()));
            }
            let values = client
                .lookup_values(&object, &field)
                .await
                .map_err(explain)?;
            let redactor = client.redactor().await;
            let r = values
                .iter()
                .try_for_each(|v| out.line(&redactor.line(&v.value)))
                .and_then(|()| out.flush());
            finish(r)
        }
    }
}

struct ExportOptions {
    page_size: u32,
    prefetch: usize,
    allow_partial: bool,
    since: Option<crm_runtime::DateTime>,
    /// CSV with this header; NDJSON when `None`.
    csv: Option<crm_cli::csv::Header>,
}

/// The object's fields as the tenant's data dictionary lists them: the columns of a CSV export
/// are the fields its records carry, custom ones included, whatever snapshot is at hand.
async fn live_object(client: &Client, object: &str) -> Result<crm_schema::ObjectDef, Failure> {
    let body = client.dictionary_raw(object).await.map_err(explain)?;
    let source = crm_schema::Source::for_base_url(client.base_url());
    crm_schema::raw::parse_dictionary_response(object, &body, source, None)
        .map_err(|e| format!("GET /datadictionary/{object}: {e}"))
}

/// How an export stopped early.
enum Stop {
    /// The server's pages were inconsistent; the records before it are written.
    Verdict(crm_runtime::Error),
    Other(Failure),
}

async fn export(
    client: &Client,
    object: &str,
    q: Option<String>,
    order: Option<String>,
    options: ExportOptions,
) -> Result<(), Failure> {
    let page_size = options.page_size;
    let size = PageSize::new(page_size)
        .ok_or_else(|| format!("--page-size must be 1 to 100, got {page_size}"))?;
    let mut query = client
        .object(object)
        .list()
        .limit(size)
        .prefetch(options.prefetch);
    if let Some(q) = q {
        check_json("q", &q)?;
        query = query.q_json(q);
    }
    if let Some(order) = order {
        check_json("order", &order)?;
        query = query.order_json(order);
    }
    if let Some(since) = options.since {
        query = query.modified_since(since);
    }
    let object_def = match options.csv {
        Some(_) => Some(live_object(client, object).await?),
        None => None,
    };
    let mut rows = match (&object_def, options.csv) {
        (Some(def), Some(header)) => Some(crm_cli::csv::Codec::new(def, header)?.rows()),
        _ => None,
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {pos}/{len} records {per_sec} {elapsed_precise} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar
    });
    let mut pages = query.pages();
    let mut out = Out::new();
    let mut written = 0u64;
    let result: Result<(), Stop> = async {
        if let Some(rows) = &mut rows {
            let header = rows.header().map_err(Stop::Other)?;
            match out.bytes(&header) {
                Ok(()) => {}
                Err(WriteEnd::Closed) => return Ok(()),
                Err(WriteEnd::Failed(m)) => return Err(Stop::Other(m)),
            }
        }
        loop {
            let page = match pages.try_next().await {
                Ok(Some(page)) => page,
                Ok(None) => break,
                Err(e) if e.is_pagination() => return Err(Stop::Verdict(e)),
                Err(e) => return Err(Stop::Other(explain(e))),
            };
            if let (Some(bar), Some(total)) = (&bar, page.total_count()) {
                bar.set_length(total);
            }
            for record in page.records() {
                let line = match &mut rows {
                    None => out.line(&one_line(record.json())),
                    Some(rows) => {
                        let row = record
                            .to_map()
                            .map_err(explain)
                            .and_then(|map| rows.row(&map))
                            .map_err(|e| match record.id() {
                                Some(id) => Stop::Other(format!("record {id}: {e}")),
                                None => Stop::Other(e),
                            })?;
                        out.bytes(&row)
                    }
                };
                match line {
                    Ok(()) => written += 1,
                    Err(WriteEnd::Closed) => return Ok(()),
                    Err(WriteEnd::Failed(m)) => return Err(Stop::Other(m)),
                }
            }
            if let Some(bar) = &bar {
                bar.set_position(written);
            }
        }
        Ok(())
    }
    .await;
    // What was written stays written, whatever stopped the export.
    let flushed = finish(out.flush());
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    match result {
        Ok(()) => flushed,
        Err(Stop::Other(e)) => Err(format!("{e} (after {written} records)")),
        // The verdict carries its own counts.
        Err(Stop::Verdict(e)) if !options.allow_partial => Err(explain(e)),
        Err(Stop::Verdict(e)) => {
            flushed?;
            eprintln!("crm: {}", partial_summary(e, written));
            Ok(())
        }
    }
}

/// The stderr line of an export accepted with `--allow-partial`.
fn partial_summary(e: crm_runtime::Error, written: u64) -> String {
    let mut line = format!("partial export accepted: {written} records written");
    if let Some(v) = e.pagination() {
        line.push_str(&format!(", {} distinct ids", v.distinct_ids()));
        if let Some(n) = v.announced() {
            line.push_str(&format!(", {n} announced"));
        }
    }
    line.push_str(&format!(" ({})", explain(e)));
    line
}
