//! Conversions at the protocol edge: URIs and paths, byte offsets and LSP positions,
//! findings and diagnostics.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag,
    Location, NumberOrString, Position, Range, Uri,
};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::finding::{Finding, Severity};
use crate::sanitize::visible;
use crate::source::{SourceFile, SourceMap, Span};

/// The position encoding negotiated at `initialize`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

/// The absolute, normalized path of a `file:` URI (percent-decoded).
pub fn uri_to_path(uri: &Uri) -> Result<PathBuf, String> {
    let scheme = uri.scheme().map(|s| s.as_str()).unwrap_or("");
    if !scheme.eq_ignore_ascii_case("file") {
        return Err(format!(
            "unsupported URI `{}`: only file: URIs are analyzed",
            uri.as_str()
        ));
    }
    let raw = uri.path().as_str();
    let decoded = percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| format!("URI `{}` is not UTF-8 once decoded", uri.as_str()))?;
    // `/C:/x` on Windows.
    let b = decoded.as_bytes();
    let path = if cfg!(windows) && b.len() >= 3 && b[0] == b'/' && b[2] == b':' {
        &decoded[1..]
    } else {
        &decoded[..]
    };
    if path.is_empty() || !Path::new(path).is_absolute() {
        return Err(format!("URI `{}` has no absolute path", uri.as_str()));
    }
    Ok(crate::normalize(Path::new(path)))
}

/// Characters kept as they are in a URI path (RFC 3986 unreserved and `/`).
const PATH_KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The `file:` URI of an absolute path.
pub fn path_to_uri(path: &Path) -> Uri {
    let s = path.to_string_lossy().replace('\\', "/");
    let s = if s.starts_with('/') {
        s
    } else {
        format!("/{s}")
    };
    let text = format!("file://{}", utf8_percent_encode(&s, PATH_KEEP));
    Uri::from_str(&text).unwrap_or_else(|_| Uri::from_str("file:///").expect("valid URI"))
}

/// The LSP position of a byte offset.
pub fn position(file: &SourceFile, byte: usize, enc: Encoding) -> Position {
    match enc {
        Encoding::Utf16 => {
            let (line, character) = file.utf16_position(byte);
            Position { line, character }
        }
        Encoding::Utf8 => {
            let lc = file.line_col(byte);
            let line = lc.line - 1;
            let start = file.line_start(line).unwrap_or(0);
            let byte = byte.min(file.text.len()).max(start);
            let byte = floor_boundary(&file.text, byte);
            Position {
                line: line as u32,
                character: (byte - start) as u32,
            }
        }
    }
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The byte offset of an LSP position (clamped to the line and the file).
pub fn offset(file: &SourceFile, pos: Position, enc: Encoding) -> usize {
    match enc {
        Encoding::Utf16 => file.offset_of_utf16(pos.line, pos.character),
        Encoding::Utf8 => {
            let Some(start) = file.line_start(pos.line as usize) else {
                return file.text.len();
            };
            let end = file.line_range(pos.line as usize).end;
            floor_boundary(&file.text, (start + pos.character as usize).min(end))
        }
    }
}

pub fn range(file: &SourceFile, span: Span, enc: Encoding) -> Range {
    Range {
        start: position(file, span.start as usize, enc),
        end: position(file, span.end as usize, enc),
    }
}

/// How diagnostics link to rule docs: a URL pattern with `{code}`, `{name}` and `{file}`
/// (the doc's file name), or none.
#[derive(Clone, Debug, Default)]
pub struct DocLinks(pub Option<String>);

impl DocLinks {
    fn href(&self, f: &Finding) -> Option<CodeDescription> {
        let pattern = self.0.as_deref()?;
        let url = f.rule.doc_url(pattern);
        Uri::from_str(&url)
            .ok()
            .map(|href| CodeDescription { href })
    }
}

/// A finding as an LSP diagnostic (on the file of its primary span).
pub fn diagnostic(sources: &SourceMap, f: &Finding, enc: Encoding, links: &DocLinks) -> Diagnostic {
    let file = sources.get(f.primary.file);
    // Scanned text with controls made visible; the line breaks are ours.
    let mut message = visible(&f.message).into_owned();
    if let Some(help) = &f.help {
        message.push_str("\nhelp: ");
        message.push_str(&visible(help));
    }
    for note in &f.notes {
        message.push_str("\nnote: ");
        message.push_str(&visible(note));
    }
    let related: Vec<DiagnosticRelatedInformation> = f
        .secondary
        .iter()
        .map(|l| {
            let lf = sources.get(l.span.file);
            DiagnosticRelatedInformation {
                location: Location {
                    uri: path_to_uri(&lf.path),
                    range: range(lf, l.span, enc),
                },
                message: visible(&l.message).into_owned(),
            }
        })
        .collect();
    let tags = (f.rule.code == "LINT002").then(|| vec![DiagnosticTag::UNNECESSARY]);
    Diagnostic {
        range: range(file, f.primary, enc),
        severity: Some(match f.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Note => DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(f.rule.code.to_string())),
        code_description: links.href(f),
        source: Some("acrlint".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags,
        data: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_round_trip_with_percent_encoding() {
        let p = PathBuf::from("/tmp/a b/é#x.tf");
        let uri = path_to_uri(&p);
        assert_eq!(uri.as_str(), "file:///tmp/a%20b/%C3%A9%23x.tf");
        assert_eq!(uri_to_path(&uri).unwrap(), p);
        let bad = Uri::from_str("untitled:Untitled-1").unwrap();
        assert!(uri_to_path(&bad).is_err());
    }

    #[test]
    fn doc_links_fill_the_pattern_or_are_absent() {
        let rule = &crate::rules::by_code_or_name("ACR002").unwrap().meta;
        let f = Finding::new(rule, Span::default(), "m");
        assert!(DocLinks(None).href(&f).is_none());
        let links = DocLinks(Some("https://example.com/rules/{file}#{code}".into()));
        assert_eq!(
            links.href(&f).unwrap().href.as_str(),
            "https://example.com/rules/ACR002-registry-admin-user-enabled.md#ACR002"
        );
    }

    #[test]
    fn utf8_and_utf16_positions() {
        let f = SourceFile::new("/a.tf".into(), "a.tf".into(), "x\n# é😀\nsku = 1\n");
        let sku = f.text.find("1").unwrap();
        assert_eq!(position(&f, sku, Encoding::Utf16), Position::new(2, 6));
        assert_eq!(position(&f, sku, Encoding::Utf8), Position::new(2, 6));
        let end = f.text.find('\n').unwrap() + 1 + "# é😀".len();
        assert_eq!(position(&f, end, Encoding::Utf16), Position::new(1, 5));
        assert_eq!(position(&f, end, Encoding::Utf8), Position::new(1, 8));
        assert_eq!(offset(&f, Position::new(1, 8), Encoding::Utf8), end);
        assert_eq!(offset(&f, Position::new(1, 5), Encoding::Utf16), end);
    }
}
