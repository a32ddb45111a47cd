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
