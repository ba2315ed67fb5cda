//! Bicep front end: tree-sitter-bicep gives a concrete syntax tree with byte ranges.
//!
//! The grammar (1.1, the newest published) lags the compiler. What it does not know is
//! rewritten first into text it parses, byte for byte at the same offsets (statements
//! blanked, marks turned into spaces or identifier characters), so spans stay exact;
//! the evaluator reads the original text, where each rewritten place is recognised and
//! valued exactly or as Unknown, never as what the rewrite would read as.

use std::ops::Range;

use tree_sitter::{Node, Parser, Tree};

use super::{ParseError, Parsed};
use crate::source::{FileId, SourceFile, Span};

/// Parse one `.bicep` or `.bicepparam` file, with its comments. tree-sitter recovers from
/// errors, but a tree with an ERROR or MISSING node is not used: the first one is the
/// error.
pub fn parse(id: FileId, file: &SourceFile) -> Result<Parsed<Tree>, ParseError> {
    let mut parser = Parser::new();
    if parser
        .set_language(&tree_sitter_bicep::LANGUAGE.into())
        .is_err()
    {
        return Err(ParseError::new(
            Span::new(id, 0..0),
            "cannot load the Bicep grammar",
        ));
    }
    let masked = mask_extensions(&file.text);
    let masked = mask_non_null_assertions(masked.as_deref().unwrap_or(&file.text)).or(masked);
    let masked = rewrite_modern(masked.as_deref().unwrap_or(&file.text)).or(masked);
    let text = masked.as_deref().unwrap_or(&file.text);
    let Some(tree) = parser.parse(text.as_bytes(), None) else {
        return Err(ParseError::new(Span::new(id, 0..0), "cannot parse Bicep"));
    };
    if let Some(n) = first_error(tree.root_node()) {
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
        return Err(ParseError::new(Span::new(id, start..end), what));
    }
    let comments = comments(&tree, text);
    Ok(Parsed { tree, comments })
}

/// The `comment` nodes of a tree (read in `text`, the text parsed: comment markers in
/// strings are protected there), visiting only the nodes where a marker lies. The code
/// below a comment skips the decorators that open a declaration.
fn comments(tree: &Tree, text: &str) -> Vec<super::Comment> {
    let b = text.as_bytes();
    let markers: Vec<u32> = (0..b.len().saturating_sub(1))
        .filter(|&i| b[i] == b'/' && matches!(b[i + 1], b'/' | b'*'))
        .map(super::offset)
        .collect();
    if markers.is_empty() {
        return Vec::new();
    }
    let holds_marker = |r: Range<usize>| {
        let i = markers.partition_point(|&m| (m as usize) < r.start);
        markers.get(i).is_some_and(|&m| (m as usize) < r.end)
    };
    let mut found = Vec::new();
    let mut cursor = tree.root_node().walk();
    'walk: loop {
        let n = cursor.node();
        if n.kind() == "comment" {
            let r = n.byte_range();
            let t = &text[r.clone()];
            let close = if t.starts_with("/*") && t.ends_with("*/") && t.len() >= 4 {
                2
            } else {
                0
            };
            found.push(super::Comment::new(r, 2, close));
        } else if holds_marker(n.byte_range()) && cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    let root = tree.root_node();
    let decorators_at = |at: usize| {
        let mut n = root.descendant_for_byte_range(at, at)?;
        loop {
            if n.start_byte() != at {
                return None;
            }
            if n.kind() == "decorators" {
                return Some(n.end_byte());
            }
            n = n.parent()?;
        }
    };
    super::comments(text, found, decorators_at)
}

