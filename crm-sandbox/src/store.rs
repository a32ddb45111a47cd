//! SQLite storage: one table per object with one column per dictionary field, plus the sandbox's
//! own tables (lookup values, document contents, metadata), all prefixed `__sandbox_`.
//!
//! Every identifier is quoted with [`quote`]; every value is a bound parameter. A single
//! connection behind a mutex serialises writers, which keeps concurrent clients safe; callers
//! run store work on the blocking pool so the async runtime is never held up.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use crm_schema::{Dictionary, FieldType, ObjectDef};
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::query::{Order, Sql, quote};
use crate::record::{Ordered, Record};

/// Orders of several keys the store builds an index for, per object; past this many, such
/// orders are sorted through a deferred join instead. Bounds what a client trying every
/// combination of fields can add to each write.
pub(crate) const ORDER_INDEXES: usize = 16;

/// Counts kept before the cache starts over; keyset paging asks a new `q` on every page.
const COUNTS_KEPT: usize = 1024;

/// The database and the dictionary it was laid out from.
pub(crate) struct Store {
    conn: Mutex<Connection>,
    dict: Arc<Dictionary>,
    /// `total_count` by (object, condition, parameters) while nothing is written: a count reads
    /// every match, and page-number paging asks the same one on every page.
    counts: Mutex<Counts>,
    /// Names of the order indexes known to exist.
    order_indexes: Mutex<HashSet<String>>,
}

/// Cached counts and the database state they were counted in.
#[derive(Default)]
struct Counts {
    /// (rows changed on this connection, `data_version` for other connections' commits).
    stamp: (u64, i64),
    by_query: HashMap<String, u64>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Caches hold no invariant a panic elsewhere could break.
    m.lock().unwrap_or_else(|p| p.into_inner())
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

/// Whether the store keeps an index on fields of this type: not on long text, whose values are
/// large and which lists are not ordered or ranged by in practice.
pub(crate) fn has_index(ty: &FieldType) -> bool {
    !matches!(ty, FieldType::LongText)
}

/// Whether a page is cheaper served by sorting all `matches` than by walking the table in
/// order: such a walk reads about (offset + limit) x rows / matches rows to find the page, and
/// a sort reads every match through an index, which costs a few times more per row.
fn sort_matches(matches: u64, rows: u64, page: Page) -> bool {
    let walk = u128::from(rows) * u128::from(page.offset.saturating_add(page.limit));
    4 * u128::from(matches) * u128::from(matches) <= walk
}

/// The SQLite column declaration of a field type.
fn column_type(ty: &FieldType) -> &'static str {
    use crm_schema::classify::ValueKind;
    match ty.class().value {
        ValueKind::Id => "INTEGER PRIMARY KEY AUTOINCREMENT",
        ValueKind::Integer | ValueKind::User | ValueKind::Reference | ValueKind::Boolean => {
            "INTEGER"
        }
        // The exact digits, compared as numbers (see `decimal`).
        ValueKind::Decimal => "TEXT COLLATE DECIMAL",
        ValueKind::Text
        | ValueKind::Date
        | ValueKind::DateTime
        | ValueKind::Lookup
        | ValueKind::Unknown => "TEXT COLLATE NOCASE",
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
            counts: Mutex::default(),
            order_indexes: Mutex::default(),
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
                .filter(|f| f.ty != FieldType::Id && has_index(&f.ty))
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
        order: &Order,
        page: Page,
    ) -> Result<(u64, Vec<Record>)> {
        let conn = self.conn();
        let (total, sql) = self.page_query(&conn, object, filter, order, page)?;
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(params_from_iter(page_params(filter, page).iter()), |r| {
                Self::row_to_ordered(object, r)
            })?
            .map(|r| {
                r.map(|fields| Record {
                    fields,
                    lines: None,
                })
            })
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok((total, rows))
    }

