//! Analyses that remember: a [`Session`] keeps, between analyses of one workspace, the
//! parse of every file and the result of every unit of evaluation (a Terraform root
//! module, an ARM template, a Bicep entry file with the modules it calls, a Kubernetes
//! file) with the inputs it was computed from. An
//! analysis through the session parses only the files whose text changed and evaluates
//! again only the units one of whose inputs changed; its findings are those a fresh
//! [`crate::analyze`] gives (`tests/incremental.rs` holds this).
//!
//! What a unit read is recorded as [`Inputs`]: the files (id and text) it was built from
//! and the facts decided outside it that it depends on (whether a folder is a root,
//! whether a `.bicep` fell back to its compiled template, a folder's listing). Texts are
//! compared by pointer first (an unchanged file keeps its `Arc`), then by content.
//!
//! A unit's resources are kept in one shared run ([`crate::model::Kept`]) that the graphs
//! of the analyses reusing the unit hold without copying. The graph's index is reused
//! while every resource's kind, keys, name and file stay in place; a rule runs again only
//! when what it reads changed ([`Fingerprints`]: the kinds it declares, and every
//! resource's identity); its findings are suppressed, merged and sorted again only when
//! they, the ignores or the selection changed. Folder listings and the kustomize
//! rendering are kept too ([`Listings`], `eval::kubernetes::Rendered`).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use crate::finding::Finding;
use crate::model::Kind;
use crate::source::{FileId, Ids};

/// What the analyses of one workspace keep for the next. One session serves one
/// configuration: make a new one when the configuration changes.
#[derive(Default)]
pub struct Session {
    /// One id per path for the session's lifetime: cached spans stay valid.
    pub(crate) ids: Arc<Mutex<Ids>>,
    /// The analysis count, for sweeping entries no analysis used.
    generation: std::sync::atomic::AtomicU64,
    /// Parsed Terraform (HCL) files by path.
    pub(crate) terraform_parse: Memo<FileId, TerraformParse>,
    /// Evaluated Terraform root modules by folder.
    pub(crate) terraform: Memo<PathBuf, Arc<crate::Loaded>>,
    /// Evaluated ARM templates.
    pub(crate) arm: Memo<FileId, Arc<crate::Loaded>>,
    /// Parsed Bicep files.
    pub(crate) bicep_parse: Memo<FileId, BicepParse>,
    /// Evaluated Bicep entry files (with the modules they call), by file.
    bicep: Memo<FileId, crate::eval::bicep::Unit>,
    /// Parsed Kubernetes files.
    pub(crate) k8s: Memo<FileId, Arc<crate::eval::kubernetes::FileResult>>,
    /// The kind of every file.
    pub(crate) kinds: Memo<FileId, crate::discover::FileKind>,
    /// Each rule's last findings and notes, with the fingerprint of what it read then.
    rules: Mutex<HashMap<&'static str, RuleRun>>,
    /// The last kustomize rendering, with what it read.
    pub(crate) k8s_rendered: Mutex<Option<crate::eval::kubernetes::Rendered>>,
    /// The last graph's index, with the fingerprint of what it read.
    index: Mutex<Option<(u64, Arc<crate::model::Index>)>>,
    /// The rules' findings as last settled.
    settled: Mutex<Settled>,
    /// Folder listings (`Workspace::list_dir`).
    pub(crate) listings: Arc<Listings>,
    /// The roots and project of the last analysis: when they change, nothing is reused.
    context: Mutex<u64>,
}

/// One rule's result over a graph, kept while what it reads stays the same.
struct RuleRun {
    read: u64,
    out: Arc<crate::RuleOutput>,
}

/// The findings phase's last results: each rule's findings settled (suppressed, merged,
/// sorted) over these ignores and this selection.
#[derive(Default)]
struct Settled {
    ignores: Vec<crate::suppress::Ignore>,
    context: u64,
    by_rule: HashMap<&'static str, SettledRule>,
    /// The last merged result and what it was merged from.
    merged: Option<Merged>,
}

