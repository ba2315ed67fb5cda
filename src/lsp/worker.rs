//! The analysis thread. The message loop sends it snapshots of the state (folders with
//! their configurations, open buffers, disk events); it analyses the newest, one
//! workspace folder at a time, re-analysing only the folders whose inputs changed, and
//! sends back the notifications to write and the analyses that hover and code actions
//! answer from.

use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use crossbeam_channel::{Receiver, Sender};
use lsp_server::{Message, Notification};
use lsp_types::notification as note;
use lsp_types::{Diagnostic, FileChangeType, MessageType};

use super::convert::{self, DocLinks, Encoding};
use super::{has_our_extension, panic_text};
use crate::config::Config;
use crate::source::SourceFile;
use crate::{Analysis, Session, Workspace, analyze_with, discover};

/// A workspace folder and the configuration found for it (as the command line finds it).
#[derive(Clone)]
pub(super) struct Folder {
    pub root: PathBuf,
    pub config: Arc<Config>,
}

/// What the message loop asks for: analyse this state.
pub(super) struct Job {
    pub generation: u64,
    pub folders: Arc<Vec<Folder>>,
    /// Open buffers: version and text (empty for a buffer in `too_large`).
    pub open: HashMap<PathBuf, (i32, Arc<str>)>,
    /// Open buffers over the file size cap, with their size.
    pub too_large: HashMap<PathBuf, usize>,
    /// Files the client reported changed on disk since the last job.
    pub events: Vec<(PathBuf, FileChangeType)>,
    /// The client watches the files and reports every change: the disk is not polled.
    pub watched: bool,
}

impl Job {
    /// A newer job in place of this one: its state, and the disk events of both.
    fn supersede(mut self, newer: Job) -> Job {
        self.events.extend(newer.events);
        Job {
            events: self.events,
            ..newer
        }
    }
}

/// What the analysis thread sends back.
pub(super) struct Done {
    pub generation: u64,
    /// Notifications to write (diagnostics, log messages), in order.
    pub messages: Vec<Out>,
    /// The analyses of the folders (and of open files outside them), for hover and code
    /// actions; `None` when the job was superseded before it was published.
    pub analyses: Option<Vec<Arc<Analysis>>>,
}

/// A notification to write, typed: the loop serializes each as it writes it (as JSON
/// values, the diagnostics of a whole workspace take several times their size).
pub(super) enum Out {
    Log(lsp_types::LogMessageParams),
    Publish(lsp_types::PublishDiagnosticsParams),
}

impl Out {
    pub(super) fn into_message(self) -> Message {
        match self {
            Out::Log(p) => notification::<note::LogMessage>(p),
            Out::Publish(p) => notification::<note::PublishDiagnostics>(p),
        }
    }
}

/// One analysed unit: a workspace folder, or an open file outside every folder.
struct Unit {
    folder: Folder,
    /// An open file outside the folders: only it is scanned (its folder may be read).
    loose: Option<PathBuf>,
    disk: Option<Disk>,
    /// The open buffers inside the unit that the last analysis saw.
    inputs: Vec<(PathBuf, Arc<str>)>,
    /// Parses and evaluated units kept between the unit's analyses (for its configuration).
    session: Arc<Session>,
    analysis: Option<Arc<Analysis>>,
    /// By file: the diagnostics and their digest.
    diagnostics: HashMap<PathBuf, (Vec<Diagnostic>, u64)>,
}

/// What a file last received: the buffer version (if open) and a digest of the
/// diagnostics.
type Published = (Option<i32>, u64);

pub(super) struct Worker {
    enc: Encoding,
    links: DocLinks,
    units: Vec<Unit>,
    published: HashMap<PathBuf, Published>,
    messages: Vec<Out>,
}

