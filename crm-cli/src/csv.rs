//! CSV rows of records by an object's field list, and back: the codec `crm export --format
//! csv` writes through and CSV import reads through.
//!
//! A header names one field per column, by API name or (with [`Header::Labels`]) by the
//! dictionary's label; reading accepts either. A cell holds a value as text: the empty cell is
//! an absent value (null and "" are both written empty). Reading a row gives the typed JSON
//! the API takes:
//!
//! | field type | cell | JSON |
//! |---|---|---|
//! | id, integer, user, reference | `42` | `42` |
//! | decimal, currency, percent | `1234.50` | `"1234.50"` (exact digits, as the runtime's `Decimal` sends them) |
//! | boolean | `1`, `0`, `true`, `false` | `true` / `false` |
//! | date | `2024-02-29`, `0000-00-00` | the same text |
//! | datetime | `2024-02-29 13:05:00`, `0000-00-00 00:00:00` | the same text |
//! | text, long text, email, phone, url, lookup, unknown | anything | the same text |
//!
//! Writing accepts what the API sends too (booleans as 0/1 or true/false, decimals as numbers,
//! ids as strings) and writes booleans as `1`/`0`, as the API does, so an exported record and
//! its row read back are equal as typed values, and a row the codec wrote, read and written
//! again, is the same row.
//!
//! ```
//! use crm_cli::csv::{Codec, Header};
//! # let dict = crm_schema::load(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../dictionaries"))).unwrap();
//! let accounts = dict.object("accounts").unwrap();
//! let codec = Codec::new(accounts, Header::ApiNames).unwrap();
//! let record = serde_json::json!({"id": 7, "name": "Acme", "type": "Client"});
//! let mut out = Vec::new();
//! codec.write(&mut out, [record.as_object().unwrap()]).unwrap();
//! let rows = codec.read(&out[..]).unwrap();
//! assert_eq!(rows[0]["name"], "Acme");
//! assert_eq!(rows[0].get("addresscity"), None);
//! ```

use std::io::{Read, Write};

use crm_schema::{FieldDef, FieldType, ObjectDef};
use serde_json::{Map, Value};

use crate::Failure;

/// What the header row names each column by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Header {
    /// The fields' API names (`addresscity`).
    ApiNames,
    /// The dictionary's labels (`City`).
    Labels,
}

/// Rows of one object's records, in the snapshot's field order.
#[derive(Debug, Clone)]
pub struct Codec<'a> {
    object: &'a ObjectDef,
    header: Header,
}

const DATE: &[time::format_description::BorrowedFormatItem<'_>] =
    time::macros::format_description!("[year]-[month]-[day]");
const DATE_TIME: &[time::format_description::BorrowedFormatItem<'_>] =
    time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");

impl<'a> Codec<'a> {
    /// A codec for `object`. With [`Header::Labels`], two fields with one label would make
    /// columns that cannot be read back, so that is refused.
    pub fn new(object: &'a ObjectDef, header: Header) -> Result<Codec<'a>, Failure> {
        if header == Header::Labels {
            for (i, f) in object.fields.iter().enumerate() {
                if let Some(other) = object.fields[..i].iter().find(|o| o.label == f.label) {
                    return Err(format!(
                        "{}: fields {} and {} share the label \"{}\"; use API names",
                        object.api_name, other.api_name, f.api_name, f.label
                    ));
                }
            }
        }
        Ok(Codec { object, header })
    }

    /// The header row.
    pub fn header(&self) -> Vec<&'a str> {
        self.object
            .fields
            .iter()
            .map(|f| match self.header {
                Header::ApiNames => f.api_name.as_str(),
                Header::Labels => f.label.as_str(),
            })
            .collect()
    }

    /// The cells of one record, in header order. Keys the object does not have are an error
    /// (they would be lost without a word).
    pub fn row(&self, record: &Map<String, Value>) -> Result<Vec<String>, Failure> {
        if let Some(key) = record.keys().find(|k| self.object.field(k).is_none()) {
            return Err(format!(
                "{} has no field {key}; it cannot be written as CSV",
                self.object.api_name
            ));
        }
        self.object
            .fields
            .iter()
            .map(|f| cell(f, record.get(&f.api_name)))
            .collect()
    }

    /// Writes the header and one row per record.
    pub fn write<'r, W: Write>(
        &self,
        out: W,
        records: impl IntoIterator<Item = &'r Map<String, Value>>,
    ) -> Result<(), Failure> {
        let mut w = ::csv::Writer::from_writer(out);
        w.write_record(self.header()).map_err(csv_error)?;
        for r in records {
            w.write_record(self.row(r)?).map_err(csv_error)?;
        }
        w.flush().map_err(|e| format!("cannot write CSV: {e}"))
    }

    /// An encoder of one row at a time, for output that is written as records arrive.
    pub fn rows(&self) -> Rows<'a> {
        Rows {
            codec: self.clone(),
        }
    }

    /// The fields the columns of `header` hold, by API name or label.
    pub fn columns<'h>(
        &self,
        header: impl IntoIterator<Item = &'h str>,
    ) -> Result<Vec<&'a FieldDef>, Failure> {
        let mut out: Vec<&'a FieldDef> = Vec::new();
        for name in header {
            let name = name.trim();
            let object: &'a ObjectDef = self.object;
            let field = object
                .field(name)
                .or_else(|| object.fields.iter().find(|f| f.label == name))
                .ok_or_else(|| {
                    format!(
                        "CSV column \"{name}\" is neither a field nor a label of {}",
                        object.api_name
                    )
                })?;
            if out.iter().any(|f| f.api_name == field.api_name) {
                return Err(format!("CSV columns name field {} twice", field.api_name));
            }
            out.push(field);
        }
        Ok(out)
    }

    /// One row as the typed JSON object of its non-empty cells; `line` (1-based, the header
    /// is line 1) words errors.
    pub fn record(
        &self,
        columns: &[&FieldDef],
        cells: &::csv::StringRecord,
        line: u64,
    ) -> Result<Map<String, Value>, Failure> {
        if cells.len() != columns.len() {
            return Err(format!(
                "line {line}: {} cells, the header has {}",
                cells.len(),
                columns.len()
            ));
        }
        let mut out = Map::new();
        for (f, text) in columns.iter().zip(cells.iter()) {
            if text.is_empty() {
                continue;
            }
            let v = value(f, text).map_err(|want| {
                format!(
                    "line {line}, column {}: \"{text}\" is not {want}",
                    f.api_name
                )
            })?;
            out.insert(f.api_name.clone(), v);
        }
        Ok(out)
    }

    /// Reads a whole CSV document (header first) into typed records.
    pub fn read<R: Read>(&self, input: R) -> Result<Vec<Map<String, Value>>, Failure> {
        let mut r = ::csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(input);
        let header = r.headers().map_err(csv_error)?.clone();
        let columns = self.columns(header.iter())?;
        let mut out = Vec::new();
        for (i, row) in r.records().enumerate() {
            let row = row.map_err(csv_error)?;
            let line = row.position().map_or(i as u64 + 2, ::csv::Position::line);
            out.push(self.record(&columns, &row, line)?);
        }
        Ok(out)
    }
}

