//! Analyses that remember: a [`Session`] keeps, between analyses of one workspace, the
//! parse of every file and the result of every unit of evaluation (a Terraform root
//! module, an ARM template, a Kubernetes file) with the inputs it was computed from. An
//! analysis through the session parses only the files whose text changed and evaluates
//! again only the units one of whose inputs changed; its findings are those a fresh
//! [`crate::analyze`] gives (`tests/incremental.rs` holds this).
//!
//! What a unit read is recorded as [`Inputs`]: the files (id and text) it was built from
//! and the facts decided outside it that it depends on (whether a folder is a root,
//! whether a `.bicep` fell back to its compiled template, a folder's listing). Texts are
//! compared by pointer first (an unchanged file keeps its `Arc`), then by content.
//!
//! The graph runs over the whole workspace; a rule runs again only when what it reads
//! changed ([`Fingerprints`]: the kinds it declares, and every resource's identity).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use crate::eval::bicep::Look;
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
    /// The Bicep files evaluated (one unit): their inputs, what they looked up, the result.
    bicep: Mutex<Option<BicepUnit>>,
    /// Parsed Kubernetes files.
    pub(crate) k8s: Memo<FileId, Arc<crate::k8s::FileResult>>,
    /// The kind of every file.
    pub(crate) kinds: Memo<FileId, crate::discover::FileKind>,
    /// Each rule's last findings and notes, with the fingerprint of what it read then.
    rules: Mutex<HashMap<&'static str, RuleRun>>,
    /// The roots and project of the last analysis: when they change, nothing is reused.
    context: Mutex<u64>,
}

/// One rule's result over a graph, kept while what it reads stays the same.
struct RuleRun {
    read: u64,
    findings: Vec<crate::finding::Finding>,
    notes: Vec<String>,
}

/// What the rules can see of a graph, hashed: per kind, every resource of that kind whole
/// (body, spans, origins, identity); and for all resources, their identity (kind, type,
/// address, keys, name), which reference resolution reads whatever the kind.
pub(crate) struct Fingerprints {
    by_kind: HashMap<Kind, u64>,
    identity: u64,
}

impl Fingerprints {
    pub(crate) fn of(graph: &crate::model::Graph) -> Fingerprints {
        // A run the session keeps is hashed once (its print stays with it); the others on
        // every analysis. Combined in the graph's order.
        let mut kinds: HashMap<Kind, foldhash::fast::FoldHasher<'static>> = HashMap::new();
        let mut identity = fast_hasher();
        for (run, kept) in graph.resources.parts() {
            let fresh;
            let (id, by_kind) = match kept {
                Some(k) => k.print.get_or_init(|| print(run)),
                None => {
                    fresh = print(run);
                    &fresh
                }
            };
            identity.write_u64(*id);
            for (k, h) in by_kind {
                kinds.entry(*k).or_insert_with(fast_hasher).write_u64(*h);
            }
        }
        Fingerprints {
            by_kind: kinds.into_iter().map(|(k, h)| (k, h.finish())).collect(),
            identity: identity.finish(),
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
    let hashed: Vec<(u64, Option<u64>)> = run
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
            let whole = (r.kind != Kind::Other)
                .then(|| fast_hash(&(&id, r.format, r.span, &r.body, &r.instances, &r.via)));
            (fast_hash(&id), whole)
        })
        .collect();
    let mut kinds: Vec<(Kind, foldhash::fast::FoldHasher<'static>)> = Vec::new();
    let mut identity = fast_hasher();
    for (r, (id, whole)) in run.iter().zip(hashed) {
        identity.write_u64(id);
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
    (
        identity.finish(),
        kinds.into_iter().map(|(k, h)| (k, h.finish())).collect(),
    )
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
            *self.bicep.lock().unwrap_or_else(PoisonError::into_inner) = None;
            self.rules
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clear();
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
        self.k8s.sweep(g);
        self.kinds.sweep(g);
    }

    /// A rule's findings and notes from the last analysis, when what it reads is unchanged.
    pub(crate) fn rule_run(
        &self,
        rule: &crate::rules::Rule,
        prints: &Fingerprints,
    ) -> Option<crate::RuleOutput> {
        let runs = self.rules.lock().unwrap_or_else(PoisonError::into_inner);
        let run = runs
            .get(rule.meta.code)
            .filter(|r| r.read == prints.read(rule.reads))?;
        Some((run.findings.clone(), run.notes.clone()))
    }

    /// Keep a rule's findings and notes over a graph with these fingerprints.
    pub(crate) fn keep_rule_run(
        &self,
        rule: &crate::rules::Rule,
        prints: &Fingerprints,
        findings: &[crate::finding::Finding],
        notes: &[String],
    ) {
        self.rules
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                rule.meta.code,
                RuleRun {
                    read: prints.read(rule.reads),
                    findings: findings.to_vec(),
                    notes: notes.to_vec(),
                },
            );
    }

    /// The Bicep unit's look-ups and result, when it was computed from these files.
    pub(crate) fn bicep_unit(&self, inputs: &Inputs) -> Option<(Vec<(Look, u64)>, crate::Loaded)> {
        let unit = self.bicep.lock().unwrap_or_else(PoisonError::into_inner);
        let unit = unit.as_ref().filter(|u| u.inputs.same(inputs))?;
        // The resources are shared (`Loaded::share`), not copied.
        Some((unit.looks.clone(), unit.loaded.clone()))
    }

    pub(crate) fn keep_bicep_unit(
        &self,
        inputs: Inputs,
        looks: Vec<(Look, u64)>,
        mut loaded: crate::Loaded,
    ) {
        loaded.share();
        *self.bicep.lock().unwrap_or_else(PoisonError::into_inner) = Some(BicepUnit {
            inputs,
            looks,
            loaded,
        });
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
    Arc<crate::k8s::FileResult>
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

/// The Bicep files' evaluation, as kept.
struct BicepUnit {
    inputs: Inputs,
    looks: Vec<(Look, u64)>,
    loaded: crate::Loaded,
}

/// A parsed Terraform file, or its syntax error.
pub(crate) type TerraformParse =
    Result<(Arc<hcl_edit::structure::Body>, Vec<crate::parse::Comment>), crate::parse::ParseError>;

/// A parsed Bicep file: its tree and comments, or its syntax error.
pub(crate) type BicepParse =
    Result<crate::parse::Parsed<tree_sitter::Tree>, crate::parse::ParseError>;

/// A hasher with a fixed seed: fingerprints are compared across analyses.
fn fast_hasher() -> foldhash::fast::FoldHasher<'static> {
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
