//! crm-codegen's integration tests: golden files and generation diagnostics.

mod diagnostics;
mod golden;

use std::path::{Path, PathBuf};

use crm_codegen::{Diagnostics, Generator, Settings};

/// The fixture directory `name` under `tests/fixtures`.
fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Generates the fixture `name` with `settings`, pretty-printed.
fn generate(name: &str, settings: Settings) -> Result<String, Diagnostics> {
    let dict = crm_schema::load(&fixture(name))
        .unwrap_or_else(|e| panic!("fixture `{name}` does not load: {e}"));
    let tokens = Generator::new(settings).generate(&dict)?;
    let file = syn::parse2::<syn::File>(tokens)
        .unwrap_or_else(|e| panic!("fixture `{name}`: generated code does not parse: {e}"));
    Ok(prettyplease::unparse(&file))
}
