//! Bicep front end: tree-sitter-bicep gives a concrete syntax tree with byte ranges.

use tree_sitter::{Node, Parser, Tree};

use crate::finding::Finding;
use crate::rules::parse_error;
use crate::source::{FileId, SourceFile, Span};

/// Parse one `.bicep` or `.bicepparam` file. The tree is always returned (tree-sitter
/// recovers from errors); the first ERROR or MISSING node, if any, becomes a LINT001 finding.
pub fn parse(id: FileId, file: &SourceFile) -> (Option<Tree>, Option<Finding>) {
    let mut parser = Parser::new();
    if parser
        .set_language(&tree_sitter_bicep::LANGUAGE.into())
        .is_err()
    {
        return (
            None,
            Some(parse_error::finding(
                Span::new(id, 0..0),
                "cannot load the Bicep grammar",
            )),
        );
    }
    let Some(tree) = parser.parse(file.text.as_bytes(), None) else {
        return (
            None,
            Some(parse_error::finding(
                Span::new(id, 0..0),
                "cannot parse Bicep",
            )),
        );
    };
    let error = first_error(tree.root_node()).map(|n| {
        let start = n.start_byte().min(file.text.len());
        let end = if n.is_missing() {
            start
        } else {
            // One character: the token where parsing went wrong.
            file.text[start..]
                .chars()
                .next()
                .filter(|c| *c != '\n' && *c != '\r')
                .map_or(start, |c| start + c.len_utf8())
        };
        let what = if n.is_missing() {
            format!("cannot parse Bicep: missing `{}`", n.kind())
        } else {
            let tok: String = file.text[start..]
                .chars()
                .take_while(|c| !c.is_whitespace())
                .take(20)
                .collect();
            if tok.is_empty() {
                "cannot parse Bicep: unexpected end of input".to_string()
            } else {
                format!("cannot parse Bicep: unexpected `{tok}`")
            }
        };
        parse_error::finding(Span::new(id, start..end), what)
    });
    (Some(tree), error)
}

/// The first ERROR or MISSING node in document order.
fn first_error(node: Node) -> Option<Node> {
    if !node.has_error() {
        return None;
    }
    if node.is_error() || node.is_missing() {
        return Some(node);
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        if let Some(e) = first_error(child) {
            return Some(e);
        }
    }
    // `has_error` without an erroneous descendant found: the node itself.
    Some(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("/x/main.bicep".into(), "main.bicep".into(), text)
    }

    #[test]
    fn dump() {
        let f = file(&std::fs::read_to_string("samples/bicep/main.bicep").unwrap());
        let (tree, err) = parse(FileId(0), &f);
        println!("{}", tree.unwrap().root_node().to_sexp());
        assert!(err.is_none());
    }
}
