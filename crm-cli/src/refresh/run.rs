//! The refresh itself: fetch everything, normalise, validate, compare, then write atomically or
//! (with `--check`) only report.

use std::fmt;
use std::path::{Path, PathBuf};

use futures::{StreamExt, stream};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crm_schema::diff::Drift;
use crm_schema::{Dictionary, ObjectDef, Source};

use super::fetch::{FetchError, FetchFailure, Fetched, Skipped, Tenant, fetch_object};
use super::swap::{self, Stage};

/// What to refresh and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// API names of the objects to fetch (default: the eleven standard objects).
    pub objects: Vec<String>,
    /// The snapshot directory.
    pub out: PathBuf,
    /// Compare only; write nothing.
    pub check: bool,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Provenance of what is fetched (the tenant's base URL, or the sandbox).
    pub source: Source,
    /// Draw a progress bar on stderr (only honoured when stderr is a terminal).
    pub progress: bool,
}

/// What a refresh found and did.
#[derive(Debug)]
pub struct Report {
    /// Semantic differences between the old snapshot and the tenant.
    pub drift: Drift,
    /// Objects left out, with the reason.
    pub skipped: Vec<Skipped>,
    /// Objects fetched.
    pub fetched: usize,
    /// Files rewritten (0 with `--check` or when nothing changed).
    pub written: Vec<String>,
    /// Whether this was a `--check` run.
    pub check: bool,
    /// Things the user should know that did not stop the refresh.
    pub warnings: Vec<String>,
}

impl Report {
    /// The process exit code: with `--check`, 0 when nothing changed, 1 for additive drift, 2 for
    /// breaking drift; without it, 0.
    pub fn exit_code(&self) -> u8 {
        match (self.check, self.drift.is_empty(), self.drift.has_breaking()) {
            (false, _, _) | (true, true, _) => 0,
            (true, false, false) => 1,
            (true, false, true) => 2,
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.skipped {
            writeln!(f, "warning: skipped `{}`: {}", s.object, s.reason)?;
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        if self.drift.is_empty() {
            writeln!(f, "no drift: the snapshot matches the tenant")?;
        } else {
            writeln!(f, "{}", self.drift)?;
        }
        let verdict = match (self.check, self.drift.is_empty(), self.drift.has_breaking()) {
            (_, true, _) => "nothing to change".to_owned(),
            (true, false, false) => "additive drift (exit 1); run without --check to update the snapshot".to_owned(),
            (true, false, true) => {
                "BREAKING drift (exit 2): code that builds against the current snapshot may stop compiling".to_owned()
            }
            (false, false, _) => format!("updated {} file(s)", self.written.len()),
        };
        write!(
            f,
            "{} object(s) fetched, {} skipped: {verdict}",
            self.fetched,
            self.skipped.len()
        )
    }
}

/// Why a refresh stopped. The existing snapshot is untouched in every case.
#[derive(Debug)]
pub enum RefreshError {
    /// The token was refused.
    BadToken(FetchError),
    /// A request failed.
    Request {
        /// The path requested.
        path: String,
        /// The failure.
        error: FetchError,
    },
    /// A response could not be understood; its body was saved for a bug report.
    Unrecognised {
        /// The object concerned.
        object: String,
        /// The path requested.
        path: String,
        /// Where the raw body was saved, if saving worked.
        saved: Option<PathBuf>,
        /// What was wrong with it.
        error: crm_schema::Error,
    },
    /// The fetched dictionaries parse but fail validation.
    Invalid(crm_schema::Error),
    /// Writing the snapshot failed.
    Io(std::io::Error),
    /// An object name that is not one (`../x`).
    BadObjectName(String),
    /// `--check` found nothing to compare against: the existing snapshot does not load.
    OldSnapshot(crm_schema::Error),
    /// Every object asked for, or `accounts`, was refused (401 to 404): an access or plan
    /// problem, never "no drift".
    Refused(Vec<Skipped>),
}

impl fmt::Display for RefreshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefreshError::BadToken(e) => write!(
                f,
                "the tenant refused the token ({}). Create a token in the CRM under Settings / Integrations / API V4 \
                 (\"Manage API Keys and Alerts\", then \"generate new key\") and pass it in the CRM_TOKEN environment variable",
                e.message
            ),
            // The transport's message already names the request.
            RefreshError::Request { error, .. } => f.write_str(&error.message),
            RefreshError::Unrecognised {
                object,
                path,
                saved,
                error,
            } => {
                write!(
                    f,
                    "could not understand the response to GET {path} for `{object}`: {error}"
                )?;
                match saved {
                    Some(p) => write!(
                        f,
                        "\nthe raw response was saved to {} for a bug report",
                        p.display()
                    ),
                    None => Ok(()),
                }
            }
            RefreshError::Invalid(e) => write!(
                f,
                "the tenant's dictionary does not make a valid snapshot; nothing was written: {e}\n\
                 A name collision is fixed by adding the suggested \"rename\" to the existing snapshot file \
                 (overrides survive a refresh); a reference to a missing object by refreshing that object too."
            ),
            RefreshError::BadObjectName(name) => write!(
                f,
                "`{name}` is not an object name: use API object names such as `accounts` or `opportunity_lines` (letters, digits and `_`)"
            ),
            RefreshError::OldSnapshot(e) => write!(
                f,
                "the existing snapshot does not load, so there is nothing to check against: {e}\n\
                 Fix it by hand (`crm check` says how) or run without --check to replace it."
            ),
            RefreshError::Io(e) => write!(
                f,
                "writing the snapshot failed, the previous snapshot is intact: {e}"
            ),
            RefreshError::Refused(skipped) => {
                let statuses: Vec<String> = skipped
                    .iter()
                    .map(|s| match s.status {
                        Some(status) => format!("`{}` {status}", s.object),
                        None => format!("`{}`", s.object),
                    })
                    .collect();
                let what = if skipped.iter().any(|s| s.object == "accounts") {
                    "`accounts`, which every plan includes"
                } else {
                    "every object asked for"
                };
                write!(
                    f,
                    "the tenant refused {what} ({}): the token's API user or the plan does not allow reading them, \
                     so nothing was compared and nothing was written. Check the API user's rights in the CRM, or the token",
                    statuses.join(", ")
                )
            }
        }
    }
}

