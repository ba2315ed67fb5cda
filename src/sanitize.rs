//! Text from a scanned repository made safe to print.
//!
//! Everything in a scanned repository is untrusted, file names included. Before any of it
//! reaches a terminal, a CI log or an editor, control characters are shown visibly, so
//! no output line can start with `::` (a GitHub workflow command) unless acrlint wrote
//! it, and no escape sequence reaches a terminal. Values embedded in messages are cut to
//! a short excerpt.

use std::borrow::Cow;

/// The longest excerpt of a scanned value that a message embeds, in characters.
pub const EXCERPT_CHARS: usize = 120;

/// True for characters that must never be printed as they are: C0 and C1 controls
/// (CR, LF, ESC, ...), DEL, and the Unicode bidirectional and invisible format controls
/// that can make a line read differently from what it is.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// Scanned text with every unsafe character shown visibly: `\n`, `\r`, `\t` and
/// `\u{1b}`-style escapes (a backslash itself is kept as it is). Borrowed when nothing
/// needs escaping, which is nearly always.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_visible(&mut out, c);
    }
    Cow::Owned(out)
}

fn push_visible(out: &mut String, c: char) {
    use std::fmt::Write;
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if is_unsafe(c) => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// Like [`visible`], but keeps line breaks and tabs: for multi-line text that acrlint
/// lays out itself (source excerpts, where each line is then indented by the renderer).
/// Other controls are escaped.
pub fn visible_multiline(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c) && c != '\n' && c != '\t') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            c => push_visible(&mut out, c),
        }
    }
    Cow::Owned(out)
}

/// A short, printable excerpt of a scanned value for a message: escaped as [`visible`]
/// and cut to [`EXCERPT_CHARS`] characters, with `…` and the full length when cut.
pub fn excerpt(s: &str) -> Cow<'_, str> {
    let count = s.chars().count();
    if count <= EXCERPT_CHARS {
        return visible(s);
    }
    let cut: String = s.chars().take(EXCERPT_CHARS).collect();
    Cow::Owned(format!("{}… ({count} characters)", visible(&cut)))
}

/// A file name or path for display: lossily decoded when it is not UTF-8 (the
/// replacement character marks the bytes that were not), then escaped.
pub fn path(p: &std::path::Path) -> String {
    visible(&p.to_string_lossy()).into_owned()
}

/// Scanned text escaped for Markdown (editor hover): unsafe characters shown visibly and
/// every Markdown or HTML metacharacter backslash-escaped, so a scanned value can neither
/// format the hover nor inject a link, an image or HTML.
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in visible(s).chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '{'
                | '}'
                | '['
                | ']'
                | '<'
                | '>'
                | '('
                | ')'
                | '#'
                | '+'
                | '-'
                | '.'
                | '!'
                | '|'
                | '~'
                | '&'
                | '"'
                | '\''
                | '$'
                | ':'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_shown_visibly() {
        assert_eq!(visible("a\n::error::x"), "a\\n::error::x");
        assert_eq!(visible("\u{1b}]8;;x\u{7}"), "\\u{1b}]8;;x\\u{7}");
        assert_eq!(visible("r\rn\u{85}"), "r\\rn\\u{85}");
        assert_eq!(visible("\u{202e}evil"), "\\u{202e}evil");
        assert!(matches!(visible("plain ascii"), Cow::Borrowed(_)));
        assert_eq!(visible("café ✓"), "café ✓");
    }

    #[test]
    fn multiline_keeps_line_breaks_only() {
        assert_eq!(visible_multiline("a\n\tb\r\u{1b}"), "a\n\tb\\r\\u{1b}");
    }

    #[test]
    fn excerpts_are_cut_and_escaped() {
        let long = "x".repeat(1000);
        let e = excerpt(&long);
        assert!(e.starts_with(&"x".repeat(EXCERPT_CHARS)));
        assert!(e.ends_with("… (1000 characters)"), "{e}");
        assert!(e.chars().count() < EXCERPT_CHARS + 30);
        assert_eq!(excerpt("a\nb"), "a\\nb");
    }

    #[test]
    fn markdown_cannot_format_or_link() {
        let m = markdown("[x](http://e) <img src=x> **b** `c`\n# h");
        assert!(
            !m.contains("](") && !m.contains(" <img") && !m.contains('\n'),
            "{m}"
        );
        assert!(m.contains("\\[x\\]\\(http\\://e\\)"), "{m}");
    }
}
