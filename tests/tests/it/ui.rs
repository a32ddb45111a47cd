//! trybuild UI tests: every compile error the generated API promises, one behaviour per file,
//! with the `.stderr` a user sees. Update with `TRYBUILD=overwrite cargo test -p crm-tests`.
//!
//! trybuild compiles each file in a crate of its own under the target directory, whose manifest
//! directory is where `schema!` looks; the snapshots the files name are copied there first.

use std::path::{Path, PathBuf};

pub(crate) fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// Cargo's target directory: the nearest ancestor of this test binary holding `CACHEDIR.TAG`.
pub(crate) fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    let dir = exe.ancestors().find(|d| d.join("CACHEDIR.TAG").is_file());
    dir.unwrap_or_else(|| panic!("{} is not inside a cargo target directory", exe.display()))
        .to_owned()
}

#[test]
fn ui() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let project = target_dir().join("tests/trybuild/crm-tests");
    for (from, to) in [
        ("../dictionaries", "dictionaries"),
        ("ui/snapshots", "snapshots"),
    ] {
        copy_dir(&manifest.join(from), &project.join(to))
            .unwrap_or_else(|e| panic!("copying {from}: {e}"));
    }
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/compile_fail/*.rs");
}
