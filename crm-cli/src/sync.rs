//! `crm sync OBJECT --state FILE --out FILE`: appends the records created or modified since
//! the last run as NDJSON, and survives a kill at any instant without losing a record or
//! writing one twice.
//!
//! The state file (JSON, replaced atomically: temp file, fsync, rename, fsync of the directory;
//! temp files a kill left behind are removed when a run completes) holds:
//! - `watermark`: the `since` of the next run. It is taken at the start of a run from the
//!   server's `Date` header (the local clock when there is none), minus `--overlap`, so a
//!   record written while the run pages past its id is still picked up next time;
//! - `seen`: the (id, `modifieddate`) pairs already written whose stamp is at or after the
//!   watermark. The next run meets them again and skips them, so the overlap costs requests,
//!   never duplicates. Stamps in the future (a clock ahead, seeded data) stay here until the
//!   watermark passes them;
//! - `run`: the run in progress: its `since`, its next watermark, the keyset cursor (the last
//!   id of the last page written) and the output's length at that checkpoint, plus what it
//!   wrote that belongs in `seen`.
//!
//! A run checkpoints before it writes anything and after each page (output flushed and synced
//! first, then the state). Started again after a kill, it truncates the output to the
//! checkpointed length (dropping a page appended but not checkpointed) and pages on after the
//! cursor. Everything a run needs is checked before anything is written, so a corrupt or
//! foreign state file, or an output that is not the one the state describes, changes nothing.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crm_runtime::{Client, DateTime, PageSize, RawRecord};
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};

use crate::{Failure, explain};

/// The arguments of `crm sync`.
#[derive(Debug, Clone, clap::Args)]
pub struct SyncArgs {
    /// API name of the object (`accounts`).
    pub object: String,
    /// The state file: the watermark and the checkpoint of an interrupted run. Created by the
    /// first run.
    #[arg(long)]
    pub state: PathBuf,
    /// The NDJSON file records are appended to.
    #[arg(long)]
    pub out: PathBuf,
    /// Seconds the watermark is set back from the start of a run: covers writes that commit
    /// late and a tenant clock behind the server's `Date` (records seen again are skipped).
    #[arg(long, default_value_t = 300)]
    pub overlap: u64,
}

/// What a run did; [`Summary::line`] words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Pages received.
    pub pages: u64,
    /// Records appended.
    pub written: u64,
    /// Records skipped because an earlier run wrote them with the same `modifieddate`.
    pub skipped: u64,
    /// Whether the run continued one that was interrupted.
    pub resumed: bool,
    /// The `since` of the next run.
    pub watermark: String,
}

impl Summary {
    /// The one-line summary `crm sync` prints on stderr.
    pub fn line(&self, object: &str) -> String {
        format!(
            "sync {object}: {}{} pages, {} records written, {} skipped as already seen; next run from {}",
            if self.resumed {
                "resumed an interrupted run, "
            } else {
                ""
            },
            self.pages,
            self.written,
            self.skipped,
            self.watermark
        )
    }
}

const FORMAT: u32 = 1;
const KIND: &str = "crm-sync-state";

