//! Applying rows: the lookup by match value, the create-or-patch decision, and resolving
//! creates whose outcome was lost, with a journal entry around every write.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crm_schema::ObjectDef;
use crm_schema::row::{self, Mode};
use serde_json::{Map, Value};
use tokio::sync::oneshot;

use super::journal::{Entry, Journal, LineState};
use super::{Outcome, Problem, Progress, Row, RowReport};
use crate::client::Client;
use crate::error::{Error, Kind};
use crate::filter::AnyField;
use crate::query::PageSize;
use crate::raw::RawRecord;

/// Creates of one row sent at most this often in one run when each answer is lost and the
/// lookup then finds nothing: a server that keeps failing is not hammered for ever.
const MAX_CREATE_ATTEMPTS: usize = 4;

/// Records a lookup fetches: two already make the match ambiguous, the third shows it in the
/// message.
const LOOKUP_LIMIT: u32 = 3;

/// One row to apply, with what the checks and the journal said about it.
pub(crate) struct Work {
    pub(crate) row: Row,
    pub(crate) hash: String,
    /// The journal holds a create of this row without an outcome.
    pub(crate) open_intent: bool,
    /// Problems found before anything was sent.
    pub(crate) problems: Vec<Problem>,
    /// The match value, as a grouping key.
    pub(crate) key: Option<String>,
}

/// The row's value of the match field as a grouping key, `None` when it has none. Text
/// compares ignoring ASCII case, as the server's equality does.
pub(crate) fn match_value(
    object: &ObjectDef,
    field: &str,
    fields: &Map<String, Value>,
) -> Option<String> {
    let v = query_value(object, field, fields.get(field)?)?;
    Some(match v {
        Value::String(s) => format!("s:{}", s.to_ascii_lowercase()),
        other => format!("j:{other}"),
    })
}

/// The value `q` compares with: whole-number fields as numbers (a CSV or form sends `"42"`).
fn query_value(object: &ObjectDef, field: &str, v: &Value) -> Option<Value> {
    use crm_schema::FieldType as T;
    match v {
        Value::Null => return None,
        Value::String(s) if s.is_empty() => return None,
        _ => {}
    }
    let ty = &object.field(field)?.ty;
    let whole = matches!(ty, T::Integer | T::User | T::Reference { .. });
    Some(match v {
        Value::String(s) if whole => s.trim().parse::<i64>().map_or(v.clone(), Value::from),
        _ => v.clone(),
    })
}

pub(crate) struct Engine {
    pub(crate) client: Client,
    pub(crate) object: Arc<ObjectDef>,
    pub(crate) match_field: Option<String>,
    pub(crate) journal: Option<Journal>,
    pub(crate) dry_run: bool,
    pub(crate) progress: Option<Progress>,
    /// Per match value in flight: the line of its last row and the signal that row is done.
    /// A row whose value is here waits for that signal, so rows sharing a value are applied
    /// in input order and two of them cannot both find nothing and both create.
    pub(crate) chains: Mutex<HashMap<String, (u64, oneshot::Receiver<()>)>>,
}

/// A row prepared in input order: decided already, or to apply once its predecessor with the
/// same match value is done.
pub(crate) enum Step {
    Done(RowReport),
    Apply {
        work: Work,
        after: Option<oneshot::Receiver<()>>,
        done: oneshot::Sender<()>,
    },
}

/// What a lookup found.
enum Found {
    None,
    One(u64, Map<String, Value>),
    Several(Vec<u64>),
}

impl Engine {
    /// Decides what to do with a row, in input order: what the journal says, the checks, and
    /// its place in the chain of rows sharing its match value.
    pub(crate) fn prepare(&self, row: Row, state: Option<&LineState>) -> Step {
        let hash = row.hash();
        let line = row.line;
        let open_intent = state.is_some_and(|s| s.open_intent);
        if let Some(s) = state {
            let applied = s
                .outcome
                .as_ref()
                .filter(|o| !matches!(o, Outcome::Rejected { .. }));
            if s.hash != hash && (applied.is_some() || open_intent) {
                return Step::Done(RowReport {
                    line,
                    outcome: edited(applied, open_intent),
                    from_journal: false,
                });
            }
            if let (Some(outcome), false) = (applied, open_intent) {
                return Step::Done(RowReport {
                    line,
                    outcome: outcome.clone(),
                    from_journal: true,
                });
            }
        }
        let mode = if self.match_field.is_some() {
            Mode::Update
        } else {
            Mode::Create
        };
        let mut problems: Vec<Problem> = row::check(&self.object, &row.fields, mode)
            .into_iter()
            .map(Problem::from)
            .collect();
        let key = self.match_field.as_ref().and_then(|m| {
            match match_value(&self.object, m, &row.fields) {
                Some(k) => Some(k),
                None => {
                    problems.push(Problem {
                        field: Some(m.clone()),
                        message: "has no value, and the rows are matched on it; give it one"
                            .to_owned(),
                    });
                    None
                }
            }
        });
        let (done, mine) = oneshot::channel();
        let after = key.clone().and_then(|k| {
            let mut chains = self
                .chains
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            chains.insert(k, (line, mine)).map(|(_, before)| before)
        });
        Step::Apply {
            work: Work {
                row,
                hash,
                open_intent,
                problems,
                key,
            },
            after,
            done,
        }
    }

