//! ARM JSON templates (and parameter files) into the model.
//!
//! Parameters (defaults, a parameter file of the same stem, `--parameters FILE`), variables
//! and template expressions (`"[...]"`, `[[` escapes) are evaluated; what depends on the
//! deployment (`reference()`, `resourceGroup()`, `uniqueString()`, ...) stays Unknown.
//! Resources come from the array form and the `languageVersion: "2.0"` object form,
//! child resources are composed with their parents, `condition: false` drops a resource,
//! `copy` marks a loop, and nested `Microsoft.Resources/deployments` with an inline
//! `template` are followed (inner or outer expression scope).

use rayon::prelude::*;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

use crate::config::Config;
use crate::eval::bind::{ArmName, Memo};
use crate::eval::budget::{Budget, MAX_COPY, Meter};
use crate::eval::expr;
use crate::finding::Finding;
use crate::model::{
    ArmKey, ArmLocal, ArmScope, Format, Instances, Key, Kind, Origin, Resource, TypeName, Value,
    ValueKind,
};
use crate::parse::arm::{Json, Node, parse};
use crate::rules::parse_error;
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::{Loaded, Workspace};

/// Nested deployments deeper than this are not followed.
const MAX_DEPTH: usize = 16;

/// Load ARM templates (`templates`) with their parameter files (`parameters`).
#[allow(clippy::too_many_arguments)]
pub fn load(
    ws: &Workspace,
    sources: &mut SourceMap,
    templates: &[FileId],
    parameters: &[FileId],
    config: &Config,
    budget: &Budget,
    fallback: &std::collections::HashSet<std::path::PathBuf>,
    session: Option<&crate::Session>,
) -> Loaded {
    let mut loaded = Loaded::default();
    // Parameter files: by path, parsed once.
    let mut param_files: HashMap<std::path::PathBuf, (FileId, Node)> = HashMap::new();
    for &id in parameters {
        if let Some(tree) = loaded.parsed(id, &sources.get(id).text, parse(id, sources.get(id))) {
            param_files.insert(sources.get(id).path.clone(), (id, tree));
        }
    }
    // `--parameters FILE`: applied to every template.
    let mut extra: Vec<(FileId, Node)> = Vec::new();
    for path in &config.parameter_files {
        let abs = crate::normalize(path);
        if let Some((id, node)) = param_files.get(&abs) {
            extra.push((*id, node.clone()));
            continue;
        }
        // An open editor buffer first; the file was named by the user, so it may lie
        // outside the scanned roots.
        let text = match ws.overlay.get(&abs) {
            Some(text) => Ok(text.to_string()),
            None => crate::discover::read_text(&abs),
        };
        let id = match text {
            Ok(text) => sources.add(SourceFile::new(
                abs.clone(),
                path.display().to_string(),
                text,
            )),
            Err(e) => {
                loaded.notes.push(format!(
                    "cannot read parameter file {}: {e}",
                    path.display()
                ));
                continue;
            }
        };
        if let Some(tree) = loaded.parsed(id, &sources.get(id).text, parse(id, sources.get(id))) {
            extra.push((id, tree));
        }
    }

    // Templates are independent of each other: parse and evaluate them in parallel, and
    // merge in input order so that output stays deterministic.
    let sources = &*sources;
    let per_template: Vec<Loaded> = templates
        .par_iter()
        .map(|&id| {
            let at = Span::new(id, 0..0);
            let run = || {
                let mut l = Loaded::guarded(&sources.get(id).display, at, || {
                    load_template(ws, sources, id, &param_files, &extra, budget, fallback)
                });
                l.drop_unread_bodies();
                l
            };
            match session {
                None => run(),
                Some(s) => {
                    let inputs = template_inputs(ws, sources, id, &param_files, &extra, fallback);
                    std::sync::Arc::unwrap_or_clone(
                        s.remember(&s.arm, id, inputs, || std::sync::Arc::new(run())),
                    )
                }
            }
        })
        .collect();
    for l in per_template {
        loaded.extend(l);
    }
    loaded
}

