//! kustomize overlays, rendered far enough to apply `images:` and `namespace:`.
//!
//! A kustomization includes manifests and other kustomizations through `resources:`
//! (files and folders relative to it). Only files already in the scanned tree are used:
//! nothing is read from disk here, remote resources are not fetched (a note says so).
//! Each leaf kustomization (one that no other kustomization includes) is judged as what
//! is deployed: its objects carry the rewritten images, at the span of the base
//! manifest's `image:`, with a label at the `images:` entry that rewrote it. A manifest
//! included by some kustomization is judged only through the leaves that include it.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use crate::model::kubernetes::{CONTAINER_LISTS, kind_of, pod_spec_path};
use crate::model::{Origin, Resource, Value, ValueKind};
use crate::source::Span;

pub use crate::discover::{KUSTOMIZATION_FILE_NAMES as FILE_NAMES, is_kustomization};

/// One `images:` entry.
#[derive(Clone)]
struct ImageRule {
    name: String,
    new_name: Option<String>,
    new_tag: Option<String>,
    digest: Option<String>,
    span: Span,
}

/// What an object's address gains when rendered through an overlay (`Deployment/default/web
/// (overlay overlays/prod)`).
pub const OVERLAY: &str = " (overlay ";

/// A parsed kustomization.
#[derive(Clone)]
pub struct Kustomization {
    /// The file, as displayed.
    pub display: String,
    /// The file's name (`kustomization.yaml`), for labels next to it.
    file_name: String,
    dir: PathBuf,
    resources: Vec<(String, Span)>,
    /// `components:`: applied to everything gathered so far, after the resources.
    components: Vec<String>,
    images: Vec<ImageRule>,
    namespace: Option<String>,
    /// Fields that may change images which acrlint does not apply (`patches`, `helmCharts`).
    not_applied: Vec<&'static str>,
}

/// Fields of a kustomization that may change what is deployed and are not applied.
const NOT_APPLIED: [&str; 7] = [
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "replacements",
    "helmCharts",
    "generators",
    "transformers",
];

fn string(v: Option<&Value>) -> Option<String> {
    v.and_then(|v| match &v.kind {
        ValueKind::String(s) => Some(s.to_string()),
        ValueKind::Number(n) => Some(n.to_string()),
        _ => None,
    })
    .filter(|s| !s.is_empty())
}

impl Kustomization {
    /// Read a kustomization's first document.
    pub fn read(path: &Path, display: &str, doc: &Value) -> Kustomization {
        let mut resources = Vec::new();
        // `bases:` is the older name of folder resources.
        for key in ["resources", "bases"] {
            for item in doc.get(key).and_then(Value::as_list).unwrap_or(&[]) {
                if let Some(s) = item.as_str() {
                    resources.push((s.to_string(), item.span));
                }
            }
        }
        let components = doc
            .get("components")
            .and_then(Value::as_list)
            .unwrap_or(&[])
            .iter()
            .filter_map(|c| c.as_str().map(str::to_string))
            .collect();
        let images = doc
            .get("images")
            .and_then(Value::as_list)
            .unwrap_or(&[])
            .iter()
            .filter_map(|e| {
                Some(ImageRule {
                    name: string(e.get("name"))?,
                    new_name: string(e.get("newName")),
                    new_tag: string(e.get("newTag")),
                    digest: string(e.get("digest")),
                    // The label goes where the entry says what the image becomes.
                    span: ["newName", "newTag", "digest", "name"]
                        .iter()
                        .find_map(|k| e.get(k))
                        .map_or(e.span, |v| v.span),
                })
            })
            .collect();
        Kustomization {
            display: display.to_string(),
            file_name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            resources,
            components,
            images,
            namespace: string(doc.get("namespace")),
            not_applied: NOT_APPLIED
                .into_iter()
                .filter(|k| doc.get(k).is_some())
                .collect(),
        }
    }

