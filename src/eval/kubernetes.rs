//! Kubernetes manifests into the model: every object of every YAML document becomes a
//! [`Resource`] of kind [`Kind::KubernetesObject`]; rules read workloads through
//! `model::kubernetes` and admission policies through `model::policy`.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::{Arc, PoisonError};

use rayon::prelude::*;

use crate::config::Config;
use crate::eval::kustomize;
use crate::model::kubernetes::{CONTAINER_LISTS, namespace_of, pod_spec_path};
use crate::model::{Format, Kind, Part, Resource, Value, ValueKind};
use crate::parse::yaml;
use crate::rules::{K8sRead, parse_error};
use crate::source::{FileId, SourceMap};
use crate::{Loaded, Workspace};

/// Load Kubernetes manifests (YAML, or JSON as kubectl accepts it) and kustomizations.
pub fn load(
    ws: &Workspace,
    sources: &mut SourceMap,
    files: &[FileId],
    _config: &Config,
    session: Option<&crate::Session>,
) -> Loaded {
    let mut out = Loaded::default();
    // Files are independent: parse them in parallel, merge in input order.
    let sources = &*sources;
    let per_file: Vec<Arc<FileResult>> = files
        .par_iter()
        .map(|&id| match session {
            None => Arc::new(load_file(ws, sources, id)),
            Some(s) => {
                let mut inputs = crate::session::Inputs::default();
                inputs.file(id, &sources.get(id).text);
                s.remember(&s.k8s, id, inputs, || {
                    let (mut parsed, l) = load_file(ws, sources, id);
                    // A manifest's objects are kept in a run the graphs share.
                    if let Parsed::Manifest(_, part) = &mut parsed
                        && let Part::Owned(objects) = part
                    {
                        let objects = std::mem::take(objects);
                        *part = Part::Kept(Arc::new(crate::model::Kept::new(objects)));
                    }
                    Arc::new((parsed, l))
                })
            }
        })
        .collect();
    // What a rendering reads: every kustomization, the paths of the manifests and
    // kustomizations (targets are looked up by path; a session's file ids stand for
    // paths), the manifests included.
    let mut inputs = Rendered::default();
    if session.is_some() {
        let mut paths = crate::session::fast_hasher();
        for (id, r) in files.iter().zip(&per_file) {
            let tag: u8 = match &r.0 {
                Parsed::Manifest(..) => 1,
                Parsed::Kustomization(..) => {
                    inputs.kustomizations.push(r.clone());
                    2
                }
                _ => 0,
            };
            (id, tag).hash(&mut paths);
        }
        inputs.paths = paths.finish();
    }
    let kept = session.and_then(|s| {
        let last = s
            .k8s_rendered
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        last.as_ref()
            .filter(|last| last.same(&inputs, &per_file))
            .map(|last| last.out.clone())
    });
    // The manifests by path, when a session keeps what a new rendering read.
    let by_path: HashMap<PathBuf, (usize, Arc<FileResult>)> = match (&kept, session) {
        (None, Some(_)) => per_file
            .iter()
            .enumerate()
            .filter_map(|(i, r)| match &r.0 {
                Parsed::Manifest(path, _) => Some((path.clone(), (i, r.clone()))),
                _ => None,
            })
            .collect(),
        _ => HashMap::new(),
    };
    // Helm chart folder (as displayed) -> templates skipped.
    let mut charts: std::collections::BTreeMap<String, usize> = Default::default();
    let mut tree = kustomize::Tree::default();
    let mut order = Vec::new();
    for r in per_file {
        // Not copied without a session (nothing else holds the result).
        let (parsed, l) = Arc::unwrap_or_clone(r);
        match parsed {
            Parsed::Helm(chart) => *charts.entry(chart).or_default() += 1,
            Parsed::Manifest(path, objects) => {
                order.push(path.clone());
                tree.manifests.insert(path, objects);
            }
            Parsed::Kustomization(path, k) => {
                tree.kustomizations.insert(path, k);
            }
            Parsed::Nothing => {}
        }
        out.extend(l);
    }
    let fresh = kept.is_none();
    let (rendered, through_kustomize, notes) = match kept {
        Some(out) => out,
        None if tree.kustomizations.is_empty() => Default::default(),
        None => {
            let (objects, through, notes) = tree.render();
            let objects = match session {
                // Shared with the next analyses that render the same.
                Some(_) => Part::Kept(Arc::new(crate::model::Kept::new(objects))),
                None => Part::Owned(objects),
            };
            (objects, Arc::new(through), notes)
        }
    };
    if let Some(s) = session
        && fresh
    {
        inputs.included = through_kustomize
            .iter()
            .filter_map(|p| by_path.get(p).cloned())
            .collect();
        inputs.out = (rendered.clone(), through_kustomize.clone(), notes.clone());
        *s.k8s_rendered
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(inputs);
    }
    for path in order {
        if !through_kustomize.contains(&path)
            && let Some(objects) = tree.manifests.remove(&path)
        {
            out.push_part(objects);
        }
    }
    out.push_part(rendered);
    out.notes.extend(notes);
    if !charts.is_empty() {
        let n: usize = charts.values().sum();
        let names: Vec<&str> = charts.keys().map(String::as_str).collect();
        out.notes.push(format!(
            "{HELM_SUMMARY}{n} template{} in chart{} {}; render them with `helm template` and scan the output (`helm template CHART | acrlint check - --stdin-filename rendered.yaml`)",
            if n == 1 { "" } else { "s" },
            if names.len() == 1 { "" } else { "s" },
            names.join(", ")
        ));
    }
    out
}

