//! Terraform evaluation: variables (defaults, tfvars, `--var-file`), locals, local modules,
//! references between resources, and the expressions that are statically known. Anything
//! else is Unknown, and an Unknown never produces a finding.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use hcl_edit::Span as _;
use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::template::{Element, Template};
use rayon::prelude::*;

use crate::config::Config;
use crate::eval::bind::{Memo, TfName};
use crate::eval::budget::{Budget, MAX_STRING_BYTES, Meter};
use crate::eval::cache::TerraformModule;
use crate::eval::functions::scalar_string;
use crate::eval::values;
use crate::finding::Finding;
use crate::model::{Instances, Key, Kind, Origin, Ref, Resource, Str, Value, ValueKind};
use crate::session::{Inputs, Session};
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::{Loaded, Workspace, normalize, parse};

/// Module calls nest at most this deep (a cycle of local modules stops here).
const MAX_MODULE_DEPTH: usize = 16;

/// A `dynamic` block over more elements than this is one block of unknown settings.
const MAX_DYNAMIC_BLOCKS: usize = 1000;

/// A parsed file with its comments, or its LINT001.
type Parsed = Result<(TfFile, Vec<parse::Comment>), Box<crate::finding::Finding>>;

/// The Terraform files of a folder: `.tf`, `.tf.json` and, with `vars`, the variable
/// files (`.tfvars`, `.tfvars.json`).
fn terraform_files(ws: &Workspace, dir: &Path, vars: bool) -> Vec<PathBuf> {
    let exts: &[&str] = if vars {
        &["tf", "tfvars", "json"]
    } else {
        &["tf", "json"]
    };
    ws.list_dir(dir, exts)
        .into_iter()
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            !name.ends_with(".json")
                || name.ends_with(".tf.json")
                || (vars && name.ends_with(".tfvars.json"))
        })
        .collect()
}

/// Parse a Terraform file in the syntax its name tells (native syntax from the session's
/// cache when the text did not change).
fn parse_file(session: Option<&Session>, id: FileId, file: &SourceFile) -> Parsed {
    let parsed = if parse::terraform::is_json(&file.path) {
        parse::terraform::parse_json(id, file).map(|p| (TfFile::Json(Arc::new(p.tree)), p.comments))
    } else {
        let parse = || parse::terraform::parse(id, file).map(|p| (Arc::new(p.tree), p.comments));
        match session {
            None => parse(),
            Some(session) => {
                let mut inputs = Inputs::default();
                inputs.file(id, &file.text);
                session.remember(&session.terraform_parse, id, inputs, parse)
            }
        }
        .map(|(body, c)| (TfFile::Hcl(body), c))
    };
    parsed.map_err(|e| Box::new(crate::rules::parse_error::finding(e.span, e.message)))
}

/// The assignments of a variable file (tfvars or `--var-file`) in either syntax.
fn var_entries(f: &TfFile) -> Vec<(&str, &Expression)> {
    match f {
        TfFile::Hcl(body) => body
            .attributes()
            .map(|a| (a.key.as_str(), &a.value))
            .collect(),
        TfFile::Json(root) => json_entries(root)
            .into_iter()
            .map(|(k, _, e)| (k, e))
            .collect(),
    }
}

/// The parsed files of one Terraform module (a folder).
#[derive(Default)]
struct Dir {
    /// `*.tf` and `*.tf.json`, by path.
    tf: Vec<(FileId, TfFile)>,
    /// `terraform.tfvars`, `*.auto.tfvars` and their `.json` forms, in Terraform's order.
    auto_vars: Vec<(FileId, TfFile)>,
}

/// Load every Terraform file given, the sibling files of their modules, and the local
/// modules they call; evaluate each root module into resources.
pub fn load(
    ws: &Workspace,
    sources: &mut SourceMap,
    files: &[FileId],
    config: &Config,
    budget: &Budget,
    session: Option<&Session>,
) -> Loaded {
    let mut out = Loaded::default();
    if files.is_empty() {
        return out;
    }
    let mut dirs: BTreeMap<PathBuf, Dir> = BTreeMap::new();
    let mut scanned_dirs: Vec<PathBuf> = Vec::new();
    let mut pending: Vec<FileId> = files.to_vec();
    let mut seen_dirs: HashSet<PathBuf> = HashSet::new();

    // Bring in the other files of each scanned module folder.
    for &id in files {
        let dir = parent(&sources.get(id).path);
        if seen_dirs.insert(dir.clone()) {
            scanned_dirs.push(dir.clone());
            for p in terraform_files(ws, &dir, true) {
                if sources.find(&p).is_none()
                    && let Some(text) = ws.read(&p)
                {
                    let display = crate::discover::display_path(&p);
                    pending.push(sources.add(SourceFile::new(p, display, text)));
                }
            }
        }
    }

    // Registry and git modules that `terraform init` fetched into a root module's
    // `.terraform/modules` (read only as module sources, never scanned on their own).
    let mut cached: HashMap<PathBuf, HashMap<String, TerraformModule>> = HashMap::new();
    for dir in &scanned_dirs {
        let modules = crate::eval::cache::terraform_modules(ws, dir);
        for mdir in modules.values().map(|m| &m.dir) {
            if seen_dirs.insert(mdir.clone()) {
                for p in terraform_files(ws, mdir, false) {
                    if sources.find(&p).is_none()
                        && let Some(text) = ws.read(&p)
                    {
                        let display = crate::discover::display_path(&p);
                        pending.push(sources.add(SourceFile::new(p, display, text)));
                    }
                }
            }
        }
        if !modules.is_empty() {
            cached.insert(dir.clone(), modules);
        }
    }

    // Parse in parallel, then follow local module sources (breadth first).
    let mut parsed_ids: HashSet<FileId> = HashSet::new();
    while !pending.is_empty() {
        let batch: Vec<FileId> = pending
            .drain(..)
            .filter(|id| parsed_ids.insert(*id))
            .collect();
        let results: Vec<(FileId, Parsed)> = batch
            .par_iter()
            .map(|&id| {
                let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    parse_file(session, id, sources.get(id))
                }));
                (id, parsed)
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|(id, parsed)| {
                let parsed = parsed.unwrap_or_else(|payload| {
                    let mut l = Loaded::default();
                    l.internal_error(&sources.get(id).display, Span::new(id, 0..0), &*payload);
                    out.internal_errors.append(&mut l.internal_errors);
                    Err(Box::new(l.findings.remove(0)))
                });
                (id, parsed)
            })
            .collect();
        let mut new_dirs = Vec::new();
        for (id, result) in results {
            let path = sources.get(id).path.clone();
            let dir = parent(&path);
            let body = match result {
                Ok((b, comments)) => {
                    out.add_comments(id, &sources.get(id).text, comments);
                    b
                }
                Err(f) => {
                    out.findings.push(*f);
                    continue;
                }
            };
            for src in local_module_sources(&body) {
                let target = normalize(&dir.join(&src));
                if seen_dirs.insert(target.clone()) {
                    new_dirs.push(target);
                }
            }
            let entry = dirs.entry(dir).or_default();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            if name.ends_with(".tf") || name.ends_with(".tf.json") {
                entry.tf.push((id, body));
            } else if matches!(&*name, "terraform.tfvars" | "terraform.tfvars.json")
                || name.ends_with(".auto.tfvars")
                || name.ends_with(".auto.tfvars.json")
            {
                entry.auto_vars.push((id, body));
            }
        }
        for dir in new_dirs {
            let listed = terraform_files(ws, &dir, false);
            if listed.is_empty() {
                out.notes.push(format!(
                    "{}: local module folder is empty, missing or outside the scanned tree; its values are unknown",
                    crate::discover::display_path(&dir)
                ));
            }
            for p in listed {
                if sources.find(&p).is_none()
                    && let Some(text) = ws.read(&p)
                {
                    let display = crate::discover::display_path(&p);
                    pending.push(sources.add(SourceFile::new(p, display, text)));
                }
            }
        }
    }
    for dir in dirs.values_mut() {
        dir.tf
            .sort_by(|a, b| sources.get(a.0).path.cmp(&sources.get(b.0).path));
        dir.auto_vars.sort_by(|a, b| {
            // `terraform.tfvars`, `terraform.tfvars.json`, then the `*.auto.*` files by name.
            let key = |id: FileId| {
                let p = &sources.get(id).path;
                let rank = if p.ends_with("terraform.tfvars") {
                    0
                } else if p.ends_with("terraform.tfvars.json") {
                    1
                } else {
                    2
                };
                (rank, p.clone())
            };
            key(a.0).cmp(&key(b.0))
        });
    }

    // Var files given on the command line or in the config.
    let mut var_files: Vec<(FileId, TfFile)> = Vec::new();
    for vf in &config.var_files {
        let p = match &config.root {
            Some(root) if vf.is_relative() && !vf.exists() => root.join(vf),
            _ => vf.clone(),
        };
        let p = normalize(&p);
        let id = match sources.find(&p) {
            Some(id) => id,
            None => match crate::discover::read_text(&p) {
                Ok(text) => {
                    let display = crate::discover::display_path(&p);
                    sources.add(SourceFile::new(p.clone(), display, text))
                }
                Err(e) => {
                    out.notes
                        .push(format!("cannot read var file {}: {e}", p.display()));
                    continue;
                }
            },
        };
        match parse_file(None, id, sources.get(id)) {
            Ok((b, comments)) => {
                out.add_comments(id, &sources.get(id).text, comments);
                var_files.push((id, b));
            }
            Err(f) => out.findings.push(*f),
        }
    }

    // Folders called as local modules by another scanned folder are evaluated through
    // their calls, not on their own.
    let called: HashSet<PathBuf> = dirs
        .iter()
        .flat_map(|(d, dir)| {
            dir.tf
                .iter()
                .flat_map(|(_, b)| local_module_sources(b))
                .map(|s| normalize(&d.join(s)))
                .filter(|t| t != d)
                .collect::<Vec<_>>()
        })
        .collect();
    let ctx = Ctx {
        dirs: &dirs,
        sources,
        cached: &cached,
    };
    // Root modules are independent: evaluate them in parallel, merge in folder order.
    let per_root: Vec<Loaded> = scanned_dirs
        .par_iter()
        .filter(|dir| !called.contains(*dir))
        .filter_map(|dir| {
            let d = dirs.get(dir)?;
            let &(first, _) = d.tf.first()?;
            let what = crate::discover::display_path(dir);
            let run = || {
                Loaded::guarded(&what, Span::new(first, 0..0), || {
                    evaluate_root(&ctx, budget, dir, d, &var_files)
                })
            };
            Some(match session {
                None => run(),
                Some(s) => {
                    let inputs = root_inputs(&ctx, dir, &var_files);
                    // Kept without the bodies no rule reads (dropped before the graph anyway).
                    let l = s.remember(&s.terraform, dir.clone(), inputs, || {
                        let mut l = run();
                        l.drop_unread_bodies();
                        Arc::new(l)
                    });
                    Arc::unwrap_or_clone(l)
                }
            })
        })
        .collect();
    for l in per_root {
        out.extend(l);
    }
    out
}

