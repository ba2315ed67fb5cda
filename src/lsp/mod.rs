//! `acrlint lsp`: the language server. A synchronous loop over stdio (lsp-server's message
//! types, our own framing in [`transport`]); every change re-runs the library's
//! [`analyze`] over the workspace folders with the open buffers layered over the disk.

mod actions;
pub mod convert;
pub mod transport;

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use crossbeam_channel::Receiver;
use lsp_server::{ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{self as note, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    Diagnostic, FileChangeType, InitializeParams, InitializeResult, MessageType,
    PositionEncodingKind, ServerCapabilities, ServerInfo, TextDocumentSyncCapability,
    TextDocumentSyncKind,
};

use crate::config::{self, Config};
use crate::source::SourceFile;
use crate::{Analysis, Workspace, analyze, discover};
use convert::{DocLinks, Encoding};
use transport::Incoming;

/// What the command line passes to the server.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// URL pattern of rule docs for `codeDescription` (`{code}`, `{name}`, `{file}`).
    pub docs_url: Option<String>,
}

/// The stack of the thread that analyzes: the parsers' depth limits are measured
/// against it (as for the command line's threads), whatever the main thread has.
const ANALYSIS_STACK: usize = 8 << 20;

/// Serve LSP over stdin/stdout; returns the process exit code (0 after shutdown + exit).
pub fn run(opts: Options) -> i32 {
    let (tx, rx) = crossbeam_channel::unbounded();
    std::thread::Builder::new()
        .name("acrlint-lsp-reader".into())
        .spawn(move || transport::read_loop(std::io::stdin().lock(), tx))
        .expect("spawn the reader thread");
    // The loop analyzes: on a thread with a known stack.
    std::thread::Builder::new()
        .name("acrlint-lsp".into())
        .stack_size(ANALYSIS_STACK)
        .spawn(move || serve(rx, std::io::stdout().lock(), opts))
        .expect("spawn the server thread")
        .join()
        .unwrap_or(1)
}

