//! Procedural macros over `crm-codegen`: read the snapshot, call the library, report errors.
//!
//! Paths are relative to the invoking crate's `CARGO_MANIFEST_DIR`. Every file read is embedded
//! with `include_bytes!`, the snapshot's `index.json` among them, so editing a snapshot rebuilds
//! the crate, and so does a new file once the index lists it (`crm check --fix` and
//! `crm refresh-schema` keep it current).

use std::path::{Path, PathBuf};

use crm_codegen::{Diagnostics, Generator, Settings, args::SchemaArgs, projection};
use proc_macro::TokenStream;
use proc_macro2::Span;

const FIX: &str =
    "check the snapshot with `crm check`, or fetch it again with `crm refresh-schema`";

/// Generates one module per object of a dictionary snapshot: `schema!("dictionaries")`, with
/// options `objects = ["accounts", ...]` and `crate = path::to::crm_runtime`.
#[proc_macro]
pub fn schema(input: TokenStream) -> TokenStream {
    guarded(|| {
        let args: SchemaArgs = syn::parse(input)?;
        let span = args.path.span();
        let (root, path) = resolve(&args.path.value());
        let dict = crm_schema::load(&path).map_err(|e| load_error(span, &root, &e))?;
        let files = crm_schema::load::snapshot_files(&path).unwrap_or_else(|_| vec![path.clone()]);
        let krate = args
            .krate
            .as_ref()
            .map(|k| quote::ToTokens::to_token_stream(k).to_string());
        let objects: Option<Vec<String>> = args
            .objects
            .as_ref()
            .map(|o| o.iter().map(syn::LitStr::value).collect());
        let generated = off_the_bridge(|| {
            let mut settings =
                Settings::new().with_tracked_files(files.iter().map(|f| f.display().to_string()));
            if let Some(k) = &krate {
                // Re-parsed here, so that its tokens are of the same kind as the generator's.
                let k = syn::parse_str(k).map_err(|e| {
                    Diagnostics::bug(format_args!(
                        "crm-derive could not re-read its crate path ({e})"
                    ))
                })?;
                settings = settings.with_crate(k);
            }
            if let Some(o) = objects {
                settings = settings.with_objects(o);
            }
            Generator::new(settings)
                .generate(&dict)
                .map(|tokens| tokens.to_string())
        });
        generated
            .and_then(|code| {
                // Straight to the compiler's lexer: proc-macro2's `parse` would first run its own
                // parser over the whole expansion to validate it, which costs as much as the
                // generation itself, for a string that proc-macro2 has just printed.
                code.parse::<TokenStream>()
                    .map(proc_macro2::TokenStream::from)
                    .map_err(|e| {
                        Diagnostics::bug(format_args!(
                            "crm-derive could not re-read its expansion ({e})"
                        ))
                    })
            })
            .map_err(|d| {
                // Each problem is spanned on the object name in `objects = [..]` it concerns, if
                // the invocation lists one, else on the snapshot path.
                let span_of = |d: &crm_codegen::Diagnostic| {
                    let name = d.requested.as_ref().or(d.object.as_ref());
                    args.objects
                        .iter()
                        .flatten()
                        .find(|lit| Some(&lit.value()) == name)
                        .map_or(span, syn::LitStr::span)
                };
                let mut errors = d.0.iter().map(|one| {
                    syn::Error::new(
                        span_of(one),
                        format!(
                            "cannot generate code from `{}`: {one}\n{FIX}",
                            args.path.value()
                        ),
                    )
                });
                let mut first = errors.next().unwrap_or_else(|| syn::Error::new(span, FIX));
                first.extend(errors);
                first
            })
    })
}

/// A projection of one object onto a user's struct:
/// `#[crm(object = "accounts", dictionary = "dictionaries")]`, fields matched by name or
/// `#[crm(rename = "addresscounty/state")]`.
#[proc_macro_derive(Record, attributes(crm))]
pub fn derive_record(input: TokenStream) -> TokenStream {
    guarded(|| {
        let input: syn::DeriveInput = syn::parse(input)?;
        let spec = projection::parse(&input)?;
        let (root, dir) = resolve(&spec.dictionary);
        let file = dir.join(format!("{}.json", spec.object));
        if !file.is_file() {
            let known = crm_schema::load::object_files(&dir)
                .map_err(|e| load_error(spec.object_span, &root, &e))?;
            let known: Vec<String> = known
                .iter()
                .filter_map(|f| f.file_stem())
                .map(|s| format!("`{}`", s.to_string_lossy()))
                .collect();
            let msg = format!(
                "no object `{}` in `{}`; it has {}",
                spec.object,
                spec.dictionary,
                known.join(", ")
            );
            return Err(syn::Error::new(spec.object_span, msg));
        }
        let object =
            crm_schema::load_file(&file).map_err(|e| load_error(spec.object_span, &root, &e))?;
        Ok(projection::expand(
            &input,
            &spec,
            &object,
            &file.display().to_string(),
        ))
    })
}

/// Runs `f` with proc-macro2's own token implementation instead of the compiler's.
///
/// Every token built through the compiler's `proc_macro` API is a call across the proc-macro
/// bridge, and `schema!` builds hundreds of thousands; built in proc-macro2's implementation and
/// handed over as one string, they cost one call. (`fallback::force` is proc-macro2's switch for
/// this; it is process-wide, so it is undone before returning, also on a panic.) Generated code
/// carries only call-site spans, so nothing is lost in the string.
fn off_the_bridge<T>(f: impl FnOnce() -> T) -> T {
    struct Unforce;
    impl Drop for Unforce {
        fn drop(&mut self) {
            proc_macro2::fallback::unforce();
        }
    }
    proc_macro2::fallback::force();
    let _unforce = Unforce;
    f()
}

/// The manifest directory and `relative` resolved against it.
fn resolve(relative: &str) -> (PathBuf, PathBuf) {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let path = root.join(relative);
    (root, path)
}

/// A snapshot error, with paths shown relative to the crate and the command that fixes it.
fn load_error(span: Span, root: &Path, e: &crm_schema::Error) -> syn::Error {
    let prefix = format!("{}/", root.display());
    let text = e.to_string().replace(&prefix, "");
    // The loader names the fixing command itself where it knows a better one.
    let fix = if ["crm check", "crm refresh-schema", "cargo xtask"]
        .iter()
        .any(|c| text.contains(c))
    {
        String::new()
    } else {
        format!("\n{FIX}")
    };
    syn::Error::new(span, format!("invalid dictionary snapshot: {text}{fix}"))
}

/// Runs the expansion; a panic becomes an error asking for a bug report instead of an ICE-like
/// "proc macro panicked".
fn guarded(f: impl FnOnce() -> syn::Result<proc_macro2::TokenStream>) -> TokenStream {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(Ok(tokens)) => tokens.into(),
        Ok(Err(e)) => e.to_compile_error().into(),
        Err(_) => syn::Error::new(
            Span::call_site(),
            "crm-derive panicked: this is a bug, please report it with the snapshot that caused it",
        )
        .to_compile_error()
        .into(),
    }
}