    /// Applies a prepared row (after its predecessor in the chain) and journals its outcome.
    pub(crate) async fn finish(&self, step: Step) -> Result<RowReport, Error> {
        let (w, after, done) = match step {
            Step::Done(report) => {
                if let Some(p) = &self.progress {
                    p(&report);
                }
                return Ok(report);
            }
            Step::Apply { work, after, done } => (work, after, done),
        };
        if let Some(before) = after {
            // An error means the predecessor was dropped (the run is stopping): go on anyway.
            let _ = before.await;
        }
        let result = self.apply(&w).await;
        let _ = done.send(());
        if let Some(k) = &w.key {
            let mut chains = self
                .chains
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if chains.get(k).is_some_and(|(line, _)| *line == w.row.line) {
                chains.remove(k);
            }
        }
        let outcome = result?;
        let report = RowReport {
            line: w.row.line,
            outcome,
            from_journal: false,
        };
        if let Some(p) = &self.progress {
            p(&report);
        }
        Ok(report)
    }

    async fn apply(&self, w: &Work) -> Result<Outcome, Error> {
        let outcome = self.row(w).await?;
        if !self.dry_run {
            self.journal_entry(&Entry::outcome(w.row.line, &w.hash, &outcome))
                .await?;
        }
        Ok(outcome)
    }

    async fn journal_entry(&self, e: &Entry) -> Result<(), Error> {
        match &self.journal {
            Some(j) => j.append(e).await,
            None => Ok(()),
        }
    }

    async fn row(&self, w: &Work) -> Result<Outcome, Error> {
        if !w.problems.is_empty() {
            return Ok(Outcome::Rejected {
                problems: w.problems.clone(),
            });
        }
        let Some(m) = &self.match_field else {
            if w.open_intent {
                // Sent before, answer never recorded, nothing to look it up by.
                return Ok(Outcome::Unknown);
            }
            return self.create(w).await;
        };
        match self.lookup(m, &w.row.fields).await? {
            // The create sent before the interruption arrived; whatever the record holds now,
            // the row was applied once.
            Found::One(id, _) if w.open_intent => Ok(Outcome::Created { id }),
            Found::One(id, record) => self.update(w, id, &record).await,
            Found::Several(ids) => Ok(ambiguous(m, &ids)),
            Found::None => {
                let problems: Vec<Problem> = row::check(&self.object, &w.row.fields, Mode::Create)
                    .into_iter()
                    .map(Problem::from)
                    .collect();
                if !problems.is_empty() {
                    return Ok(Outcome::Rejected { problems });
                }
                self.create(w).await
            }
        }
    }

    async fn lookup(&self, field: &str, fields: &Map<String, Value>) -> Result<Found, Error> {
        let Some(value) = fields
            .get(field)
            .and_then(|v| query_value(&self.object, field, v))
        else {
            return Ok(Found::None);
        };
        struct Untyped;
        impl crate::record::Object for Untyped {
            const API_NAME: &'static str = "";
            const RECORD_TYPE: Option<&'static str> = None;
            const SCHEMA_FINGERPRINT: &'static str = "";
        }
        let q = AnyField::<Untyped>::named(field.to_owned())
            .eq(value)
            .try_to_q()?;
        let page = self
            .client
            .object(self.object.api_name.clone())
            .list()
            .q_json(q)
            .limit(PageSize::new(LOOKUP_LIMIT).unwrap_or(PageSize::MAX))
            .send()
            .await?;
        let records: Vec<&RawRecord> = page.records().iter().collect();
        Ok(match records.as_slice() {
            [] => Found::None,
            [one] => match one.id() {
                Some(id) => Found::One(id, one.to_map()?),
                None => {
                    return Err(Error::new(Kind::Decode).with_detail(format!(
                        "a {} record found by {field} has no id",
                        self.object.api_name
                    )));
                }
            },
            several => Found::Several(several.iter().filter_map(|r| r.id()).collect()),
        })
    }

