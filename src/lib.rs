//! acrlint: a static analyzer for the container supply chain of Azure deployments.
//!
//! Terraform (azurerm), ARM JSON, Bicep and Kubernetes manifests are read into one
//! resource graph; rules run over it; findings carry exact source spans. The core never
//! prints: [`analyze`] returns an [`Analysis`] that the reporters render.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod baseline;
pub mod cli;
pub mod config;
pub mod discover;
pub mod eval;
pub mod finding;
pub mod fix;
pub mod lsp;
pub mod model;
pub mod parse;
pub mod report;
pub mod rules;
pub mod sanitize;
pub mod session;
pub mod source;
pub mod suppress;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use config::Config;
use discover::FileKind;
use finding::Finding;
use model::{Graph, Resource, Value, ValueKind};
pub use session::Session;
use source::{FileId, SourceFile, SourceMap};

/// The files of one analysis and what else may be read to evaluate them.
#[derive(Debug, Default)]
pub struct Workspace {
    /// The files to scan, already read.
    pub files: Vec<SourceFile>,
    /// Files that were found but could not be read: (path, display, error).
    pub unreadable: Vec<(PathBuf, String, String)>,
    /// Absolute folders that evaluation may read from (module sources, parameter files).
    /// Nothing outside them is read.
    pub roots: Vec<PathBuf>,
    /// Open editor buffers, by absolute path: they win over the files on disk.
    pub overlay: HashMap<PathBuf, Arc<str>>,
    /// What discovery skipped and why (binary files, links not followed, hidden files).
    pub notes: Vec<String>,
    /// Files with a scanned extension that an ignore file (`.gitignore`, `.ignore`,
    /// `.git/info/exclude`) or the config's `exclude` hid from the scan.
    pub hidden: Vec<PathBuf>,
    /// The project root the graph was built from (see [`discover::project_root`]): baseline
    /// fingerprints name files relative to it.
    pub project: Option<PathBuf>,
    /// The files and folders whose findings are reported (absolute); the other files only
    /// inform the graph. `None` reports every file.
    pub selection: Option<Vec<PathBuf>>,
    /// The roots with links resolved, for [`Workspace::in_roots`]: computed once, with the
    /// roots they were computed from.
    pub real_roots: std::sync::OnceLock<(Vec<PathBuf>, Vec<Option<PathBuf>>)>,
    /// Folder listings kept between analyses, set by a session ([`analyze_with`]).
    pub listings: std::sync::OnceLock<Arc<session::Listings>>,
}

impl Workspace {
    /// The id of a scanned file in an analysis's source map, found by path (not a file
    /// read only for context: a parameter file, a module source).
    pub fn scanned(&self, sources: &SourceMap, path: &Path) -> Option<FileId> {
        sources.find(path).filter(|id| sources.is_scanned(*id))
    }

    /// True when `path` lies inside one of the roots, also after resolving symbolic
    /// links (a link inside the tree that points out of it is outside).
    pub fn in_roots(&self, path: &Path) -> bool {
        let path = normalize(path);
        if !self.roots.iter().any(|r| path.starts_with(r)) {
            return false;
        }
        match std::fs::canonicalize(&path) {
            Ok(real) => self
                .real_roots()
                .iter()
                .flatten()
                .any(|r| real.starts_with(r)),
            // Not on disk (an editor buffer): the lexical check above decides.
            Err(_) => true,
        }
    }