/// What the evaluation of the root module in `dir` reads: the files of every folder it may
/// reach through module calls (local sources, and the registry modules of its
/// `.terraform/modules`), with the folders missing, the var files and the module cache
/// entries. Whether the folder is a root at all is decided before.
fn root_inputs(ctx: &Ctx, dir: &Path, var_files: &[(FileId, TfFile)]) -> Inputs {
    let mut inputs = Inputs::default();
    let cached = ctx.cached.get(dir);
    let mut modules: Vec<(&String, &Path, &String, &Option<String>)> = cached
        .into_iter()
        .flatten()
        .map(|(k, m)| (k, m.dir.as_path(), &m.source, &m.version))
        .collect();
    modules.sort();
    inputs.fact(&modules);
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut todo: Vec<PathBuf> = vec![dir.to_path_buf()];
    todo.extend(cached.into_iter().flatten().map(|(_, m)| m.dir.clone()));
    todo.sort();
    while let Some(d) = todo.pop() {
        if !seen.insert(d.clone()) {
            continue;
        }
        inputs.fact(&d);
        let Some(parsed) = ctx.dirs.get(&d) else {
            inputs.fact(&"missing");
            continue;
        };
        for (id, body) in parsed.tf.iter().chain(&parsed.auto_vars) {
            inputs.file(*id, &ctx.sources.get(*id).text);
            for src in local_module_sources(body) {
                todo.push(normalize(&d.join(src)));
            }
        }
        inputs.fact(&"end");
    }
    for (id, _) in var_files {
        inputs.file(*id, &ctx.sources.get(*id).text);
    }
    inputs
}

/// Evaluate one root module (a scanned folder no other scanned folder calls).
fn evaluate_root(
    ctx: &Ctx,
    budget: &Budget,
    dir: &Path,
    d: &Dir,
    var_files: &[(FileId, TfFile)],
) -> Loaded {
    let sources = ctx.sources;
    let meter = Rc::new(Meter::new(budget, crate::discover::display_path(dir)));
    let mut inputs = HashMap::new();
    for (id, body) in d.auto_vars.iter().chain(var_files.iter()) {
        let file_name = sources
            .get(*id)
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let empty = Module::empty(ctx, meter.clone());
        for (key, value) in var_entries(body) {
            let v = empty.eval(value, *id);
            inputs.insert(
                key.to_string(),
                (v, format!("the value of `{key}` in {file_name}")),
            );
        }
    }
    let module = Module::new(
        ctx,
        meter.clone(),
        dir,
        Some(Arc::from(dir)),
        String::new(),
        inputs,
        Vec::new(),
        0,
    );
    let mut out = Loaded::default();
    module.collect(&mut out.resources, &mut out.notes, &mut out.findings);
    out.notes.extend(meter.take_notes());
    out
}

fn parent(p: &Path) -> PathBuf {
    p.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The `source` of each `module` block that names a local folder.
fn local_module_sources(file: &TfFile) -> Vec<String> {
    let decls: Vec<Decl> = match file {
        TfFile::Hcl(body) => body
            .blocks()
            .filter(|b| b.ident.as_str() == "module")
            .map(Decl::Hcl)
            .collect(),
        TfFile::Json(root) => json_decls(root)
            .into_iter()
            .filter(|(section, _)| *section == "module")
            .map(|(_, d)| d)
            .collect(),
    };
    decls
        .into_iter()
        .filter_map(|d| d.string_attr("source"))
        .filter(|s| is_local_source(s))
        .collect()
}

/// A parsed Terraform file: native syntax, or JSON syntax (`*.tf.json`, read as the
/// HCL object it also is, so every value keeps its place in the file).
#[derive(Clone)]
enum TfFile {
    Hcl(Arc<Body>),
    Json(Arc<Expression>),
}

/// A `resource`, `module`, `variable` or `output` declaration in either syntax.
#[derive(Clone, Copy)]
enum Decl<'a> {
    Hcl(&'a Block),
    Json {
        labels: [&'a str; 2],
        /// The name's key: where findings about the declaration point.
        header: Option<(usize, usize)>,
        body: &'a hcl_edit::expr::Object,
        span: Option<(usize, usize)>,
    },
}

impl<'a> Decl<'a> {
    fn label(&self, i: usize) -> Option<&'a str> {
        match self {
            Decl::Hcl(b) => b.labels.get(i).map(|l| l.as_str()),
            Decl::Json { labels, .. } => labels.get(i).copied().filter(|l| !l.is_empty()),
        }
    }

    fn attr(&self, key: &str) -> Option<&'a Expression> {
        match self {
            Decl::Hcl(b) => b.body.get_attribute(key).map(|a| &a.value),
            Decl::Json { body, .. } => body
                .iter()
                .find(|(k, _)| object_key(k) == Some(key))
                .map(|(_, v)| v.expr()),
        }
    }

    /// The arguments (of a module call).
    fn attrs(&self) -> Vec<(&'a str, &'a Expression)> {
        match self {
            Decl::Hcl(b) => b
                .body
                .attributes()
                .map(|a| (a.key.as_str(), &a.value))
                .collect(),
            Decl::Json { body, .. } => body
                .iter()
                .filter_map(|(k, v)| Some((object_key(k)?, v.expr())))
                .collect(),
        }
    }

    /// An argument written as a plain string.
    fn string_attr(&self, key: &str) -> Option<String> {
        match self.attr(key)? {
            Expression::String(s) => Some(s.as_str().to_string()),
            _ => None,
        }
    }

    fn span(&self) -> Option<std::ops::Range<usize>> {
        match self {
            Decl::Hcl(b) => b.span(),
            Decl::Json { span, .. } => span.map(|(a, b)| a..b),
        }
    }
}

/// An object key written as an identifier or a plain string.
fn object_key(k: &ObjectKey) -> Option<&str> {
    match k {
        ObjectKey::Ident(i) => Some(i.as_str()),
        ObjectKey::Expression(Expression::String(s)) => Some(s.as_str()),
        _ => None,
    }
}

