//! Bicep source into the model: parameters (defaults, `.bicepparam`, a JSON parameter file
//! `<stem>.parameters.json`), variables, expressions, resources (`existing`, nested
//! children, `parent:`, `if`, `for`) and local modules followed with their parameters.
//! Expressions are lowered into the expression model ARM templates parse into
//! (`eval::expr`) and evaluated there; this file resolves their names (`expr::Names`).
//!
//! A file with a syntax error gets a LINT001 finding and is not evaluated: a recovered
//! tree may have lost the very property that closes a finding.

use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use tree_sitter::{Node, Tree};

use crate::config::Config;
use crate::eval::budget::{self, Budget, Meter};
use crate::eval::cache;
use crate::eval::expr::{self, BinOp, Expr, ExprKind};
use crate::model::{Format, Instances, Key, Kind, Origin, Resource, Str, Value, ValueKind};
use crate::rules::parse_error;
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::{Loaded, Workspace, discover, normalize, parse};

/// How deep local modules may nest (a cycle stops here too).
const MAX_DEPTH: usize = 16;
/// Child resources (`resource` inside `resource`) nest at most this deep; a deeper one is
/// a LINT001 error and its children are not evaluated.
const MAX_CHILD_NESTING: usize = 32;
/// The type of a resource whose parents (`parent:` or enclosing resources) nest deeper
/// than [`MAX_CHILD_NESTING`]: no kind of resource rules judge.
const TOO_DEEP_TYPE: &str = "(parents nested too deeply)";

/// An input to a file's parameters: the value and what it is, for origins.
type Inputs = HashMap<String, (Value, String)>;

/// In a module's inputs: any parameter not given otherwise has this (Unknown) value, as
/// when its caller spreads an object not known statically into `params`.
const ANY_PARAM: &str = "*";

/// Load `.bicep` files (`files`) with `.bicepparam` files (`params`).
///
/// What is decided across files is decided here on every load: the scanned files' parses,
/// the `.bicepparam` files' values and targets, which files are entry points (the others
/// are called as local modules by a scanned file). Each entry file is then evaluated with
/// the modules it calls as a unit of its own ([`Unit`]), which a session keeps and reuses
/// while its files, its parameter files and its look-ups ([`Look`]) give the same.
pub fn load(
    ws: &Workspace,
    sources: &mut SourceMap,
    files: &[FileId],
    params: &[FileId],
    _config: &Config,
    budget: &Budget,
    session: Option<&crate::Session>,
) -> Loaded {
    let mut l = Loader::new(ws, session, sources, budget, None);
    // Parse the scanned files in parallel (tree-sitter trees are independent), then keep
    // them in the loader in input order.
    let parsed: Vec<_> = {
        let sources = &*l.sources;
        files
            .par_iter()
            .map(|&id| {
                let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    parse_file(session, id, sources.get(id))
                }));
                (id, parsed)
            })
            .collect()
    };
    for (id, parsed) in parsed {
        match parsed {
            Ok(parsed) => {
                l.store(id, Some(parsed));
            }
            Err(payload) => {
                let what = l.sources.get(id).display.clone();
                l.out.internal_error(&what, Span::new(id, 0..0), &*payload);
                l.store(id, None);
            }
        }
    }
    // `.bicepparam` files: `using './main.bicep'` and `param x = value`.
    let mut param_inputs: HashMap<PathBuf, (Inputs, Vec<FileId>)> = HashMap::new();
    for &id in params {
        if let Some((target, inputs)) = l.bicepparam(id) {
            let entry = param_inputs.entry(target.clone()).or_default();
            if !entry.0.is_empty() {
                l.out.notes.push(format!(
                    "several .bicepparam files use {}; their values are merged, the last file in name order winning",
                    discover::display_path(&target)
                ));
            }
            entry.0.extend(inputs);
            entry.1.push(id);
        }
    }
    // Files called as local modules by another scanned file are evaluated through their calls.
    let mut called = HashSet::new();
    for &id in files {
        let Some((tree, text)) = l.tree(id) else {
            continue;
        };
        let dir = l.dir_of(id);
        for_each_child(tree.root_node(), |n| {
            if n.kind() == "module_declaration"
                && let Some(p) = named(n, 1).filter(|s| s.kind() == "string")
                && let Some(p) = plain_string(p, &text)
                && is_local(&p)
            {
                called.insert(normalize(&dir.join(p)));
            }
        });
    }
    let trees = std::mem::take(&mut l.trees);
    let mut seen = Seen::default();
    let mut evaluated = false;
    for &id in files {
        let path = l.sources.get(id).path.clone();
        if called.contains(&path) {
            continue;
        }
        if trees.get(&id).is_none_or(Option::is_none) {
            if let Some(json) = l.compiled_beside(&path) {
                let at = (l.out.resources.len(), l.out.findings.len());
                l.fall_back(&path, &json, at.0, at.1);
            }
            continue;
        }
        evaluated = true;
        let unit = entry_unit(&mut l, &trees, id, &path, param_inputs.remove(&path));
        seen.add(&mut l.out, unit);
    }
    // The parameter files' limits, when no entry file was evaluated after them.
    if !evaluated {
        let notes = l.meter.take_notes();
        l.out.notes.extend(notes);
    }
    l.out
}

/// One entry file evaluated with the modules it calls: what it gave, what it looked up
/// outside the scanned files, and what a load reports once however many entry files
/// meet it (a file read for context: its syntax error and its comments; a resource
/// nested too deeply).
#[derive(Clone, Default)]
pub(crate) struct Unit {
    looks: Vec<(Look, u64)>,
    loaded: Loaded,
    /// Files parsed for this unit only (not scanned): their comments are kept once.
    parsed: Vec<FileId>,
    /// Where the LINT001 findings reported once are.
    once: Vec<Span>,
}

impl Unit {
    /// Kept by a session: its resources in one shared run.
    pub(crate) fn share(&mut self) {
        // Kept without the bodies no rule reads (dropped before the graph anyway).
        self.loaded.drop_unread_bodies();
        self.loaded.share();
    }
}

/// What the units added so far reported once.
#[derive(Default)]
struct Seen {
    /// The LINT001 findings reported once, by span: their place in the load's findings.
    once: HashMap<Span, usize>,
    /// Files read for context whose comments were kept.
    parsed: HashSet<FileId>,
}

impl Seen {
    /// Add a unit's result to `out`, without what an earlier unit already reported once.
    fn add(&mut self, out: &mut Loaded, unit: Unit) {
        let Unit {
            mut loaded,
            parsed,
            once,
            ..
        } = unit;
        let once: HashSet<Span> = once.into_iter().collect();
        let mut findings = Vec::with_capacity(loaded.findings.len());
        for f in std::mem::take(&mut loaded.findings) {
            if f.rule.code == "LINT001" && once.contains(&f.primary) {
                if let Some(&at) = self.once.get(&f.primary) {
                    // Said again by this unit; a fallback may have added to what it says.
                    if f.message.len() > out.findings[at].message.len() {
                        out.findings[at].message = f.message;
                    }
                    continue;
                }
                self.once
                    .insert(f.primary, out.findings.len() + findings.len());
            }
            findings.push(f);
        }
        loaded.findings = findings;
        let parsed: HashSet<FileId> = parsed.into_iter().collect();
        loaded
            .comments
            .retain(|(id, _)| !parsed.contains(id) || !self.parsed.contains(id));
        self.parsed.extend(parsed);
        out.extend(loaded);
    }
}