/// Run jobs until the message loop hangs up; of the jobs queued, only the newest is run.
pub(super) fn run(jobs: Receiver<Job>, done: Sender<Done>, enc: Encoding, links: DocLinks) {
    let mut w = Worker {
        enc,
        links,
        units: Vec::new(),
        published: HashMap::new(),
        messages: Vec::new(),
    };
    while let Ok(first) = jobs.recv() {
        let job = jobs.try_iter().fold(first, Job::supersede);
        let generation = job.generation;
        let analyses = match catch_unwind(AssertUnwindSafe(|| w.job(job, &jobs))) {
            Ok(a) => a,
            Err(p) => {
                let msg = format!(
                    "the analysis failed (internal error: {}); diagnostics are from the last successful run",
                    panic_text(&p)
                );
                w.log(MessageType::ERROR, &msg);
                None
            }
        };
        let messages = std::mem::take(&mut w.messages);
        if done
            .send(Done {
                generation,
                messages,
                analyses,
            })
            .is_err()
        {
            return;
        }
    }
}

impl Worker {
    fn log(&mut self, typ: MessageType, message: &str) {
        self.messages.push(Out::Log(lsp_types::LogMessageParams {
            typ,
            message: message.to_string(),
        }));
    }

    /// Analyse the units whose inputs changed and publish what changed; `None` when a
    /// newer job arrived before the publication (it will publish instead).
    fn job(&mut self, job: Job, queue: &Receiver<Job>) -> Option<Vec<Arc<Analysis>>> {
        let start = Instant::now();
        self.plan_units(&job);
        let mut analysed = Vec::new();
        for i in 0..self.units.len() {
            if let Some(files) = self.analyse_unit(i, &job) {
                analysed.push(files);
            }
        }
        if !queue.is_empty() {
            return None;
        }
        let published = self.publish(&job);
        if !analysed.is_empty() {
            let msg = format!(
                "analyzed {} files in {:.1} ms ({} of {} folders re-analysed); published {published} files",
                analysed.iter().sum::<usize>(),
                start.elapsed().as_secs_f64() * 1e3,
                analysed.len(),
                self.units.len(),
            );
            self.log(MessageType::LOG, &msg);
        }
        Some(
            self.units
                .iter()
                .filter_map(|u| u.analysis.clone())
                .collect(),
        )
    }

    /// The units of this job: its folders (a folder inside another is analysed with the
    /// outer one), then each open file outside them. Units kept from the last job keep
    /// their disk scan and results unless their configuration changed.
    fn plan_units(&mut self, job: &Job) {
        let mut folders: Vec<&Folder> = job
            .folders
            .iter()
            .filter(|f| {
                !job.folders
                    .iter()
                    .any(|o| o.root != f.root && f.root.starts_with(&o.root))
            })
            .collect();
        folders.dedup_by(|a, b| a.root == b.root);
        let mut wanted: Vec<(Folder, Option<PathBuf>)> =
            folders.into_iter().map(|f| (f.clone(), None)).collect();
        let mut loose: Vec<&PathBuf> = job
            .open
            .keys()
            .filter(|p| has_our_extension(p) && !wanted.iter().any(|(f, _)| p.starts_with(&f.root)))
            .collect();
        loose.sort();
        for path in loose {
            let Some(dir) = path.parent() else { continue };
            let previous = self
                .units
                .iter()
                .find(|u| u.loose.as_ref() == Some(path))
                .map(|u| u.folder.clone());
            let folder = previous.unwrap_or_else(|| {
                let (config, errors) = super::folder_config(dir, &[dir.to_path_buf()]);
                for e in errors {
                    self.log(MessageType::ERROR, &e);
                }
                Folder {
                    root: dir.to_path_buf(),
                    config: Arc::new(config),
                }
            });
            wanted.push((folder, Some(path.clone())));
        }
        let mut old = std::mem::take(&mut self.units);
        for (folder, loose) in wanted {
            let kept = old
                .iter()
                .position(|u| u.folder.root == folder.root && u.loose == loose)
                .map(|i| old.swap_remove(i));
            let unit = match kept {
                Some(mut u) => {
                    if !Arc::ptr_eq(&u.folder.config, &folder.config) {
                        u.disk = None;
                        u.analysis = None;
                        u.session = Arc::default();
                        u.folder = folder;
                    }
                    u
                }
                None => Unit {
                    folder,
                    loose,
                    disk: None,
                    inputs: Vec::new(),
                    session: Arc::default(),
                    analysis: None,
                    diagnostics: HashMap::new(),
                },
            };
            self.units.push(unit);
        }
        // Disk events: the unit whose folder holds the file checks its disk.
        for (path, typ) in &job.events {
            for u in self.units.iter_mut().filter(|u| u.loose.is_none()) {
                if !path.starts_with(&u.folder.root) {
                    continue;
                }
                let Some(disk) = &mut u.disk else { continue };
                disk.reported.insert(path.clone());
                if *typ != FileChangeType::CHANGED || !disk.stamps.contains_key(path) {
                    // Created, deleted, or a file the scan did not include: walk again
                    // (the walk knows .gitignore and the excludes).
                    u.disk = None;
                }
            }
        }
        // Dropping the old units' trees takes a while: not on the way to the next result.
        drop_elsewhere(old);
    }

