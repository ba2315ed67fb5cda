//! `acrlint lsp`: the language server. The message loop (lsp-server's message types, our
//! own framing in [`transport`]) keeps the state and answers requests at once; a worker
//! thread ([`worker`]) runs the library's [`analyze`](crate::analyze) over each workspace folder with the
//! open buffers layered over the disk, and the loop publishes what it sends back.

mod actions;
pub mod convert;
pub mod transport;
mod worker;

use std::collections::HashMap;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as note, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    FileChangeType, InitializeParams, InitializeResult, MessageType, PositionEncodingKind,
    ServerCapabilities, ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind,
};

use crate::config::{self, Config};
use crate::source::SourceFile;
use crate::{Analysis, discover};
use convert::{DocLinks, Encoding};
use transport::Incoming;
use worker::{Done, Folder, Job};

/// What the command line passes to the server.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// URL pattern of rule docs for `codeDescription` (`{code}`, `{name}`, `{file}`).
    pub docs_url: Option<String>,
}

/// The stack of the thread that analyzes: the parsers' depth limits are measured
/// against it (as for the command line's threads), whatever the main thread has.
const ANALYSIS_STACK: usize = 8 << 20;

/// The token of the first analysis's progress report.
const PROGRESS_TOKEN: &str = "acrlint/analysis";
/// The id of our `window/workDoneProgress/create` request.
const PROGRESS_CREATE_ID: &str = "acrlint/progress-create";
/// The id of our `client/registerCapability` request (the file watcher).
const REGISTER_WATCHER_ID: &str = "acrlint/register-watcher";

/// Serve LSP over stdin/stdout; returns the process exit code (0 after shutdown + exit).
pub fn run(opts: Options) -> i32 {
    let (tx, rx) = crossbeam_channel::unbounded();
    std::thread::Builder::new()
        .name("acrlint-lsp-reader".into())
        .spawn(move || transport::read_loop(std::io::stdin().lock(), tx))
        .expect("spawn the reader thread");
    // Old analyses may be dropped here: on a thread with a known stack.
    std::thread::Builder::new()
        .name("acrlint-lsp".into())
        .stack_size(ANALYSIS_STACK)
        .spawn(move || serve(rx, std::io::stdout().lock(), opts))
        .expect("spawn the server thread")
        .join()
        .unwrap_or(1)
}

/// Where the first analysis's progress report stands.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Progress {
    /// The client cannot show progress, or it was reported.
    None,
    /// `create` sent; the first analysis is of `generation`.
    Asked { generation: u64, finished: bool },
    /// `begin` sent; `end` follows the first analysis.
    Begun { generation: u64 },
}

