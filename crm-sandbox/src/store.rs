//! SQLite storage: one table per object with one column per dictionary field, plus the sandbox's
//! own tables (lookup values, document contents, metadata), all prefixed `__sandbox_`.
//!
//! Every identifier is quoted with [`quote`]; every value is a bound parameter. A single
//! connection behind a mutex serialises writers, which keeps concurrent clients safe; callers
//! run store work on the blocking pool so the async runtime is never held up.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use crm_schema::{Dictionary, FieldType, ObjectDef};
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::query::{Sql, quote};
use crate::record::{Ordered, Record};

/// The database and the dictionary it was laid out from.
pub(crate) struct Store {
    conn: Mutex<Connection>,
    dict: Arc<Dictionary>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("objects", &self.dict.objects.len())
            .finish_non_exhaustive()
    }
}

/// A page of a list query.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Page {
    pub(crate) limit: u64,
    pub(crate) offset: u64,
}

/// The SQLite column declaration of a field type.
fn column_type(ty: &FieldType) -> &'static str {
    match ty {
        FieldType::Id => "INTEGER PRIMARY KEY AUTOINCREMENT",
        FieldType::Integer | FieldType::User | FieldType::Reference { .. } | FieldType::Boolean => {
            "INTEGER"
        }
        // The exact digits, compared as numbers (see `decimal`).
        FieldType::Decimal | FieldType::Currency | FieldType::Percent => "TEXT COLLATE DECIMAL",
        _ => "TEXT COLLATE NOCASE",
    }
}

fn json_of(ty: &FieldType, v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Text(t) if crate::decimal::is_decimal(ty) => {
            crate::decimal::to_json(&String::from_utf8_lossy(t))
        }
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => {
            // Whole amounts are served as integers, as the documentation shows (`"unitprice": 420`).
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                Value::from(f as i64)
            } else {
                serde_json::Number::from_f64(f)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
        }
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(_) => Value::Null,
    }
}

impl Store {
    /// Opens (and lays out) the database: in memory, or the given file.
    pub(crate) fn open(db: Option<&Path>, dict: Arc<Dictionary>) -> Result<Store> {
        let conn = match db {
            Some(p) => {
                let c = Connection::open(p)?;
                c.pragma_update(None, "journal_mode", "WAL")?;
                c.pragma_update(None, "synchronous", "NORMAL")?;
                c
            }
            None => Connection::open_in_memory()?,
        };
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.create_collation(crate::decimal::COLLATION, crate::decimal::compare)?;
        let store = Store {
            conn: Mutex::new(conn),
            dict,
        };
        store.layout()?;
        Ok(store)
    }

