//! Nothing hidden by the parsers: manifests written in any form kubectl accepts are
//! recognised (byte-order mark, quoted keys, flow style, `apiVersion :`), merge keys carry
//! their images, a YAML file that may be a manifest but does not parse is reported, and
//! hostile shapes (deep nesting, alias bombs, many documents) end in a LINT001 or a normal
//! result. Bicep `extension` statements do not swallow the rest of a file.

mod common;

use acrlint::config::Config;
use acrlint::source::SourceFile;
use acrlint::{Analysis, Workspace, analyze};

/// Analyze in-memory files, as if read from disk.
fn scan(files: &[(&str, &str)]) -> Analysis {
    let dir = std::env::temp_dir();
    let ws = Workspace {
        files: files
            .iter()
            .map(|(name, text)| SourceFile::new(dir.join(name), name.to_string(), *text))
            .collect(),
        ..Workspace::default()
    };
    analyze(&ws, &Config::default())
}

/// Each finding as `(code, file, line, text under the span)`.
fn findings(a: &Analysis) -> Vec<(String, String, usize, String)> {
    a.findings
        .iter()
        .map(|f| {
            let file = a.sources.get(f.primary.file);
            let range = f.primary.range();
            let at = file.line_col(range.start);
            (
                f.rule.code.to_string(),
                file.display.clone(),
                at.line,
                file.text[range].to_string(),
            )
        })
        .collect()
}

fn codes(a: &Analysis) -> Vec<String> {
    let mut c: Vec<String> = a.findings.iter().map(|f| f.rule.code.to_string()).collect();
    c.sort();
    c
}

/// The K8S002 findings as `(line, text under the span)`.
fn k8s002(a: &Analysis) -> Vec<(usize, String)> {
    findings(a)
        .into_iter()
        .filter(|f| f.0 == "K8S002")
        .map(|f| (f.2, f.3))
        .collect()
}

const POD_BODY: &str =
    "metadata: {name: p}\nspec:\n  containers:\n  - name: web\n    image: nginx:latest\n";

#[test]
fn a_manifest_after_a_byte_order_mark_is_read_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("\u{feff}apiVersion: v1\nkind: Pod\n{POD_BODY}");
    std::fs::write(dir.path().join("pod.yaml"), text).unwrap();
    let a = common::analyze_dir(dir.path());
    assert_eq!(
        k8s002(&a),
        [(7, "nginx:latest".to_string())],
        "{}",
        common::human(&a)
    );
    assert_eq!(codes(&a), ["K8S001", "K8S002"], "{}", common::human(&a));
}

#[test]
fn a_manifest_after_a_byte_order_mark_is_read_from_standard_input() {
    let text = format!("\u{feff}apiVersion: v1\nkind: Pod\n{POD_BODY}");
    let out = assert_cmd::Command::cargo_bin("acrlint")
        .unwrap()
        .args(["check", "-", "--stdin-filename", "pod.yaml"])
        .args(["--format", "json"])
        .write_stdin(text)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(&str, u64)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap(), f["line"].as_u64().unwrap()))
        .collect();
    assert!(found.contains(&("K8S002", 7)), "{json}");
    assert!(!found.iter().any(|(c, _)| *c == "LINT001"), "{json}");
}

#[test]
fn quoted_keys_are_keys() {
    let text = format!("\"apiVersion\": v1\n'kind': Pod\n{POD_BODY}");
    let a = scan(&[("pod.yaml", &text)]);
    assert_eq!(k8s002(&a), [(7, "nginx:latest".to_string())]);
}

#[test]
fn a_space_before_the_colon_is_allowed() {
    let text = format!("apiVersion : v1\nkind\t: Pod\n{POD_BODY}");
    let a = scan(&[("pod.yaml", &text)]);
    assert_eq!(k8s002(&a), [(7, "nginx:latest".to_string())]);
}

#[test]
fn flow_style_manifests_are_read() {
    let flow = "{apiVersion: v1, kind: Pod, metadata: {name: p},\n spec: {containers: [{name: web, image: 'nginx:latest'}]}}\n";
    let json_like = r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "q"}, "spec": {"containers": [{"name": "web", "image": "nginx:latest"}]}}"#;
    let a = scan(&[("flow.yaml", flow), ("json.yml", json_like)]);
    let found = findings(&a);
    let k: Vec<_> = found
        .iter()
        .filter(|f| f.0 == "K8S002")
        .map(|f| (f.1.as_str(), f.2, f.3.as_str()))
        .collect();
    assert_eq!(
        k,
        [
            ("flow.yaml", 2, "'nginx:latest'"),
            ("json.yml", 1, "\"nginx:latest\"")
        ],
        "{}",
        common::human(&a)
    );
}

