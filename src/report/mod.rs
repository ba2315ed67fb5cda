//! Reporters: render an [`crate::Analysis`] for people and machines. One module per format.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

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

/// Write an analysis in a format, finding by finding: a report of tens of thousands of
/// findings streams out instead of being built in memory first.
pub fn write(
    a: &crate::Analysis,
    format: Format,
    color: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Human => human::write(a, color, out),
        Format::Json => json::write(a, out),
        Format::Sarif => sarif::write(a, out),
        Format::Github => github::write(a, out),
    }
}

/// An analysis in a format, as a string (the editor, tests).
pub fn render(a: &crate::Analysis, format: Format, color: bool) -> String {
    let mut buf = Vec::new();
    // Writing to memory cannot fail.
    let _ = write(a, format, color, &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}
