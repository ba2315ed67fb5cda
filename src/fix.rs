//! `check --fix` and `--diff`: apply the literal edits rules are certain about.
//!
//! Edits are minimal text replacements (or insertions) at byte spans, so formatting and
//! comments around them stay as they were. Fixes whose edits overlap one already taken
//! are skipped (the next run picks them up), and so are fixes whose required edits
//! (`Fix::requires`) no other fix makes; edits apply bottom-up per file. Fixes whose edits
//! would land inside a comment or a string are skipped too. Only files the caller says
//! were scanned from disk are changed (never standard input).
//!
//! Writing is all-or-nothing: every file's new text goes to a temporary file beside it
//! first (keeping its permissions, byte-order mark and line endings), and only when all of
//! them are written are they renamed into place. A file that changed since it was
//! scanned stops the whole write.

use std::collections::{BTreeMap, HashMap};
use std::ffi::OsString;
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::Analysis;
use crate::finding::Edit;
use crate::source::FileId;

/// The new text of one file.
#[derive(Debug)]
pub struct FileChange {
    pub path: PathBuf,
    pub display: String,
    pub before: Arc<str>,
    pub after: String,
    /// How many findings' fixes went into it.
    pub fixes: usize,
}

/// What `--fix` would change, file by file, in display order; only in files for which
/// `writable` says yes.
pub fn plan(a: &Analysis, writable: &dyn Fn(&Path) -> bool) -> Vec<FileChange> {
    let mut protected: HashMap<FileId, Vec<Range<usize>>> = HashMap::new();
    let mut taken: BTreeMap<FileId, Vec<Edit>> = BTreeMap::new();
    let mut counts: BTreeMap<FileId, usize> = BTreeMap::new();
    // Fixes that require another fix's edits come second, when those are known to be taken.
    let (free, dependent): (Vec<_>, Vec<_>) = a
        .findings
        .iter()
        .filter_map(|f| f.fix.as_ref())
        .partition(|fix| fix.requires.is_empty());
    for fix in free.into_iter().chain(dependent) {
        let required = fix
            .requires
            .iter()
            .all(|r| taken.get(&r.span.file).is_some_and(|list| list.contains(r)));
        let writable = fix
            .edits
            .iter()
            .all(|e| writable(&a.sources.get(e.span.file).path));
        // An edit inside a comment or a string would change nothing or break the file.
        let in_comment = fix.edits.iter().any(|e| {
            let regions = protected.entry(e.span.file).or_insert_with(|| {
                let f = a.sources.get(e.span.file);
                comments_and_strings(&f.path, &f.text)
            });
            let r = e.span.range();
            inside(regions, r.start) || inside(regions, r.end)
        });
        let clashes = fix.edits.iter().any(|e| {
            taken.get(&e.span.file).is_some_and(|list| {
                list.iter().any(|t| {
                    t != e
                        && t.span.start < e.span.end.max(e.span.start + 1)
                        && e.span.start < t.span.end.max(t.span.start + 1)
                })
            })
        });
        if fix.edits.is_empty() || !writable || in_comment || clashes || !required {
            continue;
        }
        for e in &fix.edits {
            let list = taken.entry(e.span.file).or_default();
            if !list.contains(e) {
                list.push(e.clone());
            }
            *counts.entry(e.span.file).or_default() += 1;
        }
    }
    let mut out: Vec<FileChange> = taken
        .into_iter()
        .map(|(id, mut edits)| {
            let file = a.sources.get(id);
            let mut text = file.text.to_string();
            let crlf = file.text.contains("\r\n");
            edits.sort_by_key(|e| std::cmp::Reverse((e.span.start, e.span.end)));
            for e in &edits {
                if crlf && e.replacement.contains('\n') {
                    // A CRLF file stays CRLF.
                    let r = e.replacement.replace("\r\n", "\n").replace('\n', "\r\n");
                    text.replace_range(e.span.range(), &r);
                } else {
                    text.replace_range(e.span.range(), &e.replacement);
                }
            }
            FileChange {
                path: file.path.clone(),
                display: file.display.clone(),
                before: file.text.clone(),
                after: text,
                fixes: counts.get(&id).copied().unwrap_or(0),
            }
        })
        .filter(|c| *c.before != c.after)
        .collect();
    out.sort_by(|a, b| a.display.cmp(&b.display));
    out
}

/// A unified diff of the changes (`--diff`).
pub fn diff(changes: &[FileChange]) -> String {
    let mut out = String::new();
    for c in changes {
        let d = similar::TextDiff::from_lines(&*c.before, &c.after);
        out.push_str(
            &d.unified_diff()
                .context_radius(3)
                .header(&format!("a/{}", c.display), &format!("b/{}", c.display))
                .to_string(),
        );
    }
    out
}

/// True when `at` lies strictly inside one of the regions (sorted by start).
fn inside(regions: &[Range<usize>], at: usize) -> bool {
    let i = regions.partition_point(|r| r.start < at);
    i > 0 && at < regions[i - 1].end
}