    /// The roots with links resolved (`None` for one that does not resolve).
    fn real_roots(&self) -> std::borrow::Cow<'_, [Option<PathBuf>]> {
        let resolve = || -> Vec<Option<PathBuf>> {
            self.roots
                .iter()
                .map(|r| std::fs::canonicalize(r).ok())
                .collect()
        };
        let (roots, real) = self
            .real_roots
            .get_or_init(|| (self.roots.clone(), resolve()));
        if *roots == self.roots {
            std::borrow::Cow::Borrowed(real)
        } else {
            // The roots changed since (a workspace being built): resolved each time.
            std::borrow::Cow::Owned(resolve())
        }
    }

    /// Read a file that evaluation needs (a module's file, a parameter file): from the
    /// overlay, else from disk; never outside the roots.
    pub fn read(&self, path: &Path) -> Option<Arc<str>> {
        let path = normalize(path);
        if let Some(text) = self.overlay.get(&path) {
            return Some(text.clone());
        }
        // Most look-ups are of files that are not there (a module cache, a parameter
        // file): one `stat` says so before the links of the path are resolved.
        if !path.is_file() || !self.in_roots(&path) {
            return None;
        }
        discover::read_text(&path).ok().map(Arc::from)
    }

    /// The files directly in a folder with one of the extensions, sorted, within the roots.
    pub fn list_dir(&self, dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
        let dir = normalize(dir);
        let listings = self.listings.get();
        let kept = listings.and_then(|l| l.get(&dir, extensions, &self.roots));
        let mut out = match kept {
            Some(files) => files,
            None => {
                if !self.in_roots(&dir) {
                    return Vec::new();
                }
                let modified = listings.and_then(|_| session::Listings::modified(&dir));
                let (files, links) = self.read_dir(&dir, extensions);
                if let (Some(l), Some(m), false) = (listings, modified, links) {
                    l.put(&dir, extensions, &self.roots, m, &files);
                }
                files
            }
        };
        for p in self.overlay.keys() {
            if p.parent() == Some(dir.as_path())
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| extensions.contains(&e))
                && !out.contains(p)
            {
                out.push(p.clone());
            }
        }
        out.sort();
        out
    }

    /// The files on disk directly in `dir` with one of the extensions, and whether a
    /// link was among them.
    fn read_dir(&self, dir: &Path, extensions: &[&str]) -> (Vec<PathBuf>, bool) {
        let mut links = false;
        let files = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| {
                e.path()
                    .extension()
                    .and_then(|x| x.to_str())
                    .is_some_and(|x| extensions.contains(&x))
            })
            .filter_map(|e| {
                let p = e.path();
                match e.file_type() {
                    Ok(t) if t.is_file() => Some(p),
                    // A link counts only when it stays inside the roots.
                    Ok(t) if t.is_symlink() => {
                        links = true;
                        (p.is_file() && self.in_roots(&p)).then_some(p)
                    }
                    _ => None,
                }
            })
            .collect();
        (files, links)
    }

    /// Build a workspace from the paths a user gave (folders are walked, files taken as
    /// they are).
    pub fn from_paths(
        paths: &[PathBuf],
        config: &Config,
    ) -> Result<Workspace, discover::ScanError> {
        discover::workspace(paths, config)
    }

    /// Build a workspace that reports on `paths` but reads their whole projects (see
    /// [`discover::project_workspace`]): the findings for a file are the same whether it is
    /// checked alone or with the rest of its project.
    pub fn project(paths: &[PathBuf], config: &Config) -> Result<Workspace, discover::ScanError> {
        discover::project_workspace(paths, None, config)
    }

    /// True when findings in `path` are reported.
    pub fn is_selected(&self, path: &Path) -> bool {
        self.selection
            .as_ref()
            .is_none_or(|sel| sel.iter().any(|s| path.starts_with(s)))
    }
}

/// Make a path absolute and remove `.` and `..` without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// What a format's loader returns.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    /// The resources (after those of [`Loaded::shared`]).
    pub resources: Vec<Resource>,
    /// Resources that come before [`Loaded::resources`], in runs a session may share
    /// between analyses ([`Loaded::share`]).
    pub shared: Vec<model::Part>,
    /// LINT001 and similar findings found while loading.
    pub findings: Vec<Finding>,
    /// Things the user may want to know (a skipped file, a remote module), shown in verbose output.
    pub notes: Vec<String>,
    /// Internal errors (a panic while analysing a file), each naming the file.
    pub internal_errors: Vec<String>,
    /// `.bicep` files that could not be used: the compiled template beside each is
    /// evaluated instead (`eval::bicep`).
    pub compiled_fallback: HashSet<PathBuf>,
    /// The `acrlint:ignore` comments of the files parsed, as their parsers found them,
    /// for the suppression phase ([`Loaded::add_comments`]).
    pub comments: Vec<(FileId, Vec<parse::Comment>)>,
}

impl Loaded {
    /// Rules read the settings of the kinds they declare ([`rules::Rule::reads`]); of other
    /// resources only the identity (keys, name, span) serves references. Their bodies would
    /// be most of an ARM-heavy scan's memory: loaders drop them as soon as a file is
    /// evaluated.
    pub fn drop_unread_bodies(&mut self) {
        // Runs a session keeps dropped theirs before they were kept.
        let owned = self.shared.iter_mut().filter_map(|p| match p {
            model::Part::Owned(v) => Some(v),
            model::Part::Kept(_) => None,
        });
        for r in owned
            .flatten()
            .chain(&mut self.resources)
            .filter(|r| !rules::body_read(r.kind))
        {
            r.body = Value::new(ValueKind::Object(Vec::new()), r.body.span);
        }
    }

