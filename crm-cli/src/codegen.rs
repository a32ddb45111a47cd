//! `crm codegen [--snapshot DIR] [--objects a,b] --out FILE`: what `schema!` expands to, as a
//! Rust file to read, review in diffs, commit or `include!`.
//!
//! The code comes from the generator the macro calls ([`crm_codegen::Generator`]), with a
//! header naming the snapshot's content hashes, so `crm check --generated FILE` can tell when a
//! refresh left the file behind.

use std::path::{Path, PathBuf};

use crm_codegen::{Generator, Settings};
use crm_schema::check::generated::Header;

use crate::Failure;

/// The arguments of `crm codegen`.
#[derive(Debug, Clone, clap::Args)]
pub struct CodegenArgs {
    /// The snapshot directory.
    #[arg(long, default_value = "dictionaries")]
    pub snapshot: PathBuf,
    /// Only these objects (API names, comma-separated); references to the others are typed as
    /// external ids, as with `schema!(.., objects = [..])`.
    #[arg(long, value_delimiter = ',')]
    pub objects: Option<Vec<String>>,
    /// The file to write (`src/crm.rs`). An existing file is replaced only if `crm codegen`
    /// wrote it.
    #[arg(long)]
    pub out: PathBuf,
}

/// The command that writes `args.out`, as the header names it for the next run.
pub fn command_line(args: &CodegenArgs) -> String {
    let mut line = format!("crm codegen --snapshot {}", args.snapshot.display());
    if let Some(objects) = &args.objects {
        line.push_str(&format!(" --objects {}", objects.join(",")));
    }
    line.push_str(&format!(" --out {}", args.out.display()));
    line
}

/// The file's text: header, then the generated code pretty-printed.
pub fn render(args: &CodegenArgs) -> Result<String, Failure> {
    render_in(Path::new(""), args)
}

/// [`render`] with the snapshot path resolved against `dir` instead of the current directory;
/// the header still names the paths as given.
pub fn render_in(dir: &Path, args: &CodegenArgs) -> Result<String, Failure> {
    let snapshot = args.snapshot.display();
    let dict = crm_schema::load(&dir.join(&args.snapshot)).map_err(|e| {
        format!("cannot read the snapshot `{snapshot}`:\n{e}\ncheck it with `crm check {snapshot}`")
    })?;
    let mut settings = Settings::new();
    if let Some(objects) = &args.objects {
        settings = settings.with_objects(objects.iter().cloned());
    }
    Generator::new(settings)
        .generate_file(&dict, &command_line(args))
        .map_err(|d| format!("cannot generate code from `{snapshot}`:\n{d}"))
}

/// Writes the file and says what it wrote.
pub fn run(args: &CodegenArgs) -> Result<String, Failure> {
    let out = &args.out;
    if let Ok(old) = std::fs::read_to_string(out) {
        if Header::parse(&old).is_none() {
            return Err(format!(
                "`{}` exists and was not written by `crm codegen`; choose another --out, or delete it first",
                out.display()
            ));
        }
    } else if out.is_dir() {
        return Err(format!(
            "`{}` is a directory; --out takes a file (`src/crm.rs`)",
            out.display()
        ));
    }
    let text = render(args)?;
    replace(out, &text).map_err(|e| format!("cannot write `{}`: {e}", out.display()))?;
    let objects = Header::parse(&text).map_or(0, |h| h.objects.len());
    Ok(format!(
        "wrote {}: {objects} object{} from {}",
        out.display(),
        if objects == 1 { "" } else { "s" },
        args.snapshot.display()
    ))
}

/// Replaces `path` in one step (write beside it, then rename), so a failed write never leaves
/// half a file for the next build to include. Hand-written: it is two calls.
fn replace(path: &Path, text: &str) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Runs the command and prints its outcome; returns the exit code (0 written, 1 not).
pub fn run_and_print(args: &CodegenArgs) -> u8 {
    match run(args) {
        Ok(done) => {
            eprintln!("{done}");
            0
        }
        Err(e) => {
            eprintln!("crm: {e}");
            1
        }
    }
}
