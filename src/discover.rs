//! Finding the files to scan and telling their formats apart.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;

use crate::config::Config;
use crate::source::SourceFile;
use crate::{Workspace, normalize};

/// Files larger than this are not parsed (reported as unreadable).
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    Terraform,
    TfVars,
    Bicep,
    BicepParams,
    ArmTemplate,
    ArmParameters,
    Kubernetes,
    Other,
}

/// Folders never walked into.
const SKIP_DIRS: &[&str] = &[
    ".git",
    ".terraform",
    "node_modules",
    ".hg",
    ".svn",
    "target",
];

/// The extensions acrlint may read.
pub const EXTENSIONS: &[&str] = &["tf", "tfvars", "bicep", "bicepparam", "json", "yaml", "yml"];

/// Tell a file's format from its name and, for JSON and YAML, its content.
pub fn classify(path: &Path, text: &str) -> FileKind {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "tf" => FileKind::Terraform,
        "tfvars" => FileKind::TfVars,
        "bicep" => FileKind::Bicep,
        "bicepparam" => FileKind::BicepParams,
        "json" => classify_json(text),
        "yaml" | "yml" => {
            if looks_like_kubernetes(text) {
                FileKind::Kubernetes
            } else {
                FileKind::Other
            }
        }
        _ => FileKind::Other,
    }
}

/// ARM templates and parameter files by their `$schema`: the value of the first
/// `"$schema"` key, wherever it is (padding before it hides nothing).
fn classify_json(text: &str) -> FileKind {
    let Some(schema) = schema_value(text) else {
        return FileKind::Other;
    };
    let lower = schema.to_ascii_lowercase();
    if lower.contains("deploymentparameters.json") {
        FileKind::ArmParameters
    } else if lower.contains("deploymenttemplate.json") {
        FileKind::ArmTemplate
    } else {
        FileKind::Other
    }
}

/// The string after the first `"$schema"` key (in any letter case, as ARM reads
/// property names), up to its closing quote.
fn schema_value(text: &str) -> Option<&str> {
    for (i, _) in text.match_indices("\"$") {
        let key_end = i + "\"$schema\"".len();
        if !text
            .get(i + 2..key_end)
            .is_some_and(|k| k.eq_ignore_ascii_case("schema\""))
        {
            continue;
        }
        let Some(rest) = text[key_end..].trim_start().strip_prefix(':') else {
            continue;
        };
        let rest = rest.trim_start().strip_prefix('"')?;
        let end = rest.find('"').unwrap_or(rest.len());
        return Some(&rest[..end]);
    }
    None
}

/// YAML that may hold a Kubernetes object: both an `apiVersion` and a `kind` key
/// somewhere, however written (after a byte-order mark, quoted, in flow style, with a
/// space before the colon). Such a file is parsed as a manifest, so that one that does
/// not parse is reported rather than skipped.
fn looks_like_kubernetes(text: &str) -> bool {
    has_yaml_key(text, "apiVersion") && has_yaml_key(text, "kind")
}

/// `key` written as a YAML mapping key: plain or quoted, at the start of a line or after
/// `{`, `,`, `-`, `?` or blanks, and followed (past blanks) by a colon.
fn has_yaml_key(text: &str, key: &str) -> bool {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text[from..].find(key).map(|i| from + i) {
        from = i + key.len();
        let (mut before, mut after) = (i, from);
        if let Some(&q) = b.get(after).filter(|q| matches!(q, b'"' | b'\'')) {
            if before == 0 || b[before - 1] != q {
                continue;
            }
            before -= 1;
            after += 1;
        }
        let opens = before == 0
            || matches!(
                b[before - 1],
                b' ' | b'\t' | b'\n' | b'\r' | b'{' | b',' | b'-' | b'?'
            )
            || text[..before].ends_with('\u{feff}');
        let rest = text[after..].trim_start_matches([' ', '\t']);
        if opens && rest.starts_with(':') {
            return true;
        }
    }
    false
}

/// Why a file could not be read as text.
#[derive(Debug)]
pub enum ReadError {
    /// Not text (binary, not UTF-8): skipped with a note.
    NotText(String),
    /// Could not be read, or too large: reported as LINT001.
    Failed(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NotText(m) | ReadError::Failed(m) => f.write_str(m),
        }
    }
}