    /// The total count of a list and the query of its page (parameters: [`page_params`]).
    fn page_query(
        &self,
        conn: &Connection,
        object: &ObjectDef,
        filter: &Sql,
        order: &Order,
        page: Page,
    ) -> Result<(u64, String)> {
        let total = self.count(conn, object, filter)?;
        let cond = match &filter.selective {
            Some(selective)
                if sort_matches(total, self.count(conn, object, &Sql::all())?, page) =>
            {
                selective
            }
            _ => &filter.text,
        };
        let table = quote(&object.api_name);
        let by = order.sql();
        let cols = Self::select_list(object);
        // An order led by the id is the table's own; one key has its field's index.
        let several = order.keys.len() > 1 && order.keys[0].0 != "id";
        let sql = if !several || self.order_index(conn, object, &by)? {
            format!("SELECT {cols} FROM {table} WHERE {cond} ORDER BY {by} LIMIT ? OFFSET ?")
        } else {
            // Sorting ids alone, then fetching the page's rows, moves far less through the
            // sorter than sorting whole rows (measured ~4x at 100k).
            format!(
                "SELECT {cols} FROM {table} WHERE \"id\" IN \
                 (SELECT \"id\" FROM {table} WHERE {cond} ORDER BY {by} LIMIT ? OFFSET ?) \
                 ORDER BY {by}"
            )
        };
        Ok((total, sql))
    }

    /// The number of records matching `filter`, from the cache while nothing was written.
    fn count(&self, conn: &Connection, object: &ObjectDef, filter: &Sql) -> Result<u64> {
        let version: i64 = conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?;
        let stamp = (conn.total_changes(), version);
        let key = format!(
            "{}\u{0}{}\u{0}{:?}",
            object.api_name, filter.text, filter.params
        );
        {
            let mut counts = lock(&self.counts);
            if counts.stamp != stamp {
                counts.stamp = stamp;
                counts.by_query.clear();
            }
            if let Some(n) = counts.by_query.get(&key) {
                return Ok(*n);
            }
        }
        let n: i64 = conn
            .prepare_cached(&count_query(object, filter))?
            .query_row(params_from_iter(filter.params.iter()), |r| r.get(0))?;
        let n = u64::try_from(n).unwrap_or(0);
        // The connection is still held, so nothing was written since the stamp.
        let mut counts = lock(&self.counts);
        if counts.by_query.len() >= COUNTS_KEPT {
            counts.by_query.clear();
        }
        counts.by_query.insert(key, n);
        Ok(n)
    }

