//! `cargo xtask check`: `crm check` over the workspace's snapshot (one implementation, in
//! `crm_cli::check`).

use std::path::Path;

/// Checks `dir` as `crm check` does; with `fix`, rewrites what is valid in canonical form.
/// Returns what to print on stdout, or on failure what to print on stderr.
pub(crate) fn run(dir: &Path, fix: bool) -> Result<String, String> {
    let outcome = crm_cli::check::run(dir, fix);
    if outcome.code == 0 {
        Ok(outcome.out.trim_end().to_owned())
    } else {
        Err(format!("{}{}", outcome.out, outcome.err.trim_end()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed snapshot is what the macro and the sandbox read: it must always pass.
    #[test]
    fn committed_dictionaries_are_valid_and_canonical() {
        let dir = crate::workspace_root().join("dictionaries");
        if let Err(message) = run(&dir, false) {
            panic!("{message}");
        }
    }
}

/// A new snapshot file rebuilds a crate that uses `schema!`, with no build script: the index
/// the macro embeds changes when `crm check --fix` (or a refresh) lists the file.
#[cfg(test)]
mod rebuild {
    use std::path::{Path, PathBuf};
    use std::process::Command;

    /// Runs `cargo check` on the scratch crate and returns whether cargo compiled `small` again
    /// (its `compiler-artifact` message says `"fresh": false`).
    fn check_recompiles(ws: &Path, target: &Path) -> bool {
        let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["check", "--offline", "--message-format=json"])
            .current_dir(ws)
            .env("CARGO_TARGET_DIR", target)
            .env_remove("RUSTFLAGS")
            .output()
            .unwrap_or_else(|e| panic!("cannot run cargo: {e}"));
        assert!(
            out.status.success(),
            "cargo check failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let artifact = stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "small")
            .unwrap_or_else(|| panic!("no artifact for `small` in:\n{stdout}"));
        artifact["fresh"] == false
    }

    fn write(path: &Path, text: &str) {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        }
        std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }

    #[test]
    fn adding_a_snapshot_file_rebuilds_the_crate() {
        let root = crate::workspace_root();
        let corpus = root.join("crm-schema/tests/corpus/valid");
        // Kept between runs so the dependencies are built once.
        let base = std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| root.join("target"), PathBuf::from)
            .join("rebuild-test");
        let ws = base.join(format!("small-{}", std::process::id()));
        let dict = ws.join("dictionaries");
        let _ = std::fs::remove_dir_all(&ws);
        write(
            &ws.join("Cargo.toml"),
            &format!(
                "[package]\nname = \"small\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\ncrm-runtime = {{ path = {:?} }}\n\n[workspace]\n",
                root.join("crm-runtime").display().to_string()
            ),
        );
        let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap_or_default();
        write(&ws.join("Cargo.lock"), &lock);
        write(
            &ws.join("src/lib.rs"),
            "//! A downstream crate.\ncrm_runtime::schema!(\"dictionaries\");\n",
        );
        for object in ["accounts", "contacts"] {
            let text =
                std::fs::read_to_string(corpus.join(format!("{object}.json"))).unwrap_or_default();
            write(&dict.join(format!("{object}.json")), &text);
        }
        assert_eq!(crm_cli::check::run(&dict, true).code, 0);

        assert!(check_recompiles(&ws, &base.join("target")), "first build");
        assert!(
            !check_recompiles(&ws, &base.join("target")),
            "nothing changed, nothing rebuilt"
        );
        let claims = std::fs::read_to_string(corpus.join("claims.json")).unwrap_or_default();
        write(&dict.join("claims.json"), &claims);
        // Not listed yet: the build does not read it, so it need not rebuild (and `crm check`
        // says so).
        assert!(!check_recompiles(&ws, &base.join("target")));
        assert_eq!(crm_cli::check::run(&dict, false).code, 1);
        let fixed = crm_cli::check::run(&dict, true);
        assert_eq!(fixed.code, 0, "{}", fixed.err);
        assert!(fixed.out.contains("rewrote"), "{}", fixed.out);
        assert!(
            check_recompiles(&ws, &base.join("target")),
            "the index changed, so the crate is rebuilt with the new module"
        );
        let _ = std::fs::remove_dir_all(&ws);
    }
}
