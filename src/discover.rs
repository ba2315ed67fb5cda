//! Finding the files to scan and telling their formats apart.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
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

/// Folders never walked into, whatever the ignore files say: git's own, Terraform's
/// downloaded modules and providers, npm's packages. No other folder is skipped for its
/// name alone (a folder named `target` or `build` may hold configuration; build output is
/// left out by the `.gitignore` that normally lists it).
const SKIP_DIRS: &[&str] = &[".git", ".terraform", "node_modules"];

/// The extensions acrlint may read.
pub const EXTENSIONS: &[&str] = &["tf", "tfvars", "bicep", "bicepparam", "json", "yaml", "yml"];

/// File names kustomize reads in a folder.
pub const KUSTOMIZATION_FILE_NAMES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// True for a kustomization file.
pub fn is_kustomization(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| KUSTOMIZATION_FILE_NAMES.contains(&n))
}

/// Tell a file's format from its name and, for JSON and YAML, its content.
pub fn classify(path: &Path, text: &str) -> FileKind {
    if is_kustomization(path) {
        return FileKind::Kubernetes;
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    // Terraform's JSON syntax: `main.tf.json`, `terraform.tfvars.json`.
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name.ends_with(".tf.json") {
        return FileKind::Terraform;
    }
    if name.ends_with(".tfvars.json") {
        return FileKind::TfVars;
    }
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
        // A manifest as kubectl accepts it: an object with `apiVersion` and `kind`.
        let object = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
        return if object.starts_with('{') && looks_like_kubernetes(text) {
            FileKind::Kubernetes
        } else {
            FileKind::Other
        };
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
    /// Not text (binary, not UTF-8) or not a regular file (a FIFO, device or socket):
    /// skipped with a note.
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

/// What a file that is not a regular file is, for a note.
fn special_kind(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    if t.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

fn not_regular(t: std::fs::FileType) -> ReadError {
    ReadError::NotText(format!(
        "not a regular file ({}); not read",
        special_kind(t)
    ))
}

/// Read a file's bytes: only a regular file, never more than [`MAX_FILE_BYTES`].
///
/// Every file acrlint reads goes through here. Something that is not a regular file (a
/// FIFO, a device, a socket) is refused without being opened; and since a file can be
/// swapped for one between that check and the open, the open does not block (`O_NONBLOCK`)
/// and the opened handle is checked again before anything is read.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| ReadError::Failed(e.to_string()))?;
    if !meta.is_file() {
        return Err(not_regular(meta.file_type()));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options
        .open(path)
        .map_err(|e| ReadError::Failed(e.to_string()))?;
    let meta = file
        .metadata()
        .map_err(|e| ReadError::Failed(e.to_string()))?;
    if !meta.is_file() {
        return Err(not_regular(meta.file_type()));
    }
    let too_large = |n: u64| {
        ReadError::Failed(format!(
            "file is {n} bytes, over the {MAX_FILE_BYTES} byte limit; not scanned"
        ))
    };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may grow while it is read: never take more than the limit (and one byte to
    // tell).
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Failed(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Decode bytes read from a file or standard input as UTF-8 text. A byte-order mark is
/// replaced with three spaces so that byte offsets stay put (`--fix` puts it back).
pub fn decode_text(bytes: Vec<u8>) -> Result<String, ReadError> {
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
        text.replace_range(..3, "   ");
    }
    Ok(text)
}

/// Read a file as UTF-8 text, with the size cap (see [`read_bytes`]).
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    decode_text(read_bytes(path)?)
}

/// The path shown to the user: relative to the current folder (with `..` where needed,
/// as long as the two share more than the file-system root), `/`-separated.
pub fn display_path(path: &Path) -> String {
    display_from(path, &current_folder())
}

/// The current folder, normalized (empty when it cannot be known).
fn current_folder() -> PathBuf {
    std::env::current_dir()
        .map(|c| normalize(&c))
        .unwrap_or_default()
}

/// [`display_path`] relative to `cwd` (the current folder, known already).
fn display_from(path: &Path, cwd: &Path) -> String {
    let abs = normalize(path);
    let shown = relative_to(&abs, cwd).unwrap_or(abs);
    // Names are untrusted: not UTF-8 (shown lossily), or with control characters (shown
    // escaped).
    let s = crate::sanitize::visible(&shown.to_string_lossy().replace('\\', "/")).into_owned();
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

/// Why a scan cannot start: a path the user named cannot be read, or an exclude pattern
/// is not a pattern.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("invalid exclude pattern `{pattern}`: {message}")]
    Exclude { pattern: String, message: String },
    #[error("{}: {source}", crate::sanitize::path(path))]
    Path {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn excludes(config: &Config) -> Result<Option<(GlobSet, PathBuf)>, ScanError> {
    if config.exclude.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    let invalid = |pat: &str, e: globset::Error| ScanError::Exclude {
        pattern: pat.to_string(),
        message: e.to_string(),
    };
    for pat in &config.exclude {
        b.add(Glob::new(pat).map_err(|e| invalid(pat, e))?);
        if !pat.contains('/') {
            // `*.json` means anywhere, as in .gitignore.
            b.add(Glob::new(&format!("**/{pat}")).map_err(|e| invalid(pat, e))?);
        }
    }
    let set = b
        .build()
        .map_err(|e| invalid(&config.exclude.join(", "), e))?;
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

/// The ignore rules of one folder: its `.gitignore`, `.ignore` (and, at a repository's
/// root, `.git/info/exclude`), read like any other scanned file.
/// What the ignore files say about one folder.
struct FolderRules {
    /// The folder is hidden, itself or through a folder above it (only folders below the
    /// walked folder can be).
    hidden: bool,
    /// The rules that apply to the folder's entries, nearest folder first: its own, then
    /// those of the folders above it up to the repository root.
    matchers: Vec<Arc<Gitignore>>,
}

/// Which files the repository's ignore files hide. The rules are read no higher than the
/// repository root (the nearest folder upward holding `.git`) or, outside a repository, the
/// scanned folder itself: a folder above the repository cannot hide files in it.
struct IgnoreRules {
    /// The highest folder whose rules apply.
    top: PathBuf,
    /// The folder walked: named by the user, it is scanned even when a rule above it
    /// matches it (the rules still apply to the files below it).
    root: PathBuf,
    /// Folders already read, with what their ignore files and those above say.
    folders: Mutex<HashMap<PathBuf, Arc<FolderRules>>>,
}

/// The verdict of the nearest rules that match `path` (absolute).
fn first_match(matchers: &[Arc<Gitignore>], path: &Path, is_dir: bool) -> bool {
    for m in matchers {
        match m.matched(path, is_dir) {
            ignore::Match::Ignore(_) => return true,
            ignore::Match::Whitelist(_) => return false,
            ignore::Match::None => {}
        }
    }
    false
}

/// The ignore files of one folder (`.git/info/exclude` at a repository root, `.gitignore`,
/// `.ignore`) as one matcher, and whether the folder is a repository root.
fn own_rules(dir: &Path) -> (Option<Gitignore>, bool) {
    let is_repo_root = dir.join(".git").exists();
    let mut b = GitignoreBuilder::new(dir);
    let mut any = false;
    // Lowest precedence first: the last matching line wins.
    let mut files = Vec::new();
    if is_repo_root {
        files.push(dir.join(".git").join("info").join("exclude"));
    }
    files.push(dir.join(".gitignore"));
    files.push(dir.join(".ignore"));
    for f in files {
        // Through the one reader: a FIFO or a huge file cannot stall the walk.
        let Ok(text) = read_text(&f) else { continue };
        for line in text.lines() {
            // A bad pattern is skipped, as git does.
            any |= b.add_line(Some(f.clone()), line).is_ok();
        }
    }
    let matcher = if any { b.build().ok() } else { None };
    (matcher, is_repo_root)
}

impl IgnoreRules {
    fn new(root: &Path) -> IgnoreRules {
        let top = root
            .ancestors()
            .find(|d| d.join(".git").exists())
            .unwrap_or(root)
            .to_path_buf();
        IgnoreRules {
            top,
            root: root.to_path_buf(),
            folders: Mutex::default(),
        }
    }

    /// What applies to `dir` (absolute, at or below `top`), read once per folder. The
    /// folders above it not read yet are read first, from the top down (no recursion).
    fn folder(&self, dir: &Path) -> Arc<FolderRules> {
        let mut missing = Vec::new();
        let mut above = None;
        {
            let known = self.folders.lock().expect("ignore rules");
            for d in dir.ancestors() {
                if let Some(r) = known.get(d) {
                    above = Some(r.clone());
                    break;
                }
                missing.push(d.to_path_buf());
                if d == self.top || !d.starts_with(&self.top) {
                    break;
                }
            }
        }
        let mut current = above.unwrap_or_else(|| {
            Arc::new(FolderRules {
                hidden: false,
                matchers: Vec::new(),
            })
        });
        for d in missing.into_iter().rev() {
            let (matcher, is_repo_root) = own_rules(&d);
            let inside = d.starts_with(&self.root) && d != self.root;
            let hidden = inside && (current.hidden || first_match(&current.matchers, &d, true));
            let mut matchers: Vec<Arc<Gitignore>> = matcher.map(Arc::new).into_iter().collect();
            if !is_repo_root {
                matchers.extend(current.matchers.iter().cloned());
            }
            current = Arc::new(FolderRules { hidden, matchers });
            self.folders
                .lock()
                .expect("ignore rules")
                .entry(d)
                .or_insert_with(|| current.clone());
        }
        current
    }

    /// True when a file (absolute) is hidden by an ignore file.
    fn file_hidden(&self, file: &Path) -> bool {
        let Some(dir) = file.parent() else {
            return false;
        };
        let rules = self.folder(dir);
        rules.hidden || first_match(&rules.matchers, file, false)
    }
}

/// One entry of the walk.
enum Walked {
    Nothing,
    /// A file to scan.
    File(PathBuf),
    /// A file an ignore file or an exclude hides.
    Hidden(PathBuf),
    /// What was not followed or not read, and why.
    Note(String),
}

fn has_extension(p: &Path) -> bool {
    p.file_name().is_some_and(|n| n == "Kustomization")
        || p.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn walk_entry(
    entry: Result<ignore::DirEntry, ignore::Error>,
    ex: &Option<(GlobSet, PathBuf)>,
    rules: &IgnoreRules,
    real_root: Option<&Path>,
) -> Walked {
    let entry = match entry {
        Ok(e) => e,
        Err(e) => return Walked::Note(crate::sanitize::visible(&e.to_string()).into_owned()),
    };
    let p = entry.path();
    if entry.file_type().is_some_and(|t| t.is_dir()) {
        return Walked::Nothing;
    }
    if entry.path_is_symlink() {
        // Links are followed only to files inside the scanned folder.
        match std::fs::canonicalize(p) {
            Ok(target) if target.is_file() && real_root.is_some_and(|r| target.starts_with(r)) => {}
            _ => {
                return Walked::Note(format!(
                    "{}: symbolic link not followed (it leaves the scanned folder, is broken or is not a regular file)",
                    display_path(p)
                ));
            }
        }
    } else if let Some(t) = entry.file_type()
        && !t.is_file()
    {
        if !has_extension(p) {
            return Walked::Nothing;
        }
        return Walked::Note(format!(
            "{}: skipped: not a regular file ({}); not read",
            display_path(p),
            special_kind(t)
        ));
    }
    if !has_extension(p) {
        return Walked::Nothing;
    }
    if is_excluded(ex, p) || rules.file_hidden(&normalize(p)) {
        return Walked::Hidden(p.to_path_buf());
    }
    Walked::File(p.to_path_buf())
}

/// The project a path belongs to, whose files make one resource graph: the folder of the
/// nearest `acrlint.toml` (see [`Config::discover`]), else the repository root (the
/// nearest folder upward holding `.git`), else the folder given (a file's own folder).
/// Never above the repository root.
pub fn project_root(path: &Path) -> PathBuf {
    let abs = normalize(path);
    let start = if abs.is_dir() {
        abs
    } else {
        abs.parent().map(Path::to_path_buf).unwrap_or(abs)
    };
    if let Some(folder) = Config::discover(&start)
        .as_deref()
        .and_then(Path::parent)
        .map(normalize)
    {
        return folder;
    }
    start
        .ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
        .unwrap_or(start)
}

/// The workspace of a scan of `paths` inside their projects: every file of each path's
/// project (see [`project_root`]) is read into the graph, and the paths themselves (with
/// `extra`, standard input's path) become the selection whose findings are reported.
/// Files named explicitly, and folders named explicitly, are read as
/// [`workspace`] reads them even where an ignore file hides them from the project walk.
pub fn project_workspace(
    paths: &[PathBuf],
    extra: Option<&Path>,
    config: &Config,
) -> Result<Workspace, ScanError> {
    let mut selection: Vec<PathBuf> = paths.iter().map(|p| normalize(p)).collect();
    selection.extend(extra.map(normalize));
    let mut projects: Vec<PathBuf> = selection
        .iter()
        .map(|p| project_root(p))
        .filter(|r| r.is_dir())
        .collect();
    projects.sort();
    projects.dedup();
    // A project inside another is walked with it.
    let nested: Vec<bool> = projects
        .iter()
        .map(|p| projects.iter().any(|q| q != p && p.starts_with(q)))
        .collect();
    let mut it = nested.iter();
    projects.retain(|_| !it.next().copied().unwrap_or(false));
    let mut walk = projects.clone();
    // A path that is a project's own root is walked once, as the project.
    walk.extend(
        paths
            .iter()
            .filter(|p| !projects.contains(&normalize(p)))
            .cloned(),
    );
    let mut ws = walk_paths(&walk, config)?;
    // What the ignore files hid is told only for the files asked about.
    ws.hidden
        .retain(|h| selection.iter().any(|s| h.starts_with(s)));
    add_hidden_notes(&mut ws);
    ws.project = projects.first().cloned();
    ws.selection = Some(selection);
    Ok(ws)
}

fn add_hidden_notes(ws: &mut Workspace) {
    for h in &ws.hidden {
        ws.notes.push(format!(
            "{}: not scanned: hidden by an ignore file or an exclude",
            display_path(h)
        ));
    }
}

/// Walk the given paths into a [`Workspace`]: folders respect `.gitignore`, `.ignore` and
/// the config's excludes (the files they hide are counted) and skip `.git`, `.terraform`,
/// `node_modules`; files given explicitly are taken as they are.
pub fn workspace(paths: &[PathBuf], config: &Config) -> Result<Workspace, ScanError> {
    let mut ws = walk_paths(paths, config)?;
    add_hidden_notes(&mut ws);
    Ok(ws)
}

/// [`workspace`] without the notes on hidden files.
fn walk_paths(paths: &[PathBuf], config: &Config) -> Result<Workspace, ScanError> {
    let ex = excludes(config)?;
    let mut ws_notes: Vec<String> = Vec::new();
    let mut found: Vec<PathBuf> = Vec::new();
    let mut hidden: Vec<PathBuf> = Vec::new();
    let mut roots = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| ScanError::Path {
            path: path.clone(),
            source,
        })?;
        if !meta.is_dir() {
            if meta.is_file() {
                if is_excluded(&ex, path) {
                    hidden.push(path.clone());
                } else {
                    found.push(path.clone());
                }
            } else {
                ws_notes.push(format!(
                    "{}: skipped: not a regular file ({}); not read",
                    display_path(path),
                    special_kind(meta.file_type())
                ));
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
        let root = normalize(path);
        roots.push(root.clone());
        // Ignore files are read by `IgnoreRules`, not by the walker: it never opens a file.
        let walker = ignore::WalkBuilder::new(path)
            .standard_filters(false)
            .follow_links(false)
            .filter_entry(|e| {
                !(e.file_type().is_some_and(|t| t.is_dir())
                    && SKIP_DIRS.contains(&e.file_name().to_str().unwrap_or("")))
            })
            .build_parallel();
        let rules = IgnoreRules::new(&root);
        let real_root = std::fs::canonicalize(&root).ok();
        let found_here = Mutex::new(Vec::new());
        let hidden_here = Mutex::new(Vec::new());
        let notes_here = Mutex::new(Vec::new());
        walker.run(|| {
            Box::new(|entry| {
                match walk_entry(entry, &ex, &rules, real_root.as_deref()) {
                    Walked::File(p) => found_here.lock().expect("walk").push(p),
                    Walked::Hidden(p) => hidden_here.lock().expect("walk").push(p),
                    Walked::Note(note) => notes_here.lock().expect("walk").push(note),
                    Walked::Nothing => {}
                }
                ignore::WalkState::Continue
            })
        });
        found.extend(found_here.into_inner().expect("walk"));
        hidden.extend(hidden_here.into_inner().expect("walk"));
        let mut notes = notes_here.into_inner().expect("walk");
        notes.sort();
        ws_notes.extend(notes);
    }
    // The same file reached through two paths (a project and a folder in it) is read once.
    let mut found: Vec<PathBuf> = found.iter().map(|p| normalize(p)).collect();
    let mut hidden: Vec<PathBuf> = hidden.iter().map(|p| normalize(p)).collect();
    found.sort();
    found.dedup();
    // A file hidden under one scanned path and found under another is scanned.
    hidden.sort();
    hidden.dedup();
    hidden.retain(|h| found.binary_search(h).is_err());
    let cwd = current_folder();
    let read: Vec<(PathBuf, String, Result<String, ReadError>)> = found
        .into_par_iter()
        .map(|p| {
            let r = read_text(&p);
            let shown = display_from(&p, &cwd);
            (p, shown, r)
        })
        .collect();
    let mut ws = Workspace {
        roots,
        notes: ws_notes,
        ..Workspace::default()
    };
    ws.hidden = hidden;
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
        assert_eq!(classify(&p("main.tf.json"), "{}"), FileKind::Terraform);
        assert_eq!(
            classify(&p("terraform.tfvars.json"), "{}"),
            FileKind::TfVars
        );
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
