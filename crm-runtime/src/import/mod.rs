//! Importing rows into an object: validated against the snapshot before anything is sent,
//! upserted by a match field, exactly once under faults and restarts through a journal.
//!
//! [`Client::import`] takes the object's [`ObjectDef`] (from the committed snapshot) and returns
//! an [`Import`]; [`Import::run`] takes [`Row`]s (raw JSON objects, or anything `Serialize`
//! such as the generated `NewX` builders and patch types, through [`Row::from_serialize`]).
//!
//! # What happens to a row
//! 1. Every row is checked before it is sent ([`crm_schema::row::check`]): unknown fields,
//!    read-only fields, value types, dropdown lists, lengths, and, for a row that will be a
//!    create, mandatory fields. A row with a problem is rejected without being sent. Rows are
//!    read as they are applied, so memory does not grow with the input (beyond a few bytes a
//!    row for the report).
//! 2. Without a match field, every row is a create. With [`Import::match_on`], the row's value
//!    of that field is looked up (`q` equality, a page of 3): no record means a create, one
//!    means a PATCH of the fields whose values differ ([`crm_schema::row::same_value`]; none
//!    differ: unchanged), several mean the row is rejected as ambiguous. Rows with one match
//!    value are applied one after another, so two of them cannot both create.
//! 3. Rows run `concurrency` at a time (default 4), every request through the client's
//!    pacer, retry policy and concurrency cap.
//!
//! # Exactly once
//! With a journal ([`Import::journal`]), the intent to create is on disk before the POST is
//! sent, and each outcome after. A create whose outcome is unknown (the connection was lost
//! after sending, [`ErrorKind::UnknownOutcome`](crate::ErrorKind), or a 5xx, or a journal intent
//! without an outcome on a rerun) is resolved by looking the record up by its match value
//! before anything is sent again: found, it counts as created; absent, the create is sent
//! again. **Without a match field an unknown outcome cannot be resolved**: the row is reported
//! as [`Outcome::Unknown`] and never sent again, on this run or a later one; check it by hand.
//! A rerun with the same journal skips rows already created, updated or unchanged, and tries
//! rejected rows again (edited or not). Rows are identified by line number and a hash of their
//! fields: a row that differs from the one the journal records as applied (or as sent) at its
//! line is rejected unsent, as edited; lines the journal knows that the input lacks are listed
//! in [`Report::orphans`]. Not guaranteed: that a row updated just before a kill is reported as
//! updated on the rerun (it finds its values already there and reports unchanged); that two
//! runs sharing one journal at once behave (nothing locks it).

mod apply;
mod journal;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use crm_schema::ObjectDef;
use crm_schema::row;
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::client::Client;
use crate::error::{Error, Kind};
use journal::Journal;

/// One input row: its line number (which journal entries and messages use) and its fields.
#[derive(Clone, PartialEq)]
pub struct Row {
    line: u64,
    fields: Map<String, Value>,
}

impl fmt::Debug for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Row contents are personal data; they stay out of Debug output, which ends up in logs.
        f.debug_struct("Row")
            .field("line", &self.line)
            .field("fields", &self.fields.len())
            .finish()
    }
}

impl Row {
    /// A row from a JSON object, as read from line `line` of the input.
    pub fn new(line: u64, fields: Map<String, Value>) -> Row {
        Row { line, fields }
    }

    /// A row from anything that serialises to a JSON object: a generated `NewX` builder or
    /// patch type, a `serde_json::Value`, a struct of the user's.
    ///
    /// ```no_run
    /// let row = crm_runtime::import::Row::from_serialize(1, &serde_json::json!({"name": "Acme"}))?;
    /// # Ok::<(), crm_runtime::Error>(())
    /// ```
    pub fn from_serialize<T: Serialize + ?Sized>(line: u64, value: &T) -> Result<Row, Error> {
        match serde_json::to_value(value) {
            Ok(Value::Object(fields)) => Ok(Row { line, fields }),
            Ok(other) => Err(Error::new(Kind::Config).with_detail(format!(
                "row {line} is not a JSON object but {}",
                crm_schema::row::json_kind(&other)
            ))),
            Err(e) => Err(Error::new(Kind::Config)
                .with_detail(format!("row {line} cannot be serialised: {e}"))),
        }
    }