/// The findings phase's last merged result, handed out again (the same shared list)
/// while the loaders' findings, the rules' outputs in order and the unused ignores are
/// the same.
struct Merged {
    loader: Vec<Finding>,
    loader_suppressed: Vec<(Finding, String)>,
    rules: Vec<Arc<crate::RuleOutput>>,
    unused: Vec<Finding>,
    findings: crate::finding::FindingList,
    suppressed: Vec<(Finding, String)>,
}

/// One rule's findings, settled.
struct SettledRule {
    /// The rule's output they were settled from.
    from: Arc<crate::RuleOutput>,
    findings: Vec<Finding>,
    suppressed: Vec<(Finding, String)>,
    used: crate::suppress::Used,
}

/// What the rules can see of a graph, hashed: per kind, every resource of that kind whole
/// (body, spans, origins, identity); and for all resources, their identity (kind, type,
/// address, keys, name), which reference resolution reads whatever the kind.
pub(crate) struct Fingerprints {
    by_kind: HashMap<Kind, u64>,
    identity: u64,
    /// What the graph's index reads: each resource's kind, keys, name and file, in order.
    index: u64,
}

impl Fingerprints {
    pub(crate) fn of(resources: &crate::model::Resources) -> Fingerprints {
        // A run the session keeps is hashed once (its print stays with it); the others on
        // every analysis. Combined in the graph's order.
        let mut kinds: HashMap<Kind, foldhash::fast::FoldHasher<'static>> = HashMap::new();
        let mut identity = fast_hasher();
        let mut index = fast_hasher();
        index.write_usize(resources.len());
        for (run, kept) in resources.parts() {
            let fresh;
            let p = match kept {
                Some(k) => k.print.get_or_init(|| print(run)),
                None => {
                    fresh = print(run);
                    &fresh
                }
            };
            identity.write_u64(p.identity);
            index.write_u64(p.index);
            for (k, h) in &p.by_kind {
                kinds.entry(*k).or_insert_with(fast_hasher).write_u64(*h);
            }
        }
        Fingerprints {
            by_kind: kinds.into_iter().map(|(k, h)| (k, h.finish())).collect(),
            identity: identity.finish(),
            index: index.finish(),
        }
    }

    /// The fingerprint of what a rule reading `kinds` sees.
    fn read(&self, kinds: &[Kind]) -> u64 {
        let mut h = fast_hasher();
        self.identity.hash(&mut h);
        for k in kinds {
            self.by_kind.get(k).hash(&mut h);
        }
        h.finish()
    }
}