    /// Analyse unit `i` when its inputs changed; returns the files it scanned then.
    fn analyse_unit(&mut self, i: usize, job: &Job) -> Option<usize> {
        let unit = &mut self.units[i];
        let mut inputs: Vec<(PathBuf, Arc<str>)> = job
            .open
            .iter()
            .filter(|(p, _)| has_our_extension(p) && unit.owns(p))
            .map(|(p, (_, t))| (p.clone(), t.clone()))
            .collect();
        inputs.sort_by(|a, b| a.0.cmp(&b.0));
        let disk_changed = match unit.disk.as_mut().map(|d| d.check(job.watched)) {
            Some(Some(changed)) => changed,
            Some(None) => {
                unit.disk = None;
                true
            }
            // A loose file is all its unit scans.
            None => unit.loose.is_none(),
        };
        let same_inputs = inputs.len() == unit.inputs.len()
            && inputs
                .iter()
                .zip(&unit.inputs)
                .all(|(a, b)| a.0 == b.0 && (Arc::ptr_eq(&a.1, &b.1) || a.1 == b.1));
        if unit.analysis.is_some() && !disk_changed && same_inputs {
            return None;
        }
        let ws = match unit.workspace(job) {
            Ok(ws) => ws,
            Err(e) => {
                let msg = format!("cannot scan the workspace: {e}");
                self.log(MessageType::ERROR, &msg);
                return None;
            }
        };
        let config = unit.folder.config.clone();
        let session = unit.session.clone();
        let analysis = match catch_unwind(AssertUnwindSafe(|| analyze_with(&ws, &config, &session)))
        {
            Ok(a) => a,
            Err(p) => {
                let msg = format!(
                    "the analysis failed (internal error: {}); diagnostics are from the last successful run",
                    panic_text(&p)
                );
                self.log(MessageType::ERROR, &msg);
                return None;
            }
        };
        let unit = &mut self.units[i];
        let by_path = diagnostics(
            &analysis,
            unit.analysis.as_deref(),
            std::mem::take(&mut unit.diagnostics),
            self.enc,
            &self.links,
        );
        let files = analysis.files_scanned;
        unit.diagnostics = by_path;
        unit.inputs = inputs;
        let old = (unit.analysis.replace(Arc::new(analysis)), ws);
        drop_elsewhere(old);
        Some(files)
    }