    /// The input line number.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The fields, by API name.
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }

    /// A hash of the fields in key order, so an edited row is told from the one journaled.
    fn hash(&self) -> String {
        let canonical: BTreeMap<&String, &Value> = self.fields.iter().collect();
        let text = serde_json::to_vec(&canonical).unwrap_or_default();
        let digest = Sha256::digest(&text);
        digest[..12].iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A reason a row was not applied: the field (where there is one) and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The field's API name, when the problem is about one field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl Problem {
    fn row(message: impl Into<String>) -> Problem {
        Problem {
            field: None,
            message: message.into(),
        }
    }
}

impl From<row::RowProblem> for Problem {
    fn from(p: row::RowProblem) -> Problem {
        Problem {
            field: Some(p.field),
            message: p.message,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// What became of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A record was created with this id.
    Created {
        /// The new record's id.
        id: u64,
    },
    /// The matched record was patched.
    Updated {
        /// The record's id.
        id: u64,
        /// The fields sent, in the object's order.
        fields: Vec<String>,
    },
    /// The matched record already had the row's values.
    Unchanged {
        /// The record's id.
        id: u64,
    },
    /// Nothing was applied, for these reasons.
    Rejected {
        /// Every reason, the server's 422 rules included.
        problems: Vec<Problem>,
    },
    /// A create was sent and its answer lost, with no match field to look it up by: the record
    /// may or may not exist. It is never sent again.
    Unknown,
    /// A dry run would create a record.
    WouldCreate,
    /// A dry run would patch the matched record.
    WouldUpdate {
        /// The record's id.
        id: u64,
        /// The fields that differ.
        fields: Vec<String>,
    },
}

/// One row's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowReport {
    /// The input line.
    pub line: u64,
    /// What became of it.
    pub outcome: Outcome,
    /// The outcome was read from the journal of an earlier run; nothing was sent now.
    pub from_journal: bool,
}

/// Counts of outcomes. A dry run counts what it would do as `created` and `updated`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Rows created (or to be created).
    pub created: u64,
    /// Rows that patched a record (or would).
    pub updated: u64,
    /// Rows whose record already had their values.
    pub unchanged: u64,
    /// Rows not applied.
    pub rejected: u64,
    /// Creates whose outcome is unknown (no match field to resolve them).
    pub unknown: u64,
}

impl Summary {
    fn add(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Created { .. } | Outcome::WouldCreate => self.created += 1,
            Outcome::Updated { .. } | Outcome::WouldUpdate { .. } => self.updated += 1,
            Outcome::Unchanged { .. } => self.unchanged += 1,
            Outcome::Rejected { .. } => self.rejected += 1,
            Outcome::Unknown => self.unknown += 1,
        }
    }

    /// Every row was applied: none rejected, none unknown.
    pub fn is_clean(&self) -> bool {
        self.rejected == 0 && self.unknown == 0
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} created, {} updated, {} unchanged, {} rejected",
            self.created, self.updated, self.unchanged, self.rejected
        )?;
        if self.unknown > 0 {
            write!(
                f,
                ", {} unknown (created or not: check by hand)",
                self.unknown
            )?;
        }
        Ok(())
    }
}

/// The result of a run: the counts, and each row's outcome in line order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The counts.
    pub summary: Summary,
    /// One report per row, in line order; with [`Import::keep_every_report`]`(false)` only
    /// the rows rejected or with an unknown outcome.
    pub rows: Vec<RowReport>,
    /// Lines the journal records that the input no longer has (left alone).
    pub orphans: Vec<u64>,
}

type Progress = Arc<dyn Fn(&RowReport) + Send + Sync>;

/// An import of rows into one object; see the [module docs](self).
#[derive(Clone)]
pub struct Import {
    client: Client,
    object: Arc<ObjectDef>,
    match_field: Option<String>,
    journal: Option<PathBuf>,
    concurrency: usize,
    dry_run: bool,
    keep_every_report: bool,
    progress: Option<Progress>,
}

impl fmt::Debug for Import {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Import")
            .field("object", &self.object.api_name)
            .field("match_field", &self.match_field)
            .field("journal", &self.journal)
            .field("concurrency", &self.concurrency)
            .field("dry_run", &self.dry_run)
            .finish_non_exhaustive()
    }
}

/// Rows applied at once unless [`Import::concurrency`] says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 4;