/// Evaluate the entry file `id` (at `path`), with its parameters (from the `.bicepparam`
/// files that use it, else its JSON parameter file), or reuse the session's unit for it when its inputs
/// are the same and its look-ups, performed again, find the same.
fn entry_unit(
    l: &mut Loader,
    trees: &HashMap<FileId, Option<Parsed>>,
    id: FileId,
    path: &Path,
    params: Option<(Inputs, Vec<FileId>)>,
) -> Unit {
    let mut unit_inputs = crate::session::Inputs::default();
    if let Some(s) = l.session {
        // Whether `.bicepparam` files use it (a JSON parameter file is a look-up), which.
        unit_inputs.fact(&params.is_some());
        let param_files = params.iter().flat_map(|(_, files)| files);
        for &f in std::iter::once(&id).chain(param_files) {
            unit_inputs.file(f, &l.sources.get(f).text);
        }
        if let Some(unit) = s.bicep_unit(id, &unit_inputs)
            && unit
                .looks
                .iter()
                .all(|(look, d)| look.perform(l.ws, l.sources).0 == *d)
        {
            return unit;
        }
    }
    let mut u = Loader::new(l.ws, l.session, l.sources, l.budget, Some(trees));
    let key_base = KeyBase {
        file: Arc::from(path),
        path: String::new(),
    };
    // One meter per entry file, shared by the modules it calls.
    u.meter = Rc::new(Meter::new(u.budget, u.sources.get(id).display.clone()));
    let inputs = match params {
        Some((inputs, _)) => inputs,
        None => u.json_parameters(path),
    };
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = u.eval_file(id, inputs, key_base, String::new(), Vec::new(), 0);
    }));
    if let Err(payload) = run {
        u.active.clear();
        let what = u.sources.get(id).display.clone();
        u.out.internal_error(&what, Span::new(id, 0..0), &*payload);
    }
    if u.unusable > 0
        && let Some(json) = u.compiled_beside(path)
    {
        u.fall_back(path, &json, 0, 0);
    }
    let notes = u.meter.take_notes();
    u.out.notes.extend(notes);
    let unit = Unit {
        looks: u.looks,
        loaded: u.out,
        parsed: u.parsed,
        once: u.once,
    };
    match l.session {
        Some(s) => s.keep_bicep_unit(id, unit_inputs, unit),
        None => unit,
    }
}

/// Something the Bicep loader looked up outside the scanned files. Performed again, it
/// gives the same digest as long as what it found did not change.
#[derive(Clone, Debug)]
pub(crate) enum Look {
    /// A file read for context (a local module, a parameter file).
    File(PathBuf),
    /// Whether a file exists (on disk or as an open buffer).
    Exists(PathBuf),
    /// A registry module (folder of the caller, source) in the module cache.
    Module(PathBuf, String),
    /// The compiled template beside a `.bicep` file.
    Compiled(PathBuf),
}

/// What a [`Look`] found: a file (added to the map), whether anything was found, and
/// why a registry module was not.
#[derive(Default)]
struct Outcome {
    id: Option<FileId>,
    found: bool,
    missing: Option<String>,
}

/// A registry module found in the cache: its file (added to the map), or why not.
enum Found {
    File(FileId),
    Missing(String),
}

impl Look {
    /// Do the look-up (a file found is added to `sources`): a digest of what it found,
    /// and what it found.
    fn perform(&self, ws: &Workspace, sources: &mut SourceMap) -> (u64, Outcome) {
        use crate::session::digest;
        let file = |sources: &SourceMap, id: Option<FileId>| {
            let d = digest(&id.map(|id| (id, &*sources.get(id).text)));
            let found = id.is_some();
            (
                d,
                Outcome {
                    id,
                    found,
                    missing: None,
                },
            )
        };
        let yes = |found: bool| {
            (
                digest(&found),
                Outcome {
                    found,
                    ..Outcome::default()
                },
            )
        };
        match self {
            Look::File(path) => {
                let id = context_file(ws, sources, path);
                file(sources, id)
            }
            Look::Exists(path) => yes(path.is_file() || ws.overlay.contains_key(path)),
            Look::Module(dir, source) => match registry_module(ws, sources, dir, source) {
                Found::File(id) => file(sources, Some(id)),
                Found::Missing(why) => (
                    digest(&why),
                    Outcome {
                        missing: Some(why),
                        ..Outcome::default()
                    },
                ),
            },
            Look::Compiled(bicep) => yes(compiled_beside(ws, sources, bicep).is_some()),
        }
    }
}

/// A file read for context: already in the map, or read within the roots and added.
fn context_file(ws: &Workspace, sources: &mut SourceMap, path: &Path) -> Option<FileId> {
    let path = normalize(path);
    if let Some(id) = sources.find(&path) {
        return Some(id);
    }
    let text = ws.read(&path)?;
    let display = discover::display_path(&path);
    Some(sources.add(SourceFile::new(path, display, text)))
}

/// A registry module's compiled template from the module cache (never fetched).
fn registry_module(ws: &Workspace, sources: &mut SourceMap, dir: &Path, source: &str) -> Found {
    match cache::bicep_module(ws, dir, source) {
        cache::BicepModule::Found { path, text } => Found::File(match sources.find(&path) {
            Some(id) => id,
            None => {
                let display = discover::display_path(&path);
                sources.add(SourceFile::new(path, display, text))
            }
        }),
        cache::BicepModule::Missing(why) => Found::Missing(why),
    }
}

/// How a fallback is said, after the compiled template's name; notes that contain it are
/// shown without `-v`.
pub const FALLBACK: &str = ", compiled from it, was checked instead";

/// The template Bicep compiled from `bicep` (`main.bicep` -> `main.json`, made by
/// `bicep build`), when it is scanned too.
fn compiled_beside(ws: &Workspace, sources: &SourceMap, bicep: &Path) -> Option<PathBuf> {
    let json = bicep.with_extension("json");
    let file = sources.get(ws.scanned(sources, &json)?);
    let root: serde_json::Value = serde_json::from_str(&file.text).ok()?;
    let generator = root.pointer("/metadata/_generator/name")?.as_str()?;
    generator.eq_ignore_ascii_case("bicep").then_some(json)
}

/// A parsed file: its tree and its text.
type Parsed = (Rc<Tree>, Arc<str>);

/// Parse a file, through the session's cache when there is one.
fn parse_file(
    session: Option<&crate::Session>,
    id: FileId,
    file: &SourceFile,
) -> crate::session::BicepParse {
    match session {
        None => parse::bicep::parse(id, file),
        Some(s) => {
            let mut inputs = crate::session::Inputs::default();
            inputs.file(id, &file.text);
            s.remember(&s.bicep_parse, id, inputs, || parse::bicep::parse(id, file))
        }
    }
}

struct Loader<'w> {
    ws: &'w Workspace,
    session: Option<&'w crate::Session>,
    /// What was looked up outside the scanned files, with a digest of what was found.
    looks: Vec<(Look, u64)>,
    sources: &'w mut SourceMap,
    /// Parsed files; `None` when the file has a syntax error (reported once).
    trees: HashMap<FileId, Option<Parsed>>,
    /// In an entry file's unit: the scanned files, parsed before (read only).
    scanned: Option<&'w HashMap<FileId, Option<Parsed>>>,
    /// Files parsed here while `scanned` is set (files read for context).
    parsed: Vec<FileId>,
    /// Where the LINT001 findings a load reports once are (see [`Unit`]).
    once: Vec<Span>,
    /// The files being evaluated, outermost first (a module cycle stops here).
    active: Vec<FileId>,
    out: Loaded,
    budget: &'w Budget,
    /// The limits of the entry file being evaluated (`eval::budget`).
    meter: Rc<Meter<'w>>,
    /// Modules met that could not be followed (a syntax error, a missing file, not in the
    /// module cache): an entry file that meets one falls back to its compiled template.
    unusable: usize,
}

