//! The snapshot index, `index.json`: the list of a snapshot directory's object files.
//!
//! The macro embeds every file it reads with `include_bytes!`, which makes cargo rebuild a crate
//! when one of them changes, but a directory cannot be embedded, so a *new* file would go
//! unnoticed. The index is embedded too and names every object file, so adding an object means
//! changing the index (which `crm refresh-schema` and `crm check --fix` do), and that rebuilds.

use std::collections::HashMap;

use serde::Serialize;

use super::FORMAT_VERSION;
use crate::error::Problem;
use crate::json::Document;

/// The index's file name inside a snapshot directory.
pub const INDEX_FILE: &str = "index.json";

const INDEX_KEYS: &[&str] = &["format", "objects"];

#[derive(Serialize)]
struct IndexFile<'a> {
    format: u32,
    objects: Vec<&'a str>,
}

/// The canonical text of an index listing `objects` (API names): sorted, each once.
pub fn index_to_canonical_string<'a>(objects: impl IntoIterator<Item = &'a str>) -> String {
    let mut objects: Vec<&str> = objects.into_iter().collect();
    objects.sort_unstable();
    objects.dedup();
    let file = IndexFile {
        format: FORMAT_VERSION,
        objects,
    };
    // A struct of a number and strings always serialises.
    let mut s = serde_json::to_string_pretty(&file).unwrap_or_default();
    s.push('\n');
    s
}

/// Whether `name` can name an object file of the directory: `<name>.json` stays inside it and
/// is not the index itself.
pub fn is_object_file_stem(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0'])
        && name != INDEX_FILE.trim_end_matches(".json")
}

/// Reads a parsed index into its object names, in file order, reporting every malformed member.
pub(crate) fn index_from_document(doc: &Document) -> Result<Vec<String>, Vec<Problem>> {
    let mut problems = Vec::new();
    let Some(root) = super::read::open(doc, "the snapshot index", &mut problems) else {
        return Err(problems);
    };
    let p = &mut problems;
    let mut objects = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    if let Some(items) = root.array("objects", p) {
        for (i, item) in items.iter().enumerate() {
            let at = format!("/objects/{i}");
            match item.as_str() {
                Some(name) if !is_object_file_stem(name) => p.push(Problem::at(
                    at,
                    format!(
                        "`{name}` is not an object name; list API object names such as `accounts`, without `.json`"
                    ),
                )),
                Some(name) => {
                    if let Some(first) = seen.insert(name, i) {
                        p.push(Problem::at(
                            at,
                            format!("`{name}` is listed twice: also at `/objects/{first}`; keep one"),
                        ));
                    } else {
                        objects.push(name.to_owned());
                    }
                }
                None => p.push(Problem::at(
                    at,
                    format!(
                        "expected an object name (a string), found {}",
                        crate::raw::describe(item)
                    ),
                )),
            }
        }
    }
    root.unknown_keys(INDEX_KEYS, p);
    if problems.is_empty() {
        Ok(objects)
    } else {
        Err(problems)
    }
}
