//! `check --fix` and `--diff`: apply the literal edits rules are certain about.
//!
//! Edits are minimal text replacements (or insertions) at byte spans, so formatting and
//! comments around them stay as they were. Fixes are safe or unsafe
//! ([`crate::finding::Safety`]): unsafe ones (a cost, or who can reach the registry) are
//! applied only when asked, and otherwise counted so the user can be told about them.
//! Fixes whose edits overlap one already taken are skipped (the next run picks them up),
//! and so are fixes whose required edits (`Fix::requires`) no other fix makes; an edit
//! reported several times (a module's literal, once per caller) is made once. Edits apply
//! bottom-up per file. Fixes whose edits would land inside a comment or a string are
//! skipped too. Only files the caller says were scanned from disk are changed (never
//! standard input).
//!
//! Terraform files keep the layout `terraform fmt` gives them: in the groups of
//! consecutive lines an edit touches, the `=` of single-line attributes and the trailing
//! comments are re-aligned as fmt aligns them (so a fix of an fmt-clean file is fmt-clean).
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
use crate::finding::{Edit, Safety};
use crate::source::FileId;

/// The new text of one file.
#[derive(Debug)]
pub struct FileChange {
    pub path: PathBuf,
    pub display: String,
    pub before: Arc<str>,
    pub after: String,
    /// How many findings' fixes went into it (a module's edit counts once per caller's
    /// finding it fixes).
    pub fixes: usize,
}

/// What `--fix` would do: the changes, and the unsafe fixes left out.
#[derive(Debug, Default)]
pub struct Plan {
    pub changes: Vec<FileChange>,
    /// Unsafe fixes that would apply with `--unsafe-fixes` (each counted once).
    pub unsafe_left: usize,
}

/// What `--fix` would change, file by file, in display order; only in files for which
/// `writable` says yes, and unsafe fixes only when `unsafe_fixes` is set.
pub fn plan(a: &Analysis, writable: &dyn Fn(&Path) -> bool, unsafe_fixes: bool) -> Plan {
    let mut protected: HashMap<FileId, Vec<Range<usize>>> = HashMap::new();
    let mut taken: BTreeMap<FileId, Vec<Edit>> = BTreeMap::new();
    let mut counts: BTreeMap<FileId, usize> = BTreeMap::new();
    let mut unsafe_left: Vec<&[Edit]> = Vec::new();
    // Fixes that require another fix's edits come second, when those are known to be taken.
    let (free, dependent): (Vec<_>, Vec<_>) = a
        .findings
        .iter()
        .filter_map(|f| f.fix.as_ref())
        .partition(|fix| fix.requires.is_empty());
    for fix in free.into_iter().chain(dependent) {
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
        if fix.edits.is_empty() || !writable || in_comment {
            continue;
        }
        if fix.safety == Safety::Unsafe && !unsafe_fixes {
            // Counted once, however many findings (module callers) share it.
            if !unsafe_left.contains(&fix.edits.as_slice()) {
                unsafe_left.push(&fix.edits);
            }
            continue;
        }
        let required = fix
            .requires
            .iter()
            .all(|r| taken.get(&r.span.file).is_some_and(|list| list.contains(r)));
        let clashes = fix.edits.iter().any(|e| {
            taken.get(&e.span.file).is_some_and(|list| {
                list.iter().any(|t| {
                    t != e
                        && t.span.start < e.span.end.max(e.span.start + 1)
                        && e.span.start < t.span.end.max(t.span.start + 1)
                })
            })
        });
        if clashes || !required {
            continue;
        }
        // The same edit from several findings (a module and its callers) is made once.
        for e in &fix.edits {
            let list = taken.entry(e.span.file).or_default();
            if !list.contains(e) {
                list.push(e.clone());
            }
        }
        if let Some(e) = fix.edits.first() {
            *counts.entry(e.span.file).or_default() += 1;
        }
    }
    let mut changes: Vec<FileChange> = taken
        .into_iter()
        .map(|(id, edits)| {
            let file = a.sources.get(id);
            FileChange {
                path: file.path.clone(),
                display: file.display.clone(),
                before: file.text.clone(),
                after: apply(&file.path, &file.text, edits),
                fixes: counts.get(&id).copied().unwrap_or(0),
            }
        })
        .filter(|c| *c.before != c.after)
        .collect();
    changes.sort_by(|a, b| a.display.cmp(&b.display));
    Plan {
        changes,
        unsafe_left: unsafe_left.len(),
    }
}