impl<'w> Loader<'w> {
    fn new(
        ws: &'w Workspace,
        session: Option<&'w crate::Session>,
        sources: &'w mut SourceMap,
        budget: &'w Budget,
        scanned: Option<&'w HashMap<FileId, Option<Parsed>>>,
    ) -> Loader<'w> {
        Loader {
            ws,
            session,
            looks: Vec::new(),
            sources,
            trees: HashMap::new(),
            scanned,
            parsed: Vec::new(),
            once: Vec::new(),
            active: Vec::new(),
            out: Loaded::default(),
            budget,
            meter: Rc::new(Meter::new(budget, "")),
            unusable: 0,
        }
    }

    /// `bicep` could not be used: `json`, compiled from it, is evaluated instead (by the
    /// ARM loader). What its evaluation gave from `resources` and `findings` on is dropped
    /// (never both), except why it could not be used (LINT001, LINT003), whose message
    /// says so.
    fn fall_back(&mut self, bicep: &Path, json: &Path, resources: usize, findings: usize) {
        self.out.resources.truncate(resources);
        let mut kept = self.out.findings.split_off(findings);
        kept.retain(|f| matches!(f.rule.code, "LINT001" | "LINT003"));
        let name = json.file_name().unwrap_or_default().to_string_lossy();
        let note = format!("{}{FALLBACK}", crate::sanitize::excerpt(&name));
        let mut said = false;
        for f in kept.iter_mut().chain(
            self.out.findings[..findings]
                .iter_mut()
                .filter(|f| f.rule.code == "LINT001"),
        ) {
            if self.sources.get(f.primary.file).path == bicep || f.rule.code == "LINT003" {
                // In the message, so that every output format says it.
                f.message.push_str(&format!("; {note}"));
                said = true;
            }
        }
        self.out.findings.extend(kept);
        if !said {
            // No finding of this file says why (a local module missing or with a syntax
            // error): a note shown without `-v`.
            self.out.notes.push(format!(
                "{}: a module it calls could not be followed; {note}",
                discover::display_path(bicep)
            ));
        }
        self.out.compiled_fallback.insert(bicep.to_path_buf());
    }

    /// The file's tree, parsed once; a syntax error is reported once and gives `None`.
    fn tree(&mut self, id: FileId) -> Option<Parsed> {
        if let Some(t) = self
            .scanned
            .and_then(|s| s.get(&id))
            .or(self.trees.get(&id))
        {
            return t.clone();
        }
        let parsed = parse_file(self.session, id, self.sources.get(id));
        let before = self.out.findings.len();
        let t = self.store(id, Some(parsed));
        if self.scanned.is_some() {
            self.parsed.push(id);
            self.once
                .extend(self.out.findings[before..].iter().map(|f| f.primary));
        }
        t
    }

    /// Keep a parse result (its comments go to the suppression phase, a syntax error to
    /// the findings as a LINT001); `None` when the parser failed without one.
    fn store(
        &mut self,
        id: FileId,
        parsed: Option<Result<parse::Parsed<Tree>, parse::ParseError>>,
    ) -> Option<Parsed> {
        let text = self.sources.get(id).text.clone();
        let t = parsed
            .and_then(|r| self.out.parsed(id, &text, r))
            .map(|tree| (Rc::new(tree), text));
        self.trees.insert(id, t.clone());
        t
    }

    fn dir_of(&self, id: FileId) -> PathBuf {
        self.sources
            .get(id)
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    /// Look something up outside the scanned files, and remember it.
    fn look(&mut self, look: Look) -> Outcome {
        let (digest, outcome) = look.perform(self.ws, self.sources);
        self.looks.push((look, digest));
        outcome
    }

    /// A file read for context (a module, a parameter file): already in the map, or read
    /// within the roots and added.
    fn context_file(&mut self, path: &Path) -> Option<FileId> {
        self.look(Look::File(normalize(path))).id
    }

    /// The compiled template beside `bicep`, when it is scanned (see [`compiled_beside`]).
    fn compiled_beside(&mut self, bicep: &Path) -> Option<PathBuf> {
        self.look(Look::Compiled(bicep.to_path_buf()))
            .found
            .then(|| bicep.with_extension("json"))
    }

    /// A `.bicepparam` file: its target and its values. Its `param x = v` lines are read
    /// as `var` declarations (same length, so spans stay put).
    fn bicepparam(&mut self, id: FileId) -> Option<(PathBuf, Inputs)> {
        let file = self.sources.get(id);
        let masked = mask_params(&file.text);
        let name = file
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let copy = SourceFile::new(file.path.clone(), file.display.clone(), masked.as_str());
        let tree = self
            .out
            .parsed(id, &file.text, parse::bicep::parse(id, &copy))?;
        let text = &file.text;
        let mut target = None;
        let mut decls = Vec::new();
        for_each_child(tree.root_node(), |n| match n.kind() {
            "using_statement" => {
                target = named(n, 0).and_then(|s| plain_string(s, text));
            }
            "variable_declaration" => decls.push(n),
            _ => {}
        });
        let Some(target) = target.filter(|t| is_local(t)) else {
            self.out.notes.push(format!(
                "{}: no local `using` target; its parameters are not applied",
                file.display
            ));
            return None;
        };
        let dir = self.dir_of(id);
        let target = normalize(&dir.join(target));
        // Values are evaluated in the parameter file on their own (literals, other params).
        let root = tree.root_node();
        let mut scope = Scope::new(
            id,
            text,
            root,
            Inputs::new(),
            // A parameter file declares no resources: its keys name nothing.
            KeyBase {
                file: Arc::from(self.sources.get(id).path.as_path()),
                path: String::new(),
            },
            String::new(),
            self.meter.clone(),
        );
        let mut inputs = Inputs::new();
        for d in decls {
            let (Some(n), Some(e)) = (named(d, 0), named(d, 1)) else {
                continue;
            };
            let key = node_text(n, text).to_string();
            let v = scope.eval(e);
            inputs.insert(key.clone(), (v, format!("the value of `{key}` in {name}")));
        }
        Some((target, inputs))
    }

    /// `<stem>.parameters.json` next to a `.bicep` file, when there is one.
    fn json_parameters(&mut self, bicep: &Path) -> Inputs {
        let mut inputs = Inputs::new();
        let (Some(dir), Some(stem)) = (bicep.parent(), bicep.file_stem()) else {
            return inputs;
        };
        let name = format!("{}.parameters.json", stem.to_string_lossy());
        let path = dir.join(&name);
        if !self.look(Look::Exists(path.clone())).found {
            return inputs;
        }
        let Some(id) = self.context_file(&path) else {
            return inputs;
        };
        // Parsed as the ARM parameter file it also is (a file that does not parse gets
        // its LINT001 there): every value keeps its own span.
        let Ok(parsed) = crate::parse::arm::parse(id, self.sources.get(id)) else {
            return inputs;
        };
        self.out
            .add_comments(id, &self.sources.get(id).text, parsed.comments);
        let root = parsed.tree;
        let Some(crate::parse::arm::Json::Object(params)) = root.get("parameters").map(|p| &p.json)
        else {
            return inputs;
        };
        for m in params {
            let Some(value) = m.value.get("value") else {
                continue;
            };
            let what = format!("the value of `{}` in {name}", m.key);
            inputs.insert(m.key.clone(), (super::arm::literal(value), what));
        }
        inputs
    }

    fn eval_file(
        &mut self,
        id: FileId,
        inputs: Inputs,
        key_base: KeyBase,
        prefix: String,
        via: Vec<Origin>,
        depth: usize,
    ) -> Option<Vec<(Str, Value)>> {
        let Some((tree, text)) = self.tree(id) else {
            self.unusable += 1;
            return None;
        };
        if self.active.contains(&id) {
            let shown = &self.sources.get(id).display;
            self.out.notes.push(format!(
                "{shown}: calls itself through modules; the cycle is not followed"
            ));
            return None;
        }
        self.active.push(id);
        let root = tree.root_node();
        let mut scope = Scope::new(
            id,
            &text,
            root,
            inputs,
            key_base,
            prefix,
            self.meter.clone(),
        );
        scope.via = via;
        scope.collect(self, depth);
        let outputs = scope.outputs();
        if let Some(at) = scope.too_deep_child
            && !self.out.findings.iter().any(|f| f.primary == at)
        {
            self.once.push(at);
            self.out.findings.push(parse_error::finding(
                at,
                format!(
                    "resources nested deeper than {MAX_CHILD_NESTING} levels inside each other (enclosing resources or `parent:`); the deeper ones are not evaluated"
                ),
            ));
        }
        self.active.pop();
        Some(outputs)
    }
}