/// What [`load_template`] reads besides the template: its parameter files, whether its
/// `.bicep` source fell back to it or is scanned, whether it lies in the Bicep module cache.
fn template_inputs(
    ws: &Workspace,
    sources: &SourceMap,
    id: FileId,
    param_files: &HashMap<std::path::PathBuf, (FileId, Node)>,
    extra: &[(FileId, Node)],
    fallback: &std::collections::HashSet<std::path::PathBuf>,
) -> crate::session::Inputs {
    let mut inputs = crate::session::Inputs::default();
    let file = sources.get(id);
    inputs.file(id, &file.text);
    let params = param_files.get(&sibling_parameters(&file.path));
    for pid in params
        .map(|(pid, _)| *pid)
        .into_iter()
        .chain(extra.iter().map(|(i, _)| *i))
    {
        inputs.file(pid, &sources.get(pid).text);
    }
    let source = file.path.with_extension("bicep");
    inputs.fact(&(
        params.is_some(),
        fallback.contains(&source),
        ws.scanned(sources, &source).is_some(),
        crate::eval::cache::is_bicep_cache_file(ws, &file.path),
    ));
    inputs
}

/// Parse and evaluate one template with its parameter files.
fn load_template(
    ws: &Workspace,
    sources: &SourceMap,
    id: FileId,
    param_files: &HashMap<std::path::PathBuf, (FileId, Node)>,
    extra: &[(FileId, Node)],
    budget: &Budget,
    fallback: &std::collections::HashSet<std::path::PathBuf>,
) -> Loaded {
    let mut loaded = Loaded::default();
    let file = sources.get(id);
    let Some(root) = loaded.parsed(id, &file.text, parse(id, file)) else {
        return loaded;
    };
    let source = file.path.with_extension("bicep");
    if fallback.contains(&source) {
        loaded.notes.push(format!(
            "{}: evaluated instead of {}, which could not be used",
            file.display,
            crate::discover::display_path(&source)
        ));
    } else if compiled_from_scanned_bicep(ws, sources, &file.path, &root) {
        loaded.notes.push(format!(
            "{}: skipped, compiled from a .bicep file in the scan (findings are reported there)",
            file.display
        ));
        return loaded;
    }
    if crate::eval::cache::is_bicep_cache_file(ws, &file.path) {
        loaded.notes.push(format!(
            "{}: skipped, a module in the Bicep module cache (read through the modules that call it)",
            file.display
        ));
        return loaded;
    }
    let mut files: Vec<(FileId, &Node)> = Vec::new();
    if let Some((pid, node)) = param_files.get(&sibling_parameters(&file.path)) {
        files.push((*pid, node));
    }
    files.extend(extra.iter().map(|(i, n)| (*i, n)));
    let mut given: HashMap<String, Value> = HashMap::new();
    for (pid, node) in files {
        let display = sources.get(pid).display.clone();
        let base = Path::new(&display)
            .file_name()
            .map_or(display.clone(), |n| n.to_string_lossy().into_owned());
        for m in node.get("parameters").map_or(&[][..], Node::members) {
            if let Some(v) = m.value.get("value") {
                let what = format!("the value of parameter `{}` in {base}", m.key);
                given.insert(m.key.to_ascii_lowercase(), tag(literal(v), what));
            } else {
                given.insert(
                    m.key.to_ascii_lowercase(),
                    Value::unknown("a Key Vault reference", m.value.span),
                );
            }
        }
    }
    let ev = Evaluator::new(id, budget, file.display.clone());
    let scope = Scope::new(&ev, &root, given);
    ev.template(&root, &scope, &[], 0, &ArmScope::default());
    loaded.resources.extend(ev.resources.into_inner());
    loaded.findings.extend(ev.findings.into_inner());
    loaded.notes.extend(ev.notes.into_inner());
    loaded.notes.extend(ev.meter.take_notes());
    loaded
}