/// A record as the state remembers it: id and `modifieddate` as the server sent it.
type Seen = (u64, Option<String>);

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct State {
    format: u32,
    kind: String,
    base_url: String,
    object: String,
    /// The output file, absolute: a checkpoint truncates it, so it must be the same file.
    output: PathBuf,
    watermark: Option<String>,
    seen: Vec<Seen>,
    run: Option<Run>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Run {
    since: Option<String>,
    next_watermark: String,
    cursor: Option<u64>,
    output_bytes: u64,
    /// Written by this run, at or after `next_watermark`.
    written: Vec<Seen>,
}

/// Parses a timestamp flag: the API's own `YYYY-MM-DD HH:MM:SS` (also with a fraction, a `T`,
/// or a date alone), taken as it is, or RFC 3339 with a zone, converted to UTC, the clock the
/// API's stamps are taken to be in.
pub fn parse_timestamp(flag: &str, text: &str) -> Result<DateTime, Failure> {
    let t = text.trim();
    if let Ok(zoned) =
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
    {
        let utc = zoned.to_offset(time::UtcOffset::UTC);
        return Ok(DateTime(time::PrimitiveDateTime::new(
            utc.date(),
            utc.time(),
        )));
    }
    t.parse::<DateTime>().map_err(|_| {
        format!(
            "{flag} must be `YYYY-MM-DD HH:MM:SS` (the API's clock) or RFC 3339 \
             (`2026-12-01T13:00:00Z`), got `{text}`"
        )
    })
}

/// `t` in UTC, to the second: the resolution of the server's stamps and of `Date`.
fn stamp(t: SystemTime) -> DateTime {
    let t = time::OffsetDateTime::from(t);
    let second = t.time().replace_nanosecond(0).unwrap_or(t.time());
    DateTime(time::PrimitiveDateTime::new(t.date(), second))
}

/// The absolute form of `path`, which may not exist yet (its directory must).
fn absolute(path: &Path) -> Result<PathBuf, Failure> {
    std::path::absolute(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_state(path: &Path) -> Result<Option<State>, Failure> {
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read state file {}: {e}", path.display())),
    };
    let state: State = serde_json::from_slice(&text).map_err(|e| {
        format!(
            "{} is not a crm sync state file ({e}); nothing was changed",
            path.display()
        )
    })?;
    if state.kind != KIND || state.format != FORMAT {
        return Err(format!(
            "{} is not a crm sync state file (kind `{}`, format {}); nothing was changed",
            path.display(),
            state.kind,
            state.format
        ));
    }
    let bad_stamp = state
        .watermark
        .iter()
        .chain(state.run.iter().flat_map(|r| r.since.iter()))
        .chain(state.run.iter().map(|r| &r.next_watermark))
        .find(|s| s.parse::<DateTime>().is_err());
    if let Some(s) = bad_stamp {
        return Err(format!(
            "{} is not a crm sync state file (watermark `{s}`); nothing was changed",
            path.display()
        ));
    }
    Ok(Some(state))
}

/// The directory a state file is in (`.` for a bare file name).
fn directory_of(state: &Path) -> &Path {
    match state.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// The name a temporary state file starts with: hidden, and named after the state file, so
/// that the ones a kill left behind can be told apart and removed.
fn temp_prefix(state: &Path) -> String {
    let name = state.file_name().unwrap_or_default().to_string_lossy();
    format!(".{name}.")
}

/// Removes the temporary state files that runs killed while writing one left beside `state`.
/// Best effort: a file that cannot be listed or removed stays, and harms nothing.
fn remove_stale_temps(state: &Path) {
    let dir = directory_of(state);
    let prefix = temp_prefix(state);
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&prefix) && name.ends_with(".tmp") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Replaces `path` with `state` so that a kill leaves the old file or the new, whole.
fn write_state(path: &Path, state: &State) -> Result<(), Failure> {
    let fail = |e: io::Error| format!("cannot write state file {}: {e}", path.display());
    let dir = directory_of(path);
    let mut tmp = tempfile::Builder::new()
        .prefix(&temp_prefix(path))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    serde_json::to_writer(&mut tmp, state).map_err(|e| fail(e.into()))?;
    tmp.write_all(b"\n").map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    // The rename itself is durable only once the directory is.
    File::open(dir).and_then(|d| d.sync_all()).map_err(fail)?;
    Ok(())
}

/// The output, opened for appending at the checkpointed length, locked against a second
/// `crm sync` on the same file.
struct Output {
    path: PathBuf,
    file: BufWriter<File>,
    len: u64,
}

impl Output {
    fn open(path: &Path, checkpoint: Option<u64>) -> Result<Output, Failure> {
        let fail = |e: io::Error| format!("cannot open output {}: {e}", path.display());
        let file = OpenOptions::new()
            .create(true)
            .read(true)
            .write(true)
            .truncate(false)
            .open(path)
            .map_err(fail)?;
        rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive).map_err(
            |_| {
                format!(
                    "{} is in use by another crm sync; nothing was changed",
                    path.display()
                )
            },
        )?;
        let len = file.metadata().map_err(fail)?.len();
        let len = match checkpoint {
            None => len,
            Some(at) if at > len => {
                return Err(format!(
                    "{} has {len} bytes, fewer than the {at} the state file's checkpoint says \
                     were written: it was changed outside crm sync; nothing was changed",
                    path.display()
                ));
            }
            Some(at) => {
                // Drops what an interrupted run appended after its last checkpoint.
                file.set_len(at).map_err(fail)?;
                file.sync_data().map_err(fail)?;
                at
            }
        };
        let mut file = file;
        file.seek(SeekFrom::Start(len)).map_err(fail)?;
        Ok(Output {
            path: path.to_owned(),
            file: BufWriter::with_capacity(256 * 1024, file),
            len,
        })
    }

    fn line(&mut self, text: &str) -> Result<(), Failure> {
        self.file
            .write_all(text.as_bytes())
            .and_then(|()| self.file.write_all(b"\n"))
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))?;
        self.len += text.len() as u64 + 1;
        Ok(())
    }

    /// Everything written so far is on disk.
    fn sync(&mut self) -> Result<(), Failure> {
        self.file
            .flush()
            .and_then(|()| self.file.get_ref().sync_data())
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))
    }
}

/// The two fields the sync reads of each record, without decoding the rest.
#[derive(Deserialize)]
struct Stamped {
    id: Option<u64>,
    #[serde(default, rename = "modifieddate")]
    modified: Option<serde_json::Value>,
}

fn stamped(record: &RawRecord) -> Result<Seen, Failure> {
    let s: Stamped = serde_json::from_str(record.json())
        .map_err(|e| format!("a record without a readable id: {e}"))?;
    let id =
        s.id.ok_or_else(|| "a record without an id: it cannot be synced".to_owned())?;
    let modified = match s.modified {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(t)) => Some(t),
        Some(other) => Some(other.to_string()),
    };
    Ok((id, modified))
}