/// The objects of a JSON-syntax section: an object, or an array of objects.
fn json_objects(e: &Expression) -> Vec<&hcl_edit::expr::Object> {
    match e {
        Expression::Object(o) => vec![o],
        Expression::Array(a) => a
            .iter()
            .filter_map(|x| match x {
                Expression::Object(o) => Some(o),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The entries of the objects of a JSON-syntax section, with their key's span.
fn json_entries(e: &Expression) -> Vec<(&str, Option<std::ops::Range<usize>>, &Expression)> {
    json_objects(e)
        .into_iter()
        .flat_map(|o| o.iter())
        .filter_map(|(k, v)| Some((object_key(k)?, k.span(), v.expr())))
        .collect()
}

/// What a JSON-syntax file declares, in file order: each top-level section's name (`resource`,
/// `variable`, `locals`, ...) with its declarations. Resources are two levels deep (type,
/// name), the others one (name); `locals` gives its entries as they are.
fn json_decls(root: &Expression) -> Vec<(&str, Decl<'_>)> {
    let mut out = Vec::new();
    for (section, _, value) in json_entries(root) {
        let two = matches!(section, "resource" | "data");
        let one = matches!(section, "module" | "variable" | "output");
        if !two && !one {
            continue;
        }
        for (first, first_span, inner) in json_entries(value) {
            let named: Vec<(&str, &str, Option<std::ops::Range<usize>>, &Expression)> = if two {
                json_entries(inner)
                    .into_iter()
                    .map(|(n, sp, e)| (first, n, sp, e))
                    .collect()
            } else {
                vec![(first, "", first_span.clone(), inner)]
            };
            for (a, b, header, e) in named {
                for body in json_objects(e) {
                    out.push((
                        section,
                        Decl::Json {
                            labels: [a, b],
                            header: header.as_ref().map(|r| (r.start, r.end)),
                            body,
                            span: e.span().map(|r| (r.start, r.end)),
                        },
                    ));
                }
            }
        }
    }
    out
}

fn is_local_source(s: &str) -> bool {
    s.starts_with("./") || s.starts_with("../")
}

/// The azurerm types whose ARM type is known, for ids written as literal strings.
fn arm_type_of(tf_type: &str) -> Option<&'static str> {
    Some(match tf_type {
        "azurerm_container_registry" => "Microsoft.ContainerRegistry/registries",
        "azurerm_private_endpoint" => "Microsoft.Network/privateEndpoints",
        "azurerm_private_dns_zone" => "Microsoft.Network/privateDnsZones",
        "azurerm_virtual_network" => "Microsoft.Network/virtualNetworks",
        "azurerm_kubernetes_cluster" => "Microsoft.ContainerService/managedClusters",
        _ => return None,
    })
}

struct Ctx<'a> {
    dirs: &'a BTreeMap<PathBuf, Dir>,
    sources: &'a SourceMap,
    /// The cached registry and git modules of each root module folder, by module key.
    cached: &'a HashMap<PathBuf, HashMap<String, TerraformModule>>,
}

/// One instance of a module (the root, or a module call) being evaluated.
struct Module<'a> {
    ctx: &'a Ctx<'a>,
    /// The limits of the root module's evaluation, shared by its module instances.
    meter: Rc<Meter<'a>>,
    dir: PathBuf,
    /// The root module's folder: its `.terraform/modules` holds the cached modules.
    root: PathBuf,
    /// True inside a module read from the module cache (its files are not the repository's).
    in_cache: bool,
    /// The root module's folder, which resource keys name (with `prefix`, unique per module
    /// instance); `None` outside of any module.
    key_root: Option<Arc<Path>>,
    /// `module.a.module.b.` for nested modules; empty at the root.
    prefix: String,
    /// The `resource` and `module` declarations, in file order.
    decls: Vec<(FileId, &'a str, Decl<'a>)>,
    /// Each variable's default, when it has one.
    variables: HashMap<&'a str, (FileId, Option<&'a Expression>)>,
    /// Values given from outside: tfvars at the root, arguments in a module call.
    inputs: HashMap<String, (Value, String)>,
    locals: HashMap<&'a str, (FileId, &'a Expression)>,
    resources: HashMap<(&'a str, &'a str), (FileId, Decl<'a>)>,
    /// The `data` blocks: what they look up is deployed elsewhere.
    data: HashMap<(&'a str, &'a str), (FileId, Decl<'a>)>,
    calls: HashMap<&'a str, (FileId, Decl<'a>)>,
    outputs: HashMap<&'a str, (FileId, &'a Expression)>,
    via: Vec<Origin>,
    depth: usize,
    /// The folders of this module and its callers: a call back into one is a cycle.
    chain: Vec<PathBuf>,
    /// The names of the module calls from the root to this module (no instance keys).
    calls_from_root: Vec<String>,
    /// Variables, locals, outputs and resource bodies and attributes, evaluated once.
    bound: Memo<TfName>,
    children: RefCell<HashMap<String, Option<Rc<Module<'a>>>>>,
    /// Names bound by `for` expressions, `dynamic` blocks and resource loops (`each`,
    /// `count`), innermost last; empty while a variable, local or output is evaluated.
    scope: RefCell<Vec<(String, Value)>>,
}