impl std::error::Error for RefreshError {}

/// Saves a body the adapters did not understand to `<out>/.raw/<object>.json`, in a directory
/// that ignores itself in git.
fn save_raw(out: &Path, object: &str, body: &[u8]) -> Option<PathBuf> {
    let dir = out.join(".raw");
    std::fs::create_dir_all(&dir).ok()?;
    std::fs::write(dir.join(".gitignore"), "*\n").ok()?;
    let path = dir.join(format!("{object}.json"));
    std::fs::write(&path, body).ok()?;
    Some(path)
}

fn progress_bar(show: bool, len: usize) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    if !show || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} fetching dictionaries {pos}/{len} {wide_msg}")
    {
        bar.set_style(style);
    }
    bar
}

/// Runs a refresh against `tenant`. With `test_hook`, tests can fail the write at any stage.
pub async fn refresh<T: Tenant>(tenant: &T, options: &Options) -> Result<Report, RefreshError> {
    refresh_with_hook(tenant, options, &mut |_| Ok(())).await
}

#[doc(hidden)]
pub async fn refresh_with_hook<T: Tenant>(
    tenant: &T,
    options: &Options,
    hook: &mut dyn FnMut(Stage) -> std::io::Result<()>,
) -> Result<Report, RefreshError> {
    if let Some(bad) = options.objects.iter().find(|o| !is_object_name(o)) {
        return Err(RefreshError::BadObjectName(bad.clone()));
    }
    // Every object refusing the token would also look like "not on the plan"; ask for something
    // every plan has first, so a bad token fails fast with the right advice.
    if let Err(e) = tenant.probe().await {
        return Err(if e.unauthorised {
            RefreshError::BadToken(e)
        } else {
            RefreshError::Request {
                path: "/accounts?limit=1".into(),
                error: e,
            }
        });
    }
    // Only the server says it is the sandbox (the probe has seen its answer); a URL does not.
    let source = options
        .source
        .clone()
        .identified_as_sandbox(tenant.identifies_as_sandbox());
    let mut warnings = Vec::new();
    let old = load_old(&options.out, options.check, &mut warnings)?;

    let redactor = tenant.redactor().await;
    let bar = progress_bar(options.progress, options.objects.len());
    let concurrency = options.concurrency.max(1);
    let results: Vec<(String, Result<Fetched, FetchFailure>)> =
        stream::iter(options.objects.iter())
            .map(|object| {
                let (bar, source, redactor) = (&bar, &source, &redactor);
                async move {
                    let result = fetch_object(tenant, object, source, redactor).await;
                    bar.inc(1);
                    bar.set_message(object.clone());
                    (object.clone(), result)
                }
            })
            .buffered(concurrency)
            .collect()
            .await;
    bar.finish_and_clear();

    let mut fetched = Vec::new();
    let mut skipped = Vec::new();
    for (object, result) in results {
        match result {
            Ok(Fetched::Object(def)) => fetched.push(*def),
            Ok(Fetched::Skipped(mut s)) => {
                // A first refresh has no file of the object to keep.
                s.reason
                    .push_str(match old.as_ref().and_then(|d| d.object(&s.object)) {
                        Some(_) => "; keeping the existing snapshot",
                        None => "; the snapshot has no file for it, so it stays without one",
                    });
                skipped.push(s);
            }
            Err(FetchFailure::Request { error, .. }) if error.unauthorised => {
                return Err(RefreshError::BadToken(error));
            }
            Err(FetchFailure::Request { path, error }) => {
                return Err(RefreshError::Request { path, error });
            }
            Err(FetchFailure::Unrecognised { path, body, error }) => {
                let saved = save_raw(&options.out, &object, &body);
                return Err(RefreshError::Unrecognised {
                    object,
                    path,
                    saved,
                    error,
                });
            }
        }
    }

    // Nothing fetched is nothing compared: "no drift" would be a lie. And a tenant that
    // refuses `accounts`, which every plan has, refuses the token's user, not an add-on.
    if (fetched.is_empty() && !skipped.is_empty()) || skipped.iter().any(|s| s.object == "accounts")
    {
        return Err(RefreshError::Refused(skipped));
    }

    // An object skipped on a first refresh has no file, so references to it cannot be checked:
    // they become external, and the user is told.
    for s in &skipped {
        if old.as_ref().is_some_and(|d| d.object(&s.object).is_some()) {
            continue;
        }
        for def in &mut fetched {
            for field in &mut def.fields {
                if let crm_schema::FieldType::Reference { target, external } = &mut field.ty
                    && *target == s.object
                    && !*external
                {
                    *external = true;
                    warnings.push(format!(
                        "`{}.{}` refers to `{target}`, which was skipped, so it is marked \"external\": true; refresh `{target}` once the tenant allows it and remove the mark",
                        def.api_name, field.api_name
                    ));
                }
            }
            def.provenance.content_hash = crm_schema::canonical::content_hash(def);
        }
    }
    // Local overrides (type names, renames) live in the old snapshot and must survive.
    if let Some(old) = &old {
        for def in &mut fetched {
            if let Some(previous) = old.object(&def.api_name) {
                warnings.extend(crm_schema::raw::carry_overrides(previous, def));
            }
        }
    }
    let mut problems = Vec::new();
    for def in &fetched {
        for mut p in crm_schema::validate::check_object(def) {
            p.file = Some(options.out.join(crm_schema::canonical::file_name(def)));
            problems.push(p);
        }
    }
    if !problems.is_empty() {
        return Err(RefreshError::Invalid(crm_schema::Error::new(problems)));
    }
    // Objects not fetched this time (skipped, or not asked for) keep their old definition.
    let fetched_names: Vec<String> = fetched.iter().map(|d| d.api_name.clone()).collect();
    let kept = old
        .iter()
        .flat_map(|d| d.iter())
        .filter(|d| !fetched_names.contains(&d.api_name))
        .cloned();
    let new = Dictionary::from_objects(fetched.iter().cloned().chain(kept))
        .map_err(RefreshError::Invalid)?;

    let empty = Dictionary::default();
    let drift = crm_schema::diff::diff(old.as_ref().unwrap_or(&empty), &new);

    let mut written = Vec::new();
    if !options.check {
        let files: Vec<(String, String)> = fetched
            .iter()
            .filter(|d| changed(old.as_ref(), d))
            .map(|d| {
                (
                    crm_schema::canonical::file_name(d),
                    crm_schema::canonical::to_canonical_string(d),
                )
            })
            .collect();
        written = files.iter().map(|(name, _)| name.clone()).collect();
        // The index goes in the same swap, so a crate that embeds it rebuilds (not counted as
        // a written object file).
        let (index_name, index) = crm_schema::canonical::index_file(&options.out, &new);
        let mut files = files;
        files.extend(index.map(|text| (index_name, text)));
        if !files.is_empty() {
            warnings.extend(
                swap::replace_snapshot(&options.out, &files, hook).map_err(RefreshError::Io)?,
            );
        }
    }
    Ok(Report {
        drift,
        skipped,
        fetched: fetched.len(),
        written,
        check: options.check,
        warnings,
    })
}