/// A compiled template read as a module's nested deployment (a Bicep registry module from
/// the module cache): `given` holds the caller's parameter values with what each is (for
/// origins); every other parameter takes its default, or is Unknown when `unknown_rest`
/// (the caller spreads an object not known statically). Resources are keyed in `prefix`
/// and carry `via`. Also returns the template's `outputs`, evaluated.
pub(crate) fn evaluate_module(
    sources: &SourceMap,
    id: FileId,
    given: Vec<(String, Value, String)>,
    unknown_rest: Option<Span>,
    via: &[Origin],
    prefix: &ArmScope,
    budget: &Budget,
) -> (Loaded, Vec<(crate::model::Str, Value)>) {
    let mut loaded = Loaded::default();
    let file = sources.get(id);
    let Some(root) = loaded.parsed(id, &file.text, parse(id, file)) else {
        return (loaded, Vec::new());
    };
    let mut values: HashMap<String, Value> = given
        .into_iter()
        .map(|(k, v, what)| (k.to_ascii_lowercase(), tag(v, what)))
        .collect();
    if let Some(span) = unknown_rest {
        for m in root.get("parameters").map_or(&[][..], Node::members) {
            values
                .entry(m.key.to_ascii_lowercase())
                .or_insert_with(|| Value::unknown("a spread not known statically", span));
        }
    }
    let ev = Evaluator::new(id, budget, file.display.clone());
    let scope = Scope::new(&ev, &root, values);
    ev.template(&root, &scope, via, 1, prefix);
    let outputs = root
        .get("outputs")
        .map_or(&[][..], Node::members)
        .iter()
        .filter_map(|m| {
            let v = m.value.get("value")?;
            Some((m.key.as_str().into(), ev.eval(v, &scope)))
        })
        .collect();
    loaded.resources.extend(ev.resources.into_inner());
    loaded.findings.extend(ev.findings.into_inner());
    loaded.notes.extend(ev.notes.into_inner());
    loaded.notes.extend(ev.meter.take_notes());
    (loaded, outputs)
}

fn tag(value: Value, what: String) -> Value {
    // Stored with a marker origin at its own span; `Scope::param` turns it into `used_at`.
    let span = value.span;
    let mut v = value;
    v.origins.insert(0, Origin { span, what });
    v.origins.truncate(crate::eval::budget::MAX_ORIGINS);
    v
}

/// `azuredeploy.json` → `azuredeploy.parameters.json`, `main.json` → `main.parameters.json`.
fn sibling_parameters(path: &Path) -> std::path::PathBuf {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    path.with_file_name(format!("{}.parameters.json", stem.unwrap_or_default()))
}

/// A template Bicep generated (`metadata._generator.name == "bicep"`) whose `.bicep`
/// source (same folder, same stem) is also scanned: the `.bicep` file gets the findings.
fn compiled_from_scanned_bicep(
    ws: &Workspace,
    sources: &SourceMap,
    path: &Path,
    root: &Node,
) -> bool {
    let generator = root
        .get("metadata")
        .and_then(|m| m.get("_generator"))
        .and_then(|g| g.get("name"))
        .and_then(Node::as_str);
    if !generator.is_some_and(|g| g.eq_ignore_ascii_case("bicep")) {
        return false;
    }
    ws.scanned(sources, &path.with_extension("bicep")).is_some()
}

/// A JSON value as a model value, with no expression evaluation (parameter files).
pub(crate) fn literal(n: &Node) -> Value {
    crate::eval::values::from_json(n, n.span)
}

struct Evaluator<'b> {
    findings: RefCell<Vec<Finding>>,
    resources: RefCell<Vec<Resource>>,
    /// The `copy` loops being expanded (variable and property iteration): name, index.
    copy: RefCell<Vec<(String, i64)>>,
    notes: RefCell<Vec<String>>,
    file: FileId,
    /// The limits of this template's evaluation (`eval::budget`).
    meter: Meter<'b>,
}

/// A `copy` array of `{name, count, input}` items (variable or property iteration).
fn copy_items(n: &Node) -> Option<&[Node]> {
    let Json::Array(items) = &n.json else {
        return None;
    };
    let ok = !items.is_empty()
        && items.iter().all(|i| {
            i.get("name").is_some() && i.get("count").is_some() && i.get("input").is_some()
        });
    ok.then_some(items.as_slice())
}

/// The parameters and variables visible to expressions of one (nested) template.
struct Scope<'a> {
    /// Parameter values with their weight (paid again on each use).
    params: HashMap<String, (Value, u64)>,
    vars: HashMap<String, &'a Node>,
    /// Variables made by the template's `variables.copy` array: their `{name, count, input}`.
    copy_vars: HashMap<String, &'a Node>,
    /// Variables, evaluated once (`eval::bind`).
    var_cache: Memo<ArmName>,
}

