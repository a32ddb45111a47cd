//! trybuild UI tests: every compile error the generated API promises, one behaviour per file,
//! with the `.stderr` a user sees. Update with `TRYBUILD=overwrite cargo test -p crm-tests`.
//!
//! trybuild compiles each file in a crate of its own under the target directory, whose manifest
//! directory is where `schema!` looks; the snapshots the files name are copied there first.

use std::path::{Path, PathBuf};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Cargo's target directory: the nearest ancestor of this test binary holding `CACHEDIR.TAG`.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors()
        .find(|d| d.join("CACHEDIR.TAG").is_file())
        .expect("test binary outside a cargo target dir")
        .to_owned()
}

#[test]
fn ui() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let project = target_dir().join("tests/trybuild/crm-tests");
    copy_dir(
        &manifest.join("../dictionaries"),
        &project.join("dictionaries"),
    );
    copy_dir(&manifest.join("ui/snapshots"), &project.join("snapshots"));
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/compile_fail/*.rs");
}