    async fn update(
        &self,
        w: &Work,
        id: u64,
        record: &Map<String, Value>,
    ) -> Result<Outcome, Error> {
        let mut patch = Map::new();
        let mut fields = Vec::new();
        for f in &self.object.fields {
            let Some(v) = w.row.fields.get(&f.api_name) else {
                continue;
            };
            if !row::same_value(f, Some(v), record.get(&f.api_name)) {
                patch.insert(f.api_name.clone(), v.clone());
                fields.push(f.api_name.clone());
            }
        }
        if fields.is_empty() {
            return Ok(Outcome::Unchanged { id });
        }
        if self.dry_run {
            return Ok(Outcome::WouldUpdate { id, fields });
        }
        match self
            .client
            .object(self.object.api_name.clone())
            .update(id, &patch)
            .await
        {
            Ok(_) => Ok(Outcome::Updated { id, fields }),
            Err(e) => row_failure(e, "the update"),
        }
    }

    async fn create(&self, w: &Work) -> Result<Outcome, Error> {
        if self.dry_run {
            return Ok(Outcome::WouldCreate);
        }
        let objects = self.client.object(self.object.api_name.clone());
        for _ in 0..MAX_CREATE_ATTEMPTS {
            self.journal_entry(&Entry::intent(w.row.line, &w.hash))
                .await?;
            let err = match objects.create(&w.row.fields).await {
                Ok(record) => match record.id() {
                    Some(id) => return Ok(Outcome::Created { id }),
                    // Created, but the answer does not say as what: as good as lost.
                    None => Error::new(Kind::Decode).with_detail("the created record has no id"),
                },
                Err(e) => e,
            };
            let lost = err.is_unknown_outcome() || err.is_server() || err.is_decode();
            if !lost {
                return row_failure(err, "the create");
            }
            let Some(m) = &self.match_field else {
                if err.is_unknown_outcome() || err.is_decode() {
                    return Ok(Outcome::Unknown);
                }
                // A 5xx: the API said it failed, and nothing can show otherwise.
                return row_failure(err, "the create");
            };
            match self.lookup(m, &w.row.fields).await? {
                Found::One(id, _) => return Ok(Outcome::Created { id }),
                Found::Several(ids) => return Ok(ambiguous(m, &ids)),
                Found::None => {
                    tracing::debug!(
                        line = w.row.line,
                        "create lost and not found by its match value; sending it again"
                    );
                }
            }
        }
        Ok(Outcome::Rejected {
            problems: vec![Problem::row(format!(
                "the create failed {MAX_CREATE_ATTEMPTS} times and no record was found by \
                 its match value; nothing was created, run the import again"
            ))],
        })
    }
}

/// The outcome of a row that differs from the one the journal recorded at its line.
fn edited(applied: Option<&Outcome>, open_intent: bool) -> Outcome {
    let what = match applied {
        _ if open_intent => "sent as a create".to_owned(),
        Some(Outcome::Created { id }) => format!("created as id {id}"),
        Some(Outcome::Updated { id, .. }) => format!("applied to id {id}"),
        Some(Outcome::Unchanged { id }) => format!("found unchanged as id {id}"),
        _ => "sent with an unknown outcome".to_owned(),
    };
    Outcome::Rejected {
        problems: vec![Problem::row(format!(
            "differs from the row the journal records at this line ({what}); nothing was sent. \
             Restore the row, or import it with a new journal"
        ))],
    }
}

fn ambiguous(field: &str, ids: &[u64]) -> Outcome {
    let shown: Vec<String> = ids.iter().map(u64::to_string).collect();
    let more = if ids.len() as u32 >= LOOKUP_LIMIT {
        " and maybe more"
    } else {
        ""
    };
    Outcome::Rejected {
        problems: vec![Problem {
            field: Some(field.to_owned()),
            message: format!(
                "matches several records (ids {}{more}), so it is not known which to update; \
                 make the value unique or match on another field",
                shown.join(", ")
            ),
        }],
    }
}

/// A write's error as the row's outcome when it concerns the row only (a 422, a 400, a
/// record gone); otherwise the run stops with it.
fn row_failure(e: Error, what: &str) -> Result<Outcome, Error> {
    if let Some(v) = e.validation().filter(|v| !v.is_empty()) {
        let problems = v
            .fields()
            .map(|(field, rules)| {
                let rules: Vec<String> = rules
                    .iter()
                    .map(|r| {
                        if r.parameters().is_empty() {
                            r.name().to_owned()
                        } else {
                            format!("{} ({})", r.name(), r.parameters().join(", "))
                        }
                    })
                    .collect();
                Problem {
                    field: Some(field.to_owned()),
                    message: format!("the server refused it: {}", rules.join("; ")),
                }
            })
            .collect();
        return Ok(Outcome::Rejected { problems });
    }
    if e.is_validation()
        || e.is_bad_request()
        || e.is_not_found()
        || e.is_server()
        || e.is_other_status()
    {
        return Ok(Outcome::Rejected {
            problems: vec![Problem::row(format!("{what} failed: {e}"))],
        });
    }
    Err(e)
}