impl<'a> Scope<'a> {
    /// Parameters of `template` from `given` values (tagged), else their defaults.
    fn new(ev: &Evaluator, template: &'a Node, mut given: HashMap<String, Value>) -> Scope<'a> {
        let mut scope = Scope {
            params: HashMap::new(),
            vars: HashMap::new(),
            copy_vars: HashMap::new(),
            var_cache: Memo::new(String::new()),
        };
        for m in template.get("variables").map_or(&[][..], Node::members) {
            match copy_items(&m.value) {
                Some(items) if m.key.eq_ignore_ascii_case("copy") => {
                    for item in items {
                        if let Some(name) = item.get("name").and_then(Node::as_str) {
                            scope.copy_vars.insert(name.to_ascii_lowercase(), item);
                        }
                    }
                }
                _ => {
                    scope.vars.insert(m.key.to_ascii_lowercase(), &m.value);
                }
            }
        }
        for m in template.get("parameters").map_or(&[][..], Node::members) {
            let key = m.key.to_ascii_lowercase();
            let value = match given.remove(&key) {
                Some(v) => v,
                None => match m.value.get("defaultValue") {
                    Some(d) => {
                        let v = ev.eval(d, &scope);
                        tag(v, format!("the default of parameter `{}`", m.key))
                    }
                    None => {
                        Value::unknown(format!("parameter `{}` has no value", m.key), m.key_span)
                    }
                },
            };
            let weighed = ev.meter.admit(value, &format!("parameter `{}`", m.key));
            scope.params.insert(key, weighed);
        }
        scope
    }
}

impl<'b> Evaluator<'b> {
    /// An evaluator of one template file, under the scan's budget.
    fn new(file: FileId, budget: &'b Budget, display: String) -> Self {
        Evaluator {
            findings: RefCell::new(Vec::new()),
            resources: RefCell::new(Vec::new()),
            copy: RefCell::new(Vec::new()),
            notes: RefCell::new(Vec::new()),
            file,
            meter: Meter::new(budget, display),
        }
    }

    /// A LINT001 finding, once per place (a value may be evaluated more than once).
    fn error(&self, span: Span, msg: String) {
        let mut findings = self.findings.borrow_mut();
        if !findings.iter().any(|f| f.primary == span) {
            findings.push(parse_error::finding(span, msg));
        }
    }

    /// Evaluate a template value: strings in `[...]` are expressions.
    fn eval(&self, n: &Node, scope: &Scope) -> Value {
        if self.meter.spent() {
            return Value::unknown("the evaluation budget is spent", n.span);
        }
        let Some(_level) = self.meter.enter() else {
            let text = match &n.json {
                Json::String(s) => s.as_str(),
                _ => "a JSON value",
            };
            return self.meter.too_deep(text, n.span);
        };
        let kind = match &n.json {
            Json::String(s) => return self.eval_string(s, n.span, scope),
            Json::Array(items) => {
                ValueKind::List(items.iter().map(|i| self.eval(i, scope)).collect())
            }
            Json::Object(ms) => {
                let mut out = Vec::with_capacity(ms.len());
                for m in ms {
                    match copy_items(&m.value) {
                        // Property iteration: each item becomes the property it names.
                        Some(items) if m.key.eq_ignore_ascii_case("copy") => {
                            for item in items {
                                let name = item.get("name").and_then(Node::as_str);
                                out.push((
                                    name.unwrap_or("copy").into(),
                                    self.copy_loop(item, scope),
                                ));
                            }
                        }
                        _ => out.push((m.key.as_str().into(), self.eval(&m.value, scope))),
                    }
                }
                ValueKind::Object(out)
            }
            _ => literal(n).kind,
        };
        Value::new(kind, n.span)
    }

    /// A `{name, count, input}` iteration: the list of its inputs, `copyIndex('name')`
    /// known in each.
    fn copy_loop(&self, item: &Node, scope: &Scope) -> Value {
        let name = item.get("name").and_then(Node::as_str).unwrap_or_default();
        let count = item.get("count").map(|c| self.eval(c, scope));
        let Some(count) = count.as_ref().and_then(Value::as_number).map(|c| c as i64) else {
            return Value::unknown(format!("the count of copy `{name}`"), item.span);
        };
        let Some(input) = item.get("input") else {
            return Value::unknown("a copy without input", item.span);
        };
        if !(0..=MAX_COPY).contains(&count) {
            return Value::unknown(format!("copy `{name}` of {count} items"), item.span);
        }
        let mut out = Vec::new();
        for i in 0..count {
            // Each iteration is paid for, whatever it makes: nested loops stay bounded.
            if !self.meter.spend(64) {
                return Value::unknown("the evaluation budget is spent", item.span);
            }
            self.copy.borrow_mut().push((name.to_string(), i));
            out.push(self.eval(input, scope));
            self.copy.borrow_mut().pop();
        }
        self.meter.check(
            Value::new(ValueKind::List(out), item.span),
            &format!("copy `{name}`"),
        )
    }