/// The text of a file with non-overlapping edits made; a CRLF file stays CRLF, and a
/// Terraform file's touched `=` and comment groups are re-aligned as `terraform fmt` does.
pub fn apply(path: &Path, text: &str, edits: Vec<Edit>) -> String {
    let (out, touched) = splice(text, edits);
    if is_terraform(path) {
        align_terraform(path, &out, &touched)
    } else {
        out
    }
}

/// One file's edits as an editor applies them, as (byte range in `text`, new text): the
/// edits themselves, or, when re-aligning a Terraform group moves more, one replacement of
/// the lines that change.
pub fn editor_edits(path: &Path, text: &str, edits: Vec<Edit>) -> Vec<(Range<usize>, String)> {
    let after = apply(path, text, edits.clone());
    if splice(text, edits.clone()).0 == after {
        return edits
            .into_iter()
            .map(|e| (e.span.range(), e.replacement))
            .collect();
    }
    let (a, b) = (text.as_bytes(), after.as_bytes());
    let mut pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    pre = text[..pre].rfind('\n').map_or(0, |n| n + 1);
    let mut suf = a[pre..]
        .iter()
        .rev()
        .zip(b[pre..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    // Whole lines: the common tail starts at a line's start.
    while suf > 0 && a[a.len() - suf - 1] != b'\n' {
        suf -= 1;
    }
    vec![(pre..a.len() - suf, after[pre..b.len() - suf].to_string())]
}

/// The text with the edits made, and the byte ranges of their new text in it.
fn splice(text: &str, mut edits: Vec<Edit>) -> (String, Vec<Range<usize>>) {
    let crlf = text.contains("\r\n");
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut touched: Vec<Range<usize>> = Vec::with_capacity(edits.len());
    let mut at = 0;
    for e in &edits {
        let r = e.span.range();
        out.push_str(&text[at..r.start]);
        let start = out.len();
        if crlf && e.replacement.contains('\n') {
            out.push_str(&e.replacement.replace("\r\n", "\n").replace('\n', "\r\n"));
        } else {
            out.push_str(&e.replacement);
        }
        touched.push(start..out.len());
        at = r.end;
    }
    out.push_str(&text[at..]);
    (out, touched)
}

fn is_terraform(path: &Path) -> bool {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|e| e == "tf" || e == "tfvars")
}

/// One line of a Terraform file as `terraform fmt` sees it for alignment: where its
/// attribute's `=` is (a single-line attribute: the brackets after `=` balance) and where
/// its trailing `#` or `//` comment starts (after other text), as byte offsets in the line.
/// A line inside a heredoc or a block comment is `within` the line that opened it (as fmt
/// sees it): it neither joins nor ends a group.
#[derive(Clone, Copy, Default)]
struct Cells {
    eq: Option<usize>,
    comment: Option<usize>,
    within: bool,
}

fn cells(line: &str, base: usize, regions: &[Range<usize>]) -> Cells {
    let b = line.as_bytes();
    // A line that continues a heredoc or comment is left alone.
    if inside(regions, base) {
        return Cells {
            within: true,
            ..Cells::default()
        };
    }
    let mut out = Cells::default();
    let mut depth: i32 = 0;
    let mut i = 0;
    while i < b.len() {
        let at = base + i;
        let k = regions.partition_point(|r| r.start < at);
        if let Some(r) = regions.get(k).filter(|r| r.start == at) {
            let end = r.end - base;
            let comment = b[i] == b'#' || line[i..].starts_with("//");
            if comment && end >= b.len() {
                if !line[..i].trim().is_empty() {
                    out.comment = Some(i);
                }
                break;
            }
            if end > b.len() {
                // A heredoc or block comment that goes on past this line: what follows it
                // is part of this line for fmt (a heredoc is a one-line value).
                out.comment = None;
                break;
            }
            i = end;
            continue;
        }
        match b[i] {
            b'{' | b'[' | b'(' => depth += 1,
            b'}' | b']' | b')' => depth -= 1,
            b'=' if out.eq.is_none()
                && !line[..i].trim().is_empty()
                && !matches!(b.get(i + 1), Some(b'=' | b'>'))
                && !matches!(
                    i.checked_sub(1).map(|p| b[p]),
                    Some(b'=' | b'!' | b'<' | b'>')
                ) =>
            {
                out.eq = Some(i);
                depth = 0;
            }
            _ => {}
        }
        i += 1;
    }
    if depth != 0 {
        out.eq = None;
    }
    out
}

/// Re-align, as `terraform fmt` does, the groups of consecutive lines that hold the
/// `touched` byte ranges: the `=` of single-line attributes one space after the longest
/// name of the group, then trailing comments one space after the longest line of theirs.
/// Groups no edit touched stay as they are.
fn align_terraform(path: &Path, text: &str, touched: &[Range<usize>]) -> String {
    let regions = comments_and_strings(path, text);
    // (start, content end, line end with its newline)
    let mut lines: Vec<(usize, usize, usize)> = Vec::new();
    let mut start = 0;
    while start <= text.len() {
        let end = text[start..]
            .find('\n')
            .map_or(text.len(), |n| start + n + 1);
        let content = text[start..end].trim_end_matches(['\n', '\r']).len() + start;
        lines.push((start, content, end));
        if end == text.len() {
            break;
        }
        start = end;
    }
    let hit: Vec<bool> = lines
        .iter()
        .map(|&(s, _, e)| {
            touched
                .iter()
                .any(|t| t.start < e.max(s + 1) && s < t.end.max(t.start + 1))
        })
        .collect();
    let mut body: Vec<String> = lines
        .iter()
        .map(|&(s, c, _)| text[s..c].to_string())
        .collect();
    let mut cells: Vec<Cells> = lines
        .iter()
        .map(|&(s, c, _)| cells(&text[s..c], s, &regions))
        .collect();
    // The reader puts three spaces in a byte-order mark's place: not a column.
    let bom = text.starts_with("   ") && !text[3..].starts_with(char::is_whitespace);
    let width =
        |i: usize, s: &str| s.trim_end().chars().count() - if i == 0 && bom { 3 } else { 0 };
    // The `=` first: moving it moves the comments.
    for group in runs(&cells, &hit, |c| c.eq.is_some()) {
        let max = (group.iter().copied())
            .map(|i| width(i, &body[i][..cells[i].eq.unwrap_or(0)]))
            .max()
            .unwrap_or(0);
        for &i in &group {
            let eq = cells[i].eq.unwrap_or(0);
            let lead = body[i][..eq].trim_end().to_string();
            let pad = max - width(i, &lead) + 1;
            let line = format!("{lead}{}{}", " ".repeat(pad), &body[i][eq..]);
            let moved = line.len() as isize - body[i].len() as isize;
            cells[i].eq = Some(lead.len() + pad);
            cells[i].comment = cells[i].comment.map(|c| (c as isize + moved) as usize);
            body[i] = line;
        }
    }
    for group in runs(&cells, &hit, |c| c.comment.is_some()) {
        let max = (group.iter().copied())
            .map(|i| width(i, &body[i][..cells[i].comment.unwrap_or(0)]))
            .max()
            .unwrap_or(0);
        for &i in &group {
            let c = cells[i].comment.unwrap_or(0);
            let lead = body[i][..c].trim_end().to_string();
            let pad = max - width(i, &lead) + 1;
            body[i] = format!("{lead}{}{}", " ".repeat(pad), &body[i][c..]);
        }
    }
    let mut out = String::with_capacity(text.len() + 16);
    for (line, &(_, c, e)) in body.iter().zip(&lines) {
        out.push_str(line);
        out.push_str(&text[c..e]);
    }
    out
}

/// The groups (line indices) of consecutive lines that `member` accepts, lines `within`
/// a heredoc or comment not ending them, of which at least one line is `hit`.
fn runs(cells: &[Cells], hit: &[bool], member: impl Fn(&Cells) -> bool) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut group: Vec<usize> = Vec::new();
    let mut touched = false;
    for (i, c) in cells.iter().enumerate() {
        if member(c) {
            group.push(i);
            touched |= hit[i];
        } else if !c.within || group.is_empty() {
            if touched {
                out.push(std::mem::take(&mut group));
            }
            group.clear();
            touched = false;
        }
    }
    if touched {
        out.push(group);
    }
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
/// Why fixes were not written; the messages say what was changed (nothing, or how many).
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write {}: {}; no file was changed", crate::sanitize::visible(display), crate::sanitize::visible(&source.to_string()))]
    Stage {
        display: String,
        source: std::io::Error,
    },
    #[error(
        "cannot replace {}: {source}; {done} of {total} files were already fixed",
        crate::sanitize::path(path)
    )]
    Replace {
        path: PathBuf,
        source: std::io::Error,
        done: usize,
        total: usize,
    },
}