/// `extension name [with {...}] [as alias]` and `import {a, b as c} from '...'` /
/// `import * as m from '...'` statements (newer than tree-sitter-bicep 1.1) are blanked
/// out, keeping every byte offset: they declare no resources acrlint reads, and a name
/// they import is then undeclared, so its value is Unknown. A statement ends at the end of its line, or of the
/// balanced `{ ... }` that opens on it; braces in comments and strings do not count, and
/// a line in a comment or string is no statement. A statement whose `{` is never closed
/// is left for the parser to report.
fn mask_extensions(text: &str) -> Option<String> {
    if !text.contains("extension") && !text.contains("import") {
        return None;
    }
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut changed = false;
    let mut i = 0;
    while i < b.len() {
        let at_line_start = i == 0 || b[i - 1] == b'\n';
        let statement = at_line_start
            && [&b"extension"[..], b"import"].iter().any(|k| {
                b[i..].starts_with(k)
                    && matches!(b.get(i + k.len()), Some(b' ' | b'\t' | b'{' | b'*'))
            });
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
                if b[j] == b'$' && b.get(j + 1) == Some(&b'{') {
                    j = skip_interpolation(b, j + 2);
                    continue;
                }
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            Some((j + 1).min(b.len()))
        }
        _ => None,
    }
}