/// The byte ranges of the comments and strings of a file, by its format (its extension):
/// Terraform `#`, `//`, `/* */`, `"…"` and heredocs; Bicep `//`, `/* */`, `'…'` and
/// `'''…'''`; JSON `//`, `/* */` and `"…"`; YAML `#` comments and quoted scalars.
pub fn comments_and_strings(path: &Path, text: &str) -> Vec<Range<usize>> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let (hash, slash, double, single, heredoc) = match ext.as_str() {
        "tf" | "tfvars" => (true, true, true, false, true),
        "bicep" | "bicepparam" => (false, true, false, true, false),
        "json" => (false, true, true, false, false),
        "yaml" | "yml" => (true, false, true, true, false),
        _ => return Vec::new(),
    };
    let yaml = matches!(ext.as_str(), "yaml" | "yml");
    let b = text.as_bytes();
    let line_end = |from: usize| {
        b[from.min(b.len())..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |n| from + n)
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        let start = i;
        if (hash && c == b'#' && (!yaml || i == 0 || b[i - 1].is_ascii_whitespace()))
            || (slash && c == b'/' && next == Some(b'/'))
        {
            i = line_end(i);
        } else if slash && c == b'/' && next == Some(b'*') {
            i = text[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
        } else if single && !yaml && text[i..].starts_with("'''") {
            i = text[i + 3..].find("'''").map_or(b.len(), |n| i + 3 + n + 3);
        } else if heredoc && text[i..].starts_with("<<") {
            let rest = &text[i + 2..];
            let rest = rest.strip_prefix('-').unwrap_or(rest);
            let ident: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if ident.is_empty() {
                i += 2;
                continue;
            }
            // Up to the end of the line that holds only the identifier.
            let mut at = line_end(i);
            while at < b.len() {
                let end = line_end(at + 1);
                let done = text[at + 1..end].trim() == ident;
                at = end;
                if done {
                    break;
                }
            }
            i = at;
        } else if heredoc && c == b'"' {
            i = terraform_string_end(b, i);
        } else if (double && c == b'"') || (single && c == b'\'') {
            i += 1;
            while i < b.len() && b[i] != c {
                // Backslash escapes, except in YAML's single quotes (which double the quote).
                if b[i] == b'\\' && !(yaml && c == b'\'') {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(b.len());
        } else {
            i += 1;
            continue;
        }
        out.push(start..i.max(start + 1));
    }
    out
}

/// The end of the Terraform string that opens at `start`: past its closing quote, with
/// `${ … }` and `%{ … }` templates (and the strings inside them) skipped whole. An
/// unterminated string ends at its line's end.
fn terraform_string_end(b: &[u8], start: usize) -> usize {
    enum Frame {
        Str,
        Template(u32),
    }
    let mut stack = vec![Frame::Str];
    let mut i = start + 1;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        match stack.last_mut() {
            Some(Frame::Str) => match c {
                b'\\' => i += 2,
                b'"' => {
                    stack.pop();
                    i += 1;
                    if stack.is_empty() {
                        return i;
                    }
                }
                b'$' | b'%' if next == Some(c) => i += 2,
                b'$' | b'%' if next == Some(b'{') => {
                    stack.push(Frame::Template(1));
                    i += 2;
                }
                b'\n' => return i,
                _ => i += 1,
            },
            Some(Frame::Template(depth)) => {
                match c {
                    b'{' => *depth += 1,
                    b'}' => {
                        *depth -= 1;
                        if *depth == 0 {
                            stack.pop();
                        }
                    }
                    b'"' => stack.push(Frame::Str),
                    _ => {}
                }
                i += 1;
            }
            None => return i,
        }
    }
    b.len()
}

const BOM: &[u8] = b"\xef\xbb\xbf";

/// Write the changes to disk, all or nothing: each file's new text goes to a temporary
/// file beside it, and only when every one is written are they renamed into place. When
/// one cannot be written (or a file changed since it was scanned), the temporary files
/// are removed and nothing is changed.
pub fn write(changes: &[FileChange]) -> Result<(), String> {
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    for c in changes {
        match stage(c) {
            Ok(pair) => staged.push(pair),
            Err(e) => {
                for (tmp, _) in &staged {
                    let _ = std::fs::remove_file(tmp);
                }
                return Err(format!(
                    "cannot write {}: {}; no file was changed",
                    crate::sanitize::visible(&c.display),
                    crate::sanitize::visible(&e.to_string())
                ));
            }
        }
    }
    for (i, (tmp, target)) in staged.iter().enumerate() {
        if let Err(e) = std::fs::rename(tmp, target) {
            for (tmp, _) in &staged[i..] {
                let _ = std::fs::remove_file(tmp);
            }
            return Err(format!(
                "cannot replace {}: {e}; {i} of {} files were already fixed",
                crate::sanitize::path(target),
                staged.len()
            ));
        }
    }
    Ok(())
}

/// Write one file's new text to a temporary file in its folder: (temporary, target).
fn stage(c: &FileChange) -> std::io::Result<(PathBuf, PathBuf)> {
    use crate::discover::{decode_text, read_bytes};
    let err = |e: crate::discover::ReadError| std::io::Error::other(e.to_string());
    // A link (inside the scanned folder: the walk follows no other) is written through.
    let target = std::fs::canonicalize(&c.path)?;
    let meta = std::fs::metadata(&target)?;
    let bytes = read_bytes(&target).map_err(err)?;
    let bom = bytes.starts_with(BOM);
    if *decode_text(bytes).map_err(err)? != *c.before {
        return Err(std::io::Error::other("it changed since it was scanned"));
    }
    let mut out = Vec::with_capacity(c.after.len() + 3);
    if bom {
        // The reader put three spaces in the mark's place.
        out.extend_from_slice(BOM);
        out.extend_from_slice(c.after.strip_prefix("   ").unwrap_or(&c.after).as_bytes());
    } else {
        out.extend_from_slice(c.after.as_bytes());
    }
    let dir = target.parent().unwrap_or(Path::new("."));
    let mut name = OsString::from(".");
    name.push(target.file_name().unwrap_or_default());
    name.push(format!(".acrlint-{}.tmp", std::process::id()));
    let tmp = dir.join(name);
    // `create_new`: never through a link or over a file someone placed there.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)?;
    let written = file
        .write_all(&out)
        .and_then(|()| file.set_permissions(meta.permissions()))
        .and_then(|()| file.sync_all());
    if let Err(e) = written {
        drop(file);
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok((tmp, target))
}