impl Client {
    /// An import into `object` (its definition from the snapshot, which rows are checked
    /// against).
    ///
    /// ```no_run
    /// # async fn demo(client: crm_runtime::Client, accounts: &crm_schema::ObjectDef) -> Result<(), crm_runtime::Error> {
    /// use crm_runtime::import::Row;
    /// let rows = vec![Row::from_serialize(1, &serde_json::json!({"name": "Acme", "phone": "0301"}))?];
    /// let report = client
    ///     .import(accounts)
    ///     .match_on("name")
    ///     .journal("accounts.journal")
    ///     .run(rows)
    ///     .await?;
    /// println!("{}", report.summary);
    /// # Ok(()) }
    /// ```
    pub fn import(&self, object: &ObjectDef) -> Import {
        Import {
            client: self.clone(),
            object: Arc::new(object.clone()),
            match_field: None,
            journal: None,
            concurrency: DEFAULT_CONCURRENCY,
            dry_run: false,
            keep_every_report: true,
            progress: None,
        }
    }
}

impl Import {
    /// Upserts by this field: a row whose value finds one record updates it.
    pub fn match_on(mut self, field: impl Into<String>) -> Self {
        self.match_field = Some(field.into());
        self
    }

    /// Records intents and outcomes in this file, and skips what it says was applied.
    pub fn journal(mut self, path: impl Into<PathBuf>) -> Self {
        self.journal = Some(path.into());
        self
    }

    /// Rows applied at once (at least 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Checks and plans (looking records up by the match field) but writes nothing: no
    /// create, no patch, no journal entry.
    pub fn dry_run(mut self, on: bool) -> Self {
        self.dry_run = on;
        self
    }

    /// Whether [`Report::rows`] holds every row (the default) or only the rows rejected or
    /// with an unknown outcome, so that a run of millions of rows keeps its memory flat.
    pub fn keep_every_report(mut self, on: bool) -> Self {
        self.keep_every_report = on;
        self
    }