/// What the keys of a file's resources start with: the entry file, and the module calls
/// from it (`module net/`).
#[derive(Clone)]
struct KeyBase {
    file: Arc<Path>,
    path: String,
}

/// One evaluation of one file (a root file, or a module instance).
struct Scope<'t, 'b> {
    file: FileId,
    text: &'t str,
    root: Node<'t>,
    params: HashMap<String, Node<'t>>,
    vars: HashMap<String, Node<'t>>,
    /// Resources by symbolic path (`vnet`, `vnet::subnet`), with their parent's path.
    resources: HashMap<String, (Node<'t>, Option<String>)>,
    modules: HashSet<String>,
    /// Evaluated modules, as `{ outputs: {...} }`.
    module_outputs: HashMap<String, Value>,
    inputs: Inputs,
    /// Parameters and variables, evaluated once, and the resource identities being
    /// computed (`eval::bind`).
    memo: crate::eval::bind::Bindings<crate::eval::bind::BicepName>,
    identities: HashMap<String, (String, Option<String>)>,
    /// Loop variables and other local bindings, innermost last.
    locals: Vec<(String, Value)>,
    key_base: KeyBase,
    prefix: String,
    via: Vec<Origin>,
    /// The limits of the entry file's evaluation: depth, sizes, work (`eval::budget`).
    meter: Rc<Meter<'b>>,
    /// The first child resource past [`MAX_CHILD_NESTING`].
    too_deep_child: Option<Span>,
}

impl<'t, 'b> Scope<'t, 'b> {
    fn new(
        file: FileId,
        text: &'t str,
        root: Node<'t>,
        inputs: Inputs,
        key_base: KeyBase,
        prefix: String,
        meter: Rc<Meter<'b>>,
    ) -> Scope<'t, 'b> {
        let mut s = Scope {
            file,
            text,
            root,
            params: HashMap::new(),
            vars: HashMap::new(),
            resources: HashMap::new(),
            modules: HashSet::new(),
            module_outputs: HashMap::new(),
            inputs,
            memo: Default::default(),
            identities: HashMap::new(),
            locals: Vec::new(),
            key_base,
            prefix,
            via: Vec::new(),
            meter,
            too_deep_child: None,
        };
        for_each_child(root, |n| {
            let Some(name) = named(n, 0).map(|i| node_text(i, text).to_string()) else {
                return;
            };
            match n.kind() {
                "parameter_declaration" => {
                    s.params.insert(name, n);
                }
                "variable_declaration" => {
                    s.vars.insert(name, n);
                }
                "resource_declaration" => s.add_resource(n, name, None, 0),
                "module_declaration" => {
                    s.modules.insert(name);
                }
                _ => {}
            }
        });
        s
    }

    fn add_resource(&mut self, decl: Node<'t>, path: String, parent: Option<String>, depth: usize) {
        if depth > MAX_CHILD_NESTING {
            self.too_deep_child.get_or_insert(self.span(decl));
            return;
        }
        if let Some(obj) = body_parts(decl).2 {
            for_each_child(obj, |p| {
                if p.kind() == "object_property"
                    && let Some(child) = named(p, 0).filter(|c| c.kind() == "resource_declaration")
                    && let Some(id) = named(child, 0)
                {
                    let child_path = format!("{path}::{}", node_text(id, self.text));
                    self.add_resource(child, child_path, Some(path.clone()), depth + 1);
                }
            });
        }
        self.resources.insert(path, (decl, parent));
    }

    fn span(&self, n: Node) -> Span {
        Span::new(self.file, n.start_byte()..n.end_byte())
    }

    fn text(&self, n: Node) -> &'t str {
        node_text(n, self.text)
    }

    /// Every resource and module of the file, in source order.
    fn collect(&mut self, l: &mut Loader, depth: usize) {
        // Modules first, in source order, so that resources can read their outputs.
        let mut mods = Vec::new();
        for_each_child(self.root, |c| {
            if c.kind() == "module_declaration" {
                mods.push(c);
            }
        });
        for m in mods {
            self.module(m, l, depth);
        }
        let mut paths: Vec<(usize, String)> = self
            .resources
            .iter()
            .map(|(p, (n, _))| (n.start_byte(), p.clone()))
            .collect();
        paths.sort();
        for (_, path) in paths {
            if let Some(r) = self.resource(&path) {
                l.out.resources.push(r);
            }
        }
    }

    /// The file's outputs (`output x string = expr`), evaluated.
    fn outputs(&mut self) -> Vec<(Str, Value)> {
        let mut decls = Vec::new();
        for_each_child(self.root, |c| {
            if c.kind() == "output_declaration"
                && named_count(c) >= 3
                && let (Some(n), Some(e)) = (named(c, 0), named(c, named_count(c) - 1))
            {
                decls.push((self.text(n).to_string(), e));
            }
        });
        decls
            .into_iter()
            .map(|(n, e)| (n.into(), self.eval(e)))
            .collect()
    }

