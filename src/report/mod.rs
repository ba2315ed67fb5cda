//! Reporters: render an [`crate::Analysis`] for people and machines. One module per format.

pub mod human;
pub mod json;

use clap::ValueEnum;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Rich diagnostics with source excerpts (default).
    Human,
    /// A stable JSON document.
    Json,
}

/// Render an analysis in a format.
pub fn render(a: &crate::Analysis, format: Format, color: bool) -> String {
    match format {
        Format::Human => human::render(a, color),
        Format::Json => json::render(a),
    }
}