/// Rows encoded one at a time, as CSV bytes, for a stream of records ([`Codec::rows`]);
/// the header, then the rows, make the document [`Codec::write`] writes.
#[derive(Debug)]
pub struct Rows<'a> {
    codec: Codec<'a>,
}

impl Rows<'_> {
    /// The header row's bytes.
    pub fn header(&mut self) -> Result<Vec<u8>, Failure> {
        let header = self.codec.header();
        self.encode(header)
    }

    /// One record's row, as bytes.
    pub fn row(&mut self, record: &Map<String, Value>) -> Result<Vec<u8>, Failure> {
        let cells = self.codec.row(record)?;
        self.encode(cells)
    }

    fn encode<T: AsRef<[u8]>>(&mut self, cells: Vec<T>) -> Result<Vec<u8>, Failure> {
        // A writer per row: `csv::Writer` lends no access to its sink, and the quoting rules
        // are the crate's to keep, not ours to copy. A row is small, so is its buffer.
        let mut w = ::csv::WriterBuilder::new()
            .buffer_capacity(1024)
            .from_writer(Vec::new());
        w.write_record(cells).map_err(csv_error)?;
        w.into_inner()
            .map_err(|e| format!("cannot write CSV: {}", e.error()))
    }
}

fn csv_error(e: ::csv::Error) -> Failure {
    match e.position() {
        Some(p) => format!("CSV line {}: {e}", p.line()),
        None => format!("CSV: {e}"),
    }
}

/// The cell of one value; `None`, null and "" are the empty cell.
fn cell(f: &FieldDef, v: Option<&Value>) -> Result<String, Failure> {
    let bad = |v: &Value| format!("{}: {v} is not a {} value", f.api_name, f.ty.as_str());
    Ok(match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) if f.ty == FieldType::Boolean => if *b { "1" } else { "0" }.to_owned(),
        Some(Value::Number(n)) if f.ty == FieldType::Boolean => match n.as_i64() {
            Some(0) => "0".to_owned(),
            Some(1) => "1".to_owned(),
            _ => return Err(bad(&Value::Number(n.clone()))),
        },
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => return Err(bad(other)),
    })
}

/// The typed value of a non-empty cell, or what it should have been.
fn value(f: &FieldDef, text: &str) -> Result<Value, &'static str> {
    match &f.ty {
        FieldType::Id | FieldType::Integer | FieldType::User | FieldType::Reference { .. } => text
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| "a whole number"),
        FieldType::Decimal | FieldType::Currency | FieldType::Percent => {
            let t = text.trim();
            if crm_schema::row::is_plain_decimal(t) {
                Ok(Value::String(t.to_owned()))
            } else {
                Err("a decimal number")
            }
        }
        // Spreadsheets write `TRUE` and `FALSE`: a cell's case is the spreadsheet's, not the
        // user's choice, so it is folded here, where a JSON string keeps the API's spelling.
        FieldType::Boolean => crm_schema::row::boolean_text(&text.to_ascii_lowercase())
            .map(Value::Bool)
            .ok_or("a boolean (1, 0, true or false)"),
        FieldType::Date => {
            if text == "0000-00-00" || time::Date::parse(text, DATE).is_ok() {
                Ok(Value::String(text.to_owned()))
            } else {
                Err("a date (YYYY-MM-DD)")
            }
        }
        FieldType::DateTime => {
            if text == "0000-00-00 00:00:00"
                || time::PrimitiveDateTime::parse(text, DATE_TIME).is_ok()
            {
                Ok(Value::String(text.to_owned()))
            } else {
                Err("a datetime (YYYY-MM-DD HH:MM:SS)")
            }
        }
        _ => Ok(Value::String(text.to_owned())),
    }
}
