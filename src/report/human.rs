//! Human output: codespan-reporting diagnostics with primary and secondary labels.
//!
//! Everything printed from the scanned repository is escaped ([`crate::sanitize`]): the
//! messages, labels and notes, the file names, and the source lines that are quoted,
//! which are rendered from an escaped copy of the file with the spans mapped onto it. So
//! no line of the report can start with a workflow command (`::error ...`) and no escape
//! sequence from a file reaches the terminal, whatever the colour setting.

use std::collections::HashMap;
use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::{self, termcolor};

use crate::Analysis;
use crate::finding::{Finding, Severity};
use crate::sanitize;
use crate::source::{FileId, SourceMap, Span};

fn severity(s: Severity) -> CsSeverity {
    match s {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
        Severity::Note => CsSeverity::Note,
    }
}

/// Lines longer than this are not quoted (a minified file would flood the terminal).
const MAX_QUOTED_LINE: usize = 400;

fn quotable(sources: &SourceMap, span: Span) -> bool {
    let f = sources.get(span.file);
    let first = f.line_index(span.start as usize);
    let last = f.line_index(span.end as usize);
    (first..=last).all(|l| f.line_range(l).len() <= MAX_QUOTED_LINE)
}

/// One character of a file that is quoted escaped: where it was and where its escaped
/// text is.
#[derive(Clone, Debug)]
struct Replaced {
    from: Range<usize>,
    to: Range<usize>,
}

/// A file's text as the report quotes it: every unsafe character shown visibly (line
/// breaks and tabs kept; a CR right before a line break is kept too, as the renderer
/// drops line endings), with the map from the original's byte offsets.
#[derive(Debug)]
struct Escaped {
    text: String,
    line_starts: Vec<usize>,
    replaced: Vec<Replaced>,
}

impl Escaped {
    /// `None` when the text needs no escaping (nearly always).
    fn new(text: &str) -> Option<Escaped> {
        let needs = |(i, c): (usize, char)| {
            sanitize::is_unsafe(c)
                && c != '\n'
                && c != '\t'
                && !(c == '\r' && text[i + 1..].starts_with('\n'))
        };
        if !text.char_indices().any(needs) {
            return None;
        }
        let mut out = String::with_capacity(text.len() + 64);
        let mut replaced = Vec::new();
        for (i, c) in text.char_indices() {
            if needs((i, c)) {
                let at = out.len();
                out.push_str(&sanitize::visible(c.encode_utf8(&mut [0; 4])));
                replaced.push(Replaced {
                    from: i..i + c.len_utf8(),
                    to: at..out.len(),
                });
            } else {
                out.push(c);
            }
        }
        let line_starts = codespan_reporting::files::line_starts(&out).collect();
        Some(Escaped {
            text: out,
            line_starts,
            replaced,
        })
    }

    /// The offset in the escaped text of an offset in the original (an offset inside a
    /// replaced character moves to the end of its escape).
    fn map(&self, offset: usize) -> usize {
        let n = self.replaced.partition_point(|r| r.from.start < offset);
        match n.checked_sub(1).map(|i| &self.replaced[i]) {
            None => offset,
            Some(r) if offset >= r.from.end => r.to.end + (offset - r.from.end),
            Some(r) => r.to.end,
        }
    }

    /// The offset in the original of an offset in the escaped text (an offset inside an
    /// escape moves to the start of its character).
    fn unmap(&self, offset: usize) -> usize {
        let n = self.replaced.partition_point(|r| r.to.start < offset);
        match n.checked_sub(1).map(|i| &self.replaced[i]) {
            None => offset,
            Some(r) if offset >= r.to.end => r.from.end + (offset - r.to.end),
            Some(r) => r.from.start,
        }
    }
}

/// The files as the report quotes them: escaped copies of the few that need it, made
/// once per report, and escaped names.
struct Quoted<'a> {
    sources: &'a SourceMap,
    escaped: HashMap<FileId, Option<Escaped>>,
    names: HashMap<FileId, String>,
}