    /// Calls `f` with each row's report as it is decided (for a progress bar, say).
    pub fn on_row(mut self, f: impl Fn(&RowReport) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Applies `rows`, reading them as it goes (an iterator over a file is never held in
    /// memory whole); their line numbers must increase. Rows keep their own fate in the report;
    /// the run as a whole fails only when it cannot go on (a bad match field or journal, line
    /// numbers out of order, an authorisation, quota or connection failure), leaving the
    /// journal ready for a rerun.
    pub async fn run(self, rows: impl IntoIterator<Item = Row>) -> Result<Report, Error> {
        let object = self.object.clone();
        if let Some(m) = &self.match_field {
            check_match_field(&object, m)?;
        }
        let (journal, states) = match &self.journal {
            Some(path) => {
                let (j, s) = Journal::open(
                    path,
                    &object.api_name,
                    self.match_field.as_deref(),
                    self.dry_run,
                )?;
                (Some(j), s)
            }
            None => (None, HashMap::new()),
        };
        let engine = Arc::new(apply::Engine {
            client: self.client.clone(),
            object,
            match_field: self.match_field.clone(),
            journal,
            dry_run: self.dry_run,
            progress: self.progress.clone(),
            chains: std::sync::Mutex::new(HashMap::new()),
        });
        // Only what the journal knows is remembered per line, so memory stays flat.
        let mut seen: HashSet<u64> = HashSet::new();
        let mut last: Option<u64> = None;
        let mut out_of_order: Option<u64> = None;
        let steps = rows.into_iter().map_while(|r| {
            if last.is_some_and(|l| r.line <= l) {
                out_of_order = Some(r.line);
                return None;
            }
            last = Some(r.line);
            let state = states.get(&r.line);
            if state.is_some() {
                seen.insert(r.line);
            }
            Some(engine.prepare(r, state))
        });
        let keep_all = self.keep_every_report;
        let (summary, mut reports) = futures::stream::iter(steps)
            .map(|step| {
                let engine = engine.clone();
                async move { engine.finish(step).await }
            })
            .buffer_unordered(self.concurrency)
            .try_fold(
                (Summary::default(), Vec::new()),
                |(mut summary, mut reports), report| async move {
                    summary.add(&report.outcome);
                    let attention =
                        matches!(report.outcome, Outcome::Rejected { .. } | Outcome::Unknown);
                    if keep_all || attention {
                        reports.push(report);
                    }
                    Ok((summary, reports))
                },
            )
            .await?;
        if let Some(line) = out_of_order {
            return Err(Error::new(Kind::Config).with_detail(format!(
                "row line numbers must increase, and line {line} came after a line at or \
                 above it; the rows before it were applied"
            )));
        }
        reports.sort_by_key(|r| r.line);
        let mut orphans: Vec<u64> = states
            .keys()
            .filter(|l| !seen.contains(l))
            .copied()
            .collect();
        orphans.sort_unstable();
        Ok(Report {
            summary,
            rows: reports,
            orphans,
        })
    }
}

fn check_match_field(object: &ObjectDef, name: &str) -> Result<(), Error> {
    match object.field(name) {
        None => Err(Error::new(Kind::Config).with_detail(format!(
            "cannot match on {name}: {} has no such field",
            object.api_name
        ))),
        Some(f) if !f.is_writable() => Err(Error::new(Kind::Config).with_detail(format!(
            "cannot match on {name}: it is read-only, so a create could not set it; match on a \
             writable field that identifies a record (an e-mail address, an external id)"
        ))),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    const TOKEN: &str = "import-unit-token";

    async fn sandbox() -> (crm_sandbox::Running, Client, ObjectDef) {
        let running = crm_sandbox::spawn(crm_sandbox::Config::new(TOKEN).with_records(0))
            .await
            .unwrap();
        let client = Client::builder()
            .base_url(&running.base_url)
            .token(TOKEN)
            .build()
            .unwrap();
        let accounts = running
            .state
            .dictionary()
            .object("accounts")
            .unwrap()
            .clone();
        (running, client, accounts)
    }

    /// A journal saying the create of `row` was sent and nothing after: a kill between the
    /// POST and its outcome.
    fn journal_with_open_intent(dir: &std::path::Path, row: &Row, m: Option<&str>) -> PathBuf {
        let path = dir.join("open.journal");
        let header = json!({"journal": 1, "object": "accounts", "match": m});
        let intent = json!({"line": row.line, "hash": row.hash(), "intent": "create"});
        std::fs::write(&path, format!("{header}\n{intent}\n")).unwrap();
        path
    }

    fn posts(running: &crm_sandbox::Running) -> u64 {
        let calls = running.state.calls();
        calls.routes.get("POST /accounts").copied().unwrap_or(0)
    }

    #[tokio::test]
    async fn an_open_intent_is_resolved_by_the_match_value_before_anything_is_sent() {
        let (running, client, accounts) = sandbox().await;
        let row = Row::from_serialize(1, &json!({"name": "Arrived"})).unwrap();
        // The POST of the killed run reached the server.
        let arrived = client.object("accounts").create(&row.fields).await.unwrap();
        let dir = std::env::temp_dir().join(format!("crm-import-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let journal = journal_with_open_intent(&dir, &row, Some("name"));
        let before = posts(&running);
        let report = client
            .import(&accounts)
            .match_on("name")
            .journal(&journal)
            .run([row.clone()])
            .await
            .unwrap();
        assert_eq!(
            report.rows[0].outcome,
            Outcome::Created {
                id: arrived.id().unwrap()
            }
        );
        assert_eq!(posts(&running), before, "resolved without sending again");

        // Without a match field the same journal line can only be reported.
        let journal = journal_with_open_intent(&dir, &row, None);
        let report = client
            .import(&accounts)
            .journal(&journal)
            .run([row])
            .await
            .unwrap();
        assert_eq!(report.rows[0].outcome, Outcome::Unknown);
        assert_eq!(posts(&running), before);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn an_open_intent_whose_create_never_arrived_is_sent_once() {
        let (running, client, accounts) = sandbox().await;
        let row = Row::from_serialize(1, &json!({"name": "Never arrived"})).unwrap();
        let dir = std::env::temp_dir().join(format!("crm-import-unit2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let journal = journal_with_open_intent(&dir, &row, Some("name"));
        let report = client
            .import(&accounts)
            .match_on("name")
            .journal(&journal)
            .run([row])
            .await
            .unwrap();
        assert!(matches!(report.rows[0].outcome, Outcome::Created { .. }));
        assert_eq!(posts(&running), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
