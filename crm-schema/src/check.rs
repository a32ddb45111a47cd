//! Checking a snapshot directory as `crm check` and `cargo xtask check` do: every problem of
//! every file at once, the index against the files present, and (with `fix`) the canonical
//! rewrite of every file that is valid; [`generated`], whether a file written by `crm codegen`
//! still matches its snapshot.

pub mod generated;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::canonical::{self, INDEX_FILE};
use crate::error::Problem;
use crate::load;

/// What checking a snapshot directory found and did.
#[derive(Debug, Default)]
pub struct Checked {
    /// Every problem left, grouped by file in path order (in the order found within a file).
    pub problems: Vec<Problem>,
    /// Object files found in the directory.
    pub objects: usize,
    /// Files rewritten by `fix` (the index included).
    pub rewritten: Vec<PathBuf>,
}

impl Checked {
    /// Nothing left to fix.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

fn problem(file: &Path, message: impl Into<String>) -> Problem {
    let mut p = Problem::at("", message);
    p.file = Some(file.to_owned());
    p
}

/// Checks the snapshot directory `dir`: each file loads and validates, the objects agree with
/// each other, every file is canonical, and the index lists exactly the object files present.
/// With `fix`, valid files that are not canonical and an index that is missing, stale or not
/// canonical are rewritten, and only what is left is reported.
pub fn check_dir(dir: &Path, fix: bool) -> Checked {
    let mut out = Checked::default();
    if !dir.is_dir() {
        let message = if dir.exists() {
            "not a directory; pass the snapshot directory (`dictionaries/`)"
        } else {
            "no such directory; pass the snapshot directory (`dictionaries/`), or create it with `crm refresh-schema`"
        };
        out.problems.push(problem(dir, message));
        return out;
    }
    let files = match load::json_files(dir) {
        Ok(files) => files,
        Err(e) => {
            out.problems.extend(e.problems().iter().cloned());
            return out;
        }
    };
    out.objects = files.len();
    if files.is_empty() {
        out.problems.push(problem(
            dir,
            "no snapshot files (`<object>.json`) here; create them with `crm refresh-schema`",
        ));
    }
    let present: Vec<String> = files
        .iter()
        .filter_map(|f| f.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .collect();

    let mut broken = BTreeSet::new();
    let index_path = dir.join(INDEX_FILE);
    let index = load::read_index(dir);
    if let Ok(Some(listed)) = &index {
        broken.extend(listed.iter().filter(|o| !present.contains(o)).cloned());
    }
    let objects = load::load_each(&files, &mut broken, &mut out.problems);
    for (file, object) in &objects {
        let want = canonical::to_canonical_string(object);
        rewrite_if_stale(file, &want, fix, &mut out, || {
            "valid, but not in canonical form (key order, spacing or a stale `content_hash`); run `crm check --fix` to rewrite it".into()
        });
    }
    load::cross_check(
        dir,
        objects.into_iter().map(|(_, o)| o),
        &broken,
        &mut out.problems,
    );

    let want = canonical::index_to_canonical_string(present.iter().map(String::as_str));
    match index {
        _ if fix && !files.is_empty() => {
            rewrite_if_stale(&index_path, &want, true, &mut out, String::new);
        }
        Err(e) => out.problems.extend(e.problems().iter().map(|p| {
            let mut p = p.clone();
            p.message
                .push_str(" (or run `crm check --fix` to write the index from the files present)");
            p
        })),
        Ok(None) => {
            if !files.is_empty() {
                out.problems.push(problem(
                    &index_path,
                    "missing: without an index a crate using `schema!` is not rebuilt when a snapshot file is added; run `crm check --fix` to write one",
                ));
            }
        }
        Ok(Some(listed)) => {
            for (file, object) in files.iter().zip(&present) {
                if !listed.contains(object) {
                    out.problems.push(problem(
                        file,
                        format!(
                            "not listed in `{INDEX_FILE}`, so `schema!` does not read it; run `crm check --fix` to add it to the index, or delete the file"
                        ),
                    ));
                }
            }
            for (i, object) in listed.iter().enumerate() {
                if !present.contains(object) {
                    out.problems
                        .push(load::missing_listed(&index_path, i, object));
                }
            }
            let same_set = listed.len() == present.len()
                && present.iter().all(|object| listed.contains(object));
            if same_set {
                rewrite_if_stale(&index_path, &want, false, &mut out, || {
                    "lists the right objects, but not in canonical form (sorted, one per line); run `crm check --fix` to rewrite it".into()
                });
            }
        }
    }
    load::locate(&mut out.problems);
    // Stable: the problems of one file stay in the order they were found.
    out.problems.sort_by(|a, b| a.file.cmp(&b.file));
    out
}

/// Compares `path` with its canonical text `want`; rewrites it with `fix`, else reports it with
/// `message`.
fn rewrite_if_stale(
    path: &Path,
    want: &str,
    fix: bool,
    out: &mut Checked,
    message: impl FnOnce() -> String,
) {
    if std::fs::read(path).is_ok_and(|have| have == want.as_bytes()) {
        return;
    }
    if !fix {
        out.problems.push(problem(path, message()));
        return;
    }
    match std::fs::write(path, want) {
        Ok(()) => out.rewritten.push(path.to_owned()),
        Err(e) => out
            .problems
            .push(problem(path, format!("cannot rewrite it: {e}"))),
    }
}
