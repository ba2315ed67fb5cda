//! Where `check` writes its reports: `--format FORMAT[=PATH]` (repeatable),
//! `--output-file`, `--statistics`. The analysis runs once; every report shows it.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{CheckArgs, CliError};
use crate::report::{self, Format};

/// One `--format` value: a format, and the file it goes to (standard output without).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatSpec {
    pub format: Format,
    pub path: Option<PathBuf>,
}

/// `human`, `sarif=results.sarif`.
pub fn parse_format_spec(s: &str) -> Result<FormatSpec, CliError> {
    use clap::ValueEnum;
    let (name, path) = match s.split_once('=') {
        Some((n, "")) => {
            return Err(CliError::Usage(format!(
                "`{n}=` names no file (write `{n}=PATH`)"
            )));
        }
        Some((n, p)) => (n, Some(PathBuf::from(p))),
        None => (s, None),
    };
    let format = Format::from_str(name, true).map_err(|_| {
        CliError::Usage(format!("unknown format `{name}` (one of: human, json, sarif, github; `FORMAT=PATH` writes it to a file)"))
    })?;
    Ok(FormatSpec { format, path })
}

/// Where one report goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dest {
    Stdout,
    File(PathBuf),
}

/// One report to write.
#[derive(Clone, Debug)]
pub struct Target {
    pub format: Format,
    pub dest: Dest,
    /// `--statistics`: the counts per rule instead of the findings.
    pub statistics: bool,
}

/// The reports of a run, checked before anything is analysed: at most one goes to
/// standard output (or `--output-file`), no file is named twice, `--statistics` applies
/// to that one report and only in a format that has statistics.
pub fn plan(args: &CheckArgs) -> Result<Vec<Target>, CliError> {
    let main: Vec<&FormatSpec> = args.format.iter().filter(|s| s.path.is_none()).collect();
    if main.len() > 1 {
        let names: Vec<&str> = main.iter().map(|s| s.format.name()).collect();
        return Err(CliError::Usage(format!(
            "only one report can go to standard output, not {}; write the others to files, e.g. `--format {}=report.{}`",
            names.join(" and "),
            names[1],
            names[1]
        )));
    }
    let mut targets: Vec<Target> = Vec::new();
    for spec in &args.format {
        let dest = match (&spec.path, &args.output_file) {
            (Some(p), _) | (None, Some(p)) => Dest::File(p.clone()),
            (None, None) => Dest::Stdout,
        };
        targets.push(Target {
            format: spec.format,
            dest,
            statistics: args.statistics && spec.path.is_none(),
        });
    }
    if args.output_file.is_some() && main.is_empty() {
        return Err(CliError::Usage(
            "--output-file: every --format already names its file; give one --format without `=PATH`"
                .into(),
        ));
    }
    if args.statistics {
        match targets.iter().find(|t| t.statistics) {
            None => targets.push(Target {
                format: Format::Human,
                dest: Dest::Stdout,
                statistics: true,
            }),
            Some(t) if matches!(t.format, Format::Sarif | Format::Github) => {
                return Err(CliError::Usage(format!(
                    "--statistics is a table (human) or a JSON array (json), not {}; write that report to a file, e.g. `--format {}=report.{}`",
                    t.format.name(),
                    t.format.name(),
                    t.format.name()
                )));
            }
            Some(_) => {}
        }
    }
    let files: Vec<PathBuf> = targets
        .iter()
        .filter_map(|t| match &t.dest {
            Dest::File(p) => Some(crate::normalize(p)),
            Dest::Stdout => None,
        })
        .collect();
    for (i, f) in files.iter().enumerate() {
        if files[..i].contains(f) {
            return Err(CliError::Usage(format!(
                "{} is named for two reports",
                crate::sanitize::path(f)
            )));
        }
    }
    Ok(targets)
}

/// Write every report. Standard output is streamed (a closed pipe just ends it; with
/// `to_stderr`, as for `--fix -`, that report goes to standard error); files are written
/// whole or not at all. A file that cannot be written is an error.
pub fn write_all(
    a: &crate::Analysis,
    targets: &[Target],
    options: &report::Options,
    to_stderr: bool,
) -> Result<(), CliError> {
    let plain = report::Options {
        color: false,
        ..*options
    };
    for t in targets {
        match &t.dest {
            Dest::Stdout if to_stderr => {
                let mut stderr = std::io::stderr().lock();
                let _ = render(a, t, &plain, &mut stderr);
            }
            Dest::Stdout => {
                let mut stdout =
                    std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
                let _ = render(a, t, options, &mut stdout).and_then(|()| stdout.flush());
            }
            Dest::File(path) => {
                write_atomic(path, |out| render(a, t, &plain, out)).map_err(|error| {
                    CliError::Report {
                        path: path.clone(),
                        error,
                    }
                })?
            }
        }
    }
    Ok(())
}

fn render(
    a: &crate::Analysis,
    t: &Target,
    options: &report::Options,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if t.statistics {
        report::write_statistics(a, t.format, options, out)
    } else {
        report::write_with(a, t.format, options, out)
    }
}

/// Write a file (and its folder if missing) through a temporary file beside it, renamed over it once complete: a
/// reader (code scanning upload, a later step) never sees half a report, and a failed run
/// leaves the previous file as it was.
///
/// Something that is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO) is written
/// into as it is: renaming over it would replace it with a file. A symbolic link is
/// followed, so the file it points at is replaced, not the link.
fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let resolved;
    let path = match std::fs::metadata(path) {
        Ok(m) if !m.is_file() && !m.is_dir() => {
            let mut out =
                std::io::BufWriter::new(std::fs::OpenOptions::new().write(true).open(path)?);
            fill(&mut out)?;
            return out.flush();
        }
        Ok(_) if path.is_symlink() => {
            resolved = std::fs::canonicalize(path)?;
            resolved.as_path()
        }
        _ => path,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // As for a report to standard output, the folder need not exist yet.
    std::fs::create_dir_all(&dir)?;
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("not a file name"))?
        .to_string_lossy();
    let (tmp, file) = (0..100)
        .find_map(|n| {
            let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
            {
                Ok(f) => Some(Ok((tmp, f))),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => None,
                Err(e) => Some(Err(e)),
            }
        })
        .unwrap_or_else(|| Err(std::io::Error::other("no temporary file name free")))?;
    let written = (|| {
        let mut out = std::io::BufWriter::new(file);
        fill(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_specs_parse() {
        assert_eq!(
            parse_format_spec("sarif=out/r.sarif").ok(),
            Some(FormatSpec {
                format: Format::Sarif,
                path: Some(PathBuf::from("out/r.sarif"))
            })
        );
        assert_eq!(
            parse_format_spec("human").ok(),
            Some(FormatSpec {
                format: Format::Human,
                path: None
            })
        );
        assert!(parse_format_spec("sarif=").is_err());
        assert!(parse_format_spec("xml").is_err());
    }
}
