//! Every manifest a team has: Kubernetes JSON manifests, kustomize overlays and Helm
//! templates (which are skipped, and said so without `-v`).

mod common;

use std::path::Path;

use acrlint::Analysis;
use acrlint::discover::{FileKind, classify};
use acrlint::finding::Finding;

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A project in a temporary folder: `acrlint.toml` plus the files given.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "acrlint.toml", "# a project\n");
    for (name, text) in files {
        write(dir.path(), name, text);
    }
    dir
}

fn write(root: &Path, name: &str, text: &str) {
    let p = root.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn of<'a>(a: &'a Analysis, code: &str) -> Vec<&'a Finding> {
    a.findings.iter().filter(|f| f.rule.code == code).collect()
}

/// `file:line:column` of a finding's primary span, the file by name only.
fn at(a: &Analysis, f: &Finding) -> String {
    let file = a.sources.get(f.primary.file);
    let lc = file.line_col(f.primary.start as usize);
    let name = file.path.file_name().unwrap().to_string_lossy();
    format!("{name}:{}:{}", lc.line, lc.column)
}

#[test]
fn json_pod_deployment_and_list_fire_k8s001_at_the_image() {
    let pod = r#"{
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {"name": "p"},
  "spec": {"containers": [{"name": "c", "image": "evil.io/a:1"}]}
}
"#;
    let deployment = "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"},\n\t\"spec\":{\"template\":{\"spec\":{\"containers\":[\n\t\t{\"name\":\"c\",\"image\":\"évil.example/b:1\"}]}}}}\n";
    let list = r#"{"apiVersion": "v1", "kind": "DeploymentList", "items": [
  {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "l"},
   "spec": {"template": {"spec": {"containers": [
     {"name": "ok", "image": "contoso.azurecr.io/ok:1"},
     {"name": "bad", "image": "quay.io/c:1"}]}}}}]}
"#;
    let dir = project(&[
        ("pod.json", pod),
        ("deployment.json", deployment),
        ("list.json", list),
    ]);
    let a = common::analyze_dir(dir.path());
    let mut got: Vec<String> = of(&a, "K8S001")
        .iter()
        .map(|f| format!("{} {}", at(&a, f), f.resource.as_deref().unwrap_or("")))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "deployment.json:3:23 Deployment/default/d",
            "list.json:5:31 Deployment/default/l",
            "pod.json:5:50 Pod/default/p",
        ],
        "{}",
        common::human(&a)
    );
    // The span is the string with its quotes.
    let f = of(&a, "K8S001")[0];
    let text = &a.sources.get(f.primary.file).text;
    assert!(text[f.primary.start as usize..f.primary.end as usize].starts_with('"'));
    assert!(of(&a, "LINT001").is_empty(), "{}", common::human(&a));
}