    /// `module x './file.bicep' = { params: {...} }`: followed with its parameters.
    fn module(&mut self, decl: Node<'t>, l: &mut Loader, depth: usize) {
        let (Some(sym), Some(src)) = (named(decl, 0), named(decl, 1)) else {
            return;
        };
        let sym = self.text(sym).to_string();
        let Some(source) = plain_string(src, self.text) else {
            return;
        };
        let shown = l.sources.get(self.file).display.clone();
        let remote = !is_local(&source);
        if !remote && !source.to_ascii_lowercase().ends_with(".bicep") {
            l.out.notes.push(format!(
                "{shown}: module `{sym}` uses `{source}`, which is not a .bicep file; it is not followed"
            ));
            return;
        }
        if depth >= MAX_DEPTH {
            l.out.notes.push(format!(
                "{shown}: module `{sym}` nests deeper than {MAX_DEPTH} levels (a cycle?); not followed"
            ));
            return;
        }
        let (cond, looped, body) = body_parts(decl);
        if let Some(c) = cond
            && self.eval(c).as_bool() == Some(false)
        {
            return;
        }
        if !self.meter.module_instance(&format!("{}{sym}", self.prefix)) {
            return;
        }
        let id = if remote {
            // A registry module: its compiled template from the module cache, never fetched.
            let found = l.look(Look::Module(l.dir_of(self.file), source.clone()));
            match found.id {
                Some(id) => id,
                None => {
                    let why = found.missing.unwrap_or_default();
                    l.unusable += 1;
                    l.out
                        .findings
                        .push(crate::rules::module_not_analysed::finding(
                            self.span(src),
                            format!(
                                "module `{}` (`{}`) was not analysed: {why} ({})",
                                crate::sanitize::excerpt(&sym),
                                crate::sanitize::excerpt(&source),
                                cache::RESTORE_HINT_BICEP
                            ),
                        ));
                    return;
                }
            }
        } else {
            let path = normalize(&l.dir_of(self.file).join(&source));
            let Some(id) = l.context_file(&path) else {
                l.unusable += 1;
                l.out.notes.push(format!(
                    "{shown}: module `{sym}`: cannot read `{source}` inside the scanned folders"
                ));
                return;
            };
            id
        };
        let mut args = Vec::new();
        if let Some(loop_node) = looped {
            self.bind_loop(loop_node);
        }
        if let Some(params) = body.and_then(|b| object_property(b, self.text, "params")) {
            for_each_child(params, |p| {
                if p.kind() == "object_property"
                    && let (Some(k), Some(v)) = (named(p, 0), named(p, 1))
                {
                    // A spread `...x` (see the parser) gives no key of its own.
                    let key = (!self.text(p).starts_with("...")).then(|| key_text(k, self.text));
                    args.push((key, v));
                }
            });
        }
        let mut inputs = Inputs::new();
        for (k, v) in args {
            let value = self.eval(v);
            let Some(k) = k else {
                match value.kind {
                    ValueKind::Object(entries) => {
                        for (k, v) in entries {
                            let what =
                                format!("the `{k}` parameter of module `{}{sym}`", self.prefix);
                            inputs.insert(k.to_string(), (v, what));
                        }
                    }
                    // Any parameter may come from it, over the ones given before.
                    _ => {
                        let span = value.span;
                        for (_, (v, _)) in inputs.iter_mut() {
                            *v = Value::unknown("a spread not known statically", span);
                        }
                        inputs.insert(
                            ANY_PARAM.to_string(),
                            (
                                Value::unknown("a spread not known statically", span),
                                String::new(),
                            ),
                        );
                    }
                }
                continue;
            };
            let value = self
                .meter
                .check(value, &format!("the `{k}` parameter of `{sym}`"));
            let what = format!("the `{k}` parameter of module `{}{sym}`", self.prefix);
            inputs.insert(k, (value, what));
        }
        if looped.is_some() {
            self.locals.clear();
        }
        let mut via = self.via.clone();
        let head = self.head_span(decl);
        via.push(Origin {
            span: head,
            what: format!("in module `{}{sym}`, called here", self.prefix),
        });
        if remote {
            let outputs = self.cached_module(l, id, &sym, inputs, via, head);
            if looped.is_none() {
                let span = self.span(decl);
                let outputs = Value::new(ValueKind::Object(outputs), span);
                self.module_outputs.insert(
                    sym,
                    Value::new(ValueKind::Object(vec![("outputs".into(), outputs)]), span),
                );
            }
            return;
        }
        let outputs = l.eval_file(
            id,
            inputs,
            KeyBase {
                file: self.key_base.file.clone(),
                path: format!("{}module {sym}/", self.key_base.path),
            },
            format!("{}{sym}.", self.prefix),
            via,
            depth + 1,
        );
        // A looped module has one set of outputs per instance: not known as one value.
        if let Some(outputs) = outputs.filter(|_| looped.is_none()) {
            let span = self.span(decl);
            let outputs = Value::new(ValueKind::Object(outputs), span);
            self.module_outputs.insert(
                sym,
                Value::new(ValueKind::Object(vec![("outputs".into(), outputs)]), span),
            );
        }
    }

    /// A registry module's cached compiled template, evaluated as the module's nested
    /// deployment with the caller's parameters. What it finds is reported in the caller
    /// (`head`, or the argument that decides it). Returns its outputs.
    fn cached_module(
        &mut self,
        l: &mut Loader,
        id: FileId,
        sym: &str,
        inputs: Inputs,
        via: Vec<Origin>,
        head: Span,
    ) -> Vec<(Str, Value)> {
        let mut unknown_rest = None;
        let mut given = Vec::new();
        for (k, (v, what)) in inputs {
            if k == ANY_PARAM {
                unknown_rest = Some(v.span);
            } else {
                given.push((k, v, what));
            }
        }
        given.sort_by(|a, b| a.0.cmp(&b.0));
        // The template's resources are keyed in this module call.
        let prefix = crate::model::ArmScope {
            caller: Some(Key::Bicep {
                file: self.key_base.file.clone(),
                path: format!("{}module {sym}", self.key_base.path).into(),
            }),
            nested: String::new(),
        };
        let (mut loaded, mut outputs) = crate::eval::arm::evaluate_module(
            l.sources,
            id,
            given,
            unknown_rest,
            &via,
            &prefix,
            l.budget,
        );
        let hidden = |f: FileId| f == id;
        for r in &mut loaded.resources {
            cache::relocate(r, &hidden, head);
            r.address = format!("{}{sym}.{}", self.prefix, r.address);
        }
        for f in &mut loaded.findings {
            if f.primary.file == id {
                f.primary = head;
            }
        }
        for (_, v) in &mut outputs {
            cache::relocate_value(v, &hidden, head);
        }
        l.out.extend(loaded);
        outputs
    }

    /// `resource x 'Type@version'` (or `module x '...'`): the declaration's head.
    fn head_span(&self, decl: Node) -> Span {
        let end = named(decl, 1).map_or(decl.end_byte(), |s| s.end_byte());
        Span::new(self.file, decl.start_byte()..end)
    }

    /// A resource's full type (children composed with their parent's) and full name.
    fn identity(&mut self, path: &str) -> (String, Option<String>) {
        if let Some(i) = self.identities.get(path) {
            return i.clone();
        }
        let Some(&(decl, ref nest_parent)) = self.resources.get(path) else {
            return (String::new(), None);
        };
        let nest_parent = nest_parent.clone();
        let key = crate::eval::bind::BicepName::Identity(path.into());
        if self.memo.is_active(&key) {
            return (String::new(), None);
        }
        let meter = self.meter.clone();
        let Some(_level) = meter.enter() else {
            let _ = meter.too_deep(&format!("the parent of resource `{path}`"), self.span(decl));
            return (TOO_DEEP_TYPE.to_string(), None);
        };
        self.memo.activate(key);
        let ty_text = named(decl, 1)
            .and_then(|s| plain_string(s, self.text))
            .unwrap_or_default();
        let ty = ty_text.split('@').next().unwrap_or("").to_string();
        let name = body_parts(decl)
            .2
            .and_then(|b| object_property(b, self.text, "name"))
            .map(|n| self.eval(n))
            .and_then(|v| v.as_str().map(str::to_string));
        // The parent: the enclosing resource, or `parent: symbol`.
        let parent = nest_parent.or_else(|| {
            body_parts(decl)
                .2
                .and_then(|b| object_property(b, self.text, "parent"))
                .map(|p| self.text(p).replace(' ', ""))
                .filter(|p| self.resources.contains_key(p))
        });
        let result = match parent {
            Some(p) => {
                let (pty, pname) = self.identity(&p);
                // Each level adds a segment to the type and the name: a chain of parents
                // thousands long would make them quadratic in size.
                let levels = |s: &str| s.matches('/').count();
                if pty == TOO_DEEP_TYPE
                    || levels(&pty) > MAX_CHILD_NESTING
                    || pname
                        .as_deref()
                        .is_some_and(|n| levels(n) > MAX_CHILD_NESTING)
                {
                    self.too_deep_child.get_or_insert(self.span(decl));
                    self.memo.deactivate();
                    let result = (TOO_DEEP_TYPE.to_string(), None);
                    self.identities.insert(path.to_string(), result.clone());
                    return result;
                }
                let full_ty = if ty.contains('/') {
                    ty
                } else {
                    format!("{pty}/{ty}")
                };
                let full_name = match (pname, name) {
                    (Some(a), Some(b)) if !b.contains('/') => Some(format!("{a}/{b}")),
                    (_, Some(b)) if b.contains('/') => Some(b),
                    _ => None,
                };
                (full_ty, full_name)
            }
            None => (ty, name),
        };
        self.memo.deactivate();
        self.identities.insert(path.to_string(), result.clone());
        result
    }