impl<'a> Module<'a> {
    /// A module with no files: evaluates literals (tfvars values) only.
    fn empty(ctx: &'a Ctx<'a>, meter: Rc<Meter<'a>>) -> Module<'a> {
        let nowhere = Path::new("");
        Module::new(
            ctx,
            meter,
            nowhere,
            None,
            String::new(),
            HashMap::new(),
            Vec::new(),
            0,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn new(
        ctx: &'a Ctx<'a>,
        meter: Rc<Meter<'a>>,
        dir: &Path,
        key_root: Option<Arc<Path>>,
        prefix: String,
        inputs: HashMap<String, (Value, String)>,
        via: Vec<Origin>,
        depth: usize,
    ) -> Module<'a> {
        let files = ctx.dirs.get(dir).map(|d| d.tf.as_slice()).unwrap_or(&[]);
        let mut m = Module {
            ctx,
            meter,
            dir: dir.to_path_buf(),
            root: dir.to_path_buf(),
            in_cache: false,
            key_root,
            bound: Memo::new(prefix.clone()),
            prefix,
            decls: Vec::new(),
            variables: HashMap::new(),
            inputs,
            locals: HashMap::new(),
            resources: HashMap::new(),
            data: HashMap::new(),
            calls: HashMap::new(),
            outputs: HashMap::new(),
            via,
            depth,
            chain: vec![dir.to_path_buf()],
            calls_from_root: Vec::new(),
            children: RefCell::default(),
            scope: RefCell::default(),
        };
        for (id, parsed) in files {
            let id = *id;
            let decls: Vec<(&str, Decl)> = match parsed {
                TfFile::Hcl(body) => {
                    for block in body.blocks().filter(|b| b.ident.as_str() == "locals") {
                        for a in block.body.attributes() {
                            m.locals.insert(a.key.as_str(), (id, &a.value));
                        }
                    }
                    body.blocks()
                        .map(|b| (b.ident.as_str(), Decl::Hcl(b)))
                        .collect()
                }
                TfFile::Json(root) => {
                    for (section, _, value) in json_entries(root) {
                        if section == "locals" {
                            for (k, _, e) in json_entries(value) {
                                m.locals.insert(k, (id, e));
                            }
                        }
                    }
                    json_decls(root)
                }
            };
            for (section, decl) in decls {
                match (section, decl.label(0), decl.label(1)) {
                    ("variable", Some(n), _) => {
                        m.variables.insert(n, (id, decl.attr("default")));
                    }
                    ("resource", Some(t), Some(n)) => {
                        m.resources.insert((t, n), (id, decl));
                        m.decls.push((id, section, decl));
                    }
                    // A looked-up resource is a node to refer to; looped lookups stay
                    // unknown.
                    ("data", Some(t), Some(n))
                        if decl.attr("count").is_none() && decl.attr("for_each").is_none() =>
                    {
                        m.data.insert((t, n), (id, decl));
                        m.decls.push((id, section, decl));
                    }
                    ("module", Some(n), _) => {
                        m.calls.insert(n, (id, decl));
                        m.decls.push((id, section, decl));
                    }
                    ("output", Some(n), _) => {
                        if let Some(v) = decl.attr("value") {
                            m.outputs.insert(n, (id, v));
                        }
                    }
                    _ => {}
                }
            }
        }
        m
    }

    fn span(&self, file: FileId, range: Option<std::ops::Range<usize>>) -> Span {
        Span::new(file, range.unwrap_or(0..0))
    }

    fn text(&self, span: Span) -> &str {
        self.ctx.sources.text(span)
    }

    /// A name's value, evaluated once by `f` (`eval::bind`), outside of any `for` or
    /// loop names.
    fn memo(&self, key: TfName, span: Span, f: impl FnOnce() -> Value) -> Value {
        self.bound.get(&self.meter, key, span, || self.isolated(f))
    }

    // ---- resources -------------------------------------------------------------------

    fn collect(
        &self,
        out: &mut Vec<Resource>,
        notes: &mut Vec<String>,
        findings: &mut Vec<Finding>,
    ) {
        for &(id, section, decl) in &self.decls {
            match section {
                "resource" => out.extend(self.resource(id, decl)),
                "data" => out.extend(self.data_source(id, decl)),
                _ => self.collect_module(id, decl, out, notes, findings),
            }
        }
    }

    fn header_span(&self, file: FileId, decl: Decl) -> Span {
        let block = match decl {
            Decl::Hcl(b) => b,
            Decl::Json { header, .. } => return self.span(file, header.map(|(a, b)| a..b)),
        };
        let start = block.ident.span().map_or(0, |r| r.start);
        let end = block
            .labels
            .last()
            .and_then(|l| l.span())
            .or_else(|| block.ident.span())
            .map_or(start, |r| r.end);
        Span::new(file, start..end)
    }

    /// `count = 0` / `for_each = {}` remove the resource (`Err`); a loop is described,
    /// with its instances when the collection is known and small: each one's address
    /// suffix (`[0]`, `["key"]`) and the names it binds (`count`, `each`).
    fn instances(&self, file: FileId, decl: Decl) -> Result<Option<Loop>, ()> {
        for meta in ["count", "for_each"] {
            let Some(attr) = decl.attr(meta) else {
                continue;
            };
            let v = self.eval(attr, file);
            let empty = match &v.kind {
                ValueKind::Number(n) => *n <= 0.0,
                ValueKind::List(l) => l.is_empty(),
                ValueKind::Object(o) => o.is_empty(),
                _ => false,
            };
            if empty {
                return Err(());
            }
            let span = self.span(file, attr.span());
            let known = if meta == "count" {
                count_instances(&v)
            } else {
                each_instances(&v)
            };
            return Ok(Some(Loop {
                instances: Instances {
                    describe: format!(
                        "{meta} = {}",
                        crate::sanitize::excerpt(self.text(span).trim())
                    ),
                    span,
                },
                known,
            }));
        }
        Ok(None)
    }

    /// The key of a resource (or instance) at `address` in this module's root.
    fn key(&self, address: String) -> Key {
        Key::Terraform {
            root: self.key_root.clone(),
            address: address.into(),
        }
    }

    /// A `data` block: a resource deployed elsewhere, looked up by its arguments. It is a
    /// node that references reach (`data.azurerm_container_registry.acr.id`), marked
    /// `existing`: rules never judge its settings.
    fn data_source(&self, file: FileId, decl: Decl) -> Option<Resource> {
        let (Some(ty), Some(name)) = (decl.label(0), decl.label(1)) else {
            return None;
        };
        let whole = self.span(file, decl.span());
        let key = TfName::body(true, ty, name, "");
        let body = self.memo(key, whole, || self.decl_value(file, decl, whole));
        Some(Resource {
            id: Default::default(),
            kind: Kind::from_terraform(ty),
            format: crate::model::Format::Terraform,
            native_type: ty.to_string(),
            address: format!("{}data.{ty}.{name}", self.prefix),
            keys: vec![self.key(format!("{}data.{ty}.{name}", self.prefix))],
            span: self.header_span(file, decl),
            name: body.get("name").cloned(),
            body,
            instances: None,
            via: self.via.clone(),
            existing: true,
        })
    }

    fn resource(&self, file: FileId, decl: Decl) -> Vec<Resource> {
        let (Some(ty), Some(name)) = (decl.label(0), decl.label(1)) else {
            return Vec::new();
        };
        let Ok(looped) = self.instances(file, decl) else {
            return Vec::new();
        };
        let header = self.header_span(file, decl);
        let whole = self.span(file, decl.span());
        // Keys: the block's, and one per known instance (`...acr["dev"]`), so a reference
        // with a known index finds its instance; a resource for one instance has its
        // own key first.
        let base = format!("{}{ty}.{name}", self.prefix);
        let make = |body: Value, suffixes: &[&str], instances: Option<Instances>| {
            let res_name = body.get("name").cloned();
            let mut keys: Vec<Key> = suffixes
                .iter()
                .map(|s| self.key(format!("{base}{s}")))
                .collect();
            let suffix = match suffixes {
                [one] if instances.is_none() => *one,
                _ => "",
            };
            if suffix.is_empty() {
                keys.insert(0, self.key(base.clone()));
            } else {
                keys.push(self.key(base.clone()));
            }
            if let (Some(arm), Some(n)) =
                (arm_type_of(ty), res_name.as_ref().and_then(Value::as_str))
            {
                keys.push(Key::type_name(arm, n));
            }
            Resource {
                id: Default::default(),
                kind: Kind::from_terraform(ty),
                format: crate::model::Format::Terraform,
                native_type: ty.to_string(),
                address: format!("{}{ty}.{name}{suffix}", self.prefix),
                keys,
                span: header,
                body,
                name: res_name,
                instances,
                via: self.via.clone(),
                existing: false,
            }
        };
        match looped {
            Some(Loop {
                instances,
                known: Some(known),
            }) => {
                // Each instance with its own `count.index` / `each`: one resource when
                // they all come out the same, else one per instance.
                let bodies: Vec<(String, Value)> = known
                    .into_iter()
                    .map(|(suffix, names)| {
                        let key = TfName::body(false, ty, name, &suffix);
                        let body = self.memo(key, header, || {
                            self.with_bound(names, || self.decl_value(file, decl, whole))
                        });
                        (suffix, body)
                    })
                    .collect();
                let same = bodies.windows(2).all(|w| values::same(&w[0].1, &w[1].1));
                if same {
                    let suffixes: Vec<&str> = bodies.iter().map(|(s, _)| s.as_str()).collect();
                    let body = bodies.first().map(|(_, b)| b.clone());
                    return body
                        .map(|b| make(b, &suffixes, Some(instances)))
                        .into_iter()
                        .collect();
                }
                bodies
                    .into_iter()
                    .map(|(suffix, body)| make(body, &[suffix.as_str()], None))
                    .collect()
            }
            looped => {
                let key = TfName::body(false, ty, name, "");
                let body = self.memo(key, header, || self.decl_value(file, decl, whole));
                vec![make(body, &[], looped.map(|l| l.instances))]
            }
        }
    }

    /// A declaration's arguments and blocks as an object.
    fn decl_value(&self, file: FileId, decl: Decl, whole: Span) -> Value {
        match decl {
            Decl::Hcl(b) => self.body_value(file, &b.body, whole),
            // Blocks are objects (or lists of them) in JSON syntax: their value is the same.
            Decl::Json { body, .. } => {
                let mut entries = Vec::new();
                for (k, v) in body.iter() {
                    let Some(k) = object_key(k) else { continue };
                    if k == "dynamic" {
                        let span = self.span(file, v.expr().span());
                        for (label, b) in self.dynamic_json(file, v.expr()) {
                            push_block(&mut entries, label, b, span);
                        }
                        continue;
                    }
                    if !matches!(
                        k,
                        "count" | "for_each" | "depends_on" | "lifecycle" | "provider"
                    ) {
                        entries.push((k.into(), self.eval(v.expr(), file)));
                    }
                }
                Value::new(ValueKind::Object(entries), whole)
            }
        }
    }

    /// A block body as an object: arguments, nested blocks (repeated ones as a list),
    /// `dynamic` blocks expanded into the blocks they make.
    fn body_value(&self, file: FileId, body: &Body, span: Span) -> Value {
        let mut entries: Vec<(Str, Value)> = Vec::new();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    entries.push((a.key.as_str().into(), self.eval(&a.value, file)));
                }
                Structure::Block(b) => {
                    let bspan = self.span(file, b.span());
                    if b.ident.as_str() == "dynamic" {
                        let key = b.labels.first().map(|l| l.as_str()).unwrap_or("dynamic");
                        for v in self.dynamic_hcl(file, b, bspan) {
                            push_block(&mut entries, key.into(), v, bspan);
                        }
                    } else {
                        let v = self.body_value(file, &b.body, bspan);
                        push_block(&mut entries, b.ident.as_str().into(), v, bspan);
                    }
                }
            }
        }
        Value::new(ValueKind::Object(entries), span)
    }

    /// The blocks a `dynamic` block makes: its `content` once per element of `for_each`,
    /// with the iterator (named by `iterator`, else the block's label) bound to the
    /// element's `key` and `value`. A `for_each` not known gives one block whose every
    /// setting is unknown: it may or may not be there, and is never taken as absent.
    fn dynamic_blocks(
        &self,
        file: FileId,
        label: &str,
        for_each: Option<&Expression>,
        iterator: Option<&Expression>,
        bspan: Span,
        content: &dyn Fn() -> Value,
    ) -> Vec<Value> {
        // `dynamic` blocks inside `dynamic` blocks recurse: one level each.
        let Some(_level) = self.meter.enter() else {
            let why = format!("`dynamic \"{}\"`", crate::sanitize::excerpt(label));
            return vec![self.meter.too_deep(&why, bspan)];
        };
        let iterator = match iterator {
            Some(Expression::Variable(v)) => v.as_str().to_string(),
            // JSON syntax names it in a string.
            Some(Expression::String(s)) => s.as_str().to_string(),
            _ => label.to_string(),
        };
        let coll = match for_each {
            Some(e) => self.eval(e, file),
            None => Value::unknown("a `dynamic` block without `for_each`", bspan),
        };
        let each = |k: Value, v: Value| {
            let it = Value::new(
                ValueKind::Object(vec![("key".into(), k), ("value".into(), v)]),
                bspan,
            );
            self.with_bound(vec![(iterator.clone(), it)], content)
        };
        let unknown = |why: String| {
            let v = each(
                Value::unknown(why.clone(), bspan),
                Value::unknown(why.clone(), bspan),
            );
            vec![all_unknown(v, &why, 0)]
        };
        match elements(&coll) {
            Some(items) if items.len() <= MAX_DYNAMIC_BLOCKS => {
                let mut out = Vec::with_capacity(items.len());
                for (k, v) in items {
                    if !self.meter.spend(64) {
                        return unknown("the evaluation budget is spent".to_string());
                    }
                    out.push(each(k, v));
                }
                out
            }
            _ => unknown(format!(
                "the `for_each` of `dynamic \"{}\"` is not known",
                crate::sanitize::excerpt(label)
            )),
        }
    }

    /// [`Module::dynamic_blocks`] of a `dynamic` block in native syntax.
    fn dynamic_hcl(&self, file: FileId, b: &Block, bspan: Span) -> Vec<Value> {
        let label = b.labels.first().map(|l| l.as_str()).unwrap_or("dynamic");
        let Some(content) = b.body.blocks().find(|c| c.ident.as_str() == "content") else {
            return Vec::new();
        };
        let cspan = self.span(file, content.span());
        let attr = |k: &str| b.body.get_attribute(k).map(|a| &a.value);
        self.dynamic_blocks(
            file,
            label,
            attr("for_each"),
            attr("iterator"),
            bspan,
            &|| self.body_value(file, &content.body, cspan),
        )
    }

    /// The blocks of a `"dynamic": {"label": {"for_each": ..., "content": {...}}}` entry
    /// in JSON syntax, by label.
    fn dynamic_json(&self, file: FileId, e: &Expression) -> Vec<(Str, Value)> {
        let mut out = Vec::new();
        for (label, _, spec) in json_entries(e) {
            for obj in json_objects(spec) {
                let get = |k: &str| {
                    obj.iter()
                        .find(|(key, _)| object_key(key) == Some(k))
                        .map(|(_, v)| v.expr())
                };
                let Some(content) = get("content") else {
                    continue;
                };
                let bspan = self.span(file, spec.span());
                let blocks = self.dynamic_blocks(
                    file,
                    label,
                    get("for_each"),
                    get("iterator"),
                    bspan,
                    &|| self.eval(content, file),
                );
                out.extend(blocks.into_iter().map(|b| (Str::from(label), b)));
            }
        }
        out
    }

    // ---- modules ---------------------------------------------------------------------

    fn child(&self, call: &str) -> Option<Rc<Module<'a>>> {
        self.child_instance(call, "", Vec::new())
    }

    /// One instance of a module call (`suffix` `["dev"]` or `[0]` of a loop over a known
    /// collection, empty otherwise), its arguments evaluated with `names` (`each`,
    /// `count`) bound.
    fn child_instance(
        &self,
        call: &str,
        suffix: &str,
        names: Vec<(String, Value)>,
    ) -> Option<Rc<Module<'a>>> {
        let key = format!("{call}{suffix}");
        if let Some(c) = self.children.borrow().get(&key) {
            return c.clone();
        }
        let made = self
            .isolated(|| self.with_bound(names, || self.make_child(call, suffix)))
            .map(Rc::new);
        self.children.borrow_mut().insert(key, made.clone());
        made
    }

    /// The instance `suffix` of the module call `call`, when its loop is known.
    fn child_at(&self, call: &str, suffix: &str) -> Option<Rc<Module<'a>>> {
        let &(file, block) = self.calls.get(call)?;
        let names = match self.isolated(|| self.instances(file, block)) {
            Ok(Some(Loop {
                known: Some(known), ..
            })) => known.into_iter().find(|(s, _)| s == suffix)?.1,
            _ => return None,
        };
        self.child_instance(call, suffix, names)
    }

    fn make_child(&self, call: &str, suffix: &str) -> Option<Module<'a>> {
        let &(file, block) = self.calls.get(call)?;
        if self.depth >= MAX_MODULE_DEPTH {
            return None;
        }
        let source = match block.attr("source") {
            Some(Expression::String(s)) => s.as_str().to_string(),
            _ => return None,
        };
        let (dir, from_cache) = if is_local_source(&source) {
            (normalize(&self.dir.join(source)), false)
        } else {
            let entry = self.cached_entry(call)?;
            let version = block.string_attr("version");
            if entry.stale_for(&source, version.as_deref()).is_some() {
                return None;
            }
            (entry.dir.clone(), true)
        };
        if !self.ctx.dirs.contains_key(&dir) || self.chain.contains(&dir) {
            return None;
        }
        if !self
            .meter
            .module_instance(&format!("{}module.{call}{suffix}", self.prefix))
        {
            return None;
        }
        let mut inputs = HashMap::new();
        for (k, value) in block.attrs() {
            if matches!(
                k,
                "source" | "version" | "count" | "for_each" | "providers" | "depends_on"
            ) {
                continue;
            }
            let v = self.eval(value, file);
            inputs.insert(
                k.to_string(),
                (v, format!("the `{k}` argument of module `{call}`")),
            );
        }
        let header = self.header_span(file, block);
        let mut via = self.via.clone();
        via.push(Origin {
            span: header,
            what: format!("in module `{}{call}{suffix}`, called here", self.prefix),
        });
        let prefix = format!("{}module.{call}{suffix}.", self.prefix);
        let mut child = Module::new(
            self.ctx,
            self.meter.clone(),
            &dir,
            self.key_root.clone(),
            prefix,
            inputs,
            via,
            self.depth + 1,
        );
        child.chain = self.chain.clone();
        child.chain.push(dir);
        child.root = self.root.clone();
        child.in_cache = self.in_cache || from_cache;
        child.calls_from_root = self.calls_from_root.clone();
        child.calls_from_root.push(call.to_string());
        Some(child)
    }

    /// What `terraform init` recorded for the call `call` of this module.
    fn cached_entry(&self, call: &str) -> Option<&'a TerraformModule> {
        self.ctx.cached.get(&self.root)?.get(&self.module_key(call))
    }

    /// The key `terraform init` gives the call `call` of this module: the calls from the
    /// root joined with `.` (`acr.private_endpoint`).
    fn module_key(&self, call: &str) -> String {
        let mut parts: Vec<&str> = self.calls_from_root.iter().map(String::as_str).collect();
        parts.push(call);
        parts.join(".")
    }

    fn collect_module(
        &self,
        file: FileId,
        block: Decl,
        out: &mut Vec<Resource>,
        notes: &mut Vec<String>,
        findings: &mut Vec<Finding>,
    ) {
        let Some(call) = block.label(0) else {
            return;
        };
        // A loop over a known collection: one module instance per element.
        let instances = match self.instances(file, block) {
            Err(()) => return,
            Ok(Some(Loop {
                known: Some(known), ..
            })) => known,
            Ok(_) => vec![(String::new(), Vec::new())],
        };
        for (suffix, names) in instances {
            if !self.collect_instance(file, block, call, &suffix, names, out, notes, findings) {
                break;
            }
        }
    }

    /// Collect the resources of one instance of a module call; false when the module
    /// cannot be followed (said once, for all its instances).
    #[allow(clippy::too_many_arguments)]
    fn collect_instance(
        &self,
        file: FileId,
        block: Decl,
        call: &str,
        suffix: &str,
        names: Vec<(String, Value)>,
        out: &mut Vec<Resource>,
        notes: &mut Vec<String>,
        findings: &mut Vec<Finding>,
    ) -> bool {
        match self.child_instance(call, suffix, names) {
            // A module from the cache: what it finds is reported at this call.
            Some(child) if child.in_cache && !self.in_cache => {
                let mut found = Vec::new();
                child.collect(&mut found, notes, findings);
                let sources = self.ctx.sources;
                let hidden =
                    |f: FileId| crate::eval::cache::is_terraform_cache_file(&sources.get(f).path);
                let call_span = self.header_span(file, block);
                for mut r in found {
                    crate::eval::cache::relocate(&mut r, &hidden, call_span);
                    out.push(r);
                }
                true
            }
            Some(child) => {
                child.collect(out, notes, findings);
                true
            }
            None if !self.in_cache && self.is_remote_call(block) => {
                findings.push(self.not_analysed(file, block, call));
                false
            }
            None => {
                let src = block
                    .attr("source")
                    .map(|a| self.text(self.span(file, a.span())).to_string())
                    .unwrap_or_default();
                notes.push(format!(
                    "{}: module `{}{call}` (source {src}) cannot be followed (a remote source, a folder outside the scanned tree, a cycle, or past the limit of module instances); its resources are unknown",
                    self.ctx.sources.get(file).display,
                    self.prefix
                ));
                false
            }
        }
    }

    /// A call of a registry or git module (not a local folder).
    fn is_remote_call(&self, block: Decl) -> bool {
        matches!(
            block.attr("source"),
            Some(Expression::String(s)) if !is_local_source(s.as_str())
        )
    }

    /// LINT003 at the `source` of a registry or git module that is not in the cache.
    fn not_analysed(&self, file: FileId, block: Decl, call: &str) -> Finding {
        let source = block.string_attr("source").unwrap_or_default();
        let version = block.string_attr("version");
        let why = self
            .cached_entry(call)
            .and_then(|e| e.stale_for(&source, version.as_deref()))
            .unwrap_or_else(|| "it is not in the local module cache".to_string());
        let version = version
            .map(|v| format!(" version {}", crate::sanitize::excerpt(&v)))
            .unwrap_or_default();
        let at = block.attr("source").map_or_else(
            || self.header_span(file, block),
            |a| self.span(file, a.span()),
        );
        crate::rules::module_not_analysed::finding(
            at,
            format!(
                "module `{}` (`{}`{version}) was not analysed: {why} ({})",
                crate::sanitize::excerpt(call),
                crate::sanitize::excerpt(&source),
                crate::eval::cache::RESTORE_HINT_TERRAFORM
            ),
        )
    }

    // ---- expressions -----------------------------------------------------------------

    fn var(&self, name: &str, span: Span) -> Value {
        let key = TfName::Var(name.into());
        if let Some((v, what)) = self.inputs.get(name) {
            return self
                .memo(key, span, || v.clone())
                .used_at(span, what.clone());
        }
        let Some(&(file, default)) = self.variables.get(name) else {
            return Value::unknown(format!("variable `{name}` is not declared"), span);
        };
        match default {
            Some(d) => self
                .memo(key, span, || self.eval(d, file))
                .used_at(span, format!("the default of variable `{name}`")),
            None => Value::unknown(
                format!("variable `{name}` has no default and no value in tfvars"),
                span,
            ),
        }
    }

    fn local(&self, name: &str, span: Span) -> Value {
        let Some(&(file, expr)) = self.locals.get(name) else {
            return Value::unknown(format!("local `{name}` is not declared"), span);
        };
        self.memo(TfName::Local(name.into()), span, || self.eval(expr, file))
            .used_at(span, format!("local `{name}`"))
    }

    fn lookup_attr(
        &self,
        what: Lookup,
        ty: &str,
        name: &str,
        suffix: Option<&str>,
        attr: Option<&str>,
        span: Span,
    ) -> Value {
        let suffix = suffix.unwrap_or("");
        let (blocks, prefix) = match what {
            Lookup::Resource => (&self.resources, ""),
            Lookup::Data => (&self.data, "data."),
        };
        let key = self.key(format!("{}{prefix}{ty}.{name}{suffix}", self.prefix));
        let reference = |attr: &str| {
            Value::new(
                ValueKind::Ref(Box::new(Ref {
                    target: key.clone(),
                    attr: attr.to_string(),
                })),
                span,
            )
        };
        let Some(attr) = attr else {
            return reference("");
        };
        if attr == "id" {
            return reference(attr);
        }
        if let Some(&(file, block)) = blocks.get(&(ty, name))
            && let Some(a) = block.attr(attr)
        {
            let key = TfName::attr(matches!(what, Lookup::Data), ty, name, suffix, attr);
            let v = self.memo(key, span, || {
                // One instance's attribute sees its `count.index` / `each`.
                let names = match self.instances(file, block) {
                    Ok(Some(Loop {
                        known: Some(known), ..
                    })) if !suffix.is_empty() => known
                        .into_iter()
                        .find(|(s, _)| s == suffix)
                        .map(|(_, names)| names)
                        .unwrap_or_default(),
                    _ => Vec::new(),
                };
                self.with_bound(names, || self.eval(a, file))
            });
            if !v.is_unknown() {
                return v.used_at(span, format!("`{attr}` of `{prefix}{ty}.{name}{suffix}`"));
            }
        }
        reference(attr)
    }

    fn module_output(
        &self,
        child: Option<Rc<Module<'a>>>,
        call: &str,
        output: &str,
        span: Span,
    ) -> Value {
        let Some(child) = child else {
            return Value::unknown(format!("module `{call}` is not a local module"), span);
        };
        let Some(&(file, expr)) = child.outputs.get(output) else {
            return Value::unknown(format!("module `{call}` has no output `{output}`"), span);
        };
        let v = child.memo(TfName::Output(output.into()), span, || {
            child.eval(expr, file)
        });
        match v.kind {
            ValueKind::Ref(_) => Value { span, ..v },
            _ => v.used_at(span, format!("output `{output}` of module `{call}`")),
        }
    }

    fn eval(&self, e: &Expression, file: FileId) -> Value {
        if self.meter.spent() {
            return Value::unknown("the evaluation budget is spent", self.span(file, e.span()));
        }
        let Some(_level) = self.meter.enter() else {
            let span = self.span(file, e.span());
            return self.meter.too_deep(self.text(span), span);
        };
        self.eval_inner(e, file)
    }

    fn eval_inner(&self, e: &Expression, file: FileId) -> Value {
        let span = self.span(file, e.span());
        match e {
            Expression::Null(_) => Value::new(ValueKind::Null, span),
            Expression::Bool(b) => Value::bool(**b, span),
            Expression::Number(n) => Value::new(ValueKind::Number(n.as_f64().unwrap_or(0.0)), span),
            Expression::String(s) => Value::string(s.as_str(), span),
            Expression::Array(a) => Value::new(
                ValueKind::List(a.iter().map(|x| self.eval(x, file)).collect()),
                span,
            ),
            Expression::Object(o) => {
                let mut entries = Vec::new();
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => i.as_str().into(),
                        ObjectKey::Expression(ke) => match self.eval(ke, file).kind {
                            ValueKind::String(s) => s,
                            _ => return Value::unknown("object key is not known", span),
                        },
                    };
                    entries.push((key, self.eval(v.expr(), file)));
                }
                Value::new(ValueKind::Object(entries), span)
            }
            Expression::StringTemplate(t) => self.template(t, span, file),
            Expression::HeredocTemplate(h) => self.template(&h.template, span, file),
            Expression::Parenthesis(p) => {
                let v = self.eval(p.inner(), file);
                Value { span, ..v }
            }
            Expression::Variable(v) => match self.bound(v.as_str(), span) {
                Some(b) => b,
                None => Value::unknown(format!("`{}` is not known statically", v.as_str()), span),
            },
            Expression::Conditional(c) => {
                let cond = self.eval(&c.cond_expr, file);
                match cond.as_bool() {
                    Some(true) => self.eval(&c.true_expr, file).carrying(&cond),
                    Some(false) => self.eval(&c.false_expr, file).carrying(&cond),
                    None => {
                        let a = self.eval(&c.true_expr, file);
                        let b = self.eval(&c.false_expr, file);
                        if !a.has_unknown() && a.kind == b.kind {
                            Value { span, ..a }
                        } else {
                            Value::unknown("condition is not known", span)
                        }
                    }
                }
            }
            Expression::FuncCall(f) => {
                let args: Vec<Value> = f.args.iter().map(|a| self.eval(a, file)).collect();
                let name = f.name.name.as_str();
                let name = if f.name.is_namespaced() { "" } else { name };
                let v = super::functions::call_terraform(name, args, span);
                self.meter.check(v, &format!("the value of `{name}(...)`"))
            }
            Expression::Traversal(t) => self.traversal(t, span, file),
            Expression::UnaryOp(u) => {
                let v = self.eval(&u.expr, file);
                let kind = match (*u.operator, &v.kind) {
                    (UnaryOperator::Not, _) => v.as_bool().map(|b| ValueKind::Bool(!b)),
                    (UnaryOperator::Neg, ValueKind::Number(n)) => Some(ValueKind::Number(-n)),
                    _ => None,
                };
                match kind {
                    Some(k) => Value {
                        kind: k,
                        span,
                        origins: v.origins,
                    },
                    None => Value::unknown("operand is not known", span),
                }
            }
            Expression::BinaryOp(b) => {
                let l = self.eval(&b.lhs_expr, file);
                let r = self.eval(&b.rhs_expr, file);
                binary(*b.operator, l, r, span)
            }
            Expression::ForExpr(f) => self.for_expr(f, span, file),
        }
    }

    /// The value bound to `name` by an enclosing `for`, `dynamic` block or resource loop,
    /// seen at `span`. A copy of a large value is paid for.
    fn bound(&self, name: &str, span: Span) -> Option<Value> {
        let scope = self.scope.borrow();
        let (_, v) = scope.iter().rev().find(|(n, _)| n == name)?;
        if matches!(v.kind, ValueKind::List(_) | ValueKind::Object(_))
            && !self.meter.spend(crate::eval::budget::measure(v).units())
        {
            return Some(Value::unknown("the evaluation budget is spent", span));
        }
        Some(Value { span, ..v.clone() })
    }

    /// Evaluate `f` with no names bound: a variable, local, output, module call or another
    /// resource never sees the names bound where it is used.
    fn isolated<T>(&self, f: impl FnOnce() -> T) -> T {
        let outer = std::mem::take(&mut *self.scope.borrow_mut());
        let out = f();
        *self.scope.borrow_mut() = outer;
        out
    }

    /// Evaluate `f` with `names` bound (innermost scope).
    fn with_bound<T>(&self, names: Vec<(String, Value)>, f: impl FnOnce() -> T) -> T {
        let n = names.len();
        self.scope.borrow_mut().extend(names);
        let out = f();
        let mut scope = self.scope.borrow_mut();
        let keep = scope.len().saturating_sub(n);
        scope.truncate(keep);
        out
    }

    /// `[for k, v in coll : x if cond]` and `{for k, v in coll : k => v...}`: evaluated
    /// element by element while the result and the work stay within the limits.
    fn for_expr(&self, f: &hcl_edit::expr::ForExpr, span: Span, file: FileId) -> Value {
        let coll = self.eval(&f.intro.collection_expr, file);
        let Some(items) = elements(&coll) else {
            return Value::unknown("the collection of a `for` expression is not known", span);
        };
        let key_var = f.intro.key_var.as_ref().map(|k| k.as_str().to_string());
        let value_var = f.intro.value_var.as_str().to_string();
        let too_large = || {
            self.meter.check(
                Value::new(crate::eval::budget::oversized_list(), span),
                "a `for` expression",
            )
        };
        if items.len() > crate::eval::budget::MAX_ELEMENTS {
            return too_large();
        }
        let mut list: Vec<Value> = Vec::new();
        let mut object: Vec<(Str, Value)> = Vec::new();
        let mut index_of: HashMap<Str, usize> = HashMap::new();
        let mut made = 0usize;
        for (k, v) in items {
            if !self.meter.spend(64) {
                return Value::unknown("the evaluation budget is spent", span);
            }
            let mut names = Vec::with_capacity(2);
            if let Some(kv) = &key_var {
                names.push((kv.clone(), k));
            }
            names.push((value_var.clone(), v));
            let step = self.with_bound(names, || {
                if let Some(c) = &f.cond {
                    match self.eval(&c.expr, file).as_bool() {
                        Some(true) => {}
                        Some(false) => return Ok(None),
                        None => return Err("the condition of a `for` expression is not known"),
                    }
                }
                let key = match &f.key_expr {
                    Some(ke) => match scalar_string(&self.eval(ke, file)) {
                        Some(k) => Some(Str::from(k)),
                        None => return Err("a key of a `for` expression is not known"),
                    },
                    None => None,
                };
                Ok(Some((key, self.eval(&f.value_expr, file))))
            });
            let (key, value) = match step {
                Ok(Some(kv)) => kv,
                Ok(None) => continue,
                Err(why) => return Value::unknown(why, span),
            };
            made += crate::eval::budget::measure(&value).elements + 1;
            if made > crate::eval::budget::MAX_ELEMENTS {
                return too_large();
            }
            match key {
                None => list.push(value),
                Some(key) => match index_of.get(&key) {
                    Some(&i) if f.grouping => {
                        if let ValueKind::List(group) = &mut object[i].1.kind {
                            group.push(value);
                        }
                    }
                    // Terraform rejects a key made twice without `...`.
                    Some(_) => return Value::unknown("a `for` expression makes a key twice", span),
                    None => {
                        index_of.insert(key.clone(), object.len());
                        let value = if f.grouping {
                            let vspan = value.span;
                            Value::new(ValueKind::List(vec![value]), vspan)
                        } else {
                            value
                        };
                        object.push((key, value));
                    }
                },
            }
        }
        let kind = if f.key_expr.is_some() {
            ValueKind::Object(object)
        } else {
            ValueKind::List(list)
        };
        Value::new(kind, span).carrying(&coll)
    }

    fn template(&self, t: &Template, span: Span, file: FileId) -> Value {
        // `"${x}"` alone is the value of `x`, whatever its type (as Terraform reads it).
        if t.len() == 1
            && let Some(Element::Interpolation(i)) = t.get(0)
        {
            let v = self.eval(&i.expr, file);
            return Value { span, ..v };
        }
        let mut s = String::new();
        let mut origins = Vec::new();
        for el in t.iter() {
            match el {
                Element::Literal(l) => s.push_str(l.as_str()),
                Element::Interpolation(i) => {
                    let v = self.eval(&i.expr, file);
                    match scalar_string(&v) {
                        Some(part) => s.push_str(&part),
                        None => return Value::unknown("template has unknown parts", span),
                    }
                    let room = crate::eval::budget::MAX_ORIGINS.saturating_sub(origins.len());
                    origins.extend(v.origins.into_iter().take(room));
                }
                Element::Directive(_) => return Value::unknown("template directive", span),
            }
            if s.len() > MAX_STRING_BYTES {
                break;
            }
        }
        let v = Value {
            kind: ValueKind::String(s.into()),
            span,
            origins: origins.into(),
        };
        self.meter.check(v, "a string template")
    }

    fn traversal(&self, t: &hcl_edit::expr::Traversal, span: Span, file: FileId) -> Value {
        let Expression::Variable(root) = &t.expr else {
            let base = self.eval(&t.expr, file);
            return self.apply_ops(base, &t.operators, span, file);
        };
        let ops = &t.operators;
        let attr = |i: usize| match ops.get(i).map(|o| &**o) {
            Some(TraversalOperator::GetAttr(a)) => Some(a.as_str()),
            _ => None,
        };
        // The span of the traversal's first `n` operators (e.g. `var.sku` in `var.sku.x`).
        let prefix_span = |n: usize| match ops.get(n - 1).and_then(|o| o.span()) {
            Some(r) => Span::new(file, span.range().start..r.end),
            None => span,
        };
        if let Some(v) = self.bound(root.as_str(), self.span(file, root.span())) {
            return self.apply_ops(v, ops, span, file);
        }
        match root.as_str() {
            "var" => match attr(0) {
                Some(n) => {
                    let v = self.var(n, prefix_span(1));
                    self.apply_ops(v, &ops[1..], span, file)
                }
                None => Value::unknown("`var` without a name", span),
            },
            "local" => match attr(0) {
                Some(n) => {
                    let v = self.local(n, prefix_span(1));
                    self.apply_ops(v, &ops[1..], span, file)
                }
                None => Value::unknown("`local` without a name", span),
            },
            "module" => match (attr(0), attr(1), ops.get(1).map(|o| &**o)) {
                (Some(m), Some(o), _) => {
                    let v = self.module_output(self.child(m), m, o, prefix_span(2));
                    self.apply_ops(v, &ops[2..], span, file)
                }
                // One instance of a module loop: `module.acr["dev"].name`.
                (Some(m), None, Some(TraversalOperator::Index(e))) if attr(2).is_some() => {
                    let Some(suffix) = instance_suffix(&self.eval(e, file)) else {
                        return Value::unknown("module instance not known", span);
                    };
                    let child = self.child_at(m, &suffix);
                    let call = format!("{m}{suffix}");
                    let o = attr(2).unwrap_or_default();
                    let v = self.module_output(child, &call, o, prefix_span(3));
                    self.apply_ops(v, &ops[3..], span, file)
                }
                _ => Value::unknown("module reference", span),
            },
            // `data.T.N.attr`: an argument of the lookup as written, else a reference to
            // the looked-up resource.
            "data" => match (attr(0), attr(1)) {
                (Some(ty), Some(name)) if self.data.contains_key(&(ty, name)) => {
                    let at = prefix_span(3.min(ops.len()));
                    let v = self.lookup_attr(Lookup::Data, ty, name, None, attr(2), at);
                    let rest = if attr(2).is_some() { 3 } else { 2 };
                    self.apply_ops(v, &ops[rest.min(ops.len())..], span, file)
                }
                _ => Value::unknown("data sources are read at plan time", span),
            },
            "each" | "count" | "self" | "path" | "terraform" => Value::unknown(
                format!(
                    "`{}` is only known per instance or at run time",
                    self.text(span)
                ),
                span,
            ),
            ty => {
                let Some(name) = attr(0) else {
                    return Value::unknown("reference", span);
                };
                // An instance index (`azurerm_x.y[0].id`, `azurerm_x.y[each.key].id`) names
                // one instance when it is known; else the block as a whole.
                let mut i = 1;
                let mut suffix = None;
                match ops.get(1).map(|o| &**o) {
                    Some(TraversalOperator::Index(e)) => {
                        i = 2;
                        suffix = instance_suffix(&self.eval(e, file));
                    }
                    Some(TraversalOperator::LegacyIndex(n)) => {
                        i = 2;
                        suffix = Some(format!("[{}]", **n));
                    }
                    _ => {}
                }
                let at = prefix_span((i + 1).min(ops.len()));
                let v =
                    self.lookup_attr(Lookup::Resource, ty, name, suffix.as_deref(), attr(i), at);
                let rest = if attr(i).is_some() { i + 1 } else { i };
                self.apply_ops(v, &ops[rest.min(ops.len())..], span, file)
            }
        }
    }

    fn apply_ops(
        &self,
        mut v: Value,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        span: Span,
        file: FileId,
    ) -> Value {
        for (i, op) in ops.iter().enumerate() {
            // An attribute of a reference stays a reference (`cluster.kubelet_identity[0].object_id`).
            if let ValueKind::Ref(r) = &mut v.kind {
                match &**op {
                    TraversalOperator::GetAttr(a) => {
                        if !r.attr.is_empty() {
                            r.attr.push('.');
                        }
                        r.attr.push_str(a.as_str());
                    }
                    TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_) => {}
                    _ => return Value::unknown("splat of a resource attribute", span),
                }
                v.span = span;
                continue;
            }
            if v.has_unknown() && !matches!(v.kind, ValueKind::Object(_) | ValueKind::List(_)) {
                return Value::unknown(
                    match &v.kind {
                        ValueKind::Unknown(why) => why.clone(),
                        _ => "attribute of a resource known only after apply".into(),
                    },
                    span,
                );
            }
            let next = match &**op {
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    return self.splat(v, &ops[i + 1..], span, file);
                }
                TraversalOperator::GetAttr(a) => v.get(a.as_str()).cloned(),
                TraversalOperator::Index(e) => {
                    let idx = self.eval(e, file);
                    values::element(&v, &idx).cloned()
                }
                TraversalOperator::LegacyIndex(i) => {
                    values::element(&v, &Value::new(ValueKind::Number(**i as f64), span)).cloned()
                }
            };
            v = match next {
                Some(n) => Value { span, ..n }.carrying(&v),
                None => return Value::unknown("attribute or element not known", span),
            };
        }
        v
    }
}