impl<'a> Quoted<'a> {
    fn new(sources: &'a SourceMap) -> Quoted<'a> {
        Quoted {
            sources,
            escaped: HashMap::new(),
            names: HashMap::new(),
        }
    }

    /// Make the escaped copy and name of a file ready.
    fn prepare(&mut self, id: FileId) {
        let f = self.sources.get(id);
        self.escaped
            .entry(id)
            .or_insert_with(|| Escaped::new(&f.text));
        self.names
            .entry(id)
            .or_insert_with(|| sanitize::visible(&f.display).into_owned());
    }

    fn escaped(&self, id: FileId) -> Option<&Escaped> {
        self.escaped.get(&id).and_then(Option::as_ref)
    }

    /// A span's byte range in the quoted text of its file.
    fn range(&self, span: Span) -> Range<usize> {
        match self.escaped(span.file) {
            None => span.range(),
            Some(e) => e.map(span.start as usize)..e.map(span.end as usize),
        }
    }
}

impl<'a> Files<'a> for Quoted<'_> {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        match self.names.get(&id) {
            Some(n) => Ok(n),
            None => Err(FilesError::FileMissing),
        }
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        match self.escaped(id) {
            Some(e) => Ok(&e.text),
            None => self.sources.source(id),
        }
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        match self.escaped(id) {
            Some(e) => Ok(e
                .line_starts
                .partition_point(|&s| s <= byte_index)
                .saturating_sub(1)),
            None => self.sources.line_index(id, byte_index),
        }
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let Some(e) = self.escaped(id) else {
            return self.sources.line_range(id, line_index);
        };
        let start = *e
            .line_starts
            .get(line_index)
            .ok_or(FilesError::LineTooLarge {
                given: line_index,
                max: e.line_starts.len() - 1,
            })?;
        let end = e
            .line_starts
            .get(line_index + 1)
            .copied()
            .unwrap_or(e.text.len());
        Ok(start..end)
    }

    /// The column in the original line (an escape shown as one character), so the
    /// `file:line:column` heading is the same as in every other format.
    fn column_number(
        &'a self,
        id: FileId,
        line_index: usize,
        byte_index: usize,
    ) -> Result<usize, FilesError> {
        let Some(e) = self.escaped(id) else {
            return self.sources.column_number(id, line_index, byte_index);
        };
        let line_start = self.line_range(id, line_index)?.start;
        let (from, to) = (e.unmap(line_start), e.unmap(byte_index));
        let text = &self.sources.get(id).text;
        let to = to.clamp(from, text.len());
        Ok(text.get(from..to).map_or(0, |t| t.chars().count()) + 1)
    }
}

/// The codespan diagnostic of a finding, with its labels on the quoted files.
fn diagnostic(f: &Finding, quoted: &mut Quoted<'_>) -> Diagnostic<FileId> {
    let sources = quoted.sources;
    let mut labels = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut add = |span: Span, msg: &str, primary: bool| {
        let msg = sanitize::visible(msg);
        if quotable(sources, span) {
            quoted.prepare(span.file);
            let range = quoted.range(span);
            let l = if primary {
                Label::primary(span.file, range)
            } else {
                Label::secondary(span.file, range)
            };
            labels.push(l.with_message(msg));
        } else {
            let file = sources.get(span.file);
            let pos = file.line_col(span.start as usize);
            notes.push(format!(
                "{}:{}:{}: {msg} (line too long to quote)",
                sanitize::visible(&file.display),
                pos.line,
                pos.column
            ));
        }
    };
    add(f.primary, &f.label, true);
    for l in &f.secondary {
        add(l.span, &l.message, false);
    }
    notes.extend(f.notes.iter().map(|n| sanitize::visible(n).into_owned()));
    if let Some(help) = &f.help {
        notes.push(format!("help: {}", sanitize::visible(help)));
    }
    notes.push(format!(
        "rule: {} (see `acrlint explain {}`)",
        f.rule.name, f.rule.code
    ));
    Diagnostic::new(severity(f.severity))
        .with_code(f.rule.code)
        .with_message(sanitize::visible(&f.message))
        .with_labels(labels)
        .with_notes(notes)
}