    /// `copyIndex([name], [offset])` inside a variable or property iteration.
    fn copy_index(&self, args: &[Value]) -> Option<f64> {
        let name = args.iter().find_map(Value::as_str);
        let offset = args
            .iter()
            .find(|a| matches!(a.kind, ValueKind::Number(_)))
            .and_then(Value::as_number)
            .unwrap_or(0.0);
        let stack = self.copy.borrow();
        let (_, i) = match name {
            Some(n) => stack
                .iter()
                .rev()
                .find(|(c, _)| c.eq_ignore_ascii_case(n))?,
            None => stack.last()?,
        };
        Some(*i as f64 + offset)
    }

    fn eval_string(&self, s: &str, span: Span, scope: &Scope) -> Value {
        if let Some(rest) = s.strip_prefix("[[") {
            return Value::string(format!("[{rest}"), span);
        }
        let Some(text) = s.strip_prefix('[').and_then(|x| x.strip_suffix(']')) else {
            return Value::string(s, span);
        };
        match expr::parse_arm(text, span) {
            Ok(e) => expr::eval(&e, &mut Names { ev: self, scope }, &self.meter),
            Err(why) => {
                let shown: String = text.chars().take(80).collect();
                let more = if shown.len() < text.len() { "..." } else { "" };
                self.error(
                    span,
                    format!("cannot parse ARM expression `{shown}{more}`: {why}"),
                );
                Value::unknown("an expression that does not parse", span)
            }
        }
    }

    fn variable(&self, name: &str, scope: &Scope, span: Span) -> Option<Value> {
        let key = name.to_ascii_lowercase();
        let (node, is_copy) = match scope.vars.get(&key) {
            Some(n) => (*n, false),
            None => (*scope.copy_vars.get(&key)?, true),
        };
        let bound = ArmName::Variable(name.into());
        Some(scope.var_cache.get(&self.meter, bound, span, || {
            let v = if is_copy {
                self.copy_loop(node, scope)
            } else {
                self.eval(node, scope)
            };
            tag(v, format!("variable `{name}`"))
        }))
    }

