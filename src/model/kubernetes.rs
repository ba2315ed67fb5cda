//! Views of Kubernetes objects that rules read: a workload's pod spec, its containers,
//! an object's kind and namespace.

use crate::config::Config;
use crate::model::{Format, Kind, Resource, Value};

pub(crate) fn namespace_of(doc: &Value) -> &str {
    doc.path(&["metadata", "namespace"])
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("default")
}

/// The `kind` of a Kubernetes object resource.
pub fn kind_of(r: &Resource) -> &str {
    r.body.get("kind").and_then(Value::as_str).unwrap_or("")
}

/// The namespace of an object (`default` when not set).
pub fn namespace(r: &Resource) -> &str {
    namespace_of(&r.body)
}

/// Where a workload kind keeps its pod spec; `None` for kinds without one.
pub(crate) fn pod_spec_path(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Pod" => "spec",
        "Deployment"
        | "ReplicaSet"
        | "StatefulSet"
        | "DaemonSet"
        | "Job"
        | "ReplicationController" => "spec.template.spec",
        "CronJob" => "spec.jobTemplate.spec.template.spec",
        "PodTemplate" => "template.spec",
        _ => return None,
    })
}

/// The pod spec of a workload, and its path as written (`spec.template.spec`).
pub fn pod_spec(r: &Resource) -> Option<(&Value, &'static str)> {
    if r.format != Format::Kubernetes {
        return None;
    }
    let path = pod_spec_path(kind_of(r))?;
    let keys: Vec<&str> = path.split('.').collect();
    Some((r.body.path(&keys)?, path))
}

/// The container lists of a pod spec.
pub const CONTAINER_LISTS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];

/// One container of a workload.
pub struct Container<'a> {
    pub resource: &'a Resource,
    /// `containers`, `initContainers` or `ephemeralContainers`.
    pub list: &'static str,
    pub name: Option<&'a str>,
    /// The `image` value (may be unknown or absent: then `None`).
    pub image: Option<&'a Value>,
    /// Where it sits: `spec.template.spec.containers[0]`.
    pub path: String,
}

impl Container<'_> {
    /// `container `web``, for messages.
    pub fn describe(&self) -> String {
        let what = match self.list {
            "initContainers" => "init container",
            "ephemeralContainers" => "ephemeral container",
            _ => "container",
        };
        match self.name {
            Some(n) => format!("{what} `{n}`"),
            None => format!("{what} `{}`", self.path),
        }
    }
}

/// Every container of every workload in the graph.
pub fn containers(graph: &crate::model::Graph) -> Vec<Container<'_>> {
    let mut out = Vec::new();
    for r in graph.of_kind(Kind::KubernetesObject) {
        let Some((spec, spec_path)) = pod_spec(r) else {
            continue;
        };
        for list in CONTAINER_LISTS {
            let Some(items) = spec.get(list).and_then(Value::as_list) else {
                continue;
            };
            for (i, c) in items.iter().enumerate() {
                out.push(Container {
                    resource: r,
                    list,
                    name: c.get("name").and_then(Value::as_str),
                    image: c.get("image"),
                    path: format!("{spec_path}.{list}[{i}]"),
                });
            }
        }
    }
    out
}

/// True when the object's namespace is excluded by the configuration.
pub fn excluded(config: &Config, r: &Resource) -> bool {
    let ns = namespace(r);
    config.is_excluded_namespace(ns)
}