    /// Publish every file whose diagnostics or buffer version changed; returns how many.
    fn publish(&mut self, job: &Job) -> usize {
        let mut paths: Vec<&PathBuf> = self
            .units
            .iter()
            .flat_map(|u| u.diagnostics.keys())
            // Open buffers always have a state (possibly empty) tied to their version, so
            // a client that drops diagnostics of stale versions gets the current one.
            .chain(job.open.keys())
            // What was published and is gone (a deleted file, a removed folder) is cleared.
            .chain(self.published.keys())
            .collect();
        paths.sort();
        paths.dedup();
        let mut next: HashMap<PathBuf, Published> = HashMap::with_capacity(paths.len());
        let mut count = 0;
        for path in paths {
            let parts: Vec<&(Vec<Diagnostic>, u64)> = self
                .units
                .iter()
                .filter_map(|u| u.diagnostics.get(path))
                .collect();
            let version = job.open.get(path).map(|(v, _)| *v);
            let empty = parts.iter().all(|d| d.0.is_empty());
            let combined = match &parts[..] {
                [one] => one.1,
                _ => crate::session::digest(&parts.iter().map(|d| d.1).collect::<Vec<_>>()),
            };
            let now = (version, combined);
            if self.published.get(path) != Some(&now) {
                count += 1;
                self.messages
                    .push(Out::Publish(lsp_types::PublishDiagnosticsParams {
                        uri: convert::path_to_uri(path),
                        diagnostics: parts.iter().flat_map(|d| d.0.iter().cloned()).collect(),
                        version,
                    }));
            }
            // Closed files without findings need nothing remembered: they were cleared.
            if version.is_some() || !empty {
                next.insert(path.clone(), now);
            }
        }
        self.published = next;
        count
    }
}

/// The diagnostics of an analysis by file. A file whose findings make the same
/// diagnostics as in the unit's last analysis (`old`, of the same session: file ids agree)
/// and whose findings' files did not change keeps its diagnostics (`kept`) unconverted.
fn diagnostics(
    analysis: &Analysis,
    old: Option<&Analysis>,
    mut kept: HashMap<PathBuf, (Vec<Diagnostic>, u64)>,
    enc: Encoding,
    links: &DocLinks,
) -> HashMap<PathBuf, (Vec<Diagnostic>, u64)> {
    // Findings are sorted by file: each file's are one run (`None`: several runs).
    type Runs = HashMap<crate::source::FileId, Option<std::ops::Range<usize>>>;
    let runs = |a: &Analysis| -> Runs {
        let mut out: Runs = HashMap::new();
        let mut start = 0;
        for run in a.findings.chunk_by(|x, y| x.primary.file == y.primary.file) {
            let range = start..start + run.len();
            out.entry(run[0].primary.file)
                .and_modify(|r| *r = None)
                .or_insert(Some(range));
            start += run.len();
        }
        out
    };
    let before = old.map(runs).unwrap_or_default();
    // Whether a file is the same in both analyses, decided once per file.
    let mut same: Vec<Option<bool>> = vec![None; old.map_or(0, |o| o.sources.len())];
    let mut same_file = |old: &Analysis, id: crate::source::FileId| {
        let i = id.0 as usize;
        if i >= old.sources.len() || i >= analysis.sources.len() {
            return false;
        }
        *same[i].get_or_insert_with(|| {
            let (a, b) = (old.sources.get(id), analysis.sources.get(id));
            a.path == b.path && (Arc::ptr_eq(&a.text, &b.text) || a.text == b.text)
        })
    };
    // The same shared list (the session found the findings unchanged): equal diagnostics.
    let identical = old.is_some_and(|o| o.findings.same(&analysis.findings));
    let mut by_path: HashMap<PathBuf, Vec<Diagnostic>> = HashMap::new();
    let mut digests: HashMap<PathBuf, u64> = HashMap::new();
    let mut start = 0;
    for run in analysis
        .findings
        .chunk_by(|x, y| x.primary.file == y.primary.file)
    {
        let range = start..start + run.len();
        start += run.len();
        let id = run[0].primary.file;
        let path = &analysis.sources.get(id).path;
        let reused = old.and_then(|old| {
            let was = &old.findings[before.get(&id)?.clone()?];
            let same = was.len() == run.len()
                && !by_path.contains_key(path)
                && was.iter().zip(run).all(|(a, b)| {
                    (identical || a == b)
                        && std::iter::once(b.primary.file)
                            .chain(b.secondary.iter().map(|l| l.span.file))
                            .all(|f| same_file(old, f))
                });
            same.then(|| kept.remove(path)).flatten()
        });
        let diags = match reused {
            Some((d, digest)) => {
                digests.insert(path.clone(), digest);
                d
            }
            None => analysis.findings[range]
                .iter()
                .map(|f| convert::diagnostic(&analysis.sources, f, enc, links))
                .collect(),
        };
        if by_path.contains_key(path) {
            // A second run of the file: its digest is computed afresh.
            digests.remove(path);
        }
        by_path.entry(path.clone()).or_default().extend(diags);
    }
    by_path
        .into_iter()
        .map(|(path, list)| {
            let d = digests.remove(&path).unwrap_or_else(|| digest(list.iter()));
            (path, (list, d))
        })
        .collect()
}