/// A kustomize rendering, with what it read (kept by a session: rendered again only when
/// one of those changed).
#[derive(Default)]
pub(crate) struct Rendered {
    /// Every kustomization file's result, in order.
    kustomizations: Vec<Arc<FileResult>>,
    /// A digest of the paths of the manifests and kustomizations, in order.
    paths: u64,
    /// The results of the manifests the kustomizations include, with their places among
    /// the files.
    included: Vec<(usize, Arc<FileResult>)>,
    /// The objects rendered, the manifests judged only through kustomizations, notes.
    out: (Part, Arc<HashSet<PathBuf>>, Vec<String>),
}

impl Default for Part {
    fn default() -> Part {
        Part::Owned(Vec::new())
    }
}

impl Rendered {
    /// True when `now` (with the results of its files, in order) reads what this
    /// rendering read.
    fn same(&self, now: &Rendered, files: &[Arc<FileResult>]) -> bool {
        self.paths == now.paths
            && self.kustomizations.len() == now.kustomizations.len()
            && self
                .kustomizations
                .iter()
                .zip(&now.kustomizations)
                .all(|(a, b)| Arc::ptr_eq(a, b))
            && self
                .included
                .iter()
                .all(|(i, r)| files.get(*i).is_some_and(|f| Arc::ptr_eq(f, r)))
    }
}

/// One file's part of a Kubernetes load: what it held, and its findings.
pub(crate) type FileResult = (Parsed, Loaded);

/// Parse one file (a manifest, a kustomization, a Helm template).
fn load_file(ws: &Workspace, sources: &SourceMap, id: FileId) -> FileResult {
    let file = sources.get(id);
    let mut l = Loaded::default();
    if let Some(chart) = helm_chart(&file.display, &file.text) {
        return (Parsed::Helm(chart), l);
    }
    let parsed = if is_json(&file.path) {
        json_document(id, file).map(|(d, comments)| (vec![d], comments))
    } else {
        yaml::parse(&file.text, id).map(|p| (p.tree, p.comments))
    };
    let docs = match parsed {
        Ok((docs, comments)) => {
            l.add_comments(id, &file.text, comments);
            Ok(docs)
        }
        Err(e) => Err(parse_error::finding(e.span, e.message)),
    };
    match docs {
        Ok(docs) if kustomize::is_kustomization(&file.path) => {
            if let Some(doc) = docs.first() {
                // Named from the project root where known: the name is part of
                // the objects' addresses, which baselines record.
                let name = ws
                    .project
                    .iter()
                    .chain(&ws.roots)
                    .find_map(|root| file.path.strip_prefix(root).ok())
                    .map(|p| p.to_string_lossy().replace('\\', "/"))
                    .unwrap_or_else(|| file.display.clone());
                let k = kustomize::Kustomization::read(&file.path, &name, doc);
                return (Parsed::Kustomization(file.path.clone(), k), l);
            }
        }
        Ok(docs) => {
            for doc in docs {
                objects(doc, &mut l.resources);
            }
            let objects = std::mem::take(&mut l.resources);
            return (Parsed::Manifest(file.path.clone(), Part::Owned(objects)), l);
        }
        Err(f) => l.findings.push(f),
    }
    (Parsed::Nothing, l)
}

