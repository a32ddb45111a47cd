//! `crm check [DIR]`: every problem of a snapshot directory at once, each with its file, line
//! and column or JSON pointer, and its fix; `--fix` rewrites the valid files and the index in
//! canonical form; `--generated FILE` also checks a file written by `crm codegen` against the
//! snapshot. `cargo xtask check` runs this same function.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The arguments of `crm check`.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// The snapshot directory.
    #[arg(default_value = "dictionaries")]
    pub dir: PathBuf,
    /// Rewrite valid files that are not canonical (key order, spacing, `content_hash`) and the
    /// index (`index.json`) from the files present, then report what is left.
    #[arg(long)]
    pub fix: bool,
    /// A file written by `crm codegen` (repeatable): reported when the snapshot has changed
    /// since it was written, with the command that regenerates it.
    #[arg(long, value_name = "FILE")]
    pub generated: Vec<PathBuf>,
}

/// What a check prints: `out` for stdout, `err` for stderr, and the exit code (0 when nothing
/// is left to fix, 1 otherwise).
#[derive(Debug)]
pub struct Outcome {
    /// The exit code.
    pub code: u8,
    /// What was rewritten and the verdict when all is well.
    pub out: String,
    /// One line per problem, then how many.
    pub err: String,
}

/// Checks `dir` (rewriting with `fix`) and words the result.
pub fn run(dir: &Path, fix: bool) -> Outcome {
    run_with(dir, fix, &[])
}

/// Checks `dir` (rewriting with `fix`) and each file of `generated` against it, and words the
/// result.
pub fn run_with(dir: &Path, fix: bool, generated: &[PathBuf]) -> Outcome {
    let mut checked = crm_schema::check::check_dir(dir, fix);
    for file in generated {
        checked
            .problems
            .extend(crm_schema::check::generated::check_generated(
                dir,
                file,
                crm_codegen::VERSION,
            ));
    }
    let mut out = String::new();
    for path in &checked.rewritten {
        let _ = writeln!(out, "rewrote {}", path.display());
    }
    let files = match checked.objects {
        1 => "1 object file".to_owned(),
        n => format!("{n} object files"),
    };
    if checked.is_ok() {
        let current: Vec<String> = generated
            .iter()
            .map(|f| format!("; {} current", f.display()))
            .collect();
        let _ = writeln!(
            out,
            "{}: {files}, valid and canonical{}",
            dir.display(),
            current.concat()
        );
        return Outcome {
            code: 0,
            out,
            err: String::new(),
        };
    }
    let mut err = String::new();
    for p in &checked.problems {
        let _ = writeln!(err, "{p}");
    }
    let count = match checked.problems.len() {
        1 => "1 problem".to_owned(),
        n => format!("{n} problems"),
    };
    let _ = writeln!(err, "{}: {files}, {count}", dir.display());
    Outcome { code: 1, out, err }
}

/// Runs the check and prints it; returns the exit code.
pub fn run_and_print(args: &CheckArgs) -> u8 {
    let outcome = run_with(&args.dir, args.fix, &args.generated);
    print!("{}", outcome.out);
    eprint!("{}", outcome.err);
    outcome.code
}