pub fn write(changes: &[FileChange]) -> Result<(), WriteError> {
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    for c in changes {
        match stage(c) {
            Ok(pair) => staged.push(pair),
            Err(source) => {
                for (tmp, _) in &staged {
                    let _ = std::fs::remove_file(tmp);
                }
                return Err(WriteError::Stage {
                    display: c.display.clone(),
                    source,
                });
            }
        }
    }
    for (i, (tmp, target)) in staged.iter().enumerate() {
        if let Err(source) = std::fs::rename(tmp, target) {
            for (tmp, _) in &staged[i..] {
                let _ = std::fs::remove_file(tmp);
            }
            return Err(WriteError::Replace {
                path: target.clone(),
                source,
                done: i,
                total: staged.len(),
            });
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Re-aligns the groups of the lines that hold `marker`.
    fn align(text: &str, marker: &str) -> String {
        let touched: Vec<Range<usize>> = text
            .match_indices(marker)
            .map(|(i, m)| i..i + m.len())
            .collect();
        align_terraform(Path::new("main.tf"), text, &touched)
    }

    #[test]
    fn equals_in_strings_comparisons_and_arrows_are_not_the_assignment() {
        let text = "locals {\n  a = \"x=y # z\" # c\n  long_name = a == b ? 1 : 2\n  m = { for k, v in x : k => v }\n}\n";
        assert_eq!(
            align(text, "long_name"),
            "locals {\n  a         = \"x=y # z\" # c\n  long_name = a == b ? 1 : 2\n  m         = { for k, v in x : k => v }\n}\n"
        );
    }

    #[test]
    fn multi_line_values_heredocs_and_blank_lines_end_a_group() {
        let text = "locals {\n  a = 1\n  bb = [\n    1,\n  ]\n  ccc = 2\n\n  dddd = 3\n  e = <<EOT\n  x = 1\nEOT\n  ff = 4\n}\n";
        // `bb = [` opens a multi-line value: `a` is a group of its own; `ccc` too (blank
        // line after); the heredoc's body is text, never aligned.
        assert_eq!(align(text, "ccc"), text);
        assert_eq!(align(text, "bb"), text);
        // A heredoc is a one-line value for fmt: its attribute is in the group, and so is
        // the line after it.
        let aligned = text
            .replace("  e = <<EOT", "  e    = <<EOT")
            .replace("  ff = 4", "  ff   = 4");
        assert_eq!(align(text, "dddd"), aligned);
        assert_eq!(align(text, "ff ="), aligned);
        assert_eq!(align(text, "  x = 1"), text);
    }

    #[test]
    fn trailing_comments_align_per_run_of_commented_lines() {
        let text =
            "locals {\n  a = 1 # one\n  bbb = 22 // two\n  # a comment line\n  c = 3 # three\n}\n";
        assert_eq!(
            align(text, "bbb"),
            "locals {\n  a   = 1  # one\n  bbb = 22 // two\n  # a comment line\n  c = 3 # three\n}\n"
        );
    }

    #[test]
    fn crlf_lines_keep_their_endings() {
        let text = "locals {\r\n  a = 1\r\n  bbb = 2\r\n}\r\n";
        assert_eq!(
            align(text, "bbb"),
            "locals {\r\n  a   = 1\r\n  bbb = 2\r\n}\r\n"
        );
    }
}