/// How the note on skipped Helm templates begins; the command line shows it without `-v`.
pub const HELM_SUMMARY: &str = "Helm templates not analysed: ";

/// What one file held.
#[derive(Clone)]
pub(crate) enum Parsed {
    Helm(String),
    Manifest(std::path::PathBuf, Part),
    Kustomization(std::path::PathBuf, kustomize::Kustomization),
    Nothing,
}

fn is_json(path: &std::path::Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// A JSON manifest as one document, with the byte range of every value, and its comments.
fn json_document(
    id: FileId,
    file: &crate::source::SourceFile,
) -> Result<(Value, Vec<crate::parse::Comment>), crate::parse::ParseError> {
    use crate::parse::arm::{Json, Node};
    fn convert(n: Node) -> Value {
        let kind = match n.json {
            Json::Null => ValueKind::Null,
            Json::Bool(b) => ValueKind::Bool(b),
            Json::Number(x) => ValueKind::Number(x),
            Json::String(s) => ValueKind::String(s.into()),
            Json::Array(items) => ValueKind::List(items.into_iter().map(convert).collect()),
            Json::Object(members) => ValueKind::Object(
                members
                    .into_iter()
                    .map(|m| (m.key.into(), convert(m.value)))
                    .collect(),
            ),
        };
        Value::new(kind, n.span)
    }
    match crate::parse::arm::parse(id, file) {
        Ok(parsed) => Ok((convert(parsed.tree), parsed.comments)),
        Err(mut e) => {
            e.message = e
                .message
                .replace("cannot parse ARM JSON", "cannot parse JSON manifest");
            Err(e)
        }
    }
}

/// The chart folder of a file in a chart's `templates/` folder with Go template syntax.
fn helm_chart(display: &str, text: &str) -> Option<String> {
    if !text.contains("{{") {
        return None;
    }
    let parts: Vec<&str> = display.split('/').collect();
    let at = parts.iter().rposition(|p| *p == "templates")?;
    Some(if at == 0 {
        ".".to_string()
    } else {
        parts[..at].join("/")
    })
}

/// The objects of a document: the document itself, or a `List`'s items.
pub(crate) fn objects(doc: Value, out: &mut Vec<Resource>) {
    let (Some(api), Some(kind)) = (
        doc.get("apiVersion").and_then(Value::as_str),
        doc.get("kind").and_then(Value::as_str),
    ) else {
        return;
    };
    if kind.ends_with("List")
        && let Some(items) = doc.get("items").and_then(Value::as_list)
    {
        for item in items {
            objects(item.clone(), out);
        }
        return;
    }
    let kind = kind.to_string();
    let native_type = format!("{api}/{kind}");
    let name = doc.path(&["metadata", "name"]).cloned();
    let namespace = namespace_of(&doc).to_string();
    let name_str = name
        .as_ref()
        .and_then(Value::as_str)
        .unwrap_or("(unnamed)")
        .to_string();
    let address = format!("{kind}/{namespace}/{name_str}");
    let head = name
        .as_ref()
        .map(|n| n.span)
        .or_else(|| doc.get("kind").map(|k| k.span))
        .unwrap_or(doc.span);
    let api = api.to_string();
    let doc = keep_what_rules_read(&api, &kind, doc);
    out.push(Resource {
        id: Default::default(),
        kind: Kind::KubernetesObject,
        format: Format::Kubernetes,
        native_type,
        keys: vec![crate::model::Key::Kubernetes {
            address: address.to_ascii_lowercase().into(),
            kustomization: None,
        }],
        address,
        span: head,
        body: doc,
        name,
        instances: None,
        via: Vec::new(),
        existing: false,
    });
}

/// What some rule reads of Kubernetes objects: the union of [`crate::rules::Rule::k8s`].
struct Reads {
    pod_spec: Vec<&'static str>,
    container: Vec<&'static str>,
    kinds: Vec<&'static str>,
    apis: Vec<&'static str>,
}

impl Reads {
    fn get() -> &'static Reads {
        static READS: std::sync::OnceLock<Reads> = std::sync::OnceLock::new();
        READS.get_or_init(|| {
            let mut r = Reads {
                pod_spec: Vec::new(),
                container: Vec::new(),
                kinds: Vec::new(),
                apis: Vec::new(),
            };
            for read in crate::rules::k8s_reads() {
                let (list, s) = match read {
                    K8sRead::PodSpec(s) => (&mut r.pod_spec, s),
                    K8sRead::Container(s) => (&mut r.container, s),
                    K8sRead::Kind(s) => (&mut r.kinds, s),
                    K8sRead::Api(s) => (&mut r.apis, s),
                };
                if !list.contains(&s) {
                    list.push(s);
                }
            }
            r
        })
    }

    /// True when some rule reads objects of this `apiVersion` and kind whole.
    fn whole(&self, api: &str, kind: &str) -> bool {
        self.kinds.contains(&kind) || self.apis.iter().any(|a| api.starts_with(a))
    }
}

