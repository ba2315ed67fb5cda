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

/// Render an analysis in a format.
pub fn render(a: &crate::Analysis, format: Format, color: bool) -> String {
    match format {
        Format::Human => human::render(a, color),
        Format::Json => json::render(a),
        Format::Sarif => sarif::render(a),
        Format::Github => github::render(a),
    }
}