/// The server loop over any message source and sink (the binary uses stdio).
pub fn serve(rx: Receiver<Incoming>, out: impl Write, opts: Options) -> i32 {
    let mut s = Server {
        out,
        enc: Encoding::Utf16,
        links: DocLinks(opts.docs_url),
        roots: Vec::new(),
        config: Config::default(),
        disk: None,
        cache: Arc::default(),
        open: HashMap::new(),
        too_large: HashMap::new(),
        published: HashMap::new(),
        last: None,
        initialized: false,
        shutdown: false,
        dirty: false,
    };
    loop {
        // Coalesce: take everything queued, apply it, then analyze once.
        let Ok(first) = rx.recv() else {
            return if s.shutdown { 0 } else { 1 };
        };
        let batch: Vec<Incoming> = std::iter::once(first).chain(rx.try_iter()).collect();
        for incoming in batch {
            match incoming {
                Incoming::Malformed { id, code, error } => {
                    s.log(MessageType::ERROR, &format!("malformed message: {error}"));
                    let _ = transport::write_error(&mut s.out, &id, code, &error);
                }
                Incoming::Message(Message::Request(r)) => {
                    if s.dirty && s.initialized {
                        s.refresh();
                    }
                    let id = r.id.clone();
                    let resp =
                        catch_unwind(AssertUnwindSafe(|| s.request(r))).unwrap_or_else(|p| {
                            Response::new_err(
                                id,
                                ErrorCode::InternalError as i32,
                                format!("internal error: {}", panic_text(&p)),
                            )
                        });
                    s.send(Message::Response(resp));
                }
                Incoming::Message(Message::Notification(n)) => {
                    if n.method == note::Exit::METHOD {
                        return if s.shutdown { 0 } else { 1 };
                    }
                    let method = n.method.clone();
                    if let Err(p) = catch_unwind(AssertUnwindSafe(|| s.notification(n))) {
                        let msg = format!("internal error in {method}: {}", panic_text(&p));
                        s.log(MessageType::ERROR, &msg);
                    }
                }
                Incoming::Message(Message::Response(_)) => {}
            }
        }
        if s.dirty && s.initialized && !s.shutdown {
            s.refresh();
        }
    }
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

struct Server<W: Write> {
    out: W,
    enc: Encoding,
    links: DocLinks,
    /// Workspace folders (absolute, normalized).
    roots: Vec<PathBuf>,
    config: Config,
    /// The files on disk, read once and refreshed per changed file; `None` = rescan.
    disk: Option<Disk>,
    /// Parse results of unchanged files, kept between analyses.
    cache: Arc<crate::ParseCache>,
    /// Open buffers: version and text (empty for a buffer in `too_large`).
    open: HashMap<PathBuf, (i32, Arc<str>)>,
    /// Open buffers over the file size cap, with their size: not kept, not analyzed;
    /// each gets one diagnostic saying so.
    too_large: HashMap<PathBuf, usize>,
    /// What each file last received: the buffer version (if open) and the diagnostics.
    published: HashMap<PathBuf, Published>,
    last: Option<Analysis>,
    initialized: bool,
    shutdown: bool,
    dirty: bool,
}

type Published = (Option<i32>, Vec<Diagnostic>);

type ReqResult = Result<serde_json::Value, (ErrorCode, String)>;

fn notif_params<P: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<P, String> {
    params(v).map_err(|(_, m)| m)
}

fn params<P: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<P, (ErrorCode, String)> {
    serde_json::from_value(v)
        .map_err(|e| (ErrorCode::InvalidParams, format!("invalid params: {e}")))
}

impl<W: Write> Server<W> {
    fn send(&mut self, msg: Message) {
        // A closed stdout ends the session when the reader sees the input close.
        let _ = transport::write_message(&mut self.out, &msg);
    }

    fn notify<N: lsp_types::notification::Notification>(&mut self, p: N::Params) {
        self.send(Message::Notification(Notification::new(
            N::METHOD.into(),
            p,
        )));
    }

    fn log(&mut self, typ: MessageType, message: &str) {
        self.notify::<note::LogMessage>(lsp_types::LogMessageParams {
            typ,
            message: message.to_string(),
        });
    }

    fn request(&mut self, r: Request) -> Response {
        let result = if r.method == req::Initialize::METHOD {
            if self.initialized {
                Err((ErrorCode::InvalidRequest, "already initialized".into()))
            } else {
                params(r.params).map(|p| self.initialize(p))
            }
        } else if !self.initialized {
            Err((
                ErrorCode::ServerNotInitialized,
                "the server is not initialized yet".into(),
            ))
        } else if self.shutdown {
            Err((
                ErrorCode::InvalidRequest,
                "the server is shutting down".into(),
            ))
        } else {
            match r.method.as_str() {
                req::Shutdown::METHOD => {
                    self.shutdown = true;
                    Ok(serde_json::Value::Null)
                }
                req::HoverRequest::METHOD => params(r.params).and_then(|p| self.hover(p)),
                req::CodeActionRequest::METHOD => {
                    params(r.params).and_then(|p| self.code_actions(p))
                }
                m => Err((ErrorCode::MethodNotFound, format!("unknown method `{m}`"))),
            }
        };
        match result {
            Ok(v) => Response::new_ok(r.id, v),
            Err((code, message)) => Response::new_err(r.id, code as i32, message),
        }
    }

    #[allow(deprecated)] // root_uri and root_path: older clients send only those
    fn initialize(&mut self, p: InitializeParams) -> serde_json::Value {
        let utf8 = p
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref())
            .is_some_and(|v| v.contains(&PositionEncodingKind::UTF8));
        self.enc = if utf8 {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        let mut roots: Vec<PathBuf> = p
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|f| convert::uri_to_path(&f.uri).ok())
            .collect();
        if roots.is_empty() {
            roots.extend(
                p.root_uri
                    .as_ref()
                    .and_then(|u| convert::uri_to_path(u).ok()),
            );
        }
        if roots.is_empty() {
            roots.extend(
                p.root_path
                    .as_deref()
                    .map(|r| crate::normalize(Path::new(r))),
            );
        }
        roots.retain(|r| r.is_dir());
        self.roots = roots;
        self.initialized = true;
        self.load_config();
        let caps = ServerCapabilities {
            position_encoding: Some(if utf8 {
                PositionEncodingKind::UTF8
            } else {
                PositionEncodingKind::UTF16
            }),
            text_document_sync: Some(TextDocumentSyncCapability::Options(
                lsp_types::TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::FULL),
                    save: Some(lsp_types::TextDocumentSyncSaveOptions::Supported(true)),
                    ..Default::default()
                },
            )),
            hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
            code_action_provider: Some(lsp_types::CodeActionProviderCapability::Options(
                lsp_types::CodeActionOptions {
                    code_action_kinds: Some(vec![lsp_types::CodeActionKind::QUICKFIX]),
                    ..Default::default()
                },
            )),
            ..Default::default()
        };
        serde_json::to_value(InitializeResult {
            capabilities: caps,
            server_info: Some(ServerInfo {
                name: "acrlint".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
        })
        .unwrap_or_default()
    }

    fn notification(&mut self, n: Notification) {
        if !self.initialized || self.shutdown {
            return;
        }
        let method = n.method.clone();
        if let Err(e) = self.try_notification(n) {
            self.log(MessageType::ERROR, &format!("{method}: {e}"));
        }
    }

    fn try_notification(&mut self, n: Notification) -> Result<(), String> {
        match n.method.as_str() {
            note::DidOpenTextDocument::METHOD => {
                let d: lsp_types::DidOpenTextDocumentParams = notif_params(n.params)?;
                let path = convert::uri_to_path(&d.text_document.uri)?;
                self.set_buffer(path, d.text_document.version, d.text_document.text);
            }
            note::DidChangeTextDocument::METHOD => {
                let d: lsp_types::DidChangeTextDocumentParams = notif_params(n.params)?;
                let path = convert::uri_to_path(&d.text_document.uri)?;
                let Some((_, old)) = self.open.get(&path) else {
                    return Err(format!("{} is not open", crate::sanitize::path(&path)));
                };
                let mut text = old.to_string();
                let mut known = !self.too_large.contains_key(&path);
                for c in d.content_changes {
                    match c.range {
                        None => {
                            text = c.text;
                            known = true;
                        }
                        // The text of a buffer over the cap was not kept: a change
                        // of part of it leaves it unknown, until the client sends it whole.
                        Some(_) if !known => {}
                        Some(r) => {
                            let f = SourceFile::new(path.clone(), String::new(), text.as_str());
                            let a = convert::offset(&f, r.start, self.enc);
                            let b = convert::offset(&f, r.end, self.enc).max(a);
                            text.replace_range(a..b, &c.text);
                        }
                    }
                }
                if known {
                    self.set_buffer(path, d.text_document.version, text);
                } else if let Some(b) = self.open.get_mut(&path) {
                    b.0 = d.text_document.version;
                    self.dirty = true;
                }
            }
            note::DidSaveTextDocument::METHOD => {
                let d: lsp_types::DidSaveTextDocumentParams = notif_params(n.params)?;
                let path = convert::uri_to_path(&d.text_document.uri)?;
                self.disk_changed(&path, FileChangeType::CHANGED);
            }
            note::DidCloseTextDocument::METHOD => {
                let d: lsp_types::DidCloseTextDocumentParams = notif_params(n.params)?;
                let path = convert::uri_to_path(&d.text_document.uri)?;
                self.open.remove(&path);
                self.too_large.remove(&path);
                // The buffer may have been dropped unsaved: the disk is the truth again.
                self.disk_changed(&path, FileChangeType::CHANGED);
            }
            note::DidChangeWatchedFiles::METHOD => {
                let d: lsp_types::DidChangeWatchedFilesParams = notif_params(n.params)?;
                for c in d.changes {
                    match convert::uri_to_path(&c.uri) {
                        Ok(path) => self.disk_changed(&path, c.typ),
                        Err(e) => self.log(MessageType::WARNING, &e),
                    }
                }
            }
            note::DidChangeConfiguration::METHOD => {
                self.load_config();
            }
            _ => {} // initialized, $/cancelRequest, $/setTrace and the unknown
        }
        Ok(())
    }

    /// An open buffer's new text; over the file size cap it is dropped, and the file
    /// is reported as too large instead of analyzed.
    fn set_buffer(&mut self, path: PathBuf, version: i32, text: String) {
        if text.len() as u64 > discover::MAX_FILE_BYTES {
            self.too_large.insert(path.clone(), text.len());
            self.open.insert(path, (version, Arc::from("")));
        } else {
            self.too_large.remove(&path);
            self.open.insert(path, (version, text.into()));
        }
        self.dirty = true;
    }

    /// A file changed on disk (saved, closed, or reported by the client's watcher).
    /// Changed files the scan knows are re-read by their mtime in [`Self::workspace`].
    fn disk_changed(&mut self, path: &Path, typ: FileChangeType) {
        if path.file_name().is_some_and(|n| n == config::FILE_NAME) {
            self.load_config();
            return;
        }
        if !has_our_extension(path) {
            return;
        }
        self.dirty = true;
        let Some(disk) = &mut self.disk else { return };
        disk.suspect = true;
        if typ != FileChangeType::CHANGED || !disk.stamps.contains_key(path) {
            // Created, deleted, or a file the scan did not include: walk again (the
            // walk knows .gitignore and the excludes).
            self.disk = None;
        }
    }

    fn load_config(&mut self) {
        self.disk = None;
        self.dirty = true;
        let found = self.roots.first().and_then(|r| Config::discover(r));
        self.config = match found.map(|p| Config::load(&p)) {
            None => Config::default(),
            Some(Ok(mut c)) => {
                // The config file's own paths: read only inside the workspace folders.
                let roots: Vec<PathBuf> = self.roots.iter().map(|r| crate::normalize(r)).collect();
                if let Err(e) = c.confine(&roots) {
                    self.log(MessageType::ERROR, &format!("acrlint: {e}"));
                }
                c
            }
            Some(Err(e)) => {
                let msg = format!("acrlint: {e}; using the default configuration");
                self.log(MessageType::ERROR, &msg);
                self.notify::<note::ShowMessage>(lsp_types::ShowMessageParams {
                    typ: MessageType::WARNING,
                    message: msg,
                });
                Config::default()
            }
        };
    }

    /// The disk scan (cached; files re-read when their mtime or size changed) with the
    /// open buffers layered over it.
    fn workspace(&mut self) -> Result<Workspace, String> {
        // Stat every file only when the client reported a disk change, or now and then
        // (clients without a file watcher): typing in one buffer does not pay for it.
        if let Some(disk) = &mut self.disk
            && (std::mem::take(&mut disk.suspect) || disk.checked.elapsed() > DISK_CHECK_EVERY)
            && !disk.refresh()
        {
            self.disk = None;
        }
        // An open file inside the folders, on disk, that the scan does not have: created
        // after the scan (a client without a file watcher says nothing), or left out on
        // purpose. A new scan tells which, once.
        if let Some(disk) = &self.disk
            && self.open.keys().any(|p| disk.unknown(p))
        {
            self.disk = None;
        }
        if self.disk.is_none() {
            let mut ws = if self.roots.is_empty() {
                Workspace::default()
            } else {
                Workspace::from_paths(&self.roots, &self.config)?
            };
            ws.files.sort_by(|a, b| a.path.cmp(&b.path));
            let stamps = ws
                .files
                .iter()
                .filter_map(|f| Some((f.path.clone(), stamp(&f.path)?)))
                .collect();
            self.disk = Some(Disk {
                ws,
                stamps,
                checked: Instant::now(),
                suspect: false,
                left_out: HashSet::new(),
            });
            let disk = self.disk.as_mut().expect("scanned");
            disk.left_out = self
                .open
                .keys()
                .filter(|p| disk.unknown(p))
                .cloned()
                .collect();
        }
        let disk = &self.disk.as_ref().expect("scanned").ws;
        let mut ws = Workspace {
            files: disk.files.clone(),
            unreadable: disk.unreadable.clone(),
            roots: disk.roots.clone(),
            overlay: HashMap::new(),
            notes: disk.notes.clone(),
            hidden: disk.hidden.clone(),
            cache: Some(self.cache.clone()),
            ..Workspace::default()
        };
        let mut open: Vec<(&PathBuf, &Arc<str>)> =
            self.open.iter().map(|(p, (_, t))| (p, t)).collect();
        open.sort();
        for (path, text) in open {
            if !has_our_extension(path) || self.too_large.contains_key(path) {
                continue;
            }
            ws.overlay.insert(path.clone(), text.clone());
            let file = || SourceFile::new(path.clone(), discover::display_path(path), text.clone());
            match ws.files.binary_search_by(|f| f.path.cmp(path)) {
                Ok(i) => ws.files[i] = file(),
                Err(i) => {
                    let inside = ws.in_roots(path);
                    // Open files the scan left out on purpose (.gitignore, excludes) stay out.
                    if inside && path.exists() {
                        continue;
                    }
                    ws.unreadable.retain(|u| &u.0 != path);
                    ws.files.insert(i, file());
                    if !inside && let Some(dir) = path.parent() {
                        ws.roots.push(dir.to_path_buf());
                    }
                }
            }
        }
        // Buffers over the cap: neither their text nor the file on disk is analyzed; the
        // analysis reports them as it reports a file over the cap on disk.
        let mut too_large: Vec<(&PathBuf, &usize)> = self.too_large.iter().collect();
        too_large.sort();
        for (path, size) in too_large {
            if !has_our_extension(path) {
                continue;
            }
            ws.files.retain(|f| &f.path != path);
            ws.unreadable.retain(|u| &u.0 != path);
            ws.overlay.insert(path.clone(), Arc::from(""));
            ws.unreadable.push((
                path.clone(),
                discover::display_path(path),
                format!(
                    "the buffer is {size} bytes, over the {} byte limit; not analyzed",
                    discover::MAX_FILE_BYTES
                ),
            ));
        }
        Ok(ws)
    }

    /// Analyze and publish; whatever fails in there (the disk scan included) is logged
    /// and the server goes on with the last diagnostics.
    fn refresh(&mut self) {
        if let Err(p) = catch_unwind(AssertUnwindSafe(|| self.analyze_and_publish())) {
            self.dirty = false;
            let msg = format!(
                "the analysis failed (internal error: {}); diagnostics are from the last successful run",
                panic_text(&p)
            );
            self.log(MessageType::ERROR, &msg);
        }
    }

    fn analyze_and_publish(&mut self) {
        self.dirty = false;
        let start = Instant::now();
        let ws = match self.workspace() {
            Ok(ws) => ws,
            Err(e) => {
                self.log(
                    MessageType::ERROR,
                    &format!("cannot scan the workspace: {e}"),
                );
                return;
            }
        };
        let prepared = start.elapsed();
        let config = &self.config;
        let analysis = match catch_unwind(AssertUnwindSafe(|| analyze(&ws, config))) {
            Ok(a) => a,
            Err(p) => {
                let msg = format!(
                    "the analysis failed (internal error: {}); diagnostics are from the last successful run",
                    panic_text(&p)
                );
                self.log(MessageType::ERROR, &msg);
                return;
            }
        };
        let analyzed = start.elapsed();
        let mut by_path: HashMap<PathBuf, Vec<Diagnostic>> = HashMap::new();
        for f in &analysis.findings {
            let path = analysis.sources.get(f.primary.file).path.clone();
            let d = convert::diagnostic(&analysis.sources, f, self.enc, &self.links);
            by_path.entry(path).or_default().push(d);
        }
        // Open buffers always have a state (possibly empty) tied to their version, so
        // a client that drops diagnostics of stale versions gets the current one.
        for path in self.open.keys() {
            by_path.entry(path.clone()).or_default();
        }
        for path in self.published.keys() {
            by_path.entry(path.clone()).or_default();
        }
        let mut state: HashMap<PathBuf, Published> = by_path
            .into_iter()
            .map(|(p, d)| {
                let version = self.open.get(&p).map(|(v, _)| *v);
                (p, (version, d))
            })
            .collect();
        let mut changed: Vec<(&PathBuf, &Published)> = state
            .iter()
            .filter(|(p, s)| self.published.get(*p) != Some(*s))
            .collect();
        changed.sort_by(|a, b| a.0.cmp(b.0));
        let files_published = changed.len();
        for (path, (version, diagnostics)) in changed {
            self.notify::<note::PublishDiagnostics>(lsp_types::PublishDiagnosticsParams {
                uri: convert::path_to_uri(path),
                diagnostics: diagnostics.clone(),
                version: *version,
            });
        }
        // Closed files without findings need nothing remembered: they were cleared.
        state.retain(|_, (version, d)| version.is_some() || !d.is_empty());
        self.published = state;
        let msg = format!(
            "analyzed {} files in {:.1} ms (disk check and buffers {:.1} ms, analysis {:.1} ms); published {files_published} files",
            analysis.files_scanned,
            start.elapsed().as_secs_f64() * 1e3,
            prepared.as_secs_f64() * 1e3,
            (analyzed - prepared).as_secs_f64() * 1e3,
        );
        self.log(MessageType::LOG, &msg);
        // Dropping the previous run's trees takes a few milliseconds: not on the way to
        // the next response.
        let old = (self.last.replace(analysis), ws);
        // Deep trees are dropped recursively: the same stack as the analysis.
        let dropped = std::thread::Builder::new()
            .name("acrlint-lsp-drop".into())
            .stack_size(ANALYSIS_STACK)
            .spawn(move || drop(old));
        if let Err(e) = dropped {
            self.log(MessageType::WARNING, &format!("cannot start a thread: {e}"));
        }
    }
}