    fn resource_key(&self, path: &str) -> Key {
        Key::Bicep {
            file: self.key_base.file.clone(),
            path: format!("{}{path}", self.key_base.path).into(),
        }
    }

    /// A resource declaration into the model; `None` when its condition is false or its
    /// enclosing resource is not deployed.
    fn resource(&mut self, path: &str) -> Option<Resource> {
        let (decl, parent) = self.resources.get(path).cloned()?;
        let (cond, looped, body) = body_parts(decl);
        if let Some(c) = cond
            && self.eval(c).as_bool() == Some(false)
        {
            return None;
        }
        if let Some(p) = &parent {
            let (pdecl, _) = self.resources.get(p).cloned()?;
            if let Some(c) = body_parts(pdecl).0
                && self.eval(c).as_bool() == Some(false)
            {
                return None;
            }
        }
        if let Some(f) = looped
            && let Some(c) = loop_collection(f)
            && self.eval(c).as_list().is_some_and(<[Value]>::is_empty)
        {
            return None;
        }
        let existing = has_token(decl, "existing");
        let instances = looped.map(|f| {
            let end = child_token(f, ":").map_or(f.end_byte(), |c| c.start_byte());
            let start = child_token(f, "for").map_or(f.start_byte(), |c| c.start_byte());
            Instances {
                describe: crate::sanitize::excerpt(self.text[start..end].trim()).into_owned(),
                span: Span::new(self.file, start..end),
            }
        });
        if let Some(f) = looped {
            self.bind_loop(f);
        }
        let value = match body {
            Some(b) => self.eval(b),
            None => Value::unknown("no body", self.span(decl)),
        };
        self.locals.clear();
        let (native_type, full_name) = self.identity(path);
        let mut keys = vec![self.resource_key(path)];
        if let Some(n) = &full_name {
            keys.push(Key::type_name(&native_type, n));
        }
        // A child's name is the full ARM name (`parent/child`), as in ARM JSON.
        let name = value.get("name").cloned();
        let name = if native_type.matches('/').count() >= 2 {
            match (name, &full_name) {
                (Some(v), Some(full)) => Some(Value {
                    kind: ValueKind::String(full.clone().into()),
                    ..v
                }),
                _ => None,
            }
        } else {
            name
        };
        Some(Resource {
            id: Default::default(),
            kind: Kind::from_arm(&native_type),
            format: Format::Bicep,
            native_type,
            address: format!("{}{path}", self.prefix),
            keys,
            span: self.head_span(decl),
            body: value,
            name,
            instances,
            via: self.via.clone(),
            existing,
        })
    }

    /// Bind a `for` loop's variables (item and index) as unknown: a loop is reported once.
    fn bind_loop(&mut self, f: Node<'t>) {
        let span = self.span(f);
        let mut names = Vec::new();
        for_each_child(f, |c| match c.kind() {
            "identifier" if f.child_by_field_name("initializer") == Some(c) => {
                names.push(self.text(c).to_string())
            }
            "for_loop_parameters" => for_each_child(c, |v| {
                if matches!(v.kind(), "loop_variable" | "loop_enumerator") {
                    names.push(self.text(v).to_string());
                }
            }),
            _ => {}
        });
        for n in names {
            self.locals
                .push((n, Value::unknown("a loop variable", span)));
        }
    }

    /// A parameter's or variable's value, evaluated once by `f` (`eval::bind`).
    fn memoized(
        &mut self,
        key: crate::eval::bind::BicepName,
        at: Span,
        f: impl FnOnce(&mut Self) -> Value,
    ) -> Value {
        let meter = self.meter.clone();
        let entered = match self.memo.begin(&meter, key, at) {
            Ok(e) => e,
            Err(v) => return v,
        };
        let v = f(self);
        self.memo.end(&meter, entered, v)
    }

    fn param(&mut self, name: &str, at: Span) -> Value {
        if let Some((v, what)) = self.inputs.get(name) {
            if !self.meter.reuse(budget::measure(v).units()) {
                return Value::unknown("the evaluation budget is spent", at);
            }
            return v.clone().used_at(at, what.clone());
        }
        if let Some((v, _)) = self.inputs.get(ANY_PARAM) {
            return Value {
                span: at,
                ..v.clone()
            };
        }
        let key = crate::eval::bind::BicepName::Param(name.into());
        let Some(&decl) = self.params.get(name) else {
            return Value::unknown(format!("parameter `{name}` is not declared"), at);
        };
        let v = self.memoized(key, at, |s| {
            let default = named(decl, 2).filter(|_| named_count(decl) >= 3);
            match default {
                Some(d) => s.eval(d),
                None => Value::unknown(
                    format!("parameter `{name}` has no default and no value"),
                    s.span(decl),
                ),
            }
        });
        if v.is_unknown() {
            return Value { span: at, ..v };
        }
        v.used_at(at, format!("the default of parameter `{name}`"))
    }

    fn var(&mut self, name: &str, at: Span) -> Value {
        let key = crate::eval::bind::BicepName::Var(name.into());
        let Some(&decl) = self.vars.get(name) else {
            return Value::unknown(format!("variable `{name}` is not declared"), at);
        };
        let v = self.memoized(key, at, |s| match named(decl, 1) {
            Some(e) => s.eval(e),
            None => Value::unknown("no value", at),
        });
        if v.is_unknown() {
            return Value { span: at, ..v };
        }
        v.used_at(at, format!("variable `{name}`"))
    }

    fn identifier(&mut self, name: &str, at: Span) -> Value {
        if let Some((_, v)) = self.locals.iter().rev().find(|(n, _)| n == name) {
            return Value {
                span: at,
                ..v.clone()
            };
        }
        if self.params.contains_key(name) || self.inputs.contains_key(name) {
            return self.param(name, at);
        }
        if self.vars.contains_key(name) {
            return self.var(name, at);
        }
        if self.resources.contains_key(name) {
            return self.resource_ref(name, "", at);
        }
        if let Some(m) = self.module_outputs.get(name) {
            if !self.meter.reuse(budget::measure(m).units()) {
                return Value::unknown("the evaluation budget is spent", at);
            }
            return Value {
                span: at,
                ..m.clone()
            };
        }
        if self.modules.contains(name) {
            return Value::unknown(format!("module `{name}`'s outputs"), at);
        }
        Value::unknown(format!("`{name}` is not known statically"), at)
    }

