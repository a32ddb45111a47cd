//! `crm check [DIR]`: exit codes and output, run as the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn committed() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dictionaries")
}

/// A copy of the committed snapshot as `<tmp>/dictionaries`.
fn copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("dictionaries");
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(committed()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "json") {
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    }
    (tmp, dir)
}

fn crm_check(cwd: &Path, args: &[&str]) -> (u8, String, String) {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_crm"))
        .arg("check")
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1) as u8,
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn a_valid_snapshot_in_the_default_directory_exits_0() {
    let (tmp, _) = copy();
    let (code, out, err) = crm_check(tmp.path(), &[]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (
            0,
            "dictionaries: 11 object files, valid and canonical\n",
            ""
        )
    );
}

#[test]
fn every_problem_is_shown_with_its_place_and_fix_and_exits_1() {
    let (tmp, dir) = copy();
    let accounts = std::fs::read_to_string(dir.join("accounts.json")).unwrap();
    std::fs::write(
        dir.join("accounts.json"),
        accounts.replacen("\"type\": \"text\"", "\"type\": \"txt\"", 1),
    )
    .unwrap();
    std::fs::remove_file(dir.join("cases.json")).unwrap();
    std::fs::write(dir.join("extra.json"), "{").unwrap();
    let (code, out, err) = crm_check(tmp.path(), &["dictionaries"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(
        err,
        "dictionaries/accounts.json:21:7: at `/fields/1/type`: unknown type `txt`; expected one of id, text, long_text, email, phone, url, integer, decimal, currency, percent, boolean, date, datetime, lookup, reference, user, unknown\n\
         dictionaries/extra.json:1:1: invalid JSON: EOF while parsing an object\n\
         dictionaries/extra.json: not listed in `index.json`, so `schema!` does not read it; run `crm check --fix` to add it to the index, or delete the file\n\
         dictionaries/index.json:9:5: at `/objects/5`: lists `cases`, but `cases.json` is missing; restore the file, or run `crm check --fix` to drop it from the index\n\
         dictionaries: 11 object files, 4 problems\n"
    );
}

#[test]
fn fix_rewrites_what_is_valid_and_exits_0_when_nothing_is_left() {
    let (tmp, dir) = copy();
    std::fs::remove_file(dir.join("index.json")).unwrap();
    let contacts = std::fs::read_to_string(dir.join("contacts.json")).unwrap();
    std::fs::write(dir.join("contacts.json"), contacts.replace("  ", "\t")).unwrap();
    let (code, out, err) = crm_check(tmp.path(), &["--fix"]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (
            0,
            "rewrote dictionaries/contacts.json\nrewrote dictionaries/index.json\ndictionaries: 11 object files, valid and canonical\n",
            ""
        )
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("contacts.json")).unwrap(),
        contacts
    );
    assert_eq!(
        std::fs::read(dir.join("index.json")).unwrap(),
        std::fs::read(committed().join("index.json")).unwrap()
    );
}

#[test]
fn a_missing_directory_exits_1_and_names_the_command_that_creates_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, err) = crm_check(tmp.path(), &[]);
    assert_eq!(
        (code, err.as_str()),
        (
            1,
            "dictionaries: no such directory; pass the snapshot directory (`dictionaries/`), or create it with `crm refresh-schema`\ndictionaries: 0 object files, 1 problem\n"
        )
    );
}
