//! ARM JSON front end: jsonc-parser (comments and trailing commas allowed) into a small
//! spanned tree that keeps the byte range of every value and every object key.

use jsonc_parser::ast;
use jsonc_parser::common::Ranged;

use super::{ParseError, Parsed};
use crate::source::{FileId, SourceFile, Span};

/// A JSON value with its byte range (strings include their quotes).
#[derive(Clone, Debug)]
pub struct Node {
    pub json: Json,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Node>),
    Object(Vec<Member>),
}

/// An object member: its key (with the key's range) and value.
#[derive(Clone, Debug)]
pub struct Member {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

impl Node {
    /// A member by key (exact first, then ASCII case-insensitive, as ARM reads them).
    pub fn member(&self, key: &str) -> Option<&Member> {
        let Json::Object(members) = &self.json else {
            return None;
        };
        members
            .iter()
            .find(|m| m.key == key)
            .or_else(|| members.iter().find(|m| m.key.eq_ignore_ascii_case(key)))
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.member(key).map(|m| &m.value)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.json {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn members(&self) -> &[Member] {
        match &self.json {
            Json::Object(m) => m,
            _ => &[],
        }
    }
}

/// Parse one ARM template or parameter file (or any JSON with comments), with its
/// comments.
pub fn parse(id: FileId, file: &SourceFile) -> Result<Parsed<Node>, ParseError> {
    let text = file.text.strip_prefix('\u{feff}').unwrap_or(&file.text);
    let bom = file.text.len() - text.len();
    let error = |range: std::ops::Range<usize>, msg: String| {
        ParseError::new(
            Span::new(id, range.start + bom..range.end + bom),
            format!("cannot parse ARM JSON: {msg}"),
        )
    };
    if let Some(at) = too_deep(text) {
        return Err(error(
            at..at + 1,
            format!("nested more than {MAX_DEPTH} levels deep"),
        ));
    }
    let options = jsonc_parser::ParseOptions::default();
    let collect = jsonc_parser::CollectOptions {
        comments: jsonc_parser::CommentCollectionStrategy::Separate,
        tokens: false,
    };
    let parsed = jsonc_parser::parse_to_ast(text, &collect, &options)
        .map_err(|e| error(e.range().start..e.range().end, e.kind().to_string()))?;
    let Some(value) = parsed.value else {
        return Err(error(0..0, "the file is empty".into()));
    };
    // The parser files each comment under the tokens around it: the same comment may
    // come twice (`super::comments` keeps one).
    let found = parsed
        .comments
        .iter()
        .flat_map(|map| map.values())
        .flat_map(|list| list.iter())
        .map(|c| {
            let r = c.range();
            let closed =
                matches!(c, ast::Comment::Block(_)) && text[r.start..r.end].ends_with("*/");
            super::Comment::new(r.start + bom..r.end + bom, 2, if closed { 2 } else { 0 })
        })
        .collect();
    Ok(Parsed {
        tree: convert(id, bom, value),
        comments: super::comments(&file.text, found, |_| None),
    })
}

/// Deeper nesting is refused before parsing (the parser and evaluator recurse).
const MAX_DEPTH: usize = 256;

/// Where the nesting of arrays and objects first exceeds [`MAX_DEPTH`] (strings and
/// comments skipped).
pub(crate) fn too_deep(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'\'' => {
                let quote = bytes[i];
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

fn convert(id: FileId, bom: usize, v: ast::Value) -> Node {
    let r = v.range();
    let span = Span::new(id, r.start + bom..r.end + bom);
    let json = match v {
        ast::Value::StringLit(s) => Json::String(s.value.into_owned()),
        ast::Value::NumberLit(n) => Json::Number(n.value.parse().unwrap_or(f64::NAN)),
        ast::Value::BooleanLit(b) => Json::Bool(b.value),
        ast::Value::NullKeyword(_) => Json::Null,
        ast::Value::Array(a) => Json::Array(
            a.elements
                .into_iter()
                .map(|e| convert(id, bom, e))
                .collect(),
        ),
        ast::Value::Object(o) => Json::Object(
            o.properties
                .into_iter()
                .map(|p| {
                    let kr = p.name.range();
                    Member {
                        key: p.name.into_string(),
                        key_span: Span::new(id, kr.start + bom..kr.end + bom),
                        value: convert(id, bom, p.value),
                    }
                })
                .collect(),
        ),
    };
    Node { json, span }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_a_parse_error_not_a_crash() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let file = SourceFile::new("/t/x.json".into(), "x.json".into(), text);
        let err = parse(FileId(0), &file).unwrap_err();
        assert!(err.message.contains("nested more than"));
        let ok = SourceFile::new(
            "/t/y.json".into(),
            "y.json".into(),
            "{\"a\": [\"[{\"] // ]]\n}",
        );
        assert!(parse(FileId(0), &ok).is_ok());
    }
}