/// The (key, value) pairs a `for` or a loop iterates: a list or set by index, an
/// object by key (in Terraform's order: sorted). The collection's origins go with each
/// element. `None` when the collection is not known.
fn elements(coll: &Value) -> Option<Vec<(Value, Value)>> {
    if coll.has_unknown() && !matches!(coll.kind, ValueKind::List(_) | ValueKind::Object(_)) {
        return None;
    }
    let carry = |v: Value| v.carrying(coll);
    match &coll.kind {
        ValueKind::List(items) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    (
                        Value::new(ValueKind::Number(i as f64), v.span),
                        carry(v.clone()),
                    )
                })
                .collect(),
        ),
        ValueKind::Object(entries) => {
            let mut pairs: Vec<(Value, Value)> = entries
                .iter()
                .map(|(k, v)| (Value::string(k.clone(), v.span), carry(v.clone())))
                .collect();
            pairs.sort_by(|a, b| a.0.as_str().cmp(&b.0.as_str()));
            Some(pairs)
        }
        _ => None,
    }
}

impl Module<'_> {
    /// `x[*].y` and `x.*.y`: the rest of the traversal applied to each element of a list
    /// (a single value is a list of one, null an empty list).
    fn splat(
        &self,
        v: Value,
        rest: &[hcl_edit::Decorated<TraversalOperator>],
        span: Span,
        file: FileId,
    ) -> Value {
        // Splats inside splats (`x[*][*]...`) recurse: one level each.
        let Some(_level) = self.meter.enter() else {
            return self.meter.too_deep("a splat", span);
        };
        let items = match v.kind {
            ValueKind::Null => Vec::new(),
            ValueKind::List(items) => items,
            ValueKind::Unknown(_) | ValueKind::Ref(_) => {
                return Value::unknown("splat of a value not known", span);
            }
            kind => vec![Value {
                kind,
                span: v.span,
                origins: v.origins.clone(),
            }],
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            if !self.meter.spend(64) {
                return Value::unknown("the evaluation budget is spent", span);
            }
            out.push(self.apply_ops(item, rest, span, file));
        }
        v.origins
            .into_iter()
            .fold(Value::new(ValueKind::List(out), span), Value::with_origin)
    }
}