#[test]
fn an_image_carried_by_a_merge_key_is_checked_where_it_is_written() {
    let text = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
x-container: &web
  name: web
  image: nginx:latest
spec:
  template:
    spec:
      containers:
      - <<: *web
        name: web2
";
    let a = scan(&[("deploy.yaml", text)]);
    let found = findings(&a);
    let at: Vec<_> = found
        .iter()
        .map(|f| (f.0.as_str(), f.2, f.3.as_str()))
        .collect();
    assert_eq!(
        at,
        [("K8S001", 6, "nginx:latest"), ("K8S002", 6, "nginx:latest")],
        "{}",
        common::human(&a)
    );
    // The container's own name wins over the merged one.
    assert!(
        a.findings[0].message.contains("container `web2`"),
        "{}",
        a.findings[0].message
    );
}

#[test]
fn merge_lists_prefer_earlier_maps_and_written_keys_win() {
    let text = "\
apiVersion: v1
kind: Pod
metadata: {name: p}
x-pinned: &pinned {image: 'myacr.azurecr.io/app:1.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'}
x-latest: &latest {image: 'myacr.azurecr.io/app:latest', name: from-latest}
spec:
  containers:
  - <<: [*latest, *pinned]
    name: first
  - <<: [*pinned, *latest]
    name: second
  - <<: *latest
    image: myacr.azurecr.io/app:2.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
";
    let a = scan(&[("pod.yaml", text)]);
    let found = findings(&a);
    // Only the first container takes `latest` (first in its merge list); the second
    // takes the pinned image; the third writes its own.
    let k: Vec<_> = found
        .iter()
        .map(|f| (f.0.as_str(), f.2, f.3.as_str()))
        .collect();
    assert_eq!(
        k,
        [("K8S002", 5, "'myacr.azurecr.io/app:latest'")],
        "{}",
        common::human(&a)
    );
    assert!(
        a.findings[0].message.contains("container `first`"),
        "{}",
        a.findings[0].message
    );
}

#[test]
fn a_yaml_file_that_may_be_a_manifest_but_does_not_parse_is_reported() {
    let cases = [
        ("flow.yaml", "{apiVersion: v1, kind: Pod, spec: [\n"),
        (
            "nested.yaml",
            "values:\n  apiVersion: v1\n  kind: Pod\n  x: [1,\n",
        ),
        ("quoted.yaml", "\"apiVersion\": v1\n'kind': Pod\nspec: {\n"),
        (
            "merge.yaml",
            "apiVersion: v1\nkind: Pod\nspec:\n  <<: not-a-map\n",
        ),
    ];
    for (name, text) in cases {
        let a = scan(&[(name, text)]);
        let found = findings(&a);
        assert_eq!(found.len(), 1, "{name}: {}", common::human(&a));
        assert_eq!(found[0].0, "LINT001", "{name}");
        assert_eq!(found[0].1, name);
        assert!(found[0].2 > 1 || name == "flow.yaml", "{name}: {found:?}");
    }
    // YAML that names neither key is no manifest: not reported when it does not parse.
    let a = scan(&[("ci.yml", "on: push\njobs: [\n")]);
    assert!(a.findings.is_empty(), "{}", common::human(&a));
}

