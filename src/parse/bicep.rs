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
/// declare no resources acrlint reads. A statement ends at the end of its line, or of the
/// balanced `{ ... }` that opens on it; braces in comments and strings do not count, and
/// a line in a comment or string is no statement. A statement whose `{` is never closed
/// is left for the parser to report.
fn mask_extensions(text: &str) -> Option<String> {
    if !text.contains("extension") {
        return None;
    }
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut changed = false;
    let mut i = 0;
    while i < b.len() {
        let at_line_start = i == 0 || b[i - 1] == b'\n';
        let statement = at_line_start
            && b[i..].starts_with(b"extension")
            && matches!(b.get(i + 9), Some(b' ' | b'\t'));
        if !statement {
            i = skip_trivia(b, i).unwrap_or(i + 1);
            continue;
        }
        let start = i;
        let mut depth = 0i32;
        while i < b.len() {
            if let Some(next) = skip_trivia(b, i) {
                i = next;
                continue;
            }
            match b[i] {
                b'{' => depth += 1,
                b'}' => depth -= 1,
                b'\n' if depth <= 0 => break,
                _ => {}
            }
            i += 1;
        }
        if depth > 0 {
            // Never closed: left as it is, for the parser to report rather than to hide
            // the rest of the file.
            i = start
                + b[start..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .unwrap_or(b.len() - start);
            continue;
        }
        for c in &mut out[start..i] {
            if !matches!(*c, b'\n' | b'\r') {
                *c = b' ';
            }
        }
        changed = true;
    }
    // Only ASCII bytes inside the statement were replaced by spaces; multibyte characters
    // there (in strings) become spaces byte by byte, which is still valid UTF-8.
    changed.then(|| String::from_utf8_lossy(&out).into_owned())
}

/// When a comment or a string starts at `i`: the offset just past it (a line comment
/// stops before its line break; an unclosed one runs to the end of the text).
fn skip_trivia(b: &[u8], i: usize) -> Option<usize> {
    let find = |from: usize, pat: &[u8]| {
        b.get(from..)
            .and_then(|rest| rest.windows(pat.len()).position(|w| w == pat))
            .map_or(b.len(), |p| from + p + pat.len())
    };
    match b[i] {
        b'/' if b.get(i + 1) == Some(&b'/') => Some(
            b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |p| i + p),
        ),
        b'/' if b.get(i + 1) == Some(&b'*') => Some(find(i + 2, b"*/")),
        b'\'' if b[i..].starts_with(b"'''") => Some(find(i + 3, b"'''")),
        b'\'' => {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'\'' && b[j] != b'\n' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            Some((j + 1).min(b.len()))
        }
        _ => None,
    }
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
        if let Some(next) = skip_trivia(b, i) {
            i = next;
            continue;
        }
        if b[i] == b'!'
            && i > 0
            && (b[i - 1].is_ascii_alphanumeric() || matches!(b[i - 1], b'_' | b')' | b']'))
            && b.get(i + 1) != Some(&b'=')
        {
            out[i] = b' ';
            changed = true;
        }
        i += 1;
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

    #[test]
    fn braces_in_comments_and_strings_do_not_extend_an_extension_statement() {
        let t = "extension graph // {\nvar a = 1\nextension k8s with { x: '}{' /* } { */ y: '''\n{ }\n}''' }\nvar b = 2\nvar s = '''\nextension inside a string\n'''\n";
        let m = mask_extensions(t).unwrap();
        assert_eq!(m.len(), t.len());
        assert!(m.contains("var a = 1") && m.contains("var b = 2"), "{m}");
        assert!(m.contains("extension inside a string"), "{m}");
        assert_eq!(m.matches("extension").count(), 1, "{m}");
        let (_, err) = parse(FileId(0), &file(t));
        assert!(err.is_none(), "{:?}", err.map(|e| e.message));
    }

    #[test]
    fn an_extension_statement_never_closed_hides_nothing() {
        for t in [
            "extension k8s with {\nresource r 'A/b@1' = {\n  name: 'n'\n}\n",
            "extension k8s with { x: '''\n}\nresource r 'A/b@1' = {\n  name: 'n'\n}\n",
        ] {
            assert_eq!(mask_extensions(t), None, "{t:?}");
            let (_, err) = parse(FileId(0), &file(t));
            let err = err.expect("a LINT001");
            assert_eq!(err.rule.code, "LINT001");
        }
    }

    #[test]
    fn unclosed_comments_and_strings_end_the_scan() {
        for t in [
            "extension a /* {",
            "extension a '''",
            "extension a 'x",
            "var x = 'a!",
        ] {
            let _ = mask_extensions(t);
            let _ = mask_non_null_assertions(t);
        }
        assert_eq!(skip_trivia(b"/* x", 0), Some(4));
        assert_eq!(skip_trivia(b"''' x", 0), Some(5));
        assert_eq!(skip_trivia(b"'a\\", 0), Some(3));
        assert_eq!(skip_trivia(b"// a\nb", 0), Some(4));
        assert_eq!(skip_trivia(b"x", 0), None);
    }
}