/// One instance of a resource loop: its address suffix (`[0]`, `["key"]`) and the names
/// its body binds (`count`, `each`).
type Instance = (String, Vec<(String, Value)>);

/// Which blocks a reference reads: `resource` blocks or `data` lookups.
#[derive(Clone, Copy)]
enum Lookup {
    Resource,
    Data,
}

/// A resource loop: how it is written, and its instances when known.
struct Loop {
    instances: Instances,
    /// Per instance: the address suffix and the names bound in its body.
    known: Option<Vec<Instance>>,
}

/// A resource loop over more instances than this is judged once, its `count.index` and
/// `each` unknown.
const MAX_EXPANDED_INSTANCES: usize = 64;

/// The address suffix of the instance a loop's key names: `[0]`, `["dev"]`.
fn instance_suffix(key: &Value) -> Option<String> {
    match &key.kind {
        ValueKind::Number(n) if n.fract() == 0.0 && *n >= 0.0 => Some(format!("[{n}]")),
        ValueKind::String(s) => Some(format!("[\"{}\"]", crate::sanitize::excerpt(s))),
        _ => None,
    }
}

/// The instances of a known `count`.
fn count_instances(v: &Value) -> Option<Vec<Instance>> {
    let n = v.as_number()?;
    if n.fract() != 0.0 || n < 0.0 || n > MAX_EXPANDED_INSTANCES as f64 {
        return None;
    }
    Some(
        (0..n as usize)
            .map(|i| {
                let index = Value::new(ValueKind::Number(i as f64), v.span);
                let suffix = instance_suffix(&index).unwrap_or_default();
                let count = Value::new(ValueKind::Object(vec![("index".into(), index)]), v.span);
                (suffix, vec![("count".to_string(), count)])
            })
            .collect(),
    )
}