/// A digest of a file's diagnostics: what was published is remembered by it, not kept.
fn digest<'a>(diagnostics: impl Iterator<Item = &'a Diagnostic>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    let range = |r: &lsp_types::Range, h: &mut std::collections::hash_map::DefaultHasher| {
        (r.start.line, r.start.character, r.end.line, r.end.character).hash(h);
    };
    for d in diagnostics {
        range(&d.range, &mut h);
        format!(
            "{:?}{:?}{:?}{:?}",
            d.severity, d.code, d.code_description, d.tags
        )
        .hash(&mut h);
        d.message.hash(&mut h);
        for r in d.related_information.iter().flatten() {
            r.location.uri.as_str().hash(&mut h);
            range(&r.location.range, &mut h);
            r.message.hash(&mut h);
        }
        0xffu8.hash(&mut h);
    }
    h.finish()
}

impl Unit {
    /// True when an open file belongs to this unit.
    fn owns(&self, path: &Path) -> bool {
        match &self.loose {
            Some(l) => l == path,
            None => path.starts_with(&self.folder.root),
        }
    }

    /// The unit's files: the disk scan (cached) with its open buffers layered over it.
    fn workspace(&mut self, job: &Job) -> Result<Workspace, String> {
        let root = self.folder.root.clone();
        if self.loose.is_none() && self.disk.is_none() {
            let mut ws = Workspace::from_paths(std::slice::from_ref(&root), &self.folder.config)
                .map_err(|e| e.to_string())?;
            ws.files.sort_by(|a, b| a.path.cmp(&b.path));
            let stamps = ws
                .files
                .iter()
                .filter_map(|f| Some((f.path.clone(), stamp(&f.path)?)))
                .collect();
            let mut disk = Disk {
                ws,
                stamps,
                checked: Instant::now(),
                reported: HashSet::new(),
                left_out: HashSet::new(),
            };
            disk.left_out = job
                .open
                .keys()
                .filter(|p| self.owns(p) && disk.unknown(p))
                .cloned()
                .collect();
            self.disk = Some(disk);
        }
        let mut ws = match &self.disk {
            Some(disk) => Workspace {
                files: disk.ws.files.clone(),
                unreadable: disk.ws.unreadable.clone(),
                roots: disk.ws.roots.clone(),
                notes: disk.ws.notes.clone(),
                hidden: disk.ws.hidden.clone(),
                ..Workspace::default()
            },
            None => Workspace {
                roots: vec![root],
                ..Workspace::default()
            },
        };
        let mut open: Vec<(&PathBuf, &Arc<str>)> = job
            .open
            .iter()
            .filter(|(p, _)| self.owns(p))
            .map(|(p, (_, t))| (p, t))
            .collect();
        open.sort();
        for (path, text) in open {
            if !has_our_extension(path) || job.too_large.contains_key(path) {
                continue;
            }
            ws.overlay.insert(path.clone(), text.clone());
            let file = || SourceFile::new(path.clone(), discover::display_path(path), text.clone());
            match ws.files.binary_search_by(|f| f.path.cmp(path)) {
                Ok(i) => ws.files[i] = file(),
                Err(i) => {
                    // Open files the scan left out on purpose (.gitignore, excludes) stay out.
                    if self.loose.is_none() && ws.in_roots(path) && path.exists() {
                        continue;
                    }
                    ws.unreadable.retain(|u| &u.0 != path);
                    ws.files.insert(i, file());
                }
            }
        }
        // Buffers over the cap: neither their text nor the file on disk is analyzed; the
        // analysis reports them as it reports a file over the cap on disk.
        let mut too_large: Vec<(&PathBuf, &usize)> =
            job.too_large.iter().filter(|(p, _)| self.owns(p)).collect();
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
        // An open file inside the folder, on disk, that the scan does not have: created
        // after the scan (a client without a file watcher says nothing), or left out on
        // purpose. A new scan tells which, once.
        if let Some(disk) = &self.disk
            && job.open.keys().any(|p| self.owns(p) && disk.unknown(p))
        {
            self.disk = None;
            return self.workspace(job);
        }
        Ok(ws)
    }
}

