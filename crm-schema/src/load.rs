//! Reading snapshots from disk: one file, or a directory with one file per object.

use std::path::{Path, PathBuf};

use crate::canonical;
use crate::error::{Error, Problem, Result};
use crate::model::{Dictionary, ObjectDef};
use crate::validate;

/// Largest snapshot file accepted. Real dictionaries are tens of kilobytes; anything near this
/// is not a dictionary, and refusing it early keeps the macro from stalling a build.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Parses and checks one object from the bytes of a snapshot file. `file` is only used to
/// locate problems.
pub fn parse_object(file: &Path, bytes: &[u8]) -> Result<ObjectDef> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
        let mut p = Problem::at(
            "",
            format!("not UTF-8: invalid byte at offset {offset}; save the file as UTF-8"),
        );
        p.position = Some((
            line,
            offset
                - bytes[..offset]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |n| n + 1)
                + 1,
        ));
        Error::new(vec![p]).with_file(file)
    })?;
    if text.trim().is_empty() {
        return Err(Error::in_file(
            file,
            "the file is empty; a snapshot file holds one JSON object (see the crm-schema docs), or delete it",
        ));
    }
    if text.starts_with('\u{feff}') {
        let mut p = Problem::at(
            "",
            "the file starts with a byte-order mark; save it as UTF-8 without BOM",
        );
        p.position = Some((1, 1));
        return Err(Error::new(vec![p]).with_file(file));
    }
    let doc = crate::json::parse(text.as_bytes()).map_err(|e| {
        let mut p = Problem::at("", format!("invalid JSON: {}", strip_position(&e)));
        p.position = Some((e.line(), e.column()));
        Error::new(vec![p]).with_file(file)
    })?;
    let object =
        canonical::object_from_document(&doc).map_err(|ps| Error::new(ps).with_file(file))?;
    let problems = validate::check_object(&object);
    if !problems.is_empty() {
        return Err(Error::new(problems).with_file(file));
    }
    Ok(object)
}

/// serde_json appends " at line L column C" to its messages; the position is reported apart.
fn strip_position(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg,
    }
}

fn read_limited(path: &Path) -> Result<Vec<u8>> {
    let meta =
        std::fs::metadata(path).map_err(|e| Error::in_file(path, format!("cannot read: {e}")))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(Error::in_file(
            path,
            format!(
                "file is {} bytes, over the {} byte limit for a dictionary snapshot; is this the right file?",
                meta.len(),
                MAX_FILE_BYTES
            ),
        ));
    }
    std::fs::read(path).map_err(|e| Error::in_file(path, format!("cannot read: {e}")))
}

/// Loads one snapshot file and checks it on its own.
pub fn load_file(path: &Path) -> Result<ObjectDef> {
    let object = parse_object(path, &read_limited(path)?)?;
    let expected = canonical::file_name(&object);
    if path.file_name().and_then(|n| n.to_str()) != Some(expected.as_str()) {
        return Err(Error::in_file(
            path,
            format!(
                "holds object `{}`, so it must be named `{expected}`",
                object.api_name
            ),
        ));
    }
    Ok(object)
}

/// The snapshot files of a directory: every `*.json` directly inside it, sorted.
pub fn snapshot_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Error::in_file(dir, format!("cannot read the snapshot directory: {e}; create it with `cargo xtask refresh-schema`"))
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// Loads a snapshot: a directory of `<object>.json` files, or a single file. Every problem of
/// every file is reported together.
pub fn load(path: &Path) -> Result<Dictionary> {
    if !path.exists() {
        return Err(Error::in_file(
            path,
            "no such file or directory; pass the snapshot directory (`dictionaries/`), or create it with `cargo xtask refresh-schema`",
        ));
    }
    let files = if path.is_dir() {
        snapshot_files(path)?
    } else {
        vec![path.to_owned()]
    };
    if files.is_empty() {
        return Err(Error::in_file(
            path,
            "no snapshot files (`<object>.json`) here; create them with `cargo xtask refresh-schema`",
        ));
    }
    let mut problems = Vec::new();
    let mut objects = Vec::new();
    for file in &files {
        match load_file(file) {
            Ok(o) => objects.push((file.clone(), o)),
            Err(e) => problems.extend(e.problems().iter().cloned()),
        }
    }
    let dir = if path.is_dir() {
        path
    } else {
        path.parent().unwrap_or(path)
    };
    match Dictionary::from_objects(objects.into_iter().map(|(_, o)| o)) {
        Ok(d) if problems.is_empty() => Ok(d),
        Ok(_) => Err(Error::new(problems)),
        Err(e) => {
            // Cross-object problems name `<object>.json`; make that a path in this directory.
            problems.extend(e.problems().iter().cloned().map(|mut p| {
                p.file = p.file.map(|f| dir.join(f));
                p
            }));
            Err(Error::new(problems))
        }
    }
}

impl Dictionary {
    /// Builds a dictionary from objects, running the cross-object checks (each object's own
    /// checks are assumed done). Problems are located by `<object>.json`.
    pub fn from_objects(objects: impl IntoIterator<Item = ObjectDef>) -> Result<Dictionary> {
        let mut dict = Dictionary::default();
        let mut problems = Vec::new();
        for o in objects {
            if dict.objects.contains_key(&o.api_name) {
                let mut p =
                    Problem::at("/object", format!("object `{}` appears twice", o.api_name));
                p.file = Some(PathBuf::from(canonical::file_name(&o)));
                problems.push(p);
                continue;
            }
            dict.objects.insert(o.api_name.clone(), o);
        }
        for (object, mut p) in validate::check_dictionary(&dict) {
            p.file = Some(PathBuf::from(format!("{object}.json")));
            problems.push(p);
        }
        if problems.is_empty() {
            Ok(dict)
        } else {
            Err(Error::new(problems))
        }
    }
}