/// From just inside `${`: the offset just past its closing `}` (strings and comments in
/// the expression do not count), or the end of the text.
fn skip_interpolation(b: &[u8], mut j: usize) -> usize {
    let mut depth = 0usize;
    while j < b.len() {
        if let Some(next) = skip_trivia(b, j) {
            j = next;
            continue;
        }
        match b[j] {
            b'{' => depth += 1,
            b'}' if depth == 0 => return j + 1,
            b'}' => depth -= 1,
            _ => {}
        }
        j += 1;
    }
    b.len()
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The empty multi-line string `''''''`, which the grammar does not read, as `''`.
const EMPTY_MULTILINE: &[u8; 6] = b"''    ";

/// Constructs of current Bicep that tree-sitter-bicep 1.1 does not know, rewritten into
/// ones it parses, every byte offset kept (so spans stay right). The evaluator reads the
/// original text at those places, so none of them gets a wrong known value:
/// - `$'''...'''` (and `$$'''...'''`): with no interpolation, the `$`s become spaces (the
///   text is the same as the plain multi-line string's); with one, the whole string
///   becomes one identifier, whose original text (`$'''...`) is no declared name: Unknown.
/// - the empty multi-line string `''''''` becomes `''` and spaces.
/// - `x[^1]`, `x[?^n]`: the `^` becomes `_`, an identifier whose original text starts
///   with `^` (an index from the end).
/// - a spread `...x`: in an object it becomes a property `__:x`, in an array `   x`; the
///   evaluator sees the `...` in the original text and merges or concatenates.
/// - `resourceInput<'T'>` / `resourceOutput<'T'>` types: the `<...>` becomes `_`s, a type
///   name acrlint does not read.
/// - typed variables `var x T = ...`: the type becomes spaces.
/// - the nullable mark of a type `T?` (right after the type, before the end of the line,
///   `=`, `,`, `|`, a closing bracket or a comment) becomes a space: acrlint reads no
///   types, a parameter without a value is Unknown either way.
fn rewrite_modern(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut changed = false;
    // Innermost open brackets, to tell object from array spreads.
    let mut stack: Vec<u8> = Vec::new();
    let (mut angles_done, mut types_done) = (false, false);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'$' {
            let dollars = b[i..].iter().take_while(|&&c| c == b'$').count();
            if b[i + dollars..].starts_with(b"'''") {
                let body = i + dollars + 3;
                let Some(len) = b[body..].windows(3).position(|w| w == b"'''") else {
                    // Never closed: left for the parser to report.
                    break;
                };
                let end = body + len + 3;
                let mut marker = vec![b'$'; dollars];
                marker.push(b'{');
                let interpolated = b[body..body + len]
                    .windows(marker.len())
                    .any(|w| w == marker.as_slice());
                if interpolated {
                    out[i..end].fill(b'_');
                } else {
                    out[i..i + dollars].fill(b' ');
                    protect_markers(&b[body..body + len], &mut out[body..body + len]);
                    if len == 0 {
                        out[body - 3..end].copy_from_slice(EMPTY_MULTILINE);
                    }
                }
                changed = true;
                i = end;
                continue;
            }
            i += dollars;
            continue;
        }
        if b[i..].starts_with(b"''''''") {
            out[i..i + 6].copy_from_slice(EMPTY_MULTILINE);
            changed = true;
            i += 6;
            continue;
        }
        if b[i..].starts_with(b"'''") {
            let Some(len) = b[i + 3..].windows(3).position(|w| w == b"'''") else {
                break;
            };
            let body = i + 3..i + 3 + len;
            changed |= protect_markers(&b[body.clone()], &mut out[body.clone()]);
            i = body.end + 3;
            continue;
        }
        if c == b'\'' {
            i = protect_string(b, &mut out, i, &mut changed);
            continue;
        }
        if let Some(next) = skip_trivia(b, i) {
            i = next;
            continue;
        }
        match c {
            b'{' | b'[' | b'(' => stack.push(c),
            b'}' | b']' | b')' => {
                stack.pop();
            }
            b'^' => {
                let before = b[..i].trim_ascii_end();
                let before = before.strip_suffix(b"?").unwrap_or(before).trim_ascii_end();
                // Blanks may follow the `^` (`x[^ 1]`): they join the identifier too.
                let gap = b[i + 1..]
                    .iter()
                    .take_while(|&&c| c == b' ' || c == b'\t')
                    .count();
                if before.ends_with(b"[")
                    && b.get(i + 1 + gap)
                        .is_some_and(|&c| is_ident(c) || c == b'(')
                {
                    out[i..=i + gap].fill(b'_');
                    changed = true;
                }
            }
            b'?' if i > 0
                && (is_ident(b[i - 1]) || matches!(b[i - 1], b'}' | b']' | b')' | b'\''))
                && matches!(
                    b[i + 1..].iter().find(|c| !matches!(c, b' ' | b'\t')),
                    None | Some(b'\n' | b'\r' | b'=' | b',' | b'}' | b')' | b'|' | b'/')
                ) =>
            {
                out[i] = b' ';
                changed = true;
            }
            b'.' if b[i..].starts_with(b"...")
                && !matches!(
                    b[i + 3..].trim_ascii_start().first(),
                    None | Some(b'.' | b']' | b'}' | b',' | b')')
                ) =>
            {
                match stack.last() {
                    Some(b'{') => out[i..i + 3].copy_from_slice(b"__:"),
                    Some(b'[') => out[i..i + 3].fill(b' '),
                    _ => {
                        i += 3;
                        continue;
                    }
                }
                changed = true;
                i += 3;
                continue;
            }
            b'r' if !angles_done
                && (i == 0 || !is_ident(b[i - 1]))
                && (b[i..].starts_with(b"resourceInput")
                    || b[i..].starts_with(b"resourceOutput")) =>
            {
                let word = if b[i..].starts_with(b"resourceInput") {
                    13
                } else {
                    14
                };
                let mut j = i + word;
                while j < b.len() {
                    if b[j].is_ascii_whitespace() {
                        j += 1;
                    } else if b[j] == b'/' && matches!(b.get(j + 1), Some(b'/' | b'*')) {
                        j = skip_trivia(b, j).unwrap_or(j + 1);
                    } else {
                        break;
                    }
                }
                if b.get(j) == Some(&b'<') {
                    let mut k = j + 1;
                    while k < b.len() && b[k] != b'>' {
                        k = skip_trivia(b, k).unwrap_or(k + 1);
                    }
                    if k < b.len() {
                        out[i + word..=k].fill(b'_');
                        changed = true;
                        i = k + 1;
                        continue;
                    }
                    // No `>` up to the end: none for a later one either (linear time).
                    angles_done = true;
                }
                i += word;
                continue;
            }
            b'v' if !types_done
                && b[..i]
                    .iter()
                    .rev()
                    .take_while(|&&c| c != b'\n')
                    .all(|c| matches!(c, b' ' | b'\t'))
                && b[i..].starts_with(b"var")
                && matches!(b.get(i + 3), Some(b' ' | b'\t')) =>
            {
                match variable_type(b, i + 3) {
                    Ok(Some((from, to))) => {
                        out[from..to].fill(b' ');
                        changed = true;
                        i = to;
                        continue;
                    }
                    Ok(None) => {}
                    // Unclosed to the end: none for a later one either (linear time).
                    Err(()) => types_done = true,
                }
            }
            _ => {}
        }
        i += 1;
    }
    changed.then(|| String::from_utf8_lossy(&out).into_owned())
}

