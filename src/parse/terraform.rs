//! Terraform (HCL) front end: hcl-edit keeps byte spans on every block, attribute and
//! expression.
//!
//! Comments: hcl-edit keeps them in the decor of the nodes, whose spans it does not make
//! public. They are found in the text instead, with the parser's knowledge of where the
//! strings are: a `#`, `//` or `/*` outside every string literal, template and heredoc
//! of the tree starts a comment (HCL has no other token that holds these characters).

use std::ops::Range;

use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{BlockLabel, Body, Structure};
use hcl_edit::visit::{self, Visit};

use super::{Comment, ParseError, Parsed};
use crate::source::{FileId, SourceFile, Span};

/// Parse one `.tf` or `.tfvars` file.
pub fn parse(id: FileId, file: &SourceFile) -> Result<Parsed<Body>, ParseError> {
    let body =
        hcl_edit::parser::parse_body(&file.text).map_err(|e| error(id, file, &e, "Terraform"))?;
    let comments = comments(&file.text, |strings| strings.visit_body(&body));
    Ok(Parsed {
        tree: body,
        comments,
    })
}

/// Where a comment may start: every `#`, `//` and `/*` of the text, in order.
fn markers(text: &str) -> Vec<u32> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'#' => out.push(super::offset(i)),
            b'/' if matches!(b.get(i + 1), Some(b'/' | b'*')) => {
                out.push(super::offset(i));
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The string literals, templates and heredocs of a tree (whole, quotes and heredoc
/// markers included), visiting only the nodes where a marker lies. The visit recurses as
/// deep as the tree nests, which hcl-edit bounds (it refuses more than 64 levels).
struct Strings<'a> {
    markers: &'a [u32],
    found: Vec<Range<usize>>,
}

impl Strings<'_> {
    /// True when a marker lies in the range (or the node has no span).
    fn holds_marker(&self, span: Option<Range<usize>>) -> bool {
        span.is_none_or(|r| {
            let i = self.markers.partition_point(|&m| (m as usize) < r.start);
            self.markers.get(i).is_some_and(|&m| (m as usize) < r.end)
        })
    }
}

impl Visit for Strings<'_> {
    fn visit_structure(&mut self, node: &Structure) {
        if self.holds_marker(node.span()) {
            visit::visit_structure(self, node);
        }
    }

    fn visit_block_label(&mut self, node: &BlockLabel) {
        if let (BlockLabel::String(_), Some(span)) = (node, node.span()) {
            self.found.push(span);
        }
    }

    fn visit_expr(&mut self, node: &Expression) {
        let span = node.span();
        if !self.holds_marker(span.clone()) {
            return;
        }
        match (node, span) {
            (
                Expression::String(_)
                | Expression::StringTemplate(_)
                | Expression::HeredocTemplate(_),
                Some(span),
            ) => self.found.push(span),
            _ => visit::visit_expr(self, node),
        }
    }
}

/// The comments of a parsed file: `visit` walks its tree with a [`Strings`].
fn comments(text: &str, visit: impl FnOnce(&mut Strings)) -> Vec<Comment> {
    let markers = markers(text);
    if markers.is_empty() {
        return Vec::new();
    }
    let mut strings = Strings {
        markers: &markers,
        found: Vec::new(),
    };
    visit(&mut strings);
    let mut strings = strings.found;
    strings.sort_by_key(|r| r.start);
    let mut found = Vec::new();
    // Everything before `done` is a string or a comment already.
    let mut done = 0;
    let mut s = 0;
    for m in markers.iter().map(|&m| m as usize) {
        if m < done {
            continue;
        }
        while s < strings.len() && strings[s].end <= m {
            s += 1;
        }
        if strings.get(s).is_some_and(|r| r.start <= m) {
            done = strings[s].end;
            continue;
        }
        let rest = &text[m..];
        let comment = if let Some(inner) = rest.strip_prefix("/*") {
            match inner.find("*/") {
                Some(close) => Comment::new(m..m + 2 + close + 2, 2, 2),
                None => Comment::new(m..text.len(), 2, 0),
            }
        } else {
            let end = m + rest.find('\n').unwrap_or(rest.len());
            let marker = if rest.starts_with('#') { 1 } else { 2 };
            Comment::new(m..end, marker, 0)
        };
        done = comment.span().end;
        found.push(comment);
    }
    super::comments(text, found, |_| None)
}

/// Parse one file in Terraform's JSON syntax (`.tf.json`, `.tfvars.json`). A JSON object
/// is also an HCL object expression (`"key": value` entries, strings as templates, so
/// `${...}` is interpolation as Terraform reads it), parsed as one with the spans of the
/// file.
pub fn parse_json(id: FileId, file: &SourceFile) -> Result<Parsed<Expression>, ParseError> {
    // Whitespace around the object is not part of an expression: the trailing part is
    // cut, the leading part (with a byte order mark) becomes `(` and spaces, so the object
    // keeps its offsets inside a parenthesis.
    let text = file.text.trim_end();
    let body = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let lead = text.len() - body.len();
    let parsed = if lead == 0 {
        hcl_edit::parser::parse_expr(text)
    } else {
        let mut padded = String::with_capacity(text.len() + 1);
        padded.push('(');
        padded.extend(std::iter::repeat_n(' ', lead - 1));
        padded.push_str(body);
        padded.push(')');
        hcl_edit::parser::parse_expr(&padded).map(|e| match e {
            Expression::Parenthesis(p) => p.into_inner(),
            e => e,
        })
    };
    match parsed {
        Ok(e @ Expression::Object(_)) => {
            let comments = comments(&file.text, |strings| strings.visit_expr(&e));
            Ok(Parsed { tree: e, comments })
        }
        Ok(_) => Err(ParseError::new(
            Span::new(id, 0..0),
            "cannot parse Terraform JSON: the file is not a JSON object",
        )),
        Err(e) => Err(error(id, file, &e, "Terraform JSON")),
    }
}

fn error(id: FileId, file: &SourceFile, e: &hcl_edit::parser::Error, what: &str) -> ParseError {
    // The parser's offset may fall inside a multi-byte character: step back to its start.
    let mut offset = e.location().offset().min(file.text.len());
    while !file.text.is_char_boundary(offset) {
        offset -= 1;
    }
    let end = file.text[offset..]
        .chars()
        .next()
        .filter(|c| *c != '\n' && *c != '\r')
        .map_or(offset, |c| offset + c.len_utf8());
    ParseError::new(
        Span::new(id, offset..end),
        format!("cannot parse {what}: {}", e.message()),
    )
}

/// True for the files in Terraform's JSON syntax.
pub fn is_json(path: &std::path::Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}
