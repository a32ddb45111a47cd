//! Code generation: a validated dictionary model in, a `proc_macro2::TokenStream` out.
//!
//! The same [`Generator`] serves the `schema!` macro, `crm codegen` ([`Generator::generate_file`]),
//! golden tests and any build script: it does no IO and never panics; everything wrong with its input comes back as [`Diagnostics`], all of
//! them at once.
//!
//! One module per concern:
//! - [`args`]: the arguments of `schema!`, parsed here so the macro crate stays a shim;
//! - [`names`]: Rust names of the generated items, and the collision check between them;
//! - `types`: each field's Rust type, filter field type and docs;
//! - `records`: the read model (`Account`), its tolerant decoder and the `Object`/`Record`
//!   impls;
//! - `builders`: the create body (`NewAccount`) and its typestate builder;
//! - `contract`: misuses (a default create body, setting a read-only field, clearing a mandatory
//!   one) turned into compile errors that say what to do instead;
//! - `patches`: the update body (`AccountPatch`);
//! - `lookups`: open enums for dropdown fields;
//! - `filters`: the `fields` module of typed filter constants;
//! - [`projection`]: `#[derive(Record)]` on a user's own struct.
//!
//! Generated code names the runtime only through `<crate>::__private` (default
//! `::crm_runtime`), so a crate that re-exports the runtime can point [`Settings::with_crate`]
//! at its own path.

pub mod args;
mod builders;
mod contract;
mod docs;
mod filters;
mod lookups;
pub mod names;
mod patches;
pub mod projection;
mod records;
mod types;

use std::fmt;

use crm_schema::{Dictionary, ObjectDef};
use proc_macro2::TokenStream;
use quote::quote;

/// This generator's version, named in the header of a generated file so that `crm check` can
/// tell a file made by another version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// How code is generated.
#[derive(Debug, Clone)]
pub struct Settings {
    krate: syn::Path,
    objects: Option<Vec<String>>,
    tracked_files: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            krate: syn::parse_quote!(::crm_runtime),
            objects: None,
            tracked_files: Vec::new(),
        }
    }
}

impl Settings {
    /// Default settings: every object, runtime at `::crm_runtime`.
    pub fn new() -> Self {
        Settings::default()
    }

    /// The path generated code uses for the runtime crate (`::crm_runtime`, or a re-export).
    pub fn with_crate(mut self, path: syn::Path) -> Self {
        self.krate = path;
        self
    }

    /// Generates only these objects (API names). References to objects left out are typed as
    /// external ids.
    pub fn with_objects(mut self, objects: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.objects = Some(objects.into_iter().map(Into::into).collect());
        self
    }

    /// Absolute paths of the snapshot files read, embedded with `include_bytes!` so that
    /// cargo rebuilds when one of them changes.
    pub fn with_tracked_files(
        mut self,
        files: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.tracked_files = files.into_iter().map(Into::into).collect();
        self
    }

    pub(crate) fn krate(&self) -> &syn::Path {
        &self.krate
    }
}

/// One problem that stops generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The object (API name) it concerns, if one.
    pub object: Option<String>,
    /// The field (API name) it concerns, if one.
    pub field: Option<String>,
    /// An object asked for (`objects = [..]`) that the snapshot does not have, so that the macro
    /// can point at the name that was asked for.
    pub requested: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.object, &self.field) {
            (Some(o), Some(field)) => write!(f, "`{o}.json`, field `{field}`: ")?,
            (Some(o), None) => write!(f, "`{o}.json`: ")?,
            _ => {}
        }
        f.write_str(&self.message)
    }
}

/// Every problem found, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

impl Diagnostics {
    /// A step that cannot fail on the generator's own output did: a bug, to be reported.
    pub fn bug(what: impl fmt::Display) -> Self {
        Diagnostics(vec![Diagnostic {
            object: None,
            field: None,
            requested: None,
            message: format!("{what}; this is a bug, please report it"),
        }])
    }
}

