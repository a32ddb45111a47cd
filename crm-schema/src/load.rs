//! Reading snapshots from disk: one file, or a directory with one file per object.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::canonical;
use crate::error::{Error, Problem, Result};
use crate::json::Document;
use crate::model::{Dictionary, ObjectDef};
use crate::validate;

/// Largest snapshot file accepted. Real dictionaries are tens of kilobytes; anything near this
/// is not a dictionary, and refusing it early keeps the macro from stalling a build.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Parses and checks one object from the bytes of a snapshot file. `file` is only used to
/// locate problems.
pub fn parse_object(file: &Path, bytes: &[u8]) -> Result<ObjectDef> {
    let (text, doc) = parse_document(file, bytes)?;
    let mut problems = match canonical::object_from_document(&doc) {
        Ok(object) => {
            let problems = validate::check_object(&object);
            if problems.is_empty() {
                return Ok(object);
            }
            problems
        }
        Err(problems) => problems,
    };
    add_positions(&mut problems, text);
    Err(Error::new(problems).with_file(file))
}

/// Bytes -> UTF-8 text without BOM -> JSON document, with the position of a syntax error.
fn parse_document<'b>(file: &Path, bytes: &'b [u8]) -> Result<(&'b str, Document)> {
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
        let mut p = Problem::at(
            "",
            format!("invalid JSON: {}", crate::text::without_position(&e)),
        );
        p.position = Some((e.line(), e.column()));
        Error::new(vec![p]).with_file(file)
    })?;
    Ok((text, doc))
}

/// Gives every problem that has a JSON pointer but no position the line and column of the
/// member it points at in `text`.
fn add_positions(problems: &mut [Problem], text: &str) {
    if problems
        .iter()
        .all(|p| p.position.is_some() || p.pointer.is_empty())
    {
        return;
    }
    let positions = crate::json::positions(text);
    for p in problems.iter_mut().filter(|p| p.position.is_none()) {
        p.position = crate::json::position_of(&positions, &p.pointer);
    }
}

/// [`add_positions`] for problems found after their files were read (the cross-object checks,
/// the index), reading each file once more; only error paths pay for it.
pub(crate) fn locate(problems: &mut [Problem]) {
    let mut files: Vec<PathBuf> = problems
        .iter()
        .filter(|p| p.position.is_none() && !p.pointer.is_empty())
        .filter_map(|p| p.file.clone())
        .collect();
    files.sort();
    files.dedup();
    for file in files {
        let Ok(bytes) = read_limited(&file) else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        let positions = crate::json::positions(text);
        for p in problems
            .iter_mut()
            .filter(|p| p.position.is_none() && p.file.as_ref() == Some(&file))
        {
            p.position = crate::json::position_of(&positions, &p.pointer);
        }
    }
}

pub(crate) fn read_limited(path: &Path) -> Result<Vec<u8>> {
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

/// Reads the index of the snapshot directory `dir` ([`canonical::INDEX_FILE`]): the API names
/// of its objects, or `None` when it has no index (a snapshot written before indexes existed).
pub fn read_index(dir: &Path) -> Result<Option<Vec<String>>> {
    let path = dir.join(canonical::INDEX_FILE);
    if !path.is_file() {
        return Ok(None);
    }
    let bytes = read_limited(&path)?;
    let (text, doc) = parse_document(&path, &bytes)?;
    canonical::index_from_document(&doc)
        .map(Some)
        .map_err(|mut problems| {
            add_positions(&mut problems, text);
            Error::new(problems).with_file(&path)
        })
}

/// Every `*.json` file directly inside `dir` except the index, sorted: what a snapshot
/// directory holds, listed or not.
pub fn json_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Error::in_file(
            dir,
            format!("cannot read the snapshot directory: {e}; create it with `crm refresh-schema`"),
        )
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension().is_some_and(|x| x == "json")
                && p.file_name().is_some_and(|n| n != canonical::INDEX_FILE)
        })
        .collect();
    files.sort();
    Ok(files)
}

/// The object files the loader reads from `dir`: those its index lists (whether or not they
/// exist), or, without an index, every `*.json` file.
pub fn object_files(dir: &Path) -> Result<Vec<PathBuf>> {
    match read_index(dir)? {
        Some(objects) => Ok(objects
            .iter()
            .map(|o| dir.join(format!("{o}.json")))
            .collect()),
        None => json_files(dir),
    }
}

/// The files a build that reads `dir` depends on, for the macro to embed so that cargo
/// rebuilds when one changes: the index and the existing files it lists, or, without an index,
/// every `*.json` file (then a new file is only noticed by the next rebuild).
pub fn snapshot_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = object_files(dir)?;
    files.retain(|f| f.is_file());
    let index = dir.join(canonical::INDEX_FILE);
    if index.is_file() {
        files.insert(0, index);
    }
    Ok(files)
}