#[test]
fn alias_bombs_are_a_lint001_at_the_alias() {
    let mut seq =
        String::from("apiVersion: v1\nkind: ConfigMap\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        seq.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    // The same with aliases as mapping keys, which saphyr's own budget counts as one node.
    let mut keys =
        String::from("apiVersion: v1\nkind: ConfigMap\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let entries: Vec<String> = (0..10)
            .map(|j| format!("? [{j}, *a{}] : {j}", i - 1))
            .collect();
        keys.push_str(&format!("a{i}: &a{i} {{{}}}\n", entries.join(", ")));
    }
    let a = scan(&[
        ("seq.yaml", &seq),
        ("keys.yaml", &keys),
        (
            "pod.yaml",
            &format!("apiVersion: v1\nkind: Pod\n{POD_BODY}"),
        ),
    ]);
    let found = findings(&a);
    let lint: Vec<_> = found.iter().filter(|f| f.0 == "LINT001").collect();
    assert_eq!(lint.len(), 2, "{}", common::human(&a));
    for f in &lint {
        assert_eq!(f.3, "*", "{f:?}");
        assert!(f.2 > 3, "{f:?}");
    }
    assert!(
        a.findings
            .iter()
            .filter(|f| f.rule.code == "LINT001")
            .all(|f| f.message.contains("alias")),
        "{}",
        common::human(&a)
    );
    // The other file still loads.
    assert_eq!(k8s002(&a), [(7, "nginx:latest".to_string())]);
}

#[test]
fn a_hundred_thousand_aliases_of_a_scalar_are_read() {
    let text = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: p, labels: {{l: &l x}}}}\nx-refs: [{}]\nspec:\n  containers:\n  - name: web\n    image: nginx:latest\n",
        vec!["*l"; 99_000].join(",")
    );
    let a = scan(&[("pod.yaml", &text)]);
    assert_eq!(k8s002(&a), [(8, "nginx:latest".to_string())]);
}

#[test]
fn twenty_thousand_levels_are_a_lint001_in_block_and_flow_style() {
    let head = "apiVersion: v1\nkind: ConfigMap\n";
    let flow = format!("{head}data: {}{}\n", "[".repeat(20_000), "]".repeat(20_000));
    let flow_maps = format!(
        "{head}data: {}{}\n",
        "{a: ".repeat(20_000),
        "}".repeat(20_000)
    );
    let dashes = format!("{head}data:\n{}x\n", "- ".repeat(20_000));
    // Indented mappings grow quadratically in bytes: 3,000 levels (4.5 MB) is enough.
    let mut keys = format!("{head}data:\n");
    for i in 0..3_000 {
        keys.push_str(&" ".repeat(i + 1));
        keys.push_str("k:\n");
    }
    let a = scan(&[
        ("flow.yaml", &flow),
        ("flow_maps.yaml", &flow_maps),
        ("dashes.yaml", &dashes),
        ("keys.yaml", &keys),
    ]);
    let found = findings(&a);
    assert_eq!(found.len(), 4, "{found:?}");
    for f in &found {
        assert_eq!(f.0, "LINT001", "{f:?}");
        assert!(f.2 >= 3, "{f:?}");
    }
    assert!(
        a.findings
            .iter()
            .all(|f| f.message.contains("nested deeper"))
    );
}

#[test]
fn a_hundred_thousand_documents_are_read_to_the_last() {
    let text = format!(
        "{}apiVersion: v1\nkind: Pod\n{POD_BODY}",
        "---\n".repeat(100_000)
    );
    let a = scan(&[("many.yaml", &text)]);
    assert_eq!(k8s002(&a), [(100_007, "nginx:latest".to_string())]);
}

const REGISTRY: &str = "resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'acr1'
  location: 'westeurope'
  sku: { name: 'Premium' }
  properties: {
    adminUserEnabled: true
  }
}
";

#[test]
fn braces_in_comments_and_strings_on_an_extension_line_hide_nothing() {
    let heads = [
        "extension microsoftGraph // {\n",
        "extension microsoftGraph /* { */\n",
        "extension kubernetes with { namespace: '{' } as k8s\n",
        "extension kubernetes with {\n  kubeConfig: '''\n{ {\n'''\n  namespace: 'x' // }\n} as k8s\n",
    ];
    for head in heads {
        let text = format!("{head}{REGISTRY}");
        let a = scan(&[("main.bicep", &text)]);
        let line = head.lines().count() + 6;
        let acr002: Vec<_> = findings(&a)
            .into_iter()
            .filter(|f| f.0 == "ACR002" || f.0 == "LINT001")
            .map(|f| (f.0, f.2, f.3))
            .collect();
        assert_eq!(
            acr002,
            [("ACR002".to_string(), line, "true".to_string())],
            "{head:?}\n{}",
            common::human(&a)
        );
    }
}

#[test]
fn an_extension_statement_never_closed_is_reported_not_hiding_the_file() {
    let text = format!("extension kubernetes with {{ namespace: 'x'\n{REGISTRY}");
    let a = scan(&[("main.bicep", &text)]);
    let found = findings(&a);
    assert!(
        found
            .iter()
            .any(|f| f.0 == "LINT001" && f.1 == "main.bicep"),
        "{}",
        common::human(&a)
    );
}
