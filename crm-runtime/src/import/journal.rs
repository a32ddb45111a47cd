//! The import journal: an append-only NDJSON file, each entry flushed and fsynced before the
//! engine goes on, so that after a crash at any moment it tells which rows were applied.
//!
//! ```text
//! {"journal":1,"object":"accounts","match":"name"}
//! {"line":2,"hash":"9f2c...","intent":"create"}
//! {"line":2,"hash":"9f2c...","outcome":"created","id":17}
//! {"line":3,"hash":"51aa...","outcome":"updated","id":4,"fields":["phone"]}
//! {"line":4,"hash":"07be...","outcome":"unchanged","id":9}
//! {"line":5,"hash":"c3d0...","outcome":"rejected","problems":[{"field":"name","message":"..."}]}
//! {"line":6,"hash":"e811...","outcome":"unknown"}
//! ```
//!
//! The first line names the object and the match field, so a rerun with other settings is
//! refused. A row is its input line number plus a hash of its fields; a later entry for a line
//! supersedes an earlier one. A torn last line (a kill mid-write) is dropped on reopening.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::{Outcome, Problem};
use crate::error::{Error, Kind};

const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Header {
    journal: u32,
    object: String,
    #[serde(rename = "match")]
    match_field: Option<String>,
}

/// One journal line after the header.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub(crate) line: u64,
    pub(crate) hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) intent: Option<Intent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) outcome: Option<Recorded>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) id: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) fields: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) problems: Vec<Problem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Intent {
    Create,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Recorded {
    Created,
    Updated,
    Unchanged,
    Rejected,
    Unknown,
}

/// What the journal says about one line: its hash, its last outcome, and whether a create
/// was sent after that outcome without an outcome of its own.
#[derive(Debug, Clone)]
pub(crate) struct LineState {
    pub(crate) hash: String,
    pub(crate) outcome: Option<Outcome>,
    pub(crate) open_intent: bool,
}

impl Entry {
    pub(crate) fn intent(line: u64, hash: &str) -> Entry {
        Entry {
            line,
            hash: hash.to_owned(),
            intent: Some(Intent::Create),
            outcome: None,
            id: None,
            fields: Vec::new(),
            problems: Vec::new(),
        }
    }

    pub(crate) fn outcome(line: u64, hash: &str, outcome: &Outcome) -> Entry {
        let mut e = Entry {
            line,
            hash: hash.to_owned(),
            intent: None,
            outcome: None,
            id: None,
            fields: Vec::new(),
            problems: Vec::new(),
        };
        let recorded = match outcome {
            Outcome::Created { id } => {
                e.id = Some(*id);
                Recorded::Created
            }
            Outcome::Updated { id, fields } => {
                e.id = Some(*id);
                e.fields = fields.clone();
                Recorded::Updated
            }
            Outcome::Unchanged { id } => {
                e.id = Some(*id);
                Recorded::Unchanged
            }
            Outcome::Rejected { problems } => {
                e.problems = problems.clone();
                Recorded::Rejected
            }
            // Plans of a dry run are never written; an unknown outcome is.
            Outcome::Unknown | Outcome::WouldCreate | Outcome::WouldUpdate { .. } => {
                Recorded::Unknown
            }
        };
        e.outcome = Some(recorded);
        e
    }

    fn to_outcome(&self) -> Option<Outcome> {
        let id = self.id.unwrap_or(0);
        Some(match self.outcome? {
            Recorded::Created => Outcome::Created { id },
            Recorded::Updated => Outcome::Updated {
                id,
                fields: self.fields.clone(),
            },
            Recorded::Unchanged => Outcome::Unchanged { id },
            Recorded::Rejected => Outcome::Rejected {
                problems: self.problems.clone(),
            },
            Recorded::Unknown => Outcome::Unknown,
        })
    }
}

/// An open journal: what it held when opened, and the file new entries go to.
pub(crate) struct Journal {
    path: PathBuf,
    file: Option<Arc<Shared>>,
}

/// The file, shared with the blocking threads that write and sync it.
struct Shared {
    /// The file and the number of entries written to it so far.
    written: Mutex<(File, u64)>,
    /// A second handle of the same file for `fsync`, so writers need not wait for a sync.
    sync_handle: File,
    /// Entries known to be on disk; its lock lets one sync run at a time.
    synced: Mutex<u64>,
}

fn io(path: &Path, what: &str, e: &std::io::Error) -> Error {
    Error::new(Kind::Io).with_detail(format!("journal {}: {what}: {e}", path.display()))
}

impl Journal {
    /// Opens (creating unless `read_only`) the journal at `path` for `object` matched on
    /// `match_field`, and returns what it records per line.
    pub(crate) fn open(
        path: &Path,
        object: &str,
        match_field: Option<&str>,
        read_only: bool,
    ) -> Result<(Journal, HashMap<u64, LineState>), Error> {
        let mut text = String::new();
        let file = if read_only {
            match File::open(path) {
                Ok(mut f) => {
                    f.read_to_string(&mut text)
                        .map_err(|e| io(path, "cannot read it", &e))?;
                    None
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(io(path, "cannot open it", &e)),
            }
        } else {
            let mut f = OpenOptions::new()
                .read(true)
                .append(true)
                .create(true)
                .open(path)
                .map_err(|e| io(path, "cannot open it", &e))?;
            // Two runs appending to one journal would each trust entries the other wrote for
            // its own rows; the second is refused before it reads or sends anything. The lock
            // lasts as long as the file is open, and the system drops it when a run is killed.
            f.try_lock().map_err(|e| match e {
                std::fs::TryLockError::WouldBlock => Error::new(Kind::Config).with_detail(format!(
                    "journal {} is in use by another import; nothing was sent. Wait for it to \
                     end, or give this import its own journal",
                    path.display()
                )),
                std::fs::TryLockError::Error(e) => io(path, "cannot lock it", &e),
            })?;
            f.read_to_string(&mut text)
                .map_err(|e| io(path, "cannot read it", &e))?;
            // A kill mid-write leaves a line without its newline: drop it, it recorded nothing
            // the engine relied on (an entry counts only once fsynced whole).
            let whole = text.rfind('\n').map_or(0, |i| i + 1);
            if whole < text.len() {
                f.set_len(whole as u64)
                    .map_err(|e| io(path, "cannot drop its torn last line", &e))?;
                text.truncate(whole);
            }
            f.seek(SeekFrom::End(0))
                .map_err(|e| io(path, "cannot seek", &e))?;
            Some(f)
        };
        let mut lines = text.lines().enumerate();
        let mut states = HashMap::new();
        let mut journal = Journal {
            path: path.to_owned(),
            file: match file {
                Some(f) => {
                    let sync_handle = f
                        .try_clone()
                        .map_err(|e| io(path, "cannot open it twice", &e))?;
                    Some(Arc::new(Shared {
                        written: Mutex::new((f, 0)),
                        sync_handle,
                        synced: Mutex::new(0),
                    }))
                }
                None => None,
            },
        };
        match lines.next() {
            None => {
                let header = Header {
                    journal: VERSION,
                    object: object.to_owned(),
                    match_field: match_field.map(str::to_owned),
                };
                if let Some(shared) = &journal.file {
                    let line = encode(&header)?;
                    write_durably(shared, &line).map_err(|e| io(path, "cannot write it", &e))?;
                }
            }
            Some((_, first)) => {
                let header: Header = serde_json::from_str(first).map_err(|e| {
                    Error::new(Kind::Config).with_detail(format!(
                        "{} is not an import journal (line 1: {e}); give a new file",
                        path.display()
                    ))
                })?;
                if header.journal != VERSION
                    || header.object != object
                    || header.match_field.as_deref() != match_field
                {
                    let m = |f: Option<&str>| {
                        f.map_or("no match field".to_owned(), |f| format!("match field {f}"))
                    };
                    return Err(Error::new(Kind::Config).with_detail(format!(
                        "journal {} records an import of {} with {}, not of {object} with {}; \
                         rerun with the same settings or give a new journal",
                        path.display(),
                        header.object,
                        m(header.match_field.as_deref()),
                        m(match_field)
                    )));
                }
            }
        }
        for (i, text) in lines {
            let entry: Entry = serde_json::from_str(text).map_err(|e| {
                Error::new(Kind::Config).with_detail(format!(
                    "journal {} line {}: {e}; it was edited or is not a journal",
                    path.display(),
                    i + 1
                ))
            })?;
            let state = states.entry(entry.line).or_insert_with(|| LineState {
                hash: entry.hash.clone(),
                outcome: None,
                open_intent: false,
            });
            state.hash = entry.hash.clone();
            if entry.intent.is_some() {
                state.open_intent = true;
            }
            if let Some(outcome) = entry.to_outcome() {
                state.outcome = Some(outcome);
                state.open_intent = false;
            }
        }
        journal.path = path.to_owned();
        Ok((journal, states))
    }

    /// Appends one entry and returns once it is on disk. Entries appended at the same time
    /// share one `fsync` (group commit): with 8 rows in flight, a sync per entry would
    /// otherwise dominate an import's time.
    pub(crate) async fn append(&self, entry: &Entry) -> Result<(), Error> {
        let Some(shared) = &self.file else {
            return Ok(());
        };
        let line = encode(entry)?;
        let shared = shared.clone();
        // On the blocking pool: a sync takes milliseconds and must not stall the runtime's
        // workers, and several entries must be able to wait for one sync together.
        let done = tokio::task::spawn_blocking(move || write_durably(&shared, &line)).await;
        match done {
            Ok(r) => r.map_err(|e| io(&self.path, "cannot write it", &e)),
            Err(e) => Err(Error::new(Kind::Io).with_detail(format!(
                "journal {}: the writing thread failed: {e}",
                self.path.display()
            ))),
        }
    }
}

fn encode<T: Serialize>(value: &T) -> Result<String, Error> {
    let mut text = serde_json::to_string(value).map_err(|e| {
        Error::new(Kind::Io).with_detail(format!("cannot encode a journal entry: {e}"))
    })?;
    text.push('\n');
    Ok(text)
}

/// Writes one whole line, then makes sure a sync covering it has completed. A lock poisoned by
/// a panicking writer still guards a file that holds only whole lines, so it is used anyway.
fn write_durably(shared: &Shared, line: &str) -> std::io::Result<()> {
    let seq = {
        let mut w = shared
            .written
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        w.0.write_all(line.as_bytes())?;
        w.1 += 1;
        w.1
    };
    let mut synced = shared
        .synced
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if *synced >= seq {
        return Ok(());
    }
    // Every entry counted here was written in full before the sync starts.
    let target = shared
        .written
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .1;
    shared.sync_handle.sync_data()?;
    *synced = target;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("crm-journal-{}-{name}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        dir
    }

    #[tokio::test]
    async fn a_torn_last_line_is_dropped_and_the_rest_kept() {
        let path = temp("torn");
        let (j, states) = Journal::open(&path, "accounts", Some("name"), false).unwrap();
        assert!(states.is_empty());
        j.append(&Entry::intent(2, "h2")).await.unwrap();
        j.append(&Entry::outcome(2, "h2", &Outcome::Created { id: 9 }))
            .await
            .unwrap();
        j.append(&Entry::intent(3, "h3")).await.unwrap();
        drop(j);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"line":4,"hash":"h4","out"#).unwrap();
        drop(f);
        let (_j, states) = Journal::open(&path, "accounts", Some("name"), false).unwrap();
        assert_eq!(states[&2].outcome, Some(Outcome::Created { id: 9 }));
        assert!(!states[&2].open_intent);
        assert!(states[&3].open_intent && states[&3].outcome.is_none());
        assert!(!states.contains_key(&4));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.ends_with('\n') && !text.contains("\"line\":4"));
        std::fs::remove_file(&path).unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn entries_appended_at_once_all_arrive_whole() {
        let path = temp("group");
        let (j, _) = Journal::open(&path, "accounts", None, false).unwrap();
        let j = Arc::new(j);
        let tasks: Vec<_> = (0..200u64)
            .map(|line| {
                let j = j.clone();
                tokio::spawn(async move {
                    let outcome = Outcome::Unchanged { id: line };
                    j.append(&Entry::outcome(line, "h", &outcome)).await
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let (_j, states) = Journal::open(&path, "accounts", None, true).unwrap();
        assert_eq!(states.len(), 200);
        assert_eq!(states[&7].outcome, Some(Outcome::Unchanged { id: 7 }));
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn another_import_or_a_foreign_file_is_refused() {
        let path = temp("other");
        drop(Journal::open(&path, "accounts", None, false).unwrap());
        let err = Journal::open(&path, "contacts", None, false).err().unwrap();
        assert_eq!(
            err.to_string(),
            format!(
                "invalid client configuration: journal {} records an import of accounts with no \
                 match field, not of contacts with no match field; rerun with the same settings \
                 or give a new journal",
                path.display()
            )
        );
        std::fs::write(&path, "hello\n").unwrap();
        let err = Journal::open(&path, "accounts", None, false).err().unwrap();
        assert_eq!(
            err.to_string(),
            format!(
                "invalid client configuration: {} is not an import journal (line 1: expected \
                 value at line 1 column 1); give a new file",
                path.display()
            )
        );
        std::fs::remove_file(&path).unwrap();
    }
}