    /// All resources, in order, as the runs a graph is built from.
    pub fn take_parts(&mut self) -> Vec<model::Part> {
        let mut parts = std::mem::take(&mut self.shared);
        parts.push(model::Part::Owned(std::mem::take(&mut self.resources)));
        parts
    }

    /// Move the resources into one run that copies of this result share (a session keeps
    /// it; each analysis that reuses it gets a copy whose resources are that run).
    pub(crate) fn share(&mut self) {
        let parts = self.take_parts();
        let mut all = Vec::new();
        for p in parts {
            match p {
                model::Part::Owned(v) if all.is_empty() => all = v,
                model::Part::Owned(v) => all.extend(v),
                model::Part::Kept(k) => {
                    if !all.is_empty() {
                        let run = std::mem::take(&mut all);
                        self.shared
                            .push(model::Part::Kept(Arc::new(model::Kept::new(run))));
                    }
                    self.shared.push(model::Part::Kept(k));
                }
            }
        }
        if !all.is_empty() {
            self.shared
                .push(model::Part::Kept(Arc::new(model::Kept::new(all))));
        }
    }

    /// The tree of a parse, its comments kept for the suppression phase; or `None`, its
    /// syntax error kept as a LINT001 finding.
    pub fn parsed<T>(
        &mut self,
        id: FileId,
        text: &str,
        result: Result<parse::Parsed<T>, parse::ParseError>,
    ) -> Option<T> {
        match result {
            Ok(p) => {
                self.add_comments(id, text, p.comments);
                Some(p.tree)
            }
            Err(e) => {
                self.findings
                    .push(rules::parse_error::finding(e.span, e.message));
                None
            }
        }
    }

    /// Keep the comments of a parsed file that the suppression phase reads (a file may
    /// hold millions of others).
    pub fn add_comments(&mut self, id: FileId, text: &str, mut comments: Vec<parse::Comment>) {
        comments.retain(|c| suppress::holds_directive(text, c));
        if !comments.is_empty() {
            self.comments.push((id, comments));
        }
    }

    /// Append a run of resources (shared when a session keeps it).
    pub fn push_part(&mut self, part: model::Part) {
        match part {
            model::Part::Owned(v) => self.resources.extend(v),
            kept => {
                if !self.resources.is_empty() {
                    let before = std::mem::take(&mut self.resources);
                    self.shared.push(model::Part::Owned(before));
                }
                self.shared.push(kept);
            }
        }
    }

    pub fn extend(&mut self, other: Loaded) {
        for part in other.shared {
            self.push_part(part);
        }
        if self.resources.is_empty() {
            self.resources = other.resources;
        } else {
            self.resources.extend(other.resources);
        }
        self.findings.extend(other.findings);
        self.notes.extend(other.notes);
        self.internal_errors.extend(other.internal_errors);
        self.compiled_fallback.extend(other.compiled_fallback);
        self.comments.extend(other.comments);
    }

    /// Run `f`, the analysis of one file or unit (`what` names it, `at` is in its file). A
    /// panic inside becomes a LINT001 error on the file and an internal error that names it:
    /// the other files are still analysed, and the command line exits with 2.
    pub fn guarded(what: &str, at: source::Span, f: impl FnOnce() -> Loaded) -> Loaded {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
            Ok(l) => l,
            Err(payload) => {
                let mut l = Loaded::default();
                l.internal_error(what, at, &*payload);
                l
            }
        }
    }

    /// Record a panic (its payload) while analysing `what`: a LINT001 error at `at` and an
    /// internal error naming the file.
    pub fn internal_error(
        &mut self,
        what: &str,
        at: source::Span,
        payload: &(dyn std::any::Any + Send),
    ) {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        let text = format!(
            "internal error while analysing {}: {}",
            sanitize::visible(what),
            sanitize::excerpt(&msg)
        );
        self.findings
            .push(rules::parse_error::finding(at, text.clone()));
        self.internal_errors.push(text);
    }
}

