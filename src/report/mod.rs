//! Reporters: render an [`crate::Analysis`] for people and machines. One module per format.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;
pub mod summary;

use clap::ValueEnum;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Rich diagnostics with source excerpts (default).
    Human,
    /// A stable JSON document.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// GitHub Actions annotations (workflow commands).
    Github,
}

impl Format {
    /// The name the command line uses (`--format sarif`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
        }
    }
}

/// How a report is shown, beyond its format.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Colour (human output on a terminal).
    pub color: bool,
    /// No summary line: the findings only (`--quiet`).
    pub quiet: bool,
    /// Findings left out by a display filter (`--severity`), with the filter's lowest
    /// severity shown: the summary says so, so a filtered run is not mistaken for a clean one.
    pub not_shown: Option<(crate::finding::Severity, usize)>,
}

/// Write an analysis in a format, finding by finding: a report of tens of thousands of
/// findings streams out instead of being built in memory first.
pub fn write(
    a: &crate::Analysis,
    format: Format,
    color: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let options = Options {
        color,
        ..Options::default()
    };
    write_with(a, format, &options, out)
}

/// [`write`] with every display option.
pub fn write_with(
    a: &crate::Analysis,
    format: Format,
    options: &Options,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Human => human::write(a, options, out),
        Format::Json => json::write(a, options, out),
        Format::Sarif => sarif::write(a, out),
        Format::Github => github::write(a, out),
    }
}

/// Pretty JSON in which the characters that must never be printed raw
/// ([`crate::sanitize::is_unsafe`]) are `\uXXXX` escapes even where JSON allows them as
/// they are (DEL, C1 controls, bidi controls): the values are exact, and the document
/// is safe to print on a terminal or in a CI log.
pub(crate) fn write_json<T: serde::Serialize>(
    out: &mut dyn std::io::Write,
    value: &T,
) -> std::io::Result<()> {
    // Buffered here so that the serializer's many small writes are not each a call
    // through `dyn Write`.
    let mut buf = std::io::BufWriter::with_capacity(1 << 16, out);
    let mut ser = serde_json::Serializer::with_formatter(
        &mut buf,
        SafeJson(serde_json::ser::PrettyFormatter::new()),
    );
    value.serialize(&mut ser).map_err(std::io::Error::from)?;
    std::io::Write::write_all(&mut buf, b"\n")?;
    std::io::Write::flush(&mut buf)
}

struct SafeJson(serde_json::ser::PrettyFormatter<'static>);

impl serde_json::ser::Formatter for SafeJson {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        // Every unsafe character is DEL or beyond ASCII (the serializer has escaped the
        // C0 controls already): plain ASCII is written as it is.
        if fragment.bytes().all(|b| b < 0x7f) {
            return w.write_all(fragment.as_bytes());
        }
        let mut last = 0;
        for (i, c) in fragment.char_indices() {
            if crate::sanitize::is_unsafe(c) {
                w.write_all(&fragment.as_bytes()[last..i])?;
                for unit in c.encode_utf16(&mut [0; 2]) {
                    write!(w, "\\u{unit:04x}")?;
                }
                last = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[last..])
    }

    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// An analysis in a format, as a string (the editor, tests).
pub fn render(a: &crate::Analysis, format: Format, color: bool) -> String {
    let mut buf = Vec::new();
    // Writing to memory cannot fail.
    let _ = write(a, format, color, &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// One rule's count in `--statistics`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RuleCount {
    pub code: &'static str,
    pub name: &'static str,
    pub count: usize,
}

/// Findings per rule, most frequent first (then by code).
pub fn statistics(a: &crate::Analysis) -> Vec<RuleCount> {
    let mut counts: Vec<RuleCount> = Vec::new();
    for f in &a.findings {
        match counts.iter_mut().find(|c| c.code == f.rule.code) {
            Some(c) => c.count += 1,
            None => counts.push(RuleCount {
                code: f.rule.code,
                name: f.rule.name,
                count: 1,
            }),
        }
    }
    counts.sort_by(|x, y| y.count.cmp(&x.count).then(x.code.cmp(y.code)));
    counts
}

/// `--statistics` in a format: a table for people, a JSON array for machines; the other
/// formats have no such report.
pub fn write_statistics(
    a: &crate::Analysis,
    format: Format,
    options: &Options,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let stats = statistics(a);
    match format {
        Format::Json => write_json(out, &stats),
        _ => human::write_statistics(a, &stats, options, out),
    }
}