/// The instances of a known `for_each`: a map by key, a set of strings by each string.
fn each_instances(v: &Value) -> Option<Vec<Instance>> {
    let items = elements(v)?;
    if items.len() > MAX_EXPANDED_INSTANCES {
        return None;
    }
    let is_map = matches!(v.kind, ValueKind::Object(_));
    let mut out = Vec::with_capacity(items.len());
    for (k, value) in items {
        let key = if is_map { k } else { value.clone() };
        key.as_str()?;
        let suffix = instance_suffix(&key)?;
        let each = Value::new(
            ValueKind::Object(vec![("key".into(), key), ("value".into(), value)]),
            v.span,
        );
        out.push((suffix, vec![("each".to_string(), each)]));
    }
    Some(out)
}

/// Add a nested block to a body's entries: a repeated block makes a list.
fn push_block(entries: &mut Vec<(Str, Value)>, key: Str, v: Value, bspan: Span) {
    match entries.iter_mut().find(|(k, _)| *k == key) {
        Some((_, existing)) => {
            if let ValueKind::List(items) = &mut existing.kind {
                items.push(v);
            } else {
                let first = existing.clone();
                *existing = Value::new(ValueKind::List(vec![first, v]), bspan);
            }
        }
        None => entries.push((key, v)),
    }
}