/// `//` and `/*` in the text of a string: the grammar would read a comment there. The
/// `/` becomes `_`; the evaluator reads the text of the original.
fn protect_markers(b: &[u8], out: &mut [u8]) -> bool {
    let mut changed = false;
    for j in 0..b.len() {
        if b[j] == b'/' && matches!(b.get(j + 1), Some(b'/' | b'*')) {
            out[j] = b'_';
            changed = true;
        }
    }
    changed
}

/// A single-line string from its opening quote: comment markers in its text are
/// protected, in the strings of its interpolations too. Returns the offset past it.
fn protect_string(b: &[u8], out: &mut [u8], i: usize, changed: &mut bool) -> usize {
    let mut j = i + 1;
    while j < b.len() && b[j] != b'\n' {
        match b[j] {
            b'\'' => return j + 1,
            b'\\' => j += 2,
            b'$' if b.get(j + 1) == Some(&b'{') => {
                j += 2;
                let mut depth = 0usize;
                while j < b.len() {
                    if b[j] == b'\'' {
                        j = protect_string(b, out, j, changed);
                        continue;
                    }
                    if let Some(next) = skip_trivia(b, j) {
                        j = next;
                        continue;
                    }
                    match b[j] {
                        b'{' => depth += 1,
                        b'}' if depth == 0 => break,
                        b'}' => depth -= 1,
                        _ => {}
                    }
                    j += 1;
                }
                j += 1;
            }
            b'/' if matches!(b.get(j + 1), Some(b'/' | b'*')) => {
                out[j] = b'_';
                *changed = true;
                j += 1;
            }
            _ => j += 1,
        }
    }
    j.min(b.len())
}