/// Read a file as UTF-8 text, with the size cap.
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| ReadError::Failed(e.to_string()))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(ReadError::Failed(format!(
            "file is {} bytes, over the {} byte limit; not scanned",
            meta.len(),
            MAX_FILE_BYTES
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| ReadError::Failed(e.to_string()))?;
    if bytes.contains(&0) {
        return Err(ReadError::NotText(
            "binary file (contains NUL bytes)".into(),
        ));
    }
    let mut text = String::from_utf8(bytes).map_err(|e| {
        ReadError::NotText(format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    if text.starts_with('\u{feff}') {
        // A byte-order mark: replace with a space so that byte offsets stay put.
        text.replace_range(..3, "   ");
    }
    Ok(text)
}

/// The path shown to the user: relative to the current folder (with `..` where needed,
/// as long as the two share more than the file-system root), `/`-separated.
pub fn display_path(path: &Path) -> String {
    let abs = normalize(path);
    let cwd = std::env::current_dir()
        .map(|c| normalize(&c))
        .unwrap_or_default();
    let shown = relative_to(&abs, &cwd).unwrap_or(abs);
    let s = shown.to_string_lossy().replace('\\', "/");
    if s.is_empty() { ".".into() } else { s }
}

fn relative_to(path: &Path, base: &Path) -> Option<PathBuf> {
    let p: Vec<_> = path.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common <= 1 && !b.is_empty() {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c);
    }
    Some(out)
}

fn excludes(config: &Config) -> Result<Option<(GlobSet, PathBuf)>, String> {
    if config.exclude.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for pat in &config.exclude {
        let glob = Glob::new(pat).map_err(|e| format!("invalid exclude pattern `{pat}`: {e}"))?;
        b.add(glob);
        if !pat.contains('/') {
            // `*.json` means anywhere, as in .gitignore.
            b.add(Glob::new(&format!("**/{pat}")).map_err(|e| e.to_string())?);
        }
    }
    let set = b.build().map_err(|e| e.to_string())?;
    let base = config
        .root
        .clone()
        .unwrap_or_else(|| std::env::current_dir().unwrap_or_default());
    Ok(Some((set, normalize(&base))))
}

fn is_excluded(ex: &Option<(GlobSet, PathBuf)>, path: &Path) -> bool {
    let Some((set, base)) = ex else { return false };
    let abs = normalize(path);
    let rel = abs.strip_prefix(base).unwrap_or(&abs);
    set.is_match(rel)
        || rel
            .ancestors()
            .any(|a| !a.as_os_str().is_empty() && set.is_match(a))
}

/// One entry of the walk: the path of a file to scan, nothing, or a note on what was
/// not followed.
fn walk_entry(
    entry: Result<ignore::DirEntry, ignore::Error>,
    ex: &Option<(GlobSet, PathBuf)>,
    real_root: Option<&Path>,
) -> Result<Option<PathBuf>, String> {
    let entry = entry.map_err(|e| e.to_string())?;
    let p = entry.path();
    if entry.path_is_symlink() {
        // Links are followed only to files inside the scanned folder.
        match std::fs::canonicalize(p) {
            Ok(target) if target.is_file() && real_root.is_some_and(|r| target.starts_with(r)) => {}
            _ => {
                return Err(format!(
                    "{}: symbolic link not followed (it leaves the scanned folder, is broken or is a folder)",
                    display_path(p)
                ));
            }
        }
    } else if !entry.file_type().is_some_and(|t| t.is_file()) {
        return Ok(None);
    }
    let ok_ext = p
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
    Ok((ok_ext && !is_excluded(ex, p)).then(|| p.to_path_buf()))
}

/// Walk the given paths into a [`Workspace`]: folders respect `.gitignore` and skip
/// `.git`, `.terraform`, `node_modules`; files given explicitly are taken as they are.
pub fn workspace(paths: &[PathBuf], config: &Config) -> Result<Workspace, String> {
    let ex = excludes(config)?;
    let mut ws_notes: Vec<String> = Vec::new();
    let mut found: Vec<PathBuf> = Vec::new();
    let mut roots = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if meta.is_file() {
            if !is_excluded(&ex, path) {
                found.push(path.clone());
            }
            let cwd = std::env::current_dir().unwrap_or_default();
            let dir = normalize(path)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            // A file's own folder, and the current folder when the file is below it
            // (pre-commit runs at the repository root).
            let cwd = normalize(&cwd);
            roots.push(if dir.starts_with(&cwd) { cwd } else { dir });
            continue;
        }
        roots.push(normalize(path));
        let walker = ignore::WalkBuilder::new(path)
            .hidden(false)
            .git_ignore(true)
            .git_global(false)
            .git_exclude(true)
            .require_git(false)
            .follow_links(false)
            .filter_entry(|e| {
                !(e.file_type().is_some_and(|t| t.is_dir())
                    && SKIP_DIRS.contains(&e.file_name().to_str().unwrap_or("")))
            })
            .build_parallel();
        let root = normalize(path);
        let real_root = std::fs::canonicalize(&root).ok();
        let found_here = std::sync::Mutex::new(Vec::new());
        let notes_here = std::sync::Mutex::new(Vec::new());
        walker.run(|| {
            Box::new(|entry| {
                match walk_entry(entry, &ex, real_root.as_deref()) {
                    Ok(Some(p)) => found_here.lock().expect("walk").push(p),
                    Ok(None) => {}
                    Err(note) => notes_here.lock().expect("walk").push(note),
                }
                ignore::WalkState::Continue
            })
        });
        found.extend(found_here.into_inner().expect("walk"));
        let mut notes = notes_here.into_inner().expect("walk");
        notes.sort();
        ws_notes.extend(notes);
    }
    found.sort();
    found.dedup();
    let read: Vec<(PathBuf, String, Result<String, ReadError>)> = found
        .into_par_iter()
        .map(|p| {
            let r = read_text(&p);
            (normalize(&p), display_path(&p), r)
        })
        .collect();
    let mut ws = Workspace {
        roots,
        notes: ws_notes,
        ..Workspace::default()
    };
    let files: Vec<Result<SourceFile, (PathBuf, String, ReadError)>> = read
        .into_par_iter()
        .map(|(path, display, r)| match r {
            Ok(text) => Ok(SourceFile::new(path, display, text)),
            Err(e) => Err((path, display, e)),
        })
        .collect();
    for f in files {
        match f {
            Ok(file) => ws.files.push(file),
            Err((_, display, ReadError::NotText(e))) => {
                ws.notes.push(format!("{display}: skipped: {e}"))
            }
            Err((path, display, ReadError::Failed(e))) => ws.unreadable.push((path, display, e)),
        }
    }
    Ok(ws)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_extension_and_content() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(classify(&p("a.tf"), ""), FileKind::Terraform);
        assert_eq!(
            classify(
                &p("t.json"),
                r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"}"#
            ),
            FileKind::ArmTemplate
        );
        assert_eq!(
            classify(&p("package.json"), r#"{"name": "x"}"#),
            FileKind::Other
        );
        // Wherever the `$schema` is, and only by its value.
        let padded = format!(
            "{{\"metadata\": {{\"pad\": \"{}\"}},\n \"$schema\" : \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\"}}",
            "x".repeat(20_000)
        );
        assert_eq!(classify(&p("t.json"), &padded), FileKind::ArmTemplate);
        assert_eq!(
            classify(&p("t.json"), &padded.replace("$schema", "$Schema")),
            FileKind::ArmTemplate
        );
        assert_eq!(
            classify(
                &p("p.json"),
                r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", "note": "deploymentTemplate.json"}"#
            ),
            FileKind::ArmParameters
        );
        assert_eq!(
            classify(
                &p("x.json"),
                r#"{"description": "see \"$schema\" in deploymentTemplate.json", "$schema": "http://json-schema.org/draft-07/schema#"}"#
            ),
            FileKind::Other
        );
        assert_eq!(
            classify(&p("d.yaml"), "apiVersion: v1\nkind: Pod\n"),
            FileKind::Kubernetes
        );
        assert_eq!(
            classify(&p("ci.yml"), "on: push\njobs: {}\n"),
            FileKind::Other
        );
        // However the keys are written.
        for text in [
            "\u{feff}apiVersion: v1\nkind: Pod\n",
            "   apiVersion: v1\nkind: Pod\n",
            "\"apiVersion\": v1\n'kind': Pod\n",
            "{apiVersion: v1, kind: Pod}\n",
            "{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}\n",
            "apiVersion : v1\nkind\t: Pod\n",
            "items:\n- apiVersion: v1\n  kind: Pod\n",
        ] {
            assert_eq!(
                classify(&p("d.yaml"), text),
                FileKind::Kubernetes,
                "{text:?}"
            );
        }
        // Words that are not keys.
        for text in [
            "description: set apiVersion and kind\n",
            "myapiVersion: 1\nkindly: 2\n",
            "apiVersion: v1\n",
            "notes: \"apiVersion\"\nkind_of: x\n",
        ] {
            assert_eq!(classify(&p("d.yaml"), text), FileKind::Other, "{text:?}");
        }
    }
}