/// The fingerprint of a run of resources: of every resource's identity, and per kind of
/// every resource of that kind whole.
fn print(run: &[crate::model::Resource]) -> crate::model::PartPrint {
    use rayon::prelude::*;
    // Each resource hashed on its own, in parallel, with a fast hash. A collision would
    // reuse a rule's stale findings; at 64 bits that is vanishingly rare, and the next edit
    // that changes what the rule reads corrects it.
    let hashed: Vec<(u64, u64, Option<u64>)> = run
        .par_iter()
        .map(|r| {
            let id = (
                r.kind,
                &r.native_type,
                &r.address,
                &r.keys,
                &r.name,
                r.existing,
            );
            let indexed = (r.kind, &r.keys, r.name_str(), r.span.file);
            let whole = (r.kind != Kind::Other)
                .then(|| fast_hash(&(&id, r.format, r.span, &r.body, &r.instances, &r.via)));
            (fast_hash(&id), fast_hash(&indexed), whole)
        })
        .collect();
    let mut kinds: Vec<(Kind, foldhash::fast::FoldHasher<'static>)> = Vec::new();
    let mut identity = fast_hasher();
    let mut index = fast_hasher();
    for (r, (id, indexed, whole)) in run.iter().zip(hashed) {
        identity.write_u64(id);
        index.write_u64(indexed);
        if let Some(whole) = whole {
            match kinds.iter_mut().find(|(k, _)| *k == r.kind) {
                Some((_, h)) => h.write_u64(whole),
                None => {
                    let mut h = fast_hasher();
                    h.write_u64(whole);
                    kinds.push((r.kind, h));
                }
            }
        }
    }
    crate::model::PartPrint {
        identity: identity.finish(),
        index: index.finish(),
        by_kind: kinds.into_iter().map(|(k, h)| (k, h.finish())).collect(),
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").finish_non_exhaustive()
    }
}

impl Session {
    pub fn new() -> Session {
        Session::default()
    }

    /// Start an analysis of `ws`: a new generation; everything is forgotten when the
    /// roots or the project changed.
    pub(crate) fn begin(&self, ws: &crate::Workspace) {
        let context = digest(&(&ws.roots, &ws.project));
        let mut last = self.context.lock().unwrap_or_else(PoisonError::into_inner);
        if *last != context {
            *last = context;
            self.terraform_parse.clear();
            self.terraform.clear();
            self.arm.clear();
            self.bicep_parse.clear();
            self.k8s.clear();
            self.kinds.clear();
            self.bicep.clear();
            self.rules
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clear();
            *self.settled.lock().unwrap_or_else(PoisonError::into_inner) = Settled::default();
            self.listings.clear();
            *self.index.lock().unwrap_or_else(PoisonError::into_inner) = None;
            *self
                .k8s_rendered
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = None;
        }
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// End an analysis: entries it did not use are dropped (deleted files, folders that
    /// stopped being roots).
    pub(crate) fn end(&self) {
        let g = self.generation();
        self.terraform_parse.sweep(g);
        self.terraform.sweep(g);
        self.arm.sweep(g);
        self.bicep_parse.sweep(g);
        self.bicep.sweep(g);
        self.k8s.sweep(g);
        self.kinds.sweep(g);
    }

    /// The last graph's index, when it read the same of the resources as `prints` says.
    pub(crate) fn graph_index(&self, prints: &Fingerprints) -> Option<Arc<crate::model::Index>> {
        let kept = self.index.lock().unwrap_or_else(PoisonError::into_inner);
        kept.as_ref()
            .filter(|(read, _)| *read == prints.index)
            .map(|(_, index)| index.clone())
    }

    /// Keep a graph's index over resources with these fingerprints.
    pub(crate) fn keep_graph_index(&self, prints: &Fingerprints, index: &Arc<crate::model::Index>) {
        *self.index.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((prints.index, index.clone()));
    }

    /// A rule's findings and notes from the last analysis, when what it reads is unchanged.
    pub(crate) fn rule_run(
        &self,
        rule: &crate::rules::Rule,
        prints: &Fingerprints,
    ) -> Option<Arc<crate::RuleOutput>> {
        let runs = self.rules.lock().unwrap_or_else(PoisonError::into_inner);
        let run = runs
            .get(rule.meta.code)
            .filter(|r| r.read == prints.read(rule.reads))?;
        Some(run.out.clone())
    }

    /// Keep a rule's findings and notes over a graph with these fingerprints.
    pub(crate) fn keep_rule_run(
        &self,
        rule: &crate::rules::Rule,
        prints: &Fingerprints,
        out: &Arc<crate::RuleOutput>,
    ) {
        self.rules
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                rule.meta.code,
                RuleRun {
                    read: prints.read(rule.reads),
                    out: out.clone(),
                },
            );
    }

    /// The findings phase: the loaders' findings and the rules' outputs (by rule code),
    /// suppressed by `ignores` and settled, as [`crate::suppress::apply`] then
    /// [`crate::Settle::settle`] over all of them give them. Findings of different codes
    /// never merge: each rule's are settled on their own, again only when its output, the
    /// ignores or the selection changed, and the sorted runs are merged.
    pub(crate) fn findings(
        &self,
        settle: &crate::Settle,
        loader: Vec<Finding>,
        rules: &[(&'static str, Arc<crate::RuleOutput>)],
        ignores: Vec<crate::suppress::Ignore>,
    ) -> (crate::finding::FindingList, Vec<(Finding, String)>) {
        use crate::suppress::{self, Used};
        let mut settled = self.settled.lock().unwrap_or_else(PoisonError::into_inner);
        let context = settle.context();
        if settled.ignores != ignores || settled.context != context {
            *settled = Settled {
                ignores,
                context,
                by_rule: HashMap::new(),
                merged: None,
            };
        }
        let Settled {
            ignores,
            by_rule,
            merged,
            ..
        } = &mut *settled;
        let broken = suppress::broken(
            loader
                .iter()
                .chain(rules.iter().flat_map(|(_, o)| o.findings.iter())),
        );
        // The runs stand apart when no code is in two of them (LINT002 comes last).
        let mut seen: Vec<&'static str> = loader.iter().map(|f| f.rule.code).collect();
        let lint002 = crate::rules::suppression_unused::RULE.meta.code;
        let mut apart = !seen.contains(&lint002);
        seen.push(lint002);
        seen.sort_unstable();
        seen.dedup();
        for (_, out) in rules {
            let mut codes: Vec<&'static str> = out.findings.iter().map(|f| f.rule.code).collect();
            codes.sort_unstable();
            codes.dedup();
            apart &= !codes.iter().any(|c| seen.contains(c));
            seen.extend(codes);
        }
        if !apart {
            // Settled at once, as without a session.
            let mut all = loader;
            for (_, out) in rules {
                all.extend(out.findings.iter().cloned());
            }
            let mut used = Used::new(ignores);
            let suppressed = suppress::filter(&mut all, ignores, &mut used);
            all.extend(suppress::unused(ignores, &used, settle.config, &broken));
            *merged = None;
            let (all, suppressed) = settle.settle(all, suppressed);
            return (all.into(), suppressed);
        }
        let mut used = Used::new(ignores);
        let mut loader = loader;
        let loader_suppressed = suppress::filter(&mut loader, ignores, &mut used);
        let (loader, loader_suppressed) = settle.settle(loader, loader_suppressed);
        by_rule.retain(|code, _| rules.iter().any(|(c, _)| c == code));
        for (code, out) in rules {
            if by_rule.get(code).is_some_and(|s| Arc::ptr_eq(&s.from, out)) {
                continue;
            }
            let mut findings = out.findings.clone();
            let mut used = Used::new(ignores);
            let suppressed = suppress::filter(&mut findings, ignores, &mut used);
            let (findings, suppressed) = settle.settle(findings, suppressed);
            let from = out.clone();
            by_rule.insert(
                code,
                SettledRule {
                    from,
                    findings,
                    suppressed,
                    used,
                },
            );
        }
        let ordered: Vec<&SettledRule> = rules.iter().filter_map(|(c, _)| by_rule.get(c)).collect();
        for s in &ordered {
            used.add(&s.used);
        }
        let unused = suppress::unused(ignores, &used, settle.config, &broken);
        let (unused, _) = settle.settle(unused, Vec::new());
        if let Some(m) = merged.as_ref().filter(|m| {
            m.rules.len() == rules.len()
                && m.rules
                    .iter()
                    .zip(rules)
                    .all(|(a, (_, b))| Arc::ptr_eq(a, b))
                && m.loader == loader
                && m.loader_suppressed == loader_suppressed
                && m.unused == unused
        }) {
            return (m.findings.clone(), m.suppressed.clone());
        }
        let key = (loader.clone(), loader_suppressed.clone(), unused.clone());
        let total =
            loader.len() + unused.len() + ordered.iter().map(|s| s.findings.len()).sum::<usize>();
        let mut findings = Vec::with_capacity(total);
        findings.extend(loader);
        let mut suppressed = loader_suppressed;
        for s in &ordered {
            findings.extend(s.findings.iter().cloned());
            suppressed.extend(s.suppressed.iter().cloned());
        }
        findings.extend(unused);
        // Stable: merges the sorted runs.
        findings.sort_by(|a, b| crate::by_finding(a, b, settle.sources));
        suppressed.sort_by(|(a, _), (b, _)| crate::by_finding(a, b, settle.sources));
        let findings = crate::finding::FindingList::from(findings);
        let (loader, loader_suppressed, unused) = key;
        *merged = Some(Merged {
            loader,
            loader_suppressed,
            rules: rules.iter().map(|(_, o)| o.clone()).collect(),
            unused,
            findings: findings.clone(),
            suppressed: suppressed.clone(),
        });
        (findings, suppressed)
    }

    /// The Bicep entry file's unit, when it was computed from these inputs (its look-ups
    /// are yet to be performed again).
    pub(crate) fn bicep_unit(
        &self,
        id: FileId,
        inputs: &Inputs,
    ) -> Option<crate::eval::bicep::Unit> {
        self.bicep.get(&id, inputs, self.generation())
    }

    /// Keep a Bicep entry file's unit; the one to use is returned (its resources shared).
    pub(crate) fn keep_bicep_unit(
        &self,
        id: FileId,
        inputs: Inputs,
        unit: crate::eval::bicep::Unit,
    ) -> crate::eval::bicep::Unit {
        let (kept, out) = unit.keep();
        self.bicep.put(id, inputs, kept, self.generation());
        out
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The cached value for `key` when it was computed from the same inputs, else
    /// `compute`d and kept.
    pub(crate) fn remember<K: Hash + Eq + Clone, V: Reuse>(
        &self,
        memo: &Memo<K, V>,
        key: K,
        inputs: Inputs,
        compute: impl FnOnce() -> V,
    ) -> V {
        let g = self.generation();
        if let Some(v) = memo.get(&key, &inputs, g) {
            return v;
        }
        let (kept, v) = compute().keep();
        memo.put(key, inputs, kept, g);
        v
    }
}

/// The files of folders as listed from disk (`Workspace::list_dir`), each kept with the
/// folder's modification time: a file created, deleted or renamed in the folder changes it,
/// and the folder is listed again. A listing made less than [`SETTLED`] after its folder
/// changed is not kept (the clock that stamps folders is coarse). Listings with links are
/// not kept (their targets may change without the folder).
#[derive(Debug, Default)]
pub struct Listings {
    map: Mutex<HashMap<(PathBuf, String), Listing>>,
}

#[derive(Debug)]
struct Listing {
    roots: u64,
    modified: std::time::SystemTime,
    files: Vec<PathBuf>,
}

/// How long after its last change a folder's listing may be kept.
const SETTLED: std::time::Duration = std::time::Duration::from_secs(2);

impl Listings {
    /// When `dir` last changed: taken before it is listed, given to [`Listings::put`].
    pub(crate) fn modified(dir: &std::path::Path) -> Option<std::time::SystemTime> {
        std::fs::metadata(dir).ok()?.modified().ok()
    }

    /// The files of `dir` with these extensions, when kept and the folder did not change.
    pub(crate) fn get(
        &self,
        dir: &std::path::Path,
        extensions: &[&str],
        roots: &[PathBuf],
    ) -> Option<Vec<PathBuf>> {
        let key = (dir.to_path_buf(), extensions.join(","));
        let modified = Listings::modified(dir)?;
        let map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        let l = map.get(&key)?;
        (l.roots == digest(&roots) && l.modified == modified).then(|| l.files.clone())
    }

    /// Keep the files of `dir`, listed just now, when the folder did not change since
    /// `modified` (taken before the listing) nor shortly before.
    pub(crate) fn put(
        &self,
        dir: &std::path::Path,
        extensions: &[&str],
        roots: &[PathBuf],
        modified: std::time::SystemTime,
        files: &[PathBuf],
    ) {
        let settled = std::time::SystemTime::now()
            .duration_since(modified)
            .is_ok_and(|age| age >= SETTLED);
        if !settled || Listings::modified(dir) != Some(modified) {
            return;
        }
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                (dir.to_path_buf(), extensions.join(",")),
                Listing {
                    roots: digest(&roots),
                    modified,
                    files: files.to_vec(),
                },
            );
    }

    fn clear(&self) {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

/// How a session's memo keeps a value and hands it out again.
pub(crate) trait Reuse: Sized {
    /// A value just computed: the one to keep, and the one to hand out.
    fn keep(self) -> (Self, Self);
    /// A kept value, handed out again.
    fn reuse(&self) -> Self;
}

/// Values handed out as clones of what is kept.
macro_rules! reuse_by_clone {
    ($($t:ty),*) => {$(
        impl Reuse for $t {
            fn keep(self) -> (Self, Self) {
                (self.clone(), self)
            }

            fn reuse(&self) -> Self {
                self.clone()
            }
        }
    )*};
}

reuse_by_clone!(
    crate::discover::FileKind,
    TerraformParse,
    BicepParse,
    Arc<crate::eval::kubernetes::FileResult>
);

/// A unit's result: its resources kept in one run that every analysis reusing the unit
/// shares; each gets its own copy of the rest (findings, notes: a few), which the loaders
/// take apart without copying the resources.
impl Reuse for Arc<crate::Loaded> {
    fn keep(self) -> (Self, Self) {
        let mut kept = Arc::unwrap_or_clone(self);
        kept.share();
        let out = Arc::new(kept.clone());
        (Arc::new(kept), out)
    }

    fn reuse(&self) -> Self {
        Arc::new((**self).clone())
    }
}

/// A Bicep entry file's unit: its resources kept in one shared run, the rest cloned.
impl Reuse for crate::eval::bicep::Unit {
    fn keep(mut self) -> (Self, Self) {
        self.share();
        (self.clone(), self)
    }

    fn reuse(&self) -> Self {
        self.clone()
    }
}

/// A parsed Terraform file, or its syntax error.
pub(crate) type TerraformParse =
    Result<(Arc<hcl_edit::structure::Body>, Vec<crate::parse::Comment>), crate::parse::ParseError>;

/// A parsed Bicep file: its tree and comments, or its syntax error.
pub(crate) type BicepParse =
    Result<crate::parse::Parsed<tree_sitter::Tree>, crate::parse::ParseError>;

/// A hasher with a fixed seed: fingerprints are compared across analyses.
pub(crate) fn fast_hasher() -> foldhash::fast::FoldHasher<'static> {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0).build_hasher()
}

fn fast_hash(x: &impl Hash) -> u64 {
    let mut h = fast_hasher();
    x.hash(&mut h);
    h.finish()
}

/// A hash of anything hashable (facts recorded among a unit's inputs).
pub(crate) fn digest(x: &impl Hash) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    x.hash(&mut h);
    h.finish()
}

/// What a cached result was computed from.
#[derive(Clone, Debug, Default)]
pub(crate) struct Inputs {
    files: Vec<(FileId, Arc<str>)>,
    facts: Vec<u64>,
}

impl Inputs {
    /// A file the result was built from, with the text it had.
    pub(crate) fn file(&mut self, id: FileId, text: &Arc<str>) {
        self.files.push((id, text.clone()));
    }

    /// Anything else the result depends on (a decision made outside the unit, a listing).
    pub(crate) fn fact(&mut self, fact: &impl Hash) {
        self.facts.push(digest(fact));
    }

    fn same(&self, other: &Inputs) -> bool {
        self.facts == other.facts
            && self.files.len() == other.files.len()
            && self
                .files
                .iter()
                .zip(&other.files)
                .all(|((a, ta), (b, tb))| a == b && (Arc::ptr_eq(ta, tb) || ta == tb))
    }
}

/// Results by key, each with its inputs and the generation that last used it.
pub(crate) struct Memo<K, V> {
    map: Mutex<HashMap<K, (Inputs, V, u64)>>,
}

impl<K, V> Default for Memo<K, V> {
    fn default() -> Self {
        Memo {
            map: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Hash + Eq, V: Reuse> Memo<K, V> {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, (Inputs, V, u64)>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn get(&self, key: &K, inputs: &Inputs, generation: u64) -> Option<V> {
        let mut map = self.lock();
        let entry = map.get_mut(key)?;
        if !entry.0.same(inputs) {
            return None;
        }
        // Keep the newest texts: the next comparison is by pointer.
        entry.0 = inputs.clone();
        entry.2 = generation;
        Some(entry.1.reuse())
    }

    fn put(&self, key: K, inputs: Inputs, value: V, generation: u64) {
        self.lock().insert(key, (inputs, value, generation));
    }

    fn sweep(&self, generation: u64) {
        self.lock().retain(|_, e| e.2 == generation);
    }

    fn clear(&self) {
        self.lock().clear();
    }
}