#[test]
fn arm_templates_stay_arm_and_other_json_is_skipped() {
    let p = Path::new("x.json");
    let arm = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "kind": "StorageV2"}]}"#;
    assert_eq!(classify(p, arm), FileKind::ArmTemplate);
    let params = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", "parameters": {"kind": {"value": "x"}, "apiVersion": {"value": "y"}}}"#;
    assert_eq!(classify(p, params), FileKind::ArmParameters);
    assert_eq!(
        classify(p, r#"{"apiVersion": "v1", "kind": "Pod"}"#),
        FileKind::Kubernetes
    );
    assert_eq!(
        classify(p, r#"{"name": "pkg", "version": "1.0.0"}"#),
        FileKind::Other
    );
    assert_eq!(
        classify(p, r#"[{"apiVersion": "v1", "kind": "Pod"}]"#),
        FileKind::Other
    );
    // An ARM template with a container image is judged as ARM, not as a manifest.
    let dir = project(&[("main.json", arm)]);
    let a = common::analyze_dir(dir.path());
    assert!(
        a.graph
            .resources
            .iter()
            .all(|r| r.format != acrlint::model::Format::Kubernetes),
        "{:?}",
        a.graph.resources
    );
}

#[test]
fn kustomization_files_are_manifests_whatever_they_hold() {
    for name in ["kustomization.yaml", "kustomization.yml", "Kustomization"] {
        assert_eq!(
            classify(Path::new(name), "resources: [a.yaml]\n"),
            FileKind::Kubernetes,
            "{name}"
        );
    }
}

const BASE: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx\n";

fn overlay(to_name: &str, to_tag: &str, digest: Option<&str>) -> String {
    let mut s = format!(
        "resources:\n  - ../../base\nimages:\n  - name: nginx\n    newName: {to_name}\n    newTag: \"{to_tag}\"\n"
    );
    if let Some(d) = digest {
        s.push_str(&format!("    digest: {d}\n"));
    }
    s
}

#[test]
fn the_base_alone_is_judged_as_written() {
    let dir = project(&[
        ("base/deployment.yaml", BASE),
        ("base/kustomization.yaml", "resources: [deployment.yaml]\n"),
    ]);
    let a = common::analyze_dir(dir.path());
    for code in ["K8S001", "K8S002"] {
        let fs = of(&a, code);
        assert_eq!(fs.len(), 1, "{code}: {}", common::human(&a));
        assert_eq!(at(&a, fs[0]), "deployment.yaml:10:18");
        // The base folder is its own leaf kustomization.
        assert!(
            fs[0].message.contains("(overlay base)"),
            "{}",
            fs[0].message
        );
    }
}

#[test]
fn an_allowed_rewrite_clears_what_the_base_would_get() {
    let to = overlay("myacr.azurecr.io/nginx", "1.2", Some(DIGEST));
    let dir = project(&[
        ("base/deployment.yaml", BASE),
        ("base/kustomization.yaml", "resources: [deployment.yaml]\n"),
        ("overlays/prod/kustomization.yaml", &to),
    ]);
    let a = common::analyze_dir(dir.path());
    assert!(
        of(&a, "K8S001").is_empty() && of(&a, "K8S002").is_empty(),
        "{}",
        common::human(&a)
    );
    // What is deployed carries the rewritten image.
    let images: Vec<&str> = a
        .graph
        .resources
        .iter()
        .filter_map(|r| {
            r.body
                .path(&["spec", "template", "spec", "containers"])?
                .as_list()?[0]
                .get("image")?
                .as_str()
        })
        .collect();
    assert_eq!(images, [format!("myacr.azurecr.io/nginx:1.2@{DIGEST}")]);
}

#[test]
fn a_foreign_rewrite_fires_at_the_base_with_the_overlay_label() {
    let good = overlay("myacr.azurecr.io/nginx", "1.2", Some(DIGEST));
    let bad = overlay("evil.io/x", "latest", None);
    let dir = project(&[
        ("base/deployment.yaml", BASE),
        ("base/kustomization.yaml", "resources: [deployment.yaml]\n"),
        ("overlays/prod/kustomization.yaml", &good),
        ("overlays/dev/kustomization.yaml", &bad),
    ]);
    let a = common::analyze_dir(dir.path());
    for code in ["K8S001", "K8S002"] {
        let fs = of(&a, code);
        assert_eq!(fs.len(), 1, "{code}: {}", common::human(&a));
        let f = fs[0];
        assert_eq!(at(&a, f), "deployment.yaml:10:18", "{code}");
        assert!(
            f.message.contains("(overlay overlays/dev)"),
            "{}",
            f.message
        );
        let labels: Vec<String> = f
            .secondary
            .iter()
            .map(|l| {
                let file = a.sources.get(l.span.file);
                let lc = file.line_col(l.span.start as usize);
                format!("{}:{} {}", file.display, lc.line, l.message)
            })
            .collect();
        assert_eq!(labels.len(), 1, "{labels:?}");
        assert!(
            labels[0].ends_with(
                "overlays/dev/kustomization.yaml:5 rewritten by kustomization.yaml to `evil.io/x:latest`"
            ),
            "{labels:?}"
        );
    }
    assert!(of(&a, "K8S001")[0].message.contains("`evil.io`"));
}

#[test]
fn each_overlay_of_one_base_is_judged() {
    let dir = project(&[
        ("base/deployment.yaml", BASE),
        ("base/kustomization.yaml", "resources: [deployment.yaml]\n"),
        (
            "overlays/a/kustomization.yaml",
            &overlay("a.io/x", "1", None),
        ),
        (
            "overlays/b/kustomization.yaml",
            &overlay("b.io/x", "1", None),
        ),
    ]);
    let a = common::analyze_dir(dir.path());
    let mut got: Vec<String> = of(&a, "K8S001")
        .iter()
        .map(|f| {
            let label = &f.secondary[0];
            format!(
                "{} {} {}",
                f.resource.clone().unwrap_or_default(),
                f.secondary.len(),
                a.sources
                    .get(label.span.file)
                    .display
                    .rsplit("overlays/")
                    .next()
                    .unwrap()
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "Deployment/default/web (overlay overlays/a) 1 a/kustomization.yaml",
            "Deployment/default/web (overlay overlays/b) 1 b/kustomization.yaml"
        ],
        "{}",
        common::human(&a)
    );
}

#[test]
fn nested_kustomizations_apply_inner_then_outer_and_namespace() {
    let mid = "resources: [../base]\nnamespace: shop\nimages:\n  - {name: nginx, newName: evil.io/nginx}\n";
    let top = "resources: [../mid]\nimages:\n  - {name: evil.io/nginx, newName: myacr.azurecr.io/nginx, newTag: '2'}\n";
    let dir = project(&[
        ("base/deployment.yaml", BASE),
        ("base/kustomization.yaml", "resources: [deployment.yaml]\n"),
        ("mid/kustomization.yaml", mid),
        ("top/kustomization.yaml", top),
    ]);
    let a = common::analyze_dir(dir.path());
    assert!(of(&a, "K8S001").is_empty(), "{}", common::human(&a));
    let addresses: Vec<&str> = a
        .graph
        .resources
        .iter()
        .map(|r| r.address.as_str())
        .collect();
    assert_eq!(addresses, ["Deployment/shop/web (overlay top)"]);
}

#[test]
fn resources_outside_the_root_and_remote_ones_are_not_read() {
    let outer = tempfile::tempdir().unwrap();
    // A manifest next to the project, with a foreign image: never read.
    write(
        outer.path(),
        "outside/deployment.yaml",
        &BASE.replace("nginx", "evil.io/x:1"),
    );
    write(
        outer.path(),
        "outside/kustomization.yaml",
        "resources: [deployment.yaml]\n",
    );
    let root = outer.path().join("project");
    write(&root, "acrlint.toml", "# a project\n");
    write(
        &root,
        "overlay/kustomization.yaml",
        "resources:\n  - ../../outside\n  - https://github.com/org/repo//deploy?ref=v1\npatches:\n  - path: p.yaml\n",
    );
    let a = common::analyze_dir(&root);
    assert!(a.findings.is_empty(), "{}", common::human(&a));
    assert!(a.graph.resources.is_empty());
    assert!(
        a.notes
            .iter()
            .any(|n| n.contains("`../../outside`") && n.contains("not followed")),
        "{:?}",
        a.notes
    );
    assert!(
        a.notes
            .iter()
            .any(|n| n.contains("remote resource") && n.contains("not fetched")),
        "{:?}",
        a.notes
    );
    assert!(
        a.sources
            .files()
            .all(|(_, f)| !f.display.contains("outside")),
        "a file outside the project was read"
    );
}

#[test]
fn helm_templates_are_counted_without_verbose() {
    let dir = project(&[
        (
            "chart/Chart.yaml",
            "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        ),
        (
            "chart/templates/deployment.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
        ),
        (
            "chart/templates/pod.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\n",
        ),
    ]);
    let out = assert_cmd::Command::cargo_bin("acrlint")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", "."])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Helm templates not analysed: 2 templates in chart chart;")
            && stderr.contains("helm template"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("Helm template").count(), 1, "{stderr}");
    // Quiet output stays quiet.
    let quiet = assert_cmd::Command::cargo_bin("acrlint")
        .unwrap()
        .current_dir(dir.path())
        .args(["check", ".", "--quiet"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&quiet.stderr).contains("Helm"));
}

#[test]
fn a_component_rewrites_what_its_includer_gathered() {
    let component = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nimages:\n  - {name: nginx, newName: myacr.azurecr.io/nginx, newTag: '1'}\n  - {name: other, tagSuffix: -x}\n";
    let dir = project(&[
        ("base/deployment.yaml", BASE),
        (
            "app/kustomization.yaml",
            "resources: [../base/deployment.yaml]\ncomponents: [../pin]\n",
        ),
        ("pin/kustomization.yaml", component),
    ]);
    let a = common::analyze_dir(dir.path());
    assert!(
        of(&a, "K8S001").is_empty() && of(&a, "K8S002").is_empty(),
        "{}",
        common::human(&a)
    );
    let addresses: Vec<&str> = a
        .graph
        .resources
        .iter()
        .map(|r| r.address.as_str())
        .collect();
    assert_eq!(addresses, ["Deployment/default/web (overlay app)"]);
}

/// The images of every container of the objects an overlay deploys, as acrlint renders them.
fn rendered_images(a: &Analysis, overlay: &str) -> Vec<String> {
    let suffix = format!("(overlay {overlay})");
    let mut out = Vec::new();
    for r in a
        .graph
        .resources
        .iter()
        .filter(|r| r.address.ends_with(&suffix))
    {
        let Some((spec, _)) = acrlint::model::kubernetes::pod_spec(r) else {
            continue;
        };
        for list in acrlint::model::kubernetes::CONTAINER_LISTS {
            for c in spec.get(list).and_then(|l| l.as_list()).unwrap_or(&[]) {
                if let Some(i) = c.get("image").and_then(|i| i.as_str()) {
                    out.push(i.to_string());
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn overlays_render_the_images_kubectl_kustomize_renders() {
    let kubectl = std::process::Command::new("kubectl")
        .args(["version", "--client"])
        .output();
    if !kubectl.is_ok_and(|o| o.status.success()) {
        eprintln!("kubectl not available: rendering not compared");
        return;
    }
    let root = common::root().join("tests/fixtures");
    for (fixture, overlays) in [
        ("K8S001/good-kustomize-rewrite", &["overlays/prod"][..]),
        (
            "K8S001/bad-kustomize-rewrite",
            &["overlays/prod", "overlays/dev"][..],
        ),
        ("K8S002/bad-kustomize-rewrite", &["overlays/dev"][..]),
    ] {
        let dir = root.join(fixture);
        let a = common::analyze_dir(&dir);
        for overlay in overlays {
            let out = std::process::Command::new("kubectl")
                .arg("kustomize")
                .arg(dir.join(overlay))
                .output()
                .unwrap();
            assert!(out.status.success(), "{fixture}/{overlay}");
            let mut want: Vec<String> = String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|l| l.trim().trim_start_matches("- ").strip_prefix("image: "))
                .map(|s| s.trim_matches('"').to_string())
                .collect();
            want.sort();
            assert!(!want.is_empty(), "{fixture}/{overlay}");
            assert_eq!(rendered_images(&a, overlay), want, "{fixture}/{overlay}");
        }
    }
}

#[test]
fn kustomizations_that_multiply_or_nest_without_end_are_bounded() {
    let mut files: Vec<(String, String)> = vec![("k0/pod.yaml".into(), BASE.into())];
    files.push((
        "k0/kustomization.yaml".into(),
        "resources: [pod.yaml]\n".into(),
    ));
    // Each level includes the one below through two folders: 2^40 objects unbounded.
    for i in 1..=40 {
        for side in ["a", "b"] {
            files.push((
                format!("k{i}/{side}/kustomization.yaml"),
                format!("resources: [../../k{}/a, ../../k{}/b]\n", i - 1, i - 1),
            ));
        }
    }
    // The level below 1 has no a/b: point them at k0.
    for side in ["a", "b"] {
        files.push((
            format!("k1/{side}/kustomization.yaml"),
            "resources: [../../k0]\n".into(),
        ));
    }
    // A chain deeper than the limit.
    for i in 0..100 {
        files.push((
            format!("chain/{i}/kustomization.yaml"),
            format!("resources: [../{}]\nnamespace: n{i}\n", i + 1),
        ));
    }
    files.push(("chain/100/pod.yaml".into(), BASE.into()));
    files.push((
        "chain/100/kustomization.yaml".into(),
        "resources: [pod.yaml]\n".into(),
    ));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let dir = project(&refs);
    let a = common::analyze_dir(dir.path());
    assert!(a.graph.resources.len() <= acrlint::eval::kustomize::MAX_OBJECTS);
    assert!(
        a.notes.iter().any(|n| n.contains("not rendered in full")),
        "{:?}",
        a.notes
    );
}

#[test]
fn a_kustomization_named_without_extension_is_found() {
    let dir = project(&[
        ("base/deployment.yaml", BASE),
        (
            "overlay/Kustomization",
            &overlay("evil.io/x", "1", None).replace("../../base", "../base/deployment.yaml"),
        ),
    ]);
    let a = common::analyze_dir(dir.path());
    let fs = of(&a, "K8S001");
    assert_eq!(fs.len(), 1, "{}", common::human(&a));
    assert!(
        fs[0].message.contains("(overlay overlay)"),
        "{}",
        fs[0].message
    );
    assert!(
        fs[0].secondary[0]
            .message
            .starts_with("rewritten by Kustomization to")
    );
}
