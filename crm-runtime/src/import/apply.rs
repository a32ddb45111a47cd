//! Applying rows: the lookup by match value, the create-or-patch decision, and resolving
//! creates whose outcome was lost, with a journal entry around every write.

use std::collections::HashMap;
use std::sync::Arc;

use crm_schema::ObjectDef;
use crm_schema::row::{self, Mode};
use serde_json::{Map, Value};

use super::journal::{Entry, Journal};
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

/// Rows sharing a match value go in one group, applied in line order, so that two of them
/// cannot both find nothing and both create; every other row is a group of its own.
pub(crate) fn groups(work: Vec<Work>) -> Vec<Vec<Work>> {
    let mut out: Vec<Vec<Work>> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for w in work {
        match w.key.clone() {
            Some(k) => match by_key.get(&k) {
                Some(&i) => out[i].push(w),
                None => {
                    by_key.insert(k, out.len());
                    out.push(vec![w]);
                }
            },
            None => out.push(vec![w]),
        }
    }
    out
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
}

/// What a lookup found.
enum Found {
    None,
    One(u64, Map<String, Value>),
    Several(Vec<u64>),
}

impl Engine {
    /// Applies one group's rows in order.
    pub(crate) async fn group(&self, group: Vec<Work>) -> Result<Vec<RowReport>, Error> {
        let mut out = Vec::with_capacity(group.len());
        for w in group {
            let outcome = self.row(&w).await?;
            if !self.dry_run
                && !matches!(outcome, Outcome::WouldCreate | Outcome::WouldUpdate { .. })
            {
                self.journal_entry(&Entry::outcome(w.row.line, &w.hash, &outcome))
                    .await?;
            }
            let report = RowReport {
                line: w.row.line,
                outcome,
                from_journal: false,
            };
            if let Some(p) = &self.progress {
                p(&report);
            }
            out.push(report);
        }
        Ok(out)
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
