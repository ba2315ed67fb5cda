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
    let masked = mask_extensions(&file.text);
    let masked = mask_non_null_assertions(masked.as_deref().unwrap_or(&file.text)).or(masked);
    let text = masked.as_deref().unwrap_or(&file.text);
    let Some(tree) = parser.parse(text.as_bytes(), None) else {
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

/// `extension name [with {...}] [as alias]` statements (newer than tree-sitter-bicep 1.1,
/// which knows `import`/`provider`) are blanked out, keeping every byte offset: they
/// declare no resources acrlint reads.
fn mask_extensions(text: &str) -> Option<String> {
    if !text.contains("extension") {
        return None;
    }
    let mut out = text.as_bytes().to_vec();
    let mut changed = false;
    let mut start = 0;
    while start < text.len() {
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = &text[start..line_end];
        let rest = line.strip_prefix("extension").unwrap_or("");
        if rest.starts_with([' ', '\t']) {
            // Up to the end of the line, or of the balanced `{ ... }` that opens on it.
            let mut depth = 0i32;
            let mut end = start;
            let bytes = text.as_bytes();
            while end < text.len() {
                match bytes[end] {
                    b'{' => depth += 1,
                    b'}' => depth -= 1,
                    b'\n' if depth <= 0 => break,
                    _ => {}
                }
                end += 1;
            }
            for b in &mut out[start..end] {
                if !matches!(*b, b'\n' | b'\r') {
                    *b = b' ';
                }
            }
            changed = true;
            start = end;
        } else {
            start = line_end + 1;
        }
    }
    // Only ASCII bytes inside the statement were replaced by spaces; multibyte characters
    // there (in strings) become spaces byte by byte, which is still valid UTF-8.
    changed.then(|| String::from_utf8_lossy(&out).into_owned())
}

/// The postfix non-null assertion `x!` (newer than tree-sitter-bicep 1.1) becomes a
/// space: `x.?y!` reads as `x.?y`. Strings and comments are left alone.
fn mask_non_null_assertions(text: &str) -> Option<String> {
    if !text.contains('!') {
        return None;
    }
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut changed = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b'\'' if b[i..].starts_with(b"'''") => {
                i += 3;
                while i < b.len() && !b[i..].starts_with(b"'''") {
                    i += 1;
                }
                i += 3;
            }
            b'\'' => {
                i += 1;
                while i < b.len() && b[i] != b'\'' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'!' if i > 0
                && (b[i - 1].is_ascii_alphanumeric() || matches!(b[i - 1], b'_' | b')' | b']'))
                && b.get(i + 1) != Some(&b'=') =>
            {
                out[i] = b' ';
                changed = true;
                i += 1;
            }
            _ => i += 1,
        }
    }
    changed.then(|| String::from_utf8_lossy(&out).into_owned())
}

/// The first ERROR or MISSING node in document order (iterative: files may nest deeply).
fn first_error(root: Node) -> Option<Node> {
    if !root.has_error() {
        return None;
    }
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if node.is_error() || node.is_missing() {
            return Some(node);
        }
        // Descend into the first child that holds an error, else move on.
        if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return Some(root);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("/x/main.bicep".into(), "main.bicep".into(), text)
    }

    #[test]
    fn parses_the_sample() {
        let f = file(&std::fs::read_to_string("samples/bicep/main.bicep").unwrap());
        let (tree, err) = parse(FileId(0), &f);
        assert!(tree.is_some());
        assert!(err.is_none(), "{:?}", err.map(|e| e.message));
    }

    #[test]
    fn syntax_error_is_lint001_at_its_position() {
        let f = file("param a string = 'x'\nresource r 'A/b@1' = {\n  name: 'n'\n  sku: {\n");
        let (_, err) = parse(FileId(0), &f);
        let err = err.expect("an error");
        assert_eq!(err.rule.code, "LINT001");
        assert!(
            err.message.starts_with("cannot parse Bicep"),
            "{}",
            err.message
        );
    }

    #[test]
    fn non_null_assertions_are_read_without_the_bang() {
        let t = "output o string = m.outputs.?url!\nvar s = 'hi!'\nvar n = !true\nvar c = a != b\n";
        let m = mask_non_null_assertions(t).unwrap();
        assert_eq!(
            m,
            "output o string = m.outputs.?url \nvar s = 'hi!'\nvar n = !true\nvar c = a != b\n"
        );
    }

    #[test]
    fn extension_statements_are_skipped_with_offsets_kept() {
        let t = "param k string\nextension kubernetes with {\n  kubeConfig: k\n}\nvar x = 1\nextension graph\n";
        let m = mask_extensions(t).unwrap();
        assert_eq!(m.len(), t.len());
        assert!(!m.contains("extension") && m.contains("var x = 1"));
        let (_, err) = parse(FileId(0), &file(t));
        assert!(err.is_none(), "{:?}", err.map(|e| e.message));
    }
}