    /// The rewritten reference when an entry names this image, with the entry.
    fn rewrite(&self, image: &str) -> Option<(String, &ImageRule)> {
        let (rest, digest) = match image.split_once('@') {
            Some((r, d)) => (r, Some(d)),
            None => (image, None),
        };
        let slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[slash..].rfind(':') {
            Some(i) => (&rest[..slash + i], Some(&rest[slash + i + 1..])),
            None => (rest, None),
        };
        let rule = self.images.iter().find(|r| r.name == name)?;
        let mut out = rule.new_name.clone().unwrap_or_else(|| name.to_string());
        if rule.new_tag.is_some() || rule.digest.is_some() {
            if let Some(t) = &rule.new_tag {
                out = format!("{out}:{t}");
            }
            if let Some(d) = &rule.digest {
                out = format!("{out}@{d}");
            }
        } else {
            if let Some(t) = tag {
                out = format!("{out}:{t}");
            }
            if let Some(d) = digest {
                out = format!("{out}@{d}");
            }
        }
        Some((out, rule))
    }
}

/// `base` joined with `rel`, `.` and `..` resolved without touching the disk.
fn join(base: &Path, rel: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for c in base.join(rel).components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// An overlay's name: its kustomization's folder as displayed.
fn overlay(display: &str) -> &str {
    match display.rsplit_once('/') {
        Some((dir, _)) => dir,
        None => ".",
    }
}

/// A remote resource kustomize would fetch (a URL or a `host/org/repo` git reference).
fn is_remote(s: &str) -> bool {
    s.contains("://")
        || s.starts_with("git@")
        || s.contains("?ref=")
        || s.starts_with("github.com/")
}

/// The files of the scan, for the renderer: manifests by path (with their objects) and
/// kustomizations by path.
#[derive(Default)]
pub struct Tree {
    pub manifests: HashMap<PathBuf, crate::model::Part>,
    pub kustomizations: HashMap<PathBuf, Kustomization>,
    /// Set when a rendering stopped at [`MAX_DEPTH`] or [`MAX_OBJECTS`].
    limited: std::cell::Cell<bool>,
    /// Objects rendered so far, against [`MAX_OBJECTS`].
    rendered: std::cell::Cell<usize>,
}

/// Deepest chain of kustomizations followed (real overlays are a few levels deep).
pub const MAX_DEPTH: usize = 64;
/// Most objects rendered through kustomizations in one scan (a repository that includes
/// the same bases many times over cannot multiply its objects without bound).
pub const MAX_OBJECTS: usize = 200_000;

enum Target<'a> {
    Manifest(&'a PathBuf),
    Kustomization(&'a PathBuf),
}

impl Tree {
    fn target(&self, k: &Kustomization, rel: &str) -> Option<Target<'_>> {
        let p = join(&k.dir, rel);
        if let Some((p, _)) = self.manifests.get_key_value(&p) {
            return Some(Target::Manifest(p));
        }
        if let Some((p, _)) = self.kustomizations.get_key_value(&p) {
            return Some(Target::Kustomization(p));
        }
        FILE_NAMES.iter().find_map(|n| {
            self.kustomizations
                .get_key_value(&p.join(n))
                .map(|(p, _)| Target::Kustomization(p))
        })
    }

    /// Render every leaf kustomization. Returns the objects deployed, the manifest files
    /// judged only through kustomizations, and notes on what was not followed.
    pub fn render(&self) -> (Vec<Resource>, HashSet<PathBuf>, Vec<String>) {
        let mut included_k = HashSet::new();
        let mut included_m = HashSet::new();
        let mut notes = Vec::new();
        for k in self.kustomizations.values() {
            if !k.not_applied.is_empty() {
                notes.push(format!(
                    "{}: {} not applied; images they set are not checked",
                    k.display,
                    k.not_applied
                        .iter()
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            let components = k.components.iter().map(String::as_str);
            for rel in k
                .resources
                .iter()
                .map(|(r, _)| r.as_str())
                .chain(components)
            {
                match self.target(k, rel) {
                    Some(Target::Manifest(p)) => {
                        included_m.insert(p.clone());
                    }
                    // A kustomization listing its own folder does not include itself.
                    Some(Target::Kustomization(p)) if p.parent() != Some(k.dir.as_path()) => {
                        included_k.insert(p.clone());
                    }
                    Some(Target::Kustomization(_)) => {}
                    None if is_remote(rel) => notes.push(format!(
                        "{}: remote resource `{rel}` not fetched; its images are not checked",
                        k.display
                    )),
                    None => notes.push(format!(
                        "{}: resource `{rel}` is not a manifest or kustomization in the scanned tree; not followed",
                        k.display
                    )),
                }
            }
        }
        let mut leaves: Vec<&PathBuf> = self
            .kustomizations
            .keys()
            .filter(|p| !included_k.contains(*p))
            .collect();
        leaves.sort();
        let mut out = Vec::new();
        for leaf in leaves {
            let k = &self.kustomizations[leaf];
            let mut stack = vec![leaf.clone()];
            let rendered_by: std::sync::Arc<str> = k.display.as_str().into();
            for mut r in self.objects(leaf, &mut stack) {
                r.address = format!("{}{OVERLAY}{})", r.address, overlay(&k.display));
                for key in &mut r.keys {
                    if let crate::model::Key::Kubernetes { kustomization, .. } = key {
                        *kustomization = Some(rendered_by.clone());
                    }
                }
                out.push(r);
            }
        }
        notes.sort();
        if self.limited.get() {
            notes.push(format!(
                "kustomizations not rendered in full: deeper than {MAX_DEPTH} levels or more than {MAX_OBJECTS} objects"
            ));
        }
        (out, included_m, notes)
    }

    /// The objects a kustomization produces, its images and namespace applied.
    fn objects(&self, at: &PathBuf, stack: &mut Vec<PathBuf>) -> Vec<Resource> {
        let mut out = Vec::new();
        self.build(at, &mut out, stack);
        out
    }

    /// Add a kustomization's resources to `out`, then run its components and its own
    /// transformers over everything in `out` (a component transforms what its includer
    /// gathered).
    fn build(&self, at: &PathBuf, out: &mut Vec<Resource>, stack: &mut Vec<PathBuf>) {
        let k = &self.kustomizations[at];
        if self.limited.get() || stack.len() > MAX_DEPTH {
            self.limited.set(true);
            return;
        }
        // kustomize refuses a resource listed twice; it is taken once here.
        let mut seen = HashSet::new();
        for (rel, _) in &k.resources {
            match self.target(k, rel) {
                Some(Target::Manifest(p)) if seen.insert(p) => {
                    let fits = self.manifests[p].with(|objects| {
                        let total = self.rendered.get() + objects.len();
                        if total > MAX_OBJECTS {
                            return false;
                        }
                        self.rendered.set(total);
                        out.extend(objects.iter().cloned());
                        true
                    });
                    if !fits {
                        self.limited.set(true);
                        return;
                    }
                }
                Some(Target::Kustomization(p)) if !stack.contains(p) && seen.insert(p) => {
                    stack.push(p.clone());
                    out.extend(self.objects(p, stack));
                    stack.pop();
                }
                _ => {}
            }
        }
        for rel in &k.components {
            if let Some(Target::Kustomization(p)) = self.target(k, rel)
                && !stack.contains(p)
            {
                stack.push(p.clone());
                self.build(p, out, stack);
                stack.pop();
            }
        }
        for r in out.iter_mut() {
            apply(k, r);
        }
    }
}

/// Apply a kustomization's `images:` and `namespace:` to one object.
fn apply(k: &Kustomization, r: &mut Resource) {
    if let Some(ns) = &k.namespace
        && let ValueKind::Object(entries) = &mut r.body.kind
        && let Some((_, meta)) = entries.iter_mut().find(|(key, _)| &**key == "metadata")
        && let ValueKind::Object(m) = &mut meta.kind
    {
        let span = meta.span;
        let v = Value::new(ValueKind::String(ns.clone().into()), span);
        match m.iter_mut().find(|(key, _)| &**key == "namespace") {
            Some((_, old)) => *old = Value::new(v.kind, old.span),
            None => m.push(("namespace".into(), v)),
        }
        let kind = kind_of(r).to_string();
        let name = r
            .body
            .path(&["metadata", "name"])
            .and_then(Value::as_str)
            .unwrap_or("(unnamed)")
            .to_string();
        r.address = format!("{kind}/{ns}/{name}");
    }
    if k.images.is_empty() {
        return;
    }
    let Some(path) = pod_spec_path(kind_of(r)) else {
        return;
    };
    let keys: Vec<&str> = path.split('.').collect();
    let mut labels = Vec::new();
    if let Some(spec) = path_mut(&mut r.body, &keys) {
        for list in CONTAINER_LISTS {
            let Some(ValueKind::List(items)) = get_mut(spec, list).map(|v| &mut v.kind) else {
                continue;
            };
            for c in items {
                let Some(image) = get_mut(c, "image") else {
                    continue;
                };
                let Some((new, rule)) = image.as_str().and_then(|s| k.rewrite(s)) else {
                    continue;
                };
                // An entry acrlint does not apply (`tagSuffix`) changes nothing.
                if image.as_str() == Some(new.as_str()) {
                    continue;
                }
                labels.push(Origin {
                    span: rule.span,
                    what: format!("rewritten by {} to `{new}`", k.file_name),
                });
                image.kind = ValueKind::String(new.into());
            }
        }
    }
    r.via.extend(labels);
}

fn get_mut<'a>(v: &'a mut Value, key: &str) -> Option<&'a mut Value> {
    match &mut v.kind {
        ValueKind::Object(entries) => entries
            .iter_mut()
            .find(|(k, _)| &**k == key)
            .map(|(_, v)| v),
        _ => None,
    }
}

fn path_mut<'a>(v: &'a mut Value, keys: &[&str]) -> Option<&'a mut Value> {
    match keys.split_first() {
        None => Some(v),
        Some((k, rest)) => path_mut(get_mut(v, k)?, rest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn k(images: &str) -> Kustomization {
        let doc = crate::parse::yaml::parse(images, FileId(0))
            .unwrap()
            .tree
            .remove(0);
        Kustomization::read(
            Path::new("/r/kustomization.yaml"),
            "kustomization.yaml",
            &doc,
        )
    }

    #[test]
    fn rewrites_as_kustomize_does() {
        let k = k(
            "images:\n- {name: nginx, newName: my.io/nginx, newTag: '1.2'}\n- {name: a/b, digest: 'sha256:00'}\n- {name: c, newName: x.io/c}\n",
        );
        let r = |s: &str| k.rewrite(s).map(|(s, _)| s);
        assert_eq!(r("nginx").as_deref(), Some("my.io/nginx:1.2"));
        assert_eq!(r("nginx:1.0@sha256:11").as_deref(), Some("my.io/nginx:1.2"));
        assert_eq!(r("a/b:3").as_deref(), Some("a/b@sha256:00"));
        assert_eq!(r("c:7").as_deref(), Some("x.io/c:7"));
        assert_eq!(r("localhost:5000/c:7"), None);
        assert_eq!(r("docker.io/nginx"), None);
    }

    #[test]
    fn joins_without_the_disk() {
        assert_eq!(join(Path::new("/r/o/p"), "../../b"), PathBuf::from("/r/b"));
        assert_eq!(
            join(Path::new("/r"), "./a.yaml"),
            PathBuf::from("/r/a.yaml")
        );
    }
}