/// Whether `seen` is at or after `watermark`, so a run since it meets the record again.
fn within(seen: &Seen, watermark: &DateTime) -> bool {
    seen.1
        .as_deref()
        .and_then(|m| m.parse::<DateTime>().ok())
        .is_some_and(|m| m >= *watermark)
}

/// Runs one sync (or finishes an interrupted one) and says what it did.
pub async fn run(client: &Client, args: &SyncArgs) -> Result<Summary, Failure> {
    let output = absolute(&args.out)?;
    let old = read_state(&args.state)?;
    if let Some(s) = &old {
        if s.object != args.object || s.base_url != client.base_url() {
            return Err(format!(
                "state file {} is for {} at {}, not {} at {}; nothing was changed",
                args.state.display(),
                s.object,
                s.base_url,
                args.object,
                client.base_url()
            ));
        }
        if s.output != output {
            return Err(format!(
                "state file {} belongs to output {}, not {}; nothing was changed",
                args.state.display(),
                s.output.display(),
                output.display()
            ));
        }
    }
    let mut state = old.unwrap_or_else(|| State {
        format: FORMAT,
        kind: KIND.to_owned(),
        base_url: client.base_url().to_owned(),
        object: args.object.clone(),
        output: output.clone(),
        watermark: None,
        seen: Vec::new(),
        run: None,
    });
    let resumed = state.run.is_some();
    let mut started = None;
    if !resumed {
        // One small request first: its `Date` is the server's clock at the start of the run.
        client
            .object(args.object.as_str())
            .list()
            .limit(PageSize::new(1).unwrap_or(PageSize::MAX))
            .send()
            .await
            .map_err(explain)?;
        let now = client.server_date().unwrap_or_else(SystemTime::now);
        let next = now
            .checked_sub(Duration::from_secs(args.overlap))
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let out = Output::open(&output, None)?;
        state.run = Some(Run {
            since: state.watermark.clone(),
            next_watermark: stamp(next).to_string(),
            cursor: None,
            output_bytes: out.len,
            written: Vec::new(),
        });
        write_state(&args.state, &state)?;
        started = Some(out);
    }
    let Some(run) = state.run.clone() else {
        return Err("the state file lost its run".to_owned());
    };
    let mut out = match started {
        Some(out) => out,
        None => Output::open(&output, Some(run.output_bytes))?,
    };
    let next_watermark: DateTime = run
        .next_watermark
        .parse()
        .map_err(|_| format!("bad watermark {}", run.next_watermark))?;
    let seen: HashSet<Seen> = state.seen.iter().cloned().collect();

    let mut query = client
        .object(args.object.as_str())
        .list()
        .limit(PageSize::MAX);
    if let Some(since) = &run.since {
        let since: DateTime = since
            .parse()
            .map_err(|_| format!("bad watermark {since}"))?;
        query = query.modified_since(since);
    }
    if let Some(cursor) = run.cursor {
        query = query.q_json(serde_json::json!({ "id": { "$gt": cursor } }).to_string());
    }
    let mut pages = query.pages();
    let mut summary = Summary {
        pages: 0,
        written: 0,
        skipped: 0,
        resumed,
        watermark: run.next_watermark.clone(),
    };
    let mut checkpoint = run;
    while let Some(page) = pages.try_next().await.map_err(|e| {
        format!(
            "{} (after {} records; run again to continue)",
            explain(e),
            summary.written
        )
    })? {
        summary.pages += 1;
        for record in page.records() {
            let pair = stamped(record)?;
            // Ids ascend, so an id at or below the cursor was handled by this run already: a
            // server that ignores the id condition (the stream then pages by number) or
            // shifts a page must not make it written twice.
            if checkpoint.cursor.is_some_and(|c| pair.0 <= c) {
                summary.skipped += 1;
                continue;
            }
            checkpoint.cursor = Some(pair.0);
            if seen.contains(&pair) {
                summary.skipped += 1;
                continue;
            }
            out.line(&crate::one_line(record.json()))?;
            summary.written += 1;
            if within(&pair, &next_watermark) {
                checkpoint.written.push(pair);
            }
        }
        out.sync()?;
        checkpoint.output_bytes = out.len;
        state.run = Some(checkpoint.clone());
        write_state(&args.state, &state)?;
    }
    out.sync()?;
    let mut kept: Vec<Seen> = state
        .seen
        .drain(..)
        .chain(checkpoint.written)
        .filter(|s| within(s, &next_watermark))
        .collect();
    kept.sort();
    kept.dedup();
    state.seen = kept;
    state.watermark = Some(checkpoint.next_watermark);
    state.run = None;
    write_state(&args.state, &state)?;
    remove_stale_temps(&args.state);
    Ok(summary)
}
