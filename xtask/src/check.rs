//! `cargo xtask check`: every snapshot loads, validates, and is byte-for-byte canonical.

use std::path::Path;

/// Checks `dir`; with `fix`, rewrites files that load but are not canonical. Returns a summary,
/// or an error message that ends with the command that fixes it.
pub(crate) fn run(dir: &Path, fix: bool) -> Result<String, String> {
    let dict = crm_schema::load(dir).map_err(|e| {
        format!(
            "{e}\n\nThe snapshot in {} does not load. Fix the file(s) above by hand, or fetch a fresh \
             snapshot with `cargo xtask refresh-schema --out {}`.",
            dir.display(),
            dir.display()
        )
    })?;
    let mut stale = Vec::new();
    for object in dict.iter() {
        let path = dir.join(crm_schema::canonical::file_name(object));
        let want = crm_schema::canonical::to_canonical_string(object);
        let have =
            std::fs::read(&path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        if have != want.as_bytes() {
            if fix {
                std::fs::write(&path, &want)
                    .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
            }
            stale.push(path);
        }
    }
    let count = dict.objects.len();
    match (stale.is_empty(), fix) {
        (true, _) => Ok(format!(
            "{count} dictionaries in {} are valid and canonical",
            dir.display()
        )),
        (false, true) => Ok(format!(
            "rewrote {} of {count} dictionaries in canonical form",
            stale.len()
        )),
        (false, false) => Err(format!(
            "{} of {count} dictionaries are valid but not in canonical form (key order, spacing or a \
             stale content_hash):\n  {}\n\nRun `cargo xtask check --fix` to rewrite them.",
            stale.len(),
            stale
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join("\n  ")
        )),
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
