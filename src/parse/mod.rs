//! Front ends: one file's text into a syntax tree with byte spans, and the file's
//! comments. A syntax error is a [`ParseError`]; the loaders turn it into a LINT001
//! finding (`rules::parse_error::finding`).

use std::ops::Range;

use crate::source::Span;

pub mod arm;
pub mod bicep;
pub mod terraform;

/// Why a file could not be parsed, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub span: Span,
    pub message: String,
}

impl ParseError {
    pub fn new(span: Span, message: impl Into<String>) -> ParseError {
        ParseError {
            span,
            message: message.into(),
        }
    }
}

/// A syntax tree and the comments of its file.
#[derive(Debug)]
pub struct Parsed<T> {
    pub tree: T,
    /// In the order of the file.
    pub comments: Vec<Comment>,
}

/// A comment, as the parser of its format saw it (never the text of a string). Byte
/// ranges into the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// The whole comment, its markers included.
    pub span: Range<usize>,
    /// Its text: after the opening marker (`#`, `//`, `/*`), before a closing `*/`.
    pub text: Range<usize>,
    /// Where the code the comment stands above starts: the first byte after it that is
    /// no blank and no other comment (in Bicep, no decorator either: a decorator belongs
    /// to the declaration below it). `None` when only blanks and comments follow.
    pub below: Option<usize>,
}

/// The comments of a file from their ranges (each the whole comment and its text, in any
/// order), with the code below each found. `skip(at)` gives, for a position where
/// something that belongs to the code further below starts (a Bicep decorator), the
/// position after it.
pub(crate) fn comments(
    text: &str,
    mut found: Vec<(Range<usize>, Range<usize>)>,
    skip: impl Fn(usize) -> Option<usize>,
) -> Vec<Comment> {
    found.sort_by_key(|(span, _)| (span.start, span.end));
    found.dedup();
    let mut out: Vec<Comment> = found
        .into_iter()
        .map(|(span, text)| Comment {
            span,
            text,
            below: None,
        })
        .collect();
    // From the last comment up: the code below a comment that another comment follows is
    // the code below that one (linear in the file, also for long comment blocks).
    for i in (0..out.len()).rev() {
        let mut at = out[i].span.end;
        out[i].below = loop {
            at += text[at.min(text.len())..]
                .find(|c: char| !c.is_whitespace())
                .unwrap_or(text.len().saturating_sub(at));
            if at >= text.len() {
                break None;
            }
            let j = i + 1 + out[i + 1..].partition_point(|c| c.span.start < at);
            if out.get(j).is_some_and(|c| c.span.start == at) {
                break out[j].below;
            }
            match skip(at) {
                Some(next) if next > at => at = next,
                _ => break Some(at),
            }
        };
    }
    out
}
