//! Every Kubernetes YAML file in `../shared/corpus/` parses without LINT001 or panic
//! (skipped when the corpus is absent), and the demo applications give the expected findings.

mod common;

use std::path::{Path, PathBuf};

use acrlint::config::Config;
use acrlint::discover::{FileKind, classify};
use acrlint::source::SourceFile;
use acrlint::{Workspace, analyze};

/// Upstream files that are deliberately not valid YAML, with the reason.
const UPSTREAM_INVALID: &[(&str, &str)] = &[
    (
        "kubernetes-examples/_archived/openshift-origin/etcd-controller.yaml",
        "duplicate mapping keys (kubectl rejects them too: `mapping key already defined`)",
    ),
    (
        "kubernetes-examples/_archived/openshift-origin/etcd-discovery-controller.yaml",
        "duplicate mapping keys",
    ),
    (
        "kubernetes-examples/_archived/openshift-origin/openshift-controller.yaml",
        "duplicate mapping keys",
    ),
    (
        "kubernetes-examples/_archived/persistent-volume-provisioning/quobyte/quobyte-admin-secret.yaml",
        "duplicate mapping keys",
    ),
    (
        "kubernetes-examples/_archived/volumes/scaleio/sc-pvc.yaml",
        "duplicate mapping keys",
    ),
];

fn kubernetes_workspace(dir: &Path) -> Workspace {
    let mut paths = Vec::new();
    common::files_with(dir, &["yaml", "yml"], &mut paths);
    let mut ws = Workspace {
        roots: vec![acrlint::normalize(dir)],
        ..Workspace::default()
    };
    for p in paths {
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        if classify(&p, &text) == FileKind::Kubernetes {
            let display = p
                .strip_prefix(dir)
                .unwrap_or(&p)
                .to_string_lossy()
                .into_owned();
            ws.files.push(SourceFile::new(p, display, text));
        }
    }
    ws
}

#[test]
fn every_kubernetes_manifest_in_the_corpus_parses() {
    let Some(corpus) = common::corpus() else {
        eprintln!("../shared/corpus is absent: skipped");
        return;
    };
    let ws = kubernetes_workspace(&corpus);
    assert!(ws.files.len() > 100, "only {} files", ws.files.len());
    let a = analyze(&ws, &Config::default());
    let errors: Vec<String> = a
        .findings
        .iter()
        .filter(|f| f.rule.code == "LINT001")
        .map(|f| format!("{}: {}", a.sources.get(f.primary.file).display, f.message))
        .filter(|m| !UPSTREAM_INVALID.iter().any(|(p, _)| m.starts_with(p)))
        .collect();
    eprintln!(
        "{} Kubernetes files, {} objects, {} notes",
        ws.files.len(),
        a.graph.resources.len(),
        a.notes.len()
    );
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

fn counts(dir: &str) -> Option<(usize, usize, usize, usize)> {
    let corpus = common::corpus()?;
    let a = analyze(&kubernetes_workspace(&corpus.join(dir)), &Config::default());
    let n = |code: &str| a.findings.iter().filter(|f| f.rule.code == code).count();
    for f in &a.findings {
        eprintln!(
            "{} {} {}",
            f.rule.code,
            a.sources.get(f.primary.file).display,
            f.message
        );
    }
    Some((n("K8S001"), n("K8S002"), n("K8S003"), n("LINT001")))
}

#[test]
fn demo_applications() {
    let Some(md) = counts("microservices-demo") else {
        return;
    };
    // microservices-demo: 42 images outside ACR (Artifact Registry `us-central1-docker.pkg.dev`,
    // and skaffold placeholders such as `image: adservice`, which mean docker.io/library/...);
    // the 12 placeholders have no tag. No pull secrets.
    assert_eq!(md, (42, 12, 0, 0), "microservices-demo");
    // aks-store-demo: 43 images from ghcr.io/azure-samples and docker.io (rabbitmq, busybox,
    // kustomize placeholders), all tagged; no pull secrets.
    let store = counts("aks-store-demo").unwrap();
    assert_eq!(store, (43, 0, 0, 0), "aks-store-demo");
}

#[test]
fn samples_pass_and_fail_as_documented() {
    let root = common::root().join("samples/k8s");
    let k8s = |a: &acrlint::Analysis| -> Vec<String> {
        a.findings
            .iter()
            .filter(|f| f.rule.code.starts_with("K8S") || f.rule.code == "LINT001")
            .map(|f| f.rule.code.to_string())
            .collect()
    };
    let good = analyze(
        &kubernetes_workspace(&root.join("good")),
        &Config::default(),
    );
    assert_eq!(k8s(&good), Vec::<String>::new());
    let bad = analyze(&kubernetes_workspace(&root.join("bad")), &Config::default());
    let mut codes = k8s(&bad);
    codes.sort();
    assert_eq!(
        codes,
        ["K8S001", "K8S001", "K8S002", "K8S002", "K8S003"],
        "{}",
        common::human(&bad)
    );
}

/// The objects K8S001 reports when a policy and its upstream test resources are scanned together.
fn denied(files: &[PathBuf]) -> Vec<String> {
    let a = common::analyze_paths(files, &Config::default());
    let mut out: Vec<String> = a
        .findings
        .iter()
        .filter(|f| f.rule.code == "K8S001")
        .filter_map(|f| f.resource.clone())
        .collect();
    out.dedup();
    out
}

#[test]
fn upstream_policy_tests_agree() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    // Gatekeeper library: K8sAllowedRepos with `repos: ["openpolicyagent/"]`.
    let g = corpus.join(
        "gatekeeper-library/library/general/allowedrepos/samples/repo-must-be-openpolicyagent",
    );
    let with = |f: &str| vec![g.join("constraint.yaml"), g.join(f)];
    assert!(denied(&with("example_allowed.yaml")).is_empty());
    for f in [
        "example_disallowed_both.yaml",
        "example_disallowed_container.yaml",
        "example_disallowed_initcontainer.yaml",
        "disallowed_all.yaml",
    ] {
        assert_eq!(denied(&with(f)), ["Pod/default/nginx-disallowed"], "{f}");
    }
    // Kyverno policies: restrict-image-registries and its kyverno-test results.
    let k = corpus.join("kyverno-policies/best-practices/restrict-image-registries");
    let got = denied(&[
        k.join("restrict-image-registries.yaml"),
        k.join(".kyverno-test/resource.yaml"),
    ]);
    assert_eq!(
        got,
        [
            "Pod/default/badpod01",
            "Pod/default/badpod02",
            "Pod/default/badpod03",
            "Pod/default/badpod04"
        ]
    );
}

#[test]
fn upstream_allowedreposv2_tests_agree() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    // K8sAllowedReposv2: exact images, or prefixes ending in `*`.
    let g = corpus.join("gatekeeper-library/library/general/allowedreposv2/samples");
    let Ok(samples) = std::fs::read_dir(&g) else {
        return;
    };
    let mut checked = 0;
    for s in samples.flatten() {
        let dir = s.path();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.file_name().is_some_and(|n| n != "constraint.yaml"))
            .collect();
        files.sort();
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            let got = denied(&[dir.join("constraint.yaml"), f.clone()]);
            if name.starts_with("example_allowed") {
                assert!(got.is_empty(), "{name}: {got:?}");
            } else {
                assert!(!got.is_empty(), "{name}: nothing denied");
            }
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} samples");
}