/// Write every finding and, unless quiet, a summary line.
pub fn write(
    a: &Analysis,
    options: &super::Options,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut styled: Box<dyn termcolor::WriteColor + '_> = if options.color {
        Box::new(termcolor::Ansi::new(&mut *out))
    } else {
        Box::new(termcolor::NoColor::new(&mut *out))
    };
    let config = term::Config::default();
    let mut quoted = Quoted::new(&a.sources);
    for f in &a.findings {
        let d = diagnostic(f, &mut quoted);
        match term::emit_to_write_style(&mut styled, &config, &quoted, &d) {
            Ok(()) => {}
            Err(codespan_reporting::files::Error::Io(e)) => return Err(e),
            // A span outside its file cannot happen by construction; write what we can if it does.
            Err(_) => writeln!(
                styled,
                "{}[{}]: {}",
                f.severity.as_str(),
                f.rule.code,
                sanitize::visible(&f.message)
            )?,
        }
    }
    drop(styled);
    if options.quiet {
        return Ok(());
    }
    out.write_all(summary_with(a, options).as_bytes())
}

/// `--statistics`: one line per rule (count, code, name), most frequent first, then the
/// summary line unless quiet.
pub fn write_statistics(
    a: &Analysis,
    stats: &[super::RuleCount],
    options: &super::Options,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let width = stats
        .iter()
        .map(|s| s.count.to_string().len())
        .max()
        .unwrap_or(1);
    for s in stats {
        writeln!(out, "{:>width$}  {:<8} {}", s.count, s.code, s.name)?;
    }
    if options.quiet {
        return Ok(());
    }
    out.write_all(summary_with(a, options).as_bytes())
}

/// [`summary`], saying how many findings a display filter left out.
fn summary_with(a: &Analysis, options: &super::Options) -> String {
    let mut line = summary(a);
    if let Some((min, n)) = options.not_shown.filter(|(_, n)| *n > 0) {
        line.pop();
        line.push_str(&format!(
            "; {n} below {} not shown (--severity)\n",
            min.as_str()
        ));
    }
    line.push_str(&not_followed(a));
    line
}

/// `3 registry modules not followed (...)`: the modules whose resources were not checked
/// (the LINT003 notes, counted even when below `--severity`), said without `-v` so that
/// the output does not read as a pass.
fn not_followed(a: &Analysis) -> String {
    let n = a
        .findings
        .iter()
        .filter(|f| f.rule.code == crate::rules::module_not_analysed::RULE.meta.code)
        .count();
    match n {
        0 => String::new(),
        n => format!(
            "{n} registry module{} not followed (not in the local module cache: run `terraform init -backend=false` / `bicep restore`; LINT003 lists them)\n",
            if n == 1 { "" } else { "s" }
        ),
    }
}

/// `3 findings (1 error, 2 warnings) in 12 files`, and what ignore files hid:
/// `no findings in 12 files (3 hidden by ignore files; -v lists them)`.
pub fn summary(a: &Analysis) -> String {
    let count = |s: Severity| a.findings.iter().filter(|f| f.severity == s).count();
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    let hidden = if a.files_hidden > 0 {
        format!(
            " ({} hidden by ignore files; -v lists them)",
            a.files_hidden
        )
    } else {
        String::new()
    };
    if a.findings.is_empty() {
        return format!(
            "no findings in {}{hidden}\n",
            plural(a.files_scanned, "file")
        );
    }
    let parts: Vec<String> = [
        (Severity::Error, "error"),
        (Severity::Warning, "warning"),
        (Severity::Note, "note"),
    ]
    .iter()
    .filter(|(s, _)| count(*s) > 0)
    .map(|(s, w)| plural(count(*s), w))
    .collect();
    format!(
        "{} ({}) in {}{hidden}\n",
        plural(a.findings.len(), "finding"),
        parts.join(", "),
        plural(a.files_scanned, "file")
    )
}
