//! `crm import`: rows from NDJSON or CSV (a file or stdin) into one object, through the
//! runtime's import engine (checks against the snapshot, upsert by `--match`, the journal).
//!
//! Exit codes: 0 every row applied (or, with `--dry-run`, no problem found); 1 some row was
//! rejected or has an unknown outcome, or the journal knows lines the input lacks (a dry run:
//! some row has a problem); 2 the import could not run (bad arguments or input, the snapshot,
//! the journal, or the server refused us).

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use crm_runtime::import::{Outcome, Problem, Report, Row};
use crm_schema::ObjectDef;
use serde_json::Value;

use crate::csv::{Codec, Header};
use crate::{Failure, explain};

/// Exit code: every row applied, or a dry run found nothing to fix.
pub const EXIT_OK: u8 = 0;
/// Exit code: some rows were rejected or have an unknown outcome.
pub const EXIT_ROWS: u8 = 1;
/// Exit code: the import could not run at all.
pub const EXIT_ERROR: u8 = 2;

/// The input's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per line, fields by API name.
    Ndjson,
    /// A header of API names or labels, then one record per row.
    Csv,
}

/// Arguments of `crm import`.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// API name of the object (`accounts`).
    pub object: String,
    /// The rows [default: stdin].
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// The input's format [default: csv for a `.csv` file, else ndjson].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Upsert by this field: a row whose value finds one record updates the fields that
    /// differ; otherwise every row is a create.
    #[arg(long = "match", value_name = "FIELD")]
    pub match_field: Option<String>,
    /// Record each row's outcome here; a rerun with the same file skips applied rows and
    /// never creates a row twice. Locked while the import runs.
    #[arg(long)]
    pub journal: Option<PathBuf>,
    /// Check every row (and look matches up) without writing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Rows applied at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub concurrency: u32,
    /// Write the rejected rows here, in the input's format, to fix and import again.
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// The snapshot directory rows are checked against.
    #[arg(long, default_value = "dictionaries")]
    pub dictionaries: PathBuf,
}

/// One input record as read, kept so a rejected row can be written back unchanged.
enum Raw {
    Line(String),
    Cells(::csv::StringRecord),
}

/// What reading the input left beside the rows: rows that did not parse (line, message), the
/// raw records (kept only for `--rejects`), and a failure that stopped the reading.
struct Input {
    format: Format,
    keep: bool,
    unreadable: Vec<(u64, String)>,
    raw: Vec<(u64, Raw)>,
    csv_header: Option<::csv::StringRecord>,
    failed: Option<Failure>,
}

/// Where rows come from, read one at a time so the input is never in memory whole.
enum Source<'a> {
    Ndjson {
        lines: std::io::Lines<Box<dyn BufRead>>,
        line: u64,
    },
    Csv {
        reader: ::csv::Reader<Box<dyn BufRead>>,
        codec: Codec<'a>,
        columns: Vec<&'a crm_schema::FieldDef>,
    },
}

/// The rows of the input, as the engine pulls them. Reading is blocking: a buffered file or
/// pipe, read a line at a time between requests.
struct Rows<'a, 'i> {
    source: Source<'a>,
    input: &'i mut Input,
}

impl Iterator for Rows<'_, '_> {
    type Item = Row;