/// What rules read of an object ([`Reads`]); the rest is dropped right after loading, since
/// the manifests of a repository are mostly what no rule reads (a CRD's schema, a
/// ConfigMap's data, a container's environment).
fn keep_what_rules_read(api: &str, kind: &str, doc: Value) -> Value {
    const IDENTITY: [&str; 3] = ["apiVersion", "kind", "metadata"];
    let reads = Reads::get();
    if let Some(path) = pod_spec_path(kind) {
        // Workloads: what rules read of the pod spec and its containers.
        let path: Vec<&str> = path.split('.').collect();
        return keep_path(doc, &IDENTITY, &path, reads);
    }
    if reads.whole(api, kind) {
        doc
    } else {
        keep(doc, |k| IDENTITY.contains(&k), |_, v| v)
    }
}

/// An object with only the entries `wanted`, each passed through `then`, at the same span.
fn keep(v: Value, wanted: impl Fn(&str) -> bool, then: impl Fn(&str, Value) -> Value) -> Value {
    let span = v.span;
    match v.kind {
        ValueKind::Object(entries) => Value::new(
            ValueKind::Object(
                entries
                    .into_iter()
                    .filter(|(k, _)| wanted(k))
                    .map(|(k, v)| {
                        let v = then(&k, v);
                        (k, v)
                    })
                    .collect(),
            ),
            span,
        ),
        other => Value::new(other, span),
    }
}

/// Keep `also` and the entries along `path`; at its end, what rules read of a pod spec.
fn keep_path(v: Value, also: &[&str], path: &[&str], reads: &Reads) -> Value {
    let Some((head, rest)) = path.split_first() else {
        let containers = !reads.container.is_empty();
        return keep(
            v,
            |k| reads.pod_spec.contains(&k) || (containers && CONTAINER_LISTS.contains(&k)),
            |k, list| {
                if reads.pod_spec.contains(&k) {
                    return list;
                }
                let span = list.span;
                match list.kind {
                    ValueKind::List(items) => Value::new(
                        ValueKind::List(
                            items
                                .into_iter()
                                .map(|c| keep(c, |k| reads.container.contains(&k), |_, v| v))
                                .collect(),
                        ),
                        span,
                    ),
                    other => Value::new(other, span),
                }
            },
        );
    };
    keep(
        v,
        |k| k == *head || also.contains(&k),
        |k, v| {
            if k == *head {
                keep_path(v, &[], rest, reads)
            } else {
                v
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Graph;

    fn graph(text: &str) -> Graph {
        let mut out = Vec::new();
        for d in yaml::parse(text, FileId(0)).unwrap().tree {
            objects(d, &mut out);
        }
        Graph::new(out)
    }

    #[test]
    fn every_workload_kind_and_container_list() {
        let g = graph(
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: batch/v1\n  kind: CronJob\n  metadata: {name: c, namespace: ops}\n  spec:\n    jobTemplate:\n      spec:\n        template:\n          spec:\n            initContainers: [{name: i, image: a}]\n            containers: [{name: m, image: b}]\n---\napiVersion: v1\nkind: PodTemplate\nmetadata: {name: t}\ntemplate:\n  spec:\n    ephemeralContainers: [{name: e, image: c}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
        );
        let cs = crate::model::kubernetes::containers(&g);
        let got: Vec<_> = cs
            .iter()
            .map(|c| {
                (
                    c.resource.address.as_str(),
                    c.list,
                    c.image.and_then(Value::as_str),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("CronJob/ops/c", "containers", Some("b")),
                ("CronJob/ops/c", "initContainers", Some("a")),
                ("PodTemplate/default/t", "ephemeralContainers", Some("c")),
            ]
        );
        assert_eq!(g.resources.len(), 3);
    }
}
