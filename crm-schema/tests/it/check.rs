//! Checking a snapshot directory (`crm check`): the index against the files present, canonical
//! form, `--fix`, and how the loader reads a directory with an index.

use std::path::{Path, PathBuf};

use expect_test::expect;

use crm_schema::check::check_dir;
use crm_schema::load::{load, snapshot_files};

/// A copy of `tests/corpus/valid` (accounts, claims, contacts) in a fresh temporary directory,
/// removed by `Drop`.
struct Snapshot(PathBuf);

impl Snapshot {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("crm-check-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for object in ["accounts", "claims", "contacts"] {
            let from = Path::new("tests/corpus/valid").join(format!("{object}.json"));
            std::fs::copy(&from, dir.join(format!("{object}.json")))
                .unwrap_or_else(|e| panic!("{}: {e}", from.display()));
        }
        Snapshot(dir)
    }

    fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }

    fn write(&self, file: &str, text: &str) {
        std::fs::write(self.path(file), text).unwrap_or_else(|e| panic!("{file}: {e}"));
    }

    /// Every problem of `crm check` (without `--fix`), one per line, with `$DIR` for the path.
    fn problems(&self) -> String {
        let checked = check_dir(&self.0, false);
        let lines: Vec<String> = checked.problems.iter().map(|p| p.to_string()).collect();
        lines
            .join("\n")
            .replace(&self.0.display().to_string(), "$DIR")
    }

    fn fix(&self) -> Vec<String> {
        let checked = check_dir(&self.0, true);
        assert!(checked.is_ok(), "{:?}", checked.problems);
        checked
            .rewritten
            .iter()
            .filter_map(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect()
    }
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_snapshot_without_an_index_loads_and_check_says_to_add_one() {
    let snap = Snapshot::new("no-index");
    let dict = load(&snap.0).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(dict.objects.len(), 3);
    expect!["$DIR/index.json: missing: without an index a crate using `schema!` is not rebuilt when a snapshot file is added; run `crm check --fix` to write one"]
        .assert_eq(&snap.problems());
    assert_eq!(snap.fix(), ["index.json"]);
    expect![[r#"
        {
          "format": 1,
          "objects": [
            "accounts",
            "claims",
            "contacts"
          ]
        }
    "#]]
    .assert_eq(&std::fs::read_to_string(snap.path("index.json")).unwrap_or_default());
    assert_eq!(snap.problems(), "");
    assert_eq!(
        snap.fix(),
        Vec::<String>::new(),
        "a second fix changes nothing"
    );
}

#[test]
fn snapshot_files_are_the_index_and_what_it_lists() {
    let snap = Snapshot::new("files");
    snap.write(
        "index.json",
        "{\"format\": 1, \"objects\": [\"contacts\", \"accounts\"]}",
    );
    let names: Vec<String> = snapshot_files(&snap.0)
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .filter_map(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["index.json", "contacts.json", "accounts.json"]);
    // The loader reads what the index lists, never the unlisted `claims.json`: a build must
    // not depend on a file it does not embed.
    let dict = load(&snap.0).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        dict.objects.keys().collect::<Vec<_>>(),
        ["accounts", "contacts"]
    );
}

#[test]
fn unlisted_and_missing_files_are_reported_and_fixed() {
    let snap = Snapshot::new("stale-index");
    snap.write(
        "index.json",
        "{\n  \"format\": 1,\n  \"objects\": [\n    \"accounts\",\n    \"contacts\",\n    \"policies\"\n  ]\n}\n",
    );
    expect!["$DIR/index.json:6:5: at `/objects/2`: lists `policies`, but `policies.json` is missing; restore the file, or run `crm check --fix` to drop it from the index"]
        .assert_eq(&load(&snap.0).err().map(|e| e.to_string()).unwrap_or_default().replace(&snap.0.display().to_string(), "$DIR"));
    expect![[r#"
        $DIR/claims.json: not listed in `index.json`, so `schema!` does not read it; run `crm check --fix` to add it to the index, or delete the file
        $DIR/index.json:6:5: at `/objects/2`: lists `policies`, but `policies.json` is missing; restore the file, or run `crm check --fix` to drop it from the index"#]]
    .assert_eq(&snap.problems());
    assert_eq!(snap.fix(), ["index.json"]);
    assert_eq!(snap.problems(), "");
}

#[test]
fn an_unsorted_index_is_not_canonical() {
    let snap = Snapshot::new("unsorted");
    snap.write(
        "index.json",
        "{\"format\": 1, \"objects\": [\"contacts\", \"claims\", \"accounts\"]}\n",
    );
    expect!["$DIR/index.json: lists the right objects, but not in canonical form (sorted, one per line); run `crm check --fix` to rewrite it"]
        .assert_eq(&snap.problems());
    assert_eq!(snap.fix(), ["index.json"]);
}

#[test]
fn a_malformed_index_is_reported_member_by_member() {
    let snap = Snapshot::new("bad-index");
    snap.write(
        "index.json",
        "{\n  \"format\": 1,\n  \"objects\": [\"accounts\", \"../etc/passwd\", 3, \"accounts\"],\n  \"files\": []\n}\n",
    );
    expect![[r#"
        $DIR/index.json:3:27: at `/objects/1`: `../etc/passwd` is not an object name; list API object names such as `accounts`, without `.json` (or run `crm check --fix` to write the index from the files present)
        $DIR/index.json:3:44: at `/objects/2`: expected an object name (a string), found the number 3 (or run `crm check --fix` to write the index from the files present)
        $DIR/index.json:3:47: at `/objects/3`: `accounts` is listed twice: also at `/objects/0`; keep one (or run `crm check --fix` to write the index from the files present)
        $DIR/index.json:4:3: at `/files`: unknown key `files`; expected one of `format`, `objects` (or run `crm check --fix` to write the index from the files present)"#]]
    .assert_eq(&snap.problems());
    assert!(load(&snap.0).is_err(), "the loader refuses it too");
    assert_eq!(snap.fix(), ["index.json"]);
}

#[test]
fn every_problem_of_every_file_at_once_and_fix_rewrites_only_valid_files() {
    let snap = Snapshot::new("mixed");
    // Valid but untidy: one line, no final newline.
    let accounts = std::fs::read_to_string(snap.path("accounts.json")).unwrap_or_default();
    let value: serde_json::Value = serde_json::from_str(&accounts).unwrap_or_default();
    snap.write("accounts.json", &value.to_string());
    let claims = std::fs::read_to_string(snap.path("claims.json")).unwrap_or_default();
    snap.write(
        "claims.json",
        &claims.replacen("\"type\": \"date\"", "\"type\": \"day\"", 1),
    );
    expect![[r#"
        $DIR/accounts.json: valid, but not in canonical form (key order, spacing or a stale `content_hash`); run `crm check --fix` to rewrite it
        $DIR/claims.json:35:7: at `/fields/3/type`: unknown type `day`; expected one of id, text, long_text, email, phone, url, integer, decimal, currency, percent, boolean, date, datetime, lookup, reference, user, unknown
        $DIR/index.json: missing: without an index a crate using `schema!` is not rebuilt when a snapshot file is added; run `crm check --fix` to write one"#]]
    .assert_eq(&snap.problems());
    let checked = check_dir(&snap.0, true);
    assert_eq!(checked.problems.len(), 1, "{:?}", checked.problems);
    assert_eq!(checked.rewritten.len(), 2, "{:?}", checked.rewritten);
    assert_eq!(
        std::fs::read_to_string(snap.path("accounts.json")).unwrap_or_default(),
        accounts,
        "rewritten byte for byte as committed"
    );
}

#[test]
fn a_missing_directory_names_the_command_that_creates_it() {
    let checked = check_dir(Path::new("tests/corpus/nowhere"), false);
    let lines: Vec<String> = checked.problems.iter().map(|p| p.to_string()).collect();
    expect!["tests/corpus/nowhere: no such directory; pass the snapshot directory (`dictionaries/`), or create it with `crm refresh-schema`"]
        .assert_eq(&lines.join("\n"));
}