    /// One (possibly nested) template: its resources, in array or symbolic form.
    fn template(
        &self,
        root: &Node,
        scope: &Scope,
        via: &[Origin],
        depth: usize,
        prefix: &ArmScope,
    ) {
        let Some(resources) = root.get("resources") else {
            return;
        };
        match &resources.json {
            Json::Array(items) => {
                for r in items {
                    self.resource(r, None, None, scope, via, depth, prefix);
                }
            }
            Json::Object(members) => {
                for m in members {
                    self.resource(
                        &m.value,
                        Some((&m.key, m.key_span)),
                        None,
                        scope,
                        via,
                        depth,
                        prefix,
                    );
                }
            }
            _ => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn resource(
        &self,
        n: &Node,
        symbol: Option<(&str, Span)>,
        parent: Option<(&str, &Value)>,
        scope: &Scope,
        via: &[Origin],
        depth: usize,
        prefix: &ArmScope,
    ) {
        if !matches!(n.json, Json::Object(_)) {
            return;
        }
        let Some(type_member) = n.member("type") else {
            return;
        };
        let Some(_level) = self.meter.enter() else {
            let _ = self.meter.too_deep("a child resource", n.span);
            return;
        };
        if n.get("existing").and_then(|e| match e.json {
            Json::Bool(b) => Some(b),
            _ => None,
        }) == Some(true)
        {
            return;
        }
        if let Some(c) = n.get("condition")
            && self.eval(c, scope).as_bool() == Some(false)
        {
            return;
        }
        let ty = self.eval(&type_member.value, scope);
        let Some(ty) = ty.as_str().map(str::to_string) else {
            return;
        };
        let full_type = match parent {
            Some((pt, _)) if !ty.contains('/') => format!("{pt}/{ty}"),
            _ => ty,
        };
        let mut name = n.get("name").map(|x| self.eval(x, scope));
        if let (Some((_, pname)), Some(nm)) = (parent, name.as_mut())
            && let (Some(p), Some(c)) = (pname.as_str(), nm.as_str())
            && !c.contains('/')
        {
            nm.kind = ValueKind::String(format!("{p}/{c}").into());
        }
        let name_text = name.as_ref().and_then(|v| v.as_str().map(str::to_string));
        let address = match symbol {
            Some((s, _)) => s.to_string(),
            None => {
                // The evaluated name, else the name expression as written.
                match (&name_text, n.get("name").and_then(Node::as_str)) {
                    (Some(nm), _) => format!("{full_type} '{nm}'"),
                    (None, Some(expr)) => format!("{full_type} {expr}"),
                    (None, None) => full_type.clone(),
                }
            }
        };
        let mut keys = Vec::new();
        if let Some(s) = symbol {
            keys.push(Key::Arm(Box::new(ArmKey {
                file: self.file,
                scope: prefix.clone(),
                local: ArmLocal::Symbol(s.0.to_string()),
            })));
        }
        if let Some(nm) = &name_text {
            keys.push(Key::Arm(Box::new(ArmKey {
                file: self.file,
                scope: prefix.clone(),
                local: ArmLocal::TypeName(TypeName::new(&full_type, nm)),
            })));
            keys.push(Key::type_name(&full_type, nm));
        }
        let span = match symbol {
            Some((_, s)) => s,
            None => type_member.key_span.to(type_member.value.span),
        };
        let instances = n.get("copy").map(|c| Instances {
            describe: format!(
                "copy: {}",
                crate::sanitize::excerpt(
                    c.get("name").and_then(Node::as_str).unwrap_or("(unnamed)")
                )
            ),
            span: c.span,
        });
        let is_deployment = full_type.eq_ignore_ascii_case("Microsoft.Resources/deployments");
        // The body: every member but nested resources (and a nested deployment's template,
        // evaluated in its own scope below).
        let mut body = Vec::new();
        for m in n.members() {
            if m.key.eq_ignore_ascii_case("resources") {
                continue;
            }
            if is_deployment && m.key.eq_ignore_ascii_case("properties") {
                let props = m
                    .value
                    .members()
                    .iter()
                    .filter(|p| !p.key.eq_ignore_ascii_case("template"))
                    .map(|p| (p.key.as_str().into(), self.eval(&p.value, scope)))
                    .collect();
                body.push((
                    m.key.as_str().into(),
                    Value::new(ValueKind::Object(props), m.value.span),
                ));
                continue;
            }
            body.push((m.key.as_str().into(), self.eval(&m.value, scope)));
        }
        let name_for_children = name.clone();
        self.resources.borrow_mut().push(Resource {
            id: Default::default(),
            kind: Kind::from_arm(&full_type),
            format: Format::Arm,
            native_type: full_type.clone(),
            address: address.clone(),
            keys,
            span,
            body: self
                .meter
                .check(Value::new(ValueKind::Object(body), n.span), &address),
            name,
            instances,
            via: via.to_vec(),
            existing: false,
        });
        // Child resources.
        if let Some(Json::Array(children)) = n.get("resources").map(|c| &c.json) {
            let pname = name_for_children.unwrap_or_else(|| Value::unknown("name", n.span));
            for c in children {
                self.resource(
                    c,
                    None,
                    Some((&full_type, &pname)),
                    scope,
                    via,
                    depth,
                    prefix,
                );
            }
        }
        if is_deployment {
            self.nested(n, &address, span, scope, via, depth, prefix);
        }
    }

    /// A nested deployment with an inline template.
    #[allow(clippy::too_many_arguments)]
    fn nested(
        &self,
        n: &Node,
        address: &str,
        head: Span,
        scope: &Scope,
        via: &[Origin],
        depth: usize,
        prefix: &ArmScope,
    ) {
        let Some(props) = n.get("properties") else {
            return;
        };
        let Some(template) = props.get("template") else {
            if props.get("templateLink").is_some() {
                self.notes.borrow_mut().push(format!(
                    "nested deployment {address}: a linked template (`templateLink`) is not followed"
                ));
            }
            return;
        };
        if depth >= MAX_DEPTH {
            self.meter.note(format!(
                "nested deployment {} is nested deeper than {MAX_DEPTH} levels; not followed, its resources are unknown",
                crate::sanitize::excerpt(address)
            ));
            return;
        }
        let shown = n
            .get("name")
            .map(|x| self.eval(x, scope))
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| address.to_string());
        let mut via = via.to_vec();
        via.push(Origin {
            span: head,
            what: format!("in nested deployment `{shown}`"),
        });
        let prefix = ArmScope {
            caller: prefix.caller.clone(),
            nested: format!("{}/{shown}", prefix.nested),
        };
        let inner = props
            .get("expressionEvaluationOptions")
            .and_then(|o| o.get("scope"))
            .and_then(Node::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("inner"));
        if inner {
            let mut given = HashMap::new();
            for m in props.get("parameters").map_or(&[][..], Node::members) {
                let value = match m.value.get("value") {
                    Some(v) => {
                        let mut value = self.eval(v, scope);
                        value.span = v.span;
                        tag(
                            value,
                            format!(
                                "the value passed for parameter `{}` to nested deployment `{shown}`",
                                m.key
                            ),
                        )
                    }
                    None => Value::unknown("a Key Vault reference", m.value.span),
                };
                given.insert(m.key.to_ascii_lowercase(), value);
            }
            let inner_scope = Scope::new(self, template, given);
            self.template(template, &inner_scope, &via, depth + 1, &prefix);
        } else {
            self.template(template, scope, &via, depth + 1, &prefix);
        }
    }
}

/// The names of ARM expressions in one template scope: `parameters()`, `variables()`,
/// `copyIndex()`.
struct Names<'e, 'a, 'b> {
    ev: &'e Evaluator<'b>,
    scope: &'e Scope<'a>,
}

impl expr::Names for Names<'_, '_, '_> {
    fn text(&self, _: Span) -> Option<&str> {
        None
    }