/// A rule's findings and the notes on what it could not decide.
#[derive(Clone, Debug, Default)]
pub(crate) struct RuleOutput {
    pub(crate) findings: Vec<Finding>,
    pub(crate) notes: Vec<String>,
}

/// The last steps of the findings after suppression: configured levels, the files
/// reported, duplicates merged, sorted.
pub(crate) struct Settle<'a> {
    pub(crate) config: &'a Config,
    pub(crate) ws: &'a Workspace,
    pub(crate) sources: &'a SourceMap,
    /// The `.bicep` files whose compiled template was checked in their place.
    pub(crate) fallback: &'a HashSet<PathBuf>,
}

impl Settle<'_> {
    /// Configured levels, for every finding: the rules', the loaders' (LINT001) and the
    /// suppressions' (LINT002). False when the rule is off.
    fn configured(&self, f: &mut Finding) -> bool {
        match self.config.level(f.rule.code, f.rule.name) {
            Some(config::Level::Off) => false,
            Some(l) => {
                f.severity = l.severity().unwrap_or(f.severity);
                true
            }
            None => true,
        }
    }

    /// Reported: the findings in the files asked about, judged in the whole project.
    /// A compiled template checked in place of a selected `.bicep` reports for it.
    fn reported(&self, f: &Finding) -> bool {
        let path = &self.sources.get(f.primary.file).path;
        self.ws.is_selected(path)
            || (!self.fallback.is_empty() && {
                let source = path.with_extension("bicep");
                self.fallback.contains(&source) && self.ws.is_selected(&source)
            })
    }

    /// Findings and suppressed findings, after suppression, as reported. Each rule code's
    /// findings are settled on their own: findings of different codes never merge.
    pub(crate) fn settle(
        &self,
        mut findings: Vec<Finding>,
        mut suppressed: Vec<(Finding, String)>,
    ) -> (Vec<Finding>, Vec<(Finding, String)>) {
        findings.retain_mut(|f| self.configured(f));
        suppressed.retain_mut(|(f, _)| self.configured(f));
        if self.ws.selection.is_some() {
            findings.retain(|f| self.reported(f));
            suppressed.retain(|(f, _)| self.reported(f));
        }
        finding::merge_duplicates(&mut findings);
        sort_by_finding(&mut suppressed, |(f, _)| f, self.sources);
        sort_findings(&mut findings, self.sources);
        (findings, suppressed)
    }

    /// What the selection depends on besides the findings (a digest).
    pub(crate) fn context(&self) -> u64 {
        let mut fallback: Vec<&PathBuf> = self.fallback.iter().collect();
        fallback.sort();
        session::digest(&(&self.ws.selection, fallback))
    }
}