/// Turns a dictionary into Rust code.
#[derive(Debug, Clone, Default)]
pub struct Generator {
    settings: Settings,
}

impl Generator {
    /// A generator with these settings.
    pub fn new(settings: Settings) -> Self {
        Generator { settings }
    }

    /// One module per selected object, or every problem that prevents it.
    pub fn generate(&self, dict: &Dictionary) -> Result<TokenStream, Diagnostics> {
        let (selected, mut problems) = self.select(dict);
        let cx = types::Context::new(dict, &selected, &self.settings);
        for object in &selected {
            problems.extend(names::check(object, &cx));
        }
        if !problems.is_empty() {
            return Err(Diagnostics(problems));
        }
        let modules = selected.iter().map(|o| object_module(o, &cx));
        let tracked = self
            .settings
            .tracked_files
            .iter()
            .map(|f| quote!(::core::include_bytes!(#f)));
        let tracked = if self.settings.tracked_files.is_empty() {
            quote!()
        } else {
            quote! {
                // Makes cargo rebuild this crate when a snapshot file changes.
                const _: &[&[u8]] = &[#(#tracked),*];
            }
        };
        Ok(quote! {
            #tracked
            #(#modules)*
        })
    }

    /// What [`generate`](Self::generate) makes, as a source file to commit or `include!`: a
    /// header naming this generator's [`VERSION`], `command` (what wrote the file, to run again)
    /// and each object's `content_hash`, then the code pretty-printed. Tracked files are left
    /// out: a crate that includes the file rebuilds when the file changes, and their absolute
    /// paths would tie the file to one machine.
    pub fn generate_file(&self, dict: &Dictionary, command: &str) -> Result<String, Diagnostics> {
        let mut untracked = self.clone();
        untracked.settings.tracked_files.clear();
        let tokens = untracked.generate(dict)?;
        let (selected, _) = self.select(dict);
        let header = crm_schema::check::generated::Header::new(
            VERSION,
            command,
            self.settings.objects.is_none(),
            selected,
        );
        // Generated tokens always parse; should they not, the error is a diagnostic, not a panic.
        let file = syn::parse2::<syn::File>(tokens).map_err(|e| {
            Diagnostics::bug(format_args!("the generated code does not parse ({e})"))
        })?;
        Ok(header.render() + &prettyplease::unparse(&file))
    }

    /// The objects to generate (in snapshot order unless `objects` chose them), and a problem
    /// for each chosen one the snapshot does not have.
    fn select<'d>(&self, dict: &'d Dictionary) -> (Vec<&'d ObjectDef>, Vec<Diagnostic>) {
        let Some(names) = &self.settings.objects else {
            return (dict.iter().collect(), Vec::new());
        };
        let mut out = Vec::new();
        let mut problems = Vec::new();
        for name in names {
            match dict.object(name) {
                Some(o) => out.push(o),
                None => problems.push(Diagnostic {
                    object: None,
                    field: None,
                    requested: Some(name.clone()),
                    message: format!(
                        "object `{name}` is not in the snapshot; it has {}",
                        dict.iter()
                            .map(|o| format!("`{}`", o.api_name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }),
            }
        }
        (out, problems)
    }
}

/// Everything generated for one object.
fn object_module(object: &ObjectDef, cx: &types::Context<'_>) -> TokenStream {
    let module = names::ident(&object.module_name());
    let doc = docs::doc(&format!(
        "The `{}` object: its record type [`{}`], create builder, patch, lookup enums and filter fields.",
        object.api_name, object.type_name
    ));
    let record = records::generate(object, cx);
    let builder = builders::generate(object, cx);
    let patch = patches::generate(object, cx);
    let lookups = lookups::generate(object, cx);
    let fields = filters::generate(object, cx);
    let contract = contract::module(object);
    quote! {
        #doc
        pub mod #module {
            #record
            #builder
            #patch
            #lookups
            #fields
            #contract
        }
    }
}