    fn resource_ref(&mut self, path: &str, attr: &str, at: Span) -> Value {
        // A top-level resource's name; a child's (full or last segment?) stays a reference.
        if attr == "name"
            && let (ty, Some(n)) = self.identity(path)
            && ty.matches('/').count() < 2
        {
            return Value::string(n, at);
        }
        expr::reference(self.resource_key(path), attr, at)
    }

    /// Evaluate an expression node: lowered into the expression model, evaluated there.
    fn eval(&mut self, n: Node<'t>) -> Value {
        let e = lower(n, self.file, self.text, 0);
        let meter = self.meter.clone();
        expr::eval(&e, self, &meter)
    }
}

impl expr::Names for Scope<'_, '_> {
    fn text(&self, span: Span) -> Option<&str> {
        Some(self.text.get(span.range()).unwrap_or(""))
    }

    fn name(&mut self, name: &str, at: Span) -> Value {
        self.identifier(name, at)
    }

    fn resource(&mut self, path: &str, attr: &str, at: Span) -> Option<Value> {
        (self.resources.contains_key(path) && !self.locals.iter().any(|(n, _)| n == path))
            .then(|| self.resource_ref(path, attr, at))
    }
}

/// A Bicep expression node lowered into the expression model, every node with its span.
/// The places the parser rewrote (see `parse::bicep`) are read in the original text:
/// `x[^k]` is an index from the end, `...x` a spread, an identifier starting with `^` or
/// `$` no name. Constructs acrlint does not evaluate (lambdas, `for` expressions) lower
/// to Unknown; nesting deeper than the evaluator goes lowers to [`ExprKind::TooDeep`].
fn lower(n: Node, file: FileId, text: &str, depth: usize) -> Expr {
    let span = Span::new(file, n.start_byte()..n.end_byte());
    let at = |kind| Expr::new(kind, span);
    let call = |f: &str, args| Expr::new(ExprKind::Call(f.to_string(), args), span);
    let unknown = |why: &str| Expr::new(ExprKind::Unknown(why.to_string()), span);
    let sub = |c: Node| Box::new(lower(c, file, text, depth + 1));
    let src = node_text(n, text);
    if depth > budget::MAX_DEPTH {
        return at(ExprKind::TooDeep(src.to_string()));
    }
    match n.kind() {
        // With interpolations, as Bicep compiles it: the text and the values concatenated
        // (`concat('', x)`: the first argument a string, so that a list is text too).
        "string" => {
            let mut args = Vec::new();
            let mut plain = String::new();
            for_each_child(n, |c| match string_piece(c, text) {
                Some(Ok(t)) => plain.push_str(&t),
                Some(Err(e)) => {
                    if args.is_empty() || !plain.is_empty() {
                        args.push(at(ExprKind::Str(std::mem::take(&mut plain))));
                    }
                    args.push(*sub(e));
                }
                None => {}
            });
            if args.is_empty() {
                return at(ExprKind::Str(plain));
            }
            if !plain.is_empty() {
                args.push(at(ExprKind::Str(plain)));
            }
            call("concat", args)
        }
        "number" => match src.parse::<f64>() {
            Ok(x) => at(ExprKind::Num(x)),
            Err(_) => unknown("number"),
        },
        "boolean" => at(ExprKind::Bool(src == "true")),
        "null" => at(ExprKind::Null),
        // Constructs the parser rewrote into an identifier (see there).
        "identifier" if src.starts_with('^') => unknown("an index from the end"),
        "identifier" if src.starts_with('$') => unknown("an interpolated multi-line string"),
        "identifier" => at(ExprKind::Name(src.to_string())),
        "parenthesized_expression" => match named(n, 0) {
            Some(e) => lower(e, file, text, depth + 1),
            None => unknown("empty parentheses"),
        },
        "object" => {
            let mut props = Vec::new();
            for_each_child(n, |p| {
                if p.kind() == "object_property"
                    && let (Some(k), Some(v)) = (named(p, 0), named(p, 1))
                {
                    // A spread `...x` reads as the property `__:x` (see the parser).
                    let key = (!node_text(p, text).starts_with("...")).then(|| key_text(k, text));
                    props.push((key, *sub(v)));
                }
            });
            at(ExprKind::Object(props))
        }
        "array" => {
            let mut items = Vec::new();
            for_each_child(n, |c| {
                if c.kind() != "decorators" && !c.is_extra() {
                    // A spread `...x` reads as `   x` (see the parser).
                    let spread = text[..c.start_byte()]
                        .trim_end_matches([' ', '\t'])
                        .ends_with("...");
                    items.push((spread, *sub(c)));
                }
            });
            at(ExprKind::Array(items))
        }
        "member_expression" => match (
            n.child_by_field_name("object"),
            n.child_by_field_name("property"),
        ) {
            (Some(o), Some(p)) => at(ExprKind::Member {
                base: sub(o),
                name: node_text(p, text).to_string(),
                safe: has_token(n, ".?"),
            }),
            _ => unknown("member"),
        },
        "resource_expression" => at(ExprKind::Resource(src.replace(char::is_whitespace, ""))),
        "subscript_expression" => match (
            n.child_by_field_name("object"),
            n.child_by_field_name("index"),
        ) {
            (Some(o), Some(i)) => match node_text(i, text).strip_prefix('^') {
                // `x[^k]`: the k-th item from the end.
                Some(k) => at(ExprKind::FromEnd(sub(o), k.trim().parse().ok())),
                None => at(ExprKind::Index {
                    base: sub(o),
                    index: sub(i),
                    safe: has_token(n, "?"),
                }),
            },
            _ => unknown("index"),
        },
        "call_expression" => {
            let func = n
                .child_by_field_name("function")
                .map(|f| {
                    let t = node_text(f, text);
                    t.rsplit('.').next().unwrap_or(t).to_string()
                })
                .unwrap_or_default();
            let mut args = Vec::new();
            if let Some(a) = n.child_by_field_name("arguments") {
                for_each_child(a, |c| args.push(*sub(c)));
            }
            at(ExprKind::Call(func, args))
        }
        "ternary_expression" => match (
            n.child_by_field_name("condition"),
            n.child_by_field_name("consequence"),
            n.child_by_field_name("alternative"),
        ) {
            (Some(c), Some(a), Some(b)) => at(ExprKind::Cond(sub(c), sub(a), sub(b))),
            _ => unknown("condition"),
        },
        "unary_expression" => {
            let op = n
                .child_by_field_name("operator")
                .map(|o| node_text(o, text));
            match (op, n.child_by_field_name("argument")) {
                (Some("!"), Some(a)) => call("not", vec![*sub(a)]),
                // `-x` as Bicep compiles it: `sub(0, x)`.
                (Some("-"), Some(a)) => {
                    let zero = Expr::new(ExprKind::Num(0.0), span);
                    call("sub", vec![zero, *sub(a)])
                }
                (_, Some(_)) => unknown("an expression not known statically"),
                (_, None) => unknown("operand"),
            }
        }
        "binary_expression" => {
            let op = n
                .child_by_field_name("operator")
                .map_or("", |o| node_text(o, text));
            let (Some(l), Some(r)) = (
                n.child_by_field_name("left"),
                n.child_by_field_name("right"),
            ) else {
                return unknown("operand");
            };
            let (a, b) = (sub(l), sub(r));
            // `=~` as Bicep compiles it: `equals(toLower(a), toLower(b))`.
            let lowered = |x: Box<Expr>| {
                let at = x.span;
                Expr::new(ExprKind::Call("toLower".into(), vec![*x]), at)
            };
            let not = |x: Expr| call("not", vec![x]);
            match op {
                "&&" => at(ExprKind::Binary(BinOp::And, a, b)),
                "||" => at(ExprKind::Binary(BinOp::Or, a, b)),
                "??" => at(ExprKind::Binary(BinOp::Coalesce, a, b)),
                "==" => call("equals", vec![*a, *b]),
                "!=" => not(call("equals", vec![*a, *b])),
                "=~" => call("equals", vec![lowered(a), lowered(b)]),
                "!~" => not(call("equals", vec![lowered(a), lowered(b)])),
                _ => match arm_operator(op) {
                    Some(f) => call(f, vec![*a, *b]),
                    None => unknown("an expression not known statically"),
                },
            }
        }
        "for_statement" => unknown("a `for` expression"),
        kind => unknown(&format!("a `{kind}` expression")),
    }
}

