//! `check --fix` and `--diff`: apply the literal edits rules are certain about.
//!
//! Edits are minimal text replacements (or insertions) at byte spans, so formatting and
//! comments around them stay as they were. Fixes whose edits overlap one already taken
//! are skipped (the next run picks them up), and so are fixes whose required edits
//! (`Fix::requires`) no other fix makes; edits apply bottom-up per file. Only files that
//! exist on disk are changed.

use std::collections::BTreeMap;
use std::path::PathBuf;
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

/// What `--fix` would change, file by file, in display order.
pub fn plan(a: &Analysis) -> Vec<FileChange> {
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
            .all(|e| a.sources.get(e.span.file).path.is_file());
        let clashes = fix.edits.iter().any(|e| {
            taken.get(&e.span.file).is_some_and(|list| {
                list.iter().any(|t| {
                    t != e
                        && t.span.start < e.span.end.max(e.span.start + 1)
                        && e.span.start < t.span.end.max(t.span.start + 1)
                })
            })
        });
        if fix.edits.is_empty() || !writable || clashes || !required {
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
            edits.sort_by_key(|e| std::cmp::Reverse((e.span.start, e.span.end)));
            for e in &edits {
                text.replace_range(e.span.range(), &e.replacement);
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

/// Write the changes to disk.
pub fn write(changes: &[FileChange]) -> Result<(), String> {
    for c in changes {
        std::fs::write(&c.path, &c.after)
            .map_err(|e| format!("cannot write {}: {e}", c.display))?;
    }
    Ok(())
}

/// Put the original text back (when a fixed file no longer parses).
pub fn revert(changes: &[FileChange]) -> Result<(), String> {
    for c in changes {
        std::fs::write(&c.path, &*c.before)
            .map_err(|e| format!("cannot restore {}: {e}", c.display))?;
    }
    Ok(())
}