/// An unchanged object keeps its file as it is, old `fetched_at` included, so that a refresh
/// with no drift leaves `git status` clean.
fn changed(old: Option<&Dictionary>, new: &ObjectDef) -> bool {
    match old.and_then(|d| d.object(&new.api_name)) {
        Some(previous) => {
            crm_schema::canonical::content_hash(previous)
                != crm_schema::canonical::content_hash(new)
        }
        None => true,
    }
}

/// An API object name: it becomes a file name, so nothing that could leave the directory.
fn is_object_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The snapshot being replaced. With `--check` it is what the tenant is compared against, so it
/// must load; a refresh that rewrites it may start from a broken one.
fn load_old(
    out: &Path,
    check: bool,
    warnings: &mut Vec<String>,
) -> Result<Option<Dictionary>, RefreshError> {
    if !out.is_dir() || crm_schema::load::snapshot_files(out).is_ok_and(|f| f.is_empty()) {
        return Ok(None);
    }
    match crm_schema::load(out) {
        Ok(d) => Ok(Some(d)),
        Err(e) if check => Err(RefreshError::OldSnapshot(e)),
        Err(e) => {
            warnings.push(format!(
                "the existing snapshot in {} does not load, so drift is shown against nothing: {e}",
                out.display()
            ));
            Ok(None)
        }
    }
}