/// The same shape (object keys, lists of blocks) with every other value unknown.
fn all_unknown(v: Value, why: &str, depth: usize) -> Value {
    let kind = match v.kind {
        _ if depth >= crate::eval::budget::MAX_VALUE_DEPTH => ValueKind::Unknown(why.to_string()),
        ValueKind::Object(entries) => ValueKind::Object(
            entries
                .into_iter()
                .map(|(k, e)| (k, all_unknown(e, why, depth + 1)))
                .collect(),
        ),
        ValueKind::List(items) if items.iter().all(|i| matches!(i.kind, ValueKind::Object(_))) => {
            ValueKind::List(
                items
                    .into_iter()
                    .map(|i| all_unknown(i, why, depth + 1))
                    .collect(),
            )
        }
        _ => ValueKind::Unknown(why.to_string()),
    };
    Value::new(kind, v.span)
}

fn binary(op: BinaryOperator, l: Value, r: Value, span: Span) -> Value {
    use BinaryOperator as B;
    let unknown = || Value::unknown("operand is not known", span);
    let kind = match op {
        // Known when a known part differs, whatever the unknown ones.
        B::Eq | B::NotEq => match values::equal(&l, &r) {
            Some(eq) => Some(ValueKind::Bool(eq == matches!(op, B::Eq))),
            None => return unknown(),
        },
        _ if l.has_unknown() || r.has_unknown() => return unknown(),
        B::And => l
            .as_bool()
            .zip(r.as_bool())
            .map(|(a, b)| ValueKind::Bool(a && b)),
        B::Or => l
            .as_bool()
            .zip(r.as_bool())
            .map(|(a, b)| ValueKind::Bool(a || b)),
        _ => match (l.as_number(), r.as_number()) {
            (Some(a), Some(b)) => match op {
                B::Less => Some(ValueKind::Bool(a < b)),
                B::LessEq => Some(ValueKind::Bool(a <= b)),
                B::Greater => Some(ValueKind::Bool(a > b)),
                B::GreaterEq => Some(ValueKind::Bool(a >= b)),
                B::Plus => Some(ValueKind::Number(a + b)),
                B::Minus => Some(ValueKind::Number(a - b)),
                B::Mul => Some(ValueKind::Number(a * b)),
                B::Div if b != 0.0 => Some(ValueKind::Number(a / b)),
                B::Mod if b != 0.0 => Some(ValueKind::Number(a % b)),
                _ => None,
            },
            _ => None,
        },
    };
    match kind {
        Some(kind) => {
            let mut v = Value::new(kind, span);
            for o in l.origins.into_iter().chain(r.origins) {
                v = v.with_origin(o);
            }
            v
        }
        None => Value::unknown("operation on values of the wrong type", span),
    }
}