/// The result of an analysis.
#[derive(Debug)]
pub struct Analysis {
    pub sources: SourceMap,
    /// Sorted (see [`sort_findings`]); shared with the session's next analysis when its
    /// findings are the same.
    pub findings: finding::FindingList,
    pub graph: Graph,
    pub notes: Vec<String>,
    /// How many files were scanned (not counting files read only for context).
    pub files_scanned: usize,
    /// How many files an ignore file or an exclude hid from the scan (`-v` lists them).
    pub files_hidden: usize,
    /// Where the time went, by phase (`--timings`).
    pub timings: Vec<(&'static str, std::time::Duration)>,
    /// Internal errors (a panic while analysing a file or running a rule), each naming
    /// the file or rule; the command line reports them and exits with 2.
    pub internal_errors: Vec<String>,
    /// Findings an inline ignore or the baseline took out: SARIF reports them with
    /// `suppressions`; the other formats do not show them.
    pub suppressed: Vec<(Finding, finding::SuppressionKind)>,
    /// The project root the graph was built from, when known: baseline fingerprints name
    /// files relative to it.
    pub root: Option<PathBuf>,
}

/// Run every enabled rule over the workspace.
pub fn analyze(ws: &Workspace, config: &Config) -> Analysis {
    run(ws, config, None)
}

/// [`analyze`] through a session: files and units whose inputs did not change since the
/// session's last analysis are not parsed nor evaluated again (see [`session`]). The
/// findings are the same as [`analyze`]'s.
pub fn analyze_with(ws: &Workspace, config: &Config, session: &Session) -> Analysis {
    session.begin(ws);
    // A workspace already given another session's listings keeps them: each listing is
    // checked against its folder before it is used.
    let _ = ws.listings.set(session.listings.clone());
    let analysis = run(ws, config, Some(session));
    session.end();
    analysis
}

fn run(ws: &Workspace, config: &Config, session: Option<&Session>) -> Analysis {
    let mut sources = match session {
        Some(s) => SourceMap::with_ids(s.ids.clone()),
        None => SourceMap::default(),
    };
    let mut loaded = Loaded {
        notes: ws.notes.clone(),
        ..Loaded::default()
    };
    let mut by_kind: HashMap<FileKind, Vec<FileId>> = HashMap::new();
    for file in &ws.files {
        let id = sources.add_scanned(file.clone());
        let kind = match session {
            Some(s) => {
                let mut inputs = session::Inputs::default();
                inputs.file(id, &file.text);
                s.remember(&s.kinds, id, inputs, || {
                    discover::classify(&file.path, &file.text)
                })
            }
            None => discover::classify(&file.path, &file.text),
        };
        by_kind.entry(kind).or_default().push(id);
    }
    for (path, display, error) in &ws.unreadable {
        let id = sources.add(SourceFile::new(path.clone(), display.clone(), ""));
        loaded.findings.push(rules::parse_error::finding(
            source::Span::new(id, 0..0),
            format!("cannot read {display}: {error}"),
        ));
    }
    // Files read only for context (the rest of the project) do not count as scanned.
    let files_scanned = ws.files.iter().filter(|f| ws.is_selected(&f.path)).count()
        + ws.unreadable
            .iter()
            .filter(|(p, _, _)| ws.is_selected(p))
            .count();
    let get = |k: FileKind| by_kind.get(&k).cloned().unwrap_or_default();

    let mut tf = get(FileKind::Terraform);
    tf.extend(get(FileKind::TfVars));
    let mut timings = Vec::new();
    let mut clock = std::time::Instant::now();
    let mut lap = |name: &'static str, timings: &mut Vec<_>| {
        timings.push((name, clock.elapsed()));
        clock = std::time::Instant::now();
    };
    // One budget for the whole scan: every evaluator draws on it (`eval::budget`).
    let bytes = ws.files.iter().map(|f| f.text.len()).sum();
    let budget = eval::budget::Budget::for_input(ws.files.len(), bytes);
    loaded.extend(eval::terraform::load(
        ws,
        &mut sources,
        &tf,
        config,
        &budget,
        session,
    ));
    lap("terraform (parse + evaluate)", &mut timings);
    // Bicep first: a `.bicep` file that cannot be used has its compiled template beside it
    // evaluated instead, by the ARM loader.
    let (bicep, bicep_params) = (get(FileKind::Bicep), get(FileKind::BicepParams));
    let bicep_loaded = eval::bicep::load(
        ws,
        &mut sources,
        &bicep,
        &bicep_params,
        config,
        &budget,
        session,
    );
    lap("bicep (parse + evaluate)", &mut timings);
    let (arm, arm_params) = (get(FileKind::ArmTemplate), get(FileKind::ArmParameters));
    loaded.extend(eval::arm::load(
        ws,
        &mut sources,
        &arm,
        &arm_params,
        config,
        &budget,
        &bicep_loaded.compiled_fallback,
        session,
    ));
    lap("arm (parse + evaluate)", &mut timings);
    loaded.extend(bicep_loaded);
    let k8s_files = get(FileKind::Kubernetes);
    let k8s_at = source::Span::new(k8s_files.first().copied().unwrap_or(FileId(0)), 0..0);
    let k8s_loaded = match k8s_files.first() {
        Some(_) => Loaded::guarded("the Kubernetes manifests", k8s_at, || {
            eval::kubernetes::load(ws, &mut sources, &k8s_files, config, session)
        }),
        None => Loaded::default(),
    };
    loaded.extend(k8s_loaded);
    lap("kubernetes (parse + evaluate)", &mut timings);
    loaded.drop_unread_bodies();
    let resources = model::Resources::of_parts(loaded.take_parts());
    // Through a session, a graph over resources of the same kinds, keys, names and files
    // reuses the last graph's index; a rule whose reads (the kinds it declares, and every
    // resource's identity) are the same as in the last analysis gives its last findings.
    let prints = session.map(|_| session::Fingerprints::of(&resources));
    let index = session
        .zip(prints.as_ref())
        .and_then(|(s, p)| s.graph_index(p));
    let graph = Graph::with_index(resources, index);
    if let (Some(s), Some(p)) = (session, &prints) {
        s.keep_graph_index(p, graph.index());
    }
    lap("graph", &mut timings);
    let mut internal_errors = loaded.internal_errors;
    let remembered = |rule: &rules::Rule| {
        session
            .zip(prints.as_ref())
            .and_then(|(s, p)| s.rule_run(rule, p))
    };
    // Rules only read the graph: they run in parallel, and their findings (and notes) are
    // merged in catalog order so that output stays deterministic.
    let per_rule: Vec<Result<(&'static str, Arc<RuleOutput>), String>> = rules::ALL
        .par_iter()
        .filter(|rule| config.level(rule.meta.code, rule.meta.name) != Some(config::Level::Off))
        .map(|rule| {
            if let Some(run) = remembered(rule) {
                return Ok((rule.meta.code, run));
            }
            let ctx = rules::Ctx {
                graph: &graph,
                config,
                sources: &sources,
                notes: Default::default(),
            };
            let found =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (rule.check)(&ctx)))
                    .map_err(|_| {
                        format!(
                            "internal error in rule {} ({}); its findings are missing",
                            rule.meta.code, rule.meta.name
                        )
                    })?;
            let notes = ctx
                .notes
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let out = Arc::new(RuleOutput {
                findings: found,
                notes,
            });
            if let (Some(s), Some(p)) = (session, &prints) {
                s.keep_rule_run(rule, p, &out);
            }
            Ok((rule.meta.code, out))
        })
        .collect();
    let mut outputs = Vec::with_capacity(per_rule.len());
    for r in per_rule {
        match r {
            Ok(out) => outputs.push(out),
            Err(e) => internal_errors.push(e),
        }
    }
    lap("rules", &mut timings);
    let mut rule_notes = Vec::new();
    let settle = Settle {
        config,
        ws,
        sources: &sources,
        fallback: &loaded.compiled_fallback,
    };
    let (findings, suppressed) = match session {
        None => {
            let mut findings = loaded.findings;
            for (_, out) in outputs {
                let out = Arc::unwrap_or_clone(out);
                findings.extend(out.findings);
                rule_notes.extend(out.notes);
            }
            let suppressed =
                suppress::apply(&mut findings, &sources, &loaded.comments, &graph, config);
            let (findings, suppressed) = settle.settle(findings, suppressed);
            (findings.into(), suppressed)
        }
        Some(s) => {
            for (_, out) in &outputs {
                rule_notes.extend(out.notes.iter().cloned());
            }
            let ignores = suppress::collect(&sources, &loaded.comments, &graph);
            s.findings(&settle, loaded.findings, &outputs, ignores)
        }
    };
    lap("findings (suppress, merge, sort)", &mut timings);
    let mut notes = loaded.notes;
    notes.extend(rule_notes);
    Analysis {
        sources,
        findings,
        graph,
        notes,
        files_scanned,
        files_hidden: ws.hidden.len(),
        timings,
        internal_errors,
        suppressed: suppressed
            .into_iter()
            .map(|(f, reason)| (f, finding::SuppressionKind::InSource(reason)))
            .collect(),
        root: ws.project.clone(),
    }
}

/// Sort by file, position, code: output is deterministic.
pub fn sort_findings(findings: &mut [Finding], sources: &SourceMap) {
    sort_by_finding(findings, |f| f, sources);
}

/// Sort items by the finding each holds, as [`sort_findings`].
pub fn sort_by_finding<T>(items: &mut [T], finding: impl Fn(&T) -> &Finding, sources: &SourceMap) {
    // Unstable: no scratch copy of the findings; the key leaves no ties but equal findings.
    items.sort_unstable_by(|a, b| by_finding(finding(a), finding(b), sources));
}

/// The order of findings: by file, position, code, message, resource.
pub(crate) fn by_finding(a: &Finding, b: &Finding, sources: &SourceMap) -> std::cmp::Ordering {
    let fa = &sources.get(a.primary.file).display;
    let fb = &sources.get(b.primary.file).display;
    fa.cmp(fb)
        .then(a.primary.start.cmp(&b.primary.start))
        .then(a.primary.end.cmp(&b.primary.end))
        .then(a.rule.code.cmp(b.rule.code))
        .then_with(|| a.message.cmp(&b.message))
        .then_with(|| a.resource.cmp(&b.resource))
}
