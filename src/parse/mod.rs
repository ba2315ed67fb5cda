//! Front ends: one file's text into a syntax tree with byte spans, and the file's
//! comments. A syntax error is a [`ParseError`]; the loaders turn it into a LINT001
//! finding (`rules::parse_error::finding`).

use std::ops::Range;

use crate::source::Span;

pub mod arm;
pub mod bicep;
pub mod terraform;
pub mod yaml;

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
#[derive(Clone, Debug)]
pub struct Parsed<T> {
    pub tree: T,
    /// In the order of the file.
    pub comments: Vec<Comment>,
}

/// A comment, as the parser of its format saw it (never the text of a string): byte
/// offsets into the file, kept small (a file may hold millions of comments).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Comment {
    start: u32,
    end: u32,
    /// See [`Comment::below`]; `u32::MAX` for none.
    below: u32,
    /// The lengths of the opening and closing markers.
    open: u8,
    close: u8,
}

fn offset(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}

impl Comment {
    /// The comment at `span`, its markers `open` and `close` bytes long.
    pub(crate) fn new(span: Range<usize>, open: usize, close: usize) -> Comment {
        Comment {
            start: offset(span.start),
            end: offset(span.end),
            below: u32::MAX,
            open: open.min(span.len()) as u8,
            close: close.min(span.len().saturating_sub(open)) as u8,
        }
    }

    /// The whole comment, its markers included.
    pub fn span(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// Its text: after the opening marker (`#`, `//`, `/*`), before a closing `*/`.
    pub fn text(&self) -> Range<usize> {
        self.start as usize + self.open as usize..self.end as usize - self.close as usize
    }

    /// Where the code the comment stands above starts: the first byte after it that is
    /// no blank and no other comment (in Bicep, no decorator either: a decorator belongs
    /// to the declaration below it). `None` when only blanks and comments follow.
    pub fn below(&self) -> Option<usize> {
        (self.below != u32::MAX).then_some(self.below as usize)
    }
}

/// The comments of a file, in any order, with the code below each found. `skip(at)`
/// gives, for a position where something starts that belongs to the code further below
/// (a Bicep decorator), the position after it.
pub(crate) fn comments(
    text: &str,
    mut out: Vec<Comment>,
    skip: impl Fn(usize) -> Option<usize>,
) -> Vec<Comment> {
    out.sort_unstable_by_key(|c| (c.start, c.end));
    out.dedup();
    // From the last comment up: the code below a comment that another comment follows is
    // the code below that one (linear in the file, also for long comment blocks).
    for i in (0..out.len()).rev() {
        let mut at = out[i].end as usize;
        out[i].below = loop {
            at += text[at.min(text.len())..]
                .find(|c: char| !c.is_whitespace())
                .unwrap_or(text.len().saturating_sub(at));
            if at >= text.len() {
                break u32::MAX;
            }
            // Mostly the next comment (a block of line comments); else found by halving.
            let j = if out.get(i + 1).is_some_and(|c| c.start as usize >= at) {
                i + 1
            } else {
                i + 1 + out[i + 1..].partition_point(|c| (c.start as usize) < at)
            };
            if out.get(j).is_some_and(|c| c.start as usize == at) {
                break out[j].below;
            }
            match skip(at) {
                Some(next) if next > at => at = next,
                _ => break offset(at),
            }
        };
    }
    out
}