/// Drop on a thread of its own, with the analysis stack (deep trees drop recursively).
fn drop_elsewhere<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("acrlint-lsp-drop".into())
        .stack_size(super::ANALYSIS_STACK)
        .spawn(move || drop(value));
}

fn notification<N: lsp_types::notification::Notification>(p: N::Params) -> Message {
    Message::Notification(Notification::new(N::METHOD.into(), p))
}

/// The scanned files on disk and the (mtime, size) each was read at.
struct Disk {
    ws: Workspace,
    stamps: HashMap<PathBuf, (SystemTime, u64)>,
    /// When the stamps were last compared with the disk.
    checked: Instant,
    /// Files reported changed: compared before the next run.
    reported: HashSet<PathBuf>,
    /// Open files the scan left out on purpose (found unknown right after it).
    left_out: HashSet<PathBuf>,
}

/// How old the disk check may get while only buffers change.
const DISK_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

impl Disk {
    /// An open file with our extension, inside the folder and on disk, that neither the
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

    /// Compare with the disk the files reported changed, and every file now and then when
    /// the client does not watch them: typing in one buffer does not pay for a look at
    /// every file. Whether a file changed (it is re-read); `None` when one vanished or
    /// became unreadable (then the folder is walked again).
    fn check(&mut self, watched: bool) -> Option<bool> {
        let reported = std::mem::take(&mut self.reported);
        if !watched && self.checked.elapsed() > DISK_CHECK_EVERY {
            self.checked = Instant::now();
            let mut changed = false;
            for i in 0..self.ws.files.len() {
                changed |= self.refresh(i)?;
            }
            return Some(changed);
        }
        let mut changed = false;
        for path in reported {
            if let Ok(i) = self
                .ws
                .files
                .binary_search_by(|f| f.path.as_path().cmp(&path))
            {
                changed |= self.refresh(i)?;
            }
        }
        Some(changed)
    }

    /// Re-read the scanned file `i` when its mtime or size changed: whether it did; `None`
    /// when it vanished or became unreadable.
    fn refresh(&mut self, i: usize) -> Option<bool> {
        let f = &mut self.ws.files[i];
        let now = stamp(&f.path)?;
        if self.stamps.get(&f.path) == Some(&now) {
            return Some(false);
        }
        let text = discover::read_text(&f.path).ok()?;
        *f = SourceFile::new(f.path.clone(), f.display.clone(), text);
        self.stamps.insert(f.path.clone(), now);
        Some(true)
    }
}

fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}