/// In `var name T = value` (from just after `var`): the range of `T`, when there is one;
/// `Err` when a bracket of the type is still open at the end of the text.
fn variable_type(b: &[u8], mut i: usize) -> Result<Option<(usize, usize)>, ()> {
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    let name = i;
    while b.get(i).is_some_and(|&c| is_ident(c)) {
        i += 1;
    }
    if i == name {
        return Ok(None);
    }
    let from = i;
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    if matches!(b.get(i), None | Some(b'=' | b'\n' | b'\r')) {
        return Ok(None);
    }
    let mut depth = 0i32;
    while i < b.len() {
        if let Some(next) = skip_trivia(b, i) {
            i = next;
            continue;
        }
        match b[i] {
            b'{' | b'[' | b'(' | b'<' => depth += 1,
            b'}' | b']' | b')' | b'>' => depth -= 1,
            b'=' if depth == 0 => return Ok(Some((from, i))),
            // A type spans lines only inside brackets.
            b'\n' if depth <= 0 => return Ok(None),
            _ => {}
        }
        i += 1;
    }
    if depth > 0 { Err(()) } else { Ok(None) }
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
    fn current_constructs_are_rewritten_with_offsets_kept() {
        for (t, want) in [
            ("x[^1]\ny[?^n]\nz[^(a)]\n", "x[_1]\ny[?_n]\nz[_(a)]\n"),
            ("x[^ 1]\ny[? ^\t2]\n", "x[__1]\ny[? __2]\n"),
            ("o = {\n  ...a\n  b: 1\n}\n", "o = {\n  __:a\n  b: 1\n}\n"),
            ("l = [...a, ...b]\n", "l = [   a,    b]\n"),
            ("v = $'''x/*y'''\n", "v =  '''x_*y'''\n"),
            ("v = $''''''\n", "v =  ''    \n"),
            ("v = $'''a${b}'''\n", "v = ____________\n"),
            ("v = $$'''a${b}'''\n", "v =   '''a${b}'''\n"),
            ("s = 'a//b${'/*'}c'\n", "s = 'a_/b${'_*'}c'\n"),
            ("var x string = 'a'\n", "var x        = 'a'\n"),
            (
                "param p cfg?\ntype t = {\n  a: T? // c\n}\n",
                "param p cfg \ntype t = {\n  a: T  // c\n}\n",
            ),
            ("var x {\n  a: int\n} = {}\n", "var x              = {}\n"),
            (
                "param p resourceInput<'A/b@1'>.name\n",
                "param p resourceInput_________.name\n",
            ),
        ] {
            let m = rewrite_modern(t).unwrap_or_else(|| panic!("{t:?} unchanged"));
            assert_eq!(m.len(), t.len());
            assert_eq!(m, want, "{t:?}");
        }
    }

    #[test]
    fn look_alikes_in_comments_strings_and_plain_code_are_left_alone() {
        for t in [
            "// x[^1] ...a $'''${b}''' var x string = 1\n",
            "/* [^1] { ...a } */\n",
            "var s = '[^1] { ...a } var x y = 1'\n",
            "var m = '''\n[...a]\nvar x int = 1\n'''\n",
            "var x = 1\nvar a = b[1]\nvar r = resourceInputs\nvar c = a ? b : c\n",
            "var e = [...]\nvar f = a[^]\n",
            "var d = a ?? b\nvar e = a.?b\nvar f = a[?0]\nvar g = a ?\n  b : c\n",
        ] {
            assert_eq!(rewrite_modern(t), None, "{t:?}");
        }
    }

    #[test]
    fn unclosed_types_are_scanned_once() {
        // Each of these would scan to the end of the text again and again if the scan
        // restarted at every occurrence.
        for unit in ["resourceInput<'a'\n", "var x {\n", "var y T\n", "$"] {
            let t = unit.repeat(50_000);
            let m = rewrite_modern(&t);
            assert!(m.is_none_or(|m| m.len() == t.len()));
        }
    }

    #[test]
    fn import_statements_are_skipped_with_offsets_kept() {
        let t = "import {\n  a\n  'b-c' as b\n} from 'br/public:x:1.0'\nimport * as m from 'm.bicep'\nvar x = 1\n";
        let m = mask_extensions(t).unwrap();
        assert_eq!(m.len(), t.len());
        assert!(!m.contains("import") && !m.contains("from") && m.contains("var x = 1"));
    }

    #[test]
    fn parses_the_sample() {
        let f = file(&std::fs::read_to_string("samples/bicep/main.bicep").unwrap());
        let parsed = parse(FileId(0), &f);
        assert!(parsed.is_ok(), "{:?}", parsed.err().map(|e| e.message));
    }

    #[test]
    fn syntax_error_is_lint001_at_its_position() {
        let f = file("param a string = 'x'\nresource r 'A/b@1' = {\n  name: 'n'\n  sku: {\n");
        let err = parse(FileId(0), &f).expect_err("an error");
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
        let parsed = parse(FileId(0), &file(t));
        assert!(parsed.is_ok(), "{:?}", parsed.err().map(|e| e.message));
    }

    #[test]
    fn braces_in_comments_and_strings_do_not_extend_an_extension_statement() {
        let t = "extension graph // {\nvar a = 1\nextension k8s with { x: '}{' /* } { */ y: '''\n{ }\n}''' }\nvar b = 2\nvar s = '''\nextension inside a string\n'''\n";
        let m = mask_extensions(t).unwrap();
        assert_eq!(m.len(), t.len());
        assert!(m.contains("var a = 1") && m.contains("var b = 2"), "{m}");
        assert!(m.contains("extension inside a string"), "{m}");
        assert_eq!(m.matches("extension").count(), 1, "{m}");
        let parsed = parse(FileId(0), &file(t));
        assert!(parsed.is_ok(), "{:?}", parsed.err().map(|e| e.message));
    }

    #[test]
    fn an_extension_statement_never_closed_hides_nothing() {
        for t in [
            "extension k8s with {\nresource r 'A/b@1' = {\n  name: 'n'\n}\n",
            "extension k8s with { x: '''\n}\nresource r 'A/b@1' = {\n  name: 'n'\n}\n",
        ] {
            assert_eq!(mask_extensions(t), None, "{t:?}");
            assert!(parse(FileId(0), &file(t)).is_err(), "{t:?}");
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
