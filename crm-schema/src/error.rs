//! The crate's one error type: every problem found in a snapshot, each with its location.

use std::fmt;
use std::path::{Path, PathBuf};

/// One thing wrong with a snapshot or a raw response, located as precisely as the input allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file it was found in, when it came from a file.
    pub file: Option<PathBuf>,
    /// JSON pointer to the offending value (`/fields/3/type`); empty for the whole document.
    pub pointer: String,
    /// 1-based line and column, where the JSON parser reports them.
    pub position: Option<(usize, usize)>,
    /// What is wrong and, where there is one, how to fix it.
    pub message: String,
}

impl Problem {
    /// A problem at `pointer`, not yet tied to a file.
    pub fn at(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            file: None,
            pointer: pointer.into(),
            position: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            if let Some((line, column)) = self.position {
                write!(f, ":{line}:{column}")?;
            }
            f.write_str(": ")?;
        }
        if !self.pointer.is_empty() {
            write!(f, "at `{}`: ", self.pointer)?;
        }
        f.write_str(&self.message)
    }
}

/// All the problems found in one load, never only the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    problems: Vec<Problem>,
}

impl Error {
    /// An error made of these problems. There is at least one by construction at every call site;
    /// an empty list still displays something useful rather than nothing.
    pub fn new(problems: Vec<Problem>) -> Self {
        Error { problems }
    }

    /// One problem in `file`, at no particular place.
    pub fn in_file(file: &Path, message: impl Into<String>) -> Self {
        let mut p = Problem::at("", message);
        p.file = Some(file.to_owned());
        Error::new(vec![p])
    }

    /// The problems, in the order they were found.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Ties every problem that has no file yet to `file`.
    pub fn with_file(mut self, file: &Path) -> Self {
        for p in &mut self.problems {
            p.file.get_or_insert_with(|| file.to_owned());
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [] => f.write_str("invalid dictionary"),
            [one] => write!(f, "{one}"),
            many => {
                write!(f, "{} problems:", many.len())?;
                for p in many {
                    write!(f, "\n  {p}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {}

/// Shorthand for this crate's results.
pub type Result<T, E = Error> = std::result::Result<T, E>;