/// The server loop over any message source and sink (the binary uses stdio).
pub fn serve(rx: Receiver<Incoming>, out: impl Write, opts: Options) -> i32 {
    let (done_tx, done_rx) = crossbeam_channel::unbounded::<Done>();
    let mut s = Server {
        out,
        enc: Encoding::Utf16,
        links: DocLinks(opts.docs_url),
        folders: Arc::default(),
        open: HashMap::new(),
        too_large: HashMap::new(),
        events: Vec::new(),
        jobs: None,
        done_tx,
        generation: 0,
        applied: 0,
        last: Vec::new(),
        progress_supported: false,
        watcher_supported: false,
        progress: Progress::None,
        initialized: false,
        shutdown: false,
        dirty: false,
    };
    loop {
        crossbeam_channel::select! {
            recv(rx) -> first => {
                let Ok(first) = first else {
                    return if s.shutdown { 0 } else { 1 };
                };
                // Take everything queued and apply it: one analysis for the lot.
                let batch: Vec<Incoming> = std::iter::once(first).chain(rx.try_iter()).collect();
                for incoming in batch {
                    if s.incoming(incoming) {
                        return if s.shutdown { 0 } else { 1 };
                    }
                }
            }
            recv(done_rx) -> done => {
                if let Ok(done) = done {
                    s.finished(done);
                }
            }
        }
        if s.dirty && s.initialized && !s.shutdown {
            s.start_job();
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
    /// Workspace folders (absolute, normalized), each with its configuration.
    folders: Arc<Vec<Folder>>,
    /// Open buffers: version and text (empty for a buffer in `too_large`).
    open: HashMap<PathBuf, (i32, Arc<str>)>,
    /// Open buffers over the file size cap, with their size: not kept, not analyzed;
    /// each gets one diagnostic saying so.
    too_large: HashMap<PathBuf, usize>,
    /// Disk changes reported since the last job.
    events: Vec<(PathBuf, FileChangeType)>,
    /// The analysis thread's queue (started at `initialize`).
    jobs: Option<Sender<Job>>,
    done_tx: Sender<Done>,
    /// The last job sent, and the last whose results were applied.
    generation: u64,
    applied: u64,
    /// The last finished analyses (one per folder): hover and code actions answer from
    /// them.
    last: Vec<Arc<Analysis>>,
    progress_supported: bool,
    watcher_supported: bool,
    progress: Progress,
    initialized: bool,
    shutdown: bool,
    dirty: bool,
}

type ReqResult = Result<serde_json::Value, (ErrorCode, String)>;

fn notif_params<P: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<P, String> {
    params(v).map_err(|(_, m)| m)
}

fn params<P: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<P, (ErrorCode, String)> {
    serde_json::from_value(v)
        .map_err(|e| (ErrorCode::InvalidParams, format!("invalid params: {e}")))
}

/// The configuration of a folder as the command line finds it (`acrlint.toml` in it or
/// above it, up to the repository root), its own paths confined to `roots`; with the
/// errors to show (the defaults are used when the file cannot be read).
fn folder_config(folder: &Path, roots: &[PathBuf]) -> (Config, Vec<String>) {
    match Config::discover(folder).map(|p| Config::load(&p)) {
        None => (Config::default(), Vec::new()),
        Some(Ok(mut c)) => {
            // The config file's own paths: read only inside the workspace folders.
            let errors = match c.confine(roots) {
                Ok(()) => Vec::new(),
                Err(e) => vec![format!("acrlint: {e}")],
            };
            (c, errors)
        }
        Some(Err(e)) => (
            Config::default(),
            vec![format!("acrlint: {e}; using the default configuration")],
        ),
    }
}

impl<W: Write> Server<W> {
    /// Handle one incoming message; true when the session ends (`exit`).
    fn incoming(&mut self, incoming: Incoming) -> bool {
        match incoming {
            Incoming::Malformed { id, code, error } => {
                self.log(MessageType::ERROR, &format!("malformed message: {error}"));
                let _ = transport::write_error(&mut self.out, &id, code, &error);
            }
            Incoming::Message(Message::Request(r)) => {
                let id = r.id.clone();
                let resp = catch_unwind(AssertUnwindSafe(|| self.request(r))).unwrap_or_else(|p| {
                    Response::new_err(
                        id,
                        ErrorCode::InternalError as i32,
                        format!("internal error: {}", panic_text(&p)),
                    )
                });
                self.send(Message::Response(resp));
            }
            Incoming::Message(Message::Notification(n)) => {
                if n.method == note::Exit::METHOD {
                    return true;
                }
                let method = n.method.clone();
                if let Err(p) = catch_unwind(AssertUnwindSafe(|| self.notification(n))) {
                    let msg = format!("internal error in {method}: {}", panic_text(&p));
                    self.log(MessageType::ERROR, &msg);
                }
            }
            Incoming::Message(Message::Response(r)) => self.response(r),
        }
        false
    }

    /// The client's answer to one of our requests.
    fn response(&mut self, r: Response) {
        if r.id != RequestId::from(PROGRESS_CREATE_ID.to_string()) {
            return;
        }
        match self.progress {
            Progress::Asked {
                generation,
                finished,
            } if r.response_result.is_ok() => {
                self.progress_notify(lsp_types::WorkDoneProgress::Begin(
                    lsp_types::WorkDoneProgressBegin {
                        title: "acrlint: analysing the workspace".into(),
                        cancellable: Some(false),
                        message: None,
                        percentage: None,
                    },
                ));
                self.progress = Progress::Begun { generation };
                if finished {
                    self.progress_end();
                }
            }
            Progress::Asked { .. } => self.progress = Progress::None,
            _ => {}
        }
    }

    fn progress_notify(&mut self, value: lsp_types::WorkDoneProgress) {
        self.notify::<note::Progress>(lsp_types::ProgressParams {
            token: lsp_types::NumberOrString::String(PROGRESS_TOKEN.into()),
            value: lsp_types::ProgressParamsValue::WorkDone(value),
        });
    }

    fn progress_end(&mut self) {
        self.progress_notify(lsp_types::WorkDoneProgress::End(
            lsp_types::WorkDoneProgressEnd { message: None },
        ));
        self.progress = Progress::None;
    }

    /// Send the current state to the analysis thread (started on first use).
    fn start_job(&mut self) {
        self.dirty = false;
        if self.jobs.is_none() {
            let (tx, rx) = crossbeam_channel::unbounded();
            let (done, enc, links) = (self.done_tx.clone(), self.enc, self.links.clone());
            let started = std::thread::Builder::new()
                .name("acrlint-lsp-analysis".into())
                .stack_size(ANALYSIS_STACK)
                .spawn(move || worker::run(rx, done, enc, links));
            if let Err(e) = started {
                self.log(MessageType::ERROR, &format!("cannot start a thread: {e}"));
                return;
            }
            self.jobs = Some(tx);
        }
        self.generation += 1;
        if self.generation == 1 && self.progress_supported {
            self.progress = Progress::Asked {
                generation: 1,
                finished: false,
            };
            let r = Request::new(
                PROGRESS_CREATE_ID.to_string().into(),
                req::WorkDoneProgressCreate::METHOD.into(),
                lsp_types::WorkDoneProgressCreateParams {
                    token: lsp_types::NumberOrString::String(PROGRESS_TOKEN.into()),
                },
            );
            self.send(Message::Request(r));
        }
        let job = Job {
            generation: self.generation,
            folders: self.folders.clone(),
            open: self.open.clone(),
            too_large: self.too_large.clone(),
            events: std::mem::take(&mut self.events),
            watched: self.watcher_supported,
        };
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(job);
        }
    }

    /// Results from the analysis thread: write them, keep the analyses.
    fn finished(&mut self, done: Done) {
        if done.generation < self.applied {
            return; // never older results over newer ones
        }
        self.applied = done.generation;
        for m in done.messages {
            self.send(m.into_message());
        }
        if let Some(analyses) = done.analyses {
            let old = std::mem::replace(&mut self.last, analyses);
            // Deep trees are dropped recursively: the analysis stack, off the loop.
            let _ = std::thread::Builder::new()
                .name("acrlint-lsp-drop".into())
                .stack_size(ANALYSIS_STACK)
                .spawn(move || drop(old));
        }
        match self.progress {
            Progress::Asked { generation, .. } if done.generation >= generation => {
                self.progress = Progress::Asked {
                    generation,
                    finished: true,
                };
            }
            Progress::Begun { generation } if done.generation >= generation => {
                self.progress_end();
            }
            _ => {}
        }
    }

    /// The last analysis that holds `path`.
    fn analysis_of(&self, path: &Path) -> Option<&Analysis> {
        self.last
            .iter()
            .map(|a| &**a)
            .find(|a| a.sources.find(path).is_some())
    }

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
        self.progress_supported = p
            .capabilities
            .window
            .as_ref()
            .and_then(|w| w.work_done_progress)
            .unwrap_or(false);
        self.watcher_supported = p
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false);
        self.initialized = true;
        self.set_folders(roots);
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
            workspace: Some(lsp_types::WorkspaceServerCapabilities {
                workspace_folders: Some(lsp_types::WorkspaceFoldersServerCapabilities {
                    supported: Some(true),
                    change_notifications: Some(lsp_types::OneOf::Left(true)),
                }),
                file_operations: None,
            }),
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
            note::DidChangeWorkspaceFolders::METHOD => {
                let d: lsp_types::DidChangeWorkspaceFoldersParams = notif_params(n.params)?;
                let removed: Vec<PathBuf> = d
                    .event
                    .removed
                    .iter()
                    .filter_map(|f| convert::uri_to_path(&f.uri).ok())
                    .collect();
                let mut roots: Vec<PathBuf> = self
                    .folders
                    .iter()
                    .map(|f| f.root.clone())
                    .filter(|r| !removed.contains(r))
                    .collect();
                for f in &d.event.added {
                    match convert::uri_to_path(&f.uri) {
                        Ok(p) if p.is_dir() && !roots.contains(&p) => roots.push(p),
                        Ok(_) => {}
                        Err(e) => self.log(MessageType::WARNING, &e),
                    }
                }
                self.set_folders(roots);
            }
            note::Initialized::METHOD => self.register_watcher(),
            _ => {} // $/cancelRequest, $/setTrace and the unknown
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

    /// A file changed on disk (saved, closed, or reported by the client's watcher): the
    /// analysis thread re-reads it, or walks its folder again.
    fn disk_changed(&mut self, path: &Path, typ: FileChangeType) {
        if path.file_name().is_some_and(|n| n == config::FILE_NAME) {
            self.load_config();
            return;
        }
        if !has_our_extension(path) {
            return;
        }
        self.dirty = true;
        self.events.push((path.to_path_buf(), typ));
    }

    /// New workspace folders: each gets its configuration.
    fn set_folders(&mut self, roots: Vec<PathBuf>) {
        let mut folders: Vec<Folder> = Vec::new();
        for root in roots {
            if folders.iter().any(|f| f.root == root) {
                continue;
            }
            folders.push(Folder {
                root,
                config: Arc::default(),
            });
        }
        self.folders = Arc::new(folders);
        self.load_config();
    }

    /// Read each folder's configuration again (its `acrlint.toml` may have changed).
    fn load_config(&mut self) {
        self.dirty = true;
        let roots: Vec<PathBuf> = self.folders.iter().map(|f| f.root.clone()).collect();
        let mut folders = Vec::new();
        for root in &roots {
            let (config, errors) = folder_config(root, &roots);
            for e in errors {
                self.log(MessageType::ERROR, &e);
                if e.ends_with("using the default configuration") {
                    self.notify::<note::ShowMessage>(lsp_types::ShowMessageParams {
                        typ: MessageType::WARNING,
                        message: e,
                    });
                }
            }
            folders.push(Folder {
                root: root.clone(),
                config: Arc::new(config),
            });
        }
        self.folders = Arc::new(folders);
    }

    /// Ask the client to watch our files (when it can register watchers at run time).
    fn register_watcher(&mut self) {
        if !self.watcher_supported {
            return;
        }
        let pattern = format!("**/*.{{{}}}", discover::EXTENSIONS.join(","));
        let watchers: Vec<lsp_types::FileSystemWatcher> =
            [pattern, format!("**/{}", config::FILE_NAME)]
                .into_iter()
                .map(|p| lsp_types::FileSystemWatcher {
                    glob_pattern: lsp_types::GlobPattern::String(p),
                    kind: None,
                })
                .collect();
        let options = lsp_types::DidChangeWatchedFilesRegistrationOptions { watchers };
        let r = Request::new(
            REGISTER_WATCHER_ID.to_string().into(),
            req::RegisterCapability::METHOD.into(),
            lsp_types::RegistrationParams {
                registrations: vec![lsp_types::Registration {
                    id: "acrlint-watched-files".into(),
                    method: note::DidChangeWatchedFiles::METHOD.into(),
                    register_options: serde_json::to_value(options).ok(),
                }],
            },
        );
        self.send(Message::Request(r));
    }
}

fn has_our_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| discover::EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}