    fn parameter(&mut self, name: &str, at: Span) -> Value {
        match self.scope.params.get(&name.to_ascii_lowercase()) {
            Some((v, units)) if self.ev.meter.reuse(*units) => use_tagged(v.clone(), at),
            Some(_) => Value::unknown("the evaluation budget is spent", at),
            None => Value::unknown(format!("parameter `{name}` is not declared"), at),
        }
    }

    fn variable(&mut self, name: &str, at: Span) -> Value {
        self.ev.variable(name, self.scope, at).map_or_else(
            || Value::unknown(format!("variable `{name}` is not known"), at),
            |v| use_tagged(v, at),
        )
    }

    fn copy_index(&self, args: &[Value]) -> Option<f64> {
        self.ev.copy_index(args)
    }
}

/// A stored (tagged) parameter or variable value read at `span`: the tag becomes the
/// origin pointing at where the value was written.
fn use_tagged(mut v: Value, span: Span) -> Value {
    if v.origins.is_empty() {
        v.span = span;
        return v;
    }
    let first = v.origins.remove(0);
    v.span = first.span;
    let mut v = v.used_at(span, first.what);
    // A value that was not written anywhere else (computed at the use) needs no label.
    v.origins.retain(|o| o.span != span);
    v
}

#[cfg(test)]
mod tests {
    use crate::model::{Key, Kind};
    use crate::source::SourceFile;
    use crate::{Workspace, analyze};

    fn load(text: &str) -> crate::Analysis {
        let ws = Workspace {
            files: vec![SourceFile::new(
                "/t/azuredeploy.json".into(),
                "azuredeploy.json".into(),
                text,
            )],
            ..Default::default()
        };
        analyze(&ws, &Default::default())
    }

    const HEAD: &str = r#""$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#","#;

