//! Replacing a snapshot directory so that an error, or a kill at any instant, leaves either the
//! whole old snapshot or the whole new one: never a mix, never a half-written file.
//!
//! The new snapshot is written into a sibling staging directory (a copy of the old directory with
//! the refreshed files replaced), flushed, and then swapped with the old directory in one
//! `renameat2(RENAME_EXCHANGE)`. Where the platform or file system cannot exchange, each file is
//! renamed into place instead, which keeps every file whole but not the set.

use std::ffi::OsString;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A point in [`replace_snapshot`] where tests may inject a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// A new file has been written into the staging directory.
    Wrote(String),
    /// Everything is staged; the swap comes next.
    Staged,
}

fn staging_prefix(dir: &Path) -> OsString {
    let mut prefix = OsString::from(".");
    prefix.push(dir.file_name().unwrap_or_default());
    prefix.push(".refresh-");
    prefix
}

/// Removes staging directories that an interrupted earlier run left next to `dir`.
fn remove_stale_staging(parent: &Path, prefix: &OsString) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        if entry
            .file_name()
            .as_encoded_bytes()
            .starts_with(prefix.as_encoded_bytes())
        {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn write_synced(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut file = fs::File::create(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Replaces `files` (file name -> contents) in `dir`, keeping every other entry of `dir`.
/// `hook` is called at each [`Stage`]; an error from it aborts like any I/O error would.
/// Returns what the user should know about a replacement that succeeded: that it could not be
/// done in one step here, or that a subdirectory could not be carried over.
pub fn replace_snapshot(
    dir: &Path,
    files: &[(String, String)],
    hook: &mut dyn FnMut(Stage) -> io::Result<()>,
) -> io::Result<Vec<String>> {
    // `.` or `a/..` have no usable name or parent: work on the real path.
    let dir = &match fs::canonicalize(dir) {
        Ok(real) => real,
        Err(_) => dir.to_owned(),
    };
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let prefix = staging_prefix(dir);
    remove_stale_staging(&parent, &prefix);
    let mut name = prefix;
    name.push(std::process::id().to_string());
    let staging = parent.join(name);
    fs::create_dir_all(&staging)?;
    let result = stage_and_swap(dir, &staging, files, hook);
    // On success `staging` holds the old snapshot; on failure, the partial new one. Either way
    // it is garbage now, and a leftover from a kill is removed by the next run.
    let _ = fs::remove_dir_all(&staging);
    if result.is_ok() {
        // Make the rename itself durable, not only the files.
        let _ = fs::File::open(&parent).and_then(|d| d.sync_all());
    }
    result
}

fn copy_entry(entry: &fs::DirEntry, to: &Path) -> io::Result<()> {
    let kind = entry.file_type()?;
    let target = to.join(entry.file_name());
    if kind.is_symlink() {
        let link = fs::read_link(entry.path())?;
        #[cfg(unix)]
        return std::os::unix::fs::symlink(link, target);
        #[cfg(not(unix))]
        return fs::copy(entry.path(), target).map(drop);
    }
    if kind.is_file() {
        fs::copy(entry.path(), target)?;
    }
    Ok(())
}

fn stage_and_swap(
    dir: &Path,
    staging: &Path,
    files: &[(String, String)],
    hook: &mut dyn FnMut(Stage) -> io::Result<()>,
) -> io::Result<Vec<String>> {
    let existed = dir.is_dir();
    if existed {
        // The directory's own permissions travel with the copy.
        fs::set_permissions(staging, fs::metadata(dir)?.permissions())?;
        for entry in fs::read_dir(dir)? {
            copy_entry(&entry?, staging)?;
        }
    }
    for (name, contents) in files {
        write_synced(&staging.join(name), contents.as_bytes())?;
        hook(Stage::Wrote(name.clone()))?;
    }
    fs::File::open(staging)?.sync_all()?;
    hook(Stage::Staged)?;
    if !existed {
        return fs::rename(staging, dir).map(|()| Vec::new());
    }
    let mut warnings = Vec::new();
    match exchange(staging, dir) {
        Ok(()) => {
            // Subdirectories (such as `.raw/`) were not copied; carry them over from the old
            // snapshot, which now sits at `staging`.
            for entry in fs::read_dir(staging)?.flatten() {
                if entry.file_type().is_ok_and(|t| t.is_dir())
                    && let Err(e) = fs::rename(entry.path(), dir.join(entry.file_name()))
                {
                    warnings.push(format!(
                        "could not keep {}: {e}",
                        dir.join(entry.file_name()).display()
                    ));
                }
            }
        }
        Err(e) if exchange_unsupported(&e) => {
            for (name, _) in files {
                fs::rename(staging.join(name), dir.join(name))?;
            }
            warnings.push(
                "this system cannot swap directories in one step, so the files were replaced one by one: \
                 each file is whole, but an interruption could have left old and new files side by side"
                    .to_owned(),
            );
        }
        Err(e) => return Err(e),
    }
    Ok(warnings)
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

fn exchange_unsupported(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::Unsupported
        || matches!(e.raw_os_error(), Some(code) if code == rustix::io::Errno::INVAL.raw_os_error()
            || code == rustix::io::Errno::NOSYS.raw_os_error()
            || code == rustix::io::Errno::OPNOTSUPP.raw_os_error())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(dir: &Path) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter(|e| e.file_type().unwrap().is_file())
            .map(|e| {
                (
                    e.file_name().into_string().unwrap(),
                    fs::read_to_string(e.path()).unwrap(),
                )
            })
            .collect();
        out.sort();
        out
    }

    fn setup() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("dictionaries");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("accounts.json"), "old accounts").unwrap();
        fs::write(dir.join("contacts.json"), "old contacts").unwrap();
        fs::write(dir.join("README.md"), "readme").unwrap();
        fs::create_dir(dir.join(".raw")).unwrap();
        fs::write(dir.join(".raw/cases.json"), "raw").unwrap();
        (tmp, dir)
    }

    fn new_files() -> Vec<(String, String)> {
        vec![
            ("accounts.json".into(), "new accounts".into()),
            ("cases.json".into(), "new cases".into()),
        ]
    }

    fn leftovers(tmp: &Path) -> Vec<String> {
        fs::read_dir(tmp)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().into_string().unwrap())
            .filter(|n| n != "dictionaries")
            .collect()
    }

    #[test]
    fn replaces_listed_files_and_keeps_the_rest() {
        let (tmp, dir) = setup();
        assert_eq!(
            replace_snapshot(&dir, &new_files(), &mut |_| Ok(())).unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(
            snapshot(&dir),
            vec![
                ("README.md".into(), "readme".into()),
                ("accounts.json".into(), "new accounts".into()),
                ("cases.json".into(), "new cases".into()),
                ("contacts.json".into(), "old contacts".into()),
            ]
        );
        assert_eq!(
            fs::read_to_string(dir.join(".raw/cases.json")).unwrap(),
            "raw"
        );
        assert_eq!(leftovers(tmp.path()), Vec::<String>::new());
    }

    #[test]
    fn a_failure_at_any_stage_leaves_the_old_snapshot_intact() {
        let stages = [
            Stage::Wrote("accounts.json".into()),
            Stage::Wrote("cases.json".into()),
            Stage::Staged,
        ];
        for fail_at in stages {
            let (tmp, dir) = setup();
            let before = snapshot(&dir);
            let err = replace_snapshot(&dir, &new_files(), &mut |stage| {
                if stage == fail_at {
                    Err(io::Error::other("interrupted"))
                } else {
                    Ok(())
                }
            })
            .unwrap_err();
            assert_eq!(err.to_string(), "interrupted");
            assert_eq!(snapshot(&dir), before, "failing at {fail_at:?}");
            assert_eq!(
                leftovers(tmp.path()),
                Vec::<String>::new(),
                "failing at {fail_at:?}"
            );
        }
    }

    #[test]
    fn staging_left_by_a_killed_run_is_cleaned_up() {
        let (tmp, dir) = setup();
        let stale = tmp.path().join(".dictionaries.refresh-99999");
        fs::create_dir(&stale).unwrap();
        fs::write(stale.join("accounts.json"), "half").unwrap();
        replace_snapshot(&dir, &new_files(), &mut |_| Ok(())).unwrap();
        assert!(!stale.exists());
        assert_eq!(
            fs::read_to_string(dir.join("accounts.json")).unwrap(),
            "new accounts"
        );
    }

    /// The whole set is swapped in one step (the directory itself is replaced), not file by file.
    #[cfg(target_os = "linux")]
    #[test]
    fn swaps_the_directory_as_a_whole() {
        use std::os::unix::fs::MetadataExt;
        let (_tmp, dir) = setup();
        let before = fs::metadata(&dir).unwrap().ino();
        replace_snapshot(&dir, &new_files(), &mut |_| Ok(())).unwrap();
        assert_ne!(fs::metadata(&dir).unwrap().ino(), before);
    }

    #[test]
    fn a_relative_dot_directory_is_replaced_too() {
        let (_tmp, dir) = setup();
        let cwd = std::env::current_dir().unwrap();
        // `..` from a subdirectory names the snapshot directory without a file name of its own.
        let sub = dir.join(".raw");
        replace_snapshot(&sub.join(".."), &new_files(), &mut |_| Ok(())).unwrap();
        assert_eq!(std::env::current_dir().unwrap(), cwd);
        assert_eq!(
            fs::read_to_string(dir.join("accounts.json")).unwrap(),
            "new accounts"
        );
        assert_eq!(
            fs::read_to_string(dir.join(".raw/cases.json")).unwrap(),
            "raw"
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_and_permissions_survive() {
        use std::os::unix::fs::PermissionsExt;
        let (_tmp, dir) = setup();
        std::os::unix::fs::symlink("contacts.json", dir.join("people.json")).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o750)).unwrap();
        replace_snapshot(&dir, &new_files(), &mut |_| Ok(())).unwrap();
        assert_eq!(
            fs::read_link(dir.join("people.json")).unwrap(),
            PathBuf::from("contacts.json")
        );
        assert_eq!(
            fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o750
        );
    }

    #[test]
    fn creates_a_missing_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("fresh");
        replace_snapshot(&dir, &new_files(), &mut |_| Ok(())).unwrap();
        assert_eq!(snapshot(&dir).len(), 2);
    }
}