/// Loads a snapshot: a directory of `<object>.json` files, or a single file. Every problem of
/// every file is reported together, each mistake once: an object whose file does not load is
/// not reported again by the references to it.
///
/// A directory with an index loads exactly the objects the index lists (a listed file that is
/// missing is an error), so what a build reads never depends on files the build does not track;
/// `crm check` reports files the index leaves out.
pub fn load(path: &Path) -> Result<Dictionary> {
    if !path.exists() {
        return Err(Error::in_file(
            path,
            "no such file or directory; pass the snapshot directory (`dictionaries/`), or create it with `crm refresh-schema`",
        ));
    }
    let mut problems = Vec::new();
    let mut broken = BTreeSet::new();
    let files = if path.is_dir() {
        match read_index(path)? {
            None => json_files(path)?,
            Some(objects) => {
                let index = path.join(canonical::INDEX_FILE);
                let mut files = Vec::new();
                for (i, object) in objects.iter().enumerate() {
                    let file = path.join(format!("{object}.json"));
                    if file.is_file() {
                        files.push(file);
                        continue;
                    }
                    problems.push(missing_listed(&index, i, object));
                    broken.insert(object.clone());
                }
                files
            }
        }
    } else {
        vec![path.to_owned()]
    };
    if files.is_empty() && problems.is_empty() {
        return Err(Error::in_file(
            path,
            "no snapshot files (`<object>.json`) here; create them with `crm refresh-schema`",
        ));
    }
    let objects = load_each(&files, &mut broken, &mut problems);
    let dir = if path.is_dir() {
        path
    } else {
        path.parent().unwrap_or(path)
    };
    let dict = cross_check(
        dir,
        objects.into_iter().map(|(_, o)| o),
        &broken,
        &mut problems,
    );
    match dict {
        Some(d) if problems.is_empty() => Ok(d),
        _ => {
            locate(&mut problems);
            Err(Error::new(problems))
        }
    }
}

/// The problem of an index entry `i` naming `object`, whose file does not exist.
pub(crate) fn missing_listed(index: &Path, i: usize, object: &str) -> Problem {
    let mut p = Problem::at(
        format!("/objects/{i}"),
        format!(
            "lists `{object}`, but `{object}.json` is missing; restore the file, or run `crm check --fix` to drop it from the index"
        ),
    );
    p.file = Some(index.to_owned());
    p
}

/// Loads each file on its own; the problems of those that fail go to `problems`, their objects
/// (by file stem, which the file name check makes the object name) to `broken`.
pub(crate) fn load_each(
    files: &[PathBuf],
    broken: &mut BTreeSet<String>,
    problems: &mut Vec<Problem>,
) -> Vec<(PathBuf, ObjectDef)> {
    let mut objects = Vec::new();
    for file in files {
        match load_file(file) {
            Ok(o) => objects.push((file.clone(), o)),
            Err(e) => {
                problems.extend(e.problems().iter().cloned());
                if let Some(stem) = file.file_stem() {
                    broken.insert(stem.to_string_lossy().into_owned());
                }
            }
        }
    }
    objects
}

/// The cross-object checks over objects loaded from `dir`; their problems go to `problems`,
/// located in `dir`.
pub(crate) fn cross_check(
    dir: &Path,
    objects: impl IntoIterator<Item = ObjectDef>,
    broken: &BTreeSet<String>,
    problems: &mut Vec<Problem>,
) -> Option<Dictionary> {
    match Dictionary::from_objects_except(objects, broken) {
        Ok(d) => Some(d),
        Err(e) => {
            // Cross-object problems name `<object>.json`; make that a path in this directory.
            problems.extend(e.problems().iter().cloned().map(|mut p| {
                p.file = p.file.map(|f| dir.join(f));
                p
            }));
            None
        }
    }
}

impl Dictionary {
    /// Builds a dictionary from objects, running the cross-object checks (each object's own
    /// checks are assumed done). Problems are located by `<object>.json`.
    pub fn from_objects(objects: impl IntoIterator<Item = ObjectDef>) -> Result<Dictionary> {
        Dictionary::from_objects_except(objects, &BTreeSet::new())
    }

    /// [`Dictionary::from_objects`] for a snapshot whose objects named in `broken` failed to
    /// load: they were reported already, so references to them are not reported again.
    pub fn from_objects_except(
        objects: impl IntoIterator<Item = ObjectDef>,
        broken: &BTreeSet<String>,
    ) -> Result<Dictionary> {
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
        for (object, mut p) in validate::check_dictionary_except(&dict, broken) {
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