    fn next(&mut self) -> Option<Row> {
        loop {
            if self.input.failed.is_some() {
                return None;
            }
            match &mut self.source {
                Source::Ndjson { lines, line } => {
                    let text = match lines.next()? {
                        Ok(t) => t,
                        Err(e) => {
                            self.input.failed = Some(format!("cannot read the input: {e}"));
                            return None;
                        }
                    };
                    *line += 1;
                    let n = *line;
                    let text = text.trim_end_matches('\r');
                    if text.trim().is_empty() {
                        continue;
                    }
                    if self.input.keep {
                        self.input.raw.push((n, Raw::Line(text.to_owned())));
                    }
                    match serde_json::from_str::<Value>(text) {
                        Ok(Value::Object(fields)) => return Some(Row::new(n, fields)),
                        Ok(_) => self.input.unreadable.push((
                            n,
                            "is not a JSON object; give one object per line".to_owned(),
                        )),
                        Err(e) => self
                            .input
                            .unreadable
                            .push((n, format!("is not valid JSON: {e}"))),
                    }
                }
                Source::Csv {
                    reader,
                    codec,
                    columns,
                } => {
                    let mut cells = ::csv::StringRecord::new();
                    match reader.read_record(&mut cells) {
                        Ok(true) => {}
                        Ok(false) => return None,
                        Err(e) => {
                            self.input.failed = Some(match e.position() {
                                Some(p) => format!("CSV line {}: {e}", p.line()),
                                None => format!("CSV: {e}"),
                            });
                            return None;
                        }
                    }
                    let line = cells.position().map_or(0, ::csv::Position::line);
                    let parsed = codec.record(columns, &cells, line).map_err(|first| {
                        // Every bad cell of the row, not only the first the codec met.
                        let mut all: Vec<String> = columns
                            .iter()
                            .zip(cells.iter())
                            .filter_map(|(f, cell)| {
                                let one = ::csv::StringRecord::from(vec![cell]);
                                codec.record(&[*f], &one, line).err()
                            })
                            .collect();
                        if all.is_empty() {
                            all.push(first);
                        }
                        all
                    });
                    if self.input.keep {
                        self.input.raw.push((line, Raw::Cells(cells)));
                    }
                    match parsed {
                        Ok(fields) => return Some(Row::new(line, fields)),
                        Err(all) => {
                            for message in all {
                                // The codec's message already names the line.
                                let message = message
                                    .strip_prefix(&format!("line {line}, "))
                                    .or_else(|| message.strip_prefix(&format!("line {line}: ")))
                                    .unwrap_or(&message)
                                    .to_owned();
                                self.input.unreadable.push((line, message));
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Runs `crm import` and prints its problems and summary on stderr; returns the exit code.
/// `mask` rewrites any text that may quote the server (the token is masked).
pub async fn run_and_print(base_url: &str, args: ImportArgs, mask: impl Fn(&str) -> String) -> u8 {
    match run(base_url, &args, &mask).await {
        Ok(code) => code,
        Err(message) => {
            eprintln!("crm: {}", mask(&message));
            EXIT_ERROR
        }
    }
}

async fn run(
    base_url: &str,
    args: &ImportArgs,
    mask: &impl Fn(&str) -> String,
) -> Result<u8, Failure> {
    let dictionary = crm_schema::load(&args.dictionaries).map_err(|e| e.to_string())?;
    let object = dictionary.object(&args.object).ok_or_else(|| {
        let known: Vec<&str> = dictionary.objects.keys().map(String::as_str).collect();
        format!(
            "the snapshot {} has no object {}; it has {}",
            args.dictionaries.display(),
            args.object,
            known.join(", ")
        )
    })?;
    let (mut input, source) = open_input(args, object)?;
    let client = crate::client(base_url)?;
    let bar = (std::io::stderr().is_terminal() && !args.dry_run).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {pos} rows {per_sec} {elapsed_precise}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar
    });
    let mut import = client
        .import(object)
        .concurrency(args.concurrency as usize)
        .dry_run(args.dry_run)
        .keep_every_report(false);
    if let Some(m) = &args.match_field {
        import = import.match_on(m);
    }
    if let Some(j) = &args.journal {
        import = import.journal(j);
    }
    if let Some(bar) = &bar {
        let bar = bar.clone();
        import = import.on_row(move |_| bar.inc(1));
    }
    let result = import
        .run(Rows {
            source,
            input: &mut input,
        })
        .await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    if let Some(failure) = input.failed.take() {
        return Err(failure);
    }
    let report = result.map_err(|e| {
        // The engine reports a bad match field or journal as a configuration error; the runtime's generic "invalid client configuration" would mislead here.
        let config = e.is_config();
        let text = explain(e);
        match text.strip_prefix("invalid client configuration: ") {
            Some(rest) if config => rest.to_owned(),
            _ => text,
        }
    })?;
    print_report(&report, &input, args, mask)?;
    if let Some(first) = report.orphans.first() {
        eprintln!(
            "crm: the journal records {} line(s) the input does not have (the first: line \
             {first}); they were left alone",
            report.orphans.len()
        );
    }
    let mut summary = report.summary;
    let unreadable: std::collections::BTreeSet<u64> =
        input.unreadable.iter().map(|(l, _)| *l).collect();
    summary.rejected += unreadable.len() as u64;
    let what = if args.dry_run {
        "dry run, nothing written"
    } else {
        "import"
    };
    eprintln!("crm: {} {what}: {summary}", args.object);
    Ok(if summary.is_clean() && report.orphans.is_empty() {
        EXIT_OK
    } else {
        EXIT_ROWS
    })
}

/// Every problem on stderr, one line each with its line number, and the rejects file.
fn print_report(
    report: &Report,
    input: &Input,
    args: &ImportArgs,
    mask: &impl Fn(&str) -> String,
) -> Result<(), Failure> {
    let mut rejected: Vec<u64> = Vec::new();
    let mut lines: Vec<(u64, String)> = input.unreadable.clone();
    for r in &report.rows {
        match &r.outcome {
            Outcome::Rejected { problems } => {
                rejected.push(r.line);
                lines.extend(problems.iter().map(|p: &Problem| (r.line, p.to_string())));
            }
            Outcome::Unknown => lines.push((
                r.line,
                "the create was sent but its answer was lost, and without --match it cannot be \
                 looked up: check by hand whether the record exists (it is never sent again)"
                    .to_owned(),
            )),
            _ => {}
        }
    }
    lines.sort_by_key(|(line, _)| *line);
    let mut err = std::io::stderr().lock();
    for (line, message) in &lines {
        let _ = writeln!(err, "line {line}: {}", mask(message));
    }
    rejected.extend(input.unreadable.iter().map(|(l, _)| *l));
    if let Some(path) = &args.rejects {
        write_rejects(path, input, args.input.as_deref(), &rejected)?;
    }
    Ok(())
}

fn write_rejects(
    path: &Path,
    input: &Input,
    source: Option<&Path>,
    lines: &[u64],
) -> Result<(), Failure> {
    let wanted: std::collections::HashSet<u64> = lines.iter().copied().collect();
    let reread = match source {
        Some(file) if !input.keep => reread(file, input.format, &wanted)?,
        _ => Vec::new(),
    };
    let fail = |e: &dyn std::fmt::Display| format!("cannot write {}: {e}", path.display());
    let file = std::fs::File::create(path).map_err(|e| fail(&e))?;
    let mut out = std::io::BufWriter::new(file);
    let chosen = input
        .raw
        .iter()
        .chain(&reread)
        .filter(|(l, _)| wanted.contains(l));
    match input.format {
        Format::Ndjson => {
            for (_, raw) in chosen {
                if let Raw::Line(text) = raw {
                    writeln!(out, "{text}").map_err(|e| fail(&e))?;
                }
            }
        }
        Format::Csv => {
            let mut w = ::csv::WriterBuilder::new()
                .flexible(true)
                .from_writer(&mut out);
            if let Some(h) = &input.csv_header {
                w.write_record(h).map_err(|e| fail(&e))?;
            }
            for (_, raw) in chosen {
                if let Raw::Cells(cells) = raw {
                    w.write_record(cells).map_err(|e| fail(&e))?;
                }
            }
            w.flush().map_err(|e| fail(&e))?;
        }
    }
    out.flush().map_err(|e| fail(&e))
}

/// The records of `file` at the `wanted` lines, as read the first time.
fn reread(
    file: &Path,
    format: Format,
    wanted: &std::collections::HashSet<u64>,
) -> Result<Vec<(u64, Raw)>, Failure> {
    let fail = |e: &dyn std::fmt::Display| format!("cannot read {} again: {e}", file.display());
    let reader = std::io::BufReader::new(std::fs::File::open(file).map_err(|e| fail(&e))?);
    let mut out = Vec::new();
    match format {
        Format::Ndjson => {
            for (i, text) in reader.lines().enumerate() {
                let text = text.map_err(|e| fail(&e))?;
                if wanted.contains(&(i as u64 + 1)) {
                    let text = text.trim_end_matches('\r').to_owned();
                    out.push((i as u64 + 1, Raw::Line(text)));
                }
            }
        }
        Format::Csv => {
            let mut r = ::csv::ReaderBuilder::new()
                .has_headers(true)
                .flexible(true)
                .from_reader(reader);
            for cells in r.records() {
                let cells = cells.map_err(|e| fail(&e))?;
                let line = cells.position().map_or(0, ::csv::Position::line);
                if wanted.contains(&line) {
                    out.push((line, Raw::Cells(cells)));
                }
            }
        }
    }
    Ok(out)
}

fn open_input<'a>(
    args: &ImportArgs,
    object: &'a ObjectDef,
) -> Result<(Input, Source<'a>), Failure> {
    let format = args.format.unwrap_or(match &args.input {
        Some(p) if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) => Format::Csv,
        _ => Format::Ndjson,
    });
    let reader: Box<dyn BufRead> = match &args.input {
        Some(path) => Box::new(std::io::BufReader::new(
            std::fs::File::open(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        )),
        None => Box::new(std::io::BufReader::new(std::io::stdin())),
    };
    let mut input = Input {
        format,
        // Rejects are written back unchanged: a file is read again for them, stdin cannot be.
        keep: args.rejects.is_some() && args.input.is_none(),
        unreadable: Vec::new(),
        raw: Vec::new(),
        csv_header: None,
        failed: None,
    };
    let source = match format {
        Format::Ndjson => Source::Ndjson {
            lines: reader.lines(),
            line: 0,
        },
        Format::Csv => {
            let codec = Codec::new(object, Header::ApiNames)?;
            let mut reader = ::csv::ReaderBuilder::new()
                .has_headers(true)
                .flexible(true)
                .from_reader(reader);
            let header = reader
                .headers()
                .map_err(|e| format!("CSV header: {e}"))?
                .clone();
            let columns = codec.columns(header.iter())?;
            input.csv_header = Some(header);
            Source::Csv {
                reader,
                codec,
                columns,
            }
        }
    };
    Ok((input, source))
}