    /// Makes sure an index serves the `ORDER BY` list `by` of several keys, so a page walks
    /// it instead of sorting the table; false once the object has [`ORDER_INDEXES`] of them.
    /// The first request of a new order pays for building it (~150 ms at 100k records).
    fn order_index(&self, conn: &Connection, object: &ObjectDef, by: &str) -> Result<bool> {
        let prefix = format!("__sandbox_ox:{}:", object.api_name);
        let name = format!("{prefix}{by}");
        if lock(&self.order_indexes).contains(&name) {
            return Ok(true);
        }
        let (exists, made): (bool, i64) = conn.query_row(
            "SELECT COALESCE(MAX(name = ?1), 0), COUNT(*) FROM sqlite_master
             WHERE type = 'index' AND substr(name, 1, length(?2)) = ?2",
            params![name, prefix],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if !exists {
            if usize::try_from(made).unwrap_or(usize::MAX) >= ORDER_INDEXES {
                return Ok(false);
            }
            conn.execute_batch(&format!(
                "CREATE INDEX IF NOT EXISTS {} ON {} ({by}); ANALYZE {0};",
                quote(&name),
                quote(&object.api_name)
            ))?;
        }
        lock(&self.order_indexes).insert(name);
        Ok(true)
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

/// The query of a count (parameters: the condition's).
fn count_query(object: &ObjectDef, filter: &Sql) -> String {
    format!(
        "SELECT COUNT(*) FROM {} WHERE {}",
        quote(&object.api_name),
        filter.text
    )
}

/// The parameters of a page query: the condition's, then limit and offset.
fn page_params(filter: &Sql, page: Page) -> Vec<SqlValue> {
    let mut params = filter.params.clone();
    params.push(SqlValue::Integer(page.limit.min(i64::MAX as u64) as i64));
    params.push(SqlValue::Integer(page.offset.min(i64::MAX as u64) as i64));
    params
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

#[cfg(test)]
mod tests {
    //! Query plans of the list shapes keyset and incremental export use: they must be served
    //! from an index, never by reading the whole table.

    use std::collections::BTreeMap;

    use super::*;
    use crate::query::{parse_filter, parse_order};

    const RECORDS: u32 = 3000;

    fn store() -> Store {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dictionaries");
        let dict = Arc::new(crm_schema::load(&dir).expect("fixtures load"));
        let store = Store::open(None, dict).expect("store opens");
        let per_object = BTreeMap::from([("accounts".to_owned(), RECORDS)]);
        let counts = crate::seed::Counts {
            default: 0,
            per_object: &per_object,
        };
        crate::seed::seed(&store, 7, counts).expect("seeds");
        store
    }

    fn accounts(store: &Store) -> ObjectDef {
        store
            .dictionary()
            .object("accounts")
            .expect("accounts")
            .clone()
    }

    fn explain(conn: &Connection, sql: &str, params: &[SqlValue]) -> Vec<String> {
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("explains");
        stmt.query_map(params_from_iter(params.iter()), |r| r.get::<_, String>(3))
            .expect("plan")
            .collect::<rusqlite::Result<_>>()
            .expect("plan rows")
    }

    /// The plan lines of the count and of the page query `list` runs for `q` and `order`.
    fn plans(store: &Store, q: &str, order: &str) -> (Vec<String>, Vec<String>) {
        let object = accounts(store);
        let filter = parse_filter(&object, q).expect("q parses");
        let order = parse_order(&object, order).expect("order parses");
        let page = Page {
            limit: 100,
            offset: 0,
        };
        let conn = store.conn();
        let (_, sql) = store
            .page_query(&conn, &object, &filter, &order, page)
            .expect("page query");
        (
            explain(&conn, &count_query(&object, &filter), &filter.params),
            explain(&conn, &sql, &page_params(&filter, page)),
        )
    }

    /// Every step reading `accounts` searches an index or the id key (a `SCAN` reads it all).
    fn assert_searched(lines: &[String], index: &str) {
        let reads: Vec<&String> = lines.iter().filter(|l| l.contains("accounts")).collect();
        assert!(!reads.is_empty(), "{lines:?}");
        for l in &reads {
            assert!(l.starts_with("SEARCH accounts"), "full scan in {lines:?}");
        }
        assert!(
            reads.iter().any(|l| l.contains(index)),
            "{index} unused in {lines:?}"
        );
    }

    /// The `n`-th latest `modifieddate`: a watermark only a few records are at or after.
    fn recent(store: &Store, n: u32) -> String {
        store
            .conn()
            .query_row(
                "SELECT modifieddate FROM accounts ORDER BY modifieddate DESC LIMIT 1 OFFSET ?1",
                [n],
                |r| r.get(0),
            )
            .expect("a watermark")
    }

    #[test]
    fn keyset_pages_and_their_counts_search_the_id_key() {
        let s = store();
        let by_id = r#"{"id": "asc"}"#;
        for q in [
            r#"{"id": {"$gt": 1500}}"#,
            r#"{"id": {"$gte": 1500}}"#,
            r#"{"id": {"$bt": [1000, 2000]}}"#,
            r#"{"name": {"$con": "sky"}, "id": {"$gt": 1500}}"#,
        ] {
            let (count, page) = plans(&s, q, by_id);
            assert_searched(&page, "INTEGER PRIMARY KEY");
            assert!(
                !page.iter().any(|l| l.contains("TEMP B-TREE")),
                "{q}: {page:?}"
            );
            assert_searched(&count, "INTEGER PRIMARY KEY");
        }
    }

    #[test]
    fn keyset_with_an_equality_searches_in_id_order() {
        // SQLite picks the id key or the field's index (which is in id order within a value);
        // either is a search.
        let s = store();
        for since in [10, 1500, 2900] {
            let q = format!(r#"{{"type": "Client", "id": {{"$gt": {since}}}}}"#);
            let (count, page) = plans(&s, &q, "{}");
            assert_searched(&page, "");
            assert!(!page.iter().any(|l| l.contains("TEMP B-TREE")), "{page:?}");
            assert_searched(&count, "");
        }
    }

    #[test]
    fn recent_modifieddate_is_served_from_its_index() {
        let s = store();
        let since = recent(&s, 20);
        for q in [
            format!(r#"{{"modifieddate": {{"$gte": "{since}"}}}}"#),
            format!(r#"{{"modifieddate": {{"$gte": "{since}"}}, "id": {{"$gt": 10}}}}"#),
        ] {
            let (count, page) = plans(&s, &q, r#"{"id": "asc"}"#);
            assert_searched(&page, "__sandbox_ix:accounts:modifieddate (modifieddate>?)");
            assert_searched(&count, "__sandbox_ix:accounts:modifieddate");
        }
    }

    #[test]
    fn a_modifieddate_most_records_meet_walks_the_id_order() {
        // Sorting 3000 matches to return 100 would cost more than reading the first rows.
        let s = store();
        let since = recent(&s, RECORDS - 10);
        let q = format!(r#"{{"modifieddate": {{"$gte": "{since}"}}}}"#);
        let (_, page) = plans(&s, &q, r#"{"id": "asc"}"#);
        assert!(!page.iter().any(|l| l.contains("TEMP B-TREE")), "{page:?}");
    }

    #[test]
    fn a_two_field_order_walks_an_index_made_for_it() {
        let s = store();
        let (_, page) = plans(&s, "{}", r#"{"type": "asc", "name": "desc"}"#);
        assert!(
            page.iter()
                .any(|l| l.contains(r#"__sandbox_ox:accounts:"type" ASC, "name" DESC"#)),
            "{page:?}"
        );
        assert!(!page.iter().any(|l| l.contains("TEMP B-TREE")), "{page:?}");
    }

    /// The ids of a page as `list` returns them, and as a plain sort of the table gives them.
    fn listed_and_sorted(s: &Store, order: &str, offset: u64) -> (Vec<i64>, Vec<i64>) {
        let object = accounts(s);
        let order = parse_order(&object, order).expect("order parses");
        let page = Page { limit: 50, offset };
        let (_, records) = s.list(&object, &Sql::all(), &order, page).expect("lists");
        let listed = records
            .iter()
            .map(|r| r.fields.get("id").and_then(Value::as_i64).expect("id"))
            .collect();
        let sql = format!(
            "SELECT id FROM accounts ORDER BY {} LIMIT 50 OFFSET {offset}",
            order.sql()
        );
        let conn = s.conn();
        let mut stmt = conn.prepare(&sql).expect("prepares");
        let sorted = stmt
            .query_map([], |r| r.get(0))
            .expect("sorts")
            .collect::<rusqlite::Result<_>>()
            .expect("ids");
        (listed, sorted)
    }

    #[test]
    fn orders_past_the_index_limit_are_sorted_by_a_deferred_join() {
        let s = store();
        let fields = ["type", "name", "sector", "addresscity", "phone", "website"];
        let mut orders = Vec::new();
        for a in fields {
            for b in fields.iter().filter(|b| **b != a) {
                orders.push(format!(r#"{{"{a}": "asc", "{b}": "desc"}}"#));
            }
        }
        assert!(orders.len() > ORDER_INDEXES + 2);
        for (i, order) in orders.iter().enumerate() {
            let (listed, sorted) = listed_and_sorted(&s, order, 120);
            assert_eq!(listed, sorted, "{order}");
            assert_eq!(listed.len(), 50);
            let (_, page) = plans(&s, "{}", order);
            let deferred = page.iter().any(|l| l.contains("LIST SUBQUERY"));
            assert_eq!(deferred, i >= ORDER_INDEXES, "order {i} {order}: {page:?}");
            if !deferred {
                assert!(!page.iter().any(|l| l.contains("TEMP B-TREE")), "{page:?}");
            }
        }
    }

    #[test]
    fn counts_are_cached_until_a_write() {
        let s = store();
        let object = accounts(&s);
        let q = parse_filter(&object, r#"{"type": "Client"}"#).expect("q parses");
        let page = Page {
            limit: 1,
            offset: 0,
        };
        let before = s
            .list(&object, &q, &Order::default(), page)
            .expect("lists")
            .0;
        assert_eq!(
            s.list(&object, &q, &Order::default(), page)
                .expect("lists")
                .0,
            before
        );
        let values = [("type".to_owned(), SqlValue::Text("Client".into()))];
        let id = s.insert(&object, &values).expect("inserts");
        assert_eq!(
            s.list(&object, &q, &Order::default(), page)
                .expect("lists")
                .0,
            before + 1
        );
        let values = [("type".to_owned(), SqlValue::Text("Press".into()))];
        assert!(s.update(&object, id, &values).expect("updates"));
        assert_eq!(
            s.list(&object, &q, &Order::default(), page)
                .expect("lists")
                .0,
            before
        );
    }
}