    #[test]
    fn children_loops_conditions_escapes_and_comments() {
        let a = load(&format!(
            r#"{{ {HEAD}
  // comments and trailing commas are allowed
  "variables": {{ "a": "[variables('b')]", "b": "[variables('a')]", "lit": "[[not an expression]" }},
  "resources": [
    {{ "type": "Microsoft.ContainerRegistry/registries", "name": "ACR1",
       "sku": {{ "name": "[toLower('PREMIUM')]" }},
       "properties": {{ "x": "[variables('a')]", "y": "[variables('lit')]" }},
       "resources": [ {{ "type": "replications", "name": "westeurope", "copy": {{ "name": "regions", "count": 2 }} }} ] }},
    {{ "condition": "[equals('a', 'b')]", "type": "Microsoft.Network/privateDnsZones", "name": "z" }},
  ],
}}"#
        ));
        assert!(a.findings.iter().all(|f| f.rule.code != "LINT001"));
        let g = &a.graph;
        let acr = g.by_key(&Key::type_name(
            "Microsoft.ContainerRegistry/registries",
            "acr1",
        ));
        let acr = acr.expect("registry keyed by type and name");
        assert_eq!(
            acr.body.path(&["sku", "name"]).and_then(|v| v.as_str()),
            Some("premium")
        );
        assert!(
            acr.body.path(&["properties", "x"]).unwrap().is_unknown(),
            "a cycle is unknown"
        );
        assert_eq!(
            acr.body.path(&["properties", "y"]).and_then(|v| v.as_str()),
            Some("[not an expression]")
        );
        let rep = g.of_kind(Kind::RegistryReplication).next().expect("child");
        assert_eq!(
            rep.native_type,
            "Microsoft.ContainerRegistry/registries/replications"
        );
        assert_eq!(rep.name_str(), Some("ACR1/westeurope"));
        assert_eq!(
            rep.instances.as_ref().map(|i| i.describe.as_str()),
            Some("copy: regions")
        );
        assert_eq!(
            g.of_kind(Kind::PrivateDnsZone).count(),
            0,
            "condition false"
        );
    }

    #[test]
    fn nested_deployments_in_outer_scope_see_the_parent_parameters() {
        let a = load(&format!(
            r#"{{ {HEAD}
  "parameters": {{ "admin": {{ "type": "bool", "defaultValue": true }} }},
  "resources": [ {{ "type": "Microsoft.Resources/deployments", "name": "inner",
    "properties": {{ "template": {{ "resources": [
      {{ "type": "Microsoft.ContainerRegistry/registries", "name": "acr", "sku": {{ "name": "Premium" }},
         "properties": {{ "adminUserEnabled": "[parameters('admin')]" }} }} ] }} }} }},
    {{ "type": "Microsoft.Resources/deployments", "name": "linked",
      "properties": {{ "templateLink": {{ "uri": "https://example.com/t.json" }} }} }} ]
}}"#
        ));
        let acr = a.graph.of_kind(Kind::ContainerRegistry).next().unwrap();
        assert_eq!(acr.via.len(), 1);
        assert!(acr.via[0].what.contains("`inner`"));
        let f = a
            .findings
            .iter()
            .find(|f| f.rule.code == "ACR002")
            .expect("ACR002");
        assert!(
            f.secondary
                .iter()
                .any(|l| l.message.contains("the default of parameter `admin`"))
        );
        assert!(a.notes.iter().any(|n| n.contains("templateLink")));
    }

    #[test]
    fn copy_in_variables_and_properties() {
        let a = load(&format!(
            r#"{{ {HEAD}
  "variables": {{ "copy": [ {{ "name": "zones", "count": 2, "input": "[concat('z', copyIndex('zones', 1))]" }} ] }},
  "resources": [
    {{ "type": "Microsoft.Network/privateEndpoints", "name": "pe",
       "properties": {{ "zones": "[variables('zones')]",
         "copy": [ {{ "name": "subnets", "count": 2, "input": {{ "name": "[concat('s', copyIndex('subnets'))]" }} }} ] }} }}
  ]
}}"#
        ));
        // A kind some rule reads: the bodies of the others are dropped after loading.
        let pe = a.graph.of_kind(Kind::PrivateEndpoint).next().unwrap();
        let zones: Vec<_> = pe
            .body
            .path(&["properties", "zones"])
            .unwrap()
            .as_list()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        assert_eq!(zones, ["z1", "z2"]);
        let subnets = pe
            .body
            .path(&["properties", "subnets"])
            .unwrap()
            .as_list()
            .unwrap();
        assert_eq!(subnets[1].get("name").and_then(|v| v.as_str()), Some("s1"));
    }

    #[test]
    fn symbolic_form_and_bad_expressions() {
        let a = load(&format!(
            r#"{{ {HEAD} "languageVersion": "2.0",
  "resources": {{
    "acr": {{ "type": "Microsoft.ContainerRegistry/registries", "name": "[concat('a']", "sku": {{ "name": "Basic" }} }},
    "old": {{ "existing": true, "type": "Microsoft.ContainerRegistry/registries", "name": "old", "sku": {{ "name": "Basic" }} }}
  }}
}}"#
        ));
        let lint: Vec<_> = a
            .findings
            .iter()
            .filter(|f| f.rule.code == "LINT001")
            .collect();
        assert_eq!(lint.len(), 1, "the bad expression is reported: {lint:?}");
        assert!(lint[0].message.contains("concat('a'"));
        let regs: Vec<_> = a.graph.of_kind(Kind::ContainerRegistry).collect();
        assert_eq!(regs.len(), 1, "`existing` is not deployed here");
        assert_eq!(regs[0].address, "acr");
        assert!(a.findings.iter().any(|f| f.rule.code == "ACR003"));
    }
}