/// The ARM function a Bicep comparison or arithmetic operator compiles to.
fn arm_operator(op: &str) -> Option<&'static str> {
    Some(match op {
        "<" => "less",
        "<=" => "lessOrEquals",
        ">" => "greater",
        ">=" => "greaterOrEquals",
        "+" => "add",
        "-" => "sub",
        "*" => "mul",
        "/" => "div",
        "%" => "mod",
        _ => return None,
    })
}

/// The `i`-th named child that is not a comment (comments may stand anywhere).
fn named(n: Node<'_>, i: usize) -> Option<Node<'_>> {
    let mut cursor = n.walk();
    n.named_children(&mut cursor)
        .filter(|c| c.kind() != "comment" && c.kind() != "diagnostic_comment")
        .nth(i)
}

/// How many named children are not comments.
fn named_count(n: Node) -> usize {
    let mut cursor = n.walk();
    n.named_children(&mut cursor)
        .filter(|c| c.kind() != "comment" && c.kind() != "diagnostic_comment")
        .count()
}

fn node_text<'t>(n: Node, text: &'t str) -> &'t str {
    text.get(n.start_byte()..n.end_byte()).unwrap_or("")
}

fn for_each_child<'t>(n: Node<'t>, mut f: impl FnMut(Node<'t>)) {
    let mut cursor = n.walk();
    for c in n.named_children(&mut cursor) {
        if c.kind() != "comment" && c.kind() != "diagnostic_comment" {
            f(c);
        }
    }
}

fn has_token(n: Node, token: &str) -> bool {
    child_token(n, token).is_some()
}

fn child_token<'t>(n: Node<'t>, token: &str) -> Option<Node<'t>> {
    let mut cursor = n.walk();
    n.children(&mut cursor)
        .find(|c| !c.is_named() && c.kind() == token)
}

/// The parts of a resource or module body: `if` condition, `for` loop, the object.
fn if_parts(n: Node) -> (Option<Node>, Option<Node>) {
    let mut cursor = n.walk();
    let c: Vec<Node> = n.named_children(&mut cursor).collect();
    let cond = c
        .iter()
        .find(|c| c.kind() == "parenthesized_expression")
        .copied();
    let obj = c.iter().find(|c| c.kind() == "object").copied();
    (cond, obj)
}

fn body_parts(decl: Node) -> (Option<Node>, Option<Node>, Option<Node>) {
    let Some(last) = named(decl, named_count(decl).saturating_sub(1)) else {
        return (None, None, None);
    };
    match last.kind() {
        "object" => (None, None, Some(last)),
        "if_statement" => {
            let (c, o) = if_parts(last);
            (c, None, o)
        }
        "for_statement" => match last.child_by_field_name("body") {
            Some(b) if b.kind() == "if_statement" => {
                let (c, o) = if_parts(b);
                (c, Some(last), o)
            }
            Some(b) if b.kind() == "object" => (None, Some(last), Some(b)),
            _ => (None, Some(last), None),
        },
        _ => (None, None, None),
    }
}

/// The collection a `for` loop runs over.
fn loop_collection(f: Node) -> Option<Node> {
    let init = f.child_by_field_name("initializer");
    let body = f.child_by_field_name("body");
    let mut found = None;
    for_each_child(f, |c| {
        if found.is_none()
            && Some(c) != init
            && Some(c) != body
            && c.kind() != "for_loop_parameters"
        {
            found = Some(c);
        }
    });
    found
}

/// An object's property value node by key.
fn object_property<'t>(obj: Node<'t>, text: &str, key: &str) -> Option<Node<'t>> {
    let mut found = None;
    for_each_child(obj, |p| {
        if found.is_none()
            && p.kind() == "object_property"
            && let (Some(k), Some(v)) = (named(p, 0), named(p, 1))
            && key_text(k, text) == key
        {
            found = Some(v);
        }
    });
    found
}

/// An object key: an identifier, or a quoted string.
fn key_text(k: Node, text: &str) -> String {
    if k.kind() == "string" {
        plain_string(k, text).unwrap_or_default()
    } else {
        node_text(k, text).to_string()
    }
}

/// A string literal without interpolation.
fn plain_string(n: Node, text: &str) -> Option<String> {
    if n.kind() != "string" {
        return None;
    }
    let mut out = String::new();
    let mut ok = true;
    for_each_child(n, |c| match string_piece(c, text) {
        Some(Ok(t)) => out.push_str(&t),
        _ => ok = false,
    });
    ok.then_some(out)
}

/// A child of a string literal: its text (an escape sequence resolved), or the expression
/// of an interpolation; `None` for anything else.
fn string_piece<'t>(c: Node<'t>, text: &str) -> Option<Result<String, Node<'t>>> {
    match c.kind() {
        "string_content" => Some(Ok(node_text(c, text).to_string())),
        "escape_sequence" => Some(Ok(unescape(node_text(c, text)))),
        "interpolation" => named(c, 0).map(Err),
        _ => None,
    }
}

fn unescape(s: &str) -> String {
    match s {
        "\\n" => "\n".into(),
        "\\r" => "\r".into(),
        "\\t" => "\t".into(),
        "\\\\" => "\\".into(),
        "\\'" => "'".into(),
        "\\$" => "$".into(),
        _ => {
            if let Some(hex) = s.strip_prefix("\\u{").and_then(|h| h.strip_suffix('}'))
                && let Some(c) = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            {
                return c.to_string();
            }
            s.trim_start_matches('\\').to_string()
        }
    }
}

/// A module path on disk (not `br:`, `br/alias:`, `ts:`, `ts/alias:`).
fn is_local(p: &str) -> bool {
    let lower = p.to_ascii_lowercase();
    !(lower.starts_with("br:")
        || lower.starts_with("br/")
        || lower.starts_with("ts:")
        || lower.starts_with("ts/"))
}

/// `param x = v` lines of a `.bicepparam` file as `var   x = v` (same byte length).
fn mask_params(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with("param ") || trimmed.starts_with("param\t") {
            let indent = line.len() - trimmed.len();
            out.push_str(&line[..indent]);
            out.push_str("var  ");
            out.push_str(&trimmed[5..]);
        } else {
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_bicepparam_lines_keeping_offsets() {
        let t = "using './main.bicep'\nparam a = 'x'\n  param b = true\n";
        let m = mask_params(t);
        assert_eq!(m.len(), t.len());
        assert!(m.contains("var   a = 'x'"));
        assert!(m.contains("  var   b = true"));
    }

    #[test]
    fn registry_modules_are_not_local() {
        assert!(!is_local("br:contoso.azurecr.io/bicep/acr:1.0"));
        assert!(!is_local(
            "br/public:avm/res/container-registry/registry:0.1.0"
        ));
        assert!(!is_local("ts:sub/rg/spec:1.0"));
        assert!(is_local("./modules/acr.bicep"));
    }
}
