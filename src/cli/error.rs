//! What stops a command: each error names what the user can fix. `command` prints it
//! once, escaped, and exits with status 2.

use std::fmt;
use std::path::PathBuf;

use crate::baseline::BaselineError;
use crate::config::ConfigError;
use crate::discover::ScanError;
use crate::fix::WriteError;

#[derive(Debug)]
pub enum CliError {
    /// The command line asks for something that cannot be done: flags that exclude each
    /// other, a value that names nothing, standard input whose format is not told.
    Usage(String),
    Config(ConfigError),
    Scan(ScanError),
    Baseline(BaselineError),
    /// `--fix` could not write a file (nothing was changed).
    Fix(WriteError),
    /// A report file that could not be written.
    Report {
        path: PathBuf,
        error: std::io::Error,
    },
    /// Standard input could not be read as text (the message names it).
    Stdin(String),
    /// A fix made a file that no longer parses: nothing was written.
    FixUnparsable,
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) => f.write_str(m),
            CliError::Config(e) => e.fmt(f),
            CliError::Scan(e) => e.fmt(f),
            CliError::Baseline(e) => e.fmt(f),
            CliError::Fix(e) => e.fmt(f),
            CliError::Report { path, error } => {
                write!(f, "cannot write {}: {error}", crate::sanitize::path(path))
            }
            CliError::Stdin(m) => f.write_str(m),
            CliError::FixUnparsable => f.write_str(
                "a fix produced a file that does not parse; nothing was changed (please report this)",
            ),
        }
    }
}

impl std::error::Error for CliError {}

impl From<ConfigError> for CliError {
    fn from(e: ConfigError) -> Self {
        CliError::Config(e)
    }
}

impl From<ScanError> for CliError {
    fn from(e: ScanError) -> Self {
        CliError::Scan(e)
    }
}

impl From<BaselineError> for CliError {
    fn from(e: BaselineError) -> Self {
        CliError::Baseline(e)
    }
}

impl From<WriteError> for CliError {
    fn from(e: WriteError) -> Self {
        CliError::Fix(e)
    }
}