/// The scanned files on disk and the (mtime, size) each was read at.
struct Disk {
    ws: Workspace,
    stamps: HashMap<PathBuf, (SystemTime, u64)>,
    /// When the stamps were last compared with the disk.
    checked: Instant,
    /// A change was reported: compare before the next run.
    suspect: bool,
    /// Open files the scan left out on purpose (found unknown right after it).
    left_out: HashSet<PathBuf>,
}

/// How old the disk check may get while only buffers change.
const DISK_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

impl Disk {
    /// An open file with our extension, inside the folders and on disk, that neither the
    /// scan nor the files it left out know.
    fn unknown(&self, path: &Path) -> bool {
        has_our_extension(path)
            && !self.left_out.contains(path)
            && self
                .ws
                .files
                .binary_search_by(|f| f.path.as_path().cmp(path))
                .is_err()
            && path.exists()
            && self.ws.in_roots(path)
    }

    /// Re-read the files whose mtime or size changed; false when one vanished or became
    /// unreadable (then the whole folder is walked again).
    fn refresh(&mut self) -> bool {
        self.checked = Instant::now();
        for f in &mut self.ws.files {
            let Some(now) = stamp(&f.path) else {
                return false;
            };
            if self.stamps.get(&f.path) == Some(&now) {
                continue;
            }
            let Ok(text) = discover::read_text(&f.path) else {
                return false;
            };
            *f = SourceFile::new(f.path.clone(), f.display.clone(), text);
            self.stamps.insert(f.path.clone(), now);
        }
        true
    }
}

fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

fn has_our_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| discover::EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}