    /// The dictionary served.
    pub(crate) fn dictionary(&self) -> &Dictionary {
        &self.dict
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (transactions roll
        // back on drop), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn layout(&self) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS __sandbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS __sandbox_lookup (
                 list_name TEXT NOT NULL, position INTEGER NOT NULL, value TEXT NOT NULL,
                 active INTEGER NOT NULL DEFAULT 1, PRIMARY KEY (list_name, value));
             CREATE TABLE IF NOT EXISTS __sandbox_document (
                 id INTEGER PRIMARY KEY, filename TEXT NOT NULL, mime TEXT NOT NULL, bytes BLOB NOT NULL);",
        )?;
        for object in self.dict.iter() {
            let table = quote(&object.api_name);
            let cols: Vec<String> = object
                .fields
                .iter()
                .map(|f| format!("{} {}", quote(&f.api_name), column_type(&f.ty)))
                .collect();
            tx.execute_batch(&format!(
                "CREATE TABLE IF NOT EXISTS {table} ({})",
                cols.join(", ")
            ))?;
            // A snapshot that gained fields since the file was made: add their columns.
            let existing: Vec<String> = {
                let mut stmt = tx.prepare(&format!(
                    "SELECT name FROM pragma_table_info({})",
                    sql_string(&object.api_name)
                ))?;
                stmt.query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?
            };
            for f in object
                .fields
                .iter()
                .filter(|f| !existing.contains(&f.api_name) && f.ty != FieldType::Id)
            {
                tx.execute_batch(&format!(
                    "ALTER TABLE {table} ADD COLUMN {} {}",
                    quote(&f.api_name),
                    column_type(&f.ty)
                ))?;
            }
            for f in &object.fields {
                if let Some(list) = &f.lookup {
                    for (i, v) in list.values.iter().enumerate() {
                        tx.execute(
                            "INSERT OR IGNORE INTO __sandbox_lookup (list_name, position, value, active) VALUES (?1, ?2, ?3, ?4)",
                            params![list.list_name, i as i64, v.value, v.active],
                        )?;
                    }
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Creates the indexes that keep filtered and ordered lists fast: one per field, except
    /// long text. Done after bulk seeding, which is much faster than maintaining them per row.
    pub(crate) fn create_indexes(&self) -> Result<()> {
        let conn = self.conn();
        for object in self.dict.iter() {
            for f in object
                .fields
                .iter()
                .filter(|f| !matches!(f.ty, FieldType::Id | FieldType::LongText))
            {
                let name = quote(&format!("__sandbox_ix:{}:{}", object.api_name, f.api_name));
                conn.execute_batch(&format!(
                    "CREATE INDEX IF NOT EXISTS {name} ON {} ({})",
                    quote(&object.api_name),
                    quote(&f.api_name)
                ))?;
            }
        }
        conn.execute_batch("ANALYZE")?;
        Ok(())
    }

    /// A metadata value.
    pub(crate) fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT value FROM __sandbox_meta WHERE key = ?1",
                [key],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Sets a metadata value.
    pub(crate) fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn().execute(
            "INSERT OR REPLACE INTO __sandbox_meta (key, value) VALUES (?1, ?2)",
            [key, value],
        )?;
        Ok(())
    }

    /// Deletes every record, document and appended lookup value, then restores the
    /// dictionary's lookup lists. Id counters restart.
    pub(crate) fn clear(&self) -> Result<()> {
        {
            let mut conn = self.conn();
            let tx = conn.transaction()?;
            for object in self.dict.iter() {
                tx.execute_batch(&format!("DELETE FROM {}", quote(&object.api_name)))?;
            }
            tx.execute_batch(
                "DELETE FROM __sandbox_lookup; DELETE FROM __sandbox_document; DELETE FROM __sandbox_meta;
                 DELETE FROM sqlite_sequence;",
            )?;
            tx.commit()?;
        }
        self.layout()
    }

    fn select_list(object: &ObjectDef) -> String {
        object
            .fields
            .iter()
            .map(|f| quote(&f.api_name))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn row_to_ordered(object: &ObjectDef, row: &rusqlite::Row<'_>) -> rusqlite::Result<Ordered> {
        let mut out = Vec::with_capacity(object.fields.len());
        for (i, f) in object.fields.iter().enumerate() {
            out.push((f.api_name.clone(), json_of(&f.ty, row.get_ref(i)?)));
        }
        Ok(Ordered(out))
    }

    /// One page of records matching `filter`, in `order`, and the total number of matches.
    pub(crate) fn list(
        &self,
        object: &ObjectDef,
        filter: &Sql,
        order: &str,
        page: Page,
    ) -> Result<(u64, Vec<Record>)> {
        let conn = self.conn();
        let table = quote(&object.api_name);
        let total: i64 = conn.query_row(
            &format!("SELECT COUNT(*) FROM {table} WHERE {}", filter.text),
            params_from_iter(filter.params.iter()),
            |r| r.get(0),
        )?;
        let sql = format!(
            "SELECT {} FROM {table} WHERE {} ORDER BY {order} LIMIT ? OFFSET ?",
            Self::select_list(object),
            filter.text
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut params: Vec<SqlValue> = filter.params.clone();
        params.push(SqlValue::Integer(page.limit.min(i64::MAX as u64) as i64));
        params.push(SqlValue::Integer(page.offset.min(i64::MAX as u64) as i64));
        let rows = stmt
            .query_map(params_from_iter(params.iter()), |r| {
                Self::row_to_ordered(object, r)
            })?
            .map(|r| {
                r.map(|fields| Record {
                    fields,
                    lines: None,
                })
            })
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok((u64::try_from(total).unwrap_or(0), rows))
    }

    /// The records of `object` whose `field` equals `value`, by id (used for `lines`).
    pub(crate) fn children(
        &self,
        object: &ObjectDef,
        field: &str,
        value: i64,
    ) -> Result<Vec<Ordered>> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {} FROM {} WHERE {} = ?1 ORDER BY \"id\"",
            Self::select_list(object),
            quote(&object.api_name),
            quote(field)
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map([value], |r| Self::row_to_ordered(object, r))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// One record by id.
    pub(crate) fn get(&self, object: &ObjectDef, id: i64) -> Result<Option<Record>> {
        let conn = self.conn();
        let sql = format!(
            "SELECT {} FROM {} WHERE \"id\" = ?1",
            Self::select_list(object),
            quote(&object.api_name)
        );
        let fields = conn
            .query_row(&sql, [id], |r| Self::row_to_ordered(object, r))
            .optional()?;
        Ok(fields.map(|fields| Record {
            fields,
            lines: None,
        }))
    }

    /// Inserts a record and returns its id; `values` are (field, value) pairs already validated.
    pub(crate) fn insert(&self, object: &ObjectDef, values: &[(String, SqlValue)]) -> Result<i64> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let id = insert_row(&tx, object, values)?;
        tx.commit()?;
        Ok(id)
    }

    /// Updates a record; false when it does not exist.
    pub(crate) fn update(
        &self,
        object: &ObjectDef,
        id: i64,
        values: &[(String, SqlValue)],
    ) -> Result<bool> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let exists = tx
            .query_row(
                &format!(
                    "SELECT 1 FROM {} WHERE \"id\" = ?1",
                    quote(&object.api_name)
                ),
                [id],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if exists && !values.is_empty() {
            let sets: Vec<String> = values
                .iter()
                .map(|(k, _)| format!("{} = ?", quote(k)))
                .collect();
            let mut params: Vec<SqlValue> = values.iter().map(|(_, v)| v.clone()).collect();
            params.push(SqlValue::Integer(id));
            tx.execute(
                &format!(
                    "UPDATE {} SET {} WHERE \"id\" = ?",
                    quote(&object.api_name),
                    sets.join(", ")
                ),
                params_from_iter(params.iter()),
            )?;
        }
        tx.commit()?;
        Ok(exists)
    }

    /// Deletes a record (and a document's content); false when it does not exist.
    pub(crate) fn delete(&self, object: &ObjectDef, id: i64) -> Result<bool> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let n = tx.execute(
            &format!("DELETE FROM {} WHERE \"id\" = ?1", quote(&object.api_name)),
            [id],
        )?;
        if object.api_name == "documents" {
            tx.execute("DELETE FROM __sandbox_document WHERE id = ?1", [id])?;
        }
        tx.commit()?;
        Ok(n > 0)
    }

    /// The values of a lookup list in order, each with whether it is still active.
    pub(crate) fn lookup_entries(&self, list_name: &str) -> Result<Vec<(String, bool)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT value, active FROM __sandbox_lookup WHERE list_name = ?1 ORDER BY position, rowid",
        )?;
        let rows = stmt
            .query_map([list_name], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// The active values of a lookup list, in order: what a restricted field accepts.
    pub(crate) fn lookup_values(&self, list_name: &str) -> Result<Vec<String>> {
        Ok(self
            .lookup_entries(list_name)?
            .into_iter()
            .filter(|(_, active)| *active)
            .map(|(v, _)| v)
            .collect())
    }

    /// Appends values to a lookup list; values already present keep their place and become
    /// active again.
    pub(crate) fn append_lookup(&self, list_name: &str, items: &[String]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let next: i64 = tx.query_row(
            "SELECT COALESCE(MAX(position) + 1, 0) FROM __sandbox_lookup WHERE list_name = ?1",
            [list_name],
            |r| r.get(0),
        )?;
        for (i, item) in items.iter().enumerate() {
            tx.execute(
                "INSERT INTO __sandbox_lookup (list_name, position, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT (list_name, value) DO UPDATE SET active = 1",
                params![list_name, next + i as i64, item],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Creates a document record and stores its content, in one transaction.
    pub(crate) fn insert_document(
        &self,
        object: &ObjectDef,
        values: &[(String, SqlValue)],
        filename: &str,
        mime: &str,
        bytes: &[u8],
    ) -> Result<i64> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let id = insert_row(&tx, object, values)?;
        tx.execute(
            "INSERT OR REPLACE INTO __sandbox_document (id, filename, mime, bytes) VALUES (?1, ?2, ?3, ?4)",
            params![id, filename, mime, bytes],
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// A document's file name, content type and bytes.
    pub(crate) fn document_content(&self, id: i64) -> Result<Option<(String, String, Vec<u8>)>> {
        let conn = self.conn();
        Ok(conn
            .query_row(
                "SELECT filename, mime, bytes FROM __sandbox_document WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?)
    }
}

/// Inserts one row inside an open transaction.
pub(crate) fn insert_row(
    tx: &rusqlite::Transaction<'_>,
    object: &ObjectDef,
    values: &[(String, SqlValue)],
) -> Result<i64> {
    let table = quote(&object.api_name);
    if values.is_empty() {
        tx.execute(&format!("INSERT INTO {table} DEFAULT VALUES"), [])?;
    } else {
        let cols: Vec<String> = values.iter().map(|(k, _)| quote(k)).collect();
        let marks = vec!["?"; values.len()].join(", ");
        let mut stmt = tx.prepare_cached(&format!(
            "INSERT INTO {table} ({}) VALUES ({marks})",
            cols.join(", ")
        ))?;
        stmt.execute(params_from_iter(values.iter().map(|(_, v)| v)))?;
    }
    Ok(tx.last_insert_rowid())
}

/// A SQL string literal (for `pragma_table_info`, which takes no bound parameter on all versions).
fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl From<tokio::task::JoinError> for Error {
    fn from(e: tokio::task::JoinError) -> Error {
        Error::Join(e.to_string())
    }
}
